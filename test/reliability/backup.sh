#!/usr/bin/env bash
# test/reliability/backup.sh: suite 4, backups.
#
# A database filled by fill.sql (5 bots, sessions, signals, a custom and a
# changed shipped game/platform, errors, OCR readings, a purge) plus access
# grants (writer, reader, a per-bot writer), dumped with pg_dump -Fc and
# restored with pg_restore into a new database.  Then, against the original:
#   - pg_restore reports no error;
#   - every table: same rows (every column, as text, sorted) and count;
#   - every sequence: same last_value and is_called;
#   - the catalog of the extension (catalog.sql: ACLs included) is the same;
#   - verify_consistency() all ok (every roll-up recomputed);
#   - after refresh_analytics() on both: every materialized view the same;
#   - logging goes on in the restored database through every path: every
#     new id is above the ids of the original, verify_consistency() ok.
#
#   bash test/reliability/backup.sh     # alone: its own cluster, like run-tests.sh
set -euo pipefail
REL_SUITE=backup
. "$(dirname "$0")/common.sh"
rel_setup

SRC=rel_backup
DST=rel_restored
rel_createdb $SRC
rel_psql postgres >/dev/null <<'SQL'
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rel_fleet') THEN CREATE ROLE rel_fleet LOGIN; END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rel_analyst') THEN CREATE ROLE rel_analyst LOGIN; END IF;
END
$$;
SQL
ca_say "backup: fill $SRC"
rel_psql $SRC -c "CREATE EXTENSION crash_analytics" -f "$REL_DIR/fill.sql" >/dev/null
rel_psql $SRC >/dev/null <<'SQL'
SELECT crash_analytics.grant_writer('rel_fleet');
SELECT crash_analytics.grant_reader('rel_analyst');
SELECT crash_analytics.grant_bot_writer('rel_fleet', 'fill_bot_1');
SQL
rel_check_consistency $SRC "original"
rel_figure "original: $(rel_psql $SRC -c "SELECT string_agg(format('%s %s', relname, n), ', ' ORDER BY relname) FROM (
	SELECT c.relname, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %s', c.oid::regclass), false, true, '')))[1]::text AS n
	  FROM pg_class c WHERE c.relnamespace = 'crash_analytics'::regnamespace AND c.relkind = 'r') x")"

ca_say "backup: pg_dump -Fc, pg_restore into $DST"
dump="$REL_WORK/$SRC.dump"
set +e
"$CA_PGBIN/pg_dump" -Fc -f "$dump" $SRC >"$REL_WORK/pg_dump.out" 2>&1
rc=$?
set -e
if [ $rc -eq 0 ] && [ ! -s "$REL_WORK/pg_dump.out" ]; then
	rel_ok "pg_dump -Fc: no error, no warning ($(stat -c %s "$dump") bytes)"
else
	rel_not_ok "pg_dump -Fc: no error, no warning (exit $rc)" "$(cat "$REL_WORK/pg_dump.out")"
fi
rel_createdb $DST
set +e
"$CA_PGBIN/pg_restore" -d $DST "$dump" >"$REL_WORK/pg_restore.out" 2>&1
rc=$?
set -e
if [ $rc -eq 0 ] && [ ! -s "$REL_WORK/pg_restore.out" ]; then
	rel_ok "pg_restore: no error, no warning"
else
	rel_not_ok "pg_restore: no error, no warning (exit $rc)" "$(cat "$REL_WORK/pg_restore.out")"
fi

# the catalog: same extension objects, same privileges
rel_psql $SRC -f "$REL_DIR/catalog.sql" >"$REL_WORK/catalog.$SRC"
rel_psql $DST -f "$REL_DIR/catalog.sql" >"$REL_WORK/catalog.$DST"
rel_empty "the restored catalog of the extension is the original's ($(wc -l <"$REL_WORK/catalog.$SRC") facts, ACLs included)" \
	"$(diff "$REL_WORK/catalog.$SRC" "$REL_WORK/catalog.$DST" || true)"

# the data: every table and sequence as it was (materialized views: below)
rel_snapshot $SRC "$REL_WORK/snap.$SRC"
rel_snapshot $DST "$REL_WORK/snap.$DST"
rel_compare_snapshots "restored" "$REL_WORK/snap.$SRC" "$REL_WORK/snap.$DST" '^(mv_.*|game_platform_config)$'
# game_platform_config: the shipped rows are not dumped (CREATE EXTENSION
# makes them again, so their created_at/updated_at are those of the new
# install); everything else, the timestamps of the operator's rows included
# (a changed shipped row is the operator's), must be the original's
gpc="SELECT to_jsonb(t) - CASE WHEN t.is_builtin THEN ARRAY['created_at', 'updated_at'] ELSE '{}' END
	FROM crash_analytics.game_platform_config t ORDER BY t.id"
rel_psql $SRC -c "$gpc" >"$REL_WORK/gpc.$SRC"
rel_psql $DST -c "$gpc" >"$REL_WORK/gpc.$DST"
rel_empty "restored: game_platform_config identical (shipped rows: but for their install time; $(wc -l <"$REL_WORK/gpc.$SRC") rows)" \
	"$(diff "$REL_WORK/gpc.$SRC" "$REL_WORK/gpc.$DST" || true)"
rel_check_consistency $DST "restored"

# materialized views are not dumped: the documented refresh rebuilds them
rel_psql $SRC -c "SELECT crash_analytics.refresh_analytics()" >/dev/null
rel_psql $DST -c "SELECT crash_analytics.refresh_analytics()" >/dev/null
rel_snapshot $SRC "$REL_WORK/snap.$SRC.refreshed"
rel_snapshot $DST "$REL_WORK/snap.$DST.refreshed"
for mv in "$REL_WORK/snap.$SRC.refreshed"/mv_*.rows; do
	mv=$(basename "$mv" .rows)
	n=$(wc -l <"$REL_WORK/snap.$SRC.refreshed/$mv.rows")
	if [ "$n" -gt 0 ] && cmp -s "$REL_WORK/snap.$SRC.refreshed/$mv.rows" "$REL_WORK/snap.$DST.refreshed/$mv.rows"; then
		rel_ok "after refresh_analytics(): $mv identical ($n rows)"
	else
		rel_not_ok "after refresh_analytics(): $mv identical and not empty ($n rows)" \
			"$(diff "$REL_WORK/snap.$SRC.refreshed/$mv.rows" "$REL_WORK/snap.$DST.refreshed/$mv.rows" | head -n 12)"
	fi
done

# logging goes on in the restored database: new rows get new ids
ca_say "backup: logging into $DST"
# per table with an id: rows and the largest id before (the original's: the
# restored data is checked equal above)
rel_psql $DST -F ' ' >"$REL_WORK/ids_before" <<'SQL'
SELECT format('SELECT %L, count(*), coalesce(max(id), 0) FROM %s', c.relname, c.oid::regclass)
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'id'
 WHERE c.relnamespace = 'crash_analytics'::regnamespace AND c.relkind = 'r'
 ORDER BY c.relname \gexec
SQL
set +e
more=$(rel_psql $DST 2>&1 <<'SQL'
SELECT crash_analytics.register_bot('fill_bot_6', strategy_name => 'fill_6');
SELECT crash_analytics.register_game_platform('crash_x', 'stake', 0.99);
SELECT crash_analytics.start_session('fill_bot_6', 'fill_bot_6_day3', 'aviator', 'demo', balance_start => 100.00);
SELECT count(crash_analytics.log_crash_round('fill_bot_' || b, 'fill_bot_' || b || '_day2',
		(ARRAY['aviator', 'jetx', 'spaceman', 'aviatrix', 'aviator'])[b], (ARRAY['demo', 'demo', 'stake', 'demo', 'dafabet'])[b],
		5000 + n, 1.00, (1 + n % 7)::numeric, 1.50, round_started_at => '2026-03-03 00:00:00+00'::timestamptz + n * interval '20 seconds'))
  FROM generate_series(1, 5) b, generate_series(1, 40) n;
SELECT cardinality(crash_analytics.log_crash_rounds(jsonb_agg(jsonb_build_object(
		'bot_id', 'fill_bot_6', 'session_id', 'fill_bot_6_day3', 'game_name', 'aviator', 'platform_code', 'demo',
		'round_number', n, 'stake_value', 2.00, 'crash_multiplier', 1 + n % 5, 'cashout_multiplier', 2.00))))
  FROM generate_series(1, 30) n;
INSERT INTO crash_analytics.crash_game_rounds (bot_id, session_id, game_name, platform_code, round_number, stake_value, crash_multiplier, cashout_multiplier)
SELECT 'fill_bot_3', 'fill_bot_3_day2', 'spaceman', 'stake', 6000 + n, 1.00, 1 + n % 4, 1.30 FROM generate_series(1, 20) n;
SELECT crash_analytics.log_crash_round('fill_bot_6', 'fill_bot_6_crash_x', 'crash_x', 'stake', 1, 1.00, 2.00, 1.10);
SELECT crash_analytics.log_round_signal('fill_bot_1', 'fill_bot_1_day2', 'aviator', 'demo', 'model', 2.00);
SELECT crash_analytics.log_round_multiplier_analytics('fill_bot_2', 'fill_bot_2_day2', 'jetx', 'demo', 7000, 3.00);
SELECT crash_analytics.log_error('fill_bot_4', 'network', 'after restore');
SELECT crash_analytics.log_ocr_validation('fill_bot_5', '2.00x', parsed_value => 2.00);
SELECT crash_analytics.end_session('fill_bot_6', 'fill_bot_6_day3', 'completed');
SELECT crash_analytics.grant_bot_writer('rel_analyst', 'fill_bot_6');
SQL
)
rc=$?
set -e
if [ $rc -eq 0 ]; then
	rel_ok "logging into the restored database: every path and logger works"
else
	rel_not_ok "logging into the restored database: every path and logger works" "$more"
fi
while read -r tbl n_before maxid; do
	read -r n_after n_above dup <<<"$(rel_psql $DST -F ' ' -c "
		SELECT count(*), count(*) FILTER (WHERE id > $maxid),
			   (SELECT count(*) FROM (SELECT id FROM crash_analytics.$tbl GROUP BY id HAVING count(*) > 1) d)
		  FROM crash_analytics.$tbl")"
	if [ "$dup" = 0 ] && [ "$n_above" -eq $((n_after - n_before)) ] && [ "$n_above" -gt 0 ]; then
		rel_ok "after the restore, $tbl: $n_above new rows, all with ids above the original's largest ($maxid), no id twice"
	else
		rel_not_ok "after the restore, $tbl: new rows get ids above the original's largest ($maxid), no id twice" \
			"rows before $n_before, after $n_after, with an id above $maxid: $n_above, ids used twice: $dup"
	fi
done <"$REL_WORK/ids_before"
rel_check_consistency $DST "restored, after more logging"

# A dump taken while bots log (logger.py, as in the crash suite): the dump's
# snapshot restores consistent, and the restored sequences are past every id.
ca_say "backup: pg_dump -Fc while bots log, pg_restore"
LIVE=rel_backup_live
rel_createdb $LIVE
rel_psql $LIVE -c "CREATE EXTENSION crash_analytics" -f "$REL_DIR/workload.sql" >/dev/null
/usr/bin/python3 "$REL_DIR/logger.py" "host=$CA_SOCKET port=$CA_PGPORT user=postgres dbname=$LIVE" \
	"$REL_WORK" 4 9 >>"$REL_WORK/logger.out" 2>&1 &
lp=$!
REL_PIDS+=("$lp")
sleep 3
set +e
"$CA_PGBIN/pg_dump" -Fc -f "$REL_WORK/$LIVE.dump" $LIVE >"$REL_WORK/pg_dump_live.out" 2>&1
rc=$?
set -e
sleep 1
kill -TERM "$lp"
wait "$lp" || true
REL_PIDS=()
rel_is "pg_dump -Fc during logging: exit 0" "$rc $(cat "$REL_WORK/pg_dump_live.out")" "0 "
rel_createdb ${LIVE}_restored
set +e
"$CA_PGBIN/pg_restore" -d ${LIVE}_restored "$REL_WORK/$LIVE.dump" >"$REL_WORK/pg_restore_live.out" 2>&1
rc=$?
set -e
rel_is "pg_restore of the dump taken during logging: no error" "$rc $(cat "$REL_WORK/pg_restore_live.out")" "0 "
n_live=$(rel_psql ${LIVE}_restored -c "SELECT count(*) FROM crash_analytics.crash_game_rounds")
rel_figure "dump under load: $(/usr/bin/python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["transactions"], "transactions committed during the run;")' "$REL_WORK/stats-9.json") $n_live rounds in the dump"
rel_empty "restored dump taken during logging: each key once; roll-ups, sessions, multipliers, outcomes agree with the rounds" \
	"$(rel_psql ${LIVE}_restored -F ' | ' -c "SELECT * FROM rel.count_differences LIMIT 20")"
rel_check_consistency ${LIVE}_restored "restored dump taken during logging"
rel_empty "restored dump taken during logging: every sequence is past the largest id of its table" \
	"$(rel_psql ${LIVE}_restored -F ' ' <<'SQL'
SELECT format('SELECT %L, max(id), (SELECT last_value FROM %s) FROM %s HAVING max(id) > (SELECT last_value FROM %s)',
			  c.relname, pg_get_serial_sequence(c.oid::regclass::text, 'id'), c.oid::regclass,
			  pg_get_serial_sequence(c.oid::regclass::text, 'id'))
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'id'
 WHERE c.relnamespace = 'crash_analytics'::regnamespace AND c.relkind = 'r' \gexec
SQL
)"

rel_finish
