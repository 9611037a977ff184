#!/usr/bin/env python3
"""davgate's address books synchronised with the `vdirsyncer` command-line tool.

Usage: vdirsyncer_client.py BASE_URL USER PASSWORD DEFAULT_BOOK [--workdir DIR]

BASE_URL is the server root (for example http://127.0.0.1:8080/), DEFAULT_BOOK the path
of the user's default contacts folder as an address book (for example
/dav/carddav/22/; `davgate folder list -c example.com --user alice` names the folder).
The user must see the global address list (folder 6) read-only, as the demo user alice
does. vdirsyncer runs as `python -m vdirsyncer` with this script's interpreter, with a
configuration and local directories in DIR (a fresh temporary directory by default).

Two pairs are synchronised, each an address book on the server against a `filesystem`
storage: the default folder's own address book, then the aggregated one
(/dav/carddav/Contacts/). For each: the first sync brings down exactly what the server
lists; contacts created, edited and deleted on either side reach the other; after an
upload, a sync with nothing changed only lists (the ETag a PUT returns is the one
listed). Last, a contact of the global address list edited locally is refused by the
server (403) and stays as it was there.

Each step prints its name and what it checked; the script exits 0 only when every step
passed. The server side is always read with plain HTTP, never through vdirsyncer.
"""

import argparse
import base64
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from urllib.parse import unquote, urljoin, urlsplit

from checks import check, ok, run_checks, step

DAV = "{DAV:}"
CS = "{http://calendarserver.org/ns/}"
AGGREGATED = "/dav/carddav/Contacts/"
GLOBAL_ADDRESS_BOOK = "6"


def vcard(uid, name):
    given, _, family = name.rpartition(" ")
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        "PRODID:-//davgate//vdirsyncer test//EN",
        f"UID:{uid}",
        f"FN:{name}",
        f"N:{family};{given};;;",
        f"EMAIL;TYPE=INTERNET:{uid.split('@')[0]}@example.org",
        "END:VCARD",
        "",
    ]
    return "\r\n".join(lines)


def card_fields(text):
    """UID and FN of a vCard, after unfolding."""
    unfolded = re.sub(r"\r?\n[ \t]", "", text)
    fields = {}
    for line in unfolded.splitlines():
        name, sep, value = line.partition(":")
        if not sep:
            continue
        key = name.split(";")[0].split(".")[-1].upper()
        if key in ("UID", "FN") and key not in fields:
            fields[key] = value
    return fields.get("UID"), fields.get("FN")


def card_fields_of(directory, name):
    with open(os.path.join(directory, name), encoding="utf-8") as f:
        return card_fields(f.read())


class Server:
    """Plain HTTP against davgate as the test user."""

    def __init__(self, base, user, password):
        self.base = base
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.auth = f"Basic {token}"

    def request(self, method, path, body=None, headers=None):
        req = urllib.request.Request(urljoin(self.base, path), data=body, method=method)
        req.add_header("Authorization", self.auth)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def get(self, path):
        status, headers, body = self.request("GET", path)
        return status, headers.get("ETag"), body.decode("utf-8") if status == 200 else None

    def put(self, path, text, **conditions):
        headers = {"Content-Type": "text/vcard; charset=utf-8"}
        expected = (201, 204)
        if "if_match" in conditions:
            headers["If-Match"] = conditions["if_match"]
            expected = (204,)  # the contact with that ETag, changed
        if conditions.get("create"):
            headers["If-None-Match"] = "*"
            expected = (201,)  # a new contact
        status, _, body = self.request("PUT", path, text.encode("utf-8"), headers)
        check(status in expected, f"PUT {path}: {status} {body[:300]!r}")

    def delete(self, path):
        status, _, body = self.request("DELETE", path)
        check(status == 204, f"DELETE {path}: {status} {body[:300]!r}")

    def propfind(self, path, depth, props):
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:prop>'
            + "".join(props)
            + "</d:prop></d:propfind>"
        )
        status, _, answer = self.request(
            "PROPFIND",
            path,
            body.encode(),
            {"Depth": str(depth), "Content-Type": "application/xml; charset=utf-8"},
        )
        check(status == 207, f"PROPFIND {path}: {status} {answer[:300]!r}")
        return ET.fromstring(answer)

    def etags(self, book):
        """href -> ETag of every member the book lists."""
        root = self.propfind(book, 1, ["<d:getetag/>", "<d:resourcetype/>"])
        found = {}
        for response in root.iter(f"{DAV}response"):
            href = unquote(response.findtext(f"{DAV}href"))
            if href.rstrip("/") == book.rstrip("/"):
                continue
            for propstat in response.iter(f"{DAV}propstat"):
                if " 200 " not in propstat.findtext(f"{DAV}status", ""):
                    continue
                etag = propstat.findtext(f"{DAV}prop/{DAV}getetag")
                if etag:
                    found[href] = etag
        return found

    def cards(self, book):
        """UID -> (href, FN, ETag) of every member, each read with GET."""
        cards = {}
        for href, listed_etag in self.etags(book).items():
            status, etag, text = self.get(href)
            check(status == 200, f"GET {href} (listed by {book}): {status}")
            check(etag == listed_etag, f"GET {href}: ETag {etag}, listed {listed_etag}")
            uid, fn = card_fields(text)
            check(uid and uid not in cards, f"{href}: UID {uid!r} missing or repeated")
            cards[uid] = (href, fn, etag)
        return cards

    def collection_state(self, book):
        root = self.propfind(book, 0, ["<cs:getctag/>", "<d:sync-token/>"])
        return root.findtext(f".//{CS}getctag"), root.findtext(f".//{DAV}sync-token")


class Pair:
    """One vdirsyncer pair: `local` (a directory of .vcf files) and `remote` (a book)."""

    def __init__(self, name, workdir, base, user, password, book):
        self.name = name
        self.book = book
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir)
        self.status_path = os.path.join(workdir, f"status-{name}")
        self.config = os.path.join(workdir, f"config-{name}")
        q = json.dumps
        with open(self.config, "w") as f:
            f.write(
                f"""[general]
status_path = {q(self.status_path)}

[pair {name}]
a = "{name}_local"
b = "{name}_remote"
collections = null
conflict_resolution = null

[storage {name}_local]
type = "filesystem"
path = {q(self.dir)}
fileext = ".vcf"

[storage {name}_remote]
type = "carddav"
url = {q(urljoin(base, book))}
username = {q(user)}
password = {q(password)}
"""
            )

    def run(self, *args, debug=False):
        cmd = [sys.executable, "-m", "vdirsyncer"]
        if debug:
            cmd += ["-v", "debug"]
        cmd += ["-c", self.config, *args]
        proc = subprocess.run(
            cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=180
        )
        return proc.returncode, proc.stdout + proc.stderr

    def sync(self, debug=False):
        code, output = self.run("sync", self.name, debug=debug)
        check(code == 0, f"vdirsyncer sync {self.name} exited {code}:\n{output}")
        return output

    def path(self, uid):
        """The file holding `uid`, or where a new contact with that UID goes."""
        for name in self.files():
            if card_fields_of(self.dir, name)[0] == uid:
                return os.path.join(self.dir, name)
        return os.path.join(self.dir, f"{uid}.vcf")

    def files(self):
        return sorted(n for n in os.listdir(self.dir) if n.endswith(".vcf"))

    def cards(self):
        """UID -> (file name, FN) of the local files."""
        cards = {}
        for name in self.files():
            uid, fn = card_fields_of(self.dir, name)
            check(uid and uid not in cards, f"local {name}: UID {uid!r} missing or repeated")
            cards[uid] = (name, fn)
        return cards

    def snapshot(self):
        state = {}
        for name in sorted(os.listdir(self.dir)):
            p = os.path.join(self.dir, name)
            with open(p, "rb") as f:
                state[name] = (os.stat(p).st_mtime_ns, f.read())
        return state

    def remote_hrefs(self):
        """UID -> the href vdirsyncer keeps for the item on the server (its status)."""
        db = sqlite3.connect(os.path.join(self.status_path, f"{self.name}.items"))
        try:
            rows = db.execute("SELECT ident, href_b FROM status").fetchall()
        finally:
            db.close()
        return {ident: unquote(href) for ident, href in rows}

    def expect_reported(self, output, line):
        check(line in output, f"{self.name}: vdirsyncer did not report {line!r}:\n{output}")

    def local_fn(self, uid):
        return self.cards().get(uid, (None, None))[1]

    def write(self, uid, text):
        with open(self.path(uid), "w", encoding="utf-8", newline="") as f:
            f.write(text)


def transfers(output):
    """The items vdirsyncer reports it copied or deleted."""
    return re.findall(r"^(?:Copying|Deleting) .*$", output, re.M)


def http_requests(debug_output):
    """The HTTP requests vdirsyncer made, from its debug log: (method, URL)."""
    lines = debug_output.splitlines()
    requests = []
    for i, line in enumerate(lines[:-1]):
        if line.strip() == "debug: ====================":
            m = re.match(r"debug: ([A-Z]+) (\S+)", lines[i + 1])
            if m:
                requests.append((m.group(1), m.group(2)))
    return requests


def member_name(href):
    return href.rsplit("/", 1)[1]


def in_global_address_list(href):
    return member_name(href).startswith(GLOBAL_ADDRESS_BOOK + "~")


def same_cards(server, pair):
    """The local directory holds exactly the contacts the server lists, with their FN."""
    remote = server.cards(pair.book)
    local = pair.cards()
    check(
        set(remote) == set(local),
        f"{pair.name}: server UIDs {sorted(remote)} but local {sorted(local)}",
    )
    for uid, (href, fn, _) in remote.items():
        here = local[uid][1]
        check(here == fn, f"{pair.name}: {uid} is {fn!r} at {href} but {here!r} locally")
    return remote, local


def create_locally(pair, prefix, fn):
    """A new contact written into the directory and synced; returns its UID."""
    uid = f"{prefix}-{pair.name}-{uuid.uuid4()}"
    pair.write(uid, vcard(uid, fn))
    output = pair.sync()
    pair.expect_reported(output, f"Copying (uploading) item {uid} to {pair.name}_remote")
    return uid


def check_pair(server, pair, default_book, aggregated):
    name = pair.name
    remote_side, local_side = f"{name}_remote", f"{name}_local"

    step(f"{name}: discover and first sync of {pair.book}")
    code, output = pair.run("discover", name)
    check(code == 0, f"vdirsyncer discover {name} exited {code}:\n{output}")
    pair.sync()
    remote, local = same_cards(server, pair)
    fns = sorted(fn for _, fn, _ in remote.values())
    check({"Carol Clark", "Dave Davis"} <= set(fns), f"{name}: demo contacts missing: {fns}")
    if aggregated:
        gal = {uid: href for uid, (href, _, _) in remote.items() if in_global_address_list(href)}
        gal_fns = {remote[uid][1] for uid in gal}
        check(
            {"Alice Adams", "Bob Brown"} <= gal_fns,
            f"{name}: global address list entries missing: {remote}",
        )
        kept = pair.remote_hrefs()
        for uid, href in gal.items():
            check(
                kept.get(uid) == href,
                f"{name}: vdirsyncer keeps {uid} as {kept.get(uid)}, the server lists {href}",
            )
        names = ", ".join(sorted(member_name(h) for h in gal.values()))
        ok(f"{len(gal)} global address list entries synced as {names}")
    else:
        stray = [h for h, _, _ in remote.values() if not h.startswith(pair.book) or "~" in h]
        check(not stray, f"{name}: members outside the folder's book: {stray}")
    ok(f"{len(local)} contacts locally, the UIDs and names the server lists: {fns}")

    step(f"{name}: a contact created locally is uploaded")
    new_uid = create_locally(pair, "vdir", "Erin Local")
    remote = server.cards(pair.book)
    check(new_uid in remote, f"{name}: {new_uid} is not on the server: {sorted(remote)}")
    new_href, fn, _ = remote[new_uid]
    check(fn == "Erin Local", f"{name}: {new_href} has FN {fn!r}")
    member = member_name(new_href)
    check("~" not in member, f"{name}: a new contact is {member}, outside the default folder")
    in_folder = default_book + member
    status, _, text = server.get(in_folder)
    check(
        status == 200 and card_fields(text) == (new_uid, "Erin Local"),
        f"GET {in_folder}: {status} {text!r}",
    )
    ok(f"{new_uid} is {new_href}, and {in_folder} in the default folder")

    step(f"{name}: a contact created on the server (PUT) is downloaded")
    srv_uid = f"srv-{name}-{uuid.uuid4()}"
    srv_path = f"{default_book}{srv_uid}.vcf"
    server.put(srv_path, vcard(srv_uid, "Frank Server"), create=True)
    output = pair.sync()
    pair.expect_reported(output, f"Copying (uploading) item {srv_uid} to {local_side}")
    local = pair.cards()
    check(srv_uid in local, f"{name}: {srv_uid} is not local: {sorted(local)}")
    check(local[srv_uid][1] == "Frank Server", f"{name}: {srv_uid} locally: {local[srv_uid]}")
    same_cards(server, pair)
    ok(f"{srv_path} is {local[srv_uid][0]} locally")

    step(f"{name}: edits on either side propagate")
    _, old_etag, _ = server.get(new_href)
    pair.write(new_uid, vcard(new_uid, "Erin Edited Locally"))
    _, srv_etag, _ = server.get(srv_path)
    server.put(srv_path, vcard(srv_uid, "Frank Edited On Server"), if_match=srv_etag)
    output = pair.sync()
    pair.expect_reported(output, f"Copying (updating) item {new_uid} to {remote_side}")
    pair.expect_reported(output, f"Copying (updating) item {srv_uid} to {local_side}")
    status, etag, text = server.get(new_href)
    check(
        status == 200 and card_fields(text)[1] == "Erin Edited Locally",
        f"GET {new_href}: {status} {text!r}",
    )
    check(etag != old_etag, f"{new_href}: ETag unchanged by the edit")
    here = pair.local_fn(srv_uid)
    check(here == "Frank Edited On Server", f"{name}: {srv_uid} locally is {here!r}")
    same_cards(server, pair)
    ok("the server shows the local edit, the local file the server's")

    step(f"{name}: deletes on either side propagate")
    os.remove(pair.path(new_uid))
    server.delete(srv_path)
    output = pair.sync()
    pair.expect_reported(output, f"Deleting item {new_uid} from {remote_side}")
    pair.expect_reported(output, f"Deleting item {srv_uid} from {local_side}")
    for path in (new_href, in_folder):
        status, _, _ = server.get(path)
        check(status == 404, f"GET {path} after the local delete: {status}")
    check(srv_uid not in pair.cards(), f"{name}: {srv_uid} is still local")
    same_cards(server, pair)
    ok(f"{new_href} is gone from the server, {srv_uid}.vcf from the directory")

    step(f"{name}: after an upload, a sync with nothing changed transfers nothing")
    kept_uid = create_locally(pair, "kept", "Grace Kept")
    same_cards(server, pair)
    server_before = server.etags(pair.book)
    state_before = server.collection_state(pair.book)
    local_before = pair.snapshot()
    output = pair.sync(debug=True)
    moved = transfers(output)
    check(not moved, f"{name}: an unchanged sync transferred items: {moved}")
    requests = http_requests(output)
    check(requests, f"{name}: no requests found in the debug log:\n{output}")
    other = [r for r in requests if r[0] != "PROPFIND"]
    check(not other, f"{name}: an unchanged sync made requests beyond listing: {other}")
    check(server.etags(pair.book) == server_before, f"{name}: server ETags changed")
    check(server.collection_state(pair.book) == state_before, f"{name}: ctag or token changed")
    check(pair.snapshot() == local_before, f"{name}: local files were touched")
    ok(
        f"{len(requests)} PROPFIND, no item read or written on either side; the ETag of"
        f" {kept_uid} from its PUT is the one listed"
    )


def check_read_only_entry(server, pair):
    name = pair.name
    step(f"{name}: a global address list entry edited locally is refused by the server")
    remote = server.cards(pair.book)
    uid, (href, fn, etag) = next(
        (uid, card) for uid, card in sorted(remote.items()) if in_global_address_list(card[0])
    )
    in_folder = f"/dav/carddav/{GLOBAL_ADDRESS_BOOK}/{member_name(href).split('~', 1)[1]}"
    _, _, text = server.get(href)
    _, folder_etag, folder_text = server.get(in_folder)
    book_before = server.etags(pair.book)
    path = pair.path(uid)
    with open(path, "rb") as f:
        original = f.read()
    edited = original.decode("utf-8").replace(f"FN:{fn}", "FN:Changed By Alice")
    check(edited != original.decode("utf-8"), f"{name}: no FN:{fn} in {path}")
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(edited)
    code, output = pair.run("sync", name)
    check(code != 0, f"{name}: a refused upload ended the sync with exit 0:\n{output}")
    pair.expect_reported(output, f"Copying (updating) item {uid} to {name}_remote")
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    check(
        any("403" in line and member_name(href) in unquote(line) for line in errors),
        f"{name}: no 403 error naming {href}:\n{output}",
    )
    status, after_etag, after_text = server.get(href)
    check(status == 200, f"GET {href}: {status}")
    check(card_fields(after_text)[1] == fn, f"{href} now has FN {card_fields(after_text)[1]!r}")
    check((after_etag, after_text) == (etag, text), f"{href} changed")
    check(server.get(in_folder)[1:] == (folder_etag, folder_text), f"{in_folder} changed")
    check(server.etags(pair.book) == book_before, f"{name}: server ETags changed")
    ok(f"exit {code}, {errors[0]!r}; {href} keeps FN {fn!r} and its ETag")

    step(f"{name}: with the local file restored the pair is in step again")
    with open(path, "wb") as f:
        f.write(original)
    output = pair.sync()
    moved = transfers(output)
    check(not moved, f"{name}: the sync after restoring transferred items: {moved}")
    same_cards(server, pair)
    check(server.etags(pair.book) == book_before, f"{name}: server ETags changed")
    ok("nothing transferred, local and server agree")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url")
    parser.add_argument("user")
    parser.add_argument("password")
    parser.add_argument("default_book", help="path of the default contacts folder's address book")
    parser.add_argument("--workdir", help="where configuration, status and local files go")
    args = parser.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix="vdirsyncer-")
    default_book = urlsplit(urljoin(args.base_url, args.default_book)).path
    if not default_book.endswith("/"):
        default_book += "/"
    server = Server(args.base_url, args.user, args.password)
    version = subprocess.run(
        [sys.executable, "-m", "vdirsyncer", "--version"], capture_output=True, text=True
    ).stdout.strip()
    print(f"{version}; working in {workdir}", flush=True)

    def checks():
        folder = Pair("folder", workdir, args.base_url, args.user, args.password, default_book)
        check_pair(server, folder, default_book, aggregated=False)
        aggregated = Pair(
            "aggregated", workdir, args.base_url, args.user, args.password, AGGREGATED
        )
        check_pair(server, aggregated, default_book, aggregated=True)
        check_read_only_entry(server, aggregated)

    return run_checks(checks, "all vdirsyncer checks passed")


if __name__ == "__main__":
    sys.exit(main())
