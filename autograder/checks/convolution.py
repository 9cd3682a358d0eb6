"""Checks for assignment 02, convolution versus correlation: sliding-window correlation,
the flipped kernel of a true convolution, padding, and a filter with "valid" and "same"
outputs.

The oracle is ``scipy.signal`` (``correlate2d`` / ``convolve2d``; "same" with
``boundary="fill"``), computed in float so that integer and uint8 inputs cannot
overflow. Every check runs the lecture's worked examples first (square images), then
random inputs of awkward sizes: non-square images taller and wider than they are
broad, non-square kernels, odd and even kernel sizes, integer, uint8 and float values.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from autograder.checks import Hints, graded
from autograder.feedback import (CheckFailure, call, expect_array, expect_raises, fail, name_mistake, quiet,
                                 signature)

# Tolerances loose enough for float32 arithmetic, tight enough for any real mistake.
ATOL = 1e-5
RTOL = 1e-5

FILTER_MODES = ("valid", "same")

# ---------------------------------------------------------------------------------------
# The lecture's worked examples (seeds 001-004)

# Seed 001: a 3×3 image f and filter g; convolution gives 26, correlation 34.
LECTURE_F = np.array([[1, 0, 0], [0, 2, 0], [1, 2, 0]])
LECTURE_G = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]])

# Seed 002: a 5×5 binary image and the "X" kernel → [[4, 3, 4], [2, 4, 3], [2, 3, 4]].
LECTURE_BINARY = np.array([[1, 1, 1, 0, 0],
                           [0, 1, 1, 1, 0],
                           [0, 0, 1, 1, 1],
                           [0, 0, 1, 1, 0],
                           [0, 1, 1, 0, 0]])
LECTURE_X_KERNEL = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]])
LECTURE_X_RESULT = np.array([[4, 3, 4], [2, 4, 3], [2, 3, 4]])

# Seed 001: 8×8 step images (10 then 100) and the two edge kernels → columns / rows of 270.
STEP_VERTICAL = np.where(np.arange(8) < 4, 10, 100)[np.newaxis, :].repeat(8, axis=0)
STEP_HORIZONTAL = STEP_VERTICAL.T.copy()
VERTICAL_EDGE_KERNEL = np.array([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]])
HORIZONTAL_EDGE_KERNEL = VERTICAL_EDGE_KERNEL.T.copy()

# Seed 001: the 5×5 patch and the sharpening kernel; "same" with zero fill starts
# 320 / 210, 89, 111 (the kernel is symmetric, so correlation = convolution here).
LECTURE_PATCH = np.array([[105, 102, 100, 97, 96],
                          [103, 99, 103, 101, 102],
                          [101, 98, 104, 102, 100],
                          [99, 101, 106, 104, 99],
                          [104, 104, 104, 100, 98]])
SHARPEN_KERNEL = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])

# Seed 003: a true convolution of the 7×7 image 1…49, "same", zero fill.
SEED003_IMAGE = np.arange(1, 50).reshape(7, 7)
SEED003_KERNEL = np.array([[-1, 1, -1], [-2, 3, 1], [2, -4, 0]])
SEED003_RESULT = np.array([[-2, -8, -7, -6, -5, -4, 28],
                           [5, -3, -4, -5, -6, -7, 28],
                           [-2, -10, -11, -12, -13, -14, 28],
                           [-9, -17, -18, -19, -20, -21, 28],
                           [-16, -24, -25, -26, -27, -28, 28],
                           [-23, -31, -32, -33, -34, -35, 28],
                           [-29, 13, 13, 13, 13, 13, 27]])


for _constant in (LECTURE_F, LECTURE_G, LECTURE_BINARY, LECTURE_X_KERNEL, LECTURE_X_RESULT, STEP_VERTICAL,
                  STEP_HORIZONTAL, VERTICAL_EDGE_KERNEL, HORIZONTAL_EDGE_KERNEL, LECTURE_PATCH,
                  SHARPEN_KERNEL, SEED003_IMAGE, SEED003_KERNEL, SEED003_RESULT):
    _constant.setflags(write=False)  # the checks hand learners copies; these stay as printed


# ---------------------------------------------------------------------------------------
# Oracles


def correlate_oracle(image, kernel, mode: str = "valid", fill: float = 0.0) -> np.ndarray:
    """Cross-correlation by scipy, in float; "same" pads with ``fill``."""
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    if mode == "same":
        return signal.correlate2d(image, kernel, mode="same", boundary="fill", fillvalue=fill)
    return signal.correlate2d(image, kernel, mode=mode)


def convolve_oracle(image, kernel, mode: str = "valid", fill: float = 0.0) -> np.ndarray:
    """True convolution by scipy, in float; "same" pads with ``fill``."""
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    if mode == "same":
        return signal.convolve2d(image, kernel, mode="same", boundary="fill", fillvalue=fill)
    return signal.convolve2d(image, kernel, mode=mode)


def pad_oracle(image, p: int, value: float = 0) -> np.ndarray:
    """``p`` rows/columns of ``value`` on every side."""
    return np.pad(np.asarray(image), p, mode="constant", constant_values=value)


# ---------------------------------------------------------------------------------------
# Shared helpers


def _is_square(*arrays: np.ndarray) -> bool:
    return all(a.shape[0] == a.shape[1] for a in arrays)


def _call(func, *args, name: str, earlier_ok: bool, **kwargs):
    """``call``, naming the square-only mistake when a candidate that handled square inputs
    crashes on a non-square image or kernel."""
    try:
        return call(func, *args, name=name, **kwargs)
    except CheckFailure as failure:
        arrays = [a for a in args if isinstance(a, np.ndarray)]
        message = str(failure)
        if " raised OverflowError" in message and any(np.issubdtype(a.dtype, np.integer) for a in arrays):
            message += f"\n  Likely mistake: {DTYPE_MISTAKE}."
        elif earlier_ok and " raised " in message and not _is_square(*arrays):
            message += ("\n  Likely mistake: the code assumes a square image or kernel (for example "
                        "image.shape[0] used for both axes). Rows come from shape[0], columns from shape[1].")
        raise CheckFailure(message) from None


def _named_mistakes(got, mistakes: dict, shape_notes: dict) -> list[str]:
    """Every known mistake that reproduces the wrong answer ``got``, in catalogue order;
    failing that, the mistake its shape points to."""
    try:
        array = np.asarray(got)
    except Exception:
        return []
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        return []
    named = [description for description, wrong in mistakes.items()
             if name_mistake(array, {description: wrong}, ATOL, RTOL)]
    note = shape_notes.get(array.shape)
    if note and note not in named:
        named.append("shape: " + note)  # weaker evidence than a value match; ranked last
    return named


def _run_cases(candidate, name: str, cases) -> None:
    """Call ``candidate`` on every case and fail on the first wrong answer.

    ``cases`` yields (args, kwargs, expected, mistakes, shape_notes), where ``mistakes`` is
    a function returning the catalogue {description: wrong answer}. On a small example two
    mistakes can give the same wrong answer, so the message names the mistake that explains
    *every* failing case, not only the first.
    """
    failures: list[tuple[str, list[str]]] = []
    earlier_ok = False
    for args, kwargs, expected, mistakes, shape_notes in cases:
        where = signature(name, *args, **kwargs)
        try:
            got = _call(candidate, *args, name=name, earlier_ok=earlier_ok, **kwargs)
        except CheckFailure:
            if failures:
                break  # report the wrong answer found first
            raise
        earlier_ok = earlier_ok or _is_square(*[a for a in args if isinstance(a, np.ndarray)])
        try:
            expect_array(got, expected, where, atol=ATOL, rtol=RTOL)
        except CheckFailure as failure:
            failures.append((str(failure), _named_mistakes(got, mistakes(), shape_notes)))
    if not failures:
        return
    message, first = failures[0]
    everywhere = [d for d in first if all(d in named for _, named in failures[1:])]
    by_value = [d for d in everywhere if not d.startswith("shape: ")]
    named = [d.removeprefix("shape: ") for d in (by_value or everywhere or first[:1])]
    if named:
        message += f"\n  Likely mistake: {named[0]}."
    for other in named[1:2]:
        message += f"\n  Or: {other}."
    fail(message)


def _truncated_to_input_dtype(image: np.ndarray, result: np.ndarray):
    """What an output array made with np.zeros_like(image) holds: the result cast to the
    image's integer dtype (fractions cut off, uint8 wrapping around)."""
    if not np.issubdtype(image.dtype, np.integer):
        return None
    with quiet():
        return result.astype(image.dtype)


DTYPE_MISTAKE = ("the output array has the image's integer dtype (np.zeros_like(image)?), so "
                 "results were cut to integers or wrapped around; make it float, "
                 "e.g. np.zeros(shape, dtype=float)")


TRUNCATION_MISTAKE = ("the results were cut to whole numbers (int(...), or an integer output array); "
                      "sums of float weights need a float output")


def _valid_shape_notes(image: np.ndarray, kernel: np.ndarray) -> dict:
    """Wrong output shapes of a "valid" correlation or convolution, and what causes each."""
    (h, w), (kh, kw) = image.shape, kernel.shape
    candidates = [
        ((h, w), "an output as large as the image ('same' size) was returned where 'valid' "
                 "(n − f + 1 per axis) is asked"),
        ((h + kh - 1, w + kw - 1), "a 'full' output (n + f − 1 per axis) was returned where "
                                   "'valid' (n − f + 1) is asked"),
        ((h - kh, w - kw), "output one row and one column too small: the window fits n − f + 1 "
                           "times, not n − f (use range(n - f + 1))"),
        ((h - kh + 2, w - kw + 2), "output one row and one column too large: the window fits "
                                   "n − f + 1 times, not n − f + 2"),
        ((w - kw + 1, h - kh + 1), "rows and columns swapped: the output has n_rows − f_rows + 1 rows "
                                   "and n_cols − f_cols + 1 columns"),
        ((h - kh + 1, h - kw + 1), "the code assumes a square image: image.shape[0] used for both axes"),
        ((w - kh + 1, w - kw + 1), "the code assumes a square image: image.shape[1] used for both axes"),
        ((h - kh + 1, w - kh + 1), "the code assumes a square kernel: kernel.shape[0] used for both axes"),
        ((h - kw + 1, w - kw + 1), "the code assumes a square kernel: kernel.shape[1] used for both axes"),
    ]
    notes: dict = {}
    expected = (h - kh + 1, w - kw + 1)
    for shape, note in candidates:
        if shape != expected and shape not in notes:
            notes[shape] = note
    return notes


def _sliding_cases(rng: np.random.Generator):
    """(image, kernel) pairs: the lecture's square examples, then awkward random ones."""
    yield LECTURE_F.copy(), LECTURE_G.copy()
    yield LECTURE_BINARY.copy(), LECTURE_X_KERNEL.copy()
    yield STEP_VERTICAL.copy(), VERTICAL_EDGE_KERNEL.copy()
    yield STEP_HORIZONTAL.copy(), HORIZONTAL_EDGE_KERNEL.copy()
    yield rng.integers(-5, 10, size=(6, 6)), rng.integers(-3, 4, size=(3, 3))
    # non-square: wider, then taller than broad (square-only code fails on one or the other)
    yield rng.integers(-5, 10, size=(5, 9)), rng.integers(-3, 4, size=(3, 3))
    yield rng.integers(-5, 10, size=(9, 5)), rng.integers(-3, 4, size=(3, 3))
    yield rng.random((6, 8)), rng.normal(size=(3, 5))          # odd, non-square kernel
    yield rng.random((8, 7)), rng.normal(size=(4, 2))          # even kernel
    yield rng.integers(0, 256, size=(7, 10), dtype=np.uint8), np.array([[-1.0, 0.5, 2.0, -0.25]])
    yield rng.integers(-5, 10, size=(4, 6)), rng.integers(-3, 4, size=(4, 6))  # 1×1 output
    yield rng.random((5, 3)), rng.normal(size=(1, 1))
    yield rng.normal(size=(11, 6)), rng.normal(size=(2, 3))


def _flip_mistakes(image, kernel, target: str) -> dict:
    """Correlations with a wrongly oriented kernel, for a check whose right answer is
    ``target`` ("correlation" or "convolution")."""
    k = np.asarray(kernel, dtype=float)
    if target == "correlation":
        whole = ("the kernel was flipped (turned half a turn): that is convolution, not correlation",
                 lambda: correlate_oracle(image, k[::-1, ::-1]))
        turn = "correlation uses the kernel as it is, unflipped"
    else:
        whole = ("the kernel was not flipped: that is correlation, not convolution. Turn it half a "
                 "turn first (kernel[::-1, ::-1])", lambda: correlate_oracle(image, k))
        turn = "a convolution turns it half a turn, flipping rows and columns"
    return {
        whole[0]: whole[1],
        f"the kernel was flipped along one axis only (upside down, kernel[::-1]); {turn}":
            lambda: correlate_oracle(image, k[::-1]),
        f"the kernel was flipped along one axis only (left to right, kernel[:, ::-1]); {turn}":
            lambda: correlate_oracle(image, k[:, ::-1]),
        f"the kernel was transposed (kernel.T), which mirrors it across its diagonal; {turn}":
            lambda: correlate_oracle(image, k.T),
    }


def _valid_mistakes(image, kernel, oracle, target: str) -> dict:
    expected = oracle(image, kernel)
    mistakes = _flip_mistakes(image, kernel, target)
    mistakes.update({
        "an output as large as the image ('same' size) was returned where 'valid' is asked":
            lambda: oracle(image, kernel, "same"),
        "a 'full' output (n + f − 1 per axis) was returned where 'valid' (n − f + 1) is asked":
            lambda: oracle(image, kernel, "full"),
        "output one row and one column too small: the window fits n − f + 1 times, not n − f "
        "(use range(n - f + 1))": lambda: expected[:-1, :-1],
        "rows and columns swapped (the result is transposed)": lambda: expected.T,
        "the image was indexed as (x, y) instead of (row, column)":
            lambda: oracle(np.asarray(image).T, kernel),
        "the code assumes a square image: image.shape[0] used for both axes":
            lambda: expected[:, :image.shape[0] - kernel.shape[1] + 1] if image.shape[0] < image.shape[1] else None,
        DTYPE_MISTAKE: lambda: _truncated_to_input_dtype(image, expected),
        TRUNCATION_MISTAKE: lambda: np.trunc(expected),
    })
    return mistakes


def _check_sliding(candidate, name: str, oracle, target: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    _run_cases(candidate, name, (
        ((image, kernel), {}, oracle(image, kernel),
         lambda image=image, kernel=kernel: _valid_mistakes(image, kernel, oracle, target),
         _valid_shape_notes(image, kernel))
        for image, kernel in _sliding_cases(rng)))


# ---------------------------------------------------------------------------------------
# correlate2d and convolve2d


@graded("correlate2d", hints=Hints(*[
    "Slide the kernel over the image without leaving it. With an image of shape (H, W) and a "
    "kernel of shape (kh, kw) it fits H − kh + 1 times down and W − kw + 1 times across: "
    "that is the output's shape.",
    "Output pixel (i, j) is the sum of the element-wise product of the kernel with the "
    "window `image[i:i + kh, j:j + kw]`; the kernel is used as it is, not flipped.",
    "Take rows from shape[0] and columns from shape[1] for the image and the kernel alike, and "
    "make the output float: `out = np.zeros((H - kh + 1, W - kw + 1))`, then two loops "
    "`out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)`.",
]))
def check_correlate2d(correlate2d, seed: int = 0) -> None:
    """correlate2d(image, kernel) -> the "valid" cross-correlation, shape (H − kh + 1, W − kw + 1)."""
    _check_sliding(correlate2d, "correlate2d", correlate_oracle, "correlation", seed)


@graded("convolve2d", hints=Hints(*[
    "A convolution is a correlation with the kernel turned half a turn (180°): flip it "
    "upside down and left to right, then slide it exactly as in `correlate2d`.",
    "`kernel[::-1, ::-1]` (or `np.rot90(kernel, 2)`) is the half turn. `kernel.T` is not: "
    "a transpose mirrors across the diagonal.",
    "You may reuse your own function: `return correlate2d(image, np.asarray(kernel)[::-1, ::-1])`.",
]))
def check_convolve2d(convolve2d, seed: int = 0) -> None:
    """convolve2d(image, kernel) -> the "valid" true convolution (kernel flipped in both axes)."""
    _check_sliding(convolve2d, "convolve2d", convolve_oracle, "convolution", seed)


# ---------------------------------------------------------------------------------------
# pad


def _pad_cases(rng: np.random.Generator):
    """(image, p, value or None for the default)."""
    yield LECTURE_PATCH.copy(), 1, None
    yield rng.integers(-5, 10, size=(3, 4)), 2, None
    yield rng.random((5, 2)), 3, -1.5
    yield rng.integers(0, 256, size=(4, 6), dtype=np.uint8), 1, 255
    yield rng.integers(-5, 10, size=(6, 3)), 0, 7
    yield np.array([[4.0]]), 2, 9.0
    yield rng.normal(size=(2, 7)), 4, 0.25


def _pad_mistakes(image, p, value) -> dict:
    def sides(before_rows, after_rows, before_cols, after_cols, fill=value):
        return np.pad(np.asarray(image, dtype=float), ((before_rows, after_rows), (before_cols, after_cols)),
                      constant_values=fill)

    return {
        "`value` was ignored: the border must hold `value`, not 0": lambda: sides(p, p, p, p, 0) if value else None,
        "padded on one side only (top and left); p rows/columns go on every side": lambda: sides(p, 0, p, 0),
        "padded on one side only (bottom and right), or p was split between the two sides; "
        "p rows/columns go on every side": lambda: sides(0, p, 0, p),
        "2p added on each side; p is the padding per side, not the total": lambda: sides(2 * p, 2 * p, 2 * p, 2 * p),
        "p was split between the two sides; p is the padding per side, so the size grows by 2p":
            lambda: sides(p // 2, p - p // 2, p // 2, p - p // 2) if p > 1 else None,
        "only rows were added (top and bottom); columns need padding too": lambda: sides(p, p, 0, 0),
        "only columns were added (left and right); rows need padding too": lambda: sides(0, 0, p, p),
    }


def _pad_shape_notes(image, p) -> dict:
    h, w = image.shape
    notes = {
        (h + p, w + p): "padded on one side only, or p was split between the two sides; p rows/columns "
                        "go on every side",
        (h + 4 * p, w + 4 * p): "2p added on each side; p is the padding per side, not the total",
        (h + 2 * p, w): "only rows were added (top and bottom); columns need padding too",
        (h, w + 2 * p): "only columns were added (left and right); rows need padding too",
        (h + 2 * p, h + 2 * p): "the code assumes a square image: image.shape[0] used for both axes",
        (w + 2 * p, h + 2 * p): "rows and columns swapped",
    }
    notes.pop((h + 2 * p, w + 2 * p), None)
    return notes


@graded("pad", hints=Hints(*[
    "The result has shape (H + 2p, W + 2p): p new rows above and p below, p new columns on "
    "the left and p on the right.",
    "Make an array full of `value` with that shape (`np.full(shape, value, dtype=float)`) and copy "
    "the image into its middle: `out[p:p + H, p:p + W] = image`.",
    "`np.pad(image, p, constant_values=value)` does the same in one call; check your own "
    "version against it.",
]))
def check_pad(pad, seed: int = 0) -> None:
    """pad(image, p, value=0) -> the image framed by p rows/columns of ``value`` on each side."""
    rng = np.random.default_rng(seed)

    def cases():
        for image, p, value in _pad_cases(rng):
            options = {} if value is None else {"value": value}
            fill = 0 if value is None else value
            yield ((image, p), options, pad_oracle(image.astype(float), p, fill),
                   lambda image=image, p=p, fill=fill: _pad_mistakes(image, p, fill), _pad_shape_notes(image, p))

    _run_cases(pad, "pad", cases())


# ---------------------------------------------------------------------------------------
# filter2d


def _filter_cases(rng: np.random.Generator):
    """(image, kernel, mode, fill or None for the default)."""
    yield LECTURE_F.copy(), LECTURE_G.copy(), "valid", None
    yield LECTURE_PATCH.copy(), SHARPEN_KERNEL.copy(), "same", None
    yield SEED003_IMAGE.copy(), SEED003_KERNEL[::-1, ::-1].copy(), "same", None
    yield rng.integers(-5, 10, size=(6, 6)), rng.integers(-3, 4, size=(3, 3)), "same", 4
    yield rng.integers(-5, 10, size=(6, 9)), rng.normal(size=(3, 5)), "same", 2.5
    yield rng.random((9, 6)), rng.normal(size=(5, 3)), "same", -1.0
    yield rng.random((7, 8)), rng.normal(size=(4, 2)), "valid", None
    yield rng.normal(size=(5, 8)), rng.normal(size=(3, 3)), "valid", 3.0
    yield rng.integers(0, 256, size=(8, 5), dtype=np.uint8), rng.normal(size=(3, 3)), "same", 255
    yield rng.random((4, 7)), rng.normal(size=(1, 5)), "same", 0.5
    yield rng.random((3, 3)), rng.normal(size=(3, 3)), "same", None


def _same_pad_mistakes(image, kernel, fill) -> dict:
    """Wrong paddings of a 'same' correlation, each modelled by what it computes."""
    (kh, kw) = np.shape(kernel)

    def padded_valid(pr, pc, value=fill):
        framed = np.pad(np.asarray(image, dtype=float), ((pr, pr), (pc, pc)), constant_values=value)
        return correlate_oracle(framed, kernel)

    return {
        "padding taken from kernel.shape[0] for both axes; rows need (kh − 1)/2 and columns "
        "(kw − 1)/2": lambda: padded_valid(kh // 2, kh // 2) if kh != kw else None,
        "rows and columns of the padding swapped: rows need (kh − 1)/2, columns (kw − 1)/2":
            lambda: padded_valid(kw // 2, kh // 2) if kh != kw else None,
        "padded with f − 1 per side instead of (f − 1)/2: that is the 'full' output":
            lambda: padded_valid(kh - 1, kw - 1),
        "padded with f per side instead of (f − 1)/2": lambda: padded_valid(kh, kw),
    }


def _filter_mistakes(image, kernel, mode, fill) -> dict:
    k = np.asarray(kernel, dtype=float)
    if mode == "valid":
        mistakes = {
            "convolution was computed (the kernel was flipped); filter2d computes correlation":
                lambda: correlate_oracle(image, k[::-1, ::-1]),
            "a 'same' output was returned for mode 'valid'": lambda: correlate_oracle(image, kernel, "same", fill),
        }
        mistakes.update(_valid_mistakes(image, kernel, correlate_oracle, "correlation"))
        return mistakes
    expected = correlate_oracle(image, kernel, "same", fill)
    mistakes = {
        "`fill` was ignored: the border was padded with 0 instead of `fill`":
            lambda: correlate_oracle(image, kernel, "same", 0.0) if fill else None,
        "convolution was computed (the kernel was flipped); filter2d computes correlation":
            lambda: correlate_oracle(image, k[::-1, ::-1], "same", fill),
        "the kernel was flipped along one axis only; filter2d computes correlation with the kernel "
        "as it is": lambda: correlate_oracle(image, k[::-1], "same", fill),
        "the kernel was flipped along one axis only (left to right); filter2d computes correlation "
        "with the kernel as it is": lambda: correlate_oracle(image, k[:, ::-1], "same", fill),
        "the 'valid' output was returned for mode 'same': pad by (f − 1)/2 on each side first":
            lambda: correlate_oracle(image, kernel),
        "rows and columns swapped (the result is transposed)": lambda: expected.T,
        DTYPE_MISTAKE: lambda: _truncated_to_input_dtype(image, expected),
        TRUNCATION_MISTAKE: lambda: np.trunc(expected),
    }
    mistakes.update(_same_pad_mistakes(image, kernel, fill))
    return mistakes


def _same_shape_notes(image, kernel) -> dict:
    (h, w), (kh, kw) = image.shape, kernel.shape
    candidates = [
        ((h - kh + 1, w - kw + 1), "the 'valid' output was returned for mode 'same': pad by "
                                   "(f − 1)/2 on each side first"),
        ((h + kh - 1, w + kw - 1), "padded with f − 1 per side instead of (f − 1)/2: that is the "
                                   "'full' output"),
        ((h + kh + 1, w + kw + 1), "padded with f per side instead of (f − 1)/2"),
        ((w, h), "rows and columns swapped"),
        ((h, w - kw + kh), "padding taken from kernel.shape[0] for both axes; rows need (kh − 1)/2 "
                           "and columns (kw − 1)/2"),
        ((h - kh + kw, w - kw + kh), "rows and columns of the padding swapped"),
        ((h, h), "the code assumes a square image: image.shape[0] used for both axes"),
    ]
    notes: dict = {}
    for shape, note in candidates:
        if shape != (h, w) and shape not in notes:
            notes[shape] = note
    return notes


def _expect_value_error(func, *args, why: str, **kwargs) -> None:
    """Fail unless ``func`` raises ValueError with a message that says what went wrong."""
    expect_raises(func, ValueError, *args, name="filter2d", why=why, **kwargs)
    try:
        with quiet():
            func(*args, **kwargs)
    except ValueError as error:
        if not str(error).strip():
            fail(f"{signature('filter2d', *args, **kwargs)} raised ValueError without a message. "
                 f"Say what is wrong, e.g. raise ValueError(\"'same' needs a kernel of odd size, got 4×3\").")


@graded("filter2d", hints=Hints(*[
    "filter2d is a correlation (no flip). For mode 'valid' it is exactly your `correlate2d`.",
    "For mode 'same', first frame the image with your `pad`: (kh − 1) // 2 rows above and below "
    "and (kw − 1) // 2 columns left and right, filled with `fill`, then take the 'valid' "
    "correlation. With an odd kernel that gives back an (H, W) output. `pad` has one p for both "
    "axes, so a non-square kernel needs another step (or np.pad with ((pr, pr), (pc, pc))).",
    "Check the arguments first: `raise ValueError(...)` when the mode is neither 'valid' nor "
    "'same', and when mode is 'same' and a kernel side is even (`kh % 2 == 0 or kw % 2 == 0`).",
]))
def check_filter2d(filter2d, seed: int = 0) -> None:
    """filter2d(image, kernel, mode, fill=0) -> correlation, "valid" or "same" (fill at the border)."""
    rng = np.random.default_rng(seed)

    def cases():
        for image, kernel, mode, fill in _filter_cases(rng):
            options = {"mode": mode} if fill is None else {"mode": mode, "fill": fill}
            value = 0 if fill is None else fill
            notes = _valid_shape_notes(image, kernel) if mode == "valid" else _same_shape_notes(image, kernel)
            yield ((image, kernel), options, correlate_oracle(image, kernel, mode, value),
                   lambda image=image, kernel=kernel, mode=mode, value=value:
                       _filter_mistakes(image, kernel, mode, value), notes)

    _run_cases(filter2d, "filter2d", cases())
    image = rng.random((6, 7))
    for shape in [(2, 2), (4, 3), (3, 4)]:
        _expect_value_error(filter2d, image, np.ones(shape), mode="same",
                            why=f"A {shape[0]}×{shape[1]} kernel has no centre pixel, so 'same' is not "
                                f"defined for it: raise ValueError.")
    for mode in ("circular", "SAME!"):
        _expect_value_error(filter2d, image, np.ones((3, 3)), mode=mode,
                            why=f"{mode!r} is not a mode of filter2d ('valid' or 'same'): raise ValueError "
                                f"rather than guessing.")
