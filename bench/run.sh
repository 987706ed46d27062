#!/usr/bin/env bash
# The speed and memory benchmark: installs what it needs, builds postclass in
# release mode, writes the corpus once, then times postclass against cat,
# ripgrep and the Python baseline (bench/measure.py). See bench/README.md.
#
#   bench/run.sh                       # the embedded default rulebook
#   bench/run.sh --rules other.toml    # another base rulebook
#   bench/run.sh --smoke               # every step on a few thousand posts
set -euo pipefail
cd "$(dirname "$0")/.."

# --smoke runs every step on a few thousand posts, one run each, in
# bench/data/smoke: it checks that the benchmark runs to its report, not how
# fast postclass is (CI runs it). Other arguments go to bench/measure.py.
data=bench/data
rows=(1000000 100000 4000000)
# Real posts (bench/real_corpus.py): the corpus, the posts grouped by rules
# fired, and the posts timed in each group.
real=(1000000 100000 50000)
args=()
real_args=()
for a in "$@"; do
    if [ "$a" = --smoke ]; then
        data=bench/data/smoke
        rows=(3000 1000 4000)
        real=(3000 3000 500)
        args+=(--runs 1 --rounds 1 --smoke)
        real_args+=(--runs 1 --smoke)
    else
        args+=("$a")
    fi
done

missing=()
command -v rg >/dev/null || missing+=(ripgrep)
command -v hyperfine >/dev/null || missing+=(hyperfine)
[ -x /usr/bin/time ] || missing+=(time)
if ((${#missing[@]})); then
    echo "installing ${missing[*]}..." >&2
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi

cargo build --release --locked --bin postclass --example phrases

mkdir -p "$data"
# The corpus is written once, and again when its generator changes. Each
# file holds the first posts of the next larger one (the same seed).
if [ ! -f "$data/posts-1m.jsonl" ] || [ bench/gen_corpus.py -nt "$data/posts-1m.jsonl" ]; then
    echo "writing the ${rows[0]}-post corpus..." >&2
    python3 bench/gen_corpus.py --rows "${rows[0]}" --out "$data/posts-1m"
fi
if [ ! -f "$data/posts-100k.csv" ] || [ bench/gen_corpus.py -nt "$data/posts-100k.csv" ]; then
    python3 bench/gen_corpus.py --rows "${rows[1]}" --out "$data/posts-100k" --no-jsonl
fi
if [ ! -f "$data/posts-4m.csv" ] || [ bench/gen_corpus.py -nt "$data/posts-4m.csv" ]; then
    echo "writing the ${rows[2]}-post corpus..." >&2
    python3 bench/gen_corpus.py --rows "${rows[2]}" --out "$data/posts-4m" --no-jsonl
fi

base=rules/default.toml
for ((i = 0; i < ${#args[@]}; i++)); do
    [ "${args[$i]}" = --rules ] && base=${args[$((i + 1))]}
done
python3 bench/gen_rules.py "$base" -o "$data/rules-10x.toml"
python3 bench/gen_rules.py "$base" --absent -o "$data/rules-10x-absent.toml"

python3 bench/measure.py --data "$data" --rows "$(IFS=,; echo "${rows[*]}")" "${args[@]}"

# Real posts, resampled from ../shared/data (SHARED_DATA to read them from
# elsewhere): against a plain ripgrep scan of the phrases most frequent in
# them, the floor (bench/floor.toml), and the cost of each rule fired.
shared=${SHARED_DATA:-../shared/data}
if [ ! -f "$shared/airline_tweets.csv" ]; then
    echo "no $shared/airline_tweets.csv: the real-post part is skipped (set SHARED_DATA)" >&2
    exit 0
fi
if [ ! -f "$data/real-1m.csv" ] || [ bench/real_corpus.py -nt "$data/real-1m.csv" ]; then
    echo "writing the ${real[0]}-post real corpus..." >&2
    python3 bench/real_corpus.py --posts "${real[0]}" --data "$shared" --out "$data/real-1m.csv" >&2
fi
target/release/examples/phrases ${base:+"$base"} > "$data/phrases.txt"
python3 bench/rg_phrases.py --phrases "$data/phrases.txt" --corpus "$data/real-1m.csv" \
    -o "$data/phrases-real.txt" >&2
echo
echo "### Real posts"
echo
python3 bench/measure_real.py --data "$data" --rules "$base" --sample "${real[1]}" \
    --per-group "${real[2]}" "${real_args[@]}"
