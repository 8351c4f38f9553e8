//! Single-value rules of the data contract: numbers, integers, booleans, levels,
//! periods and unified social credit codes, each with the error code it raises.

use std::borrow::Cow;

use clusterkpi_model::text::to_half_width;
use clusterkpi_model::{Code, Date, Period};

/// A rule broken by one value: the code and a message in both languages.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub code: Code,
    pub zh: String,
    pub en: String,
}

impl Violation {
    pub(crate) fn new(code: Code, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            code,
            zh: zh.into(),
            en: en.into(),
        }
    }
}

type Rule<T> = Result<T, Violation>;

/// The most characters of a value kept in an issue or a message. A cell may hold up
/// to the field limit (64 KiB); a problem list of such copies would grow with the
/// input, and no reader needs more than the start to find the cell.
pub const SHOWN_CHARS: usize = 200;

/// A value as shown in issues and messages: at most [`SHOWN_CHARS`] characters, with
/// `…` where it was cut.
#[must_use]
pub fn shown(s: &str) -> String {
    short(s).into_owned()
}

/// Trimmed, full-width forms folded. Every cell of every row passes here: an ASCII
/// value (nearly all of them) is borrowed, not copied (two allocations a cell were a
/// fifth of the ingest time).
fn clean(raw: &str) -> Cow<'_, str> {
    let bytes = raw.as_bytes();
    // Nothing to trim (the whitespace `str::trim` takes from ASCII text is all at or
    // below the space) and nothing to fold: the cell as it is, without the two scans
    // for its ends.
    if let (Some(&first), Some(&last)) = (bytes.first(), bytes.last())
        && first > b' '
        && last > b' '
        && raw.is_ascii()
    {
        return Cow::Borrowed(raw);
    }
    if raw.is_ascii() {
        Cow::Borrowed(trim_ascii_text(raw))
    } else if !may_need_care(raw) || !raw.chars().any(is_full_width_form) {
        // An enterprise's Chinese name: nothing to fold, so nothing to copy.
        Cow::Borrowed(trim_text(raw))
    } else {
        Cow::Owned(to_half_width(raw).trim().to_string())
    }
}

/// Whether text may hold a character [`clean`] folds (a full-width form, the
/// ideographic space) or one [`is_forbidden_char`] refuses, by its bytes: those below
/// the space, DEL, and the lead bytes of every such character's UTF-8 form (U+0080–
/// U+009F: C2; U+061C: D8; U+200B–U+2069: E2; U+3000: E3; U+FEFF and U+FF01–U+FF5E:
/// EF), which no continuation byte equals. A Chinese name (U+4E00–U+9FFF, lead bytes
/// E4–E9) has none, and is then checked without its characters being decoded: the
/// two decoding scans of each name were 18% of the roster's validation at 100x the
/// sample city (docs/PERFORMANCE.md).
fn may_need_care(s: &str) -> bool {
    // Every byte, without stopping at the first found, so that the compiler tests many
    // at once: a name is a few dozen bytes, and stopping early saved nothing.
    s.bytes().fold(false, |seen, b| {
        seen | (b < b' ')
            | (b == 0x7F)
            | (b == 0xC2)
            | (b == 0xD8)
            | (b == 0xE2)
            | (b == 0xE3)
            | (b == 0xEF)
    })
}

/// [`str::trim`], without decoding characters when neither end can be white space:
/// Unicode's white space is ASCII at or below the space, or begins with the byte C2,
/// E1, E2 or E3 (U+0085 and U+00A0; U+1680; U+2000–U+205F; U+3000).
fn trim_text(s: &str) -> &str {
    let bytes = s.as_bytes();
    let may_be_space = |lead: u8| lead <= b' ' || matches!(lead, 0xC2 | 0xE1 | 0xE2 | 0xE3);
    // The last character's first byte: continuation bytes are 10xxxxxx.
    let last = bytes.iter().rev().find(|b| *b & 0xC0 != 0x80);
    match (bytes.first(), last) {
        (Some(&first), Some(&last)) if !may_be_space(first) && !may_be_space(last) => s,
        _ => s.trim(),
    }
}

/// The characters [`to_half_width`] changes.
fn is_full_width_form(c: char) -> bool {
    matches!(c, '\u{FF01}'..='\u{FF5E}' | '\u{3000}')
}

/// [`str::trim`] of ASCII text, byte by byte: the whitespace characters of ASCII are
/// tab to carriage return and the space (`u8::trim_ascii` leaves the vertical tab,
/// which `str::trim` takes). `str::trim` decodes characters, and was a fortieth of an
/// ingest's instructions.
fn trim_ascii_text(s: &str) -> &str {
    let ws = |b: &u8| matches!(b, b'\t'..=b'\r' | b' ');
    let bytes = s.as_bytes();
    let start = bytes.iter().position(|b| !ws(b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !ws(b)).map_or(start, |e| e + 1);
    // Both ends are at ASCII bytes of `s`, so at character boundaries.
    &s[start..end]
}

/// [`shown`] without a copy when nothing is cut.
fn short(s: &str) -> Cow<'_, str> {
    // No more bytes than the limit, no more characters: nothing to walk (every
    // credit code passes here).
    if s.len() <= SHOWN_CHARS {
        return Cow::Borrowed(s);
    }
    match s.char_indices().nth(SHOWN_CHARS) {
        None => Cow::Borrowed(s),
        Some((at, _)) => Cow::Owned(format!("{}…", &s[..at])),
    }
}

/// Characters that must not be in a text value: C0 and C1 controls (they make XML
/// such as an SVG chart invalid, or move a terminal's cursor) and the bidirectional
/// overrides and isolates (they make a name read differently from what it is).
/// A tab is allowed (spreadsheets paste them); see `is_unsafe_char` for the rest.
/// Invisible format characters (zero-width space and joiners, word joiner, a BOM in
/// the middle of text) are refused too: with them two names that read the same are
/// different names, and a cluster or enterprise could be counted twice.
#[must_use]
pub fn is_forbidden_char(c: char) -> bool {
    (c != '\t' && clusterkpi_model::text::is_unsafe_char(c))
        || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// A finite decimal number: `1234.5`, `1,234.5`, `１２３`, surrounding spaces.
pub fn number(raw: &str) -> Rule<f64> {
    let s = clean(raw);
    let bad = || {
        let s = shown(&s);
        Violation::new(
            Code::E_NUMBER,
            format!("“{s}”不是有效数字"),
            format!("not a number: {s:?}"),
        )
    };
    if s.is_empty() {
        return Err(Violation::new(
            Code::E_NUMBER,
            "必填数值为空",
            "a required number is empty",
        ));
    }
    if let Some(v) = plain_decimal(&s) {
        return Ok(v);
    }
    let digits: Cow<str> = if s.contains(',') {
        // Thousands separators only in their proper places: 1,234,567.5
        let (int, frac) = s.split_once('.').map_or((&*s, None), |(i, f)| (i, Some(f)));
        let unsigned = int.strip_prefix(['-', '+']).unwrap_or(int);
        let groups: Vec<&str> = unsigned.split(',').collect();
        let ok = !groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3)
            && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
        if !ok {
            return Err(bad());
        }
        let mut d = s.replace(',', "");
        if frac.is_some_and(str::is_empty) {
            d.push('0');
        }
        Cow::Owned(d)
    } else {
        Cow::Borrowed(&*s)
    };
    // Only plain decimal notation with an optional exponent: no NaN, inf, hex, %.
    let ok_chars = digits
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    let has_digit = digits.bytes().any(|b| b.is_ascii_digit());
    if !ok_chars || !has_digit {
        return Err(bad());
    }
    match digits.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(if v == 0.0 { 0.0 } else { v }),
        _ => Err(bad()),
    }
}

/// A number of plain digits with at most one point and at most 15 digits (`1234.5`,
/// `0.25`, `12`, `5.`, `.5`), which is nearly every figure a county sends, read without
/// the standard parser: its digits make an integer below 2^53 and its point a power of
/// ten up to 10^15, both exact as doubles, so their quotient is the correctly rounded
/// value, the one `str::parse` gives (Clinger's fast path). Three columns of every row
/// are figures; the standard parser's four passes over each were its most expensive
/// rule. Anything else is `None`, for the general way.
fn plain_decimal(s: &str) -> Option<f64> {
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let mut mantissa = 0i64;
    let mut digits = 0usize;
    let mut point: Option<usize> = None;
    for b in s.bytes() {
        match b {
            b'0'..=b'9' => {
                digits += 1;
                if digits > 15 {
                    return None;
                }
                mantissa = mantissa * 10 + i64::from(b - b'0');
            }
            b'.' if point.is_none() => point = Some(digits),
            _ => return None,
        }
    }
    if digits == 0 {
        return None;
    }
    let fraction = point.map_or(0, |at| digits - at);
    #[allow(clippy::cast_precision_loss)] // exact: below 10^15
    Some(mantissa as f64 / POW10[fraction])
}

/// A number within ±`max`: a plausibility bound, so that a typo or a hostile value
/// (`1.7976931348623157e308`) cannot overflow a sum to infinity.
pub fn bounded(raw: &str, max: f64) -> Rule<f64> {
    let v = number(raw)?;
    check_bound(v, max)
}

fn check_bound(v: f64, max: f64) -> Rule<f64> {
    if v.abs() > max {
        // 1.7976931348623157e308, not its 309 digits.
        let shown = if v.abs() >= 1e15 {
            format!("{v:e}")
        } else {
            format!("{v}")
        };
        return Err(Violation::new(
            Code::E_RANGE,
            format!("{shown} 超出合理范围（绝对值不超过 {max}）"),
            format!("{shown} is outside the plausible range (at most {max} in absolute value)"),
        ));
    }
    Ok(v)
}

/// A number that must be ≥ 0 and at most `max`.
pub fn non_negative(raw: &str, max: f64) -> Rule<f64> {
    let v = number(raw)?;
    if v < 0.0 {
        return Err(Violation::new(
            Code::E_RANGE,
            format!("{v} 不能为负数"),
            format!("{v} must not be negative"),
        ));
    }
    check_bound(v, max)
}

/// A whole number ≥ 0 and at most `max` (`12.0` is accepted, `12.5` is not).
pub fn count(raw: &str, max: f64) -> Rule<i64> {
    // Nearly every count is a few plain digits: read as an integer, it is the number
    // `count_of_number` reads, exactly (up to 15 digits a double holds every integer).
    // Four columns of every row are counts, and reading them as decimal numbers was a
    // twentieth of an ingest's instructions. Anything else, and a count above `max`
    // (for its error), takes the general way.
    let s = clean(raw);
    if (1..=15).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
        let v = s.bytes().fold(0i64, |v, b| v * 10 + i64::from(b - b'0'));
        #[allow(clippy::cast_precision_loss)] // exact: below 10^15
        if v as f64 <= max {
            return Ok(v);
        }
    }
    count_of_number(raw, max)
}

/// [`count`] by way of [`non_negative`]: any form a number may take.
fn count_of_number(raw: &str, max: f64) -> Rule<i64> {
    let v = non_negative(raw, max)?;
    if v.fract() != 0.0 {
        return Err(Violation::new(
            Code::E_RANGE,
            format!("{v} 应为整数"),
            format!("{v} must be a whole number"),
        ));
    }
    Ok(v as i64)
}

/// `是/否`, `Y/N`, `yes/no`, `true/false`, `1/0`, `√/×`, case-insensitive.
pub fn boolean(raw: &str) -> Rule<bool> {
    const YES: [&str; 8] = ["是", "y", "yes", "true", "1", "√", "✓", "✔"];
    const NO: [&str; 9] = ["否", "n", "no", "false", "0", "×", "✗", "✘", "x"];
    let cleaned = clean(raw);
    // The forms a template or an export writes, as they stand: no walk of the lists.
    match &*cleaned {
        "true" | "TRUE" | "是" | "1" => return Ok(true),
        "false" | "FALSE" | "否" | "0" => return Ok(false),
        _ => {}
    }
    // Every form is ASCII letters or caseless characters: a case-insensitive ASCII
    // comparison is the lower-casing, without building a lower-cased copy.
    if YES.iter().any(|f| f.eq_ignore_ascii_case(&cleaned)) {
        return Ok(true);
    }
    if NO.iter().any(|f| f.eq_ignore_ascii_case(&cleaned)) {
        return Ok(false);
    }
    let s = short(&cleaned).to_lowercase();
    match s.as_str() {
        "是" | "y" | "yes" | "true" | "1" | "√" | "✓" | "✔" => Ok(true),
        "否" | "n" | "no" | "false" | "0" | "×" | "✗" | "✘" | "x" => Ok(false),
        _ => Err(Violation::new(
            Code::E_BOOL,
            format!("“{s}”不是是/否值（可用 是/否、Y/N、1/0、√/×）"),
            format!("not a yes/no value: {s:?} (use 是/否, Y/N, yes/no, true/false, 1/0, √/×)"),
        )),
    }
}

/// A level (enum) column: each canonical English word with its Chinese forms.
pub type Levels = &'static [(&'static str, &'static [&'static str])];

pub const SPECIALIZED: Levels = &[
    ("none", &["无"]),
    ("provincial", &["省级", "省级专精特新"]),
    (
        "national",
        &[
            "国家级",
            "国家级专精特新小巨人",
            "国家级专精特新",
            "小巨人",
            "专精特新小巨人",
        ],
    ),
];
pub const DESIGN_CENTER: Levels = &[
    ("none", &["无"]),
    ("municipal", &["市级"]),
    ("provincial", &["省级"]),
    ("national", &["国家级"]),
];
pub const GREEN_OR_DEMO: Levels = &[
    ("none", &["无"]),
    ("provincial", &["省级"]),
    ("national", &["国家级"]),
];
pub const LISTING: Levels = &[
    ("none", &["无"]),
    ("reserve", &["后备", "上市后备"]),
    ("listed", &["已上市", "上市"]),
];
pub const SCOPES: Levels = &[
    ("city", &["市", "全市", "城市"]),
    ("cluster", &["集群", "产业集群"]),
];

/// Matches a level by its English word or a Chinese form; quotes are ignored so that
/// `国家级专精特新“小巨人”` matches.
pub fn level(raw: &str, levels: Levels) -> Rule<&'static str> {
    let cleaned = clean(raw);
    // The word a template writes, as it stands: compared whole, not byte by byte
    // without case.
    if let Some((canonical, _)) = levels.iter().find(|(c, _)| *c == cleaned) {
        return Ok(canonical);
    }
    // The common case first, without copies: the value is a form as it stands.
    for (canonical, forms) in levels {
        if canonical.eq_ignore_ascii_case(&cleaned) || forms.contains(&&*cleaned) {
            return Ok(canonical);
        }
    }
    let s: String = short(&cleaned)
        .chars()
        .filter(|c| !matches!(c, '"' | '“' | '”' | '\'' | '‘' | '’'))
        .collect();
    let lower = s.to_lowercase();
    for (canonical, forms) in levels {
        if lower == *canonical || forms.contains(&s.as_str()) {
            return Ok(canonical);
        }
    }
    let allowed: Vec<String> = levels
        .iter()
        .map(|(c, f)| format!("{}/{c}", f[0]))
        .collect();
    Err(Violation::new(
        Code::E_ENUM,
        format!("“{s}”不是允许的取值（{}）", allowed.join("、")),
        format!("{s:?} is not one of {}", allowed.join(", ")),
    ))
}

/// A quarter in any contract form, not after `today`.
pub fn period(raw: &str, today: Date) -> Rule<Period> {
    let cleaned = clean(raw);
    let s = short(&cleaned);
    Period::parse_not_after(&s, today).map_err(|e| {
        let zh = match e {
            clusterkpi_model::period::PeriodError::Form => {
                format!("“{s}”不是有效报告期（如 2024Q3、2024年第三季度、2024-09）")
            }
            clusterkpi_model::period::PeriodError::NotQuarterEnd(m) => {
                format!("{m}月不是季末月份（3、6、9、12月）")
            }
            clusterkpi_model::period::PeriodError::Future(p) => format!("报告期 {p} 晚于当前日期"),
        };
        Violation::new(Code::E_PERIOD, zh, format!("{s:?}: {e}"))
    })
}

const CREDIT_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// The GB 32100-2015 check character for the first 17 characters, if they are valid.
#[must_use]
pub fn credit_check_char(first17: &str) -> Option<char> {
    let check = check_value(first17.chars())?;
    Some(char::from(CREDIT_CHARS.as_bytes()[check as usize]))
}

/// The value in the GB 32100 alphabet of the check character for the first 17
/// characters, if they are all of the alphabet.
fn check_value(first17: impl IntoIterator<Item = char>) -> Option<u32> {
    let mut sum = 0;
    for (c, w) in first17.into_iter().zip(CREDIT_WEIGHTS) {
        sum += credit_value(c)? * w;
    }
    Some((31 - sum % 31) % 31)
}

/// Each ASCII character's value in the GB 32100 alphabet (its position in
/// [`CREDIT_CHARS`]), 255 outside it: every row's credit code is checked character by
/// character, and a table lookup replaced a search of the alphabet that took 9% of an
/// ingest's CPU.
const CREDIT_VALUES: [u8; 128] = {
    let mut table = [255u8; 128];
    let chars = CREDIT_CHARS.as_bytes();
    let mut i = 0;
    while i < chars.len() {
        table[chars[i] as usize] = i as u8;
        i += 1;
    }
    table
};

fn credit_value(c: char) -> Option<u32> {
    let v = *CREDIT_VALUES.get(c as usize)?;
    (v != 255).then_some(u32::from(v))
}

/// A unified social credit code (统一社会信用代码): 18 characters of the GB 32100-2015
/// alphabet with a correct check character. Returned upper-cased.
pub fn credit_code(raw: &str) -> Rule<String> {
    credit_code_ascii(raw).map(|code| code_text(&code).to_string())
}

/// A checked code's text (its characters are of the GB 32100 alphabet, all ASCII).
pub(crate) fn code_text(code: &[u8; 18]) -> &str {
    std::str::from_utf8(code).expect("a checked credit code is ASCII")
}

/// [`credit_code`] as its 18 ASCII characters, without a string.
pub fn credit_code_ascii(raw: &str) -> Rule<[u8; 18]> {
    let cleaned = clean(raw);
    match valid_ascii_code(&cleaned) {
        Some(code) => Ok(code),
        None => checked_code(&cleaned).map(|code| {
            code.as_bytes()
                .try_into()
                .expect("a checked code is 18 ASCII characters")
        }),
    }
}

/// [`credit_code`] of a cleaned cell, character by character.
fn checked_code(cleaned: &str) -> Rule<String> {
    let s = if cleaned.is_ascii() {
        short(cleaned).to_ascii_uppercase()
    } else {
        short(cleaned).to_uppercase()
    };
    let bad = |why_zh: &str, why_en: &str| {
        Violation::new(
            Code::E_CREDIT_CODE,
            format!("统一社会信用代码“{s}”{why_zh}"),
            format!("unified social credit code {s:?} {why_en}"),
        )
    };
    let chars = if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    };
    if chars != 18 {
        return Err(bad("应为18位", "must have 18 characters"));
    }
    if !s.chars().all(|c| credit_value(c).is_some()) {
        return Err(bad(
            "含有不允许的字符（不使用 I、O、Z、S、V）",
            "has characters outside the GB 32100 alphabet",
        ));
    }
    let expected = credit_check_char(&s[..17]).ok_or_else(|| bad("格式错误", "is malformed"))?;
    if s.ends_with(expected) {
        Ok(s)
    } else {
        Err(bad(
            &format!("校验位错误（应为 {expected}）"),
            &format!("has a wrong check character (expected {expected})"),
        ))
    }
}

/// A valid code of 18 ASCII characters in one pass over its bytes, upper-cased,
/// checked and copied once (every report row's code is one; the general way below
/// walks it five times and was 3% of an ingest's instructions). Anything else, valid
/// or not, is left to the general way, which says what is wrong.
fn valid_ascii_code(s: &str) -> Option<[u8; 18]> {
    let mut upper: [u8; 18] = s.as_bytes().try_into().ok()?;
    upper.make_ascii_uppercase();
    // A byte above ASCII is a character above the alphabet's table: not of it.
    let check = check_value(upper[..17].iter().map(|&b| char::from(b)))?;
    (credit_value(char::from(upper[17]))? == check).then_some(upper)
}

/// Required text; trimmed, full-width forms folded.
pub fn text(raw: &str, max_chars: usize) -> Rule<String> {
    let s = clean(raw);
    check_clean_text(&s, max_chars)?;
    Ok(s.into_owned())
}

/// [`text`]'s rules, without the text.
pub fn check_text(raw: &str, max_chars: usize) -> Rule<()> {
    check_clean_text(&clean(raw), max_chars)
}

fn check_clean_text(s: &str, max_chars: usize) -> Rule<()> {
    if s.is_empty() {
        return Err(Violation::new(
            Code::E_REQUIRED,
            "必填项为空",
            "a required value is empty",
        ));
    }
    if s.chars().count() > max_chars {
        return Err(Violation::new(
            Code::E_TEXT,
            format!("长度超过 {max_chars} 个字符"),
            format!("longer than {max_chars} characters"),
        ));
    }
    if may_need_care(s)
        && let Some(c) = s.chars().find(|c| is_forbidden_char(*c))
    {
        let u = format!("U+{:04X}", c as u32);
        return Err(Violation::new(
            Code::E_TEXT,
            format!("含有不允许的控制字符 {u}"),
            format!("contains the control character {u}, which is not allowed"),
        ));
    }
    Ok(())
}

/// A cluster id: `[a-z0-9-]{2,40}`.
pub fn cluster_id(raw: &str) -> Rule<String> {
    let s = text(raw, 40)?;
    let ok = s.len() >= 2
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !ok {
        return Err(Violation::new(
            Code::E_TEXT,
            format!("集群编码“{s}”应为2–40位小写字母、数字或连字符"),
            format!("cluster id {s:?} must match [a-z0-9-]{{2,40}}"),
        ));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte test that lets a name skip its character scans misses no character
    /// those scans look for.
    #[test]
    fn every_character_folded_or_refused_is_seen_by_its_bytes() {
        for c in (0..=0x10_FFFFu32).filter_map(char::from_u32) {
            if is_forbidden_char(c) || is_full_width_form(c) {
                assert!(may_need_care(c.encode_utf8(&mut [0; 4])), "{c:?}");
            }
        }
        assert!(!may_need_care("辛集市美德皮革制品有限公司"));
    }

    /// The byte test that lets a name skip `str::trim` misses no white space at
    /// either end.
    #[test]
    fn white_space_at_either_end_is_trimmed() {
        for c in (0..=0x10_FFFFu32).filter_map(char::from_u32) {
            if c.is_whitespace() {
                let padded = format!("{c}辛集{c}");
                assert_eq!(trim_text(&padded), "辛集", "{c:?}");
                assert_eq!(trim_text(&format!("集{c}")), "集", "{c:?}");
            }
        }
        assert_eq!(trim_text("辛集市"), "辛集市");
        assert_eq!(trim_text(""), "");
    }

    /// The plain decimals read without the standard parser are read as it reads them,
    /// to the bit: every length and place of the point, the largest mantissas, the
    /// smallest fractions, leading and trailing zeros; and the forms it leaves to the
    /// general way are left.
    #[test]
    fn plain_decimals_read_as_the_standard_parser_does() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut cases: Vec<String> = [
            "0",
            "0.0",
            "000.000",
            "5.",
            ".5",
            "0.1",
            "0.3",
            "2.675",
            "1234.5",
            "999999999999999",
            "99999999999999.9",
            ".999999999999999",
            ".000000000000001",
            "100000000000000",
            "123456789012345",
            "1.23456789012345",
            "0000000000000.1",
        ]
        .iter()
        .map(|s| (*s).to_string())
        .collect();
        for _ in 0..200_000 {
            let len = (next() % 15 + 1) as usize;
            let digits: String = (0..len)
                .map(|_| char::from(b'0' + (next() % 10) as u8))
                .collect();
            let at = (next() % (len as u64 + 1)) as usize;
            cases.push(format!("{}.{}", &digits[..at], &digits[at..]));
            cases.push(digits);
        }
        for s in &cases {
            let want: f64 = s.parse().unwrap();
            assert_eq!(
                plain_decimal(s).map(f64::to_bits),
                Some(want.to_bits()),
                "{s:?}"
            );
            assert_eq!(number(s).map(f64::to_bits), Ok(want.to_bits()), "{s:?}");
        }
        for s in [
            "",
            ".",
            "1.2.3",
            "1234567890123456",
            "0.000000000000001",
            "-1",
            "+1",
            "1e3",
            "1,234",
            "1 2",
            "１２",
            "nan",
            "inf",
            "0x10",
        ] {
            assert_eq!(plain_decimal(s), None, "{s:?}");
        }
    }

    /// A count of plain digits reads as the general way reads it, value or error:
    /// leading zeros, spaces, the bound and either side of it, 15 and 16 digits, and
    /// forms only the general way reads.
    #[test]
    fn a_count_of_digits_reads_as_any_number_does() {
        let inputs = [
            "0",
            "7",
            "007",
            " 12 ",
            "\t3\r",
            "999",
            "1000",
            "1001",
            "123456789012345",
            "999999999999999",
            "1234567890123456",
            "12345678901234567890",
            "",
            " ",
            "12.0",
            "12.5",
            "-1",
            "+4",
            "1,000",
            "１２",
            "1e3",
            "0x10",
            "12a",
            "٣",
        ];
        for max in [0.0, 1.0, 1000.0, 1e12, 1e15, 1e18] {
            for raw in inputs {
                assert_eq!(count(raw, max), count_of_number(raw, max), "{raw:?} {max}");
            }
        }
    }

    /// Text is cleaned as before whether or not it has full-width forms to fold.
    #[test]
    fn text_without_full_width_forms_is_cleaned_as_folded_text() {
        for raw in [
            "石家庄市某某机械有限公司",
            "  石家庄 ",
            "\u{3000}石家庄\u{3000}",
            "ＡＢＣ有限公司",
            "é",
            " x\u{a0}",
            "\u{a0}",
        ] {
            assert_eq!(clean(raw), to_half_width(raw).trim(), "{raw:?}");
        }
    }

    /// ASCII text is trimmed exactly as `str::trim` trims it: every ASCII character
    /// alone, around and inside a value, and the empty text.
    #[test]
    fn ascii_text_is_trimmed_as_str_trim_trims_it() {
        for b in 0u8..128 {
            let c = char::from(b);
            for text in [
                c.to_string(),
                format!("{c}1{c}"),
                format!("{c}{c}a b{c}"),
                format!("x{c}y"),
            ] {
                assert_eq!(trim_ascii_text(&text), text.trim(), "{b:#04x}");
                assert_eq!(clean(&text), text.trim(), "{b:#04x}");
            }
        }
        assert_eq!(trim_ascii_text(""), "");
        assert_eq!(trim_ascii_text(" \t\u{b}\u{c}\r\n"), "");
    }

    /// A row read back from the dataset keeps its words only if the row declaration
    /// knows them.
    #[test]
    fn every_level_word_is_a_stored_word() {
        for levels in [SPECIALIZED, DESIGN_CENTER, GREEN_OR_DEMO, LISTING, SCOPES] {
            for (word, _) in levels {
                assert!(clusterkpi_model::rows::WORDS.contains(word), "{word}");
            }
        }
    }

    #[test]
    fn numbers_in_every_allowed_form() {
        assert_eq!(number("1234.5"), Ok(1234.5));
        assert_eq!(number("1,234.5"), Ok(1234.5));
        assert_eq!(number(" 1,234,567 "), Ok(1_234_567.0));
        assert_eq!(number("１２３"), Ok(123.0));
        assert_eq!(number("-5"), Ok(-5.0));
        assert_eq!(number("0.5"), Ok(0.5));
        assert_eq!(number("1.5e3"), Ok(1500.0));
    }

    #[test]
    fn numbers_that_are_not() {
        for bad in [
            "NaN", "nan", "inf", "-inf", "1e309", "12%", "--", "", "  ", "1,23", "12,3456",
            "1.2.3", "abc", "0x10", "1 234",
        ] {
            assert_eq!(number(bad).unwrap_err().code, Code::E_NUMBER, "{bad:?}");
        }
    }

    #[test]
    fn ranges() {
        assert_eq!(non_negative("-1", 1e9).unwrap_err().code, Code::E_RANGE);
        assert_eq!(count("3.5", 1e9).unwrap_err().code, Code::E_RANGE);
        assert_eq!(count("12.0", 1e9), Ok(12));
        assert_eq!(count("x", 1e9).unwrap_err().code, Code::E_NUMBER);
        // Plausibility: the largest double is a number, but not a revenue.
        for huge in ["1.7976931348623157e308", "1e10", "10000000001"] {
            assert_eq!(
                non_negative(huge, 1e9).unwrap_err().code,
                Code::E_RANGE,
                "{huge}"
            );
            assert_eq!(count(huge, 1e9).unwrap_err().code, Code::E_RANGE, "{huge}");
        }
        assert_eq!(bounded("-1e13", 1e12).unwrap_err().code, Code::E_RANGE);
        assert_eq!(bounded("-5", 1e12), Ok(-5.0));
    }

    #[test]
    fn control_and_bidi_characters_are_not_text() {
        for bad in [
            "a\u{1}b",
            "\u{1b}[31mred",
            "名\u{202E}称",
            "x\u{2066}y",
            "a\u{85}b",
            "辛集\u{200B}皮革",
            "辛集\u{FEFF}皮革",
        ] {
            assert_eq!(text(bad, 200).unwrap_err().code, Code::E_TEXT, "{bad:?}");
        }
        assert_eq!(text("辛集\t皮革", 200), Ok("辛集\t皮革".into()));
    }

    #[test]
    fn shown_values_are_cut() {
        let long = "值".repeat(10_000);
        let s = shown(&long);
        assert_eq!(s.chars().count(), SHOWN_CHARS + 1);
        assert!(s.ends_with('…'));
        assert_eq!(shown("short"), "short");
    }

    #[test]
    fn booleans() {
        for t in ["是", "Y", "y", "YES", "true", "True", "1", "√", "Ｙ"] {
            assert_eq!(boolean(t), Ok(true), "{t}");
        }
        for f in ["否", "N", "no", "FALSE", "0", "×"] {
            assert_eq!(boolean(f), Ok(false), "{f}");
        }
        for bad in ["", "maybe", "2", "有"] {
            assert_eq!(boolean(bad).unwrap_err().code, Code::E_BOOL);
        }
    }

    #[test]
    fn levels() {
        assert_eq!(level("国家级专精特新“小巨人”", SPECIALIZED), Ok("national"));
        assert_eq!(
            level("国家级专精特新\"小巨人\"", SPECIALIZED),
            Ok("national")
        );
        assert_eq!(level("小巨人", SPECIALIZED), Ok("national"));
        assert_eq!(level("Provincial", SPECIALIZED), Ok("provincial"));
        assert_eq!(level("无", LISTING), Ok("none"));
        assert_eq!(level("上市后备", LISTING), Ok("reserve"));
        assert_eq!(level("市级", DESIGN_CENTER), Ok("municipal"));
        assert_eq!(level("市级", GREEN_OR_DEMO).unwrap_err().code, Code::E_ENUM);
        assert_eq!(level("", GREEN_OR_DEMO).unwrap_err().code, Code::E_ENUM);
    }

    #[test]
    fn credit_codes() {
        // A well-known valid code (the check character computed by GB 32100-2015).
        let first17 = "91130100MA0CXXXX0";
        let code = format!("{first17}{}", credit_check_char(first17).unwrap());
        assert_eq!(credit_code(&code.to_lowercase()), Ok(code.clone()));
        let mut wrong = code.clone();
        let last = wrong.pop().unwrap();
        wrong.push(if last == '0' { '1' } else { '0' });
        assert_eq!(credit_code(&wrong).unwrap_err().code, Code::E_CREDIT_CODE);
        assert_eq!(
            credit_code("91130100").unwrap_err().code,
            Code::E_CREDIT_CODE
        );
        assert_eq!(
            credit_code("91130100MA0CXXXXOI").unwrap_err().code,
            Code::E_CREDIT_CODE
        );
        // Published example: 91350100M000100Y43 is valid.
        assert!(credit_code("91350100M000100Y43").is_ok());
    }

    /// The one-pass reading of an ASCII code takes exactly the codes the general way
    /// takes, the same: every code of 18 characters whose first 17 are a valid code's
    /// with one character changed to any ASCII character, in both cases.
    #[test]
    fn ascii_codes_read_in_one_pass_as_in_general() {
        let first17 = "91130100MA0CXXXX0";
        let valid = format!("{first17}{}", credit_check_char(first17).unwrap());
        let mut taken = 0;
        for at in 0..18 {
            for b in 0u8..128 {
                let mut code = valid.clone().into_bytes();
                code[at] = b;
                for code in [code.clone(), code.to_ascii_lowercase()] {
                    let code = String::from_utf8(code).unwrap();
                    let general = checked_code(&code).ok();
                    let fast =
                        valid_ascii_code(&code).map(|c| String::from_utf8(c.to_vec()).unwrap());
                    assert_eq!(fast, general, "{code:?}");
                    taken += usize::from(general.is_some());
                }
            }
        }
        assert!(taken > 18 * 2, "{taken}");
        for other in ["", "9113", "91130100MA0CXXXX0X1", "９1130100MA0CXXXX0X"] {
            assert_eq!(valid_ascii_code(other), None);
        }
    }

    #[test]
    fn periods_and_future() {
        let today = Date {
            year: 2024,
            month: 8,
            day: 1,
        };
        assert_eq!(
            period("2024年第三季度", today).unwrap().to_string(),
            "2024Q3"
        );
        assert_eq!(period("2024Q4", today).unwrap_err().code, Code::E_PERIOD);
        assert_eq!(period("2024-08", today).unwrap_err().code, Code::E_PERIOD);
    }

    #[test]
    fn cluster_ids() {
        assert!(cluster_id("xinji-leather").is_ok());
        assert_eq!(cluster_id("Xinji").unwrap_err().code, Code::E_TEXT);
        assert_eq!(cluster_id("x").unwrap_err().code, Code::E_TEXT);
        assert_eq!(cluster_id("").unwrap_err().code, Code::E_REQUIRED);
    }
}
