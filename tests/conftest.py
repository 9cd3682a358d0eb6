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
# The notebooks' runs need none of the test tools, so they also cover the tools' background build.
SLOW_FIRST = ("autograde", "nbval", "test_grading_class", "test_whole_test_cell", "test_exchange_loop",
              "test_jupyterhub", "test_colab_runtime", "test_packaging", "test_report", "test_learner_browser")


def pytest_collection_modifyitems(config, items):
    def rank(item) -> int:
        return next((i for i, word in enumerate(SLOW_FIRST) if word in item.nodeid), len(SLOW_FIRST))

    items.sort(key=rank)  # stable: the usual order within each rank


# --------------------------------------------------------------------------------------
# `make test` builds the test tools (`make test-tools`) in the background; tests marked
# needs_test_tools wait for that build here.

TOOLS_STATE = ROOT / ".test-tools.state"
TOOLS_LOG = ROOT / ".test-tools.log"
TOOLS_WAIT_S = 3600


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_for_test_tools(state: Path = TOOLS_STATE, log: Path = TOOLS_LOG, limit_s: float = TOOLS_WAIT_S) -> None:
    """Return once the test tools are built; fail the test with the build's log if they are not.

    No state file: the tools were built by hand (`make test-tools`), nothing to wait for.
    """
    import time

    def tail() -> str:
        return log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"

    deadline = time.monotonic() + limit_s
    while True:
        try:
            text = state.read_text().split()
        except FileNotFoundError:
            return
        if text and text[0] == "building":
            pid = int(text[1]) if len(text) > 1 and text[1].isdigit() else None
            if pid is not None and not _pid_alive(pid):
                pytest.fail(f"the test tools' build was interrupted; run `make test-tools`:\n{tail()}")
            if time.monotonic() > deadline:
                pytest.fail(f"the test tools were not built within {limit_s:g} s:\n{tail()}")
            time.sleep(2)
            continue
        if text == ["0"]:
            return
        pytest.fail(f"`make test-tools` failed (exit status {' '.join(text)}); this test needs its tools:\n{tail()}")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if item.get_closest_marker("needs_test_tools"):
        wait_for_test_tools()


def pytest_configure(config):
    config.addinivalue_line("markers", "needs_test_tools: waits for `make test-tools` "
                                       "(browser, sandbox, Node.js proxy, learner and Colab environments)")
