"""The synthetic Sudoku photos: deterministic, valid puzzles, the real dataset's format, and the
shipped files in data/sudoku are exactly what the script renders."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from autograder.sudoku import render
from autograder.sudoku.fonts import digit_fonts

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "data" / "sudoku"
REAL = ROOT.parent / "shared" / "sudoku_photos"  # the real photos, when this machine has them
COUNT, SEED = 12, 0

SIZE_LINE = re.compile(r"^(\d+)x(\d+): ?(24 )?jpg$", re.IGNORECASE)
ROW_LINE = re.compile(r"^([0-9] ){8}[0-9] ?$")


def parse_dat(text: str) -> tuple[str, tuple[int, int], np.ndarray]:
    """Camera, (width, height) and the 9x9 truth of a .dat file; asserts the format."""
    lines = text.split("\n")
    assert lines[-1] == "" and len(lines) == 12, "11 lines, each ending in a newline"
    camera, size, rows = lines[0], lines[1], lines[2:11]
    assert camera.strip(), "line 1 names the camera"
    m = SIZE_LINE.match(size)
    assert m, f"line 2 is the image size, got {size!r}"
    for row in rows:
        assert ROW_LINE.match(row), f"a row of 9 digits separated by spaces, got {row!r}"
    return camera, (int(m.group(1)), int(m.group(2))), np.array([r.split() for r in rows], int)


def read_outlines(path: Path) -> tuple[list[str], dict[str, np.ndarray]]:
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    corners = {r[0]: np.array([float(v) for v in r[1:]]).reshape(4, 2) for r in rows[1:]}
    return rows[0], corners


def no_repeats(grid: np.ndarray) -> bool:
    units = [grid[r] for r in range(9)] + [grid[:, c] for c in range(9)]
    units += [grid[r:r + 3, c:c + 3].ravel() for r in (0, 3, 6) for c in (0, 3, 6)]
    for unit in units:
        digits = unit[unit > 0]
        if len(digits) != len(set(digits.tolist())):
            return False
    return True


@pytest.fixture(scope="module")
def rerendered(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sudoku")
    render.write_dataset(out, COUNT, SEED)
    return out


# ----------------------------------------------------------------------------- puzzles


@pytest.mark.parametrize("seed", range(12))
def test_puzzle_is_valid_with_a_unique_solution(seed):
    givens, solution = render.random_puzzle(np.random.default_rng(seed))
    assert givens.shape == solution.shape == (9, 9)
    assert render.is_valid_solution(solution)
    for r in range(9):  # independent of is_valid_solution
        assert sorted(solution[r]) == list(range(1, 10))
        assert sorted(solution[:, r]) == list(range(1, 10))
        br, bc = divmod(r, 3)
        assert sorted(solution[3 * br:3 * br + 3, 3 * bc:3 * bc + 3].ravel()) == list(range(1, 10))
    filled = givens > 0
    assert np.array_equal(givens[filled], solution[filled]), "the givens agree with the solution"
    assert 22 <= filled.sum() <= 35
    assert no_repeats(givens)
    assert render.count_solutions(givens, limit=5) == 1


def test_count_solutions():
    _, solution = render.random_puzzle(np.random.default_rng(3))
    assert render.count_solutions(solution) == 1
    assert render.count_solutions(np.zeros((9, 9), int), limit=3) == 3
    clash = np.zeros((9, 9), int)
    clash[0, 0] = clash[0, 8] = 5  # the same digit twice in a row
    assert render.count_solutions(clash) == 0
    almost = solution.copy()
    almost[0, :2] = 0  # two cells open that only one way fits
    assert render.count_solutions(almost) == 1
    assert not render.is_valid_solution(clash)


# ----------------------------------------------------------------------------- rendering


@pytest.fixture(scope="module")
def photo() -> render.SudokuPhoto:
    return render.render_photo(7)


def test_rendering_is_deterministic(photo):
    again = render.render_photo(7)
    assert np.array_equal(photo.image, again.image)
    assert np.array_equal(photo.givens, again.givens)
    assert np.array_equal(photo.corners, again.corners)
    assert photo.jpeg_bytes() == again.jpeg_bytes()
    other = render.random_puzzle(np.random.default_rng(8))[0]
    assert not np.array_equal(other, render.random_puzzle(np.random.default_rng(9))[0])


def test_photo_contents(photo):
    w, h = photo.size
    assert photo.image.dtype == np.uint8 and photo.image.shape == (h, w, 3)
    assert (w, h) in ((640, 480), (480, 640))
    assert 60 <= photo.quality <= 90
    assert photo.font in {p.name for p in digit_fonts()}
    assert np.array_equal(photo.givens[photo.givens > 0], photo.solution[photo.givens > 0])
    decoded = np.asarray(Image.open(io.BytesIO(photo.jpeg_bytes())))
    assert decoded.shape == photo.image.shape
    assert np.abs(decoded.astype(int) - photo.image).mean() < 6  # JPEG artefacts, not garbage


def test_render_digit():
    rng = np.random.default_rng(0)
    for font in (0, len(digit_fonts()) - 1, str(digit_fonts()[5])):
        for d in range(1, 10):
            cell = render.render_digit(d, font, 28, rng)
            assert cell.shape == (28, 28) and cell.dtype == np.uint8
            assert cell.min() < 100 and np.median(cell) > 200, "dark digit on light paper"
    blank = render.render_digit(0, 0, 28)
    assert blank.min() > 200
    again = [render.render_digit(4, 2, 32, np.random.default_rng(s)) for s in (5, 5)]
    assert np.array_equal(*again)
    with pytest.raises(ValueError):
        render.render_digit(10)


# ----------------------------------------------------------------------------- shipped files


def shipped_names() -> list[str]:
    return [f"image{n}" for n in range(1, COUNT + 1)]


def test_shipped_dat_files_have_the_dataset_format():
    for name in shipped_names():
        camera, (w, h), truth = parse_dat((SHIPPED / f"{name}.dat").read_text())
        assert re.fullmatch(r"synthetic render\.py seed \d+", camera)
        with Image.open(SHIPPED / f"{name}.jpg") as im:
            assert im.format == "JPEG" and im.size == (w, h)
        assert no_repeats(truth)
        assert 22 <= (truth > 0).sum() <= 35


def test_format_matches_the_real_dataset():
    """Line by line the same shape as a real .dat (when the real photos are on this machine),
    and as in the spec otherwise."""
    ours = (SHIPPED / "image1.dat").read_text()
    parse_dat(ours)
    header, _ = read_outlines(SHIPPED / "outlines.csv")
    assert header == ["image", "p1_x", "p1_y", "p2_x", "p2_y", "p3_x", "p3_y", "p4_x", "p4_y"]
    if REAL.is_dir():
        real = (REAL / "image1.dat").read_text()
        parse_dat(real)
        real_lines, our_lines = real.split("\n"), ours.split("\n")
        assert real_lines[1] == our_lines[1] == "640x480:24 JPG"
        for a, b in zip(real_lines[2:], our_lines[2:]):
            assert re.sub("[0-9]", "d", a) == re.sub("[0-9]", "d", b)
        real_header, _ = read_outlines(REAL / "outlines.csv")
        assert header == real_header


def test_shipped_files_are_what_the_script_renders(rerendered):
    expected = sorted(p.name for p in rerendered.iterdir())
    assert sorted(p.name for p in SHIPPED.iterdir()) == expected
    for name in expected:
        if name.endswith(".jpg"):
            continue
        assert (SHIPPED / name).read_bytes() == (rerendered / name).read_bytes(), name
    for name in shipped_names():
        shipped = (SHIPPED / f"{name}.jpg").read_bytes()
        fresh = (rerendered / f"{name}.jpg").read_bytes()
        if shipped != fresh:  # another CPU may round a few values differently
            a = np.asarray(Image.open(io.BytesIO(shipped)), np.int16)
            b = np.asarray(Image.open(io.BytesIO(fresh)), np.int16)
            assert a.shape == b.shape
            diff = np.abs(a - b)
            assert diff.mean() < 0.05 and np.percentile(diff, 99.9) <= 4, name


def test_outlines_lie_inside_the_images_and_frame_the_grid():
    header, corners = read_outlines(SHIPPED / "outlines.csv")
    assert sorted(corners) == sorted(f"{n}.jpg" for n in shipped_names())
    for name, quad in corners.items():
        with Image.open(SHIPPED / name) as im:
            w, h = im.size
            grey = np.asarray(im.convert("L"), np.float32)
        assert (quad >= 0).all() and (quad[:, 0] < w).all() and (quad[:, 1] < h).all()
        # p1 top left, p2 top right, p3 bottom right, p4 bottom left: clockwise on screen
        edges = np.roll(quad, -1, axis=0) - quad
        turns = edges[:, 0] * np.roll(edges, -1, axis=0)[:, 1] - edges[:, 1] * np.roll(edges, -1, axis=0)[:, 0]
        assert (turns > 0).all(), f"{name}: corners not in clockwise order"
        extent = np.ptp(quad, axis=0).max() / min(w, h)
        assert 0.4 <= extent <= 0.95, f"{name}: the grid spans {extent:.0%} of the frame"
        # the truth is where the corners say: given cells hold ink, empty ones do not
        truth = parse_dat((SHIPPED / name.replace(".jpg", ".dat")).read_text())[2]
        side = 450
        m = cv2.getPerspectiveTransform(quad.astype(np.float32),
                                        np.float32([[0, 0], [side, 0], [side, side], [0, side]]))
        square = cv2.warpPerspective(grey, m, (side, side))
        cell = side // 9
        contrast = np.zeros((9, 9))
        for r in range(9):
            for c in range(9):
                inner = square[r * cell + 12:(r + 1) * cell - 12, c * cell + 12:(c + 1) * cell - 12]
                contrast[r, c] = np.percentile(inner, 90) - inner.min()
        assert contrast[truth > 0].min() > contrast[truth == 0].max(), name


def test_cli_renders_one_photo(tmp_path):
    assert render.main(["--count", "1", "--seed", "3", "--out", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["README.md", "image1.dat", "image1.jpg", "outlines.csv"]
    camera, size, truth = parse_dat((tmp_path / "image1.dat").read_text())
    assert camera == "synthetic render.py seed 3001"
    photo = render.render_photo(3001)
    assert size == photo.size and np.array_equal(truth, photo.givens)
    assert (tmp_path / "image1.jpg").read_bytes() == photo.jpeg_bytes()
