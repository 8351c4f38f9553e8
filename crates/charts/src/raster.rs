//! PNG text: each glyph rasterised once per size and sub-pixel phase, kept as a mask,
//! and blended straight into the chart's RGB pixels.
//!
//! A report draws about ten thousand glyphs (the 24-cluster fixture: 9,996), but only
//! about two thousand distinct ones once positions are rounded to a quarter of a pixel
//! (2,092; 7,053 at their exact positions): digits, units and cluster names repeat
//! within and across charts. Rasterising each from its outline (ab_glyph: outline,
//! lines and curves into an accumulation buffer, then a callback per pixel of its box)
//! was a third of drawing a chart. A quarter of a pixel at 300 dpi is 0.02 mm; the
//! pen still advances at full precision, only where each glyph lands is rounded, by
//! at most an eighth of a pixel either way.

use std::cell::RefCell;
use std::collections::HashMap;

use ab_glyph::{Glyph, point};
use plotters::style::RGBColor;

use crate::font::{glyphs, outline};

/// Sub-pixel positions per pixel, across and down.
const PHASES: f32 = 4.0;

/// Bytes of masks a thread keeps at most. The fixture's report needs about 2 MB; text
/// with thousands of distinct characters (a hostile cluster list) would otherwise grow
/// the cache with it. Past the budget, glyphs are still drawn, just not kept.
const CACHE_BYTES: usize = 32 << 20;

/// A glyph's coverage at one size and phase, as the blend uses it.
struct Mask {
    /// Offset of the mask's top-left pixel from the glyph's whole-pixel position.
    left: i32,
    top: i32,
    width: usize,
    /// Row by row: 0 leaves the pixel, [`FULL`] sets it to the colour, any other
    /// value `a` moves each channel towards the colour by `a / 256`.
    alpha: Vec<u8>,
}

/// The mask value of a pixel covered fully (at least 255/256).
const FULL: u8 = u8::MAX;

/// (glyph id, scale as bits, phase across, phase down).
type Key = (u16, u32, u8, u8);

struct Cache {
    masks: HashMap<Key, Option<Mask>>,
    bytes: usize,
}

thread_local! {
    /// The masks this thread has drawn. The threads that draw a report's charts end
    /// with it, and their caches with them.
    static CACHE: RefCell<Cache> = RefCell::new(Cache { masks: HashMap::new(), bytes: 0 });
}

/// A coordinate as a whole pixel and a phase in `0..PHASES`, rounded to the nearest
/// phase.
fn snap(v: f32) -> (i32, u8) {
    let q = (v * PHASES).round();
    let whole = (q / PHASES).floor();
    (whole as i32, (q - whole * PHASES) as u8)
}

/// Rasterises `glyph` placed at `(px, py) / PHASES` from the origin; `None` for a
/// blank glyph.
fn rasterise(glyph: &Glyph, (px, py): (u8, u8)) -> Option<Mask> {
    let mut at_phase = glyph.clone();
    at_phase.position = point(f32::from(px) / PHASES, f32::from(py) / PHASES);
    let outlined = outline(at_phase)?;
    let bounds = outlined.px_bounds();
    let width = bounds.width() as usize;
    let mut alpha = vec![0u8; width * bounds.height() as usize];
    outlined.draw(|gx, gy, coverage| {
        // Most of a glyph's box is not covered.
        if coverage <= 0.0 {
            return;
        }
        let coverage = f64::from(coverage.min(1.0));
        alpha[gy as usize * width + gx as usize] = if coverage >= 1.0 - 1.0 / 256.0 {
            FULL
        } else {
            // ⌊coverage × 256⌋, at most 254 here: a cast truncates, which for a
            // positive number is the floor (`f64::floor` is a call into libm without
            // SSE 4.1).
            (coverage * 256.0) as u8
        };
    });
    Some(Mask {
        left: bounds.min.x as i32,
        top: bounds.min.y as i32,
        width,
        alpha,
    })
}

/// Draws `text` with anti-aliasing straight into RGB `pixels` of `(width, height)`,
/// its pen starting at `(x, baseline)`. Each glyph sits at its own outline bounds, so
/// side bearings and full-width punctuation come out as the font designs them.
///
/// Each pixel is blended as plotters' bitmap backend blends a pixel drawn with an
/// alpha (`plotters-bitmap` 0.3.7, `PixelFormat::draw_pixel`): the colour itself from
/// a coverage of 255/256, otherwise each channel moved towards the colour by
/// ⌊coverage × 256⌋ / 256. Through plotters, each of a chart's text pixels (half a
/// million in the scorecard) went through its drawing area and backend one by one.
pub(crate) fn draw_text(
    pixels: &mut [u8],
    (w, h): (u32, u32),
    text: &str,
    size: f64,
    (x, baseline): (f64, f64),
    color: RGBColor,
) {
    let rgb = [color.0, color.1, color.2];
    CACHE.with_borrow_mut(|cache| {
        for glyph in glyphs(text, size, x, baseline) {
            let (gx, px) = snap(glyph.position.x);
            let (gy, py) = snap(glyph.position.y);
            let key = (glyph.id.0, glyph.scale.x.to_bits(), px, py);
            let fresh;
            let mask = match cache.masks.get(&key) {
                Some(mask) => mask.as_ref(),
                None => {
                    let mask = rasterise(&glyph, (px, py));
                    // The mask and about what the map spends on an entry.
                    let bytes = 64 + mask.as_ref().map_or(0, |m| m.alpha.len());
                    if cache.bytes + bytes <= CACHE_BYTES {
                        cache.bytes += bytes;
                        cache.masks.entry(key).or_insert(mask).as_ref()
                    } else {
                        fresh = mask;
                        fresh.as_ref()
                    }
                }
            };
            if let Some(mask) = mask {
                blend(pixels, (w, h), mask, (gx, gy), rgb);
            }
        }
    });
}

/// Blends `mask` in `rgb` into `pixels` with the mask's origin at `(x, y)`; what falls
/// outside the pixels is left out.
fn blend(pixels: &mut [u8], (w, h): (u32, u32), mask: &Mask, (x, y): (i32, i32), rgb: [u8; 3]) {
    if mask.width == 0 {
        return;
    }
    // The part of the mask over the pixels, clipped once rather than pixel by pixel.
    let (left, top) = (
        i64::from(x) + i64::from(mask.left),
        i64::from(y) + i64::from(mask.top),
    );
    let clip = |start: i64, len: usize, limit: u32| {
        let from = (-start).clamp(0, len as i64) as usize;
        let to = (i64::from(limit) - start).clamp(from as i64, len as i64) as usize;
        from..to
    };
    let cols = clip(left, mask.width, w);
    let rows = clip(top, mask.alpha.len() / mask.width, h);
    if cols.is_empty() {
        return;
    }
    for row in rows {
        let alphas = &mask.alpha[row * mask.width..][cols.clone()];
        let start =
            ((top + row as i64) as usize * w as usize + (left + cols.start as i64) as usize) * 3;
        let line = &mut pixels[start..start + alphas.len() * 3];
        for (&a, pixel) in alphas.iter().zip(line.chunks_exact_mut(3)) {
            if a == 0 {
                continue;
            }
            if a == FULL {
                pixel.copy_from_slice(&rgb);
                continue;
            }
            let a = u32::from(a);
            for (old, new) in pixel.iter_mut().zip(rgb) {
                if new > *old {
                    *old += (u32::from(new - *old) * a / 256) as u8;
                } else {
                    *old -= (u32::from(*old - new) * a / 256) as u8;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use plotters::prelude::*;

    use super::*;

    /// `glyph` at the position it is drawn at: its own, rounded to the nearest phase.
    fn snapped(glyph: &Glyph) -> Glyph {
        let (x, px) = snap(glyph.position.x);
        let (y, py) = snap(glyph.position.y);
        let mut g = glyph.clone();
        g.position = point(
            x as f32 + f32::from(px) / PHASES,
            y as f32 + f32::from(py) / PHASES,
        );
        g
    }

    /// Text blended from the cached masks gives the bytes plotters gave when each
    /// covered pixel of each glyph, rasterised where it is drawn, went through its
    /// bitmap backend with the coverage as alpha (as charts were drawn before), over a
    /// white, a dark and a coloured ground, with glyphs running off the edges; drawn
    /// again from a warm cache, the same bytes.
    #[test]
    fn text_is_blended_as_plotters_blends_a_pixel() {
        crate::font::ensure_registered().unwrap();
        let size = (260, 90);
        let text = "R&D 研发（%）亿元 2025Q4 研发";
        let ink = RGBColor(0x1F, 0x4E, 0x79);
        for ground in [[0xFF, 0xFF, 0xFF], [0x20, 0x20, 0x20], [0xE6, 0x9F, 0x00]] {
            for (x, baseline, px_size) in
                [(4.3, 40.7, 22.0), (-9.5, 12.2, 31.0), (180.1, 88.9, 17.5)]
            {
                let ground_pixels: Vec<u8> = ground.repeat(size.0 * size.1);
                let draw = || {
                    let mut pixels = ground_pixels.clone();
                    draw_text(
                        &mut pixels,
                        (size.0 as u32, size.1 as u32),
                        text,
                        px_size,
                        (x, baseline),
                        ink,
                    );
                    pixels
                };
                let direct = draw();

                let mut through_plotters = ground_pixels.clone();
                {
                    let root = BitMapBackend::with_buffer(
                        &mut through_plotters,
                        (size.0 as u32, size.1 as u32),
                    )
                    .into_drawing_area();
                    for glyph in glyphs(text, px_size, x, baseline) {
                        let Some(glyph) = outline(snapped(&glyph)) else {
                            continue;
                        };
                        let bounds = glyph.px_bounds();
                        let mut covered = Vec::new();
                        glyph.draw(|gx, gy, coverage| {
                            if coverage > 0.0 {
                                let at = (
                                    bounds.min.x as i32 + gx as i32,
                                    bounds.min.y as i32 + gy as i32,
                                );
                                covered.push((at, f64::from(coverage.min(1.0))));
                            }
                        });
                        for (at, coverage) in covered {
                            root.draw_pixel(at, &ink.mix(coverage)).unwrap();
                        }
                    }
                    root.present().unwrap();
                }
                assert_ne!(direct, ground_pixels, "the text is drawn");
                assert!(
                    direct == through_plotters,
                    "{text} at ({x}, {baseline}) on {ground:?}: {} of {} bytes differ",
                    direct
                        .iter()
                        .zip(&through_plotters)
                        .filter(|(a, b)| a != b)
                        .count(),
                    direct.len()
                );
                assert!(draw() == direct, "drawn again from the cache");
            }
        }
    }

    #[test]
    fn glyphs_land_within_an_eighth_of_a_pixel_of_their_position() {
        for v in [
            0.0f32, 0.124, 0.126, 0.5, 0.874, 0.876, 0.99, -0.01, -0.2, -7.63, 1843.37, 3951.9,
        ] {
            let (whole, phase) = snap(v);
            assert!(f32::from(phase) < PHASES, "{v}: phase {phase}");
            let at = whole as f32 + f32::from(phase) / PHASES;
            assert!((at - v).abs() <= 0.125 + 1e-4, "{v} lands at {at}");
        }
    }

    #[test]
    fn the_cache_stops_growing_at_its_budget_and_still_draws() {
        crate::font::ensure_registered().unwrap();
        // Run on a thread of its own, with a cache of its own.
        std::thread::spawn(|| {
            let size = (400u32, 120u32);
            let mut pixels = vec![0xFF; (size.0 * size.1 * 3) as usize];
            CACHE.with_borrow_mut(|c| c.bytes = CACHE_BYTES);
            draw_text(
                &mut pixels,
                size,
                "研发",
                40.0,
                (10.0, 60.0),
                RGBColor(0, 0, 0),
            );
            assert!(pixels.iter().any(|&b| b != 0xFF), "drawn");
            CACHE.with_borrow(|c| {
                assert!(c.masks.is_empty());
                assert_eq!(c.bytes, CACHE_BYTES);
            });
        })
        .join()
        .unwrap();
    }
}
