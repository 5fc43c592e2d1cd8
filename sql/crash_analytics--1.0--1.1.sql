/* sql/crash_analytics--1.0--1.1.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION crash_analytics UPDATE TO '1.1'" to load this file. \quit

/*
 * Version 1.1.  A fresh CREATE EXTENSION runs crash_analytics--1.0.sql and
 * then this script, so a new install and an updated one are built by the
 * same statements.
 */

/* ------------------------------------------------------------------------
 * Per-bot writer roles.  A role listed here may log only for the bots
 * listed with it; roles not listed keep the writer profile's reach.
 * ------------------------------------------------------------------------ */
CREATE TABLE crash_analytics.bot_writers (
	bot_id				text COLLATE "C" NOT NULL,
	role				regrole NOT NULL,
	granted_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT bot_writers_pkey PRIMARY KEY (bot_id, role)
);
COMMENT ON TABLE crash_analytics.bot_writers IS
	'Per-bot writer roles: a role listed here may log only for the bots listed with it (roles not listed are not restricted; superusers never are). Manage with grant_bot_writer() and revoke_bot_writer().';
-- a role's bots, for revoke_bot_writer(role) and for reports
CREATE INDEX bot_writers_role_idx ON crash_analytics.bot_writers (role);

CREATE FUNCTION crash_analytics.bot_writers_changed()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ca_invalidate_trigger'
LANGUAGE C;
COMMENT ON FUNCTION crash_analytics.bot_writers_changed() IS
	'AFTER statement trigger of bot_writers: tells every backend to drop its cached per-bot writer roles.';
CREATE TRIGGER bot_writers_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON crash_analytics.bot_writers
	FOR EACH STATEMENT EXECUTE FUNCTION crash_analytics.bot_writers_changed();

CREATE FUNCTION crash_analytics.grant_bot_writer(role regrole, bot_id text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF role IS NULL OR bot_id IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'role and bot_id must not be null';
	END IF;
	INSERT INTO crash_analytics.bot_writers AS w (bot_id, role)
	VALUES (grant_bot_writer.bot_id, grant_bot_writer.role)
	ON CONFLICT ON CONSTRAINT bot_writers_pkey DO NOTHING;
END
$$;
COMMENT ON FUNCTION crash_analytics.grant_bot_writer(regrole, text) IS
	'Let a role log for a bot. From its first such grant on, the role may log only for the bots granted to it (it also needs the writer profile: grant_writer).';

CREATE FUNCTION crash_analytics.revoke_bot_writer(role regrole, bot_id text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	n bigint;
BEGIN
	DELETE FROM crash_analytics.bot_writers w
	 WHERE w.role = revoke_bot_writer.role
	   AND (revoke_bot_writer.bot_id IS NULL OR w.bot_id = revoke_bot_writer.bot_id);
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;
COMMENT ON FUNCTION crash_analytics.revoke_bot_writer(regrole, text) IS
	'Take a bot (all of them when bot_id is NULL) back from a role; returns the grants removed. A role left with no grant is no longer restricted.';

SELECT pg_catalog.pg_extension_config_dump('crash_analytics.bot_writers', '');

/* ------------------------------------------------------------------------
 * Backtests, risk of ruin and simulation (src/backtest.c).
 *
 * Replays of recorded or simulated multipliers under a strategy, and Monte
 * Carlo risk from P(crash >= x) = RTP/x.
 * ------------------------------------------------------------------------ */
-- region: backtest

/*
 * The reader profile gets the functions below.  Only the 1.0 list plus this
 * region's functions are here; the other regions add theirs when merged.
 */
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
		-- region backtest
		('crash_analytics.backtest_strategy(jsonb, numeric, text, text, timestamptz, timestamptz)'),
		('crash_analytics.backtest_strategy(jsonb, numeric, numeric[], numeric)'),
		('crash_analytics.backtest_equity_curve(jsonb, numeric, text, text, timestamptz, timestamptz)'),
		('crash_analytics.backtest_equity_curve(jsonb, numeric, numeric[])'),
		('crash_analytics.backtest_simulated(jsonb, numeric, integer, numeric, bigint)'),
		('crash_analytics.risk_of_ruin(jsonb, numeric, integer, numeric, integer, bigint)'),
		('crash_analytics.simulate_rounds(text, text, integer, numeric, bigint, timestamptz, interval)')) AS v(f)
$$;
COMMENT ON FUNCTION crash_analytics.reader_functions() IS 'The functions the reader profile may execute.';

/*
 * A strategy is a jsonb object (src/backtest.c, parse_strategy):
 *   kind          fixed (or flat), martingale, paroli (or anti_martingale),
 *                 dalembert, skip_until
 *   target        cash-out multiplier (>= 1.01)                 required
 *   base_stake    first stake; d'Alembert's unit                required
 *   factor        martingale/paroli: stake x factor (default 2)
 *   max_stake     martingale/paroli/dalembert: the largest stake
 *   max_doublings martingale: increases in a row at most
 *   on_cap        "reset" (default) or "hold" when a cap is reached
 *   win_streak    paroli: wins in a row, then back to base (default 3)
 *   under, rounds_under, retries
 *                 skip_until: bet when the last rounds_under rounds all
 *                 crashed under `under`; after a loss bet again up to
 *                 `retries` times
 *   stop_loss, take_profit   any kind: stop on the profit so far
 * Money is replayed exactly in minor units of the currency.
 */
CREATE FUNCTION crash_analytics.backtest_strategy(strategy jsonb, bankroll numeric,
	game text, platform text, from_time timestamptz DEFAULT NULL, to_time timestamptz DEFAULT NULL,
	OUT rounds_replayed bigint, OUT bets bigint, OUT wins bigint, OUT losses bigint,
	OUT win_rate_percent numeric, OUT chance_win_rate_percent numeric,
	OUT total_staked numeric, OUT profit numeric, OUT roi_percent numeric, OUT expected_profit numeric,
	OUT final_balance numeric, OUT max_drawdown numeric, OUT longest_losing_streak bigint,
	OUT bust boolean, OUT bust_round bigint, OUT stop_reason text)
RETURNS record
AS 'MODULE_PATHNAME', 'ca_backtest_strategy'
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION crash_analytics.backtest_strategy(jsonb, numeric, text, text, timestamptz, timestamptz) IS
	'Replay a strategy (jsonb: kind fixed, martingale, paroli, dalembert or skip_until; target, base_stake, and the kind''s fields; stop_loss, take_profit) from a bankroll over the recorded rounds of a game/platform in [from_time, to_time): each platform round once, in observed_at, platform_round_id, id order. Exact money in the game''s currency. One row: rounds replayed, bets, wins, losses, win rate beside the rate chance gives (RTP/target), staked, profit, ROI, expected profit at the game''s RTP, final balance, max drawdown, longest losing streak, bust (a stake the balance could not cover) and its round, and why the replay stopped (end, bust, stop_loss, take_profit).';

CREATE FUNCTION crash_analytics.backtest_strategy(strategy jsonb, bankroll numeric,
	multipliers numeric[], rtp numeric DEFAULT NULL,
	OUT rounds_replayed bigint, OUT bets bigint, OUT wins bigint, OUT losses bigint,
	OUT win_rate_percent numeric, OUT chance_win_rate_percent numeric,
	OUT total_staked numeric, OUT profit numeric, OUT roi_percent numeric, OUT expected_profit numeric,
	OUT final_balance numeric, OUT max_drawdown numeric, OUT longest_losing_streak bigint,
	OUT bust boolean, OUT bust_round bigint, OUT stop_reason text)
RETURNS record
AS 'MODULE_PATHNAME', 'ca_backtest_multipliers'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION crash_analytics.backtest_strategy(jsonb, numeric, numeric[], numeric) IS
	'Replay a strategy from a bankroll over the crash multipliers of an array, in array order, with amounts of two decimals; the same row as backtest_strategy over recorded rounds (chance win rate and expected profit only when rtp is given).';

CREATE FUNCTION crash_analytics.backtest_equity_curve(strategy jsonb, bankroll numeric,
	game text, platform text, from_time timestamptz DEFAULT NULL, to_time timestamptz DEFAULT NULL)
RETURNS TABLE(round_index bigint, observed_at timestamptz, multiplier numeric, stake numeric,
	outcome text, profit numeric, balance numeric)
AS 'MODULE_PATHNAME', 'ca_backtest_equity_curve'
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION crash_analytics.backtest_equity_curve(jsonb, numeric, text, text, timestamptz, timestamptz) IS
	'The equity curve of backtest_strategy over recorded rounds: one row per round replayed (round index from 1, observed_at, multiplier, stake, outcome WIN, LOSS or SKIP (watched), profit, balance after it), and a last row BUST with the stake that could not be covered when the bankroll ran out.';

CREATE FUNCTION crash_analytics.backtest_equity_curve(strategy jsonb, bankroll numeric, multipliers numeric[])
RETURNS TABLE(round_index bigint, observed_at timestamptz, multiplier numeric, stake numeric,
	outcome text, profit numeric, balance numeric)
AS 'MODULE_PATHNAME', 'ca_backtest_multipliers_curve'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION crash_analytics.backtest_equity_curve(jsonb, numeric, numeric[]) IS
	'The equity curve of backtest_strategy over an array of multipliers (observed_at is NULL).';

CREATE FUNCTION crash_analytics.backtest_simulated(strategy jsonb, bankroll numeric, n integer,
	rtp numeric, seed bigint DEFAULT 0,
	OUT rounds_replayed bigint, OUT bets bigint, OUT wins bigint, OUT losses bigint,
	OUT win_rate_percent numeric, OUT chance_win_rate_percent numeric,
	OUT total_staked numeric, OUT profit numeric, OUT roi_percent numeric, OUT expected_profit numeric,
	OUT final_balance numeric, OUT max_drawdown numeric, OUT longest_losing_streak bigint,
	OUT bust boolean, OUT bust_round bigint, OUT stop_reason text)
RETURNS record
AS 'MODULE_PATHNAME', 'ca_backtest_simulated'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION crash_analytics.backtest_simulated(jsonb, numeric, integer, numeric, bigint) IS
	'Replay a strategy from a bankroll over n fair rounds at the given RTP, the rounds simulate_rounds(game, platform, n, rtp, seed) gives, generated as they are played; the same row as backtest_strategy, amounts of two decimals.';

CREATE FUNCTION crash_analytics.risk_of_ruin(strategy jsonb, bankroll numeric, rounds integer,
	rtp numeric, simulations integer DEFAULT 10000, seed bigint DEFAULT 0,
	OUT simulations integer, OUT rounds integer, OUT ruined bigint,
	OUT ruin_percent numeric, OUT ruin_ci_low_percent numeric, OUT ruin_ci_high_percent numeric,
	OUT stop_loss_hits bigint, OUT take_profit_hits bigint,
	OUT final_balance_p5 numeric, OUT final_balance_p50 numeric, OUT final_balance_p95 numeric,
	OUT mean_final_balance numeric,
	OUT max_drawdown_p5 numeric, OUT max_drawdown_p50 numeric, OUT max_drawdown_p95 numeric,
	OUT mean_longest_losing_streak numeric, OUT bets bigint, OUT wins bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'ca_risk_of_ruin'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION crash_analytics.risk_of_ruin(jsonb, numeric, integer, numeric, integer, bigint) IS
	'Monte Carlo risk of a strategy from a bankroll: simulations runs of at most `rounds` fair rounds each under P(crash >= x) = RTP/x, from a PRNG seeded with seed (the same seed gives the same answer). Ruin is a bust, a stake the balance could not cover. Returns the ruined runs and the ruin percent with its 95% Wilson interval, runs stopped by stop_loss and take_profit, the 5th/50th/95th percentiles (nearest rank) and the mean of the final balance, the percentiles of the max drawdown, the mean longest losing streak, and all bets and wins. simulations is at most 1,000,000 and simulations x rounds at most 10^9.';

CREATE FUNCTION crash_analytics.simulate_rounds(game text, platform text, n integer,
	rtp numeric DEFAULT NULL, seed bigint DEFAULT 0, start_at timestamptz DEFAULT pg_catalog.now(),
	round_interval interval DEFAULT '10 seconds')
RETURNS TABLE(round_number bigint, crash_multiplier numeric, observed_at timestamptz)
AS 'MODULE_PATHNAME', 'ca_simulate_rounds'
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION crash_analytics.simulate_rounds(text, text, integer, numeric, bigint, timestamptz, interval) IS
	'n fair rounds of a registered game/platform for demos, tests and what-if analysis: crash = max(1.00, floor(100 RTP / U) / 100) with U uniform on (0, 1] from a PRNG seeded with seed, so P(crash >= x) = RTP/x (the game''s RTP unless rtp is given), capped at the game''s max_multiplier; round r is observed at start_at + (r - 1) x round_interval. The same seed gives the same multipliers; backtest_simulated replays them.';

-- end region: backtest

/* ------------------------------------------------------------------------
 * Provably-fair verification (src/provably_fair.c).
 *
 * Crash points recomputed from revealed seeds with PostgreSQL's own
 * HMAC/SHA-256, for the published algorithms.
 * ------------------------------------------------------------------------ */
-- region: provably_fair

-- end region: provably_fair

/* ------------------------------------------------------------------------
 * Fairness report and OCR data quality.
 *
 * Is the game what it claims to be, and are the bots' readings of it
 * complete and correct?
 * ------------------------------------------------------------------------ */
-- region: fairness

-- end region: fairness

/* ------------------------------------------------------------------------
 * Nothing for PUBLIC.
 * ------------------------------------------------------------------------ */
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA crash_analytics FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA crash_analytics FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA crash_analytics FROM PUBLIC;
