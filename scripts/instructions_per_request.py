#!/usr/bin/env python3
"""Instructions the server executes per request of benchmark operations 1-4,
counted by valgrind's callgrind: a figure that, unlike time on a shared
machine, repeats to within a percent, so two builds can be compared.

    scripts/instructions_per_request.py BINARY [REQUESTS]

BINARY is a rights-graph build (say target/release/rights-graph, or a copy of
the last commit's); the database is BENCH_DATABASE_URL, seeded beforehand
with `rights-graph seed --skip-sample-data synthetic --defenders N`.
Needs valgrind (Debian package `valgrind`). The queries are those of
benches/shared/operations.rs."""
import json, os, socket, subprocess, sys, time, urllib.request, glob
binary = sys.argv[1]; n = int(sys.argv[2]) if len(sys.argv) > 2 else 20
db = os.environ['BENCH_DATABASE_URL']
s = socket.socket(); s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]; s.close()
out = f'/tmp/rights-graph-callgrind.{os.getpid()}'
for f in glob.glob(out + '*'): os.remove(f)
env = dict(os.environ, RUST_LOG='warn')
p = subprocess.Popen(['valgrind', '--tool=callgrind', '--cache-sim=no', f'--callgrind-out-file={out}', binary, 'serve', '--database-url', db, '--skip-sample-data', '--listen', f'127.0.0.1:{port}', '--rate-limit-anonymous', '0', '--rate-limit-authenticated', '0'], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
url = f'http://127.0.0.1:{port}/graphql'
for _ in range(600):
    try:
        urllib.request.urlopen(f'http://127.0.0.1:{port}/readyz', timeout=5); break
    except Exception: time.sleep(0.5)
IDS = []
C = ["CO", "BR", "MX", "PH", "IN", "US"]
ops = {
 '1': ("query ByCountry($code: String!, $first: Int = 100) { country(code: $code) { name defenders(first: $first) { nodes { id name restrictions(first: 5) { nodes { title status } } campaigns(first: 5) { nodes { title status } } } } } }", lambda i: {"code": C[i % 6]}),
 '4': ("query Node($id: ID!) { node(id: $id) { id ... on Defender { name status country { code } } } }", lambda i: {"id": IDS[i % len(IDS)]}),
 '2': ("query List($codes: [String!], $first: Int = 50) { defenders(first: $first, filter: { countryCodes: $codes, statuses: [DETAINED, IMPRISONED, THREATENED, AT_RISK] }, orderBy: { field: NAME }) { totalCount pageInfo { endCursor hasNextPage } nodes { id name status country { name } events(last: 1) { nodes { kind occurredOn } } } } }", lambda i: {"codes": [C[i % 6], "PE"]}),
 '3': ("query Deep($first: Int = 10) { campaigns(first: $first) { nodes { title defenders(first: $first) { nodes { name events(first: 5) { nodes { kind restriction { title country { name } } } } } } } } }", lambda i: {}),
}
def post(q, v):
    req = urllib.request.Request(url, data=json.dumps({"query": q, "variables": v}).encode(), headers={'content-type': 'application/json'})
    body = urllib.request.urlopen(req, timeout=120).read()
    assert b'"errors"' not in body, body[:300]
def total():
    subprocess.run(['callgrind_control', '-d', str(p.pid)], stdout=subprocess.DEVNULL)
    time.sleep(1)
    tot = 0
    for f in glob.glob(out + '*'):
        for line in open(f):
            if line.startswith('summary:') or line.startswith('totals:'):
                tot += int(line.split()[1]); break
    for f in glob.glob(out + '*'): os.remove(f)
    return tot
# Public defenders' ids for the node lookups.
req = urllib.request.Request(url, data=json.dumps({"query": "{ defenders(first: 50) { nodes { id } } }"}).encode(), headers={'content-type': 'application/json'})
IDS.extend(n['id'] for n in json.loads(urllib.request.urlopen(req, timeout=120).read())['data']['defenders']['nodes'])
for name, (q, v) in sorted(ops.items()):
    for i in range(3): post(q, v(i))
    subprocess.run(['callgrind_control', '-z', str(p.pid)], stdout=subprocess.DEVNULL)
    for f in glob.glob(out + '*'): os.remove(f)
    for i in range(n): post(q, v(i))
    t = total()
    print(f'op {name}: {t / n / 1e6:.2f} M instructions per request', flush=True)
p.terminate(); p.wait()
for f in glob.glob(out + '*'): os.remove(f)
