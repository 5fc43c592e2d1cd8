/*-------------------------------------------------------------------------
 *
 * triggers.c
 *		Small triggers: updated_at, and the immutability of rounds.
 *
 * Rounds are the source every analytics row and roll-up is derived from;
 * changing one in place would leave those wrong.  So a round can gain
 * metadata and tags, nothing else, and cannot be deleted row by row except by purge_rounds_before(),
 * which rebuilds what the deleted rounds derived.
 *
 * IDENTIFICATION
 *	  src/triggers.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/datum.h"
#include "utils/rel.h"

#include "crash_analytics.h"

PG_FUNCTION_INFO_V1(ca_set_updated_at);
PG_FUNCTION_INFO_V1(ca_rounds_guard_trigger);

static TriggerData *
check_trigger(FunctionCallInfo fcinfo, const char *name)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s() must be called as a trigger", name)));
	if (!TRIGGER_FIRED_BEFORE(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s() must be a BEFORE ... FOR EACH ROW trigger", name)));
	return td;
}

/* BEFORE UPDATE: updated_at := now(), the value ca_update() gives too */
Datum
ca_set_updated_at(PG_FUNCTION_ARGS)
{
	TriggerData *td = check_trigger(fcinfo, "set_updated_at");
	Relation	rel = td->tg_relation;
	int			attnum;
	Datum		value = TimestampTzGetDatum(ca_now());
	bool		isnull = false;

	if (!TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("set_updated_at() must be an UPDATE trigger")));
	attnum = SPI_fnumber(RelationGetDescr(rel), "updated_at");
	return PointerGetDatum(heap_modify_tuple_by_cols(td->tg_newtuple, RelationGetDescr(rel),
													 1, &attnum, &value, &isnull));
}

/* BEFORE UPDATE OR DELETE on crash_game_rounds */
Datum
ca_rounds_guard_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = check_trigger(fcinfo, "crash_game_rounds_guard");
	Relation	rel = td->tg_relation;
	TupleDesc	desc = RelationGetDescr(rel);
	const CaTableInfo *info = ca_table(CA_ROUNDS);
	int			i;

	if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
	{
		if (ca_allow_round_deletes)
			return PointerGetDatum(td->tg_trigtuple);
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("rounds cannot be deleted one by one"),
				 errdetail("Analytics rows, session figures and roll-ups are derived from crash_game_rounds."),
				 errhint("Remove old rounds with crash_analytics.purge_rounds_before(), which rebuilds what they derived.")));
	}

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		bool		oldnull,
					newnull;
		Datum		oldv,
					newv;

		if (att->attisdropped ||
			att->attnum == info->attnums[RC_METADATA] ||
			att->attnum == info->attnums[RC_TAGS] ||
			att->attnum == info->attnums[RC_UPDATED_AT])
			continue;
		oldv = heap_getattr(td->tg_trigtuple, att->attnum, desc, &oldnull);
		newv = heap_getattr(td->tg_newtuple, att->attnum, desc, &newnull);
		if (oldnull != newnull ||
			(!oldnull && !datum_image_eq(oldv, newv, att->attbyval, att->attlen)))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("column \"%s\" of a logged round cannot be changed", NameStr(att->attname)),
					 errdetail("Analytics rows, session figures and roll-ups are derived from crash_game_rounds; only metadata and tags may change.")));
	}
	{
		int			attnum = info->attnums[RC_UPDATED_AT];
		Datum		value = TimestampTzGetDatum(ca_now());
		bool		isnull = false;

		return PointerGetDatum(heap_modify_tuple_by_cols(td->tg_newtuple, desc, 1, &attnum,
														 &value, &isnull));
	}
}
