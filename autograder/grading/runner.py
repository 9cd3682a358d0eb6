"""``autograder grade ASSIGNMENT``: grade every submission of a class.

1. Prepare: read the course (:mod:`.gradebook`), enter the assignment in the gradebook,
   read every submission safely into a job (:mod:`.submissions`).
2. Grade: each job not graded yet goes to a Dask worker (:mod:`.scheduler`), where
   ``grade_one`` (:mod:`.grade_one`) grades it in the worker's sandbox.
3. Record: this process alone writes the results as they arrive (:mod:`.recorder`).
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

from autograder.grading import gradebook, records, sandbox, submissions
from autograder.grading.grades_csv import GradesFile
from autograder.grading.recorder import Journal, Recorder
from autograder.grading.records import Limits

DEFAULT_MEMORY_MB = 2048


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="autograder grade",
        description="Grade every COURSE/submitted/<student>/ASSIGNMENT/ with nbgrader's rules, each submission in "
                    "its own sandbox, on a local or remote Dask cluster; write COURSE/grades.csv, the gradebook, "
                    "the journal, COURSE/autograded/ and COURSE/feedback/ (feedback without hidden tests).")
    parser.add_argument("assignment")
    parser.add_argument("--course-dir", default=".", help="the course folder (default: the current folder)")
    parser.add_argument("--workers", type=int, default=max(1, os.cpu_count() or 1),
                        help="local worker processes (default: the number of CPU cores; ignored with --scheduler)")
    parser.add_argument("--scheduler", default=None,
                        help="address of a running Dask scheduler (tcp://HOST:8786) instead of a local cluster")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds a cell may run (default: Execute.timeout of nbgrader_config.py, else 30)")
    parser.add_argument("--submission-timeout", type=float, default=None,
                        help="seconds one submission may take in all (default: max(600, 10 x timeout))")
    parser.add_argument("--memory-mb", type=int, default=DEFAULT_MEMORY_MB,
                        help=f"memory of all of a submission's processes together (default {DEFAULT_MEMORY_MB})")
    parser.add_argument("--tasks", type=int, default=Limits().tasks,
                        help=f"processes and threads a submission may have (default {Limits().tasks})")
    parser.add_argument("--disk-mb", type=int, default=Limits().disk_mb,
                        help=f"size of a submission's private writable folder (default {Limits().disk_mb})")
    parser.add_argument("--student", action="append", default=None, help="grade only this student (repeatable)")
    parser.add_argument("--force", action="store_true", help="regrade submissions that already have a row")
    parser.add_argument("--grades", default=None, help="the grades file (default: COURSE/grades.csv)")
    parser.add_argument("--journal", default=None, help="the journal (default: COURSE/grading-journal.jsonl)")
    parser.add_argument("--write-jobs", default=None, metavar="DIR",
                        help="only write each submission's job file into DIR (for `autograder grade-one`)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.timeout is not None and args.timeout <= 0:
        parser.error("--timeout must be positive")
    return args


def _course_lock(root: Path):
    name = hashlib.sha1(str(root).encode()).hexdigest()[:16]
    handle = open(Path(tempfile.gettempdir()) / f".autograder-course-{name}.lock", "w")  # noqa: SIM115
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise gradebook.CourseError(f"another `autograder grade` is running on {root}") from None
    return handle


class Run:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.course = gradebook.load_course(Path(args.course_dir))
        self.assignment = args.assignment
        timeout = gradebook.cell_timeout(self.course, args.timeout)
        budget = args.submission_timeout or max(600.0, 10 * timeout)
        self.limits = Limits(cell_timeout=timeout, submission_timeout=budget, memory_mb=args.memory_mb or None,
                             tasks=args.tasks, disk_mb=args.disk_mb, cpu_seconds=int(budget) + 60)
        self.grades = GradesFile(Path(args.grades) if args.grades else self.course.root / "grades.csv")
        self.journal = Journal(Path(args.journal) if args.journal else self.course.root / "grading-journal.jsonl")
        self.recorder = Recorder(self.course, self.assignment, self.grades, self.journal)

    def prepare(self) -> tuple[list[records.Job], int]:
        """The jobs to grade; submissions that cannot be read at all are recorded at once."""
        if gradebook.prepare_gradebook(self.course, self.assignment):
            print(f"gradebook: added {self.assignment} from {self.course.source_folder(self.assignment)}",
                  file=sys.stderr)
        self.spec = gradebook.assignment_spec(self.course, self.assignment)
        settings = gradebook.settings(self.course)
        # the default directory_structure: submitted/<student>/<assignment>/
        submitted = Path(self.course.root, self.course.coursedir.submitted_directory)
        excluded = set(filter(None, str(self.course.coursedir.student_id_exclude or "").split(",")))
        students = submissions.list_students(submitted, self.assignment, excluded)
        if self.args.student:
            students = [s for s in students if s in set(self.args.student)]
        self.students = students
        names = [notebook.name for notebook in self.spec.notebooks]
        jobs, unreadable = [], 0
        for student in students:
            collected = submissions.collect(submitted, student, self.assignment, names,
                                            list(self.course.coursedir.ignore))
            job = submissions.make_job(student, self.spec, settings, self.limits, collected)
            if not self.args.force and self.grades.done(self.assignment, student, job.digest):
                continue
            if collected.folder_problem:
                self.recorder.record_unreadable(student, job.digest, self.spec, collected.folder_problem)
                unreadable += 1
                continue
            jobs.append(job)
        return jobs, unreadable

    def grade(self, jobs: list[records.Job]) -> None:
        from tqdm import tqdm

        from autograder.grading import scheduler

        config = sandbox.SandboxConfig(preload=tuple(self.spec.preload))
        bar = tqdm(total=len(jobs), desc=f"grading {self.assignment}", unit="submission",
                   disable=self.args.no_progress, file=sys.stderr, dynamic_ncols=True)
        try:
            with scheduler.cluster(self.args.scheduler, min(self.args.workers, max(1, len(jobs)))) as client:
                for job, outcome in scheduler.run(client, jobs, config):
                    row = self.recorder.record(job, outcome)
                    bar.set_postfix_str(f"{row['student_id']}: {row['score']:g}/{row['max_score']:g} "
                                        f"{row['status']}", refresh=False)
                    bar.update(1)
        finally:
            bar.close()


def _write_jobs(jobs: list[records.Job], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for number, job in enumerate(jobs):
        (folder / f"{number:05d}-{job.digest}.job").write_bytes(records.encode(job))


def main(argv: list[str] | None = None) -> int:
    import warnings

    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    warnings.filterwarnings("ignore", module="nbgrader")  # SQLAlchemy notes from nbgrader's own API
    warnings.filterwarnings("ignore", message=".*not in session.*")
    started = time.monotonic()
    if not args.write_jobs and not args.scheduler and (problem := sandbox.bwrap_available()):
        print(f"autograder grade: {problem}", file=sys.stderr)
        return 2
    try:
        run = Run(args)
        lock = _course_lock(run.course.root)
        jobs, unreadable = run.prepare()
    except gradebook.CourseError as error:
        print(f"autograder grade: {error}", file=sys.stderr)
        return 2
    if args.write_jobs:
        _write_jobs(jobs, Path(args.write_jobs))
        print(f"wrote {len(jobs)} job files to {args.write_jobs}", file=sys.stderr)
        lock.close()
        return 0
    todo = len(jobs) + unreadable
    skipped = len(run.students) - todo
    where = f"cluster {args.scheduler}" if args.scheduler else f"{args.workers} local workers"
    print(f"{args.assignment}: {len(run.students)} submissions, {todo} to grade"
          + (f" ({skipped} already in {run.grades.path.name})" if skipped else "")
          + f"; {where}, {run.limits.cell_timeout:g} s per cell, "
          + (f"{args.memory_mb} MB per submission" if args.memory_mb else "no memory limit"), file=sys.stderr)
    previous = signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        if jobs:
            run.grade(jobs)
    except KeyboardInterrupt:
        run.grades.rewrite()
        print("interrupted: the grades written so far are kept; run the same command again to grade the rest",
              file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        lock.close()
    run.grades.rewrite()
    missing = [s for s in run.students if (args.assignment, s) not in run.grades.rows]
    elapsed = time.monotonic() - started
    summary = ", ".join(f"{count} {status}" for status, count in sorted(run.recorder.counts.items()))
    rate = f", {60 * todo / elapsed:.1f} submissions/min" if todo and elapsed > 0 else ""
    print(f"graded {todo} in {elapsed:.0f} s{rate}" + (f" ({summary})" if summary else "")
          + f"; grades: {run.grades.path}", file=sys.stderr)
    if missing:
        print(f"no grade for: {', '.join(missing)}", file=sys.stderr)
        return 1
    return 0
