"""Issue 17, item 2: a class's release-to-feedback loop through nbgrader's exchange, with
real accounts.

Root makes an instructor and three learners (Unix accounts with private homes) and an
exchange folder set up as docs/jupyterhub.md says. Every command then runs as the
account it belongs to (tests/support/class_accounts.py): the instructor generates and
releases 01_images_as_arrays; each learner fetches it, works and submits (one with the
instructor's answers, one with a typical mistake, one hostile: its notebook looks for
answers in every place it should not reach, it hands in a copy under a classmate's name,
and it plants links to the instructor's files in its own submission); the instructor
collects, grades with `autograder grade`, generates and releases feedback; each learner
fetches their feedback. Between the steps, each learner *tries* to read the others' work
and the instructor's files, and to change the exchange. The grades must come out as the
work deserves, and the hostile learner must get nothing it should not.

Each account's `nbgrader` and `python -c` commands run in its session
(class_accounts.Session): forks of one process of that account which imported nbgrader
once, so that a step costs its work, not a Python start-up. Each step prints its duration
(`pytest -rP` shows them; the table is also written to `exchange-steps.txt` in the test's
temporary folder); `autograder grade` takes most of the time.
"""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import os
import re
import shutil
import stat
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT, subprocess_env

sys.path.insert(0, str(ROOT / "tests" / "support"))
import class_accounts as accounts  # noqa: E402
from class_accounts import Account  # noqa: E402

ASSIGNMENT = "01_images_as_arrays"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
COURSE_ID = "cnn-course"
SOLUTION = nbformat.read(str(ROOT / "solutions" / ASSIGNMENT / NOTEBOOK), as_version=4)
COMMON_SETTINGS = accounts.DEPLOY / "jupyter" / "common"

pytestmark = pytest.mark.xdist_group("exchange_loop")
# The loop needs root and the test tools: skipped on a developer's machine without them,
# a failure in CI (accounts.require_accounts).


def _meta(cell) -> dict:
    meta = cell.metadata.get("nbgrader")
    return meta if isinstance(meta, dict) else {}


POINTS = {_meta(c)["grade_id"]: float(_meta(c)["points"]) for c in SOLUTION.cells if _meta(c).get("grade")}
MAX_SCORE = sum(POINTS.values())
ANSWERS = {_meta(c)["grade_id"]: c.source for c in SOLUTION.cells if _meta(c).get("solution")}


# --------------------------------------------------------------------------------------
# Steps and their durations


@dataclass
class Steps:
    """Each step of the loop with its duration, printed as it ends."""
    rows: list[tuple[str, float]] = field(default_factory=list)

    @contextlib.contextmanager
    def step(self, name: str):
        started = time.monotonic()
        yield
        seconds = time.monotonic() - started
        self.rows.append((name, seconds))
        print(f"[exchange] {name}: {seconds:.1f} s", flush=True)

    def table(self) -> str:
        width = max(len(name) for name, _ in self.rows)
        lines = [f"{name.ljust(width)}  {seconds:6.1f} s" for name, seconds in self.rows]
        total = sum(seconds for _, seconds in self.rows)
        return "\n".join([*lines, f"{'total'.ljust(width)}  {total:6.1f} s"])


# --------------------------------------------------------------------------------------
# The class


@dataclass
class ClassRoom:
    base: Path
    exchange: Path
    instructor: Account
    right: Account
    mistake: Account
    hostile: Account
    view: accounts.View
    sessions: dict[str, accounts.Session] = field(default_factory=dict)
    steps: Steps = field(default_factory=Steps)
    markers: dict[str, str] = field(default_factory=dict)  # learner name → a token only its work contains

    @property
    def learners(self) -> list[Account]:
        return [self.right, self.mistake, self.hostile]

    @property
    def course(self) -> Path:
        return self.instructor.home / "cnn-course"

    @property
    def course_exchange(self) -> Path:
        return self.exchange / COURSE_ID

    def env(self, account: Account, **extra: str) -> dict[str, str]:
        return accounts.account_environment(account, JUPYTER_CONFIG_PATH=str(COMMON_SETTINGS),
                                            CNN_COURSE_EXCHANGE=str(self.exchange), **extra)

    def run(self, account: Account, *argv: str, cwd: Path | None = None, timeout: float = 600) -> accounts.Outcome:
        return accounts.run_as(account, list(argv), self.view, cwd=cwd, env=self.env(account), timeout=timeout)

    def open_sessions(self) -> None:
        """One session per account (class_accounts.Session), started side by side."""
        for account in (self.instructor, *self.learners):
            preload = ("autograder.exchange",) if account is self.instructor else ()
            self.sessions[account.name] = accounts.Session(account, self.view, self.env(account), preload)
        for session in self.sessions.values():
            session.wait_ready()

    def close_sessions(self) -> None:
        for session in self.sessions.values():
            session.close()

    def nbgrader(self, account: Account, *args: str, cwd: Path | None = None) -> accounts.Outcome:
        """`nbgrader ARGS` as ``account``."""
        return self.sessions[account.name].run(["nbgrader", *args], cwd=cwd).check()

    def python(self, account: Account, code: str, *args: str, cwd: Path | None = None) -> accounts.Outcome:
        """`python -c CODE ARGS` as ``account``."""
        return self.sessions[account.name].run(["python", "-c", code, *args], cwd=cwd).check()

    def each_learner(self, action) -> dict[str, object]:
        """``action(learner)`` for the three learners at once, as a class would."""
        with ThreadPoolExecutor(max_workers=3) as pool:
            futures = {learner.name: pool.submit(action, learner) for learner in self.learners}
        return {name: future.result() for name, future in futures.items()}


@pytest.fixture(scope="module")
def classroom():
    accounts.require_accounts()
    base = accounts.shared_temporary_folder("cnn-exchange-")
    homes = base / "home"
    homes.mkdir(mode=0o755)
    exchange = base / "exchange"
    exchange.mkdir()
    exchange.chmod(0o1777)  # everyone may add, nobody may rename or remove another's folder
    stem = accounts.unique_prefix("cnx")
    made: list[Account] = []
    try:
        for role in ("i", "r", "m", "h"):
            made.append(accounts.create_account(f"{stem}{role}", homes))
        instructor, right, mistake, hostile = made
        # the course's folder in the exchange belongs to its instructor from the start, so
        # that no learner can take the name first (docs/jupyterhub.md)
        (exchange / COURSE_ID).mkdir(mode=0o755)
        os.chown(exchange / COURSE_ID, instructor.uid, instructor.gid)
        room = ClassRoom(base, exchange, instructor, right, mistake, hostile, accounts.course_environment_view())
        try:
            with room.steps.step("everyone: a session with nbgrader imported (4 at once)"):
                room.open_sessions()
            yield room
        finally:
            room.close_sessions()
    finally:
        for account in made:
            accounts.remove_account(account)
        shutil.rmtree(base, ignore_errors=True)


# --------------------------------------------------------------------------------------
# Checks on files


def assert_owned(path: Path, account: Account, mode: int | None = None) -> None:
    info = path.lstat()
    assert info.st_uid == account.uid, f"{path} belongs to uid {info.st_uid}, not {account.name}"
    if mode is not None:
        assert stat.S_IMODE(info.st_mode) == mode, f"{path} has mode {oct(stat.S_IMODE(info.st_mode))}, not {oct(mode)}"


def assert_all_denied(outcomes: dict[str, str], who: Account) -> None:
    allowed = {label: outcome for label, outcome in outcomes.items() if outcome != "PermissionError"}
    assert not allowed, f"{who.name} was not stopped: {allowed}"


def notebook_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------
# What the learners write


def learner_answer(grade_id: str, author: Account, marker: str) -> str:
    """The instructor's answer without nbgrader's markers, signed by its author."""
    lines = [line for line in ANSWERS[grade_id].splitlines()
             if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
    return f"# {author.name}'s own work {marker}\n" + "\n".join(lines) + "\n"


def swapped_weights(source: str) -> str:
    """The typical mistake of to_grayscale: red and blue weights swapped."""
    wrong = source.replace("0.299 * red", "0.299 * blue").replace("0.114 * blue", "0.114 * red")
    assert wrong != source
    return wrong


HOSTILE_SEARCH = r'''
# Looking for answers in every place this account can reach, and using them.
import glob, json, os
_attempts, _stolen = {}, {}

def _look(path):
    try:
        if os.stat(path).st_uid == os.getuid() and path not in TARGETS:
            return  # its own files
        if os.path.isdir(path):
            _attempts[path] = "LISTED %d" % len(os.listdir(path))
            return
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
        _attempts[path] = "READ"
    except Exception as error:
        _attempts[path] = type(error).__name__
        return
    try:
        cells = json.loads(text)["cells"]
    except Exception:
        return
    for cell in cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        source = "".join(cell.get("source", ""))
        if grade_id in ("to_grayscale", "resize_nearest") and "NotImplementedError" not in source:
            _stolen[grade_id] = source

for _path in TARGETS + [found for pattern in PATTERNS for found in glob.glob(pattern)]:
    _look(_path)
print("ATTEMPTS " + json.dumps(_attempts, sort_keys=True))
print("STOLEN " + json.dumps(sorted(_stolen)))
'''


def hostile_search(room: ClassRoom) -> str:
    """The hostile notebook's search: classmates' homes, the instructor's course, the
    exchange's private folders, and (when graded) the other submissions beside its own."""
    course = room.course
    targets = [str(course / "solutions" / ASSIGNMENT / NOTEBOOK), str(course / "gradebook.db"),
               str(course / "solutions"), str(course / "submitted"), str(course / "autograded"),
               str(room.course_exchange / "inbound"), str(room.course_exchange / "feedback"),
               "stolen_solution.ipynb", "gradebook_copy.sqlite",
               f"../../../solutions/{ASSIGNMENT}/{NOTEBOOK}", "../../../gradebook.db"]
    for learner in (room.right, room.mistake):
        targets += [str(learner.home), str(learner.home / ASSIGNMENT / NOTEBOOK),
                    str(learner.home / ".local" / "share" / "jupyter" / "nbgrader_cache"),
                    f"../../{learner.name}/{ASSIGNMENT}/{NOTEBOOK}"]
    patterns = [str(room.base / "home" / "*" / ASSIGNMENT / "*.ipynb"),
                str(room.course_exchange / "inbound" / "*" / "*.ipynb"),
                f"../../*/{ASSIGNMENT}/*.ipynb", str(course / "submitted" / "*" / ASSIGNMENT / "*.ipynb")]
    return f"TARGETS = {targets!r}\nPATTERNS = {patterns!r}\n" + HOSTILE_SEARCH


def hostile_answer(grade_id: str) -> str:
    """An answer cell that uses whatever the search stole, else stays unanswered."""
    stub = ANSWERS[grade_id].split("### BEGIN SOLUTION")[0] + "    raise NotImplementedError()\n"
    return f"exec(_stolen.get({grade_id!r}, {stub!r}))\n"


# Run by each learner, as themselves, on their fetched notebook: replaces answer cells
# (by grade id) and may insert a cell after the imports.
EDIT_NOTEBOOK = r'''
import json, sys
import nbformat
path, plan = sys.argv[1], json.loads(sys.argv[2])
notebook = nbformat.read(path, as_version=4)
for cell in notebook.cells:
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
    if grade_id in plan["answers"]:
        cell.source = plan["answers"][grade_id]
if plan.get("insert_after_imports"):
    where = next(i for i, c in enumerate(notebook.cells) if "from autograder import check" in c.source)
    notebook.cells.insert(where + 1, nbformat.v4.new_code_cell(plan["insert_after_imports"]))
nbformat.write(notebook, path)
'''


def work_plan(room: ClassRoom, learner: Account) -> dict:
    marker = room.markers[learner.name]
    if learner is room.right:
        return {"answers": {name: learner_answer(name, learner, marker) for name in ANSWERS}}
    if learner is room.mistake:
        answers = {name: learner_answer(name, learner, marker) for name in ANSWERS}
        answers["to_grayscale"] = swapped_weights(answers["to_grayscale"])
        return {"answers": answers}
    answers = {name: hostile_answer(name) for name in ("to_grayscale", "resize_nearest")}
    answers["dense_params"] = learner_answer("dense_params", learner, marker)
    return {"answers": answers, "insert_after_imports": hostile_search(room)}


PLANT_LINKS = r'''
import json, os, sys
for name, target in json.loads(sys.argv[2]).items():
    os.symlink(target, os.path.join(sys.argv[1], name))
'''

COPY_FOLDER = r'''
import shutil, sys
shutil.copytree(sys.argv[1], sys.argv[2])
'''


# --------------------------------------------------------------------------------------
# Probes: what one account tries against the others


def classmates_attempts(room: ClassRoom, learner: Account) -> dict[str, tuple[str, Path]]:
    attempts = {
        "list the exchange's inbound": ("list", room.course_exchange / "inbound"),
        "read the instructor's course": ("list", room.course),
        "read the instructor's solutions": ("read", room.course / "solutions" / ASSIGNMENT / NOTEBOOK),
        "read the gradebook": ("read", room.course / "gradebook.db"),
        "change the released notebook": ("write", room.course_exchange / "outbound" / ASSIGNMENT / NOTEBOOK),
        "add a file to the release": ("create", room.course_exchange / "outbound" / ASSIGNMENT),
        "add a folder to the course's exchange": ("create", room.course_exchange),
        "rename the course's exchange folder": ("rename", room.course_exchange),
    }
    for other in room.learners:
        if other is not learner:
            attempts[f"read {other.name}'s home"] = ("list", other.home)
            attempts[f"read {other.name}'s notebook"] = ("read", other.home / ASSIGNMENT / NOTEBOOK)
            attempts[f"read {other.name}'s submission cache"] = (
                "list", other.home / ".local" / "share" / "jupyter" / "nbgrader_cache" / COURSE_ID)
    return attempts


def feedback_attempts(room: ClassRoom, learner: Account) -> dict[str, tuple[str, Path]]:
    attempts = {
        "list the released feedback": ("list", room.course_exchange / "feedback"),
        "read the instructor's feedback folder": ("list", room.course / "feedback"),
        "read the autograded notebooks": ("list", room.course / "autograded"),
        "read grades.csv": ("read", room.course / "grades.csv"),
    }
    for other in room.learners:
        if other is not learner:
            attempts[f"read {other.name}'s fetched feedback"] = ("list", other.home / ASSIGNMENT / "feedback")
    return attempts


# --------------------------------------------------------------------------------------
# Grading: the interface of `autograder grade` only


def grade_class(room: ClassRoom) -> accounts.Outcome:
    """`autograder grade` on the instructor's course, run by the instructor (its bubblewrap
    sandbox needs no root, docs/grading.md)."""
    argv = ["autograder", "grade", ASSIGNMENT, "--course-dir", str(room.course), "--workers", "2",
            "--timeout", "120", "--memory-mb", "2048", "--no-progress"]
    return room.run(room.instructor, *argv, cwd=room.course, timeout=1200)


def read_grades(room: ClassRoom) -> dict[str, dict]:
    with open(room.course / "grades.csv", newline="", encoding="utf-8") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle) if row["assignment"] == ASSIGNMENT}


def test_scores(row: dict) -> dict[str, float]:
    return {name: float(score.split("/")[0]) for name, score in (item.split("=") for item in row["tests"].split(";"))}


test_scores.__test__ = False  # a helper, not a test


def cell_outputs(path: Path) -> str:
    notebook = nbformat.read(str(path), as_version=4)
    return "".join(str(o.get("text", "")) for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", []))


# --------------------------------------------------------------------------------------
# The loop


@pytest.mark.needs_test_tools
def test_release_to_feedback_with_real_accounts(classroom: ClassRoom, tmp_path):
    room = classroom
    steps = room.steps
    instructor = room.instructor
    room.markers = {learner.name: f"mark-{os.urandom(6).hex()}" for learner in room.learners}
    for account in (instructor, *room.learners):
        assert_owned(account.home, account, 0o700)

    with steps.step("instructor: copy of the course (solutions/ + nbgrader_config.py)"):
        (room.course / "solutions").mkdir(parents=True)
        shutil.copytree(ROOT / "solutions" / ASSIGNMENT, room.course / "solutions" / ASSIGNMENT)
        shutil.copy(ROOT / "nbgrader_config.py", room.course / "nbgrader_config.py")
        subprocess.run(["chown", "-R", f"{instructor.uid}:{instructor.gid}", str(room.course)], check=True)

    with steps.step("instructor: nbgrader generate_assignment"):
        room.nbgrader(instructor, "generate_assignment", ASSIGNMENT, cwd=room.course)
    release = room.course / "course" / ASSIGNMENT / NOTEBOOK
    assert_owned(room.course / "gradebook.db", instructor)
    committed = nbformat.read(str(ROOT / "course" / ASSIGNMENT / NOTEBOOK), as_version=4)
    generated = nbformat.read(str(release), as_version=4)
    assert [c.source for c in generated.cells] == [c.source for c in committed.cells], \
        "the release generated from solutions/ differs from the committed course/ notebook"

    with steps.step("instructor: nbgrader release_assignment"):
        room.nbgrader(instructor, "release_assignment", ASSIGNMENT, cwd=room.course)
    outbound = room.course_exchange / "outbound" / ASSIGNMENT
    assert_owned(outbound, instructor, 0o755)
    assert_owned(outbound / NOTEBOOK, instructor, 0o644)
    assert_owned(room.course_exchange / "inbound", instructor, 0o2733)  # learners may add, not list
    released = notebook_text(outbound / NOTEBOOK)
    for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "seed=2718", "0.587 * green"):
        assert secret not in released, f"the release contains {secret!r}"
    assert not (outbound / f"{ASSIGNMENT}.nb.py").exists()

    with steps.step("learners: nbgrader fetch_assignment (3 at once)"):
        room.each_learner(lambda learner: room.nbgrader(learner, "fetch_assignment", ASSIGNMENT))
    for learner in room.learners:
        fetched = learner.home / ASSIGNMENT / NOTEBOOK
        assert_owned(fetched, learner)
        assert notebook_text(fetched) == released

    with steps.step("learners: work on the notebook (3 at once)"):
        room.each_learner(lambda learner: room.python(
            learner, EDIT_NOTEBOOK, str(learner.home / ASSIGNMENT / NOTEBOOK), json.dumps(work_plan(room, learner))))
    for learner in room.learners:
        assert_owned(learner.home / ASSIGNMENT / NOTEBOOK, learner)

    with steps.step("right and mistake learners: nbgrader submit"):
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda learner: room.nbgrader(learner, "submit", ASSIGNMENT), [room.right, room.mistake]))

    hostile = room.hostile
    with steps.step("hostile learner: runs its search as itself"):
        search = room.python(hostile, hostile_search(room), cwd=hostile.home / ASSIGNMENT).stdout
    attempts = json.loads(re.search(r"ATTEMPTS (\{.*\})", search).group(1))
    assert json.loads(re.search(r"STOLEN (\[.*\])", search).group(1)) == [], search
    reached = {path: outcome for path, outcome in attempts.items()
               if outcome not in ("PermissionError", "FileNotFoundError")}
    assert not reached, f"the hostile learner reached {reached}"
    assert attempts[str(room.right.home / ASSIGNMENT / NOTEBOOK)] == "PermissionError"
    assert attempts[str(room.course / "solutions" / ASSIGNMENT / NOTEBOOK)] == "PermissionError"

    with steps.step("hostile learner: nbgrader submit"):
        submitted = room.nbgrader(hostile, "submit", ASSIGNMENT)
    # nbgrader tells the learner where its submission went (the folder's name is secret otherwise)
    own_folder = Path(re.search(r"Destination: (.+)", submitted.stdout + submitted.stderr).group(1).strip())
    assert own_folder.parent == room.course_exchange / "inbound"

    with steps.step("hostile learner: plants links to the instructor's files in its submission"):
        room.python(hostile, PLANT_LINKS, str(own_folder), json.dumps({
            "stolen_solution.ipynb": str(room.course / "solutions" / ASSIGNMENT / NOTEBOOK),
            "gradebook_copy.sqlite": str(room.course / "gradebook.db")}))

    with steps.step("hostile learner: submits a blank copy under the right learner's name"):
        decoy = hostile.home / "decoy"
        room.python(hostile, COPY_FOLDER, str(outbound), str(decoy / ASSIGNMENT))
        room.nbgrader(hostile, "submit", ASSIGNMENT, f"--student={room.right.name}", cwd=decoy)

    inbound = sorted((room.course_exchange / "inbound").iterdir())
    makers = sorted((path.name.split("+")[0], path.stat().st_uid) for path in inbound)
    # each folder belongs to whoever made it, whatever name it claims (the decoy: the hostile learner)
    assert makers == sorted([(room.right.name, room.right.uid), (room.mistake.name, room.mistake.uid),
                             (hostile.name, hostile.uid), (room.right.name, hostile.uid)]), makers
    for path in inbound:
        # nbgrader's exchange hides submissions by name: student+assignment+time+random
        assert re.fullmatch(rf"[a-z0-9]+\+{ASSIGNMENT}\+[^+]+\+[A-Za-z0-9_-]{{12}}", path.name), path.name
    for learner in room.learners:
        assert_owned(learner.home / ".local" / "share" / "jupyter" / "nbgrader_cache", learner)

    with steps.step("learners: try to reach each other's work and the instructor's files (3 at once)"):
        tried = room.each_learner(lambda learner: accounts.try_as(learner, classmates_attempts(room, learner),
                                                                  room.view))
    for learner in room.learners:
        assert_all_denied(tried[learner.name], learner)

    with steps.step("instructor: nbgrader collect"):
        collected = room.nbgrader(instructor, "collect", ASSIGNMENT, cwd=room.course)
    log = collected.stdout + collected.stderr
    assert f"claims to be by {room.right.name} but was made by {hostile.name}" in log, log
    assert "not copied for grading: links (2)" in log, log  # stolen_solution.ipynb, gradebook_copy.sqlite
    for learner in room.learners:
        folder = room.course / "submitted" / learner.name / ASSIGNMENT
        assert_owned(folder / NOTEBOOK, instructor)
        assert room.markers[learner.name] in notebook_text(folder / NOTEBOOK), f"{learner.name}'s own work"
    hostile_files = sorted(p.name for p in (room.course / "submitted" / hostile.name / ASSIGNMENT).iterdir())
    assert hostile_files == sorted([NOTEBOOK, "submission_secret.txt", "timestamp.txt"]), hostile_files

    with steps.step("instructor: autograder grade"):
        graded = grade_class(room)
    summary = (graded.stdout.strip().splitlines() or graded.stderr.strip().splitlines() or [""])[-1]
    print(f"[exchange] {summary}")
    graded.check()
    for written in ("grades.csv", "gradebook.db", "autograded", f"autograded/{hostile.name}/{ASSIGNMENT}/{NOTEBOOK}"):
        assert_owned(room.course / written, instructor)
    grades = read_grades(room)
    assert sorted(grades) == sorted(learner.name for learner in room.learners), grades
    right, mistake, hostile_row = (grades[learner.name] for learner in room.learners)
    assert float(right["score"]) == MAX_SCORE == float(right["max_score"]), right
    assert test_scores(right) == POINTS, right
    assert test_scores(mistake) == {**POINTS, "to_grayscale_test": 0.0}, mistake
    assert float(mistake["score"]) == MAX_SCORE - POINTS["to_grayscale_test"], mistake
    assert test_scores(hostile_row) == {name: (points if name == "dense_params_test" else 0.0)
                                        for name, points in POINTS.items()}, hostile_row
    assert float(hostile_row["score"]) == POINTS["dense_params_test"], hostile_row
    graded_hostile = cell_outputs(room.course / "autograded" / hostile.name / ASSIGNMENT / NOTEBOOK)
    at_grading = json.loads(re.search(r"ATTEMPTS (\{.*\})", graded_hostile).group(1))
    assert len(at_grading) >= 19, at_grading
    reached = {path: outcome for path, outcome in at_grading.items()
               if outcome not in ("PermissionError", "FileNotFoundError")}
    assert not reached, f"while graded, the hostile notebook reached {reached}"
    assert "STOLEN []" in graded_hostile

    with steps.step("instructor: nbgrader generate_feedback --force"):
        # the pages `autograder grade` wrote lack the timestamp.txt release_feedback needs
        room.nbgrader(instructor, "generate_feedback", ASSIGNMENT, "--force", cwd=room.course)
    pages = {learner.name: room.course / "feedback" / learner.name / ASSIGNMENT / f"{ASSIGNMENT}.html"
             for learner in room.learners}
    assert "red and blue weights swapped" in pages[room.mistake.name].read_text(), "the mistake is named"
    for page in pages.values():
        assert_owned(page, instructor)
        assert "BEGIN HIDDEN TESTS" not in page.read_text() and "seed=2718" not in page.read_text()

    with steps.step("instructor: nbgrader release_feedback"):
        room.nbgrader(instructor, "release_feedback", ASSIGNMENT, cwd=room.course)
    released_feedback = room.course_exchange / "feedback"
    assert_owned(released_feedback, instructor, 0o711)  # learners may open a file they can name, not list
    names = sorted(path.name for path in released_feedback.iterdir())
    assert len(names) == 3 and all(re.fullmatch(r"[0-9a-f]{32}\.html", name) for name in names), names

    with steps.step("learners: nbgrader fetch_feedback (3 at once)"):
        room.each_learner(lambda learner: room.nbgrader(learner, "fetch_feedback", ASSIGNMENT))
    expected_score = {room.right.name: MAX_SCORE, room.mistake.name: MAX_SCORE - POINTS["to_grayscale_test"],
                      room.hostile.name: POINTS["dense_params_test"]}
    for learner in room.learners:
        fetched = sorted((learner.home / ASSIGNMENT / "feedback").rglob("*.html"))
        assert len(fetched) == 1 and fetched[0].name == f"{ASSIGNMENT}.html", fetched
        assert_owned(fetched[0], learner)
        page = fetched[0].read_text()
        assert f"Score: {expected_score[learner.name]:.1f} / {MAX_SCORE:.1f}" in page, (learner.name, page[:2000])
        assert room.markers[learner.name] in page
        others = [name for name, marker in room.markers.items() if name != learner.name and marker in page]
        assert not others, f"{learner.name}'s feedback shows the work of {others}"
        assert "BEGIN HIDDEN TESTS" not in page and "seed=2718" not in page
    hostile_page = next((hostile.home / ASSIGNMENT / "feedback").rglob("*.html")).read_text()
    assert "0.587 * green" not in hostile_page and "STOLEN []" in hostile_page

    with steps.step("learners: try to reach each other's feedback and the grades (3 at once)"):
        tried = room.each_learner(lambda learner: accounts.try_as(learner, feedback_attempts(room, learner),
                                                                  room.view))
    for learner in room.learners:
        assert_all_denied(tried[learner.name], learner)

    table = steps.table()
    (tmp_path / "exchange-steps.txt").write_text(table + "\n")
    print("\n" + table)


# --------------------------------------------------------------------------------------
# SafeCollect on its own (any user)


def _safe_collect(ignore=(".ipynb_checkpoints", "*.db")):
    from nbgrader.coursedir import CourseDirectory

    from autograder.exchange import SafeCollect

    return SafeCollect(coursedir=CourseDirectory(ignore=list(ignore)), log=logging.getLogger("safe-collect-test"))


def test_safe_collect_copies_files_but_no_links_or_special_files(tmp_path, caplog):
    """SafeCollect reads the folder as `autograder grade` reads a submission."""
    secret = tmp_path / "instructor" / "solution.ipynb"
    secret.parent.mkdir()
    secret.write_text("the answers")
    submission = tmp_path / "inbound" / "ada+01+2026-01-01 10:00:00.000000 UTC+abcdefghijkl"
    (submission / "data").mkdir(parents=True)
    (submission / NOTEBOOK).write_text("{}")
    (submission / "data" / "notes.txt").write_text("mine")
    (submission / "gradebook.db").write_text("ignored by CourseDirectory.ignore")
    (submission / "stolen.ipynb").symlink_to(secret)
    (submission / "data" / "elsewhere").symlink_to(secret.parent, target_is_directory=True)
    os.mkfifo(submission / "pipe.ipynb")
    os.link(secret, submission / "hard.ipynb")
    destination = tmp_path / "submitted" / "ada" / "01"
    with caplog.at_level(logging.WARNING, logger="safe-collect-test"):
        _safe_collect().do_copy(str(submission), str(destination))
    copied = sorted(str(path.relative_to(destination)) for path in destination.rglob("*"))
    assert copied == ["01_images_as_arrays.ipynb", "data", "data/notes.txt"]
    assert not any(path.is_symlink() for path in destination.rglob("*"))
    warnings = caplog.text
    assert "links (2)" in warnings  # stolen.ipynb, data/elsewhere
    assert "files that are not a regular file" in warnings  # pipe.ipynb
    assert "files that are a hard link to another file" in warnings  # hard.ipynb


def test_safe_collect_refuses_a_link_in_place_of_the_submission(tmp_path):
    solutions = tmp_path / "instructor" / "solutions"
    solutions.mkdir(parents=True)
    (solutions / NOTEBOOK).write_text("the answers")
    link = tmp_path / "inbound" / "ada+01+2026-01-01 10:00:00.000000 UTC+abcdefghijkl"
    link.parent.mkdir()
    link.symlink_to(solutions, target_is_directory=True)
    with pytest.raises(OSError):
        _safe_collect().do_copy(str(link), str(tmp_path / "submitted" / "ada" / "01"))
    assert not (tmp_path / "submitted" / "ada" / "01" / NOTEBOOK).exists()


def test_safe_collect_counts_a_folder_only_for_its_owner(tmp_path, caplog):
    import pwd

    me = pwd.getpwuid(os.getuid()).pw_name
    collect = _safe_collect()
    own = tmp_path / f"{me}+01+2026-01-01 10:00:00.000000 UTC+abcdefghijkl"
    forged = tmp_path / "someone-else+01+2026-01-02 10:00:00.000000 UTC+mnopqrstuvwx"
    own.mkdir()
    forged.mkdir()
    assert collect._path_to_record(str(own))["username"] == me
    with caplog.at_level(logging.WARNING, logger="safe-collect-test"):
        impostor = collect._path_to_record(str(forged))["username"]
    assert impostor != "someone-else" and impostor.startswith(collect._IMPOSTOR)
    assert f"claims to be by someone-else but was made by {me}" in caplog.text
