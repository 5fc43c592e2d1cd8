-- Attacks (issue 5, suite 6).  What a hostile role can do to the extension,
-- and what it must not get:
--   1. a role that creates the crash_analytics schema first, and plants
--      functions, operators, aggregates, a table and a trigger in it, makes
--      CREATE EXTENSION fail, and none of its objects ever runs;
--   2. a writer and a reader that plant look-alike functions, operators and
--      aggregates in their own schema, temp views named like our tables, and
--      put all that first in their search_path: every logging function and
--      every analytics function still does exactly what it does for a role
--      with a clean search_path, and none of the planted objects runs;
--   3. a writer cannot read (tables, views, sequences, the analytics) nor
--      write any table directly; a reader cannot write (tables, sequences,
--      every logging and maintenance function); a role with no profile, with
--      or without USAGE on the schema, can do nothing at all; nobody but the
--      owner can create objects in the schema;
--   4. a writer restricted to its own bots (per-bot writer roles, version
--      1.1) cannot log for another bot through any logging function or a
--      batch, cannot learn another bot's rows from an error, cannot grant
--      itself more;
--   5. an unrestricted writer (it may log for any bot) that sends
--      conflicting retries and other calls meeting another bot's rows
--      learns none of their stored values from the errors, which name only
--      what the call sent;
--   6. a writer and a reader that plant temp tables named like every table
--      and view of the extension (pg_temp comes first in a search_path that
--      does not name it) and put pg_temp first: the logging and analytics
--      functions neither read a row from them nor write one to them, and
--      give what they give with a clean search_path.
-- Planted objects record each call in atk_log.calls; the checks read it.
-- Client COPY and a squatter in a database of its own are in
-- test/reliability/schema_squat.sh.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SET LOCAL client_min_messages = warning;
SELECT plan(100);

-- ======================================================================
-- 0. The recorder, and roles
-- ======================================================================
CREATE SCHEMA atk_log;
CREATE TABLE atk_log.calls (object text NOT NULL, called_by name NOT NULL DEFAULT current_user);
GRANT USAGE ON SCHEMA atk_log TO PUBLIC;
GRANT INSERT, SELECT ON atk_log.calls TO PUBLIC;

CREATE ROLE atk_squatter;
CREATE ROLE atk_writer;
CREATE ROLE atk_reader;
CREATE ROLE atk_nobody;
CREATE ROLE atk_usage;
CREATE ROLE atk_bot_writer;
DO $$BEGIN
	EXECUTE format('GRANT CREATE ON DATABASE %I TO atk_squatter, atk_writer, atk_reader', current_database());
END$$;

-- pg_temp.plant(schema, owner): in a new schema of that owner, functions,
-- aggregates and operators that shadow the built-in ones used by SQL code,
-- each recording its call before doing what the built-in does.
CREATE FUNCTION pg_temp.plant(s text, r text) RETURNS void LANGUAGE plpgsql AS $plant$
DECLARE
	f record;
	o record;
BEGIN
	EXECUTE format('SET LOCAL ROLE %I', r);
	EXECUTE format('CREATE SCHEMA %I', s);
	FOR f IN SELECT * FROM (VALUES
		('length', 'text', 'integer', 'pg_catalog.length($1)'),
		('lower', 'text', 'text', 'pg_catalog.lower($1)'),
		('upper', 'text', 'text', 'pg_catalog.upper($1)'),
		('btrim', 'text', 'text', 'pg_catalog.btrim($1)'),
		('format', 'text, text', 'text', 'pg_catalog.format($1, $2)'),
		('now', '', 'timestamptz', 'pg_catalog.now()'),
		('round', 'numeric, integer', 'numeric', 'pg_catalog.round($1, $2)'),
		('round', 'numeric', 'numeric', 'pg_catalog.round($1)'),
		('abs', 'numeric', 'numeric', 'pg_catalog.abs($1)'),
		('sqrt', 'numeric', 'numeric', 'pg_catalog.sqrt($1)'),
		('ln', 'numeric', 'numeric', 'pg_catalog.ln($1)'),
		('power', 'numeric, numeric', 'numeric', 'pg_catalog.power($1, $2)'),
		('date_trunc', 'text, timestamptz', 'timestamptz', 'pg_catalog.date_trunc($1, $2)'),
		('date_part', 'text, timestamptz', 'double precision', 'pg_catalog.date_part($1, $2)'),
		('jsonb_typeof', 'jsonb', 'text', 'pg_catalog.jsonb_typeof($1)'),
		('cardinality', 'anyarray', 'integer', 'pg_catalog.cardinality($1)'),
		('array_length', 'anyarray, integer', 'integer', 'pg_catalog.array_length($1, $2)'),
		('left', 'text, integer', 'text', 'pg_catalog."left"($1, $2)'),
		('md5', 'text', 'text', 'pg_catalog.md5($1)'),
		('to_jsonb', 'anyelement', 'jsonb', 'pg_catalog.to_jsonb($1)'),
		('nextval', 'regclass', 'bigint', 'pg_catalog.nextval($1)'),
		('current_setting', 'text', 'text', 'pg_catalog.current_setting($1)'),
		('has_table_privilege', 'text, text', 'boolean', 'pg_catalog.has_table_privilege($1, $2)'),
		('pg_has_role', 'name, text', 'boolean', 'pg_catalog.pg_has_role($1, $2)')) AS v(name, args, ret, body)
	LOOP
		EXECUTE format($f$CREATE FUNCTION %I.%I(%s) RETURNS %s LANGUAGE plpgsql AS $b$
			BEGIN
				INSERT INTO atk_log.calls (object) VALUES (%L);
				RETURN %s;
			END $b$$f$, s, f.name, f.args, f.ret, s || '.' || f.name || '(' || f.args || ')', f.body);
	END LOOP;
	-- aggregates: the state function records
	EXECUTE format($f$CREATE FUNCTION %I.sum_step(numeric, numeric) RETURNS numeric LANGUAGE plpgsql AS $b$
		BEGIN INSERT INTO atk_log.calls (object) VALUES (%L); RETURN coalesce($1, 0) OPERATOR(pg_catalog.+) $2; END $b$$f$,
		s, s || '.sum(numeric)');
	EXECUTE format('CREATE AGGREGATE %I.sum(numeric) (SFUNC = %I.sum_step, STYPE = numeric)', s, s);
	EXECUTE format($f$CREATE FUNCTION %I.count_step(bigint) RETURNS bigint LANGUAGE plpgsql AS $b$
		BEGIN INSERT INTO atk_log.calls (object) VALUES (%L); RETURN $1 OPERATOR(pg_catalog.+) 1; END $b$$f$,
		s, s || '.count(*)');
	EXECUTE format('CREATE AGGREGATE %I.count(*) (SFUNC = %I.count_step, STYPE = bigint, INITCOND = 0)', s, s);
	EXECUTE format($f$CREATE FUNCTION %I.max_step(numeric, numeric) RETURNS numeric LANGUAGE plpgsql AS $b$
		BEGIN INSERT INTO atk_log.calls (object) VALUES (%L); RETURN pg_catalog.numeric_larger(coalesce($1, $2), $2); END $b$$f$,
		s, s || '.max(numeric)');
	EXECUTE format('CREATE AGGREGATE %I.max(numeric) (SFUNC = %I.max_step, STYPE = numeric)', s, s);
	-- operators on the types our code compares and computes with
	FOR o IN SELECT * FROM (VALUES
		('=', 'text', 'text', 'boolean'), ('<>', 'text', 'text', 'boolean'), ('||', 'text', 'text', 'text'),
		('~', 'text', 'text', 'boolean'), ('<', 'text', 'text', 'boolean'),
		('=', 'numeric', 'numeric', 'boolean'), ('<', 'numeric', 'numeric', 'boolean'),
		('>', 'numeric', 'numeric', 'boolean'), ('<=', 'numeric', 'numeric', 'boolean'),
		('>=', 'numeric', 'numeric', 'boolean'), ('+', 'numeric', 'numeric', 'numeric'),
		('-', 'numeric', 'numeric', 'numeric'), ('*', 'numeric', 'numeric', 'numeric'),
		('/', 'numeric', 'numeric', 'numeric'),
		('=', 'bigint', 'bigint', 'boolean'), ('+', 'bigint', 'bigint', 'bigint'), ('<', 'bigint', 'bigint', 'boolean'),
		('=', 'integer', 'integer', 'boolean'),
		('=', 'timestamptz', 'timestamptz', 'boolean'), ('<', 'timestamptz', 'timestamptz', 'boolean'),
		('>=', 'timestamptz', 'timestamptz', 'boolean'),
		('->', 'jsonb', 'text', 'jsonb'), ('->>', 'jsonb', 'text', 'text'), ('@>', 'jsonb', 'jsonb', 'boolean'),
		('=', 'name', 'name', 'boolean'), ('=', 'oid', 'oid', 'boolean')) AS v(op, l, rt, ret)
	LOOP
		EXECUTE format($f$CREATE FUNCTION %I.%I(%s, %s) RETURNS %s LANGUAGE plpgsql AS $b$
			BEGIN
				INSERT INTO atk_log.calls (object) VALUES (%L);
				RETURN $1 OPERATOR(pg_catalog.%s) $2;
			END $b$$f$, s, 'op_' || md5(o.op || o.l || o.rt), o.l, o.rt, o.ret,
			s || '.' || o.op || '(' || o.l || ', ' || o.rt || ')', o.op);
		EXECUTE format('CREATE OPERATOR %I.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = %I.%I)',
					   s, o.op, o.l, o.rt, s, 'op_' || md5(o.op || o.l || o.rt));
	END LOOP;
	EXECUTE format('GRANT USAGE ON SCHEMA %I TO PUBLIC', s);
	RESET ROLE;
END
$plant$;

-- ======================================================================
-- 1. A squatter creates the schema first
-- ======================================================================
SELECT pg_temp.plant('crash_analytics', 'atk_squatter');
SET ROLE atk_squatter;
-- a table named like ours, with a trigger that records, and a row
CREATE TABLE crash_analytics.game_platform_config (game_name text, platform_code text);
CREATE FUNCTION crash_analytics.squat_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO atk_log.calls (object) VALUES ('crash_analytics.game_platform_config trigger'); RETURN NEW; END $$;
CREATE TRIGGER squat BEFORE INSERT OR UPDATE OR DELETE ON crash_analytics.game_platform_config
	FOR EACH ROW EXECUTE FUNCTION crash_analytics.squat_trigger();
INSERT INTO crash_analytics.game_platform_config VALUES ('aviator', 'squat');
-- functions with our names and signatures
CREATE FUNCTION crash_analytics.log_crash_round(text, text, text, text, bigint) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN INSERT INTO atk_log.calls (object) VALUES ('crash_analytics.log_crash_round (squatter''s)'); RETURN 0; END $$;
GRANT ALL ON ALL TABLES IN SCHEMA crash_analytics TO PUBLIC;
GRANT ALL ON ALL FUNCTIONS IN SCHEMA crash_analytics TO PUBLIC;
RESET ROLE;
TRUNCATE atk_log.calls;

SELECT throws_ok('CREATE EXTENSION crash_analytics', '42P06',
				 'schema "crash_analytics" already exists and is owned by role "atk_squatter"',
				 'squatter: CREATE EXTENSION refuses a crash_analytics schema owned by another role');
SELECT is((SELECT string_agg(DISTINCT object, ', ') FROM atk_log.calls), NULL,
		  'squatter: none of its functions, operators, aggregates or triggers ran during CREATE EXTENSION');
SELECT ok(NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'crash_analytics'),
		  'squatter: the extension was not created');
SELECT is((SELECT count(*)::int FROM pg_class c WHERE c.relnamespace = 'crash_analytics'::regnamespace
			 AND c.relowner <> 'atk_squatter'::regrole)
		  + (SELECT count(*)::int FROM pg_proc p WHERE p.pronamespace = 'crash_analytics'::regnamespace
			   AND p.proowner <> 'atk_squatter'::regrole), 0,
		  'squatter: nothing of ours was left in its schema');
-- other ways to prepare the schema
SET ROLE atk_squatter;
DROP SCHEMA crash_analytics CASCADE;
CREATE SCHEMA crash_analytics;
RESET ROLE;
SELECT throws_ok('CREATE EXTENSION crash_analytics', '42P06', NULL,
				 'squatter: an empty schema owned by another role is refused too');
SET ROLE atk_squatter;
DROP SCHEMA crash_analytics;
RESET ROLE;
CREATE SCHEMA crash_analytics;
GRANT CREATE ON SCHEMA crash_analytics TO atk_squatter;
SET ROLE atk_squatter;
CREATE FUNCTION crash_analytics.length(text) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN INSERT INTO atk_log.calls (object) VALUES ('crash_analytics.length (planted in the owner''s schema)'); RETURN 0; END $$;
RESET ROLE;
SELECT throws_ok('CREATE EXTENSION crash_analytics', '42P06', 'schema "crash_analytics" is not empty',
				 'squatter: a schema of the installing role with a planted function is refused');
SELECT is((SELECT string_agg(DISTINCT object, ', ') FROM atk_log.calls), NULL,
		  'squatter: and the planted function did not run');
DROP SCHEMA crash_analytics CASCADE;

-- ======================================================================
-- 2. Look-alikes in the caller's search_path
-- ======================================================================
CREATE EXTENSION crash_analytics;
SELECT crash_analytics.grant_writer('atk_writer');
SELECT crash_analytics.grant_reader('atk_reader');
SELECT crash_analytics.grant_writer('atk_bot_writer');
SELECT crash_analytics.grant_bot_writer('atk_bot_writer', 'bot_a');
GRANT USAGE ON SCHEMA crash_analytics TO atk_usage;
SELECT pg_temp.plant('atk_w', 'atk_writer');
SELECT pg_temp.plant('atk_r', 'atk_reader');

-- temp views named like our tables (reading them records; writing them too)
CREATE FUNCTION pg_temp.trap(what text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN INSERT INTO atk_log.calls (object) VALUES (what); RETURN true; END $$;
CREATE FUNCTION pg_temp.trap_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO atk_log.calls (object) VALUES ('pg_temp.' || TG_TABLE_NAME || ' written'); RETURN NULL; END $$;
DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['game_platform_config', 'bot_vm_registration', 'crash_game_rounds',
		'analytics_round_multipliers', 'analytics_round_signals', 'analytics_round_outcomes', 'ocr_validation_logs',
		'error_logs', 'session_logs', 'bot_rollups', 'bot_hourly_rollups', 'bot_daily_rollups', 'bot_series_state', 'bot_writers',
		'writer_functions', 'reader_functions'] LOOP
		EXECUTE format('CREATE TEMP VIEW %I AS SELECT %L::text AS bot_id FROM (SELECT pg_temp.trap(%L)) x',
					   t, 'planted', 'pg_temp.' || t || ' read');
		EXECUTE format('CREATE TRIGGER w INSTEAD OF INSERT OR UPDATE OR DELETE ON pg_temp.%I
						FOR EACH ROW EXECUTE FUNCTION pg_temp.trap_write()', t);
		EXECUTE format('GRANT ALL ON pg_temp.%I TO PUBLIC', t);
	END LOOP;
END$$;

-- the same logging calls for a bot, with whatever search_path is set; only
-- qualified names and no operator, so that the calls are all that runs
CREATE FUNCTION pg_temp.writer_calls(b text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	errors text;
	st text;
BEGIN
	PERFORM crash_analytics.register_bot(b, bot_name => 'look-alike target', strategy_name => 'flat_1.5x',
		initial_balance => 100.00, signal_rules => '[{"rule": "high_after", "above": 2.00, "target": 1.50}]',
		metadata => '{"k": "v"}');
	PERFORM crash_analytics.start_session(b, 's1', 'aviator', 'dafabet', balance_start => 100.00,
		started_at => '2026-03-01 00:00:00+00', metadata => '{"vm": 1}');
	PERFORM crash_analytics.log_crash_round(b, 's1', 'Aviator', 'dafabet', 1, 10.00, 2.45, 1.33, 'win', 3.30,
		100.00, 103.30, round_started_at => '2026-03-01 00:00:01+00', round_ended_at => '2026-03-01 00:00:09+00',
		ocr_raw_text => '2.45x', ocr_confidence => 0.97, metadata => '{"a": 1}', tags => '{x,y}');
	PERFORM crash_analytics.log_crash_round(b, 's1', 'aviator', 'dafabet', 2, 0, 1.10, round_outcome => 'SKIP',
		round_started_at => '2026-03-01 00:00:20+00');
	PERFORM crash_analytics.log_crash_rounds(pg_catalog.jsonb_build_array(
		pg_catalog.jsonb_build_object('bot_id', b, 'session_id', 's1', 'game_name', 'aviator',
			'platform_code', 'dafabet', 'round_number', 3, 'stake_value', 5.00, 'crash_multiplier', 1.20,
			'target_multiplier', 1.50, 'round_started_at', '2026-03-01 00:00:40+00'),
		pg_catalog.jsonb_build_object('bot_id', b, 'session_id', 's1', 'game_name', 'aviator',
			'platform_code', 'dafabet', 'round_number', 4, 'stake_value', '5.00', 'crash_multiplier', 7.31,
			'cashout_multiplier', 2.00, 'round_outcome', 'WIN', 'round_started_at', '2026-03-01 00:01:00+00')));
	PERFORM crash_analytics.log_round_outcome(b, 's1', 'aviator', 'dafabet', 1, 10.00, 2.45, 1.33, 'WIN', 3.30);
	PERFORM crash_analytics.log_round_multiplier_analytics(b, 'w1', 'aviator', 'dafabet', 1, 3.00,
		observed_at => '2026-03-01 00:02:00+00');
	PERFORM crash_analytics.log_round_signal(b, 's1', 'aviator', 'dafabet', 'model', 2.00, 0.5, 'xgb', 'LLH',
		'[1, 2]', 4);
	PERFORM crash_analytics.log_crash_round(b, 's1', 'aviator', 'dafabet', 5, 5.00, 1.20, 1.50,
		round_started_at => '2026-03-01 00:03:00+00');
	PERFORM crash_analytics.log_error(b, 'network', 'timeout', 's1', 'trace', 'retry', 'Warning', 2, '{"c": 1}',
		'2026-03-01 00:04:00+00');
	PERFORM crash_analytics.log_ocr_validation(b, '2.45x', 2.45, 0.9, true, 's1', 'aviator', 'dafabet', 1);
	PERFORM crash_analytics.end_session(b, 's1', 'completed', '2026-03-01 01:00:00+00', 'done');
	-- and the errors they give
	BEGIN
		PERFORM crash_analytics.log_crash_round(b, 's2', 'aviator', 'dafabet', 1, 'NaN', 2.00);
	EXCEPTION WHEN OTHERS THEN GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE;
		errors := pg_catalog.concat_ws(',', errors, st);
	END;
	BEGIN
		PERFORM crash_analytics.log_crash_round(b, 's1', 'aviator', 'dafabet', 1, 10.00, 2.46);
	EXCEPTION WHEN OTHERS THEN GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE;
		errors := pg_catalog.concat_ws(',', errors, st);
	END;
	BEGIN
		PERFORM crash_analytics.log_crash_round(b, 's1', 'aviator', 'dafabet', 9, 1.00, 2.00);
	EXCEPTION WHEN OTHERS THEN GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE;
		errors := pg_catalog.concat_ws(',', errors, st);
	END;
	RETURN errors;
END
$$;

-- the traps work: a look-alike does run when the caller's own SQL uses it
SET ROLE atk_writer;
SET search_path = pg_temp, atk_w, pg_catalog, public;
SELECT length('abc') = 3 AS x, (SELECT count(*) FROM crash_game_rounds) AS y \gset
RESET search_path;
RESET ROLE;
SELECT is((SELECT string_agg(DISTINCT object, ', ' ORDER BY object) FROM (SELECT object COLLATE "C" FROM atk_log.calls) c),
		  'atk_w.=(integer, integer), atk_w.count(*), atk_w.length(text), pg_temp.crash_game_rounds read',
		  'look-alikes: the traps record a call when SQL resolves to them');
TRUNCATE atk_log.calls;

-- a writer logs the same things with a clean and with a poisoned search_path
SET ROLE atk_writer;
SET search_path = pg_catalog;
SELECT pg_temp.writer_calls('ctl_bot') AS ctl_errors \gset
SET search_path = pg_temp, atk_w, pg_catalog, public;
SELECT pg_temp.writer_calls('atk_bot') AS atk_errors \gset
RESET search_path;
RESET ROLE;
SELECT is((SELECT string_agg(DISTINCT object, ', ') FROM atk_log.calls), NULL,
		  'writer with look-alikes first in its search_path: none of them ran in any logging function');
SELECT is(:'atk_errors'::text, '22023,23505,55000', 'writer with look-alikes: the same errors (22023, 23505, 55000)');
SELECT is(:'ctl_errors'::text, '22023,23505,55000', 'writer with a clean search_path: the errors');

-- and the rows are the same, table by table
CREATE FUNCTION pg_temp.bot_rows(tbl text, b text) RETURNS SETOF jsonb LANGUAGE plpgsql AS $$
BEGIN
	RETURN QUERY EXECUTE format(
		'SELECT to_jsonb(t) - ''id'' - ''bot_id'' - ''round_id'' - ''after_multiplier_id'' - ''resolved_multiplier_id''
				- ''last_round_id'' - ''last_multiplier_id'' - ''created_at'' - ''updated_at'' - ''logged_at''
		   FROM crash_analytics.%I t WHERE t.bot_id = %L', tbl, b);
END
$$;
SELECT bag_eq(format('SELECT * FROM pg_temp.bot_rows(%L, ''atk_bot'')', t),
			  format('SELECT * FROM pg_temp.bot_rows(%L, ''ctl_bot'')', t),
			  'writer with look-alikes: ' || t || ' rows as with a clean search_path')
  FROM unnest(ARRAY['bot_vm_registration', 'session_logs', 'crash_game_rounds', 'analytics_round_multipliers',
					'analytics_round_signals', 'analytics_round_outcomes', 'ocr_validation_logs', 'error_logs',
					'bot_rollups', 'bot_hourly_rollups', 'bot_daily_rollups', 'bot_series_state']) AS t;
SELECT is((SELECT count(*)::int FROM crash_analytics.crash_game_rounds WHERE bot_id = 'atk_bot'), 5,
		  'writer with look-alikes: its 5 rounds are there');
SELECT results_eq($$SELECT total_rounds, wins, losses, skips, total_staked, total_profit, current_balance
					  FROM crash_analytics.get_bot_statistics('atk_bot')$$,
				  $$VALUES (5::bigint, 2::bigint, 2::bigint, 1::bigint, 25.00::numeric, -1.70::numeric, 98.30::numeric)$$,
				  'writer with look-alikes: statistics are right (5 rounds, 2 wins, 2 losses, 1 skip, profit -1.70)');

-- a reader runs every analytics function with a clean and a poisoned search_path
CREATE FUNCTION pg_temp.reader_digests() RETURNS TABLE (q text, digest text) LANGUAGE plpgsql AS $$
DECLARE
	d text;
BEGIN
	FOREACH q IN ARRAY ARRAY[
		$q$SELECT * FROM crash_analytics.get_bot_statistics('atk_bot')$q$,
		$q$SELECT * FROM crash_analytics.get_session_summary('s1', 'atk_bot')$q$,
		$q$SELECT * FROM crash_analytics.get_session_summary('s1')$q$,
		$q$SELECT * FROM crash_analytics.get_game_statistics('aviator', 'dafabet')$q$,
		$q$SELECT * FROM crash_analytics.get_game_statistics('aviator', NULL, '2026-03-01 00:00:05+00', '2026-03-01 02:30:00+00')$q$,
		$q$SELECT * FROM crash_analytics.get_strategy_performance()$q$,
		$q$SELECT * FROM crash_analytics.get_multiplier_distribution('aviator', 'dafabet')$q$,
		$q$SELECT * FROM crash_analytics.get_multiplier_quantiles('aviator', 'dafabet')$q$,
		$q$SELECT * FROM crash_analytics.get_signal_effectiveness()$q$,
		$q$SELECT * FROM crash_analytics.export_rounds_to_json('atk_bot')$q$,
		$q$SELECT * FROM crash_analytics.export_multipliers_for_ml('aviator', 100)$q$,
		$q$SELECT * FROM crash_analytics.verify_consistency()$q$,
		$q$SELECT * FROM crash_analytics.rollup_differences('atk_bot')$q$,
		$q$SELECT * FROM crash_analytics.signal_differences('atk_bot')$q$,
		$q$SELECT * FROM crash_analytics.period_figures('aviator', 'dafabet', NULL, NULL)$q$,
		$q$SELECT * FROM crash_analytics.distinct_multipliers('aviator', 'dafabet', NULL, NULL)$q$,
		$q$SELECT crash_analytics.wilson_low_percent(5, 10), crash_analytics.chance_p_value(5, 2.5, 1.0)$q$,
		-- the database's own size moves with the temp tables of this test
		$q$SELECT * FROM crash_analytics.get_database_size() WHERE object_kind OPERATOR(pg_catalog.<>) 'database'$q$,
		$q$SELECT * FROM crash_analytics.v_bot_overview$q$,
		$q$SELECT * FROM crash_analytics.v_active_sessions$q$,
		$q$SELECT * FROM crash_analytics.v_open_signals$q$,
		$q$SELECT * FROM crash_analytics.mv_daily_bot_performance$q$,
		$q$SELECT * FROM crash_analytics.mv_hourly_game_statistics$q$] LOOP
		BEGIN
			EXECUTE pg_catalog.format(
				'SELECT pg_catalog.md5(pg_catalog.string_agg(x::pg_catalog.text, %L ORDER BY x::pg_catalog.text)) FROM (%s) x',
				E'\n', q) INTO d;
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS d = RETURNED_SQLSTATE;
			d := pg_catalog.concat('ERROR ', d);
		END;
		digest := d;
		RETURN NEXT;
	END LOOP;
END
$$;
SELECT crash_analytics.refresh_analytics();
SET ROLE atk_reader;
SET search_path = pg_catalog;
CREATE TEMP TABLE reader_clean AS SELECT * FROM pg_temp.reader_digests();
SET search_path = pg_temp, atk_r, pg_catalog, public;
CREATE TEMP TABLE reader_poisoned AS SELECT * FROM pg_temp.reader_digests();
RESET search_path;
RESET ROLE;
SELECT is((SELECT string_agg(DISTINCT object, ', ') FROM atk_log.calls), NULL,
		  'reader with look-alikes first in its search_path: none of them ran in any analytics function or view');
SELECT is((SELECT string_agg(c.q, E'\n') FROM reader_clean c JOIN reader_poisoned p USING (q)
			WHERE c.digest IS DISTINCT FROM p.digest), NULL,
		  'reader with look-alikes: each of the 23 analytics calls and views gives the same rows as with a clean search_path');
SELECT is((SELECT string_agg(q || ': ' || digest, E'\n') FROM reader_poisoned WHERE digest LIKE 'ERROR%'), NULL,
		  'reader with look-alikes: none of the 23 analytics calls raised an error');

-- ======================================================================
-- 3. What each profile may not do
-- ======================================================================
-- pg_temp.sqlstate_of(sql): the SQLSTATE the statement raises, or 'ok' (and
-- what it did is rolled back)
CREATE FUNCTION pg_temp.sqlstate_of(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	st text;
BEGIN
	BEGIN
		EXECUTE sql;
		RAISE EXCEPTION USING ERRCODE = 'P0999';
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE;
	END;
	RETURN CASE st WHEN 'P0999' THEN 'ok' ELSE st END;
END
$$;

-- a dummy non-NULL value of each argument type (NULLs could be folded away
-- by the planner before any privilege is checked)
CREATE FUNCTION pg_temp.dummy(t oid) RETURNS text LANGUAGE sql AS $$
	SELECT CASE format_type(t, NULL)
		WHEN 'text' THEN '''x''' WHEN 'bigint' THEN '1' WHEN 'integer' THEN '1' WHEN 'numeric' THEN '1.00'
		WHEN 'double precision' THEN '0.5' WHEN 'boolean' THEN 'false' WHEN 'jsonb' THEN '''{}''::jsonb'
		WHEN 'timestamp with time zone' THEN '''2026-03-01''::timestamptz' WHEN 'text[]' THEN '''{}''::text[]'
		WHEN 'numeric[]' THEN '''{2}''::numeric[]' WHEN 'double precision[]' THEN '''{0.5}''::float8[]'
		WHEN 'regrole' THEN '''atk_nobody''::regrole' ELSE 'NULL::' || format_type(t, NULL) END
$$;

-- every probe: who, what kind, the object, the statement
CREATE TEMP TABLE probes (who name, kind text, object text, sql text, got text);
GRANT ALL ON probes TO PUBLIC;
INSERT INTO probes (who, kind, object, sql)
SELECT w.who, 'execute', p.oid::regprocedure::text,
	   format('SELECT %s(%s)', p.oid::regproc, coalesce((SELECT string_agg(pg_temp.dummy(a), ', ' ORDER BY n)
														   FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS u(a, n)), ''))
  FROM pg_proc p
 CROSS JOIN (VALUES ('atk_writer'), ('atk_reader'), ('atk_nobody'), ('atk_usage')) AS w(who)
 WHERE p.pronamespace = 'crash_analytics'::regnamespace
   AND NOT (w.who = 'atk_writer' AND p.oid IN (SELECT crash_analytics.writer_functions()))
   AND NOT (w.who = 'atk_reader' AND p.oid IN (SELECT crash_analytics.reader_functions()));
INSERT INTO probes (who, kind, object, sql)
SELECT w.who, o.kind, c.oid::regclass::text, format(o.sql, c.oid::regclass,
		(SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped
			AND attgenerated = '' AND attidentity = '' ORDER BY attnum LIMIT 1))
  FROM pg_class c
 CROSS JOIN (VALUES ('atk_writer'), ('atk_reader'), ('atk_nobody'), ('atk_usage')) AS w(who)
 CROSS JOIN (VALUES ('select', 'SELECT 1 FROM %s LIMIT 1'), ('insert', 'INSERT INTO %s DEFAULT VALUES'),
					('update', 'UPDATE %s SET %2$s = %2$s'), ('delete', 'DELETE FROM %s'),
					('truncate', 'TRUNCATE %s')) AS o(kind, sql)
 WHERE c.relnamespace = 'crash_analytics'::regnamespace
   AND (c.relkind = 'r' OR (c.relkind IN ('v', 'm') AND o.kind = 'select'))
   AND NOT (w.who = 'atk_reader' AND o.kind = 'select');
INSERT INTO probes (who, kind, object, sql)
SELECT w.who, o.kind, c.oid::regclass::text, format(o.sql, quote_literal(c.oid::regclass::text), c.oid::regclass)
  FROM pg_class c
 CROSS JOIN (VALUES ('atk_writer'), ('atk_reader'), ('atk_nobody'), ('atk_usage')) AS w(who)
 CROSS JOIN (VALUES ('nextval', 'SELECT nextval(%s)'), ('setval', 'SELECT setval(%s, 1)'),
					('select', 'SELECT last_value FROM %2$s')) AS o(kind, sql)
 WHERE c.relnamespace = 'crash_analytics'::regnamespace AND c.relkind = 'S'
   AND NOT (w.who = 'atk_reader' AND o.kind = 'select');
INSERT INTO probes (who, kind, object, sql)
SELECT w.who, 'create', 'schema crash_analytics', o.sql
  FROM (VALUES ('atk_writer'), ('atk_reader'), ('atk_nobody'), ('atk_usage'), ('atk_bot_writer')) AS w(who)
 CROSS JOIN (VALUES ('CREATE TABLE crash_analytics.planted (x int)'),
					('CREATE FUNCTION crash_analytics.length(text) RETURNS int LANGUAGE sql AS ''SELECT 0'''),
					('CREATE VIEW crash_analytics.planted AS SELECT 1 AS x')) AS o(sql);

SET ROLE atk_writer;
UPDATE probes SET got = pg_temp.sqlstate_of(sql) WHERE who = 'atk_writer';
SET ROLE atk_reader;
UPDATE probes SET got = pg_temp.sqlstate_of(sql) WHERE who = 'atk_reader';
SET ROLE atk_nobody;
UPDATE probes SET got = pg_temp.sqlstate_of(sql) WHERE who = 'atk_nobody';
SET ROLE atk_usage;
UPDATE probes SET got = pg_temp.sqlstate_of(sql) WHERE who = 'atk_usage';
SET ROLE atk_bot_writer;
UPDATE probes SET got = pg_temp.sqlstate_of(sql) WHERE who = 'atk_bot_writer';
RESET ROLE;

-- one test per (role, kind): the objects that were not refused with 42501
SELECT is((SELECT string_agg(object || ' (' || coalesce(got, 'not run') || ')', ', ' ORDER BY object)
			 FROM probes p WHERE p.who = k.who AND p.kind = k.kind AND p.got IS DISTINCT FROM '42501'), NULL,
		  format('%s: %s refused on each of %s %s (42501)', k.label, k.kind, k.n,
				 CASE k.kind WHEN 'execute' THEN 'functions' WHEN 'create' THEN 'statements'
							 WHEN 'nextval' THEN 'sequences' WHEN 'setval' THEN 'sequences'
							 ELSE 'tables, views and sequences' END))
  FROM (SELECT p.who, p.kind, count(*) AS n,
			   CASE p.who WHEN 'atk_writer' THEN 'writer' WHEN 'atk_reader' THEN 'reader'
						  WHEN 'atk_nobody' THEN 'no profile' WHEN 'atk_usage' THEN 'no profile, USAGE on the schema'
						  ELSE 'per-bot writer' END AS label,
			   min(CASE p.who WHEN 'atk_writer' THEN 1 WHEN 'atk_reader' THEN 2 WHEN 'atk_nobody' THEN 3
							  WHEN 'atk_usage' THEN 4 ELSE 5 END) AS ord
		  FROM probes p GROUP BY p.who, p.kind) AS k
 ORDER BY k.ord, k.kind;

-- and PUBLIC as the catalog says
SELECT is((SELECT count(*)::int FROM pg_proc p WHERE p.pronamespace = 'crash_analytics'::regnamespace
			 AND has_function_privilege('public', p.oid, 'EXECUTE')), 0, 'PUBLIC: no function is executable');
SELECT is((SELECT count(*)::int FROM pg_class c, unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE',
			 'REFERENCES', 'TRIGGER']) AS priv
			WHERE c.relnamespace = 'crash_analytics'::regnamespace AND c.relkind IN ('r', 'v', 'm')
			  AND has_table_privilege('public', c.oid, priv)), 0, 'PUBLIC: no privilege on any table or view');
SELECT is((SELECT count(*)::int FROM pg_class c, unnest(ARRAY['USAGE', 'SELECT', 'UPDATE']) AS priv
			WHERE c.relnamespace = 'crash_analytics'::regnamespace AND c.relkind = 'S'
			  AND has_sequence_privilege('public', c.oid, priv)), 0, 'PUBLIC: no privilege on any sequence');
SELECT ok(NOT has_schema_privilege('public', 'crash_analytics', 'USAGE')
		  AND NOT has_schema_privilege('public', 'crash_analytics', 'CREATE'), 'PUBLIC: neither USAGE nor CREATE on the schema');

-- ======================================================================
-- 4. Per-bot writer roles: atk_bot_writer may log for bot_a only
-- ======================================================================
SELECT crash_analytics.log_crash_round('bot_b', 'sb', 'aviator', 'dafabet', 1, 10.00, 2.45, 1.33, 'WIN',
									   round_started_at => '2026-03-01 00:00:00+00', metadata => '{"secret": 42}') > 0
	   AS bot_b_round \gset
-- keep: the calls are made one after the other (start_session, then end_session)
CREATE FUNCTION pg_temp.per_bot_calls(b text, keep boolean) RETURNS TABLE (call text, got text) LANGUAGE plpgsql AS $$
DECLARE
	c text;
BEGIN
	FOREACH c IN ARRAY ARRAY[
		format('SELECT crash_analytics.log_crash_round(%L, %L, ''aviator'', ''dafabet'', 2, 10.00, 2.45, 1.33)', b, 's_' || b),
		format('SELECT crash_analytics.log_crash_rounds(''[{"bot_id": %s, "session_id": "s_x", "game_name": "aviator", "platform_code": "dafabet", "round_number": 1, "crash_multiplier": 2.00}]'')', to_json(b)),
		format('SELECT crash_analytics.log_round_outcome(%L, %L, ''aviator'', ''dafabet'', 3, 10.00, 2.45, 1.33)', b, 's_' || b),
		format('SELECT crash_analytics.log_round_multiplier_analytics(%L, %L, ''aviator'', ''dafabet'', 4, 3.00)', b, 'w_' || b),
		format('SELECT crash_analytics.log_round_signal(%L, %L, ''aviator'', ''dafabet'', ''model'', 2.00)', b, 's_' || b),
		format('SELECT crash_analytics.log_error(%L, ''network'', ''timeout'')', b),
		format('SELECT crash_analytics.log_ocr_validation(%L, ''2.45x'', 2.45)', b),
		format('SELECT crash_analytics.register_bot(%L, bot_name => ''renamed'')', b),
		format('SELECT crash_analytics.start_session(%L, %L, ''aviator'', ''dafabet'')', b, 's2_' || b),
		format('SELECT crash_analytics.end_session(%L, %L)', b, 's2_' || b)] LOOP
		call := c;
		IF keep THEN
			BEGIN
				EXECUTE c;
				got := 'ok';
			EXCEPTION WHEN OTHERS THEN
				GET STACKED DIAGNOSTICS got = RETURNED_SQLSTATE;
			END;
		ELSE
			got := pg_temp.sqlstate_of(c);
		END IF;
		RETURN NEXT;
	END LOOP;
END
$$;
SET ROLE atk_bot_writer;
CREATE TEMP TABLE per_bot_b AS SELECT * FROM pg_temp.per_bot_calls('bot_b', false);
-- a batch mixing its bot and another one, a retry of bot_b's round with other
-- content (an unrestricted writer would get 23505 and bot_b's values in the
-- detail), and what it would take to grant itself more
CREATE TEMP TABLE per_bot_misc AS
SELECT * FROM (VALUES
	('mixed batch', pg_temp.sqlstate_of($$SELECT crash_analytics.log_crash_rounds('[
		{"bot_id": "bot_a", "session_id": "s_mix", "game_name": "aviator", "platform_code": "dafabet", "round_number": 1, "crash_multiplier": 2.00},
		{"bot_id": "bot_b", "session_id": "s_mix", "game_name": "aviator", "platform_code": "dafabet", "round_number": 1, "crash_multiplier": 2.00}]')$$)),
	('retry of bot_b''s round with other content', pg_temp.sqlstate_of($$SELECT crash_analytics.log_crash_round('bot_b', 'sb', 'aviator', 'dafabet', 1, 10.00, 9.99)$$)),
	('grant_bot_writer', pg_temp.sqlstate_of($$SELECT crash_analytics.grant_bot_writer('atk_bot_writer', 'bot_b')$$)),
	('INSERT INTO bot_writers', pg_temp.sqlstate_of($$INSERT INTO crash_analytics.bot_writers (bot_id, role) VALUES ('bot_b', 'atk_bot_writer')$$)),
	('SELECT bot_writers', pg_temp.sqlstate_of($$SELECT * FROM crash_analytics.bot_writers$$))) AS v(what, got);
SELECT crash_analytics.log_crash_round('bot_a', 'sa', 'aviator', 'dafabet', 1, 10.00, 2.45, 1.33) > 0 AS bot_a_ok \gset
CREATE TEMP TABLE per_bot_a AS SELECT * FROM pg_temp.per_bot_calls('bot_a', true);
RESET ROLE;
SELECT is((SELECT string_agg(call || ' -> ' || got, E'\n') FROM per_bot_b WHERE got <> '42501'), NULL,
		  'per-bot writer: each of the 10 logging calls for a bot it was not granted is refused (42501)');
SELECT is((SELECT count(*)::int FROM per_bot_b), 10, 'per-bot writer: 10 logging calls tried for bot_b');
SELECT is((SELECT string_agg(call || ' -> ' || got, E'\n') FROM per_bot_a WHERE got <> 'ok'), NULL,
		  'per-bot writer: the same 10 calls for its own bot succeed');
SELECT ok(:'bot_a_ok', 'per-bot writer: logs a round for its bot');
SELECT is(got, '42501', 'per-bot writer: ' || what || ' is refused (42501)') FROM per_bot_misc;
SELECT is((SELECT count(*)::int FROM crash_analytics.crash_game_rounds WHERE session_id = 's_mix'), 0,
		  'per-bot writer: the refused mixed batch wrote nothing, not even its own bot''s round');
SELECT is((SELECT count(*)::int FROM crash_analytics.crash_game_rounds WHERE bot_id = 'bot_b'), 1,
		  'per-bot writer: bot_b has only its own round');
SELECT is((SELECT count(*)::int FROM crash_analytics.bot_writers WHERE role = 'atk_bot_writer'::regrole), 1,
		  'per-bot writer: still granted bot_a only');

-- ======================================================================
-- 5. An unrestricted writer cannot read another bot's rows from an error
-- ======================================================================
-- bot_v's rows hold values the attacker never sends (hidden below); the
-- attacker, atk_writer (grant_writer, no per-bot grant: it may log for any
-- bot), sends conflicting "retries" and other calls that meet those rows.
-- Every error must name only what the call sent.
SELECT crash_analytics.log_crash_round('bot_v', 'v_s1', 'aviator', 'dafabet', 1, 10.00, 2.45, 1.33, 'WIN',
		strategy_name => 'secret_strat', platform_round_id => 'vict-77', server_seed => 'sekrit_seed_1234',
		client_seed => 'sekrit_client_99', nonce => 31337, metadata => '{"secret": "abc"}',
		round_started_at => '2026-03-05 06:07:08+00') > 0 AS v1 \gset
SELECT crash_analytics.log_round_multiplier_analytics('bot_v', 'v_w', 'aviator', 'dafabet', 1, 7.77) > 0 AS v2 \gset
SELECT crash_analytics.start_session('bot_v', 'v_s2', 'aviator', 'dafabet', balance_start => 4321.00,
		started_at => '2026-03-05 06:07:08+00') > 0 AS v3 \gset
SELECT crash_analytics.start_session('bot_v', 'v_s3', 'aviator', 'dafabet', started_at => '2026-03-05 06:07:08+00') > 0
	   AND crash_analytics.end_session('bot_v', 'v_s3', 'crashed', ended_at => '2026-03-05 07:00:00+00') > 0 AS v4 \gset
SELECT ok(:'v1' AND :'v2' AND :'v3' AND :'v4'
		  AND EXISTS (SELECT 1 FROM crash_analytics.crash_game_rounds
					   WHERE bot_id = 'bot_v' AND strategy_name = 'secret_strat' AND server_seed = 'sekrit_seed_1234'
						 AND metadata = '{"secret": "abc"}' AND stake_value = 10.00 AND crash_multiplier = 2.45),
		  'leaks: bot_v''s round, multiplier and sessions hold the values the attacker must not learn');
-- every row of every table of the extension, as one digest per table
CREATE FUNCTION pg_temp.table_digests() RETURNS TABLE (tbl text, digest text) LANGUAGE plpgsql AS $$
DECLARE
	t regclass;
BEGIN
	FOR t IN SELECT c.oid FROM pg_class c WHERE c.relnamespace = 'crash_analytics'::regnamespace
			   AND c.relkind = 'r' ORDER BY c.relname LOOP
		tbl := t::text;
		EXECUTE format('SELECT md5(coalesce(string_agg(x::text, E''\n'' ORDER BY x::text), '''')) FROM %s x', t)
		   INTO digest;
		RETURN NEXT;
	END LOOP;
END
$$;
CREATE TEMP TABLE leak_before AS SELECT * FROM pg_temp.table_digests();
-- who makes the call (the writer; an operator's back-fill INSERT goes through
-- the same funnel), the call, the SQLSTATE it must raise, and the stored
-- values its error must not show
CREATE TEMP TABLE leak_probes (who text, what text, sql text, want text, hidden text[],
	got text, message text, detail text, hint text, context text);
INSERT INTO leak_probes (what, sql, want, hidden) VALUES
	('log_crash_round retry',
	 $$SELECT crash_analytics.log_crash_round('bot_v', 'v_s1', 'jetx', 'dafabet', 1, 11.00, 3.00, strategy_name => 'x',
		server_seed => 'guess', metadata => '{"guess": 1}')$$, '23505',
	 '{aviator,10.00,2.45,1.33,secret_strat,sekrit_seed_1234,abc,NULL}'),
	('log_crash_round retry of every optional field',
	 $$SELECT crash_analytics.log_crash_round('bot_v', 'v_s1', 'jetx', 'dafabet', 1, 11.00, 3.00, 2.00, 'LOSS', -11.00,
		strategy_name => 'x', platform_round_id => 'p', server_seed => 'guess', client_seed => 'c', nonce => 1,
		metadata => '{}', round_started_at => '2020-01-01 00:00:00+00')$$, '23505',
	 '{aviator,10.00,2.45,1.33,WIN,3.30,secret_strat,vict-77,sekrit_seed_1234,sekrit_client_99,31337,abc,2026-03-05,NULL}'),
	('log_crash_rounds retry',
	 $$SELECT crash_analytics.log_crash_rounds('[{"bot_id": "bot_v", "session_id": "v_s1", "game_name": "jetx",
		"platform_code": "dafabet", "round_number": 1, "stake_value": 11.00, "crash_multiplier": 3.00,
		"strategy_name": "x", "server_seed": "guess", "metadata": {"guess": 1}}]')$$, '23505',
	 '{aviator,10.00,2.45,1.33,secret_strat,sekrit_seed_1234,abc,NULL}'),
	('log_round_outcome retry',
	 $$SELECT crash_analytics.log_round_outcome('bot_v', 'v_s1', 'jetx', 'dafabet', 1, 11.00, 3.00, 1.50, 'WIN', 5.50,
		strategy_name => 'x')$$, '23505',
	 '{aviator,10.00,2.45,1.33,3.30,secret_strat,NULL}'),
	('log_round_multiplier_analytics retry',
	 $$SELECT crash_analytics.log_round_multiplier_analytics('bot_v', 'v_w', 'jetx', 'dafabet', 1, 1.11)$$, '23505',
	 '{aviator,7.77}'),
	('another bet slot of the round with another multiplier',
	 $$SELECT crash_analytics.log_crash_round('bot_v', 'v_s1', 'aviator', 'dafabet', 1, 1.00, 3.00, bet_slot => 2)$$, '22023',
	 '{2.45}'),
	('a new round of the session on another game',
	 $$SELECT crash_analytics.log_crash_round('bot_v', 'v_s1', 'jetx', 'dafabet', 2, 1.00, 3.00)$$, '22023',
	 '{aviator}'),
	('start_session again on another game',
	 $$SELECT crash_analytics.start_session('bot_v', 'v_s2', 'jetx', 'dafabet')$$, '23505',
	 '{aviator}'),
	('start_session again with another balance',
	 $$SELECT crash_analytics.start_session('bot_v', 'v_s2', balance_start => 1.00)$$, '23505',
	 '{4321}'),
	('end_session again with another status',
	 $$SELECT crash_analytics.end_session('bot_v', 'v_s3', 'completed')$$, '55000',
	 '{crashed}'),
	('end_session before the session started',
	 $$SELECT crash_analytics.end_session('bot_v', 'v_s2', ended_at => '2020-01-01 00:00:00+00')$$, '22023',
	 '{2026-03-05,06:07:08}'),
	('a new round in an ended session',
	 $$SELECT crash_analytics.log_crash_round('bot_v', 'v_s3', 'aviator', 'dafabet', 1, 1.00, 3.00)$$, '55000',
	 '{crashed}');
UPDATE leak_probes SET who = 'atk_writer';
GRANT SELECT, UPDATE ON leak_probes TO atk_writer;	-- the probe records what it got
INSERT INTO leak_probes (who, what, sql, want, hidden) VALUES
	('operator', 'INSERT of a retry',
	 $$INSERT INTO crash_analytics.crash_game_rounds (bot_id, session_id, game_name, platform_code, round_number,
		stake_value, crash_multiplier, strategy_name, server_seed, metadata)
	   VALUES ('bot_v', 'v_s1', 'jetx', 'dafabet', 1, 11.00, 3.00, 'x', 'guess', '{"guess": 1}')$$, '23505',
	 '{aviator,10.00,2.45,1.33,secret_strat,sekrit_seed_1234,abc,NULL}');
CREATE FUNCTION pg_temp.leak_probe(caller text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	p record;
	st text; m text; d text; h text; c text;
BEGIN
	FOR p IN SELECT * FROM leak_probes WHERE who = caller LOOP
		BEGIN
			EXECUTE p.sql;
			st := 'ok'; m := NULL; d := NULL; h := NULL; c := NULL;
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL,
				h = PG_EXCEPTION_HINT, c = PG_EXCEPTION_CONTEXT;
		END;
		UPDATE leak_probes SET got = st, message = m, detail = d, hint = h, context = c WHERE what = p.what;
	END LOOP;
END
$$;
SET ROLE atk_writer;
SELECT pg_temp.leak_probe('atk_writer');
RESET ROLE;
SELECT pg_temp.leak_probe('operator');
SELECT is((SELECT string_agg(what || ': ' || got || ' (wanted ' || want || ') ' || coalesce(message, ''), E'\n')
			 FROM leak_probes WHERE got IS DISTINCT FROM want), NULL,
		  'leaks: each of the 12 calls of an unrestricted writer, and an operator''s INSERT, that meet bot_v''s rows fails with its SQLSTATE');
SELECT is((SELECT string_agg(p.what || ' shows ' || x || ': ' || concat_ws(' | ', p.message, p.detail, p.hint, p.context), E'\n')
			 FROM leak_probes p, unnest(p.hidden) x
			WHERE strpos(concat_ws(' | ', p.message, p.detail, p.hint, p.context), x) > 0), NULL,
		  'leaks: no message, detail, hint or context of those 13 errors shows a value stored in bot_v''s rows');
SELECT is((SELECT detail FROM leak_probes WHERE what = 'log_crash_round retry'),
		  'Fields that differ from the logged round: game_name (sent jetx), stake_value (sent 11.00), crash_multiplier (sent 3.00), strategy_name (sent x), server_seed (sent guess), metadata (sent {"guess": 1}).',
		  'leaks: a conflicting retry names the fields that differ and the values sent');
SELECT is((SELECT detail FROM leak_probes WHERE what = 'log_round_multiplier_analytics retry'),
		  'Fields that differ from the logged multiplier: multiplier (sent 1.11), game_name (sent jetx).',
		  'leaks: log_round_multiplier_analytics names the fields that differ and the values sent');
SELECT is((SELECT detail FROM leak_probes WHERE what = 'INSERT of a retry'),
		  (SELECT detail FROM leak_probes WHERE what = 'log_crash_round retry'),
		  'leaks: a conflicting INSERT gets the same detail as the same retry through log_crash_round');
SELECT set_eq('SELECT * FROM pg_temp.table_digests()', 'SELECT * FROM leak_before',
			  'leaks: the refused calls wrote nothing (every row of every table as before)');

-- ======================================================================
-- 6. Look-alike temp TABLES in the caller's search_path
-- ======================================================================
-- A writer, then a reader, creates in its session's pg_temp (searched first
-- for relations unless the search_path names it later) a temp table named
-- like every table, view and materialized view of the extension, with the
-- same columns and one planted row; a policy records every row read from it
-- and a trigger every row written to it (the row lands).  With pg_temp first
-- in its search_path the role then logs and analyses as in section 2: the
-- extension's functions read and write the real tables only.
-- the views of section 2 use these names: out of the way
DO $$
DECLARE
	t text;
BEGIN
	FOR t IN SELECT c.relname FROM pg_class c WHERE c.relnamespace = pg_my_temp_schema() AND c.relkind = 'v'
				AND c.relname IN (SELECT relname FROM pg_class WHERE relnamespace = 'crash_analytics'::regnamespace) LOOP
		EXECUTE format('DROP VIEW pg_temp.%I', t);
	END LOOP;
END$$;
CREATE FUNCTION pg_temp.trap_write_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO atk_log.calls (object) VALUES ('pg_temp.' || TG_TABLE_NAME || ' written');
	RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END $$;
-- run by the planting role: its temp tables, from the catalog; returns how many
CREATE FUNCTION pg_temp.plant_tables() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
	r record;
	n integer := 0;
BEGIN
	FOR r IN SELECT c.relname, string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod)), ', '
										  ORDER BY a.attnum) AS cols
			   FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
			  WHERE c.relnamespace = 'crash_analytics'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
			  GROUP BY c.relname LOOP
		EXECUTE format('CREATE TEMP TABLE %I (%s)', r.relname, r.cols);
		EXECUTE format('INSERT INTO pg_temp.%I DEFAULT VALUES', r.relname);
		EXECUTE format('CREATE TRIGGER w BEFORE INSERT OR UPDATE OR DELETE ON pg_temp.%I
						FOR EACH ROW EXECUTE FUNCTION pg_temp.trap_write_keep()', r.relname);
		EXECUTE format('ALTER TABLE pg_temp.%I ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', r.relname);
		EXECUTE format('CREATE POLICY r ON pg_temp.%I USING (pg_temp.trap(%L)) WITH CHECK (true)',
					   r.relname, 'pg_temp.' || r.relname || ' read');
		n := n + 1;
	END LOOP;
	RETURN n;
END
$$;
CREATE FUNCTION pg_temp.unplant_tables() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	t text;
BEGIN
	FOR t IN SELECT relname FROM pg_class WHERE relnamespace = 'crash_analytics'::regnamespace
				AND relkind IN ('r', 'p', 'v', 'm') LOOP
		EXECUTE format('DROP TABLE pg_temp.%I', t);
	END LOOP;
END
$$;
-- the temp tables (read as the superuser, whom no policy stops) that do not
-- hold exactly their planted row
CREATE FUNCTION pg_temp.planted_not_alone() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	t text;
	n bigint;
	bad text;
BEGIN
	FOR t IN SELECT c.relname FROM pg_class c WHERE c.relnamespace = pg_my_temp_schema() AND c.relkind = 'r'
				AND c.relname IN (SELECT relname FROM pg_class WHERE relnamespace = 'crash_analytics'::regnamespace)
			  ORDER BY 1 LOOP
		EXECUTE format('SELECT count(*) FROM pg_temp.%I', t) INTO n;
		IF n <> 1 THEN
			bad := concat_ws(', ', bad, t || ' ' || n || ' rows');
		END IF;
	END LOOP;
	RETURN bad;
END
$$;
SELECT count(*)::int AS n_relations FROM pg_class WHERE relnamespace = 'crash_analytics'::regnamespace
   AND relkind IN ('r', 'p', 'v', 'm') \gset
TRUNCATE atk_log.calls;

-- a writer
SET ROLE atk_writer;
SELECT pg_temp.plant_tables() AS planted \gset
-- the traps work: the writer's own SQL reads and writes its temp tables
SET search_path = pg_temp, pg_catalog, public;
SELECT count(*) AS x FROM crash_game_rounds \gset
INSERT INTO error_logs (bot_id) VALUES ('trap check');
DELETE FROM error_logs WHERE bot_id = 'trap check';
RESET search_path;
RESET ROLE;
SELECT is(:planted, :n_relations, 'writer: planted a temp table named like each of the ' || :n_relations
		  || ' tables and views of the extension');
SELECT is((SELECT string_agg(DISTINCT object, ', ' ORDER BY object) FROM (SELECT object COLLATE "C" FROM atk_log.calls) c),
		  'pg_temp.crash_game_rounds read, pg_temp.error_logs read, pg_temp.error_logs written',
		  'temp tables: the traps record a row read and a row written when SQL resolves to them');
TRUNCATE atk_log.calls;
SET ROLE atk_writer;
SET search_path = pg_temp, pg_catalog, public;
SELECT pg_temp.writer_calls('atk_tmp_bot') AS tmp_errors \gset
RESET search_path;
RESET ROLE;
SELECT is((SELECT string_agg(DISTINCT object, ', ') FROM atk_log.calls), NULL,
		  'writer with temp tables first in its search_path: no logging function read a row from or wrote a row to any of them');
SELECT is(pg_temp.planted_not_alone(), NULL, 'writer with temp tables: each still holds only its planted row');
SELECT is(:'tmp_errors'::text, '22023,23505,55000', 'writer with temp tables: the same errors (22023, 23505, 55000)');
SELECT is((SELECT string_agg(t, ', ' ORDER BY t)
			 FROM unnest(ARRAY(SELECT c.relname::text FROM pg_class c
								WHERE c.relnamespace = 'crash_analytics'::regnamespace AND c.relkind = 'r'
								  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'bot_id'))) AS t
			WHERE EXISTS (SELECT * FROM pg_temp.bot_rows(t, 'atk_tmp_bot') EXCEPT ALL SELECT * FROM pg_temp.bot_rows(t, 'ctl_bot'))
			   OR EXISTS (SELECT * FROM pg_temp.bot_rows(t, 'ctl_bot') EXCEPT ALL SELECT * FROM pg_temp.bot_rows(t, 'atk_tmp_bot'))),
		  NULL, 'writer with temp tables: in every table of the extension its rows are those of a clean search_path');
SELECT is((SELECT count(*)::int FROM crash_analytics.crash_game_rounds WHERE bot_id = 'atk_tmp_bot'), 5,
		  'writer with temp tables: its 5 rounds are in crash_analytics.crash_game_rounds');
SET ROLE atk_writer;
SELECT pg_temp.unplant_tables();
RESET ROLE;

-- a reader: the analytics with a clean search_path and no temp tables, then
-- with its temp tables first
TRUNCATE atk_log.calls;
SET ROLE atk_reader;
SET search_path = pg_catalog;
CREATE TEMP TABLE reader_clean_tt AS SELECT * FROM pg_temp.reader_digests();
RESET search_path;
SELECT pg_temp.plant_tables() AS planted \gset
SET search_path = pg_temp, pg_catalog, public;
SELECT count(*) AS x FROM bot_rollups \gset
RESET search_path;
RESET ROLE;
SELECT is(:planted, :n_relations, 'reader: planted a temp table named like each of the ' || :n_relations
		  || ' tables and views of the extension');
SELECT is((SELECT string_agg(DISTINCT object, ', ') FROM atk_log.calls), 'pg_temp.bot_rollups read',
		  'temp tables: the reader''s own SQL reads its temp table');
TRUNCATE atk_log.calls;
SET ROLE atk_reader;
SET search_path = pg_temp, pg_catalog, public;
CREATE TEMP TABLE reader_poisoned_tt AS SELECT * FROM pg_temp.reader_digests();
RESET search_path;
RESET ROLE;
SELECT is((SELECT string_agg(DISTINCT object, ', ') FROM atk_log.calls), NULL,
		  'reader with temp tables first in its search_path: no analytics function or view read a row from any of them');
SELECT is(pg_temp.planted_not_alone(), NULL, 'reader with temp tables: each still holds only its planted row');
SELECT is((SELECT string_agg(c.q, E'\n') FROM reader_clean_tt c JOIN reader_poisoned_tt p USING (q)
			WHERE c.digest IS DISTINCT FROM p.digest), NULL,
		  'reader with temp tables: each of the 23 analytics calls and views gives the same rows as with a clean search_path');
SELECT is((SELECT string_agg(q || ': ' || digest, E'\n') FROM reader_poisoned_tt WHERE digest LIKE 'ERROR%'), NULL,
		  'reader with temp tables: none of the 23 analytics calls raised an error');
SET ROLE atk_reader;
SELECT pg_temp.unplant_tables();
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
