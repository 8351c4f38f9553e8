//! Parts every chart shares: the title block, the legend, the source line, numeric
//! axis ticks, and two small placement rules that keep labels from overlapping
//! (staggering labels along a line, spreading labels apart in a column).

use plotters::style::RGBColor;

use crate::font::text_width;
use crate::scene::{Align, Scene, Stroke};
use crate::style::{LABEL_SIZE, LINE, MARGIN, MUTED, SOURCE_SIZE, SUBTITLE_SIZE, TEXT, TITLE_SIZE};
use crate::text::wrap;

/// Draws the centred title and subtitle lines from the top of the page; returns the
/// y below them.
pub(crate) fn header(scene: &mut Scene, title: &str, subtitle: &[String]) -> f64 {
    let centre = scene.width / 2.0;
    let max_width = scene.width - 2.0 * MARGIN;
    let mut y = 24.0;
    for line in wrap(title, TITLE_SIZE, max_width) {
        y += TITLE_SIZE * LINE / 2.0;
        scene.text(line, (centre, y), TITLE_SIZE, TEXT, Align::Center);
        y += TITLE_SIZE * LINE / 2.0;
    }
    y += 4.0;
    for line in subtitle
        .iter()
        .flat_map(|s| wrap(s, SUBTITLE_SIZE, max_width))
    {
        y += SUBTITLE_SIZE * LINE / 2.0;
        scene.text(line, (centre, y), SUBTITLE_SIZE, MUTED, Align::Center);
        y += SUBTITLE_SIZE * LINE / 2.0;
    }
    y + 10.0
}

/// The sample drawn before a legend label.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Key {
    Swatch(RGBColor),
    /// A filled square with a thin border, for light colours such as white.
    Outlined(RGBColor),
    Line(Stroke),
}

const KEY_WIDTH: f64 = 30.0;
const KEY_GAP: f64 = 8.0;
const ITEM_GAP: f64 = 30.0;
const LEGEND_ROW: f64 = LABEL_SIZE * 1.5;

/// Lays the legend out in centred rows from `y`; returns the y below it.
pub(crate) fn legend(scene: &mut Scene, items: &[(Key, String)], y: f64) -> f64 {
    if items.is_empty() {
        return y;
    }
    let max_width = scene.width - 2.0 * MARGIN;
    let item_width = |label: &str| KEY_WIDTH + KEY_GAP + text_width(label, LABEL_SIZE);
    let mut rows: Vec<Vec<&(Key, String)>> = vec![Vec::new()];
    let mut used = 0.0;
    for item in items {
        let w = item_width(&item.1);
        let row = rows.last_mut().expect("one row");
        if !row.is_empty() && used + ITEM_GAP + w > max_width {
            rows.push(vec![item]);
            used = w;
        } else {
            used += if row.is_empty() { w } else { ITEM_GAP + w };
            row.push(item);
        }
    }
    let mut cy = y + LEGEND_ROW / 2.0;
    for row in rows {
        let total: f64 = row.iter().map(|(_, l)| item_width(l)).sum::<f64>()
            + ITEM_GAP * (row.len() as f64 - 1.0);
        let mut x = (scene.width - total) / 2.0;
        for (key, label) in row {
            draw_key(scene, *key, x, cy);
            scene.text(
                label.clone(),
                (x + KEY_WIDTH + KEY_GAP, cy),
                LABEL_SIZE,
                TEXT,
                Align::Left,
            );
            x += item_width(label) + ITEM_GAP;
        }
        cy += LEGEND_ROW;
    }
    cy - LEGEND_ROW / 2.0 + 6.0
}

fn draw_key(scene: &mut Scene, key: Key, x: f64, cy: f64) {
    let half = LABEL_SIZE * 0.38;
    match key {
        Key::Swatch(c) => scene.rect(
            (x + 4.0, cy - half),
            (x + KEY_WIDTH - 4.0, cy + half),
            Some(c),
            None,
        ),
        Key::Outlined(c) => scene.rect(
            (x + 4.0, cy - half),
            (x + KEY_WIDTH - 4.0, cy + half),
            Some(c),
            Some(Stroke::solid(MUTED, 1.0)),
        ),
        Key::Line(stroke) => scene.line((x, cy), (x + KEY_WIDTH, cy), stroke),
    }
}

/// Draws the source line at `y` (the bottom of the content) and sets the page height.
pub(crate) fn footer(scene: &mut Scene, source: &str, y: f64) {
    let lines = wrap(source, SOURCE_SIZE, scene.width - 2.0 * MARGIN);
    let mut cy = y + 12.0;
    for line in lines {
        cy += SOURCE_SIZE * LINE / 2.0;
        scene.text(line, (MARGIN, cy), SOURCE_SIZE, MUTED, Align::Left);
        cy += SOURCE_SIZE * LINE / 2.0;
    }
    scene.height = (cy + 16.0).ceil();
}

/// Height [`footer`] needs below the content.
pub(crate) fn footer_height(scene: &Scene, source: &str) -> f64 {
    let lines = wrap(source, SOURCE_SIZE, scene.width - 2.0 * MARGIN).len() as f64;
    12.0 + lines * SOURCE_SIZE * LINE + 16.0
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

/// Places labels centred on `xs` along a band, each in the first of `rows` rows where it
/// does not overlap an earlier one; returns `(left x, row)` per label, in input order.
/// Labels are kept inside `min_x..max_x`. If every row is taken, the label moves right
/// of the row that frees up first, so labels may drift but never overlap.
pub(crate) fn stagger(
    labels: &[(f64, f64)],
    rows: usize,
    min_x: f64,
    max_x: f64,
    gap: f64,
) -> Vec<(f64, usize)> {
    let mut order: Vec<usize> = (0..labels.len()).collect();
    order.sort_by(|a, b| labels[*a].0.total_cmp(&labels[*b].0));
    let mut row_end = vec![f64::NEG_INFINITY; rows.max(1)];
    let mut placed = vec![(0.0, 0); labels.len()];
    for i in order {
        let (centre, width) = labels[i];
        let x = (centre - width / 2.0).clamp(min_x, (max_x - width).max(min_x));
        let (row, x) = match row_end.iter().position(|end| x >= end + gap) {
            Some(r) => (r, x),
            None => {
                let (r, end) = row_end
                    .iter()
                    .enumerate()
                    .min_by(|a, b| a.1.total_cmp(b.1))
                    .map(|(r, e)| (r, *e))
                    .expect("at least one row");
                (r, end + gap)
            }
        };
        row_end[row] = x + width;
        placed[i] = (x, row);
    }
    placed
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
    fn staggered_labels_never_overlap() {
        let placed = stagger(
            &[(100.0, 80.0), (120.0, 80.0), (130.0, 80.0)],
            2,
            0.0,
            1000.0,
            10.0,
        );
        assert_eq!(placed[0], (60.0, 0));
        assert_eq!(placed[1].1, 1);
        assert_eq!(placed[2], (150.0, 0));
        let clamped = stagger(&[(995.0, 80.0)], 1, 0.0, 1000.0, 10.0);
        assert_eq!(clamped[0].0, 920.0);
    }

    #[test]
    fn spread_keeps_order_and_gap() {
        let out = spread(&[50.0, 52.0, 10.0], 20.0, 0.0, 100.0);
        assert_eq!(out, [50.0, 70.0, 10.0]);
        let out = spread(&[95.0, 99.0], 20.0, 0.0, 100.0);
        assert_eq!(out, [80.0, 100.0]);
    }
}
