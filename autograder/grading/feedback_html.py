"""Feedback HTML for one graded notebook: nbgrader's feedback template, without hidden tests.

``nbgrader generate_feedback`` reads the scores from the gradebook (GetGrades). The
grading workers must not touch the gradebook, so this module puts the same values into
the notebook and its resources itself, removes the hidden tests (ClearHiddenTests) and
renders nbgrader's ``feedback`` template. Running ``nbgrader generate_feedback`` later,
after manual grading, gives the same page with the updated scores.
"""

from __future__ import annotations

import copy
import os

import nbformat


def _template_dirs() -> tuple[str, str]:
    import nbgrader

    base = os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader")
    return (os.path.join(base, "templates"),
            os.path.join(base, "static", "node_modules", "bootstrap", "dist", "css"))


def strip_hidden_tests(notebook: nbformat.NotebookNode, begin: str = "BEGIN HIDDEN TESTS",
                       end: str = "END HIDDEN TESTS") -> nbformat.NotebookNode:
    """A copy of ``notebook`` whose cells no longer contain hidden-test regions."""
    from nbgrader.preprocessors import ClearHiddenTests

    notebook = copy.deepcopy(notebook)
    clear = ClearHiddenTests(begin_test_delimeter=begin, end_test_delimeter=end, enforce_metadata=False)
    for cell in notebook.cells:
        try:
            clear._remove_hidden_test_region(cell)
        except RuntimeError:  # unbalanced markers: drop everything from the first marker on
            cell.source = cell.source.split(begin)[0]
    return notebook


def render(notebook: nbformat.NotebookNode, notebook_name: str, grades: dict, comments: dict,
           score: float, max_score: float, begin: str = "BEGIN HIDDEN TESTS",
           end: str = "END HIDDEN TESTS") -> str:
    """The feedback page. ``grades``: grade_id -> {"score", "max"}; ``comments``: grade_id -> text."""
    notebook = strip_hidden_tests(notebook, begin, end)
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader")
        if not isinstance(meta, dict) or not meta.get("grade_id"):
            continue
        grade_id = meta["grade_id"]
        if grade_id in grades:
            meta["score"] = grades[grade_id]["score"]
            meta["points"] = grades[grade_id]["max"]
        if meta.get("solution") or meta.get("task"):
            meta["comment"] = comments.get(grade_id)
    resources = {"nbgrader": {"notebook": notebook_name, "score": score, "max_score": max_score,
                              "late_penalty": 0}}
    html, _ = exporter().from_notebook_node(notebook, resources=resources)
    return html


_EXPORTER = []
_CACHE_LIMIT = 4096  # rendered markdown cells and highlighted code cells kept per process


def _feedback_exporter_class():
    """nbconvert's HTML exporter, made for many notebooks that share most of their cells.

    A class's submissions share the instructor's markdown and code cells: their rendered
    HTML is cached by source, so each worker renders them once. The exporter's final pass
    over the whole page with BeautifulSoup (alt texts and tab stops for JupyterLab's
    templates, which nbgrader's feedback template does not use) is skipped: it took as long
    as the rendering itself.
    """
    from nbconvert.exporters import HTMLExporter, TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
    from jinja2 import pass_context

    class FeedbackExporter(HTMLExporter):
        markdown_cache: dict = {}
        highlight_cache: dict = {}

        @pass_context
        def markdown2html(self, context, source):
            cell = context.get("cell", {}) if hasattr(context, "get") else {}
            if cell.get("attachments"):
                return super().markdown2html(context, source)
            found = self.markdown_cache.get(source)
            if found is None:
                found = super().markdown2html(context, source)
                if len(self.markdown_cache) < _CACHE_LIMIT:
                    self.markdown_cache[source] = found
            return found

        def from_notebook_node(self, nb, resources=None, **kw):
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight = Highlight2HTML(pygments_lexer=lexer, parent=self)
            cache = self.highlight_cache

            def highlight_code(source, language=None, metadata=None):
                key = (source, language, lexer)
                found = cache.get(key)
                if found is None:
                    found = highlight(source, language, metadata)
                    if len(cache) < _CACHE_LIMIT:
                        cache[key] = found
                return found

            resources = self._init_resources(resources)
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return FeedbackExporter


def exporter():
    """nbgrader's feedback exporter, made once per process (compiling its templates takes a
    second; each grading worker makes it when it starts)."""
    if not _EXPORTER:
        from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
        from traitlets.config import Config

        templates, css = _template_dirs()
        config = Config()
        config.HTMLExporter.template_name = "feedback"
        config.HTMLExporter.extra_template_basedirs = [templates]
        config.HTMLExporter.extra_template_paths = [css]
        html = _feedback_exporter_class()(config=config)
        html.register_preprocessor(CSSHTMLHeaderPreprocessor(config=config), enabled=True)
        _EXPORTER.append(html)
    return _EXPORTER[0]


def warm_up() -> None:
    """Render an empty page so that the templates are compiled and cached."""
    png = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
    code = nbformat.v4.new_code_cell("import numpy as np\nx = np.ones(3)  # a comment\nprint(x)", outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="[1. 1. 1.]\n"),
        nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"}),
        nbformat.v4.new_output("error", ename="AssertionError", evalue="no", traceback=["AssertionError: no"])])
    code.metadata["nbgrader"] = {"grade": True, "grade_id": "t", "points": 1, "solution": False, "locked": True}
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title\n\nSome *text*, `code`, $x^2$."),
                                               code])
    render(notebook, "warm-up", {"t": {"score": 0, "max": 1}}, {}, 0, 1)


def render_problem(notebook_name: str, problem: str, max_score: float) -> str:
    """A short page for a notebook that could not be graded at all (missing, not a notebook)."""
    import html

    return ("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\" />\n"
            f"<title>{html.escape(notebook_name)}</title>\n</head>\n<body>\n"
            f"<h4>{html.escape(notebook_name)} (Score: 0.0 / {float(max_score):.1f})</h4>\n"
            f"<p>This notebook could not be graded: {html.escape(problem)}.</p>\n"
            "<p>Check that you handed in the notebook of the assignment, under its original name, "
            "saved from Jupyter.</p>\n</body>\n</html>\n")
