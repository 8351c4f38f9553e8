//! `report.html`: one self-contained file (inline CSS, charts as inline SVG, no script,
//! no web font, nothing fetched) that reads on screen and prints to A4.
//!
//! Every text from the evaluation is entity-escaped: cluster, enterprise and file names
//! come from input files that anyone in a county can write.

use std::fmt::Write as _;

use clusterkpi_model::{Status, Trend};

use crate::content::{Block, Cell, Document, Row, Style, Table};

/// Print rules: A4 with 15 mm margins, sections on new pages, table headers repeated
/// on each page and rows never split, charts scaled to the text width. Fonts are the
/// reader's own: a CJK sans first (Windows, macOS and Linux names), nothing downloaded.
const CSS: &str = r#"
@page { size: A4; margin: 15mm; }
* { box-sizing: border-box; }
html { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "WenQuanYi Micro Hei", "Helvetica Neue", Arial, sans-serif; font-size: 10pt; color: #1f2328; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { max-width: 190mm; margin: 0 auto; padding: 10mm 6mm; line-height: 1.5; }
header.headline { border-bottom: 3px solid #1f4e79; padding-bottom: 6pt; margin-bottom: 10pt; }
header.headline h1 { font-size: 17pt; line-height: 1.3; margin: 0 0 2pt; color: #1f4e79; }
header.headline .subtitle { font-size: 11pt; margin: 0 0 6pt; color: #444c56; }
dl.facts { display: grid; grid-template-columns: max-content 1fr max-content 1fr; gap: 1pt 10pt; margin: 0; font-size: 9pt; }
dl.facts dt { color: #57606a; }
dl.facts dd { margin: 0; font-weight: 600; }
dl.facts dd.alert { color: #b42318; }
.banner { border: 3px solid #b42318; background: #fef3f2; color: #7a271a; padding: 8pt 12pt; margin: 10pt 0 12pt; break-inside: avoid; }
.banner .title { font-size: 15pt; font-weight: 700; letter-spacing: 0.5pt; margin: 0 0 4pt; }
.banner h3 { font-size: 10pt; margin: 6pt 0 2pt; color: #7a271a; }
.banner ul { margin: 0; padding-left: 16pt; }
h2 { font-size: 14pt; color: #1f4e79; border-bottom: 1.5pt solid #1f4e79; padding-bottom: 2pt; margin: 16pt 0 8pt; break-after: avoid; }
h2.page { break-before: page; }
h3 { font-size: 11pt; margin: 12pt 0 4pt; break-after: avoid; }
p { margin: 4pt 0; }
p.note { font-size: 8.5pt; color: #57606a; }
ul, ol { margin: 4pt 0; padding-left: 18pt; }
.tiles { display: grid; grid-template-columns: repeat(6, 1fr); gap: 5pt; margin: 8pt 0; break-inside: avoid; }
.tile { border-radius: 4pt; padding: 6pt 4pt; text-align: center; color: #fff; }
.tile .n { display: block; font-size: 20pt; font-weight: 700; line-height: 1.2; }
.tile .l { display: block; font-size: 9pt; }
figure.chart { margin: 8pt 0 10pt; text-align: center; break-inside: avoid; }
figure.chart svg { display: block; margin: 0 auto; max-width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; margin: 6pt 0 8pt; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th, td { border: 0.75pt solid #d0d7de; padding: 2pt 4pt; vertical-align: top; text-align: left; }
thead th { background: #e8eef5; font-weight: 600; }
tr.group th { background: #f3f5f7; font-weight: 600; break-after: avoid; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.alert { text-align: right; color: #b42318; font-weight: 700; white-space: nowrap; }
td.trend { white-space: nowrap; }
.t-improving { color: #1a7f37; } .t-worsening { color: #cf222e; } .t-flat { color: #57606a; }
.status { display: inline-block; padding: 0 4pt; border-radius: 3pt; color: #fff; white-space: nowrap; font-weight: 600; }
.s-achieved { background: #1a7f37; } .s-on_track { background: #2da44e; } .s-at_risk { background: #9a6700; }
.s-off_track { background: #bc4c00; } .s-missed { background: #cf222e; } .s-no_data { background: #6e7781; }
.s-no_target { background: none; color: #6e7781; }
@media print { body { max-width: none; padding: 0; } }
"#;

/// Entity-escapes text for element content and quoted attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
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
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        doc.lang_attr,
        escape(&doc.title)
    );
    for block in &doc.blocks {
        block_html(&mut h, block);
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
        Block::Banner {
            title,
            reasons_label,
            reasons,
            missing_label,
            missing,
        } => {
            let _ = write!(
                h,
                "<div class=\"banner partial-banner\" role=\"alert\">\n<p class=\"title\">{}</p>\n",
                escape(title)
            );
            let _ = writeln!(h, "<h3>{}</h3>", escape(reasons_label));
            list_html(h, "ul", reasons);
            if !missing.is_empty() {
                let _ = writeln!(h, "<h3>{}</h3>", escape(missing_label));
                h.push_str("<ul>\n");
                for (cluster, names) in missing {
                    let _ = writeln!(
                        h,
                        "<li><strong>{}</strong>{}</li>",
                        escape(cluster),
                        escape(names)
                    );
                }
                h.push_str("</ul>\n");
            }
            h.push_str("</div>\n");
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
        Block::Tiles(tiles) => {
            h.push_str("<div class=\"tiles\">\n");
            for (status, label, n) in tiles {
                let _ = writeln!(
                    h,
                    "<div class=\"tile s-{}\"><span class=\"n\">{n}</span><span class=\"l\">{}</span></div>",
                    status_class(*status),
                    escape(label)
                );
            }
            h.push_str("</div>\n");
        }
        Block::Chart { title, svg, .. } => {
            // The SVG comes from our own chart stage (plotters escapes its text), so it
            // is inlined as is: the report stays one file and prints as vectors.
            // No caption: the chart draws its own title; the label is for screen readers.
            let _ = write!(
                h,
                "<figure class=\"chart\" aria-label=\"{}\">\n{svg}\n</figure>\n",
                escape(title)
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

fn list_html(h: &mut String, tag: &str, items: &[String]) {
    let _ = writeln!(h, "<{tag}>");
    for i in items {
        let _ = writeln!(h, "<li>{}</li>", escape(i));
    }
    let _ = writeln!(h, "</{tag}>");
}

fn table_html(h: &mut String, t: &Table) {
    h.push_str("<table>\n<thead><tr>");
    for c in &t.head {
        let _ = write!(h, "<th>{}</th>", escape(c));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        match row {
            Row::Group(label) => {
                let _ = writeln!(
                    h,
                    "<tr class=\"group\"><th colspan=\"{}\">{}</th></tr>",
                    t.head.len(),
                    escape(label)
                );
            }
            Row::Cells(cells) => {
                h.push_str("<tr>");
                for c in cells {
                    cell_html(h, c);
                }
                h.push_str("</tr>\n");
            }
        }
    }
    h.push_str("</tbody>\n</table>\n");
}

fn cell_html(h: &mut String, c: &Cell) {
    let text = escape(&c.text);
    let _ = match c.style {
        Style::Text => write!(h, "<td>{text}</td>"),
        Style::Number => write!(h, "<td class=\"num\">{text}</td>"),
        Style::Alert => write!(h, "<td class=\"alert\">{text}</td>"),
        Style::Status(s) => write!(
            h,
            "<td><span class=\"status s-{}\">{text}</span></td>",
            status_class(s)
        ),
        Style::Trend(t) => write!(h, "<td class=\"trend t-{}\">{text}</td>", trend_class(t)),
    };
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_in_names_is_escaped() {
        assert_eq!(
            super::escape("<b>A&B</b> \"x\" 'y'"),
            "&lt;b&gt;A&amp;B&lt;/b&gt; &quot;x&quot; &#39;y&#39;"
        );
    }
}
