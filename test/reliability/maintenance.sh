#!/usr/bin/env bash
# test/reliability/maintenance.sh: the extension's upkeep while bots log.
#
# An operator purges old rounds, refreshes the materialized views, rebuilds a
# logging bot's roll-ups and runs verify_consistency() without stopping the
# bots.  maintenance.py's 4 clients log single rounds (round n of a bot played
# at T0 + 10 n s) while 12 rounds of that upkeep run, each purge moving the
# cutoff 10 minutes on.  Checks:
#   - no client call and no upkeep call fails;
#   - every verify_consistency() run during the load finds nothing wrong;
#   - exactly the rounds played before the last cutoff are gone: each bot
#     keeps one row for each call it made at or after the cutoff (a purge
#     racing a round must neither lose nor duplicate it);
#   - afterwards verify_consistency() all ok, bt_index_check with
#     heapallindexed on every B-tree index, no crash in the server log.
#
#   bash test/reliability/maintenance.sh     # alone: its own cluster, like run-tests.sh
set -euo pipefail
REL_SUITE=maintenance
. "$(dirname "$0")/common.sh"
rel_setup

DB=rel_maintenance
WORKERS=4
ROUNDS=12
DSN="host=$CA_SOCKET port=$CA_PGPORT user=postgres dbname=$DB"
rel_createdb $DB
rel_psql $DB -c "CREATE EXTENSION crash_analytics" -c "CREATE EXTENSION amcheck"
off=$(rel_log_offset)

ca_say "maintenance: $WORKERS clients log while $ROUNDS rounds of purge, refresh, rebuild and verify run"
set +e
out=$($REL_PY "$REL_DIR/maintenance.py" "$DSN" "$WORKERS" "$ROUNDS" 2>"$REL_WORK/maintenance.err")
rc=$?
set -e
printf '%s\n' "$out" >"$REL_WORK/maintenance.json"
field() { $REL_PY -c 'import json, sys; print(eval(sys.argv[2], dict(json.loads(sys.argv[1]))))' "$out" "$1" 2>/dev/null || echo "?"; }

if [ $rc -eq 0 ] && [ "$(field 'len(errors)')" = 0 ] && [ "$(field 'upkeep')" = $((ROUNDS * 4)) ]; then
	rel_ok "no call failed: $(field 'sum(calls)') logging calls by $WORKERS clients, $(field 'upkeep') upkeep calls"
else
	rel_not_ok "no logging or upkeep call fails (exit $rc)" "$out" "$(tail -n 20 "$REL_WORK/maintenance.err")"
fi
if [ "$(field 'len(verify) == '$ROUNDS' and all(v[0] == 0 and v[1] >= 10 for v in verify)')" = True ]; then
	rel_ok "verify_consistency() found nothing wrong in each of its $ROUNDS runs during the load"
else
	rel_not_ok "verify_consistency() finds nothing wrong during the load" "$(field 'verify')"
fi

# each bot: the calls it made with n >= the last cutoff, each stored once
cut=$(field 'cutoff_rounds')
if [ "$(field 'passed_at_last_purge > cutoff_rounds')" != True ]; then
	rel_not_ok "the clients had logged past the last cutoff when it was purged" "$out"
else
	expected=$(field '",".join("mt_b%d:%d" % (w, n - cutoff_rounds + 1) for w, n in enumerate(calls))')
	got=$(rel_psql $DB -c "SELECT string_agg(bot_id || ':' || n, ',' ORDER BY bot_id) FROM (
		SELECT bot_id, count(*) AS n FROM crash_analytics.crash_game_rounds GROUP BY bot_id) x")
	early=$(rel_psql $DB -c "SELECT count(*) FROM crash_analytics.crash_game_rounds
		WHERE played_at < timestamptz '2026-01-01 00:00:00+00' + interval '10 seconds' * $cut")
	if [ "$got" = "$expected" ] && [ "$early" = 0 ]; then
		rel_ok "exactly the rounds before the last cutoff (round $cut) are gone: $got"
	else
		rel_not_ok "exactly the rounds before the last cutoff (round $cut) are gone" "stored $got" "expected $expected" "rounds left before the cutoff: $early"
	fi
fi
rel_figure "$(field 'sum(calls)') logging calls by $WORKERS clients during $(field 'upkeep') upkeep calls; rounds kept per bot: ${got:-?}"

rel_check_btree_indexes $DB
rel_check_consistency $DB "after the upkeep"
rel_check_log_clean "$off" "maintenance"
rel_finish
