//! Yearly rules: the day of a change as iCalendar can repeat it (the nth or last weekday
//! of a month, or the first weekday on or after a day of the month) at one local time.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Weekday};

/// Which day of the month a yearly change falls on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DayRule {
    /// The nth (1..=4) or, for -1, the last `weekday` of the month.
    Nth(i8),
    /// The first `weekday` on or after this day of the month.
    OnOrAfter(u32),
}

/// A change that happens every year on the same kind of day at the same local time
/// (local in the offset before the change).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct YearlyRule {
    pub month: u32,
    pub weekday: Weekday,
    pub day: DayRule,
    /// Seconds after local midnight.
    pub time: u32,
}

impl YearlyRule {
    /// The rule that local onset times (one per consecutive year) follow, if any.
    /// Needs at least `MIN_YEARS` of them so that the day is pinned down.
    pub fn fitting(onsets: &[NaiveDateTime]) -> Option<YearlyRule> {
        const MIN_YEARS: usize = 7;
        let first = onsets.first()?;
        if onsets.len() < MIN_YEARS {
            return None;
        }
        let rule_time = first.time().num_seconds_from_midnight_u32();
        let (month, weekday) = (first.month(), first.weekday());
        let same_kind = onsets.iter().all(|onset| {
            onset.month() == month
                && onset.weekday() == weekday
                && onset.time().num_seconds_from_midnight_u32() == rule_time
        });
        if !same_kind {
            return None;
        }
        let make = |day| YearlyRule {
            month,
            weekday,
            day,
            time: rule_time,
        };
        let nth = |date: NaiveDate| ((date.day() - 1) / 7 + 1) as i8;
        let first_nth = nth(first.date());
        if first_nth <= 4 && onsets.iter().all(|o| nth(o.date()) == first_nth) {
            return Some(make(DayRule::Nth(first_nth)));
        }
        if onsets.iter().all(|o| is_last_of_month(o.date())) {
            return Some(make(DayRule::Nth(-1)));
        }
        let low = onsets.iter().map(|o| o.day()).min()?;
        let high = onsets.iter().map(|o| o.day()).max()?;
        (high - low == 6).then(|| make(DayRule::OnOrAfter(low)))
    }

    /// The local onset in `year`.
    pub fn local_onset(&self, year: i32) -> Option<NaiveDateTime> {
        let date = match self.day {
            DayRule::Nth(-1) => {
                let next_month = if self.month == 12 {
                    NaiveDate::from_ymd_opt(year + 1, 1, 1)?
                } else {
                    NaiveDate::from_ymd_opt(year, self.month + 1, 1)?
                };
                let last = next_month.pred_opt()?;
                let back = (7 + last.weekday().num_days_from_monday()
                    - self.weekday.num_days_from_monday())
                    % 7;
                last - Duration::days(i64::from(back))
            }
            DayRule::Nth(n) => {
                NaiveDate::from_weekday_of_month_opt(year, self.month, self.weekday, n as u8)?
            }
            DayRule::OnOrAfter(day) => {
                let from = NaiveDate::from_ymd_opt(year, self.month, day)?;
                let ahead = (7 + self.weekday.num_days_from_monday()
                    - from.weekday().num_days_from_monday())
                    % 7;
                from + Duration::days(i64::from(ahead))
            }
        };
        Some(date.and_hms_opt(0, 0, 0)? + Duration::seconds(i64::from(self.time)))
    }

    /// The BYMONTH/BYDAY/BYMONTHDAY part of the RRULE, without FREQ and UNTIL.
    pub fn by_parts(&self) -> Vec<(&'static str, String)> {
        let weekday = weekday_code(self.weekday);
        let mut parts = vec![("BYMONTH", self.month.to_string())];
        match self.day {
            DayRule::Nth(n) => parts.push(("BYDAY", format!("{n}{weekday}"))),
            DayRule::OnOrAfter(day) => {
                parts.push(("BYDAY", weekday.to_owned()));
                let days: Vec<String> = (day..day + 7).map(|d| d.to_string()).collect();
                parts.push(("BYMONTHDAY", days.join(",")));
            }
        }
        parts
    }
}

fn is_last_of_month(date: NaiveDate) -> bool {
    (date + Duration::days(7)).month() != date.month()
}

fn weekday_code(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

trait SecondsOfDay {
    fn num_seconds_from_midnight_u32(&self) -> u32;
}

impl SecondsOfDay for chrono::NaiveTime {
    fn num_seconds_from_midnight_u32(&self) -> u32 {
        chrono::Timelike::num_seconds_from_midnight(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    #[test]
    fn last_sunday_second_sunday_and_on_or_after() {
        // Last Sunday of March at 02:00 (EU), 2015..2024.
        let eu: Vec<_> = (2015..2025)
            .map(|y| {
                YearlyRule {
                    month: 3,
                    weekday: Weekday::Sun,
                    day: DayRule::Nth(-1),
                    time: 7200,
                }
                .local_onset(y)
                .unwrap()
            })
            .collect();
        assert_eq!(eu[9], at(2024, 3, 31, 2));
        let rule = YearlyRule::fitting(&eu).unwrap();
        assert_eq!(rule.day, DayRule::Nth(-1));
        // Second Sunday of March (US).
        let us: Vec<_> = (2015..2025)
            .map(|y| {
                NaiveDate::from_weekday_of_month_opt(y, 3, Weekday::Sun, 2)
                    .unwrap()
                    .and_hms_opt(2, 0, 0)
                    .unwrap()
            })
            .collect();
        assert_eq!(YearlyRule::fitting(&us).unwrap().day, DayRule::Nth(2));
        // Friday on or after the 23rd of March.
        let fridays: Vec<_> = (2013..2025)
            .map(|y| {
                let rule = YearlyRule {
                    month: 3,
                    weekday: Weekday::Fri,
                    day: DayRule::OnOrAfter(23),
                    time: 7200,
                };
                rule.local_onset(y).unwrap()
            })
            .collect();
        let fitted = YearlyRule::fitting(&fridays).unwrap();
        assert_eq!(fitted.day, DayRule::OnOrAfter(23));
        assert_eq!(fitted.by_parts()[2].1, "23,24,25,26,27,28,29");
        // Too few years: no rule.
        assert_eq!(YearlyRule::fitting(&us[..3]), None);
    }
}
