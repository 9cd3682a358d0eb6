"""Checks for assignment 01, images as arrays: greyscale, nearest-neighbour resizing and
the size of a dense layer fed with pixels.

Every check draws its inputs from one generator of the seed, so the public check (seed 0)
and the hidden tests (other seeds) see the same kinds of input: uint8 photos and images
whose maximum is not 255 (12- and 16-bit, float), views that are not contiguous in
memory, and the lecture's worked examples. Results are compared with a tolerance that
follows the rounding of the arithmetic (:class:`autograder.feedback.Tolerance`), so float32
answers pass; every call is made twice with the same objects, and inputs must come back
unchanged.
"""

from __future__ import annotations

import numpy as np

from autograder.checks import Hints, graded
from autograder.feedback import (LAYOUT_MISTAKE, CheckFailure, Tolerance, call_repeatably, expect_array,
                                 expect_raises, expect_value, layout_dependent, quiet, signature, to_array)

LUMINOSITY_WEIGHTS = np.array([0.299, 0.587, 0.114])
REC709_WEIGHTS = np.array([0.2125, 0.7154, 0.0721])  # scikit-image's rgb2gray
GRAYSCALE_METHODS = ("average", "luminosity", "desaturation")


def _explain_layout(failure: CheckFailure, func, args: tuple, is_right) -> CheckFailure:
    """The failure, naming the memory-layout mistake when a contiguous copy of the input
    would have given the right answer and no other mistake was named."""
    message = str(failure)
    if "Likely mistake" not in message and layout_dependent(func, args, {}, is_right):
        message += f"\n  Likely mistake: {LAYOUT_MISTAKE}."
    return CheckFailure(message)


# ---------------------------------------------------------------------------------------
# to_grayscale


def grayscale_oracle(rgb: np.ndarray, method: str) -> np.ndarray:
    """The three greyscale formulas of the lecture, computed in float (no integer overflow)."""
    rgb = np.asarray(rgb, dtype=float)
    if method == "average":
        return rgb.sum(axis=-1) / 3
    if method == "luminosity":
        return rgb @ LUMINOSITY_WEIGHTS
    if method == "desaturation":
        return 0.5 * (rgb.max(axis=-1) + rgb.min(axis=-1))
    raise ValueError(f"unknown method {method!r}")


def grayscale_scale(rgb: np.ndarray, method: str) -> np.ndarray:
    """The sum of |terms| behind each grey value, for the rounding tolerance."""
    return grayscale_oracle(np.abs(np.asarray(rgb, dtype=float)), method)


def _in_input_dtype(rgb: np.ndarray, method: str):
    """What the formula gives when the channels are added in the image's own integer dtype."""
    if not np.issubdtype(rgb.dtype, np.integer) or method == "luminosity":
        return None
    with quiet():
        if method == "average":
            return (rgb[..., 0] + rgb[..., 1] + rgb[..., 2]) / 3
        return (rgb.max(axis=-1) + rgb.min(axis=-1)) / 2


def _grayscale_mistakes(rgb: np.ndarray, method: str) -> dict:
    as_float = rgb.astype(float)
    right = grayscale_oracle(rgb, method)
    integer_input = np.issubdtype(rgb.dtype, np.integer)
    top = float(as_float.max()) if as_float.size else 0.0
    bits = "uint8" if rgb.dtype == np.uint8 else str(rgb.dtype)
    return {
        f"{bits} overflow: adding {bits} channels wraps around; convert to float first (rgb.astype(float))":
            lambda: _in_input_dtype(rgb, method),
        "the result was rounded to whole grey levels; grey values such as 127.5 or 149.685 need a "
        "float array (do not round, and do not store them in an integer array)":
            lambda: np.round(right),
        "the result was cut to whole numbers (astype(int) or astype(np.uint8), or an integer "
        "output array); grey values such as 127.5 or 149.685 need a float array":
            lambda: np.trunc(right),
        "red and blue weights swapped: the last axis is (R, G, B), not OpenCV's (B, G, R)":
            lambda: as_float[..., ::-1] @ LUMINOSITY_WEIGHTS,
        "scikit-image's rgb2gray weights (0.2125, 0.7154, 0.0721); the lecture's luminosity uses "
        "0.299, 0.587, 0.114":
            lambda: as_float @ REC709_WEIGHTS if method == "luminosity" else None,
        "scikit-image's rgb2gray: other weights (0.2125, 0.7154, 0.0721), and it rescales integer "
        "photos to 0…1; use the lecture's weights on the input's own scale":
            lambda: as_float @ REC709_WEIGHTS / np.iinfo(rgb.dtype).max if integer_input and
            method == "luminosity" else None,
        "the plain average was used where the luminosity weights 0.299/0.587/0.114 belong":
            lambda: as_float.mean(axis=-1) if method == "luminosity" else None,
        "the luminosity weights were used where another method was asked for":
            lambda: as_float @ LUMINOSITY_WEIGHTS if method != "luminosity" else None,
        "the method names are mixed up: average and desaturation are swapped":
            lambda: grayscale_oracle(rgb, {"average": "desaturation", "desaturation": "average"}[method]),
        "desaturation uses (max − min) / 2; it is the midpoint (max + min) / 2":
            lambda: 0.5 * (as_float.max(axis=-1) - as_float.min(axis=-1)),
        "the result was divided by 255: keep the input's scale (a 0–255 photo gives 0–255 greys)":
            lambda: right / 255 if integer_input else None,
        "the result was divided by the image's maximum: keep the input's scale":
            lambda: right / top if top else None,
        "the result was rescaled so that the image's maximum becomes 255: keep the input's scale "
        "(a 0–4095 photo gives 0–4095 greys)":
            lambda: right / top * 255 if top else None,
        "values above 255 were clipped: not every image stops at 255 (12-bit photos reach 4095, "
        "16-bit ones 65535); keep the input's scale":
            lambda: np.clip(right, 0, 255) if top > 255 else None,
        "the image was converted to uint8 first, which wraps values above 255 round: not every "
        "image stops at 255; convert to float instead":
            lambda: grayscale_oracle(rgb.astype(np.uint8), method) if top > 255 else None,
        "averaged over the wrong axis: channels are the last axis (axis=-1)":
            lambda: as_float.mean(axis=0),
    }


def _grayscale_cases(rng: np.random.Generator):
    """The lecture's pure colours, uint8 photos, images whose maximum is not 255 (float,
    float32, 12- and 16-bit), and views that are not contiguous in memory."""
    yield np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]]], dtype=np.uint8)  # pure colours
    for shape in [(4, 6, 3), (7, 5, 3), (1, 9, 3)]:
        yield rng.integers(0, 256, size=shape, dtype=np.uint8)
    yield rng.choice(np.array([0, 1, 254, 255], dtype=np.uint8), size=(3, 4, 3))  # the extremes
    yield rng.random((5, 8, 3))  # floats in [0, 1]
    yield (rng.random((4, 4, 3)) * 1000).astype(np.float32)  # float32, any range
    yield rng.integers(0, 4096, size=(6, 5, 3), dtype=np.uint16)  # a 12-bit camera
    yield rng.integers(0, 65536, size=(3, 7, 3), dtype=np.uint16)  # 16-bit: uint16 sums wrap too
    yield rng.integers(0, 256, size=(3, 4, 3)).astype(np.int64)
    yield rng.integers(0, 256, size=(5, 6, 4), dtype=np.uint8)[..., :3]  # RGB view of an RGBA photo
    yield rng.random((8, 10, 3))[::2, ::-3]  # a strided, reversed view


@graded("to_grayscale", hints=Hints(
    idea="A grey image has one number per pixel, made from that pixel's three channel values, so "
         "the result has the image's shape without its last axis. Each method is a different "
         "recipe for combining R, G and B. Integer photos need care before you add their values.",
    formula="With R, G, B the channels as floats (`rgb[..., 0]`, `rgb[..., 1]`, `rgb[..., 2]`): "
            "average = (R + G + B) / 3; luminosity = 0.299 R + 0.587 G + 0.114 B; "
            "desaturation = (max(R, G, B) + min(R, G, B)) / 2. Keep the input's scale (a 0–4095 "
            "photo gives 0–4095 greys) and do not round. Any other method: raise ValueError "
            "saying which methods exist.",
    code="```python\nrgb = np.asarray(rgb, dtype=float)\nif method == \"average\":\n    return rgb.mean(axis=-1)\n"
         "if method == \"luminosity\":\n    return rgb @ np.array([0.299, 0.587, 0.114])\n"
         "if method == \"desaturation\":\n    return (rgb.max(axis=-1) + rgb.min(axis=-1)) / 2\n"
         "raise ValueError(f\"method must be 'average', 'luminosity' or 'desaturation', not {method!r}\")\n```",
))
def check_to_grayscale(to_grayscale, seed: int = 0) -> None:
    """to_grayscale(rgb, method) -> (H, W) float array, on the same scale as the input."""
    rng = np.random.default_rng(seed)
    for rgb in _grayscale_cases(rng):
        for method in GRAYSCALE_METHODS:
            where = signature("to_grayscale", rgb, method)
            got = call_repeatably(to_grayscale, rgb, method, name="to_grayscale")
            expected = grayscale_oracle(rgb, method)
            tolerance = Tolerance(scale=grayscale_scale(rgb, method), terms=3)
            try:
                expect_array(got, expected, where, scale=tolerance.scale, terms=tolerance.terms,
                             mistakes=_grayscale_mistakes(rgb, method))
            except CheckFailure as failure:
                raise _explain_layout(failure, to_grayscale, (rgb, method),
                                      lambda result: tolerance.matches(to_array(result, where), expected)) from None
    expect_raises(to_grayscale, ValueError, rng.random((2, 2, 3)), "sepia", name="to_grayscale",
                  mentioning=("sepia",) + GRAYSCALE_METHODS,
                  why="An unknown method deserves a clear error that names the methods, not a silent default.")


# ---------------------------------------------------------------------------------------
# resize_nearest


def nearest_source_choices(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """The input indices each output index may copy, as (low, high): equal, except where
    the output pixel's centre falls exactly on the border between two input pixels (a tie),
    where both neighbours are as near.

    Output pixel i has its centre at c = (i + 0.5) · n_in / n_out in input coordinates; the
    input pixel that contains it is floor(c). The arithmetic is done in integers,
    (2i + 1) · n_in / (2 n_out), so that ties are found exactly.
    """
    numerator = (2 * np.arange(n_out) + 1) * n_in
    high = numerator // (2 * n_out)
    tie = numerator % (2 * n_out) == 0
    low = np.where(tie, high - 1, high)
    return np.clip(low, 0, n_in - 1), np.clip(high, 0, n_in - 1)


def nearest_source_indices(n_in: int, n_out: int, tie: str = "up") -> np.ndarray:
    """One consistent choice at every tie: "up" takes the right neighbour (as scikit-image
    does), "down" the left one."""
    low, high = nearest_source_choices(n_in, n_out)
    return high if tie == "up" else low


def resize_oracle(image: np.ndarray, shape: tuple[int, int], row_tie: str = "up",
                  col_tie: str = "up") -> np.ndarray:
    """Nearest-neighbour resampling at pixel centres (scikit-image's order=0 with
    anti_aliasing=False); the ties broken as asked."""
    rows = nearest_source_indices(image.shape[0], shape[0], row_tie)
    cols = nearest_source_indices(image.shape[1], shape[1], col_tie)
    return image[rows][:, cols]


def resize_accepted(got: np.ndarray, image: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(accepted, shown): per element, is ``got`` a copy of one of the input pixels nearest to
    that output pixel's centre (either neighbour at a tie, chosen element by element); and
    the expected array to show, following the learner's choice wherever it was accepted."""
    rows = nearest_source_choices(image.shape[0], shape[0])
    cols = nearest_source_choices(image.shape[1], shape[1])
    candidates = [image[r][:, c] for r in rows for c in cols]
    shown = candidates[3]  # "up" on both axes
    if got.shape != shown.shape:
        return np.zeros(shown.shape, dtype=bool), shown
    accepted = np.zeros(shown.shape, dtype=bool)
    for candidate in candidates:
        accepted |= Tolerance(scale=np.abs(candidate.astype(float))).close(got, candidate)
    return accepted, np.where(accepted, got, shown).astype(shown.dtype)


def _resize_cases(rng: np.random.Generator):
    """(image, new shape): shrinking (by even factors: every pixel a tie), enlarging,
    ratios with ties at some pixels only, colour and RGBA, 12- and 16-bit, non-contiguous
    views, an unchanged size."""
    yield np.arange(64, dtype=float).reshape(8, 8), (4, 4)
    yield np.arange(6, dtype=float).reshape(1, 6), (1, 4)
    yield np.arange(12, dtype=float).reshape(3, 4), (7, 9)
    yield rng.random((4, 8)), (6, 12)  # ties at some rows and columns only
    yield rng.random((10, 7)), (4, 5)
    yield rng.random((5, 9)), (12, 3)
    yield rng.integers(0, 256, (6, 10, 3), dtype=np.uint8), (4, 15)
    yield rng.integers(0, 65536, (7, 5, 4), dtype=np.uint16), (3, 8)  # RGBA, 16 bits
    yield rng.integers(0, 4096, (6, 9, 1), dtype=np.uint16), (4, 6)  # one channel kept as an axis
    yield rng.random((15, 14)).astype(np.float32)[::3, ::2], (10, 3)  # a strided view
    yield rng.integers(0, 256, (9, 12), dtype=np.uint8).T, (8, 6)  # a transposed view
    yield rng.random((5, 5)), (1, 1)
    yield rng.random((9, 4)), (9, 4)  # unchanged size


def _resize_mistakes(image: np.ndarray, shape: tuple[int, int]) -> dict:
    def indices_by(rule, n_in, n_out):
        return np.clip(rule(np.arange(n_out), n_in, n_out), 0, n_in - 1).astype(int)

    def sampled(rule):
        return image[indices_by(rule, image.shape[0], shape[0])][:, indices_by(rule, image.shape[1], shape[1])]

    return {
        "rows and columns swapped: shape is (rows, columns), i.e. (height, width)":
            lambda: resize_oracle(image, shape[::-1]),
        "sampled at pixel corners (i * n_in // n_out) instead of pixel centres "
        "((i + 0.5) * n_in / n_out)": lambda: sampled(lambda i, n, m: i * n // m),
        "rounded i * n_in / n_out: that aligns the first pixels' corners, not the centres":
            lambda: sampled(lambda i, n, m: np.round(i * n / m)),
        "rounded the centre (i + 0.5) · n_in / n_out to the nearest integer: the input pixel that "
        "contains the centre is its floor": lambda: sampled(lambda i, n, m: np.round((i + 0.5) * n / m)),
        "the first and last pixels were aligned (np.linspace(0, n_in − 1, n_out)): that is the "
        "'align corners' rule, not sampling at pixel centres":
            lambda: sampled(lambda i, n, m: np.round(np.linspace(0, n - 1, m))),
        "the scale was computed with integer division (n_in // n_out); it is a fraction, n_in / n_out":
            lambda: sampled(lambda i, n, m: np.floor((i + 0.5) * (n // m))),
        "the scale is upside down: it is n_in / n_out, not n_out / n_in":
            lambda: sampled(lambda i, n, m: np.floor((i + 0.5) * m / n)),
        "scikit-image's resize with its defaults: it blurs before shrinking (anti_aliasing) and "
        "scales integer images to 0…1; pass order=0, anti_aliasing=False, preserve_range=True":
            lambda: _skimage_resize(image, shape, order=0),
        "scikit-image's resize blurred the image before shrinking (anti_aliasing); pass "
        "anti_aliasing=False": lambda: _skimage_resize(image, shape, order=0, preserve_range=True),
        "bilinear interpolation (scikit-image's default order=1) mixes neighbouring pixels; nearest "
        "neighbour copies one pixel (order=0)":
            lambda: _skimage_resize(image, shape, order=1, anti_aliasing=False, preserve_range=True),
        "scikit-image's resize with order=1 (bilinear) and anti_aliasing mixes neighbouring pixels; "
        "nearest neighbour copies one pixel: order=0, anti_aliasing=False, preserve_range=True":
            lambda: _skimage_resize(image, shape, order=1, preserve_range=True),
    }


def _skimage_resize(image: np.ndarray, shape: tuple[int, int], **options) -> np.ndarray:
    from skimage.transform import resize

    return resize(image, shape, **options)


@graded("resize_nearest", hints=Hints(
    idea="Each output pixel copies one input pixel: the one under its centre when you stretch "
         "the output grid over the input. Rows and columns are independent, so work out which "
         "input row each output row copies, and which input column each output column copies.",
    formula="With s = n_in / n_out, output pixel i spans input coordinates i·s to (i + 1)·s. Its "
            "centre is (i + 0.5)·s, and the input pixel that contains it is floor((i + 0.5)·s), "
            "at most n_in − 1. When the centre lies exactly on the border between two input "
            "pixels, either neighbour is accepted.",
    code="```python\nimage = np.asarray(image)\nrows = np.floor((np.arange(shape[0]) + 0.5) * image.shape[0] / shape[0]).astype(int)\n"
         "cols = np.floor((np.arange(shape[1]) + 0.5) * image.shape[1] / shape[1]).astype(int)\n"
         "rows = np.minimum(rows, image.shape[0] - 1)\ncols = np.minimum(cols, image.shape[1] - 1)\n"
         "return image[rows][:, cols]   # keeps any channel axis and the dtype\n```",
))
def check_resize_nearest(resize_nearest, seed: int = 0) -> None:
    """resize_nearest(image, shape) -> image sampled at the output pixel centres."""
    rng = np.random.default_rng(seed)
    for image, shape in _resize_cases(rng):
        where = signature("resize_nearest", image, shape)
        got = to_array(call_repeatably(resize_nearest, image, shape, name="resize_nearest"), where)
        accepted, shown = resize_accepted(got, image, shape)
        if got.shape == shown.shape and accepted.all():
            continue
        try:
            # fails, showing the first pixel that is no nearest neighbour of its centre
            expect_array(got, shown, where, scale=np.abs(shown.astype(float)), mistakes=_resize_mistakes(image, shape))
        except CheckFailure as failure:
            raise _explain_layout(failure, resize_nearest, (image, shape),
                                  lambda result: resize_accepted(to_array(result, where), image, shape)[0].all()
                                  and np.shape(result) == shown.shape) from None


# ---------------------------------------------------------------------------------------
# dense_params (also used in assignment 06)


def _wrapped_int32(value: int) -> int | None:
    """What int32 arithmetic leaves of a count that does not fit in it."""
    if -2 ** 31 <= value < 2 ** 31:
        return None
    return (value + 2 ** 31) % 2 ** 32 - 2 ** 31


@graded("dense_params", hints=Hints(
    idea="A dense layer connects every input to every unit, and each unit also has its own bias.",
    formula="weights = n_inputs × n_hidden; biases = n_hidden; parameters = weights + biases = "
            "(n_inputs + 1) × n_hidden. The answer is a whole number, and can be in the billions.",
    code="```python\nreturn n_inputs * n_hidden + n_hidden   # Python ints never overflow\n```",
))
def check_dense_params(dense_params, seed: int = 0) -> None:
    """dense_params(n_in, n_out) -> number of weights plus biases of a fully connected layer."""
    rng = np.random.default_rng(seed)
    # distinct sizes first, so each known mistake gives a different number; then the
    # lecture's 1000×1000×3 photo into 1,000 units (3 billion weights: more than int32 holds)
    cases = [(400, 120), (84, 10), (128 * 128, 1), (128 * 128 * 3, 100), (512 * 512 * 3, 1000), (1, 1),
             (1000 * 1000 * 3, 1000)]
    cases += [tuple(int(v) for v in rng.integers(1, 5000, size=2)) for _ in range(3)]
    for n_in, n_out in cases:
        where = signature("dense_params", n_in, n_out)
        got = call_repeatably(dense_params, n_in, n_out, name="dense_params")
        expected = n_in * n_out + n_out
        expect_value(got, expected, where, integer=True, mistakes={
            "biases not counted (one bias per unit: + n_out)": n_in * n_out,
            "one bias per input instead of one per unit (+ n_in instead of + n_out)": n_in * n_out + n_in,
            "a bias counted for every weight": 2 * n_in * n_out,
            "inputs and units added instead of multiplied": n_in + n_out,
            "int32 overflow: the count does not fit in 32 bits (np.int32 arithmetic wraps round above "
            "2,147,483,647); use Python ints": _wrapped_int32(expected),
            "float32 cannot hold counts this large exactly (it keeps about 7 digits); use Python ints":
                float(np.float32(expected)) if float(np.float32(expected)) != expected else None,
        })
