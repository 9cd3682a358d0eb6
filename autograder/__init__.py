"""Checks, hints, data loaders and grading tools for the course
"Images, filters and convolutional networks"."""

from autograder import quiet_tensorflow as _quiet_tensorflow

# Keep TensorFlow's start-up lines off stderr: nbgrader scores a test cell that writes to
# stderr as 0. Done before anything imports TensorFlow.
_quiet_tensorflow.install()

from importlib.metadata import PackageNotFoundError as _NotFound, version as _version

try:
    __version__ = _version("cnn-course-autograder")  # the one version, from pyproject.toml
except _NotFound:  # running from a source tree that was not installed
    __version__ = "0+unknown"


def check_environment() -> bool:
    """Print whether each package the course needs is installed in a suitable version."""
    from autograder.environment import check_environment as _check

    return _check()
