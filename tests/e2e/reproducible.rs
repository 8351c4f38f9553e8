//! Figures reproduce to the last digit whatever the parallelism: the same dataset
//! evaluated in one partition and in three gives byte-identical `kpis.csv` and
//! `series.csv` (the CSVs write every number in full precision), and so does the run
//! that ingested most of it, from the rows it kept in memory and the earlier files.
//! Sums of money, rates and logarithms are exact DECIMAL sums in the indicator SQL;
//! with DOUBLE sums the partial sums of three partitions add up in another order and
//! the last digits move.

use crate::support::*;

#[test]
fn one_partition_and_three_give_the_same_bytes() {
    let w = Work::new();
    w.generate(".", 600, "2020Q1", "2023Q2", true);
    let p = w.pipeline();
    // A first year ingested on its own: the run below evaluates its files from disk
    // and the rows it ingests itself from memory, kept from its ingest; the
    // evaluations after it read every file back.
    let mut first_year = vec![
        "ingest".to_string(),
        "--pipeline".to_string(),
        p.display().to_string(),
        "reference/clusters.csv".to_string(),
        "reference/roster.csv".to_string(),
    ];
    for q in 1..=4 {
        let mut files: Vec<String> = std::fs::read_dir(w.path(&format!("inbox/2020Q{q}")))
            .unwrap()
            .map(|e| e.unwrap().path().display().to_string())
            .collect();
        files.sort();
        first_year.extend(files);
    }
    let args: Vec<&str> = first_year.iter().map(String::as_str).collect();
    let r = w.run(&args);
    assert!([0, 3, 65].contains(&r.code), "{r:?}");
    let r = w.run(&["run", p.to_str().unwrap()]);
    assert!(r.code == 0 || r.code == 3, "{r:?}");
    let read = |name: &str| std::fs::read(w.path(&format!("reports/2023Q2/{name}"))).unwrap();
    let from_run = (read("kpis.csv"), read("series.csv"));
    // The third evaluation takes the path of a large dataset: its views kept one after
    // another within a memory pool, the growth pairs joined one slice of enterprises at
    // a time.
    let settings: [&[(&str, &str)]; 3] = [
        &[("CLUSTERKPI_PARTITIONS", "1")],
        &[("CLUSTERKPI_PARTITIONS", "3")],
        &[("CLUSTERKPI_LARGE_ROWS", "0")],
    ];
    let mut outputs = Vec::new();
    for env in settings {
        let r = w.run_env(&["evaluate", "--pipeline", p.to_str().unwrap()], env);
        assert!(r.code == 0 || r.code == 3, "{env:?}: {r:?}");
        outputs.push((env, read("kpis.csv"), read("series.csv")));
    }
    let (_, one_kpis, one_series) = &outputs[0];
    assert!(
        from_run.0 == *one_kpis,
        "kpis.csv of the run: {:#?}",
        first_differing_lines(&from_run.0, one_kpis)
    );
    assert!(
        from_run.1 == *one_series,
        "series.csv of the run: {:#?}",
        first_differing_lines(&from_run.1, one_series)
    );
    for (env, kpis, series) in &outputs[1..] {
        assert!(
            one_kpis == kpis,
            "kpis.csv with {env:?}: {:#?}",
            first_differing_lines(one_kpis, kpis)
        );
        assert!(
            one_series == series,
            "series.csv with {env:?}: {:#?}",
            first_differing_lines(one_series, series)
        );
    }
    // Money is summed: the comparison covers sums, not only counts; growth is among
    // the figures.
    let kpis = String::from_utf8_lossy(one_kpis);
    assert!(
        kpis.lines()
            .any(|l| l.contains(",revenue_ytd,") && l.contains('.'))
    );
    assert!(
        kpis.lines()
            .any(|l| l.contains(",revenue_yoy,") && l.contains('.'))
    );
}

/// Files validated in parallel give the dataset a one-by-one ingest gives: the same
/// Parquet bytes, versions, outcomes and warnings. The inbox is laid out so that a
/// county's quarters follow each other (the worst case: each file's year-to-date check
/// needs the file before it), one later quarter lowers an enterprise's year-to-date
/// revenue (a warning that only the earlier file of the same run can raise), one
/// file repeats the rows of another (a correction, superseding rows of the same run),
/// and one corrects a county's second quarter just before its third is read.
#[test]
fn parallel_ingest_gives_the_dataset_a_sequential_one_gives() {
    let w = Work::new();
    w.generate("src", 300, "2024Q1", "2024Q4", true);
    std::fs::create_dir_all(w.path("reference")).unwrap();
    for f in ["clusters.csv", "roster.csv"] {
        std::fs::copy(
            w.path(&format!("src/reference/{f}")),
            w.path(&format!("reference/{f}")),
        )
        .unwrap();
    }
    // Every report file flat in one folder, named county first: a county's quarters
    // are next to each other in the order files are taken.
    let mut files = Vec::new();
    let mut stack = vec![w.path("src/inbox")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    assert!(files.len() > 20, "{files:?}");
    let mut lowered = false;
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let mut bytes = std::fs::read(f).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap_or_default();
        if !lowered
            && name.ends_with("2024Q3.csv")
            && text.starts_with("credit_code,period,revenue_ytd,")
        {
            // The first data row's year-to-date revenue set to 0 (third column).
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            let mut cells: Vec<String> = lines[1].split(',').map(str::to_string).collect();
            if cells[2].parse::<f64>().is_ok_and(|v| v > 0.0) {
                cells[2] = "0".into();
                lines[1] = cells.join(",");
                bytes = (lines.join("\n") + "\n").into_bytes();
                lowered = true;
            }
        }
        w.write(&format!("inbox/{name}"), &bytes);
        if name.ends_with("2024Q2.csv") && !w.path("inbox/zz-correction-2024Q2.csv").exists() {
            w.write("inbox/zz-correction-2024Q2.csv", &bytes);
        }
    }
    assert!(lowered, "no 2024Q3 CSV to lower");
    // A correction sent after a county's second quarter raises one enterprise's
    // year-to-date revenue a thousandfold: the county's third quarter, next in order,
    // is checked against the corrected figure (a warning), not the first one. On two
    // workers the three files are validated before either earlier one is committed.
    let english = |name: &str| {
        let text = std::fs::read_to_string(w.path(&format!("inbox/{name}"))).unwrap_or_default();
        text.starts_with("credit_code,period,revenue_ytd,")
            .then_some(text)
    };
    let raised = files
        .iter()
        .filter_map(|f| f.file_name()?.to_str()?.strip_suffix("-2024Q2.csv"))
        .find_map(|county| {
            let q2 = english(&format!("{county}-2024Q2.csv"))?;
            let q3 = english(&format!("{county}-2024Q3.csv"))?;
            let header = q2.lines().next()?;
            let mut cells: Vec<String> =
                q2.lines().nth(1)?.split(',').map(str::to_string).collect();
            let third = q3
                .lines()
                .skip(1)
                .find(|l| l.starts_with(&format!("{},", cells[0])))?;
            let then: f64 = cells[2].parse().ok()?;
            let now: f64 = third.split(',').nth(2)?.parse().ok()?;
            (then > 0.0 && now < then * 1000.0).then_some(())?;
            cells[2] = format!("{}", then * 1000.0);
            w.write(
                &format!("inbox/{county}-2024Q2.raised.csv"),
                format!("{header}\n{}\n", cells.join(",")),
            );
            Some(county.to_string())
        })
        .expect("a county with its second and third quarters in CSV");
    let p = w.pipeline();
    let mut inbox: Vec<String> = std::fs::read_dir(w.path("inbox"))
        .unwrap()
        .map(|e| format!("inbox/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    inbox.sort();
    let mut args = vec!["ingest", "--pipeline", p.to_str().unwrap()];
    args.extend(["reference/clusters.csv", "reference/roster.csv"]);
    args.extend(inbox.iter().map(String::as_str));
    let mut seen = Vec::new();
    for threads in ["1", "2", "4"] {
        let _ = std::fs::remove_dir_all(w.path("lake"));
        let r = w.run_env(&args, &[("CLUSTERKPI_THREADS", threads)]);
        assert!(
            r.code == 0 || r.code == 3 || r.code == 65,
            "{threads} threads: {r:?}"
        );
        // Outcomes, row counts and warnings per file, as printed.
        let printed: Vec<String> = r
            .stdout
            .lines()
            .filter(|l| l.contains(".csv") || l.contains(".xlsx") || l.contains("files:"))
            .map(str::to_string)
            .collect();
        let mut data = Vec::new();
        let mut stack = vec![w.path("lake")];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "parquet") {
                    data.push((
                        p.strip_prefix(w.path("lake")).unwrap().to_path_buf(),
                        std::fs::read(&p).unwrap(),
                    ));
                }
            }
        }
        data.sort();
        seen.push((threads, printed, data));
    }
    let (_, printed, data) = &seen[0];
    assert_ne!(
        w.sql_value("SELECT COUNT(*) FROM issues WHERE code = 'W_YTD_DECREASE'"),
        "0",
        "the lowered year-to-date revenue raises a warning (in the last, parallel run)"
    );
    assert_eq!(
        w.sql_value(&format!(
            "SELECT COUNT(*) FROM issues WHERE code = 'W_YTD_DECREASE' \
             AND file LIKE '%{raised}-2024Q3.csv'"
        )),
        "1",
        "the third quarter is checked against the correction sent before it"
    );
    assert!(
        data.iter().any(|(p, _)| p.starts_with("superseded")),
        "the correction supersedes rows: {:?}",
        data.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    for (threads, p2, d2) in &seen[1..] {
        assert_eq!(printed, p2, "{threads} threads: printed outcomes differ");
        assert_eq!(
            data.iter().map(|(p, _)| p).collect::<Vec<_>>(),
            d2.iter().map(|(p, _)| p).collect::<Vec<_>>(),
            "{threads} threads: data files differ"
        );
        for ((p, a), (_, b)) in data.iter().zip(d2) {
            assert!(a == b, "{threads} threads: {} differs", p.display());
        }
    }
}
