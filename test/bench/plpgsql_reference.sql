/* test/bench/plpgsql_reference.sql */
--
-- The PL/pgSQL reference implementation of crash_analytics.log_crash_round:
-- the baseline that the benchmark (issue 4, comparison 1(a)) measures the C
-- function against.  Same signature, same tables, same rows, same errors
-- (SQLSTATEs; the messages are shorter), written the way a competent
-- PL/pgSQL developer would write it: plain SQL statements, one per row
-- written, INSERT ... ON CONFLICT for the roll-ups.
--
-- It mirrors, in order, what src/ingest.c (ca_ingest_round) does:
--	1. checks that need nothing but the round (derive.c: ca_round_normalize);
--	2. the bot's lock (here a transaction-scoped advisory lock on a hash of
--	   bot_id: not the C code's lock, but the same guarantee, one writer per
--	   bot);
--	3. idempotency: a logged (bot, session, round, slot) returns its id when
--	   every field the retry sent equals the stored one, else 23505;
--	4. the game/platform configuration, then validation and derivation
--	   (derive.c: ca_round_derive);
--	5. the bot's registration (created by its first round);
--	6. the session: must be active and on the same game/platform; its
--	   balance fills balances the bot did not send (ca_round_fill_balance);
--	7. the round row, with derived_at set (so that the table's BEFORE INSERT
--	   trigger, the C funnel, stores it as it is), then the fan-out
--	   (fanout.c, rollup.c, signals.c): multiplier once per (bot, session,
--	   round), signal resolution and rules, outcome (bets only), session
--	   figures, bot roll-up, hourly and daily roll-ups.
--
-- Scales matter: the rows must be identical, 0 and 0.00 included, so every
-- sum starts where the C code starts it and adds what it adds (an integer 0
-- where the C code adds nothing).
--
-- It runs with the caller's rights; the benchmark runs it as the superuser
-- that owns the tables.  test/bench/reference_identity.sql (run by the test
-- command through test/pgtap/reference_identity.sql) proves it writes the same
-- rows as the C function and raises the same SQLSTATEs.

CREATE SCHEMA IF NOT EXISTS ca_ref;

/*
 * What a stored round adds to its session, its bot's roll-up and, with
 * p_periods, its hourly and daily roll-ups (rollup.c, fanout.c).  Returns
 * whether the round was played before the bot's latest round.
 */
CREATE OR REPLACE FUNCTION ca_ref.add_round(v_bot text, v_session text, v_game text, v_platform text,
	v_strategy text, v_round bigint, v_id bigint, v_played timestamptz, v_outcome text, v_stake numeric,
	v_payout numeric, v_profit numeric, v_expected numeric, v_winprob numeric, v_before numeric,
	v_after numeric, p_periods boolean)
RETURNS boolean
LANGUAGE plpgsql
VOLATILE
AS $fn$
DECLARE
	-- what the round adds to running figures (an integer 0 adds nothing)
	a_bet int;
	a_win int;
	a_loss int;
	a_skip int;
	a_void int;
	a_targeted int;
	a_stake numeric;
	a_payout numeric;
	a_profit numeric;
	a_expected numeric;
	a_winprob numeric;
	a_sq numeric;
	a_wl_profit numeric;			-- profit of a WIN or LOSS, else NULL
	v_last timestamptz;
BEGIN
	/*
	 * What the round adds to running figures (rollup.c): a SKIP adds only a
	 * round; WIN, LOSS and VOID add money; only WIN and LOSS count towards
	 * best/worst, streaks and the win-probability sums.
	 */
	a_win := (v_outcome = 'WIN')::int;
	a_loss := (v_outcome = 'LOSS')::int;
	a_skip := (v_outcome = 'SKIP')::int;
	a_void := (v_outcome = 'VOID')::int;
	a_bet := 1 - a_skip;
	IF v_outcome = 'SKIP' THEN
		a_stake := 0; a_payout := 0; a_profit := 0; a_expected := 0; a_sq := 0;
	ELSE
		a_stake := v_stake; a_payout := v_payout; a_profit := v_profit; a_expected := v_expected;
		a_sq := v_profit * v_profit;
	END IF;
	IF v_outcome IN ('WIN', 'LOSS') THEN
		a_wl_profit := v_profit;
		a_winprob := coalesce(v_winprob, 0);
		a_targeted := (v_winprob IS NOT NULL)::int;
	ELSE
		a_winprob := 0;
		a_targeted := 0;
	END IF;

	-- the session: started by its first round if the bot did not start it
	UPDATE crash_analytics.session_logs x
		   SET rounds_played = x.rounds_played + 1, bets_placed = x.bets_placed + a_bet,
			   wins = x.wins + a_win, losses = x.losses + a_loss, skips = x.skips + a_skip, voids = x.voids + a_void,
			   total_staked = x.total_staked + a_stake, total_payout = x.total_payout + a_payout,
			   total_profit = x.total_profit + a_profit, expected_profit = x.expected_profit + a_expected,
			   sum_win_probability = x.sum_win_probability + a_winprob, targeted_bets = x.targeted_bets + a_targeted,
			   sum_profit_squared = x.sum_profit_squared + a_sq,
			   best_profit = CASE WHEN a_wl_profit > x.best_profit OR x.best_profit IS NULL
								  THEN coalesce(a_wl_profit, x.best_profit) ELSE x.best_profit END,
			   worst_profit = CASE WHEN a_wl_profit < x.worst_profit OR x.worst_profit IS NULL
								   THEN coalesce(a_wl_profit, x.worst_profit) ELSE x.worst_profit END,
			   peak_profit = CASE WHEN x.total_profit + a_profit > x.peak_profit
								  THEN x.total_profit + a_profit ELSE x.peak_profit END,
			   max_drawdown = CASE WHEN CASE WHEN x.total_profit + a_profit > x.peak_profit
											 THEN x.total_profit + a_profit ELSE x.peak_profit END
										- (x.total_profit + a_profit) > x.max_drawdown
								   THEN CASE WHEN x.total_profit + a_profit > x.peak_profit
											 THEN x.total_profit + a_profit ELSE x.peak_profit END
										- (x.total_profit + a_profit)
								   ELSE x.max_drawdown END,
			   balance_current = coalesce(v_after, x.balance_current),
			   peak_balance = CASE WHEN v_after > x.peak_balance OR x.peak_balance IS NULL
								   THEN coalesce(v_after, x.peak_balance) ELSE x.peak_balance END,
			   last_round_number = v_round, last_round_at = v_played
		 WHERE x.bot_id = v_bot AND x.session_id = v_session;
	IF NOT FOUND THEN
		INSERT INTO crash_analytics.session_logs
			(bot_id, session_id, game_name, platform_code, status, started_at, rounds_played, bets_placed, wins,
			 losses, skips, voids, total_staked, total_payout, total_profit, expected_profit, sum_win_probability,
			 targeted_bets, sum_profit_squared, best_profit, worst_profit, balance_start, balance_current,
			 peak_balance, peak_profit, max_drawdown, last_round_number, last_round_at)
		VALUES (v_bot, v_session, v_game, v_platform, 'active', v_played, 1, a_bet, a_win,
				a_loss, a_skip, a_void, a_stake, a_payout, a_profit, a_expected, a_winprob,
				a_targeted, a_sq, a_wl_profit, a_wl_profit, v_before, v_after,
				CASE WHEN v_after > v_before THEN v_after ELSE v_before END,
				CASE WHEN a_profit > 0 THEN a_profit ELSE 0 END,
				CASE WHEN a_profit > 0 THEN a_profit ELSE 0 END - a_profit,
				v_round, v_played);
	END IF;

	-- the bot's roll-up (figures, streaks, drawdown, balances, first/last round)
	INSERT INTO crash_analytics.bot_rollups AS x
		(bot_id, rounds, bets, wins, losses, skips, voids, total_staked, total_payout, total_profit,
		 expected_profit, sum_win_probability, targeted_bets, sum_profit_squared, best_profit, worst_profit,
		 current_streak, longest_win_streak, longest_loss_streak, peak_profit, max_drawdown,
		 peak_balance, current_balance, first_round_at, last_round_at, last_round_id)
	VALUES (v_bot, 1, a_bet, a_win, a_loss, a_skip, a_void, a_stake, a_payout, a_profit,
			a_expected, a_winprob, a_targeted, a_sq, a_wl_profit, a_wl_profit,
			a_win - a_loss, a_win, a_loss,
			CASE WHEN a_profit > 0 THEN a_profit ELSE 0 END,
			CASE WHEN a_profit > 0 THEN a_profit ELSE 0 END - a_profit,
			v_after, v_after, v_played, v_played, v_id)
	ON CONFLICT (bot_id) DO UPDATE
	   SET rounds = x.rounds + 1, bets = x.bets + a_bet,
		   wins = x.wins + a_win, losses = x.losses + a_loss, skips = x.skips + a_skip, voids = x.voids + a_void,
		   total_staked = x.total_staked + a_stake, total_payout = x.total_payout + a_payout,
		   total_profit = x.total_profit + a_profit, expected_profit = x.expected_profit + a_expected,
		   sum_win_probability = x.sum_win_probability + a_winprob, targeted_bets = x.targeted_bets + a_targeted,
		   sum_profit_squared = x.sum_profit_squared + a_sq,
		   best_profit = CASE WHEN a_wl_profit > x.best_profit OR x.best_profit IS NULL
							  THEN coalesce(a_wl_profit, x.best_profit) ELSE x.best_profit END,
		   worst_profit = CASE WHEN a_wl_profit < x.worst_profit OR x.worst_profit IS NULL
							   THEN coalesce(a_wl_profit, x.worst_profit) ELSE x.worst_profit END,
		   current_streak = CASE WHEN a_win = 1 THEN greatest(x.current_streak, 0) + 1
								 WHEN a_loss = 1 THEN least(x.current_streak, 0) - 1
								 ELSE x.current_streak END,
		   longest_win_streak = CASE WHEN a_win = 1 THEN greatest(x.longest_win_streak, greatest(x.current_streak, 0) + 1)
									 ELSE x.longest_win_streak END,
		   longest_loss_streak = CASE WHEN a_loss = 1 THEN greatest(x.longest_loss_streak, 1 - least(x.current_streak, 0))
									  ELSE x.longest_loss_streak END,
		   peak_profit = CASE WHEN x.total_profit + a_profit > x.peak_profit
							  THEN x.total_profit + a_profit ELSE x.peak_profit END,
		   max_drawdown = CASE WHEN CASE WHEN x.total_profit + a_profit > x.peak_profit
										 THEN x.total_profit + a_profit ELSE x.peak_profit END
									- (x.total_profit + a_profit) > x.max_drawdown
							   THEN CASE WHEN x.total_profit + a_profit > x.peak_profit
										 THEN x.total_profit + a_profit ELSE x.peak_profit END
									- (x.total_profit + a_profit)
							   ELSE x.max_drawdown END,
		   peak_balance = CASE WHEN v_after > x.peak_balance OR x.peak_balance IS NULL
							   THEN coalesce(v_after, x.peak_balance) ELSE x.peak_balance END,
		   current_balance = coalesce(v_after, x.current_balance),
		   first_round_at = CASE WHEN v_played < x.first_round_at OR x.first_round_at IS NULL
								 THEN v_played ELSE x.first_round_at END,
		   last_round_at = CASE WHEN v_played > x.last_round_at OR x.last_round_at IS NULL
								THEN v_played ELSE x.last_round_at END,
		   last_round_id = v_id
	RETURNING x.last_round_at INTO v_last;

	IF NOT p_periods THEN
		RETURN v_played < v_last;
	END IF;
	-- the (bot, game, platform, strategy, UTC hour) roll-up; '' stands for no strategy
	INSERT INTO crash_analytics.bot_hourly_rollups AS x
		(bot_id, game_name, platform_code, strategy_name, hour_start, rounds, bets, wins, losses, skips, voids,
		 total_staked, total_payout, total_profit, expected_profit, sum_win_probability, targeted_bets,
		 sum_profit_squared, best_profit, worst_profit)
	VALUES (v_bot, v_game, v_platform, coalesce(v_strategy, ''), date_trunc('hour', v_played, 'UTC'),
			1, a_bet, a_win, a_loss, a_skip, a_void,
			a_stake, a_payout, a_profit, a_expected, a_winprob, a_targeted,
			a_sq, a_wl_profit, a_wl_profit)
	ON CONFLICT (bot_id, game_name, platform_code, strategy_name, hour_start) DO UPDATE
	   SET rounds = x.rounds + 1, bets = x.bets + a_bet,
		   wins = x.wins + a_win, losses = x.losses + a_loss, skips = x.skips + a_skip, voids = x.voids + a_void,
		   total_staked = x.total_staked + a_stake, total_payout = x.total_payout + a_payout,
		   total_profit = x.total_profit + a_profit, expected_profit = x.expected_profit + a_expected,
		   sum_win_probability = x.sum_win_probability + a_winprob, targeted_bets = x.targeted_bets + a_targeted,
		   sum_profit_squared = x.sum_profit_squared + a_sq,
		   best_profit = CASE WHEN a_wl_profit > x.best_profit OR x.best_profit IS NULL
							  THEN coalesce(a_wl_profit, x.best_profit) ELSE x.best_profit END,
		   worst_profit = CASE WHEN a_wl_profit < x.worst_profit OR x.worst_profit IS NULL
							   THEN coalesce(a_wl_profit, x.worst_profit) ELSE x.worst_profit END;

	-- and of its UTC day (1.2)
	INSERT INTO crash_analytics.bot_daily_rollups AS x
		(bot_id, game_name, platform_code, strategy_name, day_start, rounds, bets, wins, losses, skips, voids,
		 total_staked, total_payout, total_profit, expected_profit, sum_win_probability, targeted_bets,
		 sum_profit_squared, best_profit, worst_profit)
	VALUES (v_bot, v_game, v_platform, coalesce(v_strategy, ''), date_trunc('day', v_played, 'UTC'),
			1, a_bet, a_win, a_loss, a_skip, a_void,
			a_stake, a_payout, a_profit, a_expected, a_winprob, a_targeted,
			a_sq, a_wl_profit, a_wl_profit)
	ON CONFLICT (bot_id, game_name, platform_code, strategy_name, day_start) DO UPDATE
	   SET rounds = x.rounds + 1, bets = x.bets + a_bet,
		   wins = x.wins + a_win, losses = x.losses + a_loss, skips = x.skips + a_skip, voids = x.voids + a_void,
		   total_staked = x.total_staked + a_stake, total_payout = x.total_payout + a_payout,
		   total_profit = x.total_profit + a_profit, expected_profit = x.expected_profit + a_expected,
		   sum_win_probability = x.sum_win_probability + a_winprob, targeted_bets = x.targeted_bets + a_targeted,
		   sum_profit_squared = x.sum_profit_squared + a_sq,
		   best_profit = CASE WHEN a_wl_profit > x.best_profit OR x.best_profit IS NULL
							  THEN coalesce(a_wl_profit, x.best_profit) ELSE x.best_profit END,
		   worst_profit = CASE WHEN a_wl_profit < x.worst_profit OR x.worst_profit IS NULL
							   THEN coalesce(a_wl_profit, x.worst_profit) ELSE x.worst_profit END;

	RETURN v_played < v_last;
END
$fn$;

/*
 * A round logged out of play order: the bot's roll-up and session figures
 * again, from its rounds in play order (rebuild.c, ca_replay_bots).  A
 * session's start moves to its first round played, when that is earlier,
 * with that round's balance; its figures go back to its start.
 */
CREATE OR REPLACE FUNCTION ca_ref.replay_bot(p_bot text)
RETURNS void
LANGUAGE plpgsql
VOLATILE
AS $fn$
DECLARE
	r record;
BEGIN
	UPDATE crash_analytics.session_logs x
	   SET started_at = f.played_at, balance_start = coalesce(f.running_balance_before, x.balance_start)
	  FROM (SELECT DISTINCT ON (g.session_id) g.session_id, g.played_at, g.running_balance_before
			  FROM crash_analytics.crash_game_rounds g WHERE g.bot_id = p_bot
			 ORDER BY g.session_id, g.played_at, g.id) f
	 WHERE x.bot_id = p_bot AND x.session_id = f.session_id AND f.played_at < x.started_at;
	UPDATE crash_analytics.session_logs x
	   SET rounds_played = 0, bets_placed = 0, wins = 0, losses = 0, skips = 0, voids = 0,
		   total_staked = 0, total_payout = 0, total_profit = 0, expected_profit = 0,
		   sum_win_probability = 0, targeted_bets = 0, sum_profit_squared = 0,
		   best_profit = NULL, worst_profit = NULL, peak_profit = 0, max_drawdown = 0,
		   balance_current = x.balance_start, peak_balance = x.balance_start,
		   last_round_number = NULL, last_round_at = NULL
	 WHERE x.bot_id = p_bot;
	DELETE FROM crash_analytics.bot_rollups x WHERE x.bot_id = p_bot;
	FOR r IN SELECT * FROM crash_analytics.crash_game_rounds g WHERE g.bot_id = p_bot ORDER BY g.played_at, g.id LOOP
		PERFORM ca_ref.add_round(r.bot_id, r.session_id, r.game_name, r.platform_code, r.strategy_name,
								 r.round_number, r.id, r.played_at, r.round_outcome, r.stake_value,
								 r.payout_value, r.profit_loss, r.expected_profit, r.win_probability,
								 r.running_balance_before, r.running_balance_after, false);
	END LOOP;
END
$fn$;

CREATE OR REPLACE FUNCTION ca_ref.log_crash_round(
	bot_id text,
	session_id text,
	game_name text,
	platform_code text,
	round_number bigint,
	stake_value numeric DEFAULT NULL,
	crash_multiplier numeric DEFAULT NULL,
	cashout_multiplier numeric DEFAULT NULL,
	round_outcome text DEFAULT NULL,
	profit_loss numeric DEFAULT NULL,
	running_balance_before numeric DEFAULT NULL,
	running_balance_after numeric DEFAULT NULL,
	strategy_name text DEFAULT NULL,
	target_multiplier numeric DEFAULT NULL,
	bet_slot integer DEFAULT NULL,
	platform_round_id text DEFAULT NULL,
	round_started_at timestamptz DEFAULT NULL,
	round_ended_at timestamptz DEFAULT NULL,
	bet_placed_at timestamptz DEFAULT NULL,
	cashed_out_at timestamptz DEFAULT NULL,
	auto_cashout boolean DEFAULT NULL,
	bet_sequence_step integer DEFAULT NULL,
	detection_method text DEFAULT NULL,
	ocr_raw_text text DEFAULT NULL,
	ocr_confidence numeric DEFAULT NULL,
	detection_latency_ms integer DEFAULT NULL,
	error_count integer DEFAULT NULL,
	retry_count integer DEFAULT NULL,
	error_message text DEFAULT NULL,
	server_seed text DEFAULT NULL,
	server_seed_hash text DEFAULT NULL,
	client_seed text DEFAULT NULL,
	nonce bigint DEFAULT NULL,
	round_hash text DEFAULT NULL,
	metadata jsonb DEFAULT NULL,
	tags text[] DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
AS $fn$
#variable_conflict use_column
DECLARE
	-- the arguments, as the round being built (names of columns below are columns)
	v_bot text := bot_id;
	v_session text := session_id;
	v_game text := game_name;
	v_platform text := platform_code;
	v_round bigint := round_number;
	v_stake numeric := stake_value;
	v_crash numeric := crash_multiplier;
	v_cashout numeric := cashout_multiplier;
	v_outcome text := round_outcome;
	v_profit numeric := profit_loss;
	v_before numeric := running_balance_before;
	v_after numeric := running_balance_after;
	v_strategy text := strategy_name;
	v_target numeric := target_multiplier;
	v_slot integer := bet_slot;
	v_prid text := platform_round_id;
	v_started timestamptz := round_started_at;
	v_ended timestamptz := round_ended_at;
	v_placed timestamptz := bet_placed_at;
	v_cashed timestamptz := cashed_out_at;
	v_auto boolean := auto_cashout;
	v_step integer := bet_sequence_step;
	v_detection text := detection_method;
	v_ocr_text text := ocr_raw_text;
	v_ocr_conf numeric := ocr_confidence;
	v_latency integer := detection_latency_ms;
	v_errors integer := error_count;
	v_retries integer := retry_count;
	v_error_message text := error_message;
	v_server_seed text := server_seed;
	v_server_seed_hash text := server_seed_hash;
	v_client_seed text := client_seed;
	v_nonce bigint := nonce;
	v_round_hash text := round_hash;
	v_metadata jsonb := metadata;
	v_tags text[] := tags;

	-- derived
	v_outcome_sent boolean;
	v_payout numeric;
	v_derived_profit numeric;
	v_from_balances numeric;
	v_bet_target numeric;
	v_winprob numeric;
	v_expected numeric;
	v_roi numeric;
	v_final numeric;
	v_played timestamptz;
	v_duration bigint;
	v_tolerant boolean;


	-- rows read
	g record;						-- game_platform_config
	s record;						-- session_logs
	v_logged record;				-- crash_game_rounds (a retry)
	v_found boolean;
	v_bot_strategy text;
	v_rules jsonb;
	v_id bigint;
	v_mid bigint;
	v_m record;

	-- signals
	v_recent bigint[];
	v_open integer;
	v_series_found boolean;
	v_h bigint;
	v_n integer;
	v_rule jsonb;
	v_rule_no integer;
	v_kind text;
	v_len integer;
	v_threshold numeric;
	v_rule_target numeric;
	v_num numeric;
	v_key text;
	v_match boolean;
	v_j integer;

	v_diffs text := '';
	v_tag text;
	v_size integer;
	v_minor numeric;
BEGIN
	/* ------------------------------------------------------------------
	 * 1. Checks that need nothing but the round (ca_round_normalize)
	 * ------------------------------------------------------------------ */
	IF v_bot IS NULL THEN
		RAISE EXCEPTION 'bot_id must not be null' USING ERRCODE = 'null_value_not_allowed';
	ELSIF v_session IS NULL THEN
		RAISE EXCEPTION 'session_id must not be null' USING ERRCODE = 'null_value_not_allowed';
	ELSIF v_game IS NULL THEN
		RAISE EXCEPTION 'game_name must not be null' USING ERRCODE = 'null_value_not_allowed';
	ELSIF v_platform IS NULL THEN
		RAISE EXCEPTION 'platform_code must not be null' USING ERRCODE = 'null_value_not_allowed';
	ELSIF v_round IS NULL THEN
		RAISE EXCEPTION 'round_number must not be null' USING ERRCODE = 'null_value_not_allowed';
	ELSIF v_crash IS NULL THEN
		RAISE EXCEPTION 'crash_multiplier must not be null' USING ERRCODE = 'null_value_not_allowed';
	END IF;

	-- identifiers: not empty, no control characters, at most N characters
	IF v_bot = '' THEN
		RAISE EXCEPTION 'bot_id must not be empty' USING ERRCODE = 'invalid_parameter_value';
	ELSIF v_bot ~ '[\x01-\x1f\x7f]' THEN
		RAISE EXCEPTION 'bot_id must not contain control characters' USING ERRCODE = 'invalid_parameter_value';
	ELSIF char_length(v_bot) > 128 THEN
		RAISE EXCEPTION 'value too long for bot_id' USING ERRCODE = 'string_data_right_truncation';
	END IF;
	IF v_session = '' THEN
		RAISE EXCEPTION 'session_id must not be empty' USING ERRCODE = 'invalid_parameter_value';
	ELSIF v_session ~ '[\x01-\x1f\x7f]' THEN
		RAISE EXCEPTION 'session_id must not contain control characters' USING ERRCODE = 'invalid_parameter_value';
	ELSIF char_length(v_session) > 128 THEN
		RAISE EXCEPTION 'value too long for session_id' USING ERRCODE = 'string_data_right_truncation';
	END IF;
	IF v_game = '' THEN
		RAISE EXCEPTION 'game_name must not be empty' USING ERRCODE = 'invalid_parameter_value';
	ELSIF v_game ~ '[\x01-\x1f\x7f]' THEN
		RAISE EXCEPTION 'game_name must not contain control characters' USING ERRCODE = 'invalid_parameter_value';
	ELSIF char_length(v_game) > 64 THEN
		RAISE EXCEPTION 'value too long for game_name' USING ERRCODE = 'string_data_right_truncation';
	END IF;
	IF v_platform = '' THEN
		RAISE EXCEPTION 'platform_code must not be empty' USING ERRCODE = 'invalid_parameter_value';
	ELSIF v_platform ~ '[\x01-\x1f\x7f]' THEN
		RAISE EXCEPTION 'platform_code must not contain control characters' USING ERRCODE = 'invalid_parameter_value';
	ELSIF char_length(v_platform) > 64 THEN
		RAISE EXCEPTION 'value too long for platform_code' USING ERRCODE = 'string_data_right_truncation';
	END IF;
	IF v_prid IS NOT NULL THEN
		IF v_prid = '' THEN
			RAISE EXCEPTION 'platform_round_id must not be empty' USING ERRCODE = 'invalid_parameter_value';
		ELSIF v_prid ~ '[\x01-\x1f\x7f]' THEN
			RAISE EXCEPTION 'platform_round_id must not contain control characters' USING ERRCODE = 'invalid_parameter_value';
		ELSIF char_length(v_prid) > 128 THEN
			RAISE EXCEPTION 'value too long for platform_round_id' USING ERRCODE = 'string_data_right_truncation';
		END IF;
	END IF;
	IF v_strategy IS NOT NULL THEN
		IF v_strategy = '' THEN
			RAISE EXCEPTION 'strategy_name must not be empty' USING ERRCODE = 'invalid_parameter_value';
		ELSIF v_strategy ~ '[\x01-\x1f\x7f]' THEN
			RAISE EXCEPTION 'strategy_name must not contain control characters' USING ERRCODE = 'invalid_parameter_value';
		ELSIF char_length(v_strategy) > 128 THEN
			RAISE EXCEPTION 'value too long for strategy_name' USING ERRCODE = 'string_data_right_truncation';
		END IF;
	END IF;
	-- other text: at most N characters
	IF char_length(v_outcome) > 64 THEN
		RAISE EXCEPTION 'value too long for round_outcome' USING ERRCODE = 'string_data_right_truncation';
	ELSIF char_length(v_detection) > 64 THEN
		RAISE EXCEPTION 'value too long for detection_method' USING ERRCODE = 'string_data_right_truncation';
	ELSIF char_length(v_ocr_text) > 8192 THEN
		RAISE EXCEPTION 'value too long for ocr_raw_text' USING ERRCODE = 'string_data_right_truncation';
	ELSIF char_length(v_error_message) > 8192 THEN
		RAISE EXCEPTION 'value too long for error_message' USING ERRCODE = 'string_data_right_truncation';
	ELSIF char_length(v_server_seed) > 512 THEN
		RAISE EXCEPTION 'value too long for server_seed' USING ERRCODE = 'string_data_right_truncation';
	ELSIF char_length(v_server_seed_hash) > 512 THEN
		RAISE EXCEPTION 'value too long for server_seed_hash' USING ERRCODE = 'string_data_right_truncation';
	ELSIF char_length(v_client_seed) > 512 THEN
		RAISE EXCEPTION 'value too long for client_seed' USING ERRCODE = 'string_data_right_truncation';
	ELSIF char_length(v_round_hash) > 512 THEN
		RAISE EXCEPTION 'value too long for round_hash' USING ERRCODE = 'string_data_right_truncation';
	END IF;

	-- keys: game and platform in lower case (ASCII letters only, as the C code)
	v_game := lower(v_game COLLATE "C");
	v_platform := lower(v_platform COLLATE "C");

	-- integers
	IF v_round < 0 THEN
		RAISE EXCEPTION 'round_number is out of range' USING ERRCODE = 'numeric_value_out_of_range',
			DETAIL = format('round_number was %s; it must be zero or more.', v_round);
	END IF;
	IF v_slot IS NULL THEN
		v_slot := 1;
	ELSIF v_slot < 1 OR v_slot > 16 THEN
		RAISE EXCEPTION 'bet_slot is out of range' USING ERRCODE = 'numeric_value_out_of_range',
			DETAIL = format('bet_slot was %s; it must be between 1 and 16.', v_slot);
	END IF;
	IF v_step < 0 THEN
		RAISE EXCEPTION 'bet_sequence_step is out of range' USING ERRCODE = 'numeric_value_out_of_range';
	ELSIF v_latency < 0 THEN
		RAISE EXCEPTION 'detection_latency_ms is out of range' USING ERRCODE = 'numeric_value_out_of_range';
	ELSIF v_errors < 0 THEN
		RAISE EXCEPTION 'error_count is out of range' USING ERRCODE = 'numeric_value_out_of_range';
	ELSIF v_retries < 0 THEN
		RAISE EXCEPTION 'retry_count is out of range' USING ERRCODE = 'numeric_value_out_of_range';
	ELSIF v_nonce < 0 THEN
		RAISE EXCEPTION 'nonce is out of range' USING ERRCODE = 'numeric_value_out_of_range';
	END IF;
	v_errors := coalesce(v_errors, 0);
	v_retries := coalesce(v_retries, 0);

	-- numbers: not NaN, finite, below 10^15 in absolute value (NaN first: it sorts above everything)
	IF v_stake = 'NaN' THEN
		RAISE EXCEPTION 'stake_value must be a number' USING ERRCODE = 'invalid_parameter_value';
	ELSIF abs(v_stake) >= 1e15 THEN
		RAISE EXCEPTION 'stake_value is out of range' USING ERRCODE = 'numeric_value_out_of_range',
			DETAIL = format('stake_value was %s; its absolute value must be below 10^15.', v_stake);
	END IF;
	IF v_crash = 'NaN' THEN
		RAISE EXCEPTION 'crash_multiplier must be a number' USING ERRCODE = 'invalid_parameter_value';
	ELSIF abs(v_crash) >= 1e15 THEN
		RAISE EXCEPTION 'crash_multiplier is out of range' USING ERRCODE = 'numeric_value_out_of_range';
	END IF;
	IF v_cashout = 'NaN' THEN
		RAISE EXCEPTION 'cashout_multiplier must be a number' USING ERRCODE = 'invalid_parameter_value';
	ELSIF abs(v_cashout) >= 1e15 THEN
		RAISE EXCEPTION 'cashout_multiplier is out of range' USING ERRCODE = 'numeric_value_out_of_range';
	END IF;
	IF v_target = 'NaN' THEN
		RAISE EXCEPTION 'target_multiplier must be a number' USING ERRCODE = 'invalid_parameter_value';
	ELSIF abs(v_target) >= 1e15 THEN
		RAISE EXCEPTION 'target_multiplier is out of range' USING ERRCODE = 'numeric_value_out_of_range';
	END IF;
	IF v_profit = 'NaN' THEN
		RAISE EXCEPTION 'profit_loss must be a number' USING ERRCODE = 'invalid_parameter_value';
	ELSIF abs(v_profit) >= 1e15 THEN
		RAISE EXCEPTION 'profit_loss is out of range' USING ERRCODE = 'numeric_value_out_of_range';
	END IF;
	IF v_before = 'NaN' THEN
		RAISE EXCEPTION 'running_balance_before must be a number' USING ERRCODE = 'invalid_parameter_value';
	ELSIF abs(v_before) >= 1e15 THEN
		RAISE EXCEPTION 'running_balance_before is out of range' USING ERRCODE = 'numeric_value_out_of_range';
	END IF;
	IF v_after = 'NaN' THEN
		RAISE EXCEPTION 'running_balance_after must be a number' USING ERRCODE = 'invalid_parameter_value';
	ELSIF abs(v_after) >= 1e15 THEN
		RAISE EXCEPTION 'running_balance_after is out of range' USING ERRCODE = 'numeric_value_out_of_range';
	END IF;
	IF v_ocr_conf = 'NaN' THEN
		RAISE EXCEPTION 'ocr_confidence must be a number' USING ERRCODE = 'invalid_parameter_value';
	ELSIF v_ocr_conf < 0 OR v_ocr_conf > 1 THEN
		RAISE EXCEPTION 'ocr_confidence is out of range' USING ERRCODE = 'numeric_value_out_of_range',
			DETAIL = format('ocr_confidence was %s; it must be between 0 and 1.', v_ocr_conf);
	END IF;

	-- the outcome, in any case, stored in upper case
	v_outcome_sent := v_outcome IS NOT NULL;
	IF v_outcome_sent THEN
		v_outcome := upper(v_outcome COLLATE "C");
		IF v_outcome NOT IN ('WIN', 'LOSS', 'SKIP', 'VOID') THEN
			RAISE EXCEPTION 'invalid round_outcome: "%"', round_outcome USING ERRCODE = 'invalid_parameter_value',
				DETAIL = 'round_outcome must be WIN, LOSS, SKIP or VOID (in any case), or omitted to be derived.';
		END IF;
	END IF;

	-- timestamps
	IF NOT isfinite(v_started) THEN
		RAISE EXCEPTION 'round_started_at must be a finite timestamp' USING ERRCODE = 'invalid_parameter_value';
	ELSIF NOT isfinite(v_ended) THEN
		RAISE EXCEPTION 'round_ended_at must be a finite timestamp' USING ERRCODE = 'invalid_parameter_value';
	ELSIF NOT isfinite(v_placed) THEN
		RAISE EXCEPTION 'bet_placed_at must be a finite timestamp' USING ERRCODE = 'invalid_parameter_value';
	ELSIF NOT isfinite(v_cashed) THEN
		RAISE EXCEPTION 'cashed_out_at must be a finite timestamp' USING ERRCODE = 'invalid_parameter_value';
	ELSIF v_ended < v_started THEN
		RAISE EXCEPTION 'round_ended_at is before round_started_at' USING ERRCODE = 'invalid_parameter_value';
	END IF;

	-- metadata: a JSON object of at most 64 kB (its binary size, uncompressed)
	IF v_metadata IS NULL THEN
		v_metadata := '{}';
	ELSE
		IF jsonb_typeof(v_metadata) <> 'object' THEN
			RAISE EXCEPTION 'metadata must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
		END IF;
		v_size := pg_column_size(v_metadata);
		IF v_size > 65536 OR pg_column_compression(v_metadata) IS NOT NULL THEN
			v_size := pg_column_size(v_metadata::text::jsonb) - 4;	-- a fresh, uncompressed copy
			IF v_size > 65536 THEN
				RAISE EXCEPTION 'value too long for metadata' USING ERRCODE = 'string_data_right_truncation',
					DETAIL = format('metadata takes %s bytes; at most 65536 are allowed.', v_size);
			END IF;
		END IF;
	END IF;

	-- tags: one dimension, at most 32, no null, each a short identifier
	IF v_tags IS NOT NULL THEN
		IF array_ndims(v_tags) > 1 THEN
			RAISE EXCEPTION 'tags must be a one-dimensional array' USING ERRCODE = 'invalid_parameter_value';
		ELSIF cardinality(v_tags) > 32 THEN
			RAISE EXCEPTION 'too many tags' USING ERRCODE = 'program_limit_exceeded',
				DETAIL = format('tags has %s elements; at most 32 are allowed.', cardinality(v_tags));
		END IF;
		FOREACH v_tag IN ARRAY v_tags LOOP
			IF v_tag IS NULL THEN
				RAISE EXCEPTION 'tags must not contain null elements' USING ERRCODE = 'null_value_not_allowed';
			ELSIF v_tag = '' THEN
				RAISE EXCEPTION 'tags element must not be empty' USING ERRCODE = 'invalid_parameter_value';
			ELSIF v_tag ~ '[\x01-\x1f\x7f]' THEN
				RAISE EXCEPTION 'tags element must not contain control characters' USING ERRCODE = 'invalid_parameter_value';
			ELSIF char_length(v_tag) > 64 THEN
				RAISE EXCEPTION 'value too long for tags element' USING ERRCODE = 'string_data_right_truncation';
			END IF;
		END LOOP;
	END IF;

	/* ------------------------------------------------------------------
	 * 2. The bot's lock; 3. idempotency
	 * ------------------------------------------------------------------ */
	PERFORM pg_advisory_xact_lock(hashtextextended(v_bot, 0));

	SELECT r.* INTO v_logged
	  FROM crash_analytics.crash_game_rounds r
	 WHERE r.bot_id = v_bot AND r.session_id = v_session AND r.round_number = v_round AND r.bet_slot = v_slot;
	IF FOUND THEN
		-- every field the retry sent must equal what is stored (numbers numerically);
		-- the error names the values sent, never the stored ones
		IF v_session IS DISTINCT FROM v_logged.session_id THEN
			v_diffs := v_diffs || format(', session_id (sent %s)', v_session);
		END IF;
		IF v_game IS DISTINCT FROM v_logged.game_name THEN
			v_diffs := v_diffs || format(', game_name (sent %s)', v_game);
		END IF;
		IF v_platform IS DISTINCT FROM v_logged.platform_code THEN
			v_diffs := v_diffs || format(', platform_code (sent %s)', v_platform);
		END IF;
		IF v_stake IS NOT NULL AND v_stake IS DISTINCT FROM v_logged.stake_value THEN
			v_diffs := v_diffs || format(', stake_value (sent %s)', v_stake);
		END IF;
		IF v_crash IS DISTINCT FROM v_logged.crash_multiplier THEN
			v_diffs := v_diffs || format(', crash_multiplier (sent %s)', v_crash);
		END IF;
		IF v_cashout IS NOT NULL AND v_cashout IS DISTINCT FROM v_logged.cashout_multiplier THEN
			v_diffs := v_diffs || format(', cashout_multiplier (sent %s)', v_cashout);
		END IF;
		IF v_outcome IS NOT NULL AND v_outcome IS DISTINCT FROM v_logged.round_outcome THEN
			v_diffs := v_diffs || format(', round_outcome (sent %s)', v_outcome);
		END IF;
		IF v_profit IS NOT NULL AND v_profit IS DISTINCT FROM v_logged.profit_loss THEN
			v_diffs := v_diffs || format(', profit_loss (sent %s)', v_profit);
		END IF;
		IF v_before IS NOT NULL AND v_before IS DISTINCT FROM v_logged.running_balance_before THEN
			v_diffs := v_diffs || format(', running_balance_before (sent %s)', v_before);
		END IF;
		IF v_after IS NOT NULL AND v_after IS DISTINCT FROM v_logged.running_balance_after THEN
			v_diffs := v_diffs || format(', running_balance_after (sent %s)', v_after);
		END IF;
		IF v_strategy IS NOT NULL AND v_strategy IS DISTINCT FROM v_logged.strategy_name THEN
			v_diffs := v_diffs || format(', strategy_name (sent %s)', v_strategy);
		END IF;
		IF v_target IS NOT NULL AND v_target IS DISTINCT FROM v_logged.target_multiplier THEN
			v_diffs := v_diffs || format(', target_multiplier (sent %s)', v_target);
		END IF;
		IF v_prid IS NOT NULL AND v_prid IS DISTINCT FROM v_logged.platform_round_id THEN
			v_diffs := v_diffs || format(', platform_round_id (sent %s)', v_prid);
		END IF;
		IF v_started IS NOT NULL AND v_started IS DISTINCT FROM v_logged.round_started_at THEN
			v_diffs := v_diffs || format(', round_started_at (sent %s)', v_started);
		END IF;
		IF v_ended IS NOT NULL AND v_ended IS DISTINCT FROM v_logged.round_ended_at THEN
			v_diffs := v_diffs || format(', round_ended_at (sent %s)', v_ended);
		END IF;
		IF v_placed IS NOT NULL AND v_placed IS DISTINCT FROM v_logged.bet_placed_at THEN
			v_diffs := v_diffs || format(', bet_placed_at (sent %s)', v_placed);
		END IF;
		IF v_cashed IS NOT NULL AND v_cashed IS DISTINCT FROM v_logged.cashed_out_at THEN
			v_diffs := v_diffs || format(', cashed_out_at (sent %s)', v_cashed);
		END IF;
		IF v_auto IS NOT NULL AND v_auto IS DISTINCT FROM v_logged.auto_cashout THEN
			v_diffs := v_diffs || format(', auto_cashout (sent %s)', v_auto);
		END IF;
		IF v_step IS NOT NULL AND v_step IS DISTINCT FROM v_logged.bet_sequence_step THEN
			v_diffs := v_diffs || format(', bet_sequence_step (sent %s)', v_step);
		END IF;
		IF v_detection IS NOT NULL AND v_detection IS DISTINCT FROM v_logged.detection_method THEN
			v_diffs := v_diffs || format(', detection_method (sent %s)', v_detection);
		END IF;
		IF v_ocr_text IS NOT NULL AND v_ocr_text IS DISTINCT FROM v_logged.ocr_raw_text THEN
			v_diffs := v_diffs || format(', ocr_raw_text (sent %s)', v_ocr_text);
		END IF;
		IF v_ocr_conf IS NOT NULL AND v_ocr_conf IS DISTINCT FROM v_logged.ocr_confidence THEN
			v_diffs := v_diffs || format(', ocr_confidence (sent %s)', v_ocr_conf);
		END IF;
		IF v_latency IS NOT NULL AND v_latency IS DISTINCT FROM v_logged.detection_latency_ms THEN
			v_diffs := v_diffs || format(', detection_latency_ms (sent %s)', v_latency);
		END IF;
		IF error_count IS NOT NULL AND error_count IS DISTINCT FROM v_logged.error_count THEN
			v_diffs := v_diffs || format(', error_count (sent %s)', error_count);
		END IF;
		IF retry_count IS NOT NULL AND retry_count IS DISTINCT FROM v_logged.retry_count THEN
			v_diffs := v_diffs || format(', retry_count (sent %s)', retry_count);
		END IF;
		IF v_error_message IS NOT NULL AND v_error_message IS DISTINCT FROM v_logged.error_message THEN
			v_diffs := v_diffs || format(', error_message (sent %s)', v_error_message);
		END IF;
		IF v_server_seed IS NOT NULL AND v_server_seed IS DISTINCT FROM v_logged.server_seed THEN
			v_diffs := v_diffs || format(', server_seed (sent %s)', v_server_seed);
		END IF;
		IF v_server_seed_hash IS NOT NULL AND v_server_seed_hash IS DISTINCT FROM v_logged.server_seed_hash THEN
			v_diffs := v_diffs || format(', server_seed_hash (sent %s)', v_server_seed_hash);
		END IF;
		IF v_client_seed IS NOT NULL AND v_client_seed IS DISTINCT FROM v_logged.client_seed THEN
			v_diffs := v_diffs || format(', client_seed (sent %s)', v_client_seed);
		END IF;
		IF v_nonce IS NOT NULL AND v_nonce IS DISTINCT FROM v_logged.nonce THEN
			v_diffs := v_diffs || format(', nonce (sent %s)', v_nonce);
		END IF;
		IF v_round_hash IS NOT NULL AND v_round_hash IS DISTINCT FROM v_logged.round_hash THEN
			v_diffs := v_diffs || format(', round_hash (sent %s)', v_round_hash);
		END IF;
		IF metadata IS NOT NULL AND metadata IS DISTINCT FROM v_logged.metadata THEN
			v_diffs := v_diffs || format(', metadata (sent %s)', metadata);
		END IF;
		IF v_tags IS NOT NULL AND v_tags IS DISTINCT FROM v_logged.tags THEN
			v_diffs := v_diffs || format(', tags (sent %s)', v_tags);
		END IF;
		IF v_diffs <> '' THEN
			RAISE EXCEPTION 'round % of session "%" (bet slot %) of bot "%" was already logged with different content',
				v_round, v_session, v_slot, v_bot
				USING ERRCODE = 'unique_violation',
					  DETAIL = format('Fields that differ from the logged round: %s.', substr(v_diffs, 3)),
					  HINT = 'A retry must send the same values; a new bet needs its own round_number or bet_slot.';
		END IF;
		RETURN v_logged.id;
	END IF;

	/* ------------------------------------------------------------------
	 * 4. The game/platform, then validation and derivation (ca_round_derive)
	 * ------------------------------------------------------------------ */
	SELECT c.rtp, c.currency, c.currency_decimals, c.min_bet, c.max_bet, c.max_multiplier, c.is_active INTO g
	  FROM crash_analytics.game_platform_config c
	 WHERE c.game_name = v_game AND c.platform_code = v_platform;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'unknown game/platform "%/%"', v_game, v_platform USING ERRCODE = 'foreign_key_violation',
			HINT = format('Register it first: SELECT crash_analytics.register_game_platform(%L, %L, rtp => 0.97);',
						  v_game, v_platform);
	END IF;
	IF NOT g.is_active THEN
		RAISE EXCEPTION 'game/platform "%/%" is not active', v_game, v_platform
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	v_minor := ('1e-' || g.currency_decimals)::numeric;

	-- multipliers: 1.00 or more, at most the game's maximum, two decimals, stored with scale 2
	IF v_crash < 1 THEN
		RAISE EXCEPTION 'crash_multiplier is out of range' USING ERRCODE = 'numeric_value_out_of_range',
			DETAIL = format('crash_multiplier was %s; multipliers are 1.00 or more.', v_crash);
	ELSIF v_crash > g.max_multiplier THEN
		RAISE EXCEPTION 'crash_multiplier is out of range' USING ERRCODE = 'numeric_value_out_of_range',
			DETAIL = format('crash_multiplier was %s; the highest multiplier of %s/%s is %s.',
							v_crash, v_game, v_platform, g.max_multiplier);
	ELSIF round(v_crash, 2) <> v_crash THEN
		RAISE EXCEPTION 'crash_multiplier must have at most 2 decimal places' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	v_crash := round(v_crash, 2);
	IF v_cashout IS NOT NULL THEN
		IF v_cashout < 1 OR v_cashout > g.max_multiplier THEN
			RAISE EXCEPTION 'cashout_multiplier is out of range' USING ERRCODE = 'numeric_value_out_of_range',
				DETAIL = format('cashout_multiplier was %s.', v_cashout);
		ELSIF round(v_cashout, 2) <> v_cashout THEN
			RAISE EXCEPTION 'cashout_multiplier must have at most 2 decimal places' USING ERRCODE = 'invalid_parameter_value';
		END IF;
		v_cashout := round(v_cashout, 2);
	END IF;
	IF v_target IS NOT NULL THEN
		IF v_target < 1 OR v_target > g.max_multiplier THEN
			RAISE EXCEPTION 'target_multiplier is out of range' USING ERRCODE = 'numeric_value_out_of_range',
				DETAIL = format('target_multiplier was %s.', v_target);
		ELSIF round(v_target, 2) <> v_target THEN
			RAISE EXCEPTION 'target_multiplier must have at most 2 decimal places' USING ERRCODE = 'invalid_parameter_value';
		END IF;
		v_target := round(v_target, 2);
	END IF;

	-- money: no more decimals than the currency has
	IF round(v_stake, g.currency_decimals) <> v_stake THEN
		RAISE EXCEPTION 'stake_value must have at most % decimal places', g.currency_decimals
			USING ERRCODE = 'invalid_parameter_value';
	ELSIF round(v_profit, g.currency_decimals) <> v_profit THEN
		RAISE EXCEPTION 'profit_loss must have at most % decimal places', g.currency_decimals
			USING ERRCODE = 'invalid_parameter_value';
	ELSIF round(v_before, g.currency_decimals) <> v_before THEN
		RAISE EXCEPTION 'running_balance_before must have at most % decimal places', g.currency_decimals
			USING ERRCODE = 'invalid_parameter_value';
	ELSIF round(v_after, g.currency_decimals) <> v_after THEN
		RAISE EXCEPTION 'running_balance_after must have at most % decimal places', g.currency_decimals
			USING ERRCODE = 'invalid_parameter_value';
	END IF;

	-- the outcome: as sent, or from the multipliers
	IF NOT v_outcome_sent THEN
		IF v_stake IS NULL OR v_stake = 0 THEN
			v_outcome := 'SKIP';
		ELSIF coalesce(v_cashout, v_target) IS NULL THEN
			v_outcome := 'LOSS';			-- a bet never cashed out
		ELSIF coalesce(v_cashout, v_target) <= v_crash THEN
			v_outcome := 'WIN';
		ELSE
			v_outcome := 'LOSS';
		END IF;
	END IF;

	IF v_outcome = 'SKIP' THEN
		IF v_stake IS NOT NULL AND v_stake <> 0 THEN
			RAISE EXCEPTION 'stake_value must be zero for a SKIP round' USING ERRCODE = 'invalid_parameter_value',
				DETAIL = format('stake_value was %s; a SKIP round observes a round without betting.', v_stake);
		ELSIF v_cashout IS NOT NULL THEN
			RAISE EXCEPTION 'cashout_multiplier must be null for a SKIP round' USING ERRCODE = 'invalid_parameter_value';
		END IF;
		v_stake := 0;
	ELSE
		IF v_stake IS NULL THEN
			RAISE EXCEPTION 'stake_value must not be null for a % round', v_outcome
				USING ERRCODE = 'null_value_not_allowed';
		ELSIF v_stake <= 0 THEN
			RAISE EXCEPTION 'stake_value must be greater than zero for a % round', v_outcome
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF v_outcome = 'WIN' THEN
			v_cashout := coalesce(v_cashout, v_target);	-- an auto cash-out at the target
			IF v_cashout IS NULL THEN
				RAISE EXCEPTION 'cashout_multiplier must not be null for a WIN round' USING ERRCODE = 'null_value_not_allowed',
					HINT = 'Send the multiplier the bet was cashed out at, or its target_multiplier.';
			ELSIF v_cashout > v_crash THEN
				RAISE EXCEPTION 'cashout_multiplier is above crash_multiplier for a WIN round'
					USING ERRCODE = 'invalid_parameter_value',
					DETAIL = format('cashout_multiplier was %s and crash_multiplier %s.', v_cashout, v_crash);
			END IF;
		ELSIF v_outcome = 'LOSS' AND v_cashout <= v_crash THEN
			RAISE EXCEPTION 'cashout_multiplier is not above crash_multiplier for a LOSS round'
				USING ERRCODE = 'invalid_parameter_value',
				DETAIL = format('cashout_multiplier was %s and crash_multiplier %s.', v_cashout, v_crash);
		END IF;
		IF v_stake < g.min_bet OR v_stake > g.max_bet THEN
			RAISE EXCEPTION 'stake_value is out of range' USING ERRCODE = 'numeric_value_out_of_range',
				DETAIL = format('stake_value was %s; %s/%s accepts stakes from %s to %s.',
								v_stake, v_game, v_platform, g.min_bet, g.max_bet);
		ELSIF v_stake > v_before THEN
			RAISE EXCEPTION 'stake_value is larger than running_balance_before' USING ERRCODE = 'invalid_parameter_value';
		END IF;
	END IF;

	-- payout and profit; a sent amount agrees within one minor unit on a win, exactly otherwise
	v_tolerant := v_outcome = 'WIN';
	IF v_outcome = 'WIN' THEN
		v_payout := round(v_stake * v_cashout, g.currency_decimals);
	ELSIF v_outcome = 'VOID' THEN
		v_payout := v_stake;
	ELSE
		v_payout := 0;
	END IF;
	v_derived_profit := v_payout - v_stake;
	IF v_profit IS NULL AND v_before IS NOT NULL AND v_after IS NOT NULL THEN
		-- both balances and no profit: the balances say what the casino paid
		v_from_balances := v_after - v_before;
		IF (v_tolerant AND abs(v_from_balances - v_derived_profit) > v_minor)
		   OR (NOT v_tolerant AND v_from_balances <> v_derived_profit) THEN
			RAISE EXCEPTION 'running_balance_after does not match the round' USING ERRCODE = 'invalid_parameter_value',
				DETAIL = format('running_balance_after was %s and running_balance_before %s, a change of %s; the round gives %s.',
								v_after, v_before, v_from_balances, v_derived_profit);
		END IF;
		v_profit := v_from_balances;
	END IF;
	IF v_profit IS NOT NULL THEN
		IF (v_tolerant AND abs(v_profit - v_derived_profit) > v_minor)
		   OR (NOT v_tolerant AND v_profit <> v_derived_profit) THEN
			RAISE EXCEPTION 'profit_loss does not match the round' USING ERRCODE = 'invalid_parameter_value',
				DETAIL = format('profit_loss was %s; the round gives %s.', v_profit, v_derived_profit);
		END IF;
		v_payout := v_stake + v_profit;		-- the casino's figure, within tolerance, is the truth
	ELSE
		v_profit := v_derived_profit;
	END IF;

	-- balances
	IF v_before < 0 THEN
		RAISE EXCEPTION 'running_balance_before is out of range' USING ERRCODE = 'numeric_value_out_of_range';
	ELSIF v_after < 0 THEN
		RAISE EXCEPTION 'running_balance_after is out of range' USING ERRCODE = 'numeric_value_out_of_range';
	END IF;
	IF v_before IS NOT NULL AND v_after IS NOT NULL THEN
		-- exact: the profit already had its tolerance (or came from these balances)
		IF v_after <> v_before + v_profit THEN
			RAISE EXCEPTION 'running_balance_after does not match the round' USING ERRCODE = 'invalid_parameter_value',
				DETAIL = format('running_balance_after was %s; running_balance_before %s plus profit_loss %s gives %s.',
								v_after, v_before, v_profit, v_before + v_profit);
		END IF;
	ELSIF v_before IS NOT NULL THEN
		v_after := v_before + v_profit;
	ELSIF v_after IS NOT NULL THEN
		v_before := v_after - v_profit;
		IF v_before < 0 THEN
			RAISE EXCEPTION 'running_balance_after does not match the round' USING ERRCODE = 'invalid_parameter_value',
				DETAIL = format('running_balance_after was %s; with profit_loss %s the balance before the round would have been %s.',
								v_after, v_profit, v_before);
		END IF;
	END IF;

	-- theory at the game's RTP: P(win) = RTP/t (1 for t <= 1), expected profit stake * (RTP - 1)
	v_bet_target := CASE WHEN v_outcome = 'WIN' THEN v_cashout ELSE coalesce(v_cashout, v_target) END;
	IF v_outcome IN ('WIN', 'LOSS') AND v_bet_target IS NOT NULL THEN
		v_winprob := CASE WHEN v_bet_target <= 1 THEN 1 ELSE round(g.rtp / v_bet_target, 6) END;
	END IF;

	-- money carries exactly the currency's decimals (10 is stored as 10.00)
	v_stake := round(v_stake, g.currency_decimals);
	v_payout := round(v_payout, g.currency_decimals);
	v_profit := round(v_profit, g.currency_decimals);
	v_before := round(v_before, g.currency_decimals);
	v_after := round(v_after, g.currency_decimals);
	IF v_outcome <> 'SKIP' THEN
		v_roi := round(v_profit * 100 / v_stake, 4);
	END IF;
	-- from the stored stake, so its scale is the currency's
	IF v_outcome IN ('WIN', 'LOSS') THEN
		v_expected := CASE WHEN v_bet_target <= 1 THEN 0 ELSE v_stake * (g.rtp - 1) END;
	ELSE
		v_expected := 0;
	END IF;
	v_final := CASE v_outcome WHEN 'WIN' THEN v_cashout WHEN 'LOSS' THEN v_crash END;

	-- timing: played_at is the first known of end, start, bet, cash-out, else now,
	-- but not before the bot's latest round (ingest.c)
	v_played := coalesce(v_ended, v_started, v_placed, v_cashed,
						 greatest(now(), (SELECT x.last_round_at FROM crash_analytics.bot_rollups x
										   WHERE x.bot_id = v_bot)));
	IF v_started IS NOT NULL AND v_ended IS NOT NULL THEN
		v_duration := trunc((extract(epoch FROM v_ended) - extract(epoch FROM v_started)) * 1000);
	END IF;

	/* ------------------------------------------------------------------
	 * 5. The bot (registered by its first round); 6. the session
	 * ------------------------------------------------------------------ */
	SELECT b.strategy_name, b.signal_rules INTO v_bot_strategy, v_rules
	  FROM crash_analytics.bot_vm_registration b WHERE b.bot_id = v_bot;
	IF NOT FOUND THEN
		INSERT INTO crash_analytics.bot_vm_registration (bot_id, registered_via)
		VALUES (v_bot, 'auto')
		RETURNING strategy_name, signal_rules INTO v_bot_strategy, v_rules;
	END IF;
	v_strategy := coalesce(v_strategy, v_bot_strategy);

	SELECT x.id, x.status, x.game_name, x.platform_code, x.balance_current, x.started_at, x.last_round_at INTO s
	  FROM crash_analytics.session_logs x WHERE x.bot_id = v_bot AND x.session_id = v_session;
	v_found := FOUND;
	IF v_found THEN
		IF s.status <> 'active' THEN
			RAISE EXCEPTION 'session "%" of bot "%" has ended', v_session, v_bot
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  DETAIL = format('The session''s status is %s.', s.status),
					  HINT = 'Log new rounds in a new session.';
		END IF;
		IF s.game_name IS NOT NULL AND (s.game_name <> v_game OR s.platform_code IS DISTINCT FROM v_platform) THEN
			RAISE EXCEPTION 'session "%" of bot "%" is on another game/platform', v_session, v_bot
				USING ERRCODE = 'invalid_parameter_value',
					  DETAIL = format('The session is on %s/%s; the round is on %s/%s.',
									  s.game_name, s.platform_code, v_game, v_platform);
		END IF;
		-- balances the bot did not send: the session's last balance, unless the
		-- round was played before the session's latest (a back-fill)
		IF s.balance_current IS NOT NULL AND v_before IS NULL AND s.balance_current + v_profit >= 0
		   AND v_stake <= s.balance_current AND NOT coalesce(v_played < s.last_round_at, false) THEN
			v_before := s.balance_current;
			v_after := s.balance_current + v_profit;
		END IF;
	END IF;

	/* ------------------------------------------------------------------
	 * 7. The round, then its fan-out
	 * ------------------------------------------------------------------ */
	INSERT INTO crash_analytics.crash_game_rounds
		(bot_id, session_id, round_number, bet_slot, platform_round_id, game_name, platform_code, currency,
		 game_rtp, round_started_at, round_ended_at, bet_placed_at, cashed_out_at, round_duration_ms, played_at,
		 stake_value, strategy_name, target_multiplier, auto_cashout, bet_sequence_step, crash_multiplier,
		 cashout_multiplier, final_multiplier, payout_value, profit_loss, roi_percent, running_balance_before,
		 running_balance_after, win_probability, expected_profit, detection_method, ocr_raw_text, ocr_confidence,
		 detection_latency_ms, round_outcome, is_instant_crash, outcome_source, error_count, retry_count,
		 error_message, server_seed, server_seed_hash, client_seed, nonce, round_hash, metadata, tags,
		 ingest_path, derived_at)
	VALUES
		(v_bot, v_session, v_round, v_slot, v_prid, v_game, v_platform, g.currency,
		 g.rtp, v_started, v_ended, v_placed, v_cashed, v_duration, v_played,
		 v_stake, v_strategy, v_target, v_auto, v_step, v_crash,
		 v_cashout, v_final, v_payout, v_profit, v_roi, v_before,
		 v_after, v_winprob, v_expected, v_detection, v_ocr_text, v_ocr_conf,
		 v_latency, v_outcome, v_crash = 1, CASE WHEN v_outcome_sent THEN 'sent' ELSE 'derived' END,
		 v_errors, v_retries,
		 v_error_message, v_server_seed, v_server_seed_hash, v_client_seed, v_nonce, v_round_hash, v_metadata, v_tags,
		 'function', now())
	RETURNING id INTO v_id;

	-- the multiplier, once per (bot, session, round): a second bet slot must agree with it
	INSERT INTO crash_analytics.analytics_round_multipliers
		(bot_id, session_id, round_id, game_name, platform_code, round_number, platform_round_id, multiplier,
		 is_instant_crash, observed_at, source)
	VALUES (v_bot, v_session, v_id, v_game, v_platform, v_round, v_prid, v_crash, v_crash = 1, v_played, 'round')
	ON CONFLICT (bot_id, session_id, round_number) DO NOTHING
	RETURNING id INTO v_mid;
	IF v_mid IS NULL THEN
		SELECT m.multiplier, m.game_name, m.platform_code INTO v_m
		  FROM crash_analytics.analytics_round_multipliers m
		 WHERE m.bot_id = v_bot AND m.session_id = v_session AND m.round_number = v_round;
		IF v_m.multiplier <> v_crash THEN
			RAISE EXCEPTION 'crash_multiplier disagrees with the multiplier already logged for this round'
				USING ERRCODE = 'invalid_parameter_value',
					  DETAIL = format('Round %s of session "%s" has multiplier %s; this bet slot sent %s.',
									  v_round, v_session, v_m.multiplier, v_crash);
		ELSIF v_m.game_name <> v_game OR v_m.platform_code <> v_platform THEN
			RAISE EXCEPTION 'game_name and platform_code disagree with the round already logged'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
	ELSE
		/*
		 * A new multiplier: resolve the open signals of the bot's
		 * game/platform, then run the bot's rules (signals.c).  The series
		 * state keeps the latest 50 multipliers (hundredths) and the number
		 * of open signals; a missing row is rebuilt from history.
		 */
		SELECT st.recent_hundredths, st.open_signals INTO v_recent, v_open
		  FROM crash_analytics.bot_series_state st
		 WHERE st.bot_id = v_bot AND st.game_name = v_game AND st.platform_code = v_platform;
		v_series_found := FOUND;
		IF NOT v_series_found THEN
			SELECT coalesce(array_agg(h.hundredths ORDER BY h.id), '{}') INTO v_recent
			  FROM (SELECT m.id, (m.multiplier * 100)::bigint AS hundredths
					  FROM crash_analytics.analytics_round_multipliers m
					 WHERE m.bot_id = v_bot AND m.game_name = v_game AND m.platform_code = v_platform
					   AND m.id <> v_mid
					 ORDER BY m.id DESC LIMIT 50) h;
			SELECT count(*) INTO v_open
			  FROM crash_analytics.analytics_round_signals x
			 WHERE x.bot_id = v_bot AND x.game_name = v_game AND x.platform_code = v_platform AND x.status = 'open';
		END IF;

		IF v_open > 0 THEN
			UPDATE crash_analytics.analytics_round_signals x
			   SET status = CASE WHEN v_crash >= x.target_multiplier THEN 'hit' ELSE 'miss' END,
				   resolved_round_number = v_round, resolved_multiplier = v_crash,
				   resolved_multiplier_id = v_mid, resolved_at = v_played
			 WHERE x.bot_id = v_bot AND x.game_name = v_game AND x.platform_code = v_platform AND x.status = 'open';
			v_open := 0;
		END IF;

		-- this multiplier joins the recent ones
		v_h := (v_crash * 100)::bigint;
		IF cardinality(v_recent) >= 50 THEN
			v_recent := v_recent[cardinality(v_recent) - 48 : cardinality(v_recent)];
		END IF;
		v_recent := v_recent || v_h;
		v_n := cardinality(v_recent);

		-- the rules, validated as they are read (as the C code does)
		IF jsonb_typeof(v_rules) <> 'array' THEN
			RAISE EXCEPTION 'signal_rules must be a JSON array' USING ERRCODE = 'invalid_parameter_value';
		END IF;
		v_rule_no := 0;
		FOR v_rule IN SELECT e FROM jsonb_array_elements(v_rules) e LOOP
			v_rule_no := v_rule_no + 1;
			IF v_rule_no > 16 THEN
				RAISE EXCEPTION 'too many signal rules' USING ERRCODE = 'program_limit_exceeded',
					DETAIL = 'At most 16 rules are allowed.';
			ELSIF jsonb_typeof(v_rule) <> 'object' THEN
				RAISE EXCEPTION 'invalid signal rule %', v_rule_no USING ERRCODE = 'invalid_parameter_value',
					DETAIL = 'A rule must be a JSON object.';
			ELSIF jsonb_typeof(v_rule -> 'rule') IS DISTINCT FROM 'string' THEN
				RAISE EXCEPTION 'invalid signal rule %', v_rule_no USING ERRCODE = 'invalid_parameter_value',
					DETAIL = 'Key "rule" must name the rule.';
			END IF;
			v_kind := v_rule ->> 'rule';
			IF v_kind = 'low_streak' THEN
				v_num := CASE WHEN jsonb_typeof(v_rule -> 'length') = 'number' THEN (v_rule ->> 'length')::numeric END;
				IF v_num IS NULL OR v_num < 1 OR v_num > 50 OR v_num <> round(v_num) THEN
					RAISE EXCEPTION 'invalid signal rule %', v_rule_no USING ERRCODE = 'invalid_parameter_value',
						DETAIL = 'Key "length" must be a whole number from 1 to 50.';
				END IF;
				v_len := v_num;
				v_key := 'below';
			ELSIF v_kind = 'high_after' THEN
				v_len := 1;
				v_key := 'above';
			ELSE
				RAISE EXCEPTION 'invalid signal rule %', v_rule_no USING ERRCODE = 'invalid_parameter_value',
					DETAIL = format('Unknown rule "%s"; known rules are low_streak and high_after.', v_kind);
			END IF;
			-- threshold, then target: multipliers from 1.01, below 1e8, two decimals
			v_num := CASE WHEN jsonb_typeof(v_rule -> v_key) = 'number' THEN (v_rule ->> v_key)::numeric END;
			IF v_num IS NULL OR v_num < 1.01 OR v_num >= 1e8 OR round(v_num, 2) <> v_num THEN
				RAISE EXCEPTION 'invalid signal rule %', v_rule_no USING ERRCODE = 'invalid_parameter_value',
					DETAIL = format('Key "%s" must be a multiplier from 1.01 with at most two decimal places.', v_key);
			END IF;
			v_threshold := round(v_num, 2);
			v_num := CASE WHEN jsonb_typeof(v_rule -> 'target') = 'number' THEN (v_rule ->> 'target')::numeric END;
			IF v_num IS NULL OR v_num < 1.01 OR v_num >= 1e8 OR round(v_num, 2) <> v_num THEN
				RAISE EXCEPTION 'invalid signal rule %', v_rule_no USING ERRCODE = 'invalid_parameter_value',
					DETAIL = 'Key "target" must be a multiplier from 1.01 with at most two decimal places.';
			END IF;
			v_rule_target := round(v_num, 2);
			SELECT k INTO v_key FROM jsonb_object_keys(v_rule) k
			 WHERE k NOT IN ('rule', 'target', CASE v_kind WHEN 'low_streak' THEN 'length' ELSE 'rule' END,
							 CASE v_kind WHEN 'low_streak' THEN 'below' ELSE 'above' END)
			 LIMIT 1;
			IF FOUND THEN
				RAISE EXCEPTION 'invalid signal rule %', v_rule_no USING ERRCODE = 'invalid_parameter_value',
					DETAIL = format('Unknown key "%s".', v_key);
			END IF;

			-- does it match?
			IF v_kind = 'high_after' THEN
				v_match := v_h >= (v_threshold * 100)::bigint;
			ELSE
				v_match := v_n >= v_len;
				v_j := v_n - v_len + 1;
				WHILE v_match AND v_j <= v_n LOOP
					v_match := v_recent[v_j] < (v_threshold * 100)::bigint;
					v_j := v_j + 1;
				END LOOP;
			END IF;
			IF v_match THEN
				INSERT INTO crash_analytics.analytics_round_signals
					(bot_id, session_id, game_name, platform_code, source, signal_type, target_multiplier,
					 pattern_match, feature_vector, emitted_after_round, after_multiplier_id, emitted_at, status)
				VALUES (v_bot, v_session, v_game, v_platform, 'rule', v_kind, v_rule_target,
						CASE v_kind WHEN 'low_streak' THEN format('%s rounds under %sx', v_len, v_threshold)
									ELSE format('a round at %sx or more', v_threshold) END,
						jsonb_build_object('multipliers',
							(SELECT jsonb_agg(u.h * 0.01 ORDER BY u.i)
							   FROM unnest(v_recent[v_n - v_len + 1 : v_n]) WITH ORDINALITY u(h, i))),
						v_round, v_mid, v_played, 'open');
				v_open := v_open + 1;
			END IF;
		END LOOP;

		IF v_series_found THEN
			UPDATE crash_analytics.bot_series_state st
			   SET last_multiplier_id = v_mid, recent_hundredths = v_recent, open_signals = v_open
			 WHERE st.bot_id = v_bot AND st.game_name = v_game AND st.platform_code = v_platform;
		ELSE
			INSERT INTO crash_analytics.bot_series_state
				(bot_id, game_name, platform_code, last_multiplier_id, recent_hundredths, open_signals)
			VALUES (v_bot, v_game, v_platform, v_mid, v_recent, v_open);
		END IF;
	END IF;

	-- the outcome of a bet
	IF v_outcome <> 'SKIP' THEN
		INSERT INTO crash_analytics.analytics_round_outcomes
			(bot_id, session_id, round_id, game_name, platform_code, round_number, bet_slot, strategy_name, outcome,
			 stake_value, target_multiplier, cashout_multiplier, crash_multiplier, payout_value, profit_loss,
			 roi_percent, win_probability, expected_profit, settled_at)
		VALUES (v_bot, v_session, v_id, v_game, v_platform, v_round, v_slot, v_strategy, v_outcome,
				v_stake, v_target, v_cashout, v_crash, v_payout, v_profit,
				v_roi, v_winprob, v_expected, v_played);
	END IF;

	-- running figures; a round played before the bot's latest (or its
	-- session's start) has the bot replayed in play order (rebuild.c)
	IF ca_ref.add_round(v_bot, v_session, v_game, v_platform, v_strategy, v_round, v_id, v_played, v_outcome,
						v_stake, v_payout, v_profit, v_expected, v_winprob, v_before, v_after, true)
	   OR (v_found AND v_played < s.started_at) THEN
		PERFORM ca_ref.replay_bot(v_bot);
	END IF;

	RETURN v_id;
END
$fn$;

COMMENT ON FUNCTION ca_ref.log_crash_round(text, text, text, text, bigint, numeric, numeric, numeric, text, numeric, numeric, numeric, text, numeric, integer, text, timestamptz, timestamptz, timestamptz, timestamptz, boolean, integer, text, text, numeric, integer, integer, integer, text, text, text, text, bigint, text, jsonb, text[]) IS
	'PL/pgSQL reference of crash_analytics.log_crash_round (same signature, rows and SQLSTATEs): the benchmark''s baseline.';
