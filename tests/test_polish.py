"""Every chapter keeps the shape a learner relies on: goals and a time estimate up front,
a hint pointer for each exercise, a recap at the end, and titled figures."""

import re

import nbformat
import pytest

from autograder import paths
from conftest import ROOT

ASSIGNMENTS = paths.assignments(ROOT)


def _notebook(assignment):
    return nbformat.read(paths.solution_notebook(assignment, ROOT), as_version=4)


def _markdown(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "markdown"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_opens_with_goals_and_time_estimate(assignment):
    intro = "\n".join(cell.source for cell in _markdown(_notebook(assignment))[:3])
    assert re.search(r"you will be able to", intro, re.IGNORECASE), "state the goals first"
    assert re.search(r"\*\*Time:\*\*\s*about \d+", intro), "give a time estimate: **Time:** about N minutes"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_ends_with_a_recap(assignment):
    last = _markdown(_notebook(assignment))[-1].source
    assert re.search(r"^#+ .*Recap", last, re.MULTILINE | re.IGNORECASE), "end with a '## Recap' section"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_exercise_says_where_its_hint_is(assignment):
    notebook = _notebook(assignment)
    text_so_far = ""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            text_so_far += cell.source
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution"):
            names = re.findall(r"^def (\w+)", cell.source, re.MULTILINE)
            for name in names[:1]:
                assert f"check.{name}.hint()" in text_so_far, f"{grade_id}: say `check.{name}.hint()` before it"


def _titling_helpers(notebook) -> set[str]:
    """Plot helpers defined in the notebook that set titles themselves."""
    helpers = set()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            for name, body in re.findall(r"^def (\w+)\(.*?\n((?:[ \t]+.*\n?|\n)*)", cell.source, re.MULTILINE):
                if re.search(r"title", body):
                    helpers.add(name)
    return helpers


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_figures_have_titles(assignment):
    notebook = _notebook(assignment)
    helpers = _titling_helpers(notebook)
    for cell in notebook.cells:
        has_figure = any(kind in output.get("data", {}) for output in cell.get("outputs", [])
                         for kind in ("image/png", "image/jpeg"))
        if has_figure:
            titled = re.search(r"title", cell.source) or any(re.search(rf"\b{h}\(", cell.source) for h in helpers)
            assert titled, f"cell {cell.id}: give the figure a title"
