-- Every secondary index is paid for by every row written, so each must serve
-- a query of the extension: the query named in the index's comment, written
-- here as the extension writes it, can read the index.  Sequential scans are
-- turned off so that the small data set does not hide a plan the index
-- cannot give: a query that cannot use its index still shows no index scan.
-- (Primary keys and the indexes the C write path probes by name are used by
-- construction: catalog.c refuses to run without them.)
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
CREATE EXTENSION crash_analytics;
SELECT plan(16);
SET LOCAL enable_seqscan = off;

-- the plan of a statement, as one text
CREATE FUNCTION pg_temp.plan_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	line text;
	result text := '';
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || stmt LOOP
		result := result || line || E'\n';
	END LOOP;
	RETURN result;
END
$$;
-- the statement's plan reads the index
CREATE FUNCTION pg_temp.uses(idx text, stmt text, what text) RETURNS text LANGUAGE sql AS $$
	SELECT ok(pg_temp.plan_of(stmt) ~ ('(Index|Index Only|Bitmap Index) Scan( Backward)? (using|on) ' || idx || '\M'),
			  idx || ': ' || what)
$$;

-- some rows, so that the statistics are not those of empty tables
SELECT crash_analytics.log_crash_round('idx_bot', 's1', 'aviator', 'dafabet', n, 1.00, 1.00 + n % 5, 1.50,
									   round_started_at => '2026-03-01 00:00:00+00'::timestamptz + n * interval '10 minutes') > 0
  FROM generate_series(1, 300) n \g /dev/null
SELECT crash_analytics.log_error('idx_bot', 'ocr', 'unreadable', occurred_at => '2026-03-01') IS NOT NULL \g /dev/null
SELECT crash_analytics.log_ocr_validation('idx_bot', '2.45x', 2.45, 0.9, true) IS NOT NULL \g /dev/null
ANALYZE crash_analytics.crash_game_rounds, crash_analytics.analytics_round_multipliers,
		crash_analytics.analytics_round_signals, crash_analytics.session_logs, crash_analytics.error_logs,
		crash_analytics.ocr_validation_logs, crash_analytics.bot_hourly_rollups, crash_analytics.bot_daily_rollups;

-- crash_game_rounds
SELECT pg_temp.uses('crash_game_rounds_game_time_idx',
	$$SELECT * FROM crash_analytics.crash_game_rounds r
	   WHERE r.game_name = 'aviator' AND r.platform_code = 'dafabet'
		 AND r.played_at >= '2026-03-01 00:20' AND r.played_at < '2026-03-01 01:00'$$,
	'period_figures reads the rounds of the partial hours of a game/platform');
SELECT pg_temp.uses('crash_game_rounds_played_brin',
	$$DELETE FROM crash_analytics.crash_game_rounds r WHERE r.played_at < '2026-03-01 12:00'$$,
	'purge_rounds_before deletes the rounds played before its cutoff');
SELECT pg_temp.uses('crash_game_rounds_fair_idx',
	$$SELECT * FROM crash_analytics.crash_game_rounds g
	   WHERE g.game_name = 'aviator' AND g.platform_code = 'dafabet' AND g.server_seed IS NOT NULL$$,
	'verify_logged_rounds reads the rounds that carry revealed seeds');

-- analytics_round_multipliers
SELECT pg_temp.uses('analytics_round_multipliers_game_time_idx',
	$$SELECT * FROM crash_analytics.distinct_multipliers('aviator', 'dafabet', '2026-03-01 01:00', '2026-03-01 02:00')$$,
	'distinct_multipliers (distribution, backtests, fairness) reads a game/platform''s period');
SELECT pg_temp.uses('analytics_round_multipliers_series_idx',
	$$SELECT m.id, m.multiplier FROM crash_analytics.analytics_round_multipliers m
	   WHERE m.bot_id = 'idx_bot' AND m.game_name = 'aviator' AND m.platform_code = 'dafabet' AND m.id > 10
	   ORDER BY m.id LIMIT 1$$,
	'verify_consistency finds the multiplier that resolves a signal (the write path reads the series by it too)');
SELECT pg_temp.uses('analytics_round_multipliers_play_idx',
	$$SELECT m.multiplier FROM crash_analytics.analytics_round_multipliers m
	   WHERE m.bot_id = 'idx_bot' AND m.game_name = 'aviator' AND m.platform_code = 'dafabet'
		 AND (m.observed_at, m.round_number, m.id) < ('2026-03-01 10:00', 60, 60)
	   ORDER BY m.observed_at DESC, m.round_number DESC, m.id DESC LIMIT 20$$,
	'export_multipliers_for_ml reads the rounds before each exported one, in play order');

-- analytics_round_signals
SELECT pg_temp.uses('analytics_round_signals_type_time_idx',
	$$SELECT * FROM crash_analytics.analytics_round_signals s
	   WHERE s.signal_type = 'low_streak' AND s.emitted_at >= '2026-03-01' AND s.emitted_at < '2026-03-02'$$,
	'get_signal_effectiveness reads a rule type''s signals of a period');
SELECT pg_temp.uses('analytics_round_signals_model_time_idx',
	$$SELECT * FROM crash_analytics.analytics_round_signals s
	   WHERE s.model_name = 'gbm_v2' AND s.emitted_at >= '2026-03-01' AND s.emitted_at < '2026-03-02'$$,
	'get_signal_effectiveness reads a model''s signals of a period');

-- sessions, errors, OCR readings: the retention purge and the OCR report
SELECT pg_temp.uses('session_logs_started_idx',
	$$DELETE FROM crash_analytics.session_logs s WHERE s.started_at < '2026-03-01 12:00'$$,
	'purge_rounds_before deletes the sessions started before its cutoff');
SELECT pg_temp.uses('error_logs_occurred_idx',
	$$DELETE FROM crash_analytics.error_logs e WHERE e.occurred_at < '2026-03-01 12:00'$$,
	'purge_rounds_before deletes the errors before its cutoff');
SELECT pg_temp.uses('ocr_validation_logs_created_idx',
	$$SELECT * FROM crash_analytics.ocr_validation_logs o
	   WHERE o.created_at >= '2026-03-01' AND o.created_at < '2026-03-02'$$,
	'ocr_data_quality reads the readings of a period');
SELECT pg_temp.uses('ocr_validation_logs_created_idx',
	$$DELETE FROM crash_analytics.ocr_validation_logs o WHERE o.created_at < '2026-03-01 12:00'$$,
	'purge_rounds_before deletes the readings before its cutoff');

-- roll-ups: period_figures (game and strategy statistics).  Each table has an
-- index by game/platform and period and one by period alone; on this small
-- data set either serves, so each is shown with the other one dropped (the
-- test's transaction is rolled back)
SAVEPOINT one_index;
DROP INDEX crash_analytics.bot_hourly_rollups_hour_idx;
DROP INDEX crash_analytics.bot_daily_rollups_day_idx;
SELECT pg_temp.uses('bot_hourly_rollups_game_hour_idx',
	$$SELECT * FROM crash_analytics.period_figures('aviator', 'dafabet', '2026-03-01 00:20', '2026-03-01 05:10')$$,
	'period_figures reads the whole hours of a game/platform');
SELECT pg_temp.uses('bot_daily_rollups_game_day_idx',
	$$SELECT * FROM crash_analytics.period_figures('aviator', 'dafabet', '2026-02-27 00:20', '2026-03-03 05:10')$$,
	'period_figures reads the whole days of a game/platform');
ROLLBACK TO SAVEPOINT one_index;
SELECT pg_temp.uses('bot_hourly_rollups_hour_idx',
	$$SELECT * FROM crash_analytics.period_figures(NULL, NULL, '2026-03-01 00:20', '2026-03-01 05:10')$$,
	'period_figures reads the whole hours of every game (strategy performance)');
SELECT pg_temp.uses('bot_daily_rollups_day_idx',
	$$SELECT * FROM crash_analytics.period_figures(NULL, NULL, '2026-02-27 00:20', '2026-03-03 05:10')$$,
	'period_figures reads the whole days of every game (strategy performance)');

SELECT * FROM finish();
ROLLBACK;
