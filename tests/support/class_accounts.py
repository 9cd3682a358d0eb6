"""Real local accounts for the class tests (nbgrader's exchange, JupyterHub).

The tests run as root. They create unique Unix accounts (``useradd``), run commands as
them (``setpriv``: real and effective ids, groups, no capabilities left), try reads and
writes as them to check permissions by doing, and remove them afterwards.

One thing differs from a class server: there, the course's Python environment sits
where every account can run it (``/opt/cnn-course``). Here it is this checkout's
``.venv``, whose interpreter may live under a folder only root may enter (a pyenv under
``/root``), and whose ``autograder`` package is this repository, which also holds the
instructor's solutions. So every command of an account runs in a private mount
namespace made by bubblewrap (as root, before ``setpriv`` drops to the account) in which
those folders are covered by empty ones and only the environment, the package and the
deployment files are put back, read-only. Everything else, the homes, the exchange and
the course folders, is the real file system with its real owners and modes.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "jupyterhub"


@dataclass(frozen=True)
class Account:
    """A local account made for one test."""
    name: str
    uid: int
    gid: int
    home: Path
    password: str


@dataclass
class Outcome:
    """What one command run as an account did."""
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def check(self) -> "Outcome":
        assert self.returncode == 0, (f"{' '.join(self.argv)} exited with {self.returncode}\n"
                                      f"--- stdout\n{self.stdout[-4000:]}\n--- stderr\n{self.stderr[-4000:]}")
        return self


def can_run_tests() -> str | None:
    """None when this process may create accounts and namespaces, else why not."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "creating accounts and running commands as them needs root"
    for tool in ("useradd", "userdel", "groupadd", "groupdel", "setpriv", "bwrap", "chpasswd"):
        if shutil.which(tool) is None:
            return f"{tool} is missing (bubblewrap: tests/support/system-packages.sh installs it)"
    return None


def require_accounts() -> None:
    """In a test's set-up (after the test tools are built): skip on a machine where
    :func:`can_run_tests` says no, unless it is CI, where the test must run and fails instead."""
    import pytest

    why = can_run_tests()
    if why is not None and not os.environ.get("CI"):
        pytest.skip(f"{why} (CI runs it as root)")
    assert why is None, why


def _others_can_enter(folder: Path) -> bool:
    return bool(folder.stat().st_mode & stat.S_IXOTH)


def shared_temporary_folder(prefix: str) -> Path:
    """A new folder that every account can enter (0711: not listable), for homes and exchanges."""
    base = Path(tempfile.gettempdir()).resolve()
    for folder in (base, *base.parents):
        assert _others_can_enter(folder), f"{folder} is closed to other accounts: set TMPDIR to a shared folder"
    made = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    made.chmod(0o711)
    return made


# --------------------------------------------------------------------------------------
# What accounts see


@dataclass
class View:
    """Folders covered by empty ones (``hidden``) and paths put back read-only (``shown``)."""
    hidden: list[Path] = field(default_factory=list)
    shown: list[Path] = field(default_factory=list)

    def bwrap(self) -> list[str]:
        hidden, shown = set(self.hidden), set(self.shown)
        # folders between a hidden folder and what is put back inside it: made 0755 (bwrap's
        # own would be 0700, closed to the accounts)
        between = {folder for path in hidden | shown for folder in path.parents
                   if folder not in hidden and any(h in folder.parents for h in hidden)}
        mounts = ([(p, ["--tmpfs", str(p)]) for p in hidden]
                  + [(p, ["--perms", "0755", "--dir", str(p)]) for p in between]
                  + [(p, ["--ro-bind", str(p), str(p)]) for p in shown])
        argv = ["bwrap", "--dev-bind", "/", "/", "--die-with-parent", "--new-session"]
        for _, arguments in sorted(mounts, key=lambda mount: len(mount[0].parts)):
            argv += arguments
        return argv


def _first_closed_ancestor(path: Path) -> Path | None:
    for folder in reversed(path.parents):  # from "/" down
        if folder != Path("/") and not _others_can_enter(folder):
            return folder
    return None


def course_environment_view(extra: list[Path] = ()) -> View:
    """Accounts see the course's Python environment and package (and ``extra`` paths), not
    this repository."""
    import autograder
    from autograder import paths

    needed = [Path(sys.prefix), Path(sys.base_prefix).resolve(), Path(autograder.__file__).resolve().parent,
              paths.data_dir().resolve(), DEPLOY, *extra]
    hidden = [ROOT]
    for path in needed:
        closed = _first_closed_ancestor(path)
        if closed is not None:
            hidden.append(closed)
    shown = [path for path in needed if any(folder in (path, *path.parents) for folder in hidden)]
    return View(hidden=hidden, shown=shown)


# --------------------------------------------------------------------------------------
# Accounts


def _run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, check=True, **kwargs)


def create_group(name: str) -> int:
    _run(["groupadd", name])
    return grp.getgrnam(name).gr_gid


def create_account(name: str, homes: Path, groups: tuple[str, ...] = ()) -> Account:
    """A user with its own group, a private home (0700) under ``homes`` and a random password."""
    command = ["useradd", "--create-home", "--home-dir", str(homes / name), "--user-group",
               "--shell", "/bin/bash", "-K", "HOME_MODE=0700"]
    if groups:
        command += ["--groups", ",".join(groups)]
    _run(command + [name])
    password = secrets.token_urlsafe(18)
    _run(["chpasswd"], input=f"{name}:{password}\n")
    entry = pwd.getpwnam(name)
    return Account(name, entry.pw_uid, entry.pw_gid, Path(entry.pw_dir), password)


def processes_of(uid: int) -> list[int]:
    """Ids of the processes running as ``uid``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    pids.append(int(entry.name))
            except FileNotFoundError:
                continue
    return pids


def remove_account(account: Account) -> None:
    """Stop what still runs as the account (by process id), then delete it and its home."""
    for pid in processes_of(account.uid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 10
    while processes_of(account.uid) and time.monotonic() < deadline:
        time.sleep(0.1)
    subprocess.run(["userdel", "--remove", account.name], capture_output=True)
    shutil.rmtree(account.home, ignore_errors=True)
    try:
        grp.getgrnam(account.name)
        subprocess.run(["groupdel", account.name], capture_output=True)
    except KeyError:
        pass


def remove_group(name: str) -> None:
    subprocess.run(["groupdel", name], capture_output=True)


def unique_prefix(tag: str) -> str:
    """A short name stem no other test run uses (Unix names: lower case, at most 32 chars)."""
    return f"{tag}{secrets.token_hex(3)}"


# --------------------------------------------------------------------------------------
# Running as an account


def account_environment(account: Account, **extra: str) -> dict[str, str]:
    """A login-like environment: the course environment first on PATH, offline, quiet."""
    bin_dir = Path(sys.prefix) / "bin"
    env = {"HOME": str(account.home), "USER": account.name, "LOGNAME": account.name, "SHELL": "/bin/bash",
           "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "COURSE_OFFLINE": "1",
           "PYTHONWARNINGS": "ignore", "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.update(extra)
    return env


def as_account_argv(account: Account, argv: list[str], cwd: Path, view: View) -> list[str]:
    return [*view.bwrap(), "--chdir", str(cwd), "--",
            "setpriv", f"--reuid={account.uid}", f"--regid={account.gid}", "--init-groups",
            "--inh-caps=-all", *argv]


def run_as(account: Account, argv: list[str], view: View, cwd: Path | None = None,
           env: dict[str, str] | None = None, input: str | None = None, timeout: float = 600) -> Outcome:
    """Run ``argv`` as ``account`` (in its home unless ``cwd``); never raises on failure."""
    full = as_account_argv(account, argv, cwd or account.home, view)
    started = time.monotonic()
    result = subprocess.run(full, env=env or account_environment(account), input=input, capture_output=True,
                            text=True, timeout=timeout)
    return Outcome(argv, result.returncode, result.stdout, result.stderr, time.monotonic() - started)


def popen_as(account: Account, argv: list[str], view: View, cwd: Path | None = None,
             env: dict[str, str] | None = None, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(as_account_argv(account, argv, cwd or account.home, view),
                            env=env or account_environment(account), **kwargs)


# A session: one Python process per account that has nbgrader imported, and runs each
# command in a fork of itself. nbgrader's command line imports about 2.5 s of CPU worth of
# modules at every start (nbconvert, SQLAlchemy, Jupyter Server, ...); a class test runs a
# dozen of them one after the other. A forked child is a new process of the account
# running the same entry point as the `nbgrader` script (or `python -c`), with a fresh
# application and its own working folder, standard streams and exit status.
_SESSION = r"""
import json, os, sys, tempfile, traceback
import nbgrader.apps.nbgraderapp, nbformat
PRELOAD = json.loads(sys.argv[1])
for name in PRELOAD:
    __import__(name)
channel_in, channel_out = os.fdopen(0, "r"), os.fdopen(os.dup(1), "w")
private = tempfile.mkdtemp(prefix=".session-", dir=os.environ["HOME"])
print(json.dumps({"ready": private}), file=channel_out, flush=True)

def child(request, out, err):
    channel_in.close()
    channel_out.close()
    os.chdir(request["cwd"])
    os.dup2(out, 1)
    os.dup2(err, 2)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    code = 0
    try:
        if request["argv"][0] == "nbgrader":
            sys.argv = request["argv"]
            code = nbgrader.apps.nbgraderapp.main() or 0
        elif request["argv"][:2] == ["python", "-c"]:
            sys.argv = ["-c", *request["argv"][3:]]
            exec(compile(request["argv"][2], "<string>", "exec"), {"__name__": "__main__"})
        else:
            raise SystemExit("a session runs nbgrader and python -c only")
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        if not isinstance(stop.code, (int, type(None))):
            print(stop.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)

for line in channel_in:
    request = json.loads(line)
    paths = [os.path.join(private, name) for name in ("stdout", "stderr")]
    out, err = (os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600) for path in paths)
    pid = os.fork()
    if pid == 0:
        child(request, out, err)
    os.close(out)
    os.close(err)
    status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    texts = [open(path, encoding="utf-8", errors="replace").read() for path in paths]
    print(json.dumps({"returncode": status, "stdout": texts[0], "stderr": texts[1]}), file=channel_out, flush=True)
os._exit(0)  # nothing to tidy: skips the interpreter's slow shutdown
"""


class Session:
    """Commands of one account (``nbgrader ...`` and ``python -c ...``), each run in a fork
    of a process of that account that has imported nbgrader once (see ``_SESSION``).
    One command at a time; ``close()`` ends it."""

    def __init__(self, account: Account, view: View, env: dict[str, str], preload: tuple[str, ...] = ()):
        self.account = account
        self._lock = threading.Lock()
        argv = [str(Path(sys.prefix) / "bin" / "python"), "-c", _SESSION, json.dumps(list(preload))]
        self._process = subprocess.Popen(as_account_argv(account, argv, account.home, view), env=env,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def wait_ready(self) -> None:
        line = self._process.stdout.readline()
        assert line, f"the session of {self.account.name} did not start (exit status {self._process.poll()})"
        assert "ready" in json.loads(line), line

    def run(self, argv: list[str], cwd: Path | None = None) -> Outcome:
        """``argv`` (``["nbgrader", ...]`` or ``["python", "-c", code, ...]``) as the account."""
        with self._lock:
            started = time.monotonic()
            request = {"argv": argv, "cwd": str(cwd or self.account.home)}
            self._process.stdin.write(json.dumps(request) + "\n")
            line = self._process.stdout.readline()
            assert line, f"the session of {self.account.name} ended (exit status {self._process.poll()})"
            reply = json.loads(line)
            return Outcome(argv, reply["returncode"], reply["stdout"], reply["stderr"], time.monotonic() - started)

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.stdin.close()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()


# What an account may try, run as that account: each attempt reports "ok" or the name of
# the exception that stopped it. ``list`` lists a folder, ``read`` reads a file (or lists
# a folder), ``write`` appends to a file, ``create`` makes a file in a folder, ``rename``
# renames a file or folder.
_PROBE = r'''
import json, os, sys

def attempt(action, path):
    try:
        if action == "list" or (action == "read" and os.path.isdir(path)):
            os.listdir(path)
        elif action == "read":
            with open(path, "rb") as handle:
                handle.read(1)
        elif action == "write":
            with open(path, "ab") as handle:
                handle.write(b"")
        elif action == "create":
            with open(os.path.join(path, ".probe-" + str(os.getpid())), "xb"):
                pass
        elif action == "rename":
            os.rename(path, path + ".moved")
            os.rename(path + ".moved", path)
        else:
            return "unknown action"
        return "ok"
    except Exception as error:
        return type(error).__name__

print(json.dumps({label: attempt(action, path) for label, (action, path) in json.loads(sys.argv[1]).items()}))
'''


def try_as(account: Account, attempts: dict[str, tuple[str, Path]], view: View) -> dict[str, str]:
    """Try each ``label: (action, path)`` as ``account``; ``{label: "ok" or exception name}``."""
    payload = json.dumps({label: [action, str(path)] for label, (action, path) in attempts.items()})
    outcome = run_as(account, [str(Path(sys.prefix) / "bin" / "python"), "-I", "-c", _PROBE, payload], view).check()
    return json.loads(outcome.stdout)
