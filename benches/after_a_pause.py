#!/usr/bin/env python3
"""Requests after a pause, for two or more davgate builds side by side: what a client
that polls, or a benchmark that takes turns between servers, gets.

    python3 benches/after_a_pause.py OLD_BINARY NEW_BINARY [--events 10000]
        [--pauses 0 1] [--repetitions 15]

A server answers a request that follows another at once faster than one that follows
a pause: in between its threads sleep, and the CPU caches hold other work. Each build
serves `serve --demo` on the embedded store (SQLite, no Redis, the shipped
configuration); the first build's store is loaded with `--events` generated events by
PUT with 8 clients (benches/dav_workload.py) and copied for the others, so every build
reads the same file. Then, for each pause, the builds take turns (the order swapped
every repetition): sleep the pause, then one request on a kept-alive connection, timed
from sending to the last byte read. Request kinds: PROPFIND Depth 0 on the calendar,
and calendar-multiget of 1,000 members with calendar data.

It prints the median per build, kind and pause, NEW/OLD, and each server's resident
memory (VmRSS) at the end. Needs only the Python standard library.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dav_servers  # noqa: E402
import dav_workload  # noqa: E402
import davgate_bench  # noqa: E402


class Served(dav_servers.Davgate):
    """davgate on a given data directory."""

    def __init__(self, name, binary, data_dir):
        dav_servers.Target.__init__(self)
        self.name = name
        self.server = davgate_bench.Server(binary, data_dir=data_dir)
        self.port, self.pid = self.server.port, self.server.pid
        self.calendar = self.server.calendars()[0]
        self.addressbook = self.address_books()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binaries", nargs="+")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--pauses", type=float, nargs="+", default=[0.0, 1.0], help="seconds")
    parser.add_argument("--repetitions", type=int, default=15)
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="davgate-pause-")
    servers = []
    try:
        first_dir = os.path.join(scratch, "build-1")
        os.makedirs(first_dir)
        first = Served("build 1", args.binaries[0], first_dir)
        servers.append(first)
        print(f"loading {args.events} events", flush=True)
        first.seed(dav_workload.event_items(first, range(args.events)))
        servers.pop().stop()
        for n, binary in enumerate(args.binaries, start=1):
            data_dir = os.path.join(scratch, f"build-{n}")
            if n > 1:
                shutil.copytree(first_dir, data_dir)
            servers.append(Served(f"build {n}", binary, data_dir))
        workloads = [dav_workload.Workload(server, args.events) for server in servers]
        kinds = ["PROPFIND Depth 0 (calendar)", "calendar-multiget 1,000, with data"]
        for workload in workloads:
            for kind in kinds:
                workload.timed(kind)
        print(f"{'request':<40}{'pause':>7}" + "".join(f"{s.name:>12}" for s in servers) + f"{'last/first':>12}")
        for kind in kinds:
            for pause in args.pauses:
                times = {w.target.name: [] for w in workloads}
                for repetition in range(args.repetitions):
                    order = workloads if repetition % 2 == 0 else list(reversed(workloads))
                    for workload in order:
                        time.sleep(pause)
                        times[workload.target.name].append(workload.timed(kind))
                medians = [statistics.median(times[s.name]) for s in servers]
                print(f"{kind:<40}{pause:>6.1f}s" + "".join(f"{m * 1e3:>9.2f} ms" for m in medians)
                      + f"{medians[-1] / medians[0]:>12.3f}", flush=True)
        print("RSS at the end: " + ", ".join(f"{s.name} {s.server.rss_mib():.1f} MiB" for s in servers))
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
