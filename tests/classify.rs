//! `postclass classify` end to end: the real binary on fixture files.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod common;
use common::{stderr, stdout};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_postclass"))
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/classify")
        .join(name)
}

fn rules() -> PathBuf {
    fixture("rules.toml")
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // The process may exit before reading everything (a usage error).
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

const EXPECTED_CSV: &str = "\
id,author,text,likes,mood,mood_score,topics,priority,action,matched_rules,lang,lang_source
1,ana,\"Fed up with this delivery, again!!!\",3,cross,1.5,delivery,urgent,Answer now,cross-words;cross-shout;delivery-words,en,detected
2,bob,\"I love the app, great job\",10,happy,1,app,later,Say thanks,happy-words;app-words,und,detected
3,cleo,\"Livraison reçue, rien à dire\",0,neutral,0,delivery,3,Nothing,delivery-words,und,detected
4,dan,\"Plain post, with \"\"quotes\"\" and a comma\",1,neutral,0,,3,Nothing,,en,detected
5,eve,\"Line one
line two: j'en ai marre de l'appli\",2,cross,1,app,urgent,Answer now,cross-words;app-words,fr,detected
";

#[test]
fn csv_rows_keep_every_field_and_gain_the_labels() {
    let o = run(&["classify", p(&fixture("posts.csv")), "--rules", p(&rules())]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), EXPECTED_CSV);
    assert_eq!(
        stderr(&o),
        format!(
            "postclass: {}: text field `text` (detected)\n",
            p(&fixture("posts.csv"))
        )
    );
}

#[test]
fn same_output_whatever_the_thread_count() {
    for threads in ["1", "2", "3"] {
        let o = run(&[
            "classify",
            p(&fixture("posts.csv")),
            "--rules",
            p(&rules()),
            "-j",
            threads,
            "-q",
        ]);
        assert_eq!(stdout(&o), EXPECTED_CSV, "with {threads} threads");
        assert_eq!(stderr(&o), "", "--quiet prints nothing");
    }
}

#[test]
fn jsonl_objects_are_kept_byte_for_byte_with_labels_appended() {
    let o = run(&[
        "classify",
        p(&fixture("posts.jsonl")),
        "--rules",
        p(&rules()),
        "--text",
        "post.body",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        concat!(
            r#"{"id":1,"user":{"name":"ana"},"post":{"body":"Fed up with this delivery, again!!!"},"mood":"cross","mood_score":1.5,"topics":["delivery"],"priority":"urgent","action":"Answer now","matched_rules":["cross-words","cross-shout","delivery-words"],"lang":"en","lang_source":"detected"}"#,
            "\n",
            r#"{"id":2,"user":{"name":"bob"},"post":{"body":"I love the app, great job"},"mood":"happy","mood_score":1,"topics":["app"],"priority":"later","action":"Say thanks","matched_rules":["happy-words","app-words"],"lang":"und","lang_source":"detected"}"#,
            "\n",
            r#"{"id":3,"user":{"name":"cleo"},"post":{"body":"Livraison reçue, rien à dire"},"extra":[1,2.50,{"k":null}],"mood":"neutral","mood_score":0,"topics":["delivery"],"priority":"3","action":"Nothing","matched_rules":["delivery-words"],"lang":"und","lang_source":"detected"}"#,
            "\n"
        )
    );
    assert_eq!(stderr(&o), "", "no detection message when --text is given");
}

#[test]
fn nested_json_text_is_detected_and_reported() {
    let o = run(&[
        "classify",
        p(&fixture("posts.jsonl")),
        "--rules",
        p(&rules()),
    ]);
    assert!(o.status.success());
    assert_eq!(
        stderr(&o),
        format!(
            "postclass: {}: text field `post.body` (detected)\n",
            p(&fixture("posts.jsonl"))
        )
    );
    assert_eq!(stdout(&o).lines().count(), 3);
}

#[test]
fn json_written_as_csv_flattens_the_chosen_fields() {
    let o = run(&[
        "classify",
        p(&fixture("posts.jsonl")),
        "--rules",
        p(&rules()),
        "--output-format",
        "csv",
        "--fields",
        "id,user.name,post.body,extra",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let mut lines = out.lines();
    assert_eq!(
        lines.next().unwrap(),
        "id,user.name,post.body,extra,mood,mood_score,topics,priority,action,matched_rules,lang,lang_source"
    );
    assert_eq!(
        lines.next().unwrap(),
        "1,ana,\"Fed up with this delivery, again!!!\",,cross,1.5,delivery,urgent,Answer now,cross-words;cross-shout;delivery-words,en,detected"
    );
    assert_eq!(
        lines.nth(1).unwrap(),
        "3,cleo,\"Livraison reçue, rien à dire\",\"[1,2.5,{\"\"k\"\":null}]\",neutral,0,delivery,3,Nothing,delivery-words,und,detected"
    );
}

#[test]
fn csv_written_as_jsonl_has_string_fields() {
    let o = run(&[
        "classify",
        p(&fixture("posts.csv")),
        "--rules",
        p(&rules()),
        "--output-format",
        "jsonl",
        "-q",
    ]);
    let first = stdout(&o).lines().next().unwrap().to_string();
    assert_eq!(
        first,
        r#"{"id":"1","author":"ana","text":"Fed up with this delivery, again!!!","likes":"3","mood":"cross","mood_score":1.5,"topics":["delivery"],"priority":"urgent","action":"Answer now","matched_rules":["cross-words","cross-shout","delivery-words"],"lang":"en","lang_source":"detected"}"#
    );
}

#[test]
fn stdin_to_stdout() {
    let input = std::fs::read(fixture("posts.csv")).unwrap();
    let o = run_with_stdin(
        &[
            "classify",
            "--rules",
            p(&rules()),
            "--input-format",
            "csv",
            "-q",
        ],
        &input,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), EXPECTED_CSV);
    let o = run_with_stdin(
        &[
            "classify",
            "-",
            "--rules",
            p(&rules()),
            "--input-format",
            "csv",
            "-q",
        ],
        &input,
    );
    assert_eq!(stdout(&o), EXPECTED_CSV);
}

#[test]
fn stdin_needs_a_format() {
    let o = run_with_stdin(&["classify", "--rules", p(&rules())], b"text\nhello\n");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot tell the format of standard input: pass --input-format"));
}

#[test]
fn gzip_inputs_are_decompressed() {
    let dir = tempdir("gzip");
    let gz = dir.join("posts.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&std::fs::read(fixture("posts.csv")).unwrap())
        .unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let o = run(&["classify", p(&gz), "--rules", p(&rules()), "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), EXPECTED_CSV);
    // Gzip on stdin is recognised by its magic bytes.
    let o = run_with_stdin(
        &[
            "classify",
            "--rules",
            p(&rules()),
            "--input-format",
            "csv",
            "-q",
        ],
        &std::fs::read(&gz).unwrap(),
    );
    assert_eq!(stdout(&o), EXPECTED_CSV);
}

#[test]
fn missing_text_column_lists_the_columns() {
    let o = run(&[
        "classify",
        p(&fixture("no_text.csv")),
        "--rules",
        p(&rules()),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "postclass: error: {}: cannot find the text column; pass --text NAME. The columns are: id, author, likes\n",
            p(&fixture("no_text.csv"))
        )
    );
    assert_eq!(stdout(&o), "");
    let o = run(&[
        "classify",
        p(&fixture("posts.csv")),
        "--rules",
        p(&rules()),
        "--text",
        "body",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no column named `body`; the columns are: id, author, text, likes"));
}

#[test]
fn missing_json_text_lists_the_string_fields() {
    let o = run(&[
        "classify",
        p(&fixture("no_text.jsonl")),
        "--rules",
        p(&rules()),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "postclass: error: {}: cannot find the text field; pass --text PATH. The string fields are: meta.lang\n",
            p(&fixture("no_text.jsonl"))
        )
    );
}

#[test]
fn a_missing_json_text_names_the_line_and_field() {
    let o = run(&[
        "classify",
        p(&fixture("posts.jsonl")),
        "--rules",
        p(&rules()),
        "--text",
        "post.title",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "postclass: error: {}:1: record 1, field `post.title`: missing or null; expected a string\n\
             (pass --on-error skip to set such records aside and label the rest)\n",
            p(&fixture("posts.jsonl"))
        )
    );
}

#[test]
fn several_inputs_are_read_in_order() {
    let o = run(&[
        "classify",
        p(&fixture("posts.csv")),
        p(&fixture("more_posts.csv")),
        "--rules",
        p(&rules()),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with(EXPECTED_CSV.lines().next().unwrap()));
    assert!(
        out.ends_with(
            "6,fay,encore une panne,0,cross,1,,urgent,Answer now,cross-words,und,detected\n"
        ),
        "{out}"
    );
    assert_eq!(out.matches("id,author,text").count(), 1, "one header only");
}

#[test]
fn inputs_with_different_headers_are_refused() {
    let o = run(&[
        "classify",
        p(&fixture("posts.csv")),
        p(&fixture("other_header.csv")),
        "--rules",
        p(&rules()),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("its header differs from the header of"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn added_fields_may_not_clash_with_input_fields() {
    let o = run(&[
        "classify",
        p(&fixture("has_label.csv")),
        "--rules",
        p(&rules()),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("the input already has a field named `mood`; pass --prefix"));
    let o = run(&[
        "classify",
        p(&fixture("has_label.csv")),
        "--rules",
        p(&rules()),
        "--prefix",
        "pc_",
        "-q",
    ]);
    assert!(o.status.success());
    assert_eq!(
        stdout(&o).lines().next().unwrap(),
        "id,text,mood,pc_mood,pc_mood_score,pc_topics,pc_priority,pc_action,pc_matched_rules,pc_lang,pc_lang_source"
    );
}

const EXPECTED_SUMMARY: &str = r#"{
  "rulebook": {
    "name": "fixture",
    "version": "1.2.0"
  },
  "rows": {
    "read": 5,
    "labelled": 5,
    "rejected": 0
  },
  "sets": [
    {
      "id": "mood",
      "mode": "one",
      "fallback": "neutral",
      "unlabelled": 2,
      "labels": [
        {
          "id": "cross",
          "count": 2,
          "share": 0.4
        },
        {
          "id": "happy",
          "count": 1,
          "share": 0.2
        },
        {
          "id": "neutral",
          "count": 2,
          "share": 0.4
        }
      ]
    },
    {
      "id": "topics",
      "mode": "many",
      "unlabelled": 1,
      "labels": [
        {
          "id": "delivery",
          "count": 2,
          "share": 0.4
        },
        {
          "id": "app",
          "count": 2,
          "share": 0.4
        }
      ]
    }
  ],
  "rules": [
    {
      "id": "cross-words",
      "set": "mood",
      "label": "cross",
      "hits": 2
    },
    {
      "id": "cross-shout",
      "set": "mood",
      "label": "cross",
      "hits": 1
    },
    {
      "id": "happy-words",
      "set": "mood",
      "label": "happy",
      "hits": 1
    },
    {
      "id": "delivery-words",
      "set": "topics",
      "label": "delivery",
      "hits": 2
    },
    {
      "id": "app-words",
      "set": "topics",
      "label": "app",
      "hits": 2
    }
  ],
  "languages": {
    "covered": [
      "en",
      "fr"
    ],
    "in_covered": 3,
    "uncovered": 0,
    "undetermined": 2,
    "covered_share": 0.6,
    "from_field": 0,
    "detected": 5,
    "counts": [
      {
        "lang": "en",
        "count": 2,
        "share": 0.4,
        "covered": true
      },
      {
        "lang": "und",
        "count": 2,
        "share": 0.4,
        "covered": true
      },
      {
        "lang": "fr",
        "count": 1,
        "share": 0.2,
        "covered": true
      }
    ]
  }
}
"#;

#[test]
fn summary_only_prints_the_counts() {
    let o = run(&[
        "classify",
        p(&fixture("posts.csv")),
        "--rules",
        p(&rules()),
        "--summary-only",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), EXPECTED_SUMMARY);
}

#[test]
fn summary_dash_goes_to_stderr_when_rows_are_on_stdout() {
    let o = run(&[
        "classify",
        p(&fixture("posts.csv")),
        "--rules",
        p(&rules()),
        "--summary",
        "-",
        "-q",
    ]);
    assert_eq!(stdout(&o), EXPECTED_CSV);
    assert_eq!(stderr(&o), EXPECTED_SUMMARY);
}

#[test]
fn output_and_summary_files_by_extension() {
    let dir = tempdir("files");
    let out = dir.join("labelled.csv");
    for (name, check) in [
        ("summary.json", EXPECTED_SUMMARY.to_string()),
        (
            "summary.csv",
            "section,set,id,count,share\nrows,,read,5,\nrows,,labelled,5,\nrows,,rejected,0,\nlabel,mood,cross,2,0.4\nlabel,mood,happy,1,0.2\nlabel,mood,neutral,2,0.4\nunlabelled,mood,,2,\nlabel,topics,delivery,2,0.4\nlabel,topics,app,2,0.4\nunlabelled,topics,,1,\nrule,mood,cross-words,2,\nrule,mood,cross-shout,1,\nrule,mood,happy-words,1,\nrule,topics,delivery-words,2,\nrule,topics,app-words,2,\nlanguage,,en,2,0.4\nlanguage,,und,2,0.4\nlanguage,,fr,1,0.2\nlanguages,,covered,3,0.6\nlanguages,,not_covered,0,\nlanguages,,undetermined,2,\nlanguages,,from_field,0,\nlanguages,,detected,5,\n".to_string(),
        ),
    ] {
        let summary = dir.join(name);
        let o = run(&[
            "classify",
            p(&fixture("posts.csv")),
            "--rules",
            p(&rules()),
            "-o",
            p(&out),
            "--summary",
            p(&summary),
            "-q",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(stdout(&o), "", "rows went to the file");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), EXPECTED_CSV);
        assert_eq!(std::fs::read_to_string(&summary).unwrap(), check, "{name}");
    }
    let md = dir.join("summary.md");
    let o = run(&[
        "classify",
        p(&fixture("posts.csv")),
        "--rules",
        p(&rules()),
        "--summary-only",
        "--summary",
        p(&md),
    ]);
    assert!(o.status.success());
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.contains("| cross | 2 | 40.0% |"), "{text}");
    assert!(text.contains("| cross-shout | mood.cross | 1 |"), "{text}");
    // Nothing but our files in the folder: no temporary files left.
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec!["labelled.csv", "summary.csv", "summary.json", "summary.md"]
    );
}

#[test]
fn a_failed_run_leaves_the_previous_output_untouched() {
    let dir = tempdir("atomic");
    let out = dir.join("out.jsonl");
    std::fs::write(&out, "previous\n").unwrap();
    let o = run(&[
        "classify",
        p(&fixture("posts.jsonl")),
        "--rules",
        p(&rules()),
        "--text",
        "post.title",
        "-o",
        p(&out),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous\n");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "no temporary file left"
    );
}

/// `-o /dev/null` and other special files must be written to, never
/// replaced by a plain file (the atomic rename would do that). A named pipe
/// stands in for /dev/null here: the test must not risk the real device.
#[cfg(unix)]
#[test]
fn an_existing_special_file_is_written_in_place() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempdir("fifo");
    let fifo = dir.join("out.pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    // Opening a FIFO for reading blocks until a writer comes: read it on
    // a thread while postclass writes.
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let o = run(&[
        "classify",
        p(&fixture("posts.csv")),
        "--rules",
        p(&rules()),
        "-o",
        p(&fifo),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Checked before joining: a replaced pipe would never get a writer.
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the named pipe is still a named pipe");
    let written = reader.join().unwrap();
    assert!(written.starts_with("id,"), "{written}");
    assert!(
        written.lines().next().unwrap().contains(",mood,"),
        "{written}"
    );
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "no temporary file"
    );
}

#[cfg(unix)]
#[test]
fn a_symlinked_output_is_followed_and_the_link_kept() {
    let dir = tempdir("symlink");
    std::fs::create_dir(dir.join("real")).unwrap();
    let real = dir.join("real/out.csv");
    std::fs::write(&real, "previous\n").unwrap();
    let link = dir.join("latest.csv");
    std::os::unix::fs::symlink("real/out.csv", &link).unwrap();
    let o = run(&[
        "classify",
        p(&fixture("posts.csv")),
        "--rules",
        p(&rules()),
        "-o",
        p(&link),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let meta = std::fs::symlink_metadata(&link).unwrap();
    assert!(meta.file_type().is_symlink(), "the link is still a link");
    let written = std::fs::read_to_string(&real).unwrap();
    assert!(
        written.lines().next().unwrap().contains(",mood,"),
        "{written}"
    );
}

#[test]
fn a_directory_as_output_is_refused_before_reading() {
    let dir = tempdir("outdir");
    let o = run(&[
        "classify",
        p(&fixture("posts.csv")),
        "--rules",
        p(&rules()),
        "-o",
        p(&dir),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is a directory"), "{}", stderr(&o));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}

#[test]
fn writing_onto_an_input_is_refused() {
    let dir = tempdir("onto-input");
    let input = dir.join("posts.csv");
    std::fs::copy(fixture("posts.csv"), &input).unwrap();
    let o = run(&[
        "classify",
        p(&input),
        "--rules",
        p(&rules()),
        "-o",
        p(&input),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("refusing to write the output onto the input"));
    assert_eq!(
        std::fs::read(&input).unwrap(),
        std::fs::read(fixture("posts.csv")).unwrap()
    );
}

#[test]
fn a_closed_stdout_ends_quietly() {
    // Enough rows that the output outgrows the pipe buffer.
    let mut input = String::from("id,text\n");
    for i in 0..50_000 {
        input.push_str(&format!("{i},I love the app and the delivery {i}\n"));
    }
    let mut child = bin()
        .args([
            "classify",
            "--rules",
            p(&rules()),
            "--input-format",
            "csv",
            "-q",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    std::io::Read::read_exact(&mut out, &mut first).unwrap();
    drop(out);
    let status = child.wait().unwrap();
    writer.join().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(0), "stderr: {err}");
    assert_eq!(err, "");
}

#[test]
fn empty_and_header_only_inputs_give_an_empty_result() {
    let dir = tempdir("empty");
    let empty = dir.join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    let o = run(&["classify", p(&empty), "--rules", p(&rules()), "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    let header_only = dir.join("header.csv");
    std::fs::write(&header_only, "id,text\n").unwrap();
    let o = run(&["classify", p(&header_only), "--rules", p(&rules()), "-q"]);
    assert!(o.status.success());
    assert_eq!(
        stdout(&o),
        "id,text,mood,mood_score,topics,priority,action,matched_rules,lang,lang_source\n"
    );
    let o = run(&[
        "classify",
        p(&header_only),
        "--rules",
        p(&rules()),
        "--summary-only",
        "-q",
    ]);
    let summary: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(summary["rows"]["read"], 0);
    assert_eq!(summary["sets"][0]["labels"][0]["share"], 0.0);
}

#[test]
fn a_broken_rulebook_is_an_input_error() {
    let dir = tempdir("broken-rules");
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "[rulebook]\nname = \"x\"\nversion = \"1\"\nwieght = 2\n",
    )
    .unwrap();
    let o = run(&["classify", p(&fixture("posts.csv")), "--rules", p(&bad)]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "{}:4:1: error[E002]: unknown key `wieght`",
            p(&bad)
        )),
        "{err}"
    );
}

#[test]
fn the_default_rulebook_runs_on_the_bundled_examples() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let csv = root.join("examples/tweets.csv");
    let o = run(&["classify", p(&csv), "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut input = csv::Reader::from_path(&csv).unwrap();
    let mut output = csv::Reader::from_reader(o.stdout.as_slice());
    let in_headers = input.headers().unwrap().clone();
    let out_headers = output.headers().unwrap().clone();
    let added: Vec<&str> = out_headers.iter().skip(in_headers.len()).collect();
    assert_eq!(
        added,
        [
            "customer_type",
            "customer_type_score",
            "traits",
            "priority",
            "action",
            "matched_rules",
            "lang_source"
        ]
    );
    let ins: Vec<csv::StringRecord> = input.records().map(Result::unwrap).collect();
    let outs: Vec<csv::StringRecord> = output.records().map(Result::unwrap).collect();
    assert_eq!(ins.len(), outs.len());
    for (i, o) in ins.iter().zip(&outs) {
        let kept: Vec<&str> = o.iter().take(i.len()).collect();
        assert_eq!(kept, i.iter().collect::<Vec<_>>(), "input fields unchanged");
    }

    let jsonl = root.join("examples/export.jsonl");
    let o = run(&["classify", p(&jsonl), "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let input = std::fs::read_to_string(&jsonl).unwrap();
    let out = stdout(&o);
    assert_eq!(input.lines().count(), out.lines().count());
    for (i, o) in input.lines().zip(out.lines()) {
        let i: serde_json::Value = serde_json::from_str(i).unwrap();
        let o: serde_json::Value = serde_json::from_str(o).unwrap();
        for (k, v) in i.as_object().unwrap() {
            assert_eq!(&o[k], v);
        }
        assert!(o["traits"].is_array());
        assert!(o["customer_type"].is_string());
    }
}

/// A fresh folder under the target directory for one test.
fn tempdir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("classify-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
