"""What scheduling costs: one PUT by an organizer inviting N users of her context, then
the N attendees accepting at once, each with a PUT of their copy. Time per operation and,
on PostgreSQL, committed transactions (each autocommitted query is one; from
pg_stat_database), side by side for SQLite and PostgreSQL in one run.

    python3 benches/scheduling.py target/release/davgate \\
        --database-url postgres://postgres@127.0.0.1:5432/davgate_bench_scheduling \\
        [--attendees 100]

The PostgreSQL database must exist and be empty (it is filled with the demo and N users).
The run checks what a user would see: every attendee has the event, and once all replies
are in, the organizer's copy holds N ACCEPTED.
"""

import argparse
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from davgate_bench import ALICE, PASSWORD, CONFIG, Server, percentile, request  # noqa: E402


def transactions(database_url):
    if not database_url:
        return None
    name = database_url.rsplit("/", 1)[1].split("?")[0]
    time.sleep(1.5)  # backends report their counts when idle, at most once a second
    sql = f"SELECT pg_stat_clear_snapshot(); SELECT xact_commit FROM pg_stat_database WHERE datname = '{name}'"
    out = subprocess.run(["psql", "-At", database_url.rsplit("/", 1)[0] + "/postgres", "-c", sql],
                         check=True, capture_output=True, text=True).stdout.split()
    return int(out[-1])


def provision(binary, server, database_url, count):
    env = dict(os.environ, DAVGATE_NEW_PASSWORD=PASSWORD)
    env.pop("DAVGATE_DATABASE_URL", None)
    if database_url:
        env["DAVGATE_DATABASE_URL"] = database_url
    for i in range(count):
        login = f"guest{i:03}"
        subprocess.run([binary, "--config-dir", CONFIG, "--data-dir", server.data_dir, "user", "create",
                        "-c", "example.com", "--login", login, "--mail", f"{login}@example.com",
                        "--display-name", f"Guest {i}"],
                       env=env, check=True, stdout=subprocess.DEVNULL)
    return [f"{'guest'}{i:03}@example.com" for i in range(count)]


def invitation(uid, attendees, start):
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//davgate//bench//EN", "BEGIN:VEVENT",
             f"UID:{uid}", f"DTSTAMP:{stamp}", f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
             f"DTEND:{start + timedelta(hours=1):%Y%m%dT%H%M%SZ}", "SUMMARY:All hands",
             "ORGANIZER;CN=Alice Adams:mailto:alice@example.com",
             "ATTENDEE;CN=Alice Adams;PARTSTAT=ACCEPTED:mailto:alice@example.com"]
    lines += [f"ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{a}" for a in attendees]
    lines += ["END:VEVENT", "END:VCALENDAR", ""]
    return "\r\n".join(lines)


def own_calendar(server, login):
    """The user's default calendar: the first one she owns (public calendars come first
    by id)."""
    body = "<propfind xmlns='DAV:'><prop><owner/></prop></propfind>"
    for calendar in server.calendars(login):
        status, _, data = server.send("PROPFIND", calendar, body, login=login, depth="0")
        if status == 207 and "/principals/users/" in data.decode():
            return calendar
    sys.exit(f"{login} owns no calendar")


def find_copy(server, login, uid):
    """(href, body, schedule tag) of the attendee's copy of `uid` in her default calendar."""
    query = ("<C:calendar-query xmlns:D='DAV:' xmlns:C='urn:ietf:params:xml:ns:caldav'>"
             "<D:prop><D:getetag/><C:calendar-data/></D:prop><C:filter><C:comp-filter name='VCALENDAR'>"
             "<C:comp-filter name='VEVENT'><C:prop-filter name='UID'><C:text-match collation='i;octet'>"
             f"{uid}</C:text-match></C:prop-filter></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>")
    hrefs = []
    for calendar in server.calendars(login):  # the default calendar, among public ones
        status, _, data = server.send("REPORT", calendar, query, login=login, depth="1")
        hrefs = re.findall(r"<[^>]*href>([^<]+\.ics)</", data.decode()) if status == 207 else []
        if hrefs:
            break
    if not hrefs:
        sys.exit(f"{login} has no copy of {uid}")
    status, headers, body = server.send("GET", hrefs[0], login=login)
    tag = next((v for k, v in headers.items() if k.lower() == "schedule-tag"), None)
    return hrefs[0], body.decode(), tag


def accepted(body, mail):
    unfolded = body.replace("\r\n ", "").replace("\n ", "")
    for line in unfolded.splitlines():
        if line.upper().startswith("ATTENDEE") and line.lower().endswith(f"mailto:{mail}"):
            return re.sub(r"PARTSTAT=[A-Z-]+", "PARTSTAT=ACCEPTED", line)
    return None


def run(binary, label, database_url, count):
    server = Server(binary, database_url=database_url)
    try:
        guests = provision(binary, server, database_url, count)
        calendar = own_calendar(server, ALICE)
        uid = f"bench-{uuid.uuid4().hex[:12]}"
        start = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
        before = transactions(database_url)
        began = time.perf_counter()
        status, _, _ = server.send("PUT", f"{calendar}{uid}.ics", invitation(uid, guests, start),
                                   content_type="text/calendar; charset=utf-8")
        invite_seconds = time.perf_counter() - began
        invite_queries = transactions(database_url)
        if status not in (201, 204):
            sys.exit(f"{label}: the invitation PUT answered {status}")
        copies = {g: find_copy(server, g, uid) for g in guests}
        replies_before = transactions(database_url)
        samples, failures = [], []

        def reply(guest):
            href, body, tag = copies[guest]
            line = accepted(body, guest)
            new_body = re.sub(r"ATTENDEE[^\r\n]*mailto:" + re.escape(guest), lambda _: line, body.replace("\r\n ", ""))
            connection = server.connect()
            t0 = time.perf_counter()
            code, _, answer = request(connection, "PUT", href, new_body, guest,
                                      content_type="text/calendar; charset=utf-8",
                                      # As Apple's clients do: the answer stands unless the
                                      # organizer changed the event meanwhile.
                                      headers={"If-Schedule-Tag-Match": tag} if tag else None)
            samples.append(time.perf_counter() - t0)
            connection.close()
            if code not in (201, 204):
                failures.append((guest, code, answer[:200]))

        threads = [threading.Thread(target=reply, args=(g,)) for g in guests]
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        replies_seconds = time.perf_counter() - began
        replies_after = transactions(database_url)
        _, _, organizer_copy = server.send("GET", f"{calendar}{uid}.ics")
        unfolded = organizer_copy.decode().replace("\r\n ", "")
        accepted_count = sum(1 for g in guests if re.search(
            r"ATTENDEE[^\r\n]*PARTSTAT=ACCEPTED[^\r\n]*mailto:" + re.escape(g) + r"\r?$", unfolded, re.M | re.I))
        print(f"{label}: invitation of {count}: {invite_seconds * 1000:.0f} ms"
              + (f", {invite_queries - before} transactions" if before is not None else ""))
        print(f"{label}: {count} concurrent replies: {replies_seconds * 1000:.0f} ms in all, "
              f"p50 {percentile(samples, 0.5) * 1000:.0f} ms, p99 {percentile(samples, 0.99) * 1000:.0f} ms"
              + (f", {(replies_after - replies_before) / count:.1f} transactions per reply"
                 if replies_before is not None else "")
              + f"; failures {len(failures)}; organizer sees {accepted_count}/{count} ACCEPTED")
        if failures:
            print(f"   first failures: {failures[:3]}")
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary")
    parser.add_argument("--database-url")
    parser.add_argument("--attendees", type=int, default=100)
    args = parser.parse_args()
    run(args.binary, "sqlite", None, args.attendees)
    if args.database_url:
        run(args.binary, "postgres", args.database_url, args.attendees)


if __name__ == "__main__":
    main()
