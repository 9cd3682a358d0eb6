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
the account that owns it, and it is read the way ``autograder grade`` reads
``submitted/`` (autograder.grading.submissions: no link followed; links, hard links and
special files left out and counted in a warning; its limits on files and sizes). Enable
it in an nbgrader config (deploy/jupyterhub/jupyter/common/nbgrader_config.py does)::

    c.ExchangeFactory.collect = "autograder.exchange.SafeCollect"

Instructor-only: it needs nbgrader (the ``instructor`` extra).
"""

from __future__ import annotations

import os
import pwd

from nbgrader.exchange.default import ExchangeCollect

from autograder.grading import submissions


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
        """Copy the submission folder ``src`` to ``dest`` as the grader reads a submission
        (``CourseDirectory.ignore`` patterns left out too); a link in place of the folder
        itself is an error."""
        inbound, name = os.path.split(os.path.normpath(src))
        found = submissions.collect(os.path.dirname(inbound), os.path.basename(inbound), name, [],
                                    list(self.coursedir.ignore))
        if found.folder_problem:
            raise OSError(f"{src}: {found.folder_problem}")
        for note in found.notes:
            self.log.warning("Collecting %s: %s", src, note)
        os.makedirs(dest, exist_ok=True)
        for relative, data in found.files:
            target = os.path.join(dest, relative)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as handle:
                handle.write(data)
            os.chmod(target, 0o644)
