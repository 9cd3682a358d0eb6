"""The learner's flow in a real browser: JupyterLab on the learner notebooks, headless
Chromium driven by Playwright. The learner runs the notebook with a wrong answer and sees
the check's message naming the mistake (and no traceback), fixes the code, runs it again
and sees ✔. A screenshot is saved when anything fails."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from autograder import paths
from conftest import ROOT, subprocess_env

sys.path.insert(0, str(ROOT / "tests" / "support"))
from browser import chromium_page  # noqa: E402

pytestmark = pytest.mark.needs_test_tools

ASSIGNMENT = "01_images_as_arrays"
TOKEN = "course-browser-test"

WRONG = '''def to_grayscale(rgb, method="luminosity"):
    rgb = np.asarray(rgb, dtype=float)
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    if method == "average":
        return (red + green + blue) / 3
    if method == "luminosity":
        return 0.114 * red + 0.587 * green + 0.299 * blue
    if method == "desaturation":
        return (np.maximum(np.maximum(red, green), blue) + np.minimum(np.minimum(red, green), blue)) / 2
    raise ValueError(method)'''
RIGHT = WRONG.replace("0.114 * red + 0.587 * green + 0.299 * blue", "0.299 * red + 0.587 * green + 0.114 * blue")

# JupyterLab settings for a test: every cell in the page (no windowing), no news pop-ups.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                       "checkForUpdates": False},
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def jupyterlab(tmp_path):
    """JupyterLab serving a copy of the learner notebooks; yields its base URL."""
    notebooks = tmp_path / "course"
    shutil.copytree(paths.course_dir(ROOT) / ASSIGNMENT, notebooks / ASSIGNMENT)
    settings = tmp_path / "settings"
    for name, values in SETTINGS.items():
        target = settings / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    port = _free_port()
    env = subprocess_env(JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTERLAB_SETTINGS_DIR=str(settings),
                         JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"))
    env.pop("COURSE_QUICK", None)  # the learner's own run
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--ServerApp.root_dir={notebooks}", f"--IdentityProvider.token={TOKEN}",
         "--allow-root", "--LabApp.news_url=None"],
        env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "jupyterlab.log", "w"))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=5)
            break
        except OSError:
            assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "jupyterlab.log").read_text()
            time.sleep(0.5)
    yield base
    server.terminate()
    server.wait(timeout=30)


def _cell(page, text: str):
    return page.locator(".jp-Notebook .jp-Cell").filter(has_text=text).first


def _replace_code(page, cell, code: str) -> None:
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(code)


def test_learner_sees_the_named_mistake_then_a_tick(jupyterlab, tmp_path):
    with chromium_page(tmp_path / "screenshots") as page:
        page.goto(f"{jupyterlab}/lab/tree/{ASSIGNMENT}/{ASSIGNMENT}.ipynb?token={TOKEN}")
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
        answer = _cell(page, "def to_grayscale")
        _replace_code(page, answer, WRONG)

        page.locator(".lm-MenuBar-item", has_text="Run").first.click()
        page.locator(".lm-Menu-item", has_text="Run All Cells").first.click()
        test_cell = _cell(page, "check.to_grayscale(to_grayscale)")
        failure = test_cell.locator(".jp-OutputArea-output", has_text="✘")
        failure.wait_for(timeout=300_000)
        shown = test_cell.locator(".jp-OutputArea").inner_text()
        assert "red and blue weights swapped" in shown, shown
        assert "Traceback" not in shown and "File " not in shown and "AssertionError" not in shown, shown
        page.screenshot(path=str(tmp_path / "screenshots" / "mistake.png"))

        _replace_code(page, answer, RIGHT)
        page.keyboard.press("Shift+Enter")  # run the answer; the test cell below becomes active
        page.keyboard.press("Shift+Enter")  # run the test cell
        test_cell.locator(".jp-OutputArea-output", has_text="✔ to_grayscale: correct.").wait_for(timeout=120_000)
        assert "✘" not in test_cell.locator(".jp-OutputArea").inner_text()
        page.screenshot(path=str(tmp_path / "screenshots" / "passed.png"))
