"""``grade_one(job) -> result``: grade one submission, anywhere, touching nothing but its sandbox.

For each notebook of the assignment:

1. read the submitted file and restore its graded cells (:mod:`.sanitize`);
2. fork a fresh kernel in the worker's sandbox (:mod:`.sandbox`) with a copy of only this
   student's files (plus the assignment's own files, which win, as in nbgrader);
3. run the student's cells in the kernel, each with the time limit; a cell that kills the
   kernel (exit, crash, memory) is recorded, the kernel restarted and the earlier cells
   replayed, so that only the points that depend on the lost state are lost;
4. run each test cell's pristine source in this process (:mod:`.trusted`), where student
   code never ran, calling the student's functions in the kernel (:mod:`.channel`);
5. score the test cells with nbgrader's own rule (``determine_grade``) and render the
   autograded notebook and the feedback page (without hidden tests) into the result.

The result holds everything; the recorder (:mod:`.recorder`) writes it. Nothing here
touches the gradebook, grades.csv or the course folder, and nothing a submission does
makes this function raise: a failure of the grader itself becomes a ``grader_error``
result. ``autograder grade-one JOB [--output RESULT]`` runs it on a job file
(MessagePack, as :func:`autograder.grading.records.encode` writes it).
"""

from __future__ import annotations

import argparse
import errno
import os
import re
import sys
import threading
import time
import traceback

sys.modules.setdefault("rfc3987_syntax", None)  # jsonschema's optional IRI check costs 4 s to import

import nbformat  # noqa: E402

from autograder.grading import mistakes, records, sanitize  # noqa: E402
from autograder.grading.channel import KernelChannel  # noqa: E402
from autograder.grading.codec import KernelDied  # noqa: E402
from autograder.grading.kernel import KernelSession, OutputBudget  # noqa: E402
from autograder.grading.records import Job, NotebookResult, NotebookSpec, Result, TestResult  # noqa: E402
from autograder.grading.sandbox import Sandbox, SandboxConfig, SandboxError, for_this_process  # noqa: E402
from autograder.grading.trusted import TrustedTests  # noqa: E402

MAX_RESTARTS = 3
_DISK_ERRORS = (f"[Errno {errno.ENOSPC}]", f"[Errno {errno.EFBIG}]", "No space left on device", "File too large")


class _Dead:
    """Stands in for a kernel that could not be restarted: every call fails."""

    alive = False
    starts = -1

    def rpc(self, *args, **kwargs):
        raise KernelDied("the student's kernel kept dying and was not restarted")


class Grader:
    def __init__(self, job: Job, sandbox: Sandbox):
        self.job = job
        self.sandbox = sandbox
        self.limits = job.limits
        self.settings = job.settings
        self.deadline = time.monotonic() + job.limits.submission_timeout
        self.flags: set[str] = set()
        self.notes: list[str] = []
        self.timings = {"kernel": 0.0, "cells": 0.0, "tests": 0.0, "feedback": 0.0}

    def _left(self) -> float:
        return self.deadline - time.monotonic()

    def _kernel_files(self) -> list[tuple[str, bytes]]:
        """The kernel's working copy: the student's other files, then the assignment's own files."""
        files = dict(self.job.files)
        files.update(dict(self.job.assignment.files))
        return sorted(files.items())

    # ----------------------------------------------------------------------------------

    def grade(self) -> Result:
        notebooks = [self.grade_notebook(spec) for spec in self.job.assignment.notebooks]
        return Result(student=self.job.student, assignment=self.job.assignment.name, digest=self.job.digest,
                      notebooks=notebooks, flags=sorted(self.flags), notes=list(self.job.notes) + self.notes,
                      timings={k: round(v, 2) for k, v in self.timings.items()})

    def _problem(self, spec: NotebookSpec, status: str, note: str) -> NotebookResult:
        from autograder.grading import feedback_html

        self.flags.add(status)
        self.notes.append(f"{spec.name}: {note}")
        tests = [TestResult(c.grade_id, 0.0, float(c.points or 0)) for c in spec.cells if c.grade]
        page = feedback_html.render_problem(spec.name, note, spec.max_score)
        return NotebookResult(spec.name, tests, status=status, feedback=page.encode("utf-8"))

    def grade_notebook(self, spec: NotebookSpec) -> NotebookResult:
        name = spec.name
        if name in self.job.problems:
            problem = self.job.problems[name]
            status = "missing_notebook" if problem.startswith("missing") else "invalid_notebook"
            return self._problem(spec, status, problem.split(": ", 1)[-1])
        if name not in self.job.notebooks:
            return self._problem(spec, "missing_notebook", f"{name}.ipynb is not in the submission")
        loaded = sanitize.read_notebook_bytes(f"{name}.ipynb", self.job.notebooks[name])
        if loaded.notebook is None:
            return self._problem(spec, loaded.status, "; ".join(loaded.notes))
        normalized = sanitize.normalize(loaded.notebook, spec, self.settings.add_missing_cells)
        if normalized.restored:
            self.flags.add("cells_restored")
        self.notes += [f"{name}: {note}" for note in normalized.notes]
        notebook = normalized.notebook
        code_cells = sum(1 for cell in notebook.cells if cell.cell_type == "code")
        if code_cells > self.limits.max_cells:
            return self._problem(spec, "invalid_notebook",
                                 f"{name}.ipynb has {code_cells} code cells, more than the {self.limits.max_cells} "
                                 "a notebook may have")
        self.execute(notebook, spec)
        tests, comments = self.score(notebook, spec)
        autograded = nbformat.writes(notebook).encode("utf-8")
        begin = time.monotonic()
        feedback = None
        try:
            from autograder.grading import feedback_html

            grades = {t.grade_id: {"score": t.score, "max": t.max_score} for t in tests}
            html = feedback_html.render(notebook, name, grades, comments, sum(t.score or 0 for t in tests),
                                        spec.max_score, self.settings.hidden_begin, self.settings.hidden_end)
            feedback = html.encode("utf-8")
        except Exception as error:  # noqa: BLE001 - grades matter more than the page
            self.notes.append(f"{name}: the feedback page could not be made: {error}")
        self.timings["feedback"] += time.monotonic() - begin
        return NotebookResult(name, tests, comments=comments, autograded=autograded, feedback=feedback)

    # ----------------------------------------------------------------------------------

    def _note_cell(self, where: str, run) -> None:
        if run.status == "timeout" and not run.flooded:
            self.notes.append(f"{where} was stopped after {self.limits.cell_timeout:g} s")
        elif run.status == "hung":
            self.notes.append(f"{where} ran past its limit and ignored the interrupt: kernel restarted")
        elif run.status == "died":
            self.notes.append(f"{where} killed the kernel: kernel restarted")
        if run.flooded:
            self.notes.append(f"{where} sent far more output than a notebook may keep and was stopped")
        if run.truncated or run.flooded:
            self.flags.add("output_truncated")
        if run.status in ("timeout", "hung") and not run.flooded:
            self.flags.add("cell_timeout")
        if run.status in ("died", "hung"):
            self.flags.add("kernel_died")
        if run.ename == "MemoryError":
            self.flags.add("memory_limit")
            self.notes.append(f"{where} ran out of memory (limit {self.limits.memory_mb} MB)")
        if run.ename in ("OSError", "IOError") and any(
                marker in str(o.get("evalue", "")) for o in run.outputs if o.output_type == "error"
                for marker in _DISK_ERRORS):
            self.flags.add("disk_limit")
            self.notes.append(f"{where} filled its disk space (limit {self.limits.disk_mb} MB)")

    def _check_memory(self, session: KernelSession, where: str) -> None:
        hits = session.memory_limit_hits() if session.alive else 0
        if hits or getattr(session, "died_of_memory", False):
            session.died_of_memory = False
            self.flags.add("memory_limit")
            self.notes.append(f"{where}: the submission's processes used more than {self.limits.memory_mb} MB "
                              "together; the largest was stopped")

    def execute(self, notebook, spec: NotebookSpec) -> None:
        session = KernelSession(self.sandbox, self._kernel_files(), self.job.assignment.name,
                                self.settings.extra_arguments, self.limits)
        channel = KernelChannel(session)
        trusted = TrustedTests(spec.cells, channel)
        budget = OutputBudget(self.limits)
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
                    self.notes.append(f"{spec.name}: the kernel died {restarts + 1} times; "
                                      "the rest of the notebook was not run")
                    return False
                restarts += 1
            begin = time.monotonic()
            try:
                session.start()
            except KernelDied as error:
                if session.starts <= 1:  # not even the first kernel: the grader's problem, not the student's
                    raise SandboxError(str(error)) from None
                gave_up = True
                self.notes.append(f"{spec.name}: the kernel could not be started again ({error}); "
                                  "the rest of the notebook was not run")
                return False
            finally:
                self.timings["kernel"] += time.monotonic() - begin
            for index in list(executed):  # bring back the state the lost kernel had
                if self._left() <= 0:
                    break
                replay = session.run_cell(notebook.cells[index].source, self.limits.cell_timeout, OutputBudget(
                    self.limits))
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
                where = f"{spec.name}: cell {index + 1}" + (f" ({meta['grade_id']})" if meta.get("grade_id") else "")
                if is_test:
                    self._run_test(trusted, channel, session, cell, spec, meta["grade_id"], alive)
                    self._check_memory(session, where)
                    continue
                if not alive:
                    cell.outputs = [nbformat.v4.new_output(
                        "error", ename="NotRun", evalue="the kernel kept dying",
                        traceback=["NotRun: the kernel died too often; this cell was not run"])]
                    continue
                begin = time.monotonic()
                run = session.run_cell(cell.source, min(self.limits.cell_timeout, max(self._left(), 0.1)), budget)
                self.timings["cells"] += time.monotonic() - begin
                cell.outputs, cell.execution_count = run.outputs, run.execution_count
                self._note_cell(where, run)
                self._check_memory(session, where)
                if run.status not in ("died", "hung", "timeout"):
                    executed.append(index)
        finally:
            session.stop()
        codes = [c for c in session.exit_codes if c is not None]
        if codes:
            self.notes.append(f"{spec.name}: kernel exit statuses: {', '.join(_exit_text(c) for c in codes)}")

    def _run_test(self, trusted: TrustedTests, channel: KernelChannel, session: KernelSession, cell, spec,
                  grade_id: str, alive: bool) -> None:
        source = sanitize.pristine_source(spec, grade_id)
        if not alive:
            channel.session = _Dead()
        channel.events = []
        begin = time.monotonic()
        outcome = trusted.run(source, min(self.limits.cell_timeout, max(self._left(), 0.1)))
        self.timings["tests"] += time.monotonic() - begin
        channel.session = session
        cell.outputs = outcome.outputs
        if "timeout" in channel.events:
            self.flags.add("cell_timeout")
            self.notes.append(f"{spec.name}: {grade_id}: the student's code ran past the time limit and was stopped")
        if "died" in channel.events:
            self.flags.add("kernel_died")
            self.notes.append(f"{spec.name}: {grade_id}: the kernel died while the student's code was checked")
        if "MemoryError" in outcome.kernel_errors:
            self.flags.add("memory_limit")
            self.notes.append(f"{spec.name}: {grade_id}: the student's code ran out of memory "
                              f"(limit {self.limits.memory_mb} MB)")

    def score(self, notebook, spec: NotebookSpec) -> tuple[list[TestResult], dict[str, str | None]]:
        from nbgrader.preprocessors import IgnorePattern, LimitOutput
        from nbgrader.utils import compute_checksum, determine_grade, is_grade, is_solution

        resources = {"nbgrader": {}}
        if self.settings.ignore_pattern:
            IgnorePattern(enabled=True, pattern=self.settings.ignore_pattern).preprocess(notebook, resources)
        LimitOutput(max_lines=self.settings.max_lines,
                    max_traceback=self.settings.max_traceback).preprocess(notebook, resources)
        points = {c.grade_id: float(c.points or 0) for c in spec.cells if c.grade}
        scores: dict[str, TestResult] = {}
        comments: dict[str, str | None] = {}
        for cell in notebook.cells:
            meta = cell.metadata.get("nbgrader")
            if not isinstance(meta, dict):
                continue
            grade_id = meta.get("grade_id")
            if is_grade(cell) and grade_id in points:
                try:
                    score, _ = determine_grade(cell)
                except (ValueError, KeyError):  # a value above the points: nbgrader would crash
                    score = 0.0
                if score is not None:
                    score = min(max(float(score), 0.0), points[grade_id]) if score == score else 0.0
                error, message, mistake = _failure(cell)
                scores[grade_id] = TestResult(grade_id, score, points[grade_id], error, message, mistake,
                                              mistakes.mistake_id(mistake) if mistake else None)
            if is_solution(cell):
                unchanged = meta.get("checksum") == compute_checksum(cell)
                comments[grade_id] = "No response." if unchanged else None
        tests = [scores.get(grade_id, TestResult(grade_id, 0.0, maximum, "NotRun", "the test cell did not run"))
                 for grade_id, maximum in points.items()]
        return tests, comments


_MISTAKE = re.compile(r"Likely mistake:\s*(.+?)\.?\s*(?:\n\s*\n|\Z)", re.DOTALL)


def named_mistake(text: str) -> str | None:
    """The known mistake a check's message names (the checks end a failure with
    "Likely mistake: <description>.", possibly over several lines), or None."""
    found = _MISTAKE.search(text)
    return " ".join(found.group(1).split())[:300] if found else None


def _failure(cell) -> tuple[str | None, str, str | None]:
    """The exception a test cell ended with, the first line of its message (or a stderr
    line) and the known mistake its message names."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            text = str(output.get("evalue", "")).strip()
            return str(output.get("ename", "Error")), text.split("\n")[0][:300], named_mistake(text)
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            return "stderr", str(output.get("text", "")).strip().split("\n")[0][:300], None
    return None, "", None


def _exit_text(code: int) -> str:
    import signal

    if code < 0 or code > 128:
        number = -code if code < 0 else code - 128
        try:
            return signal.Signals(number).name
        except ValueError:
            return f"signal {number}"
    return f"exit status {code}"


def failed_result(job: Job, note: str, flag: str = "grader_error") -> Result:
    """The result of a submission the grader could not grade: every test unscored (None)."""
    notebooks = [NotebookResult(spec.name, [TestResult(c.grade_id, None, float(c.points or 0))
                                            for c in spec.cells if c.grade])
                 for spec in job.assignment.notebooks]
    return Result(student=job.student, assignment=job.assignment.name, digest=job.digest, notebooks=notebooks,
                  flags=[flag], notes=[note])


_WARM: set[tuple[str, ...]] = set()
_WARM_LOCK = threading.Lock()


def warm_up(preload: tuple[str, ...]) -> None:
    """Import what the test cells use and compile the feedback templates, once per process
    (a worker does it when it starts, so no submission's time limits pay for it)."""
    os.environ["NBGRADER_EXECUTION"] = "autograde"  # what the test cells see, as in nbgrader's kernel
    with _WARM_LOCK:
        if preload in _WARM:
            return
        import importlib

        for name in ("nbgrader.preprocessors", "nbgrader.utils", "autograder.check", *preload):
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the test that needs it will say so
                pass
        try:
            from autograder.checks import registry

            registry()
            from autograder.grading import feedback_html

            feedback_html.warm_up()
        except Exception:  # noqa: BLE001 - only a speed-up
            pass
        _WARM.add(preload)


def grade_one(job: Job, sandbox: Sandbox | None = None, config: SandboxConfig | None = None) -> Result:
    """Grade one submission; never raises for anything the submission does."""
    warm_up(tuple(job.assignment.preload))
    started = time.monotonic()
    if sandbox is None:
        sandbox = for_this_process(config or SandboxConfig(preload=tuple(job.assignment.preload)))
    try:
        result = Grader(job, sandbox).grade()
    except SandboxError as error:
        sandbox.close()  # start afresh for the next submission
        result = failed_result(job, f"the sandbox failed: {error}")
    except Exception as error:  # noqa: BLE001 - a result whatever happened
        result = failed_result(job, f"internal error: {error!r} " + traceback.format_exc(limit=6).replace("\n", " "))
    return records.msgspec.structs.replace(result, seconds=round(time.monotonic() - started, 2))


def main(argv: list[str] | None = None) -> int:
    """``autograder grade-one JOB [--output RESULT]``."""
    parser = argparse.ArgumentParser(prog="autograder grade-one", description=__doc__.split("\n\n")[0])
    parser.add_argument("job", help="a job file (MessagePack; `autograder grade --write-jobs DIR` writes them)")
    parser.add_argument("--output", help="write the result here (MessagePack) instead of a summary on stdout")
    args = parser.parse_args(argv)
    with open(args.job, "rb") as handle:
        job = records.decode_job(handle.read())
    sandbox = Sandbox(SandboxConfig(preload=tuple(job.assignment.preload)))
    try:
        result = grade_one(job, sandbox)
    finally:
        sandbox.close()
    if args.output:
        with open(args.output, "wb") as handle:
            handle.write(records.encode(result))
    else:
        score = sum(nb.score for nb in result.notebooks)
        maximum = sum(t.max_score for nb in result.notebooks for t in nb.tests)
        print(f"{result.student} {result.assignment}: {score:g}/{maximum:g} {records.status_text(result.flags)}")
        for notebook in result.notebooks:
            for test in notebook.tests:
                print(f"  {test.grade_id}: {test.score}/{test.max_score:g}"
                      + (f"  {test.error}: {test.message}" if test.error else "")
                      + (f" (likely mistake: {test.mistake})" if test.mistake else ""))
        for note in result.notes:
            print(f"  note: {note}")
    return 0 if "grader_error" not in result.flags else 1
