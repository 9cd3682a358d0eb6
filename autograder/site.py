"""The course website: a Jupyter Book built from the learner notebooks.

Each page is the learner notebook (answers stubbed, hidden tests absent) with the outputs
of its teaching cells taken from the solution notebook, so figures and worked examples
show while exercises and their checks stay blank. ``autograder site`` builds it into
``_site/`` (not committed).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from autograder import paths

TITLE = "Images, filters and convolutional networks"

# The table of contents follows the lectures: image processing first, then the arithmetic
# of convolutional layers, their gradients and a network, then the capstone and what
# follows it. Each part starts at an assignment number and runs up to the next part.
PARTS = [
    ("Images and filters", 1),
    ("Convolutional networks", 5),
    ("Capstone and beyond", 9),
]


def chapter_title(notebook: nbformat.NotebookNode) -> str:
    """The first level-1 heading of the notebook."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^# (.+)$", cell.source, flags=re.MULTILINE)
            if match:
                return match.group(1).strip()
    raise ValueError("notebook has no '# title' heading")


def _is_exercise(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return bool(meta.get("solution") or meta.get("grade"))


def site_notebook(assignment: str, root: Path | None = None) -> nbformat.NotebookNode:
    """The learner notebook with the solution's outputs in its teaching cells only."""
    learner = nbformat.read(paths.course_notebook(assignment, root), as_version=4)
    solution = nbformat.read(paths.solution_notebook(assignment, root), as_version=4)
    solved = {cell.id: cell for cell in solution.cells}
    learner.cells = [cell for cell in learner.cells if cell.id != "colab-setup"]  # the badge suffices
    for cell in learner.cells:
        if cell.cell_type != "code":
            continue
        if _is_exercise(cell) or cell.id not in solved:
            cell.outputs, cell.execution_count = [], None
        else:
            cell.outputs = solved[cell.id].outputs
            cell.execution_count = solved[cell.id].execution_count
    return learner


def _toc(assignments: list[str]) -> str:
    lines = ["format: jb-book", "root: intro", "parts:"]
    starts = [first for _, first in PARTS[1:]] + [float("inf")]
    for (caption, first), end in zip(PARTS, starts):
        members = [a for a in assignments if first <= int(a[:2]) < end]
        if members:
            lines += [f"  - caption: {caption}", "    chapters:"] + [f"      - file: {a}" for a in members]
    return "\n".join(lines) + "\n"


def _intro(titles: dict[str, str]) -> str:
    rows = "\n".join(f"{n}. [{title}]({assignment}.ipynb)" for n, (assignment, title)
                     in enumerate(titles.items(), start=1))
    return (f"# {TITLE}\n\nA course in notebooks, from pixels to a network that reads a Sudoku "
            f"from a newspaper photo. Each chapter teaches with small worked examples and "
            f"figures, then asks for a few functions that are checked on the spot. Run them in "
            f"JupyterLab or Colab (the badge at the top of each chapter).\n\n## Chapters\n\n{rows}\n")


_CONFIG = f"""\
title: "{TITLE}"
author: The course team
only_build_toc_files: true
execute:
  execute_notebooks: "off"
html:
  use_repository_button: false
sphinx:
  config:
    html_show_copyright: false
    suppress_warnings: ["mystnb.unknown_mime_type", "myst.header"]
"""


def build_site(out: Path | None = None, root: Path | None = None) -> Path:
    """Build the website; return the folder holding index.html."""
    root = root or paths.repo_root()
    out = Path(out or root / "_site").resolve()
    assignments = paths.assignments(root)
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "book"
        book.mkdir()
        titles = {}
        for assignment in assignments:
            notebook = site_notebook(assignment, root)
            titles[assignment] = chapter_title(notebook)
            nbformat.write(notebook, book / f"{assignment}.ipynb")
        (book / "intro.md").write_text(_intro(titles))
        (book / "_toc.yml").write_text(_toc(assignments))
        (book / "_config.yml").write_text(_CONFIG)
        if out.exists():
            shutil.rmtree(out)
        result = subprocess.run([str(Path(sys.executable).parent / "jupyter-book"), "build", str(book), "--path-output", str(out),
                                 "--builder", "html"], capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"jupyter-book build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return out / "_build" / "html"


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="autograder site", description="build the course website")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: _site)")
    args = parser.parse_args(argv)
    html = build_site(args.out)
    print(f"site built: {html / 'index.html'}")
    return 0
