/* sql/crash_analytics--1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION crash_analytics" to load this file. \quit

/*
 * Refuse a schema someone else prepared.  CREATE EXTENSION reuses an
 * existing schema named in the control file; if another role owns it, that
 * role could have planted functions, operators or tables that our script and
 * our callers would then resolve.  Fail before creating anything.
 */
DO $guard$
DECLARE
	schema_owner name;
BEGIN
	SELECT r.rolname INTO schema_owner
	  FROM pg_catalog.pg_namespace n
	  JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) n.nspowner
	 WHERE n.nspname OPERATOR(pg_catalog.=) 'crash_analytics';
	IF schema_owner OPERATOR(pg_catalog.<>) CURRENT_USER THEN
		RAISE EXCEPTION USING
			ERRCODE = 'duplicate_schema',
			MESSAGE = pg_catalog.format('schema "crash_analytics" already exists and is owned by role "%s"', schema_owner),
			DETAIL = 'The extension installs into a schema owned by the role that creates it, so that no other role''s objects can take part in its functions.',
			HINT = 'Drop or rename the existing schema, or have its owner create the extension.';
	END IF;
	IF EXISTS (SELECT 1 FROM pg_catalog.pg_class c
				 JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
				WHERE n.nspname OPERATOR(pg_catalog.=) 'crash_analytics')
	   OR EXISTS (SELECT 1 FROM pg_catalog.pg_proc p
				 JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
				WHERE n.nspname OPERATOR(pg_catalog.=) 'crash_analytics') THEN
		RAISE EXCEPTION USING
			ERRCODE = 'duplicate_schema',
			MESSAGE = 'schema "crash_analytics" is not empty',
			HINT = 'Install the extension into a new or empty schema.';
	END IF;
END
$guard$;

REVOKE ALL ON SCHEMA crash_analytics FROM PUBLIC;

/* ------------------------------------------------------------------------
 * Reference data: one row per (game, platform).  Not per bot, so with Citus
 * it becomes a reference table.  Rows shipped with the extension carry
 * is_builtin; see the trigger below for how they survive pg_dump.
 * ------------------------------------------------------------------------ */
CREATE TABLE crash_analytics.game_platform_config (
	id					bigint GENERATED ALWAYS AS IDENTITY,
	game_name			text COLLATE "C" NOT NULL,
	platform_code		text COLLATE "C" NOT NULL,
	provider			text,
	rtp					numeric NOT NULL,
	currency			text NOT NULL DEFAULT 'USD',
	currency_decimals	smallint NOT NULL DEFAULT 2,
	min_bet				numeric NOT NULL DEFAULT 0.01,
	max_bet				numeric NOT NULL DEFAULT 1000000,
	max_multiplier		numeric NOT NULL DEFAULT 1000000.00,
	is_active			boolean NOT NULL DEFAULT true,
	is_builtin			boolean NOT NULL DEFAULT false,
	metadata			jsonb NOT NULL DEFAULT '{}',
	created_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT game_platform_config_pkey PRIMARY KEY (game_name, platform_code),
	CONSTRAINT game_platform_config_game_name_check CHECK (game_name ~ '^[a-z0-9_]{1,64}$'),
	CONSTRAINT game_platform_config_platform_code_check CHECK (platform_code ~ '^[a-z0-9_.-]{1,64}$'),
	CONSTRAINT game_platform_config_rtp_check CHECK (rtp > 0 AND rtp <= 1),
	CONSTRAINT game_platform_config_currency_check CHECK (currency ~ '^[A-Z0-9]{2,10}$'),
	CONSTRAINT game_platform_config_decimals_check CHECK (currency_decimals BETWEEN 0 AND 8),
	CONSTRAINT game_platform_config_bets_check CHECK (min_bet > 0 AND max_bet >= min_bet AND max_bet < 1e15),
	CONSTRAINT game_platform_config_max_multiplier_check
		CHECK (max_multiplier >= 1.01 AND max_multiplier < 1e8 AND max_multiplier = pg_catalog.round(max_multiplier, 2))
);
COMMENT ON TABLE crash_analytics.game_platform_config IS
	'One crash game on one platform: RTP, currency and its decimals, bet limits, maximum multiplier. Rounds of unknown or inactive game/platform pairs are refused.';

/* ------------------------------------------------------------------------
 * One bot on one VM.  Created by register_bot(), or automatically (with
 * registered_via = 'auto') by the bot's first logged round.
 * ------------------------------------------------------------------------ */
CREATE TABLE crash_analytics.bot_vm_registration (
	id					bigint GENERATED ALWAYS AS IDENTITY,
	bot_id				text COLLATE "C" NOT NULL,
	bot_name			text,
	vm_provider			text,
	vm_host				text,
	vm_region			text,
	strategy_name		text COLLATE "C",
	initial_balance		numeric,
	status				text NOT NULL DEFAULT 'active',
	signal_rules		jsonb NOT NULL DEFAULT '[{"rule": "low_streak", "length": 3, "below": 2.00, "target": 1.80}]',
	registered_via		text NOT NULL DEFAULT 'function',
	metadata			jsonb NOT NULL DEFAULT '{}',
	created_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT bot_vm_registration_pkey PRIMARY KEY (bot_id),
	CONSTRAINT bot_vm_registration_bot_id_check CHECK (pg_catalog.length(bot_id) BETWEEN 1 AND 128),
	CONSTRAINT bot_vm_registration_status_check CHECK (status IN ('active', 'paused', 'retired')),
	CONSTRAINT bot_vm_registration_via_check CHECK (registered_via IN ('function', 'auto')),
	CONSTRAINT bot_vm_registration_balance_check CHECK (initial_balance IS NULL OR initial_balance >= 0),
	CONSTRAINT bot_vm_registration_rules_check CHECK (pg_catalog.jsonb_typeof(signal_rules) = 'array')
);
COMMENT ON TABLE crash_analytics.bot_vm_registration IS
	'One bot on one VM: identity, VM placement, strategy, initial balance, status and the built-in signal rules it runs.';

/* ------------------------------------------------------------------------
 * One bot session and its running figures, kept current by every round.
 * ------------------------------------------------------------------------ */
CREATE TABLE crash_analytics.session_logs (
	id					bigint GENERATED ALWAYS AS IDENTITY,
	bot_id				text COLLATE "C" NOT NULL,
	session_id			text COLLATE "C" NOT NULL,
	game_name			text COLLATE "C",
	platform_code		text COLLATE "C",
	status				text NOT NULL DEFAULT 'active',
	started_at			timestamptz NOT NULL,
	ended_at			timestamptz,
	end_reason			text,
	rounds_played		bigint NOT NULL DEFAULT 0,
	bets_placed			bigint NOT NULL DEFAULT 0,
	wins				bigint NOT NULL DEFAULT 0,
	losses				bigint NOT NULL DEFAULT 0,
	skips				bigint NOT NULL DEFAULT 0,
	voids				bigint NOT NULL DEFAULT 0,
	total_staked		numeric NOT NULL DEFAULT 0,
	total_payout		numeric NOT NULL DEFAULT 0,
	total_profit		numeric NOT NULL DEFAULT 0,
	balance_start		numeric,
	balance_current		numeric,
	peak_balance		numeric,
	peak_profit			numeric NOT NULL DEFAULT 0,
	max_drawdown		numeric NOT NULL DEFAULT 0,
	last_round_number	bigint,
	last_round_at		timestamptz,
	metadata			jsonb NOT NULL DEFAULT '{}',
	created_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT session_logs_pkey PRIMARY KEY (bot_id, id),
	CONSTRAINT session_logs_session_key UNIQUE (bot_id, session_id),
	CONSTRAINT session_logs_session_id_check CHECK (pg_catalog.length(session_id) BETWEEN 1 AND 128),
	CONSTRAINT session_logs_status_check CHECK (status IN ('active', 'completed', 'aborted', 'crashed')),
	CONSTRAINT session_logs_ended_check CHECK ((status = 'active') = (ended_at IS NULL)),
	CONSTRAINT session_logs_counts_check
		CHECK (rounds_played = bets_placed + skips AND bets_placed = wins + losses + voids AND skips >= 0 AND wins >= 0 AND losses >= 0 AND voids >= 0),
	CONSTRAINT session_logs_money_check CHECK (total_staked >= 0 AND total_payout >= 0 AND total_profit = total_payout - total_staked),
	CONSTRAINT session_logs_drawdown_check CHECK (max_drawdown >= 0 AND peak_profit >= 0)
);
COMMENT ON TABLE crash_analytics.session_logs IS
	'One bot session: start and end, status, and running figures (rounds, wins, losses, staked, profit, balances, peak, maximum drawdown) kept current by every logged round.';

/* ------------------------------------------------------------------------
 * The main table: one bet slot of one bot in one round, in twelve sections.
 * Rows are written by the ingestion functions or by plain INSERT/COPY; both
 * go through the same C routine (the BEFORE INSERT trigger for the latter).
 * Multipliers carry two decimals and money carries at most the currency's
 * decimals: the C code normalises both before the row is stored.
 * ------------------------------------------------------------------------ */
CREATE TABLE crash_analytics.crash_game_rounds (
	-- 1. identity
	id					bigint GENERATED ALWAYS AS IDENTITY,
	bot_id				text COLLATE "C" NOT NULL,
	session_id			text COLLATE "C" NOT NULL,
	round_number		bigint NOT NULL,
	bet_slot			integer NOT NULL DEFAULT 1,
	platform_round_id	text COLLATE "C",
	-- 2. game and platform
	game_name			text COLLATE "C" NOT NULL,
	platform_code		text COLLATE "C" NOT NULL,
	currency			text NOT NULL,
	game_rtp			numeric NOT NULL,
	-- 3. timing
	round_started_at	timestamptz,
	round_ended_at		timestamptz,
	bet_placed_at		timestamptz,
	cashed_out_at		timestamptz,
	round_duration_ms	bigint,
	played_at			timestamptz NOT NULL,
	logged_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	-- 4. stake and strategy
	stake_value			numeric NOT NULL,
	strategy_name		text COLLATE "C",
	target_multiplier	numeric,
	auto_cashout		boolean,
	bet_sequence_step	integer,
	-- 5. multipliers
	crash_multiplier	numeric NOT NULL,
	cashout_multiplier	numeric,
	final_multiplier	numeric,
	-- 6. money
	payout_value		numeric NOT NULL,
	profit_loss			numeric NOT NULL,
	roi_percent			numeric,
	running_balance_before numeric,
	running_balance_after numeric,
	-- 7. theory at the game's RTP
	win_probability		numeric,
	expected_profit		numeric NOT NULL,
	-- 8. OCR and detection
	detection_method	text,
	ocr_raw_text		text,
	ocr_confidence		numeric,
	detection_latency_ms integer,
	-- 9. outcome
	round_outcome		text NOT NULL,
	is_instant_crash	boolean NOT NULL,
	outcome_source		text NOT NULL,
	-- 10. errors
	error_count			integer NOT NULL DEFAULT 0,
	retry_count			integer NOT NULL DEFAULT 0,
	error_message		text,
	-- 11. provably fair
	server_seed			text,
	server_seed_hash	text,
	client_seed			text,
	nonce				bigint,
	round_hash			text,
	-- 12. metadata and audit
	metadata			jsonb NOT NULL DEFAULT '{}',
	tags				text[],
	ingest_path			text NOT NULL,
	derived_at			timestamptz,
	created_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT crash_game_rounds_pkey PRIMARY KEY (bot_id, id),
	CONSTRAINT crash_game_rounds_round_key UNIQUE (bot_id, session_id, round_number, bet_slot),
	CONSTRAINT crash_game_rounds_round_number_check CHECK (round_number >= 0),
	CONSTRAINT crash_game_rounds_bet_slot_check CHECK (bet_slot BETWEEN 1 AND 16),
	CONSTRAINT crash_game_rounds_outcome_check CHECK (round_outcome IN ('WIN', 'LOSS', 'SKIP', 'VOID')),
	CONSTRAINT crash_game_rounds_crash_check
		CHECK (crash_multiplier >= 1.00 AND crash_multiplier < 1e8 AND crash_multiplier = pg_catalog.round(crash_multiplier, 2)),
	CONSTRAINT crash_game_rounds_cashout_check
		CHECK (cashout_multiplier IS NULL OR (cashout_multiplier >= 1.00 AND cashout_multiplier < 1e8 AND cashout_multiplier = pg_catalog.round(cashout_multiplier, 2))),
	CONSTRAINT crash_game_rounds_target_check
		CHECK (target_multiplier IS NULL OR (target_multiplier >= 1.00 AND target_multiplier < 1e8 AND target_multiplier = pg_catalog.round(target_multiplier, 2))),
	CONSTRAINT crash_game_rounds_stake_check
		CHECK (CASE round_outcome WHEN 'SKIP' THEN stake_value = 0 ELSE stake_value > 0 END),
	CONSTRAINT crash_game_rounds_win_check
		CHECK (CASE round_outcome WHEN 'WIN' THEN cashout_multiplier <= crash_multiplier
								  WHEN 'LOSS' THEN cashout_multiplier IS NULL OR cashout_multiplier > crash_multiplier
								  ELSE true END),
	CONSTRAINT crash_game_rounds_money_check
		CHECK (payout_value >= 0 AND profit_loss = payout_value - stake_value
			   AND (running_balance_before IS NULL) = (running_balance_after IS NULL)),
	CONSTRAINT crash_game_rounds_confidence_check CHECK (ocr_confidence IS NULL OR ocr_confidence BETWEEN 0 AND 1),
	CONSTRAINT crash_game_rounds_counts_check
		CHECK (error_count >= 0 AND retry_count >= 0 AND (detection_latency_ms IS NULL OR detection_latency_ms >= 0)),
	CONSTRAINT crash_game_rounds_ingest_path_check CHECK (ingest_path IN ('function', 'batch', 'insert')),
	CONSTRAINT crash_game_rounds_outcome_source_check CHECK (outcome_source IN ('sent', 'derived'))
);
COMMENT ON TABLE crash_analytics.crash_game_rounds IS
	'One bet slot of one bot in one round (WIN, LOSS, SKIP or VOID), in twelve sections. Write with log_crash_round(), log_crash_rounds() or plain INSERT/COPY; every path validates, derives and fans out the same way. A row arriving with derived_at already set is a restored row and is stored as it is.';
COMMENT ON COLUMN crash_analytics.crash_game_rounds.derived_at IS
	'When the extension derived this round''s analytics rows and roll-ups. Leave it NULL when inserting: a non-NULL value marks a row restored from a dump, whose derived rows are restored with it.';

/* ------------------------------------------------------------------------
 * Analytics table 1: the crash multiplier of a round as the bot saw it, one
 * row per (bot, session, round) whatever the number of bet slots.  round_id
 * is NULL for multipliers logged alone by log_round_multiplier_analytics().
 * ------------------------------------------------------------------------ */
CREATE TABLE crash_analytics.analytics_round_multipliers (
	id					bigint GENERATED ALWAYS AS IDENTITY,
	bot_id				text COLLATE "C" NOT NULL,
	session_id			text COLLATE "C" NOT NULL,
	round_id			bigint,
	game_name			text COLLATE "C" NOT NULL,
	platform_code		text COLLATE "C" NOT NULL,
	round_number		bigint NOT NULL,
	platform_round_id	text COLLATE "C",
	multiplier			numeric NOT NULL,
	is_instant_crash	boolean NOT NULL,
	observed_at			timestamptz NOT NULL,
	round_date			date GENERATED ALWAYS AS ((observed_at AT TIME ZONE 'UTC')::date) STORED,
	round_hour			smallint GENERATED ALWAYS AS (pg_catalog.date_part('hour', observed_at AT TIME ZONE 'UTC')::smallint) STORED,
	source				text NOT NULL,
	created_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT analytics_round_multipliers_pkey PRIMARY KEY (bot_id, id),
	CONSTRAINT analytics_round_multipliers_round_key UNIQUE (bot_id, session_id, round_number),
	CONSTRAINT analytics_round_multipliers_multiplier_check
		CHECK (multiplier >= 1.00 AND multiplier < 1e8 AND multiplier = pg_catalog.round(multiplier, 2)),
	CONSTRAINT analytics_round_multipliers_instant_check CHECK (is_instant_crash = (multiplier = 1.00)),
	CONSTRAINT analytics_round_multipliers_source_check CHECK (source IN ('round', 'direct')),
	CONSTRAINT analytics_round_multipliers_round_id_check CHECK ((source = 'round') = (round_id IS NOT NULL))
);
COMMENT ON TABLE crash_analytics.analytics_round_multipliers IS
	'ML training data: the crash multiplier of each round a bot saw, with UTC date and hour buckets. Derived from crash_game_rounds (source round) or logged alone (source direct).';

/* ------------------------------------------------------------------------
 * Analytics table 2: signals.  A built-in rule (source 'rule') or the bot's
 * own model (source 'bot') predicts that the next round of the bot's
 * game/platform reaches target_multiplier; the next multiplier resolves it.
 * ------------------------------------------------------------------------ */
CREATE TABLE crash_analytics.analytics_round_signals (
	id					bigint GENERATED ALWAYS AS IDENTITY,
	bot_id				text COLLATE "C" NOT NULL,
	session_id			text COLLATE "C" NOT NULL,
	game_name			text COLLATE "C" NOT NULL,
	platform_code		text COLLATE "C" NOT NULL,
	source				text NOT NULL,
	signal_type			text COLLATE "C" NOT NULL,
	model_name			text COLLATE "C",
	target_multiplier	numeric NOT NULL,
	confidence_score	numeric,
	pattern_match		text,
	feature_vector		jsonb,
	emitted_after_round	bigint,
	emitted_at			timestamptz NOT NULL,
	status				text NOT NULL DEFAULT 'open',
	resolved_round_number bigint,
	resolved_multiplier	numeric,
	resolved_at			timestamptz,
	created_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT analytics_round_signals_pkey PRIMARY KEY (bot_id, id),
	CONSTRAINT analytics_round_signals_source_check CHECK (source IN ('rule', 'bot')),
	CONSTRAINT analytics_round_signals_target_check
		CHECK (target_multiplier >= 1.01 AND target_multiplier < 1e8 AND target_multiplier = pg_catalog.round(target_multiplier, 2)),
	CONSTRAINT analytics_round_signals_confidence_check CHECK (confidence_score IS NULL OR confidence_score BETWEEN 0 AND 1),
	CONSTRAINT analytics_round_signals_status_check CHECK (status IN ('open', 'hit', 'miss')),
	CONSTRAINT analytics_round_signals_resolution_check
		CHECK (CASE status WHEN 'open' THEN resolved_multiplier IS NULL AND resolved_at IS NULL
						   WHEN 'hit' THEN resolved_multiplier >= target_multiplier
						   ELSE resolved_multiplier < target_multiplier END)
);
COMMENT ON TABLE crash_analytics.analytics_round_signals IS
	'Signals: a rule or model predicts that the next round reaches target_multiplier. Resolved (hit or miss) by the next multiplier the bot sees in the same game/platform.';

/* ------------------------------------------------------------------------
 * Analytics table 3: one settled bet (WIN, LOSS or VOID), denormalised for
 * reporting, derived from its crash_game_rounds row.
 * ------------------------------------------------------------------------ */
CREATE TABLE crash_analytics.analytics_round_outcomes (
	id					bigint GENERATED ALWAYS AS IDENTITY,
	bot_id				text COLLATE "C" NOT NULL,
	session_id			text COLLATE "C" NOT NULL,
	round_id			bigint NOT NULL,
	game_name			text COLLATE "C" NOT NULL,
	platform_code		text COLLATE "C" NOT NULL,
	round_number		bigint NOT NULL,
	bet_slot			integer NOT NULL,
	strategy_name		text COLLATE "C",
	outcome				text NOT NULL,
	stake_value			numeric NOT NULL,
	target_multiplier	numeric,
	cashout_multiplier	numeric,
	crash_multiplier	numeric NOT NULL,
	payout_value		numeric NOT NULL,
	profit_loss			numeric NOT NULL,
	roi_percent			numeric NOT NULL,
	win_probability		numeric,
	expected_profit		numeric NOT NULL,
	settled_at			timestamptz NOT NULL,
	outcome_date		date GENERATED ALWAYS AS ((settled_at AT TIME ZONE 'UTC')::date) STORED,
	outcome_hour		smallint GENERATED ALWAYS AS (pg_catalog.date_part('hour', settled_at AT TIME ZONE 'UTC')::smallint) STORED,
	created_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT analytics_round_outcomes_pkey PRIMARY KEY (bot_id, id),
	CONSTRAINT analytics_round_outcomes_round_key UNIQUE (bot_id, round_id),
	CONSTRAINT analytics_round_outcomes_outcome_check CHECK (outcome IN ('WIN', 'LOSS', 'VOID')),
	CONSTRAINT analytics_round_outcomes_money_check CHECK (stake_value > 0 AND payout_value >= 0 AND profit_loss = payout_value - stake_value)
);
COMMENT ON TABLE crash_analytics.analytics_round_outcomes IS
	'Statistics and reporting: one settled bet with stake, payout, profit, ROI, strategy, the win probability and expected profit at the game''s RTP, and UTC date and hour buckets.';

CREATE TABLE crash_analytics.ocr_validation_logs (
	id					bigint GENERATED ALWAYS AS IDENTITY,
	bot_id				text COLLATE "C" NOT NULL,
	session_id			text COLLATE "C",
	game_name			text COLLATE "C",
	platform_code		text COLLATE "C",
	round_number		bigint,
	raw_text			text NOT NULL,
	parsed_value		numeric,
	confidence			numeric,
	is_valid			boolean NOT NULL,
	validation_error	text,
	created_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT ocr_validation_logs_pkey PRIMARY KEY (bot_id, id),
	CONSTRAINT ocr_validation_logs_confidence_check CHECK (confidence IS NULL OR confidence BETWEEN 0 AND 1),
	CONSTRAINT ocr_validation_logs_valid_check CHECK (NOT is_valid OR parsed_value IS NOT NULL)
);
COMMENT ON TABLE crash_analytics.ocr_validation_logs IS
	'One OCR reading of a multiplier by a bot: raw text, parsed value, confidence, and whether it was valid.';

CREATE TABLE crash_analytics.error_logs (
	id					bigint GENERATED ALWAYS AS IDENTITY,
	bot_id				text COLLATE "C" NOT NULL,
	session_id			text COLLATE "C",
	error_type			text NOT NULL,
	error_message		text NOT NULL,
	stack_trace			text,
	recovery_action		text,
	severity			text NOT NULL DEFAULT 'error',
	round_number		bigint,
	context				jsonb NOT NULL DEFAULT '{}',
	occurred_at			timestamptz NOT NULL,
	created_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT error_logs_pkey PRIMARY KEY (bot_id, id),
	CONSTRAINT error_logs_severity_check CHECK (severity IN ('debug', 'info', 'warning', 'error', 'critical'))
);
COMMENT ON TABLE crash_analytics.error_logs IS
	'One bot error: type, message, stack trace and the recovery action taken.';

/* ------------------------------------------------------------------------
 * Roll-ups: what statistics read instead of the rounds.  Maintained in the
 * ingesting transaction, one row per bot and one per (bot, game, platform,
 * strategy, UTC hour).  strategy_name '' stands for "no strategy given".
 * fillfactor leaves room for HOT updates: no indexed column changes.
 * ------------------------------------------------------------------------ */
CREATE TABLE crash_analytics.bot_rollups (
	bot_id				text COLLATE "C" NOT NULL,
	rounds				bigint NOT NULL DEFAULT 0,
	bets				bigint NOT NULL DEFAULT 0,
	wins				bigint NOT NULL DEFAULT 0,
	losses				bigint NOT NULL DEFAULT 0,
	skips				bigint NOT NULL DEFAULT 0,
	voids				bigint NOT NULL DEFAULT 0,
	total_staked		numeric NOT NULL DEFAULT 0,
	total_payout		numeric NOT NULL DEFAULT 0,
	total_profit		numeric NOT NULL DEFAULT 0,
	expected_profit		numeric NOT NULL DEFAULT 0,
	sum_win_probability	numeric NOT NULL DEFAULT 0,
	targeted_bets		bigint NOT NULL DEFAULT 0,
	best_profit			numeric,
	worst_profit		numeric,
	current_streak		bigint NOT NULL DEFAULT 0,
	longest_win_streak	bigint NOT NULL DEFAULT 0,
	longest_loss_streak	bigint NOT NULL DEFAULT 0,
	peak_profit			numeric NOT NULL DEFAULT 0,
	max_drawdown		numeric NOT NULL DEFAULT 0,
	peak_balance		numeric,
	current_balance		numeric,
	first_round_at		timestamptz,
	last_round_at		timestamptz,
	last_round_id		bigint,
	updated_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT bot_rollups_pkey PRIMARY KEY (bot_id),
	CONSTRAINT bot_rollups_counts_check CHECK (rounds = bets + skips AND bets = wins + losses + voids),
	CONSTRAINT bot_rollups_money_check CHECK (total_profit = total_payout - total_staked)
) WITH (fillfactor = 50);
COMMENT ON TABLE crash_analytics.bot_rollups IS
	'Per-bot roll-up of all its rounds in logging order: counts, money, theory sums, streaks, drawdown and balances. Read by get_bot_statistics().';

CREATE TABLE crash_analytics.bot_hourly_rollups (
	bot_id				text COLLATE "C" NOT NULL,
	game_name			text COLLATE "C" NOT NULL,
	platform_code		text COLLATE "C" NOT NULL,
	strategy_name		text COLLATE "C" NOT NULL,
	hour_start			timestamptz NOT NULL,
	rounds				bigint NOT NULL DEFAULT 0,
	bets				bigint NOT NULL DEFAULT 0,
	wins				bigint NOT NULL DEFAULT 0,
	losses				bigint NOT NULL DEFAULT 0,
	skips				bigint NOT NULL DEFAULT 0,
	voids				bigint NOT NULL DEFAULT 0,
	total_staked		numeric NOT NULL DEFAULT 0,
	total_payout		numeric NOT NULL DEFAULT 0,
	total_profit		numeric NOT NULL DEFAULT 0,
	expected_profit		numeric NOT NULL DEFAULT 0,
	sum_win_probability	numeric NOT NULL DEFAULT 0,
	targeted_bets		bigint NOT NULL DEFAULT 0,
	best_profit			numeric,
	worst_profit		numeric,
	updated_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT bot_hourly_rollups_pkey PRIMARY KEY (bot_id, game_name, platform_code, strategy_name, hour_start),
	CONSTRAINT bot_hourly_rollups_counts_check CHECK (rounds = bets + skips AND bets = wins + losses + voids),
	CONSTRAINT bot_hourly_rollups_money_check CHECK (total_profit = total_payout - total_staked)
) WITH (fillfactor = 50);
COMMENT ON TABLE crash_analytics.bot_hourly_rollups IS
	'Per (bot, game, platform, strategy, UTC hour) roll-up of rounds: counts, money and theory sums. Read by the game, strategy and dashboard analytics.';

/* ------------------------------------------------------------------------
 * Indexes.  Each names the query it serves.
 * ------------------------------------------------------------------------ */
-- a bot's rounds by time: session and period reports, export_rounds_to_json(bot, from, to)
CREATE INDEX crash_game_rounds_bot_time_idx ON crash_analytics.crash_game_rounds (bot_id, played_at);
-- a game/platform's rounds by time: game statistics and backtests over recorded history
CREATE INDEX crash_game_rounds_game_time_idx ON crash_analytics.crash_game_rounds (game_name, platform_code, played_at);
-- retention purge and time-window scans over the whole table: cheap on append-only data
CREATE INDEX crash_game_rounds_logged_brin ON crash_analytics.crash_game_rounds USING brin (logged_at);
-- the same platform round seen by several bots (OCR disagreement, de-duplication)
CREATE INDEX crash_game_rounds_platform_round_idx ON crash_analytics.crash_game_rounds (platform_code, platform_round_id)
	WHERE platform_round_id IS NOT NULL;
-- strategy comparison within a game
CREATE INDEX crash_game_rounds_strategy_idx ON crash_analytics.crash_game_rounds (strategy_name, game_name, played_at)
	WHERE strategy_name IS NOT NULL;
-- provably-fair verification in bulk: rounds that carry revealed seeds
CREATE INDEX crash_game_rounds_fair_idx ON crash_analytics.crash_game_rounds (game_name, platform_code, id)
	WHERE server_seed IS NOT NULL;

-- built-in signal rules read a bot's latest multipliers in one game/platform; ML export reads them in order
CREATE INDEX analytics_round_multipliers_series_idx
	ON crash_analytics.analytics_round_multipliers (bot_id, game_name, platform_code, id);
-- multiplier distribution and hourly dashboards per game/platform and period
CREATE INDEX analytics_round_multipliers_game_time_idx
	ON crash_analytics.analytics_round_multipliers (game_name, platform_code, observed_at);
-- counting a platform round once when several bots saw it
CREATE INDEX analytics_round_multipliers_platform_round_idx
	ON crash_analytics.analytics_round_multipliers (game_name, platform_code, platform_round_id)
	WHERE platform_round_id IS NOT NULL;
-- verify_consistency(): derived multiplier of a round
CREATE INDEX analytics_round_multipliers_round_idx
	ON crash_analytics.analytics_round_multipliers (bot_id, round_id) WHERE round_id IS NOT NULL;

-- every new multiplier resolves the open signals of its bot and game/platform
CREATE INDEX analytics_round_signals_open_idx
	ON crash_analytics.analytics_round_signals (bot_id, game_name, platform_code) WHERE status = 'open';
-- signal effectiveness by rule type and period
CREATE INDEX analytics_round_signals_type_time_idx
	ON crash_analytics.analytics_round_signals (signal_type, emitted_at);
-- signal effectiveness by model and period
CREATE INDEX analytics_round_signals_model_time_idx
	ON crash_analytics.analytics_round_signals (model_name, emitted_at) WHERE model_name IS NOT NULL;

-- strategy performance by period
CREATE INDEX analytics_round_outcomes_strategy_date_idx
	ON crash_analytics.analytics_round_outcomes (strategy_name, outcome_date);
-- outcome reports per game/platform and period
CREATE INDEX analytics_round_outcomes_game_time_idx
	ON crash_analytics.analytics_round_outcomes (game_name, platform_code, settled_at);

-- sessions by start time (dashboards, session lists)
CREATE INDEX session_logs_started_idx ON crash_analytics.session_logs (started_at);
-- a bot's errors by time, and error counts by type
CREATE INDEX error_logs_bot_time_idx ON crash_analytics.error_logs (bot_id, occurred_at);
CREATE INDEX error_logs_type_time_idx ON crash_analytics.error_logs (error_type, occurred_at);
-- a bot's OCR readings by time; invalid readings for data-quality reports
CREATE INDEX ocr_validation_logs_bot_time_idx ON crash_analytics.ocr_validation_logs (bot_id, created_at);
CREATE INDEX ocr_validation_logs_invalid_idx ON crash_analytics.ocr_validation_logs (bot_id, created_at) WHERE NOT is_valid;
-- game statistics and strategy performance sum hourly roll-ups over a period
CREATE INDEX bot_hourly_rollups_game_hour_idx ON crash_analytics.bot_hourly_rollups (game_name, platform_code, hour_start);
CREATE INDEX bot_hourly_rollups_hour_idx ON crash_analytics.bot_hourly_rollups (hour_start);

/* ------------------------------------------------------------------------
 * C functions: ingestion and the statistics that read roll-ups.
 * ------------------------------------------------------------------------ */
CREATE FUNCTION crash_analytics.log_crash_round(
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
AS 'MODULE_PATHNAME', 'ca_log_crash_round'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION crash_analytics.log_crash_round(text, text, text, text, bigint, numeric, numeric, numeric, text, numeric, numeric, numeric, text, numeric, integer, text, timestamptz, timestamptz, timestamptz, timestamptz, boolean, integer, text, text, numeric, integer, integer, integer, text, text, text, text, bigint, text, jsonb, text[]) IS
	'Log one bet slot of one round: validate, derive what was omitted, store, and fan out the analytics rows, session figures, roll-ups and signals. Returns the round id; a retry with the same content returns the same id.';

CREATE FUNCTION crash_analytics.log_crash_rounds(rounds jsonb)
RETURNS bigint[]
AS 'MODULE_PATHNAME', 'ca_log_crash_rounds'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION crash_analytics.log_crash_rounds(jsonb) IS
	'Log a batch of rounds given as a JSON array of objects whose keys are log_crash_round''s argument names. All or nothing; an error names the element. Returns the round ids in element order.';

CREATE FUNCTION crash_analytics.log_round_outcome(
	bot_id text,
	session_id text,
	game_name text,
	platform_code text,
	round_number bigint,
	stake_value numeric,
	crash_multiplier numeric,
	cashout_multiplier numeric DEFAULT NULL,
	round_outcome text DEFAULT NULL,
	profit_loss numeric DEFAULT NULL,
	strategy_name text DEFAULT NULL,
	bet_slot integer DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'ca_log_round_outcome'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION crash_analytics.log_round_outcome(text, text, text, text, bigint, numeric, numeric, numeric, text, numeric, text, integer) IS
	'Log a settled bet. The bet is a round: it is logged (or, if already logged with the same content, found) exactly as log_crash_round would, and the id of its analytics_round_outcomes row is returned.';

CREATE FUNCTION crash_analytics.log_round_multiplier_analytics(
	bot_id text,
	session_id text,
	game_name text,
	platform_code text,
	round_number bigint,
	multiplier numeric,
	platform_round_id text DEFAULT NULL,
	observed_at timestamptz DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'ca_log_round_multiplier'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION crash_analytics.log_round_multiplier_analytics(text, text, text, text, bigint, numeric, text, timestamptz) IS
	'Log the crash multiplier of a round the bot watched without betting. Resolves the bot''s open signals and runs its signal rules. Returns the analytics_round_multipliers id; idempotent.';

CREATE FUNCTION crash_analytics.log_round_signal(
	bot_id text,
	session_id text,
	game_name text,
	platform_code text,
	signal_type text,
	target_multiplier numeric,
	confidence_score numeric DEFAULT NULL,
	model_name text DEFAULT NULL,
	pattern_match text DEFAULT NULL,
	feature_vector jsonb DEFAULT NULL,
	emitted_after_round bigint DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'ca_log_round_signal'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION crash_analytics.log_round_signal(text, text, text, text, text, numeric, numeric, text, text, jsonb, bigint) IS
	'Log a signal from the bot''s own model: the next round of this game/platform should reach target_multiplier. The next multiplier the bot logs resolves it. Returns the signal id.';

CREATE FUNCTION crash_analytics.log_error(
	bot_id text,
	error_type text,
	error_message text,
	session_id text DEFAULT NULL,
	stack_trace text DEFAULT NULL,
	recovery_action text DEFAULT NULL,
	severity text DEFAULT NULL,
	round_number bigint DEFAULT NULL,
	context jsonb DEFAULT NULL,
	occurred_at timestamptz DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'ca_log_error'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION crash_analytics.log_error(text, text, text, text, text, text, text, bigint, jsonb, timestamptz) IS
	'Log a bot error with its type, message, stack trace and recovery action. Returns the error_logs id.';

CREATE FUNCTION crash_analytics.log_ocr_validation(
	bot_id text,
	raw_text text,
	parsed_value numeric DEFAULT NULL,
	confidence numeric DEFAULT NULL,
	is_valid boolean DEFAULT NULL,
	session_id text DEFAULT NULL,
	game_name text DEFAULT NULL,
	platform_code text DEFAULT NULL,
	round_number bigint DEFAULT NULL,
	validation_error text DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'ca_log_ocr_validation'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION crash_analytics.log_ocr_validation(text, text, numeric, numeric, boolean, text, text, text, bigint, text) IS
	'Log one OCR reading of a multiplier. is_valid defaults to "a value was parsed and it is a valid multiplier". Returns the ocr_validation_logs id.';

CREATE FUNCTION crash_analytics.register_bot(
	bot_id text,
	bot_name text DEFAULT NULL,
	vm_provider text DEFAULT NULL,
	vm_host text DEFAULT NULL,
	vm_region text DEFAULT NULL,
	strategy_name text DEFAULT NULL,
	initial_balance numeric DEFAULT NULL,
	status text DEFAULT NULL,
	signal_rules jsonb DEFAULT NULL,
	metadata jsonb DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'ca_register_bot'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION crash_analytics.register_bot(text, text, text, text, text, text, numeric, text, jsonb, jsonb) IS
	'Register a bot, or update the registration fields given (NULL keeps the stored value). Validates the signal rules. Returns the registration id.';

CREATE FUNCTION crash_analytics.start_session(
	bot_id text,
	session_id text,
	game_name text DEFAULT NULL,
	platform_code text DEFAULT NULL,
	balance_start numeric DEFAULT NULL,
	started_at timestamptz DEFAULT NULL,
	metadata jsonb DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'ca_start_session'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION crash_analytics.start_session(text, text, text, text, numeric, timestamptz, jsonb) IS
	'Start a bot session (registering the bot if needed). Idempotent for an active session with the same details. Returns the session_logs id.';

CREATE FUNCTION crash_analytics.end_session(
	bot_id text,
	session_id text,
	status text DEFAULT 'completed',
	ended_at timestamptz DEFAULT NULL,
	end_reason text DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'ca_end_session'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION crash_analytics.end_session(text, text, text, timestamptz, text) IS
	'End a bot session with status completed, aborted or crashed. Ending an ended session again with the same status is a no-op. Returns the session_logs id.';

CREATE FUNCTION crash_analytics.register_game_platform(
	game_name text,
	platform_code text,
	rtp numeric,
	provider text DEFAULT NULL,
	currency text DEFAULT NULL,
	currency_decimals integer DEFAULT NULL,
	min_bet numeric DEFAULT NULL,
	max_bet numeric DEFAULT NULL,
	max_multiplier numeric DEFAULT NULL,
	is_active boolean DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'ca_register_game_platform'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION crash_analytics.register_game_platform(text, text, numeric, text, text, integer, numeric, numeric, numeric, boolean) IS
	'Register a crash game on a platform, or update it (NULL keeps the stored value). Returns the game_platform_config id.';

CREATE FUNCTION crash_analytics.get_bot_statistics(
	bot_id text,
	OUT total_rounds bigint,
	OUT bets bigint,
	OUT wins bigint,
	OUT losses bigint,
	OUT skips bigint,
	OUT voids bigint,
	OUT win_rate_percent numeric,
	OUT win_rate_ci_low_percent numeric,
	OUT win_rate_ci_high_percent numeric,
	OUT chance_win_rate_percent numeric,
	OUT total_staked numeric,
	OUT total_payout numeric,
	OUT total_profit numeric,
	OUT roi_percent numeric,
	OUT expected_profit numeric,
	OUT luck numeric,
	OUT best_round_profit numeric,
	OUT worst_round_profit numeric,
	OUT longest_win_streak bigint,
	OUT longest_loss_streak bigint,
	OUT current_streak bigint,
	OUT max_drawdown numeric,
	OUT peak_balance numeric,
	OUT current_balance numeric,
	OUT first_round_at timestamptz,
	OUT last_round_at timestamptz)
RETURNS record
AS 'MODULE_PATHNAME', 'ca_get_bot_statistics'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION crash_analytics.get_bot_statistics(text) IS
	'Statistics of one bot from its roll-up (constant time at any table size): counts, win rate with its 95% Wilson interval beside the win rate chance gives at the bot''s targets, money, ROI, expected profit at the game''s RTP and luck, best and worst round, streaks, drawdown and balances.';

/* ------------------------------------------------------------------------
 * Triggers.
 * ------------------------------------------------------------------------ */
CREATE FUNCTION crash_analytics.crash_game_rounds_ingest()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ca_rounds_ingest_trigger'
LANGUAGE C;
COMMENT ON FUNCTION crash_analytics.crash_game_rounds_ingest() IS
	'BEFORE INSERT trigger of crash_game_rounds: gives plain INSERT and COPY the validation, derivation and fan-out of log_crash_round.';

CREATE FUNCTION crash_analytics.crash_game_rounds_guard()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ca_rounds_guard_trigger'
LANGUAGE C;
COMMENT ON FUNCTION crash_analytics.crash_game_rounds_guard() IS
	'BEFORE UPDATE and DELETE trigger of crash_game_rounds: rounds are immutable except metadata and tags, because analytics rows and roll-ups are derived from them.';

CREATE FUNCTION crash_analytics.set_updated_at()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ca_set_updated_at'
LANGUAGE C;
COMMENT ON FUNCTION crash_analytics.set_updated_at() IS
	'BEFORE UPDATE trigger: sets updated_at to the transaction time.';

CREATE FUNCTION crash_analytics.game_platform_config_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		IF EXISTS (SELECT 1 FROM crash_analytics.crash_game_rounds r
					WHERE r.game_name = OLD.game_name AND r.platform_code = OLD.platform_code) THEN
			RAISE EXCEPTION USING
				ERRCODE = 'foreign_key_violation',
				MESSAGE = format('game/platform "%s/%s" has logged rounds', OLD.game_name, OLD.platform_code),
				HINT = 'Set is_active = false to stop accepting its rounds.';
		END IF;
		IF OLD.is_builtin THEN
			RAISE EXCEPTION USING
				ERRCODE = 'object_not_in_prerequisite_state',
				MESSAGE = format('game/platform "%s/%s" is shipped with the extension and cannot be deleted', OLD.game_name, OLD.platform_code),
				HINT = 'Set is_active = false to stop accepting its rounds.';
		END IF;
		RETURN OLD;
	END IF;

	NEW.game_name := lower(NEW.game_name);
	NEW.platform_code := lower(NEW.platform_code);

	IF TG_OP = 'UPDATE' THEN
		IF (NEW.game_name, NEW.platform_code) IS DISTINCT FROM (OLD.game_name, OLD.platform_code)
		   AND EXISTS (SELECT 1 FROM crash_analytics.crash_game_rounds r
						WHERE r.game_name = OLD.game_name AND r.platform_code = OLD.platform_code) THEN
			RAISE EXCEPTION USING
				ERRCODE = 'foreign_key_violation',
				MESSAGE = format('game/platform "%s/%s" has logged rounds and cannot be renamed', OLD.game_name, OLD.platform_code);
		END IF;
		-- a changed shipped row becomes the operator's: pg_dump keeps it from now on
		NEW.is_builtin := false;
		NEW.updated_at := now();
		RETURN NEW;
	END IF;

	-- INSERT: only the install script ships rows (before this trigger exists)
	NEW.is_builtin := false;
	IF EXISTS (SELECT 1 FROM crash_analytics.game_platform_config c
				WHERE c.game_name = NEW.game_name AND c.platform_code = NEW.platform_code AND c.is_builtin) THEN
		/*
		 * Replacing a shipped row.  This is also how pg_restore brings back an
		 * operator's change to a shipped row: CREATE EXTENSION has recreated
		 * the shipped row, and the dump's copy of the changed row lands here.
		 */
		UPDATE crash_analytics.game_platform_config c
		   SET provider = NEW.provider, rtp = NEW.rtp, currency = NEW.currency,
			   currency_decimals = NEW.currency_decimals, min_bet = NEW.min_bet, max_bet = NEW.max_bet,
			   max_multiplier = NEW.max_multiplier, is_active = NEW.is_active, metadata = NEW.metadata
		 WHERE c.game_name = NEW.game_name AND c.platform_code = NEW.platform_code;
		RETURN NULL;
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION crash_analytics.game_platform_config_guard() IS
	'Trigger of game_platform_config: lower-cases keys, keeps shipped rows restorable from pg_dump (a changed shipped row is dumped and replaces the shipped one on restore), and refuses to delete or rename a game/platform that has rounds.';

CREATE TRIGGER crash_game_rounds_ingest BEFORE INSERT ON crash_analytics.crash_game_rounds
	FOR EACH ROW EXECUTE FUNCTION crash_analytics.crash_game_rounds_ingest();
CREATE TRIGGER crash_game_rounds_guard BEFORE UPDATE OR DELETE ON crash_analytics.crash_game_rounds
	FOR EACH ROW EXECUTE FUNCTION crash_analytics.crash_game_rounds_guard();
CREATE TRIGGER bot_vm_registration_updated_at BEFORE UPDATE ON crash_analytics.bot_vm_registration
	FOR EACH ROW EXECUTE FUNCTION crash_analytics.set_updated_at();
CREATE TRIGGER session_logs_updated_at BEFORE UPDATE ON crash_analytics.session_logs
	FOR EACH ROW EXECUTE FUNCTION crash_analytics.set_updated_at();
CREATE TRIGGER analytics_round_signals_updated_at BEFORE UPDATE ON crash_analytics.analytics_round_signals
	FOR EACH ROW EXECUTE FUNCTION crash_analytics.set_updated_at();
CREATE TRIGGER bot_rollups_updated_at BEFORE UPDATE ON crash_analytics.bot_rollups
	FOR EACH ROW EXECUTE FUNCTION crash_analytics.set_updated_at();
CREATE TRIGGER bot_hourly_rollups_updated_at BEFORE UPDATE ON crash_analytics.bot_hourly_rollups
	FOR EACH ROW EXECUTE FUNCTION crash_analytics.set_updated_at();

/* ------------------------------------------------------------------------
 * Shipped configuration.  RTP 97% is what the three providers publish; the
 * platform codes are those of the seed ('dafabet') and of the demo.
 * ------------------------------------------------------------------------ */
INSERT INTO crash_analytics.game_platform_config
	(game_name, platform_code, provider, rtp, currency, currency_decimals, min_bet, max_bet, max_multiplier, is_builtin)
VALUES
	('aviator',  'dafabet', 'Spribe',        0.97, 'USD', 2, 0.10, 100.00, 1000000.00, true),
	('aviatrix', 'dafabet', 'Aviatrix',      0.97, 'USD', 2, 0.10, 100.00,   10000.00, true),
	('jetx',     'dafabet', 'SmartSoft',     0.97, 'USD', 2, 0.10, 600.00,   25000.00, true),
	('aviator',  'demo',    'Spribe',        0.97, 'USD', 2, 0.10, 1000000.00, 1000000.00, true),
	('aviatrix', 'demo',    'Aviatrix',      0.97, 'USD', 2, 0.10, 1000000.00,   10000.00, true),
	('jetx',     'demo',    'SmartSoft',     0.97, 'USD', 2, 0.10, 1000000.00,   25000.00, true);

CREATE TRIGGER game_platform_config_guard BEFORE INSERT OR UPDATE OR DELETE ON crash_analytics.game_platform_config
	FOR EACH ROW EXECUTE FUNCTION crash_analytics.game_platform_config_guard();

/* ------------------------------------------------------------------------
 * Dashboards.  Views are always current; the materialized views are what a
 * BI tool polls, refreshed by refresh_analytics() (CONCURRENTLY-capable:
 * each has a unique index).  Dates and hours are UTC.
 * ------------------------------------------------------------------------ */
CREATE VIEW crash_analytics.v_bot_overview AS
SELECT b.bot_id, b.bot_name, b.strategy_name, b.status, b.vm_provider, b.vm_region,
	   r.rounds, r.bets, r.wins, r.losses,
	   CASE WHEN r.wins + r.losses > 0 THEN pg_catalog.round(100.0 * r.wins / (r.wins + r.losses), 2) END AS win_rate_percent,
	   r.total_staked, r.total_profit,
	   CASE WHEN r.total_staked > 0 THEN pg_catalog.round(100 * r.total_profit / r.total_staked, 2) END AS roi_percent,
	   r.expected_profit, r.total_profit - r.expected_profit AS luck,
	   r.current_balance, r.max_drawdown, r.last_round_at
  FROM crash_analytics.bot_vm_registration b
  LEFT JOIN crash_analytics.bot_rollups r ON r.bot_id = b.bot_id;
COMMENT ON VIEW crash_analytics.v_bot_overview IS 'One row per registered bot with its all-time figures from the roll-ups.';

CREATE VIEW crash_analytics.v_active_sessions AS
SELECT s.bot_id, s.session_id, s.game_name, s.platform_code, s.started_at, s.last_round_at,
	   s.rounds_played, s.bets_placed, s.wins, s.losses, s.total_staked, s.total_profit,
	   s.balance_start, s.balance_current, s.max_drawdown
  FROM crash_analytics.session_logs s
 WHERE s.status = 'active';
COMMENT ON VIEW crash_analytics.v_active_sessions IS 'Sessions still active, with their running figures.';

CREATE VIEW crash_analytics.v_open_signals AS
SELECT s.id, s.bot_id, s.game_name, s.platform_code, s.source, s.signal_type, s.model_name,
	   s.target_multiplier, s.confidence_score, s.emitted_after_round, s.emitted_at
  FROM crash_analytics.analytics_round_signals s
 WHERE s.status = 'open';
COMMENT ON VIEW crash_analytics.v_open_signals IS 'Signals waiting for the next multiplier of their bot and game/platform.';

CREATE MATERIALIZED VIEW crash_analytics.mv_daily_bot_performance AS
SELECT h.bot_id, h.game_name, h.platform_code,
	   (h.hour_start AT TIME ZONE 'UTC')::date AS day,
	   sum(h.rounds)::bigint AS rounds, sum(h.bets)::bigint AS bets,
	   sum(h.wins)::bigint AS wins, sum(h.losses)::bigint AS losses,
	   sum(h.total_staked) AS total_staked, sum(h.total_payout) AS total_payout,
	   sum(h.total_profit) AS total_profit, sum(h.expected_profit) AS expected_profit,
	   CASE WHEN sum(h.wins + h.losses) > 0 THEN pg_catalog.round(100.0 * sum(h.wins) / sum(h.wins + h.losses), 2) END AS win_rate_percent,
	   CASE WHEN sum(h.total_staked) > 0 THEN pg_catalog.round(100 * sum(h.total_profit) / sum(h.total_staked), 2) END AS roi_percent
  FROM crash_analytics.bot_hourly_rollups h
 GROUP BY 1, 2, 3, 4
WITH DATA;
CREATE UNIQUE INDEX mv_daily_bot_performance_key
	ON crash_analytics.mv_daily_bot_performance (bot_id, game_name, platform_code, day);
COMMENT ON MATERIALIZED VIEW crash_analytics.mv_daily_bot_performance IS
	'Per bot, game/platform and UTC day: rounds, bets, wins, losses, money, expected profit, win rate and ROI. Refresh with refresh_analytics().';

CREATE MATERIALIZED VIEW crash_analytics.mv_hourly_game_statistics AS
SELECT m.game_name, m.platform_code,
	   pg_catalog.date_trunc('hour', m.observed_at AT TIME ZONE 'UTC') AS hour_utc,
	   count(*) AS multipliers,
	   count(*) FILTER (WHERE m.is_instant_crash) AS instant_crashes,
	   percentile_disc(0.5) WITHIN GROUP (ORDER BY m.multiplier) AS median_multiplier,
	   min(m.multiplier) AS min_multiplier,
	   max(m.multiplier) AS max_multiplier,
	   count(*) FILTER (WHERE m.multiplier >= 2.00) AS reached_2x,
	   count(*) FILTER (WHERE m.multiplier >= 10.00) AS reached_10x
  FROM crash_analytics.analytics_round_multipliers m
 GROUP BY 1, 2, 3
WITH DATA;
CREATE UNIQUE INDEX mv_hourly_game_statistics_key
	ON crash_analytics.mv_hourly_game_statistics (game_name, platform_code, hour_utc);
COMMENT ON MATERIALIZED VIEW crash_analytics.mv_hourly_game_statistics IS
	'Per game/platform and UTC hour: multipliers seen, instant crashes, median, minimum, maximum, and how many reached 2x and 10x. Refresh with refresh_analytics().';

CREATE FUNCTION crash_analytics.refresh_analytics(concurrently boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF concurrently THEN
		REFRESH MATERIALIZED VIEW CONCURRENTLY crash_analytics.mv_daily_bot_performance;
		REFRESH MATERIALIZED VIEW CONCURRENTLY crash_analytics.mv_hourly_game_statistics;
	ELSE
		REFRESH MATERIALIZED VIEW crash_analytics.mv_daily_bot_performance;
		REFRESH MATERIALIZED VIEW crash_analytics.mv_hourly_game_statistics;
	END IF;
END
$$;
COMMENT ON FUNCTION crash_analytics.refresh_analytics(boolean) IS
	'Refresh the dashboard materialized views (CONCURRENTLY if asked, so readers are not blocked). Must be run by their owner.';

/* ------------------------------------------------------------------------
 * Access profiles.  Nothing is granted to PUBLIC; an operator grants the
 * writer profile (bots: the logging functions and nothing else) and the
 * reader profile (analysts: SELECT and the analytics functions) to roles.
 * The ingestion functions write through the extension's own C writer, so a
 * writer needs no table privilege at all.
 * ------------------------------------------------------------------------ */
CREATE FUNCTION crash_analytics.writer_functions()
RETURNS SETOF regprocedure
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
	VALUES ('crash_analytics.log_crash_round(text, text, text, text, bigint, numeric, numeric, numeric, text, numeric, numeric, numeric, text, numeric, integer, text, timestamptz, timestamptz, timestamptz, timestamptz, boolean, integer, text, text, numeric, integer, integer, integer, text, text, text, text, bigint, text, jsonb, text[])'::regprocedure),
		   ('crash_analytics.log_crash_rounds(jsonb)'::regprocedure),
		   ('crash_analytics.log_round_outcome(text, text, text, text, bigint, numeric, numeric, numeric, text, numeric, text, integer)'::regprocedure),
		   ('crash_analytics.log_round_multiplier_analytics(text, text, text, text, bigint, numeric, text, timestamptz)'::regprocedure),
		   ('crash_analytics.log_round_signal(text, text, text, text, text, numeric, numeric, text, text, jsonb, bigint)'::regprocedure),
		   ('crash_analytics.log_error(text, text, text, text, text, text, text, bigint, jsonb, timestamptz)'::regprocedure),
		   ('crash_analytics.log_ocr_validation(text, text, numeric, numeric, boolean, text, text, text, bigint, text)'::regprocedure),
		   ('crash_analytics.register_bot(text, text, text, text, text, text, numeric, text, jsonb, jsonb)'::regprocedure),
		   ('crash_analytics.start_session(text, text, text, text, numeric, timestamptz, jsonb)'::regprocedure),
		   ('crash_analytics.end_session(text, text, text, timestamptz, text)'::regprocedure)
$$;
COMMENT ON FUNCTION crash_analytics.writer_functions() IS 'The functions the writer profile may execute.';

CREATE FUNCTION crash_analytics.reader_functions()
RETURNS SETOF regprocedure
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
	VALUES ('crash_analytics.get_bot_statistics(text)'::regprocedure)
$$;
COMMENT ON FUNCTION crash_analytics.reader_functions() IS 'The functions the reader profile may execute.';

CREATE FUNCTION crash_analytics.grant_writer(role regrole)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	f regprocedure;
BEGIN
	EXECUTE format('GRANT USAGE ON SCHEMA crash_analytics TO %s', role);
	FOR f IN SELECT * FROM crash_analytics.writer_functions() LOOP
		EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %s', f, role);
	END LOOP;
END
$$;
COMMENT ON FUNCTION crash_analytics.grant_writer(regrole) IS
	'Grant the writer profile to a role: it may run the logging functions and nothing else (no table privilege).';

CREATE FUNCTION crash_analytics.revoke_writer(role regrole)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	f regprocedure;
BEGIN
	FOR f IN SELECT * FROM crash_analytics.writer_functions() LOOP
		EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM %s', f, role);
	END LOOP;
	IF NOT has_table_privilege(role::oid, 'crash_analytics.crash_game_rounds', 'SELECT') THEN
		EXECUTE format('REVOKE USAGE ON SCHEMA crash_analytics FROM %s', role);
	END IF;
END
$$;
COMMENT ON FUNCTION crash_analytics.revoke_writer(regrole) IS 'Take the writer profile back from a role.';

CREATE FUNCTION crash_analytics.grant_reader(role regrole)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	f regprocedure;
BEGIN
	EXECUTE format('GRANT USAGE ON SCHEMA crash_analytics TO %s', role);
	EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA crash_analytics TO %s', role);
	FOR f IN SELECT * FROM crash_analytics.reader_functions() LOOP
		EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %s', f, role);
	END LOOP;
END
$$;
COMMENT ON FUNCTION crash_analytics.grant_reader(regrole) IS
	'Grant the reader profile to a role: SELECT on every table and view, and the analytics functions; no writes.';

CREATE FUNCTION crash_analytics.revoke_reader(role regrole)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	f regprocedure;
BEGIN
	EXECUTE format('REVOKE SELECT ON ALL TABLES IN SCHEMA crash_analytics FROM %s', role);
	FOR f IN SELECT * FROM crash_analytics.reader_functions() LOOP
		EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM %s', f, role);
	END LOOP;
	IF NOT has_function_privilege(role::oid, 'crash_analytics.log_crash_rounds(jsonb)', 'EXECUTE') THEN
		EXECUTE format('REVOKE USAGE ON SCHEMA crash_analytics FROM %s', role);
	END IF;
END
$$;
COMMENT ON FUNCTION crash_analytics.revoke_reader(regrole) IS 'Take the reader profile back from a role.';

-- Functions are executable by PUBLIC by default: take that back for all of them.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA crash_analytics FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA crash_analytics FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA crash_analytics FROM PUBLIC;

/* ------------------------------------------------------------------------
 * pg_dump: user data and the positions of its identity sequences.
 * Shipped configuration rows are recreated by CREATE EXTENSION, so the dump
 * keeps only rows an operator added or changed (the trigger clears
 * is_builtin on change).
 * ------------------------------------------------------------------------ */
SELECT pg_catalog.pg_extension_config_dump('crash_analytics.game_platform_config', 'WHERE NOT is_builtin');
SELECT pg_catalog.pg_extension_config_dump('crash_analytics.bot_vm_registration', '');
SELECT pg_catalog.pg_extension_config_dump('crash_analytics.session_logs', '');
SELECT pg_catalog.pg_extension_config_dump('crash_analytics.crash_game_rounds', '');
SELECT pg_catalog.pg_extension_config_dump('crash_analytics.analytics_round_multipliers', '');
SELECT pg_catalog.pg_extension_config_dump('crash_analytics.analytics_round_signals', '');
SELECT pg_catalog.pg_extension_config_dump('crash_analytics.analytics_round_outcomes', '');
SELECT pg_catalog.pg_extension_config_dump('crash_analytics.ocr_validation_logs', '');
SELECT pg_catalog.pg_extension_config_dump('crash_analytics.error_logs', '');
SELECT pg_catalog.pg_extension_config_dump('crash_analytics.bot_rollups', '');
SELECT pg_catalog.pg_extension_config_dump('crash_analytics.bot_hourly_rollups', '');
-- one statement each: every call rewrites the pg_extension row
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('crash_analytics.game_platform_config', 'id'), '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('crash_analytics.bot_vm_registration', 'id'), '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('crash_analytics.session_logs', 'id'), '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('crash_analytics.crash_game_rounds', 'id'), '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('crash_analytics.analytics_round_multipliers', 'id'), '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('crash_analytics.analytics_round_signals', 'id'), '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('crash_analytics.analytics_round_outcomes', 'id'), '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('crash_analytics.ocr_validation_logs', 'id'), '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('crash_analytics.error_logs', 'id'), '');
