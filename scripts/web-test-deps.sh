#!/usr/bin/env bash
# The browser for the web tests: Debian's Chromium (never a downloaded browser build).
#
#   scripts/web-test-deps.sh      install chromium + a font when /usr/bin/chromium is missing
#
# Idempotent: does nothing when /usr/bin/chromium is already there. Playwright drives it
# through `executable_path="/usr/bin/chromium"`; `playwright install` is never run.
set -euo pipefail

say() { printf 'web-test-deps: %s\n' "$*" >&2; }

if [[ -x /usr/bin/chromium ]]; then
    exit 0
fi
SUDO=""
if [[ "$(id -u)" != 0 ]]; then
    SUDO="sudo"
fi
say "installing Debian's chromium (for the Playwright web tests)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
test -x /usr/bin/chromium || { say "error: /usr/bin/chromium still missing"; exit 1; }
say "$(/usr/bin/chromium --version 2>/dev/null || echo chromium installed)"
