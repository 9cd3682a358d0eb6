"""Unit tests of the checks of assignment 07 (backpropagation through conv and pool): correct
variants pass, each typical mistake fails with a message that names it, and the numpy
references the mistakes are built from agree with TensorFlow's automatic differentiation."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from autograder import check
from autograder.checks import backprop
from autograder.feedback import CheckFailure


def not_written(*args, **kwargs):
    raise NotImplementedError()


# ---------------------------------------------------------------------------------------
# numerical_gradient: correct variants


def numgrad_ndindex(f, x, h=1e-5):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        plus = f(x)
        x[i] = old - h
        minus = f(x)
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


def numgrad_flat_view(f, x, h=1e-5):
    work = np.array(x, dtype=np.float64, order="C")  # C-contiguous, so ravel() is a view
    flat = work.ravel()
    grad = np.empty(flat.size)
    for k in range(flat.size):
        flat[k] += h
        plus = f(work)
        flat[k] -= 2 * h
        minus = f(work)
        flat[k] += h
        grad[k] = (plus - minus) / (2 * h)
    return grad.reshape(np.shape(x))


def numgrad_two_copies(f, x, h=1e-5):
    x = np.asarray(x, dtype=float)
    grad = np.zeros(x.shape)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        x_plus, x_minus = x.copy(), x.copy()
        x_plus[i] += h
        x_minus[i] -= h
        grad[i] = (f(x_plus) - f(x_minus)) / (2 * h)
    return grad


def numgrad_basis_vectors(f, x, h=1e-5):
    x = np.asarray(x, dtype=np.float64)
    grad = []
    for k in range(x.size):
        step = np.zeros(x.size)
        step[k] = h
        step = step.reshape(x.shape)
        grad.append((f(x + step) - f(x - step)) / (2 * h))
    return np.array(grad).reshape(x.shape).tolist()  # a nested list is accepted


# ---------------------------------------------------------------------------------------
# conv_backward: correct variants (all raise ValueError for bad shapes, as the contract says)


def _validate_conv(dz, x, W, stride, pad):
    if np.ndim(x) != 4:
        raise ValueError(f"x must be a batch (m, n_H, n_W, n_C), got shape {np.shape(x)}: use x[None]")
    m, n_H, n_W, _ = np.shape(x)
    f, n_C = np.shape(W)[0], np.shape(W)[3]
    expected = (m, (n_H + 2 * pad - f) // stride + 1, (n_W + 2 * pad - f) // stride + 1, n_C)
    if np.shape(dz) != expected:
        raise ValueError(f"dz has shape {np.shape(dz)}, but the layer's output has shape {expected}")


def conv_backward_positions(dz, x, W, b, stride, pad):
    """Loops over the output positions, vectorised over the batch and channels (the hint)."""
    _validate_conv(dz, x, W, stride, pad)
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0))).astype(float)
    dxp, dW = np.zeros_like(xp), np.zeros(W.shape)
    f = W.shape[0]
    for i in range(dz.shape[1]):
        for j in range(dz.shape[2]):
            rows, cols = slice(i * stride, i * stride + f), slice(j * stride, j * stride + f)
            g = dz[:, i, j, :]
            dW += np.einsum("muvc,mk->uvck", xp[:, rows, cols, :], g)
            dxp[:, rows, cols, :] += np.einsum("uvck,mk->muvc", W, g)
    return dxp[:, pad:pad + x.shape[1], pad:pad + x.shape[2], :], dW, dz.sum(axis=(0, 1, 2))


def conv_backward_nested_loops(dz, x, W, b, stride, pad):
    """The textbook version: one loop per axis of dz, slices of the padded input."""
    _validate_conv(dz, x, W, stride, pad)
    x = np.asarray(x, dtype=float)
    m, n_H, n_W, _ = x.shape
    f = W.shape[0]
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant", constant_values=0)
    dxp = np.zeros(xp.shape)
    dW = np.zeros(W.shape)
    db = np.zeros(W.shape[3])
    for n in range(m):
        for h in range(dz.shape[1]):
            for w in range(dz.shape[2]):
                for c in range(dz.shape[3]):
                    top, left = h * stride, w * stride
                    window = xp[n, top:top + f, left:left + f, :]
                    dxp[n, top:top + f, left:left + f, :] += W[:, :, :, c] * dz[n, h, w, c]
                    dW[:, :, :, c] += window * dz[n, h, w, c]
                    db[c] += dz[n, h, w, c]
    dx = dxp[:, pad:pad + n_H, pad:pad + n_W, :] if pad else dxp
    return dx, dW, db


def conv_backward_full_convolution(dz, x, W, b, stride, pad):
    """No loops: dW from sliding windows; dx as the full convolution of the dilated dz with W
    (a correlation with W turned half a turn), then the padding cropped."""
    _validate_conv(dz, x, W, stride, pad)
    x = np.asarray(x, dtype=np.float64)
    m, n_H, n_W, c_in = x.shape
    f = W.shape[0]
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    windows = sliding_window_view(xp, (f, f), axis=(1, 2))[:, ::stride, ::stride]  # (m, H', W', C, f, f)
    windows = windows[:, :dz.shape[1], :dz.shape[2]]
    dW = np.einsum("mhwcuv,mhwk->uvck", windows, dz)
    dilated = np.zeros((m, (dz.shape[1] - 1) * stride + 1, (dz.shape[2] - 1) * stride + 1, dz.shape[3]))
    dilated[:, ::stride, ::stride] = dz
    framed = np.pad(dilated, ((0, 0), (f - 1, f - 1), (f - 1, f - 1), (0, 0)))
    turned = W[::-1, ::-1]
    full = np.einsum("mhwkuv,uvck->mhwc", sliding_window_view(framed, (f, f), axis=(1, 2)), turned)
    dxp = np.zeros(xp.shape)
    dxp[:, :full.shape[1], :full.shape[2]] = full  # rows the windows never reached keep 0
    return dxp[:, pad:pad + n_H, pad:pad + n_W], dW, dz.sum(axis=(0, 1, 2))


def conv_backward_im2col(dz, x, W, b, stride, pad):
    """im2col: one matrix product for dW, one for the columns of dx, then col2im with np.add.at."""
    _validate_conv(dz, x, W, stride, pad)
    x = np.asarray(x, dtype=float)
    m, n_H, n_W, c_in = x.shape
    f, _, _, n_C = W.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    out_H, out_W = dz.shape[1], dz.shape[2]
    rows = (np.arange(out_H) * stride)[:, None] + np.arange(f)[None, :]  # (H', f)
    cols = (np.arange(out_W) * stride)[:, None] + np.arange(f)[None, :]  # (W', f)
    R = rows[:, None, :, None]  # (H', 1, f, 1)
    C = cols[None, :, None, :]  # (1, W', 1, f)
    patches = xp[:, R, C, :]  # (m, H', W', f, f, c_in)
    columns = patches.reshape(m * out_H * out_W, f * f * c_in)
    g = dz.reshape(m * out_H * out_W, n_C)
    dW = (columns.T @ g).reshape(W.shape)
    dcolumns = (g @ W.reshape(f * f * c_in, n_C).T).reshape(patches.shape)
    dxp = np.zeros_like(xp)
    n_index = np.arange(m)[:, None, None, None, None]
    np.add.at(dxp, (n_index, R[None], C[None]), dcolumns)
    return dxp[:, pad:pad + n_H, pad:pad + n_W], dW, g.sum(axis=0)


def conv_backward_float32(dz, x, W, b, stride, pad):
    """Keeps the inputs' precision: float32 in, float32 out."""
    dtype = np.result_type(dz, W, np.float32)
    dx, dW, db = conv_backward_positions(dz, x, W, b, stride, pad)
    return dx.astype(dtype), dW.astype(dtype), db.astype(dtype)


def conv_backward_scipy(dz, x, W, b, stride, pad):
    """Channel by channel with scipy.signal: dW by correlation, dx by convolution."""
    from scipy.signal import convolve2d, correlate2d

    _validate_conv(dz, x, W, stride, pad)
    x = np.asarray(x, dtype=float)
    m, n_H, n_W, c_in = x.shape
    f, _, _, n_C = W.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    dx = np.zeros(x.shape)
    dW = np.zeros(W.shape)
    for n in range(m):
        for k in range(n_C):
            dilated = np.zeros(((dz.shape[1] - 1) * stride + 1, (dz.shape[2] - 1) * stride + 1))
            dilated[::stride, ::stride] = dz[n, :, :, k]
            for c in range(c_in):
                used = xp[n, :dilated.shape[0] + f - 1, :dilated.shape[1] + f - 1, c]
                dW[:, :, c, k] += correlate2d(used, dilated, mode="valid")
                full = convolve2d(dilated, W[:, :, c, k], mode="full")
                dxp = np.zeros(xp.shape[1:3])
                dxp[:full.shape[0], :full.shape[1]] = full
                dx[n, :, :, c] += dxp[pad:pad + n_H, pad:pad + n_W]
    return [dx, dW, dz.sum(axis=(0, 1, 2))]  # a list of the three is fine too


# ---------------------------------------------------------------------------------------
# pool_backward: correct variants


def _validate_pool(da, x, f, s, mode):
    if mode not in ("max", "average"):
        raise ValueError(f"mode must be 'max' or 'average', not {mode!r}")
    if np.ndim(x) != 4:
        raise ValueError(f"x must be a batch (m, n_H, n_W, n_C), got shape {np.shape(x)}: use x[None]")
    m, n_H, n_W, n_C = np.shape(x)
    expected = (m, (n_H - f) // s + 1, (n_W - f) // s + 1, n_C)
    if np.shape(da) != expected:
        raise ValueError(f"da has shape {np.shape(da)}, but the layer's output has shape {expected}")


def pool_backward_loops(da, x, f, s, mode):
    """The hint: one loop per axis of da, np.argmax for the maximum."""
    _validate_pool(da, x, f, s, mode)
    dx = np.zeros(x.shape)
    for n in range(x.shape[0]):
        for i in range(da.shape[1]):
            for j in range(da.shape[2]):
                for c in range(x.shape[3]):
                    rows, cols = slice(i * s, i * s + f), slice(j * s, j * s + f)
                    if mode == "max":
                        window = x[n, rows, cols, c]
                        u, v = np.unravel_index(np.argmax(window), window.shape)
                        dx[n, i * s + u, j * s + v, c] += da[n, i, j, c]
                    else:
                        dx[n, rows, cols, c] += da[n, i, j, c] / (f * f)
    return dx


def pool_backward_positions(da, x, f, s, mode):
    """Loops over the output positions only; a one-hot mask per example and channel."""
    _validate_pool(da, x, f, s, mode)
    x = np.asarray(x)
    m, _, _, n_C = x.shape
    dx = np.zeros(x.shape, dtype=np.float64)
    for i in range(da.shape[1]):
        for j in range(da.shape[2]):
            rows, cols = slice(i * s, i * s + f), slice(j * s, j * s + f)
            g = da[:, i, j, :]
            if mode == "average":
                dx[:, rows, cols, :] += g[:, None, None, :] / f ** 2
                continue
            window = x[:, rows, cols, :].reshape(m, f * f, n_C)
            mask = np.zeros(window.shape)
            np.put_along_axis(mask, window.argmax(axis=1)[:, None, :], 1.0, axis=1)
            dx[:, rows, cols, :] += (mask * g[:, None, :]).reshape(m, f, f, n_C)
    return dx


def pool_backward_add_at(da, x, f, s, mode):
    """No Python loop over positions: sliding windows, argmax indices, np.add.at."""
    _validate_pool(da, x, f, s, mode)
    x = np.asarray(x, dtype=float)
    m, _, _, n_C = x.shape
    out_H, out_W = da.shape[1], da.shape[2]
    top = (np.arange(out_H) * s)[None, :, None, None]
    left = (np.arange(out_W) * s)[None, None, :, None]
    n = np.arange(m)[:, None, None, None]
    c = np.arange(n_C)[None, None, None, :]
    dx = np.zeros(x.shape)
    if mode == "max":
        windows = sliding_window_view(x, (f, f), axis=(1, 2))[:, ::s, ::s][:, :out_H, :out_W]
        flat = windows.reshape(m, out_H, out_W, n_C, f * f).argmax(axis=-1)
        np.add.at(dx, (n, top + flat // f, left + flat % f, c), da)
    else:
        for u in range(f):
            for v in range(f):
                np.add.at(dx, (n, top + u, left + v, c), da / (f * f))
    return dx


def pool_backward_float32(da, x, f, s, mode):
    dtype = np.result_type(da, np.float32)
    return pool_backward_positions(da, x, f, s, mode).astype(dtype)


RIGHT_VARIANTS = {
    "numerical_gradient": [numgrad_ndindex, numgrad_flat_view, numgrad_two_copies, numgrad_basis_vectors],
    "conv_backward": [conv_backward_positions, conv_backward_nested_loops, conv_backward_full_convolution,
                      conv_backward_im2col, conv_backward_float32, conv_backward_scipy],
    "pool_backward": [pool_backward_loops, pool_backward_positions, pool_backward_add_at, pool_backward_float32],
}


@pytest.mark.parametrize("name, candidate", [(name, variant) for name, variants in RIGHT_VARIANTS.items()
                                             for variant in variants])
def test_right_variants_pass(name, candidate):
    getattr(check, name)(candidate)


#: The seeds the notebook's hidden tests pass to each check.
HIDDEN_SEEDS = {"numerical_gradient": 707, "conv_backward": 7007, "pool_backward": 7070}


@pytest.mark.parametrize("name, candidate", [(name, variants[0]) for name, variants in RIGHT_VARIANTS.items()])
def test_right_variants_pass_other_seeds(name, candidate):
    for seed in (2024, HIDDEN_SEEDS[name]):
        getattr(check, name)(candidate, seed=seed)


# ---------------------------------------------------------------------------------------
# numerical_gradient: mistakes


def numgrad_forward(f, x, h=1e-5):
    x = np.array(x, dtype=float)
    centre = f(x)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        grad[i] = (f(x) - centre) / h
        x[i] = old
    return grad


def numgrad_backward(f, x, h=1e-5):
    x = np.array(x, dtype=float)
    centre = f(x)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old - h
        grad[i] = (centre - f(x)) / h
        x[i] = old
    return grad


def numgrad_over_h(f, x, h=1e-5):
    return 2 * numgrad_ndindex(f, x, h)


def numgrad_not_restored(f, x, h=1e-5):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += h
        plus = f(x)
        x[i] -= 2 * h
        grad[i] = (plus - f(x)) / (2 * h)
    return grad


def numgrad_aliased(f, x, h=1e-5):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x_plus = x
        x_plus[i] += h
        plus = f(x_plus)
        x_minus = x_plus
        x_minus[i] -= h
        grad[i] = (plus - f(x_minus)) / (2 * h)
    return grad


def numgrad_keeps_dtype(f, x, h=1e-5):
    x = x.copy()  # keeps an integer or float32 dtype
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        plus = f(x)
        x[i] = old - h
        minus = f(x)
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


def numgrad_int_inplace_add(f, x, h=1e-5):
    x = x.copy()
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        x[i] += h  # numpy refuses float += on an integer array
        plus = f(x)
        x[i] -= 2 * h
        minus = f(x)
        x[i] += h
        grad[i] = (plus - minus) / (2 * h)
    return grad


def numgrad_float32_copy(f, x, h=1e-5):
    if np.asarray(x).dtype == np.float32:
        return numgrad_keeps_dtype(f, x, h)
    return numgrad_ndindex(f, x, h)


def numgrad_ravel_original(f, x, h=1e-5):
    flat = np.asarray(x, dtype=float).ravel()  # a view only when x is a contiguous float array
    grad = np.zeros(flat.size)
    for k in range(flat.size):
        old = flat[k]
        flat[k] = old + h
        plus = f(x)
        flat[k] = old - h
        minus = f(x)
        flat[k] = old
        grad[k] = (plus - minus) / (2 * h)
    return grad.reshape(np.shape(x))


def numgrad_ravel_of_copy(f, x, h=1e-5):
    """np.array(x) keeps a transposed x's column-major layout, so ravel() copies again."""
    work = np.array(x, dtype=np.float64)
    flat = work.ravel()
    grad = np.empty(flat.size)
    for k in range(flat.size):
        flat[k] += h
        plus = f(work)
        flat[k] -= 2 * h
        minus = f(work)
        flat[k] += h
        grad[k] = (plus - minus) / (2 * h)
    return grad.reshape(np.shape(x))


def numgrad_flat_result(f, x, h=1e-5):
    return numgrad_ndindex(f, x, h).ravel()


def numgrad_calls_f_flat(f, x, h=1e-5):
    flat = np.array(x, dtype=float).ravel()
    grad = np.zeros_like(flat)
    for k in range(flat.size):
        step = np.zeros_like(flat)
        step[k] = h
        grad[k] = (f(flat + step) - f(flat - step)) / (2 * h)
    return grad.reshape(np.shape(x))


def numgrad_in_place(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        x[i] += h
        plus = f(x)
        x[i] -= 2 * h
        grad[i] = (plus - f(x)) / (2 * h)
    return grad


@pytest.mark.parametrize("candidate, words", [
    (numgrad_forward, r"one-sided \(forward\) difference"),
    (numgrad_backward, r"one-sided \(backward\) difference"),
    (numgrad_over_h, "divided by h instead of 2h"),
    (numgrad_not_restored, "left perturbed after its turn"),
    (numgrad_aliased, "were one and the same"),
    (numgrad_keeps_dtype, "integer dtype"),
    (numgrad_int_inplace_add, "integer dtype"),
    (numgrad_float32_copy, "taken in float32"),
    (numgrad_ravel_original, "a copy that f never saw"),
    (numgrad_ravel_of_copy, "a copy that f never saw"),
    (numgrad_flat_result, "in x's shape"),
    (numgrad_calls_f_flat, "called f with"),
    (numgrad_in_place, "changed its input array in place"),
    (not_written, "not written yet"),
])
def test_numerical_gradient_rejects_mistakes(candidate, words):
    with pytest.raises(AssertionError, match=words):
        check.numerical_gradient(candidate)


# ---------------------------------------------------------------------------------------
# conv_backward: mistakes (each is the right loop with one thing changed)


def _conv_with(**mistake):
    """The reference with one mistake switched on; validation and db as the contract says."""
    switches = backprop.ConvMistake(**mistake)

    def candidate(dz, x, W, b, stride, pad):
        _validate_conv(dz, x, W, stride, pad)
        dx, dW = backprop.conv_backward_reference(dz, x, W, stride, pad, switches)
        return dx, dW, np.asarray(dz).sum(axis=(0, 1, 2))

    return candidate


def conv_dx_full_correlation(dz, x, W, b, stride, pad):
    """dx as a full *correlation* of dz with W (stride 1 thinking): the kernel the wrong way round."""
    dx, dW, db = conv_backward_full_convolution(dz, x, W[::-1, ::-1], b, stride, pad)
    return dx, conv_backward_positions(dz, x, W, b, stride, pad)[1], db


def conv_dx_crop_minus_pad(dz, x, W, b, stride, pad):
    _validate_conv(dz, x, W, stride, pad)
    dx, dW, db = conv_backward_positions(dz, x, W, b, stride, pad)
    xp_dx, _ = backprop.conv_backward_reference(dz, x, W, stride, pad, backprop.ConvMistake(dx_crop="none"))
    return xp_dx[:, pad:-pad, pad:-pad], dW, db


def conv_dW_reset_per_example(dz, x, W, b, stride, pad):
    _validate_conv(dz, x, W, stride, pad)
    x = np.asarray(x, dtype=float)
    f = W.shape[0]
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    for n in range(x.shape[0]):
        dW = np.zeros(W.shape)  # reset for every example: only the last one survives
        for h in range(dz.shape[1]):
            for w in range(dz.shape[2]):
                for c in range(dz.shape[3]):
                    dW[:, :, :, c] += xp[n, h * stride:h * stride + f, w * stride:w * stride + f] * dz[n, h, w, c]
    dx, _, db = conv_backward_positions(dz, x, W, b, stride, pad)
    return dx, dW, db


def _conv_db(db_function):
    def candidate(dz, x, W, b, stride, pad):
        dx, dW, _ = conv_backward_positions(dz, x, W, b, stride, pad)
        return dx, dW, db_function(np.asarray(dz))

    return candidate


def conv_int_dx(dz, x, W, b, stride, pad):
    dx, dW, db = conv_backward_positions(dz, x, W, b, stride, pad)
    out = np.zeros_like(x)
    out[...] = dx
    return out, dW, db


def conv_swapped_order(dz, x, W, b, stride, pad):
    dx, dW, db = conv_backward_positions(dz, x, W, b, stride, pad)
    return dW, dx, db


def conv_two_results(dz, x, W, b, stride, pad):
    dx, dW, db = conv_backward_positions(dz, x, W, b, stride, pad)
    return dx, dW


def conv_no_validation(dz, x, W, b, stride, pad):
    """Quietly treats a single image as a batch of one instead of raising."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 3:
        x, dz = x[None], np.asarray(dz)[None]
        dx, dW = backprop.conv_backward_reference(dz, x, W, stride, pad)
        return dx[0], dW, dz.sum(axis=(0, 1, 2))
    dx, dW = backprop.conv_backward_reference(dz, x, W, stride, pad)
    return dx, dW, np.asarray(dz).sum(axis=(0, 1, 2))


def conv_no_dz_validation(dz, x, W, b, stride, pad):
    """Quietly uses the part of a too-large dz that fits."""
    if np.ndim(x) != 4:
        raise ValueError("add a batch axis")
    m, n_H, n_W, _ = x.shape
    f = W.shape[0]
    dz = np.asarray(dz)[:, :(n_H + 2 * pad - f) // stride + 1, :(n_W + 2 * pad - f) // stride + 1]
    dx, dW = backprop.conv_backward_reference(dz, x, W, stride, pad)
    return dx, dW, dz.sum(axis=(0, 1, 2))


def conv_flips_W_in_place(dz, x, W, b, stride, pad):
    W[...] = W[::-1, ::-1].copy()  # "flip the kernel for the backward pass", in place
    dx, dW, db = conv_backward_positions(dz, x, W[::-1, ::-1], b, stride, pad)
    return dx, dW, db


@pytest.mark.parametrize("candidate, words", [
    (_conv_with(dx_unflipped=True), "dx used the kernel the wrong way round"),
    (conv_dx_full_correlation, "dx used the kernel the wrong way round"),
    (_conv_with(dx_no_stride=True), "stride ignored in dx"),
    (_conv_with(dx_assigned=True), r"dx assigned \(=\) instead of accumulated"),
    (_conv_with(dx_crop="none"), "padding not cropped from dx"),
    (_conv_with(dx_crop="start"), "padding was cropped from the wrong place"),
    (_conv_with(dx_crop="end"), "padding was cropped from the wrong place"),
    (conv_dx_crop_minus_pad, "dx is empty: with pad = 0"),
    (_conv_with(dW_examples="last"), "dW not summed over the batch: only the last example"),
    (conv_dW_reset_per_example, "dW not summed over the batch: only the last example"),
    (_conv_with(dW_examples="first"), "dW not summed over the batch: only the first example"),
    (_conv_with(dW_examples="mean"), r"dW averaged over the batch \(divided by m\)"),
    (_conv_with(dW_no_stride=True), "stride ignored in dW"),
    (_conv_with(dW_flipped=True), "dW turned half a turn"),
    (_conv_db(lambda dz: dz.sum(axis=(1, 2))), "db not summed over the batch: one row per example"),
    (_conv_db(lambda dz: dz.sum(axis=0)), "db not summed over the positions"),
    (_conv_db(lambda dz: dz.mean(axis=(0, 1, 2))), "db averaged instead of summed"),
    (_conv_db(lambda dz: dz.sum(axis=(1, 2)).mean(axis=0)), "db averaged over the batch"),
    (_conv_db(lambda dz: dz.sum(axis=(0, 1, 2), keepdims=True)), r"db has shape \(1, 1, 1, n_C\)"),
    (_conv_db(lambda dz: np.full(dz.shape[-1], dz.sum())), "db summed over the channels too"),
    (_conv_db(lambda dz: dz[-1].sum(axis=(0, 1))), "db from the last example only"),
    (conv_int_dx, "integer dtype"),
    (conv_swapped_order, r"wrong order: return \(dx, dW, db\)"),
    (conv_two_results, r"expected a tuple of three arrays \(dx, dW, db\)"),
    (conv_no_validation, "add a batch axis"),
    (conv_no_dz_validation, "dz must have the shape of the layer's output"),
    (conv_flips_W_in_place, "changed its input array in place"),
    (not_written, "not written yet"),
])
def test_conv_backward_rejects_mistakes(candidate, words):
    with pytest.raises(AssertionError, match=words):
        check.conv_backward(candidate)


def test_conv_backward_failure_says_which_gradient_is_wrong():
    with pytest.raises(AssertionError) as failure:
        check.conv_backward(_conv_with(dW_examples="mean"))
    message = str(failure.value)
    assert message.startswith("dW of conv_backward(")
    assert "dx of" not in message and "db of" not in message


def test_conv_backward_lists_every_wrong_gradient():
    with pytest.raises(AssertionError) as failure:
        check.conv_backward(_both_wrong)
    message = str(failure.value)
    assert "dx of conv_backward(" in message and "db of conv_backward(" in message


def _both_wrong(dz, x, W, b, stride, pad):
    _validate_conv(dz, x, W, stride, pad)
    dx, dW = backprop.conv_backward_reference(dz, x, W, stride, pad, backprop.ConvMistake(dx_unflipped=True))
    return dx, dW, np.asarray(dz).mean(axis=(0, 1, 2))


# ---------------------------------------------------------------------------------------
# pool_backward: mistakes


def _pool_with(**mistake):
    switches = backprop.PoolMistake(**mistake)

    def candidate(da, x, f, s, mode):
        _validate_pool(da, x, f, s, mode)
        return backprop.pool_backward_reference(da, x, f, s, mode, switches)

    return candidate


def pool_mask_equals_max(da, x, f, s, mode):
    """DeepLearning.AI's create_mask_from_window: x == max, which marks every tied maximum."""
    _validate_pool(da, x, f, s, mode)
    dx = np.zeros(x.shape)
    for n in range(x.shape[0]):
        for i in range(da.shape[1]):
            for j in range(da.shape[2]):
                for c in range(x.shape[3]):
                    rows, cols = slice(i * s, i * s + f), slice(j * s, j * s + f)
                    if mode == "max":
                        window = x[n, rows, cols, c]
                        dx[n, rows, cols, c] += (window == np.max(window)) * da[n, i, j, c]
                    else:
                        dx[n, rows, cols, c] += da[n, i, j, c] / (f * f)
    return dx


def pool_int_dx(da, x, f, s, mode):
    out = np.zeros_like(x)
    out[...] = pool_backward_loops(da, x, f, s, mode)
    return out


def pool_returns_pooled_shape(da, x, f, s, mode):
    _validate_pool(da, x, f, s, mode)
    return np.asarray(da) / (f * f if mode == "average" else 1)


def pool_silent_default(da, x, f, s, mode):
    return pool_backward_loops(da, x, f, s, "average" if mode == "average" else "max")


def pool_accepts_single_image(da, x, f, s, mode):
    if np.ndim(x) == 3:
        return pool_backward_loops(np.asarray(da)[None], np.asarray(x)[None], f, s, mode)[0]
    return pool_backward_loops(da, x, f, s, mode)


def pool_no_da_validation(da, x, f, s, mode):
    if mode not in ("max", "average") or np.ndim(x) != 4:
        raise ValueError("bad input")
    return backprop.pool_backward_reference(da, x, f, s, mode)


@pytest.mark.parametrize("candidate, words", [
    (_pool_with(ties="all"), "spread the gradient to all tied maxima"),
    (pool_mask_equals_max, "spread the gradient to all tied maxima"),
    (_pool_with(ties="split"), "split between tied maxima"),
    (_pool_with(ties="last"), "ties went to the last maximum"),
    (_pool_with(whole_window=True), "spread the gradient to every cell of the window"),
    (_pool_with(across_channels=True), "over the window's cells and channels together"),
    (_pool_with(divide="none"), "average was not divided by the window size"),
    (_pool_with(divide="f"), "divided by f instead of f·f"),
    (_pool_with(assigned=True), r"dx assigned \(=\) instead of accumulated"),
    (_pool_with(no_stride=True), "stride ignored"),
    (lambda da, x, f, s, mode: pool_backward_loops(da, x, f, s, {"max": "average"}.get(mode, "max")),
     "max and average swapped"),
    (pool_int_dx, "integer dtype"),
    (pool_returns_pooled_shape, "dx has the pooled shape"),
    (pool_silent_default, "expected it to raise ValueError"),
    (pool_accepts_single_image, "add a batch axis"),
    (pool_no_da_validation, "da must have the shape of the layer's output"),
    (not_written, "not written yet"),
])
def test_pool_backward_rejects_mistakes(candidate, words):
    with pytest.raises(AssertionError, match=words):
        check.pool_backward(candidate)


# ---------------------------------------------------------------------------------------
# The references behind the mistakes, against TensorFlow


@pytest.mark.parametrize("seed", [0, 1])
def test_conv_reference_agrees_with_tensorflow(seed):
    for case in backprop._conv_cases(np.random.default_rng(seed)):
        dx, dW, _ = backprop.conv_backward_autodiff(case.dz, case.x, case.W, case.b, case.stride, case.pad)
        ref_dx, ref_dW = backprop.conv_backward_reference(case.dz, case.x, case.W, case.stride, case.pad)
        assert np.allclose(dx, ref_dx, atol=1e-9) and np.allclose(dW, ref_dW, atol=1e-9)


@pytest.mark.parametrize("seed", [0, 1])
def test_pool_reference_agrees_with_tensorflow_also_on_ties(seed):
    for case in backprop._pool_cases(np.random.default_rng(seed)):
        for mode in ("max", "average"):
            assert np.allclose(backprop.pool_backward_autodiff(case.da, case.x, case.f, case.s, mode),
                               backprop.pool_backward_reference(case.da, case.x, case.f, case.s, mode),
                               atol=1e-12)


def test_every_conv_mistake_changes_the_answer_on_the_public_cases():
    cases = backprop._conv_cases(np.random.default_rng(0))
    fields = {"dx_unflipped": True, "dx_no_stride": True, "dx_assigned": True, "dx_crop": "start",
              "dW_no_stride": True, "dW_flipped": True, "dW_examples": "mean"}
    for field, value in fields.items():
        mistake = backprop.ConvMistake(**{field: value})
        changed = False
        for case in cases:
            right = backprop.conv_backward_reference(case.dz, case.x, case.W, case.stride, case.pad)
            wrong = backprop.conv_backward_reference(case.dz, case.x, case.W, case.stride, case.pad, mistake)
            changed |= any(a.shape != b.shape or not np.allclose(a, b) for a, b in zip(right, wrong))
        assert changed, field


def test_ties_really_occur_in_the_pool_cases():
    """Weak tests pass wrong max-pool gradients: the cases must hold tied maxima and
    overlapping windows (CS231n's tests once had neither)."""
    cases = backprop._pool_cases(np.random.default_rng(0))
    tie = overlap = False
    for case in cases:
        overlap |= case.s < case.f
        right = backprop.pool_backward_reference(case.da, case.x, case.f, case.s, "max")
        spread = backprop.pool_backward_reference(case.da, case.x, case.f, case.s, "max",
                                                  backprop.PoolMistake(ties="all"))
        tie |= not np.allclose(right, spread)
    assert tie and overlap


def test_lecture_pool_example_routes_four_gradients_to_the_200():
    x = backprop.POOL_5X5[None, :, :, None].astype(float)
    dx = backprop.pool_backward_reference(np.ones((1, 3, 3, 1)), x, 3, 1, "max")[0, :, :, 0]
    assert dx[2, 1] == 4 and dx[4, 2] == 3 and dx.sum() == 9


def test_gradient_tolerance_follows_the_dtype():
    scale = np.array([10.0, 100.0])
    assert backprop.gradient_tolerance(scale, np.zeros(2, np.float32)) == pytest.approx(2e-3, rel=1e-6)
    assert backprop.gradient_tolerance(scale, np.zeros(2)) < 1e-6


# ---------------------------------------------------------------------------------------
# Helpers the notebook uses


def test_forward_helpers_match_chapter_05_oracles():
    from autograder.checks import layers

    rng = np.random.default_rng(3)
    x, W, b = rng.normal(size=(2, 7, 6, 3)), rng.normal(size=(3, 3, 3, 4)), rng.normal(size=4)
    assert np.allclose(backprop.conv_forward(x, W, b, 2, 1), layers.conv_oracle(x, W, b, 2, 1))
    for mode in ("max", "average"):
        assert np.allclose(backprop.pool_forward(x, 3, 2, mode), layers.pool_oracle(x, 3, 2, mode))


@pytest.mark.parametrize("call", [
    lambda: backprop.conv_forward(np.zeros((5, 5, 1)), np.zeros((3, 3, 1, 1)), np.zeros(1)),
    lambda: backprop.pool_forward(np.zeros((5, 5, 1)), 2, 2),
])
def test_forward_helpers_reject_a_single_image(call):
    with pytest.raises(ValueError, match=r"Add a batch axis"):
        call()


def test_working_conv_backward_picks_the_learners_when_it_passes(capsys):
    assert backprop.working_conv_backward(conv_backward_positions) is conv_backward_positions
    assert "Using your conv_backward" in capsys.readouterr().out
    assert backprop.working_conv_backward(not_written) is backprop.conv_backward_autodiff
    assert backprop.working_conv_backward(_conv_with(dx_no_stride=True)) is backprop.conv_backward_autodiff
    assert "TensorFlow's gradients" in capsys.readouterr().out


def test_checks_print_nothing_to_stderr(capfd):
    check.conv_backward(conv_backward_positions)
    with pytest.raises(CheckFailure):
        check.pool_backward.func(_pool_with(ties="all"))
    check.numerical_gradient(numgrad_ndindex)
    with pytest.raises(CheckFailure):
        check.numerical_gradient.func(numgrad_keeps_dtype)
    assert capfd.readouterr().err == ""


def test_hints_come_in_three_tiers():
    for name in RIGHT_VARIANTS:
        labels = [label for label, _ in getattr(check, name).hints]
        assert labels == ["Idea", "Formula", "Code (this gives the answer away)"], name
