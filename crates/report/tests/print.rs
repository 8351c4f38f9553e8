//! `report.html` on paper (outputs.md, "Print"): A4, a page number on every page, the
//! contents list on the first page, body text of at least 10.5 pt.
//!
//! The CSS essentials are checked on the file itself. The printed result is checked by
//! printing the fixture's report with headless Chromium and reading the PDF back with
//! poppler's `pdfinfo` and `pdftotext`. Without those programs the print test says it
//! skipped, unless `CLUSTERKPI_REQUIRE_BROWSER=1` (set by CI, which installs
//! `chromium` and `poppler-utils`): then their absence is a failure.

mod fixture;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use clusterkpi_model::Language;
use clusterkpi_report::{RunInfo, write_report};

fn report(partial: bool, lang: Language) -> (tempfile::TempDir, PathBuf, String) {
    let mut eval = fixture::evaluation(partial);
    eval.language = lang;
    let dir = tempfile::tempdir().unwrap();
    let folder = write_report(&eval, &fixture::run("run-1"), dir.path()).unwrap();
    let html = fs::read_to_string(folder.join("report.html")).unwrap();
    (dir, folder, html)
}

/// The declarations of the first CSS rule whose selector is exactly `selector`.
fn rule<'a>(html: &'a str, selector: &str) -> &'a str {
    let at = html
        .find(&format!("\n{selector} {{"))
        .unwrap_or_else(|| panic!("no rule for {selector}"));
    let body = &html[at + selector.len() + 3..];
    &body[..body.find('}').unwrap()]
}

/// The value of `property` in a rule's declarations.
fn property<'a>(declarations: &'a str, property: &str) -> &'a str {
    declarations
        .split(';')
        .filter_map(|d| d.split_once(':'))
        .find(|(k, _)| k.trim() == property)
        .map(|(_, v)| v.trim())
        .unwrap_or_else(|| panic!("no {property} in {declarations}"))
}

/// The (id, title) of every section heading, in order.
fn sections(html: &str) -> Vec<(String, String)> {
    html.match_indices("<h2 id=\"")
        .map(|(at, m)| {
            let rest = &html[at + m.len()..];
            let id = &rest[..rest.find('"').unwrap()];
            let title = &rest[rest.find('>').unwrap() + 1..rest.find("</h2>").unwrap()];
            (id.to_string(), title.to_string())
        })
        .collect()
}

#[test]
fn the_css_sets_a4_page_numbers_and_readable_text() {
    for lang in [Language::Zh, Language::En] {
        let (_dir, _folder, html) = report(true, lang);
        assert!(html.contains("@page { size: A4;"));
        let number = match lang {
            Language::Zh => {
                r#"@bottom-center { content: "第 " counter(page) " 页，共 " counter(pages) " 页";"#
            }
            Language::En => {
                r#"@bottom-center { content: "Page " counter(page) " of " counter(pages);"#
            }
        };
        assert!(html.contains(number), "{lang:?}");
        let size = property(rule(&html, "html"), "font-size");
        let pt: f64 = size.strip_suffix("pt").unwrap().parse().unwrap();
        assert!(pt >= 10.5, "body text {size}");
        // No rule makes the body's paragraphs smaller.
        assert!(!rule(&html, "p").contains("font-size"));
        // Table heads repeat on every page; headings stay with what follows.
        assert!(rule(&html, "thead").contains("table-header-group"));
        assert!(rule(&html, "h2").contains("break-after: avoid"));
        assert!(rule(&html, "figure.chart").contains("break-inside: avoid"));
    }
}

#[test]
fn the_contents_list_links_every_section_after_it() {
    let (_dir, _folder, html) = report(true, Language::Zh);
    let nav = &html[html
        .find("<nav class=\"contents\">")
        .expect("a contents list")..];
    let nav = &nav[..nav.find("</nav>").unwrap()];
    let after = &html[html.find("<nav class=\"contents\">").unwrap()..];
    let listed: Vec<(String, String)> = sections(after);
    assert!(listed.len() >= 5, "{listed:?}");
    let mut at = 0;
    for (id, title) in &listed {
        let link = format!("<li><a href=\"#{id}\">{title}</a></li>");
        let found = nav[at..]
            .find(&link)
            .unwrap_or_else(|| panic!("{link} in order"));
        at += found + link.len();
    }
}

/// A program on the PATH, or `None`.
fn program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

fn run(program: &Path, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", program.display()));
    assert!(
        out.status.success(),
        "{} {args:?}: {}",
        program.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Chromium, `pdfinfo` and `pdftotext`, or why the print test cannot run.
fn printers() -> Result<(PathBuf, PathBuf, PathBuf), String> {
    let chromium = program(&["chromium", "chromium-browser", "google-chrome"])
        .ok_or("no chromium on the PATH")?;
    let pdfinfo = program(&["pdfinfo"]).ok_or("no pdfinfo (poppler-utils) on the PATH")?;
    let pdftotext = program(&["pdftotext"]).ok_or("no pdftotext (poppler-utils) on the PATH")?;
    Ok((chromium, pdfinfo, pdftotext))
}

/// Prints `html` to a PDF beside it, as a reader's browser would (no browser header or
/// footer: the page's own margin boxes give the page numbers).
fn print(chromium: &Path, html: &Path) -> PathBuf {
    let pdf = html.with_extension("pdf");
    let profile = tempfile::tempdir().unwrap();
    run(
        chromium,
        &[
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            &format!("--user-data-dir={}", profile.path().display()),
            &format!("--print-to-pdf={}", pdf.display()),
            &format!("file://{}", html.display()),
        ],
    );
    assert!(pdf.is_file(), "no PDF printed");
    pdf
}

/// Text of an HTML-escaped title, as printed.
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn the_printed_report_is_a4_with_numbered_pages_and_the_contents_first() {
    let (chromium, pdfinfo, pdftotext) = match printers() {
        Ok(p) => p,
        Err(why) => {
            assert!(
                std::env::var("CLUSTERKPI_REQUIRE_BROWSER").as_deref() != Ok("1"),
                "CLUSTERKPI_REQUIRE_BROWSER=1 but {why}"
            );
            eprintln!("skipped: {why}");
            return;
        }
    };
    for (partial, lang) in [(true, Language::Zh), (false, Language::En)] {
        let (_dir, folder, html) = report(partial, lang);
        let pdf = print(&chromium, &folder.join("report.html"));
        let pdf = pdf.to_str().unwrap();

        let info = run(&pdfinfo, &[pdf]);
        let size = info.lines().find(|l| l.starts_with("Page size:")).unwrap();
        assert!(size.contains("(A4)"), "{size}");
        let pages: usize = info
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        // The fixture's report: front page, nine sections, charts and tables. Far
        // more pages means pages left mostly blank or tables split row by row.
        eprintln!("{lang:?}: {pages} pages");
        assert!((6..=22).contains(&pages), "{lang:?}: {pages} pages");

        for page in 1..=pages {
            let p = page.to_string();
            let text = run(&pdftotext, &["-f", &p, "-l", &p, "-layout", pdf, "-"]);
            let last = text
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or_default();
            match lang {
                Language::En => {
                    assert_eq!(squeeze(last), format!("Page{page}of{pages}"), "page {page}")
                }
                // Digits only: without a Chinese font the words print as boxes, which
                // have no text.
                Language::Zh => {
                    let numbers: Vec<usize> = last
                        .split(|c: char| !c.is_ascii_digit())
                        .filter(|s| !s.is_empty())
                        .map(|s| s.parse().unwrap())
                        .collect();
                    assert_eq!(numbers, [page, pages], "page {page}: {last:?}");
                }
            }
        }

        // The contents list on the first page names every section.
        if lang == Language::En {
            let first = squeeze(&run(&pdftotext, &["-f", "1", "-l", "1", pdf, "-"]));
            let contents = &html[html.find("<nav class=\"contents\">").unwrap()..];
            for (_, title) in sections(contents) {
                let title = squeeze(&unescape(&title));
                assert!(first.contains(&title), "{title} on page 1");
            }
        }
    }
}

/// Keeps the printed fixture report for a person to look at, when asked:
/// `CLUSTERKPI_KEEP_REPORT=/tmp/out cargo test -p clusterkpi-report --test print`.
#[test]
fn keep_the_printed_report_when_asked() {
    let (Some(out), Ok((chromium, _, _))) =
        (std::env::var_os("CLUSTERKPI_KEEP_REPORT"), printers())
    else {
        return;
    };
    let (_dir, folder, _) = report(true, Language::Zh);
    let pdf = print(&chromium, &folder.join("report.html"));
    fs::create_dir_all(&out).unwrap();
    fs::copy(pdf, PathBuf::from(out).join("report-zh.pdf")).unwrap();
}
