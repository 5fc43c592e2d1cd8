/*-------------------------------------------------------------------------
 *
 * rollup.c
 *		Running figures: what a round adds to its session, its bot's
 *		all-time roll-up and its (bot, game, platform, strategy) roll-ups of
 *		the UTC hour and (1.2) the UTC day.
 *
 * They share one notion of figures (counts by outcome, money, theory
 * sums, the sum of squared profits that ROI intervals need, best and worst
 * round) and differ in what else they keep: sessions and bots keep balances
 * and the drawdown of cumulative profit, bots keep streaks; an hour or a day
keeps the figures alone, so a day is the sum of its hours.  Everything here
is a pure function of the stored row and the
 * round's facts, so verify_consistency() can recompute the same numbers in
 * plain SQL, replaying rounds in logging (id) order:
 *
 *	- staked and payout include VOID bets (staked and refunded);
 *	- best/worst round and streaks consider WIN and LOSS only; SKIP and VOID
 *	  neither extend nor break a streak;
 *	- drawdown is measured on cumulative profit, starting from 0, so it
 *	  exists whether or not the bot reports balances;
 *	- first/last round times are the minimum and maximum played_at.
 *
 * IDENTIFICATION
 *	  src/rollup.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "datatype/timestamp.h"
#include "utils/builtins.h"
#include "utils/datum.h"

#include "crash_analytics.h"

typedef struct FigureCols
{
	int			rounds,
				bets,
				wins,
				losses,
				skips,
				voids,
				staked,
				payout,
				profit,
				expected,
				sum_winprob,
				targeted,
				sum_profit_sq,
				best,
				worst;
} FigureCols;

static const FigureCols session_cols = {
	SE_ROUNDS, SE_BETS, SE_WINS, SE_LOSSES, SE_SKIPS, SE_VOIDS, SE_STAKED, SE_PAYOUT,
	SE_PROFIT, SE_EXPECTED, SE_SUM_WINPROB, SE_TARGETED, SE_SUM_PROFIT_SQ, SE_BEST, SE_WORST
};
static const FigureCols bot_cols = {
	BR_ROUNDS, BR_BETS, BR_WINS, BR_LOSSES, BR_SKIPS, BR_VOIDS, BR_STAKED, BR_PAYOUT,
	BR_PROFIT, BR_EXPECTED, BR_SUM_WINPROB, BR_TARGETED, BR_SUM_PROFIT_SQ, BR_BEST, BR_WORST
};
static const FigureCols hourly_cols = {
	HR_ROUNDS, HR_BETS, HR_WINS, HR_LOSSES, HR_SKIPS, HR_VOIDS, HR_STAKED, HR_PAYOUT,
	HR_PROFIT, HR_EXPECTED, HR_SUM_WINPROB, HR_TARGETED, HR_SUM_PROFIT_SQ, HR_BEST, HR_WORST
};
static const FigureCols daily_cols = {
	DY_ROUNDS, DY_BETS, DY_WINS, DY_LOSSES, DY_SKIPS, DY_VOIDS, DY_STAKED, DY_PAYOUT,
	DY_PROFIT, DY_EXPECTED, DY_SUM_WINPROB, DY_TARGETED, DY_SUM_PROFIT_SQ, DY_BEST, DY_WORST
};

static inline Numeric
get_num(CaRow *row, int col)
{
	bool		isnull;
	Datum		d = ca_row_get(row, col, &isnull);

	return isnull ? NULL : DatumGetNumeric(d);
}

static inline void
set_num(CaRow *row, int col, Numeric n)
{
	ca_row_set(row, col, NumericGetDatum(n));
}

static inline int64
get_i64(CaRow *row, int col)
{
	bool		isnull;
	Datum		d = ca_row_get(row, col, &isnull);

	return isnull ? 0 : DatumGetInt64(d);
}

static inline void
add_i64(CaRow *row, int col, int64 delta)
{
	ca_row_set(row, col, Int64GetDatum(get_i64(row, col) + delta));
}

static inline void
add_num(CaRow *row, int col, Numeric n)
{
	Numeric		cur = get_num(row, col);

	set_num(row, col, cur ? ca_add(cur, n) : n);
}

static inline void
max_num(CaRow *row, int col, Numeric n)
{
	Numeric		cur = get_num(row, col);

	if (cur == NULL || ca_cmp(n, cur) > 0)
		set_num(row, col, n);
}

static inline void
min_num(CaRow *row, int col, Numeric n)
{
	Numeric		cur = get_num(row, col);

	if (cur == NULL || ca_cmp(n, cur) < 0)
		set_num(row, col, n);
}

static void
init_figures(CaRow *row, const FigureCols *c)
{
	const int	counts[] = {c->rounds, c->bets, c->wins, c->losses, c->skips, c->voids, c->targeted};
	const int	sums[] = {c->staked, c->payout, c->profit, c->expected, c->sum_winprob,
	c->sum_profit_sq};
	int			i;

	for (i = 0; i < (int) lengthof(counts); i++)
		ca_row_set(row, counts[i], Int64GetDatum(0));
	for (i = 0; i < (int) lengthof(sums); i++)
		set_num(row, sums[i], ca_num_int(0));
}

static void
apply_figures(CaRow *row, const FigureCols *c, const CaRoundFacts *f, bool fresh)
{
	if (fresh)
		init_figures(row, c);
	add_i64(row, c->rounds, 1);
	switch (f->outcome)
	{
		case CA_WIN:
			add_i64(row, c->wins, 1);
			break;
		case CA_LOSS:
			add_i64(row, c->losses, 1);
			break;
		case CA_VOID:
			add_i64(row, c->voids, 1);
			break;
		case CA_SKIP:
			add_i64(row, c->skips, 1);
			return;				/* a skip moves nothing else */
	}
	add_i64(row, c->bets, 1);
	add_num(row, c->staked, f->stake);
	add_num(row, c->payout, f->payout);
	add_num(row, c->profit, f->profit);
	add_num(row, c->expected, f->expected_profit);
	add_num(row, c->sum_profit_sq, ca_mul(f->profit, f->profit));
	if (f->outcome == CA_VOID)
		return;
	if (f->win_probability != NULL)
	{
		add_num(row, c->sum_winprob, f->win_probability);
		add_i64(row, c->targeted, 1);
	}
	max_num(row, c->best, f->profit);
	min_num(row, c->worst, f->profit);
}

/* peak of cumulative profit and the largest fall from a peak */
static void
apply_drawdown(CaRow *row, int profit_col, int peak_col, int dd_col)
{
	Numeric		cum = get_num(row, profit_col);
	Numeric		peak = get_num(row, peak_col);

	if (peak == NULL || ca_cmp(cum, peak) > 0)
		peak = cum;
	if (ca_cmp(peak, ca_num_int(0)) < 0)
		peak = ca_num_int(0);
	set_num(row, peak_col, peak);
	max_num(row, dd_col, ca_sub(peak, cum));
}

CaRoundFacts
ca_round_facts(const CaRound *r)
{
	CaRow	   *row = r->row;
	CaRoundFacts f;

	f.round_id = DatumGetInt64(ca_row_get(row, RC_ID, NULL));
	f.round_number = DatumGetInt64(ca_row_get(row, RC_ROUND_NUMBER, NULL));
	f.outcome = ca_outcome_from_text(DatumGetTextPP(ca_row_get(row, RC_OUTCOME, NULL)));
	f.stake = get_num(row, RC_STAKE);
	f.payout = get_num(row, RC_PAYOUT);
	f.profit = get_num(row, RC_PROFIT);
	f.expected_profit = get_num(row, RC_EXPECTED_PROFIT);
	f.win_probability = get_num(row, RC_WIN_PROBABILITY);
	f.balance_after = get_num(row, RC_BALANCE_AFTER);
	f.played_at = DatumGetTimestampTz(ca_row_get(row, RC_PLAYED_AT, NULL));
	return f;
}

void
ca_rollup_session(CaRow *s, const CaRoundFacts *f, bool fresh)
{
	if (fresh)
		set_num(s, SE_PEAK_PROFIT, ca_num_int(0));
	apply_figures(s, &session_cols, f, fresh);
	apply_drawdown(s, SE_PROFIT, SE_PEAK_PROFIT, SE_MAX_DRAWDOWN);
	if (f->balance_after != NULL)
	{
		set_num(s, SE_BALANCE, f->balance_after);
		max_num(s, SE_PEAK_BALANCE, f->balance_after);
	}
	ca_row_set(s, SE_LAST_ROUND, Int64GetDatum(f->round_number));
	ca_row_set(s, SE_LAST_ROUND_AT, TimestampTzGetDatum(f->played_at));
}

void
ca_rollup_bot(CaRow *b, const CaRoundFacts *f, bool fresh)
{
	int64		streak;

	if (fresh)
	{
		ca_row_set(b, BR_CUR_STREAK, Int64GetDatum(0));
		ca_row_set(b, BR_WIN_STREAK, Int64GetDatum(0));
		ca_row_set(b, BR_LOSS_STREAK, Int64GetDatum(0));
		set_num(b, BR_PEAK_PROFIT, ca_num_int(0));
	}
	apply_figures(b, &bot_cols, f, fresh);
	apply_drawdown(b, BR_PROFIT, BR_PEAK_PROFIT, BR_MAX_DRAWDOWN);

	streak = get_i64(b, BR_CUR_STREAK);
	if (f->outcome == CA_WIN)
	{
		streak = streak > 0 ? streak + 1 : 1;
		if (streak > get_i64(b, BR_WIN_STREAK))
			ca_row_set(b, BR_WIN_STREAK, Int64GetDatum(streak));
	}
	else if (f->outcome == CA_LOSS)
	{
		streak = streak < 0 ? streak - 1 : -1;
		if (-streak > get_i64(b, BR_LOSS_STREAK))
			ca_row_set(b, BR_LOSS_STREAK, Int64GetDatum(-streak));
	}
	ca_row_set(b, BR_CUR_STREAK, Int64GetDatum(streak));

	if (f->balance_after != NULL)
	{
		set_num(b, BR_BALANCE, f->balance_after);
		max_num(b, BR_PEAK_BALANCE, f->balance_after);
	}
	if (ca_row_isnull(b, BR_FIRST_AT) ||
		f->played_at < DatumGetTimestampTz(ca_row_get(b, BR_FIRST_AT, NULL)))
		ca_row_set(b, BR_FIRST_AT, TimestampTzGetDatum(f->played_at));
	if (ca_row_isnull(b, BR_LAST_AT) ||
		f->played_at > DatumGetTimestampTz(ca_row_get(b, BR_LAST_AT, NULL)))
		ca_row_set(b, BR_LAST_AT, TimestampTzGetDatum(f->played_at));
	ca_row_set(b, BR_LAST_ROUND_ID, Int64GetDatum(f->round_id));
}

void
ca_rollup_hourly(CaRow *h, const CaRoundFacts *f, bool fresh)
{
	apply_figures(h, &hourly_cols, f, fresh);
}

void
ca_rollup_daily(CaRow *d, const CaRoundFacts *f, bool fresh)
{
	apply_figures(d, &daily_cols, f, fresh);
}

/* Start of the UTC day holding t (TimestampTz counts from UTC midnight). */
TimestampTz
ca_day_start(TimestampTz t)
{
	TimestampTz r = t % USECS_PER_DAY;

	if (r < 0)
		r += USECS_PER_DAY;
	return t - r;
}

/* Start of the UTC hour holding t (TimestampTz counts from an hour boundary). */
TimestampTz
ca_hour_start(TimestampTz t)
{
	TimestampTz r = t % USECS_PER_HOUR;

	if (r < 0)
		r += USECS_PER_HOUR;
	return t - r;
}

/*
 * A stored session's figures back to their state before its first round:
 * what start_session() leaves (balance_current = peak_balance =
 * balance_start), so that replaying its rounds gives what ingestion gave.
 */
void
ca_rollup_session_reset(CaRow *s)
{
	bool		isnull;
	Datum		start = ca_row_get(s, SE_BALANCE_START, &isnull);

	init_figures(s, &session_cols);
	ca_row_set_null(s, SE_BEST);
	ca_row_set_null(s, SE_WORST);
	set_num(s, SE_PEAK_PROFIT, ca_num_int(0));
	set_num(s, SE_MAX_DRAWDOWN, ca_num_int(0));
	/* separate copies: replay frees values it replaces, one column at a time */
	ca_row_set_maybe(s, SE_BALANCE, isnull ? start : datumCopy(start, false, -1), isnull);
	ca_row_set_maybe(s, SE_PEAK_BALANCE, isnull ? start : datumCopy(start, false, -1), isnull);
	ca_row_set_null(s, SE_LAST_ROUND);
	ca_row_set_null(s, SE_LAST_ROUND_AT);
}
