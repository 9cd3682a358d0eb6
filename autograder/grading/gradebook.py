"""The course folder as nbgrader sees it, and its gradebook.

:func:`load_course` reads ``nbgrader_config.py``; :func:`prepare_gradebook` enters the
assignment from its source notebooks; :func:`assignment_spec` gives the cells the
graders need (hidden tests included, from the gradebook); :func:`record_result` stores a
submission's scores as nbgrader's SaveAutoGrades would. Only the recorder writes.
"""

from __future__ import annotations

import ast
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import msgspec
import nbformat

from autograder import paths
from autograder.grading.feedback_html import strip_hidden_tests
from autograder.grading.records import AssignmentSpec, CellSpec, NotebookSpec, Result, Settings
from autograder.notebook import strip_magics


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


def settings(course: Course) -> Settings:
    """The nbgrader options grading applies."""
    config = course.config
    execute = config.get("Execute", {})
    extra = list(execute.get("extra_arguments", [])) or ["--InteractiveShell.xmode=Minimal"]
    if not any(arg.startswith("--HistoryManager.hist_file") for arg in extra):
        extra.append("--HistoryManager.hist_file=:memory:")
    ignore = config.get("IgnorePattern", {})
    limit = config.get("LimitOutput", {})
    hidden = config.get("ClearHiddenTests", {})
    return Settings(
        extra_arguments=extra,
        ignore_pattern=str(ignore.get("pattern", "")) if ignore.get("enabled", False) else "",
        max_lines=int(limit.get("max_lines", 1000)), max_traceback=int(limit.get("max_traceback", 100)),
        add_missing_cells=bool(config.get("OverwriteCells", {}).get("add_missing_cells", True)),
        hidden_begin=str(hidden.get("begin_test_delimeter", "BEGIN HIDDEN TESTS")),
        hidden_end=str(hidden.get("end_test_delimeter", "END HIDDEN TESTS")))


def cell_timeout(course: Course, override: float | None) -> float:
    """Seconds per cell: ``override``, else ``Execute.timeout`` of the course config, else 30."""
    return float(override if override is not None else (course.config.get("Execute", {}).get("timeout") or 30))


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


def _imported_modules(notebooks: list[NotebookSpec]) -> list[str]:
    """Modules the assignment's own cells import: the sandbox template imports them once."""
    names = set()
    for notebook in notebooks:
        for cell in notebook.cells:
            if cell.cell_type != "code":
                continue
            try:
                tree = ast.parse(strip_magics(cell.source))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names.update(alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names.add(node.module)
    return sorted(names)


def _source_files(course: Course, assignment: str) -> list[tuple[str, bytes]]:
    """The source folder's other files (data the notebooks read), as nbgrader copies them."""
    import fnmatch

    folder = course.source_folder(assignment)
    ignore = list(course.coursedir.ignore) + ["*.ipynb", f"*{paths.SOURCE_SUFFIX}", "gradebook.db"]
    found = []
    for base, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not any(fnmatch.fnmatch(d, p) for p in ignore)]
        for name in files:
            path = Path(base, name)
            if any(fnmatch.fnmatch(name, p) for p in ignore) or path.is_symlink():
                continue
            found.append((path.relative_to(folder).as_posix(), path.read_bytes()))
    return sorted(found)


def assignment_spec(course: Course, assignment: str) -> AssignmentSpec:
    """Every notebook's cells as the graders need them: the source notebook's cells in order,
    and for graded/locked cells the gradebook's stored source (with hidden tests), checksum,
    points, and the source the learners were given."""
    from nbgrader.api import Gradebook

    notebooks = []
    with Gradebook(course.db_url, course.course_id) as gb:
        for path in source_notebooks(course, assignment):
            source = nbformat.read(str(path), as_version=4)
            db_notebook = gb.find_notebook(path.stem, assignment)
            stored = {c.name: c for c in db_notebook.source_cells}
            graded = {c.name: c for c in db_notebook.grade_cells}
            cells = []
            for cell in source.cells:
                meta = cell.metadata.get("nbgrader", {}) if isinstance(cell.metadata.get("nbgrader"), dict) else {}
                grade_id = meta.get("grade_id")
                if grade_id not in stored:
                    cells.append(CellSpec(cell.cell_type, cell.source))
                    continue
                stored_cell = stored[grade_id]
                release = strip_hidden_tests(nbformat.v4.new_notebook(
                    cells=[nbformat.v4.new_code_cell(stored_cell.source)])).cells[0].source
                cells.append(CellSpec(
                    stored_cell.cell_type, cell.source, grade_id=grade_id, grade=bool(meta.get("grade")),
                    solution=bool(meta.get("solution")), locked=bool(stored_cell.locked), task=bool(meta.get("task")),
                    points=float(graded[grade_id].max_score) if grade_id in graded else None,
                    checksum=stored_cell.checksum, db_source=stored_cell.source, release_source=release))
            notebooks.append(NotebookSpec(path.stem, cells, dict(source.metadata.get("kernelspec", {})),
                                          dict(source.metadata.get("language_info", {}))))
    spec = AssignmentSpec(assignment, notebooks, files=_source_files(course, assignment),
                          preload=_imported_modules(notebooks))
    digest = hashlib.sha256(msgspec.msgpack.encode(spec)).hexdigest()
    return msgspec.structs.replace(spec, digest=digest)


# --------------------------------------------------------------------------------------
# Recording a finished submission


def record_result(course: Course, result: Result, timestamp=None) -> tuple[float, float, bool]:
    """Write a submission's scores like nbgrader's SaveAutoGrades; returns (score, max, needs_manual)."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, course.course_id) as gb:
        gb.update_or_create_student(result.student)
        if timestamp is not None:
            gb.update_or_create_submission(result.assignment, result.student, timestamp=timestamp)
        else:
            gb.update_or_create_submission(result.assignment, result.student)
        for notebook in result.notebooks:
            for test in notebook.tests:
                row = gb.find_grade(test.grade_id, notebook.name, result.assignment, result.student)
                row.auto_score = test.score
                row.needs_manual_grade = (row.manual_score is not None) or (test.score is None)
            for grade_id, text in notebook.comments.items():
                try:
                    comment = gb.find_comment(grade_id, notebook.name, result.assignment, result.student)
                except Exception:  # noqa: BLE001 - not a commentable cell
                    continue
                comment.auto_comment = text
        gb.db.commit()
        submission = gb.find_submission(result.assignment, result.student)
        return float(submission.score), float(submission.max_score), bool(submission.needs_manual_grade)
