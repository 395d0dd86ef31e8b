#!/usr/bin/env bash
# System packages the test suite needs beyond the venv (installed once per machine).
# - chromium: the eval HTML report is opened in a real headless browser, and the review
#   workbench is driven end to end in it (Playwright, pointed at this executable).
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test-prereqs: installing chromium (headless browser for the report test)..."
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "test-prereqs: chromium not found and cannot be installed here; the browser test will be skipped" >&2
  fi
fi
