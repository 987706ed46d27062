# Sourced by test.sh and bench/spark.sh: finds or builds the postclass
# binary ($bin), makes sure Java 17+ is there, installs PySpark into a
# virtualenv outside the repository (reused when present), and sets
# PYSPARK_PYTHON and the spark-submit command line ($submit, local[2]).
# Expects $root (the repository) and a say function.
# shellcheck shell=bash

die() { say "$*"; exit 2; }

# -- the binary
if [ -n "${POSTCLASS_BIN:-}" ]; then
    bin="$POSTCLASS_BIN"
else
    say "building the release binary"
    (cd "$root" && cargo build --release --locked --quiet)
    bin="$root/target/release/postclass"
fi
[ -x "$bin" ] || die "no postclass binary at $bin"

# -- Java
java_major() { java -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -n 1; }
if ! command -v java >/dev/null 2>&1 || [ "$(java_major)" -lt 17 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing a Java runtime (openjdk-17-jre-headless)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
    else
        die "Spark needs Java 17 or later: install a JRE (e.g. apt-get install openjdk-17-jre-headless)"
    fi
fi

# -- PySpark, in a virtualenv outside the repository
version="${PYSPARK_VERSION:-4.3.0}"
venv="${POSTCLASS_SPARK_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/postclass-spark-venv}"
if [ "$("$venv/bin/python" -c 'import pyspark; print(pyspark.__version__)' 2>/dev/null)" != "$version" ]; then
    say "installing pyspark $version into $venv (about 500 MB, once)"
    python3 -m venv "$venv" || die "cannot create a virtualenv at $venv (python3-venv missing?)"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "pyspark==$version" \
        || die "cannot install pyspark $version from PyPI"
fi
export PYSPARK_PYTHON="$venv/bin/python"
export SPARK_LOCAL_IP=127.0.0.1
submit=("$venv/bin/spark-submit" --master 'local[2]' --conf spark.ui.enabled=false
        --driver-memory 2g)
