//! Arrow schemas of the dataset's tables and the conversion of typed rows into batches.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanBuilder, Float64Builder, Int32Builder, Int64Builder, RecordBatch,
    StringBuilder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use clusterkpi_ingest::{ClusterRow, ReportRow, RosterRow, ValueRow};
use clusterkpi_model::Issue;

/// The tables kept in the dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    /// Every accepted report row ever, with the version that added it.
    ReportHistory,
    /// Every accepted directly reported value, with its version.
    Values,
    /// The current cluster list.
    Clusters,
    /// The current enterprise roster.
    Roster,
    /// Quarantined rows and warnings of every recorded file.
    Issues,
    /// Report rows replaced by a later accepted row for the same enterprise and quarter.
    Superseded,
}

impl Table {
    pub const ALL: [Table; 6] = [
        Table::ReportHistory,
        Table::Values,
        Table::Clusters,
        Table::Roster,
        Table::Issues,
        Table::Superseded,
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Table::ReportHistory => "report_history",
            Table::Values => "values",
            Table::Clusters => "clusters",
            Table::Roster => "roster",
            Table::Issues => "issues",
            Table::Superseded => "superseded",
        }
    }

    #[must_use]
    pub fn schema(self) -> SchemaRef {
        let f = |n: &str, t: DataType, null: bool| Field::new(n, t, null);
        use DataType::{Boolean, Float64, Int32, Int64, Utf8};
        let fields = match self {
            Table::ReportHistory => vec![
                f("credit_code", Utf8, false),
                f("period", Utf8, false),
                f("period_index", Int32, false),
                f("year", Int32, false),
                f("quarter", Int32, false),
                f("revenue_ytd", Float64, false),
                f("output_value_ytd", Float64, false),
                f("employees", Int64, true),
                f("is_sme", Boolean, false),
                f("above_scale", Boolean, false),
                f("specialized_level", Utf8, false),
                f("key_processes", Int64, false),
                f("key_processes_cnc", Int64, false),
                f("business_info_system", Boolean, false),
                f("digital_rnd_tools", Boolean, false),
                f("ecommerce", Boolean, false),
                f("design_center_level", Utf8, false),
                f("innovation_platforms", Int64, false),
                f("green_factory_level", Utf8, false),
                f("tech_upgrade_equipment_ytd", Float64, false),
                f("innovation_demo_level", Utf8, false),
                f("listing_status", Utf8, false),
                f("core_tech_breakthroughs", Int64, false),
                f("version", Int64, false),
                f("source_file", Utf8, false),
                f("source_line", Int64, false),
            ],
            Table::Values => vec![
                f("period", Utf8, false),
                f("period_index", Int32, false),
                f("scope", Utf8, false),
                f("scope_id", Utf8, false),
                f("indicator", Utf8, false),
                f("value", Float64, false),
                f("version", Int64, false),
                f("source_file", Utf8, false),
                f("source_line", Int64, false),
            ],
            Table::Clusters => vec![
                f("cluster_id", Utf8, false),
                f("name", Utf8, false),
                f("name_en", Utf8, true),
                f("county", Utf8, false),
                f("industry", Utf8, false),
                f("established", Utf8, false),
                f("established_index", Int32, false),
            ],
            Table::Roster => vec![
                f("credit_code", Utf8, false),
                f("name", Utf8, false),
                f("cluster_id", Utf8, false),
                f("county", Utf8, false),
            ],
            Table::Issues => vec![
                f("file", Utf8, false),
                f("sheet", Utf8, true),
                f("line", Int64, false),
                f("column", Utf8, false),
                f("code", Utf8, false),
                f("severity", Utf8, false),
                f("value", Utf8, false),
                f("message_zh", Utf8, false),
                f("message_en", Utf8, false),
                f("period", Utf8, true),
                f("version", Int64, false),
            ],
            Table::Superseded => vec![
                f("credit_code", Utf8, false),
                f("period_index", Int32, false),
                f("version", Int64, false),
            ],
        };
        Arc::new(Schema::new(fields))
    }
}

/// Where an accepted row came from.
#[derive(Debug, Clone)]
pub struct Provenance {
    pub version: i64,
    pub file: String,
}

fn finish(table: Table, cols: Vec<ArrayRef>) -> RecordBatch {
    RecordBatch::try_new(table.schema(), cols).expect("columns match the table schema")
}

pub(crate) fn reports_batch(rows: &[ReportRow], src: &Provenance) -> RecordBatch {
    let n = rows.len();
    let mut code = StringBuilder::with_capacity(n, n * 18);
    let mut period = StringBuilder::with_capacity(n, n * 6);
    let (mut pidx, mut year, mut quarter) = (
        Int32Builder::with_capacity(n),
        Int32Builder::with_capacity(n),
        Int32Builder::with_capacity(n),
    );
    let (mut rev, mut out, mut tech) = (
        Float64Builder::with_capacity(n),
        Float64Builder::with_capacity(n),
        Float64Builder::with_capacity(n),
    );
    let mut employees = Int64Builder::with_capacity(n);
    let mut bools: [BooleanBuilder; 5] = std::array::from_fn(|_| BooleanBuilder::with_capacity(n));
    let mut levels: [StringBuilder; 5] =
        std::array::from_fn(|_| StringBuilder::with_capacity(n, n * 8));
    let mut ints: [Int64Builder; 4] = std::array::from_fn(|_| Int64Builder::with_capacity(n));
    let (mut version, mut file, mut line) = (
        Int64Builder::with_capacity(n),
        StringBuilder::with_capacity(n, n * 8),
        Int64Builder::with_capacity(n),
    );
    for r in rows {
        code.append_value(&r.credit_code);
        period.append_value(r.period.to_string());
        pidx.append_value(r.period.index());
        year.append_value(r.period.year());
        quarter.append_value(i32::from(r.period.quarter()));
        rev.append_value(r.revenue_ytd);
        out.append_value(r.output_value_ytd);
        employees.append_option(r.employees);
        for (b, v) in bools.iter_mut().zip([
            r.is_sme,
            r.above_scale,
            r.business_info_system,
            r.digital_rnd_tools,
            r.ecommerce,
        ]) {
            b.append_value(v);
        }
        for (b, v) in levels.iter_mut().zip([
            r.specialized_level,
            r.design_center_level,
            r.green_factory_level,
            r.innovation_demo_level,
            r.listing_status,
        ]) {
            b.append_value(v);
        }
        for (b, v) in ints.iter_mut().zip([
            r.key_processes,
            r.key_processes_cnc,
            r.innovation_platforms,
            r.core_tech_breakthroughs,
        ]) {
            b.append_value(v);
        }
        tech.append_value(r.tech_upgrade_equipment_ytd);
        version.append_value(src.version);
        file.append_value(&src.file);
        line.append_value(r.line as i64);
    }
    let [mut is_sme, mut above, mut bis, mut rnd, mut ecom] = bools;
    let [mut spec, mut design, mut green, mut demo, mut listing] = levels;
    let [mut kp, mut kpc, mut plat, mut core] = ints;
    finish(
        Table::ReportHistory,
        vec![
            Arc::new(code.finish()),
            Arc::new(period.finish()),
            Arc::new(pidx.finish()),
            Arc::new(year.finish()),
            Arc::new(quarter.finish()),
            Arc::new(rev.finish()),
            Arc::new(out.finish()),
            Arc::new(employees.finish()),
            Arc::new(is_sme.finish()),
            Arc::new(above.finish()),
            Arc::new(spec.finish()),
            Arc::new(kp.finish()),
            Arc::new(kpc.finish()),
            Arc::new(bis.finish()),
            Arc::new(rnd.finish()),
            Arc::new(ecom.finish()),
            Arc::new(design.finish()),
            Arc::new(plat.finish()),
            Arc::new(green.finish()),
            Arc::new(tech.finish()),
            Arc::new(demo.finish()),
            Arc::new(listing.finish()),
            Arc::new(core.finish()),
            Arc::new(version.finish()),
            Arc::new(file.finish()),
            Arc::new(line.finish()),
        ],
    )
}

pub(crate) fn values_batch(rows: &[ValueRow], src: &Provenance) -> RecordBatch {
    let mut cols: [StringBuilder; 4] = std::array::from_fn(|_| StringBuilder::new());
    let (mut pidx, mut value, mut version, mut file, mut line) = (
        Int32Builder::new(),
        Float64Builder::new(),
        Int64Builder::new(),
        StringBuilder::new(),
        Int64Builder::new(),
    );
    for r in rows {
        let [p, s, id, ind] = &mut cols;
        p.append_value(r.period.to_string());
        s.append_value(r.scope);
        id.append_value(&r.scope_id);
        ind.append_value(&r.indicator);
        pidx.append_value(r.period.index());
        value.append_value(r.value);
        version.append_value(src.version);
        file.append_value(&src.file);
        line.append_value(r.line as i64);
    }
    let [mut p, mut s, mut id, mut ind] = cols;
    finish(
        Table::Values,
        vec![
            Arc::new(p.finish()),
            Arc::new(pidx.finish()),
            Arc::new(s.finish()),
            Arc::new(id.finish()),
            Arc::new(ind.finish()),
            Arc::new(value.finish()),
            Arc::new(version.finish()),
            Arc::new(file.finish()),
            Arc::new(line.finish()),
        ],
    )
}

pub(crate) fn clusters_batch(rows: &[ClusterRow]) -> RecordBatch {
    let mut s: [StringBuilder; 6] = std::array::from_fn(|_| StringBuilder::new());
    let mut idx = Int32Builder::new();
    for r in rows {
        s[0].append_value(&r.cluster_id);
        s[1].append_value(&r.name);
        s[2].append_option(r.name_en.as_deref());
        s[3].append_value(&r.county);
        s[4].append_value(&r.industry);
        s[5].append_value(r.established.to_string());
        idx.append_value(r.established.index());
    }
    let mut cols: Vec<ArrayRef> = s
        .iter_mut()
        .map(|b| Arc::new(b.finish()) as ArrayRef)
        .collect();
    cols.push(Arc::new(idx.finish()));
    finish(Table::Clusters, cols)
}

pub(crate) fn roster_batch(rows: &[RosterRow]) -> RecordBatch {
    let mut s: [StringBuilder; 4] = std::array::from_fn(|_| StringBuilder::new());
    for r in rows {
        s[0].append_value(&r.credit_code);
        s[1].append_value(&r.name);
        s[2].append_value(&r.cluster_id);
        s[3].append_value(&r.county);
    }
    finish(
        Table::Roster,
        s.iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef)
            .collect(),
    )
}

pub(crate) fn issues_batch(issues: &[Issue], version: i64) -> RecordBatch {
    let mut s: [StringBuilder; 9] = std::array::from_fn(|_| StringBuilder::new());
    let (mut line, mut ver) = (Int64Builder::new(), Int64Builder::new());
    for i in issues {
        s[0].append_value(&i.file);
        s[1].append_option(i.sheet.as_deref());
        s[2].append_value(&i.column);
        s[3].append_value(i.code.as_str());
        s[4].append_value(if i.is_warning() { "warning" } else { "error" });
        s[5].append_value(&i.value);
        s[6].append_value(&i.message_zh);
        s[7].append_value(&i.message_en);
        s[8].append_option(i.period.map(|p| p.to_string()));
        line.append_value(i.line as i64);
        ver.append_value(version);
    }
    let [
        mut file,
        mut sheet,
        mut column,
        mut code,
        mut sev,
        mut value,
        mut zh,
        mut en,
        mut period,
    ] = s;
    finish(
        Table::Issues,
        vec![
            Arc::new(file.finish()),
            Arc::new(sheet.finish()),
            Arc::new(line.finish()),
            Arc::new(column.finish()),
            Arc::new(code.finish()),
            Arc::new(sev.finish()),
            Arc::new(value.finish()),
            Arc::new(zh.finish()),
            Arc::new(en.finish()),
            Arc::new(period.finish()),
            Arc::new(ver.finish()),
        ],
    )
}

pub(crate) fn superseded_batch(rows: &[(String, i32, i64)]) -> RecordBatch {
    let (mut code, mut idx, mut ver) = (
        StringBuilder::new(),
        Int32Builder::new(),
        Int64Builder::new(),
    );
    for (c, p, v) in rows {
        code.append_value(c);
        idx.append_value(*p);
        ver.append_value(*v);
    }
    finish(
        Table::Superseded,
        vec![
            Arc::new(code.finish()),
            Arc::new(idx.finish()),
            Arc::new(ver.finish()),
        ],
    )
}
