//! Words on the charts: label cleaning, the Chinese and English fixed strings, the
//! source line and line wrapping (by character for hanzi, by word for Latin text).
//! Numbers, units, quarters and statuses are written by the shared display module
//! (`clusterkpi_model::display`), never here, so a chart and its table agree.

use std::borrow::Cow;

use clusterkpi_model::display::{Display, ShownUnit};
use clusterkpi_model::{Evaluation, Language};

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

/// The source line printed under every chart: "资料来源：…".
pub(crate) fn source_line(eval: &Evaluation) -> String {
    let d = Display::new(eval.language);
    match eval.language {
        Language::Zh => format!(
            "资料来源：{}县域特色产业集群企业季度报表（截至{}）",
            eval.plan.city_name,
            d.quarter(eval.as_of)
        ),
        Language::En => format!(
            "Source: county cluster enterprise quarterly reports, {}, through {}",
            eval.plan.city_name_en,
            d.quarter(eval.as_of)
        ),
    }
}

/// An indicator's name in the evaluation's language; its id if the catalogue lacks it.
pub(crate) fn indicator_name(eval: &Evaluation, id: &str) -> String {
    eval.indicator(id)
        .map_or_else(|| id.to_string(), |i| i.name_in(eval.language).to_string())
}

/// The unit an indicator is shown in; a rate if the catalogue lacks it.
pub(crate) fn shown_unit(eval: &Evaluation, id: &str) -> ShownUnit {
    eval.indicator(id).map_or(ShownUnit::Percent, ShownUnit::of)
}

/// The title as drawn and as the SVG's `<title>`: "图3　…" / "Figure 3. …".
pub(crate) fn numbered(lang: Language, number: usize, title: &str) -> String {
    match lang {
        Language::Zh => format!("图{number}\u{3000}{title}"),
        Language::En => format!("Figure {number}. {title}"),
    }
}

/// "无数据" / "no data".
pub(crate) fn no_data(lang: Language) -> &'static str {
    pick(lang, "无数据", "no data")
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
