"""Checks for assignment 05, padding, stride and pooling: the output-size formula, "same"
padding, a multi-channel convolution layer, pooling, ReLU, softmax and flattening.

The oracles for the layers are TensorFlow's own operations (``tf.nn.conv2d``,
``tf.nn.max_pool2d``, ``tf.nn.avg_pool2d``, run in float64 so that they agree with a
correct numpy answer to the last digit) and the lecture's printed values. TensorFlow is
imported only when a layer check first runs: the formula checks stay instant.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy.special import softmax as scipy_softmax

from autograder.checks import Hints, graded
from autograder.feedback import (call, describe, expect_array, expect_raises, expect_value, fail,
                                 name_mistake, quiet, show, signature, to_array)

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
    """tf.nn.conv2d (a cross-correlation) in float64 plus one bias per filter.

    ``pad`` is p per side, or ((top, bottom), (left, right)) for the mistake models.
    """
    tf = _tf()
    (top, bottom), (left, right) = ((pad, pad), (pad, pad)) if np.isscalar(pad) else pad
    out = tf.nn.conv2d(np.asarray(x, float)[None], np.asarray(W, float), strides=[1, stride, stride, 1],
                       padding=[[0, 0], [top, bottom], [left, right], [0, 0]])
    return out.numpy()[0] + np.asarray(b, float).reshape(-1)


def pool_oracle(x, f: int, s: int, mode: str) -> np.ndarray:
    """tf.nn.max_pool2d / avg_pool2d with "VALID" windows (floor), channel by channel."""
    tf = _tf()
    op = {"max": tf.nn.max_pool2d, "average": tf.nn.avg_pool2d}[mode]
    return op(np.asarray(x, float)[None], ksize=f, strides=s, padding="VALID").numpy()[0]


def _pool_partial_windows(x, f: int, s: int, mode: str) -> np.ndarray:
    """Pooling with ceil instead of floor: the last windows hang over the border."""
    x = np.asarray(x, float)
    rows = math.ceil((x.shape[0] - f) / s) + 1
    cols = math.ceil((x.shape[1] - f) / s) + 1
    reduce = np.max if mode == "max" else np.mean
    return np.array([[reduce(x[i * s:i * s + f, j * s:j * s + f], axis=(0, 1)) for j in range(cols)]
                     for i in range(rows)])


def _pool_across_channels(x, f: int, s: int, mode: str) -> np.ndarray:
    """One (H', W') map: each window reduced over its rows, columns and all channels."""
    x = np.asarray(x, float)
    rows, cols = (x.shape[0] - f) // s + 1, (x.shape[1] - f) // s + 1
    reduce = np.max if mode == "max" else np.mean
    return np.array([[reduce(x[i * s:i * s + f, j * s:j * s + f]) for j in range(cols)] for i in range(rows)])


def _side_by_side(left: np.ndarray, right: np.ndarray, titles=("expected", "got")) -> list[str]:
    """Two small 2-D arrays printed next to each other, one line per row."""
    a = np.array2string(left, precision=4, suppress_small=True).splitlines()
    b = np.array2string(right, precision=4, suppress_small=True).splitlines()
    width = max(len(line) for line in a + [titles[0]])
    lines = [f"{titles[0]:<{width}}   {titles[1]}"]
    for k in range(max(len(a), len(b))):
        lines.append(f"{a[k] if k < len(a) else '':<{width}}   {b[k] if k < len(b) else ''}")
    return lines


def expect_volume(got, expected: np.ndarray, where: str, *, atol: float = 1e-6, mistakes=None) -> np.ndarray:
    """Like feedback.expect_array, but an (H, W, C) answer is shown channel by channel, as the
    lecture prints its volumes, instead of numpy's pixel-by-pixel layout."""
    array = to_array(got, where)
    expected = np.asarray(expected)
    if array.shape != expected.shape and expected.ndim == 3:
        lines = [f"{where} is not right.",
                 f"  expected shape {expected.shape} (rows, columns, channels), got shape {array.shape}"]
        mistake = name_mistake(array, mistakes, atol, 1e-6)
        if mistake:
            lines.append(f"  Likely mistake: {mistake}.")
        else:
            lines.append("  Rows and columns follow ⌊(n + 2p − f) / s⌋ + 1; the channels stay last.")
        fail("\n".join(lines))
    if (array.ndim != 3 or array.shape != expected.shape or expected.shape[0] * expected.shape[1] > 100
            or np.allclose(array.astype(float), expected.astype(float), atol=atol, rtol=1e-6)):
        return expect_array(array, expected, where, atol=atol, mistakes=mistakes)
    close = np.isclose(array.astype(float), expected.astype(float), atol=atol, rtol=1e-6)
    bad = np.argwhere(~close)
    i, j, k = (int(v) for v in bad[0])
    lines = [f"{where} is not right.",
             f"  {len(bad)} of {expected.size} values differ; the first at row {i}, column {j}, "
             f"channel {k}: expected {expected[i, j, k]:.6g}, got {array[i, j, k]:.6g}"]
    channels = sorted({int(c) for c in bad[:, 2]})
    for c in channels[:3]:
        lines.append(f"  output channel {c}, i.e. [:, :, {c}]:")
        lines += ["    " + line for line in _side_by_side(expected[..., c], array[..., c])]
    if len(channels) > 3:
        lines.append(f"  (and {len(channels) - 3} more channels differ)")
    mistake = name_mistake(array, mistakes, atol, 1e-6)
    if mistake:
        lines.append(f"  Likely mistake: {mistake}.")
    fail("\n".join(lines))
    return array


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


@graded("output_size", hints=Hints(*[
    "Count the positions of the window's left edge. The padded input has n + 2p pixels "
    "(p on each side); the window fits with its left edge at 0, s, 2s, … as long as it "
    "ends inside.",
    "The last start position is at most n + 2p − f, so there are ⌊(n + 2p − f) / s⌋ steps "
    "after the first one.",
    "In Python, `//` divides and rounds down (for these non-negative sizes), and keeps an int: "
    "exactly the floor the formula needs. `/` gives a float, and `round()` sometimes rounds up.",
]))
@_quietly
def check_output_size(output_size, seed: int = 0) -> None:
    """output_size(n, f, p, s) -> ⌊(n + 2p − f) / s⌋ + 1, an int."""
    rng = np.random.default_rng(seed)
    cases = [(5, 3, 0, 2), (8, 3, 0, 1), (5, 3, 1, 2), (6, 3, 0, 2), (10, 4, 1, 3), (64, 3, 0, 1),
             (62, 5, 0, 2), (29, 7, 0, 2), (32, 5, 0, 1), (28, 2, 0, 2), (256, 7, 3, 1), (7, 3, 1, 1),
             (9, 2, 0, 2), (5, 5, 0, 1), (11, 3, 2, 4)]
    for _ in range(6):
        f = int(rng.integers(1, 8))
        p = int(rng.integers(0, 4))
        s = int(rng.integers(2, 5))
        n = int(rng.integers(max(1, f - 2 * p), 40))
        cases.append((n, f, p, s))
    for n, f, p, s in cases:
        where = signature("output_size", n, f, p, s)
        got = call(output_size, n, f, p, s, name="output_size")
        expect_value(got, (n + 2 * p - f) // s + 1, where, integer=True,
                     mistakes=_output_size_mistakes(n, f, p, s))


# ---------------------------------------------------------------------------------------
# same_padding


@graded("same_padding", hints=Hints(*[
    "With stride 1 the output has n + 2p − f + 1 pixels. Set that equal to n and solve for p.",
    "p = (f − 1) / 2 is a whole number only when f is odd. For an even f, "
    "`raise ValueError(...)`: there would have to be more padding on one side than the other.",
    "`f % 2 == 0` tests for an even f. For odd f, compute (f − 1) / 2 with `//` so that the "
    "answer is an int.",
]))
@_quietly
def check_same_padding(same_padding, seed: int = 0) -> None:
    """same_padding(f) -> (f − 1) / 2 as an int for odd f; ValueError for even f."""
    rng = np.random.default_rng(seed)
    odd = [1, 3, 5, 7, 9, 11] + [int(2 * rng.integers(6, 20) + 1)]
    for f in odd:
        where = signature("same_padding", f)
        got = call(same_padding, f, name="same_padding")
        expect_value(got, (f - 1) // 2, where, integer=True, mistakes={
            "p = f − 1 is the padding of both sides together; p is per side, so halve it": f - 1,
            "(f + 1) / 2 instead of (f − 1) / 2: solve n + 2p − f + 1 = n for p": (f + 1) // 2,
            "p = f: the output would grow by f + 1 pixels": f,
        })
    for f in [2, 4, 6, int(2 * rng.integers(4, 20))]:
        expect_raises(same_padding, ValueError, f, name="same_padding",
                      why=f"An even filter (f = {f}) has no centre pixel: (f − 1) / 2 is not a "
                          f"whole number, so no symmetric padding keeps the size.")


# ---------------------------------------------------------------------------------------
# conv_forward


def _conv_cases(rng: np.random.Generator):
    """(x, W, b, stride, pad): the lecture's volume, its edge example, awkward random sizes."""
    yield VOLUME_X, VOLUME_W, VOLUME_B, 2, 1
    step = np.tile(np.r_[[10] * 4, [100] * 4], (8, 1))[..., None]
    edge = np.array([[-1, 0, 1]] * 3)[..., None, None]
    yield step, edge, np.array([0]), 1, 0
    yield rng.normal(size=(7, 9, 3)), rng.normal(size=(3, 3, 3, 4)), rng.normal(size=4), 2, 1
    yield rng.normal(size=(6, 5, 2)), rng.normal(size=(2, 2, 2, 3)), rng.normal(size=3), 3, 0
    yield (rng.integers(0, 10, size=(9, 8, 4)), rng.normal(size=(5, 5, 4, 2)).round(2),
           np.array([0.5, -1.25]), 2, 2)
    yield rng.normal(size=(4, 6, 1)), rng.normal(size=(3, 3, 1, 1)), np.array([2.0]), 1, 0
    yield rng.normal(size=(10, 7, 3)), rng.normal(size=(3, 3, 3, 5)), rng.normal(size=5), 1, 1


def _conv_mistakes(x, W, b, stride, pad) -> dict:
    x = np.asarray(x, float)
    W = np.asarray(W, float)
    b = np.asarray(b, float)
    c_in = x.shape[-1]
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
        "every output channel got the same bias (the sum of all biases, or b[0]); filter k has "
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
        "channels first: the output must be (rows, columns, filters), channels last":
            lambda: right().transpose(2, 0, 1),
        "the output array was created with the input's integer dtype (np.zeros_like(x)), which "
        "truncates the values; create it with dtype=float": lambda: np.trunc(right()),
    }


@graded("conv_forward", hints=Hints(*[
    "First pad: `xp = np.pad(x, ((pad, pad), (pad, pad), (0, 0)))` (no padding on the channel "
    "axis). The output has output_size(n_H, f, pad, stride) rows, the same formula with n_W for columns, "
    "and one channel per filter.",
    "Output pixel (i, j, k) looks at the window `xp[i*stride : i*stride+f, j*stride : j*stride+f, :]` "
    "(all input channels), multiplies it element by element with the filter `W[:, :, :, k]`, "
    "sums everything and adds `b[k]`. Do not flip the filter.",
    "Loop over i and j; for all filters at once use "
    "`np.tensordot(window, W, axes=([0, 1, 2], [0, 1, 2])) + b`, which gives the c_out values "
    "of pixel (i, j). Return a float array; no ReLU here.",
]))
@_quietly
def check_conv_forward(conv_forward, seed: int = 0) -> None:
    """conv_forward(x, W, b, stride, pad) -> (n_H', n_W', c_out) cross-correlation plus biases."""
    rng = np.random.default_rng(seed)
    for number, (x, W, b, stride, pad) in enumerate(_conv_cases(rng)):
        where = signature("conv_forward", x, W, b, stride, pad)
        got = call(conv_forward, x, W, b, stride, pad, name="conv_forward")
        expected = VOLUME_OUT if number == 0 else conv_oracle(x, W, b, stride, pad)
        expect_volume(got, expected, where, atol=1e-6, mistakes=_conv_mistakes(x, W, b, stride, pad))


# ---------------------------------------------------------------------------------------
# pool_forward


def _pool_cases(rng: np.random.Generator):
    """(x, f, s): the lecture's two maps (as one channel) and awkward random volumes."""
    yield POOL_4X4[..., None], 2, 2
    yield POOL_5X5[..., None], 3, 1
    yield rng.normal(size=(7, 6, 3)), 2, 2
    yield rng.normal(size=(9, 5, 2)), 3, 2
    yield rng.integers(0, 50, size=(6, 7, 4)), 3, 3
    yield rng.normal(size=(4, 4, 2)), 2, 1
    yield rng.normal(size=(5, 8, 1)), 2, 3


def _pool_mistakes(x, f, s, mode) -> dict:
    other = {"max": "average", "average": "max"}[mode]
    right = lambda: pool_oracle(x, f, s, mode)  # noqa: E731
    return {
        f"max and average swapped: mode={mode!r} asks for the {mode}": lambda: pool_oracle(x, f, s, other),
        "pooled across channels, or dropped the channel axis: pool each channel on its own, over "
        "the f×f window only, and return (rows, columns, channels) with one output channel per "
        "input channel, even when there is only one":
            lambda: _pool_across_channels(x, f, s, mode),
        "pooled across channels: every channel got the same value; pool each channel on its own":
            lambda: np.repeat(_pool_across_channels(x, f, s, mode)[..., None], x.shape[-1], axis=-1),
        "stride ignored: the window must jump s pixels at a time": lambda: pool_oracle(x, f, s=1, mode=mode)
        if s != 1 else None,
        "window size f and stride s swapped": lambda: pool_oracle(x, s, f, mode) if s <= min(x.shape[:2])
        else None,
        "ceil instead of floor: windows that hang over the border are dropped, not shrunk":
            lambda: _pool_partial_windows(x, f, s, mode),
        "the average was divided by f instead of f × f": lambda: right() * f if mode == "average" else None,
        "the output array has an integer dtype (np.zeros_like(x)), which truncates the averages; "
        "create it with dtype=float": lambda: np.trunc(right()),
    }


@graded("pool_forward", hints=Hints(*[
    "The output has ⌊(n_H − f) / s⌋ + 1 rows, ⌊(n_W − f) / s⌋ + 1 columns and as many channels as "
    "the input. Pooling has no padding, no weights and never mixes channels.",
    "Output pixel (i, j) looks at `x[i*s : i*s+f, j*s : j*s+f, :]`; reduce that window over its "
    "first two axes only: `window.max(axis=(0, 1))` or `window.mean(axis=(0, 1))`.",
    "Fill a float array of the output shape in a double loop over i and j; "
    "`raise ValueError(...)` for a mode other than 'max' or 'average'.",
]))
@_quietly
def check_pool_forward(pool_forward, seed: int = 0) -> None:
    """pool_forward(x, f, s, mode) -> (n_H', n_W', c) max or average over f×f windows, stride s."""
    rng = np.random.default_rng(seed)
    for number, (x, f, s) in enumerate(_pool_cases(rng)):
        for mode in ("max", "average"):
            where = signature("pool_forward", x, f, s, mode)
            got = call(pool_forward, x, f, s, mode, name="pool_forward")
            expected = pool_oracle(x, f, s, mode)
            if mode == "max" and number < 2:  # the lecture's printed maps
                expected = (POOL_4X4_MAX, POOL_5X5_MAX)[number][..., None]
            expect_volume(got, expected, where, atol=1e-6, mistakes=_pool_mistakes(x, f, s, mode))
    expect_raises(pool_forward, ValueError, rng.normal(size=(4, 4, 1)), 2, 2, "median",
                  name="pool_forward", why="An unknown mode deserves a clear error, not a silent default.")


# ---------------------------------------------------------------------------------------
# relu


@graded("relu", hints=Hints(*[
    "ReLU keeps positive values and replaces negative ones by 0: y = max(0, z), element by element.",
    "numpy has an element-wise maximum of an array and a number, which works for any shape. "
    "Careful: `np.max` is a different function, it reduces the whole array to its largest value.",
]))
@_quietly
def check_relu(relu, seed: int = 0) -> None:
    """relu(z) -> max(0, z) element-wise, same shape."""
    rng = np.random.default_rng(seed)
    cases = [
        np.array([-2.0, -0.5, 0.0, 0.25, 3.0]),
        np.array([[35, 20, 20, 3], [1, -1, 21, -3], [21, 7, 15, 22], [-2, 22, 22, 29]]),
        np.array([[84.1362, 12.3258, 36.2923], [188.1617, 33.9352, -19.8438], [196.6922, 98.347, -31.7601]]),
        rng.normal(size=(3, 5)),
        rng.normal(size=(2, 3, 4)) * 10,
        rng.normal(size=7).astype(np.float32),
    ]
    for z in cases:
        where = signature("relu", z)
        got = call(relu, z, name="relu")
        zf = z.astype(float)
        if np.ndim(got) == 0 and isinstance(got, (int, float, np.number, np.ndarray)):
            fail(f"{where} returned the single number {np.asarray(got).item()!r}; expected a numpy array of "
                 f"shape {z.shape}.\n  Likely mistake: np.max(z, 0) (or max(z, 0)) reduces the array to its "
                 f"largest value; ReLU works element by element: np.maximum(z, 0).")
        expect_array(got, np.maximum(zf, 0), where, atol=1e-6, mistakes={
            "the mask z > 0 (True/False) was returned instead of the values": (zf > 0).astype(float),
            "np.minimum instead of np.maximum: that keeps the negative part": np.minimum(zf, 0),
            "clipped at 1 instead of 0": np.maximum(zf, 1),
            "absolute value instead of clipping: negative values become 0, not positive": np.abs(zf),
            "values above 1 were clipped too (np.clip(z, 0, 1)); ReLU has no upper limit": np.clip(zf, 0, 1),
            "that is a leaky ReLU (a small slope for negative values); ReLU sets them to exactly 0":
                lambda: _leaky_slope_matches(got, zf),
        })


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


def _softmax_cases(rng: np.random.Generator):
    yield SOFTMAX_LOGITS
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


@graded("softmax", hints=Hints(*[
    "softmax(z)_i = exp(z_i) / Σ_j exp(z_j). Try it on (5, 6, 1, 2): you should get "
    "0.2641, 0.7179, 0.0048, 0.0131.",
    "exp(1000) overflows to inf. Subtracting the same number from every logit does not change "
    "the result (it cancels in the fraction), so subtract the largest: `e = np.exp(z - z.max(...))`.",
    "For a 2-D batch every row is its own example: `z.max(axis=-1, keepdims=True)` and "
    "`e.sum(axis=-1, keepdims=True)` handle 1-D and 2-D input alike.",
]))
@_quietly
def check_softmax(softmax, seed: int = 0) -> None:
    """softmax(z) -> probabilities along the last axis, finite for huge logits."""
    rng = np.random.default_rng(seed)
    for z in _softmax_cases(rng):
        where = signature("softmax", z)
        got = call(softmax, z, name="softmax")
        expected = scipy_softmax(z.astype(float), axis=-1)
        mistakes = _softmax_mistakes(z)
        array = to_array(got, where)
        if array.shape == expected.shape and not np.all(np.isfinite(array)):
            mistake = name_mistake(array, mistakes) or (
                "overflow or 0 / 0: subtract each row's largest logit before np.exp")
            fail(f"{where} returned values that are not finite (nan or inf):\n"
                 f"  expected: {show(expected)}\n"
                 f"  got:      {show(array)}\n"
                 f"  Likely mistake: {mistake}.")
        expect_array(array, expected, where, atol=1e-9, rtol=1e-7, mistakes=mistakes)
    got = np.round(np.asarray(call(softmax, SOFTMAX_LOGITS, name="softmax"), float), 4)
    if not np.array_equal(got, SOFTMAX_ROUNDED):
        fail(f"softmax([5, 6, 1, 2]) rounds to {got}; the lecture's table says {SOFTMAX_ROUNDED}.")


# ---------------------------------------------------------------------------------------
# flatten


@graded("flatten", hints=Hints(*[
    "Flattening lines up all the numbers of the volume in one 1-D array, row by row: first all "
    "channels of pixel (0, 0), then of pixel (0, 1), and so on, as Keras' Flatten layer does.",
    "That is numpy's default (C, row-major) order, so no loop is needed: reshape the array to "
    "a single axis (a length of -1 means 'whatever fits').",
]))
@_quietly
def check_flatten(flatten, seed: int = 0) -> None:
    """flatten(x) -> 1-D array of x's values in row-major (C) order."""
    rng = np.random.default_rng(seed)
    cases = [np.arange(1, 13).reshape(2, 2, 3), rng.integers(0, 100, size=(3, 4, 2)),
             rng.normal(size=(5, 1, 3)), rng.normal(size=(3, 4)), rng.normal(size=(2, 3, 5))]
    for x in cases:
        where = signature("flatten", x)
        got = call(flatten, x, name="flatten")
        array = to_array(got, where)
        if array.ndim != 1 and array.size == x.size:
            fail(f"{where} returned {describe(array)}; expected a 1-D array of {x.size} values "
                 f"(shape ({x.size},)). Use `.reshape(-1)`, not a row or column vector.")
        mistakes = {
            "column-major order (order='F'): flatten row by row, as Keras does": x.flatten(order="F"),
            "flattened channel by channel (channels first); Keras keeps the channels of a pixel "
            "together": np.moveaxis(x, -1, 0).reshape(-1) if x.ndim == 3 else None,
            "only the first channel was flattened": x[..., 0].reshape(-1) if x.ndim == 3 else None,
        }
        expect_array(array, x.reshape(-1), where, atol=0, rtol=0,
                     mistakes={k: v for k, v in mistakes.items() if v is not None})
