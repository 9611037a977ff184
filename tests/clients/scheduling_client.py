#!/usr/bin/env python3
"""Scheduling (RFC 6638) between three users of davgate, as the Python `caldav` library
does it: invitations, replies, a reschedule, a cancellation, the inboxes and free/busy.

Usage: scheduling_client.py BASE_URL PASSWORD

BASE_URL is the server root (for example http://127.0.0.1:8080/). The demo context's
users alice, bob and carol (all with PASSWORD) take part: alice organizes, bob and carol
are invited.

Each step prints its name and what it checked; the script exits 0 only when every step
passed.
"""

import argparse
import datetime as dt
import sys
import time
import uuid
from urllib.parse import urljoin

import caldav
from caldav.lib import error
from checks import check, ok, run_checks, step

UTC = dt.timezone.utc


def ical_utc(t):
    return t.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def vevent(uid, summary, start, end):
    return "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//davgate//scheduling client test//EN",
            "BEGIN:VEVENT",
            f"UID:{uid}",
            f"DTSTAMP:{ical_utc(dt.datetime.now(UTC))}",
            f"DTSTART:{ical_utc(start)}",
            f"DTEND:{ical_utc(end)}",
            f"SUMMARY:{summary}",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )


def mail_of(address):
    text = str(address)
    return text[7:].lower() if text.lower().startswith("mailto:") else text.lower()


def partstats(obj):
    """{attendee mail: PARTSTAT} of the first VEVENT of a calendar object."""
    event = obj.icalendar_instance.walk("vevent")[0]
    attendees = event.get("attendee", [])
    if not isinstance(attendees, list):
        attendees = [attendees]
    return {mail_of(a): str(a.params.get("PARTSTAT", "NEEDS-ACTION")) for a in attendees}


def eventually(what, probe, timeout=10.0):
    """Scheduling inside one context is synchronous, but a reply that another replica
    processes may take a moment: retry a probe briefly before failing."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            check(False, what)
        time.sleep(0.2)


class User:
    def __init__(self, dav_root, login, password):
        self.login = login
        self.mail = f"{login}@example.com"
        self.client = caldav.DAVClient(url=dav_root, username=self.mail, password=password)
        self.principal = self.client.principal()

    def default_calendar(self):
        for cal in self.principal.calendars():
            if cal.get_display_name() == "Calendar":
                return cal
        check(False, f"{self.login} has no calendar named Calendar")

    def copy_of(self, uid):
        """The event `uid` in any of the user's calendars, or None."""
        for cal in self.principal.calendars():
            if "VEVENT" not in cal.get_supported_components():
                continue
            try:
                found = cal.event_by_uid(uid)
                found.load()
                return found
            except error.NotFoundError:
                continue
        return None

    def inbox_messages(self, uid, method):
        inbox = self.principal.schedule_inbox()
        found = []
        for item in inbox.get_items():
            item.load(only_if_unloaded=True)
            cal = item.icalendar_instance
            if str(cal.get("method", "")) != method:
                continue
            uids = {str(c.get("uid")) for c in cal.walk() if c.get("uid") is not None}
            if uid in uids:
                found.append(item)
        return found


class Run:
    def __init__(self, base, password):
        self.base = base if base.endswith("/") else base + "/"
        self.password = password
        self.uid = f"davgate-scheduling-{uuid.uuid4().hex[:12]}"
        today = dt.datetime.now(UTC).date()
        self.start = dt.datetime(today.year, today.month, today.day, 9, tzinfo=UTC) + dt.timedelta(days=3)
        self.end = self.start + dt.timedelta(hours=1)

    def connect(self):
        step("three users and their scheduling properties")
        probe = caldav.DAVClient(url=self.base)
        r = probe.session.request("GET", urljoin(self.base, ".well-known/caldav"), allow_redirects=False)
        check(r.status_code == 301, f"/.well-known/caldav: {r.status_code}")
        dav_root = urljoin(urljoin(self.base, ".well-known/caldav"), r.headers["Location"])
        self.alice = User(dav_root, "alice", self.password)
        self.bob = User(dav_root, "bob", self.password)
        self.carol = User(dav_root, "carol", self.password)
        check(
            self.alice.client.check_scheduling_support(),
            "OPTIONS does not announce calendar-auto-schedule",
        )
        for user in (self.alice, self.bob, self.carol):
            addresses = [a.lower() for a in user.principal.calendar_user_address_set()]
            check(
                f"mailto:{user.mail}" in addresses,
                f"{user.login}'s calendar-user-address-set {addresses} lacks mailto:{user.mail}",
            )
            inbox = user.principal.schedule_inbox()
            outbox = user.principal.schedule_outbox()
            check(inbox.url and outbox.url, f"{user.login} has no inbox or outbox")
            inbox.get_items()
        ok("calendar-user-address-set, schedule-inbox-URL and schedule-outbox-URL of alice, bob, carol")

    def invite(self):
        step("alice invites bob and carol")
        cal = self.alice.default_calendar()
        self.invitation = cal.save_with_invites(
            vevent(self.uid, "Planning", self.start, self.end),
            [self.bob.principal, self.carol.principal],
        )
        for user in (self.bob, self.carol):
            copy = eventually(f"{user.login} never got the event", lambda u=user: u.copy_of(self.uid))
            states = partstats(copy)
            check(
                states.get(user.mail) == "NEEDS-ACTION",
                f"{user.login}'s copy has PARTSTAT {states.get(user.mail)} for her/himself: {states}",
            )
            requests = user.inbox_messages(self.uid, "REQUEST")
            check(requests, f"{user.login}'s inbox holds no REQUEST for {self.uid}")
        ok("bob and carol have the event with NEEDS-ACTION and a REQUEST in their inboxes")

    def answer(self):
        step("bob accepts and carol declines from their inboxes")
        self.bob.inbox_messages(self.uid, "REQUEST")[0].accept_invite()
        self.carol.inbox_messages(self.uid, "REQUEST")[0].decline_invite()

        def organizer_sees_answers():
            states = partstats(self.alice.copy_of(self.uid))
            return states if (
                states.get(self.bob.mail) == "ACCEPTED" and states.get(self.carol.mail) == "DECLINED"
            ) else None

        states = eventually("alice's copy never showed both answers", organizer_sees_answers)
        ok(f"alice's copy: {states}")
        replies = self.alice.inbox_messages(self.uid, "REPLY")
        check(len(replies) >= 2, f"alice's inbox holds {len(replies)} REPLYs, expected 2")
        ok("alice has both REPLYs in her inbox")
        bob_view = partstats(self.bob.copy_of(self.uid))
        check(
            bob_view.get(self.carol.mail) == "DECLINED",
            f"bob's copy does not show carol's answer: {bob_view}",
        )
        ok("bob's copy shows carol's answer")

    def reschedule(self):
        step("alice moves the event by a day")
        event = self.alice.copy_of(self.uid)
        vevent_ = event.icalendar_instance.walk("vevent")[0]
        new_start = self.start + dt.timedelta(days=1)
        vevent_["dtstart"].dt = new_start
        vevent_["dtend"].dt = new_start + dt.timedelta(hours=1)
        event.save()

        def bob_moved():
            copy = self.bob.copy_of(self.uid)
            start = copy.icalendar_instance.walk("vevent")[0]["dtstart"].dt
            return copy if start == new_start else None

        copy = eventually("bob's copy was not moved", bob_moved)
        ok(f"bob's copy starts at {new_start.isoformat()}, his answer {partstats(copy).get(self.bob.mail)}")

    def freebusy(self):
        step("alice asks for bob's free/busy")
        answer = self.alice.principal.freebusy_request(
            self.start - dt.timedelta(days=1),
            self.start + dt.timedelta(days=7),
            [self.bob.principal],
        )
        errors = answer.get("errors", {})
        check(not errors, f"free/busy errors: {errors}")
        bodies = [str(v.data) for k, v in answer.items() if k != "errors"]
        check(bodies, f"no free/busy answer: {answer}")
        check(any("FREEBUSY" in b for b in bodies), f"no busy period for bob: {bodies}")
        ok("bob is busy at the planning meeting")

    def cancel(self):
        step("alice cancels the event")
        self.alice.copy_of(self.uid).delete()
        eventually("bob still has the event", lambda: self.bob.copy_of(self.uid) is None)
        cancels = self.bob.inbox_messages(self.uid, "CANCEL")
        check(cancels, "bob's inbox holds no CANCEL")
        ok("bob's copy is gone and a CANCEL is in his inbox")

    def clean_inboxes(self):
        step("the inbox messages can be deleted")
        for user in (self.alice, self.bob, self.carol):
            inbox = user.principal.schedule_inbox()
            for item in inbox.get_items():
                item.delete()
            check(not inbox.get_items(), f"{user.login}'s inbox is not empty after deleting")
        ok("all inboxes empty")

    def run(self):
        self.connect()
        self.invite()
        self.answer()
        self.reschedule()
        self.freebusy()
        self.cancel()
        self.clean_inboxes()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("password")
    args = parser.parse_args()
    print(f"caldav {caldav.__version__} against {args.base_url}", flush=True)
    return run_checks(Run(args.base_url, args.password).run, "all scheduling client checks passed")


if __name__ == "__main__":
    sys.exit(main())
