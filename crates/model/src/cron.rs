//! The Unix cron subset of Auto Scaling's `Recurrence`: five fields `minute hour day-of-month
//! month day-of-week`, each `*`, a number, a range `a-b`, a step `*/n` or `a-b/n`, or a comma
//! list of those; months `JAN`–`DEC` and days `SUN`–`SAT` by name; day-of-week 0–7 (0 and 7 are
//! Sunday). As in Vixie cron, when both day-of-month and day-of-week are restricted a day
//! matching either matches. Times are evaluated in UTC shifted by a fixed offset (see
//! [`time_zone_offset_minutes`]); no daylight-saving rules.

use crate::ids::Millis;

/// A parsed 5-field cron expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: u64,
    hours: u64,
    days_of_month: u64,
    months: u64,
    days_of_week: u64,
    dom_restricted: bool,
    dow_restricted: bool,
}

const MONTHS: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

fn value(s: &str, min: u32, max: u32, names: &[&str], names_from: u32) -> Result<u32, String> {
    if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
        return Ok(i as u32 + names_from);
    }
    let v: u32 = s.parse().map_err(|_| format!("'{s}' is not a number"))?;
    if v < min || v > max {
        return Err(format!("{v} is outside {min}-{max}"));
    }
    Ok(v)
}

fn field(s: &str, min: u32, max: u32, names: &[&str], names_from: u32) -> Result<(u64, bool), String> {
    let mut bits = 0u64;
    let mut restricted = false;
    for part in s.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, st)) => (r, st.parse::<u32>().ok().filter(|&n| n >= 1).ok_or_else(|| format!("bad step '{st}'"))?),
            None => (part, 1),
        };
        let (lo, hi) = if range == "*" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            restricted = true;
            (value(a, min, max, names, names_from)?, value(b, min, max, names, names_from)?)
        } else {
            restricted = true;
            let v = value(range, min, max, names, names_from)?;
            (v, if step > 1 { max } else { v })
        };
        if range == "*" && step > 1 {
            restricted = true;
        }
        if lo > hi {
            return Err(format!("range {lo}-{hi} is empty"));
        }
        let mut v = lo;
        while v <= hi {
            bits |= 1 << v;
            v += step;
        }
    }
    Ok((bits, restricted))
}

impl Cron {
    /// Parses `minute hour day-of-month month day-of-week`.
    pub fn parse(s: &str) -> Result<Cron, String> {
        let f: Vec<&str> = s.split_whitespace().collect();
        if f.len() != 5 {
            return Err(format!("expected 5 fields (minute hour day-of-month month day-of-week), got {}", f.len()));
        }
        let (minutes, _) = field(f[0], 0, 59, &[], 0)?;
        let (hours, _) = field(f[1], 0, 23, &[], 0)?;
        let (days_of_month, dom_restricted) = field(f[2], 1, 31, &[], 0)?;
        let (months, _) = field(f[3], 1, 12, &MONTHS, 1)?;
        let (mut days_of_week, dow_restricted) = field(f[4], 0, 7, &DAYS, 0)?;
        if days_of_week & (1 << 7) != 0 {
            days_of_week |= 1;
        }
        Ok(Cron { minutes, hours, days_of_month, months, days_of_week, dom_restricted, dow_restricted })
    }

    fn day_matches(&self, day: i64) -> bool {
        let (_, m, d) = civil_from_days(day);
        if self.months & (1 << m) == 0 {
            return false;
        }
        let dow = (day + 4).rem_euclid(7) as u32; // 1970-01-01 was a Thursday
        let dom_ok = self.days_of_month & (1 << d) != 0;
        let dow_ok = self.days_of_week & (1 << dow) != 0;
        if self.dom_restricted && self.dow_restricted { dom_ok || dow_ok } else { dom_ok && dow_ok }
    }

    /// The first matching minute strictly after `after` (Unix ms), in local time `offset_min`
    /// minutes east of UTC; `None` if there is none within 5 years.
    pub fn next_after(&self, after: Millis, offset_min: i32) -> Option<Millis> {
        let local = after as i64 + i64::from(offset_min) * 60_000;
        let start_minute = local.div_euclid(60_000) + 1;
        let first_day = start_minute.div_euclid(1440);
        for day in first_day..first_day + 366 * 5 {
            if !self.day_matches(day) {
                continue;
            }
            for h in 0..24i64 {
                if self.hours & (1 << h) == 0 {
                    continue;
                }
                for m in 0..60i64 {
                    if self.minutes & (1 << m) == 0 {
                        continue;
                    }
                    let minute = day * 1440 + h * 60 + m;
                    if minute >= start_minute {
                        let utc = minute * 60_000 - i64::from(offset_min) * 60_000;
                        return u64::try_from(utc).ok();
                    }
                }
            }
        }
        None
    }
}

/// (year, month 1–12, day 1–31) of days since 1970-01-01 (H. Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Minutes east of UTC of the time zones elbow evaluates: `UTC`, `Etc/UTC`, `GMT`, `Etc/GMT`,
/// `Etc/UCT`, `Etc/Universal`, `Etc/Zulu`, and the fixed offsets `Etc/GMT+N`/`Etc/GMT-N` (POSIX
/// signs: `Etc/GMT+5` is UTC−5). Zones with daylight saving are not supported (`None`).
pub fn time_zone_offset_minutes(tz: &str) -> Option<i32> {
    match tz {
        "UTC" | "Etc/UTC" | "GMT" | "Etc/GMT" | "Etc/UCT" | "UCT" | "Etc/Universal" | "Universal" | "Etc/Zulu" | "Zulu" | "Etc/GMT0" | "Etc/GMT+0" | "Etc/GMT-0" => Some(0),
        _ => {
            let rest = tz.strip_prefix("Etc/GMT")?;
            let (sign, n) = match rest.as_bytes().first()? {
                b'+' => (-1, &rest[1..]),
                b'-' => (1, &rest[1..]),
                _ => return None,
            };
            let h: i32 = n.parse().ok().filter(|h| (1..=14).contains(h))?;
            Some(sign * h * 60)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: u64 = 60_000;
    // 2026-11-22T19:34:00Z, a Sunday.
    const T: u64 = 1_795_376_040_000;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days((T / MIN / 1440) as i64), (2026, 11, 22));
    }

    #[test]
    fn every_minute_and_steps() {
        let c = Cron::parse("* * * * *").unwrap();
        assert_eq!(c.next_after(T, 0), Some(T + MIN));
        assert_eq!(c.next_after(T + 1, 0), Some(T + MIN));
        let c = Cron::parse("*/15 * * * *").unwrap();
        assert_eq!(c.next_after(T, 0), Some(T + 11 * MIN)); // 19:45
        let c = Cron::parse("0,30 9-17 * * MON-FRI").unwrap();
        // Sunday 19:34 → Monday 09:00.
        assert_eq!(c.next_after(T, 0), Some(T - (19 * 60 + 34) * MIN + 1440 * MIN + 9 * 60 * MIN));
    }

    #[test]
    fn days_and_months() {
        // 1 Jan at 00:00.
        let c = Cron::parse("0 0 1 JAN *").unwrap();
        let next = c.next_after(T, 0).unwrap();
        assert_eq!(civil_from_days((next / MIN / 1440) as i64), (2027, 1, 1));
        // Sundays (7 = 0): today 20:00.
        let c = Cron::parse("0 20 * * 7").unwrap();
        assert_eq!(c.next_after(T, 0), Some(T + 26 * MIN));
        // Day-of-month OR day-of-week when both are restricted: the 23rd (Monday) or Sundays.
        let c = Cron::parse("0 0 23 * SUN").unwrap();
        assert_eq!(c.next_after(T, 0), Some(T - (19 * 60 + 34) * MIN + 1440 * MIN));
    }

    #[test]
    fn offsets() {
        assert_eq!(time_zone_offset_minutes("UTC"), Some(0));
        assert_eq!(time_zone_offset_minutes("Etc/GMT+5"), Some(-300));
        assert_eq!(time_zone_offset_minutes("Etc/GMT-2"), Some(120));
        assert_eq!(time_zone_offset_minutes("America/New_York"), None);
        // 20:00 at UTC+2 is 18:00 UTC: tomorrow.
        let c = Cron::parse("0 20 * * *").unwrap();
        assert_eq!(c.next_after(T, 120), Some(T - (19 * 60 + 34) * MIN + 1440 * MIN + 18 * 60 * MIN));
    }

    #[test]
    fn rejects() {
        for bad in ["* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "*/0 * * * *", "5-1 * * * *", "a * * * *"] {
            assert!(Cron::parse(bad).is_err(), "{bad}");
        }
    }
}
