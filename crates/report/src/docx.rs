//! `report.docx`: the report's content as an editable Word document laid out as an
//! official document after GB/T 9704-2012 (党政机关公文格式).
//!
//! The page: A4, margins 37 mm top, 28 mm inside (binding), 35 mm bottom, 26 mm outside,
//! mirrored for double-sided printing; body 3号 (16 pt) 仿宋 on a 22-line × 28-character
//! grid; title 2号 小标宋 centred; headings 一、 in 黑体 and （一） in 楷体; paragraphs
//! indented two characters; page numbers "— 1 —" in 4号 宋体 at the outside edge (odd
//! pages right, even pages left). Tables are real Word tables with a repeated header
//! row, captioned 表n with their unit at the top right; charts are the chart stage's
//! PNGs at their own resolution (300 dpi), at most 156 mm (the text width) wide,
//! captioned 图n under them. Fonts are named, not embedded, and every run names its
//! East Asian font, so Word and WPS never fall back to a Latin font for Chinese text.
//!
//! docx-rs writes the body, styles, footers, relationships and media. Three parts it
//! cannot express are finished here on its uncompressed parts before zipping (see
//! [`finish`]): `settings.xml` (mirror margins; even and odd footers in schema order),
//! `fontTable.xml` (the 公文 fonts with the names they fall back to) and the
//! repeated header row of each table (`w:tblHeader`).

use std::io::{self, Cursor};
use std::path::Path;

use clusterkpi_model::Status;
use clusterkpi_model::display::palette;
use docx_rs::{
    AlignmentType, DocGrid, DocGridType, Docx, FieldCharType, Footer, Hyperlink, HyperlinkType,
    InstrPAGE, InstrText, LineSpacing, LineSpacingType, PageMargin, Paragraph, Pic, Run, RunFonts,
    Shading, ShdType, SpecialIndentType, Style, StyleType, Table as WTable, TableAlignmentType,
    TableCell, TableCellMargins, TableLayoutType, TableRow, VAlignType, WidthType,
};

use crate::content::{Block, Cell, Document, Row, Style as CellStyle, Table};

// ── Geometry (twips: 1/1440 inch; EMU: 1/914400 inch) ─────────────────────────────────

const fn mm_to_twips(mm: u32) -> i32 {
    // Rounded to the nearest twip.
    ((mm * 14400 + 127) / 254) as i32
}

const PAGE_W: u32 = 11906; // 210 mm
const PAGE_H: u32 = 16838; // 297 mm
const MARGIN_TOP: i32 = mm_to_twips(37);
const MARGIN_BOTTOM: i32 = mm_to_twips(35);
const MARGIN_INSIDE: i32 = mm_to_twips(28);
const MARGIN_OUTSIDE: i32 = mm_to_twips(26);
/// The page number's line sits about 7 mm below the text block (GB/T 9704 7.5): its
/// bottom is 22 mm above the page's edge.
const FOOTER_DISTANCE: i32 = mm_to_twips(22);
const HEADER_DISTANCE: i32 = mm_to_twips(15);
/// 210 − 28 − 26 = 156 mm.
pub(crate) const TEXT_WIDTH_MM: u32 = 156;
const TEXT_WIDTH: i32 = mm_to_twips(TEXT_WIDTH_MM);
/// 22 lines on the 225 mm text height: 225 mm / 22 = 28.95 pt = 579 twips.
pub(crate) const LINE_PITCH: i32 = 579;
/// 28 characters on the 156 mm line need a pitch of at most 15.79 pt for a 16 pt font:
/// 3号 runs are condensed by 0.25 pt (in twentieths of a point), 28 × 15.75 pt fitting
/// the 442.2 pt line. Not a character grid (`w:type="linesAndChars"`,
/// `w:charSpace="-849"`): Word and WPS squeeze 16 pt characters into its 15.79 pt
/// cells, but LibreOffice gives each one and a half cells, 19 characters a line.
pub(crate) const CONDENSED: i32 = -5;
const EMU_PER_INCH: u64 = 914_400;
/// The widest a chart may be: the text width.
pub(crate) const MAX_IMAGE_EMU: u64 = TEXT_WIDTH_MM as u64 * 36_000;
/// The resolution the chart stage writes; assumed when a PNG does not say.
pub(crate) const DEFAULT_DPI: f64 = 300.0;

// ── Fonts and sizes (half-points) ──────────────────────────────────────────────────────

const FANGSONG: &str = "仿宋_GB2312";
const HEITI: &str = "黑体";
const KAITI: &str = "楷体_GB2312";
const XIAOBIAOSONG: &str = "方正小标宋简体";
const SONGTI: &str = "宋体";
/// Latin letters and digits beside the Chinese text.
const LATIN: &str = "Times New Roman";

/// 2号.
const SIZE_TITLE: usize = 44;
/// 3号: body and headings.
const SIZE_BODY: usize = 32;
/// 4号: page numbers, captions, notes.
const SIZE_SMALL: usize = 28;
/// 小四: the unit line above a table.
const SIZE_UNIT: usize = 24;
/// 五号 (10.5 pt, the smallest the report allows): table text, so that a scorecard
/// of eight columns fits the 156 mm line.
const SIZE_TABLE: usize = 21;

#[derive(Clone, Copy)]
struct Font {
    east_asia: &'static str,
    latin: &'static str,
    size: usize,
    bold: bool,
}

const BODY: Font = Font {
    east_asia: FANGSONG,
    latin: LATIN,
    size: SIZE_BODY,
    bold: false,
};
const TITLE: Font = Font {
    east_asia: XIAOBIAOSONG,
    latin: LATIN,
    size: SIZE_TITLE,
    bold: false,
};
const H1: Font = Font {
    east_asia: HEITI,
    latin: LATIN,
    size: SIZE_BODY,
    bold: false,
};
const H2: Font = Font {
    east_asia: KAITI,
    latin: LATIN,
    size: SIZE_BODY,
    bold: false,
};
const CAPTION: Font = Font {
    east_asia: HEITI,
    latin: LATIN,
    size: SIZE_SMALL,
    bold: false,
};
const NOTE: Font = Font {
    east_asia: FANGSONG,
    latin: LATIN,
    size: SIZE_SMALL,
    bold: false,
};
const UNIT: Font = Font {
    east_asia: FANGSONG,
    latin: LATIN,
    size: SIZE_UNIT,
    bold: false,
};
const CELL: Font = Font {
    east_asia: FANGSONG,
    latin: LATIN,
    size: SIZE_TABLE,
    bold: false,
};
const CELL_HEAD: Font = Font {
    east_asia: HEITI,
    latin: LATIN,
    size: SIZE_TABLE,
    bold: false,
};
const PAGE_NUMBER: Font = Font {
    east_asia: SONGTI,
    latin: SONGTI,
    size: SIZE_SMALL,
    bold: false,
};

impl Font {
    fn fonts(self) -> RunFonts {
        RunFonts::new()
            .ascii(self.latin)
            .hi_ansi(self.latin)
            .cs(self.latin)
            .east_asia(self.east_asia)
    }

    /// A run of `text` in this font: every run names its East Asian font; 3号 runs are
    /// condensed to 28 characters a line.
    fn run(self, text: &str) -> Run {
        let mut r = Run::new()
            .add_text(text)
            .fonts(self.fonts())
            .size(self.size);
        if self.size == SIZE_BODY {
            r = r.character_spacing(CONDENSED);
        }
        if self.bold {
            r = r.bold();
        }
        r
    }

    fn bold(self) -> Self {
        Font { bold: true, ..self }
    }

    fn style(self, id: &str, name: &str) -> Style {
        let mut s = Style::new(id, StyleType::Paragraph)
            .name(name)
            .fonts(self.fonts())
            .size(self.size);
        if self.bold {
            s = s.bold();
        }
        s
    }
}

// ── Paragraph kinds ───────────────────────────────────────────────────────────────────

/// Body lines on the grid: one line of 28.95 pt each.
fn exact_lines() -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Exact)
        .line(LINE_PITCH)
}

/// Single spacing off the grid, for tables, captions and images, which would otherwise
/// take a whole grid line per text line (or clip an image to one).
fn single() -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Auto)
        .line(240)
        .before(0)
        .after(0)
}

/// Indented two characters: the twips here, `firstLineChars` added in [`finish`] (docx-rs
/// keeps it out of the XML), which Word and WPS prefer as it follows the grid.
fn indented(p: Paragraph, size: usize) -> Paragraph {
    p.indent(None, Some(two_chars(size)), None, None)
}

fn two_chars(size: usize) -> SpecialIndentType {
    SpecialIndentType::FirstLine((size * 20) as i32)
}

fn body_para(text: &str, font: Font) -> Paragraph {
    indented(
        Paragraph::new()
            .style("Body")
            .align(AlignmentType::Both)
            .line_spacing(exact_lines())
            .add_run(font.run(text)),
        font.size,
    )
}

fn centred(text: &str, font: Font, style: &str) -> Paragraph {
    Paragraph::new()
        .style(style)
        .align(AlignmentType::Center)
        .snap_to_grid(false)
        .add_run(font.run(text))
}

// ── Rendering ─────────────────────────────────────────────────────────────────────────

/// Renders the document; charts are read from `dir` (the report folder being built),
/// where the chart stage wrote them.
pub(crate) fn render(doc: &Document, dir: &Path) -> io::Result<Vec<u8>> {
    let zh = doc.lang_attr.starts_with("zh");
    let mut w = Writer {
        zh,
        docx: Some(base()),
        section: 0,
        heading: 0,
        table: 0,
        figure: 0,
        bookmark: 0,
        image: 0,
        dir,
    };
    for (i, block) in doc.blocks.iter().enumerate() {
        w.block(block, &doc.blocks[i + 1..])?;
    }
    let docx = w.docx.take().unwrap_or_default();
    finish(docx)
}

/// The page, the styles and the two footers.
fn base() -> Docx {
    let mut docx = Docx::new()
        .page_size(PAGE_W, PAGE_H)
        .page_margin(
            PageMargin::new()
                .top(MARGIN_TOP)
                .bottom(MARGIN_BOTTOM)
                // With mirror margins "left" is the inside and "right" the outside.
                .left(MARGIN_INSIDE)
                .right(MARGIN_OUTSIDE)
                .header(HEADER_DISTANCE)
                .footer(FOOTER_DISTANCE)
                .gutter(0),
        )
        .default_fonts(BODY.fonts())
        .default_size(SIZE_BODY)
        .add_style(
            BODY.style("Body", "Body Text")
                .line_spacing(exact_lines())
                .align(AlignmentType::Both)
                .indent(None, Some(two_chars(SIZE_BODY)), None, None),
        )
        .add_style(TITLE.style("Title", "Title").align(AlignmentType::Center))
        .add_style(
            H1.style("Heading1", "heading 1")
                .outline_lvl(0)
                .line_spacing(exact_lines())
                .indent(None, Some(two_chars(SIZE_BODY)), None, None),
        )
        .add_style(
            H2.style("Heading2", "heading 2")
                .outline_lvl(1)
                .line_spacing(exact_lines())
                .indent(None, Some(two_chars(SIZE_BODY)), None, None),
        )
        .add_style(
            CAPTION
                .style("Caption", "caption")
                .align(AlignmentType::Center)
                .line_spacing(single()),
        )
        .add_style(NOTE.style("Note", "Note").line_spacing(exact_lines()))
        .add_style(CELL.style("TableText", "Table Text").line_spacing(single()))
        .add_style(PAGE_NUMBER.style("Footer", "footer"))
        .footer(page_number_footer(AlignmentType::Right))
        .even_footer(page_number_footer(AlignmentType::Left));
    docx.document = docx.document.doc_grid(
        DocGrid::new()
            .grid_type(DocGridType::Lines)
            .line_pitch(LINE_PITCH as usize),
    );
    docx
}

/// "— 1 —" with a PAGE field, one character in from the outside edge (odd pages right,
/// even pages left, GB/T 9704 7.5).
fn page_number_footer(align: AlignmentType) -> Footer {
    let one_char = (SIZE_SMALL * 10) as i32;
    let (start, end) = match align {
        AlignmentType::Left => (Some(one_char), None),
        _ => (None, Some(one_char)),
    };
    let mut p = Paragraph::new().style("Footer").align(align);
    p = p.indent(start, None, end, None);
    // The dashes are East Asian text (一字线): the hint makes Word take 宋体's full-width
    // glyph for them rather than the Latin font's.
    let dash = |t: &str| {
        Run::new()
            .add_text(t)
            .fonts(PAGE_NUMBER.fonts().hint("eastAsia"))
            .size(SIZE_SMALL)
    };
    let field = |r: Run| r.fonts(PAGE_NUMBER.fonts()).size(SIZE_SMALL);
    p = p
        .add_run(dash("— "))
        .add_run(field(
            Run::new().add_field_char(FieldCharType::Begin, false),
        ))
        .add_run(field(
            Run::new().add_instr_text(InstrText::PAGE(InstrPAGE::new())),
        ))
        .add_run(field(
            Run::new().add_field_char(FieldCharType::Separate, false),
        ))
        .add_run(field(Run::new().add_text("1")))
        .add_run(field(Run::new().add_field_char(FieldCharType::End, false)))
        .add_run(dash(" —"));
    Footer::new().add_paragraph(p)
}

struct Writer<'a> {
    zh: bool,
    /// `Option` so the builder methods (which take `self`) can be chained in place.
    docx: Option<Docx>,
    section: usize,
    /// （一）… counter, restarted by each section.
    heading: usize,
    table: usize,
    figure: usize,
    bookmark: usize,
    image: usize,
    dir: &'a Path,
}

impl Writer<'_> {
    fn para(&mut self, p: Paragraph) {
        self.docx = self.docx.take().map(|d| d.add_paragraph(p));
    }

    fn add_table(&mut self, t: WTable) {
        self.docx = self.docx.take().map(|d| d.add_table(t));
    }

    fn block(&mut self, block: &Block, rest: &[Block]) -> io::Result<()> {
        match block {
            Block::Headline {
                title,
                subtitle,
                facts,
            } => {
                self.para(
                    centred(title, TITLE, "Title").line_spacing(
                        LineSpacing::new()
                            .line_rule(LineSpacingType::Exact)
                            .line(700)
                            .before(0)
                            .after(0),
                    ),
                );
                self.para(
                    centred(subtitle, H2, "Body")
                        .line_spacing(exact_lines().after(LINE_PITCH as u32))
                        .indent(None, None, None, None),
                );
                // The facts as a 2-column list under the title, in the body font.
                for (label, value, alert) in facts {
                    let colon = if self.zh { "：" } else { ": " };
                    let p = indented(
                        Paragraph::new()
                            .style("Body")
                            .line_spacing(exact_lines())
                            .add_run(BODY.run(&format!("{label}{colon}")))
                            .add_run(if *alert {
                                BODY.bold().run(value)
                            } else {
                                BODY.run(value)
                            }),
                        SIZE_BODY,
                    );
                    self.para(p);
                }
            }
            Block::Section {
                id,
                title,
                page_break: _,
            } => {
                // Sections run on without a page break, as in an official document
                // (the HTML's page per section left pages mostly blank here).
                self.section += 1;
                self.heading = 0;
                let text = self.section_title(title, self.section);
                self.bookmark += 1;
                let p = Paragraph::new()
                    .style("Heading1")
                    .keep_next(true)
                    .add_bookmark_start(self.bookmark, id)
                    .add_run(H1.run(&text))
                    .add_bookmark_end(self.bookmark);
                self.para(p);
            }
            Block::Heading(s) => {
                self.heading += 1;
                let text = if self.zh && !s.starts_with('（') {
                    format!("（{}）{s}", chinese_numeral(self.heading))
                } else {
                    s.clone()
                };
                self.para(
                    Paragraph::new()
                        .style("Heading2")
                        .keep_next(true)
                        .add_run(H2.run(&text)),
                );
            }
            Block::Para(s) => self.para(body_para(s, BODY)),
            Block::Note(s) => self.para(indented(
                Paragraph::new()
                    .style("Note")
                    .align(AlignmentType::Both)
                    .line_spacing(exact_lines())
                    .add_run(NOTE.run(s)),
                SIZE_SMALL,
            )),
            // Official documents use no bullet glyphs: each item is its own indented
            // paragraph.
            Block::Bullets(items) => {
                for i in items {
                    self.para(body_para(i, BODY));
                }
            }
            Block::Numbered(items) => {
                let sep = if self.zh { "．" } else { ". " };
                for (n, i) in items.iter().enumerate() {
                    self.para(body_para(&format!("{}{sep}{i}", n + 1), BODY));
                }
            }
            Block::MainPoints { title, points } => {
                self.para(
                    Paragraph::new()
                        .style("Heading1")
                        .keep_next(true)
                        .add_run(H1.run(title)),
                );
                for p in points {
                    self.para(body_para(p, BODY));
                }
            }
            Block::Contents { title } => {
                self.para(
                    Paragraph::new()
                        .style("Heading1")
                        .align(AlignmentType::Center)
                        .indent(None, None, None, None)
                        .keep_next(true)
                        .add_run(H1.run(title)),
                );
                // A static list linked to the sections' bookmarks: a TOC field would
                // show nothing until the reader updates it (and WPS asks first).
                let mut n = self.section;
                for b in rest {
                    if let Block::Section { id, title, .. } = b {
                        n += 1;
                        let text = self.section_title(title, n);
                        self.para(indented(
                            Paragraph::new()
                                .style("Body")
                                .line_spacing(exact_lines())
                                .add_hyperlink(
                                    Hyperlink::new(id, HyperlinkType::Anchor)
                                        .add_run(BODY.run(&text)),
                                ),
                            SIZE_BODY,
                        ));
                    }
                }
            }
            Block::PartialNote { text, link } => self.para(indented(
                Paragraph::new()
                    .style("Body")
                    .line_spacing(exact_lines())
                    .add_hyperlink(
                        Hyperlink::new(link, HyperlinkType::Anchor).add_run(BODY.bold().run(text)),
                    ),
                SIZE_BODY,
            )),
            Block::Chart { caption, png, .. } => self.chart(caption, png)?,
            Block::Table(t) => self.table(t),
        }
        Ok(())
    }

    /// "一、标题" (or "1. Title" in English), whatever number the content gave it.
    fn section_title(&self, title: &str, n: usize) -> String {
        let bare = strip_number(title);
        if self.zh {
            format!("{}、{bare}", chinese_numeral(n))
        } else {
            format!("{n}. {bare}")
        }
    }

    fn chart(&mut self, caption: &str, png: &str) -> io::Result<()> {
        let path = self.dir.join(png);
        let bytes = std::fs::read(&path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        let (px_w, px_h, dpi) = png_size(&bytes).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: not a PNG", path.display()),
            )
        })?;
        let (w, h) = image_emu(px_w, px_h, dpi);
        self.image += 1;
        let pic = Pic::new_with_dimensions(bytes, px_w, px_h)
            .id(format!("rIdImage{}", self.image))
            .size(w, h);
        self.para(
            Paragraph::new()
                .style("Caption")
                .align(AlignmentType::Center)
                .line_spacing(single())
                .keep_next(true)
                .add_run(Run::new().add_image(pic)),
        );
        self.figure += 1;
        let caption = self.numbered(caption, self.figure, "图", "Figure");
        self.para(
            centred(&caption, CAPTION, "Caption")
                .line_spacing(single().after(LINE_PITCH as u32 / 2)),
        );
        Ok(())
    }

    /// The caption as given when it already carries its number (content.rs numbers
    /// them), else with `prefix` and `n`.
    fn numbered(&self, caption: &str, n: usize, zh: &str, en: &str) -> String {
        let has_number = |p: &str| {
            caption
                .strip_prefix(p)
                .and_then(|r| r.chars().next())
                .is_some_and(|c| c.is_ascii_digit())
        };
        if has_number(zh) || has_number(&format!("{en} ")) {
            caption.to_string()
        } else if self.zh {
            format!("{zh}{n}　{caption}")
        } else {
            format!("{en} {n}. {caption}")
        }
    }

    fn table(&mut self, t: &Table) {
        if let Some(caption) = &t.caption {
            self.table += 1;
            let caption = self.numbered(caption, self.table, "表", "Table");
            self.para(
                centred(&caption, CAPTION, "Caption")
                    .keep_next(true)
                    .line_spacing(single().before(LINE_PITCH as u32 / 2)),
            );
        }
        if let Some(unit) = &t.unit {
            self.para(
                Paragraph::new()
                    .style("TableText")
                    .align(AlignmentType::Right)
                    .keep_next(true)
                    .line_spacing(single())
                    .add_run(UNIT.run(unit)),
            );
        }
        let widths = column_widths(t);
        let cols = widths.len();
        let mut rows = vec![
            TableRow::new(
                t.head
                    .iter()
                    .zip(&widths)
                    .map(|(h, w)| head_cell(h, *w))
                    .collect(),
            )
            .cant_split(),
        ];
        for row in &t.rows {
            rows.push(match row {
                Row::Group(label) => TableRow::new(vec![
                    TableCell::new()
                        .grid_span(cols)
                        .width(TEXT_WIDTH as usize, WidthType::Dxa)
                        .shading(fill(palette::GRID.bare_hex()))
                        .add_paragraph(
                            cell_para(AlignmentType::Left)
                                .keep_next(true)
                                .add_run(CELL_HEAD.run(label)),
                        ),
                ])
                .cant_split(),
                Row::Cells(cells) => TableRow::new(
                    cells
                        .iter()
                        .zip(&widths)
                        .map(|(c, w)| body_cell(c, *w))
                        .collect(),
                )
                .cant_split(),
            });
        }
        self.add_table(table_frame(rows, widths));
        self.para(spacer());
    }
}

/// A short gap after a table, so the next paragraph does not touch it.
fn spacer() -> Paragraph {
    Paragraph::new()
        .style("TableText")
        .line_spacing(single())
        .add_run(CELL.run(""))
}

fn table_frame(rows: Vec<TableRow>, widths: Vec<usize>) -> WTable {
    WTable::new(rows)
        .margins(TableCellMargins::new().margin(0, CELL_PADDING / 2, 0, CELL_PADDING / 2))
        .set_grid(widths)
        .width(TEXT_WIDTH as usize, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
        .align(TableAlignmentType::Center)
}

fn fill(hex: String) -> Shading {
    Shading::new()
        .shd_type(ShdType::Clear)
        .color("auto")
        .fill(hex)
}

fn cell_para(align: AlignmentType) -> Paragraph {
    Paragraph::new()
        .style("TableText")
        .align(align)
        .line_spacing(single())
        .snap_to_grid(false)
}

fn head_cell(text: &str, width: usize) -> TableCell {
    TableCell::new()
        .width(width, WidthType::Dxa)
        .shading(fill(palette::GRID.bare_hex()))
        .vertical_align(VAlignType::Center)
        .add_paragraph(cell_para(AlignmentType::Center).add_run(CELL_HEAD.run(text)))
}

fn status_cell(text: &str, status: Status, width: usize, size: usize) -> TableCell {
    let font = Font { size, ..CELL };
    let mut cell = TableCell::new()
        .width(width, WidthType::Dxa)
        .vertical_align(VAlignType::Center);
    let mut run = font.run(text);
    if status != Status::NoTarget {
        let f = palette::status(status);
        cell = cell.shading(fill(f.bare_hex()));
        run = run.color(palette::ink_on(f).bare_hex());
    }
    cell.add_paragraph(cell_para(AlignmentType::Center).add_run(run))
}

fn body_cell(c: &Cell, width: usize) -> TableCell {
    match c.style {
        CellStyle::Status(s) => status_cell(&c.text, s, width, SIZE_TABLE),
        CellStyle::Number => TableCell::new()
            .width(width, WidthType::Dxa)
            .add_paragraph(cell_para(AlignmentType::Right).add_run(CELL.run(&c.text))),
        CellStyle::Alert => TableCell::new()
            .width(width, WidthType::Dxa)
            .add_paragraph(cell_para(AlignmentType::Right).add_run(CELL.bold().run(&c.text))),
        CellStyle::Flag => TableCell::new()
            .width(width, WidthType::Dxa)
            .add_paragraph(cell_para(AlignmentType::Left).add_run(CELL.bold().run(&c.text))),
        CellStyle::Text | CellStyle::Trend(_) => TableCell::new()
            .width(width, WidthType::Dxa)
            .add_paragraph(cell_para(AlignmentType::Left).add_run(CELL.run(&c.text))),
    }
}

/// Width of a text in twips at the table's size: CJK and full-width characters one em,
/// the rest (digits and Latin letters) a little over half.
fn text_twips(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if (c as u32) < 0x1100 {
                // Half an em in Times New Roman, with room for a wider substitute.
                SIZE_TABLE * 6
            } else {
                SIZE_TABLE * 10
            }
        })
        .sum()
}

/// A cell's left and right padding together (twips).
const CELL_PADDING: usize = 2 * 57;

/// Column widths (twips) summing to the text width. Each column first gets its
/// narrowest unbroken width (a figure whole, up to the "（" of a period after it; four
/// characters of a name; two of a heading), then the rest of the line goes to the
/// columns whose longest text still wraps, in proportion to what they lack.
fn column_widths(t: &Table) -> Vec<usize> {
    let n = t.head.len().max(1);
    let mut min = vec![2 * SIZE_TABLE * 10; n];
    let mut want: Vec<usize> = (0..n)
        .map(|i| t.head.get(i).map_or(0, |h| text_twips(h)))
        .collect();
    for row in &t.rows {
        let Row::Cells(cells) = row else { continue };
        for (i, c) in cells.iter().enumerate().take(n) {
            let unbroken = match c.style {
                CellStyle::Text => c
                    .text
                    .split_whitespace()
                    .map(|w| {
                        if w.is_ascii() {
                            // A file path breaks at its "/" and "-" if it must.
                            text_twips(w).min(12 * SIZE_TABLE * 10)
                        } else {
                            text_twips(w).min(4 * SIZE_TABLE * 10)
                        }
                    })
                    .max()
                    .unwrap_or(0),
                _ => c
                    .text
                    .split(['（', '(', ' '])
                    .map(text_twips)
                    .max()
                    .unwrap_or(0),
            };
            min[i] = min[i].max(unbroken);
            want[i] = want[i].max(text_twips(&c.text));
        }
    }
    let width = TEXT_WIDTH as usize;
    let min: Vec<usize> = min.iter().map(|m| m + CELL_PADDING).collect();
    let want: Vec<usize> = want
        .iter()
        .zip(&min)
        .map(|(w, m)| (w + CELL_PADDING).max(*m))
        .collect();
    let min_total: usize = min.iter().sum();
    let mut widths: Vec<usize> = if min_total >= width {
        // Too many columns to keep every figure whole: shrink all alike.
        min.iter().map(|m| m * width / min_total).collect()
    } else {
        let lack: Vec<usize> = want.iter().zip(&min).map(|(w, m)| w - m).collect();
        let lack_total: usize = lack.iter().sum();
        let spare = width - min_total;
        if lack_total <= spare {
            // Everything fits on one line: the spare room in proportion to the texts.
            let want_total: usize = want.iter().sum();
            want.iter()
                .map(|w| w + (spare - lack_total) * w / want_total)
                .collect()
        } else {
            min.iter()
                .zip(&lack)
                .map(|(m, l)| m + spare * l / lack_total)
                .collect()
        }
    };
    // Rounding leftovers go to the first column.
    let used: usize = widths.iter().sum();
    widths[0] += width.saturating_sub(used);
    widths
}

/// 一 … 九十九.
fn chinese_numeral(n: usize) -> String {
    const D: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => D[n].to_string(),
        10..=19 => format!("十{}", if n == 10 { "" } else { D[n % 10] }),
        20..=99 => format!(
            "{}十{}",
            D[n / 10],
            if n.is_multiple_of(10) { "" } else { D[n % 10] }
        ),
        _ => n.to_string(),
    }
}

/// A section title without the number content.rs put before it ("3. 数据质量",
/// "三、数据质量").
fn strip_number(title: &str) -> &str {
    let rest = title
        .trim_start_matches(|c: char| c.is_ascii_digit() || "〇一二三四五六七八九十".contains(c));
    if rest.len() == title.len() {
        return title;
    }
    for sep in ["、", ". ", "．", "."] {
        if let Some(r) = rest.strip_prefix(sep) {
            return r.trim_start();
        }
    }
    title
}

// ── Images ────────────────────────────────────────────────────────────────────────────

/// Width and height in pixels and the horizontal resolution (dpi, from the pHYs chunk
/// when it gives one in metres) of a PNG.
pub(crate) fn png_size(bytes: &[u8]) -> Option<(u32, u32, Option<f64>)> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.get(..8)? != SIGNATURE || bytes.get(12..16)? != b"IHDR" {
        return None;
    }
    let be = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
    };
    let (w, h) = (be(16)?, be(20)?);
    let mut at = 8;
    let mut dpi = None;
    while let (Some(len), Some(kind)) = (be(at), bytes.get(at + 4..at + 8)) {
        if kind == b"pHYs" {
            let per_metre = be(at + 8)?;
            if bytes.get(at + 16) == Some(&1) && per_metre > 0 {
                dpi = Some(f64::from(per_metre) * 0.0254);
            }
            break;
        }
        if kind == b"IDAT" || kind == b"IEND" {
            break;
        }
        at += 12 + len as usize;
    }
    Some((w, h, dpi))
}

/// The image's size in EMU at its resolution (300 dpi if it gives none), scaled down
/// to the text width when wider.
pub(crate) fn image_emu(px_w: u32, px_h: u32, dpi: Option<f64>) -> (u32, u32) {
    let dpi = dpi
        .filter(|d| d.is_finite() && *d >= 1.0)
        .unwrap_or(DEFAULT_DPI);
    let to_emu = |px: u32| f64::from(px) / dpi * EMU_PER_INCH as f64;
    let (mut w, mut h) = (to_emu(px_w), to_emu(px_h));
    if w > MAX_IMAGE_EMU as f64 {
        h *= MAX_IMAGE_EMU as f64 / w;
        w = MAX_IMAGE_EMU as f64;
    }
    (w.round() as u32, h.round() as u32)
}

// ── Finishing the package ─────────────────────────────────────────────────────────────

/// `settings.xml`, written whole: docx-rs has no mirror margins and writes
/// `w:evenAndOddHeaders` after `w:compat`, out of the schema's order, which Word may
/// report as unreadable content. Elements in CT_Settings order.
const SETTINGS: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">"#,
    r#"<w:zoom w:percent="100"/>"#,
    r#"<w:mirrorMargins/>"#,
    r#"<w:defaultTabStop w:val="420"/>"#,
    r#"<w:evenAndOddHeaders/>"#,
    r#"<w:characterSpacingControl w:val="compressPunctuation"/>"#,
    r#"<w:compat><w:useFELayout/><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>"#,
    r#"</w:settings>"#,
);

/// `fontTable.xml`: the 公文 fonts, each with the name it falls back to on a machine
/// without it (仿宋_GB2312 → 仿宋/FangSong as the spec says; 楷体_GB2312 → 楷体;
/// 方正小标宋简体 → 宋体), and the GB2312 character set so Word and WPS pick a Chinese
/// face when substituting.
const FONT_TABLE: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">"#,
    r#"<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>"#,
    r#"<w:font w:name="仿宋"><w:altName w:val="FangSong"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>"#,
    r#"<w:font w:name="黑体"><w:altName w:val="SimHei"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>"#,
    r#"<w:font w:name="楷体_GB2312"><w:altName w:val="楷体"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>"#,
    r#"<w:font w:name="楷体"><w:altName w:val="KaiTi"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>"#,
    r#"<w:font w:name="方正小标宋简体"><w:altName w:val="宋体"/><w:charset w:val="86"/><w:family w:val="script"/><w:pitch w:val="variable"/></w:font>"#,
    r#"<w:font w:name="宋体"><w:altName w:val="SimSun"/><w:charset w:val="86"/><w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>"#,
    r#"<w:font w:name="Times New Roman"><w:charset w:val="00"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>"#,
    r#"</w:fonts>"#,
);

/// Builds the parts, finishes the three docx-rs cannot write and zips the package.
fn finish(docx: Docx) -> io::Result<Vec<u8>> {
    let mut xml = docx.build();
    xml.settings = SETTINGS.as_bytes().to_vec();
    xml.font_table = FONT_TABLE.as_bytes().to_vec();
    xml.document = indent_in_chars(&repeat_header_rows(&xml.document));
    xml.styles = indent_in_chars(&xml.styles);
    let mut out = Cursor::new(Vec::new());
    xml.pack(&mut out).map_err(io::Error::other)?;
    Ok(out.into_inner())
}

/// Adds `w:firstLineChars="200"` to every two-character first-line indent written in
/// twips (640 for 3号, 560 for 4号 text). Attribute markup cannot come from text, which
/// docx-rs escapes.
fn indent_in_chars(xml: &[u8]) -> Vec<u8> {
    let mut s = String::from_utf8_lossy(xml).into_owned();
    for size in [SIZE_BODY, SIZE_SMALL] {
        let twips = format!("w:firstLine=\"{}\"", size * 20);
        s = s.replace(&twips, &format!("{twips} w:firstLineChars=\"200\""));
    }
    s.into_bytes()
}

/// Marks the first row of every table as its header row, repeated on each page
/// (`w:tblHeader`, which docx-rs cannot write). Every table here starts with its
/// header row, whose properties docx-rs writes as `<w:trPr><w:cantSplit />`; text
/// is escaped, so the markup searched for cannot come from a cell.
fn repeat_header_rows(document: &[u8]) -> Vec<u8> {
    let doc = String::from_utf8_lossy(document);
    const GRID_END: &str = "</w:tblGrid>";
    const CANT_SPLIT: &str = "<w:cantSplit />";
    let mut out = String::with_capacity(doc.len() + 1024);
    let mut rest: &str = &doc;
    while let Some(i) = rest.find(GRID_END) {
        let (head, tail) = rest.split_at(i + GRID_END.len());
        out.push_str(head);
        match tail.find(CANT_SPLIT) {
            Some(j) if !tail[..j].contains("</w:tr>") => {
                out.push_str(&tail[..j + CANT_SPLIT.len()]);
                out.push_str("<w:tblHeader />");
                rest = &tail[j + CANT_SPLIT.len()..];
            }
            _ => rest = tail,
        }
    }
    out.push_str(rest);
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_geometry_follows_gb_t_9704() {
        assert_eq!(MARGIN_TOP, 2098);
        assert_eq!(MARGIN_BOTTOM, 1984);
        assert_eq!(MARGIN_INSIDE, 1587);
        assert_eq!(MARGIN_OUTSIDE, 1474);
        assert_eq!(TEXT_WIDTH, 8844);
        // 22 lines fill the 225 mm text height (within a twip per line).
        let height = i32::try_from(PAGE_H).unwrap() - MARGIN_TOP - MARGIN_BOTTOM;
        assert!((height - 22 * LINE_PITCH).abs() < 22, "{height}");
        // 28 condensed 3号 characters fit the line, 29 do not.
        let pitch = 20.0 * 16.0 + f64::from(CONDENSED);
        assert!(28.0 * pitch <= f64::from(TEXT_WIDTH));
        assert!(29.0 * pitch > f64::from(TEXT_WIDTH));
    }

    #[test]
    fn section_numbers_are_chinese_numerals() {
        let n: Vec<String> = [1, 9, 10, 11, 20, 23].map(chinese_numeral).into();
        assert_eq!(n, ["一", "九", "十", "十一", "二十", "二十三"]);
        assert_eq!(strip_number("3. 数据质量"), "数据质量");
        assert_eq!(strip_number("十二、方法说明"), "方法说明");
        assert_eq!(strip_number("数据质量"), "数据质量");
        assert_eq!(strip_number("2025年目标"), "2025年目标");
    }

    #[test]
    fn images_take_their_dpi_and_at_most_the_text_width() {
        // 1843 px at 300 dpi is 156.0 mm.
        let (w, h) = image_emu(1800, 900, Some(300.0));
        assert_eq!((w, h), (5_486_400, 2_743_200));
        let (w, h) = image_emu(2400, 1200, Some(300.0));
        assert_eq!(w as u64, MAX_IMAGE_EMU);
        assert_eq!(h as u64, MAX_IMAGE_EMU / 2);
        // No resolution: 300 dpi.
        assert_eq!(image_emu(300, 300, None), (914_400, 914_400));
    }

    #[test]
    fn the_png_header_gives_size_and_resolution() {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let chunk = |png: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
            png.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
            png.extend_from_slice(kind);
            png.extend_from_slice(data);
            png.extend_from_slice(&[0; 4]);
        };
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&1843u32.to_be_bytes());
        ihdr.extend_from_slice(&1000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        chunk(&mut png, b"IHDR", &ihdr);
        let mut phys = Vec::new();
        phys.extend_from_slice(&11811u32.to_be_bytes());
        phys.extend_from_slice(&11811u32.to_be_bytes());
        phys.push(1);
        chunk(&mut png, b"pHYs", &phys);
        chunk(&mut png, b"IDAT", &[]);
        let (w, h, dpi) = png_size(&png).unwrap();
        assert_eq!((w, h), (1843, 1000));
        assert!((dpi.unwrap() - 300.0).abs() < 0.01);
        assert_eq!(png_size(b"GIF89a"), None);
    }

    #[test]
    fn only_the_first_row_of_each_table_repeats() {
        let doc = "<w:tbl><w:tblGrid></w:tblGrid><w:tr><w:trPr><w:cantSplit /></w:trPr></w:tr>\
                   <w:tr><w:trPr><w:cantSplit /></w:trPr></w:tr></w:tbl>";
        let out = String::from_utf8(repeat_header_rows(doc.as_bytes())).unwrap();
        assert_eq!(out.matches("<w:tblHeader />").count(), 1);
        assert!(out.starts_with(
            "<w:tbl><w:tblGrid></w:tblGrid><w:tr><w:trPr><w:cantSplit /><w:tblHeader />"
        ));
    }
}
