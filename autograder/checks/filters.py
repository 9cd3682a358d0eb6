"""Checks for assignment 03, filters: smoothing kernels (box, Gaussian), the median
filter, edge detectors (Sobel magnitude, the eight Kirsch compass kernels, the 1-D
[-1, 2, -1] detector with clamping) and sharpening (the lecture's sharpen kernel and
unsharp masking).

Oracles are ``scipy.ndimage`` where it has the operation (``gaussian_filter``,
``median_filter``, ``sobel``), computed in float so that uint8 inputs cannot overflow,
and the lecture's exact values otherwise (the Kirsch kernels g(1), g(2), g(3) of seed
000, its clamping truth table, its sharpen kernel). Border rules, stated in the
notebook and tested here: the median filter, the Sobel magnitude, the blur inside the
unsharp mask and ``edge_1d`` all repeat the nearest edge pixel (scipy's
``mode="nearest"``, numpy's ``np.pad(..., mode="edge")``).

Every image check runs on non-square images (taller and wider ones, odd and even sides)
and on float images before uint8 ones, so that a failure on a uint8 image can point at
uint8 arithmetic; then on 16-bit images, float32 ones, large values with small
differences between them, and views that are not contiguous in memory. Results are
compared with a tolerance that follows the arithmetic (the sum of |terms| behind each
value and the precision of the dtype returned, :class:`autograder.feedback.Tolerance`);
every call is made twice with the same objects, and inputs must come back unchanged.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy import ndimage

from autograder.checks import Hints, graded
from autograder.feedback import (LAYOUT_MISTAKE, CheckFailure, Tolerance, call_repeatably, expect_array,
                                 expect_raises, fail, layout_dependent, name_mistake, quiet, show, signature,
                                 to_array)

# ---------------------------------------------------------------------------------------
# The lecture's values (seeds 000 and 004)

# Seed 000: the integer 5×5 Gaussian, divided by 273, "sigma = 1, normalised".
GAUSSIAN_273 = np.array([[1, 4, 7, 4, 1],
                         [4, 16, 26, 16, 4],
                         [7, 26, 41, 26, 7],
                         [4, 16, 26, 16, 4],
                         [1, 4, 7, 4, 1]]) / 273

# Seed 000: the basic 3×3 edge detector (a Laplacian) used by the sharpen kernel.
LAPLACIAN = np.array([[0, -1, 0], [-1, 4, -1], [0, -1, 0]], dtype=float)
LAPLACIAN_8 = np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], dtype=float)
IDENTITY_3 = np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=float)

# Seed 000: the Kirsch kernels g(1) (north), g(2), g(3) (west): the three 5s turn
# counter-clockwise round the ring of 8 neighbours, one 45° step per kernel.
KIRSCH_G1 = np.array([[5, 5, 5], [-3, 0, -3], [-3, -3, -3]])
KIRSCH_G2 = np.array([[5, 5, -3], [5, 0, -3], [-3, -3, -3]])
KIRSCH_G3 = np.array([[5, -3, -3], [5, 0, -3], [5, -3, -3]])
# The ring of neighbours in clockwise order starting top left.
_RING = [(0, 0), (0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0), (1, 0)]
KIRSCH_DIRECTIONS = ("N", "NW", "W", "SW", "S", "SE", "E", "NE")

# Seed 000: the 1-D detector's truth table (pattern of 3 binary pixels → clamped result).
EDGE_TRUTH_TABLE = {"000": 0, "001": 0, "010": 1, "011": 1, "100": 0, "101": 0, "110": 1, "111": 0}

# Seed 004: the 8×8 step image (1 then 5), used for the Sobel check.
STEP_1_5 = np.where(np.arange(8) < 4, 1, 5)[np.newaxis, :].repeat(8, axis=0)


def _quietly(check):
    """Run a check with warnings and numpy floating-point complaints silenced: a mistake
    model evaluated on an odd input (say a 1×1 kernel) must not write to stderr."""

    @functools.wraps(check)
    def run(*args, **kwargs):
        with quiet():
            return check(*args, **kwargs)

    return run


def kirsch_oracle() -> np.ndarray:
    """The 8 Kirsch kernels (8, 3, 3): g(1) north, then turning 45° counter-clockwise."""
    ring_g1 = np.array([KIRSCH_G1[r, c] for r, c in _RING])
    kernels = np.zeros((8, 3, 3), dtype=int)
    for step in range(8):
        # counter-clockwise: the ring (listed clockwise) shifts back by one per step
        ring = np.roll(ring_g1, -step)
        for (r, c), value in zip(_RING, ring):
            kernels[step, r, c] = value
    return kernels


def _gaussian_raw(size: int, sigma: float, denominator: float | None = None, centred: bool = True) -> np.ndarray:
    k = size // 2
    x = np.arange(-k, k + 1) if centred else np.arange(size)
    r2 = x[:, None] ** 2 + x[None, :] ** 2
    denominator = 2 * sigma ** 2 if denominator is None else denominator
    return np.exp(-r2 / denominator)


def gaussian_oracle(size: int, sigma: float) -> np.ndarray:
    """scipy's own normalised Gaussian: a unit impulse blurred with radius size // 2."""
    k = size // 2
    impulse = np.zeros((size, size))
    impulse[k, k] = 1.0
    return ndimage.gaussian_filter(impulse, sigma, mode="constant", radius=k)


def _as_float(image) -> np.ndarray:
    return np.asarray(image, dtype=float)


def _compare(candidate, args: tuple, got, expected: np.ndarray, where: str, *, scale, terms: int,
             mistakes: dict | None = None, image: np.ndarray | None = None) -> None:
    """``expect_array`` with the rounding tolerance; when it fails and no known mistake
    explains it, point at unsigned-integer arithmetic (for a uint8 or uint16 ``image``) or
    at code that depends on the memory layout of a view."""
    try:
        expect_array(got, expected, where, scale=scale, terms=terms, mistakes=mistakes)
    except CheckFailure as failure:
        message = str(failure)
        tolerance = Tolerance(scale=scale, terms=terms)
        if "Likely mistake" not in message and layout_dependent(
                candidate, args, {}, lambda result: tolerance.matches(to_array(result, where), expected)):
            message += f"\n  Likely mistake: {LAYOUT_MISTAKE}."
        elif "Likely mistake" not in message and image is not None and image.dtype.kind == "u":
            message += (f"\n  Note: this image is {image.dtype} and the float images before it passed. "
                        f"Unsigned arithmetic wraps around (in uint8, 0 − 1 = 255): convert first with "
                        f"image.astype(float).")
        raise CheckFailure(message) from None


# ---------------------------------------------------------------------------------------
# box_kernel


@graded("box_kernel", hints=Hints(
    idea="A box (mean) kernel gives every pixel of a size×size window the same weight, and its "
         "weights add up to 1, so that a flat image keeps its brightness.",
    formula="There are size × size cells, so each weight is 1 / size². Divide with / (a float), "
            "not with // (an integer, which gives 0).",
    code="```python\nreturn np.ones((size, size)) / size ** 2\n```",
))
@_quietly
def check_box_kernel(box_kernel, seed: int = 0) -> None:
    """box_kernel(size) -> (size, size) float array of 1 / size²."""
    rng = np.random.default_rng(seed)
    sizes = [3, 1, 2, 5, 7, 4, 31] + [int(s) for s in rng.integers(2, 12, size=2)]
    for size in sizes:
        where = signature("box_kernel", size)
        got = call_repeatably(box_kernel, size, name="box_kernel")
        expected = np.full((size, size), 1 / size ** 2)
        # the weights may come from a sum of size² ones, so they round like one
        expect_array(got, expected, where, scale=expected, terms=size * size, mistakes={
            "the kernel is not normalised: its weights must add up to 1 (divide by size²)":
                np.ones((size, size)),
            "divided by size instead of size²: a size×size window has size² cells":
                np.ones((size, size)) / size,
            "a 1-D kernel of length size; the box kernel is a size×size square":
                np.ones(size) / size,
            "integer division (// or an int array) rounded every weight down to 0: divide with / "
            "so that the weights are floats":
                np.zeros((size, size)),
        })


# ---------------------------------------------------------------------------------------
# gaussian_kernel


def _gaussian_mistakes(size: int, sigma: float) -> dict:
    def normalised(kernel):
        return kernel / kernel.sum()

    k = size // 2
    return {
        "the kernel is not normalised: divide by its sum so that the weights add up to 1":
            lambda: _gaussian_raw(size, sigma),
        "normalised with 1/(2πσ²) from the continuous formula; on a finite grid that does not "
        "sum to 1, so divide by the kernel's own sum instead":
            lambda: _gaussian_raw(size, sigma) / (2 * np.pi * sigma ** 2),
        "σ used where σ² belongs: the exponent is −(x² + y²) / (2σ²), not / (2σ)":
            lambda: normalised(_gaussian_raw(size, sigma, denominator=2 * sigma)),
        "the factor 2 is missing: the exponent is −(x² + y²) / (2σ²), not / σ²":
            lambda: normalised(_gaussian_raw(size, sigma, denominator=sigma ** 2)),
        "the grid is not centred: x and y must run from −k to k (k = size // 2), "
        "not from 0 to size − 1":
            lambda: normalised(_gaussian_raw(size, sigma, centred=False)),
        "the grid has size − 1 points: use np.arange(-k, k + 1) for x and y":
            lambda: normalised(np.exp(-(np.arange(-k, k)[:, None] ** 2 + np.arange(-k, k)[None, :] ** 2)
                                      / (2 * sigma ** 2))),
        "a 1-D Gaussian (one row); the kernel is the size×size square, the outer product of two rows":
            lambda: normalised(np.exp(-np.arange(-k, k + 1) ** 2 / (2 * sigma ** 2))),
    }


def gaussian_scale(size: int, sigma: float) -> np.ndarray:
    """How much each weight can round: exp(−a) carries the rounding of its argument a,
    relative error about a · eps, and the normalisation a sum of size² terms."""
    k = size // 2
    x = np.arange(-k, k + 1)
    exponent = (x[:, None] ** 2 + x[None, :] ** 2) / (2 * sigma ** 2)
    return gaussian_oracle(size, sigma) * (1 + exponent)


@graded("gaussian_kernel", hints=Hints(
    idea="A Gaussian kernel gives close neighbours more weight than distant ones: the weight falls "
         "off with the squared distance from the centre cell, faster for a small σ. Like every "
         "smoothing kernel, its weights add up to 1.",
    formula="With k = size // 2, x and y run from −k to k (the centre is (0, 0)). Each weight is "
            "exp(−(x² + y²) / (2σ²)); mind the square on σ. Divide by the sum of all weights at the "
            "end, not by 2πσ². An even size has no centre cell: raise ValueError.",
    code="```python\nif size % 2 == 0:\n    raise ValueError(f\"size must be odd, got {size}\")\nk = size // 2\n"
         "x = np.arange(-k, k + 1)\nkernel = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2 * sigma ** 2))\n"
         "return kernel / kernel.sum()\n```",
))
@_quietly
def check_gaussian_kernel(gaussian_kernel, seed: int = 0) -> None:
    """gaussian_kernel(size, sigma) -> (size, size) normalised Gaussian on the grid −k..k."""
    rng = np.random.default_rng(seed)
    cases = [(5, 1.0), (3, 1.0), (5, 2.0), (7, 1.5), (9, 0.8), (1, 1.0), (11, 3.0), (5, 0.5),
             (3, 0.2), (5, 50.0)]  # a σ so small that the corners are ~1e-11, one so large it is nearly flat
    cases += [(int(2 * rng.integers(1, 6) + 1), round(float(rng.uniform(0.4, 3.0)), 3)) for _ in range(2)]
    for size, sigma in cases:
        where = signature("gaussian_kernel", size, sigma)
        got = call_repeatably(gaussian_kernel, size, sigma, name="gaussian_kernel")
        expect_array(got, gaussian_oracle(size, sigma), where, scale=gaussian_scale(size, sigma), terms=size * size,
                     mistakes=_gaussian_mistakes(size, sigma))
    for size in (4, 6):
        expect_raises(gaussian_kernel, ValueError, size, 1.0, name="gaussian_kernel",
                      why="An even size has no centre pixel; raise ValueError for it.")


# ---------------------------------------------------------------------------------------
# median_filter


def _median_shrinking_window(image: np.ndarray, size: int) -> np.ndarray:
    """The seed's loop: the window is cut at the border (only pixels inside count)."""
    k = size // 2
    rows, cols = image.shape
    out = np.empty((rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = np.median(image[max(0, i - k):i + k + 1, max(0, j - k):j + k + 1])
    return out


def _median_mistakes(image: np.ndarray, size: int) -> dict:
    f = _as_float(image)
    k = size // 2
    return {
        "zero padding at the borders: pixels outside the image must repeat the nearest edge "
        "pixel (np.pad(..., mode='edge')), not count as 0":
            lambda: ndimage.median_filter(f, size=size, mode="constant", cval=0.0),
        "the mean of the window instead of the median (that is the box filter)":
            lambda: ndimage.uniform_filter(f, size=size, mode="nearest"),
        "the mean of the window (box filter) with zero padding, instead of the median with "
        "repeated edge pixels":
            lambda: ndimage.uniform_filter(f, size=size, mode="constant", cval=0.0),
        "the window shrinks at the borders (only pixels inside the image are used); this "
        "exercise repeats the nearest edge pixel instead":
            lambda: _median_shrinking_window(f, size),
        "mirrored borders (np.pad mode 'reflect'); this exercise repeats the nearest edge pixel":
            lambda: ndimage.median_filter(f, size=size, mode="mirror"),
        "mirrored borders (np.pad mode 'symmetric'); this exercise repeats the nearest edge pixel":
            lambda: ndimage.median_filter(f, size=size, mode="reflect"),
        "wrap-around borders (np.roll or mode 'wrap'); this exercise repeats the nearest edge pixel":
            lambda: ndimage.median_filter(f, size=size, mode="wrap"),
        "the output is smaller than the input ('valid'): pad first, repeating the edge pixels, "
        "so that the result has the image's shape":
            lambda: ndimage.median_filter(f, size=size, mode="nearest")[k:f.shape[0] - k, k:f.shape[1] - k],
        "rows and columns swapped: the result is transposed":
            lambda: ndimage.median_filter(f, size=size, mode="nearest").T,
    }


def _median_cases(rng: np.random.Generator):
    """(image, size): lecture grid, non-square, odd and even sides, floats before uint8."""
    lecture = np.array([[2, 2, 1, 0, 2, 1, 1], [3, 2, 1, 2, 3, 2, 0], [1, 0, 2, 1, 0, 2, 1],
                        [1, 0, 2, 1, 0, 2, 1], [2, 1, 1, 0, 2, 2, 1], [1, 2, 2, 0, 2, 3, 2],
                        [2, 1, 0, 2, 2, 0, 2]])
    yield lecture, 3
    yield rng.integers(0, 10, size=(6, 9)), 3
    yield rng.random((9, 4)), 3
    yield rng.random((7, 10)), 5
    yield rng.random((1, 7)), 3
    yield rng.random((8, 5)), 1
    noisy = np.full((9, 12), 0.5)
    spots = rng.random(noisy.shape)
    noisy[spots < 0.1] = 0.0
    noisy[spots > 0.9] = 1.0
    yield noisy, 3
    yield rng.integers(0, 256, size=(10, 7), dtype=np.uint8), 3
    yield rng.integers(0, 256, size=(6, 11), dtype=np.uint8), 5
    yield rng.integers(0, 65536, size=(7, 8), dtype=np.uint16), 3  # 16 bits
    yield rng.random((8, 6)).astype(np.float32), 3
    yield rng.random((16, 15))[::2, ::-3], 3  # a strided, reversed view, 8×5


@graded("median_filter", hints=Hints(
    idea="The median of a window is its middle value once sorted, so one extreme pixel (a speck "
         "of salt or pepper) never reaches the output. Every pixel needs a full window, also at "
         "the border: there the missing pixels repeat the nearest edge pixel.",
    formula="Pad the image by k = size // 2 on every side, repeating the edge pixels "
            "(np.pad(image, k, mode='edge')). Then output[i, j] is the median of padded[i:i + size, "
            "j:j + size], the size×size window centred on pixel (i, j), and the output keeps the "
            "image's shape. An even size has no centre pixel: raise ValueError.",
    code="```python\nif size % 2 == 0:\n    raise ValueError(f\"size must be odd, got {size}\")\nk = size // 2\n"
         "padded = np.pad(np.asarray(image, dtype=float), k, mode=\"edge\")\n"
         "windows = np.lib.stride_tricks.sliding_window_view(padded, (size, size))\n"
         "return np.median(windows, axis=(-2, -1))\n```",
))
@_quietly
def check_median_filter(median_filter, seed: int = 0) -> None:
    """median_filter(image, size) -> median of each size×size window, edges repeated."""
    rng = np.random.default_rng(seed)
    for image, size in _median_cases(rng):
        where = signature("median_filter", image, size)
        got = call_repeatably(median_filter, image, size, name="median_filter")
        expected = ndimage.median_filter(_as_float(image), size=size, mode="nearest")
        # the median is one of the pixels: exact, up to the rounding of a float32 copy
        _compare(median_filter, (image, size), got, expected, where, scale=np.abs(expected), terms=1,
                 mistakes=_median_mistakes(image, size), image=image)
    expect_raises(median_filter, ValueError, rng.random((5, 6)), 4, name="median_filter",
                  why="An even window has no centre pixel; raise ValueError for it.")


# ---------------------------------------------------------------------------------------
# sobel_magnitude


def sobel_oracle(image, mode: str = "nearest") -> np.ndarray:
    f = _as_float(image)
    return np.hypot(ndimage.sobel(f, axis=0, mode=mode), ndimage.sobel(f, axis=1, mode=mode))


def _sobel_mistakes(image: np.ndarray) -> dict:
    f = _as_float(image)

    def gx():
        return ndimage.sobel(f, axis=1, mode="nearest")

    def gy():
        return ndimage.sobel(f, axis=0, mode="nearest")

    return {
        "only the horizontal gradient Gx was used; the magnitude needs both directions, "
        "sqrt(Gx² + Gy²)": lambda: np.abs(gx()),
        "only the vertical gradient Gy was used; the magnitude needs both directions, "
        "sqrt(Gx² + Gy²)": lambda: np.abs(gy()),
        "only the horizontal gradient Gx was used, with its sign; the magnitude is "
        "sqrt(Gx² + Gy²) ≥ 0": gx,
        "only the vertical gradient Gy was used, with its sign; the magnitude is "
        "sqrt(Gx² + Gy²) ≥ 0": gy,
        "the squared magnitude Gx² + Gy² without the square root": lambda: gx() ** 2 + gy() ** 2,
        "|Gx| + |Gy| instead of sqrt(Gx² + Gy²)": lambda: np.abs(gx()) + np.abs(gy()),
        "the same kernel used for both directions: Gy needs the transposed kernel": lambda: np.sqrt(2) * np.abs(gx()),
        "zero padding at the borders: this exercise repeats the nearest edge pixel "
        "(np.pad(..., mode='edge'))": lambda: sobel_oracle(f, mode="constant"),
        "wrap-around borders: this exercise repeats the nearest edge pixel": lambda: sobel_oracle(f, mode="wrap"),
        "mirrored borders (np.pad mode 'reflect'): this exercise repeats the nearest edge pixel":
            lambda: sobel_oracle(f, mode="mirror"),
        "scikit-image's filters.sobel divides the kernels by 4 and the magnitude by √2 (4√2 in all): "
        "this exercise uses the plain Sobel weights 1, 2, 1":
            lambda: sobel_oracle(f) / (4 * np.sqrt(2)),
        "scikit-image's filters.sobel divides by 4√2 and mirrors the border (its default mode "
        "'reflect'): this exercise uses the plain weights and repeats the nearest edge pixel":
            lambda: sobel_oracle(f, mode="reflect") / (4 * np.sqrt(2)),
        "the kernels were divided by 8; this exercise uses the plain Sobel weights 1, 2, 1":
            lambda: sobel_oracle(f) / 8,
        "the kernels were divided by 4; this exercise uses the plain Sobel weights 1, 2, 1":
            lambda: sobel_oracle(f) / 4,
        "Prewitt weights (1, 1, 1) instead of Sobel's (1, 2, 1)":
            lambda: np.hypot(ndimage.prewitt(f, axis=0, mode="nearest"), ndimage.prewitt(f, axis=1, mode="nearest")),
        "the output is smaller than the input ('valid'): pad first, repeating the edge pixels":
            lambda: sobel_oracle(f)[1:-1, 1:-1],
        "rows and columns swapped: the result is transposed": lambda: sobel_oracle(f).T,
    }


def sobel_scale(image) -> np.ndarray:
    """The sum of |terms| behind Gx and Gy at each pixel: it bounds the rounding of the magnitude."""
    f = np.abs(_as_float(image))
    weights = np.abs(np.array([[1.0, 0.0, 1.0], [2.0, 0.0, 2.0], [1.0, 0.0, 1.0]]))
    return ndimage.correlate(f, weights, mode="nearest") + ndimage.correlate(f, weights.T, mode="nearest")


def _sobel_cases(rng: np.random.Generator):
    yield STEP_1_5.copy()  # seed 004: the 8×8 step from 1 to 5
    yield STEP_1_5[:5].T.copy()  # a horizontal step, 8×5
    rows, cols = np.mgrid[0:6, 0:9]
    yield 2.0 * cols + 3.0 * rows  # a ramp: 8·sqrt(2² + 3²) inside
    yield rng.random((7, 10))
    yield rng.random((9, 4))
    yield rng.random((2, 5))
    yield rng.integers(0, 256, size=(6, 11), dtype=np.uint8)
    yield np.where(rng.random((8, 7)) < 0.5, 0, 255).astype(np.uint8)
    yield rng.integers(0, 4096, size=(7, 6), dtype=np.uint16)  # 12 bits
    yield 1e4 + rng.normal(size=(6, 8))  # large values, small differences: the gradients cancel
    yield rng.random((6, 7)).astype(np.float32)
    yield rng.random((9, 16))[::-2, ::3]  # a strided, reversed view, 5×6


@graded("sobel_magnitude", hints=Hints(
    idea="Gx measures how fast the image gets brighter from left to right, Gy from top to bottom; "
         "the magnitude combines both into one edge strength, whatever the edge's direction. "
         "Border pixels need neighbours too: repeat the nearest edge pixel.",
    formula="Pad the image (as floats) by 1, repeating the edge pixels. Gx[i, j] is the sum of the "
            "3×3 window around (i, j) times SX = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]; Gy the same "
            "with SY = SX.T. The magnitude is √(Gx² + Gy²), with the image's shape and no scaling. "
            "(Correlation or convolution changes only the signs, which the magnitude ignores.)",
    code="```python\nsx = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)\n"
         "padded = np.pad(np.asarray(image, dtype=float), 1, mode=\"edge\")\n"
         "windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3))\n"
         "gx = np.einsum(\"ijkl,kl->ij\", windows, sx)\ngy = np.einsum(\"ijkl,kl->ij\", windows, sx.T)\n"
         "return np.hypot(gx, gy)\n```",
))
@_quietly
def check_sobel_magnitude(sobel_magnitude, seed: int = 0) -> None:
    """sobel_magnitude(image) -> sqrt(Gx² + Gy²) with the plain Sobel kernels, edges repeated."""
    rng = np.random.default_rng(seed)
    for image in _sobel_cases(rng):
        where = signature("sobel_magnitude", image)
        got = call_repeatably(sobel_magnitude, image, name="sobel_magnitude")
        _compare(sobel_magnitude, (image,), got, sobel_oracle(image), where, scale=sobel_scale(image), terms=9,
                 mistakes=_sobel_mistakes(image), image=image)


# ---------------------------------------------------------------------------------------
# kirsch_kernels


def _kirsch_mistakes() -> dict:
    k = kirsch_oracle()
    clockwise = k[[0, 7, 6, 5, 4, 3, 2, 1]]
    return {
        "clockwise order: after north g(1) comes g(2) with the 5s in the top-left corner "
        "(north-west), turning counter-clockwise": clockwise,
        "the list starts one step late: the first kernel must be g(1), north (5s along the top row)":
            np.roll(k, -1, axis=0),
        "the list starts one step early: the first kernel must be g(1), north (5s along the top row)":
            np.roll(k, 1, axis=0),
        "clockwise order, starting one step late": np.roll(clockwise, -1, axis=0),
        "clockwise order, starting one step early": np.roll(clockwise, 1, axis=0),
        "every kernel points the opposite way: the 5s sit on the side the kernel is named after":
            np.roll(k, 4, axis=0),
        "kernels stacked along the last axis: the shape must be (8, 3, 3), kernel index first":
            np.moveaxis(k, 0, -1),
        "each kernel is transposed (rows and columns swapped)": k.transpose(0, 2, 1),
        "np.rot90 turns by 90°; the compass kernels are 45° apart: move the three 5s one cell "
        "round the ring of neighbours for each kernel":
            np.array([np.rot90(KIRSCH_G1, i) for i in range(8)]),
        "the signs are flipped: the three neighbours in the kernel's direction get +5, the other five −3":
            -k,
    }


@graded("kirsch_kernels", hints=Hints(
    idea="All eight kernels are one pattern turned round the centre: three 5s next to each other "
         "on the ring of 8 neighbours, five −3s on the rest, 0 in the middle. g(1) has its 5s on "
         "top (north); each next kernel moves them one cell counter-clockwise (45°).",
    formula="List the 8 ring positions clockwise from the top left: (0,0), (0,1), (0,2), (1,2), "
            "(2,2), (2,1), (2,0), (1,0). Along them g(1) reads 5, 5, 5, −3, −3, −3, −3, −3. Turning "
            "counter-clockwise by one cell shifts that list one place to the left (np.roll(values, "
            "−1)). Stack the 8 kernels in the order N, NW, W, SW, S, SE, E, NE: shape (8, 3, 3).",
    code="```python\nring = [(0, 0), (0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0), (1, 0)]\n"
         "north = np.array([5, 5, 5, -3, -3, -3, -3, -3])\nkernels = np.zeros((8, 3, 3), dtype=int)\n"
         "for step in range(8):\n    for (r, c), value in zip(ring, np.roll(north, -step)):\n"
         "        kernels[step, r, c] = value\nreturn kernels\n```",
))
@_quietly
def check_kirsch_kernels(kirsch_kernels, seed: int = 0) -> None:
    """kirsch_kernels() -> (8, 3, 3) array: g(1) north, then turning 45° counter-clockwise."""
    got = call_repeatably(kirsch_kernels, name="kirsch_kernels")
    where = "kirsch_kernels()"
    expected = kirsch_oracle()
    array = to_array(got, where)
    if array.shape == expected.shape and not np.allclose(array, expected):
        index = next(i for i in range(8) if not np.allclose(array[i], expected[i]))
        message = (f"{where}[{index}] is not right: kernel {index} is g({index + 1}), pointing "
                   f"{KIRSCH_DIRECTIONS[index]} (order N, NW, W, SW, S, SE, E, NE).\n"
                   f"  expected: {show(expected[index])}\n  got:      {show(array[index])}")
        mistake = name_mistake(array, _kirsch_mistakes())
        if mistake:
            message += f"\n  Likely mistake: {mistake}."
        fail(message)
    expect_array(array, expected, where, mistakes=_kirsch_mistakes())


# ---------------------------------------------------------------------------------------
# sharpen_kernel


@graded("sharpen_kernel", hints=Hints(
    idea="Sharpening adds the output of an edge detector back to the image. Because correlation is "
         "linear, 'the image plus amount times its edges' is one kernel: the identity kernel plus "
         "amount times the edge kernel.",
    formula="K = I + amount · L, with the identity I = [[0, 0, 0], [0, 1, 0], [0, 0, 0]] and the "
            "lecture's edge detector L = [[0, −1, 0], [−1, 4, −1], [0, −1, 0]]. amount scales only "
            "L: amount = 0 gives I, amount = 1 gives [[0, −1, 0], [−1, 5, −1], [0, −1, 0]]. Use "
            "floats, so that amount = 0.5 gives −0.5.",
    code="```python\nidentity = np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=float)\n"
         "edges = np.array([[0, -1, 0], [-1, 4, -1], [0, -1, 0]], dtype=float)\n"
         "return identity + amount * edges\n```",
))
@_quietly
def check_sharpen_kernel(sharpen_kernel, seed: int = 0) -> None:
    """sharpen_kernel(amount) -> the 3×3 kernel I + amount × L of the lecture."""
    rng = np.random.default_rng(seed)
    amounts = [1, 0, 0.5, 2, 1.5, 0.25, 1e-3, 100.0] + [round(float(a), 3) for a in rng.uniform(0.1, 3.0, size=2)]
    for amount in amounts:
        where = signature("sharpen_kernel", amount)
        got = call_repeatably(sharpen_kernel, amount, name="sharpen_kernel")
        expect_array(got, IDENTITY_3 + amount * LAPLACIAN, where, scale=IDENTITY_3 + abs(amount) * np.abs(LAPLACIAN),
                     terms=2, mistakes={
            "amount scaled the identity instead of the edge term: K = I + amount × L":
                amount * IDENTITY_3 + LAPLACIAN,
            "the edge term was subtracted: K = I + amount × L, with L = [[0, -1, 0], [-1, 4, -1], [0, -1, 0]]":
                IDENTITY_3 - amount * LAPLACIAN,
            "amount multiplies the whole kernel, identity included: only the edge term is scaled":
                amount * (IDENTITY_3 + LAPLACIAN),
            "the identity term is missing: K = I + amount × L":
                amount * LAPLACIAN,
            "the 8-neighbour Laplacian (8 in the centre) instead of the lecture's 4-neighbour "
            "edge detector [[0, -1, 0], [-1, 4, -1], [0, -1, 0]]":
                IDENTITY_3 + amount * LAPLACIAN_8,
            "the kernel was stored as integers, which cut fractions such as −0.5 down to 0: build "
            "it from floats (np.array(..., dtype=float), or don't call .astype(int))":
                np.trunc(IDENTITY_3 + amount * LAPLACIAN),
        })


# ---------------------------------------------------------------------------------------
# unsharp_mask


def gaussian_radii(sigma: float) -> list[int]:
    """Kernel radii we accept for the blur: scipy's default int(4σ + 0.5) first, then the
    other common rules (ceil(4σ), and the 3σ variants)."""
    radii = [int(4 * sigma + 0.5), math.ceil(4 * sigma), int(3 * sigma + 0.5), math.ceil(3 * sigma)]
    return list(dict.fromkeys(max(r, 1) for r in radii))


def blur_oracle(image, sigma: float, radius: int | None = None, mode: str = "nearest") -> np.ndarray:
    radius = gaussian_radii(sigma)[0] if radius is None else radius
    return ndimage.gaussian_filter(_as_float(image), sigma, mode=mode, radius=radius)


def unsharp_oracle(image, sigma: float, amount: float, radius: int | None = None) -> np.ndarray:
    f = _as_float(image)
    return f + amount * (f - blur_oracle(f, sigma, radius))


def _unsharp_mistakes(image: np.ndarray, sigma: float, amount: float) -> dict:
    f = _as_float(image)
    radius = gaussian_radii(sigma)[0]
    blur = blur_oracle(f, sigma)
    right = unsharp_oracle(f, sigma, amount)
    top = float(np.iinfo(image.dtype).max) if np.issubdtype(image.dtype, np.integer) else 1.0

    def blur_with(kernel):
        return ndimage.correlate(f, kernel, mode="nearest")

    def sigma_not_squared():
        kernel = _gaussian_raw(2 * radius + 1, sigma, denominator=2 * sigma)
        return f + amount * (f - blur_with(kernel / kernel.sum()))

    def unnormalised():
        kernel = _gaussian_raw(2 * radius + 1, sigma)
        return f + amount * (f - blur_with(kernel))

    mistakes = {
        "subtracted the wrong way: the result is image + amount × (image − blur), "
        "not image − amount × blur": lambda: f - amount * blur,
        "the detail was subtracted, which blurs: image + amount × (image − blur), not "
        "image + amount × (blur − image)": lambda: f + amount * (blur - f),
        "only the detail amount × (image − blur) was returned: add it to the image":
            lambda: amount * (f - blur),
        "the blurred image was returned, not the sharpened one": lambda: blur,
        "amount applied to the image instead of the detail: image + amount × (image − blur)":
            lambda: amount * f + (f - blur),
        "zero padding in the blur: this exercise repeats the nearest edge pixel (np.pad(..., mode='edge'))":
            lambda: f + amount * (f - blur_oracle(f, sigma, mode="constant")),
        "mirrored borders in the blur (np.pad mode 'symmetric', scipy mode 'reflect'): this "
        "exercise repeats the nearest edge pixel (np.pad(..., mode='edge'))":
            lambda: f + amount * (f - blur_oracle(f, sigma, mode="reflect")),
        "mirrored borders in the blur (np.pad mode 'reflect', scipy mode 'mirror'): this "
        "exercise repeats the nearest edge pixel (np.pad(..., mode='edge'))":
            lambda: f + amount * (f - blur_oracle(f, sigma, mode="mirror")),
        "wrap-around borders in the blur: this exercise repeats the nearest edge pixel":
            lambda: f + amount * (f - blur_oracle(f, sigma, mode="wrap")),
        "the Gaussian blur kernel was not normalised (its weights must add up to 1)": unnormalised,
        "σ used where σ² belongs in the Gaussian: exp(−r² / (2σ²))": sigma_not_squared,
        "the result was clipped to the image's range; return the unclipped values "
        "(clip only for display)": lambda: np.clip(right, 0, top),
        "the result was clipped to 0…255; return the unclipped values (clip only for display)":
            lambda: np.clip(right, 0, 255),
        "the result was rounded to whole numbers; return floats": lambda: np.round(right),
    }
    for short in dict.fromkeys(max(r, 1) for r in (int(2 * sigma + 0.5), math.ceil(2 * sigma), int(sigma + 0.5))):
        if short not in gaussian_radii(sigma):
            mistakes[f"the Gaussian was cut off too early (radius {short} for σ = {sigma:g}); use "
                     f"r = int(4σ + 0.5) (a radius of 3σ is accepted too)"] = \
                lambda short=short: unsharp_oracle(f, sigma, amount, short)
    return mistakes


def _unsharp_cases(rng: np.random.Generator):
    """(image, sigma, amount): floats first, then uint8, then 12 bits, large values with
    small detail, float32 and a strided view."""
    step = np.where(np.arange(12) < 6, 0.2, 0.8)[np.newaxis, :].repeat(5, axis=0)
    yield step, 1.0, 1.5
    yield rng.random((9, 13)), 1.0, 1.0
    yield rng.random((6, 10)), 0.8, 2.0
    yield rng.random((11, 7)), 1.5, 0.5
    yield rng.random((4, 9)), 1.0, 0.0
    yield rng.integers(0, 256, size=(12, 7), dtype=np.uint8), 1.5, 0.5
    yield rng.integers(0, 256, size=(8, 15), dtype=np.uint8), 2.0, 1.5
    yield rng.integers(0, 4096, size=(9, 8), dtype=np.uint16), 1.0, 2.0
    yield 1e4 + rng.normal(size=(7, 10)), 1.2, 1.0  # the detail is tiny next to the values
    yield rng.random((10, 6)).astype(np.float32), 0.7, 1.0
    yield rng.random((18, 22))[::2, ::-2], 1.0, 1.0  # a strided, reversed view, 9×11


def unsharp_scale(image, sigma: float, amount: float) -> np.ndarray:
    """The sum of |terms| behind each value of image + amount · (image − blur)."""
    f = np.abs(_as_float(image))
    return (1 + abs(amount)) * f + abs(amount) * blur_oracle(f, sigma, max(gaussian_radii(sigma)))


@graded("unsharp_mask", hints=Hints(
    idea="Blur the image, subtract the blur from the image to keep only the fine detail the blur "
         "took away, then add that detail back, scaled by amount. Next to an edge that overshoots "
         "on both sides, which is what makes the edge look sharper.",
    formula="blur = the image correlated with gaussian_kernel(2r + 1, σ), r = int(4σ + 0.5), on the "
            "image padded by r pixels that repeat the edge (np.pad(image, r, mode='edge')), keeping "
            "the image's shape. result = image + amount · (image − blur). Work in floats, and do "
            "not clip or round: values below 0 or above the image's maximum are the overshoot.",
    code="```python\nimage = np.asarray(image, dtype=float)\nr = int(4 * sigma + 0.5)\nsize = 2 * r + 1\n"
         "padded = np.pad(image, r, mode=\"edge\")\n"
         "windows = np.lib.stride_tricks.sliding_window_view(padded, (size, size))\n"
         "blur = np.einsum(\"ijkl,kl->ij\", windows, gaussian_kernel(size, sigma))\n"
         "return image + amount * (image - blur)\n```",
))
@_quietly
def check_unsharp_mask(unsharp_mask, seed: int = 0) -> None:
    """unsharp_mask(image, sigma, amount) -> image + amount × (image − Gaussian blur)."""
    rng = np.random.default_rng(seed)
    for image, sigma, amount in _unsharp_cases(rng):
        where = signature("unsharp_mask", image, sigma, amount)
        got = call_repeatably(unsharp_mask, image, sigma, amount, name="unsharp_mask")
        radius = max(gaussian_radii(sigma))
        tolerance = Tolerance(scale=unsharp_scale(image, sigma, amount), terms=(2 * radius + 1) ** 2 + 3)
        array = np.asarray(got) if isinstance(got, (np.ndarray, list, tuple)) else None
        # Any common truncation radius of the Gaussian is acceptable.
        if array is not None and np.issubdtype(array.dtype, np.number) and any(
                tolerance.matches(array, unsharp_oracle(image, sigma, amount, r)) for r in gaussian_radii(sigma)):
            continue
        _compare(unsharp_mask, (image, sigma, amount), got, unsharp_oracle(image, sigma, amount), where,
                 scale=tolerance.scale, terms=tolerance.terms, mistakes=_unsharp_mistakes(image, sigma, amount),
                 image=image)


# ---------------------------------------------------------------------------------------
# edge_1d


def edge_1d_oracle(pixels, border: str = "nearest", clamp: bool = True) -> np.ndarray:
    p = np.asarray(pixels, dtype=float)
    if border == "nearest":
        padded = np.pad(p, 1, mode="edge")
    elif border == "zero":
        padded = np.pad(p, 1, mode="constant")
    elif border == "wrap":
        padded = np.pad(p, 1, mode="wrap")
    else:
        raise ValueError(border)
    raw = -padded[:-2] + 2 * padded[1:-1] - padded[2:]
    return np.clip(raw, 0, 1) if clamp else raw


def _edge_1d_mistakes(pixels) -> dict:
    p = np.asarray(pixels)
    raw = edge_1d_oracle(p, clamp=False)

    def inner_only():
        out = edge_1d_oracle(p)
        out[[0, -1]] = 0
        return out

    def uint8_wrap():
        padded = np.pad(p.astype(np.uint8), 1, mode="edge")
        with quiet():
            wrapped = (2 * padded[1:-1] - padded[:-2] - padded[2:]).astype(np.uint8)
        return np.clip(wrapped, 0, 1)

    mistakes = {
        "no clamping: clip the result to [0, 1] (np.clip(result, 0, 1))": raw,
        "zero (or wrap-around) borders: outside the array this exercise repeats the nearest "
        "pixel (pixels[0] on the left, pixels[-1] on the right), not 0 and not the pixel at the "
        "other end": lambda: edge_1d_oracle(p, "zero"),
        "zero borders and no clamping: repeat the nearest pixel at the ends and clip to [0, 1]":
            lambda: edge_1d_oracle(p, "zero", clamp=False),
        "the two end pixels were left at 0; compute them too, repeating the nearest pixel":
            inner_only,
        "the absolute value was taken instead of clamping to [0, 1]": lambda: np.clip(np.abs(raw), 0, 1),
        "the kernel's sign is flipped: [-1, 2, -1], not [1, -2, 1]": lambda: np.clip(-raw, 0, 1),
        "the output is shorter than the input ('valid'): pad first, repeating the end pixels":
            lambda: np.clip(raw[1:-1], 0, 1),
    }
    if p.dtype == np.uint8:
        mistakes = {"uint8 wrap-around: 0 − 1 became 255 before clamping; convert first "
                    "(pixels.astype(int))": uint8_wrap, **mistakes}
    return mistakes


@graded("edge_1d", hints=Hints(
    idea="Each pixel is compared with its two neighbours: a white pixel next to a black one is an "
         "edge. The kernel [−1, 2, −1] measures that difference, and clamping keeps only the "
         "answer 'edge (1) or not (0)'. At the two ends the missing neighbour repeats the end pixel.",
    formula="result[x] = clip(−pixels[x − 1] + 2·pixels[x] − pixels[x + 1], 0, 1), with pixels[−1] "
            "taken as pixels[0] and pixels[n] as pixels[n − 1] (np.pad(pixels, 1, mode='edge')). "
            "Convert to int or float first: in uint8, 0 − 1 wraps round to 255, and booleans cannot "
            "be negated.",
    code="```python\np = np.pad(np.asarray(pixels, dtype=int), 1, mode=\"edge\")\n"
         "return np.clip(-p[:-2] + 2 * p[1:-1] - p[2:], 0, 1)\n```",
))
@_quietly
def check_edge_1d(edge_1d, seed: int = 0) -> None:
    """edge_1d(pixels) -> clip(−p[x−1] + 2p[x] − p[x+1], 0, 1), ends repeating the nearest pixel."""
    rng = np.random.default_rng(seed)
    # 1. The lecture's truth table: the middle pixel of each 3-pixel pattern.
    patterns = list(EDGE_TRUTH_TABLE)
    raw = np.array([-int(p[0]) + 2 * int(p[1]) - int(p[2]) for p in patterns], dtype=float)
    expected = np.array([EDGE_TRUTH_TABLE[p] for p in patterns], dtype=float)
    middles = []
    for pattern in patterns:
        pixels = np.array([int(c) for c in pattern])
        where = signature("edge_1d", pixels)
        middles.append(to_1d(call_repeatably(edge_1d, pixels, name="edge_1d"), where, 3)[1])
    middles = np.array(middles)
    if not np.allclose(middles, expected):
        rows = "\n".join(f"    {p}   {int(r):>3}   {int(e):>7}   {m:g}" + ("   ✗" if not np.isclose(m, e) else "")
                         for p, r, e, m in zip(patterns, raw, expected, middles))
        message = ("edge_1d does not reproduce the lecture's truth table (middle pixel of each "
                   "3-pixel pattern):\n    pattern  sum  clamped   yours\n" + rows)
        mistake = name_mistake(middles, {
            "no clamping: clip the result to [0, 1] (np.clip(result, 0, 1))": raw,
            "the absolute value was taken instead of clamping to [0, 1]": np.abs(raw),
            "the absolute value was taken before clamping; clamp the signed sum to [0, 1] instead":
                np.clip(np.abs(raw), 0, 1),
            "the kernel's sign is flipped: [-1, 2, -1], not [1, -2, 1]": np.clip(-raw, 0, 1),
            "clamped to [-1, 1] instead of [0, 1]": np.clip(raw, -1, 1),
        })
        if mistake:
            message += f"\n  Likely mistake: {mistake}."
        fail(message)
    # 2. Whole outputs, ends included, on longer and awkward inputs: lists, uint8 (0 − 1
    # wraps), booleans (a binary image's row), float32 and a strided view.
    cases = [np.array([0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 1]), np.array([1, 1, 0]), np.array([1]),
             np.array([0, 1]), np.array([1, 0, 0, 1]), [1, 0, 1, 1, 0, 0, 0, 1],
             rng.integers(0, 2, size=10), rng.integers(0, 2, size=17).astype(float),
             rng.integers(0, 2, size=12).astype(np.uint8), rng.random(9) < 0.5,
             rng.integers(0, 2, size=8).astype(np.float32), rng.integers(0, 2, size=(4, 15))[1, ::-2],
             [bool(v) for v in rng.integers(0, 2, size=6)]]
    for pixels in cases:
        where = signature("edge_1d", pixels)
        try:
            got = call_repeatably(edge_1d, pixels, name="edge_1d")
        except CheckFailure as failure:
            if np.asarray(pixels).dtype == bool and " raised " in str(failure):
                raise CheckFailure(f"{failure}\n  Likely mistake: arithmetic on booleans (a row of a binary "
                                   f"image): numpy cannot negate them; convert first, e.g. "
                                   f"np.asarray(pixels, dtype=int).") from None
            raise
        _compare(edge_1d, (pixels,), got, edge_1d_oracle(pixels), where, scale=1.0, terms=3,
                 mistakes=_edge_1d_mistakes(pixels))


def to_1d(got, where: str, length: int) -> np.ndarray:
    """The result as a 1-D float array of the given length, or a clear failure."""
    array = to_array(got, where)
    if array.shape != (length,):
        message = f"{where} returned shape {array.shape}; expected shape ({length},), one result per pixel."
        if array.ndim == 1 and array.shape[0] < length:
            message += ("\n  Likely mistake: the output is shorter than the input ('valid'): pad first, "
                        "repeating the end pixels.")
        fail(message)
    return array.astype(float)
