//! The status rule: baseline (with the fallback for late clusters), target level,
//! projection to the deadline, progress, status and trend, exactly as the indicator
//! specification states them. Pure arithmetic over one indicator's series, so every
//! branch is unit-tested without data files.

use crate::catalogue::{Indicator, Projection};
use crate::period::Period;
use crate::plan::{GainUnit, Target};

/// `≥` is judged with this tolerance, so rounding in the inputs does not flip a status.
pub const TOLERANCE: f64 = 1e-9;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Achieved,
    OnTrack,
    AtRisk,
    OffTrack,
    Missed,
    NoData,
    NoTarget,
}

impl Status {
    /// The statuses a target can have, in the order summaries list them.
    pub const TARGETED: [Status; 6] = [
        Status::Achieved,
        Status::OnTrack,
        Status::AtRisk,
        Status::OffTrack,
        Status::Missed,
        Status::NoData,
    ];

    /// How far behind a status is, for "the worst of" several: met (or nothing to meet)
    /// first, then on course, no data, at risk, off track, and missed last.
    #[must_use]
    pub fn severity(self) -> u8 {
        match self {
            Status::Achieved | Status::NoTarget => 0,
            Status::OnTrack => 1,
            Status::NoData => 2,
            Status::AtRisk => 3,
            Status::OffTrack => 4,
            Status::Missed => 5,
        }
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Achieved => "achieved",
            Status::OnTrack => "on_track",
            Status::AtRisk => "at_risk",
            Status::OffTrack => "off_track",
            Status::Missed => "missed",
            Status::NoData => "no_data",
            Status::NoTarget => "no_target",
        }
    }

    #[must_use]
    pub fn label_zh(self) -> &'static str {
        match self {
            Status::Achieved => "已完成",
            Status::OnTrack => "进度正常",
            Status::AtRisk => "存在风险",
            Status::OffTrack => "进度滞后",
            Status::Missed => "未完成",
            Status::NoData => "无数据",
            Status::NoTarget => "无目标",
        }
    }

    #[must_use]
    pub fn label_en(self) -> &'static str {
        match self {
            Status::Achieved => "achieved",
            Status::OnTrack => "on track",
            Status::AtRisk => "at risk",
            Status::OffTrack => "off track",
            Status::Missed => "missed",
            Status::NoData => "no data",
            Status::NoTarget => "no target",
        }
    }

    #[must_use]
    pub fn label(self, lang: crate::Language) -> &'static str {
        match lang {
            crate::Language::Zh => self.label_zh(),
            crate::Language::En => self.label_en(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    Improving,
    Flat,
    Worsening,
}

impl Trend {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Trend::Improving => "improving",
            Trend::Flat => "flat",
            Trend::Worsening => "worsening",
        }
    }
}

/// The judgement of one (scope, scope_id, indicator) at the as-of quarter.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Judgement {
    /// The value at the as-of quarter (the latest figure, shown beside the verdict).
    pub value: Option<f64>,
    /// The judged quarter `e`: the as-of quarter, or the deadline once it has passed
    /// (the plan's final evaluation). `None` without a target.
    pub judged_period: Option<Period>,
    /// The value at `judged_period`, on which the status is judged.
    pub judged_value: Option<f64>,
    pub baseline_period: Option<Period>,
    pub baseline_value: Option<f64>,
    pub target_level: Option<f64>,
    pub projected: Option<f64>,
    pub progress: Option<f64>,
    pub status: Status,
    pub trend: Option<Trend>,
    /// The least-squares line `(intercept, slope)` in the quarter index, when fitted.
    pub fit: Option<(f64, f64)>,
}

impl Judgement {
    /// Whether this is the plan's final evaluation: judged at a deadline that has passed
    /// or is the as-of quarter itself, so the verdict no longer moves with later data.
    #[must_use]
    pub fn is_final(&self, deadline: Period) -> bool {
        self.judged_period == Some(deadline)
    }
}

/// The judged quarter `e` of an evaluation as of `as_of`: `as_of`, or the deadline once
/// it has passed.
#[must_use]
pub fn judged_quarter(as_of: Period, deadline: Period) -> Period {
    as_of.min(deadline)
}

/// Judges one indicator's series as of `as_of`.
///
/// `series` holds `(period, value)` for quarters up to `as_of` (any order, gaps allowed).
/// The target is judged at the judged quarter `e` ([`judged_quarter`]): baseline search,
/// projection points, status and trend use only quarters up to `e`, and at the deadline
/// the actual value replaces the projection. Without a target the baseline is still
/// named (for reading, searched up to `as_of`) but projection, progress and trend are
/// left empty and the status is `no_target`.
#[must_use]
pub fn judge(
    series: &[(Period, Option<f64>)],
    as_of: Period,
    baseline: Period,
    deadline: Period,
    indicator: &Indicator,
    target: Option<&Target>,
) -> Judgement {
    let value_at = |p: Period| {
        series
            .iter()
            .find(|(s, _)| *s == p)
            .and_then(|(_, v)| *v)
            .filter(|x| x.is_finite())
    };
    let e = if target.is_some() {
        judged_quarter(as_of, deadline)
    } else {
        as_of
    };
    let v = value_at(e);

    // b: the value at the baseline quarter or, where that is null, the first non-null
    // value after it (up to e).
    let mut in_window: Vec<(Period, f64)> = series
        .iter()
        .filter(|(s, _)| *s >= baseline && *s <= e)
        .filter_map(|(s, v)| v.filter(|x| x.is_finite()).map(|x| (*s, x)))
        .collect();
    in_window.sort_by_key(|(s, _)| *s);
    let (baseline_period, b) = match in_window.first() {
        Some((s, x)) => (Some(*s), Some(*x)),
        None => (None, None),
    };

    let Some(target) = target else {
        return Judgement {
            value: v,
            judged_period: None,
            judged_value: None,
            baseline_period,
            baseline_value: b,
            target_level: None,
            projected: None,
            progress: None,
            status: Status::NoTarget,
            trend: None,
            fit: None,
        };
    };

    let level = target.level(b);
    let fit = least_squares(&in_window);
    let at_deadline = e.index() >= deadline.index();
    let projected = match (indicator.projection, fit) {
        _ if at_deadline => v,
        (Projection::Linear, Some((a, slope))) => Some(a + slope * f64::from(deadline.index())),
        _ => v,
    };
    let from = if indicator.progress_from_zero {
        Some(0.0)
    } else {
        b
    };
    let progress = match (projected, from, level) {
        (Some(p), Some(f), Some(l)) if (l - f).abs() > 0.0 => Some((p - f) / (l - f)),
        _ => None,
    };
    let meets = |x: f64, l: f64| target.rule.meets(x, l);
    let status = match (v, level) {
        (None, _) | (_, None) => Status::NoData,
        (Some(x), Some(l)) if meets(x, l) => Status::Achieved,
        _ if at_deadline => Status::Missed,
        (_, Some(l)) => match progress {
            Some(pr) if pr >= 0.95 => Status::OnTrack,
            Some(pr) if pr >= 0.60 => Status::AtRisk,
            Some(_) => Status::OffTrack,
            None if projected.is_some_and(|p| meets(p, l)) => Status::OnTrack,
            None => Status::OffTrack,
        },
    };
    // Every target of the plan asks for more, so a rising line is moving towards it.
    let trend = fit.map(|(_, slope)| {
        if slope.abs() < TOLERANCE {
            Trend::Flat
        } else if slope > 0.0 {
            Trend::Improving
        } else {
            Trend::Worsening
        }
    });
    Judgement {
        value: value_at(as_of),
        judged_period: Some(e),
        judged_value: v,
        baseline_period,
        baseline_value: b,
        target_level: level,
        projected,
        progress,
        status,
        trend,
        fit,
    }
}

/// The same target read with a relative unit ("提升5%" as 5% of the baseline), for the
/// report's second reading where the plan's unit is in doubt.
#[must_use]
pub fn relative_reading(target: &Target) -> Target {
    Target {
        unit: GainUnit::Relative,
        ..target.clone()
    }
}

/// Least-squares line through `(q(s), value)`; `None` with fewer than two points.
#[must_use]
pub fn least_squares(points: &[(Period, f64)]) -> Option<(f64, f64)> {
    if points.len() < 2 {
        return None;
    }
    let n = points.len() as f64;
    let mx = points
        .iter()
        .map(|(p, _)| f64::from(p.index()))
        .sum::<f64>()
        / n;
    let my = points.iter().map(|(_, y)| y).sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (p, y) in points {
        let dx = f64::from(p.index()) - mx;
        sxy += dx * (y - my);
        sxx += dx * dx;
    }
    let slope = sxy / sxx;
    Some((my - slope * mx, slope))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;
    use crate::catalogue::Scope;
    use crate::plan::Rule;

    fn p(s: &str) -> Period {
        s.parse().unwrap()
    }

    fn target(rule: Rule, amount: f64) -> Target {
        Target {
            indicator: "x".into(),
            scope: Scope::City,
            rule,
            amount,
            unit: GainUnit::Pp,
            stretch: None,
            note: None,
            role: crate::plan::Role::Target,
        }
    }

    fn run(series: &[(&str, Option<f64>)], as_of: &str, id: &str, t: &Target) -> Judgement {
        let c = Catalogue::builtin();
        let s: Vec<_> = series.iter().map(|(q, v)| (p(q), *v)).collect();
        judge(
            &s,
            p(as_of),
            p("2020Q4"),
            p("2025Q4"),
            c.get(id).unwrap(),
            Some(t),
        )
    }

    #[test]
    fn gain_on_track_with_a_hand_computed_projection() {
        // 40 at 2020Q4 rising 0.25 pp a quarter: 20 quarters later 45 (= target level).
        let s = [
            ("2020Q4", Some(40.0)),
            ("2021Q1", Some(40.25)),
            ("2021Q2", Some(40.5)),
        ];
        let j = run(&s, "2021Q2", "cnc_rate", &target(Rule::Gain, 5.0));
        assert_eq!(j.baseline_value, Some(40.0));
        assert_eq!(j.target_level, Some(45.0));
        assert!((j.projected.unwrap() - 45.0).abs() < 1e-9);
        assert!((j.progress.unwrap() - 1.0).abs() < 1e-9);
        assert_eq!(j.status, Status::OnTrack);
        assert_eq!(j.trend, Some(Trend::Improving));
    }

    #[test]
    fn every_status_class() {
        let t = target(Rule::Gain, 5.0);
        // achieved
        let j = run(
            &[("2020Q4", Some(40.0)), ("2022Q1", Some(45.0))],
            "2022Q1",
            "cnc_rate",
            &t,
        );
        assert_eq!(j.status, Status::Achieved);
        // at risk: projected gain 4 of 5 → 0.8
        let s = [("2020Q4", Some(40.0)), ("2021Q4", Some(40.8))];
        assert_eq!(run(&s, "2021Q4", "cnc_rate", &t).status, Status::AtRisk);
        // off track: flat
        let s = [("2020Q4", Some(40.0)), ("2021Q4", Some(40.0))];
        let j = run(&s, "2021Q4", "cnc_rate", &t);
        assert_eq!((j.status, j.trend), (Status::OffTrack, Some(Trend::Flat)));
        // missed: deadline passed
        let s = [("2020Q4", Some(40.0)), ("2025Q4", Some(41.0))];
        assert_eq!(run(&s, "2025Q4", "cnc_rate", &t).status, Status::Missed);
        // no data
        let s = [("2020Q4", Some(40.0)), ("2021Q4", None)];
        assert_eq!(run(&s, "2021Q4", "cnc_rate", &t).status, Status::NoData);
        // worsening
        let s = [("2020Q4", Some(40.0)), ("2021Q4", Some(39.0))];
        assert_eq!(
            run(&s, "2021Q4", "cnc_rate", &t).trend,
            Some(Trend::Worsening)
        );
    }

    #[test]
    fn more_than_is_strict_and_at_least_has_a_tolerance() {
        let s = [("2020Q4", Some(2000.0)), ("2021Q4", Some(2500.0))];
        assert_ne!(
            run(&s, "2021Q4", "sme_count", &target(Rule::MoreThan, 2500.0)).status,
            Status::Achieved
        );
        let s = [("2020Q4", Some(2000.0)), ("2021Q4", Some(2500.0 - 1e-12))];
        assert_eq!(
            run(&s, "2021Q4", "sme_count", &target(Rule::AtLeast, 2500.0)).status,
            Status::Achieved
        );
    }

    #[test]
    fn baseline_falls_back_to_the_first_value_after_it() {
        let s = [
            ("2020Q4", None),
            ("2021Q2", Some(30.0)),
            ("2021Q3", Some(31.0)),
        ];
        let j = run(&s, "2021Q3", "cnc_rate", &target(Rule::Gain, 5.0));
        assert_eq!(
            (j.baseline_period, j.baseline_value),
            (Some(p("2021Q2")), Some(30.0))
        );
        assert_eq!(j.target_level, Some(35.0));
    }

    #[test]
    fn growth_rates_persist_and_progress_is_measured_from_zero() {
        let s = [
            ("2020Q4", None),
            ("2021Q4", Some(12.0)),
            ("2022Q1", Some(9.0)),
        ];
        let j = run(&s, "2022Q1", "revenue_cagr", &target(Rule::AtLeast, 10.0));
        assert_eq!(j.projected, Some(9.0));
        assert!((j.progress.unwrap() - 0.9).abs() < 1e-12);
        assert_eq!(j.status, Status::AtRisk);
        assert_eq!(j.baseline_value, Some(12.0));
        assert_eq!(j.trend, Some(Trend::Worsening));
    }

    #[test]
    fn one_point_projects_the_current_value() {
        let s = [("2021Q1", Some(100.0))];
        let j = run(
            &s,
            "2021Q1",
            "design_center_count",
            &target(Rule::AtLeast, 10.0),
        );
        assert_eq!(j.projected, Some(100.0));
        assert_eq!(j.trend, None);
        assert_eq!(j.status, Status::Achieved);
    }

    #[test]
    fn progress_is_null_when_level_equals_baseline_and_then_projection_decides() {
        let s = [
            ("2020Q4", Some(10.0)),
            ("2021Q1", Some(8.0)),
            ("2021Q2", Some(9.0)),
            ("2021Q3", Some(9.9)),
        ];
        let j = run(
            &s,
            "2021Q3",
            "design_center_count",
            &target(Rule::AtLeast, 10.0),
        );
        assert_eq!(j.progress, None);
        assert_eq!(j.status, Status::OnTrack, "{j:?}");
    }

    /// The city's SMEs: under "more than 2,500" at the 2025Q4 deadline, over it later.
    const SMES: [(&str, Option<f64>); 5] = [
        ("2020Q4", Some(2000.0)),
        ("2024Q4", Some(2400.0)),
        ("2025Q3", Some(2450.0)),
        ("2025Q4", Some(2473.0)),
        ("2026Q3", Some(2516.0)),
    ];

    #[test]
    fn before_the_deadline_the_as_of_quarter_is_judged_and_projected() {
        let j = run(
            &SMES[..3],
            "2025Q3",
            "sme_count",
            &target(Rule::MoreThan, 2500.0),
        );
        assert_eq!(j.judged_period, Some(p("2025Q3")));
        assert_eq!((j.value, j.judged_value), (Some(2450.0), Some(2450.0)));
        // Points (83, 2000), (99, 2400), (102, 2450): the line reaches 2484.3 at 2025Q4,
        // progress 484.3 / 500 = 0.969.
        let projected = j.projected.unwrap();
        assert!((projected - 2484.345).abs() < 1e-3, "{projected}");
        assert_eq!(j.status, Status::OnTrack);
        assert!(!j.is_final(p("2025Q4")));
    }

    #[test]
    fn at_the_deadline_the_actual_value_replaces_the_projection() {
        let j = run(
            &SMES[..4],
            "2025Q4",
            "sme_count",
            &target(Rule::MoreThan, 2500.0),
        );
        assert_eq!(j.judged_period, Some(p("2025Q4")));
        assert_eq!(j.projected, Some(2473.0));
        assert!((j.progress.unwrap() - 473.0 / 500.0).abs() < 1e-12);
        assert_eq!(j.status, Status::Missed);
        assert!(j.is_final(p("2025Q4")));
    }

    #[test]
    fn after_the_deadline_the_verdict_stays_the_one_at_the_deadline() {
        let j = run(
            &SMES,
            "2026Q3",
            "sme_count",
            &target(Rule::MoreThan, 2500.0),
        );
        assert_eq!(j.judged_period, Some(p("2025Q4")));
        assert_eq!(j.value, Some(2516.0), "the latest value is kept beside it");
        assert_eq!(j.judged_value, Some(2473.0));
        assert_eq!(j.projected, Some(2473.0));
        assert_eq!(j.status, Status::Missed);
        // The trend is fitted up to the deadline only: 2026Q3 does not enter it.
        let at_deadline = run(
            &SMES[..4],
            "2025Q4",
            "sme_count",
            &target(Rule::MoreThan, 2500.0),
        );
        assert_eq!(j.fit, at_deadline.fit);
        // Met at the deadline: achieved, whatever comes after.
        let mut fell = SMES;
        fell[3].1 = Some(2600.0);
        fell[4].1 = Some(2100.0);
        let j = run(
            &fell,
            "2026Q3",
            "sme_count",
            &target(Rule::MoreThan, 2500.0),
        );
        assert_eq!(j.status, Status::Achieved);
    }

    #[test]
    fn after_the_deadline_a_baseline_is_searched_only_up_to_it() {
        // A cluster first reporting after the deadline has no baseline for this plan.
        let s = [("2026Q1", Some(30.0)), ("2026Q2", Some(40.0))];
        let j = run(&s, "2026Q2", "cnc_rate", &target(Rule::Gain, 5.0));
        assert_eq!(j.judged_period, Some(p("2025Q4")));
        assert_eq!((j.baseline_period, j.judged_value), (None, None));
        assert_eq!(j.status, Status::NoData);
        assert_eq!(j.value, Some(40.0));
    }

    #[test]
    fn without_a_target_nothing_is_judged() {
        let c = Catalogue::builtin();
        let s: Vec<_> = SMES.iter().map(|(q, v)| (p(q), *v)).collect();
        let j = judge(
            &s,
            p("2026Q3"),
            p("2020Q4"),
            p("2025Q4"),
            c.get("sme_count").unwrap(),
            None,
        );
        assert_eq!((j.judged_period, j.judged_value), (None, None));
        assert_eq!((j.value, j.status), (Some(2516.0), Status::NoTarget));
    }
}
