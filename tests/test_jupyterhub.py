"""Issue 17, item 3: the class's JupyterHub (deploy/jupyterhub/, docs/jupyterhub.md), for real.

Root makes an instructor, a learner and an outsider (Unix accounts with passwords), the
class's two Unix groups and an exchange, as docs/jupyterhub.md says; the instructor
releases 01_images_as_arrays with nbgrader. Then JupyterHub (from PyPI, with its proxy
configurable-http-proxy from npm) starts with deploy/jupyterhub/jupyterhub_config.py, and
headless Chromium (tests/support/browser.py) logs in through PAM:

- the learner lands in JupyterLab (their own server, running as their account, with the
  course's kernel), sees the released assignment in nbgrader's assignment list and
  fetches it; the formgrader is neither in their menu nor served to them;
- the instructor's server (spawned at the same time) serves the formgrader, which lists
  the assignment as released;
- the outsider (in neither group) is refused, and no server starts for them.

One test, so that the hub, the accounts and the two servers start once. `pytest -rP`
prints each step's duration.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
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

pytestmark = [
    pytest.mark.xdist_group("jupyterhub"),
    pytest.mark.needs_test_tools,
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
def hub():
    accounts.require_accounts()
    timer = Timer()
    proxy = jupyterhub_proxy.ensure()
    timer.lap("proxy from npm (installed by make test-tools)")
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
                time.sleep(0.2)
        timer.lap(f"JupyterHub {version} and its proxy answer")
        yield Hub(url, instructor, learner, outsider, log, timer)
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


def nbgrader_menu(page) -> list[str]:
    page.locator(".lm-MenuBar-item", has_text="Nbgrader").click()
    menu = page.locator(".lm-Menu").last
    menu.wait_for()
    items = [text.strip() for text in menu.locator(".lm-Menu-item:visible .lm-Menu-itemLabel").all_inner_texts()]
    page.keyboard.press("Escape")
    return items


def get_json(request, url: str, timeout_s: float = SPAWN_TIMEOUT_MS / 1000):
    """GET ``url`` with a browser context's cookies until it answers JSON (a server that
    is still starting answers with the hub's HTML pages)."""
    deadline = time.monotonic() + timeout_s
    while True:
        response = request.get(url)
        if response.ok:
            with contextlib.suppress(ValueError):
                return json.loads(response.text())
        assert time.monotonic() < deadline, f"{url}: {response.status} {response.text()[:500]}"
        time.sleep(0.5)


def test_learner_in_jupyterlab_instructor_with_formgrader_outsider_refused(hub: Hub, tmp_path):
    learner, instructor = hub.learner, hub.instructor
    shots = tmp_path / "screenshots"
    with chromium_page(shots) as page:
        browser = page.context.browser
        # the instructor logs in first; their server starts while the learner's does
        teacher = browser.new_context().new_page()
        log_in(teacher, hub, instructor)
        teacher.wait_for_url(re.compile(r".*/(spawn-pending|user)/.*"), timeout=60_000)  # spawn started
        teacher.goto("about:blank")  # the formgrader is checked through its API, not drawn
        log_in(page, hub, learner)
        hub.timer.lap("instructor and learner: logged in, their servers starting")

        outsider = browser.new_context().new_page()
        log_in(outsider, hub, hub.outsider)
        outsider.locator(".login_error").wait_for(timeout=60_000)
        assert "/hub/login" in outsider.url
        outsider.context.close()
        hub.timer.lap("outsider: refused")

        page.wait_for_url(f"**/user/{learner.name}/lab**", timeout=SPAWN_TIMEOUT_MS)
        page.wait_for_selector("#jp-main-dock-panel", timeout=SPAWN_TIMEOUT_MS)
        page.locator(".lm-MenuBar-item", has_text="Nbgrader").wait_for(timeout=120_000)
        hub.timer.lap("learner: JupyterLab loaded (server spawned)")

        items = nbgrader_menu(page)
        assert "Assignment List" in items, items
        assert "Formgrader" not in items and "Course List" not in items, f"a learner's Nbgrader menu: {items}"
        page.locator(".lm-MenuBar-item", has_text="Nbgrader").click()
        page.locator(".lm-Menu-item", has_text="Assignment List").click()
        released = page.locator("#released_assignments_list")
        released.get_by_text(ASSIGNMENT).first.wait_for(timeout=120_000)
        assert COURSE_ID in released.inner_text()
        page.screenshot(path=str(shots / "assignment-list.png"))
        released.locator("button", has_text="Fetch").click()
        page.locator("#fetched_assignments_list").get_by_text(ASSIGNMENT).first.wait_for(timeout=120_000)
        fetched = learner.home / ASSIGNMENT / NOTEBOOK
        assert fetched.is_file() and fetched.stat().st_uid == learner.uid
        hub.timer.lap("learner: the released assignment is listed and fetched")

        user_url = f"{hub.url}/user/{learner.name}"
        assert page.request.get(f"{user_url}/formgrader").status == 404, "a learner's server serves the formgrader"
        kernels = get_json(page.request, f"{user_url}/api/kernelspecs")["kernelspecs"]
        assert any(spec["spec"]["display_name"] == "Python 3 (CNN course)" for spec in kernels.values()), kernels
        servers = [pid for pid in accounts.processes_of(learner.uid)
                   if b"jupyterhub-singleuser" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert servers, "the learner's server runs as the learner's account"

        assignments = get_json(teacher.request, f"{hub.url}/user/{instructor.name}/formgrader/api/assignments")
        status = {entry["name"]: entry["status"] for entry in assignments}
        assert status.get(ASSIGNMENT) == "released", f"the formgrader does not see the release: {assignments}"
        hub.timer.lap("instructor: the formgrader lists the assignment as released")
    assert not accounts.processes_of(hub.outsider.uid), "no server was started for the outsider"
