"""Checks for assignment 07, backpropagation through convolution and pooling layers.

Three graded functions, all on batches ``(m, n_H, n_W, n_C)`` as chapter 05's layers:

- ``numerical_gradient(f, x, h=1e-5)``: the gradient of a scalar function by central
  differences, the yardstick for every backward pass;
- ``conv_backward(dz, x, W, b, stride, pad) -> (dx, dW, db)``;
- ``pool_backward(da, x, f, s, mode) -> dx`` for ``mode`` "max" or "average".

The oracles are TensorFlow's automatic differentiation (``tf.GradientTape`` around
``tf.nn.conv2d``, ``tf.nn.max_pool2d`` and ``tf.nn.avg_pool2d``) in float64, and, for
``numerical_gradient``, gradients known in closed form. The wrong answers the checks name
come from numpy references with one switch per classic mistake (:class:`ConvMistake`,
:class:`PoolMistake`); the tests cross-check the references, with every switch off,
against TensorFlow.

The module also gives the notebook what it needs around the exercises: batched forward
passes (:func:`conv_forward`, :func:`pool_forward`), TensorFlow's gradients of the conv
layer (:func:`conv_backward_autodiff`) and :func:`working_conv_backward`, which picks the
learner's ``conv_backward`` when it passes its check and TensorFlow's otherwise.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from autograder.checks import Hints, graded
from autograder.feedback import (CheckFailure, call, describe, expect_array, expect_raises, fail, quiet,
                                 signature, to_array)

# ---------------------------------------------------------------------------------------
# Input validation shared by the forward passes the notebook uses


def _batch(x, name: str = "x") -> np.ndarray:
    """``x`` as a float64 array of shape (m, n_H, n_W, n_C), or a ValueError that says how to fix it."""
    array = np.asarray(x)
    if array.ndim == 3:
        raise ValueError(f"{name} has shape {array.shape}: one image, but the layer takes a batch "
                         f"(m, n_H, n_W, n_C). Add a batch axis: {name}[None].")
    if array.ndim != 4:
        raise ValueError(f"{name} has shape {array.shape}; expected a batch (m, n_H, n_W, n_C)")
    return array.astype(np.float64)


def _tf():
    """TensorFlow, imported on first use (autograder/__init__ has already silenced its log)."""
    import tensorflow as tf

    return tf


# ---------------------------------------------------------------------------------------
# Forward passes (batched, channels last), for the notebook and the checks


def conv_forward(x, W, b, stride: int = 1, pad: int = 0) -> np.ndarray:
    """Chapter 05's convolution layer on a batch: x (m, n_H, n_W, n_C_prev), W (f, f,
    n_C_prev, n_C), b (n_C,) → z (m, n_H', n_W', n_C), a cross-correlation plus one bias
    per filter, with ``pad`` zeros per side and windows ``stride`` pixels apart."""
    x = _batch(x)
    W = np.asarray(W, dtype=np.float64)
    f = W.shape[0]
    if W.ndim != 4 or W.shape[2] != x.shape[3]:
        raise ValueError(f"W has shape {W.shape}; expected (f, f, {x.shape[3]}, n_C) for x of shape {x.shape}")
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    windows = sliding_window_view(xp, (f, f), axis=(1, 2))[:, ::stride, ::stride]  # (m, H', W', C, f, f)
    return np.einsum("mhwcuv,uvck->mhwk", windows, W) + np.asarray(b, dtype=np.float64).reshape(-1)


def pool_forward(x, f: int, s: int, mode: str = "max") -> np.ndarray:
    """Chapter 05's pooling layer on a batch: the max or mean of every f×f window, stride s,
    channel by channel, no padding: (m, n_H, n_W, n_C) → (m, n_H', n_W', n_C)."""
    if mode not in ("max", "average"):
        raise ValueError(f"mode must be 'max' or 'average', not {mode!r}")
    x = _batch(x)
    windows = sliding_window_view(x, (f, f), axis=(1, 2))[:, ::s, ::s]  # (m, H', W', C, f, f)
    return windows.max(axis=(-2, -1)) if mode == "max" else windows.mean(axis=(-2, -1))


def output_shape(x_shape, f: int, stride: int, pad: int, n_C: int) -> tuple[int, int, int, int]:
    """(m, n_H', n_W', n_C) of a conv or pooling layer: ⌊(n + 2p − f) / s⌋ + 1 per side."""
    m, n_H, n_W, _ = x_shape
    return m, (n_H + 2 * pad - f) // stride + 1, (n_W + 2 * pad - f) // stride + 1, n_C


# ---------------------------------------------------------------------------------------
# Oracles: TensorFlow's automatic differentiation in float64


def conv_backward_autodiff(dz, x, W, b, stride: int = 1, pad: int = 0):
    """(dx, dW, db) of the conv layer by TensorFlow's GradientTape, in float64: the gradients
    of L = Σ z · dz, where z = conv_forward(x, W, b, stride, pad)."""
    tf = _tf()
    x_t, W_t = tf.constant(_batch(x), tf.float64), tf.constant(np.asarray(W, np.float64))
    b_t = tf.constant(np.asarray(b, np.float64).reshape(-1))
    with tf.GradientTape() as tape:
        tape.watch([x_t, W_t, b_t])
        z = tf.nn.conv2d(x_t, W_t, strides=stride, padding=[[0, 0], [pad, pad], [pad, pad], [0, 0]]) + b_t
        loss = tf.reduce_sum(z * tf.constant(np.asarray(dz, np.float64)))
    dx, dW, db = tape.gradient(loss, [x_t, W_t, b_t])
    return dx.numpy(), dW.numpy(), db.numpy()


def pool_backward_autodiff(da, x, f: int, s: int, mode: str) -> np.ndarray:
    """dx of the pooling layer by TensorFlow's GradientTape, in float64 (ties of a max go to
    the first maximum of the window in row-major order, as np.argmax picks it)."""
    tf = _tf()
    op = {"max": tf.nn.max_pool2d, "average": tf.nn.avg_pool2d}[mode]
    x_t = tf.constant(_batch(x), tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x_t)
        loss = tf.reduce_sum(op(x_t, ksize=f, strides=s, padding="VALID") * np.asarray(da, np.float64))
    return tape.gradient(loss, x_t).numpy()


# ---------------------------------------------------------------------------------------
# numpy references with switchable mistakes


@dataclass(frozen=True)
class ConvMistake:
    """Switches for :func:`conv_backward_reference`. All off is the right gradient; each one
    on reproduces a classic mistake (the tests check that every one is named)."""
    dx_unflipped: bool = False  # dx from a full correlation with W as it is (W used the wrong way round)
    dx_no_stride: bool = False  # dz scattered back at i + u instead of i·s + u
    dx_assigned: bool = False  # dxp[window] = … instead of += (overlapping windows overwrite)
    dx_crop: str = "both"  # "both" (right), "none" (padded shape), "start" ([:n_H]), "end" ([2p:])
    dW_no_stride: bool = False
    dW_flipped: bool = False
    dW_examples: str = "sum"  # "sum" (right), "mean", "first", "last"


def conv_backward_reference(dz, x, W, stride: int, pad: int, mistake: ConvMistake = ConvMistake()):
    """(dx, dW) of L = Σ z · dz by explicit loops over the output positions (vectorised over
    the batch and the channels), with the switches of ``mistake``."""
    x, dz, W = _batch(x), np.asarray(dz, np.float64), np.asarray(W, np.float64)
    m, n_H, n_W, _ = x.shape
    f = W.shape[0]
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    dxp = np.zeros_like(xp)
    dW_each = np.zeros((m,) + W.shape)
    kernel = W[::-1, ::-1] if mistake.dx_unflipped else W
    step_dx = 1 if mistake.dx_no_stride else stride
    step_dW = 1 if mistake.dW_no_stride else stride
    for i in range(dz.shape[1]):
        for j in range(dz.shape[2]):
            g = dz[:, i, j, :]  # (m, n_C): the upstream gradient of every filter at (i, j)
            r, c = i * step_dx, j * step_dx
            share = np.einsum("uvck,mk->muvc", kernel, g)
            if mistake.dx_assigned:
                dxp[:, r:r + f, c:c + f] = share
            else:
                dxp[:, r:r + f, c:c + f] += share
            window = xp[:, i * step_dW:i * step_dW + f, j * step_dW:j * step_dW + f, :]
            dW_each += np.einsum("muvc,mk->muvck", window, g)
    if mistake.dW_flipped:
        dW_each = dW_each[:, ::-1, ::-1]
    dW = {"sum": lambda d: d.sum(axis=0), "mean": lambda d: d.mean(axis=0),
          "first": lambda d: d[0], "last": lambda d: d[-1]}[mistake.dW_examples](dW_each)
    dx = {"both": lambda d: d[:, pad:pad + n_H, pad:pad + n_W], "none": lambda d: d,
          "start": lambda d: d[:, :n_H, :n_W], "end": lambda d: d[:, 2 * pad:, 2 * pad:]}[mistake.dx_crop](dxp)
    return dx, dW


@dataclass(frozen=True)
class PoolMistake:
    """Switches for :func:`pool_backward_reference`; all off is the right gradient."""
    ties: str = "first"  # "first" (right), "all" (mask x == max), "split" (mask / count), "last"
    whole_window: bool = False  # max: every cell of the window gets the gradient
    across_channels: bool = False  # max: one argmax over the window's cells *and* channels
    divide: str = "f*f"  # average: "f*f" (right), "none", "f"
    assigned: bool = False  # dx[window] = … instead of +=
    no_stride: bool = False


def _max_mask(window: np.ndarray, mistake: PoolMistake) -> np.ndarray:
    """The share of one window's gradient each cell gets: (m, f, f, C) → same shape."""
    m, f, _, n_C = window.shape
    if mistake.whole_window:
        return np.ones_like(window)
    if mistake.across_channels:
        flat = window.reshape(m, -1)
        mask = np.zeros_like(flat)
        mask[np.arange(m), flat.argmax(axis=1)] = 1
        return mask.reshape(window.shape)
    flat = window.transpose(0, 3, 1, 2).reshape(m, n_C, f * f)  # per example and channel, row-major cells
    is_max = flat == flat.max(axis=-1, keepdims=True)
    if mistake.ties == "all":
        mask = is_max.astype(float)
    elif mistake.ties == "split":
        mask = is_max / is_max.sum(axis=-1, keepdims=True)
    else:
        pick = flat.argmax(axis=-1) if mistake.ties == "first" else f * f - 1 - flat[..., ::-1].argmax(axis=-1)
        mask = np.zeros_like(flat)
        np.put_along_axis(mask, pick[..., None], 1.0, axis=-1)
    return mask.reshape(m, n_C, f, f).transpose(0, 2, 3, 1)


def pool_backward_reference(da, x, f: int, s: int, mode: str, mistake: PoolMistake = PoolMistake()):
    """dx of L = Σ pool(x) · da by explicit loops over the output positions."""
    x, da = _batch(x), np.asarray(da, np.float64)
    dx = np.zeros_like(x)
    step = 1 if mistake.no_stride else s
    for i in range(da.shape[1]):
        for j in range(da.shape[2]):
            r, c = i * step, j * step
            g = da[:, i, j, :][:, None, None, :]  # (m, 1, 1, n_C)
            if mode == "max":
                share = _max_mask(x[:, r:r + f, c:c + f, :], mistake) * g
            else:
                divisor = {"f*f": f * f, "f": f, "none": 1}[mistake.divide]
                share = np.broadcast_to(g / divisor, (x.shape[0], f, f, x.shape[3]))
            if mistake.assigned:
                dx[:, r:r + f, c:c + f] = share
            else:
                dx[:, r:r + f, c:c + f] += share
    return dx


# ---------------------------------------------------------------------------------------
# Comparing gradients: tolerances that follow the arithmetic


def _uses_float32(*arrays) -> bool:
    return any(np.asarray(a).dtype in (np.float32, np.float16) for a in arrays)


def gradient_tolerance(scale, *arrays) -> float:
    """Absolute tolerance for a gradient whose entries are sums of products: a small multiple
    of the largest sum of |terms| (``scale``), about 2e-5 of it when the learner's result or
    any input is float32 (float32 carries 7 digits), 1e-9 in float64."""
    relative = 2e-5 if _uses_float32(*arrays) else 1e-9
    return relative * float(np.max(np.abs(scale), initial=0.0)) + 1e-12


def _expect_gradient(got, expected: np.ndarray, where: str, *, atol: float, mistakes: dict,
                     shape_advice: Callable[[tuple], str | None] | None = None) -> None:
    """expect_array with the tolerance above, plus advice for answers of the wrong shape."""
    array = to_array(got, where)
    if array.shape != expected.shape and shape_advice is not None:
        advice = shape_advice(array.shape)
        if advice:
            fail(f"{where} is not right.\n  expected shape {expected.shape}, got shape {array.shape}\n"
                 f"  Likely mistake: {advice}.")
    expect_array(array, expected, where, atol=atol, rtol=0.0, mistakes=mistakes)


def _collect(comparisons: dict[str, Callable[[], None]]) -> None:
    """Run every comparison and fail once with all their messages, saying which results were
    right: dx, dW and db are judged separately, so a learner sees which of the three to fix."""
    messages, right = [], []
    for name, compare in comparisons.items():
        try:
            compare()
            right.append(name)
        except CheckFailure as failure:
            messages.append(str(failure))
    if messages:
        if right:
            messages.append(f"({' and '.join(right)} {'is' if len(right) == 1 else 'are'} right.)")
        fail("\n\n".join(messages))


def _quietly(check):
    """Run a whole check with numpy warnings silenced: a warning on stderr would zero the
    learner's test cell."""

    @functools.wraps(check)
    def run(*args, **kwargs):
        with quiet():
            return check(*args, **kwargs)

    return run


# ---------------------------------------------------------------------------------------
# numerical_gradient


class _ScalarFunction:
    """A scalar function of an array with its gradient in closed form, that insists on
    being called with arrays of x's shape (a flattened or reshaped call is a mistake worth
    naming)."""

    def __init__(self, name: str, shape: tuple, value: Callable, gradient: Callable):
        self.name, self.shape, self._value, self._gradient = name, shape, value, gradient

    def __call__(self, x) -> float:
        array = np.asarray(x)
        if array.shape != self.shape:
            fail(f"numerical_gradient called f with {describe(array)}, but f takes arrays of x's shape "
                 f"{self.shape}. Perturb one entry of (a copy of) x at a time and pass the whole array.")
        return float(self._value(array.astype(np.float64)))

    def gradient(self, x) -> np.ndarray:
        return self._gradient(np.asarray(x, np.float64))

    def __repr__(self) -> str:
        return f"<{self.name}>"


@dataclass(frozen=True)
class GradientCase:
    f: _ScalarFunction
    x: np.ndarray
    h: float | None  # None: call without h (the default 1e-5 applies)


def _cubic_coupled(rng: np.random.Generator, shape: tuple) -> _ScalarFunction:
    """f(x) = Σ c·x³ + (Σ d·x)²: curved enough to expose one-sided differences, and not a
    sum of separate terms, so that an entry left perturbed changes the others' slopes."""
    c, d = rng.uniform(0.5, 1.5, shape) * rng.choice([-1, 1], shape), rng.normal(size=shape)
    return _ScalarFunction("f(x) = Σ c·x³ + (Σ d·x)²", shape,
                           lambda x: np.sum(c * x ** 3) + np.sum(d * x) ** 2,
                           lambda x: 3 * c * x ** 2 + 2 * np.sum(d * x) * d)


def _wave(rng: np.random.Generator, shape: tuple) -> _ScalarFunction:
    a = rng.uniform(0.5, 2.0, shape)
    return _ScalarFunction("f(x) = Σ exp(x / 2)·sin(a·x)", shape,
                           lambda x: np.sum(np.exp(x / 2) * np.sin(a * x)),
                           lambda x: np.exp(x / 2) * (np.sin(a * x) / 2 + a * np.cos(a * x)))


def _conv_loss(rng: np.random.Generator, shape: tuple, stride: int, pad: int) -> _ScalarFunction:
    """L(x) = Σ conv_forward(x, W, b) · dz: the loss whose gradient conv_backward computes."""
    W, b = rng.normal(size=(3, 3, shape[3], 2)), rng.normal(size=2)
    dz = rng.normal(size=output_shape(shape, 3, stride, pad, 2))
    return _ScalarFunction("L(x) = Σ conv_forward(x, W, b) · dz", shape,
                           lambda x: np.sum(conv_forward(x, W, b, stride, pad) * dz),
                           lambda x: conv_backward_reference(dz, x, W, stride, pad)[0])


def _gradient_cases(rng: np.random.Generator) -> list[GradientCase]:
    """Fixed shapes and kinds (every seed draws the same kinds of case), random values."""
    base = rng.normal(size=(3, 4))
    return [
        GradientCase(_cubic_coupled(rng, (3, 4)), rng.normal(size=(3, 4)), 1e-5),
        GradientCase(_wave(rng, (6,)), rng.uniform(-2, 2, size=6), None),
        GradientCase(_conv_loss(rng, (2, 4, 5, 2), 2, 1), rng.normal(size=(2, 4, 5, 2)), 1e-5),
        GradientCase(_cubic_coupled(rng, (4, 3)), base.T, 1e-4),  # a transposed view: not contiguous
        GradientCase(_cubic_coupled(rng, (2, 3)), rng.integers(-3, 4, size=(2, 3)), 1e-5),  # integers
        GradientCase(_cubic_coupled(rng, (5,)), rng.uniform(1, 3, size=5).astype(np.float32), 1e-5),
    ]


def _finite_differences(f: _ScalarFunction, x: np.ndarray, h: float, kind: str = "central",
                        restore: bool = True) -> np.ndarray:
    """The mistake models: the difference quotient of ``kind`` ("central", "forward",
    "backward", "over h": central but divided by h, "aliased": (f(x + h) − f(x)) / (2h), what
    x_plus and x_minus sharing one array give), with or without putting each entry back."""
    work = np.array(x, dtype=np.float64)
    centre = f(work.copy())
    grad = np.zeros(work.shape)
    for index in np.ndindex(work.shape):
        old = work[index]
        work[index] = old + h
        plus = f(work)
        work[index] = old - h
        minus = f(work)
        if restore:
            work[index] = old
        grad[index] = {"central": (plus - minus) / (2 * h), "over h": (plus - minus) / h,
                       "forward": (plus - centre) / h, "backward": (centre - minus) / h,
                       "aliased": (plus - centre) / (2 * h)}[kind]
    return grad


def _gradient_mistakes(case: GradientCase, got) -> dict:
    h = 1e-5 if case.h is None else case.h
    f, x = case.f, case.x
    named = {
        "a one-sided (forward) difference (f(x + h) − f(x)) / h: its error is about h·f''/2; the "
        "central difference (f(x + h) − f(x − h)) / (2h) is far more accurate":
            lambda: _finite_differences(f, x, h, "forward"),
        "a one-sided (backward) difference (f(x) − f(x − h)) / h; use the central difference "
        "(f(x + h) − f(x − h)) / (2h)": lambda: _finite_differences(f, x, h, "backward"),
        "divided by h instead of 2h: the two evaluation points are 2h apart":
            lambda: _finite_differences(f, x, h, "over h"),
        "(f(x + h) − f(x)) / (2h): the 'plus' and 'minus' arrays were one and the same (x_minus = x_plus, "
        "or x_plus = x, makes no copy), so the minus step undid the plus step; copy with x.copy()":
            lambda: _finite_differences(f, x, h, "aliased"),
        "each entry was left perturbed after its turn (x[i] not put back to its old value), so "
        "the later entries were differentiated at a shifted point":
            lambda: _finite_differences(f, x, h, "central", restore=False),
    }
    if np.issubdtype(x.dtype, np.integer):
        # The float cases before this one passed, so a wrong answer here comes from the dtype.
        named["x has an integer dtype, so x[i] + h was truncated to a whole number (f saw a step "
              "of 0 or 1, not h): work on a float copy, e.g. x = np.array(x, dtype=float)"] = got
    if np.asarray(got).shape == x.shape and not np.any(np.asarray(got, float)) and not x.flags.c_contiguous:
        named["all zeros: the perturbations went into a copy that f never saw (x.reshape(-1) "
              "or x.ravel() of a non-contiguous array is a copy); index x itself, e.g. with "
              "np.ndindex(x.shape)"] = np.zeros(x.shape)
    if x.dtype == np.float32:
        named["the differences were taken in float32: x + h was rounded to float32's 7 digits, "
              "which swamps a step of 1e-5; work on a float64 copy (np.array(x, dtype=float))"] = (
            lambda: got if _close_only_at_float32_precision(got, f.gradient(x)) else None)
    return named


def _close_only_at_float32_precision(got, exact: np.ndarray):
    got = np.asarray(got, dtype=float)
    if got.shape != exact.shape:
        return False
    error = np.max(np.abs(got - exact)) / (1 + np.max(np.abs(exact)))
    return 1e-6 < error < 5e-2


@graded("numerical_gradient", hints=Hints(
    idea="Nudge one entry of x at a time, a little up and a little down, and see how much f "
         "changes. The slope in that direction is the change of f divided by the change of x.",
    formula="For each index i: g[i] = (f(x + h·e_i) − f(x − h·e_i)) / (2h), where e_i is 1 at i and "
            "0 elsewhere. Work on a float64 copy of x, and put x[i] back before moving on.",
    code="```python\nx = np.array(x, dtype=float)          # a float64 copy: x itself stays intact\n"
         "grad = np.zeros_like(x)\nfor i in np.ndindex(x.shape):          # every index of any shape\n"
         "    old = x[i]\n    x[i] = old + h; plus = f(x)\n    x[i] = old - h; minus = f(x)\n"
         "    x[i] = old                         # put it back\n"
         "    grad[i] = (plus - minus) / (2 * h)\nreturn grad\n```",
))
@_quietly
def check_numerical_gradient(numerical_gradient, seed: int = 0) -> None:
    """numerical_gradient(f, x, h=1e-5) -> central differences, an array of x's shape."""
    rng = np.random.default_rng(seed)
    for case in _gradient_cases(rng):
        args = (case.f, case.x) if case.h is None else (case.f, case.x, case.h)
        where = signature("numerical_gradient", *args)
        try:
            got = call(numerical_gradient, *args, name="numerical_gradient")
        except CheckFailure as failure:
            if np.issubdtype(case.x.dtype, np.integer) and "cast" in str(failure).lower():
                fail(f"{failure}\n  Likely mistake: x has an integer dtype, so x[i] + h does not fit "
                     f"in it: work on a float copy, e.g. x = np.array(x, dtype=float).")
            raise
        expected = case.f.gradient(case.x)
        array = to_array(got, where)
        if array.shape != expected.shape and array.size == expected.size:
            fail(f"{where} returned {describe(array)}; expected the gradient in x's shape {expected.shape}: "
                 f"one slope per entry of x, in the same place.")
        atol = 1e-7 * (1 + float(np.max(np.abs(expected))))  # central differences reach ~1e-9
        expect_array(array, expected, where, atol=atol, rtol=0.0, mistakes=_gradient_mistakes(case, array))


# ---------------------------------------------------------------------------------------
# conv_backward


@dataclass(frozen=True)
class ConvCase:
    dz: np.ndarray
    x: np.ndarray
    W: np.ndarray
    b: np.ndarray
    stride: int
    pad: int


def _conv_case(rng: np.random.Generator, m: int, n_H: int, n_W: int, c_in: int, f: int, c_out: int,
               stride: int, pad: int, dtype=np.float64, integer_x: bool = False) -> ConvCase:
    x = rng.integers(0, 256, size=(m, n_H, n_W, c_in)) if integer_x else rng.normal(size=(m, n_H, n_W, c_in))
    W, b = rng.normal(size=(f, f, c_in, c_out)), rng.normal(size=c_out)
    dz = rng.normal(size=output_shape(x.shape, f, stride, pad, c_out))
    if integer_x:
        return ConvCase(dz, x, W, b, stride, pad)
    return ConvCase(dz.astype(dtype), x.astype(dtype), W.astype(dtype), b.astype(dtype), stride, pad)


def _conv_cases(rng: np.random.Generator) -> list[ConvCase]:
    """Awkward sizes: non-square, odd and even filters, stride 1, 2 and 3, pad 0, 1 and 2,
    windows that overlap and windows that leave pixels out; float32, integer pixels, and a
    non-contiguous x. The shapes are fixed, the values come from ``rng``."""
    cases = [
        _conv_case(rng, 2, 5, 4, 2, 3, 3, 1, 0),
        _conv_case(rng, 3, 7, 6, 3, 3, 2, 2, 1),
        _conv_case(rng, 2, 8, 5, 1, 2, 2, 2, 0),
        _conv_case(rng, 1, 6, 7, 2, 3, 1, 1, 2),
        _conv_case(rng, 2, 9, 7, 2, 4, 3, 3, 1, dtype=np.float32),
        _conv_case(rng, 2, 6, 5, 1, 3, 2, 1, 1, integer_x=True),
    ]
    wide = _conv_case(rng, 2, 5, 12, 3, 3, 2, 2, 2)
    cases.append(replace(wide, x=wide.x[:, :, ::2], dz=rng.normal(size=output_shape((2, 5, 6, 3), 3, 2, 2, 2))))
    return cases


def _conv_dx_mistakes(case: ConvCase) -> dict:
    ref = functools.partial(conv_backward_reference, case.dz, case.x, case.W, case.stride, case.pad)
    dx = lambda **switches: ref(ConvMistake(**switches))[0]  # noqa: E731
    mistakes = {
        "dx used the kernel the wrong way round. Going backwards, input pixel (r, c) collects "
        "W[u, v]·dz[i, j] from every output (i, j) whose window covered it (r = i·s + u): scatter "
        "W · dz[i, j] back into the window, which is a full *convolution* of dz with W (a "
        "correlation with W turned half a turn), not a correlation with W as it is":
            lambda: dx(dx_unflipped=True),
        "stride ignored in dx: output (i, j) came from the window starting at (i·stride, j·stride), "
        "so its gradient goes back there": lambda: dx(dx_no_stride=True),
        "dx assigned (=) instead of accumulated (+=): where windows overlap, an input pixel "
        "receives gradient from every window that covers it": lambda: dx(dx_assigned=True),
        "the padding was cropped from the wrong place: cut `pad` rows and columns from each "
        "side, dx = dxp[:, pad:pad + n_H, pad:pad + n_W]": lambda: dx(dx_crop="start"),
        "the padding was cropped from the wrong place (only at the start, 2·pad rows and columns): "
        "cut `pad` from each side": lambda: dx(dx_crop="end"),
        "dx was created with x's integer dtype (np.zeros_like(x)), which truncates the gradients; "
        "create it with dtype=float": lambda: np.trunc(dx()) if np.issubdtype(case.x.dtype, np.integer) else None,
    }
    return mistakes


def _conv_dx_shape_advice(case: ConvCase) -> Callable[[tuple], str | None]:
    m, n_H, n_W, c_in = case.x.shape
    p = case.pad

    def advice(shape: tuple) -> str | None:
        if shape == (m, n_H + 2 * p, n_W + 2 * p, c_in):
            return ("padding not cropped from dx: the gradient of the padded input has the padded shape; "
                    "the zeros of the padding are not inputs, so cut `pad` rows and columns from each side, "
                    "dx = dxp[:, pad:pad + n_H, pad:pad + n_W]")
        if p == 0 and len(shape) == 4 and 0 in shape[1:3]:
            return ("dx is empty: with pad = 0, `dxp[:, pad:-pad]` is `dxp[:, 0:0]` (−0 is 0); slice with "
                    "`dxp[:, pad:pad + n_H, pad:pad + n_W]`, which works for every pad")
        if shape == case.W.shape:
            return "the results are in the wrong order: return (dx, dW, db)"
        return None

    return advice


def _conv_dW_mistakes(case: ConvCase) -> dict:
    ref = functools.partial(conv_backward_reference, case.dz, case.x, case.W, case.stride, case.pad)
    dW = lambda **switches: ref(ConvMistake(**switches))[1]  # noqa: E731
    return {
        "dW not summed over the batch: only the last example's gradient is left (dW reset, or "
        "assigned with =, for each example); the filter is shared by all m examples, so add up "
        "their contributions": lambda: dW(dW_examples="last"),
        "dW not summed over the batch: only the first example was used; add up all m examples":
            lambda: dW(dW_examples="first"),
        "dW averaged over the batch (divided by m): the gradient of L = Σ z·dz is the sum over "
        "the examples (any averaging belongs in the loss, which is in dz already)":
            lambda: dW(dW_examples="mean"),
        "stride ignored in dW: the input window behind output (i, j) starts at (i·stride, j·stride)":
            lambda: dW(dW_no_stride=True),
        "dW turned half a turn: dW[u, v] pairs dz[i, j] with the input x_p[i·s + u, j·s + v], "
        "the same offset the forward pass used": lambda: dW(dW_flipped=True),
    }


def _conv_db_mistakes(case: ConvCase) -> dict:
    dz = np.asarray(case.dz, np.float64)
    return {
        "db not summed over the batch: one row per example; the bias is shared by all m examples, "
        "so sum dz over the batch too, dz.sum(axis=(0, 1, 2))": dz.sum(axis=(1, 2)),
        "db not summed over the positions: b[k] is added at every output pixel, so its gradient is "
        "the sum of dz over the batch, the rows and the columns": dz.sum(axis=0),
        "db not summed over the batch and positions: sum dz over axes 0, 1 and 2": dz,
        "db averaged instead of summed: b[k] is added at every position of every example, so each "
        "adds its dz in full": dz.mean(axis=(0, 1, 2)),
        "db averaged over the batch: sum over the examples, do not divide by m": dz.sum(axis=(1, 2)).mean(axis=0),
        "db has shape (1, 1, 1, n_C): return it in b's shape (n_C,), e.g. with dz.sum(axis=(0, 1, 2))":
            dz.sum(axis=(0, 1, 2), keepdims=True),
        "db summed over the channels too: every filter k has its own bias, so keep the last axis":
            np.full(dz.shape[-1], dz.sum()),
        "db from the first example only: sum over the whole batch": dz[0].sum(axis=(0, 1)),
        "db from the last example only (reset or assigned for each example): sum over the whole batch":
            dz[-1].sum(axis=(0, 1)),
    }


def _unpack_three(got, where: str, case: ConvCase):
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        fail(f"{where} returned {describe(got)}; expected a tuple of three arrays (dx, dW, db): "
             f"`return dx, dW, db`.")
    return got


def _compare_conv_gradients(case: ConvCase, where: str, dx, dW, db) -> None:
    """dx, dW and db against TensorFlow's, each with its own tolerance (from the sums of
    |terms| behind each entry) and its own catalogue of mistakes."""
    args = (case.dz, case.x, case.W, case.b, case.stride, case.pad)
    expected_dx, expected_dW, expected_db = conv_backward_autodiff(*args)
    scale_dx, scale_dW = conv_backward_reference(np.abs(case.dz), np.abs(case.x), np.abs(case.W),
                                                 case.stride, case.pad)
    scale_db = np.abs(case.dz).sum(axis=(0, 1, 2))
    dW_order = lambda shape: ("the results are in the wrong order: return (dx, dW, db)"  # noqa: E731
                              if shape == case.x.shape else None)
    _collect({
        "dx": lambda: _expect_gradient(dx, expected_dx, f"dx of {where}", atol=gradient_tolerance(scale_dx, dx, *args),
                                       mistakes=_conv_dx_mistakes(case), shape_advice=_conv_dx_shape_advice(case)),
        "dW": lambda: _expect_gradient(dW, expected_dW, f"dW of {where}", atol=gradient_tolerance(scale_dW, dW, *args),
                                       mistakes=_conv_dW_mistakes(case), shape_advice=dW_order),
        "db": lambda: _expect_gradient(db, expected_db, f"db of {where}", atol=gradient_tolerance(scale_db, db, *args),
                                       mistakes=_conv_db_mistakes(case)),
    })


@graded("conv_backward", hints=Hints(
    idea="Run the forward loop again, but backwards: every output z[n, i, j, k] came from one window "
         "of the padded input, the filter W[..., k] and the bias b[k]. Its gradient dz[n, i, j, k] "
         "flows back to exactly those numbers, weighted by what they were multiplied with.",
    formula="With the window xp[n, i·s : i·s + f, j·s : j·s + f, :]: dW[..., k] += window · dz[n, i, j, k]; "
            "dxp[n, i·s : i·s + f, j·s : j·s + f, :] += W[..., k] · dz[n, i, j, k]; db[k] = Σ over n, i, j "
            "of dz[n, i, j, k]. Finally crop the padding: dx = dxp[:, pad:pad + n_H, pad:pad + n_W].",
    code="```python\nxp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0))).astype(float)\n"
         "dxp, dW = np.zeros_like(xp), np.zeros(W.shape)\nf = W.shape[0]\n"
         "for i in range(dz.shape[1]):\n    for j in range(dz.shape[2]):\n"
         "        rows, cols = slice(i * stride, i * stride + f), slice(j * stride, j * stride + f)\n"
         "        g = dz[:, i, j, :]                                  # (m, n_C)\n"
         "        dW += np.einsum('muvc,mk->uvck', xp[:, rows, cols, :], g)\n"
         "        dxp[:, rows, cols, :] += np.einsum('uvck,mk->muvc', W, g)\n"
         "dx = dxp[:, pad:pad + x.shape[1], pad:pad + x.shape[2], :]\n"
         "return dx, dW, dz.sum(axis=(0, 1, 2))\n```",
))
@_quietly
def check_conv_backward(conv_backward, seed: int = 0) -> None:
    """conv_backward(dz, x, W, b, stride, pad) -> (dx, dW, db) of L = Σ conv_forward(x, W, b) · dz."""
    rng = np.random.default_rng(seed)
    for case in _conv_cases(rng):
        args = (case.dz, case.x, case.W, case.b, case.stride, case.pad)
        where = signature("conv_backward", *args)
        dx, dW, db = _unpack_three(call(conv_backward, *args, name="conv_backward"), where, case)
        _compare_conv_gradients(case, where, dx, dW, db)
    case = _conv_case(rng, 2, 5, 6, 2, 3, 2, 1, 1)
    expect_raises(conv_backward, ValueError, case.dz[0], case.x[0], case.W, case.b, 1, 1, name="conv_backward",
                  why="A single image (n_H, n_W, n_C) is not a batch: the contract asks for a ValueError "
                      "that says to add a batch axis (x[None]).")
    wrong_dz = np.concatenate([case.dz, case.dz[:, :1]], axis=1)
    expect_raises(conv_backward, ValueError, wrong_dz, case.x, case.W, case.b, 1, 1, name="conv_backward",
                  why=f"dz must have the shape of the layer's output {case.dz.shape}; for any other shape "
                      "the contract asks for a ValueError that names both shapes.")


# ---------------------------------------------------------------------------------------
# pool_backward

#: The lecture's max-pooling examples (seed 001): 2×2 windows, stride 2 on a 4×4 map, and
#: 3×3 windows, stride 1 on a 5×5 map (there the 200 is the maximum of four windows).
POOL_4X4 = np.array([[0, 0, 14, 82], [149, 32, 0, 0], [28, 53, 64, 44], [39, 120, 133, 99]])
POOL_5X5 = np.array([[0, 0, 25, 14, 82], [149, 32, 31, 0, 0], [111, 200, 20, 135, 10],
                     [28, 53, 20, 64, 44], [39, 120, 210, 13, 99]])


@dataclass(frozen=True)
class PoolCase:
    da: np.ndarray
    x: np.ndarray
    f: int
    s: int


def _pool_case(rng: np.random.Generator, x: np.ndarray, f: int, s: int, dtype=np.float64) -> PoolCase:
    da = rng.normal(size=output_shape(x.shape, f, s, 0, x.shape[3]))
    if np.issubdtype(np.asarray(x).dtype, np.integer):
        return PoolCase(da.astype(dtype), x, f, s)
    return PoolCase(da.astype(dtype), x.astype(dtype), f, s)


def _pool_cases(rng: np.random.Generator) -> list[PoolCase]:
    """The lecture's maps, ties (small integers), overlapping windows (s < f), gaps (s > f),
    sizes the stride does not divide, float32, a non-contiguous x."""
    lecture_4 = _pool_case(rng, POOL_4X4[None, :, :, None], 2, 2)
    lecture_5 = _pool_case(rng, POOL_5X5[None, :, :, None], 3, 1)
    wide = rng.normal(size=(2, 7, 10, 2))
    return [
        lecture_4, lecture_5,
        _pool_case(rng, rng.integers(0, 3, size=(2, 6, 7, 2)), 2, 1),  # ties, overlapping
        _pool_case(rng, rng.integers(0, 3, size=(2, 8, 7, 3)), 3, 2),  # ties, overlapping, uncovered edge
        _pool_case(rng, rng.normal(size=(2, 8, 6, 3)), 3, 2),
        _pool_case(rng, rng.normal(size=(1, 7, 8, 2)), 2, 3),  # gaps between windows
        _pool_case(rng, rng.normal(size=(2, 9, 7, 2)), 3, 2, dtype=np.float32),
        _pool_case(rng, wide[:, :, ::2], 2, 2),
    ]


def _pool_mistakes(case: PoolCase, mode: str) -> dict:
    ref = lambda **switches: pool_backward_reference(case.da, case.x, case.f, case.s, mode,  # noqa: E731
                                                     PoolMistake(**switches))
    other = {"max": "average", "average": "max"}[mode]
    mistakes = {
        f"max and average swapped: mode={mode!r}":
            lambda: pool_backward_reference(case.da, case.x, case.f, case.s, other),
        "stride ignored: output (i, j) came from the window starting at (i·s, j·s)": lambda: ref(no_stride=True),
        "dx assigned (=) instead of accumulated (+=): where windows overlap, a pixel gets gradient from "
        "every window it belongs to": lambda: ref(assigned=True),
    }
    if mode == "max":
        mistakes.update({
            "the max mask spread the gradient to all tied maxima (mask = window == window.max()): when "
            "several cells share the maximum, the whole gradient goes to one of them, the first in "
            "row-major order (what np.argmax picks)": lambda: ref(ties="all"),
            "the gradient was split between tied maxima; the contract (like TensorFlow) sends all of it "
            "to the first maximum in row-major order, the cell np.argmax picks": lambda: ref(ties="split"),
            "ties went to the last maximum; the contract sends the gradient to the first one in "
            "row-major order, the cell np.argmax picks": lambda: ref(ties="last"),
            "the max mask spread the gradient to every cell of the window: only the cell that was the "
            "maximum influenced the output, so only it gets the gradient": lambda: ref(whole_window=True),
            "the maximum was taken over the window's cells and channels together: pool each channel "
            "on its own, so each channel of a window has its own maximum": lambda: ref(across_channels=True),
        })
    else:
        mistakes.update({
            "the average was not divided by the window size: each of the f·f cells contributed 1/(f·f) "
            "of the output, so it gets da / (f·f)": lambda: ref(divide="none"),
            "divided by f instead of f·f (the window has f·f cells)": lambda: ref(divide="f"),
        })
    if np.issubdtype(case.x.dtype, np.integer):
        mistakes["dx was created with x's integer dtype (np.zeros_like(x)), which truncates the gradients; "
                 "create it with dtype=float"] = lambda: np.trunc(ref())
    return mistakes


def _pool_shape_advice(case: PoolCase) -> Callable[[tuple], str | None]:
    def advice(shape: tuple) -> str | None:
        if shape == case.da.shape:
            return ("dx has the pooled shape; the gradient with respect to x has x's shape, with zeros "
                    "where no window took its value")
        if len(shape) == 3 and shape == case.x.shape[1:]:
            return "the batch axis was dropped: dx has x's shape (m, n_H, n_W, n_C)"
        return None

    return advice


@graded("pool_backward", hints=Hints(
    idea="Pooling has no weights, so only dx is needed. Ask, for every output (i, j) and channel: which "
         "input cells did this value come from, and how much did each one count? Max: only the cell that "
         "was the maximum. Average: all f·f cells, each counted 1/(f·f).",
    formula="Window of output (i, j): x[n, i·s : i·s + f, j·s : j·s + f, c]. Max: add da[n, i, j, c] to the "
            "cell np.argmax picks (the first maximum in row-major order). Average: add da[n, i, j, c] / (f·f) "
            "to every cell. Add (+=), because overlapping windows share cells.",
    code="```python\ndx = np.zeros(x.shape)\nfor n in range(x.shape[0]):\n  for i in range(da.shape[1]):\n"
         "    for j in range(da.shape[2]):\n      for c in range(x.shape[3]):\n"
         "        rows, cols = slice(i * s, i * s + f), slice(j * s, j * s + f)\n"
         "        if mode == 'max':\n            window = x[n, rows, cols, c]\n"
         "            u, v = np.unravel_index(np.argmax(window), window.shape)\n"
         "            dx[n, i * s + u, j * s + v, c] += da[n, i, j, c]\n        else:\n"
         "            dx[n, rows, cols, c] += da[n, i, j, c] / (f * f)\nreturn dx\n```",
))
@_quietly
def check_pool_backward(pool_backward, seed: int = 0) -> None:
    """pool_backward(da, x, f, s, mode) -> dx of L = Σ pool_forward(x, f, s, mode) · da."""
    rng = np.random.default_rng(seed)
    for case in _pool_cases(rng):
        for mode in ("max", "average"):
            args = (case.da, case.x, case.f, case.s, mode)
            where = signature("pool_backward", *args)
            got = call(pool_backward, *args, name="pool_backward")
            expected = pool_backward_autodiff(*args)
            scale = pool_backward_reference(np.abs(case.da), case.x, case.f, case.s, mode)
            _expect_gradient(got, expected, where, atol=gradient_tolerance(scale, got, case.da, case.x),
                             mistakes=_pool_mistakes(case, mode), shape_advice=_pool_shape_advice(case))
    case = _pool_case(rng, rng.normal(size=(2, 6, 6, 2)), 2, 2)
    expect_raises(pool_backward, ValueError, case.da, case.x, 2, 2, "median", name="pool_backward",
                  why="An unknown mode deserves a clear error, not a silent default.")
    expect_raises(pool_backward, ValueError, case.da[0], case.x[0], 2, 2, "max", name="pool_backward",
                  why="A single image (n_H, n_W, n_C) is not a batch: the contract asks for a ValueError "
                      "that says to add a batch axis (x[None]).")
    expect_raises(pool_backward, ValueError, case.da[:, :2], case.x, 2, 2, "max", name="pool_backward",
                  why=f"da must have the shape of the layer's output {case.da.shape}; for any other shape "
                      "the contract asks for a ValueError that names both shapes.")


# ---------------------------------------------------------------------------------------
# For the notebook: the learner's conv_backward if it works, TensorFlow's otherwise


def working_conv_backward(candidate) -> Callable:
    """``candidate`` if it passes ``check.conv_backward``, else :func:`conv_backward_autodiff`;
    prints which one the next cells use."""
    try:
        check_conv_backward(candidate)
    except Exception:  # noqa: BLE001 - any failure (a CheckFailure or a crash) means: use the reference
        print("Your conv_backward does not pass its check yet, so the next cells use TensorFlow's "
              "gradients (conv_backward_autodiff). Come back once yours passes.")
        return conv_backward_autodiff
    print("Using your conv_backward.")
    return candidate
