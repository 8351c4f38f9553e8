//! Reporting coverage per cluster for the as-of quarter: the share of each cluster's
//! roster with an accepted report, with the counts, on a fixed 0–100% axis. Clusters
//! below 100% are orange and say so in words; they are why a report is marked partial.

use clusterkpi_model::display::{Display, ShownUnit, fixed, palette};
use clusterkpi_model::{Evaluation, Language, Scope};

use crate::hbar::{self, Bar, HBars, RefLine};
use crate::scene::Stroke;
use crate::style::{ATTENTION, DATA, TARGET};
use crate::text::{no_data, pick, source_line};
use crate::{Figure, Pending};

const ID: &str = "reporting_rate";

pub(crate) fn figure(eval: &Evaluation) -> Pending<'_> {
    Pending::new(None, move |n| build(eval, n))
}

fn build(eval: &Evaluation, number: usize) -> Figure {
    let lang = eval.language;
    let d = Display::new(lang);
    let mut incomplete = 0;
    let bars = eval
        .clusters
        .iter()
        .map(|c| {
            let kpi = eval.kpi(Scope::Cluster, &c.id, ID);
            let value = kpi.and_then(|k| k.judgement.value);
            let complete = kpi.is_some_and(|k| k.reporting >= k.expected);
            incomplete += usize::from(!complete);
            let text = match (kpi, value) {
                (Some(k), Some(v)) => counts(d, v, k.reporting, k.expected, complete),
                (Some(k), None) if k.expected == 0 => {
                    pick(lang, "名录中无企业", "no enterprises on the roster").to_string()
                }
                _ => no_data(lang).to_string(),
            };
            Bar {
                name: c.name_in(lang).to_string(),
                value,
                text,
                colour: if complete { DATA } else { ATTENTION },
            }
        })
        .collect();

    let city = eval.kpi(Scope::City, &eval.plan.city, ID);
    let quarter = d.quarter(eval.as_of);
    let total = eval.clusters.len();
    let title = match (lang, city) {
        (Language::Zh, Some(k)) => format!(
            "{quarter}全市{}家应报企业中{}家报送，{total}个集群中{incomplete}个未报齐",
            fixed(k.expected as f64, 0),
            fixed(k.reporting as f64, 0)
        ),
        (Language::Zh, None) => format!("{quarter}{total}个集群中{incomplete}个未报齐"),
        (Language::En, Some(k)) => format!(
            "{quarter}: {} of {} enterprises reported; {incomplete} of {total} clusters incomplete",
            fixed(k.reporting as f64, 0),
            fixed(k.expected as f64, 0)
        ),
        (Language::En, None) => {
            format!("{quarter}: {incomplete} of {total} clusters incomplete")
        }
    };
    let subtitle = vec![match lang {
        Language::Zh => format!("{}各集群名录内企业的报送率，{quarter}", eval.plan.city_name),
        Language::En => format!(
            "Share of each cluster's roster with an accepted report, {}, {quarter}",
            eval.plan.city_name_en
        ),
    }];
    let notes = vec![match lang {
        Language::Zh => format!(
            "注：括号内为已报送/应报送企业数；{} 未报齐（橙色）的集群使本期数据不完整。",
            palette::marker(clusterkpi_model::Status::AtRisk)
        ),
        Language::En => format!(
            "Note: in brackets, reported / expected enterprises; {} incomplete clusters (orange) make the data partial.",
            palette::marker(clusterkpi_model::Status::AtRisk)
        ),
    }];
    let chart = HBars {
        lang,
        number,
        title: title.clone(),
        subtitle,
        unit: d.unit_title(ShownUnit::Percent),
        bars,
        refs: vec![RefLine {
            at: 100.0,
            label: pick(lang, "应报尽报", "all reported").to_string(),
            stroke: Stroke::dashed(TARGET, 2.5, 9.0, 5.0),
        }],
        domain: Some((0.0, 100.0)),
        inside_labels: true,
        empty: pick(lang, "无集群", "No clusters").to_string(),
        source: source_line(eval),
        notes,
    };
    Figure {
        number,
        id: "coverage".into(),
        title,
        area: None,
        lang,
        scene: hbar::draw(&chart),
    }
}

/// "△ 92.0%（46/50家）": the marker only where some enterprises are missing.
fn counts(d: Display, rate: f64, reporting: u64, expected: u64, complete: bool) -> String {
    let firms = ShownUnit::Count(clusterkpi_model::catalogue::Counted::Enterprises);
    let rate = d.value(Some(rate), ShownUnit::Percent);
    let marker = if complete {
        String::new()
    } else {
        format!("{} ", palette::marker(clusterkpi_model::Status::AtRisk))
    };
    match d.lang() {
        Language::Zh => format!("{marker}{rate}（{reporting}/{expected}{}）", d.unit(firms)),
        Language::En => format!("{marker}{rate} ({reporting}/{expected})"),
    }
}
