-- Regression tests for eight bugs found while writing the suites (fixed):
-- refresh_analytics() failing on every call, balances tolerated one minor
-- unit off on LOSS/VOID/SKIP, a WIN with balances but no profit storing a
-- profit the balances contradict, money not stored at the currency's
-- decimals, watched multipliers accepted into ended sessions, and rounds of
-- another game mixed into a session.
SET timezone = 'UTC';
SET extra_float_digits = 0;
SET datestyle = 'ISO, YMD';
CREATE EXTENSION crash_analytics;

-- 'accepted', or 'refused' with the SQLSTATE
CREATE FUNCTION pg_temp.outcome(sql text, show_sqlstate boolean DEFAULT true) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	st text;
BEGIN
	EXECUTE sql;
	RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE;
	RETURN 'refused' || CASE WHEN show_sqlstate THEN ' ' || st ELSE '' END;
END
$$;

-- ======================================================================
-- Bug 1: refresh_analytics() fails on every call, with or without
-- concurrently:
--   ERROR:  syntax error at end of input
--   QUERY:  concurrently
--   CONTEXT:  PL/pgSQL function crash_analytics.refresh_analytics(boolean) line 3 at IF
-- CONCURRENTLY is a reserved key word, so "IF concurrently THEN" cannot name
-- the parameter; "IF $1 THEN" (or refresh_analytics.concurrently) works.
-- Expected: both calls return void and the views hold the round.
-- ======================================================================
SELECT crash_analytics.log_crash_round('k1', 's1', 'aviator', 'dafabet', 1, 10.00, 2.45, 1.33,
  round_started_at => '2026-01-05 10:00:00+00') AS k1_round;
SELECT crash_analytics.refresh_analytics();
SELECT crash_analytics.refresh_analytics(concurrently => true);
SELECT bot_id, day, rounds, total_profit FROM crash_analytics.mv_daily_bot_performance;
SELECT game_name, hour_utc, multipliers FROM crash_analytics.mv_hourly_game_statistics;

-- ======================================================================
-- Bug 2: running_balance_after is accepted one minor unit off on a LOSS, a
-- VOID and a SKIP.  derive.c (its header), the README and PRODUCT.md's
-- derivation say: within one minor unit on a WIN (casinos round payouts),
-- exactly otherwise.  A SKIP, which bets nothing, moves the balance 0.01.
-- Expected: refused with 22023, as a WIN off by two units is.
-- ======================================================================
-- LOSS: 1000.00 - 10.00 = 990.00, sent 990.01
SELECT pg_temp.outcome($$SELECT crash_analytics.log_crash_round('k2', 's1', 'aviator', 'dafabet', 1,
  10.00, 1.20, 1.50, 'LOSS', running_balance_before => 1000.00, running_balance_after => 990.01)$$) AS loss_off_by_one;
-- VOID: 1000.00 + 0 = 1000.00, sent 1000.01
SELECT pg_temp.outcome($$SELECT crash_analytics.log_crash_round('k2', 's1', 'aviator', 'dafabet', 2,
  10.00, 1.00, round_outcome => 'VOID', running_balance_before => 1000.00, running_balance_after => 1000.01)$$) AS void_off_by_one;
-- SKIP: 1000.00 + 0 = 1000.00, sent 999.99
SELECT pg_temp.outcome($$SELECT crash_analytics.log_crash_round('k2', 's1', 'aviator', 'dafabet', 3,
  0, 1.50, running_balance_before => 1000.00, running_balance_after => 999.99)$$) AS skip_off_by_one;
-- control, correct today: a WIN may be one unit off (10.00 x 1.50 -> 1005.00, sent 1005.01)
SELECT pg_temp.outcome($$SELECT crash_analytics.log_crash_round('k2', 's1', 'aviator', 'dafabet', 4,
  10.00, 2.00, 1.50, running_balance_before => 1000.00, running_balance_after => 1005.01)$$) AS win_off_by_one;

-- ======================================================================
-- Bug 3: a WIN without profit_loss whose balances differ by the casino's
-- rounding is stored with profit_loss <> running_balance_after -
-- running_balance_before.  3.33 x 1.33 = 4.4289: derived payout 4.43, profit
-- 1.10; the balance moved 115.00 -> 116.11 (the casino paid 4.44).  Stored
-- today: profit_loss 1.10, payout 4.43, balances 115.00 / 116.11, so the
-- session's profit and its balance drift apart by 0.01 per such round.
-- Expected: the stored round satisfies balance_after = balance_before + profit
-- (PRODUCT.md section 3), e.g. by taking the casino's balance as the truth the
-- way a sent profit_loss is (profit 1.11, payout 4.44).
-- ======================================================================
SELECT pg_temp.outcome($$SELECT crash_analytics.log_crash_round('k3', 's1', 'aviator', 'dafabet', 1,
  3.33, 1.40, 1.33, running_balance_before => 115.00, running_balance_after => 116.11)$$) AS k3_round;
SELECT bool_and(profit_loss = running_balance_after - running_balance_before) AS balance_agrees_with_profit,
       bool_and(payout_value - stake_value = profit_loss) AS payout_agrees_with_profit
  FROM crash_analytics.crash_game_rounds WHERE bot_id = 'k3';
SELECT bool_and(total_profit = balance_current - balance_start) AS session_balance_agrees_with_profit
  FROM crash_analytics.session_logs WHERE bot_id = 'k3';

-- ======================================================================
-- Bug 4: money is stored with the scale it was sent in, not the currency's.
-- The table comment of crash_game_rounds says "money carries at most the
-- currency's decimals: the C code normalises both before the row is stored";
-- a stake of 10.0000 USD is stored as 10.0000 and its profit as 10.0000.
-- Expected: stake_value, payout_value and profit_loss with at most 2 decimals.
-- ======================================================================
SELECT pg_temp.outcome($$SELECT crash_analytics.log_crash_round('k4', 's1', 'jetx', 'dafabet', 1,
  10.0000, 2.50, 2.00)$$) AS k4_round;
SELECT scale(stake_value) <= 2 AND scale(payout_value) <= 2 AND scale(profit_loss) <= 2 AS money_has_currency_decimals
  FROM crash_analytics.crash_game_rounds WHERE bot_id = 'k4';

-- ======================================================================
-- Bug 5 (a judgement call): log_round_multiplier_analytics logs a watched
-- round into a session that has ended, and resolves the bot's open signals
-- with it; log_crash_round refuses the same round (a SKIP) with 55000
-- "session ... has ended".  Expected: refused with 55000 too.
-- ======================================================================
SELECT crash_analytics.start_session('k5', 'done', 'aviator', 'dafabet', started_at => '2026-01-05 09:00:00+00') IS NOT NULL AS k5_started;
SELECT crash_analytics.end_session('k5', 'done', ended_at => '2026-01-05 10:00:00+00') IS NOT NULL AS k5_ended;
SELECT pg_temp.outcome($$SELECT crash_analytics.log_crash_round('k5', 'done', 'aviator', 'dafabet', 1, 0, 2.00)$$) AS skip_round;
SELECT pg_temp.outcome($$SELECT crash_analytics.log_round_multiplier_analytics('k5', 'done', 'aviator', 'dafabet', 1, 2.00)$$) AS watched_round;

-- ======================================================================
-- Bug 6 (a judgement call): a session started on aviator/dafabet accepts a
-- round of jetx/dafabet, and its figures then mix two games while
-- session_logs still says aviator; start_session refuses to restart the same
-- session on another game (23505).  Expected: the round is refused.
-- ======================================================================
SELECT crash_analytics.start_session('k6', 's1', 'aviator', 'dafabet', 100.00, started_at => '2026-01-05 09:00:00+00') IS NOT NULL AS k6_started;
SELECT pg_temp.outcome($$SELECT crash_analytics.log_crash_round('k6', 's1', 'jetx', 'dafabet', 1, 10.00, 2.00, 1.50)$$, false) AS other_game_round;

-- 7. A balance taken from the session is not used when it cannot cover the stake:
--    the round is stored with its balances unknown (8.00 cannot pay a 10.00 stake).
SELECT crash_analytics.start_session('k7', 's1', 'aviator', 'dafabet', balance_start => 8.00) IS NOT NULL AS k7_started;
SELECT crash_analytics.log_crash_round('k7', 's1', 'aviator', 'dafabet', 1, stake_value => 10.00,
  crash_multiplier => 2.00, cashout_multiplier => 1.50) IS NOT NULL AS k7_logged;
SELECT stake_value, running_balance_before, running_balance_after
  FROM crash_analytics.crash_game_rounds WHERE bot_id = 'k7';

-- 8. The one-cent tolerance of a win applies once: a profit of 0.51 (derived 0.50) is
--    accepted, but then the balances must move by exactly 0.51, not 0.52.
SELECT pg_temp.outcome($$SELECT crash_analytics.log_crash_round('k8', 's1', 'aviator', 'dafabet', 1,
  stake_value => 1.00, crash_multiplier => 2.00, cashout_multiplier => 1.50, profit_loss => 0.51,
  running_balance_before => 10.00, running_balance_after => 10.52)$$) AS tolerance_twice;
SELECT pg_temp.outcome($$SELECT crash_analytics.log_crash_round('k8', 's1', 'aviator', 'dafabet', 1,
  stake_value => 1.00, crash_multiplier => 2.00, cashout_multiplier => 1.50, profit_loss => 0.51,
  running_balance_before => 10.00, running_balance_after => 10.51)$$) AS tolerance_once;

-- ======================================================================
-- Found by the bad-input volume suite (test/reliability/bad_input_volume.sh).
-- 9. verify_consistency() crashed the backend (SIGSEGV) once a bot's index
--    held the entry of a rolled-back row: the replay's index scan kept state
--    in a context reset after every round.  A refused batch leaves one.
-- ======================================================================
SELECT pg_temp.outcome($$SELECT crash_analytics.log_crash_rounds('[
  {"bot_id": "k9", "session_id": "s1", "game_name": "aviator", "platform_code": "dafabet", "round_number": 1,
   "crash_multiplier": 1.50, "round_started_at": "2026-03-01 00:00:00+00"},
  {"bot_id": "k9", "session_id": "s1", "game_name": "aviator", "platform_code": "dafabet", "round_number": -1,
   "crash_multiplier": 2.00}]')$$) AS refused_batch;
SELECT crash_analytics.log_crash_round('k9', 's1', 'aviator', 'dafabet', 1, crash_multiplier => 1.04,
  round_started_at => '2026-03-01 00:00:00+00') > 0 AS k9_round_1;
SELECT crash_analytics.log_crash_round('k9', 's1', 'aviator', 'dafabet', 2, crash_multiplier => 2.48,
  round_started_at => '2026-03-01 00:00:10+00',
  metadata => (SELECT jsonb_object_agg('k' || i, 'vvvvvvvv') FROM generate_series(0, 1500) i)) > 0 AS k9_round_2;
SELECT check_name, ok, differences FROM crash_analytics.verify_consistency() ORDER BY check_name;

-- 10. A 128-character strategy name of 3-byte characters is valid, but the
--     replay cut its hourly keys at 320 bytes: three hours collapsed into one,
--     verify_consistency() reported 30 false differences and rebuild_rollups()
--     wrote one hourly row of 3 rounds.
SELECT count(crash_analytics.log_crash_round('k10', 's1', 'aviator', 'dafabet', n, 1.00, 2.00, 1.50,
  strategy_name => repeat('策', 128),
  round_started_at => timestamptz '2026-03-01 00:00:00+00' + n * interval '1 hour')) AS k10_rounds
  FROM generate_series(1, 3) n;
SELECT check_name, differences FROM crash_analytics.verify_consistency() WHERE NOT ok;
SELECT crash_analytics.rebuild_rollups('k10') IS NOT NULL AS k10_rebuilt;
SELECT hour_start, rounds FROM crash_analytics.bot_hourly_rollups WHERE bot_id = 'k10' ORDER BY hour_start;

-- 11. register_game_platform let a bad currency, max_multiplier or max_bet
--     reach the table's CHECK constraints (23514): now each is named.
SELECT crash_analytics.register_game_platform('g11', 'p11', 0.97, currency => 'U$');
SELECT crash_analytics.register_game_platform('g11', 'p11', 0.97, currency => 'E');
SELECT crash_analytics.register_game_platform('g11', 'p11', 0.97, max_multiplier => 1e8);
SELECT crash_analytics.register_game_platform('g11', 'p11', 0.97, max_bet => 1e15);
SELECT count(*) AS g11_rows FROM crash_analytics.game_platform_config WHERE game_name = 'g11';
SELECT crash_analytics.register_game_platform('g11', 'p11', 0.97, currency => 'usdt', max_multiplier => 99999999.99) > 0 AS g11_registered;
SELECT currency, max_multiplier FROM crash_analytics.game_platform_config WHERE game_name = 'g11';

-- 12. grant_bot_writer took any bot_id, while the per-backend cache of grants
--     cut ids at 512 bytes: it takes the bot ids logging takes.
CREATE ROLE ca_k12_writer;
SELECT crash_analytics.grant_bot_writer('ca_k12_writer', repeat('b', 129));
SELECT crash_analytics.grant_bot_writer('ca_k12_writer', '');
SELECT crash_analytics.grant_bot_writer('ca_k12_writer', E'bot\n1');
SELECT count(*) AS k12_grants FROM crash_analytics.bot_writers WHERE role = 'ca_k12_writer'::regrole;
SELECT crash_analytics.revoke_bot_writer('ca_k12_writer');
DROP ROLE ca_k12_writer;

-- 13. An operator's own index on a table of ours, if it indexed an expression,
--     made every write of that table fail with an internal error ("expression
--     indexes are not supported"): the writer now maintains it like any other.
--     amcheck's heapallindexed check proves each index holds every row.
CREATE EXTENSION amcheck;
CREATE INDEX k13_rounds ON crash_analytics.crash_game_rounds ((lower(strategy_name)));
CREATE INDEX k13_multipliers ON crash_analytics.analytics_round_multipliers ((round(multiplier, 0)))
  WHERE multiplier >= 2;
CREATE INDEX k13_outcomes ON crash_analytics.analytics_round_outcomes ((profit_loss * 100));
CREATE INDEX k13_sessions ON crash_analytics.session_logs ((rounds_played % 2));
SELECT count(crash_analytics.log_crash_round('k13', 's1', 'aviator', 'dafabet', n, 1.00, m, 1.50,
  strategy_name => 'Flat_1.50x', round_started_at => timestamptz '2026-03-02 00:00:00+00' + n * interval '10 seconds'))
  AS k13_function_rounds
  FROM unnest(ARRAY[1.20, 2.40, 3.10]) WITH ORDINALITY AS t(m, n);
SELECT cardinality(crash_analytics.log_crash_rounds('[
  {"bot_id": "k13", "session_id": "s1", "game_name": "aviator", "platform_code": "dafabet", "round_number": 4,
   "stake_value": 1.00, "crash_multiplier": 5.00, "cashout_multiplier": 1.50, "strategy_name": "Flat_1.50x"},
  {"bot_id": "k13", "session_id": "s1", "game_name": "aviator", "platform_code": "dafabet", "round_number": 5,
   "stake_value": 1.00, "crash_multiplier": 1.00, "cashout_multiplier": 1.50, "strategy_name": "Flat_1.50x"}]'))
  AS k13_batch_rounds;
SELECT i AS k13_index, public.bt_index_check(i::regclass, true) AS checked
  FROM unnest(ARRAY['crash_analytics.k13_rounds', 'crash_analytics.k13_multipliers',
                    'crash_analytics.k13_outcomes', 'crash_analytics.k13_sessions']) AS i;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
-- through the expression indexes: 5 rounds, 3 multipliers of 2x or more
-- (2.40, 3.10, 5.00), 3 winning outcomes of +0.50, a session at 5 rounds
SELECT count(*) AS k13_rounds FROM crash_analytics.crash_game_rounds WHERE lower(strategy_name) = 'flat_1.50x';
SELECT count(*) AS k13_multipliers FROM crash_analytics.analytics_round_multipliers
 WHERE round(multiplier, 0) >= 2 AND multiplier >= 2 AND bot_id = 'k13';
SELECT count(*) AS k13_wins FROM crash_analytics.analytics_round_outcomes WHERE profit_loss * 100 = 50 AND bot_id = 'k13';
SELECT count(*) AS k13_odd_sessions FROM crash_analytics.session_logs WHERE rounds_played % 2 = 1 AND bot_id = 'k13';
RESET enable_seqscan;
RESET enable_bitmapscan;
SELECT check_name, differences FROM crash_analytics.verify_consistency() WHERE NOT ok;
DROP INDEX crash_analytics.k13_rounds, crash_analytics.k13_multipliers, crash_analytics.k13_outcomes,
  crash_analytics.k13_sessions;
DROP EXTENSION amcheck;

-- 14. Back-filled rounds were folded into streaks, drawdown and balances in
--     logging order, and a session started at its first round logged: the
--     audit's case, rounds 3 (a loss) and 4 (a win) logged first, then 1 and 2
--     (losses) played before them, gave current balance 100.00, longest loss
--     streak 2, drawdown 20.00 and a session lasting -00:01:00.  In play order
--     the rounds are L L L W from 100.00: cumulative profit -10, -20, -30,
--     -20.00, so the longest loss streak is 3, the current streak +1, the
--     drawdown 30.00 (from the start, 0, to -30.00), the balance 80.00 (after
--     round 4), the bot's peak the highest balance after a round, 90.00 (the
--     session's counts its start, 100.00), and the session starts with round
--     1 (10:01, 100.00) and lasts 3 minutes.  Round 1 comes through log_crash_round, round 2 through
--     INSERT: each path replays the bot.
SELECT crash_analytics.log_crash_round('k14', 's', 'aviator', 'dafabet', 3, 10.00, 1.10, 2.00,
  running_balance_before => 80.00, round_started_at => '2026-03-01 10:03:00+00') > 0 AS k14_round_3,
  crash_analytics.log_crash_round('k14', 's', 'aviator', 'dafabet', 4, 10.00, 3.00, 2.00,
  running_balance_before => 70.00, round_started_at => '2026-03-01 10:04:00+00') > 0 AS k14_round_4,
  crash_analytics.log_crash_round('k14', 's', 'aviator', 'dafabet', 1, 10.00, 1.20, 2.00,
  running_balance_before => 100.00, round_started_at => '2026-03-01 10:01:00+00') > 0 AS k14_round_1;
INSERT INTO crash_analytics.crash_game_rounds (bot_id, session_id, game_name, platform_code, round_number,
  stake_value, crash_multiplier, cashout_multiplier, running_balance_before, round_started_at)
VALUES ('k14', 's', 'aviator', 'dafabet', 2, 10.00, 1.30, 2.00, 90.00, '2026-03-01 10:02:00+00');
SELECT total_rounds, wins, losses, total_profit, longest_win_streak, longest_loss_streak, current_streak,
       max_drawdown, peak_balance, current_balance, first_round_at, last_round_at
  FROM crash_analytics.get_bot_statistics('k14');
SELECT started_at, last_round_at, duration, balance_start, balance_current, peak_balance, max_drawdown,
       last_round_number
  FROM crash_analytics.get_session_summary('s', 'k14');
SELECT check_name, differences FROM crash_analytics.verify_consistency() WHERE NOT ok;

-- 15. A back-filled round sent without balances took the session's latest
--     balance as its balance before: a session started at 10:00:30 with
--     100.00 and a lost round at 10:01 (100.00 -> 90.00), then a round of
--     10:00 sent without balances, stored 90.00 -> 80.00, and the replay
--     made 90.00 the session's start.  The session's latest balance is the
--     balance before a round played after its latest only: the back-filled
--     round's balances stay unknown, the session starts with it (10:00) at
--     the balance it was started with, 100.00, and its balance is still the
--     one after its latest round, 90.00.
SELECT crash_analytics.start_session('k15', 's', 'aviator', 'dafabet', balance_start => 100.00,
  started_at => '2026-03-01 10:00:30+00') > 0 AS k15_session,
  crash_analytics.log_crash_round('k15', 's', 'aviator', 'dafabet', 2, 10.00, 1.20, 2.00,
  round_started_at => '2026-03-01 10:01:00+00') > 0 AS k15_round_2,
  crash_analytics.log_crash_round('k15', 's', 'aviator', 'dafabet', 1, 10.00, 1.30, 2.00,
  round_started_at => '2026-03-01 10:00:00+00') > 0 AS k15_round_1;
SELECT round_number, running_balance_before, running_balance_after
  FROM crash_analytics.crash_game_rounds WHERE bot_id = 'k15' ORDER BY round_number;
SELECT started_at, balance_start, balance_current, peak_balance, total_profit
  FROM crash_analytics.get_session_summary('s', 'k15');
SELECT check_name, differences FROM crash_analytics.verify_consistency() WHERE NOT ok;

DROP EXTENSION crash_analytics;
DROP SCHEMA crash_analytics;
