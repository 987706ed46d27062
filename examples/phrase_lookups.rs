//! Three ways of finding a rulebook's phrases in normalised posts, timed on
//! their own (bench/RESULTS.md, round 12): the one overlapping automaton the
//! engine uses, an automaton searched anchored at each word start, and a hash
//! table of word sequences. Each prints a checksum of what it found, so that a
//! run cannot be optimised away; run it under cachegrind with one pass and
//! with three, and take the difference.
//!
//! `cargo run --release --example phrase_lookups -- CORPUS.csv MODE [PASSES] [RULEBOOK.toml]`
//! where MODE is `full`, `words` or `table` and CORPUS.csv has a `text` column.

use std::collections::HashMap;
use std::path::PathBuf;

use aho_corasick::automaton::OverlappingState;
use aho_corasick::{AhoCorasickBuilder, Anchored, Input, MatchKind, StartKind};
use anyhow::{bail, Context, Result};

/// A byte of a word, for splitting posts into words: every non-ASCII byte
/// counts as one, a simplification of the engine's `is_word_char` that is
/// enough to time the lookups (it moves few phrases between the modes' parts).
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(corpus), Some(mode)) = (args.first(), args.get(1)) else {
        bail!("usage: phrase_lookups CORPUS.csv full|words|table [PASSES] [RULEBOOK.toml]");
    };
    let passes: usize = args.get(2).map_or(Ok(1), |p| p.parse())?;
    let rulebook = postclass::commands::load_rulebook(args.get(3).map(PathBuf::from).as_deref())?;
    let phrases: Vec<&str> = rulebook.phrases().collect();
    let mut reader = csv::Reader::from_path(corpus).with_context(|| corpus.clone())?;
    let column = reader
        .headers()?
        .iter()
        .position(|h| h == "text")
        .context("no `text` column")?;
    let mut posts = Vec::new();
    for record in reader.records() {
        let record = record?;
        posts.push(
            rulebook
                .normalizer
                .normalize(record.get(column).unwrap_or("")),
        );
    }
    let found = match mode.as_str() {
        "full" => full(&phrases, &posts, passes)?,
        "words" => words(&phrases, &posts, passes)?,
        "table" => table(&phrases, &posts, passes)?,
        other => bail!("unknown mode `{other}`: full, words or table"),
    };
    println!("{found}");
    Ok(())
}

/// The engine's way: one automaton over the whole text, every overlapping match.
fn full(phrases: &[&str], posts: &[String], passes: usize) -> Result<usize> {
    let ac = AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .build(phrases)?;
    let mut found = 0;
    for _ in 0..passes {
        for post in posts {
            found += ac.find_overlapping_iter(post.as_str()).count();
        }
    }
    Ok(found)
}

/// The phrases that start with a word character, searched anchored at each
/// word start; the others over the whole text.
fn words(phrases: &[&str], posts: &[String], passes: usize) -> Result<usize> {
    let (at_words, others): (Vec<&str>, Vec<&str>) = phrases
        .iter()
        .partition(|p| p.as_bytes().first().is_some_and(|&b| is_word_byte(b)));
    let anchored = AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .start_kind(StartKind::Anchored)
        .build(&at_words)?;
    let rest = AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .build(&others)?;
    let mut found = 0;
    for _ in 0..passes {
        for post in posts {
            let bytes = post.as_bytes();
            for i in 0..bytes.len() {
                if !is_word_byte(bytes[i]) || (i > 0 && is_word_byte(bytes[i - 1])) {
                    continue;
                }
                let input = Input::new(post.as_str()).range(i..).anchored(Anchored::Yes);
                let mut state = OverlappingState::start();
                loop {
                    anchored.find_overlapping(input.clone(), &mut state);
                    if state.get_match().is_none() {
                        break;
                    }
                    found += 1;
                }
            }
            found += rest.find_overlapping_iter(post.as_str()).count();
        }
    }
    Ok(found)
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn mix(h: u64) -> u64 {
    let h = h.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    h ^ (h >> 29)
}

/// One node per word sequence that starts a phrase: the phrases it completes,
/// and whether a longer phrase goes on from it.
struct Node {
    ends: Vec<u32>,
    goes_on: bool,
}

/// Open addressing over the hashes of the word sequences.
struct Table {
    slots: Vec<(u64, u32)>,
    nodes: Vec<Node>,
}

impl Table {
    fn new(phrases: &[&str]) -> Table {
        let mut index: HashMap<u64, u32> = HashMap::new();
        let mut nodes: Vec<Node> = Vec::new();
        for (pi, phrase) in phrases.iter().enumerate() {
            let words: Vec<&str> = phrase.split(' ').collect();
            let mut key = 0;
            for (k, word) in words.iter().enumerate() {
                key = mix(if k == 0 {
                    fnv(word.as_bytes())
                } else {
                    key ^ fnv(word.as_bytes())
                });
                let n = *index.entry(key).or_insert_with(|| {
                    nodes.push(Node {
                        ends: Vec::new(),
                        goes_on: false,
                    });
                    (nodes.len() - 1) as u32
                }) as usize;
                if k + 1 == words.len() {
                    nodes[n].ends.push(pi as u32);
                } else {
                    nodes[n].goes_on = true;
                }
            }
        }
        let size = (index.len() * 2).next_power_of_two();
        let mut slots = vec![(0, u32::MAX); size];
        for (&key, &n) in &index {
            let mut i = key as usize & (size - 1);
            while slots[i].1 != u32::MAX {
                i = (i + 1) & (size - 1);
            }
            slots[i] = (key, n);
        }
        Table { slots, nodes }
    }

    fn get(&self, key: u64) -> Option<&Node> {
        let mask = self.slots.len() - 1;
        let mut i = key as usize & mask;
        loop {
            let (k, n) = self.slots[i];
            if n == u32::MAX {
                return None;
            }
            if k == key {
                return Some(&self.nodes[n as usize]);
            }
            i = (i + 1) & mask;
        }
    }
}

/// The phrases made of whole words and single spaces, looked up word by word
/// from each word start; the others by an automaton over the whole text.
fn table(phrases: &[&str], posts: &[String], passes: usize) -> Result<usize> {
    let whole_words = |p: &&str| {
        let b = p.as_bytes();
        !b.is_empty()
            && is_word_byte(b[0])
            && is_word_byte(b[b.len() - 1])
            && !p.contains("  ")
            && b.iter().all(|&c| is_word_byte(c) || c == b' ')
    };
    let (simple, others): (Vec<&str>, Vec<&str>) = phrases.iter().copied().partition(whole_words);
    let table = Table::new(&simple);
    let rest = AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .build(&others)?;
    let mut found = 0;
    let mut words: Vec<(usize, usize, u64)> = Vec::new();
    for _ in 0..passes {
        for post in posts {
            let bytes = post.as_bytes();
            words.clear();
            let mut i = 0;
            while i < bytes.len() {
                if is_word_byte(bytes[i]) {
                    let start = i;
                    while i < bytes.len() && is_word_byte(bytes[i]) {
                        i += 1;
                    }
                    words.push((start, i, fnv(&bytes[start..i])));
                } else {
                    i += 1;
                }
            }
            for w in 0..words.len() {
                let mut key = mix(words[w].2);
                let mut last = w;
                while let Some(node) = table.get(key) {
                    let span = &bytes[words[w].0..words[last].1];
                    found += node
                        .ends
                        .iter()
                        .filter(|&&p| simple[p as usize].as_bytes() == span)
                        .count();
                    let next = last + 1;
                    if !node.goes_on
                        || next >= words.len()
                        || words[next].0 != words[last].1 + 1
                        || bytes[words[last].1] != b' '
                    {
                        break;
                    }
                    last = next;
                    key = mix(key ^ words[last].2);
                }
            }
            found += rest.find_overlapping_iter(post.as_str()).count();
        }
    }
    Ok(found)
}
