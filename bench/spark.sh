#!/usr/bin/env bash
# Throughput of postclass inside Spark (local mode, 2 worker threads) against
# the plain CLI, on the same generated posts, on this machine.
#
#   bench/spark.sh [--rows N] [--repeat R] [--rules FILE]
#
# For `postclass classify --threads 1` and for the example job's pipe and sql
# engines, it reports:
#   - wall-clock rows/s per core, best of R runs (the CLI uses one core; Spark
#     in local[2] uses 2): the classify stage alone, with the counting stage,
#     and the whole job with the JVM's start-up;
#   - rows per CPU-second: CPU time of the whole process tree (JVM, Python
#     workers, postclass) from `perf stat -e task-clock`, less that of the same
#     job on 1,000 posts (start-up and other fixed costs). Unlike wall-clock
#     time, this does not move when other programs share the machine.
# The runs alternate, so that such programs weigh on all of them alike.
# Setup as in examples/spark/test.sh (release build, PySpark virtualenv);
# perf comes from Debian's linux-perf (without it, CPU figures are left out).
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
        -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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

# timed LOG command...: appends "wall cpu" (seconds; cpu: task-clock of the
# command and all its descendants, or - without perf) to LOG.
timed() {
    local log="$1"; shift
    local t0 t1 cpu=-
    t0=$(date +%s.%N)
    if command -v perf >/dev/null 2>&1; then
        perf stat -x, -e task-clock -o "$work/perf" -- "$@"
        cpu=$(awk -F, '$3 == "task-clock" { printf "%.2f", $1 / 1000 }' "$work/perf")
    else
        "$@"
    fi
    t1=$(date +%s.%N)
    echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') $cpu" >>"$log"
}

# job ENGINE INPUT LOG: runs the example job; the job's own report of its
# stage times goes to LOG.stage.
job() {
    rm -rf "$work/out"
    timed "$3" "${submit[@]}" "$here/postclass_job.py" --postclass "$bin" --text text \
        --engine "$1" --input "$2/*.jsonl" --partitions 8 "${rules_arg[@]}" \
        --output "$work/out" >"$work/job.log" 2>&1 || { cat "$work/job.log" >&2; exit 1; }
    sed -n 's/^postclass-spark: .* rows labelled into .* in \([0-9.]*\) s, counted in \([0-9.]*\) s/\1 \2/p' \
        "$work/job.log" >>"$3.stage"
}

say "$rows posts, $(du -sh "$work/posts" | cut -f1); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for _ in $(seq "$repeat"); do
    timed "$work/cli" "$bin" classify "$work"/posts/*.jsonl --text text --threads 1 --quiet \
        "${rules_arg[@]}" -o "$work/single.jsonl"
    for engine in pipe sql; do
        job "$engine" "$work/tiny" "$work/$engine-tiny"
        job "$engine" "$work/posts" "$work/$engine"
    done
done
say "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$rows" "$work" <<'PY'
import sys
rows, work = int(sys.argv[1]), sys.argv[2]

def runs(name):
    with open(f"{work}/{name}") as f:
        return [[None if v == "-" else float(v) for v in line.split()] for line in f if line.strip()]

def best(values):
    values = [v for v in values if v is not None]
    return min(values) if values else None

cli = runs("cli")
wall = best(w for w, _ in cli)
per_core = rows / wall
cli_cpu = best(c for _, c in cli)
print(f"| run | seconds (best of {len(cli)}) | rows/s per core | rows per CPU-second |")
print("|---|---:|---:|---:|")
cpu_col = f"{rows / cli_cpu:,.0f}" if cli_cpu else "-"
print(f"| postclass classify --threads 1 (1 core) | {wall:.2f} | {per_core:,.0f} | {cpu_col} |")
for engine in ("pipe", "sql"):
    stages = runs(engine + ".stage")
    stage = best(s for s, _ in stages)
    count = best(c for _, c in stages)
    whole = runs(engine)
    job = best(w for w, _ in whole)
    cpu, tiny = best(c for _, c in whole), best(c for _, c in runs(engine + "-tiny"))
    marginal = f"{(rows - 1000) / (cpu - tiny):,.0f}" if cpu and tiny else "-"
    for what, secs, c in (("classify stage", stage, ""),
                          ("classify + count stages", stage + count, ""),
                          ("whole job, start-up included", job, marginal)):
        print(f"| spark local[2], {engine} engine: {what} (2 cores) | {secs:.2f} "
              f"| {rows / secs / 2:,.0f} | {c} |")
print("\nSpark's rows per CPU-second: the CPU time of the whole job less that of the same job "
      "on 1,000 posts, i.e. without start-up.")
print(f"Load: the CLI used {cli_cpu or 0:.2f} CPU seconds in {wall:.2f} s of wall-clock time; "
      "a gap means other programs were sharing the machine.")
PY
