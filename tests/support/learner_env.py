"""What a learner's machine gets, prepared for the tests (`make test-tools` runs this).

    python tests/support/learner_env.py build

- ``.venv-learner/``: a clean virtual environment with the course's wheel installed the
  way a learner installs it on their own machine (``wheel[lab]``: not editable, with
  JupyterLab, dependencies from the package index). The
  tests put a freshly built wheel into it again, offline, before they use it.
- ``.venv-learner/resolutions/``: the resolution of the wheel's requirements for the
  platforms learners use (Linux x86-64 and aarch64, macOS on Apple silicon, Windows),
  for Python 3.11 and 3.13, as standard lock files (PEP 751 ``pylock.toml``, written by
  ``uv pip compile``: it reads only the metadata of each candidate wheel, where pip's
  ``--dry-run --report`` downloaded whole TensorFlow wheels and took minutes on a cold
  cache): proof that the TensorFlow requirement, and every other, has wheels there.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tomllib
import venv
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from installer import install, pip_environment, uv_executable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VENV = ROOT / ".venv-learner"
PYTHONS = ("3.11", "3.13")
# uv's name of each platform (``uv pip compile --python-platform``)
PLATFORMS = {
    "linux-x86_64": "x86_64-manylinux_2_28",
    "linux-aarch64": "aarch64-manylinux_2_28",
    "macos-arm64": "aarch64-apple-darwin",
    "windows-x86_64": "x86_64-pc-windows-msvc",
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
    return folder / "resolutions" / f"pylock.{platform}-py{python.replace('.', '')}.toml"  # the standard's name


def resolve(wheel: Path, folder: Path = VENV) -> None:
    """The lock of ``wheel``'s requirements on every platform and Python of the course (run
    side by side: each one mostly waits on the package index)."""
    jobs = [(platform, python) for platform in PLATFORMS for python in PYTHONS]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda job: _resolve_one(wheel, folder, *job), jobs))


def _resolve_one(wheel: Path, folder: Path, platform: str, python: str) -> None:
    target = report_path(platform, python, folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    requirement = target.parent / f"{platform}-py{python}.in"
    requirement.write_text(f"cnn-course-autograder @ {wheel.resolve().as_uri()}\n")
    subprocess.run([uv_executable() or "uv", "pip", "compile", "--quiet", "--python-platform", PLATFORMS[platform],
                    "--python-version", python, "--only-binary", ":all:", "--format", "pylock.toml",
                    "-o", str(target), str(requirement)], check=True, env=pip_environment())


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


def locked_wheels(lock: Path) -> dict[str, str]:
    """{package name: the file name of the wheel a lock picked} (or its URL when it is no wheel)."""
    packages = tomllib.loads(lock.read_text())["packages"]
    return {package["name"]: _file_name(package) for package in packages}


def _file_name(package: dict) -> str:
    wheels = package.get("wheels") or []
    url = wheels[0].get("url", wheels[0].get("name", "")) if wheels else str(package.get("archive", ""))
    return url.rsplit("/", 1)[-1]


if __name__ == "__main__":
    if sys.argv[1:] != ["build"]:
        print(__doc__)
        sys.exit(2)
    build()
