"""Checks for assignment 10, architectures and transfer learning.

- ``receptive_field(layers)``: how many input pixels (on a side) one unit of the last layer
  of a stack of convolution and pooling layers sees; ``layers`` is a sequence of (f, s).
- ``bottleneck_params(c_in, c_mid, c_out, stride=1)``: the parameters of a ResNet
  bottleneck block (1×1, 3×3, 1×1 convolutions with biases, plus a 1×1 projection on the
  shortcut when the block changes the shape).

Oracles: the recursions below (cross-checked in the tests against a second, backward
recursion and against Keras' own parameter counts) and the worked values of the chapter:
the lecture's three-layer network, LeNet-5, AlexNet and VGG16.
"""

from __future__ import annotations

import numpy as np

from autograder.checks import Hints, graded
from autograder.feedback import call, describe, expect_raises, expect_value, fail, quiet, signature


def _all_that_match(got, mistakes: dict) -> dict:
    """Integer answers often fit more than one known mistake: name all of them, so that the
    message never points at the wrong one alone."""
    if isinstance(got, np.ndarray) and got.ndim == 0:
        got = got.item()
    if isinstance(got, bool) or not isinstance(got, (int, float, np.integer, np.floating)):
        return mistakes
    matching = [description for description, value in mistakes.items()
                if value is not None and float(value) == float(got)]
    return {"; or ".join(matching): got} if len(matching) > 1 else mistakes

# ---------------------------------------------------------------------------------------
# Stacks of (f, s) with known receptive fields

#: The lecture's network (seed 001): CONV f=3 s=1, CONV f=5 s=2, CONV f=7 s=2.
LECTURE_NET = ((3, 1), (5, 2), (7, 2))
#: LeNet-5: C1 5×5, S2 2×2/2, C3 5×5, S4 2×2/2, C5 5×5.
LENET5 = ((5, 1), (2, 2), (5, 1), (2, 2), (5, 1))
#: AlexNet: conv1 11×11/4, pool 3×3/2, conv2 5×5, pool 3×3/2, conv3-5 3×3, pool 3×3/2.
ALEXNET = ((11, 4), (3, 2), (5, 1), (3, 2), (3, 1), (3, 1), (3, 1), (3, 2))
#: VGG16: five blocks of 3×3 convolutions (2, 2, 3, 3, 3), each ending in 2×2/2 max pooling.
VGG16 = tuple(layer for convs in (2, 2, 3, 3, 3) for layer in [(3, 1)] * convs + [(2, 2)])

WORKED_RECEPTIVE_FIELDS = {
    (): 1, ((3, 1),): 3, ((3, 1), (3, 1)): 5, ((3, 1), (3, 1), (3, 1)): 7, ((2, 2), (2, 2), (2, 2)): 8,
    LECTURE_NET: 19, LENET5: 32, ALEXNET: 195, VGG16: 212,
}


def receptive_field_and_jump(layers) -> tuple[int, int]:
    """(r, j) after the stack: r is the receptive field in input pixels, j the distance in
    input pixels between two neighbouring units of the last layer. Forward recursion:
    r ← r + (f − 1)·j, then j ← j·s, starting from one pixel (r = 1, j = 1)."""
    r, j = 1, 1
    for f, s in layers:
        r += (f - 1) * j
        j *= s
    return r, j


def receptive_field_backward(layers) -> int:
    """The same number from the other end: a window of r units of a layer with (f, s) covers
    s·(r − 1) + f units of its input. Used by the tests to cross-check the forward recursion."""
    r = 1
    for f, s in reversed(list(layers)):
        r = s * (r - 1) + f
    return r


def _receptive_field_mistakes(layers) -> dict:
    layers = [(int(f), int(s)) for f, s in layers]
    jumps_after = np.cumprod([s for _, s in layers]) if layers else np.array([], int)
    jumps_before = np.concatenate([[1], jumps_after[:-1]]) if layers else np.array([], int)
    sizes = np.array([f for f, _ in layers], int)
    return {
        "strides ignored: 1 + Σ(f − 1) holds only when every stride is 1; after a layer with stride s, "
        "one step in the next layer is s pixels of the input, so multiply (f − 1) by the product of the "
        "strides of the layers before it": 1 + int(np.sum(sizes - 1)),
        "each layer's (f − 1) was multiplied by the jump *after* the layer (its own stride included); use "
        "the jump of the layer's input, the product of the strides of the layers before it: add "
        "(f − 1)·j first, then update j ← j·s": 1 + int(np.sum((sizes - 1) * jumps_after)),
        "the starting pixel is missing: begin with r = 1 (one unit sees itself), then add (f − 1)·j per layer":
            int(np.sum((sizes - 1) * jumps_before)),
        "the layers were taken in reverse order: the first layer of the list is the one next to the input":
            receptive_field_and_jump(layers[::-1])[0],
        "f instead of f − 1: a window of f units reaches f − 1 units beyond the first one":
            1 + int(np.sum(sizes * jumps_before)),
        "f instead of f − 1, without the starting pixel": int(np.sum(sizes * jumps_before)),
        "that is the jump (the product of the strides), not the receptive field":
            receptive_field_and_jump(layers)[1],
        "the window sizes were multiplied: receptive fields grow by adding (f − 1)·j, not by products":
            int(np.prod(sizes)) if layers else 1,
    }


def _receptive_field_cases(rng: np.random.Generator) -> list[tuple[object, int | None]]:
    """(layers in some accepted form, expected or None for the recursion): the worked stacks,
    lists, tuples and a numpy array, and random stacks with mixed strides."""
    cases: list[tuple[object, int | None]] = [(list(layers), value)
                                              for layers, value in WORKED_RECEPTIVE_FIELDS.items()]
    cases.append((np.array(ALEXNET), 195))  # an (L, 2) integer array
    cases.append((tuple([f, s] for f, s in VGG16), 212))  # a tuple of lists
    for length in (2, 4, 6, 9):
        f = rng.integers(1, 8, size=length)
        s = rng.integers(1, 4, size=length)
        cases.append(([(int(a), int(b)) for a, b in zip(f, s)], None))
    cases.append(([(np.int64(3), np.int64(2)), (np.int64(5), np.int64(1)), (np.int64(2), np.int64(2))], None))
    return cases


@graded("receptive_field", hints=Hints(
    idea="Walk through the layers from the input. Keep two numbers: r, how many input pixels one unit "
         "of the current layer sees, and j, how many input pixels apart two neighbouring units of the "
         "current layer are. Before the first layer, a unit is one pixel: r = 1, j = 1.",
    formula="A layer with window f and stride s: its window spans f units of its input, f − 1 steps of j "
            "input pixels beyond the first, so r ← r + (f − 1)·j; its units are s input units apart, so "
            "then j ← j·s. Padding does not change either number.",
    code="```python\nr, j = 1, 1\nfor f, s in layers:\n    if f < 1 or s < 1:\n"
         "        raise ValueError(f'window and stride must be at least 1, got f={f}, s={s}')\n"
         "    r += (f - 1) * j   # with the jump of the layer's input\n    j *= s\nreturn r\n```",
))
def check_receptive_field(receptive_field, seed: int = 0) -> None:
    """receptive_field(layers) -> the receptive field (an int) of a stack of (f, s) layers."""
    rng = np.random.default_rng(seed)
    with quiet():
        for layers, value in _receptive_field_cases(rng):
            before = repr(layers)
            where = signature("receptive_field", layers)
            got = call(receptive_field, layers, name="receptive_field")
            if repr(layers) != before:
                fail(f"{where} changed the list it was given; read the layers without modifying them.")
            if isinstance(got, (tuple, list)):
                fail(f"{where} returned {describe(got)}; expected one number, the receptive field r "
                     f"(keep the jump j to yourself).")
            expected = receptive_field_and_jump(layers)[0] if value is None else value
            expect_value(got, expected, where, integer=True,
                         mistakes=_all_that_match(got, _receptive_field_mistakes(layers)))
        for bad in ([(0, 1)], [(3, 1), (3, 0)], [(-3, 1)], [(3, 1), (3,)], [(3, 1, 1)]):
            expect_raises(receptive_field, ValueError, bad, name="receptive_field",
                          why="Every layer is a pair (f, s) with f ≥ 1 and s ≥ 1; anything else "
                              "deserves a clear ValueError.")


# ---------------------------------------------------------------------------------------
# bottleneck_params


def conv_params(f: int, c_in: int, c_out: int, bias: bool = True) -> int:
    """Weights and biases of an f×f convolution from c_in to c_out channels."""
    return f * f * c_in * c_out + (c_out if bias else 0)


def needs_projection(c_in: int, c_out: int, stride: int) -> bool:
    """A bottleneck block's shortcut needs a 1×1 convolution when x and F(x) differ in shape."""
    return c_in != c_out or stride != 1


def bottleneck_reference(c_in: int, c_mid: int, c_out: int, stride: int = 1) -> int:
    """1×1 (c_in→c_mid) + 3×3 (c_mid→c_mid) + 1×1 (c_mid→c_out), all with biases, plus a 1×1
    projection (c_in→c_out, with bias) on the shortcut when the shape changes."""
    main = conv_params(1, c_in, c_mid) + conv_params(3, c_mid, c_mid) + conv_params(1, c_mid, c_out)
    return main + (conv_params(1, c_in, c_out) if needs_projection(c_in, c_out, stride) else 0)


def _bottleneck_mistakes(c_in: int, c_mid: int, c_out: int, stride: int) -> dict:
    projection = conv_params(1, c_in, c_out)
    needed = needs_projection(c_in, c_out, stride)
    right = bottleneck_reference(c_in, c_mid, c_out, stride)
    main = right - (projection if needed else 0)
    main_no_bias = conv_params(1, c_in, c_mid, False) + conv_params(3, c_mid, c_mid, False) + conv_params(
        1, c_mid, c_out, False)
    batch_norm = 4 * (c_mid + c_mid + c_out) + (4 * c_out if needed else 0)
    return {
        "biases forgotten: every convolution has one bias per output channel":
            main_no_bias + (conv_params(1, c_in, c_out, False) if needed else 0),
        "the projection shortcut is missing: when the block changes the number of channels or the "
        "size (stride ≠ 1), x cannot be added to F(x) as it is; a 1×1 convolution (with stride) "
        "from c_in to c_out, with biases, makes it fit": main if needed else None,
        "a projection was counted on an identity shortcut: with c_in = c_out and stride 1, x is "
        "added as it is, with no parameters": right + projection if not needed else None,
        "the projection was decided by the stride alone; it is also needed when c_in ≠ c_out":
            main if (needed and stride == 1) else None,
        "the projection was decided by the channels alone; with stride ≠ 1 the sizes differ, so it "
        "is needed even when c_in = c_out": main if (needed and c_in == c_out) else None,
        "the 1×1 convolutions were counted as 3×3: a 1×1 convolution has c_in·c_out weights":
            conv_params(3, c_in, c_mid) + conv_params(3, c_mid, c_mid) + conv_params(3, c_mid, c_out)
            + (conv_params(3, c_in, c_out) if needed else 0),
        "the middle 3×3 convolution was counted as 1×1: it has 3·3·c_mid·c_mid weights":
            right - 8 * c_mid * c_mid,
        "the middle convolution was given c_in input channels; it reads the c_mid channels of the first "
        "1×1 convolution": right - conv_params(3, c_mid, c_mid) + conv_params(3, c_in, c_mid),
        "the last 1×1 convolution should go back out to c_out channels, not c_in":
            right - conv_params(1, c_mid, c_out) + conv_params(1, c_mid, c_in) if c_in != c_out else None,
        "batch normalisation was counted: the contract counts the convolutions only (in Keras each "
        "BatchNormalization adds 4 numbers per channel, 2 of them trainable)": right + batch_norm,
    }


def _bottleneck_cases(rng: np.random.Generator) -> list[tuple[tuple[int, int, int, int], bool]]:
    """((c_in, c_mid, c_out, stride), pass stride?) : ResNet50's block kinds, an identity block
    called without stride, a stride-2 block that keeps the channels, and random sizes."""
    cases = [((64, 64, 256, 1), True), ((256, 64, 256, 1), True), ((256, 128, 512, 2), True),
             ((512, 128, 512, 1), False), ((1024, 512, 2048, 2), True), ((128, 32, 128, 2), True)]
    for _ in range(4):
        c_mid = int(rng.integers(2, 40))
        c_in = int(rng.choice([c_mid, 4 * c_mid, int(rng.integers(1, 160))]))
        c_out = int(rng.choice([c_in, 4 * c_mid]))
        cases.append(((c_in, c_mid, c_out, int(rng.integers(1, 3))), True))
    return cases


@graded("bottleneck_params", hints=Hints(
    idea="Count the three convolutions of the main path and, if the shortcut needs one, the 1×1 "
         "convolution on the shortcut. Each convolution is a chapter 06 count: f·f·c_in·c_out weights "
         "plus c_out biases. The stride changes sizes, never the number of parameters.",
    formula="1×1 from c_in to c_mid: c_in·c_mid + c_mid. 3×3 from c_mid to c_mid: 9·c_mid² + c_mid. 1×1 "
            "from c_mid to c_out: c_mid·c_out + c_out. Shortcut: 0 when c_in = c_out and stride = 1 "
            "(identity), else c_in·c_out + c_out.",
    code="```python\nif min(c_in, c_mid, c_out, stride) < 1:\n    raise ValueError('channels and stride must be "
         "at least 1')\ntotal = (c_in * c_mid + c_mid) + (9 * c_mid * c_mid + c_mid) + (c_mid * c_out + c_out)\n"
         "if c_in != c_out or stride != 1:\n    total += c_in * c_out + c_out\nreturn total\n```",
))
def check_bottleneck_params(bottleneck_params, seed: int = 0) -> None:
    """bottleneck_params(c_in, c_mid, c_out, stride=1) -> parameters of a bottleneck residual block."""
    rng = np.random.default_rng(seed)
    with quiet():
        for (c_in, c_mid, c_out, stride), with_stride in _bottleneck_cases(rng):
            args = (c_in, c_mid, c_out, stride) if with_stride else (c_in, c_mid, c_out)
            where = signature("bottleneck_params", *args)
            got = call(bottleneck_params, *args, name="bottleneck_params")
            mistakes = {k: v for k, v in _bottleneck_mistakes(c_in, c_mid, c_out, stride).items() if v is not None}
            expect_value(got, bottleneck_reference(c_in, c_mid, c_out, stride), where, integer=True,
                         mistakes=_all_that_match(got, mistakes))
        for bad in ((0, 64, 256, 1), (64, 0, 256, 1), (64, 64, -256, 1), (64, 64, 256, 0)):
            expect_raises(bottleneck_params, ValueError, *bad, name="bottleneck_params",
                          why="Channels and the stride are at least 1; anything else deserves a clear ValueError.")

