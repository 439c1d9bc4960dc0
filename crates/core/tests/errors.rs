//! Malformed and hostile input: every problem located (file, line, column, key path), never a
//! panic.

use std::path::Path;

use kasim_core::demo::Demo;
use kasim_core::{Error, load_str};
use proptest::prelude::*;

fn problems(src: &str) -> Vec<kasim_core::Problem> {
    match load_str(src, Path::new("c.toml"), None) {
        Err(Error::Invalid(p)) => p.problems,
        Err(other) => panic!("expected located problems, got {other}"),
        Ok(_) => panic!("expected the contract to be rejected"),
    }
}

fn line_number(src: &str, needle: &str) -> usize {
    let off = src.find(needle).expect("needle");
    src[..off].matches('\n').count() + 1
}

#[test]
fn float_money_is_rejected_at_its_position() {
    let src = Demo::default().toml("[[fees]]\nid = \"r\"\nkind = \"unconditional_rebate\"\nrate = 0.035\n");
    let ps = problems(&src);
    assert_eq!(ps.len(), 1);
    let p = &ps[0];
    assert_eq!(p.key_path, "fees[0].rate");
    assert_eq!(p.line, line_number(&src, "rate = 0.035"));
    assert_eq!(p.column, 8);
    assert!(p.message.contains("float 0.035 is not accepted"), "{}", p.message);
}

#[test]
fn tiers_that_do_not_increase_are_reported_with_their_path() {
    let src = Demo::default().toml(
        "[[fees]]\nid = \"t\"\nkind = \"tiered_rebate\"\ntiers = [\n  { threshold = \"800000\", rate = \"2%\" },\n  { threshold = \"500000\", rate = \"3%\" },\n]\n",
    );
    let ps = problems(&src);
    assert_eq!(ps.len(), 1, "{ps:?}");
    assert_eq!(ps[0].key_path, "fees[0].tiers[1].threshold");
    assert_eq!(ps[0].line, line_number(&src, "threshold = \"500000\""));
    assert!(ps[0].message.contains("strictly increase"), "{}", ps[0].message);
}

#[test]
fn every_semantic_problem_is_reported_at_once() {
    let src = Demo::default().toml(
        "[[fees]]\nid = \"a\"\nkind = \"lump_sum\"\nevent = \"entry\"\namount = \"-5\"\nperiods = [13]\n\n\
         [[fees]]\nid = \"a\"\nkind = \"guaranteed_minimum\"\nfloor = \"100\"\ncovers = [\"nope\"]\n",
    );
    let ps = problems(&src);
    let paths: Vec<&str> = ps.iter().map(|p| p.key_path.as_str()).collect();
    assert_eq!(paths, ["fees[0].amount", "fees[0].periods[0]", "fees[1].id", "fees[1].covers[0]"], "{ps:#?}");
    assert!(ps.iter().all(|p| p.line > 1));
}

#[test]
fn unknown_keys_point_at_the_key() {
    let src = Demo::default().toml("[[fees]]\nid = \"r\"\nkind = \"unconditional_rebate\"\nrat = \"3%\"\n");
    let ps = problems(&src);
    assert_eq!(ps.len(), 1);
    assert_eq!(ps[0].key_path, "fees[0].rat");
    assert_eq!(ps[0].line, line_number(&src, "rat = "));
    assert!(ps[0].message.contains("unknown field `rat`"), "{}", ps[0].message);
}

#[test]
fn unknown_kind_and_bad_enum_values_are_named() {
    let src = Demo::default().toml("[[fees]]\nid = \"r\"\nkind = \"bribe\"\namount = \"1\"\n");
    let ps = problems(&src);
    assert!(ps[0].message.contains("bribe"), "{}", ps[0].message);
    assert!(ps[0].key_path.starts_with("fees[0]"), "{}", ps[0].key_path);
}

#[test]
fn unknown_sku_references_list_the_known_ones() {
    let src = Demo::default().toml("[[plan.promotions]]\nskus = [\"Z\"]\nperiods = [2]\nslot = \"dm\"\n");
    let ps = problems(&src);
    assert_eq!(ps[0].key_path, "plan.promotions[0].skus[0]");
    assert!(ps[0].message.contains("`Z`") && ps[0].message.contains("(A)"), "{}", ps[0].message);
}

#[test]
fn syntax_errors_have_a_position() {
    let ps = problems("name = \"x\"\nsupplier = [\n");
    assert_eq!(ps.len(), 1);
    assert!(ps[0].line >= 2, "{ps:?}");
    assert!(ps[0].message.starts_with("TOML syntax error"));
}

#[test]
fn missing_supplier_file_is_located_at_the_reference() {
    let dir = std::env::temp_dir();
    let src = r#"name = "C"
supplier = "does-not-exist.toml"
[retailer]
name = "R"
channel = "hypermarket"
stores = 1
[[skus]]
sku = "A"
shelf_price = { policy = "fixed", price = "9" }
[plan]
[[plan.lines]]
sku = "A"
units_per_period = 1
"#;
    match load_str(src, Path::new("c.toml"), Some(&dir)) {
        Err(Error::Invalid(p)) => {
            let pr = &p.problems[0];
            assert_eq!((pr.line, pr.key_path.as_str()), (2, "supplier"));
            assert!(pr.message.contains("cannot read supplier file"), "{}", pr.message);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn supplier_file_problems_point_into_the_supplier_file() {
    let dir = std::env::temp_dir().join(format!("kasim-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("supplier.toml"),
        "name = \"S\"\ncost_of_capital = \"6%\"\n\n[[skus]]\nid = \"A\"\nname = \"a\"\nunit_cost = \"6\"\nlist_price = \"-1\"\n",
    )
    .unwrap();
    let contract = "name = \"C\"\nsupplier = \"supplier.toml\"\n[retailer]\nname = \"R\"\nchannel = \"hypermarket\"\nstores = 1\n\
                    [[skus]]\nsku = \"A\"\nshelf_price = { policy = \"fixed\", price = \"9\" }\n[plan]\n[[plan.lines]]\nsku = \"A\"\nunits_per_period = 1\n";
    std::fs::write(dir.join("c.toml"), contract).unwrap();
    match kasim_core::load(dir.join("c.toml")) {
        Err(Error::Invalid(p)) => {
            let pr = &p.problems[0];
            assert!(pr.file.ends_with("supplier.toml"), "{pr}");
            assert_eq!(pr.key_path, "skus[0].list_price");
            assert_eq!(pr.line, 8);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn huge_numbers_are_refused_not_overflowed() {
    let src = Demo::default()
        .toml("[[fees]]\nid = \"x\"\nkind = \"lump_sum\"\nevent = \"entry\"\namount = \"99999999999999999999\"\n");
    let ps = problems(&src);
    assert!(ps[0].message.contains("maximum"), "{}", ps[0].message);
    let src = Demo { units: Some(vec![u64::MAX]), ..Demo::default() }.toml("");
    let ps = problems(&src);
    assert!(ps.iter().any(|p| p.key_path.starts_with("plan.lines[0].units")), "{ps:?}");
}

proptest! {
    // PROPTEST_CASES=20000 for a longer hunt.
    #![proptest_config(ProptestConfig { cases: super::cases(256), ..ProptestConfig::default() })]

    /// Arbitrary text never panics the loader.
    #[test]
    fn arbitrary_text_never_panics(src in "\\PC{0,400}") {
        let _ = load_str(&src, Path::new("x.toml"), None);
    }

    /// Mutating bytes of a rich contract (every rule kind) never panics the loader or the engine.
    #[test]
    fn mutated_contracts_never_panic(
        edits in prop::collection::vec((0usize..100_000, proptest::sample::select(b"0123456789-.\"[]=%\n e".to_vec())), 1..4)
    ) {
        let mut src = Demo { skus: 3, new_listings: true, ..Demo::default() }.toml(super::invariants::EVERY_RULE).into_bytes();
        for (pos, byte) in edits {
            let i = pos % src.len();
            src[i] = byte;
        }
        if let Ok(text) = String::from_utf8(src)
            && let Ok(c) = load_str(&text, Path::new("x.toml"), None)
        {
            let _ = kasim_core::evaluate(&c);
        }
    }
}

/// Problems found after loading — a term set from the library, a drawn variant rejected by
/// `Compiled::variant`, `Compiled::new` validation — point into the file that defined the
/// value, not at `<contract>:0:0`.
#[test]
fn problems_after_loading_are_located_in_the_file() {
    let src = Demo::default()
        .toml("[payment]\ndays = 60\n\n[[fees]]\nid = \"r\"\nkind = \"unconditional_rebate\"\nrate = \"3%\"\n");
    let c = load_str(&src, Path::new("c.toml"), None).unwrap();
    let base = kasim_core::Compiled::new(&c).unwrap();
    let mut v = c.clone();
    kasim_core::terms::set(&mut v, "fees.r.rate", "1.5".parse().unwrap()).unwrap();
    for e in [kasim_core::Compiled::new(&v).unwrap_err(), base.variant(&v).unwrap_err()] {
        let p = &e.problems()[0];
        assert_eq!((p.file.as_path(), p.key_path.as_str()), (Path::new("c.toml"), "fees[0].rate"), "{e}");
        assert_eq!((p.line, p.column), (line_number(&src, "rate = \"3%\""), 8), "{e}");
    }
    // A count that does not fit is a typed term error, located at the term.
    let e = kasim_core::terms::set(&mut v, "payment.days", "-3".parse().unwrap()).unwrap_err();
    assert!(matches!(e.reason, kasim_core::terms::TermReason::NotACount { .. }), "{e}");
    let at = e.location.as_ref().unwrap();
    assert_eq!((at.key_path.as_str(), at.line), ("payment.days", line_number(&src, "days = 60")));
    // An unknown term names the alternatives.
    let e = kasim_core::terms::get(&c, "fees.r.rat").unwrap_err();
    assert_eq!(e.to_string(), "`fees.r.rat`: this rule has no such numeric term");
    assert_eq!(e.did_you_mean(), Some("rate"));
    let e = kasim_core::terms::get(&c, "fees.rr.rate").unwrap_err();
    assert_eq!(e.did_you_mean(), Some("r"));
}

/// Errors are typed: callers branch on predicates and fields, and context wraps the error.
#[test]
fn errors_have_fields_and_predicates() {
    let c = kasim_core::demo::contract("").unwrap();
    let m = kasim_core::Compiled::new(&c).unwrap();
    let wrong = kasim_core::Outcome::new(3, 1);
    let e = m.totals(&wrong).unwrap_err();
    assert!(e.is_outcome() && !e.is_overflow());
    assert!(matches!(e.outcome(), Some(kasim_core::error::OutcomeError::Shape { periods: 3, .. })));
    let e = e.in_file("c.toml");
    assert!(e.is_outcome(), "predicates look through context");
    assert!(e.to_string().starts_with("c.toml: outcome has 3 periods"), "{e}");
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("kasim-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const SUPPLIER_CONTRACT: &str = "name = \"C\"\nsupplier = \"supplier.toml\"\n[retailer]\nname = \"R\"\nchannel = \"hypermarket\"\nstores = 1\n\
     [[skus]]\nsku = \"A\"\nshelf_price = { policy = \"fixed\", price = \"9\" }\n[plan]\n[[plan.lines]]\nsku = \"A\"\nunits_per_period = 1\n";

/// Non-regular and oversized files are refused before they are read (a FIFO would block, a
/// device never end, a sparse 1 GB file would be read into memory), naming the path — for the
/// contract and for the supplier file it references.
#[cfg(unix)]
#[test]
fn input_files_are_regular_and_bounded() {
    use kasim_core::error::InputError;
    let dir = temp_dir("input");
    // A FIFO: opening it would block forever.
    let fifo = dir.join("fifo.toml");
    let _ = std::fs::remove_file(&fifo);
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let e = kasim_core::load(&fifo).unwrap_err();
    assert!(
        matches!(&e, Error::Input { path, reason: InputError::NotARegularFile { kind } } if path == &fifo && kind.contains("FIFO")),
        "{e}"
    );
    assert!(e.to_string().contains("fifo.toml") && e.is_input(), "{e}");
    assert!(!kasim_core::load::is_supplier_file(&fifo), "the supplier sniffing must not block either");
    // A device.
    let e = kasim_core::load("/dev/zero").unwrap_err();
    assert!(
        matches!(e, Error::Input { reason: InputError::NotARegularFile { kind: "a character device" }, .. }),
        "{e}"
    );
    // A directory.
    let e = kasim_core::load(&dir).unwrap_err();
    assert!(matches!(e, Error::Input { reason: InputError::NotARegularFile { kind: "a directory" }, .. }), "{e}");
    // A sparse 1 GB file: refused from its size, nothing read.
    let big = dir.join("big.toml");
    std::fs::File::create(&big).unwrap().set_len(1 << 30).unwrap();
    let e = kasim_core::load(&big).unwrap_err();
    assert!(
        matches!(e, Error::Input { reason: InputError::TooLarge { size: Some(s), limit }, .. } if s == 1 << 30 && limit == kasim_core::load::MAX_FILE_BYTES),
        "{e}"
    );
    // Just above the limit is refused, the limit itself is read.
    std::fs::File::create(&big).unwrap().set_len(kasim_core::load::MAX_FILE_BYTES + 1).unwrap();
    assert!(kasim_core::load(&big).unwrap_err().is_input());
    // The supplier file: refused, located at the contract's `supplier` key.
    for (target, why) in [(&fifo, "FIFO"), (&big, "larger than the limit")] {
        let sup = dir.join("supplier.toml");
        let _ = std::fs::remove_file(&sup);
        std::os::unix::fs::symlink(target, &sup).unwrap();
        std::fs::write(dir.join("c.toml"), SUPPLIER_CONTRACT).unwrap();
        let e = kasim_core::load(dir.join("c.toml")).unwrap_err();
        let p = &e.problems()[0];
        assert_eq!((p.key_path.as_str(), p.line), ("supplier", 2), "{e}");
        assert!(p.message.contains("supplier.toml") && p.message.contains(why), "{e}");
        std::fs::remove_file(&sup).unwrap();
    }
    std::fs::remove_file(&big).unwrap();
}

/// A file saved as GBK (a Chinese Windows editor) is located at its first bad byte, with the
/// encoding guessed; a Latin-1 file gets another guess.
#[test]
fn files_that_are_not_utf8_are_located_with_the_encoding_guessed() {
    let dir = temp_dir("utf8");
    let f = dir.join("gbk.toml");
    // "保底" in GBK is B1 A3 B5 D7.
    let mut bytes = b"name = \"C\"\n# ok\nfloor_note = \"".to_vec();
    bytes.extend([0xB1, 0xA3, 0xB5, 0xD7]);
    bytes.extend(b"\"\n");
    std::fs::write(&f, &bytes).unwrap();
    let e = kasim_core::load(&f).unwrap_err();
    let p = &e.problems()[0];
    assert_eq!((p.line, p.column), (3, 15), "{e}");
    assert!(p.message.contains("not UTF-8") && p.message.contains("GBK/GB18030"), "{e}");
    assert!(p.message.contains("re-save it as UTF-8") && p.message.contains("0xB1"), "{e}");
    std::fs::write(&f, b"name = \"Caf\xE9\"\n").unwrap();
    let e = kasim_core::load(&f).unwrap_err();
    let p = &e.problems()[0];
    assert_eq!((p.line, p.column), (1, 12), "{e}");
    assert!(p.message.contains("Latin-1"), "{e}");
    // In a supplier file: located at the reference, with the supplier file's line and column.
    std::fs::write(dir.join("supplier.toml"), &bytes).unwrap();
    std::fs::write(dir.join("c.toml"), SUPPLIER_CONTRACT).unwrap();
    let e = kasim_core::load(dir.join("c.toml")).unwrap_err();
    let p = &e.problems()[0];
    assert_eq!(p.key_path, "supplier", "{e}");
    assert!(p.message.contains("line 3, column 15") && p.message.contains("GBK"), "{e}");
}

/// A contract can name any local file as its supplier: its text is never echoed when it is not
/// TOML or not a supplier file, and a malformed supplier file shows only its offending line.
#[test]
fn supplier_files_that_are_not_supplier_files_are_not_echoed() {
    let dir = temp_dir("echo");
    std::fs::write(dir.join("c.toml"), SUPPLIER_CONTRACT).unwrap();
    let secret = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n";
    let not_supplier = "title = \"secret-notes\"\n[db]\npassword = \"hunter2\"\n";
    for (text, why) in [(secret, "is not a TOML file"), (not_supplier, "is not a supplier file")] {
        std::fs::write(dir.join("supplier.toml"), text).unwrap();
        let Err(Error::Invalid(p)) = kasim_core::load(dir.join("c.toml")) else { panic!("expected problems") };
        assert_eq!(p.problems.len(), 1, "{p}");
        assert_eq!((p.problems[0].key_path.as_str(), p.problems[0].line), ("supplier", 2), "{p}");
        assert!(p.problems[0].message.contains(why), "{p}");
        assert!(!p.to_string().contains("root:") && !p.to_string().contains("hunter2"), "{p}");
        assert!(p.sources.iter().all(|(_, s)| !s.contains("root:") && !s.contains("hunter2")), "no source to echo");
    }
    // A supplier file with a bad value: its snippet text keeps only the offending line.
    std::fs::write(
        dir.join("supplier.toml"),
        "name = \"S\"\ncost_of_capital = \"6%\"\n# private\n[[skus]]\nid = \"A\"\nname = \"a\"\nunit_cost = \"x\"\nlist_price = \"10\"\n",
    )
    .unwrap();
    let Err(Error::Invalid(p)) = kasim_core::load(dir.join("c.toml")) else { panic!("expected problems") };
    let pr = &p.problems[0];
    assert!(pr.file.ends_with("supplier.toml") && pr.line == 7, "{p}");
    let text = p.source_of(&pr.file).unwrap();
    assert!(text.contains("unit_cost = \"x\"") && !text.contains("private") && !text.contains("list_price"), "{text}");
    assert_eq!(text.len(), std::fs::read_to_string(dir.join("supplier.toml")).unwrap().len(), "offsets kept");
}

/// Money errors point at the key, not the `[[fees]]` header; a nesting too deep for the parser
/// points at its line; planned units above the cell maximum point at the plan line.
#[test]
fn errors_point_at_the_key_they_concern() {
    let src = Demo::default()
        .toml("[[fees]]\nid = \"x\"\nkind = \"lump_sum\"\nevent = \"entry\"\namount = \"99999999999999999999\"\n");
    let ps = problems(&src);
    assert_eq!((ps[0].key_path.as_str(), ps[0].line), ("fees[0].amount", line_number(&src, "amount = ")), "{ps:?}");
    assert_eq!(ps[0].column, 10);
    // Written as an integer with separators, the value text does not match: the key is found anyway.
    let src = Demo::default()
        .toml("[[fees]]\nid = \"x\"\nkind = \"lump_sum\"\nevent = \"entry\"\namount = 9_999_999_999_999_999\n");
    let ps = problems(&src);
    assert_eq!((ps[0].key_path.as_str(), ps[0].line), ("fees[0].amount", line_number(&src, "amount = ")), "{ps:?}");
    // A type error serde reports at the table, with required keys before it: the bad key.
    let src = Demo::default()
        .toml("[[fees]]\nid = \"x\"\nkind = \"lump_sum\"\nevent = \"entry\"\namount = \"5\"\nperiods = \"x\"\n");
    let ps = problems(&src);
    assert_eq!((ps[0].key_path.as_str(), ps[0].line), ("fees[0].periods", line_number(&src, "periods = ")), "{ps:?}");
    let deep = format!("[{}]\n", vec!["a"; 200].join("."));
    let src = format!("{}\n# deep\n{deep}", Demo::default().toml(""));
    let ps = problems(&src);
    assert_eq!(ps[0].line, line_number(&src, "[a.a.a"), "{ps:?}");
    assert!(ps[0].message.contains("recursion limit"), "{ps:?}");
    let src = Demo { units: Some(vec![1_000_000_000]), ..Demo::default() }
        .toml("[[plan.promotions]]\nskus = [\"A\"]\nperiods = [1]\nslot = \"dm\"\nuplift = \"2\"\n");
    let c = load_str(&src, Path::new("c.toml"), None).unwrap();
    let e = kasim_core::Compiled::new(&c).unwrap_err();
    let p = &e.problems()[0];
    assert_eq!((p.key_path.as_str(), p.line), ("plan.lines[0].units[0]", line_number(&src, "units = [")), "{e}");
    assert!(p.message.contains("planned units 2000000000 of SKU `A` in period 1 exceed the maximum"), "{e}");
}

/// One run reports a problem in every fee rule, not only the first; unknown names get a
/// "did you mean"; the usual slips get hints or are accepted.
#[test]
fn every_entry_is_checked_and_slips_get_hints() {
    let src = Demo::default().toml(
        "[[fees]]\nid = \"x\"\nkind = \"lump_sum\"\nevent = \"entry\"\namount = \"1\"\n\
         [[fees]]\nid = \"y\"\nkind = \"lump_sum\"\nevent = \"entry\"\namount = \"x\"\n\
         [[fees]]\nid = \"z\"\nkind = \"unconditional_rebate\"\nrat = \"3%\"\n\
         [[fees]]\nid = \"k\"\nkind = \"unconditional_rebat\"\nrate = \"3%\"\n",
    );
    let ps = problems(&src);
    let paths: Vec<&str> = ps.iter().map(|p| p.key_path.as_str()).collect();
    assert_eq!(paths, ["fees[1].amount", "fees[2].rat", "fees[3].kind"], "{ps:#?}");
    assert_eq!(ps[1].line, line_number(&src, "rat = "));
    assert!(ps[1].message.ends_with("did you mean `rate`?"), "{}", ps[1].message);
    assert!(ps[2].message.ends_with("did you mean `unconditional_rebate`?"), "{}", ps[2].message);
    // Other arrays of tables too: a bad SKU, a bad plan line and a bad fee, all at once.
    let src = Demo { skus: 2, ..Demo::default() }
        .toml("[[fees]]\nid = \"y\"\nkind = \"lump_sum\"\nevent = \"entry\"\namount = \"x\"\n")
        .replacen("margin = \"30%\"", "margin = \"30\u{25A1}\"", 1)
        .replacen("units_per_period = 10000", "units_per_period = \"lots\"", 1);
    let ps = problems(&src);
    let paths: Vec<&str> = ps.iter().map(|p| p.key_path.as_str()).collect();
    assert_eq!(paths, ["skus[0].shelf_price.margin", "plan.lines[0].units_per_period", "fees[0].amount"], "{ps:#?}");
    // SKU ids.
    let src = Demo { skus: 2, ..Demo::default() }
        .toml("[[fees]]\nid = \"r\"\nkind = \"unconditional_rebate\"\nrate = \"3%\"\nskus = [\"AA\"]\n")
        .replace("id = \"A\"", "id = \"SNK-01\"")
        .replace("sku = \"A\"", "sku = \"SNK-01\"")
        .replace("skus = [\"AA\"]", "skus = [\"SNK-10\"]");
    let ps = problems(&src);
    assert!(ps[0].message.contains("did you mean `SNK-01`?"), "{ps:?}");
    // `rate = 15` is 1500%: say how to write 15%.
    let src = Demo::default().toml("[[fees]]\nid = \"r\"\nkind = \"unconditional_rebate\"\nrate = 15\n");
    let ps = problems(&src);
    assert!(ps[0].message.contains("write \"15%\""), "{}", ps[0].message);
    // A full-width percent sign and 万/亿 amounts are accepted, exactly.
    let c = kasim_core::demo::contract(
        "[[fees]]\nid = \"r\"\nkind = \"unconditional_rebate\"\nrate = \"3％\"\n\
         [[fees]]\nid = \"e\"\nkind = \"lump_sum\"\nevent = \"entry\"\namount = \"1.5万\"\n",
    )
    .unwrap();
    let s = kasim_core::evaluate(&c).unwrap();
    assert_eq!(s.pnl.fees_total.to_string(), "51000.00"); // 3% × 1,200,000 + 15,000
    assert_eq!("150万".parse::<kasim_core::money::Money>().unwrap().0, rust_decimal::Decimal::from(1_500_000));
    assert_eq!("1.2亿".parse::<kasim_core::money::Money>().unwrap().0, rust_decimal::Decimal::from(120_000_000));
    assert!("1万亿".parse::<kasim_core::money::Money>().is_err());
    assert!("20000亿".parse::<kasim_core::money::Money>().unwrap_err().contains("maximum"));
}

/// Arrays where tables belong (fields given positionally) are refused with the shape expected.
#[test]
fn arrays_where_tables_belong_are_refused() {
    let base = Demo::default().toml("");
    let cases = [
        (
            base.replace(
                "shelf_price = { policy = \"retail_minus\", margin = \"30%\" }",
                "shelf_price = [\"retail_minus\", \"28%\"]",
            ),
            "skus[0].shelf_price",
            "policy = ",
        ),
        (
            Demo::default().toml("[[fees]]\nid = \"t\"\nkind = \"tiered_rebate\"\ntiers = [[\"0\", \"1%\"]]\n"),
            "fees[0].tiers[0]",
            "threshold",
        ),
        (
            Demo::default().toml("[payment]\ndays = 30\nearly_payment = [\"2%\", 10]\n"),
            "payment.early_payment",
            "discount",
        ),
        (
            base.replace("stores = 100\n", "stores = 100\nstore_openings = [[4, 2]]\n"),
            "retailer.store_openings[0]",
            "period",
        ),
        (
            Demo::default().toml("[uncertainty]\ncorrelations = [[\"demand\", \"fill_rate\", \"30%\"]]\n"),
            "uncertainty.correlations[0]",
            "rho",
        ),
    ];
    for (src, path, shape) in cases {
        let ps = problems(&src);
        assert_eq!(ps[0].key_path, path, "{ps:?}");
        assert!(
            ps[0].message.starts_with("expected a table here, not an array") && ps[0].message.contains(shape),
            "{ps:?}"
        );
        assert!(ps[0].line > 1);
    }
}

/// What a simulation would refuse is refused at validation, located at the key: correlations
/// that are impossible together (or ρ = 100% off the diagonal), and a drawn term whose range
/// leaves its rule's bounds (with the real bound, not 4,294,967,295).
#[test]
fn validation_refuses_what_simulation_would() {
    let unc = "[uncertainty]\ndemand_cv = \"20%\"\nfill_rate = { dist = \"uniform\", min = \"90%\", max = \"100%\" }\n\
               promo_uplift = { dist = \"uniform\", min = \"1\", max = \"2\" }\n";
    let src = Demo::default().toml(&format!(
        "{unc}[[uncertainty.correlations]]\na = \"demand\"\nb = \"fill_rate\"\nrho = \"60%\"\n\
         [[uncertainty.correlations]]\na = \"demand\"\nb = \"promo_uplift\"\nrho = \"60%\"\n\
         [[uncertainty.correlations]]\na = \"fill_rate\"\nb = \"promo_uplift\"\nrho = \"-60%\"\n"
    ));
    let ps = problems(&src);
    assert_eq!(ps.len(), 1, "{ps:?}");
    assert_eq!(
        (ps[0].key_path.as_str(), ps[0].line),
        ("uncertainty.correlations[2].rho", line_number(&src, "rho = \"-60%\""))
    );
    assert!(ps[0].message.contains("not positive definite"), "{}", ps[0].message);
    let src = Demo::default()
        .toml(&format!("{unc}[[uncertainty.correlations]]\na = \"demand\"\nb = \"fill_rate\"\nrho = \"100%\"\n"));
    let ps = problems(&src);
    assert_eq!(ps[0].key_path, "uncertainty.correlations[0].rho", "{ps:?}");
    assert!(ps[0].message.contains("strictly between"), "{}", ps[0].message);
    // Valid correlations still pass.
    let ok = Demo::default()
        .toml(&format!("{unc}[[uncertainty.correlations]]\na = \"demand\"\nb = \"fill_rate\"\nrho = \"50%\"\n"));
    load_str(&ok, Path::new("c.toml"), None).unwrap();
    // The whole matrix is checked, not each correlation as it is added: 90% between each pair
    // of three drivers is positive definite, though the first two alone (third at 0) are not.
    let ok = Demo::default().toml(&format!(
        "{unc}[[uncertainty.correlations]]\na = \"demand\"\nb = \"fill_rate\"\nrho = \"90%\"\n\
         [[uncertainty.correlations]]\na = \"demand\"\nb = \"promo_uplift\"\nrho = \"90%\"\n\
         [[uncertainty.correlations]]\na = \"fill_rate\"\nb = \"promo_uplift\"\nrho = \"90%\"\n"
    ));
    load_str(&ok, Path::new("c.toml"), None).unwrap();
    // A drawn rate reaching 139%.
    let src = Demo::default().toml(
        "[[fees]]\nid = \"r\"\nkind = \"unconditional_rebate\"\nrate = \"3%\"\n\
         [uncertainty]\n[[uncertainty.terms]]\npath = \"fees.r.rate\"\ndist = \"uniform\"\nmin = \"1%\"\nmax = \"139%\"\n",
    );
    let ps = problems(&src);
    assert_eq!(ps.len(), 1, "{ps:?}");
    assert_eq!(
        (ps[0].key_path.as_str(), ps[0].line),
        ("uncertainty.terms[0].max", line_number(&src, "max = \"139%\""))
    );
    assert!(ps[0].message.contains("1.39") && ps[0].message.contains("between 0% and 100%"), "{}", ps[0].message);
    // A store count beyond the real bound names 1,000,000.
    let src = Demo::default().toml(
        "[uncertainty]\n[[uncertainty.terms]]\npath = \"retailer.stores\"\ndist = \"uniform\"\nmin = 50\nmax = 9000000000\n",
    );
    let ps = problems(&src);
    assert_eq!(ps[0].key_path, "uncertainty.terms[0].max", "{ps:?}");
    assert!(ps[0].message.contains("1,000,000") && !ps[0].message.contains("4,294,967,295"), "{}", ps[0].message);
}

/// `extends = "…"`: the merge rules, chains and cycles, and locations in the file that states
/// each value (docs/contract-format.md, "Extending a contract (extends)").
mod extends {
    use std::path::{Path, PathBuf};

    use kasim_core::demo::Demo;
    use kasim_core::source::OriginStatus;
    use kasim_core::{Contract, Error, load, load_str};
    use rust_decimal::Decimal;

    /// A fresh directory for one test.
    fn dir(tag: &str) -> PathBuf {
        let d = super::temp_dir(&format!("extends-{tag}"));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Last year: two SKUs, three rules (entry 20,000; rebate 2%; DM 1,500 × 4).
    fn last_year() -> String {
        Demo { skus: 2, ..Demo::default() }.toml(
            "[payment]\ndays = 60\ncost_of_capital = \"5%\"\n\n\
             [[fees]]\nid = \"entry\"\nkind = \"lump_sum\"\nevent = \"entry\"\namount = \"20000\"\nperiods = [1]\n\n\
             [[fees]]\nid = \"rebate\"\nkind = \"unconditional_rebate\"\nrate = \"2%\"\n\n\
             [[fees]]\nid = \"dm\"\nkind = \"dm_fee\"\nprice = \"1500\"\ncontracted = 4\n",
        )
    }

    fn problems(r: Result<Contract, Error>) -> Vec<kasim_core::Problem> {
        match r {
            Err(Error::Invalid(p)) => p.problems,
            Err(other) => panic!("expected located problems, got {other}"),
            Ok(_) => panic!("expected the contract to be rejected"),
        }
    }

    fn ids(c: &Contract) -> Vec<&str> {
        c.fees.iter().map(|f| f.id.as_str()).collect()
    }

    fn line_of(path: &Path, needle: &str) -> usize {
        super::line_number(&std::fs::read_to_string(path).unwrap(), needle)
    }

    fn origin<'a>(o: &'a [kasim_core::source::TermOrigin], item: &str) -> &'a kasim_core::source::TermOrigin {
        o.iter().find(|x| x.item == item).unwrap_or_else(|| panic!("no origin for {item}: {o:?}"))
    }

    #[test]
    fn tables_merge_by_key() {
        let d = dir("tables");
        write(&d, "last.toml", &last_year());
        let c =
            load(write(&d, "draft.toml", "extends = \"last.toml\"\n[payment]\ndays = 90\n[retailer]\nstores = 120\n"))
                .unwrap();
        assert_eq!(c.payment.days, 90);
        assert_eq!(c.payment.cost_of_capital, Some("5%".parse().unwrap()), "an unstated key of a merged table is kept");
        assert_eq!((c.retailer.name.as_str(), c.retailer.stores), ("Demo Mart", 120));
        assert_eq!(c.name, "Demo 2027");
    }

    #[test]
    fn fee_rules_merge_by_id_and_new_ones_are_appended() {
        let d = dir("by-id");
        write(&d, "last.toml", &last_year());
        let draft = "extends = \"last.toml\"\n\
            [[fees]]\nid = \"festival\"\nkind = \"lump_sum\"\nevent = \"festival\"\namount = \"300\"\nper = \"store\"\nperiods = [1]\n\
            [[fees]]\nid = \"rebate\"\nrate = \"4%\"\n";
        let c = load(write(&d, "draft.toml", draft)).unwrap();
        assert_eq!(ids(&c), ["entry", "rebate", "dm", "festival"], "parent's order, then the new rule");
        assert_eq!(c.fees[1].kind(), kasim_core::fees::FeeKind::UnconditionalRebate);
        // Fees: 20,000 + 4% × 2,400,000 of purchases + 4 × 1,500 + 300 × 100 stores.
        let s = kasim_core::evaluate(&c).unwrap();
        assert_eq!(s.pnl.fees_total, Decimal::from(20_000 + 96_000 + 6_000 + 30_000));
    }

    #[test]
    fn a_rule_of_another_kind_replaces_the_inherited_one_whole() {
        let d = dir("kind");
        write(&d, "last.toml", &last_year());
        let c = load(write(
            &d,
            "draft.toml",
            "extends = \"last.toml\"\n[[fees]]\nid = \"rebate\"\nkind = \"service_fee\"\nrate = \"1%\"\n",
        ))
        .unwrap();
        assert_eq!(c.fees[1].rule.kind(), kasim_core::fees::FeeKind::ServiceFee);
    }

    #[test]
    fn remove_true_removes_an_inherited_rule() {
        let d = dir("remove");
        write(&d, "last.toml", &last_year());
        let draft = write(&d, "draft.toml", "extends = \"last.toml\"\n\n[[fees]]\nid = \"dm\"\nremove = true\n");
        let c = load(&draft).unwrap();
        assert_eq!(ids(&c), ["entry", "rebate"]);
        let o = c.source.provenance();
        let dm = origin(&o, "fees.dm");
        assert_eq!((dm.status, dm.file.as_path(), dm.line), (OriginStatus::Removed, draft.as_path(), 3));
        assert_eq!(origin(&o, "fees.entry").status, OriginStatus::Inherited);
    }

    #[test]
    fn removing_an_id_nothing_inherits_is_a_located_error() {
        let d = dir("remove-unknown");
        write(&d, "last.toml", &last_year());
        let draft = write(&d, "draft.toml", "extends = \"last.toml\"\n\n[[fees]]\nid = \"dms\"\nremove = true\n");
        let ps = problems(load(&draft));
        assert_eq!(ps.len(), 1);
        assert_eq!((ps[0].file.as_path(), ps[0].line, ps[0].key_path.as_str()), (draft.as_path(), 4, "fees[0].id"));
        assert!(ps[0].message.contains("`dms`") && ps[0].message.contains("did you mean `dm`"), "{}", ps[0].message);
        // A removal with other keys, or `remove = false`, is refused too.
        let extra =
            write(&d, "extra.toml", "extends = \"last.toml\"\n[[fees]]\nid = \"dm\"\nremove = true\nprice = \"1\"\n");
        assert!(problems(load(extra))[0].message.contains("`price` would be lost"));
        let no = write(&d, "no.toml", "extends = \"last.toml\"\n[[fees]]\nid = \"dm\"\nremove = false\n");
        assert_eq!(problems(load(no))[0].key_path, "fees[0].remove");
        // In a file that extends nothing, `remove` has nothing to remove.
        let base = write(&d, "base.toml", &format!("{}\n[[fees]]\nid = \"x\"\nremove = true\n", last_year()));
        let top = write(&d, "top.toml", "extends = \"base.toml\"\n");
        let ps = problems(load(top));
        assert_eq!((ps[0].file.as_path(), ps[0].key_path.as_str()), (base.as_path(), "fees[3].remove"));
    }

    #[test]
    fn other_arrays_are_replaced_whole() {
        let d = dir("arrays");
        write(&d, "last.toml", &last_year());
        let c = load(write(
            &d,
            "draft.toml",
            "extends = \"last.toml\"\n[[fees]]\nid = \"entry\"\nperiods = [3]\n\
             [plan]\nseasonality = [\"1\", \"1\", \"1\", \"1\", \"1\", \"1\", \"1\", \"1\", \"1\", \"1\", \"1\", \"2\"]\n",
        ))
        .unwrap();
        let entry = toml::to_string(&c.fees[0]).unwrap();
        assert!(entry.contains("periods = [3]"), "{entry}");
        assert_eq!(c.plan.seasonality.len(), 12);
        assert_eq!(c.plan.lines.len(), 2, "plan lines merge by sku: both inherited");
        let s = kasim_core::evaluate(&c).unwrap();
        assert!(s.ledger.iter().any(|l| l.rule == "entry" && l.period == 3));
    }

    #[test]
    fn skus_and_plan_lines_merge_by_sku() {
        let d = dir("skus");
        write(&d, "last.toml", &last_year());
        let c = load(write(
            &d,
            "draft.toml",
            "extends = \"last.toml\"\n[[skus]]\nsku = \"B\"\ninvoice_price = \"9.50\"\n\
             [[plan.lines]]\nsku = \"B\"\nunits_per_period = 500\n",
        ))
        .unwrap();
        assert_eq!(c.skus.len(), 2);
        assert_eq!(c.skus[1].invoice_price, Some("9.50".parse().unwrap()));
        assert_eq!(c.plan.lines[1].units_per_period, Some(500));
        assert_eq!(c.plan.lines[0].units_per_period, Some(10_000));
    }

    #[test]
    fn a_cycle_is_refused_naming_the_chain() {
        let d = dir("cycle");
        let a = write(&d, "a.toml", "extends = \"b.toml\"\n");
        write(&d, "b.toml", "# b\nextends = \"a.toml\"\n");
        let ps = problems(load(&a));
        assert_eq!((ps[0].file.as_path(), ps[0].line), (d.join("b.toml").as_path(), 2));
        assert!(ps[0].message.contains("a.toml → ") && ps[0].message.contains("b.toml → "), "{}", ps[0].message);
        let own = write(&d, "self.toml", "extends = \"self.toml\"\n");
        assert!(problems(load(own))[0].message.contains("cycle"));
    }

    #[test]
    fn a_chain_of_three_merges_in_order_and_locates_each_value_in_its_file() {
        let d = dir("chain");
        write(&d, "2025.toml", &last_year());
        write(
            &d,
            "y/2026.toml",
            "extends = \"../2025.toml\"\nname = \"2026\"\n[[fees]]\nid = \"rebate\"\nrate = \"3%\"\n",
        );
        let c_path =
            write(&d, "z/2027.toml", "extends = \"../y/2026.toml\"\n[[fees]]\nid = \"entry\"\namount = \"40000\"\n");
        let c = load(&c_path).unwrap();
        assert_eq!(c.name, "2026");
        // Parents are named as `extends` joins them to the directory of the file naming them.
        let (b, a) = (d.join("z/../y/2026.toml"), d.join("z/../y/../2025.toml"));
        assert_eq!(c.source.files(), [c_path.as_path(), b.as_path(), a.as_path()]);
        let o = c.source.provenance();
        let (entry, rebate, dm) = (origin(&o, "fees.entry"), origin(&o, "fees.rebate"), origin(&o, "fees.dm"));
        assert_eq!(
            (entry.status, entry.file.as_path(), entry.changed.as_slice()),
            (OriginStatus::Overridden, c_path.as_path(), &["amount".to_string()][..])
        );
        assert_eq!((rebate.status, rebate.file.as_path(), rebate.line), (OriginStatus::Overridden, b.as_path(), 3));
        assert_eq!((dm.status, dm.file.as_path()), (OriginStatus::Inherited, a.as_path()));
        assert_eq!(dm.line, line_of(&a, "id = \"dm\"") - 1, "the line of the rule's [[fees]] header");

        // A bad value is reported in the file that states it.
        write(&d, "y/2026.toml", "extends = \"../2025.toml\"\n[[fees]]\nid = \"rebate\"\nrate = \"130%\"\n");
        let ps = problems(load(&c_path));
        assert_eq!((ps[0].file.as_path(), ps[0].line, ps[0].key_path.as_str()), (b.as_path(), 4, "fees[0].rate"));
        // …and so is a problem found after loading (a term set to a bad value).
        write(&d, "y/2026.toml", "extends = \"../2025.toml\"\n");
        let c = load(&c_path).unwrap();
        let p = c.source.locate("fees[2].price", "x".into());
        assert_eq!((p.file.as_path(), p.line), (a.as_path(), line_of(&a, "price = \"1500\"")));
        let p = c.source.locate("fees[0].amount", "x".into());
        assert_eq!((p.file.as_path(), p.line, p.key_path.as_str()), (c_path.as_path(), 4, "fees[0].amount"));
    }

    #[test]
    fn inherited_and_overridden_bad_values_point_into_their_files() {
        let d = dir("locations");
        let last = last_year().replacen("margin = \"30%\"", "margin = \"130%\"", 1);
        let parent = write(&d, "last.toml", &last);
        let child = write(&d, "draft.toml", "extends = \"last.toml\"\n\n[[fees]]\nid = \"rebate\"\nrate = \"140%\"\n");
        let ps = problems(load(&child));
        assert_eq!(ps.len(), 2, "{ps:?}");
        let margin = ps.iter().find(|p| p.message.contains("130%")).unwrap();
        assert_eq!((margin.file.as_path(), margin.line), (parent.as_path(), line_of(&parent, "margin = \"130%\"")));
        let rate = ps.iter().find(|p| p.message.contains("140%")).unwrap();
        assert_eq!((rate.file.as_path(), rate.line, rate.key_path.as_str()), (child.as_path(), 5, "fees[0].rate"));
        // Serde problems of the merged document are located too: an unknown key in the child.
        let typo = write(&d, "typo.toml", "extends = \"last.toml\"\n[[fees]]\nid = \"dm\"\nprise = \"3000\"\n");
        let ps = problems(load(&typo));
        assert_eq!((ps[0].file.as_path(), ps[0].line), (typo.as_path(), 4), "{ps:?}");
        // Floats are refused in each file on its own.
        let float = write(&d, "float.toml", "extends = \"last.toml\"\n[[fees]]\nid = \"rebate\"\nrate = 0.04\n");
        let ps = problems(load(&float));
        assert_eq!((ps[0].file.as_path(), ps[0].line), (float.as_path(), 4));
    }

    #[test]
    fn warnings_on_inherited_rules_point_into_the_parent() {
        let d = dir("warnings");
        let last = format!(
            "{}\n[[fees]]\nid = \"listing\"\nkind = \"listing\"\namount = \"1500\"\nper = \"store\"\n",
            last_year()
        );
        let parent = write(&d, "last.toml", &last);
        let c = load(write(&d, "draft.toml", "extends = \"last.toml\"\n[[fees]]\nid = \"dm\"\nprice = \"3000\"\n"))
            .unwrap();
        let w = kasim_core::validate::located_warnings(&c);
        let listing =
            w.problems.iter().find(|p| p.message.contains("listing fee can never charge")).expect("the warning");
        assert_eq!(
            (listing.file.as_path(), listing.line),
            (parent.as_path(), line_of(&parent, "id = \"listing\"") - 1)
        );
        assert_eq!(w.sources.len(), 2, "both files' texts, for snippets");
    }

    #[test]
    fn a_missing_parent_is_located_at_extends() {
        let d = dir("missing");
        let child = write(&d, "draft.toml", "# draft\nextends = \"nowhere.toml\"\n");
        let ps = problems(load(&child));
        assert_eq!(
            (ps[0].file.as_path(), ps[0].line, ps[0].column, ps[0].key_path.as_str()),
            (child.as_path(), 2, 11, "extends")
        );
        assert!(ps[0].message.contains("nowhere.toml"), "{}", ps[0].message);
        let bad = write(&d, "bad.toml", "extends = 2026\n");
        assert!(problems(load(bad))[0].message.contains("as a string"));
    }

    #[test]
    fn a_supplier_file_is_relative_to_the_file_that_names_it() {
        let d = dir("supplier");
        write(
            &d,
            "2026/supplier.toml",
            "name = \"S\"\ncost_of_capital = \"6%\"\n[[skus]]\nid = \"A\"\nname = \"A\"\nunit_cost = \"5\"\nlist_price = \"8\"\n",
        );
        write(&d, "2026/contract.toml", super::SUPPLIER_CONTRACT);
        let c = load(write(&d, "2027/draft.toml", "extends = \"../2026/contract.toml\"\nname = \"Draft\"\n")).unwrap();
        assert_eq!(c.supplier().unwrap().name, "S");
        // A supplier file named in the draft is relative to the draft.
        write(
            &d,
            "2027/supplier.toml",
            "name = \"S2027\"\ncost_of_capital = \"6%\"\n[[skus]]\nid = \"A\"\nname = \"A\"\nunit_cost = \"5\"\nlist_price = \"8\"\n",
        );
        let c = load(write(&d, "2027/own.toml", "extends = \"../2026/contract.toml\"\nsupplier = \"supplier.toml\"\n"))
            .unwrap();
        assert_eq!(c.supplier().unwrap().name, "S2027");
        // A missing inherited supplier file is located at the parent's `supplier`.
        std::fs::remove_file(d.join("2026/supplier.toml")).unwrap();
        let ps = problems(load(d.join("2027/draft.toml")));
        assert_eq!((ps[0].file.as_path(), ps[0].line), (d.join("2027/../2026/contract.toml").as_path(), 2));
    }

    #[test]
    fn text_without_a_directory_cannot_extend() {
        let ps = problems(load_str("extends = \"last.toml\"\nname = \"x\"\n", Path::new("draft.toml"), None));
        assert_eq!((ps[0].line, ps[0].key_path.as_str()), (1, "extends"));
        assert!(ps[0].message.contains("given as text"), "{}", ps[0].message);
        // `extends` in a value or a comment is not the key.
        let c = kasim_core::demo::contract("# extends = \"x\"\n").unwrap();
        assert!(!c.source.extends());
    }

    #[test]
    fn chains_are_bounded() {
        let d = dir("depth");
        write(&d, "c0.toml", &last_year());
        for i in 1..=kasim_core::extends::MAX_DEPTH {
            write(&d, &format!("c{i}.toml"), &format!("extends = \"c{}.toml\"\n", i - 1));
        }
        let longest = kasim_core::extends::MAX_DEPTH - 1;
        assert!(load(d.join(format!("c{longest}.toml"))).is_ok());
        let ps = problems(load(d.join(format!("c{}.toml", longest + 1))));
        assert!(ps[0].message.contains("too many files"), "{}", ps[0].message);
    }

    #[test]
    fn the_schema_accepts_a_file_that_extends_another() {
        let s = kasim_core::contract_schema();
        let alternatives = s["anyOf"].as_array().expect("a contract or a draft");
        let draft = alternatives.iter().find(|a| a["required"] == serde_json::json!(["extends"])).unwrap();
        assert_eq!(draft["properties"]["fees"]["items"]["properties"]["remove"]["const"], true);
        assert!(alternatives[0]["properties"]["fees"].is_object(), "the full contract is the other alternative");
    }
}
