/*-------------------------------------------------------------------------
 *
 * crash_analytics.c
 *		Module entry: PG_MODULE_MAGIC, _PG_init, and helpers every module
 *		shares.  The map of the modules is in crash_analytics.h.
 *
 * IDENTIFICATION
 *	  src/crash_analytics.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "crash_analytics.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * Rounds cannot be deleted one by one (their derived rows would go stale);
 * purge_rounds_before() sets this for its own transaction, deletes, and
 * rebuilds what the rounds derived.
 */
bool		ca_allow_round_deletes = false;

void
_PG_init(void)
{
	DefineCustomBoolVariable("crash_analytics.allow_round_deletes",
							 "Lets DELETE remove rows of crash_analytics.crash_game_rounds.",
							 "Set by purge_rounds_before() for its own transaction; roll-ups must be rebuilt after deleting rounds.",
							 &ca_allow_round_deletes, false, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	MarkGUCPrefixReserved("crash_analytics");
	ca_catalog_init();
	ca_writer_init();
	ca_ingest_init();
}

/*
 * "Now" for every timestamp the extension writes: the transaction's start,
 * what now() and the tables' DEFAULT now() give, so a round, its derived rows
 * and a plain INSERT of the same round agree to the microsecond.
 */
TimestampTz
ca_now(void)
{
	return GetCurrentTransactionStartTimestamp();
}

/* A text argument, detoasted, or NULL. */
text *
ca_arg_text(FunctionCallInfo fcinfo, int argno)
{
	if (PG_ARGISNULL(argno))
		return NULL;
	return PG_GETARG_TEXT_PP(argno);
}

/* Refuse a NULL required argument, naming it. */
void
ca_require(FunctionCallInfo fcinfo, int argno, const char *field)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", field)));
}
