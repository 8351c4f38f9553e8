//! Average annual revenue growth (`revenue_cagr`) per cluster against the plan's
//! "年均营业收入增速保持在10%以上" line. The base year is the plan's baseline year and
//! the rate runs to the latest complete year, both named in the subtitle.

use clusterkpi_model::{Area, Evaluation, Language, Scope, Unit};

use crate::Figure;
use crate::hbar::{self, Bar, HBars, RefLine};
use crate::scene::Stroke;
use crate::style::{BASELINE, DATA, TARGET};
use crate::text::{fmt_value, indicator_name, no_data, pick, source_line, target_text};

const ID: &str = "revenue_cagr";

pub(crate) fn figure(eval: &Evaluation) -> Figure {
    let lang = eval.language;
    let name = indicator_name(eval, ID);
    // Scale and growth, also if a test catalogue lacks the indicator.
    let area = Some(eval.indicator(ID).map_or(Area::Scale, |i| i.area));
    let bars = eval
        .clusters
        .iter()
        .map(|c| {
            let value = eval
                .kpi(Scope::Cluster, &c.id, ID)
                .and_then(|k| k.judgement.value);
            Bar {
                name: c.name_in(lang).to_string(),
                value,
                text: value.map_or_else(
                    || no_data(lang).to_string(),
                    |v| fmt_value(v, Unit::Percent, lang),
                ),
                colour: DATA,
            }
        })
        .collect();

    let base_year = eval.plan.baseline.year();
    let last_year = eval.as_of.latest_complete_year();
    let years = match (lang, last_year - base_year) {
        (Language::Zh, 1) => format!("{last_year}年"),
        (Language::Zh, _) => format!("{}—{last_year}年", base_year + 1),
        (Language::En, 1) => last_year.to_string(),
        (Language::En, _) => format!("{}–{last_year}", base_year + 1),
    };
    let subtitle = match (lang, last_year > base_year) {
        (Language::Zh, true) => format!(
            "以{base_year}年为基年，{years}可比口径年均增速，截至{}",
            eval.as_of
        ),
        (Language::En, true) => format!(
            "Base year {base_year}; comparable average annual growth {years}, as of {}",
            eval.as_of
        ),
        (Language::Zh, false) => format!(
            "以{base_year}年为基年；截至{}尚无完整的后续年度",
            eval.as_of
        ),
        (Language::En, false) => {
            format!(
                "Base year {base_year}; no complete year after it as of {}",
                eval.as_of
            )
        }
    };

    let mut refs = vec![RefLine {
        at: 0.0,
        label: pick(lang, "零增长", "no growth").to_string(),
        stroke: Stroke::solid(BASELINE, 2.0),
    }];
    if let Some(t) = eval.plan.target(ID, Scope::Cluster) {
        refs.push(RefLine {
            at: t.amount,
            label: format!(
                "{}{}",
                pick(lang, "目标 ", "target "),
                target_text(t, Unit::Percent, lang)
            ),
            stroke: Stroke::dashed(TARGET, 2.5, 9.0, 5.0),
        });
    }
    let title = match lang {
        Language::Zh => format!("{name}：各集群"),
        Language::En => format!("{name}: by cluster"),
    };
    let chart = HBars {
        title: title.clone(),
        subtitle: vec![subtitle],
        legend: Vec::new(),
        category_title: pick(lang, "集群", "Cluster").to_string(),
        value_title: pick(lang, "年均增速（%）", "Average annual growth (%)").to_string(),
        bars,
        refs,
        domain: None,
        inside_labels: false,
        empty: pick(lang, "无集群", "No clusters").to_string(),
        source: source_line(eval),
    };
    Figure {
        id: ID.to_string(),
        title,
        area,
        scene: hbar::draw(&chart),
    }
}
