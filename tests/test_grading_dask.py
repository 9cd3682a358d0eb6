"""Grading across machines on Dask: a real ``dask scheduler`` and two ``dask worker`` processes.

The same class is graded twice: on the default local cluster, and on a cluster of
separate processes on 127.0.0.1 (as on several machines) where one worker is killed
with SIGKILL while it grades. Dask runs the lost tasks again on the other worker; the
grades file must be the same as the local run's, byte for byte.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import BIN, subprocess_env
from grading_corpus import EVERYTHING, grade, make_course

pytestmark = [pytest.mark.xdist_group("grading_class")]
STUDENTS = ["s01_solution", "s02_blank", "s03_partial", "s04_wrong_formula", "s07_exit_cell", "s10_invalid_json",
            "s12_duplicated_cells", "t01_edited_tests", "h10_lying_objects", "h17_linked_data_files"]


def _start(command: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(command, stdout=open(log, "wb"), stderr=subprocess.STDOUT, env=subprocess_env(),
                            start_new_session=True)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dask")
    scheduler_file = folder / "scheduler.json"
    dask = str(BIN / "dask")
    scheduler = _start([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                        "--scheduler-file", str(scheduler_file)], folder / "scheduler.log")
    deadline = time.monotonic() + 180
    while not scheduler_file.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert scheduler_file.exists(), (folder / "scheduler.log").read_text()[-2000:]
    workers = [_start([dask, "worker", "--scheduler-file", str(scheduler_file), "--nthreads", "1", "--no-nanny",
                       "--host", "127.0.0.1", "--no-dashboard", "--memory-limit", "0", "--name", f"w{number}"],
                      folder / f"worker{number}.log") for number in range(2)]
    address = json.loads(scheduler_file.read_text())["address"]
    from distributed import Client

    with Client(address, timeout="120s") as client:
        client.wait_for_workers(2, timeout=180)
    yield {"address": address, "workers": workers, "folder": folder}
    for process in workers + [scheduler]:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_a_cluster_that_loses_a_worker_gives_the_same_grades_as_a_local_run(cluster, tmp_path):
    cases = [case for case in EVERYTHING if case.student in STUDENTS]
    local = make_course(tmp_path / "local", cases)
    remote = tmp_path / "remote"
    shutil.copytree(local, remote, symlinks=True)

    done = grade(local)
    assert done.returncode == 0, done.stderr[-3000:]

    command = [sys.executable, "-m", "autograder.cli", "grade", "01_images_as_arrays", "--course-dir", str(remote),
               "--scheduler", cluster["address"], "--timeout", "15", "--memory-mb", "1536", "--no-progress"]
    process = subprocess.Popen(command, env=subprocess_env(), cwd=str(remote), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    journal = remote / "grading-journal.jsonl"
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline and process.poll() is None:
        if journal.exists() and len(journal.read_text().splitlines()) >= 2:
            break
        time.sleep(0.2)
    victim = cluster["workers"][0]
    os.killpg(victim.pid, signal.SIGKILL)  # the worker and its sandbox, in the middle of the run
    _, stderr = process.communicate(timeout=1500)
    assert process.returncode == 0, stderr[-3000:]
    assert victim.poll() is not None
    graded_before_kill = 2 <= len(journal.read_text().splitlines())
    assert graded_before_kill
    assert (remote / "grades.csv").read_text() == (local / "grades.csv").read_text()
    logs = (cluster["folder"] / "worker1.log").read_text(errors="replace")
    assert "Starting established connection" in logs or "Registered to" in logs
