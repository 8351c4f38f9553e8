//! `kpis.csv`, `series.csv` and `validation.csv`: UTF-8 with a BOM (so Excel opens
//! Chinese text correctly), RFC 4180 quoting, numbers in full precision and text cells
//! made safe against formula injection.
//!
//! Numbers use Rust's shortest round-trip formatting of `f64` (`{}`), which never
//! uses an exponent and never groups thousands, so a reader parses back the exact value.

use std::borrow::Cow;

use clusterkpi_model::{Evaluation, KpiRow};

use crate::rows;

/// The columns of `kpis.csv`, as the output contract fixes them.
pub(crate) const KPI_COLUMNS: [&str; 21] = [
    "period",
    "scope",
    "scope_id",
    "indicator",
    "value",
    "unit",
    "baseline_period",
    "baseline_value",
    "target_rule",
    "target_amount",
    "target_level",
    "projected",
    "progress",
    "status",
    "trend",
    "judged_period",
    "judged_value",
    "role",
    "carried_forward",
    "reporting",
    "expected",
];

/// The columns of `series.csv`.
pub(crate) const SERIES_COLUMNS: [&str; 9] = [
    "period",
    "scope",
    "scope_id",
    "indicator",
    "value",
    "unit",
    "reporting",
    "expected",
    "carried_forward",
];

/// The columns of `validation.csv`.
pub(crate) const VALIDATION_COLUMNS: [&str; 9] = [
    "file",
    "sheet",
    "line",
    "column",
    "code",
    "severity",
    "value",
    "message_zh",
    "message_en",
];

const BOM: &str = "\u{FEFF}";

/// One cell of an export. Only text is neutralised against formula injection; a
/// number is written as a number, so a negative value stays `-5`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Field<'a> {
    Text(Cow<'a, str>),
    Number(Option<f64>),
    Integer(u64),
}

impl<'a> Field<'a> {
    pub(crate) fn text(s: impl Into<Cow<'a, str>>) -> Self {
        Field::Text(s.into())
    }
}

/// A text that a spreadsheet would read as a formula (or as a new cell) gets a leading
/// `'` (OWASP CSV injection; ASVS adds NUL).
pub(crate) fn neutralise(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\n' | '\0') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// Full precision, empty for null. A non-finite value has no CSV or Excel form, so it
/// is written as empty like a null.
pub(crate) fn number(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x}"),
        _ => String::new(),
    }
}

/// RFC 4180: quote a field holding a separator, a quote or a line break, doubling quotes.
fn quote(s: &str) -> Cow<'_, str> {
    if s.contains([',', '"', '\r', '\n']) {
        Cow::Owned(format!("\"{}\"", s.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(s)
    }
}

/// Builds a CSV document: BOM, header, records, CRLF line ends (RFC 4180).
struct CsvDoc {
    out: String,
}

impl CsvDoc {
    fn new(header: &[&str]) -> Self {
        let mut doc = Self {
            out: String::from(BOM),
        };
        doc.record(&header.iter().map(|h| Field::text(*h)).collect::<Vec<_>>());
        doc
    }

    fn record(&mut self, fields: &[Field<'_>]) {
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            match f {
                Field::Text(s) => self.out.push_str(&quote(&neutralise(s))),
                Field::Number(v) => self.out.push_str(&number(*v)),
                Field::Integer(n) => self.out.push_str(&n.to_string()),
            }
        }
        self.out.push_str("\r\n");
    }

    fn finish(self) -> Vec<u8> {
        self.out.into_bytes()
    }
}

/// The fields of one scorecard row, in [`KPI_COLUMNS`] order (shared with the workbook).
pub(crate) fn kpi_fields(k: &KpiRow) -> Vec<Field<'_>> {
    let j = &k.judgement;
    let t = k.target.as_ref();
    vec![
        Field::text(k.period.to_string()),
        Field::text(k.scope.as_str()),
        Field::text(k.scope_id.as_str()),
        Field::text(k.indicator.as_str()),
        Field::Number(j.value),
        Field::text(k.unit.as_str()),
        Field::text(j.baseline_period.map(|p| p.to_string()).unwrap_or_default()),
        Field::Number(j.baseline_value),
        Field::text(t.map_or("", |t| t.rule.as_str())),
        Field::Number(t.map(|t| t.amount)),
        // The judgement has a level only with a target; guard anyway so the row set's
        // promise ("empty without a target") does not depend on the engine.
        Field::Number(t.and(j.target_level)),
        Field::Number(j.projected),
        Field::Number(j.progress),
        Field::text(j.status.as_str()),
        Field::text(j.trend.map_or("", |t| t.as_str())),
        Field::text(
            t.and(j.judged_period)
                .map(|p| p.to_string())
                .unwrap_or_default(),
        ),
        Field::Number(t.and(j.judged_value)),
        Field::text(t.map_or("", |t| t.role.as_str())),
        Field::Number(k.carried_forward.map(|c| c as f64)),
        Field::Integer(k.reporting),
        Field::Integer(k.expected),
    ]
}

pub(crate) fn kpis(eval: &Evaluation) -> Vec<u8> {
    let mut doc = CsvDoc::new(&KPI_COLUMNS);
    for k in rows::kpis(eval) {
        doc.record(&kpi_fields(k));
    }
    doc.finish()
}

pub(crate) fn series(eval: &Evaluation) -> Vec<u8> {
    let mut doc = CsvDoc::new(&SERIES_COLUMNS);
    for s in rows::series(eval) {
        doc.record(&[
            Field::text(s.period.to_string()),
            Field::text(s.scope.as_str()),
            Field::text(s.scope_id.as_str()),
            Field::text(s.indicator.as_str()),
            Field::Number(s.value),
            Field::text(s.unit.as_str()),
            Field::Integer(s.reporting),
            Field::Integer(s.expected),
            Field::Number(s.carried_forward.map(|c| c as f64)),
        ]);
    }
    doc.finish()
}

/// The fields of one issue, in [`VALIDATION_COLUMNS`] order (shared with the workbook).
pub(crate) fn issue_fields(i: &clusterkpi_model::Issue) -> Vec<Field<'_>> {
    vec![
        Field::text(i.file.as_str()),
        Field::text(i.sheet.as_deref().unwrap_or("")),
        Field::Integer(i.line),
        Field::text(i.column.as_str()),
        Field::text(i.code.as_str()),
        Field::text(if i.is_warning() { "warning" } else { "error" }),
        Field::text(i.value.as_str()),
        Field::text(i.message_zh.as_str()),
        Field::text(i.message_en.as_str()),
    ]
}

pub(crate) fn validation(eval: &Evaluation) -> Vec<u8> {
    validation_csv(&eval.issues)
}

/// `validation.csv` of any list of issues (also what `clusterkpi validate --output`
/// writes): UTF-8 with BOM, injection-safe.
pub fn validation_csv(issues: &[clusterkpi_model::Issue]) -> Vec<u8> {
    let mut doc = CsvDoc::new(&VALIDATION_COLUMNS);
    for i in issues {
        doc.record(&issue_fields(i));
    }
    doc.finish()
}

/// The columns of `status.csv` (`clusterkpi status --output`): one row per file
/// received for the quarter, and one for each county without any.
pub(crate) const ARRIVALS_COLUMNS: [&str; 13] = [
    "period",
    "county",
    "state",
    "due",
    "enterprises",
    "reporting",
    "file",
    "received_at",
    "late",
    "outcome",
    "rows_accepted",
    "rows_quarantined",
    "county_from",
];

/// Who has sent what as CSV: codes rather than words (`overdue`, `accepted`), times in
/// RFC 3339 with the China Standard Time offset, for scheduled jobs and spreadsheets.
/// Files whose county is unknown or not expected follow with an empty state.
pub fn arrivals_csv(a: &clusterkpi_model::arrivals::Arrivals) -> Vec<u8> {
    use clusterkpi_model::arrivals::{Arrival, in_cst};
    let mut doc = CsvDoc::new(&ARRIVALS_COLUMNS);
    let period = a.period.to_string();
    let due = a.due.to_string();
    // `county_from`: how the county was told, from the file's rows or its name.
    let file_fields = |f: Option<&Arrival>, known: bool| -> Vec<Field<'static>> {
        match f {
            None => vec![Field::text(""); 7],
            Some(f) => vec![
                Field::text(f.path.clone()),
                Field::text(in_cst(&f.received_at)),
                Field::text(if f.late { "true" } else { "false" }),
                Field::text(f.outcome.clone()),
                Field::Integer(f.rows_accepted),
                Field::Integer(f.rows_quarantined),
                Field::text(match (known, f.by_name) {
                    (false, _) => "",
                    (true, true) => "name",
                    (true, false) => "rows",
                }),
            ],
        }
    };
    for c in &a.counties {
        let head = [
            Field::text(period.as_str()),
            Field::text(c.county.as_str()),
            Field::text(c.state.code()),
            Field::text(due.as_str()),
            Field::Integer(c.enterprises),
            Field::Integer(c.reporting),
        ];
        if c.files.is_empty() {
            let mut r = head.to_vec();
            r.extend(file_fields(None, true));
            doc.record(&r);
        }
        for f in &c.files {
            let mut r = head.to_vec();
            r.extend(file_fields(Some(f), true));
            doc.record(&r);
        }
    }
    for (county, f) in &a.others {
        let mut r = vec![
            Field::text(period.as_str()),
            Field::text(county.as_deref().unwrap_or("")),
            Field::text(""),
            Field::text(due.as_str()),
            Field::text(""),
            Field::text(""),
        ];
        r.extend(file_fields(Some(f), county.is_some()));
        doc.record(&r);
    }
    doc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_csv_has_a_row_per_file_and_per_county_without_one() {
        let bytes = arrivals_csv(&crate::fixture::arrivals());
        let text = String::from_utf8(bytes).unwrap();
        let lines: Vec<&str> = text.strip_prefix(BOM).unwrap().lines().collect();
        assert_eq!(lines[0], ARRIVALS_COLUMNS.join(","));
        assert_eq!(
            &lines[1..],
            [
                "2022Q2,无极县,overdue,2022-07-15,6,0,,,,,,,",
                "2022Q2,辛集市,partially_accepted,2022-07-15,10,8,inbox/xinji-2022Q2-v1.csv,2022-07-09T09:00:00+08:00,false,rejected,0,0,name",
                "2022Q2,辛集市,partially_accepted,2022-07-15,10,8,inbox/xinji-2022Q2.csv,2022-07-16T00:20:00+08:00,true,partially_accepted,8,1,rows",
                "2022Q2,藁城区,received,2022-07-15,10,10,inbox/gaocheng-2022Q2.xlsx,2022-07-10T16:00:00+08:00,false,accepted_with_warnings,8,0,rows",
                "2022Q2,,,2022-07-15,,,inbox/upload.csv,2022-07-12T11:00:00+08:00,false,rejected,0,0,",
            ]
        );
    }

    #[test]
    fn formula_starts_are_neutralised_and_others_are_not() {
        for s in ["=1+2", "+1", "-x", "@SUM(A1)", "\tx", "\rx", "\nx", "\0x"] {
            assert_eq!(neutralise(s), format!("'{s}"), "{s:?}");
        }
        for s in ["", "a=b", "集群", "1-2", "'=x"] {
            assert_eq!(neutralise(s), s);
        }
    }

    #[test]
    fn quoting_follows_rfc_4180() {
        let mut doc = CsvDoc { out: String::new() };
        doc.record(&[
            Field::text("a,b"),
            Field::text("say \"hi\""),
            Field::text("two\nlines"),
            Field::text("plain"),
            Field::Number(Some(-5.0)),
            Field::Number(Some(1.0 / 3.0)),
            Field::Number(None),
            Field::Number(Some(f64::INFINITY)),
            Field::Integer(7),
        ]);
        assert_eq!(
            doc.out,
            "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",plain,-5,0.3333333333333333,,,7\r\n"
        );
    }

    #[test]
    fn large_and_small_numbers_keep_every_digit_without_exponent() {
        assert_eq!(number(Some(123456789012.5)), "123456789012.5");
        assert_eq!(number(Some(1e-7)), "0.0000001");
        assert_eq!(number(Some(2500.0)), "2500");
    }
}
