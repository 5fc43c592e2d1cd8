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

/*
 * get_signal_effectiveness reads the platform rounds of each game/platform
 * once.  1.1 counted the empirical baseline of every distinct (game,
 * platform, target) with its own call of distinct_multipliers(), so the cost
 * was (distinct targets) x (multipliers): on 1,000,001 multipliers (500,001
 * platform rounds), 1.0 s for one target and 44 s for 50 model signals with
 * distinct targets; now 1.2 s and 2.0 s (medians of 3).  Now each
 * game/platform's targets form one sorted array, each of its platform rounds
 * (each once, as before) is counted in the bucket width_bucket() gives it
 * (how many of the targets it reaches), and the count at or above a target
 * is a cumulative sum over those buckets.  The rate is the same numeric
 * quotient, cast the same way, as 1.1's avg over the rounds.
 */
DROP FUNCTION crash_analytics.get_signal_effectiveness(text, timestamptz, timestamptz);
CREATE FUNCTION crash_analytics.get_signal_effectiveness(signal text DEFAULT NULL,
	from_time timestamptz DEFAULT NULL, to_time timestamptz DEFAULT NULL)
RETURNS TABLE(source text, signal_type text, model_name text, signals bigint, resolved bigint,
	hits bigint, hit_rate_percent numeric, hit_rate_ci_low_percent numeric, hit_rate_ci_high_percent numeric,
	baseline_theoretical_percent numeric, baseline_empirical_percent numeric, lift numeric,
	p_value double precision)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM crash_analytics.check_period(from_time, to_time);
	RETURN QUERY
	WITH s AS MATERIALIZED (
		SELECT s.source, s.signal_type::text AS signal_type, s.model_name::text AS model_name,
			   s.game_name, s.platform_code, s.target_multiplier, s.status,
			   least(1, c.rtp / s.target_multiplier)::double precision AS p
		  FROM crash_analytics.analytics_round_signals s
		  JOIN crash_analytics.game_platform_config c
			ON c.game_name = s.game_name AND c.platform_code = s.platform_code
		 WHERE (signal IS NULL OR s.signal_type = signal OR s.model_name = signal)
		   AND s.emitted_at >= coalesce(from_time, '-infinity') AND s.emitted_at < coalesce(to_time, 'infinity')
	), edges AS MATERIALIZED (	-- per game/platform, the distinct targets of its signals, increasing
		SELECT s.game_name, s.platform_code,
			   array_agg(DISTINCT s.target_multiplier ORDER BY s.target_multiplier) AS targets
		  FROM s
		 GROUP BY s.game_name, s.platform_code
	), reached AS MATERIALIZED (	-- one pass over the platform rounds (each once): b = how many targets a round reached
		SELECT e.game_name, e.platform_code, r.b, r.n
		  FROM edges e
		 CROSS JOIN LATERAL (
			SELECT width_bucket(d.multiplier, e.targets) AS b, count(*) AS n
			  FROM crash_analytics.distinct_multipliers(e.game_name, e.platform_code, from_time, to_time) d
			 GROUP BY 1) r
	), totals AS (
		SELECT r.game_name, r.platform_code, sum(r.n) AS n
		  FROM reached r
		 GROUP BY r.game_name, r.platform_code
	), targets AS (	-- the share of the period's platform rounds that reached each target (NULL without rounds)
		SELECT t.game_name, t.platform_code, t.target_multiplier,
			   (sum(t.n) OVER (PARTITION BY t.game_name, t.platform_code ORDER BY t.k DESC) / z.n)::double precision AS rate
		  FROM (SELECT e.game_name, e.platform_code, x.target AS target_multiplier, x.k, coalesce(r.n, 0) AS n
				  FROM edges e
				 CROSS JOIN LATERAL unnest(e.targets) WITH ORDINALITY AS x(target, k)
				  LEFT JOIN reached r
					ON r.game_name = e.game_name AND r.platform_code = e.platform_code AND r.b = x.k) t
		  LEFT JOIN totals z ON z.game_name = t.game_name AND z.platform_code = t.platform_code
	)
	SELECT s.source, s.signal_type, s.model_name, count(*),
		   count(*) FILTER (WHERE s.status <> 'open'),
		   count(*) FILTER (WHERE s.status = 'hit'),
		   round(100.0 * count(*) FILTER (WHERE s.status = 'hit') / nullif(count(*) FILTER (WHERE s.status <> 'open'), 0), 2),
		   crash_analytics.wilson_low_percent(count(*) FILTER (WHERE s.status = 'hit'), count(*) FILTER (WHERE s.status <> 'open')),
		   crash_analytics.wilson_high_percent(count(*) FILTER (WHERE s.status = 'hit'), count(*) FILTER (WHERE s.status <> 'open')),
		   round((100 * avg(s.p) FILTER (WHERE s.status <> 'open'))::numeric, 2),
		   round((100 * avg(t.rate) FILTER (WHERE s.status <> 'open'))::numeric, 2),
		   round(((count(*) FILTER (WHERE s.status = 'hit'))::numeric
				  / nullif(count(*) FILTER (WHERE s.status <> 'open'), 0))
				 / nullif(avg(s.p) FILTER (WHERE s.status <> 'open'), 0)::numeric, 3),
		   CASE WHEN count(*) FILTER (WHERE s.status <> 'open') > 0 THEN
			   crash_analytics.chance_p_value(count(*) FILTER (WHERE s.status = 'hit'),
											  sum(s.p) FILTER (WHERE s.status <> 'open'),
											  sum(s.p * (1 - s.p)) FILTER (WHERE s.status <> 'open'))
		   END
	  FROM s LEFT JOIN targets t
		ON t.game_name = s.game_name AND t.platform_code = s.platform_code AND t.target_multiplier = s.target_multiplier
	 GROUP BY s.source, s.signal_type, s.model_name
	 ORDER BY s.source, s.signal_type, s.model_name;
END
$$;
COMMENT ON FUNCTION crash_analytics.get_signal_effectiveness(text, timestamptz, timestamptz) IS
	'Per signal source, type and model (filtered by a signal type or model name when given), signals emitted in the period: resolved, hits, hit rate with its 95% interval, the baseline chance gives for the same targets (theoretical RTP/target and empirical from the game''s multipliers in the period, each platform round once, read once per game/platform whatever the number of targets), the lift over the theoretical baseline, and the one-sided p-value of doing at least this well by chance.';
REVOKE ALL ON FUNCTION crash_analytics.get_signal_effectiveness(text, timestamptz, timestamptz) FROM PUBLIC;

/*
 * refresh_analytics() for the reader profile.  In 1.1 reader_functions()
 * did not list it, and granting it would not have been enough: only a
 * materialized view's owner may refresh it (42501 otherwise), and the views
 * belong to the extension's owner.  It now runs with its owner's rights
 * (search_path pinned; it takes no name from the caller), and the reader
 * profile lists it: refreshing changes no data, only what the views show.
 */
DROP FUNCTION crash_analytics.refresh_analytics(boolean);
CREATE FUNCTION crash_analytics.refresh_analytics(concurrently boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	-- $1: CONCURRENTLY is a keyword, so the parameter cannot be named in the body
	IF $1 THEN
		REFRESH MATERIALIZED VIEW CONCURRENTLY crash_analytics.mv_daily_bot_performance;
		REFRESH MATERIALIZED VIEW CONCURRENTLY crash_analytics.mv_hourly_game_statistics;
	ELSE
		REFRESH MATERIALIZED VIEW crash_analytics.mv_daily_bot_performance;
		REFRESH MATERIALIZED VIEW crash_analytics.mv_hourly_game_statistics;
	END IF;
END
$$;
COMMENT ON FUNCTION crash_analytics.refresh_analytics(boolean) IS
	'Refresh the dashboard materialized views (CONCURRENTLY when concurrently is true, so readers are not blocked). Runs with the rights of the extension''s owner, who owns the views, so the reader profile may call it.';
REVOKE ALL ON FUNCTION crash_analytics.refresh_analytics(boolean) FROM PUBLIC;

-- the reader profile: as in 1.1, and refresh_analytics
DROP FUNCTION crash_analytics.reader_functions();
CREATE FUNCTION crash_analytics.reader_functions()
RETURNS SETOF regprocedure
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT f::regprocedure FROM (VALUES
		('crash_analytics.get_bot_statistics(text)'),
		('crash_analytics.get_session_summary(text, text)'),
		('crash_analytics.get_game_statistics(text, text, timestamptz, timestamptz)'),
		('crash_analytics.get_strategy_performance(text, timestamptz, timestamptz)'),
		('crash_analytics.get_multiplier_distribution(text, text, timestamptz, timestamptz, numeric[])'),
		('crash_analytics.get_multiplier_quantiles(text, text, timestamptz, timestamptz, double precision[])'),
		('crash_analytics.get_signal_effectiveness(text, timestamptz, timestamptz)'),
		('crash_analytics.export_rounds_to_json(text, timestamptz, timestamptz, text)'),
		('crash_analytics.export_multipliers_for_ml(text, integer)'),
		('crash_analytics.get_database_size()'),
		('crash_analytics.verify_consistency()'),
		('crash_analytics.rollup_differences(text)'),
		('crash_analytics.signal_differences(text)'),
		('crash_analytics.refresh_analytics(boolean)'),
		('crash_analytics.period_figures(text, text, timestamptz, timestamptz)'),
		('crash_analytics.distinct_multipliers(text, text, timestamptz, timestamptz)'),
		('crash_analytics.wilson_low_percent(bigint, bigint)'),
		('crash_analytics.wilson_high_percent(bigint, bigint)'),
		('crash_analytics.roi_ci_low_percent(bigint, numeric, numeric, numeric)'),
		('crash_analytics.roi_ci_high_percent(bigint, numeric, numeric, numeric)'),
		('crash_analytics.bets_for_roi_margin(bigint, numeric, numeric, numeric)'),
		('crash_analytics.chance_p_value(bigint, double precision, double precision)'),
		('crash_analytics.check_period(timestamptz, timestamptz)'),
		('crash_analytics.check_row_limit(integer)'),
		('crash_analytics.utc_hour_floor(timestamptz)'),
		('crash_analytics.utc_hour_ceil(timestamptz)'),
		('crash_analytics.require_game(text, text)'),
		('crash_analytics.backtest_strategy(jsonb, numeric, text, text, timestamptz, timestamptz)'),
		('crash_analytics.backtest_strategy(jsonb, numeric, numeric[], numeric)'),
		('crash_analytics.backtest_equity_curve(jsonb, numeric, text, text, timestamptz, timestamptz)'),
		('crash_analytics.backtest_equity_curve(jsonb, numeric, numeric[])'),
		('crash_analytics.backtest_simulated(jsonb, numeric, integer, numeric, bigint)'),
		('crash_analytics.risk_of_ruin(jsonb, numeric, integer, numeric, integer, bigint)'),
		('crash_analytics.simulate_rounds(text, text, integer, numeric, bigint, timestamptz, interval)'),
		('crash_analytics.verify_crash_bustabit(text, text, text)'),
		('crash_analytics.verify_crash_stake(text, text, bigint)'),
		('crash_analytics.verify_crash_stake_chain(text, text)'),
		('crash_analytics.verify_crash_roobet(text, text)'),
		('crash_analytics.verify_hash_chain(text, text, text)'),
		('crash_analytics.verify_hash_chain(text[], text)'),
		('crash_analytics.recompute_round(text, text, text, text, bigint, text, text)'),
		('crash_analytics.verify_logged_rounds(text, text, text, timestamptz, timestamptz)'),
		('crash_analytics.fairness_report(text, text, timestamptz, timestamptz)'),
		('crash_analytics.ocr_data_quality(timestamptz, timestamptz)'),
		('crash_analytics.chi_square_p_value(double precision, integer)'),
		('crash_analytics.normal_p_value(double precision, boolean)'),
		('crash_analytics.format_p_value(double precision)')) AS v(f)
$$;
COMMENT ON FUNCTION crash_analytics.reader_functions() IS 'The functions the reader profile may execute.';
REVOKE ALL ON FUNCTION crash_analytics.reader_functions() FROM PUBLIC;
/*
 * get_multiplier_distribution: a NULL game is an error (22004), and so is a
 * bucket edge off the 0.01 grid (22023).  Multipliers are floored to 0.01,
 * so [1.00, 1.005) holds only 1.00x while 1.1 gave it the theory of the
 * whole interval, 1 - 0.97/1.005 = 3.48%, against 1 - 0.97/1.01 = 3.96% for
 * the 1.00x it holds.  1.1 gave a NULL game 42704, as for an unknown one.
 */
DROP FUNCTION crash_analytics.get_multiplier_distribution(text, text, timestamptz, timestamptz, numeric[]);
CREATE FUNCTION crash_analytics.get_multiplier_distribution(game text, platform text DEFAULT NULL,
	from_time timestamptz DEFAULT NULL, to_time timestamptz DEFAULT NULL, buckets numeric[] DEFAULT NULL)
RETURNS TABLE(bucket_low numeric, bucket_high numeric, multipliers bigint, percent numeric,
	cumulative_percent numeric, theoretical_percent numeric, theoretical_cumulative_percent numeric)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	edges numeric[] := coalesce(buckets,
		'{1.00,1.01,1.20,1.50,2.00,3.00,5.00,10.00,20.00,50.00,100.00,1000.00}'::numeric[]);
	i int;
BEGIN
	IF game IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'game must not be null',
			HINT = 'Name a game; a NULL platform means every platform of that game.';
	END IF;
	PERFORM crash_analytics.check_period(from_time, to_time);
	PERFORM crash_analytics.require_game(game, platform);
	IF cardinality(edges) = 0 OR array_position(edges, NULL) IS NOT NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
			MESSAGE = 'buckets must be a non-empty array of multipliers without NULLs';
	END IF;
	FOR i IN 1 .. cardinality(edges) LOOP
		IF edges[i] = 'NaN' OR edges[i] IN ('Infinity', '-Infinity') OR edges[i] < 1.00
		   OR (i > 1 AND edges[i] <= edges[i - 1]) THEN
			RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
				MESSAGE = 'buckets must be finite multipliers of 1.00 or more, in increasing order',
				DETAIL = format('Element %s is %s.', i, edges[i]);
		END IF;
		IF edges[i] <> round(edges[i], 2) THEN
			RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
				MESSAGE = format('bucket edge %s has more than two decimals', edges[i]),
				DETAIL = format('Crash multipliers are floored to 0.01, so an edge at %s counts them as an edge at %s would, while the theoretical percents under RTP/x would be computed at %s and not match the counts.',
								edges[i], round(ceil(100 * edges[i]) / 100, 2), edges[i]),
				HINT = format('Use %s or %s.', trunc(edges[i], 2), round(ceil(100 * edges[i]) / 100, 2));
		END IF;
	END LOOP;
	IF edges[1] > 1.00 THEN
		edges := 1.00 || edges;		-- everything below the first edge gets a bucket too
	END IF;

	RETURN QUERY
	WITH m AS (		-- counted in one pass: the multipliers themselves are never kept
		SELECT d.platform_code, width_bucket(d.multiplier, edges) AS b, count(*) AS n
		  FROM crash_analytics.distinct_multipliers(game, platform, from_time, to_time) d
		 GROUP BY 1, 2
	), per_platform AS (	-- how many multipliers each platform contributes, and its RTP
		SELECT m.platform_code, sum(m.n) AS n, c.rtp
		  FROM m JOIN crash_analytics.game_platform_config c
			ON c.game_name = get_multiplier_distribution.game AND c.platform_code = m.platform_code
		 GROUP BY m.platform_code, c.rtp
	), bk AS (
		SELECT k AS b, edges[k] AS lo, edges[k + 1] AS hi
		  FROM generate_series(1, cardinality(edges)) AS k
	), theory AS (	-- P(lo <= X < hi) with P(X >= x) = RTP/x (1 at x = 1.00), weighted by platform
		SELECT bk.b,
			   sum(p.n * ((CASE WHEN bk.lo <= 1.00 THEN 1 ELSE least(1, p.rtp / bk.lo) END)
						 - (CASE WHEN bk.hi IS NULL THEN 0 WHEN bk.hi <= 1.00 THEN 1 ELSE least(1, p.rtp / bk.hi) END)))
				 / nullif(sum(p.n), 0) AS p
		  FROM bk CROSS JOIN per_platform p
		 GROUP BY bk.b
	), counts AS (
		SELECT bk.b, bk.lo, bk.hi, coalesce(sum(m.n), 0)::bigint AS n
		  FROM bk LEFT JOIN m ON m.b = bk.b
		 GROUP BY bk.b, bk.lo, bk.hi
	)
	SELECT c.lo, c.hi, c.n,
		   round(100.0 * c.n / nullif(sum(c.n) OVER (), 0), 2),
		   round(100.0 * sum(c.n) OVER (ORDER BY c.b) / nullif(sum(c.n) OVER (), 0), 2),
		   round(100 * t.p, 2),
		   round(100 * sum(t.p) OVER (ORDER BY c.b), 2)
	  FROM counts c LEFT JOIN theory t ON t.b = c.b
	 WHERE EXISTS (SELECT 1 FROM m)		-- a period without multipliers gives no rows
	 ORDER BY c.b;
END
$$;
COMMENT ON FUNCTION crash_analytics.get_multiplier_distribution(text, text, timestamptz, timestamptz, numeric[]) IS
	'Histogram of crash multipliers (each platform round once) in buckets [bucket_low, bucket_high): by default the edges 1.00, 1.01, 1.20, 1.50, 2, 3, 5, 10, 20, 50, 100, 1000, whose first bucket [1.00, 1.01) is the instant-crash rate (theory 1 - RTP/1.01); counts, percent, cumulative percent, and the theoretical percent under P(crash >= x) = RTP/x. Custom edges: increasing, from 1.00, on the 0.01 grid (22023 otherwise). A NULL game is an error (22004), an unknown game or platform too (42704). Quantiles and the median: get_multiplier_quantiles().';
REVOKE ALL ON FUNCTION crash_analytics.get_multiplier_distribution(text, text, timestamptz, timestamptz, numeric[]) FROM PUBLIC;

/*
 * mv_hourly_game_statistics counts each platform round once, as
 * distinct_multipliers() and the functions do: when several bots saw the
 * same platform_round_id of a game/platform, the first reading logged counts
 * (in the hour it was observed); readings without a platform_round_id count
 * each.  1.0 counted every bot's reading, so two bots watching one platform
 * doubled its rounds (the demo's 300 aviator rounds an hour showed as about
 * 600).  Columns, key and comment are those of 1.0.  A view of your own on it
 * stops the update (dependency error, nothing changed): drop it first.
 */
DROP MATERIALIZED VIEW crash_analytics.mv_hourly_game_statistics;
CREATE MATERIALIZED VIEW crash_analytics.mv_hourly_game_statistics AS
SELECT m.game_name, m.platform_code,
	   pg_catalog.date_trunc('hour', m.observed_at AT TIME ZONE 'UTC') AS hour_utc,
	   count(*) AS multipliers,
	   count(*) FILTER (WHERE m.is_instant_crash) AS instant_crashes,
	   percentile_disc(0.5) WITHIN GROUP (ORDER BY m.multiplier) AS median_multiplier,
	   min(m.multiplier) AS min_multiplier,
	   max(m.multiplier) AS max_multiplier,
	   count(*) FILTER (WHERE m.multiplier >= 2.00) AS reached_2x,
	   count(*) FILTER (WHERE m.multiplier >= 10.00) AS reached_10x
  FROM (SELECT DISTINCT ON (x.game_name, x.platform_code, coalesce(x.platform_round_id, '#' || x.bot_id || '#' || x.id))
			   x.game_name, x.platform_code, x.observed_at, x.multiplier, x.is_instant_crash
		  FROM crash_analytics.analytics_round_multipliers x
		 ORDER BY x.game_name, x.platform_code, coalesce(x.platform_round_id, '#' || x.bot_id || '#' || x.id), x.id) m
 GROUP BY 1, 2, 3
WITH DATA;
CREATE UNIQUE INDEX mv_hourly_game_statistics_key
	ON crash_analytics.mv_hourly_game_statistics (game_name, platform_code, hour_utc);
COMMENT ON MATERIALIZED VIEW crash_analytics.mv_hourly_game_statistics IS
	'Per game/platform and UTC hour: multipliers seen (each platform round once, in the hour of its first reading logged), instant crashes, median, minimum, maximum, and how many reached 2x and 10x. Refresh with refresh_analytics().';
COMMENT ON INDEX crash_analytics.mv_hourly_game_statistics_key IS
	'Unique key of the materialized view: lets refresh_analytics(concurrently => true) refresh it without blocking readers.';
REVOKE ALL ON TABLE crash_analytics.mv_hourly_game_statistics FROM PUBLIC;

/*
 * export_multipliers_for_ml streams.  1.1 computed the features of every
 * exported row and then sorted the JSON objects into play order, so nothing
 * came out before all of it was computed (the first of 100,000 rows of
 * 1,000,001 after 8.7 s, with the last; now the first after 0.43 s, the
 * last after 8.3 s: README).  The rows to export are still picked first (the newest
 * row_limit: which they are is known only once all are seen) and put in play
 * order, keys only; the features are then read row by row, in that order, as
 * each row goes out, and the final ORDER BY costs no sort (the planner keeps
 * the order of the subquery through the nested loops that read features).
 */
DROP FUNCTION crash_analytics.export_multipliers_for_ml(text, integer);
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
		 -- the check that makes a NULL game an error like an unknown one)
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
				'lags', coalesce(w.lags, '{}'), 'history', r.history,
				'mean_log_10', w.mean_log_10, 'mean_log_50', w.mean_log_50,
				'share_under_2x_10', w.under2_10, 'share_under_2x_50', w.under2_50,
				'instant_crashes_50', w.instant_50,
				-- earlier rounds in a row under 2x: up to the last one at 2x or more
				'rounds_under_2x_in_a_row', coalesce(h2.k - 1, r.history),
				-- rounds since the last 10x, that one included (NULL: none)
				'rounds_since_10x', h10.k),
			'label', r.multiplier)
	  FROM (	-- the exported rows in play order, keys only: features are read below, row by row
		SELECT q.id, q.bot_id, q.platform_code, q.round_number, q.observed_at, q.multiplier,
			   LEAST(1000, b.n + q.k - 1) AS history
		  FROM ranked q
		  JOIN before_first b ON b.bot_id = q.bot_id AND b.platform_code = q.platform_code
		 ORDER BY q.observed_at, q.round_number, q.id) r
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
	'The latest row_limit multipliers of a game (all of them when row_limit is NULL) in play order (observed_at, round_number, id) as ML examples, one JSON object a row, oldest first: features from the rounds the same bot played before it in the same game/platform only, looking back at most 1,000 rounds (last 10 multipliers, mean log multiplier and share under 2x over 10 and 50 rounds, instant crashes in 50, rounds in a row under 2x, rounds since a 10x, rounds before, counted up to 1,000), and the label, the multiplier of the round itself: the next one after the rounds the features describe. Streams: the rows are picked and sorted first (keys only), then each row''s features are read as it goes out. 42704 for an unknown or NULL game, 22023 for a row_limit below 1.';
REVOKE ALL ON FUNCTION crash_analytics.export_multipliers_for_ml(text, integer) FROM PUBLIC;

-- (end of section 4)

/* ========================================================================
 * 5. Errors and access
 * ======================================================================== */

-- (end of section 5)

/* ========================================================================
 * 6. Grants of the profiles
 * ======================================================================== */

-- (end of section 6)
