#!/usr/bin/env bash
# Installs Debian's redis-server for tests/mock/test_stores.py, which starts a real Redis on a free
# port and has two mocks (and a two-worker server) share the sessions' writes through it, as
# `serve --state redis://...` does behind a load balancer.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null
