//! `postclass man`: the manual page, in roff.

use std::path::PathBuf;

use anyhow::{Context, Result};

use super::Outcome;
use crate::output::{AtomicFile, Sink};

const EXAMPLES: &str = "\
Examples:
  postclass man | man -l -
  postclass man > /usr/local/share/man/man1/postclass.1
  postclass man --dir /usr/local/share/man/man1   # one page per subcommand too";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Write postclass.1 and one page per subcommand (postclass-classify.1,
    /// postclass-summary-merge.1, …) into DIR instead of postclass.1 to stdout.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Renders the pages of `cmd`, the whole command line (`Cli::command()`).
pub fn run(args: Args, mut cmd: clap::Command) -> Result<Outcome> {
    // Built, subcommands know their version and full name for their pages.
    cmd.build();
    let Some(dir) = args.dir else {
        let mut out = Vec::new();
        clap_mangen::Man::new(cmd).render(&mut out)?;
        std::io::Write::write_all(&mut std::io::stdout().lock(), &out)?;
        return Ok(Outcome::Success);
    };
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create folder {}", dir.display()))?;
    let mut pages = Vec::new();
    collect_pages("postclass", &cmd, &mut pages);
    for (name, page) in pages {
        let path = dir.join(format!("{name}.1"));
        let mut sink = Sink::File(AtomicFile::create(&path)?);
        clap_mangen::Man::new(page)
            .render(&mut sink)
            .with_context(|| format!("writing {}", path.display()))?;
        sink.finish()?;
    }
    Ok(Outcome::Success)
}

/// `cmd`'s page and those of its subcommands (`postclass-summary-merge`),
/// leaving out clap's `help`.
fn collect_pages(name: &str, cmd: &clap::Command, pages: &mut Vec<(String, clap::Command)>) {
    pages.push((name.to_string(), cmd.clone().display_name(name.to_string())));
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        collect_pages(&format!("{name}-{}", sub.get_name()), sub, pages);
    }
}
