"""The template process that runs inside a worker's sandbox and forks one kernel per submission.

:mod:`autograder.grading.sandbox` starts this module with bubblewrap once per
grading worker: ``python -m autograder.grading.zygote`` with file descriptor 3 connected
to the grader. It imports everything a kernel needs (IPython, ipykernel, numpy,
matplotlib, the course package and the modules the assignment imports) once, then for
each submission forks a child that becomes that submission's kernel, so a submission
pays a fork and a kernel set-up (a fraction of a second) instead of an interpreter
start and its imports (several seconds).

Isolation between submissions is kept by giving every child namespaces of its own,
inside the worker's sandbox (nested namespaces, as containers inside containers do):

* ``C`` (forked from here) joins the submission's cgroups when the grader passed any,
  then unshares a new user, mount, PID, network, IPC and UTS namespace and forks
* ``I``, PID 1 of the new PID namespace: it mounts a fresh ``/proc`` (only the
  submission's processes), a size-limited ``/tmp`` (the submission's files, its home, the
  kernel's sockets) and ``/dev/shm``, hands the grader an ``O_PATH`` descriptor of the
  kernel's socket folder, forks the kernel and reaps orphans; when the kernel exits, ``I``
  exits and the kernel of Linux kills every process left in the namespace;
* ``K``, the kernel: it drops every capability before running anything else, forbids
  gaining privileges, sets its resource limits (address space, tasks, CPU time, file
  size, no core dumps) and runs ipykernel on Unix sockets in its private ``/tmp``.

So a submission sees only its own files and processes, has no network at all (not even a
loopback shared with anything), cannot see or signal this process or another
submission, and whatever it leaves (processes, files, IPC objects) disappears with its
namespaces. This process never runs student code; it is not dumpable, so nothing can
attach to it.

When the grader could not give a cgroup (see :mod:`autograder.grading.limits`), this
process watches the memory of each submission: every 0.1 s it sums the resident memory
of the submission's processes and, over the limit, kills the largest one, as the
kernel's OOM killer would in a cgroup.

Messages on descriptor 3 are length-prefixed pickles; both ends are trusted code.
Standard library only, apart from what it preloads.
"""

from __future__ import annotations

import ctypes
import errno
import os
import pickle
import select
import signal
import socket
import struct
import sys
import time

CONTROL_FD = 3
KERNEL_DIR = "/tmp/.kernel"
INSIDE_UID = 1000
EXIT_SETUP_FAILED = 97

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_REC, MS_PRIVATE = 0x4000, 0x40000
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP = 1, 4, 24
PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 38, 47, 4
_CAPABILITY_VERSION_3 = 0x20080522

# What every kernel imports while it starts or runs its first cell: imported here once.
KERNEL_MODULES = [
    "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger",
    "ipykernel.comm", "IPython.core.completerlib", "IPython.core.debugger", "IPython.core.oinspect",
    "IPython.core.logger", "IPython.extensions.storemagic", "IPython.utils.wildcard",
    "matplotlib_inline.backend_inline", "sqlite3", "pdb", "faulthandler", "tornado.platform.asyncio",
    "numpy", "matplotlib", "matplotlib.pyplot", "autograder", "autograder.check",
]
# Modules that start threads or hold locks at import: never imported before a fork.
FORK_UNSAFE = ("tensorflow", "keras", "torch", "jax", "cv2", "tensorboard")

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
_libc.unshare.argtypes = [ctypes.c_int]
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]


# --------------------------------------------------------------------------------------
# Messages


def send(sock: socket.socket, message: dict, fds: list[int] = ()) -> None:
    data = pickle.dumps(message, protocol=5)
    header = struct.pack("!Q", len(data))
    if fds:
        socket.send_fds(sock, [header], list(fds))
        sock.sendall(data)
    else:
        sock.sendall(header + data)


def receive(sock: socket.socket, max_fds: int = 8) -> tuple[dict | None, list[int]]:
    """One message and the descriptors sent with it; (None, []) at end of file."""
    header, fds, _, _ = socket.recv_fds(sock, 8, max_fds)
    if not header:
        return None, []
    while len(header) < 8:
        more = sock.recv(8 - len(header))
        if not more:
            return None, fds
        header += more
    (size,) = struct.unpack("!Q", header)
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            return None, fds
        chunks.append(chunk)
        left -= len(chunk)
    return pickle.loads(b"".join(chunks)), fds


# --------------------------------------------------------------------------------------
# System calls the standard library lacks


def _check(result: int, what: str) -> None:
    if result != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"{what}: {os.strerror(number)}")


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    encode = lambda text: text.encode() if text is not None else None  # noqa: E731
    _check(_libc.mount(encode(source), encode(target), encode(fstype), flags, encode(data)), f"mount {target}")


def _prctl(option: int, arg2: int, arg3: int = 0) -> int:
    return _libc.prctl(option, arg2, arg3, 0, 0)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_capabilities() -> None:
    """No capability left in any set, none to be had again (single-threaded caller)."""
    for capability in range(64):
        if _prctl(PR_CAPBSET_DROP, capability) != 0 and ctypes.get_errno() == errno.EINVAL:
            break
    _prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    header, data = _CapHeader(_CAPABILITY_VERSION_3, 0), (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), data), "capset")
    _check(_prctl(PR_SET_NO_NEW_PRIVS, 1), "no_new_privs")


def _keep_only(keep: set[int]) -> None:
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


# --------------------------------------------------------------------------------------
# Preloading


def preload(config: dict) -> dict:
    """Import what kernels need, warm matplotlib's fonts; returns what happened."""
    os.environ.update(config.get("env", {}))
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    fontlist = config.get("mpl_fontlist")
    if fontlist:
        folder = os.environ.get("MPLCONFIGDIR", "/tmp/.zygote/matplotlib")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, fontlist[0]), "wb") as handle:
            handle.write(fontlist[1])
    started = time.monotonic()
    failed = []
    for name in KERNEL_MODULES + list(config.get("preload", [])):
        if name.split(".")[0] in FORK_UNSAFE:
            continue
        try:
            __import__(name)
        except Exception as error:  # noqa: BLE001 - a missing optional module only costs time later
            failed.append(f"{name}: {type(error).__name__}")
    try:  # load the fonts a figure uses, once
        import io

        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        figure = Figure(figsize=(2, 2))
        axes = figure.add_subplot()
        axes.plot([0, 1], [0, 1])
        axes.set_title("warm-up $x^2$")
        FigureCanvasAgg(figure).print_png(io.BytesIO())
    except Exception as error:  # noqa: BLE001
        failed.append(f"matplotlib warm-up: {type(error).__name__}")
    import gc
    import threading

    gc.collect()
    gc.freeze()  # forked kernels share these pages instead of copying them at the first collection
    return {"seconds": round(time.monotonic() - started, 2), "failed": failed,
            "threads": threading.active_count(), "modules": len(sys.modules)}


# --------------------------------------------------------------------------------------
# One kernel: C, I and K


def _child(request: dict, cgroup_fds: list[int], report: socket.socket) -> None:
    """``C``: join the cgroups, enter new namespaces, fork the namespace's init."""
    _keep_only({report.fileno(), *cgroup_fds})
    _prctl(PR_SET_DUMPABLE, 1)  # this process must write its own uid_map
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for fd in cgroup_fds:
        os.write(fd, b"0")
        os.close(fd)
    uid, gid = os.getuid(), os.getgid()
    _check(_libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS),
           "unshare")
    for name, text in (("setgroups", "deny"), ("uid_map", f"{INSIDE_UID} {uid} 1"),
                       ("gid_map", f"{INSIDE_UID} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as handle:
            handle.write(text)
    gate_read, gate_write = os.pipe()  # I writes to the report socket only after C has
    init = os.fork()
    if init == 0:
        os.close(gate_write)
        os.read(gate_read, 1)
        os.close(gate_read)
        try:
            _init(request, report)
        except BaseException as error:  # noqa: BLE001
            _report_error(report, error)
            os._exit(EXIT_SETUP_FAILED)
    os.close(gate_read)
    send(report, {"init": init})
    os.close(gate_write)
    report.close()
    while True:
        try:
            _, status = os.waitpid(init, 0)
            break
        except ChildProcessError:
            status = EXIT_SETUP_FAILED << 8
            break
    os._exit(os.waitstatus_to_exitcode(status) & 0xFF if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))


def _report_error(report: socket.socket, error: BaseException) -> None:
    try:
        send(report, {"error": f"{type(error).__name__}: {error}"})
    except OSError:
        pass


def _safe_relative(path: str) -> str | None:
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if not parts or any(part == ".." for part in parts) or path.startswith("/"):
        return None
    return "/".join(parts)


def _write_files(workdir: str, files: list[tuple[str, bytes]]) -> None:
    for relative, data in files:
        relative = _safe_relative(relative)
        if relative is None:
            continue
        target = os.path.join(workdir, relative)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(data)


def _init(request: dict, report: socket.socket) -> None:
    """``I``: PID 1 of the submission's namespaces."""
    limits = request["limits"]
    _mount("none", "/", None, MS_REC | MS_PRIVATE)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={int(limits['disk_mb'])}m,mode=1777")
    if os.path.isdir("/dev/shm"):
        _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64m,mode=1777")
    socket.sethostname("sandbox")
    workdir = os.path.join("/tmp", request["workdir"])
    home = "/tmp/.home"
    for folder in (workdir, home, KERNEL_DIR):
        os.makedirs(folder, mode=0o700, exist_ok=True)
    _write_files(workdir, request["files"])
    folder_fd = os.open(KERNEL_DIR, os.O_PATH | os.O_DIRECTORY)
    send(report, {"ready": True}, [folder_fd])
    os.close(folder_fd)
    kernel = os.fork()
    if kernel == 0:
        report.close()
        try:
            _kernel(request, workdir, home)
        finally:
            os._exit(EXIT_SETUP_FAILED)
    report.close()
    signal.signal(signal.SIGINT, lambda *_: _forward(kernel, signal.SIGINT))
    while True:  # reap orphans until the kernel itself exits
        pid, status = os.wait()
        if pid == kernel:
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF if os.WIFEXITED(status)
                     else 128 + os.WTERMSIG(status))


def _forward(pid: int, number: int) -> None:
    try:
        os.kill(pid, number)
    except ProcessLookupError:
        pass


def _kernel(request: dict, workdir: str, home: str) -> None:
    """``K``: no privileges, limits, then ipykernel."""
    import resource

    drop_capabilities()
    os.setsid()
    limits = request["limits"]
    mb = 1024 * 1024
    settings = [(resource.RLIMIT_CORE, 0), (resource.RLIMIT_NPROC, int(limits["tasks"])),
                (resource.RLIMIT_FSIZE, int(limits["file_mb"]) * mb),
                (resource.RLIMIT_CPU, int(limits["cpu_seconds"]))]
    if limits.get("address_space_mb"):
        settings.append((resource.RLIMIT_AS, int(limits["address_space_mb"]) * mb))
    for kind, value in settings:
        resource.setrlimit(kind, (value, value))
    null = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ.update(HOME=home, TMPDIR="/tmp", MPLCONFIGDIR=os.path.join(home, ".config", "matplotlib"),
                      IPYTHONDIR=os.path.join(home, ".ipython"), JUPYTER_RUNTIME_DIR=KERNEL_DIR,
                      JUPYTER_CONFIG_DIR=os.path.join(home, ".jupyter"),
                      JUPYTER_DATA_DIR=os.path.join(home, ".local", "share", "jupyter"),
                      MPLBACKEND="module://matplotlib_inline.backend_inline")
    os.chdir(workdir)
    connection = os.path.join(KERNEL_DIR, "connection.json")
    with open(connection, "w", encoding="utf-8") as handle:
        import json

        json.dump({"transport": "ipc", "ip": os.path.join(KERNEL_DIR, "k"), "shell_port": 1, "iopub_port": 2,
                   "stdin_port": 3, "control_port": 4, "hb_port": 5, "key": request["key"],
                   "signature_scheme": "hmac-sha256", "kernel_name": ""}, handle)
    sys.argv = ["ipykernel"]
    if "" not in sys.path:
        sys.path.insert(0, "")
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(["-f", connection, *request["argv"]])
    app.start()


# --------------------------------------------------------------------------------------
# The template's loop


class Kernel:
    def __init__(self, number: int, child: int, init: int, memory_bytes: int | None):
        self.number, self.child, self.init = number, child, init
        self.memory_bytes = memory_bytes
        self.memory_kills = 0


def _processes() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, resident bytes) of every process this namespace shows."""
    page = os.sysconf("SC_PAGE_SIZE")
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read()
            with open(f"/proc/{name}/statm", "rb") as handle:
                resident = int(handle.read().split()[1]) * page
        except (OSError, ValueError, IndexError):
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        found[int(name)] = (int(fields[1]), resident)
    return found


def _proportional(pid: int) -> int:
    """The process's proportional set size: its private pages plus its share of shared ones
    (forked processes share most of their pages, which resident sizes count again and again)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def watch_memory(kernels: dict[int, Kernel]) -> list[dict]:
    """The cgroup-less memory limit: kill the largest process of a submission over its limit.

    Resident sizes are summed first (cheap); only over the limit are the proportional
    sizes read, which count pages shared between the submission's processes once."""
    watched = [k for k in kernels.values() if k.memory_bytes]
    if not watched:
        return []
    processes = _processes()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in processes.items():
        children.setdefault(parent, []).append(pid)
    events = []
    for kernel in watched:
        tree, stack = [], [kernel.child]
        while stack:
            pid = stack.pop()
            tree.append(pid)
            stack.extend(children.get(pid, []))
        members = [pid for pid in tree if pid not in (kernel.child, kernel.init)]
        if sum(processes.get(pid, (0, 0))[1] for pid in members) <= kernel.memory_bytes or not members:
            continue
        sizes = {pid: _proportional(pid) for pid in members}
        total = sum(sizes.values())
        if total > kernel.memory_bytes:
            largest = max(members, key=lambda pid: sizes[pid])
            _forward(largest, signal.SIGKILL)
            kernel.memory_kills += 1
            events.append({"event": "memory_limit", "id": kernel.number, "bytes": total})
    return events


def start_kernel(request: dict, cgroup_fds: list[int], control: socket.socket) -> tuple[Kernel, int]:
    """Fork ``C`` for ``request``; returns the kernel and the O_PATH descriptor of its socket folder."""
    ours, theirs = socket.socketpair()
    child = os.fork()
    if child == 0:
        ours.close()
        control.close()
        try:
            _child(request, cgroup_fds, theirs)
        except BaseException as error:  # noqa: BLE001
            _report_error(theirs, error)
        os._exit(EXIT_SETUP_FAILED)
    theirs.close()
    for fd in cgroup_fds:
        os.close(fd)
    ours.settimeout(60)
    init, folder = None, None
    try:
        while folder is None:
            message, fds = receive(ours)
            if message is None:
                raise RuntimeError("the kernel's set-up ended without a word")
            if "error" in message:
                raise RuntimeError(message["error"])
            init = message.get("init", init)
            if message.get("ready"):
                folder = fds[0]
    except BaseException:
        _forward(child, signal.SIGKILL)
        if init:
            _forward(init, signal.SIGKILL)
        raise
    finally:
        ours.close()
    memory = request["limits"].get("memory_mb") if request.get("watch_memory") else None
    return Kernel(request["id"], child, init, memory * 1024 * 1024 if memory else None), folder


def serve(control: socket.socket) -> None:
    kernels: dict[int, Kernel] = {}
    while True:
        ready, _, _ = select.select([control], [], [], 0.1 if kernels else 2.0)
        if ready:
            message, fds = receive(control)
            if message is None:
                break
            op = message.get("op")
            try:
                if op == "start":
                    kernel, folder = start_kernel(message, fds, control)
                    kernels[kernel.number] = kernel
                    send(control, {"op": "started", "id": kernel.number}, [folder])
                    os.close(folder)
                elif op == "interrupt" and message["id"] in kernels:
                    _forward(kernels[message["id"]].init, signal.SIGINT)
                elif op == "kill" and message["id"] in kernels:
                    _forward(kernels[message["id"]].init, signal.SIGKILL)
                elif op == "ping":
                    send(control, {"op": "pong"})
            except Exception as error:  # noqa: BLE001 - the grader decides what it means
                for fd in fds:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
                send(control, {"op": "failed", "id": message.get("id"), "error": f"{type(error).__name__}: {error}"})
        for event in watch_memory(kernels):
            send(control, {"op": "event", **event})
        for number, kernel in list(kernels.items()):
            try:
                pid, status = os.waitpid(kernel.child, os.WNOHANG)
            except ChildProcessError:
                pid, status = kernel.child, 0
            if pid:
                del kernels[number]
                code = os.waitstatus_to_exitcode(status)
                send(control, {"op": "exited", "id": number, "status": code,
                               "memory_kills": kernel.memory_kills})
    for kernel in kernels.values():
        _forward(kernel.init, signal.SIGKILL)


def main() -> int:
    _prctl(PR_SET_DUMPABLE, 0)  # nothing attaches to the template, nothing reads its memory
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    fd = int(sys.argv[sys.argv.index("--fd") + 1]) if "--fd" in sys.argv else CONTROL_FD
    control = socket.socket(fileno=fd)
    config, _ = receive(control)
    if config is None:
        return 1
    report = preload(config)
    send(control, {"op": "ready", **report})
    serve(control)
    return 0


if __name__ == "__main__":
    sys.exit(main())
