/* sql/crash_analytics--1.1--1.2.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION crash_analytics UPDATE TO '1.2'" to load this file. \quit

/*
 * Version 1.2.  A fresh CREATE EXTENSION runs crash_analytics--1.0.sql,
 * crash_analytics--1.0--1.1.sql and then this script, so a new install and
 * an updated one are built by the same statements.
 *
 * A function whose body changes is dropped and created again (extension
 * scripts never use CREATE OR REPLACE); the grants made on it are carried
 * over to the new one (section 6), and a user's view or function that
 * depends on it stops the update with PostgreSQL's dependency error,
 * nothing changed.
 */

/* ========================================================================
 * 0. The grants on the functions this script re-creates, saved (section 6
 *    gives them back)
 * ======================================================================== */

-- (end of section 0)

/* ========================================================================
 * 1. Daily roll-ups
 * ======================================================================== */

-- (end of section 1)

/* ========================================================================
 * 2. Indexes
 * ======================================================================== */

-- (end of section 2)

/* ========================================================================
 * 3. Constraints
 * ======================================================================== */

/*
 * The validation rules of a round, as CHECKs on the rows.  log_crash_round,
 * log_crash_rounds and INSERT/COPY validate a round in C (derive.c) before
 * it is written, so a wrong round sent through them gets its named 22xxx
 * error and never reaches these.  A row inserted with derived_at already
 * set is a restored one (pg_restore) and is stored as it is: for it, and
 * for the derived rows restored beside it, these CHECKs are the only guard
 * (23514, naming the constraint).
 *
 * Each one holds for every row the C path stores, and only what holds on
 * the row itself is here: a CHECK cannot read game_platform_config, so the
 * game's bet limits, maximum multiplier and currency decimals stay C rules.
 * What the row does carry: money is stored rounded to the currency's
 * decimals, so stake_value's scale is those decimals, and a WIN's payout,
 * which may differ from stake x cash-out by one minor unit (a casino's
 * rounding), is checked to exactly that unit.  Not here: stake <=
 * running_balance_before (a bot that sends only the balance after a WIN can
 * have staked more than the balance before), the scale of the balances (a
 * session's start balance is kept as sent and carried into its rounds),
 * metadata and tags (an UPDATE may change them; no C check runs then), the
 * derived figures roi_percent, win_probability, expected_profit,
 * final_multiplier and round_duration_ms (verify_consistency() recomputes
 * them).
 *
 * ALTER TABLE validates existing rows: an update of a database holding a
 * row that breaks one stops with that constraint's name, nothing changed.
 * One statement per table, so each table is scanned once.
 *
 * Every CHECK is evaluated for every row written: these add about 34,000
 * instructions to a log_crash_round call, and half again to a one-row
 * INSERT statement, for which the executor plans every CHECK of the table
 * anew (README, Performance).  The name patterns use + and a length test:
 * a bounded repetition ({1,64}) made the regex about six times slower.
 */
ALTER TABLE crash_analytics.crash_game_rounds
	ADD CONSTRAINT crash_game_rounds_payout_check
		CHECK (CASE round_outcome
				   WHEN 'WIN' THEN pg_catalog.abs(payout_value - pg_catalog.round(stake_value * cashout_multiplier, pg_catalog.scale(stake_value)))
								   <= pg_catalog.power(10::numeric, -pg_catalog.scale(stake_value))
				   WHEN 'VOID' THEN payout_value = stake_value
				   ELSE payout_value = 0 END),
	ADD CONSTRAINT crash_game_rounds_win_cashout_check
		CHECK (round_outcome <> 'WIN' OR cashout_multiplier IS NOT NULL),
	ADD CONSTRAINT crash_game_rounds_skip_cashout_check
		CHECK (round_outcome <> 'SKIP' OR cashout_multiplier IS NULL),
	ADD CONSTRAINT crash_game_rounds_stake_limit_check
		CHECK (stake_value < 1e15),
	ADD CONSTRAINT crash_game_rounds_money_scale_check
		CHECK (pg_catalog.scale(stake_value) <= 8 AND pg_catalog.scale(payout_value) = pg_catalog.scale(stake_value)
			   AND pg_catalog.scale(profit_loss) = pg_catalog.scale(stake_value)),
	ADD CONSTRAINT crash_game_rounds_balance_range_check
		CHECK (running_balance_before >= 0 AND running_balance_before < 'Infinity'
			   AND running_balance_after >= 0 AND running_balance_after < 'Infinity'),
	ADD CONSTRAINT crash_game_rounds_balance_change_check
		CHECK (running_balance_after = running_balance_before + profit_loss),
	ADD CONSTRAINT crash_game_rounds_instant_check
		CHECK (is_instant_crash = (crash_multiplier = 1.00)),
	ADD CONSTRAINT crash_game_rounds_game_rtp_check
		CHECK (game_rtp > 0 AND game_rtp <= 1),
	ADD CONSTRAINT crash_game_rounds_timestamps_check
		CHECK (pg_catalog.isfinite(played_at) AND pg_catalog.isfinite(logged_at)
			   AND pg_catalog.isfinite(round_started_at) AND pg_catalog.isfinite(round_ended_at)
			   AND pg_catalog.isfinite(bet_placed_at) AND pg_catalog.isfinite(cashed_out_at)),
	ADD CONSTRAINT crash_game_rounds_time_order_check
		CHECK (round_ended_at >= round_started_at),
	ADD CONSTRAINT crash_game_rounds_game_name_check
		CHECK (game_name ~ '^[a-z0-9_]+$' AND pg_catalog.length(game_name) <= 64),
	ADD CONSTRAINT crash_game_rounds_platform_code_check
		CHECK (platform_code ~ '^[a-z0-9_.-]+$' AND pg_catalog.length(platform_code) <= 64),
	ADD CONSTRAINT crash_game_rounds_identifier_chars_check
		CHECK (bot_id !~ '[\x01-\x1f\x7f]' AND session_id !~ '[\x01-\x1f\x7f]'
			   AND platform_round_id !~ '[\x01-\x1f\x7f]'),
	ADD CONSTRAINT crash_game_rounds_detection_method_check
		CHECK (pg_catalog.length(detection_method) <= 64),
	ADD CONSTRAINT crash_game_rounds_ocr_raw_text_check
		CHECK (pg_catalog.length(ocr_raw_text) <= 8192),
	ADD CONSTRAINT crash_game_rounds_error_message_check
		CHECK (pg_catalog.length(error_message) <= 8192),
	ADD CONSTRAINT crash_game_rounds_server_seed_check
		CHECK (pg_catalog.length(server_seed) <= 512),
	ADD CONSTRAINT crash_game_rounds_server_seed_hash_check
		CHECK (pg_catalog.length(server_seed_hash) <= 512),
	ADD CONSTRAINT crash_game_rounds_client_seed_check
		CHECK (pg_catalog.length(client_seed) <= 512),
	ADD CONSTRAINT crash_game_rounds_round_hash_check
		CHECK (pg_catalog.length(round_hash) <= 512),
	ADD CONSTRAINT crash_game_rounds_step_nonce_check
		CHECK (bet_sequence_step >= 0 AND nonce >= 0);

COMMENT ON CONSTRAINT crash_game_rounds_payout_check ON crash_analytics.crash_game_rounds IS
	'The payout follows the outcome: 0 on a LOSS or a SKIP, the stake on a VOID, stake x cash-out rounded to the currency''s decimals on a WIN, within one minor unit (the decimals are stake_value''s scale).';
COMMENT ON CONSTRAINT crash_game_rounds_win_cashout_check ON crash_analytics.crash_game_rounds IS
	'A WIN has a cash-out multiplier (the one sent, or the target of an auto cash-out).';
COMMENT ON CONSTRAINT crash_game_rounds_skip_cashout_check ON crash_analytics.crash_game_rounds IS
	'A SKIP (no bet) has no cash-out multiplier.';
COMMENT ON CONSTRAINT crash_game_rounds_stake_limit_check ON crash_analytics.crash_game_rounds IS
	'A stake is below 10^15, the bound of every game''s max_bet (and a number: not NaN or Infinity).';
COMMENT ON CONSTRAINT crash_game_rounds_money_scale_check ON crash_analytics.crash_game_rounds IS
	'Stake, payout and profit are stored with the same number of decimals, the currency''s (0 to 8).';
COMMENT ON CONSTRAINT crash_game_rounds_balance_range_check ON crash_analytics.crash_game_rounds IS
	'Running balances, when known, are finite and not negative.';
COMMENT ON CONSTRAINT crash_game_rounds_balance_change_check ON crash_analytics.crash_game_rounds IS
	'running_balance_after = running_balance_before + profit_loss, exactly.';
COMMENT ON CONSTRAINT crash_game_rounds_instant_check ON crash_analytics.crash_game_rounds IS
	'is_instant_crash is true exactly when the crash multiplier is 1.00.';
COMMENT ON CONSTRAINT crash_game_rounds_game_rtp_check ON crash_analytics.crash_game_rounds IS
	'The game''s RTP at the time of the round lies in (0, 1], as game_platform_config requires.';
COMMENT ON CONSTRAINT crash_game_rounds_timestamps_check ON crash_analytics.crash_game_rounds IS
	'Every timestamp of the round is finite (not infinity or -infinity).';
COMMENT ON CONSTRAINT crash_game_rounds_time_order_check ON crash_analytics.crash_game_rounds IS
	'A round does not end before it starts.';
COMMENT ON CONSTRAINT crash_game_rounds_game_name_check ON crash_analytics.crash_game_rounds IS
	'game_name names a registered game: lower case, as game_platform_config spells it.';
COMMENT ON CONSTRAINT crash_game_rounds_platform_code_check ON crash_analytics.crash_game_rounds IS
	'platform_code names a registered platform: lower case, as game_platform_config spells it.';
COMMENT ON CONSTRAINT crash_game_rounds_identifier_chars_check ON crash_analytics.crash_game_rounds IS
	'bot_id, session_id and platform_round_id hold no control characters.';
COMMENT ON CONSTRAINT crash_game_rounds_detection_method_check ON crash_analytics.crash_game_rounds IS
	'detection_method has at most 64 characters.';
COMMENT ON CONSTRAINT crash_game_rounds_ocr_raw_text_check ON crash_analytics.crash_game_rounds IS
	'ocr_raw_text has at most 8192 characters.';
COMMENT ON CONSTRAINT crash_game_rounds_error_message_check ON crash_analytics.crash_game_rounds IS
	'error_message has at most 8192 characters.';
COMMENT ON CONSTRAINT crash_game_rounds_server_seed_check ON crash_analytics.crash_game_rounds IS
	'server_seed has at most 512 characters.';
COMMENT ON CONSTRAINT crash_game_rounds_server_seed_hash_check ON crash_analytics.crash_game_rounds IS
	'server_seed_hash has at most 512 characters.';
COMMENT ON CONSTRAINT crash_game_rounds_client_seed_check ON crash_analytics.crash_game_rounds IS
	'client_seed has at most 512 characters.';
COMMENT ON CONSTRAINT crash_game_rounds_round_hash_check ON crash_analytics.crash_game_rounds IS
	'round_hash has at most 512 characters.';
COMMENT ON CONSTRAINT crash_game_rounds_step_nonce_check ON crash_analytics.crash_game_rounds IS
	'bet_sequence_step and nonce are zero or more.';

/*
 * The same facts where the derived tables store them: an outcome row is a
 * copy of its round's outcome, money and multipliers; multipliers, outcomes
 * and sessions carry the round's time; sessions and the bot roll-up carry
 * its balances.
 */
ALTER TABLE crash_analytics.analytics_round_outcomes
	ADD CONSTRAINT analytics_round_outcomes_payout_check
		CHECK (CASE outcome
				   WHEN 'WIN' THEN pg_catalog.abs(payout_value - pg_catalog.round(stake_value * cashout_multiplier, pg_catalog.scale(stake_value)))
								   <= pg_catalog.power(10::numeric, -pg_catalog.scale(stake_value))
				   WHEN 'VOID' THEN payout_value = stake_value
				   ELSE payout_value = 0 END),
	ADD CONSTRAINT analytics_round_outcomes_win_cashout_check
		CHECK (outcome <> 'WIN' OR cashout_multiplier IS NOT NULL),
	ADD CONSTRAINT analytics_round_outcomes_win_check
		CHECK (CASE outcome WHEN 'WIN' THEN cashout_multiplier <= crash_multiplier
							WHEN 'LOSS' THEN cashout_multiplier IS NULL OR cashout_multiplier > crash_multiplier
							ELSE true END),
	ADD CONSTRAINT analytics_round_outcomes_crash_check
		CHECK (crash_multiplier >= 1.00 AND crash_multiplier < 1e8 AND crash_multiplier = pg_catalog.round(crash_multiplier, 2)),
	ADD CONSTRAINT analytics_round_outcomes_cashout_check
		CHECK (cashout_multiplier >= 1.00 AND cashout_multiplier < 1e8 AND cashout_multiplier = pg_catalog.round(cashout_multiplier, 2)),
	ADD CONSTRAINT analytics_round_outcomes_target_check
		CHECK (target_multiplier >= 1.00 AND target_multiplier < 1e8 AND target_multiplier = pg_catalog.round(target_multiplier, 2)),
	ADD CONSTRAINT analytics_round_outcomes_stake_limit_check
		CHECK (stake_value < 1e15),
	ADD CONSTRAINT analytics_round_outcomes_money_scale_check
		CHECK (pg_catalog.scale(stake_value) <= 8 AND pg_catalog.scale(payout_value) = pg_catalog.scale(stake_value)
			   AND pg_catalog.scale(profit_loss) = pg_catalog.scale(stake_value)),
	ADD CONSTRAINT analytics_round_outcomes_settled_at_check
		CHECK (pg_catalog.isfinite(settled_at));

COMMENT ON CONSTRAINT analytics_round_outcomes_payout_check ON crash_analytics.analytics_round_outcomes IS
	'As crash_game_rounds_payout_check: 0 on a LOSS, the stake on a VOID, stake x cash-out within one minor unit on a WIN.';
COMMENT ON CONSTRAINT analytics_round_outcomes_win_cashout_check ON crash_analytics.analytics_round_outcomes IS
	'As crash_game_rounds_win_cashout_check: a WIN has a cash-out multiplier.';
COMMENT ON CONSTRAINT analytics_round_outcomes_win_check ON crash_analytics.analytics_round_outcomes IS
	'As crash_game_rounds_win_check: a WIN cashed out at or below the crash, a LOSS above it or not at all.';
COMMENT ON CONSTRAINT analytics_round_outcomes_crash_check ON crash_analytics.analytics_round_outcomes IS
	'As crash_game_rounds_crash_check: 1.00 or more, below 10^8, two decimals.';
COMMENT ON CONSTRAINT analytics_round_outcomes_cashout_check ON crash_analytics.analytics_round_outcomes IS
	'As crash_game_rounds_cashout_check: 1.00 or more, below 10^8, two decimals.';
COMMENT ON CONSTRAINT analytics_round_outcomes_target_check ON crash_analytics.analytics_round_outcomes IS
	'As crash_game_rounds_target_check: 1.00 or more, below 10^8, two decimals.';
COMMENT ON CONSTRAINT analytics_round_outcomes_stake_limit_check ON crash_analytics.analytics_round_outcomes IS
	'As crash_game_rounds_stake_limit_check: a stake is below 10^15.';
COMMENT ON CONSTRAINT analytics_round_outcomes_money_scale_check ON crash_analytics.analytics_round_outcomes IS
	'As crash_game_rounds_money_scale_check: stake, payout and profit with the currency''s decimals (0 to 8).';
COMMENT ON CONSTRAINT analytics_round_outcomes_settled_at_check ON crash_analytics.analytics_round_outcomes IS
	'settled_at (the round''s played_at) is finite.';

ALTER TABLE crash_analytics.analytics_round_multipliers
	ADD CONSTRAINT analytics_round_multipliers_observed_at_check
		CHECK (pg_catalog.isfinite(observed_at));
COMMENT ON CONSTRAINT analytics_round_multipliers_observed_at_check ON crash_analytics.analytics_round_multipliers IS
	'observed_at (the round''s played_at, or the time log_round_multiplier_analytics was given) is finite.';

ALTER TABLE crash_analytics.session_logs
	ADD CONSTRAINT session_logs_balance_range_check
		CHECK (balance_start >= 0 AND balance_start < 'Infinity'
			   AND balance_current >= 0 AND balance_current < 'Infinity'
			   AND peak_balance >= 0 AND peak_balance < 'Infinity'),
	ADD CONSTRAINT session_logs_times_check
		CHECK (pg_catalog.isfinite(started_at) AND pg_catalog.isfinite(ended_at) AND ended_at >= started_at);
COMMENT ON CONSTRAINT session_logs_balance_range_check ON crash_analytics.session_logs IS
	'Balances, when known, are finite and not negative (the next round''s running_balance_before may be taken from balance_current).';
COMMENT ON CONSTRAINT session_logs_times_check ON crash_analytics.session_logs IS
	'started_at and ended_at are finite, and a session does not end before it starts.';

ALTER TABLE crash_analytics.bot_rollups
	ADD CONSTRAINT bot_rollups_balance_range_check
		CHECK (current_balance >= 0 AND current_balance < 'Infinity'
			   AND peak_balance >= 0 AND peak_balance < 'Infinity');
COMMENT ON CONSTRAINT bot_rollups_balance_range_check ON crash_analytics.bot_rollups IS
	'Balances, when known, are finite and not negative.';


-- (end of section 3)

/* ========================================================================
 * 4. Analytics functions
 * ======================================================================== */

-- (end of section 4)

/* ========================================================================
 * 5. Errors and access
 * ======================================================================== */

-- (end of section 5)

/* ========================================================================
 * 6. Grants of the profiles
 * ======================================================================== */

-- (end of section 6)
