//! Draws a [`Scene`] twice: as an SVG document written here, and as a PNG drawn with
//! plotters at [`PNG_SCALE`] times the layout, for print.
//!
//! SVG text is drawn as paths: each glyph's outline from the bundled font is defined
//! once (`<defs>`) and placed with `<use>`, so the SVG renders the same on a machine
//! without the font (a Word or WPS installation, a browser printing the HTML report)
//! and stays small. The words stay readable to software and screen readers in the
//! document's `<title>` and `<desc>`; the root declares `xml:lang`.
//!
//! PNG text is rasterised here from the same font rather than by plotters, whose
//! bitmap text drawing (0.3.7) drops each glyph's left side bearing (gaps inside words
//! such as "目 标", misplaced full-width brackets). The PNG is encoded here too, so it
//! carries its resolution (a `pHYs` chunk of 300 dpi) and Word and WPS place it at
//! 156 mm.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use clusterkpi_model::Language;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use crate::font::{
    EM_PER_SIZE, MIDDLE_ABOVE_BASELINE, glyph_run, glyphs, outline_path, text_width, units_per_em,
};
use crate::scene::{Align, Item, Scene, Stroke};
use crate::style::WIDTH;

/// Pixels across a 156 mm page at 300 dpi: 156 / 25.4 × 300 = 1842.5, rounded up.
pub(crate) const PNG_WIDTH: f64 = 1843.0;
/// PNG pixels per layout unit.
pub(crate) const PNG_SCALE: f64 = PNG_WIDTH / WIDTH;

/// What the SVG document says about itself: its language, title and the words drawn.
pub(crate) struct SvgMeta<'a> {
    /// Prefix of the glyph ids, unique per chart: several charts are inlined into one
    /// HTML page, where ids must not repeat.
    pub id: &'a str,
    pub lang: Language,
    pub title: &'a str,
}

fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

/// A coordinate with at most two decimals.
fn n(v: f64) -> String {
    let r = (v * 100.0).round() / 100.0;
    if r == 0.0 { "0".into() } else { format!("{r}") }
}

fn stroke_attrs(k: &Stroke) -> String {
    let mut a = format!(
        "stroke=\"{}\" stroke-width=\"{}\"",
        hex(k.color),
        n(k.width)
    );
    if let Some((dash, gap)) = k.dash {
        let _ = write!(a, " stroke-dasharray=\"{} {}\"", n(dash), n(gap));
    }
    a
}

/// Renders the scene as an SVG document with its text drawn as glyph outlines.
pub(crate) fn to_svg(scene: &Scene, meta: &SvgMeta<'_>) -> String {
    let prefix: String = meta
        .id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let upem = units_per_em();
    let mut body = String::new();
    let mut used: BTreeMap<u16, Option<String>> = BTreeMap::new();
    let mut words: Vec<&str> = Vec::new();
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
                let _ = write!(
                    body,
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"",
                    n(x0.min(*x1)),
                    n(y0.min(*y1)),
                    n((x1 - x0).abs()),
                    n((y1 - y0).abs()),
                    fill.map_or_else(|| "none".to_string(), hex)
                );
                if let Some(k) = stroke {
                    let _ = write!(body, " {}", stroke_attrs(k));
                }
                body.push_str("/>\n");
            }
            Item::Path { points, stroke, .. } => {
                let pts: Vec<String> = points
                    .iter()
                    .map(|(x, y)| format!("{},{}", n(*x), n(*y)))
                    .collect();
                let _ = writeln!(
                    body,
                    "<polyline points=\"{}\" fill=\"none\" {}/>",
                    pts.join(" "),
                    stroke_attrs(stroke)
                );
            }
            Item::Circle {
                x,
                y,
                r,
                fill,
                stroke,
            } => {
                let _ = write!(
                    body,
                    "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\"",
                    n(*x),
                    n(*y),
                    n(*r),
                    fill.map_or_else(|| "none".to_string(), hex)
                );
                if let Some(k) = stroke {
                    let _ = write!(body, " {}", stroke_attrs(k));
                }
                body.push_str("/>\n");
            }
            Item::Text {
                text,
                x,
                y,
                size,
                color,
                align,
            } => {
                words.push(text);
                let em = size * EM_PER_SIZE;
                let width = text_width(text, *size);
                let left = match align {
                    Align::Left => *x,
                    Align::Center => x - width / 2.0,
                    Align::Right => x - width,
                };
                let baseline = y + MIDDLE_ABOVE_BASELINE * em;
                let scale = em / upem;
                let _ = write!(
                    body,
                    "<g fill=\"{}\" transform=\"translate({} {}) scale({})\">",
                    hex(*color),
                    n(left),
                    n(baseline),
                    format!("{scale:.7}").trim_end_matches('0')
                );
                for (id, pen) in glyph_run(text) {
                    let outline = used.entry(id).or_insert_with(|| outline_path(id));
                    if outline.is_some() {
                        let _ = write!(
                            body,
                            "<use xlink:href=\"#{prefix}-g{id}\" x=\"{}\"/>",
                            n(pen)
                        );
                    }
                }
                body.push_str("</g>\n");
            }
        }
    }
    let lang = match meta.lang {
        Language::Zh => "zh-CN",
        Language::En => "en",
    };
    let (w, h) = (scene.width.round(), scene.height.round());
    let mut svg = String::with_capacity(body.len() + 64 * used.len() * 16);
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" \
         xml:lang=\"{lang}\" lang=\"{lang}\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
         role=\"img\" aria-labelledby=\"{prefix}-title {prefix}-desc\">"
    );
    let _ = writeln!(
        svg,
        "<title id=\"{prefix}-title\">{}</title>",
        clusterkpi_model::text::escape_markup(meta.title)
    );
    let _ = writeln!(
        svg,
        "<desc id=\"{prefix}-desc\">{}</desc>",
        clusterkpi_model::text::escape_markup(&words.join("\n"))
    );
    svg.push_str("<defs>\n");
    for (id, d) in &used {
        if let Some(d) = d {
            let _ = writeln!(svg, "<path id=\"{prefix}-g{id}\" d=\"{d}\"/>");
        }
    }
    svg.push_str("</defs>\n");
    let _ = writeln!(
        svg,
        "<rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#FFFFFF\"/>"
    );
    svg.push_str(&body);
    svg.push_str("</svg>\n");
    svg
}

/// Renders the scene to a PNG file at 300 dpi for a 156 mm wide page, with the
/// resolution recorded in the file.
pub(crate) fn to_png(scene: &Scene, path: &Path) -> Result<(), String> {
    let (w, h) = (
        px(scene.width, PNG_SCALE) as u32,
        px(scene.height, PNG_SCALE) as u32,
    );
    let mut buffer = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buffer, (w, h)).into_drawing_area();
        draw(scene, &root, PNG_SCALE)?;
        root.present().map_err(|e| e.to_string())?;
    }
    let file = std::fs::File::create(path).map_err(|e| e.to_string())?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_pixel_dims(Some(png::PixelDimensions {
        xppu: DOTS_PER_METRE,
        yppu: DOTS_PER_METRE,
        unit: png::Unit::Meter,
    }));
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer
        .write_image_data(&buffer)
        .map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())
}

/// 300 dots per inch in the unit PNG records: 300 / 0.0254 = 11811 per metre.
pub(crate) const DOTS_PER_METRE: u32 = 11_811;

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
            Item::Path { points, stroke, .. } => {
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
                let width = text_width(text, *size);
                let left = match align {
                    Align::Left => *x,
                    Align::Center => x - width / 2.0,
                    Align::Right => x - width,
                };
                draw_glyphs(root, text, size * s, (left * s, baseline * s), *color).map_err(err)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_text_is_drawn_as_paths_with_its_words_in_the_description() {
        crate::font::ensure_registered().unwrap();
        let mut scene = Scene::new(200.0, 100.0);
        scene.text(
            "R&D 研发研",
            (10.0, 50.0),
            30.0,
            RGBColor(0, 0, 0),
            Align::Left,
        );
        let meta = SvgMeta {
            id: "t",
            lang: Language::Zh,
            title: "图1　R&D",
        };
        let svg = to_svg(&scene, &meta);
        assert!(svg.contains("xml:lang=\"zh-CN\""), "{svg}");
        assert!(
            svg.contains("<title id=\"t-title\">图1　R&amp;D</title>"),
            "{svg}"
        );
        assert!(
            svg.contains("<desc id=\"t-desc\">R&amp;D 研发研</desc>"),
            "{svg}"
        );
        assert!(!svg.contains("<text"), "{svg}");
        // 研 is used twice but defined once; the space has no outline.
        let glyph = glyph_run("研")[0].0;
        assert_eq!(svg.matches(&format!("id=\"t-g{glyph}\"")).count(), 1);
        assert_eq!(svg.matches(&format!("#t-g{glyph}\"")).count(), 2);
        assert_eq!(svg.matches("<use ").count(), 6);
    }
}
