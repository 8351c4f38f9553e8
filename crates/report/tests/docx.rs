//! `report.docx` read back from the report folder: the GB/T 9704 page (A4, mirror
//! margins, the 22 × 28 grid), the fonts and sizes of the styles, the East Asian font
//! of every Chinese run, real tables with a repeated header row, charts at their
//! resolution and no wider than the text, numbered captions, and the "— n —" page
//! numbers on even and odd pages.

mod fixture;

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::Path;

use clusterkpi_model::Language;
use clusterkpi_report::{RunInfo, write_report};

/// The docx's parts by name, the XML ones as text, the media as bytes.
struct Package {
    xml: BTreeMap<String, String>,
    media: BTreeMap<String, Vec<u8>>,
}

impl Package {
    fn part(&self, name: &str) -> &str {
        self.xml
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing from {:?}", self.xml.keys()))
    }
}

fn build(partial: bool, lang: Language) -> Package {
    let mut eval = fixture::evaluation(partial);
    eval.language = lang;
    let dir = tempfile::tempdir().unwrap();
    let folder = write_report(&eval, &fixture::run("run-1"), dir.path()).unwrap();
    open(&folder.join("report.docx"))
}

fn open(path: &Path) -> Package {
    let file = std::fs::File::open(path).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut xml = BTreeMap::new();
    let mut media = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        if name.ends_with(".xml") || name.ends_with(".rels") {
            xml.insert(name, String::from_utf8(bytes).unwrap());
        } else {
            media.insert(name, bytes);
        }
    }
    Package { xml, media }
}

/// The segments of `xml` from each `<tag>` or `<tag …>` to its `</tag>` (no nesting
/// of the same tag, which holds for runs, paragraphs, drawings and footers' parts).
fn elements<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = xml[at..].find(&format!("<{tag}")) {
        let start = at + i;
        let after = xml.as_bytes()[start + tag.len() + 1];
        if after != b'>' && after != b' ' {
            at = start + tag.len() + 1;
            continue;
        }
        let end = xml[start..]
            .find(&close)
            .map_or(xml.len(), |j| start + j + close.len());
        out.push(&xml[start..end]);
        at = end;
    }
    out
}

/// The value of `attr="…"` in the first element of `xml` that has it.
fn attr<'a>(xml: &'a str, attr: &str) -> Option<&'a str> {
    let key = format!("{attr}=\"");
    let i = xml.find(&key)? + key.len();
    Some(&xml[i..i + xml[i..].find('"')?])
}

/// The text of an element's `w:t`s.
fn text(xml: &str) -> String {
    elements(xml, "w:t")
        .iter()
        .map(|t| {
            let open_end = t.find('>').unwrap() + 1;
            t[open_end..t.len() - "</w:t>".len()].to_string()
        })
        .collect()
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303F | 0x3400..=0x9FFF | 0xFF00..=0xFFEF)
}

fn style<'a>(styles: &'a str, id: &str) -> &'a str {
    elements(styles, "w:style")
        .into_iter()
        .find(|s| s.contains(&format!("w:styleId=\"{id}\"")))
        .unwrap_or_else(|| panic!("no style {id}"))
}

#[test]
fn the_page_is_a4_with_mirrored_gb_t_9704_margins_and_the_22_by_28_grid() {
    let p = build(true, Language::Zh);
    let doc = p.part("word/document.xml");
    let sect = &doc[doc.rfind("<w:sectPr").unwrap()..];
    assert_eq!(attr(sect, "w:w"), Some("11906"), "{sect}");
    assert_eq!(attr(sect, "w:h"), Some("16838"));
    let mar = &sect[sect.find("<w:pgMar").unwrap()..];
    // 37, 35, 28 (inside) and 26 (outside) mm.
    assert_eq!(attr(mar, "w:top"), Some("2098"));
    assert_eq!(attr(mar, "w:bottom"), Some("1984"));
    assert_eq!(attr(mar, "w:left"), Some("1587"));
    assert_eq!(attr(mar, "w:right"), Some("1474"));
    let settings = p.part("word/settings.xml");
    assert!(settings.contains("<w:mirrorMargins/>"), "{settings}");
    assert!(settings.contains("<w:evenAndOddHeaders/>"), "{settings}");
    // CT_Settings order: mirrorMargins before evenAndOddHeaders before compat.
    let at = |s: &str| settings.find(s).unwrap();
    assert!(at("<w:mirrorMargins/>") < at("<w:evenAndOddHeaders/>"));
    assert!(at("<w:evenAndOddHeaders/>") < at("<w:compat>"));

    // 22 lines: 225 mm / 22 = 28.95 pt; every 3号 run condensed by 0.25 pt so that 28
    // characters fill the 156 mm line (why no character grid: docx.rs).
    let grid = &sect[sect.find("<w:docGrid").unwrap()..];
    assert_eq!(attr(grid, "w:type"), Some("lines"));
    assert_eq!(attr(grid, "w:linePitch"), Some("579"));
    let body = elements(doc, "w:r")
        .into_iter()
        .filter(|r| r.contains("<w:sz w:val=\"32\""))
        .collect::<Vec<_>>();
    assert!(body.len() > 20);
    for r in body {
        assert!(r.contains("<w:spacing w:val=\"-5\""), "{r}");
    }
}

#[test]
fn styles_name_the_official_fonts_and_sizes() {
    let p = build(false, Language::Zh);
    let styles = p.part("word/styles.xml");
    for (id, font, size) in [
        ("Body", "仿宋_GB2312", "32"),
        ("Title", "方正小标宋简体", "44"),
        ("Heading1", "黑体", "32"),
        ("Heading2", "楷体_GB2312", "32"),
        ("Footer", "宋体", "28"),
    ] {
        let s = style(styles, id);
        assert_eq!(attr(s, "w:eastAsia"), Some(font), "{id}: {s}");
        assert!(s.contains(&format!("<w:sz w:val=\"{size}\"")), "{id}: {s}");
    }
    // The document default is the body font, so text outside any style is 仿宋 16 pt.
    let defaults = &styles[styles.find("<w:docDefaults").unwrap()..];
    assert_eq!(attr(defaults, "w:eastAsia"), Some("仿宋_GB2312"));
    assert!(defaults.contains("<w:sz w:val=\"32\""), "{defaults}");
    // Fonts are named with their fallbacks, not embedded.
    let fonts = p.part("word/fontTable.xml");
    assert!(fonts.contains(r#"<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>"#));
    assert!(fonts.contains(r#"<w:font w:name="仿宋"><w:altName w:val="FangSong"/>"#));
    assert!(!fonts.contains("embed"), "{fonts}");
    assert!(
        p.media
            .keys()
            .all(|k| !k.ends_with(".odttf") && !k.ends_with(".ttf"))
    );
}

#[test]
fn every_run_of_chinese_text_names_its_east_asian_font() {
    let p = build(true, Language::Zh);
    let mut checked = 0;
    for (name, xml) in &p.xml {
        if !(name.starts_with("word/document") || name.starts_with("word/footer")) {
            continue;
        }
        for run in elements(xml, "w:r") {
            let t = text(run);
            if t.chars().any(is_cjk) {
                checked += 1;
                let font = attr(run, "w:eastAsia");
                assert!(
                    font.is_some_and(|f| !f.is_empty()),
                    "{name}: a run without w:eastAsia: {run}"
                );
            }
        }
    }
    assert!(checked > 50, "only {checked} Chinese runs");
}

#[test]
fn headings_are_numbered_as_in_an_official_document() {
    let p = build(true, Language::Zh);
    let doc = p.part("word/document.xml");
    let paras = elements(doc, "w:p");
    let with_style = |id: &str| -> Vec<String> {
        paras
            .iter()
            .filter(|p| p.contains(&format!("<w:pStyle w:val=\"{id}\"")))
            .map(|p| text(p))
            .collect()
    };
    let h1 = with_style("Heading1");
    assert!(h1.iter().any(|t| t.starts_with("一、")), "{h1:?}");
    assert!(h1.iter().any(|t| t.starts_with("二、")), "{h1:?}");
    assert!(!h1.iter().any(|t| t.starts_with("1.")), "{h1:?}");
    let h2 = with_style("Heading2");
    assert!(h2.iter().any(|t| t.starts_with("（一）")), "{h2:?}");
    // The title, centred.
    let title = with_style("Title");
    assert_eq!(title.len(), 1, "{title:?}");
    // Body paragraphs are indented two characters.
    let body = paras
        .iter()
        .find(|p| p.contains("<w:pStyle w:val=\"Body\"") && p.contains("w:firstLineChars"))
        .expect("an indented body paragraph");
    assert_eq!(attr(body, "w:firstLineChars"), Some("200"));
}

#[test]
fn tables_are_word_tables_whose_header_row_repeats() {
    let p = build(true, Language::Zh);
    let doc = p.part("word/document.xml");
    let tables = elements(doc, "w:tbl");
    assert!(tables.len() >= 4, "{} tables", tables.len());
    for t in &tables {
        let rows = elements(t, "w:tr");
        assert!(rows.len() >= 2, "{t}");
        assert!(rows[0].contains("<w:tblHeader />"), "{}", rows[0]);
        assert!(
            rows[1..].iter().all(|r| !r.contains("tblHeader")),
            "only the first row repeats"
        );
        assert!(rows.iter().all(|r| r.contains("<w:cantSplit />")));
        // The table fills the 156 mm text width.
        assert_eq!(attr(t, "w:w"), Some("8844"), "{}", &t[..400.min(t.len())]);
    }
    // A table with a caption is numbered 表n above it; its unit, if any, follows.
    let paras = elements(doc, "w:p");
    let captions: Vec<String> = paras
        .iter()
        .map(|p| text(p))
        .filter(|t| t.starts_with('表') && t.chars().nth(1).is_some_and(|c| c.is_ascii_digit()))
        .collect();
    for (i, c) in captions.iter().enumerate() {
        assert!(c.starts_with(&format!("表{}", i + 1)), "{captions:?}");
    }
}

/// Width and height in pixels and the dpi of a PNG (300 when it does not say).
fn png_geometry(png: &[u8]) -> (f64, f64, f64) {
    let be = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    let (w, h) = (f64::from(be(16)), f64::from(be(20)));
    let mut at = 8;
    let mut dpi = 300.0;
    while at + 8 <= png.len() {
        let len = be(at) as usize;
        match &png[at + 4..at + 8] {
            b"pHYs" if png[at + 16] == 1 => dpi = f64::from(be(at + 8)) * 0.0254,
            b"IDAT" => break,
            _ => {}
        }
        at += 12 + len;
    }
    (w, h, dpi)
}

#[test]
fn charts_are_the_pngs_at_their_resolution_at_most_156_mm_wide_and_numbered_below() {
    let p = build(true, Language::Zh);
    let doc = p.part("word/document.xml");
    let rels = p.part("word/_rels/document.xml.rels");
    let max_emu = 156.0 * 36_000.0;
    let paras = elements(doc, "w:p");
    let mut figures = 0;
    for (i, para) in paras.iter().enumerate() {
        let Some(at) = para.find("<wp:extent") else {
            continue;
        };
        figures += 1;
        let extent = &para[at..];
        let cx: f64 = attr(extent, "cx").unwrap().parse().unwrap();
        let cy: f64 = attr(extent, "cy").unwrap().parse().unwrap();
        assert!(cx <= max_emu, "{cx} EMU is wider than 156 mm");
        // The picture is the chart's PNG, at its own dpi unless it had to shrink.
        let rid = attr(para, "r:embed").unwrap();
        let rel = rels
            .split("<Relationship ")
            .skip(1)
            .find(|r| r.contains(&format!("Id=\"{rid}\"")))
            .unwrap_or_else(|| panic!("no relationship {rid}"));
        let target = attr(rel, "Target").unwrap();
        let png = &p.media[&format!("word/{target}")];
        let (w, h, dpi) = png_geometry(png);
        let expected_w = (w / dpi * 914_400.0).min(max_emu);
        assert!(
            (cx - expected_w).abs() <= 1.0,
            "{target}: {cx} vs {expected_w}"
        );
        assert!((cx / cy - w / h).abs() < 0.01, "{target}: aspect");
        let shown_dpi = w / (cx / 914_400.0);
        assert!(shown_dpi >= 299.0, "{target} shown at {shown_dpi:.0} dpi");
        // The next paragraph is its caption 图n.
        let caption = text(paras[i + 1]);
        assert!(
            caption.starts_with(&format!("图{figures}")),
            "figure {figures}: {caption}"
        );
    }
    assert!(figures >= 2, "{figures} figures");
}

#[test]
fn page_numbers_are_dashes_around_a_page_field_at_the_outside_edge() {
    let p = build(false, Language::Zh);
    let doc = p.part("word/document.xml");
    let sect = &doc[doc.rfind("<w:sectPr").unwrap()..];
    let refs: String = sect.split("<w:footerReference").skip(1).collect();
    assert!(refs.contains("w:type=\"default\""), "{sect}");
    assert!(refs.contains("w:type=\"even\""), "{sect}");

    let footers: Vec<&str> = p
        .xml
        .iter()
        .filter(|(k, _)| k.starts_with("word/footer"))
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(footers.len(), 2);
    let mut sides = Vec::new();
    for f in footers {
        let before = f.find("— ").expect("a leading dash");
        let begin = f.find("w:fldCharType=\"begin\"").unwrap();
        let instr = f.find("PAGE").unwrap();
        let end = f.find("w:fldCharType=\"end\"").unwrap();
        let after = f.rfind(" —").unwrap();
        assert!(
            before < begin && begin < instr && instr < end && end < after,
            "{f}"
        );
        assert_eq!(attr(f, "w:eastAsia"), Some("宋体"));
        assert!(f.contains("<w:sz w:val=\"28\""), "4号: {f}");
        sides.push(
            attr(&f[f.find("<w:jc").unwrap()..], "w:val")
                .unwrap()
                .to_string(),
        );
    }
    sides.sort();
    assert_eq!(sides, ["left", "right"]);
}

#[test]
fn the_english_report_adds_no_chinese_of_its_own() {
    let mut eval = fixture::evaluation(true);
    eval.language = Language::En;
    let dir = tempfile::tempdir().unwrap();
    let folder = write_report(&eval, &fixture::run("run-1"), dir.path()).unwrap();
    let p = open(&folder.join("report.docx"));
    // Names from the county files are Chinese whatever the language: every Chinese
    // stretch of the document must also be in report.md.
    let md = std::fs::read_to_string(folder.join("report.md")).unwrap();
    let doc = p.part("word/document.xml");
    let mut stretches = 0;
    for t in elements(doc, "w:t") {
        let t = text(t);
        for stretch in t.split(|c: char| !is_cjk(c)).filter(|s| !s.is_empty()) {
            stretches += 1;
            assert!(md.contains(stretch), "{stretch} in {t}");
        }
    }
    // The fixture's enterprise and cluster names are Chinese, so the check ran.
    assert!(stretches > 0);
    assert!(text(doc).contains("Data quality"), "English headings");
}
