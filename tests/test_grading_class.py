"""Grading a class end to end (`autograder grade`, issue 7).

A class of submissions of assignment 01 is generated from the solution and learner
notebooks into a temporary course folder: honest ones (full marks, blank, partial),
broken ones (infinite loops, a kernel that exits or runs out of memory, invalid JSON, a
missing notebook, duplicated, deleted and retyped graded cells) and attacks (edited or
silenced test cells, checks patched from student code in every way the issue lists,
forged outputs, reading the hidden tests or writing the grades, shadowing modules, a
linked notebook). One grading run with two workers must give each its expected score
and status, keep the course's files intact, and write feedback without hidden tests.
A second course is graded, killed half-way, and graded again: it must end with the same
grades file as an uninterrupted run.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat
import pytest

from conftest import ROOT, subprocess_env

ASSIGNMENT = "01_images_as_arrays"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
SOLUTION = ROOT / "solutions" / ASSIGNMENT / NOTEBOOK
RELEASE = ROOT / "course" / ASSIGNMENT / NOTEBOOK
TIMEOUT_S = 10
MEMORY_MB = 1536

pytestmark = [
    pytest.mark.xdist_group("grading_class"),
    pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                       reason="the grading sandbox (separate user, hidden course files) needs root"),
]

S = nbformat.read(str(SOLUTION), as_version=4)
R = nbformat.read(str(RELEASE), as_version=4)


def _meta(cell) -> dict:
    meta = cell.metadata.get("nbgrader")
    return meta if isinstance(meta, dict) else {}


FUNCTIONS = [_meta(c)["grade_id"] for c in S.cells if _meta(c).get("solution")]
POINTS = {_meta(c)["grade_id"]: float(_meta(c)["points"]) for c in S.cells if _meta(c).get("grade")}
# each graded function's test cell is the first test cell after its answer cell
TEST_OF = {}
for _number, _cell in enumerate(S.cells):
    if _meta(_cell).get("solution"):
        TEST_OF[_meta(_cell)["grade_id"]] = next(_meta(c)["grade_id"] for c in S.cells[_number:] if _meta(c).get("grade"))
MAX_SCORE = sum(POINTS.values())


# --------------------------------------------------------------------------------------
# Building submissions


def index_of(notebook, grade_id: str) -> int:
    return next(i for i, c in enumerate(notebook.cells) if _meta(c).get("grade_id") == grade_id)


def solved(notebook, *names: str):
    """A copy of ``notebook`` with the instructor's answers for ``names``."""
    notebook = copy.deepcopy(notebook)
    for name in names:
        notebook.cells[index_of(notebook, name)].source = S.cells[index_of(S, name)].source
    return notebook


def with_answer(notebook, name: str, source: str):
    notebook = copy.deepcopy(notebook)
    notebook.cells[index_of(notebook, name)].source = source
    return notebook


def insert_after(notebook, grade_id: str | None, source: str):
    """Insert a code cell after the cell ``grade_id`` (None: after the first code cell, the imports)."""
    notebook = copy.deepcopy(notebook)
    if grade_id is None:
        position = next(i for i, c in enumerate(notebook.cells) if c.cell_type == "code") + 1
    else:
        position = index_of(notebook, grade_id) + 1
    notebook.cells.insert(position, nbformat.v4.new_code_cell(source))
    return notebook


def all_answers(notebook, body: str):
    """Every graded function replaced by ``def NAME(*args, **kwargs):`` + ``body``."""
    for name in FUNCTIONS:
        notebook = with_answer(notebook, name, f"def {name}(*args, **kwargs):\n" + body)
    return notebook


@dataclass
class Case:
    student: str
    build: Callable[[Path], object]           # returns a notebook, bytes, or None (writes itself)
    passing: tuple[str, ...]                   # graded functions whose tests must pass
    status: set[str] = field(default_factory=set)  # flags the status must contain ("ok": exactly ok)
    about: str = ""

    @property
    def score(self) -> float:
        return sum(POINTS[TEST_OF[name]] for name in self.passing)


def submission_folder(course: Path, student: str) -> Path:
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def blank(_course):
    return R


def full(_course):
    return S


def partial(_course):
    return solved(R, FUNCTIONS[0], FUNCTIONS[2])


def wrong_formula(_course):
    # red and blue weights swapped: a typical mistake the check must reject
    source = S.cells[index_of(S, "to_grayscale")].source.replace("0.299 * red", "0.299 * blue") \
        .replace("0.114 * blue", "0.114 * red")
    return with_answer(S, "to_grayscale", source)


def loop_in_function(_course):
    return with_answer(S, "resize_nearest", "def resize_nearest(image, shape):\n    while True:\n        pass\n")


def loop_ignoring_interrupts(_course):
    return insert_after(S, "to_grayscale", "import time\nwhile True:\n    try:\n        time.sleep(0.05)\n"
                                           "    except KeyboardInterrupt:\n        pass\n")


def exit_cell(_course):
    return insert_after(S, "to_grayscale", "import os\nos._exit(1)\n")


def exit_in_function(_course):
    return with_answer(S, "dense_params", "def dense_params(n_inputs, n_hidden):\n    import os\n    os._exit(0)\n")


def memory_bomb(_course):
    return with_answer(S, "resize_nearest", (
        "def resize_nearest(image, shape):\n"
        "    import numpy as np\n"
        "    hog = []\n"
        "    for _ in range(64):  # 64 × 64 MB\n"
        "        hog.append(np.ones(2**23))\n"
        "    return hog\n"))


def invalid_json(_course):
    text = nbformat.writes(S)
    return text[: len(text) // 2].encode()


def missing_notebook(course):
    folder = submission_folder(course, "s11_missing_notebook")
    nbformat.write(S, str(folder / f"{ASSIGNMENT} (1).ipynb"))  # misnamed copy
    (folder / "notes.txt").write_text("I could not find the notebook\n")
    return None


def duplicated_cells(_course):
    notebook = copy.deepcopy(S)
    test = copy.deepcopy(notebook.cells[index_of(notebook, TEST_OF["to_grayscale"])])
    notebook.cells.insert(0, copy.deepcopy(test))
    notebook.cells.append(test)
    answer = copy.deepcopy(notebook.cells[index_of(notebook, "dense_params")])
    wrong = copy.deepcopy(answer)
    wrong.source = "def dense_params(n_inputs, n_hidden):\n    return 0\n"
    notebook.cells.insert(index_of(notebook, "dense_params"), wrong)  # an earlier, wrong copy
    for number, cell in enumerate(notebook.cells):
        cell.id = f"c{number}"
    return notebook


def deleted_cells(_course):
    notebook = copy.deepcopy(S)
    doomed = set(TEST_OF.values()) | {"resize_nearest"}
    notebook.cells = [c for c in notebook.cells if _meta(c).get("grade_id") not in doomed]
    return notebook


def retyped_cells(_course):
    notebook = copy.deepcopy(S)
    for grade_id, kind in ((TEST_OF["to_grayscale"], "markdown"), (TEST_OF["dense_params"], "raw"),
                           ("resize_nearest", "markdown")):
        index = index_of(notebook, grade_id)
        old = notebook.cells[index]
        new = (nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_raw_cell)(old.source)
        new.metadata = old.metadata
        notebook.cells[index] = new
    return notebook


def edited_tests(_course):
    notebook = copy.deepcopy(R)
    for name, test in TEST_OF.items():
        notebook.cells[index_of(notebook, test)].source = f'print("✔ {name}: correct.")'
    return notebook


def silenced_tests(_course):
    notebook = copy.deepcopy(R)
    first, second, third = (notebook.cells[index_of(notebook, TEST_OF[n])] for n in FUNCTIONS)
    del first.metadata["nbgrader"]
    second.metadata["nbgrader"]["grade"] = False
    second.metadata["tags"] = ["raises-exception"]
    third.metadata["nbgrader"]["points"] = 100.0
    third.metadata["nbgrader"]["solution"] = True
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def patch_checks(_course):
    return insert_after(R, None, (
        "import autograder.check, autograder.feedback, autograder.checks as checks\n"
        "checks.Check.__call__ = lambda self, *args, **kwargs: None\n"
        "for found in checks.registry().values():\n"
        "    found.func = lambda *args, **kwargs: None\n"
        "autograder.feedback.fail = lambda message: None\n"
        "autograder.feedback.call = lambda func, *args, **kwargs: None\n"))


def patch_numpy(_course):
    notebook = all_answers(R, "    import numpy as np\n    return np.zeros((1, 1))\n")
    return insert_after(notebook, None, (
        "import numpy as np, numpy.testing\n"
        "np.allclose = lambda *args, **kwargs: True\n"
        "np.array_equal = lambda *args, **kwargs: True\n"
        "np.isclose = lambda a, b, *args, **kwargs: np.ones(np.shape(a), dtype=bool)\n"
        "np.testing.assert_allclose = lambda *args, **kwargs: None\n"
        "np.testing.assert_array_equal = lambda *args, **kwargs: None\n"))


def patch_at_call_time(_course):
    return all_answers(R, (
        "    import numpy as np, autograder.feedback as fb\n"
        "    fb.expect_array.__code__ = (lambda got, expected, where, **kw: got).__code__\n"
        "    fb.expect_value.__code__ = (lambda got, expected, where, **kw: got).__code__\n"
        "    fb.fail.__code__ = (lambda message: None).__code__\n"
        "    np.allclose = lambda *a, **k: True\n"
        "    np.array_equal = lambda *a, **k: True\n"
        "    return 0\n"))


def patch_builtins_and_ipython(_course):
    return insert_after(R, None, (
        "import builtins, sys\n"
        "from IPython import get_ipython\n"
        "class Quiet(Exception):\n    pass\n"
        "builtins.AssertionError = Quiet\n"
        "builtins.NotImplementedError = Quiet\n"
        "builtins.print = lambda *args, **kwargs: None\n"
        "sys.excepthook = lambda *args: None\n"
        "shell = get_ipython()\n"
        "shell.showtraceback = lambda *args, **kwargs: None\n"
        "shell._showtraceback = lambda *args, **kwargs: None\n"
        "shell.set_custom_exc((BaseException,), lambda *args, **kwargs: None)\n"))


def exit_inside_tests(_course):
    return with_answer(R, FUNCTIONS[0], f"def {FUNCTIONS[0]}(*args, **kwargs):\n    import os\n    os._exit(0)\n")


def forged_output(course):
    notebook = copy.deepcopy(R)
    for name, test in TEST_OF.items():
        cell = notebook.cells[index_of(notebook, test)]
        cell.execution_count = 7
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"✔ {name}: correct.\n")]
    fake = nbformat.writes(S)
    target = course / "autograded" / "t08_forged_output" / ASSIGNMENT / NOTEBOOK
    return insert_after(notebook, None, (
        "import os, json\n"
        + "".join(f'print("✔ {name}: correct.")\n' for name in FUNCTIONS)
        + f"fake = {fake!r}\n"
        f"for path in ['{NOTEBOOK}', '../../autograded/t08_forged_output/{ASSIGNMENT}/{NOTEBOOK}', {str(target)!r}]:\n"
        "    try:\n"
        "        os.makedirs(os.path.dirname(path) or '.', exist_ok=True)\n"
        "        open(path, 'w').write(fake)\n"
        "        print('wrote', path)\n"
        "    except Exception as error:\n"
        "        print('could not write', path, type(error).__name__)\n"))


def read_secrets(course):
    reads = [f"../../solutions/{ASSIGNMENT}/{NOTEBOOK}", str(course / "solutions" / ASSIGNMENT / NOTEBOOK),
             str(SOLUTION), str(course / "gradebook.db"),
             str(course / "submitted" / "s01_solution" / ASSIGNMENT / NOTEBOOK)]
    writes = [str(course / "grades.csv"), str(course / "gradebook.db"), str(course / "course" / ASSIGNMENT / NOTEBOOK),
              str(course / "submitted" / "s02_blank" / ASSIGNMENT / NOTEBOOK), str(SOLUTION)]
    return insert_after(R, None, (
        "import json\n"
        "from autograder import paths\n"
        f"reads = {reads!r} + [str(paths.repo_root() / 'solutions' / {ASSIGNMENT!r} / {NOTEBOOK!r})]\n"
        f"writes = {writes!r}\n"
        "attempts, stolen = {}, None\n"
        "for path in reads:\n"
        "    try:\n"
        "        text = open(path, encoding='utf-8', errors='replace').read()\n"
        "        attempts[path] = 'READ'\n"
        "        stolen = stolen or (text if text.startswith('{') else None)\n"
        "    except Exception as error:\n"
        "        attempts[path] = type(error).__name__\n"
        "for path in writes:\n"
        "    try:\n"
        "        with open(path, 'a') as handle:\n"
        "            handle.write('t09_read_secrets,01_images_as_arrays,8,8,ok\\n')\n"
        "        attempts[path + ' (write)'] = 'WROTE'\n"
        "    except Exception as error:\n"
        "        attempts[path + ' (write)'] = type(error).__name__\n"
        "print('ATTEMPTS ' + json.dumps(attempts))\n"
        "if stolen:\n"
        "    for cell in json.loads(stolen)['cells']:\n"
        "        if cell.get('metadata', {}).get('nbgrader', {}).get('solution'):\n"
        "            exec(''.join(cell['source']))\n"))


def shadow_modules(course):
    folder = submission_folder(course, "t10_shadow_modules")
    (folder / "autograder").mkdir()
    (folder / "autograder" / "__init__.py").write_text("")
    (folder / "autograder" / "check.py").write_text(
        "def __getattr__(name):\n    return lambda *args, **kwargs: print('✔ correct.')\n")
    (folder / "autograder" / "data.py").write_text("def sample_image(name):\n    return None\n")
    return R


def rebound_names(_course):
    notebook = all_answers(R, "    return None\n")
    return insert_after(notebook, None, (
        "class Anything:\n"
        "    def __getattr__(self, name):\n"
        "        return lambda *args, **kwargs: None\n"
        "    def __call__(self, *args, **kwargs):\n"
        "        return None\n"
        "check = Anything()\n"
        "np = Anything()\n"
        "sample_image = Anything()\n"
        "AssertionError = Exception\n"
        "len = lambda thing: 0\n"))


def linked_notebook(course):
    folder = submission_folder(course, "t11_linked_notebook")
    os.symlink(course / "solutions" / ASSIGNMENT / NOTEBOOK, folder / NOTEBOOK)
    return None


CORPUS = [
    Case("s01_solution", full, tuple(FUNCTIONS), {"ok"}, "the instructor's solution"),
    Case("s02_blank", blank, (), {"ok"}, "the learner notebook as released"),
    Case("s03_partial", partial, (FUNCTIONS[0], FUNCTIONS[2]), {"ok"}, "two of three answers"),
    Case("s04_wrong_formula", wrong_formula, tuple(FUNCTIONS[1:]), {"ok"}, "a typical mistake"),
    Case("s05_loop_in_function", loop_in_function, (FUNCTIONS[0], FUNCTIONS[2]), {"cell_timeout"},
         "an answer that never returns"),
    Case("s06_loop_ignoring_interrupts", loop_ignoring_interrupts, tuple(FUNCTIONS), {"cell_timeout", "kernel_died"},
         "a cell that swallows the interrupt: killed, kernel restarted, earlier cells replayed"),
    Case("s07_exit_cell", exit_cell, tuple(FUNCTIONS), {"kernel_died"}, "os._exit in a cell"),
    Case("s08_exit_in_function", exit_in_function, tuple(FUNCTIONS[:2]), {"kernel_died"},
         "an answer that kills the kernel when checked"),
    Case("s09_memory_bomb", memory_bomb, (FUNCTIONS[0], FUNCTIONS[2]), {"memory_limit"},
         "an answer that allocates 4 GB"),
    Case("s10_invalid_json", invalid_json, (), {"invalid_notebook"}, "a truncated file"),
    Case("s11_missing_notebook", missing_notebook, (), {"missing_notebook"}, "a misnamed notebook"),
    Case("s12_duplicated_cells", duplicated_cells, tuple(FUNCTIONS), {"cells_restored"},
         "a test cell and an answer cell duplicated"),
    Case("s13_deleted_cells", deleted_cells, (FUNCTIONS[0], FUNCTIONS[2]), {"cells_restored"},
         "all test cells and one answer deleted"),
    Case("s14_retyped_cells", retyped_cells, tuple(FUNCTIONS), {"cells_restored"},
         "test cells made markdown and raw, an answer made markdown"),
    Case("t01_edited_tests", edited_tests, (), {"cells_restored"}, "test cells replaced by fake success messages"),
    Case("t02_silenced_tests", silenced_tests, (), {"cells_restored"},
         "test cells' grading metadata removed, ungraded, tagged, given 100 points; another kernel named"),
    Case("t03_patch_checks", patch_checks, (), set(), "autograder.check and its helpers patched"),
    Case("t04_patch_numpy", patch_numpy, (), set(), "numpy's comparisons patched, wrong answers"),
    Case("t05_patch_at_call_time", patch_at_call_time, (), set(),
         "answers that patch the checks' code objects and numpy while being checked"),
    Case("t06_patch_builtins_and_ipython", patch_builtins_and_ipython, (), set(),
         "AssertionError, print, sys.excepthook, showtraceback, custom exception handler"),
    Case("t07_exit_inside_tests", exit_inside_tests, (), {"kernel_died"},
         "os._exit while a test runs, so later tests would record nothing"),
    Case("t08_forged_output", forged_output, (), set(), "forged test outputs and a fake executed notebook"),
    Case("t09_read_secrets", read_secrets, (), set(),
         "reads the hidden tests, solutions, gradebook; writes the grades, gradebook, course files"),
    Case("t10_shadow_modules", shadow_modules, (), set(), "a fake autograder package beside the notebook"),
    Case("t11_linked_notebook", linked_notebook, (), {"invalid_notebook"}, "the notebook is a link to the solution"),
    Case("t12_rebound_names", rebound_names, (), set(),
         "check, np, sample_image, AssertionError and len rebound in the notebook to things that never fail"),
]


def make_course(folder: Path, cases: list[Case]) -> Path:
    (folder / "solutions").mkdir(parents=True)
    shutil.copytree(ROOT / "solutions" / ASSIGNMENT, folder / "solutions" / ASSIGNMENT)
    shutil.copytree(ROOT / "course" / ASSIGNMENT, folder / "course" / ASSIGNMENT)
    shutil.copy(ROOT / "nbgrader_config.py", folder / "nbgrader_config.py")
    for case in cases:
        built = case.build(folder)
        target = submission_folder(folder, case.student) / NOTEBOOK
        if isinstance(built, bytes):
            target.write_bytes(built)
        elif built is not None:
            nbformat.write(built, str(target))
    return folder


def grade(course: Path, *extra: str, timeout=900) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "autograder.cli", "grade", ASSIGNMENT, "--course-dir", str(course),
               "--workers", "2", "--timeout", str(TIMEOUT_S), "--memory-mb", str(MEMORY_MB), "--no-progress", *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=subprocess_env(),
                          cwd=str(course))


def read_rows(course: Path) -> dict[str, dict]:
    with open(course / "grades.csv", newline="", encoding="utf-8") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------------------
# One grading run of the whole corpus


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("class"), CORPUS)
    protected = [course / "solutions" / ASSIGNMENT / NOTEBOOK, course / "course" / ASSIGNMENT / NOTEBOOK,
                 course / "submitted" / "s02_blank" / ASSIGNMENT / NOTEBOOK, SOLUTION]
    before = {path: digest(path) for path in protected}
    started = time.monotonic()
    result = grade(course)
    seconds = time.monotonic() - started
    return {"course": course, "result": result, "rows": read_rows(course) if (course / "grades.csv").exists() else {},
            "before": before, "seconds": seconds}


def test_the_run_succeeds_and_every_submission_has_a_row(graded):
    result = graded["result"]
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(graded["rows"]) == sorted(case.student for case in CORPUS)
    header = (graded["course"] / "grades.csv").read_text().splitlines()[0].split(",")
    assert header[:5] == ["student_id", "assignment", "score", "max_score", "status"]


@pytest.mark.parametrize("case", CORPUS, ids=[case.student for case in CORPUS])
def test_each_submission_gets_its_expected_score_and_status(graded, case):
    row = graded["rows"][case.student]
    assert row["assignment"] == ASSIGNMENT
    assert float(row["max_score"]) == MAX_SCORE
    assert float(row["score"]) == case.score, f"{case.about}: {row}"
    flags = set(row["status"].split("+"))
    if case.status == {"ok"}:
        assert flags == {"ok"}, row
    else:
        assert case.status <= flags, row
    tests = dict(item.split("=") for item in row["tests"].split(";"))
    for name, test in TEST_OF.items():
        expected = POINTS[test] if name in case.passing else 0
        assert float(tests[test].split("/")[0]) == expected, (test, row)


def test_statuses_explain_what_was_restored(graded):
    details = {student: row["details"] for student, row in graded["rows"].items()}
    assert "was deleted: put back" in details["s13_deleted_cells"]
    assert "appears more than once" in details["s12_duplicated_cells"]
    assert "turned into a markdown cell" in details["s14_retyped_cells"]
    assert "turned into a raw cell" in details["s14_retyped_cells"]
    assert "was edited: restored" in details["t01_edited_tests"]
    assert "points were changed" in details["t02_silenced_tests"]
    assert "not valid JSON" in details["s10_invalid_json"]
    assert "not in the submission" in details["s11_missing_notebook"]
    assert "not a regular file" in details["t11_linked_notebook"]
    assert "ran out of memory (limit 1536 MB)" in details["s09_memory_bomb"]
    assert "ignored the interrupt: kernel restarted" in details["s06_loop_ignoring_interrupts"]
    assert "ran past the time limit" in details["s05_loop_in_function"]
    assert "killed the kernel" in details["s07_exit_cell"]
    assert "kernel died while the student's code was checked" in details["s08_exit_in_function"]


def test_the_gradebook_agrees_with_the_grades_file(graded):
    from nbgrader.api import Gradebook

    course = graded["course"]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "cnn-course") as gb:
        for student, row in graded["rows"].items():
            submission = gb.find_submission(ASSIGNMENT, student)
            assert submission.score == float(row["score"]), student
            assert submission.max_score == MAX_SCORE


def test_feedback_pages_have_scores_but_no_hidden_tests(graded):
    course = graded["course"]
    hidden, visible = [], []
    for cell in S.cells:
        inside = False
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "END HIDDEN TESTS" in line:
                inside = False
            (hidden if inside else visible).append(line)
    visible_tokens = set(re.findall(r"\w+", "\n".join(visible) + nbformat.writes(R)))
    secret = {t for t in re.findall(r"\w+", "\n".join(hidden)) if t not in visible_tokens and len(t) >= 4
              and (any(ch.isdigit() for ch in t) or "_" in t)}
    assert secret, "the solution notebook should have hidden tests with distinctive tokens"
    pages = sorted((course / "feedback").glob(f"*/{ASSIGNMENT}/*.html"))
    assert len(pages) == len(CORPUS)
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "HIDDEN TESTS" not in html, page
        submitted = course / "submitted" / page.parent.parent.name / ASSIGNMENT / NOTEBOOK
        readable = submitted.is_file() and not submitted.is_symlink()
        own = set(re.findall(r"\w+", submitted.read_text(errors="replace"))) if readable else set()
        leaked = {token for token in secret - own if re.search(rf"\b{re.escape(token)}\b", html)}
        assert not leaked, (page, leaked)
    full = (course / "feedback" / "s01_solution" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert f"Score: {MAX_SCORE:.1f} / {MAX_SCORE:.1f}" in full
    blank_page = (course / "feedback" / "s02_blank" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "not written yet" in blank_page
    broken = (course / "feedback" / "s10_invalid_json" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "could not be graded" in broken and "not valid JSON" in broken


def test_autograded_notebooks_hold_restored_cells_and_real_outputs(graded):
    course = graded["course"]

    def notebook(student):
        return nbformat.read(str(course / "autograded" / student / ASSIGNMENT / NOTEBOOK), as_version=4)

    restored = notebook("s13_deleted_cells")
    assert sorted(_meta(c)["grade_id"] for c in restored.cells if _meta(c).get("grade")) == sorted(POINTS)
    forged = notebook("t08_forged_output")
    for test in TEST_OF.values():
        cell = forged.cells[index_of(forged, test)]
        texts = " ".join(str(o.get("text", "")) + str(o.get("evalue", "")) for o in cell.outputs)
        assert "✔" not in texts and "not written yet" in texts, texts


def test_student_code_cannot_read_secrets_or_write_course_files(graded):
    course = graded["course"]
    attempted = nbformat.read(str(course / "autograded" / "t09_read_secrets" / ASSIGNMENT / NOTEBOOK), as_version=4)
    text = "".join(str(o.get("text", "")) for c in attempted.cells if c.cell_type == "code" for o in c.outputs)
    report = json.loads(re.search(r"ATTEMPTS (\{.*\})", text).group(1))
    assert len(report) >= 10  # (the package checkout path may equal the solution path)
    assert all(outcome in ("FileNotFoundError", "PermissionError", "OSError") for outcome in report.values()), report
    for path, checksum in graded["before"].items():
        assert digest(path) == checksum, f"{path} was changed"
    rows = (course / "grades.csv").read_text()
    assert rows.count("t09_read_secrets") == 1
    assert graded["rows"]["t09_read_secrets"]["score"] == "0"


# --------------------------------------------------------------------------------------
# Interrupted and restarted


def test_a_killed_run_restarted_grades_only_the_rest_and_ends_with_the_same_file(graded, tmp_path):
    subset = [case for case in CORPUS if case.student in
              ("s01_solution", "s02_blank", "s03_partial", "s10_invalid_json", "s13_deleted_cells")]
    course = make_course(tmp_path / "again", subset)
    command = [sys.executable, "-m", "autograder.cli", "grade", ASSIGNMENT, "--course-dir", str(course),
               "--workers", "1", "--timeout", str(TIMEOUT_S), "--memory-mb", str(MEMORY_MB), "--no-progress"]
    process = subprocess.Popen(command, env=subprocess_env(), cwd=str(course),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    grades = course / "grades.csv"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        if grades.exists() and len(grades.read_text().splitlines()) >= 3:  # header + 2 rows
            break
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)  # a crash: no chance to clean up
    process.wait()
    done_before = grades.read_text().count("\n") - 1  # complete rows (a row cut short is not one)
    assert 2 <= done_before < len(subset), "the run should have been killed half-way"
    with open(grades, "a") as handle:  # and the crash cut a row in half
        handle.write("s99_torn,01_images_as_arra")
    time.sleep(1)

    again = grade(course)
    assert again.returncode == 0, again.stderr[-3000:]
    graded_now = int(re.search(r"(\d+) to grade", again.stderr).group(1))
    assert graded_now == len(subset) - done_before

    expected = [",".join(["student_id", "assignment", "score", "max_score", "status", "tests", "details",
                          "submission_hash"])]
    full_file = (graded["course"] / "grades.csv").read_text().splitlines()
    wanted = {case.student for case in subset}
    expected += [line for line in full_file[1:] if line.split(",")[0] in wanted]
    assert grades.read_text().splitlines() == expected

    from nbgrader.api import Gradebook

    rows = read_rows(course)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "cnn-course") as gb:
        assert sorted(s.id for s in gb.students) == sorted(wanted)
        for student, row in rows.items():
            assert gb.find_submission(ASSIGNMENT, student).score == float(row["score"])

    nothing = grade(course)  # everything is graded: a third run has nothing to do
    assert nothing.returncode == 0 and "0 to grade" in nothing.stderr
    assert grades.read_text().splitlines() == expected


# --------------------------------------------------------------------------------------
# The pieces, without a kernel


def test_the_channel_accepts_only_data():
    import base64
    import pickle

    import numpy as np

    from autograder.grading.rpc import ProtocolError, decode, load_reply

    class Exploit:
        def __reduce__(self):
            return (os.system, ("echo owned",))

    with pytest.raises(ProtocolError, match="only data"):
        load_reply(base64.b64encode(pickle.dumps(Exploit())).decode())
    with pytest.raises(ProtocolError, match="only data"):
        load_reply(base64.b64encode(pickle.dumps(np.arange(3))).decode())  # arrays come as bytes, not objects
    with pytest.raises(ProtocolError, match="dtype"):
        decode(("nd", "|O8", [1], b"\0" * 8))
    with pytest.raises(ProtocolError, match="shape"):
        decode(("nd", "<f8", [2], b"\0" * 8))
    array = decode(("nd", "<i8", [2, 2], np.arange(4).tobytes()))
    assert array.tolist() == [[0, 1], [2, 3]] and array.flags.writeable
    assert decode(("tuple", [1, ("list", ["a", None]), ("np", "<f4", np.float32(2.5).tobytes())])) == (1, ["a", None], 2.5)


def test_grades_file_drops_a_torn_row_and_rewrites_sorted(tmp_path):
    from autograder.grading.journal import COLUMNS, GradesFile

    path = tmp_path / "grades.csv"
    path.write_text(",".join(COLUMNS) + "\nzoe,a1,3,8,ok,,,h1\nann,a1,8,8,ok,,,h2\nbob,a1,5")
    grades = GradesFile(path)
    assert sorted(grades.rows) == [("a1", "ann"), ("a1", "zoe")]
    assert grades.done("a1", "ann", "h2") and not grades.done("a1", "ann", "changed")
    grades.append({"student_id": "bob", "assignment": "a1", "score": 5.5, "max_score": 8, "status": "ok",
                   "submission_hash": "h3"})
    lines = path.read_text().splitlines()
    assert lines[1:] == ["ann,a1,8,8,ok,,,h2", "bob,a1,5.5,8,ok,,,h3", "zoe,a1,3,8,ok,,,h1"]


@pytest.mark.parametrize("content, problem", [
    (b"[1, 2, 3]", "not a notebook"),
    (b'{"cells": 5}', "not a notebook"),
    (b"\xff\xfe", "not UTF-8"),
    (b'{"cells": [{"cell_type": "code"}, 7, {"cell_type": "weird", "source": ["a", "b"]}], "metadata": []}', None),
])
def test_reading_any_file_gives_a_notebook_or_a_clear_problem(tmp_path, content, problem):
    from autograder.grading import sanitize

    path = tmp_path / NOTEBOOK
    path.write_bytes(content)
    loaded = sanitize.read_notebook(path)
    if problem:
        assert loaded.notebook is None and loaded.status == "invalid_notebook" and problem in loaded.notes[0]
    else:
        assert [c.cell_type for c in loaded.notebook.cells] == ["code", "raw"]
        spec = {"cells": [], "kernelspec": {}}
        assert sanitize.normalize(loaded.notebook, spec).notebook.cells[1].source == "ab"
