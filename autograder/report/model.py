"""What the class report is made of, read from the gradebook and the grading journal.

The gradebook (nbgrader's database) is the authority for scores (manual grades included),
submission times and due dates; the journal that ``autograder grade`` appends to
(``grading-journal.jsonl``, one line per graded submission) adds what the gradebook does
not keep: each submission's status (timeouts, crashes, restored cells), each failing
test's exception and message, and the known mistake it named. A re-grade appends new
lines and never rewrites old ones; the report uses each learner's latest line.
"""

from __future__ import annotations

import hashlib
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from autograder.grading.mistakes import mistake_id

TIMEOUT_FLAGS = ("cell_timeout", "submission_timeout")
CRASH_FLAGS = ("kernel_died", "memory_limit")
RESTORED_FLAG = "cells_restored"
_CHECK_CALL = re.compile(r"\bcheck\.([A-Za-z_]\w*)\s*\(")


@dataclass(frozen=True)
class TestCell:
    """A graded test cell and the graded function it checks."""
    grade_id: str
    notebook: str
    function: str
    points: float


@dataclass(frozen=True)
class TestOutcome:
    """How one learner's submission did on one test cell."""
    grade_id: str
    score: float | None          # None: waiting for manual grading
    max_score: float
    error: str | None = None
    message: str = ""
    mistake_id: str | None = None  # the named mistake's identifier (autograder.grading.mistakes)
    mistake: str = ""              # its description, as the check wrote it

    @property
    def passed(self) -> bool:
        return self.score is not None and self.score >= self.max_score


@dataclass
class Submission:
    """One learner's latest graded submission of the assignment."""
    student: str                 # the real id: never shown when the report is anonymised
    learner: str                 # what the report shows
    score: float
    max_score: float
    status: str = "ok"           # as in grades.csv: 'ok', 'cell_timeout+cells_restored', ...
    seconds_late: float = 0.0
    tests: dict[str, TestOutcome] = field(default_factory=dict)

    @property
    def flags(self) -> set[str]:
        return set() if self.status == "ok" else set(self.status.split("+"))

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0

    @property
    def late(self) -> bool:
        return self.seconds_late > 0


@dataclass(frozen=True)
class MistakeCount:
    """A known mistake and how many learners' submissions named it for one graded function."""
    function: str
    id: str
    text: str
    learners: int
    example_learner: str
    example_message: str


@dataclass(frozen=True)
class FunctionSummary:
    """One graded function: its test cells, how many learners passed them all, their mistakes."""
    name: str
    tests: list[str]
    passed: int
    learners: int
    mistakes: list[MistakeCount]
    unnamed_failures: int        # learners who failed it without a known mistake being named

    @property
    def pass_rate(self) -> float:
        return self.passed / self.learners if self.learners else 0.0


@dataclass
class AssignmentReport:
    assignment: str
    cells: list[TestCell]
    submissions: list[Submission]
    duedate: str | None = None
    anonymised: bool = True

    @property
    def max_score(self) -> float:
        return sum(cell.points for cell in self.cells)

    def with_flag(self, *flags: str) -> list[Submission]:
        return [s for s in self.submissions if s.flags & set(flags)]

    @property
    def late(self) -> list[Submission]:
        return [s for s in self.submissions if s.late]

    def status_counts(self) -> Counter:
        return Counter(flag for s in self.submissions for flag in (s.flags or {"ok"}))

    def _scored(self, submission: Submission, grade_ids: list[str]) -> list[TestOutcome]:
        """The submission's outcomes of these test cells that have a score (a grader error
        or a cell waiting for manual grading has none yet, and counts neither way)."""
        outcomes = [submission.tests.get(g) for g in grade_ids]
        return [o for o in outcomes if o is not None and o.score is not None]

    def cell_pass_rates(self) -> list[tuple[TestCell, int, int]]:
        """(cell, learners who got full marks, learners with a score for it)."""
        rates = []
        for cell in self.cells:
            outcomes = [o for s in self.submissions for o in self._scored(s, [cell.grade_id])]
            rates.append((cell, sum(o.passed for o in outcomes), len(outcomes)))
        return rates

    def functions(self) -> list[FunctionSummary]:
        return [self._function_summary(name) for name in dict.fromkeys(c.function for c in self.cells)]

    def _function_summary(self, name: str) -> FunctionSummary:
        grade_ids = [c.grade_id for c in self.cells if c.function == name]
        passed = unnamed = scored = 0
        learners_of: dict[str, list[tuple[Submission, TestOutcome]]] = {}
        for submission in self.submissions:
            outcomes = self._scored(submission, grade_ids)
            scored += bool(outcomes)
            failed = [o for o in outcomes if not o.passed]
            if outcomes and not failed:
                passed += 1
            named = {}
            for outcome in failed:
                if outcome.mistake_id and outcome.mistake_id not in named:
                    named[outcome.mistake_id] = outcome
            if failed and not named:
                unnamed += 1
            for mistake, outcome in named.items():
                learners_of.setdefault(mistake, []).append((submission, outcome))
        mistakes = [_mistake_count(name, mistake, found) for mistake, found in learners_of.items()]
        mistakes.sort(key=lambda m: (-m.learners, m.id))
        return FunctionSummary(name, grade_ids, passed, scored, mistakes, unnamed)

    def score_summary(self) -> dict[str, float]:
        percents = [s.percent for s in self.submissions]
        if not percents:
            return {"mean": 0.0, "median": 0.0, "full_marks": 0}
        return {"mean": statistics.fmean(percents), "median": statistics.median(percents),
                "full_marks": sum(p >= 100.0 for p in percents)}


def _mistake_count(function: str, mistake: str, found: list[tuple[Submission, TestOutcome]]) -> MistakeCount:
    example_submission, example = min(found, key=lambda pair: pair[0].learner)
    message = example.message
    if example_submission.learner != example_submission.student:
        message = message.replace(example_submission.student, example_submission.learner)
    return MistakeCount(function, mistake, example.mistake, len(found), example_submission.learner, message)


# --------------------------------------------------------------------------------------
# Reading


def anonymous_labels(course_id: str, students: list[str]) -> dict[str, str]:
    """'learner 01', 'learner 02', ... in an order that hides the ids (a hash of course and
    id); given every student of the course, a learner has the same label in every report."""
    ordered = sorted(students, key=lambda s: hashlib.sha256(f"{course_id}\0{s}".encode()).hexdigest())
    width = max(2, len(str(len(ordered))))
    return {student: f"learner {number:0{width}d}" for number, student in enumerate(ordered, 1)}


def latest_journal_entries(journal: Path, assignment: str) -> dict[str, dict]:
    """Each student's last journal line for ``assignment`` (torn or foreign lines skipped)."""
    latest: dict[str, dict] = {}
    if not journal.exists():
        return latest
    with open(journal, "rb") as handle:
        for line in handle:
            try:
                entry = msgspec.json.decode(line)
            except msgspec.DecodeError:
                continue  # a line torn by a killed run
            if isinstance(entry, dict) and entry.get("assignment") == assignment and "student" in entry:
                latest[str(entry["student"])] = entry
    return latest


def function_of(source: str, grade_id: str, functions: list[str]) -> str:
    """The graded function a test cell checks: the check it calls (``check.NAME(``), else the
    answer cell its id starts with (``to_grayscale_test``), else the cell itself."""
    called = _CHECK_CALL.findall(source or "")
    if called:
        return called[0]
    for name in sorted(functions, key=len, reverse=True):
        if grade_id.startswith(name):
            return name
    return grade_id


def _test_cells(gb, assignment: str) -> list[TestCell]:
    cells = []
    for notebook in sorted(gb.find_assignment(assignment).notebooks, key=lambda n: n.name):
        sources = {cell.name: cell.source for cell in notebook.source_cells}
        functions = [cell.name for cell in notebook.solution_cells]
        for cell in notebook.grade_cells:
            if cell.cell_type != "code":
                continue
            function = function_of(sources.get(cell.name, ""), cell.name, functions)
            cells.append(TestCell(cell.name, notebook.name, function, float(cell.max_score)))
    return cells


def _outcomes(submitted, entry: dict | None) -> dict[str, TestOutcome]:
    """Scores from the gradebook; exception, message and named mistake from the journal."""
    recorded = {}
    for notebook in (entry or {}).get("notebooks", []):
        for test in notebook.get("tests", []):
            recorded[(notebook.get("name"), test.get("grade_id"))] = test
    outcomes = {}
    for notebook in submitted.notebooks:
        for grade in notebook.grades:
            if grade.cell_type != "code":
                continue
            test = recorded.get((notebook.name, grade.name), {})
            text = str(test.get("mistake") or "")
            # nbgrader's Grade.score is 0 when there is no score at all: None here (unscored)
            score = grade.manual_score if grade.manual_score is not None else grade.auto_score
            outcomes[grade.name] = TestOutcome(
                grade.name, None if score is None else float(score), float(grade.max_score),
                test.get("error"), str(test.get("message") or ""),
                test.get("mistake_id") or (mistake_id(text) if text else None), text)
    return outcomes


def load_assignment(course, assignment: str, journal: Path | None = None, names: bool = False) -> AssignmentReport:
    """The report of ``assignment`` from ``course``'s gradebook and journal
    (``course`` as :func:`autograder.grading.gradebook.load_course` returns it)."""
    from nbgrader.api import Gradebook, MissingEntry

    journal = journal or course.root / "grading-journal.jsonl"
    entries = latest_journal_entries(journal, assignment)
    with Gradebook(course.db_url, course.course_id) as gb:
        try:
            record = gb.find_assignment(assignment)
        except MissingEntry:
            raise ValueError(f"the gradebook has no assignment {assignment!r}: grade it first") from None
        cells = _test_cells(gb, assignment)
        submitted = list(record.submissions)
        # labels drawn over every student of the gradebook: a learner has one label in all reports
        labels = ({s.student_id: s.student_id for s in submitted} if names
                  else anonymous_labels(course.course_id, [student.id for student in gb.students]))
        submissions = []
        for sub in submitted:
            entry = entries.get(sub.student_id)
            submissions.append(Submission(
                sub.student_id, labels[sub.student_id], float(sub.score), float(sub.max_score),
                str(entry.get("status", "ok")) if entry else "ok", float(sub.total_seconds_late or 0.0),
                _outcomes(sub, entry)))
        duedate = record.duedate.isoformat(sep=" ", timespec="minutes") if record.duedate else None
    submissions.sort(key=lambda s: s.learner)
    return AssignmentReport(assignment, cells, submissions, duedate, anonymised=not names)


def graded_assignments(course) -> list[str]:
    """The gradebook's assignments that have at least one submission, by name."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, course.course_id) as gb:
        return sorted(a.name for a in gb.assignments if a.num_submissions)
