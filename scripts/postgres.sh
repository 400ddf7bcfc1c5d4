#!/usr/bin/env bash
# Print the URL of a PostgreSQL server the tests may create databases on.
# Uses the machine's server on 127.0.0.1:5432 when one answers (trust auth); otherwise starts
# a private one from Debian's packages (installing them if needed) on 127.0.0.1:5433.
# Exits non-zero, saying why on stderr, when no server can be had.
set -euo pipefail

PRIVATE_PORT=5433
PRIVATE_DIR=${AFFLUENCE_PG_DIR:-/tmp/affluence-pg}

ready() { pg_isready -q -h 127.0.0.1 -p "$1" 2>/dev/null; }

if [ -n "${TEST_DATABASE_URL:-}" ]; then echo "$TEST_DATABASE_URL"; exit 0; fi
if command -v pg_isready >/dev/null && ready 5432 \
   && psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
  echo "postgresql://postgres@127.0.0.1:5432/postgres"; exit 0
fi
if command -v pg_isready >/dev/null && ready "$PRIVATE_PORT"; then
  echo "postgresql://postgres@127.0.0.1:$PRIVATE_PORT/postgres"; exit 0
fi

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing PostgreSQL from Debian's packages..." >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
    bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  fi
fi
if [ -z "$bindir" ]; then
  echo "no PostgreSQL server answers and none can be installed here" >&2; exit 1
fi

# initdb refuses to run as root: run the private server as the postgres system user.
as_owner=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home "$PRIVATE_DIR" postgres
  as_owner=(runuser -u postgres --)
fi
mkdir -p "$PRIVATE_DIR"
[ "$(id -u)" = 0 ] && chown postgres "$PRIVATE_DIR"
if [ ! -f "$PRIVATE_DIR/data/PG_VERSION" ]; then
  "${as_owner[@]}" "$bindir/initdb" -D "$PRIVATE_DIR/data" -U postgres --auth=trust -E UTF8 >&2
fi
"${as_owner[@]}" "$bindir/pg_ctl" -D "$PRIVATE_DIR/data" -l "$PRIVATE_DIR/server.log" -w \
  -o "-p $PRIVATE_PORT -k $PRIVATE_DIR -c listen_addresses=127.0.0.1" start >&2
echo "postgresql://postgres@127.0.0.1:$PRIVATE_PORT/postgres"
