//! The one row order every export shares: the city first, then clusters by id, and
//! indicators in catalogue order. Sorting here rather than trusting the engine's order
//! keeps the CSVs, the workbook and the report stable from run to run.

use clusterkpi_model::{Evaluation, KpiRow, Period, Scope, SeriesRow};

/// Sort key of a (scope, scope_id, indicator) triple.
fn key<'a>(
    eval: &Evaluation,
    scope: Scope,
    scope_id: &'a str,
    indicator: &str,
) -> (Scope, &'a str, usize) {
    let position = eval
        .indicators
        .iter()
        .position(|i| i.id == indicator)
        .unwrap_or(usize::MAX);
    (scope, scope_id, position)
}

/// Scorecard rows in output order.
pub(crate) fn kpis(eval: &Evaluation) -> Vec<&KpiRow> {
    let mut rows: Vec<&KpiRow> = eval.kpis.iter().collect();
    rows.sort_by(|a, b| {
        key(eval, a.scope, &a.scope_id, &a.indicator).cmp(&key(
            eval,
            b.scope,
            &b.scope_id,
            &b.indicator,
        ))
    });
    rows
}

/// Series rows in output order: by quarter, then as [`kpis`].
pub(crate) fn series(eval: &Evaluation) -> Vec<&SeriesRow> {
    let mut rows: Vec<&SeriesRow> = eval.series.iter().collect();
    rows.sort_by(|a, b| {
        (a.period, key(eval, a.scope, &a.scope_id, &a.indicator))
            .cmp(&(b.period, key(eval, b.scope, &b.scope_id, &b.indicator)))
    });
    rows
}

/// The rows of one indicator: the city first, then every cluster.
pub(crate) fn kpis_of<'a>(eval: &'a Evaluation, indicator: &str) -> Vec<&'a KpiRow> {
    kpis(eval)
        .into_iter()
        .filter(|k| k.indicator == indicator)
        .collect()
}

/// Whether a row's baseline is later than the plan's (a late cluster or first report).
pub(crate) fn late_baseline(eval: &Evaluation, row: &KpiRow) -> bool {
    row.judgement
        .baseline_period
        .is_some_and(|p: Period| p != eval.plan.baseline)
}
