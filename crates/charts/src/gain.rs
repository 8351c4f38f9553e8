//! Gain since baseline per cluster, one chart per cluster-scope `gain` target (the
//! plan's digital-transformation targets: "关键工序数控化率提升5%以上" …), against the
//! required gain. The zero line is the baseline; a cluster recognised after the plan's
//! baseline quarter is measured from its own first quarter, which its label names.

use clusterkpi_model::plan::GainUnit;
use clusterkpi_model::{Area, Evaluation, Language, Rule, Scope, Target};

use crate::Figure;
use crate::hbar::{self, Bar, HBars, RefLine};
use crate::scene::Stroke;
use crate::style::{BASELINE, DATA, TARGET};
use crate::text::{fmt_fixed, fmt_signed, indicator_name, no_data, pick, source_line, target_text};

/// One chart per cluster-scope gain target, in plan order. Digital indicators get the
/// id `digital_gain_<indicator>`; a gain target of another area (a later plan may set
/// one) gets `gain_<indicator>`.
pub(crate) fn figures(eval: &Evaluation) -> Vec<Figure> {
    eval.plan
        .targets
        .iter()
        .filter(|t| t.scope == Scope::Cluster && t.rule == Rule::Gain)
        .map(|t| figure(eval, t))
        .collect()
}

fn figure(eval: &Evaluation, target: &Target) -> Figure {
    let lang = eval.language;
    let id = &target.indicator;
    let indicator = eval.indicator(id);
    let area = indicator.map(|i| i.area);
    let unit = indicator.map_or(clusterkpi_model::Unit::Percent, |i| i.unit);
    let name = indicator_name(eval, id);
    let base = eval.plan.baseline;
    let relative = target.unit == GainUnit::Relative;

    let mut late_baseline = false;
    let bars: Vec<Bar> = eval
        .clusters
        .iter()
        .map(|c| {
            let j = eval.kpi(Scope::Cluster, &c.id, id).map(|k| &k.judgement);
            let value = j.and_then(|j| j.value);
            let baseline = j.and_then(|j| j.baseline_value);
            let gain = match (value, baseline) {
                (Some(v), Some(b)) if !relative => Some(v - b),
                (Some(v), Some(b)) if b != 0.0 => Some(100.0 * (v / b - 1.0)),
                _ => None,
            };
            let text = match (gain, value) {
                (Some(g), _) => {
                    let period = j.and_then(|j| j.baseline_period).filter(|p| *p != base);
                    late_baseline |= period.is_some();
                    match (period, lang) {
                        (Some(p), Language::Zh) => format!("{}（基期{p}）", fmt_signed(g, 1)),
                        (Some(p), Language::En) => format!("{} (baseline {p})", fmt_signed(g, 1)),
                        (None, _) => fmt_signed(g, 1),
                    }
                }
                (None, Some(_)) => pick(lang, "无基期数据", "no baseline data").to_string(),
                (None, None) => no_data(lang).to_string(),
            };
            Bar {
                name: c.name_in(lang).to_string(),
                value: gain,
                text,
                colour: DATA,
            }
        })
        .collect();

    let amount = fmt_fixed(
        target.amount,
        if target.amount.fract() == 0.0 { 0 } else { 1 },
    );
    let mut subtitle = vec![match (lang, relative) {
        (Language::Zh, false) => format!(
            "基期{base}，截至{}；目标：到{}较基期提升{amount}个百分点",
            eval.as_of, eval.plan.deadline
        ),
        (Language::Zh, true) => format!(
            "基期{base}，截至{}；目标：到{}较基期增长{amount}%",
            eval.as_of, eval.plan.deadline
        ),
        (Language::En, false) => format!(
            "Baseline {base}, as of {}; target: +{amount} percentage points by {}",
            eval.as_of, eval.plan.deadline
        ),
        (Language::En, true) => format!(
            "Baseline {base}, as of {}; target: +{amount}% of the baseline by {}",
            eval.as_of, eval.plan.deadline
        ),
    }];
    if late_baseline {
        subtitle.push(
            pick(
                lang,
                "括号内为晚于基期认定或首次报送的集群所用的基期",
                "In brackets: the baseline of clusters recognised or first reported later",
            )
            .to_string(),
        );
    }
    let title = match lang {
        Language::Zh => format!("{name}：各集群较基期提升"),
        Language::En => format!("{name}: gain since baseline by cluster"),
    };
    let chart = HBars {
        title: title.clone(),
        subtitle,
        legend: Vec::new(),
        category_title: pick(lang, "集群", "Cluster").to_string(),
        value_title: match (lang, relative) {
            (Language::Zh, false) => "较基期提升（百分点）".to_string(),
            (Language::Zh, true) => "较基期增长（%）".to_string(),
            (Language::En, false) => "Gain since baseline (percentage points)".to_string(),
            (Language::En, true) => "Growth since baseline (%)".to_string(),
        },
        bars,
        refs: vec![
            RefLine {
                at: 0.0,
                label: match lang {
                    Language::Zh => format!("基期水平（{base}）"),
                    Language::En => format!("baseline ({base})"),
                },
                stroke: Stroke::solid(BASELINE, 2.0),
            },
            RefLine {
                at: target.amount,
                label: format!(
                    "{}{}",
                    pick(lang, "目标 ", "target "),
                    target_text(target, unit, lang)
                ),
                stroke: Stroke::dashed(TARGET, 2.5, 9.0, 5.0),
            },
        ],
        domain: None,
        inside_labels: false,
        empty: pick(lang, "无集群", "No clusters").to_string(),
        source: source_line(eval),
    };
    let prefix = if area == Some(Area::Digital) {
        "digital_gain"
    } else {
        "gain"
    };
    Figure {
        id: format!("{prefix}_{id}"),
        title,
        area,
        scene: hbar::draw(&chart),
    }
}
