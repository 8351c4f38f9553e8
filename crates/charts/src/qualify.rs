//! Which clusters qualify as a 数字化特色产业集群: one row per cluster, one column per
//! criterion of `digital_cluster_count` (the four digital gains) and one for the
//! annual output of at least 100亿元, each cell marked met (● on the status colour of
//! "achieved") or not (× on white), and whether the cluster meets them all. Criteria
//! are conditions of a target, judged per cluster, so this chart never calls a cluster
//! that misses one a missed target. Judged at the judged quarter (the deadline once it
//! has passed).

use clusterkpi_model::display::{Display, ShownUnit, palette, plain};
use clusterkpi_model::plan::GainUnit;
use clusterkpi_model::{Evaluation, Language, Period, Scope, Status, Target};

use crate::layout::{footer, header, unit_line};
use crate::scene::{Align, Scene, Stroke};
use crate::style::{GRID, LABEL_SIZE, LINE, MARGIN, MUTED, TEXT, WHITE, WIDTH, status_colour};
use crate::text::{indicator_name, pick, source_line, wrap};
use crate::{Figure, Pending};

/// The indicator whose criteria this chart shows.
const OF: &str = "digital_cluster_count";
/// Annual output a digital cluster must reach (indicators.md: 1,000,000 万元, 100亿元).
const OUTPUT_THRESHOLD: f64 = 1_000_000.0;
const OUTPUT: &str = "output_value_ytd";
const SIZE: f64 = LABEL_SIZE;
const NAME_WIDTH: f64 = 300.0;
const GAP: f64 = 2.0;

pub(crate) fn figure(eval: &Evaluation) -> Option<Pending<'_>> {
    let criteria: Vec<&Target> = eval
        .plan
        .targets
        .iter()
        .filter(|t| t.role.of() == Some(OF) && t.scope == Scope::Cluster)
        .collect();
    (!criteria.is_empty()).then(|| Pending::new(None, move |n| build(eval, &criteria, n)))
}

/// One cell: met or not (`None`: no data), and its text.
struct Cell {
    met: Option<bool>,
    text: String,
}

fn build(eval: &Evaluation, criteria: &[&Target], number: usize) -> Figure {
    let lang = eval.language;
    let d = Display::new(lang);
    let judged = eval.judged_quarter();
    let year = judged.latest_complete_year();
    let output_quarter = Period::new(year, 4);
    let money = ShownUnit::HundredMillionYuan;

    // Rows: cluster name, cells, qualifies.
    let mut rows: Vec<(String, Vec<Cell>, bool)> = eval
        .clusters
        .iter()
        .map(|c| {
            let mut cells: Vec<Cell> = criteria
                .iter()
                .map(|t| {
                    let j = eval
                        .kpi(Scope::Cluster, &c.id, &t.indicator)
                        .map(|k| &k.judgement);
                    let gain = j.and_then(|j| match (j.judged_value, j.baseline_value) {
                        (Some(v), Some(b)) if t.unit == GainUnit::Pp => Some(v - b),
                        (Some(v), Some(b)) if b != 0.0 => Some(100.0 * (v / b - 1.0)),
                        _ => None,
                    });
                    let met = gain.map(|_| j.is_some_and(|j| j.status == Status::Achieved));
                    Cell {
                        met,
                        text: gain.map_or_else(
                            || d.value(None, ShownUnit::Percent),
                            |g| d.signed(g, ShownUnit::Percent),
                        ),
                    }
                })
                .collect();
            let output = output_quarter.and_then(|q| {
                eval.series_of(Scope::Cluster, &c.id, OUTPUT)
                    .into_iter()
                    .find(|(p, _)| *p == q)
                    .and_then(|(_, v)| v)
            });
            cells.push(Cell {
                met: output.map(|v| v >= OUTPUT_THRESHOLD),
                text: output.map_or_else(|| d.value(None, money), |v| d.number(v, money)),
            });
            let qualifies = cells.iter().all(|c| c.met == Some(true));
            (c.name_in(lang).to_string(), cells, qualifies)
        })
        .collect();
    let met_count = |cells: &[Cell]| cells.iter().filter(|c| c.met == Some(true)).count();
    rows.sort_by(|a, b| {
        b.2.cmp(&a.2)
            .then_with(|| met_count(&b.1).cmp(&met_count(&a.1)))
    });

    let total = rows.len();
    let qualifying = rows.iter().filter(|r| r.2).count();
    let name = indicator_name(eval, OF);
    let quarter = d.quarter(judged);
    let title = match (lang, qualifying) {
        (Language::Zh, 0) => {
            format!("按{quarter}数据，{total}个集群中尚无集群符合数字化特色产业集群的全部条件")
        }
        (Language::Zh, k) => {
            format!("按{quarter}数据，{total}个集群中{k}个符合数字化特色产业集群的全部条件")
        }
        (Language::En, k) => format!(
            "{k} of {total} clusters meet every condition of a digital cluster at {quarter}"
        ),
    };
    let subtitle = vec![match lang {
        Language::Zh => format!(
            "“{name}”的认定条件：四项数字化指标较基期（{}）的提升，{year}年工业总产值不少于{}",
            d.quarter(eval.plan.baseline),
            d.with_unit(&plain(money.scale(OUTPUT_THRESHOLD)), money)
        ),
        Language::En => format!(
            "Conditions of \"{name}\": gains of four digital indicators since the baseline ({}), output of at least {} in {year}",
            d.quarter(eval.plan.baseline),
            d.with_unit(&plain(money.scale(OUTPUT_THRESHOLD)), money)
        ),
    }];

    let mut scene = Scene::new(WIDTH, 0.0);
    let y = header(
        &mut scene,
        &crate::text::numbered(lang, number, &title),
        &subtitle,
    );
    let mut y = unit_line(
        &mut scene,
        pick(
            lang,
            "单位：百分点；产值为亿元",
            "Unit: percentage points; output in 100m yuan",
        ),
        y,
    );

    // Column headings: the criterion's name and what it asks.
    let columns = criteria.len() + 2;
    let left = MARGIN + NAME_WIDTH + 10.0;
    let col = (WIDTH - MARGIN - left) / columns as f64;
    let mut heads: Vec<Vec<(String, bool)>> = criteria
        .iter()
        .map(|t| {
            let ask = match (lang, t.unit) {
                (Language::Zh, GainUnit::Pp) => format!("≥+{}", plain(t.amount)),
                (Language::Zh, GainUnit::Relative) => format!("≥+{}%", plain(t.amount)),
                (Language::En, GainUnit::Pp) => format!("≥ +{}", plain(t.amount)),
                (Language::En, GainUnit::Relative) => format!("≥ +{}%", plain(t.amount)),
            };
            head(&indicator_name(eval, &t.indicator), &ask, col)
        })
        .collect();
    heads.push(head(
        &match lang {
            Language::Zh => format!("{year}年工业总产值"),
            Language::En => format!("Output {year}"),
        },
        &format!("≥{}", plain(money.scale(OUTPUT_THRESHOLD))),
        col,
    ));
    heads.push(head(pick(lang, "是否符合", "Qualifies"), "", col));
    let head_lines = heads.iter().map(Vec::len).max().unwrap_or(1);
    for (i, lines) in heads.iter().enumerate() {
        let cx = left + (i as f64 + 0.5) * col;
        // Bottom-aligned, so the requirements stand in one row.
        let offset = head_lines - lines.len();
        for (k, (line, muted)) in lines.iter().enumerate() {
            let cy = y + (offset + k) as f64 * SIZE * LINE + SIZE * LINE / 2.0;
            let colour = if *muted { MUTED } else { TEXT };
            scene.text(line, (cx, cy), SIZE, colour, Align::Center);
        }
    }
    scene.text(
        pick(lang, "集群", "Cluster"),
        (MARGIN, y + (head_lines as f64 - 0.5) * SIZE * LINE),
        SIZE,
        MUTED,
        Align::Left,
    );
    y += head_lines as f64 * SIZE * LINE + 8.0;

    if rows.is_empty() {
        scene.text(
            pick(lang, "无集群", "No clusters"),
            (WIDTH / 2.0, y + 40.0),
            SIZE,
            MUTED,
            Align::Center,
        );
        y += 80.0;
    }
    let (yes_fill, yes_ink) = status_colour(Status::Achieved);
    let (none_fill, none_ink) = status_colour(Status::NoData);
    let yes = palette::marker(Status::Achieved);
    let no = palette::marker(Status::Missed);
    let blank = palette::marker(Status::NoData);
    for (name, cells, qualifies) in &rows {
        let lines = wrap(name, SIZE, NAME_WIDTH);
        let height = (lines.len() as f64 * SIZE * LINE + 14.0).max(SIZE * LINE * 1.6);
        let cy = y + height / 2.0;
        let first = cy - (lines.len() as f64 - 1.0) * SIZE * LINE / 2.0;
        for (k, l) in lines.iter().enumerate() {
            scene.text(
                l,
                (MARGIN, first + k as f64 * SIZE * LINE),
                SIZE,
                TEXT,
                Align::Left,
            );
        }
        let verdict = Cell {
            met: Some(*qualifies),
            text: if *qualifies {
                pick(lang, "符合", "yes").to_string()
            } else {
                pick(lang, "不符合", "no").to_string()
            },
        };
        for (i, cell) in cells.iter().chain([&verdict]).enumerate() {
            let (x0, x1) = (
                left + i as f64 * col + GAP,
                left + (i + 1) as f64 * col - GAP,
            );
            let (fill, ink, marker, border) = match cell.met {
                Some(true) => (yes_fill, yes_ink, yes, None),
                Some(false) => (WHITE, TEXT, no, Some(Stroke::solid(GRID, 1.5))),
                None => (none_fill, none_ink, blank, None),
            };
            scene.rect((x0, y + GAP), (x1, y + height - GAP), Some(fill), border);
            let text = if cell.met.is_none() {
                format!("{marker} {}", pick(lang, "无数据", "no data"))
            } else {
                format!("{marker} {}", cell.text)
            };
            scene.text(text, ((x0 + x1) / 2.0, cy), SIZE, ink, Align::Center);
        }
        y += height;
    }
    let notes = vec![match lang {
        Language::Zh => format!(
            "注：{yes} 为达到，{no} 为未达到；提升按判定季度较基期计算，晚于基期认定的集群自其首个报送季度起算。各条件按集群判定，不单独计为规划目标。"
        ),
        Language::En => format!(
            "Note: {yes} met, {no} not met; gains since the baseline (a cluster recognised later from its first reported quarter). Conditions are judged per cluster, not plan targets of their own."
        ),
    }];
    footer(&mut scene, &source_line(eval), &notes, y + 4.0);
    Figure {
        number,
        id: "digital_qualify".into(),
        title,
        area: None,
        lang,
        scene,
    }
}

/// A column heading: the name wrapped to the column, then the requirement in grey.
fn head(name: &str, ask: &str, col: f64) -> Vec<(String, bool)> {
    let mut lines: Vec<(String, bool)> = wrap(name, SIZE, col - 8.0)
        .into_iter()
        .map(|l| (l, false))
        .collect();
    if !ask.is_empty() {
        lines.push((ask.to_string(), true));
    }
    lines
}
