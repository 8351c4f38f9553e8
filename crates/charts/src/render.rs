//! Draws a [`Scene`] with plotters: as SVG at layout scale (1 unit = 1 SVG user unit)
//! and as a PNG at [`PNG_SCALE`] times that, for print.
//!
//! PNG text is rasterised here from the bundled font rather than by plotters, whose
//! bitmap text drawing (0.3.7) drops each glyph's left side bearing (gaps inside words
//! such as "目 标", misplaced full-width brackets) and puts the baseline elsewhere than
//! its SVG output does. Both files thus place every text the same way.

use std::path::Path;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::FONT_FAMILY;
use crate::font::{EM_PER_SIZE, MIDDLE_ABOVE_BASELINE, glyphs, text_width, with_font_fallbacks};
use crate::scene::{Align, Item, Scene, Stroke};

/// PNG pixels per layout unit: a 1200-unit page becomes 2400 px, 300 dpi at 20 cm.
pub(crate) const PNG_SCALE: f64 = 2.0;

/// How the two outputs draw text.
#[derive(Clone, Copy)]
enum Text {
    /// A `<text>` element; the viewer's font engine draws it.
    Svg,
    /// Glyphs rasterised here from the bundled font (see [`draw_glyphs`]).
    Pixels,
}

/// Renders the scene as an SVG document (with the font fallback list).
pub(crate) fn to_svg(scene: &Scene) -> Result<String, String> {
    let mut svg = String::new();
    {
        let size = (px(scene.width, 1.0) as u32, px(scene.height, 1.0) as u32);
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        draw(scene, &root, 1.0, Text::Svg)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(trim_text_content(&with_font_fallbacks(&svg)))
}

/// Removes the line breaks plotters puts around each `<text>` element's content: a
/// viewer may render them as spaces, which would shift centred and right-aligned text.
fn trim_text_content(svg: &str) -> String {
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(start) = rest.find("<text ") {
        let Some(open_end) = rest[start..].find('>').map(|i| start + i + 1) else {
            break;
        };
        let Some(close) = rest[open_end..].find("</text>").map(|i| open_end + i) else {
            break;
        };
        out.push_str(&rest[..open_end]);
        out.push_str(rest[open_end..close].trim());
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

/// Renders the scene to a PNG file.
pub(crate) fn to_png(scene: &Scene, path: &Path) -> Result<(), String> {
    let size = (
        px(scene.width, PNG_SCALE) as u32,
        px(scene.height, PNG_SCALE) as u32,
    );
    let root = BitMapBackend::new(path, size).into_drawing_area();
    draw(scene, &root, PNG_SCALE, Text::Pixels)?;
    root.present().map_err(|e| e.to_string())
}

/// Where plotters-svg puts the baseline below a top-anchored text (`dy="0.76em"`).
const SVG_BASELINE_BELOW_TOP: f64 = 0.76;

/// Draws `text` pixel by pixel with anti-aliasing, its pen starting at `(x, baseline)`.
/// Each glyph sits at its own outline bounds, so side bearings and full-width
/// punctuation come out as the font designs them.
fn draw_glyphs<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    size: f64,
    (x, baseline): (f64, f64),
    color: RGBColor,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    for glyph in glyphs(text, size, x, baseline) {
        let bounds = glyph.px_bounds();
        let mut pixels = Vec::new();
        glyph.draw(|gx, gy, coverage| {
            if coverage > 0.0 {
                let px = bounds.min.x as i32 + gx as i32;
                let py = bounds.min.y as i32 + gy as i32;
                pixels.push(((px, py), f64::from(coverage.min(1.0))));
            }
        });
        for (at, coverage) in pixels {
            root.draw_pixel(at, &color.mix(coverage))?;
        }
    }
    Ok(())
}

fn px(v: f64, scale: f64) -> i32 {
    (v * scale).round() as i32
}

fn draw<DB: DrawingBackend>(
    scene: &Scene,
    root: &DrawingArea<DB, Shift>,
    s: f64,
    text_mode: Text,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let pt = |(x, y): (f64, f64)| (px(x, s), px(y, s));
    let line_style = |k: &Stroke| ShapeStyle {
        color: k.color.to_rgba(),
        filled: false,
        stroke_width: (k.width * s).round().max(1.0) as u32,
    };
    root.fill(&WHITE).map_err(err)?;
    for item in &scene.items {
        match item {
            Item::Rect {
                x0,
                y0,
                x1,
                y1,
                fill,
                stroke,
            } => {
                let corners = [pt((*x0, *y0)), pt((*x1, *y1))];
                if let Some(fill) = fill {
                    root.draw(&Rectangle::new(corners, fill.filled()))
                        .map_err(err)?;
                }
                if let Some(k) = stroke {
                    root.draw(&Rectangle::new(corners, line_style(k)))
                        .map_err(err)?;
                }
            }
            Item::Path { points, stroke } => {
                let points: Vec<_> = points.iter().copied().map(pt).collect();
                match stroke.dash {
                    None => root
                        .draw(&PathElement::new(points, line_style(stroke)))
                        .map_err(err)?,
                    Some((dash, gap)) => {
                        let (dash, gap) = (px(dash, s).max(1), px(gap, s).max(1));
                        root.draw(&DashedPathElement::new(
                            points,
                            dash,
                            gap,
                            line_style(stroke),
                        ))
                        .map_err(err)?;
                    }
                }
            }
            Item::Circle {
                x,
                y,
                r,
                fill,
                stroke,
            } => {
                let centre = pt((*x, *y));
                let radius = (r * s).round().max(1.0) as u32;
                if let Some(fill) = fill {
                    root.draw(&Circle::new(centre, radius, fill.filled()))
                        .map_err(err)?;
                }
                if let Some(k) = stroke {
                    root.draw(&Circle::new(centre, radius, line_style(k)))
                        .map_err(err)?;
                }
            }
            Item::Text {
                text,
                x,
                y,
                size,
                color,
                align,
            } => {
                let em = size * EM_PER_SIZE;
                let baseline = y + MIDDLE_ABOVE_BASELINE * em;
                match text_mode {
                    Text::Svg => {
                        let h = match align {
                            Align::Left => HPos::Left,
                            Align::Center => HPos::Center,
                            Align::Right => HPos::Right,
                        };
                        let style = TextStyle::from((FONT_FAMILY, size * s).into_font())
                            .color(color)
                            .pos(Pos::new(h, VPos::Top));
                        // plotters-svg puts a top-anchored text's baseline 0.76 em down.
                        let top = baseline - SVG_BASELINE_BELOW_TOP * em;
                        root.draw_text(text, &style, pt((*x, top))).map_err(err)?;
                    }
                    Text::Pixels => {
                        let width = text_width(text, *size);
                        let left = match align {
                            Align::Left => *x,
                            Align::Center => x - width / 2.0,
                            Align::Right => x - width,
                        };
                        draw_glyphs(root, text, size * s, (left * s, baseline * s), *color)
                            .map_err(err)?;
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_text_content_is_trimmed_and_escaped() {
        crate::font::ensure_registered().unwrap();
        let mut scene = Scene::new(200.0, 100.0);
        scene.text(
            "R&D 研发",
            (10.0, 50.0),
            20.0,
            RGBColor(0, 0, 0),
            Align::Left,
        );
        let svg = to_svg(&scene).unwrap();
        assert!(svg.contains(">R&amp;D 研发</text>"), "{svg}");
        assert_eq!(
            trim_text_content("<text x=\"1\">\n a \n</text><text y=\"2\">b</text>"),
            "<text x=\"1\">a</text><text y=\"2\">b</text>"
        );
    }
}
