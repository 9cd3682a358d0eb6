"""Checks for assignment 09, the Sudoku OCR capstone: grid corners, the perspective warp,
the 81 cells, empty cells, digit recognition, the solver and the whole pipeline.

The oracles are OpenCV (the warp), exact slicing (the cells), the ground truth of the
course's rendered photos (``data/sudoku``: corners, digits; fresh photos from
:func:`autograder.sudoku.render.render_photo` for other seeds), and Sudoku's own rules
(a solution is checked, not compared, so every correct solver passes).
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path

import cv2
import numpy as np

from autograder import paths
from autograder.checks import Hints, graded
from autograder.feedback import call, describe, expect_raises, fail, signature

CELL = 48  # cell size of the warped grids the checks cut (as in the notebook)
CORNER_NAMES = ("top-left", "top-right", "bottom-right", "bottom-left")
LECTURE_PUZZLE = np.array([
    [5, 3, 0, 0, 7, 0, 0, 0, 0],
    [6, 0, 0, 1, 9, 5, 0, 0, 0],
    [0, 9, 8, 0, 0, 0, 0, 6, 0],
    [8, 0, 0, 0, 6, 0, 0, 0, 3],
    [4, 0, 0, 8, 0, 3, 0, 0, 1],
    [7, 0, 0, 0, 2, 0, 0, 0, 6],
    [0, 6, 0, 0, 0, 0, 2, 8, 0],
    [0, 0, 0, 4, 1, 9, 0, 0, 5],
    [0, 0, 0, 0, 8, 0, 0, 7, 9]])
LECTURE_SOLUTION = np.array([[int(v) for v in row] for row in (
    "534678912", "672195348", "198342567", "859761423", "426853791",
    "713924856", "961537284", "287419635", "345286179")])
# Arto Inkala's "world's hardest Sudoku" (2012) and its unique solution
HARD_PUZZLE = np.array([[int(v) for v in row.replace(".", "0")] for row in (
    "8........", "..36.....", ".7..9.2..", ".5...7...", "....457..",
    "...1...3.", "..1....68", "..85...1.", ".9....4..")])
HARD_SOLUTION = np.array([[int(v) for v in row] for row in (
    "812753649", "943682175", "675491283", "154237896", "369845721",
    "287169534", "521974368", "438526917", "796318452")])


# ---------------------------------------------------------------------------------------
# Data: the course's photos with their truth, or freshly rendered ones


class Photo:
    """A photo with its truth: RGB image, 9×9 givens, corners (x, y) TL, TR, BR, BL."""

    def __init__(self, name: str, image: np.ndarray, givens: np.ndarray, corners: np.ndarray):
        self.name, self.image, self.givens, self.corners = name, image, givens, corners

    def cells(self, cell: int = CELL) -> list[np.ndarray]:
        """The 81 grey cells, cut from the grid warped with the true corners (row-major)."""
        gray = self.image.min(axis=2)
        return split_oracle(warp_oracle(gray, self.corners, 9 * cell))


@functools.lru_cache(maxsize=None)
def shipped_photo(number: int) -> Photo:
    folder = paths.data_file("sudoku")
    name = f"image{number}.jpg"
    from PIL import Image

    image = np.asarray(Image.open(folder / name).convert("RGB"))
    lines = (folder / f"image{number}.dat").read_text().splitlines()
    givens = np.array([[int(v) for v in line.split()] for line in lines[2:11]])
    with open(folder / "outlines.csv") as handle:
        row = next(r for r in csv.DictReader(handle) if r["image"] == name)
    corners = np.array([[float(row[f"p{i}_{a}"]) for a in "xy"] for i in range(1, 5)])
    return Photo(name, image, givens, corners)


@functools.lru_cache(maxsize=8)
def rendered_photo(seed: int) -> Photo:
    from autograder.sudoku.render import render_photo

    photo = render_photo(seed)
    return Photo(f"rendered photo (seed {seed})", photo.image, photo.givens, np.asarray(photo.corners, float))


def photos(seed: int, shipped: tuple[int, ...], fresh: int) -> list[Photo]:
    """The shipped photos for seed 0, else ``fresh`` photos rendered from the seed."""
    if seed == 0:
        return [shipped_photo(n) for n in shipped]
    return [rendered_photo(90_000 + 100 * seed + i) for i in range(fresh)]


@functools.lru_cache(maxsize=1)
def digit_model():
    """The course's digit classifier (:func:`autograder.models.load`)."""
    from autograder import models

    return models.load("sudoku_digits")


# ---------------------------------------------------------------------------------------
# Oracles


def warp_oracle(image: np.ndarray, corners, size: int) -> np.ndarray:
    source = np.asarray(corners, dtype=np.float32)
    target = np.array([[0, 0], [size, 0], [size, size], [0, size]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(source, target)
    return cv2.warpPerspective(image, matrix, (size, size), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)


def split_oracle(warped: np.ndarray) -> list[np.ndarray]:
    side = warped.shape[0]
    edges = [round(i * side / 9) for i in range(10)]
    return [warped[edges[r]:edges[r + 1], edges[c]:edges[c + 1]] for r in range(9) for c in range(9)]


def _units(grid: np.ndarray):
    for i in range(9):
        yield f"row {i + 1}", grid[i]
        yield f"column {i + 1}", grid[:, i]
        yield f"box {i + 1}", grid[3 * (i // 3):3 * (i // 3) + 3, 3 * (i % 3):3 * (i % 3) + 3].ravel()


def sudoku_problem(grid: np.ndarray) -> str | None:
    """Why a filled 9×9 grid is not a valid Sudoku solution, or None when it is."""
    if np.any((grid < 1) | (grid > 9)):
        r, c = np.argwhere((grid < 1) | (grid > 9))[0]
        return f"cell (row {r + 1}, column {c + 1}) holds {grid[r, c]}, not a digit 1-9"
    for name, unit in _units(grid):
        values, counts = np.unique(unit, return_counts=True)
        if np.any(counts > 1):
            return f"{name} holds {values[counts > 1][0]} more than once"
    return None


# ---------------------------------------------------------------------------------------
# Synthetic test images


def draw_grid(size: int, thin: int = 2, thick: int = 5, ink: int = 30, paper: int = 235,
              marks: bool = True) -> np.ndarray:
    """A flat, square Sudoku grid (grey uint8, size×size), outer border on the image edge;
    with ``marks`` an asymmetric pattern (a bar in the top-left cell, a dot in the
    top-right one) shows any mirroring or rotation."""
    image = np.full((size, size), paper, np.uint8)
    for i in range(10):
        p = round(i * (size - 1) / 9)
        width = thick if i % 3 == 0 else thin
        a, b = max(0, p - width // 2), min(size, p - width // 2 + width)
        image[a:b, :] = ink
        image[:, a:b] = ink
    if marks:
        step = size / 9
        image[int(0.3 * step):int(0.7 * step), int(0.4 * step):int(0.6 * step)] = ink
        image[int(0.35 * step):int(0.65 * step), int(7.35 * step):int(7.65 * step)] = ink
        cv2.circle(image, (int(4.5 * step), int(6.5 * step)), int(0.25 * step), ink, -1)
    return image


def perspective_scene(rng: np.random.Generator, flat: np.ndarray, shape=(480, 640),
                      clutter: bool = True, max_tilt: float = 0.12):
    """Place ``flat`` (a square image) into a page of ``shape`` under a random perspective;
    returns (photo, corners (x, y) TL, TR, BR, BL of flat's outer edge)."""
    h, w = shape
    side = rng.uniform(0.55, 0.75) * min(h, w)
    cx, cy = w / 2 + rng.uniform(-0.1, 0.1) * w, h / 2 + rng.uniform(-0.08, 0.08) * h
    angle = np.deg2rad(rng.uniform(-15, 15))
    square = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], float) * side / 2
    square = square * (1 + rng.uniform(-max_tilt, max_tilt, (4, 1)))  # perspective-like jitter
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    corners = square @ rotation.T + [cx, cy]
    n = flat.shape[0]
    source = np.array([[0, 0], [n, 0], [n, n], [0, n]], np.float32)
    matrix = cv2.getPerspectiveTransform(source, corners.astype(np.float32))
    page = np.full((h, w), 228, np.uint8)
    mask = cv2.warpPerspective(np.full_like(flat, 255), matrix, (w, h), flags=cv2.INTER_NEAREST)
    if clutter:  # text-like lines and a smaller, foreign grid, a margin away from the puzzle
        for y in range(12, h - 10, 14):
            for x in range(10, w - 60, int(rng.integers(40, 90))):
                cv2.line(page, (x, y), (x + int(rng.integers(15, 45)), y), 60, 2)
        small = draw_grid(int(0.2 * min(h, w)), thin=1, thick=2, marks=False)
        spots = [(8, 8), (w - small.shape[1] - 8, 8), (8, h - small.shape[0] - 8),
                 (w - small.shape[1] - 8, h - small.shape[0] - 8)]
        free = [(x0, y0) for x0, y0 in spots if not mask[y0:y0 + small.shape[0], x0:x0 + small.shape[1]].any()]
        if free:
            x0, y0 = free[int(rng.integers(len(free)))]
            page[y0:y0 + small.shape[0], x0:x0 + small.shape[1]] = small
        margin = cv2.dilate(mask, np.ones((25, 25), np.uint8))
        page[(margin > 0) & (mask == 0)] = 228
    warped = cv2.warpPerspective(flat, matrix, (w, h), flags=cv2.INTER_LINEAR)
    photo = np.where(mask > 0, warped, page).astype(np.uint8)
    return np.repeat(photo[..., None], 3, axis=2), corners


# ---------------------------------------------------------------------------------------
# find_grid_corners


def _as_corners(got, where: str) -> np.ndarray:
    try:
        array = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        fail(f"{where} returned {describe(got)}; expected 4 corners, an array of shape (4, 2).")
    if array.shape != (4, 2):
        fail(f"{where} returned shape {array.shape}; expected (4, 2): four (x, y) corners, "
             f"top-left, top-right, bottom-right, bottom-left.")
    if not np.all(np.isfinite(array)):
        fail(f"{where} returned corners that are not finite numbers: {array.tolist()}")
    return array


def corner_mistakes(truth: np.ndarray) -> dict[str, np.ndarray]:
    clockwise = {f"the corners go clockwise, but start at the {CORNER_NAMES[k]} corner instead of the "
                 f"top-left one": np.roll(truth, -k, axis=0) for k in (1, 2, 3)}
    return {
        "the corners are (row, column) = (y, x); OpenCV points are (x, y)": truth[:, ::-1],
        "(row, column) instead of (x, y), and in the wrong order": truth[[0, 3, 2, 1]][:, ::-1],
        "the corners go counter-clockwise (top-left, bottom-left, bottom-right, top-right); the "
        "order is top-left, top-right, bottom-right, bottom-left": truth[[0, 3, 2, 1]],
        "the bottom corners are swapped: the order is top-left, top-right, bottom-right, "
        "bottom-left (clockwise), not a reading order": truth[[0, 1, 3, 2]],
        **clockwise,
    }


def expect_corners(got, truth: np.ndarray, where: str, tolerance: float) -> None:
    corners = _as_corners(got, where)
    error = np.linalg.norm(corners - truth, axis=1)
    if np.all(error <= tolerance):
        return
    lines = [f"{where} is not right (tolerance {tolerance:.1f} px).",
             f"  expected about: {np.round(truth, 1).tolist()}",
             f"  got:            {np.round(corners, 1).tolist()}"]
    for description, wrong in corner_mistakes(truth).items():
        if np.all(np.linalg.norm(corners - wrong, axis=1) <= tolerance):
            lines.append(f"  Likely mistake: {description}.")
            fail("\n".join(lines))
    if all(np.min(np.linalg.norm(truth - point, axis=1)) <= tolerance for point in corners):
        lines.append("  Likely mistake: the right corners in the wrong order; the order is top-left, "
                     "top-right, bottom-right, bottom-left.")
    else:
        worst = int(np.argmax(error))
        lines.append(f"  The {CORNER_NAMES[worst]} corner is {error[worst]:.0f} px off: another region "
                     f"(text, a picture, a smaller grid) was taken for the grid, or the outline was "
                     f"simplified to the wrong four points.")
    fail("\n".join(lines))


@graded("find_grid_corners", hints=Hints(*[
    "Work on `binary = binarize(to_gray(image))` (shrunk to at most 640 pixels first, if the "
    "photo is bigger). `cv2.findContours(binary, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)` "
    "gives outlines and a hierarchy; keep those with `hierarchy[0][i][3] < 0` and sort them "
    "by `cv2.contourArea`, largest first.",
    "For each large outline: `hull = cv2.convexHull(contour)`, then "
    "`cv2.approxPolyDP(hull, eps * cv2.arcLength(hull, True), True)` for eps = 0.02, 0.04, "
    "0.06 until it has 4 points. Accept it when `grid_score(binary, quad) >= 14`.",
    "Order the 4 points with `s = quad.sum(axis=1)` and `d = quad[:, 1] - quad[:, 0]`: "
    "top-left argmin(s), top-right argmin(d), bottom-right argmax(s), bottom-left argmax(d). "
    "Points are (x, y). If you shrank the photo by `scale`, return `quad / scale`.",
]))
def check_find_grid_corners(find_grid_corners, seed: int = 0) -> None:
    """find_grid_corners(image) -> (4, 2) corners (x, y), TL, TR, BR, BL, within 3 % of the side."""
    rng = np.random.default_rng(seed)
    cases = []
    for shape in [(480, 640), (640, 480), (600, 600)]:
        flat = draw_grid(int(rng.integers(300, 420)))
        image, corners = perspective_scene(rng, flat, shape)
        cases.append(("a drawn grid in perspective, with text lines and a smaller grid", image, corners))
    for photo in photos(seed, shipped=(1, 2, 5, 8, 11), fresh=2):
        cases.append((photo.name, photo.image, photo.corners))
    for label, image, truth in cases:
        where = f"find_grid_corners(<{label}: {image.shape[1]}×{image.shape[0]} RGB>)"
        got = call(find_grid_corners, image, name="find_grid_corners")
        side = np.mean(np.linalg.norm(truth - np.roll(truth, 1, axis=0), axis=1))
        expect_corners(got, truth, where, tolerance=max(3.0, 0.03 * side))
    big = cv2.resize(cases[0][1], None, fx=2, fy=2, interpolation=cv2.INTER_LINEAR)
    got = call(find_grid_corners, big, name="find_grid_corners")
    expect_corners(got, 2 * cases[0][2], "find_grid_corners(<the first image enlarged 2×: 1280×960>)",
                   tolerance=max(6.0, 0.03 * 2 * np.linalg.norm(cases[0][2][0] - cases[0][2][1])))
    expect_raises(find_grid_corners, ValueError, np.full((240, 320, 3), 230, np.uint8),
                  name="find_grid_corners",
                  why="A blank page holds no grid: say so with a ValueError rather than return "
                      "made-up corners.")


# ---------------------------------------------------------------------------------------
# warp_grid


def _pattern(size: int, rng: np.random.Generator) -> np.ndarray:
    """A smooth, asymmetric grey test card: a grid with marks, slightly blurred."""
    card = draw_grid(size, thin=3, thick=7).astype(float)
    triangle = np.array([[size // 9, size // 9], [size // 2, size // 9], [size // 9, size // 2]], np.int32)
    cv2.fillPoly(card, [triangle], 90.0)  # a large mark in the top-left: no symmetry survives
    gradient = np.linspace(0, 100, size)[None, :] + np.linspace(0, 50, size)[:, None]
    card = np.clip(card - gradient, 0, 255)
    return cv2.GaussianBlur(card, (0, 0), size / 150).astype(np.uint8)


def _close(got: np.ndarray, expected: np.ndarray, limit: float = 14.0) -> bool:
    if got.shape != expected.shape:
        return False
    margin = max(2, expected.shape[0] // 40)
    inner = (slice(margin, -margin), slice(margin, -margin))
    return float(np.mean(np.abs(got.astype(float)[inner] - expected.astype(float)[inner]))) <= limit


@graded("warp_grid", hints=Hints(*[
    "`cv2.getPerspectiveTransform(source, target)` wants two float32 arrays of shape (4, 2): "
    "the corners in the photo, and where they should go: (0, 0), (size, 0), (size, size), "
    "(0, size), in the same order (top-left, top-right, bottom-right, bottom-left).",
    "`cv2.warpPerspective(image, matrix, (size, size))` then builds the square; the last "
    "argument is (width, height).",
    "If your output is mirrored or rotated, the target corners are not in the same order as "
    "the source corners.",
]))
def check_warp_grid(warp_grid, seed: int = 0) -> None:
    """warp_grid(image, corners, size) -> the quadrilateral straightened onto size×size."""
    rng = np.random.default_rng(seed)
    for size, colour in [(180, False), (117, True), (90, False), (int(rng.integers(60, 200)), True)]:
        flat = _pattern(360, rng)
        photo, corners = perspective_scene(rng, flat, (480, 640), clutter=False, max_tilt=0.2)
        image = photo if colour else photo[..., 0].copy()
        expected = cv2.resize(flat, (size, size), interpolation=cv2.INTER_AREA)
        if colour:
            expected = np.repeat(expected[..., None], 3, axis=2)
        where = signature("warp_grid", image, np.round(corners, 1).tolist(), size)
        got = call(warp_grid, image, corners, size, name="warp_grid")
        if not isinstance(got, np.ndarray):
            fail(f"{where} returned {describe(got)}; expected a numpy array.")
        if got.shape != expected.shape:
            hint = " (the size argument of cv2.warpPerspective is (width, height))" if got.ndim >= 2 else ""
            fail(f"{where} returned shape {got.shape}; expected {expected.shape}{hint}.")
        if got.dtype != np.uint8 and np.issubdtype(got.dtype, np.floating) and got.max() <= 1.0:
            fail(f"{where} returned values in [0, 1] ({got.dtype}); the image was uint8 in 0-255. "
                 f"Keep its scale (skimage's warp converts to [0, 1]: use preserve_range=True or cv2).")
        if _close(got, expected):
            continue
        flips = {
            "the grid came out mirrored along its diagonal: top-right and bottom-left corners are "
            "swapped (the target corners must be in the same order as the source corners)":
                np.swapaxes(expected, 0, 1),
            "the grid came out mirrored left-right: the corner orders of source and target differ":
                expected[:, ::-1],
            "the grid came out upside down: the corner orders of source and target differ":
                expected[::-1],
            "the grid came out rotated by a quarter turn: the target corners start at another corner":
                np.rot90(expected, 1),
            "the grid came out rotated by a quarter turn the other way: the target corners start "
            "at another corner": np.rot90(expected, -1),
            "the grid came out rotated by a half turn": np.rot90(expected, 2),
        }
        mistake = next((text for text, wrong in flips.items() if _close(got, wrong)), None)
        error = np.mean(np.abs(got.astype(float) - expected.astype(float)))
        fail(f"{where} does not show the straightened grid (mean difference {error:.1f} grey levels "
             f"from the expected image)."
             + (f"\n  Likely mistake: {mistake}." if mistake else
                "\n  Map the corners onto (0, 0), (size, 0), (size, size), (0, size) with "
                "cv2.getPerspectiveTransform and warp with cv2.warpPerspective."))


# ---------------------------------------------------------------------------------------
# split_cells


def _cells_list(got, where: str) -> list:
    if isinstance(got, np.ndarray):
        if got.ndim == 4 and got.shape[:2] == (9, 9):
            fail(f"{where} returned an array of shape {got.shape}; expected a flat list of 81 cells "
                 f"(row-major: cell 9·r + c is row r, column c). Reshape to (81, h, w) or build a list.")
        if got.ndim != 3:
            fail(f"{where} returned {describe(got)}; expected a list of 81 cells.")
        return list(got)
    if not isinstance(got, (list, tuple)):
        fail(f"{where} returned {describe(got)}; expected a list of 81 cells.")
    return list(got)


@graded("split_cells", hints=Hints(*[
    "Cell (r, c) spans rows `edges[r]:edges[r + 1]` and columns `edges[c]:edges[c + 1]` with "
    "`edges = [round(i * side / 9) for i in range(10)]`.",
    "Row-major order: the outer loop runs over rows r, the inner over columns c: "
    "`[warped[...] for r in range(9) for c in range(9)]`.",
    "A slice `a:b` stops before b, so `[y0:y0 + step]` is exactly step pixels; `range(0, side "
    "- step, step)` gives 8 starts, not 9.",
]))
def check_split_cells(split_cells, seed: int = 0) -> None:
    """split_cells(warped) -> 81 cells, row-major, no pixel row or column of cells lost."""
    rng = np.random.default_rng(seed)
    sides = [450, 90, 452, 181] + [int(s) for s in rng.integers(60, 400, size=2)]
    for side in sides:
        warped = np.arange(side * side, dtype=np.int64).reshape(side, side)
        where = signature("split_cells", warped)
        cells = _cells_list(call(split_cells, warped, name="split_cells"), where)
        step = side / 9
        if len(cells) != 81:
            missing = {64: "a row and a column of cells are missing: a loop like range(0, side - step, "
                           "step) stops one step early (use range(9))",
                       72: "a row or a column of cells is missing: the loop stops one step early",
                       100: "a 10th row and column of cells: use range(9), not the pixel positions "
                            "range(0, side + 1, step)"}
            fail(f"{where} returned {len(cells)} cells; expected 81."
                 + (f"\n  Likely mistake: {missing[len(cells)]}." if len(cells) in missing else ""))
        origins = []
        for k, cell in enumerate(cells):
            cell = np.asarray(cell)
            if cell.ndim != 2 or cell.size == 0:
                fail(f"{where}: cell {k} is {describe(cell)}; expected a 2-D slice of the image.")
            y0, x0 = divmod(int(cell.flat[0]), side)
            h, w = cell.shape
            if not np.array_equal(cell, warped[y0:y0 + h, x0:x0 + w]):
                fail(f"{where}: cell {k} is not a rectangular slice of the image. Cut each cell with "
                     f"warped[y0:y1, x0:x1], without resizing or reordering pixels.")
            origins.append((y0, x0, h, w))
        origins = np.array(origins)
        r, c = np.divmod(np.arange(81), 9)
        expected = np.stack([r * step, c * step], axis=1)
        floor_step = side // 9
        if np.array_equal(origins, np.stack([r * floor_step, c * floor_step,
                                              np.full(81, floor_step), np.full(81, floor_step)], axis=1)):
            continue  # side // 9 pixels per cell: the last few pixel rows (< 9) are dropped
        if np.all(np.abs(origins[:, :2] - expected) <= 1.01):
            sizes_ok = np.all((origins[:, 2:] >= np.floor(step)) & (origins[:, 2:] <= np.ceil(step)))
            if sizes_ok:
                continue
            small = origins[:, 2:].min()
            fail(f"{where}: cells are {origins[0, 2]}×{origins[0, 3]} pixels; expected about "
                 f"{step:.2f}×{step:.2f}." + (
                     "\n  Likely mistake: off by one: each cell loses its last row and column "
                     "(a slice y0:y0 + step - 1 stops before y0 + step - 1)." if small < np.floor(step) else ""))
        if np.all(np.abs(origins[:, [1, 0]] - expected) <= 1.01):
            fail(f"{where}: the cells are in column-major order (cell 1 is row 2, column 1).\n"
                 f"  Likely mistake: cells in column-major order: loop over rows outside, columns "
                 f"inside, so cell 9·r + c is row r, column c.")
        bad = int(np.argmax(np.abs(origins[:, :2] - expected).max(axis=1)))
        fail(f"{where}: cell {bad} (row {bad // 9 + 1}, column {bad % 9 + 1}) starts at "
             f"(row {origins[bad, 0]}, column {origins[bad, 1]}); expected about "
             f"({expected[bad, 0]:.1f}, {expected[bad, 1]:.1f}).")


# ---------------------------------------------------------------------------------------
# cell_is_empty


def _blank(rng: np.random.Generator, size: int = CELL) -> np.ndarray:
    paper = rng.uniform(170, 240)
    yy, xx = np.mgrid[0:size, 0:size] / size
    cell = paper + rng.uniform(-15, 15) * xx + rng.uniform(-15, 15) * yy + rng.normal(0, 3, (size, size))
    return np.clip(cell, 0, 255)


def _with_lines(cell: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Grid-line remnants along the borders, as a slightly misaligned warp leaves them."""
    cell = cell.copy()
    size = cell.shape[0]
    ink = rng.uniform(20, 70)
    for side in range(4):
        inside = int(rng.integers(0, 4))
        width = int(rng.integers(2, 5))
        band = slice(inside, inside + width) if side % 2 == 0 else slice(size - inside - width, size - inside)
        if side < 2:
            cell[band, :] = ink
        else:
            cell[:, band] = ink
    return cell


def _with_digit(cell: np.ndarray, digit: int, rng: np.random.Generator) -> np.ndarray:
    from autograder.sudoku import digits

    fonts = digits.printed_fonts()
    mask = digits.glyph(str(fonts[int(rng.integers(len(fonts)))]), digit)
    size = cell.shape[0]
    height = rng.uniform(0.5, 0.68) * size
    scale = height / mask.shape[0]
    small = cv2.resize(mask, (max(2, round(mask.shape[1] * scale)), round(height)), interpolation=cv2.INTER_AREA)
    top = (size - small.shape[0]) // 2 + int(rng.integers(-2, 3))
    left = (size - small.shape[1]) // 2 + int(rng.integers(-2, 3))
    out = cell.copy()
    region = out[top:top + small.shape[0], left:left + small.shape[1]]
    region[:] = region * (1 - small) + rng.uniform(15, 60) * small
    return out


def synthetic_cells(rng: np.random.Generator) -> dict[str, list[np.ndarray]]:
    """Clear-cut cells: blank, blank with line remnants, digits (with and without lines)."""
    to_u8 = lambda a: np.clip(a, 0, 255).astype(np.uint8)  # noqa: E731
    digits_ = [int(d) for d in rng.permutation(9)[:6] + 1] + [1, 1]
    return {
        "blank": [to_u8(_blank(rng)) for _ in range(4)],
        "lines": [to_u8(_with_lines(_blank(rng), rng)) for _ in range(6)],
        "digit": [to_u8(_with_digit(_blank(rng), d, rng)) for d in digits_[:4]]
                 + [to_u8(_with_lines(_with_digit(_blank(rng), d, rng), rng)) for d in digits_[4:]],
    }


def _bool(value, where: str) -> bool:
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, (int, np.integer)) and value in (0, 1)):
        return bool(value)
    fail(f"{where} returned {describe(value)}; expected True or False.")


@graded("cell_is_empty", hints=Hints(*[
    "Start from `ink = cell_ink(cell)`: the grid lines that run through the whole cell are "
    "already gone. Then `cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)` "
    "gives one row `x, y, width, height, area` per component (row 0 is the background).",
    "A digit component is big enough (area ≥ 1.5 % of the cell, height ≥ 30 % of it), not a "
    "line (width ≤ 80 %, height ≤ 90 % of the cell) and centred: its box centre lies in the "
    "middle half of the cell (between 25 % and 75 % of the width and of the height).",
    "`digit_box` returns the box of the largest such component (or None); `cell_is_empty` "
    "is then `digit_box(cell) is None`.",
]))
def check_cell_is_empty(cell_is_empty, seed: int = 0) -> None:
    """cell_is_empty(cell) -> True for cells without a digit (line remnants, specks, shading)."""
    rng = np.random.default_rng(seed)
    synthetic = synthetic_cells(rng)
    answers = {kind: [_bool(call(cell_is_empty, cell, name="cell_is_empty"),
                            signature("cell_is_empty", cell)) for cell in cells]
               for kind, cells in synthetic.items()}
    if any(not a for a in answers["blank"]):
        fail("cell_is_empty(<a blank 48×48 cell: paper, shading and a little noise>) returned False. "
             "Noise and shading are not ink: threshold relative to the cell's own brightness "
             "(an adaptive threshold) and ignore tiny components.")
    wrong_lines = sum(not a for a in answers["lines"])
    if wrong_lines:
        fail(f"cell_is_empty returned False for {wrong_lines} of {len(answers['lines'])} empty cells "
             f"whose only ink is grid-line remnants along the borders.\n"
             f"  Likely mistake: fooled by grid-line remnants: remove straight lines (cell_ink) and "
             f"only count components centred in the middle of the cell.")
    wrong_digits = sum(bool(a) for a in answers["digit"])
    if wrong_digits:
        fail(f"cell_is_empty returned True for {wrong_digits} of {len(answers['digit'])} cells with a "
             f"clearly printed digit (some with grid lines at the borders, two of them a thin 1). "
             f"A digit is a component at least 30 % of the cell tall, centred in the cell.")
    total, wrong, examples = 0, 0, []
    for photo in photos(seed, shipped=(3, 6, 9), fresh=2):
        for k, (cell, digit) in enumerate(zip(photo.cells(), photo.givens.ravel())):
            answer = _bool(call(cell_is_empty, cell, name="cell_is_empty"), "cell_is_empty(<cell>)")
            total += 1
            if answer != (digit == 0):
                wrong += 1
                examples.append(f"{photo.name} row {k // 9 + 1}, column {k % 9 + 1} "
                                f"({'empty' if digit == 0 else f'a {digit}'}, you said "
                                f"{'empty' if answer else 'filled'})")
    if wrong > 0.02 * total:
        fail(f"cell_is_empty is wrong on {wrong} of {total} cells cut from photos (each grid warped "
             f"with its true corners to {CELL}-pixel cells); at most 2 % may be wrong. For example: "
             + "; ".join(examples[:4]) + ".")


# ---------------------------------------------------------------------------------------
# recognize_cells


class _RecordingModel:
    """Stands in for the classifier: records its inputs, answers with fixed probabilities in
    which output 0 ("no digit") is largest and output ``digit`` second."""

    def __init__(self, digit: int = 7):
        self.digit = digit
        self.calls: list[np.ndarray] = []

    def _answer(self, x):
        x = np.asarray(x)
        self.calls.append(x)
        p = np.full((len(x), 10), 0.1 / 8)
        p[:, 0], p[:, self.digit] = 0.5, 0.4
        return p

    def __call__(self, x, training=False, **kwargs):
        return self._answer(x)

    def predict(self, x, *args, **kwargs):
        return self._answer(x)


def _digits_array(got, n: int, where: str) -> np.ndarray:
    try:
        array = np.asarray(got)
    except (TypeError, ValueError):
        fail(f"{where} returned {describe(got)}; expected {n} ints.")
    if array.shape == (9, 9) and n == 81:
        array = array.ravel()
    if array.shape != (n,):
        fail(f"{where} returned {describe(got)} of shape {array.shape}; expected one digit per cell, "
             f"shape ({n},).")
    if not np.issubdtype(array.dtype, np.number) or np.any(array != np.round(array)):
        fail(f"{where} returned {describe(array)}; expected whole numbers 0-9.")
    return array.astype(int)


@graded("recognize_cells", hints=Hints(*[
    "Loop over the cells once: `box = digit_box(cell)`; for filled cells append "
    "`digit_image(cell, box)` to a list and remember the cell's index. Empty cells stay 0.",
    "Stack the images into one batch, `np.stack(images)[..., None]` (shape (n, 28, 28, 1)), and "
    "call the model once: `probabilities = np.asarray(model(batch, training=False))`.",
    "Output k is digit k; output 0 means 'no digit'. For a filled cell take "
    "`probabilities[:, 1:].argmax(axis=1) + 1`.",
]))
def check_recognize_cells(recognize_cells, seed: int = 0) -> None:
    """recognize_cells(cells, model) -> one int per cell: 0 if empty, else the digit 1-9."""
    rng = np.random.default_rng(seed)
    synthetic = synthetic_cells(rng)
    cells = synthetic["digit"][:3] + synthetic["blank"][:2] + synthetic["lines"][:1] + synthetic["digit"][3:4]
    filled = np.array([1, 1, 1, 0, 0, 0, 1], bool)
    digit = int(rng.choice([2, 5, 7, 8]))
    mock = _RecordingModel(digit)
    where = f"recognize_cells(<{len(cells)} cells: {filled.sum()} with a digit>, <a test model>)"
    got = _digits_array(call(recognize_cells, cells, mock, name="recognize_cells"), len(cells), where)
    if len(mock.calls) != 1:
        fail(f"{where} called the model {len(mock.calls)} times; call it once, on a batch of all "
             f"the filled cells: one call costs about as much as one digit, so 81 calls are 81 times "
             f"slower.")
    batch = mock.calls[0]
    if batch.ndim == 3 and batch.shape[1:] == (28, 28):
        fail(f"{where} gave the model a batch of shape {batch.shape}; the network expects "
             f"(n, 28, 28, 1): add the channel axis with `batch[..., None]`.")
    if batch.shape != (filled.sum(), 28, 28, 1):
        fail(f"{where} gave the model a batch of shape {batch.shape}; expected ({filled.sum()}, 28, 28, "
             f"1): one 28×28×1 image per filled cell (empty cells are not sent to the model).")
    if batch.max() > 1.0 + 1e-6 or batch.min() < -1e-6:
        fail(f"{where} gave the model values from {batch.min():.3g} to {batch.max():.3g}; it expects "
             f"[0, 1] (use digit_image, which scales the ink to 0-1).")
    border = np.concatenate([batch[:, :3].ravel(), batch[:, -3:].ravel()])
    if border.mean() > 0.5:
        fail(f"{where} gave the model dark digits on a light background; like MNIST it expects a "
             f"white digit on black (use digit_image).")
    expected = np.where(filled, digit, 0)
    if not np.array_equal(got, expected):
        mistakes = {
            "output 0 ('no digit') was allowed to win: take the argmax over outputs 1 to 9":
                np.where(filled, 0, 0),
            f"off by one: output k is digit k, so argmax over probabilities[:, 1:] needs + 1":
                np.where(filled, digit - 1, 0),
            "empty cells must be 0, not sent to the model": np.full(len(cells), digit),
        }
        mistake = next((m for m, wrong in mistakes.items() if np.array_equal(got, wrong)), None)
        fail(f"{where} returned {got.tolist()}; with a model whose most probable digit is {digit} "
             f"(output 0 even more probable) expected {expected.tolist()}."
             + (f"\n  Likely mistake: {mistake}." if mistake else ""))
    empty = call(recognize_cells, synthetic["blank"][2:], mock, name="recognize_cells")
    if not np.array_equal(_digits_array(empty, 2, "recognize_cells(<2 blank cells>, <model>)"), [0, 0]):
        fail("recognize_cells(<2 blank cells>, <model>) should return [0, 0].")

    model = digit_model()
    total, wrong, examples = 0, 0, []
    for photo in photos(seed, shipped=(2, 4, 7, 10), fresh=2):
        cells = photo.cells()
        where = f"recognize_cells(<the 81 cells of {photo.name}>, model)"
        got = _digits_array(call(recognize_cells, cells, model, name="recognize_cells"), 81, where)
        truth = photo.givens.ravel()
        total += 81
        bad = np.flatnonzero(got != truth)
        wrong += len(bad)
        examples += [f"{photo.name} row {k // 9 + 1}, column {k % 9 + 1}: {truth[k]} read as {got[k]}"
                     for k in bad[:2]]
    if wrong > 0.03 * total:
        fail(f"recognize_cells with the course's model read {wrong} of {total} cells wrong (grids "
             f"warped with their true corners); at most 3 % may be wrong. For example: "
             + "; ".join(examples[:4]) + ".")


# ---------------------------------------------------------------------------------------
# solve_sudoku


def _solved(got, where: str) -> np.ndarray:
    try:
        grid = np.asarray(got)
    except (TypeError, ValueError):
        fail(f"{where} returned {describe(got)}; expected a 9×9 grid.")
    if grid.shape != (9, 9):
        fail(f"{where} returned {describe(got)}{'' if grid.shape == () else f' of shape {grid.shape}'}; "
             f"expected a 9×9 grid of digits.")
    if not np.issubdtype(grid.dtype, np.number) or np.any(grid != np.round(grid)):
        fail(f"{where} returned {describe(grid)}; expected whole numbers.")
    return grid.astype(int)


def expect_solution(got, givens: np.ndarray, where: str) -> None:
    grid = _solved(got, where)
    problem = sudoku_problem(grid)
    if problem:
        fail(f"{where} is not a valid solution: {problem}.\n  got:\n{grid}")
    changed = np.argwhere((givens > 0) & (grid != givens))
    if len(changed):
        r, c = changed[0]
        fail(f"{where} changed {len(changed)} given digit(s): row {r + 1}, column {c + 1} was "
             f"{givens[r, c]} and came back {grid[r, c]}.\n  Likely mistake: the solver changes the "
             f"givens (or returns another valid grid); every given must stay where it is.")


def unsolvable_variant(givens: np.ndarray, solution: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The puzzle with one more given that clashes with no other given but differs from the
    unique solution: there is then no solution, yet no row, column or box repeats a digit."""
    for k in rng.permutation(81):
        r, c = divmod(int(k), 9)
        if givens[r, c]:
            continue
        box = givens[3 * (r // 3):3 * (r // 3) + 3, 3 * (c // 3):3 * (c // 3) + 3]
        seen = set(givens[r]) | set(givens[:, c]) | set(box.ravel())
        options = [d for d in range(1, 10) if d not in seen and d != solution[r, c]]
        if options:
            broken = givens.copy()
            broken[r, c] = options[int(rng.integers(len(options)))]
            return broken
    raise RuntimeError("no cell to break")  # cannot happen for a puzzle with empty cells


@graded("solve_sudoku", hints=Hints(*[
    "Check the input first: `grid = np.array(grid)`; a shape other than (9, 9), values outside "
    "0-9 or a repeated given in a row, column or box (`conflicts(grid)`) -> `raise ValueError(...)`.",
    "`candidates = {cell: '123456789' for cell in CELLS}`; for every given, "
    "`if not _assign(candidates, (r, c), str(digit)): raise ValueError(...)`.",
    "`solved = _search(candidates)`; None means there is no solution (ValueError). Otherwise "
    "build the 9×9 int array from `solved[(r, c)]`.",
]))
def check_solve_sudoku(solve_sudoku, seed: int = 0, timeout: float = 20.0) -> None:
    """solve_sudoku(grid) -> a valid completed grid keeping every given; ValueError when impossible."""
    from autograder.sudoku.render import random_puzzle

    rng = np.random.default_rng(seed)
    puzzles = [(LECTURE_PUZZLE, "the lecture's puzzle")]
    for i in range(2):
        givens, solution = random_puzzle(rng, 22, 30)
        puzzles.append((givens, f"a random puzzle with {int((givens > 0).sum())} givens"))
    if seed != 0:
        puzzles.append((HARD_PUZZLE, "Inkala's 'hardest' puzzle"))
    for givens, label in puzzles:
        where = f"solve_sudoku(<{label}>)"
        got = call(solve_sudoku, givens.copy(), name="solve_sudoku", timeout=timeout)
        expect_solution(got, givens, where)
    got = call(solve_sudoku, LECTURE_PUZZLE.tolist(), name="solve_sudoku", timeout=timeout)
    expect_solution(got, LECTURE_PUZZLE, "solve_sudoku(<the lecture's puzzle as a list of lists>)")
    if not np.array_equal(_solved(got, "solve_sudoku"), LECTURE_SOLUTION):
        fail("solve_sudoku(<the lecture's puzzle>) is valid but not the puzzle's (unique) solution.")

    def expect_error(grid, why: str, label: str) -> None:
        where = f"solve_sudoku(<{label}>)"
        try:
            call(solve_sudoku, grid, name="solve_sudoku", timeout=timeout)
        except AssertionError as failure:
            text = str(failure)
            if "raised ValueError" in text:
                return
            if "ran for more than" in text:
                fail(f"{where} ran for more than {timeout:g} s; a grid without solution must end in a "
                     f"ValueError, not a search that never stops.\n  Likely mistake: the solver loops "
                     f"for ever on an unsolvable grid (it must back up and give up when every choice "
                     f"fails).")
            if "not written yet" in text:
                raise
            fail(f"{text}\n  Expected a ValueError with a message: {why}")
        else:
            fail(f"{where} returned normally; expected it to raise ValueError: {why}")

    clash = LECTURE_PUZZLE.copy()
    clash[0, 8] = 5  # a second 5 in row 1
    expect_error(clash, "row 1 holds two 5s, so no solution can exist.", "the lecture's puzzle with a second 5 in row 1")
    clash = LECTURE_PUZZLE.copy()
    clash[8, 0] = 6  # a second 6 in column 1 (and none elsewhere in row 9 or box 7)
    expect_error(clash, "column 1 holds two 6s.", "the lecture's puzzle with a second 6 in column 1")
    givens, solution = random_puzzle(rng, 30, 34)
    broken = unsolvable_variant(givens, solution, rng)
    expect_error(broken, "no digit repeats, but no way of filling the grid works.",
                 "a puzzle with no repeated given but no solution")
    expect_error(np.zeros((8, 9), int), "a Sudoku is 9×9.", "an 8×9 grid")
    bad = LECTURE_PUZZLE.copy()
    bad[4, 4] = 12
    expect_error(bad, "cells hold 0 (empty) or a digit 1-9.", "a grid with a 12 in it")


# ---------------------------------------------------------------------------------------
# read_sudoku


@graded("read_sudoku", hints=Hints(*[
    "Chain the chapter's functions: `corners = find_grid_corners(image)`, "
    "`warped = warp_grid(to_gray(image), corners, GRID_SIZE)`, `cells = split_cells(warped)`.",
    "`digits = recognize_cells(cells, model)` with `model = load_digit_model()` when no model "
    "is given, then `np.asarray(digits).reshape(9, 9)` (row-major, like the cells).",
]))
def check_read_sudoku(read_sudoku, seed: int = 0) -> None:
    """read_sudoku(image) -> the 9×9 puzzle; at least 95 % of the cells right on every test photo."""
    for photo in photos(seed, shipped=(1, 5, 12), fresh=2):
        where = f"read_sudoku(<{photo.name}>)"
        got = _solved(call(read_sudoku, photo.image, name="read_sudoku", timeout=60), where)
        truth = photo.givens
        wrong = int((got != truth).sum())
        if wrong <= 4:
            continue
        message = (f"{where} read {wrong} of 81 cells wrong; at most 4 may be wrong.\n"
                   f"  expected:\n{truth}\n  got:\n{got}")
        if (got.T != truth).sum() <= 4:
            message += ("\n  Likely mistake: the grid came out transposed: the cells are in row-major "
                        "order, so reshape(9, 9) without a transpose.")
        fail(message)
