"""What logging in costs the database per request, with and without the login cache, and
with Redis: queries (PostgreSQL transactions, from pg_stat_database) and latency of N
PROPFIND Depth 0 requests on the DAV root as alice, one kept-alive connection, all
configurations side by side in one run on one database.

    python3 benches/login_cache.py target/release/davgate \\
        --database-url postgres://postgres@127.0.0.1:5432/davgate_bench_cache \\
        --redis-url redis://127.0.0.1:6379/ [--requests 2000]

The database must exist and be empty or hold the demo of an earlier run. Configurations:
no cache (davgate.loginCache.unsubscribedTtlMillis=0), the process cache alone (the
default without Redis), Redis (a replica that warmed the shared cache), and a cold
replica's first request with and without a warm Redis.
"""

import argparse
import os
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from davgate_bench import ALICE, Server, config_with, percentile, request  # noqa: E402

BODY = "<propfind xmlns='DAV:'><prop><resourcetype/><displayname/></prop></propfind>"


def transactions(database_url):
    """Committed transactions of the database so far; each autocommitted query is one."""
    name = database_url.rsplit("/", 1)[1].split("?")[0]
    # Backends report their counts when idle, at most once a second.
    time.sleep(1.5)
    sql = f"SELECT pg_stat_clear_snapshot(); SELECT xact_commit FROM pg_stat_database WHERE datname = '{name}'"
    out = subprocess.run(["psql", "-At", database_url.rsplit("/", 1)[0] + "/postgres", "-c", sql],
                         check=True, capture_output=True, text=True).stdout.split()
    return int(out[-1])


def run(server, database_url, requests):
    connection = server.connect()
    status, _, _ = request(connection, "PROPFIND", "/dav/", BODY, ALICE, depth="0")
    assert status == 207, status
    before = transactions(database_url)
    samples = []
    for _ in range(requests):
        start = time.perf_counter()
        status, _, _ = request(connection, "PROPFIND", "/dav/", BODY, ALICE, depth="0")
        samples.append(time.perf_counter() - start)
        assert status == 207, status
    after = transactions(database_url)
    connection.close()
    # The reading itself is one transaction, on another database: not counted.
    return (after - before) / requests, samples


def first_request(server, database_url):
    before = transactions(database_url)
    connection = server.connect()
    status, _, _ = request(connection, "PROPFIND", "/dav/", BODY, ALICE, depth="0")
    assert status == 207, status
    connection.close()
    return transactions(database_url) - before


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    prefix = f"davgate-bench:{uuid.uuid4().hex}:"
    redis = [f"davgate.redisUrl={args.redis_url}", f"davgate.redisKeyPrefix={prefix}"]
    configurations = [
        ("no cache", ["davgate.loginCache.unsubscribedTtlMillis=0"]),
        ("process cache, no Redis (1 s)", []),
        ("process cache + Redis (subscribed)", redis),
    ]
    rows = []
    for label, settings in configurations:
        config_dir, cleanup = config_with(settings)
        server = Server(args.binary, config_dir=config_dir, database_url=args.database_url)
        try:
            per_request, samples = run(server, args.database_url, args.requests)
        finally:
            server.stop()
            cleanup()
        rows.append((label, per_request, samples))

    print(f"\n{args.requests} PROPFIND Depth 0 /dav/ as alice, one connection\n")
    print("| configuration | queries per request | mean ms | p50 ms | p95 ms |")
    print("|---|---|---|---|---|")
    for label, per_request, samples in rows:
        mean = sum(samples) / len(samples) * 1000
        print(f"| {label} | {per_request:.2f} | {mean:.3f} | {percentile(samples, 0.5) * 1000:.3f}"
              f" | {percentile(samples, 0.95) * 1000:.3f} |")

    # A replica that starts while another one has filled the shared cache.
    print("\nQueries of a fresh replica's first request (login and profile included)\n")
    print("| configuration | queries |")
    print("|---|---|")
    for label, settings in [("no Redis", []), ("Redis warmed by another replica", redis)]:
        config_dir, cleanup = config_with(settings)
        warm = Server(args.binary, config_dir=config_dir, database_url=args.database_url)
        first_request(warm, args.database_url)
        cold = Server(args.binary, config_dir=config_dir, database_url=args.database_url)
        try:
            print(f"| {label} | {first_request(cold, args.database_url)} |")
        finally:
            cold.stop()
            warm.stop()
            cleanup()


if __name__ == "__main__":
    main()
