#!/usr/bin/env bash
# test/reliability/crash.sh: suite 2, crash recovery.
#
# Three faults, each in the middle of a load of CA_REL_CRASH_WORKERS (6)
# logger.py workers on 6 bots (single calls and multi-bot batches, and one
# worker back-filling several bots per INSERT ... SELECT, rows in bot_id
# order; each worker writes down the rounds whose COMMIT returned).  This is
# the suite's own load, not load.sh's pgbench run: pgbench cannot tell which
# transactions committed before a crash, and that is what is checked here.
# The faults:
#   (a) kill -9 of one backend that is running log_crash_round(s) (the
#       postmaster then restarts every backend and recovers);
#   (b) pg_ctl stop -m immediate, then start;
#   (c) SIGKILL of the postmaster and all its children at once, then start.
# The load goes on through each fault (workers reconnect) and for a few
# seconds after it.  After each: the server recovered (log), every round
# whose COMMIT returned is stored with the content that was sent, each key
# once, verify_consistency() all ok (nothing half fanned out) and
# pg_amcheck --heapallindexed clean.
#
#   bash test/reliability/crash.sh      # alone: its own cluster, like run-tests.sh
set -euo pipefail
REL_SUITE=crash
. "$(dirname "$0")/common.sh"
rel_setup

DB=rel_crash
WORKERS=${CA_REL_CRASH_WORKERS:-6}
BEFORE=${CA_REL_CRASH_BEFORE:-4}	# seconds of load before the fault
AFTER=${CA_REL_CRASH_AFTER:-3}	# seconds of load after the server is back
rel_createdb $DB
rel_psql $DB -c "CREATE EXTENSION crash_analytics" -c "CREATE EXTENSION amcheck" \
	-f "$REL_DIR/workload.sql" >/dev/null
# the keys the workers saw committed, loaded for the checks
rel_psql $DB -c "CREATE TABLE rel.committed (b int, s int, rn bigint, slot int)"

DSN="host=$CA_SOCKET port=$CA_PGPORT user=postgres dbname=$DB"
faults=0
rel_logger_pid=""

start_load() {	# start_load PHASE
	/usr/bin/python3 "$REL_DIR/logger.py" "$DSN" "$REL_WORK" "$WORKERS" "$1" \
		>>"$REL_WORK/logger.out" 2>&1 &
	rel_logger_pid=$!
	REL_PIDS+=("$rel_logger_pid")
}

stop_load() {
	kill -TERM "$rel_logger_pid" 2>/dev/null || true
	wait "$rel_logger_pid" 2>/dev/null || true
	REL_PIDS=()
}

# after a restart: the log shows a crash recovery, the load committed rounds
# before and after it, and the data is whole
check_phase() {	# check_phase PHASE LABEL LOG_OFFSET
	local phase=$1 label=$2 off=$3 stats missing
	if rel_log_since "$off" | grep -qE 'database system was (interrupted|not properly shut down)|automatic recovery in progress|all server processes terminated; reinitializing'; then
		rel_ok "$label: the server went through crash recovery"
	else
		rel_not_ok "$label: the server went through crash recovery" "$(rel_log_since "$off" | tail -n 20)"
	fi
	rel_check_log_clean "$off" "$label"
	stats=$(cat "$REL_WORK/stats-$phase.json" 2>/dev/null || echo '{}')
	read -r tx rounds doubt reconn errs <<<"$(/usr/bin/python3 -c '
import json, sys
s = json.loads(sys.argv[1] or "{}")
print(s.get("transactions", 0), s.get("rounds", 0), s.get("in_doubt", 0), s.get("reconnects", 0),
      ",".join("%s:%d" % kv for kv in sorted(s.get("errors", {}).items())) or "none")' "$stats")"
	rel_figure "$label: $tx transactions committed ($rounds rounds), $doubt in doubt at the fault, $reconn reconnections, other errors: $errs"
	if [ "$tx" -gt 0 ] && [ "$reconn" -gt 0 ]; then
		rel_ok "$label: the load committed $tx transactions and reconnected $reconn times"
	else
		rel_not_ok "$label: the load committed transactions and went through the fault" "$stats" \
			"$(tail -n 20 "$REL_WORK/logger.out" 2>/dev/null)"
	fi
	if [ "$errs" != none ]; then
		# a deadlock or any error is not expected here (the load suite reports those)
		rel_not_ok "$label: no error other than the lost connections" "$stats"
	fi

	# every round whose COMMIT returned, in any phase so far, is stored with its content
	rel_psql $DB -c "TRUNCATE rel.committed" >/dev/null
	cat "$REL_WORK"/committed-*.keys | rel_psql $DB -c "\copy rel.committed FROM STDIN" >/dev/null
	missing=$(rel_psql $DB -F ' ' -c "
		SELECT count(*), coalesce(string_agg(k.b || '/' || k.s || '/' || k.rn || '/' || k.slot, ', '), '')
		  FROM (SELECT DISTINCT * FROM rel.committed) k
		 WHERE NOT EXISTS (SELECT 1 FROM crash_analytics.crash_game_rounds c
							WHERE c.bot_id = 'rel_bot_' || k.b AND c.session_id = 'rel_bot_' || k.b || '_s' || k.s
							  AND c.round_number = k.rn AND c.bet_slot = k.slot)")
	local n_keys
	n_keys=$(rel_psql $DB -c "SELECT count(*) FROM (SELECT DISTINCT * FROM rel.committed) k")
	if [ "${missing%% *}" = 0 ]; then
		rel_ok "$label: all $n_keys rounds whose COMMIT returned are stored"
	else
		rel_not_ok "$label: all $n_keys rounds whose COMMIT returned are stored" "missing: $missing"
	fi
	rel_is "$label: every stored round has the content that was sent" \
		"$(rel_psql $DB -c "SELECT count(*) FROM rel.wrong_content")" 0
	rel_empty "$label: each key once; roll-ups, sessions, multipliers, outcomes agree with the rounds" \
		"$(rel_psql $DB -F ' | ' -c "SELECT * FROM rel.count_differences LIMIT 20")"
	rel_check_consistency $DB "$label"
	local amc rc
	set +e
	amc=$("$CA_PGBIN/pg_amcheck" -h "$CA_SOCKET" -p "$CA_PGPORT" -U postgres --heapallindexed -d $DB 2>&1)
	rc=$?
	set -e
	if [ $rc -eq 0 ] && [ -z "$amc" ]; then
		rel_ok "$label: pg_amcheck --heapallindexed clean"
	else
		rel_not_ok "$label: pg_amcheck --heapallindexed clean (exit $rc)" "$amc"
	fi
}

wait_for_load() {	# wait until the load has committed something (the server is up)
	local i
	for ((i = 0; i < 100; i++)); do
		[ -n "$(cat "$REL_WORK"/committed-"$1"-*.keys 2>/dev/null | head -c 1)" ] && return 0
		sleep 0.1
	done
}

# ---------------------------------------------------------------- (a)
ca_say "crash (a): kill -9 of an ingesting backend"
off=$(rel_log_offset)
start_load 1
sleep "$BEFORE"
victim=""
for ((i = 0; i < 50; i++)); do
	victim=$(rel_psql $DB -c "SELECT pid FROM pg_stat_activity
		WHERE datname = '$DB' AND application_name = 'rel_logger' AND state = 'active'
		  AND (query LIKE '%log_crash_round%' OR query LIKE '%INSERT INTO crash_analytics%')
		ORDER BY random() LIMIT 1")
	[ -n "$victim" ] && break
	sleep 0.1
done
if [ -n "$victim" ] && kill -9 "$victim"; then
	faults=$((faults + 1))
	rel_ok "(a) killed backend $victim with SIGKILL while it was logging"
else
	rel_not_ok "(a) found an ingesting backend to kill"
fi
rel_wait_ready 120 || rel_not_ok "(a) the server accepts connections again"
sleep "$AFTER"
stop_load
check_phase 1 "(a) kill -9 backend" "$off"

# ---------------------------------------------------------------- (b)
ca_say "crash (b): pg_ctl stop -m immediate"
off=$(rel_log_offset)
start_load 2
sleep "$BEFORE"
if ca_pg "$CA_PGBIN/pg_ctl" -D "$CA_DATA" -m immediate -w stop >/dev/null; then
	faults=$((faults + 1))
	rel_ok "(b) immediate shutdown during the load"
else
	rel_not_ok "(b) immediate shutdown during the load"
fi
sleep 1
rel_start_server
rel_wait_ready 120 || rel_not_ok "(b) the server accepts connections again"
wait_for_load 2
sleep "$AFTER"
stop_load
check_phase 2 "(b) immediate shutdown" "$off"

# ---------------------------------------------------------------- (c)
ca_say "crash (c): SIGKILL of the postmaster and all its children"
off=$(rel_log_offset)
start_load 3
sleep "$BEFORE"
pm=$(head -n 1 "$CA_DATA/postmaster.pid")
children=$(ps -o pid= --ppid "$pm" | tr '\n' ' ')
# shellcheck disable=SC2086
if [ -n "$children" ] && kill -9 "$pm" $children; then
	faults=$((faults + 1))
	rel_ok "(c) SIGKILL of postmaster $pm and its $(echo $children | wc -w) children"
else
	rel_not_ok "(c) SIGKILL of the postmaster and its children"
fi
for ((i = 0; i < 100; i++)); do
	# shellcheck disable=SC2086
	kill -0 "$pm" $children 2>/dev/null || break
	sleep 0.1
done
rel_start_server
rel_wait_ready 120 || rel_not_ok "(c) the server accepts connections again"
wait_for_load 3
sleep "$AFTER"
stop_load
check_phase 3 "(c) SIGKILL postmaster" "$off"

rel_figure "faults injected: $faults; rounds stored in the end: $(rel_psql $DB -c "SELECT count(*) FROM crash_analytics.crash_game_rounds")"
rel_finish
