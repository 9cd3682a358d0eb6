"""JupyterHub's proxy for the tests: `configurable-http-proxy` from the npm registry.

JupyterHub (a Python package) starts its proxy as a separate Node.js program. The version
and every dependency are pinned by ``jupyterhub_proxy/package-lock.json``; ``npm ci``
installs exactly that into ``.cache/jupyterhub-proxy/`` (ignored by git), once. Run by
``make test-tools`` (``python tests/support/jupyterhub_proxy.py build``) and, when the
cache is missing, by tests/test_jupyterhub.py itself. Needs ``node`` (18 or newer) and
``npm``: tests/support/system-packages.sh installs Debian's.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = Path(__file__).resolve().parent / "jupyterhub_proxy"
CACHE = ROOT / ".cache" / "jupyterhub-proxy"
STAMP = CACHE / ".installed-lock-sha256"


def _lock_digest() -> str:
    return hashlib.sha256((SPEC / "package-lock.json").read_bytes()).hexdigest()


def proxy_command() -> Path:
    """The installed `configurable-http-proxy` launcher."""
    return CACHE / "node_modules" / ".bin" / "configurable-http-proxy"


def is_installed() -> bool:
    return proxy_command().exists() and STAMP.exists() and STAMP.read_text().strip() == _lock_digest()


def ensure() -> Path:
    """Install the pinned proxy into the cache unless it is already there; return its launcher."""
    if is_installed():
        return proxy_command()
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise RuntimeError("node and npm are missing: tests/support/system-packages.sh installs them "
                           "(Debian packages nodejs, npm)")
    CACHE.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(SPEC / name, CACHE / name)
    result = subprocess.run([npm, "ci", "--omit=dev", "--no-audit", "--no-fund", "--ignore-scripts"],
                            cwd=CACHE, capture_output=True, text=True, timeout=600)
    if result.returncode != 0 or not proxy_command().exists():
        raise RuntimeError(f"npm ci of configurable-http-proxy failed:\n{result.stdout}\n{result.stderr}")
    STAMP.write_text(_lock_digest() + "\n")
    return proxy_command()


if __name__ == "__main__":
    if sys.argv[1:] != ["build"]:
        sys.exit("usage: python tests/support/jupyterhub_proxy.py build")
    print(f"configurable-http-proxy: {ensure()}")
