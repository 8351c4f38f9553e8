//! Who has sent what: for one quarter, each expected county's report files with when
//! they arrived and what became of them, and the county's state — received, late,
//! partially accepted, rejected, missing (not yet due) or overdue.
//!
//! Pure: the dataset reader (`clusterkpi-lake`, `arrivals.rs`) gathers the files and
//! the county each one is for; `clusterkpi status` and the report's data-quality
//! section show the same [`Arrivals::table`]. Times are instants in UTC as the dataset
//! records them (RFC 3339); the due date is a day in China Standard Time, the day the
//! county bureaus work by: a file is on time when it arrives by the end of that day,
//! 24:00 CST, which is 16:00 UTC.

use crate::Counted;
use crate::display::{self, DASH, Display, ShownUnit};
use crate::evaluation::Language;
use crate::period::{Date, Period};

/// Minutes China Standard Time is ahead of UTC (no daylight saving time).
const CST_MINUTES: i64 = 8 * 60;

/// The last day a quarter's files are on time: `due_days` after the quarter's last day.
#[must_use]
pub fn due_date(period: Period, due_days: u32) -> Date {
    let (month, day) = match period.quarter() {
        1 => (3, 31),
        2 => (6, 30),
        3 => (9, 30),
        _ => (12, 31),
    };
    let end = display::days_from_civil(i64::from(period.year()), month, day);
    Date::from_unix_days(end + i64::from(due_days))
}

/// The first instant after the due day in CST, as minutes since 1970-01-01 00:00 UTC:
/// a file received at or after it is late.
fn late_from(due: Date) -> i64 {
    let next_day = display::days_from_civil(
        i64::from(due.year),
        i64::from(due.month),
        i64::from(due.day),
    ) + 1;
    next_day * 1440 - CST_MINUTES
}

/// An RFC 3339 UTC time as minutes since the epoch; `None` when it does not parse.
fn minutes(rfc3339_utc: &str) -> Option<i64> {
    display::parse_utc_minutes(rfc3339_utc).map(|(d, m)| d * 1440 + m)
}

/// An RFC 3339 UTC time (as recorded) in China Standard Time, still RFC 3339:
/// `2026-01-15T15:59:59Z` → `2026-01-15T23:59:59+08:00`. A time that does not parse is
/// returned as it is.
#[must_use]
pub fn in_cst(rfc3339_utc: &str) -> String {
    let Some(m) = minutes(rfc3339_utc) else {
        return rfc3339_utc.to_string();
    };
    let seconds = rfc3339_utc
        .get(16..19)
        .and_then(|s| s.strip_prefix(':'))
        .and_then(|s| s.parse::<u32>().ok())
        .unwrap_or(0);
    let local = m + CST_MINUTES;
    let d = Date::from_unix_days(local.div_euclid(1440));
    let min = local.rem_euclid(1440);
    format!("{d}T{:02}:{:02}:{seconds:02}+08:00", min / 60, min % 60)
}

/// One report file recorded in the dataset for the quarter.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    /// The file as it was ingested (its name as the county sent it).
    pub path: String,
    /// `accepted`, `accepted_with_warnings`, `partially_accepted` or `rejected`.
    pub outcome: String,
    /// When the dataset recorded it (RFC 3339, UTC).
    pub received_at: String,
    pub rows_accepted: u64,
    pub rows_quarantined: u64,
    /// The county it is for: the county of its enterprises in the roster, or for a file
    /// without accepted rows what its name says; `None` when neither tells.
    pub county: Option<String>,
    /// Whether `county` was told from the file's name rather than its rows.
    pub by_name: bool,
}

/// A county expected to send files for the quarter.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    /// As the cluster list writes it.
    pub county: String,
    /// Its enterprises in the roster.
    pub enterprises: u64,
    /// Those with an accepted report for the quarter.
    pub reporting: u64,
}

/// What a county's files for the quarter add up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Past the due date without a file whose rows were taken.
    Overdue,
    /// Every file it sent was rejected: it must send one again.
    Rejected,
    /// Nothing yet, and the due date has not passed.
    Missing,
    /// Rows were taken, but only from files with rows quarantined.
    PartiallyAccepted,
    /// A file was accepted, the first one after the due date.
    Late,
    /// A file was accepted by the due date.
    Received,
}

impl State {
    /// Every state, most in need of action first (the order of the table).
    pub const ALL: [State; 6] = [
        State::Overdue,
        State::Rejected,
        State::Missing,
        State::PartiallyAccepted,
        State::Late,
        State::Received,
    ];

    /// The code written to CSV.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            State::Overdue => "overdue",
            State::Rejected => "rejected",
            State::Missing => "missing",
            State::PartiallyAccepted => "partially_accepted",
            State::Late => "late",
            State::Received => "received",
        }
    }

    #[must_use]
    pub fn label(self, lang: Language) -> &'static str {
        match (self, lang) {
            (State::Overdue, Language::Zh) => "逾期未报送",
            (State::Rejected, Language::Zh) => "已拒收（待重新报送）",
            (State::Missing, Language::Zh) => "未报送（未到截止日期）",
            (State::PartiallyAccepted, Language::Zh) => "部分接收（待更正）",
            (State::Late, Language::Zh) => "逾期报送",
            (State::Received, Language::Zh) => "按时报送",
            (State::Overdue, Language::En) => "overdue",
            (State::Rejected, Language::En) => "rejected (to be sent again)",
            (State::Missing, Language::En) => "not received (not yet due)",
            (State::PartiallyAccepted, Language::En) => "partially accepted (to be corrected)",
            (State::Late, Language::En) => "received late",
            (State::Received, Language::En) => "received on time",
        }
    }

    /// Whether the city has to chase the county (everything but a file received).
    #[must_use]
    pub fn needs_action(self) -> bool {
        !matches!(self, State::Late | State::Received)
    }
}

/// What became of a file, in a reader's words (the report's words for outcomes).
#[must_use]
pub fn outcome_label(outcome: &str, lang: Language) -> &str {
    match (outcome, lang) {
        ("accepted", Language::Zh) => "全部接收",
        ("accepted_with_warnings", Language::Zh) => "接收（有警告）",
        ("partially_accepted", Language::Zh) => "部分接收（部分行隔离）",
        ("rejected", Language::Zh) => "拒收",
        ("accepted", Language::En) => "accepted",
        ("accepted_with_warnings", Language::En) => "accepted with warnings",
        ("partially_accepted", Language::En) => "partially accepted",
        ("rejected", Language::En) => "rejected",
        (other, _) => other,
    }
}

/// One file received, as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Arrival {
    pub path: String,
    pub outcome: String,
    pub received_at: String,
    /// Received after the due date.
    pub late: bool,
    pub rows_accepted: u64,
    pub rows_quarantined: u64,
    pub by_name: bool,
}

/// One expected county: its files for the quarter, oldest first, and its state.
#[derive(Debug, Clone, PartialEq)]
pub struct County {
    pub county: String,
    pub enterprises: u64,
    pub reporting: u64,
    pub state: State,
    pub files: Vec<Arrival>,
}

/// Who has sent what for one quarter.
#[derive(Debug, Clone, PartialEq)]
pub struct Arrivals {
    pub period: Period,
    pub due_days: u32,
    /// The last day files are on time (CST).
    pub due: Date,
    /// The time the states are given at (RFC 3339, UTC).
    pub as_at: String,
    /// Whether `as_at` is past the due date.
    pub past_due: bool,
    /// Every expected county, those most in need of action first.
    pub counties: Vec<County>,
    /// Files of the quarter whose county is not told or not expected, with that county.
    pub others: Vec<(Option<String>, Arrival)>,
}

/// Gathers each expected county's files and gives its state at `now` (RFC 3339, UTC).
/// A `now` that does not parse counts as before the due date (nothing is overdue).
#[must_use]
pub fn arrivals(
    period: Period,
    due_days: u32,
    now: &str,
    expected: &[Expected],
    files: &[Sent],
) -> Arrivals {
    let due = due_date(period, due_days);
    let late_from = late_from(due);
    let past_due = minutes(now).is_some_and(|n| n >= late_from);
    let arrival = |s: &Sent| Arrival {
        path: s.path.clone(),
        outcome: s.outcome.clone(),
        received_at: s.received_at.clone(),
        late: minutes(&s.received_at).is_some_and(|t| t >= late_from),
        rows_accepted: s.rows_accepted,
        rows_quarantined: s.rows_quarantined,
        by_name: s.by_name,
    };
    let mut files: Vec<&Sent> = files.iter().collect();
    files.sort_by(|a, b| {
        minutes(&a.received_at)
            .cmp(&minutes(&b.received_at))
            .then(a.path.cmp(&b.path))
    });
    let mut counties: Vec<County> = expected
        .iter()
        .map(|e| {
            let mine: Vec<Arrival> = files
                .iter()
                .filter(|s| s.county.as_deref() == Some(e.county.as_str()))
                .map(|s| arrival(s))
                .collect();
            County {
                county: e.county.clone(),
                enterprises: e.enterprises,
                reporting: e.reporting,
                state: state_of(&mine, past_due, e.reporting < e.enterprises),
                files: mine,
            }
        })
        .collect();
    // Most in need of action first; the expected order (the cluster list's) within.
    counties.sort_by_key(|c| c.state);
    let others = files
        .iter()
        .filter(|s| {
            s.county
                .as_deref()
                .is_none_or(|c| !expected.iter().any(|e| e.county == c))
        })
        .map(|s| (s.county.clone(), arrival(s)))
        .collect();
    Arrivals {
        period,
        due_days,
        due,
        as_at: now.to_string(),
        past_due,
        counties,
        others,
    }
}

/// A county's state from its files (oldest first). A file with rows quarantined
/// still counts against the county while some of its enterprises have no report for
/// the quarter (`short`): a county's other file (another cluster's, or the first one
/// corrected) clears it only when it brings them in.
fn state_of(files: &[Arrival], past_due: bool, short: bool) -> State {
    let accepted =
        |f: &&Arrival| matches!(f.outcome.as_str(), "accepted" | "accepted_with_warnings");
    let partial = files.iter().any(|f| f.outcome == "partially_accepted");
    let first = files.iter().find(accepted);
    if partial && (first.is_none() || short) {
        return State::PartiallyAccepted;
    }
    if let Some(first) = first {
        return if first.late {
            State::Late
        } else {
            State::Received
        };
    }
    match (files.is_empty(), past_due) {
        (false, _) => State::Rejected,
        (true, false) => State::Missing,
        (true, true) => State::Overdue,
    }
}

/// The shown table: a header and one row per file (a county without files has one).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub head: Vec<String>,
    pub rows: Vec<TableRow>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TableRow {
    pub cells: Vec<String>,
    /// The county needs action: shown as an alert.
    pub alert: bool,
    /// The first row of its county (the county's cells are filled only there).
    pub first: bool,
}

impl Arrivals {
    /// The counties past the due date with no file whose rows were taken (overdue, or
    /// every file rejected): what a scheduled job fails on.
    #[must_use]
    pub fn overdue(&self) -> Vec<&County> {
        self.counties
            .iter()
            .filter(|c| c.state == State::Overdue || (self.past_due && c.state == State::Rejected))
            .collect()
    }

    /// How many counties are in each state, in [`State::ALL`] order, without zeros.
    #[must_use]
    pub fn counts(&self) -> Vec<(State, usize)> {
        State::ALL
            .iter()
            .map(|s| (*s, self.counties.iter().filter(|c| c.state == *s).count()))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// One line saying what the table shows: "2025年四季度报表截止日期为2026年1月15日
    /// （季度结束后15天，北京时间），统计截至……".
    #[must_use]
    pub fn title(&self, lang: Language) -> String {
        let d = Display::new(lang);
        match lang {
            Language::Zh => format!(
                "{}报表截止日期为{}（季度结束后{}天，北京时间当日24时前），情况截至{}",
                d.quarter(self.period),
                date_zh(self.due),
                self.due_days,
                d.time(&self.as_at)
            ),
            Language::En => format!(
                "Files for {} are due by the end of {} (CST), {} days after the quarter; as at {}",
                d.quarter(self.period),
                self.due,
                self.due_days,
                d.time(&self.as_at)
            ),
        }
    }

    /// One sentence counting the counties by state: "应报送13个县（市、区）：按时报送
    /// 10个，逾期未报送2个……".
    #[must_use]
    pub fn summary(&self, lang: Language) -> String {
        if self.counties.is_empty() {
            return match lang {
                Language::Zh => "没有应报送的县（市、区）：数据集中还没有产业集群名录，管道文件也未列出。".into(),
                Language::En => "No county is expected: the dataset has no cluster list yet and the pipeline file names none.".into(),
            };
        }
        let counts = self.counts();
        match lang {
            Language::Zh => {
                let parts: Vec<String> = counts
                    .iter()
                    .map(|(s, n)| format!("{}{n}个", s.label(lang)))
                    .collect();
                format!(
                    "应报送{}个县（市、区）：{}。",
                    self.counties.len(),
                    parts.join("，")
                )
            }
            Language::En => {
                let parts: Vec<String> = counts
                    .iter()
                    .map(|(s, n)| format!("{n} {}", s.label(lang)))
                    .collect();
                let n = self.counties.len();
                format!(
                    "{n} {} expected: {}.",
                    if n == 1 { "county" } else { "counties" },
                    parts.join("; ")
                )
            }
        }
    }

    /// The table people read, in `lang`: county, enterprises expected and reporting,
    /// state, then each file with when it was received (CST) and its outcome.
    #[must_use]
    pub fn table(&self, lang: Language) -> Table {
        let d = Display::new(lang);
        let head: Vec<String> = match lang {
            Language::Zh => [
                "县（市、区）",
                "应报企业",
                "已报企业",
                "报送情况",
                "文件",
                "接收时间",
                "处理结果",
            ],
            Language::En => [
                "County",
                "Enterprises expected",
                "Enterprises reported",
                "State",
                "File",
                "Received",
                "Outcome",
            ],
        }
        .map(str::to_string)
        .to_vec();
        let count = |n: u64| d.value(Some(n as f64), ShownUnit::Count(Counted::Enterprises));
        let mut rows = Vec::new();
        for c in &self.counties {
            let county = [
                c.county.clone(),
                count(c.enterprises),
                count(c.reporting),
                c.state.label(lang).to_string(),
            ];
            let alert = c.state.needs_action();
            if c.files.is_empty() {
                let mut cells = county.to_vec();
                cells.extend([DASH.to_string(), DASH.to_string(), DASH.to_string()]);
                rows.push(TableRow {
                    cells,
                    alert,
                    first: true,
                });
            }
            for (i, f) in c.files.iter().enumerate() {
                let mut cells = if i == 0 {
                    county.to_vec()
                } else {
                    vec![String::new(); 4]
                };
                cells.extend(file_cells(f, lang));
                rows.push(TableRow {
                    cells,
                    alert,
                    first: i == 0,
                });
            }
        }
        Table { head, rows }
    }

    /// The files of the quarter outside the table (county not told or not expected).
    #[must_use]
    pub fn others_table(&self, lang: Language) -> Table {
        let head = match lang {
            Language::Zh => ["所属县（市、区）", "文件", "接收时间", "处理结果"],
            Language::En => ["County", "File", "Received", "Outcome"],
        }
        .map(str::to_string)
        .to_vec();
        let rows = self
            .others
            .iter()
            .map(|(county, f)| {
                let mut cells = vec![county.clone().unwrap_or_else(|| {
                    match lang {
                        Language::Zh => "无法判断",
                        Language::En => "unknown",
                    }
                    .to_string()
                })];
                cells.extend(file_cells(f, lang));
                TableRow {
                    cells,
                    alert: true,
                    first: true,
                }
            })
            .collect();
        Table { head, rows }
    }
}

/// File name, time received (with "late" when it was) and outcome.
fn file_cells(f: &Arrival, lang: Language) -> [String; 3] {
    let d = Display::new(lang);
    let mut time = d.time(&f.received_at);
    if f.late {
        time.push_str(match lang {
            Language::Zh => "，逾期",
            Language::En => ", late",
        });
    }
    // The name as the county sent it; the folder it was put in (the inbox, a
    // quarter's subfolder) is in the CSV.
    let name = f.path.rsplit(['/', '\\']).next().unwrap_or(&f.path);
    [
        name.to_string(),
        time,
        outcome_label(&f.outcome, lang).to_string(),
    ]
}

/// A day as "2026年1月15日".
fn date_zh(d: Date) -> String {
    format!("{}年{}月{}日", d.year, d.month, d.day)
}

/// The counties of a cluster list in its order, once each: who is expected by default.
#[must_use]
pub fn counties_of<'a>(clusters: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in clusters {
        if !out.iter().any(|x| x == c) {
            out.push(c.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Period {
        s.parse().unwrap()
    }

    fn sent(path: &str, county: &str, outcome: &str, at: &str) -> Sent {
        Sent {
            path: path.into(),
            outcome: outcome.into(),
            received_at: at.into(),
            rows_accepted: u64::from(outcome != "rejected") * 10,
            rows_quarantined: u64::from(outcome == "partially_accepted"),
            county: Some(county.into()),
            by_name: false,
        }
    }

    fn expected(names: &[&str]) -> Vec<Expected> {
        names
            .iter()
            .map(|n| Expected {
                county: (*n).into(),
                enterprises: 20,
                reporting: 0,
            })
            .collect()
    }

    #[test]
    fn due_dates_count_days_after_the_quarter_end() {
        assert_eq!(
            due_date(q("2025Q4"), 15),
            Date::parse_iso("2026-01-15").unwrap()
        );
        assert_eq!(
            due_date(q("2025Q1"), 15),
            Date::parse_iso("2025-04-15").unwrap()
        );
        assert_eq!(
            due_date(q("2024Q1"), 0),
            Date::parse_iso("2024-03-31").unwrap()
        );
        assert_eq!(
            due_date(q("2025Q2"), 31),
            Date::parse_iso("2025-07-31").unwrap()
        );
        // Through a leap day.
        assert_eq!(
            due_date(q("2023Q4"), 60),
            Date::parse_iso("2024-02-29").unwrap()
        );
    }

    /// The due day ends at 24:00 China Standard Time, 16:00 UTC: a file recorded at
    /// 15:59 UTC on the due day is on time, one at 16:00 is late, though both carry the
    /// same UTC date.
    #[test]
    fn the_due_day_ends_at_midnight_china_standard_time() {
        let e = expected(&["辛集市", "无极县"]);
        let files = [
            sent("xinji.csv", "辛集市", "accepted", "2026-01-15T15:59:59Z"),
            sent("wuji.csv", "无极县", "accepted", "2026-01-15T16:00:00Z"),
        ];
        let a = arrivals(q("2025Q4"), 15, "2026-01-20T00:00:00Z", &e, &files);
        let state = |n: &str| a.counties.iter().find(|c| c.county == n).unwrap().state;
        assert_eq!(state("辛集市"), State::Received);
        assert_eq!(state("无极县"), State::Late);
        // Late sorts before received: what needs a look comes first.
        assert_eq!(a.counties[0].county, "无极县");
        // A file at 00:30 CST on the day after the quarter ended (16:30 UTC on its last
        // day) is for the quarter and on time, even with no days of grace.
        let files = [sent("x.csv", "辛集市", "accepted", "2025-12-31T16:30:00Z")];
        let a = arrivals(q("2025Q4"), 0, "2026-01-01T01:00:00Z", &e[..1], &files);
        assert_eq!(a.counties[0].state, State::Late);
        let a = arrivals(q("2025Q4"), 1, "2026-01-01T01:00:00Z", &e[..1], &files);
        assert_eq!(a.counties[0].state, State::Received);
    }

    #[test]
    fn times_are_written_in_china_standard_time() {
        assert_eq!(in_cst("2026-01-15T15:59:59Z"), "2026-01-15T23:59:59+08:00");
        assert_eq!(in_cst("2025-12-31T16:30:00Z"), "2026-01-01T00:30:00+08:00");
        assert_eq!(in_cst("2025-12-31T16:30Z"), "2026-01-01T00:30:00+08:00");
        assert_eq!(in_cst("soon"), "soon");
    }

    #[test]
    fn nothing_received_is_missing_until_the_due_day_ends_then_overdue() {
        let e = expected(&["辛集市"]);
        let at = |now: &str| arrivals(q("2025Q4"), 15, now, &e, &[]).counties[0].state;
        assert_eq!(at("2026-01-15T15:59:00Z"), State::Missing);
        assert_eq!(at("2026-01-15T16:00:00Z"), State::Overdue);
        // An unreadable clock makes nothing overdue rather than everything.
        assert_eq!(at("yesterday"), State::Missing);
        let a = arrivals(q("2025Q4"), 15, "2026-01-16T00:00:00Z", &e, &[]);
        assert_eq!(a.overdue().len(), 1);
        assert!(a.past_due);
        let none = arrivals(q("2025Q4"), 15, "2026-01-16T00:00:00Z", &[], &[]);
        assert!(none.summary(Language::Zh).starts_with("没有应报送的县"));
        assert!(none.summary(Language::En).is_ascii());
    }

    #[test]
    fn a_county_state_follows_its_best_file() {
        let e = expected(&["辛集市", "无极县", "高邑县", "赞皇县"]);
        let now = "2026-01-10T00:00:00Z";
        let files = [
            // Rejected, then sent again and accepted: received (the rejection stays listed).
            sent("xinji.csv", "辛集市", "rejected", "2026-01-05T02:00:00Z"),
            sent(
                "xinji-2.csv",
                "辛集市",
                "accepted_with_warnings",
                "2026-01-06T02:00:00Z",
            ),
            sent("wuji.csv", "无极县", "rejected", "2026-01-05T02:00:00Z"),
            sent(
                "gaoyi.csv",
                "高邑县",
                "partially_accepted",
                "2026-01-05T02:00:00Z",
            ),
            sent("gaoyi-0.csv", "高邑县", "rejected", "2026-01-04T02:00:00Z"),
        ];
        let a = arrivals(q("2025Q4"), 15, now, &e, &files);
        let c = |n: &str| a.counties.iter().find(|c| c.county == n).unwrap();
        assert_eq!(c("辛集市").state, State::Received);
        assert_eq!(c("辛集市").files.len(), 2);
        assert_eq!(c("无极县").state, State::Rejected);
        assert_eq!(c("高邑县").state, State::PartiallyAccepted);
        // Oldest first.
        assert_eq!(c("高邑县").files[0].path, "gaoyi-0.csv");
        assert_eq!(c("赞皇县").state, State::Missing);
        // A partially accepted file next to an accepted one (another cluster's, or
        // the correction): partially accepted while enterprises are still missing.
        let two = [
            sent(
                "gaocheng-lantern.csv",
                "藁城区",
                "partially_accepted",
                "2026-01-05T02:00:00Z",
            ),
            sent(
                "gaocheng-equipment.csv",
                "藁城区",
                "accepted",
                "2026-01-06T02:00:00Z",
            ),
        ];
        let mut one = expected(&["藁城区"]);
        one[0].reporting = 19;
        let state = |e: &[Expected]| arrivals(q("2025Q4"), 15, now, e, &two).counties[0].state;
        assert_eq!(state(&one), State::PartiallyAccepted);
        one[0].reporting = 20;
        assert_eq!(state(&one), State::Received);
        // Before the due date a rejected county is not overdue yet; after, it is.
        assert!(a.overdue().is_empty());
        let later = arrivals(q("2025Q4"), 15, "2026-02-01T00:00:00Z", &e, &files);
        let overdue: Vec<&str> = later.overdue().iter().map(|c| c.county.as_str()).collect();
        assert_eq!(overdue, ["赞皇县", "无极县"]);
        assert_eq!(
            later.counts(),
            [
                (State::Overdue, 1),
                (State::Rejected, 1),
                (State::PartiallyAccepted, 1),
                (State::Received, 1)
            ]
        );
    }

    #[test]
    fn files_of_no_expected_county_are_listed_apart() {
        let e = expected(&["辛集市"]);
        let mut stray = sent("city.csv", "", "rejected", "2026-01-05T02:00:00Z");
        stray.county = None;
        let files = [
            stray,
            sent("luquan.csv", "鹿泉区", "accepted", "2026-01-05T02:00:00Z"),
        ];
        let a = arrivals(q("2025Q4"), 15, "2026-01-10T00:00:00Z", &e, &files);
        assert_eq!(a.counties[0].files.len(), 0);
        assert_eq!(a.others.len(), 2);
        let t = a.others_table(Language::Zh);
        assert_eq!(t.rows[0].cells[0], "无法判断");
        assert_eq!(t.rows[1].cells[0], "鹿泉区");
    }

    #[test]
    fn the_table_in_chinese_and_english() {
        let e = expected(&["辛集市", "无极县"]);
        let files = [
            sent(
                "inbox/2025Q4/xinji.csv",
                "辛集市",
                "rejected",
                "2026-01-05T02:00:00Z",
            ),
            sent(
                r"D:\报表\xinji-2.csv",
                "辛集市",
                "accepted",
                "2026-01-16T02:00:00Z",
            ),
        ];
        // Shown by name: the folder it was put in is in the CSV.
        let a = arrivals(q("2025Q4"), 15, "2026-01-20T04:05:00Z", &e, &files);
        let zh = a.table(Language::Zh);
        let text: Vec<String> = zh.rows.iter().map(|r| r.cells.join(" | ")).collect();
        assert_eq!(
            text,
            [
                "无极县 | 20家 | 0家 | 逾期未报送 | — | — | —",
                "辛集市 | 20家 | 0家 | 逾期报送 | xinji.csv | 2026年1月5日 10:00（北京时间） | 拒收",
                " |  |  |  | xinji-2.csv | 2026年1月16日 10:00（北京时间），逾期 | 全部接收",
            ]
        );
        assert!(zh.rows[0].alert && !zh.rows[1].alert && !zh.rows[2].first);
        assert_eq!(
            a.title(Language::Zh),
            "2025年四季度报表截止日期为2026年1月15日（季度结束后15天，北京时间当日24时前），情况截至2026年1月20日 12:05（北京时间）"
        );
        assert_eq!(
            a.summary(Language::Zh),
            "应报送2个县（市、区）：逾期未报送1个，逾期报送1个。"
        );
        let en = a.table(Language::En);
        assert_eq!(
            en.rows[2].cells[4..].join(" | "),
            "xinji-2.csv | 2026-01-16 10:00 CST (UTC+8), late | accepted"
        );
        assert_eq!(
            a.summary(Language::En),
            "2 counties expected: 1 overdue; 1 received late."
        );
        assert_eq!(
            a.title(Language::En),
            "Files for 2025 Q4 are due by the end of 2026-01-15 (CST), 15 days after the quarter; as at 2026-01-20 12:05 CST (UTC+8)"
        );
        // No English in the Chinese labels, no Chinese in the English ones.
        for s in State::ALL {
            assert!(
                !s.label(Language::Zh)
                    .chars()
                    .any(|c| c.is_ascii_alphabetic())
            );
            assert!(s.label(Language::En).is_ascii());
        }
    }

    #[test]
    fn counties_of_a_cluster_list_keep_its_order_once_each() {
        assert_eq!(
            counties_of(["藁城区", "辛集市", "藁城区"]),
            ["藁城区", "辛集市"]
        );
    }
}
