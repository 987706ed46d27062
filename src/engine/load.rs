//! Loading a rulebook: its chain resolved, the merged file checked, then
//! compiled for the engine.

use crate::rulebook::{
    Chain, Diagnostic, ReadBase, Report, RulebookFile, Source, DEFAULT_NAME, DEFAULT_TEXT,
};

use super::compile::Rulebook;

/// Checks a rulebook source: every finding, errors and warnings. A rulebook
/// that passes every check is also compiled, so that `check` finds every
/// error that [`load`] would. Its bases, if any, are read with `read`.
pub fn check(source: Source, read: &mut ReadBase) -> Report {
    match load_chain_as(source, read, 0, Checks::All) {
        Ok(loaded) => loaded.report,
        Err(report) => report,
    }
}

/// Parses, validates and compiles a rulebook. On success the warnings come
/// back beside it; on any error, every finding comes back as a [`Report`].
/// Its regexes are built on every core, up to four. A rulebook that
/// extends files other than `default` needs [`load_chain`].
pub fn load(source: Source) -> Result<(Rulebook, Report), Report> {
    load_on(source, 0)
}

/// [`load`], building the regexes on `threads` threads, four at
/// most (0: every core).
pub fn load_on(source: Source, threads: usize) -> Result<(Rulebook, Report), Report> {
    load_chain(source, &mut no_files, threads).map(|l| (l.rulebook, l.report))
}

/// A base reader for rulebooks given as text: only `default` can be extended.
pub fn no_files(path: &std::path::Path) -> Result<String, String> {
    Err(format!(
        "{} cannot be read here: the rulebook was given as text",
        path.display()
    ))
}

/// A rulebook loaded with every file it builds on.
pub struct Loaded {
    pub rulebook: Rulebook,
    /// Its warnings.
    pub report: Report,
    /// The merged file model; its spans are in `chain`'s long text.
    pub file: RulebookFile,
    pub chain: Chain,
}

/// Resolves the `extends` chain of a rulebook (reading bases with `read`),
/// then validates and compiles the merged rulebook, building the regexes
/// on `threads` threads. The embedded default, given as it is, is not
/// validated again (see [`check`] for a rulebook's every finding).
pub fn load_chain(source: Source, read: &mut ReadBase, threads: usize) -> Result<Loaded, Report> {
    load_chain_as(source, read, threads, Checks::TrustDefault)
}

/// What [`load_chain_as`] validates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Checks {
    /// Every rulebook: what `check` asks for.
    All,
    /// Every rulebook but the embedded default taken as it is, which the
    /// test suite holds to no finding at all (`check` of the default):
    /// checking it again at each start costs a sixth of a one-post run.
    TrustDefault,
}

fn load_chain_as(
    source: Source,
    read: &mut ReadBase,
    threads: usize,
    checks: Checks,
) -> Result<Loaded, Report> {
    let crate::rulebook::resolve::Resolved {
        file,
        chain,
        mut diagnostics,
    } = crate::rulebook::resolve::resolve(source, read);
    let report = |chain: &Chain, diagnostics: Vec<Diagnostic>| Report {
        source: chain.top().clone(),
        diagnostics: diagnostics.into_iter().map(|d| chain.localize(d)).collect(),
    };
    let file = match file {
        Some(file) if !diagnostics.iter().any(Diagnostic::is_error) => file,
        _ => return Err(report(&chain, diagnostics)),
    };
    let trusted = checks == Checks::TrustDefault
        && !chain.is_chain()
        && chain.top().name == DEFAULT_NAME
        && chain.top().text == DEFAULT_TEXT;
    if !trusted {
        diagnostics.extend(crate::rulebook::validate::validate_on(
            &file, &chain, threads,
        ));
    }
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(report(&chain, diagnostics));
    }
    match super::compile::compile(&file, threads) {
        Ok(mut rulebook) => {
            if chain.is_chain() {
                let defs = file.set.iter().flat_map(|s| &s.label).flat_map(|l| &l.rule);
                for (rule, def) in rulebook.rules.iter_mut().zip(defs) {
                    rule.file = Some(chain.name_at(def.id.span().start).to_string());
                }
            }
            Ok(Loaded {
                rulebook,
                report: report(&chain, diagnostics),
                file,
                chain,
            })
        }
        Err(msg) => {
            diagnostics.push(
                Diagnostic::error("E009", msg)
                    .with_help("use fewer or simpler regexes; phrases in `any` cost far less"),
            );
            Err(report(&chain, diagnostics))
        }
    }
}

/// Loads a rulebook from TOML text, for library users who do not care about
/// warnings.
pub fn from_str(name: &str, text: &str) -> Result<Rulebook, Report> {
    load(Source::new(name, text)).map(|(r, _)| r)
}

/// The embedded default rulebook.
pub fn default_rulebook() -> Rulebook {
    // The default rulebook is checked by the test suite; failing here is a
    // build defect, not a user error.
    from_str(DEFAULT_NAME, DEFAULT_TEXT).expect("the embedded default rulebook is valid")
}
