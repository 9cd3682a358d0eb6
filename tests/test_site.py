"""The course website builds, and every page opens in headless Chromium with its title,
its figures and no broken internal links."""

from __future__ import annotations

import functools
import shutil
import subprocess
import threading
import urllib.parse
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from autograder import paths, site
from conftest import ROOT

pytestmark = pytest.mark.needs_test_tools

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class Page(HTMLParser):
    """What the test needs from a rendered page: title, images, links and element ids."""

    def __init__(self):
        super().__init__()
        self.title, self.images, self.links, self.ids = "", [], [], set()
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "title":
            self._in_title = True
        elif tag == "img" and attrs.get("src"):
            self.images.append(attrs["src"])
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served_site(tmp_path_factory):
    html = site.build_site(tmp_path_factory.mktemp("site"), ROOT)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(html)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield html, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def render(url: str, profile: Path) -> Page:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Chromium is missing: `make test-tools` installs it (Debian package chromium)"
    dom = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                         capture_output=True, text=True, timeout=120).stdout
    page = Page()
    page.feed(dom)
    return page


def _figures(notebook) -> int:
    return sum(any(kind in output.get("data", {}) for kind in ("image/png", "image/jpeg"))
               for cell in notebook.cells for output in cell.get("outputs", []))


def test_every_page_loads_with_title_figures_and_working_links(served_site, tmp_path):
    html, base = served_site
    pages = {"intro.html": site.TITLE}
    expected_figures = {"intro.html": 0}
    for assignment in paths.assignments(ROOT):
        notebook = site.site_notebook(assignment, ROOT)
        pages[f"{assignment}.html"] = site.chapter_title(notebook)
        expected_figures[f"{assignment}.html"] = _figures(notebook)
    rendered = {name: render(base + name, tmp_path / "profile") for name in pages}

    for name, page in rendered.items():
        assert pages[name].split("·")[-1].strip() in page.title, f"{name}: title {page.title!r}"
        local_images = [src for src in page.images if src.startswith("_images/")]
        assert len(local_images) >= expected_figures[name], f"{name}: {len(local_images)} figures"
        for src in local_images:
            assert (html / src).stat().st_size > 1000, f"{name}: empty image {src}"
        for href in page.links:
            parsed = urllib.parse.urlparse(href)
            if parsed.scheme or href.startswith(("mailto:", "javascript:")):
                continue  # external links are not ours to check offline
            target = parsed.path or name
            assert (html / target).exists(), f"{name}: broken link {href}"
            if parsed.fragment and target in rendered:
                assert parsed.fragment in rendered[target].ids, f"{name}: missing anchor {href}"
    assert sum(expected_figures.values()) > 0
    toc = rendered["intro.html"].links
    for assignment in paths.assignments(ROOT):
        assert f"{assignment}.html" in toc, f"the table of contents misses {assignment}"


def test_site_pages_show_no_answers():
    for assignment in paths.assignments(ROOT):
        notebook = site.site_notebook(assignment, ROOT)
        for cell in notebook.cells:
            assert "### BEGIN SOLUTION" not in cell.source and "HIDDEN TESTS" not in cell.source
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("solution") or meta.get("grade"):
                assert cell.outputs == [] if cell.cell_type == "code" else True
