//! One module per subcommand, each with its arguments and a `run` function.

pub mod check;
pub mod classify;
pub mod completions;
pub mod consumers;
pub mod diff;
pub mod eval;
pub mod eval_by;
pub mod explain;
mod figures;
pub mod fit;
pub mod gold;
pub mod ids;
pub mod input_args;
pub mod man;
pub mod rules;
pub mod sample;
pub mod suggest;
pub mod summary;
pub mod test;
pub mod triage;

use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::engine;
use crate::engine::Rulebook;
use crate::rulebook::{self, Source};

/// How a command that ran to its end went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything asked for was done and every check passed: exit 0.
    Success,
    /// The check the user asked for failed (rulebook errors, failing rule
    /// tests, `--fail-on` conditions): exit 1.
    CheckFailed,
}

/// Reads a rulebook file, or the embedded default for `None`.
pub fn read_rulebook_source(path: Option<&Path>) -> Result<Source> {
    match path {
        None => Ok(Source::new(rulebook::DEFAULT_NAME, rulebook::DEFAULT_TEXT)),
        Some(p) => {
            let meta = std::fs::metadata(p)
                .with_context(|| format!("cannot read rulebook {}", p.display()))?;
            if meta.len() > rulebook::validate::MAX_RULEBOOK_BYTES as u64 {
                anyhow::bail!(
                    "rulebook {} is {} bytes, over the limit of {} bytes",
                    p.display(),
                    meta.len(),
                    rulebook::validate::MAX_RULEBOOK_BYTES
                );
            }
            // Read at most one byte over the limit: a pipe or a growing file
            // has no size to check beforehand.
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(
                &mut std::io::Read::take(
                    std::fs::File::open(p)
                        .with_context(|| format!("cannot read rulebook {}", p.display()))?,
                    rulebook::validate::MAX_RULEBOOK_BYTES as u64 + 1,
                ),
                &mut bytes,
            )
            .with_context(|| format!("cannot read rulebook {}", p.display()))?;
            if bytes.len() > rulebook::validate::MAX_RULEBOOK_BYTES {
                anyhow::bail!(
                    "rulebook {} is over the limit of {} bytes",
                    p.display(),
                    rulebook::validate::MAX_RULEBOOK_BYTES
                );
            }
            let text = String::from_utf8(bytes).map_err(|e| {
                anyhow::anyhow!(
                    "rulebook {} is not UTF-8 text: invalid byte at byte {}",
                    p.display(),
                    e.utf8_error().valid_up_to()
                )
            })?;
            Ok(Source::new(p.display().to_string(), text))
        }
    }
}

/// Reads a base rulebook named in `extends`, with the limits of any
/// rulebook file.
pub fn read_base(path: &Path) -> std::result::Result<String, String> {
    read_rulebook_source(Some(path))
        .map(|s| s.text)
        .map_err(|e| format!("{:#}", e.root_cause()))
}

/// Reads, resolves, checks and compiles a rulebook and every file it
/// extends; its errors are an input error (exit 2).
pub fn load_rulebook_chain(path: Option<&Path>, threads: usize) -> Result<engine::Loaded> {
    let source = read_rulebook_source(path)?;
    engine::load_chain(source, &mut read_base, threads).map_err(|report| {
        anyhow::anyhow!(
            "the rulebook has {} error(s):\n{}",
            report.errors(),
            report.render_human(false).trim_end()
        )
    })
}

/// Loads and compiles a rulebook for a command that uses it. Errors in the
/// rulebook are an input error here (exit 2); `postclass check` is the
/// command that reports them as a failed check.
pub fn load_rulebook(path: Option<&Path>) -> Result<Rulebook> {
    load_rulebook_on(path, 0)
}

/// [`load_rulebook`], building the regexes on `threads` threads, four at
/// most (0: every core).
pub fn load_rulebook_on(path: Option<&Path>, threads: usize) -> Result<Rulebook> {
    load_rulebook_chain(path, threads).map(|l| l.rulebook)
}

/// Loads the rulebook a change is measured against (`--baseline`): a file,
/// or `default` for the embedded one. Its sets must be those of `rulebook`,
/// in the same order, for their labels to be compared. Returns its name
/// for messages.
pub fn load_baseline(path: &Path, rulebook: &Rulebook) -> Result<(String, Rulebook)> {
    let name = path.display().to_string();
    let base = if name == "default" {
        load_rulebook(None)?
    } else {
        load_rulebook(Some(path)).with_context(|| format!("--baseline {name}"))?
    };
    let ids = |r: &Rulebook| -> Vec<String> { r.sets.iter().map(|s| s.id.clone()).collect() };
    if ids(&base) != ids(rulebook) {
        anyhow::bail!(
            "--baseline {name}: its sets ({}) are not those of the rulebook measured ({}), in the same order",
            ids(&base).join(", "),
            ids(rulebook).join(", ")
        );
    }
    Ok((name, base))
}

/// The label `item` names, as LABEL or SET.LABEL: (set, label) indices.
/// An unknown name, or a bare LABEL that several sets have, is an error
/// that says so for the option `flag`, with the rulebook's labels.
pub fn find_label(rulebook: &Rulebook, item: &str, flag: &str) -> Result<(usize, usize)> {
    let item = item.trim();
    let full = |si: usize, li: usize| {
        format!(
            "{}.{}",
            rulebook.sets[si].id, rulebook.sets[si].labels[li].id
        )
    };
    let all: Vec<(usize, usize)> = rulebook
        .sets
        .iter()
        .enumerate()
        .flat_map(|(si, s)| (0..s.labels.len()).map(move |li| (si, li)))
        .collect();
    let found: Vec<(usize, usize)> = all
        .iter()
        .copied()
        .filter(|&(si, li)| full(si, li) == item || rulebook.sets[si].labels[li].id == item)
        .collect();
    match found.as_slice() {
        [t] => Ok(*t),
        [] => {
            let names: Vec<String> = all.iter().map(|&(si, li)| full(si, li)).collect();
            let bare: Vec<String> = all
                .iter()
                .map(|&(si, li)| rulebook.sets[si].labels[li].id.clone())
                .collect();
            let pool = if item.contains('.') { &names } else { &bare };
            let hint = rulebook::validate::did_you_mean(item, pool)
                .map(|h| format!("did you mean `{h}`? "))
                .unwrap_or_default();
            bail!(
                "{flag}: the rulebook has no label `{item}`; {hint}its labels are: {}",
                names.join(", ")
            )
        }
        several => bail!(
            "{flag}: `{item}` is a label of several sets; name one as SET.LABEL: {}",
            several
                .iter()
                .map(|&(si, li)| full(si, li))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// What a command that reads exports tells as it goes (the text field
/// found, the rejects written…): `postclass: …` lines on stderr, none when
/// `quiet`.
pub fn say(quiet: bool) -> impl Fn(String) {
    move |msg| {
        if !quiet {
            eprintln!("postclass: {msg}");
        }
    }
}

/// Whether a stream is a terminal, for colour and table choices.
pub fn is_terminal(stream: &impl std::io::IsTerminal) -> bool {
    stream.is_terminal()
}

/// Whether to colour what goes to `stream`: only on a terminal, never when
/// `NO_COLOR` is set to a non-empty value (no-color.org) or `TERM=dumb`.
pub fn color_wanted(stream: &impl std::io::IsTerminal) -> bool {
    wants_color(
        stream.is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
        std::env::var_os("TERM").as_deref(),
    )
}

fn wants_color(
    terminal: bool,
    no_color: Option<&std::ffi::OsStr>,
    term: Option<&std::ffi::OsStr>,
) -> bool {
    terminal && !matches!(no_color, Some(v) if !v.is_empty()) && term != Some("dumb".as_ref())
}

#[cfg(test)]
mod tests {
    use super::wants_color;
    use std::ffi::OsStr;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(wants_color(true, None, Some(OsStr::new("xterm"))));
        assert!(!wants_color(false, None, Some(OsStr::new("xterm"))));
        assert!(!wants_color(true, Some(OsStr::new("1")), None));
        // An empty NO_COLOR does not count (no-color.org).
        assert!(wants_color(true, Some(OsStr::new("")), None));
        assert!(!wants_color(true, None, Some(OsStr::new("dumb"))));
    }
}
