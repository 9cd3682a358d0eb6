"""Unit tests of the checks of assignment 06 (parameter counting): correct variants pass,
each typical mistake fails with a message that names it."""

import math

import numpy as np
import pytest

from autograder import check
from autograder.checks import parameters


def not_written(*args, **kwargs):
    raise NotImplementedError()


# ---------------------------------------------------------------------------------------
# conv_params


@pytest.mark.parametrize("candidate", [
    lambda f, c_in, c_out: f * f * c_in * c_out + c_out,
    lambda f, c_in, c_out: (f ** 2 * c_in + 1) * c_out,
    lambda f, c_in, c_out: int(np.prod([f, f, c_in, c_out])) + c_out,
    lambda f, c_in, c_out: float(f * f * c_in * c_out + c_out),
])
def test_conv_params_accepts_correct_variants(candidate):
    check.conv_params(candidate)
    check.conv_params(candidate, seed=8)


@pytest.mark.parametrize("candidate, words", [
    (lambda f, c_in, c_out: f * f * c_in * c_out, "biases not counted"),
    (lambda f, c_in, c_out: 2 * f * f * c_in * c_out, "a bias counted for every weight"),
    (lambda f, c_in, c_out: f * f * c_out + c_out, "input channels ignored"),
    (lambda f, c_in, c_out: f * c_in * c_out + c_out, "f instead of f²"),
    (lambda f, c_in, c_out: f * f * c_in * c_out + c_in, "one bias per input channel"),
    (lambda f, c_in, c_out: f * f * c_in * c_out + 1, r"one bias for the whole layer"),
    (lambda f, c_in, c_out: (f * f + 1) * c_in * c_out, r"a bias for every f × f slice"),
    (lambda f, c_in, c_out: (f * f * c_in * c_out + c_out) / 1.5, "not a whole number|returned"),
    (not_written, "not written yet"),
])
def test_conv_params_rejects_mistakes(candidate, words):
    with pytest.raises(AssertionError, match=words):
        check.conv_params(candidate)


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


def summarize_dicts(input_shape, layers):
    return [{"shape": list(shape), "size": np.int64(size), "params": float(params)}
            for shape, size, params in summarize_tuples(input_shape, layers)]


def summarize_column_vectors(input_shape, layers):
    """The lecture writes flat activations as (120, 1): accepted too."""
    return [((shape[0], 1) if len(shape) == 1 else shape, size, params)
            for shape, size, params in summarize_tuples(input_shape, layers)]


@pytest.mark.parametrize("candidate", [summarize_tuples, summarize_dicts, summarize_column_vectors])
def test_summarize_accepts_correct_variants(candidate):
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
    (summarize_no_error, "expected it to raise ValueError"),
    (lambda input_shape, layers: 62958, "expected a list"),
    (not_written, "not written yet"),
])
def test_summarize_rejects_mistakes(candidate, words):
    with pytest.raises(AssertionError, match=words):
        check.summarize(candidate)


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

    return sum(correlate2d(x[..., c], w[..., c], mode="valid") for c in range(x.shape[2])) + b


@pytest.mark.parametrize("candidate", [feature_map_loops, feature_map_scipy])
def test_part_a_feature_map_accepts_correct_variants(candidate):
    check.part_a_feature_map(candidate)
    check.part_a_feature_map(candidate, seed=3)


def test_part_a_feature_map_is_the_lecture_exercise():
    fmap = feature_map_loops(parameters.EXAM_X, parameters.EXAM_W, parameters.EXAM_B)
    assert fmap.shape == (4, 4)
    assert [fmap[3, 3], fmap[1, 2], fmap[3, 1]] == parameters.EXAM_VALUES == [9, -3, 22]


@pytest.mark.parametrize("candidate, words", [
    (lambda x, w, b: feature_map_loops(x, w[::-1, ::-1], b), "the filter was flipped"),
    (lambda x, w, b: feature_map_loops(x, w, 0), "bias missing"),
    (lambda x, w, b: feature_map_loops(x[..., :1], w[..., :1], b), "only the first channel"),
    (lambda x, w, b: np.maximum(feature_map_loops(x, w, b), 0), "ReLU applied already"),
    (lambda x, w, b: feature_map_loops(x, w, b).T, "rows and columns swapped"),
    (not_written, "not written yet"),
])
def test_part_a_feature_map_rejects_mistakes(candidate, words):
    with pytest.raises(AssertionError, match=words):
        check.part_a_feature_map(candidate)


@pytest.mark.parametrize("candidate", [
    lambda fmap, positions: [fmap[row - 1, column - 1] for column, row in positions],
    lambda fmap, positions: np.array([fmap[r - 1][c - 1] for c, r in positions], dtype=float),
    lambda fmap, positions: tuple(int(np.asarray(fmap)[r - 1, c - 1]) for c, r in positions),
])
def test_part_a_read_accepts_correct_variants(candidate):
    check.part_a_read(candidate)
    check.part_a_read(candidate, seed=12)


@pytest.mark.parametrize("candidate, words", [
    (lambda fmap, positions: [fmap[c - 1, r - 1] for c, r in positions], "rows and columns swapped"),
    (lambda fmap, positions: [fmap[r, c] for c, r in positions], "raised IndexError(.|\n)*counted from 0"),
    (lambda fmap, positions: [9, -3, 22], "is not right"),
    (not_written, "not written yet"),
])
def test_part_a_read_rejects_mistakes(candidate, words):
    with pytest.raises(AssertionError, match=words):
        check.part_a_read(candidate)


# ---------------------------------------------------------------------------------------
# Part b: ReLU then 2×2 max pooling with stride 1


def relu_pool_loops(fmap):
    rectified = np.maximum(fmap, 0)
    pooled = np.array([[rectified[i:i + 2, j:j + 2].max() for j in range(fmap.shape[1] - 1)]
                       for i in range(fmap.shape[0] - 1)])
    return rectified, pooled


def relu_pool_lists(fmap):
    rectified, pooled = relu_pool_loops(fmap)
    return [rectified.tolist(), pooled.tolist()]


def pool_then_relu(fmap):
    """Max pooling and ReLU commute, so this order is correct too."""
    pooled = np.array([[fmap[i:i + 2, j:j + 2].max() for j in range(fmap.shape[1] - 1)]
                       for i in range(fmap.shape[0] - 1)])
    return np.maximum(fmap, 0), np.maximum(pooled, 0)


@pytest.mark.parametrize("candidate", [relu_pool_loops, relu_pool_lists, pool_then_relu])
def test_part_b_relu_pool_accepts_correct_variants(candidate):
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


@pytest.mark.parametrize("candidate, words", [
    (relu_pool_stride2, "stride 2 instead of 1"),
    (relu_pool_average, "average pooling instead of max pooling"),
    (pool_without_relu, "pooled the map before ReLU"),
    (lambda fmap: (np.abs(fmap), relu_pool_loops(np.abs(fmap))[1]), r"the ReLU is max\(0, z\)"),
    (lambda fmap: relu_pool_loops(fmap)[1], r"expected a tuple \(rectified, pooled\)"),
    (not_written, "not written yet"),
])
def test_part_b_relu_pool_rejects_mistakes(candidate, words):
    with pytest.raises(AssertionError, match=words):
        check.part_b_relu_pool(candidate)


# ---------------------------------------------------------------------------------------
# Part c: total parameters


def test_part_c_total_params_accepts_the_count():
    check.part_c_total_params(lambda: 348)
    check.part_c_total_params(lambda: sum(row[2] for row in summarize_tuples(
        (6, 6, 3), [("conv", 3, 1, 0, 1), ("pool", 2, 1), ("flatten",), ("dense", 32)])))


@pytest.mark.parametrize("candidate, words", [
    (lambda: 27 + 288, "biases not counted anywhere"),
    (lambda: 27 + 320, "the conv filter's bias"),
    (lambda: 28 + 288, "the FC layer's 32 biases"),
    (lambda: 28 + 16 * 32 + 32, "fed the 4×4 feature map"),
    (lambda: 28 + 4 * 32 + 32, "pooling with stride 2"),
    (lambda: 10 + 320, "input channels ignored, or f instead of f²"),
    (lambda: 320, "only the FC layer"),
    (not_written, "not written yet"),
])
def test_part_c_total_params_rejects_mistakes(candidate, words):
    with pytest.raises(AssertionError, match=words):
        check.part_c_total_params(candidate)


# ---------------------------------------------------------------------------------------
# Part d: "same" padding and parameters


@pytest.mark.parametrize("candidate", [
    lambda input_shape, f, c_out: ((f - 1) // 2, f * f * input_shape[2] * c_out + c_out),
    lambda input_shape, f, c_out: [(f - 1) / 2, float((f * f * input_shape[-1] + 1) * c_out)],
])
def test_part_d_same_conv_accepts_correct_variants(candidate):
    check.part_d_same_conv(candidate)
    check.part_d_same_conv(candidate, seed=4)


@pytest.mark.parametrize("candidate, words", [
    (lambda shape, f, c: (f - 1, f * f * shape[2] * c + c), "p is per side"),
    (lambda shape, f, c: ((f - 1) // 2, f * f * shape[2] * c), "biases not counted"),
    (lambda shape, f, c: ((f - 1) // 2, f * shape[2] * c + c), "f instead of f²"),
    (lambda shape, f, c: ((f - 1) // 2, f * f * c + c), "input channels ignored"),
    (lambda shape, f, c: ((f - 1) // 2, f * f * shape[2] * c * shape[0] * shape[1] + c),
     "parameters do not depend on the image size"),
    (lambda shape, f, c: (3, 1184), "is not right|returned"),
    (not_written, "not written yet"),
])
def test_part_d_same_conv_rejects_mistakes(candidate, words):
    with pytest.raises(AssertionError, match=words):
        check.part_d_same_conv(candidate)


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
