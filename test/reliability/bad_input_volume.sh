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
# 2. sqlsmith (Debian package), fixed seeds, as two unprivileged roles: one
#    with the reader profile (CA_SMITH_QUERIES queries, default 3000, on the
#    extension's tables and views) and one with the writer profile (as many,
#    on everything it can see), against a database with the extension and
#    data; the server log must show no backend killed by a signal.
#
# Settings: CA_BAD_CALLS, CA_BAD_SEED (5), CA_SMITH_QUERIES, CA_SMITH_SEED (42).
REL_SUITE=bad_input_volume
. "$(dirname "$0")/common.sh"

CA_BAD_CALLS=${CA_BAD_CALLS:-110000}
CA_BAD_SEED=${CA_BAD_SEED:-5}
CA_SMITH_QUERIES=${CA_SMITH_QUERIES:-3000}
CA_SMITH_SEED=${CA_SMITH_SEED:-42}
GEN="$REL_DIR/bad_input_gen.py"

rel_setup sqlsmith

gen() { "$REL_PY" "$GEN" --host "$CA_SOCKET" --port "$CA_PGPORT" "$@"; }

# roles are cluster-wide: created once, profiles granted per database
for role in ca_bad_writer ca_smith_reader ca_smith_writer; do
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
rel_is "rows of a refused batch, then verify_consistency(): all checks ok, no crash" "$(printf '%s\n' "$out" | tail -n 1)" "12/12"
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
	-c "SELECT crash_analytics.grant_writer('ca_smith_writer')" >/dev/null
rel_is "sqlsmith roles are unprivileged (no superuser, createrole, createdb, replication, bypassrls, membership)" \
	"$(rel_psql postgres -c "SELECT count(*) FILTER (WHERE NOT (rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls)
	                                         AND NOT EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.member = r.oid)) || '/' || count(*)
	                           FROM pg_roles r WHERE rolname IN ('ca_smith_reader', 'ca_smith_writer')")" \
	"2/2"

smith() {	# smith ROLE SEED [sqlsmith options...]
	local role=$1 seed=$2 out="$REL_WORK/sqlsmith_$1.out" off rc=0 n
	shift 2
	off=$(rel_log_offset)
	timeout 240 sqlsmith --target="host=$CA_SOCKET port=$CA_PGPORT dbname=ca_smith user=$role" \
		--seed="$seed" --max-queries="$CA_SMITH_QUERIES" --verbose "$@" >"$out" 2>&1 || rc=$?
	n=$(grep -aoE '^queries: [0-9]+' "$out" | tail -n 1 | grep -oE '[0-9]+' || echo 0)
	rel_figure "sqlsmith as $role (seed $seed${1:+, $*}): $n queries, error rate $(grep -aoE "error rate: [0-9.]+" "$out" | tail -n 1 | cut -d" " -f3)"
	if [ "$rc" -eq 0 ] && [ "$n" -ge "$CA_SMITH_QUERIES" ]; then
		rel_ok "sqlsmith as $role: $n queries (seed $seed)"
	else
		rel_not_ok "sqlsmith as $role: $CA_SMITH_QUERIES queries (seed $seed)" "exit status $rc, $n queries" "$(tail -n 20 "$out")"
	fi
	rel_check_no_crash "$off" "sqlsmith as $role"
}
ca_say "sqlsmith: $CA_SMITH_QUERIES queries as a reader, $CA_SMITH_QUERIES as a writer"
# the reader sees the extension's tables: keep to them; the writer sees no
# table of ours (information_schema shows none), so it runs on the catalog,
# and reaches our functions through expressions
smith ca_smith_reader "$CA_SMITH_SEED" --exclude-catalog
smith ca_smith_writer "$((CA_SMITH_SEED + 1))"

rel_finish
