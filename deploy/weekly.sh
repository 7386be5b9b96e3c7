#!/usr/bin/env bash
# The weekly job: load the platform's export folder into the database, then run the weekly reports.
# No make, no activation: it calls the checkout's .venv/bin/lp. Run by lp-workbench-weekly.service
# (systemd timer) or by cron (crontab.example); by hand:  LP_EXPORTS=/srv/lp-exports deploy/weekly.sh
#
# Settings (environment variables; relative paths are relative to the checkout):
#   LP_EXPORTS   the export folder to ingest (required). Loading a folder already loaded changes nothing.
#   LP_DB        the DuckDB file (default: data/lp.duckdb)
#   LP_REPORTS   the reports folder (default: reports; the index is reports/index.html)
#   LP_PLAN      the plan to run (default: parameters/plans/weekly.yaml)
#   LP_KEY_FILE  the ID-hash key (default: ~/.config/lp-workbench/id-hash.key of the user running this)
#   LP_JOBS      reports at once (default: the number of cores)
#   LP_LOCK      the lock file (default: the database's path + .weekly.lock)
#   LP_BIN       the lp command (default: .venv/bin/lp of this checkout)
#
# One run at a time per database: a run that finds the lock taken stops at once, runs nothing and
# exits 75 (EX_TEMPFAIL). Other exit codes: 0 done; 1 the export was rejected (nothing loaded, no
# reports run) or a report failed (see reports/index.html); 2 a setting is wrong; 3 an internal error.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"   # lp reads parameters/ (header aliases, rules, plans) and queries/ from the checkout
umask 027    # the database and the reports hold personal data: not readable by other users

say() { printf '%s weekly: %s\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$*"; }

exports="${LP_EXPORTS:-}"
db="${LP_DB:-data/lp.duckdb}"
reports="${LP_REPORTS:-reports}"
plan="${LP_PLAN:-parameters/plans/weekly.yaml}"
lp="${LP_BIN:-$repo/.venv/bin/lp}"
lock="${LP_LOCK:-$db.weekly.lock}"

if [ -z "$exports" ]; then
  say "LP_EXPORTS is not set: the export folder to load (see the top of $0)" >&2; exit 2
fi
if [ ! -e "$exports" ]; then
  say "the export folder $exports does not exist" >&2; exit 2
fi
if [ ! -x "$lp" ]; then
  say "$lp not found: run 'make install' in $repo (or set LP_BIN)" >&2; exit 2
fi
if [ ! -f "$plan" ]; then
  say "the plan $plan does not exist" >&2; exit 2
fi

mkdir -p "$(dirname "$db")" "$reports"
exec 9>>"$lock"
if ! flock -n 9; then
  say "another run holds $lock: not running" >&2; exit 75
fi

jobs=()
if [ -n "${LP_JOBS:-}" ]; then jobs=(--jobs "$LP_JOBS"); fi

say "ingest $exports into $db"
"$lp" ingest "$exports" --db "$db" --quiet
say "run $plan into $reports"
"$lp" run "$plan" --db "$db" --out "$reports" --quiet "${jobs[@]}"
say "done: $reports/index.html"
