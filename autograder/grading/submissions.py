"""The submitted folders: who handed in, and what, read safely into jobs.

``submitted/<student>/<assignment>/`` is read without following any link: every folder
and file is opened relative to its parent's descriptor with ``O_NOFOLLOW``, so a student
folder that is a link (to ``solutions/``, say) is reported, not graded; links inside a
submission are skipped; a file with more than one hard link (a link to a classmate's
notebook or to a file only the grader may read) is refused. When the grader runs as
root, files are read with the rights of ``nobody``, so a submission cannot make the
grader copy anything its author could not have read. Trees are walked without
recursion, with limits on depth, file count and size; names that are not UTF-8 are
skipped. What is left out is said in the job's notes. (As root, the files of a submission
must be readable by others, as they are with the usual umask 022; ``chmod -R a+rX
submitted`` otherwise.)
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import os
import stat
from dataclasses import dataclass, field

import msgspec

from autograder.grading.records import AssignmentSpec, Job, Limits, Settings

MAX_DEPTH = 16
MAX_FILES = 2000
MAX_TOTAL_BYTES = 200 * 1024 * 1024
MAX_NOTEBOOK_BYTES = 100 * 1024 * 1024
_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


@dataclass
class Collected:
    """What was read from one submission folder."""
    notebooks: dict[str, bytes] = field(default_factory=dict)
    files: list[tuple[str, bytes]] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    folder_problem: str | None = None   # the whole submission could not be read


def list_students(submitted: os.PathLike, assignment: str, excluded: set[str] = frozenset()) -> list[str]:
    """Every entry of ``submitted/`` that has (or claims to have) the assignment, sorted;
    links and odd entries included, so that each gets a row saying what is wrong."""
    try:
        entries = sorted(os.scandir(submitted), key=lambda e: e.name)
    except FileNotFoundError:
        return []
    students = []
    for entry in entries:
        if entry.name in excluded or entry.name.startswith("."):
            continue
        if entry.is_symlink() or os.path.lexists(os.path.join(entry.path, assignment)):
            students.append(entry.name)
    return students


@contextlib.contextmanager
def without_privileges():
    """Root reads submissions as ``nobody`` (effective ids only; restored after)."""
    if os.geteuid() != 0:
        yield
        return
    groups = os.getgroups()
    os.setgroups([])
    os.setegid(65534)
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)
        os.setgroups(groups)


def _open_folder(name: str, parent: int | None) -> int:
    return os.open(name, _FOLDER, dir_fd=parent) if parent is not None else os.open(name, _FOLDER)


def _read_file(name: str, folder: int, limit: int) -> tuple[bytes | None, str | None]:
    """(bytes, None) or (None, why not)."""
    try:
        fd = os.open(name, _FILE, dir_fd=folder)
    except OSError as error:
        return None, "a link" if error.errno == 40 else f"unreadable ({error.strerror})"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, "not a regular file"
        if info.st_nlink > 1:
            return None, "a hard link to another file"
        if info.st_size > limit:
            return None, f"larger than {limit // 2**20} MB"
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(limit + 1), None
    finally:
        os.close(fd)


def _valid_name(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return name not in (".", "..") and "/" not in name


def collect(submitted: os.PathLike, student: str, assignment: str, notebook_names: list[str],
            ignore: list[str]) -> Collected:
    """Read ``submitted/student/assignment`` safely (see the module's doc)."""
    found = Collected()
    wanted = {f"{name}.ipynb": name for name in notebook_names}
    descriptors: list[int] = []
    try:
        try:  # the path to the submission is the instructor's: opened with the grader's rights, no link followed
            base = _open_folder(os.fspath(submitted), None)
            descriptors.append(base)
            own = _open_folder(student, base)
            descriptors.append(own)
            top = _open_folder(assignment, own)
            descriptors.append(top)
        except OSError as error:
            found.folder_problem = ("the submission folder is a link or not a folder"
                                    if error.errno in (40, 20) else f"the submission folder cannot be read "
                                                                      f"({error.strerror})")
            return found
        with without_privileges():  # what is inside it: with the rights of nobody, when the grader is root
            _walk(top, found, wanted, ignore)
    finally:
        for fd in descriptors:
            os.close(fd)
    for name in notebook_names:
        if name not in found.notebooks and name not in found.problems:
            found.problems[name] = f"missing: {name}.ipynb is not in the submission"
    return found


def _walk(top: int, found: Collected, wanted: dict[str, str], ignore: list[str]) -> None:
    budget = MAX_TOTAL_BYTES
    stack: list[tuple[int, str, int]] = [(top, "", 0)]
    opened: list[int] = []
    skipped: dict[str, int] = {}
    try:
        while stack:
            folder, prefix, depth = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError as error:
                found.notes.append(f"{prefix or 'the submission folder'} could not be listed ({error.strerror})")
                continue
            for entry in entries:
                name = entry.name
                relative = f"{prefix}{name}"
                if not _valid_name(name):
                    skipped["names that are not UTF-8"] = skipped.get("names that are not UTF-8", 0) + 1
                    continue
                if any(fnmatch.fnmatch(name, pattern) for pattern in ignore):
                    continue
                if entry.is_symlink():
                    if depth == 0 and name in wanted:
                        found.problems[wanted[name]] = f"invalid: {name} is a link, not the notebook itself"
                    else:
                        skipped["links"] = skipped.get("links", 0) + 1
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if depth + 1 >= MAX_DEPTH:
                        skipped[f"folders deeper than {MAX_DEPTH} levels"] = 1
                        continue
                    try:
                        child = _open_folder(name, folder)
                    except OSError:
                        skipped["folders that could not be opened"] = skipped.get(
                            "folders that could not be opened", 0) + 1
                        continue
                    opened.append(child)
                    stack.append((child, f"{relative}/", depth + 1))
                    continue
                if depth == 0 and name in wanted:
                    data, problem = _read_file(name, folder, MAX_NOTEBOOK_BYTES)
                    if problem:
                        found.problems[wanted[name]] = f"invalid: {name} is {problem}"
                    else:
                        found.notebooks[wanted[name]] = data
                    continue
                if len(found.files) >= MAX_FILES:
                    skipped[f"files beyond the first {MAX_FILES}"] = 1
                    continue
                data, problem = _read_file(name, folder, budget)
                if problem:
                    skipped[f"files that are {problem}"] = skipped.get(f"files that are {problem}", 0) + 1
                    continue
                budget -= len(data)
                found.files.append((relative, data))
    finally:
        for fd in opened:
            os.close(fd)
    for what, count in sorted(skipped.items()):
        found.notes.append(f"not copied for grading: {what}" + (f" ({count})" if count > 1 else ""))


def digest(spec: AssignmentSpec, collected: Collected) -> str:
    """A short fingerprint of a submission and of the assignment's definition: a run
    regrades a submission only when this changed."""
    hasher = hashlib.sha256(spec.digest.encode())
    hasher.update(msgspec.msgpack.encode([sorted(collected.notebooks.items()), collected.files,
                                          sorted(collected.problems.items()), collected.folder_problem]))
    return hasher.hexdigest()[:16]


def make_job(student: str, spec: AssignmentSpec, settings: Settings, limits: Limits, collected: Collected) -> Job:
    return Job(student=student, assignment=spec, settings=settings, limits=limits, notebooks=collected.notebooks,
               files=collected.files, problems=collected.problems, notes=collected.notes,
               digest=digest(spec, collected))
