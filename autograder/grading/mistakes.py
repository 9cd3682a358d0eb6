"""A stable identifier for the known mistake a failing test named.

Every check that recognises a wrong answer from its catalogue of typical errors
(``mistakes=`` of :func:`autograder.feedback.expect_array` and ``expect_value``, and the
checks' own diagnoses) ends its message with ``Likely mistake: DESCRIPTION.``; grading
keeps that description (:func:`autograder.grading.grade_one.named_mistake`) and, with it,
an identifier made from its head: the words before the first colon, semicolon, opening
parenthesis or full stop, lower case, numbers written as ``n``. So "biases not counted (one
bias per unit: + n_out)" is ``biases-not-counted`` for every learner who made it, whatever
numbers their hidden tests drew. The class report (:mod:`autograder.report`) counts these.
"""

from __future__ import annotations

import re

_HEAD_END = re.compile(r":|;|\s\(|\.(\s|$)|\s[—–]\s")
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:[.,]\d+)*(?!\w)")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
MAX_ID_CHARS = 60


def mistake_id(description: str) -> str:
    """The identifier of a mistake's description: its head, lower case, numbers as ``n``."""
    head = _HEAD_END.split(description.strip(), maxsplit=1)[0]
    slug = _NOT_WORD.sub("-", _NUMBER.sub("n", head).lower()).strip("-")
    if len(slug) > MAX_ID_CHARS:
        slug = slug[:MAX_ID_CHARS].rsplit("-", 1)[0]
    return slug or "unnamed"
