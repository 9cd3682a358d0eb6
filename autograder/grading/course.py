"""The course folder as nbgrader sees it: configuration, gradebook, submissions, results.

Only the grading run's parent process uses this module to write: the gradebook (after
each submission, in one transaction) and the autograded/feedback folders (each replaced
by an atomic rename).
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.grading.feedback_html import strip_hidden_tests


class CourseError(RuntimeError):
    """A problem with the course folder that stops the whole run (not one submission)."""


@dataclass
class Course:
    root: Path
    config: object           # traitlets Config
    coursedir: object        # nbgrader CourseDirectory

    @property
    def db_url(self) -> str:
        return self.coursedir.db_url

    @property
    def course_id(self) -> str:
        return self.coursedir.course_id

    def folder(self, step: str, student: str, assignment: str) -> Path:
        return Path(self.coursedir.format_path(getattr(self.coursedir, f"{step}_directory"), student, assignment))

    def source_folder(self, assignment: str) -> Path:
        return self.folder("source", ".", assignment)

    def db_file(self) -> Path | None:
        if self.db_url.startswith("sqlite:///"):
            return Path(self.db_url[len("sqlite:///"):])
        return None


def load_course(root: Path) -> Course:
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    root = Path(root).resolve()
    if not root.is_dir():
        raise CourseError(f"{root} is not a folder")
    config = Config()
    if (root / "nbgrader_config.py").exists():
        cwd = os.getcwd()
        try:
            os.chdir(root)  # a config may use relative paths
            config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
        finally:
            os.chdir(cwd)
    config.CourseDirectory.root = str(root)
    coursedir = CourseDirectory(config=config)
    return Course(root, config, coursedir)


def settings(course: Course, timeout: float | None) -> dict:
    """The nbgrader options the workers apply, as plain values."""
    config = course.config
    execute = config.get("Execute", {})
    extra = list(execute.get("extra_arguments", [])) or ["--InteractiveShell.xmode=Minimal"]
    if not any(arg.startswith("--HistoryManager.hist_file") for arg in extra):
        extra.append("--HistoryManager.hist_file=:memory:")
    ignore = config.get("IgnorePattern", {})
    limit = config.get("LimitOutput", {})
    hidden = config.get("ClearHiddenTests", {})
    return {
        "timeout": float(timeout if timeout is not None else (execute.get("timeout") or 30)),
        "extra_arguments": extra,
        "ignore_pattern": {"enabled": bool(ignore.get("enabled", False)), "pattern": str(ignore.get("pattern", ""))},
        "limit_output": {"max_lines": int(limit.get("max_lines", 1000)),
                         "max_traceback": int(limit.get("max_traceback", 100))},
        "add_missing_cells": bool(config.get("OverwriteCells", {}).get("add_missing_cells", True)),
        "hidden_begin": str(hidden.get("begin_test_delimeter", "BEGIN HIDDEN TESTS")),
        "hidden_end": str(hidden.get("end_test_delimeter", "END HIDDEN TESTS")),
        "ignore": list(course.coursedir.ignore),
    }


# --------------------------------------------------------------------------------------
# The gradebook and the assignment's cells


def source_notebooks(course: Course, assignment: str) -> list[Path]:
    folder = course.source_folder(assignment)
    found = sorted(Path(p) for p in glob.glob(str(folder / "*.ipynb")))
    if not found:
        raise CourseError(f"no source notebook in {folder}: is {assignment!r} the right assignment name?")
    return found


def _gradebook_matches(course: Course, assignment: str, notebooks: list[Path]) -> bool:
    """True when the gradebook already holds exactly these notebooks' graded and locked cells."""
    from nbgrader.api import Gradebook, MissingEntry

    try:
        with Gradebook(course.db_url, course.course_id) as gb:
            stored = gb.find_assignment(assignment)
            if sorted(nb.name for nb in stored.notebooks) != sorted(p.stem for p in notebooks):
                return False
            for path in notebooks:
                db_notebook = gb.find_notebook(path.stem, assignment)
                cells = {c.name: c for c in db_notebook.source_cells}
                graded = {c.name: c for c in db_notebook.grade_cells}
                wanted = {}
                for cell in nbformat.read(str(path), as_version=4).cells:
                    meta = cell.metadata.get("nbgrader", {})
                    if meta.get("grade_id") and (meta.get("grade") or meta.get("solution") or meta.get("locked")):
                        wanted[meta["grade_id"]] = (cell, meta)
                if set(wanted) != set(cells):
                    return False
                for grade_id, (cell, meta) in wanted.items():
                    stored_cell = cells[grade_id]
                    if stored_cell.cell_type != cell.cell_type:
                        return False
                    if stored_cell.locked and not meta.get("solution") and stored_cell.source != cell.source:
                        return False
                    if meta.get("grade") and (grade_id not in graded
                                              or float(graded[grade_id].max_score) != float(meta.get("points", 0))):
                        return False
        return True
    except MissingEntry:
        return False


def prepare_gradebook(course: Course, assignment: str) -> bool:
    """Make the gradebook know the assignment as the source notebooks define it now.

    Runs ``nbgrader generate_assignment`` on a temporary copy of the source folder, into the
    course's gradebook (creating it if needed), so the course's release folder is left as
    it is. Returns True when it had to run.
    """
    notebooks = source_notebooks(course, assignment)
    if _gradebook_matches(course, assignment, notebooks):
        return False
    with tempfile.TemporaryDirectory(prefix="autograder-generate-") as scratch:
        scratch = Path(scratch)
        source_name = Path(course.coursedir.source_directory).name or "source"
        shutil.copytree(course.source_folder(assignment), scratch / source_name / assignment,
                        ignore=shutil.ignore_patterns(*course.coursedir.ignore))
        if (course.root / "nbgrader_config.py").exists():
            shutil.copy(course.root / "nbgrader_config.py", scratch / "nbgrader_config.py")
        command = [sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force",
                   f"--CourseDirectory.root={scratch}", f"--CourseDirectory.source_directory={source_name}",
                   "--CourseDirectory.release_directory=release",
                   f"--CourseDirectory.db_url={course.db_url}",
                   f"--CourseDirectory.course_id={course.course_id}", "--log-level=WARN"]
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        result = subprocess.run(command, cwd=scratch, capture_output=True, text=True, env=env)
        if result.returncode != 0:
            raise CourseError(f"nbgrader generate_assignment {assignment} failed:\n{result.stdout}\n{result.stderr}")
    return True


def assignment_spec(course: Course, assignment: str) -> dict:
    """Every notebook's cells as the workers need them: the source notebook's cells in order,
    and for graded/locked cells the gradebook's stored source (with hidden tests), checksum,
    points, and the source the learners were given."""
    from nbgrader.api import Gradebook

    spec = {"assignment": assignment, "notebooks": []}
    with Gradebook(course.db_url, course.course_id) as gb:
        for path in source_notebooks(course, assignment):
            source = nbformat.read(str(path), as_version=4)
            db_notebook = gb.find_notebook(path.stem, assignment)
            stored = {c.name: c for c in db_notebook.source_cells}
            graded = {c.name: c for c in db_notebook.grade_cells}
            cells = []
            for cell in source.cells:
                meta = cell.metadata.get("nbgrader", {}) if isinstance(cell.metadata.get("nbgrader"), dict) else {}
                entry = {"cell_type": cell.cell_type, "source": cell.source, "grade_id": None,
                         "grade": False, "solution": False, "locked": False, "task": False, "points": None}
                grade_id = meta.get("grade_id")
                if grade_id in stored:
                    stored_cell = stored[grade_id]
                    entry.update(grade_id=grade_id, grade=bool(meta.get("grade")), solution=bool(meta.get("solution")),
                                 locked=bool(stored_cell.locked), task=bool(meta.get("task")),
                                 cell_type=stored_cell.cell_type, checksum=stored_cell.checksum,
                                 db_source=stored_cell.source)
                    release = nbformat.v4.new_code_cell(stored_cell.source)
                    entry["release_source"] = strip_hidden_tests(
                        nbformat.v4.new_notebook(cells=[release])).cells[0].source
                    if grade_id in graded:
                        entry["points"] = float(graded[grade_id].max_score)
                cells.append(entry)
            spec["notebooks"].append({
                "name": path.stem, "cells": cells,
                "kernelspec": dict(source.metadata.get("kernelspec", {})),
                "language_info": dict(source.metadata.get("language_info", {})),
                "max_score": sum(c["points"] or 0 for c in cells if c["grade"]),
            })
    return spec


def spec_digest(spec: dict) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


# --------------------------------------------------------------------------------------
# Submissions


def submissions(course: Course, assignment: str) -> list[str]:
    """Students with a ``submitted/<student>/<assignment>/`` folder, sorted."""
    pattern = course.coursedir.format_path(course.coursedir.submitted_directory, "*", assignment)
    excluded = set(filter(None, str(course.coursedir.student_id_exclude or "").split(",")))
    students = []
    for folder in glob.glob(pattern):
        path = Path(folder)
        if not path.is_dir() or path.is_symlink():
            continue
        student = path.parent.name if course.coursedir.directory_structure.endswith(
            "{student_id}/{assignment_id}") else _student_of(course, path, assignment)
        if student and student not in excluded:
            students.append(student)
    return sorted(set(students))


def _student_of(course: Course, path: Path, assignment: str) -> str | None:
    import re

    regexp = course.coursedir.format_path(course.coursedir.submitted_directory, "(?P<student_id>.*)",
                                          re.escape(assignment), escape=True)
    match = re.match(regexp, str(path))
    return match.group("student_id") if match else None


def submission_digest(folder: Path, spec_hash: str, ignore: list[str]) -> str:
    """A short fingerprint of a submission's files and of the assignment's definition:
    a restarted run regrades a submission only when this changed."""
    import fnmatch

    digest = hashlib.sha256(spec_hash.encode())
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(fnmatch.fnmatch(part, pattern) for part in relative.parts for pattern in ignore):
            continue
        if path.is_symlink():
            digest.update(f"link {relative} -> {os.readlink(path)}\n".encode())
        elif path.is_file():
            digest.update(f"file {relative}\n".encode())
            with open(path, "rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
    return digest.hexdigest()[:16]


# --------------------------------------------------------------------------------------
# Recording a finished submission


def record_in_gradebook(course: Course, assignment: str, student: str, result: dict,
                        timestamp=None) -> tuple[float, float, bool]:
    """Write a submission's scores like nbgrader's SaveAutoGrades; returns (score, max, needs_manual)."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, course.course_id) as gb:
        gb.update_or_create_student(student)
        if timestamp is not None:
            gb.update_or_create_submission(assignment, student, timestamp=timestamp)
        else:
            gb.update_or_create_submission(assignment, student)
        for notebook_name, entry in result.get("notebooks", {}).items():
            for grade_id, grade in entry.get("grades", {}).items():
                row = gb.find_grade(grade_id, notebook_name, assignment, student)
                row.auto_score = grade["score"]
                row.needs_manual_grade = (row.manual_score is not None) or (grade["score"] is None)
            for grade_id, text in entry.get("comments", {}).items():
                try:
                    comment = gb.find_comment(grade_id, notebook_name, assignment, student)
                except Exception:  # noqa: BLE001 - not a commentable cell
                    continue
                comment.auto_comment = text
        gb.db.commit()
        submission = gb.find_submission(assignment, student)
        return float(submission.score), float(submission.max_score), bool(submission.needs_manual_grade)


def _replace_folder(built: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    old = destination.parent / f".{destination.name}.old-{os.getpid()}"
    if destination.exists():
        os.rename(destination, old)
    os.rename(built, destination)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def install_outputs(course: Course, assignment: str, student: str, job_dir: Path, result: dict) -> None:
    """Put the autograded notebooks (with the submission's other files) and the feedback pages
    where nbgrader keeps them, replacing earlier ones."""
    out = job_dir / "out"
    for step in ("autograded", "feedback"):
        destination = course.folder(step, student, assignment)
        built = destination.parent / f".{destination.name}.new-{os.getpid()}"
        if built.exists():
            shutil.rmtree(built)
        built.mkdir(parents=True)
        produced = [entry.get(step) for entry in result.get("notebooks", {}).values() if entry.get(step)]
        for relative in produced:
            shutil.copy(out / relative, built / Path(relative).name)
        if step == "autograded":
            for relative in result.get("files", []):
                source = job_dir / "stage" / relative
                if source.is_file() and not source.is_symlink():
                    (built / relative).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(source, built / relative)
        if produced or step == "autograded":
            _replace_folder(built, destination)
        else:
            shutil.rmtree(built, ignore_errors=True)
