//! `report.md`: the report's content as Markdown (pipe tables, charts as
//! `charts/<id>.png` images) for pasting into documents.
//!
//! Text from the evaluation is backslash-escaped, so a name containing `*`, `|` or
//! `<` is shown as written instead of turning into emphasis, a table column or markup.

use std::fmt::Write as _;

use crate::content::{Block, Document, Row, Style, Table};

/// Escapes Markdown syntax (CommonMark lets any ASCII punctuation be escaped with a
/// backslash) and folds line breaks, which would end a table row or a list item.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' | '\t' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

pub(crate) fn render(doc: &Document) -> String {
    let mut m = String::new();
    for (i, block) in doc.blocks.iter().enumerate() {
        if let Block::Contents { title } = block {
            contents_md(&mut m, title, &doc.blocks[i + 1..]);
        } else {
            block_md(&mut m, block, doc.colon);
        }
    }
    m
}

/// The contents: a link to every section after it. Sections carry an explicit anchor
/// (below), so the links work alike on GitHub and in pandoc, whose generated heading
/// ids differ for Chinese titles.
fn contents_md(m: &mut String, title: &str, rest: &[Block]) {
    let _ = write!(m, "## {}\n\n", escape(title));
    for b in rest {
        if let Block::Section { id, title, .. } = b {
            let _ = writeln!(m, "- [{}](#{id})", escape(title));
        }
    }
    m.push('\n');
}

fn block_md(m: &mut String, block: &Block, colon: &str) {
    match block {
        Block::Headline {
            title,
            subtitle,
            facts,
        } => {
            let _ = write!(m, "# {}\n\n{}\n\n", escape(title), escape(subtitle));
            for (k, v, alert) in facts {
                let v = if *alert {
                    format!("**{}**", escape(v))
                } else {
                    escape(v)
                };
                let _ = writeln!(m, "- {}{colon}{v}", escape(k));
            }
            m.push('\n');
        }
        Block::Section { id, title, .. } => {
            let _ = write!(m, "<a id=\"{id}\"></a>\n\n## {}\n\n", escape(title));
        }
        Block::Heading(s) => {
            let _ = write!(m, "### {}\n\n", escape(s));
        }
        Block::Para(s) => {
            let _ = write!(m, "{}\n\n", escape(s));
        }
        Block::Note(s) => {
            let _ = write!(m, "*{}*\n\n", escape(s));
        }
        Block::Bullets(items) => {
            for i in items {
                let _ = writeln!(m, "- {}", escape(i));
            }
            m.push('\n');
        }
        Block::Numbered(items) => {
            for (n, i) in items.iter().enumerate() {
                let _ = writeln!(m, "{}. {}", n + 1, escape(i));
            }
            m.push('\n');
        }
        Block::Chart {
            title,
            caption,
            png,
            ..
        } => {
            let _ = write!(m, "![{}]({png})\n\n{}\n\n", escape(title), escape(caption));
        }
        Block::MainPoints { title, points } => {
            let _ = write!(m, "## {}\n\n", escape(title));
            for p in points {
                let _ = write!(m, "{}\n\n", escape(p));
            }
        }
        // Rendered by `render`, which sees the sections after it.
        Block::Contents { .. } => {}
        Block::PartialNote { text, link } => {
            let _ = write!(m, "[{}](#{link})\n\n", escape(text));
        }
        Block::Table(t) => table_md(m, t),
    }
}

fn table_md(m: &mut String, t: &Table) {
    if let Some(caption) = &t.caption {
        let _ = write!(m, "**{}**\n\n", escape(caption));
    }
    if let Some(unit) = &t.unit {
        let _ = write!(m, "{}\n\n", escape(unit));
    }
    let head: Vec<String> = t.head.iter().map(|h| escape(h)).collect();
    let _ = writeln!(m, "| {} |", head.join(" | "));
    // Alignment from the first data row: numbers right-aligned, the rest left.
    let first = t.rows.iter().find_map(|r| match r {
        Row::Cells(c) => Some(c),
        Row::Group(_) => None,
    });
    let align: Vec<&str> = (0..t.head.len())
        .map(|i| match first.and_then(|c| c.get(i)).map(|c| c.style) {
            Some(Style::Number | Style::Alert) => "---:",
            _ => "---",
        })
        .collect();
    let _ = writeln!(m, "|{}|", align.join("|"));
    for row in &t.rows {
        let cells: Vec<String> = match row {
            // Pipe tables have no colspan: the group name goes in bold in the first
            // column, the rest left empty.
            Row::Group(label) => {
                let mut v = vec![format!("**{}**", escape(label))];
                v.resize(t.head.len(), String::new());
                v
            }
            Row::Cells(cells) => cells
                .iter()
                .map(|c| match c.style {
                    Style::Alert | Style::Flag => format!("**{}**", escape(&c.text)),
                    _ => escape(&c.text),
                })
                .collect(),
        };
        let _ = writeln!(m, "| {} |", cells.join(" | "));
    }
    m.push('\n');
}

#[cfg(test)]
mod tests {
    #[test]
    fn markdown_syntax_in_names_is_escaped() {
        assert_eq!(super::escape("a|b *c* <d>\nx"), "a\\|b \\*c\\* \\<d\\> x");
    }
}
