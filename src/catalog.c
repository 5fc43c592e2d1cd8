/*-------------------------------------------------------------------------
 *
 * catalog.c
 *		Where the extension's objects are: schema, table and index OIDs and
 *		the attribute number and type of every column the C code names.
 *
 * The C code names columns (crash_analytics.h lists them); it never relies
 * on column positions, so the SQL script stays the only definition of the
 * tables and ALTER TABLE in an upgrade script cannot silently shift data
 * into the wrong column.  Looking names up costs catalog probes, so the
 * result is cached for the life of the backend and dropped whenever a
 * relcache invalidation names one of our relations (or all relations):
 * DROP/CREATE EXTENSION, ALTER TABLE and the like.
 *
 * IDENTIFICATION
 *	  src/catalog.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "miscadmin.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "crash_analytics.h"

#define CA_NAME_ENTRY(e, name) name,

static const char *const config_names[] = {CA_CONFIG_COLUMNS(CA_NAME_ENTRY)};
static const char *const bot_names[] = {CA_BOT_COLUMNS(CA_NAME_ENTRY)};
static const char *const session_names[] = {CA_SESSION_COLUMNS(CA_NAME_ENTRY)};
static const char *const round_names[] = {CA_ROUND_COLUMNS(CA_NAME_ENTRY)};
static const char *const multiplier_names[] = {CA_MULTIPLIER_COLUMNS(CA_NAME_ENTRY)};
static const char *const signal_names[] = {CA_SIGNAL_COLUMNS(CA_NAME_ENTRY)};
static const char *const outcome_names[] = {CA_OUTCOME_COLUMNS(CA_NAME_ENTRY)};
static const char *const ocr_names[] = {CA_OCR_COLUMNS(CA_NAME_ENTRY)};
static const char *const error_names[] = {CA_ERROR_COLUMNS(CA_NAME_ENTRY)};
static const char *const bot_rollup_names[] = {CA_BOT_ROLLUP_COLUMNS(CA_NAME_ENTRY)};
static const char *const hourly_names[] = {CA_HOURLY_COLUMNS(CA_NAME_ENTRY)};
static const char *const series_names[] = {CA_SERIES_COLUMNS(CA_NAME_ENTRY)};
static const char *const daily_names[] = {CA_DAILY_COLUMNS(CA_NAME_ENTRY)};

/*
 * since: the extension version that added the table or index.  The library
 * of the newest version also serves databases still at an older one (until
 * ALTER EXTENSION UPDATE), whose schema lacks what came later: such an
 * object is "absent" (relid InvalidOid) and the code that uses it asks
 * ca_table_present() first.  An object of 1.0 that is missing is an error.
 */
typedef struct CaTableDef
{
	const char *relname;
	int			ncols;
	const char *const *colnames;
	bool		optional;		/* added after 1.0: may be absent */
} CaTableDef;

#define TABLE_DEF(rel, names) {rel, lengthof(names), names, false}
#define TABLE_DEF_LATER(rel, names) {rel, lengthof(names), names, true}

static const CaTableDef table_defs[CA_NUM_TABLES] = {
	[CA_CONFIG] = TABLE_DEF("game_platform_config", config_names),
	[CA_BOTS] = TABLE_DEF("bot_vm_registration", bot_names),
	[CA_SESSIONS] = TABLE_DEF("session_logs", session_names),
	[CA_ROUNDS] = TABLE_DEF("crash_game_rounds", round_names),
	[CA_MULTIPLIERS] = TABLE_DEF("analytics_round_multipliers", multiplier_names),
	[CA_SIGNALS] = TABLE_DEF("analytics_round_signals", signal_names),
	[CA_OUTCOMES] = TABLE_DEF("analytics_round_outcomes", outcome_names),
	[CA_OCR] = TABLE_DEF("ocr_validation_logs", ocr_names),
	[CA_ERRORS] = TABLE_DEF("error_logs", error_names),
	[CA_BOT_ROLLUPS] = TABLE_DEF("bot_rollups", bot_rollup_names),
	[CA_HOURLY_ROLLUPS] = TABLE_DEF("bot_hourly_rollups", hourly_names),
	[CA_SERIES_STATE] = TABLE_DEF("bot_series_state", series_names),
	[CA_DAILY_ROLLUPS] = TABLE_DEF_LATER("bot_daily_rollups", daily_names),
};

typedef struct CaIndexDef
{
	const char *relname;
	CaTable		table;
	bool		optional;		/* added after 1.0 (see CaTableDef) */
} CaIndexDef;

static const CaIndexDef index_defs[CA_NUM_INDEXES] = {
	[CA_IDX_CONFIG_KEY] = {"game_platform_config_pkey", CA_CONFIG, false},
	[CA_IDX_BOT_KEY] = {"bot_vm_registration_pkey", CA_BOTS, false},
	[CA_IDX_SESSION_KEY] = {"session_logs_session_key", CA_SESSIONS, false},
	[CA_IDX_ROUND_KEY] = {"crash_game_rounds_round_key", CA_ROUNDS, false},
	[CA_IDX_ROUNDS_PKEY] = {"crash_game_rounds_pkey", CA_ROUNDS, false},
	[CA_IDX_ROUNDS_PLAY] = {"crash_game_rounds_play_idx", CA_ROUNDS, true},
	[CA_IDX_MULTIPLIER_KEY] = {"analytics_round_multipliers_round_key", CA_MULTIPLIERS, false},
	[CA_IDX_MULTIPLIERS_PKEY] = {"analytics_round_multipliers_pkey", CA_MULTIPLIERS, false},
	[CA_IDX_MULTIPLIER_SERIES] = {"analytics_round_multipliers_series_idx", CA_MULTIPLIERS, false},
	[CA_IDX_SIGNALS_PKEY] = {"analytics_round_signals_pkey", CA_SIGNALS, false},
	[CA_IDX_SIGNALS_OPEN] = {"analytics_round_signals_open_idx", CA_SIGNALS, false},
	[CA_IDX_OUTCOME_KEY] = {"analytics_round_outcomes_round_key", CA_OUTCOMES, false},
	[CA_IDX_BOT_ROLLUP_KEY] = {"bot_rollups_pkey", CA_BOT_ROLLUPS, false},
	[CA_IDX_HOURLY_KEY] = {"bot_hourly_rollups_pkey", CA_HOURLY_ROLLUPS, false},
	[CA_IDX_SERIES_KEY] = {"bot_series_state_pkey", CA_SERIES_STATE, false},
	[CA_IDX_DAILY_KEY] = {"bot_daily_rollups_pkey", CA_DAILY_ROLLUPS, true},
};

/* The cache; its arrays live in cache_cxt, reset on every rebuild. */
static bool cache_valid = false;
static MemoryContext cache_cxt = NULL;
static CaTableInfo table_info[CA_NUM_TABLES];
static Oid	index_relids[CA_NUM_INDEXES];

/*
 * Set while build_cache runs: it takes locks, which read invalidations, and
 * one that names a relation already looked up must not be lost (a column
 * added to a table counted before would leave its natts short).
 */
static bool cache_building = false;
static bool build_invalidated = false;

static void
ca_relcache_callback(Datum arg pg_attribute_unused(), Oid relid)
{
	bool		hit = !OidIsValid(relid);
	int			i;

	if (!cache_valid && !cache_building)
		return;
	for (i = 0; i < CA_NUM_TABLES && !hit; i++)
		hit = table_info[i].relid == relid;
	for (i = 0; i < CA_NUM_INDEXES && !hit; i++)
		hit = index_relids[i] == relid;
	if (hit)
	{
		cache_valid = false;
		if (cache_building)
			build_invalidated = true;
	}
}

void
ca_catalog_init(void)
{
	CacheRegisterRelcacheCallback(ca_relcache_callback, (Datum) 0);
}

static void
build_cache(void)
{
	Oid			nsp;
	int			t,
				i;
	MemoryContext oldcxt;

	if (cache_cxt == NULL)
		cache_cxt = AllocSetContextCreate(CacheMemoryContext, "crash_analytics catalog cache",
										  ALLOCSET_SMALL_SIZES);
	else
		MemoryContextReset(cache_cxt);
	oldcxt = MemoryContextSwitchTo(cache_cxt);
	memset(table_info, 0, sizeof(table_info));
	memset(index_relids, 0, sizeof(index_relids));
	cache_building = true;
	build_invalidated = false;

	nsp = get_namespace_oid(CA_SCHEMA_NAME, true);
	if (!OidIsValid(nsp))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"crash_analytics\" is not installed in this database"),
				 errhint("Run CREATE EXTENSION crash_analytics.")));

	for (t = 0; t < CA_NUM_TABLES; t++)
	{
		const CaTableDef *def = &table_defs[t];
		Oid			relid = get_relname_relid(def->relname, nsp);
		AttrNumber *attnums = palloc(sizeof(AttrNumber) * def->ncols);
		Oid		   *typids;
		int16	   *lens;
		bool	   *byvals;
		int			natts;

		if (!OidIsValid(relid) && def->optional)
		{
			/* a database not yet updated to the version that adds it */
			table_info[t].relid = InvalidOid;
			continue;
		}
		if (!OidIsValid(relid))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("table \"%s.%s\" is missing", CA_SCHEMA_NAME, def->relname),
					 errhint("Reinstall the extension crash_analytics.")));
		for (i = 0; i < def->ncols; i++)
		{
			attnums[i] = get_attnum(relid, def->colnames[i]);
			if (attnums[i] == InvalidAttrNumber)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("column \"%s\" of table \"%s.%s\" is missing",
								def->colnames[i], CA_SCHEMA_NAME, def->relname),
						 errhint("Reinstall the extension crash_analytics.")));
		}
		table_info[t].relid = relid;
		{
			Relation	rel = relation_open(relid, AccessShareLock);
			TupleDesc	desc = RelationGetDescr(rel);

			natts = desc->natts;
			typids = palloc0(sizeof(Oid) * natts);
			lens = palloc0(sizeof(int16) * natts);
			byvals = palloc0(sizeof(bool) * natts);
			for (i = 0; i < natts; i++)
			{
				typids[i] = TupleDescAttr(desc, i)->atttypid;	/* InvalidOid if dropped */
				lens[i] = TupleDescAttr(desc, i)->attlen;
				byvals[i] = TupleDescAttr(desc, i)->attbyval;
			}
			relation_close(rel, AccessShareLock);
		}
		table_info[t].natts = natts;
		table_info[t].atttypids = typids;
		table_info[t].attlens = lens;
		table_info[t].attbyvals = byvals;
		table_info[t].updated_at = get_attnum(relid, "updated_at");
		table_info[t].ncols = def->ncols;
		table_info[t].attnums = attnums;
	}
	for (i = 0; i < CA_NUM_INDEXES; i++)
	{
		index_relids[i] = get_relname_relid(index_defs[i].relname, nsp);
		if (!OidIsValid(index_relids[i]) && index_defs[i].optional)
			continue;			/* a database not yet updated (see CaTableDef) */
		if (!OidIsValid(index_relids[i]))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("index \"%s.%s\" is missing", CA_SCHEMA_NAME, index_defs[i].relname),
					 errhint("Reinstall the extension crash_analytics.")));
	}
	MemoryContextSwitchTo(oldcxt);
	cache_building = false;
	/* valid unless an invalidation read during the build said otherwise */
	cache_valid = !build_invalidated;
}

static inline void
ensure_cache(void)
{
	if (!cache_valid)
		build_cache();
}

const CaTableInfo *
ca_table(CaTable t)
{
	ensure_cache();
	return &table_info[t];
}

/* Whether the database's version of the extension has table t. */
bool
ca_table_present(CaTable t)
{
	ensure_cache();
	return OidIsValid(table_info[t].relid);
}

/* Whether the database's version of the extension has index idx. */
bool
ca_index_present(CaIndex idx)
{
	ensure_cache();
	return OidIsValid(index_relids[idx]);
}

Oid
ca_index_relid(CaIndex idx)
{
	ensure_cache();
	return index_relids[idx];
}

CaTable
ca_index_table(CaIndex idx)
{
	return index_defs[idx].table;
}

const char *
ca_table_name(CaTable t)
{
	return table_defs[t].relname;
}

const char *
ca_column_name(CaTable t, int col)
{
	Assert(col >= 0 && col < table_defs[t].ncols);
	return table_defs[t].colnames[col];
}

/* Column index of a column name in a table's C list, or -1. */
int
ca_column_by_name(CaTable t, const char *name)
{
	int			i;

	for (i = 0; i < table_defs[t].ncols; i++)
		if (strcmp(table_defs[t].colnames[i], name) == 0)
			return i;
	return -1;
}
