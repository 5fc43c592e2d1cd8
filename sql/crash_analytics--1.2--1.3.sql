/* sql/crash_analytics--1.2--1.3.sql */
-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION crash_analytics UPDATE TO '1.3'" to load this file. \quit
/*
 * Version 1.3.  A fresh CREATE EXTENSION runs crash_analytics--1.0.sql and
 * then every update script up to this one, so a new install and an updated
 * one are built by the same statements.
 *
 * A function whose body changes is dropped and created again (extension
 * scripts never use CREATE OR REPLACE); the grants made on it are carried
 * over to the new one (section 3), and a user's view or function that
 * depends on it stops the update with PostgreSQL's dependency error,
 * nothing changed.
 */
/* ========================================================================
 * 0. The grants on the functions this script re-creates, saved (section 3
 *    gives them back)
 * ======================================================================== */
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

-- (end of section 0)

/* ========================================================================
 * 1. Period figures
 * ======================================================================== */
/*
 * period_figures read the whole hours of a period from the hourly roll-ups
 * by one index range from its first whole hour to its last, then filtered
 * out the hours of its whole days (read from the daily roll-ups): the
 * longer the period, the more hourly rows read to be thrown away (1,440 of
 * 1,615 for 14 days of one game's 5 bots).  It now reads two ranges, the
 * hours before the first whole day and those after the last one.  And it gave
 * one row per round of the partial hours at the ends, which the callers
 * then sorted and summed with the roll-ups' rows: those rounds are now
 * summed where they are read, one row per bot, game, platform and
 * strategy, like a roll-up row.
 */
DROP FUNCTION crash_analytics.period_figures(text, text, timestamptz, timestamptz);
CREATE FUNCTION crash_analytics.period_figures(game text, platform text,
	from_time timestamptz, to_time timestamptz)
RETURNS TABLE(bot_id text, game_name text, platform_code text, strategy_name text,
	rounds bigint, bets bigint, wins bigint, losses bigint, skips bigint, voids bigint,
	total_staked numeric, total_payout numeric, total_profit numeric, expected_profit numeric,
	sum_win_probability numeric, targeted_bets bigint, sum_profit_squared numeric,
	best_profit numeric, worst_profit numeric)
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	-- b: hf..ht the whole hours, df..dt the whole UTC days (none when df >= dt); a
	-- plain subquery, which the planner flattens, so that the bounds become
	-- constants of the index conditions when period_figures is inlined.  A day
	-- is 24 hours: '1 day' would follow the session's time zone across DST.
	SELECT d.bot_id, d.game_name, d.platform_code, d.strategy_name, d.rounds, d.bets, d.wins, d.losses,
		   d.skips, d.voids, d.total_staked, d.total_payout, d.total_profit, d.expected_profit,
		   d.sum_win_probability, d.targeted_bets, d.sum_profit_squared, d.best_profit, d.worst_profit
	  FROM crash_analytics.bot_daily_rollups d,
		   (SELECT coalesce(CASE WHEN f.d = period_figures.from_time THEN f.d ELSE f.d + interval '24 hours' END,
							'-infinity') AS df,
				   coalesce(pg_catalog.date_trunc('day', period_figures.to_time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
							'infinity') AS dt
			  FROM (SELECT pg_catalog.date_trunc('day', period_figures.from_time AT TIME ZONE 'UTC')
						   AT TIME ZONE 'UTC') AS f(d)) AS b
	 WHERE (period_figures.game IS NULL OR d.game_name = period_figures.game)
	   AND (period_figures.platform IS NULL OR d.platform_code = period_figures.platform)
	   AND d.day_start >= b.df AND d.day_start < b.dt
	UNION ALL
	-- the whole hours before the first whole day, and those after the last
	-- one: two index ranges (all of hf..ht when there is no whole day).  The
	-- index ranges are kept inside hf..ht: df < dt is not folded at planning
	-- (df is a stable expression), so with no whole day the second range
	-- would still be read, from dt, the midnight before the period.
	SELECT h.bot_id, h.game_name, h.platform_code, h.strategy_name, h.rounds, h.bets, h.wins, h.losses,
		   h.skips, h.voids, h.total_staked, h.total_payout, h.total_profit, h.expected_profit,
		   h.sum_win_probability, h.targeted_bets, h.sum_profit_squared, h.best_profit, h.worst_profit
	  FROM crash_analytics.bot_hourly_rollups h,
		   (SELECT coalesce(crash_analytics.utc_hour_ceil(period_figures.from_time), '-infinity') AS hf,
				   coalesce(crash_analytics.utc_hour_floor(period_figures.to_time), 'infinity') AS ht,
				   coalesce(CASE WHEN f.d = period_figures.from_time THEN f.d ELSE f.d + interval '24 hours' END,
							'-infinity') AS df,
				   coalesce(pg_catalog.date_trunc('day', period_figures.to_time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
							'infinity') AS dt
			  FROM (SELECT pg_catalog.date_trunc('day', period_figures.from_time AT TIME ZONE 'UTC')
						   AT TIME ZONE 'UTC') AS f(d)) AS b
	 WHERE (period_figures.game IS NULL OR h.game_name = period_figures.game)
	   AND (period_figures.platform IS NULL OR h.platform_code = period_figures.platform)
	   AND ((h.hour_start >= b.hf
			 AND h.hour_start < CASE WHEN b.df < b.dt THEN LEAST(b.df, b.ht) ELSE b.ht END)
			OR (b.df < b.dt AND h.hour_start >= GREATEST(b.dt, b.hf) AND h.hour_start < b.ht))
	UNION ALL
	-- the partial hours at the ends, summed like a roll-up row
	SELECT r.bot_id, r.game_name, r.platform_code, coalesce(r.strategy_name, ''), count(*),
		   count(*) FILTER (WHERE r.round_outcome <> 'SKIP'), count(*) FILTER (WHERE r.round_outcome = 'WIN'),
		   count(*) FILTER (WHERE r.round_outcome = 'LOSS'), count(*) FILTER (WHERE r.round_outcome = 'SKIP'),
		   count(*) FILTER (WHERE r.round_outcome = 'VOID'),
		   sum(r.stake_value), sum(r.payout_value), sum(r.profit_loss), sum(r.expected_profit),
		   coalesce(sum(r.win_probability) FILTER (WHERE r.round_outcome IN ('WIN', 'LOSS')), 0),
		   count(r.win_probability) FILTER (WHERE r.round_outcome IN ('WIN', 'LOSS')),
		   sum(r.profit_loss * r.profit_loss),
		   max(r.profit_loss) FILTER (WHERE r.round_outcome IN ('WIN', 'LOSS')),
		   min(r.profit_loss) FILTER (WHERE r.round_outcome IN ('WIN', 'LOSS'))
	  FROM crash_analytics.crash_game_rounds r
	 WHERE (period_figures.game IS NULL OR r.game_name = period_figures.game)
	   AND (period_figures.platform IS NULL OR r.platform_code = period_figures.platform)
	   AND ((period_figures.from_time IS NOT NULL
			 AND r.played_at >= period_figures.from_time
			 AND r.played_at < LEAST(crash_analytics.utc_hour_ceil(period_figures.from_time),
									 coalesce(period_figures.to_time, 'infinity')))
			OR (period_figures.to_time IS NOT NULL
				AND r.played_at >= GREATEST(crash_analytics.utc_hour_floor(period_figures.to_time),
											coalesce(crash_analytics.utc_hour_ceil(period_figures.from_time), '-infinity'))
				AND r.played_at < period_figures.to_time))
	 GROUP BY r.bot_id, r.game_name, r.platform_code, coalesce(r.strategy_name, '');
END;
COMMENT ON FUNCTION crash_analytics.period_figures(text, text, timestamptz, timestamptz) IS
	'Round figures of a game/platform (NULL: all) and period, as rows to sum: whole UTC days from the daily roll-ups, the other whole UTC hours from the hourly roll-ups (the hours before the first whole day and after the last), the rounds of the partial hours at the ends summed per bot, game, platform and strategy. What get_game_statistics and get_strategy_performance add up.';
REVOKE ALL ON FUNCTION crash_analytics.period_figures(text, text, timestamptz, timestamptz) FROM PUBLIC;

-- (end of section 1)

/* ========================================================================
 * 2. Distinct multipliers
 * ======================================================================== */
/*
 * distinct_multipliers (what the distribution, quantiles, fairness report
 * and signal baselines count) sorted every reading of the period by a key
 * built for each row, coalesce(platform_round_id, '#' || bot_id || '#' ||
 * id), to keep one reading per platform round.  A reading without
 * platform_round_id is a round of its own and needs no sorting: only the
 * readings that carry one are sorted, by (platform_code,
 * platform_round_id, id), without building a string.  The same rows, in
 * another order (every caller aggregates them).
 */
DROP FUNCTION crash_analytics.distinct_multipliers(text, text, timestamptz, timestamptz);
CREATE FUNCTION crash_analytics.distinct_multipliers(game text, platform text,
	from_time timestamptz, to_time timestamptz)
RETURNS TABLE(platform_code text, multiplier numeric)
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT m.platform_code, m.multiplier
	  FROM crash_analytics.analytics_round_multipliers m
	 WHERE m.game_name = distinct_multipliers.game
	   AND (distinct_multipliers.platform IS NULL OR m.platform_code = distinct_multipliers.platform)
	   AND m.observed_at >= coalesce(distinct_multipliers.from_time, '-infinity')
	   AND m.observed_at < coalesce(distinct_multipliers.to_time, 'infinity')
	   AND m.platform_round_id IS NULL
	UNION ALL
	SELECT d.platform_code, d.multiplier
	  FROM (SELECT DISTINCT ON (m.platform_code, m.platform_round_id) m.platform_code, m.multiplier
			  FROM crash_analytics.analytics_round_multipliers m
			 WHERE m.game_name = distinct_multipliers.game
			   AND (distinct_multipliers.platform IS NULL OR m.platform_code = distinct_multipliers.platform)
			   AND m.observed_at >= coalesce(distinct_multipliers.from_time, '-infinity')
			   AND m.observed_at < coalesce(distinct_multipliers.to_time, 'infinity')
			   AND m.platform_round_id IS NOT NULL
			 ORDER BY m.platform_code, m.platform_round_id, m.id) AS d;
END;
COMMENT ON FUNCTION crash_analytics.distinct_multipliers(text, text, timestamptz, timestamptz) IS
	'The crash multipliers of a game/platform (all platforms when NULL) and period, one per platform round (the first reading logged when several bots saw it; a reading without platform_round_id is a round of its own).';
REVOKE ALL ON FUNCTION crash_analytics.distinct_multipliers(text, text, timestamptz, timestamptz) FROM PUBLIC;

-- (end of section 2)

/* ========================================================================
 * 3. Grants of the profiles
 * ======================================================================== */
-- region: grants kept, given back
-- (see "grants kept, saved" at the top of the script)
SELECT crash_analytics.update_give_back_privileges();
DROP FUNCTION crash_analytics.update_give_back_privileges();
DROP FUNCTION crash_analytics.update_save_privileges();
DROP TABLE crash_analytics.update_privileges;
-- end region: grants kept, given back

-- (end of section 3)
