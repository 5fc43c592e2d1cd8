/*-------------------------------------------------------------------------
 *
 * fanout.c
 *		The rows a logged round derives, written in the round's transaction:
 *		its multiplier (once per round, whatever the number of bet slots),
 *		its outcome (bets only), its session's running figures, its bot's
 *		roll-up and its hourly and daily roll-ups; a new multiplier also resolves the
 *		bot's open signals and runs its signal rules (signals.c).
 *
 * Caller contract: the bot's lock is held (ca_lock_bot), the round has been
 * validated and derived, and its crash_game_rounds row exists or is about
 * to be inserted by the executor (INSERT/COPY path) with the id in the row.
 *
 * IDENTIFICATION
 *	  src/fanout.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "utils/builtins.h"

#include "crash_analytics.h"

static inline Datum
rget(CaRow *row, int col)
{
	return ca_row_get(row, col, NULL);
}

static void
copy_col(CaRow *dst, int dcol, CaRow *src, int scol)
{
	bool		isnull;
	Datum		d = ca_row_get(src, scol, &isnull);

	ca_row_set_maybe(dst, dcol, d, isnull);
}

CaRow *
ca_fetch_session(CaWriter *w, text *bot_id, text *session_id)
{
	Datum		keys[2];

	keys[0] = PointerGetDatum(bot_id);
	keys[1] = PointerGetDatum(session_id);
	return ca_fetch(w, CA_IDX_SESSION_KEY, keys);
}

/*
 * The round's multiplier row.  Another bet slot of the same round may have
 * logged it already (or the bot logged it alone): then it must agree.  A
 * disagreement names what this slot sent, not what is stored (the bot may
 * not be the caller's).
 */
static void
fanout_multiplier(CaWriter *w, CaRow *round, CaRow *bot)
{
	Datum		keys[3];
	CaRow	   *m;

	keys[0] = rget(round, RC_BOT_ID);
	keys[1] = rget(round, RC_SESSION_ID);
	keys[2] = rget(round, RC_ROUND_NUMBER);
	m = ca_fetch(w, CA_IDX_MULTIPLIER_KEY, keys);
	if (m != NULL)
	{
		Numeric		logged = DatumGetNumeric(rget(m, MC_MULTIPLIER));
		Numeric		sent = DatumGetNumeric(rget(round, RC_CRASH));

		if (ca_cmp(logged, sent) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("crash_multiplier disagrees with the multiplier already logged for this round"),
					 errdetail("Round " INT64_FORMAT " of session \"%s\" was logged with another multiplier; this bet slot sent %s.",
							   DatumGetInt64(keys[2]), TextDatumGetCString(keys[1]),
							   ca_num_str(sent))));
		if (!DatumGetBool(DirectFunctionCall2Coll(texteq, C_COLLATION_OID,
												  rget(m, MC_GAME), rget(round, RC_GAME))) ||
			!DatumGetBool(DirectFunctionCall2Coll(texteq, C_COLLATION_OID,
												  rget(m, MC_PLATFORM), rget(round, RC_PLATFORM))))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("game_name and platform_code disagree with the round already logged"),
					 errdetail("Round " INT64_FORMAT " of session \"%s\" was logged for another game/platform; this bet slot sent %s/%s.",
							   DatumGetInt64(keys[2]), TextDatumGetCString(keys[1]),
							   TextDatumGetCString(rget(round, RC_GAME)),
							   TextDatumGetCString(rget(round, RC_PLATFORM)))));
		return;
	}

	m = ca_row_new(CA_MULTIPLIERS);
	copy_col(m, MC_BOT_ID, round, RC_BOT_ID);
	copy_col(m, MC_SESSION_ID, round, RC_SESSION_ID);
	copy_col(m, MC_ROUND_ID, round, RC_ID);
	copy_col(m, MC_GAME, round, RC_GAME);
	copy_col(m, MC_PLATFORM, round, RC_PLATFORM);
	copy_col(m, MC_ROUND_NUMBER, round, RC_ROUND_NUMBER);
	copy_col(m, MC_PLATFORM_ROUND_ID, round, RC_PLATFORM_ROUND_ID);
	copy_col(m, MC_MULTIPLIER, round, RC_CRASH);
	copy_col(m, MC_INSTANT, round, RC_INSTANT_CRASH);
	copy_col(m, MC_OBSERVED_AT, round, RC_PLAYED_AT);
	ca_row_set(m, MC_SOURCE, CStringGetTextDatum("round"));
	ca_insert(w, m);
	ca_signals_on_multiplier(w, bot, m);
}

static void
fanout_outcome(CaWriter *w, CaRow *round)
{
	CaRow	   *o = ca_row_new(CA_OUTCOMES);

	copy_col(o, OC_BOT_ID, round, RC_BOT_ID);
	copy_col(o, OC_SESSION_ID, round, RC_SESSION_ID);
	copy_col(o, OC_ROUND_ID, round, RC_ID);
	copy_col(o, OC_GAME, round, RC_GAME);
	copy_col(o, OC_PLATFORM, round, RC_PLATFORM);
	copy_col(o, OC_ROUND_NUMBER, round, RC_ROUND_NUMBER);
	copy_col(o, OC_BET_SLOT, round, RC_BET_SLOT);
	copy_col(o, OC_STRATEGY, round, RC_STRATEGY);
	copy_col(o, OC_OUTCOME, round, RC_OUTCOME);
	copy_col(o, OC_STAKE, round, RC_STAKE);
	copy_col(o, OC_TARGET, round, RC_TARGET);
	copy_col(o, OC_CASHOUT, round, RC_CASHOUT);
	copy_col(o, OC_CRASH, round, RC_CRASH);
	copy_col(o, OC_PAYOUT, round, RC_PAYOUT);
	copy_col(o, OC_PROFIT, round, RC_PROFIT);
	copy_col(o, OC_ROI, round, RC_ROI);
	copy_col(o, OC_WIN_PROBABILITY, round, RC_WIN_PROBABILITY);
	copy_col(o, OC_EXPECTED_PROFIT, round, RC_EXPECTED_PROFIT);
	copy_col(o, OC_SETTLED_AT, round, RC_PLAYED_AT);
	ca_insert(w, o);
}

/*
 * Streaks, drawdown, balances and a session's start follow play order
 * (played_at, id).  A round played after the bot's latest one, the usual
 * case, extends them incrementally; one played earlier (a back-fill) makes
 * the bot's roll-up and sessions be replayed in play order once the call or
 * statement has written its rows (rebuild.c, ca_replay_bots).  A database
 * not yet updated to 1.2 has no play-order index and keeps logging order.
 */
static void
note_out_of_order(CaWriter *w, CaRow *round)
{
	if (ca_index_present(CA_IDX_ROUNDS_PLAY))
		ca_writer_note_replay(w, rget(round, RC_BOT_ID));
}

static void
fanout_session(CaWriter *w, CaRow *round, CaRow *session, const CaRoundFacts *f)
{
	if (session == NULL)
	{
		/* the bot did not start the session: its first round does */
		session = ca_row_new(CA_SESSIONS);
		copy_col(session, SE_BOT_ID, round, RC_BOT_ID);
		copy_col(session, SE_SESSION_ID, round, RC_SESSION_ID);
		copy_col(session, SE_GAME, round, RC_GAME);
		copy_col(session, SE_PLATFORM, round, RC_PLATFORM);
		ca_row_set(session, SE_STATUS, CStringGetTextDatum("active"));
		copy_col(session, SE_STARTED_AT, round, RC_PLAYED_AT);
		copy_col(session, SE_BALANCE_START, round, RC_BALANCE_BEFORE);
		copy_col(session, SE_PEAK_BALANCE, round, RC_BALANCE_BEFORE);
		ca_rollup_session(session, f, true);
		ca_insert(w, session);
	}
	else
	{
		if (f->played_at < DatumGetTimestampTz(rget(session, SE_STARTED_AT)))
			note_out_of_order(w, round);
		ca_rollup_session(session, f, false);
		ca_update(w, session);
	}
}

/* The bot's roll-up row, or NULL before its first round. */
CaRow *
ca_fetch_bot_rollup(CaWriter *w, Datum bot_id)
{
	return ca_fetch(w, CA_IDX_BOT_ROLLUP_KEY, &bot_id);
}

static void
fanout_bot_rollup(CaWriter *w, CaRow *round, const CaRoundFacts *f, CaRow *b)
{
	Datum		key = rget(round, RC_BOT_ID);

	if (b == NULL)
	{
		b = ca_row_new(CA_BOT_ROLLUPS);
		ca_row_set(b, BR_BOT_ID, key);
		ca_rollup_bot(b, f, true);
		ca_insert(w, b);
	}
	else
	{
		bool		isnull;
		Datum		last = ca_row_get(b, BR_LAST_AT, &isnull);

		if (!isnull && f->played_at < DatumGetTimestampTz(last))
			note_out_of_order(w, round);
		ca_rollup_bot(b, f, false);
		ca_update(w, b);
	}
}

/*
 * The round's roll-up of its UTC hour, or of its UTC day: the same figures,
 * keyed by (bot, game, platform, strategy, period start).
 */
typedef struct PeriodRollup
{
	CaTable		table;
	CaIndex		key;
	int			period_col;		/* the period start: first column after the four text keys */
	TimestampTz (*start) (TimestampTz);
	void		(*apply) (CaRow *, const CaRoundFacts *, bool);
} PeriodRollup;

static const PeriodRollup hourly = {CA_HOURLY_ROLLUPS, CA_IDX_HOURLY_KEY, HR_HOUR, ca_hour_start, ca_rollup_hourly};
static const PeriodRollup daily = {CA_DAILY_ROLLUPS, CA_IDX_DAILY_KEY, DY_DAY, ca_day_start, ca_rollup_daily};

static void
fanout_period_rollup(CaWriter *w, CaRow *round, const CaRoundFacts *f, const PeriodRollup *p)
{
	Datum		keys[5];
	bool		isnull;
	CaRow	   *h;
	int			i;

	StaticAssertStmt(HR_BOT_ID == 0 && HR_GAME == 1 && HR_PLATFORM == 2 && HR_STRATEGY == 3 &&
					 DY_BOT_ID == 0 && DY_GAME == 1 && DY_PLATFORM == 2 && DY_STRATEGY == 3,
					 "period roll-ups start with the same four key columns");
	keys[0] = rget(round, RC_BOT_ID);
	keys[1] = rget(round, RC_GAME);
	keys[2] = rget(round, RC_PLATFORM);
	keys[3] = ca_row_get(round, RC_STRATEGY, &isnull);
	if (isnull)
		keys[3] = CStringGetTextDatum("");	/* "no strategy given" */
	keys[4] = TimestampTzGetDatum(p->start(f->played_at));
	h = ca_fetch(w, p->key, keys);
	if (h == NULL)
	{
		h = ca_row_new(p->table);
		for (i = 0; i < 4; i++)
			ca_row_set(h, i, keys[i]);
		ca_row_set(h, p->period_col, keys[4]);
		p->apply(h, f, true);
		ca_insert(w, h);
	}
	else
	{
		p->apply(h, f, false);
		ca_update(w, h);
	}
}

void
ca_fanout_round(CaWriter *w, CaRound *r, CaRow *bot,
				CaRow *session, bool session_fresh, CaRow *rollup)
{
	CaRow	   *round = r->row;
	CaRoundFacts f = ca_round_facts(r);

	fanout_multiplier(w, round, bot);
	if (f.outcome != CA_SKIP)
		fanout_outcome(w, round);
	fanout_session(w, round, session_fresh ? NULL : session, &f);
	fanout_bot_rollup(w, round, &f, rollup);
	fanout_period_rollup(w, round, &f, &hourly);
	if (ca_table_present(CA_DAILY_ROLLUPS))
		fanout_period_rollup(w, round, &f, &daily);
}
