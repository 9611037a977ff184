//! Where a zone's offset changes: chrono-tz answers the offset at an instant but keeps its
//! transition list to itself, so the list is found by probing every two days and
//! bisecting each change down to the second.

use chrono::{DateTime, Offset, TimeZone};
use chrono_tz::{OffsetComponents, OffsetName};

/// Seconds between two probes: two days. Two changes less than this apart that cancel
/// each other out would go unseen (two that end in a new state are seen as one). For the
/// whole tz database, two-day and four-day probes find what daily probes find (and for a
/// sample, hourly probes); weekly ones miss changes in a few zones.
const PROBE_STEP: i64 = 2 * 86_400;

/// What is in effect in a zone at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ZoneState {
    /// Seconds east of UTC.
    pub offset: i32,
    /// Whether it is daylight-saving (summer) time.
    pub dst: bool,
    /// The abbreviation (TZNAME), or the numeric form where the database has none.
    pub name: String,
}

/// One change of state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Transition {
    /// The UTC instant (epoch seconds) from which `to` is in effect.
    pub at: i64,
    pub from: ZoneState,
    pub to: ZoneState,
}

/// The state of `tz` at the UTC instant `at`.
pub(crate) fn state_at(tz: chrono_tz::Tz, at: i64) -> ZoneState {
    let offset = probe(tz, at);
    ZoneState {
        offset: offset.fix().local_minus_utc(),
        dst: !offset.dst_offset().is_zero(),
        name: match offset.abbreviation() {
            Some(name) => name.to_owned(),
            None => numeric_name(offset.fix().local_minus_utc()),
        },
    }
}

/// Every transition of `tz` in `[from, to)`, in order.
pub(crate) fn transitions(tz: chrono_tz::Tz, from: i64, to: i64) -> Vec<Transition> {
    transitions_stepped(tz, from, to, PROBE_STEP)
}

fn transitions_stepped(tz: chrono_tz::Tz, from: i64, to: i64, step: i64) -> Vec<Transition> {
    let mut found = Vec::new();
    let mut at = from;
    let mut current = probe(tz, at);
    while at < to {
        let next_at = (at + step).min(to);
        let next = probe(tz, next_at);
        if !same(&current, &next) {
            // The first second whose state differs from `current`.
            let (mut low, mut high) = (at, next_at);
            while high - low > 1 {
                let middle = low + (high - low) / 2;
                if same(&current, &probe(tz, middle)) {
                    low = middle;
                } else {
                    high = middle;
                }
            }
            if high < to {
                found.push(Transition {
                    at: high,
                    from: state_at(tz, low),
                    to: state_at(tz, high),
                });
            }
            at = high;
            current = probe(tz, high);
            continue;
        }
        at = next_at;
        current = next;
    }
    found
}

fn probe(tz: chrono_tz::Tz, at: i64) -> chrono_tz::TzOffset {
    let instant = DateTime::from_timestamp(at, 0)
        .unwrap_or_default()
        .naive_utc();
    tz.offset_from_utc_datetime(&instant)
}

fn same(a: &chrono_tz::TzOffset, b: &chrono_tz::TzOffset) -> bool {
    a.fix() == b.fix() && a.dst_offset() == b.dst_offset() && a.abbreviation() == b.abbreviation()
}

/// `+0545`, `-03`: the form the tz database uses for zones without an abbreviation.
fn numeric_name(offset: i32) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let minutes = offset.abs() / 60;
    match minutes % 60 {
        0 => format!("{sign}{:02}", minutes / 60),
        rest => format!("{sign}{:02}{rest:02}", minutes / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The zones whose changes come closest together (a week probe misses some of
    /// theirs): probing at `PROBE_STEP` finds what probing every hour finds.
    #[test]
    fn close_changes_are_all_found() {
        for tz in [
            chrono_tz::America::Boa_Vista,
            chrono_tz::America::Noronha,
            chrono_tz::America::Recife,
            chrono_tz::Asia::Gaza,
            chrono_tz::Asia::Hebron,
        ] {
            let (from, to) = (-2_208_988_800, 2_524_608_000);
            assert_eq!(
                transitions(tz, from, to),
                transitions_stepped(tz, from, to, 3_600),
                "{tz}"
            );
        }
    }

    #[test]
    fn berlin_2024_changes_at_one_utc() {
        let from = chrono::NaiveDate::from_ymd_opt(2024, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp();
        let found = transitions(chrono_tz::Europe::Berlin, from, from + 366 * 86_400);
        assert_eq!(found.len(), 2);
        // 2024-03-31T01:00:00Z and 2024-10-27T01:00:00Z.
        assert_eq!(found[0].at, 1_711_846_800);
        assert_eq!((found[0].from.offset, found[0].to.offset), (3600, 7200));
        assert_eq!(found[0].to.name, "CEST");
        assert!(found[0].to.dst);
        assert_eq!(found[1].at, 1_729_990_800);
        assert_eq!(numeric_name(20_700), "+0545");
        assert_eq!(numeric_name(-10_800), "-03");
    }
}
