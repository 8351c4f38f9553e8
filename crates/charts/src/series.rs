//! One chart per city-scope target: the quarterly city series, the baseline quarter,
//! the target level, and the projection to the deadline that the status rule judges
//! (the least-squares line, or the current value carried forward for a growth rate).

use clusterkpi_model::catalogue::Projection;
use clusterkpi_model::{Evaluation, Judgement, Language, Period, Scope, Target, Unit};

use crate::Figure;
use crate::font::text_width;
use crate::layout::{Key, Scale, Ticks, footer, footer_height, header, legend, spread};
use crate::scene::{Align, Scene, Stroke};
use crate::style::{AXIS, BASELINE, DATA, GRID, HEIGHT, LABEL_SIZE, MARGIN, MUTED, PROJECTION, TARGET, TEXT, TICK_SIZE, WHITE, WIDTH};
use crate::text::{fmt_fixed, fmt_number, fmt_value, indicator_name, pick, source_line, target_text, unit_title};

pub(crate) fn figures(eval: &Evaluation) -> Vec<Figure> {
    eval.plan.targets.iter().filter(|t| t.scope == Scope::City).map(|t| figure(eval, t)).collect()
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

fn figure(eval: &Evaluation, target: &Target) -> Figure {
    let lang = eval.language;
    let id = &target.indicator;
    let plan = &eval.plan;
    let indicator = eval.indicator(id);
    let unit = indicator.map_or(Unit::Count, |i| i.unit);
    let name = indicator_name(eval, id);
    let series: Vec<(Period, Option<f64>)> = eval.series_of(Scope::City, &plan.city, id);
    let judgement: Option<&Judgement> = eval.kpi(Scope::City, &plan.city, id).map(|k| &k.judgement);
    let baseline_period = judgement.and_then(|j| j.baseline_period).unwrap_or(plan.baseline);
    let baseline_value = judgement.and_then(|j| j.baseline_value);
    let level = judgement.and_then(|j| j.target_level).or_else(|| target.level(baseline_value));
    let projected_value = judgement.and_then(|j| j.projected);
    let deadline = plan.deadline;

    let persist = indicator.is_some_and(|i| i.projection == Projection::Persist);
    let projection = match (judgement.and_then(|j| j.fit), projected_value) {
        (Some((a, b)), _) if !persist => {
            let line = |q: i32| a + b * f64::from(q);
            Some(Projected {
                from: (baseline_period.index(), line(baseline_period.index())),
                to: (deadline.index(), line(deadline.index())),
                persisted: false,
            })
        }
        (_, Some(p)) => {
            let last = series.iter().rev().find(|(_, v)| v.is_some()).map_or(eval.as_of, |(q, _)| *q);
            Some(Projected { from: (last.index(), p), to: (deadline.index(), p), persisted: true })
        }
        (_, None) => None,
    };

    let title = match lang {
        Language::Zh => format!("{name}：季度走势与目标"),
        Language::En => format!("{name}: quarterly series and target"),
    };
    let mut subtitle = vec![match lang {
        Language::Zh => format!(
            "{}全市，基期{}，目标期限{}，截至{}",
            plan.city_name, baseline_period, deadline, eval.as_of
        ),
        Language::En => format!(
            "{}, city total; baseline {}, deadline {}, as of {}",
            plan.city, baseline_period, deadline, eval.as_of
        ),
    }];
    if let Some(j) = judgement {
        subtitle.push(status_line(j, lang));
    }

    let mut keys = vec![(Key::Line(observed()), pick(lang, "实际值", "observed").to_string())];
    keys.push((
        Key::Line(baseline_line()),
        match (lang, baseline_value) {
            (Language::Zh, Some(b)) => format!("基期{baseline_period}：{}", fmt_value(b, unit, lang)),
            (Language::En, Some(b)) => format!("baseline {baseline_period}: {}", fmt_value(b, unit, lang)),
            (Language::Zh, None) => format!("基期{baseline_period}"),
            (Language::En, None) => format!("baseline {baseline_period}"),
        },
    ));
    if level.is_some() {
        let words = target_text(target, unit, lang);
        keys.push((Key::Line(target_line()), format!("{}{words}", pick(lang, "目标：", "target: "))));
    }
    if let Some(p) = &projection {
        let words = match (p.persisted, lang) {
            (false, Language::Zh) => "趋势外推（最小二乘）",
            (false, Language::En) => "projection (least squares)",
            (true, Language::Zh) => "按当前值延续",
            (true, Language::En) => "current value carried forward",
        };
        keys.push((Key::Line(projection_line()), words.to_string()));
    }

    let mut scene = Scene::new(WIDTH, HEIGHT);
    let mut y = header(&mut scene, &title, &subtitle);
    y = legend(&mut scene, &keys, y);

    // Value range: everything drawn, from zero when the values are near it.
    let values: Vec<f64> = series
        .iter()
        .filter_map(|(_, v)| *v)
        .chain(level)
        .chain(projection.iter().flat_map(|p| [p.from.1, p.to.1]))
        .filter(|v| v.is_finite())
        .collect();
    let (lo, hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let (lo, hi) = if values.is_empty() {
        (0.0, 1.0)
    } else if lo >= 0.0 && lo < 0.4 * hi {
        (0.0, hi + 0.06 * hi)
    } else {
        let pad = 0.08 * (hi - lo).max(hi.abs() * 0.05);
        (lo - pad, hi + pad)
    };
    let ticks = Ticks::nice(lo, hi, 5, unit == Unit::Count);
    let decimals = ticks.decimals();
    let tick_labels: Vec<(f64, String)> = ticks.values().into_iter().map(|v| (v, fmt_fixed(v, decimals))).collect();
    let tick_width = tick_labels.iter().map(|(_, t)| text_width(t, TICK_SIZE)).fold(0.0, f64::max);

    // Labels at the right end: the target level and the projected value.
    let mut end_labels: Vec<(f64, String, plotters::style::RGBColor)> = Vec::new();
    if let Some(l) = level {
        end_labels.push((l, format!("{}{}", pick(lang, "目标 ", "target "), fmt_number(l, unit)), TARGET));
    }
    if let Some(p) = &projection {
        let label = match lang {
            Language::Zh => format!("预计 {}", fmt_number(p.to.1, unit)),
            Language::En => format!("projected {}", fmt_number(p.to.1, unit)),
        };
        end_labels.push((p.to.1, label, DATA));
    }
    let end_width = end_labels.iter().map(|(_, t, _)| text_width(t, LABEL_SIZE)).fold(0.0, f64::max);

    let unit_row = y + LABEL_SIZE * 0.7;
    scene.text(unit_title(unit, lang), (MARGIN, unit_row), LABEL_SIZE, MUTED, Align::Left);
    let plot_top = unit_row + LABEL_SIZE * 1.2;
    let plot_bottom = HEIGHT - footer_height(&scene, &source_line(eval)) - 62.0;
    let plot_left = MARGIN + tick_width + 10.0;
    let plot_right = WIDTH - MARGIN - if end_width > 0.0 { end_width + 14.0 } else { 0.0 };

    let first = series.iter().map(|(p, _)| *p).chain([baseline_period]).min().unwrap_or(baseline_period);
    let last = deadline.max(eval.as_of);
    let (q0, q1) = (first.index(), last.index());
    let x = Scale { d0: f64::from(q0) - 0.5, d1: f64::from(q1) + 0.5, r0: plot_left, r1: plot_right };
    let yscale = Scale { d0: ticks.lo, d1: ticks.hi, r0: plot_bottom, r1: plot_top };
    let at = |q: i32, v: f64| (x.map(f64::from(q)), yscale.map(v));

    // Grid, y ticks, x axis with thinned quarter labels.
    for (v, label) in &tick_labels {
        let py = yscale.map(*v);
        scene.line((plot_left, py), (plot_right, py), Stroke::solid(GRID, 1.0));
        scene.text(label, (plot_left - 10.0, py), TICK_SIZE, TEXT, Align::Right);
    }
    scene.line((plot_left, plot_bottom), (plot_right, plot_bottom), Stroke::solid(AXIS, 1.5));
    let per_quarter = (plot_right - plot_left) / f64::from(q1 - q0 + 1);
    let label_width = text_width("2020Q4", TICK_SIZE) + 14.0;
    let step = [1, 2, 4, 8, 12, 20, 40, 80, 200].into_iter().find(|s| f64::from(*s) * per_quarter >= label_width).unwrap_or(400);
    for q in q0..=q1 {
        let px = x.map(f64::from(q));
        // Labels fall on the baseline quarter and every `step` quarters from it, so
        // with a yearly step they mark the baseline's quarter of every year.
        let labelled = (q - baseline_period.index()).rem_euclid(step) == 0;
        let tick = if labelled { 7.0 } else { 4.0 };
        scene.line((px, plot_bottom), (px, plot_bottom + tick), Stroke::solid(AXIS, 1.0));
        if labelled {
            scene.text(Period::from_index(q).to_string(), (px, plot_bottom + 20.0), TICK_SIZE, TEXT, Align::Center);
        }
    }
    scene.text(pick(lang, "季度", "Quarter"), ((plot_left + plot_right) / 2.0, plot_bottom + 50.0), LABEL_SIZE, TEXT, Align::Center);

    // Baseline quarter, target level, projection, then the observed series on top.
    let bx = x.map(f64::from(baseline_period.index()));
    scene.line((bx, plot_top), (bx, plot_bottom), baseline_line());
    if let Some(l) = level {
        scene.line((plot_left, yscale.map(l)), (plot_right, yscale.map(l)), target_line());
    }
    if let Some(p) = &projection {
        scene.line(at(p.from.0, p.from.1), at(p.to.0, p.to.1), projection_line());
    }
    let mut run: Vec<(f64, f64)> = Vec::new();
    for (q, v) in &series {
        match v {
            Some(v) if v.is_finite() => run.push(at(q.index(), *v)),
            // A null quarter breaks the line rather than bridging the gap.
            _ => scene.path(std::mem::take(&mut run), observed()),
        }
    }
    scene.path(run, observed());
    for (q, v) in &series {
        if let Some(v) = v.filter(|v| v.is_finite()) {
            scene.circle(at(q.index(), v), 4.0, Some(DATA), None);
        }
    }
    if let Some(b) = baseline_value {
        scene.circle(at(baseline_period.index(), b), 8.0, None, Some(Stroke::solid(BASELINE, 2.0)));
    }
    if let Some(p) = &projection {
        scene.circle(at(p.to.0, p.to.1), 7.0, Some(WHITE), Some(Stroke::solid(DATA, 2.5)));
    }
    if values.is_empty() {
        let message = pick(lang, "无数据", "No data");
        scene.text(message, ((plot_left + plot_right) / 2.0, (plot_top + plot_bottom) / 2.0), LABEL_SIZE, MUTED, Align::Center);
    }

    // End labels in the right margin, moved apart where the values are close.
    let ys: Vec<f64> = end_labels.iter().map(|(v, _, _)| yscale.map(*v)).collect();
    let ys = spread(&ys, LABEL_SIZE * 1.1, plot_top, plot_bottom);
    for ((_, label, colour), ly) in end_labels.iter().zip(ys) {
        scene.text(label, (plot_right + 12.0, ly), LABEL_SIZE, *colour, Align::Left);
    }

    footer(&mut scene, &source_line(eval), plot_bottom + 62.0);
    Figure { id: format!("series_{id}"), title, area: indicator.map(|i| i.area), scene }
}

/// "状态：存在风险（预计完成进度 78%）".
fn status_line(j: &Judgement, lang: Language) -> String {
    let status = j.status.label(lang);
    match (j.progress, lang) {
        (Some(p), Language::Zh) => format!("状态：{status}（预计进度 {}%）", fmt_fixed(100.0 * p, 0)),
        (Some(p), Language::En) => format!("Status: {status} (projected progress {}%)", fmt_fixed(100.0 * p, 0)),
        (None, Language::Zh) => format!("状态：{status}"),
        (None, Language::En) => format!("Status: {status}"),
    }
}
