//! Average annual revenue growth (`revenue_cagr`) per cluster against the plan's
//! "年均营业收入增速保持在10%以上" line. The base year is the plan's baseline year and
//! the rate runs to the latest complete year, both named in the subtitle.

use clusterkpi_model::display::{Display, ShownUnit, palette};
use clusterkpi_model::{Area, Evaluation, Language, Scope, Status};

use crate::hbar::{self, Bar, HBars, RefLine};
use crate::scene::Stroke;
use crate::style::{TARGET, status_colour};
use crate::text::{indicator_name, no_data, pick, source_line};
use crate::{Figure, Pending};

const ID: &str = "revenue_cagr";

pub(crate) fn figure(eval: &Evaluation) -> Pending<'_> {
    // Scale and growth, also if a test catalogue lacks the indicator.
    let area = Some(eval.indicator(ID).map_or(Area::Scale, |i| i.area));
    Pending::new(area, move |n| build(eval, area, n))
}

fn build(eval: &Evaluation, area: Option<Area>, number: usize) -> Figure {
    let lang = eval.language;
    let d = Display::new(lang);
    let name = indicator_name(eval, ID);
    let target = eval.plan.target(ID, Scope::Cluster);
    let mut reaching = 0;
    let bars: Vec<Bar> = eval
        .clusters
        .iter()
        .map(|c| {
            let j = eval.kpi(Scope::Cluster, &c.id, ID).map(|k| &k.judgement);
            let value = j.and_then(|j| {
                if target.is_some() {
                    j.judged_value
                } else {
                    j.value
                }
            });
            let status = j.map_or(Status::NoData, |j| j.status);
            let (fill, _) = status_colour(if target.is_some() {
                status
            } else {
                Status::Achieved
            });
            reaching += usize::from(target.is_some() && status == Status::Achieved);
            let applies = eval
                .kpi(Scope::Cluster, &c.id, ID)
                .is_none_or(|k| eval.applies(k));
            let text = match value {
                // Recognised after the base year: no growth since then to measure.
                None if !applies => match lang {
                    Language::Zh => {
                        format!("{}（{}认定）", d.not_applicable(), d.quarter(c.established))
                    }
                    Language::En => format!(
                        "{} (recognised {})",
                        d.not_applicable(),
                        d.quarter(c.established)
                    ),
                },
                None => no_data(lang).to_string(),
                Some(v) if target.is_some() => match lang {
                    // The status in words beside the figure: it survives any print.
                    Language::Zh => format!(
                        "{} {}（{}）",
                        palette::marker(status),
                        d.value(Some(v), ShownUnit::Percent),
                        d.status(status)
                    ),
                    Language::En => format!(
                        "{} {} ({})",
                        palette::marker(status),
                        d.value(Some(v), ShownUnit::Percent),
                        d.status(status)
                    ),
                },
                Some(v) => d.value(Some(v), ShownUnit::Percent),
            };
            Bar {
                name: c.name_in(lang).to_string(),
                value,
                text,
                colour: fill,
            }
        })
        .collect();

    let base_year = eval.plan.baseline.year();
    let last_year = eval.judged_quarter().latest_complete_year();
    let years = match (lang, last_year - base_year) {
        (Language::Zh, 1) => format!("{last_year}年"),
        (Language::Zh, _) => format!("{}—{last_year}年", base_year + 1),
        (Language::En, 1) => last_year.to_string(),
        (Language::En, _) => format!("{}–{last_year}", base_year + 1),
    };
    let subtitle = match (lang, last_year > base_year) {
        (Language::Zh, true) => {
            format!("各集群营业收入可比口径年均增速，以{base_year}年为基年，{years}")
        }
        (Language::En, true) => format!(
            "Comparable average annual revenue growth by cluster, base year {base_year}, {years}"
        ),
        (Language::Zh, false) => format!(
            "以{base_year}年为基年；截至{}尚无完整的后续年度",
            d.quarter(eval.as_of)
        ),
        (Language::En, false) => format!(
            "Base year {base_year}; no complete year after it as of {}",
            d.quarter(eval.as_of)
        ),
    };
    let total = eval.clusters.len();
    let mut refs = Vec::new();
    let title = if let Some(t) = target {
        let required = d.target(t, ShownUnit::Percent);
        refs.push(RefLine {
            at: t.amount,
            label: format!("{}{required}", pick(lang, "目标：", "target: ")),
            stroke: Stroke::dashed(TARGET, 2.5, 9.0, 5.0),
        });
        match lang {
            Language::Zh => format!("{total}个集群中{reaching}个{name}达到{required}的目标"),
            Language::En => {
                format!("{name}: {reaching} of {total} clusters meet the target of {required}")
            }
        }
    } else {
        match lang {
            Language::Zh => format!("各集群{name}"),
            Language::En => format!("{name} by cluster"),
        }
    };
    let notes = vec![match lang {
        Language::Zh => "注：增速以同时报送相邻两年四季度数据的企业计算；晚于基年认定的集群无此项。"
            .to_string(),
        Language::En => "Note: growth over enterprises reporting the fourth quarter of both years; clusters recognised after the base year have none.".to_string(),
    }];
    let chart = HBars {
        lang,
        number,
        title: title.clone(),
        subtitle: vec![subtitle],
        unit: d.unit_title(ShownUnit::Percent),
        bars,
        refs,
        domain: None,
        inside_labels: false,
        empty: pick(lang, "无集群", "No clusters").to_string(),
        source: source_line(eval),
        notes,
    };
    Figure {
        number,
        id: ID.to_string(),
        title,
        area,
        lang,
        scene: hbar::draw(&chart),
    }
}
