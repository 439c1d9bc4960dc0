//! Command-line arguments (clap derive), parsed once into typed values: money and term
//! values as exact decimals (`50%` as in contract files), statistics as [`Stat`], ranges
//! checked, so a bad value is a usage error (exit 2) before anything runs. Each command
//! accepts only the formats its report has: commands without a CSV table take
//! [`NoCsv`], so `--format csv` is refused by the parser.
//!
//! Doc comments here are the `--help` text, where `[uncertainty]` names a TOML section, not an
//! item to link.
#![allow(rustdoc::broken_intra_doc_links)]

use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand, ValueEnum};
use kasim_montecarlo::RunConfig;
use kasim_montecarlo::analysis::Stat;
use kasim_negotiate::{Side, StrategyKind};
use rust_decimal::Decimal;

/// kasim — Key Account (KA) trade-terms contracts: what a retailer's contract really costs you.
#[derive(Debug, Parser)]
#[command(
    name = "kasim",
    version,
    about = "kasim — Key Account (KA) trade-terms contracts: evaluate a contract's P&L, explain its \
             ledger and validate its files; simulate its uncertainty, compare contracts, replay a \
             scenario, rank sensitivities and find break-evens (goal-seek); negotiate its terms \
             and advise a counter-offer.",
    long_about = None,
    arg_required_else_help = true
)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
    /// Language of table labels: zh, en or both (default: both where the table fits the
    /// terminal, else en). JSON and CSV always carry both.
    #[arg(long, global = true, value_enum)]
    pub lang: Option<LangArg>,
    /// Unit of money in tables: yuan, or wan (万元 = ÷ 10,000, the unit in the headers). JSON
    /// and CSV stay exact, in currency units.
    #[arg(long, global = true, value_enum, default_value_t = UnitArg::Yuan)]
    pub unit: UnitArg,
}

/// `--lang`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    /// Chinese labels (English where there is no Chinese term).
    Zh,
    /// English labels.
    En,
    /// English and Chinese.
    Both,
}

/// `--unit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum UnitArg {
    /// Currency units (元), two decimals.
    Yuan,
    /// Ten thousands (万元), two to four decimals.
    Wan,
}

/// Width of tables when standard output is not a terminal and `COLUMNS` is not set: a stable
/// layout for files and pipes.
pub const PIPED_WIDTH: usize = 100;

impl Cli {
    /// How tables are fitted: `--lang`, `--unit`, and the terminal's width (`COLUMNS`, else
    /// the terminal's size, else [`PIPED_WIDTH`]).
    pub fn view(&self) -> kasim_report::emit::table::Options {
        use kasim_report::Lang;
        use kasim_report::emit::table::{MoneyUnit, Options};
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<usize>().ok())
            .filter(|&w| w >= 20)
            .or_else(|| {
                use std::io::IsTerminal;
                let out = std::io::stdout();
                if out.is_terminal() {
                    terminal_size::terminal_size_of(&out).map(|(w, _)| usize::from(w.0))
                } else {
                    None
                }
            })
            .unwrap_or(PIPED_WIDTH);
        Options {
            lang: self.lang.map(|l| match l {
                LangArg::Zh => Lang::Zh,
                LangArg::En => Lang::En,
                LangArg::Both => Lang::Both,
            }),
            unit: match self.unit {
                UnitArg::Yuan => MoneyUnit::Yuan,
                UnitArg::Wan => MoneyUnit::Wan,
            },
            width: Some(width),
        }
    }
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// P&L of one or more contracts on their own sales plans, side by side (benchmark
    /// retailers by giving several files).
    Evaluate {
        /// Contract files (TOML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Write the report to this file instead of stdout (required with --format xlsx).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The ledger of one contract: every line with its formula filled in with numbers.
    Explain {
        /// Contract file (TOML).
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Write the report to this file instead of stdout (required with --format xlsx).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check contract files: exit 0 when valid, else exit 2 listing every problem with
    /// file:line:col and key path.
    Validate {
        /// Contract files (TOML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Monte Carlo simulation of one contract over its [uncertainty]: distribution of net
    /// contribution, fees, fee ratio and the retailer's margin.
    Simulate {
        /// Contract file (TOML) with an [uncertainty] section.
        file: PathBuf,
        /// Run options.
        #[command(flatten)]
        run: RunArgs,
        /// Also report P(net contribution < THRESHOLD), e.g. 500000 or -500000.
        #[arg(long, value_parser = money, allow_negative_numbers = true)]
        threshold: Option<Decimal>,
        /// With --format html or xlsx: the report's file. Otherwise: write per-scenario results
        /// (scenarios.csv) and charts (histogram.svg, s-curve.svg) into this directory.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// The same scenarios through every contract (common random numbers): per contract the
    /// distribution, pairwise differences, P(A beats B) and a ranking.
    Compare {
        /// Contract files (TOML).
        #[arg(required = true, num_args = 2..)]
        files: Vec<PathBuf>,
        /// Run options.
        #[command(flatten)]
        run: RunArgs,
        /// Output format (compare has several tables, so no CSV).
        #[arg(long, value_enum, default_value_t = NoCsv::Table)]
        format: NoCsv,
        /// Write the report to this file instead of stdout (required with --format xlsx).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The meeting brief: last year's contract (BASE) against the buyer's draft (DRAFT) and
    /// your counter-offers, clause by clause, on the same simulated years.
    ///
    /// For every fee clause (matched by its `id`): its amount on the plan and simulated (mean,
    /// P10, P90) in each contract, what the draft changes, its share of the fee increase,
    /// ranked by money; which clauses must be read together (a binding 保底 floor makes a rate
    /// cut worthless; a tier threshold near the plan; a cap); and where the risk comes from —
    /// each clause's probability of binding and its cost in the worst 5% of years, adding up
    /// exactly to those years' fees. Then the draft's compliance flags under the jurisdiction
    /// it declares (店庆费, payment beyond 60 days to an SME, GSCOP, EU 2019/633 …) with the rule
    /// cited and the clause's line; and, when the draft has a [negotiation] section, the
    /// counter-offer (each move valued alone and within the offer, simulated on the same years),
    /// what to concede cheaply, the strategy and what a week of stalling costs.
    /// Give-get clauses (有条件费用) show their condition, P(met), the expected charge against
    /// the unconditional one and what to ask for. With `--portfolio FILE`, "Across the KA
    /// channel / 渠道视角": DRAFT in the place of the member whose contract is BASE (or
    /// `--member ID`), its promotions' cost at this chain and in price-match claims at the
    /// others, and the channel's net contribution and CVaR with BASE and with DRAFT.
    /// `--format html --out brief.html` or `--format xlsx --out brief.xlsx` for a report to open
    /// and forward; `--format csv` gives the clause table.
    Brief {
        /// Last year's contract (the reference), then the buyer's draft, then any
        /// counter-offers (TOML, each with an [uncertainty] section).
        #[arg(required = true, num_args = 2.., value_names = ["BASE", "DRAFT", "COUNTER"])]
        files: Vec<PathBuf>,
        /// A portfolio file (kasim portfolio): add the channel view, DRAFT in BASE's place.
        #[arg(long, value_name = "FILE")]
        portfolio: Option<PathBuf>,
        /// With --portfolio: the member (its `id`) DRAFT replaces (default: the member whose
        /// contract file is BASE).
        #[arg(long, value_name = "ID", requires = "portfolio")]
        member: Option<String>,
        /// Run options (every scenario is run: --tolerance does not stop a brief early).
        #[command(flatten)]
        run: RunArgs,
        /// Output format (csv: the clause table).
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Write the report to this file instead of stdout (required with --format xlsx).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Calibrate the sales plan and [uncertainty] from sales history (actuals): retailer
    /// exports per SKU per day, week or month, in CSV (UTF-8 or GBK) or xlsx.
    ///
    /// Headers are recognised in Chinese and English (商品编码, 条码, 日期, 周, 销量, 销售额,
    /// 售价, 促销价, 促销档期, 订货量, 到货量, 退货, 门店数 …); name others with --column
    /// role=Header or a --mapping file. Estimates the baseline units per SKU (per store where
    /// store counts are given), monthly seasonality (shrunk towards flat when data are thin),
    /// trend, demand CV, the promotion price elasticity per slot (uplift = (1 − cut)^(−ε),
    /// pooled across SKUs), the post-promotion dip, fill and returns rates; each with its
    /// standard error and sample size, and a holdout backtest (MAPE, P10–P90 coverage). Writes
    /// a contract that `extends` --contract with the calibrated [plan] and [uncertainty] to
    /// --out (or stdout); the report goes to stdout when the contract goes to --out, or to
    /// --report FILE. See docs/actuals.md.
    Calibrate {
        /// Sales history files (CSV, xlsx, xls); several files (one per year) are read as one.
        #[arg(required = true, num_args = 1.., value_name = "HISTORY")]
        history: Vec<PathBuf>,
        /// The contract to calibrate (TOML): its calendar, SKUs and promotions.
        #[arg(long)]
        contract: PathBuf,
        /// A mapping file: `[columns]` with `role = "Header"` lines.
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// The column for a role, e.g. `--column units=销售数量` (repeatable; overrides --mapping).
        /// Roles: sku, barcode, name, date, period, year, units, sales, shelf_price, promo_price,
        /// promo, ordered, delivered, returns, stores.
        #[arg(long = "column", value_name = "ROLE=HEADER")]
        columns: Vec<String>,
        /// Write the calibrated contract to this file (whole or not at all) instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write the calibration report to this file (required with --format xlsx).
        #[arg(long)]
        report: Option<PathBuf>,
        /// Format of the calibration report (csv: the estimates table).
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Scenarios of the backtest's coverage simulation (0: none).
        #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(..=100_000))]
        runs: u64,
        /// Seed of the backtest's simulation.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// The year in progress: settle the periods that have actuals exactly (they are closed:
    /// no rule reopens them) and simulate the rest of the year conditioned on them.
    ///
    /// Reports the full-year distribution of fees and net contribution (mean, P10/P50/P90,
    /// P(loss)), the exact year-to-date settlement, a tier watchlist (every tiered, target and
    /// growth rebate and floor 保底: the YTD base, P(reaching each tier), what is still needed,
    /// the expected payout), the accrual schedule per period and rule (and, with --previous,
    /// what changed since the last run), and with --statement the reconciliation of the
    /// retailer's deduction statement 对账单 (matched, mismatched, unexplained, missing). The
    /// actuals are read like `kasim calibrate`'s history. See docs/actuals.md.
    Track {
        /// The contract (TOML).
        file: PathBuf,
        /// Year-to-date actuals (CSV UTF-8/GBK, xlsx), read like calibrate's history.
        #[arg(long, required = true, num_args = 1.., value_name = "YTD")]
        actuals: Vec<PathBuf>,
        /// Simulate the rest of the year with this calibrated contract (from `kasim calibrate`)
        /// instead of FILE's own plan and [uncertainty].
        #[arg(long)]
        calibrated: Option<PathBuf>,
        /// A mapping file: `[columns]` with `role = "Header"` lines.
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// The column for a role, e.g. `--column units=销售数量` (repeatable).
        #[arg(long = "column", value_name = "ROLE=HEADER")]
        columns: Vec<String>,
        /// Closed periods: 1 … PERIOD (default: the last period with actuals).
        #[arg(long, value_name = "PERIOD", value_parser = clap::value_parser!(u16).range(0..=60))]
        as_of: Option<u16>,
        /// The retailer's deduction statement (CSV/xlsx: date, fee type, amount, reference).
        #[arg(long)]
        statement: Option<PathBuf>,
        /// The statement's column for a role, e.g. `--statement-column fee_type=项目名称`
        /// (repeatable). Roles: date, fee_type, amount, reference.
        #[arg(long = "statement-column", value_name = "ROLE=HEADER", requires = "statement")]
        statement_columns: Vec<String>,
        /// The JSON this command wrote last time: report what changed.
        #[arg(long)]
        previous: Option<PathBuf>,
        /// Scenarios of the open periods, 1 to 1,000,000.
        #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        runs: u64,
        /// Master seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Worker threads, up to 1,024 (default: one per core).
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u16).range(0..=1024))]
        threads: u16,
        /// Output format (csv: the distribution table).
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Write the report to this file instead of stdout (required with --format xlsx).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The supplier's KA channel: every retailer's contract simulated together on shared
    /// drivers.
    ///
    /// Shared drivers: brand demand, one price war, the DC's capacity; with the
    /// lowest-market-price cascade (最低价). Reports the total net contribution and fee spend, each retailer's share and its
    /// contribution to the portfolio's CVaR, diversification, and what each promotion costs
    /// across the portfolio. The file format is in docs/portfolio.md; `--format csv` gives the
    /// retailer table.
    Portfolio {
        /// Portfolio file (TOML) naming the contracts.
        file: PathBuf,
        /// Run options (every scenario is run: --tolerance does not stop a portfolio early).
        #[command(flatten)]
        run: RunArgs,
        /// Output format (csv: the retailer table).
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Write the report to this file instead of stdout (required with --format xlsx).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The full ledger of one simulated scenario (why was that one a loss?).
    ///
    /// Given a portfolio file, the scenario of `kasim portfolio` at the same seed: the shared
    /// drivers drawn, the DC's capacity per period, every lowest-market-price claim (最低价)
    /// and each chain's ledger (docs/portfolio.md, "Replaying a scenario").
    Replay {
        /// Contract file (TOML), or a portfolio file.
        file: PathBuf,
        /// Scenario index (0-based), as in `simulate` (or `portfolio`) results.
        #[arg(long, value_parser = clap::value_parser!(u64).range(..MAX_RUNS))]
        scenario: u64,
        /// Master seed of the run.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Write the report to this file instead of stdout (required with --format xlsx).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Tornado: each uncertain input at its P10/P90 and each negotiated term at its range
    /// ends, everything else as modelled; plus rank correlations with net contribution.
    Sensitivity {
        /// Contract file (TOML) with an [uncertainty] section.
        file: PathBuf,
        /// Run options (2,000 scenarios per variant by default).
        #[command(flatten)]
        run: SensitivityRunArgs,
        /// The statistic of net contribution: mean, or p1…p99 (e.g. p10).
        #[arg(long, default_value = "mean", value_parser = stat)]
        stat: Stat,
        /// With --format html or xlsx: the report's file. Otherwise: write tornado.svg into this
        /// directory.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Output format (two tables, so no CSV).
        #[arg(long, value_enum, default_value_t = NoCsv::Table)]
        format: NoCsv,
    },
    /// Goal seek: the value of one term at which a statistic of net contribution reaches a
    /// target — e.g. the entry fee at which P10 contribution is zero (the break-even fee).
    GoalSeek {
        /// Contract file (TOML).
        file: PathBuf,
        /// The term's path, e.g. fees.entry.amount (see docs/simulation.md).
        #[arg(long)]
        term: String,
        /// The target value of the statistic, e.g. 0 or -500000.
        #[arg(long, value_parser = money, allow_negative_numbers = true)]
        target: Decimal,
        /// The statistic of net contribution: mean, or p1…p99.
        #[arg(long, default_value = "mean", value_parser = stat)]
        stat: Stat,
        /// Lower end of the search range (default 0); a rate may be written 5%.
        #[arg(long, value_parser = term_value, allow_negative_numbers = true)]
        low: Option<Decimal>,
        /// Upper end of the search range (default: 3 × the current value, at least 1).
        #[arg(long, value_parser = term_value, allow_negative_numbers = true)]
        high: Option<Decimal>,
        /// Run options (2,000 scenarios per evaluation by default).
        #[command(flatten)]
        run: SensitivityRunArgs,
        /// Output format (a single result, so no CSV).
        #[arg(long, value_enum, default_value_t = NoCsv::Table)]
        format: NoCsv,
        /// Write the report to this file instead of stdout (required with --format xlsx).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Simulate the negotiation of a contract's [negotiation] terms between the supplier and
    /// the buyer: the transcript round by round and the outcome against the Pareto frontier,
    /// Nash and Kalai–Smorodinsky points.
    Negotiate {
        /// Contract file (TOML) with a [negotiation] section.
        file: PathBuf,
        /// The supplier's strategy.
        #[arg(long, default_value = "boulware", value_parser = strategy(Side::Supplier), conflicts_with = "tournament")]
        supplier: StrategyKind,
        /// The buyer's strategy.
        #[arg(long, default_value = "boulware", value_parser = strategy(Side::Buyer), conflicts_with = "tournament")]
        buyer: StrategyKind,
        /// Instead of one negotiation: every supplier strategy against every buyer strategy over
        /// many negotiations with uncertain buyer targets, deadlines and BATNA.
        #[arg(long)]
        tournament: bool,
        /// Negotiations per pair of strategies (with --tournament), 1 to 100,000.
        #[arg(
            long,
            default_value_t = 100,
            value_parser = clap::value_parser!(u64).range(1..=kasim_negotiate::tournament::MAX_RUNS),
            requires = "tournament"
        )]
        runs: u64,
        /// Seed of the buyer-parameter draws (with --tournament).
        #[arg(long, default_value_t = 1, requires = "tournament")]
        seed: u64,
        /// Worker threads (with --tournament), up to 1,024 (default: one per core).
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u16).range(0..=1024), requires = "tournament")]
        threads: u16,
        /// Output format; the CSV is the transcript (with --tournament: one row per pair of
        /// strategies).
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Write the report to this file instead of stdout (required with --format xlsx).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The recommended counter-offer: the negotiable terms that maximise the supplier's
    /// risk-adjusted contribution while the buyer's estimated utility stays at or above its
    /// reservation value (plus --margin), and what each conceded term costs or gains.
    Advise {
        /// Contract file (TOML) with a [negotiation] section.
        file: PathBuf,
        /// Extra buyer utility to leave above its reservation value, 0–1 (e.g. 0.05 or 5%), for
        /// safety.
        #[arg(long, default_value = "0", value_parser = margin, allow_negative_numbers = true)]
        margin: f64,
        /// Output format; the CSV is the counter-offer, one row per term.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Write the report to this file instead of stdout (required with --format xlsx).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print the JSON Schema of contract files (or supplier files with --supplier).
    Schema {
        /// Print the supplier-file schema instead.
        #[arg(long)]
        supplier: bool,
    },
}

impl Command {
    /// True when the command asks for a workbook without saying where to write it: refused
    /// before anything runs (a workbook is never written to a terminal).
    pub fn needs_out(&self) -> bool {
        let (format, out): (Option<kasim_report::Format>, bool) = match self {
            Command::Evaluate { format, out, .. }
            | Command::Explain { format, out, .. }
            | Command::Simulate { format, out, .. }
            | Command::Replay { format, out, .. }
            | Command::Negotiate { format, out, .. }
            | Command::Advise { format, out, .. }
            | Command::Brief { format, out, .. }
            | Command::Track { format, out, .. } => (Some((*format).into()), out.is_some()),
            Command::Portfolio { format, out, .. } => (Some((*format).into()), out.is_some()),
            Command::Compare { format, out, .. }
            | Command::Sensitivity { format, out, .. }
            | Command::GoalSeek { format, out, .. } => (Some((*format).into()), out.is_some()),
            Command::Calibrate { format, report, .. } => (Some((*format).into()), report.is_some()),
            Command::Validate { .. } | Command::Schema { .. } => (None, true),
        };
        format.is_some_and(kasim_report::Format::is_binary) && !out
    }
}

/// Largest number of scenarios of a simulation.
pub const MAX_RUNS: u64 = 100_000_000;

/// Output formats of commands whose report has a CSV table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text for a terminal.
    Table,
    /// Stable JSON; money as decimal strings.
    Json,
    /// CSV (UTF-8 with BOM, opens correctly in Excel).
    Csv,
    /// One self-contained HTML page (charts inline, prints well); to stdout or --out.
    Html,
    /// An Excel workbook (sheets, number formats, native charts); needs --out FILE.xlsx.
    Xlsx,
}

/// Output formats of commands whose report has no single table a CSV file would hold (a
/// workbook holds them all, one sheet each).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum NoCsv {
    /// Aligned text for a terminal.
    Table,
    /// Stable JSON; money as decimal strings.
    Json,
    /// One self-contained HTML page (charts inline, prints well); to stdout or --out.
    Html,
    /// An Excel workbook (sheets, number formats, native charts); needs --out FILE.xlsx.
    Xlsx,
}

impl From<Format> for kasim_report::Format {
    fn from(f: Format) -> Self {
        match f {
            Format::Table => kasim_report::Format::Table,
            Format::Json => kasim_report::Format::Json,
            Format::Csv => kasim_report::Format::Csv,
            Format::Html => kasim_report::Format::Html,
            Format::Xlsx => kasim_report::Format::Xlsx,
        }
    }
}

impl From<NoCsv> for Format {
    fn from(f: NoCsv) -> Self {
        match f {
            NoCsv::Table => Format::Table,
            NoCsv::Json => Format::Json,
            NoCsv::Html => Format::Html,
            NoCsv::Xlsx => Format::Xlsx,
        }
    }
}

impl From<NoCsv> for kasim_report::Format {
    fn from(f: NoCsv) -> Self {
        Format::from(f).into()
    }
}

/// An amount of money, as in contract files (`500000`, `1_500_000`, `-500000`).
///
/// # Errors
///
/// The contract format's message for text that is not an exact amount (a float, a typo).
pub fn money(s: &str) -> Result<Decimal, String> {
    s.parse::<kasim_core::money::Money>().map(|m| m.0)
}

/// A positive amount of money.
///
/// # Errors
///
/// As [`money`], and when the amount is zero or negative.
pub fn positive_money(s: &str) -> Result<Decimal, String> {
    let d = money(s)?;
    if d <= Decimal::ZERO {
        return Err(format!("{s} is not positive"));
    }
    Ok(d)
}

/// A term's value: a rate as in contract files (`5%` or `0.05`), else an amount or count.
///
/// # Errors
///
/// The contract format's message for text that is neither a rate nor an amount.
pub fn term_value(s: &str) -> Result<Decimal, String> {
    if s.trim_end().ends_with('%') { kasim_core::money::parse_rate(s) } else { money(s) }
}

/// A statistic of net contribution: `mean` or `p1`…`p99`.
///
/// # Errors
///
/// For any other name, saying which are accepted.
pub fn stat(s: &str) -> Result<Stat, String> {
    s.parse::<Stat>().map_err(|e| e.to_string())
}

/// Results may use up to half of the memory this process can have now: the lowest of
/// `MemAvailable`, the cgroup's headroom and `ulimit -v` (`kasim_montecarlo::memory`).
fn memory_limit() -> u64 {
    kasim_montecarlo::memory::budget()
}

/// Options of a simulation run.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Number of scenarios (contract-years), 1 to 100,000,000.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=MAX_RUNS))]
    pub runs: u64,
    /// Master seed: the same seed gives byte-identical results at any thread count.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Worker threads, up to 1,024 (default: one per core).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u16).range(0..=1024))]
    pub threads: u16,
    /// Stop early once the standard error of mean net contribution is at most this (currency
    /// units); checked every 4,096 scenarios, so the result depends on the seed only.
    #[arg(long, value_parser = positive_money)]
    pub tolerance: Option<Decimal>,
}

impl RunArgs {
    /// The validated run configuration.
    pub fn config(&self) -> RunConfig {
        // `..default()` although every field is set today: fields the runner adds keep their
        // defaults without a change here.
        #[allow(clippy::needless_update)]
        RunConfig {
            runs: self.runs,
            seed: self.seed,
            threads: usize::from(self.threads),
            max_memory: memory_limit(),
            tolerance: self.tolerance.map(|t| t.to_string().parse().unwrap_or(f64::MAX)),
            ..RunConfig::default()
        }
    }
}

/// Options of the repeated runs of sensitivity analysis and goal seek.
#[derive(Debug, Clone, clap::Args)]
pub struct SensitivityRunArgs {
    /// Scenarios per variant, 1 to 1,000,000.
    #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub runs: u64,
    /// Master seed (every variant sees the same scenarios).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Worker threads, up to 1,024 (default: one per core).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u16).range(0..=1024))]
    pub threads: u16,
}

impl SensitivityRunArgs {
    /// The validated run configuration.
    pub fn config(&self) -> RunConfig {
        RunConfig {
            runs: self.runs,
            seed: self.seed,
            threads: usize::from(self.threads),
            max_memory: memory_limit(),
            ..RunConfig::default()
        }
    }
}

/// The parser of a side's strategy: its names with their one-line descriptions (the
/// `--help` text), from kasim-negotiate's catalogue.
fn strategy(side: Side) -> impl TypedValueParser<Value = StrategyKind> {
    PossibleValuesParser::new(StrategyKind::for_side(side).map(|k| PossibleValue::new(k.name()).help(k.description())))
        .try_map(move |name| StrategyKind::parse_for(&name, side))
}

/// A utility margin: a number or a percentage as in contract files, between 0 and 1.
fn margin(s: &str) -> Result<f64, String> {
    let rate: kasim_core::money::Rate = s.parse()?;
    let m: f64 = rate.0.to_string().parse().map_err(|e| format!("{e}"))?;
    if (0.0..=1.0).contains(&m) { Ok(m) } else { Err(format!("{m} is not between 0 and 1")) }
}
