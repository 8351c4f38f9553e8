//! `clusterkpi status`: who has sent what for a quarter. Per expected county, the
//! report files recorded for it with when they arrived (China Standard Time) and their
//! outcome, and its state — received, late, partially accepted, rejected, missing or
//! overdue — the table the report's data-quality section shows too. `--output` writes
//! it as CSV; `--fail-overdue` makes a scheduled job exit 3 (partial data) while a
//! county is past the due date without a file whose rows were taken.
//!
//! Read only: it takes no lock and works on the latest dataset version, so it can run
//! while `run` ingests.

use std::path::Path;

use anyhow::{Context, Result};
use clusterkpi_lake::{Lake, Snapshot};
use clusterkpi_model::arrivals::{self, Arrivals, Table};
use clusterkpi_model::pipeline::Pipeline;
use clusterkpi_model::{Date, Language, Period};

use crate::cli::PipelineArgs;
use crate::exit::Exit;
use crate::pipeline;

pub(crate) fn run(
    file: Option<&Path>,
    period: Option<&str>,
    output: Option<&Path>,
    fail_overdue: bool,
    args: &PipelineArgs,
) -> Result<Exit> {
    let p = pipeline::load(args, file)?;
    // Default: the last quarter that has ended, the one whose files are being sent.
    let period =
        pipeline::period(period)?.unwrap_or_else(|| Period::latest_complete(Date::today()));
    let lake = Lake::open_existing(&p.lake)?;
    let snapshot = lake.snapshot(None)?;
    let a = of_snapshot(&p, &snapshot, period, &now())?;
    print(&a, p.language);
    if let Some(out) = output {
        std::fs::write(out, clusterkpi_report::arrivals_csv(&a))
            .with_context(|| format!("writing {}", out.display()))?;
        say!(
            "{}",
            match p.language {
                Language::Zh => format!("已写入 {}", out.display()),
                Language::En => format!("written to {}", out.display()),
            }
        );
    }
    if fail_overdue && let Some(line) = overdue_line(&a, p.language) {
        // Partial data, as outputs.md's exit 3: the quarter lacks counties' files.
        esay!("{line}");
        return Ok(Exit::Partial);
    }
    Ok(Exit::Complete)
}

/// The counties past the due date without a file whose rows were taken, in one line
/// ("逾期：辛集市、晋州市（2个）"); None when there are none. `status --fail-overdue`
/// and `run`'s summary print it.
pub(crate) fn overdue_line(a: &Arrivals, lang: Language) -> Option<String> {
    let overdue = a.overdue();
    if overdue.is_empty() {
        return None;
    }
    let names: Vec<&str> = overdue.iter().map(|c| c.county.as_str()).collect();
    Some(match lang {
        Language::Zh => format!("逾期：{}（{}个）", names.join("、"), names.len()),
        Language::En => format!("overdue: {} ({})", names.join(", "), names.len()),
    })
}

/// Who has sent what for the report of `period` on dataset `version`: at this moment
/// for the latest version, at the version's commit for an earlier one (a report
/// rebuilt from an old version shows the files as they stood then).
pub(crate) fn for_report(
    p: &Pipeline,
    lake: &Lake,
    version: u64,
    period: Period,
) -> Result<Arrivals> {
    let snapshot = lake.snapshot(Some(version))?;
    let at = if version >= lake.latest_version()? {
        now()
    } else {
        snapshot.manifest.committed_at.clone()
    };
    of_snapshot(p, &snapshot, period, &at)
}

fn of_snapshot(p: &Pipeline, snapshot: &Snapshot, period: Period, at: &str) -> Result<Arrivals> {
    let q = snapshot.quarter_files(period, p.reporting.counties.as_deref())?;
    Ok(arrivals::arrivals(
        period,
        p.reporting.due_days,
        at,
        &q.expected,
        &q.files,
    ))
}

/// The current time (RFC 3339, UTC); with `CLUSTERKPI_TODAY` set (tests, re-runs),
/// noon China Standard Time of that day.
fn now() -> String {
    match std::env::var("CLUSTERKPI_TODAY")
        .ok()
        .and_then(|s| Date::parse_iso(&s))
    {
        Some(d) => format!("{d}T04:00:00Z"),
        None => clusterkpi_model::now_rfc3339(),
    }
}

fn print(a: &Arrivals, lang: Language) {
    say!("{}", a.title(lang));
    say!("{}", a.summary(lang));
    say!("");
    print_table(&a.table(lang));
    if !a.others.is_empty() {
        say!("");
        say!(
            "{}",
            match lang {
                Language::Zh => "无法判断所属县（市、区）或不在应报名单中的文件：",
                Language::En => "Files whose county is unknown or not expected:",
            }
        );
        print_table(&a.others_table(lang));
    }
}

/// Columns padded to their widest cell, a CJK character counting two.
fn print_table(t: &Table) {
    let mut widths: Vec<usize> = t.head.iter().map(|h| width(h)).collect();
    for r in &t.rows {
        for (w, c) in widths.iter_mut().zip(&r.cells) {
            *w = (*w).max(width(c));
        }
    }
    let line = |cells: &[String], mark: bool| {
        let mut s = String::from(if mark { "! " } else { "  " });
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            s.push_str(c);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(w - width(c) + 2));
            }
        }
        s
    };
    say!("{}", line(&t.head, false));
    for r in &t.rows {
        // "!" marks the first row of a county the city has to chase, so the table
        // reads without colour (cron mail, a printout).
        say!("{}", line(&r.cells, r.alert && r.first));
    }
}

/// Terminal columns of a text: two for wide (CJK, full-width) characters.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let wide = matches!(c as u32,
                0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF
                | 0x4E00..=0x9FFF | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
                | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD);
            if wide { 2 } else { 1 }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    #[test]
    fn wide_characters_take_two_columns() {
        assert_eq!(super::width("辛集市"), 6);
        assert_eq!(super::width("2026年1月5日 10:00（北京时间）"), 30);
        assert_eq!(super::width("a.csv"), 5);
    }
}
