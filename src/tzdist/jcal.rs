//! A VTIMEZONE as jCal (RFC 7265, `application/calendar+json`), from the same
//! observances as the iCalendar text.

use serde_json::{json, Value};

use super::rules::YearlyRule;
use super::vtimezone::{Part, Vtimezone};
use super::zone_data::local;

/// The whole iCalendar object as jCal.
pub(crate) fn calendar(vtimezone: &Vtimezone) -> Value {
    let mut props = vec![json!(["tzid", {}, "text", vtimezone.tzid])];
    if let Some(alias_of) = vtimezone.alias_of {
        props.push(json!(["tzid-alias-of", {}, "text", alias_of]));
    }
    if let Some(until) = vtimezone.until {
        props.push(json!(["tzuntil", {}, "date-time", utc_extended(until)]));
    }
    let parts: Vec<Value> = vtimezone.parts.iter().map(part).collect();
    json!([
        "vcalendar",
        [
            ["version", {}, "text", "2.0"],
            ["prodid", {}, "text", "-//davgate//TZDist//EN"]
        ],
        [["vtimezone", props, parts]]
    ])
}

fn part(part: &Part) -> Value {
    let kind = if part.dst { "daylight" } else { "standard" };
    let mut props = vec![json!([
        "dtstart",
        {},
        "date-time",
        local_extended(part.dtstart)
    ])];
    if let Some((rule, until)) = &part.rrule {
        props.push(json!(["rrule", {}, "recur", recur(rule, *until)]));
    }
    if !part.rdates.is_empty() {
        let mut rdate = vec![json!("rdate"), json!({}), json!("date-time")];
        rdate.extend(part.rdates.iter().map(|d| json!(local_extended(*d))));
        props.push(Value::Array(rdate));
    }
    props.push(json!(["tzoffsetfrom", {}, "utc-offset", offset(part.from)]));
    props.push(json!(["tzoffsetto", {}, "utc-offset", offset(part.to)]));
    props.push(json!(["tzname", {}, "text", part.name]));
    json!([kind, props, []])
}

fn recur(rule: &YearlyRule, until: Option<i64>) -> Value {
    let mut recur = serde_json::Map::new();
    recur.insert("freq".into(), json!("YEARLY"));
    for (name, value) in rule.by_parts() {
        let values: Vec<Value> = value
            .split(',')
            .map(|v| {
                v.parse::<i64>()
                    .map(Value::from)
                    .unwrap_or_else(|_| json!(v))
            })
            .collect();
        let value = if values.len() == 1 {
            values.into_iter().next().unwrap_or_default()
        } else {
            Value::Array(values)
        };
        recur.insert(name.to_lowercase(), value);
    }
    if let Some(until) = until {
        recur.insert("until".into(), json!(utc_extended(until)));
    }
    Value::Object(recur)
}

fn local_extended(at: chrono::NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// `2026-03-29T01:00:00Z`.
pub(crate) fn utc_extended(at: i64) -> String {
    format!("{}Z", local_extended(local(at, 0)))
}

/// `+01:00`, `+00:53:28`.
pub(crate) fn offset(offset: i32) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let abs = offset.abs();
    let (hours, minutes, seconds) = (abs / 3600, abs / 60 % 60, abs % 60);
    if seconds == 0 {
        format!("{sign}{hours:02}:{minutes:02}")
    } else {
        format!("{sign}{hours:02}:{minutes:02}:{seconds:02}")
    }
}
