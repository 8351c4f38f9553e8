//! The figures each enterprise had accepted for a quarter, read from the dataset: what
//! the template's 上期数据 sheet shows beside the form.

use std::collections::HashMap;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{Float64Type, Int32Type, Int64Type};
use clusterkpi_ingest::ReportRow;
use clusterkpi_ingest::value::{self, Levels};
use clusterkpi_lake::{Snapshot, Table};
use clusterkpi_model::Period;

use crate::{FormsError, Result};

/// Accepted report rows of one quarter by credit code.
pub type Figures = HashMap<String, ReportRow>;

/// The current accepted row of every enterprise for `period` in this snapshot: of the
/// rows for the same enterprise and quarter, the one of the latest version (a later
/// accepted row is a correction that replaces the earlier one).
pub fn accepted(snapshot: &Snapshot, period: Period) -> Result<Figures> {
    let mut best: HashMap<String, (i64, ReportRow)> = HashMap::new();
    for batch in snapshot.read(Table::ReportHistory)? {
        read_batch(&batch, period, &mut best)?;
    }
    Ok(best.into_iter().map(|(k, (_, r))| (k, r)).collect())
}

fn missing(column: &'static str) -> FormsError {
    FormsError::Schema {
        table: Table::ReportHistory.name(),
        column,
    }
}

fn strings<'a>(b: &'a RecordBatch, name: &'static str) -> Result<&'a arrow::array::StringArray> {
    b.column_by_name(name)
        .and_then(|c| c.as_string_opt::<i32>())
        .ok_or_else(|| missing(name))
}

fn floats<'a>(b: &'a RecordBatch, name: &'static str) -> Result<&'a arrow::array::Float64Array> {
    b.column_by_name(name)
        .and_then(|c| c.as_primitive_opt::<Float64Type>())
        .ok_or_else(|| missing(name))
}

fn ints<'a>(b: &'a RecordBatch, name: &'static str) -> Result<&'a arrow::array::Int64Array> {
    b.column_by_name(name)
        .and_then(|c| c.as_primitive_opt::<Int64Type>())
        .ok_or_else(|| missing(name))
}

fn flags<'a>(b: &'a RecordBatch, name: &'static str) -> Result<&'a arrow::array::BooleanArray> {
    b.column_by_name(name)
        .and_then(|c| c.as_boolean_opt())
        .ok_or_else(|| missing(name))
}

/// The canonical level word as the static string the record type holds.
fn level(levels: Levels, word: &str) -> &'static str {
    levels
        .iter()
        .find(|(c, _)| *c == word)
        .map_or("none", |(c, _)| c)
}

fn read_batch(
    b: &RecordBatch,
    period: Period,
    best: &mut HashMap<String, (i64, ReportRow)>,
) -> Result<()> {
    let index = b
        .column_by_name("period_index")
        .and_then(|c| c.as_primitive_opt::<Int32Type>())
        .ok_or_else(|| missing("period_index"))?;
    let code = strings(b, "credit_code")?;
    let version = ints(b, "version")?;
    let revenue = floats(b, "revenue_ytd")?;
    let output = floats(b, "output_value_ytd")?;
    let employees = ints(b, "employees")?;
    let is_sme = flags(b, "is_sme")?;
    let above = flags(b, "above_scale")?;
    let specialized = strings(b, "specialized_level")?;
    let kp = ints(b, "key_processes")?;
    let cnc = ints(b, "key_processes_cnc")?;
    let bis = flags(b, "business_info_system")?;
    let rnd = flags(b, "digital_rnd_tools")?;
    let ecom = flags(b, "ecommerce")?;
    let design = strings(b, "design_center_level")?;
    let platforms = ints(b, "innovation_platforms")?;
    let green = strings(b, "green_factory_level")?;
    let equipment = floats(b, "tech_upgrade_equipment_ytd")?;
    let demo = strings(b, "innovation_demo_level")?;
    let listing = strings(b, "listing_status")?;
    let breakthroughs = ints(b, "core_tech_breakthroughs")?;
    let line = ints(b, "source_line")?;
    for i in 0..b.num_rows() {
        if index.value(i) != period.index() {
            continue;
        }
        let v = version.value(i);
        let key = code.value(i);
        if best.get(key).is_some_and(|(seen, _)| *seen > v) {
            continue;
        }
        let row = ReportRow {
            credit_code: key.to_string(),
            period,
            revenue_ytd: revenue.value(i),
            output_value_ytd: output.value(i),
            employees: employees.is_valid(i).then(|| employees.value(i)),
            is_sme: is_sme.value(i),
            above_scale: above.value(i),
            specialized_level: level(value::SPECIALIZED, specialized.value(i)),
            key_processes: kp.value(i),
            key_processes_cnc: cnc.value(i),
            business_info_system: bis.value(i),
            digital_rnd_tools: rnd.value(i),
            ecommerce: ecom.value(i),
            design_center_level: level(value::DESIGN_CENTER, design.value(i)),
            innovation_platforms: platforms.value(i),
            green_factory_level: level(value::GREEN_OR_DEMO, green.value(i)),
            tech_upgrade_equipment_ytd: equipment.value(i),
            innovation_demo_level: level(value::GREEN_OR_DEMO, demo.value(i)),
            listing_status: level(value::LISTING, listing.value(i)),
            core_tech_breakthroughs: breakthroughs.value(i),
            line: u64::try_from(line.value(i)).unwrap_or(0),
        };
        best.insert(key.to_string(), (v, row));
    }
    Ok(())
}
