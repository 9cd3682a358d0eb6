"""Unit tests of the checks of assignment 05 (padding, stride, batched convolution and
pooling, ReLU, softmax, flatten): every right variant passes (loops or vectorised, float32
or float64, any allowed input form), every typical mistake fails with a message that
names it.

``RIGHT_VARIANTS`` (shared convention 1) lists the right implementations this module
tests, so that tests/test_hidden_seeds.py can run them under the hidden tests' seeds.
"""

import math

import numpy as np
import pytest
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from autograder import check
from autograder.checks import layers


def not_written(*args, **kwargs):
    raise NotImplementedError()


def fails_with(check_name, candidate, words, **options):
    with pytest.raises(AssertionError, match=words):
        getattr(check, check_name)(candidate, **options)


# ---------------------------------------------------------------------------------------
# output_size


def output_size_floor_div(n, f, p, s):
    if s < 1 or p < 0 or n < 1 or f < 1 or f > n + 2 * p:
        raise ValueError(f"no layer has n={n}, f={f}, p={p}, s={s}")
    return (n + 2 * p - f) // s + 1


def output_size_math_floor(n, f, p, s):
    for name, value, least in [("n", n, 1), ("f", f, 1), ("s", s, 1), ("p", p, 0)]:
        if value < least:
            raise ValueError(f"{name} must be at least {least}")
    if f > n + 2 * p:
        raise ValueError("the window does not fit")
    return math.floor((n + 2 * p - f) / s) + 1


def output_size_numpy_int(n, f, p, s):
    if min(n, f, s) < 1 or p < 0 or n + 2 * p < f:
        raise ValueError("impossible layer")
    return np.int64((n + 2 * p - f) // s) + 1


def output_size_counting(n, f, p, s):
    """Counts the window positions one by one."""
    if s <= 0 or p < 0 or n <= 0 or f <= 0:
        raise ValueError("sizes must be positive, padding non-negative")
    positions = len(range(0, n + 2 * p - f + 1, s))
    if positions == 0:
        raise ValueError("the window is larger than the padded input")
    return positions


OUTPUT_SIZE_RIGHT = [output_size_floor_div, output_size_math_floor, output_size_numpy_int, output_size_counting]


@pytest.mark.parametrize("candidate", OUTPUT_SIZE_RIGHT)
def test_output_size_accepts_right_variants(candidate):
    check.output_size(candidate)
    check.output_size(candidate, seed=5)


def output_size_unchecked(n, f, p, s):
    return (n + 2 * p - f) // s + 1


def output_size_assert(n, f, p, s):
    assert s >= 1 and p >= 0 and n >= 1 and 1 <= f <= n + 2 * p
    return (n + 2 * p - f) // s + 1


def output_size_only_stride_checked(n, f, p, s):
    if s < 1:
        raise ValueError("stride must be positive")
    return (n + 2 * p - f) // s + 1


def valid(formula):
    """A wrong formula behind the right argument checks, so the formula is what fails."""
    def candidate(n, f, p, s):
        output_size_floor_div(n, f, p, s)
        return formula(n, f, p, s)
    return candidate


@pytest.mark.parametrize("candidate, words", [
    (valid(lambda n, f, p, s: math.ceil((n + 2 * p - f) / s) + 1), "ceil instead of floor"),
    (valid(lambda n, f, p, s: (n + p - f) // s + 1), r"padding counted once \(p instead of 2p\)"),
    (valid(lambda n, f, p, s: (n + 2 * p - f) // s), r"missing \+1"),
    (valid(lambda n, f, p, s: n + 2 * p - f + 1), "stride ignored"),
    (valid(lambda n, f, p, s: round((n + 2 * p - f) / s) + 1), r"ceil instead of floor \(or round\(\)"),
    (valid(lambda n, f, p, s: (n + 2 * p - f + 1) // s), r"\+1 put inside the division"),
    (valid(lambda n, f, p, s: (n + 2 * p - f) / s + 1), r"returned 2.0, a float.*use `//` instead of `/`"),
    (valid(lambda n, f, p, s: float((n + 2 * p - f) // s + 1)), r"a float; an output size is a count"),
    (valid(lambda n, f, p, s: np.floor((n + 2 * p - f) / s) + 1), r"a float64; an output size is a count"),
    (output_size_unchecked, r"raised ZeroDivisionError .*expected ValueError. a stride of 0"),
    (output_size_assert, "raised AssertionError.*expected ValueError"),
    (output_size_only_stride_checked, "padding cannot be negative"),
    (not_written, "not written yet"),
])
def test_output_size_rejects_mistakes(candidate, words):
    fails_with("output_size", candidate, words)


# ---------------------------------------------------------------------------------------
# same_padding


def same_padding_int(f):
    if f < 1 or f % 2 == 0:
        raise ValueError("use a positive odd filter size")
    return (f - 1) // 2


def same_padding_half(f):
    if f <= 0:
        raise ValueError("f must be positive")
    if f % 2 != 1:
        raise ValueError("even filter")
    return f // 2


def same_padding_int_of_float(f):
    if not (f >= 1 and f % 2 == 1):
        raise ValueError(f"'same' padding needs an odd f >= 1, not {f}")
    return int((f - 1) / 2)


SAME_PADDING_RIGHT = [same_padding_int, same_padding_half, same_padding_int_of_float]


@pytest.mark.parametrize("candidate", SAME_PADDING_RIGHT)
def test_same_padding_accepts_right_variants(candidate):
    check.same_padding(candidate)
    check.same_padding(candidate, seed=3)


def same_padding_even_only(f):
    if f % 2 == 0:
        raise ValueError("even")
    return (f - 1) // 2


@pytest.mark.parametrize("candidate, words", [
    (lambda f: same_padding_int(f) * 2, "p is per side"),
    (lambda f: (same_padding_int(f) * 2 + 2) // 2, r"\(f \+ 1\) / 2 instead of"),
    (lambda f: same_padding_int(f) / 1, "a float; a padding is a count"),
    (lambda f: (f - 1) // 2, "returned normally; expected it to raise ValueError"),
    (same_padding_even_only, r"same_padding\(-3\) returned normally.*f < 1"),
    (not_written, "not written yet"),
])
def test_same_padding_rejects_mistakes(candidate, words):
    fails_with("same_padding", candidate, words)


# ---------------------------------------------------------------------------------------
# conv_forward: right variants (batched, channels last)


def need_batch(x):
    if np.ndim(x) != 4:
        raise ValueError(f"x must be a batch (m, n_H, n_W, n_C), got {np.ndim(x)} axes: "
                         "for a single image pass x[None]")


def conv_loops(x, W, b, stride, pad):
    """Seven nested loops, the definition written out."""
    need_batch(x)
    m, n_h, n_w, c_in = x.shape
    f, _, _, c_out = W.shape
    xp = np.zeros((m, n_h + 2 * pad, n_w + 2 * pad, c_in))
    xp[:, pad:pad + n_h, pad:pad + n_w] = x
    rows = (n_h + 2 * pad - f) // stride + 1
    cols = (n_w + 2 * pad - f) // stride + 1
    out = np.zeros((m, rows, cols, c_out))
    for i in range(m):
        for r in range(rows):
            for c in range(cols):
                for k in range(c_out):
                    total = 0.0
                    for u in range(f):
                        for v in range(f):
                            for ch in range(c_in):
                                total += xp[i, r * stride + u, c * stride + v, ch] * W[u, v, ch, k]
                    out[i, r, c, k] = total + b[k]
    return out


def conv_tensordot(x, W, b, stride, pad):
    """One window at a time, all filters at once."""
    need_batch(x)
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    f = W.shape[0]
    rows = (xp.shape[1] - f) // stride + 1
    cols = (xp.shape[2] - f) // stride + 1
    out = np.empty((x.shape[0], rows, cols, W.shape[3]))
    for r in range(rows):
        for c in range(cols):
            window = xp[:, r * stride:r * stride + f, c * stride:c * stride + f, :]
            out[:, r, c] = np.tensordot(window, W, axes=([1, 2, 3], [0, 1, 2])) + b
    return out


def conv_windows(x, W, b, stride, pad):
    """sliding_window_view + einsum, no Python loop."""
    need_batch(x)
    xp = np.pad(np.asarray(x, float), ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    f = W.shape[0]
    windows = sliding_window_view(xp, (f, f), axis=(1, 2))[:, ::stride, ::stride]  # (m, H', W', C, f, f)
    return np.einsum("mhwcuv,uvck->mhwk", windows, W) + b


def conv_im2col(x, W, b, stride, pad):
    """im2col: every window becomes a row of a matrix; one matrix product does the rest."""
    need_batch(x)
    m, n_h, n_w, c_in = x.shape
    f, _, _, c_out = W.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0))).astype(float)
    rows = (n_h + 2 * pad - f) // stride + 1
    cols = (n_w + 2 * pad - f) // stride + 1
    columns = np.empty((m, rows, cols, f * f * c_in))
    for r in range(rows):
        for c in range(cols):
            columns[:, r, c] = xp[:, r * stride:r * stride + f, c * stride:c * stride + f, :].reshape(m, -1)
    return columns @ W.reshape(-1, c_out) + b


def conv_float32(x, W, b, stride, pad):
    """The whole computation in float32 (half the memory, the precision Keras uses)."""
    return conv_windows(np.asarray(x, np.float32), np.asarray(W, np.float32), stride=stride, pad=pad,
                        b=np.asarray(b, np.float32)).astype(np.float32)


def conv_float32_stored_in_float64(x, W, b, stride, pad):
    """float32 arithmetic written into a float64 output array."""
    need_batch(x)
    x32, W32 = np.asarray(x, np.float32), np.asarray(W, np.float32)
    out = conv_tensordot(x32, W32, np.zeros(W.shape[3], np.float32), stride, pad)
    return out + b


def conv_as_strided_own_strides(x, W, b, stride, pad):
    """as_strided done right: strides taken from the padded array itself."""
    need_batch(x)
    xp = np.pad(np.asarray(x, float), ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    f = W.shape[0]
    m, h, w, c = xp.shape
    rows, cols = (h - f) // stride + 1, (w - f) // stride + 1
    sm, sh, sw, sc = xp.strides
    windows = as_strided(xp, shape=(m, rows, cols, f, f, c),
                         strides=(sm, sh * stride, sw * stride, sh, sw, sc), writeable=False)
    return np.tensordot(windows, W, axes=([3, 4, 5], [0, 1, 2])) + b


def conv_scipy_per_example(x, W, b, stride, pad):
    from scipy.signal import correlate2d

    need_batch(x)
    xp = np.pad(np.asarray(x, float), ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    examples = []
    for example in xp:
        maps = [sum(correlate2d(example[..., c], W[:, :, c, k], mode="valid") for c in range(x.shape[3]))
                [::stride, ::stride] + b[k] for k in range(W.shape[3])]
        examples.append(np.stack(maps, axis=-1))
    return np.stack(examples)


CONV_RIGHT = [conv_loops, conv_tensordot, conv_windows, conv_im2col, conv_float32,
              conv_float32_stored_in_float64, conv_as_strided_own_strides, conv_scipy_per_example]


@pytest.mark.parametrize("candidate", CONV_RIGHT)
def test_conv_forward_accepts_right_variants(candidate):
    check.conv_forward(candidate)


@pytest.mark.parametrize("candidate", [conv_windows, conv_float32])
def test_conv_forward_other_seeds(candidate):
    check.conv_forward(candidate, seed=77)


def test_conv_forward_reproduces_the_lecture_volume():
    out = conv_tensordot(layers.VOLUME_X[None], layers.VOLUME_W, layers.VOLUME_B, 2, 1)
    assert np.array_equal(out[0], layers.VOLUME_OUT)
    assert np.array_equal(layers.conv_oracle(layers.VOLUME_X[None], layers.VOLUME_W, layers.VOLUME_B, 2, 1)[0],
                          layers.VOLUME_OUT)


def test_conv_oracle_agrees_with_numpy_loops_on_every_case():
    for x, W, b, stride, pad in layers.conv_cases(np.random.default_rng(3)):
        assert np.allclose(layers.conv_oracle(x, W, b, stride, pad), conv_loops(x, W, b, stride, pad),
                           rtol=1e-12, atol=1e-9)


def test_float32_conv_needs_the_tolerance_of_summed_terms():
    """On the cancelling case a float32 answer is off by far more than a tolerance relative to
    the output allows (the old check's 1e-6), yet within the bound of Σ|terms|."""
    x, W, b, stride, pad = layers._cancelling_case(np.random.default_rng(0))
    exact = layers.conv_oracle(x, W, b, stride, pad)
    single = conv_float32(x, W, b, stride, pad)
    error = np.abs(single - exact)
    assert error.max() > 1e-4  # the old absolute tolerance 1e-6 would reject it
    assert np.all(error <= layers.conv_tolerance(x, W, b, stride, pad))


# ---------------------------------------------------------------------------------------
# conv_forward: mistakes


def conv_flipped(x, W, b, stride, pad):
    return conv_windows(x, W[::-1, ::-1], b, stride, pad)


def conv_with_relu(x, W, b, stride, pad):
    return np.maximum(conv_windows(x, W, b, stride, pad), 0)


def conv_no_bias(x, W, b, stride, pad):
    return conv_windows(x, W, np.zeros_like(b), stride, pad)


def conv_bias_per_input_channel(x, W, b, stride, pad):
    return conv_windows(x, W, b, stride, pad) + (x.shape[3] - 1) * b


def conv_sum_of_biases(x, W, b, stride, pad):
    return conv_windows(x, W, np.zeros_like(b), stride, pad) + np.sum(b)


def conv_first_bias_everywhere(x, W, b, stride, pad):
    return conv_windows(x, W, np.zeros_like(b), stride, pad) + b[0]


def conv_first_channel_only(x, W, b, stride, pad):
    return conv_windows(x[..., :1], W[:, :, :1], b, stride, pad)


def conv_mean_over_channels(x, W, b, stride, pad):
    return conv_windows(x, W, np.zeros_like(b), stride, pad) / x.shape[3] + b


def conv_no_stride(x, W, b, stride, pad):
    return conv_windows(x, W, b, 1, pad)


def conv_no_padding(x, W, b, stride, pad):
    return conv_windows(x, W, b, stride, 0)


def conv_pad_one_side(x, W, b, stride, pad):
    need_batch(x)
    return conv_windows(np.pad(x, ((0, 0), (pad, 0), (pad, 0), (0, 0))), W, b, stride, 0)


def conv_channels_first(x, W, b, stride, pad):
    return conv_windows(x, W, b, stride, pad).transpose(0, 3, 1, 2)


def conv_int_output(x, W, b, stride, pad):
    """np.zeros_like(x) as the output: the input's integer dtype truncates (uint8 wraps)."""
    need_batch(x)
    right = conv_windows(x, W, b, stride, pad)
    out = np.zeros_like(x, shape=right.shape)
    out[...] = right
    return out


def conv_first_example_everywhere(x, W, b, stride, pad):
    need_batch(x)
    one = conv_windows(x[:1], W, b, stride, pad)
    return np.repeat(one, len(x), axis=0)


def conv_single_image_inside(x, W, b, stride, pad):
    """Written for one image and given only x[0]: the batch axis disappears."""
    need_batch(x)
    return conv_windows(x[:1], W, b, stride, pad)[0]


def conv_assumes_c_order(x, W, b, stride, pad):
    """as_strided with strides computed from the shape: right only for C-contiguous arrays."""
    need_batch(x)
    xp = np.pad(np.asarray(x, float), ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    f = W.shape[0]
    m, h, w, c = xp.shape
    rows, cols = (h - f) // stride + 1, (w - f) // stride + 1
    item = xp.itemsize
    sc, sw, sh, sm = item, item * c, item * c * w, item * c * w * h  # C-order strides, assumed
    flat = np.frombuffer(xp.tobytes(order="A"), dtype=float)  # memory order, not C order
    windows = as_strided(flat, shape=(m, rows, cols, f, f, c),
                         strides=(sm, sh * stride, sw * stride, sh, sw, sc), writeable=False)
    contiguous_W = np.frombuffer(np.asarray(W, float).tobytes(order="A"), dtype=float).reshape(W.shape)
    return np.tensordot(windows, contiguous_W, axes=([3, 4, 5], [0, 1, 2])) + b


def conv_no_batch_check(x, W, b, stride, pad):
    """Right on batches; a single image fails deep inside np.pad with an unhelpful message."""
    xp = np.pad(np.asarray(x, float), ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    f = W.shape[0]
    windows = sliding_window_view(xp, (f, f), axis=(1, 2))[:, ::stride, ::stride]
    return np.einsum("mhwcuv,uvck->mhwk", windows, W) + b


def conv_unpacks_shape(x, W, b, stride, pad):
    """Right on batches; a single image gives 'not enough values to unpack', a ValueError that
    says nothing about the batch."""
    m, n_h, n_w, c_in = x.shape
    return conv_tensordot(x, W, b, stride, pad)


def conv_list_output(x, W, b, stride, pad):
    return conv_windows(x, W, b, stride, pad).tolist()


def conv_float16(x, W, b, stride, pad):
    return conv_windows(np.asarray(x, np.float16), np.asarray(W, np.float16), np.asarray(b, np.float16),
                        stride, pad).astype(np.float16)


@pytest.mark.parametrize("candidate, words", [
    (conv_flipped, r"the filter was flipped \(a true convolution\)"),
    (conv_with_relu, "ReLU applied inside conv_forward"),
    (conv_no_bias, "bias missing"),
    (conv_bias_per_input_channel, "bias was added once per input channel"),
    (conv_sum_of_biases, "sum of all biases"),
    (conv_first_bias_everywhere, r"first filter's bias b\[0\]|the same bias"),
    (conv_first_channel_only, "only the first input channel was used"),
    (conv_mean_over_channels, "input channels averaged instead of summed"),
    (conv_no_stride, "stride ignored"),
    (conv_no_padding, "padding ignored"),
    (conv_pad_one_side, "padding added on one side only"),
    (conv_channels_first, "channels first"),
    (conv_int_output, "promises a float array|integer dtype"),
    (conv_first_example_everywhere, "every example of the batch got the first example's output"),
    (conv_single_image_inside, "only the first example was computed, or the batch axis was dropped"),
    (conv_assumes_c_order, "right on a C-contiguous copy of the same input but wrong on this one"),
    (conv_no_batch_check, r"raised ValueError.*the right kind of error, but its message should say.*x\[None\]"),
    (conv_unpacks_shape, r"not enough values to unpack.*should say what to do"),
    (conv_list_output, "returned a list; return a numpy array"),
    (conv_float16, "values differ"),
    (not_written, "not written yet"),
])
def test_conv_forward_rejects_mistakes(candidate, words):
    fails_with("conv_forward", candidate, words)


def test_conv_int_output_is_named_on_the_uint8_case():
    """On the uint8 batch, storing into np.zeros_like(x) truncates and wraps: the message names it."""
    x, W, b, stride, pad = list(layers.conv_cases(np.random.default_rng(0)))[4]
    assert x.dtype == np.uint8
    wrong = conv_int_output(x, W, b, stride, pad)
    mistakes = {**layers._conv_dtype_mistake(x, x, W, b, stride, pad), **layers._conv_mistakes(x, W, b, stride, pad)}
    from autograder.checks._contract import _first_mistake

    assert "integer dtype" in _first_mistake(wrong, mistakes, layers.conv_tolerance(x, W, b, stride, pad))


def test_first_bias_everywhere_is_named_on_random_input_too():
    """On the lecture's example (b = [1, 0]) b[0] and the sum of the biases coincide; a random
    case with three filters tells them apart."""
    from autograder.checks._contract import _first_mistake

    rng = np.random.default_rng(0)
    x, W, b = rng.normal(size=(2, 6, 5, 2)), rng.normal(size=(3, 3, 2, 3)), np.array([0.5, -1.0, 2.0])
    got = conv_first_bias_everywhere(x, W, b, 1, 0)
    name = _first_mistake(got, layers._conv_mistakes(x, W, b, 1, 0), layers.conv_tolerance(x, W, b, 1, 0))
    assert name.startswith("every output channel got the first filter's bias b[0]")


# ---------------------------------------------------------------------------------------
# pool_forward


def pool_loops(x, f, s, mode):
    if np.ndim(x) != 4:
        raise ValueError("pool_forward needs a batch (m, n_H, n_W, n_C): add a batch axis with x[None]")
    if mode not in ("max", "average"):
        raise ValueError(f"unknown mode {mode!r}")
    m, n_h, n_w, c = x.shape
    rows, cols = (n_h - f) // s + 1, (n_w - f) // s + 1
    out = np.zeros((m, rows, cols, c))
    for i in range(m):
        for r in range(rows):
            for q in range(cols):
                for k in range(c):
                    window = x[i, r * s:r * s + f, q * s:q * s + f, k]
                    out[i, r, q, k] = window.max() if mode == "max" else window.sum() / (f * f)
    return out


def pool_windows(x, f, s, mode):
    reducers = {"max": np.max, "average": np.mean}
    if mode not in reducers:
        raise ValueError("mode must be 'max' or 'average'")
    if x.ndim != 4:
        raise ValueError("expected a batch of images; use x[None] for a single one")
    windows = sliding_window_view(np.asarray(x, float), (f, f), axis=(1, 2))[:, ::s, ::s]
    return reducers[mode](windows, axis=(-2, -1))


def pool_float32(x, f, s, mode):
    return pool_windows(np.asarray(x, np.float32), f, s, mode)


def pool_per_window_vectorised(x, f, s, mode):
    """Loops over output positions, reduces all examples and channels of a window at once."""
    if x.ndim != 4:
        raise ValueError("x has no batch axis: pass x[None] for one image")
    reduce = {"max": np.max, "average": np.mean}.get(mode)
    if reduce is None:
        raise ValueError(mode)
    rows, cols = (x.shape[1] - f) // s + 1, (x.shape[2] - f) // s + 1
    out = np.empty((x.shape[0], rows, cols, x.shape[3]), dtype=np.float64)
    for r in range(rows):
        for q in range(cols):
            out[:, r, q, :] = reduce(x[:, r * s:r * s + f, q * s:q * s + f, :], axis=(1, 2))
    return out


POOL_RIGHT = [pool_loops, pool_windows, pool_float32, pool_per_window_vectorised]


@pytest.mark.parametrize("candidate", POOL_RIGHT)
def test_pool_forward_accepts_right_variants(candidate):
    check.pool_forward(candidate)
    check.pool_forward(candidate, seed=11)


def pool_swapped(x, f, s, mode):
    return pool_windows(x, f, s, {"max": "average", "average": "max"}.get(mode, mode))


def pool_across_channels(x, f, s, mode):
    if mode not in ("max", "average") or x.ndim != 4:
        raise ValueError("batch, and mode max or average")
    x = np.asarray(x, float)
    reduce = np.max if mode == "max" else np.mean
    rows, cols = (x.shape[1] - f) // s + 1, (x.shape[2] - f) // s + 1
    return np.stack([np.array([[reduce(e[r * s:r * s + f, q * s:q * s + f, :]) for q in range(cols)]
                               for r in range(rows)]) for e in x])


def pool_across_channels_broadcast(x, f, s, mode):
    return np.repeat(pool_across_channels(x, f, s, mode)[..., None], x.shape[3], axis=-1)


def pool_across_batch(x, f, s, mode):
    pooled = pool_windows(x, f, s, mode)
    merged = pooled.max(axis=0, keepdims=True) if mode == "max" else pooled.mean(axis=0, keepdims=True)
    return np.repeat(merged, len(x), axis=0)


def pool_stride_one(x, f, s, mode):
    return pool_windows(x, f, 1, mode)


def pool_ceil(x, f, s, mode):
    if mode not in ("max", "average") or x.ndim != 4:
        raise ValueError("batch, and mode max or average")
    reduce = np.max if mode == "max" else np.mean
    rows = math.ceil((x.shape[1] - f) / s) + 1
    cols = math.ceil((x.shape[2] - f) / s) + 1
    out = np.zeros((x.shape[0], rows, cols, x.shape[3]))
    for r in range(rows):
        for q in range(cols):
            out[:, r, q] = reduce(x[:, r * s:r * s + f, q * s:q * s + f], axis=(1, 2))
    return out


def pool_average_over_f(x, f, s, mode):
    out = pool_windows(x, f, s, mode)
    return out * f if mode == "average" else out


def pool_int_output(x, f, s, mode):
    out = np.zeros_like(x, shape=pool_windows(x, f, s, mode).shape)
    out[...] = pool_windows(x, f, s, mode)
    return out


def pool_silent_default(x, f, s, mode):
    if x.ndim != 4:
        raise ValueError("add a batch axis")
    return pool_windows(x, f, s, "average" if mode == "average" else "max")


def pool_drops_channel_axis(x, f, s, mode):
    out = pool_windows(x, f, s, mode)
    return out[..., 0] if out.shape[-1] == 1 else out


def pool_no_batch_message(x, f, s, mode):
    if mode not in ("max", "average"):
        raise ValueError("bad mode")
    m, h, w, c = x.shape  # a single image: "not enough values to unpack"
    return pool_windows(x, f, s, mode)


def pool_in_place_relu_first(x, f, s, mode):
    """Clears the negative values of the caller's array before pooling."""
    if np.issubdtype(x.dtype, np.floating):
        x[x < 0] = 0
    return pool_windows(x, f, s, mode)


@pytest.mark.parametrize("candidate, words", [
    (pool_swapped, "max and average swapped"),
    (pool_across_channels, "pooled across channels"),
    (pool_across_channels_broadcast, "pooled across channels: every channel got the same value"),
    (pool_across_batch, "pooled across the batch too"),
    (pool_stride_one, "stride ignored"),
    (pool_ceil, "ceil instead of floor"),
    (pool_average_over_f, "divided by f instead of f × f"),
    (pool_int_output, "promises a float array|integer dtype"),
    (pool_silent_default, "expected it to raise ValueError"),
    (pool_drops_channel_axis, "dropped the channel axis"),
    (pool_no_batch_message, "should say what to do"),
    (pool_in_place_relu_first, "changed its input array in place"),
    (not_written, "not written yet"),
])
def test_pool_forward_rejects_mistakes(candidate, words):
    fails_with("pool_forward", candidate, words)


def test_pool_oracle_reproduces_the_lecture():
    assert np.array_equal(layers.pool_oracle(layers.POOL_4X4[None, ..., None], 2, 2, "max")[0, ..., 0],
                          layers.POOL_4X4_MAX)
    assert np.array_equal(layers.pool_oracle(layers.POOL_5X5[None, ..., None], 3, 1, "max")[0, ..., 0],
                          layers.POOL_5X5_MAX)


# ---------------------------------------------------------------------------------------
# relu


def relu_list_comprehension(z):
    return np.array([max(0.0, float(v)) for v in np.ravel(z)]).reshape(np.shape(z))


RELU_RIGHT = [
    lambda z: np.maximum(0, z),
    lambda z: np.where(z > 0, z, 0),
    lambda z: z * (z > 0),
    lambda z: np.clip(z, 0, None),
    relu_list_comprehension,
    lambda z: np.maximum(np.asarray(z, np.float32), 0),
]


@pytest.mark.parametrize("candidate", RELU_RIGHT)
def test_relu_accepts_right_variants(candidate):
    check.relu(candidate)
    check.relu(candidate, seed=9)


def relu_in_place(z):
    z[z < 0] = 0
    return z


def relu_into_int_array(z):
    out = np.zeros(np.shape(z), dtype=int)
    out[...] = np.maximum(z, 0)
    return out


@pytest.mark.parametrize("candidate, words", [
    (lambda z: np.maximum(z, 1), "clipped at 1 instead of 0"),
    (lambda z: np.minimum(z, 0), "np.minimum instead of np.maximum"),
    (lambda z: np.abs(z), "absolute value instead of clipping"),
    (lambda z: z > 0, r"the mask z > 0"),
    (lambda z: np.clip(z, 0, 1), "values above 1 were clipped too"),
    (lambda z: np.max(z), "expected a numpy array"),
    (lambda z: np.where(z > 0, z, 0.01 * z), "leaky ReLU"),
    (lambda z: np.max(z, 0), r"np.max\(z, 0\).*reduces the array"),
    (relu_in_place, "changed its input array in place"),
    (relu_into_int_array, "truncated to integers"),
    (lambda z: np.maximum(z, 0).tolist(), "returned a list; return a numpy array"),
    (not_written, "not written yet"),
])
def test_relu_rejects_mistakes(candidate, words):
    fails_with("relu", candidate, words)


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


def softmax_float32(z):
    z = np.asarray(z, dtype=np.float32)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_keras(z):
    import keras

    return keras.ops.convert_to_numpy(keras.ops.softmax(np.asarray(z, np.float32), axis=-1))


def softmax_divide_then_log_space(z):
    """Shift by the maximum, then normalise in log space."""
    z = np.asarray(z, dtype=float)
    shifted = z - z.max(axis=-1, keepdims=True)
    return np.exp(shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True)))


SOFTMAX_RIGHT = [softmax_stable, softmax_logsumexp, softmax_rows_loop, softmax_float32, softmax_keras,
                 softmax_divide_then_log_space]


@pytest.mark.parametrize("candidate", SOFTMAX_RIGHT)
def test_softmax_accepts_right_variants(candidate):
    check.softmax(candidate)
    check.softmax(candidate, seed=4)


def softmax_naive(z):
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def softmax_naive_float32(z):
    """Naive, but in float32: exp overflows already at 89, so logits of 100 break it."""
    z = np.asarray(z, dtype=np.float32)
    if np.abs(z).max() > 500:  # survives the float64 cases of ±1000 by luck, not the float32 ones
        return softmax_stable(z)
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


def softmax_row_max_whole_sum(z):
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / e.sum()


def softmax_in_place_shift(z):
    z -= z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def softmax_min_shift(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.min(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("candidate, words", [
    (softmax_naive, "overflow: np.exp of a large logit is inf"),
    (softmax_naive_float32, r"softmax\(<3 float32 array>\) returned values that are not finite(.|\n)*overflow"),
    (softmax_global_max, "the maximum of the whole array was subtracted"),
    (softmax_whole_array, "normalised over the whole array instead of each row"),
    (softmax_axis0, r"normalised over axis 0"),
    (softmax_1d_only, "normalised over the whole array instead of each row"),
    (softmax_row_max_whole_sum, "shifted by its own maximum .good., but divided by the sum over the whole array"),
    (softmax_in_place_shift, "changed its input array in place"),
    (softmax_min_shift, "not finite"),
    (lambda z: 1 / (1 + np.exp(-z)), "that is the sigmoid"),
    (lambda z: z / z.sum(axis=-1, keepdims=True), "the exponential is missing"),
    (lambda z: softmax_stable(z).tolist(), "returned a list; return a numpy array"),
    (not_written, "not written yet"),
])
def test_softmax_rejects_mistakes(candidate, words):
    fails_with("softmax", candidate, words)


def test_float32_softmax_is_off_by_more_than_the_old_tolerance():
    """The old check compared with rtol 1e-7: a float32 softmax could never pass it."""
    z = np.array([[1000.3, 1001.7, 999.1]])
    error = np.abs(softmax_float32(z) - softmax_stable(z))
    assert error.max() > 1e-7
    assert np.all(error <= layers.softmax_tolerance(z, softmax_stable(z)))


# ---------------------------------------------------------------------------------------
# flatten (batched, as Keras' Flatten)


FLATTEN_RIGHT = [
    lambda x: x.reshape(x.shape[0], -1),
    lambda x: np.reshape(x, (len(x), -1)),
    lambda x: np.stack([example.ravel() for example in x]),
    lambda x: np.asarray(x).reshape(x.shape[0], int(np.prod(x.shape[1:]))),
    lambda x: np.array([[v for v in np.nditer(example, order="C")] for example in x], dtype=x.dtype),
]


@pytest.mark.parametrize("candidate", FLATTEN_RIGHT)
def test_flatten_accepts_right_variants(candidate):
    check.flatten(candidate)
    check.flatten(candidate, seed=2)


@pytest.mark.parametrize("candidate, words", [
    (lambda x: x.reshape(-1), "the batch axis was flattened too"),
    (lambda x: x.reshape(len(x), -1, order="F"), r"column-major order \(order='F'\)"),
    (lambda x: np.moveaxis(x, -1, 1).reshape(len(x), -1), "flattened channel by channel"),
    (lambda x: np.ravel(x, order="K").reshape(len(x), -1), "read in memory order"),
    (lambda x: x.reshape(-1, len(x)), "examples mixed together|expected shape"),
    (lambda x: x[:1].reshape(1, -1), "only the first example"),
    (lambda x: x.astype(np.float32).reshape(len(x), -1), "the values were converted"),
    (lambda x: x.reshape(len(x), -1).tolist(), "returned a list; return a numpy array"),
    (not_written, "not written yet"),
])
def test_flatten_rejects_mistakes(candidate, words):
    fails_with("flatten", candidate, words)


# ---------------------------------------------------------------------------------------
# Properties shared by all checks of this chapter


def test_checks_print_nothing_to_stderr(capfd):
    check.softmax(softmax_stable)
    with pytest.raises(AssertionError):
        check.softmax(softmax_naive)
    check.conv_forward(conv_windows)
    check.pool_forward(pool_windows)
    with pytest.raises(AssertionError):
        check.conv_forward(conv_no_batch_check)
    assert capfd.readouterr().err == ""


def test_cases_cover_every_allowed_input_form():
    """The public check (any seed) draws float32, uint8, int and non-contiguous inputs and
    more than one example per batch, so ✔ in the notebook means the same at grading."""
    for seed in (0, 1, 505):
        conv = list(layers.conv_cases(np.random.default_rng(seed)))
        dtypes = {np.asarray(case[0]).dtype for case in conv}
        assert {np.dtype(np.float32), np.dtype(np.uint8), np.dtype(np.float64)} <= dtypes
        assert any(not case[0].flags.c_contiguous for case in conv)
        assert any(case[0].shape[0] > 1 for case in conv)
        pools = list(layers.pool_cases(np.random.default_rng(seed)))
        assert any(not case[0].flags.c_contiguous for case in pools)
        assert any(np.asarray(case[0]).dtype == np.float32 for case in pools)
        assert any(np.asarray(z).dtype == np.float32 for z in layers.softmax_cases(np.random.default_rng(seed)))
        assert any(np.abs(z).max() >= 1000 for z in layers.softmax_cases(np.random.default_rng(seed)))


def test_hints_have_three_tiers():
    from autograder.checks import registry

    for name in ["output_size", "same_padding", "conv_forward", "pool_forward", "relu", "softmax", "flatten"]:
        labels = [label for label, _ in registry()[name].hints]
        assert labels == ["Idea", "Formula", "Code (this gives the answer away)"], name


RIGHT_VARIANTS = {
    "output_size": OUTPUT_SIZE_RIGHT,
    "same_padding": SAME_PADDING_RIGHT,
    "conv_forward": CONV_RIGHT,
    "pool_forward": POOL_RIGHT,
    "relu": RELU_RIGHT,
    "softmax": SOFTMAX_RIGHT,
    "flatten": FLATTEN_RIGHT,
}


def test_a_learner_who_mutates_its_input_cannot_change_the_lecture_data():
    before = layers.SOFTMAX_LOGITS.copy(), layers.VOLUME_X.copy()
    fails_with("softmax", softmax_in_place_shift, "changed its input array in place")

    def conv_in_place(x, W, b, stride, pad):
        x[...] = 0
        return conv_windows(x, W, b, stride, pad)

    fails_with("conv_forward", conv_in_place, "changed its input array in place")
    assert np.array_equal(layers.SOFTMAX_LOGITS, before[0]) and np.array_equal(layers.VOLUME_X, before[1])
    check.softmax(softmax_stable)
