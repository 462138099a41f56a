#!/usr/bin/env bash
# Stop the throwaway PostgreSQL server started by scripts/start-test-postgres.sh FOLDER, and remove FOLDER.
set -uo pipefail
dir="$1"
[ -d "$dir/data" ] || { rm -rf "$dir"; exit 0; }
bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -1)")
as_pg=()
[ "$(id -u)" -eq 0 ] && as_pg=(runuser -u postgres --)
"${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
rm -rf "$dir"
