-- test/reliability/catalog.sql: the catalog of the extension crash_analytics
-- in the current database, one fact per line ("kind | object | fact"),
-- everything by name, nothing by oid, sorted: two databases whose outputs
-- are equal have the same extension objects.  Used by the upgrade suite
-- (1.0 + ALTER EXTENSION UPDATE against a fresh 1.1), the backup suite and
-- pg_upgrade.sh.
--
-- Covers: the extension (version, schema, config-dump list by name with its
-- conditions), its member objects, the schema (owner, ACL), tables and
-- materialized views (kind, persistence, options, row security, owner,
-- ACL), columns (number, name, type, not-null, identity, generated,
-- default, collation, ACL), constraints and indexes (definitions),
-- sequences (parameters and owning column), views (definitions), functions
-- (signature, result, arguments with defaults, kind, language, volatility,
-- strictness, security definer, leakproof, parallel safety, cost, rows,
-- proconfig, source, owner, ACL), triggers (definitions, enabled), policies,
-- comments, initial privileges (pg_init_privs) and every other object that
-- lives in the schema.  ACLs are compared by meaning: a NULL ACL is shown as
-- the default it stands for, and an initial-privileges entry equal to the
-- default is left out (pg_upgrade does not recreate those; PostgreSQL reads
-- a missing entry as the default).
\pset format unaligned
\pset tuples_only on
\pset fieldsep ' | '
WITH ext AS (
	SELECT e.oid, e.extname, e.extversion, e.extrelocatable, e.extnamespace, e.extconfig, e.extcondition
	  FROM pg_extension e WHERE e.extname = 'crash_analytics'
), nsp AS (
	SELECT n.oid FROM pg_namespace n WHERE n.nspname = 'crash_analytics'
), rels AS (
	SELECT c.* FROM pg_class c WHERE c.relnamespace = (SELECT oid FROM nsp)
), procs AS (
	SELECT p.* FROM pg_proc p WHERE p.pronamespace = (SELECT oid FROM nsp)
)
SELECT kind, obj, regexp_replace(fact, '\s+', ' ', 'g') AS fact FROM (
	SELECT 'extension' AS kind, extname::text AS obj,
		   format('schema %s, relocatable %s', extnamespace::regnamespace, extrelocatable) AS fact FROM ext
	UNION ALL
	SELECT 'extension config dump', u.c::regclass::text, coalesce(nullif(u.cond, ''), '(all rows)')
	  FROM ext, unnest(ext.extconfig, ext.extcondition) AS u(c, cond)
	UNION ALL
	SELECT 'extension member', pg_describe_object(d.classid, d.objid, d.objsubid), ''
	  FROM pg_depend d, ext WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
	UNION ALL
	SELECT 'schema', n.nspname, format('owner %s, acl %s', n.nspowner::regrole, coalesce(n.nspacl, acldefault('n', n.nspowner)))
	  FROM pg_namespace n WHERE n.oid = (SELECT oid FROM nsp)
	UNION ALL
	-- anything at all that lives in the schema
	SELECT 'object in schema', pg_describe_object(d.classid, d.objid, d.objsubid), d.deptype::text
	  FROM pg_depend d WHERE d.refclassid = 'pg_namespace'::regclass AND d.refobjid = (SELECT oid FROM nsp)
	UNION ALL
	SELECT 'relation', c.relname,
		   format('kind %s, persistence %s, options %s, rls %s/%s, owner %s, acl %s, replident %s, ispartition %s',
				  c.relkind, c.relpersistence, c.reloptions, c.relrowsecurity, c.relforcerowsecurity,
				  c.relowner::regrole, coalesce(c.relacl, acldefault((CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END)::"char", c.relowner)),
				  c.relreplident, c.relispartition)
	  FROM rels c
	UNION ALL
	SELECT 'column', c.relname || '.' || a.attname,
		   format('#%s %s, not null %s, identity "%s", generated "%s", default %s, collation %s, acl %s, storage %s, compression "%s"',
				  a.attnum, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity, a.attgenerated,
				  pg_get_expr(ad.adbin, ad.adrelid), (SELECT co.collname FROM pg_collation co WHERE co.oid = a.attcollation),
				  a.attacl, a.attstorage, a.attcompression)
	  FROM rels c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
	  LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
	 WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')
	UNION ALL
	SELECT 'constraint', c.relname || '.' || k.conname,
		   format('%s %s deferrable %s deferred %s validated %s', k.contype, pg_get_constraintdef(k.oid),
				  k.condeferrable, k.condeferred, k.convalidated)
	  FROM rels c JOIN pg_constraint k ON k.conrelid = c.oid
	UNION ALL
	SELECT 'index', i.indexrelid::regclass::text,
		   format('%s; primary %s, unique %s, valid %s, clustered %s, replident %s', pg_get_indexdef(i.indexrelid),
				  i.indisprimary, i.indisunique, i.indisvalid, i.indisclustered, i.indisreplident)
	  FROM rels c JOIN pg_index i ON i.indrelid = c.oid
	UNION ALL
	SELECT 'sequence', c.relname,
		   format('%s start %s increment %s min %s max %s cache %s cycle %s, owned by %s',
				  s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
				  (SELECT d.refobjid::regclass || '.' || a.attname || ' (' || d.deptype::text || ')'
					 FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
					WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
					  AND d.deptype IN ('a', 'i')))
	  FROM rels c JOIN pg_sequence s ON s.seqrelid = c.oid
	UNION ALL
	SELECT 'view', c.relname, pg_get_viewdef(c.oid) FROM rels c WHERE c.relkind IN ('v', 'm')
	UNION ALL
	SELECT 'function', p.oid::regprocedure::text,
		   format('returns %s; args %s; kind %s, language %s, volatility %s, strict %s, security definer %s, leakproof %s, parallel %s, cost %s, rows %s, config %s, owner %s, acl %s, bin %s, src md5 %s',
				  pg_get_function_result(p.oid), pg_get_function_arguments(p.oid), p.prokind,
				  (SELECT l.lanname FROM pg_language l WHERE l.oid = p.prolang), p.provolatile, p.proisstrict,
				  p.prosecdef, p.proleakproof, p.proparallel, p.procost, p.prorows, p.proconfig,
				  p.proowner::regrole, coalesce(p.proacl, acldefault('f', p.proowner)), p.probin, md5(p.prosrc))
	  FROM procs p
	UNION ALL
	SELECT 'trigger', c.relname || '.' || t.tgname, format('%s; enabled %s', pg_get_triggerdef(t.oid), t.tgenabled)
	  FROM rels c JOIN pg_trigger t ON t.tgrelid = c.oid AND NOT t.tgisinternal
	UNION ALL
	SELECT 'policy', c.relname || '.' || pol.polname,
		   format('cmd %s permissive %s roles %s using %s check %s', pol.polcmd, pol.polpermissive,
				  (SELECT array_agg(r::regrole::text ORDER BY r::regrole::text) FROM unnest(pol.polroles) r),
				  pg_get_expr(pol.polqual, pol.polrelid), pg_get_expr(pol.polwithcheck, pol.polrelid))
	  FROM rels c JOIN pg_policy pol ON pol.polrelid = c.oid
	UNION ALL
	SELECT 'rule', c.relname || '.' || r.rulename, pg_get_ruledef(r.oid)
	  FROM rels c JOIN pg_rewrite r ON r.ev_class = c.oid AND r.rulename <> '_RETURN'
	UNION ALL
	SELECT 'comment', pg_describe_object(d.classoid, d.objoid, d.objsubid), md5(d.description)
	  FROM pg_description d
	 WHERE (d.classoid = 'pg_class'::regclass AND d.objoid IN (SELECT oid FROM rels))
		OR (d.classoid = 'pg_proc'::regclass AND d.objoid IN (SELECT oid FROM procs))
		OR (d.classoid = 'pg_namespace'::regclass AND d.objoid = (SELECT oid FROM nsp))
		OR (d.classoid = 'pg_trigger'::regclass AND d.objoid IN (SELECT t.oid FROM pg_trigger t JOIN rels c ON c.oid = t.tgrelid))
		OR (d.classoid = 'pg_constraint'::regclass AND d.objoid IN (SELECT k.oid FROM pg_constraint k JOIN rels c ON c.oid = k.conrelid))
	UNION ALL
	SELECT 'initial privileges', pg_describe_object(ip.classoid, ip.objoid, ip.objsubid),
		   format('%s %s', ip.privtype, ip.initprivs)
	  FROM pg_init_privs ip
	  LEFT JOIN rels c ON ip.classoid = 'pg_class'::regclass AND c.oid = ip.objoid AND ip.objsubid = 0
	  LEFT JOIN procs p ON ip.classoid = 'pg_proc'::regclass AND p.oid = ip.objoid
	  LEFT JOIN pg_namespace n ON ip.classoid = 'pg_namespace'::regclass AND n.oid = ip.objoid
	 WHERE ((ip.classoid = 'pg_class'::regclass AND ip.objoid IN (SELECT oid FROM rels))
			OR (ip.classoid = 'pg_proc'::regclass AND ip.objoid IN (SELECT oid FROM procs))
			OR (ip.classoid = 'pg_namespace'::regclass AND ip.objoid = (SELECT oid FROM nsp)))
	   -- initial privileges equal to the default ones mean what no entry means
	   AND ip.initprivs IS DISTINCT FROM CASE
			WHEN c.oid IS NOT NULL THEN acldefault((CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END)::"char", c.relowner)
			WHEN p.oid IS NOT NULL THEN acldefault('f', p.proowner)
			WHEN n.oid IS NOT NULL THEN acldefault('n', n.nspowner) END
) facts
ORDER BY kind COLLATE "C", obj COLLATE "C", fact COLLATE "C";
