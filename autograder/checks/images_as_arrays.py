"""Checks for assignment 01, images as arrays: greyscale, nearest-neighbour resizing and
the size of a dense layer fed with pixels."""

from __future__ import annotations

import numpy as np

from autograder.checks import Hints, graded
from autograder.feedback import call, expect_array, expect_raises, expect_value, signature

LUMINOSITY_WEIGHTS = np.array([0.299, 0.587, 0.114])
GRAYSCALE_METHODS = ("average", "luminosity", "desaturation")


# ---------------------------------------------------------------------------------------
# Oracles


def grayscale_oracle(rgb: np.ndarray, method: str) -> np.ndarray:
    """The three greyscale formulas of the lecture, computed in float (no uint8 overflow)."""
    rgb = np.asarray(rgb, dtype=float)
    if method == "average":
        return rgb.sum(axis=-1) / 3
    if method == "luminosity":
        return rgb @ LUMINOSITY_WEIGHTS
    if method == "desaturation":
        return 0.5 * (rgb.max(axis=-1) + rgb.min(axis=-1))
    raise ValueError(f"unknown method {method!r}")


def nearest_source_indices(n_in: int, n_out: int, tie: str = "up") -> np.ndarray:
    """Input index sampled by each output index when both grids share their pixel centres.

    Output pixel i has its centre at (i + 0.5) * n_in / n_out in input coordinates; the
    nearest input pixel is floor of that. Exactly on a border between two input pixels
    (a tie), "up" takes the right one, as scikit-image does, and "down" the left one.
    """
    centres = (np.arange(n_out) + 0.5) * n_in / n_out
    index = np.floor(centres)
    if tie == "down":
        index = np.where(centres == index, index - 1, index)
    return np.clip(index, 0, n_in - 1).astype(int)


def resize_oracle(image: np.ndarray, shape: tuple[int, int], row_tie: str = "up",
                  col_tie: str = "up") -> np.ndarray:
    """Nearest-neighbour resampling at pixel centres (scikit-image's order=0)."""
    rows = nearest_source_indices(image.shape[0], shape[0], row_tie)
    cols = nearest_source_indices(image.shape[1], shape[1], col_tie)
    return image[rows][:, cols]


# ---------------------------------------------------------------------------------------
# to_grayscale


def _grayscale_mistakes(rgb: np.ndarray, method: str) -> dict:
    as_float = rgb.astype(float)
    mistakes = {
        "red and blue weights swapped: the last axis is (R, G, B), not OpenCV's (B, G, R)":
            lambda: as_float[..., ::-1] @ LUMINOSITY_WEIGHTS,
        "the plain average was used where the luminosity weights 0.299/0.587/0.114 belong":
            lambda: as_float.mean(axis=-1) if method == "luminosity" else None,
        "the luminosity weights were used where another method was asked for":
            lambda: as_float @ LUMINOSITY_WEIGHTS if method != "luminosity" else None,
        "the method names are mixed up: average and desaturation are swapped":
            lambda: grayscale_oracle(rgb, {"average": "desaturation", "desaturation": "average"}[method]),
        "desaturation uses (max − min) / 2; it is the midpoint (max + min) / 2":
            lambda: 0.5 * (as_float.max(axis=-1) - as_float.min(axis=-1)),
    }
    if rgb.dtype == np.uint8:
        overflow = {
            "average": lambda: (rgb[..., 0] + rgb[..., 1] + rgb[..., 2]) / 3,
            "desaturation": lambda: (rgb.max(axis=-1) + rgb.min(axis=-1)) / 2,
            "luminosity": lambda: None,
        }[method]
        mistakes = {"uint8 overflow: adding uint8 channels wraps around at 256; "
                    "convert to float first (rgb.astype(float))": overflow, **mistakes}
    mistakes["averaged over the wrong axis: channels are the last axis (axis=-1)"] = \
        lambda: as_float.mean(axis=0)
    return mistakes


def _grayscale_cases(rng: np.random.Generator):
    """Lecture-sized and awkward inputs: uint8 and float, square and not, even and odd."""
    yield np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]]], dtype=np.uint8)  # pure colours
    for shape in [(4, 6, 3), (7, 5, 3), (1, 9, 3)]:
        yield rng.integers(0, 256, size=shape, dtype=np.uint8)
    yield rng.random((5, 8, 3))  # floats in [0, 1]
    yield rng.integers(0, 256, size=(3, 4, 3)).astype(np.int64)


@graded("to_grayscale", hints=Hints(*[
    "The colour channels are the last axis: `rgb[..., 0]` is red, `rgb[..., 1]` green, "
    "`rgb[..., 2]` blue. Every formula combines them pixel by pixel, so the result has shape "
    "`rgb.shape[:2]`.",
    "Convert to float before any arithmetic: `rgb = rgb.astype(float)`. Adding three uint8 "
    "values wraps around at 256.",
    "Average: `rgb.mean(axis=-1)`. Luminosity: `rgb @ [0.299, 0.587, 0.114]`. Desaturation: "
    "`0.5 * (rgb.max(axis=-1) + rgb.min(axis=-1))`. For any other method, "
    "`raise ValueError(...)`.",
]))
def check_to_grayscale(to_grayscale, seed: int = 0) -> None:
    """to_grayscale(rgb, method) -> (H, W) float array, on the same scale as the input."""
    rng = np.random.default_rng(seed)
    for rgb in _grayscale_cases(rng):
        for method in GRAYSCALE_METHODS:
            where = signature("to_grayscale", rgb, method)
            got = call(to_grayscale, rgb, method, name="to_grayscale")
            # integer inputs may come back rounded or truncated to integers: allow one grey level
            atol = 1.0 if np.issubdtype(rgb.dtype, np.integer) else 1e-6
            expect_array(got, grayscale_oracle(rgb, method), where, atol=atol,
                         mistakes=_grayscale_mistakes(rgb, method))
    expect_raises(to_grayscale, ValueError, rng.random((2, 2, 3)), "sepia", name="to_grayscale",
                  why="An unknown method name deserves a clear error, not a silent default.")


# ---------------------------------------------------------------------------------------
# resize_nearest


def _resize_cases(rng: np.random.Generator):
    """(image, new shape): shrinking, enlarging, non-integer ratios, colour, one row."""
    yield np.arange(64, dtype=float).reshape(8, 8), (4, 4)
    yield np.arange(6, dtype=float).reshape(1, 6), (1, 4)
    yield np.arange(12, dtype=float).reshape(3, 4), (7, 9)
    yield rng.random((10, 7)), (4, 5)
    yield rng.random((5, 9)), (12, 3)
    yield rng.integers(0, 256, (6, 10, 3), dtype=np.uint8), (4, 15)
    yield rng.random((9, 4)), (9, 4)  # unchanged size


def _resize_mistakes(image: np.ndarray, shape: tuple[int, int]) -> dict:
    def corners():
        rows = np.arange(shape[0]) * image.shape[0] // shape[0]
        cols = np.arange(shape[1]) * image.shape[1] // shape[1]
        return image[rows][:, cols]

    def rounded_scale():
        rows = np.clip(np.round(np.arange(shape[0]) * image.shape[0] / shape[0]), 0, image.shape[0] - 1)
        cols = np.clip(np.round(np.arange(shape[1]) * image.shape[1] / shape[1]), 0, image.shape[1] - 1)
        return image[rows.astype(int)][:, cols.astype(int)]

    return {
        "rows and columns swapped: shape is (rows, columns), i.e. (height, width)":
            lambda: resize_oracle(image, shape[::-1]),
        "sampled at pixel corners (i * n_in // n_out) instead of pixel centres "
        "((i + 0.5) * n_in / n_out)": corners,
        "rounded i * n_in / n_out: that aligns the first pixels' corners, not the centres":
            rounded_scale,
    }


@graded("resize_nearest", hints=Hints(*[
    "Work out, for each output row i, which input row it copies; then the same for columns. "
    "Fancy indexing `image[rows][:, cols]` then builds the result in one go and keeps any "
    "colour channels.",
    "Output pixel i covers input coordinates from i·s to (i+1)·s with s = n_in / n_out. "
    "Its centre is (i + 0.5)·s, and the input pixel that contains that point is "
    "floor((i + 0.5)·s).",
    "`rows = np.floor((np.arange(new_h) + 0.5) * old_h / new_h).astype(int)`, clipped to "
    "`old_h - 1`; the same for columns.",
]))
def check_resize_nearest(resize_nearest, seed: int = 0) -> None:
    """resize_nearest(image, shape) -> image sampled at the output pixel centres."""
    rng = np.random.default_rng(seed)
    for image, shape in _resize_cases(rng):
        where = signature("resize_nearest", image, shape)
        got = call(resize_nearest, image, shape, name="resize_nearest")
        # Exactly on a border between two input pixels either neighbour is as near: accept both.
        tie_breaks = [resize_oracle(image, shape, r, c) for r in ("up", "down") for c in ("up", "down")]
        got_array = np.asarray(got) if isinstance(got, (np.ndarray, list)) else None
        if got_array is None or not any(got_array.shape == option.shape and np.allclose(got_array, option)
                                        for option in tie_breaks):
            expect_array(got, tie_breaks[0], where, mistakes=_resize_mistakes(image, shape))


# ---------------------------------------------------------------------------------------
# dense_params (also used in assignment 06)


@graded("dense_params", hints=Hints(*[
    "Every one of the n_out units has one weight per input, plus its own bias.",
    "weights = n_in × n_out; biases = n_out. Return their sum as an int.",
]))
def check_dense_params(dense_params, seed: int = 0) -> None:
    """dense_params(n_in, n_out) -> number of weights plus biases of a fully connected layer."""
    rng = np.random.default_rng(seed)
    # distinct sizes first, so each known mistake gives a different number
    cases = [(400, 120), (84, 10), (128 * 128, 1), (128 * 128 * 3, 100), (512 * 512 * 3, 1000), (1, 1)]
    cases += [tuple(int(v) for v in rng.integers(1, 5000, size=2)) for _ in range(3)]
    for n_in, n_out in cases:
        where = signature("dense_params", n_in, n_out)
        got = call(dense_params, n_in, n_out, name="dense_params")
        expect_value(got, n_in * n_out + n_out, where, integer=True, mistakes={
            "biases not counted (one bias per unit: + n_out)": n_in * n_out,
            "one bias per input instead of one per unit (+ n_in instead of + n_out)": n_in * n_out + n_in,
            "a bias counted for every weight": 2 * n_in * n_out,
            "inputs and units added instead of multiplied": n_in + n_out,
        })
