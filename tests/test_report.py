"""`autograder report` (issue 17, item 1): the class report from the gradebook and the journal.

A generated class of 01_images_as_arrays is recorded through the grading recorder (the
gradebook, grades.csv and the journal, as `autograder grade` writes them) without running
kernels: each learner's failing test cells carry the failure message the real check gives
for a known wrong implementation, so the named mistakes are the checks' own. The report
must reproduce the class plan exactly: scores, pass rates per graded function and test
cell, mistake counts with an example each, timeouts, crashes, restored cells and late
submissions; learners anonymised. A re-grade appends to the journal and loses nothing.
The page is opened in headless Chromium and a screenshot is saved.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import msgspec
import nbformat
import numpy as np
import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tests" / "support"))
from browser import chromium_page  # noqa: E402

ASSIGNMENT = "01_images_as_arrays"
DUE = dt.datetime(2026, 3, 1, 12, 0)
SCREENSHOT = Path(f"/tmp/autograder-report-{ASSIGNMENT}.png")


# --------------------------------------------------------------------------------------
# Wrong implementations with the mistakes a class makes (each check names them itself)

LUMINOSITY = np.array([0.299, 0.587, 0.114])


def gray_right(rgb, method="luminosity"):
    rgb = np.asarray(rgb, dtype=float)
    if method == "average":
        return rgb.mean(axis=-1)
    if method == "luminosity":
        return rgb @ LUMINOSITY
    if method == "desaturation":
        return (rgb.max(axis=-1) + rgb.min(axis=-1)) / 2
    raise ValueError(method)


def gray_bgr(rgb, method="luminosity"):
    return np.asarray(rgb, dtype=float)[..., ::-1] @ LUMINOSITY if method == "luminosity" else gray_right(rgb, method)


def gray_overflow(rgb, method="luminosity"):
    if method == "average":
        return (rgb[..., 0] + rgb[..., 1] + rgb[..., 2]) / 3
    return gray_right(rgb, method)


def resize_right(image, shape):
    rows = np.minimum(((np.arange(shape[0]) + 0.5) * image.shape[0] / shape[0]).astype(int), image.shape[0] - 1)
    cols = np.minimum(((np.arange(shape[1]) + 0.5) * image.shape[1] / shape[1]).astype(int), image.shape[1] - 1)
    return image[rows][:, cols]


def resize_corners(image, shape):
    rows = np.arange(shape[0]) * image.shape[0] // shape[0]
    cols = np.arange(shape[1]) * image.shape[1] // shape[1]
    return image[rows][:, cols]


def dense_right(n_in, n_out):
    return n_in * n_out + n_out


def dense_no_bias(n_in, n_out):
    return n_in * n_out


def dense_bias_per_input(n_in, n_out):
    return n_in * n_out + n_in


def dense_off(n_in, n_out):
    return n_in * n_out + n_out + 1  # wrong in a way no catalogue entry explains


# test cell -> variant -> (implementation, the mistake id the report must count, or None)
VARIANTS = {
    "to_grayscale_test": {"ok": (gray_right, None), "bgr": (gray_bgr, "red-and-blue-weights-swapped"),
                          "overflow": (gray_overflow, "uint8-overflow")},
    "resize_nearest_test": {"ok": (resize_right, None), "corners": (resize_corners, "sampled-at-pixel-corners")},
    "dense_params_test": {"ok": (dense_right, None), "no_bias": (dense_no_bias, "biases-not-counted"),
                          "per_input": (dense_bias_per_input, "one-bias-per-input-instead-of-one-per-unit"),
                          "off": (dense_off, None)},
}
FUNCTION = {"to_grayscale_test": "to_grayscale", "resize_nearest_test": "resize_nearest",
            "dense_params_test": "dense_params"}


@dataclass(frozen=True)
class Learner:
    student: str
    variants: dict[str, str]          # test cell -> variant name (missing: "ok")
    flags: tuple[str, ...] = ()
    hours_late: float = 0.0

    def variant(self, grade_id: str) -> str:
        return self.variants.get(grade_id, "ok")


G, R, D = "to_grayscale_test", "resize_nearest_test", "dense_params_test"
CLASS = [
    Learner("ada.lovelace", {}),
    Learner("alan.turing", {G: "bgr", D: "no_bias"}),
    Learner("grace.hopper", {D: "no_bias"}, hours_late=5),
    Learner("edsger.dijkstra", {G: "bgr", R: "corners", D: "per_input"}),
    Learner("barbara.liskov", {D: "no_bias"}, flags=("cells_restored",)),
    Learner("john.backus", {G: "overflow"}, flags=("cell_timeout",)),
    Learner("frances.allen", {R: "corners", D: "off"}, hours_late=30),
    Learner("ken.thompson", {G: "bgr"}, flags=("kernel_died",)),
    Learner("margaret.hamilton", {}, flags=("cell_timeout", "cells_restored"), hours_late=0.5),
    Learner("dennis.ritchie", {D: "per_input", R: "corners"}),
    Learner("radia.perlman", {D: "no_bias", G: "overflow"}),
    Learner("tony.hoare", {}),
]


def failure_message(grade_id: str, variant: str) -> str | None:
    """The message the real check gives the implementation (None when it passes)."""
    from autograder.checks import registry

    implementation, _ = VARIANTS[grade_id][variant]
    try:
        registry()[FUNCTION[grade_id]](implementation)
    except AssertionError as failure:
        return str(failure)
    return None


def graded_cell(message: str | None):
    """A test cell as the graded notebook holds it: the check's error, or nothing."""
    cell = nbformat.v4.new_code_cell("check(...)")
    if message is not None:
        cell.outputs = [nbformat.v4.new_output("error", ename="CheckFailure", evalue=message,
                                               traceback=[f"\x1b[0;31m✘ {message}\x1b[0m"])]
    return cell


def result_for(learner: Learner, spec, messages: dict) -> object:
    """The Result grade_one would send for this learner (its test results built the same way)."""
    from autograder.grading import grade_one, mistakes
    from autograder.grading.records import NotebookResult, Result, TestResult

    notebook = spec.notebooks[0]
    tests = []
    for cell in notebook.cells:
        if not cell.grade:
            continue
        message = messages[cell.grade_id, learner.variant(cell.grade_id)]
        graded = graded_cell(message)
        score = float(cell.points) if message is None else 0.0
        error, first_line, named = grade_one._failure(graded)
        tests.append(TestResult(cell.grade_id, score, float(cell.points), error, first_line, named,
                                mistakes.mistake_id(named) if named else None))
    return Result(learner.student, spec.name, f"digest-{learner.student}", [NotebookResult(notebook.name, tests)],
                  flags=list(learner.flags))


# --------------------------------------------------------------------------------------
# The generated class, recorded as `autograder grade` records it


def _make_course(root: Path):
    from nbgrader.api import Gradebook

    from autograder.grading import gradebook

    shutil.copytree(ROOT / "solutions" / ASSIGNMENT, root / "solutions" / ASSIGNMENT,
                    ignore=shutil.ignore_patterns("*.nb.py"))
    shutil.copy(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    course = gradebook.load_course(root)
    gradebook.prepare_gradebook(course, ASSIGNMENT)
    with Gradebook(course.db_url, course.course_id) as gb:
        gb.update_or_create_assignment(ASSIGNMENT, duedate=DUE)
    return course


def _record(course, learners: list[Learner], messages: dict, failure: Exception | None = None) -> list[dict]:
    """Record each learner's result, or ``failure`` in its place (a grader error)."""
    from autograder.grading import gradebook, submissions
    from autograder.grading.grades_csv import GradesFile
    from autograder.grading.records import Limits
    from autograder.grading.recorder import Journal, Recorder

    spec = gradebook.assignment_spec(course, ASSIGNMENT)
    settings = gradebook.settings(course)
    recorder = Recorder(course, ASSIGNMENT, GradesFile(course.root / "grades.csv"),
                        Journal(course.root / "grading-journal.jsonl"))
    rows = []
    for learner in learners:
        folder = course.folder("submitted", learner.student, ASSIGNMENT)
        folder.mkdir(parents=True, exist_ok=True)
        submitted_at = DUE + dt.timedelta(hours=learner.hours_late or -24)
        (folder / "timestamp.txt").write_text(submitted_at.strftime("%Y-%m-%d %H:%M:%S.%f"))
        job = submissions.make_job(learner.student, spec, settings, Limits(), submissions.Collected())
        rows.append(recorder.record(job, failure or result_for(learner, spec, messages)))
    return rows


@pytest.fixture(scope="module")
def messages():
    return {(grade_id, variant): failure_message(grade_id, variant)
            for grade_id, variants in VARIANTS.items() for variant in variants}


@pytest.fixture(scope="module")
def empty_course(tmp_path_factory) -> Path:
    """A course whose gradebook holds the assignment and its due date, nobody graded yet
    (entering an assignment runs nbgrader: done once, copied for each test that records)."""
    return _make_course(tmp_path_factory.mktemp("empty")).root


def _copy_course(empty_course: Path, folder: Path):
    from autograder.grading.gradebook import load_course

    shutil.copytree(empty_course, folder)
    return load_course(folder)


@pytest.fixture(scope="module")
def reported(tmp_path_factory, empty_course, messages):
    from autograder.report import main

    course = _copy_course(empty_course, tmp_path_factory.mktemp("reported") / "class")
    _record(course, CLASS, messages)
    out = course.root / "reports"
    assert main(["--course-dir", str(course.root), ASSIGNMENT]) == 0
    return {"course": course, "out": out}


def _csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def expected_mistakes(learners: list[Learner]) -> Counter:
    """(function, mistake id) -> learners, from the class plan."""
    counts = Counter()
    for learner in learners:
        for grade_id, variant in learner.variants.items():
            mistake = VARIANTS[grade_id][variant][1]
            if mistake:
                counts[FUNCTION[grade_id], mistake] += 1
    return counts


def expected_percents(learners: list[Learner], points: dict[str, float]) -> list[float]:
    return sorted(100 * sum(p for g, p in points.items() if learner.variant(g) == "ok") / sum(points.values())
                  for learner in learners)


# --------------------------------------------------------------------------------------
# Tests


def test_every_wrong_variant_fails_its_real_check_naming_the_planned_mistake(messages):
    from autograder.grading.grade_one import named_mistake
    from autograder.grading.mistakes import mistake_id

    for (grade_id, variant), message in messages.items():
        planned = VARIANTS[grade_id][variant][1]
        if variant == "ok":
            assert message is None, f"{grade_id}: the right implementation fails: {message}"
            continue
        assert message, f"{grade_id}/{variant} passed its check"
        named = named_mistake(message)
        assert (mistake_id(named) if named else None) == planned, f"{grade_id}/{variant}: {message}"


def test_mistake_ids_are_stable_whatever_numbers_the_inputs_drew():
    from autograder.grading.mistakes import mistake_id

    assert mistake_id("biases not counted (one bias per unit: + n_out)") == "biases-not-counted"
    assert mistake_id("uint8 overflow: adding uint8 channels wraps around at 256") == "uint8-overflow"
    assert mistake_id("too many parameters: 72 weights") == mistake_id("too many parameters: 9 weights")
    assert mistake_id("a 3x3 kernel of 9 weights; flip it") == mistake_id("a 3x3 kernel of 25 weights; x")
    assert mistake_id("softmax applied twice. Keep the softmax layer") == "softmax-applied-twice"
    assert mistake_id("np.max(z, 0) (or max(z, 0)) reduces the array") == "np-max-z-n"
    assert mistake_id("the plain average was used where the luminosity weights 0.299/0.587/0.114 belong") \
        == "the-plain-average-was-used-where-the-luminosity-weights-n-n"  # cut at 60 characters


def test_the_journal_records_the_named_mistake_of_each_failing_test(reported):
    lines = (reported["course"].root / "grading-journal.jsonl").read_bytes().splitlines()
    entries = {entry["student"]: entry for entry in map(msgspec.json.decode, lines)}
    assert len(lines) == len(CLASS)
    for learner in CLASS:
        tests = {t["grade_id"]: t for t in entries[learner.student]["notebooks"][0]["tests"]}
        for grade_id, test in tests.items():
            assert test["mistake_id"] == VARIANTS[grade_id][learner.variant(grade_id)][1], (learner, test)
            assert bool(test["mistake"]) == bool(test["mistake_id"])


def test_the_learners_csv_has_every_learner_anonymised_with_exact_scores(reported):
    from autograder.grading.records import status_text

    out = reported["out"]
    rows = _csv(out / f"{ASSIGNMENT}.csv")
    points = {"to_grayscale_test": 3.0, "resize_nearest_test": 3.0, "dense_params_test": 2.0}
    assert sorted(float(row["percent"]) for row in rows) == pytest.approx(expected_percents(CLASS, points), abs=0.06)
    assert sorted(row["learner"] for row in rows) == [f"learner {n:02d}" for n in range(1, len(CLASS) + 1)]
    assert list(rows[0])[:9] == ["learner", "score", "max_score", "percent", "status", "late_hours",
                                 "to_grayscale_test", "resize_nearest_test", "dense_params_test"]
    assert Counter(row["status"] for row in rows) == Counter(status_text(learner.flags) for learner in CLASS)
    assert sorted(float(row["late_hours"]) for row in rows if float(row["late_hours"])) == [0.5, 5.0, 30.0]
    named = Counter(m for row in rows for key in row if key.endswith(" mistakes") for m in row[key].split(";") if m)
    assert named == Counter({mistake: n for (_, mistake), n in expected_mistakes(CLASS).items()})
    everything = "".join(path.read_text() for path in out.iterdir() if path.suffix in (".csv", ".html"))
    assert not any(learner.student in everything for learner in CLASS), "a learner's id is in the report"


def test_mistake_counts_per_function_come_out_exactly_with_an_example_each(reported, messages):
    rows = _csv(reported["out"] / f"{ASSIGNMENT}-mistakes.csv")
    assert Counter({(row["function"], row["mistake"]): int(row["learners"]) for row in rows}) \
        == expected_mistakes(CLASS)
    by_function = {}
    for row in rows:
        by_function.setdefault(row["function"], []).append(int(row["learners"]))
        assert row["example_learner"].startswith("learner ") and row["description"]
        grade_id = {v: k for k, v in FUNCTION.items()}[row["function"]]
        variant = next(v for v, (_, m) in VARIANTS[grade_id].items() if m == row["mistake"])
        assert row["example_message"] == messages[grade_id, variant].split("\n")[0]
    assert all(counts == sorted(counts, reverse=True) for counts in by_function.values())  # most frequent first


def test_pass_rates_per_function_and_test_cell_and_the_statuses(reported):
    from autograder.report import load_assignment

    report = load_assignment(reported["course"], ASSIGNMENT)
    for function in report.functions():
        (grade_id,) = function.tests
        assert FUNCTION[grade_id] == function.name
        assert function.passed == sum(learner.variant(grade_id) == "ok" for learner in CLASS)
        unexplained = [learner for learner in CLASS if learner.variant(grade_id) != "ok"
                       and VARIANTS[grade_id][learner.variant(grade_id)][1] is None]
        assert function.unnamed_failures == len(unexplained) == (1 if function.name == "dense_params" else 0)
    for cell, passed, total in report.cell_pass_rates():
        assert (passed, total) == (sum(learner.variant(cell.grade_id) == "ok" for learner in CLASS), len(CLASS))
    assert len(report.with_flag("cell_timeout", "submission_timeout")) == 2
    assert len(report.with_flag("kernel_died", "memory_limit")) == 1
    assert len(report.with_flag("cells_restored")) == 2
    assert len(report.late) == 3


def test_a_regrade_appends_to_the_journal_and_the_report_follows_without_losing_the_rest(tmp_path, empty_course,
                                                                                          messages):
    from autograder.report import load_assignment

    course = _copy_course(empty_course, tmp_path / "class")
    _record(course, CLASS, messages)
    fixed = Learner("alan.turing", {G: "bgr"})  # re-graded after fixing dense_params
    _record(course, [fixed], messages)
    lines = (course.root / "grading-journal.jsonl").read_bytes().splitlines()
    assert len(lines) == len(CLASS) + 1  # the first grading of alan.turing is still there
    first = [msgspec.json.decode(line) for line in lines if b'"alan.turing"' in line][0]
    assert "biases-not-counted" in [t["mistake_id"] for t in first["notebooks"][0]["tests"]]
    report = load_assignment(course, ASSIGNMENT, names=True)
    after = {(m.function, m.id): m.learners for f in report.functions() for m in f.mistakes}
    regraded = [fixed if learner.student == fixed.student else learner for learner in CLASS]
    assert Counter(after) == expected_mistakes(regraded)
    assert next(s for s in report.submissions if s.learner == "alan.turing").score == 5.0  # named with --names

    # a re-grade that fails in the grader leaves that learner unscored: out of the pass rates, seen as a status
    (row,) = _record(course, [Learner("tony.hoare", {})], messages, failure=RuntimeError("worker lost"))
    assert row["status"] == "grader_error"
    report = load_assignment(course, ASSIGNMENT, names=True)
    assert report.status_counts()["grader_error"] == 1
    assert [f.learners for f in report.functions()] == [len(CLASS) - 1] * 3
    assert [total for _, _, total in report.cell_pass_rates()] == [len(CLASS) - 1] * 3
    assert Counter({(m.function, m.id): m.learners for f in report.functions() for m in f.mistakes}) \
        == expected_mistakes(regraded)


def test_the_course_wide_view_lists_each_graded_assignment(reported):
    from autograder.report import main

    out = reported["course"].root / "course-report"
    assert main(["--course-dir", str(reported["course"].root), "--all", "--out", str(out)]) == 0
    (row,) = _csv(out / "course.csv")
    assert row["assignment"] == ASSIGNMENT and int(row["submissions"]) == len(CLASS)
    assert (int(row["late"]), int(row["timeouts"]), int(row["crashes"]), int(row["restored"])) == (3, 2, 1, 2)
    assert row["top_mistake"] == "dense_params: biases-not-counted (4)"
    assert (out / f"{ASSIGNMENT}.html").exists() and f'href="{ASSIGNMENT}.html"' in (out / "course.html").read_text()


def test_the_command_line_writes_the_report_and_refuses_an_unknown_assignment(reported, capsys):
    from autograder.cli import main

    root = reported["course"].root
    assert main(["report", ASSIGNMENT, "--course-dir", str(root), "--out", str(root / "cli")]) == 0
    assert f"{len(CLASS)} submissions" in capsys.readouterr().out and (root / "cli" / f"{ASSIGNMENT}.html").exists()
    assert main(["report", "99_nothing", "--course-dir", str(root)]) == 1
    assert "no assignment '99_nothing'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["report", ASSIGNMENT, "--all", "--course-dir", str(root)])
    assert "name one assignment, or give --all" in capsys.readouterr().err


@pytest.mark.needs_test_tools
def test_the_page_shows_in_chromium_with_its_plots_and_mistake_tables(reported, tmp_path):
    page_file = reported["out"] / f"{ASSIGNMENT}.html"
    with chromium_page(tmp_path / "screenshots") as page:
        page.goto(page_file.as_uri())
        page.wait_for_load_state("load")
        images = page.eval_on_selector_all("img", "els => els.map(e => [e.alt, e.complete && e.naturalWidth])")
        assert len(images) == 4 and all(width > 100 for _, width in images), images
        for function, mistake in expected_mistakes(CLASS):
            row = page.locator(f'table[data-function="{function}"] tr[data-mistake="{mistake}"]')
            assert row.count() == 1
            assert row.locator("td.n").inner_text() == str(expected_mistakes(CLASS)[function, mistake])
        summary = page.locator("#summary").inner_text()
        assert "3\nlate" in summary and "2\ntimeouts" in summary and "1\ncrashes" in summary
        page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 20_000

