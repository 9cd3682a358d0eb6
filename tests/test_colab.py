"""Every learner notebook opens with an 'Open in Colab' badge and a set-up cell that
installs the course on Colab, pinned to this version, and does nothing anywhere else."""

import re
import sys
import types

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from autograder import __version__, authoring, paths
from conftest import ROOT

ASSIGNMENTS = paths.assignments(ROOT)


def _first_cells(assignment):
    notebook = nbformat.read(paths.course_notebook(assignment, ROOT), as_version=4)
    return notebook.cells[0], notebook.cells[1]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_badge_links_to_this_notebook_at_this_version(assignment):
    badge, _ = _first_cells(assignment)
    url = re.search(r"\]\((https://colab\.research\.google\.com/github/[^)]+)\)", badge.source).group(1)
    repository, tag = authoring.course_release()
    assert tag == f"v{__version__}"
    assert url == (repository.replace("https://github.com/", "https://colab.research.google.com/github/")
                   + f"/blob/{tag}/course/{assignment}/{assignment}.ipynb")
    assert (ROOT / "course" / assignment / f"{assignment}.ipynb").exists()


class RecordingShell:
    """Stands in for IPython: records the shell commands and magics a cell would run."""

    def __init__(self):
        self.calls = []

    def system(self, command):
        self.calls.append(("system", command))

    def run_line_magic(self, name, line, _stack_depth=1):
        self.calls.append((name, line))


def _run_setup_cell(source, on_colab, monkeypatch):
    shell = RecordingShell()
    code = TransformerManager().transform_cell(source)
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    path_before = list(sys.path)
    exec(code, {"get_ipython": lambda: shell})  # noqa: S102
    changed_path = sys.path != path_before
    sys.path[:] = path_before
    return shell.calls, changed_path


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_setup_cell_does_nothing_outside_colab(assignment, monkeypatch):
    _, setup = _first_cells(assignment)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    calls, changed_path = _run_setup_cell(setup.source, on_colab=False, monkeypatch=monkeypatch)
    assert calls == [] and not changed_path


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_setup_cell_installs_the_pinned_course_on_colab(assignment, monkeypatch):
    _, setup = _first_cells(assignment)
    calls, changed_path = _run_setup_cell(setup.source, on_colab=True, monkeypatch=monkeypatch)
    repository, tag = authoring.course_release()
    assert ("system", f"git clone --quiet --depth 1 --branch {tag} {repository}.git /content/course") in calls
    assert ("pip", "install --quiet -e /content/course") in calls
    assert changed_path
