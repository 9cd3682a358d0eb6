"""What differs between the places learners work: check time limits without POSIX signals
(Windows has no SIGALRM), in any thread; a failed check that shows only its message under
IPython 9 (JupyterLab; tests/test_colab_runtime.py does IPython 7.34, Colab's); and
TensorFlow imported without its start-up lines on stderr."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

import nbformat
import pytest

from autograder import check, feedback, paths
from conftest import subprocess_env


def forever(*args):
    while True:
        pass


def test_a_check_times_out_without_sigalrm(monkeypatch):
    monkeypatch.delattr(signal, "SIGALRM", raising=False)  # as on Windows
    monkeypatch.delattr(signal, "setitimer", raising=False)
    start = time.monotonic()
    with pytest.raises(AssertionError, match=r"ran for more than 1 s"):
        feedback.call(forever, 3, name="dense_params", timeout=1)
    assert time.monotonic() - start < 5


def test_a_check_times_out_outside_the_main_thread():
    outcome = []

    def worker():
        try:
            feedback.call(forever, name="dense_params", timeout=1)
        except AssertionError as failure:
            outcome.append(str(failure))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive() and "ran for more than 1 s" in outcome[0]


def test_learner_code_cannot_swallow_the_timeout():
    def stubborn():
        while True:
            try:
                forever()
            except Exception:  # what a learner might write
                pass

    with pytest.raises(AssertionError, match="ran for more than"):
        feedback.call(stubborn, name="stubborn", timeout=1)


def test_a_quick_function_leaves_no_timeout_behind():
    """Thousands of calls that finish just before their limit: no stray exception later."""
    for _ in range(500):
        feedback.call(lambda: sum(range(1000)), name="quick", timeout=0.01)
    total = 0
    for number in range(2_000_000):
        total += number
    assert total == 1_999_999_000_000


def test_a_failed_check_shows_only_its_message_under_ipython_9(tmp_path):
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from autograder import check\ncheck.dense_params(lambda n_inputs, n_hidden: n_inputs * n_hidden)")])
    with pytest.MonkeyPatch.context() as patch:
        for key, value in subprocess_env().items():
            patch.setenv(key, value)
        NotebookClient(notebook, kernel_name=paths.KERNEL_NAME, timeout=120, allow_errors=True,
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
    (error,) = [o for o in notebook.cells[0].outputs if o.output_type == "error"]
    assert len(error.traceback) == 1 and "✘" in error.traceback[0] and "biases" in error.traceback[0]
    assert "Traceback" not in error.traceback[0] and "File " not in error.traceback[0]
    with pytest.raises(AssertionError):
        check.dense_params(lambda n_inputs, n_hidden: n_inputs * n_hidden)


def test_tensorflow_imports_without_a_word_on_stderr():
    result = subprocess.run([sys.executable, "-c", "import autograder, keras, tensorflow as tf; tf.constant(1)"],
                            capture_output=True, text=True, env=subprocess_env(), timeout=300)
    assert result.returncode == 0 and result.stderr == "", result.stderr
