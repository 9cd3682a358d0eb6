"""Every assignment, end to end: the committed notebooks are derived from their sources,
the solutions reproduce their committed outputs (nbval), and nbgrader gives the solution
full marks and the blank notebook 0. (That each learner notebook runs up to its first
exercise is tested where learners run it: tests/test_colab_runtime.py on Colab's runtime,
tests/test_packaging.py in a clean install of the wheel.)
"""

from __future__ import annotations

import html as htmllib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import authoring, paths
from conftest import ROOT, subprocess_env

ASSIGNMENTS = paths.assignments(ROOT)


def test_every_assignment_of_the_spec_has_a_notebook():
    assert ASSIGNMENTS[0] == "01_images_as_arrays"
    for assignment in ASSIGNMENTS:
        assert paths.solution_notebook(assignment, ROOT).exists(), f"run: autograder build {assignment}"
        assert paths.course_notebook(assignment, ROOT).exists(), f"run: autograder build {assignment}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_notebook_is_built_from_its_source(assignment):
    problems = authoring.source_matches_solution(assignment)
    assert not problems, f"solutions/{assignment} is stale, run `autograder build {assignment}`: {problems}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_notebook_has_outputs_and_no_errors(assignment):
    notebook = nbformat.read(paths.solution_notebook(assignment, ROOT), as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code), "every code cell must have been run"
    for cell in code:
        for output in cell.outputs:
            assert output.output_type != "error", f"cell {cell.id} raised {output.get('ename')}"
            if cell.metadata.get("nbgrader", {}).get("grade"):
                assert output.get("name") != "stderr", f"test cell {cell.id} writes to stderr (scores 0)"
                assert output.output_type != "execute_result", f"test cell {cell.id} leaves a value (partial credit)"


def _course_copy(tmp_path: Path, assignment: str) -> Path:
    """A fresh course folder with this assignment's source and the course's nbgrader config."""
    shutil.copytree(ROOT / "solutions" / assignment, tmp_path / "solutions" / assignment)
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    authoring.generate_course(assignment, root=tmp_path, db_url=f"sqlite:///{tmp_path / 'gradebook.db'}")
    return tmp_path


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _assert_fresh_generation(root: Path, assignment: str) -> None:
    """course/<assignment> is exactly what nbgrader generates from solutions/ now."""
    fresh = root / "course" / assignment
    committed = ROOT / "course" / assignment
    assert _files(fresh) == _files(committed), "course/ holds other files than nbgrader generates"
    for name in _files(fresh):
        if name.endswith(".ipynb"):
            assert json.loads((fresh / name).read_text()) == json.loads((committed / name).read_text()), \
                f"course/{assignment}/{name} drifted from solutions/: run `autograder build {assignment} --course-only`"
        else:
            assert (fresh / name).read_bytes() == (committed / name).read_bytes()


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_outputs_reproduce_under_nbval(assignment):
    notebook = paths.solution_notebook(assignment, ROOT)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", str(notebook), "-q", "-p", "no:cacheprovider",
         "-p", "no:xdist", "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"),
         "--rootdir", str(notebook.parent)],
        cwd=notebook.parent, env=subprocess_env(), capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def _hidden_test_lines(assignment: str) -> list[str]:
    """The non-trivial lines between BEGIN and END HIDDEN TESTS in the source notebook."""
    lines, hidden = [], False
    for line in paths.source_path(assignment, ROOT).read_text().splitlines():
        if "BEGIN HIDDEN TESTS" in line or "END HIDDEN TESTS" in line:
            hidden = "BEGIN" in line
        elif hidden and len(line.strip()) > 12:
            lines.append(line.strip())
    return lines


def _autograde(root: Path, assignment: str, students: dict[str, Path]) -> dict[str, tuple[float, float]]:
    from nbgrader.api import Gradebook

    for student, notebook in students.items():
        target = root / "submitted" / student / assignment
        target.mkdir(parents=True)
        shutil.copy(notebook, target / f"{assignment}.ipynb")
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", "autograde", assignment, f"--CourseDirectory.root={root}",
         f"--CourseDirectory.db_url=sqlite:///{root / 'gradebook.db'}", "--force"],
        cwd=root, env=subprocess_env(), capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="cnn-course") as gradebook:
        return {student: (gradebook.find_submission(assignment, student).score,
                          gradebook.find_submission(assignment, student).max_score)
                for student in students}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_course_is_fresh_and_autograde_gives_solution_full_marks_and_blank_zero(assignment, tmp_path):
    root = _course_copy(tmp_path, assignment)  # nbgrader generates the course once, for both
    _assert_fresh_generation(root, assignment)
    scores = _autograde(root, assignment, {
        "ci_solution": ROOT / "solutions" / assignment / f"{assignment}.ipynb",
        "ci_blank": ROOT / "course" / assignment / f"{assignment}.ipynb",
    })
    score, max_score = scores["ci_solution"]
    assert max_score > 0 and score == max_score, f"solution scored {score}/{max_score}"
    assert scores["ci_blank"][0] == 0, f"blank notebook scored {scores['ci_blank']}"

    # feedback for the learner: scores shown, hidden tests not
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_feedback", assignment, "--student", "ci_blank",
         f"--CourseDirectory.root={root}", f"--CourseDirectory.db_url=sqlite:///{root / 'gradebook.db'}"],
        cwd=root, env=subprocess_env(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    html = (root / "feedback" / "ci_blank" / assignment / f"{assignment}.html").read_text()
    text = htmllib.unescape(re.sub(r"<[^>]+>", "", html))
    assert "HIDDEN TESTS" not in text
    for line in _hidden_test_lines(assignment):
        assert line not in text, f"feedback shows a hidden test line: {line}"
