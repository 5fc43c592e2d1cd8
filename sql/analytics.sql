-- The analytics functions on a small data set whose answers are worked out
-- by hand.  Every expected figure is derived in a comment before the query
-- that shows it; nothing below was copied from what the code printed.
--
-- The data set (2026-01-05, UTC; every round's played_at is its
-- round_ended_at; all games RTP 0.97, USD with 2 decimals):
--
--   alpha, session s1, aviator/dafabet, strategy flat_2x, stake 10.00 at
--   cash-out 2.00 (win probability 0.97/2.00 = 0.485, expected profit
--   10.00 x (0.97 - 1) = -0.30 a bet), balance 100.00 before r1:
--     r1  10:05  av-1   1.50  LOSS -10   balance  90
--     r2  10:20  av-2   3.00  WIN  +10            100
--     r3  10:40  av-3   1.00  LOSS -10             90   (instant crash)
--     r4  10:50  av-4   1.20  LOSS -10             80
--     r5  11:05  av-5   1.10  LOSS -10             70   -> low_streak signal A
--     r6  11:20  av-6   1.30  LOSS -10             60   A miss; signal B
--     r7  11:35  av-7   2.50  WIN  +10             70   B hit
--     r8  11:50  av-8   5.00  SKIP (stake 0)       70
--     r9  12:00  av-9   2.00  WIN  +10             80   (exactly on the hour)
--     r10 12:30  av-10 12.00  WIN  +10             90
--     r11 12:50  av-11  1.40  VOID   0 (stake 10.00 refunded)  90
--   alpha, session a2, aviator/demo, no strategy, stake 5.00 at 1.50
--   (win probability 0.97/1.50 = 0.646667, expected 5.00 x -0.03 = -0.15):
--     a2  13:20         1.80  WIN  +2.50 (payout 7.50), balance 90.00 -> 92.50
--
--   beta (registered: strategy martingale, no signal rules), cash-out 1.50
--   (0.646667, expected stake x -0.03), doubling after a loss:
--   session s1, aviator/dafabet, logged as one batch, the same platform
--   rounds as alpha (same platform_round_id, same multiplier), balance 50.00:
--     b1  10:05  av-1   1.50  stake  1  WIN  +0.50   50.50
--     b2  10:20  av-2   3.00  stake  1  WIN  +0.50   51.00
--     b3  10:40  av-3   1.00  stake  1  LOSS -1      50.00
--     b4  10:50  av-4   1.20  stake  2  LOSS -2      48.00
--     b5  11:05  av-5   1.10  stake  4  LOSS -4      44.00
--     b6  11:20  av-6   1.30  stake  8  LOSS -8      36.00
--     b7  11:35  av-7   2.50  stake 16  WIN  +8      44.00 (payout 24.00)
--   plus a watched multiplier, round 8 of s1, 1.00 at 11:45, no platform id;
--   session s2, jetx/dafabet, by plain INSERT, balance 44.00, with model
--   lstm_v1 predicting 3.00x after j1, after j2 and after j4:
--     j1  12:05  jx-1   1.30  stake  1  LOSS -1      43.00
--     j2  12:20  jx-2   1.60  stake  2  WIN  +1      44.00 (payout 3.00)
--     j3  12:45  jx-3   7.00  stake  1  WIN  +0.50   44.50
--     j4  13:10  jx-4   1.05  SKIP                   44.50
--
-- Wilson 95% bounds, with z = 1.959963984540054 and z^2 = 3.841458821,
-- are computed beside the functions by the textbook formula
--   (p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)
-- and ROI bounds by 100 (profit -+ z sqrt(n var)) / staked with var the
-- sample variance of the bets' profits (sum of squares - sum^2/n)/(n-1).
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

-- the textbook Wilson bounds and ROI bounds, for cross-checks
CREATE FUNCTION pg_temp.wilson(k numeric, n numeric, OUT lo numeric, OUT hi numeric)
LANGUAGE sql AS $$
	SELECT round(100 * greatest(0, (k / n + z2 / (2 * n) - z * sqrt(k / n * (1 - k / n) / n + z2 / (4 * n * n))) / (1 + z2 / n)), 2),
		   round(100 * least(1, (k / n + z2 / (2 * n) + z * sqrt(k / n * (1 - k / n) / n + z2 / (4 * n * n))) / (1 + z2 / n)), 2)
	  FROM (SELECT 1.959963984540054 AS z, 1.959963984540054 ^ 2 AS z2) c
$$;
CREATE FUNCTION pg_temp.roi_ci(n numeric, staked numeric, profit numeric, sumsq numeric,
	OUT lo numeric, OUT hi numeric, OUT bets_needed numeric)
LANGUAGE sql AS $$
	SELECT round(100 * (profit - z * sqrt(n * v)) / staked, 2),
		   round(100 * (profit + z * sqrt(n * v)) / staked, 2),
		   ceil((z * sqrt(v) / (staked / n) / 0.01) ^ 2)
	  FROM (SELECT 1.959963984540054 AS z, (sumsq - profit * profit / n) / (n - 1) AS v) c
$$;

-- ======================================================================
-- 1. The data
-- ======================================================================
-- alpha: log_crash_round, one call a round; ids 1..11
SELECT crash_analytics.log_crash_round('alpha', 's1', 'aviator', 'dafabet', 1, 10.00, 1.50, 2.00,
  strategy_name => 'flat_2x', platform_round_id => 'av-1', running_balance_before => 100.00,
  round_started_at => '2026-01-05 10:04:40+00', round_ended_at => '2026-01-05 10:05:00+00') AS r1;
SELECT crash_analytics.log_crash_round('alpha', 's1', 'aviator', 'dafabet', 2, 10.00, 3.00, 2.00,
  strategy_name => 'flat_2x', platform_round_id => 'av-2',
  round_started_at => '2026-01-05 10:19:40+00', round_ended_at => '2026-01-05 10:20:00+00') AS r2;
SELECT crash_analytics.log_crash_round('alpha', 's1', 'aviator', 'dafabet', 3, 10.00, 1.00, 2.00,
  strategy_name => 'flat_2x', platform_round_id => 'av-3',
  round_started_at => '2026-01-05 10:39:40+00', round_ended_at => '2026-01-05 10:40:00+00') AS r3;
SELECT crash_analytics.log_crash_round('alpha', 's1', 'aviator', 'dafabet', 4, 10.00, 1.20, 2.00,
  strategy_name => 'flat_2x', platform_round_id => 'av-4',
  round_started_at => '2026-01-05 10:49:40+00', round_ended_at => '2026-01-05 10:50:00+00') AS r4;
SELECT crash_analytics.log_crash_round('alpha', 's1', 'aviator', 'dafabet', 5, 10.00, 1.10, 2.00,
  strategy_name => 'flat_2x', platform_round_id => 'av-5',
  round_started_at => '2026-01-05 11:04:40+00', round_ended_at => '2026-01-05 11:05:00+00') AS r5;
SELECT crash_analytics.log_crash_round('alpha', 's1', 'aviator', 'dafabet', 6, 10.00, 1.30, 2.00,
  strategy_name => 'flat_2x', platform_round_id => 'av-6',
  round_started_at => '2026-01-05 11:19:40+00', round_ended_at => '2026-01-05 11:20:00+00') AS r6;
SELECT crash_analytics.log_crash_round('alpha', 's1', 'aviator', 'dafabet', 7, 10.00, 2.50, 2.00,
  strategy_name => 'flat_2x', platform_round_id => 'av-7',
  round_started_at => '2026-01-05 11:34:40+00', round_ended_at => '2026-01-05 11:35:00+00') AS r7;
SELECT crash_analytics.log_crash_round('alpha', 's1', 'aviator', 'dafabet', 8, 0, 5.00,
  strategy_name => 'flat_2x', platform_round_id => 'av-8',
  round_started_at => '2026-01-05 11:49:40+00', round_ended_at => '2026-01-05 11:50:00+00') AS r8;
SELECT crash_analytics.log_crash_round('alpha', 's1', 'aviator', 'dafabet', 9, 10.00, 2.00, 2.00,
  strategy_name => 'flat_2x', platform_round_id => 'av-9',
  round_started_at => '2026-01-05 11:59:40+00', round_ended_at => '2026-01-05 12:00:00+00') AS r9;
SELECT crash_analytics.log_crash_round('alpha', 's1', 'aviator', 'dafabet', 10, 10.00, 12.00, 2.00,
  strategy_name => 'flat_2x', platform_round_id => 'av-10',
  round_started_at => '2026-01-05 12:29:40+00', round_ended_at => '2026-01-05 12:30:00+00') AS r10;
SELECT crash_analytics.log_crash_round('alpha', 's1', 'aviator', 'dafabet', 11, 10.00, 1.40,
  round_outcome => 'VOID', strategy_name => 'flat_2x', platform_round_id => 'av-11',
  round_started_at => '2026-01-05 12:49:40+00', round_ended_at => '2026-01-05 12:50:00+00') AS r11;
SELECT crash_analytics.end_session('alpha', 's1', 'completed', ended_at => '2026-01-05 13:00:00+00') AS alpha_s1;
-- id 12
SELECT crash_analytics.log_crash_round('alpha', 'a2', 'aviator', 'demo', 1, 5.00, 1.80, 1.50,
  running_balance_before => 90.00,
  round_started_at => '2026-01-05 13:19:40+00', round_ended_at => '2026-01-05 13:20:00+00') AS a2;

-- beta: registered first, then s1 as one batch (ids 13..19)
SELECT crash_analytics.register_bot('beta', strategy_name => 'martingale', signal_rules => '[]') AS beta;
SELECT crash_analytics.log_crash_rounds($$[
  {"bot_id": "beta", "session_id": "s1", "game_name": "aviator", "platform_code": "dafabet", "round_number": 1,
   "stake_value": 1.00, "crash_multiplier": 1.50, "cashout_multiplier": 1.50, "platform_round_id": "av-1",
   "running_balance_before": 50.00, "round_started_at": "2026-01-05 10:04:40+00", "round_ended_at": "2026-01-05 10:05:00+00"},
  {"bot_id": "beta", "session_id": "s1", "game_name": "aviator", "platform_code": "dafabet", "round_number": 2,
   "stake_value": 1.00, "crash_multiplier": 3.00, "cashout_multiplier": 1.50, "platform_round_id": "av-2",
   "round_started_at": "2026-01-05 10:19:40+00", "round_ended_at": "2026-01-05 10:20:00+00"},
  {"bot_id": "beta", "session_id": "s1", "game_name": "aviator", "platform_code": "dafabet", "round_number": 3,
   "stake_value": 1.00, "crash_multiplier": 1.00, "cashout_multiplier": 1.50, "platform_round_id": "av-3",
   "round_started_at": "2026-01-05 10:39:40+00", "round_ended_at": "2026-01-05 10:40:00+00"},
  {"bot_id": "beta", "session_id": "s1", "game_name": "aviator", "platform_code": "dafabet", "round_number": 4,
   "stake_value": 2.00, "crash_multiplier": 1.20, "cashout_multiplier": 1.50, "platform_round_id": "av-4",
   "round_started_at": "2026-01-05 10:49:40+00", "round_ended_at": "2026-01-05 10:50:00+00"},
  {"bot_id": "beta", "session_id": "s1", "game_name": "aviator", "platform_code": "dafabet", "round_number": 5,
   "stake_value": 4.00, "crash_multiplier": 1.10, "cashout_multiplier": 1.50, "platform_round_id": "av-5",
   "round_started_at": "2026-01-05 11:04:40+00", "round_ended_at": "2026-01-05 11:05:00+00"},
  {"bot_id": "beta", "session_id": "s1", "game_name": "aviator", "platform_code": "dafabet", "round_number": 6,
   "stake_value": 8.00, "crash_multiplier": 1.30, "cashout_multiplier": 1.50, "platform_round_id": "av-6",
   "round_started_at": "2026-01-05 11:19:40+00", "round_ended_at": "2026-01-05 11:20:00+00"},
  {"bot_id": "beta", "session_id": "s1", "game_name": "aviator", "platform_code": "dafabet", "round_number": 7,
   "stake_value": 16.00, "crash_multiplier": 2.50, "cashout_multiplier": 1.50, "platform_round_id": "av-7",
   "round_started_at": "2026-01-05 11:34:40+00", "round_ended_at": "2026-01-05 11:35:00+00"}
]$$) AS beta_s1;
SELECT crash_analytics.log_round_multiplier_analytics('beta', 's1', 'aviator', 'dafabet', 8, 1.00,
  observed_at => '2026-01-05 11:45:00+00') IS NOT NULL AS watched;

-- beta s2: plain INSERT, a model signal after j1, after j2 and after j4
INSERT INTO crash_analytics.crash_game_rounds (bot_id, session_id, game_name, platform_code, round_number,
  stake_value, crash_multiplier, cashout_multiplier, platform_round_id, running_balance_before,
  round_started_at, round_ended_at)
VALUES ('beta', 's2', 'jetx', 'dafabet', 1, 1.00, 1.30, 1.50, 'jx-1', 44.00,
        '2026-01-05 12:04:40+00', '2026-01-05 12:05:00+00');
SELECT crash_analytics.log_round_signal('beta', 's2', 'jetx', 'dafabet', 'next_round_3x', 3.00,
  confidence_score => 0.60, model_name => 'lstm_v1', emitted_after_round => 1) IS NOT NULL AS signal_1;
INSERT INTO crash_analytics.crash_game_rounds (bot_id, session_id, game_name, platform_code, round_number,
  stake_value, crash_multiplier, cashout_multiplier, platform_round_id, round_started_at, round_ended_at)
VALUES ('beta', 's2', 'jetx', 'dafabet', 2, 2.00, 1.60, 1.50, 'jx-2', '2026-01-05 12:19:40+00', '2026-01-05 12:20:00+00');
SELECT crash_analytics.log_round_signal('beta', 's2', 'jetx', 'dafabet', 'next_round_3x', 3.00,
  confidence_score => 0.70, model_name => 'lstm_v1', emitted_after_round => 2) IS NOT NULL AS signal_2;
INSERT INTO crash_analytics.crash_game_rounds (bot_id, session_id, game_name, platform_code, round_number,
  stake_value, crash_multiplier, cashout_multiplier, platform_round_id, round_started_at, round_ended_at)
VALUES ('beta', 's2', 'jetx', 'dafabet', 3, 1.00, 7.00, 1.50, 'jx-3', '2026-01-05 12:44:40+00', '2026-01-05 12:45:00+00'),
       ('beta', 's2', 'jetx', 'dafabet', 4, 0, 1.05, NULL, 'jx-4', '2026-01-05 13:09:40+00', '2026-01-05 13:10:00+00');
SELECT crash_analytics.log_round_signal('beta', 's2', 'jetx', 'dafabet', 'next_round_3x', 3.00,
  confidence_score => 0.80, model_name => 'lstm_v1', emitted_after_round => 4) IS NOT NULL AS signal_3;

-- gamma: registered, no round
SELECT crash_analytics.register_bot('gamma') AS gamma;

-- what was stored, in logging order: 23 rounds; 24 multiplier rows (the 23
-- rounds' and the watched one) with 15 platform round ids (av-1..av-11,
-- jx-1..jx-4: a2 and the watched one have none)
SELECT bot_id, session_id, round_number, game_name, platform_code, strategy_name, round_outcome,
       stake_value, crash_multiplier, payout_value, profit_loss, running_balance_after, played_at
  FROM crash_analytics.crash_game_rounds ORDER BY id;
SELECT count(*) AS multiplier_rows, count(DISTINCT platform_round_id) AS platform_rounds
  FROM crash_analytics.analytics_round_multipliers;

-- ======================================================================
-- 2. get_bot_statistics
-- ======================================================================
\x on
-- alpha (12 rounds: s1 and a2):
--   total_rounds 12, bets 11 (the skip r8 is not a bet), wins 5 (r2 r7 r9
--   r10 a2), losses 5 (r1 r3 r4 r5 r6), skips 1, voids 1 (r11);
--   win rate 5 / (5 + 5) = 50.00%; Wilson 5/10: centre (0.5 + 0.192073) /
--   1.384146 = 0.5, half 1.959964 sqrt(0.025 + 0.009604) / 1.384146 =
--   0.263407: 23.66 .. 76.34 (cross-checked below);
--   chance: (9 x 0.485 + 0.646667) / 10 = 5.011667 / 10 = 50.12%;
--   staked 10 x 10.00 + 5.00 = 105.00 (the void is staked and refunded);
--   payout 4 x 20.00 + 10.00 (void) + 7.50 = 97.50; profit -7.50;
--   ROI -7.50 / 105.00 = -7.142857 -> -7.14%;
--   ROI interval: 11 bets, profits sum -7.50, squares 9 x 100 + 0 + 6.25 =
--   906.25, var = (906.25 - 56.25/11) / 10 = 90.113636, n var = 991.25,
--   sqrt = 31.484123: 100 (-7.50 -+ 1.959964 x 31.484123) / 105 =
--   -65.91 .. 51.63; bets for +/-1 point: sd of return per unit =
--   sqrt(90.113636) / (105 / 11) = 9.492820 / 9.545455 = 0.994486,
--   (1.959964 x 0.994486 / 0.01)^2 = 37992.4 -> 37993;
--   expected: 9 x -0.30 + -0.15 = -2.85 (the void expects 0); luck -7.50 -
--   -2.85 = -4.65; best +10.00, worst -10.00;
--   streaks in id order L W L L L L W (S) W W (V) W: longest win 4 (r7 r9
--   r10 a2: skips and voids neither extend nor break), longest loss 4 (r3..r6),
--   current +4;
--   cumulative profit -10, 0, -10, -20, -30, -40, -30, -30, -20, -10, -10,
--   -7.50 with peak 0: max drawdown 40.00;
--   balances after each round 90 100 90 80 70 60 70 70 80 90 90 92.50:
--   peak 100.00, current 92.50; first 10:05, last 13:20.
SELECT * FROM crash_analytics.get_bot_statistics('alpha');
SELECT * FROM pg_temp.wilson(5, 10);
SELECT * FROM pg_temp.roi_ci(11, 105.00, -7.50, 906.25);
-- beta (11 rounds: s1 then s2):
--   bets 10 (j4 skipped), wins 5 (b1 b2 b7 j2 j3), losses 5 (b3..b6 j1),
--   skips 1, voids 0; win rate 50.00%, Wilson 23.66 .. 76.34;
--   chance 0.646667 for each of the 10 bets: 64.67%;
--   staked 1+1+1+2+4+8+16 + 1+2+1 = 37.00; payout 1.50+1.50+24.00 + 3.00+1.50
--   = 31.50; profit -5.50; ROI -5.50 / 37.00 = -14.864865 -> -14.86%;
--   ROI interval: squares 0.25+0.25+1+4+16+64+64 + 1+1+0.25 = 151.75,
--   var = (151.75 - 30.25/10) / 9 = 16.525, n var = 165.25, sqrt 12.854960:
--   100 (-5.50 -+ 1.959964 x 12.854960) / 37 = -82.96 .. 53.23; bets for
--   +/-1 point: sqrt(16.525) / 3.70 = 4.065095 / 3.70 = 1.098674,
--   (195.9964 x 1.098674)^2 = 46369.7 -> 46370;
--   expected 37.00 x -0.03 = -1.11; luck -5.50 + 1.11 = -4.39;
--   best +8.00 (b7), worst -8.00 (b6);
--   streaks W W L L L L W L W W (S): longest win 2, longest loss 4, current +2;
--   cumulative profit 0.5, 1.0, 0, -2, -6, -14, -6, -7, -6, -5.5, -5.5: peak
--   1.0, max drawdown 1.0 - (-14) = 15.00;
--   balances 50.50 51.00 50.00 48.00 44.00 36.00 44.00 | 43.00 44.00 44.50
--   44.50: peak 51.00, current 44.50; first 10:05, last 13:10.
SELECT * FROM crash_analytics.get_bot_statistics('beta');
SELECT * FROM pg_temp.roi_ci(10, 37.00, -5.50, 151.75);
-- gamma is registered without a round: zeros, and no rate, interval or balance
SELECT * FROM crash_analytics.get_bot_statistics('gamma');
\x off
-- an unknown bot: 42704; no bot at all: 22004 (not a row of NULLs)
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_bot_statistics('nobody')$$);
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_bot_statistics(NULL)$$);

-- ======================================================================
-- 3. get_session_summary
-- ======================================================================
\x on
-- alpha s1 (ended at 13:00, started by its first round at 10:05): duration
--   2:55; rounds 11, bets 10, wins 4, losses 5, skips 1, voids 1; win rate
--   4/9 = 44.44%, Wilson 4/9 cross-checked below (18.88 .. 73.33); chance
--   48.50%; staked 100.00, payout 90.00, profit -10.00, ROI -10.00%;
--   ROI interval: 10 bets, squares 9 x 100 = 900, var = (900 - 10) / 9 =
--   98.888889, n var = 988.888889, sqrt 31.446604: 100 (-10 -+ 61.634209) /
--   100 = -71.63 .. 51.63; expected 9 x -0.30 = -2.70, luck -7.30; best 10,
--   worst -10; balance 100.00 at the start, 90.00 now, peak 100.00 (r2
--   back to the start), drawdown 40.00; last round 11.
SELECT * FROM crash_analytics.get_session_summary('s1', 'alpha');
SELECT * FROM pg_temp.wilson(4, 9);
SELECT * FROM pg_temp.roi_ci(10, 100.00, -10.00, 900);
\x off
-- the session id s1 is used by alpha and beta: two rows, by bot.  beta s1:
--   active, 10:05 .. 11:35 (the watched multiplier is no round): 1:30; 7
--   rounds, 7 bets, 3 wins (b1 b2 b7), 4 losses; 42.86%; staked 33.00,
--   payout 27.00, profit -6.00, ROI -18.18%; expected 33 x -0.03 = -0.99,
--   luck -5.01; balance 50.00 -> 44.00, peak 51.00, drawdown 15.00.
SELECT bot_id, session_id, game_name, platform_code, status, started_at, ended_at, duration,
       rounds, bets, wins, losses, skips, voids, win_rate_percent, chance_win_rate_percent
  FROM crash_analytics.get_session_summary('s1');
SELECT bot_id, total_staked, total_payout, total_profit, roi_percent, expected_profit, luck,
       best_round_profit, worst_round_profit, balance_start, balance_current, peak_balance,
       max_drawdown, last_round_number
  FROM crash_analytics.get_session_summary('s1');
-- beta only
SELECT bot_id, rounds FROM crash_analytics.get_session_summary('s1', 'beta');
-- unknown session, unknown bot for a known session: 42704
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_session_summary('nope')$$);
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_session_summary('s1', 'gamma')$$);

-- ======================================================================
-- 4. get_game_statistics
-- ======================================================================
\x on
-- aviator/dafabet, all time: alpha s1 (11 rounds) and beta s1 (7):
--   bots 2, strategies 2 (flat_2x, martingale); rounds 18, bets 17, wins
--   4 + 3 = 7, losses 5 + 4 = 9, skips 1, voids 1; win rate 7/16 = 43.75%,
--   Wilson 7/16 cross-checked below; chance (9 x 0.485 + 7 x 0.646667) / 16
--   = 8.891669 / 16 = 55.57%; staked 100 + 33 = 133.00, payout 90 + 27 =
--   117.00, profit -16.00, ROI -16/133 = -12.03%; ROI interval: 17 bets,
--   squares 900 + 149.50 = 1049.50 (cross-checked below); expected -2.70 -
--   0.99 = -3.69, luck -12.31; return to player 117/133 = 87.97% against
--   97.00%; best 10.00, worst -10.00.
SELECT * FROM crash_analytics.get_game_statistics('aviator', 'dafabet');
SELECT * FROM pg_temp.wilson(7, 16);
SELECT * FROM pg_temp.roi_ci(17, 133.00, -16.00, 1049.50);
-- [10:30, 12:15): 10:30-11:00 from the rounds (r3 r4 b3 b4), 11:00-12:00
--   from the hourly roll-ups (r5..r8, b5..b7), 12:00-12:15 from the rounds
--   (r9 at 12:00:00 exactly): rounds 4 + 7 + 1 = 12, bets 11 (r8 skipped),
--   wins r7 r9 b7 = 3, losses r3 r4 r5 r6 b3 b4 b5 b6 = 8; win rate 3/11 =
--   27.27%; chance (6 x 0.485 + 5 x 0.646667) / 11 = 6.143335 / 11 =
--   55.85%; staked alpha 6 x 10 + beta 1+2+4+8+16 = 91.00, payout 2 x 20 +
--   24 = 64.00, profit -27.00, ROI -29.67%; squares 6 x 100 + 1+4+16+64+64 =
--   749 (interval cross-checked below); expected 6 x -0.30 + 31 x -0.03 =
--   -2.73, luck -24.27; return to player 64/91 = 70.33%.
SELECT * FROM crash_analytics.get_game_statistics('aviator', 'dafabet',
  '2026-01-05 10:30:00+00', '2026-01-05 12:15:00+00');
SELECT * FROM pg_temp.wilson(3, 11);
SELECT * FROM pg_temp.roi_ci(11, 91.00, -27.00, 749);
\x off
-- the same period ending at 12:00:00: periods are [from, to), so r9 (played
--   at 12:00:00) drops out: rounds 11, bets 10, wins 2, losses 8, staked
--   81.00, payout 44.00, profit -37.00, win rate 20.00%, ROI -45.68%
--   (-37/81 = -0.456790).
SELECT rounds, bets, wins, losses, skips, voids, win_rate_percent, total_staked, total_payout,
       total_profit, roi_percent
  FROM crash_analytics.get_game_statistics('aviator', 'dafabet',
  '2026-01-05 10:30:00+00', '2026-01-05 12:00:00+00');
-- inside one hour, [11:10, 11:40): r6 (L) r7 (W) b6 (L, 8) b7 (W, 16):
--   rounds 4, wins 2, losses 2, 50.00%; staked 10+10+8+16 = 44.00, payout
--   20 + 24 = 44.00, profit 0.00, ROI 0.00%; chance (2 x 0.485 + 2 x
--   0.646667) / 4 = 56.58%; expected 2 x -0.30 + 24 x -0.03 = -1.32, luck
--   1.32; return to player 100.00%; best 10.00, worst -10.00.
SELECT bots, strategies, rounds, bets, wins, losses, win_rate_percent, chance_win_rate_percent,
       total_staked, total_payout, total_profit, roi_percent, expected_profit, luck,
       return_to_player_percent, best_round_profit, worst_round_profit
  FROM crash_analytics.get_game_statistics('aviator', 'dafabet',
  '2026-01-05 11:10:00+00', '2026-01-05 11:40:00+00');
-- unbounded start, to 10:30: only the partial hour 10:00-10:30 from the
--   rounds: r1 (L) r2 (W) b1 (W) b2 (W): rounds 4, wins 3, losses 1, 75.00%;
--   staked 22.00, payout 20 + 1.50 + 1.50 = 23.00, profit 1.00, ROI 4.55%
--   (1/22 = 0.045454).
SELECT rounds, bets, wins, losses, win_rate_percent, total_staked, total_payout, total_profit, roi_percent
  FROM crash_analytics.get_game_statistics('aviator', 'dafabet', NULL, '2026-01-05 10:30:00+00');
-- from 12:15, unbounded end: r10 (W +10) and r11 (VOID): rounds 2, bets 2,
--   wins 1, voids 1, 100.00%; staked 20.00, payout 30.00, profit 10.00,
--   ROI 50.00%; chance 48.50%; expected -0.30 (the void expects 0), luck
--   10.30; return to player 150.00%.
SELECT rounds, bets, wins, losses, voids, win_rate_percent, chance_win_rate_percent, total_staked,
       total_payout, total_profit, roi_percent, expected_profit, luck, return_to_player_percent
  FROM crash_analytics.get_game_statistics('aviator', 'dafabet', '2026-01-05 12:15:00+00', NULL);
-- platform NULL: one row per platform.  aviator/demo holds a2 only: 1 bet,
--   1 win, 100.00%, Wilson 1/1 = 20.65 .. 100.00 (cross-checked below),
--   chance 64.67%, staked 5.00, payout 7.50, profit 2.50, ROI 50.00%, no
--   ROI interval with one bet, expected -0.15, luck 2.65, return 150.00%;
--   strategies 1 (rounds without a strategy count as one).
SELECT game_name, platform_code, rtp, bots, strategies, rounds, bets, wins, losses,
       win_rate_percent, win_rate_ci_low_percent, win_rate_ci_high_percent, chance_win_rate_percent
  FROM crash_analytics.get_game_statistics('aviator');
SELECT platform_code, total_staked, total_payout, total_profit, roi_percent, roi_ci_low_percent,
       roi_ci_high_percent, bets_for_1pct_roi_margin, expected_profit, luck,
       return_to_player_percent, theoretical_rtp_percent, best_round_profit, worst_round_profit
  FROM crash_analytics.get_game_statistics('aviator');
SELECT * FROM pg_temp.wilson(1, 1);
-- jetx, all platforms: j1..j4: rounds 4, bets 3, wins 2, losses 1, skips 1;
--   staked 4.00, payout 4.50, profit 0.50, ROI 12.50%; expected -0.12.
SELECT game_name, platform_code, bots, rounds, bets, wins, losses, skips, total_staked,
       total_payout, total_profit, roi_percent, expected_profit
  FROM crash_analytics.get_game_statistics('jetx');
-- an unknown game, or a game not on that platform: 42704; from after to:
-- 22023; a period without rounds: no row
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_game_statistics('nogame')$$);
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_game_statistics('aviator', 'nowhere')$$);
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_game_statistics('aviator', 'dafabet',
  '2026-01-06 00:00:00+00', '2026-01-05 00:00:00+00')$$);
SELECT count(*) AS rows_2025 FROM crash_analytics.get_game_statistics('aviator', 'dafabet',
  '2025-01-01 00:00:00+00', '2025-01-02 00:00:00+00');

-- ======================================================================
-- 5. get_strategy_performance
-- ======================================================================
-- all games, all time, by strategy (rounds without one: NULL, first):
--   NULL: a2 only: 1 game, 1 bot, 1 round, 1 win, 100.00%, chance 64.67%,
--     staked 5.00, payout 7.50, profit 2.50, ROI 50.00%, expected -0.15,
--     luck 2.65, best = worst = 2.50;
--   flat_2x: alpha s1: 1 game, 1 bot, 11 rounds, 10 bets, 4 wins, 5
--     losses, 1 skip, 1 void, 44.44%, chance 48.50%, staked 100.00, payout
--     90.00, profit -10.00, ROI -10.00%, expected -2.70, luck -7.30;
--   martingale: beta s1 and s2: 2 games, 1 bot, 11 rounds, 10 bets, 5 wins,
--     5 losses, 1 skip, 50.00%, chance 64.67%, staked 37.00, payout 31.50,
--     profit -5.50, ROI -14.86%, expected -1.11, luck -4.39, best 8.00,
--     worst -8.00.
SELECT strategy_name, games, bots, rounds, bets, wins, losses, skips, voids, win_rate_percent,
       chance_win_rate_percent
  FROM crash_analytics.get_strategy_performance();
SELECT strategy_name, total_staked, total_payout, total_profit, roi_percent, expected_profit, luck,
       best_round_profit, worst_round_profit
  FROM crash_analytics.get_strategy_performance();
-- the intervals: the NULL strategy has one win in one bet: Wilson 1/1 =
--   20.65 .. 100.00 and no ROI interval; flat_2x is session s1's (18.88 ..
--   73.33; -71.63 .. 51.63, bets needed (195.9964 x sqrt(98.888889) /
--   10)^2 = 37987.x -> 37988, cross-checked below); martingale is beta's
--   (23.66 .. 76.34; -82.96 .. 53.23, 46370)
SELECT strategy_name, win_rate_ci_low_percent, win_rate_ci_high_percent, roi_ci_low_percent,
       roi_ci_high_percent, bets_for_1pct_roi_margin
  FROM crash_analytics.get_strategy_performance();
SELECT * FROM pg_temp.roi_ci(10, 100.00, -10.00, 900);
-- jetx only: martingale, j1..j4
SELECT strategy_name, games, rounds, bets, wins, losses, total_staked, total_profit
  FROM crash_analytics.get_strategy_performance('jetx');
-- aviator in [10:30, 12:15): flat_2x r3..r9 (7 rounds, 6 bets, 2 wins: 60.00
--   staked, 40.00 paid), martingale b3..b7 (5 rounds, 1 win: 31.00 staked,
--   24.00 paid); a2 (13:20) is outside
SELECT strategy_name, rounds, bets, wins, losses, total_staked, total_payout, total_profit
  FROM crash_analytics.get_strategy_performance('aviator', '2026-01-05 10:30:00+00', '2026-01-05 12:15:00+00');
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_strategy_performance('nogame')$$);
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_strategy_performance(NULL,
  '2026-01-06 00:00:00+00', '2026-01-05 00:00:00+00')$$);

-- ======================================================================
-- 6. get_multiplier_distribution
-- ======================================================================
-- aviator/dafabet: 19 multiplier rows (alpha 11, beta 7 of the same
-- platform rounds, beta's watched 1.00) but 12 platform rounds: av-1..av-11
-- once each, and the watched one (no platform id) on its own.  Sorted:
--   1.00 1.00 1.10 1.20 1.30 1.40 1.50 2.00 2.50 3.00 5.00 12.00
-- Default buckets [1.00,1.01) [1.01,1.20) [1.20,1.50) [1.50,2.00) [2,3)
-- [3,5) [5,10) [10,20) [20,50) [50,100) [100,1000) [1000,-):
--   counts 2 1 3 1 2 1 1 1 0 0 0 0 (total 12);
--   percent 2/12 = 16.67, 8.33, 25.00, 8.33, 16.67, 8.33, 8.33, 8.33, 0 ...;
--   cumulative 16.67 25.00 50.00 58.33 75.00 83.33 91.67 100.00 100 ...;
--   theory P(lo <= X < hi) = S(lo) - S(hi), S(1.00) = 1, S(x) = 0.97/x:
--     [1.00,1.01) 1 - 0.960396 = 3.96 (the instant-crash rate 1 - RTP/1.01)
--     [1.01,1.20) 0.960396 - 0.808333 = 15.21
--     [1.20,1.50) 0.808333 - 0.646667 = 16.17
--     [1.50,2.00) 0.646667 - 0.485 = 16.17
--     [2,3)   0.485 - 0.323333 = 16.17
--     [3,5)   0.323333 - 0.194 = 12.93
--     [5,10)  0.194 - 0.097 = 9.70
--     [10,20) 0.097 - 0.0485 = 4.85
--     [20,50) 0.0485 - 0.0194 = 2.91
--     [50,100) 0.0194 - 0.0097 = 0.97
--     [100,1000) 0.0097 - 0.00097 = 0.87
--     [1000,-) 0.00097 = 0.10
--   theoretical cumulative = 1 - S(hi): 3.96 19.17 35.33 51.50 67.67 80.60
--     90.30 95.15 98.06 99.03 99.90 100.00.
SELECT count(*) AS multiplier_rows FROM crash_analytics.analytics_round_multipliers
 WHERE game_name = 'aviator' AND platform_code = 'dafabet';
SELECT * FROM crash_analytics.get_multiplier_distribution('aviator', 'dafabet');
-- custom buckets {1.00, 2.00, 10.00}: [1,2) holds 1.00 1.00 1.10 1.20 1.30
--   1.40 1.50 = 7 (58.33%), [2,10) 2.00 2.50 3.00 5.00 = 4 (33.33%), [10,-)
--   12.00 = 1 (8.33%); theory 1 - 0.485 = 51.50, 0.485 - 0.097 = 38.80,
--   0.097 = 9.70.
SELECT * FROM crash_analytics.get_multiplier_distribution('aviator', 'dafabet', buckets => '{1.00, 2.00, 10.00}');
-- buckets not starting at 1.00 get [1.00, first) in front: {2.00, 5.00} ->
--   [1,2) 7 (58.33%), [2,5) 2.00 2.50 3.00 = 3 (25.00%), [5,-) 5.00 12.00 =
--   2 (16.67%); theory 51.50, 0.485 - 0.194 = 29.10, 0.194 = 19.40.
SELECT * FROM crash_analytics.get_multiplier_distribution('aviator', 'dafabet', buckets => '{2.00, 5.00}');
-- a period: [11:00, 12:00) holds av-5 1.10, av-6 1.30, av-7 2.50, av-8 5.00
--   and the watched 1.00 (11:45): [1,2) 3 (60.00%), [2,-) 2 (40.00%)
SELECT bucket_low, bucket_high, multipliers, percent, cumulative_percent
  FROM crash_analytics.get_multiplier_distribution('aviator', 'dafabet',
  '2026-01-05 11:00:00+00', '2026-01-05 12:00:00+00', '{1.00, 2.00}');
-- all platforms: aviator/demo adds a2's 1.80 to [1.50, 2.00): 13 multipliers,
--   [1,2) 8 (61.54%), [2,-) 5 (38.46%); theory (both platforms at 0.97)
--   51.50 and 48.50
SELECT * FROM crash_analytics.get_multiplier_distribution('aviator', buckets => '{1.00, 2.00}');
-- bad bucket lists: 22023
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_multiplier_distribution('aviator', 'dafabet', buckets => '{}')$$);
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_multiplier_distribution('aviator', 'dafabet', buckets => '{2.00, 1.50}')$$);
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_multiplier_distribution('aviator', 'dafabet', buckets => '{1.00, 2.00, 2.00}')$$);
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_multiplier_distribution('aviator', 'dafabet', buckets => '{0.50, 2.00}')$$);
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_multiplier_distribution('aviator', 'dafabet', buckets => '{1.00, NULL}')$$);
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_multiplier_distribution('aviator', 'dafabet', buckets => '{1.00, NaN}')$$);
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_multiplier_distribution('aviator', 'dafabet', buckets => '{1.00, Infinity}')$$);
-- an edge off the 0.01 grid: 22023.  Multipliers are floored to 0.01, so
--   [1.00, 1.005) can hold only 1.00x, whose theory is 1 - 0.97/1.01 =
--   3.96%, while RTP/x at the edge would give 1 - 0.97/1.005 = 3.48%.
\set SHOW_CONTEXT never
SELECT * FROM crash_analytics.get_multiplier_distribution('aviator', 'dafabet', buckets => '{1.005, 1.50}');
\set SHOW_CONTEXT errors
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_multiplier_distribution('aviator', 'dafabet', buckets => '{1.00, 2.001}')$$);
-- trailing zeros are on the grid: {1.000, 2.0} is {1.00, 2.00}: [1,2) 7, [2,-) 5
SELECT bucket_low, bucket_high, multipliers, percent, theoretical_percent
  FROM crash_analytics.get_multiplier_distribution('aviator', 'dafabet', buckets => '{1.000, 2.0}');
-- a NULL game: 22004 (with or without a platform); unknown game: 42704; from after to: 22023
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_multiplier_distribution(NULL)$$);
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_multiplier_distribution(NULL, 'dafabet')$$);
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_multiplier_distribution('nogame')$$);
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_multiplier_distribution('aviator', NULL,
  '2026-01-06 00:00:00+00', '2026-01-05 00:00:00+00')$$);
-- a period without multipliers gives no row (the convention at the head of
-- the analytics functions)
SELECT count(*) AS rows_2025 FROM crash_analytics.get_multiplier_distribution('aviator', 'dafabet',
  '2025-01-01 00:00:00+00', '2025-01-02 00:00:00+00', '{1.00, 2.00}');

-- ======================================================================
-- 7. get_multiplier_quantiles
-- ======================================================================
-- observed: percentile_disc over the 12 platform rounds sorted above, the
--   value at position ceil(12 q): q 0.25 -> 3rd = 1.10, 0.5 -> 6th = 1.40,
--   0.75 -> 9th = 2.50, 0.9 -> ceil(10.8) = 11th = 5.00, 0.99 -> 12th = 12.00;
-- theoretical: the smallest x on the 0.01 grid with 1 - RTP/(x + 0.01) >= q,
--   ceil(100 (0.97/(1 - q) - 0.01)) / 100: 0.25 -> 1.293333 - 0.01 ->
--   1.29; 0.5 -> 1.94 - 0.01 = 1.93; 0.75 -> 3.88 - 0.01 = 3.87; 0.9 -> 9.70
--   - 0.01 = 9.69; 0.99 -> 97 - 0.01 = 96.99.
SELECT * FROM crash_analytics.get_multiplier_quantiles('aviator', 'dafabet');
-- other probabilities, and a period ([11:00, 12:00): 1.00 1.10 1.30 2.50
--   5.00): 0.1 -> 1st = 1.00 (theory 0.97/0.9 - 0.01 = 1.067778 -> 1.07),
--   0.6 -> 3rd = 1.30 (2.425 - 0.01 -> 2.42), 0.95 -> 5th = 5.00 (19.40 -
--   0.01 = 19.39)
SELECT * FROM crash_analytics.get_multiplier_quantiles('aviator', 'dafabet',
  '2026-01-05 11:00:00+00', '2026-01-05 12:00:00+00', '{0.1, 0.6, 0.95}');
-- q small enough that 0.97/(1 - q) < 1.01 gives the floor 1.00: q = 0.03
--   -> 0.97/0.97 - 0.01 = 0.99 -> 1.00
SELECT probability, theoretical FROM crash_analytics.get_multiplier_quantiles('aviator', 'dafabet',
  probabilities => '{0.03}');
-- bad probabilities: 22023 (NULL ones: 22004)
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_multiplier_quantiles('aviator', 'dafabet', probabilities => '{}')$$);
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_multiplier_quantiles('aviator', 'dafabet', probabilities => NULL)$$);
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_multiplier_quantiles('aviator', 'dafabet', probabilities => '{0}')$$);
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_multiplier_quantiles('aviator', 'dafabet', probabilities => '{0.5, 1}')$$);
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_multiplier_quantiles('aviator', 'dafabet', probabilities => '{0.5, NULL}')$$);
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_multiplier_quantiles('aviator', 'dafabet', probabilities => '{NaN}')$$);
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_multiplier_quantiles('aviator', 'dafabet', probabilities => '{-0.5}')$$);
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_multiplier_quantiles('nogame')$$);
-- a period without multipliers: no row
SELECT count(*) AS rows_2025 FROM crash_analytics.get_multiplier_quantiles('aviator', 'dafabet',
  '2025-01-01 00:00:00+00', '2025-01-02 00:00:00+00');

-- ======================================================================
-- 8. get_signal_effectiveness
-- ======================================================================
-- The signals as stored: alpha's built-in rule (3 multipliers under 2.00,
-- then 1.80x) fired after r5 (1.00 1.20 1.10) and after r6 (1.20 1.10
-- 1.30); r6 (1.30) missed the first, r7 (2.50) hit the second.  beta's
-- model: after j1 resolved by j2 (1.60 < 3.00, miss), after j2 by j3 (7.00,
-- hit), after j4 still open.
SELECT bot_id, source, signal_type, model_name, target_multiplier, emitted_after_round, status,
       resolved_round_number, resolved_multiplier, feature_vector
  FROM crash_analytics.analytics_round_signals ORDER BY id;
-- Per source, type and model:
--   bot/next_round_3x/lstm_v1: 3 signals, 2 resolved, 1 hit, 50.00%; Wilson
--     1/2 = 9.45 .. 90.55 (cross-checked below); theoretical baseline 0.97/3
--     = 32.33%; empirical: jetx multipliers 1.30 1.60 7.00 1.05 reach 3.00
--     once: 25.00%; lift 0.5 / 0.323333 = 1.546; p-value of at least 1 hit
--     in 2 tries at 0.323333: mean 0.646667, variance 2 x 0.323333 x
--     0.676667 = 0.437578, z = (1 - 0.5 - 0.646667) / 0.661497 = -0.221719,
--     P = Phi(0.221719) = 0.5877;
--   rule/low_streak: 2 signals, 2 resolved, 1 hit, 50.00%, 9.45 .. 90.55;
--     theoretical 0.97/1.80 = 53.89%; empirical: of the 12 aviator/dafabet
--     platform rounds (each counted once, as in the distribution) 2.00 2.50
--     3.00 5.00 12.00 reach 1.80: 5/12 = 41.67%; lift 0.5 / 0.538889 =
--     0.928; p-value: mean 1.077778, variance 2 x 0.538889 x 0.461111 =
--     0.496975, z = (1 - 0.5 - 1.077778) / 0.704965 = -0.819584, P =
--     Phi(0.819584) = 0.7938.
SELECT source, signal_type, model_name, signals, resolved, hits, hit_rate_percent,
       hit_rate_ci_low_percent, hit_rate_ci_high_percent, baseline_theoretical_percent,
       baseline_empirical_percent, lift, round(p_value::numeric, 4) AS p_value
  FROM crash_analytics.get_signal_effectiveness();
SELECT * FROM pg_temp.wilson(1, 2);
-- by model name, and by signal type
SELECT source, signal_type, model_name, signals, resolved, hits
  FROM crash_analytics.get_signal_effectiveness('lstm_v1');
SELECT source, signal_type, model_name, signals, resolved, hits
  FROM crash_analytics.get_signal_effectiveness('low_streak');
-- a period: [11:00, 12:00) holds both rule signals (emitted 11:05 and 11:20
--   when their multipliers were seen) and none of the model's (emitted when
--   logged); the empirical baseline comes from that period's platform
--   rounds 1.00 1.10 1.30 2.50 5.00: 2/5 = 40.00%
SELECT source, signal_type, signals, resolved, hits, baseline_theoretical_percent, baseline_empirical_percent
  FROM crash_analytics.get_signal_effectiveness(NULL, '2026-01-05 11:00:00+00', '2026-01-05 12:00:00+00');
-- nothing matches: no row; from after to: 22023
SELECT count(*) AS rows_none FROM crash_analytics.get_signal_effectiveness('no_such_signal');
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.get_signal_effectiveness(NULL,
  '2026-01-06 00:00:00+00', '2026-01-05 00:00:00+00')$$);

-- ======================================================================
-- 9. export_rounds_to_json
-- ======================================================================
-- 23 rounds in all, 12 of alpha, 4 of jetx; played in [11:00, 12:30):
-- alpha r5..r9, beta b5..b7, j1 j2: 5 + 3 + 2 = 10 (r10 at 12:30 is outside)
SELECT count(*) AS all_rounds FROM crash_analytics.export_rounds_to_json();
SELECT count(*) AS alpha_rounds FROM crash_analytics.export_rounds_to_json('alpha');
SELECT count(*) AS jetx_rounds FROM crash_analytics.export_rounds_to_json(game => 'jetx');
SELECT count(*) AS period_rounds FROM crash_analytics.export_rounds_to_json(NULL,
  '2026-01-05 11:00:00+00', '2026-01-05 12:30:00+00');
-- one object: every column of crash_game_rounds is a key
SELECT count(*) AS keys,
       count(*) = (SELECT count(*) FROM pg_attribute WHERE attrelid = 'crash_analytics.crash_game_rounds'::regclass
                    AND attnum > 0 AND NOT attisdropped) AS one_key_per_column
  FROM (SELECT j FROM crash_analytics.export_rounds_to_json('beta', game => 'jetx') j
         WHERE j->>'round_number' = '2') x, jsonb_object_keys(x.j);
SELECT string_agg(k, ' ' ORDER BY k) AS keys
  FROM (SELECT j FROM crash_analytics.export_rounds_to_json('beta', game => 'jetx') j
         WHERE j->>'round_number' = '2') x, jsonb_object_keys(x.j) k;
-- j2's values: WIN at 1.50 on 1.60, stake 2.00, payout 3.00, balance 43.00 -> 44.00
SELECT j->>'bot_id' AS bot_id, j->>'session_id' AS session_id, j->>'round_outcome' AS outcome,
       j->>'stake_value' AS stake, j->>'crash_multiplier' AS crash, j->>'payout_value' AS payout,
       j->>'profit_loss' AS profit, j->>'running_balance_after' AS balance_after,
       j->>'strategy_name' AS strategy, j->>'played_at' AS played_at, j->>'ingest_path' AS ingest_path
  FROM crash_analytics.export_rounds_to_json('beta', game => 'jetx') j
 WHERE j->>'round_number' = '2';
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.export_rounds_to_json(NULL,
  '2026-01-06 00:00:00+00', '2026-01-05 00:00:00+00')$$);
-- COPY writes the export as JSON lines: jetx rounds played in [12:15,
--   13:00) are j2 (WIN at 1.50 on 1.60, stake 2.00, payout 3.00, profit
--   +1.00, balance 43.00 -> 44.00, win probability 0.97/1.50 = 0.646667,
--   expected 2.00 x -0.03 = -0.06, ROI 50%) and j3 (WIN at 1.50 on 7.00,
--   stake 1.00, payout 1.50, +0.50, 44.00 -> 44.50, expected -0.03), every
--   column but the four times of logging (when this test ran), in id order
COPY (SELECT j - '{logged_at, created_at, derived_at, updated_at}'::text[]
        FROM crash_analytics.export_rounds_to_json(NULL, '2026-01-05 12:15:00+00', '2026-01-05 13:00:00+00', 'jetx') j
       ORDER BY (j->>'id')::bigint) TO STDOUT;
-- the function is inlined into the calling query (a scan of
-- crash_game_rounds, no Function Scan that would collect every row first,
-- no sort), so COPY (SELECT * FROM crash_analytics.export_rounds_to_json())
-- TO STDOUT sends each row as the scan reads it
EXPLAIN (COSTS OFF) SELECT * FROM crash_analytics.export_rounds_to_json();

-- ======================================================================
-- 10. export_multipliers_for_ml
-- ======================================================================
-- aviator: 20 multipliers (alpha/dafabet 11, alpha/demo 1, beta/dafabet 8).
-- Features look only at rounds the same bot played earlier in the same
-- game/platform, in play order (observed_at, round_number, id); here every
-- bot logged its rounds in the order it played them (a back-filled round
-- follows below).  alpha/dafabet: 1.50 3.00 1.00 1.20 1.10 1.30 2.50 5.00 2.00 12.00 1.40
--   lags (newest first, at most 10), history = rows before;
--   rounds_under_2x_in_a_row = the run of earlier multipliers < 2 ending at
--   the previous row: r1 0, r2 1 (1.50), r3 0 (3.00), r4 1, r5 2, r6 3, r7 4
--   (1.00 1.20 1.10 1.30), r8 0 (2.50), r9 0, r10 0 (2.00 is not under 2x),
--   r11 0;
--   rounds_since_10x: NULL until a 10x was seen; r11: 1 (r10 was 12.00);
--   share_under_2x_10: r5: 1.50 3.00 1.00 1.20 -> 3/4 = 0.7500; r11: the
--   10 before, 1.50 3.00 1.00 1.20 1.10 1.30 2.50 5.00 2.00 12.00 -> 5/10;
--   the label is the row's own multiplier and is in no feature of its row.
SELECT j->>'bot_id' AS bot_id, j->>'platform_code' AS platform, j->>'round_number' AS round,
       j->'label' AS label, j->'features'->'lags' AS lags, j->'features'->'history' AS history,
       j->'features'->'rounds_under_2x_in_a_row' AS under_2x_run,
       j->'features'->'rounds_since_10x' AS since_10x,
       j->'features'->'share_under_2x_10' AS under_2x_10
  FROM crash_analytics.export_multipliers_for_ml('aviator', 100) j
 WHERE j->>'bot_id' = 'alpha' ORDER BY (j->>'id')::bigint;
-- beta/dafabet (b1..b7, then the watched 1.00): history 7 for the watched
--   one, lags 2.50 1.30 1.10 1.20 1.00 3.00 1.50, run 0 (b7 2.50 >= 2);
--   b7: run 4 (1.00 1.20 1.10 1.30 since b2 = 3.00); instant_crashes_50 for
--   the watched one: b3 = 1 (its own 1.00 does not count)
SELECT j->>'round_number' AS round, j->'label' AS label, j->'features'->'lags' AS lags,
       j->'features'->'history' AS history, j->'features'->'rounds_under_2x_in_a_row' AS under_2x_run,
       j->'features'->'instant_crashes_50' AS instant_50
  FROM crash_analytics.export_multipliers_for_ml('aviator', 100) j
 WHERE j->>'bot_id' = 'beta' ORDER BY (j->>'id')::bigint;
-- the feature keys
SELECT string_agg(k, ' ' ORDER BY k) AS feature_keys
  FROM (SELECT j FROM crash_analytics.export_multipliers_for_ml('aviator', 1) j) x,
       jsonb_object_keys(x.j->'features') k;
-- row_limit 3: the latest 3 aviator rows in play order: a2 (13:20), r11
--   (12:50) and r10 (12:30), with features from the whole history: a2 is
--   the first round of alpha/demo (history 0), r10 and r11 have 9 and 10
--   earlier rounds of alpha/dafabet; shown in id order
SELECT j->>'bot_id' AS bot_id, j->>'round_number' AS round, j->'label' AS label,
       j->'features'->'history' AS history
  FROM crash_analytics.export_multipliers_for_ml('aviator', 3) j ORDER BY (j->>'id')::bigint;
-- no look-ahead: every row's first lag is the previous row's label (same bot
-- and platform)
SELECT count(*) AS rows_checked,
       bool_and((j->'features'->'lags'->>0)::numeric IS NOT DISTINCT FROM prev_label) AS lags_are_earlier_labels
  FROM (SELECT j, lag((j->>'label')::numeric) OVER (PARTITION BY j->>'bot_id', j->>'platform_code'
                                                   ORDER BY (j->>'id')::bigint) AS prev_label
          FROM crash_analytics.export_multipliers_for_ml('aviator', 100) j) x;
-- row_limit below 1: 22023
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.export_multipliers_for_ml('aviator', 0)$$);
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.export_multipliers_for_ml('aviator', -5)$$);
-- row_limit NULL: no limit (as LIMIT NULL), all 20; an unknown game: 42704, none: 22004
SELECT count(*) AS all_aviator_rows FROM crash_analytics.export_multipliers_for_ml('aviator', NULL);
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.export_multipliers_for_ml('nogame', 10)$$);
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.export_multipliers_for_ml(NULL, 10)$$);
-- COPY writes the ML examples as JSON lines: jetx holds beta's j1..j4,
--   multipliers 21..24, 1.30 1.60 7.00 1.05 at 12:05, 12:20, 12:45, 13:10:
--     j1: history 0, no lag, no mean or share, run 0, label 1.30
--     j2: history 1, lags [1.30], mean_log ln 1.3 = 0.262364, shares under
--         2x 1/1 = 1.0000, run 1, label 1.60
--     j3: history 2, lags [1.60, 1.30], mean (0.470004 + 0.262364) / 2 =
--         0.366184, shares 1.0000, run 2, label 7.00
--     j4: history 3, lags [7.00, 1.60, 1.30], mean (1.945910 + 0.470004 +
--         0.262364) / 3 = 2.678278 / 3 = 0.892759, shares 2/3 = 0.6667, run
--         0 (7.00 is the last round), no 10x, no instant crash; label 1.05
COPY (SELECT * FROM crash_analytics.export_multipliers_for_ml('jetx', 10)) TO STDOUT;
-- It streams too: the rows to export are picked and put in play order first
-- (keys only), then each row's features are read, in that order, as it goes
-- out.  The function is inlined (no Function Scan) and nothing sorts above
-- the nested loops that read the features: the plan's top two nodes are the
-- subquery of the inlined function and the first of those loops.
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	j jsonb;
BEGIN
	EXECUTE 'EXPLAIN (COSTS OFF, FORMAT JSON) ' || q INTO j;
	RETURN j->0->'Plan';
END
$$;
SELECT p->>'Node Type' AS top, p->'Plans'->0->>'Node Type' AS below_top, p->'Plans'->0->>'Join Type' AS join_type,
       jsonb_path_exists(p, 'strict $.**."Node Type" ? (@ == "Function Scan")') AS has_function_scan
  FROM pg_temp.plan_of($$SELECT * FROM crash_analytics.export_multipliers_for_ml('aviator', 100)$$) p;
-- A back-filled round (rolled back afterwards): delta plays aviatrix/dafabet
--   rounds 1..4 at 10:01, 10:02, 10:03 and 10:04 with 1.20, 3.00, 50.00 and
--   1.50, but logs round 3 first, so in logging (id) order it is 3 1 2 4.
--   In play order the features of rounds 1 and 2 must not see the 50.00:
--     r1: history 0, lags [], no mean, run 0, no 10x; label 1.20
--     r2: history 1, lags [1.20], mean_log_10 ln 1.2 = 0.182322, share
--         under 2x 1/1 = 1.0000, run 1; label 3.00
--     r3: history 2, lags [3.00, 1.20], mean (1.098612 + 0.182322) / 2 =
--         0.640467, share 1/2 = 0.5000, run 0 (3.00 is not under 2x); label 50.00
--     r4: history 3, lags [50.00, 3.00, 1.20], mean (3.912023 + 1.098612 +
--         0.182322) / 3 = 5.192957 / 3 = 1.730986, share 1/3 = 0.3333, run
--         0, rounds since the 10x 1 (r3 is the one before); label 1.50
--   (in id order r1 would have had lags [50.00] and r2 a 10x one round ago).
BEGIN;
SELECT crash_analytics.register_bot('delta', signal_rules => '[]') IS NOT NULL AS delta;
SELECT crash_analytics.log_crash_round('delta', 'd1', 'aviatrix', 'dafabet', 3, 0, 50.00,
  round_started_at => '2026-01-05 10:02:40+00', round_ended_at => '2026-01-05 10:03:00+00') IS NOT NULL AS r3;
SELECT crash_analytics.log_crash_round('delta', 'd1', 'aviatrix', 'dafabet', 1, 0, 1.20,
  round_started_at => '2026-01-05 10:00:40+00', round_ended_at => '2026-01-05 10:01:00+00') IS NOT NULL AS r1;
SELECT crash_analytics.log_crash_round('delta', 'd1', 'aviatrix', 'dafabet', 2, 0, 3.00,
  round_started_at => '2026-01-05 10:01:40+00', round_ended_at => '2026-01-05 10:02:00+00') IS NOT NULL AS r2;
SELECT crash_analytics.log_crash_round('delta', 'd1', 'aviatrix', 'dafabet', 4, 0, 1.50,
  round_started_at => '2026-01-05 10:03:40+00', round_ended_at => '2026-01-05 10:04:00+00') IS NOT NULL AS r4;
SELECT round_number, multiplier, observed_at FROM crash_analytics.analytics_round_multipliers
 WHERE bot_id = 'delta' ORDER BY id;
SELECT j->>'round_number' AS round, j->'label' AS label, j->'features'->'history' AS history,
       j->'features'->'lags' AS lags, j->'features'->'mean_log_10' AS mean_log_10,
       j->'features'->'share_under_2x_10' AS under_2x_10,
       j->'features'->'rounds_under_2x_in_a_row' AS under_2x_run,
       j->'features'->'rounds_since_10x' AS since_10x
  FROM crash_analytics.export_multipliers_for_ml('aviatrix', 10) j;
-- row_limit 2: the two rounds played last, r3 and r4 (not r2 and r4, the
--   last two logged), with the same features: history 2 and 3
SELECT j->>'round_number' AS round, j->'label' AS label, j->'features'->'history' AS history,
       j->'features'->'lags' AS lags
  FROM crash_analytics.export_multipliers_for_ml('aviatrix', 2) j;
ROLLBACK;

-- ======================================================================
-- 11. get_database_size: the database, then every table and materialized
-- view of the extension (sizes are not shown: they vary)
-- ======================================================================
SELECT object_kind, count(*) AS objects, bool_and(total_bytes > 0) AS sized
  FROM crash_analytics.get_database_size() GROUP BY 1 ORDER BY 1;
SELECT object_name, object_kind FROM crash_analytics.get_database_size()
 WHERE object_kind <> 'database' ORDER BY object_name;

-- ======================================================================
-- 12. refresh_analytics and the materialized views
-- ======================================================================
SELECT crash_analytics.refresh_analytics();
-- per bot, game/platform and day:
--   alpha aviator/dafabet: s1: 11 rounds, 10 bets, 4 wins, 5 losses, staked
--     100.00, payout 90.00, profit -10.00, expected -2.70, 44.44%, ROI -10.00%
--   alpha aviator/demo: a2: 1, 1, 1, 0, 5.00, 7.50, 2.50, -0.15, 100.00%, 50.00%
--   beta aviator/dafabet: b1..b7: 7, 7, 3, 4, 33.00, 27.00, -6.00, -0.99,
--     3/7 = 42.86%, -6/33 = -18.18%
--   beta jetx/dafabet: j1..j4: 4, 3, 2, 1, 4.00, 4.50, 0.50, -0.12, 66.67%, 12.50%
SELECT * FROM crash_analytics.mv_daily_bot_performance ORDER BY bot_id, game_name, platform_code, day;
-- per game/platform and hour, each platform round once (alpha and beta saw
-- av-1..av-7: the first reading logged counts, alpha's):
--   aviator/dafabet 10:00: av-1..av-4 1.50 3.00 1.00 1.20: 4, 1 instant,
--     median (percentile_disc: 2nd of 1.00 1.20 1.50 3.00) 1.20, 1.00 ..
--     3.00, 1 reaches 2x, none 10x (every bot's reading would be 8, 2
--     instant, 2 reaching 2x);
--   11:00: av-5..av-8 1.10 1.30 2.50 5.00 and beta's watched 1.00 (no
--     platform round id: counted on its own): 5, 1 instant, median 3rd of
--     1.00 1.10 1.30 2.50 5.00 = 1.30, 1.00 .. 5.00, 2 reach 2x;
--   12:00: 2.00 12.00 1.40: 3, median 2.00, 2 reach 2x, 1 reaches 10x;
--   aviator/demo 13:00: 1.80; jetx/dafabet 12:00: 1.30 1.60 7.00 (median
--     1.60, one 2x), 13:00: 1.05.
SELECT * FROM crash_analytics.mv_hourly_game_statistics ORDER BY game_name, platform_code, hour_utc;
-- every hour counts what distinct_multipliers() (and so the distribution)
-- counts for that hour: 4 + 5 + 3 + 1 + 3 + 1 = 17 platform rounds in 6 hours
SELECT count(*) AS hours, sum(multipliers) AS multipliers,
       bool_and(multipliers = (SELECT count(*) FROM crash_analytics.distinct_multipliers(h.game_name, h.platform_code,
                                 h.hour_utc AT TIME ZONE 'UTC', (h.hour_utc + interval '1 hour') AT TIME ZONE 'UTC'))) AS as_distinct_multipliers
  FROM crash_analytics.mv_hourly_game_statistics h;
SELECT crash_analytics.refresh_analytics(concurrently => true);
SELECT count(*) AS daily_rows FROM crash_analytics.mv_daily_bot_performance;

-- ======================================================================
-- 13. verify_consistency, rollup_differences, rebuild_rollups
-- ======================================================================
-- everything derived agrees with the rounds
SELECT * FROM crash_analytics.verify_consistency();
-- The signal rules replayed (check rule_signals) and the series states
-- (check series_state).  alpha's rule, 3 multipliers under 2.00 then 1.80x,
-- fired after r5 (multiplier 5: 1.00 1.20 1.10) and after r6 (multiplier 6:
-- 1.20 1.10 1.30) and nowhere else (r4's window 3.00 1.00 1.20 holds a
-- 3.00, r7's ends with 2.50); beta has no rule.  Nothing differs:
SELECT * FROM crash_analytics.signal_differences('alpha');
SELECT * FROM crash_analytics.signal_differences('beta');
BEGIN;
-- a rule signal deleted: the replay expects one after multiplier 6
DELETE FROM crash_analytics.analytics_round_signals WHERE bot_id = 'alpha' AND after_multiplier_id = 6;
SELECT check_name, ok, differences, detail FROM crash_analytics.verify_consistency() WHERE NOT ok;
-- and the other one changed: the window signal 1 says it saw
UPDATE crash_analytics.analytics_round_signals SET feature_vector = '{"multipliers": [1.00, 1.20, 1.15]}'
 WHERE bot_id = 'alpha' AND after_multiplier_id = 5;
SELECT * FROM crash_analytics.signal_differences('alpha') ORDER BY row_key, column_name;
ROLLBACK;
-- The series states hold each series' latest multiplier (its id), its
--   latest 50 multipliers in hundredths in logging order and its open
--   signals: alpha aviator/dafabet multipliers 1..11, 1.50 3.00 1.00 1.20
--   1.10 1.30 2.50 5.00 2.00 12.00 1.40, both signals resolved; alpha
--   aviator/demo 12 (1.80); beta aviator/dafabet 13..19 (b1..b7) and 20 (the
--   watched 1.00); beta jetx/dafabet 21..24 (1.30 1.60 7.00 1.05) and the
--   model's signal after j4, still open.
SELECT bot_id, game_name, platform_code, last_multiplier_id, recent_hundredths, open_signals
  FROM crash_analytics.bot_series_state ORDER BY bot_id, game_name, platform_code;
BEGIN;
-- two drifts: beta's jetx series counts 2 open signals, alpha's first
-- multiplier fell out of its recent ones
UPDATE crash_analytics.bot_series_state SET open_signals = 2 WHERE bot_id = 'beta' AND game_name = 'jetx';
UPDATE crash_analytics.bot_series_state SET recent_hundredths = recent_hundredths[2:]
 WHERE bot_id = 'alpha' AND platform_code = 'dafabet';
SELECT check_name, ok, differences, detail FROM crash_analytics.verify_consistency() WHERE NOT ok;
SELECT table_name, row_key, column_name, stored, expected FROM crash_analytics.signal_differences('beta');
ROLLBACK;
-- a state that is missing is not a difference: it is a cache, rebuilt from
-- the multipliers and open signals by the next multiplier
BEGIN;
DELETE FROM crash_analytics.bot_series_state WHERE bot_id = 'beta';
SELECT count(*) FILTER (WHERE NOT ok) AS checks_failed FROM crash_analytics.verify_consistency();
ROLLBACK;

BEGIN;
-- a roll-up that drifted: alpha's payout and profit one unit too high
UPDATE crash_analytics.bot_rollups SET total_payout = total_payout + 1, total_profit = total_profit + 1
 WHERE bot_id = 'alpha';
SELECT check_name, ok, differences FROM crash_analytics.verify_consistency() WHERE NOT ok;
SELECT * FROM crash_analytics.rollup_differences('alpha') ORDER BY table_name, row_key, column_name;
-- statistics read the roll-up: the drift shows (-7.50 + 1 = -6.50)
SELECT total_profit FROM crash_analytics.get_bot_statistics('alpha');
SAVEPOINT hourly;
-- an hourly roll-up too: beta's 11:00 hour gets a skip it never logged; the
--   game statistics of [11:00, 12:00) read it: r5..r8 and b5..b7 are 7
--   rounds with 1 skip (r8), shown as 8 and 2; verify_consistency reports
--   both drifts, beta's as 2 differences (rounds stored 4, expected 3 and
--   skips stored 1, expected 0)
UPDATE crash_analytics.bot_hourly_rollups SET rounds = rounds + 1, skips = skips + 1
 WHERE bot_id = 'beta' AND hour_start = '2026-01-05 11:00:00+00';
SELECT rounds, skips FROM crash_analytics.get_game_statistics('aviator', 'dafabet',
  '2026-01-05 11:00:00+00', '2026-01-05 12:00:00+00');
SELECT check_name, ok, differences FROM crash_analytics.verify_consistency() WHERE NOT ok ORDER BY 1;
SELECT table_name, column_name, stored, expected FROM crash_analytics.rollup_differences('beta')
 ORDER BY table_name, column_name;
ROLLBACK TO SAVEPOINT hourly;
SELECT check_name, ok, differences FROM crash_analytics.verify_consistency() WHERE NOT ok;
-- rebuild alpha from its 12 rounds: all ok again, profit -7.50
SELECT crash_analytics.rebuild_rollups('alpha') AS rounds_replayed;
SELECT count(*) FILTER (WHERE ok) AS checks_ok, count(*) FILTER (WHERE NOT ok) AS checks_failed
  FROM crash_analytics.verify_consistency();
SELECT total_profit FROM crash_analytics.get_bot_statistics('alpha');
COMMIT;
-- rebuilding a bot whose roll-ups are right changes nothing
SELECT crash_analytics.rebuild_rollups('beta') AS rounds_replayed;
SELECT count(*) FILTER (WHERE ok) AS checks_ok, count(*) FILTER (WHERE NOT ok) AS checks_failed
  FROM crash_analytics.verify_consistency();
-- (a rebuild drops the bot's series states, which its next multiplier rebuilds)
SELECT count(*) AS series_states FROM crash_analytics.bot_series_state;
-- ======================================================================
-- 14. purge_rounds_before
-- ======================================================================
-- cutoff 11:00: the rounds played before are r1..r4 and b1..b4 (8 rounds,
-- all bets: 8 outcomes), their 8 multipliers; no signal was emitted
-- before 11:00, both sessions s1 keep rounds, no log rows; 2 bots rebuilt.
SELECT * FROM crash_analytics.purge_rounds_before('2026-01-05 11:00:00+00');
SELECT * FROM crash_analytics.verify_consistency();
-- the purge recorded, per series, the newest multiplier it deleted: alpha
--   aviator/dafabet multiplier 4 (r4), beta aviator/dafabet 16 (b4)
SELECT bot_id, game_name, platform_code, complete_after_multiplier_id, reason
  FROM crash_analytics.bot_series_history ORDER BY 1, 2, 3;
-- which is why the rule signals after r5 and r6 are not reported: their
--   windows (1.00 1.20 1.10 and 1.20 1.10 1.30) reach r3 and r4, purged, so
--   the replay, which starts at r5, cannot judge them.  Without the record
--   both would look like signals no rule gives:
BEGIN;
DELETE FROM crash_analytics.bot_series_history;
SELECT check_name, ok, differences, detail FROM crash_analytics.verify_consistency() WHERE NOT ok;
ROLLBACK;
\x on
-- alpha now: r5 r6 r7 r8 r9 r10 r11 a2: rounds 8, bets 7, wins 4, losses 2,
--   skips 1, voids 1; 4/6 = 66.67%, Wilson 4/6 cross-checked below; chance
--   (5 x 0.485 + 0.646667) / 6 = 51.19%; staked 6 x 10 + 5 = 65.00, payout
--   3 x 20 + 10 + 7.50 = 77.50, profit 12.50, ROI 19.23%; squares 5 x 100 +
--   0 + 6.25 = 506.25 (interval cross-checked below); expected 5 x -0.30 -
--   0.15 = -1.65, luck 14.15; streaks L L W (S) W W (V) W: win 4, loss 2,
--   current +4; cumulative profit -10, -20, -10, -10, 0, 10, 10, 12.50:
--   drawdown 20.00; balances 70 60 70 70 80 90 90 92.50: peak 92.50,
--   current 92.50; first 11:05, last 13:20.
SELECT * FROM crash_analytics.get_bot_statistics('alpha');
SELECT * FROM pg_temp.wilson(4, 6);
SELECT * FROM pg_temp.roi_ci(7, 65.00, 12.50, 506.25);
\x off
-- beta now: b5 b6 b7 j1 j2 j3 j4: rounds 7, bets 6, wins 3, losses 3, skips
--   1; staked 4+8+16+1+2+1 = 32.00, payout 24 + 3 + 1.50 = 28.50, profit
--   -3.50, ROI -10.94% (-0.109375); expected -0.96, luck -2.54; streaks L L
--   W L W W: 2, 2, current +2; cumulative -4 -12 -4 -5 -4 -3.5: drawdown
--   12.00; balances 44 36 44 43 44 44.50 44.50: peak 44.50.
SELECT total_rounds, bets, wins, losses, skips, voids, win_rate_percent, total_staked, total_payout,
       total_profit, roi_percent, expected_profit, luck, longest_win_streak, longest_loss_streak,
       current_streak, max_drawdown, peak_balance, current_balance, first_round_at
  FROM crash_analytics.get_bot_statistics('beta');
-- aviator/dafabet now: r5..r11 and b5..b7: rounds 10, bets 9, wins 3 + 1,
--   losses 2 + 2, skips 1, voids 1; staked 60 + 28 = 88.00, payout 70 + 24
--   = 94.00, profit 6.00, ROI 6.82% (6/88 = 0.068182)
SELECT rounds, bets, wins, losses, skips, voids, total_staked, total_payout, total_profit, roi_percent
  FROM crash_analytics.get_game_statistics('aviator', 'dafabet');
-- the statistics equal a recomputation over the rounds that remain
SELECT g.rounds = r.rounds AND g.total_staked = r.staked AND g.total_payout = r.payout
       AND g.expected_profit = r.expected AS game_statistics_match_rounds
  FROM crash_analytics.get_game_statistics('aviator', 'dafabet') g,
       (SELECT count(*) AS rounds, sum(stake_value) AS staked, sum(payout_value) AS payout,
               sum(expected_profit) AS expected
          FROM crash_analytics.crash_game_rounds WHERE game_name = 'aviator' AND platform_code = 'dafabet') r;
-- the distribution lost av-1..av-4 (1.50 3.00 1.00 1.20): 8 platform rounds
--   1.00 (watched) 1.10 1.30 1.40 2.00 2.50 5.00 12.00: [1,2) 4, [2,-) 4
SELECT bucket_low, bucket_high, multipliers, percent
  FROM crash_analytics.get_multiplier_distribution('aviator', 'dafabet', buckets => '{1.00, 2.00}');
SELECT crash_analytics.refresh_analytics(concurrently => true);
-- alpha's aviator/dafabet day now holds r5..r11: 7 rounds, 60.00 staked, +10.00
SELECT bot_id, game_name, platform_code, rounds, total_staked, total_profit
  FROM crash_analytics.mv_daily_bot_performance ORDER BY bot_id, game_name, platform_code;
-- Rules changed (rolled back): alpha now runs {"rule": "high_after",
--   "above": 10.00, "target": 2.00}.  The multipliers logged before the
--   change met the old rule, so the replay does not judge them (its two
--   signals stay unreported); a round logged after it is judged: a3 r1 at
--   15.00 (multiplier 29: 25..28 went to delta's rolled-back rounds) fires
--   high_after; deleted, its signal is reported missing, and the series
--   state, which counted it open, counts one open signal too many.
BEGIN;
SELECT crash_analytics.register_bot('alpha', signal_rules => '[{"rule": "high_after", "above": 10.00, "target": 2.00}]')
       IS NOT NULL AS rules_changed;
SELECT crash_analytics.log_crash_round('alpha', 'a3', 'aviator', 'dafabet', 1, 0, 15.00,
  round_started_at => '2026-01-05 13:39:40+00', round_ended_at => '2026-01-05 13:40:00+00') IS NOT NULL AS a3_r1;
SELECT signal_type, pattern_match, target_multiplier, emitted_after_round, feature_vector
  FROM crash_analytics.analytics_round_signals WHERE bot_id = 'alpha' ORDER BY id;
SELECT count(*) FILTER (WHERE NOT ok) AS checks_failed FROM crash_analytics.verify_consistency();
DELETE FROM crash_analytics.analytics_round_signals WHERE bot_id = 'alpha' AND signal_type = 'high_after';
SELECT table_name, row_key, column_name, stored, expected FROM crash_analytics.signal_differences('alpha')
 ORDER BY table_name, row_key;
ROLLBACK;
-- A bot that only watches (rolled back): epsilon watches jetx/demo, 2.00 at
--   09:00 and 1.50 at 09:10, before any round of the data set.  A purge
--   before 09:05 deletes the 2.00 (1 multiplier, nothing else) and rebuilds
--   epsilon although it has no round, which drops its series state (1.0
--   rebuilt only bots with rounds to purge, so the state kept the 2.00 and
--   the next multiplier gave {200,150,400}); the next multiplier, 4.00 at
--   09:20, rebuilds it from what is stored: {150,400}.
BEGIN;
SELECT crash_analytics.log_round_multiplier_analytics('epsilon', 'e1', 'jetx', 'demo', 1, 2.00,
  observed_at => '2026-01-05 09:00:00+00') IS NOT NULL AS e1,
       crash_analytics.log_round_multiplier_analytics('epsilon', 'e1', 'jetx', 'demo', 2, 1.50,
  observed_at => '2026-01-05 09:10:00+00') IS NOT NULL AS e2;
SELECT recent_hundredths FROM crash_analytics.bot_series_state WHERE bot_id = 'epsilon';
SELECT * FROM crash_analytics.purge_rounds_before('2026-01-05 09:05:00+00');
SELECT count(*) AS epsilon_states FROM crash_analytics.bot_series_state WHERE bot_id = 'epsilon';
SELECT crash_analytics.log_round_multiplier_analytics('epsilon', 'e1', 'jetx', 'demo', 3, 4.00,
  observed_at => '2026-01-05 09:20:00+00') IS NOT NULL AS e3;
SELECT recent_hundredths FROM crash_analytics.bot_series_state WHERE bot_id = 'epsilon';
SELECT count(*) FILTER (WHERE NOT ok) AS checks_failed FROM crash_analytics.verify_consistency();
ROLLBACK;
-- a cutoff that is not a finite timestamp: 22023
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.purge_rounds_before('infinity')$$);
SELECT pg_temp.fails($$SELECT * FROM crash_analytics.purge_rounds_before(NULL)$$);

-- ======================================================================
-- 15. The helpers' edge cases
-- ======================================================================
-- Wilson: no trial -> NULL; 0/10 -> 0.00 .. 27.75; 10/10 -> 72.25 .. 100.00
SELECT crash_analytics.wilson_low_percent(0, 0) AS low_0_0, crash_analytics.wilson_high_percent(0, 0) AS high_0_0,
       crash_analytics.wilson_low_percent(0, 10) AS low_0_10, crash_analytics.wilson_high_percent(0, 10) AS high_0_10,
       crash_analytics.wilson_low_percent(10, 10) AS low_10_10, crash_analytics.wilson_high_percent(10, 10) AS high_10_10;
SELECT * FROM pg_temp.wilson(0, 10);
SELECT * FROM pg_temp.wilson(10, 10);
-- successes outside [0, trials]: 22023
SELECT pg_temp.fails($$SELECT crash_analytics.wilson_low_percent(3, 2)$$);
SELECT pg_temp.fails($$SELECT crash_analytics.wilson_high_percent(-1, 5)$$);
-- ROI interval: NULL with fewer than two bets or nothing staked; 1,000 bets
--   of 1.00 at 2x, 500 won (+1) and 500 lost (-1): profit 0, squares 1000,
--   var 1000/999, interval 100 (0 -+ 1.959964 sqrt(1000 x 1.001001)) / 1000
--   = -/+ 6.20, bets needed (195.9964)^2 x 1.001001 = 38453.04 -> 38454
--   (PRODUCT.md: about 38,000 bets at 2x)
SELECT crash_analytics.roi_ci_low_percent(1, 10.00, 5.00, 25) AS one_bet,
       crash_analytics.roi_ci_low_percent(2, 0, 0, 0) AS nothing_staked,
       crash_analytics.roi_ci_low_percent(1000, 1000, 0, 1000) AS low,
       crash_analytics.roi_ci_high_percent(1000, 1000, 0, 1000) AS high,
       crash_analytics.bets_for_roi_margin(1000, 1000, 0, 1000) AS bets_needed;
SELECT * FROM pg_temp.roi_ci(1000, 1000, 0, 1000);
-- p-value: no variance -> 0 if more hits than expected, else 1; 10 hits
--   when chance expects 5 with variance 2.5: z = (10 - 0.5 - 5) / 1.581139
--   = 2.846050, P = 0.0022
SELECT crash_analytics.chance_p_value(5, 5, 0) AS as_expected,
       crash_analytics.chance_p_value(6, 5, 0) AS above,
       round(crash_analytics.chance_p_value(10, 5, 2.5)::numeric, 4) AS ten_of_five;
-- periods and limits
SELECT crash_analytics.check_period(NULL, NULL) AS unbounded,
       crash_analytics.check_period('2026-01-05', '2026-01-05') AS empty_period,
       crash_analytics.check_row_limit(1) AS limit_1;
SELECT pg_temp.fails($$SELECT crash_analytics.check_period('2026-01-06', '2026-01-05')$$);
SELECT pg_temp.fails($$SELECT crash_analytics.check_row_limit(0)$$);
-- UTC hours
SELECT crash_analytics.utc_hour_floor('2026-01-05 10:30:00+00') AS floor_1030,
       crash_analytics.utc_hour_ceil('2026-01-05 10:30:00+00') AS ceil_1030,
       crash_analytics.utc_hour_floor('2026-01-05 11:00:00+00') AS floor_1100,
       crash_analytics.utc_hour_ceil('2026-01-05 11:00:00+00') AS ceil_1100,
       crash_analytics.utc_hour_floor('2026-01-05 10:30:00+05:30') AS floor_0500utc;
-- require_game: a game on any platform, a game on one platform
SELECT crash_analytics.require_game('jetx', NULL) AS jetx, crash_analytics.require_game('jetx', 'demo') AS jetx_demo;
SELECT pg_temp.fails($$SELECT crash_analytics.require_game('jetx', 'nowhere')$$);

-- ======================================================================
-- 16. Platforms with different RTPs: the theory is the mixture
-- ======================================================================
-- aviator on a platform paying 90%, where gamma watched 3.00 and 1.00.
-- After the purge, aviator has 11 platform rounds: dafabet 1.00 (watched)
-- 1.10 1.30 1.40 2.00 2.50 5.00 12.00, demo 1.80, lowrtp 3.00 1.00.
SELECT crash_analytics.register_game_platform('aviator', 'lowrtp', 0.90) IS NOT NULL AS registered;
SELECT crash_analytics.log_round_multiplier_analytics('gamma', 'g1', 'aviator', 'lowrtp', 1, 3.00,
  observed_at => '2026-01-05 14:00:00+00') IS NOT NULL AS watched_1,
       crash_analytics.log_round_multiplier_analytics('gamma', 'g1', 'aviator', 'lowrtp', 2, 1.00,
  observed_at => '2026-01-05 14:10:00+00') IS NOT NULL AS watched_2;
-- buckets {1.00, 1.01, 2.00}: observed 1.00 1.00 = 2 (18.18%), 1.10 1.30
--   1.40 1.80 = 4 (36.36%, cumulative 54.55), 2.00 2.50 3.00 5.00 12.00 =
--   5 (45.45%); theory weighted by platform (9 rounds at 0.97, 2 at 0.90):
--   [1.00,1.01): (9 (1 - 0.97/1.01) + 2 (1 - 0.90/1.01)) / 11 = (9 x
--     0.039604 + 2 x 0.108911) / 11 = 0.574257 / 11 = 5.22
--   [1.01,2.00): (9 (0.960396 - 0.485) + 2 (0.891089 - 0.45)) / 11 =
--     5.160743 / 11 = 46.92 (cumulative 52.14)
--   [2.00,-): (9 x 0.485 + 2 x 0.45) / 11 = 5.265 / 11 = 47.86
SELECT * FROM crash_analytics.get_multiplier_distribution('aviator', buckets => '{1.00, 1.01, 2.00}');
-- quantiles: the mixture's P(X >= x) = (mean RTP)/x with mean RTP (9 x 0.97
--   + 2 x 0.90) / 11 = 0.957273: median 1.914545 - 0.01 -> 1.91 (observed:
--   6th of 1.00 1.00 1.10 1.30 1.40 1.80 2.00 2.50 3.00 5.00 12.00 = 1.80);
--   0.9: 9.572727 - 0.01 = 9.562727 -> 9.57 (observed 10th = 5.00)
SELECT * FROM crash_analytics.get_multiplier_quantiles('aviator', probabilities => '{0.5, 0.9}');
-- lowrtp alone: 1.00 and 3.00; median 1st = 1.00, theory 1.80 - 0.01 = 1.79
SELECT * FROM crash_analytics.get_multiplier_quantiles('aviator', 'lowrtp', probabilities => '{0.5}');
SELECT count(*) FILTER (WHERE ok) AS checks_ok, count(*) FILTER (WHERE NOT ok) AS checks_failed
  FROM crash_analytics.verify_consistency();

DROP EXTENSION crash_analytics;
DROP SCHEMA crash_analytics;
