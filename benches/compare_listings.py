#!/usr/bin/env python3
"""Large listings and multigets of two davgate builds, requests alternating between them.

    python3 benches/compare_listings.py OLD_BINARY NEW_BINARY [--events 10000] [--repetitions 21]
        [--contacts 0] [--database-urls URL_OLD URL_NEW]

Each binary serves `serve --demo` (on an embedded store of its own, or on the two
PostgreSQL databases given, which must be empty), and alice's calendar is filled with
the same `--events` generated events by PUT with 8 clients (benches/dav_workload.py),
and her address book with `--contacts` contacts. On PostgreSQL the databases are then
analyzed (`psql -c ANALYZE`, so the `psql` client is needed), as autovacuum would after
such a load; `--no-analyze` leaves them as right after a bulk import.
Then, for each request kind, the two servers answer one after the other, the order
swapped every repetition, so that whatever else the machine does falls on both alike:

- PROPFIND Depth 0 on the calendar; PROPFIND Depth 1 with getetag;
- the initial sync-collection;
- calendar-multiget of 100 and of 1,000 members, with calendar data;
- a calendar-query for the current month (ETags);
- with `--contacts`: the address book's initial sync-collection.

It prints the median time of each build per kind and NEW/OLD (below 1: the new build
is quicker). Needs only the Python standard library (and `psql` with
`--database-urls`).
"""

import argparse
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dav_servers  # noqa: E402
import dav_workload  # noqa: E402

# The workload's request kinds without the address book's sync (added with --contacts)
# and without the ones that change data.
KINDS = [kind for kind, _ in dav_workload.KINDS
         if "address" not in kind and "after one change" not in kind]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--repetitions", type=int, default=21)
    parser.add_argument("--contacts", type=int, default=0)
    parser.add_argument("--database-urls", nargs=2, metavar=("OLD_URL", "NEW_URL"))
    parser.add_argument("--no-analyze", action="store_true",
                        help="leave the PostgreSQL databases without planner statistics")
    args = parser.parse_args()
    urls = args.database_urls or [None, None]
    servers = []
    try:
        for name, binary, url in (("old", args.old, urls[0]), ("new", args.new, urls[1])):
            servers.append(dav_servers.Davgate(name, binary, database_url=url))
        for server in servers:
            print(f"loading {args.events} events into {server.name}", flush=True)
            server.seed(dav_workload.event_items(server, range(args.events)))
            if args.contacts:
                server.seed(dav_workload.contact_items(server, range(args.contacts)))
        for url in [] if args.no_analyze else args.database_urls or []:
            subprocess.run(["psql", url, "-q", "-c", "ANALYZE"], check=True)
        kinds = KINDS + (["sync-collection initial (address book)"] if args.contacts else [])
        old, new = (dav_workload.Workload(server, args.events) for server in servers)
        print(f"{'request':<45}{'old':>12}{'new':>12}{'new/old':>10}")
        for kind in kinds:
            times = {"old": [], "new": []}
            for repetition in range(args.repetitions):
                order = (old, new) if repetition % 2 == 0 else (new, old)
                for workload in order:
                    times[workload.target.name].append(workload.timed(kind))
            a, b = statistics.median(times["old"]), statistics.median(times["new"])
            print(f"{kind:<45}{a * 1e3:>9.2f} ms{b * 1e3:>9.2f} ms{b / a:>10.3f}", flush=True)
    finally:
        for server in servers:
            server.stop()


if __name__ == "__main__":
    main()
