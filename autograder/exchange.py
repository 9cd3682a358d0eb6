"""A safer ``nbgrader collect`` for a class whose learners are separate accounts.

nbgrader's exchange (``Exchange.root``) lets every learner write into the course's
``inbound/`` folder, and its collect copies from there with the instructor's rights.
Two consequences, shown by tests/test_exchange_loop.py:

- a submission folder is named after the student id its maker *claims*
  (``nbgrader submit --student=classmate``, or a folder made by hand), and collect only
  warns when the folder's owner is someone else, then takes it as the classmate's newest
  submission;
- collect follows links: a learner who puts, in their own submission folder, a link to a
  file only the instructor can read (``~instructor/course/solutions/...``) has that file
  copied into ``submitted/`` and graded, and gets it back in the feedback.

:class:`SafeCollect` is nbgrader's collect with both closed: a folder counts only for
the account that owns it, and files are copied without following any link (links, pipes
and other special files are left out, with a warning). Enable it in an nbgrader config
(deploy/jupyterhub/jupyter/common/nbgrader_config.py does)::

    c.ExchangeFactory.collect = "autograder.exchange.SafeCollect"

Instructor-only: it needs nbgrader (the ``instructor`` extra).
"""

from __future__ import annotations

import os
import pwd
import stat

from nbgrader.exchange.default import ExchangeCollect
from nbgrader.utils import ignore_patterns

_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_CHUNK = 1 << 20


def owner_name(path: str) -> str:
    """The account that owns ``path`` itself (a link is not followed)."""
    uid = os.lstat(path).st_uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


class SafeCollect(ExchangeCollect):
    """``nbgrader collect`` that takes a submission only from its owner and never follows links."""

    _IMPOSTOR = "\0"  # starts the group name of a folder made by someone else (no account name has it)

    def _path_to_record(self, path):
        record = super()._path_to_record(path)
        owner = owner_name(path)
        if owner != record["username"]:
            self.log.warning("Not collecting %s: it claims to be by %s but was made by %s",
                             record["filename"], record["username"], owner)
            record["username"] = self._IMPOSTOR + record["filename"]  # a group of its own, dropped below
        return record

    def init_src(self):
        super().init_src()
        self.src_records = [r for r in self.src_records if not r["username"].startswith(self._IMPOSTOR)]

    def do_copy(self, src, dest, log=None):
        """Copy the submission folder ``src`` to ``dest`` without following links.

        Like nbgrader's copy, it leaves out what ``CourseDirectory.ignore``/``include`` and
        ``max_file_size`` exclude and refuses a folder above ``max_dir_size``."""
        skip = ignore_patterns(exclude=self.coursedir.ignore, include=self.coursedir.include,
                               max_file_size=self.coursedir.max_file_size, log=self.log)
        budget = [1000 * self.coursedir.max_dir_size]
        top = os.open(src, _FOLDER)  # refuses a link in place of the folder
        try:
            self._copy_folder(top, src, dest, skip, budget)
        finally:
            os.close(top)

    def _copy_folder(self, folder: int, shown: str, dest: str, skip, budget: list[int]) -> None:
        os.makedirs(dest, exist_ok=True)
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
        names = [entry.name for entry in entries]
        skipped = set(skip(shown, names))
        for entry in entries:
            if entry.name in skipped:
                continue
            where = os.path.join(shown, entry.name)
            if entry.is_symlink():
                self.log.warning("Not collecting %s: a link", where)
            elif entry.is_dir(follow_symlinks=False):
                child = os.open(entry.name, _FOLDER, dir_fd=folder)
                try:
                    self._copy_folder(child, where, os.path.join(dest, entry.name), skip, budget)
                finally:
                    os.close(child)
            else:
                self._copy_file(folder, entry.name, where, os.path.join(dest, entry.name), budget)

    def _copy_file(self, folder: int, name: str, shown: str, dest: str, budget: list[int]) -> None:
        try:
            source = os.open(name, _FILE, dir_fd=folder)
        except OSError as error:
            self.log.warning("Not collecting %s: %s", shown, error.strerror)
            return
        try:
            info = os.fstat(source)
            if not stat.S_ISREG(info.st_mode):
                self.log.warning("Not collecting %s: not a regular file", shown)
                return
            budget[0] -= info.st_size
            if budget[0] < 0:
                raise RuntimeError(f"Directory size is too big: {shown}")
            with open(dest, "wb") as target:
                while chunk := os.read(source, _CHUNK):
                    target.write(chunk)
            os.chmod(dest, 0o644)
        finally:
            os.close(source)
