#!/usr/bin/env bash
# Throughput of postclass inside Spark (local mode, 2 worker threads) against
# the plain CLI, on the same generated posts, on this machine.
#
#   bench/spark.sh [--rows N] [--repeat R] [--rules FILE]
#
# For each of: `postclass classify --threads 1`, the job's pipe engine and its
# sql engine, it reports
#   - wall: rows per second per core, from the best of R runs (the CLI uses
#     one core; Spark's classify stage uses 2);
#   - cpu: rows per CPU-second, from the CPU time of the whole process tree
#     (JVM, Python workers, postclass), less that of the same job on 1,000
#     posts (start-up and fixed costs). This one holds when other programs
#     share the machine, which wall-clock figures do not.
# Setup as in examples/spark/test.sh (release build, PySpark virtualenv).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
here="$root/examples/spark"
rows=1000000
repeat=2
rules=""
while [ $# -gt 0 ]; do
    case "$1" in
        --rows) rows="$2"; shift 2 ;;
        --repeat) repeat="$2"; shift 2 ;;
        --rules) rules="$2"; shift 2 ;;
        -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "spark.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
say() { echo "spark-bench: $*" >&2; }
. "$here/setup.sh"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 "$here/gen_posts.py" --rows "$rows" --files 4 --out "$work/posts"
python3 "$here/gen_posts.py" --rows 1000 --files 4 --seed 7 --out "$work/tiny"
rules_arg=()
[ -n "$rules" ] && rules_arg=(--rules "$rules")

# timed LOG command...: appends "wall cpu" (seconds; cpu = user + sys of the
# command and every descendant it waited for) to LOG.
timed() {
    local log="$1"; shift
    /usr/bin/time -f '%e %U %S' -o "$work/time" "$@"
    awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$work/time" >>"$log"
}

say "$rows posts, $(du -sh "$work/posts" | cut -f1); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for _ in $(seq "$repeat"); do
    timed "$work/cli" "$bin" classify "$work"/posts/*.jsonl --text text --threads 1 --quiet \
        "${rules_arg[@]}" -o "$work/single.jsonl"
done

job() { # engine input log
    rm -rf "$work/out"
    timed "$3" "${submit[@]}" "$here/postclass_job.py" --postclass "$bin" --text text \
        --engine "$1" --input "$2/*.jsonl" --partitions 8 "${rules_arg[@]}" \
        --output "$work/out" >"$work/job.log" 2>&1 || { cat "$work/job.log" >&2; exit 1; }
    sed -n 's/^postclass-spark: .* rows labelled into .* in \([0-9.]*\) s, counted in \([0-9.]*\) s/\1 \2/p' \
        "$work/job.log" >>"$3.stage"
}
for engine in pipe sql; do
    job "$engine" "$work/tiny" "$work/$engine-tiny"
    for _ in $(seq "$repeat"); do
        job "$engine" "$work/posts" "$work/$engine"
    done
done

python3 - "$rows" "$work" <<'EOF'
import sys
rows, work = int(sys.argv[1]), sys.argv[2]
def runs(name):
    with open(f"{work}/{name}") as f:
        return [tuple(map(float, l.split())) for l in f if l.strip()]
cli = runs("cli")
wall = min(w for w, _ in cli)
cpu = min(c for _, c in cli)
print(f"| run | wall, best of {len(cli)} | rows/s per core (wall) | CPU s | rows per CPU-second |")
print("|---|---:|---:|---:|---:|")
print(f"| postclass classify --threads 1 | {wall:.2f} s | {rows / wall:,.0f} | {cpu:.2f} | {rows / cpu:,.0f} |")
for engine in ("pipe", "sql"):
    whole = runs(engine)
    stages = runs(engine + ".stage")
    tiny = runs(engine + "-tiny")[0][1]
    stage = min(s for s, _ in stages)
    count = min(c for _, c in stages)
    marginal = min(c for _, c in whole) - tiny
    print(f"| spark local[2], {engine} engine: classify stage | {stage:.2f} s | {rows / stage / 2:,.0f} | "
          f"{marginal:.2f} (whole job less start-up) | {rows / marginal:,.0f} |")
    print(f"| spark local[2], {engine} engine: counting stage | {count:.2f} s | {rows / count / 2:,.0f} | | |")
    print(f"| spark local[2], {engine} engine: whole job | {min(w for w, _ in whole):.2f} s | "
          f"{rows / min(w for w, _ in whole) / 2:,.0f} | {min(c for _, c in whole):.2f} | |")
EOF
say "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
