#!/usr/bin/env python3
"""Abuse benchmark: a valid user's latency and the server's memory while one client
abuses davgate in each of the ways the limits are for.

    cargo build --release
    python3 benches/abuse.py target/release/davgate [OTHER_BINARY ...] [--scenario NAME ...] [--seconds 40]
        [--baseline 5] [--json] [--database-url postgres://postgres@127.0.0.1:5432/postgres]
        [--workers 2] [--server-nofile N] [--objects 1000] [--events 3000] [--set NAME=VALUE ...]

Each scenario starts each binary afresh, one after the other (`serve --demo`, the
shipped config/ plus any `--set`, `--workers` tokio workers as on a 2-core pod), and
stores what it needs. alice, the valid user, then sends a typical client's mix over one
kept-alive connection, again and again: PROPFIND Depth 1 on her calendar (50 events),
sync-collection with her latest token, GET of one event. Her seconds per request are
taken alone for `--baseline` seconds, then for `--seconds` while the attack runs, then
for 3 s after it stopped. In idle-connections a second alice opens a new connection for
each round, as a newly arriving client does. Scenarios:

- logins-valid: 128 clients sending wrong passwords for alice's login;
- logins-spray: 128 clients sending a new unknown login with each attempt;
- expansion: 4 clients, logged in as bob, repeatedly sending the most expensive reports
  over his own calendar: expand, free-busy and time range over 500 days, and a multiget
  selecting every component and property, on an event with 9,990 RDATEs and `--objects`
  events recurring every 2N seconds 20,000 times each (the most instances an object may
  have), each shifted by 2 s, so that no two instances overlap. (An endless recurrence
  would only make free-busy answer 507 at once);
- slow-readers (PostgreSQL): 20 clients, logged in as bob, each asking for a multiget of
  the calendar-data of his `--events` events (about 2 KB each) with a 4 KiB receive
  buffer, reading nothing for 35 s (beyond the write timeout), then reading on to see
  whether the answer was cut off, and asking again;
- idle-connections: 3,000 connections, half stopped in the middle of a request head,
  half kept alive after a request and idle; each one the server closes is opened again
  (the bench raises its own RLIMIT_NOFILE as needed; `--server-nofile` sets the
  server's, which is otherwise inherited).

Printed: a table of alice's count, p50, p99, max and errors per phase, and the server's
resident memory (VmRSS before, highest during, after; VmHWM during the attack); `--json`
prints the same as JSON. Only the Python standard library is needed.
"""

import argparse
import datetime
import http.client
import json
import os
import re
import resource
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from davgate_bench import ALICE, BOB, Server, Timer, basic, config_with, request  # noqa: E402

AFTER_SECONDS = 3
# How long a slow reader reads nothing: longer than the shipped write timeout (30 s).
HOLD_SECONDS = 35
TODAY = datetime.datetime.now(datetime.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
CALDAV = 'xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"'


def stamp(moment):
    return moment.strftime("%Y%m%dT%H%M%SZ")


def vcalendar(*lines):
    return "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//davgate bench//EN", "BEGIN:VEVENT",
                        *lines, "END:VEVENT", "END:VCALENDAR", ""])


def event(uid, start, description=""):
    return vcalendar(f"UID:{uid}", "DTSTAMP:20260101T000000Z", f"DTSTART:{stamp(start)}",
                     f"DTEND:{stamp(start + datetime.timedelta(hours=1))}", f"SUMMARY:Meeting {uid}",
                     *([f"DESCRIPTION:{description}"] if description else []))


def put_all(server, login, calendar, events):
    """PUTs (name, data) pairs over one connection."""
    connection = server.connect(timeout=120)
    for name, data in events:
        status, _, body = request(connection, "PUT", calendar + name, data, login=login,
                                  content_type="text/calendar; charset=utf-8")
        if status not in (201, 204):
            sys.exit(f"PUT {calendar}{name}: {status} {body[:300]!r}")
    connection.close()


class ValidUser(threading.Thread):
    """alice: PROPFIND Depth 1, sync-collection, GET, again and again on one connection
    (or, `fresh`, on a new connection each round, storing nothing)."""

    def __init__(self, server, fresh=False):
        super().__init__(daemon=True)
        self.server = server
        self.fresh = fresh
        self.calendar = server.calendars(ALICE)[0]
        if not fresh:
            put_all(server, ALICE, self.calendar, [
                (f"alice-{i}.ics", event(f"alice-{i}", TODAY + datetime.timedelta(days=i % 30, hours=9)))
                for i in range(50)])
        self.token = ""
        self.phase = "warm-up"
        self.timer = Timer()
        self.stopping = False

    def requests(self):
        yield "PROPFIND", self.calendar, "1", (
            '<propfind xmlns="DAV:"><prop><getetag/><getcontenttype/></prop></propfind>'), 207
        yield "REPORT", self.calendar, "1", (
            f'<sync-collection xmlns="DAV:"><sync-token>{self.token}</sync-token><sync-level>1</sync-level>'
            "<prop><getetag/></prop></sync-collection>"), 207
        yield "GET", self.calendar + "alice-7.ics", None, "", 200

    def run(self):
        connection = self.server.connect(timeout=60)
        while not self.stopping:
            for method, path, depth, body, expected in self.requests():
                phase = self.phase
                start = time.perf_counter()
                try:
                    status, _, data = request(connection, method, path, body, ALICE, depth)
                except (OSError, http.client.HTTPException) as error:
                    connection.close()
                    connection = self.server.connect(timeout=60)
                    status, data = type(error).__name__, b""
                self.timer.add(phase, time.perf_counter() - start, status == expected, status)
                if method == "REPORT" and status == 207:
                    self.token = re.search(rb"sync-token>([^<]+)<", data).group(1).decode()
            if self.fresh:
                connection.close()
                connection = self.server.connect(timeout=60)
            time.sleep(0.01)


class Counter:
    def __init__(self):
        self.counts, self.lock = {}, threading.Lock()

    def add(self, key, n=1):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + n

    def __str__(self):
        return ", ".join(f"{key}: {n}" for key, n in sorted(self.counts.items(), key=str))


# --- a. wrong passwords ---------------------------------------------------------------

def logins(server, stop, counter, spray, clients=128):
    def attacker(number):
        connection = server.connect(timeout=60)
        attempt = 0
        while not stop.is_set():
            attempt += 1
            login = f"nobody-{number}-{attempt}@example.com" if spray else ALICE
            try:
                status, _, _ = request(connection, "PROPFIND", "/dav/", "", basic(login, f"guess-{attempt}"), "0")
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = server.connect(timeout=60)
                status = "closed"
            counter.add(status)

    return [threading.Thread(target=attacker, args=(n,), daemon=True) for n in range(clients)], \
        f"{clients} clients, {'a new unknown login each attempt' if spray else 'alice login'}"


# --- b. the worst expansion -------------------------------------------------------------

def expansion(server, stop, counter, objects, clients=4):
    calendar = server.calendars(BOB)[0]
    start = TODAY
    rdates = vcalendar("UID:rdates", "DTSTAMP:20260101T000000Z", f"DTSTART:{stamp(start)}", "DURATION:PT30M",
                       *[f"RDATE:{stamp(start + datetime.timedelta(hours=h))}" for h in range(1, 9_991)])
    spread = [(f"spread-{i}.ics", vcalendar(
        f"UID:spread-{i}", "DTSTAMP:20260101T000000Z", f"DTSTART:{stamp(start + datetime.timedelta(seconds=2 * i))}",
        "DURATION:PT1S", f"RRULE:FREQ=SECONDLY;INTERVAL={2 * objects};COUNT=20000")) for i in range(objects)]
    put_all(server, BOB, calendar, [("rdates.ics", rdates)] + spread)
    begin, end = stamp(start), stamp(start + datetime.timedelta(days=500))
    time_range = f'<C:time-range start="{begin}" end="{end}"/>'
    event_filter = ('<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
                    f"{time_range}</C:comp-filter></C:comp-filter></C:filter>")
    hrefs = "".join(f"<D:href>{calendar}{name}</D:href>" for name in
                    ["rdates.ics"] + [name for name, _ in spread])
    reports = {
        "expand": f'<C:calendar-query {CALDAV}><D:prop><D:getetag/><C:calendar-data><C:expand start="{begin}" '
                  f'end="{end}"/></C:calendar-data></D:prop>{event_filter}</C:calendar-query>',
        "free-busy": f'<C:free-busy-query {CALDAV}>{time_range}</C:free-busy-query>',
        "time range": f"<C:calendar-query {CALDAV}><D:prop><D:getetag/></D:prop>{event_filter}</C:calendar-query>",
        "multiget": f'<C:calendar-multiget {CALDAV}><D:prop><C:calendar-data><C:comp name="VCALENDAR"><C:allprop/>'
                    '<C:comp name="VEVENT"><C:allprop/><C:allcomp/></C:comp></C:comp></C:calendar-data></D:prop>'
                    f"{hrefs}</C:calendar-multiget>",
    }

    def attacker(number):
        connection = server.connect(timeout=600)
        kinds = list(reports)
        turn = number
        while not stop.is_set():
            kind = kinds[turn % len(kinds)]
            turn += 1
            began = time.perf_counter()
            try:
                status, _, data = request(connection, "REPORT", calendar, reports[kind], BOB, "1")
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = server.connect(timeout=600)
                status, data = "closed", b""
            counter.add(f"{kind} {status}")
            counter.add(f"{kind} seconds", time.perf_counter() - began)
            counter.add(f"{kind} MB", len(data) / 1e6)

    return [threading.Thread(target=attacker, args=(n,), daemon=True) for n in range(clients)], \
        f"{clients} clients as bob over {objects + 1} objects (expand, free-busy, time range, multiget in turn)"


# --- c. slow readers --------------------------------------------------------------------

def slow_readers(server, stop, counter, events, clients=20):
    calendar = server.calendars(BOB)[0]
    padding = "An agenda long enough to look like a real one. " * 40
    put_all(server, BOB, calendar, [
        (f"bob-{i}.ics", event(f"bob-{i}", TODAY + datetime.timedelta(days=i % 300, hours=8), padding))
        for i in range(events)])
    hrefs = "".join(f"<D:href>{calendar}bob-{i}.ics</D:href>" for i in range(events))
    body = (f'<C:calendar-multiget {CALDAV}><D:prop><D:getetag/><C:calendar-data/></D:prop>{hrefs}'
            "</C:calendar-multiget>").encode()
    head = (f"REPORT {calendar} HTTP/1.1\r\nHost: bench\r\nAuthorization: {basic(BOB)}\r\nDepth: 1\r\n"
            f"Content-Type: application/xml\r\nContent-Length: {len(body)}\r\n\r\n").encode()

    def reader(_):
        while not stop.is_set():
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            try:
                sock.connect(("127.0.0.1", server.port))
                sock.sendall(head + body)
                counter.add("requests sent")
                # Reads nothing for longer than the server's write timeout (30 s)...
                held = time.perf_counter()
                while not stop.is_set() and time.perf_counter() - held < HOLD_SECONDS:
                    time.sleep(0.5)
                if stop.is_set():
                    break
                # ... then reads on, to see whether the server gave up on the response.
                sock.settimeout(30)
                tail = b""
                while True:
                    data = sock.recv(1 << 20)
                    if not data:
                        break
                    tail = (tail + data)[-16:]
                counter.add("answered whole" if tail.endswith(b"0\r\n\r\n") else "cut off by the server")
            except OSError:
                counter.add("cut off by the server")
            finally:
                sock.close()

    return [threading.Thread(target=reader, args=(n,), daemon=True) for n in range(clients)], \
        f"{clients} clients as bob, multiget of {events} events (~{len(padding) * events / 1e6:.0f} MB) read by none"


# --- d. idle connections ----------------------------------------------------------------

def idle_connections(server, stop, counter, count=3000):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 256:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 1024), hard))
    partial = b"PROPFIND /dav/ HTTP/1.1\r\nHost: bench\r\nDepth: 0\r\n"
    complete = b"GET /health/live HTTP/1.1\r\nHost: bench\r\n\r\n"

    def open_one(index):
        sock = socket.socket()
        sock.settimeout(5)
        try:
            sock.connect(("127.0.0.1", server.port))
            if index % 2:
                sock.sendall(complete)
                sock.recv(4096)
            else:
                sock.sendall(partial)
        except OSError:
            sock.close()
            counter.add("connect failed")
            return None
        sock.setblocking(False)
        return sock

    def holder():
        held = [None] * count
        opened = 0
        while not stop.is_set():
            for index in range(count):
                if stop.is_set():
                    break
                sock = held[index]
                if sock is not None:
                    try:
                        if sock.recv(1, socket.MSG_PEEK) == b"":
                            raise ConnectionResetError
                        continue  # (an unexpected answer: keep it)
                    except BlockingIOError:
                        continue  # still open, nothing to read
                    except OSError:
                        sock.close()
                        counter.add("closed by the server")
                held[index] = open_one(index)
                opened += 1
            counter.counts["held open"] = sum(s is not None for s in held)
            time.sleep(0.2)
        counter.add("opened", opened)
        for sock in held:
            if sock is not None:
                sock.close()

    return [threading.Thread(target=holder, daemon=True)], f"{count} connections, half with a half-sent head"


SCENARIOS = {
    "logins-valid": lambda server, stop, counter, args: logins(server, stop, counter, spray=False),
    "logins-spray": lambda server, stop, counter, args: logins(server, stop, counter, spray=True),
    "expansion": lambda server, stop, counter, args: expansion(server, stop, counter, args.objects),
    "slow-readers": lambda server, stop, counter, args: slow_readers(server, stop, counter, args.events),
    "idle-connections": lambda server, stop, counter, args: idle_connections(server, stop, counter),
}


def kernel_tcp():
    """(orphaned TCP sockets, MiB of TCP buffers) of the whole machine, /proc/net/sockstat."""
    with open("/proc/net/sockstat") as sockstat:
        for line in sockstat:
            if line.startswith("TCP:"):
                fields = line.split()
                values = dict(zip(fields[1::2], map(int, fields[2::2])))
                return values.get("orphan", 0), values.get("mem", 0) * resource.getpagesize() / 2**20
    return 0, 0.0


def fresh_database(base_url):
    """A new PostgreSQL database beside the one `base_url` names: (url, drop)."""
    name = f"davgate_abuse_{os.getpid()}_{int(time.time())}"
    subprocess.run(["psql", base_url, "-q", "-c", f"CREATE DATABASE {name}"], check=True)
    url = base_url.rsplit("/", 1)[0] + "/" + name
    return url, lambda: subprocess.run(["psql", base_url, "-q", "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                                       check=False)


def run(name, binary, args, config_dir):
    drop = None
    database_url = None
    if name == "slow-readers":
        database_url, drop = fresh_database(args.database_url)
    server = Server(binary, config_dir=config_dir, database_url=database_url, log="error",
                    env={"TOKIO_WORKER_THREADS": str(args.workers)}, nofile=args.server_nofile)
    try:
        users = {"alice": ValidUser(server)}
        if name == "idle-connections":
            users["alice, new connection each round"] = ValidUser(server, fresh=True)
        stop, counter = threading.Event(), Counter()
        threads, attack = SCENARIOS[name](server, stop, counter, args)
        for user in users.values():
            user.start()
        time.sleep(1)  # warm-up: her password is checked once, then remembered
        set_phase(users, "alone")
        time.sleep(args.baseline)
        memory = {"rss before": server.rss_mib(), "peak before": server.peak_mib()}
        server.peak_reset()
        set_phase(users, "attack")
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        highest, files, orphans, tcp_mib = 0, 0, 0, 0.0
        while time.perf_counter() - started < args.seconds and server.alive():
            time.sleep(0.2)
            highest = max(highest, server.rss_mib())
            orphaned, buffers = kernel_tcp()
            orphans, tcp_mib = max(orphans, orphaned), max(tcp_mib, buffers)
            files = max(files, server.open_files()) if server.alive() else files
        memory["rss highest"] = highest
        memory["peak during"] = server.peak_mib()
        set_phase(users, "after")
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        time.sleep(AFTER_SECONDS)
        for user in users.values():
            user.stopping = True
            user.join(timeout=60)
        memory["rss after"] = server.rss_mib()
        result = {
            "scenario": name, "binary": binary, "attack": attack, "seconds": args.seconds, "alive": server.alive(),
            "memory MiB": {k: round(v, 1) for k, v in memory.items()},
            "server open files": {"highest": files, "limit": server.open_files_limit() if server.alive() else None},
            "machine TCP": {"orphans highest": orphans, "buffers MiB highest": round(tcp_mib, 1)},
            "attack answers": {k: (round(v, 1) if isinstance(v, float) else v) for k, v in counter.counts.items()},
        }
        result["users"] = {}
        for label, user in users.items():
            phases = result["users"][label] = {}
            for phase in ("alone", "attack", "after"):
                n, p50, p99, most, errors = user.timer.summary(phase)
                phases[phase] = {"requests": n, "p50 ms": p50 and round(p50, 1), "p99 ms": p99 and round(p99, 1),
                                 "max ms": most and round(most, 1), "errors": errors}
            phases["failures"] = {f"{p} {w}": n for (p, w), n in user.timer.failures.items()}
        return result
    finally:
        server.kill()
        if drop:
            drop()


def set_phase(users, phase):
    for user in users.values():
        user.phase = phase


def show(results, binaries):
    print(f"{'scenario':<18}{'phase':<8}{'requests':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}"
          f"   RSS MiB before / highest / after, VmHWM during")
    for result in results:
        memory = result["memory MiB"]
        for label, phases in result["users"].items():
            if label != "alice":
                print(f"{'':<18}({label})")
            for phase in ("alone", "attack", "after"):
                row = phases[phase]
                cells = [f"{row[k]:>9.1f}" if row[k] is not None else f"{'-':>9}" for k in ("p50 ms", "p99 ms", "max ms")]
                extra = ""
                if phase == "attack" and label == "alice":
                    extra = (f"   {memory['rss before']:.0f} / {memory['rss highest']:.0f} / {memory['rss after']:.0f}, "
                             f"{memory['peak during']:.0f}")
                first = result["scenario"] if phase == "alone" and label == "alice" else ""
                if len(binaries) > 1 and phase == "attack" and label == "alice":
                    first = f"[{binaries.index(result['binary']) + 1}]"
                print(f"{first:<18}{phase:<8}{row['requests']:>9}{''.join(cells)}{row['errors']:>8}{extra}")
    print()
    for result in results:
        which = f" [{binaries.index(result['binary']) + 1}]" if len(binaries) > 1 else ""
        print(f"{result['scenario']}{which}: {result['attack']}; server {'alive' if result['alive'] else 'DIED'}; "
              f"open files highest {result['server open files']['highest']} of {result['server open files']['limit']}; "
              f"machine's TCP buffers highest {result['machine TCP']['buffers MiB highest']:.0f} MiB, "
              f"orphaned sockets {result['machine TCP']['orphans highest']}")
        print(f"  attack: {', '.join(f'{k}: {v}' for k, v in sorted(result['attack answers'].items()))}")
        for label, phases in result["users"].items():
            if phases["failures"]:
                print(f"  {label}'s failures: {phases['failures']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binaries", nargs="+", metavar="BINARY",
                        help="each scenario runs on each binary in turn, for builds side by side")
    parser.add_argument("--scenario", action="append", choices=list(SCENARIOS),
                        help="run this scenario (repeatable); all by default")
    parser.add_argument("--seconds", type=float, default=40,
                        help="attack duration (longer than the 30 s write timeout, so that slow readers come back)")
    parser.add_argument("--baseline", type=float, default=5, help="seconds alice is measured alone")
    parser.add_argument("--objects", type=int, default=1000, help="expansion: bob's recurring events")
    parser.add_argument("--events", type=int, default=3000, help="slow-readers: bob's events")
    parser.add_argument("--workers", type=int, default=2, help="the server's tokio worker threads")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/postgres",
                        help="slow-readers: a PostgreSQL server; a fresh database is made beside this one")
    parser.add_argument("--server-nofile", type=int, help="the server's RLIMIT_NOFILE (inherited by default)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    config_dir, cleanup = config_with(args.set)
    results = []
    try:
        for name in args.scenario or list(SCENARIOS):
            for binary in args.binaries:
                print(f"running {name} on {binary} ...", file=sys.stderr, flush=True)
                results.append(run(name, binary, args, config_dir))
    finally:
        cleanup()
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"{os.cpu_count()} CPUs; {args.workers} server workers; alice alone {args.baseline:.0f} s, "
              f"under attack {args.seconds:.0f} s, after {AFTER_SECONDS} s")
        if len(args.binaries) > 1:
            print("; ".join(f"[{n}] {binary}" for n, binary in enumerate(args.binaries, 1)))
        show(results, args.binaries)


if __name__ == "__main__":
    main()
