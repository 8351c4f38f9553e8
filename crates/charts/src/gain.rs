//! Gain since baseline per cluster, one chart per cluster-scope `gain` target. In the
//! reference plan these are the four digital gains ("关键工序数控化率提升5%以上" …),
//! criteria of a 数字化特色产业集群 rather than targets of their own, so the title
//! says how many clusters meet the condition, never that a target was missed. Gains
//! are measured at the judged quarter (the deadline once it has passed). A cluster
//! recognised after the plan's baseline quarter is measured from its own first
//! quarter, which its label names.

use clusterkpi_model::display::{Display, ShownUnit};
use clusterkpi_model::plan::GainUnit;
use clusterkpi_model::{Area, Evaluation, Language, Rule, Scope, Status, Target};

use crate::hbar::{self, Bar, HBars, RefLine};
use crate::scene::Stroke;
use crate::style::{TARGET, status_colour};
use crate::text::{indicator_name, no_data, pick, source_line};
use crate::{Figure, Pending};

/// One chart per cluster-scope gain target, in plan order. Digital indicators get the
/// id `digital_gain_<indicator>`; a gain target of another area (a later plan may set
/// one) gets `gain_<indicator>`.
pub(crate) fn figures(eval: &Evaluation) -> Vec<Pending<'_>> {
    eval.plan
        .targets
        .iter()
        .filter(|t| t.scope == Scope::Cluster && t.rule == Rule::Gain)
        .map(|t| {
            let area = eval.indicator(&t.indicator).map(|i| i.area);
            Pending::new(area, move |n| figure(eval, t, n))
        })
        .collect()
}

fn figure(eval: &Evaluation, target: &Target, number: usize) -> Figure {
    let lang = eval.language;
    let d = Display::new(lang);
    let id = &target.indicator;
    let area = eval.indicator(id).map(|i| i.area);
    let name = indicator_name(eval, id);
    let base = eval.plan.baseline;
    let judged = eval.judged_quarter();
    let relative = target.unit == GainUnit::Relative;
    let criterion = !target.is_plan_target();

    let mut late_baseline = false;
    let mut meeting = 0;
    let bars: Vec<Bar> = eval
        .clusters
        .iter()
        .map(|c| {
            let j = eval.kpi(Scope::Cluster, &c.id, id).map(|k| &k.judgement);
            let value = j.and_then(|j| j.judged_value.or(j.value));
            let baseline = j.and_then(|j| j.baseline_value);
            let gain = match (value, baseline) {
                (Some(v), Some(b)) if !relative => Some(v - b),
                (Some(v), Some(b)) if b != 0.0 => Some(100.0 * (v / b - 1.0)),
                _ => None,
            };
            let met = j.is_some_and(|j| j.status == Status::Achieved);
            meeting += usize::from(met);
            let text = match (gain, value) {
                (Some(g), _) => {
                    let shown = if relative {
                        format!("{}%", d.signed(g, ShownUnit::Percent))
                    } else {
                        d.signed(g, ShownUnit::Percent)
                    };
                    let period = j.and_then(|j| j.baseline_period).filter(|p| *p != base);
                    late_baseline |= period.is_some();
                    match (period, lang) {
                        (Some(p), Language::Zh) => {
                            format!("{shown}（基期为{}）", d.quarter(p))
                        }
                        (Some(p), Language::En) => format!("{shown} (baseline {})", d.quarter(p)),
                        (None, _) => shown,
                    }
                }
                (None, Some(_)) => pick(lang, "无基期数据", "no baseline data").to_string(),
                (None, None) => no_data(lang).to_string(),
            };
            // Meeting the condition: the status colour of "achieved" and its marker.
            let text = if met {
                format!(
                    "{} {text}",
                    clusterkpi_model::display::palette::marker(Status::Achieved)
                )
            } else {
                text
            };
            Bar {
                name: c.name_in(lang).to_string(),
                value: gain,
                text,
                colour: if met {
                    status_colour(Status::Achieved).0
                } else {
                    DATA_LIGHT
                },
            }
        })
        .collect();

    let amount = clusterkpi_model::display::plain(target.amount);
    let required = match (lang, relative) {
        (Language::Zh, false) => format!("提升{amount}个百分点"),
        (Language::Zh, true) => format!("增长{amount}%"),
        (Language::En, false) => format!("+{amount} pp"),
        (Language::En, true) => format!("+{amount}% of the baseline"),
    };
    let total = eval.clusters.len();
    let title = match (lang, criterion) {
        (Language::Zh, true) => {
            format!("{name}较基期{required}的条件：{total}个集群中{meeting}个达到")
        }
        (Language::Zh, false) => {
            format!("{name}较基期{required}的目标：{total}个集群中{meeting}个达到")
        }
        (Language::En, _) => {
            format!("{name}: {meeting} of {total} clusters gained {required} since the baseline")
        }
    };
    let subtitle = vec![match (lang, relative) {
        (Language::Zh, false) => format!(
            "各集群{name}较基期（{}）提升的百分点，{}",
            d.quarter(base),
            d.quarter(judged)
        ),
        (Language::Zh, true) => format!(
            "各集群{name}较基期（{}）增长的百分比，{}",
            d.quarter(base),
            d.quarter(judged)
        ),
        (Language::En, false) => format!(
            "{name} by cluster, change since the baseline ({}) in percentage points, {}",
            d.quarter(base),
            d.quarter(judged)
        ),
        (Language::En, true) => format!(
            "{name} by cluster, growth since the baseline ({}) in percent, {}",
            d.quarter(base),
            d.quarter(judged)
        ),
    }];
    let mut notes = Vec::new();
    if criterion {
        let of = target
            .role
            .of()
            .map_or_else(String::new, |of| indicator_name(eval, of));
        notes.push(match lang {
            Language::Zh => format!(
                "注：该项为“{of}”的认定条件之一，按集群判定，不单独计为规划目标；{} 为已达到。",
                clusterkpi_model::display::palette::marker(Status::Achieved)
            ),
            Language::En => format!(
                "Note: a condition of \"{of}\", judged per cluster, not a plan target of its own; {} marks clusters meeting it.",
                clusterkpi_model::display::palette::marker(Status::Achieved)
            ),
        });
    }
    if late_baseline {
        notes.push(
            pick(
                lang,
                "注：括号内为晚于基期认定或首次报送的集群所用的基期。",
                "Note: in brackets, the baseline of clusters recognised or first reported later.",
            )
            .to_string(),
        );
    }
    if eval.is_final() {
        notes.push(match lang {
            Language::Zh => format!(
                "注：终期评估，按{}数据判定。",
                d.quarter(eval.plan.deadline)
            ),
            Language::En => format!(
                "Note: final evaluation, judged at {}.",
                d.quarter(eval.plan.deadline)
            ),
        });
    }
    let chart = HBars {
        lang,
        number,
        title: title.clone(),
        subtitle,
        unit: match (lang, relative) {
            (Language::Zh, false) => "单位：百分点".to_string(),
            (Language::Zh, true) => "单位：%".to_string(),
            (Language::En, false) => "Unit: percentage points".to_string(),
            (Language::En, true) => "Unit: %".to_string(),
        },
        bars,
        refs: vec![RefLine {
            at: target.amount,
            label: match (lang, criterion) {
                (Language::Zh, true) => format!("条件：{required}"),
                (Language::Zh, false) => format!("目标：{required}"),
                (Language::En, true) => format!("condition: {required}"),
                (Language::En, false) => format!("target: {required}"),
            },
            stroke: Stroke::dashed(TARGET, 2.5, 9.0, 5.0),
        }],
        domain: None,
        inside_labels: false,
        empty: pick(lang, "无集群", "No clusters").to_string(),
        source: source_line(eval),
        notes,
    };
    let prefix = if area == Some(Area::Digital) {
        "digital_gain"
    } else {
        "gain"
    };
    Figure {
        number,
        id: format!("{prefix}_{id}"),
        title,
        area,
        lang,
        scene: hbar::draw(&chart),
    }
}

/// Bars of clusters not (yet) meeting the condition: grey, apart from the blue of those
/// that do in hue and in lightness.
const DATA_LIGHT: plotters::style::RGBColor = crate::style::BASELINE;
