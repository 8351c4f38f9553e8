//! The visual constants: page size, font sizes and a restrained, print-friendly palette.
//!
//! Sizes are in layout units of a 1200-unit-wide page meant to be printed about 20 cm
//! wide (1 unit ≈ 0.17 mm). A plotters font size of 19 draws hanzi about 16 units
//! (2.7 mm, ~7.5 pt) tall, the smallest that reads comfortably in print.

use clusterkpi_model::Status;
use plotters::style::RGBColor;

/// Page width in layout units.
pub(crate) const WIDTH: f64 = 1200.0;
/// Height of the charts whose content does not grow with the number of clusters.
pub(crate) const HEIGHT: f64 = 750.0;
/// Left and right page margin.
pub(crate) const MARGIN: f64 = 36.0;

pub(crate) const TITLE_SIZE: f64 = 30.0;
pub(crate) const SUBTITLE_SIZE: f64 = 19.0;
pub(crate) const LABEL_SIZE: f64 = 19.0;
pub(crate) const TICK_SIZE: f64 = 18.0;
pub(crate) const SOURCE_SIZE: f64 = 16.0;
/// Line height as a multiple of the font size.
pub(crate) const LINE: f64 = 1.3;

pub(crate) const TEXT: RGBColor = RGBColor(33, 33, 33);
pub(crate) const MUTED: RGBColor = RGBColor(97, 97, 97);
pub(crate) const GRID: RGBColor = RGBColor(224, 224, 224);
pub(crate) const AXIS: RGBColor = RGBColor(66, 66, 66);
/// Bars and the observed series.
pub(crate) const DATA: RGBColor = RGBColor(62, 98, 145);
/// The projection, a lighter tone of the data colour.
pub(crate) const PROJECTION: RGBColor = RGBColor(110, 150, 200);
/// Target lines: a dark red that stays distinct in greyscale print (dashed too).
pub(crate) const TARGET: RGBColor = RGBColor(183, 28, 28);
/// Baseline marks.
pub(crate) const BASELINE: RGBColor = RGBColor(90, 90, 90);
/// Bars that need attention (incomplete reporting).
pub(crate) const WARN: RGBColor = RGBColor(230, 160, 40);
pub(crate) const WHITE: RGBColor = RGBColor(255, 255, 255);

/// Fill colour of a scorecard cell, and whether its text must be white to read.
pub(crate) fn status_colour(status: Status) -> (RGBColor, bool) {
    match status {
        Status::Achieved => (RGBColor(46, 125, 50), true),
        Status::OnTrack => (RGBColor(174, 213, 129), false),
        Status::AtRisk => (RGBColor(255, 204, 64), false),
        Status::OffTrack => (RGBColor(239, 108, 0), true),
        Status::Missed => (RGBColor(140, 20, 20), true),
        Status::NoData => (RGBColor(200, 200, 200), false),
        Status::NoTarget => (WHITE, false),
    }
}

/// Text colour that reads on a filled background: white on dark fills, near-black on
/// light ones (by relative luminance).
pub(crate) fn ink_on(background: RGBColor) -> RGBColor {
    let RGBColor(r, g, b) = background;
    let luminance = 0.2126 * f64::from(r) + 0.7152 * f64::from(g) + 0.0722 * f64::from(b);
    if luminance < 150.0 { WHITE } else { TEXT }
}
