"""How the notebook is being run: by a learner, by nbgrader, or by the test suite."""

from __future__ import annotations

import os


def grading() -> str | None:
    """'autograde' or 'validate' when nbgrader runs the notebook, else None."""
    return os.environ.get("NBGRADER_EXECUTION") or None


def quick() -> bool:
    """True when heavy cells (training, whole-dataset runs) should take their reduced form:
    under nbgrader, or when COURSE_QUICK=1 (the test suite sets it)."""
    return grading() is not None or os.environ.get("COURSE_QUICK") == "1"


def offline() -> bool:
    """True when nothing may be downloaded (COURSE_OFFLINE=1, as in CI)."""
    return os.environ.get("COURSE_OFFLINE") == "1"
