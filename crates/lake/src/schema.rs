//! The dataset's tables, and their Arrow side derived from the row declarations of
//! `clusterkpi_model::rows`: each table's schema, a batch builder any declared row is
//! written into, and a reader that gives declared rows back from a batch.

use std::sync::{Arc, OnceLock};

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanBuilder, Float64Builder, Int32Builder, Int64Builder,
    RecordBatch, StringBuilder,
};
use arrow::datatypes::{DataType, Field, Float64Type, Int32Type, Int64Type, Schema, SchemaRef};
use clusterkpi_model::Issue;
use clusterkpi_model::rows::{
    CellSource, Cells, ClusterRow, ColumnDef, ColumnType, Provenance, ReportRow, RosterRow, Row,
    SupersededRow, ValueRow, Version,
};

/// The tables kept in the dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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

    /// The table of this name.
    #[must_use]
    pub fn by_name(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The declared columns of the table's rows.
    #[must_use]
    pub fn columns(self) -> Vec<ColumnDef> {
        match self {
            Table::ReportHistory => <(ReportRow, Provenance)>::columns(),
            Table::Values => <(ValueRow, Provenance)>::columns(),
            Table::Clusters => ClusterRow::columns(),
            Table::Roster => RosterRow::columns(),
            Table::Issues => <(Issue, Version)>::columns(),
            Table::Superseded => SupersededRow::columns(),
        }
    }

    #[must_use]
    pub fn schema(self) -> SchemaRef {
        static SCHEMAS: [OnceLock<SchemaRef>; 6] = [const { OnceLock::new() }; 6];
        let at = Table::ALL
            .iter()
            .position(|t| *t == self)
            .expect("every table is in ALL");
        SCHEMAS[at]
            .get_or_init(|| {
                let fields: Vec<Field> = self
                    .columns()
                    .iter()
                    .map(|c| Field::new(&c.name, data_type(c.ty), c.nullable))
                    .collect();
                Arc::new(Schema::new(fields))
            })
            .clone()
    }
}

fn data_type(ty: ColumnType) -> DataType {
    match ty {
        ColumnType::Text | ColumnType::Word => DataType::Utf8,
        ColumnType::Int32 => DataType::Int32,
        ColumnType::Int64 => DataType::Int64,
        ColumnType::Float64 => DataType::Float64,
        ColumnType::Bool => DataType::Boolean,
    }
}

/// One column being built.
enum Column {
    Text(StringBuilder),
    Int32(Int32Builder),
    Int64(Int64Builder),
    Float64(Float64Builder),
    Bool(BooleanBuilder),
}

impl Column {
    /// An empty column of `ty` with room for `rows` values (text: and `bytes` bytes).
    fn with_capacity(ty: ColumnType, rows: usize, bytes: usize) -> Self {
        match ty {
            ColumnType::Text | ColumnType::Word => {
                Column::Text(StringBuilder::with_capacity(rows, bytes))
            }
            ColumnType::Int32 => Column::Int32(Int32Builder::with_capacity(rows)),
            ColumnType::Int64 => Column::Int64(Int64Builder::with_capacity(rows)),
            ColumnType::Float64 => Column::Float64(Float64Builder::with_capacity(rows)),
            ColumnType::Bool => Column::Bool(BooleanBuilder::with_capacity(rows)),
        }
    }

    fn finish(mut self) -> ArrayRef {
        match &mut self {
            Column::Text(b) => Arc::new(b.finish()),
            Column::Int32(b) => Arc::new(b.finish()),
            Column::Int64(b) => Arc::new(b.finish()),
            Column::Float64(b) => Arc::new(b.finish()),
            Column::Bool(b) => Arc::new(b.finish()),
        }
    }
}

/// Rows of one table written into an Arrow batch, column by column as the row
/// declarations write them.
pub struct BatchBuilder {
    table: Table,
    columns: Vec<Column>,
    /// The column the next value goes to.
    at: usize,
    rows: usize,
}

impl BatchBuilder {
    /// A builder with room for `capacity` rows, a text column's bytes guessed from its
    /// type: a canonical word is a few letters, other text (a credit code, a quarter,
    /// a file's path) tens of bytes. Guessed at a byte a row, a report file's first
    /// batch grew its text columns by doubling, a copy each time.
    #[must_use]
    pub fn new(table: Table, capacity: usize) -> Self {
        let columns = table
            .columns()
            .iter()
            .map(|c| {
                let width = match c.ty {
                    ColumnType::Word => 8,
                    _ => 24,
                };
                Column::with_capacity(c.ty, capacity, capacity * width)
            })
            .collect();
        Self {
            table,
            columns,
            at: 0,
            rows: 0,
        }
    }

    /// Appends one row of the table's own row type.
    pub fn push(&mut self, row: &impl Row) {
        self.push_with(|cells| row.write(cells));
    }

    /// Appends one row written by `write`, which must write every column once, in
    /// order (a row and its provenance, say).
    pub fn push_with(&mut self, write: impl FnOnce(&mut Self)) {
        write(self);
        assert_eq!(
            self.at,
            self.columns.len(),
            "a row of {} writes every column",
            self.table.name()
        );
        self.at = 0;
        self.rows += 1;
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.rows
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The rows so far as a batch; the builder is empty again, each column made as
    /// large as this batch's (a text column: its bytes too). Arrow's builders hand
    /// their buffers over and start again from nothing: every batch of a staged file
    /// after its first grew each column by doubling, copying it at each step (a
    /// county's file at 100x the sample city is one to eight batches).
    pub fn finish(&mut self) -> RecordBatch {
        self.take(true)
    }

    /// [`BatchBuilder::finish`] of the last batch: no room is made for more rows.
    pub fn finish_last(&mut self) -> RecordBatch {
        self.take(false)
    }

    fn take(&mut self, again: bool) -> RecordBatch {
        let rows = if again { self.rows } else { 0 };
        let cols: Vec<ArrayRef> = self
            .columns
            .iter_mut()
            .zip(self.table.columns())
            .map(|(c, def)| {
                let bytes = match c {
                    Column::Text(b) if again => b.values_slice().len(),
                    _ => 0,
                };
                std::mem::replace(c, Column::with_capacity(def.ty, rows, bytes)).finish()
            })
            .collect();
        self.rows = 0;
        RecordBatch::try_new(self.table.schema(), cols)
            .expect("the declaration's columns match the table schema")
    }

    fn next(&mut self) -> &mut Column {
        let c = &mut self.columns[self.at];
        self.at += 1;
        c
    }
}

/// A value of another type than the declaration's: a bug in a `Stored` impl.
fn mismatch(table: Table, at: usize) -> ! {
    panic!(
        "column {at} of {} written with another type than declared",
        table.name()
    )
}

impl Cells for BatchBuilder {
    fn text(&mut self, v: Option<&str>) {
        let (table, at) = (self.table, self.at);
        match self.next() {
            Column::Text(b) => b.append_option(v),
            _ => mismatch(table, at),
        }
    }
    fn int32(&mut self, v: Option<i32>) {
        let (table, at) = (self.table, self.at);
        match self.next() {
            Column::Int32(b) => b.append_option(v),
            _ => mismatch(table, at),
        }
    }
    fn int64(&mut self, v: Option<i64>) {
        let (table, at) = (self.table, self.at);
        match self.next() {
            Column::Int64(b) => b.append_option(v),
            _ => mismatch(table, at),
        }
    }
    fn float64(&mut self, v: Option<f64>) {
        let (table, at) = (self.table, self.at);
        match self.next() {
            Column::Float64(b) => b.append_option(v),
            _ => mismatch(table, at),
        }
    }
    fn bool(&mut self, v: Option<bool>) {
        let (table, at) = (self.table, self.at);
        match self.next() {
            Column::Bool(b) => b.append_option(v),
            _ => mismatch(table, at),
        }
    }
}

/// Every row of `batch` as the declared row type `R`, its columns found by name (a
/// column the batch lacks reads as null, then as the type's default).
#[must_use]
pub fn rows<R: Row>(batch: &RecordBatch) -> Vec<R> {
    let schema = batch.schema();
    let columns: Vec<Option<&ArrayRef>> = R::columns()
        .iter()
        .map(|c| schema.index_of(&c.name).ok().map(|i| batch.column(i)))
        .collect();
    (0..batch.num_rows())
        .map(|row| {
            R::read(&mut BatchRow {
                columns: &columns,
                row,
                at: 0,
            })
        })
        .collect()
}

struct BatchRow<'a> {
    columns: &'a [Option<&'a ArrayRef>],
    row: usize,
    at: usize,
}

impl BatchRow<'_> {
    fn next(&mut self) -> Option<&ArrayRef> {
        let c = self.columns.get(self.at).copied().flatten();
        self.at += 1;
        c.filter(|a| a.is_valid(self.row))
    }
}

impl CellSource for BatchRow<'_> {
    fn text(&mut self) -> Option<&str> {
        let row = self.row;
        self.next()
            .and_then(|a| a.as_string_opt::<i32>())
            .map(|a| a.value(row))
    }
    fn int32(&mut self) -> Option<i32> {
        let row = self.row;
        self.next()
            .and_then(|a| a.as_primitive_opt::<Int32Type>())
            .map(|a| a.value(row))
    }
    fn int64(&mut self) -> Option<i64> {
        let row = self.row;
        self.next()
            .and_then(|a| a.as_primitive_opt::<Int64Type>())
            .map(|a| a.value(row))
    }
    fn float64(&mut self) -> Option<f64> {
        let row = self.row;
        self.next()
            .and_then(|a| a.as_primitive_opt::<Float64Type>())
            .map(|a| a.value(row))
    }
    fn bool(&mut self) -> Option<bool> {
        let row = self.row;
        self.next()
            .and_then(|a| a.as_boolean_opt())
            .map(|a| a.value(row))
    }
}

#[cfg(test)]
mod tests {
    use clusterkpi_model::{Code, Period};

    use super::*;

    fn report() -> ReportRow {
        ReportRow {
            credit_code: "91130100MA0000000X".into(),
            period: "2024Q3".parse().unwrap(),
            revenue_ytd: 1234.5,
            output_value_ytd: 1500.0,
            employees: None,
            is_sme: true,
            above_scale: false,
            specialized_level: "provincial",
            key_processes: 10,
            key_processes_cnc: 7,
            business_info_system: true,
            digital_rnd_tools: false,
            ecommerce: true,
            design_center_level: "municipal",
            innovation_platforms: 2,
            green_factory_level: "none",
            tech_upgrade_equipment_ytd: 80.25,
            innovation_demo_level: "national",
            listing_status: "reserve",
            core_tech_breakthroughs: 1,
            line: 17,
        }
    }

    /// What is written is what is read: every field of every declared table, through
    /// an Arrow batch.
    #[test]
    fn declared_rows_round_trip_through_a_batch() {
        let provenance = Provenance {
            version: 3,
            source_file: "新华区.csv".into(),
        };
        let mut b = BatchBuilder::new(Table::ReportHistory, 2);
        let row = (report(), provenance);
        b.push(&row);
        let batch = b.finish();
        assert_eq!(batch.schema(), Table::ReportHistory.schema());
        assert_eq!(rows::<(ReportRow, Provenance)>(&batch), vec![row]);

        let issue = Issue {
            file: "a.xlsx".into(),
            sheet: Some("Sheet1".into()),
            line: 4,
            column: "营业收入".into(),
            code: Code::W_YTD_DECREASE,
            value: "12".into(),
            message_zh: "减少".into(),
            message_en: "decrease".into(),
            period: Some(Period::from_index(8099)),
        };
        let mut b = BatchBuilder::new(Table::Issues, 1);
        let row = (issue, Version { version: 9 });
        b.push(&row);
        let batch = b.finish();
        let severity = batch
            .column(batch.schema().index_of("severity").unwrap())
            .as_string::<i32>()
            .value(0)
            .to_string();
        assert_eq!(severity, "warning");
        assert_eq!(rows::<(Issue, Version)>(&batch), vec![row]);
    }

    /// The stored layout readers of the dataset see, pinned: a change here is a change
    /// of the data other engines read. (A `Word` column is text to them, kept without
    /// a minimum and maximum.)
    #[test]
    fn table_columns() {
        let shown: Vec<String> = Table::ALL
            .iter()
            .map(|t| {
                let cols: Vec<String> = t
                    .columns()
                    .iter()
                    .map(|c| format!("{} {:?}{}", c.name, c.ty, if c.nullable { "?" } else { "" }))
                    .collect();
                format!("{}: {}", t.name(), cols.join(", "))
            })
            .collect();
        assert_eq!(
            shown.join("\n"),
            "report_history: credit_code Text, period Text, period_index Int32, revenue_ytd Float64, output_value_ytd Float64, employees Int64?, is_sme Bool, above_scale Bool, specialized_level Word, key_processes Int64, key_processes_cnc Int64, business_info_system Bool, digital_rnd_tools Bool, ecommerce Bool, design_center_level Word, innovation_platforms Int64, green_factory_level Word, tech_upgrade_equipment_ytd Float64, innovation_demo_level Word, listing_status Word, core_tech_breakthroughs Int64, source_line Int64, version Int64, source_file Text\n\
             values: period Text, period_index Int32, scope Word, scope_id Text, indicator Text, value Float64, source_line Int64, version Int64, source_file Text\n\
             clusters: cluster_id Text, name Text, name_en Text?, county Text, industry Text, established Text, established_index Int32\n\
             roster: credit_code Text, name Text, cluster_id Text, county Text\n\
             issues: file Text, sheet Text?, line Int64, column Text, code Word, severity Word, value Text, message_zh Text, message_en Text, period Text?, period_index Int32?, version Int64\n\
             superseded: credit_code Text, period_index Int32, version Int64"
        );
    }
}
