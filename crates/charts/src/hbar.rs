//! Horizontal bar chart, one bar per cluster: the shape of the gain, revenue growth and
//! coverage charts. Bars run sideways so that long Chinese cluster names get a full
//! column on the left instead of being rotated or cut under a narrow bar.

use plotters::style::RGBColor;

use crate::font::text_width;
use crate::layout::{Key, Scale, Ticks, footer, header, legend, stagger};
use crate::scene::{Align, Scene, Stroke, text_box};
use crate::style::{
    AXIS, GRID, LABEL_SIZE, LINE, MARGIN, MUTED, TEXT, TICK_SIZE, WHITE, WIDTH, ink_on,
};
use crate::text::{fmt_fixed, wrap};

/// One bar: a name, its value (none: no bar, the text says why) and the text printed at
/// its end.
#[derive(Debug, Clone)]
pub(crate) struct Bar {
    pub name: String,
    pub value: Option<f64>,
    pub text: String,
    pub colour: RGBColor,
}

/// A vertical reference line across all bars (target, baseline, 100%), labelled above.
#[derive(Debug, Clone)]
pub(crate) struct RefLine {
    pub at: f64,
    pub label: String,
    pub stroke: Stroke,
}

#[derive(Debug, Clone)]
pub(crate) struct HBars {
    pub title: String,
    pub subtitle: Vec<String>,
    pub legend: Vec<(Key, String)>,
    /// Title of the name column ("集群").
    pub category_title: String,
    /// Title of the value axis, with its unit.
    pub value_title: String,
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
}

/// Names wider than this wrap onto a second line.
const NAME_MAX_WIDTH: f64 = 330.0;
const BAR_HEIGHT: f64 = 24.0;
const ROW_MIN: f64 = 42.0;
const TEXT_GAP: f64 = 7.0;
const REF_ROW: f64 = LABEL_SIZE * 1.35;

pub(crate) fn draw(h: &HBars) -> Scene {
    let mut scene = Scene::new(WIDTH, 0.0);
    let y = header(&mut scene, &h.title, &h.subtitle);
    let y = legend(&mut scene, &h.legend, y);

    let names: Vec<Vec<String>> = h
        .bars
        .iter()
        .map(|b| wrap(&b.name, LABEL_SIZE, NAME_MAX_WIDTH))
        .collect();
    let name_width = names
        .iter()
        .flatten()
        .chain([&h.category_title])
        .map(|l| text_width(l, LABEL_SIZE))
        .fold(0.0, f64::max);
    let names_right = MARGIN + name_width;

    let (ticks, (lo, hi)) = domain(h);
    // Room for the texts printed beyond the bar ends, so none leaves the page or runs
    // into the names (kept with inside labels too: short bars still print outside).
    let room = |keep: fn(f64) -> bool| {
        h.bars
            .iter()
            .filter(|b| keep(b.value.filter(|v| v.is_finite()).unwrap_or(0.0)))
            .map(|b| text_width(&b.text, LABEL_SIZE) + TEXT_GAP)
            .fold(0.0, f64::max)
    };
    let (left_room, right_room) = (room(|v| v < 0.0), room(|v| v >= 0.0));
    let tick_half = text_width(&fmt_fixed(hi, ticks.decimals()), TICK_SIZE) / 2.0;
    let data_left = names_right + 18.0 + left_room;
    let data_right = (WIDTH - MARGIN - right_room.max(tick_half)).max(data_left + 100.0);
    let x = Scale {
        d0: lo,
        d1: hi,
        r0: data_left,
        r1: data_right,
    };

    // Reference labels above the bars, staggered over two rows where they would collide;
    // row 0 is the one next to the bars.
    let ref_widths: Vec<(f64, f64)> = h
        .refs
        .iter()
        .map(|r| (x.map(r.at), text_width(&r.label, LABEL_SIZE)))
        .collect();
    let placed = stagger(&ref_widths, 2, data_left - left_room, WIDTH - MARGIN, 16.0);
    let band_rows = placed.iter().map(|(_, row)| row + 1).max().unwrap_or(1);
    let band_top = y + 4.0;
    let row_y = |row: usize| band_top + (band_rows - 1 - row) as f64 * REF_ROW + REF_ROW / 2.0;
    let plot_top = band_top + band_rows as f64 * REF_ROW + 6.0;

    let heights: Vec<f64> = names
        .iter()
        .map(|l| (l.len() as f64 * LABEL_SIZE * LINE + 12.0).max(ROW_MIN))
        .collect();
    let rows_height = if h.bars.is_empty() {
        90.0
    } else {
        heights.iter().sum::<f64>()
    };
    let plot_bottom = plot_top + 6.0 + rows_height + 6.0;

    // Grid, tick labels and the axis titles.
    for v in ticks
        .values()
        .into_iter()
        .filter(|v| *v >= lo - 1e-9 && *v <= hi + 1e-9)
    {
        let px = x.map(v);
        scene.line((px, plot_top), (px, plot_bottom), Stroke::solid(GRID, 1.0));
        let label = fmt_fixed(v, ticks.decimals());
        scene.text(
            label,
            (px, plot_bottom + 18.0),
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
    scene.text(
        &h.value_title,
        (centre, plot_bottom + 50.0),
        LABEL_SIZE,
        TEXT,
        Align::Center,
    );
    scene.text(
        &h.category_title,
        (names_right, row_y(0)),
        LABEL_SIZE,
        MUTED,
        Align::Right,
    );
    if h.bars.is_empty() {
        scene.text(
            &h.empty,
            (centre, plot_top + 51.0),
            LABEL_SIZE,
            MUTED,
            Align::Center,
        );
    }

    // Bars and names. Texts beyond the bar ends wait until the reference lines are
    // drawn: a line must not strike through a number.
    let zero = x.map(0.0_f64.clamp(lo, hi));
    let mut end_texts: Vec<(&str, (f64, f64), RGBColor, Align)> = Vec::new();
    let mut top = plot_top + 6.0;
    for ((bar, lines), height) in h.bars.iter().zip(&names).zip(&heights) {
        let cy = top + height / 2.0;
        top += height;
        let first = cy - (lines.len() as f64 - 1.0) * LABEL_SIZE * LINE / 2.0;
        for (i, line) in lines.iter().enumerate() {
            let at = (names_right, first + i as f64 * LABEL_SIZE * LINE);
            scene.text(line, at, LABEL_SIZE, TEXT, Align::Right);
        }
        let Some(v) = bar.value.filter(|v| v.is_finite()) else {
            end_texts.push((&bar.text, (zero + TEXT_GAP, cy), MUTED, Align::Left));
            continue;
        };
        let end = x.map(v.clamp(lo, hi));
        let (x0, x1) = (zero.min(end), zero.max(end));
        let half = BAR_HEIGHT / 2.0;
        scene.rect((x0, cy - half), (x1, cy + half), Some(bar.colour), None);
        let fits_inside = x1 - x0 >= text_width(&bar.text, LABEL_SIZE) + 2.0 * TEXT_GAP;
        if h.inside_labels && fits_inside && v >= 0.0 {
            let ink = ink_on(bar.colour);
            scene.text(
                &bar.text,
                (x1 - TEXT_GAP, cy),
                LABEL_SIZE,
                ink,
                Align::Right,
            );
        } else if v < 0.0 {
            end_texts.push((&bar.text, (x0 - TEXT_GAP, cy), TEXT, Align::Right));
        } else {
            end_texts.push((&bar.text, (x1 + TEXT_GAP, cy), TEXT, Align::Left));
        }
    }

    // Reference lines over the bars, reaching up to their labels.
    for (r, (left, row)) in h.refs.iter().zip(&placed) {
        let px = x.map(r.at.clamp(lo, hi));
        let label_y = row_y(*row);
        scene.line(
            (px, label_y + LABEL_SIZE * 0.55),
            (px, plot_bottom),
            r.stroke,
        );
        scene.text(
            &r.label,
            (*left, label_y),
            LABEL_SIZE,
            r.stroke.color,
            Align::Left,
        );
    }
    for (text, at, colour, align) in end_texts {
        boxed_text(&mut scene, text, at, colour, align);
    }

    footer(&mut scene, &h.source, plot_bottom + 64.0);
    scene
}

/// Ticks and the value range: the fixed domain, or every bar, every reference line and
/// zero (bars start at zero), with a little headroom so a target line is not drawn on
/// the edge of the grid.
fn domain(h: &HBars) -> (Ticks, (f64, f64)) {
    if let Some((lo, hi)) = h.domain {
        return (Ticks::nice(lo, hi, 6, false), (lo, hi));
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
        if lo < 0.0 { lo - pad } else { lo },
        if hi > 0.0 { hi + pad } else { hi },
        6,
        false,
    );
    let range = (ticks.lo, ticks.hi);
    (ticks, range)
}

/// A text on a white box, so that grid and reference lines do not run through it.
fn boxed_text(scene: &mut Scene, text: &str, (x, y): (f64, f64), colour: RGBColor, align: Align) {
    let b = text_box(text, x, y, LABEL_SIZE, align);
    scene.rect(
        (b.x0 - 2.0, b.y0 - 2.0),
        (b.x1 + 2.0, b.y1 + 2.0),
        Some(WHITE),
        None,
    );
    scene.text(text, (x, y), LABEL_SIZE, colour, align);
}
