"""What a learner's machine gets, prepared for the tests (`make test-tools` runs this).

    python tests/support/learner_env.py build

- ``.venv-learner/``: a clean virtual environment with the course's wheel installed the
  way a learner installs it on their own machine (``wheel[lab]``: not editable, with
  JupyterLab, dependencies from the package index). The
  tests put a freshly built wheel into it again, offline, before they use it.
- ``.venv-learner/resolutions/``: pip's resolution of the wheel's requirements for the
  platforms learners use (Linux x86-64 and aarch64, macOS on Apple silicon, Windows),
  for Python 3.11 and 3.13, as pip's JSON install reports: proof that the TensorFlow
  requirement, and every other, has wheels there.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import venv
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from installer import install, pip_environment

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VENV = ROOT / ".venv-learner"
PYTHONS = ("3.11", "3.13")
PLATFORMS = {
    "linux-x86_64": [f"manylinux_{glibc}_x86_64" for glibc in ("2_17", "2_24", "2_27", "2_28")] + ["manylinux2014_x86_64"],
    "linux-aarch64": [f"manylinux_{glibc}_aarch64" for glibc in ("2_17", "2_24", "2_27", "2_28")] + ["manylinux2014_aarch64"],
    "macos-arm64": ["macosx_14_0_arm64"],
    "windows-x86_64": ["win_amd64"],
}


def python_of(folder: Path) -> Path:
    return folder / ("Scripts" if sys.platform == "win32" else "bin") / "python"


def build_wheel(out: Path) -> Path:
    """The course's wheel, built with the standard build tool."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.whl"):
        old.unlink()
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)], check=True,
                   capture_output=True)
    return next(out.glob("*.whl"))


def report_path(platform: str, python: str, folder: Path = VENV) -> Path:
    return folder / "resolutions" / f"{platform}-py{python}.json"


def resolve(wheel: Path, folder: Path = VENV) -> None:
    """pip's install report for ``wheel`` on every platform and Python of the course (run
    side by side: each one mostly waits on the package index)."""
    jobs = [(platform, python) for platform in PLATFORMS for python in PYTHONS]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda job: _resolve_one(wheel, folder, *job), jobs))


def _resolve_one(wheel: Path, folder: Path, platform: str, python: str) -> None:
    target = report_path(platform, python, folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = folder / "resolutions" / f"scratch-{platform}-{python}"
    platforms = [option for tag in PLATFORMS[platform] for option in ("--platform", tag)]
    subprocess.run([str(python_of(folder)), "-m", "pip", "install", "--quiet", "--dry-run", "--ignore-installed",
                    "--only-binary=:all:", *platforms, "--python-version", python, "--implementation", "cp",
                    "--target", str(scratch), "--report", str(target), str(wheel)],
                   check=True, env=pip_environment())
    shutil.rmtree(scratch, ignore_errors=True)


def _fingerprint() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + Path(__file__).read_bytes()).hexdigest()


def build(folder: Path = VENV) -> Path:
    """Create (or keep, when pyproject.toml is unchanged) the learner's environment."""
    stamp = folder / ".built-from"
    if stamp.exists() and stamp.read_text() == _fingerprint():
        print(f"learner environment up to date: {folder}")
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    venv.EnvBuilder(with_pip=True).create(folder)
    wheel = build_wheel(folder / "dist")
    print(f"installing {wheel.name} into {folder} as a learner does", flush=True)
    install(python_of(folder), f"{wheel}[lab]")
    resolve(wheel, folder)
    stamp.write_text(_fingerprint())
    print(f"learner environment ready: {folder}")
    return folder


def installed_tensorflow(report: Path) -> str | None:
    """The TensorFlow wheel a resolution report picked, or None."""
    for item in json.loads(report.read_text())["install"]:
        if item["metadata"]["name"] == "tensorflow":
            return item["download_info"]["url"].rsplit("/", 1)[1]
    return None


if __name__ == "__main__":
    if sys.argv[1:] != ["build"]:
        print(__doc__)
        sys.exit(2)
    build()
