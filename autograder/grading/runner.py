"""``autograder grade ASSIGNMENT``: grade every submission of a class, N at a time.

The parent process (this module) prepares the gradebook, starts one worker process per
submission (forked from a server that has the heavy modules loaded), enforces a
wall-clock limit on each, and, as each finishes, records it: autograded notebook and
feedback page into the course folder, scores into the gradebook, a row into grades.csv.
Only this process writes the gradebook and the grades file.
"""

from __future__ import annotations

import argparse
import collections
import fcntl
import hashlib
import json
import multiprocessing
import multiprocessing.connection
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from autograder import paths
from autograder.grading import course as course_mod
from autograder.grading import journal, sandbox

STATUS_ORDER = ["grader_error", "missing_notebook", "invalid_notebook", "submission_timeout", "kernel_died",
                "memory_limit", "cell_timeout", "cells_restored"]
DEFAULT_MEMORY_MB = 6144  # TensorFlow alone reserves about 3 GB of address space


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="autograder grade",
        description="Grade every COURSE/submitted/<student>/ASSIGNMENT/ with nbgrader's rules, in parallel, "
                    "each submission in its own sandboxed kernel; write COURSE/grades.csv, the gradebook, "
                    "COURSE/autograded/ and COURSE/feedback/ (feedback without hidden tests).")
    parser.add_argument("assignment")
    parser.add_argument("--course-dir", default=".", help="the course folder (default: the current folder)")
    parser.add_argument("--workers", type=int, default=max(1, os.cpu_count() or 1),
                        help="submissions graded at the same time (default: the number of CPU cores)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds a cell may run (default: Execute.timeout of nbgrader_config.py, else 30)")
    parser.add_argument("--memory-mb", type=int, default=DEFAULT_MEMORY_MB,
                        help=f"address-space limit of each kernel in MB (default {DEFAULT_MEMORY_MB}; 0 = none)")
    parser.add_argument("--submission-timeout", type=float, default=None,
                        help="seconds one submission may take in all (default: max(600, 10 x timeout))")
    parser.add_argument("--student", action="append", default=None,
                        help="grade only this student (repeat for several)")
    parser.add_argument("--force", action="store_true", help="regrade submissions that already have a row")
    parser.add_argument("--grades", default=None, help="the grades file (default: COURSE/grades.csv)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--keep-temp", action="store_true", help="keep the per-submission work folders")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.timeout is not None and args.timeout <= 0:
        parser.error("--timeout must be positive")
    return args


def status_text(flags) -> str:
    ordered = [flag for flag in STATUS_ORDER if flag in flags]
    ordered += sorted(set(flags) - set(STATUS_ORDER))
    return "+".join(ordered) if ordered else "ok"


def _number(value) -> str:
    if value is None:
        return "?"
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.3g}"


def _course_lock(root: Path):
    name = hashlib.sha1(str(root).encode()).hexdigest()[:16]
    handle = open(Path(tempfile.gettempdir()) / f".autograder-course-{name}.lock", "w")  # noqa: SIM115
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise course_mod.CourseError(f"another `autograder grade` is running on {root}") from None
    return handle


class Run:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.course = course_mod.load_course(Path(args.course_dir))
        self.assignment = args.assignment
        self.settings = course_mod.settings(self.course, args.timeout)
        self.timeout = self.settings["timeout"]
        self.budget = args.submission_timeout or max(600.0, 10 * self.timeout)
        self.grades = journal.GradesFile(Path(args.grades) if args.grades else self.course.root / "grades.csv")
        self.counts = collections.Counter()

    # ----------------------------------------------------------------------------------

    def prepare(self) -> list[tuple[str, str]]:
        created = course_mod.prepare_gradebook(self.course, self.assignment)
        if created:
            print(f"gradebook: added {self.assignment} from {self.course.source_folder(self.assignment)}",
                  file=sys.stderr)
        self.spec = course_mod.assignment_spec(self.course, self.assignment)
        self.spec_hash = course_mod.spec_digest(self.spec)
        students = course_mod.submissions(self.course, self.assignment)
        if self.args.student:
            wanted = set(self.args.student)
            students = [s for s in students if s in wanted]
        self.students = students
        todo = []
        for student in students:
            folder = self.course.folder("submitted", student, self.assignment)
            digest = course_mod.submission_digest(folder, self.spec_hash, list(self.course.coursedir.ignore))
            if self.args.force or not self.grades.done(self.assignment, student, digest):
                todo.append((student, digest))
        return todo

    def _environment(self) -> None:
        self.run_dir = Path(tempfile.mkdtemp(prefix="autograder-grade-"))
        os.chmod(self.run_dir, 0o700)
        self.spec_path = self.run_dir / "spec.json"
        self.spec_path.write_text(json.dumps(self.spec))
        extra = [self.course.source_folder(self.assignment).parent,
                 Path(self.course.coursedir.format_path(self.course.coursedir.submitted_directory, ".", ".")),
                 Path(self.course.coursedir.format_path(self.course.coursedir.autograded_directory, ".", ".")),
                 Path(self.course.coursedir.format_path(self.course.coursedir.feedback_directory, ".", ".")),
                 self.course.db_file(), self.grades.path]
        self.hide = sandbox.hidden_paths(self.course.root, [p for p in extra if p])
        self.keep = sandbox.kept_paths()
        kernel_name = (self.spec["notebooks"][0].get("kernelspec") or {}).get("name") or paths.KERNEL_NAME
        self.kernel_argv, spec_env = sandbox.course_kernel_argv(kernel_name)
        self.kernel_env = sandbox.kernel_env(spec_env)
        self.mpl_cache = sandbox.matplotlib_cache_files()
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(name, "1")
        os.environ.setdefault("MPLBACKEND", "Agg")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

    def _test_modules(self) -> list[str]:
        """Modules the assignment's own cells import (numpy, matplotlib, the course's data
        loaders…): the fork server imports them once, so the trusted test cells of every
        submission find them loaded. Frameworks that start threads at import are left out
        (a fork would copy them half-initialised)."""
        import ast

        names = set()
        for notebook in self.spec["notebooks"]:
            for cell in notebook["cells"]:
                if cell["cell_type"] != "code":
                    continue
                source = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                                   for line in cell["source"].splitlines())
                try:
                    tree = ast.parse(source)
                except SyntaxError:
                    continue
                for node in ast.walk(tree):
                    if isinstance(node, ast.Import):
                        names.update(alias.name for alias in node.names)
                    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                        names.add(node.module)
        unsafe = ("tensorflow", "keras", "torch", "jax", "cv2")
        return sorted(name for name in names if name.split(".")[0] not in unsafe)

    def _job(self, number: int, student: str, digest: str, slot: sandbox.Slot) -> Path:
        job_dir = self.run_dir / f"job-{number:05d}"
        job_dir.mkdir(mode=0o700)
        job = {
            "student": student, "assignment": self.assignment, "digest": digest,
            "notebooks": [nb["name"] for nb in self.spec["notebooks"]],
            "submission_dir": str(self.course.folder("submitted", student, self.assignment)),
            "source_dir": str(self.course.source_folder(self.assignment)),
            "job_dir": str(job_dir), "spec_path": str(self.spec_path), "settings": self.settings,
            "slot": {"index": slot.index, "uid": slot.uid, "gid": slot.gid},
            "hide": self.hide, "keep": self.keep, "kernel_argv": self.kernel_argv, "kernel_env": self.kernel_env,
            "mpl_cache": self.mpl_cache, "timeout": self.timeout, "budget_s": self.budget,
            "memory_mb": self.args.memory_mb or None,
        }
        path = job_dir / "job.json"
        path.write_text(json.dumps(job))
        return path

    # ----------------------------------------------------------------------------------

    def _result(self, job_dir: Path, killed: bool, exitcode) -> dict:
        try:
            return json.loads((job_dir / "result.json").read_text())
        except (OSError, ValueError):
            pass
        notebooks: dict = {}
        progress = job_dir / "progress.jsonl"
        if progress.exists():
            for line in progress.read_text().splitlines():
                try:
                    item = json.loads(line)
                except ValueError:
                    continue
                entry = notebooks.setdefault(item["notebook"], {"grades": {}, "comments": {}})
                entry["grades"][item["grade_id"]] = {"score": item["score"], "max": item["max"]}
        for spec_nb in self.spec["notebooks"]:  # every graded cell gets a score, 0 if not reached
            entry = notebooks.setdefault(spec_nb["name"], {"grades": {}, "comments": {}})
            for cell in spec_nb["cells"]:
                if cell.get("grade"):
                    entry["grades"].setdefault(cell["grade_id"], {"score": 0.0, "max": cell["points"]})
        if killed:
            return {"flags": ["submission_timeout"], "notebooks": notebooks,
                    "notes": [f"grading took longer than {self.budget:g} s and was stopped; "
                              "test cells not reached score 0"]}
        return {"flags": ["grader_error"], "notebooks": notebooks,
                "notes": [f"the grading process ended without a result (exit code {exitcode})"]}

    def finish(self, student: str, digest: str, job_dir: Path, result: dict) -> dict:
        flags = set(result.get("flags", []))
        if "grader_error" in flags:  # not the student's fault: flag for manual grading, do not score
            for entry in result.get("notebooks", {}).values():
                for grade in entry.get("grades", {}).values():
                    grade["score"] = None
        if result.get("notebooks") and not flags & {"grader_error", "submission_timeout"} \
                or any(entry.get("autograded") for entry in result.get("notebooks", {}).values()):
            course_mod.install_outputs(self.course, self.assignment, student, job_dir, result)
        folder = self.course.folder("submitted", student, self.assignment)
        timestamp = self.course.coursedir.get_existing_timestamp(str(folder))
        score, max_score, _ = course_mod.record_in_gradebook(self.course, self.assignment, student, result, timestamp)
        tests = []
        for name, entry in sorted(result.get("notebooks", {}).items()):
            for grade_id, grade in entry.get("grades", {}).items():
                tests.append(f"{grade_id}={_number(grade['score'])}/{_number(grade['max'])}")
        row = {"student_id": student, "assignment": self.assignment, "score": score, "max_score": max_score,
               "status": status_text(flags), "tests": ";".join(tests),
               "details": " | ".join(str(note).replace("\n", " ") for note in result.get("notes", []))[:2000],
               "submission_hash": digest}
        self.grades.append(row)
        self.counts[row["status"]] += 1
        if not self.args.keep_temp:
            shutil.rmtree(job_dir, ignore_errors=True)
        return row

    # ----------------------------------------------------------------------------------

    def grade(self, todo: list[tuple[str, str]]) -> None:
        from tqdm import tqdm

        self._environment()
        slots = sandbox.allocate_slots(min(self.args.workers, max(1, len(todo))))
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["autograder.grading._preload", *self._test_modules()])
        from autograder.grading import worker

        pending = collections.deque(enumerate(todo))
        free = list(slots)
        running: dict = {}
        bar = tqdm(total=len(todo), desc=f"grading {self.assignment}", unit="submission",
                   disable=self.args.no_progress, file=sys.stderr, dynamic_ncols=True)
        # Ctrl-C or SIGTERM: stop at a safe point, never in the middle of recording a submission
        stop: list[int] = []
        previous = {number: signal.signal(number, lambda signum, frame: stop.append(signum))
                    for number in (signal.SIGINT, signal.SIGTERM)}
        try:
            while pending or running:
                if stop:
                    raise KeyboardInterrupt
                while pending and free:
                    number, (student, digest) = pending.popleft()
                    slot = free.pop()
                    job_path = self._job(number, student, digest, slot)
                    process = context.Process(target=worker.run_job, args=(str(job_path),),
                                              name=f"grade-{student}")
                    process.start()
                    running[process.sentinel] = (process, slot, student, digest, job_path.parent,
                                                 time.monotonic() + self.budget + 120)
                ready = multiprocessing.connection.wait(list(running), timeout=1.0)
                now = time.monotonic()
                for sentinel in list(running):
                    process, slot, student, digest, job_dir, deadline = running[sentinel]
                    killed = False
                    if sentinel not in ready:
                        if now < deadline:
                            continue
                        process.kill()
                        killed = True
                    process.join()
                    del running[sentinel]
                    sandbox.kill_user_processes(slot.uid)
                    free.append(slot)
                    result = self._result(job_dir, killed, process.exitcode)
                    row = self.finish(student, digest, job_dir, result)
                    bar.set_postfix_str(f"{student}: {_number(row['score'])}/{_number(row['max_score'])} "
                                        f"{row['status']}", refresh=False)
                    bar.update(1)
        except KeyboardInterrupt:
            for process, slot, *_ in running.values():
                process.kill()
                process.join()
                sandbox.kill_user_processes(slot.uid)
            raise
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
            bar.close()
            for slot in slots:
                slot.release()
            if not self.args.keep_temp:
                shutil.rmtree(self.run_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    import warnings

    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    warnings.filterwarnings("ignore", module="nbgrader")  # SQLAlchemy notes from nbgrader's own API
    warnings.filterwarnings("ignore", message=".*not in session.*")
    started = time.monotonic()
    try:
        run = Run(args)
        lock = _course_lock(run.course.root)
        todo = run.prepare()
    except course_mod.CourseError as error:
        print(f"autograder grade: {error}", file=sys.stderr)
        return 2
    if not sandbox.isolation_available():
        print("warning: no sandbox (not running as root on Linux, or AUTOGRADER_NO_SANDBOX=1): student code "
              "runs as you and can see your files; only the time and memory limits apply", file=sys.stderr)
    skipped = len(run.students) - len(todo)
    print(f"{args.assignment}: {len(run.students)} submissions, {len(todo)} to grade"
          + (f" ({skipped} already in {run.grades.path.name})" if skipped else "")
          + f"; {args.workers} workers, {run.timeout:g} s per cell, "
          + (f"{args.memory_mb} MB per kernel" if args.memory_mb else "no memory limit"), file=sys.stderr)
    try:
        if todo:
            run.grade(todo)
    except KeyboardInterrupt:
        run.grades.rewrite()
        print("interrupted: the grades written so far are kept; run the same command again to grade the rest",
              file=sys.stderr)
        return 130
    finally:
        lock.close()
    run.grades.rewrite()
    missing = [s for s in run.students if (args.assignment, s) not in run.grades.rows]
    elapsed = time.monotonic() - started
    summary = ", ".join(f"{count} {status}" for status, count in sorted(run.counts.items()))
    rate = f", {60 * len(todo) / elapsed:.1f} submissions/min" if todo and elapsed > 0 else ""
    print(f"graded {len(todo)} in {elapsed:.0f} s{rate}" + (f" ({summary})" if summary else "")
          + f"; grades: {run.grades.path}", file=sys.stderr)
    if missing:
        print(f"no grade for: {', '.join(missing)}", file=sys.stderr)
        return 1
    return 0
