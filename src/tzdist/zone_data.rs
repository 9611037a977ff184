//! A zone's history as observances: the distinct states it changes into, each change
//! (onset) listed once up to the probing horizon, and the yearly rules that the current
//! changes follow, which carry the data on beyond the horizon.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime};

use super::rules::YearlyRule;
use super::transitions::{state_at, transitions, ZoneState};

/// The earliest instant served: 1900-01-01T00:00:00Z.
pub(crate) const DATA_START: i64 = -2_208_988_800;
/// The latest instant a range may reach: 2200-01-01T00:00:00Z.
pub(crate) const DATA_END: i64 = 7_258_118_400;
/// Probing stops here (2050-01-01T00:00:00Z); later changes come from the yearly rules.
const HORIZON: i64 = 2_524_608_000;

/// A kind of change: the state before and after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Observance {
    pub from: i32,
    pub to: ZoneState,
}

/// One change that is listed as it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Onset {
    /// UTC epoch seconds.
    pub at: i64,
    /// Index into `ZoneData::observances`.
    pub observance: usize,
}

/// A change that repeats every year from `first_year` on, without end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RecurringOnset {
    pub observance: usize,
    pub rule: YearlyRule,
    pub first_year: i32,
}

/// Everything known about one zone, computed once.
#[derive(Debug, Clone)]
pub(crate) struct ZoneData {
    /// The state at `DATA_START`.
    pub initial: ZoneState,
    pub observances: Vec<Observance>,
    /// Changes listed one by one, in order (those that rules produce left out).
    pub onsets: Vec<Onset>,
    pub recurring: Vec<RecurringOnset>,
}

impl ZoneData {
    /// Probes `tz` from `DATA_START` to the horizon and finds its yearly rules.
    pub fn compute(tz: chrono_tz::Tz) -> ZoneData {
        let mut observances: Vec<Observance> = Vec::new();
        let mut onsets = Vec::new();
        for transition in transitions(tz, DATA_START, HORIZON) {
            let observance = Observance {
                from: transition.from.offset,
                to: transition.to,
            };
            let index = match observances.iter().position(|o| *o == observance) {
                Some(index) => index,
                None => {
                    observances.push(observance);
                    observances.len() - 1
                }
            };
            onsets.push(Onset {
                at: transition.at,
                observance: index,
            });
        }
        let mut data = ZoneData {
            initial: state_at(tz, DATA_START),
            observances,
            onsets,
            recurring: Vec::new(),
        };
        data.find_rules();
        data
    }

    /// For each observance whose changes run up to the horizon's last year, the longest
    /// tail of them (one per consecutive year) that a yearly rule reproduces.
    fn find_rules(&mut self) {
        let last_year = utc_year(HORIZON - 1);
        for index in 0..self.observances.len() {
            let from = self.observances[index].from;
            let own: Vec<(i64, NaiveDateTime)> = self
                .onsets
                .iter()
                .filter(|o| o.observance == index)
                .map(|o| (o.at, local(o.at, from)))
                .collect();
            let Some(&(_, last)) = own.last() else {
                continue;
            };
            if last.year() != last_year {
                continue;
            }
            // The consecutive-year tail.
            let mut start = own.len() - 1;
            while start > 0 && own[start - 1].1.year() + 1 == own[start].1.year() {
                start -= 1;
            }
            // The longest part of that tail (ending at the horizon) that one rule fits.
            let tail: Vec<NaiveDateTime> = own[start..].iter().map(|(_, l)| *l).collect();
            let fitted = (0..tail.len())
                .find_map(|skip| YearlyRule::fitting(&tail[skip..]).map(|rule| (skip, rule)));
            let Some((skip, rule)) = fitted else {
                continue;
            };
            let first_year = tail[skip].year();
            let reproduced = tail[skip..]
                .iter()
                .all(|onset| rule.local_onset(onset.year()) == Some(*onset));
            if !reproduced {
                continue;
            }
            let cut = own[start + skip].0;
            self.onsets.retain(|o| o.observance != index || o.at < cut);
            self.recurring.push(RecurringOnset {
                observance: index,
                rule,
                first_year,
            });
        }
    }

    /// Every change in `[from, to)`, in order, as (UTC instant, observance index).
    pub fn onsets_between(&self, from: i64, to: i64) -> Vec<Onset> {
        let mut all: Vec<Onset> = self
            .onsets
            .iter()
            .filter(|o| o.at >= from && o.at < to)
            .copied()
            .collect();
        for recurring in &self.recurring {
            all.extend(
                self.recurring_instants(recurring, from, to)
                    .into_iter()
                    .map(|at| Onset {
                        at,
                        observance: recurring.observance,
                    }),
            );
        }
        all.sort_by_key(|o| o.at);
        all
    }

    /// The UTC instants of a yearly change in `[from, to)`.
    pub fn recurring_instants(&self, recurring: &RecurringOnset, from: i64, to: i64) -> Vec<i64> {
        let offset = self.observances[recurring.observance].from;
        let first = recurring.first_year.max(utc_year(from) - 1);
        let last = utc_year(to.min(DATA_END)) + 1;
        (first..=last)
            .filter_map(|year| recurring.rule.local_onset(year))
            .map(|local| local.and_utc().timestamp() - i64::from(offset))
            .filter(|at| *at >= from && *at < to)
            .collect()
    }

    /// The state in effect at the UTC instant `at`.
    pub fn state_at(&self, at: i64) -> ZoneState {
        let before = self.onsets_between(DATA_START, at.saturating_add(1));
        match before.last() {
            Some(onset) => self.observances[onset.observance].to.clone(),
            None => self.initial.clone(),
        }
    }
}

/// The local time at `offset` of a UTC instant.
pub(crate) fn local(at: i64, offset: i32) -> NaiveDateTime {
    DateTime::from_timestamp(at, 0)
        .unwrap_or_default()
        .naive_utc()
        + Duration::seconds(i64::from(offset))
}

/// The year of a UTC instant.
pub(crate) fn utc_year(at: i64) -> i32 {
    DateTime::from_timestamp(at, 0)
        .unwrap_or_default()
        .date_naive()
        .year()
}

/// The UTC instant of a date's midnight.
pub(crate) fn midnight(date: NaiveDate) -> i64 {
    date.and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc()
        .timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn berlin_and_new_york_have_open_ended_rules() {
        for tz in [chrono_tz::Europe::Berlin, chrono_tz::America::New_York] {
            let data = ZoneData::compute(tz);
            assert_eq!(data.recurring.len(), 2, "{tz}");
            // The rules carry on after the horizon.
            let year_2100 = midnight(NaiveDate::from_ymd_opt(2100, 1, 1).unwrap());
            assert_eq!(
                data.onsets_between(year_2100, year_2100 + 366 * 86_400)
                    .len(),
                2
            );
        }
        let moscow = ZoneData::compute(chrono_tz::Europe::Moscow);
        assert!(moscow.recurring.is_empty());
        assert_eq!(moscow.state_at(HORIZON).offset, 3 * 3600);
    }
}

#[cfg(test)]
mod every_zone {
    use super::*;
    use chrono::{Offset, TimeZone};

    /// Every zone's changes (listed and from rules), 1990 to 2040, give chrono-tz's
    /// offset at each change and in between.
    #[test]
    fn every_zone_agrees_with_chrono_tz() {
        let (from, to) = (631_152_000, 2_240_611_200);
        let chrono_offset = |tz: chrono_tz::Tz, at: i64| {
            let instant = DateTime::from_timestamp(at, 0).unwrap().naive_utc();
            tz.offset_from_utc_datetime(&instant)
                .fix()
                .local_minus_utc()
        };
        let mut wrong = Vec::new();
        for tz in chrono_tz::TZ_VARIANTS {
            let data = ZoneData::compute(tz);
            let onsets = data.onsets_between(from, to);
            let mut offset = data.state_at(from).offset;
            let mut at = from;
            for onset in onsets.iter().chain(std::iter::once(&Onset {
                at: to,
                observance: 0,
            })) {
                // Midway between changes, and at each change.
                let middle = at + (onset.at - at) / 2;
                if chrono_offset(tz, middle) != offset {
                    wrong.push((tz.name(), middle));
                    break;
                }
                if onset.at == to {
                    break;
                }
                offset = data.observances[onset.observance].to.offset;
                if chrono_offset(tz, onset.at) != offset
                    || chrono_offset(tz, onset.at - 1) != data.observances[onset.observance].from
                {
                    wrong.push((tz.name(), onset.at));
                    break;
                }
                at = onset.at;
            }
        }
        assert!(wrong.is_empty(), "{wrong:?}");
    }
}
