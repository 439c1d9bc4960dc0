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

    /// Every table of the document, key-value blocks included (as two-column tables), and the
    /// tables inside sections, in order: what the consistency test and the CSV emitter look
    /// through.
    pub fn tables(&self) -> std::vec::IntoIter<&Table> {
        let mut out = Vec::new();
        collect_tables(&self.blocks, &mut out);
        out.into_iter()
    }

    /// Every chart of the document, sections included, in order.
    pub fn charts(&self) -> std::vec::IntoIter<&Chart> {
        fn walk<'a>(blocks: &'a [Block], out: &mut Vec<&'a Chart>) {
            for b in blocks {
                match b {
                    Block::Chart(c) => out.push(c),
                    Block::Section(s) => walk(&s.blocks, out),
                    _ => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.blocks, &mut out);
        out.into_iter()
    }

    /// The table (or key-value block) with this id.
    pub fn table(&self, id: &str) -> Option<&Table> {
        self.tables().find(|t| t.id == id)
    }
}

fn collect_tables<'a>(blocks: &'a [Block], out: &mut Vec<&'a Table>) {
    for b in blocks {
        match b {
            Block::Table(t) => out.push(t),
            Block::KeyValues(kv) => out.push(&kv.0),
            Block::Section(s) => collect_tables(&s.blocks, out),
            Block::Paragraph(_) | Block::Chart(_) => {}
        }
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
    /// A chart, drawn from its data by the formats that draw (HTML: SVG inline; xlsx: a native
    /// chart over a data sheet); the terminal table leaves it out.
    Chart(Box<Chart>),
    /// A titled group of blocks: a collapsible section in HTML (the ledger of each contract),
    /// its tables as sheets in a workbook.
    Section(Section),
}

/// A titled group of blocks.
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    /// Machine name (an HTML anchor, a sheet-name prefix).
    pub id: String,
    /// The heading.
    pub title: Text,
    /// Shown expanded when the HTML opens (else collapsed; printing expands every section).
    pub open: bool,
    /// Also printed in a terminal; `false` for bulky detail (per-scenario rows, full ledgers in a
    /// multi-contract report) that only files carry.
    pub terminal: bool,
    /// The content.
    pub blocks: Vec<Block>,
}

impl Section {
    /// An open section shown everywhere.
    pub fn new(id: impl Into<String>, title: impl Into<Text>, blocks: Vec<Block>) -> Section {
        Section { id: id.into(), title: title.into(), open: true, terminal: true, blocks }
    }

    /// The same section, collapsed when the HTML opens.
    pub fn collapsed(mut self) -> Section {
        self.open = false;
        self
    }

    /// The same section, left out of the terminal table (files only).
    pub fn files_only(mut self) -> Section {
        self.terminal = false;
        self
    }
}

/// A chart's data. Coordinates are `f64`: they place marks on a page, they are not amounts a
/// ledger books (the exact figures are in the report's tables and JSON).
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// Machine name (the SVG/PNG file stem, the chart's data sheet in a workbook).
    pub id: String,
    /// The heading.
    pub title: Text,
    /// The axis of values (net contribution, fees): its title without the unit, which the
    /// emitter appends from `currency` and the money unit (`(CNY)`, `(万元)`).
    pub value_axis: Text,
    /// The other axis (scenarios, cumulative probability, the terms of a tornado).
    pub other_axis: Text,
    /// The currency of the value axis when it is money (`CNY`); `None` for other quantities.
    pub currency: Option<String>,
    /// What is drawn.
    pub kind: ChartKind,
    /// Vertical markers on the value axis, labelled (zero, the mean, P5).
    pub markers: Vec<Marker>,
}

/// What a chart draws.
#[derive(Clone, Debug, PartialEq)]
pub enum ChartKind {
    /// Overlaid histograms on common bin edges (`edges.len()` = bins + 1), one series of
    /// scenario counts per contract: the distribution of net contribution of every contract.
    Histogram {
        /// Bin edges on the value axis, increasing.
        edges: Vec<f64>,
        /// Counts per bin, one series per contract.
        series: Vec<Series<u64>>,
    },
    /// Curves through points (x on the value axis, y in 0–1): S-curves (cumulative
    /// probability) of every contract.
    Curves {
        /// Points per curve, x increasing.
        series: Vec<Series<(f64, f64)>>,
    },
    /// A waterfall from a starting total through signed steps to the end total (BASE's fees to
    /// DRAFT's, clause by clause).
    Waterfall {
        /// The starting bar's label and value.
        start: (Text, f64),
        /// Each step's label and signed change.
        steps: Vec<(Text, f64)>,
        /// The end bar's label (its value is start + Σ steps).
        end: Text,
    },
    /// A tornado: per input, the statistic at its low and high value, around the base.
    Tornado {
        /// The statistic with every input as modelled.
        base: f64,
        /// Bars, widest first.
        bars: Vec<TornadoBar>,
        /// The legend's names of the low and the high end.
        legend: (Text, Text),
    },
}

/// One named series of a chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Series<T> {
    /// The legend's name (a contract).
    pub name: Text,
    /// The data.
    pub points: Vec<T>,
}

/// A bar of a tornado.
#[derive(Clone, Debug, PartialEq)]
pub struct TornadoBar {
    /// The input (a term, an uncertain driver).
    pub label: Text,
    /// The statistic with the input at its low end.
    pub low: f64,
    /// The statistic with the input at its high end.
    pub high: f64,
}

/// A labelled vertical line at a value.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    /// The label (`mean`, `P5 (VaR 95%)`, `0`).
    pub label: Text,
    /// Where, on the value axis.
    pub value: f64,
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
    /// How many leading columns identify a row: when a terminal is too narrow for the whole
    /// table, it is split into column groups, each repeating these columns (at least one).
    pub keys: usize,
}

impl Table {
    /// A table without rows.
    pub fn new(id: impl Into<String>, columns: Vec<Column>) -> Table {
        Table { id: id.into(), title: None, columns, rows: Vec::new(), keys: 1 }
    }

    /// The same table with `n` leading columns identifying a row (repeated in every column
    /// group of a narrow terminal).
    pub fn keyed(mut self, n: usize) -> Table {
        self.keys = n.max(1);
        self
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
    /// A price per unit, at its own precision up to four decimals in a terminal (net-net prices
    /// differ in the third); never scaled to 万元.
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
    /// An exact quantity in percentage points (`24.90` = 24.90%): a simulated fee ratio, kept
    /// as the decimal the JSON has so CSV writes it exactly (`24.90`, not `24.9`).
    Points(Decimal),
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
