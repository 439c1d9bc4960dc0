//! The `kasim` binary: all the work is in the `kasim_cli` library.

fn main() -> std::process::ExitCode {
    kasim_cli::main()
}
