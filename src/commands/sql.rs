//! `clusterkpi sql`: ad-hoc queries over the dataset for planners.

use std::path::Path;

use anyhow::{Context, Result, bail};
use clusterkpi_engine::arrow;
use clusterkpi_lake::Lake;

use crate::cli::PipelineArgs;
use crate::exit::Exit;
use crate::pipeline;

pub(crate) fn run(
    query: &str,
    output: Option<&Path>,
    version: Option<u64>,
    args: &PipelineArgs,
) -> Result<Exit> {
    let p = pipeline::load(args, None)?;
    let lake = Lake::open_existing(&p.lake)?;
    let batches = clusterkpi_engine::query(&lake, version, query)?;
    let rows: usize = batches
        .iter()
        .map(arrow::array::RecordBatch::num_rows)
        .sum();
    match output {
        None => {
            say!("{}", arrow::util::pretty::pretty_format_batches(&batches)?);
            say!("{rows} rows");
        }
        Some(out) => {
            let ext = out
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("")
                .to_ascii_lowercase();
            match ext.as_str() {
                "csv" => {
                    let f = std::fs::File::create(out)
                        .with_context(|| format!("creating {}", out.display()))?;
                    let mut w = arrow::csv::WriterBuilder::new().with_header(true).build(f);
                    for b in &batches {
                        w.write(b)?;
                    }
                }
                "parquet" => {
                    let Some(first) = batches.first() else {
                        bail!("the query returned no batches to write")
                    };
                    let f = std::fs::File::create(out)
                        .with_context(|| format!("creating {}", out.display()))?;
                    let mut w = datafusion_parquet::ArrowWriter::try_new(f, first.schema(), None)?;
                    for b in &batches {
                        w.write(b)?;
                    }
                    w.close()?;
                }
                _ => bail!("--output must end in .csv or .parquet"),
            }
            say!("{rows} rows written to {}", out.display());
        }
    }
    Ok(Exit::Complete)
}

use clusterkpi_engine::parquet as datafusion_parquet;
