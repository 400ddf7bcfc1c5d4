#!/usr/bin/env bash
# Bundle and minify the offline pages' scripts and styles with esbuild (installed by npm from
# package.json): app/assets/<page>.{js,css} -> app/static/dist/<page>.{js,css}. The sources
# under app/static stay as they are; the tablet loads one script and one stylesheet instead
# of eight files. `make setup` runs this when a source changed; tests/conftest.py checks the
# bundles are current before a browser test runs.
set -euo pipefail
cd "$(dirname "$0")/.."
ESBUILD=node_modules/.bin/esbuild
if [ ! -x "$ESBUILD" ]; then
  echo "esbuild is missing: run 'make setup' (npm ci installs it)." >&2
  exit 1
fi
out=app/static/dist
rm -rf "$out.tmp"
mkdir -p "$out.tmp"
# Tablets of several years back: syntax newer than ES2017 is rewritten.
"$ESBUILD" app/assets/tablet.js app/assets/tablet.css --bundle --minify --target=es2017 \
  --sourcemap=linked --charset=utf8 --legal-comments=linked --log-level=warning --outdir="$out.tmp"
rm -rf "$out"
mv "$out.tmp" "$out"
