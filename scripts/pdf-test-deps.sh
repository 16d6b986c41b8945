#!/usr/bin/env bash
# pdftotext (Debian's poppler-utils) for the PDF certificate tests: the certificate must read
# well in the tool people and systems actually use to extract text from PDFs.
# Idempotent: does nothing when pdftotext is already there.
set -euo pipefail
if command -v pdftotext >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
if [[ "$(id -u)" != 0 ]]; then
    SUDO="sudo"
fi
printf 'pdf-test-deps: installing poppler-utils (pdftotext)\n' >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends poppler-utils >/dev/null
command -v pdftotext >/dev/null || { printf 'pdf-test-deps: pdftotext still missing\n' >&2; exit 1; }
