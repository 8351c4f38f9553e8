//! Print-quality charts of an [`Evaluation`], as SVG (for the HTML report and print)
//! and PNG (2400 px wide, 300 dpi at 20 cm), in Chinese by default or English.
//!
//! ```text
//!  Evaluation ──▶ scorecard / gain / series / growth / coverage ──▶ Scene (layout units)
//!                                                                     │ render
//!                                               <dir>/<id>.svg ◀──────┴──────▶ <dir>/<id>.png
//! ```
//!
//! Each chart module only lays out a `scene::Scene`, a display list in units of a
//! 1200-wide page; `render` draws it twice, so the SVG and the PNG show the same
//! layout. All text uses the bundled WenQuanYi Micro Hei font (`font`), so the PNGs
//! render on machines without any Chinese font; the SVGs name it first and then common
//! Chinese system fonts. Layout is measured with the same font, and the tests check
//! that no text leaves the page or overlaps another.
//!
//! Every chart carries a title, axis titles with units, the plan's target as a line or
//! in the cells, the baseline, and the source line with the as-of quarter.

use std::path::{Path, PathBuf};

use clusterkpi_model::{Area, Evaluation};

mod coverage;
mod font;
mod gain;
mod growth;
mod hbar;
mod layout;
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
    /// File stem, e.g. `scorecard`, `digital_gain_cnc_rate`, `series_sme_count`,
    /// `revenue_cagr`, `coverage`.
    pub id: String,
    /// The chart title as drawn, in the evaluation's language.
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
    pub id: String,
    pub title: String,
    pub area: Option<Area>,
    pub scene: scene::Scene,
}

/// Renders every chart of the evaluation into `dir` (created if missing) as SVG and PNG.
pub fn render_all(eval: &Evaluation, dir: &Path) -> Result<Vec<Chart>, ChartError> {
    font::ensure_registered()?;
    std::fs::create_dir_all(dir).map_err(|source| ChartError::Dir {
        path: dir.to_path_buf(),
        source,
    })?;
    figures(eval).into_iter().map(|f| write(f, dir)).collect()
}

/// Every chart, in report order.
fn figures(eval: &Evaluation) -> Vec<Figure> {
    let mut out = vec![scorecard::figure(eval)];
    out.extend(gain::figures(eval));
    out.extend(series::figures(eval));
    out.push(growth::figure(eval));
    out.push(coverage::figure(eval));
    out
}

fn write(figure: Figure, dir: &Path) -> Result<Chart, ChartError> {
    let draw_error = |message: String| ChartError::Draw {
        id: figure.id.clone(),
        message,
    };
    let svg = render::to_svg(&figure.scene).map_err(draw_error)?;
    let svg_path = dir.join(format!("{}.svg", figure.id));
    std::fs::write(&svg_path, &svg).map_err(|source| ChartError::Write {
        path: svg_path.clone(),
        source,
    })?;
    let png_path = dir.join(format!("{}.png", figure.id));
    render::to_png(&figure.scene, &png_path).map_err(draw_error)?;
    Ok(Chart {
        id: figure.id,
        // The title goes on into the reports as text; the same label rules as drawn.
        title: text::clean(&figure.title).into_owned(),
        area: figure.area,
        svg,
        svg_path,
        png_path,
    })
}
