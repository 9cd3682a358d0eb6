"""Checks for assignment 04, thresholding and morphology: global, Otsu and adaptive
thresholds, binary dilation, erosion, opening and closing, and the bounding boxes of
connected components.

Conventions the checks hold the learner to (the notebook states each of them):

- ``threshold(image, t)`` is ``image > t``: a pixel equal to ``t`` is background.
- ``otsu_threshold(image)`` returns what ``skimage.filters.threshold_otsu`` returns: the
  last grey level (bin centre) of the dark class, so that ``image > t`` is the bright
  class. Integer images get one bin per grey level from ``image.min()`` to
  ``image.max()`` and must match exactly: the same whole grey level (where a run of empty
  levels makes several whole levels split the pixels identically, or two splits tie
  exactly, floating-point rounding may pick another of them, and that is accepted too;
  a bin centre such as 114.5 is not). Float images get 256 bins over the same range and
  may differ by at most one bin width, ``(max - min) / 256`` (or lie further up a run of
  empty bins that follows skimage's bin: the histogram splits the same way).
- ``adaptive_threshold(image, block_size, offset, method)`` returns the boolean image
  ``image > T`` with ``T = local weighted mean - offset``, as
  ``image > skimage.filters.threshold_local(image, block_size, method, offset=offset)``:
  "mean" is ``scipy.ndimage.uniform_filter(image, block_size)``, "gaussian" is
  ``scipy.ndimage.gaussian_filter(image, (block_size - 1) / 6)``, both with
  ``mode="reflect"`` and in float. Pixels within rounding error of their threshold
  may go either way.
- ``dilate`` / ``erode`` follow the lecture's hit / fit rules with the footprint's
  origin at its centre and pixels outside the image counted as background (0);
  ``opening`` is erosion then dilation, ``closing`` dilation then erosion. The oracle
  is ``scipy.ndimage.binary_*`` with ``border_value=0`` (computed here by padding, so
  that the wrong variants can be computed the same way). Footprints are odd-sized
  and look the same after a half turn, so flipped or not makes no difference.
- ``bounding_boxes(binary)`` finds 8-connected components and returns
  ``(min_row, min_col, max_row, max_col)`` with exclusive maxima, as
  ``skimage.measure.regionprops(...).bbox``, sorted by ``(min_row, min_col)``.

What every exercise's contract promises, and the checks test (see ``_contract``):

- binary results are numpy arrays of **booleans** (the notebook flips them with ``~``,
  which turns 0/1 integers into -1/-2 or 255/254); boxes are a list of tuples of ints;
- binary inputs may be booleans, 0/1 or 0/255 numbers (any nonzero pixel is
  foreground), and any input may be a non-contiguous view; images may be uint8, uint16,
  int, float32 or float64, with any maximum;
- inputs are never modified, and a second call with the same objects gives the same answer;
- float arithmetic may be float32: the adaptive threshold lets pixels within float32
  rounding of their local threshold go either way.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy import ndimage as ndi

from autograder.checks import Hints, graded
from autograder.checks._contract import (EPS32, call_unchanged, expect_error, fortran_order, is_int,
                                         strided_view)
from autograder.feedback import describe, expect_array, fail, name_mistake, quiet, signature, to_array

# ---------------------------------------------------------------------------------------
# The lecture's worked examples

# Seed 004, "dilation as an image filter": a 7×7 shape and its dilation by the cross
# (the "lens" of the slide): the output pixel is the maximum under the cross.
LECTURE_SHAPE = np.array([[0, 0, 0, 0, 0, 0, 0],
                          [0, 0, 1, 0, 0, 0, 0],
                          [0, 1, 1, 1, 0, 0, 0],
                          [0, 0, 1, 1, 0, 0, 0],
                          [0, 0, 0, 1, 0, 0, 0],
                          [0, 0, 0, 1, 0, 0, 0],
                          [0, 0, 0, 0, 0, 0, 0]])
LECTURE_DILATED = np.array([[0, 0, 1, 0, 0, 0, 0],
                            [0, 1, 1, 1, 0, 0, 0],
                            [1, 1, 1, 1, 1, 0, 0],
                            [0, 1, 1, 1, 1, 0, 0],
                            [0, 0, 1, 1, 1, 0, 0],
                            [0, 0, 1, 1, 1, 0, 0],
                            [0, 0, 0, 1, 0, 0, 0]])
CROSS = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=np.uint8)

ADAPTIVE_METHODS = ("mean", "gaussian")
OTSU_FLOAT_BINS = 256


# ---------------------------------------------------------------------------------------
# Shared helpers


def expect_binary(got, expected: np.ndarray, where: str, *, mistakes=None,
                  either: np.ndarray | None = None) -> np.ndarray:
    """Fail unless ``got`` is a boolean numpy array equal to ``expected`` (pixels where
    ``either`` is True may go either way). Wrong values are explained first (with the
    mistakes catalogue); right values in 0/1 numbers are rejected with the reason."""
    if isinstance(got, (bool, np.bool_, numbers.Number)) or got is None:
        fail(f"{where} returned {describe(got)}; expected a binary image: a 2-D numpy array of "
             f"True/False, one value per pixel.")
    if isinstance(got, (list, tuple)):
        fail(f"{where} returned a {type(got).__name__}; return a numpy array of booleans "
             f"(a comparison such as `image > t` already gives one), so that `~`, `&` and `|` work on it.")
    array = to_array(got, where)
    expected = np.asarray(expected, dtype=bool)
    values = array.astype(float)
    if array.shape == expected.shape:
        free = np.zeros(expected.shape, dtype=bool) if either is None else either
        if np.all((values == expected) | free):
            if array.dtype != bool:
                fail(f"{where} returned {describe(array)} holding 0 and 1; the contract promises "
                     f"booleans (True/False). The notebook flips binary images with `~`, which "
                     f"turns 0/1 integers into -1/-2 (or 255/254 for uint8), not into 1/0: "
                     f"return `image > t` as it is, build the result with dtype=bool, or end "
                     f"with `.astype(bool)`.")
            return array
        values = np.where(free, expected, values)  # pixels that may go either way cannot be wrong

        def settle(wrong):
            def settled():
                value = np.asarray(wrong() if callable(wrong) else wrong, dtype=float)
                return np.where(free, expected, value) if value.shape == expected.shape else value
            return settled

        mistakes = {words: settle(wrong) for words, wrong in (mistakes or {}).items()}
    expect_array(values, expected.astype(float), where, atol=0, rtol=0, mistakes=mistakes)
    return array


def foreground(binary) -> np.ndarray:
    """The contract's reading of a binary input: every nonzero pixel is foreground."""
    return np.asarray(binary) != 0


def _only_ones_mistake(binary, oracle, *args) -> dict:
    """With a 0/255 (or 0/1.0-float) mask, code that tests ``== 1`` or ``== True`` sees less foreground."""
    values = np.asarray(binary)
    if values.dtype == bool or np.array_equal(values != 0, values == 1):
        return {}
    return {"only pixels equal to 1 were taken as foreground; in a 0/255 mask the foreground is "
            "255. Any nonzero pixel is foreground: use `binary != 0` or `binary.astype(bool)`":
                lambda: oracle(values == 1, *args).astype(float)}


def _disk(radius: int) -> np.ndarray:
    rows, cols = np.mgrid[-radius:radius + 1, -radius:radius + 1]
    return (rows ** 2 + cols ** 2 <= radius ** 2).astype(np.uint8)


def _float(array) -> np.ndarray:
    return np.asarray(array, dtype=float)


# ---------------------------------------------------------------------------------------
# threshold


def threshold_cases(rng: np.random.Generator):
    """(image, t) with pixels equal to t: uint8, uint16, int, float64 and float32 images
    (some non-contiguous), t int, float, negative, a numpy scalar."""
    yield np.array([[10, 99, 100], [101, 200, 100]], dtype=np.uint8), 100
    image = rng.integers(0, 256, size=(7, 10), dtype=np.uint8)
    yield image, int(image[3, 4])
    image = rng.integers(0, 256, size=(12, 5), dtype=np.uint8)
    yield image, 127.5
    image = rng.integers(-50, 50, size=(6, 9))
    yield image, int(image[0, 0])
    image = np.round(rng.random((9, 8)), 2)
    yield image, float(image[4, 4])
    image = rng.integers(0, 4096, size=(8, 11)).astype(np.uint16)  # 12-bit: the maximum is not 255
    yield strided_view(image), image[5, 2]  # a numpy uint16 scalar
    image = rng.random((10, 7)).astype(np.float32)
    yield fortran_order(image), float(image[6, 1])  # exactly a pixel's value


def _threshold_mistakes(image: np.ndarray, t) -> dict:
    values = _float(image)
    return {
        "pixels equal to t were made foreground: use `image > t`, not `>=` "
        "(a pixel must be strictly brighter than t)": (values >= t).astype(float),
        "foreground and background are swapped: pixels brighter than t are True": (values <= t).astype(float),
        "foreground and background are swapped, and pixels equal to t are on the wrong side: "
        "use `image > t`": (values < t).astype(float),
        "the result holds 0 and 255; return booleans (True/False)":
            (values > t).astype(float) * 255,
        "the bright pixels kept their grey values; return a binary image (True where "
        "image > t)": np.where(values > t, values, 0.0),
        "the image was scaled to 0…1 first (divided by 255), but t is on the image's own scale":
            (values / 255 > t).astype(float),
    }


@graded("threshold", hints=Hints(
    idea="Comparing an array with a number compares every pixel at once and gives a boolean "
         "array of the image's shape. A pixel equal to t is background.",
    formula="binary[r, c] = image[r, c] > t (strictly): True = brighter than t. Use t as given, on "
            "the image's own scale (no rescaling to 0…1 or 0…255).",
    code="return np.asarray(image) > t   # a new boolean array; image is untouched",
))
def check_threshold(threshold, seed: int = 0) -> None:
    """threshold(image, t) -> boolean image, True where image > t."""
    rng = np.random.default_rng(seed)
    for number, (image, t) in enumerate(threshold_cases(rng)):
        where = signature("threshold", image, t)
        got = call_unchanged(threshold, image, t, name="threshold", again=number == 1)
        expect_binary(got, np.asarray(image) > t, where, mistakes=_threshold_mistakes(image, t))


# ---------------------------------------------------------------------------------------
# otsu_threshold


def otsu_histogram(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Counts and bin centres as threshold_otsu builds them: one bin per integer grey level
    from min to max for integer images, 256 equal bins over [min, max] for floats."""
    image = np.asarray(image)
    if np.issubdtype(image.dtype, np.integer):
        low = int(image.min())
        counts = np.bincount((image.astype(np.int64) - low).ravel())
        return counts.astype(float), np.arange(low, low + counts.size)
    counts, edges = np.histogram(image, bins=OTSU_FLOAT_BINS, range=(image.min(), image.max()))
    return counts.astype(float), (edges[:-1] + edges[1:]) / 2


def _between_variance_curve(counts: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """σ_B² for the split after each bin (all but the last), exactly as skimage computes it."""
    weight1 = np.cumsum(counts)
    weight2 = np.cumsum(counts[::-1])[::-1]
    with quiet():
        mean1 = np.cumsum(counts * centres) / weight1
        mean2 = (np.cumsum((counts * centres)[::-1]) / weight2[::-1])[::-1]
    return weight1[:-1] * weight2[1:] * (mean1[:-1] - mean2[1:]) ** 2


def otsu_oracle(image: np.ndarray) -> float:
    """skimage.filters.threshold_otsu."""
    from skimage.filters import threshold_otsu

    with quiet():
        return threshold_otsu(np.asarray(image))


def split_variance(image: np.ndarray, t: float) -> float:
    """Between-class variance w0·w1·(μ0 − μ1)² of the split ``image > t`` (0 if a class is empty)."""
    values = _float(image).ravel()
    bright = values > t
    n = values.size
    n1 = int(bright.sum())
    if n1 in (0, n):
        return 0.0
    return (n1 / n) * (1 - n1 / n) * (values[~bright].mean() - values[bright].mean()) ** 2


def _bimodal(rng, shape, bright_fraction, dark, bright, spread_dark, spread_bright) -> np.ndarray:
    n = int(np.prod(shape))
    is_bright = rng.random(n) < bright_fraction
    values = np.where(is_bright, rng.normal(bright, spread_bright, n), rng.normal(dark, spread_dark, n))
    return values.reshape(shape)


def otsu_cases(rng: np.random.Generator):
    """Skewed two-class images, so that mean, median and Otsu are far apart: uint8 (with
    empty grey levels), uint16 and int images whose maximum is not 255, float64 and float32
    images on 0…1, 0…255 and negative scales, contiguous or not."""
    yield np.array([[20, 10, 20, 20], [40, 50, 60, 30], [120, 50, 30, 120]], dtype=np.uint8)
    yield np.clip(np.round(_bimodal(rng, (37, 53), 0.3, 60, 170, 20, 25)), 0, 255).astype(np.uint8)
    # grey levels from 40 up and only even values: empty bins inside and below the range
    yield (2 * np.clip(np.round(_bimodal(rng, (20, 31), 0.25, 45, 95, 8, 10)), 20, 127)).astype(np.uint8)
    yield np.clip(np.round(_bimodal(rng, (16, 16), 0.65, 30, 200, 15, 30)), 0, 255).astype(np.uint8)
    yield _bimodal(rng, (29, 40), 0.3, 0.2, 0.7, 0.08, 0.1)  # float, roughly 0..1
    yield _bimodal(rng, (18, 27), 0.35, -3.0, 2.0, 0.7, 1.0)  # float, negative values too
    yield _bimodal(rng, (21, 14), 0.4, 20.0, 70.0, 6.0, 9.0)  # float on a 0..255-like scale
    # a 12-bit sensor image (maximum far above 255), as a non-contiguous view
    yield strided_view(np.clip(np.round(_bimodal(rng, (19, 23), 0.3, 900, 2600, 150, 200)), 0, 4095)
                       .astype(np.uint16))
    yield _bimodal(rng, (17, 26), 0.45, 0.25, 0.65, 0.05, 0.08).astype(np.float32)


def _otsu_value_mistakes(image: np.ndarray, expected: float) -> dict:
    counts, centres = otsu_histogram(image)
    curve = _between_variance_curve(counts, centres)
    index = int(np.argmax(curve))
    mistakes = {
        "the mean grey level was used; Otsu's threshold maximises the between-class variance":
            lambda: float(np.mean(image)),
        "the median grey level was used; Otsu's threshold maximises the between-class variance":
            lambda: float(np.median(image)),
        "the bin index was returned, not the grey level of that bin (bin_centres[index])":
            lambda: float(index),
        "the between-class variance was minimised (or the within-class variance maximised); "
        "Otsu maximises the between-class variance, i.e. minimises the within-class variance":
            lambda: float(centres[int(np.argmin(curve))]),
    }
    if not np.issubdtype(image.dtype, np.integer):
        for low, high in [(0.0, 1.0), (0.0, 255.0), (0.0, 256.0)]:
            def fixed(low=low, high=high):
                fixed_counts, edges = np.histogram(image, bins=OTSU_FLOAT_BINS, range=(low, high))
                fixed_centres = (edges[:-1] + edges[1:]) / 2
                keep = np.flatnonzero(fixed_counts)
                fixed_counts = fixed_counts[keep[0]:keep[-1] + 1].astype(float)
                fixed_centres = fixed_centres[keep[0]:keep[-1] + 1]
                return float(fixed_centres[np.argmax(_between_variance_curve(fixed_counts, fixed_centres))])
            mistakes[f"the histogram range was fixed at {low:g}–{high:g}; use image.min() to "
                     f"image.max() (the image's own range)"] = fixed
    return mistakes


def _same_float_bin_split(image: np.ndarray, got: float, expected: float) -> bool:
    """True when ``got`` lies in a bin after ``expected``'s with only empty bins in between:
    the histogram splits the same way (skimage takes the first bin of such a run)."""
    counts, edges = np.histogram(image, bins=OTSU_FLOAT_BINS, range=(image.min(), image.max()))
    if not edges[0] <= got <= edges[-1]:
        return False
    centres = (edges[:-1] + edges[1:]) / 2
    k_expected = int(np.argmin(np.abs(centres - expected)))
    k_got = min(int(np.searchsorted(edges, got, side="right")) - 1, counts.size - 1)
    return k_got > k_expected and counts[k_expected + 1:k_got + 1].sum() == 0


def _check_otsu_value(got, image: np.ndarray, where: str) -> None:
    expected = otsu_oracle(image)
    expected = expected.item() if isinstance(expected, np.generic) else expected  # 114, not np.int64(114)
    if isinstance(got, np.ndarray) and got.ndim == 0:
        got = got.item()
    if isinstance(got, np.ndarray) or isinstance(got, (list, tuple)):
        fail(f"{where} returned {describe(got)}; expected the threshold itself, one number. "
             f"(Apply it afterwards with threshold(image, t).)")
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, numbers.Number):
        fail(f"{where} returned {describe(got)}; expected a number.")
    got = float(got)
    integer_image = np.issubdtype(image.dtype, np.integer)
    values = _float(image)
    if integer_image:
        tolerance = 1e-9
        if abs(got - expected) <= tolerance:
            return
        # Between two occupied grey levels a and b, every whole level a … b − 1 splits the
        # pixels the same way; skimage returns a, but rounding may pick another one of them.
        if float(got).is_integer() and np.array_equal(values > got, values > expected):
            return
        # An exact tie between two splits (rounding decides) is as good an answer.
        best = split_variance(image, expected)
        if got in set(np.unique(image).tolist()) and split_variance(image, got) >= best * (1 - 1e-9):
            return
    else:
        tolerance = (values.max() - values.min()) / OTSU_FLOAT_BINS * (1 + 1e-9)
        if abs(got - expected) <= tolerance or _same_float_bin_split(image, got, expected):
            return
    message = [f"{where} returned {got!r}; expected {expected!r}"
               + (" exactly (integer images: one bin per grey level)." if integer_image else
                  f" within one histogram bin ({tolerance:.4g}).")]
    same_split = np.array_equal(values > got, values > expected)
    levels = np.unique(values)
    above = levels[levels > expected]
    mistake = name_mistake(got, _otsu_value_mistakes(image, expected), atol=tolerance, rtol=0)
    if mistake is None and same_split and integer_image:
        mistake = ("your threshold separates the pixels the same way, but it is not a grey level: "
                   "for integer images use one bin per grey level and return the level itself "
                   f"(here {expected!r}), not a bin centre between two levels")
    elif mistake is None and integer_image and values.max() > 255 and (got <= 255 or got == values.max()):
        mistake = (f"the histogram assumed 8-bit grey levels 0…255, but this image's levels go from "
                   f"{values.min():.0f} to {values.max():.0f}: make one bin per level from image.min() "
                   f"to image.max()")
    elif mistake is None and integer_image and above.size and abs(got - above[0]) <= tolerance:
        mistake = ("off by one grey level: you returned the first level of the bright class; the "
                   "threshold is the last level of the dark class, since `image > t` is the "
                   "bright class")
    if mistake is None:
        best = split_variance(image, expected)
        if split_variance(image, got) < 0.2 * best:
            mistake = ("the split you chose has a small between-class variance; Otsu picks the "
                       "threshold that makes it largest (check argmax versus argmin, the sign of "
                       "your comparison, and that the histogram spans image.min() to image.max())")
    if mistake:
        message.append(f"  Likely mistake: {mistake}.")
    fail("\n".join(message))


@graded("otsu_threshold", hints=Hints(
    idea="Try every possible split of the histogram into a dark and a bright class and keep the "
         "one whose class means are farthest apart, weighted by the class sizes (the largest "
         "between-class variance). Build the histogram first: integer image, one bin per grey "
         "level from image.min() to image.max(); float image, 256 equal bins over that range.",
    formula="For the split after bin k: w0 = pixels in bins 0…k, w1 = the rest, μ0 and μ1 their mean "
            "levels; σ_B² = w0 · w1 · (μ0 − μ1)². np.cumsum of the counts and of counts × levels "
            "gives every w0 and every sum at once. Return levels[argmax], the LAST level of the "
            "dark class (so that image > t is the bright class).",
    code="image = np.asarray(image)\n"
         "if np.issubdtype(image.dtype, np.integer):\n"
         "    low = int(image.min())\n"
         "    counts = np.bincount((image.astype(np.int64) - low).ravel())\n"
         "    levels = low + np.arange(counts.size)\n"
         "else:\n"
         "    counts, edges = np.histogram(image, bins=256, range=(image.min(), image.max()))\n"
         "    levels = (edges[:-1] + edges[1:]) / 2\n"
         "n0 = np.cumsum(counts)[:-1]; n1 = counts.sum() - n0\n"
         "s0 = np.cumsum(counts * levels)[:-1]; s1 = (counts * levels).sum() - s0\n"
         "with np.errstate(divide='ignore', invalid='ignore'):\n"
         "    between = np.nan_to_num(n0 * n1 * (s0 / n0 - s1 / n1) ** 2)\n"
         "return levels[np.argmax(between)]",
))
def check_otsu_threshold(otsu_threshold, seed: int = 0) -> None:
    """otsu_threshold(image) -> the threshold skimage.filters.threshold_otsu returns."""
    rng = np.random.default_rng(seed)
    for number, image in enumerate(otsu_cases(rng)):
        where = signature("otsu_threshold", image)
        got = call_unchanged(otsu_threshold, image, name="otsu_threshold", again=number == 1)
        _check_otsu_value(got, image, where)


# ---------------------------------------------------------------------------------------
# adaptive_threshold


def local_mean(image: np.ndarray, block_size: int, method: str, mode: str = "reflect",
               truncate: float = 4.0, sigma: float | None = None) -> np.ndarray:
    """The weighted local mean of threshold_local, in float."""
    values = _float(image)
    if method == "mean":
        return ndi.uniform_filter(values, block_size, mode=mode)
    if method == "gaussian":
        sigma = (block_size - 1) / 6 if sigma is None else sigma
        return ndi.gaussian_filter(values, sigma, mode=mode, truncate=truncate)
    raise ValueError(f"unknown method {method!r}")


def adaptive_oracle(image, block_size: int, offset: float, method: str) -> np.ndarray:
    """image > skimage.filters.threshold_local(image, block_size, method, offset=offset)."""
    from skimage.filters import threshold_local

    values = _float(image)
    with quiet():
        return values > threshold_local(values, block_size, method, offset=offset)


def uneven_page(rng: np.random.Generator, shape: tuple[int, int], dtype=np.uint8) -> np.ndarray:
    """A synthetic page lit from one corner: dark strokes of 'ink' on a gradient, plus noise."""
    rows, cols = shape
    r, c = np.mgrid[0:rows, 0:cols]
    light = 0.3 + 0.6 * (c / max(cols - 1, 1)) * (0.5 + 0.5 * r / max(rows - 1, 1))
    ink = np.zeros(shape, dtype=bool)
    for _ in range(max(3, rows * cols // 60)):
        r0, c0 = rng.integers(0, rows), rng.integers(0, cols)
        length = int(rng.integers(2, 7))
        if rng.random() < 0.5:
            ink[r0, c0:c0 + length] = True
        else:
            ink[r0:r0 + length, c0] = True
    page = light * np.where(ink, 0.45, 1.0) + rng.normal(0, 0.02, shape)
    if dtype == np.uint8:
        return np.clip(np.round(255 * page), 0, 255).astype(np.uint8)
    return page


def adaptive_cases(rng: np.random.Generator):
    """(image, block_size, offset): uint8, uint16 (a 12-bit page), float64 and float32 pages,
    some non-contiguous; blocks larger than a side; offsets of both signs."""
    yield uneven_page(rng, (33, 47)), 7, 5
    yield uneven_page(rng, (28, 19), dtype=float), 5, 0.03
    yield uneven_page(rng, (20, 64)), 15, -4
    yield uneven_page(rng, (12, 40)), 21, 8  # block taller than the image
    yield uneven_page(rng, (25, 25), dtype=float), 9, -0.02
    yield strided_view(uneven_page(rng, (18, 30), dtype=float).astype(np.float32)), 7, 0.02
    yield fortran_order((uneven_page(rng, (22, 17), dtype=float) * 4095).round().astype(np.uint16)), 11, 60


def _adaptive_mistakes(image, block_size, offset, method) -> dict:
    values = _float(image)
    other = "gaussian" if method == "mean" else "mean"

    def above(surface):
        return (values > surface).astype(float)

    mistakes = {
        "the offset was added instead of subtracted: the local threshold is mean − offset":
            lambda: above(local_mean(image, block_size, method) + offset),
        f"the {other} method was used where {method!r} was asked for":
            lambda: above(local_mean(image, block_size, other) - offset),
        "foreground and background are swapped: True where image > local threshold":
            lambda: (values <= local_mean(image, block_size, method) - offset).astype(float),
        "the threshold surface was returned; return the binary image `image > surface`":
            lambda: local_mean(image, block_size, method) - offset,
        "the offset was ignored": lambda: above(local_mean(image, block_size, method)),
        "block_size was used as a radius; it is the full width of the (odd) window":
            lambda: above(local_mean(image, 2 * block_size + 1, method) - offset),
    }
    if np.issubdtype(np.asarray(image).dtype, np.integer):
        integer = np.asarray(image)
        mistakes["the local mean was rounded to the image's integer dtype; convert the image to "
                 "float before filtering"] = lambda: above(
            ndi.uniform_filter(integer, block_size, mode="reflect").astype(float) - offset
            if method == "mean" else
            ndi.gaussian_filter(integer, (block_size - 1) / 6, mode="reflect").astype(float) - offset)
    if method == "gaussian":
        mistakes["sigma should be (block_size − 1) / 6, so that the block spans ±3σ"] = \
            lambda: above(local_mean(image, block_size, method, sigma=block_size) - offset)
        mistakes["sigma should be (block_size − 1) / 6; block_size / 2 is far too wide"] = \
            lambda: above(local_mean(image, block_size, method, sigma=block_size / 2) - offset)
        mistakes["sigma should be (block_size − 1) / 6, not block_size / 6"] = \
            lambda: above(local_mean(image, block_size, method, sigma=block_size / 6) - offset)
        mistakes["OpenCV's sigma rule, 0.3·((block_size − 1)/2 − 1) + 0.8, was used; this exercise "
                 "follows skimage: sigma = (block_size − 1) / 6"] = \
            lambda: above(local_mean(image, block_size, method,
                                     sigma=0.3 * ((block_size - 1) / 2 - 1) + 0.8) - offset)
    mistakes["the Gaussian weights were cut off at the block's edge (±3σ); use "
             "scipy.ndimage.gaussian_filter with its default truncate=4.0, as skimage does"] = \
        lambda: above(local_mean(image, block_size, method, truncate=3.0) - offset)
    for mode, words in [("constant", "zeros were padded around the image"),
                        ("nearest", "the edge pixels were repeated (mode='nearest')"),
                        ("mirror", "the image was mirrored without repeating the edge pixel "
                                   "(mode='mirror')")]:
        mistakes[f"at the borders {words}; skimage reflects the image (mode='reflect', "
                 f"the edge pixel repeated: d c b a | a b c d)"] = \
            lambda mode=mode: above(local_mean(image, block_size, method, mode=mode) - offset)
    return mistakes


def adaptive_either_way(image: np.ndarray, surface: np.ndarray, block_size: int, offset) -> np.ndarray:
    """Pixels so close to their local threshold that float32 arithmetic may put them on either
    side: the local mean of a block_size² window, computed with running sums along rows and
    columns, can round by about (rows + columns + block_size²) · eps32 · max|image|."""
    values = _float(image)
    rows, cols = values.shape
    band = (rows + cols + block_size ** 2 + 8) * EPS32 * (np.abs(values).max() + abs(float(offset)))
    return np.abs(values - surface) <= band


@graded("adaptive_threshold", hints=Hints(
    idea="Each pixel gets its own threshold: the average of its block_size × block_size "
         "neighbourhood minus `offset`. Compute that whole threshold surface with one filter, "
         "then compare image > surface. Reject a block_size that is even or below 1, and a "
         "method other than 'mean' or 'gaussian'.",
    formula="Work in float. mean: surface = uniform_filter(image, block_size, mode='reflect') − offset. "
            "gaussian: surface = gaussian_filter(image, sigma=(block_size − 1) / 6, mode='reflect') "
            "− offset (the block spans ±3σ). A positive offset lowers the threshold.",
    code="if block_size < 1 or block_size % 2 == 0:\n"
         "    raise ValueError(f'block_size must be a positive odd int, not {block_size}')\n"
         "image = np.asarray(image, dtype=float)\n"
         "if method == 'mean':\n"
         "    local = scipy.ndimage.uniform_filter(image, block_size, mode='reflect')\n"
         "elif method == 'gaussian':\n"
         "    local = scipy.ndimage.gaussian_filter(image, (block_size - 1) / 6, mode='reflect')\n"
         "else:\n"
         "    raise ValueError(f'unknown method {method!r}')\n"
         "return image > local - offset",
))
def check_adaptive_threshold(adaptive_threshold, seed: int = 0) -> None:
    """adaptive_threshold(image, block_size, offset, method) -> image > local mean − offset."""
    rng = np.random.default_rng(seed)
    for number, (image, block_size, offset) in enumerate(adaptive_cases(rng)):
        for method in ADAPTIVE_METHODS:
            where = signature("adaptive_threshold", image, block_size, offset, method)
            got = call_unchanged(adaptive_threshold, image, block_size, offset, method,
                                 name="adaptive_threshold", again=number == 0 and method == "mean")
            surface = local_mean(image, block_size, method) - offset
            expected = adaptive_oracle(image, block_size, offset, method)
            expect_binary(got, expected, where, mistakes=_adaptive_mistakes(image, block_size, offset, method),
                          either=adaptive_either_way(image, surface, block_size, offset))
    page = uneven_page(rng, (10, 12))
    expect_error(adaptive_threshold, ValueError, page, 4, 0, "mean", name="adaptive_threshold",
                 why="The block must have a centre pixel, so an even block_size deserves a ValueError.")
    expect_error(adaptive_threshold, ValueError, page, -3, 0, "mean", name="adaptive_threshold",
                 why="A block of -3 pixels does not exist: raise ValueError for block_size < 1 "
                     "(-3 is odd, so testing for evenness alone lets it through).")
    expect_error(adaptive_threshold, ValueError, page, 5, 0, "median", name="adaptive_threshold",
                 why="Only 'mean' and 'gaussian' are asked for: raise ValueError for any other "
                     "method rather than silently using one of them.")


# ---------------------------------------------------------------------------------------
# dilate, erode, opening, closing


def _windows(binary: np.ndarray, footprint: np.ndarray, outside: bool, origin: str = "centre"):
    """The image shifted under each 1 of the footprint (the pixels the footprint covers)."""
    image = np.asarray(binary).astype(bool)
    footprint = np.asarray(footprint).astype(bool)
    height, width = footprint.shape
    if origin == "centre":
        pad = ((height // 2, height // 2), (width // 2, width // 2))
    else:  # the footprint's top-left corner on the pixel
        pad = ((0, height - 1), (0, width - 1))
    padded = np.pad(image, pad, constant_values=outside)
    rows, cols = image.shape
    for i, j in np.argwhere(footprint):
        yield padded[i:i + rows, j:j + cols]


def dilate_oracle(binary, footprint, outside: bool = False, origin: str = "centre") -> np.ndarray:
    """Hit (or fit): True where the footprint centred on the pixel covers any foreground."""
    result = np.zeros(np.shape(binary), dtype=bool)
    for window in _windows(binary, footprint, outside, origin):
        result |= window
    return result


def erode_oracle(binary, footprint, outside: bool = False, origin: str = "centre") -> np.ndarray:
    """Fit: True where every pixel under the footprint's 1s is foreground."""
    result = np.ones(np.shape(binary), dtype=bool)
    for window in _windows(binary, footprint, outside, origin):
        result &= window
    return result


def _indexed_by_int_footprint(binary, footprint, operation: str) -> np.ndarray:
    """The classic slip ``window[footprint]`` with a 0/1 *integer* footprint: numpy reads the
    0s and 1s as row numbers, so the 'pixels under the footprint' are copies of the window's
    rows 0 and 1. Only defined for integer footprints (a boolean one selects correctly)."""
    footprint = np.asarray(footprint)
    if footprint.dtype == bool:
        raise TypeError("a boolean footprint selects pixels correctly")
    image = np.asarray(binary).astype(bool)
    height, width = footprint.shape
    rows, cols = image.shape

    def apply(picture, reduce):
        padded = np.pad(picture, ((height // 2, height // 2), (width // 2, width // 2)))
        out = np.zeros((rows, cols), dtype=bool)
        for r in range(rows):
            for c in range(cols):
                out[r, c] = reduce(padded[r:r + height, c:c + width][footprint])
        return out

    if operation == "dilate":
        return apply(image, np.any)
    if operation == "erode":
        return apply(image, np.all)
    if operation == "opening":
        return apply(apply(image, np.all), np.any)
    return apply(apply(image, np.any), np.all)


def opening_oracle(binary, footprint, erosion_outside: bool = False) -> np.ndarray:
    return dilate_oracle(erode_oracle(binary, footprint, erosion_outside), footprint)


def closing_oracle(binary, footprint, erosion_outside: bool = False) -> np.ndarray:
    return erode_oracle(dilate_oracle(binary, footprint), footprint, erosion_outside)


MORPHOLOGY_ORACLES = {"dilate": dilate_oracle, "erode": erode_oracle,
                      "opening": opening_oracle, "closing": closing_oracle}


def blobs(rng: np.random.Generator, shape: tuple[int, int], specks: float = 0.03) -> np.ndarray:
    """Rectangles and disks (some touching the border) with a few specks and holes."""
    rows, cols = shape
    image = np.zeros(shape, dtype=bool)
    r, c = np.mgrid[0:rows, 0:cols]
    for _ in range(max(2, rows * cols // 40)):
        r0, c0 = int(rng.integers(0, rows)), int(rng.integers(0, cols))
        if rng.random() < 0.5:
            image[r0:r0 + int(rng.integers(2, 6)), c0:c0 + int(rng.integers(2, 7))] = True
        else:
            image |= (r - r0) ** 2 + (c - c0) ** 2 <= int(rng.integers(1, 4)) ** 2
    flips = rng.random(shape) < specks
    return image ^ flips


def footprint_cases(rng: np.random.Generator):
    """(binary, footprint): the lecture's example, then crosses, disks, rectangles, lines, a
    diagonal, a footprint larger than the image; images as booleans, 0/1 and 0/255 integers
    and 0/1 floats, some as non-contiguous views; footprints as booleans or 0/1 integers."""
    yield LECTURE_SHAPE.copy(), CROSS.copy()  # copies: a learner's slip must not change the lecture's data
    bars = np.zeros((12, 17), dtype=np.uint8)  # a lying and a standing bar: rows ≠ columns
    bars[2:5, 2:15] = 1
    bars[6:12, 3:6] = 1
    bars[8, 10:13] = 1
    yield bars, np.ones((3, 5), dtype=np.uint8)
    yield blobs(rng, (9, 13)), np.ones((3, 3), dtype=bool)
    yield blobs(rng, (12, 8)).astype(np.uint8) * 255, _disk(2)  # a 0/255 mask
    yield blobs(rng, (10, 15)).astype(np.int64), np.ones((3, 5), dtype=np.int64)
    yield strided_view(blobs(rng, (11, 6))), np.ones((5, 1), dtype=np.uint8)
    yield blobs(rng, (7, 16)).astype(np.uint8), np.ones((1, 5), dtype=bool)
    yield fortran_order(blobs(rng, (13, 10)).astype(float)), np.eye(3, dtype=np.uint8)  # 0.0/1.0
    yield blobs(rng, (14, 17), specks=0.0), CROSS.astype(bool)
    yield blobs(rng, (4, 6), specks=0.0), _disk(3)
    yield np.ones((5, 8), dtype=bool), np.ones((3, 3), dtype=np.uint8)
    yield strided_view(blobs(rng, (15, 12)).astype(np.uint8) * 255), fortran_order(_disk(1))


def _morphology_mistakes(operation: str, binary, footprint) -> dict:
    oracle = MORPHOLOGY_ORACLES[operation]
    footprint = np.asarray(footprint)
    result = lambda f: lambda: f().astype(float)  # noqa: E731  (bool → float for name_mistake)
    mistakes = {}
    if operation == "dilate":
        mistakes["erosion and dilation are swapped: dilation keeps a pixel when the footprint "
                 "HITS the object (any covered pixel is 1)"] = result(lambda: erode_oracle(binary, footprint))
        mistakes["pixels outside the image were counted as foreground; they are background (0)"] = \
            result(lambda: dilate_oracle(binary, footprint, outside=True))
    elif operation == "erode":
        mistakes["erosion and dilation are swapped: erosion keeps a pixel only when the "
                 "footprint FITS (every covered pixel is 1)"] = result(lambda: dilate_oracle(binary, footprint))
        mistakes["pixels outside the image were counted as foreground (so erosion keeps pixels "
                 "at the image edge); they are background (0)"] = \
            result(lambda: erode_oracle(binary, footprint, outside=True))
    elif operation == "opening":
        mistakes["opening and closing are swapped: opening is erosion THEN dilation"] = \
            result(lambda: closing_oracle(binary, footprint))
        mistakes["pixels outside the image were counted as foreground during the erosion; "
                 "they are background (0)"] = result(lambda: opening_oracle(binary, footprint, True))
        mistakes["only the erosion was done; opening is erosion then dilation"] = \
            result(lambda: erode_oracle(binary, footprint))
        mistakes["only the dilation was done; opening is erosion then dilation"] = \
            result(lambda: dilate_oracle(binary, footprint))
    else:
        mistakes["opening and closing are swapped: closing is dilation THEN erosion"] = \
            result(lambda: opening_oracle(binary, footprint))
        mistakes["pixels outside the image were counted as foreground during the erosion "
                 "(skimage's binary_closing default); they are background (0)"] = \
            result(lambda: closing_oracle(binary, footprint, True))
        mistakes["only the dilation was done; closing is dilation then erosion"] = \
            result(lambda: dilate_oracle(binary, footprint))
        mistakes["only the erosion was done; closing is dilation then erosion"] = \
            result(lambda: erode_oracle(binary, footprint))
    square = np.ones((3, 3), dtype=bool)
    index_words = ("the footprint holds integers 0/1 and was used as an index, `window[footprint]`: "
                   "numpy then reads the 0s and 1s as row numbers and picks whole rows 0 and 1 of the "
                   "window. Make it boolean first: `footprint = np.asarray(footprint, dtype=bool)`")
    same = False  # on some inputs the indexing slip and a square footprint give the same picture
    if footprint.dtype != bool:
        try:
            same = np.array_equal(_indexed_by_int_footprint(binary, footprint, operation),
                                  oracle(binary, np.ones(footprint.shape, dtype=bool)))
        except Exception:  # footprint values that are not valid row numbers: no such slip
            same = False
    # Where the two slips give the same picture, name both.
    also = ("; or: the footprint holds integers 0/1 and was used as an index, `window[footprint]`, "
            "which picks whole rows 0 and 1 of the window: make it boolean first, "
            "`np.asarray(footprint, dtype=bool)`") if same else ""
    if footprint.shape == (3, 3):  # the two mistakes below give the same answer here
        mistakes["a full 3×3 square was used instead of the footprint: either the footprint was "
                 "ignored, or only its size was used, not its shape (square-only code); only "
                 "pixels under its 1s count" + also] = result(lambda: oracle(binary, square))
    mistakes["the footprint was ignored: a 3×3 square was used whatever footprint was passed" + also] = \
        result(lambda: oracle(binary, square))
    mistakes["only the footprint's size was used, not its shape (square-only code): pixels "
             "under its 0s must not count" + also] = result(lambda: oracle(binary, np.ones(footprint.shape)))
    mistakes["the footprint's rows and columns were swapped (footprint.T)"] = \
        result(lambda: oracle(binary, footprint.T))
    mistakes["the footprint was mirrored left-right or upside down; only a half turn leaves "
             "it unchanged"] = result(lambda: oracle(binary, footprint[::-1]))
    if operation in ("dilate", "erode"):
        mistakes["the footprint's origin was put at its top-left corner; the origin is its "
                 "centre (row h // 2, column w // 2)"] = \
            result(lambda: oracle(binary, footprint, origin="corner"))
    mistakes[index_words] = \
        result(lambda: _indexed_by_int_footprint(binary, footprint, operation))
    mistakes["the result holds 0 and 255; return booleans (True/False)"] = \
        lambda: oracle(binary, footprint).astype(float) * 255
    return mistakes


def _check_morphology(candidate, operation: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    oracle = MORPHOLOGY_ORACLES[operation]
    for number, (binary, footprint) in enumerate(footprint_cases(rng)):
        where = signature(operation, binary, footprint)
        got = call_unchanged(candidate, binary, footprint, name=operation, again=number == 2)
        expected = oracle(binary, footprint)
        shape_problem = isinstance(got, np.ndarray) and got.ndim == 2 and got.shape != expected.shape
        if shape_problem:
            height, width = np.shape(footprint)
            if got.shape == (expected.shape[0] + height - 1, expected.shape[1] + width - 1):
                fail(f"{where} returned shape {got.shape}; expected {expected.shape}, the input's "
                     f"shape.\n  Likely mistake: the padded result was returned; the output has "
                     f"the same shape as the input.")
            if got.shape == (expected.shape[0] - height + 1, expected.shape[1] - width + 1):
                fail(f"{where} returned shape {got.shape}; expected {expected.shape}, the input's "
                     f"shape.\n  Likely mistake: only positions where the footprint fits inside "
                     f"the image were computed ('valid'); pad with background (0) first.")
        mistakes = {**_only_ones_mistake(binary, oracle, footprint),
                    **_morphology_mistakes(operation, binary, footprint)}
        expect_binary(got, expected, where, mistakes=mistakes)


def _even_footprint_raises(candidate, operation: str) -> None:
    image = LECTURE_SHAPE.astype(bool)
    for footprint in (np.ones((2, 2), dtype=bool), np.ones((3, 4), dtype=bool)):
        expect_error(candidate, ValueError, image, footprint, name=operation,
                     why="A footprint's origin is its middle pixel, so both sides must be odd; "
                         "raise ValueError for an even side.")


MORPHOLOGY_HINTS = {
    "dilate": Hints(
        idea="Put the footprint's centre on each pixel in turn and look at the pixels under its 1s: "
             "dilation keeps the pixel when the footprint HITS the object (at least one of them is "
             "foreground). Pixels outside the image are background, any nonzero input pixel is "
             "foreground, and a footprint with an even side has no centre: ValueError.",
        formula="With (h, w) = footprint.shape, pad the boolean image with h // 2 rows and w // 2 "
                "columns of False on each side; the footprint centred on (r, c) covers "
                "padded[r:r + h, c:c + w], and out[r, c] = any(window[footprint]). Faster: OR "
                "together the shifted views padded[i:i + H, j:j + W] for every (i, j) where "
                "footprint[i, j] is 1.",
        code="image = np.asarray(binary) != 0\n"
             "footprint = np.asarray(footprint, dtype=bool)   # 0/1 ints would INDEX rows 0 and 1\n"
             "h, w = footprint.shape\n"
             "if h % 2 == 0 or w % 2 == 0:\n"
             "    raise ValueError(f'footprint sides must be odd, got {footprint.shape}')\n"
             "padded = np.pad(image, ((h // 2, h // 2), (w // 2, w // 2)))\n"
             "H, W = image.shape\n"
             "out = np.zeros((H, W), dtype=bool)\n"
             "for i, j in np.argwhere(footprint):\n"
             "    out |= padded[i:i + H, j:j + W]\n"
             "return out"),
    "erode": Hints(
        idea="Erosion keeps a pixel only when the footprint centred on it FITS: every pixel under "
             "its 1s is foreground. Pixels outside the image are background, so the footprint never "
             "fits where it sticks out. Pixels under the footprint's 0s do not count.",
        formula="Pad the boolean image with False (h // 2 rows, w // 2 columns on each side); "
                "out[r, c] = all(padded[r:r + h, c:c + w][footprint]), with a boolean footprint. "
                "Faster: AND together the shifted views padded[i:i + H, j:j + W] for every 1 of the "
                "footprint, starting from an all-True image. Even side: ValueError.",
        code="image = np.asarray(binary) != 0\n"
             "footprint = np.asarray(footprint, dtype=bool)\n"
             "h, w = footprint.shape\n"
             "if h % 2 == 0 or w % 2 == 0:\n"
             "    raise ValueError(f'footprint sides must be odd, got {footprint.shape}')\n"
             "padded = np.pad(image, ((h // 2, h // 2), (w // 2, w // 2)))   # outside = False\n"
             "H, W = image.shape\n"
             "out = np.ones((H, W), dtype=bool)\n"
             "for i, j in np.argwhere(footprint):\n"
             "    out &= padded[i:i + H, j:j + W]\n"
             "return out"),
    "opening": Hints(
        idea="Opening removes specks: erode first (whatever the footprint does not fit into "
             "vanishes), then dilate (what is left grows back to about its size).",
        formula="opening(A, B) = dilate(erode(A, B), B), with the same footprint both times and your "
                "own functions (they already handle borders, 0/255 masks and even footprints).",
        code="return dilate(erode(binary, footprint), footprint)"),
    "closing": Hints(
        idea="Closing fills gaps and holes: dilate first (the gaps close), then erode (the objects "
             "shrink back; the filled gaps stay filled).",
        formula="closing(A, B) = erode(dilate(A, B), B), with the same footprint both times and your "
                "own functions.",
        code="return erode(dilate(binary, footprint), footprint)"),
}


@graded("dilate", hints=MORPHOLOGY_HINTS["dilate"])
def check_dilate(dilate, seed: int = 0) -> None:
    """dilate(binary, footprint) -> True where the centred footprint hits the object."""
    _check_morphology(dilate, "dilate", seed)
    _even_footprint_raises(dilate, "dilate")


@graded("erode", hints=MORPHOLOGY_HINTS["erode"])
def check_erode(erode, seed: int = 0) -> None:
    """erode(binary, footprint) -> True where the centred footprint fits inside the object."""
    _check_morphology(erode, "erode", seed)
    _even_footprint_raises(erode, "erode")


@graded("opening", hints=MORPHOLOGY_HINTS["opening"])
def check_opening(opening, seed: int = 0) -> None:
    """opening(binary, footprint) -> dilate(erode(binary))."""
    _check_morphology(opening, "opening", seed)


@graded("closing", hints=MORPHOLOGY_HINTS["closing"])
def check_closing(closing, seed: int = 0) -> None:
    """closing(binary, footprint) -> erode(dilate(binary))."""
    _check_morphology(closing, "closing", seed)


# ---------------------------------------------------------------------------------------
# bounding_boxes

# Two components whose label (raster) order differs from reading order: the diagonal
# stroke starts right of the dot but reaches further left.
ORDER_EXAMPLE = np.array([[0, 0, 1, 0, 0, 1],
                          [0, 0, 0, 0, 1, 0],
                          [0, 0, 0, 1, 0, 0],
                          [0, 0, 1, 0, 0, 0],
                          [1, 1, 0, 0, 0, 0]])
DIAGONAL_EXAMPLE = np.array([[1, 0, 0, 0, 1, 1],
                             [0, 1, 0, 0, 0, 0],
                             [0, 0, 0, 1, 0, 1],
                             [1, 1, 0, 0, 1, 0]])


def component_boxes(binary, connectivity: int = 2, sort: bool = True) -> list[tuple[int, int, int, int]]:
    """skimage.measure.label + regionprops bboxes, in reading order (min_row, min_col)."""
    from skimage.measure import label, regionprops

    labels = label(np.asarray(binary) != 0, connectivity=connectivity)
    boxes = [tuple(int(v) for v in region.bbox) for region in regionprops(labels)]
    return sorted(boxes) if sort else boxes


def box_cases(rng: np.random.Generator):
    """Binary images in every form the contract allows: 0/1 ints, booleans, uint8 0/1 and
    0/255 masks, 0.0/1.0 floats, non-contiguous views; empty and full images."""
    yield DIAGONAL_EXAMPLE.copy()
    yield ORDER_EXAMPLE.astype(bool)
    yield (rng.random((15, 22)) < 0.2).astype(np.uint8)
    yield rng.random((9, 31)) < 0.25
    yield blobs(rng, (24, 11)).astype(np.int64)
    yield np.zeros((6, 7), dtype=bool)
    yield np.ones((3, 5), dtype=np.uint8)
    yield strided_view((rng.random((13, 17)) < 0.3).astype(np.uint8) * 255)  # a 0/255 mask
    yield fortran_order(blobs(rng, (10, 14)).astype(float))


def _as_boxes(got, where: str) -> list[tuple]:
    """The learner's boxes as a list of int tuples; anything but a list (or tuple) of
    4-number boxes of ints is rejected with the reason."""
    if isinstance(got, np.ndarray):
        fail(f"{where} returned {describe(got)}; the contract promises a list of tuples "
             f"(min_row, min_col, max_row, max_col). (An array compares element by element, so "
             f"`boxes == []` would not mean 'no boxes'.) Convert: "
             f"`[tuple(int(v) for v in row) for row in array]`.")
    if not isinstance(got, (list, tuple)):
        fail(f"{where} returned {describe(got)}; expected a list of (min_row, min_col, max_row, "
             f"max_col) tuples.")
    boxes = []
    for item in got:
        try:
            values = [v for v in item]
        except TypeError:
            fail(f"{where} returned a list containing {describe(item)}; each box should be a tuple "
                 f"(min_row, min_col, max_row, max_col).")
        if len(values) != 4:
            fail(f"{where} returned a box with {len(values)} numbers ({item!r}); each box has 4: "
                 f"(min_row, min_col, max_row, max_col).")
        if not all(is_int(v) for v in values):
            fail(f"{where} returned the box {item!r}; box corners are pixel indices, so ints "
                 f"(a float such as 3.0 cannot index an array): use int(...).")
        boxes.append(tuple(int(v) for v in values))
    return boxes


def _box_mistakes(binary) -> dict:
    boxes = component_boxes(binary)
    values = np.asarray(binary)
    only_ones = ({} if values.dtype == bool or np.array_equal(values != 0, values == 1) else
                 {"only pixels equal to 1 were taken as foreground; in a 0/255 mask the foreground "
                  "is 255. Any nonzero pixel is foreground: label `binary != 0`": component_boxes(values == 1)})
    background = np.asarray(binary) == 0
    with_background = boxes[:]
    if background.any():
        rows, cols = np.nonzero(background)
        with_background.append((int(rows.min()), int(cols.min()), int(rows.max()) + 1, int(cols.max()) + 1))
    return {
        "the maxima are inclusive; like regionprops' bbox, max_row and max_col are one past the "
        "last pixel (so that image[r0:r1, c0:c1] is the box)": [(a, b, c - 1, d - 1) for a, b, c, d in boxes],
        "(x, y) order: the boxes are (min_row, min_col, max_row, max_col), rows first":
            [(b, a, d, c) for a, b, c, d in boxes],
        "(x, y) order and inclusive maxima: the boxes are (min_row, min_col, max_row, max_col), "
        "rows first, maxima one past the last pixel": [(b, a, d - 1, c - 1) for a, b, c, d in boxes],
        "4-connectivity was used; pixels touching only at a corner belong to the same component "
        "(8-connectivity, skimage.measure.label's default)": component_boxes(binary, connectivity=1),
        "the background was counted as a component (label 0 is the background: skip it)":
            with_background,
        "heights and widths were returned; the last two numbers are max_row and max_col":
            [(a, b, c - a, d - b) for a, b, c, d in boxes],
        "OpenCV's (x, y, width, height) format was returned; use (min_row, min_col, max_row, "
        "max_col)": [(b, a, d - b, c - a) for a, b, c, d in boxes],
        **only_ones,
    }


def _check_boxes(got_boxes: list[tuple], binary, where: str) -> None:
    expected = component_boxes(binary)
    if sorted(got_boxes) == expected:
        keys = [(box[0], box[1]) for box in got_boxes]
        if keys == sorted(keys):
            return
        lines = [f"{where} found the right boxes but not in reading order.",
                 f"  expected: {expected}", f"  got:      {got_boxes}"]
        if got_boxes == sorted(expected, key=lambda box: (box[1], box[0], box[2], box[3])):
            lines.append("  Likely mistake: sorted left to right first; reading order is top to "
                         "bottom first: sort by (min_row, min_col).")
        else:
            lines.append("  Likely mistake: the boxes are not sorted: sort them by (min_row, "
                         "min_col), e.g. `sorted(boxes)`. (The labels' order is not reading order.)")
        fail("\n".join(lines))
    lines = [f"{where} is not right."]
    missing = [box for box in expected if box not in got_boxes]
    extra = [box for box in got_boxes if box not in expected]
    lines.append(f"  expected {len(expected)} boxes, got {len(got_boxes)}")
    if len(expected) <= 12 and len(got_boxes) <= 12:
        lines.append(f"  expected: {expected}")
        lines.append(f"  got:      {got_boxes}")
    else:
        lines.append(f"  e.g. expected but missing: {missing[:3]}; returned but not expected: {extra[:3]}")
    for words, wrong in _box_mistakes(binary).items():
        if sorted(got_boxes) == sorted(wrong):
            lines.append(f"  Likely mistake: {words}.")
            break
    fail("\n".join(lines))


@graded("bounding_boxes", hints=Hints(
    idea="Find the connected blobs of foreground pixels (any nonzero pixel; diagonal neighbours "
         "count: 8-connectivity), then the smallest rectangle around each. Return them in reading "
         "order, top edge first, then left edge.",
    formula="skimage.measure.label(binary != 0, connectivity=2) numbers the blobs 1, 2, 3, … (0 is "
            "the background). For blob k, rows, cols = np.nonzero(labels == k) and the box is "
            "(rows.min(), cols.min(), rows.max() + 1, cols.max() + 1): maxima one past the last "
            "pixel, so binary[r0:r1, c0:c1] is the box. sorted() orders tuples by min_row, then min_col.",
    code="labels = skimage.measure.label(np.asarray(binary) != 0, connectivity=2)\n"
         "boxes = [tuple(int(v) for v in region.bbox) for region in skimage.measure.regionprops(labels)]\n"
         "return sorted(boxes)   # a list of tuples of plain ints",
))
def check_bounding_boxes(bounding_boxes, seed: int = 0) -> None:
    """bounding_boxes(binary) -> sorted list of 8-connected components' (r0, c0, r1, c1)."""
    rng = np.random.default_rng(seed)
    for number, binary in enumerate(box_cases(rng)):
        where = signature("bounding_boxes", binary)
        got = call_unchanged(bounding_boxes, binary, name="bounding_boxes", again=number == 2)
        _check_boxes(_as_boxes(got, where), binary, where)
