#!/usr/bin/env python3
"""Time to answer request bodies built to be expensive, and /health/live meanwhile.

    python3 benches/abusive_bodies.py BINARY [BINARY ...] [--timeout 60] [--limits FILE]

Each binary serves `serve --demo` with the shipped config/ (plus the YAML file given
with `--limits`, e.g. one raising the body limits to show the parse itself) on an
embedded store of its own, on a loopback port, a fresh process for each body. As alice
it sends each body below as a PROPFIND Depth 0 on the calendar home and prints the
status and the seconds until the whole answer was read (or that none came within
`--timeout`):

- 500, 40,000 and 300,000 distinct properties named in one `prop` (500 is the most one
  list may name by default: the largest answer a client can ask for in one response);
- 100,000 attributes on one element, and 100,000 spread as 10 on each of 10,000 elements;
- 20,000 namespace declarations on the root element.

Then it sends the 300,000-property body on two connections at once and probes
/health/live every 50 ms until both are answered, printing the slowest probe. Only the
Python standard library is needed.
"""

import argparse
import http.client
import os
import shutil
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import davgate_bench  # noqa: E402
from davgate_bench import CONFIG  # noqa: E402

AUTH = davgate_bench.basic(davgate_bench.ALICE)
HOME = "/dav/caldav/"


def properties(count):
    names = "".join(f"<x:p{n}/>" for n in range(count))
    return f'<D:propfind xmlns:D="DAV:" xmlns:x="urn:x"><D:prop>{names}</D:prop></D:propfind>'


def attributes_on_one(count):
    attrs = " ".join(f'a{n}="v"' for n in range(count))
    return f'<D:propfind xmlns:D="DAV:"><D:prop {attrs}><D:getetag/></D:prop></D:propfind>'


def attributes_spread(elements, each):
    attrs = " ".join(f'a{n}="v"' for n in range(each))
    props = "".join(f"<x:p{n} {attrs}/>" for n in range(elements))
    return f'<D:propfind xmlns:D="DAV:" xmlns:x="urn:x"><D:prop>{props}</D:prop></D:propfind>'


def declarations(count):
    decls = " ".join(f'xmlns:n{n}="urn:n{n}"' for n in range(count))
    return f'<D:propfind xmlns:D="DAV:" {decls}><D:prop><D:getetag/></D:prop></D:propfind>'


BODIES = [
    ("500 properties (the default bound)", lambda: properties(500)),
    ("40,000 properties", lambda: properties(40_000)),
    ("300,000 properties", lambda: properties(300_000)),
    ("100,000 attributes, one element", lambda: attributes_on_one(100_000)),
    ("100,000 attributes, 10 x 10,000", lambda: attributes_spread(10_000, 10)),
    ("20,000 namespace declarations", lambda: declarations(20_000)),
]


class Server(davgate_bench.Server):
    def __init__(self, binary, data_dir, config_dir):
        # Two workers, as on the two-core pod the defaults are sized for.
        super().__init__(binary, data_dir=data_dir, config_dir=config_dir,
                         env={"TOKIO_WORKER_THREADS": "2"})

    def propfind(self, body, timeout):
        """(status or None, seconds)"""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        start = time.perf_counter()
        try:
            connection.request(
                "PROPFIND", HOME, body=body.encode(),
                headers={"Authorization": AUTH, "Depth": "0", "Content-Type": "application/xml"},
            )
            response = connection.getresponse()
            response.read()
            return response.status, time.perf_counter() - start
        except (socket.timeout, TimeoutError):
            return None, time.perf_counter() - start
        finally:
            connection.close()

    def health(self, timeout):
        """Seconds until /health/live answered, or None."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        start = time.perf_counter()
        try:
            connection.request("GET", "/health/live")
            connection.getresponse().read()
            return time.perf_counter() - start
        except (socket.timeout, TimeoutError):
            return None
        finally:
            connection.close()


def show(status, seconds, timeout):
    if status is None:
        return f"no answer within {timeout} s"
    return f"{status} after {seconds:.3f} s"


def measure(binary, config_dir, timeout):
    with tempfile.TemporaryDirectory() as data_dir:
        # A fresh server for each body: one that did not answer in time may still be busy.
        for label, body in BODIES:
            server = Server(binary, data_dir, config_dir)
            try:
                server.propfind(properties(3), timeout)  # warm-up: the password check
                status, seconds = server.propfind(body(), timeout)
                print(f"  {label:<40}{show(status, seconds, timeout)}", flush=True)
            finally:
                server.kill()
        server = Server(binary, data_dir, config_dir)
        try:
            server.propfind(properties(3), timeout)
            heavy = properties(300_000)
            results = []
            threads = [
                threading.Thread(target=lambda: results.append(server.propfind(heavy, timeout)))
                for _ in range(2)
            ]
            for thread in threads:
                thread.start()
            probes = []
            while any(thread.is_alive() for thread in threads):
                probes.append(server.health(timeout))
                time.sleep(0.05)
            for thread in threads:
                thread.join()
            answers = ", ".join(show(status, seconds, timeout) for status, seconds in results)
            print(f"  {'two 300,000-property bodies':<40}{answers}")
            answered = [p for p in probes if p is not None]
            unanswered = len(probes) - len(answered)
            print(f"  {'/health/live meanwhile':<40}{len(probes)} probes, slowest "
                  f"{max(answered, default=0):.3f} s, {unanswered} without answer within {timeout} s")
        finally:
            server.kill()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binaries", nargs="+")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--limits", help="a YAML file added to the config directory")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as config_dir:
        config_dir = os.path.join(config_dir, "config")
        shutil.copytree(CONFIG, config_dir)
        if args.limits:
            shutil.copy(args.limits, os.path.join(config_dir, "zz-bench-limits.yml"))
        for binary in args.binaries:
            print(binary, flush=True)
            measure(binary, config_dir, args.timeout)


if __name__ == "__main__":
    main()
