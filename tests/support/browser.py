"""Headless Chromium for the tests: Debian's package, driven by Playwright for Python.

Playwright's own browser download is unreachable from CI, so the tests drive the system
Chromium (`make test-tools` installs it) through ``executable_path``.
"""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

# Without the background-networking flags Chromium keeps trying to reach Google's hosts,
# which a closed network refuses.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "Chromium is missing: `make test-tools` installs it (Debian package chromium)"
    return found


@contextlib.contextmanager
def chromium_page(screenshots: Path, viewport=(1400, 1000)):
    """A Playwright page in headless system Chromium; on an exception, a screenshot of it
    is saved in ``screenshots`` (the assertion message names the file)."""
    from playwright.sync_api import sync_playwright

    screenshots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
        try:
            yield page
        except BaseException as error:
            shot = screenshots / "failure.png"
            with contextlib.suppress(Exception):
                page.screenshot(path=str(shot), full_page=False)
            raise AssertionError(f"{error}\n(screenshot: {shot})") from error
        finally:
            browser.close()
