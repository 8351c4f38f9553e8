//! Reading files: encodings, line ends, limits, workbooks.

use super::*;
use encoding_rs::{GB18030, UTF_8};

fn settings(limits: &Limits) -> ReadSettings<'_> {
    ReadSettings {
        limits,
        workbooks: &WorkbookReader::InProcess,
    }
}

fn rows_with(path: &Path, limits: &Limits) -> Result<(Format, Vec<RawRow>), FileProblem> {
    let mut f = probe(path, None, None, limits)?;
    let mut rows = Vec::new();
    let sheet = visit_rows(path, &f, settings(limits), &mut |r| {
        rows.push(r);
        Ok(())
    })?;
    f.resolve_sheet(sheet);
    Ok((f, rows))
}

fn rows_of(path: &Path) -> Result<(Format, Vec<RawRow>), FileProblem> {
    rows_with(path, &Limits::default())
}

fn texts(r: &RawRow) -> Vec<String> {
    r.cells.iter().map(Cell::display).collect()
}

#[test]
fn utf8_with_and_without_bom_gbk_and_gb18030() {
    let dir = tempfile::tempdir().unwrap();
    let text = "集群编码,集群名称\nxinji,辛集皮革\n";
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("u.csv", text.as_bytes().to_vec(), "UTF-8"),
        (
            "b.csv",
            [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
            "UTF-8",
        ),
        (
            "g.csv",
            encoding_rs::GBK.encode(text).0.into_owned(),
            "gb18030",
        ),
        ("h.csv", GB18030.encode(text).0.into_owned(), "gb18030"),
    ];
    for (name, bytes, enc) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let (f, rows) = rows_of(&p).unwrap();
        assert!(
            f.describe().to_lowercase().contains(&enc.to_lowercase()),
            "{name}: {}",
            f.describe()
        );
        assert_eq!(
            texts(&rows[0]),
            vec!["集群编码", "集群名称"],
            "{name}: BOM must not leak"
        );
        assert_eq!(texts(&rows[1]), vec!["xinji", "辛集皮革"]);
        assert_eq!(rows[1].line, 2);
    }
}

#[test]
fn windows_line_ends_keep_line_numbers_right() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("crlf.csv");
    let mut text = String::from("a,b\r\n");
    for i in 0..30_000 {
        text.push_str(&format!("{i},\"x\r\ny\"\r\n"));
    }
    std::fs::write(&p, &text).unwrap();
    let (_, rows) = rows_of(&p).unwrap();
    assert_eq!(rows.len(), 30_001);
    assert_eq!(
        (rows[1].line, texts(&rows[1])),
        (2, vec!["0".to_string(), "x\ny".to_string()])
    );
    assert_eq!(
        rows[30_000].line, 60_000,
        "a quoted line break counts as a line"
    );
}

#[test]
fn a_bad_byte_is_an_encoding_error_naming_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.csv");
    let mut bytes = "a,b\n1,2\n3,".as_bytes().to_vec();
    bytes.extend_from_slice(&[0xEF, 0xBB]); // truncated UTF-8 sequence
    bytes.extend_from_slice(b"\n");
    std::fs::write(&p, &bytes).unwrap();
    let limits = Limits::default();
    let f = Format::Csv {
        encoding: UTF_8,
        bom: false,
    };
    let err = visit_rows(&p, &f, settings(&limits), &mut |_| Ok(())).unwrap_err();
    assert_eq!((err.violation.code, err.line), (Code::E_ENCODING, 3));
    // Invalid in GB18030: a lead byte followed by an invalid trail byte.
    std::fs::write(&p, b"a,b\n\x81\x20,2\n").unwrap();
    let f = Format::Csv {
        encoding: GB18030,
        bom: false,
    };
    let err = visit_rows(&p, &f, settings(&limits), &mut |_| Ok(())).unwrap_err();
    assert_eq!((err.violation.code, err.line), (Code::E_ENCODING, 2));
}

#[test]
fn csv_bytes_named_xlsx_and_broken_zips_are_format_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.xlsx");
    std::fs::write(&p, "a,b\n1,2\n").unwrap();
    assert_eq!(
        probe(&p, None, None, &Limits::default())
            .unwrap_err()
            .violation
            .code,
        Code::E_FORMAT
    );
    std::fs::write(&p, b"PK\x03\x04garbage").unwrap();
    assert_eq!(rows_of(&p).unwrap_err().violation.code, Code::E_FORMAT);
}

#[test]
fn size_limit_is_checked_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.csv");
    std::fs::write(&p, "a,b\n1,2\n").unwrap();
    let limits = Limits {
        max_bytes: 4,
        ..Limits::default()
    };
    assert_eq!(
        probe(&p, None, None, &limits).unwrap_err().violation.code,
        Code::E_TOO_LARGE
    );
    let limits = Limits {
        max_rows: 1,
        ..Limits::default()
    };
    let f = probe(&p, None, None, &limits).unwrap();
    let err = visit_rows(&p, &f, settings(&limits), &mut |_| Ok(())).unwrap_err();
    assert_eq!(err.violation.code, Code::E_TOO_LARGE);
}

#[test]
fn xlsx_first_visible_sheet_numbers_dates_and_zip_bomb_limit() {
    use rust_xlsxwriter::{ExcelDateTime, Format as XFormat, Workbook};
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.xlsx");
    let mut wb = Workbook::new();
    let hidden = wb.add_worksheet();
    hidden.set_name("hidden").unwrap();
    hidden.write(0, 0, "nope").unwrap();
    hidden.set_hidden(true);
    let ws = wb.add_worksheet();
    ws.set_name("报表").unwrap();
    ws.set_active(true);
    ws.write(1, 0, "报告期").unwrap();
    ws.write(1, 1, "数值").unwrap();
    let date = ExcelDateTime::from_ymd(2024, 9, 30).unwrap();
    ws.write_datetime_with_format(2, 0, &date, &XFormat::new().set_num_format("yyyy-mm-dd"))
        .unwrap();
    ws.write(2, 1, 12.5).unwrap();
    wb.save(&p).unwrap();
    let (f, rows) = rows_of(&p).unwrap();
    assert_eq!(
        f,
        Format::Workbook {
            kind: WorkbookKind::Xlsx,
            sheet: Some("报表".into())
        }
    );
    assert_eq!(rows[0].line, 2, "sheet row numbers are kept");
    assert_eq!(
        rows[1].cells,
        vec![Cell::Date(2024, 9, 30), Cell::Number(12.5)]
    );
    let limits = Limits {
        max_uncompressed: 100,
        ..Limits::default()
    };
    assert_eq!(
        rows_with(&p, &limits).unwrap_err().violation.code,
        Code::E_TOO_LARGE
    );
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn last_line_without_a_line_break_lone_cr_and_cr_only_files() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8]); 4] = [
        ("no-final-break.csv", b"a,b\n1,2\n3,4"),
        ("final-lone-cr.csv", b"a,b\n1,2\n3,4\r"),
        ("cr-only.csv", b"a,b\r1,2\r3,4\r"),
        ("mixed-ends.csv", b"a,b\r\n1,2\r3,4\n"),
    ];
    for (name, bytes) in cases {
        let p = write(dir.path(), name, bytes);
        let (_, rows) = rows_of(&p).unwrap();
        let got: Vec<(u64, Vec<String>)> = rows.iter().map(|r| (r.line, texts(r))).collect();
        assert_eq!(
            got,
            vec![
                (1, vec!["a".to_string(), "b".to_string()]),
                (2, vec!["1".to_string(), "2".to_string()]),
                (3, vec!["3".to_string(), "4".to_string()]),
            ],
            "{name}"
        );
    }
}

#[test]
fn nul_bytes_and_empty_files_are_read_not_panicked_on() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("nul.csv", vec![0u8; 10_000]),
        ("empty.csv", Vec::new()),
        ("cr.csv", b"\r".to_vec()),
        ("quote.csv", b"\"".to_vec()),
    ] {
        let p = write(dir.path(), name, &bytes);
        let _ = rows_of(&p);
    }
}

#[test]
fn a_huge_field_or_record_is_too_large_before_it_is_held() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        max_field_bytes: 1000,
        max_record_bytes: 5000,
        ..Limits::default()
    };
    let mut field = b"a,b\n1,".to_vec();
    field.extend(std::iter::repeat_n(b'x', 1001));
    let p = write(dir.path(), "field.csv", &field);
    let e = rows_with(&p, &limits).unwrap_err();
    assert_eq!((e.violation.code, e.line), (Code::E_TOO_LARGE, 2));
    assert!(
        e.violation.en.contains("line 2, column 2"),
        "{}",
        e.violation.en
    );
    // A quoted field with line breaks inside counts as one field.
    let mut quoted = b"a,b\n1,\"".to_vec();
    quoted.extend(std::iter::repeat_n(b"y\n".as_slice(), 600).flatten());
    quoted.extend_from_slice(b"\"\n");
    let p = write(dir.path(), "quoted.csv", &quoted);
    assert_eq!(
        rows_with(&p, &limits).unwrap_err().violation.code,
        Code::E_TOO_LARGE
    );
    // Many fields within the field limit, a record beyond the record limit.
    let mut wide = b"a,b\n".to_vec();
    wide.extend(std::iter::repeat_n(b"123456789,".as_slice(), 600).flatten());
    let p = write(dir.path(), "wide.csv", &wide);
    let e = rows_with(&p, &limits).unwrap_err();
    assert_eq!((e.violation.code, e.line), (Code::E_TOO_LARGE, 2));
    // A quote in the middle of a plain field is a plain character: the record still
    // ends at its line break, so a long file of such rows is fine.
    let mut text = b"a,b\n".to_vec();
    for _ in 0..2000 {
        text.extend_from_slice(b"ab\"c,d\n");
    }
    let p = write(dir.path(), "inner-quote.csv", &text);
    assert_eq!(rows_with(&p, &limits).unwrap().1.len(), 2001);
}

#[test]
fn a_file_mixing_utf8_and_gbk_lines_is_an_encoding_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = "集群编码,集群名称\nxinji,辛集皮革\n".as_bytes().to_vec();
    bytes.extend_from_slice(&encoding_rs::GBK.encode("gaocheng,藁城宫灯\n").0);
    let p = write(dir.path(), "mixed.csv", &bytes);
    let e = rows_of(&p).unwrap_err();
    assert_eq!((e.violation.code, e.line), (Code::E_ENCODING, 3));
    assert!(e.violation.en.contains("line 1"), "{}", e.violation.en);
    // A GBK file alone is GBK, however many lines.
    let mut gbk = Vec::new();
    for i in 0..3000 {
        gbk.extend_from_slice(
            &encoding_rs::GBK
                .encode(&format!(
                    "{i},石家庄市辛集市皮革服装产业集群有限公司第{i}号\n"
                ))
                .0,
        );
    }
    let p = write(dir.path(), "gbk.csv", &gbk);
    assert_eq!(rows_of(&p).unwrap().1.len(), 3000);
}

#[test]
fn fifos_devices_and_folders_are_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("x.csv");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    for p in [fifo.as_path(), Path::new("/dev/zero"), dir.path()] {
        let e = probe(p, None, None, &Limits::default()).unwrap_err();
        assert_eq!(e.violation.code, Code::E_FORMAT, "{}", p.display());
        assert!(
            e.violation.en.contains("not a regular file"),
            "{}",
            e.violation.en
        );
    }
}

/// A zip whose end-of-directory record claims more entries than the limit, built by
/// hand (writing a million real entries would take minutes).
#[test]
fn a_zip_claiming_millions_of_entries_is_too_large_before_it_is_listed() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"PK\x03\x04".to_vec();
    bytes.extend_from_slice(&[0; 26]);
    let mut eocd = b"PK\x05\x06".to_vec();
    eocd.extend_from_slice(&[0, 0, 0, 0]);
    eocd.extend_from_slice(&0xFFFEu16.to_le_bytes());
    eocd.extend_from_slice(&0xFFFEu16.to_le_bytes());
    eocd.extend_from_slice(&30u32.to_le_bytes());
    eocd.extend_from_slice(&0u32.to_le_bytes());
    eocd.extend_from_slice(&[0, 0]);
    bytes.extend_from_slice(&eocd);
    let p = write(dir.path(), "many.xlsx", &bytes);
    assert_eq!(rows_of(&p).unwrap_err().violation.code, Code::E_TOO_LARGE);
}

#[test]
fn utf8_is_recognised_whatever_read_boundary_cuts_a_character() {
    // The whole-file UTF-8 check reads 64 KiB at a time: a Chinese character cut by
    // every possible boundary is still UTF-8, and a bad byte far into the file still
    // sends it to the line-by-line detection (GB18030 here).
    let dir = tempfile::tempdir().unwrap();
    for pad in 0..4 {
        let mut text = String::from("集群编码,集群名称\n");
        let filler = (1 << 16) - text.len() - 1 - pad;
        text.push_str(&"a".repeat(filler));
        text.push_str(",辛集皮革\n");
        let p = write(dir.path(), &format!("cut{pad}.csv"), text.as_bytes());
        let (f, rows) = rows_of(&p).unwrap();
        assert!(f.describe().contains("UTF-8"), "{pad}: {}", f.describe());
        assert_eq!(texts(&rows[1])[1], "辛集皮革");
    }
    let mut bytes = "集群编码,集群名称\n".as_bytes().to_vec();
    bytes.resize(200_000, b'a');
    bytes.extend_from_slice(b",x\n");
    bytes.extend_from_slice(&encoding_rs::GBK.encode("gaocheng,藁城宫灯\n").0);
    let p = write(dir.path(), "late.csv", &bytes);
    let e = rows_of(&p).unwrap_err();
    assert_eq!(e.violation.code, Code::E_ENCODING, "{}", e.violation.en);
}

/// A record's kept size in one step is the sum over its cells, empty, ASCII and
/// Chinese fields alike, quoted or not; a row of workbook cells gives the same.
#[test]
fn kept_bytes_are_the_cells_sizes() {
    let text = ",91130100MA0000001X,企业名称,\" 1,234.5 \",\n,91130100MA0000001X,企业名称, 1.5 ,\n";
    let mut records = 0;
    super::delimited::records_of(text.as_bytes(), 7, &mut |_, fields| {
        let lent = Lent::Fields(fields);
        let summed: usize = lent.iter().map(|c| 32 + c.len()).sum();
        assert_eq!(lent.kept_bytes(), summed);
        let cells = lent.to_cells();
        assert_eq!(Lent::Cells(&cells).kept_bytes(), summed);
        records += 1;
    });
    assert_eq!(records, 2);
}

/// Fed in pieces of any size, the UTF-8 check says what the whole file's bytes say:
/// a byte order mark first, else whether every byte is UTF-8 (sequences cut between
/// pieces, invalid ones, overlong forms and surrogates, a cut sequence at the end).
#[test]
fn the_utf8_check_in_pieces_agrees_with_the_whole() {
    let samples: Vec<&[u8]> = vec![
        b"",
        b"abc",
        "统一社会信用代码,企业名称\n91130100MA0EXAMPLE,石家庄\n".as_bytes(),
        b"\xEF\xBB\xBFcode,name\n",
        b"\xEF\xBB\xBF\xFF",
        b"\xEF\xBB",
        b"\xE4\xB8",
        b"ab\xFFcd",
        "\u{1D11E} four bytes \u{1D11E}".as_bytes(),
        b"\xD6\xD0\xCE\xC4,\xC6\xF3\xD2\xB5\n",
        b"\xF0\x9D\x84",
        b"\xED\xA0\x80",
        b"\xC0\xAF",
        b"ok \xE4\xB8\xAD then \xE4\xB8",
    ];
    // And random ones, made mostly of the bytes UTF-8 and GBK text are made of.
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alphabet: &[u8] = b"a,\n\xEF\xBB\xBF\xE4\xB8\xAD\xF0\x9F\x98\x80\xC3\xA9\xD6\xD0\xFF\x80";
    let random: Vec<Vec<u8>> = (0..3000)
        .map(|_| {
            let len = (next() % 24) as usize;
            (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect()
        })
        .collect();
    for bytes in samples.into_iter().chain(random.iter().map(Vec::as_slice)) {
        let whole = if bytes.starts_with(b"\xEF\xBB\xBF") {
            Some(true)
        } else {
            std::str::from_utf8(bytes).ok().map(|_| false)
        };
        for piece in 1..=6 {
            let mut check = Utf8Check::default();
            for chunk in bytes.chunks(piece) {
                if !check.feed(chunk) {
                    break;
                }
            }
            assert_eq!(check.finish(), whole, "{bytes:?} in pieces of {piece}");
        }
    }
}

/// Told from the hash's read that a file is UTF-8, the probe gives the format that
/// detecting the encoding gives, with or without a byte order mark.
#[test]
fn a_probe_told_the_file_is_utf8_gives_what_detection_gives() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits::default();
    for (name, bytes) in [
        ("plain.csv", "代码,名称\n1,甲\n".as_bytes().to_vec()),
        (
            "bom.csv",
            [b"\xEF\xBB\xBF".as_slice(), "代码\n1\n".as_bytes()].concat(),
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        let mut check = Utf8Check::default();
        check.feed(&bytes);
        let told = probe_known(&path, None, None, &limits, check.finish()).unwrap();
        assert_eq!(told, probe(&path, None, None, &limits).unwrap(), "{name}");
    }
}
