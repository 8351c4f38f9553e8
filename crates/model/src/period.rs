//! Quarters: the one unit of time in the pipeline.
//!
//! A [`Period`] is a calendar quarter. It parses every form the data contract allows
//! (`2024Q3`, `2024-Q3`, `2024年第三季度`, quarter-end months such as `2024-09`) and
//! orders by its quarter index `year * 4 + quarter - 1` (`q(p)` in the indicator spec).

use std::fmt;
use std::str::FromStr;

/// A calendar quarter, e.g. 2024Q3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    year: i32,
    quarter: u8,
}

/// Why a text is not a period.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("not a quarter: expected a form like 2024Q3, 2024-Q3, 2024年第三季度 or 2024-09")]
    Form,
    #[error("month {0} is not a quarter-end month (3, 6, 9 or 12)")]
    NotQuarterEnd(u32),
    #[error("{0} is after the current date")]
    Future(Period),
}

impl Period {
    /// A quarter; `quarter` must be 1..=4.
    #[must_use]
    pub fn new(year: i32, quarter: u8) -> Option<Self> {
        (1..=4).contains(&quarter).then_some(Self { year, quarter })
    }

    /// The period at a quarter index (the inverse of [`Period::index`]).
    #[must_use]
    pub fn from_index(index: i32) -> Self {
        Self {
            year: index.div_euclid(4),
            quarter: (index.rem_euclid(4) + 1) as u8,
        }
    }

    #[must_use]
    pub fn year(self) -> i32 {
        self.year
    }

    #[must_use]
    pub fn quarter(self) -> u8 {
        self.quarter
    }

    /// `q(p) = year * 4 + quarter - 1`.
    #[must_use]
    pub fn index(self) -> i32 {
        self.year * 4 + i32::from(self.quarter) - 1
    }

    /// `Y(p)`: the latest complete year at this quarter.
    #[must_use]
    pub fn latest_complete_year(self) -> i32 {
        if self.quarter == 4 {
            self.year
        } else {
            self.year - 1
        }
    }

    #[must_use]
    pub fn next(self) -> Self {
        Self::from_index(self.index() + 1)
    }

    #[must_use]
    pub fn prev(self) -> Self {
        Self::from_index(self.index() - 1)
    }

    /// Every quarter from `self` to `last`, both included.
    pub fn through(self, last: Period) -> impl Iterator<Item = Period> {
        (self.index()..=last.index()).map(Period::from_index)
    }

    /// The quarter containing a calendar date.
    #[must_use]
    pub fn containing(date: Date) -> Self {
        Self {
            year: date.year,
            quarter: ((date.month - 1) / 3 + 1) as u8,
        }
    }

    /// The last quarter that has ended on `date`.
    #[must_use]
    pub fn latest_complete(date: Date) -> Self {
        Self::containing(date).prev()
    }

    /// Parses a period and rejects one that starts after `today`.
    pub fn parse_not_after(text: &str, today: Date) -> Result<Self, PeriodError> {
        let p: Period = text.parse()?;
        if p > Period::containing(today) {
            return Err(PeriodError::Future(p));
        }
        Ok(p)
    }
}

impl Period {
    /// `f` of the period as [`fmt::Display`] writes it, formatted on the stack for a
    /// four-digit year: the dataset stores the text of every row's period.
    pub fn with_text<R>(self, f: impl FnOnce(&str) -> R) -> R {
        if (1000..=9999).contains(&self.year) {
            let y = self.year as u32;
            let digit = |n: u32| b'0' + (n % 10) as u8;
            let buf = [
                digit(y / 1000),
                digit(y / 100),
                digit(y / 10),
                digit(y),
                b'Q',
                b'0' + self.quarter,
            ];
            f(std::str::from_utf8(&buf).expect("ASCII"))
        } else {
            f(&self.to_string())
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}Q{}", self.year, self.quarter)
    }
}

impl FromStr for Period {
    type Err = PeriodError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        // The form nearly every file uses, `2024Q3`, without the copies below: it was
        // 2.5% of an ingest. Anything else takes the general path.
        if let &[y0, y1, y2, y3, b'Q' | b'q', q @ b'1'..=b'4'] = raw.as_bytes()
            && [y0, y1, y2, y3].iter().all(u8::is_ascii_digit)
        {
            let year = [y0, y1, y2, y3]
                .iter()
                .fold(0, |y, d| y * 10 + i32::from(d - b'0'));
            return Period::new(year, q - b'0').ok_or(PeriodError::Form);
        }
        let s: String = crate::text::to_half_width(raw).trim().to_uppercase();
        let (year_part, rest) = split_year(&s).ok_or(PeriodError::Form)?;
        let year: i32 = year_part.parse().map_err(|_| PeriodError::Form)?;
        let quarter = if let Some(q) = rest.strip_prefix("-Q").or_else(|| rest.strip_prefix('Q')) {
            parse_quarter_digit(q)?
        } else if let Some(cn) = rest.strip_prefix('年') {
            parse_chinese_tail(cn)?
        } else if let Some(m) = rest.strip_prefix('-') {
            month_to_quarter(m.parse().map_err(|_| PeriodError::Form)?)?
        } else {
            return Err(PeriodError::Form);
        };
        Period::new(year, quarter).ok_or(PeriodError::Form)
    }
}

fn split_year(s: &str) -> Option<(&str, &str)> {
    let digits = s
        .char_indices()
        .take_while(|(_, c)| c.is_ascii_digit())
        .count();
    (digits == 4).then(|| s.split_at(4))
}

fn parse_quarter_digit(q: &str) -> Result<u8, PeriodError> {
    match q {
        "1" => Ok(1),
        "2" => Ok(2),
        "3" => Ok(3),
        "4" => Ok(4),
        _ => Err(PeriodError::Form),
    }
}

/// After `年`: `第3季度`, `三季度`, `第三季度`, `3季度`, `9月`, `09月`.
fn parse_chinese_tail(s: &str) -> Result<u8, PeriodError> {
    if let Some(month) = s.strip_suffix('月') {
        return month_to_quarter(month.parse().map_err(|_| PeriodError::Form)?);
    }
    let body = s.strip_suffix("季度").ok_or(PeriodError::Form)?;
    let body = body.strip_prefix('第').unwrap_or(body);
    match body {
        "1" | "一" => Ok(1),
        "2" | "二" => Ok(2),
        "3" | "三" => Ok(3),
        "4" | "四" => Ok(4),
        _ => Err(PeriodError::Form),
    }
}

fn month_to_quarter(month: u32) -> Result<u8, PeriodError> {
    match month {
        3 => Ok(1),
        6 => Ok(2),
        9 => Ok(3),
        12 => Ok(4),
        1..=11 => Err(PeriodError::NotQuarterEnd(month)),
        _ => Err(PeriodError::Form),
    }
}

/// A calendar date, enough to know which quarters have started or ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// Today in UTC, or `CLUSTERKPI_TODAY` (YYYY-MM-DD) when set: tests and re-runs of
    /// an old quarter pin the date so "a period after the current date" is reproducible.
    #[must_use]
    pub fn today() -> Self {
        if let Some(d) = std::env::var("CLUSTERKPI_TODAY")
            .ok()
            .and_then(|s| Date::parse_iso(&s))
        {
            return d;
        }
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Self::from_unix_days((secs / 86_400) as i64)
    }

    /// Parses `YYYY-MM-DD`.
    #[must_use]
    pub fn parse_iso(s: &str) -> Option<Self> {
        let mut it = s.trim().splitn(3, '-');
        let year = it.next()?.parse().ok()?;
        let month = it.next()?.parse().ok()?;
        let day = it.next()?.parse().ok()?;
        ((1..=12).contains(&month) && (1..=31).contains(&day)).then_some(Self { year, month, day })
    }

    /// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    #[must_use]
    pub fn from_unix_days(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Self { year, month, day }
    }
}

/// The current UTC time as RFC 3339 (`2026-11-29T15:37:13Z`).
#[must_use]
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let d = Date::from_unix_days((secs / 86_400) as i64);
    let s = secs % 86_400;
    format!("{d}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl serde::Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Period {
        s.parse().unwrap()
    }

    #[test]
    fn every_contract_form_parses_to_the_same_quarter() {
        for form in [
            "2024Q3",
            "2024-Q3",
            "2024q3",
            " 2024Q3 ",
            "2024年第3季度",
            "2024年三季度",
            "2024年第三季度",
            "2024-09",
            "2024年9月",
            "２０２４Ｑ３",
            "2024-9",
            "2024年09月",
        ] {
            assert_eq!(p(form), Period::new(2024, 3).unwrap(), "{form}");
        }
    }

    #[test]
    fn the_short_form_parses_and_prints_as_the_general_path_does() {
        // The fast path of `2024Q3` against the general one (a space in front takes
        // it), and the stack-formatted text against Display, over every year form.
        for year in (0..=10_500).step_by(7).chain([999, 1000, 9999, 10_000]) {
            for quarter in 1..=4 {
                let period = Period::new(year, quarter).unwrap();
                let shown = period.to_string();
                period.with_text(|t| assert_eq!(t, shown));
                let general = format!(" {shown}").parse::<Period>();
                assert_eq!(shown.parse::<Period>(), general, "{shown}");
                assert_eq!(shown.to_lowercase().parse::<Period>(), general, "{shown}");
            }
        }
        for bad in ["2024Q0", "2024Q5", "20a4Q1", "2024Q", "2024Q12", "２024Q1x"] {
            assert_eq!(bad.parse::<Period>(), Err(PeriodError::Form), "{bad}");
        }
    }

    #[test]
    fn other_months_and_shapes_are_rejected() {
        assert_eq!(
            "2024-08".parse::<Period>(),
            Err(PeriodError::NotQuarterEnd(8))
        );
        assert_eq!(
            "2024年7月".parse::<Period>(),
            Err(PeriodError::NotQuarterEnd(7))
        );
        for bad in [
            "2024Q5",
            "2024Q0",
            "24Q3",
            "2024",
            "",
            "2024-13",
            "2024年第五季度",
            "Q3",
        ] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
    }

    #[test]
    fn index_round_trips_and_orders() {
        let q = p("2020Q4");
        assert_eq!(q.index(), 2020 * 4 + 3);
        assert_eq!(Period::from_index(q.index()), q);
        assert_eq!(q.next(), p("2021Q1"));
        assert_eq!(p("2021Q1").prev(), q);
        assert!(p("2021Q1") > q);
        assert_eq!(p("2024Q3").latest_complete_year(), 2023);
        assert_eq!(p("2024Q4").latest_complete_year(), 2024);
        assert_eq!(p("2024Q1").through(p("2024Q4")).count(), 4);
    }

    #[test]
    fn future_periods_are_rejected_against_today() {
        let today = Date {
            year: 2026,
            month: 11,
            day: 29,
        };
        assert!(Period::parse_not_after("2026Q4", today).is_ok());
        assert_eq!(
            Period::parse_not_after("2027Q1", today),
            Err(PeriodError::Future(p("2027Q1")))
        );
        assert_eq!(Period::latest_complete(today), p("2026Q3"));
    }

    #[test]
    fn civil_dates_from_unix_days() {
        assert_eq!(Date::from_unix_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_unix_days(20_421).to_string(), "2025-11-29");
        assert_eq!(Date::from_unix_days(11_016).to_string(), "2000-02-29");
    }
}
