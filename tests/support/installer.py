"""Installing packages into the test environments (the learner's clean venv, the Colab
runtime): with uv when the project's venv has it (`make setup` puts it there; several times
faster than pip on a cold cache), else with pip. What gets installed is the same wheels
either way; pip itself stays the tool of Colab's set-up cell, because that is what learners
run there."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def pip_environment() -> dict[str, str]:
    """pip as a clean machine has it: PyPI only, no site-wide configuration."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def uv_executable() -> str | None:
    """The uv beside this interpreter (the project's venv), or on PATH."""
    beside = Path(sys.executable).parent / ("uv.exe" if sys.platform == "win32" else "uv")
    return str(beside) if beside.exists() else shutil.which("uv")


def install(python: Path, *requirements: str, constraints: Path | None = None, quiet: bool = True) -> None:
    """Install ``requirements`` into the environment of ``python``."""
    options = (["--quiet"] if quiet else []) + (["-c", str(constraints)] if constraints else [])
    uv = uv_executable()
    if uv:
        command = [uv, "pip", "install", "--python", str(python), *options, *requirements]
    else:
        command = [str(python), "-m", "pip", "install", *options, *requirements]
    subprocess.run(command, check=True, env=pip_environment())
