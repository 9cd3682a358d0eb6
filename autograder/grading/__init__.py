"""Grading a class: ``autograder grade ASSIGNMENT`` (see docs/grading.md).

How the pieces fit:

* :mod:`.runner` — the command: read the course and the submissions into jobs, send the
  jobs to Dask workers (:mod:`.scheduler`), record each result as it arrives;
* :mod:`.records` — the typed job and result records (msgspec);
* :mod:`.gradebook` — the course configuration, the gradebook and the assignment's cells;
* :mod:`.submissions` — listing and safely reading the submitted folders;
* :mod:`.grade_one` — ``grade_one(job) -> result``: restore the graded cells
  (:mod:`.sanitize`), run the student's cells in a kernel forked in the worker's sandbox
  (:mod:`.kernel`, :mod:`.sandbox`, :mod:`.zygote`, :mod:`.limits`), run the
  instructor's test cells in the grading process (:mod:`.trusted`) calling the student's
  functions through a data-only channel (:mod:`.channel`, :mod:`.proxy`, :mod:`.codec`,
  :mod:`.codec_keras`, :mod:`.kernel_side`), score with nbgrader's rule and render the
  feedback page (:mod:`.feedback_html`);
* :mod:`.recorder` — the only writer: autograded and feedback folders, the gradebook,
  the journal and grades.csv (:mod:`.grades_csv`).
"""

from __future__ import annotations

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # jsonschema's optional IRI check costs 4 s to import


def main(argv: list[str] | None = None) -> int:
    from autograder.grading.runner import main as run

    return run(argv)


__all__ = ["main"]
