//! `postclass completions SHELL`: the shell completion script.

use anyhow::Result;
use clap_complete::Shell;

use super::Outcome;

const EXAMPLES: &str = "\
Examples:
  postclass completions bash > ~/.local/share/bash-completion/completions/postclass
  postclass completions zsh > ~/.zfunc/_postclass      # with fpath+=~/.zfunc
  postclass completions fish > ~/.config/fish/completions/postclass.fish";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Writes the script for `cmd`, the whole command line (`Cli::command()`).
pub fn run(args: Args, mut cmd: clap::Command) -> Result<Outcome> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "postclass", &mut out);
    std::io::Write::write_all(&mut std::io::stdout().lock(), &out)?;
    Ok(Outcome::Success)
}
