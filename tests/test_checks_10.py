"""Unit tests of the checks of assignment 10 (architectures and transfer learning): correct
variants pass, each typical mistake fails with a message that names it, and the references
agree with a second recursion and with Keras' own parameter counts."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from autograder import check
from autograder.checks import architectures as arch


def not_written(*args, **kwargs):
    raise NotImplementedError()


# ---------------------------------------------------------------------------------------
# receptive_field: correct variants (each rejects bad layers with ValueError)


def _pairs(layers):
    pairs = []
    for layer in layers:
        f, s = layer  # a layer that is not a pair raises ValueError here
        if f < 1 or s < 1:
            raise ValueError(f"f and s must be at least 1, got ({f}, {s})")
        pairs.append((int(f), int(s)))
    return pairs


def rf_forward(layers):
    r, j = 1, 1
    for f, s in _pairs(layers):
        r += (f - 1) * j
        j *= s
    return r


def rf_backward(layers):
    r = 1
    for f, s in reversed(_pairs(layers)):  # reversed() of a copy: the caller's list stays as it was
        r = s * (r - 1) + f
    return r


def rf_numpy(layers):
    array = np.asarray(layers, dtype=int)  # a ragged list raises ValueError here
    if array.size == 0:
        return 1
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError("each layer is a pair (f, s)")
    if np.any(array < 1):
        raise ValueError("f and s must be at least 1")
    jumps = np.concatenate([[1], np.cumprod(array[:, 1])[:-1]])
    return int(1 + np.sum((array[:, 0] - 1) * jumps))


def rf_recursive(layers):
    pairs = _pairs(layers)
    if not pairs:
        return 1
    *rest, (f, s) = pairs
    jump = int(np.prod([stride for _, stride in rest])) if rest else 1
    return rf_recursive(rest) + (f - 1) * jump


def rf_reduce(layers):
    r, _ = functools.reduce(lambda state, layer: (state[0] + (layer[0] - 1) * state[1], state[1] * layer[1]),
                            _pairs(layers), (1, 1))
    return float(r)  # a whole float is accepted


# ---------------------------------------------------------------------------------------
# bottleneck_params: correct variants


def _check_sizes(*values):
    if min(values) < 1:
        raise ValueError("channels and stride must be at least 1")


def bottleneck_formula(c_in, c_mid, c_out, stride=1):
    _check_sizes(c_in, c_mid, c_out, stride)
    total = (c_in * c_mid + c_mid) + (9 * c_mid * c_mid + c_mid) + (c_mid * c_out + c_out)
    if c_in != c_out or stride != 1:
        total += c_in * c_out + c_out
    return total


def bottleneck_layer_list(c_in, c_mid, c_out, stride=1):
    _check_sizes(c_in, c_mid, c_out, stride)
    convs = [(1, c_in, c_mid), (3, c_mid, c_mid), (1, c_mid, c_out)]
    if (c_in, stride) != (c_out, 1):
        convs.append((1, c_in, c_out))
    return sum(f * f * a * b + b for f, a, b in convs)


def bottleneck_numpy_ints(c_in, c_mid, c_out, stride=1):
    """Counts as numpy integers, the shortcut decided by comparing shapes."""
    _check_sizes(c_in, c_mid, c_out, stride)
    weights = np.array([c_in * c_mid, 9 * c_mid ** 2, c_mid * c_out], dtype=np.int64)
    biases = np.array([c_mid, c_mid, c_out], dtype=np.int64)
    identity = (c_in, 1) == (c_out, stride)
    return weights.sum() + biases.sum() + (0 if identity else np.int64(c_in) * c_out + c_out)


@functools.lru_cache(maxsize=None)
def bottleneck_keras(c_in, c_mid, c_out, stride=1):
    """Build the block in Keras and let it count (a cross-check of the reference; too slow to
    be a variant the checks run under their time limit on a busy machine)."""
    import keras

    _check_sizes(c_in, c_mid, c_out, stride)
    x = keras.Input((8, 8, c_in))
    y = keras.layers.Conv2D(c_mid, 1, strides=stride)(x)
    y = keras.layers.Conv2D(c_mid, 3, padding="same")(y)
    y = keras.layers.Conv2D(c_out, 1)(y)
    shortcut = keras.layers.Conv2D(c_out, 1, strides=stride)(x) if (c_in != c_out or stride != 1) else x
    return keras.Model(x, keras.layers.Add()([shortcut, y])).count_params()


RIGHT_VARIANTS = {
    "receptive_field": [rf_forward, rf_backward, rf_numpy, rf_recursive, rf_reduce],
    "bottleneck_params": [bottleneck_formula, bottleneck_layer_list, bottleneck_numpy_ints],
}


@pytest.mark.parametrize("name, candidate", [(name, variant) for name, variants in RIGHT_VARIANTS.items()
                                             for variant in variants])
def test_right_variants_pass(name, candidate):
    getattr(check, name)(candidate)


#: The seeds the notebook's hidden tests pass to each check.
HIDDEN_SEEDS = {"receptive_field": 1010, "bottleneck_params": 2015}


@pytest.mark.parametrize("name, candidate", [(name, variant) for name, variants in RIGHT_VARIANTS.items()
                                             for variant in variants])
def test_right_variants_pass_other_seeds(name, candidate):
    for seed in (3, HIDDEN_SEEDS[name]):
        getattr(check, name)(candidate, seed=seed)


# ---------------------------------------------------------------------------------------
# receptive_field: mistakes


def rf_no_strides(layers):
    return 1 + sum(f - 1 for f, _ in _pairs(layers))


def rf_jump_after(layers):
    r, j = 1, 1
    for f, s in _pairs(layers):
        j *= s
        r += (f - 1) * j
    return r


def rf_f_not_f_minus_1(layers):
    r, j = 1, 1
    for f, s in _pairs(layers):
        r += f * j
        j *= s
    return r


def rf_from_zero(layers):
    r, j = 0, 1
    for f, s in _pairs(layers):
        r += (f - 1) * j
        j *= s
    return r


def rf_reversed(layers):
    return rf_forward(list(layers)[::-1])


def rf_returns_jump(layers):
    return int(np.prod([s for _, s in _pairs(layers)]))


def rf_returns_pair(layers):
    r, j = 1, 1
    for f, s in _pairs(layers):
        r += (f - 1) * j
        j *= s
    return r, j


def rf_reverses_in_place(layers):
    if isinstance(layers, list):
        layers.reverse()  # backward recursion, but on the caller's list
        order = layers
    else:
        order = list(layers)[::-1]
    r = 1
    for f, s in _pairs(order):
        r = s * (r - 1) + f
    return r


def rf_no_validation(layers):
    r, j = 1, 1
    for layer in layers:
        f, s = layer[0], layer[1]
        r += (f - 1) * j
        j *= s
    return r


def rf_product(layers):
    return int(np.prod([f for f, _ in _pairs(layers)]))


@pytest.mark.parametrize("candidate, words", [
    (rf_no_strides, "strides ignored"),
    (rf_jump_after, r"jump \*after\* the layer"),
    (rf_f_not_f_minus_1, "f instead of f − 1"),
    (rf_from_zero, "the starting pixel is missing"),
    (rf_reversed, "reverse order"),
    (rf_returns_jump, "that is the jump"),
    (rf_returns_pair, "expected one number"),
    (rf_reverses_in_place, r"changed its first argument \(a list\) in place"),
    (rf_no_validation, "expected it to raise ValueError"),
    (rf_product, "window sizes were multiplied"),
    (not_written, "not written yet"),
])
def test_receptive_field_rejects_mistakes(candidate, words):
    with pytest.raises(AssertionError, match=words):
        check.receptive_field(candidate)


# ---------------------------------------------------------------------------------------
# bottleneck_params: mistakes


def bn_no_bias(c_in, c_mid, c_out, stride=1):
    _check_sizes(c_in, c_mid, c_out, stride)
    total = c_in * c_mid + 9 * c_mid * c_mid + c_mid * c_out
    return total + (c_in * c_out if (c_in != c_out or stride != 1) else 0)


def bn_no_projection(c_in, c_mid, c_out, stride=1):
    _check_sizes(c_in, c_mid, c_out, stride)
    return (c_in * c_mid + c_mid) + (9 * c_mid * c_mid + c_mid) + (c_mid * c_out + c_out)


def bn_always_projection(c_in, c_mid, c_out, stride=1):
    return bn_no_projection(c_in, c_mid, c_out, stride) + c_in * c_out + c_out


def bn_projection_by_stride(c_in, c_mid, c_out, stride=1):
    return bn_no_projection(c_in, c_mid, c_out, stride) + (c_in * c_out + c_out if stride != 1 else 0)


def bn_projection_by_channels(c_in, c_mid, c_out, stride=1):
    return bn_no_projection(c_in, c_mid, c_out, stride) + (c_in * c_out + c_out if c_in != c_out else 0)


def bn_all_3x3(c_in, c_mid, c_out, stride=1):
    _check_sizes(c_in, c_mid, c_out, stride)
    total = (9 * c_in * c_mid + c_mid) + (9 * c_mid * c_mid + c_mid) + (9 * c_mid * c_out + c_out)
    return total + (9 * c_in * c_out + c_out if (c_in != c_out or stride != 1) else 0)


def bn_middle_1x1(c_in, c_mid, c_out, stride=1):
    return bottleneck_formula(c_in, c_mid, c_out, stride) - 8 * c_mid * c_mid


def bn_middle_from_c_in(c_in, c_mid, c_out, stride=1):
    return bottleneck_formula(c_in, c_mid, c_out, stride) - 9 * c_mid * c_mid + 9 * c_in * c_mid


def bn_with_batch_norm(c_in, c_mid, c_out, stride=1):
    projection = c_in != c_out or stride != 1
    return bottleneck_formula(c_in, c_mid, c_out, stride) + 4 * (2 * c_mid + c_out) + (4 * c_out if projection else 0)


def bn_no_validation(c_in, c_mid, c_out, stride=1):
    total = (c_in * c_mid + c_mid) + (9 * c_mid * c_mid + c_mid) + (c_mid * c_out + c_out)
    return total + (c_in * c_out + c_out if (c_in != c_out or stride != 1) else 0)


@pytest.mark.parametrize("candidate, words", [
    (bn_no_bias, "biases forgotten"),
    (bn_no_projection, "projection shortcut is missing"),
    (bn_always_projection, "projection was counted on an identity shortcut"),
    (bn_projection_by_stride, "decided by the stride alone"),
    (bn_projection_by_channels, "decided by the channels alone"),
    (bn_all_3x3, "1×1 convolutions were counted as 3×3"),
    (bn_middle_1x1, "middle 3×3 convolution was counted as 1×1"),
    (bn_middle_from_c_in, "middle convolution was given c_in input channels"),
    (bn_with_batch_norm, "batch normalisation was counted"),
    (bn_no_validation, "expected it to raise ValueError"),
    (not_written, "not written yet"),
])
def test_bottleneck_params_rejects_mistakes(candidate, words):
    with pytest.raises(AssertionError, match=words):
        check.bottleneck_params(candidate)


# ---------------------------------------------------------------------------------------
# The references


def test_worked_receptive_fields_agree_with_both_recursions():
    for layers, value in arch.WORKED_RECEPTIVE_FIELDS.items():
        assert arch.receptive_field_and_jump(layers)[0] == value
        assert arch.receptive_field_backward(layers) == value


@pytest.mark.parametrize("seed", range(5))
def test_forward_and_backward_recursions_agree_on_random_stacks(seed):
    rng = np.random.default_rng(seed)
    layers = [(int(f), int(s)) for f, s in zip(rng.integers(1, 9, 7), rng.integers(1, 4, 7))]
    assert arch.receptive_field_and_jump(layers)[0] == arch.receptive_field_backward(layers)


def test_receptive_field_matches_a_brute_force_count():
    """Push one output unit's footprint back through the layers, window by window."""
    rng = np.random.default_rng(0)
    for _ in range(5):
        layers = [(int(f), int(s)) for f, s in zip(rng.integers(1, 6, 4), rng.integers(1, 3, 4))]
        covered = {0}
        for f, s in reversed(layers):
            covered = {i * s + u for i in covered for u in range(f)}
        assert max(covered) - min(covered) + 1 == arch.receptive_field_and_jump(layers)[0]


@pytest.mark.parametrize("sizes", [(128, 32, 128, 2), (7, 3, 5, 1)])  # ResNet50's own blocks: the next test
def test_bottleneck_reference_agrees_with_keras(sizes):
    assert arch.bottleneck_reference(*sizes) == bottleneck_keras(*sizes)


def test_bottleneck_reference_matches_keras_resnet50_blocks():
    """ResNet50's conv2_block1 (projection) and conv2_block2 (identity): their convolution
    parameters, batch norm left out."""
    import keras

    model = keras.applications.ResNet50(weights=None)
    for block, sizes in [("conv2_block1", (64, 64, 256, 1)), ("conv2_block2", (256, 64, 256, 1)),
                         ("conv3_block1", (256, 128, 512, 2))]:
        convs = [layer for layer in model.layers if layer.name.startswith(block) and layer.name.endswith("_conv")]
        assert sum(layer.count_params() for layer in convs) == arch.bottleneck_reference(*sizes)


def test_hints_come_in_three_tiers():
    for name in RIGHT_VARIANTS:
        labels = [label for label, _ in getattr(check, name).hints]
        assert labels == ["Idea", "Formula", "Code (this gives the answer away)"], name


def test_checks_print_nothing_to_stderr(capfd):
    check.receptive_field(rf_forward)
    check.bottleneck_params(bottleneck_formula)
    assert capfd.readouterr().err == ""
