"""Expected-versus-got feedback shared by every check.

A check calls the learner's function through :func:`call`, which turns every way a
candidate can misbehave (not written yet, raising, warning, running too long) into a
:class:`CheckFailure` with a one-paragraph message. It then compares the result with the
oracle through :func:`expect_array` or :func:`expect_value`; both name a known mistake
when the wrong answer matches one of the catalogue of typical errors.

Nothing here writes to stderr: nbgrader scores any test cell with stderr output as 0.
"""

from __future__ import annotations

import contextlib
import ctypes
import numbers
import re
import threading
import warnings
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
            text = np.array2string(value, precision=4, suppress_small=True, max_line_width=88)
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


def call(func: Callable, *args: Any, name: str | None = None,
         timeout: float = DEFAULT_TIMEOUT_S, **kwargs: Any) -> Any:
    """Call the learner's ``func(*args, **kwargs)`` and return its result.

    Raises :class:`CheckFailure` with a plain-language message when the function is not
    written yet, raises, runs longer than ``timeout`` seconds, or modifies its inputs.
    """
    name = name or getattr(func, "__name__", "your function")
    where = signature(name, *args, **kwargs)
    if not callable(func):
        fail(f"Expected a function for `{name}`, got {describe(func)}. "
             f"Pass the function itself: check.{name}({name}), without parentheses after it.")
    originals = [a for a in args if isinstance(a, np.ndarray)]
    copies = [a.copy() for a in originals]
    try:
        with quiet(), _time_limit(timeout):
            result = func(*args, **kwargs)
    except NotImplementedError:
        fail(f"`{name}` is not written yet: replace `raise NotImplementedError()` with your code.")
    except _Timeout:
        fail(f"{where} ran for more than {timeout:g} s. Look for a loop that never ends, "
             f"or loop over pixels only where the exercise asks for it.")
    except CheckFailure:
        raise
    except Exception as error:  # the learner's bug, reported without the traceback
        fail(f"{where} raised {type(error).__name__}: {error}")
    for original, copy in zip(originals, copies):
        if original.shape != copy.shape or not np.array_equal(original, copy, equal_nan=True):
            fail(f"{where} changed its input array in place. Work on a copy "
                 f"(for example `image = image.astype(float)`) so the caller's data stays intact.")
    return result


def expect_raises(func: Callable, exception: type[BaseException], *args: Any,
                  name: str | None = None, why: str = "", **kwargs: Any) -> None:
    """Fail unless ``func(*args, **kwargs)`` raises ``exception`` (a clear error for bad input)."""
    name = name or getattr(func, "__name__", "your function")
    where = signature(name, *args, **kwargs)
    try:
        with quiet(), _time_limit(DEFAULT_TIMEOUT_S):
            func(*args, **kwargs)
    except exception:
        return
    except NotImplementedError:
        fail(f"`{name}` is not written yet: replace `raise NotImplementedError()` with your code.")
    except _Timeout:
        fail(f"{where} ran for more than {DEFAULT_TIMEOUT_S:g} s.")
    except Exception as error:
        fail(f"{where} raised {type(error).__name__} ({error}); expected {exception.__name__}. {why}".strip())
    fail(f"{where} returned normally; expected it to raise {exception.__name__}. {why}".strip())


# ---------------------------------------------------------------------------------------
# Comparing results


def to_array(got: Any, where: str) -> np.ndarray:
    """Accept arrays, lists and tuples of numbers; reject anything else with a clear message."""
    if isinstance(got, np.ndarray):
        array = got
    elif isinstance(got, (list, tuple)):
        try:
            array = np.asarray(got)
        except ValueError:
            fail(f"{where} returned a ragged {type(got).__name__}: rows of different lengths.")
    else:
        fail(f"{where} returned {describe(got)}; expected a numpy array.")
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        fail(f"{where} returned {describe(array)}; expected numbers.")
    return array


def _matches(got: np.ndarray, candidate: np.ndarray, atol: float, rtol: float) -> bool:
    return got.shape == candidate.shape and bool(
        np.allclose(got.astype(float), candidate.astype(float), atol=atol, rtol=rtol, equal_nan=True))


def name_mistake(got: Any, mistakes: Mapping[str, Any] | None, atol: float = 1e-6,
                 rtol: float = 1e-6) -> str | None:
    """Return the description of the first known mistake that ``got`` reproduces."""
    for description, wrong in (mistakes or {}).items():
        try:
            wrong = wrong() if callable(wrong) else wrong
        except Exception:  # a mistake model that does not apply to this input
            continue
        if isinstance(got, np.ndarray) or isinstance(wrong, np.ndarray):
            wrong_array = np.asarray(wrong)
            if np.issubdtype(wrong_array.dtype, np.number) and _matches(np.asarray(got), wrong_array, atol, rtol):
                return description
        elif _same_value(got, wrong, atol, rtol):
            return description
    return None


def _same_value(got: Any, expected: Any, atol: float, rtol: float) -> bool:
    if isinstance(expected, numbers.Number) and isinstance(got, numbers.Number) and not isinstance(got, bool):
        return abs(float(got) - float(expected)) <= atol + rtol * abs(float(expected))
    return got == expected


def _first_difference(got: np.ndarray, expected: np.ndarray, atol: float, rtol: float,
                      reveal: bool = True) -> str:
    close = np.isclose(got.astype(float), expected.astype(float), atol=atol, rtol=rtol, equal_nan=True)
    bad = np.argwhere(~close)
    index = tuple(int(i) for i in bad[0])
    if not reveal:
        return (f"{len(bad)} of {expected.size} values are wrong; the first at index {index}, "
                f"where you have {got[index]:.6g}")
    return (f"{len(bad)} of {expected.size} values differ; the first at index {index}: "
            f"expected {expected[index]:.6g}, got {got[index]:.6g}")


def expect_array(got: Any, expected: np.ndarray, where: str, *, atol: float = 1e-6,
                 rtol: float = 1e-6, mistakes: Mapping[str, Any] | None = None,
                 reveal: bool = True) -> np.ndarray:
    """Fail unless ``got`` is an array (or list) equal to ``expected`` within tolerance.

    ``mistakes`` maps a description ("the kernel was not flipped") to the wrong answer that
    mistake produces (an array, or a function returning it); the first one that matches
    ``got`` is named in the message. With ``reveal=False`` the message shows what the
    learner returned and which entries are wrong, but neither the expected values nor the
    expected shape: for questions whose answer is one fixed array (an exam question),
    printing it would hand out the answer.
    """
    array = to_array(got, where)
    expected = np.asarray(expected)
    if array.shape == expected.shape and _matches(array, expected, atol, rtol):
        return array
    lines = [f"{where} is not right."]
    if array.shape != expected.shape:
        lines.append(f"  expected shape {expected.shape}, got shape {array.shape}" if reveal else
                     f"  the shape {array.shape} is not the right shape")
    else:
        lines.append("  " + _first_difference(array, expected, atol, rtol, reveal))
    if reveal:
        lines.append(f"  expected: {show(expected)}")
    lines.append(f"  got:      {show(array)}")
    mistake = name_mistake(array, mistakes, atol, rtol)
    if mistake:
        lines.append(f"  Likely mistake: {mistake}.")
    fail("\n".join(lines))
    return array  # unreachable; keeps type checkers calm


def expect_value(got: Any, expected: Any, where: str, *, atol: float = 0.0, rtol: float = 0.0,
                 integer: bool = False, mistakes: Mapping[str, Any] | None = None,
                 reveal: bool = True) -> Any:
    """Fail unless the scalar ``got`` equals ``expected`` (within tolerance for floats).

    With ``integer=True`` the answer must be a whole number (an int, numpy int, or a float
    with no fractional part); counts of pixels or parameters are whole numbers. With
    ``reveal=False`` the message does not print ``expected``: for questions whose answer is
    one fixed number, printing it would hand out the answer.
    """
    if isinstance(got, np.ndarray) and got.ndim == 0:
        got = got.item()
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, numbers.Number):
        fail(f"{where} returned {describe(got)}; expected a number.")
    if integer and not (np.isfinite(float(got)) and float(got).is_integer()):
        fail(f"{where} returned {got!r}, which is not a whole number. Counts are integers: "
             f"use `//` rather than `/`, or int().")
    if _same_value(got, expected, atol, rtol):
        return got
    message = (f"{where} returned {got!r}; expected {expected!r}." if reveal else
               f"{where} returned {got!r}, which is not the right answer.")
    mistake = name_mistake(got, mistakes, atol, rtol)
    if mistake:
        message += f"\n  Likely mistake: {mistake}."
    fail(message)
