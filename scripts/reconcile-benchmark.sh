#!/usr/bin/env bash
# Reconciliation quality (precision and recall of `match`, mean reciprocal
# rank) and speed (queries per second in batches of 10, suggest latency) on
# seeded databases: starts the release server on each and runs
# scripts/reconcile_benchmark.py, then writes benchmarks/reconciliation.md
# and its section of BENCHMARKS.md.
#
#   scripts/reconcile-benchmark.sh LABEL=DATABASE_URL [LABEL=DATABASE_URL ...]
#   scripts/reconcile-benchmark.sh "postgres 10,000=postgres://postgres@127.0.0.1/seed10k" \
#       "postgres 100,000=postgres://postgres@127.0.0.1/seed100k"
#
# Seed each database first, for instance:
#   psql -h 127.0.0.1 -U postgres -c 'create database seed10k'
#   target/release/rights-graph --database-url postgres://postgres@127.0.0.1/seed10k seed --skip-sample-data \
#       synthetic --defenders 10000
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { echo "give LABEL=DATABASE_URL pairs" >&2; exit 2; }
binary=target/release/rights-graph
[ -x "$binary" ] || cargo build --release
rm -f benchmarks/reconciliation.json
for pair in "$@"; do
    label="${pair%%=*}"; url="${pair#*=}"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$binary" serve --database-url "$url" --skip-sample-data --listen "127.0.0.1:$port" \
        --rate-limit-anonymous 0 --rate-limit-authenticated 0 >/dev/null 2>&1 &
    server=$!
    trap 'kill $server 2>/dev/null || true' EXIT
    for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
    python3 scripts/reconcile_benchmark.py "$port" "$url" "$label" >/dev/null
    kill "$server"; wait "$server" 2>/dev/null || true
done
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
python3 scripts/reconcile_benchmark.py render \
    "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    "- commit: $(git describe --always --dirty)" \
    "- machine: $(nproc) cores ($cpu), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)" \
    "- server: \`target/release/rights-graph\`, default settings (response cache on; reconciliation answers are not cached), rate limits off"
cat benchmarks/reconciliation.md
