-- a back-fill: INSERT ... SELECT of 8 rounds for several bots (not in bot
-- order), half of them retries from the hot range (skipped by the trigger)
\set seed random(1, 2000000000)
INSERT INTO crash_analytics.crash_game_rounds (bot_id, session_id, game_name, platform_code, round_number, bet_slot, stake_value, crash_multiplier, cashout_multiplier, target_multiplier, round_outcome, strategy_name) SELECT * FROM rel.rows(:seed, 8);
