-- The seed's quick start (crash-analytics-start-here.md), translated to SQL.
-- Its three snippets must give a win rate of 100% and a total profit of 3.30.

-- 1. init_db(): create everything, once per database
CREATE EXTENSION crash_analytics;

-- 2. log your first round, with the seed's named arguments
SELECT crash_analytics.log_crash_round(
  bot_id => 'my_bot', session_id => 'session_1', game_name => 'aviator', platform_code => 'dafabet',
  round_number => 1, stake_value => 10.00, crash_multiplier => 2.45, cashout_multiplier => 1.33,
  round_outcome => 'WIN', profit_loss => 3.30,
  running_balance_before => 1000.00, running_balance_after => 1003.30) AS round_id;

-- 3. query results
SELECT total_rounds, win_rate_percent, total_profit, roi_percent
  FROM crash_analytics.get_bot_statistics('my_bot');

-- what the one call wrote: the round, its multiplier, its outcome, the session,
-- the bot's registration and its roll-ups
SELECT id, bot_id, session_id, round_number, bet_slot, round_outcome, outcome_source,
       stake_value, crash_multiplier, cashout_multiplier, final_multiplier,
       payout_value, profit_loss, roi_percent, running_balance_before, running_balance_after,
       currency, game_rtp, win_probability, expected_profit, is_instant_crash, ingest_path
  FROM crash_analytics.crash_game_rounds;
SELECT id, round_id, round_number, multiplier, is_instant_crash, source
  FROM crash_analytics.analytics_round_multipliers;
SELECT id, round_id, outcome, stake_value, payout_value, profit_loss, roi_percent,
       win_probability, expected_profit
  FROM crash_analytics.analytics_round_outcomes;
SELECT session_id, status, rounds_played, bets_placed, wins, losses, total_staked,
       total_payout, total_profit, balance_start, balance_current, peak_balance, max_drawdown
  FROM crash_analytics.session_logs;
SELECT bot_id, registered_via, status FROM crash_analytics.bot_vm_registration;
SELECT bot_id, rounds, wins, total_profit, expected_profit, best_profit, worst_profit,
       current_streak, longest_win_streak, peak_profit, max_drawdown, current_balance
  FROM crash_analytics.bot_rollups;

-- a retry of the same round returns the same id and changes nothing
SELECT crash_analytics.log_crash_round(
  bot_id => 'my_bot', session_id => 'session_1', game_name => 'aviator', platform_code => 'dafabet',
  round_number => 1, stake_value => 10.00, crash_multiplier => 2.45, cashout_multiplier => 1.33,
  round_outcome => 'WIN', profit_loss => 3.30,
  running_balance_before => 1000.00, running_balance_after => 1003.30) AS same_round_id;
SELECT total_rounds, total_profit FROM crash_analytics.get_bot_statistics('my_bot');

DROP EXTENSION crash_analytics;
DROP SCHEMA crash_analytics;
