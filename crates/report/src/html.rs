//! `report.html`: one self-contained file (inline CSS, charts as inline SVG, no script,
//! no web font, nothing fetched) that reads on screen and prints to A4.
//!
//! Every text from the evaluation is entity-escaped: cluster, enterprise and file names
//! come from input files that anyone in a county can write.

use std::fmt::Write as _;

use clusterkpi_model::display::palette;
use clusterkpi_model::{Status, Trend};

use crate::content::{Block, Cell, Document, Row, Style, Table};

/// Print rules (outputs.md, "Print"): A4 with 15 mm margins and the page number in the
/// bottom margin box (CSS page-margin boxes, printed by Chromium since version 131);
/// body text 10.5 pt; table headers repeated on each page (`thead`), rows never split,
/// a table's group kept whole or repeated ([`table_html`]); headings kept with what
/// follows; figures and short tables never split. Sections flow on rather than each
/// starting a page, so no page is left mostly blank. Fonts are the reader's own: a CJK
/// sans first (Windows, macOS and Linux names), nothing downloaded.
///
/// The first `@page` rule is the page box; the second, built per report, adds the
/// margin boxes (page number, and the title as a running head after the first page).
const CSS: &str = r#"
@page { size: A4; margin: 15mm; }
* { box-sizing: border-box; }
html { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "WenQuanYi Micro Hei", "Helvetica Neue", Arial, sans-serif; font-size: 10.5pt; color: #212121; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { max-width: 190mm; margin: 0 auto; padding: 10mm 6mm; line-height: 1.5; }
header.headline { border-bottom: 3px solid #1f4e79; padding-bottom: 6pt; margin-bottom: 10pt; }
header.headline h1 { font-size: 17pt; line-height: 1.3; margin: 0 0 2pt; color: #1f4e79; }
header.headline .subtitle { font-size: 11pt; margin: 0 0 6pt; color: #424242; }
dl.facts { display: grid; grid-template-columns: max-content 1fr max-content 1fr; gap: 1pt 10pt; margin: 0; font-size: 9.5pt; }
dl.facts dt { color: #616161; }
dl.facts dd { margin: 0; font-weight: 600; }
h2 { font-size: 14pt; color: #1f4e79; border-bottom: 1.5pt solid #1f4e79; padding-bottom: 2pt; margin: 18pt 0 8pt; break-after: avoid; }
h3 { font-size: 11.5pt; margin: 12pt 0 4pt; break-after: avoid; }
p, li { orphans: 3; widows: 3; }
h2 + p, h3 + p { break-after: avoid; }
p { margin: 4pt 0; }
p.note { font-size: 9pt; color: #616161; }
p.partial-note { margin: 8pt 0; padding: 3pt 8pt; border-left: 3pt solid; }
ul, ol { margin: 4pt 0; padding-left: 18pt; }
nav.contents { break-inside: avoid; break-after: page; margin: 10pt 0; }
nav.contents ol { list-style: none; padding-left: 0; columns: 2; column-gap: 12mm; }
nav.contents li { margin: 1pt 0; }
nav.contents a { color: inherit; text-decoration: none; }
nav.contents a::after { content: leader(dotted) target-counter(attr(href url), page); }
figure.chart { margin: 8pt 0 12pt; text-align: center; break-inside: avoid; }
figure.chart svg { display: block; margin: 0 auto; width: auto; height: auto; max-width: 100%; max-height: 112mm; }
figure.chart.tall svg { max-height: 240mm; }
figure.chart figcaption { font-size: 10pt; font-weight: 600; margin-top: 3pt; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; margin: 6pt 0 8pt; }
table.short { break-inside: avoid; }
table.cont { margin-top: -8pt; }
caption { text-align: left; font-weight: 600; font-size: 10pt; padding-bottom: 2pt; break-after: avoid; }
caption .unit { float: right; font-weight: 400; font-size: 9pt; }
thead { display: table-header-group; }
tbody.group { break-inside: avoid; }
tr { break-inside: avoid; }
th, td { border: 0.75pt solid #bdbdbd; padding: 2pt 4pt; vertical-align: top; text-align: left; }
thead th { background: #e8eef5; font-weight: 600; }
tr.group th { background: #f3f5f7; font-weight: 600; }
td.num, td.alert { text-align: right; font-variant-numeric: tabular-nums; }
td:first-child { min-width: 7em; }
td.alert { font-weight: 700; }
td.flag { text-align: left; }
td.trend { white-space: nowrap; }
.status { display: inline-block; padding: 0 4pt; border-radius: 3pt; white-space: nowrap; font-weight: 600; }
@media print { body { max-width: none; padding: 0; } }
"#;

/// The rules that come from the shared palette (status fills with readable ink, trend
/// and attention colours) and the report's own margin boxes.
fn css(doc: &Document) -> String {
    let mut css = String::from(CSS);
    for s in [
        Status::Achieved,
        Status::OnTrack,
        Status::AtRisk,
        Status::OffTrack,
        Status::Missed,
        Status::NoData,
        Status::NoTarget,
    ] {
        let fill = palette::status(s);
        let ink = if s == Status::NoTarget {
            palette::MUTED
        } else {
            palette::ink_on(fill)
        };
        let _ = writeln!(
            css,
            ".s-{} {{ background: {}; color: {}; }}",
            status_class(s),
            fill.hex(),
            ink.hex()
        );
    }
    let attention = palette::ATTENTION;
    let _ = writeln!(
        css,
        "p.partial-note {{ background: {}; color: {}; }}\n\
         p.partial-note {{ border-color: {}; }} td.alert {{ box-shadow: inset 3pt 0 0 {attention}; }}\n\
         .t-improving {{ color: {}; }} .t-worsening {{ color: {}; }} .t-flat {{ color: {}; }}",
        attention.hex(),
        palette::ink_on(attention).hex(),
        palette::TEXT.hex(),
        palette::DATA.hex(),
        palette::status(Status::OffTrack).hex(),
        palette::MUTED.hex(),
        attention = attention.hex(),
    );
    // Page numbers and the running head. The strings are the report's own words plus
    // the plan's name, escaped for a CSS string inside <style>.
    let (page, running) = if doc.lang_attr.starts_with("zh") {
        (
            r#""第 " counter(page) " 页，共 " counter(pages) " 页""#,
            &doc.title,
        )
    } else {
        (r#""Page " counter(page) " of " counter(pages)"#, &doc.title)
    };
    let _ = writeln!(
        css,
        "@page {{ margin-bottom: 18mm; @bottom-center {{ content: {page}; font-size: 9pt; color: {muted}; }} @top-right {{ content: {head}; font-size: 8.5pt; color: {muted}; }} }}\n\
         @page :first {{ @top-right {{ content: none; }} }}",
        muted = palette::MUTED.hex(),
        head = css_string(running),
    );
    css
}

/// A CSS string literal: quotes, backslashes, line breaks and `<` (so no text can
/// close the style element) written as CSS escapes.
fn css_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' | '<' | '>' | '&' | '\n' | '\r' | '\u{c}' => {
                let _ = write!(out, "\\{:X} ", u32::from(c));
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Entity-escapes text for element content and quoted attribute values.
pub(crate) fn escape(s: &str) -> String {
    clusterkpi_model::text::escape_markup(s)
}

fn status_class(s: Status) -> &'static str {
    s.as_str()
}

fn trend_class(t: Option<Trend>) -> &'static str {
    t.map_or("", Trend::as_str)
}

pub(crate) fn render(doc: &Document) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n",
        doc.lang_attr,
        escape(&doc.title),
        css(doc)
    );
    for (i, block) in doc.blocks.iter().enumerate() {
        match block {
            Block::Contents { title } => contents_html(&mut h, title, &doc.blocks[i + 1..]),
            _ => block_html(&mut h, block),
        }
    }
    h.push_str("</body>\n</html>\n");
    h
}

fn block_html(h: &mut String, block: &Block) {
    match block {
        Block::Headline {
            title,
            subtitle,
            facts,
        } => {
            let _ = write!(
                h,
                "<header class=\"headline\">\n<h1>{}</h1>\n<p class=\"subtitle\">{}</p>\n<dl class=\"facts\">\n",
                escape(title),
                escape(subtitle)
            );
            for (k, v, alert) in facts {
                let class = if *alert { " class=\"alert\"" } else { "" };
                let _ = writeln!(h, "<dt>{}</dt><dd{class}>{}</dd>", escape(k), escape(v));
            }
            h.push_str("</dl>\n</header>\n");
        }
        Block::Section {
            id,
            title,
            page_break,
        } => {
            let class = if *page_break { " class=\"page\"" } else { "" };
            let _ = writeln!(h, "<h2 id=\"{}\"{class}>{}</h2>", escape(id), escape(title));
        }
        Block::Heading(s) => {
            let _ = writeln!(h, "<h3>{}</h3>", escape(s));
        }
        Block::Para(s) => {
            let _ = writeln!(h, "<p>{}</p>", escape(s));
        }
        Block::Note(s) => {
            let _ = writeln!(h, "<p class=\"note\">{}</p>", escape(s));
        }
        Block::Bullets(items) => list_html(h, "ul", items),
        Block::Numbered(items) => list_html(h, "ol", items),
        Block::Chart {
            title,
            caption,
            svg,
            ..
        } => {
            // The SVG comes from our own chart stage (which escapes its text), so it
            // is inlined as is: the report stays one file and prints as vectors. The
            // numbered caption goes under it; when the chart draws that same number
            // and title itself (its <title> is the caption), the caption stays for
            // screen readers only rather than print twice.
            let own_title = svg.contains(&format!(">{}</title>", escape(caption)));
            let _ = write!(
                h,
                "<figure class=\"chart{}\" aria-label=\"{}\">\n{svg}\n<figcaption{}>{}</figcaption>\n</figure>\n",
                if is_tall(svg) { " tall" } else { "" },
                escape(title),
                if own_title {
                    " class=\"visually-hidden\""
                } else {
                    ""
                },
                escape(caption)
            );
        }
        Block::MainPoints { title, points } => {
            let _ = writeln!(
                h,
                "<section class=\"main-points\">\n<h2>{}</h2>",
                escape(title)
            );
            for p in points {
                let _ = writeln!(h, "<p>{}</p>", escape(p));
            }
            h.push_str("</section>\n");
        }
        // Rendered by `render`, which knows the sections after it.
        Block::Contents { .. } => {}
        Block::PartialNote { text, link } => {
            let _ = writeln!(
                h,
                "<p class=\"partial-note\"><a href=\"#{}\">{}</a></p>",
                escape(link),
                escape(text)
            );
        }
        Block::Table(t) => table_html(h, t),
    }
}

/// The contents list: every section after it, linked. Engines that implement
/// `target-counter` (WeasyPrint, Prince) add the page numbers from the CSS; Chromium
/// does not yet, so there the list links without them.
fn contents_html(h: &mut String, title: &str, after: &[Block]) {
    let _ = writeln!(
        h,
        "<nav class=\"contents\">\n<h2 class=\"contents-title\">{}</h2>\n<ol>",
        escape(title)
    );
    for b in after {
        if let Block::Section { id, title, .. } = b {
            let _ = writeln!(
                h,
                "<li><a href=\"#{}\">{}</a></li>",
                escape(id),
                escape(title)
            );
        }
    }
    h.push_str("</ol>\n</nav>\n");
}

/// Whether a chart is taller than wide enough that the cap for two charts a page
/// would shrink it below its designed print width (the scorecard's grid): read from
/// the `width` and `height` of the root element.
fn is_tall(svg: &str) -> bool {
    let Some(root) = svg.find("<svg").map(|at| &svg[at..]) else {
        return false;
    };
    let root = &root[..root.find('>').unwrap_or(root.len())];
    let attr = |name: &str| -> Option<f64> {
        let at = root.find(&format!(" {name}=\""))? + name.len() + 3;
        let rest = &root[at..];
        rest[..rest.find('"')?].trim_end_matches("px").parse().ok()
    };
    matches!((attr("width"), attr("height")), (Some(w), Some(h)) if h > 0.8 * w)
}

/// A status word with its marker (● 已完成), unless the text already carries it: the
/// marker keeps the status readable in greyscale print.
fn marked(status: Status, text: &str) -> String {
    let marker = palette::marker(status);
    if marker.is_empty() || text.starts_with(marker) {
        text.to_string()
    } else {
        format!("{marker} {text}")
    }
}

fn list_html(h: &mut String, tag: &str, items: &[String]) {
    let _ = writeln!(h, "<{tag}>");
    for i in items {
        let _ = writeln!(h, "<li>{}</li>", escape(i));
    }
    let _ = writeln!(h, "</{tag}>");
}

/// A group of at most this many rows is kept on one page (moved whole to the next
/// when it does not fit), so its group row is always above it.
const SHORT_GROUP: usize = 12;
/// A table of at most this many rows is never split.
const SHORT_TABLE: usize = 15;

/// A table: caption above with the unit at its right, the column head repeated on every
/// printed page. Groups (an indicator's clusters, a cluster's indicators) follow the
/// print rule that a group's name is repeated after a page break: a short group is a
/// `tbody` kept whole; a longer one is set as a table of its own, joined to the one
/// before, whose repeated head carries the group's name under the column names.
fn table_html(h: &mut String, t: &Table) {
    // The rows before any group, then each group with its rows.
    let mut segments: Vec<(Option<&str>, Vec<&[Cell]>)> = vec![(None, Vec::new())];
    for row in &t.rows {
        match row {
            Row::Group(label) => segments.push((Some(label), Vec::new())),
            Row::Cells(cells) => segments.last_mut().expect("one segment").1.push(cells),
        }
    }
    segments.retain(|(label, rows)| label.is_some() || !rows.is_empty());
    let short = t.rows.len() <= SHORT_TABLE;
    let mut first = true;
    let mut open = false;
    if segments.is_empty() {
        table_open(h, t, first, short, None);
        h.push_str("</table>\n");
        return;
    }
    for (label, rows) in segments {
        let long = label.is_some() && rows.len() > SHORT_GROUP;
        if long || !open {
            if open {
                h.push_str("</table>\n");
            }
            table_open(h, t, first, short, label.filter(|_| long));
            first = false;
            open = true;
        }
        match (label, long) {
            (Some(label), false) => {
                let _ = writeln!(
                    h,
                    "<tbody class=\"group\">\n<tr class=\"group\"><th colspan=\"{}\">{}</th></tr>",
                    t.head.len().max(1),
                    escape(label)
                );
            }
            _ => h.push_str("<tbody>\n"),
        }
        for cells in rows {
            h.push_str("<tr>");
            for c in cells {
                cell_html(h, c);
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</tbody>\n");
        if long {
            h.push_str("</table>\n");
            open = false;
        }
    }
    if open {
        h.push_str("</table>\n");
    }
}

/// Opens a table with its head: the caption on the first part only, and the group's
/// name in the head when the group is set as its own table.
fn table_open(h: &mut String, t: &Table, first: bool, short: bool, group: Option<&str>) {
    let class = match (first, short) {
        (true, true) => " class=\"short\"",
        (true, false) => "",
        (false, _) => " class=\"cont\"",
    };
    let _ = writeln!(h, "<table{class}>");
    if first && (t.caption.is_some() || t.unit.is_some()) {
        h.push_str("<caption>");
        if let Some(unit) = &t.unit {
            let _ = write!(h, "<span class=\"unit\">{}</span>", escape(unit));
        }
        if let Some(caption) = &t.caption {
            let _ = write!(h, "{}", escape(caption));
        }
        h.push_str("</caption>\n");
    }
    h.push_str("<thead><tr>");
    for c in &t.head {
        let _ = write!(h, "<th>{}</th>", escape(c));
    }
    h.push_str("</tr>");
    if let Some(label) = group {
        let _ = write!(
            h,
            "\n<tr class=\"group\"><th colspan=\"{}\">{}</th></tr>",
            t.head.len().max(1),
            escape(label)
        );
    }
    h.push_str("</thead>\n");
}

fn cell_html(h: &mut String, c: &Cell) {
    let text = escape(&c.text);
    let _ = match c.style {
        Style::Text => write!(h, "<td>{text}</td>"),
        Style::Number => write!(h, "<td class=\"num\">{text}</td>"),
        Style::Alert => write!(h, "<td class=\"alert\">{text}</td>"),
        Style::Flag => write!(h, "<td class=\"alert flag\">{text}</td>"),
        Style::Status(s) => write!(
            h,
            "<td><span class=\"status s-{}\">{}</span></td>",
            status_class(s),
            escape(&marked(s, &c.text))
        ),
        Style::Trend(t) => write!(h, "<td class=\"trend t-{}\">{text}</td>", trend_class(t)),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(groups: &[(&str, usize)]) -> Table {
        let mut rows = Vec::new();
        for (label, n) in groups {
            rows.push(Row::Group((*label).to_string()));
            for i in 0..*n {
                rows.push(Row::Cells(vec![Cell {
                    text: format!("{label}{i}"),
                    style: Style::Text,
                }]));
            }
        }
        Table {
            caption: Some("表1　甲".into()),
            unit: Some("单位：家".into()),
            head: vec!["集群".into()],
            rows,
        }
    }

    /// A short group is kept whole under its group row; a long one is a table of its
    /// own whose repeated head carries the group's name, so the name follows a page
    /// break. The caption and unit are set once, above the first part.
    #[test]
    fn a_long_group_repeats_its_name_in_the_table_head() {
        let mut h = String::new();
        table_html(
            &mut h,
            &table(&[("甲组", 3), ("乙组", SHORT_GROUP + 1), ("丙组", 2)]),
        );
        assert_eq!(h.matches("<caption>").count(), 1);
        assert!(h.contains("<caption><span class=\"unit\">单位：家</span>表1　甲</caption>"));
        assert!(h.contains(
            "<tbody class=\"group\">\n<tr class=\"group\"><th colspan=\"1\">甲组</th></tr>"
        ));
        assert!(h.contains(
            "<thead><tr><th>集群</th></tr>\n<tr class=\"group\"><th colspan=\"1\">乙组</th></tr></thead>"
        ));
        assert!(h.contains(
            "<tbody class=\"group\">\n<tr class=\"group\"><th colspan=\"1\">丙组</th></tr>"
        ));
        // Three tables: the first group, the long one, and the rest, each with the
        // column head.
        assert_eq!(h.matches("<table").count(), 3);
        assert_eq!(h.matches("<thead>").count(), 3);
        assert_eq!(h.matches("<table class=\"cont\">").count(), 2);
        assert_eq!(h.matches("<table").count(), h.matches("</table>").count());
        // A short table is never split.
        let mut h = String::new();
        table_html(&mut h, &table(&[("甲组", 3)]));
        assert!(h.starts_with("<table class=\"short\">"));
    }

    #[test]
    fn tall_charts_are_told_from_wide_ones_by_their_size() {
        assert!(is_tall(
            r#"<svg xmlns="x" width="1200" height="1702" viewBox="0 0 1200 1702">"#
        ));
        assert!(!is_tall(r#"<svg xmlns="x" width="1200" height="700">"#));
        assert!(!is_tall("<svg>"));
    }

    #[test]
    fn css_strings_cannot_close_the_style_element() {
        assert_eq!(css_string("a\"b</style>"), r#""a\22 b\3C /style\3E ""#);
    }

    #[test]
    fn markup_in_names_is_escaped() {
        assert_eq!(
            super::escape("<b>A&B</b> \"x\" 'y'"),
            "&lt;b&gt;A&amp;B&lt;/b&gt; &quot;x&quot; &#39;y&#39;"
        );
    }
}
