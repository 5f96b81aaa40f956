#!/usr/bin/env bash
# Import throughput and peak memory: generates N defenders as JSON Lines and
# imports them with the release binary into a fresh SQLite database and a
# fresh PostgreSQL database, then imports the same file again (every record
# unchanged). Usage: scripts/import-benchmark.sh [N]   (N = 100000 by default;
# ENGINES="sqlite" or "postgres" runs one engine only)
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-100000}
BIN=target/release/rights-graph
PG_ADMIN=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
WORK=$(mktemp -d)
PG_DB="rights_graph_bench_$$"
cleanup() {
    rm -rf "$WORK"
    psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

cargo build --release --quiet

# Deterministic names, countries and summaries, so that runs compare.
awk -v n="$N" 'BEGIN {
    split("Ana María|José|Fatima|Mohammed|Li|Grace|Oksana|Nguyen|Amina|Carlos|Leila|Pavel", first, "|");
    split("Quispe|al-Rahman|Okafor|Wang|Mendoza|Haddad|Kovalenko|Tran|Diallo|Rojas|Hosseini|Ivanov", last, "|");
    split("PE|SA|NG|CN|MX|LB|UA|VN|SN|CO|IR|RU", country, "|");
    for (i = 0; i < n; i++) {
        f = first[i % 12 + 1]; l = last[int(i / 12) % 12 + 1]; c = country[i % 12 + 1];
        printf "{\"type\":\"defender\",\"externalId\":\"BENCH-%d\",\"name\":\"%s %s %d\",", i, f, l, i;
        printf "\"otherNames\":[{\"name\":\"%s %s\",\"kind\":\"ALIAS\"}],\"countryCode\":\"%s\",", l, f, c;
        printf "\"status\":\"AT_RISK\",\"sectors\":[\"LAND\",\"ENVIRONMENT\"],\"visibility\":\"PARTNERS\",";
        printf "\"summary\":\"Synthetic benchmark record %d: a defender of land rights facing threats.\"}\n", i;
    }
}' > "$WORK/defenders.jsonl"
echo "Generated $N defenders: $(du -h "$WORK/defenders.jsonl" | cut -f1)"

run() {
    local label=$1 url=$2 org
    org=$(DATABASE_URL=$url LOG_FORMAT=text RUST_LOG=warn "$BIN" org create --name "Benchmark NGO")
    for pass in "first import" "re-import"; do
        echo "== $label, $pass"
        DATABASE_URL=$url LOG_FORMAT=text RUST_LOG=warn "$BIN" import --org "$org" --format jsonl "$WORK/defenders.jsonl" 2>&1 | tail -2
    done
}

ENGINES=${ENGINES:-sqlite postgres}
if [[ $ENGINES == *sqlite* ]]; then
    run SQLite "sqlite://$WORK/bench.db?mode=rwc"
fi
if [[ $ENGINES == *postgres* ]]; then
    psql "$PG_ADMIN" -qc "CREATE DATABASE $PG_DB" >/dev/null
    run PostgreSQL "${PG_ADMIN%/*}/$PG_DB"
fi
