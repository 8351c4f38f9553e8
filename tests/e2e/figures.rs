//! Figures checked against values computed by hand from a small city, and every
//! status class of the status rule.
//!
//! Clusters xx, yy, zz, ww, vv (recognised 2019Q4); enterprises 1 and 6 in xx, 2 in yy,
//! 3 in zz, 4 in ww, 5 in vv; cluster `late`, recognised 2022Q2, has enterprise 7
//! (not a cluster yet in 2021Q4, so not expected to report). Every enterprise has 1,000 key processes, 400 on CNC (40 %) at the
//! 2020Q4 baseline. At 2021Q4: x 460 (46 %), y 410, z 408, w 402; v does not report.
//! 2020Q4 arrives as GBK CSV with Chinese headers, 2021Q4 as xlsx with English headers.

use crate::support::*;

fn city(w: &Work) {
    reference(
        w,
        &[
            ("xx", "2019Q4"),
            ("yy", "2019Q4"),
            ("zz", "2019Q4"),
            ("ww", "2019Q4"),
            ("vv", "2019Q4"),
            ("late", "2022Q2"),
        ],
        &[
            (1, "xx"),
            (6, "xx"),
            (2, "yy"),
            (3, "zz"),
            (4, "ww"),
            (5, "vv"),
            (7, "late"),
        ],
    );
    let base: Vec<Row> = [
        (1, 100.0, true),
        (6, 100.0, false),
        (2, 200.0, false),
        (3, 300.0, false),
        (4, 400.0, false),
        (5, 500.0, false),
    ]
    .into_iter()
    .map(|(n, revenue, bis)| Row {
        code: n,
        period: "2020年第四季度",
        revenue,
        key: 1000,
        cnc: 400,
        sme: true,
        bis,
    })
    .collect();
    w.write("inbox/2020Q4/county-2020Q4.csv", gbk(&reports_csv(&base)));
    let later = [
        (1, 110.0, 460, true),
        (6, 130.0, 460, false),
        (2, 220.0, 410, false),
        (3, 330.0, 408, false),
        (4, 440.0, 402, false),
    ];
    write_xlsx(w, "inbox/2021Q4/county-2021Q4.xlsx", "2021-12", &later);
    write_xlsx(
        w,
        "inbox/2025Q4/w-2025Q4.xlsx",
        "2025Q4",
        &[(4, 600.0, 410, false)],
    );
}

/// A reports workbook with canonical English headers and typed cells.
fn write_xlsx(w: &Work, rel: &str, period: &str, rows: &[(u32, f64, u32, bool)]) {
    use rust_xlsxwriter::Workbook;
    let headers = [
        "credit_code",
        "period",
        "revenue_ytd",
        "output_value_ytd",
        "employees",
        "is_sme",
        "above_scale",
        "specialized_level",
        "key_processes",
        "key_processes_cnc",
        "business_info_system",
        "digital_rnd_tools",
        "ecommerce",
        "design_center_level",
        "innovation_platforms",
        "green_factory_level",
        "tech_upgrade_equipment_ytd",
        "innovation_demo_level",
        "listing_status",
        "core_tech_breakthroughs",
    ];
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in headers.iter().enumerate() {
        ws.write(0, c as u16, *h).unwrap();
    }
    for (i, (n, revenue, cnc, bis)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write(r, 0, code(*n)).unwrap();
        ws.write(r, 1, period).unwrap();
        ws.write(r, 2, *revenue).unwrap();
        ws.write(r, 3, revenue * 1.1).unwrap();
        ws.write(r, 4, 10).unwrap();
        ws.write(r, 5, true).unwrap();
        ws.write(r, 6, false).unwrap();
        ws.write(r, 7, "none").unwrap();
        ws.write(r, 8, 1000).unwrap();
        ws.write(r, 9, *cnc).unwrap();
        ws.write(r, 10, if *bis { "Y" } else { "N" }).unwrap();
        ws.write(r, 11, "N").unwrap();
        ws.write(r, 12, "N").unwrap();
        ws.write(r, 13, "none").unwrap();
        ws.write(r, 14, 0).unwrap();
        ws.write(r, 15, "none").unwrap();
        ws.write(r, 16, 0).unwrap();
        ws.write(r, 17, "none").unwrap();
        ws.write(r, 18, "none").unwrap();
        ws.write(r, 19, 0).unwrap();
    }
    let p = w.path(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    wb.save(&p).unwrap();
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9 * b.abs().max(1.0)
}

#[test]
fn hand_computed_cluster_and_city_figures() {
    let w = Work::new();
    city(&w);
    let p = w.pipeline();
    let r = w.run(&["run", p.to_str().unwrap(), "--period", "2021Q4"]);
    assert_eq!(
        r.code, 3,
        "v has not reported for 2021Q4: partial data\n{r:?}"
    );
    let kpis = w.path("reports/2021Q4/kpis.csv");
    let x = |ind: &str| kpi(&kpis, "xx", ind);
    assert!(close(num(&x("cnc_rate")["value"]), 46.0));
    assert!(close(num(&x("bis_rate")["value"]), 50.0));
    assert!(close(num(&x("revenue_ytd")["value"]), 240.0));
    assert!(
        close(num(&x("revenue_yoy")["value"]), 20.0),
        "240 / 200 − 1"
    );
    assert!(
        close(num(&x("revenue_cagr")["value"]), 20.0),
        "one year after the 2020 baseline"
    );
    assert_eq!(x("revenue_cagr")["status"], "achieved");
    assert!(close(num(&x("sme_count")["value"]), 2.0));
    let rr = x("reporting_rate");
    assert_eq!(
        (
            rr["value"].as_str(),
            rr["reporting"].as_str(),
            rr["expected"].as_str()
        ),
        ("100", "2", "2")
    );

    // The CNC target of x: baseline 40 at 2020Q4, level 45, the line through 40 and 46
    // over four quarters rises 1.5 a quarter: 70 at 2025Q4, progress (70−40)/(45−40) = 6.
    let cnc = x("cnc_rate");
    assert_eq!(
        (cnc["baseline_period"].as_str(), cnc["target_rule"].as_str()),
        ("2020Q4", "gain")
    );
    assert!(close(num(&cnc["baseline_value"]), 40.0));
    assert!(close(num(&cnc["target_amount"]), 5.0));
    assert!(close(num(&cnc["target_level"]), 45.0));
    assert!(close(num(&cnc["projected"]), 70.0));
    assert!(close(num(&cnc["progress"]), 6.0));
    assert_eq!(
        (cnc["status"].as_str(), cnc["trend"].as_str()),
        ("achieved", "improving")
    );

    let c = |ind: &str| kpi(&kpis, "shijiazhuang", ind);
    assert!(
        close(num(&c("cnc_rate")["value"]), 42.8),
        "mean of 46, 46, 41, 40.8, 40.2"
    );
    assert!(close(
        num(&c("revenue_yoy")["value"]),
        (1230.0 / 1100.0 - 1.0) * 100.0
    ));
    let city_rate = c("reporting_rate");
    let counts = (
        city_rate["reporting"].as_str(),
        city_rate["expected"].as_str(),
    );
    assert_eq!(counts, ("5", "7"), "over the whole roster");
    assert!(close(num(&city_rate["value"]), 500.0 / 7.0));
    // Partial because vv has not reported; `late` was not a cluster yet.
    assert!(r.stdout.contains("vv集群: 0/1"), "{r:?}");
    assert!(!r.stdout.contains("late集群"), "{r:?}");
    assert_eq!(
        c("sme_count")["status"],
        "off_track",
        "5 SMEs against more than 2,500"
    );
}

#[test]
fn every_status_class() {
    let w = Work::new();
    city(&w);
    let p = w.pipeline();
    let r = w.run(&["run", p.to_str().unwrap(), "--period", "2021Q4"]);
    assert_eq!(r.code, 3, "{r:?}");
    let kpis = w.path("reports/2021Q4/kpis.csv");
    let status = |id: &str| kpi(&kpis, id, "cnc_rate")["status"].clone();
    assert_eq!(status("xx"), "achieved");
    assert_eq!(
        status("yy"),
        "on_track",
        "41 at 2021Q4 projects exactly to 45"
    );
    assert_eq!(status("zz"), "at_risk", "projects to 44: progress 0.8");
    assert_eq!(status("ww"), "off_track", "projects to 41: progress 0.2");
    assert_eq!(status("vv"), "no_data");
    assert_eq!(kpi(&kpis, "xx", "listed_count")["status"], "no_target");
    let progress = |id: &str| num(&kpi(&kpis, id, "cnc_rate")["progress"]);
    assert!(close(progress("yy"), 1.0) && close(progress("zz"), 0.8) && close(progress("ww"), 0.2));

    let r = w.run(&[
        "evaluate",
        "--pipeline",
        p.to_str().unwrap(),
        "--period",
        "2025Q4",
    ]);
    assert_eq!(r.code, 3, "{r:?}");
    let kpis = w.path("reports/2025Q4/kpis.csv");
    assert_eq!(
        kpi(&kpis, "ww", "cnc_rate")["status"],
        "missed",
        "41 at the deadline"
    );
}
