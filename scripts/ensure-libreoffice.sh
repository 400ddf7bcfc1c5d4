#!/usr/bin/env bash
# Make sure Debian's LibreOffice Calc (headless) is there: the print test converts the
# annual workbook to PDF with it.
set -euo pipefail
if command -v soffice >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing LibreOffice Calc from Debian's packages..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    libreoffice-calc-nogui poppler-utils >/dev/null
  exit 0
fi
echo "LibreOffice is missing: install Debian's 'libreoffice-calc-nogui' package." >&2
exit 1
