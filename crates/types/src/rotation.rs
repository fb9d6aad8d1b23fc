//! Media rotation schemes for offline backup media (tapes, USB disks): which media set a
//! backup writes to on a date, and when that set is needed again (so it is back on site in
//! time). The server (reminders, job annotations) and the SPA (the rotation calendar) share
//! this one definition; it is pure date arithmetic — no clock, no I/O — so it compiles for
//! `wasm32-unknown-unknown` and is tested against hand-computed sequences.

use std::fmt;

use chrono::{Datelike, Days, NaiveDate, Weekday as ChronoWeekday};
use serde::{Deserialize, Serialize};

use crate::alerts::Weekday;
use crate::error::FieldViolation;
use crate::wire_enum::wire_enum;

/// Most days [`RotationScheme::calendar`] returns in one call (longer requests are cut).
pub const MAX_CALENDAR_DAYS: u32 = 400;

/// How far ahead (in days) a GFS `next_use` is searched. Five years: enough for 52 monthly
/// sets (52 months ≤ 1,590 days), so every valid scheme finds its next use.
pub const GFS_NEXT_USE_HORIZON_DAYS: u32 = 1830;

/// Most sets of one tier (GFS) or of a round-robin pool.
pub const MAX_SETS: u32 = 52;

/// Most Tower-of-Hanoi sets (they are lettered `A`..`Z`).
pub const MAX_HANOI_SETS: u32 = 26;

/// Longest round-robin period, in days.
pub const MAX_PERIOD_DAYS: u32 = 366;

/// A rotation scheme with its parameters. Day numbers count from the scheme's start date
/// (day 0); dates before the start get no assignment.
///
/// JSON: internally tagged by `kind`, e.g.
/// `{"kind":"gfs","daily":4,"weekly":4,"monthly":3,"weekly_day":"fri","skip_weekends":true}`,
/// `{"kind":"tower_of_hanoi","sets":4}`, `{"kind":"round_robin","sets":3,"period_days":7}`.
/// Unknown fields are rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RotationScheme {
    /// Grandfather-father-son. Every date is classified:
    ///
    /// * *skipped* — with `skip_weekends`, a Saturday or Sunday that is not `weekly_day`
    ///   (no assignment);
    /// * *monthly day* — the last `weekly_day` of its calendar month: monthly sets `M1..Mn`;
    /// * *weekly day* — any other `weekly_day`: weekly sets `W1..Wn`;
    /// * *daily day* — any other date: daily sets `D1..Dn`.
    ///
    /// A tier with no sets hands its days down: monthly days go to the weekly tier (or the
    /// daily tier when `weekly` is 0 too), weekly days to the daily tier; a day with no tier
    /// left (e.g. an ordinary day with `daily` = 0) is skipped.
    ///
    /// Each tier counts only its own days: the set of a day is `k mod n + 1`, where `k` is
    /// the number of days of the same tier from the start (inclusive) to that day
    /// (exclusive) and `n` the tier's set count. So `D1, D2, …` cycle over daily days only,
    /// weekly sets over weekly days that are not monthly, and monthly sets over monthly days.
    /// The counts are computed arithmetically (no per-day loop from the start).
    Gfs {
        /// Daily sets (0..=52).
        daily: u32,
        /// Weekly sets (0..=52).
        weekly: u32,
        /// Monthly sets (0..=52).
        monthly: u32,
        /// Day of the weekly (and monthly) backup, `"mon"`..`"sun"`.
        weekly_day: Weekday,
        /// No backups on Saturdays and Sundays (except on `weekly_day`).
        skip_weekends: bool,
    },
    /// Tower of Hanoi: on day `n` the set whose index is the number of trailing zero bits of
    /// `n + 1`, capped at `sets - 1`; sets are lettered `A`, `B`, … With 4 sets, 16 days run
    /// `A B A C A B A D A B A C A B A D`.
    TowerOfHanoi {
        /// Number of sets (1..=26).
        sets: u32,
    },
    /// A simple pool: the sets `P1..Pn` take turns of `period_days` days each (1 = a set a
    /// day, 7 = a set a week). Every date of a turn is assigned the turn's set — the set in
    /// use that period — and its `next_use` is the first day of the set's next turn.
    RoundRobin {
        /// Number of sets (1..=52).
        sets: u32,
        /// Length of a turn in days (1..=366).
        period_days: u32,
    },
}

wire_enum! {
    /// The tier of an assigned set.
    Tier {
        /// A GFS daily set (`D1`..).
        Daily => "daily",
        /// A GFS weekly set (`W1`..).
        Weekly => "weekly",
        /// A GFS monthly set (`M1`..).
        Monthly => "monthly",
        /// A Tower-of-Hanoi set (`A`..`Z`).
        Hanoi => "hanoi",
        /// A round-robin pool set (`P1`..).
        Pool => "pool",
    }
}

/// The set a scheme assigns to one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assignment {
    /// The date.
    pub date: NaiveDate,
    /// Set label: `D2`, `W1`, `M3`, `A`..`Z`, `P1`..
    pub set: String,
    /// Tier of the set.
    pub tier: Tier,
    /// Next date the same set is scheduled again, i.e. when it must be back on site (for a
    /// round-robin pool: the first day of its next turn). GFS searches at most
    /// [`GFS_NEXT_USE_HORIZON_DAYS`] ahead; `None` when not found or beyond the calendar's
    /// range.
    pub next_use: Option<NaiveDate>,
}

/// A scheme parameter out of its allowed range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RotationError {
    /// The offending field, e.g. `sets` or `period_days`.
    pub field: &'static str,
    /// The rule that failed: `range` (value outside its bounds) or `min_total` (GFS without
    /// any set).
    pub rule: &'static str,
    /// Human-readable explanation in English.
    pub message: &'static str,
}

impl fmt::Display for RotationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for RotationError {}

impl From<RotationError> for FieldViolation {
    fn from(error: RotationError) -> Self {
        FieldViolation {
            field: error.field.to_owned(),
            rule: error.rule.to_owned(),
            message: Some(error.message.to_owned()),
        }
    }
}

impl RotationScheme {
    /// Checks the parameters: Tower of Hanoi 1..=26 sets; round robin 1..=52 sets and
    /// 1..=366 `period_days`; GFS at most 52 sets per tier and at least one in total.
    pub fn validate(&self) -> Result<(), RotationError> {
        let range = |field, message| Err(RotationError { field, rule: "range", message });
        match *self {
            RotationScheme::Gfs { daily, weekly, monthly, .. } => {
                if daily > MAX_SETS {
                    return range("daily", "must be between 0 and 52");
                }
                if weekly > MAX_SETS {
                    return range("weekly", "must be between 0 and 52");
                }
                if monthly > MAX_SETS {
                    return range("monthly", "must be between 0 and 52");
                }
                if daily + weekly + monthly == 0 {
                    return Err(RotationError {
                        field: "daily",
                        rule: "min_total",
                        message: "daily, weekly and monthly sets must total at least 1",
                    });
                }
            }
            RotationScheme::TowerOfHanoi { sets } => {
                if !(1..=MAX_HANOI_SETS).contains(&sets) {
                    return range("sets", "must be between 1 and 26");
                }
            }
            RotationScheme::RoundRobin { sets, period_days } => {
                if !(1..=MAX_SETS).contains(&sets) {
                    return range("sets", "must be between 1 and 52");
                }
                if !(1..=MAX_PERIOD_DAYS).contains(&period_days) {
                    return range("period_days", "must be between 1 and 366");
                }
            }
        }
        Ok(())
    }

    /// Every set label the scheme uses, in order (GFS: `D1..Dn`, then `W1..Wn`, then
    /// `M1..Mn`), so that media can be assigned to each. Empty for an invalid scheme.
    pub fn set_labels(&self) -> Vec<String> {
        if self.validate().is_err() {
            return Vec::new();
        }
        match *self {
            RotationScheme::Gfs { daily, weekly, monthly, .. } => [('D', daily), ('W', weekly), ('M', monthly)]
                .into_iter()
                .flat_map(|(prefix, count)| (1..=count).map(move |number| format!("{prefix}{number}")))
                .collect(),
            RotationScheme::TowerOfHanoi { sets } => (0..sets).map(hanoi_label).collect(),
            RotationScheme::RoundRobin { sets, .. } => (1..=sets).map(|number| format!("P{number}")).collect(),
        }
    }

    /// The set used on `date` for a scheme started on `start`; `None` before the start, on
    /// a skipped day, or for an invalid scheme. The set is computed arithmetically however far
    /// `date` is from `start` (no per-day loop); only GFS `next_use` scans forward, at most
    /// [`GFS_NEXT_USE_HORIZON_DAYS`] days, in weekly steps for weekly and monthly sets.
    pub fn assignment(&self, start: NaiveDate, date: NaiveDate) -> Option<Assignment> {
        self.validate().ok()?;
        let day = u64::try_from(date.signed_duration_since(start).num_days()).ok()?;
        match *self {
            RotationScheme::Gfs { daily, weekly, monthly, weekly_day, skip_weekends } => {
                let rule = GfsRule { daily, weekly, monthly, weekly_day: to_chrono(weekly_day), skip_weekends };
                rule.assignment(start, date)
            }
            RotationScheme::TowerOfHanoi { sets } => {
                let last = sets - 1;
                let index = (day + 1).trailing_zeros().min(last);
                // `day + 1` is an odd multiple of 2^index; the same uncapped index recurs
                // 2^(index + 1) days later, the capped one at the next multiple of 2^last.
                let step = if index < last { 1u64 << (index + 1) } else { 1u64 << last };
                Some(Assignment {
                    date,
                    set: hanoi_label(index),
                    tier: Tier::Hanoi,
                    next_use: date.checked_add_days(Days::new(step)),
                })
            }
            RotationScheme::RoundRobin { sets, period_days } => {
                let (sets, period) = (u64::from(sets), u64::from(period_days));
                let turn = day / period;
                let next_turn_day = (turn + sets) * period;
                Some(Assignment {
                    date,
                    set: format!("P{}", turn % sets + 1),
                    tier: Tier::Pool,
                    next_use: start.checked_add_days(Days::new(next_turn_day)),
                })
            }
        }
    }

    /// Assignments for the dates `from`, `from + 1`, … (`days` dates, at most
    /// [`MAX_CALENDAR_DAYS`]), in date order; dates without an assignment (before `start`,
    /// skipped) are left out.
    pub fn calendar(&self, start: NaiveDate, from: NaiveDate, days: u32) -> Vec<Assignment> {
        if self.validate().is_err() {
            return Vec::new();
        }
        (0..days.min(MAX_CALENDAR_DAYS))
            .map_while(|offset| from.checked_add_days(Days::new(u64::from(offset))))
            .filter_map(|date| self.assignment(start, date))
            .collect()
    }
}

/// `A` for 0, `B` for 1, … (callers keep `index` below 26).
fn hanoi_label(index: u32) -> String {
    char::from_u32(u32::from('A') + index).map(String::from).unwrap_or_default()
}

fn to_chrono(day: Weekday) -> ChronoWeekday {
    match day {
        Weekday::Mon => ChronoWeekday::Mon,
        Weekday::Tue => ChronoWeekday::Tue,
        Weekday::Wed => ChronoWeekday::Wed,
        Weekday::Thu => ChronoWeekday::Thu,
        Weekday::Fri => ChronoWeekday::Fri,
        Weekday::Sat => ChronoWeekday::Sat,
        Weekday::Sun => ChronoWeekday::Sun,
    }
}

fn is_weekend(day: ChronoWeekday) -> bool {
    matches!(day, ChronoWeekday::Sat | ChronoWeekday::Sun)
}

/// Months since year 0 (January of year 0 is 0).
fn month_index(date: NaiveDate) -> i64 {
    i64::from(date.year()) * 12 + i64::from(date.month0())
}

/// The last `day` of the month with index `month` (see [`month_index`]).
fn last_weekday_of_month(month: i64, day: ChronoWeekday) -> Option<NaiveDate> {
    let next = month + 1;
    let year = i32::try_from(next.div_euclid(12)).ok()?;
    let month0 = u32::try_from(next.rem_euclid(12)).ok()?;
    let last_of_month = NaiveDate::from_ymd_opt(year, month0 + 1, 1)?.pred_opt()?;
    let back = (7 + last_of_month.weekday().num_days_from_monday() - day.num_days_from_monday()) % 7;
    last_of_month.checked_sub_days(Days::new(u64::from(back)))
}

/// Dates with weekday `day` among the `len` dates starting at `from`.
fn count_weekday(from: NaiveDate, len: u64, day: ChronoWeekday) -> u64 {
    let ahead = u64::from((7 + day.num_days_from_monday() - from.weekday().num_days_from_monday()) % 7);
    len / 7 + u64::from(ahead < len % 7)
}

/// The raw class of a GFS backup day, before tiers without sets hand their days down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DayKind {
    Ordinary,
    Weekly,
    Monthly,
}

/// The parameters of [`RotationScheme::Gfs`], with a chrono weekday.
#[derive(Debug, Clone, Copy)]
struct GfsRule {
    daily: u32,
    weekly: u32,
    monthly: u32,
    weekly_day: ChronoWeekday,
    skip_weekends: bool,
}

impl GfsRule {
    /// The raw class of `date`; `None` on a skipped weekend day.
    fn kind(&self, date: NaiveDate) -> Option<DayKind> {
        let weekday = date.weekday();
        if weekday == self.weekly_day {
            let last = last_weekday_of_month(month_index(date), self.weekly_day)?;
            Some(if last == date { DayKind::Monthly } else { DayKind::Weekly })
        } else if self.skip_weekends && is_weekend(weekday) {
            None
        } else {
            Some(DayKind::Ordinary)
        }
    }

    /// The tier that takes days of `kind`: the kind's own tier, or the next lower one with
    /// sets.
    fn tier_of(&self, kind: DayKind) -> Option<Tier> {
        let ladder = [(Tier::Monthly, self.monthly), (Tier::Weekly, self.weekly), (Tier::Daily, self.daily)];
        let first = match kind {
            DayKind::Monthly => 0,
            DayKind::Weekly => 1,
            DayKind::Ordinary => 2,
        };
        ladder[first..].iter().find(|(_, sets)| *sets > 0).map(|(tier, _)| *tier)
    }

    fn tier_on(&self, date: NaiveDate) -> Option<Tier> {
        self.kind(date).and_then(|kind| self.tier_of(kind))
    }

    fn sets(&self, tier: Tier) -> u32 {
        match tier {
            Tier::Monthly => self.monthly,
            Tier::Weekly => self.weekly,
            _ => self.daily,
        }
    }

    /// Monthly days in `[from, until]` (both inclusive, `from <= until`): one per month
    /// strictly between the two, plus the first and last month if theirs falls inside.
    fn count_monthly(&self, from: NaiveDate, until: NaiveDate) -> Option<u64> {
        let (first, last) = (month_index(from), month_index(until));
        let first_day = last_weekday_of_month(first, self.weekly_day)?;
        if first == last {
            return Some(u64::from(first_day >= from && first_day <= until));
        }
        let last_day = last_weekday_of_month(last, self.weekly_day)?;
        let between = u64::try_from(last - first - 1).ok()?;
        Some(u64::from(first_day >= from) + between + u64::from(last_day <= until))
    }

    /// Days of each kind (ordinary, weekly, monthly) in `[from, until)`.
    fn kind_counts(&self, from: NaiveDate, until: NaiveDate) -> Option<[(DayKind, u64); 3]> {
        let len = u64::try_from(until.signed_duration_since(from).num_days()).ok()?;
        if len == 0 {
            return Some([(DayKind::Ordinary, 0), (DayKind::Weekly, 0), (DayKind::Monthly, 0)]);
        }
        let weekly_all = count_weekday(from, len, self.weekly_day);
        let monthly = self.count_monthly(from, until.pred_opt()?)?;
        let backup_days = if self.skip_weekends {
            let weekend = count_weekday(from, len, ChronoWeekday::Sat) + count_weekday(from, len, ChronoWeekday::Sun);
            let weekly_on_weekend = if is_weekend(self.weekly_day) { weekly_all } else { 0 };
            len - weekend + weekly_on_weekend
        } else {
            len
        };
        Some([
            (DayKind::Ordinary, backup_days - weekly_all),
            (DayKind::Weekly, weekly_all - monthly),
            (DayKind::Monthly, monthly),
        ])
    }

    fn assignment(&self, start: NaiveDate, date: NaiveDate) -> Option<Assignment> {
        let tier = self.tier_on(date)?;
        let sets = self.sets(tier);
        let before: u64 = self
            .kind_counts(start, date)?
            .iter()
            .filter(|(kind, _)| self.tier_of(*kind) == Some(tier))
            .map(|(_, count)| count)
            .sum();
        let prefix = match tier {
            Tier::Monthly => 'M',
            Tier::Weekly => 'W',
            _ => 'D',
        };
        Some(Assignment {
            date,
            set: format!("{prefix}{}", before % u64::from(sets) + 1),
            tier,
            next_use: self.next_use(tier, date),
        })
    }

    /// The date of the `sets`-th day of `tier` after `date` (the same set again). Weekly and
    /// monthly days all fall on `weekly_day`, so those are searched in weekly steps.
    fn next_use(&self, tier: Tier, date: NaiveDate) -> Option<NaiveDate> {
        let sets = self.sets(tier);
        let step = if tier == Tier::Daily { 1 } else { 7 };
        let mut seen = 0;
        let mut offset = step;
        while offset <= GFS_NEXT_USE_HORIZON_DAYS {
            let candidate = date.checked_add_days(Days::new(u64::from(offset)))?;
            if self.tier_on(candidate) == Some(tier) {
                seen += 1;
                if seen == sets {
                    return Some(candidate);
                }
            }
            offset += step;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        text.parse().expect("date")
    }

    /// The set labels of a calendar, one per returned date.
    fn labels(assignments: &[Assignment]) -> Vec<&str> {
        assignments.iter().map(|a| a.set.as_str()).collect()
    }

    /// `(date, set)` pairs of a calendar.
    fn pairs(assignments: &[Assignment]) -> Vec<(String, String)> {
        assignments.iter().map(|a| (a.date.to_string(), a.set.clone())).collect()
    }

    fn expected(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(date, set)| (date.to_string(), set.to_string())).collect()
    }

    fn gfs(daily: u32, weekly: u32, monthly: u32, weekly_day: Weekday, skip_weekends: bool) -> RotationScheme {
        RotationScheme::Gfs { daily, weekly, monthly, weekly_day, skip_weekends }
    }

    #[test]
    fn rotation_hanoi_four_sets_sixteen_days() {
        let scheme = RotationScheme::TowerOfHanoi { sets: 4 };
        let start = d("2026-03-02");
        let calendar = scheme.calendar(start, start, 16);
        assert_eq!(labels(&calendar), ["A", "B", "A", "C", "A", "B", "A", "D", "A", "B", "A", "C", "A", "B", "A", "D"]);
        assert!(calendar.iter().all(|a| a.tier == Tier::Hanoi));
        // Day 0 (A) comes back on day 2; day 1 (B) on day 5; day 3 (C) on day 11.
        assert_eq!(calendar[0].next_use, Some(d("2026-03-04")));
        assert_eq!(calendar[1].next_use, Some(d("2026-03-07")));
        assert_eq!(calendar[3].next_use, Some(d("2026-03-13")));
        // The first D (day 7) is next used on day 15, 8 days later; the second on day 23.
        assert_eq!(calendar[7].date, d("2026-03-09"));
        assert_eq!(calendar[7].next_use, Some(d("2026-03-17")));
        assert_eq!(calendar[15].next_use, Some(d("2026-03-25")));
    }

    #[test]
    fn rotation_hanoi_three_sets_eight_days() {
        let scheme = RotationScheme::TowerOfHanoi { sets: 3 };
        let start = d("2026-01-01");
        let calendar = scheme.calendar(start, start, 8);
        assert_eq!(labels(&calendar), ["A", "B", "A", "C", "A", "B", "A", "C"]);
        // The capped set C (day 3) is back every 4 days: day 7.
        assert_eq!(calendar[3].next_use, Some(d("2026-01-08")));
    }

    #[test]
    fn rotation_hanoi_single_set_and_far_dates() {
        let start = d("2026-01-01");
        let one = RotationScheme::TowerOfHanoi { sets: 1 };
        assert_eq!(labels(&one.calendar(start, start, 3)), ["A", "A", "A"]);
        assert_eq!(one.assignment(start, start).and_then(|a| a.next_use), Some(d("2026-01-02")));

        let four = RotationScheme::TowerOfHanoi { sets: 4 };
        // Day 1000: 1001 is odd → A. Day 999: 1000 = 8 · 125 → D. Day 1001: 1002 = 2 · 501 → B.
        let on = |day: u64| four.assignment(start, start + Days::new(day)).map(|a| a.set);
        assert_eq!(on(1000).as_deref(), Some("A"));
        assert_eq!(on(999).as_deref(), Some("D"));
        assert_eq!(on(1001).as_deref(), Some("B"));
        // Day 3651 (ten years): 3652 = 4 · 913 → C.
        assert_eq!(on(3651).as_deref(), Some("C"));
    }

    #[test]
    fn rotation_round_robin_daily() {
        let scheme = RotationScheme::RoundRobin { sets: 3, period_days: 1 };
        let start = d("2026-01-01");
        let calendar = scheme.calendar(start, start, 7);
        assert_eq!(labels(&calendar), ["P1", "P2", "P3", "P1", "P2", "P3", "P1"]);
        assert!(calendar.iter().all(|a| a.tier == Tier::Pool));
        assert_eq!(calendar[0].next_use, Some(d("2026-01-04")));
        assert_eq!(calendar[4].next_use, Some(d("2026-01-08")));
        // Ten years on: day 3650 = 3 · 1216 + 2 → P3.
        let far = scheme.assignment(start, start + Days::new(3650));
        assert_eq!(far.map(|a| a.set).as_deref(), Some("P3"));
    }

    #[test]
    fn rotation_round_robin_weekly_pool() {
        let scheme = RotationScheme::RoundRobin { sets: 3, period_days: 7 };
        let start = d("2026-01-05"); // a Monday
        let calendar = scheme.calendar(start, start, 22);
        let week = |set: &'static str| [set; 7];
        let mut want: Vec<&str> = Vec::new();
        want.extend(week("P1"));
        want.extend(week("P2"));
        want.extend(week("P3"));
        want.push("P1");
        assert_eq!(labels(&calendar), want);
        // Every day of the first week: P1 is next needed on 2026-01-26 (day 21).
        assert!(calendar[..7].iter().all(|a| a.next_use == Some(d("2026-01-26"))));
        assert_eq!(calendar[8].next_use, Some(d("2026-02-02")));
        assert_eq!(calendar[21].date, d("2026-01-26"));
        assert_eq!(calendar[21].next_use, Some(d("2026-02-16")));
    }

    #[test]
    fn rotation_gfs_january_february_2026() {
        let scheme = gfs(4, 4, 3, Weekday::Fri, true);
        let start = d("2026-01-01"); // a Thursday
        let calendar = scheme.calendar(start, start, 59); // through 2026-02-28
        let want = expected(&[
            ("2026-01-01", "D1"),
            ("2026-01-02", "W1"),
            ("2026-01-05", "D2"),
            ("2026-01-06", "D3"),
            ("2026-01-07", "D4"),
            ("2026-01-08", "D1"),
            ("2026-01-09", "W2"),
            ("2026-01-12", "D2"),
            ("2026-01-13", "D3"),
            ("2026-01-14", "D4"),
            ("2026-01-15", "D1"),
            ("2026-01-16", "W3"),
            ("2026-01-19", "D2"),
            ("2026-01-20", "D3"),
            ("2026-01-21", "D4"),
            ("2026-01-22", "D1"),
            ("2026-01-23", "W4"),
            ("2026-01-26", "D2"),
            ("2026-01-27", "D3"),
            ("2026-01-28", "D4"),
            ("2026-01-29", "D1"),
            ("2026-01-30", "M1"),
            ("2026-02-02", "D2"),
            ("2026-02-03", "D3"),
            ("2026-02-04", "D4"),
            ("2026-02-05", "D1"),
            ("2026-02-06", "W1"),
            ("2026-02-09", "D2"),
            ("2026-02-10", "D3"),
            ("2026-02-11", "D4"),
            ("2026-02-12", "D1"),
            ("2026-02-13", "W2"),
            ("2026-02-16", "D2"),
            ("2026-02-17", "D3"),
            ("2026-02-18", "D4"),
            ("2026-02-19", "D1"),
            ("2026-02-20", "W3"),
            ("2026-02-23", "D2"),
            ("2026-02-24", "D3"),
            ("2026-02-25", "D4"),
            ("2026-02-26", "D1"),
            ("2026-02-27", "M2"),
        ]);
        assert_eq!(pairs(&calendar), want);

        let on = |date: &str| calendar.iter().find(|a| a.date == d(date)).cloned().expect("assigned");
        assert_eq!(on("2026-01-01").tier, Tier::Daily);
        assert_eq!(on("2026-01-02").tier, Tier::Weekly);
        assert_eq!(on("2026-01-30").tier, Tier::Monthly);
        // Daily: D1 on Thursday 1st is back the next Thursday; D2 (Monday) the next Monday.
        assert_eq!(on("2026-01-01").next_use, Some(d("2026-01-08")));
        assert_eq!(on("2026-01-05").next_use, Some(d("2026-01-12")));
        // Weekly: W1 skips the monthly Friday 2026-01-30 → 2026-02-06; W4 skips 02-27.
        assert_eq!(on("2026-01-02").next_use, Some(d("2026-02-06")));
        assert_eq!(on("2026-01-23").next_use, Some(d("2026-03-06")));
        // Monthly: M1 (last Friday of January) → last Friday of April; M2 → of May.
        assert_eq!(on("2026-01-30").next_use, Some(d("2026-04-24")));
        assert_eq!(on("2026-02-27").next_use, Some(d("2026-05-29")));

        // Weekend days are skipped.
        assert_eq!(scheme.assignment(start, d("2026-01-03")), None);
        assert_eq!(scheme.assignment(start, d("2026-02-28")), None);
        // Mid-range start of a calendar gives the same sets.
        let later = scheme.calendar(start, d("2026-02-26"), 2);
        assert_eq!(pairs(&later), expected(&[("2026-02-26", "D1"), ("2026-02-27", "M2")]));
    }

    #[test]
    fn rotation_gfs_without_weekend_skip() {
        let scheme = gfs(3, 2, 2, Weekday::Fri, false);
        let start = d("2026-01-01");
        let calendar = scheme.calendar(start, start, 14);
        let want = expected(&[
            ("2026-01-01", "D1"),
            ("2026-01-02", "W1"),
            ("2026-01-03", "D2"),
            ("2026-01-04", "D3"),
            ("2026-01-05", "D1"),
            ("2026-01-06", "D2"),
            ("2026-01-07", "D3"),
            ("2026-01-08", "D1"),
            ("2026-01-09", "W2"),
            ("2026-01-10", "D2"),
            ("2026-01-11", "D3"),
            ("2026-01-12", "D1"),
            ("2026-01-13", "D2"),
            ("2026-01-14", "D3"),
        ]);
        assert_eq!(pairs(&calendar), want);
        // D2 on Saturday the 3rd: D3 Sunday, D1 Monday, D2 Tuesday the 6th.
        assert_eq!(calendar[2].next_use, Some(d("2026-01-06")));
        // D1 on Thursday the 8th skips the weekly Friday the 9th: back on Monday the 12th.
        assert_eq!(calendar[7].next_use, Some(d("2026-01-12")));
    }

    #[test]
    fn rotation_gfs_weekly_day_on_saturday() {
        let scheme = gfs(2, 2, 1, Weekday::Sat, true);
        let start = d("2026-01-01");
        let calendar = scheme.calendar(start, start, 31);
        let want = expected(&[
            ("2026-01-01", "D1"),
            ("2026-01-02", "D2"),
            ("2026-01-03", "W1"),
            ("2026-01-05", "D1"),
            ("2026-01-06", "D2"),
            ("2026-01-07", "D1"),
            ("2026-01-08", "D2"),
            ("2026-01-09", "D1"),
            ("2026-01-10", "W2"),
            ("2026-01-12", "D2"),
            ("2026-01-13", "D1"),
            ("2026-01-14", "D2"),
            ("2026-01-15", "D1"),
            ("2026-01-16", "D2"),
            ("2026-01-17", "W1"),
            ("2026-01-19", "D1"),
            ("2026-01-20", "D2"),
            ("2026-01-21", "D1"),
            ("2026-01-22", "D2"),
            ("2026-01-23", "D1"),
            ("2026-01-24", "W2"),
            ("2026-01-26", "D2"),
            ("2026-01-27", "D1"),
            ("2026-01-28", "D2"),
            ("2026-01-29", "D1"),
            ("2026-01-30", "D2"),
            ("2026-01-31", "M1"),
        ]);
        assert_eq!(pairs(&calendar), want);
        // One monthly set: back on the last Saturday of February.
        assert_eq!(calendar[26].next_use, Some(d("2026-02-28")));
    }

    #[test]
    fn rotation_gfs_empty_tiers_hand_days_down() {
        let start = d("2026-01-01");
        // No daily and no monthly sets: only Fridays, the last one of the month weekly too.
        let weekly_only = gfs(0, 2, 0, Weekday::Fri, false);
        let calendar = weekly_only.calendar(start, start, 31);
        let want = expected(&[
            ("2026-01-02", "W1"),
            ("2026-01-09", "W2"),
            ("2026-01-16", "W1"),
            ("2026-01-23", "W2"),
            ("2026-01-30", "W1"),
        ]);
        assert_eq!(pairs(&calendar), want);
        assert_eq!(calendar[0].next_use, Some(d("2026-01-16")));
        assert_eq!(weekly_only.assignment(start, d("2026-01-05")), None);

        // No weekly sets: ordinary Fridays are daily days.
        let daily_monthly = gfs(2, 0, 1, Weekday::Fri, true);
        let from = d("2026-01-19"); // a Monday
        let calendar = daily_monthly.calendar(from, from, 16);
        let want = expected(&[
            ("2026-01-19", "D1"),
            ("2026-01-20", "D2"),
            ("2026-01-21", "D1"),
            ("2026-01-22", "D2"),
            ("2026-01-23", "D1"),
            ("2026-01-26", "D2"),
            ("2026-01-27", "D1"),
            ("2026-01-28", "D2"),
            ("2026-01-29", "D1"),
            ("2026-01-30", "M1"),
            ("2026-02-02", "D2"),
            ("2026-02-03", "D1"),
        ]);
        assert_eq!(pairs(&calendar), want);
        assert_eq!(calendar[4].tier, Tier::Daily);
        // D1 on Thursday the 29th skips the monthly Friday and the weekend: back on Feb 3.
        assert_eq!(calendar[8].next_use, Some(d("2026-02-03")));
    }

    /// Day-by-day GFS reference: each tier keeps its own counter while walking from the
    /// start; "last weekly day" is a weekly day whose next week falls in another month.
    fn simulate_gfs(scheme: &RotationScheme, start: NaiveDate, days: u64) -> Vec<Option<String>> {
        let RotationScheme::Gfs { daily, weekly, monthly, weekly_day, skip_weekends } = *scheme else { unreachable!() };
        let weekly_day = to_chrono(weekly_day);
        let (mut dc, mut wc, mut mc) = (0, 0, 0);
        let mut out = Vec::new();
        for offset in 0..days {
            let date = start + Days::new(offset);
            let on_weekly_day = date.weekday() == weekly_day;
            let last_of_month = on_weekly_day && (date + Days::new(7)).month() != date.month();
            let weekend = matches!(date.weekday(), ChronoWeekday::Sat | ChronoWeekday::Sun);
            let label = if skip_weekends && weekend && !on_weekly_day {
                None
            } else if last_of_month && monthly > 0 {
                mc += 1;
                Some(format!("M{}", (mc - 1) % monthly + 1))
            } else if on_weekly_day && weekly > 0 {
                wc += 1;
                Some(format!("W{}", (wc - 1) % weekly + 1))
            } else if daily > 0 {
                dc += 1;
                Some(format!("D{}", (dc - 1) % daily + 1))
            } else {
                None
            };
            out.push(label);
        }
        out
    }

    #[test]
    fn rotation_gfs_matches_day_by_day_simulation() {
        let schemes = [
            gfs(4, 4, 3, Weekday::Fri, true),
            gfs(5, 4, 12, Weekday::Sun, true),
            gfs(6, 5, 52, Weekday::Mon, false),
            gfs(0, 0, 2, Weekday::Wed, false),
            gfs(3, 0, 0, Weekday::Sat, true),
            gfs(52, 52, 0, Weekday::Thu, true),
        ];
        let starts = [d("2026-01-01"), d("2024-02-29"), d("2025-12-31")];
        let checked = 800;
        let simulated = checked + u64::from(GFS_NEXT_USE_HORIZON_DAYS) + 1;
        for scheme in &schemes {
            for &start in &starts {
                let reference = simulate_gfs(scheme, start, simulated);
                for offset in (0..checked).step_by(3) {
                    let date = start + Days::new(offset);
                    let got = scheme.assignment(start, date);
                    let index = usize::try_from(offset).expect("index");
                    assert_eq!(got.as_ref().map(|a| a.set.clone()), reference[index], "{scheme:?} {date}");
                    let Some(got) = got else { continue };
                    let next = (index + 1..reference.len())
                        .find(|&later| reference[later] == reference[index])
                        .map(|later| start + Days::new(u64::try_from(later).expect("offset")));
                    assert_eq!(got.next_use, next, "{scheme:?} {date}");
                }
            }
        }
    }

    #[test]
    fn rotation_gfs_ten_years_after_start() {
        let scheme = gfs(4, 4, 12, Weekday::Fri, true);
        let start = d("2026-01-01");
        let reference = simulate_gfs(&scheme, start, 3653);
        for offset in 3640..3653 {
            let got = scheme.assignment(start, start + Days::new(offset)).map(|a| a.set);
            assert_eq!(got, reference[usize::try_from(offset).expect("index")]);
        }
        // 2035-12-28 is the last Friday of 2035, the 120th monthly day → M12.
        assert_eq!(scheme.assignment(start, d("2035-12-28")).map(|a| a.set).as_deref(), Some("M12"));
    }

    #[test]
    fn rotation_before_start_is_none() {
        let start = d("2026-01-01");
        let before = d("2025-12-31");
        let schemes = [
            gfs(4, 4, 3, Weekday::Fri, false),
            RotationScheme::TowerOfHanoi { sets: 4 },
            RotationScheme::RoundRobin { sets: 3, period_days: 1 },
        ];
        for scheme in &schemes {
            assert_eq!(scheme.assignment(start, before), None);
            let calendar = scheme.calendar(start, d("2025-12-30"), 3);
            assert_eq!(calendar.len(), 1);
            assert_eq!(calendar[0].date, start);
        }
    }

    #[test]
    fn rotation_calendar_is_capped() {
        let scheme = RotationScheme::RoundRobin { sets: 2, period_days: 1 };
        let start = d("2026-01-01");
        assert_eq!(scheme.calendar(start, start, 10_000).len(), 400);
        assert!(scheme.calendar(start, start, 0).is_empty());
    }

    #[test]
    fn rotation_set_labels() {
        assert_eq!(gfs(2, 1, 3, Weekday::Fri, true).set_labels(), ["D1", "D2", "W1", "M1", "M2", "M3"]);
        assert_eq!(gfs(0, 2, 0, Weekday::Fri, true).set_labels(), ["W1", "W2"]);
        assert_eq!(RotationScheme::TowerOfHanoi { sets: 5 }.set_labels(), ["A", "B", "C", "D", "E"]);
        let all = RotationScheme::TowerOfHanoi { sets: 26 }.set_labels();
        assert_eq!((all.first().map(String::as_str), all.last().map(String::as_str)), (Some("A"), Some("Z")));
        assert_eq!(RotationScheme::RoundRobin { sets: 3, period_days: 7 }.set_labels(), ["P1", "P2", "P3"]);
        assert!(RotationScheme::TowerOfHanoi { sets: 27 }.set_labels().is_empty());
    }

    #[test]
    fn rotation_validate_names_the_field() {
        let error = |scheme: RotationScheme| scheme.validate().expect_err("invalid");
        let hanoi = |sets| RotationScheme::TowerOfHanoi { sets };
        let pool = |sets, period_days| RotationScheme::RoundRobin { sets, period_days };

        assert_eq!(hanoi(1).validate(), Ok(()));
        assert_eq!(hanoi(26).validate(), Ok(()));
        assert_eq!((error(hanoi(0)).field, error(hanoi(0)).rule), ("sets", "range"));
        assert_eq!(error(hanoi(27)).field, "sets");

        assert_eq!(pool(52, 366).validate(), Ok(()));
        assert_eq!((error(pool(0, 1)).field, error(pool(0, 1)).rule), ("sets", "range"));
        assert_eq!(error(pool(53, 1)).field, "sets");
        assert_eq!((error(pool(3, 0)).field, error(pool(3, 0)).rule), ("period_days", "range"));
        assert_eq!(error(pool(3, 367)).field, "period_days");

        assert_eq!(gfs(0, 0, 1, Weekday::Mon, false).validate(), Ok(()));
        assert_eq!(gfs(52, 52, 52, Weekday::Mon, false).validate(), Ok(()));
        assert_eq!(error(gfs(53, 1, 1, Weekday::Mon, false)).field, "daily");
        assert_eq!(error(gfs(1, 53, 1, Weekday::Mon, false)).field, "weekly");
        assert_eq!(error(gfs(1, 1, 53, Weekday::Mon, false)).field, "monthly");
        let none = error(gfs(0, 0, 0, Weekday::Mon, false));
        assert_eq!((none.field, none.rule), ("daily", "min_total"));

        let shown = error(hanoi(0));
        assert_eq!(shown.to_string(), "sets: must be between 1 and 26");
        let violation = FieldViolation::from(shown);
        assert_eq!((violation.field.as_str(), violation.rule.as_str()), ("sets", "range"));

        // Invalid schemes assign nothing rather than dividing by zero.
        let start = d("2026-01-01");
        assert_eq!(pool(0, 1).assignment(start, start), None);
        assert!(pool(3, 0).calendar(start, start, 5).is_empty());
        assert_eq!(gfs(0, 0, 0, Weekday::Fri, false).assignment(start, d("2026-01-30")), None);
    }

    #[test]
    fn rotation_serde_round_trip() {
        let cases = [
            (
                gfs(4, 4, 3, Weekday::Fri, true),
                r#"{"kind":"gfs","daily":4,"weekly":4,"monthly":3,"weekly_day":"fri","skip_weekends":true}"#,
            ),
            (RotationScheme::TowerOfHanoi { sets: 4 }, r#"{"kind":"tower_of_hanoi","sets":4}"#),
            (
                RotationScheme::RoundRobin { sets: 3, period_days: 7 },
                r#"{"kind":"round_robin","sets":3,"period_days":7}"#,
            ),
        ];
        for (scheme, json) in cases {
            assert_eq!(serde_json::to_string(&scheme).expect("serialize"), json);
            assert_eq!(serde_json::from_str::<RotationScheme>(json).expect("deserialize"), scheme);
        }
        assert!(serde_json::from_str::<RotationScheme>(r#"{"kind":"tower_of_hanoi","sets":4,"x":1}"#).is_err());
        assert!(serde_json::from_str::<RotationScheme>(r#"{"kind":"hanoi","sets":4}"#).is_err());

        let assignment =
            gfs(4, 4, 3, Weekday::Fri, true).assignment(d("2026-01-01"), d("2026-01-02")).expect("assigned");
        let json = r#"{"date":"2026-01-02","set":"W1","tier":"weekly","next_use":"2026-02-06"}"#;
        assert_eq!(serde_json::to_string(&assignment).expect("serialize"), json);
        assert_eq!(serde_json::from_str::<Assignment>(json).expect("deserialize"), assignment);
    }
}
