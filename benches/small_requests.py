#!/usr/bin/env python3
"""Throughput of small requests (PROPFIND Depth 0, the poll every client sends) of two
davgate builds on SQLite and PostgreSQL, and of Xandikos, side by side in one run.

    python3 benches/small_requests.py OLD_BINARY NEW_BINARY \\
        --database-urls postgres://postgres@127.0.0.1:5432/bench_old \\
                        postgres://postgres@127.0.0.1:5432/bench_new \\
        [--xandikos target/xandikos-venv/bin/xandikos] [--rounds 5] [--seconds 5] \\
        [--connections 4]

The load generator is wrk (Debian's `wrk` package): a Lua script of a few lines sets the
method, the Depth header, the body and Basic credentials, and wrk keeps `--connections`
connections busy for `--seconds`. Each davgate build serves `serve --demo` with the
shipped config/ (no Redis) on an embedded SQLite store of its own and, with
`--database-urls`, on a PostgreSQL database of its own (two databases, so that two
builds with different migrations can run; each must be empty or hold the demo of an
earlier run of the same build). Xandikos (0.4, `--xandikos`) serves `serve --defaults` (a calendar and an address
book of one user, no authentication) from a directory of its own.

Rounds alternate between the servers (A, B, C, ... A, B, C, ...) so that the load on the
machine falls on all alike; the figure is the median of the rounds' requests per
second. The kinds of request, all Depth 0 with the properties a polling client asks for:

- calendar: alice's default calendar (displayname, resourcetype, getctag, sync-token);
- calendar home: `/dav/caldav/` (resourcetype, displayname);
- principal: alice's principal (calendar-home-set, current-user-principal, displayname).

Xandikos answers the calendar kind on `/user/calendars/calendar/`. On PostgreSQL the run
also prints the database's committed transactions per request during the calendar kind
(pg_stat_database, which backends report when idle, at most once a second: approximate),
which is the number of queries each request made, as they all autocommit.
"""

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from davgate_bench import ALICE, Server, basic, free_port, request  # noqa: E402

CALENDAR_BODY = (
    '<?xml version="1.0" encoding="utf-8"?><propfind xmlns="DAV:" '
    'xmlns:CS="http://calendarserver.org/ns/"><prop><displayname/><resourcetype/>'
    "<CS:getctag/><sync-token/></prop></propfind>"
)
HOME_BODY = (
    '<?xml version="1.0" encoding="utf-8"?><propfind xmlns="DAV:"><prop><resourcetype/>'
    "<displayname/></prop></propfind>"
)
PRINCIPAL_BODY = (
    '<?xml version="1.0" encoding="utf-8"?><propfind xmlns="DAV:" '
    'xmlns:C="urn:ietf:params:xml:ns:caldav"><prop><C:calendar-home-set/>'
    "<current-user-principal/><displayname/></prop></propfind>"
)
KINDS = [("calendar", CALENDAR_BODY), ("calendar home", HOME_BODY), ("principal", PRINCIPAL_BODY)]


def lua_string(text):
    return "[==[" + text + "]==]"


def wrk_script(directory, body, authorization):
    path = os.path.join(directory, f"propfind-{abs(hash((body, authorization)))}.lua")
    with open(path, "w") as script:
        script.write('wrk.method = "PROPFIND"\n')
        script.write(f"wrk.body = {lua_string(body)}\n")
        script.write('wrk.headers["Depth"] = "0"\n')
        script.write('wrk.headers["Content-Type"] = "application/xml; charset=utf-8"\n')
        if authorization:
            script.write(f'wrk.headers["Authorization"] = {lua_string(authorization)}\n')
    return path


def run_wrk(url, script, seconds, connections):
    """(requests per second, requests) of one wrk run; exits when any answer was not 2xx."""
    threads = min(connections, 2)
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "-s", script, url],
        check=True, capture_output=True, text=True,
    ).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        sys.exit(f"wrk {url}: not every request succeeded:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    count = int(re.search(r"(\d+) requests in", out).group(1))
    return rate, count


def transactions(database_url):
    """Committed transactions of the database so far; each autocommitted query is one."""
    name = database_url.rsplit("/", 1)[1].split("?")[0]
    time.sleep(1.5)  # backends report their counts when idle, at most once a second
    sql = (f"SELECT pg_stat_clear_snapshot(); "
           f"SELECT xact_commit FROM pg_stat_database WHERE datname = '{name}'")
    out = subprocess.run(["psql", "-At", database_url.rsplit("/", 1)[0] + "/postgres", "-c", sql],
                         check=True, capture_output=True, text=True).stdout.split()
    return int(out[-1])


class Davgate:
    """One build serving the demo on one store, with the URLs of each kind."""

    def __init__(self, label, binary, scratch, database_url=None):
        self.label = label
        self.database_url = database_url
        data_dir = tempfile.mkdtemp(dir=scratch)
        self.server = Server(binary, data_dir=data_dir, database_url=database_url)
        base = f"http://127.0.0.1:{self.server.port}"
        calendar = self.server.calendars()[0]
        connection = self.server.connect()
        status, _, body = request(connection, "PROPFIND", "/dav/", (
            "<propfind xmlns='DAV:'><prop><current-user-principal/></prop></propfind>"), depth="0")
        connection.close()
        if status != 207:
            sys.exit(f"{label}: PROPFIND /dav/: {status}")
        principal = re.search(r"<[^>]*href>([^<]*principals[^<]*)<", body.decode()).group(1)
        self.urls = {"calendar": base + calendar, "calendar home": base + "/dav/caldav/",
                     "principal": base + principal}
        self.authorization = basic(ALICE)

    def stop(self):
        self.server.stop()


class Xandikos:
    """`xandikos --defaults` on a loopback port, serving a directory of its own."""

    def __init__(self, binary, scratch):
        self.label = "Xandikos"
        self.database_url = None
        self.port = free_port()
        directory = tempfile.mkdtemp(dir=scratch)
        self.process = subprocess.Popen(
            [binary, "serve", "--defaults", "-d", directory, "--state-dir",
             tempfile.mkdtemp(dir=scratch), "-l", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline or self.process.poll() is not None:
                    sys.exit("xandikos did not start")
                time.sleep(0.2)
        self.urls = {"calendar": f"http://127.0.0.1:{self.port}/user/calendars/calendar/"}
        self.authorization = None

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--database-urls", nargs=2, metavar=("OLD_URL", "NEW_URL"))
    parser.add_argument("--xandikos", help="the xandikos executable (of a virtual environment)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    scratch = tempfile.mkdtemp(prefix="davgate-small-requests-")
    servers = []
    try:
        servers.append(Davgate("old, SQLite", args.old, scratch))
        servers.append(Davgate("new, SQLite", args.new, scratch))
        if args.database_urls:
            servers.append(Davgate("old, PostgreSQL", args.old, scratch, args.database_urls[0]))
            servers.append(Davgate("new, PostgreSQL", args.new, scratch, args.database_urls[1]))
        if args.xandikos:
            servers.append(Xandikos(args.xandikos, scratch))
        rates = {}
        queries = {}
        for server in servers:  # warm-up: password checks, caches, connection pools
            for kind, body in KINDS:
                if kind in server.urls:
                    script = wrk_script(scratch, body, server.authorization)
                    run_wrk(server.urls[kind], script, 1, args.connections)
        for round_number in range(args.rounds):
            for server in servers:
                for kind, body in KINDS:
                    if kind not in server.urls:
                        continue
                    script = wrk_script(scratch, body, server.authorization)
                    counting = server.database_url and kind == "calendar"
                    before = transactions(server.database_url) if counting else None
                    rate, count = run_wrk(server.urls[kind], script, args.seconds, args.connections)
                    rates.setdefault((server.label, kind), []).append(rate)
                    if counting:
                        spent = transactions(server.database_url) - before
                        queries.setdefault(server.label, []).append(spent / count)
            print(f"round {round_number + 1} of {args.rounds} done", file=sys.stderr)
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"{args.rounds} alternating rounds of {args.seconds} s per server and kind, "
          f"wrk with {args.connections} connections; median requests per second")
    labels = [s.label for s in servers]
    print(f"{'request (Depth 0)':<18}" + "".join(f"{label:>18}" for label in labels))
    medians = {}
    for kind, _ in KINDS:
        row = f"{kind:<18}"
        for label in labels:
            samples = rates.get((label, kind))
            if samples:
                medians[(label, kind)] = statistics.median(samples)
                row += f"{medians[(label, kind)]:>18.0f}"
            else:
                row += f"{'-':>18}"
        print(row)
    for store in ("SQLite", "PostgreSQL"):
        for kind, _ in KINDS:
            old, new = medians.get((f"old, {store}", kind)), medians.get((f"new, {store}", kind))
            if old and new:
                print(f"new/old, {store}, {kind}: {new / old:.2f}")
    xandikos = medians.get(("Xandikos", "calendar"))
    if xandikos:
        for label in labels[:-1]:
            ours = medians.get((label, "calendar"))
            print(f"{label} / Xandikos, calendar: {ours / xandikos:.2f}")
    for label, samples in queries.items():
        print(f"queries per calendar request, {label}: {statistics.median(samples):.2f}")


if __name__ == "__main__":
    main()
