//! The synthetic city: its clusters, their enterprises and how both evolve.
//!
//! Thirteen county characteristic clusters of Shijiazhuang, eleven recognised before
//! the plan's baseline and two later. Every enterprise gets fixed traits when the city
//! is built (size, propensities, key processes); a quarter's report is then a pure
//! function of those traits, a per-year state and the quarter. Nothing is carried
//! from one quarter to the next, which gives three properties the generator relies on:
//!
//! - quarters can be written one at a time, keeping only per-enterprise state;
//! - a figure depends on its keyed random stream, not on how many quarters,
//!   enterprises or clusters were generated before it;
//! - stock indicators never go backwards: an enterprise *adopts* a system at the
//!   quarter its fixed draw `u` falls below its cluster's rising adoption curve, so
//!   once adopted it stays adopted, and honours (绿色工厂, 设计中心, 上市, …) only
//!   upgrade. The exception is deliberate: 专精特新 is for SMEs, and a firm that
//!   outgrows SME size loses it.
//!
//! Calibration: cluster revenues, growth rates and adoption ramps are stated at the
//! anchor year 2020 (annual revenue) and quarter 2020Q4 (rates). They were chosen so
//! that, for the default 2,700 enterprises, the plan's targets make an interesting
//! evaluation: some clusters cross 50 and 100 亿元 (500,000 / 1,000,000 万元) during
//! 2021–2025 and others do not, one large cluster meets all four digital gains, the
//! city's revenue CAGR stays a little under 10%, and the enterprise counts reach some
//! of their targets but not all. The calibration is a property of the synthetic city,
//! not of any plan: the pipeline reads none of it.

use std::collections::HashSet;
use std::ops::Range;

use clusterkpi_model::Period;

use crate::SynthError;
use crate::credit;
use crate::names::Namer;
use crate::rng::{self, Rng};

/// The year cluster revenues are calibrated at.
const ANCHOR_YEAR: i32 = 2020;
/// Year-on-year log-sd of an enterprise's own growth around its cluster's.
const ENTERPRISE_GROWTH_SD: f64 = 0.10;
/// Year-on-year sd of a cluster's growth around its trend.
const CLUSTER_GROWTH_SD: f64 = 0.02;

/// The quarter adoption ramps are anchored at (t = 0).
fn anchor_quarter() -> Period {
    Period::new(ANCHOR_YEAR, 4).expect("valid quarter")
}

/// A rate that rises linearly: `level` (a share, 0–1) at 2020Q4 plus `speed`
/// percentage points per quarter.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ramp {
    level: f64,
    speed: f64,
}

const fn ramp(level: f64, speed: f64) -> Ramp {
    Ramp { level, speed }
}

impl Ramp {
    fn at(self, t: i32) -> f64 {
        self.level + self.speed / 100.0 * f64::from(t)
    }
}

/// One cluster of the synthetic city, as calibrated for 2,700 enterprises.
#[derive(Debug)]
pub(crate) struct ClusterSpec {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) name_en: &'static str,
    pub(crate) county: &'static str,
    /// The county's administrative division code (positions 3–8 of credit codes).
    division: u32,
    /// The report file slug that carries this cluster's enterprises (see `forms`).
    pub(crate) source: &'static str,
    pub(crate) industry: &'static str,
    /// When it was recognised as a county characteristic cluster.
    established: (i32, u8),
    /// Enterprises at 2,700 in total.
    enterprises: u32,
    /// Annual revenue in 2020, 万元, at 2,700 enterprises in total.
    revenue: f64,
    /// Log-sd of enterprise size: a few large leaders and many small firms.
    spread: f64,
    /// Trend of annual revenue growth.
    growth: f64,
    /// Mean enterprise CNC rate of key processes.
    cnc: Ramp,
    /// Adoption of business information systems, digital R&D tools, e-commerce.
    bis: Ramp,
    rnd: Ramp,
    ecommerce: Ramp,
    /// Propensity for honours (专精特新, design centres, platforms, …) relative to
    /// the city average (normalised when the city is built).
    innovation: f64,
    /// Industry words for company names.
    words: &'static [&'static str],
}

/// The thirteen clusters. Counties and division codes are Shijiazhuang's; the
/// clusters are modelled on the county industries the plan names.
pub(crate) const CLUSTERS: [ClusterSpec; 13] = [
    ClusterSpec {
        id: "xinji-leather",
        name: "辛集市皮革皮具产业集群",
        name_en: "Xinji leather and leather goods cluster",
        county: "辛集市",
        division: 130_181,
        source: "xinji",
        industry: "皮革",
        established: (2017, 4),
        enterprises: 620,
        revenue: 5_000_000.0,
        spread: 1.1,
        growth: 0.07,
        cnc: ramp(0.38, 0.20),
        bis: ramp(0.45, 0.35),
        rnd: ramp(0.22, 0.30),
        ecommerce: ramp(0.55, 1.10),
        innovation: 0.8,
        words: &["皮革", "皮具", "皮业", "制革", "皮革制品", "毛皮"],
    },
    ClusterSpec {
        id: "wuji-leather",
        name: "无极县皮革产业集群",
        name_en: "Wuji leather cluster",
        county: "无极县",
        division: 130_130,
        source: "wuji",
        industry: "皮革",
        established: (2017, 4),
        enterprises: 150,
        revenue: 370_000.0,
        spread: 0.95,
        growth: 0.07,
        cnc: ramp(0.35, 0.15),
        bis: ramp(0.40, 0.30),
        rnd: ramp(0.20, 0.25),
        ecommerce: ramp(0.40, 0.90),
        innovation: 0.6,
        words: &["皮革", "皮业", "制革", "汽车内饰", "革业"],
    },
    ClusterSpec {
        id: "jinzhou-textile",
        name: "晋州市纺织服装产业集群",
        name_en: "Jinzhou textile and apparel cluster",
        county: "晋州市",
        division: 130_183,
        source: "jinzhou",
        industry: "纺织服装",
        established: (2018, 4),
        enterprises: 220,
        revenue: 860_000.0,
        spread: 1.0,
        growth: 0.10,
        cnc: ramp(0.48, 0.30),
        bis: ramp(0.52, 0.45),
        rnd: ramp(0.30, 0.40),
        ecommerce: ramp(0.35, 1.20),
        innovation: 1.0,
        words: &["纺织", "棉纺", "服装", "服饰", "针织", "纺织品"],
    },
    ClusterSpec {
        id: "gaocheng-lantern",
        name: "藁城区宫灯产业集群",
        name_en: "Gaocheng palace lantern cluster",
        county: "藁城区",
        division: 130_109,
        source: "gaocheng-lantern",
        industry: "宫灯/工艺品",
        established: (2019, 4),
        enterprises: 150,
        revenue: 150_000.0,
        spread: 0.8,
        growth: 0.06,
        cnc: ramp(0.25, 0.10),
        bis: ramp(0.30, 0.25),
        rnd: ramp(0.15, 0.20),
        ecommerce: ramp(0.60, 1.50),
        innovation: 0.4,
        words: &["宫灯", "灯笼", "工艺品", "彩灯", "灯饰"],
    },
    ClusterSpec {
        id: "gaocheng-equipment",
        name: "藁城区装备制造产业集群",
        name_en: "Gaocheng equipment manufacturing cluster",
        county: "藁城区",
        division: 130_109,
        source: "gaocheng-equipment",
        industry: "装备制造",
        established: (2018, 4),
        enterprises: 170,
        revenue: 760_000.0,
        spread: 1.05,
        growth: 0.13,
        cnc: ramp(0.55, 0.50),
        bis: ramp(0.58, 0.40),
        rnd: ramp(0.38, 0.55),
        ecommerce: ramp(0.20, 0.35),
        innovation: 1.4,
        words: &["机械", "装备", "机械制造", "重工", "精密机械", "机电设备"],
    },
    ClusterSpec {
        id: "luquan-electronics",
        name: "鹿泉区电子信息产业集群",
        name_en: "Luquan electronic information cluster",
        county: "鹿泉区",
        division: 130_110,
        source: "luquan",
        industry: "电子信息",
        established: (2018, 4),
        enterprises: 420,
        revenue: 3_500_000.0,
        spread: 1.2,
        growth: 0.13,
        cnc: ramp(0.62, 0.45),
        bis: ramp(0.68, 0.70),
        rnd: ramp(0.50, 0.80),
        ecommerce: ramp(0.40, 1.40),
        innovation: 1.8,
        words: &["电子", "光电", "电子科技", "信息技术", "通信", "半导体"],
    },
    ClusterSpec {
        id: "luquan-building",
        name: "鹿泉区新型建材产业集群",
        name_en: "Luquan new building materials cluster",
        county: "鹿泉区",
        division: 130_110,
        source: "luquan",
        industry: "建材",
        established: (2019, 4),
        enterprises: 100,
        revenue: 380_000.0,
        spread: 0.95,
        growth: 0.02,
        cnc: ramp(0.40, 0.12),
        bis: ramp(0.42, 0.20),
        rnd: ramp(0.18, 0.15),
        ecommerce: ramp(0.15, 0.40),
        innovation: 0.6,
        words: &["建材", "新型建材", "水泥制品", "保温材料", "建筑材料"],
    },
    ClusterSpec {
        id: "luancheng-biomed",
        name: "栾城区生物医药产业集群",
        name_en: "Luancheng biomedicine cluster",
        county: "栾城区",
        division: 130_111,
        source: "luancheng",
        industry: "生物医药",
        established: (2018, 4),
        enterprises: 130,
        revenue: 440_000.0,
        spread: 1.0,
        growth: 0.11,
        cnc: ramp(0.58, 0.35),
        bis: ramp(0.62, 0.50),
        rnd: ramp(0.45, 0.60),
        ecommerce: ramp(0.22, 0.60),
        innovation: 1.6,
        words: &["药业", "生物", "制药", "医药科技", "生物科技", "生物技术"],
    },
    ClusterSpec {
        id: "xingtang-food",
        name: "行唐县食品产业集群",
        name_en: "Xingtang food cluster",
        county: "行唐县",
        division: 130_125,
        source: "xingtang",
        industry: "食品",
        established: (2019, 4),
        enterprises: 120,
        revenue: 420_000.0,
        spread: 0.95,
        growth: 0.08,
        cnc: ramp(0.36, 0.22),
        bis: ramp(0.38, 0.40),
        rnd: ramp(0.16, 0.30),
        ecommerce: ramp(0.45, 1.30),
        innovation: 0.7,
        words: &["食品", "乳业", "枣业", "粮油", "饮品", "食品科技"],
    },
    ClusterSpec {
        id: "gaoyi-ceramics",
        name: "高邑县建筑陶瓷产业集群",
        name_en: "Gaoyi architectural ceramics cluster",
        county: "高邑县",
        division: 130_127,
        source: "gaoyi",
        industry: "建材",
        established: (2017, 4),
        enterprises: 160,
        revenue: 700_000.0,
        spread: 0.95,
        growth: 0.03,
        cnc: ramp(0.45, 0.18),
        bis: ramp(0.40, 0.30),
        rnd: ramp(0.20, 0.25),
        ecommerce: ramp(0.20, 0.50),
        innovation: 0.6,
        words: &["陶瓷", "建陶", "瓷业", "卫浴", "陶瓷制品"],
    },
    ClusterSpec {
        id: "yuanshi-chemical",
        name: "元氏县化工产业集群",
        name_en: "Yuanshi chemical cluster",
        county: "元氏县",
        division: 130_132,
        source: "yuanshi",
        industry: "化工",
        established: (2018, 4),
        enterprises: 300,
        revenue: 2_000_000.0,
        spread: 1.15,
        growth: 0.03,
        cnc: ramp(0.60, 0.25),
        bis: ramp(0.60, 0.35),
        rnd: ramp(0.35, 0.35),
        ecommerce: ramp(0.10, 0.30),
        innovation: 1.2,
        words: &["化工", "化学", "新材料", "精细化工", "化工科技"],
    },
    ClusterSpec {
        id: "zanhuang-jujube",
        name: "赞皇县大枣加工产业集群",
        name_en: "Zanhuang jujube processing cluster",
        county: "赞皇县",
        division: 130_129,
        source: "zanhuang",
        industry: "食品",
        established: (2022, 2),
        enterprises: 80,
        revenue: 90_000.0,
        spread: 0.8,
        growth: 0.10,
        cnc: ramp(0.30, 0.20),
        bis: ramp(0.35, 0.40),
        rnd: ramp(0.12, 0.25),
        ecommerce: ramp(0.50, 1.50),
        innovation: 0.5,
        words: &["枣业", "食品", "农产品", "大枣"],
    },
    ClusterSpec {
        id: "jingxing-calcium",
        name: "井陉县钙镁新材料产业集群",
        name_en: "Jingxing calcium and magnesium materials cluster",
        county: "井陉县",
        division: 130_121,
        source: "jingxing",
        industry: "建材",
        established: (2023, 3),
        enterprises: 80,
        revenue: 300_000.0,
        spread: 0.95,
        growth: 0.09,
        cnc: ramp(0.42, 0.25),
        bis: ramp(0.38, 0.40),
        rnd: ramp(0.20, 0.35),
        ecommerce: ramp(0.15, 0.50),
        innovation: 0.8,
        words: &["钙业", "镁业", "新材料", "矿产品", "钙镁"],
    },
];

impl ClusterSpec {
    pub(crate) fn established(&self) -> Period {
        Period::new(self.established.0, self.established.1).expect("valid quarter")
    }
}

/// Purposes of keyed random streams, so no two uses share one.
#[derive(Clone, Copy)]
#[repr(u64)]
enum Stream {
    Identity = 1,
    Traits = 2,
    ClusterYear = 3,
    EnterpriseYear = 4,
    YearDetails = 5,
    Quarter = 6,
}

/// Level of an honour with two tiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tier {
    None,
    Provincial,
    National,
}

/// Level of an industrial design centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DesignTier {
    None,
    Municipal,
    Provincial,
    National,
}

/// Listing status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Listing {
    None,
    Reserve,
    Listed,
}

/// A cluster of the built city.
#[derive(Debug)]
pub(crate) struct Cluster {
    pub(crate) spec: &'static ClusterSpec,
    pub(crate) established: Period,
    /// Indices into [`City::enterprises`].
    pub(crate) members: Range<usize>,
    /// `spec.innovation` relative to the enterprise-weighted city mean.
    innovation: f64,
}

/// An enterprise's fixed traits.
#[derive(Debug)]
pub(crate) struct Enterprise {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) cluster: usize,
    /// Position within its cluster: with the cluster index, the key of its streams.
    serial: u64,
    /// Annual revenue in the anchor year, before its own growth noise, 万元.
    base_revenue: f64,
    /// Size relative to its cluster's median, damped: larger firms collect more
    /// honours and list more often.
    stature: f64,
    output_ratio: f64,
    /// Revenue per employee, 万元.
    productivity: f64,
    /// Part of a large group, hence never an SME whatever its own size.
    group_member: bool,
    key_processes: u32,
    /// The enterprise's CNC rate relative to its cluster's mean.
    cnc_offset: f64,
    /// Fixed rounding offset in [0, 1): unbiased, and monotone over time.
    cnc_dither: f64,
    /// Fixed draws compared with rising thresholds (see the module docs).
    u_scale: f64,
    u_bis: f64,
    u_rnd: f64,
    u_ecommerce: f64,
    u_specialized: f64,
    u_design: f64,
    u_green: f64,
    u_platform: f64,
    u_demo: f64,
    u_listing: f64,
    /// Quarter index of a core-technology breakthrough, for the rare few.
    breakthrough: Option<i32>,
}

/// What an enterprise's reports share within one year.
#[derive(Debug, Clone, Default)]
pub(crate) struct YearState {
    /// Annual revenue, 万元.
    revenue: f64,
    /// Year-to-date share of the annual revenue after Q1, Q2 and Q3.
    cum_share: [f64; 3],
    output_ratio: f64,
    employees: f64,
    is_sme: bool,
    above_scale: bool,
    /// Equipment bought for technical upgrading this year, 万元, in two halves
    /// paid in the given quarters.
    tech_upgrade: f64,
    tech_quarters: [u8; 2],
}

/// One enterprise's quarterly report, typed; `forms` writes it in a county's style.
#[derive(Debug, Clone)]
pub(crate) struct Report<'a> {
    pub(crate) code: &'a str,
    pub(crate) period: Period,
    pub(crate) revenue_ytd: f64,
    pub(crate) output_value_ytd: f64,
    pub(crate) employees: u32,
    pub(crate) is_sme: bool,
    pub(crate) above_scale: bool,
    pub(crate) specialized: Tier,
    pub(crate) key_processes: u32,
    pub(crate) key_processes_cnc: u32,
    pub(crate) business_info_system: bool,
    pub(crate) digital_rnd_tools: bool,
    pub(crate) ecommerce: bool,
    pub(crate) design_center: DesignTier,
    pub(crate) innovation_platforms: u32,
    pub(crate) green_factory: Tier,
    pub(crate) tech_upgrade_ytd: f64,
    pub(crate) innovation_demo: Tier,
    pub(crate) listing: Listing,
    pub(crate) core_tech: u32,
}

/// The built city.
#[derive(Debug)]
pub(crate) struct City {
    seed: u64,
    pub(crate) clusters: Vec<Cluster>,
    pub(crate) enterprises: Vec<Enterprise>,
}

impl City {
    /// Builds the clusters and `enterprises` enterprises spread over them.
    pub(crate) fn build(seed: u64, enterprises: usize) -> Result<Self, SynthError> {
        if enterprises < CLUSTERS.len() {
            return Err(SynthError::TooFewEnterprises {
                requested: enterprises,
                minimum: CLUSTERS.len(),
            });
        }
        let counts = allocate(enterprises, &CLUSTERS.map(|c| c.enterprises));
        let total_weight: u32 = CLUSTERS.iter().map(|c| c.enterprises).sum();
        let mean_innovation = CLUSTERS
            .iter()
            .map(|c| c.innovation * f64::from(c.enterprises))
            .sum::<f64>()
            / f64::from(total_weight);

        let mut namer = Namer::default();
        let mut codes = HashSet::with_capacity(enterprises);
        let mut clusters = Vec::with_capacity(CLUSTERS.len());
        let mut all = Vec::with_capacity(enterprises);
        for (ci, (spec, &n)) in CLUSTERS.iter().zip(&counts).enumerate() {
            let start = all.len();
            for serial in 0..n as u64 {
                let mut id_rng = Rng::keyed(&[seed, Stream::Identity as u64, ci as u64, serial]);
                let code = loop {
                    let code = credit::generate(&mut id_rng, spec.division);
                    if codes.insert(code.clone()) {
                        break code;
                    }
                };
                let name = namer.name(&mut id_rng, spec.county, spec.words);
                let mut rng = Rng::keyed(&[seed, Stream::Traits as u64, ci as u64, serial]);
                all.push(Enterprise::draw(
                    &mut rng,
                    code,
                    name,
                    ci,
                    serial,
                    spec.spread,
                ));
            }
            let members = start..all.len();
            calibrate_sizes(&mut all[members.clone()], spec, n);
            clusters.push(Cluster {
                spec,
                established: spec.established(),
                members,
                innovation: spec.innovation / mean_innovation,
            });
        }
        Ok(Self {
            seed,
            clusters,
            enterprises: all,
        })
    }

    /// A valid credit code from enterprise `e`'s county that belongs to no enterprise
    /// of the city: the code of an enterprise a county reports but the roster lacks.
    pub(crate) fn stranger_code(&self, e: usize, draw: u64) -> String {
        let division = self.clusters[self.enterprises[e].cluster].spec.division;
        let mut rng = Rng::new(draw);
        loop {
            let code = credit::generate(&mut rng, division);
            if !self.enterprises.iter().any(|x| x.code == code) {
                return code;
            }
        }
    }

    /// A cluster's revenue index for `year` (1 in the anchor year): its trend growth
    /// with a yearly shock common to all its enterprises.
    fn cluster_index(&self, cluster: usize, year: i32) -> f64 {
        let growth = |y: i32| {
            let mut rng = Rng::keyed(&[
                self.seed,
                Stream::ClusterYear as u64,
                cluster as u64,
                y as u64,
            ]);
            1.0 + CLUSTERS[cluster].growth + CLUSTER_GROWTH_SD * rng.normal()
        };
        if year >= ANCHOR_YEAR {
            (ANCHOR_YEAR + 1..=year).map(growth).product()
        } else {
            1.0 / (year + 1..=ANCHOR_YEAR).map(growth).product::<f64>()
        }
    }

    /// An enterprise's own log growth shock for `year`, mean-corrected so that the
    /// cluster total follows the cluster index on average.
    fn enterprise_shock(&self, ent: &Enterprise, year: i32) -> f64 {
        let mut rng = Rng::keyed(&[
            self.seed,
            Stream::EnterpriseYear as u64,
            ent.cluster as u64,
            ent.serial,
            year as u64,
        ]);
        ENTERPRISE_GROWTH_SD * rng.normal() - ENTERPRISE_GROWTH_SD * ENTERPRISE_GROWTH_SD / 2.0
    }

    /// Annual revenue of enterprise `e` in `year`, 万元.
    pub(crate) fn annual_revenue(&self, e: usize, year: i32) -> f64 {
        let ent = &self.enterprises[e];
        let walk: f64 = if year >= ANCHOR_YEAR {
            (ANCHOR_YEAR + 1..=year)
                .map(|y| self.enterprise_shock(ent, y))
                .sum()
        } else {
            -(year + 1..=ANCHOR_YEAR)
                .map(|y| self.enterprise_shock(ent, y))
                .sum::<f64>()
        };
        ent.base_revenue * self.cluster_index(ent.cluster, year) * walk.exp()
    }

    /// What enterprise `e`'s reports of `year` share.
    pub(crate) fn year_state(&self, e: usize, year: i32) -> YearState {
        let ent = &self.enterprises[e];
        let revenue = self.annual_revenue(e, year);
        // Classifications (SME, above designated size) follow last year's figures,
        // as the statistics bureau revises them once a year.
        let last_year = self.annual_revenue(e, year - 1);
        let mut rng = Rng::keyed(&[
            self.seed,
            Stream::YearDetails as u64,
            ent.cluster as u64,
            ent.serial,
            year as u64,
        ]);
        let s1 = rng.between(0.22, 0.25);
        let s2 = s1 + rng.between(0.24, 0.265);
        let s3 = s2 + rng.between(0.245, 0.27);
        let output_ratio = (ent.output_ratio + 0.015 * rng.normal()).clamp(1.0, 1.25);
        let employees = (revenue / ent.productivity).max(3.0);
        let last_employees = last_year / ent.productivity;
        let is_sme = !ent.group_member && last_year < 40_000.0 && last_employees < 1000.0;
        // 规模以上: at least 20 million yuan of revenue last year, and registered in
        // the statistics bureau's directory. Registration lags eligibility for small
        // firms and is near certain for large ones; growth alone lifts the share over
        // the years (小升规).
        let enrolment = 0.12 + 0.85 * (last_year / 2000.0).max(1.0).log10();
        let above_scale = last_year >= 2000.0 && ent.u_scale < enrolment;
        let invests = rng.chance(0.25 + 0.08 * self.clusters[ent.cluster].innovation);
        let tech_upgrade = if invests {
            revenue * rng.between(0.01, 0.05)
        } else {
            0.0
        };
        let tech_quarters = [rng.int_between(1, 4) as u8, rng.int_between(1, 4) as u8];
        YearState {
            revenue,
            cum_share: [s1, s2, s3],
            output_ratio,
            employees,
            is_sme,
            above_scale,
            tech_upgrade,
            tech_quarters,
        }
    }

    /// Enterprise `e`'s report for `period`, with `state` its [`City::year_state`]
    /// for the period's year.
    pub(crate) fn report(&self, e: usize, state: &YearState, period: Period) -> Report<'_> {
        let ent = &self.enterprises[e];
        let cluster = &self.clusters[ent.cluster];
        let spec = cluster.spec;
        let t = period.index() - anchor_quarter().index();
        let tf = f64::from(t);
        let q = period.quarter();

        let share = if q == 4 {
            1.0
        } else {
            state.cum_share[usize::from(q) - 1]
        };
        let revenue_ytd = state.revenue * share;
        let jitter = rng::unit(&[
            self.seed,
            Stream::Quarter as u64,
            ent.cluster as u64,
            ent.serial,
            period.index() as u64,
        ]);
        let employees = (state.employees * (0.98 + 0.04 * jitter)).round().max(1.0) as u32;

        let cnc_rate = (spec.cnc.at(t) + ent.cnc_offset).clamp(0.0, 1.0);
        let key_processes_cnc = ((f64::from(ent.key_processes) * cnc_rate + ent.cnc_dither).floor()
            as u32)
            .min(ent.key_processes);

        // Honours: the probability of holding one rises with time, scaled by the
        // cluster's innovation and the enterprise's stature.
        let weight = cluster.innovation * ent.stature;
        let p = |level: f64, per_quarter: f64| (weight * (level + per_quarter * tf)).max(0.0);
        // 专精特新 are SMEs by definition: a firm that outgrows SME size loses it.
        let specialized = if !state.is_sme {
            Tier::None
        } else {
            tier(ent.u_specialized, p(0.0075, 0.0002), p(0.072, 0.0018))
        };
        let design_p = p(0.0030, 0.00012);
        let design_center = if ent.u_design < 0.1 * design_p {
            DesignTier::National
        } else if ent.u_design < 0.5 * design_p {
            DesignTier::Provincial
        } else if ent.u_design < design_p {
            DesignTier::Municipal
        } else {
            DesignTier::None
        };
        let green_p = p(0.0020, 0.00025);
        let green_factory = tier(ent.u_green, 0.2 * green_p, green_p);
        let platform_p = p(0.0055, 0.00026);
        let innovation_platforms = (0..3)
            .filter(|&k| ent.u_platform < platform_p * 0.4f64.powi(k))
            .count() as u32;
        let demo_p = p(0.010, 0.0004);
        let innovation_demo = tier(ent.u_demo, 0.15 * demo_p, demo_p);
        let listing = if ent.u_listing < p(0.0015, 0.00004) {
            Listing::Listed
        } else if ent.u_listing < p(0.030, 0.0008) {
            Listing::Reserve
        } else {
            Listing::None
        };

        let paid = state.tech_quarters.iter().filter(|&&pq| pq <= q).count();
        let tech_upgrade_ytd = state.tech_upgrade * paid as f64 / 2.0;

        Report {
            code: &ent.code,
            period,
            revenue_ytd,
            output_value_ytd: revenue_ytd * state.output_ratio,
            employees,
            is_sme: state.is_sme,
            above_scale: state.above_scale,
            specialized,
            key_processes: ent.key_processes,
            key_processes_cnc,
            business_info_system: ent.u_bis < spec.bis.at(t),
            digital_rnd_tools: ent.u_rnd < spec.rnd.at(t),
            ecommerce: ent.u_ecommerce < spec.ecommerce.at(t),
            design_center,
            innovation_platforms,
            green_factory,
            tech_upgrade_ytd,
            innovation_demo,
            listing,
            core_tech: u32::from(ent.breakthrough.is_some_and(|b| period.index() >= b)),
        }
    }
}

impl Enterprise {
    /// What the enterprise's random streams are keyed by: its cluster and its
    /// position there, which do not change with the other clusters' sizes.
    pub(crate) fn stream_key(&self) -> (u64, u64) {
        (self.cluster as u64, self.serial)
    }

    fn draw(
        rng: &mut Rng,
        code: String,
        name: String,
        cluster: usize,
        serial: u64,
        spread: f64,
    ) -> Self {
        // Breakthroughs count from the plan period's first quarter (2021Q1) and are
        // rare: about one enterprise in a thousand, at a uniform quarter of 2021–2026.
        let first = anchor_quarter().index() + 1;
        let breakthrough = rng.chance(0.0012).then(|| first + rng.below(24) as i32);
        Self {
            code,
            name,
            cluster,
            serial,
            // Scaled to the cluster's calibrated revenue by `calibrate_sizes`. The
            // tails are cut at 2.8 sd: a cluster's leader is large, not a monopoly.
            base_revenue: (spread * rng.normal().clamp(-2.8, 2.8)).exp(),
            stature: 1.0,
            output_ratio: rng.between(1.0, 1.2),
            productivity: rng.log_normal(90.0, 0.35),
            group_member: rng.chance(0.04),
            // Skewed towards fewer processes: most firms run a handful.
            key_processes: 3 + (17.0 * rng.uniform().powf(1.5)).round() as u32,
            cnc_offset: 0.12 * rng.normal(),
            cnc_dither: rng.uniform(),
            u_scale: rng.uniform(),
            u_bis: rng.uniform(),
            u_rnd: rng.uniform(),
            u_ecommerce: rng.uniform(),
            u_specialized: rng.uniform(),
            u_design: rng.uniform(),
            u_green: rng.uniform(),
            u_platform: rng.uniform(),
            u_demo: rng.uniform(),
            u_listing: rng.uniform(),
            breakthrough,
        }
    }
}

/// Scales a cluster's raw sizes so their anchor-year total is the calibrated revenue
/// (per enterprise, so a run with more enterprises has proportionally larger
/// clusters), and derives each enterprise's stature from its size.
fn calibrate_sizes(members: &mut [Enterprise], spec: &ClusterSpec, n: usize) {
    let target = spec.revenue * n as f64 / f64::from(spec.enterprises);
    let raw: f64 = members.iter().map(|e| e.base_revenue).sum();
    let mut sizes: Vec<f64> = members.iter().map(|e| e.base_revenue).collect();
    sizes.sort_by(f64::total_cmp);
    let median = sizes[sizes.len() / 2];
    for e in members {
        e.stature = (e.base_revenue / median).powf(0.4).clamp(0.4, 3.0);
        e.base_revenue *= target / raw;
    }
}

/// The honour tier of a fixed draw `u` against rising thresholds.
fn tier(u: f64, national: f64, any: f64) -> Tier {
    if u < national {
        Tier::National
    } else if u < any {
        Tier::Provincial
    } else {
        Tier::None
    }
}

/// Splits `total` over weights by largest remainder, then gives an empty cluster one
/// enterprise taken from the largest, so every cluster has at least one.
fn allocate(total: usize, weights: &[u32]) -> Vec<usize> {
    let sum: u64 = weights.iter().map(|&w| u64::from(w)).sum();
    let exact: Vec<f64> = weights
        .iter()
        .map(|&w| total as f64 * f64::from(w) / sum as f64)
        .collect();
    let mut counts: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let mut left = total - counts.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())));
    for i in order {
        if left == 0 {
            break;
        }
        counts[i] += 1;
        left -= 1;
    }
    while let Some(empty) = counts.iter().position(|&c| c == 0) {
        let largest = (0..counts.len())
            .max_by_key(|&i| counts[i])
            .expect("non-empty");
        counts[largest] -= 1;
        counts[empty] = 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_is_exact_and_uneven() {
        let weights = CLUSTERS.map(|c| c.enterprises);
        for total in [13, 14, 100, 2700, 270_000] {
            let counts = allocate(total, &weights);
            assert_eq!(counts.iter().sum::<usize>(), total);
            assert!(counts.iter().all(|&c| c >= 1));
        }
        let default = allocate(2700, &weights);
        assert_eq!(default[0], 620);
        assert_eq!(*default.iter().min().unwrap(), 80);
    }
}

#[cfg(test)]
mod calibration {
    //! The default city (seed 2021, 2,700 enterprises) has the shape the module docs
    //! promise; these tests pin it so a parameter change that flattens the
    //! evaluation is noticed.

    use super::*;

    fn p(s: &str) -> Period {
        s.parse().unwrap()
    }

    fn city() -> City {
        City::build(2021, 2700).unwrap()
    }

    fn cluster(city: &City, id: &str) -> usize {
        city.clusters.iter().position(|c| c.spec.id == id).unwrap()
    }

    fn annual(city: &City, c: usize, year: i32) -> f64 {
        city.clusters[c]
            .members
            .clone()
            .map(|e| city.annual_revenue(e, year))
            .sum()
    }

    fn reports(city: &City, c: usize, q: Period) -> Vec<Report<'_>> {
        city.clusters[c]
            .members
            .clone()
            .map(|e| city.report(e, &city.year_state(e, q.year()), q))
            .collect()
    }

    /// cnc, bis, rnd and e-commerce rates in percent.
    fn digital_rates(reps: &[Report<'_>]) -> [f64; 4] {
        let n = reps.len() as f64;
        let share =
            |f: fn(&Report<'_>) -> bool| 100.0 * reps.iter().filter(|r| f(r)).count() as f64 / n;
        let cnc = reps
            .iter()
            .map(|r| f64::from(r.key_processes_cnc) / f64::from(r.key_processes))
            .sum::<f64>();
        [
            100.0 * cnc / n,
            share(|r| r.business_info_system),
            share(|r| r.digital_rnd_tools),
            share(|r| r.ecommerce),
        ]
    }

    #[test]
    fn enterprise_sizes_are_plausible() {
        let city = city();
        let mut revenue: Vec<f64> = (0..city.enterprises.len())
            .map(|e| city.annual_revenue(e, 2020))
            .collect();
        revenue.sort_by(f64::total_cmp);
        let median = revenue[revenue.len() / 2];
        assert!((2000.0..4500.0).contains(&median), "median {median}");
        let giants = revenue.iter().filter(|&&r| r > 100_000.0).count();
        assert!(
            (1..=10).contains(&giants),
            "{giants} enterprises over 100,000"
        );
    }

    #[test]
    fn some_clusters_cross_the_revenue_thresholds_during_the_plan() {
        let city = city();
        let crosses = |id: &str, threshold: f64| {
            let c = cluster(&city, id);
            annual(&city, c, 2020) < threshold && annual(&city, c, 2025) >= threshold
        };
        for id in ["jinzhou-textile", "gaocheng-equipment"] {
            assert!(crosses(id, 1_000_000.0), "{id} should cross 100 亿");
        }
        for id in ["wuji-leather", "luancheng-biomed", "xingtang-food"] {
            assert!(crosses(id, 500_000.0), "{id} should cross 50 亿");
        }
        for id in [
            "luquan-building",
            "gaocheng-lantern",
            "gaoyi-ceramics",
            "yuanshi-chemical",
        ] {
            assert!(
                !crosses(id, 500_000.0) && !crosses(id, 1_000_000.0),
                "{id} should cross nothing"
            );
        }
        let total = |year| (0..11).map(|c| annual(&city, c, year)).sum::<f64>();
        let cagr = (total(2025) / total(2020)).powf(0.2) - 1.0;
        assert!((0.06..0.10).contains(&cagr), "city CAGR {cagr}");
    }

    #[test]
    fn one_large_cluster_meets_every_digital_gain() {
        let city = city();
        let gains = |id: &str| {
            let c = cluster(&city, id);
            let (a, b) = (
                digital_rates(&reports(&city, c, p("2020Q4"))),
                digital_rates(&reports(&city, c, p("2025Q4"))),
            );
            [b[0] - a[0], b[1] - a[1], b[2] - a[2], b[3] - a[3]]
        };
        let meets = |g: [f64; 4]| g[0] >= 5.0 && g[1] >= 8.0 && g[2] >= 10.0 && g[3] >= 20.0;
        assert!(meets(gains("luquan-electronics")));
        for id in [
            "xinji-leather",
            "jinzhou-textile",
            "gaocheng-equipment",
            "yuanshi-chemical",
        ] {
            assert!(!meets(gains(id)), "{id}");
        }
        let base = digital_rates(&reports(
            &city,
            cluster(&city, "gaocheng-equipment"),
            p("2020Q4"),
        ));
        assert!((35.0..70.0).contains(&base[0]), "CNC rate {}", base[0]);
    }

    #[test]
    fn city_counts_reach_some_targets_and_miss_others() {
        let city = city();
        let at = |q: Period| -> Vec<Report<'_>> {
            (0..city.clusters.len())
                .filter(|&c| city.clusters[c].established <= q)
                .flat_map(|c| reports(&city, c, q))
                .collect()
        };
        let (base, end) = (at(p("2020Q4")), at(p("2025Q4")));
        let count =
            |reps: &[Report<'_>], f: fn(&Report<'_>) -> bool| reps.iter().filter(|r| f(r)).count();
        let share = |f: fn(&Report<'_>) -> bool| count(&base, f) as f64 / base.len() as f64;
        assert!((0.85..0.97).contains(&share(|r| r.is_sme)));
        assert!((0.20..0.40).contains(&share(|r| r.above_scale)));
        assert!((0.004..0.02).contains(&share(|r| r.specialized == Tier::National)));
        let specialized = |reps: &[Report<'_>]| count(reps, |r| r.specialized != Tier::None);
        assert!(
            specialized(&base) < 250 && specialized(&end) > 250,
            "专精特新 should pass 250 by 2025: {} → {}",
            specialized(&base),
            specialized(&end)
        );
        let platforms =
            |reps: &[Report<'_>]| reps.iter().map(|r| r.innovation_platforms).sum::<u32>();
        assert!(
            (20..60).contains(&platforms(&end)),
            "platforms stay short of 60: {}",
            platforms(&end)
        );
        assert!(count(&end, |r| r.green_factory != Tier::None) >= 15);
        assert!(count(&end, |r| r.design_center != DesignTier::None) >= 10);
        assert!(count(&base, |r| r.core_tech > 0) == 0 && count(&end, |r| r.core_tech > 0) >= 1);
        assert!(
            count(&end, |r| r.listing == Listing::Listed)
                < count(&end, |r| r.listing == Listing::Reserve)
        );
    }

    #[test]
    fn stocks_never_go_backwards() {
        let city = city();
        let c = cluster(&city, "luquan-electronics");
        let quarters: Vec<Period> = p("2020Q1").through(p("2026Q4")).collect();
        for e in city.clusters[c].members.clone().take(100) {
            let reps: Vec<Report<'_>> = quarters
                .iter()
                .map(|&q| city.report(e, &city.year_state(e, q.year()), q))
                .collect();
            for w in reps.windows(2) {
                assert!(w[1].key_processes_cnc >= w[0].key_processes_cnc);
                assert!(w[1].business_info_system >= w[0].business_info_system);
                assert!(w[1].ecommerce >= w[0].ecommerce);
                assert!(w[1].core_tech >= w[0].core_tech);
                assert!(w[1].innovation_platforms >= w[0].innovation_platforms);
                if w[1].period.year() == w[0].period.year() {
                    assert!(w[1].revenue_ytd > w[0].revenue_ytd);
                    assert!(w[1].tech_upgrade_ytd >= w[0].tech_upgrade_ytd);
                }
                assert!(w[1].output_value_ytd >= w[1].revenue_ytd);
                assert!(w[1].key_processes_cnc <= w[1].key_processes);
            }
        }
    }
}
