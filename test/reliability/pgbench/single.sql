-- one round per transaction, 6 bots x 3 sessions x 2 slots; 40% of the calls
-- draw from the hot range 1..50, where nearly every call is a retry of a
-- logged round (often racing another client sending the same round)
\set b random(1, 6)
\set s random(1, 3)
\set slot random(1, 2)
\set hot random(1, 100)
\if :hot <= 40
\set rn random(1, 50)
\else
\set rn random(1000, 999999999)
\endif
SELECT crash_analytics.log_crash_round(bot_id => r.bot_id, session_id => r.session_id, game_name => r.game_name, platform_code => r.platform_code, round_number => r.round_number, bet_slot => r.bet_slot, stake_value => r.stake_value, crash_multiplier => r.crash_multiplier, cashout_multiplier => r.cashout_multiplier, target_multiplier => r.target_multiplier, round_outcome => r.round_outcome, strategy_name => r.strategy_name) FROM rel.round(:b, :s, :rn, :slot) r;
