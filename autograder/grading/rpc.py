"""The trusted half of the call channel: test cells run in the grader, student code in the kernel.

A test cell such as ``check.to_grayscale(to_grayscale)`` runs in the grading process, with
the instructor's ``check`` and numpy. The name ``to_grayscale`` is bound to a
:class:`Remote`: calling it sends the arguments to the student's kernel
(:mod:`autograder.grading.kernel_side`), which calls the student's function there and
sends back the result as plain data. The check then compares that data with its oracle
in a process the student's code never ran in, so patching ``autograder.check``, numpy,
builtins or IPython from a notebook changes nothing here.

Only data crosses back: :func:`decode` accepts a tree of None, bool, int, float, str,
bytes and tagged tuples (the unpickler refuses every class), rebuilds numpy arrays of
plain dtypes from their bytes, and represents anything else (a model, a generator…) as a
:class:`Remote` handle on the object that stays in the kernel.
"""

from __future__ import annotations

import base64
import builtins
import io
import pickle
import re
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

KERNEL_SOURCE = (Path(__file__).with_name("kernel_side.py")).read_text(encoding="utf-8")
MIME = "application/x-autograder-rpc"
MAX_REPLY_BYTES = 256 * 1024 * 1024
MAX_DECODED_BYTES = 1024 * 1024 * 1024
MISSING = object()  # describe(): the kernel does not bind this name (or binds a module)
_DTYPE = re.compile(r"^[<>|=]?[biufcmMSU][0-9]+(\[[0-9]*[A-Za-z]+\])?$")


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


def decode(tree: Any, channel: "KernelChannel | None" = None) -> Any:
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
        if tag == "keras" and len(rest) == 1 and type(rest[0]) is bytes:
            spend(len(rest[0]))
            return _load_keras(rest[0])
        if tag == "keras_history" and len(rest) == 3:
            return _keras_history(walk(rest[0], depth + 1), walk(rest[1], depth + 1), walk(rest[2], depth + 1))
        if tag == "keras_weights" and len(rest) == 1 and type(rest[0]) is list:
            return ("keras_weights", [walk(item, depth + 1) for item in rest[0]])
        if tag == "handle" and len(rest) == 5 and type(rest[0]) is int:
            type_name = rest[1] if type(rest[1]) is str else "object"
            text = rest[2] if type(rest[2]) is str else "<object>"
            name = rest[4] if type(rest[4]) is str else None
            return Remote(channel, ("handle", rest[0]), type_name, text, name=name)
        raise ProtocolError(f"unexpected item {tag!r} in the kernel's reply")

    try:
        return walk(tree, 0)
    except RecursionError:
        raise ProtocolError("the result is too deeply nested to check") from None


def _load_keras(data: bytes):
    """A Keras model sent by the kernel, loaded in Keras' safe mode (no lambda layers, no code)."""
    import os
    import tempfile

    try:
        import keras

        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "model.keras")
            with open(path, "wb") as handle:
                handle.write(data)
            return keras.saving.load_model(path, safe_mode=True)
    except Exception as error:  # noqa: BLE001
        raise ProtocolError(f"the student's Keras model could not be loaded safely (custom layers or code "
                            f"in the model?): {error}") from None


def _keras_history(history: Any, params: Any, epoch: Any):
    """A keras.callbacks.History holding the values the student's training recorded."""
    if type(history) is not dict or type(params) is not dict or type(epoch) is not list:
        raise ProtocolError("malformed Keras History")
    try:
        import keras

        result = keras.callbacks.History()
    except Exception as error:  # noqa: BLE001
        raise ProtocolError(f"a Keras History came back but Keras cannot be loaded: {error}") from None
    result.history, result.params, result.epoch = history, params, epoch
    return result


class Remote:
    """An object that lives in the student's kernel: a function, or a result that is not data.

    Calling it, or asking for an attribute, an item, its length or its items, asks the
    kernel. Special attributes (``__array__``, ``__eq__``…) are never forwarded, so numpy
    and the checks treat it as an opaque object unless its value was sent as data.
    """

    def __init__(self, channel: "KernelChannel | None", ref: tuple, type_name: str = "function",
                 text: str | None = None, name: str | None = None, doc: str | None = None,
                 qualname: str | None = None):
        object.__setattr__(self, "_channel", channel)
        object.__setattr__(self, "_ref", ref)
        object.__setattr__(self, "_type_name", type_name)
        object.__setattr__(self, "_text", text)
        object.__setattr__(self, "__name__", name or (ref[1] if ref[0] == "name" else type_name))
        object.__setattr__(self, "__qualname__", qualname or self.__name__)
        object.__setattr__(self, "__doc__", doc)

    def _ask(self, op: str, **fields: Any) -> Any:
        if self._channel is None:
            raise KernelDied("this object belonged to a kernel that is gone")
        return self._channel.request(op, self._ref, **fields)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._ask("call", args=args, kwargs=kwargs)

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        return self._ask("getattr", attr=attr)

    def __getitem__(self, key: Any) -> Any:
        return self._ask("getitem", key=key)

    def __len__(self) -> int:
        value = self._ask("len")
        if type(value) is not int:
            raise TypeError("len() of the student's object is not an int")
        return value

    def __iter__(self):
        value = self._ask("list")
        if type(value) is not list:
            raise TypeError("the student's object did not give a list of items")
        return iter(value)

    def __bool__(self) -> bool:
        value = self._ask("bool")
        return value is True

    def __repr__(self) -> str:
        if self._ref[0] == "name":
            return f"<function {self.__name__} (in the student's kernel)>"
        return self._text or f"<{self._type_name} in the student's kernel>"

    def __setattr__(self, attr: str, value: Any) -> None:
        raise AttributeError("objects in the student's kernel cannot be modified from a test")

    def __reduce__(self):
        raise TypeError("an object in the student's kernel cannot be copied")


class _RefPickler(pickle.Pickler):
    def persistent_id(self, obj: Any):  # noqa: D102
        if isinstance(obj, Remote):
            return obj._ref
        return None


def _dumps(request: dict) -> bytes:
    buffer = io.BytesIO()
    try:
        _RefPickler(buffer, protocol=4).dump(request)
    except (pickle.PicklingError, TypeError, AttributeError) as error:
        raise GradingError(f"the test passes a value that cannot be sent to the student's kernel: {error}") from None
    return buffer.getvalue()


INSTALL_CODE = ("exec(__import__('base64').b64decode('"
                + base64.b64encode(KERNEL_SOURCE.encode("utf-8")).decode("ascii")
                + "').decode('utf-8'), {'__name__': '_autograder_rpc', '_autograder_install': True})\n")
CALL_CODE = "__import__('sys').modules['_autograder_rpc_state'].serve(globals())"


def request_code(install: bool) -> str:
    """The cell the kernel executes for a request; the request itself is the message's buffer.
    The first request to a (re)started kernel also installs the kernel-side code."""
    return (INSTALL_CODE if install else "") + CALL_CODE


class KernelChannel:
    """Sends requests to one kernel session within the running test cell's deadline.

    ``session`` provides ``rpc(code, deadline, on_stream, buffers) -> str`` (the reply payload) and
    raises :class:`KernelDied` or :class:`GradingTimeout`. ``on_stream(name, text)``
    receives what the student's code prints while it runs.
    """

    def __init__(self, session: Any, on_stream: Callable[[str, str], None] | None = None):
        self.session = session
        self.on_stream = on_stream
        self.deadline: float | None = None
        self.errors_seen: list[str] = []
        self.events: list[str] = []    # "timeout" / "died" while the current test cell ran
        self._installed_at = None      # the kernel start (session.starts) the kernel-side code was sent to

    def request(self, op: str, ref: tuple | None = None, **fields: Any) -> Any:
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise GradingTimeout("the time limit of this test cell is used up")
        payload = _dumps({"op": op, "ref": ref, **fields})
        starts = getattr(self.session, "starts", None)
        install = self._installed_at != starts
        try:
            text = self.session.rpc(request_code(install), self.deadline, self.on_stream, [payload])
            self._installed_at = starts
        except KernelDied:
            self.events.append("died")
            raise
        except GradingTimeout:
            self.events.append("timeout")
            raise
        except GradingError:
            raise
        except BaseException:  # the check's own time limit went off while the student's code ran
            self.events.append("timeout")
            raise
        reply = load_reply(text)
        if type(reply) is not dict or type(reply.get("ok")) is not bool:
            raise ProtocolError("malformed reply")
        if not reply["ok"]:
            kind = reply.get("type") if type(reply.get("type")) is str else "Exception"
            module = reply.get("module") if type(reply.get("module")) is str else ""
            message = reply.get("message") if type(reply.get("message")) is str else ""
            self.errors_seen.append(kind)
            raise rebuild_exception(kind, module, message)
        if op == "describe":
            return reply.get("value")
        value = decode(reply.get("value"), self)
        if op == "call":
            self._write_back(fields.get("args", ()), fields.get("kwargs") or {}, reply.get("mutated"))
        return value

    def _write_back(self, args: tuple, kwargs: dict, mutated: Any) -> None:
        """Apply in-place changes the student's function made to array arguments, so that
        the checks see them as they would in one process."""
        if type(mutated) is not list:
            return
        for item in mutated:
            if type(item) is not tuple or len(item) != 2:
                continue
            key, tree = item
            attribute = None
            if type(key) is tuple and len(key) == 2 and type(key[1]) is str:
                key, attribute = key
            original = args[key] if type(key) is int and 0 <= key < len(args) else kwargs.get(key)
            if attribute is not None:
                if isinstance(original, Remote) or not isinstance(getattr(original, "__dict__", None), dict):
                    continue
                original = vars(original).get(attribute)
            changed = decode(tree, self)
            if type(changed) is tuple and changed and changed[0] == "keras_weights":
                if not isinstance(original, Remote) and hasattr(original, "set_weights"):
                    try:
                        original.set_weights(changed[1])
                    except Exception:  # noqa: BLE001 - a model whose shape the student changed
                        pass
                continue
            if not isinstance(original, np.ndarray):
                continue
            if isinstance(changed, np.ndarray) and changed.shape == original.shape and original.flags.writeable:
                np.copyto(original, changed, casting="unsafe")
            elif isinstance(changed, np.ndarray) and original.flags.writeable:
                original.fill(0)  # reshaped in place: make the change visible to the check

    def describe(self, names: list[str]) -> dict:
        """``{name: Remote | value | MISSING}``: what the kernel's namespace binds to each name.

        Functions and classes become :class:`Remote` objects called by name (so a later
        redefinition in the notebook is what a later test sees); data comes by value;
        a missing name, or a module, maps to MISSING (tests use the grader's own modules).
        """
        described = self.request("describe", None, names=list(names))
        if type(described) is not dict:
            raise ProtocolError("malformed reply to describe")
        bound = {}
        for name in names:
            entry = described.get(name)
            if type(entry) is not tuple or not entry or entry[0] in ("missing", "module"):
                bound[name] = MISSING
            elif entry[0] == "callable" and len(entry) == 4:
                text = lambda v: v if type(v) is str else None  # noqa: E731
                bound[name] = Remote(self, ("name", name), "function", name=text(entry[1]) or name,
                                     qualname=text(entry[2]), doc=text(entry[3]))
            elif entry[0] == "value" and len(entry) == 2:
                bound[name] = decode(entry[1], self)
            else:
                raise ProtocolError("malformed reply to describe")
        return bound
