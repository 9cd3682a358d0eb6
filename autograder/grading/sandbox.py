"""A grading worker's sandbox: bubblewrap running the kernel template.

One :class:`Sandbox` per grading worker process. It starts
:mod:`autograder.grading.zygote` inside a sandbox made by a standard tool and asks it for
one kernel per submission (see that module for what each kernel gets of its own).

The sandbox is made by **bubblewrap** (Debian package ``bubblewrap``): new user, PID,
network, IPC, UTS and cgroup namespaces; a root file system that is an empty tmpfs
holding, read-only, only ``/usr`` (without ``/usr/local``), the Python installation, the
virtual environment, the course package and its data, and three generated files in
``/etc``; a size-limited ``/tmp``; a minimal ``/dev``; a new session; killed with its
parent. Without root, bubblewrap uses unprivileged user namespaces. Run as root, the
sandbox is started as an unprivileged user (``nobody`` by default), so no process of a
submission ever has root's user id. Every folder is bound from a descriptor the grader
opened, so the sandbox user needs no access to the paths leading to them.

Nothing the sandbox runs writes to the course: the grader receives the outputs through
the kernel protocol and the recorder writes them as the instructor.
"""

from __future__ import annotations

import concurrent.futures
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from autograder.grading import limits as limits_mod
from autograder.grading import zygote
from autograder.grading.records import Limits

INSIDE_UID = 1000
READY_TIMEOUT_S = 180.0


# bubblewrap's --die-with-parent (PR_SET_PDEATHSIG) fires when the *thread* that started the
# sandbox exits, not the process. Dask runs tasks on threads that come and go, and a sandbox
# started from one of them died with it, taking a submission with it. So every sandbox is
# started from this one thread, which lives as long as the process.
_SPAWNER = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-spawner")


def _popen_from_a_lasting_thread(argv: list[str], **options) -> subprocess.Popen:
    """subprocess.Popen(argv, **options), started from the process-lifetime spawner thread."""
    return _SPAWNER.submit(subprocess.Popen, argv, **options).result()


class SandboxError(RuntimeError):
    """The sandbox could not be started or stopped answering (a grading problem, not the student's)."""


@dataclass(frozen=True)
class SandboxConfig:
    """What a worker's sandbox is made of."""
    preload: tuple[str, ...] = ()          # modules the template imports besides the kernel's own
    user: str = "nobody"                   # whom the sandbox runs as when the grader is root
    cgroups: bool = True                   # use cgroups when available (else the template's watchdog)


@dataclass
class KernelHandle:
    """A running kernel in the sandbox: its number and the descriptor of its socket folder."""
    number: int
    folder_fd: int
    exited: bool = False
    status: int | None = None
    memory_events: int = 0
    cgroup: limits_mod.Cgroup | None = None

    @property
    def ipc_prefix(self) -> str:
        return f"/proc/self/fd/{self.folder_fd}/k"


# --------------------------------------------------------------------------------------
# What the sandbox shows


def _python_prefixes() -> list[str]:
    """The virtual environment and the Python installation it runs on."""
    found = {sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix}
    executable = os.path.realpath(sys.executable)
    found.add(os.path.dirname(os.path.dirname(executable)))
    return sorted({os.path.realpath(p) for p in found if p and os.path.isdir(p)})


def _package_folders() -> list[str]:
    """The course package and its data files (outside site-packages in an editable install)."""
    import autograder
    from autograder import paths

    return sorted({os.path.realpath(Path(autograder.__file__).parent), os.path.realpath(paths.data_dir())})


def read_only_binds() -> list[str]:
    """Host folders the sandbox sees, read-only, at the same paths; nothing else of the host is visible."""
    wanted = ["/usr", *_python_prefixes(), *_package_folders()]
    binds: list[str] = []
    for path in sorted(set(wanted), key=lambda p: (p.count("/"), p)):
        if any(path == b or path.startswith(b.rstrip("/") + "/") for b in binds if b != "/usr"):
            continue  # already inside a bound folder
        binds.append(path)
    return binds


def _etc_files(user_name: str) -> dict[str, bytes]:
    return {
        "/etc/passwd": f"{user_name}:x:{INSIDE_UID}:{INSIDE_UID}::/tmp/.home:/bin/sh\n".encode(),
        "/etc/group": f"{user_name}:x:{INSIDE_UID}:\n".encode(),
        "/etc/hosts": b"127.0.0.1 localhost sandbox\n",
    }


def _environment() -> dict[str, str]:
    bin_dir = os.path.join(sys.prefix, "bin")
    return {"PATH": f"{bin_dir}:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": "/tmp/.zygote",
            "USER": "student", "LOGNAME": "student", "MPLCONFIGDIR": "/tmp/.zygote/matplotlib",
            "PYTHONDONTWRITEBYTECODE": "1", "PYTHONWARNINGS": "ignore", "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "3",
            "TF_ENABLE_ONEDNN_OPTS": "0", "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1",
            "NBGRADER_EXECUTION": "autograde", "COURSE_OFFLINE": os.environ.get("COURSE_OFFLINE", "1")}


def kernel_environment() -> dict[str, str]:
    """The whole environment of a student's kernel: nothing of the grader's is inherited."""
    env = _environment()
    env.pop("MPLCONFIGDIR")
    env["HOME"] = "/tmp/.home"
    return env


def _matplotlib_fontlist() -> tuple[str, bytes] | None:
    try:
        import matplotlib

        found = sorted(Path(matplotlib.get_cachedir()).glob("fontlist-*.json"))
        return (found[-1].name, found[-1].read_bytes()) if found else None
    except Exception:  # noqa: BLE001 - only a speed-up
        return None


def _data_fd(data: bytes) -> int:
    """A descriptor from which ``data`` can be read (bwrap --ro-bind-data)."""
    read, write = os.pipe()
    os.write(write, data)  # small: fits in the pipe's buffer
    os.close(write)
    return read


def bwrap_command(control_fd: int, user_name: str) -> tuple[list[str], list[int]]:
    """The bubblewrap command line and the descriptors it reads (the generated /etc files)."""
    fds: list[int] = []
    argv = ["bwrap", "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--uid", str(INSIDE_UID), "--gid", str(INSIDE_UID), "--hostname", "grader",
            "--die-with-parent", "--new-session", "--clearenv", "--tmpfs", "/", "--proc", "/proc", "--dev", "/dev",
            "--size", str(256 * 1024 * 1024), "--tmpfs", "/tmp", "--dir", "/etc", "--dir", "/run"]
    for path in read_only_binds():
        argv += ["--ro-bind", path, path]
        if path == "/usr" and os.path.isdir("/usr/local") and not any(
                p.startswith("/usr/local/") or p == "/usr/local" for p in _python_prefixes() + _package_folders()):
            argv += ["--tmpfs", "/usr/local"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        host = f"/{name}"
        if os.path.islink(host):
            argv += ["--symlink", os.readlink(host), host]
        elif os.path.isdir(host):
            argv += ["--ro-bind", host, host]
    for name in ("/etc/ld.so.cache", "/etc/localtime", "/etc/nsswitch.conf"):
        if os.path.exists(name):
            argv += ["--ro-bind", name, name]
    for name, data in _etc_files(user_name).items():
        fd = _data_fd(data)
        fds.append(fd)
        argv += ["--ro-bind-data", str(fd), name]
    for key, value in _environment().items():
        argv += ["--setenv", key, value]
    argv += ["--chdir", "/", os.path.join(sys.prefix, "bin", "python"), "-I", "-m", "autograder.grading.zygote",
             "--fd", str(control_fd)]
    return argv, fds


def _can_enter(path: str, uid: int, gid: int) -> bool:
    info = os.stat(path)
    if info.st_uid == uid:
        return bool(info.st_mode & 0o100)
    if info.st_gid == gid:
        return bool(info.st_mode & 0o010)
    return bool(info.st_mode & 0o001)


def as_user_prefix(uid: int, gid: int) -> list[str]:
    """The command that starts the sandbox as ``uid`` when the grader is root.

    The sandbox user may be unable to enter a folder on the way to what the sandbox shows
    (a Python installed under /root, say). A privileged bubblewrap then only makes a
    private mount namespace in which each such folder is an empty tmpfs holding just the
    needed subfolders, and setpriv drops to ``uid`` (no capabilities, no supplementary
    groups) before the sandbox's own bubblewrap runs.
    """
    closed: dict[str, list[str]] = {}
    for path in read_only_binds():
        parts = Path(path).parts
        for depth in range(2, len(parts)):
            folder = str(Path(*parts[:depth]))
            if not _can_enter(folder, uid, gid):
                closed.setdefault(folder, []).append(path)
                break
    prefix: list[str] = []
    if closed:
        prefix = ["bwrap", "--dev-bind", "/", "/", "--die-with-parent"]
        for folder, inside in sorted(closed.items()):
            prefix += ["--perms", "0755", "--tmpfs", folder]
            for path in inside:
                between = Path(path).relative_to(folder).parts[:-1]
                for depth in range(1, len(between) + 1):
                    prefix += ["--perms", "0755", "--dir", str(Path(folder, *between[:depth]))]
                prefix += ["--bind", path, path]
        prefix.append("--")
    return prefix + ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--inh-caps=-all",
                     "--bounding-set=-all", "--"]


# --------------------------------------------------------------------------------------
# The grader's side


def _sandbox_user(config: SandboxConfig) -> tuple[int, int] | None:
    """(uid, gid) to run the sandbox as when the grader is root, else None (run as ourselves)."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(config.user)
        return entry.pw_uid, entry.pw_gid
    except KeyError:
        return 65534, 65534


def bwrap_available() -> str | None:
    """None when bubblewrap can make a sandbox here, else why not."""
    if not sys.platform.startswith("linux"):
        return "sandboxes need Linux"
    if shutil.which("bwrap") is None:
        return "bubblewrap is not installed (Debian/Ubuntu: apt install bubblewrap)"
    under_tmp = [p for p in _python_prefixes() if p == "/tmp" or p.startswith("/tmp/")]
    if under_tmp:
        return (f"the grader's Python environment ({under_tmp[0]}) is under /tmp, which every sandbox "
                f"replaces with its own empty /tmp: install it in another folder")
    return None


class Sandbox:
    """The template in its sandbox, and the kernels it forks. Thread-safe (one lock)."""

    def __init__(self, config: SandboxConfig = SandboxConfig()):
        self.config = config
        self.process: subprocess.Popen | None = None
        self.control: socket.socket | None = None
        self.lock = threading.RLock()
        self.kernels: dict[int, KernelHandle] = {}
        self.counter = 0
        self.log_path: Path | None = None
        self.cgroups = None

    # ----------------------------------------------------------------------------------
    # life cycle

    def start(self) -> None:
        with self.lock:
            if self.alive():
                return
            self.close()
            if problem := bwrap_available():
                raise SandboxError(problem)
            ours, theirs = socket.socketpair()
            user = _sandbox_user(self.config)
            argv, fds = bwrap_command(theirs.fileno(), pwd.getpwuid(user[0]).pw_name if user else "student")
            fds.append(theirs.fileno())
            if user is not None:
                argv = as_user_prefix(*user) + argv
            log = tempfile.NamedTemporaryFile(prefix="autograder-sandbox-", suffix=".log", delete=False)  # noqa: SIM115
            self.log_path = Path(log.name)
            try:
                self.process = _popen_from_a_lasting_thread(argv, stdin=subprocess.DEVNULL, stdout=log,
                                                            stderr=log, pass_fds=fds, close_fds=True)
            finally:
                log.close()
                for fd in fds:
                    if fd != theirs.fileno():
                        os.close(fd)
                theirs.close()
            self.control = ours
            zygote.send(ours, {"preload": list(self.config.preload), "mpl_fontlist": _matplotlib_fontlist(),
                               "env": {}})
            self._wait(lambda m: m.get("op") == "ready", READY_TIMEOUT_S)
            self.cgroups = limits_mod.detect(user) if self.config.cgroups else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None and self.control is not None

    def close(self) -> None:
        with self.lock:
            for handle in list(self.kernels.values()):
                self._release(handle)
            self.kernels.clear()
            if self.control is not None:
                self.control.close()
                self.control = None
            if self.process is not None:
                if self.process.poll() is None:
                    self.process.kill()
                self.process.wait()
                self.process = None
            if self.log_path is not None:
                self.log_path.unlink(missing_ok=True)
                self.log_path = None
            if self.cgroups is not None:
                self.cgroups.close()
                self.cgroups = None

    def log_tail(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return " ".join(self.log_path.read_text(errors="replace").strip().splitlines()[-3:])[-500:]

    # ----------------------------------------------------------------------------------
    # messages

    def _wait(self, wanted, timeout: float) -> dict:
        """The next message ``wanted`` accepts; events and exits on the way are applied."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise SandboxError("the sandbox did not answer in time")
            self.control.settimeout(left)
            try:
                message, fds = zygote.receive(self.control)
            except (socket.timeout, TimeoutError):
                raise SandboxError("the sandbox did not answer in time") from None
            except OSError as error:
                raise SandboxError(f"the sandbox stopped: {error}; {self.log_tail()}") from None
            if message is None:
                raise SandboxError(f"the sandbox stopped: {self.log_tail()}")
            message["fds"] = fds
            if wanted(message):
                return message
            self._apply(message)

    def _apply(self, message: dict) -> None:
        for fd in message.get("fds", []):
            os.close(fd)
        handle = self.kernels.get(message.get("id"))
        if handle is None:
            return
        if message.get("op") == "exited":
            handle.exited, handle.status = True, message.get("status")
        elif message.get("op") == "event" and message.get("event") == "memory_limit":
            handle.memory_events += 1

    def poll(self) -> None:
        """Apply the messages that arrived (kernel exits, memory events) without waiting."""
        with self.lock:
            if self.control is None:
                return
            while True:
                self.control.setblocking(False)
                try:
                    ready = self.control.recv(1, socket.MSG_PEEK)
                except (BlockingIOError, InterruptedError):
                    return
                except OSError:
                    ready = b""
                finally:
                    if self.control is not None:
                        self.control.setblocking(True)
                if not ready:
                    for handle in self.kernels.values():
                        handle.exited = True
                    return
                message, fds = zygote.receive(self.control)
                if message is None:
                    return
                message["fds"] = fds
                self._apply(message)

    # ----------------------------------------------------------------------------------
    # kernels

    def start_kernel(self, *, files: list[tuple[str, bytes]], workdir: str, argv: list[str], key: str,
                     limits: Limits) -> KernelHandle:
        with self.lock:
            self.start()
            self.counter += 1
            number = self.counter
            cgroup = self.cgroups.create(f"k{number}", limits.memory_mb, limits.tasks) if self.cgroups else None
            request = {"op": "start", "id": number, "files": files, "workdir": workdir, "argv": argv,
                       "key": key, "env": kernel_environment(), "watch_memory": cgroup is None,
                       "limits": {"memory_mb": limits.memory_mb, "address_space_mb": limits.address_space_mb,
                                  "tasks": limits.tasks, "disk_mb": limits.disk_mb,
                                  "file_mb": limits.file_mb, "cpu_seconds": limits.cpu_seconds}}
            fds = cgroup.procs_fds() if cgroup else []
            try:
                zygote.send(self.control, request, fds)
            finally:
                for fd in fds:
                    os.close(fd)
            reply = self._wait(lambda m: m.get("id") == number and m.get("op") in ("started", "failed"), 120)
            if reply["op"] == "failed":
                if cgroup:
                    cgroup.remove()
                raise SandboxError(f"the kernel's sandbox could not be set up: {reply.get('error')}")
            handle = KernelHandle(number, reply["fds"][0], cgroup=cgroup)
            self.kernels[number] = handle
            return handle

    def is_running(self, handle: KernelHandle) -> bool:
        self.poll()
        return not handle.exited and self.alive()

    def interrupt(self, handle: KernelHandle) -> None:
        with self.lock:
            if self.control is not None and not handle.exited:
                zygote.send(self.control, {"op": "interrupt", "id": handle.number})

    def memory_exceeded(self, handle: KernelHandle) -> int:
        """How many times the submission hit its memory limit so far (cgroup OOM kills or watchdog kills)."""
        self.poll()
        return handle.memory_events + (handle.cgroup.oom_kills() if handle.cgroup else 0)

    def stop_kernel(self, handle: KernelHandle) -> None:
        with self.lock:
            if self.control is not None and not handle.exited:
                try:
                    zygote.send(self.control, {"op": "kill", "id": handle.number})
                    self._apply(self._wait(lambda m: m.get("id") == handle.number and m.get("op") == "exited", 30))
                except (SandboxError, OSError):
                    self.close()
            self._release(handle)

    def _release(self, handle: KernelHandle) -> None:
        if handle.folder_fd >= 0:
            os.close(handle.folder_fd)
            handle.folder_fd = -1
        if handle.cgroup is not None:
            handle.cgroup.remove()
            handle.cgroup = None
        self.kernels.pop(handle.number, None)


def new_key() -> str:
    return secrets.token_hex(16)


_WORKER_SANDBOXES: dict[SandboxConfig, Sandbox] = {}
_WORKER_LOCK = threading.Lock()


def for_this_process(config: SandboxConfig) -> Sandbox:
    """The sandbox of this grading worker process (started once, reused for every submission)."""
    with _WORKER_LOCK:
        sandbox = _WORKER_SANDBOXES.get(config)
        if sandbox is None:
            sandbox = _WORKER_SANDBOXES[config] = Sandbox(config)
        return sandbox


def close_all() -> None:
    with _WORKER_LOCK:
        for sandbox in _WORKER_SANDBOXES.values():
            sandbox.close()
        _WORKER_SANDBOXES.clear()

