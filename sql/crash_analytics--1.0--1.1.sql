/* sql/crash_analytics--1.0--1.1.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION crash_analytics UPDATE TO '1.1'" to load this file. \quit

/*
 * Version 1.1.  A fresh CREATE EXTENSION runs crash_analytics--1.0.sql and
 * then this script, so a new install and an updated one are built by the
 * same statements.
 */

-- region: grants kept, saved
/*
 * The grants on what an update re-creates, and the profiles' new functions.
 * This region and its pair, "grants kept, given back" (at the end), are the
 * same text in every update script.
 *
 * An extension script may not CREATE OR REPLACE, so a function whose body
 * changes is dropped and created again, and the grants made on the old one
 * go with it.  A grant made by an extension script, moreover, is recorded
 * as the object's initial privilege (pg_init_privs), which pg_dump leaves
 * out: given back by a plain GRANT, it would be lost at the next restore.
 * So update_save_privileges() writes down, before anything changes, every
 * grant on the extension's routines (by signature: regprocedure text) and
 * relations (by name), and the functions of the reader and writer profiles;
 * at the end, update_give_back_privileges()
 *   - gives each routine or relation whose ACL is now the default one (no
 *     grant to anyone but its owner and PUBLIC: it was dropped and created
 *     again) the grants saved under its signature or name: same grantees,
 *     same privileges and grant options, same grantors (a grant its owner
 *     made is made by its current owner), in the order they were made;
 *   - gives a role that held the reader profile (resp. writer) before the
 *     update the functions the update added to reader_functions() (resp.
 *     writer_functions()), and a reader SELECT on the tables and views the
 *     update added, as grant_reader() would have.  A role holds a profile
 *     when EXECUTE on every function of the profile as it was before the
 *     update was granted to it by name (grant_reader() and grant_writer()
 *     do that; a member of such a role holds nothing by itself);
 *   - then puts back the initial privileges of every object it granted on,
 *     so that these grants stay the operator's: pg_dump dumps them like
 *     those of grant_reader() and grant_writer().
 * Column privileges are not saved: only tables have them, and a script
 * that re-created a table would have to carry its data, and its column
 * grants, itself.
 * Nothing needs a list of names, so the sections between may drop and
 * create whatever functions they need.  The scratch table and both helpers
 * are created here in the extension's schema, members of the extension
 * like anything a script creates (a temporary table would be too), and
 * dropped at the end of the script, which PostgreSQL allows for members
 * of the extension being updated.
 */
CREATE TABLE crash_analytics.update_privileges (
	step		text COLLATE "C" NOT NULL,	-- saved (before the update) or give (at its end)
	kind		text COLLATE "C" NOT NULL,	-- saved: routine, relation, reader, writer; give: ROUTINE, TABLE, SEQUENCE
	object		text COLLATE "C" NOT NULL,	-- regprocedure or regclass text, schema-qualified
	ordinal		bigint,						-- order of the grants (in the object's ACL, when saved)
	owner		oid,						-- saved: the object's owner
	classid		oid,						-- give: the object
	objid		oid,
	grantee		oid,						-- 0 is PUBLIC
	grantor		oid,						-- give: NULL when the owner grants
	privilege	text COLLATE "C",
	grantable	boolean,
	statement	text,						-- give: the GRANT
	done		boolean NOT NULL DEFAULT false
);

CREATE FUNCTION crash_analytics.update_save_privileges()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	ext oid := (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname = 'crash_analytics');
BEGIN
	-- a routine or relation with no grant but its owner's is saved too (one
	-- row, grantee NULL): the reader profile's new relations are those not
	-- saved
	INSERT INTO crash_analytics.update_privileges (step, kind, object, ordinal, owner, grantee, grantor, privilege, grantable)
	SELECT 'saved', o.kind, o.object, a.ordinal, o.owner, a.grantee, a.grantor, a.privilege_type, a.is_grantable
	  FROM (SELECT 'routine' AS kind, p.oid::pg_catalog.regprocedure::text AS object, p.proowner AS owner, p.proacl AS acl
			  FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_proc p ON p.oid = d.objid
			 WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.deptype = 'e'
			   AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.refobjid = ext
			UNION ALL
			SELECT 'relation', c.oid::pg_catalog.regclass::text, c.relowner, c.relacl
			  FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class c ON c.oid = d.objid
			 WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype = 'e'
			   AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.refobjid = ext
			   AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
			   AND c.oid <> 'crash_analytics.update_privileges'::pg_catalog.regclass) o
	  -- a NULL ACL is the default: nothing granted
	  LEFT JOIN LATERAL pg_catalog.aclexplode(o.acl) WITH ORDINALITY AS a(grantor, grantee, privilege_type, is_grantable, ordinal)
		ON a.grantee <> o.owner;
	INSERT INTO crash_analytics.update_privileges (step, kind, object)
	SELECT 'saved', 'reader', f::text FROM crash_analytics.reader_functions() AS f
	UNION ALL
	SELECT 'saved', 'writer', f::text FROM crash_analytics.writer_functions() AS f;
END
$$;

CREATE FUNCTION crash_analytics.update_give_back_privileges()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	ext oid := (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname = 'crash_analytics');
	init pg_catalog.pg_init_privs[];
	prior_role text := pg_catalog.current_setting('role');
	g record;
	grantor_may boolean;
	progress boolean;
BEGIN
	INSERT INTO crash_analytics.update_privileges (step, kind, object, ordinal, classid, objid, grantee, grantor, privilege, grantable,
												 statement)
	WITH cur AS (		-- the extension's routines and relations now
		SELECT 'routine' AS kind, 'ROUTINE' AS keyword, 'pg_catalog.pg_proc'::pg_catalog.regclass::oid AS classid, p.oid,
			   p.oid::pg_catalog.regprocedure::text AS object, p.proowner AS owner,
			   coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner)) AS acl, NULL::"char" AS relkind
		  FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_proc p ON p.oid = d.objid
		 WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.deptype = 'e'
		   AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.refobjid = ext
		UNION ALL
		SELECT 'relation', CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, 'pg_catalog.pg_class'::pg_catalog.regclass::oid,
			   c.oid, c.oid::pg_catalog.regclass::text, c.relowner,
			   coalesce(c.relacl, pg_catalog.acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::"char", c.relowner)),
			   c.relkind
		  FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class c ON c.oid = d.objid
		 WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype = 'e'
		   AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.refobjid = ext
		   AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
		   AND c.oid <> 'crash_analytics.update_privileges'::pg_catalog.regclass
	), saved AS (
		SELECT s.* FROM crash_analytics.update_privileges s WHERE s.step = 'saved'
	), holders AS (		-- the roles that held a profile before the update
		SELECT p.kind AS profile, s.grantee, min(s.ordinal) AS ordinal
		  FROM saved p JOIN saved s ON s.kind = 'routine' AND s.object = p.object
		 WHERE p.kind IN ('reader', 'writer') AND s.privilege = 'EXECUTE' AND s.grantee <> 0
		 GROUP BY p.kind, s.grantee
		HAVING count(DISTINCT p.object) = (SELECT count(*) FROM saved q WHERE q.kind = p.kind)
	), added AS (		-- what the update added to a profile
		(SELECT 'reader' AS profile, 'routine' AS kind, f::text AS object, 'EXECUTE' AS privilege
		   FROM crash_analytics.reader_functions() AS f
		 EXCEPT SELECT 'reader', 'routine', s.object, 'EXECUTE' FROM saved s WHERE s.kind = 'reader')
		UNION ALL
		(SELECT 'writer', 'routine', f::text, 'EXECUTE' FROM crash_analytics.writer_functions() AS f
		 EXCEPT SELECT 'writer', 'routine', s.object, 'EXECUTE' FROM saved s WHERE s.kind = 'writer')
		UNION ALL		-- grant_reader(): SELECT on every table and view
		SELECT 'reader', 'relation', o.object, 'SELECT' FROM cur o
		 WHERE o.kind = 'relation' AND o.relkind <> 'S'
		   AND NOT EXISTS (SELECT FROM saved s WHERE s.kind = 'relation' AND s.object = o.object)
	), wanted AS (
		-- the saved grants of what is back to the default ACL
		SELECT 1 AS phase, s.ordinal, o.*, s.grantee,
			   CASE WHEN s.grantor <> s.owner THEN s.grantor END AS grantor, s.privilege, s.grantable
		  FROM cur o JOIN saved s ON s.kind = o.kind AND s.object = o.object
		 WHERE s.grantee IS NOT NULL AND s.grantee <> o.owner
		   AND NOT EXISTS (SELECT FROM pg_catalog.aclexplode(o.acl) a WHERE a.grantee NOT IN (o.owner, 0))
		UNION ALL
		-- the profiles' additions, to each role that held the profile
		SELECT 2, h.ordinal, o.*, h.grantee, NULL, n.privilege, false
		  FROM added n JOIN holders h ON h.profile = n.profile
		  JOIN cur o ON o.kind = n.kind AND o.object = n.object
		 WHERE h.grantee <> o.owner
	)
	SELECT 'give', x.keyword, x.object, x.ordinal, x.classid, x.oid, x.grantee, x.grantor, x.privilege, x.grantable,
		   pg_catalog.format('GRANT %s ON %s %s TO %s%s', x.privilege, x.keyword, x.object,
							 CASE x.grantee WHEN 0 THEN 'PUBLIC' ELSE x.grantee::pg_catalog.regrole::text END,
							 CASE WHEN x.grantable THEN ' WITH GRANT OPTION' ELSE '' END)
	  FROM (SELECT w.keyword, w.object, w.classid, w.oid, w.grantee, w.grantor, w.privilege,
				   bool_or(w.grantable) AS grantable,
				   pg_catalog.row_number() OVER (ORDER BY min(w.phase), min(w.ordinal), w.object) AS ordinal
			  FROM wanted w
			 WHERE NOT EXISTS (SELECT FROM pg_catalog.aclexplode(w.acl) a		-- not held already
								WHERE a.grantee = w.grantee AND a.grantor = coalesce(w.grantor, w.owner)
								  AND a.privilege_type = w.privilege AND (a.is_grantable OR NOT w.grantable))
			 GROUP BY w.keyword, w.object, w.classid, w.oid, w.grantee, w.grantor, w.privilege) x;

	init := ARRAY(SELECT i FROM pg_catalog.pg_init_privs i
				   WHERE (i.classoid, i.objoid) IN (SELECT u.classid, u.objid FROM crash_analytics.update_privileges u
													 WHERE u.step = 'give'));

	-- a grant made by another role than the owner is made by that role,
	-- once it holds the grant option again (a grant given back before it
	-- may be what gives it)
	LOOP
		progress := false;
		FOR g IN SELECT * FROM crash_analytics.update_privileges u WHERE u.step = 'give' AND NOT u.done ORDER BY u.ordinal LOOP
			grantor_may := CASE g.kind
				WHEN 'ROUTINE' THEN pg_catalog.has_function_privilege(g.grantor, g.objid, g.privilege || ' WITH GRANT OPTION')
				WHEN 'SEQUENCE' THEN pg_catalog.has_sequence_privilege(g.grantor, g.objid, g.privilege || ' WITH GRANT OPTION')
				ELSE pg_catalog.has_table_privilege(g.grantor, g.objid, g.privilege || ' WITH GRANT OPTION') END;
			IF g.grantor IS NULL THEN
				EXECUTE g.statement;
			ELSIF grantor_may THEN
				BEGIN
					PERFORM pg_catalog.set_config('role', (SELECT r.rolname FROM pg_catalog.pg_roles r WHERE r.oid = g.grantor), false);
					EXECUTE g.statement;
					PERFORM pg_catalog.set_config('role', prior_role, false);
				EXCEPTION WHEN insufficient_privilege THEN	-- e.g. no USAGE on the schema any more
					CONTINUE;		-- the role is set back with the subtransaction
				END;
			ELSE
				CONTINUE;
			END IF;
			UPDATE crash_analytics.update_privileges SET done = true WHERE step = 'give' AND ordinal = g.ordinal;
			progress := true;
		END LOOP;
		EXIT WHEN NOT progress;
	END LOOP;
	-- a grantor that cannot give it any more: the access is kept, given by the owner
	FOR g IN SELECT * FROM crash_analytics.update_privileges u WHERE u.step = 'give' AND NOT u.done ORDER BY u.ordinal LOOP
		EXECUTE g.statement;
		RAISE WARNING 'grant of % on % to % made again by the owner', g.privilege, g.object,
			CASE g.grantee WHEN 0 THEN 'PUBLIC' ELSE g.grantee::pg_catalog.regrole::text END
			USING DETAIL = pg_catalog.format('It had been made by %s, which no longer holds the grant option or may not use the schema.',
											 g.grantor::pg_catalog.regrole);
	END LOOP;

	-- the initial privileges as they were before these grants
	DELETE FROM pg_catalog.pg_init_privs i
	 WHERE (i.classoid, i.objoid) IN (SELECT u.classid, u.objid FROM crash_analytics.update_privileges u WHERE u.step = 'give');
	INSERT INTO pg_catalog.pg_init_privs SELECT * FROM pg_catalog.unnest(init);
END
$$;
SELECT crash_analytics.update_save_privileges();
-- end region: grants kept, saved

/* ------------------------------------------------------------------------
 * Comments on the 1.0 objects that had none: the identity sequences, the
 * triggers and the indexes (each index's text is the query it serves, as
 * the install script's note above it says).  Objects this script creates
 * or recreates are commented where they are created.
 * ------------------------------------------------------------------------ */
-- identity sequences
COMMENT ON SEQUENCE crash_analytics.game_platform_config_id_seq IS
	'Identity of game_platform_config.id (GENERATED ALWAYS AS IDENTITY); marked for pg_dump with its table.';
COMMENT ON SEQUENCE crash_analytics.bot_vm_registration_id_seq IS
	'Identity of bot_vm_registration.id (GENERATED ALWAYS AS IDENTITY); marked for pg_dump with its table.';
COMMENT ON SEQUENCE crash_analytics.session_logs_id_seq IS
	'Identity of session_logs.id (GENERATED ALWAYS AS IDENTITY); marked for pg_dump with its table.';
COMMENT ON SEQUENCE crash_analytics.crash_game_rounds_id_seq IS
	'Identity of crash_game_rounds.id (GENERATED ALWAYS AS IDENTITY); marked for pg_dump with its table.';
COMMENT ON SEQUENCE crash_analytics.analytics_round_multipliers_id_seq IS
	'Identity of analytics_round_multipliers.id (GENERATED ALWAYS AS IDENTITY); marked for pg_dump with its table.';
COMMENT ON SEQUENCE crash_analytics.analytics_round_signals_id_seq IS
	'Identity of analytics_round_signals.id (GENERATED ALWAYS AS IDENTITY); marked for pg_dump with its table.';
COMMENT ON SEQUENCE crash_analytics.analytics_round_outcomes_id_seq IS
	'Identity of analytics_round_outcomes.id (GENERATED ALWAYS AS IDENTITY); marked for pg_dump with its table.';
COMMENT ON SEQUENCE crash_analytics.ocr_validation_logs_id_seq IS
	'Identity of ocr_validation_logs.id (GENERATED ALWAYS AS IDENTITY); marked for pg_dump with its table.';
COMMENT ON SEQUENCE crash_analytics.error_logs_id_seq IS
	'Identity of error_logs.id (GENERATED ALWAYS AS IDENTITY); marked for pg_dump with its table.';

-- triggers (game_platform_config_guard is recreated below, with its comment)
COMMENT ON TRIGGER crash_game_rounds_ingest ON crash_analytics.crash_game_rounds IS
	'Plain INSERT and COPY get the validation, derivation and fan-out of log_crash_round(); a row arriving with derived_at set (a restore) is stored as it is.';
COMMENT ON TRIGGER crash_game_rounds_flush ON crash_analytics.crash_game_rounds IS
	'Once per INSERT or COPY statement: writes the session figures, roll-ups and series states its rows derived.';
COMMENT ON TRIGGER crash_game_rounds_guard ON crash_analytics.crash_game_rounds IS
	'Rounds are immutable except metadata and tags, since their analytics rows and roll-ups are derived from them; old rounds are removed with purge_rounds_before(), which rebuilds what they derived.';
COMMENT ON TRIGGER game_platform_config_changed ON crash_analytics.game_platform_config IS
	'After any change to the configuration, every backend drops its cached game/platform configurations.';
COMMENT ON TRIGGER bot_vm_registration_updated_at ON crash_analytics.bot_vm_registration IS
	'Keeps updated_at: the transaction time of the last update.';
COMMENT ON TRIGGER session_logs_updated_at ON crash_analytics.session_logs IS
	'Keeps updated_at: the transaction time of the last update.';
COMMENT ON TRIGGER analytics_round_signals_updated_at ON crash_analytics.analytics_round_signals IS
	'Keeps updated_at: the transaction time of the last update (a resolution).';
COMMENT ON TRIGGER bot_rollups_updated_at ON crash_analytics.bot_rollups IS
	'Keeps updated_at: the transaction time of the last update.';
COMMENT ON TRIGGER bot_hourly_rollups_updated_at ON crash_analytics.bot_hourly_rollups IS
	'Keeps updated_at: the transaction time of the last update.';
COMMENT ON TRIGGER bot_series_state_updated_at ON crash_analytics.bot_series_state IS
	'Keeps updated_at: the transaction time of the last update.';

-- indexes of keys
COMMENT ON INDEX crash_analytics.game_platform_config_pkey IS
	'Key (game_name, platform_code): every round looks up its game/platform configuration.';
COMMENT ON INDEX crash_analytics.bot_vm_registration_pkey IS
	'Key bot_id: a round finds (or registers) its bot.';
COMMENT ON INDEX crash_analytics.session_logs_pkey IS
	'Key (bot_id, id): bot_id first in every key of a per-bot table (the Citus distribution column).';
COMMENT ON INDEX crash_analytics.session_logs_session_key IS
	'Key (bot_id, session_id): every round finds its session''s running figures by name.';
COMMENT ON INDEX crash_analytics.crash_game_rounds_pkey IS
	'Key (bot_id, id): a bot''s rounds are read through it (logging order is time order).';
COMMENT ON INDEX crash_analytics.crash_game_rounds_round_key IS
	'Idempotency key (bot_id, session_id, round_number, bet_slot): a retry finds the logged round and is compared with it.';
COMMENT ON INDEX crash_analytics.analytics_round_multipliers_pkey IS
	'Key (bot_id, id): the multiplier rows that series states and signals point to.';
COMMENT ON INDEX crash_analytics.analytics_round_multipliers_round_key IS
	'Key (bot_id, session_id, round_number): one multiplier per round, whichever logger sends it first.';
COMMENT ON INDEX crash_analytics.analytics_round_signals_pkey IS
	'Key (bot_id, id): bot_id first in every key of a per-bot table (the Citus distribution column).';
COMMENT ON INDEX crash_analytics.analytics_round_outcomes_pkey IS
	'Key (bot_id, id): bot_id first in every key of a per-bot table (the Citus distribution column).';
COMMENT ON INDEX crash_analytics.analytics_round_outcomes_round_key IS
	'Key (bot_id, round_id): one outcome row per settled round.';
COMMENT ON INDEX crash_analytics.ocr_validation_logs_pkey IS
	'Key (bot_id, id): bot_id first in every key of a per-bot table (the Citus distribution column).';
COMMENT ON INDEX crash_analytics.error_logs_pkey IS
	'Key (bot_id, id): bot_id first in every key of a per-bot table (the Citus distribution column).';
COMMENT ON INDEX crash_analytics.bot_rollups_pkey IS
	'Key bot_id: every round updates its bot''s roll-up; get_bot_statistics() reads it.';
COMMENT ON INDEX crash_analytics.bot_hourly_rollups_pkey IS
	'Key (bot_id, game_name, platform_code, strategy_name, hour_start): every round adds to its hour''s row.';
COMMENT ON INDEX crash_analytics.bot_series_state_pkey IS
	'Key (bot_id, game_name, platform_code): every multiplier reads and updates its series state.';

-- indexes for queries
COMMENT ON INDEX crash_analytics.crash_game_rounds_game_time_idx IS
	'A game/platform''s rounds by time: game statistics and backtests over recorded history.';
COMMENT ON INDEX crash_analytics.crash_game_rounds_played_brin IS
	'Retention purge (played_at < cutoff) and time-window scans over the whole table: rounds arrive roughly in played_at order, so a block range index is small and cheap to keep.';
COMMENT ON INDEX crash_analytics.crash_game_rounds_platform_round_idx IS
	'The same platform round seen by several bots (OCR disagreement, de-duplication).';
COMMENT ON INDEX crash_analytics.crash_game_rounds_fair_idx IS
	'Provably-fair verification in bulk: the rounds that carry revealed seeds.';
COMMENT ON INDEX crash_analytics.analytics_round_multipliers_series_idx IS
	'Built-in signal rules read a bot''s latest multipliers in one game/platform; the ML export reads them in order.';
COMMENT ON INDEX crash_analytics.analytics_round_multipliers_game_time_idx IS
	'Multiplier distribution and hourly dashboards per game/platform and period.';
COMMENT ON INDEX crash_analytics.analytics_round_multipliers_platform_round_idx IS
	'Counting a platform round once when several bots saw it.';
COMMENT ON INDEX crash_analytics.analytics_round_signals_open_idx IS
	'Every new multiplier resolves the open signals of its bot and game/platform.';
COMMENT ON INDEX crash_analytics.analytics_round_signals_type_time_idx IS
	'Signal effectiveness by rule type and period.';
COMMENT ON INDEX crash_analytics.analytics_round_signals_model_time_idx IS
	'Signal effectiveness by model and period.';
COMMENT ON INDEX crash_analytics.analytics_round_outcomes_strategy_date_idx IS
	'Strategy performance by period.';
COMMENT ON INDEX crash_analytics.analytics_round_outcomes_game_time_idx IS
	'Outcome reports per game/platform and period.';
COMMENT ON INDEX crash_analytics.session_logs_started_idx IS
	'Sessions by start time (dashboards, session lists).';
COMMENT ON INDEX crash_analytics.error_logs_bot_time_idx IS
	'A bot''s errors by time.';
COMMENT ON INDEX crash_analytics.error_logs_type_time_idx IS
	'Error counts by type and period.';
COMMENT ON INDEX crash_analytics.ocr_validation_logs_bot_time_idx IS
	'A bot''s OCR readings by time.';
COMMENT ON INDEX crash_analytics.ocr_validation_logs_invalid_idx IS
	'Invalid OCR readings, for data-quality reports.';
COMMENT ON INDEX crash_analytics.bot_hourly_rollups_game_hour_idx IS
	'Game statistics and strategy performance of one game/platform sum its hourly roll-ups over a period.';
COMMENT ON INDEX crash_analytics.bot_hourly_rollups_hour_idx IS
	'Game statistics and strategy performance over every game/platform sum the hourly roll-ups of a period.';
COMMENT ON INDEX crash_analytics.mv_daily_bot_performance_key IS
	'Unique key of the materialized view: lets refresh_analytics(concurrently => true) refresh it without blocking readers.';
COMMENT ON INDEX crash_analytics.mv_hourly_game_statistics_key IS
	'Unique key of the materialized view: lets refresh_analytics(concurrently => true) refresh it without blocking readers.';

/* ------------------------------------------------------------------------
 * Per-bot writer roles.  A role listed here may log only for the bots
 * listed with it; roles not listed keep the writer profile's reach.
 * ------------------------------------------------------------------------ */
CREATE TABLE crash_analytics.bot_writers (
	bot_id				text COLLATE "C" NOT NULL,
	role				regrole NOT NULL,
	granted_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT bot_writers_pkey PRIMARY KEY (bot_id, role),
	-- the bot ids logging accepts (bot_vm_registration_bot_id_check)
	CONSTRAINT bot_writers_bot_id_check CHECK (pg_catalog.length(bot_id) BETWEEN 1 AND 128)
);
COMMENT ON TABLE crash_analytics.bot_writers IS
	'Per-bot writer roles: a role listed here may log only for the bots listed with it (roles not listed are not restricted; superusers never are). Manage with grant_bot_writer() and revoke_bot_writer().';
-- a role's bots, for revoke_bot_writer(role) and for reports
CREATE INDEX bot_writers_role_idx ON crash_analytics.bot_writers (role);
COMMENT ON INDEX crash_analytics.bot_writers_pkey IS
	'Key (bot_id, role): a grant is recorded once (grant_bot_writer() of a granted pair changes nothing).';
COMMENT ON INDEX crash_analytics.bot_writers_role_idx IS
	'A role''s bots, for revoke_bot_writer(role) and for reports.';

CREATE FUNCTION crash_analytics.bot_writers_changed()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ca_invalidate_trigger'
LANGUAGE C;
COMMENT ON FUNCTION crash_analytics.bot_writers_changed() IS
	'AFTER statement trigger of bot_writers: tells every backend to drop its cached per-bot writer roles.';
CREATE TRIGGER bot_writers_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON crash_analytics.bot_writers
	FOR EACH STATEMENT EXECUTE FUNCTION crash_analytics.bot_writers_changed();
COMMENT ON TRIGGER bot_writers_changed ON crash_analytics.bot_writers IS
	'After any change to the per-bot writer roles, every backend drops its cached copy of them.';

/* ------------------------------------------------------------------------
 * Bot registrations are cached by every backend that logs (a round reads
 * its bot's strategy and signal rules): any change by SQL tells them.  The
 * C code's own changes (register_bot) send the same news itself.
 * ------------------------------------------------------------------------ */
CREATE FUNCTION crash_analytics.bot_vm_registration_changed()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ca_invalidate_trigger'
LANGUAGE C;
COMMENT ON FUNCTION crash_analytics.bot_vm_registration_changed() IS
	'AFTER statement trigger of bot_vm_registration: tells every backend to drop its cached bot registrations.';
CREATE TRIGGER bot_vm_registration_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON crash_analytics.bot_vm_registration
	FOR EACH STATEMENT EXECUTE FUNCTION crash_analytics.bot_vm_registration_changed();
COMMENT ON TRIGGER bot_vm_registration_changed ON crash_analytics.bot_vm_registration IS
	'After any change to bot registrations by SQL, every backend drops its cached copy of them, so the next round reads the bot''s strategy and signal rules as they are.';

CREATE FUNCTION crash_analytics.grant_bot_writer(role regrole, bot_id text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF role IS NULL OR bot_id IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'role and bot_id must not be null';
	END IF;
	-- the checks log_crash_round applies to a bot_id, with its messages
	IF bot_id = '' THEN
		RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'bot_id must not be empty',
			DETAIL = 'bot_id was an empty string.';
	END IF;
	IF bot_id ~ '[\x01-\x1f\x7f]' THEN
		RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'bot_id must not contain control characters',
			DETAIL = format('Character %s of bot_id is 0x%s.',
							strpos(bot_id, substring(bot_id FROM '[\x01-\x1f\x7f]')),
							lpad(to_hex(ascii(substring(bot_id FROM '[\x01-\x1f\x7f]'))), 2, '0'));
	END IF;
	IF length(bot_id) > 128 THEN
		RAISE EXCEPTION USING ERRCODE = 'string_data_right_truncation', MESSAGE = 'value too long for bot_id',
			DETAIL = format('bot_id has %s characters; at most 128 are allowed.', length(bot_id));
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
 * The guard of game_platform_config keeps the timestamps of a shipped row
 * replaced by a restored one (1.0 stamped it with the restore's time).
 * ------------------------------------------------------------------------ */
DROP TRIGGER game_platform_config_guard ON crash_analytics.game_platform_config;
DROP FUNCTION crash_analytics.game_platform_config_guard();
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
		-- updated_at is now(), unless the statement set it (a restore replacing a shipped row)
		IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
			NEW.updated_at := now();
		END IF;
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
			   max_multiplier = NEW.max_multiplier, is_active = NEW.is_active, metadata = NEW.metadata,
			   created_at = NEW.created_at, updated_at = NEW.updated_at
		 WHERE c.game_name = NEW.game_name AND c.platform_code = NEW.platform_code;
		RETURN NULL;
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION crash_analytics.game_platform_config_guard() IS
	'Trigger of game_platform_config: lower-cases keys, keeps shipped rows restorable from pg_dump (a changed shipped row is dumped and replaces the shipped one on restore), and refuses to delete or rename a game/platform that has rounds.';
COMMENT ON FUNCTION crash_analytics.game_platform_config_guard() IS
	'Trigger of game_platform_config: lower-cases keys, keeps shipped rows restorable from pg_dump (a changed shipped row is dumped and replaces the shipped one on restore, timestamps included), and refuses to delete or rename a game/platform that has rounds.';
CREATE TRIGGER game_platform_config_guard BEFORE INSERT OR UPDATE OR DELETE ON crash_analytics.game_platform_config
	FOR EACH ROW EXECUTE FUNCTION crash_analytics.game_platform_config_guard();
COMMENT ON TRIGGER game_platform_config_guard ON crash_analytics.game_platform_config IS
	'Lower-cases the keys, keeps shipped rows restorable from pg_dump, and refuses to delete or rename a game/platform that has rounds (see the function game_platform_config_guard()).';

/* ------------------------------------------------------------------------
 * Storage of the rows every round updates.  A bot's roll-up, series state
 * and active session are rewritten by each of its rounds; packed many to a
 * page, concurrent bots queue on the page's lock (seen as
 * LWLock:BufferContent waits with 8 clients).  Fewer rows per page keeps
 * bots apart; the tables hold one row per bot (per series, per session),
 * so the space this costs is small.  Applies to rows inserted from now on.
 * ------------------------------------------------------------------------ */
ALTER TABLE crash_analytics.bot_rollups SET (fillfactor = 10);
ALTER TABLE crash_analytics.bot_series_state SET (fillfactor = 10);
ALTER TABLE crash_analytics.session_logs SET (fillfactor = 20);

/* ------------------------------------------------------------------------
 * The identifier lengths of a round, as CHECKs: the limits log_crash_round
 * and the INSERT trigger enforce (CA_MAX_ID_LEN, 22001; empty is 22023),
 * so that a row that skips the C checks (a restored one, derived_at set)
 * is held to them too, as bot_vm_registration and session_logs already
 * hold bot_id and session_id.  Only these four: every CHECK is evaluated
 * for every round written.  One statement, so existing rows are checked in
 * one scan.
 * ------------------------------------------------------------------------ */
ALTER TABLE crash_analytics.crash_game_rounds
	ADD CONSTRAINT crash_game_rounds_bot_id_check CHECK (pg_catalog.length(bot_id) BETWEEN 1 AND 128),
	ADD CONSTRAINT crash_game_rounds_session_id_check CHECK (pg_catalog.length(session_id) BETWEEN 1 AND 128),
	-- NULL (not sent) passes
	ADD CONSTRAINT crash_game_rounds_platform_round_id_check CHECK (pg_catalog.length(platform_round_id) BETWEEN 1 AND 128),
	ADD CONSTRAINT crash_game_rounds_strategy_name_check CHECK (pg_catalog.length(strategy_name) BETWEEN 1 AND 128);

/* ------------------------------------------------------------------------
 * Backtests, risk of ruin and simulation (src/backtest.c).
 *
 * Replays of recorded or simulated multipliers under a strategy, and Monte
 * Carlo risk from P(crash >= x) = RTP/x.
 * ------------------------------------------------------------------------ */
-- region: backtest

/*
 * A strategy is a jsonb object (src/backtest.c, parse_strategy):
 *   kind          fixed (or flat), martingale, paroli (or anti_martingale),
 *                 dalembert, skip_until
 *   target        cash-out multiplier (>= 1.01)                 required
 *   base_stake    first stake; d'Alembert's unit                required
 *   factor        martingale/paroli: stake x factor (default 2)
 *   max_stake     martingale/paroli/dalembert: the largest stake
 *   max_doublings martingale: increases in a row at most
 *   on_cap        "reset" (default) or "hold" when a cap is reached
 *   win_streak    paroli: wins in a row, then back to base (default 3)
 *   under, rounds_under, retries
 *                 skip_until: bet when the last rounds_under rounds all
 *                 crashed under `under`; after a loss bet again up to
 *                 `retries` times
 *   stop_loss, take_profit   any kind: stop on the profit so far
 * Money is replayed exactly in minor units of the currency.
 */
CREATE FUNCTION crash_analytics.backtest_strategy(strategy jsonb, bankroll numeric,
	game text, platform text, from_time timestamptz DEFAULT NULL, to_time timestamptz DEFAULT NULL,
	OUT rounds_replayed bigint, OUT bets bigint, OUT wins bigint, OUT losses bigint,
	OUT win_rate_percent numeric, OUT chance_win_rate_percent numeric,
	OUT total_staked numeric, OUT profit numeric, OUT roi_percent numeric, OUT expected_profit numeric,
	OUT final_balance numeric, OUT max_drawdown numeric, OUT longest_losing_streak bigint,
	OUT bust boolean, OUT bust_round bigint, OUT stop_reason text)
RETURNS record
AS 'MODULE_PATHNAME', 'ca_backtest_strategy'
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION crash_analytics.backtest_strategy(jsonb, numeric, text, text, timestamptz, timestamptz) IS
	'Replay a strategy (jsonb: kind fixed, martingale, paroli, dalembert or skip_until; target, base_stake, and the kind''s fields; stop_loss, take_profit) from a bankroll over the recorded rounds of a game/platform in [from_time, to_time): each platform round once, in observed_at, platform_round_id, id order. Exact money in the game''s currency. One row: rounds replayed, bets, wins, losses, win rate beside the rate chance gives (RTP/target), staked, profit, ROI, expected profit at the game''s RTP, final balance, max drawdown, longest losing streak, bust (a stake the balance could not cover) and its round, and why the replay stopped (end, bust, stop_loss, take_profit).';

CREATE FUNCTION crash_analytics.backtest_strategy(strategy jsonb, bankroll numeric,
	multipliers numeric[], rtp numeric DEFAULT NULL,
	OUT rounds_replayed bigint, OUT bets bigint, OUT wins bigint, OUT losses bigint,
	OUT win_rate_percent numeric, OUT chance_win_rate_percent numeric,
	OUT total_staked numeric, OUT profit numeric, OUT roi_percent numeric, OUT expected_profit numeric,
	OUT final_balance numeric, OUT max_drawdown numeric, OUT longest_losing_streak bigint,
	OUT bust boolean, OUT bust_round bigint, OUT stop_reason text)
RETURNS record
AS 'MODULE_PATHNAME', 'ca_backtest_multipliers'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION crash_analytics.backtest_strategy(jsonb, numeric, numeric[], numeric) IS
	'Replay a strategy from a bankroll over the crash multipliers of an array, in array order, with amounts of two decimals; the same row as backtest_strategy over recorded rounds (chance win rate and expected profit only when rtp is given).';

CREATE FUNCTION crash_analytics.backtest_equity_curve(strategy jsonb, bankroll numeric,
	game text, platform text, from_time timestamptz DEFAULT NULL, to_time timestamptz DEFAULT NULL)
RETURNS TABLE(round_index bigint, observed_at timestamptz, multiplier numeric, stake numeric,
	outcome text, profit numeric, balance numeric)
AS 'MODULE_PATHNAME', 'ca_backtest_equity_curve'
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION crash_analytics.backtest_equity_curve(jsonb, numeric, text, text, timestamptz, timestamptz) IS
	'The equity curve of backtest_strategy over recorded rounds: one row per round replayed (round index from 1, observed_at, multiplier, stake, outcome WIN, LOSS or SKIP (watched), profit, balance after it), and a last row BUST with the stake that could not be covered when the bankroll ran out.';

CREATE FUNCTION crash_analytics.backtest_equity_curve(strategy jsonb, bankroll numeric, multipliers numeric[])
RETURNS TABLE(round_index bigint, observed_at timestamptz, multiplier numeric, stake numeric,
	outcome text, profit numeric, balance numeric)
AS 'MODULE_PATHNAME', 'ca_backtest_multipliers_curve'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION crash_analytics.backtest_equity_curve(jsonb, numeric, numeric[]) IS
	'The equity curve of backtest_strategy over an array of multipliers (observed_at is NULL).';

CREATE FUNCTION crash_analytics.backtest_simulated(strategy jsonb, bankroll numeric, n integer,
	rtp numeric, seed bigint DEFAULT 0,
	OUT rounds_replayed bigint, OUT bets bigint, OUT wins bigint, OUT losses bigint,
	OUT win_rate_percent numeric, OUT chance_win_rate_percent numeric,
	OUT total_staked numeric, OUT profit numeric, OUT roi_percent numeric, OUT expected_profit numeric,
	OUT final_balance numeric, OUT max_drawdown numeric, OUT longest_losing_streak bigint,
	OUT bust boolean, OUT bust_round bigint, OUT stop_reason text)
RETURNS record
AS 'MODULE_PATHNAME', 'ca_backtest_simulated'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION crash_analytics.backtest_simulated(jsonb, numeric, integer, numeric, bigint) IS
	'Replay a strategy from a bankroll over n fair rounds at the given RTP, the rounds simulate_rounds(game, platform, n, rtp, seed) gives, generated as they are played; the same row as backtest_strategy, amounts of two decimals.';

CREATE FUNCTION crash_analytics.risk_of_ruin(strategy jsonb, bankroll numeric, rounds integer,
	rtp numeric, simulations integer DEFAULT 10000, seed bigint DEFAULT 0,
	OUT simulations integer, OUT rounds integer, OUT ruined bigint,
	OUT ruin_percent numeric, OUT ruin_ci_low_percent numeric, OUT ruin_ci_high_percent numeric,
	OUT stop_loss_hits bigint, OUT take_profit_hits bigint,
	OUT final_balance_p5 numeric, OUT final_balance_p50 numeric, OUT final_balance_p95 numeric,
	OUT mean_final_balance numeric,
	OUT max_drawdown_p5 numeric, OUT max_drawdown_p50 numeric, OUT max_drawdown_p95 numeric,
	OUT mean_longest_losing_streak numeric, OUT bets bigint, OUT wins bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'ca_risk_of_ruin'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION crash_analytics.risk_of_ruin(jsonb, numeric, integer, numeric, integer, bigint) IS
	'Monte Carlo risk of a strategy from a bankroll: simulations runs of at most `rounds` fair rounds each under P(crash >= x) = RTP/x, from a PRNG seeded with seed (the same seed gives the same answer). Ruin is a bust, a stake the balance could not cover. Returns the ruined runs and the ruin percent with its 95% Wilson interval, runs stopped by stop_loss and take_profit, the 5th/50th/95th percentiles (nearest rank) and the mean of the final balance, the percentiles of the max drawdown, the mean longest losing streak, and all bets and wins. simulations is at most 1,000,000 and simulations x rounds at most 10^9.';

CREATE FUNCTION crash_analytics.simulate_rounds(game text, platform text, n integer,
	rtp numeric DEFAULT NULL, seed bigint DEFAULT 0, start_at timestamptz DEFAULT pg_catalog.now(),
	round_interval interval DEFAULT '10 seconds')
RETURNS TABLE(round_number bigint, crash_multiplier numeric, observed_at timestamptz)
AS 'MODULE_PATHNAME', 'ca_simulate_rounds'
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION crash_analytics.simulate_rounds(text, text, integer, numeric, bigint, timestamptz, interval) IS
	'n fair rounds of a registered game/platform for demos, tests and what-if analysis: crash = max(1.00, floor(100 RTP / U) / 100) with U uniform on (0, 1] from a PRNG seeded with seed, so P(crash >= x) = RTP/x (the game''s RTP unless rtp is given), capped at the game''s max_multiplier; round r is observed at start_at + (r - 1) x round_interval. The same seed gives the same multipliers; backtest_simulated replays them.';

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
-- end region: provably_fair

/* ------------------------------------------------------------------------
 * Fairness report and OCR data quality.
 *
 * Is the game what it claims to be, and are the bots' readings of it
 * complete and correct?
 * ------------------------------------------------------------------------ */
-- region: fairness
CREATE FUNCTION crash_analytics.chi_square_p_value(statistic double precision, degrees_of_freedom integer)
RETURNS double precision AS 'MODULE_PATHNAME', 'ca_chi_square_p_value'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION crash_analytics.chi_square_p_value(double precision, integer) IS
	'Upper tail of the chi-square distribution: P(X >= statistic) with the given degrees of freedom.';

CREATE FUNCTION crash_analytics.normal_p_value(z double precision, two_sided boolean DEFAULT true)
RETURNS double precision AS 'MODULE_PATHNAME', 'ca_normal_p_value'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION crash_analytics.normal_p_value(double precision, boolean) IS
	'P(|Z| >= |z|) for a standard normal Z, or P(Z >= z) when two_sided is false.';

CREATE FUNCTION crash_analytics.format_p_value(p double precision)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN p < 0.0001 THEN '< 0.0001' ELSE '= ' || pg_catalog.to_char(p, 'FM0.0000') END;
COMMENT ON FUNCTION crash_analytics.format_p_value(double precision) IS 'A p-value for a sentence: "= 0.0123" (four decimals), or "< 0.0001".';

/*
 * Is the game what it says it is?  Tests on the platform's rounds (each
 * once, in the order they were first logged) against P(crash >= x) =
 * RTP/x at the configured RTP.  The verdict states only what the numbers
 * support: an absence of evidence is reported with the difference the data
 * could have detected.
 */
CREATE FUNCTION crash_analytics.fairness_report(game text, platform text,
	from_time timestamptz DEFAULT NULL, to_time timestamptz DEFAULT NULL)
RETURNS TABLE(measure text, observed numeric, expected numeric, std_error numeric,
	p_value double precision, sample_size bigint, detail text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	rtp numeric;
	xs numeric[];
	n bigint;
	t numeric;
	k bigint;
	p0 double precision;
	ph double precision;
	z double precision;
	alpha constant double precision := 0.05;
	z_power constant double precision := 0.8416212335729143;	-- 80% power
	z_half constant double precision := 1.959963984540054;
	edges numeric[] := '{1.00,1.01,1.20,1.50,2.00,3.00,5.00,10.00,20.00,50.00,100.00,1000.00}';
	obs double precision[];
	exp_ double precision[];
	mo double precision[] := '{}';
	me double precision[] := '{}';
	acc_o double precision;
	acc_e double precision;
	chi2 double precision := 0;
	i int;
	pv_chi double precision;
	pv_instant double precision;
	pv_runs double precision;
	pv_2x double precision;
	hill_k int;
	hill double precision;
	runs bigint;
	n1 bigint;
	n2 bigint;
	mu double precision;
	var double precision;
	need bigint;
	detectable double precision;
	rejected text[] := '{}';
BEGIN
	PERFORM crash_analytics.check_period(from_time, to_time);
	PERFORM crash_analytics.require_game(game, platform);
	IF platform IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
			MESSAGE = 'platform must not be null', HINT = 'A fairness report is about one game on one platform.';
	END IF;
	SELECT c.rtp INTO rtp FROM crash_analytics.game_platform_config c
	 WHERE c.game_name = fairness_report.game AND c.platform_code = fairness_report.platform;

	-- each platform round once (its first reading), in the order rounds were first logged
	SELECT array_agg(f.multiplier ORDER BY f.id) INTO xs
	  FROM (SELECT DISTINCT ON (coalesce(m.platform_round_id, '#' || m.bot_id || '#' || m.id)) m.id, m.multiplier
			  FROM crash_analytics.analytics_round_multipliers m
			 WHERE m.game_name = fairness_report.game AND m.platform_code = fairness_report.platform
			   AND m.observed_at >= coalesce(from_time, '-infinity') AND m.observed_at < coalesce(to_time, 'infinity')
			 ORDER BY coalesce(m.platform_round_id, '#' || m.bot_id || '#' || m.id), m.id) f;
	n := coalesce(cardinality(xs), 0);
	IF n = 0 THEN
		RETURN;					-- no rounds in the period: no rows
	END IF;

	-- 1. implied RTP at thresholds: t * P(crash >= t) estimates the RTP at every t
	FOREACH t IN ARRAY '{1.50,2.00,3.00,5.00,10.00,20.00}'::numeric[] LOOP
		SELECT count(*) INTO k FROM unnest(xs) x WHERE x >= t;
		ph := k::double precision / n;
		p0 := least(1, rtp / t);
		z := CASE WHEN p0 < 1 THEN (ph - p0) / sqrt(p0 * (1 - p0) / n) END;
		IF t = 2.00 THEN
			pv_2x := crash_analytics.normal_p_value(z);
		END IF;
		RETURN QUERY SELECT format('implied_rtp_at_%sx', t), round((100 * t * ph)::numeric, 2), round(100 * rtp, 2),
			round((100 * t * sqrt(ph * (1 - ph) / n))::numeric, 2), crash_analytics.normal_p_value(z), n,
			format('%s of %s rounds reached %sx; chance gives %s%%', k, n, t, round((100 * p0)::numeric, 2));
	END LOOP;

	-- 2. chi-square over log-spaced buckets, merged left to right until each expects >= 5
	SELECT array_agg(cnt ORDER BY b), array_agg(e ORDER BY b) INTO obs, exp_
	  FROM (SELECT b.b, count(x.x)::double precision AS cnt,
				   n * ((CASE WHEN edges[b.b] <= 1.00 THEN 1 ELSE least(1, rtp / edges[b.b]) END)
						- (CASE WHEN b.b = cardinality(edges) THEN 0 ELSE least(1, rtp / edges[b.b + 1]) END))::double precision AS e
			  FROM generate_series(1, cardinality(edges)) b(b)
			  LEFT JOIN unnest(xs) x(x) ON width_bucket(x.x, edges) = b.b
			 GROUP BY b.b) s;
	acc_o := 0;
	acc_e := 0;
	FOR i IN 1 .. cardinality(obs) LOOP
		acc_o := acc_o + obs[i];
		acc_e := acc_e + exp_[i];
		IF acc_e >= 5 THEN
			mo := mo || acc_o;
			me := me || acc_e;
			acc_o := 0;
			acc_e := 0;
		END IF;
	END LOOP;
	IF acc_e > 0 AND cardinality(me) > 0 THEN		-- a small tail joins the last bucket
		mo[cardinality(mo)] := mo[cardinality(mo)] + acc_o;
		me[cardinality(me)] := me[cardinality(me)] + acc_e;
	END IF;
	IF cardinality(me) >= 2 THEN
		FOR i IN 1 .. cardinality(me) LOOP
			chi2 := chi2 + (mo[i] - me[i]) ^ 2 / me[i];
		END LOOP;
		pv_chi := crash_analytics.chi_square_p_value(chi2, cardinality(me) - 1);
		RETURN QUERY SELECT 'chi_square'::text, round(chi2::numeric, 3), (cardinality(me) - 1)::numeric, NULL::numeric,
			pv_chi, n, format('%s buckets (merged to expected counts of at least 5); expected is the degrees of freedom',
							  cardinality(me));
	END IF;

	-- 3. instant crashes against 1 - RTP/1.01
	SELECT count(*) INTO k FROM unnest(xs) x WHERE x = 1.00;
	ph := k::double precision / n;
	p0 := 1 - rtp / 1.01;
	z := (ph - p0) / sqrt(p0 * (1 - p0) / n);
	pv_instant := crash_analytics.normal_p_value(z);
	RETURN QUERY SELECT 'instant_crash_percent'::text, round((100 * ph)::numeric, 2), round((100 * p0)::numeric, 2),
		round((100 * sqrt(ph * (1 - ph) / n))::numeric, 2), pv_instant, n, format('%s instant crashes (1.00x)', k);

	-- 4. tail index (Hill, top sqrt(n) rounds): P(crash >= x) = RTP/x is a Pareto tail of index 1
	hill_k := greatest(10, floor(sqrt(n))::int);
	IF n > hill_k + 1 THEN
		SELECT hill_k / sum(ln(x / thr)) INTO hill
		  FROM (SELECT x, (SELECT y FROM unnest(xs) y ORDER BY y DESC OFFSET hill_k LIMIT 1) AS thr
				  FROM unnest(xs) x ORDER BY x DESC LIMIT hill_k) top
		 WHERE thr > 1.00;
		IF hill IS NOT NULL THEN
			RETURN QUERY SELECT 'tail_index_hill'::text, round(hill::numeric, 3), 1.000::numeric,
				round((hill / sqrt(hill_k))::numeric, 3), crash_analytics.normal_p_value((hill - 1) / (hill / sqrt(hill_k))),
				n, format('Hill estimator over the top %s rounds', hill_k);
		END IF;
	END IF;

	-- 5. runs test (Wald-Wolfowitz) on reaching 2x, in round order: independence of rounds
	SELECT count(*) FILTER (WHERE x >= 2), count(*) FILTER (WHERE x < 2) INTO n1, n2 FROM unnest(xs) x;
	SELECT 1 + count(*) FILTER (WHERE (x >= 2) <> (prev >= 2)) INTO runs
	  FROM (SELECT x, lag(x) OVER (ORDER BY o) AS prev FROM unnest(xs) WITH ORDINALITY AS u(x, o)) r;
	IF n1 > 0 AND n2 > 0 AND n > 2 THEN
		mu := 2.0 * n1 * n2 / n + 1;
		var := 2.0 * n1 * n2 * (2.0 * n1 * n2 - n) / (n::double precision ^ 2 * (n - 1));
		pv_runs := crash_analytics.normal_p_value((runs - mu) / sqrt(var));
		RETURN QUERY SELECT 'runs_test_2x'::text, runs::numeric, round(mu::numeric, 2), round(sqrt(var)::numeric, 2),
			pv_runs, n, 'runs of rounds reaching / not reaching 2x; too few or too many runs mean rounds depend on each other';
	END IF;

	-- 6. how many rounds it takes to see a 1-point RTP difference at 2x (95%, power 80%)
	p0 := rtp / 2;
	need := ceil(((z_half + z_power) * 2 * sqrt(p0 * (1 - p0)) / 0.01) ^ 2);
	detectable := 100 * (z_half + z_power) * 2 * sqrt(p0 * (1 - p0)) / sqrt(n);
	RETURN QUERY SELECT 'rounds_for_1pt_rtp_difference'::text, need::numeric, NULL::numeric, NULL::numeric,
		NULL::double precision, n,
		format('with %s rounds, the smallest RTP difference detectable at 2x is about %s points', n,
			   round(detectable::numeric, 1));

	-- 7. the verdict: four tests at 5% overall (Bonferroni, 1.25% each)
	IF pv_chi < alpha / 4 THEN rejected := rejected || format('the multiplier distribution (chi-square p %s)', crash_analytics.format_p_value(pv_chi)); END IF;
	IF pv_instant < alpha / 4 THEN rejected := rejected || format('the instant-crash rate (p %s)', crash_analytics.format_p_value(pv_instant)); END IF;
	IF pv_2x < alpha / 4 THEN rejected := rejected || format('the rate of reaching 2x (p %s)', crash_analytics.format_p_value(pv_2x)); END IF;
	IF pv_runs < alpha / 4 THEN rejected := rejected || format('the independence of rounds (runs test p %s)', crash_analytics.format_p_value(pv_runs)); END IF;
	RETURN QUERY SELECT 'verdict'::text, NULL::numeric, NULL::numeric, NULL::numeric, NULL::double precision, n,
		CASE WHEN cardinality(rejected) > 0 THEN
			format('%s rounds differ from a fair game at RTP %s%% in %s (5%% level over 4 tests).', n, round(100 * rtp, 2),
				   array_to_string(rejected, '; '))
		ELSE
			format('%s rounds are consistent with a fair game at RTP %s%% (no test rejects at the 5%% level); they could not detect an RTP difference smaller than about %s points at 2x: %s rounds would detect 1 point.',
				   n, round(100 * rtp, 2), round(detectable::numeric, 1), need)
		END;
END
$$;
COMMENT ON FUNCTION crash_analytics.fairness_report(text, text, timestamptz, timestamptz) IS
	'Fairness of a game/platform over a period, from its rounds (each platform round once): implied RTP at 1.5x to 20x with standard errors, chi-square over log-spaced buckets, instant-crash rate against 1 - RTP/1.01, Hill tail index against 1, a runs test for independence, the rounds needed to detect a 1-point RTP difference, and a verdict that states only what the numbers support. No rows for a period without rounds.';

/*
 * OCR data quality, per bot and game/platform: how sure the bot's readings
 * were, whether bots that saw the same platform round read it the same,
 * how many rounds the bot missed, and whether it misses instant crashes
 * (a screen reader that samples too slowly never sees a 1.00x).
 */
CREATE FUNCTION crash_analytics.ocr_data_quality(from_time timestamptz DEFAULT NULL, to_time timestamptz DEFAULT NULL)
RETURNS TABLE(bot_id text, game_name text, platform_code text, ocr_readings bigint, ocr_valid_percent numeric,
	confidence_p10 numeric, confidence_median numeric, confidence_mean numeric,
	multipliers bigint, disagreements bigint, missed_rounds bigint,
	instant_observed_percent numeric, instant_expected_percent numeric, instant_p_value double precision,
	likely_missed_instants bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM crash_analytics.check_period(from_time, to_time);
	RETURN QUERY
	WITH m AS (
		-- a reading disagrees when bots read the same platform round differently
		SELECT x.bot_id, x.game_name, x.platform_code, x.platform_round_id, x.multiplier,
			   x.platform_round_id IS NOT NULL
			   AND min(x.multiplier) OVER w <> max(x.multiplier) OVER w AS disagrees
		  FROM crash_analytics.analytics_round_multipliers x
		 WHERE x.observed_at >= coalesce(from_time, '-infinity') AND x.observed_at < coalesce(to_time, 'infinity')
		WINDOW w AS (PARTITION BY x.game_name, x.platform_code, x.platform_round_id)
	), readings AS (
		SELECT o.bot_id, o.game_name, o.platform_code, count(*) AS n,
			   round(100.0 * count(*) FILTER (WHERE o.is_valid) / count(*), 2) AS valid_pct,
			   percentile_disc(0.1) WITHIN GROUP (ORDER BY o.confidence) AS p10,
			   percentile_disc(0.5) WITHIN GROUP (ORDER BY o.confidence) AS p50,
			   round(avg(o.confidence), 4) AS mean
		  FROM crash_analytics.ocr_validation_logs o
		 WHERE o.created_at >= coalesce(from_time, '-infinity') AND o.created_at < coalesce(to_time, 'infinity')
		 GROUP BY 1, 2, 3
	), seen AS (
		SELECT m.bot_id, m.game_name, m.platform_code, count(*) AS n,
			   count(*) FILTER (WHERE m.multiplier = 1.00) AS instants,
			   count(*) FILTER (WHERE m.disagrees) AS disagree,
			   -- numeric platform round ids: the ones between the first and the last it never logged
			   max(CASE WHEN m.platform_round_id ~ '^[0-9]{1,18}$' THEN m.platform_round_id::bigint END)
				 - min(CASE WHEN m.platform_round_id ~ '^[0-9]{1,18}$' THEN m.platform_round_id::bigint END) + 1
				 - count(DISTINCT CASE WHEN m.platform_round_id ~ '^[0-9]{1,18}$' THEN m.platform_round_id::bigint END) AS gaps
		  FROM m GROUP BY 1, 2, 3
	)
	SELECT coalesce(s.bot_id, r.bot_id)::text, coalesce(s.game_name, r.game_name)::text,
		   coalesce(s.platform_code, r.platform_code)::text,
		   coalesce(r.n, 0), r.valid_pct, r.p10, r.p50, r.mean,
		   coalesce(s.n, 0), coalesce(s.disagree, 0), s.gaps,
		   round(100.0 * s.instants / nullif(s.n, 0), 2),
		   round(100 * (1 - c.rtp / 1.01), 2),
		   -- one-sided: fewer instant crashes than chance gives
		   crash_analytics.normal_p_value(-((s.instants::double precision / s.n) - (1 - c.rtp / 1.01)::double precision)
										  / sqrt(((1 - c.rtp / 1.01) * (c.rtp / 1.01))::double precision / s.n), false),
		   -- if m instant crashes went unseen: instants = p0 (n + m) - m, so m = (p0 n - instants) / (1 - p0)
		   greatest(0, round(((1 - c.rtp / 1.01) * s.n - s.instants) / (c.rtp / 1.01)))::bigint
	  FROM seen s
	  FULL JOIN readings r ON r.bot_id = s.bot_id AND r.game_name IS NOT DISTINCT FROM s.game_name
						  AND r.platform_code IS NOT DISTINCT FROM s.platform_code
	  LEFT JOIN crash_analytics.game_platform_config c
		ON c.game_name = s.game_name AND c.platform_code = s.platform_code
	 ORDER BY 1, 2, 3;
END
$$;
COMMENT ON FUNCTION crash_analytics.ocr_data_quality(timestamptz, timestamptz) IS
	'OCR data quality per bot and game/platform over a period: readings, share valid, confidence (p10, median, mean), multipliers logged, readings that disagree with another bot''s for the same platform round, rounds missed (gaps in numeric platform round ids), and the observed instant-crash rate against 1 - RTP/1.01 with a one-sided p-value and the number of instant crashes the bot likely missed.';

-- end region: fairness

/* ------------------------------------------------------------------------
 * The reader profile: the 1.0 functions and this version's analytics.
 * ------------------------------------------------------------------------ */
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
		('crash_analytics.backtest_strategy(jsonb, numeric, text, text, timestamptz, timestamptz)'),
		('crash_analytics.backtest_strategy(jsonb, numeric, numeric[], numeric)'),
		('crash_analytics.backtest_equity_curve(jsonb, numeric, text, text, timestamptz, timestamptz)'),
		('crash_analytics.backtest_equity_curve(jsonb, numeric, numeric[])'),
		('crash_analytics.backtest_simulated(jsonb, numeric, integer, numeric, bigint)'),
		('crash_analytics.risk_of_ruin(jsonb, numeric, integer, numeric, integer, bigint)'),
		('crash_analytics.simulate_rounds(text, text, integer, numeric, bigint, timestamptz, interval)'),
		('crash_analytics.verify_crash_bustabit(text, text, text)'),
		('crash_analytics.verify_crash_stake(text, text, bigint)'),
		('crash_analytics.verify_crash_stake_chain(text, text)'),
		('crash_analytics.verify_crash_roobet(text, text)'),
		('crash_analytics.verify_hash_chain(text, text, text)'),
		('crash_analytics.verify_hash_chain(text[], text)'),
		('crash_analytics.recompute_round(text, text, text, text, bigint, text, text)'),
		('crash_analytics.verify_logged_rounds(text, text, text, timestamptz, timestamptz)'),
		('crash_analytics.fairness_report(text, text, timestamptz, timestamptz)'),
		('crash_analytics.ocr_data_quality(timestamptz, timestamptz)'),
		('crash_analytics.chi_square_p_value(double precision, integer)'),
		('crash_analytics.normal_p_value(double precision, boolean)'),
		('crash_analytics.format_p_value(double precision)')) AS v(f)
$$;
COMMENT ON FUNCTION crash_analytics.reader_functions() IS 'The functions the reader profile may execute.';

/*
 * Roles that held the reader profile before the update get the functions
 * added here, and SELECT on the new tables, at the end of the script
 * (region "grants kept, given back").
 */

/* ------------------------------------------------------------------------
 * Nothing for PUBLIC on what this update created.  Only those: a REVOKE
 * over the whole schema would also record the operator's current grants on
 * the 1.0 objects as the extension's initial privileges, and pg_dump would
 * then leave them out.  New functions are the ones still carrying the
 * default ACL (NULL); the 1.0 script set an ACL on all of its own.
 * ------------------------------------------------------------------------ */
DO $revoke$
DECLARE
	f regprocedure;
BEGIN
	FOR f IN SELECT p.oid::pg_catalog.regprocedure FROM pg_catalog.pg_proc p
			  WHERE p.pronamespace OPERATOR(pg_catalog.=) 'crash_analytics'::pg_catalog.regnamespace
				AND p.proacl IS NULL LOOP
		EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
	END LOOP;
END
$revoke$;
REVOKE ALL ON TABLE crash_analytics.bot_writers FROM PUBLIC;

/* ------------------------------------------------------------------------
 * Analytics audit of issue 3 (one block, kept at the end of this script).
 *
 * Functions of 1.0 re-created here are dropped and created again, so they
 * come after the REVOKE above: each gets its own REVOKE ... FROM PUBLIC.
 * Their signatures are unchanged: the grants made on the 1.0 functions are
 * given back to the new ones at the end of the script (region "grants
 * kept, given back"), and a user's view or function that depends on one
 * stops the update with PostgreSQL's dependency error, nothing changed.
 * ------------------------------------------------------------------------ */
-- region: analytics audit

-- ML export: the rounds a bot played in one game/platform in play order
-- (observed_at, round_number, id), searched back from any round for the
-- features of export_multipliers_for_ml(); the multiplier is included so
-- that the feature windows are read from the index alone.  The series index
-- (bot, game, platform, id) is logging order, which back-filled rounds break.
CREATE INDEX analytics_round_multipliers_play_idx
	ON crash_analytics.analytics_round_multipliers (bot_id, game_name, platform_code, observed_at, round_number, id)
	INCLUDE (multiplier);
COMMENT ON INDEX crash_analytics.analytics_round_multipliers_play_idx IS
	'A bot''s rounds in one game/platform in play order (observed_at, round_number, id), with the multiplier: the earlier rounds export_multipliers_for_ml() reads for each exported round''s features, from the index alone.';

/*
 * export_multipliers_for_ml in play order, at a cost that follows row_limit.
 * 1.0 ordered each bot's history by id (logging order), so a back-filled
 * round leaked into the features of the rounds played before it, and it
 * computed its windows over the whole game before keeping the latest rows
 * (20 s for 10 rows of 1,000,000).  Now the rows to export are picked first
 * (the newest of each platform, from the (game, platform, observed_at)
 * index), and each reads, from the play-order index, only the earlier
 * rounds of its series it needs: its last 50, and back to the last round at
 * 2x and at 10x.  Features look back at most 1,000 rounds, so an example
 * never reads more than that: history is counted up to 1,000 (one count per
 * series exported, before its oldest exported row, plus each row's rank
 * among the exported rows of its series).  A NULL row_limit exports every
 * row.
 */
DROP FUNCTION crash_analytics.export_multipliers_for_ml(text, integer);
CREATE FUNCTION crash_analytics.export_multipliers_for_ml(game text, row_limit integer DEFAULT 10000)
RETURNS SETOF jsonb
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	WITH picked AS MATERIALIZED (
		SELECT p.id, p.bot_id, p.platform_code, p.round_number, p.observed_at, p.multiplier
		  FROM crash_analytics.game_platform_config c
		 CROSS JOIN LATERAL (
			SELECT x.id, x.bot_id, x.platform_code, x.round_number, x.observed_at, x.multiplier
			  FROM crash_analytics.analytics_round_multipliers x
			 WHERE x.game_name = c.game_name AND x.platform_code = c.platform_code
			 ORDER BY x.observed_at DESC, x.round_number DESC, x.id DESC
			 LIMIT export_multipliers_for_ml.row_limit) p
		 -- (coalesce: "= NULL" would let the planner drop the scan, and with it
		 -- the check that makes a NULL game an error like an unknown one)
		 WHERE c.game_name = coalesce(export_multipliers_for_ml.game, '')
		   AND crash_analytics.require_game(export_multipliers_for_ml.game, NULL)
		   AND (export_multipliers_for_ml.row_limit IS NULL
				OR crash_analytics.check_row_limit(export_multipliers_for_ml.row_limit))
		 ORDER BY p.observed_at DESC, p.round_number DESC, p.id DESC
		 LIMIT export_multipliers_for_ml.row_limit
	), ranked AS MATERIALIZED (	-- k: the row's rank among the exported rows of its series
		SELECT p.*, pg_catalog.row_number() OVER (PARTITION BY p.bot_id, p.platform_code
												  ORDER BY p.observed_at, p.round_number, p.id) AS k
		  FROM picked p
	), before_first AS MATERIALIZED (	-- per series: its rounds before the oldest exported row, up to 1,000
		SELECT f.bot_id, f.platform_code,
			   (SELECT pg_catalog.count(*)
				  FROM (SELECT FROM crash_analytics.analytics_round_multipliers y
						 WHERE y.bot_id = f.bot_id AND y.game_name = export_multipliers_for_ml.game
						   AND y.platform_code = f.platform_code
						   AND (y.observed_at, y.round_number, y.id) < (f.observed_at, f.round_number, f.id)
						 LIMIT 1000) y) AS n
		  FROM ranked f WHERE f.k = 1
	)
	SELECT pg_catalog.jsonb_build_object(
			'id', r.id, 'bot_id', r.bot_id, 'platform_code', r.platform_code, 'round_number', r.round_number,
			'observed_at', r.observed_at,
			'features', pg_catalog.jsonb_build_object(
				'lags', coalesce(w.lags, '{}'), 'history', h.history,
				'mean_log_10', w.mean_log_10, 'mean_log_50', w.mean_log_50,
				'share_under_2x_10', w.under2_10, 'share_under_2x_50', w.under2_50,
				'instant_crashes_50', w.instant_50,
				-- earlier rounds in a row under 2x: up to the last one at 2x or more
				'rounds_under_2x_in_a_row', coalesce(h2.k - 1, h.history),
				-- rounds since the last 10x, that one included (NULL: none)
				'rounds_since_10x', h10.k),
			'label', r.multiplier)
	  FROM ranked r
	  JOIN before_first b ON b.bot_id = r.bot_id AND b.platform_code = r.platform_code
	 CROSS JOIN LATERAL (SELECT LEAST(1000, b.n + r.k - 1) AS history) h
	 CROSS JOIN LATERAL (	-- the last 50 rounds played before this one, newest first (k 1..50)
		SELECT pg_catalog.array_agg(x.multiplier ORDER BY x.k) FILTER (WHERE x.k <= 10) AS lags,
			   pg_catalog.round((pg_catalog.avg(x.ln) FILTER (WHERE x.k <= 10))::numeric, 6) AS mean_log_10,
			   pg_catalog.round(pg_catalog.avg(x.ln)::numeric, 6) AS mean_log_50,
			   pg_catalog.round(pg_catalog.avg((x.multiplier < 2)::integer) FILTER (WHERE x.k <= 10), 4) AS under2_10,
			   pg_catalog.round(pg_catalog.avg((x.multiplier < 2)::integer), 4) AS under2_50,
			   pg_catalog.count(*) FILTER (WHERE x.multiplier = 1.00) AS instant_50
		  FROM (SELECT y.multiplier, pg_catalog.ln(y.multiplier::double precision) AS ln,
					   pg_catalog.row_number() OVER (ORDER BY y.observed_at DESC, y.round_number DESC, y.id DESC) AS k
				  FROM crash_analytics.analytics_round_multipliers y
				 WHERE y.bot_id = r.bot_id AND y.game_name = export_multipliers_for_ml.game
				   AND y.platform_code = r.platform_code
				   AND (y.observed_at, y.round_number, y.id) < (r.observed_at, r.round_number, r.id)
				 ORDER BY y.observed_at DESC, y.round_number DESC, y.id DESC
				 LIMIT 50) x) w
	  LEFT JOIN LATERAL (	-- the last earlier round at 2x or more, within 1,000
		SELECT z.k
		  FROM (SELECT y.multiplier,
					   pg_catalog.row_number() OVER (ORDER BY y.observed_at DESC, y.round_number DESC, y.id DESC) AS k
				  FROM crash_analytics.analytics_round_multipliers y
				 WHERE y.bot_id = r.bot_id AND y.game_name = export_multipliers_for_ml.game
				   AND y.platform_code = r.platform_code
				   AND (y.observed_at, y.round_number, y.id) < (r.observed_at, r.round_number, r.id)
				 ORDER BY y.observed_at DESC, y.round_number DESC, y.id DESC
				 LIMIT 1000) z
		 WHERE z.multiplier >= 2
		 LIMIT 1) h2 ON true
	  LEFT JOIN LATERAL (	-- the last earlier round at 10x or more, within 1,000
		SELECT z.k
		  FROM (SELECT y.multiplier,
					   pg_catalog.row_number() OVER (ORDER BY y.observed_at DESC, y.round_number DESC, y.id DESC) AS k
				  FROM crash_analytics.analytics_round_multipliers y
				 WHERE y.bot_id = r.bot_id AND y.game_name = export_multipliers_for_ml.game
				   AND y.platform_code = r.platform_code
				   AND (y.observed_at, y.round_number, y.id) < (r.observed_at, r.round_number, r.id)
				 ORDER BY y.observed_at DESC, y.round_number DESC, y.id DESC
				 LIMIT 1000) z
		 WHERE z.multiplier >= 10
		 LIMIT 1) h10 ON true
	 ORDER BY r.observed_at, r.round_number, r.id;
END;
COMMENT ON FUNCTION crash_analytics.export_multipliers_for_ml(text, integer) IS
	'The latest row_limit multipliers of a game (all of them when row_limit is NULL) in play order (observed_at, round_number, id) as ML examples, one JSON object a row, oldest first: features from the rounds the same bot played before it in the same game/platform only, looking back at most 1,000 rounds (last 10 multipliers, mean log multiplier and share under 2x over 10 and 50 rounds, instant crashes in 50, rounds in a row under 2x, rounds since a 10x, rounds before, counted up to 1,000), and the label, the multiplier of the round itself: the next one after the rounds the features describe. 42704 for an unknown or NULL game, 22023 for a row_limit below 1.';
REVOKE ALL ON FUNCTION crash_analytics.export_multipliers_for_ml(text, integer) FROM PUBLIC;

/*
 * Where each series' stored history is whole, for a replay of the signal
 * rules (signal_differences, verify_consistency).  A purge deletes by time,
 * and a back-filled round may sit among later ones in logging order, so a
 * multiplier kept can have been judged by the rules against a window that
 * held one deleted: a window that reaches back to complete_after_multiplier_id
 * or before is not judged.  Written by purge_rounds_before ('purge') and
 * by this update for the series that already had multipliers ('update':
 * 1.0 recorded no purge).
 */
CREATE TABLE crash_analytics.bot_series_history (
	bot_id				text COLLATE "C" NOT NULL,
	game_name			text COLLATE "C" NOT NULL,
	platform_code		text COLLATE "C" NOT NULL,
	complete_after_multiplier_id bigint NOT NULL,
	reason				text NOT NULL,
	marked_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT bot_series_history_pkey PRIMARY KEY (bot_id, game_name, platform_code),
	CONSTRAINT bot_series_history_reason_check CHECK (reason IN ('purge', 'update'))
);
COMMENT ON TABLE crash_analytics.bot_series_history IS
	'Per bot, game and platform: the newest multiplier a purge deleted (or, for a database updated from 1.0, the newest when it was updated). Multipliers up to it may have been judged by the signal rules against rounds no longer stored: a replay of the rules (signal_differences, verify_consistency) judges only the windows after it.';
INSERT INTO crash_analytics.bot_series_history (bot_id, game_name, platform_code, complete_after_multiplier_id, reason)
SELECT m.bot_id, m.game_name, m.platform_code, max(m.id), 'update'
  FROM crash_analytics.analytics_round_multipliers m
 GROUP BY 1, 2, 3;
SELECT pg_catalog.pg_extension_config_dump('crash_analytics.bot_series_history', '');
REVOKE ALL ON TABLE crash_analytics.bot_series_history FROM PUBLIC;
COMMENT ON INDEX crash_analytics.bot_series_history_pkey IS
	'Key (bot_id, game_name, platform_code): one mark per series, moved forward by each purge.';

CREATE FUNCTION crash_analytics.signal_differences(bot_id text)
RETURNS TABLE(table_name text, row_key text, column_name text, stored text, expected text)
AS 'MODULE_PATHNAME', 'ca_signal_differences'
LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION crash_analytics.signal_differences(text) IS
	'Replays the bot''s built-in signal rules over its multipliers in logging order, as the write path runs them, and lists every rule signal missing (stored NULL) or not given by the rules (expected NULL), every field of one that differs, and every value of a series state (bot_series_state) that differs from the multipliers and open signals; no row when all agree. Judged: multipliers logged since the bot''s registration last changed (earlier ones may have met other rules), and rule windows after the newest multiplier bot_series_history records as purged.';
REVOKE ALL ON FUNCTION crash_analytics.signal_differences(text) FROM PUBLIC;

DROP FUNCTION crash_analytics.verify_consistency();
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

	-- the built-in signal rules replayed over every bot's multipliers against
	-- the stored rule signals, and the series states against the multipliers
	-- and open signals (signal_differences)
	RETURN QUERY
	WITH bots AS (
		SELECT m.bot_id FROM crash_analytics.analytics_round_multipliers m GROUP BY 1
		UNION SELECT s.bot_id FROM crash_analytics.analytics_round_signals s WHERE s.source = 'rule'
		UNION SELECT t.bot_id FROM crash_analytics.bot_series_state t
	), diffs AS MATERIALIZED (
		SELECT x.* FROM bots, LATERAL crash_analytics.signal_differences(bots.bot_id) x
	)
	SELECT t.name, count(v.table_name) = 0, count(v.table_name),
		   left(string_agg(v.row_key || coalesce('.' || v.column_name, '') || ': stored '
						   || coalesce(v.stored, 'nothing') || ', expected ' || coalesce(v.expected, 'nothing'), '; '
						   ORDER BY v.row_key, v.column_name), 500)
	  FROM (VALUES (1, 'rule_signals', 'analytics_round_signals'), (2, 'series_state', 'bot_series_state')) AS t(k, name, tbl)
	  LEFT JOIN diffs v ON v.table_name = t.tbl
	 GROUP BY t.k, t.name ORDER BY t.k;

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
	'Recomputes every derived row and roll-up from crash_game_rounds and reports one row per check (multipliers, outcomes, orphans, derivation rules, registrations, signal resolution, the built-in rule signals replayed over the multipliers, series states, bot roll-ups, session figures, hourly roll-ups) with ok, the number of differences and the first of them.';
REVOKE ALL ON FUNCTION crash_analytics.verify_consistency() FROM PUBLIC;

DROP FUNCTION crash_analytics.purge_rounds_before(timestamptz, boolean);
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
	-- the bots whose rounds, multipliers or signals go: their roll-ups and
	-- series states (1.0 rebuilt only the bots with rounds to purge, so the
	-- series state of a bot that had only watched a purged multiplier kept it)
	SELECT array_agg(DISTINCT x.bot_id ORDER BY x.bot_id) INTO bots
	  FROM (SELECT r.bot_id FROM crash_analytics.crash_game_rounds r WHERE r.played_at < cutoff
			UNION SELECT m.bot_id FROM crash_analytics.analytics_round_multipliers m WHERE m.observed_at < cutoff
			UNION SELECT s.bot_id FROM crash_analytics.analytics_round_signals s WHERE s.emitted_at < cutoff) x;
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
	-- per series, the newest multiplier deleted: the signal rules judged the
	-- multipliers after it against windows that may have held it, so a replay
	-- of the rules (signal_differences) judges only the windows after it
	WITH d AS (
		DELETE FROM crash_analytics.analytics_round_multipliers m WHERE m.observed_at < cutoff
		RETURNING m.bot_id, m.game_name, m.platform_code, m.id
	), g AS (
		SELECT d.bot_id, d.game_name, d.platform_code, max(d.id) AS last_id, count(*) AS deleted
		  FROM d GROUP BY 1, 2, 3
	), marked AS (
		INSERT INTO crash_analytics.bot_series_history AS h
			(bot_id, game_name, platform_code, complete_after_multiplier_id, reason)
		SELECT g.bot_id, g.game_name, g.platform_code, g.last_id, 'purge' FROM g
		ON CONFLICT ON CONSTRAINT bot_series_history_pkey DO UPDATE
		   SET complete_after_multiplier_id = greatest(h.complete_after_multiplier_id, excluded.complete_after_multiplier_id),
			   reason = excluded.reason, marked_at = excluded.marked_at
		RETURNING 1
	)
	SELECT coalesce(sum(g.deleted), 0) INTO n FROM g;
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
	'Retention: deletes rounds played before cutoff with their outcomes, multipliers and signals (and error and OCR logs unless include_logs is false), deletes sessions left without rounds, records per series the newest multiplier deleted (bot_series_history), and rebuilds the roll-ups and series states of every bot that lost rounds, multipliers or signals from what remains. Returns rows deleted per table. Refresh the materialized views afterwards.';
REVOKE ALL ON FUNCTION crash_analytics.purge_rounds_before(timestamptz, boolean) FROM PUBLIC;

/*
 * get_signal_effectiveness: the empirical baseline of each target is
 * computed once.  In 1.0 the planner inlined that CTE into the join with
 * the signals, so the platform rounds were counted again for every signal
 * (17 s for the 2,000 signals of the pgTAP data set, 0.3 s now).
 */
DROP FUNCTION crash_analytics.get_signal_effectiveness(text, timestamptz, timestamptz);
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
	), targets AS MATERIALIZED (	-- how often the game's platform rounds (each once) reached each target in the period
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
REVOKE ALL ON FUNCTION crash_analytics.get_signal_effectiveness(text, timestamptz, timestamptz) FROM PUBLIC;

/*
 * get_bot_statistics(NULL) is an error (22004), as an unknown bot is
 * (42704).  1.0 declared the function STRICT, so a NULL bot_id gave one
 * row of NULLs, which reads like a bot with no data.
 */
DROP FUNCTION crash_analytics.get_bot_statistics(text);
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
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION crash_analytics.get_bot_statistics(text) IS
	'Statistics of one bot from its roll-up (constant time at any table size): counts, win rate with its 95% Wilson interval beside the win rate chance gives at the bot''s targets, money, ROI with its 95% interval and the bets needed to know it to +/- 1 point, expected profit at the game''s RTP and luck, best and worst round, streaks, drawdown and balances. An unknown bot is an error (42704), and so is a NULL bot_id (22004).';
REVOKE ALL ON FUNCTION crash_analytics.get_bot_statistics(text) FROM PUBLIC;

-- the reader profile: as above, and signal_differences
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
		('crash_analytics.signal_differences(text)'),
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
		('crash_analytics.backtest_strategy(jsonb, numeric, text, text, timestamptz, timestamptz)'),
		('crash_analytics.backtest_strategy(jsonb, numeric, numeric[], numeric)'),
		('crash_analytics.backtest_equity_curve(jsonb, numeric, text, text, timestamptz, timestamptz)'),
		('crash_analytics.backtest_equity_curve(jsonb, numeric, numeric[])'),
		('crash_analytics.backtest_simulated(jsonb, numeric, integer, numeric, bigint)'),
		('crash_analytics.risk_of_ruin(jsonb, numeric, integer, numeric, integer, bigint)'),
		('crash_analytics.simulate_rounds(text, text, integer, numeric, bigint, timestamptz, interval)'),
		('crash_analytics.verify_crash_bustabit(text, text, text)'),
		('crash_analytics.verify_crash_stake(text, text, bigint)'),
		('crash_analytics.verify_crash_stake_chain(text, text)'),
		('crash_analytics.verify_crash_roobet(text, text)'),
		('crash_analytics.verify_hash_chain(text, text, text)'),
		('crash_analytics.verify_hash_chain(text[], text)'),
		('crash_analytics.recompute_round(text, text, text, text, bigint, text, text)'),
		('crash_analytics.verify_logged_rounds(text, text, text, timestamptz, timestamptz)'),
		('crash_analytics.fairness_report(text, text, timestamptz, timestamptz)'),
		('crash_analytics.ocr_data_quality(timestamptz, timestamptz)'),
		('crash_analytics.chi_square_p_value(double precision, integer)'),
		('crash_analytics.normal_p_value(double precision, boolean)'),
		('crash_analytics.format_p_value(double precision)')) AS v(f)
$$;
COMMENT ON FUNCTION crash_analytics.reader_functions() IS 'The functions the reader profile may execute.';
REVOKE ALL ON FUNCTION crash_analytics.reader_functions() FROM PUBLIC;

-- end region: analytics audit

-- region: grants kept, given back
-- (see "grants kept, saved" at the top of the script)
SELECT crash_analytics.update_give_back_privileges();
DROP FUNCTION crash_analytics.update_give_back_privileges();
DROP FUNCTION crash_analytics.update_save_privileges();
DROP TABLE crash_analytics.update_privileges;
-- end region: grants kept, given back
