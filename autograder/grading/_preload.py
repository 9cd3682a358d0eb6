"""Imported once by the grading fork server, so that each submission's worker process starts
with the heavy modules (nbformat, nbconvert, nbgrader, numpy, the course's checks) already
loaded instead of importing them again (several seconds per submission otherwise)."""

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # jsonschema's optional IRI check: 4 s to import

import jupyter_client  # noqa: E402,F401
import nbconvert.exporters.html  # noqa: E402,F401
import nbconvert.preprocessors  # noqa: E402,F401
import nbformat  # noqa: E402,F401
import nbgrader.preprocessors  # noqa: E402,F401
import nbgrader.utils  # noqa: E402,F401
import numpy  # noqa: E402,F401

import autograder.check  # noqa: E402,F401
from autograder.checks import registry  # noqa: E402
from autograder.grading import worker  # noqa: E402,F401

registry()  # imports every check module

try:
    from autograder.grading import feedback_html

    feedback_html.warm_up()
except Exception:  # noqa: BLE001 - only a speed-up
    pass
