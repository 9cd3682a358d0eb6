"""A stand-in for Google Colab's default runtime, for testing the course where learners open it.

    python tests/support/colab_runtime.py build     # create or refresh .venv-colab/
    python tests/support/colab_runtime.py path      # print the runtime's Python

The runtime is a Python 3.13 virtual environment (Colab's default since 2026-08-25) that
holds, at the exact versions Colab preinstalls (``colab/pip-freeze.txt``, Google's own
list), every package the course touches: the learner package's dependencies, what they
pull in, and the Jupyter kernel stack (IPython 7.34, ipykernel 6.17, jupyter_client 7.4).
A ``google.colab`` module stands in for Colab's own (imported when the kernel starts, as
on Colab), and the kernel spec ``colab-runtime`` runs notebooks in it.

The environment records what it holds right after it is built (``preinstalled.txt``):
tests install the course into it the way a learner does (the notebooks' set-up cell) and
compare. A build is skipped when the environment already matches this file, the package
list and pyproject.toml; ``uninstall_course`` returns it to its preinstalled state.

Besides, ``keras-3.10/`` holds Keras 3.10.0, the oldest release the course supports, to
put in front of the runtime's own Keras (``PYTHONPATH``) when checking that the shipped
models load there too.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from installer import install, pip_environment

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FREEZE = HERE / "colab" / "pip-freeze.txt"
VENV = ROOT / ".venv-colab"
KERNEL_NAME = "colab-runtime"
OLDEST_KERAS = "3.10.0"
# What Colab preinstalls besides the course's own requirements that the notebooks rely on:
# the kernel stack, plus the widgets of 02's kernel explorer (the course's core requirements
# leave ipywidgets out; Colab has 7.7).
KERNEL_STACK = ["ipykernel", "ipython", "jupyter_client", "pip", "setuptools", "ipywidgets"]
GOOGLE_COLAB_STAND_IN = '''"""Stand-in for Colab's google.colab module: its presence is how notebooks know they run on Colab."""
'''


@dataclass(frozen=True)
class Runtime:
    """Where the built runtime's pieces are."""
    venv: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def preinstalled(self) -> Path:
        return self.venv / "preinstalled.txt"

    @property
    def kernels(self) -> Path:
        """A Jupyter data folder holding the kernel spec (put it on JUPYTER_PATH)."""
        return self.venv / "jupyter"

    @property
    def oldest_keras(self) -> Path:
        return self.venv / f"keras-{OLDEST_KERAS[:4]}"

    @property
    def stamp(self) -> Path:
        return self.venv / ".built-from"


def pinned_versions() -> dict[str, str]:
    """{normalised name: version} for every line of Colab's list that a package index can serve."""
    pins = {}
    for line in FREEZE.read_text().splitlines():
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", line.strip())
        if match:
            pins[normalise(match.group(1))] = match.group(2)
    return pins


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def course_requirements() -> list[str]:
    """The learner package's dependencies (names only: Colab's versions are the pins)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0] for requirement in project["dependencies"]]


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for path in (FREEZE, ROOT / "pyproject.toml", Path(__file__)):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def find_python313() -> str:
    """A Python 3.13 interpreter: `python3.13` on PATH, or pyenv's."""
    candidates = [shutil.which("python3.13")]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(str(p) for p in pyenv_root.glob("versions/3.13*/bin/python3.13"))
    for candidate in candidates:
        if candidate and subprocess.run([candidate, "-c", "import sys; assert sys.version_info[:2] == (3, 13)"],
                                        capture_output=True).returncode == 0:
            return candidate
    raise SystemExit("Python 3.13 is needed for the Colab-runtime tests: install it (pyenv install 3.13) "
                     "or put python3.13 on PATH.")


def freeze(python: Path) -> list[str]:
    """`pip freeze` of an environment, as sorted lines."""
    out = subprocess.run([str(python), "-m", "pip", "freeze", "--all"], capture_output=True, text=True,
                         check=True, env=pip_environment()).stdout
    return sorted(line for line in out.splitlines() if line.strip())


def _write_constraints(runtime: Runtime) -> Path:
    path = runtime.venv / "colab-constraints.txt"
    path.write_text("".join(f"{name}=={version}\n" for name, version in sorted(pinned_versions().items())))
    return path


def _install_google_colab(runtime: Runtime) -> None:
    site = Path(subprocess.run([str(runtime.python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "google" / "colab").mkdir(parents=True, exist_ok=True)
    (site / "google" / "colab" / "__init__.py").write_text(GOOGLE_COLAB_STAND_IN)


def _write_kernel_spec(runtime: Runtime) -> None:
    folder = runtime.kernels / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [str(runtime.python), "-m", "ipykernel_launcher", "-f", "{connection_file}",
                 "--IPKernelApp.exec_lines=import google.colab"],
        "display_name": "Python 3 (Colab runtime stand-in)",
        "language": "python",
    }
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n")


def build(venv: Path = VENV) -> Runtime:
    """Create (or keep, when up to date) the runtime in ``venv``."""
    runtime = Runtime(venv)
    if runtime.stamp.exists() and runtime.stamp.read_text() == _fingerprint():
        uninstall_course(runtime)
        if freeze(runtime.python) == runtime.preinstalled.read_text().splitlines():
            print(f"Colab runtime up to date: {venv}")
            return runtime
    if runtime.stamp.exists():  # built from another package list: start again
        shutil.rmtree(venv)
    if not runtime.python.exists():  # else an interrupted build, finished below
        subprocess.run([find_python313(), "-m", "venv", str(venv)], check=True)
    constraints = _write_constraints(runtime)
    wanted = course_requirements() + KERNEL_STACK
    pins = pinned_versions()
    missing = [name for name in wanted if normalise(name) not in pins]
    if missing:
        raise SystemExit(f"not in Colab's package list, so not preinstalled there: {missing}")
    print(f"building the Colab runtime in {venv}: {', '.join(wanted)} at Colab's versions", flush=True)
    install(runtime.python, f"pip=={pins['pip']}", *wanted, constraints=constraints)
    _remove_what_colab_lacks(runtime, pins)
    _install_google_colab(runtime)
    _write_kernel_spec(runtime)
    subprocess.run([str(runtime.python), "-m", "pip", "install", "--quiet", "--no-deps", "--target",
                    str(runtime.oldest_keras), f"keras=={OLDEST_KERAS}"], check=True, env=pip_environment())
    runtime.preinstalled.write_text("\n".join(freeze(runtime.python)) + "\n")
    runtime.stamp.write_text(_fingerprint())
    print(f"Colab runtime ready: {runtime.python}")
    return runtime


def _remove_what_colab_lacks(runtime: Runtime, pins: dict[str, str]) -> None:
    """Colab's list leaves out a few packages that others declare (e.g. IPython's jedi):
    take them out too, so that the runtime holds what Colab holds."""
    installed = dict(line.split("==", 1) for line in freeze(runtime.python) if "==" in line)
    absent = [name for name in installed if normalise(name) not in pins]
    if absent:
        print(f"not preinstalled on Colab, so removed: {', '.join(absent)}")
        subprocess.run([str(runtime.python), "-m", "pip", "uninstall", "--quiet", "--yes", *absent],
                       check=True, env=pip_environment())
    wrong = {name: version for name, version in installed.items()
             if normalise(name) in pins and pins[normalise(name)] != version}
    if wrong:
        raise SystemExit(f"these packages are not at Colab's versions: {wrong}")


def uninstall_course(runtime: Runtime) -> None:
    """Take the course package out again, back to what Colab preinstalls."""
    subprocess.run([str(runtime.python), "-m", "pip", "uninstall", "--quiet", "--yes", "cnn-course-autograder"],
                   capture_output=True, env=pip_environment())


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "build"
    if command == "build":
        build()
    elif command == "path":
        print(Runtime(VENV).python)
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
