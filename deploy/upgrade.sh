#!/usr/bin/env bash
# Upgrade an installation in /srv/affluence to the checked-out version (see docs/deployment.md).
# Run as root from /srv/affluence after `git fetch && git checkout <version>`.
set -euo pipefail
cd /srv/affluence
set -a; . /etc/affluence/affluence.env; set +a   # the services' environment, read as root
as_app() { runuser -u affluence -- "$@"; }       # runuser -u keeps that environment

systemctl stop affluence-scheduler           # no report or backup runs during the upgrade
as_app .venv/bin/flask --app wsgi backup create   # a restore point, printed
as_app .venv/bin/pip install --quiet -r requirements.txt
npm ci --no-audit --no-fund --loglevel=error && scripts/vendor.sh && scripts/build-assets.sh
as_app .venv/bin/pybabel compile -d app/translations
as_app .venv/bin/flask --app wsgi db upgrade      # migrations: additive, in one transaction on PostgreSQL
as_app .venv/bin/flask --app wsgi seed            # new reference rows; admins' edits kept
systemctl restart affluence-web
systemctl start affluence-scheduler          # catches up on anything missed meanwhile
echo "Upgraded to $(git describe --always --tags)."
