//! A small aligned-text table that measures Chinese characters as two columns wide.

use unicode_width::UnicodeWidthStr;

/// Column alignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Left.
    Left,
    /// Right (numbers).
    Right,
}

/// Rows of cells; a row with no cells prints a blank line, a row starting with `---` a rule.
#[derive(Debug, Default)]
pub struct Table {
    rows: Vec<Vec<String>>,
    align: Vec<Align>,
}

impl Table {
    /// A table with the given column alignments.
    pub fn new(align: Vec<Align>) -> Table {
        Table { rows: Vec::new(), align }
    }

    /// Adds a row.
    pub fn row<I: IntoIterator<Item = S>, S: Into<String>>(&mut self, cells: I) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    /// Adds a horizontal rule.
    pub fn rule(&mut self) {
        self.rows.push(vec!["---".to_string()]);
    }

    /// Adds a blank line.
    pub fn blank(&mut self) {
        self.rows.push(Vec::new());
    }

    /// Renders with two spaces between columns, no trailing spaces.
    pub fn render(&self) -> String {
        let ncol = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut widths = vec![0usize; ncol];
        for r in &self.rows {
            if r.len() == 1 && r[0] == "---" {
                continue;
            }
            for (i, c) in r.iter().enumerate() {
                widths[i] = widths[i].max(c.width());
            }
        }
        let total: usize = widths.iter().sum::<usize>() + 2 * ncol.saturating_sub(1);
        let mut out = String::new();
        for r in &self.rows {
            if r.len() == 1 && r[0] == "---" {
                out.push_str(&"─".repeat(total));
                out.push('\n');
                continue;
            }
            let mut line = String::new();
            for (i, c) in r.iter().enumerate() {
                if i > 0 {
                    line.push_str("  ");
                }
                let pad = widths[i].saturating_sub(c.width());
                match self.align.get(i).copied().unwrap_or(Align::Left) {
                    Align::Left => {
                        line.push_str(c);
                        line.push_str(&" ".repeat(pad));
                    }
                    Align::Right => {
                        line.push_str(&" ".repeat(pad));
                        line.push_str(c);
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}
