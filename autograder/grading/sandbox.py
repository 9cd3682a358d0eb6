"""Where and as whom student code runs.

Each worker slot gets its own unprivileged user id (no entry in /etc/passwd is needed;
ids are reserved with lock files so two grading runs never share one). A submission's
kernel is started by :mod:`autograder.grading.launcher` through a kernel spec written
for that submission; the spec's config says which user, which limits, which folders to
hide and which to keep visible. When a submission is done, every process left by its
user is killed, so nothing a student started outlives their grading.
"""

from __future__ import annotations

import fcntl
import json
import os
import pwd
import shutil
import signal
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

import autograder
from autograder import paths

UID_BASE = 61000
UID_RANGE = 2000
LOCK_DIR = Path(os.environ.get("AUTOGRADER_UID_LOCKS", "/run/autograder-uids"))
KERNEL_NAME = "autograder-sandbox"
LAUNCHER = Path(__file__).with_name("launcher.py")


def isolation_available() -> bool:
    """True when kernels can run as another user in their own mount namespace (root on
    Linux), unless AUTOGRADER_NO_SANDBOX=1 asks for limits only (for debugging)."""
    if os.environ.get("AUTOGRADER_NO_SANDBOX") == "1":
        return False
    return hasattr(os, "geteuid") and os.geteuid() == 0 and sys.platform.startswith("linux")


@dataclass
class Slot:
    """One worker slot: a sandbox user (uid == gid) held by a lock file, or none."""
    index: int
    uid: int | None = None
    gid: int | None = None
    _lock: int | None = None

    def release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None


def allocate_slots(count: int, base: int = UID_BASE) -> list[Slot]:
    """``count`` slots with distinct unused uids (or uid None when not running as root)."""
    if not isolation_available():
        return [Slot(i) for i in range(count)]
    lock_dir = LOCK_DIR
    try:
        lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        lock_dir = Path("/tmp/.autograder-uids")
        lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if lock_dir.stat().st_uid != 0:
        raise RuntimeError(f"{lock_dir} must belong to root")
    used = {entry.pw_uid for entry in pwd.getpwall()}
    slots: list[Slot] = []
    for uid in range(base, base + UID_RANGE):
        if len(slots) == count:
            break
        if uid in used:
            continue
        fd = os.open(lock_dir / f"uid-{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        slots.append(Slot(len(slots), uid, uid, fd))
    if len(slots) < count:
        for slot in slots:
            slot.release()
        raise RuntimeError("no free sandbox user ids")
    return slots


def kill_user_processes(uid: int | None) -> None:
    """SIGKILL every process of ``uid``: a child switches to that user and calls kill(-1),
    which reaches exactly the processes of that user (and never the caller)."""
    if uid is None or not isolation_available():
        return
    pid = os.fork()
    if pid == 0:  # the child: only system calls, then _exit
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            for _ in range(3):  # again, for processes forked meanwhile
                try:
                    os.kill(-1, signal.SIGKILL)
                except ProcessLookupError:
                    break
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


# --------------------------------------------------------------------------------------
# What the kernel may see


def _real(path: Path | str) -> str:
    return os.path.realpath(str(path))


def _looks_like_course(folder: Path) -> bool:
    return any((folder / name).exists() for name in ("solutions", "source", "nbgrader_config.py",
                                                      "gradebook.db", "submitted", ".git"))


def kept_paths() -> list[str]:
    """Folders the kernel needs: the Python installations, the course package and its data."""
    keep = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
            str(Path(autograder.__file__).resolve().parent), str(paths.data_dir())}
    return sorted({_real(p) for p in keep if os.path.exists(p)})


def hidden_paths(course_root: Path, extra: list[Path] = ()) -> list[str]:
    """Folders the kernel must not see: the course (solutions, gradebook, submissions, grades),
    the checkout the package was installed from when it is a course, root's home, and any
    folder on the way to a kept path that other users could not enter anyway."""
    hide = {_real(course_root), "/root"}
    repo = paths.repo_root()
    if _looks_like_course(repo):
        hide.add(_real(repo))
    for path in extra:
        if path and os.path.exists(path):
            hide.add(_real(path))
    for kept in kept_paths():
        parts = Path(kept).parts
        for depth in range(2, len(parts)):
            folder = str(Path(*parts[:depth]))
            try:
                mode = os.stat(folder).st_mode
            except OSError:
                continue
            if not mode & stat.S_IXOTH:
                hide.add(folder)
    return sorted(p for p in hide if p not in ("/", ""))


def matplotlib_cache_files() -> list[str]:
    """The font list matplotlib built for this Python, copied into each kernel's config folder
    so that every kernel does not spend seconds rebuilding it."""
    try:
        import matplotlib
        folder = Path(matplotlib.get_cachedir())
    except Exception:  # noqa: BLE001 - no matplotlib, nothing to copy
        return []
    return [str(p) for p in folder.glob("fontlist-*.json")]


def course_kernel_argv(kernel_name: str) -> tuple[list[str], dict]:
    """The argv and env of the course's kernel spec (falls back to this Python's ipykernel)."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(kernel_name)
        argv, env = list(spec.argv), dict(spec.env or {})
    except (NoSuchKernel, Exception):  # noqa: BLE001
        argv, env = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"], {}
    if not os.path.isabs(argv[0]):
        argv[0] = shutil.which(argv[0]) or sys.executable
    return argv, env


def kernel_env(base_env: dict) -> dict:
    """The whole environment of a student kernel (nothing else is inherited)."""
    env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "USER": "student", "LOGNAME": "student",
        "PYTHONWARNINGS": "ignore", "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1",
        "NBGRADER_EXECUTION": "autograde", "COURSE_OFFLINE": os.environ.get("COURSE_OFFLINE", "1"),
    }
    env.update({k: str(v) for k, v in base_env.items()})
    return env


def write_kernel_spec(folder: Path, config: dict, kernel_argv: list[str]) -> Path:
    """A kernel spec whose command is the launcher with ``config`` (written beside it)."""
    spec_dir = folder / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    config_path = folder / "sandbox.json"
    config_path.write_text(json.dumps(config, indent=1))
    os.chmod(config_path, 0o600)
    spec = {"argv": [sys.executable, "-I", str(LAUNCHER), str(config_path), "--", *kernel_argv],
            "display_name": "autograder sandbox", "language": "python", "interrupt_mode": "signal",
            "env": {}, "metadata": {}}
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))
    return folder


def sandbox_config(*, slot: Slot, stage: Path, private_tmp: Path, workdir_name: str, hide: list[str],
                   keep: list[str], env: dict, memory_mb: int | None, nproc: int = 256,
                   fsize_mb: int = 256, tmp_mb: int = 512, mpl_cache: list[str] = ()) -> dict:
    return {"uid": slot.uid, "gid": slot.gid, "stage": str(stage), "private_tmp": str(private_tmp),
            "workdir_name": workdir_name, "hide": hide, "keep": keep, "env": env,
            "memory_mb": memory_mb, "nproc": nproc, "fsize_mb": fsize_mb, "tmp_mb": tmp_mb,
            "mpl_cache": list(mpl_cache)}


def signal_name(code: int | None) -> str:
    if code is None:
        return "unknown"
    if code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            return f"signal {-code}"
    return f"exit status {code}"
