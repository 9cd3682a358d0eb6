"""Every learner notebook opens with an 'Open in Colab' badge and a set-up cell, both
generated from the release configured in pyproject.toml. The cell is run for real, in a
rebuilt Colab runtime, by tests/test_colab_runtime.py; here: what it says and that it
does nothing outside Colab."""

import re
import sys

import nbformat
import pytest

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
    release = authoring.course_release(ROOT)
    assert release.tag == f"v{__version__}"
    assert url == (release.learner_repository.replace("https://github.com/", "https://colab.research.google.com/github/")
                   + f"/blob/{release.tag}/course/{assignment}/{assignment}.ipynb")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_setup_cell_pins_this_version_from_the_package_index(assignment):
    _, setup = _first_cells(assignment)
    release = authoring.course_release(ROOT)
    assert f'COURSE_PACKAGE = "{release.package}=={release.version}"' in setup.source
    assert "git clone" not in setup.source and "-e " not in setup.source  # no repository, no answers
    assert "--upgrade" not in setup.source  # pip keeps whatever already satisfies the course


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_setup_cell_does_nothing_outside_colab(assignment, monkeypatch):
    _, setup = _first_cells(assignment)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    import subprocess

    def no_subprocess(*args, **kwargs):
        raise AssertionError("the set-up cell ran a command outside Colab")

    monkeypatch.setattr(subprocess, "run", no_subprocess)
    path_before = list(sys.path)
    exec(setup.source, {})  # noqa: S102 - the cell is plain Python, no magics
    assert sys.path == path_before
