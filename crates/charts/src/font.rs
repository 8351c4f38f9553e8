//! The bundled Chinese font: embedding, one-time registration with plotters, text
//! measurement for layout, and the SVG font-family fallback list.
//!
//! plotters (built without its `ttf` feature) draws every glyph of the PNG from these
//! embedded bytes, so charts render on a machine with no Chinese system font. It has
//! one face per family and no glyph fallback, which is why a single face that also
//! covers Latin and digits is used for all text (see `data/fonts/README.md`).

use std::sync::OnceLock;

use plotters::style::{FontDesc, FontFamily, FontStyle, register_font};

use crate::{ChartError, FONT_FAMILY};

/// WenQuanYi Micro Hei, face 0 of wqy-microhei.ttc extracted as a single-face file
/// (Chinese, not Japanese, glyph forms; Apache-2.0).
static FONT_BYTES: &[u8] = include_bytes!("../../../data/fonts/WenQuanYiMicroHei.ttf");

/// What the SVG says instead of the bare family name: viewers without the bundled font
/// (a browser printing the HTML report) fall back to a common Chinese sans-serif face
/// rather than to a Latin one that would show empty boxes.
pub(crate) const SVG_FONT_FAMILY: &str = "WenQuanYi Micro Hei, 'Noto Sans CJK SC', \
     'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif";

/// Registers the bundled font under [`FONT_FAMILY`], once per process.
pub(crate) fn ensure_registered() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        // The font has a single (regular) weight; registering it as Bold too means a
        // bold request can never silently fall back to a font without hanzi.
        register_font(FONT_FAMILY, FontStyle::Normal, FONT_BYTES).is_ok()
            && register_font(FONT_FAMILY, FontStyle::Bold, FONT_BYTES).is_ok()
    });
    if ok { Ok(()) } else { Err(ChartError::Font) }
}

/// Width of `text` drawn at plotters font size `size`, in the same units as `size`.
///
/// Measured at a large size and scaled down, because plotters rounds layout boxes to
/// whole pixels. Falls back to a per-character estimate if the font is unavailable, so
/// layout never fails (drawing would report the font error).
pub(crate) fn text_width(text: &str, size: f64) -> f64 {
    const PROBE: f64 = 100.0;
    let font = FontDesc::new(FontFamily::Name(FONT_FAMILY), PROBE, FontStyle::Normal);
    match font.layout_box(text) {
        Ok(((x0, _), (x1, _))) => f64::from(x1 - x0) * size / PROBE,
        Err(_) => text.chars().map(|c| if c.is_ascii() { 0.5 } else { 0.86 }).sum::<f64>() * size,
    }
}

/// Replaces the bare family name plotters writes with [`SVG_FONT_FAMILY`].
pub(crate) fn with_font_fallbacks(svg: &str) -> String {
    svg.replace(
        &format!("font-family=\"{FONT_FAMILY}\""),
        &format!("font-family=\"{SVG_FONT_FAMILY}\""),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_font_registers_and_measures_hanzi_as_full_width() {
        ensure_registered().unwrap();
        let one = text_width("中", 20.0);
        let four = text_width("中国数据", 20.0);
        assert!(one > 15.0 && one < 20.0, "{one}");
        assert!((four - 4.0 * one).abs() < 0.5, "{four} vs {one}");
        assert!(text_width("2021Q1", 20.0) < 6.0 * one);
    }

    #[test]
    fn svg_font_family_gets_fallbacks() {
        let svg = r#"<text font-family="WenQuanYi Micro Hei" font-size="10">中</text>"#;
        let out = with_font_fallbacks(svg);
        assert!(out.contains(
            "font-family=\"WenQuanYi Micro Hei, 'Noto Sans CJK SC', 'Source Han Sans SC', \
             'Microsoft YaHei', 'PingFang SC', sans-serif\""
        ));
    }
}
