//! A chart as a display list: rectangles, lines, circles and text placed in layout
//! units (a 1200-unit-wide page). Chart modules only build scenes; [`crate::render`]
//! draws one scene to both SVG and PNG at different scales, so the two files always
//! show the same layout, and tests can check the layout (text inside the page, no two
//! labels overlapping) without looking at pixels.

use plotters::style::RGBColor;

use crate::font::text_width;

/// Horizontal alignment of a text relative to its anchor point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
    Right,
}

/// How a line is stroked; widths and dash lengths in layout units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Stroke {
    pub color: RGBColor,
    pub width: f64,
    /// `(dash, gap)` for a dashed line.
    pub dash: Option<(f64, f64)>,
}

impl Stroke {
    pub(crate) fn solid(color: RGBColor, width: f64) -> Self {
        Self {
            color,
            width,
            dash: None,
        }
    }

    pub(crate) fn dashed(color: RGBColor, width: f64, dash: f64, gap: f64) -> Self {
        Self {
            color,
            width,
            dash: Some((dash, gap)),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item {
    Rect {
        x0: f64,
        y0: f64,
        x1: f64,
        y1: f64,
        fill: Option<RGBColor>,
        stroke: Option<Stroke>,
    },
    Path {
        points: Vec<(f64, f64)>,
        stroke: Stroke,
        /// A reference line (target, baseline, 100%): no text may lie across it.
        rule: bool,
    },
    Circle {
        x: f64,
        y: f64,
        r: f64,
        fill: Option<RGBColor>,
        stroke: Option<Stroke>,
    },
    /// `y` is the visual middle of the glyphs, which the renderer turns into each
    /// backend's own anchor (plotters places text differently in SVG and bitmaps).
    Text {
        text: String,
        x: f64,
        y: f64,
        size: f64,
        color: RGBColor,
        align: Align,
    },
}

/// A straight line from one point to another, in layout units.
pub(crate) type Segment = ((f64, f64), (f64, f64));

/// The axis-aligned box a drawn text covers, in layout units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TextBox {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl TextBox {
    pub(crate) fn overlaps(&self, other: &TextBox) -> bool {
        self.x0 < other.x1 && other.x0 < self.x1 && self.y0 < other.y1 && other.y0 < self.y1
    }

    /// Whether the segment from `a` to `b` passes through the box (clipped against it).
    pub(crate) fn crossed_by(&self, a: (f64, f64), b: (f64, f64)) -> bool {
        let (mut t0, mut t1) = (0.0f64, 1.0f64);
        let d = (b.0 - a.0, b.1 - a.1);
        for (p, q) in [
            (-d.0, a.0 - self.x0),
            (d.0, self.x1 - a.0),
            (-d.1, a.1 - self.y0),
            (d.1, self.y1 - a.1),
        ] {
            if p.abs() < 1e-12 {
                if q <= 0.0 {
                    return false;
                }
            } else {
                let r = q / p;
                if p < 0.0 {
                    t0 = t0.max(r);
                } else {
                    t1 = t1.min(r);
                }
            }
        }
        t0 < t1
    }

    /// Whether any of the segments passes through the box.
    pub(crate) fn crossed_by_any(&self, segments: &[Segment]) -> bool {
        segments.iter().any(|(a, b)| self.crossed_by(*a, *b))
    }
}

/// Half the visual height of a line of text, as a share of the font size: hanzi span
/// 0.91 em and an em is size / 1.24, so half is 0.37; rounded up for a little air.
const HALF_HEIGHT: f64 = 0.4;

/// A page of drawing items.
#[derive(Debug, Clone)]
pub(crate) struct Scene {
    pub width: f64,
    pub height: f64,
    pub items: Vec<Item>,
}

impl Scene {
    pub(crate) fn new(width: f64, height: f64) -> Self {
        Self {
            width,
            height,
            items: Vec::new(),
        }
    }

    pub(crate) fn rect(
        &mut self,
        (x0, y0): (f64, f64),
        (x1, y1): (f64, f64),
        fill: Option<RGBColor>,
        stroke: Option<Stroke>,
    ) {
        self.items.push(Item::Rect {
            x0,
            y0,
            x1,
            y1,
            fill,
            stroke,
        });
    }

    pub(crate) fn path(&mut self, points: Vec<(f64, f64)>, stroke: Stroke) {
        if points.len() >= 2 {
            self.items.push(Item::Path {
                points,
                stroke,
                rule: false,
            });
        }
    }

    /// A reference line (a target or baseline): the layout keeps text off it, and the
    /// tests check that no text box is crossed by one.
    pub(crate) fn rule(&mut self, from: (f64, f64), to: (f64, f64), stroke: Stroke) {
        self.items.push(Item::Path {
            points: vec![from, to],
            stroke,
            rule: true,
        });
    }

    /// The reference lines drawn so far, as segments.
    pub(crate) fn rules(&self) -> Vec<Segment> {
        self.items
            .iter()
            .filter_map(|item| match item {
                Item::Path {
                    points, rule: true, ..
                } => Some(points.windows(2).map(|w| (w[0], w[1])).collect::<Vec<_>>()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    pub(crate) fn line(&mut self, from: (f64, f64), to: (f64, f64), stroke: Stroke) {
        self.path(vec![from, to], stroke);
    }

    pub(crate) fn circle(
        &mut self,
        (x, y): (f64, f64),
        r: f64,
        fill: Option<RGBColor>,
        stroke: Option<Stroke>,
    ) {
        self.items.push(Item::Circle {
            x,
            y,
            r,
            fill,
            stroke,
        });
    }

    /// A one-line text whose glyphs are vertically centred on `y`. Every label of every
    /// chart passes here, so this is where text is made safe to draw
    /// ([`crate::text::clean`]).
    pub(crate) fn text(
        &mut self,
        text: impl Into<String>,
        (x, y): (f64, f64),
        size: f64,
        color: RGBColor,
        align: Align,
    ) {
        let text: String = text.into();
        let text = match crate::text::clean(&text) {
            std::borrow::Cow::Borrowed(_) => text,
            std::borrow::Cow::Owned(cleaned) => cleaned,
        };
        if !text.is_empty() {
            self.items.push(Item::Text {
                text,
                x,
                y,
                size,
                color,
                align,
            });
        }
    }

    /// Every text item with the box it covers.
    pub(crate) fn text_boxes(&self) -> Vec<(&str, TextBox)> {
        self.items
            .iter()
            .filter_map(|item| match item {
                Item::Text {
                    text,
                    x,
                    y,
                    size,
                    align,
                    ..
                } => Some((text.as_str(), text_box(text, *x, *y, *size, *align))),
                _ => None,
            })
            .collect()
    }
}

/// The box a text drawn at `(x, y)` covers.
pub(crate) fn text_box(text: &str, x: f64, y: f64, size: f64, align: Align) -> TextBox {
    let w = text_width(text, size);
    let x0 = match align {
        Align::Left => x,
        Align::Center => x - w / 2.0,
        Align::Right => x - w,
    };
    TextBox {
        x0,
        y0: y - HALF_HEIGHT * size,
        x1: x0 + w,
        y1: y + HALF_HEIGHT * size,
    }
}

#[cfg(test)]
pub(crate) mod check {
    //! Layout checks shared by the chart modules' tests.

    use super::Scene;

    use super::Item;
    use crate::style::{MIN_SIZE, WIDTH, points};

    /// Panics naming the texts that leave the page, overlap another text, are struck by
    /// a reference line or print smaller than 8 pt at 156 mm.
    pub(crate) fn assert_clean_layout(scene: &Scene) {
        let boxes = scene.text_boxes();
        assert!(
            scene.width <= WIDTH,
            "page {} units wide: printed at 156 mm its text would shrink",
            scene.width
        );
        let rules = scene.rules();
        for item in &scene.items {
            if let Item::Text { text, size, .. } = item {
                assert!(
                    *size >= MIN_SIZE && points(*size, scene.width) >= 8.0,
                    "text {text:?} at size {size}: {:.2} pt",
                    points(*size, scene.width)
                );
            }
        }
        for (text, b) in &boxes {
            assert!(
                !b.crossed_by_any(&rules),
                "text {text:?} {b:?} is struck by a reference line"
            );
        }
        for (text, b) in &boxes {
            assert!(
                b.x0 >= 0.0 && b.y0 >= 0.0 && b.x1 <= scene.width && b.y1 <= scene.height,
                "text {text:?} leaves the {}x{} page: {b:?}",
                scene.width,
                scene.height
            );
        }
        for (i, (ta, a)) in boxes.iter().enumerate() {
            for (tb, b) in &boxes[i + 1..] {
                assert!(
                    !a.overlaps(b),
                    "texts {ta:?} {a:?} and {tb:?} {b:?} overlap"
                );
            }
        }
    }
}
