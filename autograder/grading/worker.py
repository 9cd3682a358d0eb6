"""Grade one submission, in a process of its own (started by :mod:`autograder.grading.runner`).

For each notebook of the assignment:

1. read the submitted file and restore its graded cells (:mod:`.sanitize`);
2. start a fresh kernel in the sandbox (:mod:`.sandbox`, :mod:`.launcher`) with a working
   copy of only this student's files (plus the assignment's own data files);
3. run the student's cells in the kernel, each with the time limit; a cell that kills the
   kernel (exit, crash, memory) is recorded, the kernel restarted and the earlier cells
   replayed, so that only the points that depend on the lost state are lost;
4. run each test cell's pristine source in this process (:mod:`.trusted`), where student
   code never ran, calling the student's functions in the kernel;
5. score the test cells with nbgrader's own rule (``determine_grade``), and write the
   autograded notebook and the feedback page (without hidden tests).

The process never touches the gradebook or the grades file: it writes ``result.json``
into its job folder (and ``progress.jsonl`` as each test cell is scored, so a killed
worker still leaves its partial scores) and the parent records them.
"""

from __future__ import annotations

import fnmatch
import json
import os
import signal
import stat
import sys
import time
import traceback
from pathlib import Path

sys.modules.setdefault("rfc3987_syntax", None)  # jsonschema's optional IRI check costs 4 s to import

import nbformat  # noqa: E402

from autograder import paths  # noqa: E402
from autograder.grading import sandbox, sanitize  # noqa: E402
from autograder.grading.kernel import KernelSession, SandboxFailed  # noqa: E402
from autograder.grading.rpc import KernelChannel, KernelDied  # noqa: E402
from autograder.grading.trusted import TrustedTests  # noqa: E402

MAX_RESTARTS = 3
MAX_STAGE_BYTES = 500 * 1024 * 1024
MAX_STAGE_FILES = 5000


def _ignored(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)


def _copy_regular_files(source: Path, target: Path, ignore: list[str], skip: set[str],
                        budget: list[int]) -> list[str]:
    """Copy the regular files below ``source`` (links and special files are skipped)."""
    copied = []
    if not source.is_dir() or source.is_symlink():
        return copied
    for entry in os.scandir(source):
        if _ignored(entry.name, ignore) or entry.name in skip:
            continue
        destination = target / entry.name
        if entry.is_dir(follow_symlinks=False):
            destination.mkdir(exist_ok=True)
            copied += [f"{entry.name}/{name}" for name in
                       _copy_regular_files(Path(entry.path), destination, ignore, set(), budget)]
        elif entry.is_file(follow_symlinks=False):
            info = entry.stat(follow_symlinks=False)
            budget[0] -= info.st_size
            budget[1] -= 1
            if budget[0] < 0 or budget[1] < 0:
                continue
            fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(fd, "rb") as reader, open(destination, "wb") as writer:
                while chunk := reader.read(1 << 20):
                    writer.write(chunk)
            os.chmod(destination, 0o644)
            copied.append(entry.name)
    return copied


def stage_files(job: dict, stage: Path) -> list[str]:
    """The kernel's working copy: the student's other files, then the assignment's own files
    (which win, as in nbgrader). The graded notebooks themselves are not copied."""
    stage.mkdir(parents=True, exist_ok=True)
    ignore = list(job["settings"].get("ignore", []))
    notebooks = {f"{name}.ipynb" for name in job["notebooks"]}
    budget = [MAX_STAGE_BYTES, MAX_STAGE_FILES]
    files = set(_copy_regular_files(Path(job["submission_dir"]), stage, ignore, notebooks, budget))
    # never the instructor's notebook sources, even when the course config does not ignore them
    instructor_only = ["*.ipynb", f"*{paths.SOURCE_SUFFIX}", "gradebook.db"]
    files |= set(_copy_regular_files(Path(job["source_dir"]), stage, ignore + instructor_only, set(), budget))
    return sorted(files)


class Grader:
    def __init__(self, job: dict):
        self.job = job
        self.job_dir = Path(job["job_dir"])
        self.settings = job["settings"]
        self.spec = json.loads(Path(job["spec_path"]).read_text())
        self.timeout = float(job["timeout"])
        self.deadline = time.monotonic() + float(job["budget_s"])
        self.flags: set[str] = set()
        self.notes: list[str] = []
        self.timings: dict[str, float] = {"stage": 0.0, "kernel": 0.0, "cells": 0.0, "tests": 0.0, "feedback": 0.0}
        self.progress = open(self.job_dir / "progress.jsonl", "a", encoding="utf-8")  # noqa: SIM115

    # ----------------------------------------------------------------------------------

    def _session(self) -> KernelSession:
        slot = sandbox.Slot(self.job["slot"]["index"], self.job["slot"]["uid"], self.job["slot"]["gid"])
        private_tmp = self.job_dir / "tmp"
        private_tmp.mkdir(exist_ok=True)
        config = sandbox.sandbox_config(
            slot=slot, stage=self.job_dir / "stage", private_tmp=private_tmp,
            workdir_name=self.job["assignment"], hide=self.job["hide"], keep=self.job["keep"],
            env=self.job["kernel_env"], memory_mb=self.job.get("memory_mb"), mpl_cache=self.job.get("mpl_cache", []))
        sandbox.write_kernel_spec(self.job_dir / "kernels", config, self.job["kernel_argv"])
        return KernelSession(self.job_dir / "kernels", sandbox.KERNEL_NAME, self.settings["extra_arguments"],
                             log_path=self.job_dir / "kernel.log",
                             cleanup=lambda: sandbox.kill_user_processes(slot.uid))

    def _left(self) -> float:
        return self.deadline - time.monotonic()

    def _record(self, notebook: str, grade_id: str, score, maximum) -> None:
        self.progress.write(json.dumps({"notebook": notebook, "grade_id": grade_id, "score": score,
                                        "max": maximum}) + "\n")
        self.progress.flush()

    # ----------------------------------------------------------------------------------

    def grade(self) -> dict:
        os.environ["JUPYTER_RUNTIME_DIR"] = str(self.job_dir / "runtime")
        begin = time.monotonic()
        files = stage_files(self.job, self.job_dir / "stage")
        self.timings["stage"] += time.monotonic() - begin
        result = {"student": self.job["student"], "assignment": self.job["assignment"], "notebooks": {},
                  "files": files}
        for spec_notebook in self.spec["notebooks"]:
            result["notebooks"][spec_notebook["name"]] = self.grade_notebook(spec_notebook)
        result["flags"] = sorted(self.flags)
        result["notes"] = self.notes
        result["timings"] = {k: round(v, 2) for k, v in self.timings.items()}
        return result

    def grade_notebook(self, spec_nb: dict) -> dict:
        name = spec_nb["name"]
        grades = {c["grade_id"]: {"score": 0.0, "max": float(c["points"]), "needs_manual": False}
                  for c in spec_nb["cells"] if c.get("grade")}
        entry = {"status": None, "grades": grades, "comments": {}, "autograded": None, "feedback": None}
        loaded = sanitize.read_notebook(Path(self.job["submission_dir"]) / f"{name}.ipynb")
        if loaded.notebook is None:
            entry["status"] = loaded.status
            self.flags.add(loaded.status)
            self.notes += [f"{name}: {note}" for note in loaded.notes]
            for grade_id, grade in grades.items():
                self._record(name, grade_id, 0.0, grade["max"])
            from autograder.grading import feedback_html

            (self.job_dir / "out" / "feedback").mkdir(parents=True, exist_ok=True)
            page = feedback_html.render_problem(name, "; ".join(loaded.notes), sum(g["max"] for g in grades.values()))
            (self.job_dir / "out" / "feedback" / f"{name}.html").write_text(page, encoding="utf-8")
            entry["feedback"] = f"feedback/{name}.html"
            return entry
        normalized = sanitize.normalize(loaded.notebook, spec_nb, self.settings.get("add_missing_cells", True))
        if normalized.restored:
            self.flags.add("cells_restored")
        self.notes += [f"{name}: {note}" for note in normalized.notes]
        notebook = normalized.notebook
        self.execute(notebook, spec_nb)
        self.score(notebook, entry, name)
        out = self.job_dir / "out"
        (out / "autograded").mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, str(out / "autograded" / f"{name}.ipynb"))
        entry["autograded"] = f"autograded/{name}.ipynb"
        begin = time.monotonic()
        try:
            from autograder.grading import feedback_html

            total = sum(g["score"] or 0 for g in grades.values())
            html = feedback_html.render(notebook, name, grades, entry["comments"], total,
                                        sum(g["max"] for g in grades.values()),
                                        self.settings.get("hidden_begin", "BEGIN HIDDEN TESTS"),
                                        self.settings.get("hidden_end", "END HIDDEN TESTS"))
            (out / "feedback").mkdir(parents=True, exist_ok=True)
            (out / "feedback" / f"{name}.html").write_text(html, encoding="utf-8")
            entry["feedback"] = f"feedback/{name}.html"
        except Exception as error:  # noqa: BLE001 - grades matter more than the page
            self.notes.append(f"{name}: the feedback page could not be made: {error}")
        self.timings["feedback"] += time.monotonic() - begin
        return entry

    # ----------------------------------------------------------------------------------

    def execute(self, notebook, spec_nb: dict) -> None:
        session = self._session()
        channel = KernelChannel(session)
        trusted = TrustedTests(spec_nb["cells"], channel)
        executed: list[int] = []       # student cells that ran (replayed after a restart)
        restarts = 0
        gave_up = False

        def ensure_kernel() -> bool:
            nonlocal restarts, gave_up
            if session.alive:
                return True
            if gave_up:
                return False
            if session.starts > 0:
                if restarts >= MAX_RESTARTS:
                    gave_up = True
                    self.notes.append(f"{spec_nb['name']}: the kernel died {restarts + 1} times; "
                                      "the rest of the notebook was not run")
                    return False
                restarts += 1
            begin = time.monotonic()
            session.start()
            self.timings["kernel"] += time.monotonic() - begin
            for index in list(executed):  # bring back the state the lost kernel had
                if self._left() <= 0:
                    break
                replay = session.run_cell(notebook.cells[index].source, self.timeout)
                if replay.status in ("died", "hung"):
                    executed.remove(index)
                    return ensure_kernel()
            return True

        try:
            for index, cell in enumerate(notebook.cells):
                if cell.cell_type != "code":
                    continue
                meta = cell.metadata.get("nbgrader", {})
                is_test = bool(meta.get("grade")) and not meta.get("solution")
                if self._left() <= 0:
                    self.flags.add("submission_timeout")
                    cell.outputs = [nbformat.v4.new_output(
                        "error", ename="NotRun", evalue="the submission's time budget was used up",
                        traceback=["NotRun: the submission's time budget was used up before this cell"])]
                    continue
                alive = ensure_kernel()
                if is_test:
                    source = sanitize.pristine_source(spec_nb, meta["grade_id"])
                    if not alive:
                        channel.session = _Dead()
                    channel.events = []
                    begin = time.monotonic()
                    outcome = trusted.run(source, min(self.timeout, max(self._left(), 0.1)))
                    self.timings["tests"] += time.monotonic() - begin
                    channel.session = session
                    cell.outputs = outcome.outputs
                    if "timeout" in channel.events:
                        self.flags.add("cell_timeout")
                        self.notes.append(f"{spec_nb['name']}: {meta['grade_id']}: the student's code ran past "
                                          "the time limit and was stopped")
                    if "died" in channel.events:
                        self.flags.add("kernel_died")
                        self.notes.append(f"{spec_nb['name']}: {meta['grade_id']}: the kernel died while the "
                                          "student's code was checked")
                    if "MemoryError" in outcome.kernel_errors:
                        self.flags.add("memory_limit")
                        self.notes.append(f"{spec_nb['name']}: {meta['grade_id']}: the student's code ran out of "
                                          f"memory (limit {self.job.get('memory_mb')} MB)")
                    continue
                if not alive:
                    cell.outputs = [nbformat.v4.new_output(
                        "error", ename="NotRun", evalue="the kernel kept dying",
                        traceback=["NotRun: the kernel died too often; this cell was not run"])]
                    continue
                begin = time.monotonic()
                run = session.run_cell(cell.source, min(self.timeout, max(self._left(), 0.1)))
                self.timings["cells"] += time.monotonic() - begin
                cell.outputs, cell.execution_count = run.outputs, run.execution_count
                where = f"{spec_nb['name']}: cell {index + 1}" + (f" ({meta['grade_id']})" if meta.get("grade_id") else "")
                if run.status == "timeout":
                    self.notes.append(f"{where} was stopped after {self.timeout:g} s")
                elif run.status == "hung":
                    self.notes.append(f"{where} ran past {self.timeout:g} s and ignored the interrupt: "
                                      "kernel restarted")
                elif run.status == "died":
                    self.notes.append(f"{where} killed the kernel: kernel restarted")
                if run.status in ("timeout", "hung"):
                    self.flags.add("cell_timeout")
                if run.status in ("died", "hung"):
                    self.flags.add("kernel_died")
                elif run.status != "timeout":
                    executed.append(index)
                if run.ename == "MemoryError":
                    self.flags.add("memory_limit")
                    self.notes.append(f"{where} ran out of memory (limit {self.job.get('memory_mb')} MB)")
        finally:
            session.stop()
        codes = [c for c in session.exit_codes if c is not None]
        if codes:
            self.notes.append(f"{spec_nb['name']}: kernel exit statuses: "
                              f"{', '.join(sandbox.signal_name(c) for c in codes)}")

    def score(self, notebook, entry: dict, name: str) -> None:
        from nbgrader.preprocessors import IgnorePattern, LimitOutput
        from nbgrader.utils import compute_checksum, determine_grade, is_grade, is_solution

        ignore = self.settings.get("ignore_pattern") or {}
        resources = {"nbgrader": {}}
        if ignore.get("enabled") and ignore.get("pattern"):
            IgnorePattern(enabled=True, pattern=ignore["pattern"]).preprocess(notebook, resources)
        limits = self.settings.get("limit_output") or {}
        LimitOutput(max_lines=int(limits.get("max_lines", 1000)),
                    max_traceback=int(limits.get("max_traceback", 100))).preprocess(notebook, resources)
        for cell in notebook.cells:
            meta = cell.metadata.get("nbgrader")
            if not isinstance(meta, dict):
                continue
            grade_id = meta.get("grade_id")
            if is_grade(cell) and grade_id in entry["grades"]:
                grade = entry["grades"][grade_id]
                try:
                    score, _ = determine_grade(cell)
                except (ValueError, KeyError):  # a value above the points: nbgrader would crash
                    score = 0.0
                if score is not None:
                    score = min(max(float(score), 0.0), grade["max"]) if score == score else 0.0
                grade["score"] = score
                grade["needs_manual"] = score is None
            if is_solution(cell):
                unchanged = meta.get("checksum") == compute_checksum(cell)
                entry["comments"][grade_id] = "No response." if unchanged else None
        for grade_id, grade in entry["grades"].items():
            self._record(name, grade_id, grade["score"], grade["max"])


class _Dead:
    """Stands in for a kernel that could not be restarted: every call fails."""

    alive = False

    def rpc(self, *args, **kwargs):
        raise KernelDied("the student's kernel kept dying and was not restarted")


def _die_with_parent() -> None:
    """If the grading run is killed, its fork server exits; then this worker (and, through the
    launcher's own setting, its kernels) must not go on grading as orphans."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
        if os.getppid() == 1:
            os._exit(1)


def run_job(job_path: str) -> None:
    """Entry point of the worker process: grade, write result.json, never raise."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    _die_with_parent()
    # the test cells run here, so they must see what nbgrader's kernel would (runtime.quick() etc.)
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    job = json.loads(Path(job_path).read_text())
    job_dir = Path(job["job_dir"])
    started = time.monotonic()
    try:
        result = Grader(job).grade()
    except SandboxFailed as error:
        result = {"flags": ["grader_error"], "notes": [str(error)], "notebooks": {}}
    except BaseException as error:  # noqa: BLE001 - the parent needs a result whatever happened
        result = {"flags": ["grader_error"], "notebooks": {},
                  "notes": [f"internal error: {error!r}", traceback.format_exc(limit=8)]}
    result["seconds"] = round(time.monotonic() - started, 2)
    temporary = job_dir / "result.json.tmp"
    temporary.write_text(json.dumps(result))
    os.replace(temporary, job_dir / "result.json")


def make_private(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, stat.S_IRWXU)
