#!/usr/bin/env python3
"""Per-request latency of two davgate builds, measured side by side in one run.

    python3 benches/compare_builds.py OLD_BINARY NEW_BINARY [--rounds 7] [--requests 400]

Each binary serves `serve --demo` with the shipped config/ on an embedded store of its
own, on a loopback port. The rounds alternate between the two servers (A, B, A, B, ...)
so that load on the machine falls on both alike. A round sends, over one kept-alive
connection as alice, `--requests` times each of:

- PROPFIND Depth 0 on the DAV root (current-user-principal), the cheapest DAV request;
- PROPFIND Depth 1 on the calendar home (the calendars and their properties).

It prints the median time per request of each build and kind, and NEW/OLD. Only the
Python standard library is needed.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import davgate_bench  # noqa: E402

AUTH = davgate_bench.basic(davgate_bench.ALICE)
PRINCIPAL = (
    '<?xml version="1.0"?><propfind xmlns="DAV:"><prop><current-user-principal/>'
    "</prop></propfind>"
)
CALENDARS = (
    '<?xml version="1.0"?><propfind xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
    "<prop><displayname/><resourcetype/><getctag xmlns=\"http://calendarserver.org/ns/\"/>"
    "<sync-token/><C:supported-calendar-component-set/></prop></propfind>"
)
KINDS = [("root, Depth 0", "/dav/", "0", PRINCIPAL), ("calendar home, Depth 1", "/dav/caldav/", "1", CALENDARS)]


class Server(davgate_bench.Server):
    def __init__(self, binary, data_dir):
        super().__init__(binary, data_dir=data_dir)
        self.connection = self.connect(timeout=30)

    def request(self, path, depth, body):
        self.connection.request(
            "PROPFIND", path, body=body,
            headers={"Authorization": AUTH, "Depth": depth, "Content-Type": "application/xml",
                     "User-Agent": "DAVx5/4.4.2-ose (2024/06/07; dav4jvm; okhttp/4.12.0) Android/14"},
        )
        response = self.connection.getresponse()
        response.read()
        if response.status != 207:
            sys.exit(f"PROPFIND {path}: {response.status}")

    def round(self, requests):
        """Seconds per request of each kind."""
        times = []
        for _, path, depth, body in KINDS:
            start = time.perf_counter()
            for _ in range(requests):
                self.request(path, depth, body)
            times.append((time.perf_counter() - start) / requests)
        return times

    def stop(self):
        self.connection.close()
        super().stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as old_dir, tempfile.TemporaryDirectory() as new_dir:
        servers = {"old": Server(args.old, old_dir), "new": Server(args.new, new_dir)}
        try:
            for server in servers.values():
                server.round(50)  # warm-up: the password check, caches, page cache
            samples = {name: [] for name in servers}
            for _ in range(args.rounds):
                for name, server in servers.items():
                    samples[name].append(server.round(args.requests))
        finally:
            for server in servers.values():
                server.stop()
    print(f"{args.rounds} alternating rounds of {args.requests} requests per kind; median per request")
    print(f"{'request':<26}{'old':>12}{'new':>12}{'new/old':>10}")
    for index, (kind, *_rest) in enumerate(KINDS):
        old = statistics.median(sample[index] for sample in samples["old"])
        new = statistics.median(sample[index] for sample in samples["new"])
        print(f"{kind:<26}{old * 1e6:>10.0f}µs{new * 1e6:>10.0f}µs{new / old:>10.2f}")


if __name__ == "__main__":
    main()
