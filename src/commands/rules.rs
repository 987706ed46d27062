//! `postclass rules`: print the embedded default rulebook, or a rulebook
//! resolved with the rulebooks it extends.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};

use super::Outcome;
use crate::rulebook;

const EXAMPLES: &str = "\
Examples:
  postclass rules show > mine.toml     # start your own rulebook from the default
  postclass check mine.toml && postclass classify --rules mine.toml posts.csv
  postclass rules show --resolved brand.toml   # brand.toml and what it extends, as one file";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(subcommand)]
    pub command: RulesCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum RulesCommand {
    /// Print the embedded default rulebook, byte for byte as rules/default.toml;
    /// with --resolved, a rulebook merged with every rulebook it extends.
    Show {
        /// Print this rulebook and the rulebooks it extends as one file, each
        /// label and rule headed by a comment naming the file it comes from.
        #[arg(long, value_name = "RULEBOOK")]
        resolved: Option<PathBuf>,
    },
}

pub fn run(args: Args) -> Result<Outcome> {
    match args.command {
        RulesCommand::Show { resolved } => {
            let text = match resolved {
                None => rulebook::DEFAULT_TEXT.to_string(),
                Some(path) => {
                    let loaded = super::load_rulebook_chain(Some(&path), 0)
                        .with_context(|| format!("cannot resolve {}", path.display()))?;
                    rulebook::render::render(&loaded.file, &loaded.chain)
                }
            };
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .context("writing to standard output")?;
        }
    }
    Ok(Outcome::Success)
}
