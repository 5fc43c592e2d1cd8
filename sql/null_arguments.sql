-- NULL arguments of the analytics, export and maintenance functions (1.2).
--
-- The rule (README, "Wrong arguments"): a NULL where a function needs a
-- value is 22004 (null_value_not_allowed) and the message names the
-- argument; an argument whose NULL the documentation gives a meaning keeps
-- it (a NULL platform, bot, signal or game filter is "all", a NULL bound
-- "unbounded", a NULL row_limit "no limit", NULL buckets the default ones);
-- the scalar verifiers and helpers answer NULL with NULL, as SQL functions
-- do, so that they can run over rows that lack the data.  Nothing a refused
-- call touched changes.
SET timezone = 'UTC';
SET extra_float_digits = 0;
SET datestyle = 'ISO, YMD';
CREATE EXTENSION crash_analytics;

-- the SQLSTATE and message of a statement that must fail
CREATE FUNCTION pg_temp.fails(sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	st text;
	msg text;
BEGIN
	EXECUTE sql;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
	RETURN st || ': ' || msg;
END
$$;

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

-- A little data, so that "no rows" cannot pass for an answer: bot n1 plays
-- four rounds of session s1 on aviator/dafabet, stake 1.00 at cash-out
-- 2.00: crash 1.50 LOSS, 3.00 WIN, 2.50 WIN, 3.74 WIN (round 4 carries
-- bustabit's README game hash, whose v2 crash point is 3.74); then its own
-- model predicts 2.00x for the next round (a signal, left open).
SELECT count(crash_analytics.log_crash_round('n1', 's1', 'aviator', 'dafabet', r, 1.00, c, 2.00,
         round_started_at => '2026-01-05 10:00:00+00'::timestamptz + r * interval '1 minute', round_hash => h))
  FROM (VALUES (1, 1.50, NULL), (2, 3.00, NULL), (3, 2.50, NULL),
               (4, 3.74, '6774ddd3dfe94e2c966d4ca5c5ed6dcd1f6a4fdab87ad12677ee7c5b96d6a3f5')) AS v(r, c, h);
SELECT crash_analytics.log_round_signal('n1', 's1', 'aviator', 'dafabet', 'next_2x', 2.00, model_name => 'm1') IS NOT NULL AS signal;
CREATE TEMP TABLE before_calls AS SELECT * FROM pg_temp.table_digests();

-- ======================================================================
-- 1. A NULL where a value is needed: 22004, naming the argument
-- ======================================================================
SELECT call, pg_temp.fails(call) AS result
  FROM (VALUES
    ($$SELECT * FROM crash_analytics.get_bot_statistics(NULL)$$),
    ($$SELECT * FROM crash_analytics.get_session_summary(NULL)$$),
    ($$SELECT * FROM crash_analytics.get_session_summary(NULL, 'n1')$$),
    ($$SELECT * FROM crash_analytics.get_game_statistics(NULL)$$),
    ($$SELECT * FROM crash_analytics.get_game_statistics(NULL, 'dafabet')$$),
    ($$SELECT * FROM crash_analytics.get_multiplier_distribution(NULL)$$),
    ($$SELECT * FROM crash_analytics.get_multiplier_quantiles(NULL)$$),
    ($$SELECT * FROM crash_analytics.get_multiplier_quantiles('aviator', probabilities => NULL)$$),
    ($$SELECT * FROM crash_analytics.export_multipliers_for_ml(NULL)$$),
    ($$SELECT * FROM crash_analytics.export_multipliers_for_ml(NULL, NULL)$$),
    ($$SELECT * FROM crash_analytics.fairness_report(NULL, 'dafabet')$$),
    ($$SELECT * FROM crash_analytics.fairness_report('aviator', NULL)$$),
    ($$SELECT * FROM crash_analytics.verify_logged_rounds(NULL)$$),
    ($$SELECT * FROM crash_analytics.rollup_differences(NULL)$$),
    ($$SELECT * FROM crash_analytics.signal_differences(NULL)$$),
    ($$SELECT crash_analytics.rebuild_rollups(NULL)$$),
    ($$SELECT * FROM crash_analytics.backtest_strategy(NULL, 100.00, 'aviator', 'dafabet')$$),
    ($$SELECT * FROM crash_analytics.backtest_strategy('{"kind": "fixed", "target": 2.00, "base_stake": 1.00}', NULL, 'aviator', 'dafabet')$$),
    ($$SELECT * FROM crash_analytics.backtest_strategy('{"kind": "fixed", "target": 2.00, "base_stake": 1.00}', 100.00, NULL::text, 'dafabet')$$),
    ($$SELECT * FROM crash_analytics.backtest_strategy('{"kind": "fixed", "target": 2.00, "base_stake": 1.00}', 100.00, 'aviator', NULL)$$),
    ($$SELECT * FROM crash_analytics.backtest_strategy('{"kind": "fixed", "target": 2.00, "base_stake": 1.00}', 100.00, NULL::numeric[])$$),
    ($$SELECT * FROM crash_analytics.backtest_equity_curve('{"kind": "fixed", "target": 2.00, "base_stake": 1.00}', 100.00, NULL::text, 'dafabet')$$),
    ($$SELECT * FROM crash_analytics.backtest_equity_curve(NULL, 100.00, ARRAY[2.00])$$),
    ($$SELECT * FROM crash_analytics.backtest_simulated('{"kind": "fixed", "target": 2.00, "base_stake": 1.00}', 100.00, NULL, 0.97)$$),
    ($$SELECT * FROM crash_analytics.backtest_simulated('{"kind": "fixed", "target": 2.00, "base_stake": 1.00}', 100.00, 10, NULL)$$),
    ($$SELECT * FROM crash_analytics.risk_of_ruin('{"kind": "fixed", "target": 2.00, "base_stake": 1.00}', 100.00, NULL, 0.97)$$),
    ($$SELECT * FROM crash_analytics.risk_of_ruin('{"kind": "fixed", "target": 2.00, "base_stake": 1.00}', 100.00, 10, 0.97, simulations => NULL)$$),
    ($$SELECT * FROM crash_analytics.simulate_rounds(NULL, 'dafabet', 3)$$),
    ($$SELECT * FROM crash_analytics.simulate_rounds('aviator', NULL, 3)$$),
    ($$SELECT * FROM crash_analytics.simulate_rounds('aviator', 'dafabet', NULL)$$),
    ($$SELECT crash_analytics.grant_writer(NULL)$$),
    ($$SELECT crash_analytics.revoke_writer(NULL)$$),
    ($$SELECT crash_analytics.grant_reader(NULL)$$),
    ($$SELECT crash_analytics.revoke_reader(NULL)$$)
  ) AS v(call);

-- nothing any of them touched changed (rebuild_rollups(NULL) did not run)
SELECT count(*) AS tables_changed
  FROM pg_temp.table_digests() a JOIN before_calls b USING (tbl)
 WHERE a.digest IS DISTINCT FROM b.digest;

-- ======================================================================
-- 2. A NULL with a documented meaning keeps it
-- ======================================================================
-- get_session_summary(session, NULL): every bot of the session: n1, 4 rounds
SELECT bot_id, rounds FROM crash_analytics.get_session_summary('s1', NULL);
-- get_game_statistics(game, NULL): every platform of the game with rounds:
-- dafabet, 4 rounds, 3 wins
SELECT game_name, platform_code, rounds, wins FROM crash_analytics.get_game_statistics('aviator', NULL);
-- get_strategy_performance(NULL): every game; n1 has no strategy: one row
-- with strategy NULL and 4 rounds
SELECT strategy_name, rounds FROM crash_analytics.get_strategy_performance(NULL);
-- get_multiplier_distribution(game, NULL, NULL, NULL, NULL): all platforms,
-- all time, the default 12 buckets, of which 3 hold the 4 multipliers:
-- 1.50 in [1.50, 2.00), 2.50 in [2.00, 3.00), 3.00 and 3.74 in [3.00, 5.00)
SELECT count(*) AS buckets, count(*) FILTER (WHERE multipliers > 0) AS filled, sum(multipliers) AS multipliers
  FROM crash_analytics.get_multiplier_distribution('aviator', NULL, NULL, NULL, NULL);
-- get_signal_effectiveness(NULL): every signal type and model: the model's
-- one signal, open (the default low_streak rule needs 3 multipliers under
-- 2x in a row: it emitted none)
SELECT source, signal_type, model_name, signals, resolved FROM crash_analytics.get_signal_effectiveness(NULL);
-- export_rounds_to_json(NULL, NULL, NULL, NULL): every round
SELECT count(*) AS rounds FROM crash_analytics.export_rounds_to_json(NULL, NULL, NULL, NULL);
-- export_multipliers_for_ml(game, NULL): no limit, all 4
SELECT count(*) AS examples FROM crash_analytics.export_multipliers_for_ml('aviator', NULL);
-- ocr_data_quality(NULL, NULL): all time; n1's one series
SELECT bot_id, multipliers FROM crash_analytics.ocr_data_quality(NULL, NULL);
-- verify_logged_rounds(algorithm, NULL, ...): every game: round 4, the one
-- with a game hash, recomputed to its logged 3.74
SELECT platform_code, logged_crash, recomputed_crash, ok
  FROM crash_analytics.verify_logged_rounds('bustabit_v2', NULL);
-- backtest_strategy over an array with rtp NULL: no theory figures
SELECT rounds_replayed, wins, expected_profit
  FROM crash_analytics.backtest_strategy('{"kind": "fixed", "target": 2.00, "base_stake": 1.00}', 100.00,
                                         ARRAY[1.50, 3.00], NULL);
-- simulate_rounds(game, platform, n, NULL): the game's own RTP
SELECT count(*) AS simulated FROM crash_analytics.simulate_rounds('aviator', 'dafabet', 3, NULL);
-- refresh_analytics(NULL): refreshes without CONCURRENTLY; n1's day, 4 rounds
SELECT crash_analytics.refresh_analytics(NULL);
SELECT bot_id, day, rounds FROM crash_analytics.mv_daily_bot_performance;

-- ======================================================================
-- 3. Scalar verifiers and helpers: NULL in, NULL out
-- ======================================================================
SELECT crash_analytics.verify_crash_bustabit(NULL) IS NULL AS bustabit,
       crash_analytics.verify_crash_stake(NULL, 'c', 1) IS NULL AS stake,
       crash_analytics.verify_crash_stake_chain(NULL) IS NULL AS stake_chain,
       crash_analytics.verify_crash_roobet(NULL) IS NULL AS roobet,
       crash_analytics.verify_hash_chain(NULL::text, 'x') IS NULL AS hash_chain,
       crash_analytics.wilson_low_percent(NULL, 10) IS NULL AS wilson;

DROP EXTENSION crash_analytics;
DROP SCHEMA crash_analytics;
