/* sql/crash_analytics--1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION crash_analytics" to load this file. \quit

/*
 * Refuse a schema someone else prepared.  CREATE EXTENSION reuses an
 * existing schema named in the control file; if another role owns it, that
 * role could have planted functions, operators or tables that our script and
 * our callers would then resolve.  Fail before creating anything.
 *
 * A schema of the installing role is refused too when it holds any object
 * at all, of any kind, whoever owns it (another role with CREATE on it may
 * have planted a function, a type, an operator, a collation...; even an
 * object of our own would be one the extension does not know), or when its
 * ACL grants anything to a role other than its owner (PUBLIC included).  A
 * grant is refused rather than revoked: a role that held CREATE may be in
 * the middle of creating something this check cannot see yet, and keeping
 * CREATE after the install would let it plant an overload of one of our
 * functions later (crash_analytics.get_bot_statistics(varchar) resolves
 * before (text) for a varchar argument).  The profiles grant USAGE again,
 * through grant_reader() and grant_writer().
 *
 * The objects are found twice over: through pg_depend (every object created
 * in a schema records a dependency on it) and through every catalog with a
 * namespace column, so that neither alone has to be complete.
 */
DO $guard$
DECLARE
	nsp oid;
	schema_owner name;
	n_held bigint;
	listed text;
	grants text;
BEGIN
	SELECT n.oid, r.rolname INTO nsp, schema_owner
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

	WITH held (classid, objid) AS (
		SELECT d.classid, d.objid
		  FROM pg_catalog.pg_depend d
		 WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_namespace'::pg_catalog.regclass
		   AND d.refobjid OPERATOR(pg_catalog.=) nsp
		   -- the extension being created depends on its schema
		   AND NOT (d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
					AND d.objid IN (SELECT e.oid FROM pg_catalog.pg_extension e
									 WHERE e.extname OPERATOR(pg_catalog.=) 'crash_analytics'))
		UNION SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, c.oid FROM pg_catalog.pg_class c
		 WHERE c.relnamespace OPERATOR(pg_catalog.=) nsp
		UNION SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass, p.oid FROM pg_catalog.pg_proc p
		 WHERE p.pronamespace OPERATOR(pg_catalog.=) nsp
		UNION SELECT 'pg_catalog.pg_type'::pg_catalog.regclass, t.oid FROM pg_catalog.pg_type t
		 WHERE t.typnamespace OPERATOR(pg_catalog.=) nsp
		UNION SELECT 'pg_catalog.pg_operator'::pg_catalog.regclass, o.oid FROM pg_catalog.pg_operator o
		 WHERE o.oprnamespace OPERATOR(pg_catalog.=) nsp
		UNION SELECT 'pg_catalog.pg_opclass'::pg_catalog.regclass, o.oid FROM pg_catalog.pg_opclass o
		 WHERE o.opcnamespace OPERATOR(pg_catalog.=) nsp
		UNION SELECT 'pg_catalog.pg_opfamily'::pg_catalog.regclass, o.oid FROM pg_catalog.pg_opfamily o
		 WHERE o.opfnamespace OPERATOR(pg_catalog.=) nsp
		UNION SELECT 'pg_catalog.pg_collation'::pg_catalog.regclass, o.oid FROM pg_catalog.pg_collation o
		 WHERE o.collnamespace OPERATOR(pg_catalog.=) nsp
		UNION SELECT 'pg_catalog.pg_conversion'::pg_catalog.regclass, o.oid FROM pg_catalog.pg_conversion o
		 WHERE o.connamespace OPERATOR(pg_catalog.=) nsp
		UNION SELECT 'pg_catalog.pg_constraint'::pg_catalog.regclass, o.oid FROM pg_catalog.pg_constraint o
		 WHERE o.connamespace OPERATOR(pg_catalog.=) nsp
		UNION SELECT 'pg_catalog.pg_ts_config'::pg_catalog.regclass, o.oid FROM pg_catalog.pg_ts_config o
		 WHERE o.cfgnamespace OPERATOR(pg_catalog.=) nsp
		UNION SELECT 'pg_catalog.pg_ts_dict'::pg_catalog.regclass, o.oid FROM pg_catalog.pg_ts_dict o
		 WHERE o.dictnamespace OPERATOR(pg_catalog.=) nsp
		UNION SELECT 'pg_catalog.pg_ts_parser'::pg_catalog.regclass, o.oid FROM pg_catalog.pg_ts_parser o
		 WHERE o.prsnamespace OPERATOR(pg_catalog.=) nsp
		UNION SELECT 'pg_catalog.pg_ts_template'::pg_catalog.regclass, o.oid FROM pg_catalog.pg_ts_template o
		 WHERE o.tmplnamespace OPERATOR(pg_catalog.=) nsp
		UNION SELECT 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass, o.oid FROM pg_catalog.pg_statistic_ext o
		 WHERE o.stxnamespace OPERATOR(pg_catalog.=) nsp
		UNION SELECT 'pg_catalog.pg_extension'::pg_catalog.regclass, o.oid FROM pg_catalog.pg_extension o
		 WHERE o.extnamespace OPERATOR(pg_catalog.=) nsp AND o.extname OPERATOR(pg_catalog.<>) 'crash_analytics'
		-- default privileges for objects created in the schema, and publications of it
		UNION SELECT 'pg_catalog.pg_default_acl'::pg_catalog.regclass, o.oid FROM pg_catalog.pg_default_acl o
		 WHERE o.defaclnamespace OPERATOR(pg_catalog.=) nsp
		UNION SELECT 'pg_catalog.pg_publication_namespace'::pg_catalog.regclass, o.oid
		  FROM pg_catalog.pg_publication_namespace o
		 WHERE o.pnnspid OPERATOR(pg_catalog.=) nsp
	), described AS (
		SELECT o.type OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) o.identity AS what
		  FROM held h, pg_catalog.pg_identify_object(h.classid, h.objid, 0) o
	)
	SELECT pg_catalog.count(*),
		   pg_catalog.string_agg(d.what, ', ' ORDER BY d.what) FILTER (WHERE d.k OPERATOR(pg_catalog.<=) 10)
	  INTO n_held, listed
	  FROM (SELECT x.what, pg_catalog.row_number() OVER (ORDER BY x.what) AS k FROM described x) d;
	IF n_held OPERATOR(pg_catalog.>) 0 THEN
		RAISE EXCEPTION USING
			ERRCODE = 'duplicate_schema',
			MESSAGE = 'schema "crash_analytics" is not empty',
			DETAIL = pg_catalog.format('It holds %s %s: %s%s.', n_held,
									   CASE WHEN n_held OPERATOR(pg_catalog.=) 1 THEN 'object' ELSE 'objects' END, listed,
									   CASE WHEN n_held OPERATOR(pg_catalog.>) 10 THEN ', ...' ELSE '' END),
			HINT = 'Install the extension into a new or empty schema.';
	END IF;

	SELECT pg_catalog.string_agg(pg_catalog.format('%s to %s', a.privilege_type,
							   CASE WHEN a.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'
									ELSE pg_catalog.quote_ident(r.rolname) END),
							   ', ' ORDER BY a.privilege_type, r.rolname)
	  INTO grants
	  FROM pg_catalog.pg_namespace n
	 CROSS JOIN LATERAL pg_catalog.aclexplode(n.nspacl) a
	  LEFT JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) a.grantee
	 WHERE n.oid OPERATOR(pg_catalog.=) nsp AND a.grantee OPERATOR(pg_catalog.<>) n.nspowner;
	IF grants IS NOT NULL THEN
		RAISE EXCEPTION USING
			ERRCODE = 'duplicate_schema',
			MESSAGE = 'schema "crash_analytics" grants privileges to roles other than its owner',
			DETAIL = pg_catalog.format('It grants %s.', grants),
			HINT = 'Revoke them (REVOKE ALL ON SCHEMA crash_analytics FROM ...), or, if the schema did not exist before, remove the default privileges on schemas that granted them (ALTER DEFAULT PRIVILEGES ... REVOKE ... ON SCHEMAS).';
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
	expected_profit		numeric NOT NULL DEFAULT 0,
	sum_win_probability	numeric NOT NULL DEFAULT 0,
	targeted_bets		bigint NOT NULL DEFAULT 0,
	sum_profit_squared	numeric NOT NULL DEFAULT 0,
	best_profit			numeric,
	worst_profit		numeric,
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
	'One bot session: start and end, status, and running figures (rounds, wins, losses, staked, profit, expected profit at the RTP, balances, peak, maximum drawdown) kept current by every logged round.';

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
	after_multiplier_id	bigint,
	emitted_at			timestamptz NOT NULL,
	status				text NOT NULL DEFAULT 'open',
	resolved_round_number bigint,
	resolved_multiplier	numeric,
	resolved_multiplier_id bigint,
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
	'Signals: a rule or model predicts that the next round reaches target_multiplier. Resolved (hit or miss) by the next multiplier the bot sees in the same game/platform: the first analytics_round_multipliers row of that bot and game/platform after after_multiplier_id, recorded in resolved_multiplier_id.';

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
	sum_profit_squared	numeric NOT NULL DEFAULT 0,
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
	sum_profit_squared	numeric NOT NULL DEFAULT 0,
	best_profit			numeric,
	worst_profit		numeric,
	updated_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT bot_hourly_rollups_pkey PRIMARY KEY (bot_id, game_name, platform_code, strategy_name, hour_start),
	CONSTRAINT bot_hourly_rollups_counts_check CHECK (rounds = bets + skips AND bets = wins + losses + voids),
	CONSTRAINT bot_hourly_rollups_money_check CHECK (total_profit = total_payout - total_staked)
) WITH (fillfactor = 50);
COMMENT ON TABLE crash_analytics.bot_hourly_rollups IS
	'Per (bot, game, platform, strategy, UTC hour) roll-up of rounds: counts, money and theory sums. Read by the game, strategy and dashboard analytics.';

/*
 * Per (bot, game, platform): what the signal rules need to know about the
 * series of multipliers, kept current by every multiplier so that neither
 * the rules nor signal resolution scan history: the latest multipliers (in
 * hundredths, newest last), the id of the latest multiplier row, and how
 * many signals are open.  A cache of analytics_round_multipliers and
 * analytics_round_signals: deleting a row is harmless (it is rebuilt from
 * them on the next multiplier).
 */
CREATE TABLE crash_analytics.bot_series_state (
	bot_id				text COLLATE "C" NOT NULL,
	game_name			text COLLATE "C" NOT NULL,
	platform_code		text COLLATE "C" NOT NULL,
	last_multiplier_id	bigint,
	recent_hundredths	bigint[] NOT NULL DEFAULT '{}',
	open_signals		integer NOT NULL DEFAULT 0,
	updated_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT bot_series_state_pkey PRIMARY KEY (bot_id, game_name, platform_code),
	CONSTRAINT bot_series_state_open_check CHECK (open_signals >= 0),
	CONSTRAINT bot_series_state_recent_check CHECK (pg_catalog.cardinality(recent_hundredths) <= 50)
) WITH (fillfactor = 50);
COMMENT ON TABLE crash_analytics.bot_series_state IS
	'Per bot, game and platform: the latest multipliers (hundredths, newest last), the latest multiplier row and the number of open signals, so that signal rules and resolution need no scan of history. A cache; a deleted row is rebuilt from the multipliers and signals.';

/* ------------------------------------------------------------------------
 * Indexes.  Each names the query it serves.
 * ------------------------------------------------------------------------ */
-- (a bot's rounds are read through the primary key (bot_id, id): logging order is time order)
-- a game/platform's rounds by time: game statistics and backtests over recorded history
CREATE INDEX crash_game_rounds_game_time_idx ON crash_analytics.crash_game_rounds (game_name, platform_code, played_at);
-- retention purge (played_at < cutoff) and time-window scans over the whole table: rounds
-- arrive roughly in played_at order, so a block range index is small and cheap to keep
CREATE INDEX crash_game_rounds_played_brin ON crash_analytics.crash_game_rounds USING brin (played_at);
-- the same platform round seen by several bots (OCR disagreement, de-duplication)
CREATE INDEX crash_game_rounds_platform_round_idx ON crash_analytics.crash_game_rounds (platform_code, platform_round_id)
	WHERE platform_round_id IS NOT NULL;
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
	OUT roi_ci_low_percent numeric,
	OUT roi_ci_high_percent numeric,
	OUT bets_for_1pct_roi_margin bigint,
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
	'Statistics of one bot from its roll-up (constant time at any table size): counts, win rate with its 95% Wilson interval beside the win rate chance gives at the bot''s targets, money, ROI with its 95% interval and the bets needed to know it to +/- 1 point, expected profit at the game''s RTP and luck, best and worst round, streaks, drawdown and balances.';

/* ------------------------------------------------------------------------
 * Triggers.
 * ------------------------------------------------------------------------ */
CREATE FUNCTION crash_analytics.crash_game_rounds_ingest()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ca_rounds_ingest_trigger'
LANGUAGE C;
COMMENT ON FUNCTION crash_analytics.crash_game_rounds_ingest() IS
	'BEFORE INSERT trigger of crash_game_rounds: gives plain INSERT and COPY the validation, derivation and fan-out of log_crash_round.';

CREATE FUNCTION crash_analytics.crash_game_rounds_flush()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ca_rounds_flush_trigger'
LANGUAGE C;
COMMENT ON FUNCTION crash_analytics.crash_game_rounds_flush() IS
	'AFTER INSERT statement trigger of crash_game_rounds: writes the session figures, roll-ups and series states the statement''s rows derived, each once.';

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

CREATE FUNCTION crash_analytics.game_platform_config_changed()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ca_config_changed_trigger'
LANGUAGE C;
COMMENT ON FUNCTION crash_analytics.game_platform_config_changed() IS
	'AFTER statement trigger of game_platform_config: tells every backend to drop its cached configurations.';

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
CREATE TRIGGER crash_game_rounds_flush AFTER INSERT ON crash_analytics.crash_game_rounds
	FOR EACH STATEMENT EXECUTE FUNCTION crash_analytics.crash_game_rounds_flush();
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
CREATE TRIGGER bot_series_state_updated_at BEFORE UPDATE ON crash_analytics.bot_series_state
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
CREATE TRIGGER game_platform_config_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON crash_analytics.game_platform_config
	FOR EACH STATEMENT EXECUTE FUNCTION crash_analytics.game_platform_config_changed();

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
	-- $1: CONCURRENTLY is a keyword, so the parameter cannot be named in the body
	IF $1 THEN
		REFRESH MATERIALIZED VIEW CONCURRENTLY crash_analytics.mv_daily_bot_performance;
		REFRESH MATERIALIZED VIEW CONCURRENTLY crash_analytics.mv_hourly_game_statistics;
	ELSE
		REFRESH MATERIALIZED VIEW crash_analytics.mv_daily_bot_performance;
		REFRESH MATERIALIZED VIEW crash_analytics.mv_hourly_game_statistics;
	END IF;
END
$$;
COMMENT ON FUNCTION crash_analytics.refresh_analytics(boolean) IS
	'Refresh the dashboard materialized views (CONCURRENTLY when concurrently is true, so readers are not blocked). Must be run by their owner.';

/* ------------------------------------------------------------------------
 * Analytics.  Conventions for every function below:
 *	- periods are [from_time, to_time); NULL means unbounded; from_time after
 *	  to_time is an error (22023);
 *	- a game/platform, bot or session looked up by name that does not exist
 *	  is an error (42704); a period with no data gives no rows, and so does
 *	  export_rounds_to_json for a bot or game with no rounds (its arguments
 *	  are filters);
 *	- percentages are rounded to two decimals; intervals are 95%;
 *	- anything that is an estimate comes with its interval or sample size.
 * ------------------------------------------------------------------------ */
CREATE FUNCTION crash_analytics.wilson_low_percent(successes bigint, trials bigint)
RETURNS numeric AS 'MODULE_PATHNAME', 'ca_wilson_low_percent'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION crash_analytics.wilson_low_percent(bigint, bigint) IS
	'Lower bound, in percent, of the 95% Wilson score interval of a proportion (NULL without trials).';
CREATE FUNCTION crash_analytics.wilson_high_percent(successes bigint, trials bigint)
RETURNS numeric AS 'MODULE_PATHNAME', 'ca_wilson_high_percent'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION crash_analytics.wilson_high_percent(bigint, bigint) IS
	'Upper bound, in percent, of the 95% Wilson score interval of a proportion (NULL without trials).';
CREATE FUNCTION crash_analytics.roi_ci_low_percent(bets bigint, staked numeric, profit numeric, sum_profit_squared numeric)
RETURNS numeric AS 'MODULE_PATHNAME', 'ca_roi_ci_low_percent'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION crash_analytics.roi_ci_low_percent(bigint, numeric, numeric, numeric) IS
	'Lower bound, in percent, of the 95% interval of ROI = profit / staked, from the bets'' profits (NULL with fewer than two bets).';
CREATE FUNCTION crash_analytics.roi_ci_high_percent(bets bigint, staked numeric, profit numeric, sum_profit_squared numeric)
RETURNS numeric AS 'MODULE_PATHNAME', 'ca_roi_ci_high_percent'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION crash_analytics.roi_ci_high_percent(bigint, numeric, numeric, numeric) IS
	'Upper bound, in percent, of the 95% interval of ROI = profit / staked, from the bets'' profits (NULL with fewer than two bets).';
CREATE FUNCTION crash_analytics.bets_for_roi_margin(bets bigint, staked numeric, profit numeric, sum_profit_squared numeric)
RETURNS bigint AS 'MODULE_PATHNAME', 'ca_bets_for_roi_margin'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION crash_analytics.bets_for_roi_margin(bigint, numeric, numeric, numeric) IS
	'How many bets like these it takes to know ROI to +/- 1 percentage point at 95% (about 38,000 at 2x).';
CREATE FUNCTION crash_analytics.chance_p_value(hits bigint, expected_hits double precision, variance double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'ca_chance_p_value'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION crash_analytics.chance_p_value(bigint, double precision, double precision) IS
	'One-sided p-value of at least this many hits when chance alone gives the expected count and variance (normal approximation, continuity-corrected).';
CREATE FUNCTION crash_analytics.check_period(from_time timestamptz, to_time timestamptz)
RETURNS boolean AS 'MODULE_PATHNAME', 'ca_check_period'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION crash_analytics.check_period(timestamptz, timestamptz) IS
	'True, or an error (22023) when from_time is after to_time.';
CREATE FUNCTION crash_analytics.check_row_limit(row_limit integer)
RETURNS boolean AS 'MODULE_PATHNAME', 'ca_check_row_limit'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION crash_analytics.check_row_limit(integer) IS
	'True, or an error (22023) when row_limit is below 1.';

CREATE FUNCTION crash_analytics.utc_hour_floor(ts timestamptz)
RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN pg_catalog.date_trunc('hour', ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
COMMENT ON FUNCTION crash_analytics.utc_hour_floor(timestamptz) IS 'Start of the UTC hour holding ts.';
CREATE FUNCTION crash_analytics.utc_hour_ceil(ts timestamptz)
RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN crash_analytics.utc_hour_floor(ts) = ts THEN ts
			ELSE crash_analytics.utc_hour_floor(ts) + interval '1 hour' END;
COMMENT ON FUNCTION crash_analytics.utc_hour_ceil(timestamptz) IS 'The first UTC hour boundary at or after ts.';

CREATE FUNCTION crash_analytics.require_game(game text, platform text)
RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM crash_analytics.game_platform_config c
					WHERE c.game_name = require_game.game
					  AND (require_game.platform IS NULL OR c.platform_code = require_game.platform)) THEN
		RAISE EXCEPTION USING ERRCODE = 'undefined_object',
			MESSAGE = format('game/platform "%s/%s" is not registered', game, coalesce(platform, '*'));
	END IF;
	RETURN true;
END
$$;
COMMENT ON FUNCTION crash_analytics.require_game(text, text) IS
	'True, or an error (42704) when the game (on the platform, if given) is not registered.';

/*
 * Figures of a period: whole UTC hours come from bot_hourly_rollups, the
 * partial hours at either end from the rounds themselves (an index range
 * each), so the answer is exact for any period and its cost grows with
 * hours, not rounds.
 */
CREATE FUNCTION crash_analytics.period_figures(game text, platform text,
	from_time timestamptz, to_time timestamptz)
RETURNS TABLE(bot_id text, game_name text, platform_code text, strategy_name text,
	rounds bigint, bets bigint, wins bigint, losses bigint, skips bigint, voids bigint,
	total_staked numeric, total_payout numeric, total_profit numeric, expected_profit numeric,
	sum_win_probability numeric, targeted_bets bigint, sum_profit_squared numeric,
	best_profit numeric, worst_profit numeric)
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT h.bot_id, h.game_name, h.platform_code, h.strategy_name, h.rounds, h.bets, h.wins, h.losses,
		   h.skips, h.voids, h.total_staked, h.total_payout, h.total_profit, h.expected_profit,
		   h.sum_win_probability, h.targeted_bets, h.sum_profit_squared, h.best_profit, h.worst_profit
	  FROM crash_analytics.bot_hourly_rollups h
	 WHERE (period_figures.game IS NULL OR h.game_name = period_figures.game)
	   AND (period_figures.platform IS NULL OR h.platform_code = period_figures.platform)
	   AND (period_figures.from_time IS NULL OR h.hour_start >= crash_analytics.utc_hour_ceil(period_figures.from_time))
	   AND (period_figures.to_time IS NULL OR h.hour_start + interval '1 hour' <= period_figures.to_time)
	UNION ALL
	SELECT r.bot_id, r.game_name, r.platform_code, coalesce(r.strategy_name, ''), 1,
		   (r.round_outcome <> 'SKIP')::int, (r.round_outcome = 'WIN')::int, (r.round_outcome = 'LOSS')::int,
		   (r.round_outcome = 'SKIP')::int, (r.round_outcome = 'VOID')::int,
		   r.stake_value, r.payout_value, r.profit_loss, r.expected_profit,
		   CASE WHEN r.round_outcome IN ('WIN', 'LOSS') THEN coalesce(r.win_probability, 0) ELSE 0 END,
		   (r.round_outcome IN ('WIN', 'LOSS') AND r.win_probability IS NOT NULL)::int,
		   r.profit_loss * r.profit_loss,
		   CASE WHEN r.round_outcome IN ('WIN', 'LOSS') THEN r.profit_loss END,
		   CASE WHEN r.round_outcome IN ('WIN', 'LOSS') THEN r.profit_loss END
	  FROM crash_analytics.crash_game_rounds r
	 WHERE (period_figures.game IS NULL OR r.game_name = period_figures.game)
	   AND (period_figures.platform IS NULL OR r.platform_code = period_figures.platform)
	   AND ((period_figures.from_time IS NOT NULL
			 AND r.played_at >= period_figures.from_time
			 AND r.played_at < least(crash_analytics.utc_hour_ceil(period_figures.from_time),
									 coalesce(period_figures.to_time, 'infinity')))
			OR (period_figures.to_time IS NOT NULL
				AND r.played_at >= greatest(crash_analytics.utc_hour_floor(period_figures.to_time),
											coalesce(crash_analytics.utc_hour_ceil(period_figures.from_time), '-infinity'))
				AND r.played_at < period_figures.to_time));
END;
COMMENT ON FUNCTION crash_analytics.period_figures(text, text, timestamptz, timestamptz) IS
	'Round figures of a game/platform (NULL: all) and period, as rows to sum: whole UTC hours from the hourly roll-ups, the partial hours at the ends from the rounds. What get_game_statistics and get_strategy_performance add up.';

CREATE FUNCTION crash_analytics.get_session_summary(session text, bot text DEFAULT NULL)
RETURNS TABLE(bot_id text, session_id text, game_name text, platform_code text, status text,
	started_at timestamptz, ended_at timestamptz, last_round_at timestamptz, duration interval,
	rounds bigint, bets bigint, wins bigint, losses bigint, skips bigint, voids bigint,
	win_rate_percent numeric, win_rate_ci_low_percent numeric, win_rate_ci_high_percent numeric,
	chance_win_rate_percent numeric, total_staked numeric, total_payout numeric, total_profit numeric,
	roi_percent numeric, roi_ci_low_percent numeric, roi_ci_high_percent numeric,
	expected_profit numeric, luck numeric, best_round_profit numeric, worst_round_profit numeric,
	balance_start numeric, balance_current numeric, peak_balance numeric, max_drawdown numeric,
	last_round_number bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN QUERY
	SELECT s.bot_id::text, s.session_id::text, s.game_name::text, s.platform_code::text, s.status,
		   s.started_at, s.ended_at, s.last_round_at, coalesce(s.ended_at, s.last_round_at) - s.started_at,
		   s.rounds_played, s.bets_placed, s.wins, s.losses, s.skips, s.voids,
		   CASE WHEN s.wins + s.losses > 0 THEN round(100.0 * s.wins / (s.wins + s.losses), 2) END,
		   crash_analytics.wilson_low_percent(s.wins, s.wins + s.losses),
		   crash_analytics.wilson_high_percent(s.wins, s.wins + s.losses),
		   CASE WHEN s.targeted_bets > 0 THEN round(100 * s.sum_win_probability / s.targeted_bets, 2) END,
		   s.total_staked, s.total_payout, s.total_profit,
		   CASE WHEN s.total_staked > 0 THEN round(100 * s.total_profit / s.total_staked, 2) END,
		   crash_analytics.roi_ci_low_percent(s.bets_placed, s.total_staked, s.total_profit, s.sum_profit_squared),
		   crash_analytics.roi_ci_high_percent(s.bets_placed, s.total_staked, s.total_profit, s.sum_profit_squared),
		   s.expected_profit, s.total_profit - s.expected_profit, s.best_profit, s.worst_profit,
		   s.balance_start, s.balance_current, s.peak_balance, s.max_drawdown, s.last_round_number
	  FROM crash_analytics.session_logs s
	 WHERE s.session_id = get_session_summary.session
	   AND (get_session_summary.bot IS NULL OR s.bot_id = get_session_summary.bot)
	 ORDER BY s.bot_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'undefined_object',
			MESSAGE = format('session "%s" does not exist', session)
					  || CASE WHEN bot IS NULL THEN '' ELSE format(' for bot "%s"', bot) END;
	END IF;
END
$$;
COMMENT ON FUNCTION crash_analytics.get_session_summary(text, text) IS
	'A session''s figures (one row per bot using that session id, or the given bot''s): duration, counts, win rate with its interval beside chance, money, ROI with its interval, expected profit and luck, balances and drawdown. Unknown session: 42704.';

CREATE FUNCTION crash_analytics.get_game_statistics(game text, platform text DEFAULT NULL,
	from_time timestamptz DEFAULT NULL, to_time timestamptz DEFAULT NULL)
RETURNS TABLE(game_name text, platform_code text, rtp numeric, bots bigint, strategies bigint,
	rounds bigint, bets bigint, wins bigint, losses bigint, skips bigint, voids bigint,
	win_rate_percent numeric, win_rate_ci_low_percent numeric, win_rate_ci_high_percent numeric,
	chance_win_rate_percent numeric, total_staked numeric, total_payout numeric, total_profit numeric,
	roi_percent numeric, roi_ci_low_percent numeric, roi_ci_high_percent numeric,
	bets_for_1pct_roi_margin bigint, expected_profit numeric, luck numeric,
	return_to_player_percent numeric, theoretical_rtp_percent numeric,
	best_round_profit numeric, worst_round_profit numeric)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM crash_analytics.check_period(from_time, to_time);
	PERFORM crash_analytics.require_game(game, platform);
	RETURN QUERY
	SELECT f.game_name, f.platform_code, c.rtp, count(DISTINCT f.bot_id),
		   count(DISTINCT f.strategy_name),
		   sum(f.rounds)::bigint, sum(f.bets)::bigint, sum(f.wins)::bigint, sum(f.losses)::bigint,
		   sum(f.skips)::bigint, sum(f.voids)::bigint,
		   CASE WHEN sum(f.wins + f.losses) > 0 THEN round(100.0 * sum(f.wins) / sum(f.wins + f.losses), 2) END,
		   crash_analytics.wilson_low_percent(sum(f.wins)::bigint, sum(f.wins + f.losses)::bigint),
		   crash_analytics.wilson_high_percent(sum(f.wins)::bigint, sum(f.wins + f.losses)::bigint),
		   CASE WHEN sum(f.targeted_bets) > 0 THEN round(100 * sum(f.sum_win_probability) / sum(f.targeted_bets), 2) END,
		   sum(f.total_staked), sum(f.total_payout), sum(f.total_profit),
		   CASE WHEN sum(f.total_staked) > 0 THEN round(100 * sum(f.total_profit) / sum(f.total_staked), 2) END,
		   crash_analytics.roi_ci_low_percent(sum(f.bets)::bigint, sum(f.total_staked), sum(f.total_profit), sum(f.sum_profit_squared)),
		   crash_analytics.roi_ci_high_percent(sum(f.bets)::bigint, sum(f.total_staked), sum(f.total_profit), sum(f.sum_profit_squared)),
		   crash_analytics.bets_for_roi_margin(sum(f.bets)::bigint, sum(f.total_staked), sum(f.total_profit), sum(f.sum_profit_squared)),
		   sum(f.expected_profit), sum(f.total_profit) - sum(f.expected_profit),
		   CASE WHEN sum(f.total_staked) > 0 THEN round(100 * sum(f.total_payout) / sum(f.total_staked), 2) END,
		   round(100 * c.rtp, 2), max(f.best_profit), min(f.worst_profit)
	  FROM crash_analytics.period_figures(game, platform, from_time, to_time) f
	  JOIN crash_analytics.game_platform_config c
		ON c.game_name = f.game_name AND c.platform_code = f.platform_code
	 GROUP BY f.game_name, f.platform_code, c.rtp
	 ORDER BY f.game_name, f.platform_code;
END
$$;
COMMENT ON FUNCTION crash_analytics.get_game_statistics(text, text, timestamptz, timestamptz) IS
	'Per game/platform (all platforms when NULL) and period: bots, rounds, win rate with its interval beside chance, money, ROI with its interval and the bets needed to know it to +/- 1 point, expected profit at the RTP and luck, the return to player observed against the theoretical RTP. Exact for any period; reads the hourly roll-ups.';

CREATE FUNCTION crash_analytics.get_strategy_performance(game text DEFAULT NULL,
	from_time timestamptz DEFAULT NULL, to_time timestamptz DEFAULT NULL)
RETURNS TABLE(strategy_name text, games bigint, bots bigint, rounds bigint, bets bigint, wins bigint,
	losses bigint, skips bigint, voids bigint,
	win_rate_percent numeric, win_rate_ci_low_percent numeric, win_rate_ci_high_percent numeric,
	chance_win_rate_percent numeric, total_staked numeric, total_payout numeric, total_profit numeric,
	roi_percent numeric, roi_ci_low_percent numeric, roi_ci_high_percent numeric,
	bets_for_1pct_roi_margin bigint, expected_profit numeric, luck numeric,
	best_round_profit numeric, worst_round_profit numeric)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM crash_analytics.check_period(from_time, to_time);
	IF game IS NOT NULL THEN
		PERFORM crash_analytics.require_game(game, NULL);
	END IF;
	RETURN QUERY
	SELECT nullif(f.strategy_name, ''), count(DISTINCT f.game_name), count(DISTINCT f.bot_id),
		   sum(f.rounds)::bigint, sum(f.bets)::bigint, sum(f.wins)::bigint, sum(f.losses)::bigint,
		   sum(f.skips)::bigint, sum(f.voids)::bigint,
		   CASE WHEN sum(f.wins + f.losses) > 0 THEN round(100.0 * sum(f.wins) / sum(f.wins + f.losses), 2) END,
		   crash_analytics.wilson_low_percent(sum(f.wins)::bigint, sum(f.wins + f.losses)::bigint),
		   crash_analytics.wilson_high_percent(sum(f.wins)::bigint, sum(f.wins + f.losses)::bigint),
		   CASE WHEN sum(f.targeted_bets) > 0 THEN round(100 * sum(f.sum_win_probability) / sum(f.targeted_bets), 2) END,
		   sum(f.total_staked), sum(f.total_payout), sum(f.total_profit),
		   CASE WHEN sum(f.total_staked) > 0 THEN round(100 * sum(f.total_profit) / sum(f.total_staked), 2) END,
		   crash_analytics.roi_ci_low_percent(sum(f.bets)::bigint, sum(f.total_staked), sum(f.total_profit), sum(f.sum_profit_squared)),
		   crash_analytics.roi_ci_high_percent(sum(f.bets)::bigint, sum(f.total_staked), sum(f.total_profit), sum(f.sum_profit_squared)),
		   crash_analytics.bets_for_roi_margin(sum(f.bets)::bigint, sum(f.total_staked), sum(f.total_profit), sum(f.sum_profit_squared)),
		   sum(f.expected_profit), sum(f.total_profit) - sum(f.expected_profit),
		   max(f.best_profit), min(f.worst_profit)
	  FROM crash_analytics.period_figures(game, NULL, from_time, to_time) f
	 GROUP BY f.strategy_name
	 ORDER BY f.strategy_name;
END
$$;
COMMENT ON FUNCTION crash_analytics.get_strategy_performance(text, timestamptz, timestamptz) IS
	'One row per strategy (NULL: rounds logged without one) in a game (all games when NULL) and period, with the same theory columns as get_game_statistics: a strategy''s ROI is judged against its expected profit and its interval.';

/*
 * Multipliers of a game/platform and period, each platform round once:
 * when several bots saw the same platform_round_id, the first logged
 * reading counts.  Readings without platform_round_id count each.
 */
CREATE FUNCTION crash_analytics.distinct_multipliers(game text, platform text,
	from_time timestamptz, to_time timestamptz)
RETURNS TABLE(platform_code text, multiplier numeric)
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT DISTINCT ON (m.platform_code, coalesce(m.platform_round_id, '#' || m.bot_id || '#' || m.id))
		   m.platform_code, m.multiplier
	  FROM crash_analytics.analytics_round_multipliers m
	 WHERE m.game_name = distinct_multipliers.game
	   AND (distinct_multipliers.platform IS NULL OR m.platform_code = distinct_multipliers.platform)
	   AND m.observed_at >= coalesce(distinct_multipliers.from_time, '-infinity')
	   AND m.observed_at < coalesce(distinct_multipliers.to_time, 'infinity')
	 ORDER BY m.platform_code, coalesce(m.platform_round_id, '#' || m.bot_id || '#' || m.id), m.id;
END;
COMMENT ON FUNCTION crash_analytics.distinct_multipliers(text, text, timestamptz, timestamptz) IS
	'The crash multipliers of a game/platform (all platforms when NULL) and period, one per platform round (the first reading logged when several bots saw it).';

CREATE FUNCTION crash_analytics.get_multiplier_distribution(game text, platform text DEFAULT NULL,
	from_time timestamptz DEFAULT NULL, to_time timestamptz DEFAULT NULL, buckets numeric[] DEFAULT NULL)
RETURNS TABLE(bucket_low numeric, bucket_high numeric, multipliers bigint, percent numeric,
	cumulative_percent numeric, theoretical_percent numeric, theoretical_cumulative_percent numeric)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	edges numeric[] := coalesce(buckets,
		'{1.00,1.01,1.20,1.50,2.00,3.00,5.00,10.00,20.00,50.00,100.00,1000.00}'::numeric[]);
	i int;
BEGIN
	PERFORM crash_analytics.check_period(from_time, to_time);
	PERFORM crash_analytics.require_game(game, platform);
	IF cardinality(edges) = 0 OR array_position(edges, NULL) IS NOT NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
			MESSAGE = 'buckets must be a non-empty array of multipliers without NULLs';
	END IF;
	FOR i IN 1 .. cardinality(edges) LOOP
		IF edges[i] = 'NaN' OR edges[i] IN ('Infinity', '-Infinity') OR edges[i] < 1.00
		   OR (i > 1 AND edges[i] <= edges[i - 1]) THEN
			RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
				MESSAGE = 'buckets must be finite multipliers of 1.00 or more, in increasing order',
				DETAIL = format('Element %s is %s.', i, edges[i]);
		END IF;
	END LOOP;
	IF edges[1] > 1.00 THEN
		edges := 1.00 || edges;		-- everything below the first edge gets a bucket too
	END IF;

	RETURN QUERY
	WITH m AS (		-- counted in one pass: the multipliers themselves are never kept
		SELECT d.platform_code, width_bucket(d.multiplier, edges) AS b, count(*) AS n
		  FROM crash_analytics.distinct_multipliers(game, platform, from_time, to_time) d
		 GROUP BY 1, 2
	), per_platform AS (	-- how many multipliers each platform contributes, and its RTP
		SELECT m.platform_code, sum(m.n) AS n, c.rtp
		  FROM m JOIN crash_analytics.game_platform_config c
			ON c.game_name = get_multiplier_distribution.game AND c.platform_code = m.platform_code
		 GROUP BY m.platform_code, c.rtp
	), bk AS (
		SELECT k AS b, edges[k] AS lo, edges[k + 1] AS hi
		  FROM generate_series(1, cardinality(edges)) AS k
	), theory AS (	-- P(lo <= X < hi) with P(X >= x) = RTP/x (1 at x = 1.00), weighted by platform
		SELECT bk.b,
			   sum(p.n * ((CASE WHEN bk.lo <= 1.00 THEN 1 ELSE least(1, p.rtp / bk.lo) END)
						 - (CASE WHEN bk.hi IS NULL THEN 0 WHEN bk.hi <= 1.00 THEN 1 ELSE least(1, p.rtp / bk.hi) END)))
				 / nullif(sum(p.n), 0) AS p
		  FROM bk CROSS JOIN per_platform p
		 GROUP BY bk.b
	), counts AS (
		SELECT bk.b, bk.lo, bk.hi, coalesce(sum(m.n), 0)::bigint AS n
		  FROM bk LEFT JOIN m ON m.b = bk.b
		 GROUP BY bk.b, bk.lo, bk.hi
	)
	SELECT c.lo, c.hi, c.n,
		   round(100.0 * c.n / nullif(sum(c.n) OVER (), 0), 2),
		   round(100.0 * sum(c.n) OVER (ORDER BY c.b) / nullif(sum(c.n) OVER (), 0), 2),
		   round(100 * t.p, 2),
		   round(100 * sum(t.p) OVER (ORDER BY c.b), 2)
	  FROM counts c LEFT JOIN theory t ON t.b = c.b
	 WHERE EXISTS (SELECT 1 FROM m)		-- a period without multipliers gives no rows
	 ORDER BY c.b;
END
$$;
COMMENT ON FUNCTION crash_analytics.get_multiplier_distribution(text, text, timestamptz, timestamptz, numeric[]) IS
	'Histogram of crash multipliers (each platform round once) in buckets [bucket_low, bucket_high), by default 1-2-5 log-spaced from 1.00 with the instant-crash bucket [1.00, 1.01) first: counts, percent, cumulative percent, and the theoretical percent under P(crash >= x) = RTP/x (1 - RTP/1.01 for instant crashes).';

CREATE FUNCTION crash_analytics.get_multiplier_quantiles(game text, platform text DEFAULT NULL,
	from_time timestamptz DEFAULT NULL, to_time timestamptz DEFAULT NULL,
	probabilities double precision[] DEFAULT '{0.25,0.5,0.75,0.9,0.99}')
RETURNS TABLE(probability double precision, observed numeric, theoretical numeric, multipliers bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	q double precision;
BEGIN
	PERFORM crash_analytics.check_period(from_time, to_time);
	PERFORM crash_analytics.require_game(game, platform);
	IF probabilities IS NULL OR cardinality(probabilities) = 0 THEN
		RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'probabilities must not be empty';
	END IF;
	FOREACH q IN ARRAY probabilities LOOP
		IF q IS NULL OR q = 'NaN' OR q <= 0 OR q >= 1 THEN
			RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
				MESSAGE = 'probabilities must be between 0 and 1, exclusive',
				DETAIL = format('One of them is %s.', coalesce(q::text, 'NULL'));
		END IF;
	END LOOP;
	RETURN QUERY
	WITH d AS (
		SELECT * FROM crash_analytics.distinct_multipliers(game, platform, from_time, to_time)
	), obs AS (
		SELECT percentile_disc(probabilities) WITHIN GROUP (ORDER BY d.multiplier) AS v, count(*) AS n
		  FROM d
	), w AS (	-- the RTP, weighted by how many multipliers each platform contributes
		SELECT sum(c.rtp * x.n) / nullif(sum(x.n), 0) AS rtp
		  FROM (SELECT d.platform_code, count(*) AS n FROM d GROUP BY 1) x
		  JOIN crash_analytics.game_platform_config c
			ON c.game_name = get_multiplier_quantiles.game AND c.platform_code = x.platform_code
	)
	-- theoretical: the smallest x on the 0.01 grid with P(X <= x) = 1 - RTP/(x + 0.01) >= q
	SELECT p.q, obs.v[p.k], round(greatest(1.00, ceil(100 * (w.rtp / (1 - p.q::numeric) - 0.01)) / 100), 2), obs.n
	  FROM unnest(probabilities) WITH ORDINALITY AS p(q, k), obs, w
	 WHERE obs.n > 0		-- a period without multipliers gives no rows
	 ORDER BY p.k;
END
$$;
COMMENT ON FUNCTION crash_analytics.get_multiplier_quantiles(text, text, timestamptz, timestamptz, double precision[]) IS
	'Quantiles of the crash multiplier (each platform round once), observed beside theoretical under P(crash >= x) = RTP/x on the 0.01 grid; the median of a fair 97% game is 1.93.';

CREATE FUNCTION crash_analytics.get_signal_effectiveness(signal text DEFAULT NULL,
	from_time timestamptz DEFAULT NULL, to_time timestamptz DEFAULT NULL)
RETURNS TABLE(source text, signal_type text, model_name text, signals bigint, resolved bigint,
	hits bigint, hit_rate_percent numeric, hit_rate_ci_low_percent numeric, hit_rate_ci_high_percent numeric,
	baseline_theoretical_percent numeric, baseline_empirical_percent numeric, lift numeric,
	p_value double precision)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM crash_analytics.check_period(from_time, to_time);
	RETURN QUERY
	WITH s AS (
		SELECT s.source, s.signal_type::text AS signal_type, s.model_name::text AS model_name,
			   s.game_name, s.platform_code, s.target_multiplier, s.status,
			   least(1, c.rtp / s.target_multiplier)::double precision AS p
		  FROM crash_analytics.analytics_round_signals s
		  JOIN crash_analytics.game_platform_config c
			ON c.game_name = s.game_name AND c.platform_code = s.platform_code
		 WHERE (signal IS NULL OR s.signal_type = signal OR s.model_name = signal)
		   AND s.emitted_at >= coalesce(from_time, '-infinity') AND s.emitted_at < coalesce(to_time, 'infinity')
	), targets AS (	-- how often the game's platform rounds (each once) reached each target in the period
		SELECT t.game_name, t.platform_code, t.target_multiplier,
			   (SELECT avg((d.multiplier >= t.target_multiplier)::int)::double precision
				  FROM crash_analytics.distinct_multipliers(t.game_name, t.platform_code, from_time, to_time) d) AS rate
		  FROM (SELECT DISTINCT s.game_name, s.platform_code, s.target_multiplier FROM s) t
	)
	SELECT s.source, s.signal_type, s.model_name, count(*),
		   count(*) FILTER (WHERE s.status <> 'open'),
		   count(*) FILTER (WHERE s.status = 'hit'),
		   round(100.0 * count(*) FILTER (WHERE s.status = 'hit') / nullif(count(*) FILTER (WHERE s.status <> 'open'), 0), 2),
		   crash_analytics.wilson_low_percent(count(*) FILTER (WHERE s.status = 'hit'), count(*) FILTER (WHERE s.status <> 'open')),
		   crash_analytics.wilson_high_percent(count(*) FILTER (WHERE s.status = 'hit'), count(*) FILTER (WHERE s.status <> 'open')),
		   round((100 * avg(s.p) FILTER (WHERE s.status <> 'open'))::numeric, 2),
		   round((100 * avg(t.rate) FILTER (WHERE s.status <> 'open'))::numeric, 2),
		   round(((count(*) FILTER (WHERE s.status = 'hit'))::numeric
				  / nullif(count(*) FILTER (WHERE s.status <> 'open'), 0))
				 / nullif(avg(s.p) FILTER (WHERE s.status <> 'open'), 0)::numeric, 3),
		   CASE WHEN count(*) FILTER (WHERE s.status <> 'open') > 0 THEN
			   crash_analytics.chance_p_value(count(*) FILTER (WHERE s.status = 'hit'),
											  sum(s.p) FILTER (WHERE s.status <> 'open'),
											  sum(s.p * (1 - s.p)) FILTER (WHERE s.status <> 'open'))
		   END
	  FROM s LEFT JOIN targets t
		ON t.game_name = s.game_name AND t.platform_code = s.platform_code AND t.target_multiplier = s.target_multiplier
	 GROUP BY s.source, s.signal_type, s.model_name
	 ORDER BY s.source, s.signal_type, s.model_name;
END
$$;
COMMENT ON FUNCTION crash_analytics.get_signal_effectiveness(text, timestamptz, timestamptz) IS
	'Per signal source, type and model (filtered by a signal type or model name when given), signals emitted in the period: resolved, hits, hit rate with its 95% interval, the baseline chance gives for the same targets (theoretical RTP/target and empirical from the game''s multipliers in the period), the lift over the theoretical baseline, and the one-sided p-value of doing at least this well by chance.';

CREATE FUNCTION crash_analytics.export_rounds_to_json(bot text DEFAULT NULL,
	from_time timestamptz DEFAULT NULL, to_time timestamptz DEFAULT NULL, game text DEFAULT NULL)
RETURNS SETOF jsonb
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT pg_catalog.to_jsonb(r)
	  FROM crash_analytics.crash_game_rounds r
	 WHERE crash_analytics.check_period(export_rounds_to_json.from_time, export_rounds_to_json.to_time)
	   AND (export_rounds_to_json.bot IS NULL OR r.bot_id = export_rounds_to_json.bot)
	   AND (export_rounds_to_json.game IS NULL OR r.game_name = export_rounds_to_json.game)
	   -- written so that NULL bounds fold away; no ORDER BY, so that rows stream
	   -- straight from the scan (each object carries id: sort by bot_id, id for logging order)
	   AND (export_rounds_to_json.from_time IS NULL OR r.played_at >= export_rounds_to_json.from_time)
	   AND (export_rounds_to_json.to_time IS NULL OR r.played_at < export_rounds_to_json.to_time);
END;
COMMENT ON FUNCTION crash_analytics.export_rounds_to_json(text, timestamptz, timestamptz, text) IS
	'Rounds as JSON objects, one a row, filtered by bot, period (played_at) and game, in no particular order (each carries its id). Inlined into the calling query, so COPY (SELECT * FROM crash_analytics.export_rounds_to_json(...)) TO STDOUT streams without materialising.';

CREATE FUNCTION crash_analytics.export_multipliers_for_ml(game text, row_limit integer DEFAULT 10000)
RETURNS SETOF jsonb
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT pg_catalog.jsonb_build_object(
			'id', f.id, 'bot_id', f.bot_id, 'platform_code', f.platform_code, 'round_number', f.round_number,
			'observed_at', f.observed_at,
			'features', pg_catalog.jsonb_build_object(
				'lags', f.lags, 'history', f.history,
				'mean_log_10', f.mean_log_10, 'mean_log_50', f.mean_log_50,
				'share_under_2x_10', f.under2_10, 'share_under_2x_50', f.under2_50,
				'instant_crashes_50', f.instant_50, 'rounds_under_2x_in_a_row', f.low_run,
				'rounds_since_10x', f.since_10x),
			'label', f.multiplier)
	  FROM (
		SELECT w.*
		  FROM (
			-- every feature looks only at earlier rounds of the same bot and platform:
			-- windows end at 1 PRECEDING, so the label never leaks into its features
			SELECT m.id, m.bot_id, m.platform_code, m.round_number, m.observed_at, m.multiplier,
				   pg_catalog.array_remove(ARRAY[
					   lag(m.multiplier, 1) OVER s, lag(m.multiplier, 2) OVER s, lag(m.multiplier, 3) OVER s,
					   lag(m.multiplier, 4) OVER s, lag(m.multiplier, 5) OVER s, lag(m.multiplier, 6) OVER s,
					   lag(m.multiplier, 7) OVER s, lag(m.multiplier, 8) OVER s, lag(m.multiplier, 9) OVER s,
					   lag(m.multiplier, 10) OVER s], NULL) AS lags,
				   count(*) OVER (s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS history,
				   round(avg(pg_catalog.ln(m.multiplier)) OVER (s ROWS BETWEEN 10 PRECEDING AND 1 PRECEDING), 6) AS mean_log_10,
				   round(avg(pg_catalog.ln(m.multiplier)) OVER (s ROWS BETWEEN 50 PRECEDING AND 1 PRECEDING), 6) AS mean_log_50,
				   round(avg((m.multiplier < 2)::int) OVER (s ROWS BETWEEN 10 PRECEDING AND 1 PRECEDING), 4) AS under2_10,
				   round(avg((m.multiplier < 2)::int) OVER (s ROWS BETWEEN 50 PRECEDING AND 1 PRECEDING), 4) AS under2_50,
				   count(*) FILTER (WHERE m.is_instant_crash) OVER (s ROWS BETWEEN 50 PRECEDING AND 1 PRECEDING) AS instant_50,
				   (row_number() OVER s) - 1
					 - coalesce(max(CASE WHEN m.multiplier >= 2 THEN m.rn END)
								OVER (s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS low_run,
				   (row_number() OVER s)
					 - max(CASE WHEN m.multiplier >= 10 THEN m.rn END)
					   OVER (s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS since_10x
			  FROM (SELECT x.*, row_number() OVER (PARTITION BY x.bot_id, x.platform_code ORDER BY x.id) AS rn
					  FROM crash_analytics.analytics_round_multipliers x
					 WHERE x.game_name = export_multipliers_for_ml.game
					   AND crash_analytics.check_row_limit(export_multipliers_for_ml.row_limit)
					   AND crash_analytics.require_game(export_multipliers_for_ml.game, NULL)) m
			WINDOW s AS (PARTITION BY m.bot_id, m.platform_code ORDER BY m.id)
		  ) w
		 ORDER BY w.id DESC
		 LIMIT export_multipliers_for_ml.row_limit
	  ) f
	 ORDER BY f.id;
END;
COMMENT ON FUNCTION crash_analytics.export_multipliers_for_ml(text, integer) IS
	'The latest row_limit multipliers of a game as ML examples, one JSON object a row: features from earlier rounds of the same bot and platform only (last 10 multipliers, mean log multiplier and share under 2x over 10 and 50 rounds, instant crashes in 50, current run under 2x, rounds since a 10x) and the label, the multiplier itself.';

CREATE FUNCTION crash_analytics.get_database_size()
RETURNS TABLE(object_name text, object_kind text, row_estimate bigint, total_bytes bigint, total_size text)
LANGUAGE sql STABLE
BEGIN ATOMIC
	SELECT pg_catalog.current_database()::text, 'database', NULL::bigint,
		   pg_catalog.pg_database_size(pg_catalog.current_database()),
		   pg_catalog.pg_size_pretty(pg_catalog.pg_database_size(pg_catalog.current_database()))
	UNION ALL
	SELECT x.name, x.kind, x.est, x.bytes, pg_catalog.pg_size_pretty(x.bytes)
	  FROM (SELECT c.relname::text AS name,
				   CASE c.relkind WHEN 'm' THEN 'materialized view' ELSE 'table' END AS kind,
				   CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint END AS est,
				   pg_catalog.pg_total_relation_size(c.oid) AS bytes
			  FROM pg_catalog.pg_class c
			 WHERE c.relnamespace = 'crash_analytics'::regnamespace AND c.relkind IN ('r', 'm')
			 ORDER BY 4 DESC, 1) x;
END;
COMMENT ON FUNCTION crash_analytics.get_database_size() IS
	'Size of the database, then of each of the extension''s tables and materialized views with their indexes and TOAST, largest first; row counts are the planner''s estimates (NULL before the table was first analyzed).';

CREATE FUNCTION crash_analytics.rollup_differences(bot_id text)
RETURNS TABLE(table_name text, row_key text, column_name text, stored text, expected text)
AS 'MODULE_PATHNAME', 'ca_rollup_differences'
LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION crash_analytics.rollup_differences(text) IS
	'Replays a bot''s rounds in logging order and lists every stored roll-up value (bot_rollups, session_logs figures, bot_hourly_rollups) that differs from the replay; no row when all agree. A whole missing or extra row has column_name NULL.';

CREATE FUNCTION crash_analytics.rebuild_rollups(bot_id text)
RETURNS bigint
AS 'MODULE_PATHNAME', 'ca_rebuild_rollups'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION crash_analytics.rebuild_rollups(text) IS
	'Rewrites a bot''s roll-up, session figures and hourly roll-ups from its rounds (under the bot''s lock); returns the number of rounds replayed.';

CREATE FUNCTION crash_analytics.verify_consistency()
RETURNS TABLE(check_name text, ok boolean, differences bigint, detail text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	n bigint;
	d text;
BEGIN
	-- every round has its multiplier row, and it agrees
	SELECT count(*), string_agg(DISTINCT r.bot_id || '/' || r.session_id || '/' || r.round_number, ', ')
	  INTO n, d
	  FROM crash_analytics.crash_game_rounds r
	  LEFT JOIN crash_analytics.analytics_round_multipliers m
		ON m.bot_id = r.bot_id AND m.session_id = r.session_id AND m.round_number = r.round_number
	 WHERE m.id IS NULL OR m.multiplier <> r.crash_multiplier OR m.game_name <> r.game_name
		OR m.platform_code <> r.platform_code OR m.is_instant_crash <> r.is_instant_crash;
	RETURN QUERY SELECT 'round_multipliers', n = 0, n, left(d, 500);

	SELECT count(*), string_agg(m.id::text, ', ') INTO n, d
	  FROM crash_analytics.analytics_round_multipliers m
	 WHERE m.source = 'round' AND NOT EXISTS (SELECT 1 FROM crash_analytics.crash_game_rounds r
												WHERE r.bot_id = m.bot_id AND r.id = m.round_id);
	RETURN QUERY SELECT 'orphan_multipliers', n = 0, n, left(d, 500);

	-- every bet has exactly one outcome row equal to the round; skips have none
	SELECT count(*), string_agg(r.id::text, ', ') INTO n, d
	  FROM crash_analytics.crash_game_rounds r
	  LEFT JOIN crash_analytics.analytics_round_outcomes o ON o.bot_id = r.bot_id AND o.round_id = r.id
	 WHERE CASE WHEN r.round_outcome = 'SKIP' THEN o.id IS NOT NULL
				ELSE o.id IS NULL
					 OR (o.session_id, o.game_name, o.platform_code, o.round_number, o.bet_slot, o.outcome,
						 o.stake_value, o.crash_multiplier, o.payout_value, o.profit_loss, o.roi_percent,
						 o.expected_profit, o.settled_at)
						IS DISTINCT FROM
						(r.session_id, r.game_name, r.platform_code, r.round_number, r.bet_slot, r.round_outcome,
						 r.stake_value, r.crash_multiplier, r.payout_value, r.profit_loss, r.roi_percent,
						 r.expected_profit, r.played_at)
					 OR o.strategy_name IS DISTINCT FROM r.strategy_name
					 OR o.cashout_multiplier IS DISTINCT FROM r.cashout_multiplier
					 OR o.target_multiplier IS DISTINCT FROM r.target_multiplier
					 OR o.win_probability IS DISTINCT FROM r.win_probability END;
	RETURN QUERY SELECT 'round_outcomes', n = 0, n, left(d, 500);

	SELECT count(*), string_agg(o.id::text, ', ') INTO n, d
	  FROM crash_analytics.analytics_round_outcomes o
	 WHERE NOT EXISTS (SELECT 1 FROM crash_analytics.crash_game_rounds r WHERE r.bot_id = o.bot_id AND r.id = o.round_id);
	RETURN QUERY SELECT 'orphan_outcomes', n = 0, n, left(d, 500);

	-- the rounds themselves follow the derivation rules
	SELECT count(*), string_agg(r.id::text, ', ') INTO n, d
	  FROM crash_analytics.crash_game_rounds r
	  JOIN crash_analytics.game_platform_config c ON c.game_name = r.game_name AND c.platform_code = r.platform_code
	 WHERE r.derived_at IS NOT NULL AND (
		   (r.round_outcome = 'WIN' AND abs(r.payout_value - round(r.stake_value * r.cashout_multiplier, c.currency_decimals))
										> 1 / 10.0 ^ c.currency_decimals)
		OR (r.round_outcome IN ('LOSS', 'SKIP') AND r.payout_value <> 0)
		OR (r.round_outcome = 'VOID' AND r.payout_value <> r.stake_value)
		OR r.is_instant_crash <> (r.crash_multiplier = 1.00)
		OR r.roi_percent IS DISTINCT FROM CASE WHEN r.round_outcome <> 'SKIP' THEN round(r.profit_loss * 100 / r.stake_value, 4) END
		OR r.final_multiplier IS DISTINCT FROM CASE r.round_outcome WHEN 'WIN' THEN r.cashout_multiplier
																	WHEN 'LOSS' THEN r.crash_multiplier END
		OR r.win_probability IS DISTINCT FROM
		   CASE WHEN r.round_outcome IN ('WIN', 'LOSS') AND coalesce(r.cashout_multiplier, r.target_multiplier) IS NOT NULL
				THEN CASE WHEN coalesce(r.cashout_multiplier, r.target_multiplier) <= 1 THEN 1
						  ELSE round(r.game_rtp / coalesce(r.cashout_multiplier, r.target_multiplier), 6) END END
		OR r.expected_profit <> CASE WHEN r.round_outcome IN ('WIN', 'LOSS')
										  AND coalesce(r.cashout_multiplier, r.target_multiplier, 2) > 1
									 THEN r.stake_value * (r.game_rtp - 1) ELSE 0 END
		OR abs(r.running_balance_after - r.running_balance_before - r.profit_loss) > 1 / 10.0 ^ c.currency_decimals);
	RETURN QUERY SELECT 'round_derivation', n = 0, n, left(d, 500);

	SELECT count(*), string_agg(x.bot_id, ', ') INTO n, d
	  FROM (SELECT DISTINCT r.bot_id FROM crash_analytics.crash_game_rounds r) x
	 WHERE NOT EXISTS (SELECT 1 FROM crash_analytics.bot_vm_registration b WHERE b.bot_id = x.bot_id);
	RETURN QUERY SELECT 'bot_registrations', n = 0, n, left(d, 500);

	-- every signal was resolved by the first multiplier after the one it follows, and only by it
	SELECT count(*), string_agg(s.id::text, ', ') INTO n, d
	  FROM crash_analytics.analytics_round_signals s
	  LEFT JOIN LATERAL (
		SELECT m.id, m.multiplier FROM crash_analytics.analytics_round_multipliers m
		 WHERE m.bot_id = s.bot_id AND m.game_name = s.game_name AND m.platform_code = s.platform_code
		   AND m.id > coalesce(s.after_multiplier_id, 0)
		 ORDER BY m.id LIMIT 1) nxt ON true
	 WHERE s.resolved_multiplier_id IS DISTINCT FROM nxt.id
		OR s.status <> CASE WHEN nxt.id IS NULL THEN 'open'
							WHEN nxt.multiplier >= s.target_multiplier THEN 'hit' ELSE 'miss' END;
	RETURN QUERY SELECT 'signal_resolution', n = 0, n, left(d, 500);

	-- roll-ups, session figures and hourly roll-ups against a replay of every bot's rounds
	RETURN QUERY
	WITH bots AS (
		SELECT r.bot_id FROM crash_analytics.crash_game_rounds r GROUP BY 1
		UNION SELECT b.bot_id FROM crash_analytics.bot_rollups b
		UNION SELECT s.bot_id FROM crash_analytics.session_logs s
		UNION SELECT h.bot_id FROM crash_analytics.bot_hourly_rollups h
	), diffs AS MATERIALIZED (
		SELECT x.* FROM bots, LATERAL crash_analytics.rollup_differences(bots.bot_id) x
	)
	SELECT t.name, count(v.table_name) = 0, count(v.table_name),
		   left(string_agg(v.row_key || coalesce('.' || v.column_name, '') || ': stored '
						   || coalesce(v.stored, 'nothing') || ', expected ' || coalesce(v.expected, 'nothing'), '; '), 500)
	  FROM (VALUES (1, 'bot_rollups'), (2, 'session_logs'), (3, 'bot_hourly_rollups')) AS t(k, name)
	  LEFT JOIN diffs v ON v.table_name = t.name
	 GROUP BY t.k, t.name ORDER BY t.k;
END
$$;
COMMENT ON FUNCTION crash_analytics.verify_consistency() IS
	'Recomputes every derived row and roll-up from crash_game_rounds and reports one row per check (multipliers, outcomes, orphans, derivation rules, registrations, signal resolution, bot roll-ups, session figures, hourly roll-ups) with ok, the number of differences and the first of them.';

CREATE FUNCTION crash_analytics.purge_rounds_before(cutoff timestamptz, include_logs boolean DEFAULT true)
RETURNS TABLE(table_name text, rows_deleted bigint)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	bots text[];
	b text;
	n bigint;
BEGIN
	IF cutoff IS NULL OR NOT isfinite(cutoff) THEN
		RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'cutoff must be a finite timestamp';
	END IF;
	SELECT array_agg(DISTINCT r.bot_id ORDER BY r.bot_id) INTO bots
	  FROM crash_analytics.crash_game_rounds r WHERE r.played_at < cutoff;
	PERFORM set_config('crash_analytics.allow_round_deletes', 'on', true);

	DELETE FROM crash_analytics.analytics_round_outcomes o USING crash_analytics.crash_game_rounds r
	 WHERE r.played_at < cutoff AND o.bot_id = r.bot_id AND o.round_id = r.id;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN QUERY SELECT 'analytics_round_outcomes', n;
	-- signals go with the multipliers they follow or were resolved by (a bot's own
	-- signal is stamped when logged, which may be long after the rounds it is about)
	DELETE FROM crash_analytics.analytics_round_signals s
	 WHERE s.emitted_at < cutoff
		OR EXISTS (SELECT 1 FROM crash_analytics.analytics_round_multipliers m
					WHERE m.bot_id = s.bot_id AND m.observed_at < cutoff
					  AND m.id IN (s.after_multiplier_id, s.resolved_multiplier_id));
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN QUERY SELECT 'analytics_round_signals', n;
	DELETE FROM crash_analytics.analytics_round_multipliers m WHERE m.observed_at < cutoff;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN QUERY SELECT 'analytics_round_multipliers', n;
	DELETE FROM crash_analytics.crash_game_rounds r WHERE r.played_at < cutoff;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN QUERY SELECT 'crash_game_rounds', n;
	DELETE FROM crash_analytics.session_logs s
	 WHERE s.started_at < cutoff
	   AND NOT EXISTS (SELECT 1 FROM crash_analytics.crash_game_rounds r
						WHERE r.bot_id = s.bot_id AND r.session_id = s.session_id);
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN QUERY SELECT 'session_logs', n;
	IF include_logs THEN
		DELETE FROM crash_analytics.error_logs e WHERE e.occurred_at < cutoff;
		GET DIAGNOSTICS n = ROW_COUNT;
		RETURN QUERY SELECT 'error_logs', n;
		DELETE FROM crash_analytics.ocr_validation_logs o WHERE o.created_at < cutoff;
		GET DIAGNOSTICS n = ROW_COUNT;
		RETURN QUERY SELECT 'ocr_validation_logs', n;
	END IF;
	PERFORM set_config('crash_analytics.allow_round_deletes', 'off', true);

	-- what the deleted rounds derived: roll-ups, session figures, hourly roll-ups
	FOREACH b IN ARRAY coalesce(bots, '{}') LOOP
		PERFORM crash_analytics.rebuild_rollups(b);
	END LOOP;
	RETURN QUERY SELECT 'bots rebuilt', coalesce(cardinality(bots), 0)::bigint;
END
$$;
COMMENT ON FUNCTION crash_analytics.purge_rounds_before(timestamptz, boolean) IS
	'Retention: deletes rounds played before cutoff with their outcomes, multipliers and signals (and error and OCR logs unless include_logs is false), deletes sessions left without rounds, and rebuilds the affected bots'' roll-ups from the rounds that remain. Returns rows deleted per table. Refresh the materialized views afterwards.';

/* ------------------------------------------------------------------------
 * Access profiles.  Nothing is granted to PUBLIC; an operator grants the
 * writer profile (bots: the logging functions and nothing else) and the
 * reader profile (analysts: SELECT and the analytics functions) to roles.
 * The ingestion functions write through the extension's own C writer, so a
 * writer needs no table privilege at all.
 * ------------------------------------------------------------------------ */
CREATE FUNCTION crash_analytics.writer_functions()
RETURNS SETOF regprocedure
LANGUAGE sql STABLE
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
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT f::regprocedure FROM (VALUES
		('crash_analytics.get_bot_statistics(text)'),
		('crash_analytics.get_session_summary(text, text)'),
		('crash_analytics.get_game_statistics(text, text, timestamptz, timestamptz)'),
		('crash_analytics.get_strategy_performance(text, timestamptz, timestamptz)'),
		('crash_analytics.get_multiplier_distribution(text, text, timestamptz, timestamptz, numeric[])'),
		('crash_analytics.get_multiplier_quantiles(text, text, timestamptz, timestamptz, double precision[])'),
		('crash_analytics.get_signal_effectiveness(text, timestamptz, timestamptz)'),
		('crash_analytics.export_rounds_to_json(text, timestamptz, timestamptz, text)'),
		('crash_analytics.export_multipliers_for_ml(text, integer)'),
		('crash_analytics.get_database_size()'),
		('crash_analytics.verify_consistency()'),
		('crash_analytics.rollup_differences(text)'),
		('crash_analytics.period_figures(text, text, timestamptz, timestamptz)'),
		('crash_analytics.distinct_multipliers(text, text, timestamptz, timestamptz)'),
		('crash_analytics.wilson_low_percent(bigint, bigint)'),
		('crash_analytics.wilson_high_percent(bigint, bigint)'),
		('crash_analytics.roi_ci_low_percent(bigint, numeric, numeric, numeric)'),
		('crash_analytics.roi_ci_high_percent(bigint, numeric, numeric, numeric)'),
		('crash_analytics.bets_for_roi_margin(bigint, numeric, numeric, numeric)'),
		('crash_analytics.chance_p_value(bigint, double precision, double precision)'),
		('crash_analytics.check_period(timestamptz, timestamptz)'),
		('crash_analytics.check_row_limit(integer)'),
		('crash_analytics.utc_hour_floor(timestamptz)'),
		('crash_analytics.utc_hour_ceil(timestamptz)'),
		('crash_analytics.require_game(text, text)')) AS v(f)
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
SELECT pg_catalog.pg_extension_config_dump('crash_analytics.bot_series_state', '');
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
