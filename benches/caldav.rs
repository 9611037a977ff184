//! CalDAV benchmark: a calendar of N generated events, served by the release `davgate`
//! binary over a loopback socket, on the embedded SQLite store and (when
//! `DAVGATE_BENCH_DATABASE_URL` names a PostgreSQL server) on a fresh PostgreSQL database.
//!
//! For each store and size it times PROPFIND Depth 1, an initial and an incremental
//! sync-collection, a calendar-multiget of 1,000 hrefs and a one-month calendar-query
//! (median of 3 runs after one warm-up), checks every answer (207, number of responses),
//! and reads the server's peak resident memory from /proc. See docs/performance.md.
//!
//! ```sh
//! cargo bench --bench caldav
//! DAVGATE_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/postgres cargo bench --bench caldav
//! DAVGATE_BENCH_SIZES=500,2000 cargo bench --bench caldav
//! ```
//!
//! On PostgreSQL the benchmark runs ANALYZE after loading; `DAVGATE_BENCH_SKIP_ANALYZE=1`
//! measures a freshly loaded database without planner statistics instead.
//! `DAVGATE_BENCH_KEEP=1` keeps each store (the SQLite data dir, the PostgreSQL database)
//! for inspection instead of deleting it.

mod common;

use std::time::{Duration, Instant};

use common::{
    filler, line, measure, median, ms, multiget_body, print_growth, provision, sync_body, Backend,
    Client, Fresh, Report, Rng, Server, PROPFIND_ETAG, RUNS,
};
use davgate::caldav::write::{prepare, Requirements};
use davgate::caldav::CalendarCollection;
use davgate::config::{props, ServerConfig};
use davgate::content::ical::CalendarObject;
use davgate::content::query::TimeRange;
use davgate::limits::Limits;
use davgate::store::{FolderModule, WriteCondition};
use time::{Date, Duration as Days, Month, PrimitiveDateTime, Time};

/// Hrefs in the calendar-multiget.
const MULTIGET_HREFS: usize = 1000;
/// Events changed by PUT before each incremental sync.
const CHANGED: usize = 10;
/// How calendar data starts, counted in answers.
const CALENDAR: &str = "BEGIN:VCALENDAR";

fn main() {
    let sizes = common::sizes(&[1_000, 10_000], 200);
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    common::print_title("davgate CalDAV benchmark", &sizes);
    for backend in &common::backends() {
        let mut reports = Vec::new();
        for &n in &sizes {
            let report = runtime.block_on(run(backend, n));
            report.print();
            reports.push(report);
        }
        print_growth(&reports);
    }
}

/// One store and size: load, serve, measure.
async fn run(backend: &Backend, n: usize) -> Report {
    let fresh = Fresh::create(backend, n).await;
    let today = time::OffsetDateTime::now_utc().date();
    let config_dir = common::config_dir();

    let store = fresh.open().await;
    let (context, user) = provision(&store).await;
    let folder = store
        .default_folder(context.id, user.id, FolderModule::Calendar)
        .await
        .expect("default folder")
        .expect("a default calendar");
    let collection = CalendarCollection::project(folder.clone(), &user, &[], None, "")
        .expect("the user's own calendar");

    let loading = Instant::now();
    let mut names = Vec::with_capacity(n);
    let mut total_bytes = 0usize;
    let mut kinds = Mix::default();
    let limits = Limits::default().content;
    for i in 0..n {
        let (text, kind) = event(i, today, 0);
        kinds.add(kind);
        total_bytes += text.len();
        let name = resource_name(i);
        let requirements = Requirements {
            strict_window: None,
            limits: &limits,
        };
        let object = prepare(
            &collection,
            &name,
            text.as_bytes(),
            None,
            requirements,
            user.id,
        )
        .unwrap_or_else(|e| panic!("generated event {i} refused: {e:?}\n{text}"));
        store
            .put_object(context.id, folder.id, &object, WriteCondition::MustNotExist)
            .await
            .expect("put_object");
        names.push(name);
    }
    let load_time = loading.elapsed();
    drop(store);
    let analyzed = fresh.analyze().await;

    // What the server's reports cost per object, measured here in-process: parsing (which
    // builds the index) by kind, and the expected answer of the one-month query.
    let range = next_month(today);
    let mut matches = 0;
    let mut parse_time = [Duration::ZERO; 2];
    let mut parsed = [0usize; 2];
    for i in 0..n {
        let (text, kind) = event(i, today, 0);
        let started = Instant::now();
        let object = CalendarObject::parse(text.as_bytes(), &limits).expect("parse");
        let class = usize::from(matches!(kind, Kind::Recurring { endless: true }));
        parse_time[class] += started.elapsed();
        parsed[class] += 1;
        matches += usize::from(object.overlaps(&range));
    }
    let limit = ServerConfig::load_with(&config_dir, &[])
        .expect("shipped config")
        .get::<props::MaxEventResults>() as usize;

    let server = Server::start(&fresh);
    let mut report = Report {
        backend: backend.label(),
        n,
        noun: "events",
        summary: format!(
            "{} single, {} all-day, {} recurring ({} endless); {} of iCalendar \
             (mean {} B); loaded through the store API in {:.1} s",
            kinds.single,
            kinds.all_day,
            kinds.recurring,
            kinds.endless,
            common::size(total_bytes),
            total_bytes / n.max(1),
            load_time.as_secs_f64(),
        ),
        start_hwm: server.hwm_kib(),
        end_hwm: None,
        rows: Vec::new(),
        notes: Vec::new(),
    };
    let calendar = format!("/dav/caldav/{}/", folder.id);
    let client = Client::new(server.port);

    // Logs in once, so every timed request finds the verified credentials.
    let reply = client.send("PROPFIND", &calendar, &[("Depth", "0")], PROPFIND_ETAG);
    assert_eq!(reply.status, 207, "{}", reply.text());

    let row = measure(&server, "PROPFIND Depth 1 (getetag)", RUNS, || {
        let reply = client.send("PROPFIND", &calendar, &[("Depth", "1")], PROPFIND_ETAG);
        reply.expect_multistatus(n + 1, CALENDAR, 0)
    });
    report.rows.push(row);

    let mut token = String::new();
    let row = measure(
        &server,
        "sync-collection, empty token (getetag)",
        RUNS,
        || {
            let reply = client.send("REPORT", &calendar, &[("Depth", "0")], &sync_body(""));
            let checked = reply.expect_multistatus(n, CALENDAR, 0);
            token = reply.sync_token();
            checked
        },
    );
    report.rows.push(row);

    // Each run changes the next ten events (spread over the calendar), then syncs from
    // the previous run's token.
    let mut put_times = Vec::new();
    let mut round = 0usize;
    let row = measure(
        &server,
        "sync-collection after 10 PUTs (getetag)",
        RUNS,
        || {
            round += 1;
            let started = Instant::now();
            for k in 0..CHANGED {
                let i = ((round - 1) * CHANGED + k) * 7919 % n;
                let (text, _) = event(i, today, round as u32);
                let path = format!("{calendar}{}", names[i]);
                let reply = client.send(
                    "PUT",
                    &path,
                    &[("Content-Type", "text/calendar; charset=utf-8")],
                    &text,
                );
                assert!(
                    (200..300).contains(&reply.status),
                    "PUT {path}: {} {}",
                    reply.status,
                    reply.text()
                );
            }
            put_times.push(started.elapsed());
            let reply = client.send("REPORT", &calendar, &[("Depth", "0")], &sync_body(&token));
            let checked = reply.expect_multistatus(CHANGED, CALENDAR, 0);
            token = reply.sync_token();
            checked
        },
    );
    report.rows.push(row);
    put_times.remove(0);
    report.notes.push(format!(
        "the 10 sequential PUTs before each incremental sync took {} (median)",
        ms(median(&put_times))
    ));

    let wanted = MULTIGET_HREFS.min(n);
    let step = n / wanted;
    let hrefs: Vec<String> = (0..wanted)
        .map(|k| format!("{calendar}{}", names[k * step]))
        .collect();
    let body = multiget_body(
        "calendar-multiget",
        "urn:ietf:params:xml:ns:caldav",
        "calendar-data",
        &hrefs,
    );
    let row = measure(
        &server,
        "calendar-multiget, 1,000 hrefs (getetag, calendar-data)",
        RUNS,
        || {
            let reply = client.send("REPORT", &calendar, &[("Depth", "1")], &body);
            reply.expect_multistatus(wanted, CALENDAR, wanted)
        },
    );
    report.rows.push(row);

    let body = query_body(&range);
    let (expected, truncated) = if matches > limit {
        (limit + 1, true)
    } else {
        (matches, false)
    };
    let returned = expected - usize::from(truncated);
    let row = measure(
        &server,
        "calendar-query, one month (getetag, calendar-data)",
        RUNS,
        || {
            let reply = client.send("REPORT", &calendar, &[("Depth", "1")], &body);
            let checked = reply.expect_multistatus(expected, CALENDAR, returned);
            if truncated {
                assert!(
                    reply.text().contains("number-of-matches-within-limits"),
                    "a truncated query ends with a 507"
                );
            }
            checked
        },
    );
    report.rows.push(row);
    report.notes.push(if truncated {
        format!(
            "the one-month query matches {matches} events; the server answers the first {limit} \
             (com.openexchange.calendar.maxEventResults) and a 507"
        )
    } else {
        format!("the one-month query matches {matches} events")
    });

    let per_object = |class: usize| {
        parse_time[class]
            .checked_div(parsed[class].max(1) as u32)
            .unwrap_or_default()
    };
    if fresh.is_postgres() {
        report.notes.push(Fresh::analyze_note(analyzed));
    }
    report.notes.push(format!(
        "CalendarObject::parse in the benchmark process: {} per endless recurring event, {} per other event",
        us(per_object(1)),
        us(per_object(0)),
    ));
    report.end_hwm = server.hwm_kib();
    drop(server);
    fresh.finish().await;
    report
}
fn query_body(range: &TimeRange) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
<C:calendar-query xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">\
<D:prop><D:getetag/><C:calendar-data/></D:prop><C:filter>\
<C:comp-filter name=\"VCALENDAR\"><C:comp-filter name=\"VEVENT\">\
<C:time-range start=\"{}\" end=\"{}\"/></C:comp-filter></C:comp-filter>\
</C:filter></C:calendar-query>",
        utc_stamp(range.start.expect("start")),
        utc_stamp(range.end.expect("end")),
    )
}

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

/// The calendar month after today's, in UTC.
fn next_month(today: Date) -> TimeRange {
    let first = |year: i32, month: Month| {
        Date::from_calendar_date(year, month, 1)
            .expect("first of a month")
            .midnight()
            .assume_utc()
            .unix_timestamp()
    };
    let (y1, m1) = match today.month() {
        Month::December => (today.year() + 1, Month::January),
        m => (today.year(), m.next()),
    };
    let (y2, m2) = match m1 {
        Month::December => (y1 + 1, Month::January),
        m => (y1, m.next()),
    };
    TimeRange {
        start: Some(first(y1, m1)),
        end: Some(first(y2, m2)),
    }
}

fn utc_stamp(epoch: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(epoch).expect("timestamp");
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[derive(Default, Clone, Copy)]
struct Mix {
    single: usize,
    all_day: usize,
    recurring: usize,
    endless: usize,
}

impl Mix {
    fn add(&mut self, kind: Kind) {
        match kind {
            Kind::Single => self.single += 1,
            Kind::AllDay => self.all_day += 1,
            Kind::Recurring { endless } => {
                self.recurring += 1;
                self.endless += usize::from(endless);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The generated calendar
#[derive(Clone, Copy)]
enum Kind {
    Single,
    AllDay,
    Recurring { endless: bool },
}

fn resource_name(i: usize) -> String {
    format!("bench-{i:06}.ics")
}

#[derive(Clone, Copy)]
enum Zone {
    Utc,
    Berlin,
    NewYork,
    Tokyo,
    /// A Windows zone name without VTIMEZONE, as some Outlook connectors write.
    Windows,
}

impl Zone {
    fn tzid(self) -> Option<&'static str> {
        match self {
            Zone::Utc => None,
            Zone::Berlin => Some("Europe/Berlin"),
            Zone::NewYork => Some("America/New_York"),
            Zone::Tokyo => Some("Asia/Tokyo"),
            Zone::Windows => Some("W. Europe Standard Time"),
        }
    }

    fn vtimezone(self) -> &'static str {
        match self {
            Zone::Berlin => BERLIN,
            Zone::NewYork => NEW_YORK,
            Zone::Tokyo => TOKYO,
            Zone::Utc | Zone::Windows => "",
        }
    }

    /// A date-time property in this zone.
    fn property(self, name: &str, at: PrimitiveDateTime) -> String {
        match self.tzid() {
            Some(tzid) => format!("{name};TZID={tzid}:{}\r\n", local_stamp(at)),
            None => format!("{name}:{}Z\r\n", local_stamp(at)),
        }
    }
}

const BERLIN: &str = "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:DAYLIGHT\r\n\
TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nDTSTART:19700329T020000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\nBEGIN:STANDARD\r\n\
TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nDTSTART:19701025T030000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";

const NEW_YORK: &str = "BEGIN:VTIMEZONE\r\nTZID:America/New_York\r\nBEGIN:DAYLIGHT\r\n\
TZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nTZNAME:EDT\r\nDTSTART:19700308T020000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\nEND:DAYLIGHT\r\nBEGIN:STANDARD\r\n\
TZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nTZNAME:EST\r\nDTSTART:19701101T020000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";

const TOKYO: &str = "BEGIN:VTIMEZONE\r\nTZID:Asia/Tokyo\r\nBEGIN:STANDARD\r\n\
TZOFFSETFROM:+0900\r\nTZOFFSETTO:+0900\r\nTZNAME:JST\r\nDTSTART:19700101T000000\r\n\
END:STANDARD\r\nEND:VTIMEZONE\r\n";

const SUMMARIES: &[&str] = &[
    "Team meeting",
    "1:1",
    "Project review",
    "Customer call",
    "Lunch",
    "Dentist",
    "Release planning",
    "Sprint demo",
    "Board meeting",
    "Training",
    "Workshop",
    "Interview",
];

const LOCATIONS: &[&str] = &[
    "Room 4.12",
    "Main office",
    "Video call",
    "Cafeteria",
    "Client site",
];

fn local_stamp(at: PrimitiveDateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}",
        at.year(),
        at.month() as u8,
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

fn date_stamp(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month() as u8, d.day())
}

/// Event `i` of the calendar (revision 0 as loaded, higher ones as changed by PUT): dates
/// from 28 days back to 335 days ahead of `today`, 10% all-day, 20% recurring (a quarter
/// of those endless), zones Berlin, New York and Tokyo with VTIMEZONE, UTC and a Windows
/// name; attendees, alarms and descriptions so that sizes spread over 0.5–3 KB.
fn event(i: usize, today: Date, revision: u32) -> (String, Kind) {
    let mut rng = Rng::new(i as u64);
    let day = today + Days::days(rng.range(-28, 335));
    let zone = match rng.range(0, 99) {
        0..=34 => Zone::Berlin,
        35..=54 => Zone::NewYork,
        55..=64 => Zone::Tokyo,
        65..=89 => Zone::Utc,
        _ => Zone::Windows,
    };
    let roll = rng.range(0, 99);
    let target = 500 + (rng.range(0, 50).pow(2) as usize); // 0.5–3 KB, most small
    let uid = format!("bench-{i:06}-{:016x}@bench.test", rng.next());
    let summary = rng.pick(SUMMARIES);

    let mut body = String::new();
    let mut kind = Kind::Single;
    let mut vtimezone = "";
    if roll < 10 {
        kind = Kind::AllDay;
        let days = rng.range(1, 3);
        body.push_str(&format!("DTSTART;VALUE=DATE:{}\r\n", date_stamp(day)));
        body.push_str(&format!(
            "DTEND;VALUE=DATE:{}\r\n",
            date_stamp(day + Days::days(days))
        ));
        body.push_str("TRANSP:TRANSPARENT\r\n");
    } else {
        let start = PrimitiveDateTime::new(
            day,
            Time::from_hms(rng.range(7, 19) as u8, (rng.range(0, 3) * 15) as u8, 0).expect("time"),
        );
        let minutes = rng.range(1, 8) * 15;
        vtimezone = zone.vtimezone();
        body.push_str(&zone.property("DTSTART", start));
        if rng.chance(80) {
            body.push_str(&zone.property("DTEND", start + Days::minutes(minutes)));
        } else {
            body.push_str(&format!("DURATION:PT{minutes}M\r\n"));
        }
        if roll < 30 {
            let until = |days: i64| {
                let end = start + Days::days(days);
                format!("{}T235959Z", date_stamp(end.date()))
            };
            let (rule, endless) = match rng.range(0, 99) {
                0..=29 => (format!("FREQ=WEEKLY;COUNT={}", rng.range(4, 26)), false),
                30..=44 => (format!("FREQ=DAILY;COUNT={}", rng.range(3, 14)), false),
                45..=64 => (
                    format!("FREQ=MONTHLY;UNTIL={}", until(rng.range(90, 270))),
                    false,
                ),
                65..=74 => (
                    format!("FREQ=WEEKLY;BYDAY=MO,WE;UNTIL={}", until(rng.range(30, 90))),
                    false,
                ),
                75..=89 => ("FREQ=WEEKLY".to_string(), true),
                90..=94 => (format!("FREQ=MONTHLY;BYMONTHDAY={}", day.day()), true),
                _ => ("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR".to_string(), true),
            };
            body.push_str(&format!("RRULE:{rule}\r\n"));
            kind = Kind::Recurring { endless };
        }
    }
    body.push_str(&format!("SUMMARY:{summary}"));
    if revision > 0 {
        body.push_str(&format!(" (changed {revision})"));
        body.push_str(&format!("\r\nSEQUENCE:{revision}"));
    }
    body.push_str("\r\n");
    if rng.chance(50) {
        let location = rng.pick(LOCATIONS);
        body.push_str(&format!("LOCATION:{location}\r\n"));
    }
    if rng.chance(30) {
        line(&mut body, "ORGANIZER;CN=Bench User:mailto:bench@bench.test");
        for a in 0..rng.range(2, 8) {
            let partstat = ["ACCEPTED", "NEEDS-ACTION", "TENTATIVE", "DECLINED"][a as usize % 4];
            line(
                &mut body,
                &format!(
                    "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={partstat};\
                     RSVP=TRUE;CN=Colleague {a}:mailto:colleague{a}.{i}@example.com"
                ),
            );
        }
    }
    let mut alarms = String::new();
    let alarm_count = match rng.range(0, 9) {
        0..=3 => 1,
        4 => 2,
        _ => 0,
    };
    for a in 0..alarm_count {
        alarms.push_str(&format!(
            "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Reminder\r\nTRIGGER:-PT{}M\r\nEND:VALARM\r\n",
            15 * (a + 1)
        ));
    }

    let head = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate//bench//EN\r\nCALSCALE:GREGORIAN\r\n\
         {vtimezone}BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20250101T000000Z\r\n"
    );
    let tail = "END:VEVENT\r\nEND:VCALENDAR\r\n";
    let without = head.len() + body.len() + alarms.len() + tail.len();
    let mut description = String::new();
    if without + 20 < target {
        // Folding adds three octets per 74 of text.
        let wanted = (target - without) * 74 / 77;
        line(
            &mut description,
            &filler("DESCRIPTION:", wanted, rng.next()),
        );
    }
    let text = format!("{head}{body}{description}{alarms}{tail}");
    (text, kind)
}
