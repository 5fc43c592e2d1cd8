#!/usr/bin/env bash
# test/reliability/pg_upgrade.sh: pg_upgrade of a filled cluster (part of
# suite 5; the upgrade suite runs it unless CA_REL_PG_UPGRADE=0).
#
# A second cluster (port CA_PGPORT + 26, under $CA_BASE/pg_upgrade/old: trees
# testing with different CA_PGPORT never share a port) gets two
# databases filled by fill.sql: one at the default version with the writer
# and reader profiles granted, one still at 1.0.  It is stopped and
# upgraded with pg_upgrade (PostgreSQL 15 -> 15, copy mode, the same binaries)
# into a third cluster (port CA_PGPORT + 27, .../new), which is started.  Then, in
# each database: every table row by row and every sequence as before, the
# extension's catalog as before, verify_consistency() all ok, logging goes
# on through every path (no id collision) and verify_consistency() is ok
# again; the 1.0 database still updates to the default version.
#
#   bash test/reliability/pg_upgrade.sh     # alone: its own set-up, like run-tests.sh
set -euo pipefail
REL_SUITE=pg_upgrade
. "$(dirname "$0")/common.sh"
rel_setup

PGU="$CA_BASE/pg_upgrade"
OLD_DATA="$PGU/old"
NEW_DATA="$PGU/new"
PGU_SOCKET="$PGU/socket"
OLD_PORT=${CA_REL_PGU_OLD_PORT:-$((CA_PGPORT + 26))}
NEW_PORT=${CA_REL_PGU_NEW_PORT:-$((CA_PGPORT + 27))}
DBS=(rel_pgu rel_pgu10)

pgu_initdb() {	# pgu_initdb DATA PORT
	ca_pg "$CA_PGBIN/initdb" -D "$1" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
	cat >>"$1/postgresql.conf" <<CONF
listen_addresses = ''
port = $2
unix_socket_directories = '$PGU_SOCKET'
timezone = 'UTC'
lc_messages = 'C'
max_connections = 20
shared_buffers = 64MB
log_min_messages = warning
CONF
}
pgu_stop() {	# pgu_stop DATA: if it runs
	[ -f "$1/postmaster.pid" ] && ca_pg "$CA_PGBIN/pg_ctl" -D "$1" -m fast -w stop >/dev/null 2>&1 || true
}
cleanup_clusters() { pgu_stop "$OLD_DATA"; pgu_stop "$NEW_DATA"; }
trap 'cleanup_clusters; rel_cleanup; [ "${CA_REL_IN_SUITE:-0}" = 1 ] || ca_finish' EXIT

cleanup_clusters
rm -rf "$PGU"
mkdir -p "$PGU_SOCKET"
chown -R postgres:postgres "$PGU"
ca_say "pg_upgrade: a filled cluster on port $OLD_PORT"
pgu_initdb "$OLD_DATA" "$OLD_PORT"
pgu_initdb "$NEW_DATA" "$NEW_PORT"
ca_pg "$CA_PGBIN/pg_ctl" -D "$OLD_DATA" -l "$PGU/old.log" -w start >/dev/null

export PGHOST="$PGU_SOCKET" PGPORT=$OLD_PORT
rel_psql postgres -c "CREATE ROLE rel_fleet LOGIN" -c "CREATE ROLE rel_analyst LOGIN" >/dev/null
for db in "${DBS[@]}"; do
	ca_pg "$CA_PGBIN/createdb" -h "$PGU_SOCKET" -p "$OLD_PORT" "$db"
done
rel_psql rel_pgu -c "CREATE EXTENSION crash_analytics" -f "$REL_DIR/fill.sql" \
	-c "SELECT crash_analytics.grant_writer('rel_fleet')" -c "SELECT crash_analytics.grant_reader('rel_analyst')" \
	-c "SELECT crash_analytics.grant_bot_writer('rel_fleet', 'fill_bot_1')" >/dev/null
rel_psql rel_pgu10 -c "CREATE EXTENSION crash_analytics VERSION '1.0'" -f "$REL_DIR/fill.sql" >/dev/null
for db in "${DBS[@]}"; do
	rel_check_consistency "$db" "old cluster, $db"
	rel_snapshot "$db" "$PGU/snap.old.$db"
	rel_catalog "$db" "$PGU/catalog.old.$db"
done
rel_figure "old cluster: $(wc -l <"$PGU/snap.old.rel_pgu/crash_game_rounds.rows") + $(wc -l <"$PGU/snap.old.rel_pgu10/crash_game_rounds.rows") rounds in 2 databases"
ca_pg "$CA_PGBIN/pg_ctl" -D "$OLD_DATA" -m fast -w stop >/dev/null

ca_say "pg_upgrade: --check, then the upgrade (copying the files) into port $NEW_PORT"
pgu() {
	(cd "$PGU" && ca_pg "$CA_PGBIN/pg_upgrade" -b "$CA_PGBIN" -B "$CA_PGBIN" -d "$OLD_DATA" -D "$NEW_DATA" \
		-p "$OLD_PORT" -P "$NEW_PORT" -U postgres --socketdir="$PGU_SOCKET" "$@")
}
t0=$(date +%s)
set +e
pgu --check >"$PGU/check.out" 2>&1
rc=$?
set -e
if [ $rc -eq 0 ]; then
	rel_ok "pg_upgrade --check: clusters are compatible"
else
	rel_not_ok "pg_upgrade --check: clusters are compatible (exit $rc)" "$(cat "$PGU/check.out")"
fi
set +e
pgu >"$PGU/upgrade.out" 2>&1
rc=$?
set -e
if [ $rc -eq 0 ]; then
	rel_ok "pg_upgrade 15 -> 15 of the filled cluster ($(($(date +%s) - t0)) s)"
else
	rel_not_ok "pg_upgrade 15 -> 15 of the filled cluster (exit $rc)" "$(tail -n 30 "$PGU/upgrade.out")" \
		"$(cat "$NEW_DATA"/pg_upgrade_output.d/*/log/*.log 2>/dev/null | grep -iE 'error|fatal' | head -n 20)"
	rel_finish
	exit 1
fi
ca_pg "$CA_PGBIN/pg_ctl" -D "$NEW_DATA" -l "$PGU/new.log" -w start >/dev/null

export PGPORT=$NEW_PORT
for db in "${DBS[@]}"; do
	rel_snapshot "$db" "$PGU/snap.new.$db"
	rel_compare_snapshots "upgraded $db" "$PGU/snap.old.$db" "$PGU/snap.new.$db"
	rel_catalog "$db" "$PGU/catalog.new.$db"
	rel_empty "upgraded $db: the extension's catalog is as before ($(wc -l <"$PGU/catalog.old.$db") facts, ACLs included)" \
		"$(diff "$PGU/catalog.old.$db" "$PGU/catalog.new.$db" || true)"
	rel_check_consistency "$db" "upgraded $db"
done
set +e
out=$(rel_psql rel_pgu10 -c "ALTER EXTENSION crash_analytics UPDATE" \
	-c "SELECT extversion FROM pg_extension WHERE extname = 'crash_analytics'" 2>&1)
rc=$?
set -e
rel_is "upgraded rel_pgu10 (1.0): ALTER EXTENSION UPDATE works after pg_upgrade" "$rc $out" \
	"0 $(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$CA_ROOT/crash_analytics.control")"
for db in "${DBS[@]}"; do
	max_before=$(rel_psql "$db" -c "SELECT max(id) FROM crash_analytics.crash_game_rounds")
	set +e
	out=$(rel_psql "$db" 2>&1 <<'SQL'
SELECT count(crash_analytics.log_crash_round('fill_bot_' || b, 'fill_bot_' || b || '_day2',
		(ARRAY['aviator', 'jetx', 'spaceman', 'aviatrix', 'aviator'])[b], (ARRAY['demo', 'demo', 'stake', 'demo', 'dafabet'])[b],
		8000 + n, 1.00, (1 + n % 7)::numeric, 1.50))
  FROM generate_series(1, 5) b, generate_series(1, 20) n;
SELECT cardinality(crash_analytics.log_crash_rounds('[{"bot_id": "fill_bot_7", "session_id": "s", "game_name": "jetx",
	"platform_code": "demo", "round_number": 1, "stake_value": 1.00, "crash_multiplier": 2.50, "cashout_multiplier": 2.00}]'));
INSERT INTO crash_analytics.crash_game_rounds (bot_id, session_id, game_name, platform_code, round_number, stake_value, crash_multiplier)
VALUES ('fill_bot_7', 's', 'jetx', 'demo', 2, 0, 1.00);
SELECT crash_analytics.log_error('fill_bot_7', 'network', 'after pg_upgrade');
SELECT crash_analytics.log_ocr_validation('fill_bot_7', '2.50x', parsed_value => 2.50);
SQL
)
	rc=$?
	set -e
	if [ $rc -eq 0 ]; then
		rel_ok "upgraded $db: logging goes on through every path"
	else
		rel_not_ok "upgraded $db: logging goes on through every path" "$out"
	fi
	rel_is "upgraded $db: the new rounds' ids are above the old ones" \
		"$(rel_psql "$db" -c "SELECT count(*) FILTER (WHERE id <= $max_before AND (round_number >= 8000 OR bot_id = 'fill_bot_7'))
								   + (SELECT count(*) FROM (SELECT id FROM crash_analytics.crash_game_rounds GROUP BY id HAVING count(*) > 1) d)
							  FROM crash_analytics.crash_game_rounds")" 0
	rel_check_consistency "$db" "upgraded $db, after more logging"
done

rel_finish
