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
 * 1. Daily roll-ups
 * ======================================================================== */
/*
 * Statistics of a period (get_game_statistics, get_strategy_performance)
 * summed the hourly roll-ups of every whole hour in it, so their cost grew
 * with the length of the history (3,333 rows for 10 bots over 14 days).  A
 * day is the sum of its 24 hours: the write path keeps one row per (bot,
 * game, platform, strategy, UTC day) beside the hourly one, and a period
 * reads whole days from it, the whole hours at its two ends from the hourly
 * roll-ups and the partial hours at its ends from the rounds.
 */
CREATE TABLE crash_analytics.bot_daily_rollups (
	bot_id				text COLLATE "C" NOT NULL,
	game_name			text COLLATE "C" NOT NULL,
	platform_code		text COLLATE "C" NOT NULL,
	strategy_name		text COLLATE "C" NOT NULL,
	day_start			timestamptz NOT NULL,
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
	CONSTRAINT bot_daily_rollups_pkey PRIMARY KEY (bot_id, game_name, platform_code, strategy_name, day_start),
	CONSTRAINT bot_daily_rollups_counts_check CHECK (rounds = bets + skips AND bets = wins + losses + voids),
	CONSTRAINT bot_daily_rollups_money_check CHECK (total_profit = total_payout - total_staked)
) WITH (fillfactor = 50);
COMMENT ON TABLE crash_analytics.bot_daily_rollups IS
	'Per (bot, game, platform, strategy, UTC day) roll-up of rounds: the same figures as bot_hourly_rollups, a day being the sum of its hours. Periods of the game and strategy analytics read whole days from it.';
REVOKE ALL ON TABLE crash_analytics.bot_daily_rollups FROM PUBLIC;
COMMENT ON INDEX crash_analytics.bot_daily_rollups_pkey IS
	'Key (bot_id, game_name, platform_code, strategy_name, day_start): every round adds to its day''s row.';
CREATE INDEX bot_daily_rollups_game_day_idx ON crash_analytics.bot_daily_rollups (game_name, platform_code, day_start);
COMMENT ON INDEX crash_analytics.bot_daily_rollups_game_day_idx IS
	'Game statistics and strategy performance of one game sum its daily roll-ups over a period (period_figures).';
CREATE INDEX bot_daily_rollups_day_idx ON crash_analytics.bot_daily_rollups (day_start);
COMMENT ON INDEX crash_analytics.bot_daily_rollups_day_idx IS
	'Strategy performance over every game sums the daily roll-ups of a period (period_figures).';
CREATE TRIGGER bot_daily_rollups_updated_at BEFORE UPDATE ON crash_analytics.bot_daily_rollups
	FOR EACH ROW EXECUTE FUNCTION crash_analytics.set_updated_at();
COMMENT ON TRIGGER bot_daily_rollups_updated_at ON crash_analytics.bot_daily_rollups IS
	'Keeps updated_at: the transaction time of the last update.';
SELECT pg_catalog.pg_extension_config_dump('crash_analytics.bot_daily_rollups', '');

-- the days of the history logged before this update: the sums of their hours
INSERT INTO crash_analytics.bot_daily_rollups (bot_id, game_name, platform_code, strategy_name, day_start,
	rounds, bets, wins, losses, skips, voids, total_staked, total_payout, total_profit, expected_profit,
	sum_win_probability, targeted_bets, sum_profit_squared, best_profit, worst_profit)
SELECT h.bot_id, h.game_name, h.platform_code, h.strategy_name,
	   pg_catalog.date_trunc('day', h.hour_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
	   sum(h.rounds), sum(h.bets), sum(h.wins), sum(h.losses), sum(h.skips), sum(h.voids),
	   sum(h.total_staked), sum(h.total_payout), sum(h.total_profit), sum(h.expected_profit),
	   sum(h.sum_win_probability), sum(h.targeted_bets), sum(h.sum_profit_squared),
	   max(h.best_profit), min(h.worst_profit)
  FROM crash_analytics.bot_hourly_rollups h
 GROUP BY 1, 2, 3, 4, 5;

/*
 * Figures of a period: whole UTC days from bot_daily_rollups, the whole
 * hours outside those days from bot_hourly_rollups, the partial hours at
 * the ends from the rounds.  With no whole day in the period it reads
 * hours and rounds as before.
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
		   (SELECT coalesce(crash_analytics.utc_hour_ceil(period_figures.from_time), '-infinity') AS hf,
				   coalesce(crash_analytics.utc_hour_floor(period_figures.to_time), 'infinity') AS ht,
				   coalesce(CASE WHEN f.d = period_figures.from_time THEN f.d ELSE f.d + interval '24 hours' END,
							'-infinity') AS df,
				   coalesce(pg_catalog.date_trunc('day', period_figures.to_time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
							'infinity') AS dt
			  FROM (SELECT pg_catalog.date_trunc('day', period_figures.from_time AT TIME ZONE 'UTC')
						   AT TIME ZONE 'UTC') AS f(d)) AS b
	 WHERE (period_figures.game IS NULL OR d.game_name = period_figures.game)
	   AND (period_figures.platform IS NULL OR d.platform_code = period_figures.platform)
	   AND d.day_start >= b.df AND d.day_start < b.dt
	UNION ALL
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
	   AND h.hour_start >= b.hf AND h.hour_start < b.ht
	   AND (b.df >= b.dt OR h.hour_start < b.df OR h.hour_start >= b.dt)
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
	'Round figures of a game/platform (NULL: all) and period, as rows to sum: whole UTC days from the daily roll-ups, the other whole UTC hours from the hourly roll-ups, the partial hours at the ends from the rounds. What get_game_statistics and get_strategy_performance add up.';
REVOKE ALL ON FUNCTION crash_analytics.period_figures(text, text, timestamptz, timestamptz) FROM PUBLIC;

/*
 * Play order.  A bot's streaks, drawdown, current balance and a session's
 * start followed the order rounds were logged in, so a back-fill (old
 * rounds logged after newer ones) gave wrong streaks, drawdowns and
 * balances, and sessions that ended before they started.  From 1.2 they
 * follow the order the rounds were played in, (played_at, id): the write
 * path extends them incrementally when a round is played after the bot's
 * latest one and replays the bot in play order, through this index, when
 * one was played earlier; rollup_differences and rebuild_rollups replay in
 * the same order.  The bots whose rounds were logged out of play order
 * before this update are rebuilt below.
 */
CREATE INDEX crash_game_rounds_play_idx ON crash_analytics.crash_game_rounds (bot_id, played_at, id);
COMMENT ON INDEX crash_analytics.crash_game_rounds_play_idx IS
	'A bot''s rounds in play order (played_at, id): replayed for its streaks, drawdown and balances when a round is logged out of that order, and by rollup_differences (verify_consistency) and rebuild_rollups.';
CREATE FUNCTION crash_analytics.replay_play_order(bot_id text) RETURNS bigint
AS 'MODULE_PATHNAME', 'ca_replay_play_order' LANGUAGE C VOLATILE STRICT;
SELECT count(crash_analytics.replay_play_order(x.bot_id))
  FROM (SELECT DISTINCT r.bot_id
		  FROM (SELECT r.bot_id, r.played_at,
					   max(r.played_at) OVER (PARTITION BY r.bot_id ORDER BY r.id
											  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
				  FROM crash_analytics.crash_game_rounds r) r
		 WHERE r.played_at < r.before
		UNION
		SELECT s.bot_id
		  FROM crash_analytics.session_logs s
		  JOIN crash_analytics.crash_game_rounds r ON r.bot_id = s.bot_id AND r.session_id = s.session_id
		 WHERE r.played_at < s.started_at) x;
DROP FUNCTION crash_analytics.replay_play_order(text);

-- verify_consistency() checks the daily roll-ups too (13 checks)
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

	-- roll-ups, session figures, hourly and daily roll-ups against a replay of every bot's rounds
	RETURN QUERY
	WITH bots AS (
		SELECT r.bot_id FROM crash_analytics.crash_game_rounds r GROUP BY 1
		UNION SELECT b.bot_id FROM crash_analytics.bot_rollups b
		UNION SELECT s.bot_id FROM crash_analytics.session_logs s
		UNION SELECT h.bot_id FROM crash_analytics.bot_hourly_rollups h
		UNION SELECT d.bot_id FROM crash_analytics.bot_daily_rollups d
	), diffs AS MATERIALIZED (
		SELECT x.* FROM bots, LATERAL crash_analytics.rollup_differences(bots.bot_id) x
	)
	SELECT t.name, count(v.table_name) = 0, count(v.table_name),
		   left(string_agg(v.row_key || coalesce('.' || v.column_name, '') || ': stored '
						   || coalesce(v.stored, 'nothing') || ', expected ' || coalesce(v.expected, 'nothing'), '; '), 500)
	  FROM (VALUES (1, 'bot_rollups'), (2, 'session_logs'), (3, 'bot_hourly_rollups'), (4, 'bot_daily_rollups')) AS t(k, name)
	  LEFT JOIN diffs v ON v.table_name = t.name
	 GROUP BY t.k, t.name ORDER BY t.k;
END
$$;
COMMENT ON FUNCTION crash_analytics.verify_consistency() IS
	'Recomputes every derived row and roll-up from crash_game_rounds and reports one row per check (multipliers, outcomes, orphans, derivation rules, registrations, signal resolution, the built-in rule signals replayed over the multipliers, series states, bot roll-ups, session figures, hourly and daily roll-ups) with ok, the number of differences and the first of them.';
REVOKE ALL ON FUNCTION crash_analytics.verify_consistency() FROM PUBLIC;
COMMENT ON FUNCTION crash_analytics.rollup_differences(text) IS
	'Replays a bot''s rounds in play order (played_at, id) and lists every stored roll-up value (bot_rollups, session_logs figures and start, bot_hourly_rollups, bot_daily_rollups) that differs from the replay; no row when all agree. A whole missing or extra row has column_name NULL.';
COMMENT ON FUNCTION crash_analytics.rebuild_rollups(text) IS
	'Rewrites a bot''s roll-up, session figures and hourly and daily roll-ups from its rounds, replayed in play order (under the bot''s lock); returns the number of rounds replayed.';

-- (end of section 1)

/* ========================================================================
 * 2. Indexes
 * ======================================================================== */
/*
 * Every index costs every row written, so 1.2 keeps the indexes a query of
 * the extension reads through (each one's comment names the query; the
 * pgTAP suite indexes.sql checks that each query can use its index).
 * Dropped: the two secondary indexes of analytics_round_outcomes (by
 * strategy and day, by game and time: no query of the extension reads
 * outcomes so; the game and strategy statistics read roll-ups), which every
 * logged bet paid for; the platform-round indexes of crash_game_rounds and
 * analytics_round_multipliers, which every round with a platform_round_id
 * paid for while the queries that count a platform round once
 * (distinct_multipliers, ocr_data_quality) group by an expression or scan
 * a period and never read them; those of error_logs (by bot, by type) and of
 * ocr_validation_logs (by bot, invalid readings by bot), which no query
 * used, while the queries that do read those tables select by time and had
 * no index: the retention purge (both tables) and ocr_data_quality().
 */
DROP INDEX crash_analytics.analytics_round_outcomes_strategy_date_idx;
DROP INDEX crash_analytics.analytics_round_outcomes_game_time_idx;
DROP INDEX crash_analytics.error_logs_bot_time_idx;
DROP INDEX crash_analytics.error_logs_type_time_idx;
DROP INDEX crash_analytics.ocr_validation_logs_bot_time_idx;
DROP INDEX crash_analytics.ocr_validation_logs_invalid_idx;
DROP INDEX crash_analytics.crash_game_rounds_platform_round_idx;
DROP INDEX crash_analytics.analytics_round_multipliers_platform_round_idx;
CREATE INDEX error_logs_occurred_idx ON crash_analytics.error_logs (occurred_at);
COMMENT ON INDEX crash_analytics.error_logs_occurred_idx IS
	'The retention purge deletes the errors that occurred before its cutoff (purge_rounds_before).';
CREATE INDEX ocr_validation_logs_created_idx ON crash_analytics.ocr_validation_logs (created_at);
COMMENT ON INDEX crash_analytics.ocr_validation_logs_created_idx IS
	'ocr_data_quality() reads the readings of a period; the retention purge deletes those made before its cutoff.';

COMMENT ON INDEX crash_analytics.crash_game_rounds_pkey IS
	'Key (bot_id, id): a round by its bot and id, as the rows that point to it (outcomes, multipliers) find it in verify_consistency and the purge; the ids of a bot are its logging order.';
COMMENT ON INDEX crash_analytics.session_logs_started_idx IS
	'The retention purge deletes the sessions started before its cutoff that have no round left (purge_rounds_before).';

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

/*
 * get_signal_effectiveness reads the platform rounds of each game/platform
 * once.  1.1 counted the empirical baseline of every distinct (game,
 * platform, target) with its own call of distinct_multipliers(), so the cost
 * was (distinct targets) x (multipliers): on 1,000,001 multipliers (500,001
 * platform rounds), 1.0 s for one target and 44 s for 50 model signals with
 * distinct targets; now 1.2 s and 2.0 s (medians of 3).  Now each
 * game/platform's targets form one sorted array, each of its platform rounds
 * (each once, as before) is counted in the bucket width_bucket() gives it
 * (how many of the targets it reaches), and the count at or above a target
 * is a cumulative sum over those buckets.  The rate is the same numeric
 * quotient, cast the same way, as 1.1's avg over the rounds.
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
	WITH s AS MATERIALIZED (
		SELECT s.source, s.signal_type::text AS signal_type, s.model_name::text AS model_name,
			   s.game_name, s.platform_code, s.target_multiplier, s.status,
			   least(1, c.rtp / s.target_multiplier)::double precision AS p
		  FROM crash_analytics.analytics_round_signals s
		  JOIN crash_analytics.game_platform_config c
			ON c.game_name = s.game_name AND c.platform_code = s.platform_code
		 WHERE (signal IS NULL OR s.signal_type = signal OR s.model_name = signal)
		   AND s.emitted_at >= coalesce(from_time, '-infinity') AND s.emitted_at < coalesce(to_time, 'infinity')
	), edges AS MATERIALIZED (	-- per game/platform, the distinct targets of its signals, increasing
		SELECT s.game_name, s.platform_code,
			   array_agg(DISTINCT s.target_multiplier ORDER BY s.target_multiplier) AS targets
		  FROM s
		 GROUP BY s.game_name, s.platform_code
	), reached AS MATERIALIZED (	-- one pass over the platform rounds (each once): b = how many targets a round reached
		SELECT e.game_name, e.platform_code, r.b, r.n
		  FROM edges e
		 CROSS JOIN LATERAL (
			SELECT width_bucket(d.multiplier, e.targets) AS b, count(*) AS n
			  FROM crash_analytics.distinct_multipliers(e.game_name, e.platform_code, from_time, to_time) d
			 GROUP BY 1) r
	), totals AS (
		SELECT r.game_name, r.platform_code, sum(r.n) AS n
		  FROM reached r
		 GROUP BY r.game_name, r.platform_code
	), targets AS (	-- the share of the period's platform rounds that reached each target (NULL without rounds)
		SELECT t.game_name, t.platform_code, t.target_multiplier,
			   (sum(t.n) OVER (PARTITION BY t.game_name, t.platform_code ORDER BY t.k DESC) / z.n)::double precision AS rate
		  FROM (SELECT e.game_name, e.platform_code, x.target AS target_multiplier, x.k, coalesce(r.n, 0) AS n
				  FROM edges e
				 CROSS JOIN LATERAL unnest(e.targets) WITH ORDINALITY AS x(target, k)
				  LEFT JOIN reached r
					ON r.game_name = e.game_name AND r.platform_code = e.platform_code AND r.b = x.k) t
		  LEFT JOIN totals z ON z.game_name = t.game_name AND z.platform_code = t.platform_code
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
	'Per signal source, type and model (filtered by a signal type or model name when given), signals emitted in the period: resolved, hits, hit rate with its 95% interval, the baseline chance gives for the same targets (theoretical RTP/target and empirical from the game''s multipliers in the period, each platform round once, read once per game/platform whatever the number of targets), the lift over the theoretical baseline, and the one-sided p-value of doing at least this well by chance.';
REVOKE ALL ON FUNCTION crash_analytics.get_signal_effectiveness(text, timestamptz, timestamptz) FROM PUBLIC;

/*
 * refresh_analytics() for the reader profile.  In 1.1 reader_functions()
 * did not list it, and granting it would not have been enough: only a
 * materialized view's owner may refresh it (42501 otherwise), and the views
 * belong to the extension's owner.  It now runs with its owner's rights
 * (search_path pinned; it takes no name from the caller), and the reader
 * profile lists it: refreshing changes no data, only what the views show.
 */
DROP FUNCTION crash_analytics.refresh_analytics(boolean);
CREATE FUNCTION crash_analytics.refresh_analytics(concurrently boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
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
	'Refresh the dashboard materialized views (CONCURRENTLY when concurrently is true, so readers are not blocked). Runs with the rights of the extension''s owner, who owns the views, so the reader profile may call it.';
REVOKE ALL ON FUNCTION crash_analytics.refresh_analytics(boolean) FROM PUBLIC;

-- the reader profile: as in 1.1, and refresh_analytics
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
		('crash_analytics.refresh_analytics(boolean)'),
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
/*
 * get_multiplier_distribution: a NULL game is an error (22004), and so is a
 * bucket edge off the 0.01 grid (22023).  Multipliers are floored to 0.01,
 * so [1.00, 1.005) holds only 1.00x while 1.1 gave it the theory of the
 * whole interval, 1 - 0.97/1.005 = 3.48%, against 1 - 0.97/1.01 = 3.96% for
 * the 1.00x it holds.  1.1 gave a NULL game 42704, as for an unknown one.
 */
DROP FUNCTION crash_analytics.get_multiplier_distribution(text, text, timestamptz, timestamptz, numeric[]);
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
	IF game IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'game must not be null',
			HINT = 'Name a game; a NULL platform means every platform of that game.';
	END IF;
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
		IF edges[i] <> round(edges[i], 2) THEN
			RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
				MESSAGE = format('bucket edge %s has more than two decimals', edges[i]),
				DETAIL = format('Crash multipliers are floored to 0.01, so an edge at %s counts them as an edge at %s would, while the theoretical percents under RTP/x would be computed at %s and not match the counts.',
								edges[i], round(ceil(100 * edges[i]) / 100, 2), edges[i]),
				HINT = format('Use %s or %s.', trunc(edges[i], 2), round(ceil(100 * edges[i]) / 100, 2));
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
	'Histogram of crash multipliers (each platform round once) in buckets [bucket_low, bucket_high): by default the edges 1.00, 1.01, 1.20, 1.50, 2, 3, 5, 10, 20, 50, 100, 1000, whose first bucket [1.00, 1.01) is the instant-crash rate (theory 1 - RTP/1.01); counts, percent, cumulative percent, and the theoretical percent under P(crash >= x) = RTP/x. Custom edges: increasing, from 1.00, on the 0.01 grid (22023 otherwise). A NULL game is an error (22004), an unknown game or platform too (42704). Quantiles and the median: get_multiplier_quantiles().';
REVOKE ALL ON FUNCTION crash_analytics.get_multiplier_distribution(text, text, timestamptz, timestamptz, numeric[]) FROM PUBLIC;

/*
 * mv_hourly_game_statistics counts each platform round once, as
 * distinct_multipliers() and the functions do: when several bots saw the
 * same platform_round_id of a game/platform, the first reading logged counts
 * (in the hour it was observed); readings without a platform_round_id count
 * each.  1.0 counted every bot's reading, so two bots watching one platform
 * doubled its rounds (the demo's 300 aviator rounds an hour showed as about
 * 600).  Columns, key and comment are those of 1.0.  A view of your own on it
 * stops the update (dependency error, nothing changed): drop it first.
 */
DROP MATERIALIZED VIEW crash_analytics.mv_hourly_game_statistics;
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
  FROM (SELECT DISTINCT ON (x.game_name, x.platform_code, coalesce(x.platform_round_id, '#' || x.bot_id || '#' || x.id))
			   x.game_name, x.platform_code, x.observed_at, x.multiplier, x.is_instant_crash
		  FROM crash_analytics.analytics_round_multipliers x
		 ORDER BY x.game_name, x.platform_code, coalesce(x.platform_round_id, '#' || x.bot_id || '#' || x.id), x.id) m
 GROUP BY 1, 2, 3
WITH DATA;
CREATE UNIQUE INDEX mv_hourly_game_statistics_key
	ON crash_analytics.mv_hourly_game_statistics (game_name, platform_code, hour_utc);
COMMENT ON MATERIALIZED VIEW crash_analytics.mv_hourly_game_statistics IS
	'Per game/platform and UTC hour: multipliers seen (each platform round once, in the hour of its first reading logged), instant crashes, median, minimum, maximum, and how many reached 2x and 10x. Refresh with refresh_analytics().';
COMMENT ON INDEX crash_analytics.mv_hourly_game_statistics_key IS
	'Unique key of the materialized view: lets refresh_analytics(concurrently => true) refresh it without blocking readers.';
REVOKE ALL ON TABLE crash_analytics.mv_hourly_game_statistics FROM PUBLIC;

/*
 * export_multipliers_for_ml streams.  1.1 computed the features of every
 * exported row and then sorted the JSON objects into play order, so nothing
 * came out before all of it was computed (the first of 100,000 rows of
 * 1,000,001 after 8.7 s, with the last; now the first after 0.43 s, the
 * last after 8.3 s: README).  The rows to export are still picked first (the newest
 * row_limit: which they are is known only once all are seen) and put in play
 * order, keys only; the features are then read row by row, in that order, as
 * each row goes out, and the final ORDER BY costs no sort (the planner keeps
 * the order of the subquery through the nested loops that read features).
 */
DROP FUNCTION crash_analytics.export_multipliers_for_ml(text, integer);
-- require_game refuses a NULL game first (section 5 says why)
DROP FUNCTION crash_analytics.require_game(text, text);
CREATE FUNCTION crash_analytics.require_game(game text, platform text)
RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF game IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'game must not be null';
	END IF;
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
	'True, or an error: 22004 when game is NULL, 42704 when the game (on the platform, if given) is not registered.';
REVOKE ALL ON FUNCTION crash_analytics.require_game(text, text) FROM PUBLIC;
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
				'lags', coalesce(w.lags, '{}'), 'history', r.history,
				'mean_log_10', w.mean_log_10, 'mean_log_50', w.mean_log_50,
				'share_under_2x_10', w.under2_10, 'share_under_2x_50', w.under2_50,
				'instant_crashes_50', w.instant_50,
				-- earlier rounds in a row under 2x: up to the last one at 2x or more
				'rounds_under_2x_in_a_row', coalesce(h2.k - 1, r.history),
				-- rounds since the last 10x, that one included (NULL: none)
				'rounds_since_10x', h10.k),
			'label', r.multiplier)
	  FROM (	-- the exported rows in play order, keys only: features are read below, row by row
		SELECT q.id, q.bot_id, q.platform_code, q.round_number, q.observed_at, q.multiplier,
			   LEAST(1000, b.n + q.k - 1) AS history
		  FROM ranked q
		  JOIN before_first b ON b.bot_id = q.bot_id AND b.platform_code = q.platform_code
		 ORDER BY q.observed_at, q.round_number, q.id) r
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
	'The latest row_limit multipliers of a game (all of them when row_limit is NULL) in play order (observed_at, round_number, id) as ML examples, one JSON object a row, oldest first: features from the rounds the same bot played before it in the same game/platform only, looking back at most 1,000 rounds (last 10 multipliers, mean log multiplier and share under 2x over 10 and 50 rounds, instant crashes in 50, rounds in a row under 2x, rounds since a 10x, rounds before, counted up to 1,000), and the label, the multiplier of the round itself: the next one after the rounds the features describe. Streams: the rows are picked and sorted first (keys only), then each row''s features are read as it goes out. 22004 for a NULL game, 42704 for an unknown one, 22023 for a row_limit below 1.';
REVOKE ALL ON FUNCTION crash_analytics.export_multipliers_for_ml(text, integer) FROM PUBLIC;

-- (end of section 4)

/* ========================================================================
 * 5. Errors and access
 * ======================================================================== */

/*
 * A NULL where a function needs a value is 22004 (null_value_not_allowed),
 * naming the argument, as get_bot_statistics(NULL) always was: in 1.1 a
 * NULL game was reported as a game that is not registered (42704), a NULL
 * session as a session that does not exist (42704), NULL probabilities as
 * empty ones (22023), and the per-bot replays answered a NULL bot with no
 * rows or NULL.
 * Arguments whose NULL the documentation gives a meaning keep it (a NULL
 * platform, bot or signal is "all", a NULL bound "unbounded", a NULL
 * row_limit "no limit"); scalar helpers and verifiers (wilson_*,
 * verify_crash_*, ...) keep SQL's "NULL in, NULL out", so that they can run
 * over rows that lack the data.
 *
 * require_game() is where every function that needs a game checks it
 * (get_game_statistics, get_multiplier_distribution, get_multiplier_quantiles,
 * export_multipliers_for_ml, fairness_report); it now refuses a NULL game
 * first.  export_multipliers_for_ml is a SQL-standard function that depends
 * on it: section 4 re-creates require_game between the drop of that
 * function and its new version.
 */
-- (require_game is re-created in section 4, between the drop of
-- export_multipliers_for_ml, a SQL-standard function that depends on it, and
-- its new version)

DROP FUNCTION crash_analytics.get_session_summary(text, text);
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
	IF session IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'session must not be null';
	END IF;
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
	'A session''s figures (one row per bot using that session id, or the given bot''s): duration, counts, win rate with its interval beside chance, money, ROI with its interval, expected profit and luck, balances and drawdown. NULL session: 22004; unknown session, or a bot that did not use it: 42704 (a NULL bot means every bot).';
REVOKE ALL ON FUNCTION crash_analytics.get_session_summary(text, text) FROM PUBLIC;

DROP FUNCTION crash_analytics.get_multiplier_quantiles(text, text, timestamptz, timestamptz, double precision[]);
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
	IF probabilities IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'probabilities must not be null';
	END IF;
	IF cardinality(probabilities) = 0 THEN
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
	'Quantiles of the crash multiplier (each platform round once), observed beside theoretical under P(crash >= x) = RTP/x on the 0.01 grid; the median of a fair 97% game is 1.93. 22004 for a NULL game or probabilities.';
REVOKE ALL ON FUNCTION crash_analytics.get_multiplier_quantiles(text, text, timestamptz, timestamptz, double precision[]) FROM PUBLIC;

/*
 * The per-bot replays take a NULL bot_id to their C code, which refuses it
 * (22004).  Only their strictness changes, so they are altered in place
 * and keep their grants.
 */
ALTER FUNCTION crash_analytics.rollup_differences(text) CALLED ON NULL INPUT;
ALTER FUNCTION crash_analytics.signal_differences(text) CALLED ON NULL INPUT;
ALTER FUNCTION crash_analytics.rebuild_rollups(text) CALLED ON NULL INPUT;

/*
 * The profile grants built their GRANT or REVOKE from a NULL role and
 * failed with a syntax error (42601); a NULL role is 22004 like every other
 * missing argument.
 */
DROP FUNCTION crash_analytics.grant_writer(regrole);
CREATE FUNCTION crash_analytics.grant_writer(role regrole)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	f regprocedure;
BEGIN
	IF role IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'role must not be null';
	END IF;
	EXECUTE format('GRANT USAGE ON SCHEMA crash_analytics TO %s', role);
	FOR f IN SELECT * FROM crash_analytics.writer_functions() LOOP
		EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %s', f, role);
	END LOOP;
END
$$;
COMMENT ON FUNCTION crash_analytics.grant_writer(regrole) IS
	'Grant the writer profile to a role: it may run the logging functions and nothing else (no table privilege).';
REVOKE ALL ON FUNCTION crash_analytics.grant_writer(regrole) FROM PUBLIC;
DROP FUNCTION crash_analytics.revoke_writer(regrole);
CREATE FUNCTION crash_analytics.revoke_writer(role regrole)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	f regprocedure;
BEGIN
	IF role IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'role must not be null';
	END IF;
	FOR f IN SELECT * FROM crash_analytics.writer_functions() LOOP
		EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM %s', f, role);
	END LOOP;
	IF NOT has_table_privilege(role::oid, 'crash_analytics.crash_game_rounds', 'SELECT') THEN
		EXECUTE format('REVOKE USAGE ON SCHEMA crash_analytics FROM %s', role);
	END IF;
END
$$;
COMMENT ON FUNCTION crash_analytics.revoke_writer(regrole) IS 'Take the writer profile back from a role.';
REVOKE ALL ON FUNCTION crash_analytics.revoke_writer(regrole) FROM PUBLIC;
DROP FUNCTION crash_analytics.grant_reader(regrole);
CREATE FUNCTION crash_analytics.grant_reader(role regrole)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	f regprocedure;
BEGIN
	IF role IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'role must not be null';
	END IF;
	EXECUTE format('GRANT USAGE ON SCHEMA crash_analytics TO %s', role);
	EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA crash_analytics TO %s', role);
	FOR f IN SELECT * FROM crash_analytics.reader_functions() LOOP
		EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %s', f, role);
	END LOOP;
END
$$;
COMMENT ON FUNCTION crash_analytics.grant_reader(regrole) IS
	'Grant the reader profile to a role: SELECT on every table and view, and the analytics functions; no writes.';
REVOKE ALL ON FUNCTION crash_analytics.grant_reader(regrole) FROM PUBLIC;
DROP FUNCTION crash_analytics.revoke_reader(regrole);
CREATE FUNCTION crash_analytics.revoke_reader(role regrole)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	f regprocedure;
BEGIN
	IF role IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'role must not be null';
	END IF;
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
REVOKE ALL ON FUNCTION crash_analytics.revoke_reader(regrole) FROM PUBLIC;

-- (end of section 5)

/* ========================================================================
 * 6. Grants of the profiles
 * ======================================================================== */
-- region: grants kept, given back
-- (see "grants kept, saved" at the top of the script)
SELECT crash_analytics.update_give_back_privileges();
DROP FUNCTION crash_analytics.update_give_back_privileges();
DROP FUNCTION crash_analytics.update_save_privileges();
DROP TABLE crash_analytics.update_privileges;
-- end region: grants kept, given back

-- (end of section 6)
