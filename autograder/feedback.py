"""Expected-versus-got feedback shared by every check.

A check calls the learner's function through :func:`call`, which turns every way a
candidate can misbehave (not written yet, raising, warning, running too long) into a
:class:`CheckFailure` with a one-paragraph message. It then compares the result with the
oracle through :func:`expect_array` or :func:`expect_value`; both name a known mistake
when the wrong answer matches one of the catalogue of typical errors.

How close is close enough? A right answer differs from the oracle only by the rounding of
floating-point arithmetic, and that rounding grows with the precision the learner used
(float32 or float64) and with the size of the numbers that were added up, not with the
size of the result: a sum of large terms that cancel to nearly 0 carries the rounding of
the large terms. :class:`Tolerance` (and the ``scale=`` and ``terms=`` arguments of
:func:`expect_array` and :func:`expect_value`) turns that into a bound per element, so that
float32 arithmetic passes everywhere and no real mistake hides inside the bound.

Nothing here writes to stderr: nbgrader scores any test cell with stderr output as 0.
"""

from __future__ import annotations

import contextlib
import ctypes
import numbers
import re
import threading
import warnings
from dataclasses import dataclass
from types import FunctionType
from typing import Any, Callable, Mapping

import numpy as np

DEFAULT_TIMEOUT_S = 20.0


class CheckFailure(AssertionError):
    """A learner-facing failure: the message is the whole story, no traceback needed."""

    def _render_traceback_(self) -> list[str]:
        """What IPython (7.x to 9.x, so JupyterLab and Colab alike) shows for this error in
        place of a traceback: the message alone, in red, after a ✘."""
        return [f"\x1b[0;31m✘ {self}\x1b[0m"]


def fail(message: str) -> None:
    """Stop the check with ``message``."""
    raise CheckFailure(message)


# ---------------------------------------------------------------------------------------
# Describing values


def describe(value: Any) -> str:
    """A short phrase for a value: 'a 3×5 uint8 array', 'the int 7', 'a list of 4 items'."""
    if isinstance(value, np.ndarray):
        shape = "×".join(str(n) for n in value.shape) if value.ndim else "0-d"
        article = "an" if re.match(r"8|(11|18)(\D|$)", shape) else "a"  # "an 8×3", "an 80×2", "an 11×5"
        return f"{article} {shape} {value.dtype} array"
    if isinstance(value, (bool, np.bool_)):
        return f"the bool {value}"
    if isinstance(value, numbers.Number):
        return f"the {type(value).__name__} {value!r}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)} items"
    if value is None:
        return "None"
    return f"a {type(value).__name__}"


def show(value: Any, max_size: int = 64) -> str:
    """Print a value compactly; large arrays are summarised instead of printed."""
    if isinstance(value, np.ndarray):
        if value.size <= max_size:
            with quiet():
                finite = np.abs(value[np.isfinite(value)]) if np.issubdtype(value.dtype, np.number) else np.zeros(0)
            tiny = finite.size > 0 and 0 < finite.max() < 1e-3  # show 3e-06, not 0.
            text = np.array2string(value, precision=4, suppress_small=not tiny, max_line_width=88)
            return text.replace("\n", "\n            ")
        return f"{describe(value)} (min {value.min():.4g}, max {value.max():.4g})"
    return repr(value)


def signature(name: str, *args: Any, **kwargs: Any) -> str:
    """'to_grayscale(<4×6×3 uint8 array>, "average")': how the check called the candidate."""
    def brief(a: Any) -> str:
        return f"<{describe(a).split(' ', 1)[1]}>" if isinstance(a, np.ndarray) else repr(a)

    parts = [brief(a) for a in args] + [f"{k}={brief(v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


# ---------------------------------------------------------------------------------------
# Calling the learner's code


class _Timeout(BaseException):
    """Raised inside the candidate when its time is up; BaseException so that
    `except Exception` in learner code cannot swallow it."""


def _raise_in_thread(thread: int, exception: type[BaseException] | None) -> None:
    """Have ``thread`` raise ``exception`` at its next bytecode; None withdraws a pending one."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread), None if exception is None else ctypes.py_object(exception))


class _Watchdog:
    """Raises :class:`_Timeout` in one thread once ``seconds`` have passed, unless disarmed.

    It works on every platform and in any thread (Windows has no SIGALRM, and signals
    reach only the main thread): a timer thread asks the interpreter to raise the
    exception in the watched thread, which happens between two of its Python bytecodes,
    as a signal handler would. A disarm and the timer's firing cannot interleave.
    """

    def __init__(self, seconds: float):
        self.thread = threading.get_ident()
        self.lock = threading.Lock()
        self.armed = True
        self.fired = False
        self.timer = threading.Timer(seconds, self._expire)
        self.timer.daemon = True

    def _expire(self) -> None:
        with self.lock:
            if self.armed:
                self.fired = True
                _raise_in_thread(self.thread, _Timeout)

    def disarm(self) -> None:
        with self.lock:
            self.armed = False
        self.timer.cancel()
        if self.fired:  # fired but perhaps not delivered yet: withdraw it
            _raise_in_thread(self.thread, None)


@contextlib.contextmanager
def _time_limit(seconds: float | None):
    """Raise :class:`_Timeout` inside the block once it has run ``seconds``."""
    if seconds is None:
        yield
        return
    watchdog = _Watchdog(seconds)
    try:
        watchdog.timer.start()
        yield
    finally:
        watchdog.disarm()


@contextlib.contextmanager
def quiet():
    """Silence warnings and numpy floating-point complaints (they would reach stderr)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


class _Opaque:
    """Stands in for an argument that :func:`call` does not inspect (a model, a generator)."""


_OPAQUE = _Opaque()


def _snapshot(value: Any) -> Any:
    """A copy of ``value`` to compare against after the call: arrays, and lists, tuples and
    dicts of them (nested), are copied; numbers and strings are immutable; anything else is
    not inspected."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [_snapshot(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_snapshot(item) for item in value)
    if isinstance(value, dict):
        return {key: _snapshot(item) for key, item in value.items()}
    if value is None or isinstance(value, (numbers.Number, str, bytes, np.generic)):
        return value
    return _OPAQUE


def _unchanged(value: Any, snapshot: Any) -> bool:
    """True when ``value`` still equals the ``snapshot`` taken before the call (NaN equals NaN)."""
    if snapshot is _OPAQUE:
        return True
    if isinstance(snapshot, np.ndarray):
        return (isinstance(value, np.ndarray) and value.shape == snapshot.shape
                and value.dtype == snapshot.dtype and np.array_equal(value, snapshot, equal_nan=True))
    if isinstance(snapshot, (list, tuple)):
        kind = list if isinstance(snapshot, list) else tuple
        return (isinstance(value, kind) and len(value) == len(snapshot)
                and all(_unchanged(v, s) for v, s in zip(value, snapshot)))
    if isinstance(snapshot, dict):
        return (isinstance(value, dict) and value.keys() == snapshot.keys()
                and all(_unchanged(value[k], snapshot[k]) for k in snapshot))
    if type(value) is not type(snapshot):
        return False
    if isinstance(snapshot, numbers.Number) and snapshot != snapshot:  # NaN
        return value != value
    return bool(value == snapshot)


ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth")


def argument_label(position: int | str) -> str:
    """'second argument' for position 1, 'argument `size`' for a keyword."""
    if isinstance(position, str):
        return f"argument `{position}`"
    return f"{ORDINALS[position] if position < len(ORDINALS) else f'#{position + 1}'} argument"


def changed_input_message(where: str, value: Any, position: int | str) -> str:
    """What to tell a learner whose function changed the argument at ``position`` in place."""
    if isinstance(value, np.ndarray):
        return (f"{where} changed its input array in place ({argument_label(position)}). Work on a "
                f"copy (for example `image = image.astype(float)`) so the caller's data stays intact.")
    kind = type(value).__name__
    return (f"{where} changed its {argument_label(position)} (a {kind}) in place (append, pop, insert, "
            f"sort, or assigning to its items). Work on a copy (`values = list(values)` or "
            f"`np.array(values)`) so the caller's {kind} stays intact: the notebook's next cell uses it again.")


def call(func: Callable, *args: Any, name: str | None = None,
         timeout: float = DEFAULT_TIMEOUT_S, **kwargs: Any) -> Any:
    """Call the learner's ``func(*args, **kwargs)`` and return its result.

    Raises :class:`CheckFailure` with a plain-language message when the function is not
    written yet, raises, runs longer than ``timeout`` seconds, or modifies its inputs:
    arrays, and lists, tuples and dicts of numbers or arrays, are compared with a copy
    taken before the call.
    """
    return _checked_call(func, args, kwargs, name, timeout)


def _checked_call(func: Callable, args: tuple, kwargs: dict, name: str | None, timeout: float,
                  calls: int = 1) -> Any:
    """:func:`call`; with ``calls=2``, ``func`` is a grader's proxy whose ``call_twice`` makes both
    calls in one request, so the time limit covers two calls."""
    name = name or getattr(func, "__name__", "your function")
    where = signature(name, *args, **kwargs)
    if not callable(func):
        fail(f"Expected a function for `{name}`, got {describe(func)}. "
             f"Pass the function itself: check.{name}({name}), without parentheses after it.")
    inputs = list(enumerate(args)) + list(kwargs.items())
    before = [_snapshot(value) for _, value in inputs]
    try:
        with quiet(), _time_limit(timeout * calls):
            result = func.call_twice(*args, **kwargs) if calls == 2 else func(*args, **kwargs)
    except NotImplementedError:
        fail(f"`{name}` is not written yet: replace `raise NotImplementedError()` with your code.")
    except _Timeout:
        fail(f"{where} ran for more than {timeout:g} s. Look for a loop that never ends, "
             f"or loop over pixels only where the exercise asks for it.")
    except CheckFailure:
        raise
    except Exception as error:  # the learner's bug, reported without the traceback
        fail(f"{where} raised {type(error).__name__}: {error}")
    for (position, value), snapshot in zip(inputs, before):
        if not _unchanged(value, snapshot):
            fail(changed_input_message(where, value, position))
    return result


def same_result(first: Any, second: Any) -> bool:
    """True when two results of the same call are identical (arrays and nested lists
    element by element, NaN equal to NaN). Objects :func:`call` does not inspect count as equal."""
    if first is _OPAQUE or second is _OPAQUE:
        return True
    if isinstance(first, (np.ndarray, list, tuple)) or isinstance(second, (np.ndarray, list, tuple)):
        try:
            with quiet():
                a, b = np.asarray(first), np.asarray(second)
        except ValueError:  # ragged: compare as Python objects
            return type(first) is type(second) and len(first) == len(second) and \
                all(same_result(x, y) for x, y in zip(first, second))
        if a.shape != b.shape:
            return False
        if a.dtype == object or b.dtype == object:
            return all(same_result(x, y) for x, y in zip(a.ravel(), b.ravel()))
        if np.issubdtype(a.dtype, np.floating) and np.issubdtype(b.dtype, np.floating) and a.size:
            # libraries that split work between threads (OpenCV) may round the last bit
            # differently from one call to the next; anything a kept state does is larger
            with quiet():
                step = 64 * float(np.finfo(np.result_type(a.dtype, b.dtype)).eps) * float(np.nanmax(np.abs(a)))
                return bool(np.all((np.abs(a - b) <= step) | (np.isnan(a) & np.isnan(b)) | (a == b)))
        numeric = np.issubdtype(a.dtype, np.number) and np.issubdtype(b.dtype, np.number)
        return bool(np.array_equal(a, b, equal_nan=numeric))
    if isinstance(first, float) and isinstance(second, float) and first != first:
        return second != second
    try:
        return bool(first == second)
    except Exception:
        return first is second


def call_repeatably(func: Callable, *args: Any, name: str | None = None,
                    timeout: float = DEFAULT_TIMEOUT_S, **kwargs: Any) -> Any:
    """:func:`call` twice with the very same argument objects; return the first result.

    Fails when the second call gives another answer (results that are arrays, numbers,
    strings, or lists, tuples and dicts of them; other objects, such as models, are not
    compared): a function that keeps something between calls (a global, a default
    argument such as ``out=[]``) or uses up its input breaks the notebook's next cell,
    which calls it again.
    """
    if isinstance(getattr(type(func), "call_twice", None), FunctionType):
        # a function in a student's kernel, under the grader: both calls in one round trip
        results = _checked_call(func, args, kwargs, name, timeout, calls=2)
        if type(results) is not tuple or len(results) not in (1, 2):
            fail(f"`{name or func.__name__}` sent the grader an answer it cannot read.")
        first = results[0]
        kept = _snapshot(first)
        second = results[1] if len(results) == 2 else call(func, *args, name=name, timeout=timeout, **kwargs)
    else:
        first = call(func, *args, name=name, timeout=timeout, **kwargs)
        kept = _snapshot(first)  # the second call may change an object the first one returned
        second = call(func, *args, name=name, timeout=timeout, **kwargs)
    if kept is not _OPAQUE and not same_result(kept, second):
        where = signature(name or getattr(func, "__name__", "your function"), *args, **kwargs)
        fail(f"{where} gave a different result when it was called a second time with the same "
             f"inputs.\n  first call:  {show(_as_shown(kept))}\n  second call: {show(_as_shown(second))}\n"
             f"  A function must not keep anything between calls: look for a global variable "
             f"it changes, or a default argument such as `out=[]` that grows.")
    return first


def _as_shown(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        try:
            with quiet():
                array = np.asarray(value)
            if array.dtype != object:
                return array
        except ValueError:
            pass
    return value


def expect_raises(func: Callable, exception: type[BaseException], *args: Any,
                  name: str | None = None, why: str = "", mentioning: tuple[str, ...] = (),
                  **kwargs: Any) -> None:
    """Fail unless ``func(*args, **kwargs)`` raises ``exception`` (a clear error for bad input).

    With ``mentioning``, the error's message must also contain at least one of those
    words (case does not matter), so that it says what the contract says it says, e.g.
    the mode that was asked for or the modes that exist.
    """
    name = name or getattr(func, "__name__", "your function")
    where = signature(name, *args, **kwargs)
    inputs = list(enumerate(args)) + list(kwargs.items())
    before = [_snapshot(value) for _, value in inputs]
    try:
        with quiet(), _time_limit(DEFAULT_TIMEOUT_S):
            func(*args, **kwargs)
    except exception as error:
        for (position, value), snapshot in zip(inputs, before):
            if not _unchanged(value, snapshot):
                fail(changed_input_message(where, value, position))
        text = str(error)
        if mentioning and not any(word.lower() in text.lower() for word in mentioning):
            said = f"the message {text!r}" if text.strip() else "an empty message"
            fail(f"{where} raised {exception.__name__} with {said}, which does not say what is wrong. "
                 f"Mention {' or '.join(repr(w) for w in mentioning)} in it, e.g. "
                 f"raise {exception.__name__}(f\"... got {{...!r}}\"). {why}".strip())
        return
    except NotImplementedError:
        fail(f"`{name}` is not written yet: replace `raise NotImplementedError()` with your code.")
    except _Timeout:
        fail(f"{where} ran for more than {DEFAULT_TIMEOUT_S:g} s.")
    except Exception as error:
        fail(f"{where} raised {type(error).__name__} ({error}); expected {exception.__name__}. {why}".strip())
    fail(f"{where} returned normally; expected it to raise {exception.__name__}. {why}".strip())


def layout_dependent(func: Callable, args: tuple, kwargs: Mapping[str, Any],
                     is_right: Callable[[Any], bool]) -> bool:
    """True when some array argument is a view that is not C-contiguous (a slice with a
    step, a transpose) and ``func`` gives a right answer (``is_right``) for contiguous copies
    of the same arguments: the learner's code reads memory as if every array were laid out
    row by row (strides computed from the shape, ``.data``, ``np.frombuffer``)."""
    if not any(isinstance(a, np.ndarray) and not a.flags.c_contiguous for a in list(args) + list(kwargs.values())):
        return False

    def contiguous(value):
        return np.ascontiguousarray(value) if isinstance(value, np.ndarray) else value

    try:
        with quiet(), _time_limit(DEFAULT_TIMEOUT_S):
            result = func(*[contiguous(a) for a in args], **{k: contiguous(v) for k, v in kwargs.items()})
        return bool(is_right(result))
    except BaseException:  # noqa: BLE001 - any failure means: not explained by the layout
        return False


LAYOUT_MISTAKE = ("the code reads the array's memory as if it were laid out row by row: it is right on a "
                  "contiguous copy but wrong on this view (a slice with a step, or a transpose). "
                  "np.lib.stride_tricks.as_strided with strides computed from the shape, or .data and "
                  "np.frombuffer, do that; use the array's own .strides, "
                  "np.lib.stride_tricks.sliding_window_view, or np.ascontiguousarray(image) first")


# ---------------------------------------------------------------------------------------
# Comparing results


def to_array(got: Any, where: str) -> np.ndarray:
    """Accept arrays, lists and tuples of numbers; reject anything else with a clear message."""
    if isinstance(got, np.ndarray):
        array = got
    elif isinstance(got, (list, tuple)):
        try:
            with quiet():
                array = np.asarray(got)
        except ValueError:
            fail(f"{where} returned a ragged {type(got).__name__}: rows of different lengths.")
    else:
        extra = ""
        if hasattr(got, "__array__"):
            extra = " Convert it first: `np.asarray(result)`."
        fail(f"{where} returned {describe(got)}; expected a numpy array.{extra}")
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        fail(f"{where} returned {describe(array)}; expected numbers.")
    if np.issubdtype(array.dtype, np.complexfloating):
        fail(f"{where} returned {describe(array)}: complex numbers, where the result is real. "
             f"If they come from an FFT, keep the real part: `np.real(result)`.")
    return array


# ---------------------------------------------------------------------------------------
# Tolerances that follow the arithmetic

FLOAT32_EPS = float(np.finfo(np.float32).eps)  # 1.19e-07


def precision(dtype: Any) -> float:
    """The relative rounding step of the arithmetic behind a result of this dtype.

    The machine epsilon of a floating dtype (float16: 9.8e-4), but never less than
    float32's (1.2e-7): a float64 result may have been computed in float32 and converted,
    and no mistake in this course changes a result by a few float32 steps. Integer and
    bool results count as float32 too (their values are compared, whatever their type).
    """
    dtype = np.dtype(dtype)
    if np.issubdtype(dtype, np.inexact):
        return max(float(np.finfo(dtype).eps), FLOAT32_EPS)
    return FLOAT32_EPS


def rounding_error(dtype: Any, scale: Any, terms: int = 1) -> np.ndarray:
    """How far a right result of dtype ``dtype`` may be from the exact value, per element:
    ``precision(dtype) · (terms + 2) · |scale|``.

    ``scale`` is the sum of the absolute values of the terms added up to make each
    element (for a correlation: correlate |image| with |kernel|); ``terms`` is how many
    there are. Adding ``terms`` numbers one after another rounds ``terms − 1`` times and
    converting the two factors of each product rounds twice more, each time by at most
    half an epsilon of the sum of |terms|; the bound allows twice that worst case. It
    depends on the terms, not on the result: terms of ±1000 that cancel to 0.001 carry
    the rounding of ±1000.
    """
    return precision(dtype) * (terms + 2) * np.abs(np.asarray(scale, dtype=float))


@dataclass(frozen=True)
class Tolerance:
    """The largest accepted difference between a result and the oracle, per element:

        |got − expected| ≤ atol + rtol · |expected| + rounding_error(dtype of got, scale, terms)

    Without a ``scale`` it is numpy's ``allclose`` rule. With one, the bound follows the
    rounding of the computation (see :func:`rounding_error`): float32 arithmetic passes,
    and results whose terms are tiny get a tiny bound, so rounding them off or zeroing
    small values does not pass. ``scale`` is a number or an array of the expected shape.
    """
    atol: float = 0.0
    rtol: float = 0.0
    scale: Any = None
    terms: int = 1

    @classmethod
    def of(cls, atol: float | None = None, rtol: float | None = None, scale: Any = None,
           terms: int = 1) -> "Tolerance":
        """The tolerance :func:`expect_array` and :func:`expect_value` use: atol and rtol
        default to 1e-6 without a scale (the old fixed rule) and to 0 with one."""
        default = 1e-6 if scale is None else 0.0
        return cls(default if atol is None else atol, default if rtol is None else rtol, scale, terms)

    def bound(self, reference: Any, dtype: Any) -> Any:
        """The bound for each element of ``reference`` (the oracle, or a mistake's answer)
        when the learner's result has dtype ``dtype``."""
        reference = np.asarray(reference, dtype=float)
        with quiet():
            bound = self.atol + self.rtol * np.abs(reference)
        if self.scale is None:
            return bound
        scale = np.asarray(self.scale, dtype=float)
        if scale.ndim and scale.shape != reference.shape:  # a mistake of another shape
            scale = np.nanmax(scale) if scale.size else 0.0
        return bound + rounding_error(dtype, scale, self.terms)

    def close(self, got: Any, reference: Any) -> np.ndarray:
        """Element-wise: is ``got`` within the bound of ``reference``? NaN matches NaN, an
        infinity matches the same infinity."""
        got = np.asarray(got)
        g, r = got.astype(float), np.asarray(reference, dtype=float)
        with quiet():
            within = np.abs(g - r) <= self.bound(r, got.dtype)
        return within | (np.isnan(g) & np.isnan(r)) | (np.isinf(r) & (g == r))

    def matches(self, got: Any, reference: Any) -> bool:
        """Same shape and every element close."""
        got, reference = np.asarray(got), np.asarray(reference)
        return got.shape == reference.shape and bool(np.all(self.close(got, reference)))


def _matches(got: np.ndarray, candidate: np.ndarray, atol: float, rtol: float) -> bool:
    return Tolerance(atol, rtol).matches(got, candidate)


def name_mistake(got: Any, mistakes: Mapping[str, Any] | None, atol: float = 1e-6,
                 rtol: float = 1e-6, *, tolerance: Tolerance | None = None) -> str | None:
    """Return the description of the first known mistake that ``got`` reproduces.

    A mistake's answer may be an array, a number, or a function returning either (or None
    when the mistake does not apply to this input). ``tolerance`` (else atol and rtol)
    says how close counts as the same answer.
    """
    tolerance = tolerance or Tolerance(atol, rtol)
    for description, wrong in (mistakes or {}).items():
        try:
            with quiet():
                wrong = wrong() if callable(wrong) else wrong
        except Exception:  # a mistake model that does not apply to this input
            continue
        if wrong is None:
            continue
        if isinstance(got, np.ndarray) or isinstance(wrong, np.ndarray):
            wrong_array = np.asarray(wrong)
            got_array = np.asarray(got)
            if np.issubdtype(wrong_array.dtype, np.number) and \
                    (np.issubdtype(got_array.dtype, np.number) or got_array.dtype == bool) and \
                    tolerance.matches(got_array, wrong_array):
                return description
        elif _same_value(got, wrong, tolerance):
            return description
    return None


def _same_value(got: Any, expected: Any, tolerance: Tolerance) -> bool:
    """Two scalars: numbers within the tolerance (whole numbers exactly, however large),
    anything else by ==."""
    if isinstance(expected, numbers.Number) and isinstance(got, numbers.Number) and \
            not isinstance(got, (bool, np.bool_)):
        if isinstance(got, numbers.Integral) and isinstance(expected, numbers.Integral) and tolerance.scale is None:
            return abs(int(got) - int(expected)) <= tolerance.atol + tolerance.rtol * abs(int(expected))
        try:
            got_array = np.asarray(got) if isinstance(got, np.generic) else np.asarray(float(got))
            return bool(tolerance.close(got_array, float(expected)))
        except (OverflowError, TypeError):
            return False
    return got == expected


def _first_difference(got: np.ndarray, expected: np.ndarray, tolerance: Tolerance,
                      reveal: bool = True) -> str:
    bad = np.argwhere(~tolerance.close(got, expected))
    index = tuple(int(i) for i in bad[0])
    if not reveal:
        return (f"{len(bad)} of {expected.size} values are wrong; the first at index {index}, "
                f"where you have {got[index]:.6g}")
    return (f"{len(bad)} of {expected.size} values differ; the first at index {index}: "
            f"expected {expected[index]:.6g}, got {got[index]:.6g}")


def expect_array(got: Any, expected: np.ndarray, where: str, *, atol: float | None = None,
                 rtol: float | None = None, scale: Any = None, terms: int = 1,
                 mistakes: Mapping[str, Any] | None = None, reveal: bool = True) -> np.ndarray:
    """Fail unless ``got`` is an array (or list) equal to ``expected`` within tolerance.

    The tolerance is :meth:`Tolerance.of` (atol, rtol, scale, terms): pass ``scale`` (the
    sum of |terms| behind each element, a number or an array like ``expected``) and
    ``terms`` (how many terms each element sums) to let it follow the rounding of the
    computation and the dtype the learner returned; without a scale it is atol = rtol =
    1e-6 relative to ``expected``.

    ``mistakes`` maps a description ("the kernel was not flipped") to the wrong answer that
    mistake produces (an array, or a function returning it); the first one that matches
    ``got`` is named in the message. With ``reveal=False`` the message shows what the
    learner returned and which entries are wrong, but neither the expected values nor the
    expected shape: for questions whose answer is one fixed array (an exam question),
    printing it would hand out the answer.
    """
    tolerance = Tolerance.of(atol, rtol, scale, terms)
    array = to_array(got, where)
    expected = np.asarray(expected)
    if tolerance.matches(array, expected):
        return array
    lines = [f"{where} is not right."]
    if array.shape != expected.shape:
        lines.append(f"  expected shape {expected.shape}, got shape {array.shape}" if reveal else
                     f"  the shape {array.shape} is not the right shape")
    else:
        lines.append("  " + _first_difference(array, expected, tolerance, reveal))
    if reveal:
        lines.append(f"  expected: {show(expected)}")
    lines.append(f"  got:      {show(array)}")
    mistake = name_mistake(array, mistakes, tolerance=tolerance)
    if mistake:
        lines.append(f"  Likely mistake: {mistake}.")
    fail("\n".join(lines))
    return array  # unreachable; keeps type checkers calm


def expect_value(got: Any, expected: Any, where: str, *, atol: float = 0.0, rtol: float = 0.0,
                 scale: Any = None, terms: int = 1, integer: bool = False,
                 mistakes: Mapping[str, Any] | None = None, reveal: bool = True) -> Any:
    """Fail unless the scalar ``got`` equals ``expected`` (within tolerance for floats).

    The tolerance is atol + rtol·|expected|, plus, with a ``scale``, the rounding of the
    computation (:func:`rounding_error`). With ``integer=True`` the answer must be a whole
    number (an int, numpy int, or a float with no fractional part); counts of pixels or
    parameters are whole numbers. With ``reveal=False`` the message does not print
    ``expected``: for questions whose answer is one fixed number, printing it would hand
    out the answer.
    """
    tolerance = Tolerance(atol, rtol, scale, terms)
    if isinstance(got, np.ndarray) and got.ndim == 0:
        got = got[()]
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, numbers.Number):
        fail(f"{where} returned {describe(got)}; expected a number.")
    shown = got.item() if isinstance(got, np.generic) else got
    if isinstance(got, (complex, np.complexfloating)):
        fail(f"{where} returned the complex number {shown!r}; expected a real number.")
    if integer and not (isinstance(got, numbers.Integral) or (np.isfinite(float(got)) and float(got).is_integer())):
        fail(f"{where} returned {shown!r}, which is not a whole number. Counts are integers: "
             f"use `//` rather than `/`, or int().")
    if _same_value(got, expected, tolerance):
        return got
    message = (f"{where} returned {shown!r}; expected {expected!r}." if reveal else
               f"{where} returned {shown!r}, which is not the right answer.")
    mistake = name_mistake(got, mistakes, tolerance=tolerance)
    if mistake:
        message += f"\n  Likely mistake: {mistake}."
    fail(message)
