//! Parts every chart shares: the numbered title block, the unit line, the source and
//! notes, numeric axis ticks, and two small placement rules that keep labels from overlapping
//! (staggering labels along a line, spreading labels apart in a column).

use crate::scene::{Align, Item, Scene, TextBox, text_box};
use crate::style::GRID;
use crate::style::{LABEL_SIZE, LINE, MARGIN, MUTED, SOURCE_SIZE, SUBTITLE_SIZE, TEXT, TITLE_SIZE};
use crate::text::wrap;

/// Draws the numbered title ("图3　…", [`crate::text::numbered`]; left-aligned as statistical bulletins set it) and
/// the subtitle lines from the top of the page; returns the y below them.
pub(crate) fn header(scene: &mut Scene, numbered: &str, subtitle: &[String]) -> f64 {
    let max_width = scene.width - 2.0 * MARGIN;
    let mut y = 20.0;
    for line in wrap(numbered, TITLE_SIZE, max_width) {
        y += TITLE_SIZE * LINE / 2.0;
        scene.text(line, (MARGIN, y), TITLE_SIZE, TEXT, Align::Left);
        y += TITLE_SIZE * LINE / 2.0;
    }
    y += 4.0;
    for line in subtitle
        .iter()
        .flat_map(|s| wrap(s, SUBTITLE_SIZE, max_width))
    {
        y += SUBTITLE_SIZE * LINE / 2.0;
        scene.text(line, (MARGIN, y), SUBTITLE_SIZE, MUTED, Align::Left);
        y += SUBTITLE_SIZE * LINE / 2.0;
    }
    y + 10.0
}

/// The unit line above the plot ("单位：家"), at the left margin; returns the y below.
pub(crate) fn unit_line(scene: &mut Scene, unit: &str, y: f64) -> f64 {
    let cy = y + LABEL_SIZE * LINE / 2.0;
    scene.text(unit, (MARGIN, cy), LABEL_SIZE, MUTED, Align::Left);
    y + LABEL_SIZE * LINE + 4.0
}

/// Draws the source line and the notes ("注：…") from `y` (the bottom of the content)
/// and sets the page height.
pub(crate) fn footer(scene: &mut Scene, source: &str, notes: &[String], y: f64) {
    let mut cy = y + 12.0;
    for line in footer_lines(scene, source, notes) {
        cy += SOURCE_SIZE * LINE / 2.0;
        scene.text(line, (MARGIN, cy), SOURCE_SIZE, MUTED, Align::Left);
        cy += SOURCE_SIZE * LINE / 2.0;
    }
    scene.height = (cy + 16.0).ceil();
}

fn footer_lines(scene: &Scene, source: &str, notes: &[String]) -> Vec<String> {
    let max_width = scene.width - 2.0 * MARGIN;
    std::iter::once(source)
        .chain(notes.iter().map(String::as_str))
        .flat_map(|s| wrap(s, SOURCE_SIZE, max_width))
        .collect()
}

/// Height [`footer`] needs below the content.
pub(crate) fn footer_height(scene: &Scene, source: &str, notes: &[String]) -> f64 {
    12.0 + footer_lines(scene, source, notes).len() as f64 * SOURCE_SIZE * LINE + 16.0
}

/// The first of `candidates` (anchor point and alignment) where `text` stays inside
/// `bounds`, overlaps no text already in the scene and is crossed by no reference line
/// drawn so far. Draw the reference lines first.
pub(crate) fn free_spot(
    scene: &Scene,
    text: &str,
    size: f64,
    candidates: &[((f64, f64), Align)],
    bounds: (f64, f64, f64, f64),
) -> Option<((f64, f64), Align)> {
    // Reference lines, and the data lines and points too: a label on a line is hard
    // to read. Grid lines may pass behind a label.
    let mut lines = scene.rules();
    let mut boxes: Vec<TextBox> = scene.text_boxes().into_iter().map(|(_, b)| b).collect();
    for item in &scene.items {
        match item {
            Item::Path { points, stroke, .. } if stroke.color != GRID => {
                lines.extend(points.windows(2).map(|w| (w[0], w[1])));
            }
            Item::Circle { x, y, r, .. } => boxes.push(TextBox {
                x0: x - r,
                y0: y - r,
                x1: x + r,
                y1: y + r,
            }),
            _ => {}
        }
    }
    candidates.iter().copied().find(|((x, y), align)| {
        let b = text_box(text, *x, *y, size, *align);
        let padded = TextBox {
            x0: b.x0 - 3.0,
            y0: b.y0 - 3.0,
            x1: b.x1 + 3.0,
            y1: b.y1 + 3.0,
        };
        b.x0 >= bounds.0
            && b.y0 >= bounds.1
            && b.x1 <= bounds.2
            && b.y1 <= bounds.3
            && !padded.crossed_by_any(&lines)
            && !boxes.iter().any(|o| o.overlaps(&padded))
    })
}

/// Evenly spaced "nice" tick values (steps of 1, 2, 2.5 or 5 times a power of ten)
/// covering a data range.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ticks {
    pub lo: f64,
    pub hi: f64,
    pub step: f64,
}

impl Ticks {
    /// Ticks covering `lo..=hi` with about `count` intervals; `whole` keeps steps whole
    /// (counts of enterprises). A degenerate range is widened so it never divides by 0.
    pub(crate) fn nice(lo: f64, hi: f64, count: usize, whole: bool) -> Self {
        let (mut lo, mut hi) = if lo.is_finite() && hi.is_finite() {
            (lo.min(hi), lo.max(hi))
        } else {
            (0.0, 1.0)
        };
        if hi - lo < 1e-9 {
            let pad = if lo.abs() > 1e-9 { lo.abs() * 0.1 } else { 1.0 };
            (lo, hi) = (lo - pad, hi + pad);
            if lo < 0.0 && lo + pad >= 0.0 {
                lo = 0.0;
            }
        }
        let raw = (hi - lo) / count.max(1) as f64;
        let magnitude = 10f64.powf(raw.log10().floor());
        let mut step = [1.0, 2.0, 2.5, 5.0, 10.0]
            .iter()
            .map(|m| m * magnitude)
            .find(|s| *s >= raw * (1.0 - 1e-9))
            .unwrap_or(10.0 * magnitude);
        if whole {
            step = step.max(1.0).round();
        }
        let lo = (lo / step + 1e-9).floor() * step;
        let hi = (hi / step - 1e-9).ceil() * step;
        Self { lo, hi, step }
    }

    pub(crate) fn values(&self) -> Vec<f64> {
        let n = ((self.hi - self.lo) / self.step).round() as i64;
        (0..=n).map(|i| self.lo + i as f64 * self.step).collect()
    }

    /// Decimals needed to print every tick distinctly.
    pub(crate) fn decimals(&self) -> usize {
        (0..4)
            .find(|d| (self.step * 10f64.powi(*d as i32)).fract().abs() < 1e-6)
            .unwrap_or(4)
    }
}

/// A linear map from data values to page coordinates.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scale {
    pub d0: f64,
    pub d1: f64,
    pub r0: f64,
    pub r1: f64,
}

impl Scale {
    pub(crate) fn map(&self, v: f64) -> f64 {
        self.r0 + (v - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)
    }
}

/// Moves the centres `ys` apart so that neighbours are at least `gap` apart, as little
/// as possible, keeping them inside `lo..=hi` when there is room. Returns the new
/// centres in input order.
pub(crate) fn spread(ys: &[f64], gap: f64, lo: f64, hi: f64) -> Vec<f64> {
    let mut order: Vec<usize> = (0..ys.len()).collect();
    order.sort_by(|a, b| ys[*a].total_cmp(&ys[*b]));
    let mut sorted: Vec<f64> = order.iter().map(|i| ys[*i].clamp(lo, hi)).collect();
    for i in 1..sorted.len() {
        sorted[i] = sorted[i].max(sorted[i - 1] + gap);
    }
    // Pushed past the bottom: slide the run back up.
    if let Some(last) = sorted.last().copied()
        && last > hi
    {
        let n = sorted.len();
        sorted[n - 1] = hi;
        for i in (0..n - 1).rev() {
            sorted[i] = sorted[i].min(sorted[i + 1] - gap);
        }
    }
    let mut out = vec![0.0; ys.len()];
    for (slot, i) in order.into_iter().enumerate() {
        out[i] = sorted[slot];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ticks() {
        let t = Ticks::nice(0.0, 23.0, 5, false);
        assert_eq!((t.lo, t.hi, t.step), (0.0, 25.0, 5.0));
        assert_eq!(t.values(), [0.0, 5.0, 10.0, 15.0, 20.0, 25.0]);
        let t = Ticks::nice(-2.3, 11.0, 6, false);
        assert_eq!((t.lo, t.hi, t.step), (-2.5, 12.5, 2.5));
        assert_eq!(t.decimals(), 1);
        let t = Ticks::nice(0.0, 3.0, 8, true);
        assert_eq!(t.step, 1.0);
        assert_eq!(t.decimals(), 0);
        // Degenerate and empty ranges still give a usable axis.
        let t = Ticks::nice(0.0, 0.0, 5, false);
        assert!(t.hi > t.lo);
        let t = Ticks::nice(f64::NAN, f64::NAN, 5, false);
        assert!(t.hi > t.lo);
        let t = Ticks::nice(2500.0, 2500.0, 5, true);
        assert!(t.lo <= 2500.0 && t.hi >= 2500.0 && t.hi > t.lo);
    }

    #[test]
    fn spread_keeps_order_and_gap() {
        let out = spread(&[50.0, 52.0, 10.0], 20.0, 0.0, 100.0);
        assert_eq!(out, [50.0, 70.0, 10.0]);
        let out = spread(&[95.0, 99.0], 20.0, 0.0, 100.0);
        assert_eq!(out, [80.0, 100.0]);
    }
}
