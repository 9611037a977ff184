"""One client workload for any CalDAV/CardDAV server: generated events and contacts,
loading them with PUT, and the timed requests of benches/compare_servers.py.

The data is deterministic (event i and contact i are the same in every run and for every
server) and lies around today: events start from 25 days back to 340 days ahead, inside
the sync window davgate serves by default (a month back, a year ahead); one in twenty
recurs weekly ten times. Events are 0.6–1.6 KB, contacts (vCard 3.0) about 0.5 KB.

The client is Python's http.client over kept-alive connections with no socket options of
its own (a stock client with delayed ACKs), as in benches/stock_client.py.
"""

import datetime
import http.client
import random
import re
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

PARAGRAPH = ("Agenda: review of the open points, the budget for the next quarter and who "
             "takes which part of the preparation. ")
CAL_NS = 'xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"'
CARD_NS = 'xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"'


def fold(line):
    """An iCalendar/vCard content line folded at 75 octets (the text here is ASCII)."""
    parts = [line[:75]] + [" " + line[i:i + 74] for i in range(75, len(line), 74)]
    return "\r\n".join(parts)


def today():
    return datetime.datetime.now(datetime.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)


def event(i, sequence=0, base=None):
    rng = random.Random(i)
    start = (base or today()) + datetime.timedelta(days=rng.randint(-25, 340), hours=rng.randint(7, 18),
                                                   minutes=rng.choice([0, 15, 30, 45]))
    end = start + datetime.timedelta(minutes=rng.choice([30, 60, 90]))
    stamp = "%Y%m%dT%H%M%SZ"
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//davgate bench//EN", "BEGIN:VEVENT",
        f"UID:bench-event-{i}@example.com", "DTSTAMP:20260101T000000Z", f"SEQUENCE:{sequence}",
        f"DTSTART:{start.strftime(stamp)}", f"DTEND:{end.strftime(stamp)}",
        f"SUMMARY:Meeting {i} about topic {rng.randint(1, 500)}",
        f"LOCATION:Room {rng.randint(1, 40)}",
        fold("DESCRIPTION:" + PARAGRAPH * rng.randint(1, 8)),
    ]
    if i % 20 == 0:
        lines.append("RRULE:FREQ=WEEKLY;COUNT=10")
    if i % 3 == 0:
        lines += ["BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:Reminder", "TRIGGER:-PT15M", "END:VALARM"]
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(lines) + "\r\n"


def contact(i):
    rng = random.Random(1_000_000 + i)
    given = rng.choice(["Anna", "Ben", "Chloé", "David", "Eva", "Félix", "Greta", "Hugo", "Ida", "Jonas"])
    family = rng.choice(["Müller", "Schmidt", "Meyer", "Dubois", "Rossi", "Smith", "Novak", "García"])
    lines = [
        "BEGIN:VCARD", "VERSION:3.0", f"UID:bench-contact-{i}@example.com",
        f"FN:{given} {family} {i}", f"N:{family};{given} {i};;;",
        f"ORG:Example {rng.randint(1, 50)};Department {rng.randint(1, 9)}",
        f"EMAIL;TYPE=INTERNET,WORK:{given.lower()}.{i}@example.com",
        f"TEL;TYPE=WORK:+49 30 {rng.randint(1000000, 9999999)}",
        f"ADR;TYPE=WORK:;;Street {rng.randint(1, 200)};Berlin;;10{rng.randint(100, 999)};Germany",
        fold("NOTE:" + PARAGRAPH * rng.randint(1, 3)), "END:VCARD",
    ]
    return "\r\n".join(lines) + "\r\n"


def month_range():
    first = today().replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following


class Client:
    """One kept-alive connection to a target (see dav_servers.Target)."""

    def __init__(self, target):
        self.target = target
        self.connection = http.client.HTTPConnection("127.0.0.1", target.port, timeout=900)

    def send(self, method, path, body="", depth=None, content_type="application/xml; charset=utf-8",
             expect=(200, 201, 204, 207)):
        headers = {"Authorization": self.target.auth, "Content-Type": content_type}
        if depth is not None:
            headers["Depth"] = depth
        try:
            self.connection.request(method, path, body=body.encode(), headers=headers)
            response = self.connection.getresponse()
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            # The server closed the kept-alive connection while it was idle (while the
            # other servers had their turn): a client connects again.
            self.connection.close()
            self.connection.request(method, path, body=body.encode(), headers=headers)
            response = self.connection.getresponse()
        data = response.read()
        if response.status not in expect:
            sys.exit(f"{self.target.name}: {method} {path}: {response.status} {data[:300]!r}")
        return data.decode("utf-8", "replace")

    def close(self):
        self.connection.close()


def put_all(target, items, workers):
    """PUTs (path, body, content type) items with `workers` clients; returns seconds."""
    lock = threading.Lock()
    queue = list(reversed(items))

    def work():
        client = Client(target)
        while True:
            with lock:
                if not queue:
                    break
                path, body, content_type = queue.pop()
            client.send("PUT", path, body, content_type=content_type)
        client.close()

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(work) for _ in range(workers)]:
            future.result()
    return time.perf_counter() - start


def event_items(target, indices):
    return [(f"{target.calendar}event-{i}.ics", event(i), "text/calendar; charset=utf-8") for i in indices]


def contact_items(target, indices):
    return [(f"{target.addressbook}contact-{i}.vcf", contact(i), "text/vcard; charset=utf-8") for i in indices]


def count_responses(text):
    return len(re.findall(r"<(?:\w+:)?response[ >]", text))


def sync_token(text):
    return re.search(r"<(?:\w+:)?sync-token>([^<]+)</", text).group(1)


def sync_body(token):
    return ('<?xml version="1.0" encoding="utf-8"?><D:sync-collection xmlns:D="DAV:">'
            f"<D:sync-token>{token}</D:sync-token><D:sync-level>1</D:sync-level>"
            "<D:prop><D:getetag/></D:prop></D:sync-collection>")


PROPFIND_DEPTH0 = ('<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:" '
                   'xmlns:CS="http://calendarserver.org/ns/"><D:prop><D:resourcetype/>'
                   "<D:displayname/><CS:getctag/><D:sync-token/></D:prop></D:propfind>")
PROPFIND_ETAGS = ('<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop>'
                  "<D:getetag/></D:prop></D:propfind>")


def calendar_multiget(target, indices):
    hrefs = "".join(f"<D:href>{target.calendar}event-{i}.ics</D:href>" for i in indices)
    return (f'<?xml version="1.0" encoding="utf-8"?><C:calendar-multiget {CAL_NS}><D:prop>'
            f"<D:getetag/><C:calendar-data/></D:prop>{hrefs}</C:calendar-multiget>")


def addressbook_multiget(target, indices):
    hrefs = "".join(f"<D:href>{target.addressbook}contact-{i}.vcf</D:href>" for i in indices)
    return (f'<?xml version="1.0" encoding="utf-8"?><CR:addressbook-multiget {CARD_NS}><D:prop>'
            f"<D:getetag/><CR:address-data/></D:prop>{hrefs}</CR:addressbook-multiget>")


def month_query():
    first, following = month_range()
    return (f'<?xml version="1.0" encoding="utf-8"?><C:calendar-query {CAL_NS}><D:prop><D:getetag/>'
            '</D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
            f'<C:time-range start="{first.strftime("%Y%m%dT000000Z")}" '
            f'end="{following.strftime("%Y%m%dT000000Z")}"/></C:comp-filter></C:comp-filter>'
            "</C:filter></C:calendar-query>")


# The timed requests of a round: (name, repetitions in a round). A round's figure is the
# mean over its repetitions (one only when the first took more than a second); the
# reported figure is the median of the rounds'.
KINDS = [
    ("PROPFIND Depth 0 (calendar)", 5),
    ("PROPFIND Depth 1 (calendar, getetag)", 1),
    ("sync-collection initial (calendar)", 1),
    ("sync-collection initial (address book)", 1),
    ("sync-collection after one change", 3),
    ("calendar-multiget 100, with data", 3),
    ("calendar-multiget 1,000, with data", 1),
    ("addressbook-multiget 100, with data", 3),
    ("calendar-query, one month (getetag)", 1),
]


class Workload:
    """The state of the workload on one target: its sync token and the answer counts
    (the same for every server, or a server answered differently)."""

    def __init__(self, target, size):
        self.target = target
        self.size = size
        self.client = Client(target)
        self.token = None
        self.changes = 0
        self.put_seconds = []
        self.counts = {}
        step = max(1, size // 1000)
        self.hundred = list(range(0, size, max(1, size // 100)))[:100]
        self.thousand = list(range(0, size, step))[:1000]

    def check(self, kind, text):
        self.counts[kind] = count_responses(text)

    def one_change(self):
        self.changes += 1
        i = (self.changes * 7919) % self.size
        self.client.send("PUT", f"{self.target.calendar}event-{i}.ics", event(i, sequence=self.changes),
                         content_type="text/calendar; charset=utf-8")

    def timed(self, kind):
        """Seconds of one request of `kind` (untimed preparation excluded)."""
        t, c = self.target, self.client
        if kind == "sync-collection after one change":
            if self.token is None:
                self.token = sync_token(c.send("REPORT", t.calendar, sync_body(""), depth="1"))
            start = time.perf_counter()
            self.one_change()
            self.put_seconds.append(time.perf_counter() - start)
        requests = {
            "PROPFIND Depth 0 (calendar)": ("PROPFIND", t.calendar, PROPFIND_DEPTH0, "0"),
            "PROPFIND Depth 1 (calendar, getetag)": ("PROPFIND", t.calendar, PROPFIND_ETAGS, "1"),
            "sync-collection initial (calendar)": ("REPORT", t.calendar, sync_body(""), "1"),
            "sync-collection initial (address book)": ("REPORT", t.addressbook, sync_body(""), "1"),
            "sync-collection after one change": ("REPORT", t.calendar, sync_body(self.token or ""), "1"),
            "calendar-multiget 100, with data": ("REPORT", t.calendar, calendar_multiget(t, self.hundred), "1"),
            "calendar-multiget 1,000, with data": ("REPORT", t.calendar, calendar_multiget(t, self.thousand), "1"),
            "addressbook-multiget 100, with data": ("REPORT", t.addressbook, addressbook_multiget(t, self.hundred), "1"),
            "calendar-query, one month (getetag)": ("REPORT", t.calendar, month_query(), "1"),
        }
        method, path, body, depth = requests[kind]
        start = time.perf_counter()
        text = c.send(method, path, body, depth=depth)
        seconds = time.perf_counter() - start
        if kind == "sync-collection after one change":
            self.token = sync_token(text)
        self.check(kind, text)
        return seconds

    def round(self):
        """{kind: mean seconds per request} of one round."""
        figures = {}
        self.put_seconds = []
        for kind, repetitions in KINDS:
            # A request that takes longer than a second is not repeated within a round.
            times = [self.timed(kind)]
            while len(times) < repetitions and times[0] < 1.0:
                times.append(self.timed(kind))
            figures[kind] = sum(times) / len(times)
        figures["PUT one changed event, full calendar"] = sum(self.put_seconds) / len(self.put_seconds)
        return figures
