#!/usr/bin/env bash
# Debian packages that only the tests need: Chromium for the browser tests (the website,
# the learner's JupyterLab flow); bubblewrap (the grading sandbox; util-linux's setpriv,
# which grading also uses, is always installed), and Node.js with npm for JupyterHub's proxy,
# for the class tests (tests/test_exchange_loop.py, tests/test_jupyterhub.py). Installed
# with apt when missing, as root or through sudo; a learner's set-up (make course) never
# runs this.
set -euo pipefail
packages=(chromium bubblewrap)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
# Any Node.js 18+ with npm will do (NodeSource's nodejs brings its own npm).
{ command -v node && command -v npm; } >/dev/null || missing+=(nodejs npm)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing for the tests: ${missing[*]}"
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
