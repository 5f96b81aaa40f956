#!/usr/bin/env python3
"""Reconciliation quality and speed on a seeded database.

Takes a seeded sample of public defenders straight from the database, perturbs
each name as real lists perturb names (another transliteration, accents lost,
the order of the words swapped, a middle name dropped, a typo), reconciles
them against a running server in batches of 10 (as OpenRefine sends them), and
reports:

- precision and recall of `match: true` (a match is right when it is the
  defender the name was taken from);
- the mean reciprocal rank of the right defender among the candidates;
- queries per second and the latency of batches of 10;
- the latency of /reconcile/suggest/entity for prefixes typed from the names.

Usage (see scripts/reconcile-benchmark.sh, which starts the server):
    reconcile_benchmark.py PORT DATABASE_URL LABEL [--sample N] [--out DIR]
"""

import argparse
import base64
import json
import os
import random
import statistics
import subprocess
import time
import unicodedata
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Spellings of the same name in other transliterations, both ways.
VARIANTS = [
    ('Mohammed', 'Muhammad'), ('Ahmed', 'Ahmad'), ('Yusuf', 'Yousef'), ('Hassan', 'Hasan'),
    ('Omar', 'Umar'), ('Fatima', 'Fatema'), ('Aisha', 'Aysha'), ('Leila', 'Layla'),
    ('Maryam', 'Mariam'), ('Zainab', 'Zaynab'), ('Dmitri', 'Dmitry'), ('Oksana', 'Oxana'),
    ('Narges', 'Nargis'), ('Chinwe', 'Chinwé'), ('al-Rahman', 'Al Rahman'), ('Abdullah', 'Abdallah'),
    ('Mohammadi', 'Muhammadi'), ('Hosseini', 'Husseini'), ('Nasser', 'Naser'), ('Haddad', 'Hadad'),
    ('Chowdhury', 'Choudhury'), ('Kovalenko', 'Kowalenko'), ('Petrova', 'Petrowa'), ('Ivanov', 'Ivanoff'),
    ('Yilmaz', 'Yılmaz'), ('Quispe', 'Kispe'), ('Okafor', 'Okaphor'), ('Diallo', 'Dialo'),
    ('Zhang', 'Chang'), ('Tran', 'Trần'), ('Sharma', 'Sarma'), ('Kaya', 'Qaya'),
]

PERTURBATIONS = ['transliteration', 'accents', 'order', 'middle name', 'typo']


def strip_accents(text):
    return ''.join(c for c in unicodedata.normalize('NFKD', text) if not unicodedata.combining(c))


def perturb(name, kind, rng):
    """The name as a list might give it; None when this kind does not apply."""
    words = name.split(' ')
    if kind == 'transliteration':
        for a, b in VARIANTS:
            for x, y in ((a, b), (b, a)):
                if x in words:
                    return ' '.join(y if w == x else w for w in words)
        return None
    if kind == 'accents':
        plain = strip_accents(name)
        return plain if plain != name else None
    if kind == 'order':
        # "Family, Given": the family name first, as court lists write it.
        *given, family, number = words
        return ' '.join([family + ','] + given + [number])
    if kind == 'middle name':
        *given, family, number = words
        return ' '.join([given[0], family, number]) if len(given) > 1 else None
    if kind == 'typo':
        letters = [i for i, w in enumerate(words) if w.isalpha() and len(w) > 3]
        if not letters:
            return None
        i = rng.choice(letters)
        w = list(words[i])
        at = rng.randrange(1, len(w) - 1)
        op = rng.choice(['swap', 'drop', 'replace'])
        if op == 'swap':
            w[at], w[at + 1] = w[at + 1], w[at]
        elif op == 'drop':
            del w[at]
        else:
            w[at] = rng.choice('abcdefghijklmnopqrstuvwxyz'.replace(w[at].lower(), ''))
        words[i] = ''.join(w)
        return ' '.join(words)
    raise ValueError(kind)


def sample_defenders(database_url, n, seed):
    """(global id, name, country) of n public defenders, the same ones every run."""
    query = ("SELECT id, name, country_code FROM defender WHERE visibility = 'PUBLIC' AND consent = 'GIVEN' "
             "AND archived_at IS NULL AND merged_into_id IS NULL ORDER BY id")
    if database_url.startswith('sqlite:'):
        import sqlite3
        path = database_url.split('://', 1)[1].split('?', 1)[0]
        rows = sqlite3.connect(path).execute(query).fetchall()
    else:
        out = subprocess.run(['psql', database_url, '-At', '-F', '\t', '-c', query], check=True,
                             capture_output=True, text=True).stdout
        rows = [tuple(line.split('\t')) for line in out.splitlines() if line]
    rng = random.Random(seed)
    chosen = rng.sample(rows, min(n, len(rows)))
    gid = lambda uuid: base64.urlsafe_b64encode(f'Defender:{uuid}'.encode()).decode().rstrip('=')
    return [(gid(str(row[0])), row[1], row[2]) for row in chosen], len(rows)


def post_form(port, fields):
    data = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(f'http://127.0.0.1:{port}/reconcile', data=data)
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def get(port, path):
    with urllib.request.urlopen(f'http://127.0.0.1:{port}{path}', timeout=60) as response:
        return json.loads(response.read())


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run(port, cases, with_country):
    """Reconciles every case in batches of 10; returns the figures."""
    timings, outcomes = [], []
    for start in range(0, len(cases), 10):
        batch = cases[start:start + 10]
        queries = {}
        for i, (_, _, query, country, _) in enumerate(batch):
            q = {'query': query, 'type': 'Defender', 'limit': 10}
            if with_country:
                q['properties'] = [{'pid': 'country', 'v': country}]
            queries[f'q{i}'] = q
        began = time.perf_counter()
        answer = post_form(port, {'queries': json.dumps(queries)})
        timings.append(time.perf_counter() - began)
        for i, (right, _, _, _, kind) in enumerate(batch):
            result = answer[f'q{i}']['result']
            ids = [c['id'] for c in result]
            rank = ids.index(right) + 1 if right in ids else None
            matched = [c['id'] for c in result if c.get('match')]
            outcomes.append((kind, rank, matched[0] if matched else None, right))

    def figures(rows):
        matches = [r for r in rows if r[2] is not None]
        right = [r for r in matches if r[2] == r[3]]
        return {
            'queries': len(rows),
            'precision': len(right) / len(matches) if matches else None,
            'recall': len(right) / len(rows),
            'mrr': sum(1 / r[1] for r in rows if r[1]) / len(rows),
            'found': sum(1 for r in rows if r[1]) / len(rows),
        }

    total = sum(timings)
    return {
        'all': figures(outcomes),
        'by_kind': {kind: figures([r for r in outcomes if r[0] == kind]) for kind in PERTURBATIONS},
        'qps': len(cases) / total,
        'batch_p50_ms': 1000 * percentile(timings, 50),
        'batch_p99_ms': 1000 * percentile(timings, 99),
    }


def suggest(port, names, rng, repeats, later_word=False):
    """Latency of entity suggestions for prefixes typed from the names: their
    beginnings, or (later_word) the beginning of their last word but the
    number, such as a family name typed alone."""
    prefixes = []
    for name in names:
        text = name.split(' ')[-2] if later_word else name
        for length in ((3, 5, len(text)) if later_word else (3, 5, 8, len(text))):
            prefixes.append(text[:length])
    rng.shuffle(prefixes)
    prefixes = prefixes[:repeats]
    for prefix in prefixes[:20]:
        get(port, '/reconcile/suggest/entity?prefix=' + urllib.parse.quote(prefix))
    timings = []
    for prefix in prefixes:
        began = time.perf_counter()
        get(port, '/reconcile/suggest/entity?prefix=' + urllib.parse.quote(prefix))
        timings.append(time.perf_counter() - began)
    return {'requests': len(timings), 'p50_ms': 1000 * percentile(timings, 50),
            'p99_ms': 1000 * percentile(timings, 99), 'max_ms': 1000 * max(timings)}


def render(out, header):
    """benchmarks/reconciliation.md from the figures, and the same section
    in BENCHMARKS.md (replaced, or added at the end)."""
    figures = json.load(open(os.path.join(out, 'reconciliation.json')))
    pct = lambda x: '–' if x is None else f'{100 * x:.1f}%'
    lines = ['# Reconciliation', '', *header, '',
             'Names of public synthetic defenders, each perturbed one way, reconciled as `Defender` in batches of 10 '
             '(first with the name alone, then with the country as a property). A match is right when it is the '
             'defender the name was taken from. Synthetic names end in a serial number, so namesakes differ only '
             'by it; perturbations leave the number alone.', '',
             '| dataset | query | queries | precision of match | recall of match | right one among candidates | MRR | queries/s (batches of 10) | batch p50 ms | batch p99 ms |',
             '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |']
    for label, r in figures.items():
        for mode, title in (('name_only', 'name'), ('with_country', 'name + country')):
            m = r[mode]
            a = m['all']
            lines.append(f"| {label} | {title} | {a['queries']} | {pct(a['precision'])} | {pct(a['recall'])} | "
                         f"{pct(a['found'])} | {a['mrr']:.3f} | {m['qps']:.0f} | {m['batch_p50_ms']:.1f} | {m['batch_p99_ms']:.1f} |")
    lines += ['', 'By perturbation (name alone):', '',
              '| dataset | perturbation | queries | precision | recall | MRR |', '| --- | --- | ---: | ---: | ---: | ---: |']
    for label, r in figures.items():
        for kind, k in r['name_only']['by_kind'].items():
            lines.append(f"| {label} | {kind} | {k['queries']} | {pct(k['precision'])} | {pct(k['recall'])} | {k['mrr']:.3f} |")
    lines += ['', 'Entity suggestions (`/reconcile/suggest/entity`), one request at a time: the beginnings of names '
              '(3, 5 and 8 characters, and whole names), and the beginnings of a later word typed alone (a family '
              'name: 3 and 5 characters, and the whole word), which only the search finds:', '',
              '| dataset | prefixes | requests | p50 ms | p99 ms | max ms |', '| --- | --- | ---: | ---: | ---: | ---: |']
    for label, r in figures.items():
        for key, title in (('suggest', 'beginning of a name'), ('suggest_later_word', 'a later word')):
            g = r[key]
            lines.append(f"| {label} | {title} | {g['requests']} | {g['p50_ms']:.1f} | {g['p99_ms']:.1f} | {g['max_ms']:.1f} |")
    first = next(iter(figures.values()))
    lines += ['', 'Examples of perturbed names:', '']
    lines += [f'- {kind}: "{name}" as "{query}"' for name, query, kind in first['examples'][:5]]
    lines += ['', 'Written by `scripts/reconcile-benchmark.sh`.', '']
    text = '\n'.join(lines)
    with open(os.path.join(out, 'reconciliation.md'), 'w') as f:
        f.write(text)
    table = os.path.join(ROOT, 'BENCHMARKS.md')
    current = open(table).read()
    section = text.replace('# Reconciliation', '## Reconciliation', 1)
    start = current.find('\n## Reconciliation\n')
    if start >= 0:
        end = current.find('\n## ', start + 1)
        current = current[:start + 1] + section + (current[end + 1:] if end >= 0 else '')
    else:
        current = current.rstrip('\n') + '\n\n' + section
    with open(table, 'w') as f:
        f.write(current)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    if len(os.sys.argv) > 1 and os.sys.argv[1] == 'render':
        render(os.path.join(ROOT, 'benchmarks'), os.sys.argv[2:])
        return
    parser.add_argument('port', type=int)
    parser.add_argument('database_url')
    parser.add_argument('label')
    parser.add_argument('--sample', type=int, default=1000, help='defenders sampled')
    parser.add_argument('--suggest', type=int, default=1000, help='suggest requests timed')
    parser.add_argument('--out', default=os.path.join(ROOT, 'benchmarks'))
    args = parser.parse_args()
    rng = random.Random(2026)
    defenders, public = sample_defenders(args.database_url, args.sample, 2026)
    cases = []
    for n, (gid, name, country) in enumerate(defenders):
        # Each name perturbed one way, the kinds in turn; a kind that does not
        # apply to a name gives way to the next that does.
        for step in range(len(PERTURBATIONS)):
            kind = PERTURBATIONS[(n + step) % len(PERTURBATIONS)]
            query = perturb(name, kind, rng)
            if query is not None and query != name:
                cases.append((gid, name, query, country, kind))
                break
    result = {
        'label': args.label,
        'public_defenders': public,
        'sampled': len(defenders),
        'name_only': run(args.port, cases, False),
        'with_country': run(args.port, cases, True),
        'suggest': suggest(args.port, [name for _, name, _ in defenders], rng, args.suggest),
        'suggest_later_word': suggest(args.port, [name for _, name, _ in defenders], rng, args.suggest, True),
        'examples': [(name, query, kind) for _, name, query, _, kind in cases[:10]],
    }
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, 'reconciliation.json')
    previous = json.load(open(path)) if os.path.exists(path) else {}
    previous[args.label] = result
    with open(path, 'w') as f:
        json.dump(previous, f, indent=2, ensure_ascii=False)
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == '__main__':
    main()
