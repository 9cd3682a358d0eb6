"""Sudoku cells with printed (and handwritten) digits, rendered with their labels.

The classifier of assignment 09 reads cells cut out of a warped Sudoku photo. MNIST holds
handwriting only, so the printed digits are rendered here, in many fonts, and degraded the
way a phone photo degrades them: shifted and scaled in the cell, thinner or bolder,
slightly rotated and sheared, blurred, noisy, JPEG-compressed, on shaded paper, with the
remnants of grid lines that a slightly misaligned warp leaves at the cell's borders, and
now and then a speck of dirt or a piece of the neighbouring digit.

:func:`render_cell` draws one cell (a greyscale uint8 array, dark ink on light paper, like
one item of ``split_cells``); :func:`render_cells` draws a labelled set, label 0 for an
empty cell. ``autograder/sudoku/train_digits.py`` turns such cells into the training set
of the shipped classifier; the checks of assignment 09 use them as test cells.

Fonts: the faces matplotlib ships (:func:`autograder.sudoku.fonts.digit_fonts`) plus the
open fonts of the ``fontpkg-*`` packages listed in ``pyproject.toml`` (Arimo, Libre
Franklin, News Cycle, Roboto, …), the kind of sans and serif faces newspapers print
their puzzles in. Variable fonts are drawn at random weights.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from autograder.sudoku.fonts import digit_fonts

FONT_PACKAGES = (
    "fontpkg_arimo", "fontpkg_libre_franklin", "fontpkg_news_cycle", "fontpkg_roboto",
    "fontpkg_roboto_condensed", "fontpkg_open_sans", "fontpkg_pt_sans", "fontpkg_pt_serif",
    "fontpkg_noto_serif", "fontpkg_fira_sans", "fontpkg_ibm_plex_sans", "fontpkg_source_sans_3",
    "fontpkg_overpass", "fontpkg_barlow", "fontpkg_lato",
)
# Static faces too thin or too heavy for a newspaper puzzle
_SKIP_WORDS = ("Thin", "ExtraLight", "Black")
_SUPERSAMPLE = 4
_GLYPH_PX = 96


def package_fonts() -> list[Path]:
    """Font files of the installed ``fontpkg-*`` packages, in a fixed order (missing ones skipped)."""
    found = []
    for name in FONT_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        folder = Path(list(spec.submodule_search_locations)[0]) / "files"
        found += [p for p in sorted(folder.glob("*.[ot]tf")) if not any(w in p.name for w in _SKIP_WORDS)]
    return found


@functools.lru_cache(maxsize=1)
def printed_fonts() -> tuple[Path, ...]:
    """Every font the printed digits are drawn in: matplotlib's faces, then the packages'."""
    return tuple(digit_fonts()) + tuple(package_fonts())


@functools.lru_cache(maxsize=None)
def _weight_axis(path: str) -> tuple[int, float, float, list[float]] | None:
    """(index, min, max, defaults) of a variable font's weight axis, or None for a static font."""
    try:
        axes = ImageFont.truetype(path, 12).get_variation_axes()
    except (OSError, AttributeError):
        return None
    for index, axis in enumerate(axes):
        if axis["name"] in (b"Weight", "Weight"):
            return index, float(axis["minimum"]), float(axis["maximum"]), [float(a["default"]) for a in axes]
    return None


@functools.lru_cache(maxsize=4096)
def glyph(path: str, digit: int, weight: int | None = None) -> np.ndarray:
    """The digit drawn in the font at path, tightly cropped, as a float mask in [0, 1]."""
    font = ImageFont.truetype(path, _GLYPH_PX)
    axis = _weight_axis(path)
    if axis is not None and weight is not None:
        index, low, high, values = axis
        values = list(values)
        values[index] = float(np.clip(weight, low, high))
        font.set_variation_by_axes(values)
    side = 3 * _GLYPH_PX
    canvas = Image.new("L", (side, side), 0)
    ImageDraw.Draw(canvas).text((_GLYPH_PX // 2, _GLYPH_PX // 4), str(digit), fill=255, font=font)
    mask = np.asarray(canvas, dtype=np.float32) / 255
    rows, cols = np.flatnonzero(mask.max(axis=1) > 0.1), np.flatnonzero(mask.max(axis=0) > 0.1)
    return mask[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def mnist_glyph(image: np.ndarray) -> np.ndarray:
    """A 28×28 MNIST digit (white on black) as a tightly cropped float mask, upsampled 4×."""
    mask = np.asarray(image, dtype=np.float32) / 255
    rows, cols = np.flatnonzero(mask.max(axis=1) > 0.2), np.flatnonzero(mask.max(axis=0) > 0.2)
    mask = mask[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    return cv2.resize(mask, None, fx=4, fy=4, interpolation=cv2.INTER_CUBIC).clip(0, 1)


def _is_slanted(path: Path) -> bool:
    return any(word in path.name for word in ("Italic", "Oblique", "BolIta"))


def _random_glyph(rng: np.random.Generator, digit: int) -> np.ndarray:
    slanted = rng.random() < 0.15  # puzzles are printed upright; slanted faces now and then
    fonts = [p for p in printed_fonts() if _is_slanted(p) == slanted]
    path = str(fonts[rng.integers(len(fonts))])
    axis = _weight_axis(path)
    weight = None
    if axis is not None:
        weight = int(rng.uniform(max(axis[1], 300), min(axis[2], 850)) // 50 * 50)
    mask = glyph(path, digit, weight)
    change = rng.choice([-2, -1, 0, 0, 0, 1, 2, 3])  # thinner or bolder strokes than the font's
    if change:
        kernel = np.ones((abs(change) * 2 + 1,) * 2, np.uint8)
        mask = np.pad(mask, 8)
        mask = cv2.dilate(mask, kernel) if change > 0 else cv2.erode(mask, kernel)
        if mask.max() < 0.5:  # eroded away: keep the font's own strokes
            return glyph(path, digit, weight)
        rows, cols = np.flatnonzero(mask.max(axis=1) > 0.1), np.flatnonzero(mask.max(axis=0) > 0.1)
        mask = mask[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    return mask


def _place(canvas: np.ndarray, mask: np.ndarray, rng: np.random.Generator, height: float,
           centre: tuple[float, float], max_angle: float = 4.0, max_shear: float = 0.12) -> None:
    """Draw mask into canvas (max blend), scaled to height pixels, around centre (x, y)."""
    h, w = mask.shape
    scale = height / h
    sx = scale * rng.uniform(0.85, 1.15)
    angle = np.deg2rad(rng.uniform(-max_angle, max_angle))
    shear = rng.uniform(-max_shear, max_shear)
    linear = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]) @ \
        np.array([[1, shear], [0, 1]]) @ np.diag([sx, scale])
    offset = np.array(centre) - linear @ np.array([w / 2, h / 2])
    matrix = np.hstack([linear, offset[:, None]]).astype(np.float32)
    drawn = cv2.warpAffine(mask, matrix, canvas.shape[::-1], flags=cv2.INTER_LINEAR, borderValue=0)
    np.maximum(canvas, drawn, out=canvas)


def _grid_lines(canvas: np.ndarray, rng: np.random.Generator, strength: float) -> None:
    """Remnants of the grid at the cell's four borders: where a perfect warp puts them, or
    shifted inwards/outwards by a few pixels, thin or thick, slightly tilted."""
    side = canvas.shape[0]
    for border in range(4):
        if rng.random() < 0.15:
            continue
        inside = rng.uniform(-0.05, 0.12) if rng.random() < 0.8 else rng.uniform(0.1, 0.18)
        thickness = side * rng.uniform(0.01, 0.07)
        tilt = rng.uniform(-0.03, 0.03) * side
        level = strength * rng.uniform(0.35, 1.0)
        a = inside * side
        points = [(-side, a - tilt), (2 * side, a + tilt), (2 * side, a + tilt + thickness),
                  (-side, a - tilt + thickness)]
        polygon = np.array(points, np.float32)
        if border == 1:  # bottom
            polygon[:, 1] = side - polygon[:, 1]
        if border in (2, 3):  # left and right: swap x and y
            polygon = polygon[:, ::-1].copy()
            if border == 3:
                polygon[:, 0] = side - polygon[:, 0]
        layer = np.zeros_like(canvas)
        cv2.fillPoly(layer, [np.round(polygon * 16).astype(np.int32)], float(level), lineType=cv2.LINE_AA, shift=4)
        np.maximum(canvas, layer, out=canvas)


def _speck(canvas: np.ndarray, rng: np.random.Generator) -> None:
    side = canvas.shape[0]
    centre = tuple(int(v) for v in rng.uniform(0.15, 0.85, 2) * side)
    axes = tuple(int(v) for v in rng.uniform(0.01, 0.05, 2) * side + 1)
    layer = np.zeros_like(canvas)
    cv2.ellipse(layer, centre, axes, float(rng.uniform(0, 180)), 0, 360, float(rng.uniform(0.3, 1.0)), -1)
    np.maximum(canvas, layer, out=canvas)


def render_cell(digit: int, rng: np.random.Generator, size: int | None = None,
                handwritten: np.ndarray | None = None, hard: bool = False) -> np.ndarray:
    """One size×size greyscale cell (uint8, dark ink on light paper) showing ``digit``.

    ``digit`` 0 draws an empty cell (grid-line remnants, maybe a speck). ``handwritten``,
    a 28×28 MNIST image, replaces the printed glyph. ``hard=True`` pushes the grid lines
    further into the cell and adds clutter (for "no digit" training examples).
    """
    size = int(size or rng.integers(28, 72))
    side = size * _SUPERSAMPLE
    canvas = np.zeros((side, side), np.float32)
    height = 0.0
    if digit:
        mask = mnist_glyph(handwritten) if handwritten is not None else _random_glyph(rng, digit)
        height = side * rng.uniform(0.38, 0.78)
        spread = 0.05 if rng.random() < 0.85 else 0.1
        centre = (side * (0.5 + np.clip(rng.normal(0, spread), -0.15, 0.15)),
                  side * (0.5 + np.clip(rng.normal(0, spread), -0.15, 0.15)))
        _place(canvas, mask, rng, height, centre)
    _grid_lines(canvas, rng, strength=1.0)
    if hard or rng.random() < 0.08:  # a piece of the neighbouring cell's digit peeking in
        other = _random_glyph(rng, int(rng.integers(1, 10)))
        edge = rng.integers(4)
        along, across = side * rng.uniform(0.2, 0.8), side * rng.uniform(-0.35, -0.2)
        centre = [(along, across), (along, side - across), (across, along), (side - across, along)][edge]
        _place(canvas, other, rng, side * rng.uniform(0.45, 0.75), centre)
    if (not digit and rng.random() < 0.3) or hard:
        for _ in range(rng.integers(1, 3)):
            _speck(canvas, rng)
    if hard:
        _grid_lines(canvas, rng, strength=1.0)
    image = cv2.resize(canvas, (size, size), interpolation=cv2.INTER_AREA)

    paper = rng.uniform(110, 250)
    contrast = rng.uniform(40, paper)
    if handwritten is not None:
        contrast *= rng.uniform(0.5, 1.0)
    yy, xx = np.mgrid[0:size, 0:size] / size - 0.5
    shade = rng.uniform(-25, 25) * xx + rng.uniform(-25, 25) * yy
    grey = paper + shade - contrast * image
    # The camera: the cell was photographed at a lower resolution (the digit only 11 to 40
    # pixels tall), blurred, noisy and JPEG-compressed there, then enlarged by the warp.
    digit_px = (height if digit else 0.6 * side) / _SUPERSAMPLE
    source_px = rng.uniform(11, 40)
    factor = max(1.0, digit_px / source_px)
    small = max(8, int(round(size / factor)))
    photo = cv2.resize(grey, (small, small), interpolation=cv2.INTER_AREA) if small < size else grey
    sigma = rng.uniform(0, 0.13) * min(source_px, digit_px)  # defocus, up to a quarter of a stroke gap
    if sigma > 0.3:
        photo = cv2.GaussianBlur(photo, (0, 0), sigma)
    photo = np.clip(photo + rng.normal(0, rng.uniform(0, 8), photo.shape), 0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        ok, data = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(25, 95))])
        photo = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    grey = cv2.resize(photo, (size, size), interpolation=cv2.INTER_LINEAR) if small < size else photo
    return grey


def render_cells(n: int, seed: int = 0, empty_fraction: float = 0.3, mnist: tuple | None = None,
                 handwritten_fraction: float = 0.0, size: int | None = None,
                 hard_fraction: float = 0.0) -> tuple[list[np.ndarray], np.ndarray]:
    """``n`` rendered cells and their labels (0 = empty), reproducible from ``seed``.

    ``mnist`` = (images, labels) supplies handwritten digits for ``handwritten_fraction``
    of the filled cells (MNIST zeros are skipped: a Sudoku has no 0). ``hard_fraction`` of
    the empty cells carry extra clutter.
    """
    rng = np.random.default_rng(seed)
    cells, labels = [], []
    if mnist is not None:
        keep = np.asarray(mnist[1]) > 0
        mnist = (np.asarray(mnist[0])[keep], np.asarray(mnist[1])[keep])
    for _ in range(n):
        if rng.random() < empty_fraction:
            cells.append(render_cell(0, rng, size, hard=rng.random() < hard_fraction))
            labels.append(0)
            continue
        if mnist is not None and rng.random() < handwritten_fraction:
            index = rng.integers(len(mnist[1]))
            digit = int(mnist[1][index])
            cells.append(render_cell(digit, rng, size, handwritten=mnist[0][index]))
        else:
            digit = int(rng.integers(1, 10))
            cells.append(render_cell(digit, rng, size))
        labels.append(digit)
    return cells, np.array(labels)
