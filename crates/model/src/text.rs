//! Text normalisation shared by header matching and value parsing.

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

#[cfg(test)]
mod tests {
    #[test]
    fn full_width_becomes_half_width() {
        assert_eq!(
            super::to_half_width("营业收入（万元）１２３　Ｙ"),
            "营业收入(万元)123 Y"
        );
    }
}
