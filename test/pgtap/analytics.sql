-- Analytics against plain-SQL recomputations (issue 3).
--
-- A seeded generator (setseed, then random() in a fixed order) makes four
-- platform streams of fair crash multipliers, crash = floor(100 RTP / (1 - u))
-- / 100 (at least 1.00, at most 10000.00), over 30 hours:
--   aviator/dafabet  4000 rounds every 27 s      (RTP 0.97)
--   jetx/dafabet     2500 rounds every 43 s      (RTP 0.97)
--   spaceman/stake   2000 rounds every 54 s      (RTP 0.96, registered here)
--   aviator/demo     1500 rounds every 71 s      (RTP 0.97)
-- and bots play windows of them (a platform round seen by several bots has
-- one platform_round_id and one multiplier):
--   b_flat   s1 aviator/dafabet k 1..1200, s2 jetx/dafabet k 1..600: flat
--            1.00 at 2.00, a SKIP every 7th round, a VOID every 97th;
--            log_crash_round, one call a round
--   b_model  g1 spaceman/stake k 500..1300: 2.00 at 2.50, and before every
--            5th round its model (gbm_v2) predicts 2.50x: log_round_signal;
--            log_crash_round
--   b_watch  w1 aviator/dafabet k 1000..1400 watched, not played:
--            log_round_multiplier_analytics (its own signal rules)
--   b_mart   night_1 aviator/dafabet k 800..2000 (shared with b_flat,
--            b_watch and b_mix), m2 spaceman/stake k 1..800: martingale at
--            1.50 from 0.50, doubling after a loss (at most 7 times), a SKIP
--            every 13th round, a VOID every 150th; log_crash_rounds batches
--   b_nobal  n1 aviator/demo k 1..600 (batches), n2 k 601..1500 (INSERT):
--            no strategy, no balance, targets 1.30/2.00/3.00
--   b_mix    night_1 (the session id b_mart uses too) jetx/dafabet
--            k 300..1500 strategy scalper (random stake at 1.20), x2
--            aviator/dafabet k 2000..2600 strategy hunter (0.20 at 5.00, no
--            balance); INSERT ... SELECT into crash_game_rounds
--   b_copy   c1 jetx/demo rounds 1..60 (its own multipliers): 1.00 at 1.50,
--            a SKIP every 11th round; COPY ... FROM STDIN into
--            crash_game_rounds, rounds 21..60 first and then 1..20 (a
--            back-fill of the session's start)
-- 7,964 rounds and 401 watched multipliers.  Every statistic is then
-- compared with a recomputation from crash_game_rounds,
-- analytics_round_multipliers and analytics_round_signals (and the games'
-- RTPs): streaks and drawdown by window functions in play order, intervals by
-- the textbook formulas.  Then half the history is purged and it all again.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
SET timezone = 'UTC';
SET client_min_messages = warning;
BEGIN;
CREATE EXTENSION crash_analytics;
SELECT plan(88);

-- ----------------------------------------------------------------------
-- Configuration
-- ----------------------------------------------------------------------
DO $cfg$
BEGIN
	PERFORM crash_analytics.register_game_platform('spaceman', 'stake', 0.96, min_bet => 0.10, max_bet => 1000.00);
	PERFORM crash_analytics.register_bot('b_mart', strategy_name => 'martingale',
		signal_rules => '[{"rule": "high_after", "above": 5.00, "target": 2.00}]');
	PERFORM crash_analytics.register_bot('b_watch',
		signal_rules => '[{"rule": "low_streak", "length": 4, "below": 1.50, "target": 1.30}, {"rule": "high_after", "above": 10.00, "target": 2.00}]');
	PERFORM crash_analytics.register_bot('b_model', strategy_name => 'model_2.5x', signal_rules => '[]');
END
$cfg$;
-- b_flat, b_nobal and b_mix register with their first round (built-in rule:
-- 3 rounds under 2.00, then 1.80x)

-- ----------------------------------------------------------------------
-- The generator
-- ----------------------------------------------------------------------
CREATE TEMP TABLE stream (game text, platform text, k int, crash numeric, at timestamptz, prid text,
	PRIMARY KEY (game, platform, k));
-- the sessions the test ends, as it asks end_session() to (the others stay active)
CREATE TEMP TABLE ended (bot text, session text, status text, ended_at timestamptz, PRIMARY KEY (bot, session));
CREATE TEMP TABLE plan (seq serial PRIMARY KEY, bot text, session text, game text, platform text,
	round_number bigint, k int, prid text, at timestamptz, crash numeric, stake numeric,
	target numeric, cashout numeric, outcome text, strategy text, bb numeric, ba numeric, path text);

DO $gen$
DECLARE
	s record;
	k int;
BEGIN
	PERFORM setseed(0.2026);
	FOR s IN SELECT * FROM (VALUES ('aviator', 'dafabet', 4000, 27, 0.97, 'av'), ('jetx', 'dafabet', 2500, 43, 0.97, 'jx'),
								   ('spaceman', 'stake', 2000, 54, 0.96, 'sp'), ('aviator', 'demo', 1500, 71, 0.97, 'ad'))
						 AS v(game, platform, n, secs, rtp, tag) LOOP
		FOR k IN 1 .. s.n LOOP
			INSERT INTO stream VALUES (s.game, s.platform, k,
				least(10000.00, greatest(1.00, floor(100 * s.rtp / (1 - random())) / 100)),
				'2026-02-01 06:00:00+00'::timestamptz + make_interval(secs => k * s.secs),
				s.tag || '-' || k);
		END LOOP;
	END LOOP;
END
$gen$;

-- one session of one bot: kind says how it bets, path how it is ingested,
-- balance the balance before its first round (NULL: none), all_balances
-- whether every round sends both balances (else only the first the one before)
CREATE FUNCTION pg_temp.gen(bot text, sess text, g text, p text, k1 int, k2 int, kind text,
	strat text, path text, balance numeric, all_balances boolean) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	st record;
	n int := 0;
	losses int := 0;
	stake numeric;
	target numeric;
	outcome text;
	payout numeric;
	bal numeric := balance;
	bb numeric;
BEGIN
	FOR st IN SELECT * FROM stream WHERE game = g AND platform = p AND k BETWEEN k1 AND k2 ORDER BY k LOOP
		n := n + 1;
		outcome := NULL;
		target := NULL;
		stake := NULL;
		IF kind = 'flat' THEN
			IF n % 7 = 0 THEN outcome := 'SKIP'; stake := 0;
			ELSIF n % 97 = 0 THEN outcome := 'VOID'; stake := 1.00;
			ELSE stake := 1.00; target := 2.00; END IF;
		ELSIF kind = 'mart' THEN
			IF n % 13 = 0 THEN outcome := 'SKIP'; stake := 0;
			ELSIF n % 150 = 0 THEN outcome := 'VOID'; stake := 0.50 * 2 ^ losses;
			ELSE
				stake := 0.50 * 2 ^ losses; target := 1.50;
				outcome := CASE WHEN st.crash >= target THEN 'WIN' ELSE 'LOSS' END;
				losses := CASE WHEN outcome = 'WIN' OR losses = 7 THEN 0 ELSE losses + 1 END;
			END IF;
		ELSIF kind = 'scalper' THEN
			stake := round(0.50 + random()::numeric * 4.50, 2); target := 1.20;
		ELSIF kind = 'hunter' THEN
			stake := 0.20; target := 5.00;
		ELSIF kind = 'model' THEN
			stake := 2.00; target := 2.50;
		ELSIF kind = 'nobal' THEN
			IF random() < 0.08 THEN outcome := 'SKIP'; stake := 0;
			ELSE stake := 1.00; target := (ARRAY[1.30, 2.00, 3.00])[1 + floor(random() * 3)::int]; END IF;
		END IF;
		stake := round(stake, 2);
		payout := CASE WHEN outcome IN ('SKIP') THEN 0 WHEN outcome = 'VOID' THEN stake
					   WHEN st.crash >= target THEN round(stake * target, 2) ELSE 0 END;
		bb := bal;
		IF bal IS NOT NULL THEN bal := bal + payout - stake; END IF;
		INSERT INTO plan (bot, session, game, platform, round_number, k, prid, at, crash, stake, target,
						  cashout, outcome, strategy, bb, ba, path)
		VALUES (bot, sess, g, p, n, st.k, st.prid, st.at, st.crash, stake, target,
				-- the flat and model bots send the cash-out of a win, the others only the target
				CASE WHEN kind IN ('flat', 'model') AND st.crash >= target THEN target END,
				outcome, strat,
				CASE WHEN all_balances OR n = 1 THEN bb END,
				CASE WHEN all_balances THEN bal END, path);
	END LOOP;
END
$$;
DO $plan$
BEGIN
	PERFORM pg_temp.gen('b_flat', 's1', 'aviator', 'dafabet', 1, 1200, 'flat', 'flat_2x', 'function', 500.00, true);
	PERFORM pg_temp.gen('b_flat', 's2', 'jetx', 'dafabet', 1, 600, 'flat', 'flat_2x', 'function', 500.00, false);
	PERFORM pg_temp.gen('b_model', 'g1', 'spaceman', 'stake', 500, 1300, 'model', NULL, 'function', 2000.00, false);
	PERFORM pg_temp.gen('b_mart', 'night_1', 'aviator', 'dafabet', 800, 2000, 'mart', NULL, 'batch', 1000.00, false);
	PERFORM pg_temp.gen('b_mart', 'm2', 'spaceman', 'stake', 1, 800, 'mart', NULL, 'batch', 1000.00, true);
	PERFORM pg_temp.gen('b_nobal', 'n1', 'aviator', 'demo', 1, 600, 'nobal', NULL, 'batch', NULL, false);
	PERFORM pg_temp.gen('b_mix', 'night_1', 'jetx', 'dafabet', 300, 1500, 'scalper', 'scalper', 'insert', 300.00, true);
	PERFORM pg_temp.gen('b_mix', 'x2', 'aviator', 'dafabet', 2000, 2600, 'hunter', 'hunter', 'insert', NULL, false);
	PERFORM pg_temp.gen('b_nobal', 'n2', 'aviator', 'demo', 601, 1500, 'nobal', NULL, 'insert', NULL, false);
END
$plan$;

-- ----------------------------------------------------------------------
-- The recomputations.  Formulas: Wilson 95%, and the ROI interval
-- 100 (profit -+ z sqrt(n var)) / staked with var the sample variance of the
-- bets' profits; bets for +/- 1 point: (z sd / (staked / n) / 0.01)^2.
-- ----------------------------------------------------------------------
CREATE FUNCTION pg_temp.wlo(k numeric, n numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN n > 0 THEN round(100 * greatest(0, (k / n + z2 / (2 * n) - z * sqrt(k / n * (1 - k / n) / n + z2 / (4 * n * n))) / (1 + z2 / n)), 2) END
	  FROM (SELECT 1.959963984540054 AS z, 1.959963984540054 ^ 2 AS z2) c $$;
CREATE FUNCTION pg_temp.whi(k numeric, n numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN n > 0 THEN round(100 * least(1, (k / n + z2 / (2 * n) + z * sqrt(k / n * (1 - k / n) / n + z2 / (4 * n * n))) / (1 + z2 / n)), 2) END
	  FROM (SELECT 1.959963984540054 AS z, 1.959963984540054 ^ 2 AS z2) c $$;
CREATE FUNCTION pg_temp.var(n numeric, profit numeric, sumsq numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
	SELECT greatest(0, (sumsq - profit * profit / n) / (n - 1)) $$;
CREATE FUNCTION pg_temp.rlo(n numeric, staked numeric, profit numeric, sumsq numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN n >= 2 AND staked > 0 THEN round(100 * (profit - 1.959963984540054 * sqrt(n * pg_temp.var(n, profit, sumsq))) / staked, 2) END $$;
CREATE FUNCTION pg_temp.rhi(n numeric, staked numeric, profit numeric, sumsq numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN n >= 2 AND staked > 0 THEN round(100 * (profit + 1.959963984540054 * sqrt(n * pg_temp.var(n, profit, sumsq))) / staked, 2) END $$;
CREATE FUNCTION pg_temp.rneed(n numeric, staked numeric, profit numeric, sumsq numeric) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN n >= 2 AND staked > 0 THEN ceil((1.959963984540054 * sqrt(pg_temp.var(n, profit, sumsq)) / (staked / n) / 0.01) ^ 2)::bigint END $$;

-- every round with its game's RTP, the theory of a bet at its target and its place
CREATE VIEW pg_temp.rr AS
SELECT r.id, r.bot_id::text COLLATE "default" AS bot_id, r.session_id::text COLLATE "default" AS session_id, r.game_name::text COLLATE "default" AS game_name,
	   r.platform_code::text COLLATE "default" AS platform_code, coalesce(r.strategy_name, '')::text COLLATE "default" AS strategy,
	   r.round_number, r.round_outcome AS o, r.stake_value AS stake, r.payout_value AS payout,
	   r.profit_loss AS profit, r.played_at, r.running_balance_before AS bb, r.running_balance_after AS ba,
	   c.rtp, r.round_outcome IN ('WIN', 'LOSS') AS settled,
	   CASE WHEN r.round_outcome IN ('WIN', 'LOSS') AND coalesce(r.cashout_multiplier, r.target_multiplier) IS NOT NULL
			THEN round(c.rtp / coalesce(r.cashout_multiplier, r.target_multiplier), 6) END AS wp,
	   CASE WHEN r.round_outcome IN ('WIN', 'LOSS') THEN r.stake_value * (c.rtp - 1) ELSE 0 END AS ep
  FROM crash_analytics.crash_game_rounds r
  JOIN crash_analytics.game_platform_config c ON c.game_name = r.game_name AND c.platform_code = r.platform_code;

-- the figures every statistic shares, per group of rounds
CREATE FUNCTION pg_temp.figures(grp text, g text, p text, from_t timestamptz, to_t timestamptz)
RETURNS TABLE(key1 text, key2 text, rtp numeric, bots bigint, strategies bigint, games bigint,
	rounds bigint, bets bigint, wins bigint, losses bigint, skips bigint, voids bigint,
	win_rate numeric, wlo numeric, whi numeric, chance numeric, staked numeric, payout numeric,
	profit numeric, roi numeric, rlo numeric, rhi numeric, rneed bigint, expected numeric,
	luck numeric, rtp_pct numeric, best numeric, worst numeric)
LANGUAGE sql STABLE AS $$
	SELECT k1, k2, max(rtp), count(DISTINCT bot_id), count(DISTINCT strategy), count(DISTINCT game_name),
		   count(*), count(*) FILTER (WHERE o <> 'SKIP'), count(*) FILTER (WHERE o = 'WIN'),
		   count(*) FILTER (WHERE o = 'LOSS'), count(*) FILTER (WHERE o = 'SKIP'), count(*) FILTER (WHERE o = 'VOID'),
		   round(100.0 * count(*) FILTER (WHERE o = 'WIN') / nullif(count(*) FILTER (WHERE settled), 0), 2),
		   pg_temp.wlo(count(*) FILTER (WHERE o = 'WIN'), count(*) FILTER (WHERE settled)),
		   pg_temp.whi(count(*) FILTER (WHERE o = 'WIN'), count(*) FILTER (WHERE settled)),
		   round(100 * sum(wp) / nullif(count(wp), 0), 2),
		   sum(stake), sum(payout), sum(profit),
		   round(100 * sum(profit) / nullif(sum(stake), 0), 2),
		   pg_temp.rlo(count(*) FILTER (WHERE o <> 'SKIP'), sum(stake), sum(profit), sum(profit * profit)),
		   pg_temp.rhi(count(*) FILTER (WHERE o <> 'SKIP'), sum(stake), sum(profit), sum(profit * profit)),
		   pg_temp.rneed(count(*) FILTER (WHERE o <> 'SKIP'), sum(stake), sum(profit), sum(profit * profit)),
		   sum(ep), sum(profit) - sum(ep),
		   round(100 * sum(payout) / nullif(sum(stake), 0), 2),
		   max(profit) FILTER (WHERE settled), min(profit) FILTER (WHERE settled)
	  FROM (SELECT rr.*, CASE grp WHEN 'bot' THEN bot_id WHEN 'session' THEN bot_id WHEN 'game' THEN game_name
								  WHEN 'strategy' THEN strategy END AS k1,
				   CASE grp WHEN 'session' THEN session_id WHEN 'game' THEN platform_code END AS k2
			  FROM pg_temp.rr
			 WHERE played_at >= coalesce(from_t, '-infinity') AND played_at < coalesce(to_t, 'infinity')
			   AND (g IS NULL OR game_name = g) AND (p IS NULL OR platform_code = p)) x
	 GROUP BY k1, k2 $$;

-- get_bot_statistics, recomputed: streaks over WIN/LOSS in play order
-- (played_at, id) (islands), drawdown of cumulative profit from 0, balances
-- in play order
CREATE FUNCTION pg_temp.bot_stats() RETURNS SETOF record LANGUAGE sql STABLE AS $$
	WITH wl AS (
		SELECT bot_id, o, row_number() OVER (PARTITION BY bot_id ORDER BY played_at, id) AS seq,
			   row_number() OVER (PARTITION BY bot_id ORDER BY played_at, id)
			   - row_number() OVER (PARTITION BY bot_id, o ORDER BY played_at, id) AS island
		  FROM pg_temp.rr WHERE settled
	), islands AS (
		SELECT bot_id, o, island, count(*) AS len, max(seq) AS last_seq FROM wl GROUP BY 1, 2, 3
	), streaks AS (
		SELECT bot_id, coalesce(max(len) FILTER (WHERE o = 'WIN'), 0) AS win_streak,
			   coalesce(max(len) FILTER (WHERE o = 'LOSS'), 0) AS loss_streak,
			   (array_agg(CASE o WHEN 'WIN' THEN len ELSE -len END ORDER BY last_seq DESC))[1] AS current
		  FROM islands GROUP BY 1
	), cum AS (
		SELECT bot_id, id, played_at, sum(profit) OVER (PARTITION BY bot_id ORDER BY played_at, id) AS c FROM pg_temp.rr
	), dd AS (
		SELECT bot_id, max(greatest(0, pk) - c) AS drawdown
		  FROM (SELECT bot_id, c, max(c) OVER (PARTITION BY bot_id ORDER BY played_at, id) AS pk FROM cum) x GROUP BY 1
	), bal AS (
		SELECT bot_id, max(ba) AS peak, (array_agg(ba ORDER BY played_at DESC, id DESC) FILTER (WHERE ba IS NOT NULL))[1] AS cur,
			   min(played_at) AS first_at, max(played_at) AS last_at
		  FROM pg_temp.rr GROUP BY 1
	)
	SELECT f.key1, f.rounds, f.bets, f.wins, f.losses, f.skips, f.voids, f.win_rate, f.wlo, f.whi, f.chance,
		   f.staked, f.payout, f.profit, f.roi, f.rlo, f.rhi, f.rneed, f.expected, f.luck, f.best, f.worst,
		   coalesce(s.win_streak, 0), coalesce(s.loss_streak, 0), coalesce(s.current, 0), d.drawdown,
		   b.peak, b.cur, b.first_at, b.last_at
	  FROM pg_temp.figures('bot', NULL, NULL, NULL, NULL) f
	  LEFT JOIN streaks s ON s.bot_id = f.key1 JOIN dd d ON d.bot_id = f.key1 JOIN bal b ON b.bot_id = f.key1
	 ORDER BY f.key1 $$;
CREATE VIEW pg_temp.bot_stats_expected AS
SELECT * FROM pg_temp.bot_stats() AS t(bot_id text, total_rounds bigint, bets bigint, wins bigint, losses bigint,
	skips bigint, voids bigint, win_rate_percent numeric, win_rate_ci_low_percent numeric,
	win_rate_ci_high_percent numeric, chance_win_rate_percent numeric, total_staked numeric, total_payout numeric,
	total_profit numeric, roi_percent numeric, roi_ci_low_percent numeric, roi_ci_high_percent numeric,
	bets_for_1pct_roi_margin bigint, expected_profit numeric, luck numeric, best_round_profit numeric,
	worst_round_profit numeric, longest_win_streak bigint, longest_loss_streak bigint, current_streak bigint,
	max_drawdown numeric, peak_balance numeric, current_balance numeric, first_round_at timestamptz,
	last_round_at timestamptz);
CREATE VIEW pg_temp.bot_stats_actual AS
SELECT b.bot_id::text COLLATE "default" AS bot_id, s.* FROM (SELECT DISTINCT bot_id FROM crash_analytics.crash_game_rounds) b,
	   LATERAL crash_analytics.get_bot_statistics(b.bot_id) s ORDER BY 1;

-- get_session_summary, recomputed per bot and session.  No session was
-- started by start_session(): each starts at its first round played (in
-- play order, like every running figure: b_copy's c1, whose rounds 21..60
-- were logged before 1..20, starts at round 1), on that round's
-- game/platform; status and ended_at are what the test asked end_session()
-- for (table ended), active and NULL otherwise.
CREATE VIEW pg_temp.session_expected AS
WITH cum AS (
	SELECT bot_id, session_id, id, bb, ba, round_number, played_at, game_name, platform_code,
		   sum(profit) OVER (PARTITION BY bot_id, session_id ORDER BY played_at, id) AS c FROM pg_temp.rr
), s AS (
	SELECT bot_id, session_id, (array_agg(bb ORDER BY played_at, id))[1] AS balance_start,
		   (array_agg(ba ORDER BY played_at DESC, id DESC) FILTER (WHERE ba IS NOT NULL))[1] AS balance_current,
		   max(ba) AS max_ba, (array_agg(round_number ORDER BY played_at DESC, id DESC))[1] AS last_round_number,
		   (array_agg(played_at ORDER BY played_at DESC, id DESC))[1] AS last_round_at,
		   (array_agg(played_at ORDER BY played_at, id))[1] AS first_at,
		   (array_agg(game_name ORDER BY played_at, id))[1] AS game_name,
		   (array_agg(platform_code ORDER BY played_at, id))[1] AS platform_code
	  FROM cum GROUP BY 1, 2
), dd AS (
	SELECT bot_id, session_id, max(greatest(0, pk) - c) AS drawdown
	  FROM (SELECT bot_id, session_id, c, max(c) OVER (PARTITION BY bot_id, session_id ORDER BY played_at, id) AS pk FROM cum) x
	 GROUP BY 1, 2
)
SELECT f.key1 AS bot_id, f.key2 AS session_id, s.game_name, s.platform_code, coalesce(e.status, 'active') AS status,
	   s.first_at AS started_at, e.ended_at, coalesce(e.ended_at, s.last_round_at) - s.first_at AS duration,
	   f.rounds, f.bets, f.wins, f.losses, f.skips, f.voids, f.win_rate, f.wlo, f.whi, f.chance, f.staked,
	   f.payout, f.profit, f.roi, f.rlo, f.rhi, f.expected, f.luck, f.best, f.worst, s.balance_start,
	   s.balance_current, greatest(s.balance_start, s.max_ba) AS peak_balance, d.drawdown, s.last_round_number,
	   s.last_round_at
  FROM pg_temp.figures('session', NULL, NULL, NULL, NULL) f
  JOIN s ON s.bot_id = f.key1 AND s.session_id = f.key2
  JOIN dd d ON d.bot_id = f.key1 AND d.session_id = f.key2
  LEFT JOIN ended e ON e.bot = f.key1 AND e.session = f.key2;
CREATE VIEW pg_temp.session_actual AS
SELECT x.bot_id, x.session_id, x.game_name, x.platform_code, x.status, x.started_at, x.ended_at, x.duration, x.rounds, x.bets, x.wins, x.losses, x.skips, x.voids,
	   x.win_rate_percent, x.win_rate_ci_low_percent, x.win_rate_ci_high_percent, x.chance_win_rate_percent,
	   x.total_staked, x.total_payout, x.total_profit, x.roi_percent, x.roi_ci_low_percent, x.roi_ci_high_percent,
	   x.expected_profit, x.luck, x.best_round_profit, x.worst_round_profit, x.balance_start, x.balance_current,
	   x.peak_balance, x.max_drawdown, x.last_round_number, x.last_round_at
  FROM (SELECT DISTINCT session_id FROM crash_analytics.crash_game_rounds) s,
	   LATERAL crash_analytics.get_session_summary(s.session_id) x;

-- get_game_statistics and get_strategy_performance, recomputed
CREATE FUNCTION pg_temp.game_expected(g text, p text, f timestamptz, t timestamptz) RETURNS SETOF record
LANGUAGE sql STABLE AS $$
	SELECT key1, key2, rtp, bots, strategies, rounds, bets, wins, losses, skips, voids, win_rate, wlo, whi,
		   chance, staked, payout, profit, roi, rlo, rhi, rneed, expected, luck, rtp_pct, round(100 * rtp, 2),
		   best, worst
	  FROM pg_temp.figures('game', g, p, f, t) ORDER BY key1, key2 $$;
CREATE FUNCTION pg_temp.game_check(g text, p text, f timestamptz, t timestamptz, what text) RETURNS text
LANGUAGE sql AS $$
	SELECT results_eq(
		format('SELECT * FROM crash_analytics.get_game_statistics(%L, %L, %L, %L)', g, p, f, t),
		format($q$SELECT * FROM pg_temp.game_expected(%L, %L, %L, %L) AS t(a text, b text, c numeric, d bigint,
			e bigint, f bigint, g bigint, h bigint, i bigint, j bigint, k bigint, l numeric, m numeric, n numeric,
			o numeric, p numeric, q numeric, r numeric, s numeric, t numeric, u numeric, v bigint, w numeric,
			x numeric, y numeric, z numeric, aa numeric, ab numeric)$q$, g, p, f, t),
		'get_game_statistics ' || what) $$;
CREATE FUNCTION pg_temp.strategy_check(g text, f timestamptz, t timestamptz, what text) RETURNS text
LANGUAGE sql AS $$
	SELECT set_eq(
		format('SELECT * FROM crash_analytics.get_strategy_performance(%L, %L, %L)', g, f, t),
		format($q$SELECT nullif(key1, ''), games, bots, rounds, bets, wins, losses, skips, voids, win_rate, wlo, whi,
				  chance, staked, payout, profit, roi, rlo, rhi, rneed, expected, luck, best, worst
			 FROM pg_temp.figures('strategy', %L, NULL, %L, %L)$q$, g, f, t),
		'get_strategy_performance ' || what) $$;

-- the multipliers of a game (and platform) in a period, each platform round
-- once (the first reading logged), readings without a platform round id each
CREATE FUNCTION pg_temp.distinct_m(g text, p text, f timestamptz, t timestamptz)
RETURNS TABLE(platform_code text, multiplier numeric) LANGUAGE sql STABLE AS $$
	WITH m AS (
		SELECT * FROM crash_analytics.analytics_round_multipliers
		 WHERE game_name = g AND (p IS NULL OR analytics_round_multipliers.platform_code = p)
		   AND observed_at >= coalesce(f, '-infinity') AND observed_at < coalesce(t, 'infinity'))
	SELECT m.platform_code, m.multiplier FROM m WHERE platform_round_id IS NULL
	UNION ALL
	SELECT m.platform_code, (array_agg(m.multiplier ORDER BY m.id))[1] FROM m
	 WHERE platform_round_id IS NOT NULL GROUP BY m.platform_code, m.platform_round_id $$;
CREATE FUNCTION pg_temp.distribution_expected(g text, p text, f timestamptz, t timestamptz, edges numeric[])
RETURNS TABLE(lo numeric, hi numeric, n bigint, pct numeric) LANGUAGE sql STABLE AS $$
	-- buckets not starting at 1.00 get [1.00, first edge) in front
	WITH e AS (SELECT CASE WHEN edges[1] > 1.00 THEN 1.00 || edges ELSE edges END AS edges),
		 b AS (SELECT e.edges[i] AS lo, e.edges[i + 1] AS hi FROM e, generate_series(1, cardinality(e.edges)) i),
		 d AS (SELECT * FROM pg_temp.distinct_m(g, p, f, t))
	SELECT b.lo, b.hi, count(d.multiplier), round(100.0 * count(d.multiplier) / (SELECT count(*) FROM d), 2)
	  FROM b LEFT JOIN d ON d.multiplier >= b.lo AND (b.hi IS NULL OR d.multiplier < b.hi)
	 GROUP BY b.lo, b.hi ORDER BY b.lo $$;
-- the cumulative and theoretical columns: cumulative = multipliers below the
-- bucket's upper edge over all; theory P(lo <= X < hi) = S(lo) - S(hi) with
-- S(x) = P(X >= x) = RTP/x (1 at x <= 1.00, 0 above the last edge), each
-- platform weighted by its multipliers, and its cumulative 1 - S(hi)
CREATE FUNCTION pg_temp.distribution_theory(g text, p text, f timestamptz, t timestamptz, edges numeric[])
RETURNS TABLE(lo numeric, cum_pct numeric, theo_pct numeric, theo_cum_pct numeric) LANGUAGE sql STABLE AS $$
	WITH e AS (SELECT CASE WHEN edges[1] > 1.00 THEN 1.00 || edges ELSE edges END AS edges),
		 b AS (SELECT e.edges[i] AS lo, e.edges[i + 1] AS hi FROM e, generate_series(1, cardinality(e.edges)) i),
		 d AS (SELECT * FROM pg_temp.distinct_m(g, p, f, t)),
		 pl AS (SELECT d.platform_code, count(*) AS n, c.rtp FROM d
				  JOIN crash_analytics.game_platform_config c ON c.game_name = g AND c.platform_code = d.platform_code
				 GROUP BY d.platform_code, c.rtp),
		 s AS (SELECT b.lo, b.hi, pl.n,
					  CASE WHEN b.lo <= 1.00 THEN 1 ELSE least(1, pl.rtp / b.lo) END AS s_lo,
					  CASE WHEN b.hi IS NULL THEN 0 WHEN b.hi <= 1.00 THEN 1 ELSE least(1, pl.rtp / b.hi) END AS s_hi
				 FROM b CROSS JOIN pl)
	SELECT s.lo,
		   round(100.0 * (SELECT count(*) FROM d WHERE s.hi IS NULL OR d.multiplier < s.hi) / (SELECT count(*) FROM d), 2),
		   round(100 * sum(s.n * (s.s_lo - s.s_hi)) / sum(s.n), 2),
		   round(100 * sum(s.n * (1 - s.s_hi)) / sum(s.n), 2)
	  FROM s GROUP BY s.lo, s.hi ORDER BY s.lo $$;
CREATE FUNCTION pg_temp.distribution_checks(g text, p text, f timestamptz, t timestamptz, edges numeric[], what text)
RETURNS SETOF text LANGUAGE sql AS $$
	SELECT results_eq(
		format('SELECT bucket_low, bucket_high, multipliers, percent FROM crash_analytics.get_multiplier_distribution(%L, %L, %L, %L, %L)', g, p, f, t, edges),
		format('SELECT * FROM pg_temp.distribution_expected(%L, %L, %L, %L, %L)', g, p, f, t, coalesce(edges,
			'{1.00,1.01,1.20,1.50,2.00,3.00,5.00,10.00,20.00,50.00,100.00,1000.00}')),
		'get_multiplier_distribution ' || what || ': counts and percents, each platform round once')
	UNION ALL
	SELECT results_eq(
		format('SELECT bucket_low, cumulative_percent, theoretical_percent, theoretical_cumulative_percent
				  FROM crash_analytics.get_multiplier_distribution(%L, %L, %L, %L, %L)', g, p, f, t, edges),
		format('SELECT * FROM pg_temp.distribution_theory(%L, %L, %L, %L, %L)', g, p, f, t, coalesce(edges,
			'{1.00,1.01,1.20,1.50,2.00,3.00,5.00,10.00,20.00,50.00,100.00,1000.00}')),
		'get_multiplier_distribution ' || what || ': cumulative percents, and the theoretical ones under P(X >= x) = RTP/x')
	UNION ALL
	SELECT ok(sum(percent) BETWEEN 99.9 AND 100.1 AND (array_agg(cumulative_percent ORDER BY bucket_low DESC))[1] = 100.00
			  AND sum(theoretical_percent) BETWEEN 99.9 AND 100.1
			  AND (array_agg(theoretical_cumulative_percent ORDER BY bucket_low DESC))[1] = 100.00,
			  'get_multiplier_distribution ' || what || ': percents add up to 100, the last cumulative is 100.00')
	  FROM crash_analytics.get_multiplier_distribution(g, p, f, t, edges) $$;

-- the signals: resolution by the first multiplier of the bot's series after
-- the one a signal follows, recomputed from analytics_round_multipliers
CREATE VIEW pg_temp.signals_expected AS
SELECT s.source::text COLLATE "default", s.signal_type::text COLLATE "default", s.model_name::text COLLATE "default", count(*) AS signals,
	   count(nxt.multiplier) AS resolved, count(*) FILTER (WHERE nxt.multiplier >= s.target_multiplier) AS hits
  FROM crash_analytics.analytics_round_signals s
  LEFT JOIN LATERAL (
	SELECT m.multiplier FROM crash_analytics.analytics_round_multipliers m
	 WHERE m.bot_id = s.bot_id AND m.game_name = s.game_name AND m.platform_code = s.platform_code
	   AND m.id > coalesce(s.after_multiplier_id, 0)
	 ORDER BY m.id LIMIT 1) nxt ON true
 GROUP BY 1, 2, 3;

-- get_signal_effectiveness's baselines, recomputed: per resolved signal the
-- chance p = min(1, RTP / target) and the empirical rate, the share of its
-- game/platform's platform rounds in the period (each once) that reached its
-- target; lift = hit rate / mean p; p-value of at least this many hits by
-- chance, normal with continuity correction, P(Z >= (hits - 0.5 - sum p) /
-- sqrt(sum p(1 - p))), the upper tail by Abramowitz and Stegun 26.2.17
-- (error below 7.5e-8: compared to 5 decimals)
CREATE FUNCTION pg_temp.upper_tail(z double precision) RETURNS double precision LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN z >= 0 THEN q ELSE 1 - q END
	  FROM (SELECT exp(-x * x / 2) / sqrt(2 * pi())
				   * t * (0.319381530 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429)))) AS q
			  FROM (SELECT abs(z) AS x, 1 / (1 + 0.2316419 * abs(z)) AS t) a) b $$;
CREATE FUNCTION pg_temp.effectiveness_expected(f timestamptz, t timestamptz)
RETURNS TABLE(source text, signal_type text, model_name text, empirical numeric, lift numeric, p_value numeric)
LANGUAGE sql STABLE AS $$
	WITH s0 AS (
		SELECT s.*, c.rtp
		  FROM crash_analytics.analytics_round_signals s
		  JOIN crash_analytics.game_platform_config c ON c.game_name = s.game_name AND c.platform_code = s.platform_code
		 WHERE s.status <> 'open' AND s.emitted_at >= coalesce(f, '-infinity') AND s.emitted_at < coalesce(t, 'infinity')
	), rates AS MATERIALIZED (
		SELECT x.game_name, x.platform_code, x.target_multiplier,
			   (SELECT count(*) FILTER (WHERE d.multiplier >= x.target_multiplier)::numeric / count(*)
				  FROM pg_temp.distinct_m(x.game_name, x.platform_code, f, t) d) AS rate
		  FROM (SELECT DISTINCT game_name, platform_code, target_multiplier FROM s0) x
	), s AS (
		SELECT s0.source::text COLLATE "default" AS source, s0.signal_type::text COLLATE "default" AS signal_type,
			   s0.model_name::text COLLATE "default" AS model_name, s0.status,
			   least(1, s0.rtp / s0.target_multiplier) AS p, r.rate
		  FROM s0 JOIN rates r USING (game_name, platform_code, target_multiplier)
	)
	SELECT source, signal_type, model_name, round(100 * avg(rate), 2),
		   round(avg((status = 'hit')::int) / avg(p), 3),
		   round(pg_temp.upper_tail(((count(*) FILTER (WHERE status = 'hit') - 0.5 - sum(p))
									/ sqrt(sum(p * (1 - p))))::double precision)::numeric, 5)
	  FROM s GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 $$;

-- get_signal_effectiveness's hit rates and theoretical baseline, recomputed
-- for every source, type and model: a signal is resolved when its series has
-- a next multiplier, a hit when that multiplier reaches its target; the
-- hit rate and its Wilson interval over the resolved ones; the theoretical
-- baseline the mean of min(1, RTP / target) over them
CREATE FUNCTION pg_temp.signal_rates_expected(f timestamptz, t timestamptz)
RETURNS TABLE(source text, signal_type text, model_name text, signals bigint, resolved bigint, hits bigint,
	hit_rate numeric, ci_low numeric, ci_high numeric, theoretical numeric)
LANGUAGE sql STABLE AS $$
	WITH x AS (
		SELECT s.source::text COLLATE "default" AS source, s.signal_type::text COLLATE "default" AS signal_type,
			   s.model_name::text COLLATE "default" AS model_name, s.target_multiplier,
			   least(1, c.rtp / s.target_multiplier) AS p, nxt.multiplier AS next_multiplier
		  FROM crash_analytics.analytics_round_signals s
		  JOIN crash_analytics.game_platform_config c ON c.game_name = s.game_name AND c.platform_code = s.platform_code
		  LEFT JOIN LATERAL (
			SELECT m.multiplier FROM crash_analytics.analytics_round_multipliers m
			 WHERE m.bot_id = s.bot_id AND m.game_name = s.game_name AND m.platform_code = s.platform_code
			   AND m.id > coalesce(s.after_multiplier_id, 0)
			 ORDER BY m.id LIMIT 1) nxt ON true
		 WHERE s.emitted_at >= coalesce(f, '-infinity') AND s.emitted_at < coalesce(t, 'infinity')
	), g AS (
		SELECT source, signal_type, model_name, count(*) AS signals, count(next_multiplier) AS resolved,
			   count(*) FILTER (WHERE next_multiplier >= target_multiplier) AS hits,
			   avg(p) FILTER (WHERE next_multiplier IS NOT NULL) AS p
		  FROM x GROUP BY 1, 2, 3
	)
	SELECT source, signal_type, model_name, signals, resolved, hits, round(100.0 * hits / nullif(resolved, 0), 2),
		   pg_temp.wlo(hits, resolved), pg_temp.whi(hits, resolved), round(100 * p, 2)
	  FROM g $$;

CREATE FUNCTION pg_temp.failed_checks() RETURNS text LANGUAGE sql AS $$
	SELECT string_agg(check_name || ' (' || differences || ': ' || coalesce(detail, '') || ')', '; ')
	  FROM crash_analytics.verify_consistency() WHERE NOT ok $$;

-- ----------------------------------------------------------------------
-- Ingestion, three ways, each followed by verify_consistency()
-- ----------------------------------------------------------------------
-- 1. one call a round (and the model's signals, and the watched multipliers)
DO $ingest$
DECLARE
	p record;
BEGIN
	FOR p IN SELECT * FROM plan WHERE path = 'function' ORDER BY seq LOOP
		IF p.bot = 'b_model' AND p.round_number % 5 = 0 THEN
			PERFORM crash_analytics.log_round_signal(p.bot, p.session, p.game, p.platform, 'next_2_5x', 2.50,
				confidence_score => 0.55, model_name => 'gbm_v2', emitted_after_round => p.round_number - 1);
		END IF;
		PERFORM crash_analytics.log_crash_round(p.bot, p.session, p.game, p.platform, p.round_number,
			stake_value => p.stake, crash_multiplier => p.crash, cashout_multiplier => p.cashout,
			round_outcome => p.outcome, target_multiplier => p.target, strategy_name => p.strategy,
			platform_round_id => p.prid, running_balance_before => p.bb, running_balance_after => p.ba,
			round_started_at => p.at - interval '12 seconds', round_ended_at => p.at);
	END LOOP;
	INSERT INTO ended VALUES ('b_flat', 's1', 'completed',
		(SELECT max(at) + interval '5 minutes' FROM plan WHERE bot = 'b_flat' AND session = 's1'));
	PERFORM crash_analytics.end_session(e.bot, e.session, e.status, ended_at => e.ended_at) FROM ended e;
	PERFORM crash_analytics.log_round_multiplier_analytics('b_watch', 'w1', 'aviator', 'dafabet', k, crash, prid, at)
	   FROM stream WHERE game = 'aviator' AND platform = 'dafabet' AND k BETWEEN 1000 AND 1400 ORDER BY k;
END
$ingest$;
SELECT is((SELECT count(*) FROM crash_analytics.crash_game_rounds WHERE ingest_path = 'function'),
		  (SELECT count(*) FROM plan WHERE path = 'function'), 'log_crash_round logged every round of its bots');
SELECT is(pg_temp.failed_checks(), NULL, 'verify_consistency() is all ok after log_crash_round');

-- 2. batches of 250 rounds
DO $ingest$
DECLARE
	c record;
BEGIN
	FOR c IN SELECT bot, session, (round_number - 1) / 250 AS chunk, min(seq) AS first_seq
			   FROM plan WHERE path = 'batch' GROUP BY 1, 2, 3 ORDER BY first_seq LOOP
		PERFORM crash_analytics.log_crash_rounds((
			SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
					 'bot_id', bot, 'session_id', session, 'game_name', game, 'platform_code', platform,
					 'round_number', round_number, 'stake_value', stake, 'crash_multiplier', crash,
					 'cashout_multiplier', cashout, 'round_outcome', outcome, 'target_multiplier', target,
					 'strategy_name', strategy, 'platform_round_id', prid, 'running_balance_before', bb,
					 'running_balance_after', ba, 'round_started_at', at - interval '12 seconds',
					 'round_ended_at', at)) ORDER BY seq)
			  FROM plan WHERE path = 'batch' AND bot = c.bot AND session = c.session
			   AND (round_number - 1) / 250 = c.chunk));
	END LOOP;
END
$ingest$;
SELECT is((SELECT count(*) FROM crash_analytics.crash_game_rounds WHERE ingest_path = 'batch'),
		  (SELECT count(*) FROM plan WHERE path = 'batch'), 'log_crash_rounds logged every round of its batches');
SELECT is(pg_temp.failed_checks(), NULL, 'verify_consistency() is all ok after log_crash_rounds');

-- 3. INSERT ... SELECT, in plan order
INSERT INTO crash_analytics.crash_game_rounds (bot_id, session_id, game_name, platform_code, round_number,
	stake_value, crash_multiplier, cashout_multiplier, round_outcome, target_multiplier, strategy_name,
	platform_round_id, running_balance_before, running_balance_after, round_started_at, round_ended_at)
SELECT bot, session, game, platform, round_number, stake, crash, cashout, outcome, target, strategy, prid, bb, ba,
	   at - interval '12 seconds', at
  FROM plan WHERE path = 'insert' ORDER BY seq;
SELECT is((SELECT count(*) FROM crash_analytics.crash_game_rounds WHERE ingest_path = 'insert'),
		  (SELECT count(*) FROM plan WHERE path = 'insert'), 'INSERT ... SELECT logged every round');
SELECT is(pg_temp.failed_checks(), NULL, 'verify_consistency() is all ok after INSERT ... SELECT');

-- 4. COPY from the file itself (psql sends the lines after the command)
COPY crash_analytics.crash_game_rounds (bot_id, session_id, game_name, platform_code, round_number, stake_value,
	crash_multiplier, target_multiplier, round_outcome, platform_round_id, round_started_at, round_ended_at) FROM STDIN;
b_copy	c1	jetx	demo	21	1.00	4.12	1.50	\N	cp-21	2026-02-01 06:17:18+00	2026-02-01 06:17:30+00
b_copy	c1	jetx	demo	22	0	3.31	\N	SKIP	cp-22	2026-02-01 06:18:08+00	2026-02-01 06:18:20+00
b_copy	c1	jetx	demo	23	1.00	2.50	1.50	\N	cp-23	2026-02-01 06:18:58+00	2026-02-01 06:19:10+00
b_copy	c1	jetx	demo	24	1.00	1.69	1.50	\N	cp-24	2026-02-01 06:19:48+00	2026-02-01 06:20:00+00
b_copy	c1	jetx	demo	25	1.00	4.88	1.50	\N	cp-25	2026-02-01 06:20:38+00	2026-02-01 06:20:50+00
b_copy	c1	jetx	demo	26	1.00	4.07	1.50	\N	cp-26	2026-02-01 06:21:28+00	2026-02-01 06:21:40+00
b_copy	c1	jetx	demo	27	1.00	3.26	1.50	\N	cp-27	2026-02-01 06:22:18+00	2026-02-01 06:22:30+00
b_copy	c1	jetx	demo	28	1.00	2.45	1.50	\N	cp-28	2026-02-01 06:23:08+00	2026-02-01 06:23:20+00
b_copy	c1	jetx	demo	29	1.00	1.64	1.50	\N	cp-29	2026-02-01 06:23:58+00	2026-02-01 06:24:10+00
b_copy	c1	jetx	demo	30	1.00	4.83	1.50	\N	cp-30	2026-02-01 06:24:48+00	2026-02-01 06:25:00+00
b_copy	c1	jetx	demo	31	1.00	4.02	1.50	\N	cp-31	2026-02-01 06:25:38+00	2026-02-01 06:25:50+00
b_copy	c1	jetx	demo	32	1.00	3.21	1.50	\N	cp-32	2026-02-01 06:26:28+00	2026-02-01 06:26:40+00
b_copy	c1	jetx	demo	33	0	2.40	\N	SKIP	cp-33	2026-02-01 06:27:18+00	2026-02-01 06:27:30+00
b_copy	c1	jetx	demo	34	1.00	1.59	1.50	\N	cp-34	2026-02-01 06:28:08+00	2026-02-01 06:28:20+00
b_copy	c1	jetx	demo	35	1.00	4.78	1.50	\N	cp-35	2026-02-01 06:28:58+00	2026-02-01 06:29:10+00
b_copy	c1	jetx	demo	36	1.00	3.97	1.50	\N	cp-36	2026-02-01 06:29:48+00	2026-02-01 06:30:00+00
b_copy	c1	jetx	demo	37	1.00	3.16	1.50	\N	cp-37	2026-02-01 06:30:38+00	2026-02-01 06:30:50+00
b_copy	c1	jetx	demo	38	1.00	2.35	1.50	\N	cp-38	2026-02-01 06:31:28+00	2026-02-01 06:31:40+00
b_copy	c1	jetx	demo	39	1.00	1.54	1.50	\N	cp-39	2026-02-01 06:32:18+00	2026-02-01 06:32:30+00
b_copy	c1	jetx	demo	40	1.00	4.73	1.50	\N	cp-40	2026-02-01 06:33:08+00	2026-02-01 06:33:20+00
b_copy	c1	jetx	demo	41	1.00	3.92	1.50	\N	cp-41	2026-02-01 06:33:58+00	2026-02-01 06:34:10+00
b_copy	c1	jetx	demo	42	1.00	3.11	1.50	\N	cp-42	2026-02-01 06:34:48+00	2026-02-01 06:35:00+00
b_copy	c1	jetx	demo	43	1.00	2.30	1.50	\N	cp-43	2026-02-01 06:35:38+00	2026-02-01 06:35:50+00
b_copy	c1	jetx	demo	44	0	1.49	\N	SKIP	cp-44	2026-02-01 06:36:28+00	2026-02-01 06:36:40+00
b_copy	c1	jetx	demo	45	1.00	4.68	1.50	\N	cp-45	2026-02-01 06:37:18+00	2026-02-01 06:37:30+00
b_copy	c1	jetx	demo	46	1.00	3.87	1.50	\N	cp-46	2026-02-01 06:38:08+00	2026-02-01 06:38:20+00
b_copy	c1	jetx	demo	47	1.00	3.06	1.50	\N	cp-47	2026-02-01 06:38:58+00	2026-02-01 06:39:10+00
b_copy	c1	jetx	demo	48	1.00	2.25	1.50	\N	cp-48	2026-02-01 06:39:48+00	2026-02-01 06:40:00+00
b_copy	c1	jetx	demo	49	1.00	1.44	1.50	\N	cp-49	2026-02-01 06:40:38+00	2026-02-01 06:40:50+00
b_copy	c1	jetx	demo	50	1.00	4.63	1.50	\N	cp-50	2026-02-01 06:41:28+00	2026-02-01 06:41:40+00
b_copy	c1	jetx	demo	51	1.00	3.82	1.50	\N	cp-51	2026-02-01 06:42:18+00	2026-02-01 06:42:30+00
b_copy	c1	jetx	demo	52	1.00	3.01	1.50	\N	cp-52	2026-02-01 06:43:08+00	2026-02-01 06:43:20+00
b_copy	c1	jetx	demo	53	1.00	2.20	1.50	\N	cp-53	2026-02-01 06:43:58+00	2026-02-01 06:44:10+00
b_copy	c1	jetx	demo	54	1.00	1.39	1.50	\N	cp-54	2026-02-01 06:44:48+00	2026-02-01 06:45:00+00
b_copy	c1	jetx	demo	55	0	4.58	\N	SKIP	cp-55	2026-02-01 06:45:38+00	2026-02-01 06:45:50+00
b_copy	c1	jetx	demo	56	1.00	3.77	1.50	\N	cp-56	2026-02-01 06:46:28+00	2026-02-01 06:46:40+00
b_copy	c1	jetx	demo	57	1.00	2.96	1.50	\N	cp-57	2026-02-01 06:47:18+00	2026-02-01 06:47:30+00
b_copy	c1	jetx	demo	58	1.00	2.15	1.50	\N	cp-58	2026-02-01 06:48:08+00	2026-02-01 06:48:20+00
b_copy	c1	jetx	demo	59	1.00	1.34	1.50	\N	cp-59	2026-02-01 06:48:58+00	2026-02-01 06:49:10+00
b_copy	c1	jetx	demo	60	1.00	4.53	1.50	\N	cp-60	2026-02-01 06:49:48+00	2026-02-01 06:50:00+00
b_copy	c1	jetx	demo	1	1.00	4.32	1.50	\N	cp-1	2026-02-01 06:00:38+00	2026-02-01 06:00:50+00
b_copy	c1	jetx	demo	2	1.00	3.51	1.50	\N	cp-2	2026-02-01 06:01:28+00	2026-02-01 06:01:40+00
b_copy	c1	jetx	demo	3	1.00	2.70	1.50	\N	cp-3	2026-02-01 06:02:18+00	2026-02-01 06:02:30+00
b_copy	c1	jetx	demo	4	1.00	1.89	1.50	\N	cp-4	2026-02-01 06:03:08+00	2026-02-01 06:03:20+00
b_copy	c1	jetx	demo	5	1.00	1.08	1.50	\N	cp-5	2026-02-01 06:03:58+00	2026-02-01 06:04:10+00
b_copy	c1	jetx	demo	6	1.00	4.27	1.50	\N	cp-6	2026-02-01 06:04:48+00	2026-02-01 06:05:00+00
b_copy	c1	jetx	demo	7	1.00	3.46	1.50	\N	cp-7	2026-02-01 06:05:38+00	2026-02-01 06:05:50+00
b_copy	c1	jetx	demo	8	1.00	2.65	1.50	\N	cp-8	2026-02-01 06:06:28+00	2026-02-01 06:06:40+00
b_copy	c1	jetx	demo	9	1.00	1.84	1.50	\N	cp-9	2026-02-01 06:07:18+00	2026-02-01 06:07:30+00
b_copy	c1	jetx	demo	10	1.00	1.03	1.50	\N	cp-10	2026-02-01 06:08:08+00	2026-02-01 06:08:20+00
b_copy	c1	jetx	demo	11	0	4.22	\N	SKIP	cp-11	2026-02-01 06:08:58+00	2026-02-01 06:09:10+00
b_copy	c1	jetx	demo	12	1.00	3.41	1.50	\N	cp-12	2026-02-01 06:09:48+00	2026-02-01 06:10:00+00
b_copy	c1	jetx	demo	13	1.00	2.60	1.50	\N	cp-13	2026-02-01 06:10:38+00	2026-02-01 06:10:50+00
b_copy	c1	jetx	demo	14	1.00	1.79	1.50	\N	cp-14	2026-02-01 06:11:28+00	2026-02-01 06:11:40+00
b_copy	c1	jetx	demo	15	1.00	4.98	1.50	\N	cp-15	2026-02-01 06:12:18+00	2026-02-01 06:12:30+00
b_copy	c1	jetx	demo	16	1.00	4.17	1.50	\N	cp-16	2026-02-01 06:13:08+00	2026-02-01 06:13:20+00
b_copy	c1	jetx	demo	17	1.00	3.36	1.50	\N	cp-17	2026-02-01 06:13:58+00	2026-02-01 06:14:10+00
b_copy	c1	jetx	demo	18	1.00	2.55	1.50	\N	cp-18	2026-02-01 06:14:48+00	2026-02-01 06:15:00+00
b_copy	c1	jetx	demo	19	1.00	1.74	1.50	\N	cp-19	2026-02-01 06:15:38+00	2026-02-01 06:15:50+00
b_copy	c1	jetx	demo	20	1.00	4.93	1.50	\N	cp-20	2026-02-01 06:16:28+00	2026-02-01 06:16:40+00
\.
SELECT is((SELECT count(*) FROM crash_analytics.crash_game_rounds WHERE bot_id = 'b_copy'), 60::bigint,
		  'COPY logged the 60 rounds of b_copy');
SELECT is(pg_temp.failed_checks(), NULL, 'verify_consistency() is all ok after COPY (a back-filled session start)');
-- b_copy's plan is what COPY sent: stake, crash, target, and SKIP for the rounds without a stake
INSERT INTO plan (bot, session, game, platform, round_number, prid, at, crash, stake, target, outcome, path)
SELECT r.bot_id, r.session_id, r.game_name, r.platform_code, r.round_number, r.platform_round_id, r.round_ended_at,
	   r.crash_multiplier, r.stake_value, r.target_multiplier, CASE WHEN r.stake_value = 0 THEN 'SKIP' END, 'copy'
  FROM crash_analytics.crash_game_rounds r WHERE r.bot_id = 'b_copy' ORDER BY r.id;

-- the data set is what the generator meant
SELECT results_eq(
	$$SELECT r.bot_id::text COLLATE "default", r.session_id::text COLLATE "default", r.round_number, r.round_outcome, r.stake_value, r.payout_value,
			 r.crash_multiplier, coalesce(r.strategy_name, '')::text COLLATE "default"
		FROM crash_analytics.crash_game_rounds r ORDER BY 1, 2, 3$$,
	$$SELECT bot, session, round_number,
			 coalesce(outcome, CASE WHEN crash >= target THEN 'WIN' ELSE 'LOSS' END), stake,
			 CASE WHEN outcome = 'SKIP' THEN 0 WHEN outcome = 'VOID' THEN stake
				  WHEN crash >= target THEN round(stake * target, 2) ELSE 0 END,
			 crash, coalesce(strategy, CASE bot WHEN 'b_mart' THEN 'martingale' WHEN 'b_model' THEN 'model_2.5x' ELSE '' END)
		FROM plan ORDER BY 1, 2, 3$$,
	'every round was stored as generated (outcome, stake, payout, crash, strategy from the registration)');
SELECT ok((SELECT count(*) FROM crash_analytics.crash_game_rounds) > 7500
		  AND (SELECT count(DISTINCT round_outcome) FROM crash_analytics.crash_game_rounds) = 4
		  AND (SELECT count(*) FROM (SELECT platform_round_id FROM crash_analytics.analytics_round_multipliers
									  WHERE platform_round_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1) x) > 500
		  AND (SELECT max(played_at) - min(played_at) FROM crash_analytics.crash_game_rounds) > interval '24 hours',
		  'thousands of rounds of every outcome over more than a day, hundreds of platform rounds seen by several bots');

-- ----------------------------------------------------------------------
-- Statistics against the recomputations
-- ----------------------------------------------------------------------
SELECT results_eq('SELECT * FROM pg_temp.bot_stats_actual WHERE bot_id = ' || quote_literal(b),
				  'SELECT * FROM pg_temp.bot_stats_expected WHERE bot_id = ' || quote_literal(b),
				  'get_bot_statistics(' || b || ') equals the recomputation from its rounds')
  FROM unnest(ARRAY['b_copy', 'b_flat', 'b_mart', 'b_mix', 'b_model', 'b_nobal']) AS b;
SELECT is((SELECT count(*) FROM pg_temp.bot_stats_expected), 6::bigint,
		  'the recomputation covers the six bots with rounds (b_copy, back-filled by COPY, among them)');
SELECT set_eq('SELECT * FROM pg_temp.session_actual', 'SELECT * FROM pg_temp.session_expected',
			  'get_session_summary of every session equals the recomputation, game, platform, status, start and end included (night_1 gives two rows)');
SELECT is((SELECT count(*) FROM crash_analytics.get_session_summary('night_1')), 2::bigint,
		  'get_session_summary(night_1): one row per bot using the session id');

SELECT pg_temp.game_check('aviator', 'dafabet', NULL, NULL, 'aviator/dafabet, all time');
SELECT pg_temp.game_check('aviator', NULL, NULL, NULL, 'aviator, every platform, all time');
SELECT pg_temp.game_check('jetx', 'dafabet', '2026-02-01 08:17:13+00', '2026-02-02 03:43:05+00',
						  'jetx, partial hours at both ends');
SELECT pg_temp.game_check('aviator', 'dafabet', '2026-02-01 11:10:00+00', '2026-02-01 11:50:00+00',
						  'aviator, inside one hour');
SELECT pg_temp.game_check('spaceman', 'stake', NULL, '2026-02-01 13:30:00+00', 'spaceman, unbounded start, partial end');
SELECT pg_temp.game_check('aviator', NULL, '2026-02-01 18:00:00+00', '2026-02-02 00:00:00+00', 'aviator, whole hours');
SELECT pg_temp.game_check('aviator', 'demo', '2026-02-01 23:59:59+00', NULL, 'aviator/demo, from a second before midnight');
SELECT pg_temp.game_check('aviator', 'dafabet', '2026-01-31 22:10:00+00', '2026-02-02 07:20:00+00',
						  'aviator/dafabet, a whole UTC day (daily roll-ups) with whole and partial hours at both ends');
SELECT pg_temp.game_check('jetx', NULL, '2026-02-02 00:00:00+00', NULL, 'jetx, from midnight: whole days only');

SELECT pg_temp.strategy_check(NULL, NULL, NULL, 'all games, all time');
SELECT pg_temp.strategy_check(NULL, '2026-02-01 09:41:00+00', '2026-02-01 20:07:30+00', 'all games, partial hours');
SELECT pg_temp.strategy_check('aviator', NULL, NULL, 'aviator');

SELECT pg_temp.distribution_checks('aviator', 'dafabet', NULL, NULL, NULL, 'aviator/dafabet, default buckets');
SELECT pg_temp.distribution_checks('aviator', NULL, NULL, NULL, NULL, 'aviator, every platform');
SELECT pg_temp.distribution_checks('jetx', 'dafabet', '2026-02-01 10:30:00+00', '2026-02-01 22:15:00+00',
								   '{1.00, 1.50, 2.00, 4.00, 8.00}', 'jetx in a period, custom buckets');
SELECT pg_temp.distribution_checks('spaceman', 'stake', NULL, NULL, '{1.20, 2.00, 10.00}', 'spaceman, buckets from 1.20');

SELECT results_eq(
	$$SELECT probability, observed, theoretical, multipliers FROM crash_analytics.get_multiplier_quantiles('aviator', 'dafabet')$$,
	$$SELECT q, (SELECT percentile_disc(q) WITHIN GROUP (ORDER BY multiplier) FROM pg_temp.distinct_m('aviator', 'dafabet', NULL, NULL)),
			 greatest(1.00, ceil(100 * (0.97 / (1 - q::numeric) - 0.01)) / 100),
			 (SELECT count(*) FROM pg_temp.distinct_m('aviator', 'dafabet', NULL, NULL))
		FROM unnest('{0.25,0.5,0.75,0.9,0.99}'::float8[]) WITH ORDINALITY u(q, i) ORDER BY i$$,
	'get_multiplier_quantiles(aviator/dafabet) = percentile_disc over distinct platform rounds, and the RTP/x quantiles');
SELECT results_eq(
	$$SELECT probability, observed, theoretical, multipliers
		FROM crash_analytics.get_multiplier_quantiles('spaceman', NULL, '2026-02-01 09:00:00+00', '2026-02-01 21:30:00+00', '{0.1,0.5,0.95}')$$,
	$$SELECT q, (SELECT percentile_disc(q) WITHIN GROUP (ORDER BY multiplier)
				   FROM pg_temp.distinct_m('spaceman', NULL, '2026-02-01 09:00:00+00', '2026-02-01 21:30:00+00')),
			 greatest(1.00, ceil(100 * (0.96 / (1 - q::numeric) - 0.01)) / 100),
			 (SELECT count(*) FROM pg_temp.distinct_m('spaceman', NULL, '2026-02-01 09:00:00+00', '2026-02-01 21:30:00+00'))
		FROM unnest('{0.1,0.5,0.95}'::float8[]) WITH ORDINALITY u(q, i) ORDER BY i$$,
	'get_multiplier_quantiles(spaceman, a period) at RTP 0.96');

-- distinct_multipliers itself (1.3 reads the readings without a platform
-- round id apart from the others): the same bag of rows as the reference
SELECT bag_eq(
	$$SELECT platform_code::text COLLATE "C", multiplier FROM crash_analytics.distinct_multipliers('aviator', 'dafabet', NULL, NULL)$$,
	$$SELECT platform_code::text COLLATE "C", multiplier FROM pg_temp.distinct_m('aviator', 'dafabet', NULL, NULL)$$,
	'distinct_multipliers(aviator/dafabet): each platform round once, as its first reading logged, and every reading without a platform round id');
SELECT bag_eq(
	$$SELECT platform_code::text COLLATE "C", multiplier FROM crash_analytics.distinct_multipliers('aviator', NULL, NULL, NULL)$$,
	$$SELECT platform_code::text COLLATE "C", multiplier FROM pg_temp.distinct_m('aviator', NULL, NULL, NULL)$$,
	'distinct_multipliers(aviator, every platform)');
-- every reading here carries a platform round id: a bot that sends none
-- (each reading a round of its own), for these two tests only
SAVEPOINT no_round_id;
SELECT count(crash_analytics.log_round_multiplier_analytics('b_noid', 'z1', 'jetx', 'demo', k, 1.00 + (k * 37 % 300) / 100.0,
			 NULL, '2026-02-01 12:00:00+00'::timestamptz + k * interval '1 minute'))
  FROM generate_series(1, 25) k \g /dev/null
SELECT is((SELECT count(*) FILTER (WHERE platform_round_id IS NULL) || ' ' || (count(*) FILTER (WHERE platform_round_id IS NOT NULL) > 0)
			 FROM crash_analytics.analytics_round_multipliers WHERE game_name = 'jetx'), '25 true',
	'jetx has readings with a platform round id and 25 without');
SELECT bag_eq(
	$$SELECT platform_code::text COLLATE "C", multiplier FROM crash_analytics.distinct_multipliers('jetx', NULL, NULL, NULL)$$,
	$$SELECT platform_code::text COLLATE "C", multiplier FROM pg_temp.distinct_m('jetx', NULL, NULL, NULL)$$,
	'distinct_multipliers(jetx, every platform): readings with and without a platform round id');
ROLLBACK TO SAVEPOINT no_round_id;
SELECT bag_eq(
	$$SELECT platform_code::text COLLATE "C", multiplier FROM crash_analytics.distinct_multipliers('spaceman', NULL, '2026-02-01 09:00:00+00', '2026-02-01 21:30:00+00')$$,
	$$SELECT platform_code::text COLLATE "C", multiplier FROM pg_temp.distinct_m('spaceman', NULL, '2026-02-01 09:00:00+00', '2026-02-01 21:30:00+00')$$,
	'distinct_multipliers(spaceman, every platform, a period)');

-- signals: the built-in rules fired exactly where the multipliers say
SELECT results_eq(
	$$SELECT bot_id::text COLLATE "default", signal_type::text COLLATE "default", target_multiplier, count(*) FROM crash_analytics.analytics_round_signals
	   WHERE source = 'rule' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3$$,
	$$WITH m AS (
		SELECT bot_id::text COLLATE "default" AS bot_id, multiplier,
			   max(multiplier) OVER (PARTITION BY bot_id, game_name, platform_code ORDER BY id ROWS 2 PRECEDING) AS max3,
			   max(multiplier) OVER (PARTITION BY bot_id, game_name, platform_code ORDER BY id ROWS 3 PRECEDING) AS max4,
			   row_number() OVER (PARTITION BY bot_id, game_name, platform_code ORDER BY id) AS n
		  FROM crash_analytics.analytics_round_multipliers)
	  SELECT bot_id, 'low_streak', 1.80, count(*) FROM m
	   WHERE bot_id IN ('b_copy', 'b_flat', 'b_mix', 'b_nobal') AND n >= 3 AND max3 < 2.00 GROUP BY 1
	  UNION ALL SELECT 'b_mart', 'high_after', 2.00, count(*) FROM m WHERE bot_id = 'b_mart' AND multiplier >= 5.00
	  UNION ALL SELECT 'b_watch', 'high_after', 2.00, count(*) FROM m WHERE bot_id = 'b_watch' AND multiplier >= 10.00
	  UNION ALL SELECT 'b_watch', 'low_streak', 1.30, count(*) FROM m WHERE bot_id = 'b_watch' AND n >= 4 AND max4 < 1.50
	  ORDER BY 1, 2, 3$$,
	'the signal rules fired after exactly the multipliers that match them');
SELECT set_eq(
	$$SELECT source, signal_type, model_name, signals, resolved, hits FROM crash_analytics.get_signal_effectiveness()$$,
	$$SELECT * FROM pg_temp.signals_expected$$,
	'get_signal_effectiveness(): signals, resolved and hits equal the next multiplier of each signal''s series');
SELECT results_eq(
	$$SELECT signals, resolved, hits, hit_rate_percent, hit_rate_ci_low_percent, hit_rate_ci_high_percent,
			 baseline_theoretical_percent FROM crash_analytics.get_signal_effectiveness('gbm_v2')$$,
	$$SELECT signals, resolved, hits, round(100.0 * hits / resolved, 2), pg_temp.wlo(hits, resolved),
			 pg_temp.whi(hits, resolved), round(100 * 0.96 / 2.50, 2)
		FROM pg_temp.signals_expected WHERE model_name = 'gbm_v2'$$,
	'get_signal_effectiveness(gbm_v2): hit rate, its interval and the chance baseline RTP/target');
SELECT set_eq(
	$$SELECT source, signal_type, model_name, signals, resolved, hits, hit_rate_percent, hit_rate_ci_low_percent,
			 hit_rate_ci_high_percent, baseline_theoretical_percent FROM crash_analytics.get_signal_effectiveness()$$,
	$$SELECT * FROM pg_temp.signal_rates_expected(NULL, NULL)$$,
	'get_signal_effectiveness(): hit rate, its interval and the baseline RTP/target of the rules low_streak and high_after and the model gbm_v2');
SELECT set_eq(
	$$SELECT source, signal_type, model_name, signals, resolved, hits, hit_rate_percent, hit_rate_ci_low_percent,
			 hit_rate_ci_high_percent, baseline_theoretical_percent
		FROM crash_analytics.get_signal_effectiveness(NULL, '2026-02-01 09:00:00+00', '2026-02-01 21:00:00+00')$$,
	$$SELECT * FROM pg_temp.signal_rates_expected('2026-02-01 09:00:00+00', '2026-02-01 21:00:00+00')$$,
	'get_signal_effectiveness(a period): hit rate, its interval and the baseline RTP/target of every type and model');
SELECT ok((SELECT count(*) FROM pg_temp.signal_rates_expected(NULL, NULL) WHERE source = 'rule' AND resolved > 100) = 2
		  AND (SELECT count(DISTINCT theoretical) FROM pg_temp.signal_rates_expected(NULL, NULL)) = 3,
		  'the rule signals low_streak and high_after each have more than 100 resolved signals, and the three baselines differ');
SELECT is((SELECT signals FROM crash_analytics.get_signal_effectiveness('gbm_v2')), 160::bigint,
		  'the model signalled before every 5th of its 801 rounds');
SELECT results_eq(
	$$SELECT source, signal_type, model_name, baseline_empirical_percent, lift, round(p_value::numeric, 5)
		FROM crash_analytics.get_signal_effectiveness()$$,
	$$SELECT * FROM pg_temp.effectiveness_expected(NULL, NULL)$$,
	'get_signal_effectiveness(): empirical baseline, lift and p-value of the rules low_streak and high_after and the model gbm_v2');
SELECT results_eq(
	$$SELECT source, signal_type, model_name, baseline_empirical_percent, lift, round(p_value::numeric, 5)
		FROM crash_analytics.get_signal_effectiveness(NULL, '2026-02-01 09:00:00+00', '2026-02-01 21:00:00+00')$$,
	$$SELECT * FROM pg_temp.effectiveness_expected('2026-02-01 09:00:00+00', '2026-02-01 21:00:00+00')$$,
	'get_signal_effectiveness(a period): the empirical baseline from that period''s platform rounds, lift and p-value');
SELECT ok((SELECT count(DISTINCT coalesce(model_name, signal_type)) FROM crash_analytics.get_signal_effectiveness()) >= 3,
		  'get_signal_effectiveness() compares at least three signal types and models');

-- ----------------------------------------------------------------------
-- The reader profile refreshes the materialized views, and still writes nothing
-- ----------------------------------------------------------------------
CREATE ROLE ca_tap_reader;
SELECT crash_analytics.grant_reader('ca_tap_reader');
CREATE TEMP TABLE written_before AS
SELECT (SELECT count(*) FROM crash_analytics.crash_game_rounds) AS rounds,
	   (SELECT count(*) FROM crash_analytics.analytics_round_multipliers) AS multipliers,
	   (SELECT sum(wins) FROM crash_analytics.bot_rollups) AS wins;
GRANT SELECT ON written_before TO ca_tap_reader;
SET ROLE ca_tap_reader;
SELECT lives_ok($$SELECT crash_analytics.refresh_analytics()$$, 'a reader runs refresh_analytics()');
SELECT lives_ok($$SELECT crash_analytics.refresh_analytics(concurrently => true)$$,
				'a reader runs refresh_analytics(concurrently => true)');
SELECT throws_ok($$REFRESH MATERIALIZED VIEW crash_analytics.mv_hourly_game_statistics$$, '42501', NULL,
				 'a reader cannot refresh a view itself (only its owner may; refresh_analytics() runs as the owner)');
SELECT throws_ok($$INSERT INTO crash_analytics.crash_game_rounds (bot_id, session_id, game_name, platform_code,
					 round_number, stake_value, crash_multiplier) VALUES ('b_flat', 's9', 'aviator', 'dafabet', 1, 0, 2.00)$$,
				 '42501', NULL, 'a reader with refresh_analytics() still cannot insert a round');
SELECT throws_ok($$UPDATE crash_analytics.bot_rollups SET wins = wins + 1$$, '42501', NULL,
				 'a reader cannot update a roll-up');
SELECT throws_ok($$DELETE FROM crash_analytics.analytics_round_multipliers$$, '42501', NULL,
				 'a reader cannot delete multipliers');
SELECT throws_ok($$SELECT crash_analytics.log_crash_round('b_flat', 's9', 'aviator', 'dafabet', 1, 0, 2.00)$$, '42501', NULL,
				 'a reader cannot log a round');
SELECT throws_ok($$SELECT * FROM crash_analytics.purge_rounds_before('2026-02-01 12:00:00+00')$$, '42501', NULL,
				 'a reader cannot purge');
SELECT is((SELECT (SELECT count(*) FROM crash_analytics.crash_game_rounds) = w.rounds
			  AND (SELECT count(*) FROM crash_analytics.analytics_round_multipliers) = w.multipliers
			  AND (SELECT sum(wins) FROM crash_analytics.bot_rollups) = w.wins FROM written_before w),
		  true, 'after the reader''s calls, rounds, multipliers and roll-ups are as they were');
RESET ROLE;

-- what the reader's refresh gave: mv_hourly_game_statistics counts each
-- platform round once (its first reading logged, by id, in the hour it was
-- observed; a reading without a platform round id on its own), whichever
-- bots saw it
CREATE VIEW pg_temp.first_readings AS
SELECT m.* FROM crash_analytics.analytics_round_multipliers m
 WHERE m.platform_round_id IS NULL
	OR m.id = (SELECT min(o.id) FROM crash_analytics.analytics_round_multipliers o
				WHERE o.game_name = m.game_name AND o.platform_code = m.platform_code
				  AND o.platform_round_id = m.platform_round_id);
SELECT results_eq(
	$$SELECT game_name::text COLLATE "default", platform_code::text COLLATE "default", hour_utc, multipliers,
			 instant_crashes, median_multiplier, min_multiplier, max_multiplier, reached_2x, reached_10x
		FROM crash_analytics.mv_hourly_game_statistics ORDER BY 1, 2, 3$$,
	$$SELECT game_name::text COLLATE "default", platform_code::text COLLATE "default",
			 date_trunc('hour', observed_at AT TIME ZONE 'UTC'), count(*), count(*) FILTER (WHERE multiplier = 1.00),
			 percentile_disc(0.5) WITHIN GROUP (ORDER BY multiplier), min(multiplier), max(multiplier),
			 count(*) FILTER (WHERE multiplier >= 2.00), count(*) FILTER (WHERE multiplier >= 10.00)
		FROM pg_temp.first_readings GROUP BY 1, 2, 3 ORDER BY 1, 2, 3$$,
	'mv_hourly_game_statistics (refreshed by a reader): each platform round once, as the first reading logged');
SELECT ok((SELECT count(*) FROM crash_analytics.analytics_round_multipliers WHERE game_name = 'aviator' AND platform_code = 'dafabet')
		  > (SELECT sum(multipliers) FROM crash_analytics.mv_hourly_game_statistics WHERE game_name = 'aviator' AND platform_code = 'dafabet')
		  AND (SELECT sum(multipliers) FROM crash_analytics.mv_hourly_game_statistics WHERE game_name = 'aviator' AND platform_code = 'dafabet')
			  = (SELECT count(*) FROM pg_temp.distinct_m('aviator', 'dafabet', NULL, NULL)),
		  'aviator/dafabet, seen by four bots: the hours hold fewer multipliers than were logged, as many as its platform rounds');
SELECT results_eq(
	$$SELECT bot_id::text COLLATE "default", game_name::text COLLATE "default", platform_code::text COLLATE "default",
			 day, rounds, bets, wins, losses, total_staked, total_payout, total_profit, expected_profit
		FROM crash_analytics.mv_daily_bot_performance ORDER BY 1, 2, 3, 4$$,
	$$SELECT bot_id, game_name, platform_code, (played_at AT TIME ZONE 'UTC')::date, count(*),
			 count(*) FILTER (WHERE o <> 'SKIP'), count(*) FILTER (WHERE o = 'WIN'), count(*) FILTER (WHERE o = 'LOSS'),
			 sum(stake), sum(payout), sum(profit), sum(ep)
		FROM pg_temp.rr GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4$$,
	'mv_daily_bot_performance (refreshed by a reader) equals the rounds summed per bot, game/platform and UTC day');

-- ----------------------------------------------------------------------
-- Retention: purge before a mid cutoff, then everything again
-- ----------------------------------------------------------------------
CREATE TEMP TABLE before_purge AS
SELECT (SELECT count(*) FROM crash_analytics.crash_game_rounds) AS rounds,
	   (SELECT count(*) FROM crash_analytics.crash_game_rounds WHERE played_at < '2026-02-01 19:20:07+00') AS old_rounds,
	   (SELECT count(*) FROM crash_analytics.analytics_round_multipliers WHERE observed_at < '2026-02-01 19:20:07+00') AS old_multipliers;
SELECT results_eq(
	$$SELECT table_name, rows_deleted FROM crash_analytics.purge_rounds_before('2026-02-01 19:20:07+00')
	   WHERE table_name IN ('crash_game_rounds', 'analytics_round_multipliers')$$,
	$$VALUES ('analytics_round_multipliers', (SELECT old_multipliers FROM before_purge)),
			 ('crash_game_rounds', (SELECT old_rounds FROM before_purge))$$,
	'purge_rounds_before deletes the rounds and multipliers before the cutoff');
SELECT ok((SELECT count(*) FROM crash_analytics.crash_game_rounds) = (SELECT rounds - old_rounds FROM before_purge)
		  AND (SELECT min(played_at) FROM crash_analytics.crash_game_rounds) >= '2026-02-01 19:20:07+00'
		  AND (SELECT old_rounds FROM before_purge) > 3000,
		  'half the rounds are gone, none before the cutoff is left');
SELECT is(pg_temp.failed_checks(), NULL, 'verify_consistency() is all ok after purge_rounds_before');
SELECT results_eq('SELECT * FROM pg_temp.bot_stats_actual WHERE bot_id = ' || quote_literal(b),
				  'SELECT * FROM pg_temp.bot_stats_expected WHERE bot_id = ' || quote_literal(b),
				  'after the purge, get_bot_statistics(' || b || ') equals the recomputation from its remaining rounds')
  FROM unnest(ARRAY['b_flat', 'b_mart', 'b_mix', 'b_model', 'b_nobal']) AS b;
-- b_copy played only before the cutoff: no round is left, and its
-- statistics are those of a bot without rounds
SELECT results_eq(
	$$SELECT total_rounds, bets, wins, losses, skips, voids, total_staked, total_payout, total_profit, expected_profit,
			 win_rate_percent, longest_win_streak, longest_loss_streak, max_drawdown, first_round_at, last_round_at
		FROM crash_analytics.get_bot_statistics('b_copy')$$,
	$$SELECT count(*), count(*) FILTER (WHERE o <> 'SKIP'), count(*) FILTER (WHERE o = 'WIN'),
			 count(*) FILTER (WHERE o = 'LOSS'), count(*) FILTER (WHERE o = 'SKIP'), count(*) FILTER (WHERE o = 'VOID'),
			 coalesce(sum(stake), 0), coalesce(sum(payout), 0), coalesce(sum(profit), 0), coalesce(sum(ep), 0),
			 round(100.0 * count(*) FILTER (WHERE o = 'WIN') / nullif(count(*) FILTER (WHERE settled), 0), 2),
			 0::bigint, 0::bigint, 0::numeric, min(played_at), max(played_at)
		FROM pg_temp.rr WHERE bot_id = 'b_copy'$$,
	'after the purge, get_bot_statistics(b_copy), whose rounds were all before the cutoff, equals the recomputation: none');
SELECT pg_temp.game_check('aviator', NULL, NULL, NULL, 'after the purge, aviator');
SELECT pg_temp.game_check('jetx', 'dafabet', '2026-02-01 19:20:00+00', '2026-02-02 01:05:30+00', 'after the purge, jetx around the cutoff');
SELECT pg_temp.strategy_check(NULL, NULL, NULL, 'after the purge');
SELECT pg_temp.distribution_checks('aviator', 'dafabet', NULL, NULL, NULL, 'after the purge');
SELECT set_eq(
	$$SELECT source, signal_type, model_name, signals, resolved, hits FROM crash_analytics.get_signal_effectiveness()$$,
	$$SELECT * FROM pg_temp.signals_expected$$,
	'after the purge, get_signal_effectiveness() equals the recomputation');

SELECT * FROM finish();
ROLLBACK;
