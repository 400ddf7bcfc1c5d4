# Affluence: `make run` to use it, `make test` to check it. Both set everything up first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: setup db run serve scheduler test test-sqlite test-postgres bench translations-update clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

app/static/vendor/.installed: package.json package-lock.json scripts/vendor.sh
	npm ci --no-audit --no-fund --loglevel=error
	scripts/vendor.sh
	touch $@

# The tablet's bundles (esbuild, from package.json): rebuilt when a script or a style changed.
app/static/dist/.built: app/static/vendor/.installed scripts/build-assets.sh $(wildcard app/assets/*) $(wildcard app/static/js/*.js) $(wildcard app/static/css/*.css)
	scripts/build-assets.sh
	touch $@

app/translations/en/LC_MESSAGES/messages.mo: app/translations/en/LC_MESSAGES/messages.po $(VENV)/.installed
	$(VENV)/bin/pybabel compile --use-fuzzy -d app/translations

instance/config.py:
	mkdir -p instance
	umask 077; $(PY) -c "import secrets; print('SECRET_KEY = ' + repr(secrets.token_hex(32)))" > $@

setup: $(VENV)/.installed app/static/vendor/.installed app/static/dist/.built app/translations/en/LC_MESSAGES/messages.mo instance/config.py
	scripts/ensure-pdf-fonts.sh

## Database: migrate, seed the reference data, create the first admin (printed once).
db: setup
	$(FLASK) db upgrade
	$(FLASK) seed
	$(FLASK) users ensure-admin

## Serve on http://127.0.0.1:5000 (SQLite in instance/), with the report scheduler beside it.
run: db
	@$(FLASK) scheduler run & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null; wait $$scheduler 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

## The production setup, locally: gunicorn (gthread workers, deploy/gunicorn.conf.py) and the
## scheduler as two processes, AFFLUENCE_ENV=production, with the key generated into
## instance/config.py. No proxy in front here, so no X-Forwarded-* is trusted.
serve: db
	@export AFFLUENCE_ENV=production AFFLUENCE_PROXY_COUNT=0 AFFLUENCE_BIND=$(HOST):$(PORT); \
	$(FLASK) scheduler run & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null; wait $$scheduler 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	$(VENV)/bin/gunicorn --config deploy/gunicorn.conf.py wsgi:app

## The whole suite: SQLite, then PostgreSQL (a local server, or one the script starts).
test: setup
	scripts/ensure-chromium.sh
	scripts/ensure-libreoffice.sh
	$(PY) -m pytest
	scripts/test-postgres.sh

test-sqlite: setup
	scripts/ensure-libreoffice.sh
	$(PY) -m pytest

test-postgres: setup
	scripts/test-postgres.sh

## Benchmarks: print their figures; never part of the test run.
bench: setup
	$(PY) bench/capture.py
	$(PY) bench/stats.py
	$(PY) bench/bilan.py

translations-update: setup
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -o app/translations/messages.pot .
	$(VENV)/bin/pybabel update -i app/translations/messages.pot -d app/translations

clean:
	rm -rf $(VENV) node_modules app/static/vendor
