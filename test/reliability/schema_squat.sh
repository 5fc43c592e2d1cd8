#!/usr/bin/env bash
# test/reliability/schema_squat.sh: the attacks that need a database of
# their own or a client session of the attacking role (issue 5, suite 6;
# the rest is test/pgtap/attacks.sql).
#
#   sudo bash test/reliability/schema_squat.sh     # alone: own cluster
#   (run by test/run-tests.sh with CA_REL_IN_SUITE=1 on the suite's cluster)
#
# 1. A squatter (a login role with CREATE on the database) creates the schema
#    crash_analytics in a fresh database, plants functions, operators, an
#    aggregate, a table with a trigger and a view, each of which records its
#    calls in a table of the squatter's, and commits.  CREATE EXTENSION (and
#    the 1.0 version, and CASCADE) fails with 42P06, nothing of it remains,
#    and nothing recorded a call.
# 2. In a database whose public schema the squatter may write to (as in
#    databases created before PostgreSQL 15), it plants the same look-alikes
#    in public, the installer's search_path: CREATE EXTENSION at 1.0, ALTER
#    EXTENSION UPDATE, a workload and the analytics run as the owner with
#    public first in its search_path, and nothing recorded a call; the
#    squatter cannot create anything in crash_analytics.
# 3. Client sessions of each profile: COPY TO and FROM every table (42501
#    except a reader's COPY TO), SET ROLE to another profile (42501), and a
#    per-bot writer logging for a bot it was not granted (42501).
# 4. The installing role's own schema, created before CREATE EXTENSION, is
#    refused (42P06) when it holds anything: an enum, a domain, an operator
#    that the squatter created while it had CREATE there (revoked since), or
#    default privileges; and when it grants anything (CREATE) to another
#    role.  Once the grant is revoked the install works, and the squatter
#    can neither plant crash_analytics.get_bot_statistics(varchar) nor
#    have it run by a superuser's call with a varchar argument.
REL_SUITE=schema_squat
. "$(dirname "$0")/common.sh"
rel_setup

for role in ca_squatter ca_sq_writer ca_sq_reader ca_sq_nobody ca_sq_bot; do
	rel_psql postgres -c "DO \$\$BEGIN CREATE ROLE $role LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END\$\$"
done

# as_role ROLE DB SQL...: a client session of that role; prints the SQLSTATE
# of the first error, or "ok"
as_role() {
	local role=$1 db=$2 out
	shift 2
	if out=$("$CA_PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -U "$role" -d "$db" "$@" 2>&1 </dev/null); then
		echo ok
	else
		printf '%s\n' "$out" | grep -oE '(ERROR|FATAL): +[0-9A-Z]{5}' | head -n 1 | grep -oE '[0-9A-Z]{5}$' || echo "?: $out"
	fi
}

# the traps: SQL that plants, in schema $1, look-alikes that record calls
plant_sql() {
	local s=$1
	cat <<SQL
CREATE TABLE IF NOT EXISTS squat_log.calls (object text NOT NULL, called_by name NOT NULL DEFAULT current_user);
GRANT USAGE ON SCHEMA squat_log TO PUBLIC;
GRANT INSERT ON squat_log.calls TO PUBLIC;
CREATE FUNCTION $s.length(text) RETURNS integer LANGUAGE plpgsql AS \$\$
	BEGIN INSERT INTO squat_log.calls (object) VALUES ('$s.length'); RETURN pg_catalog.length(\$1); END \$\$;
CREATE FUNCTION $s.lower(text) RETURNS text LANGUAGE plpgsql AS \$\$
	BEGIN INSERT INTO squat_log.calls (object) VALUES ('$s.lower'); RETURN pg_catalog.lower(\$1); END \$\$;
CREATE FUNCTION $s.format(text, text) RETURNS text LANGUAGE plpgsql AS \$\$
	BEGIN INSERT INTO squat_log.calls (object) VALUES ('$s.format'); RETURN pg_catalog.format(\$1, \$2); END \$\$;
CREATE FUNCTION $s.now() RETURNS timestamptz LANGUAGE plpgsql AS \$\$
	BEGIN INSERT INTO squat_log.calls (object) VALUES ('$s.now'); RETURN pg_catalog.now(); END \$\$;
CREATE FUNCTION $s.round(numeric, integer) RETURNS numeric LANGUAGE plpgsql AS \$\$
	BEGIN INSERT INTO squat_log.calls (object) VALUES ('$s.round'); RETURN pg_catalog.round(\$1, \$2); END \$\$;
CREATE FUNCTION $s.jsonb_typeof(jsonb) RETURNS text LANGUAGE plpgsql AS \$\$
	BEGIN INSERT INTO squat_log.calls (object) VALUES ('$s.jsonb_typeof'); RETURN pg_catalog.jsonb_typeof(\$1); END \$\$;
CREATE FUNCTION $s.pg_extension_config_dump(regclass, text) RETURNS void LANGUAGE plpgsql AS \$\$
	BEGIN INSERT INTO squat_log.calls (object) VALUES ('$s.pg_extension_config_dump'); END \$\$;
CREATE FUNCTION $s.eq_text(text, text) RETURNS boolean LANGUAGE plpgsql AS \$\$
	BEGIN INSERT INTO squat_log.calls (object) VALUES ('$s.= (text, text)'); RETURN \$1 OPERATOR(pg_catalog.=) \$2; END \$\$;
CREATE OPERATOR $s.= (LEFTARG = text, RIGHTARG = text, FUNCTION = $s.eq_text);
CREATE FUNCTION $s.eq_name(name, name) RETURNS boolean LANGUAGE plpgsql AS \$\$
	BEGIN INSERT INTO squat_log.calls (object) VALUES ('$s.= (name, name)'); RETURN \$1 OPERATOR(pg_catalog.=) \$2; END \$\$;
CREATE OPERATOR $s.= (LEFTARG = name, RIGHTARG = name, FUNCTION = $s.eq_name);
CREATE FUNCTION $s.ne_name(name, name) RETURNS boolean LANGUAGE plpgsql AS \$\$
	BEGIN INSERT INTO squat_log.calls (object) VALUES ('$s.<> (name, name)'); RETURN \$1 OPERATOR(pg_catalog.<>) \$2; END \$\$;
CREATE OPERATOR $s.<> (LEFTARG = name, RIGHTARG = name, FUNCTION = $s.ne_name);
CREATE FUNCTION $s.add_num(numeric, numeric) RETURNS numeric LANGUAGE plpgsql AS \$\$
	BEGIN INSERT INTO squat_log.calls (object) VALUES ('$s.+ (numeric, numeric)'); RETURN \$1 OPERATOR(pg_catalog.+) \$2; END \$\$;
CREATE OPERATOR $s.+ (LEFTARG = numeric, RIGHTARG = numeric, FUNCTION = $s.add_num);
CREATE FUNCTION $s.sum_step(numeric, numeric) RETURNS numeric LANGUAGE plpgsql AS \$\$
	BEGIN INSERT INTO squat_log.calls (object) VALUES ('$s.sum'); RETURN coalesce(\$1, 0) OPERATOR(pg_catalog.+) \$2; END \$\$;
CREATE AGGREGATE $s.sum(numeric) (SFUNC = $s.sum_step, STYPE = numeric);
CREATE TABLE $s.game_platform_config (game_name text, platform_code text);
CREATE FUNCTION $s.squat_trigger() RETURNS trigger LANGUAGE plpgsql AS \$\$
	BEGIN INSERT INTO squat_log.calls (object) VALUES ('$s.game_platform_config trigger'); RETURN NEW; END \$\$;
CREATE TRIGGER squat BEFORE INSERT OR UPDATE OR DELETE ON $s.game_platform_config
	FOR EACH ROW EXECUTE FUNCTION $s.squat_trigger();
CREATE VIEW $s.pg_namespace AS SELECT * FROM pg_catalog.pg_namespace WHERE $s.length('x') OPERATOR(pg_catalog.>) 0;
GRANT ALL ON ALL TABLES IN SCHEMA $s TO PUBLIC;
GRANT ALL ON ALL FUNCTIONS IN SCHEMA $s TO PUBLIC;
GRANT USAGE ON SCHEMA $s TO PUBLIC;
SQL
}

calls_recorded() {	# calls_recorded DB: what the traps recorded, one line each
	rel_psql "$1" -c "SELECT object || ' by ' || called_by FROM squat_log.calls ORDER BY 1" 2>&1 || true
}

# ----------------------------------------------------------------------
# 1. the squatter creates the schema first
# ----------------------------------------------------------------------
db=ca_squat
rel_createdb "$db"
rel_psql "$db" -c "GRANT CREATE ON DATABASE $db TO ca_squatter"
rel_is "squatter: creates the schema crash_analytics and plants its traps (committed)" \
	"$(as_role ca_squatter "$db" -c "CREATE SCHEMA squat_log" -c "CREATE SCHEMA crash_analytics" -c "$(plant_sql crash_analytics)")" ok
rel_psql "$db" -c "TRUNCATE squat_log.calls"
for how in "CREATE EXTENSION crash_analytics" "CREATE EXTENSION crash_analytics VERSION '1.0'" \
	"CREATE EXTENSION crash_analytics CASCADE" "CREATE EXTENSION crash_analytics SCHEMA crash_analytics"; do
	rel_is "squatter: '$how' fails (42P06)" "$(as_role postgres "$db" -c "$how")" 42P06
done
rel_empty "squatter: none of its traps ran" "$(calls_recorded "$db")"
rel_is "squatter: no extension, and only its own objects in the schema" \
	"$(rel_psql "$db" -c "SELECT (SELECT count(*) FROM pg_extension WHERE extname = 'crash_analytics') || '/' ||
		(SELECT count(*) FROM pg_class WHERE relnamespace = 'crash_analytics'::regnamespace AND relowner <> 'ca_squatter'::regrole) || '/' ||
		(SELECT count(*) FROM pg_proc WHERE pronamespace = 'crash_analytics'::regnamespace AND proowner <> 'ca_squatter'::regrole)")" "0/0/0"
# the operator's way out: drop the schema, then install
rel_psql "$db" -c "DROP SCHEMA crash_analytics CASCADE" -c "CREATE EXTENSION crash_analytics" >/dev/null 2>&1
rel_is "squatter: after the schema is dropped, CREATE EXTENSION works and the schema is the owner's" \
	"$(rel_psql "$db" -c "SELECT nspowner::regrole FROM pg_namespace WHERE nspname = 'crash_analytics'")" postgres
rel_is "squatter: cannot create anything in the installed schema (42501)" \
	"$(as_role ca_squatter "$db" -c "CREATE FUNCTION crash_analytics.length(text) RETURNS int LANGUAGE sql AS 'SELECT 0'")" 42501
rel_empty "squatter: still none of its traps ran" "$(calls_recorded "$db")"

# ----------------------------------------------------------------------
# 2. look-alikes in public, first in the installer's search_path
# ----------------------------------------------------------------------
db=ca_squat_public
rel_createdb "$db"
rel_psql "$db" -c "GRANT CREATE ON DATABASE $db TO ca_squatter" -c "GRANT CREATE ON SCHEMA public TO PUBLIC"
rel_is "public: the squatter plants its traps in public" \
	"$(as_role ca_squatter "$db" -c "CREATE SCHEMA squat_log" -c "$(plant_sql public)")" ok
# control: the traps do run when SQL resolves to them
rel_psql "$db" -c "SET search_path = public, pg_catalog" -c "SELECT length('x'), 'a'::text = 'b', sum(1.0)" >/dev/null
rel_is "public: the traps record a call when the caller's own SQL resolves to them" \
	"$(calls_recorded "$db" | tr '\n' ',')" "public.= (text, text) by postgres,public.length by postgres,public.sum by postgres,"
rel_psql "$db" -c "TRUNCATE squat_log.calls"
out=$(rel_psql "$db" 2>&1 <<'SQL' || true
SET search_path = public, pg_catalog;
CREATE EXTENSION crash_analytics VERSION '1.0';
ALTER EXTENSION crash_analytics UPDATE;
SELECT crash_analytics.register_game_platform('spaceman', 'stake', 0.965, currency => 'USDT', currency_decimals => 6);
SELECT crash_analytics.register_bot('b1', strategy_name => 'flat', signal_rules => '[{"rule": "high_after", "above": 2.00, "target": 1.50}]');
SELECT crash_analytics.start_session('b1', 's1', 'aviator', 'dafabet', balance_start => 100.00);
SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', n, 1.00, (n + 1)::numeric, 1.50,
		round_started_at => timestamptz '2026-03-01 00:00:00+00' + n * interval '10 minutes') FROM generate_series(1, 12) n;
SELECT crash_analytics.log_crash_rounds('[{"bot_id": "b1", "session_id": "s1", "game_name": "aviator", "platform_code": "dafabet", "round_number": 13, "crash_multiplier": 2.00}]');
INSERT INTO crash_analytics.crash_game_rounds (bot_id, session_id, game_name, platform_code, round_number, stake_value, crash_multiplier)
VALUES ('b1', 's1', 'aviator', 'dafabet', 14, 1.00, 3.00);
SELECT crash_analytics.log_round_signal('b1', 's1', 'aviator', 'dafabet', 'model', 2.00);
SELECT crash_analytics.log_round_multiplier_analytics('b1', 'w1', 'aviator', 'dafabet', 1, 2.00);
SELECT crash_analytics.log_error('b1', 'network', 'timeout');
SELECT crash_analytics.log_ocr_validation('b1', '2.00x', 2.00);
SELECT crash_analytics.end_session('b1', 's1');
SELECT crash_analytics.refresh_analytics();
SELECT count(*) FROM crash_analytics.get_bot_statistics('b1');
SELECT count(*) FROM crash_analytics.get_game_statistics('aviator');
SELECT count(*) FROM crash_analytics.get_multiplier_distribution('aviator');
SELECT count(*) FROM crash_analytics.get_signal_effectiveness();
SELECT count(*) FROM crash_analytics.export_rounds_to_json('b1');
SELECT count(*) FROM crash_analytics.verify_consistency() WHERE ok;
SELECT crash_analytics.purge_rounds_before('2026-03-01 01:00:00+00', false) IS NOT NULL;
SELECT 'done';
SQL
)
rel_is "public: install at 1.0, update, log through every path, analytics and purge as the owner with public first" \
	"$(printf '%s\n' "$out" | tail -n 1)" done
rel_empty "public: none of the traps in public ran" "$(calls_recorded "$db")"
rel_is "public: the squatter cannot create anything in crash_analytics (42501)" \
	"$(as_role ca_squatter "$db" -c "CREATE TABLE crash_analytics.planted (x int)")" 42501

# ----------------------------------------------------------------------
# 3. client sessions of each profile
# ----------------------------------------------------------------------
db=ca_squat_public
rel_psql "$db" -c "SELECT crash_analytics.grant_writer('ca_sq_writer')" \
	-c "SELECT crash_analytics.grant_reader('ca_sq_reader')" \
	-c "SELECT crash_analytics.grant_writer('ca_sq_bot')" \
	-c "SELECT crash_analytics.grant_bot_writer('ca_sq_bot', 'bot_a')" >/dev/null
tables=$(rel_psql "$db" -c "SELECT c.oid::regclass FROM pg_class c WHERE c.relnamespace = 'crash_analytics'::regnamespace AND c.relkind = 'r' ORDER BY 1")
ntables=$(printf '%s\n' "$tables" | wc -l)
for role in ca_sq_writer ca_sq_reader ca_sq_nobody ca_sq_bot; do
	for dir in "TO STDOUT" "FROM STDIN"; do
		want=42501
		[ "$role" = ca_sq_reader ] && [ "$dir" = "TO STDOUT" ] && want=ok
		bad=""
		for t in $tables; do
			got=$(as_role "$role" "$db" -c "COPY $t $dir")
			[ "$got" = "$want" ] || bad+="COPY $t $dir: $got"$'\n'
		done
		rel_empty "client COPY: $role, COPY ... $dir on each of the $ntables tables gives $want" "$bad"
	done
done
rel_is "client session: a writer cannot SET ROLE to the reader (42501)" "$(as_role ca_sq_writer "$db" -c "SET ROLE ca_sq_reader")" 42501
rel_is "client session: a per-bot writer cannot SET ROLE to an unrestricted writer (42501)" \
	"$(as_role ca_sq_bot "$db" -c "SET ROLE ca_sq_writer")" 42501
rel_is "client session: a per-bot writer logs for its bot" \
	"$(as_role ca_sq_bot "$db" -c "SELECT crash_analytics.log_crash_round('bot_a', 's1', 'aviator', 'dafabet', 1, 1.00, 2.00, 1.50)")" ok
rel_is "client session: a per-bot writer cannot log for another bot (42501)" \
	"$(as_role ca_sq_bot "$db" -c "SELECT crash_analytics.log_crash_round('bot_b', 's1', 'aviator', 'dafabet', 1, 1.00, 2.00, 1.50)")" 42501
rel_is "client session: a per-bot writer cannot log for another bot in a batch (42501)" \
	"$(as_role ca_sq_bot "$db" -c "SELECT crash_analytics.log_crash_rounds('[{\"bot_id\": \"bot_b\", \"session_id\": \"s1\", \"game_name\": \"aviator\", \"platform_code\": \"dafabet\", \"round_number\": 1, \"crash_multiplier\": 2.00}]')")" 42501
rel_is "client session: a role with no profile cannot use the analytics (42501)" \
	"$(as_role ca_sq_nobody "$db" -c "SELECT crash_analytics.get_bot_statistics('b1')")" 42501
rel_empty "public: none of the traps ran during the client sessions either" "$(calls_recorded "$db")"

# ----------------------------------------------------------------------
# 4. the installing role's own schema, prepared with others' objects or grants
# ----------------------------------------------------------------------
db=ca_squat_owned
rel_createdb "$db"
rel_psql "$db" -c "GRANT CREATE ON DATABASE $db TO ca_squatter"
rel_is "owned schema: the squatter creates its recorder" \
	"$(as_role ca_squatter "$db" -c "CREATE SCHEMA squat_log" \
		-c "CREATE TABLE squat_log.calls (object text NOT NULL, called_by name NOT NULL DEFAULT current_user)" \
		-c "GRANT USAGE ON SCHEMA squat_log TO PUBLIC" -c "GRANT INSERT ON squat_log.calls TO PUBLIC" \
		-c "CREATE FUNCTION squat_log.rec(o text) RETURNS boolean LANGUAGE plpgsql AS \$\$BEGIN INSERT INTO squat_log.calls (object) VALUES (o); RETURN true; END\$\$")" ok
declare -A planted=(
	[enum]="CREATE TYPE crash_analytics.round_outcome AS ENUM ('WIN', 'LOSS')"
	[domain]="CREATE DOMAIN crash_analytics.multiplier AS numeric CHECK (squat_log.rec('crash_analytics.multiplier domain check'))"
	[operator]="CREATE OPERATOR crash_analytics.= (LEFTARG = text, RIGHTARG = text, FUNCTION = pg_catalog.texteq)"
)
for kind in enum domain operator; do
	rel_psql "$db" -c "DROP SCHEMA IF EXISTS crash_analytics CASCADE" -c "CREATE SCHEMA crash_analytics" \
		-c "GRANT USAGE, CREATE ON SCHEMA crash_analytics TO ca_squatter" >/dev/null 2>&1
	rel_is "owned schema: while it holds CREATE there, the squatter creates a type, domain or operator ($kind)" \
		"$(as_role ca_squatter "$db" -c "${planted[$kind]}")" ok
	rel_psql "$db" -c "REVOKE ALL ON SCHEMA crash_analytics FROM ca_squatter"
	rel_is "owned schema with the squatter's $kind (its grant revoked): CREATE EXTENSION fails (42P06)" \
		"$(as_role postgres "$db" -c "CREATE EXTENSION crash_analytics")" 42P06
	rel_is "owned schema with the squatter's $kind: no extension, the $kind still the only object" \
		"$(rel_psql "$db" -c "SELECT (SELECT count(*) FROM pg_extension WHERE extname = 'crash_analytics') || '/' ||
			(SELECT count(*) FROM pg_depend WHERE refclassid = 'pg_namespace'::regclass
			   AND refobjid = 'crash_analytics'::regnamespace)")" "0/1"
done
rel_psql "$db" -c "DROP SCHEMA crash_analytics CASCADE" -c "CREATE SCHEMA crash_analytics" \
	-c "ALTER DEFAULT PRIVILEGES IN SCHEMA crash_analytics GRANT EXECUTE ON FUNCTIONS TO ca_squatter" >/dev/null 2>&1
rel_is "owned schema with default privileges for the squatter on its functions: CREATE EXTENSION fails (42P06)" \
	"$(as_role postgres "$db" -c "CREATE EXTENSION crash_analytics")" 42P06
rel_psql "$db" -c "ALTER DEFAULT PRIVILEGES IN SCHEMA crash_analytics REVOKE EXECUTE ON FUNCTIONS FROM ca_squatter" \
	-c "GRANT CREATE ON SCHEMA crash_analytics TO ca_squatter"
rel_is "owned empty schema granting CREATE to the squatter: CREATE EXTENSION fails (42P06)" \
	"$(as_role postgres "$db" -c "CREATE EXTENSION crash_analytics")" 42P06
rel_is "owned empty schema granting CREATE: the error names the grant" \
	"$(rel_psql "$db" -v VERBOSITY=default -c "CREATE EXTENSION crash_analytics" 2>&1 | grep -E '^(psql:[^ ]* )?(ERROR|DETAIL):' | sed -E 's/^psql:[^ ]* //')" \
	"ERROR:  schema \"crash_analytics\" grants privileges to roles other than its owner
DETAIL:  It grants CREATE to ca_squatter."
rel_psql "$db" -c "REVOKE ALL ON SCHEMA crash_analytics FROM ca_squatter" -c "CREATE EXTENSION crash_analytics" \
	-c "SELECT crash_analytics.log_crash_round('b1', 's1', 'aviator', 'dafabet', 1, 1.00, 2.00, 1.50)" >/dev/null
rel_is "owned schema, grant revoked: CREATE EXTENSION works and the squatter holds nothing on the schema" \
	"$(rel_psql "$db" -c "SELECT (SELECT count(*) FROM pg_extension WHERE extname = 'crash_analytics') || '/' ||
		has_schema_privilege('ca_squatter', 'crash_analytics', 'CREATE') || '/' ||
		has_schema_privilege('ca_squatter', 'crash_analytics', 'USAGE')")" "1/false/false"
rel_is "owned schema: the squatter cannot plant crash_analytics.get_bot_statistics(varchar) (42501)" \
	"$(as_role ca_squatter "$db" -c "CREATE FUNCTION crash_analytics.get_bot_statistics(varchar) RETURNS TABLE (total_rounds bigint)
		LANGUAGE sql AS \$\$SELECT 0::bigint WHERE squat_log.rec('crash_analytics.get_bot_statistics(varchar)')\$\$")" 42501
rel_is "owned schema: a superuser's get_bot_statistics with a varchar argument runs the extension's function" \
	"$(rel_psql "$db" -c "SELECT total_rounds FROM crash_analytics.get_bot_statistics('b1'::varchar)")" 1
rel_empty "owned schema: none of the squatter's objects ran" "$(calls_recorded "$db")"

rel_finish
