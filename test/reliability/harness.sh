# test/reliability/harness.sh: what the reliability suites of this tree share.
#
# Sourced, not run.  Sources test/lib.sh (ports, sockets, binaries), then:
#   - run by test/run-tests.sh (CA_REL_IN_SUITE=1): uses the cluster that is
#     already running;
#   - run alone (`bash test/reliability/bad_input_volume.sh`): installs,
#     builds, starts a private cluster and stops it at the end, as
#     run-tests.sh does.
# Every check prints "ok N - what" or "not ok N - what" followed by a
# "FAILED [suite]: ..." line and the evidence; a suite ends with
#   reliability <suite>: N passed, M failed (S s)
# which run-tests.sh adds to its summary.  The exit status is 0 only when
# nothing failed.

REL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$REL_DIR/../lib.sh"

REL_SUITE=${REL_SUITE:-$(basename "$0" .sh)}
REL_WORK=""
REL_PY=/usr/bin/python3		# Debian's python, which has python3-psycopg2
rel_passed=0
rel_failed=0
rel_t0=$(date +%s)
REL_FIGURES=()

rel_psql() {	# rel_psql DB [psql args...]: quiet, unaligned, stop on error
	local db=$1
	shift
	"$CA_PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"
}

rel_ok() {
	rel_passed=$((rel_passed + 1))
	echo "ok $((rel_passed + rel_failed)) - $1"
}

rel_not_ok() {	# rel_not_ok WHAT [EVIDENCE...]
	local what=$1 e
	shift
	rel_failed=$((rel_failed + 1))
	echo "not ok $((rel_passed + rel_failed)) - $what"
	echo "FAILED [$REL_SUITE]: $what"
	for e in "$@"; do
		{ printf '%s\n' "$e" | sed 's/^/    | /' | head -n 80; } || true
	done
}

rel_is() {	# rel_is WHAT GOT EXPECTED
	if [ "$2" = "$3" ]; then
		rel_ok "$1"
	else
		rel_not_ok "$1" "got:      $2" "expected: $3"
	fi
}

rel_empty() {	# rel_empty WHAT TEXT: ok when TEXT is empty; TEXT is the evidence
	if [ -z "$2" ]; then
		rel_ok "$1"
	else
		rel_not_ok "$1" "$2"
	fi
}

# Checks written by a helper program, one per line:
#   ok<TAB>what            or
#   not ok<TAB>what<TAB>evidence (\n for new lines)
rel_checks_from() {	# rel_checks_from FILE
	local status what evidence
	while IFS=$'\t' read -r status what evidence; do
		case "$status" in
		ok) rel_ok "$what" ;;
		"not ok") rel_not_ok "$what" "$(printf '%b' "${evidence:-}")" ;;
		figure) rel_figure "$what" ;;
		esac
	done <"$1"
}

rel_figure() {
	REL_FIGURES+=("$*")
}

# the server log from an offset (bytes)
rel_log_offset() { stat -c %s "$CA_LOG" 2>/dev/null || echo 0; }
rel_log_since() { tail -c +$(($1 + 1)) "$CA_LOG" 2>/dev/null || true; }

# no backend died: nothing in the log since OFFSET says a process crashed
rel_check_no_crash() {	# rel_check_no_crash OFFSET LABEL
	local bad
	bad=$(rel_log_since "$1" | grep -aE 'terminated by signal|was terminated by exception|PANIC|TRAP:|all server processes terminated|server process .* exited with exit code [^01]|stack smashing|double free|corrupted' || true)
	rel_empty "$2: no backend crash in the server log" "$bad"
	# after a crash the postmaster restarts everything: give it the time
	[ -z "$bad" ] || sleep 3
	if rel_wait_ready 120; then
		rel_ok "$2: the server accepts connections afterwards"
	else
		rel_not_ok "$2: the server accepts connections afterwards" "$(tail -n 30 "$CA_LOG")"
	fi
}

rel_wait_ready() {	# rel_wait_ready [SECONDS]: until the server accepts connections (after a crash)
	local i
	for ((i = 0; i < ${1:-60} * 5; i++)); do
		if "$CA_PGBIN/pg_isready" -q -h "$CA_SOCKET" -p "$CA_PGPORT" &&
			"$CA_PGBIN/psql" -X -q -At -d postgres -c 'SELECT 1' >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.2
	done
	return 1
}

rel_server_running() {
	ca_pg "$CA_PGBIN/pg_ctl" -D "$CA_DATA" status >/dev/null 2>&1
}

rel_start_server() {
	ca_pg "$CA_PGBIN/pg_ctl" -D "$CA_DATA" -l "$CA_LOG" -w -t 120 start >/dev/null
}

rel_createdb() {	# rel_createdb NAME: a new, empty database (dropped first)
	"$CA_PGBIN/dropdb" --if-exists "$1" >/dev/null 2>&1 || true
	ca_pg "$CA_PGBIN/createdb" -h "$CA_SOCKET" -p "$CA_PGPORT" "$1"
}

rel_setup() {	# rel_setup [extra Debian packages...]
	REL_WORK="$CA_BASE/reliability/$REL_SUITE"
	if [ "${CA_REL_IN_SUITE:-0}" != 1 ]; then
		ca_require_root
		ca_install_packages "$@"
		ca_build_install
		ca_start_cluster
		trap 'rel_cleanup; ca_finish' EXIT
	else
		ca_install_packages "$@"
		trap rel_cleanup EXIT
		if ! rel_server_running; then
			ca_say "the private cluster is not running: starting it"
			rel_start_server
		fi
		# an earlier suite may have left it restarting after a crash
		rel_wait_ready 120 || true
	fi
	rm -rf "$REL_WORK"
	mkdir -p "$REL_WORK"
	chown postgres:postgres "$CA_BASE/reliability" "$REL_WORK"
	ca_say "reliability suite $REL_SUITE (work files in $REL_WORK)"
}

# background processes a suite started, stopped at exit by their ids
REL_PIDS=()
rel_cleanup() {
	local p
	for p in "${REL_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${REL_PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	REL_PIDS=()
}

rel_finish() {
	local f
	set +e
	rel_cleanup
	for f in "${REL_FIGURES[@]}"; do
		echo "figure [$REL_SUITE]: $f"
	done
	echo "reliability $REL_SUITE: $rel_passed passed, $rel_failed failed ($(($(date +%s) - rel_t0)) s)"
	[ "$rel_failed" -eq 0 ]
}
