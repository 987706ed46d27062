//! Property tests: random CSV and JSONL rows, with quotes, delimiters, line
//! breaks of every kind and any Unicode, come out of `postclass classify`
//! with every original field unchanged, one output row per input row.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::prelude::*;

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("roundtrip")
        .join(name);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// A one-rule rulebook: what is checked is the fields, not the labels, and
/// a small rulebook keeps each run quick.
const RULES: &str = "[rulebook]\nname = \"t\"\nversion = \"1\"\n\
    [[set]]\nid = \"kind\"\nmode = \"one\"\nfallback = \"other\"\n\
    [[set.label]]\nid = \"angry\"\n[[set.label.rule]]\nid = \"r\"\nany = [\"fed up\", \"é\"]\n";

fn classify(dir: &Path, input: &str, extra: &[&str]) -> Vec<u8> {
    fs::write(dir.join("rules.toml"), RULES).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_postclass"))
        .current_dir(dir)
        .args(["classify", input, "-q", "--rules", "rules.toml"])
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

/// Field text: mostly the characters that make CSV and JSON hard.
fn field() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(vec![
                ',', '"', '\n', '\r', '\t', ' ', ';', '\'', '\\', '{', '}', 'é', '€', '😡', '\u{feff}',
                '\u{0}', '\u{2028}',
            ]),
            6 => any::<char>(),
        ],
        0..40,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn config() -> ProptestConfig {
    // Each case runs the binary: a few dozen cases keep the suite quick.
    ProptestConfig {
        cases: 40,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn csv_fields_round_trip(
        rows in prop::collection::vec((field(), field()), 0..20),
        crlf in any::<bool>(),
        tsv in any::<bool>(),
    ) {
        let dir = scratch("csv");
        let delimiter = if tsv { b'\t' } else { b',' };
        let mut w = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .terminator(if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
            .from_writer(Vec::new());
        w.write_record(["id", "text", "note"]).unwrap();
        for (i, (text, note)) in rows.iter().enumerate() {
            w.write_record([i.to_string().as_str(), text, note]).unwrap();
        }
        let name = if tsv { "in.tsv" } else { "in.csv" };
        fs::write(dir.join(name), w.into_inner().unwrap()).unwrap();
        let out = classify(&dir, name, &[]);
        let mut r = csv::ReaderBuilder::new().delimiter(delimiter).from_reader(&out[..]);
        let got: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        prop_assert_eq!(got.len(), rows.len());
        for (i, ((text, note), rec)) in rows.iter().zip(&got).enumerate() {
            let id = i.to_string();
            prop_assert_eq!(&rec[0], id.as_str());
            prop_assert_eq!(&rec[1], text.as_str());
            prop_assert_eq!(&rec[2], note.as_str());
        }
    }

    #[test]
    fn jsonl_fields_round_trip(
        rows in prop::collection::vec((field(), field(), any::<i64>()), 0..20),
        crlf in any::<bool>(),
    ) {
        let dir = scratch("jsonl");
        let mut input = String::new();
        let mut originals = Vec::new();
        for (text, note, n) in &rows {
            let v = serde_json::json!({"id": n, "text": text, "meta": {"note": note, "list": [n, note]}});
            input.push_str(&v.to_string());
            input.push_str(if crlf { "\r\n" } else { "\n" });
            originals.push(v);
        }
        fs::write(dir.join("in.jsonl"), input).unwrap();
        let out = classify(&dir, "in.jsonl", &["--text", "text"]);
        let got: Vec<serde_json::Value> = out
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect();
        prop_assert_eq!(got.len(), originals.len());
        for (want, got) in originals.iter().zip(&got) {
            for (k, v) in want.as_object().unwrap() {
                prop_assert_eq!(&got[k], v);
            }
        }
    }

    #[test]
    fn csv_fields_round_trip_through_jsonl_output(
        rows in prop::collection::vec((field(), field()), 0..20),
    ) {
        let dir = scratch("csv_to_jsonl");
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["id", "text", "note"]).unwrap();
        for (i, (text, note)) in rows.iter().enumerate() {
            w.write_record([i.to_string().as_str(), text, note]).unwrap();
        }
        fs::write(dir.join("in.csv"), w.into_inner().unwrap()).unwrap();
        let out = classify(&dir, "in.csv", &["--output-format", "jsonl"]);
        let got: Vec<serde_json::Value> = out
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect();
        prop_assert_eq!(got.len(), rows.len());
        for (i, ((text, note), v)) in rows.iter().zip(&got).enumerate() {
            let id = i.to_string();
            prop_assert_eq!(v["id"].as_str(), Some(id.as_str()));
            prop_assert_eq!(v["text"].as_str(), Some(text.as_str()));
            prop_assert_eq!(v["note"].as_str(), Some(note.as_str()));
        }
    }
}
