"""The course on Colab's default runtime, rebuilt here (tests/support/colab_runtime.py):
Python 3.13 with Colab's own versions of everything the course touches (TensorFlow 2.20,
Keras 3.13, numpy 2.1, IPython 7.34, ipykernel 6.17) and a stand-in ``google.colab``.

The learner notebooks' set-up cell runs exactly as written, against a local package index
that holds only the freshly built wheel: so it can fetch nothing else. Then every solution
notebook runs without an error (its cells are the learner notebook's, answers filled in;
the learner copies themselves run to their first check in tests/test_packaging.py), and
Colab's preinstalled packages are compared before and after: none may change.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import html
import http.server
import json
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder import authoring, paths
from conftest import ROOT, subprocess_env

sys.path.insert(0, str(ROOT / "tests" / "support"))
import colab_runtime  # noqa: E402

pytestmark = pytest.mark.needs_test_tools

ASSIGNMENTS = paths.assignments(ROOT)
RUNTIME = colab_runtime.Runtime(colab_runtime.VENV)
RELEASE = authoring.course_release(ROOT)
COURSE_PIN = f"{RELEASE.package}=={RELEASE.version}"


# ---------------------------------------------------------------------------------------
# A package index with nothing but the course's wheel


def _simple_index(folder: Path, wheels: list[Path]) -> Path:
    """A PEP 503 index in ``folder`` serving ``wheels`` (an empty list: an empty index)."""
    project = folder / "simple" / RELEASE.package
    project.mkdir(parents=True)
    links = []
    for wheel in wheels:
        shutil.copy(wheel, project / wheel.name)
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        links.append(f'<a href="{html.escape(wheel.name)}#sha256={digest}">{html.escape(wheel.name)}</a>')
    (project / "index.html").write_text("<!DOCTYPE html><html><body>" + "".join(links) + "</body></html>")
    (folder / "simple" / "index.html").write_text(
        f'<!DOCTYPE html><html><body><a href="{RELEASE.package}/">{RELEASE.package}</a></body></html>')
    return folder


@dataclass
class Index:
    url: str
    server: http.server.ThreadingHTTPServer


def _serve(folder: Path) -> Index:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return Index(f"http://127.0.0.1:{server.server_address[1]}/simple/", server)


# ---------------------------------------------------------------------------------------
# Running notebooks in the runtime


# Settings of this machine that Colab does not have (its pip sees PyPI only).
NOT_ON_COLAB = ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL", "PIP_NO_INDEX", "VIRTUAL_ENV", "PYTHONPATH")


def run_notebook(notebook: nbformat.NotebookNode, folder: Path, index_url: str, timeout: int = 900):
    """Execute ``notebook`` in the Colab runtime's kernel, whose pip sees only ``index_url``;
    errors stay in the outputs."""
    from nbclient import NotebookClient

    env = subprocess_env(JUPYTER_PATH=str(RUNTIME.kernels), PIP_INDEX_URL=index_url, PIP_CONFIG_FILE="/dev/null",
                         PIP_DISABLE_PIP_VERSION_CHECK="1", COURSE_OFFLINE="1", COURSE_QUICK="1")
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        for key in NOT_ON_COLAB:
            patch.delenv(key, raising=False)
        NotebookClient(notebook, kernel_name=colab_runtime.KERNEL_NAME, timeout=timeout, allow_errors=True,
                       resources={"metadata": {"path": str(folder)}}).execute()
    return notebook


def errors(notebook: nbformat.NotebookNode) -> list[tuple[int, dict]]:
    return [(i, o) for i, c in enumerate(notebook.cells) for o in c.get("outputs", []) if o.output_type == "error"]


def setup_notebook() -> nbformat.NotebookNode:
    """The set-up cell, as written in the first learner notebook, then a cell using the course."""
    learner = nbformat.read(paths.course_notebook(ASSIGNMENTS[0], ROOT), as_version=4)
    setup = learner.cells[1]
    assert setup.id == "colab-setup"
    after = nbformat.v4.new_code_cell("import autograder\nprint('course', autograder.__version__)")
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(setup.source), after],
                                    metadata=learner.metadata)


# ---------------------------------------------------------------------------------------
# The install, once per runtime (xdist workers take turns through a file lock)


@dataclass
class Install:
    failure_outputs: list  # the set-up cell's outputs with an index that lacks the course
    first_outputs: list  # the first real install
    second_outputs: list  # the same cell again, in the same kernel
    seconds: float
    before: list[str]
    after: list[str]


@pytest.fixture(scope="session")
def index(release_artifacts, tmp_path_factory) -> Index:
    served = _serve(_simple_index(tmp_path_factory.mktemp("colab-index"), [release_artifacts.wheel]))
    yield served
    served.server.shutdown()


@pytest.fixture(scope="session")
def install(index, tmp_path_factory) -> Install:
    assert RUNTIME.stamp.exists(), "the Colab runtime is not built: `make test-tools` builds it"
    record = RUNTIME.venv / "install-record.json"
    with open(RUNTIME.venv / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        started_here = record.exists() and json.loads(record.read_text()).get("session") == _session_id()
        if not started_here:
            record.write_text(json.dumps({"session": _session_id(), **_install_from_scratch(index, tmp_path_factory)}))
        fcntl.flock(lock, fcntl.LOCK_UN)
    data = json.loads(record.read_text())
    data.pop("session")
    return Install(**data)


def _session_id() -> str:
    """The same for every xdist worker of one pytest run."""
    import os

    return os.environ.get("PYTEST_XDIST_TESTRUNUID") or str(os.getpid())


def _install_from_scratch(index: Index, tmp_path_factory) -> dict:
    colab_runtime.uninstall_course(RUNTIME)
    before = colab_runtime.freeze(RUNTIME.python)
    assert before == RUNTIME.preinstalled.read_text().splitlines(), "the runtime drifted from Colab's packages"
    empty = _serve(_simple_index(tmp_path_factory.mktemp("empty-index"), []))
    failing = run_notebook(setup_notebook(), tmp_path_factory.mktemp("failing"), empty.url)
    empty.server.shutdown()
    start = time.monotonic()
    first = run_notebook(setup_notebook(), tmp_path_factory.mktemp("first"), index.url)
    seconds = time.monotonic() - start
    twice = nbformat.v4.new_notebook(cells=[setup_notebook().cells[0], setup_notebook().cells[0]])
    second = run_notebook(twice, tmp_path_factory.mktemp("second"), index.url)
    return {"failure_outputs": failing.cells[0].outputs, "first_outputs": first.cells[0].outputs + first.cells[1].outputs,
            "second_outputs": [o for c in second.cells for o in c.outputs],
            "seconds": seconds, "before": before, "after": colab_runtime.freeze(RUNTIME.python)}


# ---------------------------------------------------------------------------------------
# The tests


def test_setup_cell_stops_with_one_clear_sentence_when_the_install_fails(install):
    (error,) = [o for o in install.failure_outputs if o["output_type"] == "error"]
    assert error["ename"] == "SystemExit"
    assert error["evalue"].startswith(f"Set-up failed: could not install {COURSE_PIN} (")
    assert error["evalue"].count(". ") <= 2 and "\n" not in error["evalue"]
    shown = "\n".join(error["traceback"])
    assert "Traceback" not in shown and "File " not in shown
    assert not [o for o in install.failure_outputs if o["output_type"] == "stream" and o["name"] == "stderr"]


def test_setup_cell_installs_the_course_and_needs_no_restart(install):
    assert not [o for o in install.first_outputs if o["output_type"] == "error"], install.first_outputs
    printed = "".join(o.get("text", "") for o in install.first_outputs if o["output_type"] == "stream")
    assert f"course {RELEASE.version}" in printed  # imported in the next cell, same kernel


def test_setup_cell_is_safe_to_run_twice(install):
    assert not [o for o in install.second_outputs if o["output_type"] == "error"], install.second_outputs


def test_no_preinstalled_colab_package_changes(install):
    added = sorted(set(install.after) - set(install.before))
    removed = sorted(set(install.before) - set(install.after))
    assert removed == [], f"the set-up cell changed Colab's packages: {removed} → {added}"
    assert added == [f"{RELEASE.package}=={RELEASE.version}"], f"installed besides the course: {added}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_notebook_runs_without_an_error_on_colab(install, index, assignment, tmp_path):
    source = paths.solution_notebook(assignment, ROOT)
    shutil.copytree(source.parent, tmp_path / assignment, ignore=shutil.ignore_patterns("*.nb.py"))
    notebook = nbformat.read(source, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    notebook = run_notebook(notebook, tmp_path / assignment, index.url)
    found = errors(notebook)
    assert not found, f"cell {found[0][0]}: {found[0][1].ename}: {found[0][1].evalue}"
    stderr = [(i, o.text) for i, c in enumerate(notebook.cells) for o in c.get("outputs", [])
              if c.metadata.get("nbgrader", {}).get("grade") and o.get("name") == "stderr"]
    assert not stderr, f"a test cell writes to stderr (it would score 0): {stderr[0]}"


def test_a_failed_check_shows_only_its_message_under_ipython_7(install, index, tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from autograder import check\ncheck.dense_params(lambda n_inputs, n_hidden: n_inputs * n_hidden)")])
    run_notebook(notebook, tmp_path, index.url)
    (error,) = [o for o in notebook.cells[0].outputs if o.output_type == "error"]
    assert len(error.traceback) == 1 and "✘" in error.traceback[0] and "biases" in error.traceback[0]
    assert "Traceback" not in error.traceback[0] and "File " not in error.traceback[0]


SHIPPED_MODEL_PROBE = """
import json, sys
import numpy as np
import keras
from autograder import models
x = np.random.default_rng(0).random((4, 28, 28, 1)).astype("float32")
print(json.dumps({"keras": keras.__version__,
                  **{name: np.asarray(models.load(name)(x, training=False)).tolist() for name in models.SHIPPED}}))
"""


@pytest.mark.parametrize("oldest", [False, True], ids=["keras-3.13", "keras-3.10"])
def test_shipped_models_load_and_predict_the_same_under_colab_and_the_oldest_keras(install, oldest, tmp_path):
    from autograder import models

    env = {**subprocess_env(), "PYTHONPATH": str(RUNTIME.oldest_keras) if oldest else ""}
    result = subprocess.run([str(RUNTIME.python), "-c", SHIPPED_MODEL_PROBE], capture_output=True, text=True,
                            cwd=tmp_path, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    there = json.loads(result.stdout.strip().splitlines()[-1])
    assert there["keras"] == (colab_runtime.OLDEST_KERAS if oldest else "3.13.2")
    x = np.random.default_rng(0).random((4, 28, 28, 1)).astype("float32")
    for name in models.SHIPPED:
        here = np.asarray(models.load(name)(x, training=False))
        assert np.allclose(there[name], here, atol=1e-5), f"{name} predicts differently under Keras {there['keras']}"
