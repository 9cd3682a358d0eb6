"""Where things are: the one place that knows the course's folder layout."""

from __future__ import annotations

import os
from pathlib import Path

KERNEL_NAME = "cnn-course"
KERNEL_DISPLAY_NAME = "Python 3 (CNN course)"
SOURCE_SUFFIX = ".nb.py"  # notebook sources beside each solution notebook; nbgrader ignores them


def repo_root() -> Path:
    """The course repository: $COURSE_ROOT, else the checkout this package was installed from."""
    if os.environ.get("COURSE_ROOT"):
        return Path(os.environ["COURSE_ROOT"]).resolve()
    return Path(__file__).resolve().parents[1]


def solutions_dir(root: Path | None = None) -> Path:
    return (root or repo_root()) / "solutions"


def course_dir(root: Path | None = None) -> Path:
    return (root or repo_root()) / "course"


def data_dir(root: Path | None = None) -> Path:
    return (root or repo_root()) / "data"


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
