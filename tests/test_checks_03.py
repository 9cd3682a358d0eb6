"""Unit tests of the checks of assignment 03 (filters): every correct variant passes,
every typical mistake fails with a message that names it."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view
from scipy import ndimage
from scipy.signal.windows import gaussian as gaussian_window

from autograder import check
from autograder.checks.filters import (EDGE_TRUTH_TABLE, GAUSSIAN_273, KIRSCH_G1, KIRSCH_G2, KIRSCH_G3,
                                       kirsch_oracle)


def not_written(*args, **kwargs):
    raise NotImplementedError()


def fails(check_function, candidate, match, **options):
    with pytest.raises(AssertionError, match=match):
        check_function(candidate, **options)


# ---------------------------------------------------------------------------------------
# box_kernel


def box_vectorised(size):
    return np.ones((size, size)) / size ** 2


def box_loops(size):
    return [[1 / (size * size) for _ in range(size)] for _ in range(size)]


def box_full(size):
    return np.full((size, size), 1.0 / (size * size), dtype=np.float32)


def box_divided_by_its_sum(size):
    ones = np.ones((size, size), dtype=np.float32)
    return ones / ones.sum()


BOX_RIGHT = [box_vectorised, box_loops, box_full, box_divided_by_its_sum]


@pytest.mark.parametrize("candidate", BOX_RIGHT)
def test_box_kernel_accepts_correct_variants(candidate):
    check.box_kernel(candidate)
    check.box_kernel(candidate, seed=7)


@pytest.mark.parametrize("candidate, match", [
    (lambda size: np.ones((size, size)), "not normalised"),
    (lambda size: np.ones((size, size)) / size, "divided by size instead of size²"),
    (lambda size: np.ones(size) / size, "1-D kernel"),
    (lambda size: np.ones((size, size), dtype=int) // size ** 2, "integer division"),
    (not_written, "not written yet"),
    (lambda size: "box", "expected a numpy array"),
    (lambda size: np.ones((size, size)) / (size ** 2 + 1), "is not right"),
])
def test_box_kernel_rejects_mistakes(candidate, match):
    fails(check.box_kernel, candidate, match)


# ---------------------------------------------------------------------------------------
# gaussian_kernel


def gaussian_vectorised(size, sigma):
    if size % 2 == 0:
        raise ValueError("size must be odd")
    k = size // 2
    x = np.arange(-k, k + 1)
    kernel = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2 * sigma ** 2))
    return kernel / kernel.sum()


def gaussian_loops(size, sigma):
    if size % 2 != 1:
        raise ValueError("odd sizes only")
    k = size // 2
    rows = [[math.exp(-((i - k) ** 2 + (j - k) ** 2) / (2 * sigma * sigma)) for j in range(size)]
            for i in range(size)]
    total = sum(sum(row) for row in rows)
    return [[value / total for value in row] for row in rows]


def gaussian_separable(size, sigma):
    if not size % 2:
        raise ValueError("even")
    x = np.linspace(-(size // 2), size // 2, size)
    row = np.exp(-0.5 * (x / sigma) ** 2)
    row /= row.sum()
    return np.outer(row, row).astype(np.float64)


def gaussian_meshgrid(size, sigma):
    if size % 2 == 0:
        raise ValueError("need a centre pixel")
    k = (size - 1) // 2
    yy, xx = np.meshgrid(np.arange(-k, k + 1), np.arange(-k, k + 1), indexing="ij")
    kernel = 1 / (2 * np.pi * sigma ** 2) * np.exp(-(xx ** 2 + yy ** 2) / (2 * sigma ** 2))
    return kernel / np.sum(kernel)


def gaussian_scipy_window(size, sigma):
    if size % 2 == 0:
        raise ValueError("size must be odd")
    row = gaussian_window(size, sigma)
    kernel = np.outer(row, row)
    return kernel / kernel.sum()


def gaussian_opencv(size, sigma):
    if size % 2 == 0:
        raise ValueError("an even size has no centre")
    row = cv2.getGaussianKernel(size, sigma, ktype=cv2.CV_64F)
    return row @ row.T


def gaussian_float32(size, sigma):
    if size % 2 == 0:
        raise ValueError("odd sizes only")
    x = np.arange(-(size // 2), size // 2 + 1, dtype=np.float32)
    kernel = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / np.float32(2 * sigma ** 2))
    return kernel / kernel.sum()


GAUSSIAN_RIGHT = [gaussian_vectorised, gaussian_loops, gaussian_separable, gaussian_meshgrid, gaussian_scipy_window,
                  gaussian_opencv, gaussian_float32]


@pytest.mark.parametrize("candidate", GAUSSIAN_RIGHT)
def test_gaussian_kernel_accepts_correct_variants(candidate):
    check.gaussian_kernel(candidate)
    check.gaussian_kernel(candidate, seed=11)


def test_gaussian_kernel_matches_the_1_over_273_kernel_approximately():
    assert np.abs(gaussian_vectorised(5, 1.0) - GAUSSIAN_273).max() < 0.0125


def _gaussian_variant(denominator=None, centred=True, normalise=True, extra=1.0, points=None, one_d=False,
                      check_even=True):
    def candidate(size, sigma):
        if check_even and size % 2 == 0:
            raise ValueError("odd")
        k = size // 2
        x = np.arange(-k, k + 1) if centred else np.arange(size)
        if points == "short":
            x = np.arange(-k, k)
        denom = 2 * sigma ** 2 if denominator is None else denominator(sigma)
        if one_d:
            kernel = np.exp(-x ** 2 / denom)
        else:
            kernel = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / denom)
        return kernel / kernel.sum() if normalise else kernel * extra
    return candidate


@pytest.mark.parametrize("candidate, match", [
    (_gaussian_variant(normalise=False), "not normalised"),
    (lambda size, sigma: _gaussian_variant(normalise=False)(size, sigma) / (2 * np.pi * sigma ** 2),
     r"1/\(2πσ²\)"),
    (_gaussian_variant(denominator=lambda s: 2 * s), "σ used where σ² belongs"),
    (_gaussian_variant(denominator=lambda s: s ** 2), "factor 2 is missing"),
    (_gaussian_variant(centred=False), "grid is not centred"),
    (_gaussian_variant(points="short"), "size − 1 points"),
    (_gaussian_variant(one_d=True), "1-D Gaussian"),
    (_gaussian_variant(check_even=False), "even size has no centre pixel"),
    (lambda size, sigma: gaussian_opencv(size, 0), "is not right"),  # OpenCV's own σ for the size
    (not_written, "not written yet"),
])
def test_gaussian_kernel_rejects_mistakes(candidate, match):
    fails(check.gaussian_kernel, candidate, match)


def test_sigma_mistake_is_caught_although_sigma_1_hides_it():
    # with σ = 1, σ and σ² coincide: the check must also try other σ
    wrong = _gaussian_variant(denominator=lambda s: 2 * s)
    assert np.allclose(wrong(5, 1.0), gaussian_vectorised(5, 1.0))
    fails(check.gaussian_kernel, wrong, "σ used where σ² belongs")


# ---------------------------------------------------------------------------------------
# median_filter


def median_sliding(image, size):
    if size % 2 == 0:
        raise ValueError("odd size please")
    k = size // 2
    padded = np.pad(np.asarray(image, dtype=float), k, mode="edge")
    return np.median(sliding_window_view(padded, (size, size)), axis=(-2, -1))


def median_loops(image, size):
    if size % 2 == 0:
        raise ValueError("odd size please")
    k = size // 2
    padded = np.pad(image, k, mode="edge")  # keeps the dtype: uint8 stays uint8
    out = np.zeros(image.shape)
    for i in range(image.shape[0]):
        for j in range(image.shape[1]):
            out[i, j] = np.median(padded[i:i + size, j:j + size])
    return out


def median_scipy(image, size):
    if size % 2 == 0:
        raise ValueError("odd size please")
    return ndimage.median_filter(image, size=size, mode="nearest")


def median_clipped_indices(image, size):
    if size % 2 == 0:
        raise ValueError("odd size please")
    image = np.asarray(image)
    k = size // 2
    rows = np.clip(np.arange(image.shape[0])[:, None] + np.arange(-k, k + 1), 0, image.shape[0] - 1)
    cols = np.clip(np.arange(image.shape[1])[:, None] + np.arange(-k, k + 1), 0, image.shape[1] - 1)
    windows = image[rows[:, None, :, None], cols[None, :, None, :]]  # (H, W, size, size)
    return np.median(windows.reshape(*image.shape, -1), axis=-1).tolist()  # a list is fine too


def median_partition_float32(image, size):
    """The middle element by np.partition, on float32 windows."""
    if size % 2 == 0:
        raise ValueError("odd size please")
    k = size // 2
    padded = np.pad(np.asarray(image, dtype=np.float32), k, mode="edge")
    windows = sliding_window_view(padded, (size, size)).reshape(*np.shape(image), size * size)
    middle = size * size // 2
    return np.partition(windows, middle, axis=-1)[..., middle]


MEDIAN_RIGHT = [median_sliding, median_loops, median_scipy, median_clipped_indices, median_partition_float32]


@pytest.mark.parametrize("candidate", MEDIAN_RIGHT)
def test_median_filter_accepts_correct_variants(candidate):
    check.median_filter(candidate)
    check.median_filter(candidate, seed=3)


def _median_with(mode, reducer=np.median, crop=False):
    def candidate(image, size):
        if size % 2 == 0:
            raise ValueError("odd")
        k = size // 2
        image = np.asarray(image, dtype=float)
        padded = np.pad(image, k, mode=mode) if not crop else image
        windows = sliding_window_view(padded, (size, size))
        return reducer(windows, axis=(-2, -1))
    return candidate


def median_shrinking(image, size):
    if size % 2 == 0:
        raise ValueError("odd")
    k = size // 2
    out = np.zeros(image.shape)
    for i in range(image.shape[0]):
        for j in range(image.shape[1]):
            out[i, j] = np.median(image[max(0, i - k):i + k + 1, max(0, j - k):j + k + 1])
    return out


def median_square_only(image, size):
    """Uses the number of rows for both axes: breaks on non-square images."""
    if size % 2 == 0:
        raise ValueError("odd")
    k = size // 2
    n = image.shape[0]
    padded = np.pad(np.asarray(image, dtype=float), k, mode="edge")
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            out[i, j] = np.median(padded[i:i + size, j:j + size])
    return out


@pytest.mark.parametrize("candidate, match", [
    (_median_with("constant"), "zero padding at the borders"),
    (_median_with("edge", reducer=np.mean), "mean of the window instead of the median"),
    (_median_with("constant", reducer=np.mean), "mean of the window .box filter. with zero padding"),
    (median_shrinking, "window shrinks at the borders"),
    (_median_with("reflect"), "mirrored borders"),
    (_median_with("wrap"), "wrap-around borders"),
    (_median_with("edge", crop=True), "smaller than the input"),
    (lambda image, size: _median_with("edge")(image, size).T, "transposed"),
    (median_square_only, "expected shape"),
    (lambda image, size: median_sliding(image, size if size % 2 else 3), "even window has no centre"),
    (lambda image, size: ndimage.median_filter(image, size=size) if size % 2 else 1 / 0, "mirrored borders"),
    (not_written, "not written yet"),
])
def test_median_filter_rejects_mistakes(candidate, match):
    fails(check.median_filter, candidate, match)


def test_median_filter_rejects_in_place_changes():
    def in_place(image, size):
        if size % 2 == 0:
            raise ValueError("odd")
        result = median_sliding(image, size)
        image[...] = 0
        return result
    fails(check.median_filter, in_place, "changed its input array in place")


# ---------------------------------------------------------------------------------------
# sobel_magnitude

SX = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)
SY = SX.T


def _correlate_edge(image, kernel, mode="edge"):
    padded = np.pad(np.asarray(image, dtype=float), 1, mode=mode)
    return np.einsum("ijkl,kl->ij", sliding_window_view(padded, (3, 3)), kernel)


def sobel_vectorised(image):
    return np.hypot(_correlate_edge(image, SX), _correlate_edge(image, SY))


def sobel_loops(image):
    image = np.asarray(image, dtype=float)
    padded = np.pad(image, 1, mode="edge")
    out = np.zeros(image.shape)
    for i in range(image.shape[0]):
        for j in range(image.shape[1]):
            window = padded[i:i + 3, j:j + 3]
            gx = np.sum(window * SX)
            gy = np.sum(window * SY)
            out[i, j] = math.sqrt(gx * gx + gy * gy)
    return out


def sobel_convolution_lecture_kernels(image):
    # the lecture's kernels (+1 0 −1 …), used as a true convolution: only signs change
    from scipy.signal import convolve2d
    padded = np.pad(np.asarray(image, dtype=np.float32), 1, mode="edge")
    hx = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]])
    hy = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]])
    gx = convolve2d(padded, hx, mode="valid")
    gy = convolve2d(padded, hy, mode="valid")
    return (gx * gx + gy * gy) ** 0.5


def sobel_scipy(image):
    image = np.asarray(image, dtype=float)
    return np.hypot(ndimage.sobel(image, 0, mode="nearest"), ndimage.sobel(image, 1, mode="nearest"))


def sobel_opencv(image):
    image = np.asarray(image, dtype=np.float64)
    gx = cv2.Sobel(image, cv2.CV_64F, 1, 0, ksize=3, borderType=cv2.BORDER_REPLICATE)
    gy = cv2.Sobel(image, cv2.CV_64F, 0, 1, ksize=3, borderType=cv2.BORDER_REPLICATE)
    return cv2.magnitude(gx, gy)


def sobel_skimage_rescaled(image):
    """scikit-image divides the kernels by 4 and the magnitude by √2: undo both."""
    from skimage.filters import sobel
    return sobel(np.asarray(image, dtype=float), mode="nearest") * 4 * np.sqrt(2)


SOBEL_RIGHT = [sobel_vectorised, sobel_loops, sobel_convolution_lecture_kernels, sobel_scipy, sobel_opencv,
               sobel_skimage_rescaled]


@pytest.mark.parametrize("candidate", SOBEL_RIGHT)
def test_sobel_magnitude_accepts_correct_variants(candidate):
    check.sobel_magnitude(candidate)
    check.sobel_magnitude(candidate, seed=5)


def sobel_square_only(image):
    """Builds the output from the number of rows alone: breaks on non-square images."""
    n = np.asarray(image).shape[0]
    return sobel_vectorised(image)[:n, :n] if np.asarray(image).shape[1] >= n else np.zeros((n, n))


def sobel_uint8_arithmetic(image):
    image = np.asarray(image)
    padded = np.pad(image, 1, mode="edge")  # no float conversion: uint8 wraps
    gx = (padded[:-2, 2:] + 2 * padded[1:-1, 2:] + padded[2:, 2:]
          - padded[:-2, :-2] - 2 * padded[1:-1, :-2] - padded[2:, :-2])
    gy = (padded[2:, :-2] + 2 * padded[2:, 1:-1] + padded[2:, 2:]
          - padded[:-2, :-2] - 2 * padded[:-2, 1:-1] - padded[:-2, 2:])
    return np.sqrt(gx.astype(float) ** 2 + gy.astype(float) ** 2)


@pytest.mark.parametrize("candidate, match", [
    (lambda image: np.abs(_correlate_edge(image, SX)), "only the horizontal gradient Gx"),
    (lambda image: np.abs(_correlate_edge(image, SY)), "only the vertical gradient Gy"),
    (lambda image: _correlate_edge(image, SX), "only the horizontal gradient Gx"),
    (lambda image: -_correlate_edge(image, SY), "only the vertical gradient Gy"),
    (lambda image: _correlate_edge(image, SX) ** 2 + _correlate_edge(image, SY) ** 2, "without the square root"),
    (lambda image: np.abs(_correlate_edge(image, SX)) + np.abs(_correlate_edge(image, SY)), r"\|Gx\| \+ \|Gy\|"),
    (lambda image: np.hypot(_correlate_edge(image, SX), _correlate_edge(image, SX)), "same kernel used for both"),
    (lambda image: np.hypot(_correlate_edge(image, SX, "constant"), _correlate_edge(image, SY, "constant")),
     "zero padding at the borders"),
    (lambda image: np.hypot(_correlate_edge(image, SX, "wrap"), _correlate_edge(image, SY, "wrap")),
     "wrap-around borders"),
    (lambda image: np.hypot(_correlate_edge(image, SX, "reflect"), _correlate_edge(image, SY, "reflect")),
     "mirrored borders"),
    (lambda image: sobel_vectorised(image) / 8, "divided by 8"),
    (lambda image: sobel_vectorised(image) / 4, "divided by 4"),
    (lambda image: np.hypot(_correlate_edge(image, np.sign(SX)),
                            _correlate_edge(image, np.sign(SY))), "Prewitt"),
    (lambda image: sobel_vectorised(image)[1:-1, 1:-1], "smaller than the input"),
    (lambda image: sobel_vectorised(image).T, "transposed"),
    (sobel_uint8_arithmetic, "uint8 and the float images before it passed"),
    (sobel_square_only, "expected shape"),
    (not_written, "not written yet"),
    (lambda image: None, "expected a numpy array"),
    (lambda image: cv2.magnitude(cv2.Sobel(np.asarray(image, float), cv2.CV_64F, 1, 0),
                                 cv2.Sobel(np.asarray(image, float), cv2.CV_64F, 0, 1)), "mirrored borders"),
    (lambda image: __import__("skimage.filters", fromlist=["sobel"]).sobel(np.asarray(image, float), mode="nearest"),
     "4√2"),
    (lambda image: __import__("skimage.filters", fromlist=["sobel"]).sobel(np.asarray(image, float)), "4√2"),
])
def test_sobel_magnitude_rejects_mistakes(candidate, match):
    fails(check.sobel_magnitude, candidate, match)


# ---------------------------------------------------------------------------------------
# kirsch_kernels

RING = [(0, 0), (0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0), (1, 0)]


def kirsch_roll():
    values = np.array([KIRSCH_G1[r, c] for r, c in RING])
    kernels = []
    for step in range(8):
        kernel = np.zeros((3, 3), dtype=int)
        for (r, c), v in zip(RING, np.roll(values, -step)):
            kernel[r, c] = v
        kernels.append(kernel)
    return np.array(kernels)


def kirsch_literal():
    return [
        [[5, 5, 5], [-3, 0, -3], [-3, -3, -3]],
        [[5, 5, -3], [5, 0, -3], [-3, -3, -3]],
        [[5, -3, -3], [5, 0, -3], [5, -3, -3]],
        [[-3, -3, -3], [5, 0, -3], [5, 5, -3]],
        [[-3, -3, -3], [-3, 0, -3], [5, 5, 5]],
        [[-3, -3, -3], [-3, 0, 5], [-3, 5, 5]],
        [[-3, -3, 5], [-3, 0, 5], [-3, -3, 5]],
        [[-3, 5, 5], [-3, 0, 5], [-3, -3, -3]],
    ]


def kirsch_float_by_rotation():
    # odd steps from g(2) by rot90 (counter-clockwise), even steps from g(1)
    kernels = []
    for step in range(8):
        base = KIRSCH_G1 if step % 2 == 0 else KIRSCH_G2
        kernels.append(np.rot90(base, step // 2).astype(float))
    return np.stack(kernels)


KIRSCH_RIGHT = [kirsch_roll, kirsch_literal, kirsch_float_by_rotation]


@pytest.mark.parametrize("candidate", KIRSCH_RIGHT)
def test_kirsch_kernels_accepts_correct_variants(candidate):
    check.kirsch_kernels(candidate)
    result = np.asarray(candidate())
    assert np.array_equal(result[:3], [KIRSCH_G1, KIRSCH_G2, KIRSCH_G3])


def test_kirsch_oracle_is_the_lecture_sequence():
    k = kirsch_oracle()
    assert k.shape == (8, 3, 3)
    assert np.array_equal(k[:3], [KIRSCH_G1, KIRSCH_G2, KIRSCH_G3])
    assert all(sorted(kernel.ravel().tolist()) == [-3] * 5 + [0] + [5] * 3 for kernel in k)


@pytest.mark.parametrize("candidate, match", [
    (lambda: kirsch_roll()[[0, 7, 6, 5, 4, 3, 2, 1]], "clockwise order: after north"),
    (lambda: np.roll(kirsch_roll(), -1, axis=0), "starts one step late"),
    (lambda: np.roll(kirsch_roll(), 1, axis=0), "starts one step early"),
    (lambda: np.roll(kirsch_roll(), 4, axis=0), "opposite way"),
    (lambda: np.moveaxis(kirsch_roll(), 0, -1), "stacked along the last axis"),
    (lambda: kirsch_roll().transpose(0, 2, 1), "transposed"),
    (lambda: np.array([np.rot90(KIRSCH_G1, i) for i in range(8)]), "np.rot90 turns by 90°"),
    (lambda: -kirsch_roll(), "signs are flipped"),
    (lambda: kirsch_roll()[:4], "expected shape"),
    (not_written, "not written yet"),
])
def test_kirsch_kernels_rejects_mistakes(candidate, match):
    fails(check.kirsch_kernels, candidate, match)


# ---------------------------------------------------------------------------------------
# sharpen_kernel

IDENTITY = np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]])
LAPLACE = np.array([[0, -1, 0], [-1, 4, -1], [0, -1, 0]])


SHARPEN_RIGHT = [
    lambda amount: IDENTITY + amount * LAPLACE,
    lambda amount: [[0, -amount, 0], [-amount, 1 + 4 * amount, -amount], [0, -amount, 0]],
    lambda amount: (np.eye(3)[1][:, None] * np.eye(3)[1][None, :]
                    + amount * (4 * IDENTITY - np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]]))).astype(np.float32),
]


@pytest.mark.parametrize("candidate", SHARPEN_RIGHT)
def test_sharpen_kernel_accepts_correct_variants(candidate):
    check.sharpen_kernel(candidate)
    check.sharpen_kernel(candidate, seed=2)


def test_sharpen_kernel_reproduces_the_lecture_worked_example():
    kernel = IDENTITY + 1 * LAPLACE
    assert np.sum(kernel * np.array([[2, 2, 2], [2, 3, 2], [2, 2, 2]])) == 7
    assert np.sum(kernel * np.array([[2, 2, 2], [2, 1, 2], [2, 2, 2]])) == -3


@pytest.mark.parametrize("candidate, match", [
    (lambda amount: amount * IDENTITY + LAPLACE, "amount scaled the identity instead of the edge term"),
    (lambda amount: IDENTITY - amount * LAPLACE, "edge term was subtracted"),
    (lambda amount: amount * (IDENTITY + LAPLACE), "amount multiplies the whole kernel"),
    (lambda amount: amount * LAPLACE, "identity term is missing"),
    (lambda amount: IDENTITY + amount * np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]), "8-neighbour Laplacian"),
    (lambda amount: IDENTITY + amount * (IDENTITY - np.ones((3, 3)) / 9), "is not right"),
    (lambda amount: (IDENTITY + amount * LAPLACE).astype(int), "stored as integers"),
    (not_written, "not written yet"),
])
def test_sharpen_kernel_rejects_mistakes(candidate, match):
    fails(check.sharpen_kernel, candidate, match)


# ---------------------------------------------------------------------------------------
# unsharp_mask


def _gauss2d(sigma, radius, denominator=None, normalise=True):
    x = np.arange(-radius, radius + 1)
    kernel = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2 * sigma ** 2 if denominator is None else denominator))
    return kernel / kernel.sum() if normalise else kernel


def _blur(image, sigma, radius=None, mode="edge", **kernel_options):
    radius = int(4 * sigma + 0.5) if radius is None else radius
    kernel = _gauss2d(sigma, radius, **kernel_options)
    padded = np.pad(np.asarray(image, dtype=float), radius, mode=mode)
    size = 2 * radius + 1
    return np.einsum("ijkl,kl->ij", sliding_window_view(padded, (size, size)), kernel)


def unsharp_vectorised(image, sigma, amount):
    image = np.asarray(image, dtype=float)
    return image + amount * (image - _blur(image, sigma))


def unsharp_radius_3sigma(image, sigma, amount):
    image = np.asarray(image, dtype=float)
    return image + amount * (image - _blur(image, sigma, radius=math.ceil(3 * sigma)))


def unsharp_scipy(image, sigma, amount):
    image = np.asarray(image, dtype=np.float64)
    return (1 + amount) * image - amount * ndimage.gaussian_filter(image, sigma, mode="nearest")


def unsharp_loops(image, sigma, amount):
    image = np.asarray(image, dtype=float)
    r = int(4 * sigma + 0.5)
    kernel = _gauss2d(sigma, r)
    padded = np.pad(image, r, mode="edge")
    out = np.empty(image.shape)
    for i in range(image.shape[0]):
        for j in range(image.shape[1]):
            blurred = np.sum(padded[i:i + 2 * r + 1, j:j + 2 * r + 1] * kernel)
            out[i, j] = image[i, j] + amount * (image[i, j] - blurred)
    return out


def unsharp_opencv(image, sigma, amount):
    """cv2.GaussianBlur picks the kernel from σ (radius about 4σ for float images); the
    border must repeat the edge pixels."""
    image = np.asarray(image, dtype=np.float64)
    blur = cv2.GaussianBlur(image, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)
    return cv2.addWeighted(image, 1 + amount, blur, -amount, 0)


def unsharp_float32(image, sigma, amount):
    image = np.asarray(image, dtype=np.float32)
    blur = ndimage.gaussian_filter(image, sigma, mode="nearest")
    return image + np.float32(amount) * (image - blur)


UNSHARP_RIGHT = [unsharp_vectorised, unsharp_radius_3sigma, unsharp_scipy, unsharp_loops, unsharp_opencv,
                 unsharp_float32]


@pytest.mark.parametrize("candidate", UNSHARP_RIGHT)
def test_unsharp_mask_accepts_correct_variants(candidate):
    check.unsharp_mask(candidate)
    check.unsharp_mask(candidate, seed=9)


def unsharp_square_only(image, sigma, amount):
    """Loops over range(rows) for both axes: breaks on non-square images."""
    image = np.asarray(image, dtype=float)
    n = image.shape[0]
    r = int(4 * sigma + 0.5)
    kernel = _gauss2d(sigma, r)
    padded = np.pad(image, r, mode="edge")
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(min(n, image.shape[1])):
            out[i, j] = (1 + amount) * image[i, j] - amount * np.sum(padded[i:i + 2 * r + 1, j:j + 2 * r + 1] * kernel)
    return out


def unsharp_uint8(image, sigma, amount):
    blur = _blur(image, sigma)
    if image.dtype == np.uint8:
        detail = image - np.round(blur).astype(np.uint8)  # uint8 − uint8 wraps
    else:
        detail = image - blur
    return image + amount * detail.astype(float)


@pytest.mark.parametrize("candidate, match", [
    (lambda im, s, a: np.asarray(im, float) - a * _blur(im, s), "subtracted the wrong way"),
    (lambda im, s, a: np.asarray(im, float) + a * (_blur(im, s) - np.asarray(im, float)), "detail was subtracted"),
    (lambda im, s, a: a * (np.asarray(im, float) - _blur(im, s)), "only the detail"),
    (lambda im, s, a: _blur(im, s), "blurred image was returned"),
    (lambda im, s, a: a * np.asarray(im, float) + (np.asarray(im, float) - _blur(im, s)),
     "amount applied to the image instead of the detail"),
    (lambda im, s, a: np.asarray(im, float) + a * (np.asarray(im, float) - _blur(im, s, mode="constant")),
     "zero padding in the blur"),
    (lambda im, s, a: np.asarray(im, float) + a * (np.asarray(im, float) - _blur(im, s, normalise=False)),
     "not normalised"),
    (lambda im, s, a: np.asarray(im, float) + a * (np.asarray(im, float) - _blur(im, s, denominator=2 * s)),
     "σ used where σ² belongs"),
    (lambda im, s, a: np.clip(unsharp_vectorised(im, s, a), 0, 255 if np.asarray(im).dtype == np.uint8 else 1),
     "clipped"),
    (lambda im, s, a: np.clip(unsharp_vectorised(im, s, a), 0, 255), "clipped to 0…255"),
    (lambda im, s, a: np.asarray(im, float) + a * (np.asarray(im, float) - _blur(im, s, mode="symmetric")),
     "mirrored borders in the blur"),
    (lambda im, s, a: np.asarray(im, float) + a * (np.asarray(im, float) - _blur(im, s, mode="reflect")),
     "mirrored borders in the blur"),
    (lambda im, s, a: np.asarray(im, float) + a * (np.asarray(im, float) - _blur(im, s, mode="wrap")),
     "wrap-around borders"),
    (lambda im, s, a: np.asarray(im, float) + a * (np.asarray(im, float) - _blur(im, s, radius=int(2 * s + 0.5))),
     "cut off too early"),
    (unsharp_uint8, "uint8 and the float images before it passed"),
    (lambda im, s, a: cv2.addWeighted(np.asarray(im, float), 1 + a, cv2.GaussianBlur(np.asarray(im, float), (0, 0), s),
                                      -a, 0), "mirrored borders in the blur"),
    (unsharp_square_only, "expected shape"),
    (not_written, "not written yet"),
])
def test_unsharp_mask_rejects_mistakes(candidate, match):
    fails(check.unsharp_mask, candidate, match)


# ---------------------------------------------------------------------------------------
# edge_1d


def edge_vectorised(pixels):
    p = np.pad(np.asarray(pixels, dtype=int), 1, mode="edge")
    return np.clip(-p[:-2] + 2 * p[1:-1] - p[2:], 0, 1)


def edge_loops(pixels):
    n = len(pixels)
    out = []
    for x in range(n):
        left = int(pixels[max(x - 1, 0)])
        right = int(pixels[min(x + 1, n - 1)])
        out.append(min(1, max(0, -left + 2 * int(pixels[x]) - right)))
    return out


def edge_convolve(pixels):
    p = np.pad(np.asarray(pixels, dtype=float), 1, mode="edge")
    return np.clip(np.convolve(p, [-1, 2, -1], mode="valid"), 0.0, 1.0)


def edge_generator(pixels):
    """Pure Python, one comprehension; the end pixels clamp their own index."""
    values = [int(v) for v in pixels]
    n = len(values)
    return [min(1, max(0, 2 * values[x] - values[max(x - 1, 0)] - values[min(x + 1, n - 1)])) for x in range(n)]


EDGE_RIGHT = [edge_vectorised, edge_loops, edge_convolve, edge_generator]


@pytest.mark.parametrize("candidate", EDGE_RIGHT)
def test_edge_1d_accepts_correct_variants(candidate):
    check.edge_1d(candidate)
    check.edge_1d(candidate, seed=4)


def test_edge_1d_truth_table_is_the_lecture_table():
    for pattern, clamped in EDGE_TRUTH_TABLE.items():
        assert edge_vectorised([int(c) for c in pattern])[1] == clamped
    assert [EDGE_TRUTH_TABLE[p] for p in ("000", "001", "010", "011", "100", "101", "110", "111")] == \
        [0, 0, 1, 1, 0, 0, 1, 0]


def _edge_with(mode="edge", clamp=True, dtype=int):
    def candidate(pixels):
        p = np.pad(np.asarray(pixels, dtype=dtype), 1, mode=mode)
        raw = -p[:-2] + 2 * p[1:-1] - p[2:]
        return np.clip(raw, 0, 1) if clamp else raw
    return candidate


def edge_inner_only(pixels):
    p = np.asarray(pixels, dtype=int)
    out = np.zeros(len(p), dtype=int)
    for x in range(1, len(p) - 1):
        out[x] = min(1, max(0, -p[x - 1] + 2 * p[x] - p[x + 1]))
    return out


def edge_consumes_its_list(pixels):
    """Pads the caller's list itself: the next cell that uses it sees two extra pixels."""
    if isinstance(pixels, list):
        pixels.insert(0, pixels[0])
        pixels.append(pixels[-1])
        p = np.asarray(pixels, dtype=int)
    else:
        p = np.pad(np.asarray(pixels, dtype=int), 1, mode="edge")
    return np.clip(-p[:-2] + 2 * p[1:-1] - p[2:], 0, 1)


def edge_growing_default(pixels, result=[]):
    result.clear() if len(result) > 64 else None
    result.extend(edge_vectorised(pixels).tolist())
    return result[-len(pixels):] if len(result) == len(pixels) else result


def edge_no_int_conversion(pixels):
    p = np.pad(np.asarray(pixels), 1, mode="edge")
    if p.dtype == np.uint8:
        p = p.astype(int)
    return np.clip(-p[:-2] + 2 * p[1:-1] - p[2:], 0, 1)


def edge_uint8(pixels):
    p = np.pad(np.asarray(pixels), 1, mode="edge")  # uint8 input stays uint8 and wraps
    return np.clip(2 * p[1:-1] - p[:-2] - p[2:], 0, 1)


@pytest.mark.parametrize("candidate, match", [
    (_edge_with(clamp=False), "no clamping"),
    (_edge_with(mode="constant"), r"zero \(or wrap-around\) borders"),
    (_edge_with(mode="constant", clamp=False), "no clamping"),
    (_edge_with(mode="wrap"), "wrap-around"),
    (lambda pixels: np.abs(_edge_with(clamp=False)(pixels)), "absolute value"),
    (lambda pixels: np.clip(_edge_with(clamp=False)(pixels), -1, 1), r"clamped to \[-1, 1\]"),
    (edge_inner_only, "two end pixels were left at 0"),
    (lambda pixels: np.clip(np.abs(_edge_with(clamp=False)(pixels)), 0, 1), "absolute value"),
    (lambda pixels: np.clip(-_edge_with(clamp=False)(pixels), 0, 1), "sign is flipped"),
    (lambda pixels: np.clip(np.convolve(np.asarray(pixels, float), [-1, 2, -1], mode="valid"), 0, 1),
     "shorter than the input"),
    (edge_uint8, "uint8 wrap-around"),
    (edge_consumes_its_list, r"changed its first argument \(a list\) in place"),
    (edge_growing_default, "called a second time"),
    (edge_no_int_conversion, "arithmetic on booleans"),
    (not_written, "not written yet"),
])
def test_edge_1d_rejects_mistakes(candidate, match):
    fails(check.edge_1d, candidate, match)


# ---------------------------------------------------------------------------------------
# Nothing reaches stderr (nbgrader scores a test cell with stderr output as 0)


def gaussian_wrong_for_size_1(size, sigma):
    if size == 1:
        return np.zeros((1, 1))  # every mistake model is tried on a 1×1 kernel
    return gaussian_vectorised(size, sigma)


@pytest.mark.parametrize("check_name, candidate", [
    ("gaussian_kernel", gaussian_wrong_for_size_1),
    ("gaussian_kernel", lambda size, sigma: np.full((size, size), np.nan)),
    ("median_filter", lambda image, size: np.full(np.shape(image), np.inf)),
    ("sobel_magnitude", lambda image: np.log(np.asarray(image, float) - 1e9)),
    ("unsharp_mask", lambda image, sigma, amount: np.asarray(image, float) / 0.0),
    ("edge_1d", lambda pixels: np.sqrt(-np.ones(len(pixels)))),
])
def test_failing_checks_write_nothing_to_stderr(check_name, candidate, capfd):
    with pytest.raises(AssertionError):
        getattr(check, check_name)(candidate)
    captured = capfd.readouterr()
    assert captured.err == ""


# ---------------------------------------------------------------------------------------
# Tolerances, views and repeated calls


def test_float32_sobel_passes_where_large_values_cancel():
    from autograder.checks.filters import _sobel_cases, sobel_oracle
    def sobel_float32(image):
        windows = sliding_window_view(np.pad(np.asarray(image, dtype=np.float32), 1, mode="edge"), (3, 3))
        gx = np.einsum("ijkl,kl->ij", windows, SX.astype(np.float32))
        gy = np.einsum("ijkl,kl->ij", windows, SY.astype(np.float32))
        return np.sqrt(gx * gx + gy * gy)

    image = list(_sobel_cases(np.random.default_rng(0)))[9]
    assert image.min() > 9000
    ours = sobel_float32(image)
    assert ours.dtype == np.float32 and not np.allclose(ours, sobel_oracle(image), atol=1e-5, rtol=1e-6)
    check.sobel_magnitude(sobel_float32)
    check.sobel_magnitude(sobel_float32, seed=1)


def test_a_median_that_assumes_contiguous_memory_is_named():
    from numpy.lib.stride_tricks import as_strided

    def median_strides_from_shape(image, size):
        if size % 2 == 0:
            raise ValueError("odd")
        image = np.asarray(image)
        h, w = image.shape
        k = size // 2
        rows = as_strided(image, shape=(h, w), strides=(w * image.itemsize, image.itemsize))
        return median_sliding(rows, size) if k else rows.astype(float)

    fails(check.median_filter, median_strides_from_shape, "laid out row by row")


def test_hints_come_in_three_tiers():
    for name in ("box_kernel", "gaussian_kernel", "median_filter", "sobel_magnitude", "kirsch_kernels",
                 "sharpen_kernel", "unsharp_mask", "edge_1d"):
        hints = getattr(check, name).hints
        assert [label for label, _ in hints] == ["Idea", "Formula", "Code (this gives the answer away)"], name
        assert "```python" in hints[2][1] and "```" not in hints[0][1] + hints[1][1], name


RIGHT_VARIANTS = {
    "box_kernel": BOX_RIGHT,
    "gaussian_kernel": GAUSSIAN_RIGHT,
    "median_filter": MEDIAN_RIGHT,
    "sobel_magnitude": SOBEL_RIGHT,
    "kirsch_kernels": KIRSCH_RIGHT,
    "sharpen_kernel": SHARPEN_RIGHT,
    "unsharp_mask": UNSHARP_RIGHT,
    "edge_1d": EDGE_RIGHT,
}
