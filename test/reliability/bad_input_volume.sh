#!/usr/bin/env bash
# test/reliability/bad_input_volume.sh: bad input at volume (issue 5, suite 3).
#
#   sudo bash test/reliability/bad_input_volume.sh     # alone: own cluster
#   (run by test/run-tests.sh with CA_REL_IN_SUITE=1 on the suite's cluster)
#
# 1. Generated bad input (test/reliability/bad_input_gen.py, seeded): a stream
#    of CA_BAD_CALLS (default 110,000) calls to log_crash_round (most of them),
#    log_crash_rounds, INSERT and COPY into crash_game_rounds, log_error,
#    log_ocr_validation, log_round_signal, log_round_outcome,
#    log_round_multiplier_analytics, register_bot, start_session, end_session
#    and register_game_platform, about half of them invalid: at every argument
#    0, -1, int64 limits, NaN, +/-Infinity, 1e300, 1e-300, empty and 100k
#    character strings, invalid UTF-8 (escape strings and convert_from, so the
#    server rejects it), control characters, malformed or oversized JSON,
#    wrong words, wrong types in batch elements; and broken rules: money that
#    does not add up, a wrong outcome, a cash-out above the crash, a retry with
#    other content, an ended session, an unknown or inactive game.  The bots
#    log through a role with the writer profile; INSERT, COPY and
#    register_game_platform run as the owner.
#    The stream goes into database ca_bad_all; the same stream without its
#    invalid calls into ca_bad_valid, at the same time.  Checks: every valid
#    call succeeds and every invalid one fails, with an SQLSTATE from the
#    documented list (DOCUMENTED in bad_input_gen.py); no backend crashes; and
#    every table of the two databases is identical (every table of schema
#    crash_analytics, read from the catalog: one that was not compared fails;
#    ids compared by natural keys, logging timestamps left out);
#    verify_consistency() is clean in both.
# 2. sqlsmith (Debian package), fixed seeds, as three unprivileged roles:
#    one with the reader profile and one with both profiles (CA_SMITH_QUERIES
#    queries each, default 3000, on the extension's tables and views), and
#    one with the writer profile (as many, on the catalog's tables, the only
#    ones it can see), against a database with the extension and data.
#    sqlsmith is focused on the extension: the functions it knows are the
#    extension's that the role may execute (and aggregates), see "Focus"
#    below.  The server log must show no backend killed by a signal, and the
#    reader's and the two-profile role's runs must each make at least
#    CA_SMITH_MIN_CALLS (100) calls of at least CA_SMITH_MIN_FUNCTIONS (5) of
#    the extension's functions that return (pg_stat_user_functions); the
#    figures also count the calls the extension's own checks refused.
#
# Settings: CA_BAD_CALLS, CA_BAD_SEED (5), CA_SMITH_QUERIES, CA_SMITH_SEED (42),
# CA_SMITH_MIN_CALLS, CA_SMITH_MIN_FUNCTIONS.
REL_SUITE=bad_input_volume
. "$(dirname "$0")/common.sh"

CA_BAD_CALLS=${CA_BAD_CALLS:-110000}
CA_BAD_SEED=${CA_BAD_SEED:-5}
CA_SMITH_QUERIES=${CA_SMITH_QUERIES:-3000}
CA_SMITH_SEED=${CA_SMITH_SEED:-42}
CA_SMITH_MIN_CALLS=${CA_SMITH_MIN_CALLS:-100}
CA_SMITH_MIN_FUNCTIONS=${CA_SMITH_MIN_FUNCTIONS:-5}
GEN="$REL_DIR/bad_input_gen.py"

rel_setup sqlsmith

gen() { "$REL_PY" "$GEN" --host "$CA_SOCKET" --port "$CA_PGPORT" "$@"; }

# roles are cluster-wide: created once, profiles granted per database
for role in ca_bad_writer ca_smith_reader ca_smith_writer ca_smith_both; do
	rel_psql postgres -c "DO \$\$BEGIN CREATE ROLE $role LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END\$\$"
done
for db in ca_bad_all ca_bad_valid; do
	rel_createdb "$db"
	rel_psql "$db" -c "CREATE EXTENSION crash_analytics" -c "SELECT crash_analytics.grant_writer('ca_bad_writer')" >/dev/null
done

# ----------------------------------------------------------------------
# 1. the generated stream, twice
# ----------------------------------------------------------------------
off=$(rel_log_offset)
ca_say "bad input: $CA_BAD_CALLS calls (seed $CA_BAD_SEED) into ca_bad_all, their valid ones into ca_bad_valid"
t0=$(date +%s)
gen run --db ca_bad_all --mode all --seed "$CA_BAD_SEED" --calls "$CA_BAD_CALLS" \
	--out "$REL_WORK/all.json" >"$REL_WORK/all.log" 2>&1 &
pid_all=$!
REL_PIDS+=("$pid_all")
gen run --db ca_bad_valid --mode valid --seed "$CA_BAD_SEED" --calls "$CA_BAD_CALLS" \
	--out "$REL_WORK/valid.json" >"$REL_WORK/valid.log" 2>&1 &
pid_valid=$!
REL_PIDS+=("$pid_valid")
rc_all=0
rc_valid=0
wait "$pid_all" || rc_all=$?
wait "$pid_valid" || rc_valid=$?
REL_PIDS=()
ca_say "both runs done in $(($(date +%s) - t0)) s"
if [ "$rc_all" -ne 0 ] || [ "$rc_valid" -ne 0 ] || [ ! -s "$REL_WORK/all.json" ] || [ ! -s "$REL_WORK/valid.json" ]; then
	rel_not_ok "the generator ran to the end (both runs)" "$(tail -n 30 "$REL_WORK/all.log" "$REL_WORK/valid.log")"
else
	if gen compare --db-a ca_bad_all --db-b ca_bad_valid --out "$REL_WORK/compare.json" >"$REL_WORK/compare.log" 2>&1 &&
		gen report --all-run "$REL_WORK/all.json" --valid-run "$REL_WORK/valid.json" \
			--compare-out "$REL_WORK/compare.json" --min-calls 100000 --out "$REL_WORK/checks.txt" \
			>>"$REL_WORK/compare.log" 2>&1; then
		rel_checks_from "$REL_WORK/checks.txt"
	else
		rel_not_ok "the comparison of the two databases ran" "$(tail -n 30 "$REL_WORK/compare.log")"
	fi
fi
for db in ca_bad_all ca_bad_valid; do
	bad=$(rel_psql "$db" -F ' | ' -c "SELECT check_name, differences, detail FROM crash_analytics.verify_consistency() WHERE NOT ok" 2>&1 || true)
	rel_empty "$db: verify_consistency() finds no difference" "$bad"
	# after a crash the postmaster needs a moment to notice and restart
	[ -z "$bad" ] || { sleep 3; rel_wait_ready 120 || true; }
done
rel_check_no_crash "$off" "bad input"

# The smallest input found that made verify_consistency() crash the server
# (a defect this suite found, now fixed: case 9 of sql/bug_regressions.sql;
# the README's Reliability section lists what this suite found): a batch
# refused after its first element's row was written, then a round with a
# 30 kB metadata object.
off=$(rel_log_offset)
rel_createdb ca_bad_replay
out=$(rel_psql ca_bad_replay 2>&1 <<'SQL' || true
CREATE EXTENSION crash_analytics;
DO $$BEGIN
	PERFORM crash_analytics.log_crash_rounds('[
	  {"bot_id": "b1", "session_id": "s1", "game_name": "aviator", "platform_code": "dafabet", "round_number": 1,
	   "crash_multiplier": 1.50, "round_started_at": "2026-03-01 00:00:00+00"},
	  {"bot_id": "b1", "session_id": "s1", "game_name": "aviator", "platform_code": "dafabet", "round_number": -1,
	   "crash_multiplier": 2.00}]');
EXCEPTION WHEN numeric_value_out_of_range THEN NULL;
END$$;
SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 1, crash_multiplier => 1.04,
                                       round_started_at => '2026-03-01 00:00:00+00') IS NOT NULL;
SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 2, crash_multiplier => 2.48,
                                       round_started_at => '2026-03-01 00:00:10+00',
                                       metadata => (SELECT jsonb_object_agg('k' || i, 'vvvvvvvv')
                                                      FROM generate_series(0, 1500) i)) IS NOT NULL;
SELECT count(*) FILTER (WHERE ok) || '/' || count(*) FROM crash_analytics.verify_consistency();
SQL
)
[ "$(printf '%s\n' "$out" | tail -n 1)" = "12/12" ] || { sleep 3; rel_wait_ready 120 || true; }
rel_is "rows of a refused batch, then verify_consistency(): all checks ok, no crash" "$(printf '%s\n' "$out" | tail -n 1)" "13/13"
rel_check_no_crash "$off" "verify_consistency() after a refused batch"

# The smallest input found that made verify_consistency() report differences
# in a database where no call failed (and rebuild_rollups() merge hours): a
# strategy name of 128 three-byte characters, which the generator also sends.
rel_createdb ca_bad_keys
out=$(rel_psql ca_bad_keys 2>&1 <<'SQL' || true
CREATE EXTENSION crash_analytics;
SELECT count(crash_analytics.log_crash_round('b2', 's1', 'aviator', 'dafabet', n, 1.00, 2.00, 1.50,
		 strategy_name => repeat('策', 128),
		 round_started_at => timestamptz '2026-03-01 00:00:00+00' + n * interval '1 hour'))
  FROM generate_series(1, 3) n;
SELECT coalesce(string_agg(check_name || ': ' || differences, ', '), 'none') FROM crash_analytics.verify_consistency() WHERE NOT ok;
SQL
)
rel_is "a 128-character multi-byte strategy name in three hours: verify_consistency() finds no difference" \
	"$(printf '%s\n' "$out" | tail -n 1)" "none"

# ----------------------------------------------------------------------
# 2. sqlsmith as unprivileged roles
# ----------------------------------------------------------------------
rel_createdb ca_smith
rel_psql ca_smith -c "CREATE EXTENSION crash_analytics" -c "SELECT crash_analytics.grant_writer('ca_bad_writer')" >/dev/null
# some data: the valid calls of a short stream, then the dashboards
gen run --db ca_smith --mode valid --seed 11 --calls 4000 --out "$REL_WORK/smith_fill.json" >/dev/null 2>&1 || true
rel_psql ca_smith -c "SELECT crash_analytics.refresh_analytics()" \
	-c "SELECT crash_analytics.grant_reader('ca_smith_reader')" \
	-c "SELECT crash_analytics.grant_writer('ca_smith_writer')" \
	-c "SELECT crash_analytics.grant_reader('ca_smith_both')" \
	-c "SELECT crash_analytics.grant_writer('ca_smith_both')" >/dev/null
rel_is "sqlsmith roles are unprivileged (no superuser, createrole, createdb, replication, bypassrls, membership)" \
	"$(rel_psql postgres -c "SELECT count(*) FILTER (WHERE NOT (rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls)
	                                         AND NOT EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.member = r.oid)) || '/' || count(*)
	                           FROM pg_roles r WHERE rolname IN ('ca_smith_reader', 'ca_smith_writer', 'ca_smith_both')")" \
	"3/3"

# Focus.  sqlsmith calls the routines that its query "... FROM pg_proc"
# returns, and it does not qualify that name: it knows every function of
# pg_catalog (about 3,000) and the extension's few dozen among them, so
# barely 1 call in 50 was ours, and most of those were refused (42501) or
# got NULL arguments.  Its connection puts the schema smith_focus first in
# its search_path (pg_catalog explicitly after it), where the view pg_proc
# shows it only the extension's functions that the connecting role may
# execute (a call refused with 42501 runs none of our code) and the
# aggregates and window functions of non-polymorphic types (so that it still
# builds aggregate and window queries): every function call it writes calls
# one of ours.  The
# view has only the columns sqlsmith reads, none of type text, so that it
# does not feed text arguments when sqlsmith uses it as a table.
rel_psql ca_smith >/dev/null <<'SQL'
ALTER DATABASE ca_smith SET track_functions = 'all';
ALTER DATABASE ca_smith SET log_error_verbosity = 'verbose';
CREATE SCHEMA smith_focus;
CREATE VIEW smith_focus.pg_proc AS
SELECT p.oid, p.pronamespace, p.proname, p.prorettype, p.proretset, p.prokind, p.proargtypes
  FROM pg_catalog.pg_proc p
 WHERE (p.pronamespace = 'crash_analytics'::regnamespace AND pg_catalog.has_function_privilege(p.oid, 'EXECUTE'))
	OR (p.prokind IN ('a', 'w')
		AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type y
						 WHERE y.typtype = 'p' AND (y.oid = p.prorettype OR y.oid = ANY (p.proargtypes))));
GRANT USAGE ON SCHEMA smith_focus TO ca_smith_reader, ca_smith_writer, ca_smith_both;
GRANT SELECT ON smith_focus.pg_proc TO ca_smith_reader, ca_smith_writer, ca_smith_both;
SQL

# The measure: calls of the extension's functions that returned (not those
# refused or that raised an error), counted by the server itself
# (pg_stat_user_functions with track_functions = 'all', set for the
# database above; the counters are reset before each run and read when the
# run's backend has gone, which is when it reports them; a call counts once
# per row it is evaluated for).  A run with fewer than MIN_CALLS, or fewer
# than MIN_FUNCTIONS distinct functions among them, fails: sqlsmith would
# then be fuzzing PostgreSQL, not us.  Before this focus the reader's run
# (seed 42) made 2 such calls; with it, the runs of the reader and of the
# two-profile role made 302 to 1,952 calls of 9 to 14 functions (seeds 42 to
# 47, while this was written).  Beside it, the calls our own checks
# refused: the ERRORs whose LOCATION (log_error_verbosity = verbose, set
# above) is one of the extension's C files.
ours_refused() {	# ours_refused LOG_OFFSET: that count in the server log since the offset
	rel_log_since "$1" | awk -v files="$(cd "$CA_ROOT/src" && echo *.c)" '
		BEGIN { n = split(files, f, " "); for (i = 1; i <= n; i++) ours[f[i]] = 1 }
		match($0, /\[[0-9]+\] [0-9A-Z]+ [A-Z]+: /) {
			split(substr($0, RSTART, RLENGTH), a, " ")
			lvl = a[3]; sub(/:$/, "", lvl)
			if (lvl ~ /^(DEBUG[1-5]?|INFO|NOTICE|WARNING|ERROR|LOG|FATAL|PANIC)$/) level[a[1]] = lvl
			else if (lvl == "LOCATION" && level[a[1]] == "ERROR" && match($0, /, [A-Za-z_0-9]+\.c:[0-9]+$/)) {
				file = substr($0, RSTART + 2, RLENGTH - 2); sub(/:[0-9]+$/, "", file)
				if (file in ours) c++
			}
		}
		END { print c + 0 }'
}
smith() {	# smith ROLE SEED MIN_CALLS|none MIN_FUNCTIONS [sqlsmith options...]
	local role=$1 seed=$2 min=$3 min_funcs=$4 out="$REL_WORK/sqlsmith_$1.out" off rc=0 n i calls funcs refused
	shift 4
	off=$(rel_log_offset)
	rel_psql ca_smith -c "SELECT pg_stat_reset()" >/dev/null
	timeout 240 sqlsmith --target="host=$CA_SOCKET port=$CA_PGPORT dbname=ca_smith user=$role options='-c search_path=smith_focus,pg_catalog'" \
		--seed="$seed" --max-queries="$CA_SMITH_QUERIES" --verbose "$@" >"$out" 2>&1 || rc=$?
	n=$(grep -aoE '^queries: [0-9]+' "$out" | tail -n 1 | grep -oE '[0-9]+' || echo 0)
	if [ "$rc" -eq 0 ] && [ "$n" -ge "$CA_SMITH_QUERIES" ]; then
		rel_ok "sqlsmith as $role: $n queries (seed $seed)"
	else
		rel_not_ok "sqlsmith as $role: $CA_SMITH_QUERIES queries (seed $seed)" "exit status $rc, $n queries" "$(tail -n 20 "$out")"
	fi
	rel_check_no_crash "$off" "sqlsmith as $role"
	for ((i = 0; i < 100; i++)); do
		[ "$(rel_psql ca_smith -c "SELECT count(*) FROM pg_stat_activity WHERE usename = '$role'")" = 0 ] && break
		sleep 0.1
	done
	read -r calls funcs <<<"$(rel_psql ca_smith -F ' ' -c "SELECT coalesce(sum(calls), 0), count(*) FILTER (WHERE calls > 0)
		FROM pg_stat_user_functions WHERE schemaname = 'crash_analytics'")"
	refused=$(ours_refused "$off")
	rel_figure "sqlsmith as $role (seed $seed${1:+, $*}): $n queries, error rate $(grep -aoE "error rate: [0-9.]+" "$out" | tail -n 1 | cut -d" " -f3); calls of crash_analytics functions that returned: $calls, of $funcs functions ($(rel_psql ca_smith -c "SELECT coalesce(string_agg(funcname || ' ' || calls, ', ' ORDER BY calls DESC, funcname), 'none')
		FROM pg_stat_user_functions WHERE schemaname = 'crash_analytics' AND calls > 0")); calls refused by the extension's own checks: $refused"
	if [ "$min" = none ]; then
		:
	elif [ "$calls" -ge "$min" ] && [ "$funcs" -ge "$min_funcs" ]; then
		rel_ok "sqlsmith as $role: $calls calls of $funcs of the extension's functions returned, at least $min of $min_funcs"
	else
		rel_not_ok "sqlsmith as $role: at least $min calls of at least $min_funcs of the extension's functions returned" \
			"got $calls calls of $funcs functions"
	fi
}
ca_say "sqlsmith: $CA_SMITH_QUERIES queries each as a reader, a writer, and a role with both profiles"
# The reader and the role with both profiles see the extension's tables:
# they keep to them (--exclude-catalog), so that arguments come from real
# rows.  The writer sees no table of ours (information_schema shows none), so
# it runs on the catalog's.  The writer profile executes only the logging
# functions, whose arguments sqlsmith does not get right (a NULL or a column
# of another meaning: 22004, 22023...), and most of its calls sit in queries
# that fail to plan or that evaluate them for no row: in the two runs made
# while this was written (seed 43 on the catalog's tables, and on a table of
# plausible bot inputs with --exclude-catalog) none returned, and 7 and 24
# reached the extension's checks, so its run has no minimum; it is there for
# the crash check and its figures.
smith ca_smith_reader "$CA_SMITH_SEED" "$CA_SMITH_MIN_CALLS" "$CA_SMITH_MIN_FUNCTIONS" --exclude-catalog
smith ca_smith_writer "$((CA_SMITH_SEED + 1))" none 0
smith ca_smith_both "$((CA_SMITH_SEED + 2))" "$CA_SMITH_MIN_CALLS" "$CA_SMITH_MIN_FUNCTIONS" --exclude-catalog

rel_finish
