#!/usr/bin/env bash
# Search latency on N defenders: imports N generated defenders (4 in 5
# public, the rest private) with the release binary into a fresh SQLite and a
# fresh PostgreSQL database, starts the server on each, and times searches
# over HTTP one at a time, anonymously and with a key of the owner (which
# also sees the private records). Prints p50/p95/p99 per query and the
# database's plan for the text match.
#   scripts/search-benchmark.sh [N]    (N = 100000 by default; ENGINES="sqlite" or "postgres")
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-100000}
BIN=target/release/rights-graph
PG_ADMIN=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
WORK=$(mktemp -d)
PG_DB="rights_graph_search_bench_$$"
SERVER=""
cleanup() {
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
    rm -rf "$WORK"
    psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

cargo build --release --quiet

awk -v n="$N" 'BEGIN {
    split("Ana María|José|Fatima|Mohammed|Li|Grace|Oksana|Nguyen|Amina|Carlos|Leila|Pavel", first, "|");
    split("Quispe|al-Rahman|Okafor|Wang|Mendoza|Haddad|Kovalenko|Tran|Diallo|Rojas|Hosseini|Ivanov", last, "|");
    split("PE|SA|NG|CN|MX|LB|UA|VN|SN|CO|IR|RU", country, "|");
    for (i = 0; i < n; i++) {
        f = first[i % 12 + 1]; l = last[int(i / 12) % 12 + 1]; c = country[i % 12 + 1];
        v = (i % 5 == 4) ? "PRIVATE" : "PUBLIC";
        printf "{\"type\":\"defender\",\"externalId\":\"S-%d\",\"name\":\"%s %s %d\",", i, f, l, i;
        printf "\"otherNames\":[{\"name\":\"%s %s\",\"kind\":\"ALIAS\"}],\"countryCode\":\"%s\",", l, f, c;
        printf "\"status\":\"AT_RISK\",\"visibility\":\"%s\",\"consent\":\"GIVEN\",", v;
        printf "\"summary\":\"Synthetic record %d: a defender of land rights facing threats.\"}\n", i;
    }
}' > "$WORK/defenders.jsonl"

measure() {
    local label=$1 url=$2 org key port
    org=$(DATABASE_URL=$url LOG_FORMAT=text RUST_LOG=warn "$BIN" org create --name "Benchmark NGO")
    key=$(DATABASE_URL=$url LOG_FORMAT=text RUST_LOG=warn "$BIN" key create --org "$org" --role READER --label bench 2>/dev/null)
    echo "== $label: importing $N defenders"
    DATABASE_URL=$url LOG_FORMAT=text RUST_LOG=warn "$BIN" import --org "$org" --format jsonl "$WORK/defenders.jsonl" 2>&1 | tail -1
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    DATABASE_URL=$url LISTEN_ADDR=127.0.0.1:$port LOG_FORMAT=text RUST_LOG=warn "$BIN" serve &
    SERVER=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
    python3 scripts/search_latency.py "$port" "$key"
    kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
}

ENGINES=${ENGINES:-sqlite postgres}
if [[ $ENGINES == *sqlite* ]]; then
    measure SQLite "sqlite://$WORK/bench.db?mode=rwc"
    echo "-- plan of the text match (SQLite):"
    python3 -c "
import sqlite3; c = sqlite3.connect('$WORK/bench.db')
q = '''EXPLAIN QUERY PLAN SELECT d.record_id FROM search_fts CROSS JOIN search_document d
 WHERE d.id = search_fts.rowid AND search_fts MATCH '(\"okafor\" OR \"okafor\"*)' AND EXISTS (SELECT 1 FROM defender x WHERE x.id = d.record_id AND x.visibility = 'PUBLIC')
 ORDER BY bm25(search_fts) LIMIT 21'''
for row in c.execute(q): print('  ', row[3])"
fi
if [[ $ENGINES == *postgres* ]]; then
    psql "$PG_ADMIN" -qc "CREATE DATABASE $PG_DB" >/dev/null
    measure PostgreSQL "${PG_ADMIN%/*}/$PG_DB"
    echo "-- plan of the text match (PostgreSQL):"
    psql "${PG_ADMIN%/*}/$PG_DB" -Atc "EXPLAIN SELECT d.record_id FROM search_document d
      WHERE d.document @@ to_tsquery('simple', '(okafor | okafor:*)')
      AND EXISTS (SELECT 1 FROM defender x WHERE x.id = d.record_id AND x.visibility = 'PUBLIC')
      ORDER BY ts_rank(d.document, to_tsquery('simple', '(okafor | okafor:*)'), 1) DESC LIMIT 21" | sed 's/^/   /'
fi
