//! Dates as social-media exports write them, read into a calendar date and
//! time: ISO 8601 (`2026-11-03T08:00:00Z`, `2015-02-24 11:35:52 -0800`),
//! Twitter's API (`Wed Oct 11 06:55:44 +0000 2017`), RFC 2822
//! (`Wed, 11 Oct 2017 06:55:44 +0000`), spreadsheet day-first
//! (`24-02-2015 11:35`) and Unix epoch seconds or milliseconds.
//!
//! A date with a UTC offset is moved to UTC, so that posts from different
//! time zones fall in the same buckets; a date without one is taken as
//! written.

/// A calendar date and time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

/// How dates are grouped in a breakdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Hour,
    Day,
    Month,
    Year,
}

impl Bucket {
    pub fn from_name(name: &str) -> Option<Bucket> {
        Some(match name {
            "hour" => Bucket::Hour,
            "day" => Bucket::Day,
            "month" => Bucket::Month,
            "year" => Bucket::Year,
            _ => return None,
        })
    }

    /// The group key of `d`: `2015-02-24T11:00`, `2015-02-24`, `2015-02`, `2015`.
    pub fn key(self, d: &DateTime) -> String {
        match self {
            Bucket::Hour => format!("{:04}-{:02}-{:02}T{:02}:00", d.year, d.month, d.day, d.hour),
            Bucket::Day => format!("{:04}-{:02}-{:02}", d.year, d.month, d.day),
            Bucket::Month => format!("{:04}-{:02}", d.year, d.month),
            Bucket::Year => format!("{:04}", d.year),
        }
    }
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Reads a date in one of the formats above; `None` when it is none of them
/// or names a day that does not exist.
pub fn parse(text: &str) -> Option<DateTime> {
    let s = text.trim();
    if s.is_empty() {
        return None;
    }
    if let Some(epoch) = parse_epoch(s) {
        return Some(from_epoch(epoch));
    }
    let first = s.as_bytes()[0];
    if first.is_ascii_alphabetic() {
        return parse_named_month(s);
    }
    let (date, rest) = if s.len() >= 10 && s.as_bytes()[4] == b'-' {
        parse_ymd(s)?
    } else {
        parse_dmy(s)?
    };
    finish(date, rest)
}

/// Seconds (up to 11 digits) or milliseconds (12 to 14 digits) since
/// 1970-01-01 UTC, with an optional fraction.
fn parse_epoch(s: &str) -> Option<i64> {
    let int = s.split_once('.').map_or(s, |(i, f)| {
        if f.bytes().all(|b| b.is_ascii_digit()) {
            i
        } else {
            ""
        }
    });
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = int.parse().ok()?;
    match int.len() {
        1..=11 => Some(n),
        12..=14 => Some(n.div_euclid(1000)),
        _ => None,
    }
}

type Ymd = (i64, u32, u32);

/// `YYYY-MM-DD` and what follows it.
fn parse_ymd(s: &str) -> Option<(Ymd, &str)> {
    let b = s.as_bytes();
    if b[7] != b'-' {
        return None;
    }
    let y = num(s, 0..4)?;
    let m = num(s, 5..7)?;
    let d = num(s, 8..10)?;
    Some(((y as i64, m, d), s.get(10..)?))
}

/// `DD-MM-YYYY` and what follows it.
fn parse_dmy(s: &str) -> Option<(Ymd, &str)> {
    let b = s.as_bytes();
    if s.len() < 10 || b[2] != b'-' || b[5] != b'-' {
        return None;
    }
    let d = num(s, 0..2)?;
    let m = num(s, 3..5)?;
    let y = num(s, 6..10)?;
    Some(((y as i64, m, d), s.get(10..)?))
}

/// The optional time and offset after a date: `T08:00:00Z`,
/// ` 11:35:52 -0800`, ` 11:35`, or nothing.
fn finish(date: Ymd, rest: &str) -> Option<DateTime> {
    let (mut h, mut mi, mut sec) = (0, 0, 0);
    let mut rest = rest;
    if let Some(r) = rest.strip_prefix(['T', 't', ' ']) {
        let r = r.trim_start();
        let (time, after) = parse_time(r)?;
        (h, mi, sec) = time;
        rest = after;
    }
    let offset = parse_offset(rest.trim())?;
    build(date, (h, mi, sec), offset)
}

/// `HH:MM[:SS[.fff]]` and what follows it.
fn parse_time(s: &str) -> Option<((u32, u32, u32), &str)> {
    let b = s.as_bytes();
    if s.len() < 5 || b[2] != b':' {
        return None;
    }
    let h = num(s, 0..2)?;
    let m = num(s, 3..5)?;
    let mut rest = s.get(5..)?;
    let mut sec = 0;
    if rest.len() >= 3 && rest.as_bytes()[0] == b':' {
        sec = num(rest, 1..3)?;
        rest = rest.get(3..)?;
        if let Some(frac) = rest.strip_prefix(['.', ',']) {
            let n = frac.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return None;
            }
            rest = &frac[n..];
        }
    }
    Some(((h, m, sec), rest))
}

/// A UTC offset in seconds: empty (none), `Z`, `UTC`, `GMT`, `+HH:MM`,
/// `+HHMM`, `+HH`. `Some(None)` for no offset, `None` for garbage.
fn parse_offset(s: &str) -> Option<Option<i64>> {
    match s {
        "" => return Some(None),
        "Z" | "z" | "UTC" | "GMT" => return Some(Some(0)),
        _ => {}
    }
    let sign = match s.as_bytes()[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let body = s.get(1..)?;
    let (h, m) = match body.len() {
        2 => (digits(body)?, 0),
        4 => (num(body, 0..2)?, num(body, 2..4)?),
        5 if body.as_bytes()[2] == b':' => (num(body, 0..2)?, num(body, 3..5)?),
        _ => return None,
    };
    if h > 23 || m > 59 {
        return None;
    }
    Some(Some(sign * (h as i64 * 3600 + m as i64 * 60)))
}

/// Twitter's `Wed Oct 11 06:55:44 +0000 2017` and RFC 2822's
/// `Wed, 11 Oct 2017 06:55:44 +0000`.
fn parse_named_month(s: &str) -> Option<DateTime> {
    let words: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let month_of = |w: &str| {
        let lower = w.to_ascii_lowercase();
        MONTHS
            .iter()
            .position(|m| lower.starts_with(m))
            .map(|i| i as u32 + 1)
    };
    let (date, time, offset) = match words.as_slice() {
        // Twitter: weekday, month, day, time, offset, year.
        [_, mon, day, time, offset, year] if month_of(mon).is_some() => (
            (digits_i(year)?, month_of(mon)?, digits(day)?),
            *time,
            *offset,
        ),
        // RFC 2822: weekday, day, month, year, time, offset.
        [_, day, mon, year, time, offset] => (
            (digits_i(year)?, month_of(mon)?, digits(day)?),
            *time,
            *offset,
        ),
        _ => return None,
    };
    let (hms, rest) = parse_time(time)?;
    if !rest.is_empty() {
        return None;
    }
    build(date, hms, parse_offset(offset)?)
}

fn build(
    (year, month, day): Ymd,
    (hour, minute, second): (u32, u32, u32),
    offset: Option<i64>,
) -> Option<DateTime> {
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    // A leap second stays in its minute.
    let second = second.min(59);
    let dt = DateTime {
        year,
        month,
        day,
        hour,
        minute,
        second,
    };
    Some(match offset {
        None | Some(0) => dt,
        Some(off) => from_epoch(to_epoch(&dt) - off),
    })
}

/// The number in bytes `range` of `s`, all ASCII digits.
fn num(s: &str, range: std::ops::Range<usize>) -> Option<u32> {
    digits(s.get(range)?)
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn digits_i(s: &str) -> Option<i64> {
    (s.len() == 4).then(|| digits(s)).flatten().map(i64::from)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the given date (proleptic Gregorian calendar),
/// counting in 400-year eras of 146,097 days from 0000-03-01.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    // Years start in March so that the leap day ends the year.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = (m as i64 + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + d as i64 - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> Ymd {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let d = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let m = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let y = year_of_era + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn to_epoch(d: &DateTime) -> i64 {
    days_from_civil(d.year, d.month, d.day) * 86_400
        + i64::from(d.hour) * 3600
        + i64::from(d.minute) * 60
        + i64::from(d.second)
}

fn from_epoch(secs: i64) -> DateTime {
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    DateTime {
        year,
        month,
        day,
        hour: (rem / 3600) as u32,
        minute: (rem % 3600 / 60) as u32,
        second: (rem % 60) as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> String {
        match parse(s) {
            Some(d) => format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                d.year, d.month, d.day, d.hour, d.minute, d.second
            ),
            None => "none".into(),
        }
    }

    #[test]
    fn iso_8601_forms() {
        assert_eq!(at("2026-11-03T08:00:00Z"), "2026-11-03 08:00:00");
        assert_eq!(at("2026-11-03T08:00:00.250+02:00"), "2026-11-03 06:00:00");
        assert_eq!(at("2026-11-03 23:30"), "2026-11-03 23:30:00");
        assert_eq!(at("2026-11-03"), "2026-11-03 00:00:00");
        assert_eq!(at("2026-11-03T22:00:00-0300"), "2026-11-04 01:00:00");
    }

    #[test]
    fn export_forms() {
        assert_eq!(at("2015-02-24 11:35:52 -0800"), "2015-02-24 19:35:52");
        assert_eq!(at("Wed Oct 11 06:55:44 +0000 2017"), "2017-10-11 06:55:44");
        assert_eq!(at("Tue, 31 Oct 2017 23:10:00 -0100"), "2017-11-01 00:10:00");
        assert_eq!(at("24-02-2015 11:35"), "2015-02-24 11:35:00");
        assert_eq!(at("24-02-2015"), "2015-02-24 00:00:00");
    }

    #[test]
    fn epoch_seconds_and_milliseconds() {
        assert_eq!(at("0"), "1970-01-01 00:00:00");
        assert_eq!(at("1424781352"), "2015-02-24 12:35:52");
        assert_eq!(at("1424781352123"), "2015-02-24 12:35:52");
        assert_eq!(at("1424781352.9"), "2015-02-24 12:35:52");
        assert_eq!(at("951782400"), "2000-02-29 00:00:00");
    }

    #[test]
    fn impossible_or_unknown_dates_are_refused() {
        for s in [
            "",
            "yesterday",
            "2015-02-30",
            "2015-13-01",
            "2015-02-24T25:00",
            "31-04-2015 10:00",
            "2015-02-24 10:00 +99",
            "2015-02-24 10:00 PST",
            "02/24/2015",
            "Wed Foo 11 06:55:44 +0000 2017",
            "12345678901234567",
            "2015-02-2é",
            "ééééé-02-24",
            "2015-02-24Té:00",
            "2015-02-24 10:00 +é0",
        ] {
            assert_eq!(at(s), "none", "{s}");
        }
    }

    #[test]
    fn civil_days_round_trip() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn buckets_name_groups() {
        let d = parse("2015-02-24 11:35:52").unwrap();
        assert_eq!(Bucket::Hour.key(&d), "2015-02-24T11:00");
        assert_eq!(Bucket::Day.key(&d), "2015-02-24");
        assert_eq!(Bucket::Month.key(&d), "2015-02");
        assert_eq!(Bucket::Year.key(&d), "2015");
    }
}
