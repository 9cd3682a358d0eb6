"""Unit tests of the checks of assignment 02 (convolution versus correlation): every
correct variant passes, every typical wrong variant fails with a message naming it."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view
from scipy import ndimage, signal

from autograder import check
from autograder.checks.convolution import (HORIZONTAL_EDGE_KERNEL, LECTURE_BINARY, LECTURE_F, LECTURE_G,
                                           LECTURE_X_KERNEL, LECTURE_X_RESULT, SEED003_IMAGE, SEED003_KERNEL,
                                           SEED003_RESULT, STEP_HORIZONTAL, STEP_VERTICAL,
                                           VERTICAL_EDGE_KERNEL, convolve_oracle, correlate_oracle)

# ---------------------------------------------------------------------------------------
# Correct implementations


def correlate_loops(image, kernel):
    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


def correlate_windows(image, kernel):
    kernel = np.asarray(kernel)
    return np.einsum("ijkl,kl->ij", sliding_window_view(np.asarray(image, dtype=float), kernel.shape), kernel)


def correlate_shifts(image, kernel):
    """Loop over the kernel's cells instead of the output's pixels."""
    image = np.asarray(image, dtype=float)
    kh, kw = kernel.shape
    rows, cols = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.zeros((rows, cols))
    for u in range(kh):
        for v in range(kw):
            out += kernel[u, v] * image[u:u + rows, v:v + cols]
    return out


def correlate_scipy(image, kernel):
    return signal.correlate2d(image, kernel, mode="valid")


def correlate_list(image, kernel):
    return correlate_loops(image, kernel).tolist()


def correlate_float32(image, kernel):
    """All arithmetic in float32: rounding at the size of the terms, not of the result."""
    kernel = np.asarray(kernel, dtype=np.float32)
    windows = sliding_window_view(np.asarray(image, dtype=np.float32), kernel.shape)
    return np.einsum("ijkl,kl->ij", windows, kernel)


def correlate_ndimage_cropped(image, kernel):
    """scipy.ndimage puts the kernel's centre (index k // 2) on each pixel: crop to 'valid'."""
    kh, kw = kernel.shape
    full = ndimage.correlate(np.asarray(image, dtype=float), np.asarray(kernel, dtype=float), mode="constant")
    return full[kh // 2:kh // 2 + image.shape[0] - kh + 1, kw // 2:kw // 2 + image.shape[1] - kw + 1]


def correlate_opencv(image, kernel):
    """cv2.filter2D correlates, anchored at the kernel's centre; crop the border away."""
    kh, kw = kernel.shape
    full = cv2.filter2D(np.ascontiguousarray(image, dtype=np.float64), -1, np.asarray(kernel, dtype=np.float64),
                        borderType=cv2.BORDER_CONSTANT)
    return full[kh // 2:kh // 2 + image.shape[0] - kh + 1, kw // 2:kw // 2 + image.shape[1] - kw + 1]


def correlate_fft(image, kernel):
    """Through the Fourier transform: scipy's fftconvolve with the kernel turned back."""
    return signal.fftconvolve(np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)[::-1, ::-1],
                              mode="valid")


def correlate_result_type(image, kernel):
    """Keeps integers integer when both inputs are integers (exact), floats otherwise."""
    out = np.zeros((image.shape[0] - kernel.shape[0] + 1, image.shape[1] - kernel.shape[1] + 1),
                   dtype=np.result_type(image.dtype, kernel.dtype, np.int64))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kernel.shape[0], j:j + kernel.shape[1]].astype(out.dtype) * kernel)
    return out


def convolve_via_correlate(image, kernel):
    return correlate_loops(image, np.asarray(kernel)[::-1, ::-1])


def convolve_rot90(image, kernel):
    return correlate_windows(image, np.rot90(kernel, 2))


def convolve_scipy(image, kernel):
    return signal.convolve2d(image, kernel, mode="valid")


def convolve_flip_float32(image, kernel):
    return correlate_float32(image, np.flip(kernel))


def convolve_fft(image, kernel):
    return signal.fftconvolve(np.asarray(image, dtype=float), np.asarray(kernel, dtype=float), mode="valid")


def convolve_direct(image, kernel):
    """The textbook sum: out[i, j] = Σ image[i + kh − 1 − u, j + kw − 1 − v] · kernel[u, v]."""
    image = np.asarray(image, dtype=float)
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            for u in range(kh):
                for v in range(kw):
                    out[i, j] += image[i + kh - 1 - u, j + kw - 1 - v] * kernel[u, v]
    return out


def pad_numpy(image, p, value=0):
    return np.pad(np.asarray(image, dtype=float), p, constant_values=value)


def pad_float32(image, p, value=0):
    out = np.full((image.shape[0] + 2 * p, image.shape[1] + 2 * p), value, dtype=np.float32)
    out[p:p + image.shape[0], p:p + image.shape[1]] = image
    return out


def pad_block(image, p, value=0):
    image = np.asarray(image, dtype=float)
    h, w = image.shape
    side = np.full((h, p), float(value))
    top = np.full((p, w + 2 * p), float(value))
    return np.block([[top], [side, image, side], [top]])


def pad_full(image, p, value=0):
    h, w = image.shape
    out = np.full((h + 2 * p, w + 2 * p), value, dtype=float)
    out[p:p + h, p:p + w] = image
    return out


def pad_loops(image, p, value=0):
    h, w = np.shape(image)
    out = [[value] * (w + 2 * p) for _ in range(h + 2 * p)]
    for i in range(h):
        for j in range(w):
            out[i + p][j + p] = image[i][j]
    return out


def pad_stack(image, p, value=0):
    image = np.asarray(image, dtype=float)
    side = np.full((image.shape[0], p), value, dtype=float)
    image = np.hstack([side, image, side])
    top = np.full((p, image.shape[1]), value, dtype=float)
    return np.vstack([top, image, top])


def _validate(kernel, mode):
    if mode not in ("valid", "same"):
        raise ValueError(f"mode must be 'valid' or 'same', got {mode!r}")
    if mode == "same" and (kernel.shape[0] % 2 == 0 or kernel.shape[1] % 2 == 0):
        raise ValueError(f"'same' needs a kernel of odd size, got {kernel.shape}")


def filter_pad_then_correlate(image, kernel, mode="valid", fill=0):
    kernel = np.asarray(kernel)
    _validate(kernel, mode)
    if mode == "same":
        pr, pc = kernel.shape[0] // 2, kernel.shape[1] // 2
        image = np.pad(np.asarray(image, dtype=float), ((pr, pr), (pc, pc)), constant_values=fill)
    return correlate_loops(image, kernel)


def filter_scipy(image, kernel, mode="valid", fill=0):
    _validate(kernel, mode)
    return signal.correlate2d(np.asarray(image, dtype=float), kernel, mode=mode, boundary="fill", fillvalue=fill)


def filter_loops_with_bounds(image, kernel, mode="valid", fill=0):
    """No padding at all: reads `fill` wherever the window leaves the image."""
    _validate(kernel, mode)
    h, w = image.shape
    kh, kw = kernel.shape
    offset_r, offset_c = (kh // 2, kw // 2) if mode == "same" else (0, 0)
    rows, cols = (h, w) if mode == "same" else (h - kh + 1, w - kw + 1)
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            total = 0.0
            for u in range(kh):
                for v in range(kw):
                    r, c = i + u - offset_r, j + v - offset_c
                    pixel = image[r, c] if 0 <= r < h and 0 <= c < w else fill
                    total += pixel * kernel[u, v]
            out[i, j] = total
    return out


def filter_ndimage(image, kernel, mode="valid", fill=0):
    _validate(np.asarray(kernel), mode)
    if mode == "same":
        return ndimage.correlate(np.asarray(image, dtype=float), np.asarray(kernel, dtype=float),
                                 mode="constant", cval=fill)
    return correlate_ndimage_cropped(image, kernel)


def filter_float32(image, kernel, mode="valid", fill=0):
    kernel = np.asarray(kernel)
    _validate(kernel, mode)
    if mode == "same":
        pr, pc = kernel.shape[0] // 2, kernel.shape[1] // 2
        image = np.pad(np.asarray(image, dtype=np.float32), ((pr, pr), (pc, pc)), constant_values=fill)
    return correlate_float32(image, kernel)


def not_written(*args, **kwargs):
    raise NotImplementedError()


# ---------------------------------------------------------------------------------------
# Wrong implementations


def correlate_flipped(image, kernel):
    return correlate_loops(image, kernel[::-1, ::-1])


def correlate_flipped_rows(image, kernel):
    return correlate_loops(image, kernel[::-1])


def correlate_same(image, kernel):
    return signal.correlate2d(image, kernel, mode="same")


def correlate_full(image, kernel):
    return signal.correlate2d(image, kernel, mode="full")


def correlate_square_image(image, kernel):
    n = image.shape[0]
    kh, kw = kernel.shape
    out = np.zeros((n - kh + 1, n - kw + 1))
    for i in range(n - kh + 1):
        for j in range(n - kw + 1):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


def correlate_square_kernel(image, kernel):
    f = kernel.shape[0]
    out = np.zeros((image.shape[0] - f + 1, image.shape[1] - f + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + f, j:j + f] * kernel)
    return out


def correlate_off_by_one(image, kernel):
    return correlate_loops(image, kernel)[:-1, :-1]


def correlate_transposed(image, kernel):
    return correlate_loops(image, kernel).T


def correlate_zeros_like(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros_like(image)[:image.shape[0] - kh + 1, :image.shape[1] - kw + 1]
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


def correlate_image_as_xy(image, kernel):
    """Treats image[x, y] as (column, row): correlates the transposed image."""
    return correlate_loops(np.asarray(image).T, kernel)


def correlate_python_ints(image, kernel):
    """Writes Python ints into a uint8 output: negative sums raise OverflowError."""
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1), dtype=image.dtype)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = int(np.sum(image[i:i + kh, j:j + kw] * kernel))
    return out


def correlate_in_place(image, kernel):
    result = correlate_loops(image, kernel)
    image[0, 0] = image[0, 0] + 1
    return result


def correlate_returns_none(image, kernel):
    correlate_loops(image, kernel)


def correlate_rounded(image, kernel):
    return np.round(correlate_loops(image, kernel), 4)


def correlate_drops_small_values(image, kernel):
    out = correlate_loops(image, kernel)
    out[np.abs(out) < 1e-3] = 0
    return out


def correlate_strides_from_shape(image, kernel):
    """Windows by as_strided with strides computed from the shape: right only when the
    image is laid out row by row in memory."""
    from numpy.lib.stride_tricks import as_strided
    image = np.asarray(image)
    (h, w), (kh, kw) = image.shape, kernel.shape
    size = image.itemsize
    windows = as_strided(image, shape=(h - kh + 1, w - kw + 1, kh, kw), strides=(w * size, size, w * size, size))
    return np.einsum("ijkl,kl->ij", windows.astype(float), kernel)


def correlate_integer_kernel(image, kernel):
    return correlate_windows(image, np.asarray(kernel).astype(int))


def filter_integer_kernel(image, kernel, mode="valid", fill=0):
    return filter_scipy(image, np.asarray(kernel).astype(int), mode, fill)


def correlate_via_uint8(image, kernel):
    return correlate_loops(np.asarray(image).astype(np.uint8), kernel)


def convolve_not_flipped(image, kernel):
    return correlate_loops(image, kernel)


def convolve_flipped_columns(image, kernel):
    return correlate_loops(image, kernel[:, ::-1])


def convolve_transposed_kernel(image, kernel):
    return correlate_loops(image, kernel.T)


def convolve_same(image, kernel):
    return signal.convolve2d(image, kernel, mode="same")


def convolve_square_image(image, kernel):
    return correlate_square_image(image, kernel[::-1, ::-1])


def convolve_off_by_one(image, kernel):
    return convolve_via_correlate(image, kernel)[:-1, :-1]


def convolve_quarter_turn(image, kernel):
    return correlate_loops(image, np.rot90(kernel))


def convolve_flips_in_place(image, kernel):
    """Flips the caller's kernel: right the first time, and the notebook's kernel is ruined."""
    kernel[:] = kernel[::-1, ::-1].copy()
    return correlate_loops(image, kernel)


def pad_one_side(image, p, value=0):
    return np.pad(image, ((p, 0), (p, 0)), constant_values=value)


def pad_bottom_right(image, p, value=0):
    return np.pad(image, ((0, p), (0, p)), constant_values=value)


def pad_double(image, p, value=0):
    return np.pad(image, 2 * p, constant_values=value)


def pad_ignores_value(image, p, value=0):
    return np.pad(image, p)


def pad_rows_only(image, p, value=0):
    return np.pad(image, ((p, p), (0, 0)), constant_values=value)


def pad_split(image, p, value=0):
    return np.pad(image, (p // 2, p - p // 2), constant_values=value)


def pad_square(image, p, value=0):
    n = image.shape[0]
    out = np.full((n + 2 * p, n + 2 * p), value, dtype=float)
    out[p:p + n, p:p + image.shape[1]] = image
    return out


def pad_no_default(image, p, value):
    return np.pad(image, p, constant_values=value)


def pad_keeps_integer_dtype(image, p, value=0):
    return np.pad(image, p, constant_values=value)  # an integer image cannot hold 0.5


def pad_grows_a_default(image, p, value=0, _frames=[]):
    _frames.append(p)
    return np.pad(np.asarray(image, dtype=float), len(_frames) and p, constant_values=value) + len(_frames) - 1


def filter_ignores_fill(image, kernel, mode="valid", fill=0):
    return filter_pad_then_correlate(image, kernel, mode, 0)


def filter_convolves(image, kernel, mode="valid", fill=0):
    return filter_pad_then_correlate(image, np.asarray(kernel)[::-1, ::-1], mode, fill)


def filter_always_valid(image, kernel, mode="valid", fill=0):
    _validate(kernel, mode)
    return correlate_loops(image, kernel)


def filter_always_same(image, kernel, mode="valid", fill=0):
    return filter_scipy(image, kernel, "same", fill)


def filter_square_padding(image, kernel, mode="valid", fill=0):
    _validate(kernel, mode)
    if mode == "same":
        p = kernel.shape[0] // 2
        image = np.pad(np.asarray(image, dtype=float), p, constant_values=fill)
    return correlate_loops(image, kernel)


def filter_swapped_padding(image, kernel, mode="valid", fill=0):
    _validate(kernel, mode)
    if mode == "same":
        pr, pc = kernel.shape[1] // 2, kernel.shape[0] // 2
        image = np.pad(np.asarray(image, dtype=float), ((pr, pr), (pc, pc)), constant_values=fill)
    return correlate_loops(image, kernel)


def filter_transposed(image, kernel, mode="valid", fill=0):
    result = filter_scipy(image, kernel, mode, fill)
    return result.T if mode == "same" else result


def filter_full_padding(image, kernel, mode="valid", fill=0):
    _validate(kernel, mode)
    if mode == "same":
        image = np.pad(np.asarray(image, dtype=float), ((kernel.shape[0] - 1,) * 2, (kernel.shape[1] - 1,) * 2),
                       constant_values=fill)
    return correlate_loops(image, kernel)


def filter_no_even_check(image, kernel, mode="valid", fill=0):
    if mode not in ("valid", "same"):
        raise ValueError(f"unknown mode {mode!r}")
    pr, pc = (kernel.shape[0] // 2, kernel.shape[1] // 2) if mode == "same" else (0, 0)
    image = np.pad(np.asarray(image, dtype=float), ((pr, pr), (pc, pc)), constant_values=fill)
    return correlate_loops(image, kernel)


def filter_unknown_mode_is_valid(image, kernel, mode="valid", fill=0):
    if mode == "same":
        return filter_scipy(image, kernel, "same", fill)
    return correlate_loops(image, kernel)


def filter_silent_error(image, kernel, mode="valid", fill=0):
    try:
        _validate(kernel, mode)
    except ValueError:
        raise ValueError() from None
    return filter_scipy(image, kernel, mode, fill)


def filter_vague_errors(image, kernel, mode="valid", fill=0):
    try:
        _validate(kernel, mode)
    except ValueError:
        raise ValueError("invalid arguments") from None
    return filter_scipy(image, kernel, mode, fill)


def filter_ndimage_default_border(image, kernel, mode="valid", fill=0):
    _validate(kernel, mode)
    if mode == "same":
        return ndimage.correlate(np.asarray(image, dtype=float), kernel)  # mode="reflect"
    return correlate_loops(image, kernel)


def filter_rounded(image, kernel, mode="valid", fill=0):
    return np.round(filter_scipy(image, kernel, mode, fill), 2)


def filter_no_default_fill(image, kernel, mode, fill):
    return filter_scipy(image, kernel, mode, fill)


# ---------------------------------------------------------------------------------------
# The lecture's worked facts, through the oracle and a correct implementation


def test_lecture_values():
    assert correlate_oracle(LECTURE_F, LECTURE_G).item() == 34
    assert convolve_oracle(LECTURE_F, LECTURE_G).item() == 26
    assert np.array_equal(correlate_loops(LECTURE_BINARY, LECTURE_X_KERNEL), LECTURE_X_RESULT)
    vertical = correlate_loops(STEP_VERTICAL, VERTICAL_EDGE_KERNEL)
    assert vertical.shape == (6, 6) and np.all(vertical[:, 2:4] == 270) and np.all(vertical[:, [0, 1, 4, 5]] == 0)
    horizontal = correlate_loops(STEP_HORIZONTAL, HORIZONTAL_EDGE_KERNEL)
    assert np.array_equal(horizontal, vertical.T)
    # a true convolution flips the sign of the edge response
    assert np.all(convolve_via_correlate(STEP_VERTICAL, VERTICAL_EDGE_KERNEL)[:, 2:4] == -270)
    same = filter_pad_then_correlate(SEED003_IMAGE, SEED003_KERNEL[::-1, ::-1], "same")
    assert np.array_equal(same, SEED003_RESULT)


# ---------------------------------------------------------------------------------------
# correlate2d / convolve2d


CORRELATE_RIGHT = [correlate_loops, correlate_windows, correlate_shifts, correlate_scipy, correlate_list,
                   correlate_float32, correlate_result_type, correlate_ndimage_cropped, correlate_opencv, correlate_fft]
CONVOLVE_RIGHT = [convolve_via_correlate, convolve_rot90, convolve_scipy, convolve_direct, convolve_flip_float32,
                  convolve_fft]
PAD_RIGHT = [pad_numpy, pad_full, pad_loops, pad_stack, pad_float32, pad_block]
FILTER_RIGHT = [filter_pad_then_correlate, filter_scipy, filter_loops_with_bounds, filter_ndimage, filter_float32]


@pytest.mark.parametrize("variant", CORRELATE_RIGHT)
@pytest.mark.parametrize("seed", [0, 12345])
def test_correlate2d_accepts(variant, seed):
    check.correlate2d(variant, seed=seed)


@pytest.mark.parametrize("variant, words", [
    (correlate_flipped, "flipped \\(turned half a turn\\): that is convolution"),
    (correlate_flipped_rows, "one axis only"),
    (correlate_same, "'same' size"),
    (correlate_full, "'full' output"),
    (correlate_square_image, "square image"),
    (correlate_square_kernel, "square image or kernel"),
    (correlate_off_by_one, "too small"),
    (correlate_transposed, "swapped"),
    (correlate_zeros_like, "integer dtype"),
    (correlate_python_ints, "whole numbers"),
    (correlate_image_as_xy, "\\(x, y\\)"),
    (correlate_in_place, "in place"),
    (correlate_returns_none, "expected a numpy array"),
    (correlate_rounded, "rounded to 4 decimals"),
    (correlate_drops_small_values, "values close to 0 were set to 0"),
    (correlate_strides_from_shape, "laid out row by row"),
    (correlate_via_uint8, "converted to uint8"),
    (correlate_integer_kernel, "kernel was converted to integers"),
    (not_written, "not written yet"),
])
def test_correlate2d_rejects(variant, words):
    with pytest.raises(AssertionError, match=words):
        check.correlate2d(variant)


@pytest.mark.parametrize("variant", CONVOLVE_RIGHT)
@pytest.mark.parametrize("seed", [0, 12345])
def test_convolve2d_accepts(variant, seed):
    check.convolve2d(variant, seed=seed)


@pytest.mark.parametrize("variant, words", [
    (convolve_not_flipped, "not flipped"),
    (convolve_flipped_columns, "one axis only"),
    (convolve_transposed_kernel, "transposed \\(kernel.T\\)"),
    (convolve_same, "'same' size"),
    (convolve_square_image, "square"),
    (convolve_off_by_one, "too small"),
    (convolve_quarter_turn, "quarter turn"),
    (convolve_flips_in_place, "changed its input array in place"),
    (not_written, "not written yet"),
])
def test_convolve2d_rejects(variant, words):
    with pytest.raises(AssertionError, match=words):
        check.convolve2d(variant)


def test_convolve2d_rejects_the_correct_correlation():
    """The two checks disagree on every asymmetric kernel: each rejects the other's answer."""
    with pytest.raises(AssertionError, match="flipped"):
        check.correlate2d(convolve_via_correlate)
    with pytest.raises(AssertionError, match="not flipped"):
        check.convolve2d(correlate_loops)


# ---------------------------------------------------------------------------------------
# pad


@pytest.mark.parametrize("variant", PAD_RIGHT)
@pytest.mark.parametrize("seed", [0, 12345])
def test_pad_accepts(variant, seed):
    check.pad(variant, seed=seed)


@pytest.mark.parametrize("variant, words", [
    (pad_one_side, "one side only \\(top and left\\)"),
    (pad_bottom_right, "one side only \\(bottom and right\\)"),
    (pad_double, "2p added on each side"),
    (pad_ignores_value, "`value` was ignored"),
    (pad_rows_only, "only rows were added"),
    (pad_split, "split between the two sides"),
    (pad_square, "square"),
    (pad_no_default, "TypeError"),
    (pad_keeps_integer_dtype, "cut to a whole number"),
    (pad_grows_a_default, "called a second time"),
    (not_written, "not written yet"),
])
def test_pad_rejects(variant, words):
    with pytest.raises(AssertionError, match=words):
        check.pad(variant)


# ---------------------------------------------------------------------------------------
# filter2d


@pytest.mark.parametrize("variant", FILTER_RIGHT)
@pytest.mark.parametrize("seed", [0, 12345])
def test_filter2d_accepts(variant, seed):
    check.filter2d(variant, seed=seed)


@pytest.mark.parametrize("variant, words", [
    (filter_ignores_fill, "`fill` was ignored"),
    (filter_convolves, "convolution was computed"),
    (filter_always_valid, "'valid' output was returned for mode 'same'"),
    (filter_always_same, "'same' output was returned for mode 'valid'"),
    (filter_square_padding, "kernel.shape\\[0\\] for both axes"),
    (filter_full_padding, "'full' output"),
    (filter_swapped_padding, "rows and columns of the padding swapped"),
    (filter_transposed, "transposed"),
    (filter_no_even_check, "no centre pixel"),
    (filter_unknown_mode_is_valid, "not a mode of filter2d"),
    (filter_silent_error, "empty message, which does not say what is wrong"),
    (filter_vague_errors, "'invalid arguments', which does not say what is wrong"),
    (filter_ndimage_default_border, "mirrored"),
    (filter_rounded, "rounded to 2 decimals"),
    (filter_integer_kernel, "kernel was converted to integers"),
    (filter_no_default_fill, "TypeError"),
    (not_written, "not written yet"),
])
def test_filter2d_rejects(variant, words):
    with pytest.raises(AssertionError, match=words):
        check.filter2d(variant)


def test_checks_are_quiet(capfd):
    """Failing or passing, a check writes nothing to stderr (nbgrader would score 0)."""
    check.correlate2d(correlate_loops)
    with pytest.raises(AssertionError):
        check.filter2d(filter_convolves)
    assert capfd.readouterr().err == ""


def test_float32_passes_where_terms_cancel_and_the_old_fixed_tolerance_failed():
    """The kind of input that made float32 answers fail: terms near 10,000 that cancel."""
    from autograder.checks.convolution import _sliding_cases
    image, kernel = list(_sliding_cases(np.random.default_rng(0)))[13]
    assert image.min() > 9000 and abs(kernel.sum()) < 1e-12
    ours, exact = correlate_float32(image, kernel), correlate_loops(image, kernel)
    assert not np.allclose(ours, exact, atol=1e-5, rtol=1e-5)
    check.correlate2d(correlate_float32)


RIGHT_VARIANTS = {
    "correlate2d": CORRELATE_RIGHT,
    "convolve2d": CONVOLVE_RIGHT,
    "pad": PAD_RIGHT,
    "filter2d": FILTER_RIGHT,
}
