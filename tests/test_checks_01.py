"""Checks of assignment 01 against correct variants (must pass) and typical mistakes
(must fail, naming the mistake)."""

import numpy as np
import pytest
from skimage.transform import resize

from autograder import check

# ---------------------------------------------------------------------------------------
# to_grayscale


def gray_vectorised(rgb, method="luminosity"):
    rgb = np.asarray(rgb, dtype=float)
    if method == "average":
        return rgb.mean(axis=-1)
    if method == "luminosity":
        return rgb @ np.array([0.299, 0.587, 0.114])
    if method == "desaturation":
        return (rgb.max(axis=-1) + rgb.min(axis=-1)) / 2
    raise ValueError(method)


def gray_loops(rgb, method):
    if method not in ("average", "luminosity", "desaturation"):
        raise ValueError(method)
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


def gray_rounded_uint8(rgb, method):
    result = gray_vectorised(rgb, method)
    return np.round(result).astype(np.uint8) if np.issubdtype(np.asarray(rgb).dtype, np.integer) else result


def gray_float32(rgb, method):
    return gray_vectorised(rgb, method).astype(np.float32)


@pytest.mark.parametrize("variant", [gray_vectorised, gray_loops, gray_rounded_uint8, gray_float32])
def test_to_grayscale_accepts_correct_variants(variant):
    check.to_grayscale(variant)
    check.to_grayscale(variant, seed=99)


def gray_uint8_overflow(rgb, method):
    if method == "average":
        return (rgb[..., 0] + rgb[..., 1] + rgb[..., 2]) / 3
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
    (gray_bgr, "red and blue weights swapped"),
    (gray_average_for_luminosity, "plain average was used where the luminosity weights"),
    (gray_desaturation_minus, r"midpoint \(max \+ min\) / 2"),
    (gray_wrong_axis, "wrong axis"),
    (gray_keeps_channels, r"expected shape \(1, 3\), got shape \(1, 3, 3\)"),
    (gray_silent_default, "expected it to raise ValueError"),
    (gray_returns_string, "returned a str; expected a numpy array"),
    (gray_not_written, "not written yet"),
    (gray_crashes, "raised IndexError"),
    (gray_modifies_input, "changed its input array in place"),
])
def test_to_grayscale_names_the_mistake(variant, message):
    with pytest.raises(AssertionError, match=message):
        check.to_grayscale(variant)


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
        return np.log(np.zeros(1)) if False else gray_vectorised(rgb, method)

    check.to_grayscale(noisy)
    assert capfd.readouterr().err == ""


# ---------------------------------------------------------------------------------------
# resize_nearest


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


def resize_round_half_down(image, shape):
    # rounds (i + 0.5) * s - 0.5 to nearest, ties downwards: a legitimate tie-break
    def indices(n_in, n_out):
        centre = (np.arange(n_out) + 0.5) * n_in / n_out - 0.5
        return np.clip(np.ceil(centre - 0.5), 0, n_in - 1).astype(int)
    return image[indices(image.shape[0], shape[0])][:, indices(image.shape[1], shape[1])]


def resize_float_output(image, shape):  # any numeric dtype is fine: values are what count
    return resize_vectorised(image, shape).astype(float)


@pytest.mark.parametrize("variant", [resize_vectorised, resize_loops, resize_skimage, resize_round_half_down,
                                     resize_float_output])
def test_resize_nearest_accepts_correct_variants(variant):
    check.resize_nearest(variant)
    check.resize_nearest(variant, seed=5)


def resize_corners(image, shape):
    rows = np.arange(shape[0]) * image.shape[0] // shape[0]
    cols = np.arange(shape[1]) * image.shape[1] // shape[1]
    return image[rows][:, cols]


def resize_swapped(image, shape):
    return resize_vectorised(image, (shape[1], shape[0]))


def resize_square_only(image, shape):
    rows = np.floor((np.arange(shape[0]) + 0.5) * image.shape[0] / shape[0]).astype(int)
    return image[rows][:, np.minimum(rows, image.shape[1] - 1)]


@pytest.mark.parametrize("variant, message", [
    (resize_corners, "pixel corners"),
    (resize_swapped, "rows and columns swapped"),
    (resize_square_only, "expected shape"),
])
def test_resize_nearest_names_the_mistake(variant, message):
    with pytest.raises(AssertionError, match=message):
        check.resize_nearest(variant)


# ---------------------------------------------------------------------------------------
# dense_params


@pytest.mark.parametrize("variant", [
    lambda n_in, n_out: n_in * n_out + n_out,
    lambda n_in, n_out: (n_in + 1) * n_out,
    lambda n_in, n_out: np.int64(n_in) * n_out + n_out,
    lambda n_in, n_out: float(n_in * n_out + n_out),
])
def test_dense_params_accepts_correct_variants(variant):
    check.dense_params(variant)


@pytest.mark.parametrize("variant, message", [
    (lambda n_in, n_out: n_in * n_out, "biases not counted"),
    (lambda n_in, n_out: n_in * n_out + n_in, "one bias per input"),
    (lambda n_in, n_out: 2 * n_in * n_out, "a bias counted for every weight"),
    (lambda n_in, n_out: n_in + n_out, "added instead of multiplied"),
    (lambda n_in, n_out: (n_in * n_out + n_out) / 1.0000001, "not a whole number"),
    (lambda n_in, n_out: str(n_in * n_out + n_out), "expected a number"),
])
def test_dense_params_names_the_mistake(variant, message):
    with pytest.raises(AssertionError, match=message):
        check.dense_params(variant)


def test_lecture_numbers():
    assert 128 * 128 == 16_384 and 128 * 128 * 3 == 49_152
    check.dense_params(lambda n_in, n_out: n_in * n_out + n_out)  # includes 512·512·3 → 1,000


def test_hints_are_available(capsys):
    check.to_grayscale.hint()
    check.to_grayscale.hint(3)
    out = capsys.readouterr().out
    assert "Hint 1 of 3" in out and "Hint 3 of 3" in out and "rgb.max(axis=-1)" in out
