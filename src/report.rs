//! The visual report (`--report FILE.html`): one self-contained HTML file,
//! inline CSS and SVG, nothing fetched, with the totals, a bar chart per
//! label set, the breakdowns, the top rules and example posts with the
//! matched words highlighted. The same summary gives the same bytes.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::ops::Range;

use crate::breakdown::{self, Breakdown};
use crate::engine::Rulebook;
use crate::pipeline::Item;
use crate::summary::{LanguageCounts, SetCounts, Summary};
use crate::{Scratch, Verdict};

/// Example posts kept per label.
pub const EXAMPLES_PER_LABEL: usize = 3;
/// Groups shown per breakdown.
const GROUPS_SHOWN: usize = 20;
/// Rules shown in the top rules.
const RULES_SHOWN: usize = 15;
/// Example texts longer than this are cut (in characters).
const EXAMPLE_CHARS: usize = 600;

/// One example post.
#[derive(Debug, Clone)]
struct Example {
    score: f64,
    /// Input order, to break ties.
    seq: u64,
    text: String,
    place: String,
}

/// The best-scoring posts of each label of the first `one` set, kept while
/// the rows stream by (ties: the first read).
#[derive(Debug)]
pub struct Examples {
    set: Option<usize>,
    /// Per label, then the fallback when it is not a label.
    kept: Vec<Vec<Example>>,
    seq: u64,
}

impl Examples {
    pub fn new(rulebook: &Rulebook) -> Examples {
        let set = rulebook.primary_set();
        let n = set.map_or(0, |s| rulebook.sets[s].labels.len() + 1);
        Examples {
            set,
            kept: vec![Vec::new(); n],
            seq: 0,
        }
    }

    /// Offers one labelled row; `file` names its input.
    pub fn offer(&mut self, rulebook: &Rulebook, item: &Item, file: &str) {
        self.seq += 1;
        let Some(s) = self.set else { return };
        let sv = &item.verdict.sets[s];
        let (slot, score) = match sv.labels.first() {
            Some(&l) => (l, sv.scores[l]),
            None => (
                rulebook.sets[s]
                    .fallback_label
                    .unwrap_or(rulebook.sets[s].labels.len()),
                0.0,
            ),
        };
        let kept = &mut self.kept[slot];
        let better = |e: &Example| score > e.score;
        if kept.len() == EXAMPLES_PER_LABEL && !kept.iter().any(better) {
            return;
        }
        let example = Example {
            score,
            seq: self.seq,
            text: item.text.chars().take(EXAMPLE_CHARS).collect(),
            place: format!("{file}:{}", item.pos.line),
        };
        kept.push(example);
        kept.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.seq.cmp(&b.seq)));
        kept.truncate(EXAMPLES_PER_LABEL);
    }
}

/// What the report says about where its numbers come from.
#[derive(Debug, Clone, Default)]
pub struct ReportMeta {
    /// The inputs as named on the command line.
    pub inputs: Vec<String>,
}

/// Byte ranges of `text` holding the phrases of the rules that fire on it,
/// sorted and merged. Regex matches are not located.
pub fn matched_ranges(rulebook: &Rulebook, text: &str) -> Vec<Range<usize>> {
    let mut scratch = Scratch::default();
    let mut verdict = Verdict::default();
    rulebook.classify_into(text, &mut scratch, &mut verdict);
    let mut wanted: HashSet<u32> = HashSet::new();
    for &r in &verdict.fired {
        let c = &rulebook.rules[r].cond;
        for list in [&c.any, &c.all, &c.hashtags, &c.mentions, &c.emoji] {
            wanted.extend(list.iter().copied());
        }
        if let Some(near) = &c.near {
            wanted.extend(near.left.iter().chain(&near.right).copied());
        }
    }
    let mut normalized = String::new();
    let mut offsets = Vec::new();
    rulebook
        .normalizer
        .normalize_with_offsets(text, &mut normalized, &mut offsets);
    debug_assert_eq!(normalized, scratch.normalized);
    let mut ranges: Vec<Range<usize>> = scratch
        .hits
        .iter()
        .filter(|h| wanted.contains(&h.pattern) && h.end > h.start && h.end <= offsets.len())
        .map(|h| {
            let last = offsets[h.end - 1];
            let width = text[last..].chars().next().map_or(0, char::len_utf8);
            offsets[h.start]..last + width
        })
        .collect();
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::new();
    for r in ranges {
        match merged.last_mut() {
            Some(m) if r.start <= m.end => m.end = m.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

fn esc(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    escape(text, &mut s);
    s
}

/// `text` escaped, with `ranges` in `<mark>`.
fn highlighted(text: &str, ranges: &[Range<usize>]) -> String {
    let mut out = String::new();
    let mut at = 0;
    for r in ranges {
        if r.start < at || r.end > text.len() {
            continue;
        }
        escape(&text[at..r.start], &mut out);
        out.push_str("<mark>");
        escape(&text[r.clone()], &mut out);
        out.push_str("</mark>");
        at = r.end;
    }
    escape(&text[at..], &mut out);
    out
}

fn pct(count: u64, total: u64) -> String {
    if total == 0 {
        "0.0%".into()
    } else {
        format!("{:.1}%", count as f64 * 100.0 / total as f64)
    }
}

/// A bar length in percent of `max`, never a hair-thin invisible bar for
/// a non-zero count.
fn bar_width(count: u64, max: u64) -> f64 {
    if max == 0 || count == 0 {
        0.0
    } else {
        (count as f64 * 100.0 / max as f64).max(0.5)
    }
}

fn num(n: u64) -> String {
    crate::progress::thousands(n)
}

/// `1 post`, `2 posts`.
fn posts(n: u64) -> String {
    format!("{} post{}", num(n), if n == 1 { "" } else { "s" })
}

/// The colour class of the `i`-th label of a set; the fallback is grey.
fn colour(set: &SetCounts, i: usize) -> String {
    if set.fallback.as_deref() == Some(set.labels[i].id.as_str()) {
        "cf".into()
    } else {
        format!("c{}", i % 10)
    }
}

const STYLE: &str = r#"
:root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;--fg:#1d2228;--muted:#5d6670;--line:#dfe3e8;--track:#eceff3;--mark:#ffe58f;
--c0:#d9434b;--c1:#3b73b9;--c2:#e8833a;--c3:#4f9a4a;--c4:#9b65a8;--c5:#c9a227;--c6:#3c9c96;--c7:#e06f91;--c8:#8c6a55;--c9:#6c7bd0;--cf:#9aa1a9}
@media (prefers-color-scheme:dark){:root{--bg:#101317;--card:#181c21;--fg:#e7eaee;--muted:#9aa4ae;--line:#2c333b;--track:#242a31;--mark:#705c00;
--c0:#f0646b;--c1:#6b9be0;--c2:#f29a55;--c3:#6fbf68;--c4:#bf8bcb;--c5:#e0bd45;--c6:#58bdb6;--c7:#f08cab;--c8:#b08e78;--c9:#8e9bec;--cf:#6b737c}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;-webkit-text-size-adjust:100%}
header,main,footer{max-width:1120px;margin:0 auto;padding:0 20px}
header{padding-top:28px}
h1{font-size:1.75rem;line-height:1.2;margin:0 0 4px}
h2{font-size:1.2rem;margin:0 0 4px}
h3{font-size:1rem;margin:0}
.meta,.note{color:var(--muted);font-size:.9rem;margin:0}
section{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:20px;margin:18px 0}
.totals{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;background:none;border:0;padding:0}
.total{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:14px 16px}
.total .n{display:block;font-size:1.7rem;font-weight:650;font-variant-numeric:tabular-nums;line-height:1.2}
.total .k{color:var(--muted);font-size:.85rem}
.total.urgent .n{color:var(--c0)}
.bars{display:grid;grid-template-columns:minmax(90px,max-content) minmax(0,1fr) auto auto;gap:6px 12px;align-items:center;margin-top:14px}
.bars .name{overflow-wrap:anywhere}
.bars .v,.bars .s{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.bars .s{color:var(--muted);font-size:.9rem;min-width:3.5em}
svg.bar{display:block;width:100%;min-width:0;height:14px;border-radius:4px;background:var(--track)}
svg.stack{display:block;width:100%;min-width:0;height:18px;border-radius:4px;background:var(--track)}
.c0{fill:var(--c0)}.c1{fill:var(--c1)}.c2{fill:var(--c2)}.c3{fill:var(--c3)}.c4{fill:var(--c4)}.c5{fill:var(--c5)}.c6{fill:var(--c6)}.c7{fill:var(--c7)}.c8{fill:var(--c8)}.c9{fill:var(--c9)}.cf{fill:var(--cf)}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;margin:10px 0 4px;padding:0;list-style:none;font-size:.85rem;color:var(--muted)}
.legend svg,.dot{width:10px;height:10px;vertical-align:baseline;margin-right:5px}
.stacks{display:grid;grid-template-columns:minmax(80px,max-content) minmax(0,1fr) auto;gap:6px 12px;align-items:center;margin-top:10px}
.stacks .name{overflow-wrap:anywhere;font-size:.95rem}
.stacks .v{text-align:right;font-variant-numeric:tabular-nums}
.scroll{overflow-x:auto;margin-top:14px;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{color:var(--muted);font-weight:600}
table{font-size:.88rem}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.rules{color:var(--muted);font-size:.85rem}
td.rules span{display:block;white-space:nowrap}
.examples{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:14px;margin-top:14px}
.example{border:1px solid var(--line);border-radius:10px;padding:14px}
.example h3{display:flex;align-items:center;gap:6px}
.example .action{color:var(--muted);font-size:.88rem;margin:4px 0 8px}
blockquote{margin:10px 0 0;padding:8px 12px;border-left:3px solid var(--line);overflow-wrap:anywhere}
blockquote p{margin:0}
blockquote .src{display:block;margin-top:4px;color:var(--muted);font-size:.8rem}
mark{background:var(--mark);color:inherit;border-radius:3px;padding:0 2px}
code{font-size:.85em}
footer{color:var(--muted);font-size:.85rem;padding-bottom:28px}
@media (max-width:600px){header,main,footer{padding:0 12px}header{padding-top:18px}section{padding:14px;border-radius:10px}h1{font-size:1.4rem}
.bars{grid-template-columns:minmax(70px,max-content) minmax(0,1fr) auto}.bars .s{display:none}.total .n{font-size:1.4rem}.totals{grid-template-columns:repeat(2,1fr)}}
"#;

/// Renders the report.
pub fn render(
    summary: &Summary,
    rulebook: &Rulebook,
    examples: &Examples,
    meta: &ReportMeta,
) -> String {
    let mut h = String::with_capacity(64 * 1024);
    let rb = &summary.rulebook;
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"color-scheme\" content=\"light dark\">\n<title>postclass report: {} {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&rb.name),
        esc(&rb.version)
    );
    let _ = write!(
        h,
        "<header>\n<h1>Customer posts report</h1>\n<p class=\"meta\">Rulebook <strong>{}</strong> {}",
        esc(&rb.name),
        esc(&rb.version)
    );
    if !meta.inputs.is_empty() {
        let names: Vec<String> = meta.inputs.iter().map(|i| esc(i)).collect();
        let _ = write!(h, " · {}", names.join(", "));
    }
    h.push_str("</p>\n</header>\n<main>\n");
    totals(&mut h, summary, rulebook);
    for set in &summary.sets {
        set_chart(&mut h, set, summary.rows.labelled, rulebook);
    }
    if let Some(l) = &summary.languages {
        languages_section(&mut h, l, summary.rows.labelled);
    }
    for b in &summary.breakdowns {
        breakdown_section(&mut h, b, summary);
    }
    top_rules(&mut h, summary);
    examples_section(&mut h, summary, rulebook, examples);
    h.push_str("</main>\n<footer><p>Written by postclass. Counts cover every row read; shares are of labelled rows.</p></footer>\n</body>\n</html>\n");
    h
}

fn totals(h: &mut String, summary: &Summary, rulebook: &Rulebook) {
    let r = &summary.rows;
    h.push_str("<section class=\"totals\" aria-label=\"Totals\">\n");
    for (id, name, n) in [
        ("rows-read", "rows read", r.read),
        ("rows-labelled", "labelled", r.labelled),
        ("rows-rejected", "rejected", r.rejected),
    ] {
        let _ = writeln!(
            h,
            "<div class=\"total\"><span class=\"n\" id=\"{id}\">{}</span><span class=\"k\">{name}</span></div>",
            num(n)
        );
    }
    if let Some((set, label, count)) = urgent(summary, rulebook) {
        let _ = writeln!(
            h,
            "<div class=\"total urgent\"><span class=\"n\" id=\"rows-urgent\">{}</span><span class=\"k\">{} ({}), to handle first</span></div>",
            num(count),
            esc(&label),
            esc(&set)
        );
    }
    h.push_str("</section>\n");
}

/// The first-priority label of the first `one` set and its count.
fn urgent(summary: &Summary, rulebook: &Rulebook) -> Option<(String, String, u64)> {
    let s = rulebook.primary_set()?;
    let set = &rulebook.sets[s];
    let (_, li) = set
        .labels
        .iter()
        .enumerate()
        .filter_map(|(i, l)| l.priority.map(|p| (p, i)))
        .min()?;
    let count = summary.sets[s].labels.get(li)?.count;
    Some((set.id.clone(), set.labels[li].id.clone(), count))
}

fn set_chart(h: &mut String, set: &SetCounts, labelled: u64, rulebook: &Rulebook) {
    let max = set.labels.iter().map(|l| l.count).max().unwrap_or(0);
    let desc = rulebook
        .sets
        .iter()
        .find(|s| s.id == set.id)
        .map(|s| s.description.trim())
        .unwrap_or("");
    let _ = write!(
        h,
        "<section id=\"set-{id}\">\n<h2>{id}</h2>\n<p class=\"note\">{}",
        if set.mode == "one" {
            "One label per post"
        } else {
            "Any number of labels per post"
        },
        id = esc(&set.id)
    );
    if !desc.is_empty() {
        let _ = write!(h, " · {}", esc(desc));
    }
    if set.mode == "many" {
        let _ = write!(h, " · {} with none", posts(set.unlabelled));
    }
    h.push_str("</p>\n<div class=\"bars\">\n");
    for (i, l) in set.labels.iter().enumerate() {
        let title = label_title(rulebook, &set.id, &l.id);
        let _ = writeln!(
            h,
            "<span class=\"name\">{name}</span><svg class=\"bar\" viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{label}: {count}\"><rect class=\"{c}\" width=\"{w:.2}\" height=\"10\"/></svg><span class=\"v\" data-count=\"{set}.{label}\">{n}</span><span class=\"s\">{share}</span>",
            name = esc(&title),
            label = esc(&l.id),
            count = l.count,
            c = colour(set, i),
            w = bar_width(l.count, max),
            set = esc(&set.id),
            n = num(l.count),
            share = pct(l.count, labelled),
        );
    }
    h.push_str("</div>\n</section>\n");
}

/// The posts per language and the share the rulebook covers.
fn languages_section(h: &mut String, l: &LanguageCounts, labelled: u64) {
    let covers = if l.covered.is_empty() {
        "every language".to_string()
    } else {
        l.covered
            .iter()
            .map(|c| esc(c))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = write!(
        h,
        "<section id=\"languages\">\n<h2>Languages</h2>\n<p class=\"note\"><strong id=\"lang-covered\">{}</strong> of the posts are in a language the rulebook covers ({covers}) · {} in another language, given the fallback · {} undetermined, classified like any post · {} from the export's field, {} detected</p>\n<div class=\"bars\">\n",
        pct(l.in_covered, labelled),
        posts(l.uncovered),
        posts(l.undetermined),
        num(l.from_field),
        num(l.detected),
    );
    let max = l.counts.iter().map(|c| c.count).max().unwrap_or(0);
    for c in &l.counts {
        let (class, note) = match (c.lang.as_str(), c.covered) {
            ("und", _) => ("cf", " (undetermined)"),
            (_, true) => ("c3", ""),
            (_, false) => ("c0", " (not covered)"),
        };
        let _ = writeln!(
            h,
            "<span class=\"name\">{lang}{note}</span><svg class=\"bar\" viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{lang}: {count}\"><rect class=\"{class}\" width=\"{w:.2}\" height=\"10\"/></svg><span class=\"v\" data-lang=\"{lang}\">{n}</span><span class=\"s\">{share}</span>",
            lang = esc(&c.lang),
            count = c.count,
            w = bar_width(c.count, max),
            n = num(c.count),
            share = pct(c.count, labelled),
        );
    }
    h.push_str("</div>\n</section>\n");
}

/// A label's title from the rulebook, else its id.
fn label_title(rulebook: &Rulebook, set: &str, label: &str) -> String {
    rulebook
        .sets
        .iter()
        .find(|s| s.id == set)
        .and_then(|s| s.labels.iter().find(|l| l.id == label))
        .map(|l| l.title.trim())
        .filter(|t| !t.is_empty())
        .unwrap_or(label)
        .to_string()
}

fn breakdown_section(h: &mut String, b: &Breakdown, summary: &Summary) {
    let Some(set) = summary.sets.iter().find(|s| s.mode == "one") else {
        return;
    };
    let columns = summary.breakdown_columns();
    let shown: Vec<&breakdown::Group> = b.groups.iter().take(GROUPS_SHOWN).collect();
    let _ = write!(
        h,
        "<section class=\"breakdown\" data-by=\"{by}\">\n<h2>By {by}</h2>\n<p class=\"note\">{} value{}",
        num(b.groups.len() as u64),
        if b.groups.len() == 1 { "" } else { "s" },
        by = esc(&b.by)
    );
    if b.groups.len() > shown.len() {
        let _ = write!(h, ", the first {} shown", shown.len());
    }
    if b.missing > 0 {
        let _ = write!(h, " · {} without one", posts(b.missing));
    }
    if b.invalid > 0 {
        let _ = write!(h, " · {} whose value is not a date", posts(b.invalid));
    }
    h.push_str("</p>\n<ul class=\"legend\">");
    for (i, l) in set.labels.iter().enumerate() {
        let _ = write!(
            h,
            "<li><svg viewBox=\"0 0 10 10\" class=\"dot\"><rect class=\"{}\" width=\"10\" height=\"10\" rx=\"2\"/></svg>{}</li>",
            colour(set, i),
            esc(&l.id)
        );
    }
    h.push_str("</ul>\n<div class=\"stacks\">\n");
    for g in &shown {
        let _ = write!(
            h,
            "<span class=\"name\">{}</span><svg class=\"stack\" viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{} by label\">",
            esc(&g.key),
            esc(&g.key)
        );
        let mut x = 0.0;
        for (i, l) in set.labels.iter().enumerate() {
            let n = breakdown::label_count(g, &format!("{}.{}", set.id, l.id));
            if n == 0 || g.rows == 0 {
                continue;
            }
            let w = n as f64 * 100.0 / g.rows as f64;
            let _ = write!(
                h,
                "<rect class=\"{}\" x=\"{x:.2}\" width=\"{w:.2}\" height=\"10\"><title>{}: {}</title></rect>",
                colour(set, i),
                esc(&l.id),
                n
            );
            x += w;
        }
        let _ = writeln!(h, "</svg><span class=\"v\">{}</span>", num(g.rows));
    }
    h.push_str("</div>\n<div class=\"scroll\"><table>\n<thead><tr>");
    let _ = write!(h, "<th>{}</th><th class=\"n\">rows</th>", esc(&b.by));
    for c in &columns {
        // Long ids may break after their underscores, never mid-word.
        let label = c.split_once('.').map_or(c.as_str(), |(_, l)| l);
        let _ = write!(
            h,
            "<th class=\"n\">{}</th>",
            esc(label).replace('_', "_<wbr>")
        );
    }
    if let Some(f) = &b.focus {
        let _ = write!(
            h,
            "<th>top rules of {}</th>",
            esc(f.split_once('.').map_or(f.as_str(), |(_, l)| l))
        );
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for g in &shown {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"n\" data-rows=\"{}\">{}</td>",
            esc(&g.key),
            esc(&g.key),
            num(g.rows)
        );
        for c in &columns {
            let n = breakdown::label_count(g, c);
            let _ = write!(h, "<td class=\"n\">{}</td>", num(n));
        }
        if b.focus.is_some() {
            let rules: Vec<String> = g
                .focus_rules
                .iter()
                .take(3)
                .map(|r| format!("<span><code>{}</code> {}</span>", esc(&r.rule), r.hits))
                .collect();
            let _ = write!(h, "<td class=\"rules\">{}</td>", rules.join(""));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table></div>\n</section>\n");
}

fn top_rules(h: &mut String, summary: &Summary) {
    let mut hit: Vec<_> = summary.rules.iter().filter(|r| r.hits > 0).collect();
    hit.sort_by(|a, b| b.hits.cmp(&a.hits).then_with(|| a.id.cmp(&b.id)));
    h.push_str("<section id=\"rules\">\n<h2>Top rules</h2>\n");
    if hit.is_empty() {
        h.push_str("<p class=\"note\">No rule fired.</p>\n</section>\n");
        return;
    }
    let _ = write!(
        h,
        "<p class=\"note\">{} of {} rules fired; the most frequent first</p>\n<div class=\"bars\">\n",
        hit.len(),
        summary.rules.len()
    );
    let max = hit[0].hits;
    for r in hit.iter().take(RULES_SHOWN) {
        let (set_i, label_i) = summary
            .sets
            .iter()
            .enumerate()
            .find(|(_, s)| s.id == r.set)
            .and_then(|(si, s)| {
                s.labels
                    .iter()
                    .position(|l| l.id == r.label)
                    .map(|li| (si, li))
            })
            .unwrap_or((0, 0));
        let c = summary
            .sets
            .get(set_i)
            .filter(|s| !s.labels.is_empty())
            .map_or("cf".to_string(), |s| colour(s, label_i));
        let _ = writeln!(
            h,
            "<span class=\"name\"><code>{id}</code></span><svg class=\"bar\" viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{id}: {n}\"><rect class=\"{c}\" width=\"{w:.2}\" height=\"10\"/></svg><span class=\"v\" data-hits=\"{id}\">{hits}</span><span class=\"s\">{label}</span>",
            id = esc(&r.id),
            n = r.hits,
            w = bar_width(r.hits, max),
            hits = num(r.hits),
            label = esc(&r.label),
        );
    }
    h.push_str("</div>\n</section>\n");
}

fn examples_section(h: &mut String, summary: &Summary, rulebook: &Rulebook, examples: &Examples) {
    let Some(s) = examples.set else { return };
    let set = &rulebook.sets[s];
    let counts = &summary.sets[s];
    let _ = write!(
        h,
        "<section id=\"examples\">\n<h2>Examples by {}</h2>\n<p class=\"note\">Up to {EXAMPLES_PER_LABEL} posts per label, highest score first; the words that made the rules fire are highlighted.</p>\n<div class=\"examples\">\n",
        esc(&set.id)
    );
    for (i, kept) in examples.kept.iter().enumerate() {
        let Some(lc) = counts.labels.get(i) else {
            continue;
        };
        let label = set.labels.get(i);
        let _ = write!(
            h,
            "<article class=\"example\" data-label=\"{}\">\n<h3><svg viewBox=\"0 0 10 10\" class=\"dot\"><rect class=\"{}\" width=\"10\" height=\"10\" rx=\"2\"/></svg>{} <span class=\"note\">{}</span></h3>\n",
            esc(&lc.id),
            colour(counts, i),
            esc(&label_title(rulebook, &set.id, &lc.id)),
            posts(lc.count)
        );
        if let Some(action) = label.and_then(|l| l.action.as_deref()) {
            let _ = writeln!(h, "<p class=\"action\">{}</p>", esc(action));
        }
        if kept.is_empty() {
            h.push_str("<p class=\"note\">No post.</p>\n");
        }
        for e in kept {
            let ranges = matched_ranges(rulebook, &e.text);
            let _ = writeln!(
                h,
                "<blockquote><p>{}</p><span class=\"src\">{} · score {}</span></blockquote>",
                highlighted(&e.text, &ranges),
                esc(&e.place),
                score_text(e.score)
            );
        }
        h.push_str("</article>\n");
    }
    h.push_str("</div>\n</section>\n");
}

fn score_text(score: f64) -> String {
    let mut s = String::new();
    crate::output::labels::format_score(score, &mut s);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOOK: &str = r#"
[rulebook]
name = "t"
version = "1"
[[set]]
id = "type"
mode = "one"
fallback = "other"
[[set.label]]
id = "angry"
[[set.label.rule]]
id = "fed"
any = ["fed up", "marre"]
[[set.label.rule]]
id = "pattern"
regex = ['\bagain\b']
"#;

    #[test]
    fn matched_words_map_back_to_the_original_text() {
        let rb = crate::engine::from_str("t", BOOK).unwrap();
        let text = "J'en ai MARRE, vraiment FED   UP <b>";
        let ranges = matched_ranges(&rb, text);
        let words: Vec<&str> = ranges.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(words, vec!["MARRE", "FED   UP"]);
        assert_eq!(
            highlighted(text, &ranges),
            "J&#39;en ai <mark>MARRE</mark>, vraiment <mark>FED   UP</mark> &lt;b&gt;"
        );
    }

    #[test]
    fn accented_matches_keep_their_characters() {
        let rb = crate::engine::from_str("t", &BOOK.replace("\"marre\"", "\"écœuré\"")).unwrap();
        let text = "Je suis ÉCŒURÉ.";
        let ranges = matched_ranges(&rb, text);
        assert_eq!(&text[ranges[0].clone()], "ÉCŒURÉ");
    }

    #[test]
    fn examples_keep_the_best_scores_then_the_first_read() {
        let rb = crate::engine::from_str("t", BOOK).unwrap();
        let mut ex = Examples::new(&rb);
        for (i, text) in ["fed up", "fed up again", "marre", "marre", "fed up again"]
            .iter()
            .enumerate()
        {
            let item = Item {
                text: text.to_string(),
                verdict: rb.classify(text),
                pos: crate::pipeline::Pos {
                    input: 0,
                    line: i as u64 + 2,
                    record: i as u64 + 1,
                },
                ..Item::default()
            };
            ex.offer(&rb, &item, "f.csv");
        }
        let places: Vec<&str> = ex.kept[0].iter().map(|e| e.place.as_str()).collect();
        assert_eq!(places, vec!["f.csv:3", "f.csv:6", "f.csv:2"]);
    }
}
