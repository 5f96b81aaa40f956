#!/usr/bin/env bash
# How long migration 000021 (the linked record of link statements) takes on
# a database filled by the synthetic generator: seeds N defenders, undoes the
# migration (drops the column and its record in seaql_migrations, as
# `Migrator::down` would), then times `rights-graph migrate`, which adds the
# column and fills it for every statement of a link (the records'
# statements are filed by a `migrate` before, and not timed).
# Usage: scripts/statement-links-migration-benchmark.sh [N]   (N = 100000 by
# default; ENGINES="sqlite" or "postgres" runs one engine only; BIN=path
# times another build instead of building this checkout in release mode)
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-100000}
BIN=${BIN:-target/release/rights-graph}
PG_ADMIN=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
WORK=$(mktemp -d)
PG_DB="rights_graph_links_$$"
cleanup() {
    rm -rf "$WORK"
    psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

if [[ "$BIN" == target/release/rights-graph ]]; then cargo build --release --quiet; fi

seconds_since() { printf "%.2f" "$(echo "scale=3; ($(date +%s%N) - $1) / 1000000000" | bc)"; }

MIGRATION=m20261210_000021_statement_links
UNDO="ALTER TABLE statement DROP COLUMN linked_id; DELETE FROM seaql_migrations WHERE version = '$MIGRATION'"
COUNT="SELECT COUNT(linked_id) || ' link statements of ' || COUNT(*) || ' statements' FROM statement"

run() {
    local label=$1 url=$2 sql=$3 started
    export DATABASE_URL=$url LOG_FORMAT=text RUST_LOG=warn SKIP_SAMPLE_DATA=true
    "$BIN" seed synthetic --defenders "$N" --seed 1 >/dev/null
    # Statements filed first, so that only the migration is timed.
    "$BIN" migrate
    $sql "$UNDO"
    started=$(date +%s%N)
    "$BIN" migrate
    echo "$label: migrate (column added and filled) in $(seconds_since "$started") s; $($sql "$COUNT")"
}

if [[ "${ENGINES:-sqlite postgres}" == *sqlite* ]]; then
    DB="$WORK/m.db"
    sqlite_sql() { sqlite3 "$DB" "$1"; }
    run "sqlite, $N defenders" "sqlite://$DB?mode=rwc" sqlite_sql
fi
if [[ "${ENGINES:-sqlite postgres}" == *postgres* ]]; then
    psql "$PG_ADMIN" -qc "CREATE DATABASE $PG_DB" >/dev/null
    URL="${PG_ADMIN%/*}/$PG_DB"
    postgres_sql() { psql "$URL" -qtAc "$1"; }
    run "postgres, $N defenders" "$URL" postgres_sql
fi
