//! How a figure is written wherever a person reads it: charts, HTML, Markdown, xlsx and
//! docx all call this module, as every arrow formatter calls arrow-cast's `display`
//! with one `FormatOptions`. A figure, its unit, a quarter, a status and its colour
//! therefore look the same in a chart and in the table under it.
//!
//! The rules are the report's (outputs.md, "How figures are written"):
//! - units by what is counted (家, 项, 个), rates in %, money in 亿元 with one decimal
//!   (the CSV files keep 万元 at full precision);
//! - quarters as 2025年四季度, year-to-date as 2026年前三季度, times in China Standard
//!   Time;
//! - a value set beside its target gets as many decimals as its comparison needs
//!   ([`Display::compared`]); counts are whole numbers; progress above 100% reads
//!   超额完成;
//! - one colour-blind-safe palette ([`palette`]) with a marker per status, so a status
//!   survives deuteranopia and black-and-white print.
//!
//! Rounding is half away from zero (四舍五入, as Excel rounds), never `{:.1}` alone,
//! which rounds 45.25 to 45.2.

use crate::catalogue::{Counted, Indicator, Unit};
use crate::evaluation::Language;
use crate::period::Period;
use crate::plan::{GainUnit, Rule, Target};
use crate::status::Status;

/// Shown where a figure does not exist (null, no target, no baseline).
pub const DASH: &str = "—";

/// 万元 in one 亿元.
pub const TEN_THOUSANDS_PER_HUNDRED_MILLION: f64 = 10_000.0;

/// The most decimals a comparison may ask for; beyond, two figures are equal for print.
const MAX_DECIMALS: usize = 4;

/// The unit a reader sees for an indicator: what [`Display`] writes after a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShownUnit {
    Percent,
    /// Money, shown in 亿元 (stored in 万元).
    HundredMillionYuan,
    Count(Counted),
}

impl ShownUnit {
    /// The unit of an indicator as shown. A count without a declared `counted` is
    /// written with the general measure word 个.
    #[must_use]
    pub fn of(indicator: &Indicator) -> Self {
        Self::from_parts(indicator.unit, indicator.counted)
    }

    #[must_use]
    pub fn from_parts(unit: Unit, counted: Option<Counted>) -> Self {
        match unit {
            Unit::Percent => ShownUnit::Percent,
            Unit::TenThousandYuan => ShownUnit::HundredMillionYuan,
            Unit::Count => ShownUnit::Count(counted.unwrap_or(Counted::Clusters)),
        }
    }

    /// A stored value (万元 for money) in this unit.
    #[must_use]
    pub fn scale(self, stored: f64) -> f64 {
        match self {
            ShownUnit::HundredMillionYuan => stored / TEN_THOUSANDS_PER_HUNDRED_MILLION,
            _ => stored,
        }
    }

    /// Decimals of a figure of this unit when nothing asks for more.
    #[must_use]
    pub fn decimals(self) -> usize {
        match self {
            ShownUnit::Percent | ShownUnit::HundredMillionYuan => 1,
            ShownUnit::Count(_) => 0,
        }
    }

    /// Whether the figure is a count: always written as a whole number.
    #[must_use]
    pub fn is_count(self) -> bool {
        matches!(self, ShownUnit::Count(_))
    }
}

/// One printer's settings: the language. Cheap to copy and pass down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Display {
    lang: Language,
}

impl Display {
    #[must_use]
    pub fn new(lang: Language) -> Self {
        Self { lang }
    }

    #[must_use]
    pub fn lang(self) -> Language {
        self.lang
    }

    fn pick<T>(self, zh: T, en: T) -> T {
        match self.lang {
            Language::Zh => zh,
            Language::En => en,
        }
    }

    // ── units ───────────────────────────────────────────────────────────────────

    /// The unit word after a number: "%", "家", "项", "个", "亿元"; in English "%",
    /// "enterprises", "technologies", "clusters", "platforms", "parks", "100m yuan".
    #[must_use]
    pub fn unit(self, unit: ShownUnit) -> &'static str {
        match unit {
            ShownUnit::Percent => "%",
            ShownUnit::HundredMillionYuan => self.pick("亿元", "100m yuan"),
            ShownUnit::Count(c) => match (self.lang, c) {
                (Language::Zh, Counted::Enterprises) => "家",
                (Language::Zh, Counted::Technologies) => "项",
                (Language::Zh, _) => "个",
                (Language::En, Counted::Enterprises) => "enterprises",
                (Language::En, Counted::Technologies) => "technologies",
                (Language::En, Counted::Clusters) => "clusters",
                (Language::En, Counted::Platforms) => "platforms",
                (Language::En, Counted::Parks) => "parks",
            },
        }
    }

    /// "单位：亿元" / "Unit: 100m yuan", above a chart or at a table's top right.
    #[must_use]
    pub fn unit_title(self, unit: ShownUnit) -> String {
        match self.lang {
            Language::Zh => format!("单位：{}", self.unit(unit)),
            Language::En => format!("Unit: {}", self.unit(unit)),
        }
    }

    // ── figures ─────────────────────────────────────────────────────────────────

    /// A stored value as a number in its shown unit, without the unit: "45.3", "2,473",
    /// "123.5" (亿元).
    #[must_use]
    pub fn number(self, stored: f64, unit: ShownUnit) -> String {
        self.number_with(stored, unit, unit.decimals())
    }

    /// [`Display::number`] with a given count of decimals (ignored for counts).
    #[must_use]
    pub fn number_with(self, stored: f64, unit: ShownUnit, decimals: usize) -> String {
        let shown = unit.scale(stored);
        let decimals = if unit.is_count() {
            0
        } else if unit == ShownUnit::Percent {
            decimals
        } else {
            // A small nonzero amount of money is not "0.0亿元": show its first digit.
            let mut d = decimals;
            while d < MAX_DECIMALS && shown != 0.0 && round_to(shown, d) == 0.0 {
                d += 1;
            }
            d
        };
        fixed(shown, decimals)
    }

    /// A value with its unit: "45.3%", "2,473家", "123.5亿元"; [`DASH`] when null.
    #[must_use]
    pub fn value(self, stored: Option<f64>, unit: ShownUnit) -> String {
        match stored.filter(|v| v.is_finite()) {
            None => DASH.to_string(),
            Some(v) => self.with_unit(&self.number(v, unit), unit),
        }
    }

    /// A number already written, followed by its unit ("2,473家", "2,473 enterprises").
    #[must_use]
    pub fn with_unit(self, number: &str, unit: ShownUnit) -> String {
        match (self.lang, unit) {
            (_, ShownUnit::Percent) | (Language::Zh, _) => format!("{number}{}", self.unit(unit)),
            (Language::En, ShownUnit::Count(_)) if number == "1" => {
                format!("1 {}", singular(self.unit(unit)))
            }
            (Language::En, _) => format!("{number} {}", self.unit(unit)),
        }
    }

    /// A change with its sign: "+3.2", "-0.4", "0.0" (percentage points for rates).
    #[must_use]
    pub fn signed(self, stored: f64, unit: ShownUnit) -> String {
        let s = self.number(stored, unit);
        if s.starts_with('-') || round_to(unit.scale(stored), unit.decimals()) == 0.0 {
            s
        } else {
            format!("+{s}")
        }
    }

    /// A change of a rate in percentage points: "+3.2个百分点" / "+3.2 pp".
    #[must_use]
    pub fn points(self, change: f64) -> String {
        let s = self.signed(change, ShownUnit::Percent);
        self.pick(format!("{s}个百分点"), format!("{s} pp"))
    }

    /// The decimals that make the comparison of `value` with its target `level`
    /// visible: the unit's default, more while the two read the same but differ (never
    /// "60.7% against 60.7%: missed"). Counts stay whole.
    #[must_use]
    pub fn decimals_to_compare(self, value: f64, level: f64, unit: ShownUnit) -> usize {
        let mut d = unit.decimals();
        if unit.is_count() || !value.is_finite() || !level.is_finite() {
            return d;
        }
        let (v, l) = (unit.scale(value), unit.scale(level));
        while d < MAX_DECIMALS && v != l && round_to(v, d) == round_to(l, d) {
            d += 1;
        }
        d
    }

    /// A value and its target level, written with the same decimals, enough that their
    /// comparison is visible: ("60.66%", "60.70%").
    #[must_use]
    pub fn compared(self, value: f64, level: f64, unit: ShownUnit) -> (String, String) {
        let d = self.decimals_to_compare(value, level, unit);
        (
            self.with_unit(&self.number_with(value, unit, d), unit),
            self.with_unit(&self.number_with(level, unit, d), unit),
        )
    }

    /// Progress towards a target: "80.0%", or 超额完成 / "exceeded" above 100% (the
    /// figure stays in the CSV).
    #[must_use]
    pub fn progress(self, progress: Option<f64>) -> String {
        match progress.filter(|p| p.is_finite()) {
            None => DASH.to_string(),
            Some(p) if p > 1.0 + crate::status::TOLERANCE => {
                self.pick("超额完成", "exceeded").to_string()
            }
            Some(p) => format!("{}%", fixed(p * 100.0, 1)),
        }
    }

    /// Progress of a judgement: as [`Display::progress`], except where the target level
    /// is below the baseline value (every rule asks for at least a level): the target
    /// was met before the plan began, and the formula's figure, negative or above any
    /// sense, would read as falling behind. 基期已达标 / "met at baseline" instead (the
    /// figure stays in the CSV).
    #[must_use]
    pub fn progress_of(self, j: &crate::status::Judgement) -> String {
        match (j.baseline_value, j.target_level) {
            (Some(b), Some(level)) if level < b => {
                self.pick("基期已达标", "met at baseline").to_string()
            }
            _ => self.progress(j.progress),
        }
    }

    /// The share `part / whole` in percent with one decimal; [`DASH`] for an empty whole.
    #[must_use]
    pub fn share(self, part: u64, whole: u64) -> String {
        if whole == 0 {
            return DASH.to_string();
        }
        format!("{}%", fixed(100.0 * part as f64 / whole as f64, 1))
    }

    /// What a target asks for: "提升5个百分点", "超过2,500家", "不少于1个（力争2个）";
    /// "+5 pp", "more than 2,500 enterprises", "at least 1 cluster (stretch 2)".
    #[must_use]
    pub fn target(self, target: &Target, unit: ShownUnit) -> String {
        let main = self.requirement(target, target.amount, unit);
        match target.stretch {
            None => main,
            Some(s) => {
                let stretch = self.amount(s, target, unit);
                self.pick(
                    format!("{main}（力争{stretch}）"),
                    format!("{main} (stretch {stretch})"),
                )
            }
        }
    }

    /// The rule with one amount: "超过2,500家", "提升5个百分点".
    fn requirement(self, target: &Target, amount: f64, unit: ShownUnit) -> String {
        let a = self.amount(amount, target, unit);
        match (target.rule, self.lang) {
            (Rule::Gain, Language::Zh) => format!("提升{a}"),
            (Rule::Gain, Language::En) => format!("+{a}"),
            (Rule::AtLeast, Language::Zh) => format!("不少于{a}"),
            (Rule::AtLeast, Language::En) => format!("at least {a}"),
            (Rule::MoreThan, Language::Zh) => format!("超过{a}"),
            (Rule::MoreThan, Language::En) => format!("more than {a}"),
        }
    }

    /// An amount of the plan with its unit, without needless decimals.
    fn amount(self, amount: f64, target: &Target, unit: ShownUnit) -> String {
        let plain = plain(unit.scale(amount));
        match (target.rule, target.unit) {
            (Rule::Gain, GainUnit::Pp) if unit == ShownUnit::Percent => {
                self.pick(format!("{plain}个百分点"), format!("{plain} pp"))
            }
            (Rule::Gain, GainUnit::Relative) => self.pick(
                format!("{plain}%（相对基期）"),
                format!("{plain}% of the baseline"),
            ),
            _ => self.with_unit(&plain, unit),
        }
    }

    // ── words ───────────────────────────────────────────────────────────────────

    #[must_use]
    pub fn status(self, status: Status) -> &'static str {
        status.label(self.lang)
    }

    /// Said where a target does not apply instead of "no data": a cluster recognised
    /// after the base year has no average growth since then.
    #[must_use]
    pub fn not_applicable(self) -> &'static str {
        self.pick("不适用", "not applicable")
    }

    /// The status with its marker, for places without colour: "● 已完成".
    #[must_use]
    pub fn status_marked(self, status: Status) -> String {
        format!("{} {}", palette::marker(status), self.status(status))
    }

    /// A quarter: "2025年四季度" / "2025 Q4".
    #[must_use]
    pub fn quarter(self, p: Period) -> String {
        match self.lang {
            Language::Zh => format!("{}年{}季度", p.year(), chinese_digit(p.quarter())),
            Language::En => format!("{} Q{}", p.year(), p.quarter()),
        }
    }

    /// The end of a quarter as a point in time: "2025年末", "2026年三季度末" /
    /// "end of 2025", "end of 2026 Q3".
    #[must_use]
    pub fn quarter_end(self, p: Period) -> String {
        match (self.lang, p.quarter()) {
            (Language::Zh, 4) => format!("{}年末", p.year()),
            (Language::Zh, q) => format!("{}年{}季度末", p.year(), chinese_digit(q)),
            (Language::En, 4) => format!("end of {}", p.year()),
            (Language::En, q) => format!("end of {} Q{q}", p.year()),
        }
    }

    /// The year to date at a quarter: "2026年一季度", "2026年上半年", "2026年前三季度",
    /// "2026年全年" / "Q1 2026", "H1 2026", "Q1–Q3 2026", "full year 2026".
    #[must_use]
    pub fn year_to_date(self, p: Period) -> String {
        let y = p.year();
        match (self.lang, p.quarter()) {
            (Language::Zh, 1) => format!("{y}年一季度"),
            (Language::Zh, 2) => format!("{y}年上半年"),
            (Language::Zh, 3) => format!("{y}年前三季度"),
            (Language::Zh, _) => format!("{y}年全年"),
            (Language::En, 1) => format!("Q1 {y}"),
            (Language::En, 2) => format!("H1 {y}"),
            (Language::En, 3) => format!("Q1–Q3 {y}"),
            (Language::En, _) => format!("full year {y}"),
        }
    }

    /// A UTC time (RFC 3339, as recorded) in China Standard Time: "2026年12月1日
    /// 20:50（北京时间）" / "2026-12-01 20:50 CST (UTC+8)". A time that does not parse
    /// is shown as it is.
    #[must_use]
    pub fn time(self, rfc3339_utc: &str) -> String {
        let Some((days, minutes)) = parse_utc_minutes(rfc3339_utc) else {
            return rfc3339_utc.to_string();
        };
        let total = days * 1440 + minutes + 8 * 60;
        let (days, minutes) = (total.div_euclid(1440), total.rem_euclid(1440));
        let (y, m, d) = civil_from_days(days);
        let (h, mi) = (minutes / 60, minutes % 60);
        match self.lang {
            Language::Zh => format!("{y}年{m}月{d}日 {h:02}:{mi:02}（北京时间）"),
            Language::En => format!("{y}-{m:02}-{d:02} {h:02}:{mi:02} CST (UTC+8)"),
        }
    }
}

/// Colours and markers of every printer. Status colours are the Okabe–Ito set (blue
/// for met, orange to vermillion for behind) plus a wine red from Paul Tol's set for a
/// missed target: distinct under deuteranopia and protanopia, and in lightness for
/// greyscale print; each status also has a marker, so nothing rests on colour alone.
pub mod palette {
    use crate::status::Status;

    /// An sRGB colour.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Rgb(pub u8, pub u8, pub u8);

    impl Rgb {
        /// "#0072B2".
        #[must_use]
        pub fn hex(self) -> String {
            format!("#{:02X}{:02X}{:02X}", self.0, self.1, self.2)
        }

        /// "0072B2", as xlsx and docx write colours.
        #[must_use]
        pub fn bare_hex(self) -> String {
            format!("{:02X}{:02X}{:02X}", self.0, self.1, self.2)
        }

        /// Relative luminance (0–255 scale), for choosing readable text on a fill.
        #[must_use]
        pub fn luminance(self) -> f64 {
            0.2126 * f64::from(self.0) + 0.7152 * f64::from(self.1) + 0.0722 * f64::from(self.2)
        }
    }

    pub const TEXT: Rgb = Rgb(33, 33, 33);
    pub const MUTED: Rgb = Rgb(97, 97, 97);
    pub const GRID: Rgb = Rgb(224, 224, 224);
    pub const AXIS: Rgb = Rgb(66, 66, 66);
    pub const WHITE: Rgb = Rgb(255, 255, 255);
    /// Bars and the observed series (Okabe–Ito blue).
    pub const DATA: Rgb = Rgb(0, 114, 178);
    /// The projection: the data colour, lighter (Okabe–Ito sky blue).
    pub const PROJECTION: Rgb = Rgb(86, 180, 233);
    /// Target lines: black, dashed, so they read in any print.
    pub const TARGET: Rgb = Rgb(0, 0, 0);
    /// Baseline marks.
    pub const BASELINE: Rgb = Rgb(120, 120, 120);
    /// A figure that needs attention (incomplete reporting): Okabe–Ito orange.
    pub const ATTENTION: Rgb = Rgb(230, 159, 0);

    /// The fill of a status.
    #[must_use]
    pub fn status(status: Status) -> Rgb {
        match status {
            Status::Achieved => Rgb(0, 114, 178),
            Status::OnTrack => Rgb(86, 180, 233),
            Status::AtRisk => Rgb(230, 159, 0),
            Status::OffTrack => Rgb(213, 94, 0),
            Status::Missed => Rgb(136, 34, 85),
            Status::NoData => Rgb(187, 187, 187),
            Status::NoTarget => WHITE,
        }
    }

    /// Text that reads on a status fill.
    #[must_use]
    pub fn ink_on(fill: Rgb) -> Rgb {
        if fill.luminance() < 140.0 {
            WHITE
        } else {
            TEXT
        }
    }

    /// The marker of a status, drawn beside its word where colour may be lost: filled
    /// for done, hollow for on its way, triangles for behind, a cross for missed.
    #[must_use]
    pub fn marker(status: Status) -> &'static str {
        match status {
            Status::Achieved => "●",
            Status::OnTrack => "○",
            Status::AtRisk => "△",
            Status::OffTrack => "▼",
            Status::Missed => "×",
            Status::NoData => "□",
            Status::NoTarget => "",
        }
    }
}

/// `x` rounded half away from zero to `decimals` places.
#[must_use]
pub fn round_to(x: f64, decimals: usize) -> f64 {
    let f = 10f64.powi(decimals as i32);
    (x * f).round() / f
}

/// `x` with `decimals` places, rounded half away from zero, thousands grouped with ","
/// from 1,000 on, and no "-0.0".
#[must_use]
pub fn fixed(x: f64, decimals: usize) -> String {
    let r = round_to(x, decimals);
    let s = format!("{:.*}", decimals, r.abs());
    let grouped = group_thousands(&s);
    if r < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("-{grouped}")
    } else {
        grouped
    }
}

/// A plain decimal number with "," between thousands: `1234567.5` → `1,234,567.5`.
#[must_use]
pub fn group_thousands(plain: &str) -> String {
    let (sign, rest) = plain.strip_prefix('-').map_or(("", plain), |r| ("-", r));
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut out = String::with_capacity(plain.len() + int.len() / 3);
    out.push_str(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// An amount as the plan writes it: no needless decimals, thousands grouped.
#[must_use]
pub fn plain(x: f64) -> String {
    let mut d = 0;
    while d < MAX_DECIMALS && (round_to(x, d) - x).abs() > 1e-9 {
        d += 1;
    }
    fixed(x, d)
}

/// The English unit of one thing: "1 cluster", "1 technology".
fn singular(plural: &str) -> String {
    match plural.strip_suffix("ies") {
        Some(stem) => format!("{stem}y"),
        None => plural.strip_suffix('s').unwrap_or(plural).to_string(),
    }
}

fn chinese_digit(q: u8) -> &'static str {
    ["〇", "一", "二", "三", "四"]
        .get(usize::from(q))
        .copied()
        .unwrap_or("?")
}

/// "2026-12-01T12:50:48Z" (or with "+00:00", fractions of a second allowed) → days
/// since 1970-01-01 and minutes of that day.
pub(crate) fn parse_utc_minutes(s: &str) -> Option<(i64, i64)> {
    let b = s.as_bytes();
    if b.len() < 16
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b' ')
        || b[13] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, m, d, h, mi) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
    );
    let tail = &s[16..];
    let utc = tail.ends_with('Z') || tail.ends_with("+00:00") || tail.is_empty();
    if !utc || !(1..=12).contains(&m) || !(1..=31).contains(&d) || h > 23 || mi > 59 {
        return None;
    }
    Some((days_from_civil(y, m, d), h * 60 + mi))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Scope;
    use crate::plan::Role;

    const ZH: Display = Display { lang: Language::Zh };
    const EN: Display = Display { lang: Language::En };
    const FIRMS: ShownUnit = ShownUnit::Count(Counted::Enterprises);

    fn target(rule: Rule, amount: f64, stretch: Option<f64>) -> Target {
        Target {
            indicator: "x".into(),
            scope: Scope::City,
            rule,
            amount,
            unit: GainUnit::Pp,
            stretch,
            note: None,
            role: Role::Target,
        }
    }

    #[test]
    fn figures_are_written_by_what_they_count() {
        assert_eq!(ZH.value(Some(45.25), ShownUnit::Percent), "45.3%");
        assert_eq!(ZH.value(Some(2472.6), FIRMS), "2,473家");
        assert_eq!(EN.value(Some(2472.6), FIRMS), "2,473 enterprises");
        assert_eq!(EN.value(Some(1.0), FIRMS), "1 enterprise");
        assert_eq!(
            EN.value(Some(1.0), ShownUnit::Count(Counted::Technologies)),
            "1 technology"
        );
        assert_eq!(
            ZH.value(Some(2.0), ShownUnit::Count(Counted::Technologies)),
            "2项"
        );
        assert_eq!(
            ZH.value(Some(3.0), ShownUnit::Count(Counted::Clusters)),
            "3个"
        );
        assert_eq!(
            ZH.value(Some(1_234_567.0), ShownUnit::HundredMillionYuan),
            "123.5亿元"
        );
        assert_eq!(
            ZH.value(Some(45.0), ShownUnit::HundredMillionYuan),
            "0.005亿元"
        );
        assert_eq!(ZH.value(Some(-0.01), ShownUnit::Percent), "0.0%");
        assert_eq!(ZH.value(None, FIRMS), DASH);
        assert_eq!(ZH.value(Some(f64::NAN), FIRMS), DASH);
        assert_eq!(ZH.points(3.25), "+3.3个百分点");
        assert_eq!(ZH.signed(-0.04, ShownUnit::Percent), "0.0");
    }

    #[test]
    fn a_comparison_gets_the_decimals_it_needs() {
        assert_eq!(
            ZH.compared(60.66, 60.7, ShownUnit::Percent),
            ("60.66%".to_string(), "60.70%".to_string())
        );
        assert_eq!(
            ZH.compared(45.2, 50.0, ShownUnit::Percent),
            ("45.2%".to_string(), "50.0%".to_string())
        );
        // Equal figures stay as they are; counts stay whole.
        assert_eq!(ZH.decimals_to_compare(2500.0, 2500.0, FIRMS), 0);
        assert_eq!(ZH.decimals_to_compare(2499.6, 2500.0, FIRMS), 0);
    }

    #[test]
    fn a_target_below_the_baseline_reads_met_at_baseline() {
        let j = crate::status::Judgement {
            value: Some(252_411.0),
            judged_period: None,
            judged_value: Some(252_411.0),
            baseline_period: None,
            baseline_value: Some(241_155.0),
            target_level: Some(2_500.0),
            projected: Some(252_411.0),
            progress: Some(-0.047),
            status: crate::status::Status::Achieved,
            trend: None,
            fit: None,
        };
        assert_eq!(ZH.progress_of(&j), "基期已达标");
        let ahead = crate::status::Judgement {
            baseline_value: Some(10.0),
            target_level: Some(20.0),
            progress: Some(0.5),
            ..j.clone()
        };
        assert_eq!(ZH.progress_of(&ahead), "50.0%");
    }

    #[test]
    fn progress_above_the_target_reads_exceeded() {
        assert_eq!(ZH.progress(Some(0.8)), "80.0%");
        assert_eq!(ZH.progress(Some(1.0)), "100.0%");
        assert_eq!(ZH.progress(Some(1.3)), "超额完成");
        assert_eq!(EN.progress(Some(1.3)), "exceeded");
        assert_eq!(ZH.progress(None), DASH);
        assert_eq!(ZH.share(8, 10), "80.0%");
        assert_eq!(ZH.share(0, 0), DASH);
    }

    #[test]
    fn targets_read_as_the_plan_states_them() {
        let clusters = ShownUnit::Count(Counted::Clusters);
        assert_eq!(
            ZH.target(&target(Rule::AtLeast, 1.0, Some(2.0)), clusters),
            "不少于1个（力争2个）"
        );
        assert_eq!(
            EN.target(&target(Rule::AtLeast, 1.0, Some(2.0)), clusters),
            "at least 1 cluster (stretch 2 clusters)"
        );
        assert_eq!(
            ZH.target(&target(Rule::MoreThan, 2500.0, None), FIRMS),
            "超过2,500家"
        );
        assert_eq!(
            ZH.target(&target(Rule::AtLeast, 10.0, None), ShownUnit::Percent),
            "不少于10%"
        );
        assert_eq!(
            ZH.target(&target(Rule::Gain, 5.0, None), ShownUnit::Percent),
            "提升5个百分点"
        );
        assert_eq!(
            EN.target(&target(Rule::Gain, 5.0, None), ShownUnit::Percent),
            "+5 pp"
        );
    }

    #[test]
    fn quarters_and_times_are_written_in_chinese() {
        let p: Period = "2025Q4".parse().unwrap();
        assert_eq!(ZH.quarter(p), "2025年四季度");
        assert_eq!(EN.quarter(p), "2025 Q4");
        assert_eq!(ZH.quarter_end(p), "2025年末");
        let q3: Period = "2026Q3".parse().unwrap();
        assert_eq!(ZH.quarter_end(q3), "2026年三季度末");
        assert_eq!(ZH.year_to_date(q3), "2026年前三季度");
        assert_eq!(EN.year_to_date(q3), "Q1–Q3 2026");
        // 20:30 UTC on the last day of a year is the next year in Beijing.
        assert_eq!(
            ZH.time("2025-12-31T20:30:00Z"),
            "2026年1月1日 04:30（北京时间）"
        );
        assert_eq!(
            EN.time("2026-12-01T12:50:48.123Z"),
            "2026-12-01 20:50 CST (UTC+8)"
        );
        assert_eq!(ZH.time("yesterday"), "yesterday");
    }

    #[test]
    fn rounding_is_half_away_from_zero_and_grouped() {
        assert_eq!(fixed(45.25, 1), "45.3");
        assert_eq!(fixed(1234567.0, 0), "1,234,567");
        assert_eq!(fixed(-1234.4, 0), "-1,234");
        assert_eq!(plain(0.15), "0.15");
        assert_eq!(plain(2500.0), "2,500");
    }

    #[test]
    fn status_text_reads_on_its_fill() {
        use palette::{Rgb, ink_on, status};
        for s in Status::TARGETED {
            let (fill, ink) = (status(s), ink_on(status(s)));
            assert!((fill.luminance() - ink.luminance()).abs() > 90.0, "{s:?}");
            assert!(!palette::marker(s).is_empty());
        }
        assert_eq!(Rgb(0, 114, 178).hex(), "#0072B2");
    }
}
