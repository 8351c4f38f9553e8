//! The scorecard: one row for the city and one per cluster, one column per targeted
//! indicator (grouped by report area), each cell coloured by the row's status and
//! showing the value and the status in words, so it still reads in greyscale print.

use clusterkpi_model::{Area, Evaluation, Language, Scope, Status, Target, Unit};

use crate::Figure;
use crate::font::text_width;
use crate::layout::{Key, footer, header, legend};
use crate::scene::{Align, Scene, Stroke};
use crate::style::{GRID, LABEL_SIZE, LINE, MARGIN, MUTED, TEXT, WHITE, WIDTH, status_colour};
use crate::text::{
    fmt_number, indicator_name, no_data, pick, source_line, target_parts, target_text, wrap,
};

const CELL_SIZE: f64 = 16.0;
/// The status words under the value: smaller, so four hanzi fit the narrowest column.
const STATUS_SIZE: f64 = 14.0;
/// Narrowest column: four hanzi, or for English a short word per line (longer words
/// are hyphenated).
const MIN_COLUMN_ZH: f64 = 58.0;
const MIN_COLUMN_EN: f64 = 76.0;
const NAME_MAX_WIDTH: f64 = 260.0;
/// Row height for a one-line name; taller names make taller rows.
const ROW_HEIGHT: f64 = CELL_SIZE * LINE * 2.0 + 12.0;
/// White gap between cells.
const GAP: f64 = 2.0;

struct Column {
    id: String,
    area: Option<Area>,
    unit: Unit,
    header: Vec<String>,
    targets: Vec<String>,
}

struct Row {
    scope: Scope,
    scope_id: String,
    name: Vec<String>,
}

/// Column positions of the grid.
#[derive(Clone, Copy)]
struct Grid {
    left: f64,
    column: f64,
}

impl Grid {
    fn x(self, i: usize) -> f64 {
        self.left + i as f64 * self.column
    }
}

pub(crate) fn figure(eval: &Evaluation) -> Figure {
    let lang = eval.language;
    let title = pick(lang, "目标完成情况总览", "Scorecard of plan targets").to_string();
    let subtitle = match lang {
        Language::Zh => format!("{}，截至{}", eval.plan.name, eval.as_of),
        Language::En => format!("{}, as of {}", eval.plan.name_en, eval.as_of),
    };

    let ids = targeted_indicators(eval);
    let rows = rows(eval);
    let scope_title = pick(lang, "范围", "Scope");
    let name_width = rows
        .iter()
        .flat_map(|r| &r.name)
        .map(|l| text_width(l, LABEL_SIZE))
        .fold(text_width(scope_title, LABEL_SIZE), f64::max);
    let left = MARGIN + name_width + 14.0;
    // The page widens rather than squeeze columns below a readable width; the report
    // scales the picture to the page, which keeps proportions.
    let min_column = match lang {
        Language::Zh => MIN_COLUMN_ZH,
        Language::En => MIN_COLUMN_EN,
    };
    let width = WIDTH.max(left + ids.len() as f64 * min_column + MARGIN);
    let grid = Grid {
        left,
        column: (width - MARGIN - left) / ids.len().max(1) as f64,
    };
    let columns: Vec<Column> = ids
        .iter()
        .map(|id| column_of(eval, id, grid.column - 8.0))
        .collect();

    let mut scene = Scene::new(width, 0.0);
    let y = header(&mut scene, &title, &[subtitle]);
    let mut y = legend(&mut scene, &legend_keys(lang), y) + 8.0;
    if columns.is_empty() {
        let message = pick(
            lang,
            "计划未设定量化目标",
            "The plan sets no quantified targets",
        );
        scene.text(
            message,
            (width / 2.0, y + 40.0),
            LABEL_SIZE,
            MUTED,
            Align::Center,
        );
        footer(&mut scene, &source_line(eval), y + 80.0);
        return Figure {
            id: "scorecard".into(),
            title,
            area: None,
            scene,
        };
    }

    y = area_headings(&mut scene, &columns, grid, y, lang);
    y = column_headings(&mut scene, &columns, grid, y);
    scene.text(
        scope_title,
        (MARGIN, y - CELL_SIZE),
        LABEL_SIZE,
        MUTED,
        Align::Left,
    );
    for (r, row) in rows.iter().enumerate() {
        // A small gap sets the city row apart from the clusters.
        if r == 1 {
            y += 8.0;
        }
        let height = ROW_HEIGHT.max(row.name.len() as f64 * LABEL_SIZE * LINE + 10.0);
        let first = y + height / 2.0 - (row.name.len() as f64 - 1.0) * LABEL_SIZE * LINE / 2.0;
        for (k, line) in row.name.iter().enumerate() {
            let at = (MARGIN, first + k as f64 * LABEL_SIZE * LINE);
            scene.text(line, at, LABEL_SIZE, TEXT, Align::Left);
        }
        for (i, c) in columns.iter().enumerate() {
            cell(
                &mut scene,
                eval,
                row,
                c,
                (grid.x(i), y),
                (grid.column, height),
            );
        }
        y += height;
    }

    footer(&mut scene, &source_line(eval), y + 4.0);
    Figure {
        id: "scorecard".into(),
        title,
        area: None,
        scene,
    }
}

/// Every status colour, and the blank cell.
fn legend_keys(lang: Language) -> Vec<(Key, String)> {
    let statuses = Status::TARGETED;
    let mut keys: Vec<(Key, String)> = statuses
        .into_iter()
        .map(|s| (Key::Swatch(status_colour(s).0), s.label(lang).to_string()))
        .collect();
    let blank = pick(
        lang,
        "空白：该范围无目标",
        "blank: no target for this scope",
    );
    keys.push((Key::Outlined(WHITE), blank.to_string()));
    keys
}

/// Area names over runs of columns of the same area, underlined; returns the y below.
fn area_headings(scene: &mut Scene, columns: &[Column], grid: Grid, y: f64, lang: Language) -> f64 {
    let mut groups: Vec<(usize, usize, Option<Area>)> = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        match groups.last_mut() {
            Some((_, end, area)) if *area == c.area => *end = i + 1,
            _ => groups.push((i, i + 1, c.area)),
        }
    }
    let lines: Vec<Vec<String>> = groups
        .iter()
        .map(|(start, end, area)| {
            let name = area.map_or("", |a| match lang {
                Language::Zh => a.name_zh(),
                Language::En => a.name_en(),
            });
            wrap(name, CELL_SIZE, (end - start) as f64 * grid.column - 8.0)
        })
        .collect();
    let height = lines.iter().map(Vec::len).max().unwrap_or(1) as f64 * CELL_SIZE * LINE + 8.0;
    for ((start, end, _), lines) in groups.iter().zip(&lines) {
        let (x0, x1) = (grid.x(*start), grid.x(*end));
        for (k, line) in lines.iter().enumerate() {
            let cy = y + (k as f64 + 0.5) * CELL_SIZE * LINE;
            scene.text(line, ((x0 + x1) / 2.0, cy), CELL_SIZE, TEXT, Align::Center);
        }
        let rule_y = y + height - 3.0;
        scene.line(
            (x0 + 4.0, rule_y),
            (x1 - 4.0, rule_y),
            Stroke::solid(MUTED, 1.5),
        );
    }
    y + height + 4.0
}

/// Indicator names, then their targets in grey; returns the y below.
fn column_headings(scene: &mut Scene, columns: &[Column], grid: Grid, y: f64) -> f64 {
    let lines = columns
        .iter()
        .map(|c| c.header.len() + c.targets.len())
        .max()
        .unwrap_or(1);
    for (i, c) in columns.iter().enumerate() {
        let cx = grid.x(i) + grid.column / 2.0;
        let lines = c
            .header
            .iter()
            .map(|l| (l, TEXT))
            .chain(c.targets.iter().map(|l| (l, MUTED)));
        for (k, (line, colour)) in lines.enumerate() {
            let cy = y + (k as f64 + 0.5) * CELL_SIZE * LINE;
            scene.text(line, (cx, cy), CELL_SIZE, colour, Align::Center);
        }
    }
    y + lines as f64 * CELL_SIZE * LINE + 8.0
}

/// Every indicator with a target for any scope, grouped by area in report order, then
/// in plan order.
fn targeted_indicators(eval: &Evaluation) -> Vec<String> {
    let mut ids: Vec<&str> = Vec::new();
    for t in &eval.plan.targets {
        if !ids.contains(&t.indicator.as_str()) {
            ids.push(&t.indicator);
        }
    }
    let area_rank = |id: &str| {
        eval.indicator(id)
            .and_then(|i| Area::ALL.iter().position(|a| *a == i.area))
            .unwrap_or(Area::ALL.len())
    };
    // A stable sort keeps plan order within an area.
    ids.sort_by_key(|id| area_rank(id));
    ids.into_iter().map(String::from).collect()
}

fn rows(eval: &Evaluation) -> Vec<Row> {
    let wrap_name = |name: &str| wrap(name, LABEL_SIZE, NAME_MAX_WIDTH);
    let city = Row {
        scope: Scope::City,
        scope_id: eval.plan.city.clone(),
        name: wrap_name(&eval.scope_name(Scope::City, &eval.plan.city)),
    };
    std::iter::once(city)
        .chain(eval.clusters.iter().map(|c| Row {
            scope: Scope::Cluster,
            scope_id: c.id.clone(),
            name: wrap_name(c.name_in(eval.language)),
        }))
        .collect()
}

fn column_of(eval: &Evaluation, id: &str, text_width_max: f64) -> Column {
    let lang = eval.language;
    let indicator = eval.indicator(id);
    let unit = indicator.map_or(Unit::Count, |i| i.unit);
    // The unit shows in the target line ("≥10个", "≥10%") and with rate values ("43.0%"),
    // which spares a header line of "（%）" in narrow columns.
    let heading = indicator_name(eval, id);
    let city = eval.plan.target(id, Scope::City);
    let cluster = eval.plan.target(id, Scope::Cluster);
    // The stretch amount goes on a line of its own so that "力争2" is never split.
    let describe = |t: &Target| {
        let (main, stretch) = target_parts(t, unit, lang);
        std::iter::once(main).chain(stretch).collect::<Vec<_>>()
    };
    let target_lines = match (city, cluster) {
        (Some(a), Some(b)) if describe(a) == describe(b) => describe(a),
        (Some(a), Some(b)) => vec![
            format!(
                "{}{}",
                pick(lang, "全市", "city "),
                target_text(a, unit, lang)
            ),
            format!(
                "{}{}",
                pick(lang, "集群", "clusters "),
                target_text(b, unit, lang)
            ),
        ],
        (Some(t), None) | (None, Some(t)) => describe(t),
        (None, None) => Vec::new(),
    };
    Column {
        id: id.to_string(),
        area: indicator.map(|i| i.area),
        unit,
        header: wrap(&heading, CELL_SIZE, text_width_max),
        targets: target_lines
            .iter()
            .flat_map(|l| wrap(l, CELL_SIZE, text_width_max))
            .collect(),
    }
}

/// One cell: blank where the row's scope has no target, otherwise the status colour
/// with the value and the status in words (each only if it fits).
fn cell(
    scene: &mut Scene,
    eval: &Evaluation,
    row: &Row,
    column: &Column,
    (x, y): (f64, f64),
    (width, height): (f64, f64),
) {
    let (x0, y0, x1, y1) = (
        x + GAP / 2.0,
        y + GAP / 2.0,
        x + width - GAP / 2.0,
        y + height - GAP / 2.0,
    );
    if eval.plan.target(&column.id, row.scope).is_none() {
        scene.rect((x0, y0), (x1, y1), None, Some(Stroke::solid(GRID, 1.0)));
        return;
    }
    let kpi = eval.kpi(row.scope, &row.scope_id, &column.id);
    let status = kpi.map_or(Status::NoData, |k| k.judgement.status);
    let value = kpi
        .and_then(|k| k.judgement.value)
        .filter(|v| v.is_finite());
    let (fill, light_text) = status_colour(status);
    scene.rect((x0, y0), (x1, y1), Some(fill), None);
    let colour = if light_text { WHITE } else { TEXT };
    let label = status.label(eval.language);
    let value_text = match value {
        Some(v) if column.unit == Unit::Percent => format!("{}%", fmt_number(v, column.unit)),
        Some(v) => fmt_number(v, column.unit),
        None => no_data(eval.language).to_string(),
    };
    let mut lines = vec![(value_text.as_str(), CELL_SIZE)];
    if value.is_some() {
        lines.push((label, STATUS_SIZE));
    }
    lines.retain(|(text, size)| text_width(text, *size) <= width - 6.0);
    let line_height = CELL_SIZE * LINE;
    let first = (y0 + y1) / 2.0 - (lines.len() as f64 - 1.0) * line_height / 2.0;
    for (k, (text, size)) in lines.into_iter().enumerate() {
        scene.text(
            text,
            (x + width / 2.0, first + k as f64 * line_height),
            size,
            colour,
            Align::Center,
        );
    }
}
