#!/usr/bin/env bash
# test/reliability/upgrade.sh: suite 5, upgrades.
#
#   1. A database installed at 1.0 (CREATE EXTENSION crash_analytics VERSION
#      '1.0'), filled by fill.sql, with the writer and reader profiles
#      granted, then ALTER EXTENSION crash_analytics UPDATE: its data is
#      unchanged (every table, row by row, and every sequence), the
#      verify_consistency() checks pass, and logging goes on.
#   2. Its catalog (catalog.sql: tables, columns, defaults, constraints,
#      indexes, sequences, views, functions with their volatility, security,
#      proconfig and source, privileges, initial privileges, triggers,
#      policies, comments, the config-dump list by name, member objects) is
#      that of a fresh 1.1 install given the same fill and grants -- and,
#      without fill nor grants, that of an empty fresh 1.1 install.
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

rel_psql postgres >/dev/null <<'SQL'
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rel_fleet') THEN CREATE ROLE rel_fleet LOGIN; END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rel_analyst') THEN CREATE ROLE rel_analyst LOGIN; END IF;
END
$$;
SQL
GRANTS="SELECT crash_analytics.grant_writer('rel_fleet'); SELECT crash_analytics.grant_reader('rel_analyst');"

# ---------------------------------------------------------------- 1. data
ca_say "upgrade: install 1.0, fill, ALTER EXTENSION UPDATE"
rel_createdb $OLD
rel_psql $OLD -c "CREATE EXTENSION crash_analytics VERSION '1.0'" >/dev/null
rel_is "installed at 1.0" "$(rel_psql $OLD -c "SELECT extversion FROM pg_extension WHERE extname = 'crash_analytics'")" "1.0"
rel_psql $OLD -f "$REL_DIR/fill.sql" -c "$GRANTS" >/dev/null
rel_check_consistency $OLD "1.0, filled"
rel_snapshot $OLD "$REL_WORK/snap.before"
set +e
out=$(rel_psql $OLD -c "ALTER EXTENSION crash_analytics UPDATE" 2>&1)
rc=$?
set -e
rel_is "ALTER EXTENSION crash_analytics UPDATE succeeds" "$rc $out" "0 "
rel_is "updated to the default version $default" \
	"$(rel_psql $OLD -c "SELECT extversion FROM pg_extension WHERE extname = 'crash_analytics'")" "$default"
# the documented step after an update (README, "Upgrading"): the update grants
# nothing by itself, so the operator re-runs the profile grants, which give
# the roles the functions the new version added
rel_psql $OLD -c "$GRANTS" >/dev/null
rel_snapshot $OLD "$REL_WORK/snap.after"
rel_compare_snapshots "data kept by the update" "$REL_WORK/snap.before" "$REL_WORK/snap.after"
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
rel_psql $NEW -c "CREATE EXTENSION crash_analytics" -f "$REL_DIR/fill.sql" -c "$GRANTS" >/dev/null
rel_catalog $OLD "$REL_WORK/catalog.updated"
rel_catalog $NEW "$REL_WORK/catalog.fresh"
rel_compare_catalogs "filled and granted, updated vs fresh" "$REL_WORK/catalog.updated" "$REL_WORK/catalog.fresh"
rel_figure "catalog: $(wc -l <"$REL_WORK/catalog.fresh") facts compared (filled databases with the profiles granted)"
# the same without data nor grants: what the scripts alone make
rel_createdb rel_up10_empty
rel_createdb rel_up11_empty
rel_psql rel_up10_empty -c "CREATE EXTENSION crash_analytics VERSION '1.0'" -c "ALTER EXTENSION crash_analytics UPDATE" >/dev/null
rel_psql rel_up11_empty -c "CREATE EXTENSION crash_analytics" >/dev/null
rel_catalog rel_up10_empty "$REL_WORK/catalog.updated.empty"
rel_catalog rel_up11_empty "$REL_WORK/catalog.fresh.empty"
rel_empty "empty, updated vs fresh: the whole catalog is the same ($(wc -l <"$REL_WORK/catalog.fresh.empty") facts)" \
	"$(diff "$REL_WORK/catalog.updated.empty" "$REL_WORK/catalog.fresh.empty" || true)"

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
