#!/usr/bin/env bash
# Search under load: each benchmark search, and a word found in every
# record, driven by wrk at concurrency 16 against a running server (start it
# with --response-cache-mib 0 to measure searching, not the cache).
#   scripts/search-load.sh URL [SECONDS] [CONCURRENCY]
# URL is the server's /graphql. Prints, per query, the matches the anonymous
# reader sees, requests per second and latency p50/p99 in ms.
set -euo pipefail
URL=${1:?usage: scripts/search-load.sh URL [SECONDS] [CONCURRENCY]}
SECONDS_PER_QUERY=${2:-10}
CONCURRENCY=${3:-16}
command -v wrk >/dev/null || { echo "search-load: needs wrk (Debian package wrk)" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# The service benchmark's searches (benches/shared/operations.rs, 5a), a
# full name, a word in every synthetic record, and a word in none.
QUERIES=("okafor" "quispe maria" "public order" "kovalenko" "fatima okafor 26" "synthetic" "zzzz")
printf '%-20s %10s %8s %8s %8s %8s\n' query matches exact req/s p50_ms p99_ms
for q in "${QUERIES[@]}"; do
    body=$(python3 -c 'import json,sys; print(json.dumps({"query": "query Search($q: String!, $first: Int = 20) { search(query: $q, first: $first) { totalCount totalCountIsExact nodes { ... on Defender { id name } ... on Restriction { id title } } } }", "variables": {"q": sys.argv[1]}}))' "$q")
    answer=$(curl -sf -H 'content-type: application/json' --data "$body" "$URL")
    read -r matches exact < <(python3 -c 'import json,sys; a=json.load(sys.stdin); assert "errors" not in a, a; s=a["data"]["search"]; print(s["totalCount"], s["totalCountIsExact"])' <<<"$answer")
    python3 - "$body" > "$WORK/post.lua" <<'LUA'
import json, sys
print('wrk.method = "POST"')
print('wrk.headers["Content-Type"] = "application/json"')
print('wrk.body = ' + json.dumps(sys.argv[1]))
LUA
    out=$(wrk -t2 -c"$CONCURRENCY" -d"${SECONDS_PER_QUERY}s" --latency -s "$WORK/post.lua" "$URL")
    python3 - "$q" "$matches" "$exact" <<PY
import re, sys
out = """$out"""
def ms(label):
    m = re.search(r'^\s*' + label + r'%\s+([\d.]+)(us|ms|s)\s*$', out, re.M)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == 'us' else value * 1000 if unit == 's' else value
rps = float(re.search(r'Requests/sec:\s+([\d.]+)', out).group(1))
non2xx = re.search(r'Non-2xx or 3xx responses: (\d+)', out)
assert not non2xx, out
print(f'{sys.argv[1]:<20} {sys.argv[2]:>10} {sys.argv[3]:>8} {rps:8.0f} {ms("50"):8.1f} {ms("99"):8.1f}')
PY
done
