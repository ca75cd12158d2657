#!/usr/bin/env bash
# Installs Debian's Chromium (and its fonts) for the browser test in tests/scenarios/test_browser.py, which
# drives Swagger UI and a page on another origin in a real browser. Playwright's own browser
# download is not used: Debian's package is what this machine's registries offer, and the test
# points Playwright at /usr/bin/chromium.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
