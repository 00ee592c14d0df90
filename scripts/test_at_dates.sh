#!/usr/bin/env bash
# Runs the test suite with its clock pinned at each instant where calendar bugs hide (the 1st at 00:05, the last day
# of a month at 23:55, 29 February, 31 December at 23:59, the Monday after the Spring Festival, a moment when UTC is
# still the day before: INSTANTS in tests/clock.py), on SQLite and on PostgreSQL. Each test runs once per instant,
# named after it (test_x[29feb]). `make test` runs the fast form: the tests marked date_sensitive, on SQLite.
#
#   scripts/test_at_dates.sh                     the whole suite (browser tests apart), both databases
#   scripts/test_at_dates.sh --fast              only the tests marked date_sensitive
#   scripts/test_at_dates.sh --db sqlite         one database (sqlite, postgres or both)
#   scripts/test_at_dates.sh --browser           the Playwright tests too (SQLite)
#   scripts/test_at_dates.sh --at 2028-02-29T12:00:00+08:00 [-- pytest args]   one instant of your own
#
# PostgreSQL is the one DATABASE_URL names, else PG_URL's (scripts/ensure_postgres.sh provides it).
set -uo pipefail
cd "$(dirname "$0")/.."

fast=0 browser=0 db=both at="" extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --fast) fast=1 ;;
    --browser) browser=1 ;;
    --db) db=$2; shift ;;
    --at) at=$2; shift ;;
    --) shift; extra=("$@"); break ;;
    *) echo "unknown option $1 (see the top of $0)" >&2; exit 2 ;;
  esac
  shift
done
case "$db" in
  sqlite) dbs=(sqlite) ;;
  postgres) dbs=(postgres) ;;
  both) dbs=(sqlite postgres) ;;
  *) echo "--db is sqlite, postgres or both" >&2; exit 2 ;;
esac
pg_url=${DATABASE_URL:-${PG_URL:-postgres://gongzhi:gongzhi@127.0.0.1:5432/gongzhi}}
marker="not browser"
[ $fast = 1 ] && marker="date_sensitive and not browser"
if [ -n "$at" ]; then
  export GONGZHI_TEST_NOW="$at"
  instants=()
else
  instants=(--at-every-instant)
fi
pytest=(.venv/bin/python -m pytest -q)

failed=()
for d in "${dbs[@]}"; do
  echo "== $d: -m \"$marker\" ${instants[*]} ${at}"
  if [ "$d" = sqlite ]; then
    env -u DATABASE_URL "${pytest[@]}" -m "$marker" -n 2 "${instants[@]}" "${extra[@]}" || failed+=("$d")
  else
    DATABASE_URL="$pg_url" "${pytest[@]}" -m "$marker" -n 2 "${instants[@]}" "${extra[@]}" || failed+=("$d")
  fi
done
if [ $browser = 1 ]; then
  echo "== chromium ${instants[*]} ${at}"
  env -u DATABASE_URL "${pytest[@]}" -m browser -p no:xdist "${instants[@]}" "${extra[@]}" || failed+=(chromium)
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED on: ${failed[*]}"
  exit 1
fi
echo "passed on: ${dbs[*]}$([ $browser = 1 ] && echo ' chromium')"
