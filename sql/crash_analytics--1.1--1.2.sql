/* sql/crash_analytics--1.1--1.2.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION crash_analytics UPDATE TO '1.2'" to load this file. \quit

/*
 * Version 1.2.  A fresh CREATE EXTENSION runs crash_analytics--1.0.sql,
 * crash_analytics--1.0--1.1.sql and then this script, so a new install and
 * an updated one are built by the same statements.
 *
 * A function whose body changes is dropped and created again (extension
 * scripts never use CREATE OR REPLACE); the grants made on it are carried
 * over to the new one (section 6), and a user's view or function that
 * depends on it stops the update with PostgreSQL's dependency error,
 * nothing changed.
 */

/* ========================================================================
 * 0. The grants on the functions this script re-creates, saved (section 6
 *    gives them back)
 * ======================================================================== */

-- (end of section 0)

/* ========================================================================
 * 1. Daily roll-ups
 * ======================================================================== */

-- (end of section 1)

/* ========================================================================
 * 2. Indexes
 * ======================================================================== */

-- (end of section 2)

/* ========================================================================
 * 3. Constraints
 * ======================================================================== */

-- (end of section 3)

/* ========================================================================
 * 4. Analytics functions
 * ======================================================================== */

-- (end of section 4)

/* ========================================================================
 * 5. Errors and access
 * ======================================================================== */

/*
 * A NULL where a function needs a value is 22004 (null_value_not_allowed),
 * naming the argument, as get_bot_statistics(NULL) always was: in 1.1 a
 * NULL game was reported as a game that is not registered (42704), a NULL
 * session as a session that does not exist (42704), NULL probabilities as
 * empty ones (22023), and the per-bot replays answered a NULL bot with no
 * rows or NULL.
 * Arguments whose NULL the documentation gives a meaning keep it (a NULL
 * platform, bot or signal is "all", a NULL bound "unbounded", a NULL
 * row_limit "no limit"); scalar helpers and verifiers (wilson_*,
 * verify_crash_*, ...) keep SQL's "NULL in, NULL out", so that they can run
 * over rows that lack the data.
 *
 * require_game() is where every function that needs a game checks it
 * (get_game_statistics, get_multiplier_distribution, get_multiplier_quantiles,
 * export_multipliers_for_ml, fairness_report); it now refuses a NULL game
 * first.  export_multipliers_for_ml is a SQL-standard function that depends
 * on it, so it is dropped first and created again unchanged but for its
 * comment.
 */
DROP FUNCTION crash_analytics.export_multipliers_for_ml(text, integer);
DROP FUNCTION crash_analytics.require_game(text, text);
CREATE FUNCTION crash_analytics.require_game(game text, platform text)
RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF game IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'game must not be null';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM crash_analytics.game_platform_config c
					WHERE c.game_name = require_game.game
					  AND (require_game.platform IS NULL OR c.platform_code = require_game.platform)) THEN
		RAISE EXCEPTION USING ERRCODE = 'undefined_object',
			MESSAGE = format('game/platform "%s/%s" is not registered', game, coalesce(platform, '*'));
	END IF;
	RETURN true;
END
$$;
COMMENT ON FUNCTION crash_analytics.require_game(text, text) IS
	'True, or an error: 22004 when game is NULL, 42704 when the game (on the platform, if given) is not registered.';
REVOKE ALL ON FUNCTION crash_analytics.require_game(text, text) FROM PUBLIC;

CREATE FUNCTION crash_analytics.export_multipliers_for_ml(game text, row_limit integer DEFAULT 10000)
RETURNS SETOF jsonb
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	WITH picked AS MATERIALIZED (
		SELECT p.id, p.bot_id, p.platform_code, p.round_number, p.observed_at, p.multiplier
		  FROM crash_analytics.game_platform_config c
		 CROSS JOIN LATERAL (
			SELECT x.id, x.bot_id, x.platform_code, x.round_number, x.observed_at, x.multiplier
			  FROM crash_analytics.analytics_round_multipliers x
			 WHERE x.game_name = c.game_name AND x.platform_code = c.platform_code
			 ORDER BY x.observed_at DESC, x.round_number DESC, x.id DESC
			 LIMIT export_multipliers_for_ml.row_limit) p
		 -- (coalesce: "= NULL" would let the planner drop the scan, and with it
		 -- the check that makes a NULL game an error)
		 WHERE c.game_name = coalesce(export_multipliers_for_ml.game, '')
		   AND crash_analytics.require_game(export_multipliers_for_ml.game, NULL)
		   AND (export_multipliers_for_ml.row_limit IS NULL
				OR crash_analytics.check_row_limit(export_multipliers_for_ml.row_limit))
		 ORDER BY p.observed_at DESC, p.round_number DESC, p.id DESC
		 LIMIT export_multipliers_for_ml.row_limit
	), ranked AS MATERIALIZED (	-- k: the row's rank among the exported rows of its series
		SELECT p.*, pg_catalog.row_number() OVER (PARTITION BY p.bot_id, p.platform_code
												  ORDER BY p.observed_at, p.round_number, p.id) AS k
		  FROM picked p
	), before_first AS MATERIALIZED (	-- per series: its rounds before the oldest exported row, up to 1,000
		SELECT f.bot_id, f.platform_code,
			   (SELECT pg_catalog.count(*)
				  FROM (SELECT FROM crash_analytics.analytics_round_multipliers y
						 WHERE y.bot_id = f.bot_id AND y.game_name = export_multipliers_for_ml.game
						   AND y.platform_code = f.platform_code
						   AND (y.observed_at, y.round_number, y.id) < (f.observed_at, f.round_number, f.id)
						 LIMIT 1000) y) AS n
		  FROM ranked f WHERE f.k = 1
	)
	SELECT pg_catalog.jsonb_build_object(
			'id', r.id, 'bot_id', r.bot_id, 'platform_code', r.platform_code, 'round_number', r.round_number,
			'observed_at', r.observed_at,
			'features', pg_catalog.jsonb_build_object(
				'lags', coalesce(w.lags, '{}'), 'history', h.history,
				'mean_log_10', w.mean_log_10, 'mean_log_50', w.mean_log_50,
				'share_under_2x_10', w.under2_10, 'share_under_2x_50', w.under2_50,
				'instant_crashes_50', w.instant_50,
				-- earlier rounds in a row under 2x: up to the last one at 2x or more
				'rounds_under_2x_in_a_row', coalesce(h2.k - 1, h.history),
				-- rounds since the last 10x, that one included (NULL: none)
				'rounds_since_10x', h10.k),
			'label', r.multiplier)
	  FROM ranked r
	  JOIN before_first b ON b.bot_id = r.bot_id AND b.platform_code = r.platform_code
	 CROSS JOIN LATERAL (SELECT LEAST(1000, b.n + r.k - 1) AS history) h
	 CROSS JOIN LATERAL (	-- the last 50 rounds played before this one, newest first (k 1..50)
		SELECT pg_catalog.array_agg(x.multiplier ORDER BY x.k) FILTER (WHERE x.k <= 10) AS lags,
			   pg_catalog.round((pg_catalog.avg(x.ln) FILTER (WHERE x.k <= 10))::numeric, 6) AS mean_log_10,
			   pg_catalog.round(pg_catalog.avg(x.ln)::numeric, 6) AS mean_log_50,
			   pg_catalog.round(pg_catalog.avg((x.multiplier < 2)::integer) FILTER (WHERE x.k <= 10), 4) AS under2_10,
			   pg_catalog.round(pg_catalog.avg((x.multiplier < 2)::integer), 4) AS under2_50,
			   pg_catalog.count(*) FILTER (WHERE x.multiplier = 1.00) AS instant_50
		  FROM (SELECT y.multiplier, pg_catalog.ln(y.multiplier::double precision) AS ln,
					   pg_catalog.row_number() OVER (ORDER BY y.observed_at DESC, y.round_number DESC, y.id DESC) AS k
				  FROM crash_analytics.analytics_round_multipliers y
				 WHERE y.bot_id = r.bot_id AND y.game_name = export_multipliers_for_ml.game
				   AND y.platform_code = r.platform_code
				   AND (y.observed_at, y.round_number, y.id) < (r.observed_at, r.round_number, r.id)
				 ORDER BY y.observed_at DESC, y.round_number DESC, y.id DESC
				 LIMIT 50) x) w
	  LEFT JOIN LATERAL (	-- the last earlier round at 2x or more, within 1,000
		SELECT z.k
		  FROM (SELECT y.multiplier,
					   pg_catalog.row_number() OVER (ORDER BY y.observed_at DESC, y.round_number DESC, y.id DESC) AS k
				  FROM crash_analytics.analytics_round_multipliers y
				 WHERE y.bot_id = r.bot_id AND y.game_name = export_multipliers_for_ml.game
				   AND y.platform_code = r.platform_code
				   AND (y.observed_at, y.round_number, y.id) < (r.observed_at, r.round_number, r.id)
				 ORDER BY y.observed_at DESC, y.round_number DESC, y.id DESC
				 LIMIT 1000) z
		 WHERE z.multiplier >= 2
		 LIMIT 1) h2 ON true
	  LEFT JOIN LATERAL (	-- the last earlier round at 10x or more, within 1,000
		SELECT z.k
		  FROM (SELECT y.multiplier,
					   pg_catalog.row_number() OVER (ORDER BY y.observed_at DESC, y.round_number DESC, y.id DESC) AS k
				  FROM crash_analytics.analytics_round_multipliers y
				 WHERE y.bot_id = r.bot_id AND y.game_name = export_multipliers_for_ml.game
				   AND y.platform_code = r.platform_code
				   AND (y.observed_at, y.round_number, y.id) < (r.observed_at, r.round_number, r.id)
				 ORDER BY y.observed_at DESC, y.round_number DESC, y.id DESC
				 LIMIT 1000) z
		 WHERE z.multiplier >= 10
		 LIMIT 1) h10 ON true
	 ORDER BY r.observed_at, r.round_number, r.id;
END;
COMMENT ON FUNCTION crash_analytics.export_multipliers_for_ml(text, integer) IS
	'The latest row_limit multipliers of a game (all of them when row_limit is NULL) in play order (observed_at, round_number, id) as ML examples, one JSON object a row, oldest first: features from the rounds the same bot played before it in the same game/platform only, looking back at most 1,000 rounds (last 10 multipliers, mean log multiplier and share under 2x over 10 and 50 rounds, instant crashes in 50, rounds in a row under 2x, rounds since a 10x, rounds before, counted up to 1,000), and the label, the multiplier of the round itself: the next one after the rounds the features describe. 22004 for a NULL game, 42704 for an unknown one, 22023 for a row_limit below 1.';
REVOKE ALL ON FUNCTION crash_analytics.export_multipliers_for_ml(text, integer) FROM PUBLIC;

DROP FUNCTION crash_analytics.get_session_summary(text, text);
CREATE FUNCTION crash_analytics.get_session_summary(session text, bot text DEFAULT NULL)
RETURNS TABLE(bot_id text, session_id text, game_name text, platform_code text, status text,
	started_at timestamptz, ended_at timestamptz, last_round_at timestamptz, duration interval,
	rounds bigint, bets bigint, wins bigint, losses bigint, skips bigint, voids bigint,
	win_rate_percent numeric, win_rate_ci_low_percent numeric, win_rate_ci_high_percent numeric,
	chance_win_rate_percent numeric, total_staked numeric, total_payout numeric, total_profit numeric,
	roi_percent numeric, roi_ci_low_percent numeric, roi_ci_high_percent numeric,
	expected_profit numeric, luck numeric, best_round_profit numeric, worst_round_profit numeric,
	balance_start numeric, balance_current numeric, peak_balance numeric, max_drawdown numeric,
	last_round_number bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF session IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'session must not be null';
	END IF;
	RETURN QUERY
	SELECT s.bot_id::text, s.session_id::text, s.game_name::text, s.platform_code::text, s.status,
		   s.started_at, s.ended_at, s.last_round_at, coalesce(s.ended_at, s.last_round_at) - s.started_at,
		   s.rounds_played, s.bets_placed, s.wins, s.losses, s.skips, s.voids,
		   CASE WHEN s.wins + s.losses > 0 THEN round(100.0 * s.wins / (s.wins + s.losses), 2) END,
		   crash_analytics.wilson_low_percent(s.wins, s.wins + s.losses),
		   crash_analytics.wilson_high_percent(s.wins, s.wins + s.losses),
		   CASE WHEN s.targeted_bets > 0 THEN round(100 * s.sum_win_probability / s.targeted_bets, 2) END,
		   s.total_staked, s.total_payout, s.total_profit,
		   CASE WHEN s.total_staked > 0 THEN round(100 * s.total_profit / s.total_staked, 2) END,
		   crash_analytics.roi_ci_low_percent(s.bets_placed, s.total_staked, s.total_profit, s.sum_profit_squared),
		   crash_analytics.roi_ci_high_percent(s.bets_placed, s.total_staked, s.total_profit, s.sum_profit_squared),
		   s.expected_profit, s.total_profit - s.expected_profit, s.best_profit, s.worst_profit,
		   s.balance_start, s.balance_current, s.peak_balance, s.max_drawdown, s.last_round_number
	  FROM crash_analytics.session_logs s
	 WHERE s.session_id = get_session_summary.session
	   AND (get_session_summary.bot IS NULL OR s.bot_id = get_session_summary.bot)
	 ORDER BY s.bot_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'undefined_object',
			MESSAGE = format('session "%s" does not exist', session)
					  || CASE WHEN bot IS NULL THEN '' ELSE format(' for bot "%s"', bot) END;
	END IF;
END
$$;
COMMENT ON FUNCTION crash_analytics.get_session_summary(text, text) IS
	'A session''s figures (one row per bot using that session id, or the given bot''s): duration, counts, win rate with its interval beside chance, money, ROI with its interval, expected profit and luck, balances and drawdown. NULL session: 22004; unknown session, or a bot that did not use it: 42704 (a NULL bot means every bot).';
REVOKE ALL ON FUNCTION crash_analytics.get_session_summary(text, text) FROM PUBLIC;

DROP FUNCTION crash_analytics.get_multiplier_quantiles(text, text, timestamptz, timestamptz, double precision[]);
CREATE FUNCTION crash_analytics.get_multiplier_quantiles(game text, platform text DEFAULT NULL,
	from_time timestamptz DEFAULT NULL, to_time timestamptz DEFAULT NULL,
	probabilities double precision[] DEFAULT '{0.25,0.5,0.75,0.9,0.99}')
RETURNS TABLE(probability double precision, observed numeric, theoretical numeric, multipliers bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	q double precision;
BEGIN
	PERFORM crash_analytics.check_period(from_time, to_time);
	PERFORM crash_analytics.require_game(game, platform);
	IF probabilities IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'probabilities must not be null';
	END IF;
	IF cardinality(probabilities) = 0 THEN
		RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'probabilities must not be empty';
	END IF;
	FOREACH q IN ARRAY probabilities LOOP
		IF q IS NULL OR q = 'NaN' OR q <= 0 OR q >= 1 THEN
			RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
				MESSAGE = 'probabilities must be between 0 and 1, exclusive',
				DETAIL = format('One of them is %s.', coalesce(q::text, 'NULL'));
		END IF;
	END LOOP;
	RETURN QUERY
	WITH d AS (
		SELECT * FROM crash_analytics.distinct_multipliers(game, platform, from_time, to_time)
	), obs AS (
		SELECT percentile_disc(probabilities) WITHIN GROUP (ORDER BY d.multiplier) AS v, count(*) AS n
		  FROM d
	), w AS (	-- the RTP, weighted by how many multipliers each platform contributes
		SELECT sum(c.rtp * x.n) / nullif(sum(x.n), 0) AS rtp
		  FROM (SELECT d.platform_code, count(*) AS n FROM d GROUP BY 1) x
		  JOIN crash_analytics.game_platform_config c
			ON c.game_name = get_multiplier_quantiles.game AND c.platform_code = x.platform_code
	)
	-- theoretical: the smallest x on the 0.01 grid with P(X <= x) = 1 - RTP/(x + 0.01) >= q
	SELECT p.q, obs.v[p.k], round(greatest(1.00, ceil(100 * (w.rtp / (1 - p.q::numeric) - 0.01)) / 100), 2), obs.n
	  FROM unnest(probabilities) WITH ORDINALITY AS p(q, k), obs, w
	 WHERE obs.n > 0		-- a period without multipliers gives no rows
	 ORDER BY p.k;
END
$$;
COMMENT ON FUNCTION crash_analytics.get_multiplier_quantiles(text, text, timestamptz, timestamptz, double precision[]) IS
	'Quantiles of the crash multiplier (each platform round once), observed beside theoretical under P(crash >= x) = RTP/x on the 0.01 grid; the median of a fair 97% game is 1.93. 22004 for a NULL game or probabilities.';
REVOKE ALL ON FUNCTION crash_analytics.get_multiplier_quantiles(text, text, timestamptz, timestamptz, double precision[]) FROM PUBLIC;

/*
 * The per-bot replays take a NULL bot_id to their C code, which refuses it
 * (22004).  Only their strictness changes, so they are altered in place
 * and keep their grants.
 */
ALTER FUNCTION crash_analytics.rollup_differences(text) CALLED ON NULL INPUT;
ALTER FUNCTION crash_analytics.signal_differences(text) CALLED ON NULL INPUT;
ALTER FUNCTION crash_analytics.rebuild_rollups(text) CALLED ON NULL INPUT;

-- (end of section 5)

/* ========================================================================
 * 6. Grants of the profiles
 * ======================================================================== */

-- (end of section 6)
