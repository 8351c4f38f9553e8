//! Figures reproduce to the last digit whatever the parallelism: the same dataset
//! evaluated in one partition and in three gives byte-identical `kpis.csv` and
//! `series.csv` (the CSVs write every number in full precision). Sums of money, rates
//! and logarithms are exact DECIMAL sums in the indicator SQL; with DOUBLE sums the
//! partial sums of three partitions add up in another order and the last digits move.

use crate::support::*;

#[test]
fn one_partition_and_three_give_the_same_bytes() {
    let w = Work::new();
    w.generate(".", 600, "2020Q1", "2023Q2", true);
    let p = w.pipeline();
    let r = w.run(&["run", p.to_str().unwrap()]);
    assert!(r.code == 0 || r.code == 3, "{r:?}");
    let mut outputs = Vec::new();
    for partitions in ["1", "3"] {
        let r = w.run_env(
            &["evaluate", "--pipeline", p.to_str().unwrap()],
            &[("CLUSTERKPI_PARTITIONS", partitions)],
        );
        assert!(r.code == 0 || r.code == 3, "{partitions} partitions: {r:?}");
        let read = |name: &str| std::fs::read(w.path(&format!("reports/2023Q2/{name}"))).unwrap();
        outputs.push((read("kpis.csv"), read("series.csv")));
    }
    let (one, three) = (&outputs[0], &outputs[1]);
    let differing = |a: &[u8], b: &[u8]| {
        let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
        a.lines()
            .zip(b.lines())
            .filter(|(x, y)| x != y)
            .take(3)
            .map(|(x, y)| format!("{x}\n{y}"))
            .collect::<Vec<_>>()
    };
    assert!(
        one.0 == three.0,
        "kpis.csv: {:#?}",
        differing(&one.0, &three.0)
    );
    assert!(
        one.1 == three.1,
        "series.csv: {:#?}",
        differing(&one.1, &three.1)
    );
    // Money is summed: the comparison covers sums, not only counts.
    let kpis = String::from_utf8_lossy(&one.0);
    assert!(
        kpis.lines()
            .any(|l| l.contains(",revenue_ytd,") && l.contains('.'))
    );
}
