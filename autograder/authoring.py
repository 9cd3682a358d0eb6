"""Notebook sources: one plain-text file per assignment, turned into the nbgrader source
notebook (with outputs) and then into the learner notebook.

A source file ``solutions/<a>/<a>.nb.py`` is in the "percent" format that JupyterLab
(jupytext), VS Code and PyCharm understand. Each cell starts with a ``# %%`` line whose
words say what the cell is:

    # %% [markdown]                      a text cell; its lines start with "# "
    # %%                                 an ordinary code cell
    # %% solution id=to_grayscale        an answer cell (### BEGIN/END SOLUTION inside)
    # %% test id=to_grayscale_test points=2
    #                                    a locked, graded test cell
    # %% nbval-ignore-output             any word starting with nbval- (or tag:NAME) is a cell tag

``autograder build`` runs :func:`build_solution` (source → executed solution notebook)
and :func:`generate_course` (solution notebook → learner notebook, by nbgrader) for every
assignment, so the committed notebooks are always derived, never hand-edited.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder import paths

CELL_MARKER = "# %%"

COLAB_SETUP = """\
# On Google Colab: install the course package (checks, hints, data, models), pinned to
# this version of the course. It adds only what Colab lacks and changes none of Colab's
# own packages. Anywhere else (JupyterLab on your machine, nbgrader) it does nothing.
import sys

if "google.colab" in sys.modules:
    import subprocess

    COURSE_PACKAGE = "{package}=={version}"
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", COURSE_PACKAGE],
                         capture_output=True, text=True)
    if pip.returncode != 0:
        reason = (pip.stderr.strip().splitlines() or ["pip gave no reason"])[-1]
        raise SystemExit(f"Set-up failed: could not install {{COURSE_PACKAGE}} ({{reason}}). "
                         "Check that the runtime is connected, then run this cell again.")
    import importlib

    importlib.invalidate_caches()  # so that the next cell finds the new package"""


@dataclass(frozen=True)
class Release:
    """What the notebooks' Colab badge and set-up cell point at: one place, pyproject.toml."""
    package: str  # the distribution learners install
    version: str
    learner_repository: str  # where the learner notebooks are published (GitHub)

    @property
    def tag(self) -> str:
        return f"v{self.version}"


def course_release(root: Path | None = None) -> Release:
    """The release configured in pyproject.toml ([project] and [tool.cnn-course])."""
    import tomllib

    config = tomllib.loads(((root or paths.repo_root()) / "pyproject.toml").read_text())
    return Release(config["project"]["name"], config["project"]["version"],
                   config["tool"]["cnn-course"]["learner-repository"])


def colab_url(assignment: str, release: Release | None = None) -> str:
    """The badge's target: the learner notebook in the published repository, at the tag."""
    release = release or course_release()
    return (release.learner_repository.replace("https://github.com/", "https://colab.research.google.com/github/")
            + f"/blob/{release.tag}/course/{assignment}/{assignment}.ipynb")


def _colab_cells(assignment: str) -> list:
    release = course_release()
    badge = nbformat.v4.new_markdown_cell(
        f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(assignment, release)})")
    badge.id = "colab-badge"
    setup = nbformat.v4.new_code_cell(COLAB_SETUP.format(package=release.package, version=release.version))
    setup.id = "colab-setup"
    return [badge, setup]


def _parse_header(header: str, number: int) -> dict:
    words = header[len(CELL_MARKER):].split()
    spec = {"kind": "code", "tags": [], "options": {}}
    for word in words:
        if word == "[markdown]":
            spec["kind"] = "markdown"
        elif word in ("solution", "test", "locked"):
            spec["role"] = word
        elif word.startswith("nbval-"):
            spec["tags"].append(word)
        elif word.startswith("tag:"):
            spec["tags"].append(word[4:])
        elif "=" in word:
            key, value = word.split("=", 1)
            spec["options"][key] = value
        else:
            raise ValueError(f"cell {number}: unknown word {word!r} in {header!r}")
    return spec


def _nbgrader_metadata(spec: dict, number: int) -> dict | None:
    role = spec.get("role")
    if role is None:
        return None
    grade_id = spec["options"].get("id")
    if not grade_id:
        raise ValueError(f"cell {number}: a {role} cell needs id=...")
    meta = {"schema_version": 3, "grade_id": grade_id, "grade": role == "test",
            "solution": role == "solution", "locked": role in ("test", "locked")}
    if role == "test":
        meta["points"] = float(spec["options"].get("points", 1))
    return meta


def _strip_markdown(lines: list[str]) -> str:
    text = []
    for line in lines:
        if line.startswith("# "):
            text.append(line[2:])
        elif line.rstrip() == "#":
            text.append("")
        else:
            raise ValueError(f"markdown line does not start with '# ': {line!r}")
    return "\n".join(text).strip("\n")


def parse_source(text: str, assignment: str | None = None) -> nbformat.NotebookNode:
    """Turn a percent-format source into a notebook without outputs. With ``assignment``,
    the notebook opens with the Colab badge and the Colab set-up cell."""
    blocks: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith(CELL_MARKER):
            blocks.append((line, []))
        elif blocks:
            blocks[-1][1].append(line)
        elif line.strip():
            raise ValueError(f"text before the first cell marker: {line!r}")
    notebook = nbformat.v4.new_notebook()
    for number, (header, lines) in enumerate(blocks, start=1):
        spec = _parse_header(header, number)
        while lines and not lines[-1].strip():  # blank lines between cells belong to neither
            lines.pop()
        if spec["kind"] == "markdown":
            cell = nbformat.v4.new_markdown_cell(_strip_markdown(lines))
        else:
            cell = nbformat.v4.new_code_cell("\n".join(lines).strip("\n"))
        cell.id = spec["options"].get("id") or f"cell-{number:03d}"  # stable ids, no random churn
        if spec["tags"]:
            cell.metadata["tags"] = spec["tags"]
        nbgrader = _nbgrader_metadata(spec, number)
        if nbgrader:
            cell.metadata["nbgrader"] = nbgrader
        notebook.cells.append(cell)
    if assignment:
        notebook.cells[0:0] = _colab_cells(assignment)
    notebook.metadata = {
        "kernelspec": {"name": paths.KERNEL_NAME, "display_name": paths.KERNEL_DISPLAY_NAME,
                       "language": "python"},
        "language_info": {"name": "python"},
    }
    return notebook


def _execute(notebook: nbformat.NotebookNode, folder: Path, timeout: int = 1800) -> None:
    from nbclient import NotebookClient

    client = NotebookClient(notebook, kernel_name=paths.KERNEL_NAME, timeout=timeout, record_timing=False,
                            store_widget_state=False,  # widget snapshots would only bloat the notebooks
                            resources={"metadata": {"path": str(folder)}})
    client.execute()


def build_solution(assignment: str, execute: bool = True) -> Path:
    """Source → solutions/<a>/<a>.ipynb, executed so that its outputs are the nbval baseline."""
    source = paths.source_path(assignment)
    notebook = parse_source(source.read_text(encoding="utf-8"), assignment)
    if execute:
        _execute(notebook, source.parent)
    target = paths.solution_notebook(assignment)
    nbformat.validate(notebook)
    nbformat.write(notebook, target)
    return target


def generate_course(assignment: str, root: Path | None = None, db_url: str | None = None) -> Path:
    """solutions/<a> → course/<a> with nbgrader (answers stubbed, hidden tests removed)."""
    root = root or paths.repo_root()
    command = [sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force",
               f"--CourseDirectory.root={root}", "--log-level=WARN"]
    if db_url:
        command.append(f"--CourseDirectory.db_url={db_url}")
    # nbgrader runs `alembic` from PATH: put this environment's scripts first
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    result = subprocess.run(command, cwd=root, capture_output=True, text=True,
                            env={**os.environ, "PYTHONWARNINGS": "ignore", "PATH": path})
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment {assignment} failed:\n{result.stdout}\n{result.stderr}")
    return paths.course_notebook(assignment, root)


def source_matches_solution(assignment: str) -> list[str]:
    """Differences between the source file and the committed solution notebook (cells only)."""
    expected = parse_source(paths.source_path(assignment).read_text(encoding="utf-8"), assignment)
    actual = nbformat.read(paths.solution_notebook(assignment), as_version=4)
    problems = []
    if len(expected.cells) != len(actual.cells):
        problems.append(f"{len(expected.cells)} cells in the source, {len(actual.cells)} in the notebook")
    for number, (want, have) in enumerate(zip(expected.cells, actual.cells), start=1):
        for key in ("cell_type", "source", "id"):
            if want.get(key) != have.get(key):
                problems.append(f"cell {number}: {key} differs")
        if want.metadata != have.metadata:
            problems.append(f"cell {number}: metadata differs")
    return problems
