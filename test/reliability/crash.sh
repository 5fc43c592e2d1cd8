#!/usr/bin/env bash
# test/reliability/crash.sh: suite 2, crash recovery.
#
# Three faults, each in the middle of suite 1's load (load.sh's pgbench
# scripts in test/reliability/pgbench/: 16 clients logging single rounds with
# retries from a hot range, 1 client sending multi-bot batches, 2 back-filling
# with multi-bot INSERT ... SELECT in bot_id order) together with
# CA_REL_CRASH_WORKERS (6) logger.py workers on the same 6 bots (single calls
# and multi-bot batches, and one worker back-filling several bots per INSERT
# ... SELECT, rows in bot_id order; each worker writes down the rounds whose
# COMMIT returned).  pgbench cannot tell which of its transactions committed
# before a crash, nor reconnect: it runs for a duration longer than the wait
# for the fault, every one of its clients loses its connection at the fault
# (pgbench then exits with status 2, which is expected here), and what it
# committed is checked with everything else (content, each key once, the
# roll-ups).  logger.py keeps logging through the fault (its workers
# reconnect) and says what committed.  After the restart a second pgbench run
# of the same scripts logs for CA_REL_CRASH_AFTER seconds beside the logger
# and must see no error at all.
# The faults:
#   (a) kill -9 of one backend that is running log_crash_round(s) or an
#       INSERT into crash_game_rounds, pgbench's or the logger's (the
#       postmaster then restarts every backend and recovers);
#   (b) pg_ctl stop -m immediate, then start;
#   (c) SIGKILL of the postmaster and all its children at once, then start.
# After each: the server recovered (log) and logged no crash but the SIGKILL
# the suite sent, every round whose COMMIT returned is stored with the
# content that was sent, every stored round (pgbench's too) has the content
# its key says, each key once, verify_consistency() all ok (nothing half
# fanned out) and pg_amcheck --heapallindexed clean.
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

# suite 1's pgbench runs (load.sh): name, clients, script, rounds per
# transaction.  pgbench runs as root here, over the postgres user's socket.
PGB_RUNS="single:16:single.sql:1 batch:1:batch.sql:8 insert:2:insert.sql:8"
PGB_CLIENTS=19
pgb_pids=()
declare -A pgb_rc=()
pgb_start() {	# pgb_start PHASE STAGE SECONDS: the three runs, in the background
	local run name n script per
	pgb_pids=()
	for run in $PGB_RUNS; do
		IFS=: read -r name n script per <<<"$run"
		"$CA_PGBIN/pgbench" -n -M prepared -c "$n" -j "$((n < 4 ? n : 4))" -T "$3" \
			-f "$REL_DIR/pgbench/$script" $DB >"$REL_WORK/pgbench-$1-$2-$name.out" 2>&1 &
		pgb_pids+=("$name:$!")
		REL_PIDS+=("$!")
	done
}
pgb_wait() {	# until the three runs have exited; their exit statuses in pgb_rc
	local x rc
	for x in "${pgb_pids[@]}"; do
		rc=0
		wait "${x#*:}" 2>/dev/null || rc=$?
		pgb_rc[${x%%:*}]=$rc
	done
	pgb_pids=()
}

# One check on the three pgbench runs of a stage.  "fault": each run
# committed transactions before the fault and every one of its clients was
# cut off by it with a lost connection (pgbench's exit status 2 is that);
# no transaction failed and no client stopped on an SQL error.  "after": each
# run committed transactions, none failed, no client aborted, exit status 0.
# Sets pgb_tx to the transactions the three runs processed.
pgb_check() {	# pgb_check PHASE STAGE LABEL
	local phase=$1 stage=$2 label=$3 run name n script per out processed failed aborted other
	local problems="" parts="" rounds=0 what
	pgb_tx=0
	for run in $PGB_RUNS; do
		IFS=: read -r name n script per <<<"$run"
		out="$REL_WORK/pgbench-$phase-$stage-$name.out"
		processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out")
		failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out")
		aborted=$(grep -cE '^pgbench: error: client [0-9]+ (script [0-9]+ )?aborted' "$out" || true)
		other=$(grep -E '^pgbench: error: client [0-9]+ (script [0-9]+ )?aborted' "$out" |
			grep -vE 'perhaps the backend died while processing|server closed the connection unexpectedly|terminating connection|could not (send|receive) data|no connection to the server' || true)
		processed=${processed:-0}
		pgb_tx=$((pgb_tx + processed))
		rounds=$((rounds + processed * per))
		parts="$parts${parts:+, }$name $processed"
		if [ "$processed" -eq 0 ] || [ "${failed:-1}" -ne 0 ] || [ -n "$other" ] ||
			{ [ "$stage" = fault ] && [ "$aborted" -ne "$n" ]; } ||
			{ [ "$stage" = after ] && { [ "$aborted" -ne 0 ] || [ "${pgb_rc[$name]}" -ne 0 ]; }; }; then
			problems="$problems$name ($n clients): exit ${pgb_rc[$name]}, processed $processed, failed ${failed:-?}, clients aborted $aborted
$(grep -vE '^(WARNING|DETAIL|HINT):|^(latency|initial connection|tps|transaction type|scaling factor|query mode|number of (clients|threads)|maximum number|duration)' "$out" | head -n 12)
"
		fi
	done
	if [ "$stage" = fault ]; then
		rel_figure "$label: pgbench ran $pgb_tx transactions ($parts; $rounds rounds in them) until the fault cut off its $PGB_CLIENTS clients"
		what="$label: pgbench ($PGB_CLIENTS clients) committed $pgb_tx transactions before the fault, all its clients lost their connection at it, none failed or stopped on an SQL error"
	else
		rel_figure "$label: pgbench ran $pgb_tx transactions ($parts; $rounds rounds in them) in $AFTER s after the restart"
		what="$label: after the restart pgbench ($PGB_CLIENTS clients) committed $pgb_tx transactions in $AFTER s, none failed, no client aborted"
	fi
	rel_empty "$what" "$problems"
}

# until the log since OFFSET says the server accepts connections again (after
# a backend's crash the postmaster first stops every other backend: a server
# that answers before that is not back yet)
wait_recovered() {	# wait_recovered OFFSET
	local i
	for ((i = 0; i < 600; i++)); do
		rel_log_since "$1" | grep -q 'database system is ready to accept connections' && break
		sleep 0.2
	done
	rel_wait_ready 120
}

# after a restart: the log shows a crash recovery, the load committed rounds
# before and after it, and the data is whole
check_phase() {	# check_phase PHASE LABEL LOG_OFFSET [KILLED_PID]
	local phase=$1 label=$2 off=$3 stats missing
	if rel_log_since "$off" | grep -qE 'database system was (interrupted|not properly shut down)|automatic recovery in progress|all server processes terminated; reinitializing'; then
		rel_ok "$label: the server went through crash recovery"
	else
		rel_not_ok "$label: the server went through crash recovery" "$(rel_log_since "$off" | tail -n 20)"
	fi
	rel_check_log_clean "$off" "$label" "${4:-}"
	stats=$(cat "$REL_WORK/stats-$phase.json" 2>/dev/null || echo '{}')
	read -r tx rounds doubt reconn errs <<<"$(/usr/bin/python3 -c '
import json, sys
s = json.loads(sys.argv[1] or "{}")
print(s.get("transactions", 0), s.get("rounds", 0), s.get("in_doubt", 0), s.get("reconnects", 0),
      ",".join("%s:%d" % kv for kv in sorted(s.get("errors", {}).items())) or "none")' "$stats")"
	rel_figure "$label: logger.py committed $tx transactions ($rounds rounds), $doubt in doubt at the fault, $reconn reconnections, other errors: $errs"
	if [ "$tx" -gt 0 ] && [ "$reconn" -gt 0 ]; then
		rel_ok "$label: logger.py committed $tx transactions and reconnected $reconn times"
	else
		rel_not_ok "$label: logger.py committed transactions and went through the fault" "$stats" \
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
		rel_ok "$label: all $n_keys rounds whose COMMIT logger.py saw return are stored"
	else
		rel_not_ok "$label: all $n_keys rounds whose COMMIT logger.py saw return are stored" "missing: $missing"
	fi
	rel_is "$label: every stored round (pgbench's and logger.py's) has the content its key says was sent" \
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

# the load of a phase: logger.py and pgbench, which runs until the fault
# (its duration is longer than the wait for the fault)
start_phase() {	# start_phase PHASE
	start_load "$1"
	pgb_start "$1" fault "$((BEFORE + 60))"
	sleep "$BEFORE"
}

# after the fault: pgbench's cut-off runs have exited; once the server is
# back, a new pgbench run beside the logger for AFTER seconds, then the checks
end_phase() {	# end_phase PHASE LABEL LOG_OFFSET [KILLED_PID]
	pgb_wait
	pgb_check "$1" fault "$2"
	pgb_fault_tx=$((pgb_fault_tx + pgb_tx))
	wait_recovered "$3" || rel_not_ok "$2: the server accepts connections again"
	wait_for_load "$1"
	pgb_start "$1" after "$AFTER"
	pgb_wait
	stop_load
	pgb_check "$1" after "$2"
	pgb_after_tx=$((pgb_after_tx + pgb_tx))
	check_phase "$1" "$2" "$3" "${4:-}"
}
pgb_fault_tx=0
pgb_after_tx=0

# ---------------------------------------------------------------- (a)
ca_say "crash (a): kill -9 of an ingesting backend"
off=$(rel_log_offset)
start_phase 1
victim=""
for ((i = 0; i < 50; i++)); do
	victim=$(rel_psql $DB -F ' ' -c "SELECT pid, application_name FROM pg_stat_activity
		WHERE datname = '$DB' AND application_name IN ('rel_logger', 'pgbench') AND state = 'active'
		  AND (query LIKE '%log_crash_round%' OR query LIKE '%INSERT INTO crash_analytics%')
		ORDER BY random() LIMIT 1")
	[ -n "$victim" ] && break
	sleep 0.1
done
if [ -n "$victim" ] && kill -9 "${victim%% *}"; then
	faults=$((faults + 1))
	rel_ok "(a) killed backend ${victim%% *} (${victim#* }'s) with SIGKILL while it was logging"
else
	rel_not_ok "(a) found an ingesting backend to kill"
fi
end_phase 1 "(a) kill -9 backend" "$off" "${victim%% *}"

# ---------------------------------------------------------------- (b)
ca_say "crash (b): pg_ctl stop -m immediate"
off=$(rel_log_offset)
start_phase 2
if ca_pg "$CA_PGBIN/pg_ctl" -D "$CA_DATA" -m immediate -w stop >/dev/null; then
	faults=$((faults + 1))
	rel_ok "(b) immediate shutdown during the load"
else
	rel_not_ok "(b) immediate shutdown during the load"
fi
sleep 1
rel_start_server
end_phase 2 "(b) immediate shutdown" "$off"

# ---------------------------------------------------------------- (c)
ca_say "crash (c): SIGKILL of the postmaster and all its children"
off=$(rel_log_offset)
start_phase 3
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
end_phase 3 "(c) SIGKILL postmaster" "$off"

rel_figure "faults injected: $faults; pgbench transactions during the faults (committed before each fault cut its clients off): $pgb_fault_tx; after the restarts: $pgb_after_tx; rounds stored in the end: $(rel_psql $DB -c "SELECT count(*) FROM crash_analytics.crash_game_rounds")"
rel_finish
