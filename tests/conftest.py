"""Shared fixtures: the repository root and a clean environment for subprocesses."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

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
