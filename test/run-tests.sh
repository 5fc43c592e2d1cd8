#!/usr/bin/env bash
# test/run-tests.sh: the test command.  Installs what is missing, builds and
# installs the extension, starts a private cluster, runs every suite
# (pg_regress, isolation, pgTAP, the reliability suites in test/reliability,
# pg_regress under Valgrind) and ends with one summary line.
#
#   sudo bash test/run-tests.sh          # everything
#   CA_KEEP_SERVER=1 bash test/run-tests.sh   # and leave the server up
. "$(dirname "$0")/lib.sh"

ca_require_root
ca_install_packages
ca_build_install
ca_start_cluster
trap ca_finish EXIT

passed=0
failed=0
cd "$CA_ROOT"

# make installcheck and pg_prove are bounded like the reliability suites
# below: a hung test (a lock wait, a backend stuck in a loop) stops at
# CA_REGRESS_TIMEOUT / CA_PGTAP_TIMEOUT seconds (a normal run takes about a
# minute each) and counts as one failure, with a line that says so
timed_out() {	# timed_out RC WHAT SECONDS: say so when RC is timeout's
	case $1 in
	124) echo "FAILED [$2]: timed out after $3 s (stopped by timeout)" ;;
	137) echo "FAILED [$2]: killed: timed out after $3 s and still running 30 s later (or another SIGKILL)" ;;
	*) return 1 ;;
	esac
}

# 1. pg_regress suites (exact outputs) and isolation specs, via PGXS
ca_say "pg_regress and isolation: make installcheck"
regress_timeout=${CA_REGRESS_TIMEOUT:-600}
set +e
timeout --kill-after=30 "$regress_timeout" make -s installcheck >"$CA_BASE/installcheck.out" 2>&1
rc=$?
set -e
cat "$CA_BASE/installcheck.out"
n_ok=$(grep -cE '^(test |     )?[a-z_0-9]+ +\.\.\. ok' "$CA_BASE/installcheck.out" || true)
n_bad=$(grep -cE '\.\.\. FAILED' "$CA_BASE/installcheck.out" || true)
if timed_out "$rc" "make installcheck" "$regress_timeout"; then
	n_bad=$((n_bad + 1))
elif [ "$rc" -ne 0 ] && [ "$n_bad" -eq 0 ]; then n_bad=1; fi
for f in regression.diffs output_iso/regression.diffs; do
	[ -s "$f" ] && { echo "---- $f"; cat "$f"; }
done
passed=$((passed + n_ok))
failed=$((failed + n_bad))

# 2. pgTAP suites (properties and schema), one database each run
ca_say "pgTAP: pg_prove test/pgtap/*.sql"
ca_pg "$CA_PGBIN/createdb" -h "$CA_SOCKET" -p "$CA_PGPORT" ca_tap
psql -X -q -d ca_tap -c "CREATE EXTENSION pgtap" >/dev/null
pgtap_timeout=${CA_PGTAP_TIMEOUT:-600}
set +e
timeout --kill-after=30 "$pgtap_timeout" pg_prove -v -d ca_tap --ext .sql test/pgtap/ >"$CA_BASE/pgtap.out" 2>&1
rc=$?
set -e
grep -vE '^(ok|not ok) [0-9]+' "$CA_BASE/pgtap.out" || true
grep -E '^not ok [0-9]+' "$CA_BASE/pgtap.out" || true
ok=$(grep -cE '^ok [0-9]+' "$CA_BASE/pgtap.out" || true)
bad=$(grep -cE '^not ok [0-9]+' "$CA_BASE/pgtap.out" || true)
if timed_out "$rc" "pg_prove" "$pgtap_timeout"; then
	bad=$((bad + 1))
elif [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
passed=$((passed + ok))
failed=$((failed + bad))

# 3. reliability suites (test/reliability/*.sh): load and exactly-once,
# crash recovery, backups, upgrades (with pg_upgrade), bad input at volume
# (with sqlsmith), a squatted schema, index maintenance while bots log,
# the extension's upkeep (purge, refresh, rebuild, verify) while bots log.  Each ends with "reliability <suite>:
# N passed, M failed" and is bounded: most take about a minute (upgrade two,
# bad input up to five), and a timeout stops a hung one.  CA_REL_SUITES
# picks some of them ("" for none).
declare -A rel_timeout=([load]=240 [crash]=300 [backup]=240 [upgrade]=480 [bad_input_volume]=900 [schema_squat]=240 [online_ddl]=240 [maintenance]=300)
for s in ${CA_REL_SUITES-load crash backup upgrade bad_input_volume schema_squat online_ddl maintenance}; do
	ca_say "reliability: test/reliability/$s.sh"
	set +e
	CA_REL_IN_SUITE=1 timeout --kill-after=30 "${rel_timeout[$s]:-300}" \
		bash "$CA_ROOT/test/reliability/$s.sh" 2>&1 | tee "$CA_BASE/reliability-$s.out"
	rc=${PIPESTATUS[0]}
	set -e
	line=$(grep -E "^reliability $s: [0-9]+ passed, [0-9]+ failed" "$CA_BASE/reliability-$s.out" | tail -n 1 || true)
	if [ -z "$line" ]; then
		echo "FAILED [reliability $s]: the suite did not finish (exit $rc$([ $rc -eq 124 ] && echo ', timed out'))"
		failed=$((failed + 1))
	else
		ok=$(sed -E 's/^reliability [a-z_]+: ([0-9]+) passed.*/\1/' <<<"$line")
		bad=$(sed -E 's/^.* ([0-9]+) failed.*/\1/' <<<"$line")
		if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
		passed=$((passed + ok))
		failed=$((failed + bad))
	fi
	# the crash suite restarts the server; a suite that died may have left it down
	if ! ca_pg "$CA_PGBIN/pg_ctl" -D "$CA_DATA" status >/dev/null 2>&1; then
		ca_pg "$CA_PGBIN/pg_ctl" -D "$CA_DATA" -l "$CA_LOG" -w start >/dev/null
	fi
done

# 4. the pg_regress suite under Valgrind (test/valgrind.sh, on a second
#    cluster, port CA_PGPORT + 31; CA_SKIP_VALGRIND=1 leaves it out), bounded
#    like the reliability suites: a timeout stops a hung run
if [ "${CA_SKIP_VALGRIND:-0}" != 1 ]; then
	ca_say "valgrind: test/valgrind.sh"
	set +e
	CA_SKIP_BUILD=1 timeout --kill-after=30 "${CA_VALGRIND_TIMEOUT:-1200}" \
		bash test/valgrind.sh >"$CA_BASE/valgrind.out" 2>&1
	rc=$?
	set -e
	[ "$rc" -ne 124 ] || echo "FAILED [valgrind]: test/valgrind.sh timed out after ${CA_VALGRIND_TIMEOUT:-1200} s"
	[ "$rc" -ne 124 ] || tail -n 20 "$CA_BASE/valgrind.out"
	grep -vE '^(ok - |=+[0-9]+=+ )' "$CA_BASE/valgrind.out" | grep -vE '^(test |     )?[a-z_0-9]+ +\.\.\. ok' || true
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$CA_BASE/valgrind.out" | tail -n 1 || true)
	ok=$(printf '%s' "$line" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1/p')
	bad=$(printf '%s' "$line" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\2/p')
	ok=${ok:-0}
	bad=${bad:-0}
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
	passed=$((passed + ok))
	failed=$((failed + bad))
fi

echo "crash_analytics test suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
