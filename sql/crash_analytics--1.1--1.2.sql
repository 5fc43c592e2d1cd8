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

-- (end of section 1)

/* ========================================================================
 * 2. Indexes
 * ======================================================================== */

-- (end of section 2)

/* ========================================================================
 * 3. Constraints
 * ======================================================================== */

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
-- region: grants kept, given back
-- (see "grants kept, saved" at the top of the script)
SELECT crash_analytics.update_give_back_privileges();
DROP FUNCTION crash_analytics.update_give_back_privileges();
DROP FUNCTION crash_analytics.update_save_privileges();
DROP TABLE crash_analytics.update_privileges;
-- end region: grants kept, given back

-- (end of section 6)
