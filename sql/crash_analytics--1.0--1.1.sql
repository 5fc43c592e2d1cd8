/* sql/crash_analytics--1.0--1.1.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION crash_analytics UPDATE TO '1.1'" to load this file. \quit

/*
 * Version 1.1.  A fresh CREATE EXTENSION runs crash_analytics--1.0.sql and
 * then this script, so a new install and an updated one are built by the
 * same statements.
 */

/* ------------------------------------------------------------------------
 * Per-bot writer roles.  A role listed here may log only for the bots
 * listed with it; roles not listed keep the writer profile's reach.
 * ------------------------------------------------------------------------ */
CREATE TABLE crash_analytics.bot_writers (
	bot_id				text COLLATE "C" NOT NULL,
	role				regrole NOT NULL,
	granted_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT bot_writers_pkey PRIMARY KEY (bot_id, role)
);
COMMENT ON TABLE crash_analytics.bot_writers IS
	'Per-bot writer roles: a role listed here may log only for the bots listed with it (roles not listed are not restricted; superusers never are). Manage with grant_bot_writer() and revoke_bot_writer().';
-- a role's bots, for revoke_bot_writer(role) and for reports
CREATE INDEX bot_writers_role_idx ON crash_analytics.bot_writers (role);

CREATE FUNCTION crash_analytics.bot_writers_changed()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ca_invalidate_trigger'
LANGUAGE C;
COMMENT ON FUNCTION crash_analytics.bot_writers_changed() IS
	'AFTER statement trigger of bot_writers: tells every backend to drop its cached per-bot writer roles.';
CREATE TRIGGER bot_writers_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON crash_analytics.bot_writers
	FOR EACH STATEMENT EXECUTE FUNCTION crash_analytics.bot_writers_changed();

CREATE FUNCTION crash_analytics.grant_bot_writer(role regrole, bot_id text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF role IS NULL OR bot_id IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'role and bot_id must not be null';
	END IF;
	INSERT INTO crash_analytics.bot_writers AS w (bot_id, role)
	VALUES (grant_bot_writer.bot_id, grant_bot_writer.role)
	ON CONFLICT ON CONSTRAINT bot_writers_pkey DO NOTHING;
END
$$;
COMMENT ON FUNCTION crash_analytics.grant_bot_writer(regrole, text) IS
	'Let a role log for a bot. From its first such grant on, the role may log only for the bots granted to it (it also needs the writer profile: grant_writer).';

CREATE FUNCTION crash_analytics.revoke_bot_writer(role regrole, bot_id text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	n bigint;
BEGIN
	DELETE FROM crash_analytics.bot_writers w
	 WHERE w.role = revoke_bot_writer.role
	   AND (revoke_bot_writer.bot_id IS NULL OR w.bot_id = revoke_bot_writer.bot_id);
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;
COMMENT ON FUNCTION crash_analytics.revoke_bot_writer(regrole, text) IS
	'Take a bot (all of them when bot_id is NULL) back from a role; returns the grants removed. A role left with no grant is no longer restricted.';

SELECT pg_catalog.pg_extension_config_dump('crash_analytics.bot_writers', '');

/* ------------------------------------------------------------------------
 * Backtests, risk of ruin and simulation (src/backtest.c).
 *
 * Replays of recorded or simulated multipliers under a strategy, and Monte
 * Carlo risk from P(crash >= x) = RTP/x.
 * ------------------------------------------------------------------------ */
-- region: backtest

-- end region: backtest

/* ------------------------------------------------------------------------
 * Provably-fair verification (src/provably_fair.c).
 *
 * Crash points recomputed from revealed seeds with PostgreSQL's own
 * HMAC/SHA-256, for the published algorithms.
 * ------------------------------------------------------------------------ */
-- region: provably_fair
CREATE FUNCTION crash_analytics.verify_crash_bustabit(game_hash text, salt text DEFAULT NULL, era text DEFAULT 'v1')
RETURNS numeric AS 'MODULE_PATHNAME', 'ca_verify_crash_bustabit'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION crash_analytics.verify_crash_bustabit(text, text, text) IS
	'Crash point of a bustabit game from its revealed hash (64 hex digits), as the era published it. v1 (first seeding event, 2015): HMAC-SHA256 keyed by the hash text over the salt, 1 game in 101 busts at once (reported as 1.00; its code says 0), else floor((100e - h)/(e - h)) with h the top 52 bits, e = 2^52. v2 (2018), current (fourth seeding event) and vx (2024): HMAC-SHA256 keyed by the salt over the hash''s 32 bytes, max(1.00, floor(99/(1 - X))/100) with X the top 52 bits / 2^52. salt NULL: the era''s published salt (v1: Bitcoin block 339300, 000000000000000007a9a31ff7f07463d91af6b5454241d5faf282e5e0fe1b3a; v2: block 505750, 0000000000000000004d6ec16dafe9d8370958664c1dc422f452892264c59526; current: 00000000000000000001e08b7fd44f95e3e950ac65650a8031a6d5e1750e34be); in the vx era the salt is the game''s Vx signature (192 hex digits), taken as given. NULL game_hash or era gives NULL.';

CREATE FUNCTION crash_analytics.verify_crash_stake(server_seed text, client_seed text, nonce bigint)
RETURNS numeric AS 'MODULE_PATHNAME', 'ca_verify_crash_stake'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION crash_analytics.verify_crash_stake(text, text, bigint) IS
	'Crash point from Stake''s seeds as Stake documents its crash-point games (seed, client seed, nonce): bytes = HMAC-SHA256 keyed by the revealed server seed (64 hex digits) over "client_seed:nonce:0"; float = the first 4 bytes as a base-256 fraction; max(1.00, floor(1e8/(float*1e8)*0.99*100)/100). Stake''s multiplayer Crash, played from a hash chain, is verify_crash_stake_chain.';

CREATE FUNCTION crash_analytics.verify_crash_stake_chain(game_hash text, salt text DEFAULT NULL)
RETURNS numeric AS 'MODULE_PATHNAME', 'ca_verify_crash_stake_chain'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION crash_analytics.verify_crash_stake_chain(text, text) IS
	'Crash point of a game of Stake''s multiplayer Crash from its revealed hash, per its seeding event: HMAC-SHA256 keyed by the hash text over the salt, i = its first 32 bits, max(1, 2^32/(i + 1)*0.99) cut to hundredths. salt NULL: Bitcoin block 584500, 0000000000000000001b34dc6a1e86083f95500b096231436e9b25cbdd0075c4 (stake.com; stake.us published its own).';

CREATE FUNCTION crash_analytics.verify_crash_roobet(game_hash text, salt text DEFAULT NULL)
RETURNS numeric AS 'MODULE_PATHNAME', 'ca_verify_crash_roobet'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION crash_analytics.verify_crash_roobet(text, text) IS
	'Crash point of a Roobet Crash game from its revealed hash, per Roobet''s verification script: HMAC-SHA256 keyed by the hash text over the salt; 1 game in 25 busts at once (1.00) when the digest is divisible by 25; else floor((100e - h)/(e - h))/100 with h its top 52 bits, e = 2^52. salt NULL: Bitcoin block 610546, 0000000000000000000fa3b65e43e4240d71762a5bf397d5304b2596d116859c.';

CREATE FUNCTION crash_analytics.verify_hash_chain(game_hash text, next_hash text, encoding text DEFAULT 'hex')
RETURNS boolean AS 'MODULE_PATHNAME', 'ca_verify_hash_chain'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION crash_analytics.verify_hash_chain(text, text, text) IS
	'True when game_hash is the SHA-256 of next_hash (the hash of the game played next): chains are played backwards. encoding: hex (the next hash''s lowercase hex text is hashed: bustabit v1 and v2, Stake, Roobet) or binary (its 32 bytes: bustabit since its third seeding event).';

CREATE FUNCTION crash_analytics.verify_hash_chain(hashes text[], encoding text DEFAULT 'hex')
RETURNS boolean AS 'MODULE_PATHNAME', 'ca_verify_hash_chain_array'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION crash_analytics.verify_hash_chain(text[], text) IS
	'True when the hashes of consecutive games, in the order played, form a segment of a hash chain: each is the SHA-256 of the next (encoding as in verify_hash_chain(text, text, text)). At least two hashes, no NULLs.';

CREATE FUNCTION crash_analytics.recompute_round(algorithm text, server_seed text, server_seed_hash text,
	client_seed text, nonce bigint, round_hash text, previous_round_hash text,
	OUT crash_point numeric, OUT seed_hash_ok boolean, OUT chain_ok boolean, OUT problem text)
RETURNS record AS 'MODULE_PATHNAME', 'ca_recompute_round'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION crash_analytics.recompute_round(text, text, text, text, bigint, text, text) IS
	'One logged round''s provably-fair data, checked as verify_logged_rounds checks it; bad data is reported in problem (crash_point NULL), never raised; an unknown algorithm raises 22023.';

CREATE FUNCTION crash_analytics.verify_logged_rounds(algorithm text, game text DEFAULT NULL,
	platform text DEFAULT NULL, from_time timestamptz DEFAULT NULL, to_time timestamptz DEFAULT NULL)
RETURNS TABLE(id bigint, bot_id text, game_name text, platform_code text, platform_round_id text,
	played_at timestamptz, logged_crash numeric, recomputed_crash numeric, seed_hash_ok boolean,
	chain_ok boolean, ok boolean, problem text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM crash_analytics.check_period(from_time, to_time);
	-- an unknown algorithm is an error even when no round is read
	PERFORM crash_analytics.recompute_round(algorithm, NULL, NULL, NULL, NULL, NULL, NULL);
	IF game IS NOT NULL THEN
		PERFORM crash_analytics.require_game(game, platform);
	END IF;

	RETURN QUERY
	WITH r AS (
		SELECT g.id, g.bot_id, g.game_name, g.platform_code, g.platform_round_id, g.played_at,
			   g.crash_multiplier, g.server_seed, g.server_seed_hash, g.client_seed, g.nonce,
			   g.round_hash, coalesce(g.round_hash, g.server_seed) AS game_hash,
			   CASE WHEN g.platform_round_id ~ '^[0-9]{1,30}$' THEN g.platform_round_id::numeric END AS round_no
		  FROM crash_analytics.crash_game_rounds g
		 WHERE (verify_logged_rounds.game IS NULL OR g.game_name = verify_logged_rounds.game)
		   AND (verify_logged_rounds.platform IS NULL OR g.platform_code = verify_logged_rounds.platform)
		   AND (verify_logged_rounds.from_time IS NULL OR g.played_at >= verify_logged_rounds.from_time)
		   AND (verify_logged_rounds.to_time IS NULL OR g.played_at < verify_logged_rounds.to_time)
		   AND (g.server_seed IS NOT NULL
				OR (g.round_hash IS NOT NULL AND verify_logged_rounds.algorithm <> 'stake'))
	), numbered AS (	-- one hash per numbered platform round, for the chain links
		SELECT DISTINCT ON (r.game_name, r.platform_code, r.round_no)
			   r.game_name, r.platform_code, r.round_no, r.game_hash
		  FROM r
		 WHERE r.round_no IS NOT NULL
		 ORDER BY r.game_name, r.platform_code, r.round_no, r.id
	)
	SELECT r.id, r.bot_id, r.game_name, r.platform_code, r.platform_round_id, r.played_at,
		   r.crash_multiplier, c.crash_point, c.seed_hash_ok, c.chain_ok,
		   coalesce(c.problem IS NULL AND c.crash_point = r.crash_multiplier
					AND c.seed_hash_ok IS NOT FALSE AND c.chain_ok IS NOT FALSE, false),
		   c.problem
	  FROM r
	  LEFT JOIN numbered p
		ON p.game_name = r.game_name AND p.platform_code = r.platform_code AND p.round_no = r.round_no - 1
	 CROSS JOIN LATERAL crash_analytics.recompute_round(verify_logged_rounds.algorithm, r.server_seed,
			r.server_seed_hash, r.client_seed, r.nonce, r.round_hash, p.game_hash) c
	 ORDER BY r.played_at, r.id;
END
$$;
COMMENT ON FUNCTION crash_analytics.verify_logged_rounds(text, text, text, timestamptz, timestamptz) IS
	'Recompute the crash point of every logged round (one row per bet slot) that carries provably-fair data, in a game/platform and period [from_time, to_time), and compare it with the crash_multiplier logged. algorithm: bustabit_v1, bustabit_v2, bustabit_vx, bustabit_current, stake_chain, roobet (hash chains: the game hash is round_hash, else server_seed; the salt is client_seed, else the published one; bustabit_vx: client_seed holds the Vx signature) or stake (server_seed, client_seed and nonce). seed_hash_ok: server_seed hashes to server_seed_hash (NULL when either is missing). chain_ok: the previous platform round (platform_round_id one less, if logged) has the SHA-256 of this round''s hash (NULL otherwise, and for stake). ok: all of these hold; problem: why a round could not be recomputed (then ok is false).';

-- the reader profile: the 1.0 functions and the verifiers
DROP FUNCTION crash_analytics.reader_functions();
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
		('crash_analytics.require_game(text, text)'),
		-- 1.1: provably-fair verification
		('crash_analytics.verify_crash_bustabit(text, text, text)'),
		('crash_analytics.verify_crash_stake(text, text, bigint)'),
		('crash_analytics.verify_crash_stake_chain(text, text)'),
		('crash_analytics.verify_crash_roobet(text, text)'),
		('crash_analytics.verify_hash_chain(text, text, text)'),
		('crash_analytics.verify_hash_chain(text[], text)'),
		('crash_analytics.recompute_round(text, text, text, text, bigint, text, text)'),
		('crash_analytics.verify_logged_rounds(text, text, text, timestamptz, timestamptz)')) AS v(f)
$$;
COMMENT ON FUNCTION crash_analytics.reader_functions() IS 'The functions the reader profile may execute.';
-- end region: provably_fair

/* ------------------------------------------------------------------------
 * Fairness report and OCR data quality.
 *
 * Is the game what it claims to be, and are the bots' readings of it
 * complete and correct?
 * ------------------------------------------------------------------------ */
-- region: fairness

-- end region: fairness

/* ------------------------------------------------------------------------
 * Nothing for PUBLIC.
 * ------------------------------------------------------------------------ */
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA crash_analytics FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA crash_analytics FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA crash_analytics FROM PUBLIC;
