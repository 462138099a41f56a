#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on a free loopback port for the tests that prove nothing is SQLite-only.
# Usage: scripts/start-test-postgres.sh [FOLDER]   (FOLDER: where its files go; a new temporary one by default)
# Prints the SQLAlchemy URL to use as SAFEGUARD_TEST_POSTGRES_URL. Stop it with scripts/stop-test-postgres.sh FOLDER.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >&2
fi
bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")
dir="${1:-$(mktemp -d /tmp/safeguard-pg.XXXXXX)}"
mkdir -p "$dir"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$dir"
  as_pg=(runuser -u postgres --)
fi
# Passwords are checked over TCP (scram-sha-256), as on a school's server, so the tests of logins see a wrong
# password refused; the local socket stays trusted for pg_ctl.
secret=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
printf '%s\n' "$secret" > "$dir/pw"
[ "$(id -u)" -eq 0 ] && chown postgres "$dir/pw"
"${as_pg[@]}" "$bin/initdb" -D "$dir/data" -U safeguard --pwfile="$dir/pw" --auth-local=trust \
  --auth-host=scram-sha-256 -E UTF8 >/dev/null
rm -f "$dir/pw"
"${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -o "-p $port -k $dir -c listen_addresses=127.0.0.1" -w start >/dev/null
echo "postgresql+psycopg://safeguard:$secret@127.0.0.1:$port/postgres"
