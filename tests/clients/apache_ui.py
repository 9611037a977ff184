#!/usr/bin/env python3
"""The browser page through a reverse proxy, as a browser uses it; Python standard library only.

Usage:
  apache_ui.py --resolve HOST=ADDR:PORT --cafile CA --user U --password P
               [--hidden-prefix PATH] UI_URL

UI_URL is the page as users are told it (https://<host>/dav/ui/). The script opens it
without a session and must land on the login form; logs in with the form's CSRF token
and the cookies the proxy passed on; must see the collections page with the account's
CalDAV URL; downloads the Apple configuration profile from the setup page, which must
name the host users reach; logs out and must land on the login form again. Every
Location, cookie path, link, form action and script or stylesheet of every page must stay
below the page's own path on the same host, and none may show --hidden-prefix (the part
of the path the proxy adds).

Each step prints what it checked; the exit status is 0 only when every check passed.
"""

import argparse
import http.client
import re
import socket
import ssl
import sys
from urllib.parse import urlencode, urljoin, urlsplit

from apache_discovery import parse_resolve
from checks import check, ok, run_checks, step

REDIRECTS = (301, 302, 303, 307, 308)


class Browser:
    """Requests with a cookie jar, each on a connection of its own to the --resolve address."""

    def __init__(self, resolve, cafile):
        self.resolve = resolve
        self.context = ssl.create_default_context(cafile=cafile)
        self.cookies = {}
        self.cookie_paths = []

    def request(self, method, url, body=None, headers=None):
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        check(key in self.resolve, f"{method} {url}: no --resolve for {key}")
        check(parts.scheme == "https", f"{method} {url}: the page must be reached over HTTPS")
        conn = http.client.HTTPSConnection(parts.netloc, timeout=60, context=self.context)
        sock = socket.create_connection(self.resolve[key], timeout=60)
        conn.sock = self.context.wrap_socket(sock, server_hostname=parts.hostname)
        all_headers = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) apache_ui.py", "Accept": "text/html"}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        all_headers.update(headers or {})
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            conn.request(method, target, body=body, headers=all_headers)
            resp = conn.getresponse()
            payload = resp.read()
            headers = resp.getheaders()
        finally:
            conn.close()
        for name, value in headers:
            if name.lower() == "set-cookie":
                self.keep_cookie(value)
        found = {}
        for name, value in headers:
            found.setdefault(name.lower(), value)
        return resp.status, found, payload

    def keep_cookie(self, value):
        pair, *attributes = [part.strip() for part in value.split(";")]
        name, _, content = pair.partition("=")
        path = next((a[5:] for a in attributes if a.lower().startswith("path=")), "/")
        self.cookie_paths.append((name, path))
        expired = any(a.lower() == "max-age=0" for a in attributes)
        if expired or not content:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = content

    def follow(self, method, url, body=None, headers=None, check_location=None):
        """The request and every redirect after it; the final URL and answer."""
        for _ in range(6):
            status, found, payload = self.request(method, url, body, headers)
            if status not in REDIRECTS:
                return url, status, found, payload
            location = found.get("location", "")
            check(location, f"{method} {url}: {status} without Location")
            if check_location:
                check_location(location, f"Location of {method} {url}")
            url = urljoin(url, location)
            method, body, headers = "GET", None, None
        raise AssertionError(f"too many redirects from {url}")


class Page:
    def __init__(self, args):
        self.args = args
        self.base = args.url if args.url.endswith("/") else args.url + "/"
        parts = urlsplit(self.base)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.ui_path = parts.path.rstrip("/")
        self.browser = Browser(parse_resolve(args.resolve), args.cafile)

    def check_target(self, target, what):
        """A link, action or Location: same host, below the page, no hidden prefix."""
        absolute = urljoin(self.base, target)
        parts = urlsplit(absolute)
        check(
            f"{parts.scheme}://{parts.netloc}" == self.origin,
            f"{what}: {target!r} leaves {self.origin}",
        )
        hidden = self.args.hidden_prefix
        check(not (hidden and parts.path.startswith(hidden)), f"{what}: {target!r} shows {hidden}")

    def check_page(self, url, body, what):
        html = body.decode("utf-8", "replace")
        targets = re.findall(r'(?:href|action|src)="([^"]+)"', html)
        check(targets, f"{what}: no links or forms in {html[:300]!r}")
        for target in targets:
            if target.startswith(("#", "mailto:", "data:")):
                continue
            absolute = urljoin(url, target)
            # Links to DAV (the account URL) are on the host too; the page's own links stay below it.
            self.check_target(target, f"{what} link")
            if "/caldav/" in target or "/carddav/" in target or target.startswith("https://"):
                continue
            check(
                urlsplit(absolute).path.startswith(self.ui_path),
                f"{what}: {target!r} is not below {self.ui_path}",
            )
        for name, path in self.browser.cookie_paths:
            check(
                path.startswith(self.ui_path) or path == self.ui_path + "/",
                f"cookie {name} has Path={path}, not below {self.ui_path}",
            )
        return html

    def csrf(self, html, what):
        found = re.search(r'name="csrf" value="([^"]+)"', html)
        check(found, f"{what}: no CSRF token in the form")
        return found.group(1)

    def form_action(self, html, ends_with, what):
        found = [a for a in re.findall(r'<form[^>]*action="([^"]+)"', html) if a.endswith(ends_with)]
        check(found, f"{what}: no form posting to ...{ends_with}")
        return urljoin(self.base, found[0])

    def post(self, url, fields):
        return self.browser.follow(
            "POST",
            url,
            body=urlencode(fields).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": self.origin},
            check_location=self.check_target,
        )

    def run(self):
        step(f"open {self.base} without a session")
        url, status, _, body = self.browser.follow("GET", self.base, check_location=self.check_target)
        check(status == 200, f"GET {self.base} ended at {url} with {status}")
        html = self.check_page(url, body, "login page")
        check('type="password"' in html, f"{url} is not the login form: {html[:300]!r}")
        ok(f"the login form at {url}")

        step("log in through the form")
        action = self.form_action(html, "/login", "login page")
        fields = {"csrf": self.csrf(html, "login page"), "login": self.args.user, "password": self.args.password}
        url, status, _, body = self.post(action, fields)
        check(status == 200, f"POST {action} ended at {url} with {status}: {body[:300]!r}")
        html = self.check_page(url, body, "collections page")
        check('type="password"' not in html, f"still the login form after logging in: {html[:500]!r}")
        caldav = f"{self.origin}"
        check(
            re.search(re.escape(caldav) + r"[^\"<\s]*/caldav/", html),
            f"the collections page shows no CalDAV URL on {self.origin}: "
            f"{re.findall(r'[^<>]{0,80}caldav[^<>]{0,40}', html)[:5]}",
        )
        ok(f"logged in, collections page at {url}")

        step("download the Apple configuration profile")
        setup_url = urljoin(self.base, "setup")
        url, status, _, body = self.browser.follow("GET", setup_url, check_location=self.check_target)
        check(status == 200, f"GET {setup_url}: {status}")
        setup = self.check_page(url, body, "setup page")
        profile = [t for t in re.findall(r'href="([^"]+)"', setup) if t.endswith(".mobileconfig")]
        check(profile, "the setup page links no .mobileconfig")
        profile_url = urljoin(url, profile[0])
        _, status, found, body = self.browser.follow("GET", profile_url, check_location=self.check_target)
        check(status == 200, f"GET {profile_url}: {status}")
        text = body.decode("utf-8", "replace")
        host = urlsplit(self.base).hostname
        for needle in ("com.apple.caldav.account", "com.apple.carddav.account", host):
            check(needle in text, f"the profile lacks {needle!r}")
        hidden = self.args.hidden_prefix
        check(not (hidden and hidden in text), f"the profile shows {hidden}")
        ok(f"profile {found.get('content-type')} names {host}")

        step("log out")
        action = self.form_action(html, "/logout", "collections page")
        url, status, _, body = self.post(action, {"csrf": self.csrf(html, "collections page")})
        check(status == 200, f"POST {action} ended at {url} with {status}")
        html = self.check_page(url, body, "page after logout")
        check('type="password"' in html, "logging out did not lead back to the login form")
        url, status, _, body = self.browser.follow("GET", self.base, check_location=self.check_target)
        check(
            'type="password"' in body.decode("utf-8", "replace"),
            f"after logout {self.base} still opens without a login ({url}, {status})",
        )
        ok("logged out")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolve", action="append", default=[], required=True)
    parser.add_argument("--cafile", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--hidden-prefix", default="")
    parser.add_argument("url")
    args = parser.parse_args()
    return run_checks(lambda: Page(args).run(), "all Apache browser page checks passed")


if __name__ == "__main__":
    sys.exit(main())
