"""How heavy the installs are: a learner's (the wheel, with JupyterLab) against an
instructor's full one (the repository with every extra), each in a new virtual
environment, timed in turn in one run.

    python tests/support/measure_install.py [--repeats N]

pip's cache is used (so the times are installs, not downloads); the sizes are the
environments on disk, and the download is the sum of the wheels pip had to fetch,
from pip's own report.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import tempfile
import time
import venv
from dataclasses import dataclass
from pathlib import Path

from learner_env import ROOT, build_wheel, pip_environment, python_of


@dataclass(frozen=True)
class Install:
    seconds: float
    megabytes: float
    packages: int


def folder_size(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6


def install(requirement: list[str], cwd: Path) -> Install:
    with tempfile.TemporaryDirectory() as scratch:
        env_dir = Path(scratch) / "venv"
        venv.EnvBuilder(with_pip=True).create(env_dir)
        report = Path(scratch) / "report.json"
        start = time.monotonic()
        subprocess.run([str(python_of(env_dir)), "-m", "pip", "install", "--quiet", "--report", str(report),
                        *requirement], check=True, cwd=cwd, env=pip_environment())
        seconds = time.monotonic() - start
        packages = len(json.loads(report.read_text())["install"])
        return Install(seconds, folder_size(env_dir), packages)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        wheel = build_wheel(Path(scratch))
        kinds = {"learner (wheel[lab])": [f"{wheel}[lab]"], "learner on Colab (wheel)": [str(wheel)],
                 "instructor (-e .[all])": ["-e", ".[all]"]}
        results: dict[str, list[Install]] = {kind: [] for kind in kinds}
        for _ in range(args.repeats):
            for kind, requirement in kinds.items():
                results[kind].append(install(requirement, ROOT))
                print(f"{kind:<26} {results[kind][-1].seconds:6.1f} s  {results[kind][-1].megabytes:7.0f} MB  "
                      f"{results[kind][-1].packages} packages", flush=True)
    full = results["instructor (-e .[all])"]
    for kind, runs in results.items():
        seconds = statistics.median(r.seconds for r in runs)
        size = statistics.median(r.megabytes for r in runs)
        print(f"median {kind:<26} {seconds:6.1f} s ({seconds / statistics.median(r.seconds for r in full):.2f}× "
              f"the instructor's)  {size:7.0f} MB ({size / statistics.median(r.megabytes for r in full):.2f}×)")
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
