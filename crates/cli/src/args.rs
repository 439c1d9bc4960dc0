//! Command-line arguments (clap derive). These are raw strings and flags; `lib.rs` turns them
//! into a validated run before any library call.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// kasim — Key Account trade-terms contracts: evaluate, explain and compare what a retailer's
/// contract really costs you.
#[derive(Debug, Parser)]
#[command(name = "kasim", version, about, long_about = None, arg_required_else_help = true)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
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
    },
    /// The ledger of one contract: every line with its formula filled in with numbers.
    Explain {
        /// Contract file (TOML).
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Check contract files: exit 0 when valid, else exit 2 listing every problem with
    /// file:line:col and key path.
    Validate {
        /// Contract files (TOML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the JSON Schema of contract files (or supplier files with --supplier).
    Schema {
        /// Print the supplier-file schema instead.
        #[arg(long)]
        supplier: bool,
    },
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text for a terminal.
    Table,
    /// Stable JSON; money as decimal strings.
    Json,
    /// CSV (UTF-8 with BOM, opens correctly in Excel).
    Csv,
}
