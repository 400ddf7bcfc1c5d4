#!/usr/bin/env bash
# Copy the browser libraries installed by npm into app/static/vendor (served locally, no CDN).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf app/static/vendor
mkdir -p app/static/vendor/idb app/static/vendor/chartjs
cp node_modules/idb/build/umd.js app/static/vendor/idb/umd.js
cp node_modules/chart.js/dist/chart.umd.min.js app/static/vendor/chartjs/chart.umd.min.js
cp node_modules/idb/LICENSE app/static/vendor/idb/LICENSE
cp node_modules/chart.js/LICENSE.md app/static/vendor/chartjs/LICENSE.md
