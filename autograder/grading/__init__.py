"""Grading a class: ``autograder grade ASSIGNMENT --course-dir DIR [--workers N] [--timeout S] [--memory-mb M]``.

How the pieces fit (see docs/grading.md for the instructor's side):

* :mod:`.runner` — the command: gradebook set-up, one worker process per submission, N at
  a time, wall-clock limits, recording each result as it arrives (gradebook, grades.csv,
  autograded/ and feedback/ folders);
* :mod:`.worker` — grades one submission: restore the graded cells (:mod:`.sanitize`), run
  the student's cells in a sandboxed kernel (:mod:`.kernel`, :mod:`.sandbox`,
  :mod:`.launcher`), run the instructor's test cells in the trusted worker process
  (:mod:`.trusted`) calling the student's functions through a data-only channel
  (:mod:`.rpc`, :mod:`.kernel_side`), score with nbgrader's rule, render feedback
  (:mod:`.feedback_html`);
* :mod:`.course` and :mod:`.journal` — the course folder, the gradebook and grades.csv.
"""

from __future__ import annotations

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # jsonschema's optional IRI check costs 4 s to import


def main(argv: list[str] | None = None) -> int:
    from autograder.grading.runner import main as run

    return run(argv)


__all__ = ["main"]
