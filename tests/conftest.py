"""Shared fixtures: the repository root, a clean environment for subprocesses, and the
release artefacts built once per test run."""

from __future__ import annotations

import fcntl
import os
import sys
from pathlib import Path

import pytest

from autograder import release

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def subprocess_env(**extra: str) -> dict:
    """The environment for nbgrader/nbval subprocesses: this venv first on PATH, quick mode,
    offline, and no warnings noise."""
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("COURSE_OFFLINE", "1")
    env["COURSE_QUICK"] = "1"
    env["PYTHONWARNINGS"] = "ignore"
    env.update(extra)
    return env


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def release_artifacts(tmp_path_factory) -> release.Artifacts:
    """The wheel, sdist and learner copy of this checkout, built once for the whole run and
    shared by every xdist worker (two builds at once in one source tree collide in
    setuptools' egg-info folder)."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    shared = tmp_path_factory.getbasetemp().parent / f"release-{run}" if run else tmp_path_factory.getbasetemp() / "release"
    shared.mkdir(parents=True, exist_ok=True)
    with open(shared / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (shared / ".done").exists():
            return release.Artifacts(next(shared.glob("*.whl")), next(shared.glob("*.tar.gz")), shared / "learner")
        artifacts = release.build(shared, ROOT)
        (shared / ".done").touch()
        return artifacts


# Tests that take minutes (a notebook executed, a class graded, a hub started). Run first, so
# that the two xdist workers finish together instead of one waiting on a long test at the end.
SLOW_FIRST = ("test_exchange_loop", "test_jupyterhub", "test_grading_class", "test_colab_runtime",
              "autograde", "nbval", "test_whole_test_cell", "test_packaging", "test_report", "test_learner_browser")


def pytest_collection_modifyitems(config, items):
    def rank(item) -> int:
        return next((i for i, word in enumerate(SLOW_FIRST) if word in item.nodeid), len(SLOW_FIRST))

    items.sort(key=rank)  # stable: the usual order within each rank
