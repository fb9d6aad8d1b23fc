//! Display formatting: times in the viewer's local zone (with the zone shown), durations,
//! sizes and percentages. Pure functions over explicit offsets so they can be tested.

use bms_types::jobs::CopyDto;
use chrono::{DateTime, Datelike, FixedOffset, Local, NaiveDate, Offset, TimeZone, Timelike, Utc};

use crate::i18n::enum_label;

/// The viewer's IANA time zone (e.g. `Asia/Tokyo`), from the browser.
pub fn local_zone_name() -> String {
    let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new()).resolved_options();
    js_sys::Reflect::get(&options, &"timeZone".into())
        .ok()
        .and_then(|value| value.as_string())
        .unwrap_or_else(|| "UTC".to_owned())
}

/// `2026-11-30 21:55 +09:00` in the viewer's zone.
pub fn datetime(value: DateTime<Utc>) -> String {
    let offset = value.with_timezone(&Local).offset().fix();
    datetime_at(value, offset)
}

/// `datetime` for an explicit offset. Formatted by hand rather than with chrono's
/// `strftime` parser, which would add its code to the WASM for three fixed patterns.
pub fn datetime_at(value: DateTime<Utc>, offset: FixedOffset) -> String {
    let local = value.with_timezone(&offset);
    let seconds = offset.local_minus_utc();
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.abs() / 60;
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} {sign}{:02}:{:02}",
        local.year(),
        local.month(),
        local.day(),
        local.hour(),
        local.minute(),
        minutes / 60,
        minutes % 60
    )
}

/// `21:55:12` in the viewer's zone (for "updated at").
pub fn time_of_day(value: DateTime<Utc>) -> String {
    let local = value.with_timezone(&Local);
    format!("{:02}:{:02}:{:02}", local.hour(), local.minute(), local.second())
}

/// `11-30`, a chart's day label.
pub fn month_day(day: NaiveDate) -> String {
    format!("{:02}-{:02}", day.month(), day.day())
}

/// An optional time, or an em dash.
pub fn maybe_datetime(value: Option<DateTime<Utc>>) -> String {
    value.map(datetime).unwrap_or_else(|| "—".to_owned())
}

/// `1h 02m 03s`, `4m 05s`, `7s`.
pub fn duration(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (hours, minutes, secs) = (seconds / 3600, (seconds % 3600) / 60, seconds % 60);
    if hours > 0 {
        format!("{hours}h {minutes:02}m {secs:02}s")
    } else if minutes > 0 {
        format!("{minutes}m {secs:02}s")
    } else {
        format!("{secs}s")
    }
}

/// Binary units with one decimal: `1.5 GiB`, `512 B`.
pub fn bytes(size: i64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = size.max(0) as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{size} B") } else { format!("{} {}", one_decimal(value), UNITS[unit]) }
}

/// `66.7 %` from a percentage (the API sends 0–100), or an em dash when there is nothing
/// to divide.
pub fn percent(rate: Option<f64>) -> String {
    match rate {
        Some(rate) if rate.is_finite() => format!("{} %", one_decimal(rate)),
        _ => "—".to_owned(),
    }
}

/// `66.7` from 66.66 (non-negative values). Integer arithmetic on purpose: it keeps
/// core's float formatting, about 20 KB, out of the WASM.
pub fn one_decimal(value: f64) -> String {
    let tenths = (value.max(0.0) * 10.0).round() as u64;
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// A chart coordinate rounded to whole SVG units (the viewBox is 600 wide: fine enough).
pub fn px(value: f64) -> String {
    (value.round() as i64).to_string()
}

/// The start of a `YYYY-MM-DD` day in the viewer's zone, plus `add_days`, as UTC: date
/// filters are whole local days (`to` uses the next day's start).
pub fn local_day_start(value: &str, add_days: i64) -> Option<DateTime<Utc>> {
    let day = parse_date(value)?;
    let midnight = (day + chrono::Duration::days(add_days)).and_hms_opt(0, 0, 0)?;
    Local.from_local_datetime(&midnight).earliest().map(|local| local.with_timezone(&Utc))
}

/// `YYYY-MM-DDTHH:MM` of a `datetime-local` input, in the viewer's zone.
pub fn local_input(value: DateTime<Utc>) -> String {
    let text = datetime(value);
    // `2026-11-30 21:55 +09:00` → `2026-11-30T21:55`
    text.get(..16).map(|prefix| prefix.replacen(' ', "T", 1)).unwrap_or_default()
}

/// A `datetime-local` input's value (`YYYY-MM-DDTHH:MM`, the viewer's zone) as UTC.
pub fn parse_local(value: &str) -> Option<DateTime<Utc>> {
    let (day, time) = value.trim().split_once('T')?;
    let (hour, minute) = time.split_once(':')?;
    let naive = parse_date(day)?.and_hms_opt(digits(hour, 2)?, digits(minute, 2)?, 0)?;
    Local.from_local_datetime(&naive).earliest().map(|local| local.with_timezone(&Utc))
}

/// A `date` input's value (`YYYY-MM-DD`). Read by hand, as `datetime_at` writes by hand:
/// chrono's parser would bring its format machinery (~8 KB of WASM) to every screen that
/// reads a date.
pub fn parse_date(value: &str) -> Option<NaiveDate> {
    let mut parts = value.trim().split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(digits(year, 4)?).ok()?, digits(month, 2)?, digits(day, 2)?)
}

/// Exactly `len` ASCII digits as a number.
fn digits(text: &str, len: usize) -> Option<u32> {
    (text.len() == len && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse().ok()).flatten()
}

/// Today in the viewer's zone.
pub fn today() -> NaiveDate {
    Local::now().date_naive()
}

/// An optional date, or an em dash.
pub fn maybe_date(value: Option<NaiveDate>) -> String {
    value.map_or_else(|| "—".to_owned(), |day| day.to_string())
}

/// `#3 Offline / Tape · Vault`: a copy named by its id, type, media and location.
pub fn copy_label(copy: &CopyDto) -> String {
    let location = if copy.location.is_empty() { String::new() } else { format!(" · {}", copy.location) };
    format!(
        "#{} {} / {}{location}",
        copy.id,
        enum_label("copy_type", copy.copy_type.as_str()),
        enum_label("media", copy.media_type.as_str())
    )
}
