//! How each county writes its quarterly report files.
//!
//! The data contract accepts many forms of the same content, and real county bureaus
//! use them all: a Windows export in GBK with Chinese headers and `是/否`, an `.xlsx`
//! template, an English-headed CSV from a system integrator, `√/×` ticks, periods as
//! `2024年第三季度` or `2024-09`, numbers with thousands separators or typed in
//! full-width digits. Each source (a county, or a cluster where a county sends one
//! file per cluster) has one fixed [`Form`] so the mix is deterministic and every form
//! appears in every run:
//!
//! | source | container | headers | booleans | periods | levels | numbers |
//! |---|---|---|---|---|---|---|
//! | xinji | CSV GBK, CRLF | Chinese + units | 是/否 | 2024年第三季度 | Chinese | plain |
//! | wuji | CSV GB18030, CRLF | Chinese aliases | √/× | 2024-09 | 小巨人, 后备 | `"1,234.5"` |
//! | jinzhou | xlsx | Chinese + units | 是/否 | 2024Q3 | Chinese | numeric cells |
//! | gaocheng-lantern | CSV UTF-8 BOM, CRLF | Chinese + units | Y/N | 2024-Q3 | Chinese | some full-width |
//! | gaocheng-equipment | CSV UTF-8 BOM, CRLF | Chinese + units | Y/N | 2024-Q3 | Chinese | plain |
//! | luquan | xlsx | English | true/false | 2024Q3 | English | numeric cells |
//! | luancheng | CSV UTF-8, LF | English | 1/0 | 2024Q3 | English | plain |
//! | xingtang | CSV GBK, CRLF | Chinese aliases | 是/否 | 2024年第3季度 | 国家级专精特新"小巨人", 上市后备 | some full-width |
//! | gaoyi | CSV GB18030, CRLF | Chinese + units | 1/0 | 2024年9月 | Chinese | `"1,234.5"` |
//! | yuanshi | CSV GBK until 2022Q4, xlsx from 2023Q1 | Chinese + units | 是/否 | 2024年三季度 | Chinese | plain / numeric |
//! | zanhuang | CSV UTF-8 BOM, CRLF | Chinese aliases | yes/no | 2024q3 | Chinese | plain, 5% blank employees |
//! | jingxing | CSV GBK, CRLF, columns reordered | Chinese + units | √/× | 2024年第三季度 | Chinese | `"1,234.5"` |
//!
//! 藁城区 sends one file per cluster; 鹿泉区 one file for its two clusters.

use clusterkpi_model::Period;

use crate::city::{DesignTier, Listing, Report, Tier};
use crate::rng;

/// A column of the reports table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Column {
    CreditCode,
    Period,
    RevenueYtd,
    OutputValueYtd,
    Employees,
    IsSme,
    AboveScale,
    Specialized,
    KeyProcesses,
    KeyProcessesCnc,
    BusinessInfoSystem,
    DigitalRndTools,
    Ecommerce,
    DesignCenter,
    InnovationPlatforms,
    GreenFactory,
    TechUpgradeYtd,
    InnovationDemo,
    Listing,
    CoreTech,
}

/// The contract's column order.
pub(crate) const CANONICAL_ORDER: [Column; 20] = [
    Column::CreditCode,
    Column::Period,
    Column::RevenueYtd,
    Column::OutputValueYtd,
    Column::Employees,
    Column::IsSme,
    Column::AboveScale,
    Column::Specialized,
    Column::KeyProcesses,
    Column::KeyProcessesCnc,
    Column::BusinessInfoSystem,
    Column::DigitalRndTools,
    Column::Ecommerce,
    Column::DesignCenter,
    Column::InnovationPlatforms,
    Column::GreenFactory,
    Column::TechUpgradeYtd,
    Column::InnovationDemo,
    Column::Listing,
    Column::CoreTech,
];

/// A county's own template: the same columns grouped differently.
const REORDERED: [Column; 20] = [
    Column::Period,
    Column::CreditCode,
    Column::RevenueYtd,
    Column::OutputValueYtd,
    Column::KeyProcesses,
    Column::KeyProcessesCnc,
    Column::BusinessInfoSystem,
    Column::DigitalRndTools,
    Column::Ecommerce,
    Column::IsSme,
    Column::AboveScale,
    Column::Employees,
    Column::Specialized,
    Column::DesignCenter,
    Column::GreenFactory,
    Column::InnovationDemo,
    Column::InnovationPlatforms,
    Column::Listing,
    Column::CoreTech,
    Column::TechUpgradeYtd,
];

/// Text encodings of CSV files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Utf8,
    Gbk,
    Gb18030,
}

/// What a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Container {
    Csv {
        encoding: Encoding,
        bom: bool,
        crlf: bool,
    },
    Xlsx,
}

impl Container {
    pub(crate) fn extension(self) -> &'static str {
        match self {
            Container::Csv { .. } => "csv",
            Container::Xlsx => "xlsx",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeaderStyle {
    /// `revenue_ytd`
    English,
    /// `营业收入（万元）`: the first alias with its unit in full-width parentheses.
    ChineseUnits,
    /// `营业收入(本年累计)`: the other aliases, half-width parentheses, stray spaces.
    ChineseAliases,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BoolStyle {
    ShiFou,
    YN,
    OneZero,
    CheckCross,
    TrueFalse,
    YesNo,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PeriodStyle {
    /// 2024Q3
    Canonical,
    /// 2024q3
    Lower,
    /// 2024-Q3
    Dashed,
    /// 2024年第三季度
    ChineseOrdinal,
    /// 2024年第3季度
    ChineseDigit,
    /// 2024年三季度
    ChineseShort,
    /// 2024-09
    Month,
    /// 2024年9月
    ChineseMonth,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LevelStyle {
    English,
    /// 无 / 省级 / 国家级, 后备 / 已上市.
    Chinese,
    /// National 专精特新 as 小巨人.
    ChineseGiant,
    /// National 专精特新 as 国家级专精特新"小巨人" (quotes included), 上市后备.
    ChineseFull,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumberStyle {
    Plain,
    /// `1,234.5`, quoted in CSV.
    Thousands,
    /// Mostly plain; about 3% of cells typed in full-width digits (`１２３４．５`).
    SomeFullWidth,
}

/// How a number is to be written in one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Look {
    Plain,
    Thousands,
    FullWidth,
}

/// Everything about how one source writes its reports.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Form {
    pub(crate) container: Container,
    headers: HeaderStyle,
    bools: BoolStyle,
    periods: PeriodStyle,
    levels: LevelStyle,
    numbers: NumberStyle,
    order: &'static [Column; 20],
    /// Share of rows leaving the optional `employees` empty.
    blank_employees: f64,
}

/// A sender of report files: a county, or one cluster of a county.
#[derive(Debug)]
pub(crate) struct Source {
    /// File name stem: `<slug>-<period>.<ext>`.
    pub(crate) slug: &'static str,
    form: Form,
    /// From this quarter on the source sends `.xlsx` (a template change).
    xlsx_since: Option<(i32, u8)>,
}

impl Source {
    /// The form used for `period`'s file.
    pub(crate) fn form_at(&self, period: Period) -> Form {
        match self.xlsx_since {
            Some((y, q)) if period >= Period::new(y, q).expect("valid quarter") => Form {
                container: Container::Xlsx,
                ..self.form
            },
            _ => self.form,
        }
    }
}

const fn csv(encoding: Encoding, bom: bool, crlf: bool) -> Container {
    Container::Csv {
        encoding,
        bom,
        crlf,
    }
}

const fn form(
    container: Container,
    headers: HeaderStyle,
    bools: BoolStyle,
    periods: PeriodStyle,
    levels: LevelStyle,
    numbers: NumberStyle,
) -> Form {
    Form {
        container,
        headers,
        bools,
        periods,
        levels,
        numbers,
        order: &CANONICAL_ORDER,
        blank_employees: 0.0,
    }
}

/// The plainest form of the contract: UTF-8 CSV without BOM, LF, English header names
/// in the canonical order, `true`/`false`, `2024Q3`, English levels and plain numbers.
pub(crate) const PLAIN: Form = form(
    csv(Encoding::Utf8, false, false),
    HeaderStyle::English,
    BoolStyle::TrueFalse,
    PeriodStyle::Canonical,
    LevelStyle::English,
    NumberStyle::Plain,
);

/// Every source, in file-writing order. `city::CLUSTERS` names its source by slug.
pub(crate) const SOURCES: [Source; 12] = {
    use BoolStyle as B;
    use Encoding::{Gb18030, Gbk, Utf8};
    use HeaderStyle::{ChineseAliases, ChineseUnits, English};
    use LevelStyle as L;
    use NumberStyle as N;
    use PeriodStyle as P;
    [
        Source {
            slug: "xinji",
            form: form(
                csv(Gbk, false, true),
                ChineseUnits,
                B::ShiFou,
                P::ChineseOrdinal,
                L::Chinese,
                N::Plain,
            ),
            xlsx_since: None,
        },
        Source {
            slug: "wuji",
            form: form(
                csv(Gb18030, false, true),
                ChineseAliases,
                B::CheckCross,
                P::Month,
                L::ChineseGiant,
                N::Thousands,
            ),
            xlsx_since: None,
        },
        Source {
            slug: "jinzhou",
            form: form(
                Container::Xlsx,
                ChineseUnits,
                B::ShiFou,
                P::Canonical,
                L::Chinese,
                N::Plain,
            ),
            xlsx_since: None,
        },
        Source {
            slug: "gaocheng-lantern",
            form: form(
                csv(Utf8, true, true),
                ChineseUnits,
                B::YN,
                P::Dashed,
                L::Chinese,
                N::SomeFullWidth,
            ),
            xlsx_since: None,
        },
        Source {
            slug: "gaocheng-equipment",
            form: form(
                csv(Utf8, true, true),
                ChineseUnits,
                B::YN,
                P::Dashed,
                L::Chinese,
                N::Plain,
            ),
            xlsx_since: None,
        },
        Source {
            slug: "luquan",
            form: form(
                Container::Xlsx,
                English,
                B::TrueFalse,
                P::Canonical,
                L::English,
                N::Plain,
            ),
            xlsx_since: None,
        },
        Source {
            slug: "luancheng",
            form: form(
                csv(Utf8, false, false),
                English,
                B::OneZero,
                P::Canonical,
                L::English,
                N::Plain,
            ),
            xlsx_since: None,
        },
        Source {
            slug: "xingtang",
            form: form(
                csv(Gbk, false, true),
                ChineseAliases,
                B::ShiFou,
                P::ChineseDigit,
                L::ChineseFull,
                N::SomeFullWidth,
            ),
            xlsx_since: None,
        },
        Source {
            slug: "gaoyi",
            form: form(
                csv(Gb18030, false, true),
                ChineseUnits,
                B::OneZero,
                P::ChineseMonth,
                L::Chinese,
                N::Thousands,
            ),
            xlsx_since: None,
        },
        Source {
            slug: "yuanshi",
            form: form(
                csv(Gbk, false, true),
                ChineseUnits,
                B::ShiFou,
                P::ChineseShort,
                L::Chinese,
                N::Plain,
            ),
            xlsx_since: Some((2023, 1)),
        },
        Source {
            slug: "zanhuang",
            form: Form {
                blank_employees: 0.05,
                ..form(
                    csv(Utf8, true, true),
                    ChineseAliases,
                    B::YesNo,
                    P::Lower,
                    L::Chinese,
                    N::Plain,
                )
            },
            xlsx_since: None,
        },
        Source {
            slug: "jingxing",
            form: Form {
                order: &REORDERED,
                ..form(
                    csv(Gbk, false, true),
                    ChineseUnits,
                    B::CheckCross,
                    P::ChineseOrdinal,
                    L::Chinese,
                    N::Thousands,
                )
            },
            xlsx_since: None,
        },
    ]
};

/// Receives the cells of a row; implemented by the CSV and xlsx writers.
pub(crate) trait CellSink {
    fn text(&mut self, s: &str);
    /// A number with `decimals` places, in `look` where the container has looks.
    fn number(&mut self, v: f64, decimals: usize, look: Look);
    fn blank(&mut self);
}

/// A deliberate data-contract error in one cell of a row (see `defects`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CellFault {
    /// `--` where revenue should be (`E_NUMBER`).
    DashInRevenue,
    /// A negative employee count (`E_RANGE`).
    NegativeEmployees,
    /// `有` where a boolean should be (`E_BOOL`).
    UnknownBoolean,
}

impl Form {
    /// The header row's cell texts.
    pub(crate) fn header(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.order.iter().map(|&c| header(c, self.headers))
    }

    /// Writes one report row. `cell_key` seeds the per-cell choices (full-width
    /// digits, blank employees) so they are deterministic.
    pub(crate) fn write_row(
        &self,
        report: &Report<'_>,
        fault: Option<CellFault>,
        cell_key: u64,
        sink: &mut impl CellSink,
    ) {
        for (i, &column) in self.order.iter().enumerate() {
            let look = self.look(cell_key, i);
            match column {
                Column::CreditCode => sink.text(report.code),
                Column::Period => sink.text(&self.period(report.period)),
                Column::RevenueYtd if fault == Some(CellFault::DashInRevenue) => sink.text("--"),
                Column::RevenueYtd => sink.number(report.revenue_ytd, 1, look),
                Column::OutputValueYtd => sink.number(report.output_value_ytd, 1, look),
                Column::Employees if fault == Some(CellFault::NegativeEmployees) => {
                    sink.number(-f64::from(report.employees), 0, Look::Plain);
                }
                Column::Employees => {
                    if self.blank_employees > 0.0
                        && rng::unit(&[cell_key, 0xE]) < self.blank_employees
                    {
                        sink.blank();
                    } else {
                        sink.number(f64::from(report.employees), 0, look);
                    }
                }
                Column::IsSme if fault == Some(CellFault::UnknownBoolean) => sink.text("有"),
                Column::IsSme => sink.text(self.boolean(report.is_sme)),
                Column::AboveScale => sink.text(self.boolean(report.above_scale)),
                Column::Specialized => sink.text(self.specialized(report.specialized)),
                Column::KeyProcesses => sink.number(f64::from(report.key_processes), 0, look),
                Column::KeyProcessesCnc => {
                    sink.number(f64::from(report.key_processes_cnc), 0, look)
                }
                Column::BusinessInfoSystem => sink.text(self.boolean(report.business_info_system)),
                Column::DigitalRndTools => sink.text(self.boolean(report.digital_rnd_tools)),
                Column::Ecommerce => sink.text(self.boolean(report.ecommerce)),
                Column::DesignCenter => sink.text(self.design(report.design_center)),
                Column::InnovationPlatforms => {
                    sink.number(f64::from(report.innovation_platforms), 0, look)
                }
                Column::GreenFactory => sink.text(self.tier(report.green_factory)),
                Column::TechUpgradeYtd => sink.number(report.tech_upgrade_ytd, 1, look),
                Column::InnovationDemo => sink.text(self.tier(report.innovation_demo)),
                Column::Listing => sink.text(self.listing(report.listing)),
                Column::CoreTech => sink.number(f64::from(report.core_tech), 0, look),
            }
        }
    }

    fn look(&self, cell_key: u64, column: usize) -> Look {
        match self.numbers {
            NumberStyle::Plain => Look::Plain,
            NumberStyle::Thousands => Look::Thousands,
            NumberStyle::SomeFullWidth if rng::unit(&[cell_key, column as u64]) < 0.03 => {
                Look::FullWidth
            }
            NumberStyle::SomeFullWidth => Look::Plain,
        }
    }

    fn boolean(&self, b: bool) -> &'static str {
        let (yes, no) = match self.bools {
            BoolStyle::ShiFou => ("是", "否"),
            BoolStyle::YN => ("Y", "N"),
            BoolStyle::OneZero => ("1", "0"),
            BoolStyle::CheckCross => ("√", "×"),
            BoolStyle::TrueFalse => ("true", "false"),
            BoolStyle::YesNo => ("yes", "no"),
        };
        if b { yes } else { no }
    }

    pub(crate) fn period(&self, p: Period) -> String {
        period_text(p, self.periods)
    }

    fn tier(&self, t: Tier) -> &'static str {
        match (t, self.levels) {
            (Tier::None, LevelStyle::English) => "none",
            (Tier::Provincial, LevelStyle::English) => "provincial",
            (Tier::National, LevelStyle::English) => "national",
            (Tier::None, _) => "无",
            (Tier::Provincial, _) => "省级",
            (Tier::National, _) => "国家级",
        }
    }

    fn specialized(&self, t: Tier) -> &'static str {
        match (t, self.levels) {
            (Tier::National, LevelStyle::ChineseGiant) => "小巨人",
            (Tier::National, LevelStyle::ChineseFull) => "国家级专精特新\"小巨人\"",
            _ => self.tier(t),
        }
    }

    fn design(&self, d: DesignTier) -> &'static str {
        match (d, self.levels) {
            (DesignTier::None, _) => self.tier(Tier::None),
            (DesignTier::Municipal, LevelStyle::English) => "municipal",
            (DesignTier::Municipal, _) => "市级",
            (DesignTier::Provincial, _) => self.tier(Tier::Provincial),
            (DesignTier::National, _) => self.tier(Tier::National),
        }
    }

    fn listing(&self, l: Listing) -> &'static str {
        match (l, self.levels) {
            (Listing::None, _) => self.tier(Tier::None),
            (Listing::Reserve, LevelStyle::English) => "reserve",
            (Listing::Reserve, LevelStyle::ChineseFull) => "上市后备",
            (Listing::Reserve, _) => "后备",
            (Listing::Listed, LevelStyle::English) => "listed",
            (Listing::Listed, _) => "已上市",
        }
    }
}

/// A period written in `style`.
pub(crate) fn period_text(p: Period, style: PeriodStyle) -> String {
    const CN: [&str; 4] = ["一", "二", "三", "四"];
    let (y, q) = (p.year(), p.quarter());
    let cn = CN[usize::from(q) - 1];
    let month = u32::from(q) * 3;
    match style {
        PeriodStyle::Canonical => format!("{y}Q{q}"),
        PeriodStyle::Lower => format!("{y}q{q}"),
        PeriodStyle::Dashed => format!("{y}-Q{q}"),
        PeriodStyle::ChineseOrdinal => format!("{y}年第{cn}季度"),
        PeriodStyle::ChineseDigit => format!("{y}年第{q}季度"),
        PeriodStyle::ChineseShort => format!("{y}年{cn}季度"),
        PeriodStyle::Month => format!("{y}-{month:02}"),
        PeriodStyle::ChineseMonth => format!("{y}年{month}月"),
    }
}

/// A column's header text in `style`.
fn header(column: Column, style: HeaderStyle) -> &'static str {
    use Column as C;
    let (english, units, aliases) = match column {
        C::CreditCode => ("credit_code", "统一社会信用代码", "统一社会信用代码"),
        C::Period => ("period", "报告期", " 报告期"),
        C::RevenueYtd => ("revenue_ytd", "营业收入（万元）", "营业收入(本年累计)"),
        C::OutputValueYtd => (
            "output_value_ytd",
            "工业总产值（万元）",
            "工业总产值(本年累计)",
        ),
        C::Employees => ("employees", "从业人员（人）", "从业人员数"),
        C::IsSme => ("is_sme", "是否中小企业", "中小企业"),
        C::AboveScale => ("above_scale", "是否规上企业", "规上企业"),
        C::Specialized => ("specialized_level", "专精特新等级", "专精特新"),
        C::KeyProcesses => ("key_processes", "关键工序数（个）", "关键工序数"),
        C::KeyProcessesCnc => (
            "key_processes_cnc",
            "数控化关键工序数（个）",
            "数控化关键工序数",
        ),
        C::BusinessInfoSystem => ("business_info_system", "应用业务信息系统", "业务信息系统"),
        C::DigitalRndTools => (
            "digital_rnd_tools",
            "应用数字化研发设计工具",
            "数字化研发设计工具",
        ),
        C::Ecommerce => ("ecommerce", "开展电子商务", "电子商务"),
        C::DesignCenter => ("design_center_level", "工业设计中心", "工业设计中心 "),
        C::InnovationPlatforms => (
            "innovation_platforms",
            "省级以上科技创新平台数（个）",
            "省级以上科技创新平台数",
        ),
        C::GreenFactory => ("green_factory_level", "绿色工厂", "绿色工厂"),
        C::TechUpgradeYtd => (
            "tech_upgrade_equipment_ytd",
            "技改设备购置额（万元）",
            "技术改造设备购置额(万元)",
        ),
        C::InnovationDemo => (
            "innovation_demo_level",
            "技术创新示范企业",
            "技术创新示范企业",
        ),
        C::Listing => ("listing_status", "上市情况", "上市情况"),
        C::CoreTech => (
            "core_tech_breakthroughs",
            "攻克关键核心技术数（项）",
            "攻克关键核心技术数",
        ),
    };
    match style {
        HeaderStyle::English => english,
        HeaderStyle::ChineseUnits => units,
        HeaderStyle::ChineseAliases => aliases,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_period_style_parses_back() {
        let p = Period::new(2024, 3).unwrap();
        for style in [
            PeriodStyle::Canonical,
            PeriodStyle::Lower,
            PeriodStyle::Dashed,
            PeriodStyle::ChineseOrdinal,
            PeriodStyle::ChineseDigit,
            PeriodStyle::ChineseShort,
            PeriodStyle::Month,
            PeriodStyle::ChineseMonth,
        ] {
            let text = period_text(p, style);
            assert_eq!(text.parse::<Period>(), Ok(p), "{text}");
        }
        assert_eq!(
            period_text(p, PeriodStyle::ChineseOrdinal),
            "2024年第三季度"
        );
        assert_eq!(
            period_text(Period::new(2024, 4).unwrap(), PeriodStyle::Month),
            "2024-12"
        );
    }

    #[test]
    fn sources_are_unique_and_cover_every_cluster() {
        let slugs: std::collections::HashSet<_> = SOURCES.iter().map(|s| s.slug).collect();
        assert_eq!(slugs.len(), SOURCES.len());
        for c in &crate::city::CLUSTERS {
            assert!(slugs.contains(c.source), "{}", c.id);
        }
        let english = SOURCES
            .iter()
            .filter(|s| s.form.headers == HeaderStyle::English)
            .count();
        assert!((1..=2).contains(&english));
    }

    #[test]
    fn yuanshi_switches_to_xlsx() {
        let yuanshi = SOURCES.iter().find(|s| s.slug == "yuanshi").unwrap();
        assert!(matches!(
            yuanshi.form_at(Period::new(2022, 4).unwrap()).container,
            Container::Csv { .. }
        ));
        assert_eq!(
            yuanshi.form_at(Period::new(2023, 1).unwrap()).container,
            Container::Xlsx
        );
    }
}
