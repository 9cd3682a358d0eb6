"""What the checks of chapters 04–06 hold every graded function to, beyond its values.

Each exercise's "Contract" line in the notebook promises a few things besides the right
numbers; these helpers test them the same way for every check of those chapters:

- **inputs are never modified**, arrays and lists alike (also arrays inside lists), and a
  second call with the very same objects gives the same answer (:func:`call_unchanged`);
- **counts are ints**: sizes, paddings, parameter counts and pixel indices are whole
  numbers, returned as a Python ``int`` or a numpy integer; ``3.0`` is a float and is
  rejected with a message that says so (:func:`expect_int`). Measured values
  (thresholds, probabilities, feature-map values) may be any number;
- **float tolerances follow the arithmetic** (:func:`float32_tolerance`): a result may
  differ from the float64 oracle by what a float32 computation of the same sum can
  round to, ``(n_terms + 4) · eps32 · Σ|terms|`` per element, whatever dtype the learner
  returns (computing in float32 and storing in float64 is right too);
- **bad input raises the error the contract names**, with the words it promises
  (:func:`expect_error`);
- inputs come in every form the contract allows, including **non-contiguous views**
  (:func:`strided_view`, :func:`fortran_order`).

Private (the leading underscore keeps :func:`autograder.checks.registry` from treating it
as a module of checks). Generic enough for other chapters; see the report of helper
"checks-b" for moving it next to :mod:`autograder.feedback`.
"""

from __future__ import annotations

import copy
import numbers
import re
from typing import Any, Callable, Mapping

import numpy as np

from autograder.feedback import (call, changed_input_message, describe, expect_raises, fail, quiet, show, signature,
                                 to_array)

EPS32 = float(np.finfo(np.float32).eps)
#: Below this, a probability or pixel value is zero for every practical purpose (float32
#: underflows there); differences that small are never a mistake.
TINY = 1e-30


# ---------------------------------------------------------------------------------------
# Inputs never modified, and the same answer twice


def _same(a: Any, b: Any) -> bool:
    """Structural equality: arrays by dtype, shape and values (nan equal to nan), sequences
    item by item, numbers by value."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype
                and a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")))
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return (type(a) is type(b) and len(a) == len(b)
                and all(_same(x, y) for x, y in zip(a, b)))
    if isinstance(a, dict) or isinstance(b, dict):
        return (isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys()
                and all(_same(a[k], b[k]) for k in a))
    if isinstance(a, numbers.Number) and isinstance(b, numbers.Number):
        return a == b or (a != a and b != b)  # nan == nan here
    try:
        return bool(a == b)
    except Exception:  # objects whose == is not a truth value
        return a is b


def call_unchanged(func: Callable, *args: Any, name: str, again: bool = False) -> Any:
    """Call the learner's ``func(*args)`` (through :func:`autograder.feedback.call`, which
    turns exceptions, time-outs and unwritten functions into messages) and fail if any
    argument changed, lists and arrays inside lists included. With ``again=True`` call it a
    second time with the very same objects and fail unless both answers are the same."""
    where = signature(name, *args)
    before = [copy.deepcopy(a) for a in args]
    result = call(func, *args, name=name)
    for index, (original, now) in enumerate(zip(before, args)):
        if not _same(original, now):
            fail(changed_input_message(where, original, index))
    if again:
        snapshot = copy.deepcopy(result)
        second = call(func, *args, name=name)
        for index, (original, now) in enumerate(zip(before, args)):
            if not _same(original, now):
                fail(changed_input_message(where, original, index) + " (It happened on the second call.)")
        if not _same(snapshot, second):
            fail(f"{where} gave a different answer when called a second time with the same inputs.\n"
                 f"  first call:  {show(snapshot) if isinstance(snapshot, np.ndarray) else repr(snapshot)[:300]}\n"
                 f"  second call: {show(second) if isinstance(second, np.ndarray) else repr(second)[:300]}\n"
                 f"  Likely mistake: the function keeps state between calls (a global variable, a "
                 f"default argument that is a list) or changed something it was given; a layer "
                 f"must give the same output for the same input every time.")
    return result


# ---------------------------------------------------------------------------------------
# Inputs in every allowed form


def strided_view(array: np.ndarray) -> np.ndarray:
    """The same values as ``array``, as a view that is not contiguous in memory (every other
    element of a larger buffer along every axis): code that assumes C order breaks on it."""
    array = np.asarray(array)
    buffer = np.zeros(tuple(2 * n for n in array.shape), dtype=array.dtype)
    view = buffer[tuple(slice(None, None, 2) for _ in array.shape)]
    view[...] = array
    return view


def fortran_order(array: np.ndarray) -> np.ndarray:
    """The same values laid out column by column (what a transpose of a transpose gives)."""
    return np.asfortranarray(array)


# ---------------------------------------------------------------------------------------
# Counts are ints


def is_int(value: Any) -> bool:
    """A Python int or a numpy integer (or a 0-d integer array), but not a bool."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def expect_int(got: Any, expected: int, where: str, *, what: str = "the answer",
               mistakes: Mapping[str, Any] | None = None, reveal: bool = True) -> int:
    """Fail unless ``got`` is an int (or numpy integer) equal to ``expected``; a whole float
    such as 3.0 is rejected, with a message that says why counts are ints."""
    from autograder.feedback import expect_value, name_mistake

    if isinstance(got, np.ndarray) and got.ndim == 0:
        got = got[()]
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, numbers.Number):
        fail(f"{where} returned {describe(got)}; expected {what}, an int.")
    if not is_int(got):
        whole = np.isfinite(float(got)) and float(got).is_integer()
        message = (f"{where} returned {got!r}, a {type(got).__name__}; {what} is a count, so "
                   f"return an int. ")
        message += ("Your value is a whole number, but a float cannot be used as a size or an "
                    "index (`range(3.0)`, `np.zeros((3.0, 2))` and `np.pad(x, 1.0)` all fail): "
                    "use `//` instead of `/`, or int(...)." if whole else
                    "It is not even a whole number: use `//` (floor division), not `/`.")
        if not whole:
            mistake = name_mistake(got, mistakes, 1e-9, 1e-9)
            if mistake:
                message += f"\n  Likely mistake: {mistake}."
        fail(message)
    expect_value(int(got), int(expected), where, mistakes=mistakes, reveal=reveal)
    return int(got)


# ---------------------------------------------------------------------------------------
# Errors for bad input


def expect_error(func: Callable, exception: type[BaseException], *args: Any, name: str, why: str,
                 mentions: tuple[str, ...] = ()) -> None:
    """Fail unless ``func(*args)`` raises ``exception`` whose message matches every regular
    expression in ``mentions`` (case-insensitive)."""
    expect_raises(func, exception, *args, name=name, why=why)
    if not mentions:
        return
    message = ""
    try:
        with quiet():
            func(*copy.deepcopy(args))
    except exception as error:
        message = str(error)
    except Exception:  # raised the right type the first time; nothing more to learn here
        return
    missing = [word for word in mentions if not re.search(word, message, re.IGNORECASE)]
    if missing:
        fail(f"{signature(name, *args)} raised {exception.__name__}({message!r}), the right kind of "
             f"error, but its message should say what to do: {why}")


# ---------------------------------------------------------------------------------------
# Float results within float32 rounding


def float32_tolerance(scale: Any, n_terms: int | np.ndarray) -> np.ndarray:
    """Largest difference a correct float32 computation can show against the exact result,
    element by element, when the element is a sum of ``n_terms`` products whose absolute
    values add up to ``scale``: ``(n_terms + 4) · eps32 · scale`` (the rounding of the inputs
    to float32, of every product and of every addition, in any order)."""
    return (np.asarray(n_terms, float) + 4) * EPS32 * np.abs(np.asarray(scale, float)) + TINY


def _first_mistake(got: np.ndarray, mistakes: Mapping[str, Any] | None, tol: Any) -> str | None:
    """The first mistake whose wrong answer ``got`` reproduces (within ``tol``, or one part in a
    million: naming happens only after a failure, so it may be generous)."""
    for description, wrong in (mistakes or {}).items():
        try:
            with quiet():
                wrong = wrong() if callable(wrong) else wrong
        except Exception:  # a mistake model that does not apply to this input
            continue
        if wrong is None:
            continue
        wrong = np.asarray(wrong)
        if wrong.shape != got.shape or not np.issubdtype(wrong.dtype, np.number) and wrong.dtype != bool:
            continue
        with quiet():
            wrong = wrong.astype(float)
            difference = np.abs(got.astype(float) - wrong)
            # naming happens only after a failure, so a loose tolerance is safe here
            loose = np.maximum(np.broadcast_to(tol, got.shape), 1e-6 * (1 + np.abs(wrong)))
            same = (difference <= loose) | (np.isnan(got.astype(float)) & np.isnan(wrong))
        if np.all(same):
            return description
    return None


def expect_close(got: Any, expected: np.ndarray, where: str, *, tol: Any,
                 mistakes: Mapping[str, Any] | None = None, reveal: bool = True,
                 float_result: bool = False, index_words: Callable[[tuple], str] | None = None,
                 detail: Callable[[np.ndarray, np.ndarray, tuple], list[str]] | None = None,
                 shape_note: str = "") -> np.ndarray:
    """Fail unless ``got`` is a numpy array of ``expected``'s shape within ``tol`` of it
    (``tol`` an array of per-element tolerances or a number).

    ``float_result``: the contract promises a float array (an integer array would have
    truncated the values). ``index_words(index)`` names an element in the learner's terms
    ("example 1, row 2, column 0, channel 3"); ``detail(got, expected, index)`` adds lines
    that show the neighbourhood of the first wrong value, in place of the whole arrays;
    ``shape_note`` explains the expected shape when the shape is wrong and no known mistake
    explains it. ``mistakes`` as in :func:`autograder.feedback.expect_array`, compared with
    the same tolerance.
    """
    if isinstance(got, (list, tuple)):
        fail(f"{where} returned a {type(got).__name__}; return a numpy array (`np.array(...)`), "
             f"so that the next layer can use `.shape`, slicing and arithmetic on it.")
    array = to_array(got, where)
    expected = np.asarray(expected, dtype=float)
    tol = np.broadcast_to(np.asarray(tol, float), expected.shape)
    lines = [f"{where} is not right."]
    shown = False
    if array.shape != expected.shape:
        lines.append(f"  expected shape {expected.shape}, got shape {array.shape}" if reveal else
                     f"  the shape {array.shape} is not the right shape")
    else:
        with quiet():
            values = array.astype(float)
            close = (np.abs(values - expected) <= tol) | (np.isnan(values) & np.isnan(expected))
        if np.all(close):
            if float_result and not np.issubdtype(array.dtype, np.floating):
                fail(f"{where} returned {describe(array)}; the contract promises a float array. "
                     f"(Its values happen to be whole numbers here, but an output array made "
                     f"with the input's integer dtype, e.g. `np.zeros_like(x)`, truncates "
                     f"values such as 2.5 to 2: create it with dtype=float.)")
            return array
        bad = np.argwhere(~close)
        index = tuple(int(i) for i in bad[0])
        place = index_words(index) if index_words else f"index {index}"
        if reveal:
            lines.append(f"  {len(bad)} of {expected.size} values differ; the first at {place}: "
                         f"expected {expected[index]:.6g}, got {values[index]:.6g}")
        else:
            lines.append(f"  {len(bad)} of {expected.size} values are wrong; the first at {place}, "
                         f"where you have {values[index]:.6g}")
        if detail is not None and reveal:
            extra = detail(values, expected, index)
            if extra:
                lines += extra
                shown = True
    if not shown:
        if reveal:
            lines.append(f"  expected: {show(expected)}")
        lines.append(f"  got:      {show(array)}")
    mistake = _first_mistake(array, mistakes, tol if array.shape == expected.shape else 0.0)
    if mistake:
        lines.append(f"  Likely mistake: {mistake}.")
    elif array.shape != expected.shape and shape_note:
        lines.append(f"  {shape_note}")
    fail("\n".join(lines))
    return array  # unreachable
