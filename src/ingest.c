/*-------------------------------------------------------------------------
 *
 * ingest.c
 *		The one funnel every logged round goes through, and the SQL entry
 *		points that feed it: log_crash_round(), log_crash_rounds(),
 *		log_round_outcome() and the BEFORE INSERT trigger that gives plain
 *		INSERT and COPY the same treatment.
 *
 * ca_ingest_round() does, in this order:
 *	1. checks that need nothing but the round (derive.c);
 *	2. the bot's lock; from here on no other writer of this bot runs;
 *	3. idempotency: a round with the same (bot, session, round, slot)
 *	   already logged returns its id when what the retry sent agrees, and
 *	   fails naming the fields that differ, with the values sent (never
 *	   the stored ones: an unrestricted writer may be retrying another
 *	   bot's round, and a writer must not read other bots' rows);
 *	4. the game/platform's configuration, and the checks and derivations
 *	   that need it;
 *	5. the bot's registration (created on its first round);
 *	6. the session (started by the first round if the bot did not), whose
 *	   last balance fills balances the bot did not send;
 *	7. the row itself, then the fan-out (fanout.c);
 *	8. CommandCounterIncrement, so that the next round of the same
 *	   statement (a SELECT calling us per row) can update what this one
 *	   wrote; batches and INSERT/COPY use a deferred writer instead, which
 *	   writes each roll-up once per statement (writer.c).
 * Any error aborts the statement, so a failed call leaves nothing written;
 * a batch is one statement, so it is all or nothing.
 *
 * IDENTIFICATION
 *	  src/ingest.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include "crash_analytics.h"

PG_FUNCTION_INFO_V1(ca_log_crash_round);
PG_FUNCTION_INFO_V1(ca_log_crash_rounds);
PG_FUNCTION_INFO_V1(ca_log_round_outcome);
PG_FUNCTION_INFO_V1(ca_rounds_ingest_trigger);
PG_FUNCTION_INFO_V1(ca_rounds_flush_trigger);
PG_FUNCTION_INFO_V1(ca_config_changed_trigger);

/*
 * Two per-backend caches spare every round a lookup: the game/platform
 * configurations and the bot registrations it used.  Both tables change
 * rarely, and every change sends a relcache invalidation of its table (the
 * table's statement trigger for SQL, the C code for its own writes: see
 * register_game_platform and writer.c).  Invalidations are read at the
 * start of every transaction and at each new lock, so a change committed
 * before a transaction starts is always seen.  An aborted change is undone
 * the same way, as PostgreSQL replays the invalidations of an aborted
 * transaction locally; rows this transaction wrote itself are never cached,
 * since they may yet roll back.
 *
 * An invalidation can arrive in the middle of a call (opening a relation
 * reads them) while the call still uses what the cache gave it, so the
 * callback only marks the cache stale; the next lookup retires it, by
 * making its memory a child of the transaction's, freed when the
 * transaction ends.
 */
typedef struct RowCache
{
	const char *name;
	CaTable		table;			/* whose invalidations make it stale */
	Size		keysize;		/* a C string at the start of the entry */
	Size		entrysize;
	HTAB	   *hash;			/* NULL: empty */
	MemoryContext cxt;
	Oid			relid;			/* of table when filled */
	bool		stale;
} RowCache;

typedef struct GameCacheEntry
{
	char		key[2 * CA_MAX_NAME_LEN * 4 + 2];	/* game '/' platform */
	CaGame		game;
} GameCacheEntry;

typedef struct BotCacheEntry
{
	char		key[CA_MAX_ID_LEN * 4 + 1];	/* bot_id */
	CaRow	   *row;
} BotCacheEntry;

static RowCache game_cache = {.name = "crash_analytics game cache", .table = CA_CONFIG,
	.keysize = sizeof(((GameCacheEntry *) 0)->key), .entrysize = sizeof(GameCacheEntry)};
static RowCache bot_cache = {.name = "crash_analytics bot cache", .table = CA_BOTS,
	.keysize = sizeof(((BotCacheEntry *) 0)->key), .entrysize = sizeof(BotCacheEntry)};

/* an invalidation callback: no catalog access here, and nothing freed */
static void
row_cache_callback(Datum arg, Oid relid)
{
	RowCache   *c = (RowCache *) DatumGetPointer(arg);

	if (c->hash != NULL && (!OidIsValid(relid) || relid == c->relid))
		c->stale = true;
}

/* The cache's hash table, empty if it was stale; in a transaction. */
static HTAB *
row_cache_open(RowCache *c)
{
	HASHCTL		ctl;

	if (c->hash != NULL && !c->stale)
		return c->hash;
	if (c->cxt == NULL)
		CacheRegisterRelcacheCallback(row_cache_callback, PointerGetDatum(c));
	else
		MemoryContextSetParent(c->cxt, TopTransactionContext);	/* retire */
	/* c->name is a constant string: the check of the macro cannot see it */
	c->cxt = AllocSetContextCreateInternal(CacheMemoryContext, c->name, ALLOCSET_SMALL_SIZES);
	ctl.keysize = c->keysize;
	ctl.entrysize = c->entrysize;
	ctl.hcxt = c->cxt;
	c->hash = hash_create(c->name, 16, &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	c->relid = ca_table(c->table)->relid;
	c->stale = false;
	return c->hash;
}

/* CREATE TRIGGER ... AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ... FOR EACH STATEMENT */
Datum
ca_config_changed_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("game_platform_config_changed() must be called as a trigger")));
	CacheInvalidateRelcacheByRelid(RelationGetRelid(td->tg_relation));
	return PointerGetDatum(NULL);
}

static CaGame *
game_from_row(CaRow *row)
{
	CaGame	   *g = palloc(sizeof(CaGame));

	g->game_name = DatumGetTextPP(datumCopy(ca_row_get(row, GC_GAME, NULL), false, -1));
	g->platform_code = DatumGetTextPP(datumCopy(ca_row_get(row, GC_PLATFORM, NULL), false, -1));
	g->rtp = DatumGetNumeric(datumCopy(ca_row_get(row, GC_RTP, NULL), false, -1));
	g->currency = DatumGetTextPP(datumCopy(ca_row_get(row, GC_CURRENCY, NULL), false, -1));
	g->decimals = DatumGetInt16(ca_row_get(row, GC_DECIMALS, NULL));
	g->minor_unit = ca_num(psprintf("1e-%d", g->decimals));
	g->min_bet = DatumGetNumeric(datumCopy(ca_row_get(row, GC_MIN_BET, NULL), false, -1));
	g->max_bet = DatumGetNumeric(datumCopy(ca_row_get(row, GC_MAX_BET, NULL), false, -1));
	g->max_multiplier = DatumGetNumeric(datumCopy(ca_row_get(row, GC_MAX_MULT, NULL), false, -1));
	g->active = DatumGetBool(ca_row_get(row, GC_ACTIVE, NULL));
	return g;
}

/* Load a game/platform's configuration; refuse unknown (and, to ingest, inactive) ones. */
CaGame *
ca_load_game(CaWriter *w, text *game_name, text *platform_code, bool for_ingest)
{
	Datum		keys[2];
	CaRow	   *row;
	CaGame	   *g;
	char	   *game = text_to_cstring(game_name);
	char	   *platform = text_to_cstring(platform_code);
	GameCacheEntry *e = NULL;
	HTAB	   *cache = NULL;
	char		key[sizeof(((GameCacheEntry *) 0)->key)];
	bool		found;

	if (strlen(game) + strlen(platform) + 2 <= sizeof(key))
	{
		snprintf(key, sizeof(key), "%s/%s", game, platform);
		cache = row_cache_open(&game_cache);
		e = hash_search(cache, key, HASH_FIND, &found);
	}

	if (e != NULL)
		g = &e->game;
	else
	{
		keys[0] = PointerGetDatum(game_name);
		keys[1] = PointerGetDatum(platform_code);
		row = ca_fetch(w, CA_IDX_CONFIG_KEY, keys);
		if (row == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("unknown game/platform \"%s/%s\"", game, platform),
					 errdetail("crash_analytics.game_platform_config has no row with game_name \"%s\" and platform_code \"%s\".",
							   game, platform),
					 errhint("Register it first: SELECT crash_analytics.register_game_platform('%s', '%s', rtp => 0.97);",
							 game, platform)));
		g = game_from_row(row);
		/* the fetch may have read an invalidation: the cache must be current */
		if (cache != NULL && !TransactionIdIsCurrentTransactionId(row->xmin))
		{
			MemoryContext old;

			cache = row_cache_open(&game_cache);
			old = MemoryContextSwitchTo(game_cache.cxt);
			e = hash_search(cache, key, HASH_ENTER, &found);
			e->game = *game_from_row(row);
			MemoryContextSwitchTo(old);
		}
	}
	if (for_ingest && !g->active)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("game/platform \"%s/%s\" is not active", game, platform),
				 errdetail("The row of crash_analytics.game_platform_config with game_name \"%s\" and platform_code \"%s\" has is_active = false; its rounds are refused.",
						   game, platform),
				 errhint("Reactivate it with crash_analytics.register_game_platform('%s', '%s', NULL, is_active => true).",
						 game, platform)));
	return g;
}

/*
 * The bot's registration row; a bot that logs before registering is
 * registered by its first round, with the table's defaults.  Caller holds
 * the bot's lock.  The row is read-only for the caller: it may come from
 * the bot cache.  (A deferred writer holds the bots of its statement
 * itself.)
 */
CaRow *
ca_ensure_bot(CaWriter *w, text *bot_id)
{
	Datum		key = PointerGetDatum(bot_id);
	char		ckey[sizeof(((BotCacheEntry *) 0)->key)];
	bool		cacheable = !ca_writer_is_deferred(w) && VARSIZE_ANY_EXHDR(bot_id) < sizeof(ckey);
	BotCacheEntry *e;
	CaRow	   *bot;
	bool		found;

	if (cacheable)
	{
		text_to_cstring_buffer(bot_id, ckey, sizeof(ckey));
		e = hash_search(row_cache_open(&bot_cache), ckey, HASH_FIND, &found);
		if (e != NULL)
			return e->row;
	}
	bot = ca_fetch(w, CA_IDX_BOT_KEY, &key);
	if (bot == NULL)
	{
		bot = ca_row_new(CA_BOTS);
		ca_row_set(bot, BT_BOT_ID, key);
		ca_row_set(bot, BT_VIA, CStringGetTextDatum("auto"));
		ca_insert(w, bot);
	}
	else if (cacheable && !TransactionIdIsCurrentTransactionId(bot->xmin))
	{
		HTAB	   *cache = row_cache_open(&bot_cache);
		MemoryContext old = MemoryContextSwitchTo(bot_cache.cxt);

		e = hash_search(cache, ckey, HASH_ENTER, &found);
		e->row = ca_row_copy_deep(bot);
		MemoryContextSwitchTo(old);
	}
	return bot;
}

static char *
datum_display(Datum d, bool isnull, Oid typid)
{
	Oid			typout;
	bool		varlena;

	if (isnull)
		return "NULL";
	getTypeOutputInfo(typid, &typout, &varlena);
	return OidOutputFunctionCall(typout, d);
}

/*
 * A retry of a logged round: every field it sent must equal what is stored
 * (numerically for numbers: 2.5 equals 2.50).  Fields it did not send are
 * not compared, since they were derived, possibly from state that has moved
 * on since (the session's balance).
 *
 * The error names the fields that differ and the values sent, never the
 * values stored: a writer that may log for any bot could otherwise read
 * another bot's rounds by "retrying" them with wrong content.
 */
static void
compare_with_logged(CaRound *r, CaRow *logged)
{
	StringInfoData diffs;
	int			ndiff = 0;
	int			i;

	initStringInfo(&diffs);
	for (i = 0; i < ca_round_input_count; i++)
	{
		int			col = ca_round_input_columns[i];
		Oid			typid = ca_row_coltype(r->row, col);
		bool		sent_null,
					logged_null;
		Datum		sent,
					stored;
		bool		equal;

		if (!r->sent[col])
			continue;
		sent = ca_row_get(r->row, col, &sent_null);
		stored = ca_row_get(logged, col, &logged_null);
		if (sent_null || logged_null)
			equal = sent_null == logged_null;
		else
		{
			TypeCacheEntry *tc = lookup_type_cache(typid, TYPECACHE_EQ_OPR_FINFO);

			if (!OidIsValid(tc->eq_opr_finfo.fn_oid))
				elog(ERROR, "no equality function for type %u", typid);
			equal = DatumGetBool(FunctionCall2Coll(&tc->eq_opr_finfo, C_COLLATION_OID,
												   sent, stored));
		}
		if (!equal)
		{
			appendStringInfo(&diffs, "%s%s (sent %s)", ndiff ? ", " : "",
							 ca_column_name(CA_ROUNDS, col),
							 datum_display(sent, sent_null, typid));
			ndiff++;
		}
	}
	if (ndiff > 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("round " INT64_FORMAT " of session \"%s\" (bet slot %d) of bot \"%s\" was already logged with different content",
						DatumGetInt64(ca_row_get(logged, RC_ROUND_NUMBER, NULL)),
						TextDatumGetCString(ca_row_get(logged, RC_SESSION_ID, NULL)),
						DatumGetInt32(ca_row_get(logged, RC_BET_SLOT, NULL)),
						TextDatumGetCString(ca_row_get(logged, RC_BOT_ID, NULL))),
				 errdetail("Fields that differ from the logged round: %s.", diffs.data),
				 errhint("A retry must send the same values; a new bet needs its own round_number or bet_slot.")));
}

static const char *const path_names[] = {"function", "batch", "insert"};

CaIngestResult
ca_ingest_round(CaWriter *w, CaRound *r, CaIngestPath path)
{
	CaRow	   *row = r->row;
	CaIngestResult res = {0};
	CaGame	   *game;
	CaRow	   *bot,
			   *logged,
			   *session,
			   *rollup;
	text	   *bot_id,
			   *session_id;
	Datum		keys[4];
	bool		isnull,
				last_isnull;
	Datum		d,
				last;

	ca_round_normalize(r);
	bot_id = DatumGetTextPP(ca_row_get(row, RC_BOT_ID, NULL));
	session_id = DatumGetTextPP(ca_row_get(row, RC_SESSION_ID, NULL));
	ca_check_bot_writer(bot_id);

	/*
	 * A retry is recognised before the round is checked against the game's
	 * configuration: an operator may have changed the configuration since
	 * (deactivated the game, lowered max_bet), and a retry must still get its
	 * id.  What it sent is compared with what was stored.
	 */
	ca_lock_bot(bot_id);
	keys[0] = PointerGetDatum(bot_id);
	keys[1] = PointerGetDatum(session_id);
	keys[2] = ca_row_get(row, RC_ROUND_NUMBER, NULL);
	keys[3] = ca_row_get(row, RC_BET_SLOT, NULL);
	logged = ca_fetch(w, CA_IDX_ROUND_KEY, keys);
	if (logged != NULL)
	{
		compare_with_logged(r, logged);
		res.round_id = DatumGetInt64(ca_row_get(logged, RC_ID, NULL));
		res.existed = true;
		res.row = logged;
		return res;
	}

	game = ca_load_game(w, DatumGetTextPP(ca_row_get(row, RC_GAME, NULL)),
						DatumGetTextPP(ca_row_get(row, RC_PLATFORM, NULL)), true);
	ca_round_derive(r, game);
	bot = ca_ensure_bot(w, bot_id);
	if (ca_row_isnull(row, RC_STRATEGY))
	{
		d = ca_row_get(bot, BT_STRATEGY, &isnull);
		if (!isnull)			/* a copy: a deferred writer owns the bot row's memory */
			ca_row_set(row, RC_STRATEGY, datumCopy(d, false, -1));
	}

	session = ca_fetch_session(w, bot_id, session_id);
	if (session != NULL)
	{
		char	   *status = TextDatumGetCString(ca_row_get(session, SE_STATUS, NULL));

		if (strcmp(status, "active") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("session \"%s\" of bot \"%s\" has ended", text_to_cstring(session_id),
							text_to_cstring(bot_id)),
					 errhint("Log new rounds in a new session.")));
		d = ca_row_get(session, SE_GAME, &isnull);
		if (!isnull &&
			(strcmp(TextDatumGetCString(d), TextDatumGetCString(ca_row_get(row, RC_GAME, NULL))) != 0 ||
			 strcmp(TextDatumGetCString(ca_row_get(session, SE_PLATFORM, NULL)),
					TextDatumGetCString(ca_row_get(row, RC_PLATFORM, NULL))) != 0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("session \"%s\" of bot \"%s\" is on another game/platform",
							text_to_cstring(session_id), text_to_cstring(bot_id)),
					 errdetail("The round sent is on %s/%s.",
							   TextDatumGetCString(ca_row_get(row, RC_GAME, NULL)),
							   TextDatumGetCString(ca_row_get(row, RC_PLATFORM, NULL))),
					 errhint("A session logs one game on one platform; start another session for another game.")));
		/*
		 * Balances the bot did not send: the session's last balance, which
		 * is the balance before this round only if this round comes after
		 * the session's latest (a back-filled round keeps them unknown).
		 */
		d = ca_row_get(session, SE_BALANCE, &isnull);
		last = ca_row_get(session, SE_LAST_ROUND_AT, &last_isnull);
		if (!isnull && (r->played_now || last_isnull ||
						DatumGetTimestampTz(ca_row_get(row, RC_PLAYED_AT, NULL)) >= DatumGetTimestampTz(last)))
			ca_round_fill_balance(r, DatumGetNumeric(datumCopy(d, false, -1)));	/* a copy: it changes */
	}

	/*
	 * A round sent without any time is taken as played when it is logged,
	 * and after every round its bot logged before: under the bot's lock,
	 * at least at its latest round's time.  Transactions waiting for the
	 * lock started (now()) in another order than they get it, and a round
	 * that seemed played before the bot's latest would have the bot
	 * replayed (fanout.c, note_out_of_order).
	 */
	rollup = ca_fetch_bot_rollup(w, PointerGetDatum(bot_id));
	if (r->played_now && rollup != NULL)
	{
		d = ca_row_get(rollup, BR_LAST_AT, &isnull);
		if (!isnull && DatumGetTimestampTz(d) > DatumGetTimestampTz(ca_row_get(row, RC_PLAYED_AT, NULL)))
			ca_row_set(row, RC_PLAYED_AT, d);
	}

	ca_row_set(row, RC_INGEST_PATH, CStringGetTextDatum(path_names[path]));
	ca_row_set(row, RC_DERIVED_AT, TimestampTzGetDatum(ca_now()));
	if (path == CA_PATH_INSERT)
	{
		/*
		 * The executor drew this row's id before the bot's lock was taken, so
		 * a concurrent call could have logged a later round of the bot with a
		 * smaller id.  Ids give the logging order, which breaks ties of play
		 * order (and is the order of a database not updated to 1.2): draw
		 * the id again, under the lock.
		 */
		ca_row_set(row, RC_ID, Int64GetDatum(ca_next_round_id()));
	}
	else
		ca_insert(w, row);
	res.round_id = DatumGetInt64(ca_row_get(row, RC_ID, NULL));
	res.row = row;

	ca_fanout_round(w, r, bot, session, session == NULL, rollup);
	/* an immediate writer's rows must be visible to the next round's updates */
	if (!ca_writer_is_deferred(w))
		CommandCounterIncrement();
	return res;
}

/*
 * End a writer of rounds, then replay in play order the bots it saw a
 * round of that was played before their latest one (fanout.c).
 */
static void
end_writer(CaWriter *w)
{
	List	   *replays = ca_writer_replays(w);

	ca_writer_end(w);
	ca_replay_bots(replays);
}

/* ----------------------------------------------------------------------
 * SQL entry points
 * ----------------------------------------------------------------------
 */

/*
 * log_crash_round(bot_id, session_id, game_name, platform_code, round_number,
 *				   stake_value, crash_multiplier, ...) returns bigint
 */
Datum
ca_log_crash_round(PG_FUNCTION_ARGS)
{
	CaRound    *r = ca_round_from_args(fcinfo, ca_round_input_columns, ca_round_input_count);
	CaWriter   *w = ca_writer_begin();
	CaIngestResult res = ca_ingest_round(w, r, CA_PATH_FUNCTION);

	end_writer(w);
	PG_RETURN_INT64(res.round_id);
}

/*
 * log_round_outcome(bot_id, session_id, game_name, platform_code,
 *					 round_number, stake_value, crash_multiplier,
 *					 cashout_multiplier, round_outcome, profit_loss,
 *					 strategy_name, bet_slot) returns the outcome row's id
 */
Datum
ca_log_round_outcome(PG_FUNCTION_ARGS)
{
	static const int argcols[] = {
		RC_BOT_ID, RC_SESSION_ID, RC_GAME, RC_PLATFORM, RC_ROUND_NUMBER, RC_STAKE,
		RC_CRASH, RC_CASHOUT, RC_OUTCOME, RC_PROFIT, RC_STRATEGY, RC_BET_SLOT
	};
	CaRound    *r = ca_round_from_args(fcinfo, argcols, lengthof(argcols));
	CaWriter   *w;
	CaIngestResult res;
	Datum		keys[2];
	CaRow	   *outcome;

	/* an outcome is a settled bet: refuse a SKIP before anything is written */
	if (PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("stake_value must not be null for an outcome")));
	if (!PG_ARGISNULL(8) &&
		ca_outcome_from_text(PG_GETARG_TEXT_PP(8)) == CA_SKIP)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a SKIP round has no outcome"),
				 errdetail("round_outcome was \"%s\"; an outcome is a settled bet: WIN, LOSS or VOID.",
						   text_to_cstring(PG_GETARG_TEXT_PP(8))),
				 errhint("Log rounds without a bet with crash_analytics.log_crash_round().")));
	if (ca_cmp(PG_GETARG_NUMERIC(5), ca_num_int(0)) <= 0 && !numeric_is_nan(PG_GETARG_NUMERIC(5)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("stake_value must be greater than zero for an outcome"),
				 errdetail("stake_value was %s.", ca_num_str(PG_GETARG_NUMERIC(5)))));

	w = ca_writer_begin();
	res = ca_ingest_round(w, r, CA_PATH_FUNCTION);
	keys[0] = ca_row_get(res.row, RC_BOT_ID, NULL);
	keys[1] = Int64GetDatum(res.round_id);
	outcome = ca_fetch(w, CA_IDX_OUTCOME_KEY, keys);
	if (outcome == NULL)
		elog(ERROR, "outcome row of round " INT64_FORMAT " is missing", res.round_id);
	end_writer(w);
	PG_RETURN_INT64(DatumGetInt64(ca_row_get(outcome, OC_ID, NULL)));
}

typedef struct BatchPosition
{
	int			element;
} BatchPosition;

static void
batch_error_context(void *arg)
{
	BatchPosition *pos = (BatchPosition *) arg;

	if (pos->element > 0)
		errcontext("element %d of the log_crash_rounds batch", pos->element);
}

static int
compare_text_ptrs(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * Take the lock of every bot named in the batch up front (ca_lock_bots:
 * never waiting for one while holding another it took), so that a batch
 * cannot take part in a deadlock with another batch or with an INSERT that
 * meets the same bots in another order.  Elements without a usable bot_id
 * are left for the per-element checks to report.
 */
static void
lock_batch_bots(Jsonb *rounds)
{
	JsonbIterator *it = JsonbIteratorInit(&rounds->root);
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	  **ids = palloc(sizeof(char *) * Max(JB_ROOT_COUNT(rounds), 1));
	int			n = 0,
				i,
				distinct = 0;

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		JsonbValue *bot;

		if (tok != WJB_ELEM || v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
			continue;
		bot = getKeyJsonValueFromContainer(v.val.binary.data, "bot_id", 6, NULL);
		if (bot == NULL || bot->type != jbvString)
			continue;
		ids[n++] = pnstrdup(bot->val.string.val, bot->val.string.len);
	}
	qsort(ids, n, sizeof(char *), compare_text_ptrs);
	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(ids[i], ids[i - 1]) != 0)
			ids[distinct++] = ids[i];
	ca_lock_bots(ids, distinct);
}

/*
 * log_crash_rounds(rounds jsonb) returns bigint[]: one writer for the whole
 * batch, one memory context reset per element, so memory does not grow
 * with the batch beyond the input and the array of ids.
 */
Datum
ca_log_crash_rounds(PG_FUNCTION_ARGS)
{
	Jsonb	   *rounds = PG_GETARG_JSONB_P(0);
	int			n;
	Datum	   *ids;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	CaWriter   *w;
	MemoryContext elemcxt,
				oldcxt;
	BatchPosition pos = {0};
	ErrorContextCallback errcb;

	if (!JB_ROOT_IS_ARRAY(rounds) || JB_ROOT_IS_SCALAR(rounds))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rounds must be a JSON array of objects"),
				 errdetail("rounds was %s.", ca_jsonb_describe(rounds))));
	n = JB_ROOT_COUNT(rounds);
	ids = palloc(sizeof(Datum) * Max(n, 1));

	lock_batch_bots(rounds);
	w = ca_writer_begin_deferred();
	elemcxt = AllocSetContextCreate(CurrentMemoryContext, "crash_analytics batch element",
									ALLOCSET_DEFAULT_SIZES);
	errcb.callback = batch_error_context;
	errcb.arg = &pos;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	it = JsonbIteratorInit(&rounds->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		CaIngestResult res;

		if (tok != WJB_ELEM)
			continue;
		pos.element++;
		if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a batch element must be a JSON object"),
					 errdetail("The element was %s.", ca_jsonb_value_describe(&v))));
		oldcxt = MemoryContextSwitchTo(elemcxt);
		res = ca_ingest_round(w, ca_round_from_json(v.val.binary.data), CA_PATH_BATCH);
		ca_writer_adopt(w);
		MemoryContextSwitchTo(oldcxt);
		ids[pos.element - 1] = Int64GetDatum(res.round_id);
		MemoryContextReset(elemcxt);
	}
	error_context_stack = errcb.previous;
	ca_writer_flush(w);
	end_writer(w);
	/* what the flush wrote may be updated by the next batch of this statement */
	CommandCounterIncrement();
	MemoryContextDelete(elemcxt);
	PG_RETURN_ARRAYTYPE_P(construct_array(ids, pos.element, INT8OID, sizeof(int64),
										  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * INSERT and COPY into crash_game_rounds share one deferred writer per
 * statement: the row trigger creates it (in transaction memory, as it
 * outlives each row) and the statement trigger flushes and closes it.  An
 * error in between ends the (sub)transaction and the writer with it.
 */
static CaWriter *stmt_writer = NULL;
static SubTransactionId stmt_subxid = InvalidSubTransactionId;

static void
stmt_writer_xact_callback(XactEvent event, void *arg pg_attribute_unused())
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_COMMIT || event == XACT_EVENT_PREPARE)
		stmt_writer = NULL;
}

static void
stmt_writer_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
							 SubTransactionId parentSubid pg_attribute_unused(), void *arg pg_attribute_unused())
{
	if (event == SUBXACT_EVENT_ABORT_SUB && stmt_writer != NULL && stmt_subxid == mySubid)
		stmt_writer = NULL;
}

void
ca_ingest_init(void)
{
	RegisterXactCallback(stmt_writer_xact_callback, NULL);
	RegisterSubXactCallback(stmt_writer_subxact_callback, NULL);
}

static void
check_trigger_event(FunctionCallInfo fcinfo, const char *name, bool row_level)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s() must be called as a trigger", name)));
	if (!TRIGGER_FIRED_BY_INSERT(td->tg_event) ||
		(row_level && (!TRIGGER_FIRED_BEFORE(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event))) ||
		(!row_level && (!TRIGGER_FIRED_AFTER(td->tg_event) || TRIGGER_FIRED_FOR_ROW(td->tg_event))))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s() must be %s trigger", name,
						row_level ? "a BEFORE INSERT FOR EACH ROW" : "an AFTER INSERT FOR EACH STATEMENT")));
	if (RelationGetRelid(td->tg_relation) != ca_table(CA_ROUNDS)->relid)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s() must be a trigger on crash_analytics.crash_game_rounds", name)));
}

/*
 * BEFORE INSERT FOR EACH ROW on crash_game_rounds.  The executor has
 * applied defaults (the identity id among them); the funnel validates,
 * derives and fans out, and the row comes back with its derived columns
 * for the executor to insert.  A retry of a logged round is skipped
 * (returns NULL); a row that already carries derived_at is a restored row
 * (pg_restore, whose derived rows are restored alongside) and passes as is.
 *
 * Locks: each row takes its bot's lock when it arrives (ca_ingest_round ->
 * ca_lock_bot) and the statement keeps every lock it took, as its rows are
 * already written: a multi-bot statement waits for a busy bot while holding
 * the bots it met before.  It cannot know the bots of the rows still to
 * come, nor give back locks of rows it wrote, so it cannot do what a batch
 * does (ca_lock_bots); instead the rule is PostgreSQL's for row locks:
 * statements whose rows come in bot_id order take the locks in one order
 * and never deadlock with each other (nor with batches or single calls, in
 * any order), while two that meet the same bots in opposite orders may, and
 * then PostgreSQL aborts one with 40P01 and nothing of it is written
 * (isolation spec bot_locks).
 */
Datum
ca_rounds_ingest_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	HeapTuple	tuple;
	TupleDesc	desc;
	bool		isnull;
	CaIngestResult res;

	check_trigger_event(fcinfo, "crash_game_rounds_ingest", true);
	tuple = td->tg_trigtuple;
	desc = RelationGetDescr(td->tg_relation);
	(void) heap_getattr(tuple, ca_table(CA_ROUNDS)->attnums[RC_DERIVED_AT], desc, &isnull);
	if (!isnull)
		return PointerGetDatum(tuple);

	if (stmt_writer == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);

		stmt_writer = ca_writer_begin_deferred();
		stmt_subxid = GetCurrentSubTransactionId();
		MemoryContextSwitchTo(old);
	}
	res = ca_ingest_round(stmt_writer, ca_round_from_tuple(tuple), CA_PATH_INSERT);
	/* form the row before the writer takes its held values into its own memory */
	tuple = res.existed ? NULL : ca_row_form_tuple(res.row);
	ca_writer_adopt(stmt_writer);
	return PointerGetDatum(tuple);
}

/* AFTER INSERT FOR EACH STATEMENT on crash_game_rounds: write what the rows deferred */
Datum
ca_rounds_flush_trigger(PG_FUNCTION_ARGS)
{
	check_trigger_event(fcinfo, "crash_game_rounds_flush", false);
	if (stmt_writer != NULL)
	{
		CaWriter   *w = stmt_writer;

		stmt_writer = NULL;
		ca_writer_flush(w);
		end_writer(w);
		CommandCounterIncrement();
	}
	return PointerGetDatum(NULL);
}
