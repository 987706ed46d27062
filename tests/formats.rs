//! Real export formats: every preset on fixtures in the shapes the tools
//! write (tests/fixtures/formats/README.md says which documentation each
//! follows), classified with a small fixture rulebook.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

const RULES: &str = "tests/fixtures/formats/rules.toml";
const DIR: &str = "tests/fixtures/formats";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn postclass_with_stdin(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_postclass"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    if let Some(bytes) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(bytes)
            .expect("stdin is written");
    }
    let out = child.wait_with_output().expect("the binary ends");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 output"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 errors"),
    }
}

fn postclass(args: &[&str]) -> Run {
    postclass_with_stdin(args, None)
}

/// Classifies fixture files with the fixture rulebook, CSV out, one thread.
fn classify_csv(files: &[&str], extra: &[&str]) -> Run {
    let paths: Vec<String> = files.iter().map(|f| format!("{DIR}/{f}")).collect();
    let mut args = vec![
        "classify",
        "--rules",
        RULES,
        "--output-format",
        "csv",
        "-j",
        "1",
    ];
    args.extend(paths.iter().map(String::as_str));
    args.extend_from_slice(extra);
    let run = postclass(&args);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    run
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("formats-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const LABELS: &str = "kind,kind_score,traits,priority,action,matched_rules";

#[test]
fn twarc2_pages_become_one_post_per_tweet_with_its_author() {
    let run = classify_csv(&["twarc2/search.jsonl"], &[]);
    assert_eq!(
        run.stdout,
        format!(
            "id,author,created_at,lang,mentions,text,{LABELS},lang_source\n\
1767141186211234001,lea_m,2024-03-11T08:58:02.000Z,fr,FibreNova,\"@FibreNova Ma box est en panne depuis trois jours et le service client ne répond pas. Je demande un remboursement de l'abonnement pour la période sans connexion, et je voudrais aussi comprendre pourquoi personne ne m'a prévenue, ni par mail ni par SMS, alors que l'incident est connu depuis lundi. Pourquoi ?\",complaint,1,question,,,complaint-words;question-mark,field\n\
1767140012345678002,samporter,2024-03-11T08:53:22.000Z,en,,\"Switched from AT&T last week and the new app is great, thanks for the smooth move!\",praise,1,mobile,,,praise-words;mobile-words,field\n\
1767131000000000003,karim_b,2024-03-11T08:17:45.000Z,fr,FibreNova,Quelqu'un sait si @FibreNova couvre Villeurbanne ?,other,0,question,,,question-mark,field\n"
        )
    );
    assert_eq!(
        run.stderr,
        "postclass: tests/fixtures/formats/twarc2/search.jsonl: preset `twarc2` detected (twarc2 Twitter API v2 pages; each tweet is a post)\n"
    );
}

#[test]
fn twarc2_jsonl_output_is_each_tweet_with_its_author_object() {
    let run = postclass(&[
        "classify",
        "--rules",
        RULES,
        "-q",
        "tests/fixtures/formats/twarc2/search.jsonl",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page: Value = serde_json::from_str(
        std::fs::read_to_string(format!("{DIR}/twarc2/search.jsonl"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3);
    let first: Value = serde_json::from_str(lines[0]).unwrap();
    let mut want = page["data"][0].clone();
    want["author"] = page["includes"]["users"][0].clone();
    for (k, v) in [
        ("kind", serde_json::json!("complaint")),
        ("kind_score", serde_json::json!(1)),
        ("traits", serde_json::json!(["question"])),
        ("priority", serde_json::json!("")),
        ("action", serde_json::json!("")),
        (
            "matched_rules",
            serde_json::json!(["complaint-words", "question-mark"]),
        ),
        ("lang_source", serde_json::json!("field")),
    ] {
        want[k] = v;
    }
    assert_eq!(first, want);
    // The tweet keeps its own bytes: the author is spliced in, not re-serialised.
    let raw_tweet = serde_json::to_string(&page["data"][0]).unwrap();
    assert!(lines[0].starts_with(&raw_tweet[..raw_tweet.len() - 1]));
}

#[test]
fn tweets_preset_reads_twarc2_flat_snscrape_and_v1_tweets() {
    let run = classify_csv(
        &[
            "tweets/snscrape.jsonl",
            "tweets/v1.jsonl",
            "tweets/twarc2-flat.jsonl",
        ],
        &[],
    );
    assert_eq!(
        run.stdout,
        format!(
            "id,author,created_at,lang,mentions,text,{LABELS},lang_source\n\
1620011122233344401,chloe_r,2023-01-30T11:20:00+00:00,fr,BanqueDuNord,\"L'appli bancaire ne marche plus depuis la mise à jour, impossible de valider un virement @BanqueDuNord\",complaint,1,mobile,,,complaint-words;mobile-words,field\n\
1620015566677788802,mike_t,2023-01-30T11:37:41+00:00,en,,\"Bravo to the support team, fixed in ten minutes flat.\",praise,1,,,,praise-words,field\n\
1139199001122334455,jo_green,Thu Jun 13 16:02:11 +0000 2019,en,TrainExpress,\"@TrainExpress my refund request is still \"\"pending\"\" after 6 weeks >:(\",complaint,1,,,,complaint-words,field\n\
1767141186211234001,lea_m,2024-03-11T08:58:02.000Z,fr,FibreNova,\"@FibreNova Ma box est en panne depuis trois jours et le service client ne répond pas. Je demande un remboursement de l'abonnement pour la période sans connexion, et je voudrais aussi comprendre pourquoi personne ne m'a prévenue, ni par mail ni par SMS, alors que l'incident est connu depuis lundi. Pourquoi ?\",complaint,1,question,,,complaint-words;question-mark,field\n\
1767140012345678002,samporter,2024-03-11T08:53:22.000Z,en,,\"Switched from AT&T last week and the new app is great, thanks for the smooth move!\",praise,1,mobile,,,praise-words;mobile-words,field\n\
1767131000000000003,karim_b,2024-03-11T08:17:45.000Z,fr,FibreNova,Quelqu'un sait si @FibreNova couvre Villeurbanne ?,other,0,question,,,question-mark,field\n"
        )
    );
    assert_eq!(
        run.stderr,
        "postclass: tests/fixtures/formats/tweets/snscrape.jsonl: preset `tweets` detected (one tweet per record)\n"
    );
}

#[test]
fn twitter_archive_tweets_js_is_read_element_by_element() {
    let run = classify_csv(&["twitter-archive/tweets.js"], &[]);
    assert_eq!(
        run.stdout,
        format!(
            "id,created_at,lang,mentions,text,{LABELS},lang_source\n\
1654321000000000001,Fri May 05 07:45:10 +0000 2023,fr,MetroLigne,\"@MetroLigne la ligne 4 est encore en panne ce matin, vous pourriez prévenir plus tôt…\",complaint,1,,,,complaint-words,field\n\
1654400000000000002,Fri May 05 13:00:00 +0000 2023,en,,Q&A tonight: does the new app work offline?,other,0,mobile;question,,,mobile-words;question-mark,field\n"
        )
    );
    assert_eq!(
        run.stderr,
        "postclass: tests/fixtures/formats/twitter-archive/tweets.js: preset `twitter-archive` detected (Twitter/X archive tweets)\n"
    );
}

const MASTODON_CSV: &str = "id,author,created_at,lang,mentions,text,kind,kind_score,traits,priority,action,matched_rules,lang_source\n\
111958000000000001,ana@pouet.example,2024-02-19T08:31:00.000Z,fr,tom,\"Bonjour @tom, l'appli de la médiathèque ne marche plus depuis hier\u{a0}:\n\n<erreur 503> & page blanche.\nUne idée\u{a0}?\",complaint,1,mobile;question,,,complaint-words;mobile-words;question-mark,field\n\
111958000000000002,tom,2024-02-19T09:02:00.000Z,en,,\"Long post, good news\n\nThanks to the library staff for the new opening hours #Library https://library.example/hours\",praise,1,,,,praise-words,field\n\
111958000000000003,tom,2024-02-19T09:30:00.000Z,,,Bravo aux bénévoles du festival !,praise,1,,,,praise-words,detected\n";

#[test]
fn mastodon_html_content_is_read_as_text() {
    let run = classify_csv(&["mastodon/statuses.json"], &[]);
    assert_eq!(run.stdout, MASTODON_CSV);
    assert_eq!(
        run.stderr,
        "postclass: tests/fixtures/formats/mastodon/statuses.json: preset `mastodon` detected (Mastodon statuses; HTML content read as text)\n"
    );
    // The same statuses as JSONL read the same.
    assert_eq!(
        classify_csv(&["mastodon/statuses.jsonl"], &[]).stdout,
        MASTODON_CSV
    );
}

#[test]
fn a_pretty_printed_array_is_written_back_one_object_per_line() {
    let run = postclass(&[
        "classify",
        "--rules",
        RULES,
        "-q",
        "tests/fixtures/formats/mastodon/statuses.json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let original: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(format!("{DIR}/mastodon/statuses.json")).unwrap(),
    )
    .unwrap();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), original.len());
    for (line, want) in lines.iter().zip(&original) {
        let Value::Object(mut got) = serde_json::from_str::<Value>(line).unwrap() else {
            panic!("not an object: {line}");
        };
        for added in [
            "kind",
            "kind_score",
            "traits",
            "priority",
            "action",
            "matched_rules",
            "lang",
            "lang_source",
        ] {
            assert!(got.remove(added).is_some(), "{added} missing");
        }
        assert_eq!(&Value::Object(got), want);
    }
}

const REDDIT_CSV: &str = "id,author,created_at,subreddit,text,kind,kind_score,traits,priority,action,matched_rules,lang,lang_source\n\
kfz1a2b,velo_lyonnais,1704103200,lyon,\"Même souci ici, l'appli TCL est en panne depuis la mise à jour & le support ne répond pas.\",complaint,1,mobile,,,complaint-words;mobile-words,fr,detected\n\
kfz3c4d,quiet_pixel,1704106800,france,\"Got my money back in two days, > expectations. Thanks!\",praise,1,,,,praise-words,en,detected\n\
18vq1r2,nadia_k,1704110400,france,\"Box en panne, que faire ?\n\nDepuis samedi ma box internet est en panne.\n\nQuelqu'un a réussi à obtenir un remboursement ?\",complaint,1,question,,,complaint-words;question-mark,fr,detected\n\
18vr5s6,[deleted],1704114000,technology,Review: the new smartphone app Q&A,other,0,mobile,,,mobile-words,en,detected\n";

#[test]
fn reddit_comments_and_submissions_read_body_or_title_and_selftext() {
    let run = classify_csv(&["reddit/RC_2024-01.jsonl", "reddit/RS_2024-01.jsonl"], &[]);
    assert_eq!(run.stdout, REDDIT_CSV);
    assert_eq!(
        run.stderr,
        "postclass: tests/fixtures/formats/reddit/RC_2024-01.jsonl: preset `reddit` detected (Reddit comments and submissions)\n"
    );
}

/// Compresses `data` as Pushshift does: zstd with a 2 GiB window
/// (`zstd --long=31`), which decoders refuse unless told to accept it.
fn pushshift_zst(data: &[u8]) -> Vec<u8> {
    let mut enc = zstd::stream::Encoder::new(Vec::new(), 3).unwrap();
    enc.long_distance_matching(true).unwrap();
    enc.window_log(31).unwrap();
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

#[test]
fn reddit_zst_dumps_named_like_pushshift_are_read_as_a_stream() {
    let dir = scratch_dir("zst");
    let mut plain = std::fs::read(format!("{DIR}/reddit/RC_2024-01.jsonl")).unwrap();
    plain.extend(std::fs::read(format!("{DIR}/reddit/RS_2024-01.jsonl")).unwrap());
    let packed = pushshift_zst(&plain);
    // The fixture needs the large window: a default decoder refuses it.
    assert!(zstd::stream::decode_all(&packed[..]).is_err());
    let path = dir.join("RC_2024-01.zst");
    std::fs::write(&path, &packed).unwrap();
    let path = path.to_str().unwrap();
    let run = postclass(&["classify", "--rules", RULES, "--output-format", "csv", path]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, REDDIT_CSV);
    assert_eq!(
        run.stderr,
        format!("postclass: {path}: preset `reddit` detected (Reddit comments and submissions)\n")
    );
    // Through standard input, the preset says the format; zstd is recognised by its magic bytes.
    let run = postclass_with_stdin(
        &[
            "classify",
            "--rules",
            RULES,
            "--preset",
            "reddit",
            "--output-format",
            "csv",
            "-q",
        ],
        Some(&packed),
    );
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, REDDIT_CSV),
        "{}",
        run.stderr
    );
}

#[test]
fn a_zst_file_that_is_not_zstd_is_refused() {
    let dir = scratch_dir("not-zst");
    let path = dir.join("comments.jsonl.zst");
    std::fs::write(&path, "{\"body\":\"x\",\"subreddit\":\"y\"}\n").unwrap();
    let run = postclass(&["classify", "--rules", RULES, path.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        format!(
            "postclass: error: {}: the name ends in .zst but the content is not Zstandard\n",
            path.display()
        )
    );
}

#[test]
fn bluesky_post_views_feed_items_and_repo_records() {
    let run = classify_csv(
        &[
            "bluesky/search-posts.jsonl",
            "bluesky/author-feed.jsonl",
            "bluesky/list-records.jsonl",
        ],
        &[],
    );
    let complaint = "\"Le wifi du train ne marche plus depuis Dijon, @sncf-connect.bsky.social vous êtes au courant ?\",complaint,1,question,,,complaint-words;question-mark";
    let praise =
        "\"Love the new app update, thanks team\",praise,1,mobile,,,praise-words;mobile-words";
    let uri1 = "at://did:plc:q2w3e4r5t6y7u8i9o0p1a2s3/app.bsky.feed.post/3kpqrs2tuvw2x";
    let uri2 = "at://did:plc:z9x8c7v6b5n4m3l2k1j0h9g8/app.bsky.feed.post/3kpqxyz7abc2y";
    let row1 = format!("{uri1},margaux.bsky.social,2024-04-02T07:15:30.120Z,fr,sncf-connect.bsky.social,{complaint}");
    let row2 = format!("{uri2},devon.example.com,2024-04-02T08:40:00.000Z,en,,{praise}");
    let row3 = format!("{uri1},,2024-04-02T07:15:30.120Z,fr,sncf-connect.bsky.social,{complaint}");
    assert_eq!(
        run.stdout,
        format!("id,author,created_at,lang,mentions,text,{LABELS},lang_source\n{row1},field\n{row2},field\n{row1},field\n{row2},field\n{row3},field\n")
    );
    assert_eq!(
        run.stderr,
        "postclass: tests/fixtures/formats/bluesky/search-posts.jsonl: preset `bluesky` detected (Bluesky posts)\n"
    );
}

#[test]
fn listening_tool_csv_columns_are_detected_as_the_text() {
    for (file, column, labels) in [
        ("full-text.csv", "Full Text", ["complaint", "praise"]),
        ("message.csv", "Message", ["praise", "complaint"]),
        ("content.csv", "content", ["complaint", "other"]),
    ] {
        let run = classify_csv(&[&format!("csv/{file}")], &[]);
        assert_eq!(
            run.stderr,
            format!(
                "postclass: tests/fixtures/formats/csv/{file}: text field `{column}` (detected)\n"
            )
        );
        let mut rows = csv::Reader::from_reader(run.stdout.as_bytes());
        let headers = rows.headers().unwrap().clone();
        let kind = headers.iter().position(|h| h == "kind").unwrap();
        let got: Vec<String> = rows
            .records()
            .map(|r| r.unwrap()[kind].to_string())
            .collect();
        assert_eq!(got, labels, "{file}");
    }
}

#[test]
fn fields_mix_preset_names_dotted_paths_and_the_text() {
    let run = classify_csv(
        &["twarc2/search.jsonl"],
        &[
            "--fields",
            "id,author,public_metrics.like_count,author.name,text",
            "-q",
        ],
    );
    let first_lines: Vec<&str> = run.stdout.lines().take(1).collect();
    assert_eq!(
        first_lines,
        [format!(
            "id,author,public_metrics.like_count,author.name,text,{LABELS},lang,lang_source"
        )]
    );
    assert!(
        run.stdout.contains(
            "\n1767140012345678002,samporter,5,Sam Porter,\"Switched from AT&T last week and the new app is great, thanks for the smooth move!\",praise,"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn a_preset_on_stdin_sets_the_format_and_skips_detection() {
    let input = std::fs::read(format!("{DIR}/tweets/v1.jsonl")).unwrap();
    let run = postclass_with_stdin(
        &[
            "classify",
            "--rules",
            RULES,
            "--preset",
            "tweets",
            "--output-format",
            "csv",
            "--fields",
            "author,text",
        ],
        Some(&input),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    assert_eq!(
        run.stdout,
        format!("author,text,{LABELS},lang,lang_source\njo_green,\"@TrainExpress my refund request is still \"\"pending\"\" after 6 weeks >:(\",complaint,1,,,,complaint-words,en,field\n")
    );
}

#[test]
fn a_preset_refuses_csv_input() {
    let run = postclass(&[
        "classify",
        "--rules",
        RULES,
        "--preset",
        "mastodon",
        "tests/fixtures/formats/csv/message.csv",
    ]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "postclass: error: --preset mastodon reads JSON exports, but the input format is csv\n"
    );
}

#[test]
fn a_text_field_turns_preset_detection_off() {
    let run = classify_csv(&["tweets/twarc2-flat.jsonl"], &["--text", "text"]);
    assert_eq!(run.stderr, "");
    // The plain `text` field: the long post's truncated text, entities as written.
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], format!("text,{LABELS},lang,lang_source"));
    assert!(
        lines[1].ends_with(
            "ni par mail ni par SMS, alors que…\",complaint,1,,,,complaint-words,fr,field"
        ),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with("\"Switched from AT&amp;T last week"),
        "{}",
        lines[2]
    );
}

#[test]
fn a_truncated_array_is_an_error_naming_the_line() {
    let dir = scratch_dir("truncated");
    let path = dir.join("statuses.json");
    let full = std::fs::read_to_string(format!("{DIR}/mastodon/statuses.json")).unwrap();
    let cut = full.find("\"id\": \"111958000000000003\"").unwrap();
    std::fs::write(&path, &full[..cut]).unwrap();
    let out = dir.join("out.csv");
    let run = postclass(&[
        "classify",
        "--rules",
        RULES,
        path.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2);
    let line_of_cut = full[..cut].lines().count();
    let third_starts = full[..cut].lines().count() - 1;
    assert!(
        run.stderr.ends_with(&format!(
            "postclass: error: {}: line {line_of_cut}: the file ends inside array element 3, which starts at line {third_starts} (truncated file?)\n",
            path.display()
        )),
        "{}",
        run.stderr
    );
    assert!(!out.exists(), "no half-written output");
}

/// Real sample records, when the shared data has them: each file is read
/// with auto-detection and must give at least one row and no error.
#[test]
fn shared_real_samples_classify_without_errors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/formats");
    if !dir.is_dir() {
        eprintln!("note: {} is absent; no real samples to read", dir.display());
        return;
    }
    let mut files = Vec::new();
    let mut pending = vec![dir];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let name = path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .to_ascii_lowercase();
            if name.starts_with('.') || name.starts_with("readme") || name.ends_with(".md") {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    for file in &files {
        let run = postclass(&[
            "classify",
            "--summary-only",
            "--summary",
            "-",
            file.to_str().unwrap(),
        ]);
        assert_eq!(run.code, 0, "{}: {}", file.display(), run.stderr);
        let summary: Value = serde_json::from_str(&run.stdout).unwrap();
        let read = summary["rows"]["read"].as_u64().unwrap();
        assert!(read >= 1, "{}: no rows", file.display());
        assert_eq!(
            summary["rows"]["read"],
            summary["rows"]["labelled"],
            "{}: some rows were not labelled",
            file.display()
        );
    }
    eprintln!("note: read {} real sample files", files.len());
}

#[test]
fn a_truncated_zst_dump_is_an_error() {
    let dir = scratch_dir("zst-truncated");
    let plain = std::fs::read(format!("{DIR}/reddit/RC_2024-01.jsonl")).unwrap();
    let packed = pushshift_zst(&plain);
    let path = dir.join("RC_2024-01.zst");
    std::fs::write(&path, &packed[..packed.len() / 2]).unwrap();
    let run = postclass(&["classify", "--preset", "reddit", path.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        format!(
            "postclass: error: {}: read error: Zstandard decompression failed: incomplete frame\n",
            path.display()
        )
    );
}
