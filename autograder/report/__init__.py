"""``autograder report``: what a class got right and which misconceptions it holds.

From the gradebook and the grading journal of a course folder (see docs/grading.md) it
writes, for an assignment, ``ASSIGNMENT.html`` (score distribution, pass rate per graded
function and per test cell, the most frequent named mistakes per function with one
example each, timeouts, crashes, restored cells, late submissions; plots embedded),
``ASSIGNMENT.csv`` (one row per learner) and ``ASSIGNMENT-mistakes.csv``; with ``--all``,
those of every graded assignment and ``course.html`` / ``course.csv`` across them.
Learners appear as 'learner 01', ... unless ``--names`` is given.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.report.model import AssignmentReport, load_assignment
from autograder.report.render import write_assignment, write_course

__all__ = ["AssignmentReport", "load_assignment", "write_assignment", "write_course", "main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder report", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("assignment", nargs="?", help="the assignment (omit with --all)")
    parser.add_argument("--all", action="store_true", help="every graded assignment, and the course-wide page")
    parser.add_argument("--course-dir", default=".", help="the course folder (default: the current one)")
    parser.add_argument("--journal", default=None, help="the grading journal (default: COURSE/grading-journal.jsonl)")
    parser.add_argument("--out", default=None, help="where to write the report (default: COURSE/reports)")
    parser.add_argument("--names", action="store_true", help="show learners' ids instead of anonymous labels")
    return parser


def main(argv: list[str] | None = None) -> int:
    from autograder.grading.gradebook import CourseError, load_course
    from autograder.report.model import graded_assignments

    parser = _parser()
    args = parser.parse_args(argv)
    if bool(args.assignment) == bool(args.all):
        parser.error("name one assignment, or give --all")
    try:
        course = load_course(Path(args.course_dir))
    except CourseError as error:
        parser.error(str(error))
    out = Path(args.out) if args.out else course.root / "reports"
    journal = Path(args.journal) if args.journal else None
    names = graded_assignments(course) if args.all else [args.assignment]
    reports = []
    for name in names:
        try:
            report = load_assignment(course, name, journal, names=args.names)
        except ValueError as error:
            print(f"autograder report: {error}", file=sys.stderr)
            return 1
        written = write_assignment(report, out)
        reports.append(report)
        print(f"{name}: {len(report.submissions)} submissions -> {written.html}, {written.learners_csv}, "
              f"{written.mistakes_csv}")
    if args.all:
        html, table = write_course(reports, out)
        print(f"course: {len(reports)} assignments -> {html}, {table}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
