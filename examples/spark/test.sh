#!/usr/bin/env bash
# Integration test: postclass inside Apache Spark (local mode, 2 worker
# threads) gives the same rows and the same summary counts as one
# `postclass classify` process on the same data.
#
#   examples/spark/test.sh [--rows N] [--keep DIR]
#
# It builds the release binary (or uses $POSTCLASS_BIN), installs PySpark
# from PyPI into a virtualenv kept in the user's cache directory (reused on
# later runs), generates a seeded dataset of N posts (default 120000) over 4
# files, and runs the example job with both engines and two rulebooks. It
# also prints throughput figures (rows/s per core) for the sizing notes.
#
# Needs: cargo, python3 with venv, Java 17 or later (installed from Debian's
# packages when missing and running as root), and PyPI the first time.
# Environment: POSTCLASS_BIN, PYSPARK_VERSION (default below),
# POSTCLASS_SPARK_VENV (default: ${XDG_CACHE_HOME:-$HOME/.cache}/postclass-spark-venv).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
rows=120000
keep=""
while [ $# -gt 0 ]; do
    case "$1" in
        --rows) rows="$2"; shift 2 ;;
        --keep) keep="$2"; shift 2 ;;
        -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "test.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done

say() { echo "spark-test: $*" >&2; }
now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }
per_core() { python3 -c "import sys; r, s, c = map(float, sys.argv[1:]); print(f'{r / s / c:,.0f}')" "$@"; }

. "$here/setup.sh"

# -- data
if [ -n "$keep" ]; then
    work="$keep"; rm -rf "$work"; mkdir -p "$work"
else
    work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
fi
say "generating $rows posts in $work"
python3 "$here/gen_posts.py" --rows "$rows" --files 4 --out "$work/posts"
rules="$here/test-rules.toml"

passed=0
failed=0
check() { # name, command...
    local name="$1"; shift
    if out="$("$@" 2>&1)"; then
        passed=$((passed + 1)); echo "ok    $name: $out"
    else
        failed=$((failed + 1)); echo "FAIL  $name:"; echo "$out" | sed 's/^/      /'
    fi
}
compare() { python3 "$here/compare.py" "$@"; }

# -- single process, the reference (one thread: the per-core figure)
t0=$(now)
"$bin" classify "$work"/posts/*.jsonl --text text --threads 1 --quiet \
    -o "$work/single-default.jsonl" --summary "$work/single-default.json"
t1=$(now)
"$bin" classify "$work"/posts/*.jsonl --text text --threads 1 --quiet --rules "$rules" \
    -o "$work/single-rules.jsonl" --summary "$work/single-rules.json"
t2=$(now)
cli_s=$(secs "$t0" "$t1")
cli_rules_s=$(secs "$t1" "$t2")
say "single process, embedded rulebook: $rows rows in $cli_s s"

job() { # name, job arguments...
    local name="$1"; shift
    local t0 t1
    t0=$(now)
    if ! "${submit[@]}" "$here/postclass_job.py" --postclass "$bin" --text text "$@" \
        >"$work/$name.log" 2>&1; then
        grep '^postclass-spark' "$work/$name.log" >&2 || tail -n 20 "$work/$name.log" >&2
        return 1
    fi
    t1=$(now)
    local stage
    stage=$(sed -n 's/^postclass-spark: .* rows labelled into .* in \([0-9.]*\) s,.*/\1/p' "$work/$name.log")
    say "$name: job $(secs "$t0" "$t1") s in all, classify stage $stage s"
    echo "$stage" >"$work/$name.stage"
}

# 1. PySpark pipe over JSONL, embedded rulebook, 8 partitions.
job pipe --engine pipe --input "$work/posts/*.jsonl" --partitions 8 \
    --output "$work/out-pipe" --summary "$work/pipe.json" || failed=$((failed + 1))
check "pipe engine: rows" compare rows "$work/single-default.jsonl" "$work/out-pipe"
check "pipe engine: summary" compare summary "$work/single-default.json" "$work/pipe.json"

# 2. SELECT TRANSFORM over JSONL lines, rulebook shipped with the job.
job sql --engine sql --input "$work/posts/*.jsonl" --partitions 6 --rules "$rules" \
    --output "$work/out-sql" --summary "$work/sql.json" || failed=$((failed + 1))
check "sql engine: rows" compare rows "$work/single-rules.jsonl" "$work/out-sql"
check "sql engine: summary" compare summary "$work/single-rules.json" "$work/sql.json"

# 3. SELECT TRANSFORM over a parquet table: rows go out as to_json(struct(*)).
"$PYSPARK_PYTHON" - "$work/posts" "$work/posts.parquet" <<'EOF' 2>"$work/parquet.log"
import sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false").getOrCreate()
spark.sparkContext.setLogLevel("ERROR")
spark.read.json(sys.argv[1]).repartition(5).write.parquet(sys.argv[2])
spark.stop()
EOF
job table --engine sql --input-format parquet --input "$work/posts.parquet" --rules "$rules" \
    --output "$work/out-table" --summary "$work/table.json" || failed=$((failed + 1))
check "sql engine, parquet table: labels" \
    compare labels "$work/single-rules.jsonl" "$work/out-table" "$work/single-rules.json"
check "sql engine, parquet table: summary" compare summary "$work/single-rules.json" "$work/table.json"

# Spark's summaries are postclass summaries: `postclass summary merge` adds
# them up like any other.
merged() {
    "$bin" summary merge "$work/sql.json" "$work/table.json" -o "$work/merged-spark.json" &&
        "$bin" summary merge "$work/single-rules.json" "$work/single-rules.json" \
            -o "$work/merged-single.json" &&
        compare summary "$work/merged-single.json" "$work/merged-spark.json"
}
check "summary merge of Spark's summaries" merged

# 4. A malformed record stops the job with postclass's own message, and no
#    output is committed.
mkdir -p "$work/bad"
head -n 2000 "$work/posts/posts-00.jsonl" >"$work/bad/posts.jsonl"
echo '{"id":"broken","text": oops}' >>"$work/bad/posts.jsonl"
head -n 2000 "$work/posts/posts-01.jsonl" >>"$work/bad/posts.jsonl"
bad_job() { # engine
    local status=0
    "${submit[@]}" "$here/postclass_job.py" --postclass "$bin" --text text --engine "$1" \
        --input "$work/bad/posts.jsonl" --partitions 2 --output "$work/out-bad-$1" \
        >"$work/bad-$1.log" 2>&1 || status=$?
    local msg
    msg=$(grep '^postclass-spark: error' "$work/bad-$1.log" || true)
    if [ "$status" -ne 2 ]; then
        echo "exit status $status, expected 2"; return 1
    fi
    if ! grep -Eq 'record [0-9]+: invalid JSON: expected value' <<<"$msg"; then
        echo "no postclass message naming the record: ${msg:-nothing}"; return 1
    fi
    if [ -e "$work/out-bad-$1/_SUCCESS" ] || ls "$work/out-bad-$1"/part-* >/dev/null 2>&1; then
        echo "output was committed"; return 1
    fi
    echo "exit 2, ${msg#postclass-spark: error: }"
}
check "pipe engine: bad record fails the job" bad_job pipe
check "sql engine: bad record fails the job" bad_job sql

# -- throughput
cores=2
echo
echo "rough throughput on $rows rows, rows/s per core (bench/spark.sh measures with care):"
echo "  postclass classify --threads 1, embedded rulebook:  $(per_core "$rows" "$cli_s" 1)"
echo "  postclass classify --threads 1, test-rules.toml:    $(per_core "$rows" "$cli_rules_s" 1)"
for name in pipe sql table; do
    if [ -s "$work/$name.stage" ]; then
        printf '  spark local[2], %-5s run, classify stage:         %s\n' "$name" \
            "$(per_core "$rows" "$(cat "$work/$name.stage")" "$cores")"
    fi
done
echo
echo "spark: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
