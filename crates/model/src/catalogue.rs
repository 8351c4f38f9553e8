//! The indicator catalogue: which indicators exist, their names, units, scopes and how
//! they are computed. Declared in `pipelines/indicators/catalogue.toml`, embedded here so
//! that the binary carries the catalogue its SQL files were written against.

use serde::Deserialize;

/// The catalogue the binary was built with.
pub const BUILTIN_CATALOGUE: &str = include_str!("../../../pipelines/indicators/catalogue.toml");

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    City,
    Cluster,
}

impl Scope {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::City => "city",
            Scope::Cluster => "cluster",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
pub enum Unit {
    #[serde(rename = "%")]
    Percent,
    #[serde(rename = "count")]
    Count,
    #[serde(rename = "10k_yuan")]
    TenThousandYuan,
}

impl Unit {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Percent => "%",
            Unit::Count => "count",
            Unit::TenThousandYuan => "10k_yuan",
        }
    }

    /// The unit as printed in Chinese reports.
    #[must_use]
    pub fn label_zh(self) -> &'static str {
        match self {
            Unit::Percent => "%",
            Unit::Count => "个",
            Unit::TenThousandYuan => "万元",
        }
    }
}

/// A report section, in the order the plan names its areas.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    Digital,
    Innovation,
    Ecology,
    Scale,
    Policy,
    Coverage,
}

impl Area {
    pub const ALL: [Area; 6] = [
        Area::Digital,
        Area::Innovation,
        Area::Ecology,
        Area::Scale,
        Area::Policy,
        Area::Coverage,
    ];

    #[must_use]
    pub fn name_zh(self) -> &'static str {
        match self {
            Area::Digital => "数字化转型",
            Area::Innovation => "创新发展",
            Area::Ecology => "产业生态",
            Area::Scale => "规模与增长",
            Area::Policy => "政策测算",
            Area::Coverage => "报送情况",
        }
    }

    #[must_use]
    pub fn name_en(self) -> &'static str {
        match self {
            Area::Digital => "Digital transformation",
            Area::Innovation => "Innovation",
            Area::Ecology => "Industrial ecology",
            Area::Scale => "Scale and growth",
            Area::Policy => "Policy estimates",
            Area::Coverage => "Reporting coverage",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Sql,
    Reported,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Projection {
    Linear,
    Persist,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub id: String,
    pub name: String,
    pub name_en: String,
    pub unit: Unit,
    pub area: Area,
    #[serde(default = "both_scopes")]
    pub scopes: Vec<Scope>,
    #[serde(default = "sql_kind")]
    pub kind: Kind,
    #[serde(default = "linear")]
    pub projection: Projection,
    #[serde(default = "phase_one")]
    pub phase: u8,
    #[serde(default)]
    pub progress_from_zero: bool,
    /// What a count counts (its measure word); `None` for rates and money.
    #[serde(default)]
    pub counted: Option<Counted>,
    /// Computed over `C(c,p)`, the roster carried forward (the stock counts and
    /// `demo_reward`); the engine reports how many enterprises were carried.
    #[serde(default)]
    pub carry_forward: bool,
}

/// What a count counts. Chinese writes a count with the measure word of the thing
/// counted (2,473家企业, 2项技术, 3个集群), so the unit a reader sees depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Counted {
    Enterprises,
    Technologies,
    Clusters,
    Platforms,
    Parks,
}

impl Indicator {
    #[must_use]
    pub fn has_scope(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }

    #[must_use]
    pub fn name_in(&self, lang: crate::Language) -> &str {
        match lang {
            crate::Language::Zh => &self.name,
            crate::Language::En => &self.name_en,
        }
    }
}

fn both_scopes() -> Vec<Scope> {
    vec![Scope::City, Scope::Cluster]
}
fn sql_kind() -> Kind {
    Kind::Sql
}
fn linear() -> Projection {
    Projection::Linear
}
fn phase_one() -> u8 {
    1
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    indicator: Vec<Indicator>,
}

/// All indicators, in catalogue order.
#[derive(Debug, Clone)]
pub struct Catalogue {
    indicators: Vec<Indicator>,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("indicator catalogue: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("indicator catalogue: indicator `{0}` is declared twice")]
    Duplicate(String),
}

impl Catalogue {
    /// The catalogue embedded in the binary.
    #[must_use]
    pub fn builtin() -> Self {
        Self::parse(BUILTIN_CATALOGUE).expect("the embedded catalogue is valid (tested)")
    }

    pub fn parse(text: &str) -> Result<Self, CatalogueError> {
        let file: CatalogueFile = toml::from_str(text)?;
        let mut seen = std::collections::HashSet::new();
        for i in &file.indicator {
            if !seen.insert(i.id.clone()) {
                return Err(CatalogueError::Duplicate(i.id.clone()));
            }
        }
        Ok(Self {
            indicators: file.indicator,
        })
    }

    #[must_use]
    pub fn get(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Indicator> {
        self.indicators.iter()
    }

    /// Indicators of kind `reported`, by every accepted spelling (id, Chinese and
    /// English name) → id: what a values file may name.
    #[must_use]
    pub fn reported_lookup(&self) -> std::collections::HashMap<String, String> {
        self.indicators
            .iter()
            .filter(|i| i.kind == Kind::Reported)
            .flat_map(|i| [&i.id, &i.name, &i.name_en].map(|s| (s.clone(), i.id.clone())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_has_every_indicator_of_the_spec() {
        let c = Catalogue::builtin();
        for id in [
            "cnc_rate",
            "bis_rate",
            "rnd_tool_rate",
            "ecommerce_rate",
            "revenue_ytd",
            "output_value_ytd",
            "revenue_yoy",
            "revenue_cagr",
            "sme_count",
            "specialized_count",
            "little_giant_count",
            "above_scale_count",
            "design_center_count",
            "innovation_platform_count",
            "core_tech_count",
            "green_factory_count",
            "listing_reserve_count",
            "listed_count",
            "clusters_over_5b",
            "clusters_over_10b",
            "digital_cluster_count",
            "new_cluster_count",
            "green_park_count",
            "tech_upgrade_subsidy",
            "demo_reward",
            "reporting_rate",
        ] {
            assert!(c.get(id).is_some(), "{id} missing");
        }
        assert_eq!(c.iter().count(), 26);
        assert_eq!(c.get("green_park_count").unwrap().kind, Kind::Reported);
        assert_eq!(c.get("clusters_over_5b").unwrap().scopes, vec![Scope::City]);
        assert_eq!(
            c.get("revenue_cagr").unwrap().projection,
            Projection::Persist
        );
    }
}
