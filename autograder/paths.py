"""Where things are: the one place that knows the course's folder layout.

Two kinds of files:

- what the *package* carries (photos, models, the offline MNIST sample): the folder
  ``data/`` of the repository, installed as ``autograder.files`` and found through
  :mod:`importlib.resources`, so it works from a wheel as well as from a checkout;
- what only an *instructor's checkout* has (``solutions/``, ``course/``,
  ``pyproject.toml``): found from :func:`repo_root`.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

KERNEL_NAME = "cnn-course"
KERNEL_DISPLAY_NAME = "Python 3 (CNN course)"
SOURCE_SUFFIX = ".nb.py"  # notebook sources beside each solution notebook; nbgrader ignores them


def data_dir() -> Path:
    """The folder of files the package ships (``data/`` in the repository)."""
    return Path(str(resources.files("autograder.files")))


def data_file(*parts: str) -> Path:
    """A file the package ships, e.g. ``data_file("sudoku", "image1.jpg")``."""
    return data_dir().joinpath(*parts)


def _is_checkout(folder: Path) -> bool:
    return (folder / "pyproject.toml").is_file() and (folder / "solutions").is_dir()


def repo_root() -> Path:
    """The instructor's course repository: $COURSE_ROOT, else the checkout this package
    runs from (an editable install), else the current folder."""
    if os.environ.get("COURSE_ROOT"):
        return Path(os.environ["COURSE_ROOT"]).resolve()
    source = Path(__file__).resolve().parents[1]
    return source if _is_checkout(source) else Path.cwd()


def solutions_dir(root: Path | None = None) -> Path:
    return (root or repo_root()) / "solutions"


def course_dir(root: Path | None = None) -> Path:
    return (root or repo_root()) / "course"


def assignments(root: Path | None = None) -> list[str]:
    """The assignment list, in course order: every solutions/<name>/<name>.nb.py."""
    base = solutions_dir(root)
    return sorted(p.name for p in base.iterdir() if (p / f"{p.name}{SOURCE_SUFFIX}").exists())


def source_path(assignment: str, root: Path | None = None) -> Path:
    return solutions_dir(root) / assignment / f"{assignment}{SOURCE_SUFFIX}"


def solution_notebook(assignment: str, root: Path | None = None) -> Path:
    return solutions_dir(root) / assignment / f"{assignment}.ipynb"


def course_notebook(assignment: str, root: Path | None = None) -> Path:
    return course_dir(root) / assignment / f"{assignment}.ipynb"
