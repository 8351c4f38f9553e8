//! The visual constants: page size and font sizes. Every colour comes from the shared
//! palette (`clusterkpi_model::display::palette`), so a status looks the same in a chart,
//! the HTML report, the workbook and the Word document.
//!
//! Sizes are in layout units of a 1200-unit-wide page that is printed 156 mm wide (the
//! text block of a GB/T 9704 page): one unit is 0.13 mm. Text is never smaller than 8 pt
//! there ([`MIN_SIZE`]); the tests check every text of every chart against it.

use clusterkpi_model::Status;
use clusterkpi_model::display::palette::{self, Rgb};
use plotters::style::RGBColor;

/// Page width in layout units.
pub(crate) const WIDTH: f64 = 1200.0;
/// The printed width of [`WIDTH`]: the text block of an official document.
#[cfg(test)]
pub(crate) const PRINT_WIDTH_MM: f64 = 156.0;
/// Height of the charts whose content does not grow with the number of clusters.
pub(crate) const HEIGHT: f64 = 860.0;
/// Left and right page margin.
pub(crate) const MARGIN: f64 = 30.0;

/// The smallest text: 27 / 1.24 = 21.8 units per em, 2.83 mm or 8.0 pt at 156 mm.
pub(crate) const MIN_SIZE: f64 = 27.0;
pub(crate) const TITLE_SIZE: f64 = 36.0;
pub(crate) const SUBTITLE_SIZE: f64 = 28.0;
pub(crate) const LABEL_SIZE: f64 = 28.0;
pub(crate) const TICK_SIZE: f64 = MIN_SIZE;
pub(crate) const SOURCE_SIZE: f64 = MIN_SIZE;
/// Line height as a multiple of the font size.
pub(crate) const LINE: f64 = 1.3;

/// The printed size in points of a text of plotters size `size` on a page `width` units
/// wide printed [`PRINT_WIDTH_MM`] wide.
#[cfg(test)]
pub(crate) fn points(size: f64, width: f64) -> f64 {
    size * crate::font::EM_PER_SIZE * PRINT_WIDTH_MM / width / 25.4 * 72.0
}

pub(crate) const fn rgb(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

pub(crate) const TEXT: RGBColor = rgb(palette::TEXT);
pub(crate) const MUTED: RGBColor = rgb(palette::MUTED);
pub(crate) const GRID: RGBColor = rgb(palette::GRID);
pub(crate) const AXIS: RGBColor = rgb(palette::AXIS);
pub(crate) const DATA: RGBColor = rgb(palette::DATA);
pub(crate) const PROJECTION: RGBColor = rgb(palette::PROJECTION);
pub(crate) const TARGET: RGBColor = rgb(palette::TARGET);
pub(crate) const BASELINE: RGBColor = rgb(palette::BASELINE);
pub(crate) const ATTENTION: RGBColor = rgb(palette::ATTENTION);
pub(crate) const WHITE: RGBColor = rgb(palette::WHITE);

/// Fill of a status and the text colour that reads on it.
pub(crate) fn status_colour(status: Status) -> (RGBColor, RGBColor) {
    let fill = palette::status(status);
    (rgb(fill), rgb(palette::ink_on(fill)))
}

/// Text colour that reads on a fill of the palette.
pub(crate) fn ink_on(background: RGBColor) -> RGBColor {
    let RGBColor(r, g, b) = background;
    rgb(palette::ink_on(Rgb(r, g, b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smallest_text_is_eight_points_at_156_mm() {
        assert!(
            points(MIN_SIZE, WIDTH) >= 8.0,
            "{}",
            points(MIN_SIZE, WIDTH)
        );
        assert!(points(MIN_SIZE, WIDTH) < 8.1);
    }
}
