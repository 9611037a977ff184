#!/usr/bin/env python3
"""davgate as the Python `caldav` library sees it.

Usage: caldav_client.py BASE_URL [USER [PASSWORD]]

BASE_URL is the server root (for example http://127.0.0.1:8080/); the DAV root is found
through /.well-known/caldav. USER and PASSWORD default to the environment variables
DAVGATE_CLIENT_USER and DAVGATE_CLIENT_PASSWORD. The user must have a default calendar
named "Calendar", see the public "Company Events" calendar and own a task list, as the
demo user alice does.

Each step prints its name and what it checked; the script exits 0 only when every step
passed. Where the library would paper over a server shortcoming (client-side filtering,
expansion or full-listing fallbacks), the checks ask for the server's own answer.
"""

import argparse
import datetime as dt
import os
import re
import sys
import uuid
from urllib.parse import urljoin, urlsplit

import caldav
from caldav.lib import error
from checks import CheckFailed, check, ok, run_checks, step

UTC = dt.timezone.utc


def ical_utc(t):
    return t.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def vevent(uid, summary, start, end, rrule=None):
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//davgate//client test//EN",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{ical_utc(dt.datetime.now(UTC))}",
        f"DTSTART:{ical_utc(start)}",
        f"DTEND:{ical_utc(end)}",
    ]
    if rrule:
        lines.append(f"RRULE:{rrule}")
    lines += [f"SUMMARY:{summary}", "END:VEVENT", "END:VCALENDAR", ""]
    return "\r\n".join(lines)


def as_utc(value):
    """A DTSTART/RECURRENCE-ID value as an aware UTC datetime."""
    if isinstance(value, dt.datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return dt.datetime(value.year, value.month, value.day, tzinfo=UTC)


def vevents(obj):
    return [c for c in obj.icalendar_instance.subcomponents if c.name == "VEVENT"]


def describe(instances):
    return sorted(
        (uid, start.isoformat(), rid.isoformat() if rid else None) for uid, start, rid in instances
    )


class Run:
    def __init__(self, base, user, password):
        self.base = base if base.endswith("/") else base + "/"
        self.user = user
        self.password = password
        self.tag = uuid.uuid4().hex[:12]
        today = dt.datetime.now(UTC).date()
        # Two weeks ahead: well inside davgate's sync window (from the first day of the
        # previous month to the end of next year).
        self.d0 = dt.datetime(today.year, today.month, today.day, 10, tzinfo=UTC) + dt.timedelta(
            days=14
        )
        self.range_start = self.d0 + dt.timedelta(days=6)
        self.range_end = self.d0 + dt.timedelta(days=27)

    def uid(self, name):
        return f"davgate-client-{self.tag}-{name}"

    # -- steps -----------------------------------------------------------------------

    def discover(self):
        step("discovery from the server root through /.well-known/caldav")
        probe = caldav.DAVClient(url=self.base)
        well_known = urljoin(self.base, ".well-known/caldav")
        for method in ("GET", "PROPFIND"):
            r = probe.session.request(method, well_known, allow_redirects=False)
            check(
                r.status_code == 301,
                f"{method} {well_known}: expected 301, got {r.status_code} {r.text!r}",
            )
            location = r.headers.get("Location")
            check(location, f"{method} {well_known}: 301 without a Location header")
        self.dav_root = urljoin(well_known, location)
        check(
            urlsplit(self.dav_root).netloc == urlsplit(self.base).netloc,
            f"the well-known redirect leaves the server: {self.dav_root}",
        )
        ok(f"/.well-known/caldav -> {self.dav_root}")
        self.client = caldav.DAVClient(url=self.dav_root, username=self.user, password=self.password)
        self.principal = self.client.principal()
        principal_path = urlsplit(str(self.principal.url)).path
        check(
            principal_path != urlsplit(self.dav_root).path,
            f"no current-user-principal below {self.dav_root}: the library fell back to the root",
        )
        ok(f"principal {principal_path}")
        # A client given only the server's address, that never tries /.well-known/: the
        # library asks the address itself for current-user-principal.
        bare = caldav.DAVClient(url=self.base, username=self.user, password=self.password)
        bare_path = urlsplit(str(bare.principal().url)).path
        check(
            bare_path == principal_path,
            f"from the bare address {self.base} the library found {bare_path}, not {principal_path}",
        )
        ok(f"the bare address {self.base} leads to the same principal")

    def list_calendars(self):
        step("calendars of the principal")
        calendars = self.principal.calendars()
        check(calendars, "the calendar home lists no calendars")
        named = {}
        listing = []
        for cal in calendars:
            name = cal.get_display_name()
            components = sorted(cal.get_supported_components())
            listing.append(f"{name} {components} {urlsplit(str(cal.url)).path}")
            named.setdefault(name, []).append((cal, components))
        print("   " + "\n   ".join(listing))
        for cal in calendars:
            path = urlsplit(str(cal.url)).path
            check(
                re.search(r"/caldav/[^/]+/$", path),
                f"calendar {cal.get_display_name()!r} is not a /caldav/<folder>/ collection: {path}",
            )
        for name in ("Calendar", "Company Events"):
            check(
                any("VEVENT" in comps for _, comps in named.get(name, [])),
                f"no event calendar named {name!r} among {sorted(named)}",
            )
        check(
            any(comps == ["VTODO"] for entries in named.values() for _, comps in entries),
            f"no task list (supported-calendar-component-set VTODO only) in {listing}",
        )
        self.cal = next(c for c, comps in named["Calendar"] if "VEVENT" in comps)
        ok(f"Calendar, Company Events and a task list; using {self.cal.url}")
        self.existing = {str(e.icalendar_component["UID"]) for e in self.cal.events()}
        ok(f"{len(self.existing)} event(s) already in Calendar")

    def create_events(self):
        step("create a single event and a weekly series (COUNT=10)")
        d0 = self.d0
        hour = dt.timedelta(hours=1)
        self.single_start = d0 + dt.timedelta(days=10, hours=4)
        self.single = self.cal.add_event(
            vevent(self.uid("single"), "Client test: single", self.single_start, self.single_start + hour)
        )
        self.weekly = self.cal.add_event(
            vevent(self.uid("weekly"), "Client test: weekly", d0, d0 + hour, "FREQ=WEEKLY;COUNT=10")
        )
        later = d0 + dt.timedelta(days=60)
        self.later = self.cal.add_event(
            vevent(self.uid("later"), "Client test: later", later, later + hour)
        )
        for event in (self.single, self.weekly, self.later):
            check(event.url, f"{event.id}: saved without a URL")
            r = self.client.request(str(event.url))
            check(r.status == 200, f"GET {event.url} after PUT: {r.status}")
            check(
                str(event.id) in (r.raw if isinstance(r.raw, str) else r.raw.decode()),
                f"GET {event.url} does not return the event that was PUT: {r.raw!r}",
            )
        ok(f"{self.single.url}, {self.weekly.url}, {self.later.url}")

    def search(self):
        ours = {self.uid("single"), self.uid("weekly"), self.uid("later")}
        week = dt.timedelta(days=7)
        hits = [self.d0 + week, self.d0 + 2 * week, self.d0 + 3 * week]
        expected = {(self.uid("weekly"), t, t) for t in hits}
        expected.add((self.uid("single"), self.single_start, None))
        span = f"{self.range_start.isoformat()} .. {self.range_end.isoformat()}"

        def check_foreign(found, what):
            foreign = {uid for uid in found if uid not in ours}
            check(
                foreign <= self.existing,
                f"{what} returned objects that are neither ours nor were there before: {foreign}",
            )

        step(f"search {span} with expansion (the library's default, client-side)")
        results = self.cal.search(
            start=self.range_start, end=self.range_end, event=True, expand=True
        )
        found = set()
        for obj in results:
            for comp in vevents(obj):
                uid = str(comp["UID"])
                if uid in ours:
                    rid = comp.get("RECURRENCE-ID")
                    found.add((uid, as_utc(comp["DTSTART"].dt), as_utc(rid.dt) if rid else None))
        check_foreign({str(c["UID"]) for o in results for c in vevents(o)}, "the search")
        # The library marks expanded instances with RECURRENCE-ID; a single event has none.
        check(
            describe(found) == describe(expected),
            f"expanded instances: expected {describe(expected)}, got {describe(found)}",
        )
        ok(f"{len(found)} instances: 3 of the series and the single event")

        step(f"search {span} without expansion, the server's answer as is")
        results = self.cal.search(
            start=self.range_start,
            end=self.range_end,
            event=True,
            post_filter=False,
            compatibility_workarounds=False,
        )
        uids = [str(vevents(o)[0]["UID"]) for o in results if vevents(o)]
        check_foreign(uids, "the search")
        mine = sorted(u for u in uids if u in ours)
        check(
            mine == sorted([self.uid("single"), self.uid("weekly")]),
            f"time-range query: expected the single event and the series once each, got {mine}",
        )
        series = next(o for o in results if vevents(o) and str(vevents(o)[0]["UID"]) == self.uid("weekly"))
        check(
            "RRULE" in vevents(series)[0],
            f"the series came back without its RRULE: {series.data}",
        )
        ok("the single event and the series, as stored")

        step(f"search {span} with CALDAV:expand (server-side expansion)")
        results = self.cal.search(
            start=self.range_start,
            end=self.range_end,
            event=True,
            server_expand=True,
            split_expanded=False,
            post_filter=False,
            compatibility_workarounds=False,
        )
        found = set()
        for obj in results:
            for comp in vevents(obj):
                uid = str(comp["UID"])
                if uid not in ours:
                    continue
                check(
                    "RRULE" not in comp,
                    f"{uid}: an expanded instance still carries RRULE: {obj.data}",
                )
                rid = comp.get("RECURRENCE-ID")
                if uid == self.uid("weekly"):
                    check(rid is not None, f"{uid}: an expanded instance lacks RECURRENCE-ID: {obj.data}")
                start = comp["DTSTART"].dt
                check(
                    isinstance(start, dt.datetime) and start.utcoffset() == dt.timedelta(0),
                    f"{uid}: expanded DTSTART is not in UTC: {start!r}",
                )
                found.add((uid, as_utc(start), as_utc(rid.dt) if rid else None))
        check(
            describe(found) == describe(expected),
            f"server-expanded instances: expected {describe(expected)}, got {describe(found)}",
        )
        ok("3 instances of the series with RECURRENCE-ID, and the single event")

    def edit_with_etag(self):
        step("edit with If-Match, then a PUT with the stale ETag")
        url = str(self.single.url)
        stale = caldav.Event(client=self.client, url=url, parent=self.cal).load(multiget_fallback=False)
        event = caldav.Event(client=self.client, url=url, parent=self.cal).load(multiget_fallback=False)
        old_etag = event.etag
        check(old_etag and not old_etag.startswith("W/"), f"GET {url}: no strong ETag ({old_etag!r})")
        old_body = event.data
        with event.edit_icalendar_component() as comp:
            comp["SUMMARY"] = "Client test: single (edited)"
        event.save()  # carries If-Match with the ETag of the GET
        fresh = caldav.Event(client=self.client, url=url, parent=self.cal).load(multiget_fallback=False)
        summary = str(fresh.icalendar_component["SUMMARY"])
        check(summary == "Client test: single (edited)", f"GET {url} after the edit: SUMMARY {summary!r}")
        check(fresh.etag and fresh.etag != old_etag, f"the ETag did not change: {old_etag} -> {fresh.etag}")
        ok(f"SUMMARY edited, ETag {old_etag} -> {fresh.etag}")

        try:
            stale.save()
        except error.ETagMismatchError as e:
            ok(f"the library's save of the old copy was refused: {type(e).__name__}")
        else:
            raise CheckFailed(f"saving a copy with the stale ETag {old_etag} was accepted")

        r = self.client.request(
            url,
            "PUT",
            old_body,
            {"If-Match": old_etag, "Content-Type": "text/calendar; charset=utf-8"},
        )
        check(r.status == 412, f"PUT {url} with If-Match {old_etag} (stale): expected 412, got {r.status}")
        again = caldav.Event(client=self.client, url=url, parent=self.cal).load(multiget_fallback=False)
        check(
            str(again.icalendar_component["SUMMARY"]) == "Client test: single (edited)",
            "a refused PUT changed the event",
        )
        ok("PUT with the stale ETag: 412, the event unchanged")

    def delete(self):
        step("delete an event")
        url = str(self.later.url)
        self.later.delete()
        r = self.client.request(url)
        check(r.status == 404, f"GET {url} after DELETE: expected 404, got {r.status}")
        try:
            caldav.Event(client=self.client, url=url, parent=self.cal).load(multiget_fallback=False)
        except error.NotFoundError:
            pass
        else:
            raise CheckFailed(f"the library still loads {url} after DELETE")
        ok(f"{url} answers 404")

    def sync(self):
        step("sync-collection with a sync token")
        first = self.cal.get_objects_by_sync_token(disable_fallback=True)
        token = first.sync_token
        check(token, "the initial sync-collection returned no sync-token")
        check(
            not first.deleted_urls,
            f"the initial sync (no token) reports removed members: {sorted(map(str, first.deleted_urls))}",
        )
        listed = {o.url.canonical() for o in first.objects} - first.deleted_urls
        for event in (self.single, self.weekly):
            check(
                event.url.canonical() in listed,
                f"the initial sync does not list {event.url}: {sorted(map(str, listed))}",
            )
        check(
            self.later.url.canonical() not in listed,
            f"the initial sync lists the deleted {self.later.url}",
        )
        ok(f"{len(listed)} members, token {token}")

        start = self.d0 + dt.timedelta(days=3)
        added = self.cal.add_event(
            vevent(self.uid("synced"), "Client test: synced", start, start + dt.timedelta(hours=1))
        )
        removed_url = self.single.url.canonical()
        self.single.delete()

        second = self.cal.get_objects_by_sync_token(sync_token=token, disable_fallback=True)
        changed = {o.url.canonical() for o in second.objects} - second.deleted_urls
        check(
            changed == {added.url.canonical()},
            f"changed since {token}: expected {added.url}, got {sorted(map(str, changed))}",
        )
        check(
            second.deleted_urls == {removed_url},
            f"deleted since {token}: expected {removed_url}, got {sorted(map(str, second.deleted_urls))}",
        )
        check(second.sync_token and second.sync_token != token, f"no new sync-token after changes: {second.sync_token}")
        ok(f"one added, one deleted; new token {second.sync_token}")

        third = self.cal.get_objects_by_sync_token(sync_token=second.sync_token, disable_fallback=True)
        check(
            not list(third.objects) and not third.deleted_urls,
            f"sync with {second.sync_token} after no change reported "
            f"{sorted(str(o.url) for o in third.objects)}",
        )
        ok("nothing changed since the new token")
        self.synced = added

    def clean_up(self):
        step("clean up")
        for event in (self.weekly, self.synced):
            event.delete()
        ok("test events deleted")

    def run(self):
        self.discover()
        self.list_calendars()
        self.create_events()
        self.search()
        self.edit_with_etag()
        self.delete()
        self.sync()
        self.clean_up()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url", help="the server root, e.g. http://127.0.0.1:8080/")
    parser.add_argument("user", nargs="?", default=os.environ.get("DAVGATE_CLIENT_USER"))
    parser.add_argument("password", nargs="?", default=os.environ.get("DAVGATE_CLIENT_PASSWORD"))
    args = parser.parse_args()
    if not args.user or args.password is None:
        parser.error("user and password: as arguments or DAVGATE_CLIENT_USER/DAVGATE_CLIENT_PASSWORD")
    print(f"caldav {caldav.__version__} against {args.base_url} as {args.user}", flush=True)
    return run_checks(
        Run(args.base_url, args.user, args.password).run, "all CalDAV client checks passed"
    )


if __name__ == "__main__":
    sys.exit(main())
