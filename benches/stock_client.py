#!/usr/bin/env python3
"""What a stock HTTP client waits for the requests DAV clients send most, on two builds.

    python3 benches/stock_client.py OLD_BINARY NEW_BINARY [--events 2000] [--rounds 5]
                                    [--requests 40]

Each binary serves `serve --demo` on an embedded store of its own, on a loopback port,
with the config/ of the checkout it was built in (`<checkout>/target/release/davgate`;
the shipped config/ of this checkout otherwise, since an older build does not know newer
settings), and gets `--events` events in alice's default calendar (spread
over the sync window, around today). The client is Python's http.client over one
kept-alive connection with no socket options of its own: its kernel acknowledges as
every stock TCP stack does (delayed ACKs), which is what a server that writes a response
in several small segments without TCP_NODELAY makes a client wait for.

Rounds alternate between the two servers (A, B, A, B, ...) so that load on the machine
falls on both alike. A round sends `--requests` times each of:

- sync-collection after one change: an event is rewritten (not timed), then the report
  with the token from before the change is timed;
- calendar-multiget of 100 events with calendar-data;
- calendar-query for the current month, ETags only (Thunderbird's request);
- PROPFIND Depth 0 on the calendar (the poll every client sends).

It prints the median time per request of each build and kind, and NEW/OLD. Only the
Python standard library is needed.
"""

import argparse
import datetime
import os
import random
import re
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import davgate_bench  # noqa: E402
from davgate_bench import CONFIG  # noqa: E402

AUTH = davgate_bench.basic(davgate_bench.ALICE)
AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.0"
KINDS = [
    "sync-collection after one change",
    "calendar-multiget of 100, with data",
    "calendar-query for a month",
    "PROPFIND Depth 0 on the calendar",
]


def event(uid, start, sequence=0):
    stamp = start.strftime("%Y%m%dT%H%M%SZ")
    end = (start + datetime.timedelta(hours=1)).strftime("%Y%m%dT%H%M%SZ")
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate bench//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nSEQUENCE:{sequence}\r\n"
        f"DTSTART:{stamp}\r\nDTEND:{end}\r\nSUMMARY:Meeting {uid}\r\n"
        "DESCRIPTION:An agenda long enough to look like a real one, with a line or two\r\n"
        " of folded text.\r\nLOCATION:Room 4\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def config_of(binary):
    """The config/ of the checkout `binary` was built in, else this checkout's."""
    checkout = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(binary))))
    own = os.path.join(checkout, "config")
    return own if os.path.isdir(own) else CONFIG


class Server(davgate_bench.Server):
    def __init__(self, binary, data_dir):
        super().__init__(binary, data_dir=data_dir, config_dir=config_of(binary))
        self.connection = self.connect(timeout=60)
        self.sequence = 0

    def send(self, method, path, body="", headers=None, expect=(200, 201, 204, 207)):
        all_headers = {"Authorization": AUTH, "User-Agent": AGENT}
        if body:
            all_headers["Content-Type"] = (
                "text/calendar; charset=utf-8" if method == "PUT" else "application/xml; charset=utf-8"
            )
        all_headers.update(headers or {})
        self.connection.request(method, path, body=body.encode(), headers=all_headers)
        response = self.connection.getresponse()
        data = response.read()
        if response.status not in expect:
            sys.exit(f"{method} {path}: {response.status} {data[:300]!r}")
        return data.decode("utf-8", "replace")

    def load(self, count):
        home = self.send("PROPFIND", "/dav/caldav/", headers={"Depth": "1"},
                         body='<propfind xmlns="DAV:"><prop><resourcetype/></prop></propfind>')
        calendars = [h for h in re.findall(r"<(?:\w+:)?href>([^<]+)</", home) if h.rstrip("/") != "/dav/caldav"]
        self.calendar = calendars[0]
        today = datetime.datetime.now(datetime.timezone.utc).replace(hour=9, minute=0, second=0, microsecond=0)
        rng = random.Random(7)
        self.names = []
        for i in range(count):
            start = today + datetime.timedelta(days=rng.randint(-25, 300), hours=rng.randint(0, 8))
            name = f"event-{i}.ics"
            self.send("PUT", self.calendar + name, body=event(f"event-{i}", start))
            self.names.append(name)
        self.month_start = today.replace(day=1)
        self.month_end = (self.month_start + datetime.timedelta(days=32)).replace(day=1)
        self.token = self.sync_token(self.sync(""))

    def sync(self, token):
        return self.send("REPORT", self.calendar, headers={"Depth": "1"}, body=(
            '<?xml version="1.0" encoding="UTF-8"?><sync-collection xmlns="DAV:">'
            f"<sync-token>{token}</sync-token><sync-level>1</sync-level>"
            "<prop><getetag/></prop></sync-collection>"))

    @staticmethod
    def sync_token(text):
        return re.search(r"<(?:\w+:)?sync-token>([^<]+)</", text).group(1)

    def one_change(self):
        self.sequence += 1
        name = self.names[self.sequence % len(self.names)]
        start = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=3)
        self.send("PUT", self.calendar + name, body=event(name[:-4], start, self.sequence))

    def multiget_body(self):
        hrefs = "".join(f"<D:href>{self.calendar}{name}</D:href>" for name in self.names[:100])
        return ('<?xml version="1.0" encoding="UTF-8"?><C:calendar-multiget xmlns:D="DAV:" '
                'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/>'
                f"</D:prop>{hrefs}</C:calendar-multiget>")

    def query_body(self):
        start = self.month_start.strftime("%Y%m%dT000000Z")
        end = self.month_end.strftime("%Y%m%dT000000Z")
        return ('<?xml version="1.0" encoding="UTF-8"?><calendar-query xmlns:D="DAV:" '
                'xmlns="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop><filter>'
                '<comp-filter name="VCALENDAR"><comp-filter name="VEVENT">'
                f'<time-range start="{start}" end="{end}"/></comp-filter></comp-filter>'
                "</filter></calendar-query>")

    def round(self, requests):
        """Seconds per request of each kind."""
        multiget, query = self.multiget_body(), self.query_body()
        depth0 = '<propfind xmlns="DAV:"><prop><getetag/><sync-token/></prop></propfind>'
        totals = [0.0] * len(KINDS)
        for _ in range(requests):
            self.one_change()
            start = time.perf_counter()
            answer = self.sync(self.token)
            totals[0] += time.perf_counter() - start
            self.token = self.sync_token(answer)
            for index, (method, depth, body) in enumerate(
                [("REPORT", "1", multiget), ("REPORT", "1", query), ("PROPFIND", "0", depth0)], 1
            ):
                start = time.perf_counter()
                self.send(method, self.calendar, headers={"Depth": depth}, body=body)
                totals[index] += time.perf_counter() - start
        return [total / requests for total in totals]

    def stop(self):
        self.connection.close()
        super().stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as old_dir, tempfile.TemporaryDirectory() as new_dir:
        servers = {"old": Server(args.old, old_dir), "new": Server(args.new, new_dir)}
        try:
            for server in servers.values():
                server.load(args.events)
                server.round(5)  # warm-up: the password check, page cache
            samples = {name: [] for name in servers}
            for _ in range(args.rounds):
                for name, server in servers.items():
                    samples[name].append(server.round(args.requests))
        finally:
            for server in servers.values():
                server.stop()
    print(f"{args.events} events; {args.rounds} alternating rounds of {args.requests} "
          "requests per kind; median of the rounds' mean per request")
    print(f"{'request':<38}{'old':>11}{'new':>11}{'new/old':>9}")
    for index, kind in enumerate(KINDS):
        old = statistics.median(sample[index] for sample in samples["old"])
        new = statistics.median(sample[index] for sample in samples["new"])
        print(f"{kind:<38}{old * 1e3:>9.2f}ms{new * 1e3:>9.2f}ms{new / old:>9.2f}")


if __name__ == "__main__":
    main()
