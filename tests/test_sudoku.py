"""The Sudoku OCR capstone end to end: rendered training cells, the shipped classifier, the
evaluation command, the solution's pipeline on the course's photos and, where the shared
folder of real photos exists (it does in CI), on those."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograder import paths
from autograder.bench import sudoku as bench
from autograder.sudoku import digits
from autograder.sudoku.train_digits import make_dataset, notebook_functions
from conftest import ROOT, subprocess_env

pytestmark = pytest.mark.xdist_group("sudoku")

REAL_PHOTOS = ROOT.parent / "shared" / "sudoku_photos"
SUMMARY = re.compile(r"^photos (\d+) grids_correct (\d+) cells_accuracy ([\d.]+) "
                     r"digits_accuracy ([\d.]+) ms_per_photo ([\d.]+) cpu_ms_per_photo ([\d.]+)$", re.MULTILINE)
# Measured with `autograder bench sudoku ../shared/sudoku_photos --half even|odd` and the
# shipped model (issue 15): 81 of the 81 even-numbered photos, 78 of the 79 odd ones; on the
# sample of every tenth photo that the test reads, 16 of 16 grids, cells 1.0. The floors
# (set when the sample read 15 of 16) leave room for a different CPU's rounding.
SAMPLE_FLOOR = {"grids": 15, "cells_accuracy": 0.999}


@pytest.fixture(scope="module")
def read_sudoku():
    return notebook_functions(("read_sudoku",))["read_sudoku"]


def test_rendered_cells_are_reproducible_and_labelled():
    cells, labels = digits.render_cells(40, seed=7, empty_fraction=0.3)
    again, labels_again = digits.render_cells(40, seed=7, empty_fraction=0.3)
    assert all(np.array_equal(a, b) for a, b in zip(cells, again)) and np.array_equal(labels, labels_again)
    assert set(labels) <= set(range(10)) and 0 in labels and len(set(labels)) > 5
    for cell in cells:
        assert cell.dtype == np.uint8 and cell.ndim == 2 and cell.shape[0] == cell.shape[1]
    # ink is darker than paper: a digit cell has its darkest pixels below its median, well
    # below for most (a fifth of the prints are faint by design: coloured ink, worn print)
    filled = [c for c, label in zip(cells, labels) if label]
    contrast = np.array([np.median(c) - c.min() for c in filled])
    assert np.all(contrast > 5) and np.mean(contrast > 25) > 0.75


def test_fonts_include_the_package_faces():
    names = [p.name for p in digits.printed_fonts()]
    assert any(n.startswith("DejaVuSans") for n in names)
    assert any(n.startswith("Arimo") for n in names), "fontpkg-arimo is a dev dependency"
    assert any(n.startswith("PublicSans") for n in names), "fontpkg-public-sans is a dev dependency"
    assert len(names) > 40
    families = {digits.font_family(p) for p in digits.printed_fonts()}
    assert {"DejaVuSans", "STIXGeneral", "fontpkg_lato"} <= families and len(families) >= 25


def test_learner_side_rendering_uses_only_the_fonts_every_install_has(monkeypatch):
    """The checks and the notebook draw digits with matplotlib's faces only, so the public
    checks and the hidden tests see the same cells on every machine."""
    from autograder.checks import sudoku as checks
    from autograder.sudoku.fonts import matplotlib_font_dir

    used = []
    original = digits.glyph

    def recording(path, digit, weight=None):
        used.append(Path(path))
        return original(path, digit, weight)

    monkeypatch.setattr(digits, "glyph", recording)
    checks.synthetic_cells(np.random.default_rng(0))
    digits.render_cells(30, seed=1, fonts=digits.standard_fonts())
    assert used and all(p.parent == matplotlib_font_dir() for p in used)


def test_clutter_is_empty_but_looks_like_a_candidate():
    fns = notebook_functions(("digit_box",))
    rng = np.random.default_rng(5)
    cells = [digits.render_clutter(rng) for _ in range(120)]
    passing = sum(fns["digit_box"](cell) is not None for cell in cells)
    assert all(cell.dtype == np.uint8 and cell.ndim == 2 for cell in cells)
    assert 0.05 < passing / len(cells) < 0.5  # what the training keeps as "no digit" examples

def test_training_set_uses_the_notebooks_preprocessing():
    x, y, stats = make_dataset(120, seed=1)
    assert x.shape[1:] == (28, 28, 1) and x.dtype == np.float32 and len(x) == len(y) == stats["examples"]
    assert 0.0 <= x.min() and x.max() <= 1.0
    assert x[:, :3].mean() < 0.05  # white digits on black, centred: the border is dark
    assert set(y) <= set(range(1, 10)) | {0}
    assert stats["clutter_examples"] >= 1 and np.count_nonzero(y == 0) >= stats["clutter_examples"]


def test_shipped_model_is_small_and_reads_printed_digits():
    from autograder import models

    assert paths.data_file(models.SHIPPED["sudoku_digits"].weights_file).stat().st_size < 1_000_000
    model = models.load("sudoku_digits")
    assert model.output_shape == (None, 10)
    fns = notebook_functions(("digit_box", "digit_image"))
    cells, labels = digits.render_cells(300, seed=99, empty_fraction=0)
    inputs, truth = [], []
    for cell, label in zip(cells, labels):
        box = fns["digit_box"](cell)
        if box is not None:
            inputs.append(fns["digit_image"](cell, box))
            truth.append(label)
    predicted = np.asarray(model.predict_on_batch(np.array(inputs)[..., None]))[:, 1:].argmax(axis=1) + 1
    # the training distribution, many cells barely legible: measured 0.850 (273 digits)
    assert np.mean(predicted == np.array(truth)) > 0.82
    # the digits of the course photos (grids warped with their true corners): all but one or two
    from autograder.checks.sudoku import shipped_photo

    photo_inputs, photo_truth = [], []
    for number in range(1, 13):
        photo = shipped_photo(number)
        for cell, label in zip(photo.cells(), photo.givens.ravel()):
            box = fns["digit_box"](cell)
            if label and box is not None:
                photo_inputs.append(fns["digit_image"](cell, box))
                photo_truth.append(label)
    read = np.asarray(model.predict_on_batch(np.array(photo_inputs)[..., None])).argmax(axis=1)
    assert len(photo_truth) > 300 and np.mean(read == np.array(photo_truth)) > 0.99


def test_pipeline_reads_the_course_photos(read_sudoku):
    pairs = bench.dataset(paths.data_file("sudoku"))
    assert len(pairs) >= 12
    results = bench.evaluate(read_sudoku, pairs, echo=lambda line: None)
    assert all(not r.error for r in results)
    assert sum(r.cells_wrong == 0 for r in results) >= len(results) - 1
    assert 1 - sum(r.cells_wrong for r in results) / (81 * len(results)) >= 0.995


def test_bench_counts_errors_and_skips_photos_without_truth(tmp_path):
    source = paths.data_file("sudoku")
    for name in ("image1.jpg", "image1.dat", "image2.jpg", "image2.dat", "image3.jpg"):
        (tmp_path / name).write_bytes((source / name).read_bytes())
    pairs = bench.dataset(tmp_path)
    assert [p[0].name for p in pairs] == ["image1.jpg", "image2.jpg"]  # image3 has no truth
    truth = bench.load_truth(tmp_path / "image1.dat")
    calls = []

    def fake(image):
        calls.append(image.shape)
        if len(calls) == 3:
            raise RuntimeError("boom")
        return truth

    lines = []
    results = bench.evaluate(fake, pairs, echo=lines.append)
    assert len(calls) == 3  # one untimed warm-up call, then one per photo
    assert results[0].cells_wrong == 0 and results[1].cells_wrong == 81 and "boom" in results[1].error
    assert len(lines) == 2 and "error RuntimeError: boom" in lines[1]
    misread = truth.copy()
    misread[0, 0], misread[8, 8] = (misread[0, 0] % 9) + 1, 0 if truth[8, 8] else 7
    line = []
    bench.evaluate(lambda image: misread, pairs[:1], echo=line.append)
    expected = [f"r1c1 {truth[0, 0]}>{misread[0, 0]}", f"r9c9 {truth[8, 8]}>{misread[8, 8]}"]
    assert line[0].split("  ")[-1] == " ".join(expected)  # every wrong cell: row, column, truth > read
    digits_in_2 = int((bench.load_truth(tmp_path / "image2.dat") > 0).sum())
    expected_digits = 1 - digits_in_2 / (digits_in_2 + int((truth > 0).sum()))
    line = bench.summary(results)
    match = SUMMARY.match(line)
    assert match, line
    assert match.group(1) == "2" and match.group(2) == "1"
    assert float(match.group(3)) == pytest.approx(0.5, abs=1e-4)
    assert float(match.group(4)) == pytest.approx(expected_digits, abs=1e-4)


def test_bench_main_on_two_course_photos(tmp_path, capsys, read_sudoku):
    """The command's main() end to end, in this process (the `read_sudoku` fixture has
    imported TensorFlow already; the command line itself is run by the missing-folder test)."""
    source = paths.data_file("sudoku")
    for name in ("image1.jpg", "image1.dat", "image2.jpg", "image2.dat"):
        (tmp_path / name).write_bytes((source / name).read_bytes())
    assert bench.main([str(tmp_path), "--notebook", str(paths.solution_notebook("09_sudoku_ocr"))]) == 0
    out = capsys.readouterr().out
    per_photo = [line for line in out.splitlines() if re.match(r"^image\d+\.jpg\s+cells_wrong\s+\d+\s+ms\s", line)]
    assert len(per_photo) == 2
    match = SUMMARY.search(out)
    assert match and match.group(0) == out.strip().splitlines()[-1]
    assert int(match.group(1)) == 2 and int(match.group(2)) == 2


def test_bench_halves_split_by_the_photo_number(tmp_path):
    for n in (1, 2, 10, 11, 1001):
        (tmp_path / f"image{n}.jpg").write_bytes(b"")
        (tmp_path / f"image{n}.dat").write_text("")
    pairs = bench.dataset(tmp_path)
    assert [p[0].stem for p in bench.half(pairs, "even")] == ["image2", "image10"]
    assert [p[0].stem for p in bench.half(pairs, "odd")] == ["image1", "image11", "image1001"]
    with pytest.raises(ValueError):
        bench.half(pairs, "first")


def test_pipeline_reads_and_solves_the_shipped_real_photo(read_sudoku):
    """data/sudoku_real: the real newspaper photos the chapter reads (and solves)."""
    pairs = bench.dataset(paths.data_file("sudoku_real"))
    assert [p[0].name for p in pairs] == ["image204.jpg", "image209.jpg"]
    for jpg, dat in pairs:
        photo, truth = bench.load_photo(jpg), bench.load_truth(dat)
        assert photo.shape == (480, 640, 3)
        assert np.array_equal(np.asarray(read_sudoku(photo)), truth), jpg.name


def test_bench_command_reports_a_missing_folder(tmp_path):
    result = subprocess.run([sys.executable, "-m", "autograder.cli", "bench", "sudoku", str(tmp_path / "nope")],
                            cwd=ROOT, env=subprocess_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "no such folder" in result.stdout


def test_a_sample_of_the_real_photos_reaches_the_measured_floor(read_sudoku):
    """Every tenth of the 160 real photos (16, both halves), read in this process. The whole
    set is measured by `autograder bench sudoku`, which is too slow for the test suite."""
    if not REAL_PHOTOS.is_dir():
        pytest.skip(f"{REAL_PHOTOS} is not here (it is in CI)")
    pairs = bench.dataset(REAL_PHOTOS)
    assert len(pairs) == 160
    results = bench.evaluate(read_sudoku, pairs[::10], echo=lambda line: None)
    assert all(not r.error for r in results), [r.error for r in results if r.error]
    grids = sum(r.cells_wrong == 0 for r in results)
    cells = 1 - sum(r.cells_wrong for r in results) / (81 * len(results))
    wrong = {r.name: r.wrong_cells for r in results if r.cells_wrong}
    assert grids >= SAMPLE_FLOOR["grids"] and cells >= SAMPLE_FLOOR["cells_accuracy"], wrong
    assert np.median([r.cpu_seconds for r in results]) < 0.4, "far slower than the ~60 ms of processor time measured"


def test_real_photo_corners_match_the_outlines():
    """The grid is found on every real photo: corners within 7 % of the grid's side of the
    hand-marked outlines (which sit a few pixels outside the border line). The outlines of
    photos carrying an EXIF rotation were marked on the rotated view, so those are left out."""
    if not REAL_PHOTOS.is_dir():
        pytest.skip(f"{REAL_PHOTOS} is not here (it is in CI)")
    import csv

    from PIL import Image

    find = notebook_functions(("find_grid_corners",))["find_grid_corners"]
    checked, far = 0, []
    with open(REAL_PHOTOS / "outlines.csv") as handle:
        for row in csv.DictReader(handle):
            with Image.open(REAL_PHOTOS / row["image"]) as image:
                if image.getexif().get(274, 1) != 1:
                    continue
                rgb = np.asarray(image.convert("RGB"))
            truth = np.array([[float(row[f"p{i}_{a}"]) for a in "xy"] for i in range(1, 5)])
            side = np.mean(np.linalg.norm(truth - np.roll(truth, 1, axis=0), axis=1))
            error = np.linalg.norm(np.asarray(find(rgb)) - truth, axis=1).max() / side
            checked += 1
            if error > 0.07:
                far.append((row["image"], round(float(error), 3)))
    assert checked >= 150 and not far, far
