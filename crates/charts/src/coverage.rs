//! Reporting coverage per cluster for the as-of quarter: the share of each cluster's
//! roster with an accepted report, with the counts, on a fixed 0–100% axis. Clusters
//! below 100% stand out in amber; they are why a report is marked partial.

use clusterkpi_model::{Evaluation, Language, Scope};

use crate::Figure;
use crate::hbar::{self, Bar, HBars, RefLine};
use crate::layout::Key;
use crate::scene::Stroke;
use crate::style::{DATA, TARGET, WARN};
use crate::text::{fmt_fixed, no_data, pick, source_line};

const ID: &str = "reporting_rate";

pub(crate) fn figure(eval: &Evaluation) -> Figure {
    let lang = eval.language;
    let bars = eval
        .clusters
        .iter()
        .map(|c| {
            let kpi = eval.kpi(Scope::Cluster, &c.id, ID);
            let value = kpi.and_then(|k| k.judgement.value);
            let text = match (kpi, value) {
                (Some(k), Some(v)) => counts(lang, v, k.reporting, k.expected),
                (Some(k), None) if k.expected == 0 => {
                    pick(lang, "名录中无企业", "no enterprises on the roster").to_string()
                }
                _ => no_data(lang).to_string(),
            };
            let complete = kpi.is_some_and(|k| k.reporting >= k.expected);
            Bar {
                name: c.name_in(lang).to_string(),
                value,
                text,
                colour: if complete { DATA } else { WARN },
            }
        })
        .collect();

    let city = eval.kpi(Scope::City, &eval.plan.city, ID);
    let mut subtitle = vec![match lang {
        Language::Zh => format!(
            "{}应报企业的报送情况（{}）",
            eval.plan.city_name, eval.as_of
        ),
        Language::En => format!(
            "Enterprises of the roster with an accepted report for {}",
            eval.as_of
        ),
    }];
    if let Some(k) = city {
        let rate = k.judgement.value.map_or_else(
            || no_data(lang).to_string(),
            |v| format!("{}%", fmt_fixed(v, 1)),
        );
        subtitle.push(match lang {
            Language::Zh => format!(
                "全市：{}/{}家企业报送，报送率{rate}",
                k.reporting, k.expected
            ),
            Language::En => format!(
                "City: {} of {} enterprises reported, {rate}",
                k.reporting, k.expected
            ),
        });
    }
    let title = match lang {
        Language::Zh => format!("报送情况：{}各集群报送率", eval.as_of),
        Language::En => format!("Reporting coverage by cluster, {}", eval.as_of),
    };
    let chart = HBars {
        title: title.clone(),
        subtitle,
        legend: vec![
            (
                Key::Swatch(DATA),
                pick(lang, "全部报送", "all reported").to_string(),
            ),
            (
                Key::Swatch(WARN),
                pick(lang, "部分企业未报送", "some enterprises missing").to_string(),
            ),
        ],
        category_title: pick(lang, "集群", "Cluster").to_string(),
        value_title: pick(
            lang,
            "报送率（%），括号内为已报送/应报送企业数",
            "Reporting rate (%); in brackets: reported / expected",
        )
        .to_string(),
        bars,
        refs: vec![RefLine {
            at: 100.0,
            label: pick(lang, "应报尽报 100%", "all reported 100%").to_string(),
            stroke: Stroke::dashed(TARGET, 2.5, 9.0, 5.0),
        }],
        domain: Some((0.0, 100.0)),
        inside_labels: true,
        empty: pick(lang, "无集群", "No clusters").to_string(),
        source: source_line(eval),
    };
    Figure {
        id: "coverage".into(),
        title,
        area: None,
        scene: hbar::draw(&chart),
    }
}

/// "92.0%（46/50家）".
fn counts(lang: Language, rate: f64, reporting: u64, expected: u64) -> String {
    match lang {
        Language::Zh => format!("{}%（{reporting}/{expected}家）", fmt_fixed(rate, 1)),
        Language::En => format!("{}% ({reporting}/{expected})", fmt_fixed(rate, 1)),
    }
}
