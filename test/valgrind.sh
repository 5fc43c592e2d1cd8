#!/usr/bin/env bash
# test/valgrind.sh: the pg_regress suite under Valgrind (issue 5, suite 7).
#
#   sudo bash test/valgrind.sh              # every sql/*.sql regression test
#   sudo bash test/valgrind.sh loggers      # only these tests
#
# Step 4 of test/run-tests.sh (under a timeout; CA_SKIP_VALGRIND=1 leaves it
# out), and a command of its own: every backend runs about thirty times
# slower under Valgrind.  It installs Valgrind if missing, builds and
# installs the extension (as run-tests.sh does), starts a second private
# cluster (under $CA_BASE/valgrind, port CA_VG_PORT, default CA_PGPORT + 31,
# so that trees testing with different CA_PGPORT never share a port)
# whose postmaster runs under `valgrind --tool=memcheck --trace-children=yes`
# (every backend is a fork of it, so every backend is checked), runs the
# pg_regress suites against it, stops it, and reads one Valgrind log per
# process.  Any error outside test/valgrind.supp fails the run; so does a
# backend killed by a signal, a regression test whose output differs, or
# fewer complete Valgrind logs (ending with an ERROR SUMMARY) than tests:
# every test runs in a backend of its own, so fewer logs would mean that
# Valgrind did not watch the backends (and a run with no log at all would
# otherwise pass with 0 errors).
# It ends with one line:
#   valgrind: PASS|FAIL - N errors outside test/valgrind.supp in P processes, ...
# and the usual "N passed, N failed" count of those checks.
#
# Settings: CA_VG_PORT, CA_VG_ORIGINS=yes (--track-origins, slower),
# CA_SKIP_BUILD=1 (use the installed extension), and lib.sh's CA_PREFIX,
# CA_BASE, CA_PGPORT.
#
# Limits: Debian's PostgreSQL is not built with USE_VALGRIND, so Valgrind
# does not see palloc/pfree inside memory contexts: memory read after a
# context reset but still inside a block the context kept is not reported.
# What it does see: reads of uninitialised memory that reach a branch or a
# system call, accesses outside malloc'd blocks (including blocks a context
# gave back), and invalid frees.
. "$(dirname "$0")/lib.sh"

ca_require_root
ca_install_packages valgrind
ca_build_install

VG_BASE="$CA_BASE/valgrind"
VG_DATA="$VG_BASE/data"
VG_SOCKET="$VG_BASE/socket"
VG_LOGS="$VG_BASE/logs"
VG_PORT=${CA_VG_PORT:-$((CA_PGPORT + 31))}
VG_SUPP="$CA_ROOT/test/valgrind.supp"
t0=$(date +%s)

vg_stop() {
	if [ -f "$VG_DATA/postmaster.pid" ]; then
		ca_pg "$CA_PGBIN/pg_ctl" -D "$VG_DATA" -m fast -w -t 600 stop >/dev/null 2>&1 ||
			ca_pg "$CA_PGBIN/pg_ctl" -D "$VG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
	fi
}
trap vg_stop EXIT

vg_stop
rm -rf "$VG_BASE"
mkdir -p "$VG_DATA" "$VG_SOCKET" "$VG_LOGS" "$VG_BASE/regress"
chown -R postgres:postgres "$VG_BASE"
chmod 700 "$VG_DATA"
ca_pg "$CA_PGBIN/initdb" -D "$VG_DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
cat >>"$VG_DATA/postgresql.conf" <<CONF
listen_addresses = ''
port = $VG_PORT
unix_socket_directories = '$VG_SOCKET'
timezone = 'UTC'
lc_messages = 'C'
max_connections = 20
shared_buffers = 32MB
fsync = off
autovacuum = off
max_parallel_workers_per_gather = 0
log_min_messages = warning
log_line_prefix = '%m [%p] %e '
CONF

ca_say "starting the postmaster under Valgrind on socket $VG_SOCKET, port $VG_PORT (logs in $VG_LOGS)"
ca_pg valgrind --tool=memcheck --trace-children=yes --leak-check=no --num-callers=30 \
	--track-origins="${CA_VG_ORIGINS:-no}" --read-inline-info=yes --gen-suppressions=all \
	--suppressions="$VG_SUPP" --error-markers=VALGRINDERROR-BEGIN,VALGRINDERROR-END \
	--log-file="$VG_LOGS/%p.log" \
	"$CA_PGBIN/postgres" -D "$VG_DATA" >>"$VG_BASE/server.log" 2>&1 &
vg_pid=$!
for ((i = 0; i < 600; i++)); do
	"$CA_PGBIN/pg_isready" -q -h "$VG_SOCKET" -p "$VG_PORT" && break
	sleep 0.5
done
"$CA_PGBIN/pg_isready" -q -h "$VG_SOCKET" -p "$VG_PORT" || {
	echo "the postmaster did not start under Valgrind" >&2
	tail -n 30 "$VG_BASE/server.log" >&2
	exit 1
}

# the regression tests: those named on the command line, or every sql/*.sql
if [ $# -gt 0 ]; then
	tests=("$@")
else
	mapfile -t tests < <(cd "$CA_ROOT/sql" && ls ./*.sql | sed 's|^\./||; s|\.sql$||' | grep -v '^crash_analytics--' | sort)
fi
pg_regress="$(dirname "$("$CA_PGBIN/pg_config" --pgxs)")/../test/regress/pg_regress"
ca_say "pg_regress under Valgrind: ${tests[*]}"
set +e
"$pg_regress" --inputdir="$CA_ROOT" --outputdir="$VG_BASE/regress" --bindir="$CA_PGBIN" \
	--host="$VG_SOCKET" --port="$VG_PORT" --dbname=contrib_regression "${tests[@]}" \
	>"$VG_BASE/regress.out" 2>&1
regress_rc=$?
set -e
cat "$VG_BASE/regress.out"
[ -s "$VG_BASE/regress/regression.diffs" ] && head -n 100 "$VG_BASE/regress/regression.diffs"
n_tests=${#tests[@]}
n_failed=$(grep -cE '\.\.\. FAILED' "$VG_BASE/regress.out" || true)
if [ "$regress_rc" -ne 0 ] && [ "$n_failed" -eq 0 ]; then n_failed=$n_tests; fi

vg_stop
# the postmaster writes its own Valgrind summary after pg_ctl saw it go
wait "$vg_pid" 2>/dev/null || true
trap - EXIT

# ----------------------------------------------------------------------
# what Valgrind saw
# ----------------------------------------------------------------------
n_procs=$(find "$VG_LOGS" -name '*.log' | wc -l)
n_complete=$({ grep -l 'ERROR SUMMARY:' "$VG_LOGS"/*.log 2>/dev/null || true; } | wc -l)
n_contexts=$(cat "$VG_LOGS"/*.log 2>/dev/null | grep -c 'VALGRINDERROR-BEGIN' || true)
n_errors=$(cat "$VG_LOGS"/*.log 2>/dev/null | sed -nE 's/.*ERROR SUMMARY: ([0-9]+) errors.*/\1/p' |
	awk '{s += $1} END {print s + 0}')
[ "$n_errors" -ge "$n_contexts" ] || n_errors=$n_contexts
n_suppressed=$(cat "$VG_LOGS"/*.log 2>/dev/null | sed -nE 's/.*ERROR SUMMARY: .*\(suppressed: ([0-9]+) from.*/\1/p' |
	awk '{s += $1} END {print s + 0}')
if [ "$n_errors" -gt 0 ]; then
	echo "---- Valgrind errors (first 400 lines; every log is in $VG_LOGS)"
	for f in "$VG_LOGS"/*.log; do
		grep -q VALGRINDERROR-BEGIN "$f" || continue
		echo "== $f"
		sed -n '/VALGRINDERROR-BEGIN/,/VALGRINDERROR-END/p' "$f"
	done | head -n 400
fi
crashes=$(grep -aE 'terminated by signal|was terminated by exception|PANIC|TRAP:' "$VG_BASE/server.log" || true)
[ -z "$crashes" ] || { echo "---- server log"; printf '%s\n' "$crashes"; }

passed=0
failed=0
check() {	# check OK WHAT
	if [ "$1" = 0 ]; then
		passed=$((passed + 1))
		echo "ok - $2"
	else
		failed=$((failed + 1))
		echo "not ok - $2"
	fi
}
check "$([ "$n_errors" -eq 0 ] && echo 0 || echo 1)" "no Valgrind error outside test/valgrind.supp ($n_errors found in $n_contexts contexts; $n_suppressed suppressed) in $n_procs processes"
check "$([ -z "$crashes" ] && echo 0 || echo 1)" "no backend killed by a signal"
check "$([ "$n_complete" -ge "$n_tests" ] && [ "$n_tests" -gt 0 ] && echo 0 || echo 1)" \
	"Valgrind watched the backends: $n_complete complete process logs ($n_procs in all), at least one per test ($n_tests)"
check "$([ "$n_failed" -eq 0 ] && echo 0 || echo 1)" "pg_regress under Valgrind: $((n_tests - n_failed)) of $n_tests tests give their expected output"
secs=$(($(date +%s) - t0))
if [ "$failed" -eq 0 ]; then
	echo "valgrind: PASS - $n_errors errors outside test/valgrind.supp in $n_procs processes ($n_suppressed suppressed), $n_tests regression tests, $secs s"
else
	echo "valgrind: FAIL - $n_errors errors outside test/valgrind.supp in $n_procs processes ($n_suppressed suppressed), $n_failed of $n_tests regression tests failed, $secs s"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
