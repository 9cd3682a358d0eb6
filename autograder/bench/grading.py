"""``autograder bench grading [--students N] [--workers 1,2] [--cluster] [--timeout S]``: how fast a class is graded.

Builds a class of N (default 30) submissions of ``01_images_as_arrays`` from its solution
and learner notebooks (full marks, blank, partial answers and typical mistakes, in turn)
in a temporary course folder, then grades it

* with plain ``nbgrader autograde`` (one student after another, in-process kernels,
  no sandbox), and with ``nbgrader autograde`` followed by ``nbgrader generate_feedback``;
* with ``autograder grade`` for each worker count (default 1 and 2) on its local Dask
  cluster, and with ``--cluster`` also on a separate ``dask scheduler`` with that many
  ``dask worker`` processes on 127.0.0.1 (as on other machines); every submission in its
  sandbox, feedback pages written.

Each run starts from the same course with the gradebook already made, so only grading is
timed (the local cluster's start is included). Peak memory is the largest total
resident memory of the run's process trees (grader, workers, sandboxes and kernels;
scheduler and workers for --cluster), sampled every 0.2 s. Output: one line per run with
its speed relative to plain nbgrader, the median time a submission spent in each step,
and whether every student got the same score from both graders.
"""

from __future__ import annotations

import argparse
import copy
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from autograder import paths

ASSIGNMENT = "01_images_as_arrays"


# --------------------------------------------------------------------------------------
# The class


def _variants():
    import nbformat

    solution = nbformat.read(str(paths.solution_notebook(ASSIGNMENT)), as_version=4)
    release = nbformat.read(str(paths.course_notebook(ASSIGNMENT)), as_version=4)

    def index(notebook, grade_id):
        return next(i for i, c in enumerate(notebook.cells)
                    if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)

    def answered(*names, edits=()):
        notebook = copy.deepcopy(release)
        for name in names:
            notebook.cells[index(notebook, name)].source = solution.cells[index(solution, name)].source
        for name, old, new in edits:
            cell = notebook.cells[index(notebook, name)]
            cell.source = cell.source.replace(old, new)
        return notebook

    everything = ("to_grayscale", "resize_nearest", "dense_params")
    return [
        ("full", answered(*everything)),
        ("blank", copy.deepcopy(release)),
        ("grayscale only", answered("to_grayscale")),
        ("two of three", answered("to_grayscale", "dense_params")),
        ("swapped weights", answered(*everything, edits=[("to_grayscale", "0.299 * red", "0.299 * blue"),
                                                           ("to_grayscale", "0.114 * blue", "0.114 * red")])),
        ("no biases", answered(*everything, edits=[("dense_params", "n_inputs * n_hidden + n_hidden",
                                                    "n_inputs * n_hidden")])),
    ]


def make_class(folder: Path, students: int) -> Path:
    """A course folder with the assignment's source, config, gradebook and ``students`` submissions."""
    import nbformat

    from autograder import authoring

    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(paths.solutions_dir() / ASSIGNMENT, folder / "solutions" / ASSIGNMENT,
                    ignore=shutil.ignore_patterns("*.nb.py"))
    shutil.copy(paths.repo_root() / "nbgrader_config.py", folder / "nbgrader_config.py")
    authoring.generate_course(ASSIGNMENT, root=folder, db_url=f"sqlite:///{folder / 'gradebook.db'}")
    variants = _variants()
    for number in range(students):
        _, notebook = variants[number % len(variants)]
        target = folder / "submitted" / f"student{number:03d}" / ASSIGNMENT
        target.mkdir(parents=True)
        nbformat.write(notebook, str(target / f"{ASSIGNMENT}.ipynb"))
    return folder


# --------------------------------------------------------------------------------------
# Measuring


def _tree_rss_kb(root: int) -> int:
    """Total resident memory (kB) of ``root`` and all its descendants."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
            with open(f"/proc/{entry}/statm") as handle:
                pages = int(handle.read().split()[1])
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        parents[int(entry)] = int(fields[1])
        rss[int(entry)] = pages * os.sysconf("SC_PAGE_SIZE") // 1024
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def measure(command: list[str], cwd: Path, extra_roots: list[int] = ()) -> tuple[float, float, int]:
    """Run ``command``; return (seconds, peak MB of its process tree and of ``extra_roots``', exit status)."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "COURSE_OFFLINE": os.environ.get("COURSE_OFFLINE", "1")}
    start = time.monotonic()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], sum(_tree_rss_kb(pid) for pid in [process.pid, *extra_roots]))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    seconds = time.monotonic() - start
    done.set()
    sampler.join()
    if process.returncode != 0:
        print(stderr[-2000:], file=sys.stderr)
    return seconds, peak[0] / 1024, process.returncode


class DaskCluster:
    """A ``dask scheduler`` and ``dask worker`` processes on 127.0.0.1."""

    def __init__(self, workers: int, folder: Path):
        import json

        dask = str(Path(sys.executable).with_name("dask"))
        scheduler_file = folder / f"scheduler-{workers}.json"
        self.processes = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                            "--scheduler-file", str(scheduler_file)],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        while not scheduler_file.exists():
            time.sleep(0.2)
        self.address = json.loads(scheduler_file.read_text())["address"]
        for number in range(workers):
            self.processes.append(subprocess.Popen(
                [dask, "worker", self.address, "--nthreads", "1", "--no-nanny", "--host", "127.0.0.1",
                 "--no-dashboard", "--memory-limit", "0", "--name", f"w{number}"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client

        with Client(self.address, timeout="120s") as client:
            client.wait_for_workers(workers, timeout=300)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    def close(self) -> None:
        for process in self.processes:
            process.kill()
            process.wait()


def _median_steps(course: Path) -> str:
    """Median seconds per submission of each step, from the journal."""
    import json
    import statistics

    steps: dict[str, list[float]] = {}
    for line in (course / "grading-journal.jsonl").read_text().splitlines():
        entry = json.loads(line)
        for name, value in (entry.get("timings") or {}).items():
            steps.setdefault(name, []).append(value)
        steps.setdefault("total", []).append(entry.get("seconds", 0.0))
    return " ".join(f"{name} {statistics.median(values):.2f}" for name, values in steps.items())


def nbgrader_scores(course: Path) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {s.student.id: float(s.score) for s in gb.assignment_submissions(ASSIGNMENT)}


def grades_file_scores(course: Path) -> dict[str, float]:
    with open(course / "grades.csv", newline="") as handle:
        return {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)
                if row["assignment"] == ASSIGNMENT}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="autograder bench grading", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts (default 1,2)")
    parser.add_argument("--cluster", action="store_true",
                        help="also grade on a dask scheduler and dask worker processes on 127.0.0.1")
    parser.add_argument("--timeout", type=float, default=60, help="seconds per cell for both graders")
    parser.add_argument("--skip-nbgrader", action="store_true", help="do not time plain nbgrader")
    parser.add_argument("--keep", help="build the class in this folder and keep it")
    args = parser.parse_args(argv)
    sys.modules.setdefault("rfc3987_syntax", None)

    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="autograder-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    os.chmod(base, 0o755)  # as root, submissions are read as nobody
    template = make_class(base / "template", args.students)
    print(f"class: {args.students} submissions of {ASSIGNMENT} in {template}", flush=True)
    rows, scores, steps = [], {}, {}
    python = sys.executable

    def fresh(name: str) -> Path:
        target = base / name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(template, target, symlinks=True)
        return target

    if not args.skip_nbgrader:
        course = fresh("nbgrader")
        common = [f"--CourseDirectory.root={course}", f"--Execute.timeout={int(args.timeout)}", "--log-level=ERROR"]
        seconds, peak, status = measure([python, "-m", "nbgrader", "autograde", ASSIGNMENT, *common], course)
        rows.append(("nbgrader autograde", 1, seconds, peak, status))
        scores["nbgrader"] = nbgrader_scores(course)
        feedback, peak_feedback, status_feedback = measure(
            [python, "-m", "nbgrader", "generate_feedback", ASSIGNMENT, *common[:1], "--log-level=ERROR"], course)
        rows.append(("nbgrader autograde + generate_feedback", 1, seconds + feedback, max(peak, peak_feedback),
                     status or status_feedback))
    for workers in [int(w) for w in args.workers.split(",") if w.strip()]:
        for label in ["local cluster"] + (["dask scheduler + workers"] if args.cluster else []):
            dask_cluster = DaskCluster(workers, base) if label != "local cluster" else None
            name = f"autograder-{workers}-{'cluster' if dask_cluster else 'local'}"
            course = fresh(name)
            command = [python, "-m", "autograder.cli", "grade", ASSIGNMENT, "--course-dir", str(course), "--workers",
                       str(workers), "--timeout", str(args.timeout), "--no-progress"]
            if dask_cluster:
                command += ["--scheduler", dask_cluster.address]
            try:
                seconds, peak, status = measure(command, course, dask_cluster.pids if dask_cluster else [])
            finally:
                if dask_cluster:
                    dask_cluster.close()
            rows.append((f"autograder grade, {label}", workers, seconds, peak, status))
            scores[name] = grades_file_scores(course)
            steps[name] = _median_steps(course)

    reference = next((row[2] for row in rows if row[0] == "nbgrader autograde"), None)
    print(f"{'run':<44} {'workers':>7} {'seconds':>8} {'s/submission':>12} {'submissions/min':>16} "
          f"{'x nbgrader':>10} {'peak MB':>8}")
    for name, workers, seconds, peak, status in rows:
        flag = "" if status == 0 else f"  (exit status {status})"
        ratio = f"{reference / seconds:.2f}" if reference else "-"
        print(f"{name:<44} {workers:>7} {seconds:>8.1f} {seconds / args.students:>12.2f} "
              f"{60 * args.students / seconds:>16.1f} {ratio:>10} {peak:>8.0f}{flag}")
    for name, text in steps.items():
        print(f"median seconds per submission, {name}: {text}")
    if "nbgrader" in scores:
        for name, found in scores.items():
            if name == "nbgrader":
                continue
            same = sum(1 for student, score in scores["nbgrader"].items() if found.get(student) == score)
            print(f"scores of {name} equal to nbgrader's: {same}/{len(scores['nbgrader'])}")
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 0 if all(row[4] == 0 for row in rows) else 1
