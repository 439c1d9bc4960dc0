//! The multi-year run: the `[multi_year]` spec's located errors, the state carried across
//! years (slot loss, delisting, replacement listings), a one-year run equal to the portfolio,
//! determinism at any thread count and across scenario ranges.

use std::path::{Path, PathBuf};

use kasim_core::demo::Demo;
use kasim_core::multiyear::NewListings;
use kasim_core::portfolio::load_portfolio;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kasim-multiyear-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(d: &Path, file: &str, text: &str) -> PathBuf {
    let p = d.join(file);
    std::fs::write(&p, text).unwrap();
    p
}

fn portfolio_text(contracts: &[&str], extra: &str) -> String {
    let mut s = String::from("name = \"Test channel\"\n");
    for c in contracts {
        s.push_str(&format!("\n[[contracts]]\nfile = \"{c}\"\n"));
    }
    s.push('\n');
    s.push_str(extra);
    s
}

/// The spec loads with its defaults, and every bad value is located at its key.
#[test]
fn spec_loads_and_errors_are_located() {
    let d = dir("spec");
    write(&d, "a.toml", &Demo::default().toml(""));
    let full = "[multi_year]\nyears = 3\ndiscount_rate = \"8%\"\ndemand_growth = \"3%\"\n\n[multi_year.slots]\nmin_units = 800\n\n[multi_year.delisting]\nmin_velocity = \"2.5\"\nitem_strength_cv = \"25%\"\n\n[multi_year.renegotiation]\nfee_growth = \"8%\"\nrate_step = \"0.5%\"\n\n[multi_year.relationship]\nstep = { promotion_priority = \"5%\" }\n";
    let p = load_portfolio(write(&d, "ok.toml", &portfolio_text(&["a.toml"], full))).unwrap();
    let m = p.multi_year.unwrap();
    assert_eq!(m.years, 3);
    assert_eq!(m.discount_rate.0.to_string(), "0.08");
    let s = m.slots.as_ref().unwrap();
    assert_eq!((s.min_units, s.lost_slots), (800, 1));
    let dl = m.delisting.as_ref().unwrap();
    assert_eq!(dl.new_listings, NewListings::Replace);
    assert_eq!(dl.min_velocity.0.to_string(), "2.5");
    let r = m.renegotiation.as_ref().unwrap();
    assert!(r.negotiate);
    assert_eq!(r.supplier_strategy, "boulware");
    let rel = m.relationship.as_ref().unwrap();
    assert_eq!(rel.withdraw_below.0.to_string(), "0.95");
    assert_eq!(rel.step.promotion_priority.0.to_string(), "0.05");
    assert_eq!(rel.step.payment_priority_days, 15);
    // Discount and growth factors.
    assert_eq!(m.discount(1).to_string(), "1");
    assert_eq!(m.discount(2).round_dp(6).to_string(), "0.925926");
    assert_eq!(m.growth(3).normalize().to_string(), "1.0609");
    // A portfolio without the section has none.
    let p = load_portfolio(write(&d, "none.toml", &portfolio_text(&["a.toml"], ""))).unwrap();
    assert!(p.multi_year.is_none());
    for (extra, key, says) in [
        ("[multi_year]\nyears = 0\n", "multi_year.years", "2 to 10"),
        ("[multi_year]\nyears = 11\n", "multi_year.years", "2 to 10"),
        ("[multi_year]\nyears = 3\ndiscount_rate = \"-5%\"\n", "multi_year.discount_rate", "between 0"),
        ("[multi_year]\nyears = 3\n\n[multi_year.slots]\nmin_units = -5\n", "multi_year.slots.min_units", "negative"),
        (
            "[multi_year]\nyears = 3\n\n[multi_year.delisting]\nmin_velocity = \"2\"\nnew_listings = \"replce\"\n",
            "multi_year.delisting.new_listings",
            "did you mean `replace`",
        ),
        (
            "[multi_year]\nyears = 3\n\n[multi_year.relationship]\nwithdraw_below = \"120%\"\n",
            "multi_year.relationship.withdraw_below",
            "above reward_at",
        ),
        ("[multi_year]\nyears = 3\nyear = 2\n", "multi_year.year", "did you mean `years`"),
    ] {
        let f = write(&d, "bad.toml", &portfolio_text(&["a.toml"], extra));
        let e = load_portfolio(&f).unwrap_err();
        let pr = &e.problems()[0];
        assert_eq!(pr.key_path, key, "{extra}: {e}");
        assert!(pr.message.contains(says), "{extra}: {pr}");
        // Located on the key's line of the portfolio file.
        let name = format!("{} =", key.rsplit('.').next().unwrap());
        let line = extra.lines().position(|l| l.starts_with(&name)).unwrap();
        assert_eq!(pr.line, 6 + line, "{extra:?}: {pr}");
    }
}
