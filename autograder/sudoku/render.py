"""Render synthetic phone photos of newspaper Sudoku puzzles, with their ground truth.

Each photo is made from one integer seed, deterministically:

1. a Sudoku puzzle with a unique solution (a shuffled base pattern, then cells removed one by
   one while the solution stays unique, down to 22-35 givens);
2. a newspaper page: tinted, textured paper, the puzzle's grid (thick 3x3 box lines, thin
   cell lines) with the givens in one of the fonts of :func:`autograder.sudoku.fonts.digit_fonts`,
   a title, and clutter around it: columns of text, rules, a second (solution) grid, a
   crossword, a half-toned picture, a coloured label, text showing through from the back;
3. a camera: a perspective view of the page (tilt up to 18 degrees, rotation, a scale at which
   the grid spans 50-88% of the frame's shorter side), mild lens distortion and paper curl,
   uneven lighting and often a soft shadow, a colour cast, defocus and sometimes motion blur
   (an "old phone" look in 40% of the photos: softer, flatter, noisier), sometimes
   sharpening halos, sensor noise, and JPEG compression (quality 60-90). The output is
   640x480, or 480x640 for about a quarter of the seeds.

The files it writes follow the dataset format of the course (see COURSE_SPEC.md, Data):
``imageN.jpg`` and ``imageN.dat`` (line 1 the camera, here ``synthetic render.py seed S``;
line 2 the image size, ``640x480:24 JPG``; then 9 lines of 9 digits separated by spaces,
0 for an empty cell, each digit followed by a space as in most of the real files), plus ``outlines.csv`` with the four true corners of each grid
(``p1`` top left, ``p2`` top right, ``p3`` bottom right, ``p4`` bottom left of the puzzle
as printed; x then y, in pixels; the outer edge of the grid's border line).

Rerun (from the repository root) to regenerate the shipped photos::

    python -m autograder.sudoku.render --count 12 --seed 0 --out data/sudoku

Photo N of a run with ``--seed S`` is rendered from the seed ``1000 * S + N``, which its
``.dat`` file names, so ``render_photo(seed)`` remakes any single photo. The output is
byte-identical on rerun with the same versions of numpy, OpenCV and Pillow; on another CPU
a few pixel values may differ by one grey level (floating point in OpenCV's vector code).

:func:`render_digit` draws one grid cell with a printed digit the same way the page does,
for training a digit classifier.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from autograder.sudoku.fonts import digit_fonts, matplotlib_font_dir

CELL = 48  # page pixels per Sudoku cell
GRID = 9 * CELL
CAMERA = "synthetic render.py seed {seed}"
OUTLINE_HEADER = ["image", "p1_x", "p1_y", "p2_x", "p2_y", "p3_x", "p3_y", "p4_x", "p4_y"]

# Faces for headlines and body text (the digit faces minus Computer Modern).
_TEXT_FACES = ["DejaVuSans.ttf", "DejaVuSerif.ttf", "STIXGeneral.ttf", "DejaVuSans.ttf"]
_BOLD_FACES = ["DejaVuSans-Bold.ttf", "DejaVuSerif-Bold.ttf", "STIXGeneralBol.ttf"]
_TITLES = ["SUDOKU", "Sudoku", "SU DOKU", "Sudoku", "SUDOKU"]
_LEVELS = ["Facile", "Moyen", "Difficile", "Expert", "Easy", "Medium", "Hard", "Fiendish",
           "Superior", "Difficulté: 3/4", "Niveau 2", "Mittel", "Schwer"]
_RULES_TEXT = ("Complétez cette grille avec des chiffres de 1 à 9 de telle manière qu'aucun "
               "n'apparaisse deux fois dans une même ligne, une même colonne ou un même carré. "
               "Fill the grid so that every row, every column and every 3x3 box contains the "
               "digits 1 to 9. Solution in tomorrow's edition.")
_SYLLABLES = ("la le de en re on an es it ou ma ti ne ra ve co pa ri mo su ta di no se ce lu "
              "par pour dans est que qui les des une sur mais plus tout bien ment tion ber ter "
              "ing and the for ver sch ein ist lo mi").split()
_PUNCT = [",", ".", "", "", "", "", "", ";", ":", ""]

# Ink colours (RGB in 0..1); the first is by far the most common.
_BLACKS = [(0.08, 0.08, 0.09), (0.12, 0.11, 0.11), (0.05, 0.06, 0.08)]
_ACCENTS = [(0.15, 0.62, 0.85), (0.80, 0.12, 0.15), (0.10, 0.55, 0.25), (0.20, 0.25, 0.65),
            (0.90, 0.45, 0.10)]
_DIGIT_COLOURS = [(0.62, 0.04, 0.08), (0.08, 0.14, 0.50), (0.05, 0.38, 0.16)]  # dark red/blue/green


# ----------------------------------------------------------------------------- puzzles


_BOX = [3 * (i // 27) + (i % 9) // 3 for i in range(81)]


def count_solutions(givens, limit: int = 2) -> int:
    """How many solutions the 9x9 grid ``givens`` (0 = empty) has, counting up to ``limit``."""
    grid = [int(v) for v in np.asarray(givens).ravel()]
    rows, cols, boxes = [0] * 9, [0] * 9, [0] * 9
    for i, v in enumerate(grid):
        if v:
            bit = 1 << v
            r, c, b = i // 9, i % 9, _BOX[i]
            if (rows[r] | cols[c] | boxes[b]) & bit:
                return 0  # a given that repeats another
            rows[r] |= bit
            cols[c] |= bit
            boxes[b] |= bit
    empty = [i for i in range(81) if grid[i] == 0]

    def search(need: int) -> int:
        best, best_cands, best_n = -1, 0, 10
        for i in empty:
            if grid[i] == 0:
                cands = ~(rows[i // 9] | cols[i % 9] | boxes[_BOX[i]]) & 0b1111111110
                n = cands.bit_count()
                if n < best_n:
                    best, best_cands, best_n = i, cands, n
                    if n <= 1:
                        break
        if best < 0:
            return 1
        found = 0
        r, c, b = best // 9, best % 9, _BOX[best]
        for d in range(1, 10):
            bit = 1 << d
            if best_cands & bit:
                grid[best] = d
                rows[r] |= bit
                cols[c] |= bit
                boxes[b] |= bit
                found += search(need - found)
                rows[r] &= ~bit
                cols[c] &= ~bit
                boxes[b] &= ~bit
                if found >= need:
                    break
        grid[best] = 0
        return found

    return search(limit)


def random_solution(rng: np.random.Generator) -> np.ndarray:
    """A full valid Sudoku grid: the base pattern with shuffled digits, rows, columns, bands."""
    base = np.array([[(3 * (r % 3) + r // 3 + c) % 9 for c in range(9)] for r in range(9)])
    digits = rng.permutation(9) + 1
    rows = np.concatenate([3 * b + rng.permutation(3) for b in rng.permutation(3)])
    cols = np.concatenate([3 * s + rng.permutation(3) for s in rng.permutation(3)])
    grid = digits[base[rows][:, cols]]
    if rng.random() < 0.5:
        grid = grid.T
    return np.ascontiguousarray(grid)


def random_puzzle(rng: np.random.Generator, min_givens: int = 22, max_givens: int = 35):
    """``(givens, solution)``: a puzzle with a unique solution and 22-35 givens (0 = empty).

    Cells are removed in random order as long as the solution stays unique, until a random
    target count is reached: first in symmetric pairs, as newspapers print them, then single
    cells if the target is not reached yet.
    """
    solution = random_solution(rng)
    target = int(rng.integers(min_givens, max_givens + 1))
    givens = solution.copy()
    order = rng.permutation(81)
    count = 81
    for i in order:
        if count <= target:
            break
        r, c = divmod(int(i), 9)
        pair = [(r, c)] if (r, c) == (4, 4) else [(r, c), (8 - r, 8 - c)]
        pair = [p for p in pair if givens[p]]
        if not pair or count - len(pair) < min_givens:
            continue
        if count - len(pair) < target:
            pair = pair[:1]
        saved = [givens[p] for p in pair]
        for p in pair:
            givens[p] = 0
        if count_solutions(givens, 2) == 1:
            count -= len(pair)
        else:
            for p, v in zip(pair, saved):
                givens[p] = v
    for i in order:  # symmetric pairs exhausted: single cells
        if count <= target:
            break
        cell = divmod(int(i), 9)
        if givens[cell]:
            saved = givens[cell]
            givens[cell] = 0
            if count_solutions(givens, 2) == 1:
                count -= 1
            else:
                givens[cell] = saved
    return givens, solution


def is_valid_solution(grid) -> bool:
    g = np.asarray(grid)
    want = list(range(1, 10))
    units = [g[r] for r in range(9)] + [g[:, c] for c in range(9)]
    units += [g[r:r + 3, c:c + 3].ravel() for r in (0, 3, 6) for c in (0, 3, 6)]
    return g.shape == (9, 9) and all(sorted(u.tolist()) == want for u in units)


# ----------------------------------------------------------------------------- glyphs


@lru_cache(maxsize=256)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)


def _text_font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return _font(str(matplotlib_font_dir() / name), max(6, int(size)))


@lru_cache(maxsize=1024)
def _glyph(text: str, path: str, height: int, stroke: int = 0) -> np.ndarray:
    """Ink coverage (float32, 0..1) of ``text`` cropped to its ink, about ``height`` px tall."""

    def draw(size: int) -> np.ndarray:
        font = _font(path, size)
        w = int(font.getlength(text)) + 4 * size
        img = Image.new("L", (w, 3 * size), 0)
        ImageDraw.Draw(img).text((size, size), text, fill=255, font=font, stroke_width=stroke,
                                 stroke_fill=255)
        a = np.asarray(img)
        ys, xs = np.nonzero(a > 0)
        if len(ys) == 0:
            return np.zeros((1, 1), np.float32)
        return a[ys.min():ys.max() + 1, xs.min():xs.max() + 1].astype(np.float32) / 255

    probe = draw(100)
    size = max(4, int(round(100 * height / max(1, probe.shape[0]))))
    glyph = draw(size)
    glyph.setflags(write=False)  # shared through the cache
    return glyph


def _paste(layer: np.ndarray, glyph: np.ndarray, cx: float, cy: float, strength: float = 1.0):
    """Ink ``glyph`` into ``layer`` (max), centred at (cx, cy) in layer pixels."""
    gh, gw = glyph.shape
    x0, y0 = int(round(cx - gw / 2)), int(round(cy - gh / 2))
    H, W = layer.shape
    xa, ya, xb, yb = max(0, x0), max(0, y0), min(W, x0 + gw), min(H, y0 + gh)
    if xa >= xb or ya >= yb:
        return
    region = layer[ya:yb, xa:xb]
    np.maximum(region, strength * glyph[ya - y0:yb - y0, xa - x0:xb - x0], out=region)


def _font_path(font) -> str:
    if isinstance(font, (int, np.integer)):
        return str(digit_fonts()[int(font)])
    return str(font)


def render_digit(digit: int, font=0, size: int = 32, rng: np.random.Generator | None = None,
                 *, height: float | None = None) -> np.ndarray:
    """One printed Sudoku cell as a greyscale uint8 array of shape (size, size).

    Dark ink (about 20) on light paper (about 235), the digit centred like on the rendered
    pages; ``digit`` 0 gives an empty cell. ``font`` is a font file path or an index into
    :func:`digit_fonts`. ``height`` is the digit's height as a fraction of the cell (default
    0.62, or 0.50-0.75 at random when ``rng`` is given); with ``rng`` the digit is also
    shifted by up to 6% of the cell and its strokes may be a little bolder.
    """
    if not 0 <= int(digit) <= 9:
        raise ValueError(f"digit must be 0..9, got {digit!r}")
    scale = 4
    big = np.zeros((size * scale, size * scale), np.float32)
    if int(digit):
        if height is None:
            height = 0.62 if rng is None else float(rng.uniform(0.50, 0.75))
        dx = dy = 0.0
        stroke = 0
        if rng is not None:
            dx, dy = rng.uniform(-0.06, 0.06, 2) * size * scale
            stroke = int(rng.random() < 0.25) * max(1, scale // 2)
        glyph = _glyph(str(int(digit)), _font_path(font), int(round(height * size * scale)), stroke)
        _paste(big, glyph, size * scale / 2 + dx, size * scale / 2 + dy)
    ink = cv2.resize(big, (size, size), interpolation=cv2.INTER_AREA)
    return np.clip(np.round(235 - 215 * ink), 0, 255).astype(np.uint8)


# ----------------------------------------------------------------------------- the page


class _Page:
    """A newspaper page region in page coordinates (the grid spans [0, GRID]^2)."""

    def __init__(self, u0: int, v0: int, w: int, h: int, rng: np.random.Generator):
        self.u0, self.v0, self.w, self.h = u0, v0, w, h
        self.rng = rng
        self.ink = Image.new("L", (w, h), 0)  # black ink
        self.accent = Image.new("L", (w, h), 0)  # one coloured ink
        self.tint = Image.new("L", (w, h), 0)  # light grey fills
        self.back = Image.new("L", (w, h), 0)  # text printed on the back of the sheet
        self.draws = {name: ImageDraw.Draw(getattr(self, name))
                      for name in ("ink", "accent", "tint", "back")}

    def xy(self, u, v):
        return u - self.u0, v - self.v0

    def rect(self, u0, v0, u1, v1, layer="ink", fill=255):
        a, b = self.xy(u0, v0)
        c, d = self.xy(u1, v1)
        if c - a >= 1 and d - b >= 1:
            self.draws[layer].rectangle([a, b, c - 1, d - 1], fill=fill)

    def text(self, u, v, s, font, layer="ink", fill=255):
        self.draws[layer].text(self.xy(u, v), s, font=font, fill=fill)

    def visible(self, u0, v0, u1, v1) -> bool:
        return u1 > self.u0 and u0 < self.u0 + self.w and v1 > self.v0 and v0 < self.v0 + self.h


def _words(rng: np.random.Generator, n_chars: int, capital: bool = False) -> str:
    out, length = [], 0
    while length < n_chars:
        k = int(rng.choice([1, 1, 2, 2, 2, 3, 3, 4]))
        w = "".join(_SYLLABLES[int(i)] for i in rng.integers(0, len(_SYLLABLES), k))
        if (capital and not out) or rng.random() < 0.06:
            w = w.capitalize()
        w += _PUNCT[int(rng.integers(0, len(_PUNCT)))] if rng.random() < 0.2 else ""
        out.append(w)
        length += len(w) + 1
    return " ".join(out)


def _text_block(page: _Page, u0, v0, u1, v1, size, face, layer="ink", indent=True):
    """Fill a box with ragged lines of pseudo-text (paragraph breaks now and then)."""
    rng = page.rng
    font = _text_font(face, size)
    char_w = font.getlength("abcdefghij klmnopqrstu") / 22
    lead = size * rng.uniform(1.15, 1.35)
    v = v0
    new_par = True
    while v + size <= v1:
        if page.visible(u0, v, u1, v + lead):
            width = u1 - u0 - (size * 1.5 if new_par and indent else 0)
            n = int(width / char_w)
            if rng.random() < 0.12:  # last line of a paragraph
                n = int(n * rng.uniform(0.2, 0.8))
            line = _words(rng, max(1, n - 2), capital=new_par)
            while len(line) > 3 and font.getlength(line) > width:
                line = line[: line.rfind(" ")] if " " in line else line[:-1]
            page.text(u1 - width, v, line, font, layer)
            new_par = n < int(width / char_w) and rng.random() < 0.7
        v += lead


def _columns(page: _Page, u0, v0, u1, v1, rng, rules=True, face=None, size=None):
    """Text set in columns, with thin vertical rules between them."""
    if u1 - u0 < 60 or v1 - v0 < 30:
        return
    size = size or rng.uniform(0.26, 0.36) * CELL
    face = face or _TEXT_FACES[int(rng.integers(0, len(_TEXT_FACES)))]
    col_w = rng.uniform(3.6, 5.5) * CELL
    n = max(1, int(round((u1 - u0) / col_w)))
    gutter = 0.3 * CELL
    w = (u1 - u0 - (n - 1) * gutter) / n
    for k in range(n):
        a = u0 + k * (w + gutter)
        _text_block(page, a, v0, a + w, v1, size, face)
        if rules and k and rng.random() < 0.7:
            page.rect(a - gutter / 2 - 1, v0 + 0.4 * CELL, a - gutter / 2 + 1, v1 - 0.4 * CELL)


def _grid_lines(layer: np.ndarray, ox: float, oy: float, side: float, n: int, thin: float,
                thick: float, outer: float, every: int = 3, strength: float = 1.0,
                thin_strength: float = 1.0):
    """Anti-aliased lines of an n x n grid whose line *centres* span [ox, ox+side]^2.

    Coordinates are in layer pixels, a pixel's centre at its integer index.
    """
    H, W = layer.shape
    cell = side / n
    xa, ya = max(0, int(np.floor(ox - outer)) - 1), max(0, int(np.floor(oy - outer)) - 1)
    xb, yb = min(W, int(np.ceil(ox + side + outer)) + 2), min(H, int(np.ceil(oy + side + outer)) + 2)
    if xa >= xb or ya >= yb:
        return
    sub = layer[ya:yb, xa:xb]

    def coverage(start, length, a, b):
        idx = np.arange(start, start + length, dtype=np.float64)
        return np.clip(np.minimum(b, idx + 0.5) - np.maximum(a, idx - 0.5), 0, 1)

    span_x = coverage(xa, xb - xa, ox - outer / 2, ox + side + outer / 2)
    span_y = coverage(ya, yb - ya, oy - outer / 2, oy + side + outer / 2)
    for k in range(n + 1):
        t = outer if k in (0, n) else thick if k % every == 0 else thin
        s = strength if (k % every == 0 or k in (0, n)) else strength * thin_strength
        cx = coverage(xa, xb - xa, ox + k * cell - t / 2, ox + k * cell + t / 2)
        cy = coverage(ya, yb - ya, oy + k * cell - t / 2, oy + k * cell + t / 2)
        for line in (np.outer(span_y, cx), np.outer(cy, span_x)):
            np.maximum(sub, (s * line).astype(np.float32), out=sub)


def _small_grid(page: _Page, lay: np.ndarray, u0, v0, side, digits=None, n=9, every=3,
                black=None):
    """A secondary grid (yesterday's solution, or a crossword when ``black`` is given)."""
    x0, y0 = page.xy(u0, v0)
    cell = side / n
    if black is not None:
        for r in range(n):
            for c in range(n):
                if black[r, c]:
                    page.rect(u0 + c * cell, v0 + r * cell, u0 + (c + 1) * cell,
                              v0 + (r + 1) * cell)
        small = _text_font("DejaVuSans.ttf", cell * 0.28)
        num = 1
        for r in range(n):
            for c in range(n):
                if not black[r, c] and (c == 0 or black[r, c - 1] or r == 0 or black[r - 1, c]):
                    page.text(u0 + c * cell + 2, v0 + r * cell + 1, str(num), small)
                    num += 1
    _grid_lines(lay, x0, y0, side, n, max(0.8, cell * 0.03), max(1.0, cell * 0.07),
                max(1.2, cell * 0.08), every=every)
    if digits is not None:
        path = str(matplotlib_font_dir() / "DejaVuSans.ttf")
        glyph_h = max(3, int(cell * 0.6))
        for r in range(n):
            for c in range(n):
                if digits[r, c]:
                    _paste(lay, _glyph(str(int(digits[r, c])), path, glyph_h),
                           x0 + (c + 0.5) * cell, y0 + (r + 0.5) * cell)


def _picture(page: _Page, u0, v0, u1, v1, rng):
    """A half-toned photograph-like block: smooth blobs printed as a dot screen."""
    a, b = page.xy(u0, v0)
    c, d = page.xy(u1, v1)
    a, b, c, d = int(a), int(b), int(c), int(d)
    if c - a < 8 or d - b < 8:
        return None
    h, w = d - b, c - a
    field = cv2.resize(rng.standard_normal((6, 6)).astype(np.float32), (w, h),
                       interpolation=cv2.INTER_CUBIC)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    for _ in range(int(rng.integers(2, 5))):  # a few dark ellipses ("heads", "objects")
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        rx, ry = rng.uniform(0.1, 0.35) * w, rng.uniform(0.1, 0.35) * h
        field += rng.uniform(0.8, 1.6) * ((((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2) < 1)
    field = cv2.GaussianBlur(field, (0, 0), 3)
    tone = (field - field.min()) / (np.ptp(field) + 1e-6)  # 0 light .. 1 dark
    period = rng.uniform(4.5, 6.5)
    # a 45-degree dot screen; plain arithmetic (no vectorised trigonometry) for determinism
    xr, yr = (xx + yy) / (period * 1.4142135), (yy - xx) / (period * 1.4142135)
    screen = np.abs(xr - np.floor(xr) - 0.5) + np.abs(yr - np.floor(yr) - 0.5)  # 0 .. 1
    dots = np.clip((0.15 + 0.8 * tone - screen) * 4 + 0.5, 0, 1)
    return a, b, dots.astype(np.float32)


def _compose_page(page: _Page, rng: np.random.Generator, grid_layer: np.ndarray,
                  digit_layer: np.ndarray, digit_colour, pictures) -> np.ndarray:
    """The printed page as float32 RGB in 0..1."""
    h, w = page.h, page.w
    r = rng.uniform(0.90, 0.97)
    g = r - rng.uniform(0.0, 0.04)
    paper = np.array([r, g, g - rng.uniform(0.02, 0.10)], np.float32)  # newsprint: yellowish grey
    coarse = cv2.resize(rng.standard_normal((max(2, h // 80), max(2, w // 80))).astype(np.float32),
                        (w, h), interpolation=cv2.INTER_CUBIC)
    fine = cv2.GaussianBlur(rng.standard_normal((h, w), np.float32), (0, 0), 0.8)
    texture = cv2.addWeighted(coarse, 0.012, fine, 0.025, 1.0)
    channels = [texture * float(paper[k]) for k in range(3)]

    black = np.array(_BLACKS[int(rng.integers(0, len(_BLACKS)))], np.float32)
    accent = np.array(_ACCENTS[int(rng.integers(0, len(_ACCENTS)))], np.float32)
    ink = np.asarray(page.ink, np.float32) / 255
    ink = np.maximum(ink, grid_layer)
    for a, b, dots in pictures:
        region = ink[b:b + dots.shape[0], a:a + dots.shape[1]]
        np.maximum(region, dots[: region.shape[0], : region.shape[1]], out=region)
    back = cv2.GaussianBlur(np.asarray(page.back, np.float32)[:, ::-1] / 255, (0, 0), 1.2)
    tint = np.asarray(page.tint, np.float32) / 255

    def lay(mask, colour, strength=1.0):
        # subtractive ink: each channel keeps (1 - strength * mask * (1 - colour)) of the light
        for k in range(3):
            absorb = float(strength * (1 - colour[k]))
            if absorb > 0:
                channels[k] = cv2.multiply(channels[k], cv2.addWeighted(
                    mask, -absorb, mask, 0.0, 1.0))

    lay(tint, np.array([0.55, 0.55, 0.57], np.float32), 0.35)
    lay(back, black, rng.uniform(0.04, 0.12))
    lay(np.asarray(page.accent, np.float32) / 255, accent)
    lay(ink, black, rng.uniform(0.9, 1.0))
    lay(digit_layer, np.array(digit_colour, np.float32), rng.uniform(0.9, 1.0))
    return cv2.merge(channels)


def _layout(page: _Page, rng: np.random.Generator, grid_layer: np.ndarray, solution: np.ndarray,
            outer: float):
    """Draw everything around the main grid; returns the half-toned pictures to add."""
    pictures = []
    gap = rng.uniform(0.25, 0.7) * CELL
    top_of_title = -gap - rng.uniform(1.2, 2.2) * CELL

    # The title above the grid: a rule, "SUDOKU", a number and a level.
    bold = _BOLD_FACES[int(rng.integers(0, len(_BOLD_FACES)))]
    title_size = rng.uniform(0.6, 0.95) * CELL
    title_font = _text_font(bold, title_size)
    tv = top_of_title + 0.25 * CELL
    layer = "accent" if rng.random() < 0.3 else "ink"
    page.rect(-outer, top_of_title - 0.12 * CELL, GRID + outer, top_of_title, layer)
    title = _TITLES[int(rng.integers(0, len(_TITLES)))]
    page.text(0, tv, title, title_font)
    info = f"N° {int(rng.integers(100, 9999))}   {_LEVELS[int(rng.integers(0, len(_LEVELS)))]}"
    info_font = _text_font(bold, title_size * 0.5)
    page.text(title_font.getlength(title) + 0.6 * CELL, tv + title_size * 0.35, info, info_font)
    if rng.random() < 0.4:  # the rules, in small type between title and grid
        top_of_title -= 1.3 * CELL
        page.rect(-outer, top_of_title - 0.12 * CELL, GRID + outer, top_of_title, layer)
        font = _text_font("DejaVuSans.ttf", 0.3 * CELL)
        v = top_of_title + 0.2 * CELL
        words = _RULES_TEXT.split()
        line = ""
        for word in words:
            if font.getlength(line + " " + word) > GRID:
                page.text(0, v, line, font)
                v += 0.38 * CELL
                line = word
                if v > top_of_title + 0.7 * CELL:
                    break
            else:
                line = (line + " " + word).strip()

    # A small credit line under the grid.
    small = _text_font("DejaVuSans.ttf", 0.22 * CELL)
    credit = f"© {int(rng.integers(2005, 2024))} puzzle service"
    page.text(GRID - small.getlength(credit), GRID + outer + 0.12 * CELL, credit, small)
    below = GRID + outer + rng.uniform(0.6, 1.2) * CELL

    # Far-away page bounds.
    U0, V0 = page.u0, page.v0
    U1, V1 = page.u0 + page.w, page.v0 + page.h

    # Left and right of the grid: one filler each.
    side_gap = rng.uniform(0.4, 1.0) * CELL
    for side in ("left", "right"):
        if side == "left":
            a, b = U0 - 10, -outer - side_gap
        else:
            a, b = GRID + outer + side_gap, U1 + 10
        if b - a < 0.5 * CELL:
            continue
        kind = rng.choice(["text", "text", "solution", "crossword", "picture", "label", "blank"])
        v_top, v_bot = top_of_title, below
        if side == "left":  # keep a margin column beside the grid clean, like a real page
            near, far = b, max(a, b - rng.uniform(4.0, 6.5) * CELL)
        else:
            near, far = a, min(b, a + rng.uniform(4.0, 6.5) * CELL)
        lo, hi = min(near, far), max(near, far)
        if kind == "blank":  # a white margin, then text further out
            lo, hi = (hi, b) if side == "right" else (a, lo)
            if hi - lo > 2 * CELL:
                _columns(page, lo, v_top, hi, v_bot, rng)
            continue
        if kind == "label":  # a coloured level label running down the margin
            font = _text_font(bold, 0.55 * CELL)
            word = _LEVELS[int(rng.integers(0, 8))]
            tmp = Image.new("L", (int(font.getlength(word)) + 8, int(0.8 * CELL)), 0)
            ImageDraw.Draw(tmp).text((4, 2), word, font=font, fill=255)
            rot = tmp.rotate(-90 if side == "right" else 90, expand=True)
            x, y = page.xy(lo + 0.1 * CELL if side == "right" else hi - rot.size[0] - 0.1 * CELL,
                           rng.uniform(0, 2) * CELL)
            page.accent.paste(255, (int(x), int(y)), rot)
            lo, hi = (lo + 1.2 * CELL, b) if side == "right" else (a, hi - 1.2 * CELL)
            if hi - lo > 2 * CELL:
                _columns(page, lo, v_top, hi, v_bot, rng)
            continue
        if kind in ("solution", "crossword"):
            side_len = min(hi - lo, rng.uniform(3.0, 5.0) * CELL)
            if side_len > 1.5 * CELL:
                gu = lo if side == "right" else hi - side_len
                gv = rng.uniform(0.0, GRID - side_len)
                if kind == "solution":
                    font = _text_font(bold, 0.3 * CELL)
                    page.text(gu, gv - 0.45 * CELL, "Solution", font)
                    _small_grid(page, grid_layer, gu, gv, side_len,
                                digits=np.rot90(solution, int(rng.integers(1, 4))))
                else:
                    n = int(rng.integers(9, 14))
                    blk = rng.random((n, n)) < 0.18
                    blk = blk | blk[::-1, ::-1]
                    _small_grid(page, grid_layer, gu, gv, side_len, n=n, every=1, black=blk)
                _columns(page, lo, max(v_top, gv + side_len + 0.6 * CELL) if gv < 3 * CELL
                         else v_top, hi, v_bot if gv < 3 * CELL else gv - 0.8 * CELL, rng)
        elif kind == "picture":
            ph = rng.uniform(3.0, 5.5) * CELL
            pv = rng.uniform(-1.0, 3.0) * CELL
            pic = _picture(page, lo, pv, hi, pv + ph, rng)
            if pic is not None:
                pictures.append(pic)
            _text_block(page, lo, pv + ph + 0.15 * CELL, hi, pv + ph + 0.8 * CELL,
                        0.24 * CELL, "DejaVuSans-Oblique.ttf", indent=False)
            _columns(page, lo, pv + ph + 1.0 * CELL, hi, v_bot, rng)
            if pv > v_top + CELL:
                _columns(page, lo, v_top, hi, pv - 0.5 * CELL, rng)
        else:
            _columns(page, lo, v_top, hi, v_bot, rng)
        # Beyond the filler, more columns of text up to the page edge.
        if side == "right" and b - hi > CELL:
            page.rect(hi + 0.2 * CELL, v_top + 0.4 * CELL, hi + 0.25 * CELL, v_bot - 0.6 * CELL)
            _columns(page, hi + 0.5 * CELL, v_top, b, v_bot, rng)
        if side == "left" and lo - a > CELL:
            page.rect(lo - 0.25 * CELL, v_top + 0.4 * CELL, lo - 0.2 * CELL, v_bot - 0.6 * CELL)
            _columns(page, a, v_top, lo - 0.5 * CELL, v_bot, rng)

    # Above the title and below the grid: full-width bands of columns, headlines, rules.
    for v_from, v_to in ((V0 - 10, top_of_title - 0.4 * CELL), (below, V1 + 10)):
        if v_to - v_from < 0.5 * CELL:
            continue
        page.rect(U0, v_to if v_from < 0 else v_from, U1, (v_to if v_from < 0 else v_from) + 2)
        if v_from > 0 and rng.random() < 0.5:  # a headline starting the band below
            hfont = _text_font(bold, rng.uniform(0.45, 0.7) * CELL)
            page.text(-outer, v_from + 0.3 * CELL, _words(rng, 24, capital=True), hfont)
            v_from += 1.2 * CELL
        _columns(page, U0 - 10, v_from + 0.3 * CELL, U1 + 10, v_to - 0.2 * CELL, rng)

    # Text printed on the other side of the sheet, showing through.
    if rng.random() < 0.6:
        back = _Page(page.u0, page.v0, page.w, page.h, rng)
        back.ink, back.draws["ink"] = page.back, page.draws["back"]
        _columns(back, U0, V0, U1, V1, rng, rules=False)
    return pictures


# ----------------------------------------------------------------------------- the camera


def _rotation(pitch: float, yaw: float, roll: float) -> np.ndarray:
    cx, sx = math.cos(pitch), math.sin(pitch)
    cy, sy = math.cos(yaw), math.sin(yaw)
    cz, sz = math.cos(roll), math.sin(roll)
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return rz @ rx @ ry


def _apply(h: np.ndarray, pts: np.ndarray) -> np.ndarray:
    p = np.c_[pts, np.ones(len(pts))] @ h.T
    return p[:, :2] / p[:, 2:]


def _camera(rng: np.random.Generator, width: int, height: int, outer: float) -> np.ndarray:
    """A homography from page to image coordinates (pixel centres at integer coordinates)."""
    tilt = math.radians(rng.uniform(2, 18))
    direction = rng.uniform(0, 2 * math.pi)
    pitch, yaw = tilt * math.cos(direction), tilt * math.sin(direction)
    roll = math.radians(rng.normal(0, 4) if rng.random() < 0.85 else rng.uniform(-15, 15))
    f = 0.5 * max(width, height) / math.tan(math.radians(rng.uniform(25, 33)))  # phone-like FOV
    m = _rotation(pitch, yaw, roll)
    t = np.array([0.0, 0.0, f * 1.6])  # distance is irrelevant after the rescaling below
    centre = np.array([[1, 0, -GRID / 2], [0, 1, -GRID / 2], [0, 0, 1]])
    h = np.diag([f, f, 1.0]) @ np.c_[m[:, 0], m[:, 1], t] @ centre
    e = outer / 2
    corners = _apply(h, np.array([[-e, -e], [GRID + e, -e], [GRID + e, GRID + e], [-e, GRID + e]]))
    lo, hi = corners.min(0), corners.max(0)
    frac = rng.uniform(0.5, 0.88)
    s = frac * min(width, height) / max(hi - lo)
    size = (hi - lo) * s
    margin = 16  # leaves room for the lens distortion
    x = rng.uniform(margin, max(margin, width - size[0] - margin))
    y = rng.uniform(margin, max(margin, height - size[1] - margin))
    post = np.array([[s, 0, x - s * lo[0]], [0, s, y - s * lo[1]], [0, 0, 1]])
    return post @ h


class _Lens:
    """Mild lens distortion and paper curl: a smooth map from the photo to the ideal image."""

    def __init__(self, rng: np.random.Generator, width: int, height: int):
        self.cx, self.cy = (width - 1) / 2, (height - 1) / 2
        self.r2 = self.cx ** 2 + self.cy ** 2
        self.k = rng.uniform(-0.02, 0.02)  # radial (barrel / pincushion)
        self.bend = rng.uniform(-0.006, 0.006) * height  # the sheet sags or bulges
        self.half_w = width / 2

    def undistort(self, x, y):
        """Ideal-image position of photo pixel (x, y); arrays or floats."""
        dx, dy = x - self.cx, y - self.cy
        f = 1 + self.k * (dx * dx + dy * dy) / self.r2
        t = dx / self.half_w
        return self.cx + dx * f, self.cy + dy * f + self.bend * (t * t - 1 / 3)

    def distort(self, pts: np.ndarray) -> np.ndarray:
        """Photo positions of ideal-image points (n x 2), by fixed-point iteration."""
        target = np.asarray(pts, float)
        out = target.copy()
        for _ in range(50):
            xu, yu = self.undistort(out[:, 0], out[:, 1])
            out = out + target - np.c_[xu, yu]
        return out


def _motion_kernel(length: float, angle: float) -> np.ndarray:
    n = int(np.ceil(length)) | 1
    k = np.zeros((n, n), np.float32)
    c = n // 2
    d = np.array([math.cos(angle), math.sin(angle)])
    for t in np.linspace(-length / 2, length / 2, 4 * n):
        x, y = c + t * d
        k[int(round(y)), int(round(x))] += 1
    return k / k.sum()


def _lighting(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    xn, yn = xx / w - 0.5, yy / h - 0.5
    gx, gy = rng.uniform(-0.35, 0.35, 2)
    light = 1 + gx * xn + gy * yn
    cx, cy = rng.uniform(-0.4, 0.4, 2)
    light *= 1 - rng.uniform(0.05, 0.3) * ((xn - cx) ** 2 + (yn - cy) ** 2)  # vignetting
    if rng.random() < 0.75:  # a soft shadow (the phone, a hand) over part of the frame
        mask = np.zeros((h, w), np.uint8)
        edge = int(rng.integers(0, 4))
        depth = rng.uniform(0.1, 0.45)
        pts = []
        n = 6
        for i in range(n + 1):
            t = i / n
            wob = rng.uniform(-0.08, 0.08)
            if edge == 0:
                pts.append((t * w, (depth + wob) * h))
            elif edge == 1:
                pts.append((t * w, (1 - depth + wob) * h))
            elif edge == 2:
                pts.append(((depth + wob) * w, t * h))
            else:
                pts.append(((1 - depth + wob) * w, t * h))
        corners = {0: [(w, -1), (-1, -1)], 1: [(w, h), (-1, h)], 2: [(-1, h), (-1, -1)],
                   3: [(w, h), (w, -1)]}[edge]
        poly = np.array(pts + corners, np.float64)
        cv2.fillPoly(mask, [np.round(poly).astype(np.int32)], 255)
        soft = cv2.GaussianBlur(mask.astype(np.float32) / 255, (0, 0), rng.uniform(12, 35))
        light *= 1 - rng.uniform(0.15, 0.45) * soft
    if rng.random() < 0.2:  # glare
        gx, gy = rng.uniform(0.1, 0.9) * w, rng.uniform(0.1, 0.9) * h
        r = rng.uniform(0.15, 0.4) * max(w, h)
        light += rng.uniform(0.1, 0.3) / (1 + ((xx - gx) ** 2 + (yy - gy) ** 2) / (r * r)) ** 2
    return light


# ----------------------------------------------------------------------------- photos


@dataclass
class SudokuPhoto:
    seed: int
    image: np.ndarray  # uint8 RGB, before JPEG compression
    givens: np.ndarray  # 9x9 int, 0 = empty
    solution: np.ndarray  # 9x9 int
    corners: np.ndarray  # 4x2 float: top left, top right, bottom right, bottom left (x, y)
    quality: int  # JPEG quality
    font: str  # the digits' font file name

    @property
    def size(self) -> tuple[int, int]:
        return self.image.shape[1], self.image.shape[0]

    def jpeg_bytes(self) -> bytes:
        buf = io.BytesIO()
        Image.fromarray(self.image).save(buf, format="JPEG", quality=self.quality,
                                         optimize=False, progressive=False, subsampling=2)
        return buf.getvalue()

    def dat_text(self) -> str:
        """The ground truth in the dataset's format."""
        w, h = self.size
        lines = [CAMERA.format(seed=self.seed), f"{w}x{h}:24 JPG"]
        lines += ["".join(f"{int(v)} " for v in row) for row in self.givens]
        return "\n".join(lines) + "\n"


def render_photo(seed: int) -> SudokuPhoto:
    """Render one synthetic photo (640x480, or 480x640 for a quarter of the seeds)."""
    rng = np.random.default_rng(np.random.SeedSequence([20240, int(seed)]))
    givens, solution = random_puzzle(rng)
    width, height = (480, 640) if rng.random() < 0.25 else (640, 480)

    # Grid style.
    thin = rng.uniform(1.0, 2.2)
    thick = rng.uniform(2.8, 5.0)
    outer = thick * rng.uniform(1.0, 1.6)
    fonts = digit_fonts()
    font_path = str(fonts[int(rng.integers(0, len(fonts)))])
    digit_h = rng.uniform(0.48, 0.68) * CELL

    h = _camera(rng, width, height, outer)
    ss = 2  # supersampling factor for the warp

    # The page region that the frame sees (plus a margin for blurs).
    lens = _Lens(rng, width, height)
    frame = np.array([[-40, -40], [width + 40, -40], [width + 40, height + 40], [-40, height + 40]],
                     float)
    seen = _apply(np.linalg.inv(h), frame)
    u0, v0 = np.floor(seen.min(0)).astype(int) - 4
    u1, v1 = np.ceil(seen.max(0)).astype(int) + 4
    u0, v0 = max(u0, -4 * GRID), max(v0, -4 * GRID)
    u1, v1 = min(u1, 5 * GRID), min(v1, 5 * GRID)
    page = _Page(int(u0), int(v0), int(u1 - u0), int(v1 - v0), rng)

    grid_layer = np.zeros((page.h, page.w), np.float32)
    digit_layer = np.zeros((page.h, page.w), np.float32)
    gx, gy = page.xy(0, 0)
    if rng.random() < 0.15:  # shaded alternate boxes, as some papers print them
        for br in range(3):
            for bc in range(3):
                if (br + bc) % 2:
                    page.rect(bc * 3 * CELL, br * 3 * CELL, (bc + 1) * 3 * CELL,
                              (br + 1) * 3 * CELL, "tint")
    _grid_lines(grid_layer, gx, gy, GRID, 9, thin, thick, outer,
                thin_strength=rng.uniform(0.55, 1.0) if rng.random() < 0.4 else 1.0)
    jitter = rng.uniform(0, 0.04) * CELL
    stroke = int(rng.random() < 0.3)  # ink spread: slightly bolder digits
    for r in range(9):
        for c in range(9):
            if givens[r, c]:
                glyph = _glyph(str(int(givens[r, c])), font_path, int(round(digit_h)), stroke)
                dx, dy = rng.uniform(-jitter, jitter, 2)
                _paste(digit_layer, glyph, gx + (c + 0.5) * CELL + dx, gy + (r + 0.5) * CELL + dy)
    pictures = _layout(page, rng, grid_layer, solution, outer)
    digit_colour = (_BLACKS[0] if rng.random() < 0.85
                    else _DIGIT_COLOURS[int(rng.integers(0, len(_DIGIT_COLOURS)))])
    page_rgb = _compose_page(page, rng, grid_layer, digit_layer, digit_colour, pictures)

    # Camera: warp (supersampled), light, blur, tone, noise.
    # For every (supersampled) pixel: where it is in the ideal image, then on the page.
    ys, xs = np.mgrid[0:ss * height, 0:ss * width].astype(np.float64)
    xu, yu = lens.undistort((xs - (ss - 1) / 2) / ss, (ys - (ss - 1) / 2) / ss)
    inv = np.linalg.inv(h)
    den = inv[2, 0] * xu + inv[2, 1] * yu + inv[2, 2]
    map_u = (inv[0, 0] * xu + inv[0, 1] * yu + inv[0, 2]) / den - page.u0
    map_v = (inv[1, 0] * xu + inv[1, 1] * yu + inv[1, 2]) / den - page.v0
    big = cv2.remap(page_rgb, map_u.astype(np.float32), map_v.astype(np.float32),
                    cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    img = cv2.resize(big, (width, height), interpolation=cv2.INTER_AREA)
    e = outer / 2
    corners = lens.distort(_apply(h, np.array([[-e, -e], [GRID + e, -e], [GRID + e, GRID + e],
                                               [-e, GRID + e]])))
    img = img * _lighting(rng, width, height)[:, :, None]
    old = rng.random() < 0.4  # an old phone camera: soft, flat, noisy, colour cast
    warm, green = rng.uniform(-1, 1) * (0.08 if old else 0.05), rng.uniform(-0.01, 0.05)
    cast = np.array([1 + warm, 1 + green, 1 - warm], np.float32)  # white balance errors
    img = img * cast[None, None, :]
    cell_px = float(np.linalg.norm(corners[2] - corners[0])) / (9 * np.sqrt(2))
    blur = cell_px * (rng.uniform(0.03, 0.05) if old else rng.uniform(0.01, 0.03))
    img = cv2.GaussianBlur(img, (0, 0), max(0.35, blur))  # defocus, relative to the cell size
    if rng.random() < 0.3:
        img = cv2.filter2D(img, -1, _motion_kernel(rng.uniform(2, 5), rng.uniform(0, np.pi)))
    if rng.random() < (0.3 if old else 0.6):  # the phone's sharpening (halos at edges)
        amount = rng.uniform(0.3, 1.0)
        img = cv2.addWeighted(img, 1 + amount, cv2.GaussianBlur(img, (0, 0), 1.5), -amount, 0)
    if old:
        lo, hi = rng.uniform(0.10, 0.22), rng.uniform(0.78, 0.94)
        grey = img.mean(axis=2, keepdims=True)
        img = grey + rng.uniform(0.5, 0.9) * (img - grey)  # washed-out colours
    else:
        lo, hi = rng.uniform(0.02, 0.12), rng.uniform(0.85, 1.0)
    img = lo + (hi - lo) * np.clip(img, 0, 1.2)
    # tone curve through a table (math.pow) so that no vectorised pow is involved
    gamma = rng.uniform(0.8, 1.2)
    curve = np.array([math.pow(i / 4095, gamma) for i in range(4096)], np.float32)
    img = curve[np.round(np.clip(img, 0, 1) * 4095).astype(np.int32)]
    sd = rng.uniform(0.012, 0.03) if old else rng.uniform(0.004, 0.014)
    noise = rng.standard_normal(img.shape, np.float32) * sd
    noise += rng.standard_normal((height, width, 1), np.float32) * sd * rng.uniform(0.5, 1.0)
    img = np.clip((img + noise) * 255 + 0.5, 0, 255).astype(np.uint8)

    quality = int(rng.integers(60, 91))
    return SudokuPhoto(int(seed), np.ascontiguousarray(img), givens, solution, corners, quality,
                       Path(font_path).name)


_README = """# Synthetic Sudoku photos

Rendered by `autograder/sudoku/render.py`; do not edit by hand. Regenerate with

    python -m autograder.sudoku.render --count {count} --seed {seed} --out data/sudoku

- `imageN.jpg`: a made-up phone photo of a newspaper Sudoku (perspective, shading, blur,
  noise, JPEG artefacts, text and other grids around it).
- `imageN.dat`: its ground truth in the format of the real dataset: the camera (here
  `synthetic render.py seed S`; `render_photo(S)` remakes the photo), the image size, then
  9 lines of 9 digits separated by spaces, 0 for an empty cell.
- `outlines.csv`: the four corners of each puzzle grid in pixels (`p1` top left, `p2` top
  right, `p3` bottom right, `p4` bottom left, x then y), at the outer edge of the grid's
  border line, rounded to whole pixels.

Every puzzle has a unique solution and 22-35 givens.
"""


def photo_seed(seed: int, number: int) -> int:
    """The seed of photo ``number`` (1-based) in a run with ``--seed seed``."""
    return 1000 * int(seed) + int(number)


def write_dataset(out: Path | str, count: int = 12, seed: int = 0) -> list[Path]:
    """Render ``count`` photos into ``out`` (imageN.jpg, imageN.dat, outlines.csv)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows, written = [], []
    for n in range(1, count + 1):
        photo = render_photo(photo_seed(seed, n))
        jpg, dat = out / f"image{n}.jpg", out / f"image{n}.dat"
        jpg.write_bytes(photo.jpeg_bytes())
        dat.write_text(photo.dat_text(), encoding="ascii", newline="\n")
        rows.append([jpg.name] + [int(round(v)) for v in photo.corners.ravel()])
        written += [jpg, dat]
    with open(out / "outlines.csv", "w", newline="", encoding="ascii") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(OUTLINE_HEADER)
        writer.writerows(rows)
    written.append(out / "outlines.csv")
    readme = out / "README.md"
    readme.write_text(_README.format(count=count, seed=seed), encoding="utf-8",
                      newline="\n")
    written.append(readme)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autograder.sudoku.render",
        description="Render synthetic newspaper Sudoku photos with their ground truth.")
    parser.add_argument("--count", type=int, default=12, help="number of photos (default 12)")
    parser.add_argument("--seed", type=int, default=0, help="run seed (default 0)")
    parser.add_argument("--out", default="data/sudoku", help="output folder (default data/sudoku)")
    args = parser.parse_args(argv)
    files = write_dataset(args.out, args.count, args.seed)
    total = sum(p.stat().st_size for p in files)
    print(f"wrote {len(files)} files ({total / 1024:.0f} KiB) to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
