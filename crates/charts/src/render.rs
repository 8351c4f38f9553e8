//! Draws a [`Scene`] twice: as an SVG document written here, and as a PNG drawn with
//! plotters at [`PNG_SCALE`] times the layout, for print.
//!
//! SVG text is drawn as paths: each glyph's outline from the bundled font is defined
//! once (`<defs>`) and placed with `<use>`, so the SVG renders the same on a machine
//! without the font (a Word or WPS installation, a browser printing the HTML report)
//! and stays small. The words stay readable to software and screen readers in the
//! document's `<title>` and `<desc>`; the root declares `xml:lang`.
//!
//! PNG text is rasterised from the same font (`raster.rs`) rather than by plotters, whose
//! bitmap text drawing (0.3.7) drops each glyph's left side bearing (gaps inside words
//! such as "目 标", misplaced full-width brackets). The PNG is encoded here too, so it
//! carries its resolution (a `pHYs` chunk of 300 dpi) and Word and WPS place it at
//! 156 mm.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::rc::Rc;

use clusterkpi_model::Language;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use crate::font::{
    EM_PER_SIZE, MIDDLE_ABOVE_BASELINE, glyph_run, outline_path_kept, text_width, units_per_em,
};
use crate::raster::draw_text;
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
    let mut used: BTreeMap<u16, Option<Rc<str>>> = BTreeMap::new();
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
                    let outline = used.entry(id).or_insert_with(|| outline_path_kept(id));
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
    let size = (
        px(scene.width, PNG_SCALE) as u32,
        px(scene.height, PNG_SCALE) as u32,
    );
    PIXELS.with_borrow_mut(|pixels| {
        // White, as the first thing drawn used to be a white fill of the whole chart.
        pixels.clear();
        pixels.resize(size.0 as usize * size.1 as usize * 3, 0xFF);
        draw(scene, pixels, size, PNG_SCALE)?;
        encode(pixels, size, path)
    })
}

thread_local! {
    /// The pixels of the chart a thread draws, kept for its next chart. A chart is
    /// 7-14 MB of pixels at print resolution: allocated afresh, each one's pages were
    /// faulted in and zeroed before being painted white (0.03-0.04 s of the 0.36 s
    /// the twenty charts of the 24-cluster fixture took to draw and encode on one
    /// thread). The threads that draw a report's charts end with it, and their buffers
    /// with them.
    static PIXELS: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Writes RGB `pixels` of `(width, height)` as a PNG carrying its 300 dpi.
fn encode(pixels: &[u8], (w, h): (u32, u32), path: &Path) -> Result<(), String> {
    let file = std::fs::File::create(path).map_err(|e| e.to_string())?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    // Paeth: each pixel predicted from its left, upper and upper-left neighbours, so
    // the flat fills and straight edges a chart is made of leave runs of zeros both
    // ways. The twenty charts of a 10x report: 7.7 MB against 10.6 with the crate's
    // default (Sub, the left neighbour only), the same pixels, and the Word document,
    // which holds them, 8.5 MB against 11.3. Encoding takes 61 ms of CPU against 47;
    // the smaller files are written in less, and the report stage took as long (five
    // alternated 10x evaluations).
    encoder.set_filter(png::FilterType::Paeth);
    encoder.set_pixel_dims(Some(png::PixelDimensions {
        xppu: DOTS_PER_METRE,
        yppu: DOTS_PER_METRE,
        unit: png::Unit::Meter,
    }));
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(pixels).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())
}

/// 300 dots per inch in the unit PNG records: 300 / 0.0254 = 11811 per metre.
pub(crate) const DOTS_PER_METRE: u32 = 11_811;

fn px(v: f64, scale: f64) -> i32 {
    (v * scale).round() as i32
}

/// Draws the scene's items in order onto white RGB `pixels`: shapes through plotters,
/// text by [`draw_text`].
fn draw(scene: &Scene, pixels: &mut [u8], size: (u32, u32), s: f64) -> Result<(), String> {
    let mut items = scene.items.iter().peekable();
    while items.peek().is_some() {
        {
            let root = BitMapBackend::with_buffer(pixels, size).into_drawing_area();
            while let Some(item) = items.next_if(|i| !matches!(i, Item::Text { .. })) {
                draw_shape(&root, item, s).map_err(|e| e.to_string())?;
            }
            root.present().map_err(|e| e.to_string())?;
        }
        while let Some(Item::Text {
            text,
            x,
            y,
            size: text_size,
            color,
            align,
        }) = items.next_if(|i| matches!(i, Item::Text { .. }))
        {
            let em = text_size * EM_PER_SIZE;
            let baseline = y + MIDDLE_ABOVE_BASELINE * em;
            let width = text_width(text, *text_size);
            let left = match align {
                Align::Left => *x,
                Align::Center => x - width / 2.0,
                Align::Right => x - width,
            };
            draw_text(
                pixels,
                size,
                text,
                text_size * s,
                (left * s, baseline * s),
                *color,
            );
        }
    }
    Ok(())
}

/// Draws one item other than text.
fn draw_shape<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    item: &Item,
    s: f64,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let pt = |(x, y): (f64, f64)| (px(x, s), px(y, s));
    let line_style = |k: &Stroke| ShapeStyle {
        color: k.color.to_rgba(),
        filled: false,
        stroke_width: (k.width * s).round().max(1.0) as u32,
    };
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
                root.draw(&Rectangle::new(corners, fill.filled()))?;
            }
            if let Some(k) = stroke {
                root.draw(&Rectangle::new(corners, line_style(k)))?;
            }
        }
        Item::Path { points, stroke, .. } => {
            let points: Vec<_> = points.iter().copied().map(pt).collect();
            match stroke.dash {
                None => root.draw(&PathElement::new(points, line_style(stroke)))?,
                Some((dash, gap)) => {
                    let (dash, gap) = (px(dash, s).max(1), px(gap, s).max(1));
                    root.draw(&DashedPathElement::new(
                        points,
                        dash,
                        gap,
                        line_style(stroke),
                    ))?;
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
                root.draw(&Circle::new(centre, radius, fill.filled()))?;
            }
            if let Some(k) = stroke {
                root.draw(&Circle::new(centre, radius, line_style(k)))?;
            }
        }
        Item::Text { .. } => {}
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
