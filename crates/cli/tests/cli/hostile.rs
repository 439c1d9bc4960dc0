//! Hostile inputs to `kasim calibrate`, `kasim track` and `kasim portfolio`: every malformed
//! file or flag exits with code 2 and a message naming the file, the row/column or
//! line:col, and the offending value; nothing is written; inputs are never overwritten.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn kasim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kasim")).current_dir(root()).args(args).output().unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kasim-cli-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs `args`, expects exit code 2, nothing on stdout, and every one of `wants` in stderr.
#[track_caller]
fn refused(args: &[&str], wants: &[&str]) {
    let out = kasim(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?}: stdout {}", String::from_utf8_lossy(&out.stdout));
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    for w in wants {
        assert!(err.contains(w), "{args:?}: `{w}` not in {err}");
    }
}

const CONTRACT: &str = "scenarios/supermarket.toml";
const YTD: &str = "scenarios/actuals/sunrise-2027-ytd.csv";
const HEADER: &str = "商品编码,日期,销售数量\n";

/// Sales exports that are empty, garbage, too wide, or hold bad values.
#[test]
fn bad_sales_exports_are_located() {
    let d = tmp("exports");
    let write = |name: &str, bytes: &[u8]| {
        let p = d.join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_string_lossy().into_owned()
    };
    let row = |units: &str| format!("{HEADER}A,2026-01-05,{units}\nA,2026-01-12,5\n");
    let wide = (0..10_000).map(|i| format!("c{i}")).collect::<Vec<_>>().join(",") + "\n";
    let cases: Vec<(String, Vec<String>)> = vec![
        (write("empty.csv", b""), vec!["no header row".into()]),
        (write("header.csv", HEADER.as_bytes()), vec!["a header row but no data rows".into()]),
        (write("bom.csv", b"\xEF\xBB\xBF"), vec!["no header row".into()]),
        (write("garbage.csv", &[0xFF; 64]), vec!["byte 0".into(), "not text in UTF-8 or GBK".into()]),
        (write("wide.csv", wide.as_bytes()), vec!["row 1".into(), "more than 512 columns".into()]),
        (
            write("cell.csv", format!("{HEADER}A,2026-01-05,{}\n", "9".repeat(1 << 20)).as_bytes()),
            vec!["row 2".into(), "longer than 4096".into()],
        ),
        (write("neg.csv", row("-5").as_bytes()), vec!["row 2, column C `销售数量`".into(), "`-5`".into()]),
        (write("e30.csv", row("1e30").as_bytes()), vec!["row 2, column C".into(), "`1e30`".into()]),
        (write("nan.csv", row("NaN").as_bytes()), vec!["row 2, column C".into(), "`NaN`".into()]),
        (
            write("feb30.csv", format!("{HEADER}A,2026-02-30,5\n").as_bytes()),
            vec!["row 2, column B `日期`".into(), "`2026-02-30`".into()],
        ),
        (write("zero.csv", format!("{HEADER}A,0000-00-00,5\n").as_bytes()), vec!["`0000-00-00`".into()]),
        (write("y5.csv", format!("{HEADER}A,99999-01-01,5\n").as_bytes()), vec!["`99999-01-01`".into()]),
        (
            write("week54.csv", "商品编码,周,销售数量\nA,2026-W54,5\n".as_bytes()),
            vec!["row 2, column B `周`".into(), "`2026-W54`".into()],
        ),
        (
            write("mixed.csv", format!("{HEADER}A,2026-01-05,5\nA,2026/01/12,5\nA,01/26/2026,5\n").as_bytes()),
            vec!["row 4, column B".into(), "`01/26/2026`".into()],
        ),
        (
            write("duphdr.csv", "商品编码,日期,销售数量,销售数量\nA,2026-01-05,5,6\n".as_bytes()),
            vec!["units: several columns could be it".into(), "--column units=".into()],
        ),
        (
            write(
                "zz.csv",
                format!(
                    "{HEADER}{}",
                    (1..=5)
                        .flat_map(|m| (1..=28).map(move |d| format!("ZZ,2026-{m:02}-{d:02},{}\n", 5 + d % 3)))
                        .collect::<String>()
                )
                .as_bytes(),
            ),
            vec!["zz.csv: no SKU of the contract is in the history".into(), "the history has ZZ".into()],
        ),
        (
            write("short.csv", format!("{HEADER}HM-RC200,2026-01-05,5\nHM-RC200,2026-01-12,6\n").as_bytes()),
            vec!["short.csv: no SKU has two regular (unpromoted) periods".into()],
        ),
        (write("no.xlsx", b"PK\x03\x04 not a workbook"), vec!["no.xlsx".into(), "cannot read the workbook".into()]),
    ];
    for (file, wants) in &cases {
        let mut w: Vec<&str> = wants.iter().map(String::as_str).collect();
        w.push(file);
        refused(&["calibrate", file, "--contract", CONTRACT], &w);
    }
    // A file that claims 200 MB (sparse) is refused before it is read.
    let big = d.join("big.csv");
    std::fs::File::create(&big).unwrap().set_len(200 << 20).unwrap();
    refused(&["calibrate", &big.to_string_lossy(), "--contract", CONTRACT], &["209715200 bytes", "limit"]);
    let _ = std::fs::remove_file(&big);
    // A directory, and a symlink loop.
    refused(&["calibrate", &d.to_string_lossy(), "--contract", CONTRACT], &["not a regular file"]);
    #[cfg(unix)]
    {
        let l = d.join("loop.csv");
        std::os::unix::fs::symlink(&l, &l).unwrap();
        refused(&["calibrate", &l.to_string_lossy(), "--contract", CONTRACT], &["loop.csv", "cannot read"]);
    }
    let _ = std::fs::remove_dir_all(&d);
}

/// Mapping files and `--column` flags that name no role, or have no `=`.
#[test]
fn bad_mappings_are_located() {
    let d = tmp("mapping");
    let m = d.join("map.toml");
    std::fs::write(&m, "[columns]\nunits = \"销售数量\"\nfrobnicate = \"x\"\n").unwrap();
    let m = m.to_string_lossy().into_owned();
    let h = "scenarios/actuals/sunrise-weekly-gbk.csv";
    refused(&["calibrate", h, "--contract", CONTRACT, "--mapping", &m], &["map.toml:3:1", "`frobnicate`"]);
    refused(&["calibrate", h, "--contract", CONTRACT, "--column", "units"], &["--column units", "role=Header"]);
    refused(&["calibrate", h, "--contract", CONTRACT, "--column", "foo=bar"], &["`foo`"]);
    let _ = std::fs::remove_dir_all(&d);
}

/// `--out` into a missing directory or onto an input: refused, the input intact.
#[test]
fn out_onto_an_input_or_nowhere_is_refused() {
    let d = tmp("out");
    let ytd = d.join("ytd.csv");
    std::fs::copy(root().join(YTD), &ytd).unwrap();
    let before = std::fs::read(&ytd).unwrap();
    let y = ytd.to_string_lossy().into_owned();
    refused(&["track", CONTRACT, "--actuals", &y, "--runs", "20", "--out", &y], &["--out", "is an input file"]);
    assert_eq!(std::fs::read(&ytd).unwrap(), before, "the actuals were overwritten");
    let contract = d.join("c.toml");
    std::fs::copy(root().join(CONTRACT), &contract).unwrap();
    std::fs::copy(root().join("scenarios/supplier.toml"), d.join("supplier.toml")).unwrap();
    let c = contract.to_string_lossy().into_owned();
    let before = std::fs::read(&contract).unwrap();
    refused(&["track", &c, "--actuals", YTD, "--runs", "20", "--out", &c], &["is an input file"]);
    assert_eq!(std::fs::read(&contract).unwrap(), before, "the contract was overwritten");
    let missing = d.join("no/such/dir/r.json");
    refused(
        &["track", CONTRACT, "--actuals", YTD, "--runs", "20", "--out", &missing.to_string_lossy()],
        &["cannot write"],
    );
    // calibrate: a bad --report is refused before the calibrated contract is written.
    let h = "scenarios/actuals/sunrise-weekly-gbk.csv";
    let cal = d.join("cal.toml").to_string_lossy().into_owned();
    let cases: [(&str, String, &str); 4] = [
        ("--report", missing.to_string_lossy().into_owned(), "no directory"),
        ("--report", c.clone(), "is an input file"),
        ("--report", cal.clone(), "--out and --report are both"),
        ("--report", d.to_string_lossy().into_owned(), "it is a directory"),
    ];
    for (flag, report, want) in &cases {
        refused(&["calibrate", h, "--contract", &c, "--out", &cal, flag, report, "--format", "json"], &[want]);
        assert!(!Path::new(&cal).exists(), "{report}: the calibrated contract was written alone");
        assert_eq!(std::fs::read(&contract).unwrap(), before, "the contract was overwritten");
    }
    refused(&["calibrate", h, "--contract", &c, "--out", &d.to_string_lossy()], &["--out", "it is a directory"]);
    let pf = d.join("p.toml");
    std::fs::write(&pf, format!("name = \"x\"\n[[contracts]]\nfile = {:?}\n", root().join(CONTRACT))).unwrap();
    let p = pf.to_string_lossy().into_owned();
    let before = std::fs::read(&pf).unwrap();
    refused(&["portfolio", &p, "--runs", "20", "--out", &p], &["is an input file"]);
    assert_eq!(std::fs::read(&pf).unwrap(), before, "the portfolio file was overwritten");
    let members: Vec<_> = std::fs::read_dir(&d).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(members.len(), 4, "no temporary or partial file left: {members:?}");
    let _ = std::fs::remove_dir_all(&d);
    // A member that `extends` a base: `--out` onto the base would change the contract the
    // report comes from (kasim portfolio and kasim replay PORTFOLIO).
    let d = tmp("portfolio-base");
    for f in ["resources.toml", "handbook-2026.toml", "supplier.toml"] {
        std::fs::copy(root().join("scenarios").join(f), d.join(f)).unwrap();
    }
    let pf = d.join("p.toml");
    std::fs::write(&pf, "name = \"x\"\n[[contracts]]\nfile = \"resources.toml\"\n").unwrap();
    let (p, base) = (pf.to_string_lossy().into_owned(), d.join("handbook-2026.toml"));
    let before = std::fs::read(&base).unwrap();
    let b = base.to_string_lossy().into_owned();
    refused(&["portfolio", &p, "--runs", "20", "--out", &b], &["is an input file", "handbook-2026.toml"]);
    refused(&["replay", &p, "--scenario", "1", "--out", &b], &["is an input file", "handbook-2026.toml"]);
    assert_eq!(std::fs::read(&base).unwrap(), before, "the base contract was overwritten");
    let _ = std::fs::remove_dir_all(&d);
}

/// Deduction statements with amounts that are not amounts; `--as-of` beyond the year;
/// `--previous` that is not a track report.
#[test]
fn bad_statements_and_previous_runs_are_located() {
    let d = tmp("track");
    let st = |name: &str, amount: &str| {
        let p = d.join(name);
        std::fs::write(&p, format!("日期,扣款项目,扣款金额,凭证号\n2027-01-05,进场费,\"{amount}\",V1\n")).unwrap();
        p.to_string_lossy().into_owned()
    };
    for (name, amount) in [("dots.csv", "1.2.3"), ("acct.csv", "(-1,000.00)"), ("word.csv", "NaN")] {
        let f = st(name, amount);
        refused(
            &["track", CONTRACT, "--actuals", YTD, "--runs", "20", "--statement", &f],
            &[&f, "row 2, column C `扣款金额`", &format!("`{amount}`")],
        );
    }
    // A fractional closed unit count names the actuals file, the SKU and the period.
    let frac = d.join("frac.csv");
    std::fs::write(&frac, "商品编码,月份,销售数量\nHM-RC200,2027-01,1.5\n").unwrap();
    let frac = frac.to_string_lossy().into_owned();
    refused(
        &["track", CONTRACT, "--actuals", &frac, "--runs", "20"],
        &[&format!("{frac}: SKU HM-RC200, period 1 (2027-01): units sold is 1.5"), "not a whole number"],
    );
    // Actuals of other years: the file, its dates and the contract's year.
    refused(
        &["track", CONTRACT, "--actuals", "scenarios/actuals/sunrise-weekly-gbk.csv", "--runs", "20"],
        &["scenarios/actuals/sunrise-weekly-gbk.csv: the actuals (2024-01-01 to 2026-06-28) have no period of 2027"],
    );
    // `¥-0` is zero, `(1,000.00)` an accounting negative (a deduction written negative counts
    // as the charge): legitimate amounts.
    for (name, amount, charged) in [("zero.csv", "¥-0", "0"), ("acct-ok.csv", "(1,000.00)", "1000.00")] {
        let f = st(name, amount);
        let out = kasim(&["track", CONTRACT, "--actuals", YTD, "--runs", "20", "--statement", &f, "--format", "json"]);
        assert!(out.status.success(), "{amount}: {}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let items = v["reconciliation"]["items"].as_array().expect("reconciliation items");
        assert_eq!(items[0]["charged"], charged, "{amount}: {}", items[0]);
    }
    refused(&["track", CONTRACT, "--actuals", YTD, "--runs", "20", "--as-of", "13"], &["--as-of 13", "(12)"]);
    refused(&["track", CONTRACT, "--actuals", YTD, "--as-of", "70000"], &["70000"]);
    let not_json = d.join("prev.json");
    std::fs::write(&not_json, "hello").unwrap();
    let other = d.join("other.json");
    std::fs::write(&other, r#"{"format": "kasim.simulate/1"}"#).unwrap();
    let big = d.join("big.json");
    std::fs::File::create(&big).unwrap().set_len(200 << 20).unwrap();
    for (f, want) in [
        (&not_json, "line 1:1"),
        (&other, "kasim.track/1"),
        (&d, "not a regular file"),
        (&big, "209715200 bytes is more than"),
    ] {
        let f = f.to_string_lossy().into_owned();
        refused(&["track", CONTRACT, "--actuals", YTD, "--runs", "20", "--previous", &f], &[&f, want]);
    }
    let _ = std::fs::remove_dir_all(&d);
}

/// Portfolios with no contracts, too many, one listed twice, a directory or a loop as a
/// contract, capacity 0, a probability of 101%; a huge capacity is legitimate.
#[test]
fn bad_portfolios_are_located() {
    let d = tmp("portfolio");
    let c = format!("{:?}", root().join(CONTRACT));
    let write = |name: &str, text: String| {
        let p = d.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_string_lossy().into_owned()
    };
    let one = format!("name = \"x\"\n[[contracts]]\nfile = {c}\n");
    let many: String = (0..65).map(|i| format!("[[contracts]]\nfile = {c}\nid = \"c{i}\"\n")).collect();
    #[cfg(unix)]
    std::os::unix::fs::symlink(d.join("loop.toml"), d.join("loop.toml")).unwrap();
    let cases = [
        (write("zero.toml", "name = \"x\"\ncontracts = []\n".into()), vec!["zero.toml:2:", "at least one contract"]),
        (write("many.toml", format!("name = \"x\"\n{many}")), vec!["many.toml:2:1", "65 contracts", "at most 64"]),
        (
            write("twice.toml", format!("{one}[[contracts]]\nfile = {c}\n")),
            vec!["twice.toml:4:1", "id `supermarket` is used by an earlier contract"],
        ),
        (
            write("dir.toml", format!("name = \"x\"\n[[contracts]]\nfile = {:?}\n", d)),
            vec!["dir.toml:3:8", "not a regular file"],
        ),
        (
            write("cap0.toml", format!("{one}[drivers.dc_capacity]\nunits_per_period = 0\n")),
            vec!["cap0.toml:5:20", "units_per_period"],
        ),
        (write("prob.toml", format!("{one}[cascade]\nclaim_probability = \"101%\"\n")), vec!["prob.toml:5:21", "101%"]),
        (
            write("war.toml", format!("{one}[drivers.price_war]\nprobability = \"101%\"\n")),
            vec!["war.toml:5:15", "101%"],
        ),
        (
            write("mixed.toml", format!("{one}[[contracts]]\nfile = {:?}\n", root().join("scenarios/ecommerce.toml"))),
            vec!["mixed.toml:5:8", "contracts[1].file", "52 periods", "share one calendar"],
        ),
        (
            write(
                "depth.toml",
                format!(
                    "{one}[drivers.price_war]\nprobability = \"50%\"\ndepth = {{ dist = \"uniform\", min = \"1\", max = \"0\" }}\n"
                ),
            ),
            vec!["depth.toml:6:9", "drivers.price_war.depth", "min 1 is above max 0"],
        ),
        (
            write("cap.toml", format!("{one}[drivers.dc_capacity]\nunits_per_period = -1\n")),
            vec!["cap.toml:5:20", "units_per_period"],
        ),
    ];
    for (file, wants) in &cases {
        refused(&["portfolio", file, "--runs", "20"], wants);
    }
    #[cfg(unix)]
    {
        let f = write("loop-member.toml", "name = \"x\"\n[[contracts]]\nfile = \"loop.toml\"\n".into());
        refused(&["portfolio", &f, "--runs", "20"], &["loop-member.toml:3:8", "loop.toml"]);
        refused(&["portfolio", &d.join("loop.toml").to_string_lossy(), "--runs", "20"], &["loop.toml"]);
    }
    refused(&["portfolio", &d.to_string_lossy(), "--runs", "20"], &["not a regular file"]);
    let huge = write("huge.toml", format!("{one}[drivers.dc_capacity]\nunits_per_period = 18446744073709551615\n"));
    let out = kasim(&["portfolio", &huge, "--runs", "20"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let _ = std::fs::remove_dir_all(&d);
}
