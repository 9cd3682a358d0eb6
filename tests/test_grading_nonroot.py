"""The grader run by an ordinary user: no root anywhere, everything it writes owned by that user.

CI runs as root, so this test makes an ordinary user of it: an unused user id (no
account is created), with ``setpriv`` dropping every privilege, a home and a copy of the
course owned by it. Run by an ordinary user, the test grades as that user directly.
Such a user cannot make cgroups here, so the whole-submission memory limit is the
sandbox's watchdog: the memory split over processes must be caught by it.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import subprocess_env
from grading_corpus import (EVERYTHING, MAX_SCORE, POINTS, TEST_OF, grade_command, make_course,
                            read_rows)

pytestmark = [pytest.mark.xdist_group("grading_class")]
STUDENTS = ["s01_solution", "s02_blank", "s09_memory_bomb", "h01_fork_bomb", "h06_memory_split", "h07_disk_fill",
            "t09_read_secrets"]


def _unused_id(start: int = 62000) -> int:
    used = {entry.pw_uid for entry in pwd.getpwall()}
    return next(uid for uid in range(start, start + 1000) if uid not in used)


def _as_user(uid: int) -> list[str]:
    """A command prefix running as ``uid`` with no privileges at all (root only)."""
    from autograder.grading import sandbox

    return sandbox.as_user_prefix(uid, uid)


@pytest.fixture(scope="module")
def graded_as_user():
    cases = [case for case in EVERYTHING if case.student in STUDENTS]
    base = Path(tempfile.mkdtemp(prefix="autograder-nonroot-"))
    course = make_course(base / "course", cases)
    home = base / "home"
    home.mkdir()
    if os.geteuid() == 0:
        uid = _unused_id()
        for folder, _, files in os.walk(base):
            os.chown(folder, uid, uid)
            for name in files:
                os.chown(os.path.join(folder, name), uid, uid, follow_symlinks=False)
        os.chmod(base, 0o755)
        prefix = _as_user(uid)
    else:
        uid, prefix = os.getuid(), []
    env = subprocess_env(HOME=str(home), USER="grader", LOGNAME="grader")
    result = subprocess.run([*prefix, *grade_command(course)], capture_output=True, text=True, timeout=1500,
                            env=env, cwd=str(course))
    yield {"course": course, "uid": uid, "result": result, "cases": cases,
           "rows": read_rows(course) if (course / "grades.csv").exists() else {}}
    shutil.rmtree(base, ignore_errors=True)


def test_an_ordinary_user_grades_the_class(graded_as_user):
    result = graded_as_user["result"]
    assert result.returncode == 0, result.stderr[-3000:]
    if os.geteuid() == 0:
        assert os.getuid() == 0  # and the grader above ran with uid graded_as_user["uid"], without capabilities
    for case in graded_as_user["cases"]:
        row = graded_as_user["rows"][case.student]
        assert float(row["score"]) == case.score and float(row["max_score"]) == MAX_SCORE, (case.about, row)
        flags = set(row["status"].split("+"))
        assert flags == {"ok"} if case.status == {"ok"} else case.status <= flags, row
        tests = dict(item.split("=") for item in row["tests"].split(";"))
        for name, test in TEST_OF.items():
            assert float(tests[test].split("/")[0]) == (POINTS[test] if name in case.passing else 0), (test, row)


def test_without_cgroups_the_watchdog_holds_the_memory_of_the_whole_submission(graded_as_user):
    details = graded_as_user["rows"]["h06_memory_split"]["details"]
    assert "more than 1536 MB together" in details, details


def test_everything_the_run_wrote_belongs_to_the_user(graded_as_user):
    uid = graded_as_user["uid"]
    owners = {}
    for folder, dirs, files in os.walk(graded_as_user["course"]):
        for name in dirs + files:
            path = os.path.join(folder, name)
            owner = os.lstat(path).st_uid
            if owner != uid:
                owners[path] = owner
    assert owners == {}
    written = [graded_as_user["course"] / name for name in ("grades.csv", "gradebook.db", "grading-journal.jsonl",
                                                             "autograded", "feedback")]
    assert all(path.exists() and path.lstat().st_uid == uid for path in written)


def test_the_sandbox_needs_no_privilege():
    """The command that starts a sandbox for root drops every capability before bubblewrap runs."""
    from autograder.grading import sandbox

    prefix = sandbox.as_user_prefix(65534, 65534)
    assert prefix[prefix.index("setpriv"):] == ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                                 "--inh-caps=-all", "--bounding-set=-all", "--"]
    assert sys.platform.startswith("linux")
