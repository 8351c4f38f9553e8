//! What people read on the command line: help, validation output, exit codes.

use crate::support::*;

#[test]
fn every_command_has_complete_help() {
    for cmd in [
        "demo", "run", "validate", "ingest", "evaluate", "generate", "sql", "template", "status",
    ] {
        let r = Work::new().run(&[cmd, "--help"]);
        assert_eq!(r.code, 0, "{cmd}: {r:?}");
        assert!(r.stdout.contains("Usage: clusterkpi"), "{cmd}: {r:?}");
    }
    let r = Work::new().run(&["--help"]);
    assert!(r.stdout.contains("Exit codes"), "{r:?}");
}

#[test]
fn validate_prints_every_problem_at_once_and_changes_nothing() {
    let w = Work::new();
    reference(&w, &[("xx", "2019Q4")], &[(1, "xx"), (2, "xx"), (3, "xx")]);
    let mut text = reports_csv(&[
        Row {
            code: 1,
            period: "2024Q1",
            revenue: 10.0,
            key: 10,
            cnc: 11,
            sme: true,
            bis: true,
        },
        Row {
            code: 2,
            period: "2024-08",
            revenue: 10.0,
            key: 10,
            cnc: 1,
            sme: true,
            bis: true,
        },
        Row {
            code: 3,
            period: "2024Q1",
            revenue: 10.0,
            key: 10,
            cnc: 1,
            sme: true,
            bis: true,
        },
    ]);
    text = text.replacen(",是,否,无,", ",maybe,否,无,", 1);
    w.write("county.csv", gbk(&text));
    w.pipeline();
    let r = w.run(&["validate", "--pipeline", "pipeline.toml", "county.csv"]);
    assert_eq!(r.code, 65, "{r:?}");
    insta::with_settings!({filters => vec![(r"as of \d{4}-\d{2}-\d{2}", "as of [date]")]}, {
        insta::assert_snapshot!(r.stdout);
    });
    assert!(!w.path("lake").exists(), "validate writes nothing");
}

#[test]
fn an_unknown_quarter_is_a_clear_error() {
    let w = Work::new();
    let r = w.run(&[
        "evaluate",
        "--lake",
        "nowhere",
        "--plan",
        plan_file().to_str().unwrap(),
        "--period",
        "2024Q5",
    ]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("2024Q5"), "{r:?}");
}

#[test]
fn limits_from_the_pipeline_file_reject_a_large_file() {
    let w = Work::new();
    reference(&w, &[("xx", "2019Q4")], &[(1, "xx"), (2, "xx"), (3, "xx")]);
    let rows: Vec<Row> = (1..=3)
        .map(|n| Row {
            code: n,
            period: "2024Q1",
            revenue: 1.0,
            key: 1,
            cnc: 1,
            sme: true,
            bis: true,
        })
        .collect();
    w.write("county.csv", reports_csv(&rows));
    let p = w.pipeline();
    let text = std::fs::read_to_string(&p).unwrap() + "[limits]\nmax_rows = 2\n";
    std::fs::write(&p, text).unwrap();
    let r = w.run(&["validate", "--pipeline", "pipeline.toml", "county.csv"]);
    assert_eq!(r.code, 65, "{r:?}");
    assert!(r.stdout.contains("E_TOO_LARGE"), "{r:?}");
}
