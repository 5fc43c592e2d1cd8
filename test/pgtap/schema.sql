-- Schema and privileges: the nine tables, their keys and indexes, the
-- functions, and the access profiles (a writer can only log, a reader can
-- only read, PUBLIC can do nothing).
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
CREATE EXTENSION crash_analytics;
SELECT plan(111);

SELECT has_schema('crash_analytics');
SELECT tables_are('crash_analytics', ARRAY[
	'game_platform_config', 'bot_vm_registration', 'crash_game_rounds', 'analytics_round_multipliers',
	'analytics_round_signals', 'analytics_round_outcomes', 'ocr_validation_logs', 'error_logs',
	'session_logs', 'bot_rollups', 'bot_hourly_rollups', 'bot_daily_rollups', 'bot_series_state', 'bot_writers',
	'bot_series_history'],
	'the nine tables of the contract, the three roll-ups, the series state, the per-bot writers and the series'' purge record');

-- Citus rules: bot_id in every per-bot key, bigint identity ids
SELECT col_is_pk('crash_analytics', t, ARRAY['bot_id', 'id'], t || ' primary key is (bot_id, id)')
  FROM unnest(ARRAY['crash_game_rounds', 'analytics_round_multipliers', 'analytics_round_signals',
					'analytics_round_outcomes', 'ocr_validation_logs', 'error_logs', 'session_logs']) AS t;
SELECT col_is_pk('crash_analytics', 'bot_vm_registration', ARRAY['bot_id'], 'bot_vm_registration primary key is bot_id');
SELECT col_is_pk('crash_analytics', 'game_platform_config', ARRAY['game_name', 'platform_code'], 'game_platform_config key');
SELECT col_type_is('crash_analytics', t, 'id', 'bigint', t || '.id is bigint')
  FROM unnest(ARRAY['crash_game_rounds', 'analytics_round_multipliers', 'analytics_round_signals',
					'analytics_round_outcomes', 'ocr_validation_logs', 'error_logs', 'session_logs',
					'bot_vm_registration', 'game_platform_config']) AS t;
SELECT is(
	(SELECT count(*)::int FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
	  WHERE c.relnamespace = 'crash_analytics'::regnamespace AND a.attname = 'id' AND a.attidentity = 'a'),
	9, 'every table with an id column gets it from GENERATED ALWAYS AS IDENTITY');
SELECT is(
	(SELECT count(*)::int FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
	  WHERE c.relnamespace = 'crash_analytics'::regnamespace AND c.relkind = 'r'
		AND (i.indisunique OR i.indisprimary)
		AND c.relname NOT IN ('game_platform_config')
		AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'bot_id'
						 AND a.attnum = ANY (i.indkey))),
	0, 'every unique index of a per-bot table includes bot_id');
SELECT col_not_null('crash_analytics', t, 'bot_id', t || '.bot_id is NOT NULL')
  FROM unnest(ARRAY['crash_game_rounds', 'analytics_round_multipliers', 'analytics_round_signals',
					'analytics_round_outcomes', 'ocr_validation_logs', 'error_logs', 'session_logs',
					'bot_vm_registration', 'bot_rollups', 'bot_hourly_rollups', 'bot_daily_rollups']) AS t;

-- the main table: about 51 columns in twelve sections, money as numeric
SELECT cmp_ok((SELECT count(*)::int FROM pg_attribute WHERE attrelid = 'crash_analytics.crash_game_rounds'::regclass
				AND attnum > 0 AND NOT attisdropped), '>=', 51, 'crash_game_rounds has at least 51 columns');
SELECT col_type_is('crash_analytics', 'crash_game_rounds', c, 'numeric', 'crash_game_rounds.' || c || ' is numeric')
  FROM unnest(ARRAY['stake_value', 'crash_multiplier', 'cashout_multiplier', 'payout_value', 'profit_loss',
					'running_balance_before', 'running_balance_after']) AS c;
SELECT has_index('crash_analytics', 'crash_game_rounds', 'crash_game_rounds_round_key',
				 ARRAY['bot_id', 'session_id', 'round_number', 'bet_slot'], 'the idempotency key');
SELECT cmp_ok((SELECT count(*)::int FROM pg_indexes WHERE schemaname = 'crash_analytics'), '>=', 20,
			  'at least 20 indexes');
-- each table's indexes, exactly (each justified in the install script by the query it serves)
SELECT indexes_are('crash_analytics', 'game_platform_config', ARRAY['game_platform_config_pkey'], 'game_platform_config has exactly its indexes');
SELECT indexes_are('crash_analytics', 'bot_vm_registration', ARRAY['bot_vm_registration_pkey'], 'bot_vm_registration has exactly its indexes');
SELECT indexes_are('crash_analytics', 'session_logs', ARRAY['session_logs_pkey', 'session_logs_started_idx', 'session_logs_session_key'], 'session_logs has exactly its indexes');
SELECT indexes_are('crash_analytics', 'crash_game_rounds', ARRAY['crash_game_rounds_pkey', 'crash_game_rounds_round_key', 'crash_game_rounds_game_time_idx', 'crash_game_rounds_played_brin', 'crash_game_rounds_fair_idx', 'crash_game_rounds_play_idx'], 'crash_game_rounds has exactly its indexes');
SELECT indexes_are('crash_analytics', 'analytics_round_multipliers', ARRAY['analytics_round_multipliers_pkey', 'analytics_round_multipliers_round_key', 'analytics_round_multipliers_series_idx', 'analytics_round_multipliers_game_time_idx', 'analytics_round_multipliers_play_idx'], 'analytics_round_multipliers has exactly its indexes');
SELECT indexes_are('crash_analytics', 'analytics_round_signals', ARRAY['analytics_round_signals_pkey', 'analytics_round_signals_open_idx', 'analytics_round_signals_model_time_idx', 'analytics_round_signals_type_time_idx'], 'analytics_round_signals has exactly its indexes');
SELECT indexes_are('crash_analytics', 'analytics_round_outcomes', ARRAY['analytics_round_outcomes_pkey', 'analytics_round_outcomes_round_key'], 'analytics_round_outcomes has exactly its indexes');
SELECT indexes_are('crash_analytics', 'ocr_validation_logs', ARRAY['ocr_validation_logs_pkey', 'ocr_validation_logs_created_idx'], 'ocr_validation_logs has exactly its indexes');
SELECT indexes_are('crash_analytics', 'error_logs', ARRAY['error_logs_pkey', 'error_logs_occurred_idx'], 'error_logs has exactly its indexes');
SELECT indexes_are('crash_analytics', 'bot_rollups', ARRAY['bot_rollups_pkey'], 'bot_rollups has exactly its indexes');
SELECT indexes_are('crash_analytics', 'bot_hourly_rollups', ARRAY['bot_hourly_rollups_pkey', 'bot_hourly_rollups_game_hour_idx', 'bot_hourly_rollups_hour_idx'], 'bot_hourly_rollups has exactly its indexes');
SELECT indexes_are('crash_analytics', 'bot_daily_rollups', ARRAY['bot_daily_rollups_pkey', 'bot_daily_rollups_game_day_idx', 'bot_daily_rollups_day_idx'], 'bot_daily_rollups has exactly its indexes');
SELECT indexes_are('crash_analytics', 'bot_series_state', ARRAY['bot_series_state_pkey'], 'bot_series_state has exactly its indexes');
SELECT indexes_are('crash_analytics', 'bot_writers', ARRAY['bot_writers_pkey', 'bot_writers_role_idx'], 'bot_writers has exactly its indexes');
SELECT indexes_are('crash_analytics', 'bot_series_history', ARRAY['bot_series_history_pkey'], 'bot_series_history has exactly its indexes');
SELECT has_check('crash_analytics', 'crash_game_rounds', 'crash_game_rounds has CHECK constraints');
-- the identifier lengths the C checks enforce (CA_MAX_ID_LEN) hold for every row, a restored one too
SELECT col_has_check('crash_analytics', 'crash_game_rounds', c, 'crash_game_rounds.' || c || ' has a length CHECK')
  FROM unnest(ARRAY['bot_id', 'session_id', 'platform_round_id', 'strategy_name']) AS c;
PREPARE restored_round(text, text) AS
	INSERT INTO crash_analytics.crash_game_rounds
		(bot_id, session_id, round_number, game_name, platform_code, currency, game_rtp, played_at,
		 stake_value, crash_multiplier, payout_value, profit_loss, expected_profit, round_outcome,
		 is_instant_crash, outcome_source, ingest_path, derived_at)
	VALUES ($1, $2, 1, 'aviator', 'dafabet', 'USD', 0.97, now(), 0, 2.00, 0, 0, 0, 'SKIP',
			false, 'derived', 'insert', now());
SELECT throws_ok($$EXECUTE restored_round(repeat('b', 129), 's1')$$, '23514',
				 'new row for relation "crash_game_rounds" violates check constraint "crash_game_rounds_bot_id_check"',
				 'a restored round with a 129-character bot_id is refused');
SELECT throws_ok($$EXECUTE restored_round('tap_restored', '')$$, '23514',
				 'new row for relation "crash_game_rounds" violates check constraint "crash_game_rounds_session_id_check"',
				 'a restored round with an empty session_id is refused');
DEALLOCATE restored_round;
-- the validation rules as CHECKs (1.2): each table's CHECK constraints, exactly
SELECT is((SELECT array_agg(conname::text ORDER BY conname) FROM pg_constraint
			WHERE conrelid = 'crash_analytics.crash_game_rounds'::regclass AND contype = 'c'),
		  ARRAY['crash_game_rounds_balance_change_check', 'crash_game_rounds_balance_range_check', 'crash_game_rounds_bet_slot_check',
				'crash_game_rounds_bot_id_check', 'crash_game_rounds_cashout_check', 'crash_game_rounds_client_seed_check',
				'crash_game_rounds_confidence_check', 'crash_game_rounds_counts_check', 'crash_game_rounds_crash_check',
				'crash_game_rounds_detection_method_check', 'crash_game_rounds_error_message_check', 'crash_game_rounds_game_name_check',
				'crash_game_rounds_game_rtp_check', 'crash_game_rounds_identifier_chars_check', 'crash_game_rounds_ingest_path_check',
				'crash_game_rounds_instant_check', 'crash_game_rounds_money_check', 'crash_game_rounds_money_scale_check',
				'crash_game_rounds_ocr_raw_text_check', 'crash_game_rounds_outcome_check', 'crash_game_rounds_outcome_source_check',
				'crash_game_rounds_payout_check', 'crash_game_rounds_platform_code_check', 'crash_game_rounds_platform_round_id_check',
				'crash_game_rounds_round_hash_check', 'crash_game_rounds_round_number_check', 'crash_game_rounds_server_seed_check',
				'crash_game_rounds_server_seed_hash_check', 'crash_game_rounds_session_id_check', 'crash_game_rounds_skip_cashout_check',
				'crash_game_rounds_stake_check', 'crash_game_rounds_stake_limit_check', 'crash_game_rounds_step_nonce_check',
				'crash_game_rounds_strategy_name_check', 'crash_game_rounds_target_check', 'crash_game_rounds_time_order_check',
				'crash_game_rounds_timestamps_check', 'crash_game_rounds_win_cashout_check', 'crash_game_rounds_win_check'],
		  'crash_game_rounds has exactly its CHECK constraints');
SELECT is((SELECT array_agg(conname::text ORDER BY conname) FROM pg_constraint
			WHERE conrelid = 'crash_analytics.analytics_round_outcomes'::regclass AND contype = 'c'),
		  ARRAY['analytics_round_outcomes_cashout_check', 'analytics_round_outcomes_crash_check', 'analytics_round_outcomes_money_check',
				'analytics_round_outcomes_money_scale_check', 'analytics_round_outcomes_outcome_check', 'analytics_round_outcomes_payout_check',
				'analytics_round_outcomes_settled_at_check', 'analytics_round_outcomes_stake_limit_check', 'analytics_round_outcomes_target_check',
				'analytics_round_outcomes_win_cashout_check', 'analytics_round_outcomes_win_check'],
		  'analytics_round_outcomes has exactly its CHECK constraints');
SELECT is((SELECT array_agg(conname::text ORDER BY conname) FROM pg_constraint
			WHERE conrelid = 'crash_analytics.analytics_round_multipliers'::regclass AND contype = 'c'),
		  ARRAY['analytics_round_multipliers_instant_check', 'analytics_round_multipliers_multiplier_check',
				'analytics_round_multipliers_observed_at_check', 'analytics_round_multipliers_round_id_check',
				'analytics_round_multipliers_source_check'],
		  'analytics_round_multipliers has exactly its CHECK constraints');
SELECT is((SELECT array_agg(conname::text ORDER BY conname) FROM pg_constraint
			WHERE conrelid = 'crash_analytics.session_logs'::regclass AND contype = 'c'),
		  ARRAY['session_logs_balance_range_check', 'session_logs_counts_check', 'session_logs_drawdown_check', 'session_logs_ended_check',
				'session_logs_money_check', 'session_logs_session_id_check', 'session_logs_status_check', 'session_logs_times_check'],
		  'session_logs has exactly its CHECK constraints');
SELECT is((SELECT array_agg(conname::text ORDER BY conname) FROM pg_constraint
			WHERE conrelid = 'crash_analytics.bot_rollups'::regclass AND contype = 'c'),
		  ARRAY['bot_rollups_balance_range_check', 'bot_rollups_counts_check', 'bot_rollups_money_check'],
		  'bot_rollups has exactly its CHECK constraints');
SELECT is((SELECT array_agg(n ORDER BY n) FROM unnest(ARRAY[
			'crash_game_rounds_payout_check', 'crash_game_rounds_win_cashout_check', 'crash_game_rounds_skip_cashout_check',
			'crash_game_rounds_stake_limit_check', 'crash_game_rounds_money_scale_check', 'crash_game_rounds_balance_range_check',
			'crash_game_rounds_balance_change_check', 'crash_game_rounds_instant_check', 'crash_game_rounds_game_rtp_check',
			'crash_game_rounds_timestamps_check', 'crash_game_rounds_time_order_check', 'crash_game_rounds_game_name_check',
			'crash_game_rounds_platform_code_check', 'crash_game_rounds_identifier_chars_check', 'crash_game_rounds_detection_method_check',
			'crash_game_rounds_ocr_raw_text_check', 'crash_game_rounds_error_message_check', 'crash_game_rounds_server_seed_check',
			'crash_game_rounds_server_seed_hash_check', 'crash_game_rounds_client_seed_check', 'crash_game_rounds_round_hash_check',
			'crash_game_rounds_step_nonce_check', 'analytics_round_outcomes_payout_check', 'analytics_round_outcomes_win_cashout_check',
			'analytics_round_outcomes_win_check', 'analytics_round_outcomes_crash_check', 'analytics_round_outcomes_cashout_check',
			'analytics_round_outcomes_target_check', 'analytics_round_outcomes_stake_limit_check', 'analytics_round_outcomes_money_scale_check',
			'analytics_round_outcomes_settled_at_check', 'analytics_round_multipliers_observed_at_check', 'session_logs_balance_range_check',
			'session_logs_times_check', 'bot_rollups_balance_range_check']) AS n
		   WHERE NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = n AND c.connamespace = 'crash_analytics'::regnamespace
								AND obj_description(c.oid, 'pg_constraint') IS NOT NULL)),
		  NULL, 'every CHECK constraint added in 1.2 has a COMMENT');
SELECT is((SELECT count(*)::int FROM pg_constraint WHERE connamespace = 'crash_analytics'::regnamespace AND NOT convalidated),
		  0, 'every constraint is validated (existing rows were checked when it was added)');
SELECT throws_ok($$INSERT INTO crash_analytics.crash_game_rounds
		(bot_id, session_id, round_number, game_name, platform_code, currency, game_rtp, played_at,
		 stake_value, crash_multiplier, cashout_multiplier, payout_value, profit_loss, expected_profit, round_outcome,
		 is_instant_crash, outcome_source, ingest_path, derived_at)
	VALUES ('tap_restored', 's1', 1, 'aviator', 'dafabet', 'USD', 0.97, now(), 10.00, 1.50, 2.00, 50.00, 40.00, -0.30, 'LOSS',
			false, 'sent', 'insert', now())$$, '23514',
				 'new row for relation "crash_game_rounds" violates check constraint "crash_game_rounds_payout_check"',
				 'a restored LOSS that paid out is refused');
SELECT has_trigger('crash_analytics', 'crash_game_rounds', 'crash_game_rounds_ingest', 'INSERT/COPY go through the C funnel');
SELECT has_trigger('crash_analytics', t, t || '_updated_at', t || ' keeps updated_at')
  FROM unnest(ARRAY['bot_vm_registration', 'session_logs', 'analytics_round_signals']) AS t;
SELECT has_view('crash_analytics', 'v_bot_overview', 'bot overview view');
SELECT has_materialized_view('crash_analytics', 'mv_daily_bot_performance', 'daily bot performance');
SELECT has_materialized_view('crash_analytics', 'mv_hourly_game_statistics', 'hourly game statistics');
SELECT results_eq(
	$$SELECT game_name COLLATE "default" FROM crash_analytics.game_platform_config WHERE is_builtin GROUP BY 1 ORDER BY 1$$,
	ARRAY['aviator', 'aviatrix', 'jetx'], 'shipped configuration for aviator, aviatrix and jetx');

-- user data survives pg_dump: tables and their sequences are config-dumped
SELECT is(
	(SELECT count(*)::int FROM pg_extension e, unnest(e.extconfig) AS cfg(oid)
	  JOIN pg_class c ON c.oid = cfg.oid WHERE e.extname = 'crash_analytics' AND c.relkind = 'r'),
	15, 'all fifteen tables are marked for pg_dump');
SELECT is(
	(SELECT count(*)::int FROM pg_extension e, unnest(e.extconfig) AS cfg(oid)
	  JOIN pg_class c ON c.oid = cfg.oid WHERE e.extname = 'crash_analytics' AND c.relkind = 'S'),
	9, 'all nine identity sequences are marked for pg_dump');

-- every public object has a comment
SELECT is(
	(SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
	  WHERE p.pronamespace = 'crash_analytics'::regnamespace AND obj_description(p.oid, 'pg_proc') IS NULL),
	NULL, 'every function has a COMMENT');
SELECT is(
	(SELECT array_agg(c.relname::text ORDER BY 1) FROM pg_class c
	  WHERE c.relnamespace = 'crash_analytics'::regnamespace AND c.relkind IN ('r', 'v', 'm')
		AND obj_description(c.oid, 'pg_class') IS NULL),
	NULL, 'every table and view has a COMMENT');
SELECT is(
	(SELECT array_agg(c.relname::text ORDER BY 1) FROM pg_class c
	  WHERE c.relnamespace = 'crash_analytics'::regnamespace AND c.relkind = 'S'
		AND NOT EXISTS (SELECT 1 FROM pg_description d WHERE d.objoid = c.oid
						 AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0)),
	NULL, 'every sequence has a COMMENT');
SELECT is(
	(SELECT array_agg(c.relname::text ORDER BY 1) FROM pg_class c
	  WHERE c.relnamespace = 'crash_analytics'::regnamespace AND c.relkind IN ('i', 'I')
		AND NOT EXISTS (SELECT 1 FROM pg_description d WHERE d.objoid = c.oid
						 AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0)),
	NULL, 'every index has a COMMENT');
SELECT is(
	(SELECT array_agg(t.tgname::text ORDER BY 1) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
	  WHERE c.relnamespace = 'crash_analytics'::regnamespace AND NOT t.tgisinternal
		AND NOT EXISTS (SELECT 1 FROM pg_description d WHERE d.objoid = t.oid
						 AND d.classoid = 'pg_trigger'::regclass)),
	NULL, 'every trigger has a COMMENT');

-- functions that run with the owner's rights pin search_path
SELECT is(
	(SELECT array_agg(p.oid::regprocedure::text) FROM pg_proc p
	  WHERE p.pronamespace = 'crash_analytics'::regnamespace AND p.prosecdef
		AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) s WHERE s LIKE 'search_path=%')),
	NULL, 'SECURITY DEFINER functions pin search_path');

-- PUBLIC can do nothing
SELECT is(
	(SELECT count(*)::int FROM pg_proc p WHERE p.pronamespace = 'crash_analytics'::regnamespace
		AND has_function_privilege('public', p.oid, 'EXECUTE')),
	0, 'PUBLIC cannot execute any function');
SELECT is(
	(SELECT count(*)::int FROM pg_class c WHERE c.relnamespace = 'crash_analytics'::regnamespace
		AND c.relkind IN ('r', 'v', 'm', 'S')
		AND (has_table_privilege('public', c.oid, 'SELECT') OR has_table_privilege('public', c.oid, 'INSERT'))),
	0, 'PUBLIC cannot read or write any table');
SELECT ok(NOT has_schema_privilege('public', 'crash_analytics', 'USAGE'), 'PUBLIC has no USAGE on the schema');

-- the profiles
CREATE ROLE ca_test_bot LOGIN;
CREATE ROLE ca_test_analyst LOGIN;
SELECT crash_analytics.grant_writer('ca_test_bot');
SELECT crash_analytics.grant_reader('ca_test_analyst');

SET ROLE ca_test_bot;
SELECT lives_ok($$SELECT crash_analytics.log_crash_round('tap_bot', 's1', 'aviator', 'dafabet', 1, 10.00, 2.45, 1.33, 'WIN')$$,
				'a writer logs a round');
SELECT lives_ok($$SELECT crash_analytics.log_error('tap_bot', 'ocr', 'could not read')$$, 'a writer logs an error');
SELECT throws_ok($$SELECT * FROM crash_analytics.crash_game_rounds$$, '42501', NULL, 'a writer cannot read rounds');
SELECT throws_ok($$SELECT * FROM crash_analytics.bot_rollups$$, '42501', NULL, 'a writer cannot read roll-ups');
SELECT throws_ok($$INSERT INTO crash_analytics.error_logs (bot_id, error_type, error_message, occurred_at) VALUES ('x', 'y', 'z', now())$$,
				 '42501', NULL, 'a writer cannot write a table directly');
SELECT throws_ok($$SELECT crash_analytics.get_bot_statistics('tap_bot')$$, '42501', NULL,
				 'a writer cannot run the analytics');
SELECT throws_ok($$SELECT crash_analytics.register_game_platform('crash', 'x', 0.97)$$, '42501', NULL,
				 'a writer cannot register games');
RESET ROLE;

SET ROLE ca_test_analyst;
SELECT is((SELECT total_rounds FROM crash_analytics.get_bot_statistics('tap_bot')), 1::bigint, 'a reader runs the statistics');
SELECT is((SELECT count(*)::int FROM crash_analytics.crash_game_rounds), 1, 'a reader reads rounds');
SELECT throws_ok($$SELECT crash_analytics.log_crash_round('tap_bot', 's1', 'aviator', 'dafabet', 2, 10.00, 2.45, 1.33, 'WIN')$$,
				 '42501', NULL, 'a reader cannot log');
SELECT throws_ok($$DELETE FROM crash_analytics.error_logs$$, '42501', NULL, 'a reader cannot delete');
SELECT throws_ok($$UPDATE crash_analytics.bot_vm_registration SET status = 'paused'$$, '42501', NULL, 'a reader cannot update');
SELECT throws_ok($$INSERT INTO crash_analytics.error_logs (bot_id, error_type, error_message) VALUES ('tap_bot', 'x', 'y')$$,
				 '42501', NULL, 'a reader cannot insert');
RESET ROLE;

SET ROLE ca_test_bot;
RESET ROLE;
SELECT crash_analytics.revoke_writer('ca_test_bot');
SET ROLE ca_test_bot;
SELECT throws_ok($$SELECT crash_analytics.log_crash_round('tap_bot', 's1', 'aviator', 'dafabet', 3, 10.00, 2.45, 1.33, 'WIN')$$,
				 '42501', NULL, 'a revoked writer cannot log');
RESET ROLE;

-- per-bot writer roles: once restricted, a writer logs only for its bots
RESET ROLE;
SELECT crash_analytics.grant_writer('ca_test_bot');
SELECT crash_analytics.grant_bot_writer('ca_test_bot', 'tap_bot');
SET ROLE ca_test_bot;
SELECT lives_ok($$SELECT crash_analytics.log_crash_round('tap_bot', 's1', 'aviator', 'dafabet', 4, 10.00, 2.45, 1.33, 'WIN')$$,
				'a writer restricted to tap_bot logs for tap_bot');
SELECT throws_ok($$SELECT crash_analytics.log_crash_round('other_bot', 's1', 'aviator', 'dafabet', 1, 10.00, 2.45, 1.33, 'WIN')$$,
				 '42501', 'role "ca_test_bot" may not log for bot "other_bot"', 'and not for another bot');
SELECT throws_ok($$SELECT crash_analytics.log_error('other_bot', 'ocr', 'x')$$,
				 '42501', NULL, 'not even its errors');
RESET ROLE;
SELECT is(crash_analytics.revoke_bot_writer('ca_test_bot'), 1::bigint, 'revoking its only grant lifts the restriction');
SET ROLE ca_test_bot;
SELECT lives_ok($$SELECT crash_analytics.log_crash_round('other_bot', 's1', 'aviator', 'dafabet', 1, 10.00, 2.45, 1.33, 'WIN')$$,
				'an unrestricted writer logs for any bot');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
