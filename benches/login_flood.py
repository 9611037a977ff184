#!/usr/bin/env python3
"""Logins under attack: memory of davgate and latency of a valid user while many clients
send wrong passwords at once.

    cargo build --release
    python3 benches/login_flood.py target/release/davgate [--attackers 128] [--seconds 20]
        [--logins valid|spray] [--no-throttle] [--set NAME=VALUE ...] [--config DIR]

The binary serves `serve --demo` (SQLite, loopback port) with the shipped config/ (or
`--config DIR`, such as an older build's own) plus any `--set` properties. alice logs in once, then polls PROPFIND Depth 0 on the DAV root
over one kept-alive connection, alone for a few seconds (the baseline) and then while
`--attackers` threads, each on a kept-alive connection of its own, send PROPFINDs with
wrong passwords as fast as they are answered, ignoring Retry-After:

- `--logins valid` (the default): every attacker guesses alice's password;
- `--logins spray`: each attempt names another unknown login.

All clients share the loopback address, as clients behind one NAT do. `--no-throttle`
sets the failure limits to 0, so that only the bound on password checks stands between
the attack and the process (as against a botnet of many addresses and logins); it needs
a build that has these settings.

Printed: the server's resident memory (before, highest, after the attack), alice's
median and 99th percentile per request alone and under attack, and how the attempts
were answered. Only the Python standard library is needed.
"""

import argparse
import http.client
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from davgate_bench import ALICE as LOGIN, CONFIG, PASSWORD, Server, basic, config_with, percentile  # noqa: E402

PROPFIND = (
    '<?xml version="1.0"?><propfind xmlns="DAV:"><prop><current-user-principal/>'
    "</prop></propfind>"
)
BASELINE_SECONDS = 5


def propfind(connection, authorization):
    connection.request(
        "PROPFIND", "/dav/", body=PROPFIND,
        headers={"Authorization": authorization, "Depth": "0", "Content-Type": "application/xml"},
    )
    response = connection.getresponse()
    response.read()
    return response.status


class Poller(threading.Thread):
    """alice, polling; her seconds per request, tagged with the phase they fell in."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.phase = "alone"
        self.samples = {"alone": [], "attack": []}
        self.failures = {}
        self.stopping = False

    def run(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        authorization = basic(LOGIN, PASSWORD)
        while not self.stopping:
            phase = self.phase
            start = time.perf_counter()
            try:
                status = propfind(connection, authorization)
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                status = "error"
            elapsed = time.perf_counter() - start
            if status == 207:
                self.samples[phase].append(elapsed)
            else:
                self.failures[status] = self.failures.get(status, 0) + 1
            time.sleep(0.01)


def attacker(port, number, logins, stop, answers, lock):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    attempt = 0
    while not stop.is_set():
        attempt += 1
        login = LOGIN if logins == "valid" else f"nobody-{number}-{attempt}@example.com"
        try:
            status = propfind(connection, basic(login, f"guess-{number}-{attempt}"))
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            status = "error"
        with lock:
            answers[status] = answers.get(status, 0) + 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary")
    parser.add_argument("--attackers", type=int, default=128)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--logins", choices=["valid", "spray"], default="valid")
    parser.add_argument("--no-throttle", action="store_true")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--config", default=CONFIG)
    args = parser.parse_args()
    settings = list(args.set)
    if args.no_throttle:
        settings += ["davgate.limits.loginFailuresPerLogin=0",
                     "davgate.limits.loginFailuresPerAddress=0"]
    config_dir, cleanup = config_with(settings, args.config)
    try:
        server = Server(args.binary, config_dir=config_dir, log="error")
        try:
            poller = Poller(server.port)
            poller.start()
            time.sleep(BASELINE_SECONDS)
            before = server.rss_mib()
            stop, lock, answers = threading.Event(), threading.Lock(), {}
            threads = [
                threading.Thread(target=attacker, args=(server.port, n, args.logins, stop, answers, lock),
                                 daemon=True)
                for n in range(args.attackers)
            ]
            poller.phase = "attack"
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            highest = before
            while time.perf_counter() - started < args.seconds:
                time.sleep(0.2)
                highest = max(highest, server.rss_mib())
            stop.set()
            for thread in threads:
                thread.join(timeout=120)
            attack_seconds = time.perf_counter() - started
            poller.stopping = True
            poller.join(timeout=60)
            time.sleep(2)
            after = server.rss_mib()
            peak = max(highest, server.peak_mib())
        finally:
            server.stop()
    finally:
        cleanup()
    print(f"{args.attackers} attackers ({args.logins} logins{', no throttle' if args.no_throttle else ''}) "
          f"for {attack_seconds:.0f} s; {os.cpu_count()} CPUs")
    print(f"resident memory: {before:.0f} MiB before, {peak:.0f} MiB highest, {after:.0f} MiB after")
    for phase in ("alone", "attack"):
        samples = poller.samples[phase]
        if samples:
            print(f"alice {phase:<7} {len(samples):>6} requests  p50 {statistics.median(samples) * 1e3:8.1f} ms"
                  f"  p99 {percentile(samples, 0.99) * 1e3:8.1f} ms")
        else:
            print(f"alice {phase:<7} no answered request")
    if poller.failures:
        print(f"alice's other answers: {poller.failures}")
    total = sum(answers.values())
    print(f"attempts: {total} ({total / attack_seconds:.0f}/s): "
          + ", ".join(f"{status}: {count}" for status, count in sorted(answers.items(), key=str)))


if __name__ == "__main__":
    main()
