"""Checks of assignment 04 (thresholding and morphology) against right variants (must
pass: loops or vectorised, library or by hand, float32 or float64, any allowed input form)
and typical mistakes (must fail, naming the mistake).

``RIGHT_VARIANTS`` (shared convention 1) lists the right implementations this module
tests, so that tests/test_hidden_seeds.py can run them under the hidden tests' seeds.
"""

from collections import deque

import numpy as np
import pytest
from scipy import ndimage as ndi
from skimage import morphology as skmorph
from skimage.filters import threshold_local, threshold_otsu
from skimage.measure import label, regionprops

from autograder import check
from autograder.checks import morphology as m


def not_written(*args, **kwargs):
    raise NotImplementedError()


def fails_with(check_name, candidate, words, **options):
    with pytest.raises(AssertionError, match=words):
        getattr(check, check_name)(candidate, **options)


@pytest.mark.parametrize("name", ["threshold", "otsu_threshold", "adaptive_threshold", "dilate",
                                  "erode", "opening", "closing", "bounding_boxes"])
def test_not_implemented_says_not_written_yet(name):
    with pytest.raises(AssertionError, match="not written yet"):
        getattr(check, name)(not_written)


# ---------------------------------------------------------------------------------------
# threshold


def threshold_vectorised(image, t):
    return np.asarray(image) > t


def threshold_loops(image, t):
    rows, cols = image.shape
    out = np.zeros((rows, cols), dtype=bool)
    for r in range(rows):
        for c in range(cols):
            out[r, c] = image[r, c] > t
    return out


def threshold_where(image, t):
    return np.where(image > t, True, False)


def threshold_float64(image, t):
    return np.greater(np.asarray(image, dtype=np.float64), t)


THRESHOLD_RIGHT = [threshold_vectorised, threshold_loops, threshold_where, threshold_float64]


@pytest.mark.parametrize("variant", THRESHOLD_RIGHT)
def test_threshold_accepts_right_variants(variant):
    check.threshold(variant)
    check.threshold(variant, seed=7)


def threshold_in_place(image, t):
    image[...] = image > t  # overwrites the caller's image
    return image.astype(bool)


@pytest.mark.parametrize("variant, words", [
    (lambda image, t: image >= t, r"equal to t were made foreground: use `image > t`, not `>=`"),
    (lambda image, t: image <= t, "foreground and background are swapped"),
    (lambda image, t: image < t, "foreground and background are swapped"),
    (lambda image, t: (image > t).astype(np.uint8) * 255, "0 and 255"),
    (lambda image, t: np.where(image > t, image, 0), "kept their grey values"),
    (lambda image, t: float(t), "expected a binary image"),
    (lambda image, t: (image > t).astype(np.uint8), r"holding 0 and 1; the contract promises booleans"),
    (lambda image, t: np.where(image > t, 1.0, 0.0), r"float64 array holding 0 and 1"),
    (lambda image, t: (np.asarray(image) > t).tolist(), "returned a list; return a numpy array of booleans"),
    (lambda image, t: np.asarray(image) / 255 > t, "scaled to 0…1 first"),
    (threshold_in_place, "changed its input array in place"),
])
def test_threshold_rejects_mistakes(variant, words):
    fails_with("threshold", variant, words)


def test_threshold_is_strict_at_equality():
    image = np.array([[99, 100, 101]], dtype=np.uint8)
    assert threshold_vectorised(image, 100).tolist() == [[False, False, True]]


# ---------------------------------------------------------------------------------------
# otsu_threshold


def otsu_histogram(image):
    image = np.asarray(image)
    if np.issubdtype(image.dtype, np.integer):
        low = int(image.min())
        counts = np.bincount((image.astype(np.int64) - low).ravel())
        return counts, low + np.arange(counts.size)
    counts, edges = np.histogram(image, bins=256, range=(image.min(), image.max()))
    return counts, (edges[:-1] + edges[1:]) / 2


def otsu_cumsum(image):
    """Vectorised, integer cumulative counts; a formula different from skimage's."""
    counts, levels = otsu_histogram(image)
    n0 = np.cumsum(counts)[:-1].astype(float)
    n1 = counts.sum() - n0
    s0 = np.cumsum(counts * levels)[:-1]
    s1 = (counts * levels).sum() - s0
    with np.errstate(invalid="ignore", divide="ignore"):
        between = np.nan_to_num(n0 * n1 * (s0 / n0 - s1 / n1) ** 2)
    return levels[np.argmax(between)]


def otsu_loops_within(image):
    """Loops over candidate levels, minimising the within-class variance."""
    counts, levels = otsu_histogram(image)
    best, best_level = np.inf, None
    for k in range(len(counts) - 1):
        c0, c1 = counts[:k + 1], counts[k + 1:]
        if c0.sum() == 0 or c1.sum() == 0:
            continue
        l0, l1 = levels[:k + 1], levels[k + 1:]
        m0, m1 = (c0 * l0).sum() / c0.sum(), (c1 * l1).sum() / c1.sum()
        v0, v1 = (c0 * (l0 - m0) ** 2).sum() / c0.sum(), (c1 * (l1 - m1) ** 2).sum() / c1.sum()
        within = c0.sum() * v0 + c1.sum() * v1
        if within < best:
            best, best_level = within, levels[k]
    return best_level


def otsu_probabilities(image):
    """Normalised histogram, σ_B² = (μ_T ω − μ)² / (ω (1 − ω)) as in Otsu's paper."""
    counts, levels = otsu_histogram(image)
    p = counts / counts.sum()
    omega = np.cumsum(p)[:-1]
    mu = np.cumsum(p * levels)[:-1]
    mu_t = (p * levels).sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        between = np.nan_to_num((mu_t * omega - mu) ** 2 / (omega * (1 - omega)))
    return float(levels[np.argmax(between)])


def otsu_float_upper_edge(image):
    """Floats: the upper edge of the chosen bin (half a bin from skimage, within tolerance)."""
    image = np.asarray(image)
    if np.issubdtype(image.dtype, np.integer):
        return otsu_cumsum(image)
    counts, edges = np.histogram(image, bins=256, range=(image.min(), image.max()))
    return otsu_cumsum(image) + (edges[1] - edges[0]) / 2


def otsu_float32(image):
    """Histogram and variances in float32."""
    image = np.asarray(image)
    counts, levels = otsu_histogram(image)
    counts, levels = counts.astype(np.float32), np.asarray(levels, np.float32)
    n0 = np.cumsum(counts)[:-1]
    n1 = counts.sum() - n0
    s0 = np.cumsum(counts * levels)[:-1]
    s1 = (counts * levels).sum() - s0
    with np.errstate(invalid="ignore", divide="ignore"):
        between = np.nan_to_num(n0 * n1 * (s0 / n0 - s1 / n1) ** 2)
    best = levels[np.argmax(between)]
    return int(best) if np.issubdtype(image.dtype, np.integer) else float(best)


OTSU_RIGHT = [otsu_cumsum, otsu_loops_within, otsu_probabilities, otsu_float_upper_edge, threshold_otsu,
              otsu_float32]


@pytest.mark.parametrize("variant", OTSU_RIGHT)
def test_otsu_accepts_right_variants(variant):
    check.otsu_threshold(variant)
    check.otsu_threshold(variant, seed=11)


def test_otsu_reference_matches_skimage_exactly_on_uint8():
    for seed in range(20):
        image = np.random.default_rng(seed).integers(0, 256, size=(13, 17), dtype=np.uint8)
        assert otsu_cumsum(image) == threshold_otsu(image)


def otsu_between_argmin(image):
    counts, levels = otsu_histogram(image)
    n0 = np.cumsum(counts)[:-1].astype(float)
    n1 = counts.sum() - n0
    s0 = np.cumsum(counts * levels)[:-1]
    s1 = (counts * levels).sum() - s0
    with np.errstate(invalid="ignore", divide="ignore"):
        between = n0 * n1 * (s0 / n0 - s1 / n1) ** 2
    return levels[np.nanargmin(between)]


def otsu_within_argmax(image):
    counts, levels = otsu_histogram(image)
    scores = []
    for k in range(len(counts) - 1):
        c0, c1 = counts[:k + 1], counts[k + 1:]
        l0, l1 = levels[:k + 1], levels[k + 1:]
        if c0.sum() == 0 or c1.sum() == 0:
            scores.append(-np.inf)
            continue
        m0, m1 = (c0 * l0).sum() / c0.sum(), (c1 * l1).sum() / c1.sum()
        scores.append((c0 * (l0 - m0) ** 2).sum() + (c1 * (l1 - m1) ** 2).sum())
    return levels[int(np.argmax(scores))]


def otsu_bin_centres_0_256(image):
    """uint8: np.histogram with 256 bins over 0..256 returns centres 0.5, 1.5, …"""
    image = np.asarray(image)
    if not np.issubdtype(image.dtype, np.integer):
        return otsu_cumsum(image)
    return otsu_cumsum(image) + 0.5


def otsu_first_bright_level(image):
    t = otsu_cumsum(image)
    values = np.unique(image)
    return values[values > t][0]


def otsu_index(image):
    counts, levels = otsu_histogram(image)
    return int(np.flatnonzero(levels == otsu_cumsum(image))[0])


def otsu_fixed_unit_range(image):
    image = np.asarray(image)
    counts, edges = np.histogram(image, bins=256, range=(0, 1) if image.dtype.kind == "f" else (0, 256))
    levels = (edges[:-1] + edges[1:]) / 2 if image.dtype.kind == "f" else np.arange(256)
    keep = np.flatnonzero(counts)
    counts, levels = counts[keep[0]:keep[-1] + 1], levels[keep[0]:keep[-1] + 1]
    n0 = np.cumsum(counts)[:-1].astype(float)
    n1 = counts.sum() - n0
    s0 = np.cumsum(counts * levels)[:-1]
    s1 = (counts * levels).sum() - s0
    with np.errstate(invalid="ignore", divide="ignore"):
        between = np.nan_to_num(n0 * n1 * (s0 / n0 - s1 / n1) ** 2)
    return levels[np.argmax(between)]


def otsu_assumes_8_bit(image):
    """Integer images as if they were uint8: 256 bins over 0…255, whatever the maximum."""
    image = np.asarray(image)
    if not np.issubdtype(image.dtype, np.integer):
        return otsu_cumsum(image)
    counts, _ = np.histogram(image, bins=256, range=(0, 256))
    levels = np.arange(256)
    keep = np.flatnonzero(counts)
    if keep.size < 2:
        return int(image.max())
    counts, levels = counts[keep[0]:keep[-1] + 1], levels[keep[0]:keep[-1] + 1]
    n0 = np.cumsum(counts)[:-1].astype(float)
    n1 = counts.sum() - n0
    s0 = np.cumsum(counts * levels)[:-1]
    s1 = (counts * levels).sum() - s0
    with np.errstate(invalid="ignore", divide="ignore"):
        between = np.nan_to_num(n0 * n1 * (s0 / n0 - s1 / n1) ** 2)
    return int(levels[np.argmax(between)])


@pytest.mark.parametrize("variant, words", [
    (lambda image: np.mean(image), "mean grey level was used"),
    (lambda image: float(np.median(image)), "median grey level was used"),
    (otsu_between_argmin, "between-class variance was minimised"),
    (otsu_within_argmax, "between-class variance"),
    (otsu_bin_centres_0_256, "separates the pixels the same way"),
    (otsu_first_bright_level, "off by one grey level"),
    (otsu_index, "bin index was returned"),
    (otsu_fixed_unit_range, "histogram range was fixed"),
    (lambda image: image > otsu_cumsum(image), "expected the threshold itself"),
    (otsu_assumes_8_bit, "assumed 8-bit grey levels"),
])
def test_otsu_rejects_mistakes(variant, words):
    fails_with("otsu_threshold", variant, words)


# ---------------------------------------------------------------------------------------
# adaptive_threshold


def adaptive_scipy(image, block_size, offset, method):
    if block_size < 1 or block_size % 2 == 0:
        raise ValueError("block_size must be a positive odd number")
    image = np.asarray(image, dtype=float)
    if method == "mean":
        local = ndi.uniform_filter(image, block_size, mode="reflect")
    elif method == "gaussian":
        local = ndi.gaussian_filter(image, (block_size - 1) / 6, mode="reflect")
    else:
        raise ValueError(method)
    return image > local - offset


def adaptive_skimage(image, block_size, offset, method):
    if method not in ("mean", "gaussian") or block_size <= 0:
        raise ValueError(f"bad method {method!r} or block_size {block_size}")
    return image > threshold_local(image, block_size, method, offset=offset)


def adaptive_loops_for_mean(image, block_size, offset, method):
    """The mean by hand: a symmetric pad (= scipy's 'reflect') and a window sum per pixel."""
    if method != "mean":
        return adaptive_scipy(image, block_size, offset, method)
    if block_size % 2 == 0 or block_size < 0:
        raise ValueError("block_size must be odd")
    image = np.asarray(image, dtype=float)
    r = block_size // 2
    padded = np.pad(image, r, mode="symmetric")
    out = np.zeros(image.shape, dtype=bool)
    for i in range(image.shape[0]):
        for j in range(image.shape[1]):
            out[i, j] = image[i, j] > padded[i:i + block_size, j:j + block_size].mean() - offset
    return out


def adaptive_gaussian_cut_at_block(image, block_size, offset, method):
    """Gaussian weights only inside the block (±3σ): a hair from scipy's ±4σ (skimage's),
    which changes a pixel's decision now and then."""
    if method != "gaussian":
        return adaptive_scipy(image, block_size, offset, method)
    if block_size % 2 == 0:
        raise ValueError("block_size must be odd")
    return adaptive_with(truncate=3.0)(image, block_size, offset, method)


def adaptive_float32(image, block_size, offset, method):
    """The filters run in float32 (scipy keeps the input's float type)."""
    if block_size < 1 or block_size % 2 == 0:
        raise ValueError("block_size must be a positive odd number")
    image = np.asarray(image, dtype=np.float32)
    if method == "mean":
        local = ndi.uniform_filter(image, block_size, mode="reflect")
    elif method == "gaussian":
        local = ndi.gaussian_filter(image, (block_size - 1) / 6, mode="reflect")
    else:
        raise ValueError(method)
    return image > local - np.float32(offset)


ADAPTIVE_RIGHT = [adaptive_scipy, adaptive_skimage, adaptive_loops_for_mean, adaptive_float32]


@pytest.mark.parametrize("variant", ADAPTIVE_RIGHT)
def test_adaptive_accepts_right_variants(variant):
    check.adaptive_threshold(variant)
    check.adaptive_threshold(variant, seed=5)


def test_adaptive_names_a_gaussian_cut_at_the_block():
    with pytest.raises(AssertionError, match="cut off at the block's edge"):
        check.adaptive_threshold(adaptive_gaussian_cut_at_block, seed=5)


def adaptive_with(**changes):
    def variant(image, block_size, offset, method):
        if block_size < 1 or block_size % 2 == 0 or method not in ("mean", "gaussian"):
            raise ValueError("bad arguments")
        settings = dict(image=np.asarray(image, dtype=float), offset=offset, method=method,
                        mode="reflect", sigma=(block_size - 1) / 6, truncate=4.0, size=block_size)
        settings.update({k: (v(block_size, method) if callable(v) else v) for k, v in changes.items()})
        values = settings["image"]
        if settings["method"] == "mean":
            local = ndi.uniform_filter(values, settings["size"], mode=settings["mode"])
        else:
            local = ndi.gaussian_filter(values, settings["sigma"], mode=settings["mode"],
                                        truncate=settings["truncate"])
        if changes.get("surface"):
            return local - settings["offset"]
        return np.asarray(image, dtype=float) > local - settings["offset"]
    return variant


def adaptive_uint8_mean(image, block_size, offset, method):
    if block_size < 1 or block_size % 2 == 0 or method not in ("mean", "gaussian"):
        raise ValueError("bad arguments")
    image = np.asarray(image)
    if method == "mean":
        local = ndi.uniform_filter(image, block_size, mode="reflect")  # stays uint8: rounded
    else:
        local = ndi.gaussian_filter(image, (block_size - 1) / 6, mode="reflect")
    return image > local.astype(float) - offset


def adaptive_flipped_offset(image, block_size, offset, method):
    return adaptive_scipy(image, block_size, -offset, method)


def adaptive_no_even_check(image, block_size, offset, method):
    image = np.asarray(image, dtype=float)
    if method == "mean":
        return image > ndi.uniform_filter(image, block_size, mode="reflect") - offset
    if method == "gaussian":
        return image > ndi.gaussian_filter(image, (block_size - 1) / 6, mode="reflect") - offset
    raise ValueError(method)


def adaptive_even_check_only(image, block_size, offset, method):
    if block_size % 2 == 0:  # -3 is odd: it slips through
        raise ValueError("block_size must be odd")
    return adaptive_scipy(image, abs(block_size), offset, method)


def adaptive_default_method(image, block_size, offset, method):
    if block_size < 1 or block_size % 2 == 0:
        raise ValueError("odd")
    return adaptive_scipy(image, block_size, offset, "mean" if method == "mean" else "gaussian")


@pytest.mark.parametrize("variant, words", [
    (adaptive_flipped_offset, "offset was added instead of subtracted"),
    (adaptive_with(method="mean"), "the mean method was used where 'gaussian' was asked for"),
    (adaptive_with(method="gaussian"), "the gaussian method was used where 'mean' was asked for"),
    (adaptive_with(sigma=lambda b, method: b), r"sigma should be \(block_size − 1\) / 6"),
    (adaptive_with(sigma=lambda b, method: b / 6), r"not block_size / 6"),
    (adaptive_with(sigma=lambda b, method: 0.3 * ((b - 1) / 2 - 1) + 0.8), "OpenCV's sigma rule"),
    (adaptive_with(mode="constant"), "zeros were padded"),
    (adaptive_with(mode="nearest"), "edge pixels were repeated"),
    (adaptive_with(mode="mirror"), "mirrored without repeating the edge pixel"),
    (adaptive_with(size=lambda b, method: 2 * b + 1), "used as a radius"),
    (adaptive_with(offset=0), "offset was ignored"),
    (adaptive_with(surface=True), "threshold surface was returned"),
    (adaptive_uint8_mean, "rounded to the image's integer dtype"),
    (lambda image, b, offset, method: ~adaptive_scipy(image, b, offset, method), "swapped"),
    (adaptive_no_even_check, "even block_size deserves a ValueError"),
    (adaptive_even_check_only, r"-3 pixels does not exist"),
    (adaptive_default_method, "raise ValueError for any other method"),
    (lambda image, b, offset, method: adaptive_scipy(image, b, offset, method).astype(np.uint8),
     "holding 0 and 1; the contract promises booleans"),
    (not_written, "not written yet"),
])
def test_adaptive_rejects_mistakes(variant, words):
    fails_with("adaptive_threshold", variant, words)


# ---------------------------------------------------------------------------------------
# dilate, erode, opening, closing


def _odd(footprint):
    footprint = np.asarray(footprint).astype(bool)
    if footprint.shape[0] % 2 == 0 or footprint.shape[1] % 2 == 0:
        raise ValueError("footprint sides must be odd")
    return footprint


def dilate_loops(binary, footprint):
    footprint = _odd(footprint)
    h, w = footprint.shape
    padded = np.pad(np.asarray(binary).astype(bool), ((h // 2, h // 2), (w // 2, w // 2)))
    out = np.zeros(np.shape(binary), dtype=bool)
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.any(padded[r:r + h, c:c + w][footprint])
    return out


def erode_loops(binary, footprint):
    footprint = _odd(footprint)
    h, w = footprint.shape
    padded = np.pad(np.asarray(binary).astype(bool), ((h // 2, h // 2), (w // 2, w // 2)))
    out = np.zeros(np.shape(binary), dtype=bool)
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.all(padded[r:r + h, c:c + w][footprint])
    return out


def _shifts(binary, footprint, combine, start, outside=0):
    footprint = _odd(footprint)
    h, w = footprint.shape
    image = np.asarray(binary) != 0
    padded = np.pad(image, ((h // 2, h // 2), (w // 2, w // 2)), constant_values=outside)
    out = np.full(image.shape, start)
    for i, j in zip(*np.nonzero(footprint)):
        out = combine(out, padded[i:i + image.shape[0], j:j + image.shape[1]])
    return out


def dilate_shifts(binary, footprint):
    return _shifts(binary, footprint, np.logical_or, False)


def erode_shifts(binary, footprint):
    return _shifts(binary, footprint, np.logical_and, True)


def dilate_scipy(binary, footprint):
    return ndi.binary_dilation(binary, _odd(footprint), border_value=0)


def erode_scipy(binary, footprint):
    return ndi.binary_erosion(binary, _odd(footprint), border_value=0)


def dilate_skimage(binary, footprint):
    return skmorph.dilation(np.asarray(binary) != 0, _odd(footprint), mode="constant", cval=0)


def erode_skimage(binary, footprint):
    return skmorph.erosion(np.asarray(binary) != 0, _odd(footprint), mode="constant", cval=0)


def dilate_max_filter(binary, footprint):
    """Dilation as the maximum under the footprint (the lecture's 'image filter' view)."""
    footprint = _odd(footprint)
    return ndi.maximum_filter(np.asarray(binary) != 0, footprint=footprint, mode="constant", cval=0)


DILATE_RIGHT = [dilate_loops, dilate_shifts, dilate_scipy, dilate_skimage, dilate_max_filter]
ERODE_RIGHT = [erode_loops, erode_shifts, erode_scipy, erode_skimage]


@pytest.mark.parametrize("variant", DILATE_RIGHT)
def test_dilate_accepts_right_variants(variant):
    check.dilate(variant)
    check.dilate(variant, seed=3)


@pytest.mark.parametrize("variant", ERODE_RIGHT)
def test_erode_accepts_right_variants(variant):
    check.erode(variant)
    check.erode(variant, seed=3)


def test_oracles_agree_with_scipy_and_skimage_under_the_zero_border():
    rng = np.random.default_rng(0)
    for binary, footprint in m.footprint_cases(rng):
        footprint = np.asarray(footprint).astype(bool)
        assert np.array_equal(m.dilate_oracle(binary, footprint), ndi.binary_dilation(binary, footprint))
        assert np.array_equal(m.erode_oracle(binary, footprint),
                              ndi.binary_erosion(binary, footprint, border_value=0))
        assert np.array_equal(m.erode_oracle(binary, footprint),
                              skmorph.erosion(binary != 0, footprint, mode="constant", cval=0))
        assert np.array_equal(m.opening_oracle(binary, footprint),
                              ndi.binary_opening(binary, footprint, border_value=0))
        assert np.array_equal(m.closing_oracle(binary, footprint),
                              ndi.binary_closing(binary, footprint, border_value=0))


def test_lecture_dilation_example():
    assert np.array_equal(m.dilate_oracle(m.LECTURE_SHAPE, m.CROSS), m.LECTURE_DILATED)


def _with_footprint(operation, replace):
    def variant(binary, footprint):
        _odd(footprint)
        return operation(binary, replace(np.asarray(footprint)))
    return variant


def _corner_origin(combine, start):
    def variant(binary, footprint):
        footprint = _odd(footprint)
        h, w = footprint.shape
        image = np.asarray(binary) != 0
        padded = np.pad(image, ((0, h - 1), (0, w - 1)))
        out = np.full(image.shape, start)
        for i, j in zip(*np.nonzero(footprint)):
            out = combine(out, padded[i:i + image.shape[0], j:j + image.shape[1]])
        return out
    return variant


def dilate_padded_output(binary, footprint):
    footprint = _odd(footprint)
    return ndi.binary_dilation(np.pad(np.asarray(binary) != 0, [(s // 2, s // 2) for s in footprint.shape]),
                               footprint)


def dilate_no_even_check(binary, footprint):
    return ndi.binary_dilation(binary, np.asarray(footprint).astype(bool))


def erode_no_even_check(binary, footprint):
    return ndi.binary_erosion(binary, np.asarray(footprint).astype(bool), border_value=0)


def dilate_only_ones(binary, footprint):
    """Foreground means == 1: right for booleans and 0/1, wrong for a 0/255 mask."""
    return dilate_loops(np.asarray(binary) == 1, footprint)


def dilate_in_place(binary, footprint):
    """Writes the result into the caller's array."""
    result = dilate_loops(binary, footprint)
    binary[...] = result
    return result


SQUARE_ONLY = lambda footprint: np.ones(footprint.shape)  # noqa: E731
ALWAYS_3X3 = lambda footprint: np.ones((3, 3))  # noqa: E731


@pytest.mark.parametrize("variant, words", [
    (erode_loops, "erosion and dilation are swapped"),
    (lambda b, f: _shifts(b, f, np.logical_or, False, outside=1), "outside the image were counted as foreground"),
    (_with_footprint(dilate_loops, ALWAYS_3X3), "a full 3×3 square was used instead of the footprint"),
    (_with_footprint(dilate_loops, SQUARE_ONLY), "square-only code"),
    (_with_footprint(dilate_loops, lambda f: f.T), r"rows and columns were swapped \(footprint.T\)"),
    (_with_footprint(dilate_loops, lambda f: f[:, ::-1]), "mirrored left-right or upside down"),
    (_corner_origin(np.logical_or, False), "origin was put at its top-left corner"),
    (lambda b, f: dilate_loops(b, f).astype(np.uint8) * 255, "0 and 255"),
    (dilate_padded_output, "padded result was returned"),
    (dilate_no_even_check, "raise ValueError for an even side"),
    (dilate_only_ones, "only pixels equal to 1 were taken as foreground"),
    (lambda b, f: dilate_loops(b, f).astype(np.uint8), "holding 0 and 1; the contract promises booleans"),
    (lambda b, f: dilate_loops(b, f).tolist(), "returned a list; return a numpy array of booleans"),
    (dilate_in_place, "changed its input array in place"),
    (not_written, "not written yet"),
])
def test_dilate_rejects_mistakes(variant, words):
    fails_with("dilate", variant, words)


def _indexing_with_the_footprint(reduce):
    """`window[footprint]` without making the footprint boolean: a 0/1 int footprint indexes
    rows 0 and 1 of the window instead of selecting the pixels under its 1s."""
    def variant(binary, footprint):
        footprint = np.asarray(footprint)
        h, w = footprint.shape
        if h % 2 == 0 or w % 2 == 0:
            raise ValueError("odd sides only")
        image = np.asarray(binary) != 0
        padded = np.pad(image, ((h // 2, h // 2), (w // 2, w // 2)))
        out = np.zeros(image.shape, dtype=bool)
        for r in range(image.shape[0]):
            for c in range(image.shape[1]):
                out[r, c] = reduce(padded[r:r + h, c:c + w][footprint])
        return out
    return variant


INDEX_WORDS = r"used as an index, `window\[footprint\]`"


@pytest.mark.parametrize("check_name, variant", [
    ("dilate", _indexing_with_the_footprint(np.any)),
    ("erode", _indexing_with_the_footprint(np.all)),
    ("opening", lambda b, f: _indexing_with_the_footprint(np.any)(_indexing_with_the_footprint(np.all)(b, f), f)),
    ("closing", lambda b, f: _indexing_with_the_footprint(np.all)(_indexing_with_the_footprint(np.any)(b, f), f)),
])
def test_morphology_names_an_integer_footprint_used_as_an_index(check_name, variant):
    with pytest.raises(AssertionError, match=INDEX_WORDS):
        getattr(check, check_name)(variant)


def erode_valid_only(binary, footprint):
    footprint = _odd(footprint)
    h, w = footprint.shape
    image = np.asarray(binary) != 0
    out = np.zeros((image.shape[0] - h + 1, image.shape[1] - w + 1), dtype=bool)
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.all(image[r:r + h, c:c + w][footprint])
    return out


@pytest.mark.parametrize("variant, words", [
    (dilate_loops, "erosion and dilation are swapped"),
    (lambda b, f: _shifts(b, f, np.logical_and, True, outside=1), "erosion keeps pixels at the image edge"),
    (lambda b, f: ndi.binary_erosion(b, _odd(f), border_value=1), "erosion keeps pixels at the image edge"),
    (_with_footprint(erode_loops, ALWAYS_3X3), "a full 3×3 square was used instead of the footprint"),
    (_with_footprint(erode_loops, SQUARE_ONLY), "square-only code"),
    (_with_footprint(erode_loops, lambda f: f.T), r"rows and columns were swapped"),
    (_corner_origin(np.logical_and, True), "origin was put at its top-left corner"),
    (erode_valid_only, "only positions where the footprint fits inside the image"),
    (erode_no_even_check, "raise ValueError for an even side"),
    (lambda b, f: erode_loops(np.asarray(b) == 1, f), "only pixels equal to 1 were taken as foreground"),
    (lambda b, f: erode_shifts(b, f).astype(float), "holding 0 and 1; the contract promises booleans"),
    (not_written, "not written yet"),
])
def test_erode_rejects_mistakes(variant, words):
    fails_with("erode", variant, words)


def opening_mine(binary, footprint):
    return dilate_shifts(erode_shifts(binary, footprint), footprint)


def closing_mine(binary, footprint):
    return erode_loops(dilate_loops(binary, footprint), footprint)


OPENING_RIGHT = [
    opening_mine,
    lambda b, f: ndi.binary_opening(b, _odd(f), border_value=0),
    lambda b, f: dilate_scipy(erode_skimage(b, f), f),
]
CLOSING_RIGHT = [
    closing_mine,
    lambda b, f: ndi.binary_closing(b, _odd(f), border_value=0),
    lambda b, f: erode_skimage(dilate_max_filter(b, f), f),
]


@pytest.mark.parametrize("variant", OPENING_RIGHT)
def test_opening_accepts_right_variants(variant):
    check.opening(variant)
    check.opening(variant, seed=8)


@pytest.mark.parametrize("variant", CLOSING_RIGHT)
def test_closing_accepts_right_variants(variant):
    check.closing(variant)
    check.closing(variant, seed=8)


@pytest.mark.parametrize("variant, words", [
    (closing_mine, "opening and closing are swapped: opening is erosion THEN dilation"),
    (lambda b, f: dilate_loops(ndi.binary_erosion(b, _odd(f), border_value=1), f),
     "outside the image were counted as foreground during the erosion"),
    (erode_loops, "only the erosion was done"),
    (dilate_loops, "only the dilation was done"),
    (_with_footprint(opening_mine, ALWAYS_3X3), "footprint was ignored"),
    (_with_footprint(opening_mine, SQUARE_ONLY), "square-only code"),
    (lambda b, f: opening_mine(np.asarray(b) == 1, f), "only pixels equal to 1 were taken as foreground"),
    (not_written, "not written yet"),
])
def test_opening_rejects_mistakes(variant, words):
    fails_with("opening", variant, words)


@pytest.mark.parametrize("variant, words", [
    (opening_mine, "opening and closing are swapped: closing is dilation THEN erosion"),
    (lambda b, f: ndi.binary_erosion(dilate_loops(b, f), _odd(f), border_value=1),
     "outside the image were counted as foreground during the erosion"),
    (dilate_loops, "only the dilation was done"),
    (erode_loops, "only the erosion was done"),
    (_with_footprint(closing_mine, ALWAYS_3X3), "footprint was ignored"),
    (_with_footprint(closing_mine, SQUARE_ONLY), "square-only code"),
    (lambda b, f: erode_skimage(dilate_scipy(b, f), f).astype(int), "holding 0 and 1; the contract promises booleans"),
    (not_written, "not written yet"),
])
def test_closing_rejects_mistakes(variant, words):
    fails_with("closing", variant, words)


def test_opening_removes_specks_and_closing_fills_gaps():
    bar = np.zeros((7, 12), dtype=bool)
    bar[2:5, 1:11] = True
    specked = bar.copy()
    specked[0, 3] = specked[6, 8] = True
    broken = bar.copy()
    broken[2:5, 6] = False
    square = np.ones((3, 3), dtype=bool)
    assert np.array_equal(m.opening_oracle(specked, square), bar)
    assert np.array_equal(m.closing_oracle(broken, square), bar)


# ---------------------------------------------------------------------------------------
# bounding_boxes


def boxes_skimage(binary):
    regions = regionprops(label(np.asarray(binary) != 0, connectivity=2))
    return sorted(tuple(int(v) for v in region.bbox) for region in regions)


def boxes_scipy(binary):
    labels, _ = ndi.label(np.asarray(binary) != 0, structure=np.ones((3, 3)))
    boxes = [(s[0].start, s[1].start, s[0].stop, s[1].stop) for s in ndi.find_objects(labels)]
    return sorted(boxes)


def boxes_flood_fill(binary):
    """Pure Python: breadth-first flood fill over the 8 neighbours."""
    image = np.asarray(binary) != 0
    rows, cols = image.shape
    seen = np.zeros_like(image)
    boxes = []
    for r in range(rows):
        for c in range(cols):
            if image[r, c] and not seen[r, c]:
                seen[r, c] = True
                queue, box = deque([(r, c)]), [r, c, r + 1, c + 1]
                while queue:
                    y, x = queue.popleft()
                    box = [min(box[0], y), min(box[1], x), max(box[2], y + 1), max(box[3], x + 1)]
                    for dy in (-1, 0, 1):
                        for dx in (-1, 0, 1):
                            ny, nx = y + dy, x + dx
                            if 0 <= ny < rows and 0 <= nx < cols and image[ny, nx] and not seen[ny, nx]:
                                seen[ny, nx] = True
                                queue.append((ny, nx))
                boxes.append(tuple(box))
    return sorted(boxes, key=lambda box: (box[0], box[1]))


def boxes_numpy_ints(binary):
    """Corners as numpy integers (np.int64), straight from np.nonzero."""
    labels = label(np.asarray(binary).astype(bool), connectivity=2)
    boxes = []
    for k in range(1, labels.max() + 1):
        rows, cols = np.nonzero(labels == k)
        boxes.append((rows.min(), cols.min(), rows.max() + 1, cols.max() + 1))
    return sorted(boxes)


BOXES_RIGHT = [boxes_skimage, boxes_scipy, boxes_flood_fill, boxes_numpy_ints]


@pytest.mark.parametrize("variant", BOXES_RIGHT)
def test_bounding_boxes_accepts_right_variants(variant):
    check.bounding_boxes(variant)
    check.bounding_boxes(variant, seed=21)


def _boxes_map(change, connectivity=2, order=sorted, foreground=lambda b: np.asarray(b) != 0):
    def variant(binary):
        regions = regionprops(label(foreground(binary), connectivity=connectivity))
        return order([change(*(int(v) for v in region.bbox)) for region in regions])
    return variant


def boxes_with_background(binary):
    labels = label(np.asarray(binary) != 0, connectivity=2)
    boxes = []
    for value in range(labels.max() + 1):
        rows, cols = np.nonzero(labels == value)
        if rows.size:
            boxes.append((int(rows.min()), int(cols.min()), int(rows.max()) + 1, int(cols.max()) + 1))
    return sorted(boxes)


def boxes_consumes_its_input(binary):
    """Erases each component from the caller's image once it is boxed."""
    boxes = boxes_skimage(binary)
    binary[...] = 0
    return boxes


@pytest.mark.parametrize("variant, words", [
    (_boxes_map(lambda a, b, c, d: (a, b, c - 1, d - 1)), "maxima are inclusive"),
    (_boxes_map(lambda a, b, c, d: (b, a, d, c)), r"\(x, y\) order"),
    (_boxes_map(lambda a, b, c, d: (b, a, d - 1, c - 1)), r"\(x, y\) order and inclusive maxima"),
    (_boxes_map(lambda a, b, c, d: (a, b, c, d), connectivity=1), "4-connectivity was used"),
    (_boxes_map(lambda a, b, c, d: (a, b, c, d), order=list), "not sorted"),
    (_boxes_map(lambda a, b, c, d: (a, b, c, d), order=lambda boxes: sorted(boxes, key=lambda x: (x[1], x[0]))),
     "sorted left to right first"),
    (boxes_with_background, "background was counted as a component"),
    (_boxes_map(lambda a, b, c, d: (a, b, c - a, d - b)), "heights and widths"),
    (_boxes_map(lambda a, b, c, d: (b, a, d - b, c - a)), r"OpenCV's \(x, y, width, height\)"),
    (_boxes_map(lambda a, b, c, d: (a, b, c, d), foreground=lambda b: np.asarray(b) == 1),
     "only pixels equal to 1 were taken as foreground"),
    (_boxes_map(lambda a, b, c, d: (float(a), float(b), float(c), float(d))), "box corners are pixel indices, so ints"),
    (lambda binary: np.array(boxes_skimage(binary), dtype=int).reshape(-1, 4), "promises a list of tuples"),
    (lambda binary: [slice(0, 1)], "each box should be a tuple"),
    (lambda binary: label(binary), "promises a list of tuples"),
    (boxes_consumes_its_input, "changed its input array in place"),
    (not_written, "not written yet"),
])
def test_bounding_boxes_rejects_mistakes(variant, words):
    fails_with("bounding_boxes", variant, words)


def test_order_example_is_not_in_label_order():
    raster = [tuple(int(v) for v in r.bbox) for r in regionprops(label(m.ORDER_EXAMPLE, connectivity=2))]
    assert raster != sorted(raster)


# ---------------------------------------------------------------------------------------
# Properties shared by the checks of this chapter


def test_cases_cover_every_allowed_input_form():
    """Every seed draws 0/255 masks, float32 and uint16 images and non-contiguous views, so
    that ✔ in the notebook means the same at grading."""
    for seed in (0, 1, 4646):
        rng = np.random.default_rng(seed)
        masks = [np.asarray(b) for b, _ in m.footprint_cases(rng)]
        assert any(b.max() == 255 for b in masks) and any(b.dtype == bool for b in masks)
        assert any(not b.flags.c_contiguous for b in masks)
        boxes = [np.asarray(b) for b in m.box_cases(rng)]
        assert any(b.max() == 255 for b in boxes) and any(not b.flags.c_contiguous for b in boxes)
        pages = [np.asarray(image) for image, _, _ in m.adaptive_cases(rng)]
        assert {np.dtype(np.float32), np.dtype(np.uint16), np.dtype(np.uint8)} <= {p.dtype for p in pages}
        images = [np.asarray(image) for image in m.otsu_cases(rng)]
        assert any(i.max() > 255 for i in images) and any(i.dtype == np.float32 for i in images)
        assert any(np.asarray(image).dtype == np.float32 for image, _ in m.threshold_cases(rng))


def test_hints_have_three_tiers():
    from autograder.checks import registry

    for name in ["threshold", "otsu_threshold", "adaptive_threshold", "dilate", "erode", "opening",
                 "closing", "bounding_boxes"]:
        labels = [label for label, _ in registry()[name].hints]
        assert labels == ["Idea", "Formula", "Code (this gives the answer away)"], name


def test_checks_print_nothing_to_stderr(capfd):
    check.adaptive_threshold(adaptive_scipy)
    with pytest.raises(AssertionError):
        check.otsu_threshold(lambda image: np.mean(image))
    check.dilate(dilate_loops)
    assert capfd.readouterr().err == ""


RIGHT_VARIANTS = {
    "threshold": THRESHOLD_RIGHT,
    "otsu_threshold": OTSU_RIGHT,
    "adaptive_threshold": ADAPTIVE_RIGHT,
    "dilate": DILATE_RIGHT,
    "erode": ERODE_RIGHT,
    "opening": OPENING_RIGHT,
    "closing": CLOSING_RIGHT,
    "bounding_boxes": BOXES_RIGHT,
}


def test_a_learner_who_mutates_its_input_cannot_change_the_lecture_data():
    """The check hands out copies: a slip that overwrites its input fails, and the next run
    still sees the lecture's shape."""
    before = m.LECTURE_SHAPE.copy(), m.DIAGONAL_EXAMPLE.copy()
    fails_with("dilate", dilate_in_place, "changed its input array in place")
    fails_with("bounding_boxes", boxes_consumes_its_input, "changed its input array in place")
    assert np.array_equal(m.LECTURE_SHAPE, before[0]) and np.array_equal(m.DIAGONAL_EXAMPLE, before[1])
    check.dilate(dilate_loops)
