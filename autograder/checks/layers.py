"""Checks for assignment 05, padding, stride and pooling: the output-size formula, "same"
padding, a batched convolution layer, batched pooling, ReLU, softmax and flattening.

The layers work on batches, channels last, as Keras does and as the lecture's m examples:
``x`` has shape ``(m, n_H, n_W, n_C)``; conv weights ``W`` are ``(f, f, n_C_prev, n_C)``
and biases ``b`` are ``(n_C,)``. A single image ``(n_H, n_W, n_C)`` is rejected with a
ValueError whose message says to add a batch axis (``x[None]``): silently reading its rows
as examples would give nonsense. ``flatten`` keeps the batch axis, as Keras' Flatten.

The oracles for the layers are TensorFlow's own operations (``tf.nn.conv2d``,
``tf.nn.max_pool2d``, ``tf.nn.avg_pool2d``, run in float64) and the lecture's printed
values. A float result may differ from the oracle by what a float32 computation of the
same sums can round to (:func:`autograder.checks._contract.float32_tolerance`), so float32
code passes and no named mistake does. TensorFlow is imported only when a layer check
first runs: the formula checks stay instant.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy.special import softmax as scipy_softmax

from autograder.checks import Hints, graded
from autograder.checks._contract import (EPS32, TINY, call_unchanged, expect_close, expect_error, expect_int,
                                         float32_tolerance, fortran_order, strided_view)
from autograder.feedback import describe, fail, quiet, show, signature

# ---------------------------------------------------------------------------------------
# The lecture's examples (seed 001)

#: The two-filter convolution over volume: a 5×5×3 input, two 3×3×3 filters, n=5, f=3, p=1, s=2.
VOLUME_X = np.stack([
    np.array([[2, 1, 1, 1, 0], [2, 1, 1, 2, 2], [2, 1, 1, 0, 0], [1, 2, 0, 2, 2], [0, 2, 0, 1, 0]]),
    np.array([[0, 0, 1, 1, 2], [1, 2, 1, 1, 0], [0, 0, 2, 0, 2], [2, 0, 0, 0, 2], [0, 2, 2, 1, 1]]),
    np.array([[0, 2, 0, 2, 1], [0, 0, 2, 1, 2], [0, 0, 1, 0, 2], [1, 2, 2, 0, 2], [2, 0, 1, 1, 1]]),
], axis=-1)
VOLUME_W = np.stack([
    np.stack([np.array([[1, -1, -1], [-1, -1, -1], [1, -1, 1]]),
              np.array([[-1, 1, -1], [0, 1, 1], [1, -1, 1]]),
              np.array([[1, 0, 0], [-1, 1, 0], [-1, 0, 0]])], axis=-1),
    np.stack([np.array([[1, 0, -1], [1, 1, 0], [-1, 0, 1]]),
              np.array([[1, -1, 1], [-1, 0, 1], [0, -1, 0]]),
              np.array([[0, 0, 0], [-1, 1, -1], [-1, 0, 1]])], axis=-1),
], axis=-1)  # shape (3, 3, 3, 2): rows, columns, input channel, filter
VOLUME_B = np.array([1, 0])
VOLUME_OUT = np.stack([
    np.array([[-2, 2, 1], [-7, 0, 3], [2, 4, 3]]),
    np.array([[0, 0, -4], [4, 2, 1], [0, 1, 0]]),
], axis=-1)

#: The max-pooling examples: 2×2 stride 2 on a 4×4 map, 3×3 stride 1 on a 5×5 map.
POOL_4X4 = np.array([[0, 0, 14, 82], [149, 32, 0, 0], [28, 53, 64, 44], [39, 120, 133, 99]])
POOL_4X4_MAX = np.array([[149, 82], [120, 133]])
POOL_5X5 = np.array([[0, 0, 25, 14, 82], [149, 32, 31, 0, 0], [111, 200, 20, 135, 10],
                     [28, 53, 20, 64, 44], [39, 120, 210, 13, 99]])
POOL_5X5_MAX = np.array([[200, 200, 135], [200, 200, 135], [210, 210, 210]])

SOFTMAX_LOGITS = np.array([5.0, 6.0, 1.0, 2.0])
SOFTMAX_ROUNDED = np.array([0.2641, 0.7179, 0.0048, 0.0131])

BATCH_WORDS = "batch"  # what the ValueError for a single image must mention


# ---------------------------------------------------------------------------------------
# Oracles


def _quietly(check):
    """Run a whole check with numpy warnings silenced: the mistake models divide inf by inf
    on purpose, and a RuntimeWarning on stderr would zero the learner's test cell."""

    @functools.wraps(check)
    def run(*args, **kwargs):
        with quiet():
            return check(*args, **kwargs)

    return run


def _tf():
    """TensorFlow, imported on first use (autograder/__init__ has already silenced its log)."""
    import tensorflow as tf

    return tf


def conv_oracle(x, W, b, stride: int, pad) -> np.ndarray:
    """tf.nn.conv2d (a cross-correlation) in float64 on a batch (m, n_H, n_W, n_C_prev), plus
    one bias per filter.

    ``pad`` is p per side, or ((top, bottom), (left, right)) for the mistake models.
    """
    tf = _tf()
    (top, bottom), (left, right) = ((pad, pad), (pad, pad)) if np.isscalar(pad) else pad
    out = tf.nn.conv2d(np.asarray(x, float), np.asarray(W, float), strides=[1, stride, stride, 1],
                       padding=[[0, 0], [top, bottom], [left, right], [0, 0]])
    return out.numpy() + np.asarray(b, float).reshape(-1)


def conv_tolerance(x, W, b, stride: int, pad: int) -> np.ndarray:
    """Per output value: what float32 rounding can change in Σ x·W + b (see _contract)."""
    magnitude = conv_oracle(np.abs(np.asarray(x, float)), np.abs(np.asarray(W, float)),
                            np.abs(np.asarray(b, float)), stride, pad)
    f, _, c_in, _ = np.shape(W)
    return float32_tolerance(magnitude, f * f * c_in + 1)


def pool_oracle(x, f: int, s: int, mode: str) -> np.ndarray:
    """tf.nn.max_pool2d / avg_pool2d with "VALID" windows (floor) on a batch, channel by channel."""
    tf = _tf()
    op = {"max": tf.nn.max_pool2d, "average": tf.nn.avg_pool2d}[mode]
    return op(np.asarray(x, float), ksize=f, strides=s, padding="VALID").numpy()


def pool_tolerance(x, f: int, s: int, mode: str) -> np.ndarray:
    if mode == "max":
        return float32_tolerance(pool_oracle(np.abs(np.asarray(x, float)), f, s, "max"), 0)
    return float32_tolerance(pool_oracle(np.abs(np.asarray(x, float)), f, s, "average"), f * f)


def _windows_reduced(x, f: int, s: int, reduce, rows: int, cols: int) -> np.ndarray:
    """Each output position's f×f window (all examples, all channels) passed to ``reduce``."""
    x = np.asarray(x, float)
    return np.stack([np.stack([reduce(x[:, i * s:i * s + f, j * s:j * s + f, :]) for j in range(cols)], axis=1)
                     for i in range(rows)], axis=1)


def _pool_partial_windows(x, f: int, s: int, mode: str) -> np.ndarray:
    """Pooling with ceil instead of floor: the last windows hang over the border."""
    rows = math.ceil((np.shape(x)[1] - f) / s) + 1
    cols = math.ceil((np.shape(x)[2] - f) / s) + 1
    reduce = (lambda w: w.max(axis=(1, 2))) if mode == "max" else (lambda w: w.mean(axis=(1, 2)))
    return _windows_reduced(x, f, s, reduce, rows, cols)


def _pool_across_channels(x, f: int, s: int, mode: str) -> np.ndarray:
    """One (m, H', W') map: each window reduced over its rows, columns and all channels."""
    rows, cols = (np.shape(x)[1] - f) // s + 1, (np.shape(x)[2] - f) // s + 1
    reduce = (lambda w: w.max(axis=(1, 2, 3))) if mode == "max" else (lambda w: w.mean(axis=(1, 2, 3)))
    return _windows_reduced(x, f, s, reduce, rows, cols)


def _side_by_side(left: np.ndarray, right: np.ndarray, titles=("expected", "got")) -> list[str]:
    """Two small 2-D arrays printed next to each other, one line per row."""
    a = np.array2string(left, precision=4, suppress_small=True).splitlines()
    b = np.array2string(right, precision=4, suppress_small=True).splitlines()
    width = max(len(line) for line in a + [titles[0]])
    lines = [f"{titles[0]:<{width}}   {titles[1]}"]
    for k in range(max(len(a), len(b))):
        lines.append(f"{a[k] if k < len(a) else '':<{width}}   {b[k] if k < len(b) else ''}")
    return lines


def _batch_index_words(index: tuple) -> str:
    if len(index) == 4:
        e, i, j, k = index
        return f"example {e}, row {i}, column {j}, channel {k}"
    return f"index {index}"


def _one_channel_side_by_side(got: np.ndarray, expected: np.ndarray, index: tuple) -> list[str]:
    """The output channel of the first wrong value, for that example, expected beside got."""
    if expected.ndim != 4 or expected.shape[1] * expected.shape[2] > 100:
        return []
    e, _, _, k = index
    lines = [f"  example {e}, output channel {k}, i.e. [{e}, :, :, {k}]:"]
    return lines + ["    " + line for line in _side_by_side(expected[e, :, :, k], got[e, :, :, k])]


def expect_batch(got, expected: np.ndarray, where: str, *, tol, mistakes=None) -> np.ndarray:
    """:func:`~autograder.checks._contract.expect_close` for an (m, H, W, C) batch that must be
    a float array; a wrong answer is shown as the lecture prints volumes, one example and one
    channel at a time."""
    return expect_close(got, expected, where, tol=tol, mistakes=mistakes, float_result=True,
                        index_words=_batch_index_words, detail=_one_channel_side_by_side,
                        shape_note="The output is (m, n_H', n_W', n_C): one row per example, "
                                   "n_H' = ⌊(n_H + 2p − f) / s⌋ + 1 (n_W' alike), channels last.")


# ---------------------------------------------------------------------------------------
# output_size


def _output_size_mistakes(n, f, p, s) -> dict:
    return {
        "ceil instead of floor (or round(), which rounds this case up): a window that would "
        "hang over the border is not computed, so always round down": math.ceil((n + 2 * p - f) / s) + 1,
        "padding counted once (p instead of 2p): p is added on both sides": (n + p - f) // s + 1,
        "missing +1 (or the +1 put inside the division): the first window position counts "
        "too, so it is ⌊(n + 2p − f) / s⌋ + 1": (n + 2 * p - f) // s,
        "stride ignored: the window moves s pixels at a time, so divide by s":
            n + 2 * p - f + 1,
    }


#: (n, f, p, s) that no layer can have, and why; output_size raises ValueError for each.
INVALID_SIZES = [
    ((5, 3, 0, 0), "a stride of 0 never moves the window"),
    ((5, 3, -1, 1), "padding cannot be negative"),
    ((0, 1, 0, 1), "an input needs at least one pixel"),
    ((5, 0, 0, 1), "a window needs at least one pixel"),
    ((4, 7, 1, 1), "the 7-pixel window does not fit in 4 + 2·1 = 6 padded pixels"),
]


@graded("output_size", hints=Hints(
    idea="Count the positions of the window's left edge. The padded input has n + 2p pixels "
         "(p on each side); the window starts at 0, s, 2s, … as long as it ends inside. Check "
         "the arguments first: a layer needs n, f, s ≥ 1, p ≥ 0 and a window that fits.",
    formula="The last start is at most n + 2p − f, so there are ⌊(n + 2p − f) / s⌋ jumps after the "
            "first position: n_out = ⌊(n + 2p − f) / s⌋ + 1. Raise ValueError when s < 1, p < 0, "
            "n < 1, f < 1 or f > n + 2p.",
    code="if s < 1 or p < 0 or n < 1 or f < 1 or f > n + 2 * p:\n"
         "    raise ValueError(f'no layer has n={n}, f={f}, p={p}, s={s}')\n"
         "return (n + 2 * p - f) // s + 1   # // floors and keeps an int; / would give a float",
))
@_quietly
def check_output_size(output_size, seed: int = 0) -> None:
    """output_size(n, f, p, s) -> ⌊(n + 2p − f) / s⌋ + 1, an int; ValueError for impossible layers."""
    rng = np.random.default_rng(seed)
    cases = [(5, 3, 0, 2), (8, 3, 0, 1), (5, 3, 1, 2), (6, 3, 0, 2), (10, 4, 1, 3), (64, 3, 0, 1),
             (62, 5, 0, 2), (29, 7, 0, 2), (32, 5, 0, 1), (28, 2, 0, 2), (256, 7, 3, 1), (7, 3, 1, 1),
             (9, 2, 0, 2), (5, 5, 0, 1), (11, 3, 2, 4), (1, 1, 0, 1), (2, 4, 1, 3)]
    for _ in range(6):
        f = int(rng.integers(1, 8))
        p = int(rng.integers(0, 4))
        s = int(rng.integers(2, 5))
        n = int(rng.integers(max(1, f - 2 * p), 40))
        cases.append((n, f, p, s))
    for number, (n, f, p, s) in enumerate(cases):
        where = signature("output_size", n, f, p, s)
        got = call_unchanged(output_size, n, f, p, s, name="output_size", again=number == 0)
        expect_int(got, (n + 2 * p - f) // s + 1, where, what="an output size",
                   mistakes=_output_size_mistakes(n, f, p, s))
    for args, reason in INVALID_SIZES:
        expect_error(output_size, ValueError, *args, name="output_size",
                     why=f"{reason}: raise ValueError rather than return a size no layer can have.")


# ---------------------------------------------------------------------------------------
# same_padding


@graded("same_padding", hints=Hints(
    idea="'Same' means the output keeps the input's size with stride 1. Write the output size "
         "with p unknown and set it equal to n.",
    formula="n + 2p − f + 1 = n  ⟹  p = (f − 1) / 2. That is a whole number only for odd f; an even "
            "f (or f < 1) has no symmetric padding, so raise ValueError.",
    code="if f < 1 or f % 2 == 0:\n"
         "    raise ValueError(f'f = {f}: \"same\" padding needs a positive odd filter size')\n"
         "return (f - 1) // 2   # an int, ready for np.pad",
))
@_quietly
def check_same_padding(same_padding, seed: int = 0) -> None:
    """same_padding(f) -> (f − 1) // 2 as an int for odd f ≥ 1; ValueError for even f or f < 1."""
    rng = np.random.default_rng(seed)
    odd = [1, 3, 5, 7, 9, 11] + [int(2 * rng.integers(6, 20) + 1)]
    for number, f in enumerate(odd):
        where = signature("same_padding", f)
        got = call_unchanged(same_padding, f, name="same_padding", again=number == 1)
        expect_int(got, (f - 1) // 2, where, what="a padding", mistakes={
            "p = f − 1 is the padding of both sides together; p is per side, so halve it": f - 1,
            "(f + 1) / 2 instead of (f − 1) / 2: solve n + 2p − f + 1 = n for p": (f + 1) // 2,
            "p = f: the output would grow by f + 1 pixels": f,
        })
    for f in [2, 4, 6, int(2 * rng.integers(4, 20))]:
        expect_error(same_padding, ValueError, f, name="same_padding",
                     why=f"An even filter (f = {f}) has no centre pixel: (f − 1) / 2 is not a "
                         f"whole number, so no symmetric padding keeps the size.")
    for f in [0, -3]:
        expect_error(same_padding, ValueError, f, name="same_padding",
                     why=f"f = {f} is not a filter size at all: raise ValueError for f < 1.")


# ---------------------------------------------------------------------------------------
# conv_forward


def _cancelling_case(rng: np.random.Generator):
    """Large inputs and zero-sum filters: the outputs are small differences of big sums,
    where a tolerance relative to the output would reject float32 code."""
    x = 1000.0 + rng.normal(size=(2, 6, 7, 2))
    W = rng.normal(size=(3, 3, 2, 3))
    W -= W.mean(axis=(0, 1, 2), keepdims=True)  # each filter sums to 0: the 1000s cancel
    return x, W, rng.normal(size=3), 1, 1


def conv_cases(rng: np.random.Generator):
    """(x, W, b, stride, pad): the lecture's volume as a batch of one, its edge example, then
    batches of awkward sizes in every allowed form (ints, uint8, float32, non-contiguous)."""
    yield VOLUME_X[None].copy(), VOLUME_W.copy(), VOLUME_B.copy(), 2, 1  # copies: the lecture's data stays intact
    step = np.tile(np.r_[[10] * 4, [100] * 4], (8, 1))[None, ..., None]
    edge = np.array([[-1, 0, 1]] * 3)[..., None, None]
    yield step, edge, np.array([0]), 1, 0
    yield rng.normal(size=(3, 7, 9, 3)), rng.normal(size=(3, 3, 3, 4)), rng.normal(size=4), 2, 1
    yield rng.normal(size=(2, 6, 5, 2)), rng.normal(size=(2, 2, 2, 3)), rng.normal(size=3), 3, 0
    yield (rng.integers(0, 256, size=(2, 9, 8, 4)).astype(np.uint8), rng.normal(size=(5, 5, 4, 2)).round(2),
           np.array([0.5, -1.25]), 2, 2)
    yield (rng.normal(size=(2, 4, 6, 1)).astype(np.float32), rng.normal(size=(3, 3, 1, 1)).astype(np.float32),
           np.array([2.0], dtype=np.float32), 1, 0)
    yield (strided_view(rng.normal(size=(2, 10, 7, 3))), fortran_order(rng.normal(size=(3, 3, 3, 5))),
           rng.normal(size=5), 1, 1)
    yield _cancelling_case(rng)
    yield rng.integers(-3, 4, size=(1, 5, 11, 2)), rng.integers(-2, 3, size=(3, 3, 2, 1)), np.array([7]), 2, 0


def _conv_mistakes(x, W, b, stride, pad) -> dict:
    x = np.asarray(x, float)
    W = np.asarray(W, float)
    b = np.asarray(b, float)
    m, c_in = x.shape[0], x.shape[-1]
    right = lambda: conv_oracle(x, W, b, stride, pad)  # noqa: E731
    return {
        "the filter was flipped (a true convolution); in deep learning 'convolution' means "
        "cross-correlation, so use W as it is": lambda: conv_oracle(x, W[::-1, ::-1], b, stride, pad),
        "the filter's rows and columns were swapped (W transposed)":
            lambda: conv_oracle(x, W.transpose(1, 0, 2, 3), b, stride, pad),
        "ReLU applied inside conv_forward; the layer returns z = W·x + b and the activation "
        "comes after it": lambda: np.maximum(right(), 0),
        "bias missing: add b[k] to every value of output channel k": lambda: right() - b,
        "the bias was added once per input channel instead of once per filter":
            lambda: right() + (c_in - 1) * b,
        "every output channel got the same bias (the sum of all biases); filter k has "
        "its own bias b[k]": lambda: right() - b + b.sum(),
        "every output channel got the first filter's bias b[0]; filter k has its own bias b[k]":
            lambda: right() - b + b[0],
        "the biases are in the wrong order (b reversed)": lambda: right() - b + b[::-1],
        "only the first input channel was used; the filter covers all input channels":
            lambda: conv_oracle(x[..., :1], W[:, :, :1], b, stride, pad),
        "input channels averaged instead of summed": lambda: (right() - b) / c_in + b,
        "the filter's first channel slice W[:, :, 0] was used for every input channel":
            lambda: conv_oracle(x, np.repeat(W[:, :, :1], c_in, axis=2), b, stride, pad),
        "stride ignored: the window must jump `stride` pixels at a time":
            lambda: conv_oracle(x, W, b, 1, pad),
        "padding ignored: add `pad` rows of zeros above and below and `pad` columns left and right":
            lambda: conv_oracle(x, W, b, stride, 0),
        "padding added on one side only (top and left); p is per side":
            lambda: conv_oracle(x, W, b, stride, ((pad, 0), (pad, 0))),
        "padding counted twice per side (2p zeros on each side)":
            lambda: conv_oracle(x, W, b, stride, 2 * pad),
        "channels first: the output must be (m, rows, columns, filters), channels last":
            lambda: right().transpose(0, 3, 1, 2),
        "every example of the batch got the first example's output (x[0] used inside the loop "
        "over the batch): compute each example i from x[i]":
            lambda: np.repeat(right()[:1], m, axis=0) if m > 1 else None,
        "only the first example was computed, or the batch axis was dropped: the output keeps "
        "one row per example, (m, n_H', n_W', n_C)": lambda: right()[0],
    }


def _conv_dtype_mistake(x_original, x, W, b, stride, pad) -> dict:
    """The output stored in the input's own (integer) dtype, modelled on the original x."""
    dtype = np.asarray(x_original).dtype
    if not np.issubdtype(dtype, np.integer):
        return {}
    return {"the output array was created with the input's integer dtype (np.zeros_like(x)), which "
            "truncates (and for uint8 wraps) the values; create it with dtype=float":
            lambda: np.asarray(conv_oracle(x, W, b, stride, pad)).astype(dtype).astype(float)}


def _contiguity_diagnosis(conv_forward, x, W, b, stride, pad, expected, tol) -> str | None:
    """When the answer on a non-contiguous input is wrong, try again on a contiguous copy:
    if that one is right, the code reads memory as if the array were C-ordered."""
    if all(np.asarray(a).flags.c_contiguous for a in (x, W)):
        return None
    try:
        with quiet():
            again = np.asarray(conv_forward(np.ascontiguousarray(x), np.ascontiguousarray(W), b.copy(),
                                            stride, pad), float)
    except Exception:
        return None
    if again.shape == expected.shape and np.all(np.abs(again - expected) <= tol):
        return ("your function is right on a C-contiguous copy of the same input but wrong on this "
                "one, a view that is not contiguous in memory (a slice with a step, a transpose): "
                "it reads memory as if the array were C-ordered (as_strided with strides computed "
                "from the shape, .data, np.frombuffer). Use np.lib.stride_tricks.sliding_window_view, "
                "plain slicing, or the array's own .strides")
    return None


@graded("conv_forward", hints=Hints(
    idea="A batch is m independent images: the same filters slide over each. Pad rows and "
         "columns only (never the batch or channel axis), then every output value is one f×f×n_C_prev "
         "window times one filter, summed, plus that filter's bias. Reject a 3-D x: it has no batch axis.",
    formula="xp = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0))); "
            "z[i, r, c, k] = Σ_u Σ_v Σ_ch xp[i, r·s + u, c·s + v, ch] · W[u, v, ch, k] + b[k], "
            "r < ⌊(n_H + 2p − f) / s⌋ + 1, c < ⌊(n_W + 2p − f) / s⌋ + 1. No flip, no ReLU; the output is float.",
    code="if x.ndim != 4:\n"
         "    raise ValueError('x must be a batch (m, n_H, n_W, n_C); for one image pass x[None]')\n"
         "xp = np.pad(np.asarray(x, dtype=float), ((0, 0), (pad, pad), (pad, pad), (0, 0)))\n"
         "f = W.shape[0]\n"
         "windows = np.lib.stride_tricks.sliding_window_view(xp, (f, f), axis=(1, 2))[:, ::stride, ::stride]\n"
         "# windows: (m, n_H', n_W', n_C_prev, f, f)\n"
         "return np.einsum('mhwcuv,uvck->mhwk', windows, W) + b",
))
@_quietly
def check_conv_forward(conv_forward, seed: int = 0) -> None:
    """conv_forward(x, W, b, stride, pad) -> (m, n_H', n_W', n_C) cross-correlation plus biases."""
    rng = np.random.default_rng(seed)
    for number, (x, W, b, stride, pad) in enumerate(conv_cases(rng)):
        where = signature("conv_forward", x, W, b, stride, pad)
        got = call_unchanged(conv_forward, x, W, b, stride, pad, name="conv_forward", again=number == 2)
        expected = VOLUME_OUT[None] if number == 0 else conv_oracle(x, W, b, stride, pad)
        tol = conv_tolerance(x, W, b, stride, pad)
        mistakes = {**_conv_dtype_mistake(x, x, W, b, stride, pad), **_conv_mistakes(x, W, b, stride, pad)}
        try:
            expect_batch(got, expected, where, tol=tol, mistakes=mistakes)
        except AssertionError as failure:
            reason = _contiguity_diagnosis(conv_forward, x, W, b, stride, pad, expected, tol)
            if reason and "Likely mistake" not in str(failure):
                fail(f"{failure}\n  Likely mistake: {reason}.")
            raise
    expect_error(conv_forward, ValueError, VOLUME_X.copy(), VOLUME_W.copy(), VOLUME_B.copy(), 2, 1,
                 name="conv_forward",
                 mentions=(BATCH_WORDS,),
                 why="a single image (n_H, n_W, n_C) has no batch axis; read as a batch, its rows "
                     "would be taken for examples. Raise ValueError saying to add a batch axis, x[None].")


# ---------------------------------------------------------------------------------------
# pool_forward


def pool_cases(rng: np.random.Generator):
    """(x, f, s): the lecture's two maps (a batch of one, one channel) and awkward batches
    in every allowed form."""
    yield POOL_4X4[None, ..., None].copy(), 2, 2  # copies: the lecture's data stays intact
    yield POOL_5X5[None, ..., None].copy(), 3, 1
    yield rng.normal(size=(2, 7, 6, 3)), 2, 2
    yield rng.normal(size=(3, 9, 5, 2)), 3, 2
    yield rng.integers(0, 50, size=(2, 6, 7, 4)), 3, 3
    yield rng.normal(size=(2, 4, 4, 2)).astype(np.float32), 2, 1
    yield strided_view(rng.normal(size=(2, 5, 8, 1))), 2, 3
    yield rng.integers(0, 256, size=(1, 8, 8, 2)).astype(np.uint8), 2, 2


def _pool_mistakes(x, f, s, mode) -> dict:
    other = {"max": "average", "average": "max"}[mode]
    right = lambda: pool_oracle(x, f, s, mode)  # noqa: E731
    x_float = np.asarray(x, float)
    mistakes = {
        f"max and average swapped: mode={mode!r} asks for the {mode}": lambda: pool_oracle(x, f, s, other),
        "pooled across channels, or dropped the channel axis: pool each channel on its own, over "
        "the f×f window only, and return (m, rows, columns, channels) with one output channel per "
        "input channel, even when there is only one":
            lambda: _pool_across_channels(x, f, s, mode),
        "pooled across channels: every channel got the same value; pool each channel on its own":
            lambda: np.repeat(_pool_across_channels(x, f, s, mode)[..., None], x.shape[-1], axis=-1),
        "pooled across the batch too: every example got the same values; pool each example on its own":
            lambda: np.repeat(pool_oracle(x_float.max(axis=0, keepdims=True) if mode == "max" else
                                          x_float.mean(axis=0, keepdims=True), f, s, mode), x.shape[0], axis=0)
            if x.shape[0] > 1 else None,
        "only the first example was pooled, or the batch axis was dropped: the output keeps one row "
        "per example, (m, n_H', n_W', n_C)": lambda: right()[0],
        "stride ignored: the window must jump s pixels at a time": lambda: pool_oracle(x, f, s=1, mode=mode)
        if s != 1 else None,
        "window size f and stride s swapped": lambda: pool_oracle(x, s, f, mode) if s <= min(x.shape[1:3])
        else None,
        "ceil instead of floor: windows that hang over the border are dropped, not shrunk":
            lambda: _pool_partial_windows(x, f, s, mode),
        "the average was divided by f instead of f × f": lambda: right() * f if mode == "average" else None,
    }
    if np.issubdtype(np.asarray(x).dtype, np.integer):
        mistakes["the output array has the input's integer dtype (np.zeros_like(x)), which "
                 "truncates the averages; create it with dtype=float"] = \
            lambda: right().astype(np.asarray(x).dtype).astype(float)
    return mistakes


@graded("pool_forward", hints=Hints(
    idea="Pooling summarises each f×f window of each channel of each example by one number: its "
         "largest value or its mean. No padding, no weights, and it never mixes channels or examples. "
         "Reject a 3-D x (no batch axis) and any mode but 'max' and 'average'.",
    formula="n_H' = ⌊(n_H − f) / s⌋ + 1, n_W' alike; out[i, r, c, k] = max (or mean) of "
            "x[i, r·s : r·s + f, c·s : c·s + f, k]. The output is float, shape (m, n_H', n_W', n_C).",
    code="if x.ndim != 4:\n"
         "    raise ValueError('x must be a batch (m, n_H, n_W, n_C); for one image pass x[None]')\n"
         "if mode not in ('max', 'average'):\n"
         "    raise ValueError(f'mode must be max or average, not {mode!r}')\n"
         "windows = np.lib.stride_tricks.sliding_window_view(np.asarray(x, dtype=float), (f, f), axis=(1, 2))[:, ::s, ::s]\n"
         "return windows.max(axis=(-2, -1)) if mode == 'max' else windows.mean(axis=(-2, -1))",
))
@_quietly
def check_pool_forward(pool_forward, seed: int = 0) -> None:
    """pool_forward(x, f, s, mode) -> (m, n_H', n_W', n_C) max or average over f×f windows, stride s."""
    rng = np.random.default_rng(seed)
    for number, (x, f, s) in enumerate(pool_cases(rng)):
        for mode in ("max", "average"):
            where = signature("pool_forward", x, f, s, mode)
            got = call_unchanged(pool_forward, x, f, s, mode, name="pool_forward",
                                 again=number == 3 and mode == "max")
            expected = pool_oracle(x, f, s, mode)
            if mode == "max" and number < 2:  # the lecture's printed maps
                expected = (POOL_4X4_MAX, POOL_5X5_MAX)[number][None, ..., None]
            expect_batch(got, expected, where, tol=pool_tolerance(x, f, s, mode),
                         mistakes=_pool_mistakes(x, f, s, mode))
    expect_error(pool_forward, ValueError, rng.normal(size=(1, 4, 4, 1)), 2, 2, "median",
                 name="pool_forward", why="An unknown mode deserves a clear error, not a silent default.")
    expect_error(pool_forward, ValueError, POOL_4X4[..., None].copy(), 2, 2, "max", name="pool_forward",
                 mentions=(BATCH_WORDS,),
                 why="a single image (n_H, n_W, n_C) has no batch axis; read as a batch, its rows "
                     "would be taken for examples. Raise ValueError saying to add a batch axis, x[None].")


# ---------------------------------------------------------------------------------------
# relu


def _leaky_slope_matches(got, z):
    """``got`` itself if it is z for z ≥ 0 and a z for z < 0 with one small slope 0 < a < 1."""
    got = np.asarray(got, float)
    negative = z < 0
    if got.shape != z.shape or not negative.any() or not np.allclose(got[~negative], z[~negative]):
        return None
    slopes = got[negative] / z[negative]
    if np.allclose(slopes, slopes[0]) and 0 < slopes[0] < 1:
        return got
    return None


def relu_cases(rng: np.random.Generator):
    yield np.array([-2.0, -0.5, 0.0, 0.25, 3.0])
    yield np.array([[35, 20, 20, 3], [1, -1, 21, -3], [21, 7, 15, 22], [-2, 22, 22, 29]])
    yield np.array([[84.1362, 12.3258, 36.2923], [188.1617, 33.9352, -19.8438], [196.6922, 98.347, -31.7601]])
    yield rng.normal(size=(3, 5))
    yield rng.normal(size=(2, 3, 4, 5)) * 10  # a batch of feature maps
    yield rng.normal(size=7).astype(np.float32)
    yield strided_view(rng.normal(size=(2, 4, 3)) * 1e6)
    yield rng.integers(-100, 100, size=(4, 6)).astype(np.int32)


@graded("relu", hints=Hints(
    idea="ReLU keeps positive values and replaces negative ones by 0, element by element, for an "
         "array of any shape. It never changes its input and never mixes elements.",
    formula="y = max(0, z) for every element. Careful: the reduction np.max(z) (or max(z, 0)) returns "
            "ONE number; the element-wise function is a different one.",
    code="return np.maximum(z, 0)   # a new array of z's shape; z itself is untouched",
))
@_quietly
def check_relu(relu, seed: int = 0) -> None:
    """relu(z) -> max(0, z) element-wise, same shape; z unchanged."""
    rng = np.random.default_rng(seed)
    for number, z in enumerate(relu_cases(rng)):
        where = signature("relu", z)
        got = call_unchanged(relu, z, name="relu", again=number == 3)
        zf = z.astype(float)
        if np.ndim(got) == 0 and isinstance(got, (int, float, np.number, np.ndarray)):
            fail(f"{where} returned the single number {np.asarray(got).item()!r}; expected a numpy array of "
                 f"shape {z.shape}.\n  Likely mistake: np.max(z, 0) (or max(z, 0)) reduces the array to its "
                 f"largest value; ReLU works element by element: np.maximum(z, 0).")
        mistakes = {
            "the mask z > 0 (True/False) was returned instead of the values": (zf > 0).astype(float),
            "np.minimum instead of np.maximum: that keeps the negative part": np.minimum(zf, 0),
            "clipped at 1 instead of 0": np.maximum(zf, 1),
            "absolute value instead of clipping: negative values become 0, not positive": np.abs(zf),
            "values above 1 were clipped too (np.clip(z, 0, 1)); ReLU has no upper limit": np.clip(zf, 0, 1),
            "that is a leaky ReLU (a small slope for negative values); ReLU sets them to exactly 0":
                lambda: _leaky_slope_matches(got, zf),
            "the values were truncated to integers (an output array with an integer dtype); keep "
            "z's dtype, e.g. np.maximum(z, 0)": np.trunc(np.maximum(zf, 0)),
        }
        expect_close(got, np.maximum(zf, 0), where, tol=float32_tolerance(zf, 0), mistakes=mistakes)


# ---------------------------------------------------------------------------------------
# softmax


def _softmax_mistakes(z: np.ndarray) -> dict:
    z = z.astype(float)
    e = np.exp(z)
    shifted = np.exp(z - z.max())
    row_shifted = np.exp(z - z.max(axis=-1, keepdims=True))
    mistakes = {
        "overflow: np.exp of a large logit is inf, and inf / inf is nan. Subtract the largest "
        "logit first: exp(z − max z) gives the same probabilities":
            lambda: e / e.sum(axis=-1, keepdims=True),
        "the maximum of the whole array was subtracted, not each row's own maximum: rows far below "
        "it underflow to 0 / 0. Use z.max(axis=-1, keepdims=True)":
            lambda: shifted / shifted.sum(axis=-1, keepdims=True) if z.ndim == 2 else None,
        "normalised over the whole array instead of each row (each row of logits is one example)":
            lambda: shifted / shifted.sum() if z.ndim == 2 else None,
        "each row was shifted by its own maximum (good), but divided by the sum over the whole "
        "array; sum each row separately: e.sum(axis=-1, keepdims=True)":
            lambda: row_shifted / row_shifted.sum() if z.ndim == 2 else None,
        "normalised over axis 0 (each column) instead of the last axis (each row)":
            lambda: scipy_softmax(z, axis=0) if z.ndim == 2 else None,
        "the exponential is missing: z / sum(z) is not softmax": lambda: z / z.sum(axis=-1, keepdims=True),
        "that is the sigmoid 1 / (1 + exp(−z)) of each logit, not softmax": lambda: 1 / (1 + np.exp(-z)),
    }
    return mistakes


def softmax_cases(rng: np.random.Generator):
    yield SOFTMAX_LOGITS.copy()
    yield np.array([1000.0, 1001.0])
    yield np.array([-1000.0, -1001.0, -1002.0])
    yield np.array([1000.0, 0.0, -5.0])
    yield np.array([3.0])
    yield np.zeros(5)
    yield rng.normal(size=7) * 4
    yield np.array([2, 1, 0])  # integer logits
    yield rng.normal(size=(4, 5)) * 3
    yield np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1001.0, -999.0]])
    yield np.array([[1.0, 2.0], [3.0, 5.0], [0.0, 0.0]])
    yield np.array([100.0, 101.0, 99.0], dtype=np.float32)  # exp(101) overflows float32
    yield (rng.normal(size=(3, 4)) * 3).astype(np.float32)
    yield np.array([[1000.0, -1000.0], [0.5, 0.25]], dtype=np.float32)
    yield strided_view(rng.normal(size=(3, 6)) * 5 + 500)
    yield np.array([[-1000, -1001, -1002], [1000, 1002, 1001]])  # integer logits, far apart


def softmax_tolerance(z: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Per probability: a float32 computation rounds each logit by eps·|z| and each exp, sum
    and division by a few eps, so p_i may move by p_i · eps32 · (2·max|z| + n + 4)."""
    z = np.asarray(z, float)
    spread = np.abs(z).max(axis=-1, keepdims=True)
    return expected * EPS32 * (2 * spread + z.shape[-1] + 4) + TINY


@graded("softmax", hints=Hints(
    idea="Softmax turns each row of logits into probabilities: exponentiate (all positive), then "
         "divide by the row's sum (they add up to 1). On a computer exp(1000) is inf, so shift the "
         "logits first: subtracting the same number from a whole row changes nothing.",
    formula="softmax(z)_i = exp(z_i − m) / Σ_j exp(z_j − m) with m = max_j z_j, per row (the last axis). "
            "Every exponent is then ≤ 0: nothing overflows, and the sum is ≥ 1. "
            "Check on (5, 6, 1, 2): 0.2641, 0.7179, 0.0048, 0.0131.",
    code="z = np.asarray(z, dtype=float)          # a new array: z itself is untouched\n"
         "e = np.exp(z - z.max(axis=-1, keepdims=True))\n"
         "return e / e.sum(axis=-1, keepdims=True)  # works for one row (1-D) and a batch (2-D)",
))
@_quietly
def check_softmax(softmax, seed: int = 0) -> None:
    """softmax(z) -> float probabilities along the last axis, finite for huge logits."""
    rng = np.random.default_rng(seed)
    for number, z in enumerate(softmax_cases(rng)):
        where = signature("softmax", z)
        got = call_unchanged(softmax, z, name="softmax", again=number == 8)
        expected = scipy_softmax(z.astype(float), axis=-1)
        mistakes = _softmax_mistakes(z)
        if isinstance(got, np.ndarray) and got.shape == expected.shape and np.issubdtype(got.dtype, np.number) \
                and not np.all(np.isfinite(got)):
            array = got.astype(float)
            mistake = next((words for words, wrong in mistakes.items()
                            if _nan_pattern_matches(array, wrong)), None) or (
                "overflow or 0 / 0: subtract each row's largest logit before np.exp")
            fail(f"{where} returned values that are not finite (nan or inf):\n"
                 f"  expected: {show(expected)}\n"
                 f"  got:      {show(array)}\n"
                 f"  Likely mistake: {mistake}.")
        expect_close(got, expected, where, tol=softmax_tolerance(z, expected), mistakes=mistakes,
                     float_result=True)
    got = np.round(np.asarray(call_unchanged(softmax, SOFTMAX_LOGITS.copy(), name="softmax"), float), 4)
    if not np.array_equal(got, SOFTMAX_ROUNDED):
        fail(f"softmax([5, 6, 1, 2]) rounds to {got}; the lecture's table says {SOFTMAX_ROUNDED}.")


def _nan_pattern_matches(got: np.ndarray, wrong) -> bool:
    try:
        with quiet():
            wrong = np.asarray(wrong() if callable(wrong) else wrong, float)
    except Exception:
        return False
    if wrong.shape != got.shape:
        return False
    finite = np.isfinite(got) & np.isfinite(wrong)
    return bool(np.array_equal(np.isfinite(got), np.isfinite(wrong))
                and np.allclose(got[finite], wrong[finite], rtol=1e-4, atol=1e-6))


# ---------------------------------------------------------------------------------------
# flatten


def flatten_cases(rng: np.random.Generator):
    yield np.arange(1, 13).reshape(1, 2, 2, 3)  # the lecture's 2×2×3 volume, a batch of one
    yield rng.integers(0, 100, size=(2, 3, 4, 2))
    yield rng.normal(size=(3, 5, 1, 3))
    yield rng.normal(size=(4, 6))  # already flat: unchanged
    yield fortran_order(rng.normal(size=(2, 3, 4, 5)))
    yield strided_view(rng.normal(size=(3, 2, 3, 4)).astype(np.float32))


def _flatten_mistakes(x: np.ndarray) -> dict:
    m = x.shape[0]
    mistakes = {
        "the batch axis was flattened too: keep one row per example, (m, n_H·n_W·n_C), as Keras' "
        "Flatten does: x.reshape(len(x), -1)": x.reshape(-1),
        "column-major order (order='F'): flatten each example row by row, as Keras does":
            x.reshape(m, -1, order="F") if x.ndim > 2 else None,
        "flattened channel by channel (channels first); Keras keeps the channels of a pixel "
        "together": np.moveaxis(x, -1, 1).reshape(m, -1) if x.ndim == 4 else None,
        "the values were read in memory order (order='K' or 'A', or from x.data): on an array "
        "that is not C-contiguous (a transpose, a Fortran-ordered or strided view) that is not "
        "row by row; use the default order, x.reshape(len(x), -1)":
            np.ravel(x, order="K").reshape(m, -1) if not x.flags.c_contiguous else None,
        "the rows are examples mixed together: reshape(-1, m) is not reshape(m, -1)":
            x.reshape(-1, m).T.reshape(m, -1) if x.size // m != m else None,
        "only the first example was flattened": x[0].reshape(1, -1) if m > 1 else None,
        "the values were converted (to float32, or through a Keras layer that computes in "
        "float32): flattening only reshapes, every value stays exactly as it was":
            x.astype(np.float32).reshape(m, -1) if x.dtype == np.float64 else None,
    }
    return {words: wrong for words, wrong in mistakes.items() if wrong is not None}


@graded("flatten", hints=Hints(
    idea="Flattening lines up the values of each example in one row, as Keras' Flatten layer does: "
         "the batch axis stays, everything after it becomes one axis.",
    formula="(m, n_H, n_W, n_C) → (m, n_H·n_W·n_C), row by row, the channels of a pixel together "
            "(numpy's default C order, whatever the array's memory layout). Values never change.",
    code="x = np.asarray(x)\n"
         "return x.reshape(x.shape[0], -1)   # -1: 'whatever fits'",
))
@_quietly
def check_flatten(flatten, seed: int = 0) -> None:
    """flatten(x) -> (m, rest) array of x's values per example in row-major (C) order."""
    rng = np.random.default_rng(seed)
    for number, x in enumerate(flatten_cases(rng)):
        where = signature("flatten", x)
        got = call_unchanged(flatten, x, name="flatten", again=number == 1)
        expected = np.ascontiguousarray(x).reshape(x.shape[0], -1)
        if isinstance(got, np.ndarray) and got.ndim == 1 and got.size == x.size and x.shape[0] > 1:
            fail(f"{where} returned {describe(got)}; expected shape {expected.shape}, one row per example."
                 f"\n  Likely mistake: the batch axis was flattened too: keep one row per example, "
                 f"as Keras' Flatten does: x.reshape(len(x), -1).")
        expect_close(got, expected, where, tol=0, mistakes=_flatten_mistakes(x))
