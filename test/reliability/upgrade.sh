#!/usr/bin/env bash
# test/reliability/upgrade.sh: suite 5, upgrades.
#
#   1. A database installed at 1.0 (CREATE EXTENSION crash_analytics VERSION
#      '1.0'), filled by fill.sql, with the writer and reader profiles
#      granted and hand-made grants on functions the update re-creates (one
#      through a grant option, so made by another role than the owner),
#      then ALTER EXTENSION crash_analytics UPDATE, with no grant re-run: its
#      data is unchanged (every table, row by row, and every sequence), the
#      verify_consistency() checks pass, and logging goes on.  Every
#      function the update dropped and created again keeps every grant it
#      had, the profiles' roles can run every function of their profile
#      (those the update added included) and read the new tables, and no
#      role's grant became an initial privilege.  Before that, with a
#      user's view on verify_consistency(), the update fails with
#      PostgreSQL's dependency error naming the view, changing nothing, and
#      succeeds once the view is dropped.
#   2. Its catalog (catalog.sql: tables, columns, defaults, constraints,
#      indexes, sequences, views, functions with their volatility, security,
#      proconfig and source, privileges, initial privileges, triggers,
#      policies, comments, the config-dump list by name, member objects) is
#      that of a fresh install given the same fill and grants -- and,
#      without fill nor grants, that of an empty fresh install.  The same
#      for a database installed at each later version but the default one
#      (CREATE EXTENSION crash_analytics VERSION '1.1', '1.2', ...), filled
#      and granted, then updated.
#   3. The whole pg_regress, isolation and pgTAP suites run against extension
#      objects that came from an update: copies of the suites in which
#      "CREATE EXTENSION crash_analytics;" becomes "CREATE EXTENSION
#      crash_analytics VERSION '1.0'; ALTER EXTENSION crash_analytics UPDATE;".
#   4. test/reliability/pg_upgrade.sh (pg_upgrade of a filled cluster), when
#      CA_REL_PG_UPGRADE is not 0.
#
#   bash test/reliability/upgrade.sh    # alone: its own cluster, like run-tests.sh
set -euo pipefail
REL_SUITE=upgrade
. "$(dirname "$0")/common.sh"
rel_setup

OLD=rel_up10	# installed at 1.0, updated
NEW=rel_up11	# installed at 1.1
CREATE_UPDATED="CREATE EXTENSION crash_analytics VERSION '1.0'; ALTER EXTENSION crash_analytics UPDATE;"
default=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$CA_ROOT/crash_analytics.control")
# the versions an update script leads to, but the default one: 1.1 1.2 ...
INTERMEDIATE=$(ls "$CA_ROOT"/sql/crash_analytics--*--*.sql | sed 's/.*--\(.*\)\.sql$/\1/' | grep -vx "$default" | sort -V)

rel_psql postgres >/dev/null <<'SQL'
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rel_fleet') THEN CREATE ROLE rel_fleet LOGIN; END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rel_analyst') THEN CREATE ROLE rel_analyst LOGIN; END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rel_hand') THEN CREATE ROLE rel_hand LOGIN; END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rel_lead') THEN CREATE ROLE rel_lead LOGIN; END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rel_intern') THEN CREATE ROLE rel_intern LOGIN; END IF;
END
$$;
SQL
GRANTS="SELECT crash_analytics.grant_writer('rel_fleet'); SELECT crash_analytics.grant_reader('rel_analyst');"
# grants made by hand on functions that 1.0--1.1 drops and creates again:
# purge_rounds_before (in no profile) to rel_hand, and verify_consistency to
# rel_lead with the grant option, which rel_lead uses to give it to rel_intern
HAND="GRANT EXECUTE ON FUNCTION crash_analytics.purge_rounds_before(timestamptz, boolean) TO rel_hand;
GRANT USAGE ON SCHEMA crash_analytics TO rel_lead;
GRANT EXECUTE ON FUNCTION crash_analytics.verify_consistency() TO rel_lead WITH GRANT OPTION;
SET ROLE rel_lead;
GRANT EXECUTE ON FUNCTION crash_analytics.verify_consistency() TO rel_intern;
RESET ROLE;"

# What an update must keep, written down before it: every function of the
# extension (signature, oid, ACL), every relation, and the profiles' functions
# (a table in public, which the update does not touch).
save_state() {	# save_state DB
	rel_psql "$1" >/dev/null <<'SQL'
DROP TABLE IF EXISTS public.rel_before;
CREATE TABLE public.rel_before AS
SELECT 'function' AS kind, p.oid::regprocedure::text AS object, p.oid,
	   coalesce(p.proacl, acldefault('f', p.proowner))::text[] AS acl
  FROM pg_proc p WHERE p.pronamespace = 'crash_analytics'::regnamespace
UNION ALL
SELECT 'relation', c.oid::regclass::text, c.oid, NULL FROM pg_class c
 WHERE c.relnamespace = 'crash_analytics'::regnamespace AND c.relkind IN ('r', 'v', 'm')
UNION ALL SELECT 'reader', f::text, f, NULL FROM crash_analytics.reader_functions() f
UNION ALL SELECT 'writer', f::text, f, NULL FROM crash_analytics.writer_functions() f;
SQL
}
# After the update, with no grant re-run: the grants are where they were.
# MIN_RECREATED: the update is known to drop and create again at least that
# many functions (else this proves nothing about them).
check_grants_kept() {	# check_grants_kept DB LABEL MIN_RECREATED
	local db=$1 label=$2 min=$3 got
	got=$(rel_psql "$db" -F ' ' -c "
		SELECT count(*), count(*) FILTER (WHERE NOT b.acl <@ coalesce(p.proacl, acldefault('f', p.proowner))::text[]),
			   string_agg(b.object || ': ' || b.acl::text || ' -> ' || coalesce(p.proacl, acldefault('f', p.proowner))::text, '; ')
				 FILTER (WHERE NOT b.acl <@ coalesce(p.proacl, acldefault('f', p.proowner))::text[])
		  FROM public.rel_before b JOIN pg_proc p ON p.oid = to_regprocedure(b.object)
		 WHERE b.kind = 'function' AND p.oid <> b.oid")
	local n=${got%% *}
	if [ "$n" -ge "$min" ] && [ "$(cut -d' ' -f2 <<<"$got")" = 0 ]; then
		rel_ok "$label: each of the $n functions the update dropped and created again keeps every grant it had (no grant re-run)"
	else
		rel_not_ok "$label: each function the update dropped and created again (at least $min) keeps every grant it had" "$got"
	fi
	rel_figure "$label: $n functions re-created by the update, their grants kept"
	# the grants by name, for the functions 1.0--1.1 re-creates (whatever the
	# version the database started at, the roles must hold them now)
	rel_is "$label: by name: the reader keeps EXECUTE on the re-created export_multipliers_for_ml, verify_consistency, get_signal_effectiveness and get_bot_statistics, the hand-made grants on purge_rounds_before and verify_consistency (the latter through rel_lead's grant option) are kept, and nothing more is given" \
		"$(rel_psql "$db" -c "
		SELECT string_agg(format('%s %s %s', r, f, has_function_privilege(r, ('crash_analytics.' || f)::regprocedure, 'EXECUTE')),
						  E'\n' ORDER BY r, f)
		  FROM (VALUES ('rel_analyst', 'export_multipliers_for_ml(text, integer)'),
					   ('rel_analyst', 'get_bot_statistics(text)'),
					   ('rel_analyst', 'get_signal_effectiveness(text, timestamptz, timestamptz)'),
					   ('rel_analyst', 'purge_rounds_before(timestamptz, boolean)'),
					   ('rel_analyst', 'verify_consistency()'),
					   ('rel_fleet', 'verify_consistency()'),
					   ('rel_hand', 'purge_rounds_before(timestamptz, boolean)'),
					   ('rel_hand', 'verify_consistency()'),
					   ('rel_intern', 'verify_consistency()'),
					   ('rel_lead', 'verify_consistency()')) v(r, f)")" \
		"rel_analyst export_multipliers_for_ml(text, integer) t
rel_analyst get_bot_statistics(text) t
rel_analyst get_signal_effectiveness(text, timestamptz, timestamptz) t
rel_analyst purge_rounds_before(timestamptz, boolean) f
rel_analyst verify_consistency() t
rel_fleet verify_consistency() f
rel_hand purge_rounds_before(timestamptz, boolean) t
rel_hand verify_consistency() f
rel_intern verify_consistency() t
rel_lead verify_consistency() t"
	rel_is "$label: verify_consistency() still carries rel_lead's grant option and rel_intern's grant made by rel_lead" \
		"$(rel_psql "$db" -c "SELECT array_to_string(ARRAY(SELECT a::text FROM unnest(p.proacl) a WHERE a::text ~ '^rel_(lead|intern)='), ' ')
			FROM pg_proc p WHERE p.oid = 'crash_analytics.verify_consistency()'::regprocedure")" \
		"rel_lead=X*/postgres rel_intern=X/rel_lead"
	got=$(rel_psql "$db" -F ' ' -c "
		SELECT count(*) FILTER (WHERE p = 'reader'), count(*) FILTER (WHERE p = 'reader' AND NOT has_function_privilege('rel_analyst', f, 'EXECUTE')),
			   count(*) FILTER (WHERE p = 'writer'), count(*) FILTER (WHERE p = 'writer' AND NOT has_function_privilege('rel_fleet', f, 'EXECUTE')),
			   coalesce(string_agg(f::text, ', ') FILTER (WHERE NOT has_function_privilege(CASE p WHEN 'reader' THEN 'rel_analyst' ELSE 'rel_fleet' END, f, 'EXECUTE')), '')
		  FROM (SELECT 'reader' AS p, f FROM crash_analytics.reader_functions() f
				UNION ALL SELECT 'writer', f FROM crash_analytics.writer_functions() f) x
		 WHERE NOT EXISTS (SELECT FROM public.rel_before b WHERE b.kind = x.p AND b.object = x.f::text)")
	read -r nr mr nw mw rest <<<"$got"
	rel_is "$label: the reader can run each of the $nr functions the update added to reader_functions(), the writer each of the $nw it added to writer_functions()" \
		"$mr $mw $rest" "0 0 "
	rel_figure "$label: $nr functions added to the reader profile, $nw to the writer profile, given to the roles that held it"
	got=$(rel_psql "$db" -F ' ' -c "
		SELECT count(*), count(*) FILTER (WHERE NOT has_table_privilege('rel_analyst', c.oid, 'SELECT')),
			   coalesce(string_agg(c.relname, ', ') FILTER (WHERE NOT has_table_privilege('rel_analyst', c.oid, 'SELECT')), '')
		  FROM pg_class c WHERE c.relnamespace = 'crash_analytics'::regnamespace AND c.relkind IN ('r', 'v', 'm')
		   AND NOT EXISTS (SELECT FROM public.rel_before b WHERE b.kind = 'relation' AND b.object = c.oid::regclass::text)")
	read -r n m rest <<<"$got"
	rel_is "$label: the reader can read each of the $n tables and views the update added" "$m $rest" "0 "
	rel_is "$label: no role's grant became an initial privilege of the extension (pg_dump would leave it out)" \
		"$(rel_psql "$db" -c "SELECT count(*) FROM pg_init_privs WHERE initprivs::text ~ 'rel_'")" 0
}

# ---------------------------------------------------------------- 0. scripts
# The update scripts keep grants with one mechanism, the same text in each
# (regions "grants kept, saved" and "grants kept, given back"): saved before
# the first statement that drops or creates a function, table or view, given
# back after the last one.
region() { sed -n "/^-- region: $1\$/,/^-- end region: $1\$/p" "$2"; }
n=0
for f in "$CA_ROOT"/sql/crash_analytics--*--*.sql; do
	n=$((n + 1))
	for r in "grants kept, saved" "grants kept, given back"; do
		if [ -z "$(region "$r" "$f")" ]; then
			rel_not_ok "$(basename "$f") has the region \"$r\""
		elif [ -n "$(diff <(region "$r" "$f") <(region "$r" "$CA_ROOT/sql/crash_analytics--1.0--1.1.sql"))" ]; then
			rel_not_ok "$(basename "$f"): the region \"$r\" is that of crash_analytics--1.0--1.1.sql" \
				"$(diff <(region "$r" "$f") <(region "$r" "$CA_ROOT/sql/crash_analytics--1.0--1.1.sql") | head -n 20)"
		fi
	done
	rel_empty "$(basename "$f"): grants saved before the first DROP or CREATE of a function, table or view, given back after the last" \
		"$(awk '/^-- region: grants kept, (saved|given back)$/ { inside = 1 }
				/^-- end region: grants kept, saved$/ { inside = 0; saved = NR }
				/^-- region: grants kept, given back$/ { back = NR }
				/^-- end region: grants kept, given back$/ { inside = 0 }
				/^(DROP|CREATE) (FUNCTION|TABLE|VIEW|MATERIALIZED VIEW) / && !inside { if (!first) first = NR; last = NR }
				END {
					if (!saved || !back) print "a region is missing"
					else if (first && first < saved) print "line " first ": before the saved region (line " saved ")"
					else if (last > back) print "line " last ": after the given-back region (line " back ")"
				}' "$f")"
done
rel_figure "$n update scripts, each keeping grants with the same two regions"


# 1.2 folds a bot's streaks, drawdown and balances, and a session's, in play
# order: the update rewrites those of the bots whose rounds were logged out
# of play order (the fill back-fills each bot's first day after its second,
# and logs outcomes without a time, played now, before rounds of March), and
# leaves every other value of bot_rollups and session_logs as it was.  The
# rewritten values are checked by verify_consistency (a replay in play
# order) after the update.
PLAY_ORDER_BOT="current_streak,longest_win_streak,longest_loss_streak,peak_profit,max_drawdown,current_balance,last_round_id,updated_at"
PLAY_ORDER_SESSION="started_at,balance_start,balance_current,peak_balance,peak_profit,max_drawdown,last_round_number,last_round_at,updated_at"
but_play_order() {	# but_play_order DB FILE
	rel_psql "$1" >"$2" <<SQL
SELECT 'bot_rollups ' || (to_jsonb(b) - '{$PLAY_ORDER_BOT}'::text[])::text FROM crash_analytics.bot_rollups b
UNION ALL
SELECT 'session_logs ' || (to_jsonb(s) - '{$PLAY_ORDER_SESSION}'::text[])::text FROM crash_analytics.session_logs s
ORDER BY 1;
SQL
}
compare_but_play_order() {	# compare_but_play_order LABEL DB BEFORE_FILE
	local after
	after=$(mktemp)
	but_play_order "$2" "$after"
	if cmp -s "$3" "$after"; then
		rel_ok "$1: bot_rollups and session_logs identical but for the play-order figures ($(wc -l <"$after") rows)"
	else
		rel_not_ok "$1: bot_rollups and session_logs identical but for the play-order figures" "$(diff "$3" "$after" | head -n 12)"
	fi
	rm -f "$after"
}
rewritten() {	# rewritten TABLE BEFORE_DIR AFTER_DIR: rows that changed
	diff "$2/$1.rows" "$3/$1.rows" | grep -c '^>' || true
}

# ---------------------------------------------------------------- 1. data
ca_say "upgrade: install 1.0, fill, ALTER EXTENSION UPDATE"
rel_createdb $OLD
rel_psql $OLD -c "CREATE EXTENSION crash_analytics VERSION '1.0'" >/dev/null
rel_is "installed at 1.0" "$(rel_psql $OLD -c "SELECT extversion FROM pg_extension WHERE extname = 'crash_analytics'")" "1.0"
rel_psql $OLD -f "$REL_DIR/fill.sql" -c "$GRANTS" -c "$HAND" >/dev/null
rel_check_consistency $OLD "1.0, filled"
rel_snapshot $OLD "$REL_WORK/snap.before"
but_play_order $OLD "$REL_WORK/rollups.before"

# A user's view on a function that the update drops and creates again: the
# update stops at PostgreSQL's dependency error, changing nothing (README,
# "Upgrading": drop such views before the update, create them again after).
rel_psql $OLD -c "CREATE VIEW public.rel_user_view AS SELECT * FROM crash_analytics.verify_consistency()"
rel_is "README's query lists the user's views on the extension's functions" \
	"$(rel_psql $OLD -F ' ' <<'SQL'
SELECT DISTINCT v.oid::regclass AS view, d.refobjid::regprocedure AS uses
  FROM pg_depend d
  JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid
  JOIN pg_class v ON v.oid = r.ev_class
 WHERE d.refclassid = 'pg_proc'::regclass
   AND d.refobjid IN (SELECT p.oid FROM pg_proc p WHERE p.pronamespace = 'crash_analytics'::regnamespace)
   AND v.relnamespace <> 'crash_analytics'::regnamespace
 ORDER BY 1, 2;
SQL
)" "rel_user_view crash_analytics.verify_consistency()"
set +e
out=$(rel_psql $OLD -v VERBOSITY=verbose -c "ALTER EXTENSION crash_analytics UPDATE" 2>&1)
rc=$?
set -e
rel_is "a user's view on verify_consistency(): the update fails with PostgreSQL's dependency error (2BP01) naming the view" \
	"$([ $rc -ne 0 ] && echo failed || echo succeeded)
$(grep -E '^(ERROR|DETAIL):' <<<"$out")" \
	"failed
ERROR:  2BP01: cannot drop function verify_consistency() because other objects depend on it
DETAIL:  view public.rel_user_view depends on function verify_consistency()"
rel_is "after the failed update: still at 1.0" \
	"$(rel_psql $OLD -c "SELECT extversion FROM pg_extension WHERE extname = 'crash_analytics'")" "1.0"
rel_snapshot $OLD "$REL_WORK/snap.failed"
rel_compare_snapshots "data kept by the failed update" "$REL_WORK/snap.before" "$REL_WORK/snap.failed"
rel_psql $OLD -c "DROP VIEW public.rel_user_view"

save_state $OLD
set +e
out=$(rel_psql $OLD -c "ALTER EXTENSION crash_analytics UPDATE" 2>&1)
rc=$?
set -e
rel_is "view dropped: ALTER EXTENSION crash_analytics UPDATE succeeds, with no error, warning or notice" "$rc $out" "0 "
rel_is "updated to the default version $default" \
	"$(rel_psql $OLD -c "SELECT extversion FROM pg_extension WHERE extname = 'crash_analytics'")" "$default"
rel_is "the user's view created again after the update works" \
	"$(rel_psql $OLD -c "CREATE VIEW public.rel_user_view AS SELECT * FROM crash_analytics.verify_consistency()" \
		-c "SELECT count(*) > 0 AND bool_and(ok) FROM public.rel_user_view" -c "DROP VIEW public.rel_user_view")" t
# no grant re-run: the update kept them
check_grants_kept $OLD "1.0 -> $default" 7
rel_psql $OLD -c "DROP TABLE public.rel_before"
rel_snapshot $OLD "$REL_WORK/snap.after"
rel_compare_snapshots "data kept by the update" "$REL_WORK/snap.before" "$REL_WORK/snap.after" '^(bot_rollups|session_logs)$'
compare_but_play_order "data kept by the update" $OLD "$REL_WORK/rollups.before"
rel_figure "1.0 -> $default: rewritten in play order: $(rewritten bot_rollups "$REL_WORK/snap.before" "$REL_WORK/snap.after") of $(wc -l <"$REL_WORK/snap.after/bot_rollups.rows") bot roll-ups, $(rewritten session_logs "$REL_WORK/snap.before" "$REL_WORK/snap.after") of $(wc -l <"$REL_WORK/snap.after/session_logs.rows") sessions"
rel_check_consistency $OLD "after the update"
set +e
out=$(rel_psql $OLD 2>&1 <<'SQL'
SELECT crash_analytics.log_crash_round('fill_bot_1', 'fill_bot_1_day2', 'aviator', 'demo', 9001, 1.00, 2.00, 1.50) > 0;
SELECT cardinality(crash_analytics.log_crash_rounds('[{"bot_id": "fill_bot_2", "session_id": "fill_bot_2_day2",
	"game_name": "jetx", "platform_code": "demo", "round_number": 9001, "stake_value": 1.00, "crash_multiplier": 1.10,
	"cashout_multiplier": 1.50}]'));
INSERT INTO crash_analytics.crash_game_rounds (bot_id, session_id, game_name, platform_code, round_number, stake_value, crash_multiplier)
VALUES ('fill_bot_5', 'fill_bot_5_day2', 'aviator', 'dafabet', 9001, 0, 3.00);
SELECT crash_analytics.grant_bot_writer('rel_fleet', 'fill_bot_1');
SELECT crash_analytics.log_crash_round('fill_bot_1', 'fill_bot_1_day2', 'aviator', 'demo', 9001, 1.00, 2.00, 1.50) > 0;
SELECT crash_analytics.revoke_bot_writer('rel_fleet');
SQL
)
rc=$?
set -e
if [ $rc -eq 0 ]; then
	rel_ok "after the update: logging by every path, a retry, and the 1.1 per-bot writer functions work"
else
	rel_not_ok "after the update: logging by every path, a retry, and the 1.1 per-bot writer functions work" "$out"
fi
rel_check_consistency $OLD "after the update and more logging"
rel_figure "1.0 database: $(wc -l <"$REL_WORK/snap.before/crash_game_rounds.rows") rounds, $(cat "$REL_WORK"/snap.before/*.rows | wc -l) rows in $(ls "$REL_WORK"/snap.before/*.rows | wc -l) relations kept by the update"

# ---------------------------------------------------------------- 2. catalog
ca_say "upgrade: the catalog against a fresh $default install"
rel_createdb $NEW
rel_psql $NEW -c "CREATE EXTENSION crash_analytics" -f "$REL_DIR/fill.sql" -c "$GRANTS" -c "$HAND" >/dev/null
rel_catalog $OLD "$REL_WORK/catalog.updated"
rel_catalog $NEW "$REL_WORK/catalog.fresh"
rel_compare_catalogs "filled and granted, updated vs fresh" "$REL_WORK/catalog.updated" "$REL_WORK/catalog.fresh"
rel_figure "catalog: $(wc -l <"$REL_WORK/catalog.fresh") facts compared (filled databases with the profiles and the hand-made grants)"

# the same from every later version but the default one: installed at it,
# filled and granted, updated (1.1 -> default, 1.2 -> default, ...)
for v in $INTERMEDIATE; do
	t=${v//./}		# 1.1 -> 11: names of its database and files
	ca_say "upgrade: install $v, fill, ALTER EXTENSION UPDATE"
	rel_createdb rel_up${t}_upd
	rel_psql rel_up${t}_upd -c "CREATE EXTENSION crash_analytics VERSION '$v'" -f "$REL_DIR/fill.sql" -c "$GRANTS" -c "$HAND" >/dev/null
	rel_is "installed at $v" \
		"$(rel_psql rel_up${t}_upd -c "SELECT extversion FROM pg_extension WHERE extname = 'crash_analytics'")" "$v"
	rel_snapshot rel_up${t}_upd "$REL_WORK/snap$t.before"
	but_play_order rel_up${t}_upd "$REL_WORK/rollups$t.before"
	save_state rel_up${t}_upd
	set +e
	out=$(rel_psql rel_up${t}_upd -c "ALTER EXTENSION crash_analytics UPDATE" 2>&1)
	rc=$?
	set -e
	rel_is "$v -> $default: ALTER EXTENSION crash_analytics UPDATE succeeds, with no error, warning or notice" "$rc $out" "0 "
	rel_is "$v -> $default: updated to the default version" \
		"$(rel_psql rel_up${t}_upd -c "SELECT extversion FROM pg_extension WHERE extname = 'crash_analytics'")" "$default"
	rel_snapshot rel_up${t}_upd "$REL_WORK/snap$t.after"
	rel_compare_snapshots "$v -> $default: data kept by the update" "$REL_WORK/snap$t.before" "$REL_WORK/snap$t.after" '^(bot_rollups|session_logs)$'
	compare_but_play_order "$v -> $default: data kept by the update" rel_up${t}_upd "$REL_WORK/rollups$t.before"
	rel_check_consistency rel_up${t}_upd "$v -> $default, after the update"
	# at least one function re-created: 1.2 -> 1.3 re-creates period_figures and
	# distinct_multipliers, both in the reader profile
	check_grants_kept rel_up${t}_upd "$v -> $default" 1
	rel_psql rel_up${t}_upd -c "DROP TABLE public.rel_before"
	rel_catalog rel_up${t}_upd "$REL_WORK/catalog.updated$t"
	rel_compare_catalogs "$v, filled and granted, updated vs fresh" "$REL_WORK/catalog.updated$t" "$REL_WORK/catalog.fresh"
done
# the same without data nor grants: what the scripts alone make
rel_createdb rel_up10_empty
rel_createdb rel_up11_empty
rel_psql rel_up10_empty -c "CREATE EXTENSION crash_analytics VERSION '1.0'" -c "ALTER EXTENSION crash_analytics UPDATE" >/dev/null
rel_psql rel_up11_empty -c "CREATE EXTENSION crash_analytics" >/dev/null
rel_catalog rel_up10_empty "$REL_WORK/catalog.updated.empty"
rel_catalog rel_up11_empty "$REL_WORK/catalog.fresh.empty"
rel_empty "empty, updated vs fresh: the whole catalog is the same ($(wc -l <"$REL_WORK/catalog.fresh.empty") facts)" \
	"$(diff "$REL_WORK/catalog.updated.empty" "$REL_WORK/catalog.fresh.empty" || true)"
for v in $INTERMEDIATE; do
	t=${v//./}
	rel_createdb rel_up${t}_upd_empty
	rel_psql rel_up${t}_upd_empty -c "CREATE EXTENSION crash_analytics VERSION '$v'" -c "ALTER EXTENSION crash_analytics UPDATE" >/dev/null
	rel_catalog rel_up${t}_upd_empty "$REL_WORK/catalog.updated$t.empty"
	rel_empty "empty, updated from $v vs fresh: the whole catalog is the same" \
		"$(diff "$REL_WORK/catalog.updated$t.empty" "$REL_WORK/catalog.fresh.empty" || true)"
done

# an updated database is backed up like any other: pg_dump/pg_restore give
# the same catalog, the profiles' grants included (pg_dump dumps the ACLs
# that differ from pg_init_privs, so the update must not have folded the
# operator's grants into pg_init_privs)
set +e
"$CA_PGBIN/pg_dump" -Fc -f "$REL_WORK/$OLD.dump" $OLD >"$REL_WORK/pg_dump.out" 2>&1
rc=$?
set -e
if [ $rc -eq 0 ] && [ ! -s "$REL_WORK/pg_dump.out" ]; then
	rel_ok "updated database: pg_dump -Fc, no error, no warning"
else
	rel_not_ok "updated database: pg_dump -Fc, no error, no warning (exit $rc)" "$(cat "$REL_WORK/pg_dump.out")"
fi
rel_createdb ${OLD}_restored
# pg_restore goes on after an error and reports it at the end: an updated
# database restores with no error and no warning at all, as a fresh one does
# in backup.sh, so any line it prints is a failure
set +e
"$CA_PGBIN/pg_restore" -d ${OLD}_restored "$REL_WORK/$OLD.dump" >"$REL_WORK/pg_restore.out" 2>&1
rc=$?
set -e
if [ $rc -eq 0 ] && [ ! -s "$REL_WORK/pg_restore.out" ]; then
	rel_ok "updated database: pg_restore into a new database, no error, no warning"
else
	rel_not_ok "updated database: pg_restore into a new database, no error, no warning (exit $rc)" \
		"$(head -n 40 "$REL_WORK/pg_restore.out")"
fi
rel_catalog ${OLD}_restored "$REL_WORK/catalog.updated.restored"
rel_compare_catalogs "updated, then dumped and restored" "$REL_WORK/catalog.updated" "$REL_WORK/catalog.updated.restored"
rel_is "updated, then dumped and restored: the writer and reader profiles still work" \
	"$(rel_psql ${OLD}_restored -c "SELECT has_function_privilege('rel_fleet', 'crash_analytics.log_crash_rounds(jsonb)', 'EXECUTE')
		AND has_table_privilege('rel_analyst', 'crash_analytics.crash_game_rounds', 'SELECT')")" t

# ---------------------------------------------------------------- 3. suites
ca_say "upgrade: pg_regress, isolation and pgTAP against updated objects"
PGXS_DIR=$(dirname "$CA_PGBIN")/lib/pgxs
suite="$REL_WORK/suites"
rm -rf "$suite"
mkdir -p "$suite/sql" "$suite/expected" "$suite/pgtap" "$suite/specs" "$suite/iso_expected"
to_updated() {	# copy a suite file, its extension created at 1.0 and updated
	sed "s/^\([[:space:]]*\)CREATE EXTENSION crash_analytics;/\1$CREATE_UPDATED/" "$1" >"$2"
	grep -q "ALTER EXTENSION crash_analytics UPDATE" "$2" || {
		rel_not_ok "upgrade: $(basename "$1") creates the extension with \"CREATE EXTENSION crash_analytics;\""
		return 1
	}
}
regress=()
for f in "$CA_ROOT"/sql/*.sql; do
	name=$(basename "$f" .sql)
	case $name in crash_analytics--*) continue ;; esac
	to_updated "$f" "$suite/sql/$name.sql" || continue
	to_updated "$CA_ROOT/expected/$name.out" "$suite/expected/$name.out" || continue
	regress+=("$name")
done
for f in "$CA_ROOT"/test/isolation/specs/*.spec; do
	to_updated "$f" "$suite/specs/$(basename "$f")" || true
done
cp "$CA_ROOT"/test/isolation/expected/*.out "$suite/iso_expected/"
# pgTAP files may include others (\ir ../bench/...): copy test/bench beside
# them, transformed the same way, and check the file that creates the extension
mkdir -p "$suite/bench"
for f in "$CA_ROOT"/test/bench/*.sql; do
	sed "s/^\([[:space:]]*\)CREATE EXTENSION crash_analytics;/\1$CREATE_UPDATED/" "$f" >"$suite/bench/$(basename "$f")"
done
for f in "$CA_ROOT"/test/pgtap/*.sql; do
	inc=$(sed -n 's/^\\ir \.\.\/bench\/\(.*\.sql\)$/\1/p' "$f")
	if [ -n "$inc" ]; then
		cp "$f" "$suite/pgtap/$(basename "$f")"
		grep -q "ALTER EXTENSION crash_analytics UPDATE" "$suite/bench/$inc" ||
			rel_not_ok "upgrade: test/bench/$inc creates the extension with \"CREATE EXTENSION crash_analytics;\""
	else
		to_updated "$f" "$suite/pgtap/$(basename "$f")" || true
	fi
done
chown -R postgres:postgres "$suite"

count_regress() {	# count_regress NAME OUTPUT RC
	local ok bad
	ok=$(grep -cE '^(test |     )?[a-z_0-9]+ +\.\.\. ok|^ok [0-9]+ +[-+] ' "$2" || true)
	bad=$(grep -cE '\.\.\. FAILED|^not ok [0-9]+ +[-+] ' "$2" || true)
	if [ "$3" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
	if [ "$bad" -eq 0 ] && [ "$ok" -gt 0 ]; then
		rel_ok "$1 against updated objects: $ok tests passed"
	else
		rel_not_ok "$1 against updated objects: $ok passed, $bad failed" "$(grep -E 'FAILED|not ok' "$2")" \
			"$(cat "$suite"/out*/regression.diffs 2>/dev/null | head -n 40)"
	fi
	rel_figure "$1 (updated objects): $ok passed, $bad failed"
}
set +e
(cd "$suite" && "$PGXS_DIR/src/test/regress/pg_regress" --inputdir="$suite" --outputdir="$suite/out" \
	--bindir="$CA_PGBIN" --dbname=rel_upgrade_regression "${regress[@]}") >"$REL_WORK/pg_regress.out" 2>&1
rc=$?
set -e
count_regress "pg_regress (${#regress[@]} suites)" "$REL_WORK/pg_regress.out" $rc
iso=()
for f in "$suite"/specs/*.spec; do iso+=("$(basename "$f" .spec)"); done
mkdir -p "$suite/iso/specs" "$suite/iso/expected"
cp "$suite"/specs/*.spec "$suite/iso/specs/"
cp "$suite"/iso_expected/*.out "$suite/iso/expected/"
chown -R postgres:postgres "$suite"
set +e
(cd "$suite" && "$PGXS_DIR/src/test/isolation/pg_isolation_regress" --inputdir="$suite/iso" --outputdir="$suite/out_iso" \
	--bindir="$CA_PGBIN" --dbname=rel_upgrade_isolation "${iso[@]}") >"$REL_WORK/isolation.out" 2>&1
rc=$?
set -e
count_regress "isolation (${#iso[@]} specs)" "$REL_WORK/isolation.out" $rc
rel_createdb rel_upgrade_tap
rel_psql rel_upgrade_tap -c "CREATE EXTENSION pgtap" >/dev/null
set +e
pg_prove -v -h "$CA_SOCKET" -p "$CA_PGPORT" -U postgres -d rel_upgrade_tap --ext .sql "$suite/pgtap/" >"$REL_WORK/pgtap.out" 2>&1
rc=$?
set -e
ok=$(grep -cE '^ok [0-9]+' "$REL_WORK/pgtap.out" || true)
bad=$(grep -cE '^not ok [0-9]+' "$REL_WORK/pgtap.out" || true)
if [ $rc -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
if [ "$bad" -eq 0 ] && [ "$ok" -gt 0 ]; then
	rel_ok "pgTAP ($(ls "$suite"/pgtap/*.sql | wc -l) files) against updated objects: $ok tests passed"
else
	rel_not_ok "pgTAP against updated objects: $ok passed, $bad failed" \
		"$(grep -E '^not ok|Failed|Dubious|ERROR' "$REL_WORK/pgtap.out" | head -n 40)"
fi
rel_figure "pgTAP (updated objects): $ok passed, $bad failed"

# ---------------------------------------------------------------- 4. pg_upgrade
if [ "${CA_REL_PG_UPGRADE:-1}" != 0 ]; then
	ca_say "upgrade: pg_upgrade of a filled cluster (test/reliability/pg_upgrade.sh)"
	set +e
	CA_REL_IN_SUITE=1 bash "$REL_DIR/pg_upgrade.sh" >"$REL_WORK/pg_upgrade.out" 2>&1
	rc=$?
	set -e
	# its checks count as this suite's
	sed 's/^/  pg_upgrade.sh: /' "$REL_WORK/pg_upgrade.out"
	summary=$(grep -E '^reliability pg_upgrade: [0-9]+ passed, [0-9]+ failed' "$REL_WORK/pg_upgrade.out" || true)
	if [ -n "$summary" ]; then
		p=$(sed -E 's/^reliability pg_upgrade: ([0-9]+) passed.*/\1/' <<<"$summary")
		f=$(sed -E 's/^.* ([0-9]+) failed.*/\1/' <<<"$summary")
		rel_passed=$((rel_passed + p))
		rel_failed=$((rel_failed + f))
		rel_figure "pg_upgrade.sh: ${summary#reliability pg_upgrade: }, counted in this suite"
	fi
	if [ $rc -ne 0 ] && [ "${f:-0}" = 0 ]; then
		rel_not_ok "pg_upgrade.sh finishes (exit $rc)" "$(tail -n 20 "$REL_WORK/pg_upgrade.out")"
	fi
fi

rel_finish
