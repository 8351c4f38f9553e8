//! Horizontal bar chart, one bar per cluster: the shape of the gain, revenue growth and
//! coverage charts. Bars run sideways so that long Chinese cluster names get a full
//! column on the left instead of being rotated or cut under a narrow bar.
//!
//! Bars are sorted by value (largest first, clusters without a value last), the value
//! axis starts at zero with round ticks, each bar carries its figure at its end, and
//! each reference line its label at its top: no legend. A figure that would sit across
//! a reference line moves past it, so no line strikes through text.

use plotters::style::RGBColor;

use crate::font::text_width;
use crate::layout::{Scale, Ticks, footer, header, unit_line};
use crate::scene::{Align, Scene, Stroke, TextBox, text_box};
use crate::style::{AXIS, GRID, LABEL_SIZE, LINE, MARGIN, MUTED, TEXT, TICK_SIZE, WIDTH, ink_on};
use clusterkpi_model::display::fixed;

/// One bar: a name, its value (none: no bar, the text says why) and the text printed at
/// its end.
#[derive(Debug, Clone)]
pub(crate) struct Bar {
    pub name: String,
    pub value: Option<f64>,
    pub text: String,
    pub colour: RGBColor,
}

/// A vertical reference line across all bars (a target, 100%), labelled at its top.
#[derive(Debug, Clone)]
pub(crate) struct RefLine {
    pub at: f64,
    pub label: String,
    pub stroke: Stroke,
}

#[derive(Debug, Clone)]
pub(crate) struct HBars {
    pub lang: clusterkpi_model::Language,
    pub number: usize,
    pub title: String,
    pub subtitle: Vec<String>,
    /// "单位：%", above the plot.
    pub unit: String,
    pub bars: Vec<Bar>,
    pub refs: Vec<RefLine>,
    /// A fixed value range (coverage is always 0–100%); otherwise fitted to the data.
    pub domain: Option<(f64, f64)>,
    /// Print bar texts inside the bar end where they fit (coverage, where bars near
    /// 100% would otherwise put every text across the 100% line).
    pub inside_labels: bool,
    /// Shown in place of the bars when there are none.
    pub empty: String,
    pub source: String,
    pub notes: Vec<String>,
}

/// Names wider than this wrap onto further lines.
const NAME_MAX_WIDTH: f64 = 400.0;
const BAR_HEIGHT: f64 = 30.0;
const ROW_MIN: f64 = 52.0;
const TEXT_GAP: f64 = 8.0;
const REF_ROW: f64 = LABEL_SIZE * 1.35;

/// The bars in the order drawn: largest value first, bars without a value last, ties
/// in their given order.
pub(crate) fn sorted(bars: &[Bar]) -> Vec<Bar> {
    let mut out = bars.to_vec();
    let key = |b: &Bar| b.value.filter(|v| v.is_finite());
    out.sort_by(|a, b| match (key(a), key(b)) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    out
}

pub(crate) fn draw(h: &HBars) -> Scene {
    let mut scene = Scene::new(WIDTH, 0.0);
    let y = header(
        &mut scene,
        &crate::text::numbered(h.lang, h.number, &h.title),
        &h.subtitle,
    );
    let y = unit_line(&mut scene, &h.unit, y);
    let bars = sorted(&h.bars);

    let names: Vec<Vec<String>> = bars
        .iter()
        .map(|b| crate::text::wrap(&b.name, LABEL_SIZE, NAME_MAX_WIDTH))
        .collect();
    let name_width = names
        .iter()
        .flatten()
        .map(|l| text_width(l, LABEL_SIZE))
        .fold(0.0, f64::max);
    let names_right = MARGIN + name_width;

    let (ticks, (lo, hi)) = domain(h);
    // Room for the texts printed beyond the bar ends, so none leaves the page or runs
    // into the names (kept with inside labels too: short bars still print outside).
    let room = |keep: fn(f64) -> bool| {
        bars.iter()
            .filter(|b| keep(b.value.filter(|v| v.is_finite()).unwrap_or(0.0)))
            .map(|b| text_width(&b.text, LABEL_SIZE) + TEXT_GAP)
            .fold(0.0, f64::max)
    };
    let (left_room, right_room) = (room(|v| v < 0.0), room(|v| v >= 0.0));
    let tick_half = text_width(&fixed(hi, ticks.decimals()), TICK_SIZE) / 2.0;
    let data_left = (names_right + 18.0 + left_room).max(MARGIN + tick_half);
    let data_right = (WIDTH - MARGIN - right_room.max(tick_half)).max(data_left + 100.0);
    let x = Scale {
        d0: lo,
        d1: hi,
        r0: data_left,
        r1: data_right,
    };

    // Reference labels above the bars, beside their lines.
    let band_top = y + 4.0;
    let placed = place_ref_labels(h, x, band_top);
    let band_rows = placed.iter().map(|(_, row)| row + 1).max().unwrap_or(0);
    let row_y = |row: usize| band_top + (band_rows - 1 - row) as f64 * REF_ROW + REF_ROW / 2.0;
    let plot_top = band_top + band_rows as f64 * REF_ROW + 6.0;

    let heights: Vec<f64> = names
        .iter()
        .map(|l| (l.len() as f64 * LABEL_SIZE * LINE + 12.0).max(ROW_MIN))
        .collect();
    let rows_height = if bars.is_empty() {
        90.0
    } else {
        heights.iter().sum::<f64>()
    };
    let plot_bottom = plot_top + 6.0 + rows_height + 6.0;

    // Grid and tick labels.
    for v in ticks
        .values()
        .into_iter()
        .filter(|v| *v >= lo - 1e-9 && *v <= hi + 1e-9)
    {
        let px = x.map(v);
        scene.line((px, plot_top), (px, plot_bottom), Stroke::solid(GRID, 1.0));
        scene.text(
            fixed(v, ticks.decimals()),
            (px, plot_bottom + 22.0),
            TICK_SIZE,
            TEXT,
            Align::Center,
        );
    }
    scene.line(
        (data_left, plot_bottom),
        (data_right, plot_bottom),
        Stroke::solid(AXIS, 1.0),
    );
    let centre = (data_left + data_right) / 2.0;
    if bars.is_empty() {
        scene.text(
            &h.empty,
            (centre, plot_top + 51.0),
            LABEL_SIZE,
            MUTED,
            Align::Center,
        );
    }

    // Bars and names; the figure at each bar's end, moved past any reference line.
    let zero = x.map(0.0_f64.clamp(lo, hi));
    let ref_xs: Vec<f64> = h.refs.iter().map(|r| x.map(r.at.clamp(lo, hi))).collect();
    let mut top = plot_top + 6.0;
    for ((bar, lines), height) in bars.iter().zip(&names).zip(&heights) {
        let cy = top + height / 2.0;
        top += height;
        let first = cy - (lines.len() as f64 - 1.0) * LABEL_SIZE * LINE / 2.0;
        for (i, line) in lines.iter().enumerate() {
            let at = (names_right, first + i as f64 * LABEL_SIZE * LINE);
            scene.text(line, at, LABEL_SIZE, TEXT, Align::Right);
        }
        let width = text_width(&bar.text, LABEL_SIZE);
        let Some(v) = bar.value.filter(|v| v.is_finite()) else {
            let left = past_lines(zero + TEXT_GAP, width, &ref_xs, 1.0);
            scene.text(&bar.text, (left, cy), LABEL_SIZE, MUTED, Align::Left);
            continue;
        };
        let end = x.map(v.clamp(lo, hi));
        let (x0, x1) = (zero.min(end), zero.max(end));
        let half = BAR_HEIGHT / 2.0;
        scene.rect((x0, cy - half), (x1, cy + half), Some(bar.colour), None);
        let fits_inside = x1 - x0 >= width + 2.0 * TEXT_GAP;
        let inside_clear = !ref_xs
            .iter()
            .any(|rx| *rx > x1 - TEXT_GAP - width - 2.0 && *rx < x1 - TEXT_GAP + 2.0);
        if h.inside_labels && fits_inside && inside_clear && v >= 0.0 {
            let ink = ink_on(bar.colour);
            scene.text(
                &bar.text,
                (x1 - TEXT_GAP, cy),
                LABEL_SIZE,
                ink,
                Align::Right,
            );
        } else if v < 0.0 {
            let right = past_lines(x0 - TEXT_GAP - width, width, &ref_xs, -1.0) + width;
            scene.text(&bar.text, (right, cy), LABEL_SIZE, TEXT, Align::Right);
        } else {
            let left = past_lines(x1 + TEXT_GAP, width, &ref_xs, 1.0);
            scene.text(&bar.text, (left, cy), LABEL_SIZE, TEXT, Align::Left);
        }
    }
    // The zero line over the bars' roots.
    scene.line(
        (zero, plot_top),
        (zero, plot_bottom),
        Stroke::solid(AXIS, 1.5),
    );

    // Reference lines over the bars, reaching up to their labels.
    for ((r, (b, row)), px) in h.refs.iter().zip(&placed).zip(&ref_xs) {
        let label_y = row_y(*row);
        let label_box = text_box(&r.label, b.x0, label_y, LABEL_SIZE, Align::Left);
        scene.rule((*px, label_box.y0), (*px, plot_bottom), r.stroke);
        scene.text(
            &r.label,
            (b.x0, label_y),
            LABEL_SIZE,
            r.stroke.color,
            Align::Left,
        );
    }

    footer(&mut scene, &h.source, &h.notes, plot_bottom + 40.0);
    scene
}

/// The left edge of a text `width` wide starting at `left`, moved (in `direction`) past
/// every reference line at `xs` that would cross it.
fn past_lines(mut left: f64, width: f64, xs: &[f64], direction: f64) -> f64 {
    for _ in 0..=xs.len() {
        let crossing = xs
            .iter()
            .filter(|x| **x > left - 2.0 && **x < left + width + 2.0)
            .copied();
        let next = if direction > 0.0 {
            crossing
                .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))))
                .map(|x| x + TEXT_GAP)
        } else {
            crossing
                .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.min(x))))
                .map(|x| x - TEXT_GAP - width)
        };
        match next {
            Some(l) => left = l,
            None => break,
        }
    }
    left
}

/// Places each reference label in the band above the bars: beside its line (right of
/// it, else left of it) in the lowest row where it neither overlaps another label nor
/// is crossed by another label's line, nor puts its own line through a label below.
/// Returns the label's box (x only is final; rows set y) and row.
fn place_ref_labels(h: &HBars, x: Scale, band_top: f64) -> Vec<(TextBox, usize)> {
    const ROWS: usize = 4;
    let mut placed: Vec<(TextBox, usize, f64)> = Vec::new();
    for r in &h.refs {
        let px = x.map(r.at.clamp(x.d0, x.d1));
        let w = text_width(&r.label, LABEL_SIZE);
        let mut choice = None;
        'rows: for row in 0..ROWS {
            for left in [px + TEXT_GAP, px - TEXT_GAP - w] {
                if left < MARGIN || left + w > WIDTH - MARGIN {
                    continue;
                }
                // Rows counted from the bars up; a box in band coordinates per row.
                let y = band_top - row as f64 * REF_ROW;
                let b = TextBox {
                    x0: left,
                    y0: y,
                    x1: left + w,
                    y1: y + REF_ROW - 2.0,
                };
                let clash = placed.iter().any(|(o, orow, ox)| {
                    (*orow == row && o.overlaps(&b))
                        // Their line runs through this row when their label is higher.
                        || (*orow > row && *ox > b.x0 - 2.0 && *ox < b.x1 + 2.0)
                        // Our line runs through their row when ours is higher.
                        || (row > *orow && px > o.x0 - 2.0 && px < o.x1 + 2.0)
                });
                if !clash {
                    choice = Some((b, row));
                    break 'rows;
                }
            }
        }
        let (b, row) = choice.unwrap_or_else(|| {
            let y = band_top - ROWS as f64 * REF_ROW;
            let left = (px + TEXT_GAP).min(WIDTH - MARGIN - w).max(MARGIN);
            (
                TextBox {
                    x0: left,
                    y0: y,
                    x1: left + w,
                    y1: y + REF_ROW,
                },
                ROWS,
            )
        });
        placed.push((b, row, px));
    }
    placed.into_iter().map(|(b, row, _)| (b, row)).collect()
}

/// Ticks and the value range: the fixed domain, or every bar, every reference line and
/// zero (bars start at zero), with a little headroom so a target line is not drawn on
/// the edge of the grid.
fn domain(h: &HBars) -> (Ticks, (f64, f64)) {
    if let Some((lo, hi)) = h.domain {
        return (Ticks::nice(lo, hi, 5, false), (lo, hi));
    }
    let values = h
        .bars
        .iter()
        .filter_map(|b| b.value)
        .chain(h.refs.iter().map(|r| r.at));
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((0.0, 0.0), |(lo, hi), v| (f64::min(lo, v), f64::max(hi, v)));
    let pad = 0.05 * (hi - lo);
    let ticks = Ticks::nice(
        if lo < 0.0 { lo - pad } else { 0.0 },
        if hi > 0.0 { hi + pad } else { hi },
        5,
        false,
    );
    let range = (ticks.lo, ticks.hi);
    (ticks, range)
}
