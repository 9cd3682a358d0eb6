"""A right answer that passes the public check passes the hidden tests.

Under nbgrader a test cell runs ``check.NAME(NAME)`` (seed 0, what the learner saw as ✔)
and then its hidden tests: the same check with other seeds, and sometimes asserts on
values the notebook's text states. This module makes sure that a right implementation
cannot lose those points:

1. every right variant that a ``tests/test_checks_*.py`` module declares in
   ``RIGHT_VARIANTS`` passes its check under every seed the hidden tests use (found in
   ``solutions/<a>/<a>.nb.py``) and a few more (a seed that a whole test cell of point 2
   already runs with that variant is not run a second time);
2. every test cell, hidden part included, passes with each right variant in place of the
   solution's function;
3. the check's public run and its hidden runs hand the candidate the same kinds of input
   (dtypes, dimensions, memory layout, option values, number of calls): the cases are the
   same function of the seed, so ✔ in the notebook was earned on what grading tests.

Nothing here lists assignments, modules or functions: they are discovered, so a module
another helper adds later is covered as soon as it declares ``RIGHT_VARIANTS``.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import functools
import importlib
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

from autograder import authoring, check, paths
from conftest import ROOT

EXTRA_SEEDS = (1, 2024, 2 ** 31 - 1)  # beyond the notebooks' own hidden seeds
BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


# ---------------------------------------------------------------------------------------
# What the notebooks' hidden tests do


@dataclass(frozen=True)
class GradedCell:
    """One graded test cell of a notebook source."""
    assignment: str
    grade_id: str
    source: str
    checked: tuple[str, ...]  # the graded functions it calls check.NAME(...) on
    hidden: str  # the text between BEGIN and END HIDDEN TESTS ("" if none)


def hidden_part(source: str) -> str:
    """The lines between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``."""
    lines, inside = [], False
    for line in source.splitlines():
        if BEGIN in line or END in line:
            inside = BEGIN in line
        elif inside:
            lines.append(line)
    return "\n".join(lines)


def check_calls(source: str) -> list[tuple[str, int | None]]:
    """Every ``check.NAME(..., seed=K)`` call in ``source``, as (NAME, K or None)."""
    calls = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                isinstance(node.func.value, ast.Name) and node.func.value.id == "check":
            seed = next((k.value for k in node.keywords if k.arg == "seed"), None)
            calls.append((node.func.attr, seed.value if isinstance(seed, ast.Constant) else None))
    return calls


def graded_cells(assignment: str, root: Path = ROOT) -> list[GradedCell]:
    notebook = authoring.parse_source(paths.source_path(assignment, root).read_text(encoding="utf-8"))
    cells = []
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade"):
            checked = tuple(dict.fromkeys(name for name, _ in check_calls(cell.source)))
            cells.append(GradedCell(assignment, meta["grade_id"], cell.source, checked, hidden_part(cell.source)))
    return cells


def hidden_seeds(root: Path = ROOT) -> dict[str, set[int]]:
    """Graded function → the seeds its check is called with inside hidden tests, over
    every assignment (a check shared by two notebooks gets the seeds of both)."""
    seeds: dict[str, set[int]] = {}
    for assignment in paths.assignments(root):
        for cell in graded_cells(assignment, root):
            for name, seed in check_calls(cell.hidden) if cell.hidden.strip() else []:
                if seed is not None:
                    seeds.setdefault(name, set()).add(seed)
    return seeds


# ---------------------------------------------------------------------------------------
# The right variants the test modules declare


def right_variants(root: Path = ROOT) -> dict[str, list[Callable]]:
    """Graded function → every right variant declared by any tests/test_checks_*.py."""
    variants: dict[str, list[Callable]] = {}
    for path in sorted((root / "tests").glob("test_checks_*.py")):
        if "RIGHT_VARIANTS" not in path.read_text(encoding="utf-8"):
            continue  # do not import (and pay for) modules that declare nothing
        module = importlib.import_module(path.stem)
        for name, declared in getattr(module, "RIGHT_VARIANTS", {}).items():
            variants.setdefault(name, []).extend(declared)
    return variants


def _label(variant: Callable) -> str:
    name = getattr(variant, "__name__", None) or getattr(getattr(variant, "func", None), "__name__", None)
    return name or type(variant).__name__


VARIANTS = right_variants()
SEEDS = hidden_seeds()
CELLS = [cell for assignment in paths.assignments(ROOT) for cell in graded_cells(assignment)]



def seeds_run_by_whole_cells(cells: list[GradedCell]) -> dict[str, set[int]]:
    """Graded function → the seeds its check gets in the test cells that
    test_whole_test_cell_passes_with_a_right_variant runs with every right variant."""
    covered: dict[str, set[int]] = {}
    for cell in cells:
        if cell.hidden.strip():
            for name, seed in check_calls(cell.source):
                covered.setdefault(name, set()).add(0 if seed is None else seed)
    return covered


COVERED = seeds_run_by_whole_cells(CELLS)
SEED_RUNS = [pytest.param(name, variant, seed, id=f"{name}-{index}-{_label(variant)}-seed{seed}")
             for name, declared in sorted(VARIANTS.items())
             for index, variant in enumerate(declared)
             for seed in sorted({0, *SEEDS.get(name, ()), *EXTRA_SEEDS} - COVERED.get(name, set()))]


@pytest.mark.parametrize("name, variant, seed", SEED_RUNS)
def test_right_variant_passes_under_every_hidden_seed(name, variant, seed):
    getattr(check, name)(variant, seed=seed)


def test_every_seeded_hidden_test_has_right_variants_to_run():
    """A module that declares RIGHT_VARIANTS declares them for every seeded check of its
    assignment (tests/test_checks_NN.py ↔ solutions/NN_*)."""
    for path in sorted((ROOT / "tests").glob("test_checks_*.py")):
        if "RIGHT_VARIANTS" not in path.read_text(encoding="utf-8"):
            continue
        number = path.stem.removeprefix("test_checks_")
        declared = getattr(importlib.import_module(path.stem), "RIGHT_VARIANTS", {})
        for assignment in (a for a in paths.assignments(ROOT) if a.split("_", 1)[0] == number):
            seeded = {name for cell in graded_cells(assignment) for name, seed in check_calls(cell.hidden or "0")
                      if seed is not None}
            missing = seeded - set(declared)
            assert not missing, f"{path.name}: RIGHT_VARIANTS lacks {sorted(missing)} ({assignment})"


# ---------------------------------------------------------------------------------------
# Whole test cells, hidden asserts included, with each right variant


def _imports(source: str) -> list[ast.stmt]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]


def free_names(source: str) -> set[str]:
    """Names ``source`` reads without defining them itself (nor being builtins)."""
    loaded, defined = set(), set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else defined).add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            defined.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, ast.arg):
            defined.add(node.arg)
    return loaded - defined - set(dir(builtins))


@contextlib.contextmanager
def _notebook_conditions(assignment: str):
    """What a test cell sees when nbgrader runs it: the notebook's folder, quick mode,
    offline, a non-interactive matplotlib, no warnings."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    before = os.getcwd()
    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        patch.setenv("COURSE_QUICK", "1")
        patch.setenv("COURSE_OFFLINE", os.environ.get("COURSE_OFFLINE", "1"))
        os.chdir(paths.source_path(assignment, ROOT).parent)
        try:
            yield
        finally:
            os.chdir(before)
            plt.close("all")


@dataclass
class Namespaces:
    """The globals a test cell runs in, per assignment: the notebook's imports and its
    solution functions (enough for a self-contained test cell), or, for a cell that reads
    other notebook globals, the state after running every cell before it but the other
    test cells."""
    light: dict[str, dict] = field(default_factory=dict)
    before_cell: dict[tuple[str, str], dict] = field(default_factory=dict)

    def for_cell(self, cell: GradedCell) -> dict:
        base = self._light(cell.assignment)
        if free_names(cell.source) <= set(base):
            return dict(base)
        if (cell.assignment, cell.grade_id) not in self.before_cell:
            self._run_notebook(cell.assignment)
        return dict(self.before_cell[(cell.assignment, cell.grade_id)])

    def _light(self, assignment: str) -> dict:
        if assignment not in self.light:
            namespace: dict[str, Any] = {"__name__": "__main__"}
            notebook = authoring.parse_source(paths.source_path(assignment, ROOT).read_text(encoding="utf-8"))
            with _notebook_conditions(assignment):
                for cell in notebook.cells:
                    if cell.cell_type != "code":
                        continue
                    imports = _imports(cell.source)
                    if imports:
                        exec(compile(ast.Module(body=imports, type_ignores=[]), "<imports>", "exec"), namespace)
                    if cell.metadata.get("nbgrader", {}).get("solution"):
                        exec(compile(cell.source, f"<{cell.id}>", "exec"), namespace)
            self.light[assignment] = namespace
        return self.light[assignment]

    def _run_notebook(self, assignment: str) -> None:
        namespace: dict[str, Any] = {"__name__": "__main__"}
        notebook = authoring.parse_source(paths.source_path(assignment, ROOT).read_text(encoding="utf-8"))
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        graded = [i for i, cell in enumerate(code) if cell.metadata.get("nbgrader", {}).get("grade")]
        with _notebook_conditions(assignment):
            # Test cells define nothing later cells use and are run by the tests themselves;
            # what follows the last test cell is never needed.
            for cell in code[:graded[-1] + 1]:
                if cell.metadata.get("nbgrader", {}).get("grade"):
                    self.before_cell[(assignment, cell.metadata["nbgrader"]["grade_id"])] = dict(namespace)
                else:
                    exec(compile(cell.source, f"<{cell.id}>", "exec"), namespace)


NAMESPACES = Namespaces()

# One pytest-xdist worker per notebook: some cells need the whole notebook run first (its
# globals), which each worker would otherwise pay again (a minute for 08).
CELL_RUNS = [pytest.param(cell, name, variant, id=f"{cell.assignment}-{cell.grade_id}-{index}-{_label(variant)}",
                          marks=pytest.mark.xdist_group(f"cells-{cell.assignment}"))
             for cell in CELLS if cell.hidden.strip()
             for name in cell.checked if name in VARIANTS
             for index, variant in enumerate(VARIANTS[name])]


@pytest.mark.parametrize("cell, name, variant", CELL_RUNS)
def test_whole_test_cell_passes_with_a_right_variant(cell, name, variant, capfd):
    namespace = NAMESPACES.for_cell(cell)
    namespace[name] = variant
    with _notebook_conditions(cell.assignment):
        exec(compile(cell.source, f"<{cell.assignment}:{cell.grade_id}>", "exec"), namespace)
    assert capfd.readouterr().err == "", "a test cell that writes to stderr scores 0"


# ---------------------------------------------------------------------------------------
# The public run and the hidden runs draw the same kinds of input


def input_kind(value: Any) -> Any:
    """What kind of input a check hands a candidate, without the values: arrays by dtype,
    dimensions and memory layout; containers by their items' kinds; strings (methods,
    modes) by value; numbers by type."""
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.ndim, bool(value.flags.c_contiguous))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(sorted({repr(input_kind(item)) for item in value})))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((str(k), repr(input_kind(v))) for k, v in value.items())))
    if isinstance(value, str):
        return ("str", value)
    return type(value).__name__


class Recorder:
    """A right variant that notes the kind of every call it gets."""

    def __init__(self, variant: Callable):
        self.variant = variant
        self.calls: list[Any] = []
        functools.update_wrapper(self, variant)

    def __call__(self, *args, **kwargs):
        self.calls.append((tuple(input_kind(a) for a in args),
                           tuple(sorted((k, repr(input_kind(v))) for k, v in kwargs.items()))))
        return self.variant(*args, **kwargs)


def calls_under(name: str, variant: Callable, seed: int) -> list[Any]:
    recorder = Recorder(variant)
    getattr(check, name)(recorder, seed=seed)
    return recorder.calls


@functools.lru_cache(maxsize=None)
def public_calls(name: str) -> tuple:
    """The kinds of input the public run (seed 0) hands the first right variant: the same for
    every hidden seed it is compared with, so made once per worker (a training for check.train)."""
    return tuple(calls_under(name, VARIANTS[name][0], 0))


# One xdist worker per function, so that its public run is made once.
KIND_RUNS = [pytest.param(name, seed, id=f"{name}-seed{seed}", marks=pytest.mark.xdist_group(f"kinds-{name}"))
             for name in sorted(VARIANTS) for seed in sorted({*SEEDS.get(name, ()), *EXTRA_SEEDS})]


@pytest.mark.parametrize("name, seed", KIND_RUNS)
def test_hidden_runs_draw_the_same_kinds_of_input_as_the_public_run(name, seed):
    public, hidden = public_calls(name), calls_under(name, VARIANTS[name][0], seed)
    # How many calls a seed makes may follow the data it draws (a photo's 81 cells, a
    # puzzle's givens); what must not change is which kinds of input the candidate gets.
    only_public, only_hidden = sorted(set(public) - set(hidden), key=repr), sorted(set(hidden) - set(public), key=repr)
    assert not only_public, f"check.{name}: seed 0 passes {only_public[0]}, which seed {seed} never does"
    assert not only_hidden, f"check.{name}: seed {seed} passes {only_hidden[0]}, which seed 0 never does"


# ---------------------------------------------------------------------------------------
# The machinery above, on a small made-up notebook


SOURCE = '''# %% [markdown]
# # A made-up chapter

# %%
import numpy as np
from autograder import check

# %% solution id=double
def double(x):
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION

# %% test id=double_test points=1
check.double(double)
### BEGIN HIDDEN TESTS
check.double(double, seed=77)
assert double(np.ones(2)).sum() == 4
### END HIDDEN TESTS
'''


def test_the_parsers_find_seeds_checked_functions_and_free_names(tmp_path):
    folder = tmp_path / "solutions" / "99_made_up"
    folder.mkdir(parents=True)
    (folder / "99_made_up.nb.py").write_text(SOURCE, encoding="utf-8")
    (cell,) = graded_cells("99_made_up", tmp_path)
    assert cell.grade_id == "double_test" and cell.checked == ("double",)
    assert cell.hidden.splitlines()[0] == "check.double(double, seed=77)"
    assert hidden_seeds(tmp_path) == {"double": {77}}
    assert free_names(cell.source) == {"check", "double", "np"}
    assert free_names("_x = step.T\nfor _k in range(3):\n    print(_x[_k])") == {"step"}


def test_input_kind_tells_layouts_dtypes_and_modes_apart():
    image = np.zeros((4, 6))
    assert input_kind(image) != input_kind(image[:, ::2])
    assert input_kind(image) != input_kind(image.astype(np.float32))
    assert input_kind(image) == input_kind(np.ones((7, 3)))  # sizes may differ between seeds
    assert input_kind("same") != input_kind("valid")
    assert input_kind([1, 0, 1]) == input_kind([0]) != input_kind([True])


def test_the_recorder_is_transparent():
    def add(a, b=1):
        """Adds."""
        return a + b

    recorder = Recorder(add)
    assert recorder(2, b=3) == 5 and recorder.__name__ == "add" and recorder.__doc__ == "Adds."
    assert recorder.calls == [(("int",), (("b", "'int'"),))]
