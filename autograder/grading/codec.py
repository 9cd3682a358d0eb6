"""The data the student's kernel may send to the grader, and how it is rebuilt.

A reply is a pickle that may hold no class at all (:func:`load_reply` refuses every
``find_class``), only a tree of None, bool, int, float, str, bytes and tagged tuples.
:func:`decode` rebuilds numpy arrays of plain dtypes from their bytes and the other
tagged values, and turns anything that is not data into a
:class:`~autograder.grading.proxy.Remote` handle on the object that stays in the kernel.
Plug-ins add tags (:data:`DECODERS`; see :mod:`autograder.grading.codec_keras`).
"""

from __future__ import annotations

import base64
import builtins
import io
import pickle
import re
from typing import Any, Callable

import numpy as np

MIME = "application/x-autograder-rpc"
MAX_REPLY_BYTES = 256 * 1024 * 1024
MAX_DECODED_BYTES = 1024 * 1024 * 1024
_DTYPE = re.compile(r"^[<>|=]?[biufcmMSU][0-9]+(\[[0-9]*[A-Za-z]+\])?$")

# tag -> decoder(rest, walk, spend): the plug-ins' values (walk decodes a nested item,
# spend(n) counts n bytes against the reply's budget)
DECODERS: dict[str, Callable[[tuple, Callable[[Any], Any], Callable[[int], None]], Any]] = {}


class GradingError(Exception):
    """Base class of the channel's errors; they fail the test cell that was running."""


class KernelDied(GradingError):
    """The student's kernel died (exit, crash or memory limit) while or before it was asked."""


class GradingTimeout(GradingError):
    """The student's code ran longer than the time limit of the test cell."""


class ProtocolError(GradingError):
    """The kernel's reply is not data the grader accepts."""


class StudentError(Exception):
    """An exception raised by the student's code whose class is not a Python builtin."""


_BUILTIN_EXCEPTIONS = {name: value for name, value in vars(builtins).items()
                       if isinstance(value, type) and issubclass(value, Exception)
                       and name not in ("StopIteration", "StopAsyncIteration")}


def rebuild_exception(kind: str, module: str, message: str) -> Exception:
    """The exception the student's code raised, as an object of a trusted class."""
    if module == "builtins" and kind in _BUILTIN_EXCEPTIONS:
        try:
            return _BUILTIN_EXCEPTIONS[kind](message)
        except Exception:  # noqa: BLE001 - e.g. UnicodeDecodeError wants five arguments
            pass
    name = kind if kind.isidentifier() and len(kind) < 80 else "StudentError"
    return type(name, (StudentError,), {"__module__": "student"})(message)


class _DataOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str):  # noqa: D102
        raise ProtocolError(f"the kernel sent an object of class {module}.{name}; only data is accepted")

    def persistent_load(self, pid):  # noqa: D102
        raise ProtocolError("the kernel sent a persistent reference")


def load_reply(text: str) -> Any:
    """Unpickle a kernel's reply, allowing no class at all (so no code can run)."""
    if not isinstance(text, str) or len(text) > MAX_REPLY_BYTES:
        raise ProtocolError("the kernel's reply is missing or too large")
    try:
        return _DataOnly(io.BytesIO(base64.b64decode(text, validate=True))).load()
    except ProtocolError:
        raise
    except Exception as error:  # noqa: BLE001
        raise ProtocolError(f"the kernel's reply could not be read: {error}") from None


def _dtype(text: Any) -> np.dtype:
    if not isinstance(text, str) or not _DTYPE.match(text):
        raise ProtocolError(f"unexpected array dtype {text!r}")
    dtype = np.dtype(text)
    if dtype.hasobject or dtype.fields is not None:
        raise ProtocolError(f"unexpected array dtype {text!r}")
    return dtype


def _shape(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or len(value) > 32 or not all(type(n) is int and n >= 0 for n in value):
        raise ProtocolError("unexpected array shape")
    return tuple(value)


def decode(tree: Any, channel: Any = None) -> Any:
    """Rebuild a value from the plain tree the kernel sent."""
    budget = [MAX_DECODED_BYTES]

    def spend(n: int) -> None:
        budget[0] -= n
        if budget[0] < 0:
            raise ProtocolError("the result is too large to check")

    def walk(node: Any, depth: int) -> Any:
        if depth > 80:
            raise ProtocolError("the result is too deeply nested to check")
        if node is None or type(node) in (bool, int, float):
            return node
        if type(node) in (str, bytes):
            spend(len(node))
            return node
        if type(node) is not tuple or not node or type(node[0]) is not str:
            raise ProtocolError("malformed reply")
        tag, rest = node[0], node[1:]
        if tag == "nd" and len(rest) == 3 and type(rest[2]) is bytes:
            dtype, shape = _dtype(rest[0]), _shape(rest[1])
            size = int(np.prod(shape, dtype=np.int64)) if shape else 1
            if size * dtype.itemsize != len(rest[2]):
                raise ProtocolError("array bytes do not match its shape")
            spend(len(rest[2]))
            return np.frombuffer(rest[2], dtype=dtype).reshape(shape).copy()
        if tag == "nd_obj" and len(rest) == 2 and type(rest[1]) is list:
            shape = _shape(rest[0])
            items = [walk(item, depth + 1) for item in rest[1]]
            if len(items) != (int(np.prod(shape, dtype=np.int64)) if shape else 1):
                raise ProtocolError("object array items do not match its shape")
            array = np.empty(len(items), dtype=object)
            array[:] = items if items else []
            return array.reshape(shape)
        if tag == "np" and len(rest) == 2 and type(rest[1]) is bytes:
            dtype = _dtype(rest[0])
            if len(rest[1]) != dtype.itemsize:
                raise ProtocolError("scalar bytes do not match its dtype")
            return np.frombuffer(rest[1], dtype=dtype)[0].copy()
        if tag == "complex" and len(rest) == 2 and all(type(x) is float for x in rest):
            return complex(rest[0], rest[1])
        if tag in ("bytes", "bytearray") and len(rest) == 1 and type(rest[0]) is bytes:
            spend(len(rest[0]))
            return bytearray(rest[0]) if tag == "bytearray" else rest[0]
        if tag == "fraction" and len(rest) == 2 and all(type(x) is int for x in rest) and rest[1] != 0:
            import fractions
            return fractions.Fraction(rest[0], rest[1])
        if tag == "decimal" and len(rest) == 1 and type(rest[0]) is str and len(rest[0]) < 10_000:
            import decimal
            return decimal.Decimal(rest[0])
        if tag == "range" and len(rest) == 3 and all(type(x) is int for x in rest) and rest[2] != 0:
            return range(*rest)
        if tag in ("list", "tuple", "set", "frozenset") and len(rest) == 1 and type(rest[0]) is list:
            items = [walk(item, depth + 1) for item in rest[0]]
            spend(8 * len(items))
            try:
                return {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}[tag](items)
            except TypeError as error:
                raise ProtocolError(f"malformed {tag}: {error}") from None
        if tag == "dict" and len(rest) == 1 and type(rest[0]) is list:
            result = {}
            for pair in rest[0]:
                if type(pair) is not tuple or len(pair) != 2:
                    raise ProtocolError("malformed dict")
                try:
                    result[walk(pair[0], depth + 1)] = walk(pair[1], depth + 1)
                except TypeError as error:
                    raise ProtocolError(f"malformed dict: {error}") from None
            return result
        if tag == "handle" and len(rest) == 5 and type(rest[0]) is int:
            from autograder.grading.proxy import Remote

            type_name = rest[1] if type(rest[1]) is str else "object"
            text = rest[2] if type(rest[2]) is str else "<object>"
            name = rest[4] if type(rest[4]) is str else None
            return Remote(channel, ("handle", rest[0]), type_name, text, name=name)
        if tag in DECODERS:
            return DECODERS[tag](rest, lambda item: walk(item, depth + 1), spend)
        raise ProtocolError(f"unexpected item {tag!r} in the kernel's reply")

    try:
        return walk(tree, 0)
    except RecursionError:
        raise ProtocolError("the result is too deeply nested to check") from None
