#!/usr/bin/env bash
# Make sure the fonts and libraries WeasyPrint compiles the bilan's PDF with are there:
# Pango (Debian's libpango) and the DejaVu fonts, which the PDF embeds.
set -euo pipefail
if fc-list 2>/dev/null | grep -qi "DejaVuSans.ttf" && ldconfig -p | grep -q libpango-1.0; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing the PDF fonts and Pango from Debian's packages..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    fonts-dejavu-core fonts-dejavu-extra libpango-1.0-0 libpangoft2-1.0-0 fontconfig >/dev/null
  exit 0
fi
echo "Fonts for the PDF are missing: install Debian's fonts-dejavu-core and libpango-1.0-0." >&2
exit 1
