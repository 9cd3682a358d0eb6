"""The one writer of a grading run: results in, course files out.

:class:`Recorder` receives each submission's :class:`~autograder.grading.records.Result`
(or the reason there is none) in the grading command's process and writes, in order:

1. ``autograded/<student>/<assignment>/`` (the graded notebook and the submission's other
   files) and ``feedback/<student>/<assignment>/<notebook>.html``, each folder replaced
   by a rename;
2. the gradebook (nbgrader's SaveAutoGrades, one transaction);
3. the journal, ``grading-journal.jsonl``: one JSON line per graded submission with every
   test's score, exception, first line of its message and the known mistake the check named, the status, notes and timings
   (what reports are built from);
4. its row in ``grades.csv`` (appended and synced; see :mod:`.grades_csv`).

A result that fails validation, or an exception instead of a result, is recorded as a
``grader_error`` row for that student (tests unscored, marked for manual grading, graded
again by the next run); nothing ends the run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import msgspec

from autograder.grading import gradebook, records
from autograder.grading.grades_csv import GradesFile
from autograder.grading.records import Job, Result


def _number(value) -> str:
    if value is None:
        return "?"
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.3g}"


def _replace_folder(built: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    old = destination.parent / f".{destination.name}.old-{os.getpid()}"
    if destination.exists():
        os.rename(destination, old)
    os.rename(built, destination)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def _inside(folder: Path, relative: str) -> Path | None:
    parts = [p for p in relative.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return folder.joinpath(*parts)


class Journal:
    """``grading-journal.jsonl``: one line per recorded submission (appended, synced)."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def append(self, entry: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "ab") as handle:
            handle.write(msgspec.json.encode(entry) + b"\n")
            handle.flush()
            os.fsync(handle.fileno())


class Recorder:
    def __init__(self, course: gradebook.Course, assignment: str, grades: GradesFile, journal: Journal):
        self.course, self.assignment = course, assignment
        self.grades, self.journal = grades, journal
        self.counts: dict[str, int] = {}

    # ----------------------------------------------------------------------------------

    def record(self, job: Job, outcome: object) -> dict:
        """Record ``outcome`` (a Result, or an exception raised instead) for ``job``; returns the row."""
        from autograder.grading.grade_one import failed_result

        if isinstance(outcome, BaseException):
            result = failed_result(job, f"grading failed: {type(outcome).__name__}: {outcome}")
        else:
            try:
                result = records.validate(outcome)
                if (result.student, result.assignment) != (job.student, job.assignment.name):
                    raise ValueError("the result is for another submission")
            except ValueError as error:
                result = failed_result(job, f"the grading worker sent a malformed result: {error}")
        return self._write(job, result)

    def record_unreadable(self, job_student: str, digest: str, spec: records.AssignmentSpec, problem: str) -> dict:
        """A submission that could not be read at all (its folder is a link, say): score 0."""
        notebooks = [records.NotebookResult(nb.name, [records.TestResult(c.grade_id, 0.0, float(c.points or 0))
                                                      for c in nb.cells if c.grade]) for nb in spec.notebooks]
        result = Result(job_student, spec.name, digest, notebooks, flags=["invalid_submission"], notes=[problem])
        return self._write(None, result)

    # ----------------------------------------------------------------------------------

    def _write(self, job: Job | None, result: Result) -> dict:
        if "grader_error" in result.flags:  # not the student's fault: unscored, graded again next run
            result = _unscored(result)
        self._install_outputs(job, result)
        folder = self.course.folder("submitted", result.student, self.assignment)
        try:
            timestamp = self.course.coursedir.get_existing_timestamp(str(folder)) if folder.is_dir() \
                and not folder.is_symlink() else None
        except Exception:  # noqa: BLE001 - a malformed timestamp.txt
            timestamp = None
        score, max_score, _ = gradebook.record_result(self.course, result, timestamp)
        status = records.status_text(result.flags)
        tests = [f"{t.grade_id}={_number(t.score)}/{_number(t.max_score)}"
                 for notebook in sorted(result.notebooks, key=lambda n: n.name) for t in notebook.tests]
        row = {"student_id": result.student, "assignment": self.assignment, "score": score, "max_score": max_score,
               "status": status, "tests": ";".join(tests),
               "details": " | ".join(str(note).replace("\n", " ") for note in result.notes)[:2000],
               "submission_hash": result.digest}
        self.journal.append({
            "student": result.student, "assignment": self.assignment, "score": score, "max_score": max_score,
            "status": status, "digest": result.digest, "seconds": result.seconds, "timings": result.timings,
            "notes": result.notes,
            "notebooks": [{"name": nb.name, "status": nb.status,
                           "tests": [msgspec.structs.asdict(t) for t in nb.tests]} for nb in result.notebooks]})
        self.grades.append(row)
        self.counts[status] = self.counts.get(status, 0) + 1
        return row

    def _install_outputs(self, job: Job | None, result: Result) -> None:
        """The autograded notebooks (with the submission's other files) and feedback pages, where
        nbgrader keeps them, replacing earlier ones. A grader error leaves earlier ones alone."""
        if "grader_error" in result.flags:
            return
        for step in ("autograded", "feedback"):
            destination = self.course.folder(step, result.student, self.assignment)
            built = destination.parent / f".{destination.name}.new-{os.getpid()}"
            if built.exists():
                shutil.rmtree(built)
            built.mkdir(parents=True)
            produced = False
            for notebook in result.notebooks:
                data = notebook.autograded if step == "autograded" else notebook.feedback
                if data is not None:
                    suffix = ".ipynb" if step == "autograded" else ".html"
                    (built / f"{notebook.name}{suffix}").write_bytes(data)
                    produced = True
            if step == "autograded" and job is not None:
                for relative, data in job.files:
                    target = _inside(built, relative)
                    if target is not None:
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(data)
            if produced or step == "autograded":
                _replace_folder(built, destination)
            else:
                shutil.rmtree(built, ignore_errors=True)


def _unscored(result: Result) -> Result:
    notebooks = [msgspec.structs.replace(nb, tests=[msgspec.structs.replace(t, score=None) for t in nb.tests])
                 for nb in result.notebooks]
    return msgspec.structs.replace(result, notebooks=notebooks)
