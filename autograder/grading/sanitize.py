"""Read a submitted notebook and put its graded cells back the way the instructor wrote them.

These are nbgrader's rules (ClearOutput, DeduplicateIds, OverwriteCells with
``add_missing_cells``, OverwriteKernelspec), applied so that no submission can make them
fail: the source notebook's cells (``spec``) decide every graded cell's type, flags,
points and, for locked cells, source. What was changed is reported in plain words.

* outputs and execution counts are cleared (outputs forged in the file count for nothing);
* a graded cell that appears twice is graded once, as its last copy (nbgrader keeps the
  last); earlier copies become ordinary cells;
* a cell claiming an id the assignment does not have becomes an ordinary cell;
* a graded cell of another type (markdown, raw) is turned back into its type;
* metadata (grade, solution, locked, points) comes from the source; locked cells get
  their source back (test cells: with the hidden tests);
* a deleted test cell is put back after the nearest graded or locked cell before it.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field

import nbformat

from autograder.grading.records import CellSpec, NotebookSpec

MAX_NOTEBOOK_BYTES = 100 * 1024 * 1024
MISSING_CELL_NOTE = "This cell (id:{cell_id}) was missing from the submission. It was added back by the grader."


@dataclass
class Loaded:
    notebook: nbformat.NotebookNode | None
    status: str | None = None          # None, "missing_notebook" or "invalid_notebook"
    notes: list[str] = field(default_factory=list)
    restored: bool = False             # graded cells were changed in the file and restored


def read_notebook_bytes(name: str, raw: bytes, max_bytes: int = MAX_NOTEBOOK_BYTES) -> Loaded:
    """The notebook in ``raw`` (a submitted file called ``name``); never raises for a bad file."""
    if len(raw) > max_bytes:
        return Loaded(None, "invalid_notebook", [f"{name} is larger than {max_bytes // 2**20} MB"])
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return Loaded(None, "invalid_notebook", [f"{name} is not UTF-8 text"])
    except RecursionError:
        return Loaded(None, "invalid_notebook", [f"{name} is JSON nested too deeply to be a notebook"])
    except json.JSONDecodeError as error:
        return Loaded(None, "invalid_notebook",
                      [f"{name} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"])
    if not isinstance(data, dict) or not isinstance(data.get("cells", []), list) or "cells" not in data:
        return Loaded(None, "invalid_notebook", [f"{name} is JSON but not a notebook (no list of cells)"])
    try:
        notebook = _rebuild(data)
    except Exception as error:  # noqa: BLE001 - any malformed structure
        return Loaded(None, "invalid_notebook", [f"{name} is not a readable notebook: {error}"])
    return Loaded(notebook)


def _text(value) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return value if isinstance(value, str) else ""


def _rebuild(data: dict) -> nbformat.NotebookNode:
    """A clean nbformat 4.5 notebook from whatever cells the JSON holds (outputs dropped)."""
    notebook = nbformat.v4.new_notebook()
    metadata = data.get("metadata")
    notebook.metadata = nbformat.from_dict(metadata if isinstance(metadata, dict) else {})
    for raw in data["cells"]:
        if not isinstance(raw, dict):
            continue
        kind = raw.get("cell_type")
        source = _text(raw.get("source", ""))
        if kind == "code":
            cell = nbformat.v4.new_code_cell(source)
        elif kind == "markdown":
            cell = nbformat.v4.new_markdown_cell(source)
        else:
            cell = nbformat.v4.new_raw_cell(source)
        meta = raw.get("metadata")
        if isinstance(meta, dict):
            try:
                json.dumps(meta)
                cell.metadata = nbformat.from_dict(meta)
            except (TypeError, ValueError):
                pass
        if isinstance(raw.get("id"), str) and 0 < len(raw["id"]) <= 64:
            cell.id = raw["id"]
        notebook.cells.append(cell)
    return notebook


def _nbgrader_id(cell) -> str | None:
    meta = cell.metadata.get("nbgrader")
    if not isinstance(meta, dict):
        return None
    grade_id = meta.get("grade_id")
    return grade_id if isinstance(grade_id, str) and grade_id else None


def _strip(cell) -> None:
    cell.metadata.pop("nbgrader", None)


def _retyped(cell, kind: str):
    source = cell.source
    new = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell,
           "raw": nbformat.v4.new_raw_cell}[kind](source)
    new.metadata = cell.metadata
    new.id = cell.id
    return new


def source_metadata(spec_cell: CellSpec) -> dict:
    meta = {"schema_version": 3, "grade": spec_cell.grade, "solution": spec_cell.solution,
            "locked": spec_cell.locked, "grade_id": spec_cell.grade_id}
    if spec_cell.grade:
        meta["points"] = float(spec_cell.points)
    if spec_cell.task:
        meta["task"] = True
    if spec_cell.checksum:
        meta["checksum"] = spec_cell.checksum
    meta["cell_type"] = spec_cell.cell_type
    return meta


def normalize(notebook: nbformat.NotebookNode, spec_notebook: NotebookSpec, add_missing_cells: bool = True) -> Loaded:
    """Restore ``notebook``'s graded cells from ``spec_notebook`` (see module doc)."""
    notebook = copy.deepcopy(notebook)
    notes: list[str] = []
    restored = False
    graded = {c.grade_id: c for c in spec_notebook.cells if c.grade_id}

    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        if "nbgrader" in cell.metadata and _nbgrader_id(cell) is None:
            if not _harmless(cell.metadata["nbgrader"]):
                notes.append("a cell had grading metadata without an id: treated as an ordinary cell")
                restored = True
            _strip(cell)

    seen: set[str] = set()
    for cell in reversed(notebook.cells):
        grade_id = _nbgrader_id(cell)
        if grade_id is None:
            continue
        if grade_id in seen:
            _strip(cell)
            notes.append(f"cell {grade_id} appears more than once: only its last copy is graded")
            restored = True
        elif grade_id not in graded:
            _strip(cell)
            notes.append(f"a cell claims the unknown id {grade_id!r}: treated as an ordinary cell")
            restored = True
        else:
            seen.add(grade_id)

    for index, cell in enumerate(notebook.cells):
        grade_id = _nbgrader_id(cell)
        if grade_id is None:
            continue
        spec = graded[grade_id]
        old = cell.metadata["nbgrader"]
        if cell.cell_type != spec.cell_type:
            notes.append(f"cell {grade_id} was turned into a {cell.cell_type} cell: restored as {spec.cell_type}")
            cell = notebook.cells[index] = _retyped(cell, spec.cell_type)
            restored = True
        for key in ("grade", "solution", "locked"):
            if bool(old.get(key)) != bool(getattr(spec, key)):
                notes.append(f"cell {grade_id}: its '{key}' flag was changed: restored")
                restored = True
        if spec.grade and _points(old.get("points")) != float(spec.points):
            notes.append(f"cell {grade_id}: its points were changed: restored to {float(spec.points):g}")
            restored = True
        if spec.locked:
            if cell.source not in (spec.db_source, spec.release_source):
                notes.append(f"locked cell {grade_id} was edited: restored")
                restored = True
            cell.source = spec.db_source
        cell.metadata["nbgrader"] = source_metadata(spec)
        for key in ("deletable", "editable"):
            cell.metadata.pop(key, None)

    if add_missing_cells:
        restored |= _add_missing(notebook, spec_notebook, notes)

    notebook.metadata["kernelspec"] = copy.deepcopy(spec_notebook.kernelspec or {})
    if spec_notebook.language_info:
        notebook.metadata["language_info"] = copy.deepcopy(spec_notebook.language_info)
    _unique_ids(notebook)
    notebook.nbformat, notebook.nbformat_minor = 4, 5
    return Loaded(notebook, None, notes, restored)


def _harmless(meta) -> bool:
    """nbgrader metadata without an id that marks nothing (e.g. cleared by a duplicate)."""
    return isinstance(meta, dict) and not any(meta.get(k) for k in ("grade", "solution", "locked", "task"))


def _points(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _add_missing(notebook, spec_notebook: dict, notes: list[str]) -> bool:
    present = {(_nbgrader_id(c)): i for i, c in enumerate(notebook.cells) if _nbgrader_id(c)}
    added = False
    previous_index = -1  # where the last graded/locked cell of the source sits in the submission
    for spec in spec_notebook.cells:
        grade_id = spec.grade_id
        if not grade_id:
            continue
        if grade_id in present:
            previous_index = present[grade_id]
            continue
        if not spec.grade:
            continue  # nbgrader re-adds graded cells only
        note = MISSING_CELL_NOTE.format(cell_id=grade_id)
        if spec.cell_type == "code":
            cell = nbformat.v4.new_code_cell("# " + note + "\n\n" + spec.db_source)
        else:
            cell = nbformat.v4.new_markdown_cell(note + "\n\n" + spec.db_source)
        cell.metadata["nbgrader"] = source_metadata(spec)
        insert_at = previous_index + 1
        notebook.cells.insert(insert_at, cell)
        present = {k: (v + 1 if v >= insert_at else v) for k, v in present.items()}
        present[grade_id] = insert_at
        previous_index = insert_at
        notes.append(f"cell {grade_id} was deleted: put back")
        added = True
    return added


def _unique_ids(notebook) -> None:
    seen: set[str] = set()
    for number, cell in enumerate(notebook.cells):
        cell_id = cell.get("id")
        if not isinstance(cell_id, str) or not cell_id or cell_id in seen or len(cell_id) > 64 \
                or not all(ch.isalnum() or ch in "-_" for ch in cell_id):
            cell_id = f"cell-{number:04d}"
            while cell_id in seen:
                cell_id += "x"
            cell.id = cell_id
        seen.add(cell_id)


def pristine_source(spec_notebook: NotebookSpec, grade_id: str) -> str:
    """The pristine source of a test cell (with hidden tests): what the grader runs."""
    for cell in spec_notebook.cells:
        if cell.grade_id == grade_id:
            return cell.db_source
    raise KeyError(grade_id)
