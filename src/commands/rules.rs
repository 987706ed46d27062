//! `postclass rules`: work with the embedded default rulebook.

use std::io::Write;

use anyhow::{Context, Result};

use super::Outcome;
use crate::rulebook;

const EXAMPLES: &str = "\
Examples:
  postclass rules show > mine.toml     # start your own rulebook from the default
  postclass check mine.toml && postclass classify --rules mine.toml posts.csv";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(subcommand)]
    pub command: RulesCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum RulesCommand {
    /// Print the embedded default rulebook, byte for byte as rules/default.toml.
    Show,
}

pub fn run(args: Args) -> Result<Outcome> {
    match args.command {
        RulesCommand::Show => {
            let mut out = std::io::stdout().lock();
            out.write_all(rulebook::DEFAULT_TEXT.as_bytes())
                .and_then(|()| out.flush())
                .context("writing to standard output")?;
        }
    }
    Ok(Outcome::Success)
}
