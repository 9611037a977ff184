//! The synchronised time window of `com.openexchange.caldav.interval.start/end`: objects
//! entirely outside it are not listed, queried or synced, and clients see it as
//! CALDAV:min-date-time / max-date-time.

use time::{Date, Month, OffsetDateTime};

use crate::config::values::{IntervalEnd, IntervalStart};
use crate::config::{props, ConfigView};

/// Bounds in UTC epoch seconds; None = open on that side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncWindow {
    pub start: Option<i64>,
    pub end: Option<i64>,
}

impl SyncWindow {
    /// The window as OX computes it, relative to `today` (UTC).
    pub fn new(start: IntervalStart, end: IntervalEnd, today: Date) -> SyncWindow {
        let midnight = |date: Date| date.midnight().assume_utc().unix_timestamp();
        let first_of_month_back = |months: i32| {
            let index = today.year() * 12 + (today.month() as i32 - 1) - months;
            let (year, month0) = (index.div_euclid(12), index.rem_euclid(12));
            let month = Month::try_from(month0 as u8 + 1).expect("month in 1..=12");
            Date::from_calendar_date(year, month, 1).expect("first of a month")
        };
        let jan_first = |year: i32| {
            Date::from_calendar_date(year, Month::January, 1).expect("first of January")
        };
        let start = match start {
            IntervalStart::OneMonth => Some(midnight(first_of_month_back(1))),
            IntervalStart::SixMonths => Some(midnight(first_of_month_back(6))),
            IntervalStart::OneYear => Some(midnight(jan_first(today.year() - 1))),
            IntervalStart::Days(days) => Some(midnight(today) - i64::from(days) * 86_400),
            IntervalStart::Unlimited => None,
        };
        let end = match end {
            IntervalEnd::OneYear => Some(midnight(jan_first(today.year() + 2))),
            IntervalEnd::TwoYears => Some(midnight(jan_first(today.year() + 3))),
            IntervalEnd::Days(days) => Some(midnight(today) + i64::from(days) * 86_400),
            IntervalEnd::Unlimited => None,
        };
        SyncWindow { start, end }
    }

    /// Today's window of a user (`com.openexchange.caldav.interval.start/end`).
    pub fn of(config: &ConfigView) -> SyncWindow {
        SyncWindow::new(
            config.get::<props::IntervalStart>(),
            config.get::<props::IntervalEnd>(),
            OffsetDateTime::now_utc().date(),
        )
    }

    /// As a store filter: open sides become the widest bounds.
    pub fn bounds(&self) -> Option<(i64, i64)> {
        match (self.start, self.end) {
            (None, None) => None,
            (start, end) => Some((start.unwrap_or(i64::MIN), end.unwrap_or(i64::MAX))),
        }
    }

    /// Whether an object spanning [first_start, last_end) touches the window
    /// (None = open on that side, as the index stores it).
    pub fn touches(&self, first_start: Option<i64>, last_end: Option<i64>) -> bool {
        let after_start = match (self.start, last_end) {
            (Some(start), Some(end)) => end > start,
            _ => true,
        };
        let before_end = match (self.end, first_start) {
            (Some(end), Some(start)) => start < end,
            _ => true,
        };
        after_start && before_end
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::ical::ical_utc;
    use time::macros::date;

    #[test]
    fn ox_defaults_reach_from_the_previous_month_to_the_end_of_next_year() {
        let window = SyncWindow::new(
            IntervalStart::OneMonth,
            IntervalEnd::OneYear,
            date!(2026 - 11 - 21),
        );
        assert_eq!(ical_utc(window.start.unwrap()), "20261001T000000Z");
        assert_eq!(ical_utc(window.end.unwrap()), "20280101T000000Z");
    }

    #[test]
    fn month_arithmetic_crosses_the_year() {
        let window = SyncWindow::new(
            IntervalStart::SixMonths,
            IntervalEnd::TwoYears,
            date!(2026 - 03 - 05),
        );
        assert_eq!(ical_utc(window.start.unwrap()), "20250901T000000Z");
        assert_eq!(ical_utc(window.end.unwrap()), "20290101T000000Z");
        let january = SyncWindow::new(
            IntervalStart::OneMonth,
            IntervalEnd::Unlimited,
            date!(2026 - 01 - 15),
        );
        assert_eq!(ical_utc(january.start.unwrap()), "20251201T000000Z");
        assert_eq!(january.end, None);
    }

    #[test]
    fn days_and_unlimited() {
        let window = SyncWindow::new(
            IntervalStart::Days(10),
            IntervalEnd::Days(1),
            date!(2026 - 11 - 21),
        );
        assert_eq!(ical_utc(window.start.unwrap()), "20261111T000000Z");
        assert_eq!(ical_utc(window.end.unwrap()), "20261122T000000Z");
        let open = SyncWindow::new(
            IntervalStart::Unlimited,
            IntervalEnd::Unlimited,
            date!(2026 - 11 - 21),
        );
        assert_eq!(open.bounds(), None);
        assert!(open.touches(Some(0), Some(1)));
    }

    #[test]
    fn touching_uses_half_open_spans() {
        let window = SyncWindow {
            start: Some(100),
            end: Some(200),
        };
        assert!(
            !window.touches(Some(50), Some(100)),
            "ends exactly at the start"
        );
        assert!(window.touches(Some(50), Some(101)));
        assert!(
            !window.touches(Some(200), Some(300)),
            "starts exactly at the end"
        );
        assert!(window.touches(None, None), "a task without dates");
        assert!(window.touches(Some(10), None), "an endless series");
    }
}
