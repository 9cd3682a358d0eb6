"""Issue 17, item 3: the class's JupyterHub (deploy/jupyterhub/, docs/jupyterhub.md), for real.

Root makes an instructor, a learner and an outsider (Unix accounts with passwords), the
class's two Unix groups and an exchange, as docs/jupyterhub.md says; the instructor
releases 01_images_as_arrays with nbgrader. Then JupyterHub (from PyPI, with its proxy
configurable-http-proxy from npm) starts with deploy/jupyterhub/jupyterhub_config.py, and
headless Chromium (tests/support/browser.py) logs in through PAM:

- the learner lands in JupyterLab (their own server, running as their account), sees the
  released assignment in nbgrader's assignment list, fetches it, opens the notebook and
  runs its imports with the course's kernel; the formgrader is not there for them;
- the outsider (in neither group) is refused;
- the instructor's JupyterLab has the formgrader, showing the course's assignment.

`pytest -rP` prints each step's duration. The run uses about 80 s of CPU (two JupyterLab
servers, a kernel, the hub and Chromium); on the 2-core development machine shared with
other jobs (load average 15) it took 5 to 6 minutes.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tests" / "support"))
import class_accounts as accounts  # noqa: E402
import jupyterhub_proxy  # noqa: E402
from browser import chromium_page  # noqa: E402
from class_accounts import Account  # noqa: E402

ASSIGNMENT = "01_images_as_arrays"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
COURSE_ID = "cnn-course"
HUB_CONFIG = accounts.DEPLOY / "jupyterhub_config.py"
COMMON_SETTINGS = accounts.DEPLOY / "jupyter" / "common"
SPAWN_TIMEOUT_MS = 240_000

CANNOT_RUN = accounts.can_run_tests()
pytestmark = [
    pytest.mark.xdist_group("jupyterhub"),
    pytest.mark.skipif(CANNOT_RUN is not None and not os.environ.get("CI"),
                       reason=f"{CANNOT_RUN} (CI runs it as root)"),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Timer:
    def __init__(self):
        self.started = time.monotonic()
        self.last = self.started

    def lap(self, what: str) -> None:
        now = time.monotonic()
        print(f"[jupyterhub] {what}: {now - self.last:.1f} s (at {now - self.started:.1f} s)", flush=True)
        self.last = now


@dataclass
class Hub:
    url: str
    instructor: Account
    learner: Account
    outsider: Account
    exchange: Path
    log: Path
    timer: Timer

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-6000:] if self.log.exists() else "(no hub log)"


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to JupyterHub itself (bwrap's child): it stops the proxy and the user servers."""
    for pid in _children(process.pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 15)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)


def _release(instructor: Account, exchange: Path, view: accounts.View) -> None:
    """The instructor's course (the committed release of 01) and `nbgrader release_assignment`."""
    course = instructor.home / "cnn-course"
    shutil.copytree(ROOT / "solutions" / ASSIGNMENT, course / "solutions" / ASSIGNMENT)
    shutil.copytree(ROOT / "course" / ASSIGNMENT, course / "course" / ASSIGNMENT)
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    # the formgrader finds the course through the instructor's own nbgrader config
    (instructor.home / ".jupyter").mkdir()
    (instructor.home / ".jupyter" / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(course)!r}\n")
    for folder in (course, instructor.home / ".jupyter"):
        subprocess.run(["chown", "-R", f"{instructor.uid}:{instructor.gid}", str(folder)], check=True)
    env = accounts.account_environment(instructor, JUPYTER_CONFIG_PATH=str(COMMON_SETTINGS),
                                       CNN_COURSE_EXCHANGE=str(exchange))
    accounts.run_as(instructor, ["nbgrader", "release_assignment", ASSIGNMENT], view, cwd=course, env=env).check()


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    assert CANNOT_RUN is None, CANNOT_RUN
    timer = Timer()
    proxy = jupyterhub_proxy.ensure()
    timer.lap("proxy from npm (cached after the first run)")
    base = accounts.shared_temporary_folder("cnn-hub-")
    homes = base / "home"
    homes.mkdir(mode=0o755)
    exchange = base / "exchange"
    exchange.mkdir()
    exchange.chmod(0o1777)
    state = base / "jupyterhub"  # the hub's database, cookie secret and log: root only
    state.mkdir(mode=0o700)
    stem = accounts.unique_prefix("cnh")
    learners, instructors = f"{stem}-learners", f"{stem}-teachers"
    groups, made, hub_process = [], [], None
    try:
        for group in (learners, instructors):
            accounts.create_group(group)
            groups.append(group)
        instructor = accounts.create_account(f"{stem}i", homes, groups=(instructors,))
        made.append(instructor)
        learner = accounts.create_account(f"{stem}l", homes, groups=(learners,))
        made.append(learner)
        outsider = accounts.create_account(f"{stem}o", homes)
        made.append(outsider)
        (exchange / COURSE_ID).mkdir(mode=0o755)
        os.chown(exchange / COURSE_ID, instructor.uid, instructor.gid)
        timer.lap("accounts, groups and exchange")

        view = accounts.course_environment_view(extra=[proxy.parents[2]])
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        command = [*view.bwrap(), "--chdir", str(state), "--",
                   str(Path(sys.prefix) / "bin" / "jupyterhub"), "-f", str(HUB_CONFIG),
                   f"--JupyterHub.bind_url={url}", f"--JupyterHub.hub_bind_url=http://127.0.0.1:{_free_port()}",
                   f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{_free_port()}",
                   f"--ConfigurableHTTPProxy.command={proxy}"]
        env = {"PATH": f"{Path(sys.prefix) / 'bin'}:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
               "HOME": str(state), "CNN_HUB_LEARNERS": learners, "CNN_HUB_INSTRUCTORS": instructors,
               "CNN_COURSE_EXCHANGE": str(exchange)}
        log = state / "jupyterhub.log"
        hub_process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=open(log, "w"))
        _release(instructor, exchange, view)  # while the hub starts
        timer.lap("instructor: nbgrader release_assignment (while the hub starts)")
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{url}/hub/api", timeout=5) as response:
                    version = json.loads(response.read())["version"]
                break
            except OSError:
                assert hub_process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.5)
        timer.lap(f"JupyterHub {version} and its proxy answer")
        yield Hub(url, instructor, learner, outsider, exchange, log, timer)
    finally:
        if hub_process is not None:
            _stop(hub_process)
        for account in made:
            accounts.remove_account(account)
        for group in groups:
            accounts.remove_group(group)
        shutil.rmtree(base, ignore_errors=True)


def log_in(page, hub: Hub, account: Account) -> None:
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", account.name)
    page.fill("#password_input", account.password)
    page.click("#login_submit")


def wait_for_lab(page, hub: Hub, account: Account) -> None:
    page.wait_for_url(f"**/user/{account.name}/lab**", timeout=SPAWN_TIMEOUT_MS)
    page.wait_for_selector("#jp-main-dock-panel", timeout=SPAWN_TIMEOUT_MS)
    page.locator(".lm-MenuBar-item", has_text="Nbgrader").wait_for(timeout=120_000)


def nbgrader_menu(page) -> list[str]:
    page.locator(".lm-MenuBar-item", has_text="Nbgrader").click()
    menu = page.locator(".lm-Menu").last
    menu.wait_for()
    items = [text.strip() for text in menu.locator(".lm-Menu-item:visible .lm-Menu-itemLabel").all_inner_texts()]
    return items


def test_learner_logs_in_fetches_and_runs_the_assignment(hub: Hub, tmp_path):
    learner = hub.learner
    shots = tmp_path / "screenshots"
    with chromium_page(shots) as page:
        log_in(page, hub, learner)
        wait_for_lab(page, hub, learner)
        hub.timer.lap("learner: logged in, JupyterLab loaded (server spawned)")

        items = nbgrader_menu(page)
        assert "Assignment List" in items, items
        assert "Formgrader" not in items and "Course List" not in items, f"a learner's Nbgrader menu: {items}"
        page.locator(".lm-Menu-item", has_text="Assignment List").click()
        released = page.locator("#released_assignments_list")
        released.get_by_text(ASSIGNMENT).first.wait_for(timeout=120_000)
        assert COURSE_ID in released.inner_text()
        page.screenshot(path=str(shots / "assignment-list.png"))
        hub.timer.lap("learner: the released assignment is listed")

        released.locator("button", has_text="Fetch").click()
        page.locator("#fetched_assignments_list").get_by_text(ASSIGNMENT).first.wait_for(timeout=120_000)
        fetched = learner.home / ASSIGNMENT / NOTEBOOK
        assert fetched.is_file() and fetched.stat().st_uid == learner.uid
        hub.timer.lap("learner: fetched it")

        formgrader = page.request.get(f"{hub.url}/user/{learner.name}/formgrader")
        assert formgrader.status == 404, f"a learner's server serves the formgrader ({formgrader.status})"
        listed = page.request.get(f"{hub.url}/user/{learner.name}/assignments?course_id={COURSE_ID}").json()
        assert any(entry["assignment_id"] == ASSIGNMENT for entry in listed["value"]), listed

        page.goto(f"{hub.url}/user/{learner.name}/lab/tree/{ASSIGNMENT}/{NOTEBOOK}")
        imports = page.locator(".jp-Notebook .jp-Cell").filter(has_text="from autograder import check").first
        imports.wait_for(timeout=120_000)
        page.locator(".jp-Toolbar-kernelName", has_text="Python 3 (CNN course)").first.wait_for(timeout=120_000)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=SPAWN_TIMEOUT_MS)
        imports.locator(".cm-content").click()
        page.keyboard.press("Shift+Enter")
        imports.locator(".jp-InputPrompt", has_text="[1]").wait_for(timeout=SPAWN_TIMEOUT_MS)
        assert not imports.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count()
        page.screenshot(path=str(shots / "notebook.png"))
        hub.timer.lap("learner: opened the notebook, ran its imports with the course's kernel")

    kernels = [pid for pid in accounts.processes_of(learner.uid)
               if b"ipykernel_launcher" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    assert kernels, "the kernel runs as the learner's account"


def test_outsider_is_refused(hub: Hub, tmp_path):
    with chromium_page(tmp_path / "screenshots") as page:
        log_in(page, hub, hub.outsider)
        page.locator(".login_error").wait_for(timeout=60_000)
        assert "/hub/login" in page.url
    assert not accounts.processes_of(hub.outsider.uid), "no server was started for the outsider"
    hub.timer.lap("outsider: refused")


def test_instructor_has_the_formgrader(hub: Hub, tmp_path):
    instructor = hub.instructor
    shots = tmp_path / "screenshots"
    with chromium_page(shots) as page:
        log_in(page, hub, instructor)
        wait_for_lab(page, hub, instructor)
        items = nbgrader_menu(page)
        assert {"Assignment List", "Course List", "Formgrader"} <= set(items), items
        page.keyboard.press("Escape")
        hub.timer.lap("instructor: logged in, JupyterLab with the formgrader")
        # JupyterHub forbids framing its pages, so the formgrader opens in a tab of its own
        page.goto(f"{hub.url}/user/{instructor.name}/formgrader")
        page.get_by_text("Manage Assignments").first.wait_for(timeout=120_000)
        row = page.locator("table tr", has_text=ASSIGNMENT).first
        row.wait_for(timeout=120_000)
        assert "released" in row.inner_text(), f"the formgrader does not see the release: {row.inner_text()}"
        page.screenshot(path=str(shots / "formgrader.png"))
        hub.timer.lap("instructor: the formgrader lists the assignment")
