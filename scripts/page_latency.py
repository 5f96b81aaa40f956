"""Times the server-rendered pages over HTTP, one request at a time.

    python3 scripts/page_latency.py PORT [REPEATS]

Finds public records to show through the API (the country with the most
defenders, and a defender, restriction, campaign and organisation of it),
then fetches each page REPEATS times (200 unless given) without
`If-None-Match`, and prints the bytes and the latency percentiles in
milliseconds. Used by scripts/page-benchmark.sh.
"""
import json
import sys
import time
import urllib.parse
import urllib.request

port = sys.argv[1]
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 200
base = f"http://127.0.0.1:{port}"


def graphql(query):
    body = json.dumps({"query": query}).encode()
    request = urllib.request.Request(f"{base}/graphql", body, {"content-type": "application/json"})
    with urllib.request.urlopen(request) as response:
        answer = json.load(response)
    assert "errors" not in answer, answer
    return answer["data"]


def page(path):
    started = time.perf_counter()
    with urllib.request.urlopen(f"{base}{path}") as response:
        size = len(response.read())
        assert response.status == 200, (path, response.status)
    return (time.perf_counter() - started) * 1000, size


counts = graphql("{ statistics { defenders { byCountry { key count } } } }")["statistics"]["defenders"]["byCountry"]
busiest = counts[0]["key"]
found = graphql(
    '{ country(code: "%s") { defenders(first: 1) { nodes { id } } restrictions(first: 1) { nodes { id } } '
    "campaigns(first: 1) { nodes { id } } organisations(first: 1) { nodes { id } } } }" % busiest
)["country"]
quote = lambda gid: urllib.parse.quote(gid, safe="")
pages = [
    (f"country ({busiest}, {counts[0]['count']} defenders)", f"/countries/{busiest}"),
    ("country (US)", "/countries/US"),
    ("subdivision (US-FL)", "/subdivisions/US-FL"),
]
for kind, field in [("defender", "defenders"), ("restriction", "restrictions"), ("campaign", "campaigns"),
                    ("organisation", "organisations")]:
    nodes = found[field]["nodes"]
    if nodes:
        pages.append((kind, f"/{field}/{quote(nodes[0]['id'])}"))

print(f"{'page':<36}{'bytes':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}", flush=True)
for name, path in pages:
    page(path)
    times, size = [], 0
    for _ in range(repeats):
        elapsed, size = page(path)
        times.append(elapsed)
    times.sort()
    p = lambda x: times[min(len(times) - 1, int(len(times) * x))]
    print(f"{name:<36}{size:>9}{p(0.5):>9.1f}{p(0.95):>9.1f}{p(0.99):>9.1f}{times[-1]:>9.1f}", flush=True)
