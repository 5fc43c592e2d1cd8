-- a back-fill: INSERT ... SELECT of 8 rounds for several bots, half of them
-- retries from the hot range (skipped by the trigger).  The rows come in
-- bot_id order: the trigger takes each bot's lock as its first row arrives
-- and keeps it, so two back-fills that met the same bots in opposite orders
-- could deadlock (README, Reliability); in one order they never do.
\set seed random(1, 2000000000)
INSERT INTO crash_analytics.crash_game_rounds (bot_id, session_id, game_name, platform_code, round_number, bet_slot, stake_value, crash_multiplier, cashout_multiplier, target_multiplier, round_outcome, strategy_name) SELECT * FROM rel.rows(:seed, 8) ORDER BY bot_id;
