#!/usr/bin/env bash
# The pages' latency on a seeded database: starts the release server on it
# twice, without the response cache (every page runs its query) and with it
# (the default), and times every kind of page one request at a time.
#
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/seed100k scripts/page-benchmark.sh [REPEATS]
#
# Seed the database first, for instance with 100,000 synthetic defenders:
#   createdb seed100k   # or: psql -c 'create database seed100k'
#   target/release/rights-graph --database-url postgres://postgres@127.0.0.1/seed100k seed --skip-sample-data \
#       synthetic --defenders 100000
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BENCH_DATABASE_URL:?set BENCH_DATABASE_URL to a seeded database}"
repeats="${1:-200}"
binary=target/release/rights-graph
[ -x "$binary" ] || cargo build --release
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
for cache in 0 64; do
    "$binary" serve --database-url "$BENCH_DATABASE_URL" --skip-sample-data --listen "127.0.0.1:$port" \
        --response-cache-mib "$cache" --rate-limit-anonymous 0 --rate-limit-authenticated 0 >/dev/null 2>&1 &
    server=$!
    trap 'kill $server 2>/dev/null || true' EXIT
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
    echo "response cache: ${cache} MiB"
    python3 scripts/page_latency.py "$port" "$repeats"
    kill "$server"; wait "$server" 2>/dev/null || true
done
