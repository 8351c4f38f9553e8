//! Draws a [`Scene`] with plotters: as SVG text at layout scale (1 unit = 1 SVG user
//! unit) and as a PNG at [`PNG_SCALE`] times that, for print.

use std::path::Path;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::FONT_FAMILY;
use crate::font::with_font_fallbacks;
use crate::scene::{Align, Item, Scene, Stroke};

/// PNG pixels per layout unit: a 1200-unit page becomes 2400 px, 300 dpi at 20 cm.
pub(crate) const PNG_SCALE: f64 = 2.0;

/// Where plotters puts the visual middle of the glyphs below a top-anchored text, as a
/// share of the font size. Measured from its code and the font's metrics: the bitmap
/// backend puts the baseline at half the size below the anchor and scales the font so
/// that size = ascent + descent (1.17 em); the SVG backend writes `dy="0.76em"` with
/// `font-size = size / 1.24`. Hanzi and capitals are centred 0.356 em above the baseline.
const MIDDLE_BELOW_TOP_PNG: f64 = 0.196;
const MIDDLE_BELOW_TOP_SVG: f64 = 0.326;

/// Renders the scene as an SVG document (with the font fallback list).
pub(crate) fn to_svg(scene: &Scene) -> Result<String, String> {
    let mut svg = String::new();
    {
        let size = (px(scene.width, 1.0) as u32, px(scene.height, 1.0) as u32);
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        draw(scene, &root, 1.0, MIDDLE_BELOW_TOP_SVG)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(with_font_fallbacks(&svg))
}

/// Renders the scene to a PNG file.
pub(crate) fn to_png(scene: &Scene, path: &Path) -> Result<(), String> {
    let size = (px(scene.width, PNG_SCALE) as u32, px(scene.height, PNG_SCALE) as u32);
    let root = BitMapBackend::new(path, size).into_drawing_area();
    draw(scene, &root, PNG_SCALE, MIDDLE_BELOW_TOP_PNG)?;
    root.present().map_err(|e| e.to_string())
}

fn px(v: f64, scale: f64) -> i32 {
    (v * scale).round() as i32
}

fn draw<DB: DrawingBackend>(scene: &Scene, root: &DrawingArea<DB, Shift>, s: f64, middle_below_top: f64) -> Result<(), String> {
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
            Item::Rect { x0, y0, x1, y1, fill, stroke } => {
                let corners = [pt((*x0, *y0)), pt((*x1, *y1))];
                if let Some(fill) = fill {
                    root.draw(&Rectangle::new(corners, fill.filled())).map_err(err)?;
                }
                if let Some(k) = stroke {
                    root.draw(&Rectangle::new(corners, line_style(k))).map_err(err)?;
                }
            }
            Item::Path { points, stroke } => {
                let points: Vec<_> = points.iter().copied().map(pt).collect();
                match stroke.dash {
                    None => root.draw(&PathElement::new(points, line_style(stroke))).map_err(err)?,
                    Some((dash, gap)) => {
                        let (dash, gap) = (px(dash, s).max(1), px(gap, s).max(1));
                        root.draw(&DashedPathElement::new(points, dash, gap, line_style(stroke))).map_err(err)?;
                    }
                }
            }
            Item::Circle { x, y, r, fill, stroke } => {
                let centre = pt((*x, *y));
                let radius = (r * s).round().max(1.0) as u32;
                if let Some(fill) = fill {
                    root.draw(&Circle::new(centre, radius, fill.filled())).map_err(err)?;
                }
                if let Some(k) = stroke {
                    root.draw(&Circle::new(centre, radius, line_style(k))).map_err(err)?;
                }
            }
            Item::Text { text, x, y, size, color, align } => {
                let h = match align {
                    Align::Left => HPos::Left,
                    Align::Center => HPos::Center,
                    Align::Right => HPos::Right,
                };
                let style = TextStyle::from((FONT_FAMILY, size * s).into_font())
                    .color(color)
                    .pos(Pos::new(h, VPos::Top));
                let top = y - middle_below_top * size;
                root.draw_text(text, &style, pt((*x, top))).map_err(err)?;
            }
        }
    }
    Ok(())
}
