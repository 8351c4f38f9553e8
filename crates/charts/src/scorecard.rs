//! The scorecard of the plan's own targets (criteria of another target are left to the
//! "which clusters qualify" chart): one row per target, grouped by area of the plan,
//! with the target, the value at the judged quarter and the status as a coloured cell
//! with marker and word, so it reads under deuteranopia and in black-and-white print.
//! A target set for every cluster gets one row per cluster under its own, best first.

use clusterkpi_model::display::{Display, ShownUnit};
use clusterkpi_model::{Area, Evaluation, KpiRow, Language, Scope, Status};

use crate::font::text_width;
use crate::layout::{footer, header};
use crate::scene::{Align, Scene, Stroke};
use crate::style::{GRID, LABEL_SIZE, LINE, MARGIN, MUTED, TEXT, WIDTH, status_colour};
use crate::text::{indicator_name, pick, shown_unit, source_line, wrap};
use crate::{Figure, Pending};

const SIZE: f64 = LABEL_SIZE;
/// Columns: name, target, value, status (their right edges but the last).
const NAME_RIGHT: f64 = 560.0;
const TARGET_RIGHT: f64 = 850.0;
const VALUE_RIGHT: f64 = 990.0;
const PAD: f64 = 10.0;
const GAP: f64 = 2.0;

pub(crate) fn figure(eval: &Evaluation) -> Pending<'_> {
    Pending::new(None, move |n| build(eval, n))
}

/// One line of the table.
enum Line<'a> {
    Area(Area),
    Target {
        kpi: &'a KpiRow,
        name: String,
    },
    /// A target set for every cluster: its name and requirement, clusters below.
    Group {
        name: String,
        target: String,
    },
    Cluster {
        kpi: &'a KpiRow,
        name: String,
    },
}

/// The plan's targets in area order (then plan order), as table lines.
fn lines(eval: &Evaluation) -> Vec<Line<'_>> {
    let d = Display::new(eval.language);
    let rank = |id: &str| {
        eval.indicator(id)
            .and_then(|i| Area::ALL.iter().position(|a| *a == i.area))
            .unwrap_or(Area::ALL.len())
    };
    let mut targets: Vec<_> = eval
        .plan
        .targets
        .iter()
        .filter(|t| t.is_plan_target())
        .collect();
    targets.sort_by_key(|t| rank(&t.indicator));
    let mut out = Vec::new();
    let mut area = None;
    for t in targets {
        let this = eval.indicator(&t.indicator).map(|i| i.area);
        if this != area
            && let Some(a) = this
        {
            out.push(Line::Area(a));
        }
        area = this;
        let name = indicator_name(eval, &t.indicator);
        match t.scope {
            Scope::City => {
                if let Some(kpi) = eval.kpi(Scope::City, &eval.plan.city, &t.indicator) {
                    out.push(Line::Target { kpi, name });
                }
            }
            Scope::Cluster => {
                let unit = shown_unit(eval, &t.indicator);
                out.push(Line::Group {
                    name: match eval.language {
                        Language::Zh => format!("{name}（各集群）"),
                        Language::En => format!("{name} (each cluster)"),
                    },
                    target: d.target(t, unit),
                });
                let mut rows: Vec<(&KpiRow, String)> = eval
                    .clusters
                    .iter()
                    .filter_map(|c| {
                        eval.kpi(Scope::Cluster, &c.id, &t.indicator)
                            .map(|k| (k, c.name_in(eval.language).to_string()))
                    })
                    .collect();
                let v = |k: &KpiRow| k.judgement.judged_value.filter(|v| v.is_finite());
                rows.sort_by(|a, b| match (v(a.0), v(b.0)) {
                    (Some(x), Some(y)) => y.total_cmp(&x),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => std::cmp::Ordering::Equal,
                });
                out.extend(
                    rows.into_iter()
                        .map(|(kpi, name)| Line::Cluster { kpi, name }),
                );
            }
        }
    }
    out
}

/// "截至2025年末，规划13项目标中已完成10项，未完成3项": the plan's targets counted by
/// their verdicts (`Evaluation::plan_verdict`, the rule the report's main points use).
fn finding(eval: &Evaluation, d: Display) -> String {
    let verdicts = eval.plan_verdicts();
    let count = |s: &[Status]| verdicts.iter().filter(|(_, v)| s.contains(v)).count();
    let (done, missed) = (count(&[Status::Achieved]), count(&[Status::Missed]));
    let behind = count(&[Status::AtRisk, Status::OffTrack]);
    let on_track = count(&[Status::OnTrack]);
    let no_data = count(&[Status::NoData]);
    let total = verdicts.len();
    let end = d.quarter_end(eval.judged_quarter());
    match eval.language {
        Language::Zh => {
            let mut parts = vec![format!("已完成{done}项")];
            if on_track > 0 {
                parts.push(format!("进度正常{on_track}项"));
            }
            if behind > 0 {
                parts.push(format!("存在风险或进度滞后{behind}项"));
            }
            if missed > 0 {
                parts.push(format!("未完成{missed}项"));
            }
            if no_data > 0 {
                parts.push(format!("无数据{no_data}项"));
            }
            let lead = if eval.is_final() {
                "终期评估："
            } else {
                ""
            };
            format!("{lead}截至{end}，规划{total}项目标中{}", parts.join("，"))
        }
        Language::En => {
            let mut parts = vec![format!("{done} achieved")];
            if on_track > 0 {
                parts.push(format!("{on_track} on track"));
            }
            if behind > 0 {
                parts.push(format!("{behind} at risk or off track"));
            }
            if missed > 0 {
                parts.push(format!("{missed} missed"));
            }
            if no_data > 0 {
                parts.push(format!("{no_data} without data"));
            }
            let lead = if eval.is_final() {
                "Final evaluation: of"
            } else {
                "Of"
            };
            format!(
                "{lead} the plan's {total} targets, {} at the {end}",
                parts.join(", ")
            )
        }
    }
}

fn build(eval: &Evaluation, number: usize) -> Figure {
    let lang = eval.language;
    let d = Display::new(lang);
    let lines = lines(eval);
    let title = finding(eval, d);
    let judged = d.quarter(eval.judged_quarter());
    let subtitle = vec![match lang {
        Language::Zh => format!("{}的量化目标，按{judged}数据判定", eval.plan.name),
        Language::En => format!(
            "Quantified targets of the {}, judged at {judged}",
            eval.plan.name_en
        ),
    }];

    let mut scene = Scene::new(WIDTH, 0.0);
    let mut y = header(
        &mut scene,
        &crate::text::numbered(lang, number, &title),
        &subtitle,
    );
    // Column headings.
    let head_y = y + SIZE * LINE / 2.0;
    let headings = [
        (pick(lang, "指标", "Indicator"), MARGIN, Align::Left),
        (pick(lang, "目标", "Target"), NAME_RIGHT + PAD, Align::Left),
        (pick(lang, "数值", "Value"), VALUE_RIGHT - PAD, Align::Right),
        (pick(lang, "状态", "Status"), VALUE_RIGHT + PAD, Align::Left),
    ];
    for (text, x, align) in headings {
        scene.text(text, (x, head_y), SIZE, MUTED, align);
    }
    y += SIZE * LINE + 6.0;
    scene.line((MARGIN, y), (WIDTH - MARGIN, y), Stroke::solid(MUTED, 1.5));
    y += 4.0;

    if lines.is_empty() {
        let message = pick(
            lang,
            "规划未设定量化目标",
            "The plan sets no quantified targets",
        );
        scene.text(message, (WIDTH / 2.0, y + 40.0), SIZE, MUTED, Align::Center);
        y += 80.0;
    }
    for line in &lines {
        match line {
            Line::Area(a) => {
                let name = match lang {
                    Language::Zh => a.name_zh(),
                    Language::En => a.name_en(),
                };
                y += 6.0;
                scene.text(
                    name,
                    (MARGIN, y + SIZE * LINE / 2.0),
                    SIZE,
                    MUTED,
                    Align::Left,
                );
                y += SIZE * LINE + 2.0;
            }
            Line::Group { name, target } => {
                y = row(&mut scene, y, name, MARGIN, Some(target), None, d);
            }
            Line::Target { kpi, name } => {
                let target = kpi
                    .target
                    .as_ref()
                    .map(|t| d.target(t, shown_unit(eval, &kpi.indicator)));
                y = row(
                    &mut scene,
                    y,
                    name,
                    MARGIN,
                    target.as_deref(),
                    Some((kpi, eval)),
                    d,
                );
            }
            Line::Cluster { kpi, name } => {
                y = row(
                    &mut scene,
                    y,
                    name,
                    MARGIN + SIZE,
                    None,
                    Some((kpi, eval)),
                    d,
                );
            }
        }
    }
    let notes = vec![match lang {
        Language::Zh => "注：数值为判定季度末的数值，带“（各集群）”的目标按集群逐一判定。".to_string(),
        Language::En => "Note: values at the end of the judged quarter; targets marked \"each cluster\" are judged per cluster.".to_string(),
    }];
    footer(&mut scene, &source_line(eval), &notes, y + 4.0);
    Figure {
        number,
        id: "scorecard".into(),
        title,
        area: None,
        lang,
        scene,
    }
}

/// One table row from `y`; returns the y below it.
fn row(
    scene: &mut Scene,
    y: f64,
    name: &str,
    indent: f64,
    target: Option<&str>,
    kpi: Option<(&KpiRow, &Evaluation)>,
    d: Display,
) -> f64 {
    let name_lines = wrap(name, SIZE, NAME_RIGHT - PAD - indent);
    let target_lines = target.map_or_else(Vec::new, |t| {
        wrap(t, SIZE, TARGET_RIGHT - NAME_RIGHT - 2.0 * PAD)
    });
    let n = name_lines.len().max(target_lines.len()).max(1) as f64;
    let height = n * SIZE * LINE + 12.0;
    let cy = y + height / 2.0;
    let put = |scene: &mut Scene, lines: &[String], x: f64, align: Align, colour| {
        let first = cy - (lines.len() as f64 - 1.0) * SIZE * LINE / 2.0;
        for (k, l) in lines.iter().enumerate() {
            scene.text(l, (x, first + k as f64 * SIZE * LINE), SIZE, colour, align);
        }
    };
    put(scene, &name_lines, indent, Align::Left, TEXT);
    put(scene, &target_lines, NAME_RIGHT + PAD, Align::Left, TEXT);
    if let Some((kpi, eval)) = kpi {
        let unit: ShownUnit = shown_unit(eval, &kpi.indicator);
        let j = &kpi.judgement;
        let value = j.judged_value.filter(|v| v.is_finite());
        let shown = match (value, j.target_level) {
            (Some(v), Some(l)) => d.compared(v, l, unit).0,
            (v, _) => d.value(v, unit),
        };
        scene.text(shown, (VALUE_RIGHT - PAD, cy), SIZE, TEXT, Align::Right);
        // A cluster recognised after the base year: the target does not apply, which
        // is not the same as missing data.
        let applies = eval.applies(kpi);
        let (fill, ink) = status_colour(if applies { j.status } else { Status::NoTarget });
        scene.rect(
            (VALUE_RIGHT + GAP, y + GAP),
            (WIDTH - MARGIN, y + height - GAP),
            Some(fill),
            None,
        );
        let status = if applies {
            d.status_marked(j.status)
        } else {
            d.not_applicable().to_string()
        };
        debug_assert!(text_width(&status, SIZE) < WIDTH - MARGIN - VALUE_RIGHT - 2.0 * PAD);
        scene.text(status, (VALUE_RIGHT + PAD, cy), SIZE, ink, Align::Left);
    }
    scene.line(
        (MARGIN, y + height),
        (WIDTH - MARGIN, y + height),
        Stroke::solid(GRID, 1.0),
    );
    y + height
}
