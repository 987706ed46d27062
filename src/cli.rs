//! Command-line definition: the subcommands and their arguments.

use clap::{CommandFactory, Parser, Subcommand};

use crate::commands;

/// Label social media posts with social customer types and digital-customer
/// traits, from a TOML rulebook.
#[derive(Debug, Parser)]
#[command(name = "postclass", version, about, long_about = None, propagate_version = true)]
#[command(
    after_help = "Exit codes: 0 success; 1 a check asked for failed; 2 usage, I/O or input error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Label every post of a CSV/TSV/JSONL export and write the labelled rows.
    Classify(commands::classify::Args),
    /// Measure a rulebook against posts labelled by hand: precision, recall, F1, rule analysis.
    Eval(commands::eval::Args),
    /// Learn the rules' weights from posts labelled by hand; write the rulebook with only weights changed.
    Fit(commands::fit::Args),
    /// Check rulebooks for errors and likely mistakes, without classifying anything.
    Check(commands::check::Args),
    /// Run a rulebook's examples and case files against it.
    Test(commands::test::Args),
    /// Show why a post gets its labels: the rules that fired, what they matched, every score.
    Explain(commands::explain::Args),
    /// Print the embedded default rulebook (`rules show`), to start your own from it.
    Rules(commands::rules::Args),
    /// List the posts to handle first: by label priority (angry first), then score.
    Triage(commands::triage::Args),
    /// Suggest rules from posts labelled by hand: phrases that set a label apart, as TOML.
    Suggest(commands::suggest::Args),
    /// Write the posts whose labels are least certain, to be labelled next.
    Sample(commands::sample::Args),
    /// Write the posts whose labels change from one rulebook to another (--baseline).
    Diff(commands::diff::Args),
    /// Work with summary files: `summary merge` adds up summaries of parts of an input.
    Summary(commands::summary::Args),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(commands::completions::Args),
    /// Print the manual page (roff), or write one page per command with --dir.
    Man(commands::man::Args),
}

impl Cli {
    pub fn run(self) -> anyhow::Result<commands::Outcome> {
        match self.command {
            Command::Classify(args) => commands::classify::run(args),
            Command::Eval(args) => commands::eval::run(args),
            Command::Fit(args) => commands::fit::run(args),
            Command::Check(args) => commands::check::run(args),
            Command::Test(args) => commands::test::run(args),
            Command::Explain(args) => commands::explain::run(args),
            Command::Rules(args) => commands::rules::run(args),
            Command::Triage(args) => commands::triage::run(args),
            Command::Suggest(args) => commands::suggest::run(args),
            Command::Sample(args) => commands::sample::run(args),
            Command::Diff(args) => commands::diff::run(args),
            Command::Summary(args) => commands::summary::run(args),
            Command::Completions(args) => commands::completions::run(args, Cli::command()),
            Command::Man(args) => commands::man::run(args, Cli::command()),
        }
    }
}
