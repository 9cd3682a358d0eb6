"""The class report as files: a self-contained HTML page (plots embedded as PNG) and CSVs."""

from __future__ import annotations

import base64
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from autograder.report.model import CRASH_FLAGS, RESTORED_FLAG, TIMEOUT_FLAGS, AssignmentReport

TOP_MISTAKES = 5   # per graded function, on the page (the CSV has them all)


# --------------------------------------------------------------------------------------
# CSV


def learners_csv(report: AssignmentReport, path: Path) -> None:
    """One row per learner: score, status, lateness, each test cell's score and the
    mistakes named for each graded function."""
    functions = list(dict.fromkeys(c.function for c in report.cells))
    header = (["learner", "score", "max_score", "percent", "status", "late_hours"]
              + [c.grade_id for c in report.cells] + [f"{f} mistakes" for f in functions])
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for s in report.submissions:
            tests = [s.tests.get(c.grade_id) for c in report.cells]
            writer.writerow([s.learner, _number(s.score), _number(s.max_score), f"{s.percent:.1f}", s.status,
                             f"{s.seconds_late / 3600:.2f}" if s.late else "0",
                             *["" if t is None or t.score is None else _number(t.score) for t in tests],
                             *[";".join(_mistakes_named(report, s, f)) for f in functions]])


def _mistakes_named(report: AssignmentReport, submission, function: str) -> list[str]:
    """The identifiers of the mistakes ``submission``'s tests of ``function`` named, once each."""
    tests = [submission.tests.get(c.grade_id) for c in report.cells if c.function == function]
    return list(dict.fromkeys(t.mistake_id for t in tests if t is not None and t.mistake_id))


def mistakes_csv(report: AssignmentReport, path: Path) -> None:
    """One row per (graded function, named mistake), most frequent first."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["function", "mistake", "learners", "description", "example_learner", "example_message"])
        for function in report.functions():
            for m in function.mistakes:
                writer.writerow([m.function, m.id, m.learners, m.text, m.example_learner, m.example_message])


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.3g}"


# --------------------------------------------------------------------------------------
# Plots (matplotlib, embedded as PNG data URLs)


def _png(figure) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def score_histogram(report: AssignmentReport) -> str:
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6.4, 3.0))
    percents = [s.percent for s in report.submissions]
    axes.hist(percents, bins=list(range(0, 101, 10)), color="#4c72b0", edgecolor="white")
    if percents:
        mean = sum(percents) / len(percents)
        axes.axvline(mean, color="#c44e52", linestyle="--", label=f"mean {mean:.0f}%")
        axes.legend(frameon=False)
    axes.set_xlabel("score (% of the maximum)")
    axes.set_ylabel("learners")
    axes.set_xlim(0, 100)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def pass_rate_bars(labels: list[str], rates: list[float], title: str,
                   xlabel: str = "learners with full marks (%)") -> str:
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6.4, 0.45 * len(labels) + 0.9))
    positions = list(range(len(labels)))[::-1]
    axes.barh(positions, [100 * r for r in rates], color="#55a868")
    for y, rate in zip(positions, rates):
        axes.text(100 * rate + 1, y, f"{100 * rate:.0f}%", va="center", fontsize=9)
    axes.set_yticks(positions, labels)
    axes.set_xlim(0, 110)
    axes.set_xlabel(xlabel)
    axes.set_title(title, loc="left", fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def mistake_bars(report: AssignmentReport) -> str | None:
    rows = [(f"{f.name}: {m.id}", m.learners) for f in report.functions() for m in f.mistakes[:TOP_MISTAKES]]
    if not rows:
        return None
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7.2, 0.4 * len(rows) + 0.9))
    positions = list(range(len(rows)))[::-1]
    axes.barh(positions, [count for _, count in rows], color="#c44e52")
    axes.set_yticks(positions, [label for label, _ in rows], fontsize=9)
    axes.set_xlabel("learners")
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.set_title("Most frequent named mistakes", loc="left", fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


# --------------------------------------------------------------------------------------
# HTML


_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 62em; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .6em 0; } th, td { padding: .25em .7em; text-align: left;
  border-bottom: 1px solid #eee; vertical-align: top; } th { background: #f6f6f6; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.cards { display: flex; flex-wrap: wrap; gap: .8em; } .card { border: 1px solid #ddd; border-radius: 6px;
  padding: .5em .9em; min-width: 7em; } .card b { display: block; font-size: 1.5em; }
pre { white-space: pre-wrap; margin: 0; font-size: 12px; } code { font-size: 13px; }
.note { color: #666; } img { max-width: 100%; }
"""

_ASSIGNMENT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Class report: {{ r.assignment }}</title>
<style>{{ style }}</style></head><body>
<h1>Class report: {{ r.assignment }}</h1>
<p class="note">{{ r.submissions|length }} graded submissions{% if r.duedate %}; due {{ r.duedate }}{% endif %}.
{% if r.anonymised %}Learners are anonymised (<code>--names</code> shows their ids).{% endif %}</p>
<div class="cards" id="summary">
 <div class="card"><b>{{ '%.0f' % scores.mean }}%</b>mean score</div>
 <div class="card"><b>{{ '%.0f' % scores.median }}%</b>median</div>
 <div class="card"><b>{{ scores.full_marks }}</b>full marks</div>
 <div class="card"><b>{{ r.late|length }}</b>late</div>
 <div class="card"><b>{{ timeouts|length }}</b>timeouts</div>
 <div class="card"><b>{{ crashes|length }}</b>crashes</div>
 <div class="card"><b>{{ restored|length }}</b>restored cells</div>
</div>

<h2>Score distribution</h2>
<img alt="histogram of scores" src="{{ plots.scores }}">

<h2>Graded functions</h2>
<img alt="pass rate per graded function" src="{{ plots.functions }}">
<table id="functions"><tr><th>function</th><th>test cells</th><th>passed</th><th>pass rate</th>
<th>failed, no mistake named</th></tr>
{% for f in functions %}<tr><td><code>{{ f.name }}</code></td><td>{{ f.tests|join(", ") }}</td>
<td class="n">{{ f.passed }} / {{ f.learners }}</td><td class="n">{{ '%.0f' % (100 * f.pass_rate) }}%</td>
<td class="n">{{ f.unnamed_failures }}</td></tr>
{% endfor %}</table>

<h2>Test cells</h2>
<img alt="pass rate per test cell" src="{{ plots.cells }}">
<table id="cells"><tr><th>test cell</th><th>notebook</th><th>function</th><th>points</th><th>full marks</th></tr>
{% for cell, passed, total in cells %}<tr><td><code>{{ cell.grade_id }}</code></td><td>{{ cell.notebook }}</td>
<td><code>{{ cell.function }}</code></td><td class="n">{{ '%g' % cell.points }}</td>
<td class="n">{{ passed }} / {{ total }}</td></tr>
{% endfor %}</table>

<h2>Named mistakes</h2>
{% if plots.mistakes %}<img alt="most frequent named mistakes" src="{{ plots.mistakes }}">{% endif %}
{% for f in functions %}{% if f.mistakes %}
<h3><code>{{ f.name }}</code></h3>
<table class="mistakes" data-function="{{ f.name }}"><tr><th>mistake</th><th>learners</th><th>example</th></tr>
{% for m in f.mistakes[:top] %}<tr data-mistake="{{ m.id }}"><td><b>{{ m.text }}</b><br><code>{{ m.id }}</code></td>
<td class="n">{{ m.learners }}</td><td>{{ m.example_learner }}:<pre>{{ m.example_message }}</pre></td></tr>
{% endfor %}</table>
{% if f.mistakes|length > top %}<p class="note">{{ f.mistakes|length - top }} more in the mistakes CSV.</p>{% endif %}
{% endif %}{% endfor %}
{% if not plots.mistakes %}<p>No failing test named a known mistake.</p>{% endif %}

<h2>Timeouts, crashes and restored cells</h2>
<table id="statuses"><tr><th>status</th><th>learners</th></tr>
{% for flag, count in statuses %}<tr><td><code>{{ flag }}</code></td><td class="n">{{ count }}</td></tr>
{% endfor %}</table>
{% for title, group in [("Timeouts", timeouts), ("Crashes", crashes), ("Restored cells", restored)] %}
{% if group %}<p><b>{{ title }}:</b> {% for s in group %}{{ s.learner }} (<code>{{ s.status }}</code>){{ ", " if not loop.last }}{% endfor %}</p>{% endif %}
{% endfor %}

<h2>Late submissions</h2>
{% if r.late %}<table id="late"><tr><th>learner</th><th>late by</th><th>score</th></tr>
{% for s in r.late %}<tr><td>{{ s.learner }}</td><td class="n">{{ '%.1f' % (s.seconds_late / 3600) }} h</td>
<td class="n">{{ '%g' % s.score }} / {{ '%g' % s.max_score }}</td></tr>
{% endfor %}</table>{% else %}<p>None{% if not r.duedate %} (the gradebook has no due date for this assignment){% endif %}.</p>{% endif %}
</body></html>
"""

_COURSE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Class report: the course</title>
<style>{{ style }}</style></head><body>
<h1>Class report: every graded assignment</h1>
<p class="note">{% if anonymised %}Learners are anonymised.{% endif %}</p>
{% if plot %}<img alt="mean score per assignment" src="{{ plot }}">{% endif %}
<table id="assignments"><tr><th>assignment</th><th>submissions</th><th>mean</th><th>median</th><th>full marks</th>
<th>late</th><th>timeouts</th><th>crashes</th><th>restored</th><th>most frequent mistake</th></tr>
{% for row in rows %}<tr><td><a href="{{ row.page }}">{{ row.assignment }}</a></td><td class="n">{{ row.submissions }}</td>
<td class="n">{{ '%.0f' % row.mean }}%</td><td class="n">{{ '%.0f' % row.median }}%</td><td class="n">{{ row.full_marks }}</td>
<td class="n">{{ row.late }}</td><td class="n">{{ row.timeouts }}</td><td class="n">{{ row.crashes }}</td>
<td class="n">{{ row.restored }}</td><td>{{ row.top_mistake }}</td></tr>
{% endfor %}</table>
</body></html>
"""


def _template(text: str):
    import jinja2

    return jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True).from_string(text)


def assignment_html(report: AssignmentReport) -> str:
    functions = report.functions()
    cells = report.cell_pass_rates()
    plots = {
        "scores": score_histogram(report),
        "functions": pass_rate_bars([f.name for f in functions], [f.pass_rate for f in functions],
                                    "Pass rate per graded function"),
        "cells": pass_rate_bars([c.grade_id for c, _, _ in cells], [p / t if t else 0.0 for _, p, t in cells],
                                "Pass rate per test cell"),
        "mistakes": mistake_bars(report),
    }
    return _template(_ASSIGNMENT_PAGE).render(
        r=report, style=_STYLE, scores=report.score_summary(), functions=functions, cells=cells, plots=plots,
        top=TOP_MISTAKES, statuses=sorted(report.status_counts().items(), key=lambda item: (-item[1], item[0])),
        timeouts=report.with_flag(*TIMEOUT_FLAGS), crashes=report.with_flag(*CRASH_FLAGS),
        restored=report.with_flag(RESTORED_FLAG))


@dataclass(frozen=True)
class Written:
    """The files one report wrote."""
    html: Path
    learners_csv: Path
    mistakes_csv: Path


def write_assignment(report: AssignmentReport, folder: Path) -> Written:
    folder.mkdir(parents=True, exist_ok=True)
    written = Written(folder / f"{report.assignment}.html", folder / f"{report.assignment}.csv",
                      folder / f"{report.assignment}-mistakes.csv")
    written.html.write_text(assignment_html(report), encoding="utf-8")
    learners_csv(report, written.learners_csv)
    mistakes_csv(report, written.mistakes_csv)
    return written


# --------------------------------------------------------------------------------------
# The course-wide view


@dataclass(frozen=True)
class CourseRow:
    assignment: str
    page: str
    submissions: int
    mean: float
    median: float
    full_marks: int
    late: int
    timeouts: int
    crashes: int
    restored: int
    top_mistake: str


def course_row(report: AssignmentReport, page: str) -> CourseRow:
    scores = report.score_summary()
    mistakes = [m for f in report.functions() for m in f.mistakes]
    top = min(mistakes, key=lambda m: (-m.learners, m.function, m.id), default=None)
    return CourseRow(report.assignment, page, len(report.submissions), scores["mean"], scores["median"],
                     int(scores["full_marks"]), len(report.late), len(report.with_flag(*TIMEOUT_FLAGS)),
                     len(report.with_flag(*CRASH_FLAGS)), len(report.with_flag(RESTORED_FLAG)),
                     f"{top.function}: {top.id} ({top.learners})" if top else "")


def write_course(reports: list[AssignmentReport], folder: Path) -> tuple[Path, Path]:
    """``course.html`` and ``course.csv`` (one row per assignment) beside the assignments' pages."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [course_row(report, f"{report.assignment}.html") for report in reports]
    plot = None
    if rows:
        plot = pass_rate_bars([row.assignment for row in rows], [row.mean / 100 for row in rows],
                              "Mean score per assignment", xlabel="mean score (%)")
    html = folder / "course.html"
    html.write_text(_template(_COURSE_PAGE).render(rows=rows, plot=plot, style=_STYLE,
                                                   anonymised=all(r.anonymised for r in reports)), encoding="utf-8")
    table = folder / "course.csv"
    with open(table, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["assignment", "submissions", "mean_percent", "median_percent", "full_marks", "late",
                         "timeouts", "crashes", "restored", "top_mistake"])
        for row in rows:
            writer.writerow([row.assignment, row.submissions, f"{row.mean:.1f}", f"{row.median:.1f}", row.full_marks,
                             row.late, row.timeouts, row.crashes, row.restored, row.top_mistake])
    return html, table
