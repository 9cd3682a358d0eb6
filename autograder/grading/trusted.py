"""Run the instructor's test cells in the grading process, never in the student's kernel.

Each test cell's source is the pristine one from the source notebook (hidden tests
included), whatever the submission contains. Its names are bound like this:

* a name the source notebook imports (``np``, ``check``, ``sample_image``…) is imported
  here, from the grader's own installation, so student code cannot replace it;
* a name the test cell assigns before using it is left to the cell;
* a Python builtin stays the builtin, unless the source notebook itself rebinds that name;
* every other name (the graded functions, data the notebook computed) is looked up in the
  student's kernel: functions become :class:`~autograder.grading.proxy.Remote` callables,
  data comes by value.

The cell's printed output, its last expression and its exception become notebook
outputs, so nbgrader's own rule (an error or stderr output scores 0, a numeric last value
is partial credit) decides the score.
"""

from __future__ import annotations

import ast
import builtins
import io
import sys
import time
import warnings
from dataclasses import dataclass
from typing import Any, Iterable

import nbformat

from autograder.grading.channel import KernelChannel
from autograder.grading.codec import GradingError
from autograder.grading.proxy import MISSING
from autograder.grading.records import CellSpec
from autograder.notebook import strip_magics

_BUILTIN_NAMES = set(dir(builtins))


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(strip_magics(source))
    except SyntaxError:
        return None


def _top_level_bindings(tree: ast.Module) -> tuple[dict[str, str], set[str]]:
    """(imports: name -> one-name import statement, other names bound at module level)."""
    imports: dict[str, str] = {}
    bound: set[str] = set()

    def visit(nodes: Iterable[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    name = alias.asname or alias.name.split(".")[0]
                    statement = f"import {alias.name}" + (f" as {alias.asname}" if alias.asname else "")
                    imports.setdefault(name, statement)
            elif isinstance(node, ast.ImportFrom):
                if node.level or not node.module:
                    continue
                for alias in node.names:
                    if alias.name == "*":
                        continue
                    name = alias.asname or alias.name
                    imports.setdefault(name, f"from {node.module} import {alias.name}"
                                       + (f" as {alias.asname}" if alias.asname else ""))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bound.add(node.name)
            elif isinstance(node, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try)):
                for target in ast.walk(node):
                    if isinstance(target, ast.Name) and isinstance(target.ctx, ast.Store):
                        bound.add(target.id)
                for part in ("body", "orelse", "finalbody"):
                    visit(getattr(node, part, []) or [])
                for handler in getattr(node, "handlers", []) or []:
                    visit(handler.body)
            else:
                for target in ast.walk(node):
                    if isinstance(target, ast.Name) and isinstance(target.ctx, ast.Store):
                        bound.add(target.id)
                    elif isinstance(target, (ast.Lambda, ast.FunctionDef)):
                        break

    visit(tree.body)
    return imports, bound


def _first_uses(tree: ast.Module) -> dict[str, str]:
    """For each name in the cell, whether its first occurrence (in source order) loads or stores it."""
    events: list[tuple[int, int, str, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            kind = "load" if isinstance(node.ctx, ast.Load) else "store"
            events.append((node.lineno, node.col_offset, node.id, kind))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    name = alias.asname or alias.name.split(".")[0]
                    events.append((node.lineno, node.col_offset, name, "store"))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            events.append((node.lineno, node.col_offset, node.name, "store"))
    # a store's value is evaluated before the target: "x = f(x)" loads x first, which the
    # (line, column) order gets wrong for targets left of the value; loads win ties per line.
    events.sort(key=lambda e: (e[0], e[3] == "store", e[1]))
    first: dict[str, str] = {}
    for _, _, name, kind in events:
        first.setdefault(name, kind)
    return first


@dataclass
class TestOutcome:
    outputs: list
    error: str | None            # exception class name, or None when the cell completed
    seconds: float
    kernel_errors: list[str]     # exception classes the student's code raised while checked


class _Capture(io.TextIOBase):
    def __init__(self, name: str, sink: list):
        self.name, self.sink = name, sink

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        text = str(text)
        if len(self.sink) < 10_000:
            self.sink.append((self.name, text))
        return len(text)


class TrustedTests:
    """The trusted namespace of one notebook's tests, linked to the student's kernel."""

    def __init__(self, source_cells: list[CellSpec], channel: KernelChannel):
        self.channel = channel
        self.namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
        self.imports: dict[str, str] = {}
        self.instructor_bound: set[str] = set()
        self.from_kernel: set[str] = set()
        for cell in source_cells:
            if cell.cell_type != "code" or (cell.grade and not cell.solution):
                continue
            tree = _parse(cell.source)
            if tree is None:
                continue
            imports, bound = _top_level_bindings(tree)
            for name, statement in imports.items():
                self.imports.setdefault(name, statement)
            self.instructor_bound |= bound
        self.instructor_bound -= set(self.imports)

    def _bind(self, tree: ast.Module) -> None:
        wanted = []
        for name, kind in _first_uses(tree).items():
            if name in self.imports:
                if name not in self.namespace:
                    exec(compile(self.imports[name], "<course import>", "exec"), self.namespace)  # noqa: S102
            elif kind == "store":
                continue  # the cell defines it before using it
            elif name in self.namespace and name not in self.from_kernel:
                continue  # defined by an earlier test cell
            elif name in _BUILTIN_NAMES and name not in self.instructor_bound:
                continue
            elif not (name.startswith("__") and name.endswith("__")):
                wanted.append(name)
        if not wanted:
            return
        for name, value in self.channel.describe(wanted).items():
            if value is MISSING:
                self.namespace.pop(name, None)
                self.from_kernel.discard(name)
            else:
                self.namespace[name] = value
                self.from_kernel.add(name)

    def run(self, source: str, timeout: float) -> TestOutcome:
        """Run one test cell's pristine source with a time limit on the student's code."""
        start = time.monotonic()
        written: list[tuple[str, str]] = []
        outputs: list = []
        error_name = None
        self.channel.deadline = start + timeout
        self.channel.errors_seen = []
        self.channel.on_stream = lambda name, text: written.append(
            ("stderr" if name == "stderr" else "stdout", text))
        value = None
        stdout, stderr = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = _Capture("stdout", written), _Capture("stderr", written)
        try:
            tree = _parse(source)
            if tree is None:
                compile(strip_magics(source), "<test cell>", "exec")  # raises the SyntaxError
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # like the kernel spec's PYTHONWARNINGS=ignore
                self._bind(tree)
                last = None
                if tree.body and isinstance(tree.body[-1], ast.Expr):
                    last = ast.Expression(tree.body.pop().value)
                exec(compile(tree, "<test cell>", "exec"), self.namespace)  # noqa: S102 - instructor code
                if last is not None:
                    value = eval(compile(last, "<test cell>", "eval"), self.namespace)  # noqa: S307
        except BaseException as error:  # noqa: BLE001 - every failure scores the cell 0
            error_name = type(error).__name__
            message = str(error)
            if isinstance(error, GradingError):
                message = f"{message} ({error_name})"
                error_name = "GradingError"
            outputs_error = nbformat.v4.new_output(
                "error", ename=error_name, evalue=message,
                traceback=[f"{error_name}: {message}" if message else error_name])
        else:
            outputs_error = None
        finally:
            sys.stdout, sys.stderr = stdout, stderr
            self.channel.deadline = None
        for name, text in written:
            if outputs and outputs[-1].output_type == "stream" and outputs[-1].name == name:
                outputs[-1].text += text
            else:
                outputs.append(nbformat.v4.new_output("stream", name=name, text=text))
        if value is not None and outputs_error is None:
            outputs.append(nbformat.v4.new_output("execute_result", data={"text/plain": repr(value)},
                                                  execution_count=None))
        if outputs_error is not None:
            outputs.append(outputs_error)
        return TestOutcome(outputs, error_name, time.monotonic() - start, list(self.channel.errors_seen))
