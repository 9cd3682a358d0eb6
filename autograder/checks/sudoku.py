"""Checks for assignment 09, the Sudoku OCR capstone: grid corners, the perspective warp,
the 81 cells, empty cells, the recogniser's probabilities, the solver, the reading that
the puzzle's rules correct, and the whole pipeline.

The oracles are OpenCV (the warp), exact slicing (the cells), the ground truth of the
course's rendered photos (``data/sudoku``: corners, digits; fresh photos from
:func:`autograder.sudoku.render.render_photo` for other seeds), Sudoku's own rules (a
solution is checked, not compared, so every correct solver passes) and an independent
implementation of the definition of the best reading.

Models given to learners' code are real Keras models (the course's network with its
digit outputs relabelled), wrapped so that the check sees every inference call: any
ordinary call (``model(x)``, ``model(x, training=False)``, ``model.predict``,
``model.predict_on_batch``) works, and a function that ignores the model it is given is
caught. Cells are rendered only with the fonts every install has (matplotlib's), so the
public checks and the hidden tests see the same inputs everywhere.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from autograder import paths
from autograder.checks import Hints, graded
from autograder.feedback import CheckFailure, call, describe, expect_raises, fail, signature

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


@graded("find_grid_corners", hints=Hints(
    idea="The grid is the largest region of ink whose outline is four-sided and which, "
         "straightened, shows inner lines at every ninth of its side (`grid_score`). Work on a "
         "binary image of the photo, the outlines of its regions from largest to smallest, and "
         "simplify each outline to a polygon until one is a quadrilateral that scores well.",
    formula="`binary = binarize(to_gray(image, 'luminosity'))` (shrunk to at most 640 pixels "
            "first, corners scaled back at the end); outer contours of `cv2.findContours(binary, "
            "cv2.RETR_CCOMP, ...)` by `cv2.contourArea`; for each, `hull = cv2.convexHull(c)` and "
            "`cv2.approxPolyDP(hull, eps · perimeter, True)` for eps = 0.02, 0.04, 0.06; accept 4 "
            "points with `grid_score >= 14`, else try `trim_attachments`. Order the points: "
            "top-left min(x + y), top-right min(y − x), bottom-right max(x + y), bottom-left "
            "max(y − x); return `refine_corners(contour, corners) / scale`. A blank page: "
            "`ValueError`.",
    code="```python\n"
         "gray = to_gray(image, 'luminosity'); scale = min(1.0, 640 / max(gray.shape))\n"
         "if scale < 1: gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)\n"
         "binary = binarize(gray)\n"
         "contours, tree = cv2.findContours(binary, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)\n"
         "outer = [c for c, h in zip(contours, tree[0]) if h[3] < 0] if contours else []\n"
         "for c in sorted(outer, key=cv2.contourArea, reverse=True)[:8]:\n"
         "    hull = cv2.convexHull(c)\n"
         "    quad = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)\n"
         "    if len(quad) == 4:\n"
         "        q = quad.reshape(4, 2).astype(float); s, d = q.sum(1), q[:, 1] - q[:, 0]\n"
         "        q = q[[s.argmin(), d.argmin(), s.argmax(), d.argmax()]]\n"
         "        if grid_score(binary, q) >= 14: return refine_corners(c, q) / scale\n"
         "raise ValueError('no grid found')\n```",
))
def check_find_grid_corners(find_grid_corners, seed: int = 0) -> None:
    """find_grid_corners(image) -> (4, 2) corners (x, y), TL, TR, BR, BL, within 3 % of the side;
    colour and grey photos; ValueError for a blank page."""
    rng = np.random.default_rng(seed)
    cases = []
    for shape in [(480, 640), (640, 480), (600, 600)]:
        flat = draw_grid(int(rng.integers(300, 420)))
        image, corners = perspective_scene(rng, flat, shape)
        cases.append(("a drawn grid in perspective, with text lines and a smaller grid", image, corners))
    for photo in photos(seed, shipped=(1, 2, 5, 8, 11), fresh=2):
        cases.append((photo.name, photo.image, photo.corners))
    first = photos(seed, shipped=(1, 2, 5, 8, 11), fresh=2)[0]
    cases.append((f"{first.name} in grey", cv2.cvtColor(first.image, cv2.COLOR_RGB2GRAY), first.corners))
    for label, image, truth in cases:
        kind = "RGB" if image.ndim == 3 else "grey"
        where = f"find_grid_corners(<{label}: {image.shape[1]}×{image.shape[0]} {kind}>)"
        got = _call_grey_aware(find_grid_corners, image, where, "find_grid_corners")
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


def _call_grey_aware(func, image: np.ndarray, where: str, name: str):
    """``call(func, image)``; when a grey photo makes it fail, say that grey photos count."""
    try:
        return call(func, image, name=name, timeout=60)
    except CheckFailure as failure:
        if image.ndim != 2:
            raise
        fail(f"{where}: {failure}\n  Likely mistake: only colour photos (H, W, 3) work; a grey photo "
             f"(H, W) must be accepted too (`to_gray` returns a grey image unchanged).")


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


@graded("warp_grid", hints=Hints(
    idea="A homography maps any four points onto any other four. Map the grid's corners onto "
         "the corners of a size×size square, in the same order, and let OpenCV fill every "
         "pixel of the square from the photo.",
    formula="source = the 4 corners (float32, shape (4, 2)); target = (0, 0), (size, 0), "
            "(size, size), (0, size): top-left, top-right, bottom-right, bottom-left. "
            "`cv2.getPerspectiveTransform(source, target)` gives the 3×3 matrix; "
            "`cv2.warpPerspective(image, matrix, (size, size))` the square (its size argument is "
            "(width, height)). Same dtype and channels as the input.",
    code="```python\n"
         "source = np.asarray(corners, dtype=np.float32)\n"
         "target = np.array([[0, 0], [size, 0], [size, size], [0, size]], dtype=np.float32)\n"
         "matrix = cv2.getPerspectiveTransform(source, target)\n"
         "return cv2.warpPerspective(np.asarray(image), matrix, (size, size))\n```",
))
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


def _origins(cells: list, warped: np.ndarray, where: str) -> np.ndarray:
    """(y0, x0, h, w) of every cell, which must be a rectangular slice of ``warped``."""
    side = warped.shape[0]
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
    return np.array(origins)


def _tiling_problem(origins: np.ndarray, side: int) -> str | None:
    """Why 81 cells (y0, x0, h, w) in row-major order do not tile a side×side image as the
    contract says, or None when they do."""
    grid = origins.reshape(9, 9, 4)
    tops, heights = grid[:, :, 0], grid[:, :, 2]
    lefts, widths = grid[:, :, 1], grid[:, :, 3]
    if np.any(tops != tops[:, :1]) or np.any(heights != heights[:, :1]):
        return "the cells of one row do not all start at the same pixel row with the same height"
    if np.any(lefts != lefts[:1]) or np.any(widths != widths[:1]):
        return "the cells of one column do not all start at the same pixel column with the same width"
    edges_y = np.append(tops[:, 0], tops[-1, 0] + heights[-1, 0])
    edges_x = np.append(lefts[0], lefts[0, -1] + widths[0, -1])
    sizes = np.concatenate([np.diff(edges_y), np.diff(edges_x)])
    if edges_y[0] != 0 or edges_x[0] != 0:
        return f"the first cell starts at (row {edges_y[0]}, column {edges_x[0]}), not at the corner (0, 0)"
    if np.any(tops[1:, 0] != tops[:-1, 0] + heights[:-1, 0]) or np.any(lefts[0, 1:] != lefts[0, :-1] + widths[0, :-1]):
        gap = np.any(tops[1:, 0] > tops[:-1, 0] + heights[:-1, 0]) or np.any(lefts[0, 1:] > lefts[0, :-1] + widths[0, :-1])
        return ("there are pixel rows or columns between neighbouring cells: each cell stops short of "
                "the next one" if gap else "neighbouring cells overlap: a cell reaches into the next one")
    floor, ceil = side // 9, -(-side // 9)
    if np.all(sizes == floor) and edges_y[-1] == edges_x[-1] == 9 * floor:
        return None  # side // 9 pixels per cell, the last side % 9 pixel rows and columns left out
    if np.any((sizes < floor) | (sizes > ceil)):
        return f"cells are {sizes.min()} to {sizes.max()} pixels; expected {floor} or {ceil} (the image is {side} pixels)"
    if edges_y[-1] != side or edges_x[-1] != side:
        return f"the cells cover {edges_y[-1]}×{edges_x[-1]} of the {side}×{side} pixels"
    return None


@graded("split_cells", hints=Hints(
    idea="Nine rows of nine cells that tile the square: cell (r, c) is a slice of the image, "
         "rows of cells outside, columns inside, so that cell 9·r + c is row r, column c.",
    formula="With `side = warped.shape[0]`, put the borders at `edges = [round(i * side / 9) for i "
            "in range(10)]`; cell (r, c) spans rows `edges[r]:edges[r + 1]` and columns "
            "`edges[c]:edges[c + 1]`. A slice `a:b` stops before b, so neighbouring cells share no "
            "pixel and leave none out.",
    code="```python\n"
         "side = warped.shape[0]\n"
         "edges = [round(i * side / 9) for i in range(10)]\n"
         "return [warped[edges[r]:edges[r + 1], edges[c]:edges[c + 1]] for r in range(9) for c in range(9)]\n```",
))
def check_split_cells(split_cells, seed: int = 0) -> None:
    """split_cells(warped) -> 81 slices, row-major, tiling the image (floor or ceil of S/9 pixels each,
    or S // 9 each from the corner)."""
    rng = np.random.default_rng(seed)
    sides = [450, 90, 452, 181] + [int(s) for s in rng.integers(60, 400, size=2)]
    for side in sides:
        warped = np.arange(side * side, dtype=np.int64).reshape(side, side)
        where = signature("split_cells", warped)
        cells = _cells_list(call(split_cells, warped, name="split_cells"), where)
        if len(cells) != 81:
            missing = {64: "a row and a column of cells are missing: a loop like range(0, side - step, "
                           "step) stops one step early (use range(9))",
                       72: "a row or a column of cells is missing: the loop stops one step early",
                       100: "a 10th row and column of cells: use range(9), not the pixel positions "
                            "range(0, side + 1, step)"}
            fail(f"{where} returned {len(cells)} cells; expected 81."
                 + (f"\n  Likely mistake: {missing[len(cells)]}." if len(cells) in missing else ""))
        origins = _origins(cells, warped, where)
        problem = _tiling_problem(origins, side)
        if problem is None:
            continue
        reordered = origins.reshape(9, 9, 4).transpose(1, 0, 2).reshape(81, 4)  # listed column by column?
        if _tiling_problem(reordered, side) is None:
            fail(f"{where}: the cells are in column-major order (cell 1 is row 2, column 1).\n"
                 f"  Likely mistake: cells in column-major order: loop over rows outside, columns "
                 f"inside, so cell 9·r + c is row r, column c.")
        mistake = ""
        if "stops short" in problem and np.all(origins[:, 2:] == side // 9 - 1):
            mistake = ("\n  Likely mistake: off by one: each cell loses its last row and column "
                       "(a slice y0:y0 + step - 1 stops before y0 + step - 1).")
        fail(f"{where}: {problem}. The cells must tile the image: cell (r, c) spans rows "
             f"edges[r]:edges[r + 1] and columns edges[c]:edges[c + 1] with edges about i·S/9."
             + mistake)


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


def _with_specks(cell: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Dirt in the middle of the cell: a few dots and a short dash, each far smaller than a
    digit (dark, but neither 30 % of the cell tall nor 1.5 % of its area)."""
    cell = cell.copy()
    size = cell.shape[0]
    ink = float(rng.uniform(20, 80))
    for _ in range(int(rng.integers(2, 4))):
        centre = tuple(int(v) for v in rng.uniform(0.3, 0.7, 2) * size)
        cv2.circle(cell, centre, int(rng.integers(1, 3)), ink, -1)
    x, y = (int(v) for v in rng.uniform(0.35, 0.55, 2) * size)
    length = int(rng.uniform(0.08, 0.18) * size)
    cv2.line(cell, (x, y), (x + length, y + int(rng.integers(-2, 3))), ink, 2)
    return cell


def _with_digit(cell: np.ndarray, digit: int, rng: np.random.Generator) -> np.ndarray:
    from autograder.sudoku import digits

    fonts = digits.standard_fonts()  # every install has these: same cells everywhere
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


@dataclass(frozen=True)
class Cell:
    """A clear-cut test cell: its pixels and the digit it shows (0: none)."""
    image: np.ndarray
    digit: int


def synthetic_cells(rng: np.random.Generator) -> dict[str, list[Cell]]:
    """Clear-cut cells: blank, blank with line remnants, blank with specks, digits (with and
    without lines)."""
    to_u8 = lambda a: np.clip(a, 0, 255).astype(np.uint8)  # noqa: E731
    digits_ = [int(d) for d in rng.permutation(9)[:6] + 1] + [1, 1]
    return {
        "blank": [Cell(to_u8(_blank(rng)), 0) for _ in range(4)],
        "lines": [Cell(to_u8(_with_lines(_blank(rng), rng)), 0) for _ in range(6)],
        "specks": [Cell(to_u8(_with_specks(_with_lines(_blank(rng), rng), rng)), 0) for _ in range(4)],
        "digit": [Cell(to_u8(_with_digit(_blank(rng), d, rng)), d) for d in digits_[:4]]
                 + [Cell(to_u8(_with_lines(_with_digit(_blank(rng), d, rng), rng)), d) for d in digits_[4:]],
    }


def _bool(value, where: str) -> bool:
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, (int, np.integer)) and value in (0, 1)):
        return bool(value)
    fail(f"{where} returned {describe(value)}; expected True or False.")


@graded("cell_is_empty", hints=Hints(
    idea="Count only ink that can be a digit: not the grid lines that run through the whole "
         "cell, not specks, not shading. A digit is one sizeable piece of ink in the middle of "
         "the cell; `cell_ink` has already removed the long straight lines.",
    formula="Label the connected components of `cell_ink(cell)` (8-connectivity; "
            "`cv2.connectedComponentsWithStats` gives x, y, width, height, area, row 0 the "
            "background). A component is the digit when area ≥ 1.5 % of the cell, height ≥ 30 % "
            "of it, width ≤ 80 %, height ≤ 90 %, and its box centre lies in the middle 60 % of "
            "the cell (20 %-80 % of the width and of the height). `digit_box` returns the largest "
            "such box, grown by the small pieces inside it; the cell is empty when there is none.",
    code="```python\n"
         "ink = cell_ink(cell).astype(np.uint8); h, w = ink.shape\n"
         "n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)\n"
         "x, y, bw, bh, area = stats[1:].T.astype(float); cx, cy = x + bw / 2, y + bh / 2\n"
         "ok = ((area >= 0.015 * h * w) & (bh >= 0.3 * h) & (bw <= 0.8 * w) & (bh <= 0.9 * h)\n"
         "      & (cx > 0.2 * w) & (cx < 0.8 * w) & (cy > 0.2 * h) & (cy < 0.8 * h))\n"
         "# digit_box: None if not ok.any(), else the box of the largest ok component\n"
         "# cell_is_empty(cell): return digit_box(cell) is None\n```",
))
def check_cell_is_empty(cell_is_empty, seed: int = 0) -> None:
    """cell_is_empty(cell) -> True for cells without a digit (line remnants, specks, shading)."""
    rng = np.random.default_rng(seed)
    synthetic = synthetic_cells(rng)
    answers = {kind: [_bool(call(cell_is_empty, cell.image, name="cell_is_empty"),
                            signature("cell_is_empty", cell.image)) for cell in cells]
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
    wrong_specks = sum(not a for a in answers["specks"])
    if wrong_specks:
        fail(f"cell_is_empty returned False for {wrong_specks} of {len(answers['specks'])} empty cells "
             f"with a few specks of dirt and a short dash in the middle (none of them 30 % of the "
             f"cell tall or 1.5 % of its area).\n"
             f"  Likely mistake: specks counted as a digit: a digit is one component of at least "
             f"1.5 % of the cell's area and 30 % of its height, not any ink in the middle.")
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
# The stand-in model: the course's network, its digits relabelled, every call recorded


def relabelling(seed: int) -> np.ndarray:
    """A permutation of 0..9 that keeps 0 ("no digit") and moves every digit 1-9: the
    stand-in model's output column ``relabel[d]`` is the course network's column d."""
    rng = np.random.default_rng(10_000 + seed)
    while True:
        digits = rng.permutation(9) + 1
        if np.all(digits != np.arange(1, 10)):
            return np.concatenate([[0], digits])


@functools.lru_cache(maxsize=4)
def _relabelled_keras_model(relabel: tuple[int, ...]):
    """A Keras model: the course's network followed by a fixed layer that moves output
    column d to column relabel[d]."""
    import keras

    from autograder import models
    from autograder.sudoku.train_digits import build_model

    network = models.load_weights(build_model(compile=False),
                                  paths.data_file(models.SHIPPED["sudoku_digits"].weights_file))
    move = keras.layers.Dense(10, use_bias=False, trainable=False, name="relabel")
    model = keras.Sequential([keras.Input((28, 28, 1)), network, move], name="stand_in_digits")
    matrix = np.zeros((10, 10), np.float32)
    matrix[np.arange(10), list(relabel)] = 1.0
    move.set_weights([matrix])
    return model


class RecordingModel:
    """Stands in for the classifier: a real Keras model (so every ordinary inference call
    works, and ``.layers``, ``.summary()``… too) that records each call's batch and output.

    Its output column ``relabel[d]`` holds what the course's network gives digit d, so
    code that reads with another model than the one it was given is found out.
    """

    def __init__(self, seed: int = 0):
        self.relabel = relabelling(seed)
        self.model = _relabelled_keras_model(tuple(int(v) for v in self.relabel))
        self.calls: list[tuple[str, np.ndarray, np.ndarray]] = []  # (how, batch, output)

    def _inspect(self, how: str, x) -> np.ndarray:
        batch = np.asarray(x)
        if batch.ndim == 3 and batch.shape[1:] == (28, 28):
            fail(f"The model was called as {how} with a batch of shape {batch.shape}; the network "
                 f"expects (n, 28, 28, 1): add the channel axis with `batch[..., None]`.")
        if batch.ndim != 4 or batch.shape[1:] != (28, 28, 1):
            fail(f"The model was called as {how} with {describe(batch)}; it expects a batch of "
                 f"shape (n, 28, 28, 1): one 28×28×1 image per filled cell.")
        return batch

    def _record(self, how: str, batch: np.ndarray, output) -> None:
        self.calls.append((how, batch.copy(), np.array(output, dtype=np.float64)))

    def __call__(self, x, *args, **kwargs):
        batch = self._inspect("model(x)", x)
        output = self.model(x, *args, **kwargs)
        self._record("model(x)", batch, output)
        return output

    def predict(self, x, *args, **kwargs):
        batch = self._inspect("model.predict(x)", x)
        kwargs.setdefault("verbose", 0)
        output = self.model.predict(x, *args, **kwargs)
        self._record("model.predict(x)", batch, output)
        return output

    def predict_on_batch(self, x, *args, **kwargs):
        batch = self._inspect("model.predict_on_batch(x)", x)
        output = self.model.predict_on_batch(x, *args, **kwargs)
        self._record("model.predict_on_batch(x)", batch, output)
        return output

    def __getattr__(self, name):  # layers, summary, input_shape, ...: the real model's
        return getattr(self.model, name)

    def __repr__(self) -> str:
        return "<the check's stand-in model: a Keras model with 10 outputs, inputs (n, 28, 28, 1)>"


class CellList(list):
    """A plain list of cells whose repr is one line, so that a failure message quoting the
    call never dumps the cells' pixels."""

    def __repr__(self) -> str:
        return f"<a list of {len(self)} grey cells>"


def _unchanged(originals: list, copies: list, where: str) -> None:
    for k, (cell, copy) in enumerate(zip(originals, copies)):
        if np.asarray(cell).shape != copy.shape or not np.array_equal(np.asarray(cell), copy):
            fail(f"{where} changed cell {k} of its input list in place. Work on copies (for "
                 f"example `cell.astype(np.float32)`), so the caller's cells stay intact.")
    if len(originals) != len(copies):
        fail(f"{where} changed the length of its input list (from {len(copies)} to {len(originals)}); "
             f"the caller's list must stay as it was.")


# ---------------------------------------------------------------------------------------
# cell_probabilities


def _probability_table(got, n: int, where: str) -> np.ndarray:
    try:
        table = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        fail(f"{where} returned {describe(got)}; expected a float array of shape ({n}, 10).")
    if table.shape == (n,):
        fail(f"{where} returned one number per cell, shape {table.shape}; expected the probabilities, "
             f"shape ({n}, 10): row k holds the 10 probabilities of cell k (column 0 'no digit').\n"
             f"  Likely mistake: the digits were returned instead of the probabilities: keep the "
             f"model's rows, do not take the argmax.")
    if table.shape != (n, 10):
        fail(f"{where} returned shape {table.shape}; expected ({n}, 10): one row of 10 probabilities per cell.")
    return table


@graded("cell_probabilities", hints=Hints(
    idea="Start from a table that says 'certainly no digit' for every cell. Only cells with a "
         "digit box need the network, and they all go to it together, as one batch, in one call.",
    formula="`probabilities = np.zeros((len(cells), 10))` with column 0 set to 1. Collect `k` and "
            "`digit_image(cells[k], box)` for every cell whose `box = digit_box(cells[k])` is not "
            "None; stack the images into `batch` of shape (m, 28, 28, 1) (`np.stack(images)[..., "
            "None]`); `out = model.predict_on_batch(batch)`; row i of `out` goes to row k_i.",
    code="```python\n"
         "probabilities = np.zeros((len(cells), 10), np.float32); probabilities[:, 0] = 1\n"
         "boxes = [digit_box(cell) for cell in cells]\n"
         "filled = [k for k, box in enumerate(boxes) if box is not None]\n"
         "if filled:\n"
         "    batch = np.stack([digit_image(cells[k], boxes[k]) for k in filled])[..., None]\n"
         "    probabilities[filled] = np.asarray(model.predict_on_batch(batch))\n"
         "return probabilities\n```",
))
def check_cell_probabilities(cell_probabilities, seed: int = 0) -> None:
    """cell_probabilities(cells, model) -> (n, 10): [1, 0, ...] for cells without a digit box,
    the model's outputs (one batch, one call) for the others."""
    rng = np.random.default_rng(seed)
    synthetic = synthetic_cells(rng)
    chosen = (synthetic["digit"][:3] + synthetic["blank"][:1] + synthetic["lines"][:1]
              + synthetic["specks"][:1] + synthetic["digit"][4:5])
    cells = CellList(cell.image for cell in chosen)
    truth = np.array([cell.digit for cell in chosen])
    filled = truth > 0
    model = RecordingModel(seed)
    copies = [cell.copy() for cell in cells]
    where = (f"cell_probabilities(<{len(cells)} cells: {filled.sum()} with a digit, the others blank, "
             f"with line remnants or specks>, <a stand-in model>)")
    table = _probability_table(call(cell_probabilities, cells, model, name="cell_probabilities"), len(cells), where)
    _unchanged(cells, copies, where)
    if not model.calls:
        fail(f"{where} never called the model it was given.\n  Likely mistake: the function reads "
             f"with another model (a global one, or load_digit_model()) instead of its `model` "
             f"argument.")
    if len(model.calls) > 1:
        fail(f"{where} called the model {len(model.calls)} times; call it once, on a batch of all the "
             f"filled cells: one call costs about as much as one digit, so a call per cell is many "
             f"times slower.")
    how, batch, output = model.calls[0]
    if len(batch) != filled.sum():
        extra = " (empty cells are not sent to the model)" if len(batch) > filled.sum() else ""
        fail(f"{where} gave the model {len(batch)} images with {how}; expected {filled.sum()}: one "
             f"per cell with a digit box{extra}.")
    if batch.max() > 1.0 + 1e-6 or batch.min() < -1e-6:
        fail(f"{where} gave the model values from {batch.min():.3g} to {batch.max():.3g}; it expects "
             f"[0, 1] (use digit_image, which scales the ink to 0-1).")
    border = np.concatenate([batch[:, :3].ravel(), batch[:, -3:].ravel()])
    if border.mean() > 0.5:
        fail(f"{where} gave the model dark digits on a light background; like MNIST it expects a "
             f"white digit on black (use digit_image).")
    empty_rows = table[~filled]
    certain = np.zeros(10)
    certain[0] = 1
    if not np.allclose(empty_rows, certain, atol=1e-6):
        k = int(np.flatnonzero(~filled)[np.argmax(np.abs(empty_rows - certain).max(axis=1))])
        fail(f"{where}: row {k} (a cell without a digit box) is {np.round(table[k], 3).tolist()}; "
             f"expected [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]: 'no digit' with certainty.")
    got_rows = table[filled]
    if not np.allclose(got_rows, output, atol=1e-5):
        if np.allclose(got_rows, output[:, model.relabel], atol=1e-5):
            fail(f"{where} returned rows in the course network's column order, not the given model's.\n"
                 f"  Likely mistake: the function reads with another model than its `model` argument.")
        fail(f"{where}: the rows of the cells with a digit are not the model's outputs for them, in "
             f"the cells' order (largest difference {np.abs(got_rows - output).max():.3g}). Write row i "
             f"of the model's answer into the row of the i-th filled cell, unchanged.")
    expected_columns = model.relabel[truth[filled]]
    if not np.array_equal(got_rows.argmax(axis=1), expected_columns):
        fail(f"{where}: the rows do not belong to their cells: the stand-in's most probable columns "
             f"are {got_rows.argmax(axis=1).tolist()}, expected {expected_columns.tolist()} for these "
             f"digits. Keep the filled cells in order.")
    empty_where = "cell_probabilities([], <a stand-in model>)"
    empty = np.asarray(call(cell_probabilities, [], RecordingModel(seed), name="cell_probabilities"))
    if empty.shape != (0, 10):
        fail(f"{empty_where} returned shape {empty.shape}; expected (0, 10): no cells, no rows.")

    network = digit_model()
    for photo in photos(seed, shipped=(2, 4, 7, 10), fresh=2):
        cells = photo.cells()
        where = f"cell_probabilities(<the 81 cells of {photo.name}>, model)"
        table = _probability_table(call(cell_probabilities, cells, network, name="cell_probabilities"), 81, where)
        read = table.argmax(axis=1)
        truth = photo.givens.ravel()
        bad = np.flatnonzero(read != truth)
        if len(bad) > 2:
            examples = "; ".join(f"row {k // 9 + 1}, column {k % 9 + 1}: {truth[k]} read as {read[k]}"
                                 for k in bad[:3])
            fail(f"{where}: the most probable column is wrong for {len(bad)} of 81 cells (grid warped "
                 f"with its true corners); at most 2 may be wrong. For example: {examples}.")


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
        fail(f"{where} is not a valid solution: {problem}.")
    changed = np.argwhere((givens > 0) & (grid != givens))
    if len(changed):
        r, c = changed[0]
        fail(f"{where} changed {len(changed)} given digit(s): row {r + 1}, column {c + 1} was "
             f"{givens[r, c]} and came back {grid[r, c]}.\n  Likely mistake: the solver changes the "
             f"givens (or returns another valid grid); every given must stay where it is.")


def unsolvable_variant(givens: np.ndarray, solution: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The puzzle with one more given that clashes with no other given but admits no
    solution: no row, column or box repeats a digit, yet nothing completes the grid."""
    from autograder.sudoku.render import count_solutions

    for k in rng.permutation(81):
        r, c = divmod(int(k), 9)
        if givens[r, c]:
            continue
        seen = set(givens[r]) | set(givens[:, c]) | set(_box_of(givens, r, c))
        options = [d for d in range(1, 10) if d not in seen and d != solution[r, c]]
        for d in rng.permutation(options) if options else []:
            broken = givens.copy()
            broken[r, c] = d
            if count_solutions(broken, 1) == 0:
                return broken
    raise RuntimeError("no cell to break")  # cannot happen for a puzzle with empty cells


def _box_of(grid: np.ndarray, r: int, c: int) -> np.ndarray:
    return grid[3 * (r // 3):3 * (r // 3) + 3, 3 * (c // 3):3 * (c // 3) + 3].ravel()


def clash_in(givens: np.ndarray, unit: str, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """The puzzle with one more given that repeats a digit in exactly one unit ('row',
    'column' or 'box'); returns it and that unit's name as ``conflicts`` writes it."""
    for k in rng.permutation(81):
        r, c = divmod(int(k), 9)
        if givens[r, c]:
            continue
        units = {"row": set(givens[r]) - {0}, "column": set(givens[:, c]) - {0},
                 "box": set(_box_of(givens, r, c)) - {0}}
        others = set().union(*(values for name, values in units.items() if name != unit))
        for d in sorted(units[unit] - others):
            broken = givens.copy()
            broken[r, c] = d
            index = {"row": r, "column": c, "box": 3 * (r // 3) + c // 3}[unit]
            return broken, f"{unit} {index + 1}"
    raise RuntimeError(f"no cell makes a clash in one {unit} only")


# A puzzle made to defeat plain backtracking (17 givens, the first row of its solution
# 987654321): trying cells in reading order and digits from 1 up takes hundreds of
# millions of steps; the most constrained cell first, with propagation, takes a moment.
ANTI_BRUTE_FORCE = np.array([[int(v) for v in row.replace(".", "0")] for row in (
    ".........", ".....3.85", "..1.2....", "...5.7...", "..4...1..", ".9.......",
    "5......73", "..2.1....", "....4...9")])


def _list_copy(grid) -> list:
    return [list(row) for row in grid]


@graded("solve_sudoku", hints=Hints(
    idea="Propagation (`_assign`) does most of the work; your search only has to guess when it "
         "stalls. Guess where you are most likely right, the cell with the fewest candidates, "
         "on a copy, so a wrong guess can be thrown away; a branch where every candidate fails "
         "reports failure to the caller, which then tries its next candidate.",
    formula="search(candidates): if every cell has 1 candidate, return candidates. Else take "
            "the cell with the fewest candidates (more than one); for each digit of it: attempt = "
            "dict(candidates); if _assign(attempt, cell, digit) and search(attempt) is not None, "
            "return that result. After the loop, return None. solve_sudoku: check the shape (9×9), "
            "the values (whole numbers 0-9) and `conflicts(grid)` (ValueError naming the unit), "
            "assign every given (False: ValueError), search (None: ValueError).",
    code="```python\n"
         "def search(candidates):\n"
         "    if all(len(v) == 1 for v in candidates.values()):\n"
         "        return candidates\n"
         "    cell = min((c for c in CELLS if len(candidates[c]) > 1), key=lambda c: len(candidates[c]))\n"
         "    for digit in candidates[cell]:\n"
         "        attempt = dict(candidates)\n"
         "        if _assign(attempt, cell, digit):\n"
         "            solved = search(attempt)\n"
         "            if solved is not None:\n"
         "                return solved\n"
         "    return None\n```\n"
         "and in solve_sudoku: `clashes = conflicts(grid)`; `if clashes: raise ValueError('; "
         "'.join(clashes))`; `candidates = {cell: '123456789' for cell in CELLS}`; assign each "
         "given; `solved = search(candidates)`; build the 9×9 array from `solved[(r, c)]`.",
))
def check_solve_sudoku(solve_sudoku, seed: int = 0, timeout: float = 20.0) -> None:
    """solve_sudoku(grid) -> a valid completed grid keeping every given; ValueError (naming the
    unit for repeated givens) when impossible; input not modified."""
    from autograder.sudoku.render import random_puzzle

    rng = np.random.default_rng(seed)
    puzzles = [(LECTURE_PUZZLE, "the lecture's puzzle")]
    for _ in range(2):
        givens, solution = random_puzzle(rng, 22, 30)
        puzzles.append((givens, f"a random puzzle with {int((givens > 0).sum())} givens"))
    puzzles += [(HARD_PUZZLE, "Inkala's 'hardest' puzzle"),
                (ANTI_BRUTE_FORCE, "a 17-given puzzle made to defeat plain backtracking")]
    for givens, label in puzzles:
        where = f"solve_sudoku(<{label}>)"
        limit = 3 * timeout if givens is HARD_PUZZLE or givens is ANTI_BRUTE_FORCE else timeout
        try:
            got = call(solve_sudoku, givens.copy(), name="solve_sudoku", timeout=limit)
        except CheckFailure as failure:
            if "ran for more than" not in str(failure):
                raise
            fail(f"{where} ran for more than {limit:g} s.\n  Likely mistake: a search that fills "
                 f"the cells in reading order, or without propagation, takes far too long on hard "
                 f"puzzles: guess in the most constrained cell (fewest candidates) and propagate "
                 f"every guess with `_assign`.")
        expect_solution(got, givens, where)
    as_list = _list_copy(LECTURE_PUZZLE.tolist())
    got = call(solve_sudoku, as_list, name="solve_sudoku", timeout=timeout)
    where = "solve_sudoku(<the lecture's puzzle as a list of lists>)"
    expect_solution(got, LECTURE_PUZZLE, where)
    if as_list != LECTURE_PUZZLE.tolist():
        fail(f"{where} changed the list it was given. Work on a copy (`np.array(grid)` makes one), "
             f"so the caller's grid stays as it was.")
    if not np.array_equal(_solved(got, "solve_sudoku"), LECTURE_SOLUTION):
        fail("solve_sudoku(<the lecture's puzzle>) is valid but not the puzzle's (unique) solution.")

    def expect_error(grid, why: str, label: str, names: str | None = None) -> None:
        where = f"solve_sudoku(<{label}>)"
        try:
            call(solve_sudoku, grid, name="solve_sudoku", timeout=timeout)
        except CheckFailure as failure:
            text = str(failure)
            if "not written yet" in text:
                raise
            if "raised ValueError" in text:
                if names and not re.search(rf"\b{names}\b", text, flags=re.IGNORECASE):
                    zero_based = re.sub(r"\d+", lambda m: str(int(m.group()) - 1), names)
                    mistake = ("\n  Likely mistake: numbered from 0; rows, columns and boxes are "
                               "numbered from 1, as `conflicts` does."
                               if re.search(rf"\b{zero_based}\b", text, flags=re.IGNORECASE) else "")
                    fail(f"{where} raised ValueError, but its message does not say where: it should "
                         f"name '{names}'. Got: {text.split('raised ValueError: ', 1)[-1]}{mistake}")
                return
            if "ran for more than" in text:
                fail(f"{where} ran for more than {timeout:g} s; a grid without solution must end in a "
                     f"ValueError, not a search that never stops.\n  Likely mistake: the solver loops "
                     f"for ever on an unsolvable grid (it must back up and give up when every choice "
                     f"fails).")
            fail(f"{text}\n  Expected a ValueError with a message: {why}")
        else:
            fail(f"{where} returned normally; expected it to raise ValueError: {why}")

    givens, solution = random_puzzle(rng, 26, 32)
    for unit in ("row", "column", "box"):
        broken, name = clash_in(givens, unit, rng)
        expect_error(broken, f"{name} holds a digit twice, so no solution can exist.",
                     f"a puzzle whose {name} holds a digit twice", names=name)
    broken = unsolvable_variant(givens, solution, rng)
    expect_error(broken, "no digit repeats, but no way of filling the grid works.",
                 "a puzzle with no repeated given but no solution")
    expect_error(np.zeros((8, 9), int), "a Sudoku is 9×9.", "an 8×9 grid")
    bad = LECTURE_PUZZLE.copy()
    bad[4, 4] = 12
    expect_error(bad, "cells hold 0 (empty) or a digit 1-9.", "a grid with a 12 in it")
    bad = LECTURE_PUZZLE.astype(float)
    bad[4, 4] = 2.5
    expect_error(bad, "cells hold whole numbers 0-9.", "a grid with a 2.5 in it")


# ---------------------------------------------------------------------------------------
# best_reading

PLAUSIBLE, SURE, MAX_CHANGES = 0.01, 0.99, 3


def _repeats(grid: np.ndarray) -> bool:
    return any(np.any(np.bincount(unit, minlength=10)[1:] > 1) for _, unit in _units(grid.reshape(9, 9)))


def best_reading_oracle(p: np.ndarray) -> np.ndarray:
    """The definition of the exercise, written independently of the notebook: the most
    probable acceptable reading among the plain one and those changing at most
    MAX_CHANGES cells to plausible options (best first; the plain reading if none)."""
    import heapq

    from autograder.sudoku.render import count_solutions

    plain = p.argmax(axis=1)

    def acceptable(reading):
        if _repeats(reading):
            return False
        return p[np.arange(81), reading].min() >= SURE or count_solutions(reading.reshape(9, 9), 2) == 1

    changes = sorted((float(np.log(p[k, plain[k]]) - np.log(p[k, o])), k, o)
                     for k in range(81) for o in range(10) if o != plain[k] and p[k, o] >= PLAUSIBLE)
    # every subset of the changes, cheapest first: a subset (i1 < ... < in) comes from
    # (i1 ... in-1) by adding in = in-1 + 1, or from (i1 ... in - 1) by moving its last element
    heap = [(0.0, ())]
    while heap:
        cost, chosen = heapq.heappop(heap)
        cells = [changes[i][1] for i in chosen]
        if len(set(cells)) == len(cells):
            reading = plain.copy()
            for i in chosen:
                reading[changes[i][1]] = changes[i][2]
            if acceptable(reading):
                return reading.reshape(9, 9)
        last = chosen[-1] if chosen else -1
        if last + 1 < len(changes):
            if len(chosen) < MAX_CHANGES:
                heapq.heappush(heap, (cost + changes[last + 1][0], chosen + (last + 1,)))
            if chosen:
                heapq.heappush(heap, (cost - changes[last][0] + changes[last + 1][0], chosen[:-1] + (last + 1,)))
    return plain.reshape(9, 9)


@dataclass
class ReadingCase:
    """A probability table built from a puzzle, and what it tests."""
    label: str
    table: np.ndarray
    expected: np.ndarray


def _confident_table(givens: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Every cell read right and surely: the true option 0.995-0.9999, the other nine share
    the rest (each far below PLAUSIBLE)."""
    table = np.empty((81, 10))
    for k, truth in enumerate(givens.ravel()):
        top = rng.uniform(0.995, 0.9999)
        table[k] = (1 - top) / 9
        table[k, truth] = top
    return table


def _set_row(table: np.ndarray, k: int, options: dict[int, float]) -> None:
    rest = 1 - sum(options.values())
    table[k] = rest / (10 - len(options))
    for option, probability in options.items():
        table[k, option] = probability


def _peers_values(grid: np.ndarray, k: int) -> set[int]:
    r, c = divmod(k, 9)
    return (set(grid[r]) | set(grid[:, c]) | set(_box_of(grid, r, c))) - {0}


def _solutions_with(givens: np.ndarray, k: int, value: int) -> int:
    """How many solutions (0, 1 or 2 for "two or more") the givens have with cell k set to value."""
    from autograder.sudoku.render import count_solutions

    trial = givens.copy()
    trial.flat[k] = value
    return count_solutions(trial, 2)


def _solvable_with(givens: np.ndarray, k: int, value: int) -> bool:
    return _solutions_with(givens, k, value) > 0


def reading_cases(seed: int) -> list[ReadingCase]:
    """Probability tables of real puzzles, each with one kind of trouble (see the labels)."""
    from autograder.sudoku.render import random_puzzle

    rng = np.random.default_rng(seed)
    givens, solution = random_puzzle(rng, 24, 32)
    flat = givens.ravel()
    filled = [int(k) for k in rng.permutation(np.flatnonzero(flat))]
    empty = [int(k) for k in rng.permutation(np.flatnonzero(flat == 0))]
    cases = [ReadingCase("every cell read right and surely", _confident_table(givens, rng), givens.copy())]

    def repeat_digit(k: int) -> int:
        """A digit that cell k's row already holds (its column's, if the row has no other)."""
        r, c = divmod(k, 9)
        held = (set(givens[r]) - {0, flat[k]}) or (set(givens[:, c]) - {0, flat[k]})
        return next(d for d in rng.permutation(9) + 1 if d in held)

    def hidden_digit(k: int) -> int | None:
        """A digit for cell k that repeats nothing but leaves the puzzle without solution."""
        for d in rng.permutation(9) + 1:
            if d != flat[k] and d not in _peers_values(givens, k) and not _solvable_with(givens, k, d):
                return int(d)
        return None

    table = _confident_table(givens, rng)
    k = filled[0]
    wrong = repeat_digit(k)
    first = rng.uniform(0.5, 0.7)
    _set_row(table, k, {wrong: first, int(flat[k]): 0.98 - first})
    cases.append(ReadingCase(f"row {k // 9 + 1}, column {k % 9 + 1} misread as a digit its row (or column) "
                             f"already holds", table, givens.copy()))

    k = next(k for k in filled[1:] if hidden_digit(k) is not None)
    wrong = hidden_digit(k)
    table = _confident_table(givens, rng)
    first = rng.uniform(0.55, 0.75)
    _set_row(table, k, {wrong: first, int(flat[k]): 0.97 - first})
    cases.append(ReadingCase(f"row {k // 9 + 1}, column {k % 9 + 1} misread as a digit that repeats nothing "
                             f"but leaves the puzzle without solution", table, givens.copy()))

    k = next(k for k in filled[2:] if hidden_digit(k) is not None)
    decoy = hidden_digit(k)
    wrong = repeat_digit(k)
    while wrong == decoy:
        wrong = repeat_digit(k)
    table = _confident_table(givens, rng)
    _set_row(table, k, {wrong: 0.6, decoy: 0.25, int(flat[k]): 0.12})
    cases.append(ReadingCase(f"row {k // 9 + 1}, column {k % 9 + 1} misread as a repeated digit, whose second "
                             f"choice repeats nothing but has no solution, third choice right", table, givens.copy()))

    k = next(k for k in empty[:-1] if np.any(givens[k // 9] > 0))
    wrong = next(d for d in rng.permutation(9) + 1 if d in set(givens[k // 9]))
    table = _confident_table(givens, rng)
    _set_row(table, k, {int(wrong): 0.58, 0: 0.4})
    cases.append(ReadingCase(f"an empty cell (row {k // 9 + 1}, column {k % 9 + 1}) taken for a digit its "
                             f"row already holds, 'no digit' its second choice", table, givens.copy()))

    k = empty[-1]  # a redundant clue: the solution's digit in a cell the puzzle leaves empty
    printed = givens.copy()
    printed.flat[k] = solution.flat[k]
    table = _confident_table(printed, rng)
    _set_row(table, k, {0: 0.6, int(solution.flat[k]): 0.38})
    cases.append(ReadingCase(f"a faint digit (row {k // 9 + 1}, column {k % 9 + 1}) more probably empty: "
                             f"nothing repeats and without it the puzzle keeps exactly one solution, so it "
                             f"stays empty", table, givens.copy()))

    needed = next((k for k in filled[3:] if _solutions_with(givens, k, 0) > 1), None)
    if needed is not None:  # (a puzzle has such clues, unless every one of its clues is redundant)
        k = needed
        table = _confident_table(givens, rng)
        _set_row(table, k, {0: 0.6, int(flat[k]): 0.38})
        cases.append(ReadingCase(f"a faint digit (row {k // 9 + 1}, column {k % 9 + 1}) more probably empty, "
                                 f"but without it the puzzle has several solutions: it is restored",
                                 table, givens.copy()))

    a, b = filled[4], next(k for k in filled[5:] if k // 9 != filled[4] // 9)
    table = _confident_table(givens, rng)
    for k in (a, b):
        wrong = repeat_digit(k)
        first = rng.uniform(0.5, 0.65)
        _set_row(table, k, {wrong: first, int(flat[k]): 0.97 - first})
    cases.append(ReadingCase(f"two misread cells (row {a // 9 + 1}, column {a % 9 + 1} and row {b // 9 + 1}, "
                             f"column {b % 9 + 1}), each repeating a digit", table, givens.copy()))

    k = filled[6]
    wrong = repeat_digit(k)
    table = _confident_table(givens, rng)
    _set_row(table, k, {wrong: 0.995, int(flat[k]): 0.004})
    plain = givens.copy()
    plain.flat[k] = wrong
    cases.append(ReadingCase(f"row {k // 9 + 1}, column {k % 9 + 1} read as a repeated digit with no plausible "
                             f"alternative anywhere (the true digit has probability 0.004): nothing within "
                             f"the limits is acceptable, so the plain reading", table, plain))
    for case in cases:  # the definition, computed independently, agrees with the intent
        expected = best_reading_oracle(case.table)
        if not np.array_equal(expected, case.expected):
            raise RuntimeError(f"reading case {case.label!r} (seed {seed}) is not what it claims")
    return cases


def _reading_grid(got, where: str) -> np.ndarray:
    try:
        grid = np.asarray(got)
    except (TypeError, ValueError):
        fail(f"{where} returned {describe(got)}; expected a 9×9 grid.")
    if grid.shape == (81,):
        fail(f"{where} returned shape (81,); expected the 9×9 grid (reshape(9, 9)).")
    if grid.shape != (9, 9):
        fail(f"{where} returned {describe(got)}{'' if grid.shape == () else f' of shape {grid.shape}'}; "
             f"expected a 9×9 grid of ints 0-9.")
    if not np.issubdtype(grid.dtype, np.number) or np.any(grid != np.round(grid)):
        fail(f"{where} returned {describe(grid)}; expected whole numbers 0-9.")
    return grid.astype(int)


def _solution_count_mistake(solutions: int) -> str | None:
    """What is wrong with accepting a doubtful reading that has this many solutions (0, 1, 2+)."""
    if solutions == 0:
        return ("the grid repeats no digit but has no solution, and some of its cells are below SURE: "
                "then it must have exactly one solution")
    if solutions > 1:
        return ("the grid repeats no digit and has a solution, but more than one, and some of its cells "
                "are below SURE: a newspaper's puzzle has exactly one, so accept only "
                "count_solutions(grid) == 1 (solving it is not enough: solve_sudoku finds one of many)")
    return None


def _reading_mistake(got: np.ndarray, case: ReadingCase) -> str | None:
    from autograder.sudoku.render import count_solutions

    plain = case.table.argmax(axis=1).reshape(9, 9)
    unsure = case.table.max(axis=1).min() < SURE
    if np.array_equal(got, plain) and np.any((case.expected == 0) & (plain > 0)):
        return ("'no digit' (column 0) was not among the options: an empty cell taken for a digit can "
                "be emptied again, at the cost its probabilities give")
    if np.array_equal(got, plain) and not _repeats(plain) and unsure:
        mistake = _solution_count_mistake(count_solutions(plain, 2))
        if mistake:
            return mistake
    if np.array_equal(got, plain):
        return ("the plain reading came back unchanged: the rules were not applied (a repeated digit, "
                "or a grid without exactly one solution where a cell is below SURE, is not acceptable)")
    changed = np.flatnonzero(got.ravel() != plain.ravel())
    if any(case.table[k, got.flat[k]] < PLAUSIBLE for k in changed):
        return "a cell was changed to an option with probability below PLAUSIBLE (0.01)"
    if not _repeats(got) and np.any(got.ravel() != case.expected.ravel()):
        mistake = _solution_count_mistake(count_solutions(got, 2))
        if mistake:
            return mistake
    if np.any((got.ravel() > 0) & (case.expected.ravel() == 0) & (plain.ravel() == 0)):
        return "a digit was added where the plain reading was empty and nothing required it"
    return None


@graded("best_reading", hints=Hints(
    idea="Among the grids you can reach from the plain reading by a few plausible changes, "
         "try the most probable first: the plain reading, then the changes that cost least. "
         "A change of cell k from its best option a to option b costs log p_k(a) − log p_k(b); "
         "costs add up. The first acceptable grid you meet is the answer.",
    formula="plain = argmax of every row. changes = [(cost, k, b) for every cell k and option "
            "b ≠ plain[k] with p[k, b] ≥ PLAUSIBLE]. Candidates: the plain reading, then every "
            "combination of 1 to MAX_CHANGES changes to different cells, sorted by total cost. "
            "Acceptable: `not conflicts(grid)` and (every chosen probability ≥ SURE, or "
            "count_solutions(grid) == 1: a newspaper's puzzle has exactly one solution). None "
            "acceptable: the plain reading.",
    code="```python\n"
         "p = np.asarray(probabilities, dtype=float)  # (81, 10), else ValueError\n"
         "plain = p.argmax(axis=1)\n"
         "changes = [(np.log(p[k, plain[k]] / p[k, b]), k, b) for k in range(81) for b in range(10)\n"
         "           if b != plain[k] and p[k, b] >= PLAUSIBLE]\n"
         "combos = [()] + [c for n in range(1, MAX_CHANGES + 1) for c in itertools.combinations(changes, n)\n"
         "                 if len({k for _, k, _ in c}) == n]\n"
         "combos.sort(key=lambda c: sum(cost for cost, _, _ in c))\n"
         "for combo in combos:\n"
         "    reading = plain.copy()\n"
         "    for _, k, b in combo: reading[k] = b\n"
         "    if acceptable(reading): return reading.reshape(9, 9)\n"
         "return plain.reshape(9, 9)\n```",
))
def check_best_reading(best_reading, seed: int = 0) -> None:
    """best_reading(probabilities) -> the most probable acceptable 9×9 reading within the limits
    (PLAUSIBLE, MAX_CHANGES, SURE); ValueError for a table that is not (81, 10)."""
    cases = reading_cases(seed)
    for index, case in enumerate(cases):
        table = case.table
        if index % 3 == 1:
            table = table.astype(np.float32)
        argument = table.tolist() if index % 3 == 2 else table
        kind = "a list of lists" if index % 3 == 2 else f"a {table.dtype} array"
        where = f"best_reading(<probabilities as {kind}: {case.label}>)"
        before = np.array(argument, copy=True)
        got = _reading_grid(call(best_reading, argument, name="best_reading", timeout=30), where)
        if not np.array_equal(np.asarray(argument), before):
            fail(f"{where} changed the probabilities it was given; work on a copy.")
        if np.array_equal(got, case.expected):
            continue
        differences = [f"row {r + 1}, column {c + 1}: expected {case.expected[r, c]}, got {got[r, c]}"
                       for r, c in np.argwhere(got != case.expected)]
        mistake = _reading_mistake(got, case)
        fail(f"{where} is not the best acceptable reading; {len(differences)} cell(s) differ: "
             + "; ".join(differences[:4]) + "." + (f"\n  Likely mistake: {mistake}." if mistake else ""))
    expect_raises(best_reading, ValueError, np.full((80, 10), 0.1), name="best_reading",
                  why="The table must have one row of 10 probabilities for each of the 81 cells; say so "
                      "with a ValueError that names the shape.")


# ---------------------------------------------------------------------------------------
# read_sudoku


def _wrong_cells(got: np.ndarray, truth: np.ndarray) -> str:
    bad = np.argwhere(got != truth)
    listed = "; ".join(f"row {r + 1}, column {c + 1}: expected {truth[r, c]}, got {got[r, c]}" for r, c in bad[:5])
    return listed + (f"; and {len(bad) - 5} more" if len(bad) > 5 else "")


@graded("read_sudoku", hints=Hints(
    idea="Nothing new: chain the chapter's functions, photo in, 9×9 reading out, and read with "
         "the model you were given (load the course's model only when there is none).",
    formula="corners = find_grid_corners(image); cells = split_cells(warp_grid(to_gray(image), "
            "corners, GRID_SIZE)); probabilities = cell_probabilities(cells, model); return "
            "best_reading(probabilities). `model = load_digit_model()` when model is None.",
    code="```python\n"
         "if model is None:\n"
         "    model = load_digit_model()\n"
         "corners = find_grid_corners(image)\n"
         "cells = split_cells(warp_grid(to_gray(image), corners, GRID_SIZE))\n"
         "return best_reading(cell_probabilities(cells, model))\n```",
))
def check_read_sudoku(read_sudoku, seed: int = 0) -> None:
    """read_sudoku(image, model=None) -> the 9×9 puzzle: at most 4 of 81 cells wrong on every test
    photo, in colour and in grey; the given model is the one used."""
    test_photos = photos(seed, shipped=(1, 5, 12), fresh=2)
    for photo in test_photos:
        where = f"read_sudoku(<{photo.name}>)"
        got = _solved(call(read_sudoku, photo.image, name="read_sudoku", timeout=60), where)
        wrong = int((got != photo.givens).sum())
        if wrong <= 4:
            continue
        message = f"{where} read {wrong} of 81 cells wrong; at most 4 may be wrong: {_wrong_cells(got, photo.givens)}."
        if (got.T != photo.givens).sum() <= 4:
            message += ("\n  Likely mistake: the grid came out transposed: the cells are in row-major "
                        "order, so reshape(9, 9) without a transpose.")
        fail(message)
    photo = test_photos[0]
    grey = cv2.cvtColor(photo.image, cv2.COLOR_RGB2GRAY)
    where = f"read_sudoku(<{photo.name} in grey: {grey.shape[1]}×{grey.shape[0]}>)"
    got = _solved(_call_grey_aware(read_sudoku, grey, where, "read_sudoku"), where)
    if (got != photo.givens).sum() > 4:
        fail(f"{where} read {int((got != photo.givens).sum())} of 81 cells wrong; a grey photo must read "
             f"as well as a colour one: {_wrong_cells(got, photo.givens)}.")
    model = RecordingModel(seed)
    where = f"read_sudoku(<{photo.name}>, model=<a stand-in model with its digits relabelled>)"
    got = _solved(call(read_sudoku, photo.image, model=model, name="read_sudoku", timeout=60), where)
    expected = model.relabel[photo.givens]
    if (got != expected).sum() <= 4:
        return
    if not model.calls or (got != photo.givens).sum() <= 4:
        fail(f"{where} read the digits as the course's network does, not as the model it was given "
             f"(which relabels them).\n  Likely mistake: the `model` argument is ignored: use it, and "
             f"load the course's model only when it is None.")
    fail(f"{where} read {int((got != expected).sum())} of 81 cells unlike the given model: "
         f"{_wrong_cells(got, expected)}.")
