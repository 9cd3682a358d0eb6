"""Unit tests of the checks of assignment 05 (padding, stride, pooling, ReLU, softmax, flatten):
correct variants pass, each typical mistake fails with a message that names it."""

import math

import numpy as np
import pytest

from autograder import check
from autograder.checks import layers


def not_written(*args, **kwargs):
    raise NotImplementedError()


# ---------------------------------------------------------------------------------------
# output_size


def output_size_floor_div(n, f, p, s):
    return (n + 2 * p - f) // s + 1


def output_size_math_floor(n, f, p, s):
    return math.floor((n + 2 * p - f) / s + 1)


def output_size_numpy(n, f, p, s):
    return np.int64(np.floor((n + 2 * p - f) / s)) + 1


def output_size_float_whole(n, f, p, s):
    return float((n + 2 * p - f) // s + 1)


def output_size_counting(n, f, p, s):
    return len(range(0, n + 2 * p - f + 1, s))


@pytest.mark.parametrize("candidate", [output_size_floor_div, output_size_math_floor, output_size_numpy,
                                       output_size_float_whole, output_size_counting])
def test_output_size_accepts_correct_variants(candidate):
    check.output_size(candidate)
    check.output_size(candidate, seed=5)


@pytest.mark.parametrize("candidate, words", [
    (lambda n, f, p, s: math.ceil((n + 2 * p - f) / s) + 1, "ceil instead of floor"),
    (lambda n, f, p, s: (n + p - f) // s + 1, r"padding counted once \(p instead of 2p\)"),
    (lambda n, f, p, s: (n + 2 * p - f) // s, r"missing \+1"),
    (lambda n, f, p, s: n + 2 * p - f + 1, "stride ignored"),
    (lambda n, f, p, s: round((n + 2 * p - f) / s) + 1, r"ceil instead of floor \(or round\(\)"),
    (lambda n, f, p, s: (n + 2 * p - f + 1) // s, r"missing \+1 \(or the \+1 put inside the division\)"),
    (lambda n, f, p, s: (n + 2 * p - f) / s + 1, "not a whole number"),
    (not_written, "not written yet"),
])
def test_output_size_rejects_mistakes(candidate, words):
    with pytest.raises(AssertionError, match=words):
        check.output_size(candidate)


# ---------------------------------------------------------------------------------------
# same_padding


def same_padding_int(f):
    if f % 2 == 0:
        raise ValueError("use an odd filter size")
    return (f - 1) // 2


def same_padding_float(f):
    if f % 2 != 1:
        raise ValueError("even filter")
    return (f - 1) / 2


def same_padding_half(f):
    if f % 2 == 0:
        raise ValueError
    return f // 2


@pytest.mark.parametrize("candidate", [same_padding_int, same_padding_float, same_padding_half])
def test_same_padding_accepts_correct_variants(candidate):
    check.same_padding(candidate)
    check.same_padding(candidate, seed=3)


@pytest.mark.parametrize("candidate, words", [
    (lambda f: f - 1, "p is per side"),
    (lambda f: (f + 1) // 2, r"\(f \+ 1\) / 2 instead of"),
    (lambda f: (f - 1) / 2, "returned 0.5, which is not a whole number|returned normally; expected it "
                            "to raise ValueError"),
    (lambda f: (f - 1) // 2, "returned normally; expected it to raise ValueError"),
    (not_written, "not written yet"),
])
def test_same_padding_rejects_mistakes(candidate, words):
    with pytest.raises(AssertionError, match=words):
        check.same_padding(candidate)


# ---------------------------------------------------------------------------------------
# conv_forward: correct variants


def conv_loops(x, W, b, stride, pad):
    x = np.asarray(x, dtype=float)
    f, _, c_in, c_out = W.shape
    xp = np.zeros((x.shape[0] + 2 * pad, x.shape[1] + 2 * pad, c_in))
    xp[pad:pad + x.shape[0], pad:pad + x.shape[1]] = x
    rows = (x.shape[0] + 2 * pad - f) // stride + 1
    cols = (x.shape[1] + 2 * pad - f) // stride + 1
    out = np.zeros((rows, cols, c_out))
    for i in range(rows):
        for j in range(cols):
            for k in range(c_out):
                total = 0.0
                for u in range(f):
                    for v in range(f):
                        for c in range(c_in):
                            total += xp[i * stride + u, j * stride + v, c] * W[u, v, c, k]
                out[i, j, k] = total + b[k]
    return out


def conv_tensordot(x, W, b, stride, pad):
    xp = np.pad(x, ((pad, pad), (pad, pad), (0, 0)))
    f = W.shape[0]
    rows = (xp.shape[0] - f) // stride + 1
    cols = (xp.shape[1] - f) // stride + 1
    out = np.empty((rows, cols, W.shape[3]))
    for i in range(rows):
        for j in range(cols):
            window = xp[i * stride:i * stride + f, j * stride:j * stride + f, :]
            out[i, j] = np.tensordot(window, W, axes=([0, 1, 2], [0, 1, 2])) + b
    return out


def conv_windows(x, W, b, stride, pad):
    from numpy.lib.stride_tricks import sliding_window_view

    xp = np.pad(np.asarray(x, float), ((pad, pad), (pad, pad), (0, 0)))
    f = W.shape[0]
    windows = sliding_window_view(xp, (f, f), axis=(0, 1))[::stride, ::stride]  # (H', W', C, f, f)
    return np.einsum("hwcuv,uvck->hwk", windows, W) + b


def conv_via_scipy_per_channel(x, W, b, stride, pad):
    from scipy.signal import correlate2d

    xp = np.pad(np.asarray(x, float), ((pad, pad), (pad, pad), (0, 0)))
    maps = []
    for k in range(W.shape[3]):
        full = sum(correlate2d(xp[..., c], W[:, :, c, k], mode="valid") for c in range(x.shape[2]))
        maps.append(full[::stride, ::stride] + b[k])
    return np.stack(maps, axis=-1).tolist()  # a nested list is fine too


@pytest.mark.parametrize("candidate", [conv_loops, conv_tensordot, conv_windows, conv_via_scipy_per_channel])
def test_conv_forward_accepts_correct_variants(candidate):
    check.conv_forward(candidate)


def test_conv_forward_other_seed():
    check.conv_forward(conv_tensordot, seed=77)


def test_conv_forward_reproduces_the_lecture_volume():
    out = conv_tensordot(layers.VOLUME_X, layers.VOLUME_W, layers.VOLUME_B, 2, 1)
    assert np.array_equal(out, layers.VOLUME_OUT)
    assert np.array_equal(layers.conv_oracle(layers.VOLUME_X, layers.VOLUME_W, layers.VOLUME_B, 2, 1),
                          layers.VOLUME_OUT)


# ---------------------------------------------------------------------------------------
# conv_forward: mistakes


def conv_flipped(x, W, b, stride, pad):
    return conv_tensordot(x, W[::-1, ::-1], b, stride, pad)


def conv_with_relu(x, W, b, stride, pad):
    return np.maximum(conv_tensordot(x, W, b, stride, pad), 0)


def conv_no_bias(x, W, b, stride, pad):
    return conv_tensordot(x, W, np.zeros_like(b), stride, pad)


def conv_bias_per_input_channel(x, W, b, stride, pad):
    xp = np.pad(np.asarray(x, float), ((pad, pad), (pad, pad), (0, 0)))
    f = W.shape[0]
    rows = (xp.shape[0] - f) // stride + 1
    cols = (xp.shape[1] - f) // stride + 1
    out = np.zeros((rows, cols, W.shape[3]))
    for i in range(rows):
        for j in range(cols):
            for c in range(x.shape[2]):
                window = xp[i * stride:i * stride + f, j * stride:j * stride + f, c]
                out[i, j] += np.tensordot(window, W[:, :, c, :], axes=([0, 1], [0, 1])) + b
    return out


def conv_sum_of_biases(x, W, b, stride, pad):
    return conv_tensordot(x, W, np.zeros_like(b), stride, pad) + np.sum(b)


def conv_first_channel_only(x, W, b, stride, pad):
    return conv_tensordot(x[..., :1], W[:, :, :1], b, stride, pad)


def conv_mean_over_channels(x, W, b, stride, pad):
    return conv_tensordot(x, W, np.zeros_like(b), stride, pad) / x.shape[2] + b


def conv_no_stride(x, W, b, stride, pad):
    return conv_tensordot(x, W, b, 1, pad)


def conv_no_padding(x, W, b, stride, pad):
    return conv_tensordot(x, W, b, stride, 0)


def conv_pad_one_side(x, W, b, stride, pad):
    xp = np.pad(x, ((pad, 0), (pad, 0), (0, 0)))
    return conv_tensordot(xp, W, b, stride, 0)


def conv_channels_first(x, W, b, stride, pad):
    return conv_tensordot(x, W, b, stride, pad).transpose(2, 0, 1)


def conv_int_output(x, W, b, stride, pad):
    return conv_tensordot(x, W, b, stride, pad).astype(np.asarray(x).dtype)


@pytest.mark.parametrize("candidate, words", [
    (conv_flipped, r"the filter was flipped \(a true convolution\)"),
    (conv_with_relu, "ReLU applied inside conv_forward"),
    (conv_no_bias, "bias missing"),
    (conv_bias_per_input_channel, "bias was added once per input channel"),
    (conv_sum_of_biases, "sum of all biases"),
    (conv_first_channel_only, "only the first input channel was used"),
    (conv_mean_over_channels, "input channels averaged instead of summed"),
    (conv_no_stride, "stride ignored"),
    (conv_no_padding, "padding ignored"),
    (conv_pad_one_side, "padding added on one side only"),
    (conv_channels_first, "channels first"),
    (conv_int_output, "integer dtype"),
    (not_written, "not written yet"),
])
def test_conv_forward_rejects_mistakes(candidate, words):
    with pytest.raises(AssertionError, match=words):
        check.conv_forward(candidate)


# ---------------------------------------------------------------------------------------
# pool_forward


def pool_loops(x, f, s, mode):
    if mode not in ("max", "average"):
        raise ValueError(f"unknown mode {mode!r}")
    rows = (x.shape[0] - f) // s + 1
    cols = (x.shape[1] - f) // s + 1
    out = np.zeros((rows, cols, x.shape[2]))
    for i in range(rows):
        for j in range(cols):
            for c in range(x.shape[2]):
                window = x[i * s:i * s + f, j * s:j * s + f, c]
                out[i, j, c] = window.max() if mode == "max" else window.sum() / (f * f)
    return out


def pool_windows(x, f, s, mode):
    from numpy.lib.stride_tricks import sliding_window_view

    reducers = {"max": np.max, "average": np.mean}
    if mode not in reducers:
        raise ValueError("mode must be 'max' or 'average'")
    windows = sliding_window_view(x, (f, f), axis=(0, 1))[::s, ::s]  # (H', W', C, f, f)
    return reducers[mode](windows, axis=(-2, -1))


def pool_keeps_int_for_max(x, f, s, mode):
    out = pool_windows(x, f, s, mode)
    return out.astype(x.dtype) if mode == "max" else out


@pytest.mark.parametrize("candidate", [pool_loops, pool_windows, pool_keeps_int_for_max])
def test_pool_forward_accepts_correct_variants(candidate):
    check.pool_forward(candidate)
    check.pool_forward(candidate, seed=11)


def pool_swapped(x, f, s, mode):
    return pool_windows(x, f, s, {"max": "average", "average": "max"}.get(mode, mode))


def pool_across_channels(x, f, s, mode):
    reduce = np.max if mode == "max" else np.mean
    if mode not in ("max", "average"):
        raise ValueError
    rows, cols = (x.shape[0] - f) // s + 1, (x.shape[1] - f) // s + 1
    return np.array([[reduce(x[i * s:i * s + f, j * s:j * s + f, :]) for j in range(cols)] for i in range(rows)])


def pool_across_channels_broadcast(x, f, s, mode):
    return np.repeat(pool_across_channels(x, f, s, mode)[..., None], x.shape[2], axis=-1)


def pool_stride_one(x, f, s, mode):
    return pool_windows(x, f, 1, mode)


def pool_ceil(x, f, s, mode):
    if mode not in ("max", "average"):
        raise ValueError
    reduce = np.max if mode == "max" else np.mean
    rows = math.ceil((x.shape[0] - f) / s) + 1
    cols = math.ceil((x.shape[1] - f) / s) + 1
    return np.array([[reduce(x[i * s:i * s + f, j * s:j * s + f], axis=(0, 1)) for j in range(cols)]
                     for i in range(rows)])


def pool_average_over_f(x, f, s, mode):
    out = pool_windows(x, f, s, mode)
    return out * f if mode == "average" else out


def pool_int_output(x, f, s, mode):
    if mode not in ("max", "average"):
        raise ValueError
    out = np.zeros_like(x, shape=((x.shape[0] - f) // s + 1, (x.shape[1] - f) // s + 1, x.shape[2]))
    out[...] = pool_windows(x, f, s, mode)
    return out


def pool_silent_default(x, f, s, mode):
    return pool_windows(x, f, s, "average" if mode == "average" else "max")


@pytest.mark.parametrize("candidate, words", [
    (pool_swapped, "max and average swapped"),
    (pool_across_channels, "pooled across channels"),
    (pool_across_channels_broadcast, "pooled across channels: every channel got the same value"),
    (pool_stride_one, "stride ignored"),
    (pool_ceil, "ceil instead of floor"),
    (pool_average_over_f, "divided by f instead of f × f"),
    (pool_int_output, "integer dtype"),
    (pool_silent_default, "expected it to raise ValueError"),
    (not_written, "not written yet"),
])
def test_pool_forward_rejects_mistakes(candidate, words):
    with pytest.raises(AssertionError, match=words):
        check.pool_forward(candidate)


def test_pool_oracle_reproduces_the_lecture():
    assert np.array_equal(layers.pool_oracle(layers.POOL_4X4[..., None], 2, 2, "max")[..., 0], layers.POOL_4X4_MAX)
    assert np.array_equal(layers.pool_oracle(layers.POOL_5X5[..., None], 3, 1, "max")[..., 0], layers.POOL_5X5_MAX)


# ---------------------------------------------------------------------------------------
# relu


@pytest.mark.parametrize("candidate", [
    lambda z: np.maximum(0, z),
    lambda z: np.where(z > 0, z, 0),
    lambda z: z * (z > 0),
    lambda z: np.clip(z, 0, None),
    lambda z: np.array([max(0.0, float(v)) for v in np.ravel(z)]).reshape(np.shape(z)),
])
def test_relu_accepts_correct_variants(candidate):
    check.relu(candidate)
    check.relu(candidate, seed=9)


def relu_in_place(z):
    z[z < 0] = 0
    return z


@pytest.mark.parametrize("candidate, words", [
    (lambda z: np.maximum(z, 1), "clipped at 1 instead of 0"),
    (lambda z: np.minimum(z, 0), "np.minimum instead of np.maximum"),
    (lambda z: np.abs(z), "absolute value instead of clipping"),
    (lambda z: z > 0, r"the mask z > 0"),
    (lambda z: np.clip(z, 0, 1), "values above 1 were clipped too"),
    (lambda z: np.max(z), "expected a numpy array"),
    (relu_in_place, "changed its input array in place"),
    (not_written, "not written yet"),
])
def test_relu_rejects_mistakes(candidate, words):
    with pytest.raises(AssertionError, match=words):
        check.relu(candidate)


# ---------------------------------------------------------------------------------------
# softmax


def softmax_stable(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_logsumexp(z):
    from scipy.special import logsumexp

    return np.exp(z - logsumexp(z, axis=-1, keepdims=True))


def softmax_rows_loop(z):
    z = np.asarray(z, dtype=float)
    if z.ndim == 1:
        shifted = np.exp(z - np.max(z))
        return shifted / np.sum(shifted)
    return np.array([softmax_rows_loop(row) for row in z])


@pytest.mark.parametrize("candidate", [softmax_stable, softmax_logsumexp, softmax_rows_loop])
def test_softmax_accepts_correct_variants(candidate):
    check.softmax(candidate)
    check.softmax(candidate, seed=4)


def softmax_naive(z):
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def softmax_global_max(z):
    e = np.exp(z - np.max(z))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_whole_array(z):
    from scipy.special import softmax

    return softmax(z)  # scipy's default axis=None normalises the whole array


def softmax_axis0(z):
    e = np.exp(z - np.max(z, axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def softmax_1d_only(z):
    e = np.exp(z - np.max(z))
    return e / e.sum()


@pytest.mark.parametrize("candidate, words", [
    (softmax_naive, "overflow: np.exp of a large logit is inf"),
    (softmax_global_max, "the maximum of the whole array was subtracted"),
    (softmax_whole_array, "normalised over the whole array instead of each row"),
    (softmax_axis0, r"normalised over axis 0"),
    (softmax_1d_only, "normalised over the whole array instead of each row"),
    (lambda z: 1 / (1 + np.exp(-z)), "that is the sigmoid"),
    (lambda z: z / z.sum(axis=-1, keepdims=True), "the exponential is missing"),
    (not_written, "not written yet"),
])
def test_softmax_rejects_mistakes(candidate, words):
    with pytest.raises(AssertionError, match=words):
        check.softmax(candidate)


def test_softmax_huge_logits_message_shows_finite_expectation():
    with pytest.raises(AssertionError, match=r"not finite \(nan or inf\)"):
        check.softmax(softmax_naive)


# ---------------------------------------------------------------------------------------
# flatten


@pytest.mark.parametrize("candidate", [
    lambda x: x.reshape(-1),
    lambda x: np.ravel(x),
    lambda x: x.flatten(),
    lambda x: [float(v) for v in np.nditer(x, order="C")],
])
def test_flatten_accepts_correct_variants(candidate):
    check.flatten(candidate)
    check.flatten(candidate, seed=2)


@pytest.mark.parametrize("candidate, words", [
    (lambda x: x.flatten(order="F"), r"column-major order \(order='F'\)"),
    (lambda x: np.moveaxis(x, -1, 0).reshape(-1), "flattened channel by channel"),
    (lambda x: x.reshape(-1, 1), "expected a 1-D array"),
    (lambda x: x[..., 0].reshape(-1), "only the first channel"),
    (not_written, "not written yet"),
])
def test_flatten_rejects_mistakes(candidate, words):
    with pytest.raises(AssertionError, match=words):
        check.flatten(candidate)


def test_checks_print_nothing_to_stderr(capfd):
    check.softmax(softmax_stable)
    with pytest.raises(AssertionError):
        check.softmax(softmax_naive)
    check.conv_forward(conv_tensordot)
    check.pool_forward(pool_windows)
    assert capfd.readouterr().err == ""


# ---------------------------------------------------------------------------------------
# Mistakes added in review: each gets a message that names it


def conv_first_bias_everywhere(x, W, b, stride, pad):
    return conv_tensordot(x, W, np.zeros_like(b), stride, pad) + b[0]


def pool_drops_channel_axis(x, f, s, mode):
    out = pool_windows(x, f, s, mode)
    return out[..., 0] if out.shape[-1] == 1 else out


def softmax_row_max_whole_sum(z):
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / e.sum()


@pytest.mark.parametrize("check_name, candidate, words", [
    ("conv_forward", conv_first_bias_everywhere, r"the same bias|first filter's bias b\[0\]"),
    ("pool_forward", pool_drops_channel_axis, "dropped the channel axis"),
    ("softmax", softmax_row_max_whole_sum, "shifted by its own maximum .good., but divided by the sum over "
                                           "the whole array"),
    ("relu", lambda z: np.where(z > 0, z, 0.01 * z), "leaky ReLU"),
    ("relu", lambda z: np.max(z, 0), r"np.max\(z, 0\).*reduces the array"),
])
def test_review_mistakes_are_named(check_name, candidate, words):
    with pytest.raises(AssertionError, match=words):
        getattr(check, check_name)(candidate)


def test_first_bias_everywhere_is_named_on_random_input_too():
    """On the lecture's example (b = [1, 0]) b[0] and the sum of the biases coincide; a random
    case with three filters tells them apart."""
    rng = np.random.default_rng(0)
    x, W, b = rng.normal(size=(6, 5, 2)), rng.normal(size=(3, 3, 2, 3)), np.array([0.5, -1.0, 2.0])
    mistakes = layers._conv_mistakes(x, W, b, 1, 0)
    from autograder.feedback import name_mistake

    got = conv_first_bias_everywhere(x, W, b, 1, 0)
    assert name_mistake(got, mistakes).startswith("every output channel got the first filter's bias b[0]")
