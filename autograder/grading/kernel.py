"""One student's kernel: start it in the sandbox, run cells with a time limit, answer calls.

A small synchronous client on top of jupyter_client, so that the grader decides exactly
what happens at a timeout (interrupt, then kill if the interrupt is ignored), when the
kernel dies (exit, crash, memory limit) and how much output it may send.
"""

from __future__ import annotations

import math
import queue
import time
from dataclasses import dataclass, field
from typing import Callable

import nbformat

from autograder.grading.codec import MIME, GradingTimeout, KernelDied, ProtocolError
from autograder.grading.records import Limits
from autograder.grading.sandbox import KernelHandle, Sandbox, new_key

MAX_FORWARDED_CHARS = 50_000     # per test cell: what student code prints while checked
INTERRUPT_GRACE_S = 5.0
MAX_MESSAGE_BYTES = 320 * 1024 * 1024  # a channel reply may be up to codec.MAX_REPLY_BYTES
FLOOD_FACTOR = 5                 # a cell sending this many times what it may keep is stopped


@dataclass
class CellRun:
    outputs: list = field(default_factory=list)
    status: str = "ok"            # ok | error | timeout | died | hung
    execution_count: int | None = None
    ename: str | None = None
    truncated: bool = False       # output was cut to the limits
    flooded: bool = False         # the cell was stopped for sending far too much output


class OutputBudget:
    """What the outputs of one notebook may still hold (characters)."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.left = limits.notebook_output_chars


class _Outputs:
    """Collects a cell's outputs like nbclient does, within the cell's and the notebook's limits."""

    def __init__(self, budget: OutputBudget):
        self.budget = budget
        self.outputs: list = []
        self.stream_chars = 0
        self.display_chars = 0
        self.received = 0
        self.truncated = False

    @property
    def flooded(self) -> bool:
        limits = self.budget.limits
        return self.received > FLOOD_FACTOR * (limits.stream_chars + limits.display_chars)

    def add(self, msg: dict) -> None:
        kind = msg["msg_type"]
        content = msg["content"]
        limits = self.budget.limits
        if kind == "clear_output":
            self.outputs.clear()
            return
        if kind == "stream":
            text = str(content.get("text", ""))
            self.received += len(text)
            room = max(min(limits.stream_chars - self.stream_chars, self.budget.left), 0)
            cut = len(text) > room
            text = text[:room]
            if text:
                self.stream_chars += len(text)
                self.budget.left -= len(text)
                last = self.outputs[-1] if self.outputs else None
                if last is not None and last.output_type == "stream" and last.name == content.get("name"):
                    last.text += text
                else:
                    self.outputs.append(nbformat.v4.new_output("stream", name=content.get("name", "stdout"),
                                                               text=text))
            if cut:
                self._truncate()
            return
        if kind in ("display_data", "execute_result", "error"):
            if kind != "error":
                data = content.get("data", {})
                if MIME in data:  # a channel reply of an earlier, abandoned request
                    return
                size = sum(len(v) if isinstance(v, str) else len(str(v)) for v in data.values())
                self.received += size
                if self.display_chars + size > limits.display_chars or size > self.budget.left:
                    self._truncate()
                    return
                self.display_chars += size
                self.budget.left -= size
            try:
                self.outputs.append(nbformat.v4.output_from_msg(msg))
            except (ValueError, KeyError):
                pass

    def _truncate(self) -> None:
        if not self.truncated:
            self.truncated = True
            self.outputs.append(nbformat.v4.new_output(
                "stream", name="stdout", text="\n[output truncated by the grader: too much output]\n"))


class KernelSession:
    """A kernel of one submission, forked in the worker's sandbox, reached over Unix sockets."""

    def __init__(self, sandbox: Sandbox, files: list[tuple[str, bytes]], workdir: str, extra_arguments: list[str],
                 limits: Limits, startup_timeout: float = 90.0):
        self.sandbox = sandbox
        self.files, self.workdir = files, workdir
        self.extra_arguments = list(extra_arguments)
        self.limits = limits
        self.startup_timeout = startup_timeout
        self.handle: KernelHandle | None = None
        self.kc = None
        self.alive = False
        self.starts = 0
        self.exit_codes: list[int | None] = []
        self.memory_seen = 0

    # ----------------------------------------------------------------------------------
    # life cycle

    def start(self) -> None:
        self.starts += 1
        key = new_key()
        handle = self.sandbox.start_kernel(files=self.files, workdir=self.workdir, argv=self.extra_arguments,
                                           key=key, limits=self.limits)
        kc = self._client(handle, key)
        kc.start_channels(hb=False)  # liveness comes from the sandbox, which sees the kernel exit
        try:
            self._wait_for_ready(kc, handle)
        except KernelDied:
            self._close(kc)
            self.sandbox.stop_kernel(handle)
            raise
        self.handle, self.kc, self.alive = handle, kc, True

    def _wait_for_ready(self, kc, handle: KernelHandle) -> None:
        """jupyter_client's wait_for_ready, with the sandbox's word on whether the kernel is alive
        (its heartbeat check gives false alarms on a busy machine)."""
        deadline = time.monotonic() + self.startup_timeout
        while True:
            msg_id = kc.kernel_info()
            try:
                reply = kc.get_shell_msg(timeout=1)
            except queue.Empty:
                reply = None
            if reply is not None and reply.get("parent_header", {}).get("msg_id") == msg_id:
                try:  # the iopub channel is connected too, or messages could be lost: start over
                    kc.get_iopub_msg(timeout=0.2)
                    break
                except queue.Empty:
                    pass
            if not self.sandbox.is_running(handle):
                raise KernelDied(f"the kernel did not start (exit status {handle.status})")
            if time.monotonic() > deadline:
                raise KernelDied(f"the kernel did not answer within {self.startup_timeout:g} s of its start")
        while True:  # what is left of the start on iopub
            try:
                kc.get_iopub_msg(timeout=0.2)
            except queue.Empty:
                break

    @staticmethod
    def _client(handle: KernelHandle, key: str):
        """A blocking client whose sockets drop any message larger than MAX_MESSAGE_BYTES, so a
        kernel cannot make the grader hold gigabytes of output."""
        import zmq
        from jupyter_client.blocking import BlockingKernelClient

        context = zmq.Context()
        context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        kc = BlockingKernelClient(context=context)
        kc.load_connection_info({"transport": "ipc", "ip": handle.ipc_prefix, "shell_port": 1, "iopub_port": 2,
                                 "stdin_port": 3, "control_port": 4, "hb_port": 5, "key": key,
                                 "signature_scheme": "hmac-sha256"})
        return kc

    def is_alive(self) -> bool:
        return self.handle is not None and self.sandbox.is_running(self.handle)

    def memory_limit_hits(self) -> int:
        """Memory-limit events of this session's kernels not reported yet."""
        if self.handle is None:
            return 0
        total = self.sandbox.memory_exceeded(self.handle)
        new = total - self.memory_seen
        self.memory_seen = total
        return new

    def stop(self) -> None:
        if self.kc is not None:
            self._close(self.kc)
        if self.handle is not None:
            if self.alive:
                self.exit_codes.append(None)
            self.sandbox.stop_kernel(self.handle)
        self.handle = self.kc = None
        self.alive = False
        self.memory_seen = 0

    def _mark_dead(self) -> None:
        if self.handle is not None:
            self.sandbox.poll()
            self.exit_codes.append(self.handle.status)
            if self.memory_limit_hits():
                self.memory_seen = 0
                self.died_of_memory = True
        self.alive = False
        handle, kc = self.handle, self.kc
        self.handle = self.kc = None
        if kc is not None:
            self._close(kc)
        if handle is not None:
            self.sandbox.stop_kernel(handle)

    @staticmethod
    def _close(kc) -> None:
        try:
            kc.stop_channels()
            kc.context.destroy(linger=0)
        except Exception:  # noqa: BLE001
            pass

    # ----------------------------------------------------------------------------------
    # messages

    def _collect(self, msg_id: str, deadline: float, sink: Callable[[dict], None],
                 stop: Callable[[], bool] = lambda: False) -> str:
        """Feed ``sink`` the iopub messages of ``msg_id`` until the kernel is idle.

        Returns 'idle', 'deadline', 'stopped' (``stop()`` said so) or 'died'."""
        kc = self.kc
        while True:
            if stop():
                return "stopped"
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "deadline"
            try:
                msg = kc.get_iopub_msg(timeout=min(remaining, 0.5))
            except queue.Empty:
                if not self.is_alive():
                    return "died"
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status":
                if msg["content"].get("execution_state") == "idle":
                    return "idle"
                continue
            sink(msg)

    def _reply(self, msg_id: str, timeout: float = 5.0) -> dict | None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                msg = self.kc.get_shell_msg(timeout=max(0.05, end - time.monotonic()))
            except queue.Empty:
                return None
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                return msg
        return None

    def _interrupt(self, msg_id: str, sink: Callable[[dict], None]) -> bool:
        """Interrupt the running request; True if the kernel came back (idle) in time."""
        try:
            self.sandbox.interrupt(self.handle)
        except Exception:  # noqa: BLE001
            return False
        state = self._collect(msg_id, time.monotonic() + INTERRUPT_GRACE_S, sink)
        if state == "idle":
            self._reply(msg_id, timeout=1.0)
            return True
        return False

    # ----------------------------------------------------------------------------------
    # cells

    def run_cell(self, source: str, timeout: float, budget: OutputBudget) -> CellRun:
        """Run a code cell of the student's notebook; never raises for the student's faults."""
        if not self.alive:
            raise KernelDied("the kernel is not running")
        outputs = _Outputs(budget)
        run = CellRun()

        def sink(msg: dict) -> None:
            if msg["msg_type"] == "execute_input":
                run.execution_count = msg["content"].get("execution_count")
            else:
                outputs.add(msg)

        msg_id = self.kc.execute(source, store_history=True, allow_stdin=False, stop_on_error=False)
        state = self._collect(msg_id, time.monotonic() + timeout, sink, stop=lambda: outputs.flooded)
        if state == "stopped":
            run.flooded = True
            state = "deadline"
        if state == "idle":
            reply = self._reply(msg_id)
            content = (reply or {}).get("content", {})
            if run.execution_count is None:
                run.execution_count = content.get("execution_count")
            has_error = any(o.output_type == "error" for o in outputs.outputs)
            if content.get("status") == "error" and not has_error:
                # student code silenced IPython's traceback display: record the error anyway
                outputs.outputs.append(nbformat.v4.new_output(
                    "error", ename=str(content.get("ename", "Error")), evalue=str(content.get("evalue", "")),
                    traceback=[f"{content.get('ename', 'Error')}: {content.get('evalue', '')}"]))
            errors = [o for o in outputs.outputs if o.output_type == "error"]
            if errors:
                run.status, run.ename = "error", errors[-1].ename
        elif state == "deadline":
            recovered = self._interrupt(msg_id, sink)
            outputs.outputs = [o for o in outputs.outputs if not (o.output_type == "error"
                                                                   and o.ename == "KeyboardInterrupt")]
            if run.flooded:
                name, text = "OutputLimitError", "the cell sent far more output than a notebook may keep"
            else:
                name, text = "CellTimeoutError", f"the cell ran longer than {timeout:g} s"
            outputs.outputs.append(nbformat.v4.new_output(
                "error", ename=name, evalue=text,
                traceback=[f"{name}: {text} and was stopped"
                           + ("" if recovered else "; the kernel ignored the interrupt and was restarted")]))
            run.status, run.ename = ("timeout" if recovered else "hung"), name
            if not recovered:
                self._mark_dead()
        else:
            self._mark_dead()
            code = self.exit_codes[-1] if self.exit_codes else None
            outputs.outputs.append(nbformat.v4.new_output(
                "error", ename="DeadKernelError", evalue=f"the kernel died (exit status {code})",
                traceback=[f"DeadKernelError: the kernel died while running this cell (exit status {code}); "
                           "it was restarted. Did the code call exit(), crash, or use more memory than allowed?"]))
            run.status, run.ename = "died", "DeadKernelError"
        run.outputs = outputs.outputs
        run.truncated = outputs.truncated
        return run

    def rpc(self, code: str, deadline: float | None, on_stream: Callable[[str, str], None] | None,
            buffers: list[bytes] = ()) -> str:
        """Run a channel request (see rpc.request_code; the request data in ``buffers``) and
        return the reply payload."""
        if not self.alive:
            raise KernelDied("the student's kernel is not running (it died or was stopped earlier)")
        reply: list[str] = []
        forwarded = [0]

        def sink(msg: dict) -> None:
            kind, content = msg["msg_type"], msg["content"]
            if kind == "display_data" and MIME in content.get("data", {}):
                reply.append(content["data"][MIME])
            elif kind == "stream" and on_stream is not None and forwarded[0] < MAX_FORWARDED_CHARS:
                text = str(content.get("text", ""))[: MAX_FORWARDED_CHARS - forwarded[0]]
                forwarded[0] += len(text)
                on_stream(str(content.get("name", "stdout")), text)

        content = {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                   "allow_stdin": False, "stop_on_error": False}
        msg = self.kc.session.msg("execute_request", content)
        self.kc.session.send(self.kc.shell_channel.socket, msg, buffers=list(buffers))
        msg_id = msg["header"]["msg_id"]
        end = deadline if deadline is not None else math.inf
        try:
            state = self._collect(msg_id, end, sink)
        except BaseException:  # e.g. the check's own time limit (SIGALRM) went off while waiting
            self._abandon(msg_id)
            raise
        if state == "deadline":
            self._abandon(msg_id)
            raise GradingTimeout("the student's code ran past the time limit of this test cell")
        if state == "died":
            self._mark_dead()
            code = self.exit_codes[-1] if self.exit_codes else None
            raise KernelDied(f"the kernel died while running the student's code (exit status {code})")
        self._reply(msg_id, timeout=1.0)
        if not reply:
            raise ProtocolError("the student's kernel sent no answer (its display machinery was changed?)")
        return reply[-1]

    def _abandon(self, msg_id: str) -> None:
        if self.alive and not self._interrupt(msg_id, lambda msg: None):
            self._mark_dead()
