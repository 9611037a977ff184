#!/usr/bin/env python3
"""davgate against Radicale and Xandikos: one client workload, the same data, one run.

    cargo build --release
    DAVGATE_COMPARE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        python3 benches/compare_servers.py [--size 10000] [--quick]

Starts davgate on SQLite, davgate on PostgreSQL (a database `davgate_compare_<pid>` made
on the server DAVGATE_COMPARE_DATABASE_URL names and dropped afterwards; skipped when the
variable is unset), Radicale and Xandikos (benches/dav_servers.py), each on a loopback
port with an empty data directory, and runs the workload of benches/dav_workload.py:

1. Loading: `--load` events and `--load` contacts by PUT into the empty collections, the
   first half of each with one client, the second half with 8 clients at once, in chunks
   alternating between the servers. A PUT into Radicale or Xandikos costs time in
   proportion to the collection's size (about 0.5 s at 1,000 members here), so the rest
   up to `--size` is stored untimed: on davgate by PUT with 8 clients, on Radicale and
   Xandikos by writing their storage directly (a file per member; for Xandikos, a git
   commit). A rewrite of one event in the full calendar is timed in the rounds. On
   PostgreSQL the database is then ANALYZEd, as autovacuum does within about a minute of
   such a load.
2. One warm-up round, then `--rounds` rounds of the timed requests, the servers taking
   turns within each round (the first server changes from round to round). Each figure
   is the median of the rounds.
3. Throughput: PROPFIND Depth 0 on the calendar with 4 and 16 connections for
   `--duration` seconds, with wrk (Debian's `wrk` package), in each round.
4. Resident memory (VmRSS) of each server process after start, after loading, its peak
   (VmHWM over the whole run) and `--idle` seconds after the last request. For davgate
   on PostgreSQL the database server's own memory is not counted.
5. A large address book: `--gal` contacts (default 50,000) loaded into bob's address book
   on davgate with PostgreSQL, then, alternating, the initial sync-collection of it and
   PostgreSQL's own time to read the same rows (`COPY (SELECT resource_name, etag,
   change_seq ...) TO STDOUT` on an open connection, read to the end).

`--baseline BINARY` with `--servers ...,baseline-sqlite,baseline-pg` runs an earlier
davgate build as one more server (on its own SQLite store and PostgreSQL database), so a
change is measured against the build before it in the same run.

Each figure is printed with the ratio davgate/other (below 1: davgate takes less time)
and, as "×", how many times faster davgate is. `--json FILE` also writes every figure.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dav_servers  # noqa: E402
import dav_workload  # noqa: E402
from davgate_bench import memory_kib  # noqa: E402

CONNECTIONS = [4, 16]
LOAD_PHASES = [("events", 1), ("events", 8), ("contacts", 1), ("contacts", 8)]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=os.path.join(dav_servers.ROOT, "target", "release", "davgate"))
    parser.add_argument("--size", type=int, default=10_000, help="events and contacts per server")
    parser.add_argument("--load", type=int, default=200,
                        help="events and contacts PUT and timed per server (the rest is stored untimed)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=5, help="seconds per throughput run")
    parser.add_argument("--idle", type=float, default=60.0, help="seconds before the last RSS reading")
    parser.add_argument("--gal", type=int, default=50_000, help="contacts of the large address book (0: skip)")
    parser.add_argument("--servers", default="davgate-sqlite,davgate-pg,radicale,xandikos",
                        help="also baseline-sqlite, baseline-pg: the --baseline binary")
    parser.add_argument("--baseline", help="an earlier davgate binary, measured as one more server "
                        "(with --servers baseline-sqlite and/or baseline-pg)")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 500 items (100 timed PUTs), 3 rounds, 2 s throughput, 10 s idle, 2,000 contacts")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.size, args.load, args.rounds, args.duration, args.idle, args.gal = 500, 100, 3, 2, 10.0, min(args.gal, 2000)
    baselines = [name for name in args.servers.split(",") if name.startswith("baseline-")]
    if baselines and not args.baseline:
        parser.error(f"{', '.join(baselines)} need --baseline BINARY")
    if args.baseline and not baselines:
        parser.error("--baseline is measured only with baseline-sqlite or baseline-pg in --servers")
    return args


def database_url(server_url, name):
    """`server_url` with its database replaced by `name`."""
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


class Postgres:
    """A database of this run's own on the server DAVGATE_COMPARE_DATABASE_URL names."""

    def __init__(self, server_url, psycopg, suffix=""):
        self.psycopg = psycopg
        self.server_url = server_url
        self.name = f"davgate_compare_{os.getpid()}{suffix}"
        self.url = database_url(server_url, self.name)
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {self.name}")
            admin.execute(f"CREATE DATABASE {self.name}")

    def analyze(self):
        with self.psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute("ANALYZE")

    def drop(self):
        with self.psycopg.connect(self.server_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


def start_servers(args, python, postgres, baseline_pg=None):
    targets = []
    for name in args.servers.split(","):
        if name == "davgate-sqlite":
            targets.append(dav_servers.Davgate("davgate SQLite", args.binary))
        elif name == "davgate-pg" and postgres:
            targets.append(dav_servers.Davgate("davgate PostgreSQL", args.binary, database_url=postgres.url))
        elif name == "baseline-sqlite" and args.baseline:
            targets.append(dav_servers.Davgate("baseline SQLite", args.baseline))
        elif name == "baseline-pg" and baseline_pg:
            targets.append(dav_servers.Davgate("baseline PostgreSQL", args.baseline,
                                               database_url=baseline_pg.url))
        elif name == "radicale":
            targets.append(dav_servers.Radicale(python))
        elif name == "xandikos":
            targets.append(dav_servers.Xandikos(python))
    return targets


def rss_mib(target, field="VmRSS"):
    return memory_kib(target.pid, field) / 1024


def load(targets, size, measured, chunks=5):
    """Per item seconds of PUTs into the empty collections: `measured` events and contacts,
    the first half with one client, the second with 8, in chunks alternating between the
    servers: {target name: {phase: seconds}}. Then fills the collections up to `size`."""
    half = measured // 2
    ranges = {1: range(0, half), 8: range(half, 2 * half)}
    spent = {t.name: {} for t in targets}
    for kind, workers in LOAD_PHASES:
        indices = list(ranges[workers])
        step = max(1, len(indices) // chunks)
        for offset in range(0, len(indices), step):
            part = indices[offset:offset + step]
            for target in targets:
                items = (dav_workload.event_items if kind == "events" else dav_workload.contact_items)(target, part)
                seconds = dav_workload.put_all(target, items, workers)
                phase = f"PUT {kind}, {'1 client' if workers == 1 else f'{workers} clients'}"
                spent[target.name][phase] = spent[target.name].get(phase, 0.0) + seconds
    for target in targets:
        for phase in spent[target.name]:
            spent[target.name][phase] /= half
        rest = range(2 * half, size)
        target.seed(dav_workload.event_items(target, rest) + dav_workload.contact_items(target, rest))
        print(f"  {target.name}: {size} events and contacts", flush=True)
    return spent


def throughput(target, connections, duration):
    """Requests per second of PROPFIND Depth 0 on the calendar (wrk), and failures."""
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    body = dav_workload.PROPFIND_DEPTH0.replace("\\", "\\\\").replace('"', '\\"')
    script.write(f'wrk.method = "PROPFIND"\nwrk.body = "{body}"\n'
                 f'wrk.headers["Authorization"] = "{target.auth}"\n'
                 'wrk.headers["Depth"] = "0"\nwrk.headers["Content-Type"] = "application/xml"\n')
    script.close()
    try:
        run = subprocess.run(
            ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--timeout", "60s", "-s", script.name,
             f"http://127.0.0.1:{target.port}{target.calendar}"],
            capture_output=True, text=True)
    finally:
        os.unlink(script.name)
    if run.returncode:
        sys.exit(f"wrk against {target.name}: {run.stderr or run.stdout}")
    output = run.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    if bad or errors:
        print(f"  {target.name}, {connections} connections: "
              f"{bad.group(0) if bad else ''} {errors.group(0) if errors else ''}", flush=True)
    return rate


def run_rounds(targets, workloads, args):
    """{target name: {kind: [per-round figure]}}; times in seconds, throughput in req/s."""
    samples = {t.name: {} for t in targets}
    for workload in workloads.values():
        workload.round()  # warm-up: caches, the password check, the page cache
    for number in range(args.rounds):
        order = targets[number % len(targets):] + targets[:number % len(targets)]
        for target in order:
            for kind, seconds in workloads[target.name].round().items():
                samples[target.name].setdefault(kind, []).append(seconds)
        for connections in CONNECTIONS:
            for target in order:
                kind = f"PROPFIND Depth 0, {connections} connections (req/s)"
                rate = throughput(target, connections, args.duration)
                samples[target.name].setdefault(kind, []).append(rate)
        print(f"  round {number + 1} of {args.rounds} done", flush=True)
    return samples


class Bob(dav_servers.Target):
    """bob on a davgate target: his default address book."""

    login = "bob@example.com"

    def __init__(self, davgate):
        super().__init__()
        self.name, self.port, self.pid = davgate.name + " (bob)", davgate.port, davgate.pid
        self.addressbook = davgate.address_books(self.login)[0]
        self.calendar = None


def large_address_book(davgate, postgres, contacts, rounds):
    """The initial sync of `contacts` contacts against PostgreSQL reading the same rows:
    (median sync seconds, median COPY seconds, responses, rows)."""
    bob = Bob(davgate)
    dav_workload.put_all(bob, dav_workload.contact_items(bob, range(contacts)), 8)
    postgres.analyze()
    folder = int(bob.addressbook.split("/")[3])
    client = dav_workload.Client(bob)
    syncs, copies, rows = [], [], 0
    with postgres.psycopg.connect(postgres.url) as connection:
        (context,) = connection.execute(
            "SELECT context_id FROM objects WHERE folder_id = %s LIMIT 1", (folder,)).fetchone()
        copy = ("COPY (SELECT resource_name, etag, change_seq FROM objects WHERE context_id = "
                f"{context} AND folder_id = {folder} ORDER BY change_seq) TO STDOUT")
        for number in range(rounds + 1):
            start = time.perf_counter()
            text = client.send("REPORT", bob.addressbook, dav_workload.sync_body(""), depth="1")
            sync_seconds = time.perf_counter() - start
            with connection.cursor() as cursor:
                start = time.perf_counter()
                with cursor.copy(copy) as reading:
                    rows = sum(bytes(block).count(b"\n") for block in reading)
                copy_seconds = time.perf_counter() - start
            connection.commit()
            if number:  # the first of each is a warm-up
                syncs.append(sync_seconds)
                copies.append(copy_seconds)
    client.close()
    return statistics.median(syncs), statistics.median(copies), dav_workload.count_responses(text), rows


def figure(kind, value):
    if value is None:
        return "-"
    if "req/s" in kind:
        return f"{value:,.0f}"
    if "MiB" in kind:
        return f"{value:.1f}"
    return f"{value * 1e3:.2f} ms" if value < 1 else f"{value:.2f} s"


def report(results, names):
    """Prints one table row per figure: each server, then davgate/other and ×."""
    davgates = [n for n in names if n.startswith("davgate")]
    others = [n for n in names if not n.startswith("davgate")]
    kinds = []
    for per_server in results.values():
        kinds += [k for k in per_server if k not in kinds]
    pairs = [(d, o) for d in davgates for o in others]
    short = {n: n.replace("davgate ", "dg ").replace("PostgreSQL", "PG") for n in names}
    header = f"{'figure':<48}" + "".join(f"{short[n]:>16}" for n in names)
    header += "".join(f"{short[d] + '/' + short[o]:>26}" for d, o in pairs)
    print(header)
    for kind in kinds:
        values = {n: results[n].get(kind) for n in names}
        line = f"{kind:<48}" + "".join(f"{figure(kind, values[n]):>16}" for n in names)
        for d, o in pairs:
            if not values[d] or not values[o]:
                line += f"{'-':>26}"
                continue
            ratio = values[d] / values[o]
            # Throughput: more is better, so davgate is faster by d/o; elsewhere by o/d.
            faster = ratio if "req/s" in kind else 1 / ratio
            line += f"{f'{ratio:.3f} ({faster:.1f}×)':>26}" if "MiB" not in kind else f"{f'{ratio:.2f}':>26}"
        print(line)


def main(argv=None):
    args = parse_args(argv)
    if not shutil.which("wrk"):
        sys.exit("wrk is needed for the throughput figures: apt-get install wrk")
    python = dav_servers.venv_python()
    if os.path.realpath(sys.prefix) != os.path.realpath(dav_servers.VENV):
        # Runs again in the virtual environment, which has psycopg.
        os.execv(python, [python, os.path.abspath(__file__), *(sys.argv[1:] if argv is None else argv)])
    import psycopg

    server_url = os.environ.get("DAVGATE_COMPARE_DATABASE_URL")
    postgres = Postgres(server_url, psycopg) if server_url and "davgate-pg" in args.servers else None
    if not postgres:
        print("DAVGATE_COMPARE_DATABASE_URL unset: davgate on PostgreSQL is skipped")
    baseline_pg = None
    if server_url and args.baseline and "baseline-pg" in args.servers:
        baseline_pg = Postgres(server_url, psycopg, suffix="_baseline")
    targets = []
    try:
        targets = start_servers(args, python, postgres, baseline_pg)
        names = [t.name for t in targets]
        time.sleep(2)
        memory = {t.name: {"RSS after start (MiB)": rss_mib(t)} for t in targets}
        print(f"loading {args.size} events and {args.size} contacts into {', '.join(names)}", flush=True)
        loading = load(targets, args.size, args.load)
        for database in (postgres, baseline_pg):
            if database:
                database.analyze()
        for t in targets:
            memory[t.name]["RSS after loading (MiB)"] = rss_mib(t)
        workloads = {t.name: dav_workload.Workload(t, args.size) for t in targets}
        samples = run_rounds(targets, workloads, args)
        for t in targets:
            memory[t.name]["RSS peak, whole run (MiB)"] = rss_mib(t, "VmHWM")
        print(f"waiting {args.idle:.0f} s before the last memory reading", flush=True)
        time.sleep(args.idle)
        for t in targets:
            memory[t.name][f"RSS {args.idle:.0f} s after the last request (MiB)"] = rss_mib(t)
        results = {t.name: {**loading[t.name],
                            **{k: statistics.median(v) for k, v in samples[t.name].items()},
                            **memory[t.name]} for t in targets}
        print(f"\n{args.size} events and {args.size} contacts per server; medians of {args.rounds} "
              "interleaved rounds; times per request (per item for PUT)")
        report(results, names)
        counts = {t.name: workloads[t.name].counts for t in targets}
        for kind, _ in dav_workload.KINDS:
            answered = {n: counts[n].get(kind) for n in names}
            if len(set(answered.values())) > 1 and "after one change" not in kind:
                print(f"note: responses to {kind} differ: {answered}")
        print(f"responses per request: {counts[names[0]]}")
        gal = None
        pg_target = next((t for t in targets if t.name == "davgate PostgreSQL"), None)
        if pg_target and args.gal:
            print(f"\nloading {args.gal} contacts into bob's address book (davgate PostgreSQL)", flush=True)
            sync, copy, responses, rows = large_address_book(pg_target, postgres, args.gal, args.rounds)
            gal = {"contacts": args.gal, "sync_seconds": sync, "copy_seconds": copy,
                   "responses": responses, "rows": rows}
            print(f"{args.gal:,} contacts: initial sync-collection {figure('', sync)} ({responses} responses); "
                  f"PostgreSQL COPY of the same rows {figure('', copy)} ({rows} rows); "
                  f"sync/COPY {sync / copy:.2f}")
        if args.json:
            with open(args.json, "w") as out:
                json.dump({"args": vars(args), "results": results, "counts": counts, "gal": gal}, out, indent=1)
    finally:
        for t in targets:
            t.stop()
        for database in (postgres, baseline_pg):
            if database:
                database.drop()


if __name__ == "__main__":
    main()
