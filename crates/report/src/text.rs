//! Every fixed sentence of the report in both languages, side by side.
//!
//! Keeping the two languages in one file means a sentence added in one is visibly
//! missing in the other. Nothing here formats a figure, a unit, a quarter or a status:
//! the caller writes those with `clusterkpi_model::display::Display` (the one way every
//! output writes figures) and passes them in as text. The Chinese sentences hold no
//! English word or code, use Chinese quotation marks “” and full-width brackets.

use clusterkpi_model::{Code, Language, Plan};

/// The fixed strings of one language. Methods rather than fields, so strings that take
/// values sit next to the plain ones.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Text {
    lang: Language,
}

/// `zh_en!(self, "中文", "English")`: picks the string of the report's language.
macro_rules! zh_en {
    ($self:ident, $zh:expr, $en:expr) => {
        match $self.lang {
            Language::Zh => $zh,
            Language::En => $en,
        }
    };
}

impl Text {
    pub(crate) fn new(lang: Language) -> Self {
        Self { lang }
    }

    pub(crate) fn lang(self) -> Language {
        self.lang
    }

    /// `lang` attribute of the HTML document.
    pub(crate) fn html_lang(self) -> &'static str {
        zh_en!(self, "zh-CN", "en")
    }

    pub(crate) fn colon(self) -> &'static str {
        zh_en!(self, "：", ": ")
    }

    /// Between the items of an enumeration.
    pub(crate) fn list_sep(self) -> &'static str {
        zh_en!(self, "、", ", ")
    }

    /// Between the parts of a clause.
    pub(crate) fn list_sep_comma(self) -> &'static str {
        zh_en!(self, "，", ", ")
    }

    /// Between the clauses of a sentence.
    pub(crate) fn clause_sep(self) -> &'static str {
        zh_en!(self, "；", "; ")
    }

    /// "A、B和C" / "A, B and C".
    pub(crate) fn and_list(self, items: &[String]) -> String {
        match items {
            [] => String::new(),
            [one] => one.clone(),
            [init @ .., last] => zh_en!(
                self,
                format!("{}和{last}", init.join("、")),
                format!("{} and {last}", init.join(", "))
            ),
        }
    }

    /// An indicator's name as the report prints it: the catalogue writes ASCII
    /// brackets, Chinese text takes full-width ones.
    pub(crate) fn name(self, name: &str) -> String {
        match self.lang {
            Language::Zh => {
                // ASCII quotation marks pair up as “…”.
                let mut open = true;
                name.replace('(', "（")
                    .replace(')', "）")
                    .chars()
                    .map(|c| match c {
                        '"' => {
                            open = !open;
                            if open { '”' } else { '“' }
                        }
                        c => c,
                    })
                    .collect()
            }
            Language::En => name.to_string(),
        }
    }

    /// A name with its scope: "全市营业收入年均增速" / "Revenue growth, annual average
    /// (city)".
    pub(crate) fn scoped(self, scope: &str, name: &str) -> String {
        zh_en!(self, format!("{scope}{name}"), format!("{name} ({scope})"))
    }

    /// An amount of the plan's policy, in the 万元 the plan states it in.
    pub(crate) fn ten_thousand_yuan(self, amount: &str) -> String {
        zh_en!(
            self,
            format!("{amount}万元"),
            format!("{amount} (10k yuan)")
        )
    }

    /// "name（qualifier）" / "name (qualifier)".
    pub(crate) fn qualified(self, name: &str, qualifier: &str) -> String {
        zh_en!(
            self,
            format!("{name}（{qualifier}）"),
            format!("{name} ({qualifier})")
        )
    }

    // ── title page ──────────────────────────────────────────────────────────────

    pub(crate) fn plan_name(self, plan: &Plan) -> String {
        zh_en!(self, plan.name.clone(), plan.name_en.clone())
    }

    /// The subtitle: what kind of evaluation this is and of when.
    pub(crate) fn subtitle(self, is_final: bool, as_of: &str) -> String {
        match (self.lang, is_final) {
            (Language::Zh, true) => format!("终期评估报告（数据截至{as_of}）"),
            (Language::Zh, false) => format!("{as_of}实施情况评估报告"),
            (Language::En, true) => format!("Final evaluation (data through {as_of})"),
            (Language::En, false) => format!("Progress evaluation, {as_of}"),
        }
    }

    pub(crate) fn fact_as_of(self) -> &'static str {
        zh_en!(self, "评估季度", "As-of quarter")
    }

    pub(crate) fn fact_kind(self) -> &'static str {
        zh_en!(self, "评估方式", "Evaluation")
    }

    pub(crate) fn kind_final(self, deadline: &str, as_of: &str) -> String {
        zh_en!(
            self,
            format!(
                "终期评估：规划已于{deadline}截止，各目标按{deadline}的数值判定，不随其后数据变化；{as_of}最新数值另列供参考"
            ),
            format!(
                "Final evaluation: the plan's deadline {deadline} has passed, so every target is judged on its value at {deadline} and no longer moves with later data; the latest value at {as_of} is shown beside it for reference"
            )
        )
    }

    pub(crate) fn kind_progress(self, as_of: &str, deadline: &str) -> String {
        zh_en!(
            self,
            format!("实施期评估：按{as_of}数值判定，并预测到规划截止季度{deadline}"),
            format!(
                "Progress evaluation: targets judged on the value at {as_of}, with a projection to the plan's deadline {deadline}"
            )
        )
    }

    pub(crate) fn fact_plan_period(self) -> &'static str {
        zh_en!(self, "规划期", "Plan period")
    }

    pub(crate) fn plan_period(self, baseline: &str, deadline: &str) -> String {
        zh_en!(
            self,
            format!("{baseline}（基期）至{deadline}（截止）"),
            format!("{baseline} (baseline) to {deadline} (deadline)")
        )
    }

    pub(crate) fn fact_dataset(self) -> &'static str {
        zh_en!(self, "数据集版本", "Dataset version")
    }

    pub(crate) fn dataset_version(self, v: u64) -> String {
        zh_en!(self, format!("第{v}版"), format!("version {v}"))
    }

    pub(crate) fn fact_generated(self) -> &'static str {
        zh_en!(self, "生成时间", "Generated")
    }

    pub(crate) fn footer(self, tool_version: &str, dataset_version: u64) -> String {
        zh_en!(
            self,
            format!(
                "本报告由县域特色产业集群评估程序（版本{tool_version}）根据数据集第{dataset_version}版自动生成；表中数值为显示取整，完整精度见随报告附带的指标明细表。"
            ),
            format!(
                "Generated by clusterkpi {tool_version} from dataset version {dataset_version}; figures are rounded for display, the accompanying scorecard files keep full precision."
            )
        )
    }

    // ── first page ──────────────────────────────────────────────────────────────

    pub(crate) fn main_points_title(self) -> &'static str {
        zh_en!(self, "主要结论", "Main points")
    }

    pub(crate) fn contents_title(self) -> &'static str {
        zh_en!(self, "目录", "Contents")
    }

    /// The one line on the first page when data are partial; `details` are clauses.
    pub(crate) fn partial_note(self, details: &str) -> String {
        zh_en!(
            self,
            format!("数据不完整：{details}。详见“数据质量”部分。"),
            format!("Partial data: {details}. See the data-quality section.")
        )
    }

    /// "2025年四季度名录企业2,700家中59家未报送" / "59 of 2,700 enterprises without a report
    /// for 2025 Q4".
    pub(crate) fn not_reported(self, quarter: &str, missing: &str, expected: &str) -> String {
        zh_en!(
            self,
            format!("{quarter}名录企业{expected}中{missing}未报送"),
            format!("{missing} of {expected} without a report for {quarter}")
        )
    }

    pub(crate) fn carried_clause(self, carried: &str) -> String {
        zh_en!(
            self,
            format!("其中{carried}按此前三个季度内最近一期报表结转计入企业数量指标"),
            format!(
                "{carried} of them counted in the enterprise counts with an earlier quarter's report"
            )
        )
    }

    pub(crate) fn carried_all_clause(self) -> &'static str {
        zh_en!(
            self,
            "均按此前三个季度内最近一期报表结转计入企业数量指标",
            "all counted in the enterprise counts with an earlier quarter's report"
        )
    }

    pub(crate) fn quarantined_clause(self, rows: u64, quarter: &str) -> String {
        zh_en!(
            self,
            format!("{quarter}有{rows}行数据未通过校验被隔离"),
            format!("{rows} rows for {quarter} quarantined")
        )
    }

    // ── main points ─────────────────────────────────────────────────────────────

    /// "截至2025年末（规划截止），规划13项目标中已完成9项，未完成4项。"
    pub(crate) fn mp_overview(
        self,
        is_final: bool,
        when: &str,
        total: usize,
        counts: &[String],
    ) -> String {
        let deadline = if is_final {
            zh_en!(self, "（规划截止）", " (the plan's deadline)")
        } else {
            ""
        };
        zh_en!(
            self,
            format!(
                "截至{when}{deadline}，规划{total}项目标中{}。",
                counts.join("，")
            ),
            format!(
                "At the {when}{deadline}, the plan's {total} targets stood at: {}.",
                counts.join(", ")
            )
        )
    }

    /// "已完成9项" / "9 achieved".
    pub(crate) fn status_count(self, status_word: &str, n: usize) -> String {
        zh_en!(
            self,
            format!("{status_word}{n}项"),
            format!("{n} {status_word}")
        )
    }

    /// "未完成的是：A；B。" / "Missed: A; B."
    pub(crate) fn mp_list(self, status_word: &str, items: &[String]) -> String {
        zh_en!(
            self,
            format!("{status_word}的是：{}", items.join("、")),
            format!("{}: {}", capitalise(status_word), items.join(", "))
        )
    }

    /// Ends a sentence built of clauses.
    pub(crate) fn sentence(self, clauses: &[String]) -> String {
        zh_en!(
            self,
            format!("{}。", clauses.join("；")),
            format!("{}.", clauses.join("; "))
        )
    }

    /// "A（8.5%，目标不少于10%）" / "A (8.5%; target at least 10%)".
    pub(crate) fn item_value(self, name: &str, value: &str, target: &str) -> String {
        zh_en!(
            self,
            format!("{name}（{value}，目标{target}）"),
            format!("{name} ({value}; target {target})")
        )
    }

    /// "A（本期无数据，目标超过250家）".
    pub(crate) fn item_no_value(self, name: &str, target: &str) -> String {
        zh_en!(
            self,
            format!("{name}（判定季度无数据，目标{target}）"),
            format!("{name} (no value at the judged quarter; target {target})")
        )
    }

    /// "A（预计2025年末为2,480家，目标超过2,500家）".
    pub(crate) fn item_projected(
        self,
        name: &str,
        when: &str,
        value: &str,
        target: &str,
    ) -> String {
        zh_en!(
            self,
            format!("{name}（预计{when}为{value}，目标{target}）"),
            format!("{name} (projected {value} at the {when}; target {target})")
        )
    }

    /// "A（13个集群中5个未达到）".
    pub(crate) fn item_clusters(self, name: &str, behind: usize, applicable: usize) -> String {
        zh_en!(
            self,
            format!("各集群{name}（{applicable}个集群中{behind}个未达到）"),
            format!("{name} of each cluster ({behind} of {applicable} clusters short of it)")
        )
    }

    pub(crate) fn mp_all_on_course(self) -> &'static str {
        zh_en!(
            self,
            "各项目标均已完成或进度正常。",
            "Every target is achieved or on track."
        )
    }

    /// The clusters furthest behind on one cluster-scope target.
    pub(crate) fn mp_clusters(
        self,
        name: &str,
        target: &str,
        behind: usize,
        applicable: usize,
        worst: &str,
    ) -> String {
        zh_en!(
            self,
            format!(
                "分集群看，{applicable}个集群中{behind}个的{name}未达到目标（{target}），差距最大的是{worst}"
            ),
            format!(
                "By cluster, {behind} of {applicable} clusters fall short of the {name} target ({target}); furthest behind are {worst}"
            )
        )
    }

    pub(crate) fn mp_clusters_all_met(self, name: &str, target: &str, applicable: usize) -> String {
        zh_en!(
            self,
            format!("分集群看，{applicable}个集群的{name}均达到目标（{target}）"),
            format!("By cluster, all {applicable} clusters meet the {name} target ({target})")
        )
    }

    pub(crate) fn not_applicable_clusters(self, n: usize) -> String {
        zh_en!(
            self,
            format!("另有{n}个集群在基期之后认定，不适用"),
            format!(
                "{n} more clusters were recognised after the baseline, so it does not apply to them"
            )
        )
    }

    /// "名称（数值）".
    pub(crate) fn named_value(self, name: &str, value: &str) -> String {
        self.qualified(name, value)
    }

    /// Which clusters qualify as digital clusters. The sentence's figures are its
    /// arguments, one each, as the other sentences of this file take them.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn mp_digital(
        self,
        name: &str,
        year: i32,
        threshold: &str,
        criteria: usize,
        qualifying: &[String],
        target: &str,
        status: &str,
    ) -> String {
        let n = qualifying.len();
        let who = if n == 0 {
            String::new()
        } else {
            zh_en!(
                self,
                format!("（{}）", self.and_list(qualifying)),
                format!(" ({})", self.and_list(qualifying))
            )
        };
        zh_en!(
            self,
            format!(
                "{name}方面，{year}年产值不低于{threshold}、且{criteria}项数字化提升条件全部达到的集群有{n}个{who}，目标{target}，{status}"
            ),
            format!(
                "{n} clusters qualify as {name}{who}: an output of at least {threshold} in {year} and all {criteria} digital gains met; target {target}, {status}"
            )
        )
    }

    /// The cluster nearest to qualifying when none does.
    pub(crate) fn mp_digital_nearest(self, cluster: &str, met: usize, criteria: usize) -> String {
        zh_en!(
            self,
            format!("最接近的是{cluster}（达到{met}项，共{criteria}项）"),
            format!("the nearest is {cluster} ({met} of {criteria} gains met)")
        )
    }

    /// The latest values of the missed targets, after the deadline.
    pub(crate) fn mp_latest(self, judged: &str, as_of: &str, items: &[String]) -> String {
        zh_en!(
            self,
            format!(
                "终期结论以{judged}数值为准；{as_of}最新数据中，{}（仅供参考，不改变终期结论）。",
                items.join("；")
            ),
            format!(
                "The final verdicts stand on the values at {judged}; for reference only, the latest data at {as_of} show {}.",
                items.join("; ")
            )
        )
    }

    pub(crate) fn latest_item(self, name: &str, value: &str, meets: bool) -> String {
        match (self.lang, meets) {
            (Language::Zh, true) => format!("{name}为{value}，已达到目标水平"),
            (Language::Zh, false) => format!("{name}为{value}，仍未达到目标水平"),
            (Language::En, true) => format!("{name} at {value}, now at the target level"),
            (Language::En, false) => format!("{name} at {value}, still short of the target level"),
        }
    }

    pub(crate) fn mp_quality(self, clauses: &[String]) -> String {
        zh_en!(
            self,
            format!("数据方面，{}，详见“数据质量”部分。", clauses.join("；")),
            format!(
                "On the data: {}; see the data-quality section.",
                clauses.join("; ")
            )
        )
    }

    // ── sections ────────────────────────────────────────────────────────────────

    /// "一、规划目标完成情况" / "1. Plan targets".
    pub(crate) fn section(self, n: usize, title: &str) -> String {
        zh_en!(
            self,
            format!("{}、{title}", chinese_number(n)),
            format!("{n}. {title}")
        )
    }

    /// "图3　…" / "Figure 3. …".
    pub(crate) fn figure(self, n: usize, title: &str) -> String {
        zh_en!(
            self,
            format!("图{n}　{title}"),
            format!("Figure {n}. {title}")
        )
    }

    /// "表2　…" / "Table 2. …".
    pub(crate) fn table(self, n: usize, title: &str) -> String {
        zh_en!(
            self,
            format!("表{n}　{title}"),
            format!("Table {n}. {title}")
        )
    }

    pub(crate) fn targets_title(self) -> &'static str {
        zh_en!(self, "规划目标完成情况", "The plan's targets")
    }

    pub(crate) fn targets_intro(self, is_final: bool, judged: &str) -> String {
        match (self.lang, is_final) {
            (Language::Zh, true) => format!(
                "规划各项目标按规划文件顺序列出，按截止季度{judged}的数值判定；最右一列为最新季度数值，仅供参考。"
            ),
            (Language::Zh, false) => format!(
                "规划各项目标按规划文件顺序列出，按{judged}数值判定，并给出截止季度的预测值。"
            ),
            (Language::En, true) => format!(
                "The plan's targets in the plan's order, judged on their values at the deadline {judged}; the last column gives the latest value, for reference only."
            ),
            (Language::En, false) => format!(
                "The plan's targets in the plan's order, judged on their values at {judged}, with the projection to the deadline."
            ),
        }
    }

    pub(crate) fn targets_table(self, judged: &str) -> String {
        zh_en!(
            self,
            format!("规划目标完成情况（{judged}）"),
            format!("The plan's targets ({judged})")
        )
    }

    pub(crate) fn no_targets(self) -> &'static str {
        zh_en!(
            self,
            "规划未设定量化目标。",
            "The plan sets no quantified target."
        )
    }

    /// Scope qualifiers of an indicator targeted for both the city and the clusters.
    pub(crate) fn scope_city(self) -> &'static str {
        zh_en!(self, "全市", "city")
    }

    pub(crate) fn scope_clusters(self) -> &'static str {
        zh_en!(self, "各集群", "each cluster")
    }

    /// The value cell of a cluster-scope target: "13个集群中8个达到".
    pub(crate) fn clusters_met(self, met: usize, applicable: usize) -> String {
        zh_en!(
            self,
            format!("{applicable}个集群中{met}个达到"),
            format!("{met} of {applicable} clusters")
        )
    }

    pub(crate) fn targets_note(self, baseline: &str) -> String {
        zh_en!(
            self,
            format!(
                "注：基期值后括号内为基期所在季度；晚于规划基期{baseline}的，为该指标首个有数值的季度（集群认定或首次报送较晚）。进度为（终期值或预测值－基期值）÷（目标值－基期值），超过100%记为“超额完成”，目标值低于基期值的记为“基期已达标”。集群层面的目标，全部适用集群达到为已完成，否则取各集群中最不利的状态。"
            ),
            format!(
                "Note: the quarter in brackets is the baseline's; one later than the plan's {baseline} is the first quarter with a value (a cluster recognised or first reporting later). Progress is (final or projected value − baseline) ÷ (target level − baseline); above 100% reads “exceeded”, and a target level below the baseline “met at baseline”. A target for every cluster is achieved when every cluster it applies to meets it, otherwise it takes the least favourable status among them."
            )
        )
    }

    pub(crate) fn clusters_title(self) -> &'static str {
        zh_en!(self, "各集群情况", "Clusters")
    }

    pub(crate) fn clusters_intro(self) -> &'static str {
        zh_en!(
            self,
            "各集群按与目标的差距排序，差距最大的在前：先比未达到的集群目标数，再比与目标值的相对差距，再比达到的数字化条件项数。",
            "Clusters ranked by shortfall, furthest behind first: by the number of cluster targets not met, then by the relative gap to the target level, then by the digital conditions met."
        )
    }

    pub(crate) fn standing_table(self, judged: &str) -> String {
        zh_en!(
            self,
            format!("各集群目标完成情况（按差距排序，{judged}）"),
            format!("Clusters ranked by shortfall ({judged})")
        )
    }

    pub(crate) fn criteria_title(self, name: &str) -> String {
        zh_en!(
            self,
            format!("哪些集群符合“{name}”条件"),
            format!("Which clusters qualify as “{name}”")
        )
    }

    pub(crate) fn criteria_intro(
        self,
        name: &str,
        threshold: &str,
        year: i32,
        criteria: usize,
    ) -> String {
        zh_en!(
            self,
            format!(
                "规划要求培育的{name}，须同时满足：{year}年（判定季度所在的最近完整年度）产值不低于{threshold}，且以下{criteria}项数字化指标较基期的提升全部达到。这{criteria}项是认定条件，不是对每个集群的目标。"
            ),
            format!(
                "A {name}, as the plan asks for, needs both an output of at least {threshold} in {year} (the latest complete year at the judged quarter) and all {criteria} digital gains below met. The gains are conditions of that target, not targets for every cluster."
            )
        )
    }

    pub(crate) fn criteria_table(self, name: &str, judged: &str) -> String {
        zh_en!(
            self,
            format!("{name}认定条件（{judged}）"),
            format!("Conditions of {name} ({judged})")
        )
    }

    pub(crate) fn criteria_relative(self, n: usize) -> String {
        zh_en!(
            self,
            format!("注：提升以百分点计。若按相对基期值提升的口径，符合全部条件的集群有{n}个。"),
            format!(
                "Note: gains in percentage points. Read as gains relative to the baseline value, {n} clusters would meet every condition."
            )
        )
    }

    pub(crate) fn met(self, met: bool) -> &'static str {
        match (self.lang, met) {
            (Language::Zh, true) => "达到",
            (Language::Zh, false) => "未达到",
            (Language::En, true) => "met",
            (Language::En, false) => "not met",
        }
    }

    pub(crate) fn yes_no(self, yes: bool) -> &'static str {
        match (self.lang, yes) {
            (Language::Zh, true) => "是",
            (Language::Zh, false) => "否",
            (Language::En, true) => "yes",
            (Language::En, false) => "no",
        }
    }

    /// A measure that does not apply to a cluster recognised after the baseline.
    pub(crate) fn not_applicable(self, established: &str) -> String {
        zh_en!(
            self,
            format!("不适用（{established}认定）"),
            format!("n/a (recognised {established})")
        )
    }

    pub(crate) fn area_intro(self, as_of: &str) -> String {
        zh_en!(
            self,
            format!("本部分各指标为{as_of}的最新数值；有目标的指标，其判定见第一部分。"),
            format!(
                "This area's indicators at {as_of}, the latest quarter; targets are judged in section 1."
            )
        )
    }

    pub(crate) fn area_city_table(self, area: &str, as_of: &str) -> String {
        zh_en!(
            self,
            format!("{area}指标：全市（{as_of}）"),
            format!("{area}: the city ({as_of})")
        )
    }

    pub(crate) fn area_cluster_table(self, area: &str, as_of: &str) -> String {
        zh_en!(
            self,
            format!("{area}指标：分集群（{as_of}）"),
            format!("{area}: by cluster ({as_of})")
        )
    }

    pub(crate) fn sorted_by(self, column: &str) -> String {
        zh_en!(
            self,
            format!("注：各集群按“{column}”从高到低排列。"),
            format!("Note: clusters sorted by “{column}”, highest first.")
        )
    }

    pub(crate) fn ytd_note(self) -> &'static str {
        zh_en!(
            self,
            "注：本年累计指标与上年同期比较，不与基期全年比较。",
            "Note: year-to-date figures are compared with the same period a year earlier, never with a full baseline year."
        )
    }

    pub(crate) fn gains_table(self, judged: &str) -> String {
        zh_en!(
            self,
            format!("数字化指标较基期提升：百分点与相对两种口径（{judged}）"),
            format!("Digital gains since the baseline, in points and relative ({judged})")
        )
    }

    /// A gain in both readings: "+10.8个百分点（相对+19.3%）".
    pub(crate) fn both_readings(self, points: &str, relative: &str) -> String {
        zh_en!(
            self,
            format!("{points}（相对{relative}）"),
            format!("{points} (relative {relative})")
        )
    }

    pub(crate) fn quality_title(self) -> &'static str {
        zh_en!(self, "数据质量", "Data quality")
    }

    pub(crate) fn coverage_sentence(
        self,
        quarter: &str,
        expected: &str,
        reporting: &str,
        rate: &str,
    ) -> String {
        zh_en!(
            self,
            format!("{quarter}，名录企业{expected}，已报送{reporting}，报送率{rate}"),
            format!("{quarter}: {reporting} of {expected} reported ({rate})")
        )
    }

    pub(crate) fn carried_all_sentence(self, missing: &str) -> String {
        zh_en!(
            self,
            format!(
                "未报送的{missing}均按此前三个季度内最近一期报表结转计入企业数量指标（比率和金额指标只计已报送企业）"
            ),
            format!(
                "the {missing} without a report all count in the enterprise counts with their latest report of the three quarters before (rates and sums count reporting enterprises only)"
            )
        )
    }

    pub(crate) fn carried_sentence(self, missing: &str, carried: &str, dropped: &str) -> String {
        zh_en!(
            self,
            format!(
                "未报送的{missing}中，{carried}按此前三个季度内最近一期报表结转计入企业数量指标（比率和金额指标只计已报送企业），{dropped}近四个季度均未报送、未计入"
            ),
            format!(
                "of the {missing} without a report, {carried} count in the enterprise counts with their latest report of the three quarters before (rates and sums count reporting enterprises only), {dropped} reported in none of the last four quarters and are left out"
            )
        )
    }

    pub(crate) fn annex_pointer(self) -> &'static str {
        zh_en!(
            self,
            "未报送企业名单见附件。",
            "The annex lists the enterprises without a report."
        )
    }

    pub(crate) fn coverage_table(self) -> &'static str {
        zh_en!(
            self,
            "各集群报送情况（按报送率从低到高）",
            "Reporting by cluster (lowest rate first)"
        )
    }

    pub(crate) fn arrivals_table(self) -> &'static str {
        zh_en!(
            self,
            "各县（市、区）报送文件情况（需处理的在前）",
            "Files sent by each county (those needing action first)"
        )
    }

    pub(crate) fn arrivals_others(self) -> &'static str {
        zh_en!(
            self,
            "本季度无法判断所属县（市、区）或不在应报名单中的文件",
            "Files of the quarter whose county is unknown or not expected"
        )
    }

    pub(crate) fn files_title(self) -> &'static str {
        zh_en!(
            self,
            "数据集中的输入文件（按处理结果）",
            "Input files in the dataset, by outcome"
        )
    }

    pub(crate) fn run_inputs_title(self) -> &'static str {
        zh_en!(self, "本次运行读取的文件", "Files this run looked at")
    }

    pub(crate) fn run_inputs(self, all: &str, new: &str) -> String {
        zh_en!(
            self,
            format!(
                "本次运行读取{all}个文件，其中{new}个为新文件；其余与已处理过的文件内容完全相同，未作改动。"
            ),
            format!(
                "This run read {all} files, {new} of them new; the others were identical to files already processed and changed nothing."
            )
        )
    }

    pub(crate) fn issues_title(self) -> &'static str {
        zh_en!(
            self,
            "隔离行与警告（按问题类型）",
            "Quarantined rows and warnings, by kind"
        )
    }

    pub(crate) fn quarantined_total(self, rows: u64, for_period: u64, period: &str) -> String {
        zh_en!(
            self,
            format!(
                "数据集中共有{rows}行数据未通过校验被隔离，其中{for_period}行涉及{period}。被隔离的行不参与计算，明细见随报告附带的校验明细表。"
            ),
            format!(
                "{rows} rows were quarantined, {for_period} of them for {period}. Quarantined rows are left out of every figure; the accompanying validation file lists them all."
            )
        )
    }

    pub(crate) fn first_issues(self, shown: usize, total: usize) -> String {
        zh_en!(
            self,
            format!("前{shown}条问题（共{total}条）"),
            format!("The first {shown} of {total} issues")
        )
    }

    pub(crate) fn no_issues(self) -> &'static str {
        zh_en!(
            self,
            "输入文件中没有发现问题。",
            "No problem was found in the input files."
        )
    }

    pub(crate) fn more_rows(self, n: usize) -> String {
        zh_en!(
            self,
            format!("另有{n}行未列出。"),
            format!("{n} more rows are not listed.")
        )
    }

    pub(crate) fn more_issues(self, n: usize) -> String {
        zh_en!(
            self,
            format!("另有{n}行未列出，完整内容见随报告附带的校验明细表。"),
            format!(
                "{n} more rows are not listed here; the accompanying validation file has them all."
            )
        )
    }

    /// Where an issue is: "文件，第12行" / "file, line 12".
    pub(crate) fn location(self, file: &str, sheet: Option<&str>, line: u64) -> String {
        match (self.lang, sheet) {
            (Language::Zh, None) => format!("{file}，第{line}行"),
            (Language::Zh, Some(s)) => format!("{file}，工作表“{s}”第{line}行"),
            (Language::En, None) => format!("{file}, line {line}"),
            (Language::En, Some(s)) => format!("{file}, sheet “{s}” row {line}"),
        }
    }

    pub(crate) fn severity(self, warning: bool) -> &'static str {
        match (self.lang, warning) {
            (Language::Zh, true) => "警告",
            (Language::Zh, false) => "错误（已隔离）",
            (Language::En, true) => "warning",
            (Language::En, false) => "error (quarantined)",
        }
    }

    /// What a file's outcome means; an outcome this build does not know is shown as
    /// recorded.
    pub(crate) fn outcome(self, outcome: &str) -> &str {
        match (outcome, self.lang) {
            ("accepted", Language::Zh) => "全部接收",
            ("accepted_with_warnings", Language::Zh) => "接收（有警告）",
            ("partially_accepted" | "quarantined", Language::Zh) => "部分接收（部分行隔离）",
            ("rejected", Language::Zh) => "拒收",
            ("duplicate", Language::Zh) => "重复文件（未处理）",
            ("accepted", Language::En) => "accepted",
            ("accepted_with_warnings", Language::En) => "accepted with warnings",
            ("partially_accepted" | "quarantined", Language::En) => "partially accepted",
            ("rejected", Language::En) => "rejected",
            ("duplicate", Language::En) => "duplicate (no change)",
            (other, _) => other,
        }
    }

    /// What kind of problem a data-contract code names.
    pub(crate) fn code_name(self, code: Code) -> &'static str {
        use Code as C;
        match (code, self.lang) {
            (C::E_ENCODING, Language::Zh) => "文件编码无法识别",
            (C::E_FORMAT, Language::Zh) => "文件格式不符",
            (C::E_EMPTY, Language::Zh) => "空文件",
            (C::E_TOO_LARGE, Language::Zh) => "文件过大",
            (C::E_KIND, Language::Zh) => "无法判断文件类型",
            (C::E_MISSING_COLUMN, Language::Zh) => "缺少必需列",
            (C::E_DUPLICATE_COLUMN, Language::Zh) => "列名重复",
            (C::W_UNKNOWN_COLUMN, Language::Zh) => "未知列（已忽略）",
            (C::E_RAGGED, Language::Zh) => "行的列数不符",
            (C::E_REQUIRED, Language::Zh) => "必填值缺失",
            (C::E_TEXT, Language::Zh) => "文本不合规",
            (C::E_NUMBER, Language::Zh) => "不是数字",
            (C::E_RANGE, Language::Zh) => "数值超出合理范围",
            (C::E_BOOL, Language::Zh) => "是否值不合规",
            (C::E_ENUM, Language::Zh) => "取值不在允许范围",
            (C::E_PERIOD, Language::Zh) => "季度不合规",
            (C::E_CREDIT_CODE, Language::Zh) => "统一社会信用代码不合规",
            (C::E_UNKNOWN_CLUSTER, Language::Zh) => "集群不在名录中",
            (C::E_UNKNOWN_ENTERPRISE, Language::Zh) => "企业不在名录中",
            (C::E_UNKNOWN_INDICATOR, Language::Zh) => "指标不在目录中",
            (C::E_CNC_EXCEEDS, Language::Zh) => "数控化工序数超过关键工序数",
            (C::E_DUPLICATE_ROW, Language::Zh) => "重复行",
            (C::W_YTD_DECREASE, Language::Zh) => "本年累计值比上季度小",
            (C::E_NO_ROWS, Language::Zh) => "没有数据行",
            (C::W_BLANK_ROW, Language::Zh) => "未填报的行（已跳过）",
            (C::E_ENCODING, Language::En) => "unreadable text encoding",
            (C::E_FORMAT, Language::En) => "not the format its name says",
            (C::E_EMPTY, Language::En) => "empty file",
            (C::E_TOO_LARGE, Language::En) => "file too large",
            (C::E_KIND, Language::En) => "kind of file not recognised",
            (C::E_MISSING_COLUMN, Language::En) => "required column missing",
            (C::E_DUPLICATE_COLUMN, Language::En) => "column given twice",
            (C::W_UNKNOWN_COLUMN, Language::En) => "unknown column (ignored)",
            (C::E_RAGGED, Language::En) => "row with the wrong number of cells",
            (C::E_REQUIRED, Language::En) => "required value missing",
            (C::E_TEXT, Language::En) => "text not allowed",
            (C::E_NUMBER, Language::En) => "not a number",
            (C::E_RANGE, Language::En) => "value out of the plausible range",
            (C::E_BOOL, Language::En) => "not a yes/no value",
            (C::E_ENUM, Language::En) => "value not among those allowed",
            (C::E_PERIOD, Language::En) => "not a quarter",
            (C::E_CREDIT_CODE, Language::En) => "invalid credit code",
            (C::E_UNKNOWN_CLUSTER, Language::En) => "cluster not in the list",
            (C::E_UNKNOWN_ENTERPRISE, Language::En) => "enterprise not in the roster",
            (C::E_UNKNOWN_INDICATOR, Language::En) => "indicator not in the catalogue",
            (C::E_CNC_EXCEEDS, Language::En) => "more CNC processes than key processes",
            (C::E_DUPLICATE_ROW, Language::En) => "duplicate row",
            (C::W_YTD_DECREASE, Language::En) => "year-to-date value below the previous quarter's",
            (C::E_NO_ROWS, Language::En) => "no data rows",
            (C::W_BLANK_ROW, Language::En) => "row left blank (skipped)",
        }
    }

    pub(crate) fn annex_title(self, as_of: &str) -> String {
        zh_en!(
            self,
            format!("附件　{as_of}未报送企业名单"),
            format!("Annex. Enterprises without a report for {as_of}")
        )
    }

    /// Joins two quarters in a title: "2025年四季度和2026年三季度".
    pub(crate) fn and_word(self) -> &'static str {
        zh_en!(self, "和", " and ")
    }

    pub(crate) fn annex_intro(self, n: &str) -> String {
        zh_en!(
            self,
            format!("共{n}，按集群排列；统一社会信用代码照录名录原文。"),
            format!("{n} in all, by cluster; credit codes as the roster gives them.")
        )
    }

    pub(crate) fn annex_none(self) -> &'static str {
        zh_en!(
            self,
            "名录企业均已报送。",
            "Every enterprise of the roster reported."
        )
    }

    pub(crate) fn carried_from(self, quarter: &str) -> String {
        zh_en!(
            self,
            format!("按{quarter}报表结转计入"),
            format!("counted with its {quarter} report")
        )
    }

    pub(crate) fn not_counted(self) -> &'static str {
        zh_en!(
            self,
            "未计入（近四个季度均未报送）",
            "not counted (no report in the last four quarters)"
        )
    }

    pub(crate) fn method_title(self) -> &'static str {
        zh_en!(self, "方法说明", "Method")
    }

    pub(crate) fn definitions_title(self) -> &'static str {
        zh_en!(self, "指标定义", "Definitions")
    }

    pub(crate) fn judged_title(self) -> &'static str {
        zh_en!(self, "判定季度", "The judged quarter")
    }

    pub(crate) fn judged_text(self, is_final: bool, as_of: &str, deadline: &str) -> String {
        match (self.lang, is_final) {
            (Language::Zh, true) => format!(
                "规划截止季度为{deadline}。评估季度{as_of}已晚于截止季度，本次为终期评估：各目标按截止季度的数值判定（截止季度的实际值即终期值，不再预测），结论不随其后的数据变化；最新季度的数值另列，仅供参考。"
            ),
            (Language::Zh, false) => format!(
                "评估季度{as_of}早于规划截止季度{deadline}：各目标按评估季度的数值判定，并以直线外推预测截止季度的数值。截止季度到来后的评估为终期评估，按截止季度的数值判定。"
            ),
            (Language::En, true) => format!(
                "The plan's deadline is {deadline}. The as-of quarter {as_of} is later, so this is the final evaluation: every target is judged on its value at the deadline (the actual value replaces the projection) and the verdict no longer moves with later data; the latest values are shown beside it for reference only."
            ),
            (Language::En, false) => format!(
                "The as-of quarter {as_of} is before the plan's deadline {deadline}: targets are judged on the value at {as_of} and projected to the deadline along a straight line. Once the deadline has come, the evaluation is final and judged at the deadline."
            ),
        }
    }

    pub(crate) fn status_rule_title(self) -> &'static str {
        zh_en!(self, "状态判定规则", "The status rule")
    }

    pub(crate) fn status_rule_intro(self) -> &'static str {
        zh_en!(
            self,
            "在判定季度，按以下顺序取第一条适用的规则：",
            "At the judged quarter, the first rule that applies, in this order:"
        )
    }

    pub(crate) fn status_rule(self) -> [&'static str; 6] {
        zh_en!(
            self,
            [
                "无数据：判定季度数值为空；",
                "已完成：判定季度数值已达到目标（“不少于”允许十亿分之一的舍入误差，“超过”须严格大于）；",
                "未完成：判定季度已是规划截止季度，仍未达到；",
                "进度正常：进度不低于95%（进度为空时，以预测值是否达标判断）；",
                "存在风险：进度不低于60%、低于95%；",
                "进度滞后：其他情况。",
            ],
            [
                "no data: the value at the judged quarter is null;",
                "achieved: the value meets the target (“at least” with a tolerance of one billionth for rounding, “more than” strictly);",
                "missed: the judged quarter is the plan's deadline and the target is not met;",
                "on track: progress of 95% or more (where progress is null, the projection meets the target);",
                "at risk: progress from 60% to below 95%;",
                "off track: otherwise.",
            ]
        )
    }

    /// How projection, progress and trend are computed.
    pub(crate) fn projection_notes(self, deadline: &str) -> [String; 3] {
        zh_en!(
            self,
            [
                format!("预测值：对规划基期至判定季度各季度的非空数值做最小二乘直线拟合，外推到截止季度{deadline}；不足两个点时取判定季度数值；判定季度即截止季度时，预测值就是实际值。进度＝（预测值－基期值）÷（目标值－基期值）。"),
                "增速类指标（营业收入同比增速、年均增速）假定保持当前水平：预测值即判定季度数值；年均增速的进度从零起算，即实际增速与要求增速之比。".to_string(),
                "趋势：拟合直线斜率的方向，朝向目标为向好，斜率绝对值小于十亿分之一为持平；不足两个点时不判断。".to_string(),
            ],
            [
                format!("Projection: a least-squares straight line through the non-null quarterly values from the plan's baseline to the judged quarter, evaluated at the deadline {deadline}; with fewer than two points, the judged value; at the deadline, the actual value. Progress = (projected − baseline) ÷ (target level − baseline)."),
                "Growth rates (revenue growth year on year and annual average) are assumed to persist: the projection is the judged value; progress of the annual average growth is measured from zero, i.e. observed over required growth.".to_string(),
                "Trend: the sign of the fitted slope, towards the target = improving, a slope below one billionth in size = flat; none with fewer than two points.".to_string(),
            ]
        )
    }

    pub(crate) fn baseline_title(self) -> &'static str {
        zh_en!(self, "基期", "Baseline")
    }

    pub(crate) fn baseline_text(self, baseline: &str) -> String {
        zh_en!(
            self,
            format!(
                "基期为规划基期{baseline}的数值；若该季度数值为空（集群在基期之后认定，或该指标晚于基期首次报送），则取其后第一个有数值的季度，表中基期值后注明该季度。目标值按这一基期值计算。"
            ),
            format!(
                "The baseline is the value at the plan's baseline quarter {baseline}; where that is null (a cluster recognised later, or a value first reported later), the first quarter after it with a value serves, named beside the baseline in the tables. Target levels are computed from that baseline."
            )
        )
    }

    pub(crate) fn late_baselines(self) -> &'static str {
        zh_en!(
            self,
            "以下目标的基期晚于规划基期：",
            "These targets have a later baseline:"
        )
    }

    pub(crate) fn no_late_baselines(self) -> &'static str {
        zh_en!(
            self,
            "所有目标均以规划基期为基期。",
            "Every target uses the plan's baseline quarter."
        )
    }

    pub(crate) fn carry_title(self) -> &'static str {
        zh_en!(
            self,
            "未报送企业的结转",
            "Carrying forward enterprises without a report"
        )
    }

    pub(crate) fn carry_text(self) -> &'static str {
        zh_en!(
            self,
            "企业数量类指标（中小企业数、专精特新中小企业数、工业设计中心数、科技创新平台数、绿色工厂数等）和技术创新示范企业奖励测算，按名录企业计：某季度未报送、但前三个季度内有报表的企业，按其中最近一期报表计入（结转），以免个别县报表迟报使存量指标骤减；比率和金额类指标只计当季已报送的企业。",
            "The enterprise counts (SMEs, specialised and innovative enterprises, design centres, innovation platforms, green factories and the like) and the innovation-demonstration reward estimate count the roster: an enterprise without a report for a quarter but with one in the three quarters before counts with its latest such report (carried forward), so a late county file does not make a stock count drop; rates and sums count only the enterprises that reported for the quarter."
        )
    }

    pub(crate) fn reading_title(self) -> &'static str {
        zh_en!(self, "“提升若干百分比”的解读", "Reading “raise by X%”")
    }

    pub(crate) fn reading_text(self, examples: &str) -> String {
        zh_en!(
            self,
            format!(
                "规划原文中{examples}等表述，本报告按百分点解读：目标值＝基期值＋规定的百分点数。按基期值相对提升的另一种解读（目标值＝基期值×（1＋规定百分比））在“数字化转型”部分与百分点口径并列显示，判定以百分点口径为准。"
            ),
            format!(
                "The plan's “raise by X%” ({examples}) is read as percentage points: target level = baseline + X. The other reading, X% of the baseline value (target level = baseline × (1 + X/100)), is shown beside it in the digital transformation section; verdicts follow the percentage-point reading."
            )
        )
    }

    pub(crate) fn choices_title(self) -> &'static str {
        zh_en!(self, "本报告的其他约定", "Choices this report makes")
    }

    pub(crate) fn choices(self, digital: &str) -> Vec<String> {
        zh_en!(
            self,
            vec![
                format!("规划目标按规划文件所列计数；{digital}的各项数字化提升是该目标的认定条件，逐个集群判定，只用于回答“哪些集群符合条件”，不计入目标数，也不作为未完成目标列出。"),
                "对各集群都适用的一项目标（如集群营业收入年均增速）计为一项：全部适用集群达到为已完成，否则取各集群中最不利的状态（未完成、进度滞后、存在风险、进度正常依次从重）；在基期之后认定、无法计算的集群记为“不适用”，不计入。".to_string(),
                "集群排序：先比未达到的集群目标数，再比与目标值的相对差距之和，再比达到的数字化条件项数，差距大的在前。".to_string(),
                "本年累计指标只与上年同期比较；基期、目标和最新值均为同一时间长度的数值。".to_string(),
                "金额以亿元显示、保留一位小数（不足0.1亿元的保留到第一位有效数字），明细文件保留万元全精度；数值与目标值并列时，小数位数以能看出二者差别为准；企业、技术、集群等数量为整数。".to_string(),
                "无目标的指标只显示数值和基期，不做预测，也不计算进度和趋势。".to_string(),
                "“数据不完整”指某一已认定集群在评估季度（终期评估时也包括截止季度）报送率低于100%，或有涉及评估季度的数据行被隔离。".to_string(),
                "重复报送内容完全相同的文件不产生任何变化；同一企业同一季度后报送的数据替换先报送的，先报送的保留在数据集历史中。".to_string(),
                "时间均为北京时间。".to_string(),
            ],
            vec![
                format!("The plan's targets are counted as the plan file lists them; the digital gains of {digital} are conditions of that target, judged per cluster, and answer only “which clusters qualify”: they are not counted among the targets, nor listed as missed targets."),
                "A target for every cluster (such as the clusters' average annual revenue growth) counts as one target: achieved when every cluster it applies to meets it, otherwise the least favourable status among them (missed, off track, at risk, on track, in that order); a cluster recognised after the baseline, for which it cannot be computed, is “n/a” and left out.".to_string(),
                "Clusters are ranked by the number of cluster targets not met, then by the sum of relative gaps to the target levels, then by the digital conditions met, furthest behind first.".to_string(),
                "Year-to-date figures are compared only with the same period a year earlier; baselines, targets and latest values are figures for the same length of time.".to_string(),
                "Money is shown in 100 million yuan with one decimal (below 0.1, to its first significant digit); the scorecard files keep 10k yuan at full precision. A value beside its target gets as many decimals as the comparison needs; counts are whole numbers.".to_string(),
                "Indicators without a target show their value and baseline, with no projection, progress or trend.".to_string(),
                "“Partial data” means a recognised cluster reported below 100% for the as-of quarter (in a final evaluation, also for the deadline), or rows for the as-of quarter were quarantined.".to_string(),
                "A re-sent identical file changes nothing; a later row for the same enterprise and quarter replaces the earlier one, which stays in the dataset's history.".to_string(),
                "Times are China Standard Time.".to_string(),
            ]
        )
    }

    // ── table headers ───────────────────────────────────────────────────────────

    pub(crate) fn col_rank(self) -> &'static str {
        zh_en!(self, "序号", "Rank")
    }
    pub(crate) fn col_cluster(self) -> &'static str {
        zh_en!(self, "集群", "Cluster")
    }
    pub(crate) fn col_indicator(self) -> &'static str {
        zh_en!(self, "指标", "Indicator")
    }
    pub(crate) fn col_baseline(self) -> &'static str {
        zh_en!(self, "基期值（季度）", "Baseline (quarter)")
    }
    pub(crate) fn col_compared(self) -> &'static str {
        zh_en!(self, "基期或上年同期", "Baseline or a year earlier")
    }
    pub(crate) fn col_target(self) -> &'static str {
        zh_en!(self, "目标", "Target")
    }
    pub(crate) fn col_final(self, judged: &str) -> String {
        zh_en!(
            self,
            format!("终期值（{judged}）"),
            format!("Final value ({judged})")
        )
    }
    pub(crate) fn col_value_at(self, quarter: &str) -> String {
        zh_en!(self, format!("{quarter}数值"), format!("Value {quarter}"))
    }
    pub(crate) fn col_projected(self, deadline: &str) -> String {
        zh_en!(
            self,
            format!("{deadline}预测值"),
            format!("Projected {deadline}")
        )
    }
    pub(crate) fn col_latest(self, as_of: &str) -> String {
        zh_en!(
            self,
            format!("{as_of}（参考）"),
            format!("{as_of} (reference)")
        )
    }
    pub(crate) fn col_progress(self) -> &'static str {
        zh_en!(self, "进度", "Progress")
    }
    pub(crate) fn col_status(self) -> &'static str {
        zh_en!(self, "状态", "Status")
    }
    pub(crate) fn col_conditions(self, n: usize) -> String {
        zh_en!(
            self,
            format!("数字化条件达到项数（共{n}项）"),
            format!("Digital conditions met (of {n})")
        )
    }
    pub(crate) fn col_qualifies(self) -> &'static str {
        zh_en!(
            self,
            "符合数字化特色集群条件",
            "Qualifies as a digital cluster"
        )
    }
    pub(crate) fn col_output(self, year: i32, threshold: &str) -> String {
        zh_en!(
            self,
            format!("{year}年产值（不低于{threshold}）"),
            format!("Output {year} (at least {threshold})")
        )
    }
    pub(crate) fn col_gain(self, name: &str, target: &str) -> String {
        zh_en!(
            self,
            format!("{name}（目标{target}）"),
            format!("{name} (target {target})")
        )
    }
    pub(crate) fn col_qualifies_short(self) -> &'static str {
        zh_en!(self, "是否符合", "Qualifies")
    }
    pub(crate) fn col_unit(self) -> &'static str {
        zh_en!(self, "单位", "Unit")
    }
    pub(crate) fn col_definition(self) -> &'static str {
        zh_en!(self, "含义", "What it counts")
    }
    pub(crate) fn col_expected(self) -> &'static str {
        zh_en!(self, "应报送", "Expected")
    }
    pub(crate) fn col_reported(self, quarter: &str) -> String {
        zh_en!(
            self,
            format!("{quarter}已报送"),
            format!("Reported {quarter}")
        )
    }
    pub(crate) fn col_rate(self, quarter: &str) -> String {
        zh_en!(self, format!("{quarter}报送率"), format!("Rate {quarter}"))
    }
    pub(crate) fn col_carried(self, quarter: &str) -> String {
        zh_en!(
            self,
            format!("{quarter}结转计入"),
            format!("Carried forward {quarter}")
        )
    }
    pub(crate) fn col_outcome(self) -> &'static str {
        zh_en!(self, "处理结果", "Outcome")
    }
    pub(crate) fn col_files(self) -> &'static str {
        zh_en!(self, "文件数", "Files")
    }
    pub(crate) fn col_file(self) -> &'static str {
        zh_en!(self, "文件", "File")
    }
    pub(crate) fn col_rows_accepted(self) -> &'static str {
        zh_en!(self, "接收行数", "Rows accepted")
    }
    pub(crate) fn col_rows_quarantined(self) -> &'static str {
        zh_en!(self, "隔离行数", "Rows quarantined")
    }
    pub(crate) fn col_warnings(self) -> &'static str {
        zh_en!(self, "警告数", "Warnings")
    }
    pub(crate) fn col_kind(self) -> &'static str {
        zh_en!(self, "问题类型", "Kind of problem")
    }
    pub(crate) fn col_severity(self) -> &'static str {
        zh_en!(self, "级别", "Severity")
    }
    pub(crate) fn col_count(self) -> &'static str {
        zh_en!(self, "条数", "Count")
    }
    pub(crate) fn col_location(self) -> &'static str {
        zh_en!(self, "位置", "Where")
    }
    pub(crate) fn col_column(self) -> &'static str {
        zh_en!(self, "列", "Column")
    }
    pub(crate) fn col_raw_value(self) -> &'static str {
        zh_en!(self, "原值", "Value as given")
    }
    pub(crate) fn col_message(self) -> &'static str {
        zh_en!(self, "说明", "Message")
    }
    pub(crate) fn col_enterprise(self) -> &'static str {
        zh_en!(self, "企业名称", "Enterprise")
    }
    pub(crate) fn col_credit_code(self) -> &'static str {
        zh_en!(self, "统一社会信用代码", "Credit code")
    }
    pub(crate) fn col_counted(self) -> &'static str {
        zh_en!(self, "计入情况", "Counted")
    }

    /// The message of an issue in the report's language.
    pub(crate) fn issue_message<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        zh_en!(self, zh, en)
    }

    // ── workbook notes ─────────────────────────────────────────────────────────

    /// Ends a workbook cell cut to Excel's limit.
    pub(crate) fn truncated_marker(self, csv: &str) -> String {
        zh_en!(
            self,
            format!("…（已截断，完整内容见 {csv}）"),
            format!("… (truncated; the full text is in {csv})")
        )
    }

    /// The note closing a workbook sheet that shows only its first rows.
    pub(crate) fn more_rows_in(self, n: usize, csv: &str) -> String {
        zh_en!(
            self,
            format!("另有 {n} 行未列出，完整内容见 {csv}。"),
            format!("{n} more rows are not listed here; {csv} has them all.")
        )
    }

    // ── xlsx sheet names (≤ 31 characters, none of []:*?/\) ─────────────────────

    pub(crate) fn sheet_scorecard(self) -> &'static str {
        zh_en!(self, "记分卡", "Scorecard")
    }
    pub(crate) fn sheet_series(self) -> &'static str {
        zh_en!(self, "序列", "Series")
    }
    pub(crate) fn sheet_validation(self) -> &'static str {
        zh_en!(self, "数据质量", "Validation")
    }

    // ── method note ─────────────────────────────────────────────────────────────

    /// What an indicator counts, in a line; `None` for an indicator this build does not
    /// describe (the catalogue can grow without the report failing). `share`, `cap`,
    /// `national` and `provincial` are the plan's policy amounts, already written.
    pub(crate) fn definition(
        self,
        id: &str,
        share: &str,
        cap: &str,
        national: &str,
        provincial: &str,
    ) -> Option<String> {
        let (nat, prov) = (national, provincial);
        let s: String = match (id, self.lang) {
            ("cnc_rate", Language::Zh) => "有关键工序的企业中，数控化关键工序所占比例的企业平均值".into(),
            ("cnc_rate", Language::En) => "Mean, over enterprises with key processes, of the share of key processes under numerical control".into(),
            ("bis_rate", Language::Zh) => "应用业务信息系统的企业占报送企业的比例".into(),
            ("bis_rate", Language::En) => "Share of reporting enterprises using a business information system".into(),
            ("rnd_tool_rate", Language::Zh) => "应用数字化研发设计工具的企业占报送企业的比例".into(),
            ("rnd_tool_rate", Language::En) => "Share of reporting enterprises using digital R&D design tools".into(),
            ("ecommerce_rate", Language::Zh) => "开展电子商务的企业占报送企业的比例".into(),
            ("ecommerce_rate", Language::En) => "Share of reporting enterprises doing e-commerce".into(),
            ("digital_cluster_count", Language::Zh) => "上一完整年度产值达100亿元、且各项数字化提升条件均已达到的集群数".into(),
            ("digital_cluster_count", Language::En) => "Clusters with an annual output of 10 bn yuan or more that meet every digital gain condition".into(),
            ("revenue_ytd", Language::Zh) => "报送企业营业收入本年累计之和".into(),
            ("revenue_ytd", Language::En) => "Sum of reporting enterprises' year-to-date revenue".into(),
            ("output_value_ytd", Language::Zh) => "报送企业工业总产值本年累计之和".into(),
            ("output_value_ytd", Language::En) => "Sum of reporting enterprises' year-to-date industrial output value".into(),
            ("revenue_yoy", Language::Zh) => "同口径（本季度与上年同季度均报送的企业）营业收入同比增速".into(),
            ("revenue_yoy", Language::En) => "Revenue growth on the same quarter a year earlier, over enterprises reporting both".into(),
            ("revenue_cagr", Language::Zh) => "自规划基年起各年同口径年度营业收入增速的几何平均".into(),
            ("revenue_cagr", Language::En) => "Geometric mean of the comparable annual revenue growth of each year since the baseline year".into(),
            ("above_scale_count", Language::Zh) => "规模以上工业企业数（含结转）".into(),
            ("above_scale_count", Language::En) => "Enterprises above designated size (carried forward included)".into(),
            ("new_cluster_count", Language::Zh) => "规划基期之后认定、截至本季度的集群数".into(),
            ("new_cluster_count", Language::En) => "Clusters recognised after the plan's baseline, up to this quarter".into(),
            ("clusters_over_5b", Language::Zh) => "基年营业收入不足50亿元、上一完整年度达到50亿元的集群数".into(),
            ("clusters_over_5b", Language::En) => "Clusters below 5 bn yuan of annual revenue in the baseline year and at or above it in the latest complete year".into(),
            ("clusters_over_10b", Language::Zh) => "基年营业收入不足100亿元、上一完整年度达到100亿元的集群数".into(),
            ("clusters_over_10b", Language::En) => "Clusters below 10 bn yuan of annual revenue in the baseline year and at or above it in the latest complete year".into(),
            ("green_factory_count", Language::Zh) => "获评绿色工厂（省级及以上）的企业数（含结转）".into(),
            ("green_factory_count", Language::En) => "Enterprises rated green factories, provincial level or above (carried forward included)".into(),
            ("green_park_count", Language::Zh) => "直报的省级绿色园区数（截至本季度的最新值）".into(),
            ("green_park_count", Language::En) => "Provincial green parks as reported (the latest value up to this quarter)".into(),
            ("sme_count", Language::Zh) => "名录企业中的中小企业数（含结转）".into(),
            ("sme_count", Language::En) => "SMEs of the roster (carried forward included)".into(),
            ("specialized_count", Language::Zh) => "获认定专精特新（任一级别）的企业数（含结转）".into(),
            ("specialized_count", Language::En) => "Enterprises recognised as specialised and innovative, any level (carried forward included)".into(),
            ("little_giant_count", Language::Zh) => "国家级专精特新“小巨人”企业数（含结转）".into(),
            ("little_giant_count", Language::En) => "National “little giant” enterprises (carried forward included)".into(),
            ("design_center_count", Language::Zh) => "拥有工业设计中心（任一级别）的企业数（含结转）".into(),
            ("design_center_count", Language::En) => "Enterprises with an industrial design centre, any level (carried forward included)".into(),
            ("innovation_platform_count", Language::Zh) => "企业拥有的省级及以上科技创新平台数之和（含结转）".into(),
            ("innovation_platform_count", Language::En) => "Innovation platforms, provincial level or above, of the enterprises (carried forward included)".into(),
            ("core_tech_count", Language::Zh) => "企业攻克的关键核心技术数之和（含结转）".into(),
            ("core_tech_count", Language::En) => "Key core technologies mastered by the enterprises (carried forward included)".into(),
            ("listing_reserve_count", Language::Zh) => "上市后备企业数（含结转）".into(),
            ("listing_reserve_count", Language::En) => "Enterprises in the listing reserve (carried forward included)".into(),
            ("listed_count", Language::Zh) => "已上市企业数（含结转）".into(),
            ("listed_count", Language::En) => "Listed enterprises (carried forward included)".into(),
            ("tech_upgrade_subsidy", Language::Zh) => format!("按上年技改设备购置额的{share}、每家最高{cap}测算的补贴（规划原文以万元计）"),
            ("tech_upgrade_subsidy", Language::En) => format!("{share} of each enterprise's previous-year upgrade-equipment purchases, at most {cap} each"),
            ("demo_reward", Language::Zh) => format!("技术创新示范企业奖励：国家级每家{nat}，省级每家{prov}（含结转）"),
            ("demo_reward", Language::En) => format!("Innovation-demonstration rewards: {nat} per national, {prov} per provincial enterprise (carried forward included)"),
            ("reporting_rate", Language::Zh) => "名录企业中有本季度报表的比例".into(),
            ("reporting_rate", Language::En) => "Share of roster enterprises with a report for the quarter".into(),
            _ => return None,
        };
        Some(s)
    }
}

/// "Missed" from "missed", for a status word opening an English sentence.
fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// A section number as official documents write it: 一, 二, …, 十, 十一, … 九十九.
fn chinese_number(n: usize) -> String {
    const DIGITS: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n].to_string(),
        10..=19 => format!("十{}", if n == 10 { "" } else { DIGITS[n % 10] }),
        20..=99 => format!(
            "{}十{}",
            DIGITS[n / 10],
            if n.is_multiple_of(10) {
                ""
            } else {
                DIGITS[n % 10]
            }
        ),
        _ => n.to_string(),
    }
}

/// Characters of an input value shown in the HTML and Markdown reports; the CSVs hold
/// the value in full.
pub(crate) const MAX_SHOWN_CHARS: usize = 200;

/// A value from an input file as the reports show it: at most [`MAX_SHOWN_CHARS`]
/// characters (then "…"), and control and bidirectional-control characters shown as
/// U+FFFD. Such a character is often the very problem an issue reports; invisible, or
/// reordering the text around it, it would hide what the file holds.
pub(crate) fn display_value(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(MAX_SHOWN_CHARS)
        .map(|c| {
            let bidi = matches!(
                c,
                '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
            );
            if (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || bidi {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect();
    if s.chars().nth(MAX_SHOWN_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// Display width of a text in a monospaced grid, counting CJK and full-width
/// characters as two columns (for xlsx column widths).
pub(crate) fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6 => 2,
            _ => 1,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_numbered_as_official_documents_number_them() {
        assert_eq!(chinese_number(1), "一");
        assert_eq!(chinese_number(10), "十");
        assert_eq!(chinese_number(12), "十二");
        assert_eq!(chinese_number(20), "二十");
        assert_eq!(chinese_number(31), "三十一");
        let zh = Text::new(Language::Zh);
        assert_eq!(zh.section(9, "方法说明"), "九、方法说明");
        assert_eq!(Text::new(Language::En).section(9, "Method"), "9. Method");
    }

    #[test]
    fn lists_read_as_sentences() {
        let zh = Text::new(Language::Zh);
        let en = Text::new(Language::En);
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(zh.and_list(&v(&["甲", "乙", "丙"])), "甲、乙和丙");
        assert_eq!(en.and_list(&v(&["a", "b", "c"])), "a, b and c");
        assert_eq!(zh.and_list(&v(&["甲"])), "甲");
        assert_eq!(zh.name("营业收入(本年累计)"), "营业收入（本年累计）");
    }

    #[test]
    fn cjk_counts_double_in_widths() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("记分卡"), 6);
    }
}
