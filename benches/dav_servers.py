"""The servers benches/compare_servers.py measures, each on a loopback port with an empty
data directory of its own and one user, and what a client needs to reach them.

- davgate: the release binary, `serve --demo` (user alice), on SQLite or on a PostgreSQL
  database made for the run (see davgate_bench.Server); alice's default calendar and
  default contact folder.
- Radicale (3.9, from PyPI): its built-in server, htpasswd logins with plain passwords,
  owner-only rights, the filesystem store; the calendar and the address book are made
  with MKCALENDAR and an extended MKCOL.
- Xandikos (0.4, from PyPI): `xandikos serve --defaults`, which makes one calendar and
  one address book. Xandikos offers Basic authentication only over its own TLS, so it
  runs without authentication here (as behind a proxy that authenticates); the client
  sends the same Authorization header to every server all the same.

Radicale and Xandikos are installed in a virtual environment under target/bench-venv,
made on first use with the versions pinned in VENV_PACKAGES.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import http.client

import davgate_bench
from davgate_bench import free_port

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
VENV = os.path.join(ROOT, "target", "bench-venv")
VENV_PACKAGES = ["radicale==3.9.0", "xandikos==0.4.10", "psycopg[binary]==3.3.9"]
USER = "alice"
PASSWORD = davgate_bench.PASSWORD


def venv_python():
    """The virtual environment's interpreter, after installing VENV_PACKAGES if missing."""
    python = os.path.join(VENV, "bin", "python")
    marker = os.path.join(VENV, "installed.txt")
    wanted = "\n".join(VENV_PACKAGES)
    if os.path.exists(marker) and open(marker).read() == wanted:
        return python
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    subprocess.run([python, "-m", "pip", "install", "-q", *VENV_PACKAGES], check=True)
    with open(marker, "w") as out:
        out.write(wanted)
    return python


def wait_for_port(port, process, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{what} exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("OPTIONS", "/")
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{what} did not answer on port {port}")


def drain(process):
    """Reads a server's output so that it never blocks on a full pipe."""
    threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()


class Target:
    """A running server: name, port, pid, the calendar's and address book's paths, the
    Authorization header and stop()."""

    name = ""
    calendar = ""
    addressbook = ""

    def __init__(self):
        self.auth = davgate_bench.basic(self.login, PASSWORD)

    login = USER

    def seed(self, items):
        """Stores (path, body, content type) items the quickest way the server offers:
        PUT with 8 clients here; the Python servers write their storage directly."""
        import dav_workload

        dav_workload.put_all(self, items, 8)

    def stop(self):
        raise NotImplementedError


class Davgate(Target):
    login = davgate_bench.ALICE

    def __init__(self, name, binary, database_url=None, env=None):
        super().__init__()
        self.name = name
        self.server = davgate_bench.Server(binary, database_url=database_url, env=env)
        self.port, self.pid = self.server.port, self.server.pid
        self.calendar = self.server.calendars()[0]
        self.addressbook = self.address_books()[0]

    def address_books(self, login=davgate_bench.ALICE):
        """The user's own contact folders (numeric ids), default first."""
        status, _, data = self.server.send("PROPFIND", "/dav/carddav/", login=login, depth="1", body=(
            "<propfind xmlns='DAV:'><prop><resourcetype/></prop></propfind>"))
        if status != 207:
            sys.exit(f"PROPFIND /dav/carddav/: {status}")
        hrefs = set(re.findall(r"/dav/carddav/\d+/", data.decode()))
        # The global address list is every user's, not the user's own.
        own = [h for h in hrefs if h != "/dav/carddav/6/"]
        return sorted(own, key=lambda h: int(h.split("/")[3]))

    def stop(self):
        self.server.stop()


class Radicale(Target):
    def __init__(self, python):
        super().__init__()
        self.name = "Radicale"
        self.scratch = tempfile.mkdtemp(prefix="bench-radicale-")
        self.port = free_port()
        with open(os.path.join(self.scratch, "users"), "w") as users:
            users.write(f"{USER}:{PASSWORD}\n")
        config = os.path.join(self.scratch, "config")
        with open(config, "w") as out:
            out.write(
                f"[server]\nhosts = 127.0.0.1:{self.port}\n"
                f"[auth]\ntype = htpasswd\nhtpasswd_filename = {self.scratch}/users\n"
                "htpasswd_encryption = plain\n"
                "[rights]\ntype = owner_only\n"
                f"[storage]\nfilesystem_folder = {self.scratch}/collections\n"
                "[web]\ntype = none\n[logging]\nlevel = warning\n"
            )
        self.process = subprocess.Popen([python, "-m", "radicale", "--config", config],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        drain(self.process)
        self.pid = self.process.pid
        wait_for_port(self.port, self.process, "Radicale")
        self.calendar = f"/{USER}/calendar/"
        self.addressbook = f"/{USER}/contacts/"
        self.make_collections()

    def make_collections(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Authorization": self.auth, "Content-Type": "application/xml"}
        mkcalendar = ('<?xml version="1.0"?><C:mkcalendar xmlns:D="DAV:" '
                      'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>'
                      "<D:displayname>Calendar</D:displayname></D:prop></D:set></C:mkcalendar>")
        mkcol = ('<?xml version="1.0"?><D:mkcol xmlns:D="DAV:" '
                 'xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:set><D:prop><D:resourcetype>'
                 "<D:collection/><CR:addressbook/></D:resourcetype>"
                 "<D:displayname>Contacts</D:displayname></D:prop></D:set></D:mkcol>")
        for method, path, body in [("MKCALENDAR", self.calendar, mkcalendar), ("MKCOL", self.addressbook, mkcol)]:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 201:
                sys.exit(f"Radicale {method} {path}: {response.status}")
        connection.close()

    def seed(self, items):
        # One file per member, named by its href, is Radicale's filesystem store; its
        # cache of parsed items is filled on the first read.
        root = os.path.join(self.scratch, "collections", "collection-root")
        for path, body, _ in items:
            with open(root + path, "w", newline="") as out:
                out.write(body)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        shutil.rmtree(self.scratch, ignore_errors=True)


class Xandikos(Target):
    def __init__(self, python):
        super().__init__()
        self.name = "Xandikos"
        self.scratch = tempfile.mkdtemp(prefix="bench-xandikos-")
        self.port = free_port()
        self.process = subprocess.Popen(
            [python, "-m", "xandikos", "serve", "--defaults", "-d", os.path.join(self.scratch, "data"),
             "--state-dir", os.path.join(self.scratch, "state"), "--no-detect-systemd",
             "-l", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        drain(self.process)
        self.pid = self.process.pid
        wait_for_port(self.port, self.process, "Xandikos")
        self.calendar = "/user/calendars/calendar/"
        self.addressbook = "/user/contacts/addressbook/"

    def seed(self, items):
        # A collection is a git working tree; Xandikos serves what HEAD holds.
        data = os.path.join(self.scratch, "data")
        repositories = set()
        for path, body, _ in items:
            with open(data + path, "w", newline="") as out:
                out.write(body)
            repositories.add(os.path.dirname(data + path))
        for repository in repositories:
            git = ["git", "-C", repository, "-c", "user.name=bench", "-c", "user.email=bench@example.com"]
            subprocess.run(git + ["add", "-A"], check=True)
            subprocess.run(git + ["commit", "-q", "-m", "seed"], check=True)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        shutil.rmtree(self.scratch, ignore_errors=True)
