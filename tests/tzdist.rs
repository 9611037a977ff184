//! The time zone service (RFC 7808) through the real router, without login: every
//! action, conditional GET, truncation, the problem details of bad requests, and the
//! generated VTIMEZONEs read back as a client would, against chrono-tz's offsets.

mod common;

use std::time::{Duration, Instant};

use chrono::{Offset, TimeZone};
use common::http::*;
use common::tzdist::{all_onsets, offset_at, unfolded};
use http::StatusCode;
use serde_json::Value;

const LAYOUT: &[(&str, &str)] = &[
    ("com.openexchange.dav.prefixPath", "/dav"),
    ("com.openexchange.dav.proxyPrefixPath", "/"),
];

async fn tz_site() -> (common::TestDb, Site) {
    let db = common::sqlite().await;
    let site = site(&db.store, LAYOUT).await;
    (db, site)
}

async fn fetch(site: &Site, uri: &str, headers: &[(&'static str, &str)]) -> Answer {
    let mut call = Call::new("GET", uri);
    for (name, value) in headers {
        call = call.header(name, *value);
    }
    send(&site.app, call).await
}

fn json(answer: &Answer) -> Value {
    serde_json::from_slice(&answer.body)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&answer.body)))
}

fn text(answer: &Answer) -> String {
    String::from_utf8(answer.body.to_vec()).unwrap()
}

/// A problem-details answer with the RFC 7808 error code.
fn assert_problem(answer: &Answer, status: StatusCode, code: &str) {
    assert_eq!(answer.status, status, "{}", text(answer));
    assert_eq!(
        answer.header("content-type"),
        Some("application/problem+json")
    );
    let body = json(answer);
    assert_eq!(
        body["type"],
        format!("urn:ietf:params:tzdist:error:{code}"),
        "{body}"
    );
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
}

#[tokio::test]
async fn well_known_capabilities_list_and_find() {
    let (_db, site) = tz_site().await;
    let redirect = fetch(&site, "/.well-known/timezone", &[]).await;
    assert_eq!(redirect.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(redirect.header("location"), Some("/dav/timezone"));
    let redirect = fetch(&site, "/.well-known/timezone/zones?pattern=berlin", &[]).await;
    assert_eq!(
        redirect.header("location"),
        Some("/dav/timezone/zones?pattern=berlin")
    );

    let capabilities = fetch(&site, "/dav/timezone/capabilities", &[]).await;
    assert_eq!(
        capabilities.status,
        StatusCode::OK,
        "{}",
        text(&capabilities)
    );
    let body = json(&capabilities);
    let version = chrono_tz::IANA_TZDB_VERSION;
    assert_eq!(body["info"]["primary-source"], format!("IANA:{version}"));
    let actions: Vec<(&str, &str)> = body["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap(),
                a["uri-template"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("capabilities", "/dav/timezone/capabilities"),
            ("list", "/dav/timezone/zones{?changedsince}"),
            ("get", "/dav/timezone/zones{/tzid}{?start,end}"),
            (
                "expand",
                "/dav/timezone/zones{/tzid}/observances{?start,end}"
            ),
            ("find", "/dav/timezone/zones{?pattern}"),
        ]
    );

    let list = fetch(&site, "/dav/timezone/zones", &[]).await;
    let body = json(&list);
    assert_eq!(body["synctoken"], version);
    let zones = body["timezones"].as_array().unwrap();
    assert_eq!(zones.len(), chrono_tz::TZ_VARIANTS.len());
    assert!(zones.iter().any(|z| z["tzid"] == "Europe/Berlin"));
    assert!(zones.iter().all(|z| z["last-modified"].is_string()));
    let etag = list.header("etag").unwrap().to_owned();
    let again = fetch(&site, "/dav/timezone/zones", &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());

    // changedsince: nothing new since this version, everything since another one.
    let unchanged = fetch(
        &site,
        &format!("/dav/timezone/zones?changedsince={version}"),
        &[],
    )
    .await;
    assert_eq!(json(&unchanged)["timezones"].as_array().unwrap().len(), 0);
    let older = fetch(&site, "/dav/timezone/zones?changedsince=2016a", &[]).await;
    assert_eq!(
        json(&older)["timezones"].as_array().unwrap().len(),
        zones.len()
    );
    let bad = fetch(&site, "/dav/timezone/zones?changedsince=yesterday", &[]).await;
    assert_problem(&bad, StatusCode::BAD_REQUEST, "invalid-changedsince");

    let found = fetch(&site, "/dav/timezone/zones?pattern=new_y", &[]).await;
    let tzids: Vec<String> = json(&found)["timezones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z["tzid"].as_str().unwrap().to_owned())
        .collect();
    assert!(tzids.iter().any(|t| t == "America/New_York"), "{tzids:?}");
    assert!(tzids.iter().all(|t| t.to_lowercase().contains("new_y")));
    let anchored = fetch(&site, "/dav/timezone/zones?pattern=Europe/B*", &[]).await;
    let anchored = json(&anchored);
    let names: Vec<&str> = anchored["timezones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z["tzid"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Europe/Berlin") && names.contains(&"Europe/Brussels"));
    assert!(names.iter().all(|n| n.starts_with("Europe/B")), "{names:?}");
    for pattern in ["", "%01x", &"x".repeat(300)] {
        let bad = fetch(
            &site,
            &format!("/dav/timezone/zones?pattern={pattern}"),
            &[],
        )
        .await;
        assert_problem(&bad, StatusCode::BAD_REQUEST, "invalid-pattern");
    }
    let unknown = fetch(&site, "/dav/timezone/leap-seconds", &[]).await;
    assert_problem(&unknown, StatusCode::BAD_REQUEST, "invalid-action");
}

#[tokio::test]
async fn get_truncated_get_conditional_get_and_expand() {
    let (_db, site) = tz_site().await;
    let berlin = fetch(&site, "/dav/timezone/zones/Europe/Berlin", &[]).await;
    assert_eq!(berlin.status, StatusCode::OK, "{}", text(&berlin));
    assert!(berlin
        .header("content-type")
        .unwrap()
        .starts_with("text/calendar"));
    let body = text(&berlin);
    let lines = unfolded(&body);
    assert!(lines.contains(&"TZID:Europe/Berlin".to_string()), "{body}");
    assert!(lines.contains(&"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU".to_string()));
    let etag = berlin.header("etag").unwrap().to_owned();
    let not_modified = fetch(
        &site,
        "/dav/timezone/zones/Europe/Berlin",
        &[("if-none-match", &etag)],
    )
    .await;
    assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED);
    assert_eq!(not_modified.header("etag"), Some(etag.as_str()));
    let other = fetch(&site, "/dav/timezone/zones/Europe/Paris", &[]).await;
    assert_ne!(other.header("etag"), Some(etag.as_str()));

    // Truncated to 2020 and 2021: the state at the start, the changes, TZUNTIL.
    let cut = fetch(
        &site,
        "/dav/timezone/zones/Europe/Berlin?start=2020-01-01T00:00:00Z&end=2022-01-01T00:00:00Z",
        &[],
    )
    .await;
    let cut_text = text(&cut);
    let cut_lines = unfolded(&cut_text);
    assert!(cut_lines.contains(&"TZUNTIL:20220101T000000Z".to_string()));
    assert!(cut_lines.contains(&"DTSTART:20200101T010000".to_string()));
    assert!(
        !cut_text.contains("1996"),
        "nothing before the start: {cut_text}"
    );
    let onsets = all_onsets(&cut_text, 100);
    let changes: Vec<i64> = onsets.iter().filter(|o| o.1 != o.2).map(|o| o.0).collect();
    // 2020-03-29T01Z, 2020-10-25T01Z, 2021-03-28T01Z, 2021-10-31T01Z.
    assert_eq!(
        changes,
        [1_585_443_600, 1_603_587_600, 1_616_893_200, 1_635_642_000]
    );
    assert_ne!(cut.header("etag"), Some(etag.as_str()));

    // jCal on request.
    let jcal = fetch(
        &site,
        "/dav/timezone/zones/America/New_York",
        &[("accept", "application/calendar+json")],
    )
    .await;
    assert!(jcal
        .header("content-type")
        .unwrap()
        .starts_with("application/calendar+json"));
    let jcal = json(&jcal);
    assert_eq!(jcal[0], "vcalendar");
    assert_eq!(jcal[2][0][0], "vtimezone");
    assert_eq!(
        jcal[2][0][1][0],
        serde_json::json!(["tzid", {}, "text", "America/New_York"])
    );

    // A Windows name: its IANA zone's data under the name asked for.
    let windows = fetch(
        &site,
        "/dav/timezone/zones/W.%20Europe%20Standard%20Time",
        &[],
    )
    .await;
    let windows_lines = unfolded(&text(&windows));
    assert!(windows_lines.contains(&"TZID:W. Europe Standard Time".to_string()));
    assert!(windows_lines.contains(&"TZID-ALIAS-OF:Europe/Berlin".to_string()));

    let expand = fetch(
        &site,
        "/dav/timezone/zones/Europe/Berlin/observances?start=2026-01-01T00:00:00Z&end=2027-01-01T00:00:00Z",
        &[],
    )
    .await;
    assert_eq!(expand.status, StatusCode::OK, "{}", text(&expand));
    let expand = json(&expand);
    let observances = expand["observances"].as_array().unwrap();
    let summary: Vec<(String, String, i64, i64)> = observances
        .iter()
        .map(|o| {
            (
                o["name"].as_str().unwrap().to_owned(),
                o["onset"].as_str().unwrap().to_owned(),
                o["utc-offset-from"].as_i64().unwrap(),
                o["utc-offset-to"].as_i64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("CET", "2026-01-01T00:00:00Z", 3600, 3600),
        ("CEST", "2026-03-29T01:00:00Z", 3600, 7200),
        ("CET", "2026-10-25T01:00:00Z", 7200, 3600),
    ];
    let expected: Vec<(String, String, i64, i64)> = expected
        .iter()
        .map(|(n, o, f, t)| (n.to_string(), o.to_string(), *f, *t))
        .collect();
    assert_eq!(summary, expected);
}

#[tokio::test]
async fn bad_requests_answer_quickly_with_problem_details() {
    let (_db, site) = tz_site().await;
    let began = Instant::now();
    let long = "A".repeat(5000);
    let long_path = format!("/dav/timezone/zones/{long}");
    for uri in [
        "/dav/timezone/zones/Nowhere/Land",
        "/dav/timezone/zones/..%2F..%2Fetc%2Fpasswd",
        "/dav/timezone/zones/../../etc/passwd",
        "/dav/timezone/zones/Europe%2FBerlin%00",
        "/dav/timezone/zones/%FF%FE",
        "/dav/timezone/zones/Europe/B%C3%A9rlin",
        "/dav/timezone/zones/%E2%80%AEEurope/Berlin",
        "/dav/timezone/zones/+01:00",
        long_path.as_str(),
        "/dav/timezone/zones/Nowhere/observances",
    ] {
        let answer = fetch(&site, uri, &[]).await;
        if answer.status == StatusCode::NOT_FOUND && answer.body.is_empty() {
            // The router itself normalised the path out of the service.
            continue;
        }
        assert_problem(&answer, StatusCode::NOT_FOUND, "tzid-not-found");
    }
    for (query, code) in [
        ("start=1800-01-01T00:00:00Z", "invalid-start"),
        ("start=0001-01-01T00:00:00Z", "invalid-start"),
        ("start=tomorrow", "invalid-start"),
        ("end=9999-12-31T23:59:59Z", "invalid-end"),
        ("end=2300-01-01T00:00:00Z", "invalid-end"),
        (
            "start=2026-01-01T00:00:00Z&end=2025-01-01T00:00:00Z",
            "invalid-end",
        ),
    ] {
        for action in ["zones/Europe/Berlin", "zones/Europe/Berlin/observances"] {
            let answer = fetch(&site, &format!("/dav/timezone/{action}?{query}"), &[]).await;
            assert_problem(&answer, StatusCode::BAD_REQUEST, code);
        }
    }
    let too_long_query = format!("/dav/timezone/zones?pattern={}", "x".repeat(5000));
    let answer = fetch(&site, &too_long_query, &[]).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);

    // The widest range there is, for a zone with rules: every change of 300 years.
    let widest = fetch(
        &site,
        "/dav/timezone/zones/America/New_York/observances?start=1900-01-01T00:00:00Z&end=2200-01-01T00:00:00Z",
        &[],
    )
    .await;
    assert_eq!(widest.status, StatusCode::OK);
    let count = json(&widest)["observances"].as_array().unwrap().len();
    assert!((400..700).contains(&count), "{count}");
    assert!(
        began.elapsed() < Duration::from_secs(10),
        "{:?}",
        began.elapsed()
    );

    // Every zone once: each computed within the bound, none refused.
    let began = Instant::now();
    for tz in chrono_tz::TZ_VARIANTS.iter().take(150) {
        let answer = fetch(&site, &format!("/dav/timezone/zones/{}", tz.name()), &[]).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", tz.name());
    }
    assert!(
        began.elapsed() < Duration::from_secs(30),
        "{:?}",
        began.elapsed()
    );
    // Methods other than GET and HEAD: not here.
    let post = send(&site.app, Call::new("POST", "/dav/timezone/zones")).await;
    assert_eq!(post.status, StatusCode::METHOD_NOT_ALLOWED);
}

/// The offset chrono-tz gives at `at` (UTC epoch seconds).
fn chrono_offset(tz: chrono_tz::Tz, at: i64) -> i32 {
    let instant = chrono::DateTime::from_timestamp(at, 0).unwrap().naive_utc();
    tz.offset_from_utc_datetime(&instant)
        .fix()
        .local_minus_utc()
}

#[tokio::test]
async fn generated_zones_give_chrono_tz_offsets_every_day_1990_to_2040() {
    let (_db, site) = tz_site().await;
    let from = 631_152_000; // 1990-01-01T00:00:00Z
    let to = 2_240_611_200; // 2041-01-01T00:00:00Z
    for tz in [
        chrono_tz::Europe::Berlin,
        chrono_tz::America::New_York,
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::Asia::Kathmandu,
        chrono_tz::Europe::Moscow,
        chrono_tz::America::Sao_Paulo,
        chrono_tz::Australia::Sydney,
        chrono_tz::Pacific::Auckland,
        chrono_tz::America::Santiago,
        chrono_tz::Asia::Jerusalem,
        chrono_tz::Africa::Casablanca,
        chrono_tz::Europe::London,
        chrono_tz::Asia::Kolkata,
        chrono_tz::UTC,
    ] {
        let answer = fetch(
            &site,
            &format!(
                "/dav/timezone/zones/{}?start=1990-01-01T00:00:00Z",
                tz.name()
            ),
            &[],
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", tz.name());
        let body = text(&answer);
        let onsets = all_onsets(&body, 400);
        let mut day = from + 43_200;
        while day < to {
            assert_eq!(
                offset_at(&onsets, day),
                chrono_offset(tz, day),
                "{} at {day}: {body}",
                tz.name()
            );
            day += 86_400;
        }
        // Each change at its second.
        for (at, before, after) in onsets.iter().filter(|o| o.0 > from && o.0 < to) {
            assert_eq!(
                chrono_offset(tz, at - 1),
                *before,
                "{} before {at}",
                tz.name()
            );
            assert_eq!(chrono_offset(tz, *at), *after, "{} at {at}", tz.name());
        }
    }
}
