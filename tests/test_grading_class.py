"""Grading a class end to end (`autograder grade`, issues 7 and 14).

One grading run with two workers on the default local Dask cluster grades the whole
corpus of tests/grading_corpus.py (honest, broken, tampering and hostile submissions):
each must get its expected score and status, no attack may reach the network, a
classmate, the grader's secrets or the course's files, nothing a submission started may
outlive the run, and outputs stay bounded. Some of the same submissions are then graded
on a real Dask cluster by an ordinary user, interrupted twice, and must end with the
same rows. The last tests check pieces without a kernel.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

from conftest import BIN, subprocess_env
from grading_corpus import (ASSIGNMENT, EVERYTHING, LISTENER, MAX_SCORE, MEMORY_MB, NOTEBOOK, OUTLIVER, POINTS,
                            SECRET_ENV, SECRET_VALUE, SOLUTION, SOLUTIONS_COPY, TEST_OF, R, S, _meta,
                            digest, grade, grade_command, index_of, make_course, read_rows, remove_course,
                            run_once, start_listener)

pytestmark = [pytest.mark.xdist_group("grading_class"), pytest.mark.needs_test_tools]
RUN_LIMIT_S = 1200  # the whole corpus, two workers, a loaded two-core machine


# --------------------------------------------------------------------------------------
# One grading run of the whole corpus


def _outliving_processes() -> list[str]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                text = handle.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if f"time.sleep({OUTLIVER})" in text:
            found.append(f"{entry}: {text}")
    return found


def _grade_corpus(folder: Path) -> dict:
    listener = start_listener()
    try:
        course = make_course(folder / "course", EVERYTHING)
        SOLUTIONS_COPY.mkdir(exist_ok=True)
        (SOLUTIONS_COPY / NOTEBOOK).write_bytes(SOLUTION.read_bytes())
        os.chmod(SOLUTIONS_COPY, 0o755)
        os.chmod(SOLUTIONS_COPY / NOTEBOOK, 0o644)
        protected = [course / "solutions" / ASSIGNMENT / NOTEBOOK, course / "course" / ASSIGNMENT / NOTEBOOK,
                     course / "submitted" / "s02_blank" / ASSIGNMENT / NOTEBOOK, SOLUTION]
        before = {str(path): digest(path) for path in protected}
        started = time.monotonic()
        result = grade(course, **{SECRET_ENV: SECRET_VALUE})
        seconds = time.monotonic() - started
        time.sleep(1)
        return {"course": str(course), "returncode": result.returncode, "stderr": result.stderr[-5000:],
                "before": before, "seconds": seconds, "leftovers": _outliving_processes(),
                "connections": LISTENER["connections"]}
    finally:
        listener.close()
        shutil.rmtree(SOLUTIONS_COPY, ignore_errors=True)
        remove_course(folder / "course" / "submitted" / "h20_deep_tree" / ASSIGNMENT / "d")  # see remove_course


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The corpus graded once per session (tests/grading_corpus.py: run_once); its course
    stays in pytest's temporary folder, without the deep tree, which would break its clean-up.
    A second pytest-xdist worker that would wait for it runs the cluster's grading meanwhile."""
    found = run_once(tmp_path_factory, "corpus", _grade_corpus,
                     while_waiting=lambda: run_once(tmp_path_factory, "cluster", _grade_on_a_cluster))
    course = Path(found["course"])
    return {**found, "course": course, "before": {Path(p): d for p, d in found["before"].items()},
            "rows": read_rows(course) if (course / "grades.csv").exists() else {}}


def test_the_run_succeeds_and_every_submission_has_a_row(graded):
    assert graded["returncode"] == 0, graded["stderr"][-3000:]
    assert sorted(graded["rows"]) == sorted(case.student for case in EVERYTHING)
    assert graded["seconds"] < RUN_LIMIT_S, f"the corpus took {graded['seconds']:.0f} s"
    header = (graded["course"] / "grades.csv").read_text().splitlines()[0].split(",")
    assert header[:5] == ["student_id", "assignment", "score", "max_score", "status"]


@pytest.mark.parametrize("case", EVERYTHING, ids=[case.student for case in EVERYTHING])
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
    assert "is a link, not the notebook itself" in details["t11_linked_notebook"]
    assert f"more than {MEMORY_MB} MB" in details["s09_memory_bomb"]
    assert f"more than {MEMORY_MB} MB" in details["h06_memory_split"]
    assert "filled its disk space" in details["h07_disk_fill"]
    assert "hard link" in details["h15_hard_link_victim"] and "hard link" in details["h16_hard_linked_notebook"]
    assert "link" in details["h18_linked_student_folder"]
    assert "not copied for grading: links (2)" in details["h17_linked_data_files"]
    refused = details["h17_linked_data_files"]  # (run as root, collection reads as nobody: unreadable first)
    assert "hard link" in refused or "unreadable (Permission denied)" in refused, refused
    assert "deeper than" in details["h20_deep_tree"]
    assert re.search(r"has 50\d\d code cells, more than the 4000", details["h12_thousands_of_cells"])
    assert "not UTF-8" in details["h21 odd, ünïcode name"]
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
    assert len(pages) == len(EVERYTHING) - 1  # all but the student whose folder is a link
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


def _printed(course: Path, student: str) -> str:
    notebook = nbformat.read(str(course / "autograded" / student / ASSIGNMENT / NOTEBOOK), as_version=4)
    return "".join(str(o.get("text", "")) + str(o.get("evalue", "")) for c in notebook.cells if c.cell_type == "code"
                   for o in c.outputs)


def test_submissions_reach_no_network_no_classmate_and_leave_no_process(graded):
    course = graded["course"]
    assert graded["connections"] == 0
    network = re.search(r"NETWORK (\[.*\])", _printed(course, "h04_network")).group(1)
    assert "CONNECTED" not in network and "OSError" in network or "Error" in network, network
    assert re.search(r"CLASSMATES \[\] \[\]", _printed(course, "h05_classmate_kernel"))
    assert graded["leftovers"] == [], graded["leftovers"]
    signalled = re.search(r"SIGNALLED (\[.*\])", _printed(course, "h09_signals")).group(1)
    assert json.loads(signalled) in ([], [1]), signalled  # at most its own namespace's init, which ignores it


def test_submissions_see_neither_the_graders_environment_nor_other_processes(graded):
    text = _printed(graded["course"], "h08_environment_and_proc")
    assert SECRET_VALUE not in text and SECRET_ENV not in text
    processes = int(re.search(r"PROCESSES \[.*?\] (\d+)", text).group(1))
    assert processes <= 2, text[:2000]  # the namespace's init and the kernel
    seen = text.split("PROCTEXT", 1)[1]
    for word in ("pytest", "dask", "autograder.cli", "grader-only", str(graded["course"])):
        assert word not in seen, word


def test_links_and_hard_links_are_not_followed(graded):
    text = _printed(graded["course"], "h17_linked_data_files")
    assert "FILE secret.txt FileNotFoundError" in text
    assert "FILE hostname.txt FileNotFoundError" in text
    assert "FILE answers.ipynb FileNotFoundError" in text
    assert "FILE mine.txt my own notes" in text
    assert "SECRET-of-the-grader" not in text
    autograded = graded["course"] / "autograded" / "h17_linked_data_files" / ASSIGNMENT
    assert sorted(p.name for p in autograded.iterdir()) == [NOTEBOOK, "mine.txt"]


def test_outputs_and_pages_stay_small(graded):
    course = graded["course"]
    flood = set(graded["rows"]["h22_output_flood"]["status"].split("+"))
    assert flood & {"output_truncated", "cell_timeout"}, flood  # cut to the limits, or stopped
    for student in ("h22_output_flood", "h13_huge_notebook", "h14_hundreds_of_cells"):
        autograded = course / "autograded" / student / ASSIGNMENT / NOTEBOOK
        page = course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
        assert autograded.stat().st_size < 40 * 2**20, (student, autograded.stat().st_size)
        assert page.stat().st_size < 40 * 2**20, (student, page.stat().st_size)


def test_the_journal_has_every_test_of_every_submission(graded):
    lines = (graded["course"] / "grading-journal.jsonl").read_text(encoding="utf-8").splitlines()
    entries = {entry["student"]: entry for entry in map(json.loads, lines)}
    assert sorted(entries) == sorted(graded["rows"])
    blank = entries["s02_blank"]["notebooks"][0]["tests"]
    assert [t["grade_id"] for t in blank] == list(POINTS)
    assert all(t["error"] == "CheckFailure" and "not written yet" in t["message"] for t in blank)
    assert all(t["mistake"] is None for t in blank)
    swapped = {t["grade_id"]: t for t in entries["s04_wrong_formula"]["notebooks"][0]["tests"]}
    assert swapped[TEST_OF["to_grayscale"]]["mistake"].startswith("red and blue weights swapped")
    assert swapped[TEST_OF["dense_params"]]["mistake"] is None and swapped[TEST_OF["dense_params"]]["error"] is None


def test_the_class_report_of_the_run_names_the_mistakes_the_kernels_reported(graded, tmp_path):
    """Issue 17: the known mistake a failing check named reaches the journal from a real
    kernel, and `autograder report` on this run agrees with grades.csv."""
    import csv

    from autograder.cli import main

    lines = (graded["course"] / "grading-journal.jsonl").read_text(encoding="utf-8").splitlines()
    entries = {entry["student"]: entry for entry in map(json.loads, lines)}
    named = {t["grade_id"]: t["mistake_id"] for t in entries["s04_wrong_formula"]["notebooks"][0]["tests"]}
    assert named == {"to_grayscale_test": "red-and-blue-weights-swapped", "resize_nearest_test": None,
                     "dense_params_test": None}
    assert all(t["mistake_id"] is None for t in entries["s01_solution"]["notebooks"][0]["tests"])
    assert main(["report", ASSIGNMENT, "--course-dir", str(graded["course"]), "--out", str(tmp_path), "--names"]) == 0
    with open(tmp_path / f"{ASSIGNMENT}.csv", newline="", encoding="utf-8") as handle:
        reported = {row["learner"]: row for row in csv.DictReader(handle)}
    assert {s: (float(r["score"]), r["status"]) for s, r in reported.items()} == \
        {s: (float(r["score"]), r["status"]) for s, r in graded["rows"].items()}
    with open(tmp_path / f"{ASSIGNMENT}-mistakes.csv", newline="", encoding="utf-8") as handle:
        counts = {(row["function"], row["mistake"]): int(row["learners"]) for row in csv.DictReader(handle)}
    swapped = sum(any(t["grade_id"] == "to_grayscale_test" and t["mistake_id"] == "red-and-blue-weights-swapped"
                      for t in entry["notebooks"][0]["tests"]) for entry in entries.values() if entry["notebooks"])
    assert counts[("to_grayscale", "red-and-blue-weights-swapped")] == swapped >= 1


# --------------------------------------------------------------------------------------
# On a Dask cluster, as an ordinary user, interrupted and restarted
#
# The same submissions again, graded by a real ``dask scheduler`` and two ``dask worker``
# processes on 127.0.0.1 (as on other machines). CI runs as root, so the scheduler, the
# workers and the grader all run as an unused user id, with setpriv dropping every
# privilege (run by an ordinary user, the test grades as that user). The grader is killed
# after two rows (and the crash tears a row in half); the second run grades only the rest
# and loses a worker mid-run; a third has nothing to do.
# The grades file must be the local run's rows, byte for byte, and everything the runs
# wrote must belong to the user.

CLUSTER_STUDENTS = ["s01_solution", "s02_blank", "s03_partial", "s04_wrong_formula", "s10_invalid_json",
                    "s13_deleted_cells", "h06_memory_split", "h07_disk_fill"]


def _unused_id(start: int = 62000) -> int:
    import pwd

    used = {entry.pw_uid for entry in pwd.getpwall()}
    return next(uid for uid in range(start, start + 1000) if uid not in used)


class _User:
    """Runs commands as an ordinary user: an unused uid without any privilege when we are root."""

    def __init__(self, base: Path):
        from autograder.grading import sandbox

        self.uid = _unused_id() if os.geteuid() == 0 else os.getuid()
        self.prefix = sandbox.as_user_prefix(self.uid, self.uid) if os.geteuid() == 0 else []
        self.home = base / "home"
        self.home.mkdir()
        self.env = subprocess_env(HOME=str(self.home), USER="grader", LOGNAME="grader")

    def own(self, base: Path) -> None:
        if os.geteuid() != 0:
            return
        subprocess.run(["chown", "-R", "-h", f"{self.uid}:{self.uid}", str(base)], check=True)
        os.chmod(base, 0o755)

    def start(self, command: list[str], log: Path) -> subprocess.Popen:
        return subprocess.Popen([*self.prefix, *command], stdout=open(log, "wb"), stderr=subprocess.STDOUT,
                                env=self.env, cwd=str(log.parent), start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _wait_for_lines(path: Path, count: int, process: subprocess.Popen, seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        if path.exists() and len(path.read_text(errors="replace").splitlines()) >= count:
            return
        time.sleep(0.2)


def _let_others_through(folder: Path) -> None:
    """pytest makes its temporary folders private (0700); the user must pass through them."""
    for parent in [folder, *folder.parents]:
        if parent == Path(tempfile.gettempdir()) or parent == Path("/"):
            return
        mode = parent.stat().st_mode & 0o777
        if mode & 0o001 == 0:
            os.chmod(parent, mode | 0o011)


def _grade_on_a_cluster(base: Path) -> dict:
    processes = []
    try:
        user = _User(base)
        course = make_course(base / "course", [case for case in EVERYTHING if case.student in CLUSTER_STUDENTS])
        user.own(base)
        if os.geteuid() == 0:
            _let_others_through(base)
        dask = str(BIN / "dask")
        scheduler_file = base / "scheduler.json"
        processes.append(user.start([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                     "--scheduler-file", str(scheduler_file)], base / "scheduler.log"))
        workers = [user.start([dask, "worker", "--scheduler-file", str(scheduler_file), "--nthreads", "1",
                               "--no-nanny", "--host", "127.0.0.1", "--no-dashboard", "--memory-limit", "0",
                               "--name", f"w{number}"], base / f"worker{number}.log") for number in range(2)]
        processes += workers
        deadline = time.monotonic() + 180
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert scheduler_file.exists(), (base / "scheduler.log").read_text()[-2000:]
        address = json.loads(scheduler_file.read_text())["address"]
        from distributed import Client

        with Client(address, timeout="120s") as client:
            client.wait_for_workers(2, timeout=180)

        command = grade_command(course, "--scheduler", address)
        del command[command.index("--workers"):command.index("--workers") + 2]
        grades, journal = course / "grades.csv", course / "grading-journal.jsonl"

        first = user.start(command, base / "first.log")  # killed after two rows: a crash, no clean-up
        _wait_for_lines(grades, 3, first)
        _stop(first)
        rows_before = grades.read_text().count("\n") - 1
        with open(grades, "a") as handle:  # and the crash cut a row in half
            handle.write("s99_torn,01_images_as_arra")

        journal_lines = len(journal.read_text(errors="replace").splitlines()) if journal.exists() else 0
        second = user.start(command, base / "second.log")  # loses a worker half-way
        _wait_for_lines(journal, journal_lines + 1, second)
        worker_killed_mid_run = second.poll() is None
        _stop(workers[0])
        second.wait(timeout=900)
        third = user.start(command, base / "third.log")  # nothing left to grade
        third.wait(timeout=300)

        grades_before = grades.read_bytes()  # one submission's job, graded alone: grades untouched
        user.start(grade_command(course, "--force", "--student", "s04_wrong_formula", "--write-jobs",
                                 str(base / "jobs")), base / "jobs.log").wait(timeout=300)
        job = next((base / "jobs").glob("*.job"))
        alone = user.start([str(BIN / "autograder"), "grade-one", str(job), "--output", str(base / "result.bin")],
                           base / "alone.log")
        alone.wait(timeout=600)
        return {"course": str(course), "uid": user.uid, "rows_before": rows_before,
                "worker_killed_mid_run": worker_killed_mid_run,
                "runs": [(process.returncode, (base / f"{name}.log").read_text(errors="replace")[-5000:])
                         for process, name in ((second, "second"), (third, "third"))],
                "alone": (alone.returncode, (base / "alone.log").read_text(errors="replace")[-5000:]),
                "result": str(base / "result.bin"), "grades_before": grades_before.hex()}
    finally:
        for process in processes:
            _stop(process)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """The cluster runs, once per session (see run_once)."""
    found = run_once(tmp_path_factory, "cluster", _grade_on_a_cluster)
    return {**found, "course": Path(found["course"]), "result": Path(found["result"]),
            "grades_before": bytes.fromhex(found["grades_before"])}


def test_a_cluster_run_interrupted_twice_ends_with_the_local_runs_grades(graded, cluster):
    (second, second_log), (third, third_log) = cluster["runs"]
    assert second == 0, second_log[-3000:]
    assert third == 0 and "0 to grade" in third_log, third_log[-3000:]
    assert 2 <= cluster["rows_before"] < len(CLUSTER_STUDENTS), "the first run should have been killed half-way"
    graded_again = int(re.search(r"(\d+) to grade", second_log).group(1))
    assert graded_again == len(CLUSTER_STUDENTS) - cluster["rows_before"]
    assert cluster["worker_killed_mid_run"]

    local = (graded["course"] / "grades.csv").read_text().splitlines()
    expected = local[:1] + [line for line in local[1:] if line.split(",")[0] in CLUSTER_STUDENTS]
    assert (cluster["course"] / "grades.csv").read_text().splitlines() == expected

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{cluster['course'] / 'gradebook.db'}", "cnn-course") as gb:
        assert sorted(s.id for s in gb.students) == sorted(CLUSTER_STUDENTS)
        for student, row in read_rows(cluster["course"]).items():
            assert gb.find_submission(ASSIGNMENT, student).score == float(row["score"])


def test_one_job_graded_alone_gives_the_same_scores_and_leaves_the_grades_alone(cluster):
    from autograder.grading import records

    code, log = cluster["alone"]
    assert code == 0, log[-3000:]
    result = records.decode_result(cluster["result"].read_bytes())
    row = read_rows(cluster["course"])["s04_wrong_formula"]
    tests = [t for notebook in result.notebooks for t in notebook.tests]
    assert ";".join(f"{t.grade_id}={t.score:g}/{t.max_score:g}" for t in tests) == row["tests"]
    assert [t.grade_id for t in tests if t.mistake and t.mistake.startswith("red and blue weights swapped")] == \
        [TEST_OF["to_grayscale"]]
    assert (cluster["course"] / "grades.csv").read_bytes() == cluster["grades_before"]


def test_an_ordinary_user_grades_and_owns_everything_the_runs_wrote(cluster):
    uid = cluster["uid"]
    owners = {}
    for folder, dirs, files in os.walk(cluster["course"]):
        for name in dirs + files:
            path = os.path.join(folder, name)
            if os.lstat(path).st_uid != uid:
                owners[path] = os.lstat(path).st_uid
    assert owners == {}
    written = [cluster["course"] / name for name in ("grades.csv", "gradebook.db", "grading-journal.jsonl",
                                                      "autograded", "feedback")]
    assert all(path.exists() and path.lstat().st_uid == uid for path in written)


# --------------------------------------------------------------------------------------
# The pieces, without a kernel


def test_the_channel_accepts_only_data():
    import base64
    import pickle

    import numpy as np

    from autograder.grading.codec import ProtocolError, decode, load_reply

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
    from autograder.grading.grades_csv import COLUMNS, GradesFile

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
def test_reading_any_file_gives_a_notebook_or_a_clear_problem(content, problem):
    from autograder.grading import sanitize
    from autograder.grading.records import NotebookSpec

    loaded = sanitize.read_notebook_bytes(NOTEBOOK, content)
    if problem:
        assert loaded.notebook is None and loaded.status == "invalid_notebook" and problem in loaded.notes[0]
    else:
        assert [c.cell_type for c in loaded.notebook.cells] == ["code", "raw"]
        spec = NotebookSpec("x", [])
        assert sanitize.normalize(loaded.notebook, spec).notebook.cells[1].source == "ab"
