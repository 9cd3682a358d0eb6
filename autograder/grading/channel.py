"""The trusted half of the call channel: test cells run in the grader, student code in the kernel.

A test cell such as ``check.to_grayscale(to_grayscale)`` runs in the grading process, with
the instructor's ``check`` and numpy. The name ``to_grayscale`` is bound to a
:class:`~autograder.grading.proxy.Remote`: calling it sends the arguments to the
student's kernel (:mod:`autograder.grading.kernel_side`), which calls the student's
function there and sends back the result as plain data (:mod:`autograder.grading.codec`).
The check then compares that data with its oracle in a process the student's code never
ran in, so patching ``autograder.check``, numpy, builtins or IPython from a notebook
changes nothing here.
"""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from autograder.grading import codec_keras
from autograder.grading.codec import (GradingError, GradingTimeout, KernelDied, ProtocolError, decode, load_reply,
                                      rebuild_exception)
from autograder.grading.proxy import MISSING, Remote, dumps

KERNEL_SOURCE = (Path(__file__).with_name("kernel_side.py").read_text(encoding="utf-8")
                 + "\n" + codec_keras.KERNEL_SOURCE)
# how a plug-in applies in-place changes to an argument: tag -> apply(original, changed)
WRITE_BACK: dict[str, Callable[[Any, Any], None]] = {"keras_weights": codec_keras.write_back}


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
        payload = dumps({"op": op, "ref": ref, **fields})
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
            if type(changed) is tuple and len(changed) == 2 and changed[0] in WRITE_BACK:
                if not isinstance(original, Remote):
                    WRITE_BACK[changed[0]](original, changed[1])
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
