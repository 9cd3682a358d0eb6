"""The shared machinery of every check: tolerances that follow the arithmetic, calls that
notice changed inputs and state kept between calls, and clear messages."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest
from scipy import signal

from autograder.feedback import (FLOAT32_EPS, CheckFailure, Tolerance, call, call_repeatably, expect_array,
                                 expect_raises, expect_value, layout_dependent, name_mistake, precision,
                                 rounding_error, same_result, to_array)

# ---------------------------------------------------------------------------------------
# precision and rounding_error


def test_precision_follows_the_dtype_with_a_float32_floor():
    assert precision(np.float16) == pytest.approx(9.765625e-4)
    assert precision(np.float32) == FLOAT32_EPS == pytest.approx(1.1920929e-7)
    assert precision(np.float64) == FLOAT32_EPS  # a float64 result may come from float32 work
    assert precision(np.int64) == precision(bool) == FLOAT32_EPS


def test_rounding_error_grows_with_the_terms_not_with_the_result():
    assert rounding_error(np.float32, 1000.0, terms=9) == pytest.approx(FLOAT32_EPS * 11 * 1000)
    bound = rounding_error(np.float64, np.array([[2.0, -3.0]]), terms=1)
    assert bound.shape == (1, 2) and bound[0, 1] == pytest.approx(9 * FLOAT32_EPS)


def _float32_correlation_that_cancels(seed=0):
    """A zero-sum kernel on large values: outputs near 0, terms near 1e4."""
    rng = np.random.default_rng(seed)
    image = 1e4 + rng.normal(size=(30, 30))
    kernel = np.array([[-1.0, 0.0, 1.0]] * 3) + rng.normal(scale=1e-3, size=(3, 3))
    exact = signal.correlate2d(image, kernel, mode="valid")
    learner = signal.correlate2d(image.astype(np.float32), kernel.astype(np.float32), mode="valid")
    scale = signal.correlate2d(np.abs(image), np.abs(kernel), mode="valid")
    return exact, learner, scale


def test_float32_arithmetic_passes_with_a_scale_and_fails_without():
    exact, learner, scale = _float32_correlation_that_cancels()
    assert learner.dtype == np.float32
    expect_array(learner, exact, "correlate2d(...)", scale=scale, terms=9)
    with pytest.raises(CheckFailure, match="values differ"):
        expect_array(learner, exact, "correlate2d(...)")  # the old fixed 1e-6 rule


def test_a_scale_does_not_let_mistakes_through():
    """Terms near 1e4 in float32 round by about 1e-3 each: differences far above that fail."""
    exact, _, scale = _float32_correlation_that_cancels()
    assert np.abs(exact).max() > 10
    for wrong in (exact * 1.01, np.round(exact), exact + 1, exact.T):
        with pytest.raises(CheckFailure):
            expect_array(wrong, exact, "f(...)", scale=scale, terms=9)


def test_tiny_terms_get_a_tiny_bound():
    """Rounding off or zeroing values that are small in absolute terms is a mistake when
    the terms are small too (a fixed atol of 1e-6 used to accept it)."""
    expected = np.array([3e-8, -1.2e-7, 5e-9])
    scale = np.abs(expected) * 4
    expect_array(expected.astype(np.float32), expected, "f(...)", scale=scale, terms=3)
    with pytest.raises(CheckFailure):
        expect_array(np.zeros(3), expected, "f(...)", scale=scale, terms=3)
    expect_array(np.zeros(3), expected, "f(...)")  # what the fixed rule lets through


def test_float16_gets_its_own_precision():
    expected = np.array([149.685, 127.5])
    got = expected.astype(np.float16)  # 149.75, 127.5
    expect_array(got, expected, "g(...)", scale=expected, terms=3)
    with pytest.raises(CheckFailure):
        expect_array(got.astype(np.float64), expected, "g(...)", scale=expected, terms=3)


def test_tolerance_defaults_and_special_values():
    assert Tolerance.of() == Tolerance(1e-6, 1e-6)
    assert Tolerance.of(scale=2.0) == Tolerance(0.0, 0.0, 2.0, 1)
    tolerance = Tolerance(scale=1.0)
    assert tolerance.close(np.array([np.nan, np.inf, -np.inf, 1.0]), np.array([np.nan, np.inf, -np.inf, 1.0])).all()
    assert not tolerance.close(np.array([np.inf]), np.array([-np.inf])).any()
    assert not tolerance.close(np.array([np.nan]), np.array([1.0])).any()
    assert not tolerance.matches(np.zeros((2, 3)), np.zeros((3, 2)))


def test_mistakes_are_matched_with_the_same_tolerance():
    exact, learner, scale = _float32_correlation_that_cancels()
    tolerance = Tolerance(scale=scale, terms=9)
    flipped = -exact  # the zero-sum kernel turned half a turn (roughly)
    assert name_mistake(-learner, {"flipped": flipped}, tolerance=tolerance) == "flipped"
    assert name_mistake(learner.T, {"transposed": exact.T}, tolerance=tolerance) == "transposed"
    assert name_mistake(learner, {"not applicable": lambda: None, "crashes": lambda: 1 / 0}) is None


def test_old_positional_atol_rtol_still_work():
    assert name_mistake(np.array([1.0, 2.0]), {"m": np.array([1.0, 2.0 + 1e-9])}, 1e-6, 1e-6) == "m"
    assert name_mistake(5, {"five": 5.0000001}, 1e-3, 0) == "five"


# ---------------------------------------------------------------------------------------
# expect_value and to_array


def test_expect_value_compares_whole_numbers_exactly_however_large():
    expect_value(3_000_001_000, 3_000_001_000, "n()", integer=True)
    expect_value(np.int64(15), 15, "n()", integer=True)
    expect_value(15.0, 15, "n()", integer=True)
    with pytest.raises(CheckFailure, match="returned 10000000000000000000001; expected"):
        expect_value(10 ** 22 + 1, 10 ** 22, "n()", integer=True)
    with pytest.raises(CheckFailure, match="not a whole number"):
        expect_value(15.5, 15, "n()", integer=True)
    with pytest.raises(CheckFailure, match="expected a number"):
        expect_value(True, 1, "n()")
    with pytest.raises(CheckFailure, match="complex"):
        expect_value(1 + 0j, 1, "n()")


def test_expect_value_with_a_scale():
    expect_value(np.float32(0.1) * 3, 0.3, "s()", scale=0.3, terms=3)
    with pytest.raises(CheckFailure, match="returned 0.31"):
        expect_value(0.31, 0.3, "s()", scale=0.3, terms=3)


def test_to_array_rejects_what_is_not_an_array_of_real_numbers():
    assert to_array([[1, 2], [3, 4]], "f()").shape == (2, 2)
    with pytest.raises(CheckFailure, match="ragged"):
        to_array([[1, 2], [3]], "f()")
    with pytest.raises(CheckFailure, match="complex numbers"):
        to_array(np.fft.fft([1.0, 2.0]), "f()")
    with pytest.raises(CheckFailure, match="expected numbers"):
        to_array(np.array(["a"]), "f()")

    class Tensor:
        def __array__(self, dtype=None, copy=None):
            return np.zeros(2)

    with pytest.raises(CheckFailure, match=r"np.asarray\(result\)"):
        to_array(Tensor(), "f()")


# ---------------------------------------------------------------------------------------
# call: inputs must come back unchanged


def test_call_notices_a_changed_list_and_names_it():
    def consumes(pixels):
        pixels.pop()
        return pixels

    with pytest.raises(CheckFailure, match=r"changed its first argument \(a list\) in place"):
        call(consumes, [1, 0, 1], name="edge_1d")


def test_call_notices_arrays_inside_lists_and_dicts_and_keyword_arguments():
    def zero_first(cells, options=None):
        cells[0][...] = 0
        return 1

    with pytest.raises(CheckFailure, match=r"argument \(a list\) in place"):
        call(zero_first, [np.ones(3), np.ones(3)])
    with pytest.raises(CheckFailure, match="changed its input array"):
        call(lambda image, kernel: kernel.sort(), np.ones(3), kernel=np.array([3, 1, 2]))
    with pytest.raises(CheckFailure, match=r"argument \(a dict\) in place"):
        call(lambda config: config.update(k=2), {"k": 1})


def test_call_is_not_fooled_by_nan_namedtuples_or_opaque_objects():
    Shape = namedtuple("Shape", "rows cols")
    call(lambda values, shape, model: 0, [float("nan"), np.nan, np.float64("nan")], Shape(3, 4), object())
    call(lambda x: x * 2, np.array([np.nan, 1.0]))


def test_call_notices_a_dtype_change_in_place():
    def view_as_float(image):
        image.dtype = np.float32  # reinterprets the caller's buffer
        return image

    with pytest.raises(CheckFailure, match="changed its input array in place"):
        call(view_as_float, np.zeros(4, dtype=np.int32))


# ---------------------------------------------------------------------------------------
# call_repeatably: no state kept between calls


def test_call_repeatably_passes_a_pure_function_and_returns_its_result():
    assert call_repeatably(lambda x: [v * 2 for v in x], [1, 2]) == [2, 4]
    assert np.isnan(call_repeatably(lambda: float("nan")))
    assert same_result(np.array([np.nan, 1.0]), [np.nan, 1.0])


def test_call_repeatably_fails_a_function_with_a_growing_default_argument():
    def edge_1d(pixels, out=[]):
        for value in pixels:
            out.append(value)
        return out

    with pytest.raises(CheckFailure, match="different result when it was called a second time"):
        call_repeatably(edge_1d, [0, 1, 1], name="edge_1d")


def test_call_repeatably_fails_a_function_that_uses_up_an_iterator_or_global():
    calls = []

    def counter(x):
        calls.append(x)
        return len(calls)

    with pytest.raises(CheckFailure, match="keep anything between calls"):
        call_repeatably(counter, 1)


# ---------------------------------------------------------------------------------------
# expect_raises and layout_dependent


def test_expect_raises_can_require_the_message_to_say_what_is_wrong():
    def blunt(mode):
        raise ValueError("no")

    def clear(mode):
        raise ValueError(f"mode must be 'valid' or 'same', not {mode!r}")

    expect_raises(clear, ValueError, "circular", mentioning=("circular", "valid"))
    with pytest.raises(CheckFailure, match="does not say what is wrong"):
        expect_raises(blunt, ValueError, "circular", mentioning=("circular", "valid"))
    with pytest.raises(CheckFailure, match="returned normally"):
        expect_raises(lambda mode: None, ValueError, "circular")
    with pytest.raises(CheckFailure, match="raised TypeError"):
        expect_raises(lambda mode: 1 + "a", ValueError, "circular")


def test_layout_dependent_recognises_code_that_assumes_contiguous_memory():
    from numpy.lib.stride_tricks import as_strided

    def row_sums(image):  # strides computed from the shape, not taken from the array
        rows, cols = image.shape
        return as_strided(image, shape=(rows, cols), strides=(cols * image.itemsize, image.itemsize)).sum(axis=1)

    view = np.arange(20.0).reshape(4, 5)[:, ::2]
    right = view.sum(axis=1)
    assert not np.allclose(row_sums(view), right)
    assert layout_dependent(row_sums, (view,), {}, lambda result: np.allclose(result, right))
    assert not layout_dependent(row_sums, (np.ascontiguousarray(view),), {}, lambda result: True)
    assert not layout_dependent(lambda image: 1 / 0, (view,), {}, lambda result: True)


def test_call_repeatably_forgives_last_bit_differences_between_calls():
    """OpenCV splits work between threads and may round the last bit differently each call."""
    rng = np.random.default_rng(0)
    values = rng.random(50)
    wobble = iter([values, values * (1 + 2e-16)])
    call_repeatably(lambda: next(wobble))
    counts = iter([np.arange(5), np.arange(5) + 1])
    with pytest.raises(CheckFailure, match="second time"):
        call_repeatably(lambda: next(counts))
