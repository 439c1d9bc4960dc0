//! Compliance flags (合规提示) as a document table other reports include, and as a report of
//! their own (`kasim.compliance/1`). The flags come from [`kasim_core::compliance::check`];
//! the rules and what they cannot check are in docs/compliance.md.
//!
//! ```
//! let mut c = kasim_core::demo::contract(r#"
//! [[fees]]
//! id = "festival"
//! kind = "lump_sum"
//! event = "festival"
//! amount = "300"
//! per = "store"
//! periods = [1, 9]
//! "#).unwrap();
//! c.jurisdiction = vec![kasim_core::compliance::Jurisdiction::Cn];
//! let report = kasim_report::compliance::ComplianceReport::new(&c);
//! let t = kasim_report::compliance::table(&report.flags);
//! assert_eq!(t.rows.len(), 2); // the 2006 Measures and the 2011–12 clean-up
//! let text = kasim_report::emit(&report, kasim_report::Format::Table).unwrap();
//! assert!(text.contains("cn-2012-festival-fee") && text.contains("60,000.00"));
//! kasim_report::testing::assert_consistent(&report);
//! ```

use kasim_core::Contract;
use kasim_core::compliance::{Flag, Jurisdiction};
use serde::Serialize;

use crate::{Column, Document, Report, Table, Text, Value};

/// The flags as blocks another report includes: a line when nothing is checked or nothing is
/// flagged, the [`table`] (always: it is the CSV, empty or not), and each flag's why-text with
/// its citation.
pub fn blocks(flags: &[Flag], jurisdictions: &[Jurisdiction]) -> Vec<crate::Block> {
    let mut out = Vec::new();
    if jurisdictions.is_empty() {
        out.push(crate::Block::Paragraph(Text::both(
            "No jurisdiction declared: nothing is checked. Set `jurisdiction = \"cn\"` (or uk, eu) in the \
             contract.",
            "合同未声明适用辖区，未作检查。请在合同中设置 `jurisdiction = \"cn\"`（或 uk、eu）。",
        )));
    } else if flags.is_empty() {
        out.push(crate::Block::Paragraph(Text::both("No clause is flagged.", "没有需要提示的条款。")));
    }
    out.push(table(flags).into());
    for (i, f) in flags.iter().enumerate() {
        let source = f.instrument.url.as_deref().map_or(String::new(), |u| format!(", <{u}>"));
        out.push(crate::Block::Paragraph(Text::both(
            format!(
                "{}. {} [{}, {}]: {} ({}: {}{source})",
                i + 1,
                f.rule,
                f.severity.code(),
                f.clause.key_path,
                f.why,
                f.instrument.title_en,
                f.section
            ),
            format!("{}（《{}》：{}）", f.why_zh, f.instrument.title_zh, f.section_zh),
        )));
    }
    out
}

/// The flags as one table (id `compliance`), one row per flag: the rule, its severity and
/// jurisdiction, the clause (key path, fee, line), the amount at stake, and the citation
/// and why-text (the long columns are written to files only; [`ComplianceReport`] prints
/// the why-texts below the table).
pub fn table(flags: &[Flag]) -> Table {
    let mut t = Table::new(
        "compliance",
        vec![
            Column::text("rule", Text::both("Rule", "规则")),
            Column::text("severity", Text::both("Severity", "程度")),
            Column::text("jurisdiction", Text::both("Where", "辖区")),
            Column::text("clause", Text::both("Clause", "条款")),
            Column::text("fee", Text::both("Fee", "费用")),
            Column::number("line", Text::both("Line", "行")),
            Column::number("amount", Text::both("At stake", "涉及金额")),
            Column::text("section", Text::both("Section", "条目")),
            Column::text("instrument", Text::both("Instrument", "依据")).detail(),
            Column::text("year", Text::both("Year", "年份")).detail(),
            Column::text("url", Text::both("Source", "来源")).detail(),
            Column::text("file", Text::both("File", "文件")).detail(),
            Column::number("column", Text::both("Column", "列")).detail(),
            Column::text("why", Text::both("Why", "原因")).detail(),
        ],
    )
    .titled(Text::both("Compliance flags", "合规提示"));
    for f in flags {
        let at = f.clause.location.as_ref();
        t.row(vec![
            Value::text(&f.rule),
            Value::text(f.severity.code()),
            Value::text(f.jurisdiction.code()),
            Value::text(&f.clause.key_path),
            Value::Name(Text::both(&f.clause.label, &f.clause.label_zh)),
            at.map_or(Value::Missing, |l| Value::Count(count(l.line))),
            Value::money(f.amount),
            Value::Name(Text::both(&f.section, &f.section_zh)),
            Value::Name(Text::both(&f.instrument.title_en, &f.instrument.title_zh)),
            Value::text(&f.instrument.year),
            f.instrument.url.as_ref().map_or(Value::Missing, Value::text),
            at.map_or(Value::Missing, |l| Value::text(&l.file)),
            at.map_or(Value::Missing, |l| Value::Count(count(l.column))),
            Value::Name(Text::both(&f.why, &f.why_zh)),
        ]);
    }
    t
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The compliance flags of one contract under the jurisdictions it declares.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComplianceReport {
    /// The contract's name.
    pub contract: String,
    /// The jurisdictions checked (the contract's `jurisdiction`).
    pub jurisdictions: Vec<Jurisdiction>,
    /// The flags, in the order of [`kasim_core::compliance::check`].
    pub flags: Vec<Flag>,
}

impl ComplianceReport {
    /// Checks `contract` under the jurisdictions it declares.
    pub fn new(contract: &Contract) -> ComplianceReport {
        ComplianceReport {
            contract: contract.name.clone(),
            jurisdictions: contract.jurisdiction.clone(),
            flags: kasim_core::compliance::check(contract),
        }
    }
}

impl Report for ComplianceReport {
    fn schema(&self) -> &'static str {
        "kasim.compliance/1"
    }

    fn document(&self) -> Document {
        let mut doc = Document::new(Text::both(
            format!("Compliance flags: {}", self.contract),
            format!("合规提示：{}", self.contract),
        ));
        if !self.jurisdictions.is_empty() {
            let (en, zh): (Vec<&str>, Vec<&str>) = self.jurisdictions.iter().map(|j| j.names()).unzip();
            doc.subtitle
                .push(Text::both(format!("Rules of: {}", en.join(", ")), format!("适用规则：{}", zh.join("、"))));
        }
        doc.blocks.extend(blocks(&self.flags, &self.jurisdictions));
        doc.notes.push(Text::both(
            "A flag is a point to raise or to check with counsel, not a legal opinion; docs/compliance.md lists \
             every rule and what the model cannot check.",
            "提示仅供谈判及法务核查参考，不构成法律意见；规则清单及模型无法检查的内容见 docs/compliance.md。",
        ));
        doc
    }

    fn csv_table(&self) -> Option<&str> {
        Some("compliance")
    }
}

#[cfg(test)]
mod tests {
    use kasim_core::compliance::Jurisdiction;

    use super::*;
    use crate::testing::assert_consistent;
    use crate::{Format, emit};

    fn hypermarket(j: &[Jurisdiction]) -> Contract {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/hypermarket.toml");
        let mut c = kasim_core::load(&path).unwrap();
        c.jurisdiction = j.to_vec();
        c
    }

    /// The hypermarket under Chinese rules: one row per flag, every cell in the JSON, the CSV
    /// carrying the long columns, the terminal the why-texts.
    #[test]
    fn hypermarket_flags_in_every_format() {
        let r = ComplianceReport::new(&hypermarket(&[Jurisdiction::Cn]));
        assert_consistent(&r);
        let t = table(&r.flags);
        assert_eq!(t.rows.len(), 10);
        assert_eq!(t.rows[6][0], Value::text("cn-2012-anniversary-fee"));
        assert_eq!(t.rows[6][3], Value::text("fees[2]"));
        assert_eq!(t.rows[6][5], Value::Count(283));
        assert_eq!(t.rows[6][6], Value::Money(rust_decimal::Decimal::new(29_520_000, 2)));
        let csv = emit(&r, Format::Csv).unwrap();
        let mut lines = csv.lines();
        assert_eq!(
            lines.next().unwrap().trim_start_matches('\u{feff}'),
            "rule,severity,jurisdiction,clause,fee,fee_zh,line,amount,section,section_zh,instrument,instrument_zh,\
             year,url,file,column,why,why_zh"
        );
        assert_eq!(lines.count(), 10);
        assert!(csv.contains("cn-2012-anniversary-fee,prohibited,cn,fees[2],Anniversary fee,店庆费,283,295200.00,"));
        let text = emit(&r, Format::Table).unwrap();
        assert!(text.contains("合规提示"), "{text}");
        assert!(
            text.contains("7. cn-2012-anniversary-fee [prohibited, fees[2]]: Anniversary fee `anniversary`"),
            "{text}"
        );
        let json = emit(&r, Format::Json).unwrap();
        assert!(json.contains("\"format\": \"kasim.compliance/1\""));
        assert!(json.contains("\"jurisdictions\": [\n    \"cn\"\n  ]"), "{json}");
    }

    /// No jurisdiction, or nothing flagged: the report says so and its CSV is the header.
    #[test]
    fn nothing_to_flag() {
        for j in [&[][..], &[Jurisdiction::Eu][..]] {
            let mut c = hypermarket(j);
            c.payment.days = 30;
            c.fees.retain(|f| f.tag() != "listing");
            let r = ComplianceReport::new(&c);
            assert!(r.flags.is_empty());
            assert_consistent(&r);
            let text = emit(&r, Format::Table).unwrap();
            let said = if j.is_empty() { "No jurisdiction declared" } else { "No clause is flagged" };
            assert!(text.contains(said), "{text}");
            assert_eq!(emit(&r, Format::Csv).unwrap().lines().count(), 1);
        }
    }
}
