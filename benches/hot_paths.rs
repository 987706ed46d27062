//! Micro-benchmarks of the per-post hot paths: normalisation, and
//! classification (phrase search, candidate rules, decision); and of
//! start-up, the loading of the default rulebook.
//!
//! `cargo bench --bench hot_paths`; the end-to-end benchmark is bench/run.sh.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use postclass::engine::{self, Rulebook};
use postclass::{Normalizer, Scratch, Verdict};

const POSTS: &[&str] = &[
    "@Delta my flight was cancelled again, second time this month. Fed up!!!",
    "Je recommande @Decathlon à tout le monde, service génial et vendeurs au top 😍",
    "Should I buy the Pixel or the iPhone? What do you guys think? @Google @Apple",
    "Quelqu’un sait comment réinitialiser la box @Free ? J'ai cherché partout dans la FAQ #fail",
    "Idea for @Netflix: let us pick the recommendations based on my preferences",
    "MON INTERNET VIENT ENCORE DE COUPER, J'EN AI MARRE !!! C'est la 2ème fois",
    "Coffee first. New week, new goals",
    "« Génial » ce nouveau forfait… mais l’appli plante à chaque mise à jour 🙄",
];

/// A rulebook with `labels` labels of ten phrases each, every matcher kind
/// represented, phrases made of words that mostly do not occur together.
fn synthetic_rulebook(labels: usize) -> Rulebook {
    const WORDS: &[&str] = &[
        "flight",
        "cancelled",
        "again",
        "service",
        "box",
        "internet",
        "coupe",
        "marre",
        "buy",
        "pixel",
        "iphone",
        "recommande",
        "forfait",
        "appli",
        "mise",
        "jour",
        "faq",
        "cherche",
        "netflix",
        "preferences",
        "delta",
        "week",
        "goals",
        "coffee",
        "genial",
        "monde",
    ];
    let mut toml = String::from(
        "[rulebook]\nname = \"bench\"\nversion = \"1\"\n\n[[set]]\nid = \"s\"\nmode = \"many\"\n",
    );
    for l in 0..labels {
        toml.push_str(&format!("\n[[set.label]]\nid = \"l{l}\"\n"));
        let phrases: Vec<String> = (0..10)
            .map(|k| {
                let a = WORDS[(l * 7 + k * 3) % WORDS.len()];
                let b = WORDS[(l * 11 + k * 5 + 1) % WORDS.len()];
                if k == 0 {
                    format!("\"{a}\"")
                } else {
                    format!("\"{a} {b}\"")
                }
            })
            .collect();
        toml.push_str(&format!(
            "[[set.label.rule]]\nid = \"r{l}a\"\nany = [{}]\n",
            phrases.join(", ")
        ));
        match l % 4 {
            0 => toml.push_str(&format!(
                "[[set.label.rule]]\nid = \"r{l}b\"\nhashtags = [\"fail\"]\nexclaim = 2\n"
            )),
            1 => toml.push_str(&format!(
                "[[set.label.rule]]\nid = \"r{l}b\"\nnear = {{ left = [\"{}\"], right = [\"again\"], within = 3 }}\n",
                WORDS[l % WORDS.len()]
            )),
            2 => toml.push_str(&format!(
                "[[set.label.rule]]\nid = \"r{l}b\"\nall = [\"{}\", \"{}\"]\n",
                WORDS[l % WORDS.len()],
                WORDS[(l + 3) % WORDS.len()]
            )),
            _ => toml.push_str(&format!(
                "[[set.label.rule]]\nid = \"r{l}b\"\ncaps_ratio = 0.8\nmentions = [\"delta\"]\n"
            )),
        }
    }
    engine::from_str("bench.toml", &toml).expect("the synthetic rulebook is valid")
}

fn bytes() -> u64 {
    POSTS.iter().map(|p| p.len() as u64).sum()
}

fn normalisation(c: &mut Criterion) {
    let norm = Normalizer::default();
    let mut out = String::new();
    let mut g = c.benchmark_group("normalize");
    g.throughput(Throughput::Bytes(bytes()));
    g.bench_function("posts", |b| {
        b.iter(|| {
            for p in POSTS {
                norm.normalize_into(black_box(p), &mut out);
                black_box(&out);
            }
        })
    });
    let ascii = "plain ascii post about a cancelled flight and a refund, nothing else to say ";
    g.throughput(Throughput::Bytes(ascii.len() as u64));
    g.bench_function("ascii", |b| {
        b.iter(|| {
            norm.normalize_into(black_box(ascii), &mut out);
            black_box(&out);
        })
    });
    g.finish();
}

fn classification(c: &mut Criterion) {
    let mut g = c.benchmark_group("classify");
    g.throughput(Throughput::Bytes(bytes()));
    for (name, rb) in [
        ("default", engine::default_rulebook()),
        ("30_labels", synthetic_rulebook(30)),
        ("300_labels", synthetic_rulebook(300)),
    ] {
        let mut scratch = Scratch::default();
        let mut verdict = Verdict::default();
        g.bench_function(name, |b| {
            b.iter(|| {
                for p in POSTS {
                    rb.classify_into(black_box(p), &mut scratch, &mut verdict);
                    black_box(&verdict);
                }
            })
        });
    }
    g.finish();
}

/// Start-up: reading, checking and compiling the default rulebook, with its
/// regexes built on one thread and on every core (four at most).
fn loading(c: &mut Criterion) {
    let mut g = c.benchmark_group("load");
    g.sample_size(20);
    for (name, threads) in [("default_1_thread", 1), ("default_all_cores", 0)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let source = postclass::rulebook::Source::new(
                    postclass::rulebook::DEFAULT_NAME,
                    postclass::rulebook::DEFAULT_TEXT,
                );
                black_box(engine::load_on(source, threads).expect("the default loads"))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, normalisation, classification, loading);
criterion_main!(benches);
