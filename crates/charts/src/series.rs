//! One chart per city-scope target: the quarterly city series, the baseline quarter,
//! the target level, and the projection to the deadline that the status rule judges
//! (the least-squares line, or the current value carried forward for a growth rate).

use clusterkpi_model::catalogue::Projection;
use clusterkpi_model::{Evaluation, Judgement, Language, Period, Scope, Status, Target, Unit};
use plotters::style::RGBColor;

use crate::Figure;
use crate::font::text_width;
use crate::layout::{Key, Scale, Ticks, footer, footer_height, header, legend, spread};
use crate::scene::{Align, Scene, Stroke};
use crate::style::{
    AXIS, BASELINE, DATA, GRID, HEIGHT, LABEL_SIZE, MARGIN, MUTED, PROJECTION, TARGET, TEXT,
    TICK_SIZE, WHITE, WIDTH,
};
use crate::text::{
    fmt_fixed, fmt_number, fmt_value, indicator_name, pick, source_line, target_text, unit_title,
};

pub(crate) fn figures(eval: &Evaluation) -> Vec<Figure> {
    eval.plan
        .targets
        .iter()
        .filter(|t| t.scope == Scope::City)
        .map(|t| figure(eval, t))
        .collect()
}

fn observed() -> Stroke {
    Stroke::solid(DATA, 2.5)
}
fn target_line() -> Stroke {
    Stroke::dashed(TARGET, 2.5, 10.0, 6.0)
}
fn projection_line() -> Stroke {
    Stroke::dashed(PROJECTION, 2.5, 6.0, 5.0)
}
fn baseline_line() -> Stroke {
    Stroke::dashed(BASELINE, 1.5, 3.0, 4.0)
}

/// The projection as drawn: a straight segment between two quarters.
struct Projected {
    from: (i32, f64),
    to: (i32, f64),
    /// Carried forward (a growth rate) rather than fitted.
    persisted: bool,
}

/// What one series chart shows, gathered from the evaluation.
struct Inputs<'a> {
    lang: Language,
    unit: Unit,
    series: Vec<(Period, Option<f64>)>,
    /// The non-null observed values.
    observed: Vec<f64>,
    judgement: Option<&'a Judgement>,
    baseline_period: Period,
    baseline_value: Option<f64>,
    level: Option<f64>,
    projection: Option<Projected>,
}

impl<'a> Inputs<'a> {
    fn gather(eval: &'a Evaluation, target: &Target) -> Self {
        let plan = &eval.plan;
        let id = &target.indicator;
        let indicator = eval.indicator(id);
        let series = eval.series_of(Scope::City, &plan.city, id);
        let judgement = eval.kpi(Scope::City, &plan.city, id).map(|k| &k.judgement);
        let baseline_period = judgement
            .and_then(|j| j.baseline_period)
            .unwrap_or(plan.baseline);
        let baseline_value = judgement.and_then(|j| j.baseline_value);
        let level = judgement
            .and_then(|j| j.target_level)
            .or_else(|| target.level(baseline_value));
        let deadline = plan.deadline.index();

        // Drawn as the status rule projects: the fitted line from the baseline quarter,
        // or, for a rate assumed to persist, the current value carried forward.
        let persist = indicator.is_some_and(|i| i.projection == Projection::Persist);
        let projection = match (
            judgement.and_then(|j| j.fit),
            judgement.and_then(|j| j.projected),
        ) {
            (Some((a, b)), _) if !persist => {
                let line = |q: i32| a + b * f64::from(q);
                let from = baseline_period.index();
                Some(Projected {
                    from: (from, line(from)),
                    to: (deadline, line(deadline)),
                    persisted: false,
                })
            }
            (_, Some(p)) => {
                let last = series
                    .iter()
                    .rev()
                    .find(|(_, v)| v.is_some())
                    .map_or(eval.as_of, |(q, _)| *q);
                Some(Projected {
                    from: (last.index(), p),
                    to: (deadline, p),
                    persisted: true,
                })
            }
            (_, None) => None,
        };
        let observed = series
            .iter()
            .filter_map(|(_, v)| *v)
            .filter(|v| v.is_finite())
            .collect();
        Self {
            lang: eval.language,
            unit: indicator.map_or(Unit::Count, |i| i.unit),
            series,
            observed,
            judgement,
            baseline_period,
            baseline_value,
            level,
            projection,
        }
    }
}

/// The plot rectangle in layout units.
#[derive(Clone, Copy)]
struct Plot {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

fn figure(eval: &Evaluation, target: &Target) -> Figure {
    let d = Inputs::gather(eval, target);
    let (lang, unit, plan) = (d.lang, d.unit, &eval.plan);
    let id = &target.indicator;
    let name = indicator_name(eval, id);
    let title = match lang {
        Language::Zh => format!("{name}：季度走势与目标"),
        Language::En => format!("{name}: quarterly series and target"),
    };
    let mut subtitle = vec![match lang {
        Language::Zh => format!(
            "{}全市，基期{}，目标期限{}，截至{}",
            plan.city_name, d.baseline_period, plan.deadline, eval.as_of
        ),
        Language::En => format!(
            "{}, city total; baseline {}, deadline {}, as of {}",
            plan.city_name_en, d.baseline_period, plan.deadline, eval.as_of
        ),
    }];
    subtitle.extend(d.judgement.map(|j| status_line(j, lang)));

    let mut scene = Scene::new(WIDTH, HEIGHT);
    let y = header(&mut scene, &title, &subtitle);
    let y = legend(&mut scene, &legend_keys(&d, target), y);

    let ticks = value_ticks(&d);
    let tick_labels: Vec<(f64, String)> = ticks
        .values()
        .into_iter()
        .map(|v| (v, fmt_fixed(v, ticks.decimals())))
        .collect();
    let tick_width = tick_labels
        .iter()
        .map(|(_, t)| text_width(t, TICK_SIZE))
        .fold(0.0, f64::max);
    let end_labels = end_labels(&d);
    let end_width = end_labels
        .iter()
        .map(|(_, t, _)| text_width(t, LABEL_SIZE))
        .fold(0.0, f64::max);

    // The unit above the value axis, then the plot, leaving room for the tick labels on
    // the left, the end labels on the right and the quarter axis and source below.
    let unit_row = y + LABEL_SIZE * 0.7;
    scene.text(
        unit_title(unit, lang),
        (MARGIN, unit_row),
        LABEL_SIZE,
        MUTED,
        Align::Left,
    );
    let source = source_line(eval);
    let plot = Plot {
        left: MARGIN + tick_width + 10.0,
        right: WIDTH
            - MARGIN
            - if end_width > 0.0 {
                end_width + 14.0
            } else {
                0.0
            },
        top: unit_row + LABEL_SIZE * 1.2,
        bottom: HEIGHT - footer_height(&scene, &source) - QUARTER_AXIS_HEIGHT,
    };
    let first = d
        .series
        .iter()
        .map(|(p, _)| *p)
        .chain([d.baseline_period])
        .min()
        .unwrap_or(d.baseline_period);
    let quarters = first.index()..=plan.deadline.max(eval.as_of).index();
    let x = Scale {
        d0: f64::from(*quarters.start()) - 0.5,
        d1: f64::from(*quarters.end()) + 0.5,
        r0: plot.left,
        r1: plot.right,
    };
    let y = Scale {
        d0: ticks.lo,
        d1: ticks.hi,
        r0: plot.bottom,
        r1: plot.top,
    };

    for (v, label) in &tick_labels {
        let py = y.map(*v);
        scene.line((plot.left, py), (plot.right, py), Stroke::solid(GRID, 1.0));
        scene.text(label, (plot.left - 10.0, py), TICK_SIZE, TEXT, Align::Right);
    }
    quarter_axis(&mut scene, plot, x, quarters, d.baseline_period, lang);
    lines(&mut scene, &d, plot, x, y, &ticks);

    // End labels in the right margin, moved apart where the values are close.
    let ys: Vec<f64> = end_labels.iter().map(|(v, _, _)| y.map(*v)).collect();
    let ys = spread(&ys, LABEL_SIZE * 1.1, plot.top, plot.bottom);
    for ((_, label, colour), ly) in end_labels.iter().zip(ys) {
        scene.text(
            label,
            (plot.right + 12.0, ly),
            LABEL_SIZE,
            *colour,
            Align::Left,
        );
    }

    footer(&mut scene, &source, plot.bottom + QUARTER_AXIS_HEIGHT);
    Figure {
        id: format!("series_{id}"),
        title,
        area: eval.indicator(id).map(|i| i.area),
        scene,
    }
}

/// Room below the plot for the quarter labels and the axis title.
const QUARTER_AXIS_HEIGHT: f64 = 62.0;

fn legend_keys(d: &Inputs<'_>, target: &Target) -> Vec<(Key, String)> {
    let (lang, unit, bp) = (d.lang, d.unit, d.baseline_period);
    let mut keys = vec![(
        Key::Line(observed()),
        pick(lang, "实际值", "observed").to_string(),
    )];
    let baseline = match (lang, d.baseline_value) {
        (Language::Zh, Some(b)) => format!("基期{bp}：{}", fmt_value(b, unit, lang)),
        (Language::En, Some(b)) => format!("baseline {bp}: {}", fmt_value(b, unit, lang)),
        (Language::Zh, None) => format!("基期{bp}"),
        (Language::En, None) => format!("baseline {bp}"),
    };
    keys.push((Key::Line(baseline_line()), baseline));
    if d.level.is_some() {
        let words = format!(
            "{}{}",
            pick(lang, "目标：", "target: "),
            target_text(target, unit, lang)
        );
        keys.push((Key::Line(target_line()), words));
    }
    if let Some(p) = &d.projection {
        let words = match (p.persisted, lang) {
            (false, Language::Zh) => "趋势外推（最小二乘）",
            (false, Language::En) => "projection (least squares)",
            (true, Language::Zh) => "按当前值延续",
            (true, Language::En) => "current value carried forward",
        };
        keys.push((Key::Line(projection_line()), words.to_string()));
    }
    keys
}

/// Value ticks covering the observed values, the target level and the projected value,
/// from zero when they are near it. The fitted line's start is left out (it may dip a
/// little below zero) and is clipped to the range instead.
fn value_ticks(d: &Inputs<'_>) -> Ticks {
    let values: Vec<f64> = d
        .observed
        .iter()
        .copied()
        .chain(d.level)
        .chain(d.projection.as_ref().map(|p| p.to.1))
        .filter(|v| v.is_finite())
        .collect();
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        });
    let (lo, hi) = if values.is_empty() {
        (0.0, 1.0)
    } else if lo >= 0.0 && (lo < 0.4 * hi || d.observed.is_empty()) {
        (0.0, hi * 1.06)
    } else {
        let pad = 0.08 * (hi - lo).max(hi.abs() * 0.05);
        (lo - pad, hi + pad)
    };
    Ticks::nice(lo, hi, 5, d.unit == Unit::Count)
}

/// Right-margin labels: the target level and the projected value at the deadline.
fn end_labels(d: &Inputs<'_>) -> Vec<(f64, String, RGBColor)> {
    let mut labels = Vec::new();
    if let Some(l) = d.level {
        labels.push((
            l,
            format!(
                "{}{}",
                pick(d.lang, "目标 ", "target "),
                fmt_number(l, d.unit)
            ),
            TARGET,
        ));
    }
    if let Some(p) = &d.projection {
        let value = fmt_number(p.to.1, d.unit);
        labels.push((
            p.to.1,
            format!("{}{value}", pick(d.lang, "预计 ", "projected ")),
            DATA,
        ));
    }
    labels
}

/// Below this many pixels a quarter, the unlabelled quarter ticks would merge into a
/// solid bar (and a plan spanning centuries would draw tens of thousands of them): only
/// the labelled ticks are drawn.
const MIN_TICK_SPACING: f64 = 3.0;

/// Quarters between two axis labels: the first of the usual steps (a quarter, half a
/// year, a year, … fifty years) that keeps labels `label_width` apart, else whole
/// centuries, so that labels never touch however long the axis.
pub(crate) fn label_step(per_quarter: f64, label_width: f64) -> i32 {
    [1, 2, 4, 8, 12, 20, 40, 80, 200]
        .into_iter()
        .find(|s| f64::from(*s) * per_quarter >= label_width)
        .unwrap_or_else(|| {
            let centuries = (label_width / (400.0 * per_quarter)).ceil().max(1.0);
            // `as` saturates; an axis that long has a single label anyway.
            400_i32.saturating_mul(centuries as i32)
        })
}

/// The quarter axis: a tick per quarter (while they stay apart), labels thinned so they
/// never touch.
fn quarter_axis(
    scene: &mut Scene,
    plot: Plot,
    x: Scale,
    quarters: std::ops::RangeInclusive<i32>,
    baseline: Period,
    lang: Language,
) {
    scene.line(
        (plot.left, plot.bottom),
        (plot.right, plot.bottom),
        Stroke::solid(AXIS, 1.5),
    );
    let count = f64::from(quarters.end() - quarters.start() + 1);
    let per_quarter = (plot.right - plot.left) / count;
    let label_width = text_width("2020Q4", TICK_SIZE) + 14.0;
    let step = label_step(per_quarter, label_width);
    let minor_ticks = per_quarter >= MIN_TICK_SPACING;
    for q in quarters {
        // Labels fall on the baseline quarter and every `step` quarters from it, so
        // with a yearly step they mark the baseline's quarter of every year.
        let labelled = (q - baseline.index()).rem_euclid(step) == 0;
        if !labelled && !minor_ticks {
            continue;
        }
        let px = x.map(f64::from(q));
        let tick = if labelled { 7.0 } else { 4.0 };
        scene.line(
            (px, plot.bottom),
            (px, plot.bottom + tick),
            Stroke::solid(AXIS, 1.0),
        );
        if labelled {
            let label = Period::from_index(q).to_string();
            scene.text(
                label,
                (px, plot.bottom + 20.0),
                TICK_SIZE,
                TEXT,
                Align::Center,
            );
        }
    }
    let centre = (plot.left + plot.right) / 2.0;
    scene.text(
        pick(lang, "季度", "Quarter"),
        (centre, plot.bottom + 50.0),
        LABEL_SIZE,
        TEXT,
        Align::Center,
    );
}

/// Baseline quarter, target level and projection, then the observed series on top.
fn lines(scene: &mut Scene, d: &Inputs<'_>, plot: Plot, x: Scale, y: Scale, ticks: &Ticks) {
    let at = |q: f64, v: f64| (x.map(q), y.map(v));
    let quarter = |p: Period| f64::from(p.index());
    let bx = x.map(quarter(d.baseline_period));
    scene.line((bx, plot.top), (bx, plot.bottom), baseline_line());
    if let Some(l) = d.level {
        scene.line((plot.left, y.map(l)), (plot.right, y.map(l)), target_line());
    }
    if let Some(p) = &d.projection
        && let Some((from, to)) = clip(p.from, p.to, ticks.lo, ticks.hi)
    {
        scene.line(at(from.0, from.1), at(to.0, to.1), projection_line());
    }
    let mut run: Vec<(f64, f64)> = Vec::new();
    for (q, v) in &d.series {
        match v {
            Some(v) if v.is_finite() => run.push(at(quarter(*q), *v)),
            // A null quarter breaks the line rather than bridging the gap.
            _ => scene.path(std::mem::take(&mut run), observed()),
        }
    }
    scene.path(run, observed());
    for (q, v) in &d.series {
        if let Some(v) = v.filter(|v| v.is_finite()) {
            scene.circle(at(quarter(*q), v), 4.0, Some(DATA), None);
        }
    }
    if let Some(b) = d.baseline_value {
        scene.circle(
            at(quarter(d.baseline_period), b),
            8.0,
            None,
            Some(Stroke::solid(BASELINE, 2.0)),
        );
    }
    if let Some(p) = &d.projection {
        scene.circle(
            at(f64::from(p.to.0), p.to.1),
            7.0,
            Some(WHITE),
            Some(Stroke::solid(DATA, 2.5)),
        );
    }
    if d.observed.is_empty() {
        let centre = (
            (plot.left + plot.right) / 2.0,
            (plot.top + plot.bottom) / 2.0,
        );
        scene.text(
            pick(d.lang, "无数据", "No data"),
            centre,
            LABEL_SIZE,
            MUTED,
            Align::Center,
        );
    }
}

/// "状态：存在风险（预计完成进度 78%）".
fn status_line(j: &Judgement, lang: Language) -> String {
    let status = j.status.label(lang);
    // Once achieved, the projected progress says nothing more.
    let progress = j.progress.filter(|_| j.status != Status::Achieved);
    match (progress, lang) {
        (Some(p), Language::Zh) => {
            format!("状态：{status}（预计进度 {}%）", fmt_fixed(100.0 * p, 0))
        }
        (Some(p), Language::En) => format!(
            "Status: {status} (projected progress {}%)",
            fmt_fixed(100.0 * p, 0)
        ),
        (None, Language::Zh) => format!("状态：{status}"),
        (None, Language::En) => format!("Status: {status}"),
    }
}

/// The part of the segment from `a` to `b` (quarter, value) with values in `lo..=hi`.
fn clip(a: (i32, f64), b: (i32, f64), lo: f64, hi: f64) -> Option<((f64, f64), (f64, f64))> {
    let (x0, y0, x1, y1) = (f64::from(a.0), a.1, f64::from(b.0), b.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    let dy = y1 - y0;
    if dy.abs() < 1e-12 {
        if y0 < lo || y0 > hi {
            return None;
        }
    } else {
        let (ta, tb) = ((lo - y0) / dy, (hi - y0) / dy);
        t0 = t0.max(ta.min(tb));
        t1 = t1.min(ta.max(tb));
        if t0 > t1 {
            return None;
        }
    }
    let point = |t: f64| (x0 + t * (x1 - x0), y0 + t * dy);
    Some((point(t0), point(t1)))
}

#[cfg(test)]
mod tests {
    use super::clip;

    #[test]
    fn projection_is_clipped_to_the_value_range() {
        assert_eq!(
            clip((0, -1.0), (10, 9.0), 0.0, 10.0),
            Some(((1.0, 0.0), (10.0, 9.0)))
        );
        assert_eq!(
            clip((0, 5.0), (10, 5.0), 0.0, 10.0),
            Some(((0.0, 5.0), (10.0, 5.0)))
        );
        assert_eq!(clip((0, 11.0), (10, 12.0), 0.0, 10.0), None);
    }
}
