//! The engine that runs a rulebook: compiling a checked rulebook file
//! (phrases into one automaton, regexes behind a literal prefilter), then,
//! for each post, matching its phrases, reading its signals, and deciding
//! each label set. No I/O.

pub(crate) mod ascii;
pub mod classify;
pub mod compile;
pub(crate) mod decision;
pub mod lexicon;
mod literals;
pub mod load;
mod matching;
pub(crate) mod regexes;
pub mod signals;

pub use compile::{Label, LabelSet, Rule, Rulebook};
pub use decision::{SetVerdict, Verdict};
pub use lexicon::Lexicon;
pub use load::{check, default_rulebook, from_str, load, load_chain, load_on, no_files, Loaded};
pub use matching::{Hit, Scratch};

/// The default rulebook's examples and counter-examples and the texts of
/// the English and French case files: posts for tests that compare a fast
/// path with a full check.
#[cfg(test)]
pub(crate) fn default_sample_texts(book: &Rulebook) -> Vec<String> {
    let mut texts: Vec<String> = book
        .sets
        .iter()
        .flat_map(|s| &s.labels)
        .flat_map(|l| l.examples.iter().chain(&l.counter_examples))
        .cloned()
        .collect();
    for case in [
        include_str!("../../tests/cases/default.csv"),
        include_str!("../../tests/cases/french.csv"),
    ] {
        texts.extend(case.lines().map(str::to_string));
    }
    texts
}
