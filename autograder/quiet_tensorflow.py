"""Import TensorFlow without its start-up lines on stderr.

nbgrader scores a test cell that writes anything to stderr as 0, and a learner should not
meet a screen of C++ log lines the first time a cell imports Keras. ``TF_CPP_MIN_LOG_LEVEL``
silences most of them, but not the lines TensorFlow's libraries print while they load,
before its logging is set up ("Could not find cuda drivers on your machine" from the
`tensorflow` wheel on a machine without a GPU, with a timestamp that changes every run).

:func:`install` (called when ``autograder`` is imported) puts a finder in front of
Python's import system that wraps the loading of the ``tensorflow`` package, and only
that, in an operating-system-level redirection of stderr to the null device. It applies
to whoever imports TensorFlow first: a check, the notebook's ``import keras``, Keras
itself. Anything else, and everything after that import, writes to stderr as usual.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import os
import sys


@contextlib.contextmanager
def stderr_to_null():
    """Send file descriptor 2 (what C and C++ code write to) to the null device."""
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all (e.g. pythonw on Windows): nothing to silence
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class _QuietLoader(importlib.abc.Loader):
    """Delegates to the real loader, running its module code with stderr silenced."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        module.__loader__ = self._loader
        with stderr_to_null():
            self._loader.exec_module(module)

    def __getattr__(self, name):  # is_package, get_resource_reader, ... of the real loader
        return getattr(self._loader, name)


class _QuietTensorFlowFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


def install() -> None:
    """Silence TensorFlow's import from now on (idempotent; a no-op once it is imported)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    if "tensorflow" in sys.modules or any(isinstance(f, _QuietTensorFlowFinder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _QuietTensorFlowFinder())
