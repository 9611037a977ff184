"""What the Python benches share: a davgate process on a loopback port, the demo logins,
Basic auth, the server's resident memory from /proc, percentiles and a small kept-alive
client. Only the Python standard library is used.

    from davgate_bench import Server, basic, percentile

`Server(binary)` runs `davgate serve --demo` with the shipped config/ on an embedded
SQLite store in a temporary directory (or on `database_url`, a PostgreSQL database) and
returns once the server printed `davgate listening`. The demo users are alice and bob,
both with the password `PASSWORD`.
"""

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from base64 import b64encode

PASSWORD = "bench-password"
ALICE = "alice@example.com"
BOB = "bob@example.com"
CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "config")


def basic(login, password=PASSWORD):
    return "Basic " + b64encode(f"{login}:{password}".encode()).decode()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_kib(pid, field):
    """A field of /proc/<pid>/status in KiB (VmRSS: resident now, VmHWM: the peak)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def config_with(settings, base=CONFIG):
    """A temporary copy of the config directory `base` with `settings` ("NAME=VALUE")
    added in a YAML file read last, so that they win. Returns (directory, cleanup)."""
    scratch = tempfile.mkdtemp(prefix="davgate-bench-config-")
    config_dir = os.path.join(scratch, "config")
    shutil.copytree(base, config_dir)
    if settings:
        with open(os.path.join(config_dir, "zz-bench.yml"), "w") as extra:
            for setting in settings:
                name, value = setting.split("=", 1)
                extra.write(f"{name}: {json.dumps(value)}\n")
    return config_dir, lambda: shutil.rmtree(scratch, ignore_errors=True)


class Server:
    """`binary serve --demo` on a loopback port, started in the constructor.

    data_dir: the embedded store's directory (a temporary one by default); database_url:
    a PostgreSQL database instead; config_dir: the shipped config/ by default; env: more
    environment (e.g. TOKIO_WORKER_THREADS); nofile: the server's RLIMIT_NOFILE (soft and
    hard), inherited when None."""

    def __init__(self, binary, data_dir=None, config_dir=CONFIG, database_url=None, env=None,
                 log="warn", nofile=None):
        self.port = free_port()
        self._scratch = None
        if data_dir is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="davgate-bench-data-")
            data_dir = self._scratch.name
        self.data_dir = data_dir
        environment = dict(os.environ, DAVGATE_DEMO_PASSWORD=PASSWORD, RUST_LOG=log)
        environment.pop("DAVGATE_DATABASE_URL", None)
        if database_url:
            environment["DAVGATE_DATABASE_URL"] = database_url
        environment.update(env or {})

        def limit_files():
            if nofile:
                import resource

                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        self.process = subprocess.Popen(
            [binary, "--config-dir", config_dir, "--data-dir", data_dir, "serve", "--demo",
             "--listen", f"127.0.0.1:{self.port}"],
            env=environment, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            preexec_fn=limit_files if nofile else None,
        )
        for line in self.process.stdout:
            if line.startswith("davgate listening"):
                break
        else:
            sys.exit(f"{binary} did not start")
        # Keeps reading the server's output so that it never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in self.process.stdout], daemon=True).start()

    @property
    def pid(self):
        return self.process.pid

    def alive(self):
        return self.process.poll() is None

    def rss_mib(self):
        return memory_kib(self.pid, "VmRSS") / 1024

    def peak_mib(self):
        return memory_kib(self.pid, "VmHWM") / 1024

    def peak_reset(self):
        """Sets the peak (VmHWM) back to what is resident now."""
        with open(f"/proc/{self.pid}/clear_refs", "w") as refs:
            refs.write("5")

    def open_files_limit(self):
        """The server's soft RLIMIT_NOFILE."""
        with open(f"/proc/{self.pid}/limits") as limits:
            for line in limits:
                if line.startswith("Max open files"):
                    return int(line.split()[3])
        return None

    def open_files(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def connect(self, timeout=60):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def send(self, method, path, body="", login=ALICE, depth=None, content_type="application/xml",
             timeout=900):
        """One request on a connection of its own: (status, headers, body bytes)."""
        connection = self.connect(timeout)
        try:
            return request(connection, method, path, body, login, depth, content_type)
        finally:
            connection.close()

    def calendars(self, login=ALICE):
        """The hrefs of the user's calendars, default first."""
        status, _, data = self.send("PROPFIND", "/dav/caldav/", login=login, depth="1", body=(
            "<propfind xmlns='DAV:'><prop><resourcetype/></prop></propfind>"))
        if status != 207:
            sys.exit(f"PROPFIND /dav/caldav/ as {login}: {status}")
        return sorted(set(re.findall(r"/dav/caldav/\d+/", data.decode())), key=lambda h: int(h.split("/")[3]))

    def stop(self):
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._scratch:
            self._scratch.cleanup()

    def kill(self):
        if self.alive():
            self.process.kill()
            self.process.wait()
        if self._scratch:
            self._scratch.cleanup()


def request(connection, method, path, body="", login=ALICE, depth=None,
            content_type="application/xml", headers=None):
    """One request on a kept-alive http.client connection: (status, headers, body bytes)."""
    all_headers = {"Authorization": basic(login) if isinstance(login, str) else login}
    if depth is not None:
        all_headers["Depth"] = depth
    if body:
        all_headers["Content-Type"] = content_type
    all_headers.update(headers or {})
    connection.request(method, path, body=body.encode() if isinstance(body, str) else body,
                       headers=all_headers)
    response = connection.getresponse()
    data = response.read()
    return response.status, dict(response.getheaders()), data


class Timer:
    """Seconds per request of a client, by phase, and what it got other than success."""

    def __init__(self):
        self.samples = {}
        self.failures = {}
        self.lock = threading.Lock()

    def add(self, phase, seconds, ok, what=None):
        with self.lock:
            if ok:
                self.samples.setdefault(phase, []).append(seconds)
            else:
                key = (phase, what)
                self.failures[key] = self.failures.get(key, 0) + 1

    def summary(self, phase):
        """(count, p50 ms, p99 ms, max ms, errors) of a phase."""
        samples = self.samples.get(phase, [])
        errors = sum(n for (p, _), n in self.failures.items() if p == phase)
        if not samples:
            return 0, None, None, None, errors
        return (len(samples), percentile(samples, 0.5) * 1e3, percentile(samples, 0.99) * 1e3,
                max(samples) * 1e3, errors)
