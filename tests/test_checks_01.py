"""Checks of assignment 01 against correct variants (must pass) and typical mistakes
(must fail, naming the mistake). ``RIGHT_VARIANTS`` is read by test_hidden_seeds.py, which
runs every right variant under the seeds of the notebook's hidden tests."""

import math

import cv2
import numpy as np
import pytest
from skimage.transform import resize

from autograder import check

# ---------------------------------------------------------------------------------------
# to_grayscale: right variants


def gray_vectorised(rgb, method="luminosity"):
    rgb = np.asarray(rgb, dtype=float)
    if method == "average":
        return rgb.mean(axis=-1)
    if method == "luminosity":
        return rgb @ np.array([0.299, 0.587, 0.114])
    if method == "desaturation":
        return (rgb.max(axis=-1) + rgb.min(axis=-1)) / 2
    raise ValueError(f"unknown method {method!r}")


def gray_loops(rgb, method):
    if method not in ("average", "luminosity", "desaturation"):
        raise ValueError(f"method must be average, luminosity or desaturation, not {method}")
    rows, cols = len(rgb), len(rgb[0])
    out = [[0.0] * cols for _ in range(rows)]
    for r in range(rows):
        for c in range(cols):
            red, green, blue = (float(v) for v in rgb[r][c])
            if method == "average":
                out[r][c] = (red + green + blue) / 3
            elif method == "luminosity":
                out[r][c] = 0.299 * red + 0.587 * green + 0.114 * blue
            else:
                out[r][c] = (max(red, green, blue) + min(red, green, blue)) / 2
    return out  # a list of lists is fine


def gray_float32(rgb, method):
    """Everything in float32, from the conversion on: float32 rounding throughout."""
    rgb = np.asarray(rgb).astype(np.float32)
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    if method == "average":
        return (red + green + blue) / np.float32(3)
    if method == "luminosity":
        return np.float32(0.299) * red + np.float32(0.587) * green + np.float32(0.114) * blue
    if method == "desaturation":
        return np.float32(0.5) * (np.maximum(np.maximum(red, green), blue) + np.minimum(np.minimum(red, green), blue))
    raise ValueError(f"no such method: {method}")


def gray_weights_table(rgb, method):
    """Every method as weights on the sorted or unsorted channels, by tensordot."""
    weights = {"average": (np.full(3, 1 / 3), False), "luminosity": ([0.299, 0.587, 0.114], False),
               "desaturation": ([0.5, 0.0, 0.5], True)}
    if method not in weights:
        raise ValueError(f"{method!r} is not one of {sorted(weights)}")
    w, sort = weights[method]
    channels = np.sort(rgb, axis=-1) if sort else rgb
    return np.tensordot(channels.astype(np.float64), np.asarray(w), axes=([-1], [0]))


def gray_moveaxis(rgb, method):
    red, green, blue = np.moveaxis(np.array(rgb, dtype=np.float64), -1, 0)
    match method:
        case "average":
            return np.add.reduce([red, green, blue]) / 3
        case "luminosity":
            return np.dot(np.stack([red, green, blue], axis=-1), [0.299, 0.587, 0.114])
        case "desaturation":
            return (np.maximum.reduce([red, green, blue]) + np.minimum.reduce([red, green, blue])) * 0.5
        case _:
            raise ValueError(f"unknown method '{method}'; use average, luminosity or desaturation")


GRAY_RIGHT = [gray_vectorised, gray_loops, gray_float32, gray_weights_table, gray_moveaxis]


@pytest.mark.parametrize("variant", GRAY_RIGHT)
@pytest.mark.parametrize("seed", [0, 99])
def test_to_grayscale_accepts_correct_variants(variant, seed):
    check.to_grayscale(variant, seed=seed)


# ---------------------------------------------------------------------------------------
# to_grayscale: wrong variants


def gray_uint8_overflow(rgb, method):
    if method == "average":
        return (rgb[..., 0] + rgb[..., 1] + rgb[..., 2]) / 3
    return gray_vectorised(rgb, method)


def gray_rounded_uint8(rgb, method):
    result = gray_vectorised(rgb, method)
    return np.round(result).astype(np.uint8) if np.asarray(rgb).dtype == np.uint8 else result


def gray_cut_to_int(rgb, method):
    return gray_vectorised(rgb, method).astype(int)


def gray_divided_by_255(rgb, method):
    result = gray_vectorised(rgb, method)
    return result / 255 if np.issubdtype(np.asarray(rgb).dtype, np.integer) else result


def gray_normalised_by_max(rgb, method):
    result = gray_vectorised(rgb, method)
    return result / np.max(rgb)


def gray_clipped_255(rgb, method):
    return np.clip(gray_vectorised(rgb, method), 0, 255)


def gray_via_uint8(rgb, method):
    return gray_vectorised(np.asarray(rgb).astype(np.uint8), method)


def gray_skimage_rgb2gray(rgb, method):
    from skimage.color import rgb2gray
    if method == "luminosity":
        return rgb2gray(rgb)
    return gray_vectorised(rgb, method)


def gray_bgr(rgb, method):
    if method == "luminosity":
        return np.asarray(rgb, float) @ np.array([0.114, 0.587, 0.299])
    return gray_vectorised(rgb, method)


def gray_average_for_luminosity(rgb, method):
    return gray_vectorised(rgb, "average" if method == "luminosity" else method)


def gray_desaturation_minus(rgb, method):
    if method == "desaturation":
        rgb = np.asarray(rgb, float)
        return (rgb.max(axis=-1) - rgb.min(axis=-1)) / 2
    return gray_vectorised(rgb, method)


def gray_wrong_axis(rgb, method):
    if method == "average":
        return np.asarray(rgb, float).mean(axis=0)
    return gray_vectorised(rgb, method)


def gray_keeps_channels(rgb, method):
    g = gray_vectorised(rgb, method)
    return np.stack([g, g, g], axis=-1)


def gray_silent_default(rgb, method):
    return gray_vectorised(rgb, method if method in ("average", "desaturation") else "luminosity")


def gray_error_without_words(rgb, method):
    if method not in ("average", "luminosity", "desaturation"):
        raise ValueError("bad input")
    return gray_vectorised(rgb, method)


def gray_scales_input_in_place(rgb, method):
    """np.asarray(..., dtype=float) returns the caller's own float64 array: *= changes it."""
    rgb = np.asarray(rgb, dtype=float)
    if method == "luminosity":
        rgb *= np.array([0.299, 0.587, 0.114])
        return rgb.sum(axis=-1)
    return gray_vectorised(rgb, method)


def gray_pixels_by_strides(rgb, method):
    """Flattens the pixels with strides computed from the shape: right only for C-contiguous arrays."""
    from numpy.lib.stride_tricks import as_strided
    h, w, _ = rgb.shape
    pixels = as_strided(rgb, shape=(h * w, 3), strides=(3 * rgb.itemsize, rgb.itemsize))
    return gray_vectorised(pixels, method).reshape(h, w)


def gray_returns_string(rgb, method):
    return "grey"


def gray_not_written(rgb, method):
    raise NotImplementedError()


def gray_crashes(rgb, method):
    return rgb[..., 3]


def gray_modifies_input(rgb, method):
    rgb[..., 0] = 0
    return gray_vectorised(rgb, method)


@pytest.mark.parametrize("variant, message", [
    (gray_uint8_overflow, "uint8 overflow"),
    (gray_rounded_uint8, "rounded to whole grey levels"),
    (gray_cut_to_int, "cut to whole numbers"),
    (gray_divided_by_255, "divided by 255"),
    (gray_normalised_by_max, "divided by 255|divided by the image's maximum"),
    (gray_clipped_255, "values above 255 were clipped"),
    (gray_via_uint8, r"cut to whole numbers \(astype\(int\) or astype\(np.uint8\)"),
    (gray_skimage_rgb2gray, "rgb2gray"),
    (gray_bgr, "red and blue weights swapped"),
    (gray_average_for_luminosity, "plain average was used where the luminosity weights"),
    (gray_desaturation_minus, r"midpoint \(max \+ min\) / 2"),
    (gray_wrong_axis, "wrong axis"),
    (gray_keeps_channels, r"expected shape \(1, 3\), got shape \(1, 3, 3\)"),
    (gray_silent_default, "expected it to raise ValueError"),
    (gray_error_without_words, "does not say what is wrong"),
    (gray_scales_input_in_place, "changed its input array in place"),
    (gray_pixels_by_strides, "laid out row by row"),
    (gray_returns_string, "returned a str; expected a numpy array"),
    (gray_not_written, "not written yet"),
    (gray_crashes, "raised IndexError"),
    (gray_modifies_input, "changed its input array in place"),
])
def test_to_grayscale_names_the_mistake(variant, message):
    with pytest.raises(AssertionError, match=message):
        check.to_grayscale(variant)


def test_uint16_overflow_is_named_with_its_dtype():
    def overflow_everywhere(rgb, method):
        rgb = np.asarray(rgb)
        if method == "average" and np.issubdtype(rgb.dtype, np.integer):
            return (rgb[..., 0] + rgb[..., 1] + rgb[..., 2]) / 3
        return gray_vectorised(rgb, method)

    def promote_uint8_only(rgb, method):  # fixes uint8 but not the 16-bit photos
        rgb = np.asarray(rgb)
        return overflow_everywhere(rgb.astype(np.int64) if rgb.dtype == np.uint8 else rgb, method)

    with pytest.raises(AssertionError, match="uint8 overflow"):
        check.to_grayscale(overflow_everywhere)
    with pytest.raises(AssertionError, match="uint16 overflow"):
        check.to_grayscale(promote_uint8_only)


def test_check_rejects_something_that_is_not_a_function():
    with pytest.raises(AssertionError, match="Pass the function itself"):
        check.to_grayscale(gray_vectorised(np.zeros((2, 2, 3)), "average"))


def test_check_stops_a_function_that_runs_too_long():
    from autograder import feedback

    def endless(rgb, method):
        while True:
            pass

    with pytest.raises(feedback.CheckFailure, match="ran for more than 0.2 s"):
        feedback.call(endless, np.zeros((2, 2, 3)), "average", timeout=0.2)


def test_check_output_is_quiet_on_stderr(capfd):
    def noisy(rgb, method):
        import warnings
        warnings.warn("careful")
        return gray_vectorised(rgb, method)

    check.to_grayscale(noisy)
    with pytest.raises(AssertionError):
        check.to_grayscale(gray_uint8_overflow)
    assert capfd.readouterr().err == ""


# ---------------------------------------------------------------------------------------
# resize_nearest: right variants


def resize_vectorised(image, shape):
    rows = np.minimum(np.floor((np.arange(shape[0]) + 0.5) * image.shape[0] / shape[0]).astype(int),
                      image.shape[0] - 1)
    cols = np.minimum(np.floor((np.arange(shape[1]) + 0.5) * image.shape[1] / shape[1]).astype(int),
                      image.shape[1] - 1)
    return image[np.ix_(rows, cols)] if image.ndim == 2 else image[rows][:, cols]


def resize_loops(image, shape):
    out = np.zeros(tuple(shape) + image.shape[2:], dtype=image.dtype)
    for i in range(shape[0]):
        for j in range(shape[1]):
            r = min(int((i + 0.5) * image.shape[0] / shape[0]), image.shape[0] - 1)
            c = min(int((j + 0.5) * image.shape[1] / shape[1]), image.shape[1] - 1)
            out[i, j] = image[r, c]
    return out


def resize_skimage(image, shape):
    return resize(image, shape, order=0, anti_aliasing=False, preserve_range=True).astype(image.dtype)


def resize_opencv_exact(image, shape):
    """cv2.INTER_NEAREST_EXACT samples at centres; its ties go either way, pixel by pixel.
    OpenCV drops a single channel axis, so put it back."""
    out = cv2.resize(np.ascontiguousarray(image), (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST_EXACT)
    return out.reshape(tuple(shape) + image.shape[2:])


def resize_round_half_even(image, shape):
    """The nearest pixel *centre*: round((i + 0.5)·s − 0.5), numpy rounding ties to even,
    so tied pixels go up or down in turn."""
    def indices(n_in, n_out):
        return np.clip(np.round((np.arange(n_out) + 0.5) * n_in / n_out - 0.5), 0, n_in - 1).astype(int)
    return image[indices(image.shape[0], shape[0])][:, indices(image.shape[1], shape[1])]


def resize_float32_list(image, shape):
    """Values converted to float32 and returned as nested lists: the numbers are what count."""
    return resize_vectorised(image, shape).astype(np.float32).tolist()


RESIZE_RIGHT = [resize_vectorised, resize_loops, resize_skimage, resize_opencv_exact, resize_round_half_even,
                resize_float32_list]


@pytest.mark.parametrize("variant", RESIZE_RIGHT)
@pytest.mark.parametrize("seed", [0, 5])
def test_resize_nearest_accepts_correct_variants(variant, seed):
    check.resize_nearest(variant, seed=seed)


def test_opencv_exact_breaks_ties_both_ways_on_one_axis():
    """The reason ties are judged pixel by pixel: INTER_NEAREST_EXACT takes the upper
    neighbour at one tie and the lower one at another, on the same axis."""
    from autograder.checks.images_as_arrays import nearest_source_choices
    image = np.arange(24, dtype=float).reshape(4, 6)
    rows = resize_opencv_exact(image, (6, 4))[:, 0] // 6
    low, high = nearest_source_choices(4, 6)
    ties = np.flatnonzero(low != high)
    assert len(ties) == 2
    assert {rows[ties[0]] == high[ties[0]], rows[ties[1]] == high[ties[1]]} == {True, False}


# ---------------------------------------------------------------------------------------
# resize_nearest: wrong variants


def resize_corners(image, shape):
    rows = np.arange(shape[0]) * image.shape[0] // shape[0]
    cols = np.arange(shape[1]) * image.shape[1] // shape[1]
    return image[rows][:, cols]


def resize_opencv_default(image, shape):
    """cv2.INTER_NEAREST takes floor(i · s): the pixel at the corner, not the centre."""
    out = cv2.resize(np.ascontiguousarray(image), (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)
    return out.reshape(tuple(shape) + image.shape[2:])


def resize_swapped(image, shape):
    return resize_vectorised(image, (shape[1], shape[0]))


def resize_square_only(image, shape):
    rows = np.floor((np.arange(shape[0]) + 0.5) * image.shape[0] / shape[0]).astype(int)
    return image[rows][:, np.minimum(rows, image.shape[1] - 1)]


def resize_round_centre(image, shape):
    def indices(n_in, n_out):
        return np.clip(np.round((np.arange(n_out) + 0.5) * n_in / n_out), 0, n_in - 1).astype(int)
    return image[indices(image.shape[0], shape[0])][:, indices(image.shape[1], shape[1])]


def resize_align_corners(image, shape):
    rows = np.round(np.linspace(0, image.shape[0] - 1, shape[0])).astype(int)
    cols = np.round(np.linspace(0, image.shape[1] - 1, shape[1])).astype(int)
    return image[rows][:, cols]


def resize_integer_scale(image, shape):
    def indices(n_in, n_out):
        return np.minimum(((np.arange(n_out) + 0.5) * (n_in // n_out)).astype(int), n_in - 1)
    return image[indices(image.shape[0], shape[0])][:, indices(image.shape[1], shape[1])]


def resize_inverted_scale(image, shape):
    def indices(n_in, n_out):
        return np.minimum(np.floor((np.arange(n_out) + 0.5) * n_out / n_in).astype(int), n_in - 1)
    return image[indices(image.shape[0], shape[0])][:, indices(image.shape[1], shape[1])]


def resize_drops_channels(image, shape):
    out = resize_vectorised(image, shape)
    return out[..., 0] if out.ndim == 3 else out


def resize_skimage_defaults(image, shape):
    """skimage's resize without preserve_range: integer images come back scaled to 0…1."""
    return resize(image, shape, order=0)


@pytest.mark.parametrize("variant, message", [
    (resize_corners, "pixel corners"),
    (resize_opencv_default, "pixel corners"),
    (resize_swapped, "rows and columns swapped"),
    (resize_square_only, "expected shape"),
    (resize_round_centre, "rounded the centre"),
    (resize_align_corners, "align corners"),
    (resize_integer_scale, "integer division"),
    (resize_inverted_scale, "upside down"),
    (resize_drops_channels, r"expected shape \(4, 15, 3\)"),
    (resize_skimage_defaults, "resize with its defaults"),
    (lambda image, shape: resize(image, shape, order=0, preserve_range=True), "anti_aliasing=False"),
    (lambda image, shape: resize(image, shape, preserve_range=True), "order=1 \\(bilinear\\)"),
    (lambda image, shape: resize(image, shape, order=1, anti_aliasing=False, preserve_range=True),
     "bilinear interpolation"),
])
def test_resize_nearest_names_the_mistake(variant, message):
    with pytest.raises(AssertionError, match=message):
        check.resize_nearest(variant)


def test_resize_nearest_judges_ties_pixel_by_pixel():
    """Halving 8×8 puts every centre on a border: the corner pixel (the lower neighbour)
    is as near as the upper one, so corners pass there and fail on the next case."""
    with pytest.raises(AssertionError, match=r"resize_nearest\(<1×6 float64 array>, \(1, 4\)\)") as failure:
        check.resize_nearest(resize_corners)
    assert "2 of 4 values differ; the first at index (0, 1): expected 2, got 1" in str(failure.value)


def test_images_whose_maximum_is_not_255_keep_their_scale():
    def via_uint8(rgb, method):
        return gray_vectorised(np.asarray(rgb) if np.asarray(rgb).dtype.kind == "f" else
                               np.asarray(rgb).astype(np.uint8), method)

    with pytest.raises(AssertionError, match="converted to uint8 first"):
        check.to_grayscale(via_uint8)
    with pytest.raises(AssertionError, match="maximum becomes 255"):
        check.to_grayscale(lambda rgb, method: gray_vectorised(rgb, method) / max(np.max(rgb), 255) * 255)


# ---------------------------------------------------------------------------------------
# dense_params


DENSE_RIGHT = [
    lambda n_in, n_out: n_in * n_out + n_out,
    lambda n_in, n_out: (n_in + 1) * n_out,
    lambda n_in, n_out: np.int64(n_in) * n_out + n_out,
    lambda n_in, n_out: float(n_in * n_out + n_out),
    lambda n_in, n_out: math.prod([n_in, n_out]) + n_out,
]


@pytest.mark.parametrize("variant", DENSE_RIGHT)
def test_dense_params_accepts_correct_variants(variant):
    check.dense_params(variant)


@pytest.mark.parametrize("variant, message", [
    (lambda n_in, n_out: n_in * n_out, "biases not counted"),
    (lambda n_in, n_out: n_in * n_out + n_in, "one bias per input"),
    (lambda n_in, n_out: 2 * n_in * n_out, "a bias counted for every weight"),
    (lambda n_in, n_out: n_in + n_out, "added instead of multiplied"),
    (lambda n_in, n_out: (n_in * n_out + n_out) / 1.0000001, "not a whole number"),
    (lambda n_in, n_out: str(n_in * n_out + n_out), "expected a number"),
    (lambda n_in, n_out: np.int32(n_in) * np.int32(n_out) + np.int32(n_out), "int32 overflow"),
    (lambda n_in, n_out: np.float32(n_in) * np.float32(n_out) + np.float32(n_out), "float32 cannot hold"),
    (lambda n_in, n_out: n_in * n_out + n_out > 0, "expected a number"),
])
def test_dense_params_names_the_mistake(variant, message):
    with pytest.raises(AssertionError, match=message):
        check.dense_params(variant)


def test_lecture_numbers():
    assert 128 * 128 == 16_384 and 128 * 128 * 3 == 49_152
    assert 512 * 512 * 3 * 1000 + 1000 == 786_433_000
    assert 1000 * 1000 * 3 * 1000 == 3_000_000_000  # seed 002: "3 billion parameters"
    check.dense_params(lambda n_in, n_out: n_in * n_out + n_out)  # includes both photos


# ---------------------------------------------------------------------------------------
# Hints, and the variants test_hidden_seeds.py runs under the hidden tests' seeds


@pytest.mark.parametrize("name", ["to_grayscale", "resize_nearest", "dense_params"])
def test_hints_come_in_three_tiers(name, capsys):
    hints = getattr(check, name).hints
    assert [label for label, _ in hints] == ["Idea", "Formula", "Code (this gives the answer away)"]
    assert "```python" in hints[2][1] and "```" not in hints[0][1] + hints[1][1]
    getattr(check, name).hint(3)
    assert "gives the answer away" in capsys.readouterr().out


RIGHT_VARIANTS = {
    "to_grayscale": GRAY_RIGHT,
    "resize_nearest": RESIZE_RIGHT,
    "dense_params": DENSE_RIGHT,
}
