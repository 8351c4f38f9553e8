//! What "who has sent what" needs from the dataset: the report files recorded for a
//! quarter, the county each one is for, and the counties expected with their
//! enterprises (`clusterkpi_model::arrivals` computes the states).
//!
//! A file's county is read from its data where there is any: the roster's county of
//! the enterprises in its accepted rows (the county most of them belong to). A file
//! with no accepted rows (rejected) has only its name: first the name pattern of the
//! county's earlier files whose county the data told (`xinji-2025Q3.csv` was 辛集市's,
//! so `xinji-2025Q4.csv` is too), then a county name, or a cluster id of that county,
//! written in the name. A file none of these tells is listed apart, never guessed.

use std::collections::{HashMap, HashSet};

use arrow::array::{Array, AsArray};
use arrow::datatypes::Int32Type;
use clusterkpi_model::Period;
use clusterkpi_model::arrivals::{Expected, Sent, counties_of};
use clusterkpi_model::rows::{CodeKey, FastMap};

use crate::read::{for_each_str, read_batches};
use crate::{Result, Snapshot, Table};

/// Earlier quarters whose files teach the name patterns of each county.
const LEARN_QUARTERS: i32 = 4;

/// The roster's county of each enterprise: the county as an index into the few
/// distinct names, the code as a packed key, looked up for every row of the quarters
/// read. With text keys hashed by SipHash and a county name for each enterprise,
/// `status` at 100x the sample city took 1.35 s; 0.73 s with these (a report's
/// arrivals are read on one core beside its evaluation). Each enterprise also has its
/// own number (in the order first met), so that who reported is a bit of a list
/// instead of a second set of codes, probed at random for every row of the quarter
/// and again for every enterprise of the roster.
#[derive(Default)]
struct RosterCounties {
    /// Code → (county, the enterprise's number).
    county_of: FastMap<CodeKey, (u32, u32)>,
    counties: Vec<String>,
    index: HashMap<String, u32>,
}

impl RosterCounties {
    fn index_of(&mut self, county: &str) -> u32 {
        if let Some(&i) = self.index.get(county) {
            return i;
        }
        let i = u32::try_from(self.counties.len()).expect("fewer than 2^32 counties");
        self.counties.push(county.to_string());
        self.index.insert(county.to_string(), i);
        i
    }
}

/// What the dataset says about one quarter's report files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QuarterFiles {
    /// The counties expected, in the order of the list they come from.
    pub expected: Vec<Expected>,
    /// Every report file recorded for the quarter (duplicates left out).
    pub files: Vec<Sent>,
}

impl Snapshot {
    /// The report files recorded for `period`, each with its county, and the expected
    /// counties (`counties`, or every county of the cluster list) with their roster
    /// enterprises and those that reported for `period`.
    pub fn quarter_files(
        &self,
        period: Period,
        counties: Option<&[String]>,
    ) -> Result<QuarterFiles> {
        let roster = self.roster_counties()?;
        let county_index = |name: &str| roster.index.get(name).map(|&i| i as usize);
        let clusters = self.cluster_counties()?;
        let expected_names = match counties {
            Some(list) => list.to_vec(),
            None => counties_of(clusters.iter().map(|(_, county)| county.as_str())),
        };

        // Per data file of the quarter and the few before: the version that added it,
        // its enterprises' counties (by rows), and the enterprises with a row for
        // `period`.
        let window: HashSet<i32> = (0..=LEARN_QUARTERS).map(|k| period.index() - k).collect();
        let mut county_of_version: HashMap<u64, String> = HashMap::new();
        // The roster's enterprises with a row for `period`, by their number. (Only
        // the roster's are counted below.)
        let mut reporting = vec![0u64; roster.county_of.len().div_ceil(64)];
        for f in self.data_files(Table::ReportHistory) {
            let relevant = f.periods.is_empty()
                || f.periods
                    .iter()
                    .filter_map(|p| p.parse::<Period>().ok())
                    .any(|p| window.contains(&p.index()));
            if !relevant {
                continue;
            }
            // A file of other quarters only tells its county: its rows are counted
            // until one county holds more than half of them, which no other can then
            // pass (a county's file is all its own, so about half its rows are probed).
            let of_period = f.periods.is_empty()
                || f.periods
                    .iter()
                    .any(|p| p.parse::<Period>().ok() == Some(period));
            let mut rows_per_county = vec![0u64; roster.counties.len()];
            'batches: for b in read_batches(
                &self.checked_path(f)?,
                Some(&["credit_code", "period_index"]),
            )? {
                let code = b.column(0).as_string::<i32>();
                let pidx = b.column(1).as_primitive::<Int32Type>();
                for i in 0..b.num_rows() {
                    if code.is_null(i) {
                        continue;
                    }
                    let key = CodeKey::new(code.value(i));
                    if let Some(&(county, n)) = roster.county_of.get(&key) {
                        let rows = &mut rows_per_county[county as usize];
                        *rows += 1;
                        if pidx.value(i) == period.index() {
                            reporting[n as usize / 64] |= 1 << (n % 64);
                        }
                        if !of_period && 2 * *rows > f.rows {
                            break 'batches;
                        }
                    }
                }
            }
            // The county most of its rows belong to; the first by name on a tie.
            let most = rows_per_county
                .iter()
                .zip(&roster.counties)
                .filter(|(rows, _)| **rows > 0)
                .max_by(|a, b| a.0.cmp(b.0).then(b.1.cmp(a.1)));
            if let Some((_, county)) = most {
                county_of_version.insert(f.version, county.clone());
            }
        }

        // Name patterns learnt from the files whose county the data told.
        let mut stems: HashMap<String, HashSet<String>> = HashMap::new();
        for s in self.report_submissions() {
            if let Some(county) = county_of_version.get(&s.version) {
                let stem = name_stem(&s.path);
                if !stem.is_empty() {
                    stems.entry(stem).or_default().insert(county.clone());
                }
            }
        }

        let mut files = Vec::new();
        for s in self.report_submissions() {
            let periods: Vec<Period> = if s.periods.is_empty() {
                period_in_name(&s.path).into_iter().collect()
            } else {
                s.periods.iter().filter_map(|p| p.parse().ok()).collect()
            };
            if !periods.contains(&period) {
                continue;
            }
            let (county, by_name) = match county_of_version.get(&s.version) {
                Some(c) => (Some(c.clone()), false),
                None => (county_by_name(&s.path, &stems, &clusters), true),
            };
            files.push(Sent {
                path: s.path.clone(),
                outcome: s.outcome.clone(),
                received_at: s.ingested_at.clone(),
                rows_accepted: s.rows_accepted,
                rows_quarantined: s.rows_quarantined,
                by_name: by_name && county.is_some(),
                county,
            });
        }

        // Each county's enterprises and those with a row for `period`, in one pass.
        let mut enterprises = vec![0u64; roster.counties.len()];
        let mut reported = vec![0u64; roster.counties.len()];
        for &(county, n) in roster.county_of.values() {
            enterprises[county as usize] += 1;
            reported[county as usize] += (reporting[n as usize / 64] >> (n % 64)) & 1;
        }
        let expected = expected_names
            .into_iter()
            .map(|county| {
                let i = county_index(&county);
                Expected {
                    enterprises: i.map_or(0, |i| enterprises[i]),
                    reporting: i.map_or(0, |i| reported[i]),
                    county,
                }
            })
            .collect();
        Ok(QuarterFiles { expected, files })
    }

    /// The report files recorded, and the rejected files that may be reports: a file
    /// whose kind cannot be told from its header is recorded under the kind it came
    /// closest to (often a reference list), so a rejected file without quarters counts
    /// when its name states one (a reference list's name does not). Duplicates are
    /// left out (they changed nothing).
    fn report_submissions(&self) -> impl Iterator<Item = &crate::Submission> {
        self.manifest
            .submissions
            .iter()
            .map(AsRef::as_ref)
            .filter(|s| {
                let maybe_report = match s.kind.as_str() {
                    "reports" | "unknown" => true,
                    "values" => false,
                    _ => s.outcome == "rejected" && s.periods.is_empty(),
                };
                maybe_report && s.outcome != "duplicate"
            })
    }

    /// Credit code → county, from the current roster.
    fn roster_counties(&self) -> Result<RosterCounties> {
        let mut out = RosterCounties::default();
        // At the size the version records (bounded: a count is no reason to take
        // gigabytes before a row is read).
        let enterprises: u64 = self.data_files(Table::Roster).iter().map(|f| f.rows).sum();
        out.county_of
            .reserve(usize::try_from(enterprises.min(1 << 22)).unwrap_or_default());
        for f in self.verified_files(Table::Roster)? {
            for b in read_batches(&f, Some(&["credit_code", "county"]))? {
                let mut codes = Vec::new();
                for_each_str(&b, 0, |s| codes.push(CodeKey::new(s)));
                let mut i = 0;
                for_each_str(&b, 1, |county| {
                    if let Some(code) = codes.get(i) {
                        let county = out.index_of(county);
                        let n = u32::try_from(out.county_of.len()).expect("fewer than 2^32");
                        // A code listed again keeps its number and takes the later county.
                        out.county_of.entry(code.clone()).or_insert((county, n)).0 = county;
                    }
                    i += 1;
                });
            }
        }
        Ok(out)
    }

    /// (cluster id, county) of the current cluster list, in its order.
    fn cluster_counties(&self) -> Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        for f in self.verified_files(Table::Clusters)? {
            for b in read_batches(&f, Some(&["cluster_id", "county"]))? {
                let mut ids = Vec::new();
                for_each_str(&b, 0, |s| ids.push(s.to_string()));
                let mut i = 0;
                for_each_str(&b, 1, |county| {
                    if let Some(id) = ids.get(i) {
                        out.push((id.clone(), county.to_string()));
                    }
                    i += 1;
                });
            }
        }
        Ok(out)
    }
}

/// The file name without folder, extension, quarter and separators, lower-cased:
/// `inbox/2025Q4/xinji-2025Q4.csv` and `xinji_2025q3.xlsx` both give `xinji`;
/// `辛集市2025年四季度报表.xlsx` gives `辛集市报表`.
fn name_stem(path: &str) -> String {
    let name = file_name(path);
    let name = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    let chars: Vec<char> = name.to_lowercase().chars().collect();
    let digit_at = |i: usize| chars.get(i).is_some_and(char::is_ascii_digit);
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let quarter_word = matches!(c, '年' | '季' | '度' | '第' | '一' | '二' | '三' | '四');
        // The q of "2025q4", not the q of "equipment".
        let quarter_q = c == 'q' && ((i > 0 && digit_at(i - 1)) || digit_at(i + 1));
        if c.is_ascii_digit() || quarter_q || quarter_word || !c.is_alphanumeric() {
            continue;
        }
        out.push(c);
    }
    out
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// The quarter a file's name states (`2025Q4`, `2025年四季度`, `2025-Q4`), if exactly
/// one.
fn period_in_name(path: &str) -> Option<Period> {
    let name = file_name(path);
    let chars: Vec<(usize, char)> = name.char_indices().collect();
    let mut found: Option<Period> = None;
    for (k, (start, c)) in chars.iter().enumerate() {
        let starts_year = c.is_ascii_digit()
            && (k == 0 || !chars[k - 1].1.is_ascii_digit())
            && chars.get(k + 3).is_some_and(|(_, c)| c.is_ascii_digit());
        if !starts_year {
            continue;
        }
        // The longest parse from here: "2025年四季度" before "2025年四季".
        let parsed = chars[k..]
            .iter()
            .take(8)
            .map(|(i, ch)| i + ch.len_utf8())
            .filter_map(|end| name[*start..end].parse::<Period>().ok())
            .next_back();
        match (parsed, found) {
            (Some(p), Some(f)) if p != f => return None,
            (Some(p), _) => found = Some(p),
            (None, _) => {}
        }
    }
    found
}

/// The county a file's name tells: the learnt pattern of that county's earlier files,
/// else a county name (with or without 市/县/区) or one of its cluster ids written in
/// it. `None` when nothing or more than one county matches.
fn county_by_name(
    path: &str,
    stems: &HashMap<String, HashSet<String>>,
    clusters: &[(String, String)],
) -> Option<String> {
    if let Some(counties) = stems.get(&name_stem(path))
        && counties.len() == 1
    {
        return counties.iter().next().cloned();
    }
    let name = file_name(path).to_lowercase();
    let tokens: Vec<&str> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    let mut hits: Vec<&str> = Vec::new();
    for (id, county) in clusters {
        let short = county.trim_end_matches(['市', '县', '区']);
        let by_county =
            name.contains(county.as_str()) || short.chars().count() >= 2 && name.contains(short);
        let id = id.to_lowercase();
        let first = id.split('-').next().unwrap_or(&id);
        let by_id = name.contains(id.as_str()) || tokens.contains(&first);
        if (by_county || by_id) && !hits.contains(&county.as_str()) {
            hits.push(county);
        }
    }
    match hits.as_slice() {
        [one] => Some((*one).to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Lake;
    use clusterkpi_ingest::{
        ClusterRow, FileResult, InputKind, Outcome, Record, ReportRow, RosterRow, Sink,
    };

    #[test]
    fn stems_drop_folders_quarters_and_separators() {
        assert_eq!(name_stem("inbox/2025Q4/xinji-2025Q4.csv"), "xinji");
        assert_eq!(name_stem("xinji_2025q3.xlsx"), "xinji");
        assert_eq!(
            name_stem("gaocheng-equipment-2025Q4.csv"),
            "gaochengequipment"
        );
        assert_eq!(
            name_stem(r"D:\报表\辛集市2025年四季度报表.xlsx"),
            "辛集市报表"
        );
        assert_eq!(name_stem("2025Q4.csv"), "");
    }

    #[test]
    fn a_quarter_is_read_from_a_name_only_when_it_is_one() {
        let p = |s: &str| s.parse::<Period>().ok();
        assert_eq!(period_in_name("inbox/x/wuji-2025Q4.csv"), p("2025Q4"));
        assert_eq!(period_in_name("辛集市2025年四季度报表.xlsx"), p("2025Q4"));
        assert_eq!(period_in_name("wuji-2025-Q3.csv"), p("2025Q3"));
        assert_eq!(period_in_name("wuji.csv"), None);
        assert_eq!(period_in_name("wuji-2025Q3-2025Q4.csv"), None);
        // A credit code or a long number is not a year.
        assert_eq!(period_in_name("911301012025Q4.csv"), None);
    }

    #[test]
    fn a_name_tells_a_county_only_when_it_tells_one() {
        let clusters = vec![
            ("xinji-leather".to_string(), "辛集市".to_string()),
            ("gaocheng-equipment".to_string(), "藁城区".to_string()),
            ("gaocheng-lantern".to_string(), "藁城区".to_string()),
            ("wuji-leather".to_string(), "无极县".to_string()),
        ];
        let mut stems = HashMap::new();
        stems.insert(
            "countyfile".to_string(),
            HashSet::from(["无极县".to_string()]),
        );
        let by = |p: &str| county_by_name(p, &stems, &clusters);
        // Learnt from this county's earlier files first.
        assert_eq!(by("county_file_2025Q4.csv").as_deref(), Some("无极县"));
        assert_eq!(by("辛集2025年四季度.xlsx").as_deref(), Some("辛集市"));
        assert_eq!(by("gaocheng-lantern-2025Q4.csv").as_deref(), Some("藁城区"));
        assert_eq!(by("gaocheng-2025Q4.csv").as_deref(), Some("藁城区"));
        assert_eq!(by("report-2025Q4.csv"), None);
        // Two counties named: not guessed.
        assert_eq!(by("xinji-wuji-2025Q4.csv"), None);
    }

    fn report(code: &str, p: &str) -> Record {
        Record::Report(ReportRow {
            credit_code: code.into(),
            period: p.parse().unwrap(),
            revenue_ytd: 1.0,
            output_value_ytd: 1.0,
            employees: None,
            is_sme: true,
            above_scale: false,
            specialized_level: "none",
            key_processes: 1,
            key_processes_cnc: 1,
            business_info_system: true,
            digital_rnd_tools: false,
            ecommerce: false,
            design_center_level: "none",
            innovation_platforms: 0,
            green_factory_level: "none",
            tech_upgrade_equipment_ytd: 0.0,
            innovation_demo_level: "none",
            listing_status: "none",
            core_tech_breakthroughs: 0,
            line: 2,
        })
    }

    fn commit(
        w: &mut crate::Writer,
        kind: InputKind,
        path: &str,
        outcome: Outcome,
        periods: &[&str],
        records: Vec<Record>,
    ) -> Snapshot {
        let mut s = w.stage(kind, path).unwrap();
        let n = records.len() as u64;
        for r in records {
            s.accept(r).unwrap();
        }
        let result = FileResult {
            path: path.into(),
            kind: Some(kind),
            format: Some("CSV UTF-8".into()),
            outcome,
            rows_read: n,
            rows_accepted: if outcome == Outcome::Rejected { 0 } else { n },
            rows_quarantined: 0,
            warnings: 0,
            issues: Vec::new(),
            periods: periods.iter().map(|p| p.parse().unwrap()).collect(),
            skipped_checks: Vec::new(),
        };
        // Distinct bytes per file: the path stands for them.
        let sha = format!(
            "{:0>64}",
            path.len() * 1000 + path.bytes().map(usize::from).sum::<usize>()
        );
        w.commit(&result, &sha, Some(s)).unwrap()
    }

    /// A small city: the county of accepted files comes from their rows (whatever the
    /// name says), a rejected file's from the name pattern of the county's accepted
    /// files, and expected counties count their enterprises and who reported.
    #[test]
    fn files_are_told_to_their_county_by_their_rows_first() {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::open(dir.path()).unwrap();
        let mut w = lake.lock().unwrap();
        let cluster = |id: &str, county: &str| {
            Record::Cluster(ClusterRow {
                cluster_id: id.into(),
                name: id.into(),
                name_en: None,
                county: county.into(),
                industry: "x".into(),
                established: "2017Q4".parse().unwrap(),
            })
        };
        commit(
            &mut w,
            InputKind::Clusters,
            "clusters.csv",
            Outcome::Accepted,
            &[],
            vec![
                cluster("xinji-leather", "辛集市"),
                cluster("wuji-leather", "无极县"),
                cluster("gaoyi-tiles", "高邑县"),
            ],
        );
        let member = |code: &str, county: &str| {
            Record::Roster(RosterRow {
                credit_code: code.into(),
                name: code.into(),
                cluster_id: "x".into(),
                county: county.into(),
            })
        };
        commit(
            &mut w,
            InputKind::Roster,
            "roster.csv",
            Outcome::Accepted,
            &[],
            vec![
                member("A1", "辛集市"),
                member("A2", "辛集市"),
                member("B1", "无极县"),
                member("C1", "高邑县"),
            ],
        );
        let reports = InputKind::Reports;
        // The name says nothing of the county; the rows do.
        commit(
            &mut w,
            reports,
            "inbox/upload-1.csv",
            Outcome::Accepted,
            &["2025Q3"],
            vec![report("B1", "2025Q3")],
        );
        commit(
            &mut w,
            reports,
            "inbox/wuji-2025Q3.csv",
            Outcome::Accepted,
            &["2025Q3"],
            vec![report("B1", "2025Q3")],
        );
        commit(
            &mut w,
            reports,
            "inbox/q4/a.csv",
            Outcome::Accepted,
            &["2025Q4"],
            vec![report("A1", "2025Q4")],
        );
        // Rejected: no rows, and a quarter read from the name.
        commit(
            &mut w,
            reports,
            "inbox/q4/wuji-2025Q4.csv",
            Outcome::Rejected,
            &[],
            vec![],
        );
        // Rejected, its kind not told (recorded as the list it came closest to).
        commit(
            &mut w,
            InputKind::Roster,
            "inbox/q4/gaoyi-2025Q4.csv",
            Outcome::Rejected,
            &[],
            vec![],
        );
        // A rejected reference list is no county's file.
        commit(
            &mut w,
            InputKind::Roster,
            "roster-new.csv",
            Outcome::Rejected,
            &[],
            vec![],
        );
        let snap = commit(
            &mut w,
            reports,
            "inbox/q4/nobody-2025Q4.csv",
            Outcome::Rejected,
            &[],
            vec![],
        );
        let q = snap.quarter_files("2025Q4".parse().unwrap(), None).unwrap();
        let names: Vec<&str> = q.expected.iter().map(|e| e.county.as_str()).collect();
        assert_eq!(names, ["辛集市", "无极县", "高邑县"]);
        assert_eq!((q.expected[0].enterprises, q.expected[0].reporting), (2, 1));
        assert_eq!((q.expected[1].enterprises, q.expected[1].reporting), (1, 0));
        let files: Vec<(&str, Option<&str>, bool)> = q
            .files
            .iter()
            .map(|f| (f.path.as_str(), f.county.as_deref(), f.by_name))
            .collect();
        assert_eq!(
            files,
            [
                ("inbox/q4/a.csv", Some("辛集市"), false),
                ("inbox/q4/wuji-2025Q4.csv", Some("无极县"), true),
                ("inbox/q4/gaoyi-2025Q4.csv", Some("高邑县"), true),
                ("inbox/q4/nobody-2025Q4.csv", None, false),
            ]
        );
        // Counties given in the pipeline file replace the cluster list's.
        let only = ["高邑县".to_string(), "井陉县".to_string()];
        let q = snap
            .quarter_files("2025Q4".parse().unwrap(), Some(&only))
            .unwrap();
        assert_eq!(q.expected.len(), 2);
        assert_eq!(q.expected[1].enterprises, 0);
    }
}
