//! The bundled Chinese font: embedding, registration with plotters, text measurement
//! for layout, glyph placement for the PNG, and glyph outlines for the SVG (whose text
//! is drawn as paths, so it looks the same on a machine without the font).
//!
//! The font is compiled into the binary, so PNGs render on a machine without any
//! Chinese system font. It is a single face that also covers Latin and digits, because
//! there is no glyph fallback (see `data/fonts/README.md`).
//!
//! Sizes follow plotters' convention: a text of "size" `s` is written to SVG with
//! `font-size = s / 1.24`, so one em is `s / 1.24`. The PNG is drawn at that same em
//! (see [`glyphs`]), which makes SVG and PNG text the same size and width.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, Glyph, OutlinedGlyph, PxScale, ScaleFont, point};
use plotters::style::{FontStyle, register_font};

use crate::{ChartError, FONT_FAMILY};

/// WenQuanYi Micro Hei, face 0 of wqy-microhei.ttc extracted as a single-face file
/// (Chinese, not Japanese, glyph forms; Apache-2.0).
static FONT_BYTES: &[u8] = include_bytes!("../../../data/fonts/WenQuanYiMicroHei.ttf");

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

/// The glyphs of `text` placed with its pen starting at `(x, baseline)`, in pixels, at
/// plotters font size `size` (already multiplied by the output scale).
pub(crate) fn glyphs(text: &str, size: f64, x: f64, baseline: f64) -> Vec<Glyph> {
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
        out.push(id.with_scale_and_position(scale, point(pen, baseline as f32)));
        pen += scaled.h_advance(id);
        prev = Some(id);
    }
    out
}

/// The outline of a placed glyph, at its position; `None` for a blank glyph.
pub(crate) fn outline(glyph: Glyph) -> Option<OutlinedGlyph> {
    face()?.outline_glyph(glyph)
}

/// Whether the bundled font has a glyph for `c` (not the empty box of glyph 0).
#[cfg(test)]
pub(crate) fn has_glyph(c: char) -> bool {
    face().is_some_and(|f| f.glyph_id(c).0 != 0)
}

/// Font units per em of the bundled font.
pub(crate) fn units_per_em() -> f64 {
    face()
        .and_then(Font::units_per_em)
        .map_or(2048.0, f64::from)
}

/// The glyphs of `text` with their pen positions in font units from the start of the
/// text (kerning applied), as [`text_width`] measures them.
pub(crate) fn glyph_run(text: &str) -> Vec<(u16, f64)> {
    let Some(font) = face() else {
        return Vec::new();
    };
    let mut pen = 0.0f32;
    let mut prev = None;
    let mut out = Vec::new();
    for c in crate::text::clean(text).chars() {
        let id = font.glyph_id(c);
        if let Some(p) = prev {
            pen += font.kern_unscaled(p, id);
        }
        out.push((id.0, f64::from(pen)));
        pen += font.h_advance_unscaled(id);
        prev = Some(id);
    }
    out
}

/// [`outline_path`], kept for the thread's next chart: every chart defines the glyphs
/// it uses, and the charts use much the same digits, units and cluster names (the
/// 24-cluster fixture's twenty charts define 2,013 glyphs, 261 distinct; a path is
/// about 550 bytes of text made from the outline). Up to [`OUTLINES_BYTES`] of paths
/// are kept; past that, each is made again.
pub(crate) fn outline_path_kept(id: u16) -> Option<Rc<str>> {
    /// The paths kept, by glyph id, and their bytes.
    type Kept = (HashMap<u16, Option<Rc<str>>>, usize);
    thread_local! {
        static OUTLINES: RefCell<Kept> = RefCell::new((HashMap::new(), 0));
    }
    OUTLINES.with_borrow_mut(|(kept, bytes)| {
        if let Some(path) = kept.get(&id) {
            return path.clone();
        }
        let path: Option<Rc<str>> = outline_path(id).map(Rc::from);
        let size = 64 + path.as_ref().map_or(0, |p| p.len());
        if *bytes + size <= OUTLINES_BYTES {
            *bytes += size;
            kept.insert(id, path.clone());
        }
        path
    })
}

/// Bytes of glyph paths a thread keeps at most ([`outline_path_kept`]), for text
/// with thousands of distinct characters.
const OUTLINES_BYTES: usize = 8 << 20;

/// The outline of glyph `id` as SVG path data in font units, y pointing down (so a
/// glyph drawn with a positive scale stands upright); `None` for a blank glyph.
pub(crate) fn outline_path(id: u16) -> Option<String> {
    use std::fmt::Write as _;
    let font = face()?;
    let outline = font.outline(ab_glyph::GlyphId(id))?;
    let mut d = String::new();
    let mut at: Option<ab_glyph::Point> = None;
    let put = |d: &mut String, p: ab_glyph::Point| {
        let _ = write!(d, "{} {}", trim(p.x), trim(-p.y));
    };
    for curve in &outline.curves {
        let (start, rest): (ab_glyph::Point, Vec<ab_glyph::Point>) = match curve {
            ab_glyph::OutlineCurve::Line(a, b) => (*a, vec![*b]),
            ab_glyph::OutlineCurve::Quad(a, b, c) => (*a, vec![*b, *c]),
            ab_glyph::OutlineCurve::Cubic(a, b, c, e) => (*a, vec![*b, *c, *e]),
        };
        if at != Some(start) {
            if at.is_some() {
                d.push('Z');
            }
            d.push('M');
            put(&mut d, start);
        }
        d.push(match rest.len() {
            1 => 'L',
            2 => 'Q',
            _ => 'C',
        });
        for (i, p) in rest.iter().enumerate() {
            if i > 0 {
                d.push(' ');
            }
            put(&mut d, *p);
        }
        at = rest.last().copied();
    }
    if at.is_some() {
        d.push('Z');
    }
    (!d.is_empty()).then_some(d)
}

/// A coordinate in font units: whole units are exact for TrueType outlines.
fn trim(v: f32) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r}")
    }
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
        let placed = glyphs("数据来源：石家庄市", 40.0, 0.0, 40.0);
        assert_eq!(placed.into_iter().filter_map(outline).count(), 9);
    }

    #[test]
    fn the_font_has_every_status_marker_and_the_punctuation_charts_use() {
        for status in clusterkpi_model::Status::TARGETED {
            let marker = clusterkpi_model::display::palette::marker(status);
            for c in marker.chars() {
                assert!(has_glyph(c), "no glyph for marker {c:?} of {status:?}");
            }
        }
        for c in "图　：，（）—≥%“”".chars() {
            assert!(has_glyph(c), "no glyph for {c:?}");
        }
        // Outlines come out as closed SVG paths; a space has none.
        let id = glyph_run("中")[0].0;
        let d = outline_path(id).unwrap();
        assert!(d.starts_with('M') && d.ends_with('Z'), "{d}");
        assert_eq!(outline_path(glyph_run(" ")[0].0), None);
    }
}
