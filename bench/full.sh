#!/bin/sh
# The whole benchmark in one command: makes each database that is missing (migrate, then the generator at its size or
# seed_demo), migrates the ones that exist, and runs bench.run on the benchmark company with the three sizes.
#
#   bench/full.sh [bench.run options, e.g. --wrk-seconds 5]   # from the repository root; writes bench/results.json
#
# Databases (override with the variables): BENCH_DB (2,000 managers), BENCH_DB_SMALL (200), BENCH_DB_LARGE (10,000),
# BENCH_DB_DEMO (seed_demo). BENCH_PG is the server; BENCH_RUNS the runs per figure (3).
set -eu
cd "$(dirname "$0")/.."
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
PSQL_HOST=${BENCH_PSQL:-"-h 127.0.0.1 -U postgres"}
SMALL=${BENCH_DB_SMALL:-bench_small}
BENCH=${BENCH_DB:-bench}
LARGE=${BENCH_DB_LARGE:-bench_large}
DEMO=${BENCH_DB_DEMO:-bench_demo}
RUNS=${BENCH_RUNS:-3}
PY=.venv/bin/python
mkdir -p var

command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install -y wrk" >&2; exit 1; }

prepare() {  # database, then "demo" or the generator's --size
    db=$1
    what=$2
    if psql $PSQL_HOST -Atc "select 1 from pg_database where datname = '$db'" | grep -q 1; then
        echo "== $db exists: migrate"
        DATABASE_URL="$PG/$db" DEBUG=true $PY manage.py migrate -v0
        return
    fi
    echo "== $db: create, migrate, fill ($what)"
    psql $PSQL_HOST -c "create database $db"
    DATABASE_URL="$PG/$db" DEBUG=true $PY manage.py migrate -v0
    if [ "$what" = demo ]; then
        DATABASE_URL="$PG/$db" DEBUG=true $PY manage.py seed_demo
    else
        DATABASE_URL="$PG/$db" $PY -m bench.generate --size "$what"
    fi
}

prepare "$DEMO" demo
prepare "$SMALL" small
prepare "$BENCH" bench
prepare "$LARGE" large

uptime
DATABASE_URL="$PG/$BENCH" $PY -m bench.run --runs "$RUNS" --json bench/results.json \
    --demo-url "$PG/$DEMO" --small-url "$PG/$SMALL" \
    --sizes "small=$PG/$SMALL,bench=$PG/$BENCH,large=$PG/$LARGE" "$@"
uptime
