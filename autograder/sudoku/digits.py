"""Sudoku cells with printed (and handwritten) digits, rendered with their labels.

The classifier of assignment 09 reads cells cut out of a warped Sudoku photo. MNIST holds
handwriting only, so the printed digits are rendered here, in many fonts, and degraded the
way a phone photo of a newspaper degrades them:

- **the print**: shifted and scaled in the cell, thinner or bolder, slightly rotated and
  sheared; black, or faint (coloured ink seen through the darkest channel, worn print);
- **the page**: bright or dim paper, shading, the edge of a shadow across the cell, a
  fold or a ruled line through it, grid-line remnants where a slightly misaligned warp
  leaves them, now and then a speck of dirt or a piece of the neighbouring digit;
- **the camera**: the digit photographed only 8 to 40 pixels tall (then enlarged by the
  warp), defocus, sensor noise (strong in dim photos) and JPEG compression.

:func:`render_cell` draws one cell (a greyscale uint8 array, dark ink on light paper, like
one item of ``split_cells``); :func:`render_cells` draws a labelled set, label 0 for an
empty cell. ``autograder/sudoku/train_digits.py`` turns such cells into the training set
of the shipped classifier.

Fonts: :func:`printed_fonts` is every face the training uses: the faces matplotlib ships
(:func:`autograder.sudoku.fonts.digit_fonts`) plus the open fonts of the ``fontpkg-*``
packages of the ``dev`` extra (Arimo, Libre Franklin, News Cycle, Roboto, Public Sans,
Source Serif, Archivo Narrow, …), the kind of faces newspapers print puzzles in; variable
fonts are drawn at random weights. A learner's install has no ``fontpkg-*`` package, so
everything a learner or a check renders passes ``fonts=standard_fonts()`` (matplotlib's
faces only), and every machine draws the same cells.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from autograder.sudoku.fonts import digit_fonts

FONT_PACKAGES = (
    "fontpkg_arimo", "fontpkg_libre_franklin", "fontpkg_news_cycle", "fontpkg_roboto",
    "fontpkg_roboto_condensed", "fontpkg_open_sans", "fontpkg_pt_sans", "fontpkg_pt_serif",
    "fontpkg_noto_serif", "fontpkg_fira_sans", "fontpkg_ibm_plex_sans", "fontpkg_source_sans_3",
    "fontpkg_overpass", "fontpkg_barlow", "fontpkg_lato", "fontpkg_public_sans",
    "fontpkg_archivo_narrow", "fontpkg_source_serif_4", "fontpkg_roboto_slab", "fontpkg_work_sans",
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


def standard_fonts() -> tuple[Path, ...]:
    """The faces every install has (matplotlib's): what checks and notebooks render with."""
    return tuple(digit_fonts())


@functools.lru_cache(maxsize=1)
def printed_fonts() -> tuple[Path, ...]:
    """Every font the training digits are drawn in: matplotlib's faces, then the packages'."""
    return standard_fonts() + tuple(package_fonts())


def font_family(path: Path) -> str:
    """The family a font file belongs to: its package, or its name without the style."""
    if path.parent.name == "files" and path.parent.parent.name.startswith("fontpkg_"):
        return path.parent.parent.name
    return re.sub(r"(-?(Bold|Oblique|Italic|BolIta|Bol))+$", "", path.stem)


def _is_slanted(path: Path) -> bool:
    return any(word in path.name for word in ("Italic", "Oblique", "BolIta"))


@functools.lru_cache(maxsize=16)
def _families(fonts: tuple[Path, ...], slanted: bool) -> tuple[tuple[Path, ...], ...]:
    """The fonts of one slant, grouped by family (so that a family with many static
    weights is not drawn more often than one variable font)."""
    groups: dict[str, list[Path]] = {}
    for path in fonts:
        if _is_slanted(path) == slanted:
            groups.setdefault(font_family(path), []).append(path)
    return tuple(tuple(group) for group in groups.values())


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


def _random_glyph(rng: np.random.Generator, digit: int, fonts: tuple[Path, ...]) -> np.ndarray:
    slanted = rng.random() < 0.15  # puzzles are printed upright; slanted faces now and then
    families = _families(fonts, slanted) or _families(fonts, not slanted)
    family = families[rng.integers(len(families))]
    path = str(family[rng.integers(len(family))])
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


def _band(canvas: np.ndarray, a: float, thickness: float, tilt: float, level: float, border: int) -> None:
    """Ink a straight band across the canvas: ``a`` pixels from the top (border 0), bottom
    (1), left (2) or right (3) edge, ``thickness`` thick, its ends ``tilt`` pixels apart."""
    side = canvas.shape[0]
    points = [(-side, a - tilt), (2 * side, a + tilt), (2 * side, a + tilt + thickness), (-side, a - tilt + thickness)]
    polygon = np.array(points, np.float32)
    if border == 1:
        polygon[:, 1] = side - polygon[:, 1]
    if border in (2, 3):  # left and right: swap x and y
        polygon = polygon[:, ::-1].copy()
        if border == 3:
            polygon[:, 0] = side - polygon[:, 0]
    layer = np.zeros_like(canvas)
    cv2.fillPoly(layer, [np.round(polygon * 16).astype(np.int32)], float(level), lineType=cv2.LINE_AA, shift=4)
    np.maximum(canvas, layer, out=canvas)


def _grid_lines(canvas: np.ndarray, rng: np.random.Generator, strength: float) -> None:
    """Remnants of the grid at the cell's four borders: where a perfect warp puts them, or
    shifted inwards/outwards by a few pixels, thin or thick, slightly tilted."""
    side = canvas.shape[0]
    for border in range(4):
        if rng.random() < 0.15:
            continue
        inside = rng.uniform(-0.05, 0.12) if rng.random() < 0.8 else rng.uniform(0.1, 0.18)
        _band(canvas, inside * side, side * rng.uniform(0.01, 0.07), rng.uniform(-0.03, 0.03) * side,
              strength * rng.uniform(0.35, 1.0), border)


def _crease(canvas: np.ndarray, rng: np.random.Generator) -> None:
    """A fold of the paper or a ruled line running through the middle of the cell: thin,
    usually lighter than the print."""
    side = canvas.shape[0]
    _band(canvas, rng.uniform(0.3, 0.7) * side, side * rng.uniform(0.01, 0.035), rng.uniform(-0.06, 0.06) * side,
          rng.uniform(0.2, 0.6), int(rng.integers(4)))


def _speck(canvas: np.ndarray, rng: np.random.Generator) -> None:
    side = canvas.shape[0]
    centre = tuple(int(v) for v in rng.uniform(0.15, 0.85, 2) * side)
    axes = tuple(int(v) for v in rng.uniform(0.01, 0.05, 2) * side + 1)
    layer = np.zeros_like(canvas)
    cv2.ellipse(layer, centre, axes, float(rng.uniform(0, 180)), 0, 360, float(rng.uniform(0.3, 1.0)), -1)
    np.maximum(canvas, layer, out=canvas)


def _neighbour(canvas: np.ndarray, rng: np.random.Generator, fonts: tuple[Path, ...]) -> None:
    """A piece of the neighbouring cell's digit peeking in at one edge."""
    side = canvas.shape[0]
    other = _random_glyph(rng, int(rng.integers(1, 10)), fonts)
    edge = rng.integers(4)
    along, across = side * rng.uniform(0.2, 0.8), side * rng.uniform(-0.35, -0.2)
    centre = [(along, across), (along, side - across), (across, along), (side - across, along)][edge]
    _place(canvas, other, rng, side * rng.uniform(0.45, 0.75), centre)


def _digit_centre(rng: np.random.Generator, side: int) -> tuple[float, float]:
    """Where the digit sits: near the middle, further off where the warp missed the grid a little."""
    spread = 0.05 if rng.random() < 0.85 else 0.1
    dx, dy = np.clip(rng.normal(0, spread, 2), -0.15, 0.15)
    return side * (0.5 + dx), side * (0.5 + dy)


def _on_paper(coverage: np.ndarray, rng: np.random.Generator, handwritten: bool) -> tuple[np.ndarray, bool]:
    """Grey levels of ink ``coverage`` (0..1) printed on paper and lit (float, not clipped),
    and whether the photo was taken in poor light."""
    size = coverage.shape[0]
    dim = rng.random() < 0.12  # a photo taken in poor light
    paper = rng.uniform(45, 110) if dim else rng.uniform(110, 250)
    faint = rng.random() < 0.2  # coloured ink (in the darkest channel) or a worn print
    contrast = max(15.0, paper * (rng.uniform(0.12, 0.3) if faint else rng.uniform(0.3, 0.92)))
    if handwritten:
        contrast *= rng.uniform(0.5, 1.0)
    yy, xx = np.mgrid[0:size, 0:size] / size - 0.5
    light = paper / 200 * (rng.uniform(-25, 25) * xx + rng.uniform(-25, 25) * yy)
    grey = paper + light - contrast * coverage
    if rng.random() < 0.12:  # the soft edge of a shadow across the cell
        angle = rng.uniform(0, 2 * np.pi)
        distance = (np.cos(angle) * xx + np.sin(angle) * yy - rng.uniform(-0.3, 0.3)) / rng.uniform(0.02, 0.15)
        grey = grey * (1 - rng.uniform(0.1, 0.45) / (1 + np.exp(-distance)))
    return grey, dim


def _photograph(grey: np.ndarray, rng: np.random.Generator, digit_px: float, dim: bool) -> np.ndarray:
    """The camera: the cell was photographed at a lower resolution (the digit only 8 to 40
    pixels tall), blurred, noisy and JPEG-compressed there, then enlarged by the warp."""
    size = grey.shape[0]
    source_px = 8 + 32 * rng.beta(1.2, 1.8)
    factor = max(1.0, digit_px / source_px)
    small = max(8, int(round(size / factor)))
    photo = cv2.resize(grey, (small, small), interpolation=cv2.INTER_AREA) if small < size else grey
    defocus = rng.uniform(0, 0.12) if rng.random() < 0.75 else rng.uniform(0.12, 0.2)
    sigma = defocus * min(source_px, digit_px)  # up to about a stroke gap
    if sigma > 0.3:
        photo = cv2.GaussianBlur(photo, (0, 0), sigma)
    noise = rng.uniform(2, 10) if dim else rng.uniform(0, 8)
    photo = np.clip(photo + rng.normal(0, noise, photo.shape), 0, 255).astype(np.uint8)
    if rng.random() < 0.6:
        ok, data = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(20, 95))])
        photo = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    return cv2.resize(photo, (size, size), interpolation=cv2.INTER_LINEAR) if small < size else photo


def render_cell(digit: int, rng: np.random.Generator, size: int | None = None,
                handwritten: np.ndarray | None = None, hard: bool = False,
                fonts: Sequence[Path] | None = None) -> np.ndarray:
    """One size×size greyscale cell (uint8, dark ink on light paper) showing ``digit``.

    ``digit`` 0 draws an empty cell (grid-line remnants, maybe a speck). ``handwritten``,
    a 28×28 MNIST image, replaces the printed glyph. ``hard=True`` pushes the grid lines
    further into the cell and adds clutter (for "no digit" training examples). ``fonts``:
    the font files to draw from (default :func:`printed_fonts`).
    """
    fonts = tuple(fonts) if fonts is not None else printed_fonts()
    size = int(size or rng.integers(28, 72))
    side = size * _SUPERSAMPLE
    canvas = np.zeros((side, side), np.float32)
    height = 0.0
    if digit:
        mask = mnist_glyph(handwritten) if handwritten is not None else _random_glyph(rng, digit, fonts)
        height = side * rng.uniform(0.38, 0.78)
        _place(canvas, mask, rng, height, _digit_centre(rng, side))
    _grid_lines(canvas, rng, strength=1.0)
    if hard or rng.random() < 0.08:
        _neighbour(canvas, rng, fonts)
    if (not digit and rng.random() < 0.3) or hard:
        for _ in range(rng.integers(1, 3)):
            _speck(canvas, rng)
    if rng.random() < 0.04:
        _crease(canvas, rng)
    if hard:
        _grid_lines(canvas, rng, strength=1.0)
    coverage = cv2.resize(canvas, (size, size), interpolation=cv2.INTER_AREA)
    grey, dim = _on_paper(coverage, rng, handwritten is not None)
    digit_px = (height if digit else 0.6 * side) / _SUPERSAMPLE
    return _photograph(grey, rng, digit_px, dim)


def _smudge(canvas: np.ndarray, rng: np.random.Generator) -> None:
    """A soft, faint blot (dirt, ink showing through from the back of the page)."""
    side = canvas.shape[0]
    layer = np.zeros_like(canvas)
    centre = tuple(int(v) for v in rng.uniform(0.3, 0.7, 2) * side)
    axes = tuple(int(v) for v in rng.uniform(0.06, 0.2, 2) * side + 1)
    cv2.ellipse(layer, centre, axes, float(rng.uniform(0, 180)), 0, 360, float(rng.uniform(0.25, 0.7)), -1)
    np.maximum(canvas, cv2.GaussianBlur(layer, (0, 0), 0.03 * side), out=canvas)


def _pencil(canvas: np.ndarray, rng: np.random.Generator) -> None:
    """A reader's pencil tick or cross: two straight strokes (not a printed digit)."""
    side = canvas.shape[0]
    layer = np.zeros_like(canvas)
    centre = rng.uniform(0.35, 0.65, 2) * side
    thickness = max(1, int(side * rng.uniform(0.015, 0.04)))
    first = rng.uniform(0, np.pi)
    for angle, length in [(first, rng.uniform(0.25, 0.5)), (first + rng.uniform(0.5, 2.6), rng.uniform(0.15, 0.5))]:
        step = np.array([np.cos(angle), np.sin(angle)]) * length * side / 2
        a, b = (centre - step).astype(int), (centre + step).astype(int)
        cv2.line(layer, (int(a[0]), int(a[1])), (int(b[0]), int(b[1])), float(rng.uniform(0.3, 0.8)), thickness, cv2.LINE_AA)
    np.maximum(canvas, layer, out=canvas)


def render_clutter(rng: np.random.Generator, size: int | None = None,
                   fonts: Sequence[Path] | None = None) -> np.ndarray:
    """An empty cell whose clutter reaches its middle (a "no digit" example): a neighbour's
    digit half inside the cell, a smudge or a pencil tick, on the same paper and through
    the same camera as :func:`render_cell`."""
    fonts = tuple(fonts) if fonts is not None else printed_fonts()
    size = int(size or rng.integers(28, 72))
    side = size * _SUPERSAMPLE
    canvas = np.zeros((side, side), np.float32)
    _grid_lines(canvas, rng, strength=1.0)
    kind = int(rng.integers(3))
    if kind == 0:
        other = _random_glyph(rng, int(rng.integers(1, 10)), fonts)
        along, across = side * rng.uniform(0.3, 0.7), side * rng.uniform(-0.22, -0.05)
        centre = [(along, across), (along, side - across), (across, along), (side - across, along)][rng.integers(4)]
        _place(canvas, other, rng, side * rng.uniform(0.45, 0.75), centre)
    elif kind == 1:
        _smudge(canvas, rng)
    else:
        _pencil(canvas, rng)
    coverage = cv2.resize(canvas, (size, size), interpolation=cv2.INTER_AREA)
    grey, dim = _on_paper(coverage, rng, handwritten=False)
    return _photograph(grey, rng, 0.6 * size, dim)


def render_cells(n: int, seed: int = 0, empty_fraction: float = 0.3, mnist: tuple | None = None,
                 handwritten_fraction: float = 0.0, size: int | None = None,
                 hard_fraction: float = 0.0, fonts: Sequence[Path] | None = None
                 ) -> tuple[list[np.ndarray], np.ndarray]:
    """``n`` rendered cells and their labels (0 = empty), reproducible from ``seed``.

    ``mnist`` = (images, labels) supplies handwritten digits for ``handwritten_fraction``
    of the filled cells (MNIST zeros are skipped: a Sudoku has no 0). ``hard_fraction`` of
    the empty cells carry extra clutter. ``fonts`` as in :func:`render_cell`.
    """
    rng = np.random.default_rng(seed)
    cells, labels = [], []
    if mnist is not None:
        keep = np.asarray(mnist[1]) > 0
        mnist = (np.asarray(mnist[0])[keep], np.asarray(mnist[1])[keep])
    for _ in range(n):
        if rng.random() < empty_fraction:
            cells.append(render_cell(0, rng, size, hard=rng.random() < hard_fraction, fonts=fonts))
            labels.append(0)
            continue
        if mnist is not None and rng.random() < handwritten_fraction:
            index = rng.integers(len(mnist[1]))
            digit = int(mnist[1][index])
            cells.append(render_cell(digit, rng, size, handwritten=mnist[0][index], fonts=fonts))
        else:
            digit = int(rng.integers(1, 10))
            cells.append(render_cell(digit, rng, size, fonts=fonts))
        labels.append(digit)
    return cells, np.array(labels)
