"""Checks for assignment 06, parameter counting: the parameters of a convolution layer, a
layer-by-layer summary of a small CNN (checked against Keras' own shapes and counts), and
the four parts of the lecture's graded exercise (seed 001).

``dense_params`` is shared with assignment 01; its check lives in images_as_arrays.py.

What every exercise's contract promises, and the checks test (see ``_contract``): counts
(sizes, shapes, paddings, parameters) are ints, never floats such as 448.0; shapes follow
Keras, so a flat activation is ``(n,)``, not the lecture's ``(n, 1)``; impossible inputs
raise ValueError; inputs, lists included, are never modified, and a second call with the
same objects gives the same answer; feature maps are float arrays within float32 rounding
of the exact sums.
"""

from __future__ import annotations

import functools
import math
import numbers

import numpy as np

from autograder.checks import Hints, graded
from autograder.checks._contract import (call_unchanged, expect_close, expect_error, expect_int,
                                         float32_tolerance, fortran_order, is_int, strided_view)
from autograder.feedback import describe, fail, quiet, signature, to_array

# ---------------------------------------------------------------------------------------
# The lecture's examples (seed 001)

#: The LeNet-style table: input 32×32×3, total 62,958 parameters.
LENET_INPUT = (32, 32, 3)
LENET_LAYERS = [("conv", 5, 1, 0, 8), ("pool", 2, 2), ("conv", 5, 1, 0, 16), ("pool", 2, 2),
                ("flatten",), ("dense", 120), ("dense", 84), ("dense", 10)]
LENET_ROWS = [((28, 28, 8), 6272, 608), ((14, 14, 8), 1568, 0), ((10, 10, 16), 1600, 3216),
              ((5, 5, 16), 400, 0), ((400,), 400, 0), ((120,), 120, 48120), ((84,), 84, 10164),
              ((10,), 10, 850)]
LENET_TOTAL = 62_958

#: The graded exercise: three 6×6 input channels, one 3×3×3 filter, bias 7, p = 0, s = 1.
EXAM_X = np.stack([
    np.array([[1, 2, 0, 2, 1, 2], [3, 2, 6, 0, 3, 0], [0, 0, 0, 1, 0, 1],
              [1, 3, 4, 2, 2, 0], [0, 2, 2, 0, 3, 1], [5, 3, 6, 1, 2, 0]]),
    np.array([[1, 2, 4, 3, 0, 1], [0, 4, 3, 2, 1, 5], [2, 0, 5, 2, 0, 2],
              [7, 2, 0, 1, 3, 3], [2, 0, 4, 0, 2, 0], [1, 6, 3, 0, 5, 3]]),
    np.array([[1, 0, 2, 3, 0, 1], [0, 4, 5, 2, 3, 2], [2, 0, 6, 0, 0, 2],
              [0, 2, 4, 1, 2, 4], [2, 6, 2, 0, 2, 3], [2, 0, 3, 0, 0, 0]]),
], axis=-1)
EXAM_W = np.stack([
    np.array([[0, 0, 1], [3, 4, 0], [0, 0, -1]]),
    np.array([[-1, -2, 0], [0, 2, 0], [2, -1, 0]]),
    np.array([[0, -2, 0], [-1, 1, 0], [0, -1, 0]]),
], axis=-1)
EXAM_B = 7
EXAM_FEATURE_MAP = np.array([[35, 20, 19, 24], [1, 1, -3, -3], [22, 7, 22, 22], [-2, 22, 13, 9]])
#: The positions the question asks for, as it words them: (column, row), counted from 1.
EXAM_POSITIONS = [(4, 4), (3, 2), (2, 4)]
EXAM_VALUES = [9, -3, 22]
#: Part b: the feature map the question gives, its ReLU and the 2×2 stride-1 max pooling.
EXAM_B_MAP = np.array([[35, 20, 20, 3], [1, -1, 21, -3], [21, 7, 15, 22], [-2, 22, 22, 29]])
EXAM_B_RELU = np.maximum(EXAM_B_MAP, 0)
EXAM_B_POOLED = np.array([[35, 21, 21], [21, 21, 22], [22, 22, 29]])
#: Part c: conv (3×3×3 → 1, bias) + ReLU + 2×2/1 max pooling + flatten + FC with 32 units.
EXAM_C_TOTAL = (3 * 3 * 3 * 1 + 1) + (3 * 3 * 32 + 32)
#: Part d: 256×256×3, 7×7 filters, stride 1, 8 filters, "same".
EXAM_D = (3, 7 * 7 * 3 * 8 + 8)


def _quietly(check):
    """Run a whole check with numpy warnings silenced (stderr would zero the test cell)."""

    @functools.wraps(check)
    def run(*args, **kwargs):
        with quiet():
            return check(*args, **kwargs)

    return run


# ---------------------------------------------------------------------------------------
# conv_params


def _conv_params_mistakes(f, c_in, c_out) -> dict:
    return {
        "biases not counted: each filter has one bias, + c_out": f * f * c_in * c_out,
        "only f·f·n_filters weights were counted, the lecture's \"8 filters 3×3 = 72 weights\" "
        "slip: each filter also has one f × f slice per input channel (× c_in) and one bias "
        "(+ c_out)": f * f * c_out,
        "a bias counted for every weight; there is one bias per filter": 2 * f * f * c_in * c_out,
        "input channels ignored: each filter is f × f × c_in, it covers every input channel":
            f * f * c_out + c_out,
        "f instead of f²: a filter is f × f, square": f * c_in * c_out + c_out,
        "one bias per input channel instead of one per filter (+ c_in instead of + c_out)":
            f * f * c_in * c_out + c_in,
        "one bias for the whole layer (+ 1); every filter has its own bias, + c_out":
            f * f * c_in * c_out + 1,
        "a bias for every f × f slice (one per input channel of every filter); a filter is one "
        "f × f × c_in volume with a single bias, so + c_out": (f * f + 1) * c_in * c_out,
    }


@graded("conv_params", hints=Hints(
    idea="A layer has c_out filters. Each filter is a small volume with one f × f slice per input "
         "channel, and each filter has one bias. The image size does not appear at all. "
         "A size or count below 1 describes no layer: ValueError.",
    formula="weights = f · f · c_in · c_out; biases = c_out. The lecture's 3×3 filters on an RGB "
            "input with 16 filters: 3·3·3·16 + 16 = 448. (Seed 002's \"8 filters 3×3 = 72 weights\" "
            "forgets the input channels and the biases: 3·3·c_in·8 + 8.)",
    code="if min(f, c_in, c_out) < 1:\n"
         "    raise ValueError(f'f, c_in and c_out must be at least 1, got {f}, {c_in}, {c_out}')\n"
         "return f * f * c_in * c_out + c_out   # an int",
))
@_quietly
def check_conv_params(conv_params, seed: int = 0) -> None:
    """conv_params(f, c_in, c_out) -> f·f·c_in·c_out + c_out, an int; ValueError for sizes < 1."""
    rng = np.random.default_rng(seed)
    cases = [(5, 3, 8), (3, 3, 16), (5, 8, 16), (5, 1, 1), (7, 3, 8), (3, 1, 8), (3, 16, 32), (1, 64, 32)]
    cases += [(int(rng.choice([2, 3, 4, 5, 7, 11])), int(rng.integers(2, 200)), int(rng.integers(2, 300)))
              for _ in range(4)]
    for number, (f, c_in, c_out) in enumerate(cases):
        where = signature("conv_params", f, c_in, c_out)
        got = call_unchanged(conv_params, f, c_in, c_out, name="conv_params", again=number == 0)
        expect_int(got, f * f * c_in * c_out + c_out, where, what="a parameter count",
                   mistakes=_conv_params_mistakes(f, c_in, c_out))
    for args in [(0, 3, 8), (3, -1, 8), (3, 3, 0)]:
        expect_error(conv_params, ValueError, *args, name="conv_params",
                     why=f"no layer has f, c_in, c_out = {args}: raise ValueError for any of them below 1 "
                         f"rather than return a count.")


# ---------------------------------------------------------------------------------------
# summarize: reference, Keras oracle and mistake models


def _out(n, f, p, s, rule="floor"):
    if rule == "ceil":
        return math.ceil((n + 2 * p - f) / s) + 1
    if rule == "p_once":
        return (n + p - f) // s + 1
    if rule == "no_plus_one":
        return (n + 2 * p - f) // s
    if rule == "no_stride":
        return n + 2 * p - f + 1
    return (n + 2 * p - f) // s + 1


def layer_row(layer, shape, rule="floor"):
    """(output shape, size, parameters) of one layer given the shape of its input."""
    kind = layer[0]
    if kind == "conv":
        _, f, s, p, c_out = layer
        h, w, c_in = shape
        out = (_out(h, f, p, s, rule), _out(w, f, p, s, rule), c_out)
        return out, math.prod(out), f * f * c_in * c_out + c_out
    if kind == "pool":
        _, f, s = layer
        h, w, c = shape
        out = (_out(h, f, 0, s, rule), _out(w, f, 0, s, rule), c)
        return out, math.prod(out), 0
    if kind == "flatten":
        n = math.prod(shape)
        return (n,), n, 0
    if kind == "dense":
        _, units = layer
        return (units,), units, math.prod(shape) * units + units
    raise ValueError(f"unknown layer kind {kind!r}")


def summarize_reference(input_shape, layers) -> list[tuple]:
    rows, shape = [], tuple(input_shape)
    for layer in layers:
        row = layer_row(layer, shape)
        rows.append(row)
        shape = row[0]
    return rows


def keras_summary(input_shape, layers) -> list[tuple]:
    """The same network built in Keras: each layer's output shape and count_params().

    A ("conv", f, s, p, n) layer becomes ZeroPadding2D(p) followed by a 'valid' Conv2D, so
    that the padding is exactly p per side."""
    import keras

    built, rows = [keras.Input(tuple(input_shape))], []
    x = built[0]
    for layer in layers:
        kind = layer[0]
        if kind == "conv":
            _, f, s, p, n = layer
            if p:
                x = keras.layers.ZeroPadding2D(p)(x)
            keras_layer = keras.layers.Conv2D(n, f, strides=s)
        elif kind == "pool":
            keras_layer = keras.layers.MaxPooling2D(layer[1], strides=layer[2])
        elif kind == "flatten":
            keras_layer = keras.layers.Flatten()
        else:
            keras_layer = keras.layers.Dense(layer[1])
        x = keras_layer(x)
        shape = tuple(int(d) for d in x.shape[1:])
        rows.append((shape, math.prod(shape), int(keras_layer.count_params())))
    return rows


def _row_mistakes(layer, in_shape, expected_row) -> list[tuple[str, object]]:
    """(description, wrong row or predicate on the row) for the layer's typical mistakes."""
    kind = layer[0]
    shape, size, params = expected_row
    mistakes: list[tuple[str, object]] = []
    if kind in ("conv", "pool"):
        for rule, text in [("ceil", "ceil instead of floor in the output size ⌊(n + 2p − f) / s⌋ + 1"),
                           ("p_once", "padding counted once (p instead of 2p) in the output size"),
                           ("no_plus_one", "missing +1 in the output size ⌊(n + 2p − f) / s⌋ + 1"),
                           ("no_stride", "stride ignored in the output size")]:
            mistakes.append((text, ("shape", layer_row(layer, in_shape, rule)[0])))
    if kind == "conv":
        _, f, s, p, c_out = layer
        c_in = in_shape[2]
        mistakes.append(("a conv layer has one output channel per filter: the channels are c_out, "
                         "not the input's channels", ("shape", shape[:2] + (c_in,))))
        for text, value in _conv_params_mistakes(f, c_in, c_out).items():
            mistakes.append((text, ("params", value)))
    if kind == "pool":
        mistakes.append(("pooling keeps the number of channels", ("shape_channels", in_shape[2])))
        mistakes.append(("pool layers given parameters: pooling has no weights and no biases "
                         "(f and s are chosen, not learned), so 0", ("params_nonzero", None)))
    if kind == "flatten":
        n = math.prod(in_shape)
        if len(in_shape) == 3:
            h, w, c = in_shape
            mistakes.append(("flatten size wrong: the channels were left out; flattening keeps "
                             "all n_H × n_W × c values", ("shape", (h * w,))))
            mistakes.append(("flatten size wrong: n_H + n_W + c added instead of multiplied",
                             ("shape", (h + w + c,))))
        mistakes.append(("flatten has no parameters", ("params_nonzero", None)))
        mistakes.append(("flatten size wrong: flattening keeps all the values, the size is the "
                         f"product of the input shape, {n}", ("shape_not", (n,))))
    if kind == "dense":
        units = layer[1]
        n_in = math.prod(in_shape)
        mistakes += [
            ("biases not counted in the dense layer: one bias per unit, + n_out", ("params", n_in * units)),
            ("a bias counted for every weight of the dense layer", ("params", 2 * n_in * units)),
            ("one bias per input instead of one per unit", ("params", n_in * units + n_in)),
        ]
        if len(in_shape) == 3:
            h, w, c = in_shape
            mistakes.append(("the dense layer's inputs counted without the channels: it gets all "
                             "n_H × n_W × c values", ("params", h * w * units + units)))
    mistakes.append(("output activation size miscounted: the size is the product of the "
                     "activation shape (n_H × n_W × c)", ("size_not_product", None)))
    mistakes.append(("the activation size of the layer's input was reported, not of its output",
                     ("size", math.prod(in_shape))))
    return mistakes


def _normalise_row(row, where: str, number: int):
    """The learner's row as (shape, size, params) of plain ints, or a failure that says what
    the contract asks for: a tuple (shape, size, params), shape a tuple of ints as Keras
    writes it ((120,) for a flat activation), size and params ints."""
    if isinstance(row, dict):
        fail(f"{where}: row {number} is a dict; the contract asks for a tuple (shape, size, params), "
             f"for example ((28, 28, 8), 6272, 608).")
    if not isinstance(row, (tuple, list)) or len(row) != 3:
        fail(f"{where}: row {number} is {describe(row)}; expected a tuple (shape, size, params), "
             f"for example ((28, 28, 8), 6272, 608).")
    shape, size, params = row
    if not isinstance(shape, tuple):
        fail(f"{where}: row {number} has the shape {shape!r}, {describe(shape)}; a shape is a tuple, "
             f"like numpy's .shape and Keras' output shapes: use tuple(...). (A list never equals "
             f"a tuple: [28, 28, 8] == (28, 28, 8) is False.)")
    if not all(is_int(d) for d in shape):
        fail(f"{where}: row {number} has the shape {shape!r}; expected a tuple of ints such as "
             f"(28, 28, 8) or (120,).")
    shape = tuple(int(d) for d in shape)
    if len(shape) == 2 and shape[1] == 1:
        fail(f"{where}: row {number} has the shape {shape}; a flat activation is written ({shape[0]},) "
             f"here, as Keras and numpy write it (the lecture's tables write {shape[0]}×1). "
             f"Use (n_units,).")
    for name, value in (("size", size), ("parameter count", params)):
        if not is_int(value):
            whole = isinstance(value, numbers.Number) and not isinstance(value, bool) and \
                np.isfinite(float(value)) and float(value).is_integer()
            fail(f"{where}: row {number} has the {name} {value!r}; expected an int"
                 + (" (a whole float is still a float: use // or int(...))" if whole else
                    " (use 0 for layers without parameters)") + ".")
    return shape, int(size), int(params)


def _name_row_mistake(layer, in_shape, expected_row, got_row) -> str | None:
    shape, size, params = got_row
    for text, (what, value) in _row_mistakes(layer, in_shape, expected_row):
        if what == "shape" and shape == tuple(value) and shape != expected_row[0]:
            return text
        if what == "shape_not" and shape != tuple(value):
            return text
        if what == "shape_channels" and len(shape) == 3 and shape[:2] == expected_row[0][:2] and shape[2] != value:
            return text
        if what == "params" and params == value and params != expected_row[2]:
            return text
        if what == "params_nonzero" and params != 0:
            return text
        if what == "size_not_product" and shape == expected_row[0] and size != math.prod(shape):
            return text
        if what == "size" and size == value and size != expected_row[1]:
            return text
    return None


def _compare_summary(got, expected_rows, input_shape, layers, where):
    if isinstance(got, (str, bytes, dict)) or not hasattr(got, "__iter__"):
        fail(f"{where} returned {describe(got)}; expected a list with one (shape, size, params) row per layer.")
    got = list(got)
    if len(got) != len(layers):
        extra = " (no row for the input: the first row belongs to the first layer)" \
            if len(got) == len(layers) + 1 else ""
        fail(f"{where} returned {len(got)} rows for {len(layers)} layers; expected one row per layer{extra}.")
    shape = tuple(input_shape)
    for number, (layer, row, expected) in enumerate(zip(layers, got, expected_rows)):
        row = _normalise_row(row, where, number)
        if row != expected:
            lines = [f"{where} is not right at row {number}, the layer {layer!r} "
                     f"(its input has shape {shape}):",
                     f"  expected (shape, size, params): {expected}",
                     f"  got:                            {row}"]
            mistake = _name_row_mistake(layer, shape, expected, row)
            if mistake:
                lines.append(f"  Likely mistake: {mistake}.")
            fail("\n".join(lines))
        shape = expected[0]


def _random_architecture(rng: np.random.Generator):
    """A small valid network with awkward sizes: non-square input, padding, strides that do
    not divide evenly, even and odd filters."""
    shape = (int(rng.integers(20, 61)), int(rng.integers(20, 61)), int(rng.integers(1, 5)))
    input_shape, layers = shape, []
    for kind in ["conv", "pool", "conv", "pool", "conv"]:
        if kind == "conv":
            layer = ("conv", int(rng.choice([2, 3, 4, 5, 7])), int(rng.integers(1, 4)),
                     int(rng.integers(0, 3)), int(rng.integers(2, 13)))
        else:
            layer = ("pool", int(rng.integers(2, 4)), int(rng.integers(1, 4)))
        try:
            row = layer_row(layer, shape)
        except ValueError:
            continue
        if min(row[0][:2]) < 1:
            continue
        layers.append(layer)
        shape = row[0]
    layers += [("flatten",), ("dense", int(rng.integers(5, 60))), ("dense", int(rng.integers(2, 11)))]
    return input_shape, layers


#: Networks whose layers cannot be computed; summarize raises ValueError for each.
IMPOSSIBLE_NETWORKS = [
    ((8, 8, 1), [("conv", 3, 1, 0, 2), ("dropout", 0.5)], "an unknown layer kind"),
    ((6, 6, 1), [("conv", 7, 1, 0, 2)], "a 7×7 filter on a 6×6 input without padding"),
    ((5, 5, 2), [("conv", 3, 1, 0, 4), ("pool", 4, 2)], "a 4×4 pooling window on the 3×3 map of the conv layer"),
]


@graded("summarize", hints=Hints(
    idea="Keep track of the current activation shape, starting from input_shape. For each layer "
         "work out its output shape, then its size and its parameters, append the row, and make "
         "the output shape the current shape. A layer kind you do not know, or a window that does "
         "not fit in its input, is a ValueError.",
    formula="conv (f, s, p, n): (⌊(n_H + 2p − f) / s⌋ + 1, ⌊(n_W + 2p − f) / s⌋ + 1, n), "
            "f·f·c_in·n + n parameters. pool (f, s): the same rule with p = 0, channels unchanged, 0 "
            "parameters. flatten: (n_H·n_W·c,), 0. dense (n): (n,), n_in·n + n with n_in the size of "
            "its input. Size = product of the shape. Shapes are tuples of ints; a flat one is (n,). "
            "Check: the lecture's table gives ((28, 28, 8), 6272, 608), ((14, 14, 8), 1568, 0), … "
            "62,958 in all.",
    code="rows, shape = [], tuple(input_shape)\n"
         "for layer in layers:\n"
         "    kind = layer[0]\n"
         "    if kind in ('conv', 'pool'):\n"
         "        f, s = layer[1], layer[2]\n"
         "        p = layer[3] if kind == 'conv' else 0\n"
         "        h, w = (shape[0] + 2 * p - f) // s + 1, (shape[1] + 2 * p - f) // s + 1\n"
         "        if h < 1 or w < 1:\n"
         "            raise ValueError(f'{layer} does not fit its input {shape}')\n"
         "        new = (h, w, layer[4] if kind == 'conv' else shape[2])\n"
         "        params = conv_params(f, shape[2], layer[4]) if kind == 'conv' else 0\n"
         "    elif kind == 'flatten':\n"
         "        new, params = (math.prod(shape),), 0\n"
         "    elif kind == 'dense':\n"
         "        new, params = (layer[1],), dense_params(math.prod(shape), layer[1])\n"
         "    else:\n"
         "        raise ValueError(f'unknown layer kind {kind!r}')\n"
         "    rows.append((new, math.prod(new), params))\n"
         "    shape = new\n"
         "return rows",
))
@_quietly
def check_summarize(summarize, seed: int = 0) -> None:
    """summarize(input_shape, layers) -> [(shape, size, params), ...], one row per layer."""
    rng = np.random.default_rng(seed)
    cases = [(LENET_INPUT, LENET_LAYERS),
             ((64, 64, 3), [("conv", 3, 1, 0, 8), ("conv", 5, 2, 0, 16), ("conv", 7, 2, 0, 32),
                            ("flatten",), ("dense", 10)]),
             ((28, 28, 1), [("conv", 3, 1, 1, 4), ("pool", 2, 2), ("conv", 3, 1, 1, 6), ("pool", 2, 2),
                            ("flatten",), ("dense", 10)])]
    cases += [_random_architecture(rng) for _ in range(2)]
    # the network of the exercise's part c comes last, so that a summarize with a bug shows
    # the rows of other networks first rather than the pieces of part c's answer
    cases.append(((6, 6, 3), [("conv", 3, 1, 0, 1), ("pool", 2, 1), ("flatten",), ("dense", 32)]))
    for number, (input_shape, layers) in enumerate(cases):
        where = f"summarize({input_shape}, <{len(layers)} layers>)"
        got = call_unchanged(summarize, tuple(input_shape), [tuple(layer) for layer in layers],
                             name="summarize", again=number in (0, 2))
        expected = LENET_ROWS if number == 0 else keras_summary(input_shape, layers)
        _compare_summary(got, expected, input_shape, layers, where)
    for input_shape, layers, what in IMPOSSIBLE_NETWORKS:
        expect_error(summarize, ValueError, input_shape, [tuple(layer) for layer in layers], name="summarize",
                     why=f"{what} cannot be computed: raise ValueError naming the layer rather than "
                         f"return rows with sizes of 0 or less.")


# ---------------------------------------------------------------------------------------
# The graded exercise of seed 001, part a: the feature map, and reading values off it


def _feature_map_oracle(x, w, b) -> np.ndarray:
    from scipy.signal import correlate

    return correlate(np.asarray(x, float), np.asarray(w, float), mode="valid")[:, :, 0] + float(b)


def feature_map_cases(rng: np.random.Generator):
    """(x, w, b): random inputs first (ints, float64, float32, a non-contiguous view; large
    values whose products cancel), with expected values in the feedback; the exercise's own
    data last, where the feedback names the mistake but does not print the answer."""
    yield rng.integers(0, 8, size=(5, 7, 3)), rng.integers(-2, 3, size=(3, 3, 3)), -4
    yield rng.normal(size=(8, 6, 2)), rng.normal(size=(5, 5, 2)), 0.5
    yield rng.normal(size=(4, 9, 1)).astype(np.float32), rng.normal(size=(2, 2, 1)).astype(np.float32), 1.0
    w = rng.normal(size=(3, 3, 2))
    yield strided_view(500.0 + rng.normal(size=(7, 5, 2))), fortran_order(w - w.mean()), -2.5
    yield EXAM_X.copy(), EXAM_W.copy(), EXAM_B


@graded("part_a_feature_map", hints=Hints(
    idea="One filter that covers all input channels makes one 2-D map. With p = 0 and s = 1 it fits "
         "at n_H − f + 1 row positions and n_W − f + 1 column positions.",
    formula="map[i, j] = Σ over rows, columns and channels of x[i:i+f, j:j+f, :] · w, plus b. "
            "No flip (CNN layers cross-correlate), no ReLU yet; the map is a float array.",
    code="x = np.asarray(x, dtype=float)\n"
         "f = w.shape[0]\n"
         "rows, cols = x.shape[0] - f + 1, x.shape[1] - f + 1\n"
         "out = np.zeros((rows, cols))\n"
         "for i in range(rows):\n"
         "    for j in range(cols):\n"
         "        out[i, j] = np.sum(x[i:i + f, j:j + f, :] * w) + b\n"
         "return out",
))
@_quietly
def check_part_a_feature_map(part_a_feature_map, seed: int = 0) -> None:
    """part_a_feature_map(x, w, b) -> (n_H − f + 1, n_W − f + 1) float map of one filter plus its bias."""
    rng = np.random.default_rng(seed)
    cases = list(feature_map_cases(rng))
    for number, (x, w, b) in enumerate(cases):
        exam = number == len(cases) - 1
        where = signature("part_a_feature_map", x, w, b)
        got = call_unchanged(part_a_feature_map, x, w, b, name="part_a_feature_map", again=number == 1)
        expected = EXAM_FEATURE_MAP if exam else _feature_map_oracle(x, w, b)
        f, _, channels = np.shape(w)
        tol = float32_tolerance(_feature_map_oracle(np.abs(np.asarray(x, float)), np.abs(np.asarray(w, float)),
                                                    abs(b)), f * f * channels + 1)
        expect_close(got, expected, where, tol=tol, reveal=not exam, float_result=True, mistakes={
            "the filter was flipped (a true convolution); CNN layers use cross-correlation":
                lambda: _feature_map_oracle(x, np.asarray(w)[::-1, ::-1], b),
            "bias missing: add b to every value": lambda: expected - b,
            "only the first channel was used; sum over all input channels":
                lambda: _feature_map_oracle(x[..., :1], w[..., :1], b),
            "ReLU applied already; part a asks for the feature map before ReLU":
                lambda: np.maximum(expected, 0),
            "rows and columns swapped (the map is transposed)": lambda: expected.T,
            "the bias was added once per input channel": lambda: expected + (x.shape[2] - 1) * b,
            "the output array has an integer dtype (np.zeros_like(x), or dtype=int), which "
            "truncates the values; create it with dtype=float": lambda: np.trunc(expected),
        })


def _read_oracle(feature_map, positions):
    return [feature_map[row - 1, column - 1] for column, row in positions]


def _read_mistakes(fmap, positions) -> dict:
    """The typical ways of reading (column, row) positions counted from 1 wrongly."""

    def swapped():
        return np.array([fmap[column - 1, row - 1] for column, row in positions])

    def zero_based():
        return np.array([fmap[row, column] for column, row in positions])

    def both():
        return np.array([fmap[column, row] for column, row in positions])

    return {
        "rows and columns swapped: the question says (column, row), numpy wants [row, column]": swapped,
        "counted from 0: the question's 1st row is index 0": zero_based,
        "counted from 0 and rows and columns swapped": both,
    }


def _diagnose_index_error(part_a_read, positions) -> str:
    """Which mistake made part_a_read index outside the map? Ask it again on a map large
    enough for every misreading, with distinct values, and see which one it reproduces."""
    from autograder.feedback import CheckFailure, name_mistake

    probe = np.arange(1, 1 + 12 * 12).reshape(12, 12) * 10
    try:
        got = np.asarray(call_unchanged(part_a_read, probe, list(positions), name="part_a_read"),
                         float).reshape(-1)
    except (CheckFailure, ValueError, TypeError):
        got = None
    mistake = name_mistake(got, _read_mistakes(probe, positions), 0, 0) if got is not None else None
    return mistake or ("an index outside the map: the positions are (column, row) counted from 1, "
                       "so the value is feature_map[row − 1, column − 1]")


@graded("part_a_read", hints=Hints(
    idea="The question names each position as (column, row), counted from 1, while numpy indexes "
         "[row, column] counting from 0. Read the positions; do not change the list you are given.",
    formula="(column c, row r) counted from 1 is feature_map[r − 1, c − 1]: the 3rd column of the 2nd "
            "row is feature_map[1, 2].",
    code="return [feature_map[row - 1, column - 1] for column, row in positions]",
))
@_quietly
def check_part_a_read(part_a_read, seed: int = 0) -> None:
    """part_a_read(feature_map, positions) -> the values at (column, row) positions counted from 1."""
    rng = np.random.default_rng(seed)
    cases = []
    for shape in [(5, 7), (6, 4)]:
        fmap = rng.integers(-50, 50, size=shape)
        positions = [(int(rng.integers(1, shape[1] + 1)), int(rng.integers(1, shape[0] + 1))) for _ in range(4)]
        positions.append((shape[1], 1))  # last column, first row: only valid one way round
        cases.append((fmap, positions))
    fmap = strided_view(np.round(rng.normal(size=(4, 6)) * 10, 2))  # floats, a non-contiguous view
    cases.append((fmap, [(6, 4), (1, 1), (2, 3)]))
    cases.append((EXAM_FEATURE_MAP.copy(), list(EXAM_POSITIONS)))  # last, and without printing the answer
    from autograder.feedback import CheckFailure

    for number, (fmap, positions) in enumerate(cases):
        where = signature("part_a_read", fmap, positions)
        try:
            got = call_unchanged(part_a_read, fmap, positions, name="part_a_read", again=number == 0)
        except CheckFailure as failure:
            if "IndexError" not in str(failure):
                raise
            fail(f"{failure}\n  Likely mistake: {_diagnose_index_error(part_a_read, positions)}.")
        expected = np.array(_read_oracle(fmap, positions), dtype=float)
        if not isinstance(got, (list, tuple, np.ndarray)):
            fail(f"{where} returned {describe(got)}; expected a list with one value per position.")
        array = to_array(list(got) if isinstance(got, tuple) else got, where)
        expect_close(array.reshape(-1) if array.size == len(positions) else array, expected, where,
                     tol=0, reveal=number < len(cases) - 1, mistakes=_read_mistakes(fmap, positions))
    got = call_unchanged(part_a_read, EXAM_FEATURE_MAP.copy(), list(EXAM_POSITIONS), name="part_a_read")
    if [float(v) for v in np.asarray(got).reshape(-1)] != EXAM_VALUES:
        fail(f"part_a_read on the exercise's feature map gives {got}, which is not right: "
             f"read the values at (column, row) = {EXAM_POSITIONS}, counted from 1.")


# ---------------------------------------------------------------------------------------
# Part b: ReLU, then max pooling 2×2 with stride 1


def _max_pool(a, f, s) -> np.ndarray:
    from numpy.lib.stride_tricks import sliding_window_view

    return sliding_window_view(np.asarray(a, float), (f, f))[::s, ::s].max(axis=(-2, -1))


@graded("part_b_relu_pool", hints=Hints(
    idea="Two layers in a row: first the ReLU (negative values become 0), then max pooling of the "
         "rectified map with a 2×2 window and stride 1, so each side shrinks by one. Leave the "
         "given map unchanged.",
    formula="rectified = max(0, map) element by element; pooled[i, j] = max of rectified[i:i+2, j:j+2], "
            "for i < n_H − 1 and j < n_W − 1. Return both, as numpy arrays, in a tuple.",
    code="rectified = np.maximum(feature_map, 0)\n"
         "rows, cols = rectified.shape[0] - 1, rectified.shape[1] - 1\n"
         "pooled = np.array([[rectified[i:i + 2, j:j + 2].max() for j in range(cols)] for i in range(rows)])\n"
         "return rectified, pooled",
))
@_quietly
def check_part_b_relu_pool(part_b_relu_pool, seed: int = 0) -> None:
    """part_b_relu_pool(feature_map) -> (ReLU(feature_map), its 2×2 stride-1 max pooling)."""
    rng = np.random.default_rng(seed)
    # the exercise's map last, where the feedback does not print the answer
    cases = [rng.integers(-20, 30, size=(5, 6)), rng.normal(size=(6, 4)),
             np.array([[-3, -1, 4], [-2, -5, 1], [0, -1, -2]]),
             strided_view(rng.normal(size=(4, 5)).astype(np.float32) * 100), EXAM_B_MAP.copy()]
    for number, fmap in enumerate(cases):
        exam = number == len(cases) - 1
        where = signature("part_b_relu_pool", fmap)
        got = call_unchanged(part_b_relu_pool, fmap, name="part_b_relu_pool", again=number == 0)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            fail(f"{where} returned {describe(got)}; expected a tuple (rectified, pooled) of two arrays.")
        rectified = np.maximum(np.asarray(fmap, float), 0)
        pooled = _max_pool(rectified, 2, 1)
        if exam:
            rectified, pooled = EXAM_B_RELU, EXAM_B_POOLED
        expect_close(got[0], rectified, where + "[0] (the rectified map)", reveal=not exam,
                     tol=float32_tolerance(rectified, 0), mistakes={
                         "the ReLU is max(0, z): negative values become 0, the rest stays": np.abs(fmap),
                         "np.minimum instead of np.maximum": np.minimum(fmap, 0),
                     })
        expect_close(got[1], pooled, where + "[1] (the pooled map)", reveal=not exam,
                     tol=float32_tolerance(pooled, 0), mistakes={
                         "stride 2 instead of 1: the question asks for stride s = 1": _max_pool(rectified, 2, 2),
                         "average pooling instead of max pooling": np.array(
                             [[rectified[i:i + 2, j:j + 2].mean() for j in range(rectified.shape[1] - 1)]
                              for i in range(rectified.shape[0] - 1)]),
                         "pooled the map before ReLU, and never rectified the pooled values: windows "
                         "with only negative values must give 0": _max_pool(fmap, 2, 1),
                         "the window was 3×3 instead of 2×2": _max_pool(rectified, 3, 1),
                     })


# ---------------------------------------------------------------------------------------
# Part c: the total number of training parameters


@graded("part_c_total_params", hints=Hints(
    idea="Write the exercise's network in your summarize format and add up the parameter column: "
         "input (6, 6, 3); a conv layer with one 3×3 filter (p = 0, s = 1); ReLU (no parameters, no "
         "row); max pooling 2×2, stride 1; flatten; a dense layer with 32 units.",
    formula="The conv layer has 3·3·3·1 + 1 (the given bias b = 7 is learned too), pooling and flatten "
            "0, and the dense layer gets the flattened POOLED map: (its size) · 32 + 32.",
    code="layers = [('conv', 3, 1, 0, 1), ('pool', 2, 1), ('flatten',), ('dense', 32)]\n"
         "return sum(params for _, _, params in summarize((6, 6, 3), layers))",
))
@_quietly
def check_part_c_total_params(part_c_total_params, seed: int = 0) -> None:
    """part_c_total_params() -> the exercise's total number of training parameters, an int."""
    got = call_unchanged(part_c_total_params, name="part_c_total_params", again=True)
    conv, fc = 3 * 3 * 3 * 1 + 1, 3 * 3 * 32 + 32
    expect_int(got, EXAM_C_TOTAL, "part_c_total_params()", what="a parameter count", reveal=False, mistakes={
        "biases not counted anywhere (the conv filter has 1, the FC layer 32)": conv - 1 + fc - 32,
        "the conv filter's bias (b = 7 is a trained parameter too) was not counted": conv - 1 + fc,
        "the FC layer's 32 biases were not counted": conv + fc - 32,
        "the FC layer was fed the 4×4 feature map: it comes after the pooling, which gives 3×3":
            conv + 4 * 4 * 32 + 32,
        "pooling with stride 2 (2×2 output); the question says stride 1": conv + 2 * 2 * 32 + 32,
        "input channels ignored, or f instead of f²: the filter is 3×3×3": 3 * 3 * 1 + 1 + fc,
        "only the FC layer was counted": fc,
        "only the convolution was counted": conv,
    })


# ---------------------------------------------------------------------------------------
# Part d: "same" padding and the parameter count of a 7×7 layer


@graded("part_d_same_conv", hints=Hints(
    idea="Two separate questions: which padding keeps the size with stride 1, and how many parameters "
         "the layer has. The image size matters for neither. An even f has no 'same' padding: ValueError.",
    formula="'Same' with stride 1: n + 2p − f + 1 = n, so p = (f − 1) / 2. Parameters: f·f·c_in·c_out + "
            "c_out, with c_in = input_shape[2]. Both are ints.",
    code="if f < 1 or f % 2 == 0:\n"
         "    raise ValueError(f'no symmetric same padding for f = {f}')\n"
         "return (f - 1) // 2, conv_params(f, input_shape[2], c_out)",
))
@_quietly
def check_part_d_same_conv(part_d_same_conv, seed: int = 0) -> None:
    """part_d_same_conv(input_shape, f, c_out) -> (p, parameters) of a stride-1 'same' conv layer, ints."""
    rng = np.random.default_rng(seed)
    # the exercise's layer last, where the feedback does not print the answer
    cases = [((28, 20, 1), 5, 6), ((32, 32, 3), 3, 16),
             ((int(rng.integers(10, 300)), int(rng.integers(10, 300)), int(rng.integers(1, 64))),
              int(2 * rng.integers(0, 5) + 1), int(rng.integers(1, 128))),
             ((256, 256, 3), 7, 8)]
    for number, (input_shape, f, c_out) in enumerate(cases):
        exam = number == len(cases) - 1
        where = signature("part_d_same_conv", input_shape, f, c_out)
        got = call_unchanged(part_d_same_conv, input_shape, f, c_out, name="part_d_same_conv", again=number == 0)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            fail(f"{where} returned {describe(got)}; expected a tuple (p, parameters).")
        c_in = input_shape[2]
        expected = EXAM_D if exam else ((f - 1) // 2, f * f * c_in * c_out + c_out)
        padding_mistakes = {
            "p = f − 1 is the padding of both sides together; p is per side": f - 1,
            "(f + 1) / 2 instead of (f − 1) / 2": (f + 1) // 2,
        }
        expect_int(got[0], expected[0], where + "[0] (the padding p)", what="a padding", reveal=not exam,
                   mistakes=padding_mistakes)
        expect_int(got[1], expected[1], where + "[1] (the parameters)", what="a parameter count", reveal=not exam,
                   mistakes={**_conv_params_mistakes(f, c_in, c_out),
                             "the image size was multiplied in: parameters do not depend on "
                             "the image size": f * f * c_in * c_out * input_shape[0] * input_shape[1] + c_out})
    expect_error(part_d_same_conv, ValueError, (32, 32, 3), 4, 8, name="part_d_same_conv",
                 why="An even filter (f = 4) has no centre pixel, so no symmetric padding keeps the size: "
                     "raise ValueError, as same_padding does in chapter 05.")
