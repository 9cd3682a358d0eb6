"""The ``autograder`` command.

    autograder kernel                 install the course's Jupyter kernel in this environment
    autograder build [ASSIGNMENT...]  source → executed solution notebook → learner notebook
    autograder bench TARGET [...]     benchmarks (autograder/bench/TARGET.py)
    autograder grade ASSIGNMENT [...] grade a class (autograder/grading/)
    autograder grade-one JOB          grade one submission's job file (autograder/grading/grade_one.py)
    autograder site [--out DIR]       build the course website (Jupyter Book)
    autograder release build|check    the wheel, sdist and learner notebooks to publish
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
from pathlib import Path

from autograder import paths


def install_kernel(prefix: str | None = None) -> Path:
    """Write the kernel spec the notebooks name, pointing at this Python, into ``prefix``.

    Its environment silences TensorFlow's C++ start-up log, which would otherwise reach
    stderr and zero nbgrader test cells.
    """
    prefix = Path(prefix or sys.prefix)
    folder = prefix / "share" / "jupyter" / "kernels" / paths.KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": paths.KERNEL_DISPLAY_NAME,
        "language": "python",
        "env": {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "PYTHONWARNINGS": "ignore"},
        "metadata": {"debugger": True},
    }
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n")
    return folder


def _build(args: argparse.Namespace) -> int:
    from autograder import authoring

    for assignment in args.assignments or paths.assignments():
        if not args.course_only:
            print(f"building solutions/{assignment} (execute={not args.no_execute})", flush=True)
            authoring.build_solution(assignment, execute=not args.no_execute)
        print(f"generating course/{assignment}", flush=True)
        authoring.generate_course(assignment)
    return 0


def _run_module(package: str, name: str, argv: list[str]) -> int:
    try:
        module = importlib.import_module(f"autograder.{package}.{name}")
    except ModuleNotFoundError:
        found = importlib.import_module(f"autograder.{package}")
        names = [m.name for m in pkgutil.iter_modules(found.__path__) if not m.name.startswith("_")]
        print(f"unknown {package} target {name!r}; available: {', '.join(names)}")
        return 2
    return int(module.main(argv) or 0)


def _passthrough(command: str, rest: list[str]) -> int:
    """Commands whose own modules parse their arguments."""
    if command == "bench":
        if not rest:
            print("usage: autograder bench TARGET [options]")
            return 2
        return _run_module("bench", rest[0], rest[1:])
    if command == "grade":
        from autograder.grading import main as grade_main
        return int(grade_main(rest) or 0)
    if command == "grade-one":
        from autograder.grading.grade_one import main as grade_one_main
        return int(grade_one_main(rest) or 0)
    if command == "report":
        from autograder.report import main as report_main
        return int(report_main(rest) or 0)
    if command == "release":
        from autograder.release import main as release_main
        return int(release_main(rest) or 0)
    from autograder.site import main as site_main
    return int(site_main(rest) or 0)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in ("bench", "grade", "grade-one", "report", "site", "release"):
        return _passthrough(argv[0], argv[1:])
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    kernel = commands.add_parser("kernel", help="install the course's Jupyter kernel")
    kernel.add_argument("--prefix", help="environment prefix (default: this Python's)")

    build = commands.add_parser("build", help="rebuild solution and learner notebooks")
    build.add_argument("assignments", nargs="*", help="default: all")
    build.add_argument("--no-execute", action="store_true", help="do not run the solution notebook")
    build.add_argument("--course-only", action="store_true", help="only regenerate course/ from solutions/")

    # parsed by their own modules (see _passthrough); listed here for --help
    commands.add_parser("bench", help="benchmarks: mnist, sudoku, grading", add_help=False)
    commands.add_parser("grade", help="grade a class of submissions", add_help=False)
    commands.add_parser("grade-one", help="grade one submission's job file", add_help=False)
    commands.add_parser("report", help="class report: scores, pass rates, named mistakes", add_help=False)
    commands.add_parser("site", help="build the course website", add_help=False)
    commands.add_parser("release", help="build and check what a release publishes", add_help=False)

    args = parser.parse_args(argv)
    if args.command == "kernel":
        print(f"installed kernel {paths.KERNEL_NAME!r} in {install_kernel(args.prefix)}")
        return 0
    if args.command == "build":
        return _build(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
