//! The bundled Chinese font: embedding, registration with plotters, text measurement
//! for layout, glyph placement for the PNG, and the SVG font-family fallback list.
//!
//! The font is compiled into the binary, so PNGs render on a machine without any
//! Chinese system font. It is a single face that also covers Latin and digits, because
//! there is no glyph fallback (see `data/fonts/README.md`).
//!
//! Sizes follow plotters' convention: a text of "size" `s` is written to SVG with
//! `font-size = s / 1.24`, so one em is `s / 1.24`. The PNG is drawn at that same em
//! (see [`glyphs`]), which makes SVG and PNG text the same size and width.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, Glyph, OutlinedGlyph, PxScale, ScaleFont, point};
use plotters::style::{FontStyle, register_font};

use crate::{ChartError, FONT_FAMILY};

/// WenQuanYi Micro Hei, face 0 of wqy-microhei.ttc extracted as a single-face file
/// (Chinese, not Japanese, glyph forms; Apache-2.0).
static FONT_BYTES: &[u8] = include_bytes!("../../../data/fonts/WenQuanYiMicroHei.ttf");

/// What the SVG says instead of the bare family name: viewers without the bundled font
/// (a browser printing the HTML report) fall back to a common Chinese sans-serif face
/// rather than to a Latin one that would show empty boxes.
pub(crate) const SVG_FONT_FAMILY: &str = "WenQuanYi Micro Hei, 'Noto Sans CJK SC', \
     'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif";

/// Ems per unit of plotters font size (plotters-svg writes `font-size = size / 1.24`).
pub(crate) const EM_PER_SIZE: f64 = 1.0 / 1.24;

/// Height of the visual middle of hanzi and capitals above the baseline, in ems
/// (measured on this font: 中 spans -0.10..0.81 em, H 0..0.71 em).
pub(crate) const MIDDLE_ABOVE_BASELINE: f64 = 0.356;

fn face() -> Option<&'static FontRef<'static>> {
    static FACE: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FACE.get_or_init(|| FontRef::try_from_slice(FONT_BYTES).ok())
        .as_ref()
}

/// Checks the bundled font and registers it with plotters under [`FONT_FAMILY`], once
/// per process, so any text plotters itself lays out uses it too.
pub(crate) fn ensure_registered() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        face().is_some()
            && register_font(FONT_FAMILY, FontStyle::Normal, FONT_BYTES).is_ok()
            // The font has one weight; a bold request must not find a font without hanzi.
            && register_font(FONT_FAMILY, FontStyle::Bold, FONT_BYTES).is_ok()
    });
    if ok { Ok(()) } else { Err(ChartError::Font) }
}

/// The ab_glyph scale whose em is `em` pixels (ab_glyph scales by ascent − descent).
fn px_scale(font: &FontRef<'_>, em: f64) -> PxScale {
    let units_per_em = font.units_per_em().unwrap_or(2048.0);
    PxScale::from(em as f32 * font.height_unscaled() / units_per_em)
}

/// Width of `text` at plotters font size `size`, in the same units as `size`: the
/// width of the text as drawn, after [`crate::text::clean`].
/// Falls back to an estimate if the font did not load (drawing then reports the error).
pub(crate) fn text_width(text: &str, size: f64) -> f64 {
    let text = crate::text::clean(text);
    let Some(font) = face() else {
        return text
            .chars()
            .map(|c| if c.is_ascii() { 0.5 } else { 1.0 })
            .sum::<f64>()
            * size
            * EM_PER_SIZE;
    };
    let scaled = font.as_scaled(px_scale(font, size * EM_PER_SIZE));
    let mut width = 0.0f32;
    let mut prev = None;
    for c in text.chars() {
        let id = font.glyph_id(c);
        if let Some(p) = prev {
            width += scaled.kern(p, id);
        }
        width += scaled.h_advance(id);
        prev = Some(id);
    }
    f64::from(width)
}

/// The outlined glyphs of `text` with its pen starting at `(x, baseline)`, in pixels,
/// at plotters font size `size` (already multiplied by the output scale).
pub(crate) fn glyphs(text: &str, size: f64, x: f64, baseline: f64) -> Vec<OutlinedGlyph> {
    let Some(font) = face() else {
        return Vec::new();
    };
    let scale = px_scale(font, size * EM_PER_SIZE);
    let scaled = font.as_scaled(scale);
    let mut pen = x as f32;
    let mut prev = None;
    let mut out = Vec::new();
    for c in text.chars() {
        let id = font.glyph_id(c);
        if let Some(p) = prev {
            pen += scaled.kern(p, id);
        }
        let glyph: Glyph = id.with_scale_and_position(scale, point(pen, baseline as f32));
        out.extend(font.outline_glyph(glyph));
        pen += scaled.h_advance(id);
        prev = Some(id);
    }
    out
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
    fn the_bundled_font_loads_and_measures_hanzi_as_one_em() {
        ensure_registered().unwrap();
        let em = 20.0 * EM_PER_SIZE;
        assert!(
            (text_width("中", 20.0) - em).abs() < 0.01,
            "{}",
            text_width("中", 20.0)
        );
        assert!((text_width("目标完成", 20.0) - 4.0 * em).abs() < 0.05);
        assert!(text_width("2021Q1", 20.0) < 4.0 * em);
        // Every glyph of a Chinese text has an outline: nothing falls back to a box.
        assert_eq!(glyphs("数据来源：石家庄市", 40.0, 0.0, 40.0).len(), 9);
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
