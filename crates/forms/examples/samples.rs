//! Writes a sample of each workbook for a person to look at (in Excel or LibreOffice):
//! a template for the largest county of a small synthetic city, with last quarter's
//! figures, and the feedback on a copy of it filled with two wrong rows.
//!
//! `cargo run -p clusterkpi-forms --example samples -- OUT_DIR [en]`

use std::collections::HashMap;
use std::path::PathBuf;

use clusterkpi_forms::roster;
use clusterkpi_forms::template::{self, PREFILLED, Template};
use clusterkpi_ingest::{Collect, Options, PriorYtd, Record, References, ReportRow};
use clusterkpi_model::{Language, Period};

fn main() {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().expect("OUT_DIR"));
    let lang = if args.next().as_deref() == Some("en") {
        Language::En
    } else {
        Language::Zh
    };
    let city = out.join("city");
    let period = Period::new(2025, 3).unwrap();
    clusterkpi_synth::generate(
        &city,
        &clusterkpi_synth::Options {
            enterprises: 120,
            from: period,
            to: period,
            ..clusterkpi_synth::Options::default()
        },
    )
    .unwrap();
    let read = |name: &str, refs: &References| {
        let mut sink = Collect::default();
        let p = city.join("reference").join(name);
        clusterkpi_ingest::process(
            &p,
            name,
            &Options::default(),
            refs,
            &mut |_| PriorYtd::default(),
            &mut sink,
        );
        sink.0
    };
    let clusters = read("clusters.csv", &References::default());
    let rows = read("roster.csv", &References::default());
    let codes: std::collections::HashSet<String> = rows
        .iter()
        .filter_map(|r| match r {
            Record::Roster(e) => Some(e.credit_code.clone()),
            _ => None,
        })
        .collect();
    let by_county = roster::from_records(&clusters, &rows, lang);
    let (county, enterprises) = by_county.iter().max_by_key(|(_, v)| v.len()).unwrap();
    let report = |code: &str, p: Period, i: usize| ReportRow {
        credit_code: code.to_string(),
        period: p,
        revenue_ytd: 12_000.5 + 731.25 * i as f64,
        output_value_ytd: 11_000.0 + 512.0 * i as f64,
        employees: Some(40 + 7 * i as i64),
        is_sme: !i.is_multiple_of(4),
        above_scale: i.is_multiple_of(3),
        specialized_level: ["none", "provincial", "national"][i % 3],
        key_processes: 6 + (i % 4) as i64,
        key_processes_cnc: (i % 5) as i64,
        business_info_system: i % 2 == 1,
        digital_rnd_tools: true,
        ecommerce: i % 3 != 1,
        design_center_level: ["none", "municipal", "provincial", "national"][i % 4],
        innovation_platforms: (i % 2) as i64,
        green_factory_level: ["none", "provincial", "national"][(i + 1) % 3],
        tech_upgrade_equipment_ytd: 85.5 * i as f64,
        innovation_demo_level: ["none", "provincial", "national"][(i + 2) % 3],
        listing_status: ["none", "reserve", "listed"][i % 3],
        core_tech_breakthroughs: (i % 3) as i64,
        line: 0,
    };
    let previous: HashMap<String, ReportRow> = enterprises
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, e)| {
            let mut r = report(&e.credit_code, period.prev(), i);
            r.revenue_ytd *= 0.6;
            r.output_value_ytd *= 0.6;
            r.tech_upgrade_equipment_ytd *= 0.5;
            (e.credit_code.clone(), r)
        })
        .collect();
    let t = Template {
        county,
        period,
        enterprises,
        previous: Some(&previous),
        language: lang,
    };
    let path = template::write(&t, &out).unwrap();
    println!("{}", path.display());

    // A filled copy with two rows filled wrongly, then its feedback.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let cols = template::form_columns();
    for (c, col) in cols.iter().enumerate() {
        ws.write_string(0, c as u16, template::header(col, lang))
            .unwrap();
    }
    let quarter = match lang {
        Language::Zh => clusterkpi_model::Display::new(lang).quarter(period),
        Language::En => period.to_string(),
    };
    for (i, e) in enterprises.iter().enumerate() {
        let r = (i + 1) as u32;
        ws.write_string(r, 0, &e.credit_code).unwrap();
        ws.write_string(r, 1, &e.name).unwrap();
        ws.write_string(r, 2, &e.cluster).unwrap();
        ws.write_string(r, 3, &quarter).unwrap();
        let mut inputs = template::inputs_of(&report(&e.credit_code, period, i), lang);
        if i == 2 {
            inputs[0] = "-1200".into();
            inputs[3] = "有".into();
        }
        if i == 2 {
            inputs[7] = "99".into();
        }
        for (k, v) in inputs.iter().enumerate() {
            let c = (PREFILLED + k) as u16;
            match v.parse::<f64>() {
                Ok(n) => ws.write_number(r, c, n).unwrap(),
                Err(_) => ws.write_string(r, c, v).unwrap(),
            };
        }
    }
    let filled = out.join(match lang {
        Language::Zh => "县报表.xlsx",
        Language::En => "county.xlsx",
    });
    wb.save(&filled).unwrap();
    let refs = References {
        roster: Some(codes.into_iter().collect()),
        ..References::default()
    };
    let opts = Options::default();
    let result = clusterkpi_ingest::process(
        &filled,
        &filled.display().to_string(),
        &opts,
        &refs,
        &mut |_| PriorYtd::default(),
        &mut Collect::default(),
    );
    let fb = clusterkpi_forms::feedback::write(&out, &filled, &result, &opts, lang).unwrap();
    println!("{} ({})", fb.display(), result.outcome.as_str());
}
