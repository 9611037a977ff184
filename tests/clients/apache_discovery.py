#!/usr/bin/env python3
"""DAV discovery through a reverse proxy, as a client does it; Python standard library only.

Usage:
  apache_discovery.py discover [options] START_URL...
  apache_discovery.py user-agents [options] URL

Host names are resolved with --resolve (`https://dav.example.test=127.0.0.1:8443`, also
for http://): the script connects to the given address while the Host header, the TLS
server name and the certificate check use the host name, so name-based virtual hosts
are exercised as in production. HTTPS is verified against --cafile; credentials are
sent over HTTPS only.

discover: for each --user-agent, starts at each START_URL (typically
http(s)://<host>/.well-known/caldav and /.well-known/carddav) with the PROPFIND Apple
clients send, follows every redirect, then PROPFINDs current-user-principal, the
principal's calendar-home-set and addressbook-home-set, the homes with Depth 1 and each
collection with Depth 1. With --write it first stores an event and a contact under names
that need percent-encoding. Every Location is followed as it comes, and every href of
every multistatus is requested at the end: PROPFIND Depth 0 must answer 207 for the same
href (collections, ending in `/`), GET must answer 200 (members). No href or Location may
lead to another host or start with --hidden-prefix, the part of the path the proxy adds.

user-agents: URL is the host's root, shared by the web app and DAV. Each --dav-agent must
reach davgate (authenticated PROPFIND Depth 0 answers 207 with a current-user-principal),
each --browser-agent must not (GET answers 200 with --webapp-marker in the body, and
PROPFIND is not answered by davgate). With --vary-user-agent every one of these answers
must say "Vary: User-Agent".

Each step prints what it checked; the exit status is 0 only when every check passed.
"""

import argparse
import base64
import http.client
import socket
import ssl
import sys
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

from checks import CheckFailed, check, ok, run_checks, step

DAV = "{DAV:}"
CALDAV = "{urn:ietf:params:xml:ns:caldav}"
CARDDAV = "{urn:ietf:params:xml:ns:carddav}"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "clients"
REDIRECTS = (301, 302, 303, 307, 308)
DEPTH0_BODY = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/></D:prop></D:propfind>'
)
COLLECTION_BODY = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/><D:getetag/></D:prop></D:propfind>'
)


def fixture(name):
    return (FIXTURES / name).read_text(encoding="utf-8")


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        return self.headers.get(name.lower())


class Client:
    """One HTTP request per connection, to the address --resolve gives for the URL's
    scheme and host."""

    def __init__(self, resolve, cafile, user, password, user_agent):
        self.resolve = resolve
        self.context = ssl.create_default_context(cafile=cafile)
        self.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.user_agent = user_agent
        self.requests = 0

    def request(self, method, url, body=None, headers=None, auth=True):
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        check(key in self.resolve, f"{method} {url}: no --resolve for {key}")
        address = self.resolve[key]
        if parts.scheme == "https":
            conn = http.client.HTTPSConnection(parts.netloc, timeout=60, context=self.context)
            sock = socket.create_connection(address, timeout=60)
            conn.sock = self.context.wrap_socket(sock, server_hostname=parts.hostname)
        else:
            conn = http.client.HTTPConnection(parts.netloc, timeout=60)
            conn.sock = socket.create_connection(address, timeout=60)
        all_headers = {"User-Agent": self.user_agent}
        # Basic credentials never go over plain HTTP.
        if auth and parts.scheme == "https":
            all_headers["Authorization"] = self.auth
        all_headers.update(headers or {})
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        data = body.encode("utf-8") if isinstance(body, str) else body
        try:
            conn.request(method, target, body=data, headers=all_headers)
            resp = conn.getresponse()
            payload = resp.read()
        finally:
            conn.close()
        self.requests += 1
        found = {k.lower(): v for k, v in resp.getheaders()}
        return Response(resp.status, found, payload)


def parse_multistatus(resp, what):
    check(resp.status == 207, f"{what}: expected 207, got {resp.status}: {resp.body[:300]!r}")
    try:
        return ET.fromstring(resp.body)
    except ET.ParseError as e:
        raise CheckFailed(f"{what}: not XML ({e}): {resp.body[:300]!r}")


def prop_hrefs(root, prop):
    """The hrefs inside `prop` of every 200 propstat."""
    found = []
    for response in root.findall(f"{DAV}response"):
        for propstat in response.findall(f"{DAV}propstat"):
            status = propstat.findtext(f"{DAV}status", "")
            if " 200 " not in status:
                continue
            for element in propstat.iter(prop):
                found += [h.text.strip() for h in element.iter(f"{DAV}href") if h.text]
    return found


class Discovery:
    def __init__(self, client, hidden_prefix):
        self.client = client
        self.hidden_prefix = hidden_prefix.rstrip("/")
        # href as received -> (URL it was received in, what it was)
        self.seen = {}
        self.collections = set()

    def note(self, href, base, what, request_later=True):
        """Checks an href or Location the client received for the hidden prefix and
        records it to be requested later. A Location is requested at once instead, by
        following it."""
        url = urljoin(base, href)
        parts = urlsplit(url)
        check(
            parts.scheme in ("http", "https"),
            f"{what}: {href!r} is not an HTTP URL",
        )
        check(
            parts.hostname == urlsplit(base).hostname,
            f"{what}: {href!r} leads to another host than {base}",
        )
        if self.hidden_prefix:
            path = unquote(parts.path)
            check(
                not (path == self.hidden_prefix or path.startswith(self.hidden_prefix + "/")),
                f"{what}: {href!r} (received from {base}) shows {self.hidden_prefix}, the "
                "part of the path the proxy adds; through the proxy it would be "
                f"{self.hidden_prefix}{self.hidden_prefix}...",
            )
        if request_later:
            self.seen.setdefault(url, (base, what))
        return url

    def collect(self, root, base, what):
        for element in root.iter(f"{DAV}href"):
            text = (element.text or "").strip()
            if text.startswith("mailto:") or text.startswith("urn:"):
                continue
            self.note(text, base, what)

    def propfind(self, url, depth, body, what):
        resp = self.client.request(
            "PROPFIND",
            url,
            body=body,
            headers={"Depth": depth, "Content-Type": "application/xml; charset=utf-8"},
        )
        root = parse_multistatus(resp, f"{what} (PROPFIND {url}, Depth {depth})")
        self.collect(root, url, what)
        return root

    def follow(self, start):
        """PROPFIND on START, following redirects as clients do; returns the final URL
        and its multistatus."""
        url = start
        for _ in range(5):
            resp = self.client.request(
                "PROPFIND",
                url,
                body=fixture("apple-wellknown-propfind.xml"),
                headers={"Depth": "0", "Content-Type": "application/xml; charset=utf-8"},
            )
            if resp.status in REDIRECTS:
                location = resp.header("Location")
                check(location, f"PROPFIND {url}: {resp.status} without Location")
                target = self.note(location, url, f"Location of PROPFIND {url}", False)
                ok(f"PROPFIND {url} -> {resp.status} Location: {location}")
                url = target
                continue
            root = parse_multistatus(resp, f"PROPFIND {url} (after the redirects from {start})")
            self.collect(root, url, f"PROPFIND {url}")
            return url, root
        raise CheckFailed(f"{start}: more than 5 redirects")

    def run(self, starts, write):
        principals = set()
        root_url = None
        for start in starts:
            step(f"discovery from {start}")
            url, root = self.follow(start)
            check(urlsplit(url).scheme == "https", f"{start} ended on {url}, not HTTPS")
            hrefs = prop_hrefs(root, f"{DAV}current-user-principal")
            check(len(hrefs) == 1, f"{url}: expected one current-user-principal, got {hrefs}")
            principals.add(urljoin(url, hrefs[0]))
            root_url = url
            ok(f"DAV root {url}, current-user-principal {hrefs[0]}")
        check(len(principals) == 1, f"the starts lead to different principals: {principals}")
        principal = principals.pop()

        step(f"principal {principal}")
        root = self.propfind(principal, "0", fixture("apple-principal-propfind.xml"), "principal")
        calendar_homes = prop_hrefs(root, f"{CALDAV}calendar-home-set")
        check(calendar_homes, f"{principal}: no calendar-home-set")
        root = self.propfind(
            principal, "0", fixture("apple-addressbook-principal-propfind.xml"), "principal"
        )
        addressbook_homes = prop_hrefs(root, f"{CARDDAV}addressbook-home-set")
        check(addressbook_homes, f"{principal}: no addressbook-home-set")
        ok(f"calendar-home-set {calendar_homes}, addressbook-home-set {addressbook_homes}")

        calendars, address_books = [], []
        for home, body, kind, found in (
            (calendar_homes[0], "apple-calendar-home-propfind.xml", f"{CALDAV}calendar", calendars),
            (
                addressbook_homes[0],
                "apple-addressbook-home-propfind.xml",
                f"{CARDDAV}addressbook",
                address_books,
            ),
        ):
            home_url = urljoin(principal, home)
            step(f"home {home_url}, Depth 1")
            root = self.propfind(home_url, "1", fixture(body), f"home {home_url}")
            for response in root.findall(f"{DAV}response"):
                href = urljoin(home_url, response.findtext(f"{DAV}href").strip())
                types = response.find(f".//{DAV}resourcetype")
                if types is not None and types.find(kind) is not None:
                    privileges = response.find(f".//{DAV}current-user-privilege-set")
                    writable = privileges is not None and any(
                        privileges.find(f".//{DAV}{p}") is not None
                        for p in ("write", "write-content", "all")
                    )
                    components = [
                        c.get("name") for c in response.iter(f"{CALDAV}comp")
                    ]
                    found.append((href, writable, components))
            check(found, f"{home_url}: no collections listed")
            ok(f"{len(found)} collections: {[h for h, _, _ in found]}")

        if write:
            step("objects whose names need percent-encoding")
            self.write_objects(calendars, address_books)

        for href, _, _ in calendars + address_books:
            self.collections.add(href)
            step(f"collection {href}, Depth 1")
            root = self.propfind(href, "1", COLLECTION_BODY, f"collection {href}")
            ok(f"{len(root.findall(f'{DAV}response')) - 1} members")

        step(f"every href received ({len(self.seen)}) works through the proxy")
        for url, (base, what) in sorted(self.seen.items()):
            self.verify(url, base, what)
        ok(f"{len(self.seen)} hrefs answered")
        return root_url

    def write_objects(self, calendars, address_books):
        tag = uuid.uuid4().hex[:8]
        calendar = next(
            (h for h, w, comps in calendars if w and "VEVENT" in comps), None
        )
        check(calendar, f"no writable event calendar among {calendars}")
        uid = f"{tag}-20261121T090000Z@host.example.test"
        name = f"{uid}.ics"
        body = "\r\n".join(
            [
                "BEGIN:VCALENDAR",
                "VERSION:2.0",
                "PRODID:-//davgate//proxy test//EN",
                "BEGIN:VEVENT",
                f"UID:{uid}",
                "DTSTAMP:20261121T090000Z",
                "DTSTART:20261124T090000Z",
                "DTEND:20261124T093000Z",
                "SUMMARY:Stand-up",
                "END:VEVENT",
                "END:VCALENDAR",
                "",
            ]
        )
        for object_name in (name, f"Stand-up ü+1? {tag}.ics"):
            url = calendar + quote(object_name, safe="")
            if object_name != name:
                body = body.replace(uid, f"{uid}-2")
            self.create(url, body, "text/calendar; charset=utf-8")
        book = next((h for h, w, _ in address_books if w), None)
        check(book, f"no writable address book among {address_books}")
        url = book + quote(f"Müller & Co {tag}.vcf", safe="")
        vcard = "\r\n".join(
            [
                "BEGIN:VCARD",
                "VERSION:3.0",
                f"UID:{tag}-mueller",
                "FN:Müller & Co",
                "N:Müller;Co;;;",
                "END:VCARD",
                "",
            ]
        )
        self.create(url, vcard, "text/vcard; charset=utf-8")

    def create(self, url, body, content_type):
        """PUT a new resource; its name is new in every run, so only 201 Created will do."""
        resp = self.client.request(
            "PUT",
            url,
            body=body,
            headers={"Content-Type": content_type, "If-None-Match": "*"},
        )
        check(resp.status == 201, f"PUT {url}: {resp.status} {resp.body[:300]!r}")
        ok(f"PUT {url} -> {resp.status}")

    def verify(self, url, base, what):
        path = urlsplit(url).path
        if path.endswith("/"):
            resp = self.client.request(
                "PROPFIND",
                url,
                body=DEPTH0_BODY,
                headers={"Depth": "0", "Content-Type": "application/xml; charset=utf-8"},
            )
            check(
                resp.status == 207,
                f"{url} (from {what}, received in {base}): PROPFIND Depth 0 answered "
                f"{resp.status}, expected 207: {resp.body[:300]!r}",
            )
            root = ET.fromstring(resp.body)
            answered = [
                unquote(urlsplit(urljoin(url, h.text.strip())).path)
                for h in root.findall(f"{DAV}response/{DAV}href")
            ]
            check(
                answered == [unquote(path)],
                f"PROPFIND {url} Depth 0 answered for {answered}, expected [{unquote(path)}]",
            )
            ok(f"PROPFIND {path} -> 207")
        else:
            resp = self.client.request("GET", url)
            check(
                resp.status == 200,
                f"{url} (from {what}, received in {base}): GET answered {resp.status}, "
                f"expected 200: {resp.body[:300]!r}",
            )
            ok(f"GET {path} -> 200")


def parse_resolve(values):
    resolve = {}
    for value in values:
        key, _, address = value.partition("=")
        host, _, port = address.rpartition(":")
        resolve[key.rstrip("/")] = (host, int(port))
    return resolve


def discover(args):
    for agent in args.user_agent:
        client = Client(parse_resolve(args.resolve), args.cafile, args.user, args.password, agent)
        step(f"client {agent!r}")
        discovery = Discovery(client, args.hidden_prefix or "")
        discovery.run(args.start, args.write)
        ok(f"{client.requests} requests as {agent!r}")
        # Write once: the next client sees the objects in its listings.
        args.write = False


def check_vary(args, resp, what):
    """With --vary-user-agent, caches must be told that the answer depends on the
    User-Agent."""
    if not args.vary_user_agent:
        return
    vary = [v.strip().lower() for v in (resp.header("Vary") or "").split(",")]
    check("user-agent" in vary, f"{what}: Vary is {resp.header('Vary')!r}, without User-Agent")


def user_agents(args):
    resolve = parse_resolve(args.resolve)
    for agent in args.dav_agent:
        client = Client(resolve, args.cafile, args.user, args.password, agent)
        resp = client.request(
            "PROPFIND",
            args.url,
            body=fixture("apple-wellknown-propfind.xml"),
            headers={"Depth": "0", "Content-Type": "application/xml; charset=utf-8"},
        )
        root = parse_multistatus(resp, f"PROPFIND {args.url} as the DAV client {agent!r}")
        check(
            prop_hrefs(root, f"{DAV}current-user-principal"),
            f"PROPFIND {args.url} as {agent!r}: no current-user-principal",
        )
        check_vary(args, resp, f"PROPFIND {args.url} as {agent!r}")
        ok(f"DAV client reaches davgate: {agent!r}")
    for agent in args.browser_agent:
        client = Client(resolve, args.cafile, args.user, args.password, agent)
        resp = client.request("GET", args.url, auth=False)
        check(
            resp.status == 200 and args.webapp_marker.encode() in resp.body,
            f"GET {args.url} as the browser {agent!r}: expected the web app "
            f"({args.webapp_marker!r}), got {resp.status}: {resp.body[:300]!r}",
        )
        check_vary(args, resp, f"GET {args.url} as {agent!r}")
        resp = client.request(
            "PROPFIND",
            args.url,
            body=DEPTH0_BODY,
            headers={"Depth": "0", "Content-Type": "application/xml; charset=utf-8"},
        )
        check(
            resp.status != 207 and b"multistatus" not in resp.body,
            f"PROPFIND {args.url} as the browser {agent!r} reached davgate ({resp.status})",
        )
        ok(f"browser gets the web app: {agent!r} (PROPFIND answered {resp.status})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("discover", "user-agents"):
        p = sub.add_parser(name)
        p.add_argument("--resolve", action="append", default=[], required=True)
        p.add_argument("--cafile", required=True)
        p.add_argument("--user", required=True)
        p.add_argument("--password", required=True)
        if name == "discover":
            p.add_argument("--user-agent", action="append", required=True)
            p.add_argument("--hidden-prefix", default="")
            p.add_argument("--write", action="store_true")
            p.add_argument("start", nargs="+")
        else:
            p.add_argument("--dav-agent", action="append", default=[])
            p.add_argument("--browser-agent", action="append", default=[])
            p.add_argument("--webapp-marker", required=True)
            p.add_argument("--vary-user-agent", action="store_true")
            p.add_argument("url")
    args = parser.parse_args()
    if args.command == "discover":
        return run_checks(lambda: discover(args), "all Apache discovery checks passed")
    return run_checks(lambda: user_agents(args), "all Apache user-agent checks passed")


if __name__ == "__main__":
    sys.exit(main())
