"""The grading pieces without a kernel: records, safe collection, the recorder, the sandbox's view.

None of these needs root or a sandbox; they run for any user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import msgspec
import nbformat
import pytest

from conftest import ROOT
from grading_corpus import ASSIGNMENT, NOTEBOOK, S

NAMES = [ASSIGNMENT]
pytestmark = pytest.mark.needs_test_tools  # the sandbox's tests need bubblewrap


def _submission(root: Path, student: str = "ann") -> Path:
    folder = root / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    return folder


def _collect(root: Path, student: str = "ann"):
    from autograder.grading import submissions

    return submissions.collect(root / "submitted", student, ASSIGNMENT, NAMES, [".ipynb_checkpoints"])


# --------------------------------------------------------------------------------------
# Collecting submissions


def test_a_plain_submission_is_collected_with_its_files(tmp_path):
    folder = _submission(tmp_path)
    nbformat.write(S, str(folder / NOTEBOOK))
    (folder / "data").mkdir()
    (folder / "data" / "pixels.csv").write_text("1,2\n")
    (folder / ".ipynb_checkpoints").mkdir()
    found = _collect(tmp_path)
    assert list(found.notebooks) == [ASSIGNMENT] and found.problems == {} and found.notes == []
    assert found.files == [("data/pixels.csv", b"1,2\n")]


def test_links_are_never_followed(tmp_path):
    folder = _submission(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET")
    os.symlink(secret, folder / NOTEBOOK)
    os.symlink(secret, folder / "data.txt")
    os.symlink(tmp_path, folder / "everything")
    found = _collect(tmp_path)
    assert found.notebooks == {} and "is a link" in found.problems[ASSIGNMENT]
    assert found.files == [] and found.notes == ["not copied for grading: links (2)"]


def test_hard_links_are_refused(tmp_path):
    folder = _submission(tmp_path)
    other = _submission(tmp_path, "bob")
    nbformat.write(S, str(other / NOTEBOOK))
    os.link(other / NOTEBOOK, folder / NOTEBOOK)
    (tmp_path / "grader-only.txt").write_text("SECRET")
    os.link(tmp_path / "grader-only.txt", folder / "copy.txt")
    found = _collect(tmp_path)
    assert "hard link" in found.problems[ASSIGNMENT] and found.files == []
    assert found.notes == ["not copied for grading: files that are a hard link to another file"]
    assert "hard link" in _collect(tmp_path, "bob").problems[ASSIGNMENT]  # both are held for the instructor


def test_a_student_folder_that_is_a_link_is_reported_not_graded(tmp_path):
    from autograder.grading import submissions

    (tmp_path / "solutions" / ASSIGNMENT).mkdir(parents=True)
    (tmp_path / "submitted").mkdir()
    os.symlink(tmp_path / "solutions", tmp_path / "submitted" / "mallory")
    assert submissions.list_students(tmp_path / "submitted", ASSIGNMENT) == ["mallory"]
    found = _collect(tmp_path, "mallory")
    assert found.folder_problem == "the submission folder is a link or not a folder"


def test_deep_trees_and_odd_names_do_not_stop_collection(tmp_path):
    folder = _submission(tmp_path)
    nbformat.write(S, str(folder / NOTEBOOK))
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(1200):
        os.mkdir("d", dir_fd=fd)
        deeper = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = deeper
    os.close(fd)
    (folder / "new\nline.txt").write_text("ok")
    os.close(os.open(bytes(folder) + b"/\xff.txt", os.O_WRONLY | os.O_CREAT, 0o644))
    try:
        found = _collect(tmp_path)
    finally:  # pytest's own clean-up of old temporary folders recurses once per level
        subprocess.run(["rm", "-rf", "--", str(folder / "d")], check=False)
    assert ("new\nline.txt", b"ok") in found.files
    assert "not copied for grading: folders deeper than 16 levels" in found.notes
    assert "not copied for grading: names that are not UTF-8" in found.notes


def test_a_missing_notebook_is_a_problem_not_an_error(tmp_path):
    folder = _submission(tmp_path)
    (folder / f"{ASSIGNMENT} (1).ipynb").write_text("{}")
    found = _collect(tmp_path)
    assert found.problems == {ASSIGNMENT: f"missing: {NOTEBOOK} is not in the submission"}


@pytest.mark.skipif(os.geteuid() != 0, reason="only root has rights beyond the submission's author")
def test_root_reads_submissions_without_its_rights(tmp_path):
    folder = _submission(tmp_path)
    nbformat.write(S, str(folder / NOTEBOOK))
    for path in (tmp_path, tmp_path / "submitted", folder.parent, folder):
        os.chmod(path, 0o755)
    (folder / "root-only.txt").write_text("SECRET")
    os.chmod(folder / "root-only.txt", 0o600)
    found = _collect(tmp_path)
    assert ASSIGNMENT in found.notebooks and found.files == []
    assert found.notes == ["not copied for grading: files that are unreadable (Permission denied)"]
    assert os.geteuid() == 0 and os.getegid() == 0  # privileges are back


# --------------------------------------------------------------------------------------
# Records and the recorder


def _spec():
    from autograder.grading.records import AssignmentSpec, CellSpec, NotebookSpec

    cells = [CellSpec("code", "def f(): pass", grade_id="f", solution=True),
             CellSpec("code", "check(f)", grade_id="f_test", grade=True, locked=True, points=2.0,
                      db_source="check(f)")]
    return AssignmentSpec("a1", [NotebookSpec("a1", cells)], digest="d")


def _job(student="ann"):
    from autograder.grading.records import Job, Limits, Settings

    return Job(student, _spec(), Settings(), Limits(), {"a1": b"{}"}, [("x.txt", b"1")], digest="h1")


def test_jobs_and_results_round_trip_and_bad_results_are_refused():
    from autograder.grading import records
    from autograder.grading.grade_one import failed_result

    job = _job()
    assert records.decode_job(records.encode(job)) == job
    result = failed_result(job, "why")
    assert records.decode_result(records.encode(result)) == result
    assert records.validate(result) == result
    with pytest.raises(ValueError, match="not a result"):
        records.validate({"student": "ann"})
    broken = msgspec.structs.replace(result, notebooks="not a list")
    with pytest.raises(ValueError, match="malformed"):
        records.validate(broken)
    with pytest.raises(msgspec.ValidationError):
        records.decode_job(b"\x93garbage")
    assert records.status_text({"cells_restored", "kernel_died"}) == "kernel_died+cells_restored"
    assert records.status_text(set()) == "ok"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    from autograder.grading import gradebook

    root = tmp_path_factory.mktemp("course")
    shutil.copytree(ROOT / "solutions" / ASSIGNMENT, root / "solutions" / ASSIGNMENT,
                    ignore=shutil.ignore_patterns("*.nb.py"))
    shutil.copy(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    loaded = gradebook.load_course(root)
    gradebook.prepare_gradebook(loaded, ASSIGNMENT)
    return loaded


def _recorder(course, tmp_path):
    from autograder.grading.grades_csv import GradesFile
    from autograder.grading.recorder import Journal, Recorder

    return Recorder(course, ASSIGNMENT, GradesFile(tmp_path / "grades.csv"), Journal(tmp_path / "journal.jsonl"))


def test_anything_but_a_valid_result_becomes_that_students_status_row(course, tmp_path):
    from autograder.grading import gradebook, submissions
    from autograder.grading.records import Limits

    spec = gradebook.assignment_spec(course, ASSIGNMENT)
    settings = gradebook.settings(course)
    recorder = _recorder(course, tmp_path)
    rows = []
    for student, outcome in (("s1", RuntimeError("worker lost")), ("s2", {"a": "dict"}), ("s3", None)):
        job = submissions.make_job(student, spec, settings, Limits(), submissions.Collected())
        rows.append(recorder.record(job, outcome))
    other = submissions.make_job("s4", spec, settings, Limits(), submissions.Collected())
    from autograder.grading.grade_one import failed_result

    rows.append(recorder.record(other, msgspec.structs.replace(failed_result(other, "x", "ok"), student="s1")))
    assert [row["status"] for row in rows] == ["grader_error"] * 4
    assert "worker lost" in rows[0]["details"] and "malformed" in rows[1]["details"]
    assert "another submission" in rows[3]["details"]
    assert all(row["tests"].count("?/") == 3 for row in rows)  # unscored, graded again by the next run
    assert len((tmp_path / "journal.jsonl").read_text().splitlines()) == 4
    assert not recorder.grades.done(ASSIGNMENT, "s1", rows[0]["submission_hash"])


def test_the_assignment_spec_holds_hidden_tests_and_the_imports_to_preload(course):
    from autograder.grading import gradebook

    spec = gradebook.assignment_spec(course, ASSIGNMENT)
    tests = [cell for notebook in spec.notebooks for cell in notebook.cells if cell.grade]
    assert tests and all("BEGIN HIDDEN TESTS" in cell.db_source for cell in tests)
    assert all("BEGIN HIDDEN TESTS" not in cell.release_source for cell in tests)
    assert {"numpy", "matplotlib.pyplot", "autograder"} <= set(spec.preload)
    assert gradebook.assignment_spec(course, ASSIGNMENT).digest == spec.digest


# --------------------------------------------------------------------------------------
# The sandbox's pieces


def test_the_sandbox_shows_the_package_but_not_the_course_checkout():
    from autograder.grading import sandbox

    binds = sandbox.read_only_binds()
    assert "/usr" in binds and any(Path(b, "bin").exists() for b in binds)
    for folder in (ROOT, ROOT / "solutions", ROOT / "course", Path.home()):
        assert not any(Path(folder) == Path(b) or Path(folder).is_relative_to(b) for b in binds if b != "/usr"), \
            (folder, binds)
    command, fds = sandbox.bwrap_command(3, "student")
    for fd in fds:
        os.close(fd)
    assert "--unshare-net" in command and "--unshare-pid" in command and "--die-with-parent" in command
    assert command[command.index("--tmpfs") + 1] == "/"  # nothing of the host but the binds


def test_messages_to_the_template_carry_descriptors():
    from autograder.grading import zygote

    left, right = socket.socketpair()
    read, write = os.pipe()
    zygote.send(left, {"op": "start", "files": [("a", b"x" * 100_000)]}, [read])
    message, fds = zygote.receive(right)
    assert message == {"op": "start", "files": [("a", b"x" * 100_000)]} and len(fds) == 1
    os.write(write, b"!")
    assert os.read(fds[0], 1) == b"!"
    for fd in (read, write, *fds):
        os.close(fd)
    left.close()
    assert zygote.receive(right) == (None, [])


def test_cgroups_can_be_turned_off_and_say_what_applies(monkeypatch):
    from autograder.grading import limits

    monkeypatch.setenv("AUTOGRADER_NO_CGROUPS", "1")
    assert limits.detect() is None
    assert "watched by the sandbox" in limits.describe(None)


def test_one_magic_line_stripper_and_the_keras_plugin_is_registered():
    from autograder.grading import channel, codec
    from autograder.notebook import strip_magics

    assert strip_magics("%matplotlib inline\nx = 1\n  !ls") == "\nx = 1\n"
    from autograder.grading import gradebook, trusted
    assert trusted.strip_magics is gradebook.strip_magics is strip_magics  # the loader's, not a copy
    assert {"keras", "keras_history", "keras_weights"} <= set(codec.DECODERS)
    assert "ENCODERS.append(_keras_encode)" in channel.KERNEL_SOURCE
    assert "import keras" not in Path(codec.__file__).read_text()


# --------------------------------------------------------------------------------------
# What a failing test named


def _message_of(check, candidate, **kwargs) -> str:
    from autograder.feedback import CheckFailure

    with pytest.raises(CheckFailure) as failure:
        check(candidate, **kwargs)
    return str(failure.value)


def test_the_known_mistake_a_check_names_is_recorded_and_nothing_else_is():
    import numpy as np

    from autograder.checks.images_as_arrays import check_dense_params, check_to_grayscale
    from autograder.grading.grade_one import named_mistake

    def swapped(rgb, method="luminosity"):
        return np.asarray(rgb, dtype=float)[..., ::-1] @ np.array([0.299, 0.587, 0.114])

    assert named_mistake(_message_of(check_to_grayscale, swapped)) == \
        "red and blue weights swapped: the last axis is (R, G, B), not OpenCV's (B, G, R)"
    assert named_mistake(_message_of(check_dense_params, lambda n_in, n_out: n_in * n_out)) == \
        "biases not counted (one bias per unit: + n_out)"
    assert named_mistake(_message_of(check_dense_params, lambda n_in, n_out: 7)) is None  # no known mistake
    wrapped = "f(x) is wrong.\n  Likely mistake: np.max(z, 0) reduces the array to its\n  maximum; use np.maximum."
    assert named_mistake(wrapped) == "np.max(z, 0) reduces the array to its maximum; use np.maximum"


def test_the_sandbox_of_a_root_grader_runs_without_privilege():
    """Run by root, the grader starts each sandbox as another user, every capability dropped."""
    from autograder.grading import sandbox

    prefix = sandbox.as_user_prefix(65534, 65534)
    assert prefix[prefix.index("setpriv"):] == ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                                 "--inh-caps=-all", "--bounding-set=-all", "--"]


def test_a_python_environment_under_tmp_is_refused_with_the_reason(monkeypatch):
    from autograder.grading import sandbox

    monkeypatch.setattr(sandbox.shutil, "which", lambda name: "/usr/bin/bwrap")
    monkeypatch.setattr(sandbox, "_python_prefixes", lambda: ["/tmp/class/.venv", "/usr"])
    assert "/tmp/class/.venv) is under /tmp" in sandbox.bwrap_available()
    monkeypatch.setattr(sandbox, "_python_prefixes", lambda: ["/srv/class/.venv", "/usr"])
    assert sandbox.bwrap_available() is None or "Linux" in sandbox.bwrap_available()


# --------------------------------------------------------------------------------------
# The call channel, with the kernel's side run in this process


class _InProcessKernel:
    """Answers channel requests with the kernel-side code run on a plain namespace, as the
    student's kernel would (without IPython's display machinery), and counts the requests."""

    def __init__(self, source: str):
        from autograder.grading.channel import KERNEL_SOURCE

        self.side: dict = {"__name__": "_autograder_rpc"}
        exec(KERNEL_SOURCE, self.side)
        self.namespace: dict = {}
        exec(source, self.namespace)
        self.requests = 0

    def rpc(self, code, deadline, on_stream, buffers) -> str:
        import base64
        import pickle

        self.requests += 1
        try:
            reply = self.side["_handle"](self.namespace, buffers[0])
        except Exception as error:  # noqa: BLE001 - as the kernel side reports it
            reply = {"ok": False, "type": type(error).__name__, "module": type(error).__module__,
                     "message": str(error)}
        return base64.b64encode(pickle.dumps(reply, protocol=4)).decode("ascii")


_REPEATED = {
    "right": "def f(image):\n    return image * 2\n",
    "keeps a state": "seen = []\ndef f(image):\n    seen.append(1)\n    return image * len(seen)\n",
    "changes its input": "def f(image):\n    image *= 2\n    return image\n",
    "fails the second time": "calls = [0]\ndef f(image):\n    calls[0] += 1\n"
                             "    if calls[0] > 1:\n        raise ValueError('once only')\n    return image\n",
}


@pytest.mark.parametrize("kind", list(_REPEATED))
def test_a_repeated_call_to_the_kernel_is_one_request_with_the_local_outcome(kind):
    """feedback.call_repeatably makes both calls of a function in the student's kernel in one
    round trip, and the learner reads the same message as when the function runs locally."""
    import numpy as np

    from autograder.feedback import CheckFailure, call_repeatably
    from autograder.grading.channel import KernelChannel

    def outcome(func):
        image = np.arange(6.0).reshape(2, 3)
        try:
            return call_repeatably(func, image, name="f").tolist(), image.tolist()
        except CheckFailure as failure:
            return str(failure), image.tolist()

    local: dict = {}
    exec(_REPEATED[kind], local)
    kernel = _InProcessKernel(_REPEATED[kind])
    remote = KernelChannel(kernel).describe(["f"])["f"]
    kernel.requests = 0
    assert outcome(remote) == outcome(local["f"])
    assert kernel.requests == 1
    if kind == "right":
        assert outcome(local["f"])[0] == [[0.0, 2.0, 4.0], [6.0, 8.0, 10.0]]
    else:
        expected = {"keeps a state": "gave a different result when it was called a second time",
                    "changes its input": "changed its input array in place",
                    "fails the second time": "raised ValueError: once only"}[kind]
        assert expected in outcome(remote)[0]
