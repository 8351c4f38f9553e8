//! Words on the charts: the Chinese and English strings, number formats, target
//! descriptions and line wrapping (by character for hanzi, by word for Latin text).

use std::borrow::Cow;

use clusterkpi_model::plan::GainUnit;
use clusterkpi_model::{Evaluation, Language, Rule, Target, Unit};

use crate::font::text_width;

/// What a label may carry into a chart. Names come from county files, so a cluster
/// name may hold any character: C0 and C1 control characters are not allowed in XML
/// (one makes the SVG unreadable) and draw as boxes in the PNG; bidirectional controls
/// (U+202E) reorder what follows them, so a label could show other text than it holds;
/// U+FFFE and U+FFFF are not XML characters either. Line breaks and tabs become a
/// space, so the words on either side stay apart; everything else of this kind is
/// dropped. Every text reaches the chart through [`crate::scene::Scene::text`], which
/// applies this, and is measured through [`crate::font::text_width`], which does too,
/// so layout and drawing agree.
pub(crate) fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| forbidden(c) || blank(c)) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .filter(|c| !forbidden(*c))
            .map(|c| if blank(c) { ' ' } else { c })
            .collect(),
    )
}

/// Breaks a one-line label turns into a space.
fn blank(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

/// Characters a label never carries (see [`clean`]): the project's one rule for
/// unsafe characters, plus the two that XML does not allow.
fn forbidden(c: char) -> bool {
    (clusterkpi_model::text::is_unsafe_char(c) && !blank(c)) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

/// The Chinese or English form of a fixed string.
pub(crate) fn pick<'a>(lang: Language, zh: &'a str, en: &'a str) -> &'a str {
    match lang {
        Language::Zh => zh,
        Language::En => en,
    }
}

/// The source line printed at the bottom of every chart.
pub(crate) fn source_line(eval: &Evaluation) -> String {
    match eval.language {
        Language::Zh => format!(
            "数据来源：{}县域特色产业集群企业季度报表，截至{}",
            eval.plan.city_name, eval.as_of
        ),
        Language::En => format!(
            "Source: county cluster enterprise quarterly reports, {}, as of {}",
            eval.plan.city_name_en, eval.as_of
        ),
    }
}

/// An indicator's name in the evaluation's language; its id if the catalogue lacks it.
pub(crate) fn indicator_name(eval: &Evaluation, id: &str) -> String {
    eval.indicator(id)
        .map_or_else(|| id.to_string(), |i| i.name_in(eval.language).to_string())
}

/// The unit as printed after a number or in an axis title.
pub(crate) fn unit_label(unit: Unit, lang: Language) -> &'static str {
    match lang {
        Language::Zh => unit.label_zh(),
        Language::En => match unit {
            Unit::Percent => "%",
            Unit::Count => "count",
            Unit::TenThousandYuan => "10k yuan",
        },
    }
}

/// "单位：个" / "Unit: count".
pub(crate) fn unit_title(unit: Unit, lang: Language) -> String {
    match lang {
        Language::Zh => format!("单位：{}", unit_label(unit, lang)),
        Language::En => format!("Unit: {}", unit_label(unit, lang)),
    }
}

/// Decimals shown for a value of this unit: rates to 0.1, counts whole when whole.
fn decimals(v: f64, unit: Unit) -> usize {
    match unit {
        Unit::Percent => 1,
        Unit::Count if (v - v.round()).abs() < 1e-9 => 0,
        Unit::Count => 1,
        Unit::TenThousandYuan if v.abs() >= 100.0 => 0,
        Unit::TenThousandYuan => 1,
    }
}

/// `v` with `decimals` places and thousands separators from 10 000 on (smaller numbers
/// read better without, as Chinese statistical bulletins print them).
pub(crate) fn fmt_fixed(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = s
        .split_once('.')
        .map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    if v < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.push('-');
    }
    if int.len() > 4 {
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
    } else {
        out.push_str(int);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// A value as printed in a label, without its unit.
pub(crate) fn fmt_number(v: f64, unit: Unit) -> String {
    fmt_fixed(v, decimals(v, unit))
}

/// A value with its unit: "52.3%", "2612个" / "2612", "1,234万元" / "1,234 10k yuan".
pub(crate) fn fmt_value(v: f64, unit: Unit, lang: Language) -> String {
    let n = fmt_number(v, unit);
    match (unit, lang) {
        (Unit::Percent, _) => format!("{n}%"),
        (_, Language::Zh) => format!("{n}{}", unit.label_zh()),
        (Unit::Count, Language::En) => n,
        (Unit::TenThousandYuan, Language::En) => format!("{n} 10k yuan"),
    }
}

/// A change with its sign, e.g. "+3.2".
pub(crate) fn fmt_signed(v: f64, decimals: usize) -> String {
    let s = fmt_fixed(v, decimals);
    if s.starts_with('-')
        || s.chars()
            .all(|c| !c.is_ascii_digit() || c == '0' || c == '.')
    {
        s
    } else {
        format!("+{s}")
    }
}

/// "无数据" / "no data".
pub(crate) fn no_data(lang: Language) -> &'static str {
    pick(lang, "无数据", "no data")
}

/// What the plan asks for: "+5个百分点", "≥10%", ">2500个（力争3）".
pub(crate) fn target_text(target: &Target, unit: Unit, lang: Language) -> String {
    match (target_parts(target, unit, lang), lang) {
        ((main, Some(stretch)), Language::Zh) => format!("{main}（{stretch}）"),
        ((main, Some(stretch)), Language::En) => format!("{main} ({stretch})"),
        ((main, None), _) => main,
    }
}

/// The required amount ("≥1个") and the plan's stretch amount ("力争2"), apart, for
/// narrow places that put them on separate lines.
pub(crate) fn target_parts(
    target: &Target,
    unit: Unit,
    lang: Language,
) -> (String, Option<String>) {
    let amount = fmt_fixed(
        target.amount,
        if target.amount.fract() == 0.0 { 0 } else { 1 },
    );
    let with_unit = |n: &str| match (unit, lang) {
        (Unit::Percent, _) => format!("{n}%"),
        (_, Language::Zh) => format!("{n}{}", unit.label_zh()),
        (Unit::Count, Language::En) => n.to_string(),
        (Unit::TenThousandYuan, Language::En) => format!("{n} 10k yuan"),
    };
    let main = match (target.rule, target.unit, lang) {
        (Rule::Gain, GainUnit::Pp, Language::Zh) => format!("+{amount}个百分点"),
        (Rule::Gain, GainUnit::Pp, Language::En) => format!("+{amount} pp"),
        (Rule::Gain, GainUnit::Relative, Language::Zh) => format!("较基期+{amount}%"),
        (Rule::Gain, GainUnit::Relative, Language::En) => format!("+{amount}% of baseline"),
        (Rule::AtLeast, _, _) => format!("≥{}", with_unit(&amount)),
        (Rule::MoreThan, _, _) => format!(">{}", with_unit(&amount)),
    };
    let stretch = target.stretch.map(|s| {
        let s = fmt_fixed(s, if s.fract() == 0.0 { 0 } else { 1 });
        match lang {
            Language::Zh => format!("力争{s}"),
            Language::En => format!("stretch {s}"),
        }
    });
    (main, stretch)
}

/// Splits `text` into lines no wider than `max_width` at font `size`: between any two
/// hanzi, or at spaces and after hyphens in Latin text, keeping closing punctuation with
/// what precedes it and opening brackets with what follows. A word wider than the limit
/// is hyphenated. Lines are balanced: a long name breaks into two halves rather than a
/// full line and an orphan character.
pub(crate) fn wrap(text: &str, size: f64, max_width: f64) -> Vec<String> {
    let greedy = wrap_greedy(text, size, max_width);
    if greedy.len() < 2 {
        return greedy;
    }
    // The narrowest width that still needs no more lines, by bisection; never narrower
    // than the widest word, so balancing does not hyphenate what fits whole.
    let widest_word = tokens(text)
        .iter()
        .map(|t| text_width(t.trim_end(), size))
        .fold(0.0, f64::max)
        .min(max_width);
    let (mut lo, mut hi) = (
        (max_width / greedy.len() as f64).max(widest_word),
        max_width,
    );
    if wrap_greedy(text, size, lo).len() <= greedy.len() {
        return wrap_greedy(text, size, lo);
    }
    for _ in 0..12 {
        let mid = (lo + hi) / 2.0;
        if wrap_greedy(text, size, mid).len() <= greedy.len() {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    wrap_greedy(text, size, hi)
}

fn wrap_greedy(text: &str, size: f64, max_width: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for token in tokens(text)
        .into_iter()
        .flat_map(|t| hyphenate(t, size, max_width))
    {
        let candidate = format!("{line}{token}");
        if line.is_empty() || text_width(candidate.trim_end(), size) <= max_width {
            line = candidate;
        } else {
            lines.push(line.trim_end().to_string());
            line = token.trim_start().to_string();
        }
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// Cuts a token wider than `max_width` into pieces ending in "-" that fit, leaving at
/// least three letters on the last piece. A single character always stays whole.
fn hyphenate(token: String, size: f64, max_width: f64) -> Vec<String> {
    if text_width(token.trim_end(), size) <= max_width || token.chars().count() < 2 {
        return vec![token];
    }
    let mut pieces: Vec<String> = Vec::new();
    let mut piece = String::new();
    for c in token.chars() {
        let candidate = format!("{piece}{c}-");
        if !piece.is_empty() && text_width(&candidate, size) > max_width {
            pieces.push(piece.clone());
            piece.clear();
        }
        piece.push(c);
    }
    // "informatio-n" reads worse than "informat-ion".
    let tail = piece.trim_end().chars().count();
    if tail < 3
        && let Some(prev) = pieces.last_mut()
    {
        let keep = prev.chars().count().saturating_sub(3 - tail).max(1);
        let moved: String = prev.chars().skip(keep).collect();
        *prev = prev.chars().take(keep).collect();
        piece = format!("{moved}{piece}");
    }
    pieces
        .into_iter()
        .map(|p| format!("{p}-"))
        .chain([piece])
        .collect()
}

/// Breakable units: one hanzi (with any punctuation glued to it), or one Latin word
/// with its trailing space.
fn tokens(text: &str) -> Vec<String> {
    const CLOSING: &str = "，。、；：！？）》」』”%％)]";
    const OPENING: &str = "（《「『“([";
    let is_word_char = |c: char| {
        c.is_ascii() && !c.is_ascii_whitespace() && !OPENING.contains(c) && !CLOSING.contains(c)
    };
    let mut out: Vec<String> = Vec::new();
    let mut after_opening = false;
    for c in text.chars() {
        // A word may break after a hyphen, but not after a one- or two-letter prefix
        // ("E-commerce" stays whole).
        let in_open_word = out.last().is_some_and(|t| {
            t.chars()
                .last()
                .is_some_and(|p| is_word_char(p) && (p != '-' || t.chars().count() < 4))
        });
        let glue = after_opening
            || c.is_whitespace()
            || CLOSING.contains(c)
            || (is_word_char(c) && in_open_word);
        match out.last_mut() {
            Some(last) if glue => last.push(c),
            _ => out.push(c.to_string()),
        }
        after_opening = OPENING.contains(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_lose_control_and_bidi_characters() {
        assert!(matches!(clean("辛集市皮革 (leather)"), Cow::Borrowed(_)));
        assert_eq!(clean("a\u{1}b\u{7F}c\u{85}d\u{9F}e"), "abcde");
        assert_eq!(
            clean("\u{202E}evil\u{202C} \u{2066}x\u{2069}\u{200E}\u{200F}\u{61C}"),
            "evil x"
        );
        assert_eq!(clean("a\tb\nc\r\nd\u{2028}e"), "a b c  d e");
        assert_eq!(clean("\u{0}\u{FFFE}\u{FFFF}"), "");
        // Everything a name legitimately holds stays, full-width brackets and emoji too.
        assert_eq!(
            clean("鹿泉区（光电）🙂 R&D <x>"),
            "鹿泉区（光电）🙂 R&D <x>"
        );
    }

    #[test]
    fn numbers_are_formatted_for_print() {
        assert_eq!(fmt_fixed(1234567.0, 0), "1,234,567");
        assert_eq!(fmt_fixed(2500.0, 0), "2500");
        assert_eq!(fmt_fixed(-12345.25, 1), "-12,345.2");
        assert_eq!(fmt_fixed(-0.01, 1), "0.0");
        assert_eq!(fmt_signed(3.25, 1), "+3.2");
        assert_eq!(fmt_signed(-1.0, 1), "-1.0");
        assert_eq!(fmt_signed(0.0, 1), "0.0");
        assert_eq!(fmt_value(52.34, Unit::Percent, Language::Zh), "52.3%");
        assert_eq!(fmt_value(12.0, Unit::Count, Language::Zh), "12个");
        assert_eq!(fmt_value(12.5, Unit::Count, Language::En), "12.5");
    }

    #[test]
    fn hanzi_wrap_anywhere_and_latin_at_spaces() {
        crate::font::ensure_registered().unwrap();
        let one = text_width("中", 20.0);
        let lines = wrap("数字化研发设计工具应用率（%）", 20.0, 4.2 * one);
        assert_eq!(lines, ["数字化研", "发设计工", "具应用率", "（%）"]);
        let lines = wrap(
            "Digital R&D design tool adoption",
            20.0,
            text_width("Digital R&D", 20.0) + 1.0,
        );
        assert_eq!(lines, ["Digital R&D", "design tool", "adoption"]);
        assert_eq!(wrap("", 20.0, 10.0), Vec::<String>::new());
        assert_eq!(
            wrap("Key-process CNC", 20.0, text_width("process", 20.0) + 1.0),
            ["Key-", "process", "CNC"]
        );
        assert_eq!(
            tokens("E-commerce Key-process"),
            ["E-commerce ", "Key-", "process"]
        );
        // A word wider than the line is hyphenated; a single character is never split.
        let max = text_width("charac-", 20.0) + 0.5;
        let lines = wrap("characteristic", 20.0, max);
        assert!(
            lines.len() >= 2 && lines.iter().all(|l| text_width(l, 20.0) <= max),
            "{lines:?}"
        );
        assert_eq!(lines.concat().replace('-', ""), "characteristic");
        assert_eq!(wrap("中", 20.0, 1.0), ["中"]);
        assert_eq!(
            wrap("information", 20.0, text_width("informatio-", 20.0) + 0.5),
            ["informat-", "ion"]
        );
        // Balanced: two halves, not a full line and an orphan (hyphenated words too).
        let one = text_width("中", 20.0);
        assert_eq!(
            wrap("一二三四五六七八九十", 20.0, 9.5 * one),
            ["一二三四五", "六七八九十"]
        );
    }
}
