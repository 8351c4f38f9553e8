//! Print-quality charts of an [`Evaluation`], as SVG (text drawn as paths) and PNG
//! (1843 px wide, 300 dpi at 156 mm, recorded in the file), in Chinese by default or
//! English.
//!
//! ```text
//!  Evaluation ──▶ scorecard / qualify / series / gain / growth / coverage ──▶ Scene
//!                                                                     │ render
//!                                               <dir>/<id>.svg ◀──────┴──────▶ <dir>/<id>.png
//! ```
//!
//! Each chart module only lays out a `scene::Scene`, a display list in units of a
//! 1200-wide page printed 156 mm wide; `render` draws it twice, so the SVG and the PNG
//! show the same layout. All text uses the bundled WenQuanYi Micro Hei font (`font`):
//! rasterised into the PNG, and as glyph outlines into the SVG, so neither needs a
//! Chinese font on the reader's machine. Layout is measured with the same font, and the
//! tests check that no text leaves the page, overlaps another, is crossed by a
//! reference line or prints below 8 pt.
//!
//! The charts follow the statistical offices' rules (outputs.md, "Charts"): numbered
//! in report order (图1, 图2, …) with a title that states the finding, a subtitle with
//! measure, scope and period, the unit above the plot, the source and notes under it;
//! bars sorted and starting at zero; labels at the bars and lines; status by the shared
//! palette and by marker and word. Every figure, unit, quarter and status is written by
//! `clusterkpi_model::display`, as in the report's tables.

use std::path::{Path, PathBuf};

use clusterkpi_model::{Area, Evaluation, Language};

mod coverage;
mod font;
mod gain;
mod growth;
mod hbar;
mod layout;
mod qualify;
mod raster;
mod render;
mod scene;
mod scorecard;
mod series;
mod style;
mod text;

#[cfg(test)]
mod tests;

/// The family name the bundled font is registered under.
pub const FONT_FAMILY: &str = "WenQuanYi Micro Hei";

/// One rendered chart.
#[derive(Debug, Clone)]
pub struct Chart {
    /// 图n: 1-based, in the order of the report (the order [`render_all`] returns).
    pub number: usize,
    /// File stem, e.g. `scorecard`, `digital_qualify`, `series_sme_count`,
    /// `digital_gain_cnc_rate`, `revenue_cagr`, `coverage`.
    pub id: String,
    /// The finding title, without "图n" (the chart draws "图n　title", in English
    /// "Figure n. title"; a caption is `format!("图{} {}", number, title)`), in the
    /// evaluation's language.
    pub title: String,
    /// Report section it belongs to (`None`: the scorecard and the data-quality chart).
    pub area: Option<Area>,
    /// The SVG document text (also written to `svg_path`).
    pub svg: String,
    pub svg_path: PathBuf,
    pub png_path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The embedded font bytes did not parse: a broken build, not a data problem.
    #[error("the bundled chart font (data/fonts/WenQuanYiMicroHei.ttf) could not be loaded")]
    Font,
    #[error("cannot create the chart folder {}: {source}", path.display())]
    Dir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write chart {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// plotters failed while drawing or encoding (e.g. the PNG could not be written).
    #[error("cannot draw chart {id}: {message}")]
    Draw { id: String, message: String },
}

/// A laid-out chart, before rendering.
pub(crate) struct Figure {
    pub number: usize,
    pub id: String,
    pub title: String,
    pub area: Option<Area>,
    pub lang: Language,
    pub scene: scene::Scene,
}

/// A chart whose place in the report is known before it is laid out: the title it
/// draws carries its number, which only the whole list decides.
pub(crate) struct Pending<'a> {
    pub area: Option<Area>,
    pub build: Box<dyn FnOnce(usize) -> Figure + 'a>,
}

impl<'a> Pending<'a> {
    pub(crate) fn new(area: Option<Area>, build: impl FnOnce(usize) -> Figure + 'a) -> Self {
        Self {
            area,
            build: Box::new(build),
        }
    }
}

/// Renders every chart of the evaluation into `dir` (created if missing) as SVG and
/// PNG, in report order and numbered in that order.
pub fn render_all(eval: &Evaluation, dir: &Path) -> Result<Vec<Chart>, ChartError> {
    font::ensure_registered()?;
    std::fs::create_dir_all(dir).map_err(|source| ChartError::Dir {
        path: dir.to_path_buf(),
        source,
    })?;
    write_all(&figures(eval), dir)
}

/// Writes the figures on every core, in their order: rasterising is most of a
/// report's second (20 charts at 2,400 px), one chart does not depend on another, and
/// each is written to its own files, so the bytes are the same in any order. The
/// first error in report order is the answer.
fn write_all(figures: &[Figure], dir: &Path) -> Result<Vec<Chart>, ChartError> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    clusterkpi_model::parallel::map(figures, threads, |f| write(f, dir))
        .into_iter()
        .collect()
}

/// Every chart, in report order: the scorecard of the plan's targets, which clusters
/// qualify as digital clusters, the charts of each area of the plan (数字化转型,
/// 创新发展, 产业生态, 规模与增长, 政策测算), and reporting coverage last.
fn figures(eval: &Evaluation) -> Vec<Figure> {
    let mut by_area: Vec<Pending<'_>> = Vec::new();
    by_area.extend(series::figures(eval));
    by_area.extend(gain::figures(eval));
    by_area.push(growth::figure(eval));
    let rank = |a: Option<Area>| {
        a.and_then(|a| Area::ALL.iter().position(|x| *x == a))
            .unwrap_or(Area::ALL.len())
    };
    // Stable: within an area, the city targets in plan order, then the cluster charts.
    by_area.sort_by_key(|p| rank(p.area));

    let mut pending = vec![scorecard::figure(eval)];
    pending.extend(qualify::figure(eval));
    pending.extend(by_area);
    pending.push(coverage::figure(eval));
    pending
        .into_iter()
        .enumerate()
        .map(|(i, p)| (p.build)(i + 1))
        .collect()
}

fn write(figure: &Figure, dir: &Path) -> Result<Chart, ChartError> {
    let draw_error = |message: String| ChartError::Draw {
        id: figure.id.clone(),
        message,
    };
    // The title goes on into the reports as text; the same label rules as drawn.
    let title = text::clean(&figure.title).into_owned();
    let svg = render::to_svg(
        &figure.scene,
        &render::SvgMeta {
            id: &figure.id,
            lang: figure.lang,
            title: &text::numbered(figure.lang, figure.number, &title),
        },
    );
    let svg_path = dir.join(format!("{}.svg", figure.id));
    std::fs::write(&svg_path, &svg).map_err(|source| ChartError::Write {
        path: svg_path.clone(),
        source,
    })?;
    let png_path = dir.join(format!("{}.png", figure.id));
    render::to_png(&figure.scene, &png_path).map_err(draw_error)?;
    Ok(Chart {
        number: figure.number,
        id: figure.id.clone(),
        title,
        area: figure.area,
        svg,
        svg_path,
        png_path,
    })
}
