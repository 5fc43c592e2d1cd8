\set rn random(1, 9000000000000000000)
SELECT ca_ref.log_crash_round(bot_id => 'pgr_' || :client_id, session_id => 's' || :client_id, game_name => 'aviator', platform_code => 'demo', round_number => :rn, stake_value => 1.00, crash_multiplier => (100 + (:rn)::bigint % 1000) / 100.0, cashout_multiplier => 1.50, strategy_name => 'flat_1.50x', target_multiplier => 1.50);
