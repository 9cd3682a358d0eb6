"""The typed records that travel between the grading steps (msgspec structs).

A :class:`Job` is everything needed to grade one submission anywhere (another machine
included): the assignment's cells as the gradebook holds them, the nbgrader settings,
the limits and the submitted files themselves. :func:`autograder.grading.grade_one.grade_one`
turns it into a :class:`Result`; the recorder (:mod:`autograder.grading.recorder`)
writes results to the gradebook, grades.csv and the journal. Both encode to MessagePack
(``autograder grade-one JOB`` reads one) and are validated when decoded, so a
malformed result becomes that student's status row instead of stopping a run.
"""

from __future__ import annotations

import msgspec


class Limits(msgspec.Struct, frozen=True):
    """What one submission may use."""
    cell_timeout: float = 300.0          # seconds per cell, and per test cell
    submission_timeout: float = 900.0    # seconds for the whole submission
    memory_mb: int | None = 2048         # all the submission's processes together

    @property
    def address_space_mb(self) -> int | None:
        """Each process's address space (RLIMIT_AS): the memory limit plus room for the
        virtual reservations of libraries such as TensorFlow, which touch little of it."""
        return self.memory_mb + 4096 if self.memory_mb else None

    tasks: int = 128                     # processes and threads
    disk_mb: int = 256                   # its private writable folder (/tmp)
    file_mb: int = 128                   # largest file it may write
    cpu_seconds: int = 900               # CPU time of each of its processes
    stream_chars: int = 200_000          # text a cell may print (kept in the notebook)
    display_chars: int = 8_000_000       # rich output a cell may display
    notebook_output_chars: int = 24_000_000  # all outputs of a notebook together
    max_cells: int = 4000                # cells of a notebook that are run


class Settings(msgspec.Struct, frozen=True):
    """The nbgrader options grading applies (from nbgrader_config.py)."""
    extra_arguments: list[str] = msgspec.field(default_factory=list)
    ignore_pattern: str = ""             # IgnorePattern.pattern when enabled, else ""
    max_lines: int = 1000                # LimitOutput
    max_traceback: int = 100
    add_missing_cells: bool = True
    hidden_begin: str = "BEGIN HIDDEN TESTS"
    hidden_end: str = "END HIDDEN TESTS"


class CellSpec(msgspec.Struct, frozen=True):
    """A cell of the source notebook; graded and locked cells as the gradebook stores them."""
    cell_type: str
    source: str
    grade_id: str | None = None
    grade: bool = False
    solution: bool = False
    locked: bool = False
    task: bool = False
    points: float | None = None
    checksum: str | None = None
    db_source: str | None = None         # with hidden tests
    release_source: str | None = None    # as the learners got it


class NotebookSpec(msgspec.Struct, frozen=True):
    name: str
    cells: list[CellSpec]
    kernelspec: dict = msgspec.field(default_factory=dict)
    language_info: dict = msgspec.field(default_factory=dict)

    @property
    def max_score(self) -> float:
        return sum(cell.points or 0 for cell in self.cells if cell.grade)


class AssignmentSpec(msgspec.Struct, frozen=True):
    name: str
    notebooks: list[NotebookSpec]
    files: list[tuple[str, bytes]] = msgspec.field(default_factory=list)  # the source folder's other files
    preload: list[str] = msgspec.field(default_factory=list)              # modules its cells import
    digest: str = ""


class Job(msgspec.Struct, frozen=True):
    """One submission to grade, self-contained."""
    student: str
    assignment: AssignmentSpec
    settings: Settings
    limits: Limits
    notebooks: dict[str, bytes]                      # notebook name -> the submitted file
    files: list[tuple[str, bytes]]                   # the submission's other files (relative path, bytes)
    problems: dict[str, str] = msgspec.field(default_factory=dict)  # notebook name -> why it was not collected
    notes: list[str] = msgspec.field(default_factory=list)          # what collection left out
    digest: str = ""


class TestResult(msgspec.Struct, frozen=True):
    grade_id: str
    score: float | None                  # None: needs manual grading
    max_score: float
    error: str | None = None             # exception class name when the test failed
    message: str = ""                    # the first line of its failure message
    mistake: str | None = None           # the known mistake the check named ("Likely mistake: ...")
    mistake_id: str | None = None        # its stable identifier, what the class report counts (.mistakes)


class NotebookResult(msgspec.Struct, frozen=True):
    name: str
    tests: list[TestResult]
    status: str | None = None            # "missing_notebook", "invalid_notebook" or None
    comments: dict[str, str | None] = msgspec.field(default_factory=dict)
    autograded: bytes | None = None      # the graded notebook (.ipynb)
    feedback: bytes | None = None        # the feedback page (.html)

    @property
    def score(self) -> float:
        return sum(t.score or 0 for t in self.tests)


class Result(msgspec.Struct, frozen=True):
    student: str
    assignment: str
    digest: str
    notebooks: list[NotebookResult]
    flags: list[str] = msgspec.field(default_factory=list)
    notes: list[str] = msgspec.field(default_factory=list)
    seconds: float = 0.0
    timings: dict[str, float] = msgspec.field(default_factory=dict)


STATUS_ORDER = ["grader_error", "invalid_submission", "missing_notebook", "invalid_notebook", "submission_timeout",
                "kernel_died", "memory_limit", "cell_timeout", "disk_limit", "output_truncated", "cells_restored"]


def status_text(flags) -> str:
    ordered = [flag for flag in STATUS_ORDER if flag in flags]
    ordered += sorted(set(flags) - set(STATUS_ORDER))
    return "+".join(ordered) if ordered else "ok"


def encode(record: msgspec.Struct) -> bytes:
    return msgspec.msgpack.encode(record)


def decode_job(data: bytes) -> Job:
    return msgspec.msgpack.decode(data, type=Job)


def decode_result(data: bytes) -> Result:
    return msgspec.msgpack.decode(data, type=Result)


def validate(result: object) -> Result:
    """``result`` as a valid :class:`Result` (a round trip through its schema), or ValueError."""
    if not isinstance(result, Result):
        raise ValueError(f"the grading worker returned a {type(result).__name__}, not a result")
    try:
        return msgspec.msgpack.decode(msgspec.msgpack.encode(result), type=Result)
    except (msgspec.ValidationError, msgspec.EncodeError, TypeError) as error:
        raise ValueError(f"malformed result: {error}") from None
