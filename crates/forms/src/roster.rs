//! Who a county's template lists: the roster's enterprises by county, each with its
//! cluster's name, from the reference lists as read by the validator or from the
//! dataset's current lists.

use std::collections::{BTreeMap, HashMap};

use arrow::array::AsArray;
use clusterkpi_ingest::Record;
use clusterkpi_lake::{Snapshot, Table};
use clusterkpi_model::Language;

use crate::template::Enterprise;
use crate::{FormsError, Result};

/// The roster's enterprises by county, each county's ordered by cluster and name.
pub type ByCounty = BTreeMap<String, Vec<Enterprise>>;

/// One roster row: credit code, name, cluster id, county.
type Row = (String, String, String, String);

/// From accepted records of a cluster list and a roster (as `clusterkpi_ingest::process`
/// gives them). A cluster is named in `lang` where the list has the name.
#[must_use]
pub fn from_records(clusters: &[Record], roster: &[Record], lang: Language) -> ByCounty {
    let names = clusters
        .iter()
        .filter_map(|r| match r {
            Record::Cluster(c) => {
                let name = match (lang, &c.name_en) {
                    (Language::En, Some(en)) => en.clone(),
                    _ => c.name.clone(),
                };
                Some((c.cluster_id.clone(), name))
            }
            _ => None,
        })
        .collect();
    let rows = roster.iter().filter_map(|r| match r {
        Record::Roster(e) => Some((
            e.credit_code.clone(),
            e.name.clone(),
            e.cluster_id.clone(),
            e.county.clone(),
        )),
        _ => None,
    });
    group(rows, &names)
}

fn group(rows: impl Iterator<Item = Row>, names: &HashMap<String, String>) -> ByCounty {
    let mut out: ByCounty = BTreeMap::new();
    for (credit_code, name, cluster, county) in rows {
        let cluster = names.get(&cluster).cloned().unwrap_or(cluster);
        out.entry(county).or_default().push(Enterprise {
            credit_code,
            name,
            cluster,
        });
    }
    for list in out.values_mut() {
        list.sort_by(|a, b| (&a.cluster, &a.name).cmp(&(&b.cluster, &b.name)));
    }
    out
}

fn strings(
    b: &arrow::array::RecordBatch,
    table: Table,
    column: &'static str,
) -> Result<Vec<Option<String>>> {
    let a = b
        .column_by_name(column)
        .and_then(|c| c.as_string_opt::<i32>())
        .ok_or(FormsError::Schema {
            table: table.name(),
            column,
        })?;
    Ok(a.iter().map(|v| v.map(str::to_string)).collect())
}

/// From the dataset's current cluster list and roster; None when it has no roster.
pub fn from_snapshot(s: &Snapshot, lang: Language) -> Result<Option<ByCounty>> {
    if s.data_files(Table::Roster).is_empty() {
        return Ok(None);
    }
    let mut names = HashMap::new();
    for b in s.read(Table::Clusters)? {
        let ids = strings(&b, Table::Clusters, "cluster_id")?;
        let zh = strings(&b, Table::Clusters, "name")?;
        let en = strings(&b, Table::Clusters, "name_en")?;
        for ((id, zh), en) in ids.into_iter().zip(zh).zip(en) {
            let name = match lang {
                Language::En => en.or(zh),
                Language::Zh => zh,
            };
            if let (Some(id), Some(name)) = (id, name) {
                names.insert(id, name);
            }
        }
    }
    let mut rows = Vec::new();
    for b in s.read(Table::Roster)? {
        let t = Table::Roster;
        let cols = [
            strings(&b, t, "credit_code")?,
            strings(&b, t, "name")?,
            strings(&b, t, "cluster_id")?,
            strings(&b, t, "county")?,
        ];
        let [codes, enterprise, cluster, county] = cols;
        for (((c, n), cl), co) in codes.into_iter().zip(enterprise).zip(cluster).zip(county) {
            rows.push((
                c.unwrap_or_default(),
                n.unwrap_or_default(),
                cl.unwrap_or_default(),
                co.unwrap_or_default(),
            ));
        }
    }
    Ok(Some(group(rows.into_iter(), &names)))
}
