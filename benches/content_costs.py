#!/usr/bin/env python3
"""What abusive calendar objects cost two davgate builds, measured side by side.

    python3 benches/content_costs.py OLD_BINARY NEW_BINARY

Each measurement starts each binary afresh (`serve --demo` with the shipped config/, an
embedded SQLite store of its own, a loopback port), stores what the request needs, and
times the one request: wall time, the server's peak resident memory while it ran (VmHWM,
reset through /proc/<pid>/clear_refs just before), the status and size of the answer.
The objects:

- rdates: a 234 KiB event with 10,000 RDATE lines, hourly from today. PUT is measured
  once; for the queries it is written straight into the database, as another groupware
  writer would (davgate now refuses that many properties in one component at PUT);
- secondly: a 2 KiB event recurring every second with 200 X- properties, PUT;
- nested: an event nesting 50,000 X- components, written straight into the database.
  A multiget selecting components aborts a build that renders recursively.

While an expanding query runs, another connection sends PROPFIND Depth 0 requests on the
DAV root every 10 ms; "others wait" is the slowest of them: what another client waits
meanwhile. "four clients at once" sends the expanding query on four connections together.

Only the Python standard library is needed.
"""

import argparse
import datetime
import http.client
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import davgate_bench  # noqa: E402

TODAY = datetime.datetime.now(datetime.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)


def stamp(moment):
    return moment.strftime("%Y%m%dT%H%M%SZ")


def rdates_event():
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//davgate bench//EN", "BEGIN:VEVENT",
        "UID:rdates", "DTSTAMP:20260101T000000Z", f"DTSTART:{stamp(TODAY)}",
        f"DTEND:{stamp(TODAY + datetime.timedelta(minutes=30))}", "SUMMARY:Ten thousand RDATEs",
    ]
    lines += [f"RDATE:{stamp(TODAY + datetime.timedelta(hours=h))}" for h in range(1, 10_001)]
    lines += ["END:VEVENT", "END:VCALENDAR", ""]
    return "\r\n".join(lines)


def secondly_event():
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//davgate bench//EN", "BEGIN:VEVENT",
        "UID:secondly", "DTSTAMP:20260101T000000Z", f"DTSTART:{stamp(TODAY)}", "DURATION:PT1S",
        "RRULE:FREQ=SECONDLY", "SUMMARY:Every second",
    ]
    lines += [f"X-P{i}:{i}" for i in range(200)]
    lines += ["END:VEVENT", "END:VCALENDAR", ""]
    return "\r\n".join(lines)


def nested_event(depth):
    inner = "".join("BEGIN:X-A\r\n" for _ in range(depth)) + "".join("END:X-A\r\n" for _ in range(depth))
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate bench//EN\r\nBEGIN:VEVENT\r\nUID:nested\r\n"
        f"DTSTAMP:20260101T000000Z\r\nDTSTART:{stamp(TODAY)}\r\nSUMMARY:Nested\r\n{inner}"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def expand_query(start, end):
    return (
        '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/>'
        f'<C:calendar-data><C:expand start="{stamp(start)}" end="{stamp(end)}"/></C:calendar-data></D:prop>'
        '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
        f'<C:time-range start="{stamp(start)}" end="{stamp(end)}"/>'
        "</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"
    )


def range_query(start, end):
    return (
        '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>'
        '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
        f'<C:time-range start="{stamp(start)}" end="{stamp(end)}"/>'
        "</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"
    )


def free_busy(start, end):
    return (
        '<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav">'
        f'<C:time-range start="{stamp(start)}" end="{stamp(end)}"/></C:free-busy-query>'
    )


def multiget(href):
    return (
        '<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>'
        '<C:calendar-data><C:comp name="VCALENDAR"><C:allprop/><C:comp name="VEVENT"><C:allprop/><C:allcomp/>'
        f"</C:comp></C:comp></C:calendar-data></D:prop><D:href>{href}</D:href></C:calendar-multiget>"
    )


class Server(davgate_bench.Server):
    def __init__(self, binary, data_dir):
        super().__init__(binary, data_dir=data_dir)
        self.calendar = self.calendars()[0]
        self.folder = int(self.calendar.split("/")[3])

    def send(self, method, path, body, depth="1", **options):
        return super().send(method, path, body, depth=depth, **options)

    def store_directly(self, name, uid, data):
        """Writes an object into the store as another groupware writer would."""
        database = sqlite3.connect(os.path.join(self.data_dir, "davgate.sqlite"), timeout=30)
        with database:
            (context,) = database.execute("SELECT context_id FROM folders WHERE id = ?", (self.folder,)).fetchone()
            database.execute(
                "INSERT INTO objects (context_id, folder_id, resource_name, uid, component, data, created_at, modified_at)"
                " VALUES (?, ?, ?, ?, 'VEVENT', ?, 0, 0)",
                (context, self.folder, name, uid, data.encode()),
            )
        database.close()

    def measure(self, method, path, body, content_type="application/xml", watch=False, clients=1):
        """(seconds, peak MiB, status, bytes, slowest other request in ms or None), the
        request sent by `clients` connections at once."""
        self.peak_reset()
        slowest = [0.0]
        done = threading.Event()

        def others():
            while not done.is_set():
                started = time.perf_counter()
                try:
                    self.send("PROPFIND", "/dav/", "<propfind xmlns='DAV:'><prop><current-user-principal/></prop></propfind>", depth="0", timeout=60)
                except OSError:
                    return
                slowest[0] = max(slowest[0], time.perf_counter() - started)
                time.sleep(0.01)

        watcher = threading.Thread(target=others, daemon=True) if watch else None
        if watcher:
            watcher.start()
        answers = [None] * clients

        def client(index):
            try:
                status, _, data = self.send(method, path, body, content_type=content_type)
                answers[index] = (status, len(data))
            except (OSError, http.client.HTTPException) as error:
                answers[index] = (f"failed: {type(error).__name__}", 0)

        started = time.perf_counter()
        threads = [threading.Thread(target=client, args=(index,)) for index in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        status, size = answers[0]
        done.set()
        if watcher:
            watcher.join()
        try:
            self.process.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            pass
        alive = self.process.poll() is None
        peak = self.peak_mib() if alive else float("nan")
        if not alive:
            status = f"server died (signal {-self.process.returncode})"
        return seconds, peak, status, size, (slowest[0] * 1000 if watch else None)


def put(server, name, data):
    status, _, _ = server.send("PUT", server.calendar + name, data, content_type="text/calendar")
    if status != 201:
        sys.exit(f"PUT {name}: {status}")


DAY_END = TODAY + datetime.timedelta(days=1)

# (what is measured, what is stored first, the request), each on a server of its own, so
# that what one request leaves resident does not count for the next.
MEASUREMENTS = [
    (
        "rdates: PUT",
        lambda server: None,
        lambda server: server.measure("PUT", server.calendar + "rdates.ics", rdates_event(),
                                      content_type="text/calendar"),
    ),
    (
        "rdates: calendar-query, expand 10,000 instances",
        lambda server: server.store_directly("rdates.ics", "rdates", rdates_event()),
        lambda server: server.measure(
            "REPORT", server.calendar, expand_query(TODAY, TODAY + datetime.timedelta(days=420)), watch=True),
    ),
    (
        "rdates: the same, four clients at once",
        lambda server: server.store_directly("rdates.ics", "rdates", rdates_event()),
        lambda server: server.measure(
            "REPORT", server.calendar, expand_query(TODAY, TODAY + datetime.timedelta(days=420)), watch=True,
            clients=4),
    ),
    (
        "secondly: PUT",
        lambda server: None,
        lambda server: server.measure("PUT", server.calendar + "secondly.ics", secondly_event(),
                                      content_type="text/calendar"),
    ),
    (
        "secondly: calendar-query, expand one day",
        lambda server: put(server, "secondly.ics", secondly_event()),
        lambda server: server.measure("REPORT", server.calendar, expand_query(TODAY, DAY_END), watch=True),
    ),
    (
        "secondly: calendar-query, time range of one day",
        lambda server: put(server, "secondly.ics", secondly_event()),
        lambda server: server.measure("REPORT", server.calendar, range_query(TODAY, DAY_END)),
    ),
    (
        "secondly: free-busy-query, one day",
        lambda server: put(server, "secondly.ics", secondly_event()),
        lambda server: server.measure("REPORT", server.calendar, free_busy(TODAY, DAY_END)),
    ),
    (
        "nested: multiget selecting components",
        lambda server: server.store_directly("nested.ics", "nested", nested_event(50_000)),
        lambda server: server.measure("REPORT", server.calendar, multiget(server.calendar + "nested.ics")),
    ),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    args = parser.parse_args()
    measured = {"old": [], "new": []}
    for _, setup, request in MEASUREMENTS:
        for name, binary in (("old", args.old), ("new", args.new)):
            with tempfile.TemporaryDirectory() as data_dir:
                server = Server(binary, data_dir)
                try:
                    setup(server)
                    measured[name].append(request(server))
                finally:
                    server.stop()
    print(f"{'request':<50}{'build':>6}{'time':>10}{'peak RSS':>11}  {'status':<10}{'bytes':>13}{'others wait':>13}")
    for index, (request, _, _) in enumerate(MEASUREMENTS):
        for name in ("old", "new"):
            seconds, peak, status, size, slowest = measured[name][index]
            other = f"{slowest:.0f} ms" if slowest is not None else ""
            print(f"{request if name == 'old' else '':<50}{name:>6}{seconds:>9.2f}s{peak:>7.0f} MiB  "
                  f"{str(status):<10}{size:>13,}{other:>13}")


if __name__ == "__main__":
    main()
