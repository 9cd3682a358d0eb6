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
from pathlib import Path
from typing import Any, Callable

import nbformat

from autograder.grading.rpc import MIME, GradingTimeout, KernelDied, ProtocolError

MAX_STREAM_CHARS = 200_000       # per cell: text the student's code prints
MAX_DISPLAY_CHARS = 8_000_000    # per cell: figures and other rich output
MAX_FORWARDED_CHARS = 50_000     # per test cell: what student code prints while checked
INTERRUPT_GRACE_S = 5.0
MAX_MESSAGE_BYTES = 320 * 1024 * 1024  # a channel reply may be up to rpc.MAX_REPLY_BYTES


class SandboxFailed(RuntimeError):
    """The kernel could not be started in its sandbox (a grading problem, not the student's)."""


@dataclass
class CellRun:
    outputs: list = field(default_factory=list)
    status: str = "ok"            # ok | error | timeout | died | hung
    execution_count: int | None = None
    ename: str | None = None


class _Outputs:
    """Collects a cell's outputs like nbclient does, with size limits."""

    def __init__(self):
        self.outputs: list = []
        self.stream_chars = 0
        self.display_chars = 0
        self.truncated = False

    def add(self, msg: dict) -> None:
        kind = msg["msg_type"]
        content = msg["content"]
        if kind == "clear_output":
            self.outputs.clear()
            return
        if kind == "stream":
            text = str(content.get("text", ""))
            room = max(MAX_STREAM_CHARS - self.stream_chars, 0)
            cut = len(text) > room
            text = text[:room]
            if text:
                self.stream_chars += len(text)
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
                if self.display_chars + size > MAX_DISPLAY_CHARS:
                    self._truncate()
                    return
                self.display_chars += size
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
    """A kernel started from a kernel spec folder (the per-submission sandbox spec)."""

    def __init__(self, spec_dir: Path, kernel_name: str, extra_arguments: list[str],
                 startup_timeout: float = 90.0, log_path: Path | None = None,
                 cleanup: Callable[[], None] | None = None):
        self.spec_dir = Path(spec_dir)
        self.kernel_name = kernel_name
        self.extra_arguments = list(extra_arguments)
        self.startup_timeout = startup_timeout
        self.log_path = log_path
        self.cleanup = cleanup
        self.km = None
        self.kc = None
        self.alive = False
        self.starts = 0
        self.exit_codes: list[int | None] = []

    # ----------------------------------------------------------------------------------
    # life cycle

    def start(self) -> None:
        from jupyter_client import KernelManager
        from jupyter_client.kernelspec import KernelSpecManager

        self.starts += 1
        ksm = KernelSpecManager(kernel_dirs=[str(self.spec_dir)], ensure_native_kernel=False)
        km = KernelManager(kernel_name=self.kernel_name, kernel_spec_manager=ksm)
        log = open(self.log_path, "ab") if self.log_path else None  # noqa: SIM115 - the kernel keeps it
        try:
            km.start_kernel(extra_arguments=self.extra_arguments, stdout=log, stderr=log)
        finally:
            if log:
                log.close()
        kc = self._client(km)
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=self.startup_timeout)
        except RuntimeError as error:
            code = self._exit_code(km)
            self._close(kc)
            self._shutdown(km)
            detail = self._log_tail()
            if code == 97 or "autograder sandbox" in detail:
                raise SandboxFailed(f"the sandbox could not start the kernel: {detail or error}") from None
            raise KernelDied(f"the kernel did not start ({error}; exit status {code})") from None
        self.km, self.kc, self.alive = km, kc, True

    @staticmethod
    def _client(km):
        """A blocking client whose sockets drop any message larger than MAX_MESSAGE_BYTES, so a
        kernel cannot make the grader hold gigabytes of output."""
        import zmq
        from jupyter_client.blocking import BlockingKernelClient

        context = zmq.Context()
        context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        kc = BlockingKernelClient(parent=km, context=context)
        kc.load_connection_info(km.get_connection_info())
        return kc

    def _log_tail(self) -> str:
        if not self.log_path or not Path(self.log_path).exists():
            return ""
        lines = Path(self.log_path).read_text(errors="replace").strip().splitlines()
        picked = [line for line in lines if "autograder sandbox" in line] or lines[-3:]
        return " ".join(picked)[-500:]

    @staticmethod
    def _exit_code(km) -> int | None:
        process = getattr(getattr(km, "provisioner", None), "process", None)
        return process.poll() if process is not None else None

    @staticmethod
    def _shutdown(km) -> None:
        try:
            km.shutdown_kernel(now=True)
        except Exception:  # noqa: BLE001 - already gone
            pass

    def stop(self) -> None:
        if self.kc is not None:
            self._close(self.kc)
        if self.km is not None:
            if self.alive:
                self.exit_codes.append(None)
            self._shutdown(self.km)
        self.km = self.kc = None
        self.alive = False
        if self.cleanup:
            self.cleanup()

    def _mark_dead(self) -> None:
        if self.km is not None:
            self.exit_codes.append(self._exit_code(self.km))
        self.alive = False
        km, kc = self.km, self.kc
        self.km = self.kc = None
        if kc is not None:
            self._close(kc)
        if km is not None:
            self._shutdown(km)
        if self.cleanup:
            self.cleanup()

    @staticmethod
    def _close(kc) -> None:
        try:
            kc.stop_channels()
            kc.context.destroy(linger=0)
        except Exception:  # noqa: BLE001
            pass

    def restart(self) -> None:
        self.stop()
        self.start()

    # ----------------------------------------------------------------------------------
    # messages

    def _collect(self, msg_id: str, deadline: float, sink: Callable[[dict], None]) -> str:
        """Feed ``sink`` the iopub messages of ``msg_id`` until the kernel is idle.

        Returns 'idle', 'deadline' or 'died'."""
        kc, km = self.kc, self.km
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "deadline"
            try:
                msg = kc.get_iopub_msg(timeout=min(remaining, 0.5))
            except queue.Empty:
                if not km.is_alive():
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
            self.km.interrupt_kernel()
        except Exception:  # noqa: BLE001
            return False
        state = self._collect(msg_id, time.monotonic() + INTERRUPT_GRACE_S, sink)
        if state == "idle":
            self._reply(msg_id, timeout=1.0)
            return True
        return False

    # ----------------------------------------------------------------------------------
    # cells

    def run_cell(self, source: str, timeout: float) -> CellRun:
        """Run a code cell of the student's notebook; never raises for the student's faults."""
        if not self.alive:
            raise KernelDied("the kernel is not running")
        outputs = _Outputs()
        run = CellRun()

        def sink(msg: dict) -> None:
            if msg["msg_type"] == "execute_input":
                run.execution_count = msg["content"].get("execution_count")
            else:
                outputs.add(msg)

        msg_id = self.kc.execute(source, store_history=True, allow_stdin=False, stop_on_error=False)
        state = self._collect(msg_id, time.monotonic() + timeout, sink)
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
            outputs.outputs.append(nbformat.v4.new_output(
                "error", ename="CellTimeoutError", evalue=f"the cell ran longer than {timeout:g} s",
                traceback=[f"CellTimeoutError: the cell ran longer than {timeout:g} s and was stopped"
                           + ("" if recovered else "; the kernel ignored the interrupt and was restarted")]))
            run.status, run.ename = ("timeout" if recovered else "hung"), "CellTimeoutError"
            if not recovered:
                self._mark_dead()
        else:
            code = self._exit_code(self.km)
            self._mark_dead()
            outputs.outputs.append(nbformat.v4.new_output(
                "error", ename="DeadKernelError", evalue=f"the kernel died (exit status {code})",
                traceback=[f"DeadKernelError: the kernel died while running this cell (exit status {code}); "
                           "it was restarted. Did the code call exit(), crash, or use more memory than allowed?"]))
            run.status, run.ename = "died", "DeadKernelError"
        run.outputs = outputs.outputs
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
            code = self._exit_code(self.km)
            self._mark_dead()
            raise KernelDied(f"the kernel died while running the student's code (exit status {code})")
        self._reply(msg_id, timeout=1.0)
        if not reply:
            raise ProtocolError("the student's kernel sent no answer (its display machinery was changed?)")
        return reply[-1]

    def _abandon(self, msg_id: str) -> None:
        if self.alive and not self._interrupt(msg_id, lambda msg: None):
            self._mark_dead()

    def info(self) -> dict[str, Any]:
        return {"starts": self.starts, "exit_codes": list(self.exit_codes)}
