"""Take functions out of a notebook (a learner's or the solution) without running it whole.

Benchmarks and grading need ``build_model`` or ``read_sudoku`` as plain Python objects.
:func:`load_functions` executes, in a fresh namespace, only the code cells that import
modules or define functions and classes (plus simple constant assignments), skipping
test cells, plotting and training, so a notebook loads in about the time of its imports.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterable

import nbformat


def _is_definition(node: ast.stmt) -> bool:
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    # NAME = literal / NAME = simple expression of constants (e.g. SIZE = 28, DIGITS = (1, 2))
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        value = node.value
        return value is not None and all(isinstance(n, (ast.Constant, ast.Tuple, ast.List, ast.Name,
                                                        ast.BinOp, ast.UnaryOp, ast.operator,
                                                        ast.unaryop, ast.Load, ast.Store))
                                         for n in ast.walk(value))
    return False


def definitions_source(notebook: nbformat.NotebookNode) -> str:
    """The import, def and class statements of the notebook's non-test code cells, in order."""
    pieces = []
    for cell in notebook.cells:
        if cell.cell_type != "code" or cell.metadata.get("nbgrader", {}).get("grade"):
            continue
        source = "\n".join(line for line in cell.source.splitlines()
                           if not line.lstrip().startswith(("%", "!")))  # IPython magics
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue  # a learner's broken cell: the functions it should define will be missing
        for node in tree.body:
            if _is_definition(node):
                pieces.append(ast.get_source_segment(source, node))
    return "\n\n".join(pieces)


def load_functions(path: str | Path, names: Iterable[str]) -> dict:
    """Return ``{name: object}`` for each requested name defined by the notebook at ``path``.

    Raises ``KeyError`` naming what the notebook does not define.
    """
    notebook = nbformat.read(str(path), as_version=4)
    namespace: dict = {"__name__": "__notebook__"}
    exec(compile(definitions_source(notebook), str(path), "exec"), namespace)  # noqa: S102
    missing = [name for name in names if name not in namespace]
    if missing:
        raise KeyError(f"{path} does not define {', '.join(missing)}")
    return {name: namespace[name] for name in names}
