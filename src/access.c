/*-------------------------------------------------------------------------
 *
 * access.c
 *		Per-bot writer roles (version 1.1).
 *
 * The writer profile (grant_writer) lets a role run the logging functions
 * for any bot.  An operator who gives each bot VM its own login role can
 * narrow that: once a role appears in crash_analytics.bot_writers, it may
 * log only for the bots listed with it (grant_bot_writer).  Roles that do
 * not appear keep the profile's reach; superusers are never restricted.
 * The check uses the current user (SET ROLE counts), exactly, not role
 * membership, so that granting a group does not silently restrict or free
 * its members.
 *
 * The table is read directly (writers hold no privilege on it) and cached
 * per backend; its statement trigger sends a relcache invalidation, which
 * every backend receives at its next lock.  A database still at version 1.0
 * has no such table: nobody is restricted.
 *
 * IDENTIFICATION
 *	  src/access.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "commands/trigger.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "crash_analytics.h"

PG_FUNCTION_INFO_V1(ca_invalidate_trigger);

typedef struct WriterKey
{
	Oid			role;
	char		bot[CA_MAX_ID_LEN * 4 + 1];
} WriterKey;

static bool writers_loaded = false;
static Oid	writers_relid = InvalidOid;
static MemoryContext writers_cxt = NULL;
static HTAB *writers = NULL;	/* (role, bot) pairs granted */
static HTAB *restricted = NULL; /* roles that appear at all */

/* an invalidation callback: no catalog access here */
static void
writers_relcache_callback(Datum arg pg_attribute_unused(), Oid relid)
{
	if (writers_loaded && (!OidIsValid(relid) || relid == writers_relid))
		writers_loaded = false;
}

static void
load_writers(void)
{
	Oid			nsp = get_namespace_oid(CA_SCHEMA_NAME, true);
	HASHCTL		ctl;
	Relation	rel;
	TableScanDesc scan;
	TupleTableSlot *slot;
	Snapshot	snap;
	AttrNumber	bot_att,
				role_att;

	if (writers_cxt == NULL)
	{
		writers_cxt = AllocSetContextCreate(CacheMemoryContext, "crash_analytics bot writers",
											ALLOCSET_SMALL_SIZES);
		CacheRegisterRelcacheCallback(writers_relcache_callback, (Datum) 0);
	}
	MemoryContextReset(writers_cxt);
	writers = restricted = NULL;
	writers_relid = OidIsValid(nsp) ? get_relname_relid("bot_writers", nsp) : InvalidOid;
	writers_loaded = true;
	if (!OidIsValid(writers_relid))
		return;					/* version 1.0: nobody is restricted */

	ctl.hcxt = writers_cxt;
	ctl.keysize = sizeof(WriterKey);
	ctl.entrysize = sizeof(WriterKey);
	writers = hash_create("crash_analytics bot writers", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(Oid);
	restricted = hash_create("crash_analytics restricted writers", 16, &ctl,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	rel = table_open(writers_relid, AccessShareLock);
	bot_att = get_attnum(writers_relid, "bot_id");
	role_att = get_attnum(writers_relid, "role");
	snap = RegisterSnapshot(GetLatestSnapshot());
	scan = table_beginscan(rel, snap, 0, NULL);
	slot = table_slot_create(rel, NULL);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		Datum		bot = slot_getattr(slot, bot_att, &isnull);
		Oid			role = DatumGetObjectId(slot_getattr(slot, role_att, &isnull));
		WriterKey	key;

		memset(&key, 0, sizeof(key));
		key.role = role;
		strlcpy(key.bot, TextDatumGetCString(bot), sizeof(key.bot));
		(void) hash_search(writers, &key, HASH_ENTER, NULL);
		(void) hash_search(restricted, &role, HASH_ENTER, NULL);
	}
	ExecDropSingleTupleTableSlot(slot);
	table_endscan(scan);
	UnregisterSnapshot(snap);
	table_close(rel, AccessShareLock);
}

/*
 * Refuse a role restricted to other bots.  Call with the bot of every row a
 * logging function is about to write.
 */
void
ca_check_bot_writer(text *bot_id)
{
	Oid			role = GetUserId();
	WriterKey	key;
	bool		found;

	if (!writers_loaded)
		load_writers();
	if (restricted == NULL)
		return;
	(void) hash_search(restricted, &role, HASH_FIND, &found);
	if (!found || superuser_arg(role))
		return;
	memset(&key, 0, sizeof(key));
	key.role = role;
	text_to_cstring_buffer(bot_id, key.bot, sizeof(key.bot));
	(void) hash_search(writers, &key, HASH_FIND, &found);
	if (!found)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("role \"%s\" may not log for bot \"%s\"",
						GetUserNameFromId(role, false), text_to_cstring(bot_id)),
				 errdetail("The role is restricted to the bots granted to it in crash_analytics.bot_writers."),
				 errhint("An operator can grant it: SELECT crash_analytics.grant_bot_writer('%s', '%s');",
						 GetUserNameFromId(role, false), text_to_cstring(bot_id))));
}

/*
 * AFTER ... FOR EACH STATEMENT trigger: every backend drops what it cached
 * of the table (per-bot writers, game configurations).
 */
Datum
ca_invalidate_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("this function must be called as a trigger")));
	CacheInvalidateRelcacheByRelid(RelationGetRelid(td->tg_relation));
	return PointerGetDatum(NULL);
}
