"""Start one student's Jupyter kernel inside a sandbox (standard library only).

jupyter_client runs this file through the per-submission kernel spec that
:mod:`autograder.grading.sandbox` writes::

    python -I launcher.py CONFIG.json -- <the course kernel's argv, with -f CONNECTION_FILE>

Run as root, it

1. reads the connection file (jupyter_client wrote it where only root can read it);
2. enters a private mount namespace, where ``/tmp``, ``/var/tmp``, ``/dev/shm`` and
   ``/run/lock`` (the folders everyone may write) are fresh size-limited tmpfs, and every path of ``hide`` (the course folder with its
   solutions, gradebook and other students' submissions, the package checkout, ``/root``)
   is covered by an empty tmpfs, with only the paths of ``keep`` (the Python
   installation, the ``autograder`` package, the course data) bound back read-only;
3. copies the submission's files into ``/tmp/<assignment>`` (the kernel's working folder);
4. sets the resource limits (address space = the memory limit, number of processes,
   file size, no core dumps), forbids gaining privileges (setuid binaries), switches to
   the sandbox user and group, and asks the kernel to die with its parent;
5. replaces itself with the kernel (same process id, so jupyter_client's interrupt and
   kill reach the kernel).

Not root, only steps 3 (in a private temporary folder) to 5 without the user switch are
possible; the grader warns that student code then runs as the instructor.

A failure prints one line to stderr and exits with status 97; the grader reports the
submission as a grader error rather than scoring it.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import shutil
import signal
import stat
import sys

CLONE_NEWNS = 0x00020000
MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
EXIT_SANDBOX_FAILED = 97

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
_libc.unshare.argtypes = [ctypes.c_int]
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]


def _enc(value: str | None) -> bytes | None:
    return value.encode() if value is not None else None


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    if _libc.mount(_enc(source), _enc(target), _enc(fstype), flags, _enc(data)) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"mount {target}: {os.strerror(error)}")


def _prctl(option: int, value: int) -> None:
    if _libc.prctl(option, value, 0, 0, 0) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"prctl {option}: {os.strerror(error)}")


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _tmpfs(target: str, mode: str, size_mb: int) -> None:
    _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, f"mode={mode},size={size_mb}m")


def _hide(hide: list[str], keep: list[str], tmp_mb: int) -> None:
    """Cover each hidden folder with an empty tmpfs and bind the kept paths back, read-only."""
    keep_fds = {}
    for path in keep:
        try:
            keep_fds[path] = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            continue
    scratch = {"/tmp": tmp_mb, "/var/tmp": 64, "/dev/shm": 64, "/run/lock": 1}  # the world-writable folders
    targets = sorted(set(hide) | set(scratch), key=lambda p: (p.count("/"), p))
    for target in targets:
        if not os.path.lexists(target) or os.path.islink(target):
            continue
        if os.path.isdir(target):
            if target in scratch:
                _tmpfs(target, "1777", scratch[target])
            else:
                _tmpfs(target, "0755", 1)
            for path, fd in sorted(keep_fds.items()):
                if _inside(path, target):
                    if os.path.isdir(f"/proc/self/fd/{fd}"):
                        os.makedirs(path, exist_ok=True)
                    else:
                        os.makedirs(os.path.dirname(path), exist_ok=True)
                        open(path, "a").close()
                    _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
                    _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID)
        else:  # a file such as a gradebook outside the course folder
            _mount("/dev/null", target, None, MS_BIND)
    for fd in keep_fds.values():
        os.close(fd)


def _copy_tree(source: str, target: str, uid: int | None, gid: int | None) -> None:
    shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
    if uid is None:
        return
    for folder, dirs, files in os.walk(target):
        os.chown(folder, uid, gid)
        for name in files:
            os.chown(os.path.join(folder, name), uid, gid, follow_symlinks=False)


def _limits(config: dict, own_user: bool) -> None:
    mb = 1024 * 1024
    if config.get("memory_mb"):
        limit = int(config["memory_mb"]) * mb
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if config.get("nproc") and own_user:  # counted per user: only meaningful for the sandbox user
        resource.setrlimit(resource.RLIMIT_NPROC, (int(config["nproc"]), int(config["nproc"])))
    if config.get("fsize_mb"):
        limit = int(config["fsize_mb"]) * mb
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def launch(config: dict, kernel_argv: list[str]) -> None:
    uid, gid = config.get("uid"), config.get("gid")
    isolate = uid is not None and os.geteuid() == 0 and os.environ.get("AUTOGRADER_NO_SANDBOX") != "1"
    try:
        index = kernel_argv.index("-f") + 1
    except ValueError:
        raise RuntimeError("the kernel command has no -f CONNECTION_FILE") from None
    with open(kernel_argv[index], encoding="utf-8") as handle:
        connection = handle.read()

    if isolate:
        stage_fd = os.open(config["stage"], os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        if _libc.unshare(CLONE_NEWNS) != 0:
            error = ctypes.get_errno()
            raise OSError(error, f"unshare: {os.strerror(error)}")
        _mount(None, "/", None, MS_REC | MS_PRIVATE)
        _hide(config.get("hide", []), config.get("keep", []), int(config.get("tmp_mb", 512)))
        base = "/tmp"
        stage = f"/proc/self/fd/{stage_fd}"
    else:
        base = config["private_tmp"]
        stage = config["stage"]

    home = os.path.join(base, "home")
    work = os.path.join(base, config.get("workdir_name", "work"))
    runtime = os.path.join(home, ".local", "share", "jupyter", "runtime")
    mpl = os.path.join(home, ".config", "matplotlib")
    for folder in (home, runtime, mpl, work):
        os.makedirs(folder, mode=0o700, exist_ok=True)
    _copy_tree(stage, work, uid if isolate else None, gid)
    for cache in config.get("mpl_cache", []):
        if os.path.isfile(cache):
            shutil.copy(cache, mpl)
    connection_file = os.path.join(runtime, "kernel.json")
    with open(connection_file, "w", encoding="utf-8") as handle:
        handle.write(connection)
    os.chmod(connection_file, 0o600)
    if isolate:
        os.chmod(work, 0o700)
        for folder, dirs, files in os.walk(home):
            os.chown(folder, uid, gid)
            for name in files:
                os.chown(os.path.join(folder, name), uid, gid)
    kernel_argv = list(kernel_argv)
    kernel_argv[index] = connection_file

    env = {key: str(value) for key, value in config.get("env", {}).items()}
    env.update(HOME=home, MPLCONFIGDIR=mpl, IPYTHONDIR=os.path.join(home, ".ipython"),
               JUPYTER_RUNTIME_DIR=runtime, JUPYTER_CONFIG_DIR=os.path.join(home, ".jupyter"),
               JUPYTER_DATA_DIR=os.path.join(home, ".local", "share", "jupyter"),
               XDG_CACHE_HOME=os.path.join(home, ".cache"), TMPDIR=base)

    _limits(config, own_user=isolate)
    if isolate:
        _prctl(PR_SET_NO_NEW_PRIVS, 1)
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
        if os.getuid() != uid or os.geteuid() != uid:
            raise RuntimeError("could not switch to the sandbox user")
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    os.chdir(work)
    os.execve(kernel_argv[0], kernel_argv, env)


def main(argv: list[str]) -> int:
    try:
        split = argv.index("--")
        with open(argv[0], encoding="utf-8") as handle:
            config = json.load(handle)
        launch(config, argv[split + 1:])
    except BaseException as error:  # noqa: BLE001 - one line for the grader, then a distinct exit status
        print(f"autograder sandbox: could not start the kernel: {error!r}", file=sys.stderr, flush=True)
        return EXIT_SANDBOX_FAILED
    return 0  # not reached: execve replaced this process


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
