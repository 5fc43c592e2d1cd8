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
