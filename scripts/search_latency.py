"""Times searches over HTTP, one at a time, anonymously and with an API key.

    python3 scripts/search_latency.py PORT KEY [REPEATS]

Prints, for each query and viewer, the number of matches and the latency
percentiles in milliseconds. Used by scripts/search-benchmark.sh.
"""
import json
import sys
import time
import urllib.request

port, key = sys.argv[1], sys.argv[2]
repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 100
QUERY = ("query ($q: String!) { search(query: $q, first: 20) { totalCount "
         "edges { matchedField node { ... on Defender { name } } } } }")
# From one exact match to a word in every record's summary.
SEARCHES = ["fatima okafor 26", "okafor", "al rahman", "alrahman", "kovalenk", "ana maria quispe", "threats", "zzzz"]


def run(q, auth):
    body = json.dumps({"query": QUERY, "variables": {"q": q}}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", body, {"content-type": "application/json"})
    if auth:
        request.add_header("authorization", f"Bearer {auth}")
    started = time.perf_counter()
    with urllib.request.urlopen(request) as response:
        answer = json.load(response)
    elapsed = (time.perf_counter() - started) * 1000
    assert "errors" not in answer, answer
    return elapsed, answer["data"]["search"]["totalCount"]


print(f"{'query':<22}{'viewer':<11}{'matches':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}", flush=True)
for q in SEARCHES:
    for viewer, auth in [("anonymous", None), ("member", key)]:
        run(q, auth)
        times, total = [], 0
        for _ in range(repeats):
            elapsed, total = run(q, auth)
            times.append(elapsed)
        times.sort()
        p = lambda x: times[min(len(times) - 1, int(len(times) * x))]
        print(f"{q:<22}{viewer:<11}{total:>8}{p(0.5):>9.1f}{p(0.95):>9.1f}{p(0.99):>9.1f}", flush=True)
