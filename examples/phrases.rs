//! Prints every phrase of a rulebook, normalised, one per line: the input of
//! the grep-like scanners the benchmark compares postclass with.
//!
//! `cargo run --release --example phrases -- [RULEBOOK.toml]` (default: the
//! embedded default rulebook).

use std::io::Write;
use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let path = std::env::args_os().nth(1).map(PathBuf::from);
    let rulebook = postclass::commands::load_rulebook(path.as_deref())?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for phrase in rulebook.phrases() {
        writeln!(out, "{phrase}")?;
    }
    out.flush()?;
    Ok(())
}
