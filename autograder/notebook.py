"""Take named functions out of a notebook without running the notebook.

Benchmarks and helpers want a learner's ``build_model`` or ``read_sudoku``, not the
minutes of training and plotting around them. :func:`load_functions` reads the notebook
(an ``.ipynb`` file or a ``.nb.py`` source), keeps from its code cells only what defines
things (imports, ``def`` and ``class`` statements, and the top-level assignments those
functions read, such as ``EPOCHS = 12``), runs that in a fresh namespace and returns the
functions asked for. Test cells (nbgrader ``grade`` cells) are skipped, and so is every
other statement: ``model = build_model()`` or ``plt.show()`` never run.

    >>> from autograder.notebook import load_functions
    >>> found = load_functions("solutions/08_keras_cnn_mnist/08_keras_cnn_mnist.ipynb",
    ...                        ["build_model", "train"])
    >>> model = found["build_model"]()
"""

from __future__ import annotations

import ast
import symtable
from pathlib import Path
from typing import Any, Iterable

import nbformat

_DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class NotebookError(KeyError):
    """The notebook cannot be read, or does not define a function that was asked for.

    A KeyError (a missing name, in effect) whose message prints without quotes."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _read(path: Path) -> nbformat.NotebookNode:
    if not path.exists():
        raise NotebookError(f"no notebook at {path}")
    if path.name.endswith(".py"):
        from autograder.authoring import parse_source

        return parse_source(path.read_text(encoding="utf-8"))
    try:
        return nbformat.read(path, as_version=4)
    except Exception as error:  # not JSON, not a notebook
        raise NotebookError(f"cannot read {path} as a notebook: {error}") from None


def _is_test_cell(cell: nbformat.NotebookNode) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


def strip_magics(source: str) -> str:
    """IPython lines (%magic, !shell) are not Python: blank them, keeping line numbers
    (the one stripper: the loader here and grading's trusted test cells use it)."""
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        lines.append("" if stripped.startswith(("%", "!")) else line)
    return "\n".join(lines)


def _only_definitions(node: ast.stmt) -> bool:
    """An import or def, or a try/if block made only of them (``try: import x``)."""
    if isinstance(node, _DEFINITIONS):
        return True
    if isinstance(node, (ast.Try, ast.If)):
        bodies = [node.body, node.orelse] + ([h.body for h in node.handlers] + [node.finalbody]
                                             if isinstance(node, ast.Try) else [])
        return all(_only_definitions(child) or isinstance(child, ast.Pass)
                   for body in bodies for child in body)
    return False


def _assigned_names(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets = [node.target]
    else:
        return set()
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def _names_read(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _statements(notebook: nbformat.NotebookNode) -> list[ast.stmt]:
    statements = []
    for cell in notebook.cells:
        if cell.cell_type != "code" or _is_test_cell(cell):
            continue
        try:
            tree = ast.parse(strip_magics(cell.source))
        except SyntaxError:
            continue  # a broken cell defines nothing; a missing function is reported below
        statements.extend(tree.body)
    return statements


def _globals_read(node: ast.stmt) -> set[str]:
    """The module-level names a statement reads. For a def or class, only the names its
    body takes from the notebook's namespace, not its own parameters and local variables
    (a function's local ``cells`` must not pull in a top-level ``cells = ...``)."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return _names_read(node)
    table = symtable.symtable(ast.unparse(node), "<cell>", "exec")
    found: set[str] = set()

    def visit(scope: symtable.SymbolTable) -> None:
        if isinstance(scope, symtable.Function):
            found.update(scope.get_globals())
        else:  # a class body reads its names at definition time
            found.update(s.get_name() for s in scope.get_symbols() if s.is_referenced() and not s.is_assigned())
        for child in scope.get_children():
            visit(child)

    for child in table.get_children():
        visit(child)
    return found | _read_when_defined(node)


def _defined_names(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    return _assigned_names(node)


def _read_when_defined(node: ast.stmt) -> set[str]:
    """Names a def or class statement reads as it runs: decorators, default values,
    annotations, a class body; an if's condition. A function body runs only when called."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        args = node.args
        parts = [*node.decorator_list, *args.defaults, *(d for d in args.kw_defaults if d is not None),
                 *(a.annotation for a in args.posonlyargs + args.args + args.kwonlyargs if a.annotation)]
        if node.returns is not None:
            parts.append(node.returns)
        return set().union(*(_names_read(p) for p in parts)) if parts else set()
    if isinstance(node, ast.ClassDef):
        return _names_read(node)
    if isinstance(node, (ast.Try, ast.If)):
        reads = _names_read(node.test) if isinstance(node, ast.If) else set()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                reads |= _read_when_defined(child)
        return reads
    return set()


def _select(statements: list[ast.stmt], names: Iterable[str] = ()) -> list[ast.stmt]:
    """Imports and defs, plus the top-level assignments that the named functions read,
    directly or through the other functions and assignments they read. Without names, the
    assignments read by any def."""
    definitions = [s for s in statements if _only_definitions(s)]
    defined_by_def = {name for s in definitions for name in _defined_names(s)}
    # an assignment never replaces a function: `train = None` or `f = f(2)` is not a definition
    assignments = [s for s in statements if _assigned_names(s) and not _assigned_names(s) & defined_by_def]
    needed = set(names).union(*(_read_when_defined(s) for s in definitions))
    if not names:
        needed |= set().union(*(_globals_read(s) for s in definitions))
    chosen: list[ast.stmt] = []
    changed = True
    while changed:  # follow what the needed code reads: EPOCHS = 3 if QUICK else 12, helpers
        changed = False
        for statement in definitions + assignments:
            if statement not in chosen and _defined_names(statement) & needed:
                chosen.append(statement)
                needed |= _globals_read(statement)
                changed = True
    kept = set(map(id, definitions + chosen))  # every import and def; only the needed assignments
    return [s for s in statements if id(s) in kept]  # notebook order: later defs win


def definitions_source(notebook: nbformat.NotebookNode, names: Iterable[str] = ()) -> str:
    """The code :func:`load_functions` runs, as Python source: the notebook's imports and
    defs (test cells left out), plus the top-level assignments they or ``names`` read."""
    return ast.unparse(ast.Module(body=_select(_statements(notebook), names), type_ignores=[]))


def load_functions(path: str | Path, names: Iterable[str]) -> dict[str, Any]:
    """Return ``{name: object}`` for each of ``names`` defined by the notebook at ``path``.

    Only the notebook's imports, ``def``/``class`` statements and the top-level assignments
    they read are executed, in notebook order, in one fresh namespace (so the functions
    see each other and their imports). Test cells are skipped. Raises
    :class:`NotebookError` (a KeyError) when the file is not a notebook, a name is not
    defined, or an import or needed statement fails; a def that is not needed and fails on
    its own (say, a default value that is defined later) is skipped.
    """
    path = Path(path)
    names = list(names)
    statements = _select(_statements(_read(path)), names)
    namespace: dict[str, Any] = {"__name__": f"notebook:{path.stem}", "__file__": str(path)}
    for statement in statements:
        code = compile(ast.Module(body=[statement], type_ignores=[]), str(path), "exec")
        try:
            exec(code, namespace)
        except Exception as error:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
                    and statement.name not in names:
                continue  # a def the named functions do not need, broken on its own: skip it
            first_line = ast.unparse(statement).splitlines()[0]
            raise NotebookError(f"running the definitions of {path} failed at `{first_line}`: "
                                f"{type(error).__name__}: {error}") from error
    missing = [name for name in names if name not in namespace]
    if missing:
        raise NotebookError(f"{path} does not define {', '.join(missing)}")
    return {name: namespace[name] for name in names}
