#!/usr/bin/env python3
"""Instructions the server executes per listing request, for two or more builds: a
figure that does not move with what else the machine does (valgrind's callgrind counts
instructions, not time), for changes too small to see in wall-clock time on a shared
machine.

    python3 benches/listing_instructions.py OLD_BINARY NEW_BINARY [--events 10000]
        [--contacts 0] [--requests 2] [--database-urls URL_OLD URL_NEW] [--keep-dumps DIR]

Each binary first serves `serve --demo` on a store of its own (an embedded one in a
temporary directory, or the PostgreSQL database given for it, which must be empty) and
alice's calendar gets the same `--events` generated events by PUT with 8 clients
(benches/dav_workload.py), her address book `--contacts` contacts; PostgreSQL databases
are then analyzed (`psql`) and vacuumed, as autovacuum would after such a load. Then the
binary serves the same store under `valgrind --tool=callgrind`; for each request kind
one request warms up, the counters are zeroed (`callgrind_control -z`), `--requests`
requests follow, and the counters are dumped. It prints the instructions per request
of each build and NEW/OLD. Needs valgrind (Debian's package) and, with
`--database-urls`, `psql`.

Instructions are not time: memory stalls and the database server's own work are not
in them. They tell whether a change made the server do less, by how much, repeatably.
"""

import argparse
import glob
import os
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dav_servers  # noqa: E402
import dav_workload  # noqa: E402
import davgate_bench  # noqa: E402

KINDS = [
    "PROPFIND Depth 1 (calendar, getetag)",
    "sync-collection initial (calendar)",
    "calendar-multiget 1,000, with data",
]

KINDS_SHORT = {
    "PROPFIND Depth 1 (calendar, getetag)": "propfind",
    "sync-collection initial (calendar)": "sync-calendar",
    "calendar-multiget 1,000, with data": "multiget",
    "sync-collection initial (address book)": "sync-book",
}


class Served(dav_servers.Davgate):
    """davgate on a given data directory or database, optionally under a wrapper."""

    def __init__(self, name, command, data_dir, database_url):
        dav_servers.Target.__init__(self)
        self.name = name
        self.server = davgate_bench.Server(command, data_dir=data_dir, database_url=database_url)
        self.port, self.pid = self.server.port, self.server.pid
        self.calendar = self.server.calendars()[0]
        self.addressbook = self.address_books()[0]


def callgrind(binary, scratch):
    """A script that runs `binary` under callgrind, and where its counts go."""
    out = os.path.join(scratch, "callgrind.out")
    wrapper = os.path.join(scratch, "under-callgrind")
    with open(wrapper, "w") as script:
        script.write(f'#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file={out} {binary} "$@"\n')
    os.chmod(wrapper, os.stat(wrapper).st_mode | stat.S_IXUSR)
    return wrapper, out


def control(*args):
    subprocess.run(["callgrind_control", *map(str, args)], check=True, capture_output=True)


def dumped_total(out, before):
    """The instruction total of the dump written since the files in `before`."""
    new = [path for path in glob.glob(out + ".*") if path not in before]
    if len(new) != 1:
        sys.exit(f"expected one new callgrind dump, found {new}")
    with open(new[0]) as dump:
        for line in dump:
            if line.startswith("totals:"):
                return int(line.split()[1]), new[0]
    sys.exit(f"no totals in {new[0]}")


def measure(name, binary, url, args, kinds):
    """{kind: instructions per request} of one build."""
    scratch = tempfile.mkdtemp(prefix="davgate-instructions-")
    data_dir = os.path.join(scratch, "data")
    os.makedirs(data_dir)
    print(f"loading {args.events} events into {name}", flush=True)
    plain = Served(name, binary, data_dir, url)
    try:
        plain.seed(dav_workload.event_items(plain, range(args.events)))
        if args.contacts:
            plain.seed(dav_workload.contact_items(plain, range(args.contacts)))
    finally:
        plain.stop()
    if url:
        subprocess.run(["psql", url, "-q", "-c", "VACUUM ANALYZE"], check=True)
    wrapper, out = callgrind(binary, scratch)
    served = Served(name, wrapper, data_dir, url)
    figures = {}
    try:
        workload = dav_workload.Workload(served, args.events)
        for kind in kinds:
            workload.timed(kind)
            control("-z", served.pid)
            for _ in range(args.requests):
                workload.timed(kind)
            before = set(glob.glob(out + ".*"))
            control("-d", served.pid)
            total, path = dumped_total(out, before)
            if args.keep_dumps:
                kept = os.path.join(args.keep_dumps, f"{name}-{KINDS_SHORT.get(kind, kind)}.callgrind".replace(" ", "-"))
                os.replace(path, kept)
                print(f"  kept {kept} (callgrind_annotate {kept})", flush=True)
            else:
                os.remove(path)
            figures[kind] = total / args.requests
            print(f"  {kind}: {figures[kind] / 1e6:.1f} M", flush=True)
    finally:
        served.stop()
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binaries", nargs="+")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--contacts", type=int, default=0)
    parser.add_argument("--requests", type=int, default=2)
    parser.add_argument("--database-urls", nargs="+")
    parser.add_argument("--keep-dumps", metavar="DIR",
                        help="keep each request kind's callgrind dump in DIR, for callgrind_annotate")
    args = parser.parse_args()
    if args.database_urls and len(args.database_urls) != len(args.binaries):
        parser.error("one database URL per binary")
    urls = args.database_urls or [None] * len(args.binaries)
    kinds = KINDS + (["sync-collection initial (address book)"] if args.contacts else [])
    results = [measure(f"build {i + 1}", binary, url, args, kinds)
               for i, (binary, url) in enumerate(zip(args.binaries, urls))]
    header = "".join(f"{f'build {i + 1}':>14}" for i in range(len(results)))
    print(f"\nmillion instructions per request\n{'request':<45}{header}{'last/first':>12}")
    for kind in kinds:
        row = "".join(f"{r[kind] / 1e6:>14.1f}" for r in results)
        print(f"{kind:<45}{row}{results[-1][kind] / results[0][kind]:>12.3f}")


if __name__ == "__main__":
    main()
