"""Unit tests of the checks of assignment 06 (parameter counting): right variants pass,
each typical mistake fails with a message that names it.

``RIGHT_VARIANTS`` (shared convention 1) lists the right implementations this module
tests, so that tests/test_hidden_seeds.py can run them under the hidden tests' seeds.
"""

import math

import numpy as np
import pytest

from autograder import check
from autograder.checks import parameters


def not_written(*args, **kwargs):
    raise NotImplementedError()


def fails_with(check_name, candidate, words, **options):
    with pytest.raises(AssertionError, match=words):
        getattr(check, check_name)(candidate, **options)


# ---------------------------------------------------------------------------------------
# conv_params


def conv_params_checked(f, c_in, c_out):
    if min(f, c_in, c_out) < 1:
        raise ValueError("f, c_in and c_out must be positive")
    return f * f * c_in * c_out + c_out


def conv_params_per_filter(f, c_in, c_out):
    for name, value in (("f", f), ("c_in", c_in), ("c_out", c_out)):
        if value <= 0:
            raise ValueError(f"{name} must be at least 1, got {value}")
    per_filter = f ** 2 * c_in + 1  # one f×f×c_in volume and its bias
    return per_filter * c_out


def conv_params_numpy(f, c_in, c_out):
    if np.any(np.array([f, c_in, c_out]) < 1):
        raise ValueError("sizes must be positive")
    return np.prod([f, f, c_in, c_out]) + c_out  # a numpy integer


CONV_PARAMS_RIGHT = [conv_params_checked, conv_params_per_filter, conv_params_numpy]


@pytest.mark.parametrize("candidate", CONV_PARAMS_RIGHT)
def test_conv_params_accepts_right_variants(candidate):
    check.conv_params(candidate)
    check.conv_params(candidate, seed=8)


def checked(formula):
    """A wrong formula behind the right argument checks, so the formula is what fails."""
    def candidate(f, c_in, c_out):
        conv_params_checked(f, c_in, c_out)
        return formula(f, c_in, c_out)
    return candidate


@pytest.mark.parametrize("candidate, words", [
    (checked(lambda f, c_in, c_out: f * f * c_out), "8 filters 3×3 = 72 weights"),
    (checked(lambda f, c_in, c_out: f * f * c_in * c_out), "biases not counted"),
    (checked(lambda f, c_in, c_out: 2 * f * f * c_in * c_out), "a bias counted for every weight"),
    (checked(lambda f, c_in, c_out: f * f * c_out + c_out), "input channels ignored"),
    (checked(lambda f, c_in, c_out: f * c_in * c_out + c_out), "f instead of f²"),
    (checked(lambda f, c_in, c_out: f * f * c_in * c_out + c_in), "one bias per input channel"),
    (checked(lambda f, c_in, c_out: f * f * c_in * c_out + 1), r"one bias for the whole layer"),
    (checked(lambda f, c_in, c_out: (f * f + 1) * c_in * c_out), r"a bias for every f × f slice"),
    (checked(lambda f, c_in, c_out: float(f * f * c_in * c_out + c_out)), r"a float; a parameter count is a count"),
    (checked(lambda f, c_in, c_out: (f * f * c_in * c_out + c_out) / 1.5), "not even a whole number"),
    (lambda f, c_in, c_out: f * f * c_in * c_out + c_out, r"conv_params\(0, 3, 8\) returned normally"),
    (not_written, "not written yet"),
])
def test_conv_params_rejects_mistakes(candidate, words):
    fails_with("conv_params", candidate, words)


def test_the_lectures_72_weights_and_the_right_count():
    """Seed 002: "8 filters 3×3 = 72 weights" counts f·f·n_filters only."""
    assert 3 * 3 * 8 == 72
    assert conv_params_checked(3, 1, 8) == 80 and conv_params_checked(3, 3, 8) == 224


# ---------------------------------------------------------------------------------------
# dense_params is shared with assignment 01: the same check, registered once


def test_dense_params_is_the_shared_check():
    from autograder.checks import images_as_arrays, registry

    assert registry()["dense_params"].func is images_as_arrays.check_dense_params
    check.dense_params(lambda n_in, n_out: n_in * n_out + n_out)
    with pytest.raises(AssertionError, match="biases not counted"):
        check.dense_params(lambda n_in, n_out: n_in * n_out)


# ---------------------------------------------------------------------------------------
# summarize: correct variants


def out_size(n, f, p, s):
    if f > n + 2 * p:
        raise ValueError(f"a window of {f} does not fit in {n} + 2·{p} pixels")
    return (n + 2 * p - f) // s + 1


def summarize_tuples(input_shape, layers):
    rows, shape = [], tuple(input_shape)
    for layer in layers:
        kind = layer[0]
        if kind == "conv":
            _, f, s, p, n = layer
            new = (out_size(shape[0], f, p, s), out_size(shape[1], f, p, s), n)
            params = f * f * shape[2] * n + n
        elif kind == "pool":
            _, f, s = layer
            new = (out_size(shape[0], f, 0, s), out_size(shape[1], f, 0, s), shape[2])
            params = 0
        elif kind == "flatten":
            new = (math.prod(shape),)
            params = 0
        elif kind == "dense":
            new = (layer[1],)
            params = math.prod(shape) * layer[1] + layer[1]
        else:
            raise ValueError(f"unknown layer {kind!r}")
        rows.append((new, math.prod(new), params))
        shape = new
    return rows


def summarize_math_prod(input_shape, layers):
    """The same table, written with a helper per layer kind and conv_params/dense_params."""
    def conv_or_pool(shape, f, s, p, channels):
        h, w = (shape[0] + 2 * p - f) // s + 1, (shape[1] + 2 * p - f) // s + 1
        if min(h, w) < 1:
            raise ValueError(f"a {f}×{f} window does not fit in {shape[:2]} with p = {p}")
        return (h, w, channels)

    rows, shape = [], tuple(input_shape)
    for layer in layers:
        if layer[0] == "conv":
            new = conv_or_pool(shape, layer[1], layer[2], layer[3], layer[4])
            params = conv_params_checked(layer[1], shape[2], layer[4])
        elif layer[0] == "pool":
            new, params = conv_or_pool(shape, layer[1], layer[2], 0, shape[2]), 0
        elif layer[0] == "flatten":
            new, params = (math.prod(shape),), 0
        elif layer[0] == "dense":
            new, params = (layer[1],), math.prod(shape) * layer[1] + layer[1]
        else:
            raise ValueError(f"unknown layer {layer!r}")
        rows.append((new, math.prod(new), params))
        shape = new
    return rows


def summarize_numpy_ints(input_shape, layers):
    """Sizes and counts as numpy integers (np.prod), shapes as tuples of numpy integers."""
    return [(tuple(np.int64(d) for d in shape), np.prod(shape), np.int64(params))
            for shape, size, params in summarize_tuples(input_shape, layers)]


SUMMARIZE_RIGHT = [summarize_tuples, summarize_math_prod, summarize_numpy_ints]


@pytest.mark.parametrize("candidate", SUMMARIZE_RIGHT)
def test_summarize_accepts_right_variants(candidate):
    check.summarize(candidate)


def test_summarize_other_seed():
    check.summarize(summarize_tuples, seed=21)


def test_the_lecture_table_and_keras_agree():
    assert parameters.keras_summary(parameters.LENET_INPUT, parameters.LENET_LAYERS) == parameters.LENET_ROWS
    assert sum(row[2] for row in parameters.LENET_ROWS) == parameters.LENET_TOTAL == 62_958


# ---------------------------------------------------------------------------------------
# summarize: mistakes


def summarize_variant(**mistake):
    """summarize_tuples with one mistake switched on."""

    def candidate(input_shape, layers):
        rows, shape = [], tuple(input_shape)
        for layer in layers:
            kind = layer[0]
            if kind in ("conv", "pool"):
                f, s = layer[1], layer[2]
                p = layer[3] if kind == "conv" else 0
                size = (lambda n: math.ceil((n + 2 * p - f) / s) + 1) if mistake.get("ceil") else \
                    (lambda n: (n + 2 * p - f) // s) if mistake.get("no_plus_one") else \
                    (lambda n: (n + p - f) // s + 1) if mistake.get("p_once") else \
                    (lambda n: out_size(n, f, p, s))
                channels = layer[4] if kind == "conv" else shape[2]
                new = (size(shape[0]), size(shape[1]), channels)
                if kind == "conv":
                    f2 = f if mistake.get("f_not_squared") else f * f
                    c_in = 1 if mistake.get("no_channels") else shape[2]
                    weights = f2 * c_in * channels
                    params = weights if mistake.get("no_bias") else \
                        2 * weights if mistake.get("bias_per_weight") else weights + channels
                else:
                    params = f * f * shape[2] + shape[2] if mistake.get("pool_params") else 0
            elif kind == "flatten":
                new = (shape[0] * shape[1],) if mistake.get("flatten_no_channels") else (math.prod(shape),)
                params = 0
            elif kind == "dense":
                new = (layer[1],)
                weights = math.prod(shape) * layer[1]
                params = weights if mistake.get("no_bias") else \
                    2 * weights if mistake.get("bias_per_weight") else weights + layer[1]
            else:
                raise ValueError(kind)
            activation = new[0] * new[1] if mistake.get("size_no_channels") and len(new) == 3 else math.prod(new)
            rows.append((new, activation, params))
            shape = new
        return rows

    return candidate


def summarize_with_input_row(input_shape, layers):
    return [(tuple(input_shape), math.prod(input_shape), 0)] + summarize_tuples(input_shape, layers)


def summarize_no_error(input_shape, layers):
    return summarize_tuples(input_shape, [layer for layer in layers if layer[0] != "dropout"])


def summarize_no_fit_check(input_shape, layers):
    """Right on every real network, but an impossible one gives rows of size 0 or less."""
    rows, shape = [], tuple(input_shape)
    for layer in layers:
        if layer[0] not in ("conv", "pool", "flatten", "dense"):
            raise ValueError(layer[0])
        if layer[0] in ("conv", "pool"):
            f, s = layer[1], layer[2]
            p = layer[3] if layer[0] == "conv" else 0
            channels = layer[4] if layer[0] == "conv" else shape[2]
            new = ((shape[0] + 2 * p - f) // s + 1, (shape[1] + 2 * p - f) // s + 1, channels)
            params = f * f * shape[2] * channels + channels if layer[0] == "conv" else 0
        elif layer[0] == "flatten":
            new, params = (math.prod(shape),), 0
        else:
            new, params = (layer[1],), math.prod(shape) * layer[1] + layer[1]
        rows.append((new, math.prod(new), params))
        shape = new
    return rows


def summarize_consumes_layers(input_shape, layers):
    """Pops the layers off the caller's list: the notebook's next cell sees an empty network."""
    rows = summarize_tuples(input_shape, list(layers))
    while layers:
        layers.pop(0)
    return rows


def summarize_default_list(input_shape, layers, rows=[]):  # noqa: B006 (the classic slip under test)
    """Appends to a default list, which Python creates once: the second call returns the rows
    of both calls."""
    rows += summarize_tuples(input_shape, layers)
    return list(rows)


@pytest.mark.parametrize("candidate, words", [
    (summarize_variant(no_bias=True), "biases not counted"),
    (summarize_variant(bias_per_weight=True), "a bias counted for every weight"),
    (summarize_variant(no_channels=True), "input channels ignored"),
    (summarize_variant(f_not_squared=True), "f instead of f²"),
    (summarize_variant(size_no_channels=True), "output activation size miscounted"),
    (summarize_variant(pool_params=True), "pool layers given parameters"),
    (summarize_variant(flatten_no_channels=True), "flatten size wrong"),
    (summarize_variant(ceil=True), "ceil instead of floor"),
    (summarize_variant(no_plus_one=True), r"missing \+1"),
    (summarize_variant(p_once=True), r"padding counted once \(p instead of 2p\)"),
    (summarize_with_input_row, "one row per layer"),
    (summarize_no_error, "unknown layer kind cannot be computed"),
    (summarize_no_fit_check, "7×7 filter on a 6×6 input without padding cannot be computed"),
    (summarize_consumes_layers, "changed its second argument .a list. in place"),
    (summarize_default_list, "different answer when called a second time"),
    (lambda input_shape, layers: [{"shape": s, "size": n, "params": p}
                                  for s, n, p in summarize_tuples(input_shape, layers)], "row 0 is a dict"),
    (lambda input_shape, layers: [((s[0], 1) if len(s) == 1 else s, n, p)
                                  for s, n, p in summarize_tuples(input_shape, layers)],
     r"a flat activation is written \(400,\)"),
    (lambda input_shape, layers: [(list(s), n, p) for s, n, p in summarize_tuples(input_shape, layers)],
     "a shape is a tuple"),
    (lambda input_shape, layers: [(s, n, float(p)) for s, n, p in summarize_tuples(input_shape, layers)],
     r"the parameter count 608.0; expected an int \(a whole float is still a float"),
    (lambda input_shape, layers: 62958, "expected a list"),
    (not_written, "not written yet"),
])
def test_summarize_rejects_mistakes(candidate, words):
    fails_with("summarize", candidate, words)


def test_summarize_explains_a_malformed_row():
    with pytest.raises(AssertionError, match=r"expected a tuple \(shape, size, params\)"):
        check.summarize(lambda input_shape, layers: [(shape, params) for shape, size, params in
                                                     summarize_tuples(input_shape, layers)])
    with pytest.raises(AssertionError, match="use 0 for layers without parameters"):
        check.summarize(lambda input_shape, layers: [(s, n, p or None) for s, n, p in
                                                     summarize_tuples(input_shape, layers)])


# ---------------------------------------------------------------------------------------
# Part a: the feature map and the three values


def feature_map_loops(x, w, b):
    f = w.shape[0]
    rows, cols = x.shape[0] - f + 1, x.shape[1] - f + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = np.sum(x[i:i + f, j:j + f, :] * w) + b
    return out


def feature_map_scipy(x, w, b):
    from scipy.signal import correlate2d

    channels = [correlate2d(x[..., c], w[..., c], mode="valid") for c in range(x.shape[2])]
    return (np.sum(channels, axis=0) + b).astype(float)


def feature_map_einsum_float32(x, w, b):
    from numpy.lib.stride_tricks import sliding_window_view

    windows = sliding_window_view(np.asarray(x, np.float32), w.shape[:2], axis=(0, 1))  # (H', W', C, f, f)
    return np.einsum("hwcuv,uvc->hw", windows, np.asarray(w, np.float32)) + np.float32(b)


PART_A_FEATURE_MAP_RIGHT = [feature_map_loops, feature_map_scipy, feature_map_einsum_float32]


@pytest.mark.parametrize("candidate", PART_A_FEATURE_MAP_RIGHT)
def test_part_a_feature_map_accepts_right_variants(candidate):
    check.part_a_feature_map(candidate)
    check.part_a_feature_map(candidate, seed=3)


def test_part_a_feature_map_is_the_lecture_exercise():
    fmap = feature_map_loops(parameters.EXAM_X, parameters.EXAM_W, parameters.EXAM_B)
    assert fmap.shape == (4, 4)
    assert [fmap[3, 3], fmap[1, 2], fmap[3, 1]] == parameters.EXAM_VALUES == [9, -3, 22]


def feature_map_int(x, w, b):
    """correlate2d on integer data keeps ints: right on the exercise, truncated on floats."""
    from scipy.signal import correlate2d

    out = np.zeros((x.shape[0] - w.shape[0] + 1, x.shape[1] - w.shape[1] + 1), dtype=int)
    out[...] = sum(correlate2d(x[..., c], w[..., c], mode="valid") for c in range(x.shape[2])) + b
    return out


@pytest.mark.parametrize("candidate, words", [
    (lambda x, w, b: feature_map_loops(x, w[::-1, ::-1], b), "the filter was flipped"),
    (lambda x, w, b: feature_map_loops(x, w, 0), "bias missing"),
    (lambda x, w, b: feature_map_loops(x[..., :1], w[..., :1], b), "only the first channel"),
    (lambda x, w, b: np.maximum(feature_map_loops(x, w, b), 0), "ReLU applied already"),
    (lambda x, w, b: feature_map_loops(x, w, b).T, "rows and columns swapped"),
    (feature_map_int, "promises a float array"),
    (lambda x, w, b: feature_map_loops(x, w, b).tolist(), "returned a list; return a numpy array"),
    (lambda x, w, b: feature_map_loops(x, w, b).astype(np.float16), "values differ"),
    (not_written, "not written yet"),
])
def test_part_a_feature_map_rejects_mistakes(candidate, words):
    fails_with("part_a_feature_map", candidate, words)


PART_A_READ_RIGHT = [
    lambda fmap, positions: [fmap[row - 1, column - 1] for column, row in positions],
    lambda fmap, positions: np.array([fmap[r - 1][c - 1] for c, r in positions], dtype=float),
    lambda fmap, positions: tuple(np.asarray(fmap)[r - 1, c - 1] for c, r in positions),
]


@pytest.mark.parametrize("candidate", PART_A_READ_RIGHT)
def test_part_a_read_accepts_right_variants(candidate):
    check.part_a_read(candidate)
    check.part_a_read(candidate, seed=12)


def read_sorting_positions(fmap, positions):
    positions.sort()  # reorders the caller's list
    return [fmap[row - 1, column - 1] for column, row in positions]


def read_popping_positions(fmap, positions):
    values = []
    while positions:
        column, row = positions.pop(0)
        values.append(fmap[row - 1, column - 1])
    return values


@pytest.mark.parametrize("candidate, words", [
    (lambda fmap, positions: [fmap[c - 1, r - 1] for c, r in positions], "rows and columns swapped"),
    (lambda fmap, positions: [fmap[r, c] for c, r in positions], "raised IndexError(.|\n)*counted from 0"),
    (lambda fmap, positions: [9, -3, 22], "is not right"),
    (read_sorting_positions, "changed its second argument .a list. in place"),
    (read_popping_positions, "changed its second argument .a list. in place"),
    (lambda fmap, positions: int(fmap[positions[0][1] - 1, positions[0][0] - 1]), "expected a list"),
    (not_written, "not written yet"),
])
def test_part_a_read_rejects_mistakes(candidate, words):
    fails_with("part_a_read", candidate, words)


# ---------------------------------------------------------------------------------------
# Part b: ReLU then 2×2 max pooling with stride 1


def relu_pool_loops(fmap):
    rectified = np.maximum(fmap, 0)
    pooled = np.array([[rectified[i:i + 2, j:j + 2].max() for j in range(fmap.shape[1] - 1)]
                       for i in range(fmap.shape[0] - 1)])
    return rectified, pooled


def pool_then_relu(fmap):
    """Max pooling and ReLU commute, so this order is right too."""
    pooled = np.array([[fmap[i:i + 2, j:j + 2].max() for j in range(fmap.shape[1] - 1)]
                       for i in range(fmap.shape[0] - 1)])
    return np.maximum(fmap, 0), np.maximum(pooled, 0)


def relu_pool_shifted_maxima(fmap):
    """Vectorised: the maximum of the four shifted copies, as a list [rectified, pooled]."""
    rectified = np.where(fmap > 0, fmap, 0)
    pooled = np.maximum.reduce([rectified[:-1, :-1], rectified[1:, :-1], rectified[:-1, 1:], rectified[1:, 1:]])
    return [rectified, pooled]


PART_B_RIGHT = [relu_pool_loops, pool_then_relu, relu_pool_shifted_maxima]


@pytest.mark.parametrize("candidate", PART_B_RIGHT)
def test_part_b_relu_pool_accepts_right_variants(candidate):
    check.part_b_relu_pool(candidate)
    check.part_b_relu_pool(candidate, seed=6)


def relu_pool_stride2(fmap):
    rectified = np.maximum(fmap, 0)
    return rectified, rectified[:rectified.shape[0] // 2 * 2, :rectified.shape[1] // 2 * 2].reshape(
        rectified.shape[0] // 2, 2, rectified.shape[1] // 2, 2).max(axis=(1, 3))


def relu_pool_average(fmap):
    rectified = np.maximum(fmap, 0)
    return rectified, np.array([[rectified[i:i + 2, j:j + 2].mean() for j in range(fmap.shape[1] - 1)]
                                for i in range(fmap.shape[0] - 1)])


def pool_without_relu(fmap):
    rectified = np.maximum(fmap, 0)
    return rectified, np.array([[fmap[i:i + 2, j:j + 2].max() for j in range(fmap.shape[1] - 1)]
                                for i in range(fmap.shape[0] - 1)])


def relu_in_place_then_pool(fmap):
    fmap[fmap < 0] = 0  # rectifies the caller's map
    return relu_pool_loops(fmap)


def relu_pool_lists(fmap):
    rectified, pooled = relu_pool_loops(fmap)
    return rectified.tolist(), pooled.tolist()


@pytest.mark.parametrize("candidate, words", [
    (relu_pool_stride2, "stride 2 instead of 1"),
    (relu_pool_average, "average pooling instead of max pooling"),
    (pool_without_relu, "pooled the map before ReLU"),
    (lambda fmap: (np.abs(fmap), relu_pool_loops(np.abs(fmap))[1]), r"the ReLU is max\(0, z\)"),
    (lambda fmap: relu_pool_loops(fmap)[1], r"expected a tuple \(rectified, pooled\)"),
    (relu_in_place_then_pool, "changed its input array in place"),
    (relu_pool_lists, "returned a list; return a numpy array"),
    (not_written, "not written yet"),
])
def test_part_b_relu_pool_rejects_mistakes(candidate, words):
    fails_with("part_b_relu_pool", candidate, words)


# ---------------------------------------------------------------------------------------
# Part c: total parameters


def part_c_from_summarize():
    return sum(row[2] for row in summarize_tuples(
        (6, 6, 3), [("conv", 3, 1, 0, 1), ("pool", 2, 1), ("flatten",), ("dense", 32)]))


PART_C_RIGHT = [lambda: 348, part_c_from_summarize, lambda: np.int64(28) + np.int64(320)]


@pytest.mark.parametrize("candidate", PART_C_RIGHT)
def test_part_c_total_params_accepts_the_count(candidate):
    check.part_c_total_params(candidate)


@pytest.mark.parametrize("candidate, words", [
    (lambda: 27 + 288, "biases not counted anywhere"),
    (lambda: 27 + 320, "the conv filter's bias"),
    (lambda: 28 + 288, "the FC layer's 32 biases"),
    (lambda: 28 + 16 * 32 + 32, "fed the 4×4 feature map"),
    (lambda: 28 + 4 * 32 + 32, "pooling with stride 2"),
    (lambda: 10 + 320, "input channels ignored, or f instead of f²"),
    (lambda: 320, "only the FC layer"),
    (lambda: 348.0, "a float; a parameter count is a count"),
    (not_written, "not written yet"),
])
def test_part_c_total_params_rejects_mistakes(candidate, words):
    fails_with("part_c_total_params", candidate, words)


# ---------------------------------------------------------------------------------------
# Part d: "same" padding and parameters


def same_conv_checked(input_shape, f, c_out):
    if f < 1 or f % 2 == 0:
        raise ValueError(f"f = {f}: no symmetric 'same' padding")
    return (f - 1) // 2, f * f * input_shape[2] * c_out + c_out


def same_conv_list_numpy(input_shape, f, c_out):
    if f % 2 != 1:
        raise ValueError("odd filters only")
    return [int((f - 1) / 2), np.int64((f * f * input_shape[-1] + 1) * c_out)]


PART_D_RIGHT = [same_conv_checked, same_conv_list_numpy]


@pytest.mark.parametrize("candidate", PART_D_RIGHT)
def test_part_d_same_conv_accepts_right_variants(candidate):
    check.part_d_same_conv(candidate)
    check.part_d_same_conv(candidate, seed=4)


def with_even_check(formula):
    def candidate(shape, f, c):
        same_conv_checked(shape, f, c)
        return formula(shape, f, c)
    return candidate


@pytest.mark.parametrize("candidate, words", [
    (with_even_check(lambda shape, f, c: (f - 1, f * f * shape[2] * c + c)), "p is per side"),
    (with_even_check(lambda shape, f, c: ((f - 1) // 2, f * f * shape[2] * c)), "biases not counted"),
    (with_even_check(lambda shape, f, c: ((f - 1) // 2, f * shape[2] * c + c)), "f instead of f²"),
    (with_even_check(lambda shape, f, c: ((f - 1) // 2, f * f * c + c)), "input channels ignored"),
    (with_even_check(lambda shape, f, c: ((f - 1) // 2, f * f * c)), "biases not counted"),  # c_in = 1 first
    (with_even_check(lambda shape, f, c: ((f - 1) // 2, f * f * shape[2] * c * shape[0] * shape[1] + c)),
     "parameters do not depend on the image size"),
    (with_even_check(lambda shape, f, c: ((f - 1) / 2, f * f * shape[2] * c + c)), "a float; a padding is a count"),
    (lambda shape, f, c: ((f - 1) // 2, f * f * shape[2] * c + c), r"\(32, 32, 3\), 4, 8\) returned normally"),
    (lambda shape, f, c: (3, 1184), "is not right|returned"),
    (not_written, "not written yet"),
])
def test_part_d_same_conv_rejects_mistakes(candidate, words):
    fails_with("part_d_same_conv", candidate, words)


def test_checks_print_nothing_to_stderr(capfd):
    check.summarize(summarize_tuples)
    with pytest.raises(AssertionError):
        check.summarize(summarize_variant(no_bias=True))
    check.part_b_relu_pool(relu_pool_loops)
    assert capfd.readouterr().err == ""


def test_part_c_feedback_does_not_hand_out_the_answer():
    with pytest.raises(AssertionError) as failure:
        check.part_c_total_params(lambda: 347)
    assert "348" not in str(failure.value) and "not the right answer" in str(failure.value)


# ---------------------------------------------------------------------------------------
# The exercise's parts a, b and d are fixed-answer questions too: their feedback names the
# mistake but never prints the exercise's answer. Random inputs come first (with expected
# values shown); the exercise's own data is checked last.


def _message(check_name, candidate):
    with pytest.raises(AssertionError) as failure:
        getattr(check, check_name)(candidate)
    return str(failure.value)


def test_part_a_feedback_does_not_hand_out_the_feature_map():
    def wrong_on_the_exercise_only(x, w, b):
        out = feature_map_loops(x, w, b)
        if x.shape == parameters.EXAM_X.shape and np.array_equal(x, parameters.EXAM_X):
            out[0, 1] += 1
        return out

    message = _message("part_a_feature_map", wrong_on_the_exercise_only)
    assert "part_a_feature_map(<6×6×3" in message and "values are wrong" in message
    assert "expected" not in message
    assert "[35 20 19 24]" not in message and "[-2 22 13  9]" not in message


def test_part_a_feedback_keeps_the_shape_of_the_answer_to_itself():
    def drops_a_row_on_the_exercise(x, w, b):
        out = feature_map_loops(x, w, b)
        return out[:-1] if x.shape == parameters.EXAM_X.shape else out

    message = _message("part_a_feature_map", drops_a_row_on_the_exercise)
    assert "is not the right shape" in message and "(4, 4)" not in message


def test_part_a_feedback_still_names_the_mistake_on_the_exercise():
    def flips_only_on_the_exercise(x, w, b):
        if x.shape == parameters.EXAM_X.shape:
            return feature_map_loops(x, w[::-1, ::-1], b)
        return feature_map_loops(x, w, b)

    message = _message("part_a_feature_map", flips_only_on_the_exercise)
    assert "the filter was flipped" in message and "expected" not in message


def test_part_a_read_feedback_does_not_hand_out_the_values():
    def wrong_on_the_exercise_only(fmap, positions):
        values = [fmap[row - 1, column - 1] for column, row in positions]
        return [v + 1 for v in values] if list(positions) == parameters.EXAM_POSITIONS else values

    message = _message("part_a_read", wrong_on_the_exercise_only)
    assert "[ 9 -3 22]" not in message and "expected" not in message and "values are wrong" in message


def test_part_a_read_index_error_is_diagnosed():
    message = _message("part_a_read", lambda fmap, positions: [fmap[c - 1, r - 1] for c, r in positions])
    assert "raised IndexError" in message and "rows and columns swapped" in message


def test_part_b_feedback_does_not_hand_out_the_pooled_map():
    def wrong_on_the_exercise_only(fmap):
        rectified, pooled = relu_pool_loops(fmap)
        if np.array_equal(fmap, parameters.EXAM_B_MAP):
            pooled = pooled.copy()
            pooled[2, 2] = 28
        return rectified, pooled

    message = _message("part_b_relu_pool", wrong_on_the_exercise_only)
    assert "[1] (the pooled map) is not right" in message and "expected" not in message
    assert "29" not in message


def test_part_d_feedback_does_not_hand_out_the_answer():
    def wrong_on_the_exercise_only(input_shape, f, c_out):
        p, params = (f - 1) // 2, f * f * input_shape[2] * c_out + c_out
        return (p, params + 1) if tuple(input_shape) == (256, 256, 3) else (p, params)

    message = _message("part_d_same_conv", wrong_on_the_exercise_only)
    assert "1185" in message and "1184" not in message and "not the right answer" in message


def test_expect_array_reveal_false_hides_expected_values_and_shape():
    from autograder.feedback import expect_array

    expected = np.array([[11, 12], [13, 14]])
    with pytest.raises(AssertionError) as failure:
        expect_array(np.array([[11, 12], [13, 15]]), expected, "f()", reveal=False)
    text = str(failure.value)
    assert "1 of 4 values are wrong; the first at index (1, 1), where you have 15" in text
    assert "14" not in text and "expected" not in text
    with pytest.raises(AssertionError) as failure:
        expect_array(np.array([11, 12, 13]), expected, "f()", reveal=False,
                     mistakes={"flattened": np.array([11, 12, 13])})
    text = str(failure.value)
    assert "is not the right shape" in text and "(2, 2)" not in text and "Likely mistake: flattened" in text
    with pytest.raises(AssertionError, match=r"expected: \[\[11 12\]"):  # the default still shows it
        expect_array(np.array([[11, 12], [13, 15]]), expected, "f()")


def test_hints_have_three_tiers():
    from autograder.checks import registry

    for name in ["conv_params", "summarize", "part_a_feature_map", "part_a_read", "part_b_relu_pool",
                 "part_c_total_params", "part_d_same_conv"]:
        labels = [label for label, _ in registry()[name].hints]
        assert labels == ["Idea", "Formula", "Code (this gives the answer away)"], name


def test_a_learner_who_mutates_its_input_cannot_change_the_exercise_data():
    before = parameters.EXAM_B_MAP.copy()
    fails_with("part_b_relu_pool", relu_in_place_then_pool, "changed its input array in place")
    assert np.array_equal(parameters.EXAM_B_MAP, before)
    check.part_b_relu_pool(relu_pool_loops)


RIGHT_VARIANTS = {
    "conv_params": CONV_PARAMS_RIGHT,
    "dense_params": [lambda n_in, n_out: n_in * n_out + n_out, lambda n_in, n_out: (n_in + 1) * n_out],
    "summarize": SUMMARIZE_RIGHT,
    "part_a_feature_map": PART_A_FEATURE_MAP_RIGHT,
    "part_a_read": PART_A_READ_RIGHT,
    "part_b_relu_pool": PART_B_RIGHT,
    "part_c_total_params": PART_C_RIGHT,
    "part_d_same_conv": PART_D_RIGHT,
}
