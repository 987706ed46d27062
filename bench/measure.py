#!/usr/bin/env python3
"""Times postclass against cat, ripgrep and the Python baseline on the same
files in one run, and prints a markdown report (see bench/README.md).

Expects what bench/run.sh prepares: a release build, the corpus in
bench/data/, hyperfine, ripgrep and GNU time.
"""

import argparse
import csv
import datetime
import itertools
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join("bench", "data")
POSTCLASS = os.path.join("target", "release", "postclass")
PHRASES = os.path.join("target", "release", "examples", "phrases")



def same_but_languages(baseline_csv, postclass_csv):
    """Whether the baseline's output is postclass's, field for field, less the
    language columns postclass adds after the labels (the baseline detects no
    language; the corpus is French and English, which the rulebook covers)."""
    with open(baseline_csv, newline="", encoding="utf-8") as a, \
            open(postclass_csv, newline="", encoding="utf-8") as b:
        ra, rb = csv.reader(a), csv.reader(b)
        header_a, header_b = next(ra, None), next(rb, None)
        if header_a is None or header_b is None:
            return header_a == header_b
        # The language columns come last, after the labels.
        n = len(header_a)
        if header_b[:n] != header_a or not set(header_b[n:]) <= {"lang", "lang_source"}:
            return False
        for row_a, row_b in itertools.zip_longest(ra, rb):
            if row_a is None or row_b is None or row_b[:n] != row_a:
                return False
    return True

def sh(cmd, **kw):
    return subprocess.run(cmd, shell=True, check=True, text=True, capture_output=True, **kw).stdout


def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1))
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "date": datetime.date.today().isoformat(),
        "commit": sh("git rev-parse --short HEAD").strip(),
        "postclass": sh(f"{POSTCLASS} --version").strip(),
        "rg": sh("rg --version").splitlines()[0],
        "python": platform.python_version(),
    }


def output_of(cmd):
    """The file a command writes with `-o`, if any."""
    m = re.search(r" -o (\S+)", cmd)
    return m.group(1) if m else None


def hyperfine(commands, runs, warmup):
    """Mean and standard deviation of wall time, in seconds, per command.

    Each run writes a fresh output file: the output of the run before is
    removed first, outside the timing. Replacing an existing file costs
    the file system extra work at the end of the run (ext4 flushes the new
    file before the rename and frees the old one: about 0.3 s for 477 MB),
    which would be timed as if it were postclass's own."""
    with tempfile.NamedTemporaryFile(suffix=".json") as tmp:
        args = ["hyperfine", "--style", "none", "--runs", str(runs), "--warmup", str(warmup),
                "--ignore-failure", "--export-json", tmp.name]
        for _, cmd in commands:
            out = output_of(cmd)
            args += ["--prepare", f"rm -f {shlex.quote(out)}" if out else "true"]
        for name, cmd in commands:
            args += ["-n", name, cmd]
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
        results = json.load(open(tmp.name))["results"]
    return {r["command"]: (r["mean"], r["stddev"] or 0.0, r["user"] + r["system"], r["min"]) for r in results}


def wall(cmd, check=True):
    """Wall seconds of one run of `cmd`; with `check`, a failing command
    stops the report."""
    start = time.perf_counter()
    subprocess.run(cmd, shell=True, check=check, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def alternated(commands, rounds):
    """Fastest wall time of each command over `rounds` rounds, the commands
    taking turns within a round: a change in the machine's other load falls
    on all of them alike. Each run writes a fresh output file."""
    best = {name: float("inf") for name, _ in commands}
    for _ in range(rounds):
        for name, cmd in commands:
            out = output_of(cmd)
            if out and os.path.exists(out):
                os.remove(out)
            best[name] = min(best[name], wall(cmd))
    return best


def time_v(cmd):
    """Wall seconds and peak RSS (MiB) of one run, from GNU time."""
    out = subprocess.run(["/usr/bin/time", "-v", "sh", "-c", cmd], check=True, text=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).stderr
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", out).group(1)) / 1024
    elapsed = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", out).group(1)
    secs = 0.0
    for part in elapsed.split(":"):
        secs = secs * 60 + float(part)
    return secs, rss


def main():
    global POSTCLASS, DATA
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rules", default="rules/default.toml",
                    help="base rulebook (default: rules/default.toml, the embedded default)")
    ap.add_argument("--runs", type=int, default=3, help="timed runs per command (default 3)")
    ap.add_argument("--rounds", type=int, default=5,
                    help="rounds of -j1 and -j2 in turn, for the thread ratio (default 5)")
    ap.add_argument("--postclass", default=os.path.join("target", "release", "postclass"), help="the binary to time (default: the release build)")
    ap.add_argument("--skip-python", action="store_true", help="leave out the Python baseline")
    ap.add_argument("--smoke", action="store_true",
                    help="say in the report that it comes from a few thousand posts (bench/run.sh --smoke)")
    ap.add_argument("--data", default=DATA, help="where bench/run.sh wrote the corpus (default bench/data)")
    ap.add_argument("--rows", default="1000000,100000,4000000",
                    help="posts in posts-1m, posts-100k and posts-4m, for the report's labels")
    args = ap.parse_args()
    os.chdir(ROOT)
    with open("/proc/loadavg") as f:
        load_before = f.read().split()[0]
    POSTCLASS = args.postclass
    DATA = args.data
    n1, n100k, n4 = (int(n) for n in args.rows.split(","))
    # Row counts as the report names them: 1,000,000 posts, 1M.
    posts = lambda n: f"{n:,} posts"  # noqa: E731
    short = lambda n: f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n:,}"  # noqa: E731

    csv1 = os.path.join(DATA, "posts-1m.csv")
    jsonl1 = os.path.join(DATA, "posts-1m.jsonl")
    csv4 = os.path.join(DATA, "posts-4m.csv")
    # The Python baseline takes minutes on a million posts: it runs on the
    # first 100,000 (the same posts), and so does postclass for the ratio.
    csv100k = os.path.join(DATA, "posts-100k.csv")
    big = os.path.join(DATA, "rules-10x.toml")
    absent = os.path.join(DATA, "rules-10x-absent.toml")
    default = args.rules == "rules/default.toml"
    rules_flag = "" if default else f" --rules {shlex.quote(args.rules)}"
    ph = os.path.join(DATA, "phrases.txt")
    ph10 = os.path.join(DATA, "phrases-10x.txt")
    sh(f"{PHRASES}{' ' + shlex.quote(args.rules) if not default else ''} > {ph}")
    sh(f"{PHRASES} {big} > {ph10}")
    n_phr = sum(1 for _ in open(ph))
    n_phr10 = sum(1 for _ in open(ph10))
    size = os.path.getsize(csv1) / 1e6
    size_j = os.path.getsize(jsonl1) / 1e6
    info = machine()

    pc = f"{POSTCLASS} classify -q{rules_flag}"
    out_csv = os.path.join(DATA, "out-postclass.csv")
    cmds = [
        ("cat", f"cat {csv1}"),
        ("rg", f"rg -c -i -w -F -f {ph} {csv1}"),
        ("postclass", f"{pc} {csv1} -o {out_csv}"),
        ("postclass -j1", f"{pc} -j1 {csv1} -o {DATA}/out-j1.csv"),
        ("postclass -j2", f"{pc} -j2 {csv1} -o {DATA}/out-j2.csv"),
        ("postclass jsonl", f"{pc} {jsonl1} -o {DATA}/out.jsonl"),
        ("postclass 10x", f"{POSTCLASS} classify -q --rules {big} {csv1} -o {DATA}/out-10x.csv"),
        ("postclass 10x absent", f"{POSTCLASS} classify -q --rules {absent} {csv1} -o {DATA}/out-10x-absent.csv"),
        ("postclass 100k", f"{pc} {csv100k} -o {DATA}/out-100k.csv"),
    ]
    print(f"timing {len(cmds)} commands, {args.runs} runs each...", file=sys.stderr)
    t = hyperfine([(n, c + " > /dev/null") if n.startswith(("cat", "rg")) else (n, c) for n, c in cmds],
                  args.runs, 1)
    print(f"timing -j1 and -j2 in turn, {args.rounds} rounds...", file=sys.stderr)
    turns = alternated([("j1", f"{pc} -j1 {csv1} -o {DATA}/out-j1.csv"),
                        ("j2", f"{pc} -j2 {csv1} -o {DATA}/out-j2.csv")], args.rounds)
    same_threads = sh(f"cmp {out_csv} {DATA}/out-j1.csv && cmp {out_csv} {DATA}/out-j2.csv && echo yes || echo no").strip()

    # How many rules fire per post with each rulebook (from the summary of
    # the first 100,000 posts): the work after the phrase search follows it.
    def fired_per_post(rules):
        summary = os.path.join(DATA, "summary.json")
        sh(f"{POSTCLASS} classify -q --rules {shlex.quote(rules)} {csv100k} -o /dev/null --summary {summary}")
        with open(summary) as f:
            s = json.load(f)
        return sum(r["hits"] for r in s["rules"]) / s["rows"]["read"]

    fired = {name: fired_per_post(r) for name, r in (("base", args.rules), ("10x", big), ("absent", absent))}

    # ripgrep's own scan with ten times the phrases, for scale. Minutes on a
    # million posts: one run each on the first 100,000.
    print(f"timing ripgrep with the 10x phrases (first {posts(n100k)}, one run each)...", file=sys.stderr)

    # ripgrep exits with 1 when no line matches: not a failure here.
    rg_scale = tuple(wall(f"rg -c -i -w -F -f {p} {csv100k}", check=False) for p in (ph, ph10))

    print("measuring peak memory...", file=sys.stderr)
    _, rss1 = time_v(f"{pc} {csv1} -o {DATA}/out-rss.csv")
    _, rss1j = time_v(f"{pc} {jsonl1} -o {DATA}/out-rss.jsonl")
    wall4, rss4 = time_v(f"{pc} {csv4} -o {DATA}/out-rss4.csv")
    os.remove(f"{DATA}/out-rss4.csv")

    py = None
    if not args.skip_python:
        print("running the Python baseline (one run)...", file=sys.stderr)
        out_py = os.path.join(DATA, "out-python.csv")
        if os.path.exists(out_py):
            os.remove(out_py)
        py_secs, py_rss = time_v(f"python3 bench/baseline.py --rules {shlex.quote(args.rules)} {csv100k} -o {out_py}")
        same = same_but_languages(out_py, f"{DATA}/out-100k.csv")
        py = (py_secs, py_rss, same)

    # Ratios use each command's fastest run: on a shared machine, the run
    # least disturbed by other work.
    # (No less than a millisecond, hyperfine's resolution: on the smoke
    # corpus `cat` can report 0.)
    m = lambda k: max(t[k][3], 0.001)  # noqa: E731
    pcm = m("postclass")

    def row(name, label, mb, note=""):
        mean, sd, cpu, fastest = t[name]
        # A command on the smoke corpus can finish below the clock's
        # resolution: no rate then, rather than a division by zero.
        rate = f"{mb / fastest:,.0f}" if fastest > 0 else "n/a"
        return f"| {label} | {mean:.3f} ± {sd:.3f} | {fastest:.3f} | {cpu:.3f} | {rate} | {note} |"

    lines = []
    if args.smoke:
        lines.append("Smoke run (`bench/run.sh --smoke`): every step on a few thousand posts, one run each. "
                     "It shows that the benchmark runs; its figures and targets say nothing of postclass's speed.")
        lines.append("")
    lines.append(f"Machine: {info['cores']} cores, {info['cpu']}, {info['memory']} RAM, {info['os']}; "
                 f"{info['date']}; {info['postclass']} at {info['commit']}; {info['rg']}; Python {info['python']}.")
    lines.append("")
    lines.append(f"Corpus: {csv1} ({size:.0f} MB, {posts(n1)}), {jsonl1} ({size_j:.0f} MB, same posts), "
                 f"{csv4} ({posts(n4)}). Rulebook: {args.rules} ({n_phr} phrases); "
                 f"10x: {big} ({n_phr10} phrases); 10x absent: {absent} (as many). {args.runs} runs each (hyperfine, 1 warm-up), output written to a file.")
    lines.append("")
    lines.append("| command | wall s (mean ± sd) | fastest s | CPU s (user + sys, mean) | MB/s (fastest) | vs postclass (fastest) |")
    lines.append("|---|---|---|---|---|---|")
    lines.append(row("cat", "`cat` (read only)", size, f"{m('cat') / pcm:.2f}×"))
    lines.append(row("rg", f"`rg -c -i -w -F -f phrases.txt` ({n_phr} phrases)", size, f"{m('rg') / pcm:.2f}×"))
    lines.append(row("postclass", "postclass CSV (default threads)", size, "1×"))
    lines.append(row("postclass -j1", "postclass CSV `-j1`", size, f"{m('postclass -j1') / pcm:.2f}×"))
    lines.append(row("postclass -j2", "postclass CSV `-j2`", size, f"{m('postclass -j2') / pcm:.2f}×"))
    lines.append(row("postclass jsonl", "postclass JSONL (same posts)", size_j, f"{m('postclass jsonl') / pcm:.2f}×"))
    lines.append(row("postclass 10x", "postclass CSV, 10x rulebook", size, f"{m('postclass 10x') / pcm:.2f}×"))
    lines.append(row("postclass 10x absent", "postclass CSV, 10x rulebook of absent words", size,
                     f"{m('postclass 10x absent') / pcm:.2f}×"))
    size100k = os.path.getsize(csv100k) / 1e6
    lines.append(row("postclass 100k", f"postclass CSV, first {posts(n100k)}", size100k, f"{m('postclass 100k') / pcm:.2f}×"))
    if py:
        lines.append(f"| Python baseline, first {posts(n100k)} (1 run) | {py[0]:.1f} | {py[0]:.1f} | | {size100k / py[0]:,.1f} | "
                     f"{py[0] / m('postclass 100k'):.1f}× postclass on the same posts |")
    lines.append("")
    lines.append("| peak RSS (GNU time) | MiB |")
    lines.append("|---|---|")
    lines.append(f"| postclass CSV, {short(n1)} posts | {rss1:.1f} |")
    lines.append(f"| postclass CSV, {short(n4)} posts ({wall4:.2f} s) | {rss4:.1f} |")
    lines.append(f"| postclass JSONL, {short(n1)} posts | {rss1j:.1f} |")
    if py:
        lines.append(f"| Python baseline, {posts(n100k)} | {py[1]:.1f} |")
    lines.append("")

    def target(ok, text):
        return f"- [{'x' if ok else ' '}] {text}"

    rg_ratio = pcm / m("rg")
    lines.append("Targets:")
    lines.append(target(rg_ratio <= 1.5, f"≤ 1.5× ripgrep: {rg_ratio:.2f}×"))
    if py:
        pr = py[0] / m("postclass 100k")
        lines.append(target(pr >= 50, f"≥ 50× the Python baseline (same {posts(n100k)}): {pr:.1f}×"
                            f" (outputs {'identical' if py[2] else 'DIFFER'})"))
    lines.append(target(max(rss1, rss4) <= 64 and rss4 <= rss1 * 1.25,
                        f"peak memory ≤ 64 MiB and flat: {rss1:.1f} MiB at {short(n1)}, {rss4:.1f} MiB at {short(n4)}"))
    jr = m("postclass jsonl") / pcm
    lines.append(target(jr <= 1.3, f"JSONL within 1.3× of CSV: {jr:.2f}×"))
    sr = m("postclass 10x") / pcm
    out_mb = {k: os.path.getsize(os.path.join(DATA, f)) / 1e6
              for k, f in (("base", "out-postclass.csv"), ("10x", "out-10x.csv"))}
    lines.append(target(sr <= 1.5, f"10x rulebook ≤ 1.5× the time: {sr:.2f}× "
                        f"({fired['10x']:.1f} rules fired per post, {fired['base']:.1f} with the base rulebook; "
                        f"output {out_mb['10x']:,.0f} MB against {out_mb['base']:,.0f} MB)"))
    ar = m("postclass 10x absent") / pcm
    lines.append(f"  - the same size with words no post contains: {ar:.2f}× "
                 f"({fired['absent']:.1f} rules fired per post): what the size alone costs")
    lines.append(f"  - ripgrep's scan with the 10x phrases, first {posts(n100k)}: {rg_scale[1]:.2f} s against "
                 f"{rg_scale[0]:.2f} s with the base phrases, {rg_scale[1] / rg_scale[0]:.1f}× (one run each)")
    tr = turns["j1"] / turns["j2"]
    lines.append(target(tr >= 1.7, f"2 threads ≥ 1.7× 1 thread: {tr:.2f}× (fastest of {args.rounds} runs each, "
                        f"-j1 and -j2 in turn: {turns['j1']:.3f} s and {turns['j2']:.3f} s; "
                        f"{m('postclass -j1') / m('postclass -j2'):.2f}× from the table's fastest runs)"))
    lines.append(target(same_threads == "yes", f"output identical with -j1, -j2 and default threads: {same_threads}"))
    with open("/proc/loadavg") as f:
        load_after = f.read().split()[0]
    lines.append("")
    lines.append(f"Load average (1 min) before and after the run: {load_before}, {load_after} "
                 f"(above 0 when other work shared the machine).")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
