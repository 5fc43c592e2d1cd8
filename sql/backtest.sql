-- Backtests, risk of ruin and simulation (src/backtest.c).
--
-- Backtests replay short sequences whose every round is worked out by hand
-- in the comment before the query; Monte Carlo results are compared with
-- closed forms (or an exact dynamic program written here in SQL) within a
-- stated tolerance and printed as booleans.  Nothing below was copied from
-- what the code printed.
--
-- Conventions of the replay: a bet wins iff crash >= target and then pays
-- round(stake x target, currency decimals), half away from zero; a stake
-- larger than the balance is a bust (that round is not played); stop-loss
-- and take-profit are checked after each settled bet on balance - bankroll;
-- max drawdown is the largest fall below the running peak (the bankroll is
-- the first peak).  At RTP 0.97 a bet at 2.00x wins with p = 0.485
-- (q = 0.515) and its expected profit is stake x (0.97 - 1).
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

\x on

/* ------------------------------------------------------------------------
 * Fixed stake.  target 2.00, stake 10.00, bankroll 100.00 (a win pays
 * 20.00 for the 10.00 staked: +10):
 *   1.50 LOSS 90 | 3.00 WIN 100 | 1.00 LOSS 90 |
 *   2.00 WIN 100 (crash = target wins) | 1.99 LOSS 90 | 2.01 WIN 100
 * 6 bets, 3 wins, 3 losses, win rate 50.00; chance 100 x 0.97/2 = 48.50;
 * staked 60.00, profit 0.00, ROI 0.00; expected 60.00 x -0.03 = -1.8000;
 * final 100.00; max drawdown 10.00 (100 -> 90); longest losing streak 1;
 * no bust; the rounds ran out ("end").
 * ------------------------------------------------------------------------ */
SELECT * FROM crash_analytics.backtest_strategy(
	'{"kind": "fixed", "target": 2.00, "base_stake": 10.00}', 100.00,
	'{1.50, 3.00, 1.00, 2.00, 1.99, 2.01}', 0.97);

/* Payouts are rounded half away from zero to the cent, as ingestion does:
 * stake 0.10 at 1.25 pays 0.125 -> 0.13.  Bankroll 1.00, "flat" (= fixed):
 *   1.30 WIN 1.03 | 1.25 WIN 1.06 | 1.24 LOSS 0.96
 * staked 0.30, profit -0.04, ROI -13.33, drawdown 0.10, no rtp: chance and
 * expected are NULL. */
SELECT * FROM crash_analytics.backtest_strategy(
	'{"kind": "flat", "target": 1.25, "base_stake": 0.10}', 1.00, '{1.30, 1.25, 1.24}');

/* ------------------------------------------------------------------------
 * Martingale, target 2.00, base 1.00, factor 2, max_stake 8.00 (on_cap
 * reset by default), bankroll 100.00:
 *   r1 1.10 stake 1 LOSS  99   next 2
 *   r2 1.20 stake 2 LOSS  97   next 4
 *   r3 1.30 stake 4 LOSS  93   next 8 (= max_stake, allowed)
 *   r4 1.40 stake 8 LOSS  85   next 16 > 8: reset to 1
 *   r5 1.50 stake 1 LOSS  84   next 2
 *   r6 2.50 stake 2 WIN   86   (pays 4) back to 1
 *   r7 1.00 stake 1 LOSS  85   next 2
 *   r8 3.00 stake 2 WIN   87
 * 8 bets, 2 wins, 6 losses (25.00%), staked 21.00, profit -13.00, ROI
 * -13/21 = -61.90, expected 21 x -0.03 = -0.6300, final 87.00, max
 * drawdown 16.00 (100 -> 84), longest losing streak 5.
 * ------------------------------------------------------------------------ */
SELECT * FROM crash_analytics.backtest_strategy(
	'{"kind": "martingale", "target": 2.00, "base_stake": 1.00, "factor": 2, "max_stake": 8.00}', 100.00,
	'{1.10, 1.20, 1.30, 1.40, 1.50, 2.50, 1.00, 3.00}', 0.97);

/* The same with on_cap "hold": a stake above max_stake is held at 8.00.
 *   1 L 99 | 2 L 97 | 4 L 93 | 8 L 85 | 8 L 77 (held) | 8 W 85 (pays 16) |
 *   1 L 84 | 2 W 86
 * staked 1+2+4+8+8+8+1+2 = 34.00, profit -14.00, ROI -41.18, final 86.00,
 * max drawdown 23.00 (100 -> 77), longest losing streak 5. */
SELECT bets, wins, losses, total_staked, profit, roi_percent, final_balance, max_drawdown, longest_losing_streak
  FROM crash_analytics.backtest_strategy(
	'{"kind": "martingale", "target": 2.00, "base_stake": 1.00, "max_stake": 8.00, "on_cap": "hold"}', 100.00,
	'{1.10, 1.20, 1.30, 1.40, 1.50, 2.50, 1.00, 3.00}');

/* max_doublings 2: stakes 1, 2, 4 and then back to 1.
 *   1.10: 1 L 99 | 1.10: 2 L 97 | 1.10: 4 L 93 (2 doublings: reset) |
 *   1.10: 1 L 92 | 2.00: 2 W 94
 * staked 10.00, profit -6.00, final 94.00, drawdown 8.00, streak 4. */
SELECT bets, wins, losses, total_staked, profit, final_balance, max_drawdown, longest_losing_streak
  FROM crash_analytics.backtest_strategy(
	'{"kind": "martingale", "target": 2.00, "base_stake": 1.00, "max_doublings": 2}', 100.00,
	'{1.10, 1.10, 1.10, 1.10, 2.00}');

/* A factor of 1.5 from 0.05: each next stake is rounded half away from zero
 * to the cent: 0.05 -> 0.075 = 0.08 -> 0.12 -> 0.18; the win at 2.00 pays
 * 0.36.  Balance 1.00 -> 0.95 -> 0.87 -> 0.75 -> 0.57 -> 0.93.  The equity
 * curve shows it (observed_at is NULL for an array). */
SELECT * FROM crash_analytics.backtest_equity_curve(
	'{"kind": "martingale", "target": 2.00, "base_stake": 0.05, "factor": 1.5}', 1.00,
	'{1.00, 1.00, 1.00, 2.00}');

/* ------------------------------------------------------------------------
 * Paroli (anti-martingale): double after a win, back to base after 3 wins
 * in a row (win_streak 3, the default) or after a loss.  Target 2.00, base
 * 1.00, bankroll 10.00:
 *   r1 2.0 stake 1 WIN 11 (1 win)  next 2
 *   r2 2.0 stake 2 WIN 13 (2 wins) next 4
 *   r3 2.0 stake 4 WIN 17 (3 wins) back to 1
 *   r4 2.0 stake 1 WIN 18          next 2
 *   r5 1.5 stake 2 LOSS 16         back to 1
 *   r6 2.0 stake 1 WIN 17          next 2
 *   r7 1.0 stake 2 LOSS 15
 * 7 bets, 5 wins, 2 losses (71.43%), staked 13.00, profit +5.00, ROI
 * 5/13 = 38.46, final 15.00, drawdown 3.00 (18 -> 15), streak 1.
 * "anti_martingale" is the same strategy.
 * ------------------------------------------------------------------------ */
SELECT bets, wins, losses, win_rate_percent, total_staked, profit, roi_percent, final_balance,
	   max_drawdown, longest_losing_streak
  FROM crash_analytics.backtest_strategy(
	'{"kind": "paroli", "target": 2.00, "base_stake": 1.00}', 10.00,
	'{2.0, 2.0, 2.0, 2.0, 1.5, 2.0, 1.0}');
SELECT (SELECT b FROM crash_analytics.backtest_strategy(
			'{"kind": "paroli", "target": 2.00, "base_stake": 1.00, "factor": 2, "win_streak": 3}', 10.00,
			'{2.0, 2.0, 2.0, 2.0, 1.5, 2.0, 1.0}') b)
	 = (SELECT b FROM crash_analytics.backtest_strategy(
			'{"kind": "anti_martingale", "target": 2.00, "base_stake": 1.00}', 10.00,
			'{2.0, 2.0, 2.0, 2.0, 1.5, 2.0, 1.0}') b) AS anti_martingale_is_paroli;

/* Paroli with max_stake 3.00: the third stake would be 4 > 3, so back to 1.
 *   2.0: 1 W 11 | 2.0: 2 W 13 | 2.0: 1 W 14   staked 4.00, final 14.00 */
SELECT bets, wins, total_staked, final_balance
  FROM crash_analytics.backtest_strategy(
	'{"kind": "paroli", "target": 2.00, "base_stake": 1.00, "max_stake": 3.00}', 10.00, '{2.0, 2.0, 2.0}');

/* ------------------------------------------------------------------------
 * d'Alembert: +1 unit after a loss, -1 after a win, never under 1 unit.
 * Target 2.00, unit (base_stake) 1.00, bankroll 20.00:
 *   1.5: 1 L 19 | 1.5: 2 L 17 | 1.5: 3 L 14 | 2.5: 4 W 18 | 2.5: 3 W 21 |
 *   2.5: 2 W 23 | 2.5: 1 W 24 (stays at 1) | 1.0: 1 L 23
 * 8 bets, 4 wins, 4 losses, staked 17.00, profit +3.00, ROI 17.65, final
 * 23.00, drawdown 6.00 (20 -> 14), longest losing streak 3.
 * ------------------------------------------------------------------------ */
SELECT bets, wins, losses, total_staked, profit, roi_percent, final_balance, max_drawdown, longest_losing_streak
  FROM crash_analytics.backtest_strategy(
	'{"kind": "dalembert", "target": 2.00, "base_stake": 1.00}', 20.00,
	'{1.5, 1.5, 1.5, 2.5, 2.5, 2.5, 2.5, 1.0}');

/* ------------------------------------------------------------------------
 * skip_until: bet 1.00 at 1.50 when the last 2 rounds (bet or watched)
 * crashed under 2.00; after a losing bet, bet once more (retries 1).
 * "run" is the number of rounds in a row under 2.00 before the round; a
 * win pays 1.50 for the 1.00 staked (+0.50).
 *   r1  1.2 run 0 SKIP                       10.00
 *   r2  1.3 run 1 SKIP                       10.00
 *   r3  1.4 run 2 bet, LOSS (retry next)       9.00
 *   r4  3.0 retry, WIN                         9.50   run back to 0
 *   r5  1.1 run 0 SKIP                         9.50
 *   r6  1.1 run 1 SKIP                         9.50
 *   r7  1.2 run 2 bet, LOSS (retry next)       8.50
 *   r8  1.6 retry, WIN                         9.00
 *   r9  1.0 run 4 bet, LOSS (retry next)       8.00
 *   r10 1.9 retry, WIN                         8.50
 * 10 rounds, 6 bets, 3 wins, 3 losses, staked 6.00, profit -1.50, ROI
 * -25.00, final 8.50, drawdown 2.00 (10.00 -> 8.00), streak 1.
 * ------------------------------------------------------------------------ */
SELECT * FROM crash_analytics.backtest_equity_curve(
	'{"kind": "skip_until", "target": 1.50, "base_stake": 1.00, "under": 2.00, "rounds_under": 2, "retries": 1}',
	10.00, '{1.2, 1.3, 1.4, 3.0, 1.1, 1.1, 1.2, 1.6, 1.0, 1.9}');
SELECT rounds_replayed, bets, wins, losses, total_staked, profit, roi_percent, final_balance, max_drawdown,
	   longest_losing_streak, stop_reason
  FROM crash_analytics.backtest_strategy(
	'{"kind": "skip_until", "target": 1.50, "base_stake": 1.00, "under": 2.00, "rounds_under": 2, "retries": 1}',
	10.00, '{1.2, 1.3, 1.4, 3.0, 1.1, 1.1, 1.2, 1.6, 1.0, 1.9}');

/* ------------------------------------------------------------------------
 * Stop-loss: fixed 10.00 at 2.00, bankroll 100.00, stop_loss 25.00:
 *   1.0 L 90 (-10) | 1.0 L 80 (-20) | 3.0 W 90 (-10) | 1.0 L 80 (-20) |
 *   1.0 L 70 (-30 <= -25: stop)      the 6th and 7th rounds are not played
 * 5 rounds, 5 bets, final 70.00, stop_loss, no bust.
 * ------------------------------------------------------------------------ */
SELECT rounds_replayed, bets, wins, losses, profit, final_balance, bust, stop_reason
  FROM crash_analytics.backtest_strategy(
	'{"kind": "fixed", "target": 2.00, "base_stake": 10.00, "stop_loss": 25.00}', 100.00,
	'{1.0, 1.0, 3.0, 1.0, 1.0, 1.0, 5.0}');

/* Take-profit: fixed 5.00 at 3.00, bankroll 50.00, take_profit 15.00:
 *   1.0 L 45 (-5) | 3.5 W 55 (+5, pays 15) | 1.2 L 50 (0) | 4.0 W 60 (+10) |
 *   10.0 W 70 (+20 >= 15: stop)      2 rounds left unplayed
 * 5 rounds, 5 bets, 3 wins, profit +20.00, final 70.00, take_profit. */
SELECT rounds_replayed, bets, wins, losses, profit, final_balance, stop_reason
  FROM crash_analytics.backtest_strategy(
	'{"kind": "fixed", "target": 3.00, "base_stake": 5.00, "take_profit": 15.00}', 50.00,
	'{1.0, 3.5, 1.2, 4.0, 10.0, 2.0, 2.0}');

/* ------------------------------------------------------------------------
 * Bust: martingale from 1.00 at 2.00 without a cap, bankroll 10.00:
 *   1.5: 1 L 9 | 1.5: 2 L 7 | 1.5: 4 L 3 | round 4: the stake 8 > 3: bust
 * 3 rounds played, 3 bets, 3 losses, staked 7.00, profit -7.00, ROI
 * -100.00, final 3.00, drawdown 7.00, streak 3, bust at round 4.  The
 * equity curve ends with the BUST row (stake 8.00, balance unchanged).
 * ------------------------------------------------------------------------ */
SELECT * FROM crash_analytics.backtest_strategy(
	'{"kind": "martingale", "target": 2.00, "base_stake": 1.00}', 10.00,
	'{1.5, 1.5, 1.5, 1.5, 5.0}');
SELECT * FROM crash_analytics.backtest_equity_curve(
	'{"kind": "martingale", "target": 2.00, "base_stake": 1.00}', 10.00,
	'{1.5, 1.5, 1.5, 1.5, 5.0}');

/* A first stake above the bankroll: bust at round 1, no bet, no rate. */
SELECT rounds_replayed, bets, win_rate_percent, roi_percent, final_balance, bust, bust_round, stop_reason
  FROM crash_analytics.backtest_strategy('{"kind": "fixed", "target": 2.00, "base_stake": 5.00}', 4.99, '{3.00}');

/* No rounds at all: nothing happens. */
SELECT rounds_replayed, bets, final_balance, bust, stop_reason
  FROM crash_analytics.backtest_strategy('{"kind": "fixed", "target": 2.00, "base_stake": 1.00}', 10.00, '{}');

\x off

/* ------------------------------------------------------------------------
 * Recorded history.  aviator/demo (RTP 0.97, USD 2 decimals), logged in
 * this order (bot, platform round, multiplier, observed_at on 2026-01-05):
 *   A  p3  1.50  10:02
 *   A  p1  2.50  10:00
 *   A  p2  1.20  10:01
 *   B  p1  1.10  10:00:00.5   the same platform round: A logged it first,
 *                             A's 2.50 counts and B's reading is dropped
 *   B  p4  3.00  10:03
 *   B  --  1.00  10:04        no platform round id: a round of its own
 *   B  p5  2.00  11:00        after the period [09:00, 10:30)
 *   A  on aviator/dafabet, 1.00 at 10:02:30: another platform
 * The rounds of the period in time order: 2.50, 1.20, 1.50, 3.00, 1.00.
 * Martingale from 1.00 at 2.00, bankroll 10.00:
 *   2.50: 1 W 11 | 1.20: 1 L 10 | 1.50: 2 L 8 | 3.00: 4 W 12 | 1.00: 1 L 11
 * 5 rounds, 5 bets, 2 wins (40.00%), chance 48.50, staked 9.00, profit
 * +1.00, ROI 11.11, expected 9 x -0.03 = -0.2700, final 11.00, drawdown
 * 3.00 (11 -> 8), longest losing streak 2.  Without a period p5 comes
 * last: 2.00, stake 2, WIN, final 13.00.
 * ------------------------------------------------------------------------ */
SELECT crash_analytics.log_round_multiplier_analytics('bt_a', 's1', 'aviator', 'demo', 1, 1.50, 'p3', '2026-01-05 10:02') > 0 AS logged;
SELECT crash_analytics.log_round_multiplier_analytics('bt_a', 's1', 'aviator', 'demo', 2, 2.50, 'p1', '2026-01-05 10:00') > 0 AS logged;
SELECT crash_analytics.log_round_multiplier_analytics('bt_a', 's1', 'aviator', 'demo', 3, 1.20, 'p2', '2026-01-05 10:01') > 0 AS logged;
SELECT crash_analytics.log_round_multiplier_analytics('bt_b', 's1', 'aviator', 'demo', 1, 1.10, 'p1', '2026-01-05 10:00:00.5') > 0 AS logged;
SELECT crash_analytics.log_round_multiplier_analytics('bt_b', 's1', 'aviator', 'demo', 2, 3.00, 'p4', '2026-01-05 10:03') > 0 AS logged;
SELECT crash_analytics.log_round_multiplier_analytics('bt_b', 's1', 'aviator', 'demo', 3, 1.00, NULL, '2026-01-05 10:04') > 0 AS logged;
SELECT crash_analytics.log_round_multiplier_analytics('bt_b', 's1', 'aviator', 'demo', 4, 2.00, 'p5', '2026-01-05 11:00') > 0 AS logged;
SELECT crash_analytics.log_round_multiplier_analytics('bt_a', 's2', 'aviator', 'dafabet', 1, 1.00, 'd1', '2026-01-05 10:02:30') > 0 AS logged;

\x on
SELECT * FROM crash_analytics.backtest_strategy(
	'{"kind": "martingale", "target": 2.00, "base_stake": 1.00}', 10.00,
	'aviator', 'demo', '2026-01-05 09:00', '2026-01-05 10:30');
\x off
SELECT * FROM crash_analytics.backtest_equity_curve(
	'{"kind": "martingale", "target": 2.00, "base_stake": 1.00}', 10.00, 'aviator', 'demo');
-- the same rounds as distinct_multipliers gives, for every strategy
SELECT (SELECT array_agg(multiplier ORDER BY multiplier) FROM crash_analytics.distinct_multipliers('aviator', 'demo', NULL, NULL))
	 = (SELECT array_agg(multiplier ORDER BY multiplier) FROM crash_analytics.backtest_equity_curve(
			'{"kind": "fixed", "target": 5.00, "base_stake": 1.00}', 10.00, 'aviator', 'demo')) AS same_rounds;
-- an empty period replays nothing
SELECT rounds_replayed, final_balance, stop_reason FROM crash_analytics.backtest_strategy(
	'{"kind": "fixed", "target": 2.00, "base_stake": 1.00}', 10.00, 'aviator', 'demo', '2027-01-01', NULL);

/* The game's currency decimals: a game in JPY with 0 decimals (RTP 0.99).
 * Stake 3 at 1.50 pays 4.5 -> 5 yen; rounds 2.00, 1.00, 1.60:
 *   3 W 1002 | 3 L 999 | 3 W 1001     final 1001, profit +1, chance
 * 100 x 0.99/1.5 = 66.00, expected 9 x -0.01 = -0.09. */
SELECT crash_analytics.register_game_platform('yencrash', 'jp', 0.99, currency => 'JPY', currency_decimals => 0) > 0 AS registered;
SELECT crash_analytics.log_round_multiplier_analytics('bt_y', 's1', 'yencrash', 'jp', n, m, NULL, '2026-01-05 12:00'::timestamptz + n * interval '1 minute') > 0 AS logged
  FROM (VALUES (1, 2.00), (2, 1.00), (3, 1.60)) AS v(n, m);
SELECT bets, wins, chance_win_rate_percent, total_staked, profit, expected_profit, final_balance
  FROM crash_analytics.backtest_strategy('{"kind": "fixed", "target": 1.50, "base_stake": 3}', 1000, 'yencrash', 'jp');
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.backtest_strategy('{"kind": "fixed", "target": 1.50, "base_stake": 2.5}', 1000, 'yencrash', 'jp')$$);
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.backtest_strategy('{"kind": "fixed", "target": 1.50, "base_stake": 3}', 1000.5, 'yencrash', 'jp')$$);

/* ------------------------------------------------------------------------
 * The backtest agrees with bots that really played.  Four bots log 200
 * rounds each through log_crash_round on three games of platform "sim",
 * with the rules of test/demo/workload.sql, each keeping its own balance in
 * PL/pgSQL: flat 1.00 at 1.50 and flat 1.00 at 2.00 on the same aviator
 * rounds (every platform round logged twice), a martingale from 1.00 at
 * 2.00 whose stake stops doubling at 64.00 on jetx, and 2.00 at 1.80 after
 * three rounds under 2x on aviatrix; bankroll 1000.00 each.  Backtests of
 * the same strategies over the recorded rounds give each bot's own figures
 * (get_bot_statistics, from the roll-ups ingestion keeps): two
 * implementations, one answer.
 * ------------------------------------------------------------------------ */
SELECT count(crash_analytics.register_game_platform(g, 'sim', 0.97)) AS registered
  FROM unnest(ARRAY['aviator', 'jetx', 'aviatrix']) AS g;
DO $$
DECLARE
	t0 constant timestamptz := '2026-02-01 00:00:00+00';
	-- bot, game, strategy, target, base stake
	bots constant text[][] := ARRAY[
		['sim_flat_150',   'aviator',  'flat',       '1.50', '1.00'],
		['sim_flat_200',   'aviator',  'flat',       '2.00', '1.00'],
		['sim_martingale', 'jetx',     'martingale', '2.00', '1.00'],
		['sim_skipper',    'aviatrix', 'skip',       '1.80', '2.00']];
	crashes jsonb := jsonb_build_object(
		'aviator', (SELECT jsonb_agg(crash_multiplier ORDER BY round_number) FROM crash_analytics.simulate_rounds('aviator', 'sim', 200, seed => 101)),
		'jetx', (SELECT jsonb_agg(crash_multiplier ORDER BY round_number) FROM crash_analytics.simulate_rounds('jetx', 'sim', 200, seed => 102)),
		'aviatrix', (SELECT jsonb_agg(crash_multiplier ORDER BY round_number) FROM crash_analytics.simulate_rounds('aviatrix', 'sim', 200, seed => 103)));
	balance numeric[] := ARRAY[1000.00, 1000.00, 1000.00, 1000.00];
	losses int[] := ARRAY[0, 0, 0, 0];
	unders int[] := ARRAY[0, 0, 0, 0];
	g text;
	b int;
	r int;
	crash numeric;
	target numeric;
	stake numeric;
BEGIN
	FOR r IN 1 .. 200 LOOP
		FOR b IN 1 .. 4 LOOP
			g := bots[b][2];
			crash := (crashes -> g ->> (r - 1))::numeric;
			target := bots[b][4]::numeric;
			stake := bots[b][5]::numeric;
			IF bots[b][3] = 'martingale' THEN
				stake := least(stake * (2 ^ losses[b])::numeric, 64.00);
			ELSIF bots[b][3] = 'skip' AND unders[b] < 3 THEN
				stake := 0;
			END IF;
			PERFORM crash_analytics.log_crash_round(
				bot_id => bots[b][1], session_id => 's1', game_name => g, platform_code => 'sim',
				round_number => r, stake_value => stake, crash_multiplier => crash,
				cashout_multiplier => CASE WHEN stake > 0 THEN target END,
				running_balance_before => balance[b],
				strategy_name => bots[b][3] || '_' || bots[b][4] || 'x',
				target_multiplier => CASE WHEN stake > 0 THEN target END,
				platform_round_id => g || '-' || r,
				round_started_at => t0 + (r * interval '12 seconds'),
				round_ended_at => t0 + (r * interval '12 seconds') + interval '8 seconds');
			IF stake > 0 THEN
				IF target <= crash THEN
					balance[b] := balance[b] + round(stake * target, 2) - stake;
					losses[b] := 0;
				ELSE
					balance[b] := balance[b] - stake;
					losses[b] := losses[b] + 1;
				END IF;
			END IF;
			unders[b] := CASE WHEN crash < 2.00 THEN unders[b] + 1 ELSE 0 END;
		END LOOP;
	END LOOP;
END
$$;
SELECT v.bot_id, t.rounds_replayed = 200 AS all_rounds,
	   (s.bets, s.wins, s.losses, s.total_staked, s.total_profit, s.roi_percent, s.max_drawdown,
		s.longest_loss_streak, s.current_balance)
	 = (t.bets, t.wins, t.losses, t.total_staked, t.profit, t.roi_percent, t.max_drawdown,
		t.longest_losing_streak, t.final_balance) AS backtest_is_the_bot
  FROM (VALUES
	('sim_flat_150', 'aviator', '{"kind": "fixed", "target": 1.50, "base_stake": 1.00}'),
	('sim_flat_200', 'aviator', '{"kind": "fixed", "target": 2.00, "base_stake": 1.00}'),
	('sim_martingale', 'jetx', '{"kind": "martingale", "target": 2.00, "base_stake": 1.00, "max_stake": 64.00, "on_cap": "hold"}'),
	('sim_skipper', 'aviatrix', '{"kind": "skip_until", "target": 1.80, "base_stake": 2.00, "under": 2.00, "rounds_under": 3}'))
	AS v(bot_id, game, strategy),
	LATERAL crash_analytics.get_bot_statistics(v.bot_id) s,
	LATERAL crash_analytics.backtest_strategy(v.strategy::jsonb, 1000.00, v.game, 'sim') t
 ORDER BY v.bot_id;

/* ------------------------------------------------------------------------
 * Bad input: 22023 naming the field (22004 for a NULL argument, 42704 for
 * an unknown game).
 * ------------------------------------------------------------------------ */
SELECT pg_temp.fails(format('SELECT * FROM crash_analytics.backtest_strategy(%L, 100, ''{2.00}'')', s)) AS error
  FROM (VALUES
	('[1, 2]'),
	('{"target": 2.00, "base_stake": 1}'),
	('{"kind": "fibonacci", "target": 2.00, "base_stake": 1}'),
	('{"kind": 1, "target": 2.00, "base_stake": 1}'),
	('{"kind": "fixed", "target": 2.00, "base_stake": 1, "targt": 2}'),
	('{"kind": "fixed", "target": 2.00, "base_stake": 1, "factor": 2}'),
	('{"kind": "skip_until", "target": 2.00, "base_stake": 1, "max_stake": 8}'),
	('{"kind": "fixed", "base_stake": 1}'),
	('{"kind": "martingale", "target": 2.00}'),
	('{"kind": "skip_until", "target": 2.00, "base_stake": 1, "under": 2.00}'),
	('{"kind": "fixed", "target": 1.00, "base_stake": 1}'),
	('{"kind": "fixed", "target": 2.005, "base_stake": 1}'),
	('{"kind": "fixed", "target": "2.00", "base_stake": 1}'),
	('{"kind": "fixed", "target": 2.00, "base_stake": 0}'),
	('{"kind": "fixed", "target": 2.00, "base_stake": -1}'),
	('{"kind": "fixed", "target": 2.00, "base_stake": 0.001}'),
	('{"kind": "fixed", "target": 2.00, "base_stake": null}'),
	('{"kind": "martingale", "target": 2.00, "base_stake": 1, "factor": 1}'),
	('{"kind": "martingale", "target": 2.00, "base_stake": 1, "factor": 2.555}'),
	('{"kind": "martingale", "target": 2.00, "base_stake": 2, "max_stake": 1}'),
	('{"kind": "martingale", "target": 2.00, "base_stake": 1, "max_doublings": -1}'),
	('{"kind": "martingale", "target": 2.00, "base_stake": 1, "max_doublings": 1.5}'),
	('{"kind": "martingale", "target": 2.00, "base_stake": 1, "on_cap": "stay"}'),
	('{"kind": "paroli", "target": 2.00, "base_stake": 1, "win_streak": 0}'),
	('{"kind": "skip_until", "target": 2.00, "base_stake": 1, "under": 1.00, "rounds_under": 3}'),
	('{"kind": "skip_until", "target": 2.00, "base_stake": 1, "under": 2.00, "rounds_under": 0}'),
	('{"kind": "skip_until", "target": 2.00, "base_stake": 1, "under": 2.00, "rounds_under": 3, "retries": -1}'),
	('{"kind": "fixed", "target": 2.00, "base_stake": 1, "stop_loss": 0}'),
	('{"kind": "fixed", "target": 2.00, "base_stake": 1, "take_profit": {"amount": 5}}')) AS v(s);
SELECT pg_temp.fails(sql) AS error
  FROM (VALUES
	($$SELECT * FROM crash_analytics.backtest_strategy('{"kind": "fixed", "target": 2.00, "base_stake": 1}', 0, '{2.00}')$$),
	($$SELECT * FROM crash_analytics.backtest_strategy('{"kind": "fixed", "target": 2.00, "base_stake": 1}', 10.001, '{2.00}')$$),
	($$SELECT * FROM crash_analytics.backtest_strategy('{"kind": "fixed", "target": 2.00, "base_stake": 1}', NULL, '{2.00}')$$),
	($$SELECT * FROM crash_analytics.backtest_strategy(NULL, 10, '{2.00}')$$),
	($$SELECT * FROM crash_analytics.backtest_strategy('{"kind": "fixed", "target": 2.00, "base_stake": 1}', 10, '{2.00, NULL}')$$),
	($$SELECT * FROM crash_analytics.backtest_strategy('{"kind": "fixed", "target": 2.00, "base_stake": 1}', 10, '{2.00, 0.99}')$$),
	($$SELECT * FROM crash_analytics.backtest_strategy('{"kind": "fixed", "target": 2.00, "base_stake": 1}', 10, '{1.234}')$$),
	($$SELECT * FROM crash_analytics.backtest_strategy('{"kind": "fixed", "target": 2.00, "base_stake": 1}', 10, '{2.00}', 1.5)$$),
	($$SELECT * FROM crash_analytics.backtest_strategy('{"kind": "fixed", "target": 2.00, "base_stake": 1}', 10, 'nosuch', 'demo')$$),
	($$SELECT * FROM crash_analytics.backtest_strategy('{"kind": "fixed", "target": 2.00, "base_stake": 1}', 10, 'aviator', NULL)$$),
	($$SELECT * FROM crash_analytics.backtest_strategy('{"kind": "fixed", "target": 2.00, "base_stake": 1}', 10, 'aviator', 'demo', '2026-02-01', '2026-01-01')$$),
	($$SELECT * FROM crash_analytics.backtest_simulated('{"kind": "fixed", "target": 2.00, "base_stake": 1}', 10, 0, 0.97)$$),
	($$SELECT * FROM crash_analytics.backtest_simulated('{"kind": "fixed", "target": 2.00, "base_stake": 1}', 10, 10, 0)$$),
	($$SELECT * FROM crash_analytics.risk_of_ruin('{"kind": "fixed", "target": 2.00, "base_stake": 1}', 10, 100000, 0.97, 100000, 1)$$),
	($$SELECT * FROM crash_analytics.risk_of_ruin('{"kind": "fixed", "target": 2.00, "base_stake": 1}', 10, 100, 0.97, 0, 1)$$),
	($$SELECT * FROM crash_analytics.risk_of_ruin('{"kind": "fixed", "target": 2.00, "base_stake": 1}', 10, 100, 1.01, 10, 1)$$),
	($$SELECT * FROM crash_analytics.simulate_rounds('nosuch', 'demo', 10)$$),
	($$SELECT * FROM crash_analytics.simulate_rounds('aviator', 'demo', -1)$$),
	($$SELECT * FROM crash_analytics.simulate_rounds('aviator', 'demo', 10, round_interval => '1 month')$$),
	($$SELECT * FROM crash_analytics.simulate_rounds('aviator', 'demo', 10, round_interval => '0 seconds')$$),
	($$SELECT * FROM crash_analytics.simulate_rounds('aviator', 'demo', 10, start_at => 'infinity')$$)) AS v(sql);

/* ------------------------------------------------------------------------
 * simulate_rounds
 * ------------------------------------------------------------------------ */
-- round r at start_at + (r - 1) x round_interval
SELECT round_number, observed_at FROM crash_analytics.simulate_rounds('aviator', 'demo', 3, seed => 1,
	start_at => '2026-01-05 00:00', round_interval => '30 seconds');
-- the same seed gives the same rounds, another seed others
SELECT (SELECT array_agg(crash_multiplier ORDER BY round_number) FROM crash_analytics.simulate_rounds('aviator', 'demo', 1000, seed => 42))
	 = (SELECT array_agg(crash_multiplier ORDER BY round_number) FROM crash_analytics.simulate_rounds('aviator', 'demo', 1000, seed => 42)) AS same_seed_same_rounds,
	   (SELECT array_agg(crash_multiplier ORDER BY round_number) FROM crash_analytics.simulate_rounds('aviator', 'demo', 1000, seed => 42))
	 <> (SELECT array_agg(crash_multiplier ORDER BY round_number) FROM crash_analytics.simulate_rounds('aviator', 'demo', 1000, seed => 43)) AS other_seed_other_rounds;
/* Fair at the game's RTP 0.97 over 100,000 rounds: P(crash >= 2) = 0.485
 * (standard error sqrt(0.485 x 0.515 / 100000) = 0.00158; tolerance 0.006),
 * P(crash = 1.00) = 1 - 0.97/1.01 = 0.039604 (se 0.00062; tolerance 0.0025),
 * P(crash >= 10) = 0.097 (se 0.00094; tolerance 0.004); every multiplier
 * has two decimals and is 1.00 or more.  With rtp 0.99: P(crash >= 2) =
 * 0.495. */
SELECT abs(avg((crash_multiplier >= 2.00)::int) - 0.485) < 0.006 AS p_2x_is_rtp_over_2,
	   abs(avg((crash_multiplier = 1.00)::int) - (1 - 0.97 / 1.01)) < 0.0025 AS instant_crash_rate,
	   abs(avg((crash_multiplier >= 10.00)::int) - 0.097) < 0.004 AS p_10x_is_rtp_over_10,
	   bool_and(crash_multiplier >= 1.00 AND crash_multiplier = round(crash_multiplier, 2)) AS valid_multipliers
  FROM crash_analytics.simulate_rounds('aviator', 'demo', 100000, seed => 2026);
SELECT abs(avg((crash_multiplier >= 2.00)::int) - 0.495) < 0.006 AS p_2x_at_rtp_099
  FROM crash_analytics.simulate_rounds('aviator', 'demo', 100000, rtp => 0.99, seed => 7);
-- capped at the game's max_multiplier: P(crash >= 10.00) = 0.097, so 10,000 rounds reach the cap
SELECT crash_analytics.register_game_platform('tinycrash', 'test', 0.97, max_multiplier => 10.00) > 0 AS registered;
SELECT max(crash_multiplier) AS highest FROM crash_analytics.simulate_rounds('tinycrash', 'test', 10000, seed => 5);

/* backtest_simulated replays exactly the rounds simulate_rounds gives */
SELECT (SELECT b FROM crash_analytics.backtest_simulated(
			'{"kind": "martingale", "target": 2.00, "base_stake": 1.00, "max_stake": 64}', 500.00, 2000, 0.97, 99) b)
	 = (SELECT b FROM crash_analytics.backtest_strategy(
			'{"kind": "martingale", "target": 2.00, "base_stake": 1.00, "max_stake": 64}', 500.00,
			ARRAY(SELECT crash_multiplier FROM crash_analytics.simulate_rounds('aviator', 'demo', 2000, seed => 99)
				   ORDER BY round_number), 0.97) b) AS simulated_backtest_replays_simulate_rounds;

/* ------------------------------------------------------------------------
 * risk_of_ruin against closed forms (RTP 0.97: p = 0.485, q = 0.515 at 2x).
 * ------------------------------------------------------------------------ */

/* Martingale from 1 at 2.00 with a bankroll of 7 = 1 + 2 + 4 (exactly three
 * losses in a row) and take_profit 1 (a win ends the run with +1): ruin iff
 * the first three bets lose, q^3 = 0.136590875 (se over 100,000 runs
 * 0.00109; tolerance 0.005).  Every run ends ruined or at its take-profit.
 * Final balance: 0 (ruined) or 8, so p5 = 0, p50 = p95 = 8.  Max drawdown:
 * 0 (W, 0.485), 1 (LW, 0.2498), 3 (LLW, 0.1286), 7 (LLL, 0.1366): p5 = 0,
 * p50 = 1, p95 = 7.  Longest losing streak: E = 1 x qp + 2 x q^2 p + 3 x
 * q^3 = 0.916816 (se 0.0034; tolerance 0.02).  Bets: E = p + 2qp + 3q^2 =
 * 1.780225 a run (tolerance 0.01). */
SELECT simulations, rounds,
	   abs(ruined / 100000.0 - 0.515 ^ 3) < 0.005 AS ruin_is_q_cubed,
	   ruined + take_profit_hits = simulations AS every_run_ends,
	   ruin_ci_low_percent <= ruin_percent AND ruin_percent <= ruin_ci_high_percent AS interval_holds_estimate,
	   final_balance_p5, final_balance_p50, final_balance_p95,
	   max_drawdown_p5, max_drawdown_p50, max_drawdown_p95,
	   abs(mean_longest_losing_streak - 0.916816) < 0.02 AS mean_streak,
	   abs(bets / 100000.0 - 1.780225) < 0.01 AS mean_bets
  FROM crash_analytics.risk_of_ruin('{"kind": "martingale", "target": 2.00, "base_stake": 1.00, "take_profit": 1.00}',
									7.00, 100, 0.97, 100000, 1);

/* The same martingale without take-profit over 30 rounds: the bankroll
 * grows by 1 with each win, so the closed form is a dynamic program over
 * (balance, next stake), written here independently of the C code: at the
 * start of each of the 30 rounds the mass whose stake exceeds its balance
 * is ruined (about 0.8251).  Tolerance 0.006 (se 0.0012). */
CREATE FUNCTION pg_temp.martingale_ruin(bankroll int, rounds int, p float8) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
	ruin float8 := 0;
	i int;
BEGIN
	CREATE TEMP TABLE dp AS SELECT bankroll AS balance, 1 AS stake, 1.0::float8 AS prob;
	FOR i IN 1 .. rounds LOOP
		ruin := ruin + (SELECT coalesce(sum(prob), 0) FROM dp WHERE stake > balance);
		CREATE TEMP TABLE dp_next AS
			SELECT balance, stake, sum(prob) AS prob FROM (
				SELECT balance + stake AS balance, 1 AS stake, prob * p AS prob FROM dp WHERE stake <= balance
				UNION ALL
				SELECT balance - stake, stake * 2, prob * (1 - p) FROM dp WHERE stake <= balance) x
			 GROUP BY balance, stake;
		DROP TABLE dp;
		ALTER TABLE dp_next RENAME TO dp;
	END LOOP;
	DROP TABLE dp;
	RETURN ruin;
END
$$;
SELECT round(pg_temp.martingale_ruin(7, 30, 0.485)::numeric, 4) AS exact_ruin;
SELECT abs(ruined / 100000.0 - pg_temp.martingale_ruin(7, 30, 0.485)) < 0.006 AS ruin_matches_dynamic_program
  FROM crash_analytics.risk_of_ruin('{"kind": "martingale", "target": 2.00, "base_stake": 1.00}', 7.00, 30, 0.97, 100000, 3);

/* Flat 1.00 at 2.00 from 10.00 with take_profit 10.00 is the gambler's ruin
 * between 0 and 20 with steps of 1: P(ruin) = (r^10 - r^20) / (1 - r^20),
 * r = q/p = 0.515/0.485, = 0.645698 (se 0.0015; tolerance 0.0075).  The
 * expected duration is about 97 rounds, so 1000 rounds end every run. */
SELECT abs(ruined / 100000.0 - ((0.515 / 0.485) ^ 10 - (0.515 / 0.485) ^ 20) / (1 - (0.515 / 0.485) ^ 20)) < 0.0075 AS gamblers_ruin,
	   ruined + take_profit_hits = simulations AS every_run_ends
  FROM crash_analytics.risk_of_ruin('{"kind": "fixed", "target": 2.00, "base_stake": 1.00, "take_profit": 10.00}',
									10.00, 1000, 0.97, 100000, 4);

/* Flat betting at 3.00 never ruined by a deep bankroll: the win rate is
 * RTP/3 = 0.323333 (100,000 bets, se 0.00148; tolerance 0.006) and the mean
 * final balance 1,000,000 + 1000 x (0.97 - 1) = 999,970 (se 4.4;
 * tolerance 20). */
SELECT ruined, bets,
	   abs(wins::numeric / bets - 0.97 / 3) < 0.006 AS win_rate_is_rtp_over_3,
	   abs(mean_final_balance - 999970) < 20 AS mean_final_balance
  FROM crash_analytics.risk_of_ruin('{"kind": "fixed", "target": 3.00, "base_stake": 1.00}',
									1000000, 1000, 0.97, 100, 5);

/* skip_until "3 under 2x, then 1.80x with two retries" wins its sequence with
 * probability 1 - (1 - 0.97/1.8)^3 = 0.902 (PRODUCT.md section 6); over
 * simulated rounds the win rate of its single bets is 0.97/1.8 = 0.5389. */
SELECT abs(wins::numeric / bets - 0.97 / 1.8) < 0.01 AS single_bet_rate
  FROM crash_analytics.risk_of_ruin(
	'{"kind": "skip_until", "target": 1.80, "base_stake": 1.00, "under": 2.00, "rounds_under": 3, "retries": 2}',
	1000000, 10000, 0.97, 10, 6);

-- deterministic for a seed
SELECT (SELECT r FROM crash_analytics.risk_of_ruin('{"kind": "dalembert", "target": 1.50, "base_stake": 1.00}', 50, 500, 0.97, 2000, 11) r)
	 = (SELECT r FROM crash_analytics.risk_of_ruin('{"kind": "dalembert", "target": 1.50, "base_stake": 1.00}', 50, 500, 0.97, 2000, 11) r) AS same_seed_same_answer,
	   (SELECT r FROM crash_analytics.risk_of_ruin('{"kind": "dalembert", "target": 1.50, "base_stake": 1.00}', 50, 500, 0.97, 2000, 11) r)
	 <> (SELECT r FROM crash_analytics.risk_of_ruin('{"kind": "dalembert", "target": 1.50, "base_stake": 1.00}', 50, 500, 0.97, 2000, 12) r) AS other_seed_other_answer;

-- the reader profile runs the backtests
CREATE ROLE ca_bt_reader;
SELECT crash_analytics.grant_reader('ca_bt_reader');
SET ROLE ca_bt_reader;
SELECT rounds_replayed, final_balance FROM crash_analytics.backtest_strategy(
	'{"kind": "martingale", "target": 2.00, "base_stake": 1.00}', 10.00, 'aviator', 'demo');
SELECT count(*) FROM crash_analytics.simulate_rounds('aviator', 'demo', 10);
RESET ROLE;
SELECT crash_analytics.revoke_reader('ca_bt_reader');
DROP ROLE ca_bt_reader;

DROP EXTENSION crash_analytics;
DROP SCHEMA crash_analytics;
