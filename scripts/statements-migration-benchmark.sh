#!/usr/bin/env bash
# How long migration 000019 (statements) takes on a database of today's
# schema before it: seeds N synthetic defenders with the release binary,
# undoes the migration (drops the table and its record in seaql_migrations,
# as `Migrator::down` would), then times `rights-graph migrate` (the table,
# its index, and the backfill: every record's current values filed as its
# contributor's statements) and the first start of `serve` after it (which
# finds nothing left to file).
# Usage: scripts/statements-migration-benchmark.sh [N]   (N = 100000 by
# default; ENGINES="sqlite" or "postgres" runs one engine only; BIN=path
# times another build instead of building this checkout)
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-100000}
BIN=${BIN:-target/release/rights-graph}
PG_ADMIN=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
WORK=$(mktemp -d)
PG_DB="rights_graph_migration_$$"
PORT=${PORT:-18431}
cleanup() {
    if [[ -n "${SERVER:-}" ]]; then kill "$SERVER" 2>/dev/null || true; fi
    rm -rf "$WORK"
    psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

if [[ "$BIN" == target/release/rights-graph ]]; then cargo build --release --quiet; fi

seconds_since() { printf "%.2f" "$(echo "scale=3; ($(date +%s%N) - $1) / 1000000000" | bc)"; }

run() {
    local label=$1 url=$2 undo=$3 count=$4 started
    export DATABASE_URL=$url LOG_FORMAT=text RUST_LOG=warn SKIP_SAMPLE_DATA=true
    "$BIN" seed synthetic --defenders "$N" --seed 1 >/dev/null
    eval "$undo"
    started=$(date +%s%N)
    "$BIN" migrate
    echo "$label: migrate (table, index and statements filed) in $(seconds_since "$started") s; $(eval "$count")"
    started=$(date +%s%N)
    LISTEN_ADDR=127.0.0.1:$PORT "$BIN" serve &
    SERVER=$!
    until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; do sleep 0.1; done
    echo "$label: first start after it in $(seconds_since "$started") s"
    kill "$SERVER"
    wait "$SERVER" 2>/dev/null || true
    SERVER=
}

MIGRATION=m20261208_000019_statements
if [[ "${ENGINES:-sqlite postgres}" == *sqlite* ]]; then
    DB="$WORK/m.db"
    run "sqlite, $N defenders" "sqlite://$DB?mode=rwc" \
        "sqlite3 '$DB' \"DROP TABLE statement; DELETE FROM seaql_migrations WHERE version = '$MIGRATION'\"" \
        "sqlite3 '$DB' \"SELECT COUNT(*) || ' statements of ' || COUNT(DISTINCT record_id) || ' records' FROM statement\""
fi
if [[ "${ENGINES:-sqlite postgres}" == *postgres* ]]; then
    psql "$PG_ADMIN" -qc "CREATE DATABASE $PG_DB" >/dev/null
    URL="${PG_ADMIN%/*}/$PG_DB"
    run "postgres, $N defenders" "$URL" \
        "psql '$URL' -qc \"DROP TABLE statement; DELETE FROM seaql_migrations WHERE version = '$MIGRATION'\"" \
        "psql '$URL' -tAc \"SELECT COUNT(*) || ' statements of ' || COUNT(DISTINCT record_id) || ' records' FROM statement\""
fi
