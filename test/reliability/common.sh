# test/reliability/common.sh: what every reliability suite shares.
# shellcheck shell=bash
#
# Sourced, not run.  Sources test/lib.sh (ports, sockets, binaries), then:
#   - run by test/run-tests.sh (CA_REL_IN_SUITE=1): uses the cluster that is
#     already running;
#   - run alone (`bash test/reliability/load.sh`): installs, builds, starts a
#     private cluster and stops it at the end, as run-tests.sh does.
# Every check prints "ok N - what" or "not ok N - what" followed by a
# "FAILED [suite]: ..." line with the evidence; the suite ends with
#   reliability <suite>: N passed, M failed
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
# figures a suite reports in its last lines (calls, faults, differences)
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
	local what=$1
	shift
	rel_failed=$((rel_failed + 1))
	echo "not ok $((rel_passed + rel_failed)) - $what"
	echo "FAILED [$REL_SUITE]: $what"
	local e
	for e in "$@"; do
		{ printf '%s\n' "$e" | sed 's/^/    | /' | head -n 60; } || true
	done
}

rel_is() {	# rel_is WHAT GOT EXPECTED
	if [ "$2" = "$3" ]; then
		rel_ok "$1"
	else
		rel_not_ok "$1" "got:      $2" "expected: $3"
	fi
}

rel_empty() {	# rel_empty WHAT TEXT: ok when TEXT is empty, TEXT is the evidence
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

rel_vacuum() {	# rel_vacuum DB: VACUUM every table of the extension
	rel_psql "$1" >/dev/null <<'SQL'
SELECT format('VACUUM %s', c.oid::regclass) FROM pg_class c
 WHERE c.relnamespace = 'crash_analytics'::regnamespace AND c.relkind = 'r' \gexec
SQL
}

# verify_consistency() in DB: one ok, or one failure listing every bad check.
# If the call itself fails, that is one failure; then, so that the data is
# still checked, the server is waited for, the extension's tables are
# vacuumed and the check is made again.  (The call once crashed the server
# when it replayed a bot whose index held the entry of a rolled-back row --
# fixed, and kept fixed by case 9 of sql/bug_regressions.sql and load.sh's
# check (4); VACUUM removes such dead entries, so the data could still be
# checked.)
rel_check_consistency() {	# rel_check_consistency DB LABEL
	local out bad off
	off=$(rel_log_offset)
	if ! out=$(rel_psql "$1" -F ' | ' -c "SELECT check_name, ok, differences, coalesce(detail, '') FROM crash_analytics.verify_consistency()" 2>&1); then
		rel_not_ok "$2: verify_consistency() runs" "$out" \
			"$(rel_log_since "$off" | grep -E 'terminated by signal|TRAP|PANIC|corrupted' || true)"
		rel_wait_ready 120 || { rel_not_ok "$2: the server comes back"; return; }
		rel_vacuum "$1"
		if ! out=$(rel_psql "$1" -F ' | ' -c "SELECT check_name, ok, differences, coalesce(detail, '') FROM crash_analytics.verify_consistency()" 2>&1); then
			rel_not_ok "$2 (after VACUUM): verify_consistency() runs" "$out"
			rel_wait_ready 120 || true
			return
		fi
		set -- "$1" "$2 (after VACUUM)"
	fi
	bad=$(printf '%s\n' "$out" | awk -F ' \\| ' '$2 != "t"')
	if [ -n "$bad" ]; then
		rel_not_ok "$2: verify_consistency() all ok ($(printf '%s\n' "$out" | wc -l) checks)" "$bad"
	elif [ "$(printf '%s\n' "$out" | wc -l)" -lt 10 ]; then
		rel_not_ok "$2: verify_consistency() returns its checks" "$out"
	else
		rel_ok "$2: verify_consistency() all ok ($(printf '%s\n' "$out" | wc -l) checks, 0 differences)"
	fi
}

# amcheck's bt_index_check with heapallindexed on every valid B-tree index of
# the extension's tables (the database needs CREATE EXTENSION amcheck)
rel_check_btree_indexes() {	# rel_check_btree_indexes DB
	local out
	if out=$(rel_psql "$1" -c "SELECT c.oid::regclass, public.bt_index_check(c.oid, true)
		  FROM pg_index ix JOIN pg_class c ON c.oid = ix.indexrelid JOIN pg_am a ON a.oid = c.relam
		 WHERE c.relnamespace = 'crash_analytics'::regnamespace AND a.amname = 'btree' AND ix.indisvalid" 2>&1); then
		rel_ok "bt_index_check(heapallindexed) on all $(printf '%s\n' "$out" | grep -c .) B-tree indexes: each holds every row"
	else
		rel_not_ok "bt_index_check(heapallindexed) on every B-tree index: each holds every row" "$out"
	fi
}

# the server log from an offset (bytes), to look at what one phase wrote
rel_log_offset() { stat -c %s "$CA_LOG" 2>/dev/null || echo 0; }
rel_log_since() { tail -c +$(($1 + 1)) "$CA_LOG" 2>/dev/null || true; }

# server-side faults that no phase of a suite may cause.  KILLED_PIDS (the
# crash suite only) names the backends the suite itself killed with SIGKILL:
# the postmaster's "server process (PID n) was terminated by signal 9" for
# those, and only those, is expected; any other process killed by a signal
# is a failure, SIGKILL included.
rel_check_log_clean() {	# rel_check_log_clean OFFSET LABEL [KILLED_PIDS]
	local bad pid
	bad=$(rel_log_since "$1" | grep -E 'PANIC|TRAP:|terminated by signal|was terminated by exception|out of memory|could not (read|write|open) (block|file)|invalid page|corrupt' || true)
	for pid in ${3:-}; do
		bad=$(printf '%s\n' "$bad" | grep -v "process (PID $pid) was terminated by signal 9: Killed" || true)
	done
	rel_empty "$2: server log has no PANIC, backend crash or corruption message${3:+ but the SIGKILL this suite sent to $3}" "$bad"
}

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

# The data of the extension in DB, into DIR: DIR/<relation>.rows (every row of
# every table and materialized view of the schema, as text, sorted), and
# DIR/sequences (last_value and is_called of every sequence).  Two databases
# with the same data give the same files.  PGPORT selects the cluster.
rel_snapshot() {	# rel_snapshot DB DIR
	local db=$1 dir=$2 rel
	rm -rf "$dir"
	mkdir -p "$dir"
	for rel in $(rel_psql "$db" -c "SELECT relname FROM pg_class
			WHERE relnamespace = 'crash_analytics'::regnamespace AND relkind IN ('r', 'm') ORDER BY 1"); do
		rel_psql "$db" -c "COPY (SELECT t::text FROM crash_analytics.$rel t ORDER BY t::text COLLATE \"C\") TO STDOUT" \
			>"$dir/$rel.rows"
	done
	rel_psql "$db" -F ' ' >"$dir/sequences" <<'SQL'
SELECT format('SELECT %L, last_value, is_called FROM %s', c.relname, c.oid::regclass)
  FROM pg_class c WHERE c.relnamespace = 'crash_analytics'::regnamespace AND c.relkind = 'S'
 ORDER BY c.relname \gexec
SQL
}

# One check per relation of DIR_A and one for the sequences: DIR_B (another
# rel_snapshot) holds the same rows.  SKIP (a regex) names relations to leave
# out; the caller checks them its own way.  Relations only in DIR_B are not
# looked at (an update may add tables; the catalog checks cover that).
rel_compare_snapshots() {	# rel_compare_snapshots LABEL DIR_A DIR_B [SKIP]
	local label=$1 a=$2 b=$3 skip=${4:-^$} f rel n
	for f in "$a"/*.rows; do
		rel=$(basename "$f" .rows)
		[[ $rel =~ $skip ]] && continue
		[ -e "$b/$rel.rows" ] || {
			rel_not_ok "$label: $rel is still there"
			continue
		}
		n=$(wc -l <"$a/$rel.rows")
		if cmp -s "$a/$rel.rows" "$b/$rel.rows"; then
			rel_ok "$label: $rel identical ($n rows)"
		else
			rel_not_ok "$label: $rel identical ($n rows before, $(wc -l <"$b/$rel.rows") after)" \
				"$(diff "$a/$rel.rows" "$b/$rel.rows" | head -n 12)"
		fi
	done
	if cmp -s "$a/sequences" "$b/sequences"; then
		rel_ok "$label: every sequence at the same position ($(wc -l <"$a/sequences") sequences)"
	else
		rel_not_ok "$label: every sequence at the same position (last_value, is_called)" \
			"$(diff "$a/sequences" "$b/sequences")"
	fi
}

# catalog.sql in DB, to FILE
rel_catalog() { rel_psql "$1" -f "$REL_DIR/catalog.sql" >"$2"; }

# One check per kind of catalog fact (column, constraint, function, ...):
# FILE_A and FILE_B (two rel_catalog outputs) list the same facts.
rel_compare_catalogs() {	# rel_compare_catalogs LABEL FILE_A FILE_B
	local label=$1 a=$2 b=$3 kind n d
	while read -r kind; do
		n=$(grep -c "^$kind | " "$a" || true)
		d=$(diff <(grep "^$kind | " "$a" || true) <(grep "^$kind | " "$b" || true) || true)
		if [ -z "$d" ]; then
			rel_ok "$label: same $kind facts ($n)"
		else
			rel_not_ok "$label: same $kind facts ($n on the left, $(grep -c "^$kind | " "$b" || true) on the right)" "$d"
		fi
	done < <(cut -d'|' -f1 "$a" "$b" | sed 's/ *$//' | sort -u)
}

rel_server_running() {
	ca_pg "$CA_PGBIN/pg_ctl" -D "$CA_DATA" status >/dev/null 2>&1
}

rel_wait_ready() {	# rel_wait_ready [SECONDS]: until the server accepts connections
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

rel_start_server() {	# start the private cluster again (after a fault)
	local out
	if ! out=$(ca_pg "$CA_PGBIN/pg_ctl" -D "$CA_DATA" -l "$CA_LOG" -w -t 120 start 2>&1); then
		printf '%s\n' "$out" >&2
		return 1
	fi
}

rel_createdb() {	# rel_createdb NAME: a new, empty database (dropped first)
	"$CA_PGBIN/dropdb" --if-exists "$1" >/dev/null 2>&1 || true
	ca_pg "$CA_PGBIN/createdb" -h "$CA_SOCKET" -p "$CA_PGPORT" "$1"
}

rel_setup() {
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
