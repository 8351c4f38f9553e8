//! One chart per city-scope plan target: the quarterly city series, the baseline
//! quarter, the target level, and the projection to the deadline that the status rule
//! judges (the least-squares line, or the current value carried forward for a growth
//! rate). Once the deadline has passed (终期评估) the verdict is the one at the
//! deadline: the later quarters are still drawn, the judged point is ringed and named,
//! and the title states the figure at the deadline.

use clusterkpi_model::catalogue::Projection;
use clusterkpi_model::display::{Display, ShownUnit, fixed, palette};
use clusterkpi_model::{Evaluation, Judgement, Language, Period, Scope, Status, Target};
use plotters::style::RGBColor;

use crate::font::text_width;
use crate::layout::{Scale, Ticks, footer, footer_height, free_spot, header, spread, unit_line};
use crate::scene::{Align, Scene, Stroke};
use crate::style::{
    AXIS, BASELINE, DATA, GRID, HEIGHT, LABEL_SIZE, MARGIN, MUTED, PROJECTION, TARGET, TEXT,
    TICK_SIZE, WHITE, WIDTH,
};
use crate::text::{indicator_name, pick, shown_unit, source_line};
use crate::{Figure, Pending};

pub(crate) fn figures(eval: &Evaluation) -> Vec<Pending<'_>> {
    eval.plan
        .targets
        .iter()
        .filter(|t| t.scope == Scope::City && t.is_plan_target())
        .map(|t| {
            let area = eval.indicator(&t.indicator).map(|i| i.area);
            Pending::new(area, move |n| figure(eval, t, n))
        })
        .collect()
}

fn observed() -> Stroke {
    Stroke::solid(DATA, 3.0)
}
fn target_line() -> Stroke {
    Stroke::dashed(TARGET, 2.5, 10.0, 6.0)
}
fn projection_line() -> Stroke {
    Stroke::dashed(PROJECTION, 3.0, 6.0, 5.0)
}
fn baseline_line() -> Stroke {
    Stroke::dashed(BASELINE, 1.5, 3.0, 4.0)
}

/// The projection as drawn: a straight segment between two quarters (shown values).
struct Projected {
    from: (i32, f64),
    to: (i32, f64),
    /// Carried forward (a growth rate) rather than fitted.
    persisted: bool,
}

/// What one series chart shows, gathered from the evaluation, in shown units (亿元 for
/// money).
struct Inputs<'a> {
    d: Display,
    unit: ShownUnit,
    series: Vec<(Period, Option<f64>)>,
    /// The non-null observed values.
    observed: Vec<f64>,
    judgement: Option<&'a Judgement>,
    /// The judged quarter and the value there (the deadline once it has passed).
    judged: Period,
    judged_value: Option<f64>,
    final_evaluation: bool,
    baseline_period: Period,
    baseline_value: Option<f64>,
    level: Option<f64>,
    /// Drawn only before the deadline: at the deadline the actual value is the verdict.
    projection: Option<Projected>,
}

impl<'a> Inputs<'a> {
    fn gather(eval: &'a Evaluation, target: &Target) -> Self {
        let plan = &eval.plan;
        let id = &target.indicator;
        let indicator = eval.indicator(id);
        let unit = shown_unit(eval, id);
        let show = |v: f64| unit.scale(v);
        let series: Vec<(Period, Option<f64>)> = eval
            .series_of(Scope::City, &plan.city, id)
            .into_iter()
            .map(|(p, v)| (p, v.map(show)))
            .collect();
        let judgement = eval.kpi(Scope::City, &plan.city, id).map(|k| &k.judgement);
        let baseline_period = judgement
            .and_then(|j| j.baseline_period)
            .unwrap_or(plan.baseline);
        let baseline_value = judgement.and_then(|j| j.baseline_value);
        let level = judgement
            .and_then(|j| j.target_level)
            .or_else(|| target.level(baseline_value));
        let judged = judgement
            .and_then(|j| j.judged_period)
            .unwrap_or_else(|| eval.judged_quarter());
        let final_evaluation = judged >= plan.deadline;
        let deadline = plan.deadline.index();

        // Drawn as the status rule projects: the fitted line from the baseline quarter,
        // or, for a rate assumed to persist, the current value carried forward.
        let persist = indicator.is_some_and(|i| i.projection == Projection::Persist);
        let projection = match (
            judgement.and_then(|j| j.fit),
            judgement.and_then(|j| j.projected),
        ) {
            _ if final_evaluation => None,
            (Some((a, b)), _) if !persist => {
                let line = |q: i32| show(a + b * f64::from(q));
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
                    from: (last.index(), show(p)),
                    to: (deadline, show(p)),
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
            d: Display::new(eval.language),
            unit,
            series,
            observed,
            judgement,
            judged,
            judged_value: judgement.and_then(|j| j.judged_value).map(show),
            final_evaluation,
            baseline_period,
            baseline_value: baseline_value.map(show),
            level: level.map(show),
            projection,
        }
    }

    fn lang(&self) -> Language {
        self.d.lang()
    }

    /// A shown value as a number ("2,473", "45.3"), by the display rules of its unit.
    fn number(&self, shown: f64) -> String {
        // Display takes stored values: undo the scale of money.
        self.d.number(self.stored(shown), self.unit)
    }

    fn stored(&self, shown: f64) -> f64 {
        if self.unit == ShownUnit::HundredMillionYuan {
            shown * clusterkpi_model::display::TEN_THOUSANDS_PER_HUNDRED_MILLION
        } else {
            shown
        }
    }

    fn status(&self) -> Status {
        self.judgement.map_or(Status::NoData, |j| j.status)
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

/// The finding: the figure at the judged quarter and what it means for the target.
fn finding(eval: &Evaluation, d: &Inputs<'_>, name: &str, target: &Target) -> String {
    let (dd, unit) = (d.d, d.unit);
    let end = dd.quarter_end(d.judged);
    let deadline_end = dd.quarter_end(eval.plan.deadline);
    let required = dd.target(target, unit);
    let Some(v) = d.judged_value.filter(|v| v.is_finite()) else {
        return match d.lang() {
            Language::Zh => format!("{name}{end}无数据，无法判断{required}的目标"),
            Language::En => {
                format!("{name}: no data for {end}; the target of {required} cannot be judged")
            }
        };
    };
    let (vs, ls) = match d.level {
        Some(l) => dd.compared(d.stored(v), d.stored(l), unit),
        None => (dd.value(Some(d.stored(v)), unit), String::new()),
    };
    let projected = d
        .judgement
        .and_then(|j| j.projected)
        .map(|p| dd.value(Some(p), unit));
    match (d.lang(), d.status(), projected) {
        (Language::Zh, Status::Achieved, _) => format!("{name}{end}为{vs}，已完成{required}的目标"),
        // "超过2个": at the level itself the target is missed, not "未达到2个".
        (Language::Zh, Status::Missed, _) if d.level.is_some_and(|l| v >= l) => {
            format!("{name}{end}为{vs}，未完成{required}的目标")
        }
        (Language::Zh, Status::Missed, _) => format!("{name}{end}为{vs}，未达到{ls}的目标"),
        (Language::Zh, Status::OnTrack, Some(p)) => {
            format!("{name}{end}为{vs}，按趋势{deadline_end}可达{p}，可望完成{required}的目标")
        }
        (Language::Zh, Status::AtRisk | Status::OffTrack, Some(p)) => {
            format!("{name}{end}为{vs}，按趋势{deadline_end}为{p}，低于{ls}的目标")
        }
        (Language::Zh, s, _) => format!("{name}{end}为{vs}，{}", dd.status(s)),
        (Language::En, Status::Achieved, _) => {
            format!("{name}: {vs} at the {end}, meeting the target of {required}")
        }
        (Language::En, Status::Missed, _) => {
            format!("{name}: {vs} at the {end}, short of the target of {ls}")
        }
        (Language::En, Status::OnTrack, Some(p)) => format!(
            "{name}: {vs} at the {end}, on course for {p} by the {deadline_end} (target {required})"
        ),
        (Language::En, Status::AtRisk | Status::OffTrack, Some(p)) => format!(
            "{name}: {vs} at the {end}, projected {p} by the {deadline_end}, below the target of {ls}"
        ),
        (Language::En, s, _) => format!("{name}: {vs} at the {end}, {}", dd.status(s)),
    }
}

fn figure(eval: &Evaluation, target: &Target, number: usize) -> Figure {
    let d = Inputs::gather(eval, target);
    let (lang, dd, plan) = (d.lang(), d.d, &eval.plan);
    let id = &target.indicator;
    let name = indicator_name(eval, id);
    let title = finding(eval, &d, &name, target);
    let first = d
        .series
        .iter()
        .map(|(p, _)| *p)
        .chain([d.baseline_period])
        .min()
        .unwrap_or(d.baseline_period);
    let mut subtitle = vec![match lang {
        Language::Zh => format!(
            "{}全市{name}，{}至{}各季度末",
            plan.city_name,
            dd.quarter(first),
            dd.quarter(eval.as_of)
        ),
        Language::En => format!(
            "{name}, {} city total, end of each quarter, {} to {}",
            plan.city_name_en,
            dd.quarter(first),
            dd.quarter(eval.as_of)
        ),
    }];
    subtitle.extend(d.judgement.map(|j| status_line(j, &d, eval)));

    let mut scene = Scene::new(WIDTH, HEIGHT);
    let y = header(
        &mut scene,
        &crate::text::numbered(lang, number, &title),
        &subtitle,
    );
    let y = unit_line(&mut scene, &dd.unit_title(d.unit), y);

    let ticks = value_ticks(&d);
    let tick_labels: Vec<(f64, String)> = ticks
        .values()
        .into_iter()
        .map(|v| (v, fixed(v, ticks.decimals())))
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

    let source = source_line(eval);
    let notes = notes(&d, eval);
    let plot = Plot {
        left: MARGIN + tick_width + 10.0,
        right: WIDTH
            - MARGIN
            - if end_width > 0.0 {
                end_width + 14.0
            } else {
                0.0
            },
        top: y + LABEL_SIZE * 0.8,
        bottom: HEIGHT - footer_height(&scene, &source, &notes) - QUARTER_AXIS_HEIGHT,
    };
    let quarters = first.index()..=plan.deadline.max(eval.as_of).index();
    let x = Scale {
        d0: f64::from(*quarters.start()) - 0.5,
        d1: f64::from(*quarters.end()) + 0.5,
        r0: plot.left,
        r1: plot.right,
    };
    let ys = Scale {
        d0: ticks.lo,
        d1: ticks.hi,
        r0: plot.bottom,
        r1: plot.top,
    };

    for (v, label) in &tick_labels {
        let py = ys.map(*v);
        scene.line((plot.left, py), (plot.right, py), Stroke::solid(GRID, 1.0));
        scene.text(label, (plot.left - 10.0, py), TICK_SIZE, TEXT, Align::Right);
    }
    quarter_axis(&mut scene, plot, x, quarters, d.baseline_period, dd);
    lines(&mut scene, &d, plot, x, ys, &ticks);

    // End labels in the right margin, moved apart where the values are close.
    let label_ys: Vec<f64> = end_labels.iter().map(|(v, _, _)| ys.map(*v)).collect();
    let label_ys = spread(&label_ys, LABEL_SIZE * 1.1, plot.top, plot.bottom);
    for ((_, label, colour), ly) in end_labels.iter().zip(label_ys) {
        scene.text(
            label,
            (plot.right + 12.0, ly),
            LABEL_SIZE,
            *colour,
            Align::Left,
        );
    }
    point_labels(&mut scene, &d, plot, x, ys);

    footer(
        &mut scene,
        &source,
        &notes,
        plot.bottom + QUARTER_AXIS_HEIGHT,
    );
    Figure {
        number,
        id: format!("series_{id}"),
        title,
        area: eval.indicator(id).map(|i| i.area),
        lang,
        scene,
    }
}

/// Room below the plot for the quarter labels.
const QUARTER_AXIS_HEIGHT: f64 = 44.0;

/// How the projection was made, and what the ring marks.
fn notes(d: &Inputs<'_>, eval: &Evaluation) -> Vec<String> {
    let dd = d.d;
    let deadline = dd.quarter(eval.plan.deadline);
    let mut notes = Vec::new();
    if d.final_evaluation {
        notes.push(match d.lang() {
            Language::Zh => format!(
                "注：规划期限为{deadline}，终期评估按该季度数据判定（圆圈所示），其后各季度仅作参考。"
            ),
            Language::En => format!(
                "Note: the plan ends in {deadline}; the final evaluation is judged on that quarter (ringed), later quarters are shown for reference."
            ),
        });
    } else if let Some(p) = &d.projection {
        notes.push(match (d.lang(), p.persisted) {
            (Language::Zh, false) => format!("注：虚线为按基期以来各季度最小二乘趋势外推至{deadline}的预计值。"),
            (Language::Zh, true) => format!("注：虚线为按当前值延续至{deadline}的预计值。"),
            (Language::En, false) => format!("Note: the dotted line projects the least-squares trend since the baseline to {deadline}."),
            (Language::En, true) => format!("Note: the dotted line carries the current value forward to {deadline}."),
        });
    }
    notes
}

/// Right-margin labels: the target level and, before the deadline, the projected value
/// at the deadline.
fn end_labels(d: &Inputs<'_>) -> Vec<(f64, String, RGBColor)> {
    let mut labels = Vec::new();
    if let Some(l) = d.level {
        labels.push((
            l,
            format!("{}{}", pick(d.lang(), "目标 ", "target "), d.number(l)),
            TARGET,
        ));
    }
    if let Some(p) = &d.projection {
        labels.push((
            p.to.1,
            format!(
                "{}{}",
                pick(d.lang(), "预计 ", "projected "),
                d.number(p.to.1)
            ),
            DATA,
        ));
    }
    labels
}

/// Labels at points inside the plot, each where it crosses no reference line and
/// overlaps no other text: the baseline, the judged point (终期评估) or the latest
/// value.
fn point_labels(scene: &mut Scene, d: &Inputs<'_>, plot: Plot, x: Scale, ys: Scale) {
    let bounds = (
        plot.left + 2.0,
        plot.top,
        plot.right - 2.0,
        plot.bottom - 2.0,
    );
    let around = |(px, py): (f64, f64), gap: f64| -> [((f64, f64), Align); 16] {
        [
            ((px, py - gap - LABEL_SIZE * 0.4), Align::Center),
            ((px, py + gap + LABEL_SIZE * 0.4), Align::Center),
            ((px - gap, py - gap - LABEL_SIZE * 0.4), Align::Right),
            ((px + gap, py - gap - LABEL_SIZE * 0.4), Align::Left),
            ((px - gap, py + gap + LABEL_SIZE * 0.4), Align::Right),
            ((px + gap, py + gap + LABEL_SIZE * 0.4), Align::Left),
            ((px - gap - 6.0, py), Align::Right),
            ((px + gap + 6.0, py), Align::Left),
            ((px, py - 2.0 * gap - LABEL_SIZE), Align::Center),
            ((px, py + 2.0 * gap + LABEL_SIZE), Align::Center),
            ((px - gap, py - 2.0 * gap - LABEL_SIZE), Align::Right),
            ((px + gap, py - 2.0 * gap - LABEL_SIZE), Align::Left),
            ((px - gap, py + 2.0 * gap + LABEL_SIZE), Align::Right),
            ((px + gap, py + 2.0 * gap + LABEL_SIZE), Align::Left),
            ((px, py - 3.0 * gap - 1.6 * LABEL_SIZE), Align::Center),
            ((px, py + 3.0 * gap + 1.6 * LABEL_SIZE), Align::Center),
        ]
    };
    let put = |scene: &mut Scene, text: String, at: (f64, f64), colour: RGBColor| {
        if let Some((spot, align)) = free_spot(scene, &text, LABEL_SIZE, &around(at, 14.0), bounds)
        {
            scene.text(text, spot, LABEL_SIZE, colour, align);
        }
    };
    let quarter = |p: Period| x.map(f64::from(p.index()));
    let lang = d.lang();
    if let Some(b) = d.baseline_value {
        let text = format!("{}{}", pick(lang, "基期 ", "baseline "), d.number(b));
        put(
            scene,
            text,
            (quarter(d.baseline_period), ys.map(b)),
            BASELINE,
        );
    }
    if let Some(v) = d.judged_value.filter(|_| d.final_evaluation) {
        let marker = palette::marker(d.status());
        let text = match lang {
            Language::Zh => format!("终期评估 {} {marker}", d.number(v)),
            Language::En => format!("final evaluation {} {marker}", d.number(v)),
        };
        put(scene, text, (quarter(d.judged), ys.map(v)), TEXT);
    }
    let last = d
        .series
        .iter()
        .rev()
        .find_map(|(p, v)| v.filter(|v| v.is_finite()).map(|v| (*p, v)));
    if let Some((p, v)) = last
        && !(d.final_evaluation && p == d.judged)
    {
        let text = format!("{} {}", d.d.quarter(p), d.number(v));
        put(scene, text, (quarter(p), ys.map(v)), DATA);
    }
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
    // Headroom above and below for the labels at the points.
    let (lo, hi) = if values.is_empty() {
        (0.0, 1.0)
    } else if lo >= 0.0 && (lo < 0.4 * hi || d.observed.is_empty()) {
        (0.0, hi * 1.15)
    } else {
        let pad = 0.15 * (hi - lo).max(hi.abs() * 0.05);
        (lo - pad, hi + pad)
    };
    Ticks::nice(lo, hi, 5, d.unit.is_count())
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

/// The label of a quarter on the axis: "2021年末" where labels fall on whole years,
/// else "2021年二季度" ("2021 Q2" in English).
fn quarter_label(d: Display, p: Period, yearly: bool) -> String {
    match d.lang() {
        Language::Zh if yearly && p.quarter() == 4 => d.quarter_end(p),
        _ => d.quarter(p),
    }
}

/// The quarter axis: a tick per quarter (while they stay apart), labels thinned so they
/// never touch.
fn quarter_axis(
    scene: &mut Scene,
    plot: Plot,
    x: Scale,
    quarters: std::ops::RangeInclusive<i32>,
    baseline: Period,
    d: Display,
) {
    scene.line(
        (plot.left, plot.bottom),
        (plot.right, plot.bottom),
        Stroke::solid(AXIS, 1.5),
    );
    let count = f64::from(quarters.end() - quarters.start() + 1);
    let per_quarter = (plot.right - plot.left) / count;
    let sample = Period::from_index(*quarters.end());
    let wide = text_width(&quarter_label(d, sample, false), TICK_SIZE) + 16.0;
    let mut step = label_step(per_quarter, wide);
    let yearly_label = quarter_label(
        d,
        Period::from_index(sample.index() - i32::from(sample.quarter()) + 4),
        true,
    );
    let narrow = text_width(&yearly_label, TICK_SIZE) + 16.0;
    // Short yearly labels ("2021年末") only where labels fall on fourth quarters.
    if step >= 4 && baseline.quarter() == 4 {
        let yearly = label_step(per_quarter, narrow).max(4);
        step = if yearly % 4 == 0 { yearly } else { step };
    }
    let yearly = step % 4 == 0 && baseline.quarter() == 4;
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
            let label = quarter_label(d, Period::from_index(q), yearly);
            scene.text(
                label,
                (px, plot.bottom + 24.0),
                TICK_SIZE,
                TEXT,
                Align::Center,
            );
        }
    }
}

/// Baseline quarter and target level (reference lines), the projection, then the
/// observed series on top, the judged point ringed.
fn lines(scene: &mut Scene, d: &Inputs<'_>, plot: Plot, x: Scale, y: Scale, ticks: &Ticks) {
    let at = |q: f64, v: f64| (x.map(q), y.map(v));
    let quarter = |p: Period| f64::from(p.index());
    let bx = x.map(quarter(d.baseline_period));
    scene.rule((bx, plot.top), (bx, plot.bottom), baseline_line());
    if let Some(l) = d.level {
        scene.rule((plot.left, y.map(l)), (plot.right, y.map(l)), target_line());
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
            // Quarters after the deadline: hollow, for reference only.
            let after = d.final_evaluation && *q > d.judged;
            let fill = if after { WHITE } else { DATA };
            scene.circle(
                at(quarter(*q), v),
                5.0,
                Some(fill),
                Some(Stroke::solid(DATA, 2.0)),
            );
        }
    }
    if let Some(b) = d.baseline_value {
        scene.circle(
            at(quarter(d.baseline_period), b),
            9.0,
            None,
            Some(Stroke::solid(BASELINE, 2.0)),
        );
    }
    if let Some(v) = d.judged_value.filter(|_| d.final_evaluation) {
        scene.circle(
            at(quarter(d.judged), v),
            12.0,
            None,
            Some(Stroke::solid(TEXT, 3.0)),
        );
    }
    if let Some(p) = &d.projection {
        scene.circle(
            at(f64::from(p.to.0), p.to.1),
            8.0,
            Some(WHITE),
            Some(Stroke::solid(DATA, 3.0)),
        );
    }
    if d.observed.is_empty() {
        let centre = (
            (plot.left + plot.right) / 2.0,
            (plot.top + plot.bottom) / 2.0,
        );
        let text = pick(d.lang(), "无数据", "No data");
        let spots = [
            (centre, Align::Center),
            ((centre.0, centre.1 - LABEL_SIZE * 1.5), Align::Center),
            ((centre.0, centre.1 + LABEL_SIZE * 1.5), Align::Center),
        ];
        let bounds = (plot.left, plot.top, plot.right, plot.bottom);
        if let Some((at, align)) = free_spot(scene, text, LABEL_SIZE, &spots, bounds) {
            scene.text(text, at, LABEL_SIZE, MUTED, align);
        }
    }
}

/// "状态：× 未完成（终期评估，按2025年四季度数据）", "状态：△ 存在风险（预计进度78.0%）".
fn status_line(j: &Judgement, d: &Inputs<'_>, eval: &Evaluation) -> String {
    let dd = d.d;
    let status = dd.status_marked(j.status);
    let deadline = dd.quarter(eval.plan.deadline);
    // Once achieved, the projected progress says nothing more.
    let progress = j
        .progress
        .filter(|_| j.status != Status::Achieved && !d.final_evaluation)
        .map(|_| dd.progress_of(j));
    match (d.lang(), d.final_evaluation, progress) {
        (Language::Zh, true, _) => format!("状态：{status}（终期评估，按{deadline}数据）"),
        (Language::En, true, _) => {
            format!("Status: {status} (final evaluation, judged at {deadline})")
        }
        (Language::Zh, false, Some(p)) => format!("状态：{status}（预计进度{p}）"),
        (Language::En, false, Some(p)) => format!("Status: {status} (projected progress {p})"),
        (Language::Zh, false, None) => format!("状态：{status}"),
        (Language::En, false, None) => format!("Status: {status}"),
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
