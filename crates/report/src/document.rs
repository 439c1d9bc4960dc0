//! The document model every emitter renders.
//!
//! A report describes itself once, as a [`Document`] of blocks whose table cells are typed
//! [`Value`]s — an amount of money, a rate, a probability, a count — never pre-formatted
//! strings. Each emitter decides how a type looks in its format (thousands separators and two
//! decimals in a terminal, plain decimal strings in CSV, a number format in a spreadsheet), so
//! adding an emitter (xlsx, HTML) never touches a command, and no two formats can disagree on
//! a number.

use rust_decimal::Decimal;

/// A bilingual label: English, with the Chinese term where the trade uses one (进场费,
/// 净贡献 …). Emitters choose English, Chinese or both ([`Lang`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Text {
    /// English.
    pub en: String,
    /// Chinese, when there is a usual term.
    pub zh: Option<String>,
}

impl Text {
    /// English only.
    pub fn en(en: impl Into<String>) -> Text {
        Text { en: en.into(), zh: None }
    }

    /// English and Chinese.
    pub fn both(en: impl Into<String>, zh: impl Into<String>) -> Text {
        Text { en: en.into(), zh: Some(zh.into()) }
    }

    /// True when there is no English text (a document without a title).
    pub fn is_empty(&self) -> bool {
        self.en.is_empty() && self.zh.as_deref().is_none_or(str::is_empty)
    }

    /// The text in one language choice: both is `en zh`, as the terminal tables print it.
    pub fn render(&self, lang: Lang) -> String {
        match (lang, &self.zh) {
            (Lang::En, _) | (_, None) => self.en.clone(),
            (Lang::Zh, Some(zh)) => zh.clone(),
            (Lang::Both, Some(zh)) if self.en.is_empty() => zh.clone(),
            (Lang::Both, Some(zh)) => format!("{} {zh}", self.en),
        }
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::en(s)
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::en(s)
    }
}

/// Which language of a [`Text`] an emitter shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    /// English only.
    En,
    /// Chinese where there is a term, else English.
    Zh,
    /// English followed by Chinese (the default: key-account teams work in both).
    #[default]
    Both,
}

/// A rendered report: a title, subtitle lines, the blocks, and closing notes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Document {
    /// The headline (may be empty: the P&L table names its contracts itself).
    pub title: Text,
    /// Lines under the title (the run's seed and size, the base value …).
    pub subtitle: Vec<Text>,
    /// The content, in order.
    pub blocks: Vec<Block>,
    /// Closing notes (how to read the figures, what to run next).
    pub notes: Vec<Text>,
}

impl Document {
    /// A document with a title and nothing else yet.
    pub fn new(title: impl Into<Text>) -> Document {
        Document { title: title.into(), ..Document::default() }
    }

    /// Every table of the document, key-value blocks included (as two-column tables), in
    /// order: what the consistency test and the CSV emitter look through.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Table(t) => Some(t),
            Block::KeyValues(kv) => Some(&kv.0),
            Block::Paragraph(_) => None,
        })
    }

    /// The table (or key-value block) with this id.
    pub fn table(&self, id: &str) -> Option<&Table> {
        self.tables().find(|t| t.id == id)
    }
}

/// One block of a document.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// A table with a header row.
    Table(Table),
    /// A paragraph of prose.
    Paragraph(Text),
    /// Label–value pairs (a single result: goal seek's value found, …). Held as a table of
    /// two columns, label and value, whose header is not shown in a terminal.
    KeyValues(KeyValues),
}

/// Label–value pairs: a [`Table`] with a [`Value::Label`] and a value per row.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyValues(pub Table);

impl KeyValues {
    /// An empty block; `id` names it as a table does.
    pub fn new(id: impl Into<String>) -> KeyValues {
        KeyValues(Table::new(id, vec![Column::text("item", "Item"), Column::text("value", "Value")]))
    }

    /// Adds a pair.
    pub fn pair(&mut self, key: impl Into<String>, label: Text, value: Value) {
        self.0.rows.push(vec![Value::label(key, label), value]);
    }
}

/// How a column's cells line up in a terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Left (names, text).
    Left,
    /// Right (numbers).
    Right,
}

/// A column of a table.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// Machine name: the CSV header and spreadsheet column name (`net_contribution`).
    pub key: String,
    /// The header people read.
    pub label: Text,
    /// Alignment in a terminal.
    pub align: Align,
    /// A detail column is written to files (CSV, spreadsheets) but left out of the terminal
    /// table, whose width it would blow up while adding nothing another column does not show
    /// (a ledger line's base and rate are in its formula text).
    pub detail: bool,
}

impl Column {
    /// A left-aligned column.
    pub fn text(key: impl Into<String>, label: impl Into<Text>) -> Column {
        Column { key: key.into(), label: label.into(), align: Align::Left, detail: false }
    }

    /// A right-aligned column.
    pub fn number(key: impl Into<String>, label: impl Into<Text>) -> Column {
        Column { key: key.into(), label: label.into(), align: Align::Right, detail: false }
    }

    /// The same column, written to files only.
    pub fn detail(mut self) -> Column {
        self.detail = true;
        self
    }
}

/// A table: columns and rows of typed cells.
///
/// A row with no cells is a blank line in a terminal; a row whose cells are only labels and
/// [`Value::Empty`] is a section heading. Neither is written to CSV.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// Machine name: the CSV file or spreadsheet sheet name, and what
    /// [`Report::csv_table`](crate::Report::csv_table) refers to.
    pub id: String,
    /// A heading above the table.
    pub title: Option<Text>,
    /// The columns.
    pub columns: Vec<Column>,
    /// The rows, each with one cell per column (shorter rows are padded with empty cells).
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    /// A table without rows.
    pub fn new(id: impl Into<String>, columns: Vec<Column>) -> Table {
        Table { id: id.into(), title: None, columns, rows: Vec::new() }
    }

    /// The same table with a heading.
    pub fn titled(mut self, title: impl Into<Text>) -> Table {
        self.title = Some(title.into());
        self
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<Value>) {
        self.rows.push(cells);
    }

    /// Adds a blank line.
    pub fn blank(&mut self) {
        self.rows.push(Vec::new());
    }

    /// True when a row carries data (not a blank line or a section heading).
    pub fn is_data_row(row: &[Value]) -> bool {
        row.iter().any(|v| !matches!(v, Value::Label(_) | Value::Empty))
    }
}

/// A row heading: a machine key (CSV) and the label people read (terminal), indented under
/// a group when `indent` > 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// Machine key (`gross_invoiced_sales`, `p10`).
    pub key: String,
    /// The label.
    pub text: Text,
    /// Indentation level under a group heading (two spaces each in a terminal).
    pub indent: u8,
}

/// A typed table cell. Data cells appear, with the same value, in the report's JSON; labels
/// and empty cells are layout.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// An amount of money (two decimals in a terminal).
    Money(Decimal),
    /// A price per unit (four decimals in a terminal: net-net prices differ in the third).
    UnitPrice(Decimal),
    /// A cost to the supplier, held as the positive amount the JSON shows and printed
    /// negative in a terminal, where amounts read as effects on the supplier's P&L.
    Cost(Decimal),
    /// A rate as a fraction (`0.25`), shown as a percentage (`25.00%`).
    Rate(Decimal),
    /// A decimal number shown as written (a term's value, a distribution's quantile).
    Decimal(Decimal),
    /// A quantity already in percentage points (`39.77` = 39.77%), such as the simulated fee
    /// ratio.
    Percent(f64),
    /// A probability as a fraction, shown as a percentage.
    Probability(f64),
    /// A measured number in currency units (a standard deviation), two decimals.
    Number(f64),
    /// A correlation coefficient, signed with three decimals.
    Correlation(f64),
    /// A utility or score on a 0–1 scale (a negotiation party's utility, a distance to the
    /// Pareto frontier), three decimals.
    Score(f64),
    /// A money amount estimated in floating point (a negotiation's risk-adjusted supplier
    /// value), in whole currency units with separators: its cents are not meaningful.
    Estimate(f64),
    /// Any other floating-point measure, with this many decimals and separators (a mean round
    /// number: `13.2`).
    Fixed(f64, u8),
    /// A whole number (units, stores, evaluations), with thousands separators.
    Count(i64),
    /// Text from the data (a contract or rule name, a formula).
    Text(String),
    /// A bilingual name from the data (a ledger line's label): both in a terminal, two CSV
    /// columns `<key>` and `<key>_zh`.
    Name(Text),
    /// A row heading (not data).
    Label(Label),
    /// A value that does not exist (a ratio of zero sales): `–` in a terminal, empty in CSV,
    /// `null` in JSON.
    Missing,
    /// Nothing (padding).
    Empty,
}

impl Value {
    /// A row heading.
    pub fn label(key: impl Into<String>, text: impl Into<Text>) -> Value {
        Value::Label(Label { key: key.into(), text: text.into(), indent: 0 })
    }

    /// An indented row heading.
    pub fn indented(key: impl Into<String>, text: impl Into<Text>, indent: u8) -> Value {
        Value::Label(Label { key: key.into(), text: text.into(), indent })
    }

    /// Text from the data.
    pub fn text(s: impl Into<String>) -> Value {
        Value::Text(s.into())
    }

    /// A rate, or [`Value::Missing`].
    pub fn rate(r: Option<Decimal>) -> Value {
        r.map_or(Value::Missing, Value::Rate)
    }

    /// Money, or [`Value::Missing`].
    pub fn money(m: Option<Decimal>) -> Value {
        m.map_or(Value::Missing, Value::Money)
    }
}
