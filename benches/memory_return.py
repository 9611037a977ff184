#!/usr/bin/env python3
"""Whether davgate gives memory back after a load, for several builds or allocator
settings side by side in one run.

    python3 benches/memory_return.py [--events 10000] [--idle 60] \\
        --variant "glibc=target/release/davgate" \\
        --variant "arenas 2=target/release/davgate MALLOC_ARENA_MAX=2" \\
        --variant "jemalloc=/path/to/other/davgate"

A variant is NAME=BINARY followed by environment settings for that server (for example
LD_PRELOAD of another malloc, MALLOC_ARENA_MAX, GLIBC_TUNABLES). Every variant serves
`serve --demo` on an embedded store of its own (and, with DAVGATE_COMPARE_DATABASE_URL
set, a second time on a PostgreSQL database of its own, dropped afterwards). Then:

1. RSS after start (12 s after it, past the first return of freed memory);
2. `--events` events PUT into alice's default calendar by 8 clients, in chunks
   alternating between the servers; RSS after loading;
3. the peak while answering PROPFIND Depth 1 on the calendar, three times one after the
   other: the peak (VmHWM) is first set back to what is resident (clear_refs);
4. the same with 8 such requests at once;
5. RSS `--idle` seconds after the last request.

It prints each figure in MiB and its ratio to the RSS after start.
"""

import argparse
import os
import shlex
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dav_servers  # noqa: E402
import dav_workload  # noqa: E402
from davgate_bench import memory_kib  # noqa: E402

FIGURES = ["RSS after start", "RSS after loading", "peak, PROPFIND Depth 1 one at a time",
           "peak, 8 PROPFIND Depth 1 at once", "RSS after idling"]


def variant(spec):
    name, rest = spec.split("=", 1)
    binary, *settings = shlex.split(rest)
    return name, binary, dict(setting.split("=", 1) for setting in settings)


def mib(target, field="VmRSS"):
    return memory_kib(target.pid, field) / 1024


def peak_of(target, requests):
    with open(f"/proc/{target.pid}/clear_refs", "w") as refs:
        refs.write("5")
    requests()
    return mib(target, "VmHWM")


def propfind(target):
    client = dav_workload.Client(target)
    text = client.send("PROPFIND", target.calendar, dav_workload.PROPFIND_ETAGS, depth="1")
    client.close()
    return dav_workload.count_responses(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", action="append", type=variant, required=True)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--idle", type=float, default=60.0)
    args = parser.parse_args()

    python = dav_servers.venv_python()
    if os.path.realpath(sys.prefix) != os.path.realpath(dav_servers.VENV):
        os.execv(python, [python, os.path.abspath(__file__), *sys.argv[1:]])
    import psycopg
    from compare_servers import Postgres

    server_url = os.environ.get("DAVGATE_COMPARE_DATABASE_URL")
    databases, targets = [], []
    try:
        for name, binary, env in args.variant:
            targets.append(dav_servers.Davgate(f"{name}, SQLite", binary, env=env))
            if server_url:
                database = Postgres(server_url, psycopg, suffix=f"_{len(databases)}")
                databases.append(database)
                targets.append(dav_servers.Davgate(f"{name}, PostgreSQL", binary, database_url=database.url, env=env))
        # The start-up figure is read after the binary's first malloc_trim (every 10 s),
        # which returns the scratch of the demo logins' password hashing: the figure is
        # then what a started server holds, not what its start-up briefly needed.
        time.sleep(12)
        figures = {t.name: {"RSS after start": mib(t)} for t in targets}
        step = 1000
        for offset in range(0, args.events, step):
            for target in targets:
                items = dav_workload.event_items(target, range(offset, min(args.events, offset + step)))
                dav_workload.put_all(target, items, 8)
        for target in targets:
            figures[target.name]["RSS after loading"] = mib(target)
        for target in targets:
            figures[target.name][FIGURES[2]] = peak_of(target, lambda: [propfind(target) for _ in range(3)])
        for target in targets:
            def at_once():
                with ThreadPoolExecutor(8) as pool:
                    counts = list(pool.map(lambda _: propfind(target), range(8)))
                if min(counts) < args.events + 1:
                    sys.exit(f"{target.name}: PROPFIND answered {counts} responses")
            figures[target.name][FIGURES[3]] = peak_of(target, at_once)
        print(f"waiting {args.idle:.0f} s", flush=True)
        time.sleep(args.idle)
        for target in targets:
            figures[target.name]["RSS after idling"] = mib(target)
    finally:
        for target in targets:
            target.stop()
        for database in databases:
            database.drop()

    print(f"\n{args.events} events PUT by 8 clients; MiB (ratio to the RSS after start); "
          f"the last reading {args.idle:.0f} s after the last request")
    width = max(len(t.name) for t in targets) + 2
    print(f"{'':<{width}}" + "".join(f"{f:>40}" for f in FIGURES))
    for target in targets:
        start = figures[target.name]["RSS after start"]
        cells = [f"{figures[target.name][f]:.1f} ({figures[target.name][f] / start:.2f}×)" for f in FIGURES]
        print(f"{target.name:<{width}}" + "".join(f"{c:>40}" for c in cells))


if __name__ == "__main__":
    main()
