//! Text normalisation shared by header matching and value parsing, and the one rule
//! for which characters are unsafe to show.

/// Full-width ASCII forms (U+FF01–U+FF5E) and the ideographic space become their
/// half-width twins, so `１２３`, `（万元）` and `Ｙ` read as `123`, `(万元)` and `Y`.
#[must_use]
pub fn to_half_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// Characters that must not reach a terminal, an XML document or a chart as they
/// are: C0 and C1 controls (an escape sequence moves a terminal's cursor, recolours or
/// retitles it; most are invalid in XML) and the bidirectional overrides and isolates
/// (they make a name read differently from what it is).
#[must_use]
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// Text made safe for a terminal: unsafe characters (see [`is_unsafe_char`]) are
/// written as `\u{…}` escapes; line breaks and tabs stay.
#[must_use]
pub fn for_terminal(s: &str) -> String {
    if !s
        .chars()
        .any(|c| is_unsafe_char(c) && !matches!(c, '\n' | '\t'))
    {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe_char(c) && !matches!(c, '\n' | '\t') {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Entity-escapes text for XML and HTML element content and quoted attribute values
/// (the report's HTML and the charts' SVG).
#[must_use]
pub fn escape_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn unsafe_characters_are_escaped_for_terminals() {
        assert_eq!(
            super::for_terminal("a\u{1b}[2Jb\u{202E}c\nd"),
            "a\\u{1b}[2Jb\\u{202e}c\nd"
        );
        assert_eq!(super::for_terminal("辛集皮革"), "辛集皮革");
    }

    #[test]
    fn full_width_becomes_half_width() {
        assert_eq!(
            super::to_half_width("营业收入（万元）１２３　Ｙ"),
            "营业收入(万元)123 Y"
        );
    }
}
