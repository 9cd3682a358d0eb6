"""Objects that live in the student's kernel, as the trusted test cells see them."""

from __future__ import annotations

import io
import pickle
from typing import TYPE_CHECKING, Any

from autograder.grading.codec import GradingError, KernelDied

if TYPE_CHECKING:
    from autograder.grading.channel import KernelChannel

MISSING = object()  # describe(): the kernel does not bind this name (or binds a module)


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

    def call_twice(self, *args: Any, **kwargs: Any) -> tuple:
        """Call the object twice with the same arguments in one request (``feedback.call_repeatably``):
        ``(first, second)``, or ``(first,)`` when the first call changed an argument in place."""
        return self._ask("call", args=args, kwargs=kwargs, times=2)

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


def dumps(request: dict) -> bytes:
    buffer = io.BytesIO()
    try:
        _RefPickler(buffer, protocol=4).dump(request)
    except (pickle.PicklingError, TypeError, AttributeError) as error:
        raise GradingError(f"the test passes a value that cannot be sent to the student's kernel: {error}") from None
    return buffer.getvalue()
