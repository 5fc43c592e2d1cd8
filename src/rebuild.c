/*-------------------------------------------------------------------------
 *
 * rebuild.c
 *		Replay a bot's rounds, in logging (id) order, through the same
 *		roll-up code ingestion uses, and either compare the result with the
 *		stored roll-ups (rollup_differences, behind verify_consistency) or
 *		write it over them (rebuild_rollups, behind purge_rounds_before).
 *
 * There is one implementation of the figures (rollup.c); ingestion applies
 * it one round at a time, replay applies it to the whole history.  A
 * difference therefore means the stored rows drifted from the rounds (a
 * lost update, a partial fan-out, a manual change), not that two versions
 * of the rules disagree.  The test suites check the rules themselves
 * against plain-SQL recomputations.
 *
 * Memory: a bot may have millions of rounds.  Each round is read and
 * applied in a scratch context that is reset per round; the accumulated
 * rows keep only their current values (replaced values are freed), so
 * memory is bounded by the number of sessions and hours, not rounds.
 *
 * IDENTIFICATION
 *	  src/rebuild.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_collation.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/tuplestore.h"
#include "utils/typcache.h"

#include "mb/pg_wchar.h"

#include "crash_analytics.h"

PG_FUNCTION_INFO_V1(ca_rollup_differences);
PG_FUNCTION_INFO_V1(ca_rebuild_rollups);
PG_FUNCTION_INFO_V1(ca_replay_play_order);

/*
 * Room for the longest key: game|platform|strategy|hour (or day), each text at its
 * longest in characters of up to four bytes (MAX_MULTIBYTE_CHAR_LEN), plus
 * the separators and the hour.  A truncated key would merge different rows,
 * so the builders below refuse to truncate.
 */
#define KEY_LEN (MAX_MULTIBYTE_CHAR_LEN * (2 * CA_MAX_NAME_LEN + CA_MAX_ID_LEN) + 64)

typedef struct ReplayEntry
{
	char		key[KEY_LEN];
	CaRow	   *row;
	bool		stored;			/* a stored row exists for this key */
	bool		seen;			/* a round of it was replayed (sessions) */
} ReplayEntry;

typedef struct Replay
{
	MemoryContext cxt;			/* accumulated rows */
	CaRow	   *rollup;			/* NULL if the bot has no round */
	HTAB	   *sessions;
	HTAB	   *hours;
	HTAB	   *days;			/* NULL when the database has no daily roll-ups (before 1.2) */
	bool		play_order;		/* rounds in (played_at, id) order; before 1.2, id order */
	int64		rounds;
} Replay;

static HTAB *
key_table(const char *name, MemoryContext cxt)
{
	HASHCTL		ctl;

	ctl.keysize = KEY_LEN;
	ctl.entrysize = sizeof(ReplayEntry);
	ctl.hcxt = cxt;
	return hash_create(name, 256, &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
}

static void
text_key(char *dst, Datum t)
{
	text	   *tx = DatumGetTextPP(t);
	int			len = VARSIZE_ANY_EXHDR(tx);

	if (len >= KEY_LEN)
		elog(ERROR, "replay key of %d bytes is too long", len);
	memcpy(dst, VARDATA_ANY(tx), len);
	dst[len] = '\0';
}

static void
period_key(char *dst, Datum game, Datum platform, Datum strategy, TimestampTz start)
{
	/* readable: it is what rollup_differences reports as the row key */
	if (snprintf(dst, KEY_LEN, "%s|%s|%s|%s", TextDatumGetCString(game),
				 TextDatumGetCString(platform), TextDatumGetCString(strategy),
				 timestamptz_to_str(start)) >= KEY_LEN)
		elog(ERROR, "replay key is too long");
}

/*
 * After rollup code changed a row in a scratch context: copy its new
 * variable-length values into the replay context and free the ones they
 * replace.  Call in the replay context.
 */
static void
adopt(CaRow *row, const Datum *before, const bool *before_null)
{
	const CaTableInfo *info = ca_table(row->table);
	int			i;

	for (i = 0; i < row->natts; i++)
	{
		if (info->attlens[i] != -1)
			continue;
		if (!row->isnull[i] && (before_null[i] || row->values[i] != before[i]))
			row->values[i] = datumCopy(row->values[i], false, -1);
		if (!before_null[i] && (row->isnull[i] || row->values[i] != before[i]))
			pfree(DatumGetPointer(before[i]));
	}
}

/* apply one rollup step to an accumulated row, keeping memory bounded */
#define APPLY(row, call) \
	do { \
		Datum	   *b_ = palloc(sizeof(Datum) * (row)->natts); \
		bool	   *n_ = palloc(sizeof(bool) * (row)->natts); \
		MemoryContext old_; \
		memcpy(b_, (row)->values, sizeof(Datum) * (row)->natts); \
		memcpy(n_, (row)->isnull, sizeof(bool) * (row)->natts); \
		call; \
		old_ = MemoryContextSwitchTo(rp->cxt); \
		adopt((row), b_, n_); \
		MemoryContextSwitchTo(old_); \
	} while (0)

/* Load the bot's stored sessions, figures reset, into the replay. */
static void
load_sessions(Replay *rp, Datum bot, Snapshot snap)
{
	CaScan	   *scan = ca_scan_begin(CA_IDX_SESSION_KEY, &bot, 1, snap);
	MemoryContext old = MemoryContextSwitchTo(rp->cxt);
	CaRow	   *s;

	while ((s = ca_scan_next(scan)) != NULL)
	{
		char		key[KEY_LEN];
		ReplayEntry *e;
		bool		found;

		text_key(key, ca_row_get(s, SE_SESSION_ID, NULL));
		e = hash_search(rp->sessions, key, HASH_ENTER, &found);
		ca_rollup_session_reset(s);
		e->row = s;
		e->stored = true;
		e->seen = false;
	}
	MemoryContextSwitchTo(old);
	ca_scan_end(scan);
}

/* an hourly or a daily roll-up: the same figures, keyed by a period start */
typedef struct PeriodDef
{
	CaTable		table;
	CaIndex		key;
	int			period_col;
	TimestampTz (*start) (TimestampTz);
	void		(*apply) (CaRow *, const CaRoundFacts *, bool);
	const char *name;			/* as rollup_differences reports it */
} PeriodDef;

static const PeriodDef hourly = {CA_HOURLY_ROLLUPS, CA_IDX_HOURLY_KEY, HR_HOUR, ca_hour_start,
ca_rollup_hourly, "bot_hourly_rollups"};
static const PeriodDef daily = {CA_DAILY_ROLLUPS, CA_IDX_DAILY_KEY, DY_DAY, ca_day_start,
ca_rollup_daily, "bot_daily_rollups"};

/* the four text keys are the first columns of both tables (fanout.c asserts it) */
#define PERIOD_GAME 1
#define PERIOD_PLATFORM 2
#define PERIOD_STRATEGY 3

/* Apply a round to its hour's (or day's) accumulated row.  Called in scratch. */
static void
replay_period(Replay *rp, HTAB *table, const PeriodDef *p, Datum bot, CaRow *round,
			  Datum strategy, const CaRoundFacts *f, MemoryContext scratch)
{
	char		key[KEY_LEN];
	bool		found;
	ReplayEntry *e;
	TimestampTz start = p->start(f->played_at);

	period_key(key, ca_row_get(round, RC_GAME, NULL), ca_row_get(round, RC_PLATFORM, NULL),
			 strategy, start);
	e = hash_search(table, key, HASH_ENTER, &found);
	if (!found)
	{
		MemoryContextSwitchTo(rp->cxt);
		e->stored = false;
		e->row = ca_row_new(p->table);
		ca_row_set(e->row, 0, datumCopy(bot, false, -1));
		ca_row_set(e->row, PERIOD_GAME, datumCopy(ca_row_get(round, RC_GAME, NULL), false, -1));
		ca_row_set(e->row, PERIOD_PLATFORM, datumCopy(ca_row_get(round, RC_PLATFORM, NULL), false, -1));
		ca_row_set(e->row, PERIOD_STRATEGY, datumCopy(strategy, false, -1));
		ca_row_set(e->row, p->period_col, TimestampTzGetDatum(start));
		MemoryContextSwitchTo(scratch);
		APPLY(e->row, p->apply(e->row, f, true));
	}
	else
		APPLY(e->row, p->apply(e->row, f, false));
}

static Replay *
replay_bot(Datum bot, Snapshot snap)
{
	Replay	   *rp = palloc0(sizeof(Replay));
	MemoryContext scratch,
				old;
	CaScan	   *scan;

	rp->cxt = AllocSetContextCreate(CurrentMemoryContext, "crash_analytics replay",
									ALLOCSET_DEFAULT_SIZES);
	scratch = AllocSetContextCreate(CurrentMemoryContext, "crash_analytics replay round",
									ALLOCSET_DEFAULT_SIZES);
	rp->sessions = key_table("crash_analytics replay sessions", rp->cxt);
	rp->hours = key_table("crash_analytics replay hours", rp->cxt);
	if (ca_table_present(CA_DAILY_ROLLUPS))
		rp->days = key_table("crash_analytics replay days", rp->cxt);
	load_sessions(rp, bot, snap);

	/*
	 * Play order: streaks, drawdown, balances and a session's start follow
	 * the order the rounds were played in, not the order they were logged
	 * in (a back-fill logs old rounds late).  Ties keep logging order.
	 */
	rp->play_order = ca_index_present(CA_IDX_ROUNDS_PLAY);
	scan = ca_scan_begin(rp->play_order ? CA_IDX_ROUNDS_PLAY : CA_IDX_ROUNDS_PKEY, &bot, 1, snap);
	for (;;)
	{
		CaRow	   *round;
		CaRound		r;
		CaRoundFacts f;
		ReplayEntry *e;
		char		key[KEY_LEN];
		bool		found,
					isnull;
		Datum		strategy;

		old = MemoryContextSwitchTo(scratch);
		round = ca_scan_next(scan);
		if (round == NULL)
		{
			MemoryContextSwitchTo(old);
			break;
		}
		rp->rounds++;
		memset(&r, 0, sizeof(r));
		r.row = round;
		f = ca_round_facts(&r);

		/* session: a missing one is replayed as its first round would start it */
		text_key(key, ca_row_get(round, RC_SESSION_ID, NULL));
		e = hash_search(rp->sessions, key, HASH_ENTER, &found);
		if (found && !e->seen && rp->play_order &&
			f.played_at < DatumGetTimestampTz(ca_row_get(e->row, SE_STARTED_AT, NULL)))
		{
			/*
			 * The session's first round in play order was played before the
			 * session's recorded start (a back-filled round, or a start the
			 * bot gave late): the session starts with that round, from its
			 * balance.
			 */
			MemoryContextSwitchTo(rp->cxt);
			ca_row_set(e->row, SE_STARTED_AT, ca_row_get(round, RC_PLAYED_AT, NULL));
			if (!ca_row_isnull(round, RC_BALANCE_BEFORE))
				ca_row_set(e->row, SE_BALANCE_START,
						   datumCopy(ca_row_get(round, RC_BALANCE_BEFORE, NULL), false, -1));
			ca_rollup_session_reset(e->row);
			MemoryContextSwitchTo(scratch);
		}
		if (found)
			e->seen = true;
		else
		{
			MemoryContextSwitchTo(rp->cxt);
			e->stored = false;
			e->seen = true;
			e->row = ca_row_new(CA_SESSIONS);
			ca_row_set(e->row, SE_BOT_ID, datumCopy(bot, false, -1));
			ca_row_set(e->row, SE_SESSION_ID, datumCopy(ca_row_get(round, RC_SESSION_ID, NULL), false, -1));
			ca_row_set(e->row, SE_STATUS, CStringGetTextDatum("active"));
			ca_row_set(e->row, SE_STARTED_AT, ca_row_get(round, RC_PLAYED_AT, NULL));
			if (!ca_row_isnull(round, RC_BALANCE_BEFORE))
				ca_row_set(e->row, SE_BALANCE_START,
						   datumCopy(ca_row_get(round, RC_BALANCE_BEFORE, NULL), false, -1));
			ca_rollup_session_reset(e->row);
			MemoryContextSwitchTo(scratch);
		}
		APPLY(e->row, ca_rollup_session(e->row, &f, false));

		/* the bot */
		if (rp->rollup == NULL)
		{
			MemoryContextSwitchTo(rp->cxt);
			rp->rollup = ca_row_new(CA_BOT_ROLLUPS);
			ca_row_set(rp->rollup, BR_BOT_ID, datumCopy(bot, false, -1));
			MemoryContextSwitchTo(scratch);
			APPLY(rp->rollup, ca_rollup_bot(rp->rollup, &f, true));
		}
		else
			APPLY(rp->rollup, ca_rollup_bot(rp->rollup, &f, false));

		/* the hour and the day */
		strategy = ca_row_get(round, RC_STRATEGY, &isnull);
		if (isnull)
			strategy = CStringGetTextDatum("");
		replay_period(rp, rp->hours, &hourly, bot, round, strategy, &f, scratch);
		if (rp->days != NULL)
			replay_period(rp, rp->days, &daily, bot, round, strategy, &f, scratch);

		MemoryContextSwitchTo(old);
		MemoryContextReset(scratch);
	}
	ca_scan_end(scan);
	MemoryContextDelete(scratch);
	return rp;
}

/* ----------------------------------------------------------------------
 * Comparison
 * ----------------------------------------------------------------------
 */
static const int bot_compared[] = {
	BR_ROUNDS, BR_BETS, BR_WINS, BR_LOSSES, BR_SKIPS, BR_VOIDS, BR_STAKED, BR_PAYOUT,
	BR_PROFIT, BR_EXPECTED, BR_SUM_WINPROB, BR_TARGETED, BR_SUM_PROFIT_SQ, BR_BEST,
	BR_WORST, BR_CUR_STREAK, BR_WIN_STREAK, BR_LOSS_STREAK, BR_PEAK_PROFIT,
	BR_MAX_DRAWDOWN, BR_PEAK_BALANCE, BR_BALANCE, BR_FIRST_AT, BR_LAST_AT, BR_LAST_ROUND_ID
};
static const int session_compared[] = {
	SE_ROUNDS, SE_BETS, SE_WINS, SE_LOSSES, SE_SKIPS, SE_VOIDS, SE_STAKED, SE_PAYOUT,
	SE_PROFIT, SE_EXPECTED, SE_SUM_WINPROB, SE_TARGETED, SE_SUM_PROFIT_SQ, SE_BEST,
	SE_WORST, SE_BALANCE, SE_PEAK_BALANCE, SE_PEAK_PROFIT, SE_MAX_DRAWDOWN, SE_LAST_ROUND,
	SE_LAST_ROUND_AT
};
/* in play order (1.2), a session's start moves to its first round played */
static const int session_compared_play[] = {
	SE_ROUNDS, SE_BETS, SE_WINS, SE_LOSSES, SE_SKIPS, SE_VOIDS, SE_STAKED, SE_PAYOUT,
	SE_PROFIT, SE_EXPECTED, SE_SUM_WINPROB, SE_TARGETED, SE_SUM_PROFIT_SQ, SE_BEST,
	SE_WORST, SE_BALANCE, SE_PEAK_BALANCE, SE_PEAK_PROFIT, SE_MAX_DRAWDOWN, SE_LAST_ROUND,
	SE_LAST_ROUND_AT, SE_STARTED_AT, SE_BALANCE_START
};
static const int hourly_compared[] = {
	HR_ROUNDS, HR_BETS, HR_WINS, HR_LOSSES, HR_SKIPS, HR_VOIDS, HR_STAKED, HR_PAYOUT,
	HR_PROFIT, HR_EXPECTED, HR_SUM_WINPROB, HR_TARGETED, HR_SUM_PROFIT_SQ, HR_BEST, HR_WORST
};
static const int daily_compared[] = {
	DY_ROUNDS, DY_BETS, DY_WINS, DY_LOSSES, DY_SKIPS, DY_VOIDS, DY_STAKED, DY_PAYOUT,
	DY_PROFIT, DY_EXPECTED, DY_SUM_WINPROB, DY_TARGETED, DY_SUM_PROFIT_SQ, DY_BEST, DY_WORST
};
StaticAssertDecl(lengthof(hourly_compared) == lengthof(daily_compared),
				 "hours and days compare the same figures");


static char *
display(CaRow *row, int col)
{
	bool		isnull;
	Datum		d;
	Oid			typout;
	bool		varlena;

	if (row == NULL)
		return NULL;
	d = ca_row_get(row, col, &isnull);
	if (isnull)
		return NULL;
	getTypeOutputInfo(ca_row_coltype(row, col), &typout, &varlena);
	return OidOutputFunctionCall(typout, d);
}

void
ca_diff_begin(FunctionCallInfo fcinfo, CaDiffOut *out)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	out->store = rsinfo->setResult;
	out->desc = rsinfo->setDesc;
	out->count = 0;
}

void
ca_diff_emit(CaDiffOut *out, const char *table, const char *key, const char *column,
			 const char *stored, const char *expected)
{
	Datum		values[5];
	bool		nulls[5] = {false, false, column == NULL, stored == NULL, expected == NULL};

	values[0] = CStringGetTextDatum(table);
	values[1] = CStringGetTextDatum(key);
	values[2] = column ? CStringGetTextDatum(column) : (Datum) 0;
	values[3] = stored ? CStringGetTextDatum(stored) : (Datum) 0;
	values[4] = expected ? CStringGetTextDatum(expected) : (Datum) 0;
	tuplestore_putvalues(out->store, out->desc, values, nulls);
	out->count++;
}

static bool
values_equal(CaRow *a, CaRow *b, int col)
{
	bool		an,
				bn;
	Datum		ad = ca_row_get(a, col, &an);
	Datum		bd = ca_row_get(b, col, &bn);
	TypeCacheEntry *tc;

	if (an || bn)
		return an == bn;
	tc = lookup_type_cache(ca_row_coltype(a, col), TYPECACHE_EQ_OPR_FINFO);
	return DatumGetBool(FunctionCall2Coll(&tc->eq_opr_finfo, C_COLLATION_OID, ad, bd));
}

/* stored NULL: the row is missing; expected NULL: the row should not exist */
static void
compare_rows(CaDiffOut *out, const char *table, const char *key, CaRow *stored,
			 CaRow *expected, const int *cols, int ncols)
{
	int			i;

	if (stored == NULL || expected == NULL)
	{
		ca_diff_emit(out, table, key, NULL, stored ? "present" : NULL, expected ? "present" : NULL);
		return;
	}
	for (i = 0; i < ncols; i++)
		if (!values_equal(stored, expected, cols[i]))
			ca_diff_emit(out, table, key, ca_column_name(stored->table, cols[i]),
				 display(stored, cols[i]), display(expected, cols[i]));
}

/* Hours (or days): every stored row against the replay, then replayed ones never stored. */
static void
compare_periods(CaDiffOut *out, HTAB *replayed, const PeriodDef *p, Datum bot,
				const char *bot_name, Snapshot snap)
{
	CaScan	   *scan = ca_scan_begin(p->key, &bot, 1, snap);
	CaRow	   *stored;
	HASH_SEQ_STATUS seq;
	ReplayEntry *e;

	while ((stored = ca_scan_next(scan)) != NULL)
	{
		char		key[KEY_LEN];
		bool		found;

		period_key(key, ca_row_get(stored, PERIOD_GAME, NULL), ca_row_get(stored, PERIOD_PLATFORM, NULL),
				 ca_row_get(stored, PERIOD_STRATEGY, NULL),
				 DatumGetTimestampTz(ca_row_get(stored, p->period_col, NULL)));
		e = hash_search(replayed, key, HASH_FIND, &found);
		compare_rows(out, p->name, psprintf("%s/%s", bot_name, key), stored,
					 found ? e->row : NULL, p == &daily ? daily_compared : hourly_compared,
					 lengthof(hourly_compared));
		if (found)
			e->stored = true;
	}
	ca_scan_end(scan);
	hash_seq_init(&seq, replayed);
	while ((e = hash_seq_search(&seq)) != NULL)
		if (!e->stored)
			compare_rows(out, p->name, psprintf("%s/%s", bot_name, e->key), NULL, e->row, NULL, 0);
}

/*
 * rollup_differences(bot_id) returns setof (table_name, row_key,
 * column_name, stored, expected): one row per roll-up value that differs
 * from a replay of the bot's rounds; none when everything agrees.
 */
Datum
ca_rollup_differences(PG_FUNCTION_ARGS)
{
	Datum		bot;
	char	   *bot_name;
	Snapshot	snap = GetActiveSnapshot();
	CaDiffOut	out;
	Replay	   *rp;
	CaRow	   *stored;
	HASH_SEQ_STATUS seq;
	ReplayEntry *e;

	/* not STRICT since 1.2: a NULL bot is an error, as for get_bot_statistics */
	ca_require(fcinfo, 0, "bot_id");
	bot = PointerGetDatum(PG_GETARG_TEXT_PP(0));
	bot_name = TextDatumGetCString(bot);
	ca_diff_begin(fcinfo, &out);
	rp = replay_bot(bot, snap);

	stored = ca_read(CA_IDX_BOT_ROLLUP_KEY, &bot, snap);
	if (stored != NULL || rp->rollup != NULL)
		compare_rows(&out, "bot_rollups", bot_name, stored, rp->rollup,
					 bot_compared, lengthof(bot_compared));

	hash_seq_init(&seq, rp->sessions);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		char	   *key = psprintf("%s/%s", bot_name, e->key);

		if (!e->stored)
			compare_rows(&out, "session_logs", key, NULL, e->row, NULL, 0);
		else
		{
			Datum		keys[2] = {bot, ca_row_get(e->row, SE_SESSION_ID, NULL)};
			CaRow	   *s = ca_read(CA_IDX_SESSION_KEY, keys, snap);

			if (rp->play_order)
				compare_rows(&out, "session_logs", key, s, e->row, session_compared_play,
							 lengthof(session_compared_play));
			else
				compare_rows(&out, "session_logs", key, s, e->row, session_compared,
							 lengthof(session_compared));
		}
	}

	compare_periods(&out, rp->hours, &hourly, bot, bot_name, snap);
	if (rp->days != NULL)
		compare_periods(&out, rp->days, &daily, bot, bot_name, snap);

	MemoryContextDelete(rp->cxt);
	return (Datum) 0;
}

/* ----------------------------------------------------------------------
 * Rewriting
 * ----------------------------------------------------------------------
 */
/*
 * Copy the replayed values of cols into a stored row; false when each
 * already equals its replayed value, numerically (the row need not be
 * written: a replay after a back-fill rewrites only what it changed).
 */
static bool
copy_cols(CaRow *dst, CaRow *src, const int *cols, int ncols)
{
	bool		changed = false;
	int			i;

	for (i = 0; i < ncols; i++)
	{
		bool		isnull;
		Datum		d;

		if (values_equal(dst, src, cols[i]))
			continue;
		d = ca_row_get(src, cols[i], &isnull);
		ca_row_set_maybe(dst, cols[i], d, isnull);
		changed = true;
	}
	return changed;
}

/*
 * Write a replay of the bot's rounds over its stored rows: its roll-up and
 * session figures, and when periods is true its hourly and daily roll-ups
 * too (and drop its series states, rebuilt from history on its next
 * multiplier).  The caller holds the bot's lock.  Returns the rounds
 * replayed.
 */
static int64
rewrite_bot(Datum bot, bool periods)
{
	Replay	   *rp;
	CaWriter   *w;
	CaRow	   *stored;
	List	   *rows;
	ListCell   *lc;
	HASH_SEQ_STATUS seq;
	ReplayEntry *e;
	int64		rounds;

	CommandCounterIncrement();
	rp = replay_bot(bot, GetLatestSnapshot());
	rounds = rp->rounds;
	w = ca_writer_begin();

	stored = ca_fetch(w, CA_IDX_BOT_ROLLUP_KEY, &bot);
	if (stored != NULL && rp->rollup != NULL)
	{
		if (copy_cols(stored, rp->rollup, bot_compared, lengthof(bot_compared)))
			ca_update(w, stored);
	}
	else if (stored != NULL)
		ca_delete(w, stored);
	else if (rp->rollup != NULL)
		ca_insert(w, rp->rollup);

	hash_seq_init(&seq, rp->sessions);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		Datum		keys[2] = {bot, ca_row_get(e->row, SE_SESSION_ID, NULL)};

		stored = ca_fetch(w, CA_IDX_SESSION_KEY, keys);
		if (stored == NULL)
			ca_insert(w, e->row);
		else if (rp->play_order ?
				 copy_cols(stored, e->row, session_compared_play, lengthof(session_compared_play)) :
				 copy_cols(stored, e->row, session_compared, lengthof(session_compared)))
			ca_update(w, stored);
	}

	if (periods)
	{
		rows = ca_fetch_all(w, CA_IDX_HOURLY_KEY, &bot, 1, 0, false);
		if (rp->days != NULL)
			rows = list_concat(rows, ca_fetch_all(w, CA_IDX_DAILY_KEY, &bot, 1, 0, false));
		foreach(lc, rows)
			ca_delete(w, (CaRow *) lfirst(lc));
		/* the series states are a cache of multipliers and signals: rebuilt on the next multiplier */
		rows = ca_fetch_all(w, CA_IDX_SERIES_KEY, &bot, 1, 0, false);
		foreach(lc, rows)
			ca_delete(w, (CaRow *) lfirst(lc));
		hash_seq_init(&seq, rp->hours);
		while ((e = hash_seq_search(&seq)) != NULL)
			ca_insert(w, e->row);
		if (rp->days != NULL)
		{
			hash_seq_init(&seq, rp->days);
			while ((e = hash_seq_search(&seq)) != NULL)
				ca_insert(w, e->row);
		}
	}

	ca_writer_end(w);
	MemoryContextDelete(rp->cxt);
	CommandCounterIncrement();
	return rounds;
}

/*
 * rebuild_rollups(bot_id) returns bigint: rewrite the bot's roll-up,
 * session figures and hourly and daily roll-ups from its rounds (and drop
 * its series states); returns the number of rounds replayed.  Takes the
 * bot's lock, so ingestion of this bot waits.
 */
Datum
ca_rebuild_rollups(PG_FUNCTION_ARGS)
{
	text	   *bot_id;

	/* not STRICT since 1.2: a NULL bot is an error rather than a silent NULL */
	ca_require(fcinfo, 0, "bot_id");
	bot_id = PG_GETARG_TEXT_PP(0);
	ca_lock_bot(bot_id);
	PG_RETURN_INT64(rewrite_bot(PointerGetDatum(bot_id), true));
}

/*
 * replay_play_order(bot_id) returns bigint: the bot's roll-up and session
 * figures written from its rounds replayed in play order, nothing else; the
 * 1.1--1.2 update runs it on the bots whose rounds were logged out of play
 * order (as a function of the update script alone, dropped at its end).
 */
Datum
ca_replay_play_order(PG_FUNCTION_ARGS)
{
	text	   *bot_id = PG_GETARG_TEXT_PP(0);

	ca_lock_bot(bot_id);
	PG_RETURN_INT64(rewrite_bot(PointerGetDatum(bot_id), false));
}

/*
 * After a call or statement that logged a round played before its bot's
 * latest one (writer.c, ca_writer_note_replay): replay each such bot in
 * play order and write its roll-up and session figures.  The hourly and
 * daily roll-ups are sums, right in any order.  Costs a read of the bot's
 * rounds, once per call or statement and bot: back-fill in batches or
 * with COPY rather than one call per round.  The bots' locks are held.
 */
void
ca_replay_bots(List *bot_ids)
{
	ListCell   *lc;

	foreach(lc, bot_ids)
		(void) rewrite_bot(PointerGetDatum(lfirst(lc)), false);
}
