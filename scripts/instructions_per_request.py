#!/usr/bin/env python3
"""Instructions the server executes per request of benchmark operations 1-4,
counted by valgrind's callgrind: a figure that, unlike time on a shared
machine, repeats to within a percent, so two builds can be compared.

    scripts/instructions_per_request.py BINARY [REQUESTS] [--by-crate]

BINARY is a rights-graph build (say target/release/rights-graph, or a copy of
the last commit's); the database is BENCH_DATABASE_URL, seeded beforehand
with `rights-graph seed --skip-sample-data synthetic --defenders N`.
With --by-crate, each operation's instructions are also split by the crate
whose function executed them (exclusive cost: a function's own instructions,
not its callees'), so that what a request's work is spent on is measured.
OPERATIONS=1,2 measures only those. Needs valgrind (Debian package
`valgrind`). The queries are those of
benches/shared/operations.rs."""
import json, os, re, socket, subprocess, sys, time, urllib.request, glob
by_crate = '--by-crate' in sys.argv
args = [a for a in sys.argv[1:] if a != '--by-crate']
binary = args[0]; n = int(args[1]) if len(args) > 1 else 20
db = os.environ['BENCH_DATABASE_URL']
s = socket.socket(); s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]; s.close()
out = f'/tmp/rights-graph-callgrind.{os.getpid()}'
for f in glob.glob(out + '*'): os.remove(f)
env = dict(os.environ, RUST_LOG='warn')
p = subprocess.Popen(['valgrind', '--tool=callgrind', '--cache-sim=no', f'--callgrind-out-file={out}', binary, 'serve', '--database-url', db, '--skip-sample-data', '--listen', f'127.0.0.1:{port}', '--rate-limit-anonymous', '0', '--rate-limit-authenticated', '0', '--response-cache-mib', '0'], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
def crate_of(function):
    """Who executed a function's instructions: the crate its symbol is in
    (`<T as Trait>::f` by its type's), the allocator, or the C library
    function (memcpy and the like)."""
    name = function.split(':', 1)[1]  # after the source file's name
    if name.startswith('mi_') or name.startswith('_mi_'):
        return 'allocator (mimalloc)'
    name = name.lstrip('<&*').replace('mut ', '').replace('dyn ', '')
    if '::' in name:
        return name.split('::', 1)[0].split('<')[0] or 'other'
    return 'libc ' + name.split('(')[0][:24]
def breakdown(files):
    """Exclusive instructions per crate, from callgrind_annotate's list.
    Functions still running when the counters are read (the runtime's
    worker loop, the thread's start) are listed with their callees' cost
    included, so any function above half of the total is left out."""
    result = subprocess.run(['callgrind_annotate', '--inclusive=no', '--auto=no', '--threshold=100'] + files,
                            capture_output=True, text=True).stdout
    crates, program = {}, 0
    for line in result.splitlines():
        found = re.match(r'\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*?)(?: \[.*\])?$', line)
        if not found:
            continue
        cost, function = int(found.group(1).replace(',', '')), found.group(2)
        if function.startswith('PROGRAM TOTALS'):
            program = cost
        elif cost <= program / 2:
            crates[crate_of(function)] = crates.get(crate_of(function), 0) + cost
    return crates, program
def total():
    subprocess.run(['callgrind_control', '-d', str(p.pid)], stdout=subprocess.DEVNULL)
    time.sleep(1)
    tot = 0
    files = glob.glob(out + '*')
    for f in files:
        for line in open(f):
            if line.startswith('summary:') or line.startswith('totals:'):
                tot += int(line.split()[1]); break
    if by_crate and tot:
        crates, program = breakdown(files)
        for crate, cost in sorted(crates.items(), key=lambda item: -item[1])[:14]:
            print(f'    {cost / program * 100:5.1f} %  {crate}')
    for f in glob.glob(out + '*'): os.remove(f)
    return tot
# Public defenders' ids for the node lookups.
req = urllib.request.Request(url, data=json.dumps({"query": "{ defenders(first: 50) { nodes { id } } }"}).encode(), headers={'content-type': 'application/json'})
IDS.extend(n['id'] for n in json.loads(urllib.request.urlopen(req, timeout=120).read())['data']['defenders']['nodes'])
for name, (q, v) in sorted(ops.items()):
    if os.environ.get('OPERATIONS') and name not in os.environ['OPERATIONS'].split(','): continue
    for i in range(3): post(q, v(i))
    subprocess.run(['callgrind_control', '-z', str(p.pid)], stdout=subprocess.DEVNULL)
    for f in glob.glob(out + '*'): os.remove(f)
    for i in range(n): post(q, v(i))
    t = total()
    print(f'op {name}: {t / n / 1e6:.2f} M instructions per request', flush=True)
p.terminate(); p.wait()
for f in glob.glob(out + '*'): os.remove(f)
