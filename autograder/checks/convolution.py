"""Checks for assignment 02, convolution versus correlation: sliding-window correlation,
the flipped kernel of a true convolution, padding, and a filter with "valid" and "same"
outputs.

The oracle is ``scipy.signal`` (``correlate2d`` / ``convolve2d``; "same" with
``boundary="fill"``), computed in float so that integer and uint8 inputs cannot
overflow. Every check runs the lecture's worked examples first (square images), then
random inputs of awkward sizes: non-square images taller and wider than they are
broad, non-square kernels, odd and even kernel sizes, integer, uint8, 16-bit and float
values, large terms that cancel, tiny values, and views that are not contiguous in memory.

Results are compared with a tolerance that follows the arithmetic: the rounding of a sum
grows with the sum of |terms| (``correlate |image| with |kernel|``), not with the result,
and with the precision of the dtype the learner returned (see
:class:`autograder.feedback.Tolerance`). Every call is made twice with the same objects,
and inputs must come back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import signal

from autograder.checks import Hints, graded
from autograder.feedback import (LAYOUT_MISTAKE, CheckFailure, Tolerance, call_repeatably, expect_array,
                                 expect_raises, fail, layout_dependent, name_mistake, quiet, signature, to_array)

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


@dataclass
class Case:
    """One call of the candidate and what it must return.

    ``scale`` is the sum of |terms| behind each output pixel and ``terms`` how many there
    are: together they set the rounding tolerance. ``mistakes`` builds the catalogue
    {description: wrong answer} only when needed; ``shape_notes`` maps a wrong output shape
    to the mistake it points to.
    """
    args: tuple
    kwargs: dict
    expected: np.ndarray
    scale: np.ndarray
    terms: int
    mistakes: Callable[[], dict]
    shape_notes: dict

    @property
    def tolerance(self) -> Tolerance:
        return Tolerance(scale=self.scale, terms=self.terms)

    @property
    def arrays(self) -> list[np.ndarray]:
        return [a for a in self.args if isinstance(a, np.ndarray)]


def _is_square(*arrays: np.ndarray) -> bool:
    return all(a.shape[0] == a.shape[1] for a in arrays)


def _call(func, case: Case, name: str, earlier_ok: bool):
    """``call_repeatably``, naming the square-only mistake when a candidate that handled
    square inputs crashes on a non-square image or kernel."""
    try:
        return call_repeatably(func, *case.args, name=name, **case.kwargs)
    except CheckFailure as failure:
        message = str(failure)
        if " raised OverflowError" in message and any(np.issubdtype(a.dtype, np.integer) for a in case.arrays):
            message += f"\n  Likely mistake: {DTYPE_MISTAKE}."
        elif earlier_ok and " raised " in message and not _is_square(*case.arrays):
            message += ("\n  Likely mistake: the code assumes a square image or kernel (for example "
                        "image.shape[0] used for both axes). Rows come from shape[0], columns from shape[1].")
        raise CheckFailure(message) from None


def _named_mistakes(got, case: Case) -> list[str]:
    """Every known mistake that reproduces the wrong answer ``got``, in catalogue order;
    failing that, the mistake its shape points to."""
    try:
        with quiet():
            array = np.asarray(got)
    except Exception:
        return []
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool) or \
            np.issubdtype(array.dtype, np.complexfloating):
        return []
    tolerance = case.tolerance
    named = [description for description, wrong in case.mistakes().items()
             if name_mistake(array, {description: wrong}, tolerance=tolerance)]
    note = case.shape_notes.get(array.shape)
    if note and note not in named:
        named.append("shape: " + note)  # weaker evidence than a value match; ranked last
    return named


def _run_cases(candidate, name: str, cases) -> None:
    """Call ``candidate`` on every case and fail on the first wrong answer.

    On a small example two mistakes can give the same wrong answer, so the message names
    the mistake whose answer matches *every* failing case, else one whose answer matches
    the first, else the one the wrong shape points to. A wrong answer
    that a contiguous copy of the input would have made right is the memory-layout mistake.
    """
    failures: list[tuple[str, list[str]]] = []
    earlier_ok = False
    for case in cases:
        where = signature(name, *case.args, **case.kwargs)
        try:
            got = _call(candidate, case, name, earlier_ok)
        except CheckFailure:
            if failures:
                break  # report the wrong answer found first
            raise
        earlier_ok = earlier_ok or _is_square(*case.arrays)
        try:
            expect_array(got, case.expected, where, scale=case.scale, terms=case.terms)
        except CheckFailure as failure:
            named = _named_mistakes(got, case)
            if not named and layout_dependent(candidate, case.args, case.kwargs,
                                              lambda result, case=case: case.tolerance.matches(
                                                  to_array(result, where), case.expected)):
                named = [LAYOUT_MISTAKE]
            failures.append((str(failure), named))
    if not failures:
        return
    message, first = failures[0]
    everywhere = [d for d in first if all(d in named for _, named in failures[1:])]
    by_value = [d for d in everywhere if not d.startswith("shape: ")]
    first_by_value = [d for d in first if not d.startswith("shape: ")]
    named = [d.removeprefix("shape: ") for d in (by_value or first_by_value or everywhere or first[:1])]
    if named:
        message += f"\n  Likely mistake: {named[0]}."
    for other in named[1:2]:
        message += f"\n  Or: {other}."
    fail(message)


def _rounding_mistakes(expected: np.ndarray) -> dict:
    """Results rounded off to a few decimals: wrong wherever the terms are small."""
    return {f"the results were rounded to {digits} decimals (np.round); return them as computed":
            (lambda digits=digits: np.round(expected, digits)) for digits in (1, 2, 3, 4, 6)}


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


SMALL_VALUES_MISTAKE = ("values close to 0 were set to 0 (or rounded away); a small result is still a "
                        "result: when the image's values are small, so are the sums")

KERNEL_INT_MISTAKE = ("the kernel was converted to integers (astype(int), or an integer array made to hold it), "
                      "which cuts its fractional weights; keep the kernel as it is, or make it float")

UINT8_MISTAKE = ("the image was converted to uint8, which wraps values below 0 and above 255 round and "
                 "cuts off fractions: not every image is 8-bit (a 16-bit photo reaches 65535); convert "
                 "to float instead")


def _as_uint8(image: np.ndarray) -> np.ndarray:
    with quiet():
        return np.asarray(image).astype(np.uint8)


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
    # large terms that cancel: a zero-sum kernel on values near 10,000 (float32 arithmetic
    # rounds at the size of the terms, so its errors are large next to the small results)
    yield 1e4 + rng.normal(size=(7, 9)), _zero_sum(rng.normal(size=(3, 4)))
    yield 1e-6 * rng.normal(size=(6, 7)), rng.normal(size=(2, 3))  # tiny values: rounding them off is wrong
    yield rng.integers(0, 65536, size=(6, 8), dtype=np.uint16), rng.integers(-2, 3, size=(3, 3))  # 16 bits
    yield rng.random((12, 15))[::2, ::3], rng.normal(size=(3, 2))  # a strided view, 6×5
    yield rng.integers(-5, 10, size=(7, 6)).T, rng.integers(-3, 4, size=(2, 3)).T  # transposed views


def _zero_sum(kernel: np.ndarray) -> np.ndarray:
    """The kernel shifted so that its weights add up to 0, like an edge detector's."""
    return kernel - kernel.mean()


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
    quarter = ("the kernel was turned a quarter turn (np.rot90(kernel) turns 90°); "
               f"{turn}")
    return {
        whole[0]: whole[1],
        quarter: lambda: correlate_oracle(image, np.rot90(k)) if k.shape[0] == k.shape[1] else None,
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
        SMALL_VALUES_MISTAKE: lambda: np.where(np.abs(expected) < 1e-3, 0.0, expected),
        TRUNCATION_MISTAKE: lambda: np.trunc(expected),
        UINT8_MISTAKE: lambda: oracle(_as_uint8(image), kernel) if not np.array_equal(_as_uint8(image), image) else None,
        KERNEL_INT_MISTAKE: lambda: oracle(image, np.trunc(kernel)) if not np.array_equal(np.trunc(kernel), kernel) else None,
    })
    mistakes.update(_rounding_mistakes(expected))
    return mistakes


def _check_sliding(candidate, name: str, oracle, target: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    _run_cases(candidate, name, (
        Case(args=(image, kernel), kwargs={}, expected=oracle(image, kernel),
             scale=oracle(np.abs(image.astype(float)), np.abs(kernel.astype(float))), terms=kernel.size,
             mistakes=lambda image=image, kernel=kernel: _valid_mistakes(image, kernel, oracle, target),
             shape_notes=_valid_shape_notes(image, kernel))
        for image, kernel in _sliding_cases(rng)))


# ---------------------------------------------------------------------------------------
# correlate2d and convolve2d


@graded("correlate2d", hints=Hints(
    idea="Slide the kernel over the image without letting it leave the image. At each position, "
         "multiply every kernel weight by the pixel under it and add up the products: that sum is "
         "one output pixel. The kernel is used as it is, not flipped.",
    formula="For an image of shape (H, W) and a kernel of shape (kh, kw) the output has shape "
            "(H − kh + 1, W − kw + 1), and out[i, j] = Σ_u Σ_v image[i + u, j + v] · kernel[u, v] "
            "for 0 ≤ u < kh, 0 ≤ v < kw. Rows come from shape[0] and columns from shape[1], for "
            "the image and the kernel alike. Make the output float, so that negative and fractional "
            "sums survive.",
    code="```python\nimage = np.asarray(image, dtype=float)\nkernel = np.asarray(kernel, dtype=float)\n"
         "kh, kw = kernel.shape\nout = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))\n"
         "for i in range(out.shape[0]):\n    for j in range(out.shape[1]):\n"
         "        out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)\nreturn out\n```",
))
def check_correlate2d(correlate2d, seed: int = 0) -> None:
    """correlate2d(image, kernel) -> the "valid" cross-correlation, shape (H − kh + 1, W − kw + 1)."""
    _check_sliding(correlate2d, "correlate2d", correlate_oracle, "correlation", seed)


@graded("convolve2d", hints=Hints(
    idea="A convolution is a correlation with the kernel turned half a turn (180°) first: upside "
         "down and left to right at once. A quarter turn, a transpose or a flip of one axis gives "
         "a different kernel.",
    formula="out[i, j] = Σ_u Σ_v image[i + u, j + v] · kernel[kh − 1 − u, kw − 1 − v]: the sliding "
            "sum of correlate2d with the kernel's indices running backwards on both axes. In numpy "
            "the half turn is kernel[::-1, ::-1] (or np.rot90(kernel, 2)); kernel.T mirrors across "
            "the diagonal instead.",
    code="```python\nreturn correlate2d(image, np.asarray(kernel)[::-1, ::-1])\n```",
))
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
    yield rng.integers(0, 10, size=(3, 5)), 2, 0.5  # an integer image framed by a fraction
    yield rng.random((10, 9))[::3, ::-2], 1, -2.0  # a strided, reversed view
    yield rng.integers(0, 65536, size=(4, 3), dtype=np.uint16), 2, 65535


def _pad_mistakes(image, p, value) -> dict:
    def sides(before_rows, after_rows, before_cols, after_cols, fill=value):
        return np.pad(np.asarray(image, dtype=float), ((before_rows, after_rows), (before_cols, after_cols)),
                      constant_values=fill)

    def in_image_dtype():
        if not np.issubdtype(image.dtype, np.integer) or float(value).is_integer():
            return None
        with quiet():
            return np.pad(image, p, constant_values=value)

    return {
        "the border holds `value` cut to a whole number: the output kept the image's integer dtype "
        "(np.pad and np.full_like do), which cannot hold a fraction; make the output float":
            in_image_dtype,
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


@graded("pad", hints=Hints(
    idea="Padding frames the image: p new rows above and p below, p new columns on the left and "
         "p on the right, all holding `value`. The image itself sits unchanged in the middle.",
    formula="The result has shape (H + 2p, W + 2p); out[p + i, p + j] = image[i, j], and every other "
            "cell is value. p is per side, so each axis grows by 2p. The array must be able to hold "
            "value: a fraction such as 0.5 needs a float array, even around an integer image.",
    code="```python\nimage = np.asarray(image)\nh, w = image.shape\n"
         "out = np.full((h + 2 * p, w + 2 * p), value, dtype=float)\nout[p:p + h, p:p + w] = image\n"
         "return out\n```",
))
def check_pad(pad, seed: int = 0) -> None:
    """pad(image, p, value=0) -> the image framed by p rows/columns of ``value`` on each side."""
    rng = np.random.default_rng(seed)

    def cases():
        for image, p, value in _pad_cases(rng):
            options = {} if value is None else {"value": value}
            fill = 0 if value is None else value
            expected = pad_oracle(image.astype(float), p, fill)
            yield Case(args=(image, p), kwargs=options, expected=expected, scale=np.abs(expected), terms=1,
                       mistakes=lambda image=image, p=p, fill=fill: _pad_mistakes(image, p, fill),
                       shape_notes=_pad_shape_notes(image, p))

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
    # large terms that cancel, tiny values, 12 bits, and views that are not contiguous
    yield 1e4 + rng.normal(size=(8, 7)), _zero_sum(rng.normal(size=(3, 5))), "same", 1e4
    yield 1e-6 * rng.normal(size=(6, 6)), rng.normal(size=(3, 3)), "same", 1e-6
    yield rng.integers(0, 4096, size=(7, 9), dtype=np.uint16), rng.normal(size=(3, 3)), "same", 4095
    yield rng.random((14, 12))[::2, ::-2], rng.normal(size=(5, 3)).T, "same", 0.25
    yield rng.integers(-5, 10, size=(9, 6)).T, rng.normal(size=(2, 4)), "valid", None


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
        "the border was mirrored (scipy.ndimage's default mode='reflect'); 'same' pads with `fill`":
            lambda: _ndimage_same(image, k, "reflect"),
        "the border repeats the edge pixels (mode='nearest' or 'edge'); 'same' pads with `fill`":
            lambda: _ndimage_same(image, k, "nearest"),
        "rows and columns swapped (the result is transposed)": lambda: expected.T,
        DTYPE_MISTAKE: lambda: _truncated_to_input_dtype(image, expected),
        SMALL_VALUES_MISTAKE: lambda: np.where(np.abs(expected) < 1e-3, 0.0, expected),
        TRUNCATION_MISTAKE: lambda: np.trunc(expected),
        KERNEL_INT_MISTAKE: lambda: correlate_oracle(image, np.trunc(k), "same", fill) if not np.array_equal(np.trunc(k), k)
        else None,
    }
    mistakes.update(_same_pad_mistakes(image, kernel, fill))
    mistakes.update(_rounding_mistakes(expected))
    return mistakes


def _ndimage_same(image, kernel: np.ndarray, mode: str) -> np.ndarray:
    from scipy import ndimage

    return ndimage.correlate(np.asarray(image, dtype=float), kernel, mode=mode)


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


@graded("filter2d", hints=Hints(
    idea="filter2d is a correlation (no flip). Mode 'valid' is exactly your correlate2d. Mode "
         "'same' first frames the image with `fill`, so that the kernel's centre can visit every "
         "pixel and the output keeps the image's size.",
    formula="For 'same' with a kh×kw kernel (both sides odd), pad (kh − 1)/2 rows above and below and "
            "(kw − 1)/2 columns left and right with fill, then take the 'valid' correlation: "
            "(H + kh − 1) − kh + 1 = H rows, and W columns. Raise ValueError when the mode is "
            "neither 'valid' nor 'same' (say which modes exist) and, in 'same' mode, when a kernel "
            "side is even (say that the sides must be odd).",
    code="```python\nkernel = np.asarray(kernel, dtype=float)\nif mode not in (\"valid\", \"same\"):\n"
         "    raise ValueError(f\"mode must be 'valid' or 'same', not {mode!r}\")\nif mode == \"same\":\n"
         "    kh, kw = kernel.shape\n    if kh % 2 == 0 or kw % 2 == 0:\n"
         "        raise ValueError(f\"'same' needs a kernel with odd sides, got {kh}×{kw}\")\n"
         "    image = np.pad(np.asarray(image, dtype=float), ((kh // 2, kh // 2), (kw // 2, kw // 2)),\n"
         "                   constant_values=fill)\nreturn correlate2d(image, kernel)\n```",
))
def check_filter2d(filter2d, seed: int = 0) -> None:
    """filter2d(image, kernel, mode, fill=0) -> correlation, "valid" or "same" (fill at the border)."""
    rng = np.random.default_rng(seed)

    def cases():
        for image, kernel, mode, fill in _filter_cases(rng):
            options = {"mode": mode} if fill is None else {"mode": mode, "fill": fill}
            value = 0 if fill is None else fill
            notes = _valid_shape_notes(image, kernel) if mode == "valid" else _same_shape_notes(image, kernel)
            yield Case(args=(image, kernel), kwargs=options, expected=correlate_oracle(image, kernel, mode, value),
                       scale=correlate_oracle(np.abs(image.astype(float)), np.abs(kernel.astype(float)), mode,
                                              abs(value)),
                       terms=kernel.size, shape_notes=notes,
                       mistakes=lambda image=image, kernel=kernel, mode=mode, value=value:
                           _filter_mistakes(image, kernel, mode, value))

    _run_cases(filter2d, "filter2d", cases())
    image = rng.random((6, 7))
    for shape in [(2, 2), (4, 3), (3, 4)]:
        expect_raises(filter2d, ValueError, image, np.ones(shape), mode="same", name="filter2d",
                      mentioning=("odd", "even", "centre", "center", "middle"),
                      why=f"A {shape[0]}×{shape[1]} kernel has no centre pixel, so 'same' is not defined "
                          f"for it: raise ValueError and say that the kernel's sides must be odd.")
    for mode in ("circular", "SAME!"):
        expect_raises(filter2d, ValueError, image, np.ones((3, 3)), mode=mode, name="filter2d",
                      mentioning=(mode, "valid", "same"),
                      why=f"{mode!r} is not a mode of filter2d: raise ValueError rather than guessing, "
                          f"and say which modes exist ('valid' or 'same').")
