"""Memory and task limits for a whole submission with cgroups, where the grader may make them.

Each kernel gets a cgroup of its own (``memory`` and ``pids`` controllers): every process
the submission starts is in it, so three processes of 1.2 GB each count as 3.6 GB
against the limit, and a fork bomb stops at the task limit. The grader creates the cgroup
and passes the sandbox an open descriptor of its ``cgroup.procs``; the kernel's first
process writes itself into it before it unshares its namespaces, so the sandbox needs no
view of the cgroup file system.

Where cgroups are available:

* cgroup v2 with the ``memory`` and ``pids`` controllers in a folder the grader may
  write (root; or a delegated folder, e.g. ``systemd-run --user --scope -p Delegate=yes``):
  ``memory.max``, ``memory.swap.max = 0``, ``pids.max``;
* cgroup v1 ``memory`` and ``pids`` hierarchies the grader may write (root on hosts that
  still mount them): ``memory.limit_in_bytes`` (and ``memsw`` when present), ``pids.max``.

Elsewhere (typically an ordinary user without delegation) :func:`detect` returns None and
the template process watches memory instead (see :mod:`autograder.grading.zygote`), with
``RLIMIT_AS`` per process and ``RLIMIT_NPROC``, which user namespaces count per
submission, for tasks. docs/grading.md gives the measurements of both.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")


def _own_paths() -> dict[str, str]:
    """controller (or "" for v2) -> this process's cgroup path."""
    found = {}
    try:
        text = Path("/proc/self/cgroup").read_text()
    except OSError:
        return found
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        for controller in (parts[1].split(",") if parts[1] else [""]):
            found[controller] = parts[2]
    return found


def _write(path: Path, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


@dataclass
class Cgroup:
    """One kernel's cgroup folders (one for v2; memory and pids for v1)."""
    folders: list[Path]
    version: int

    def procs_fds(self) -> list[int]:
        return [os.open(folder / "cgroup.procs", os.O_WRONLY | os.O_CLOEXEC) for folder in self.folders]

    def oom_kills(self) -> int:
        name = "memory.events" if self.version == 2 else "memory.oom_control"
        try:
            text = (self.folders[0] / name).read_text()
        except OSError:
            return 0
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def _pids(self) -> list[int]:
        pids = set()
        for folder in self.folders:
            try:
                pids |= {int(p) for p in (folder / "cgroup.procs").read_text().split()}
            except (OSError, ValueError):
                pass
        return sorted(pids)

    def remove(self) -> None:
        """Kill what is left in the cgroup and remove it."""
        if self.version == 2:
            try:
                _write(self.folders[0] / "cgroup.kill", "1")
            except OSError:
                pass
        for _ in range(50):
            pids = self._pids()
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.02)
        for folder in self.folders:
            for _ in range(50):
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)


class CgroupLimits:
    """Creates a cgroup per kernel below this run's own folder(s)."""

    def __init__(self, version: int, bases: list[Path], owner: tuple[int, int] | None):
        self.version, self.bases, self.owner = version, bases, owner

    def close(self) -> None:
        """Remove this run's folders (their kernels' cgroups are gone by then)."""
        for base in self.bases:
            try:
                base.rmdir()
            except OSError:
                pass

    def create(self, name: str, memory_mb: int | None, tasks: int) -> Cgroup:
        folders = []
        for base in self.bases:
            folder = base / name
            folder.mkdir(exist_ok=True)
            folders.append(folder)
        memory, pids = folders[0], folders[-1]
        if memory_mb:
            limit = str(int(memory_mb) * 1024 * 1024)
            if self.version == 2:
                _write(memory / "memory.max", limit)
                try:
                    _write(memory / "memory.swap.max", "0")
                except OSError:
                    pass
            else:
                _write(memory / "memory.limit_in_bytes", limit)
                if (memory / "memory.memsw.limit_in_bytes").exists():
                    try:
                        _write(memory / "memory.memsw.limit_in_bytes", limit)
                    except OSError:
                        pass
        _write(pids / "pids.max", str(int(tasks)))
        return Cgroup(folders, self.version)


def _try_v2(owner) -> CgroupLimits | None:
    own = _own_paths().get("")
    for mount in (CGROUP_ROOT, CGROUP_ROOT / "unified"):
        if own is None or not (mount / "cgroup.controllers").exists():
            continue
        parent = mount / own.lstrip("/")
        try:
            if not {"memory", "pids"} <= set((parent / "cgroup.controllers").read_text().split()):
                continue
            base = parent / f"autograder-{os.getpid()}"
            base.mkdir(exist_ok=True)
            enabled = set((parent / "cgroup.subtree_control").read_text().split())
            if not {"memory", "pids"} <= enabled:
                _write(parent / "cgroup.subtree_control", "+memory +pids")
            _write(base / "cgroup.subtree_control", "+memory +pids")
            return CgroupLimits(2, [base], owner)
        except OSError:
            try:
                base.rmdir()
            except (OSError, UnboundLocalError):
                pass
    return None


def _try_v1(owner) -> CgroupLimits | None:
    own = _own_paths()
    bases = []
    try:
        for controller in ("memory", "pids"):
            mount = CGROUP_ROOT / controller
            if controller not in own or not (mount / "cgroup.procs").exists():
                return None
            base = mount / own[controller].lstrip("/") / f"autograder-{os.getpid()}"
            base.mkdir(exist_ok=True)
            bases.append(base)
        return CgroupLimits(1, bases, owner)
    except OSError:
        for base in bases:
            try:
                base.rmdir()
            except OSError:
                pass
        return None


def detect(owner: tuple[int, int] | None = None) -> CgroupLimits | None:
    """Cgroup limits for this run, or None when no cgroup may be made here (the fallback applies)."""
    if os.environ.get("AUTOGRADER_NO_CGROUPS") == "1":
        return None
    return _try_v2(owner) or _try_v1(owner)


def describe(found: CgroupLimits | None) -> str:
    if found is None:
        return "no cgroups here: memory watched by the sandbox, tasks limited per submission"
    return f"cgroup v{found.version}"
