#!/usr/bin/env python3
"""Times postclass on real posts (bench/real_corpus.py) against a plain
ripgrep scan, and prints a markdown report (see bench/README.md):

- the ripgrep scan: `rg -c -i -w -F -f` with the rulebook's phrases most
  frequent in the corpus (bench/rg_phrases.py);
- the floor: `classify` with bench/floor.toml, one rule that matches nothing
  (reading, normalising and writing alone);
- the default rulebook, default threads and `-j1`;
- the 10x rulebook of absent words (bench/gen_rules.py --absent): what size
  alone costs;
- the time per post against the rules fired per post: posts grouped by how
  many rules of the rulebook fire on them, each group timed with the
  rulebook and with the floor, start-up taken off.

Expects what bench/run.sh prepares: a release build, the corpus in the data
folder, hyperfine, ripgrep and GNU time.
"""

import argparse
import csv
import os
import random
import shlex
import subprocess
import sys

from measure import hyperfine  # the same hyperfine runs as the synthetic benchmark

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Groups of posts by rules fired: (lowest, highest), highest None for "and more".
GROUPS = [(0, 0), (1, 2), (3, 4), (5, 7), (8, None)]


def sh(cmd):
    return subprocess.run(cmd, shell=True, check=True, text=True, capture_output=True).stdout


def peak_rss(cmd):
    err = subprocess.run(["/usr/bin/time", "-v", "sh", "-c", cmd], check=True, text=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).stderr
    for line in err.splitlines():
        if "Maximum resident set size" in line:
            return int(line.split(":")[1]) / 1024
    raise RuntimeError("no peak RSS in GNU time's output")


def write_posts(path, texts):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text"])
        for i, t in enumerate(texts):
            w.writerow([i, t])


def group_name(lo, hi):
    return f"{lo}+" if hi is None else (str(lo) if lo == hi else f"{lo}–{hi}")


def cost_by_fired(pc, rules_flag, floor_flag, sample, data, per_group, runs):
    """Rows of the cost table: posts grouped by rules fired (from the
    matched_rules column of a run over `sample`), each group resampled to
    `per_group` posts (seeded), timed `-j1` with the rulebook and the floor."""
    labelled = os.path.join(data, "real-fired.csv")
    sh(f"{pc} -j1{rules_flag} {shlex.quote(sample)} -o {labelled}")
    groups = {g: [] for g in GROUPS}
    with open(labelled, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            fired = len(row["matched_rules"].split(";")) if row["matched_rules"] else 0
            for lo, hi in GROUPS:
                if fired >= lo and (hi is None or fired <= hi):
                    groups[(lo, hi)].append((row["text"], fired))
    rng = random.Random(1)
    one = os.path.join(data, "real-one.csv")
    write_posts(one, ["@airline hello"])
    cmds = [("start", f"{pc} -j1{rules_flag} {one} -o {data}/out-one.csv"),
            ("start floor", f"{pc} -j1{floor_flag} {one} -o {data}/out-one-floor.csv")]
    meta = {}
    for g, posts in groups.items():
        if not posts:
            continue
        name = group_name(*g)
        chosen = [rng.choice(posts) for _ in range(per_group)]
        path = os.path.join(data, f"real-fired-{name.replace('–', '-').replace('+', 'up')}.csv")
        write_posts(path, [t for t, _ in chosen])
        meta[name] = (len(posts), sum(f for _, f in chosen) / len(chosen))
        cmds.append((name, f"{pc} -j1{rules_flag} {path} -o {data}/out-fired.csv"))
        cmds.append((name + " floor", f"{pc} -j1{floor_flag} {path} -o {data}/out-fired-floor.csv"))
    t = hyperfine(cmds, runs, warmup=1)
    n_sample = sum(len(p) for p in groups.values())
    rows = []
    for name, (n, fired) in meta.items():
        full = (t[name][2] - t["start"][2]) / per_group * 1e6
        floor = (t[name + " floor"][2] - t["start floor"][2]) / per_group * 1e6
        extra = full - floor
        per_rule = f"{extra / fired:.2f}" if fired else ""
        rows.append(f"| {name} | {n / n_sample:.1%} | {fired:.1f} | {full:.2f} | {floor:.2f} | {extra:.2f} | {per_rule} |")
    return rows, t["start"][2]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rules", default="rules/default.toml")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--postclass", default=os.path.join("target", "release", "postclass"))
    ap.add_argument("--data", default=os.path.join("bench", "data"))
    ap.add_argument("--corpus", default=None, help="the real posts (default DATA/real-1m.csv)")
    ap.add_argument("--sample", type=int, default=100_000,
                    help="posts of the corpus grouped by rules fired (default 100,000)")
    ap.add_argument("--per-group", type=int, default=50_000,
                    help="posts timed in each group (default 50,000)")
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()
    os.chdir(ROOT)
    data = a.data
    corpus = a.corpus or os.path.join(data, "real-1m.csv")
    with open("/proc/loadavg") as f:
        load_before = f.read().split()[0]
    default = a.rules == "rules/default.toml"
    rules_flag = "" if default else f" --rules {shlex.quote(a.rules)}"
    floor_flag = " --rules bench/floor.toml"
    absent = os.path.join(data, "rules-10x-absent.toml")
    phrases = os.path.join(data, "phrases-real.txt")
    for needed in (corpus, absent, phrases):
        if not os.path.exists(needed):
            sys.exit(f"measure_real.py: {needed} is missing; bench/run.sh writes it")
    n_phrases = sum(1 for _ in open(phrases, encoding="utf-8"))
    with open(corpus, encoding="utf-8", newline="") as fh:
        n_posts = sum(1 for _ in csv.reader(fh)) - 1
    size = os.path.getsize(corpus) / 1e6

    pc = f"{a.postclass} classify -q"
    cmds = [
        ("rg", f"rg -c -i -w -F -f {phrases} {corpus}"),
        ("floor", f"{pc}{floor_flag} {corpus} -o {data}/out-real-floor.csv"),
        ("default", f"{pc}{rules_flag} {corpus} -o {data}/out-real.csv"),
        ("default -j1", f"{pc} -j1{rules_flag} {corpus} -o {data}/out-real-j1.csv"),
        ("10x absent", f"{pc} --rules {absent} {corpus} -o {data}/out-real-absent.csv"),
    ]
    print(f"timing {len(cmds)} commands on real posts, {a.runs} runs each...", file=sys.stderr)
    t = hyperfine([(n, c + " > /dev/null") if n == "rg" else (n, c) for n, c in cmds], a.runs, warmup=1)
    rss = peak_rss(f"{pc}{rules_flag} {corpus} -o {data}/out-real-rss.csv")

    sample = os.path.join(data, "real-sample.csv")
    with open(corpus, encoding="utf-8", newline="") as src, open(sample, "w", encoding="utf-8", newline="") as dst:
        r, w = csv.reader(src), csv.writer(dst)
        for i, row in enumerate(r):
            if i > a.sample:
                break
            w.writerow(row)
    print("timing posts grouped by rules fired...", file=sys.stderr)
    rows, start = cost_by_fired(pc, rules_flag, floor_flag, sample, data, a.per_group, a.runs)

    # No less than hyperfine's millisecond: on the smoke corpus a scan can
    # report 0, and every ratio divides by it.
    rg = max(t["rg"][3], 0.001)
    lines = []
    if a.smoke:
        lines += ["Smoke run: every step on a few thousand posts, one run each; its figures say "
                  "nothing of postclass's speed.", ""]
    lines.append(f"Corpus: {corpus} ({size:.0f} MB, {n_posts:,} real posts, bench/real_corpus.py). "
                 f"ripgrep's phrases: the {n_phrases} of {a.rules} most frequent in it "
                 f"(bench/rg_phrases.py). {a.runs} runs each (hyperfine, 1 warm-up), output written to a file.")
    lines.append("")
    lines.append("| command | wall s (mean ± sd) | fastest s | CPU s (user + sys, mean) | vs ripgrep (fastest) | vs ripgrep (CPU) |")
    lines.append("|---|---|---|---|---|---|")
    labels = {
        "rg": f"`rg -c -i -w -F -f phrases-real.txt` ({n_phrases} phrases)",
        "floor": "postclass, bench/floor.toml (one rule that matches nothing)",
        "default": f"postclass, {a.rules} (default threads)",
        "default -j1": f"postclass, {a.rules}, `-j1`",
        "10x absent": "postclass, 10x rulebook of absent words",
    }
    for name, _ in cmds:
        mean, sd, cpu, fastest = t[name]
        lines.append(f"| {labels[name]} | {mean:.3f} ± {sd:.3f} | {fastest:.3f} | {cpu:.3f} | {fastest / rg:.2f}× "
                     f"| {cpu / max(t['rg'][2], 0.001):.2f}× |")
    lines.append("")

    def target(ok, text):
        return f"- [{'x' if ok else ' '}] {text}"

    fl, de, ab = t["floor"][3] / rg, t["default"][3] / rg, t["10x absent"][3] / t["default"][3]
    same = subprocess.run(["cmp", "-s", f"{data}/out-real.csv", f"{data}/out-real-j1.csv"]).returncode == 0
    lines.append("Targets (fastest runs; on a machine shared with other work, the CPU ratios are the steadier):")
    lines.append(target(fl <= 1.2, f"floor ≤ 1.2× the ripgrep scan: {fl:.2f}×"))
    lines.append(target(de <= 3.0, f"{a.rules} ≤ 3× the ripgrep scan: {de:.2f}×"))
    lines.append(target(ab <= 1.2, f"10x rulebook of absent words ≤ 1.2× {a.rules}: {ab:.2f}× "
                        f"({t['10x absent'][2] / t['default'][2]:.2f}× in CPU time)"))
    lines.append(target(rss <= 64, f"peak memory ≤ 64 MiB: {rss:.1f} MiB (GNU time, default threads)"))
    lines.append(f"- output identical with `-j1` and default threads: {'yes' if same else 'NO'}")
    lines.append("")
    lines.append(f"Time per post against rules fired per post: the first {a.sample:,} posts grouped by how many "
                 f"rules of {a.rules} fire on them, each group resampled to {a.per_group:,} posts (seed 1) and "
                 f"timed `-j1` with the rulebook and with the floor; CPU (user + sys, mean of {a.runs}) less the "
                 f"start-up (the same command on one post: {start:.3f} s with the rulebook).")
    lines.append("")
    lines.append("| rules fired | share of posts | fired per post | µs per post | floor µs per post | matching µs per post | µs per rule fired |")
    lines.append("|---|---|---|---|---|---|---|")
    lines += rows
    with open("/proc/loadavg") as f:
        load_after = f.read().split()[0]
    lines.append("")
    lines.append(f"Load average (1 min) before and after: {load_before}, {load_after}.")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
