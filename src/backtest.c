/*-------------------------------------------------------------------------
 *
 * backtest.c
 *		Backtests, risk of ruin and simulation: a betting strategy replayed
 *		over recorded or simulated crash multipliers (PRODUCT.md section 6).
 *
 * One engine.  A strategy is a jsonb spec (parse_strategy lists its fields
 * and their rules); bt_step plays one round of it.  Every entry point runs
 * the same bt_step, so a strategy means the same thing in a backtest over
 * recorded history (backtest_strategy, backtest_equity_curve), over an
 * array of multipliers, over simulated rounds (backtest_simulated) and in
 * the Monte Carlo risk of ruin (risk_of_ruin).
 *
 * Money is exact.  Amounts are int64 counts of the currency's minor unit
 * (10^-decimals: cents for the usual two decimals), multipliers int64
 * counts of hundredths.  A win pays stake x cash-out rounded half away from
 * zero to the minor unit, as ingestion does (derive.c); a progression's next
 * stake (stake x factor) is rounded the same way.  No float touches money;
 * an overflow is an error (22003), never a wrap.
 *
 * The rules of a replay:
 *	- Every round is either watched (the strategy does not bet) or bet at the
 *	  strategy's target: the bet wins if and only if crash >= target.
 *	- Bust: a stake larger than the balance cannot be placed; the replay
 *	  stops at that round (bust_round), which is not played.
 *	- Stop-loss / take-profit are checked after each settled bet on the
 *	  profit so far (balance - bankroll): profit <= -stop_loss or
 *	  profit >= take_profit stops the replay after that round.
 *	- Max drawdown is the largest fall of the balance below its running
 *	  peak (the bankroll being the first peak), after settled bets.
 *
 * Recorded history: the rounds of one game/platform in a period, each
 * platform round once (the first reading logged when several bots saw it,
 * the rule of distinct_multipliers), ordered by observed_at, then by
 * platform_round_id, then by id (logging order).  One SPI query, under the
 * caller's privileges, streams them through a DestReceiver into a C array
 * (no tuple table, and the executor may plan it in parallel); a plain loop
 * replays the array.
 *
 * Simulation: crash = max(1.00, floor(100 RTP / U) / 100) with U uniform on
 * (0, 1] (1 - pg_prng_double, a multiple of 2^-53) from a pg_prng state
 * seeded with the caller's seed, so P(crash >= x) = RTP / x on the 0.01 grid
 * (x >= 1.01) and a seed gives the same rounds on every run.  simulate_rounds,
 * backtest_simulated and risk_of_ruin draw from the same generator:
 * backtest_simulated(seed) replays exactly simulate_rounds(seed).
 *
 * IDENTIFICATION
 *	  src/backtest.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "crash_analytics.h"

PG_FUNCTION_INFO_V1(ca_backtest_strategy);
PG_FUNCTION_INFO_V1(ca_backtest_equity_curve);
PG_FUNCTION_INFO_V1(ca_backtest_multipliers);
PG_FUNCTION_INFO_V1(ca_backtest_multipliers_curve);
PG_FUNCTION_INFO_V1(ca_backtest_simulated);
PG_FUNCTION_INFO_V1(ca_risk_of_ruin);
PG_FUNCTION_INFO_V1(ca_simulate_rounds);

/* limits */
#define BT_MAX_MULT_H		INT64CONST(9999999999)	/* 99999999.99x, the tables' bound */
#define BT_MAX_SIMULATIONS	1000000
#define BT_MAX_SIM_ROUNDS	INT64CONST(1000000000)	/* simulations x rounds */
#define BT_AMOUNT_LIMIT		"1e15"	/* amounts, as ca_check_number */
#define BT_CHECK_EVERY		0xFFFF	/* rounds between interrupt checks */

/* ----------------------------------------------------------------------
 * Strategies
 * ----------------------------------------------------------------------
 */
typedef enum BtKind
{
	BT_FIXED,
	BT_MARTINGALE,
	BT_PAROLI,
	BT_DALEMBERT,
	BT_SKIP_UNTIL,
	BT_NKINDS
} BtKind;

static const char *const bt_kind_names[BT_NKINDS] = {
	"fixed", "martingale", "paroli", "dalembert", "skip_until"
};

/* what a spec may say for "kind", aliases included */
static const struct
{
	const char *name;
	BtKind		kind;
}			bt_kind_words[] =
{
	{"fixed", BT_FIXED},
	{"flat", BT_FIXED},
	{"martingale", BT_MARTINGALE},
	{"paroli", BT_PAROLI},
	{"anti_martingale", BT_PAROLI},
	{"dalembert", BT_DALEMBERT},
	{"skip_until", BT_SKIP_UNTIL},
};

typedef enum BtField
{
	F_KIND,
	F_TARGET,
	F_BASE_STAKE,
	F_FACTOR,
	F_MAX_STAKE,
	F_MAX_DOUBLINGS,
	F_ON_CAP,
	F_WIN_STREAK,
	F_UNDER,
	F_ROUNDS_UNDER,
	F_RETRIES,
	F_STOP_LOSS,
	F_TAKE_PROFIT,
	F_NFIELDS
} BtField;

#define K(k) (1 << (k))
#define K_ALL ((1 << BT_NKINDS) - 1)

/* the spec's fields, and the kinds each applies to */
static const struct
{
	const char *name;
	int			kinds;
}			bt_fields[F_NFIELDS] =
{
	[F_KIND] = {"kind", K_ALL},
	[F_TARGET] = {"target", K_ALL},
	[F_BASE_STAKE] = {"base_stake", K_ALL},
	[F_FACTOR] = {"factor", K(BT_MARTINGALE) | K(BT_PAROLI)},
	[F_MAX_STAKE] = {"max_stake", K(BT_MARTINGALE) | K(BT_PAROLI) | K(BT_DALEMBERT)},
	[F_MAX_DOUBLINGS] = {"max_doublings", K(BT_MARTINGALE)},
	[F_ON_CAP] = {"on_cap", K(BT_MARTINGALE) | K(BT_PAROLI) | K(BT_DALEMBERT)},
	[F_WIN_STREAK] = {"win_streak", K(BT_PAROLI)},
	[F_UNDER] = {"under", K(BT_SKIP_UNTIL)},
	[F_ROUNDS_UNDER] = {"rounds_under", K(BT_SKIP_UNTIL)},
	[F_RETRIES] = {"retries", K(BT_SKIP_UNTIL)},
	[F_STOP_LOSS] = {"stop_loss", K_ALL},
	[F_TAKE_PROFIT] = {"take_profit", K_ALL},
};

/* A parsed strategy: every amount in minor units, every multiplier in hundredths. */
typedef struct BtStrategy
{
	BtKind		kind;
	int			decimals;		/* of the currency the amounts are in */
	int64		target;			/* cash-out multiplier */
	int64		base;			/* base stake (the unit of d'Alembert) */
	int64		factor;			/* martingale/paroli stake multiplier, hundredths */
	int64		max_stake;		/* 0: no cap */
	int32		max_doublings;	/* martingale: -1 no cap */
	bool		cap_reset;		/* on_cap: reset to base (true) or hold */
	int32		win_streak;		/* paroli: wins in a row before the reset */
	int64		under;			/* skip_until: x */
	int32		rounds_under;	/* skip_until: k */
	int32		retries;		/* skip_until: bets after a loss */
	int64		stop_loss;		/* 0: none */
	int64		take_profit;	/* 0: none */
} BtStrategy;

/* ----------------------------------------------------------------------
 * Numbers
 * ----------------------------------------------------------------------
 */

/* a numeric constant kept for the backend's life */
static Numeric
const_num(Numeric *slot, const char *text)
{
	if (*slot == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		*slot = ca_num(text);
		MemoryContextSwitchTo(old);
	}
	return *slot;
}

/* 10^d as a numeric, 0 <= d <= 8 (the currency decimals' range) */
static Numeric
pow10_num(int d)
{
	static Numeric cache[9];
	char		buf[8];

	if (d < 0 || d > 8)
		elog(ERROR, "unexpected number of decimals %d", d);
	snprintf(buf, sizeof(buf), "1e%d", d);
	return const_num(&cache[d], buf);
}

/* v / 10^d as a numeric with d decimals: amounts out, multipliers out */
static Numeric
minor_to_num(int64 v, int d)
{
	if (d == 0)
		return int64_to_numeric(v);
	return int64_div_fast_to_numeric(v, d);
}

static Datum
money_datum(int64 v, int d)
{
	return NumericGetDatum(minor_to_num(v, d));
}

/*
 * v * 10^d as int64 when it is a whole number of magnitude below 9e18;
 * false otherwise (NaN and infinities included).
 */
static bool
num_to_minor(Numeric v, int d, int64 *out)
{
	static Numeric hi,
				lo;
	Numeric		scaled;

	if (numeric_is_nan(v) || numeric_is_inf(v))
		return false;
	scaled = d == 0 ? v : ca_mul(v, pow10_num(d));
	if (ca_cmp(scaled, const_num(&hi, "9e18")) >= 0 || ca_cmp(scaled, const_num(&lo, "-9e18")) <= 0)
		return false;
	if (ca_cmp(ca_round(scaled, 0), scaled) != 0)
		return false;
	*out = DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(scaled)));
	return true;
}

static pg_noinline void
bt_overflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("amounts out of range in the replay"),
			 errdetail("A stake, payout or balance went beyond 9.2e18 minor units of the currency.")));
}

/* round(a * b / 100) half away from zero, for a >= 0 and b >= 0 */
static inline int64
mul_hundredths(int64 a, int64 b)
{
	int64		p;

	if (unlikely(pg_mul_s64_overflow(a, b, &p) || pg_add_s64_overflow(p, 50, &p)))
		bt_overflow();
	return p / 100;
}

static inline int64
add_checked(int64 a, int64 b)
{
	int64		r;

	if (unlikely(pg_add_s64_overflow(a, b, &r)))
		bt_overflow();
	return r;
}

/* ----------------------------------------------------------------------
 * The spec: a jsonb object, every field checked, errors 22023 naming it.
 * ----------------------------------------------------------------------
 */
static const char *
json_type_words(JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return "null";
		case jbvString:
			return "a string";
		case jbvNumeric:
			return "a number";
		case jbvBool:
			return "a boolean";
		case jbvBinary:
			return JsonContainerIsArray(v->val.binary.data) ? "an array" : "an object";
		default:
			return "not a scalar";
	}
}

static char *
kind_field_list(BtKind kind)
{
	StringInfoData buf;
	int			f;

	initStringInfo(&buf);
	for (f = 0; f < F_NFIELDS; f++)
		if (bt_fields[f].kinds & K(kind))
			appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", bt_fields[f].name);
	return buf.data;
}

static void spec_error(BtField f, const char *must, const char *was) pg_attribute_noreturn();

static void
spec_error(BtField f, const char *must, const char *was)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("strategy field \"%s\" must be %s", bt_fields[f].name, must),
			 errdetail("\"%s\" was %s.", bt_fields[f].name, was)));
}

static Numeric
spec_number(BtField f, JsonbValue *v)
{
	if (v->type != jbvNumeric)
		spec_error(f, "a number", json_type_words(v));
	return v->val.numeric;
}

/* a multiplier in hundredths: 1.01 or more, two decimals at most */
static int64
spec_multiplier(BtField f, JsonbValue *v)
{
	Numeric		n = spec_number(f, v);
	int64		h;

	if (!num_to_minor(n, 2, &h) || h < 101 || h > BT_MAX_MULT_H)
		spec_error(f, "a multiplier from 1.01 to 99999999.99 with at most two decimal places",
				   ca_num_str(n));
	return h;
}

/* an amount in minor units: more than 0, the currency's decimals at most */
static int64
spec_amount(BtField f, JsonbValue *v, int decimals)
{
	Numeric		n = spec_number(f, v);
	int64		m;

	if (!num_to_minor(n, decimals, &m) || m <= 0 ||
		ca_cmp(n, ca_num(BT_AMOUNT_LIMIT)) >= 0)
		spec_error(f, psprintf("an amount greater than 0 and below 10^15 with at most %d decimal places",
							   decimals),
				   ca_num_str(n));
	return m;
}

static int32
spec_int(BtField f, JsonbValue *v, int32 min, int32 max)
{
	Numeric		n = spec_number(f, v);
	int64		i;

	if (!num_to_minor(n, 0, &i) || i < min || i > max)
		spec_error(f, psprintf("an integer from %d to %d", min, max), ca_num_str(n));
	return (int32) i;
}

static char *
spec_string(BtField f, JsonbValue *v)
{
	if (v->type != jbvString)
		spec_error(f, "a string", json_type_words(v));
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/*
 * Parse and check a strategy spec.  The fields (amounts in the currency,
 * with at most `decimals` decimal places; multipliers with at most two):
 *
 *	kind			fixed (alias flat), martingale, paroli (alias
 *					anti_martingale), dalembert, skip_until		required
 *	target			cash-out multiplier, >= 1.01				required
 *	base_stake		the first stake (d'Alembert: the unit)		required
 *	factor			martingale, paroli: next stake = stake x factor, > 1
 *					(default 2)
 *	max_stake		martingale, paroli, dalembert: a stake above it is not
 *					placed; on_cap says what is bet instead
 *	max_doublings	martingale: at most this many increases in a row
 *	on_cap			"reset" (default: back to base_stake) or "hold" (stay
 *					at the cap: max_stake, or the stake reached)
 *	win_streak		paroli: wins in a row before the reset (default 3)
 *	under, rounds_under
 *					skip_until: bet when the last rounds_under rounds all
 *					crashed under `under` (both required)
 *	retries			skip_until: after a losing bet, bet again up to this
 *					many times whatever the multipliers (default 0)
 *	stop_loss, take_profit
 *					any kind: stop once the profit is <= -stop_loss or
 *					>= take_profit
 */
static BtStrategy
parse_strategy(Jsonb *spec, int decimals)
{
	BtStrategy	s;
	JsonbValue	vals[F_NFIELDS];
	bool		given[F_NFIELDS];
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbValue	v;
	char	   *unknown = NULL;
	char	   *kindword;
	int			f,
				i;
	bool		found = false;

	memset(&s, 0, sizeof(s));
	memset(given, 0, sizeof(given));

	if (!JB_ROOT_IS_OBJECT(spec))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("strategy must be a JSON object"),
				 errdetail("It was %s.", JB_ROOT_IS_SCALAR(spec) ? "a scalar" : "an array"),
				 errhint("For example {\"kind\": \"martingale\", \"target\": 2.00, \"base_stake\": 1.00, \"max_stake\": 64.00}.")));

	it = JsonbIteratorInit(&spec->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *key;

		if (tok != WJB_KEY)
			continue;
		key = pnstrdup(v.val.string.val, v.val.string.len);
		tok = JsonbIteratorNext(&it, &v, true);
		Assert(tok == WJB_VALUE);
		for (f = 0; f < F_NFIELDS; f++)
			if (strcmp(key, bt_fields[f].name) == 0)
				break;
		if (f == F_NFIELDS)
		{
			if (unknown == NULL)
				unknown = key;
			continue;
		}
		vals[f] = v;
		given[f] = true;
	}

	/* the kind first: it decides which fields apply */
	if (!given[F_KIND])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("strategy field \"kind\" is required"),
				 errhint("kind is one of fixed, martingale, paroli, dalembert, skip_until.")));
	kindword = spec_string(F_KIND, &vals[F_KIND]);
	for (i = 0; i < (int) lengthof(bt_kind_words); i++)
		if (strcmp(kindword, bt_kind_words[i].name) == 0)
		{
			s.kind = bt_kind_words[i].kind;
			found = true;
			break;
		}
	if (!found)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("strategy field \"kind\" must be one of fixed, martingale, paroli, dalembert, skip_until"),
				 errdetail("\"kind\" was \"%s\".", kindword),
				 errhint("flat is another name for fixed, anti_martingale for paroli.")));

	if (unknown != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown strategy field \"%s\"", unknown),
				 errhint("The fields of kind %s are: %s.", bt_kind_names[s.kind],
						 kind_field_list(s.kind))));
	for (f = 0; f < F_NFIELDS; f++)
		if (given[f] && !(bt_fields[f].kinds & K(s.kind)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("strategy field \"%s\" does not apply to kind %s",
							bt_fields[f].name, bt_kind_names[s.kind]),
					 errhint("The fields of kind %s are: %s.", bt_kind_names[s.kind],
							 kind_field_list(s.kind))));
	{
		BtField		required[] = {F_TARGET, F_BASE_STAKE, F_UNDER, F_ROUNDS_UNDER};

		for (i = 0; i < (int) lengthof(required); i++)
			if (!given[required[i]] && (bt_fields[required[i]].kinds & K(s.kind)))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("strategy field \"%s\" is required", bt_fields[required[i]].name),
						 errdetail("Kind %s needs target and base_stake%s.", bt_kind_names[s.kind],
								   s.kind == BT_SKIP_UNTIL ? ", under and rounds_under" : "")));
	}

	s.decimals = decimals;
	s.target = spec_multiplier(F_TARGET, &vals[F_TARGET]);
	s.base = spec_amount(F_BASE_STAKE, &vals[F_BASE_STAKE], decimals);
	s.factor = 200;
	if (given[F_FACTOR])
	{
		Numeric		n = spec_number(F_FACTOR, &vals[F_FACTOR]);

		if (!num_to_minor(n, 2, &s.factor) || s.factor <= 100 || s.factor > 100000)
			spec_error(F_FACTOR, "a number greater than 1 and at most 1000 with at most two decimal places",
					   ca_num_str(n));
	}
	if (given[F_MAX_STAKE])
	{
		s.max_stake = spec_amount(F_MAX_STAKE, &vals[F_MAX_STAKE], decimals);
		if (s.max_stake < s.base)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("strategy field \"max_stake\" must be at least base_stake"),
					 errdetail("\"max_stake\" was %s and \"base_stake\" %s.",
							   ca_num_str(minor_to_num(s.max_stake, decimals)),
							   ca_num_str(minor_to_num(s.base, decimals)))));
	}
	s.max_doublings = given[F_MAX_DOUBLINGS] ? spec_int(F_MAX_DOUBLINGS, &vals[F_MAX_DOUBLINGS], 0, 1000) : -1;
	s.cap_reset = true;
	if (given[F_ON_CAP])
	{
		char	   *w = spec_string(F_ON_CAP, &vals[F_ON_CAP]);

		if (strcmp(w, "hold") == 0)
			s.cap_reset = false;
		else if (strcmp(w, "reset") != 0)
			spec_error(F_ON_CAP, "\"reset\" or \"hold\"", psprintf("\"%s\"", w));
	}
	s.win_streak = given[F_WIN_STREAK] ? spec_int(F_WIN_STREAK, &vals[F_WIN_STREAK], 1, 1000) : 3;
	if (s.kind == BT_SKIP_UNTIL)
	{
		s.under = spec_multiplier(F_UNDER, &vals[F_UNDER]);
		s.rounds_under = spec_int(F_ROUNDS_UNDER, &vals[F_ROUNDS_UNDER], 1, 1000000);
	}
	s.retries = given[F_RETRIES] ? spec_int(F_RETRIES, &vals[F_RETRIES], 0, 1000000) : 0;
	if (given[F_STOP_LOSS])
		s.stop_loss = spec_amount(F_STOP_LOSS, &vals[F_STOP_LOSS], decimals);
	if (given[F_TAKE_PROFIT])
		s.take_profit = spec_amount(F_TAKE_PROFIT, &vals[F_TAKE_PROFIT], decimals);
	return s;
}

/* ----------------------------------------------------------------------
 * The engine
 * ----------------------------------------------------------------------
 */
typedef enum BtOutcome
{
	BT_OUT_SKIP,				/* watched, no bet */
	BT_OUT_WIN,
	BT_OUT_LOSS,
	BT_OUT_BUST					/* the stake was more than the balance */
} BtOutcome;

static const char *const bt_outcome_names[] = {"SKIP", "WIN", "LOSS", "BUST"};

typedef enum BtStop
{
	BT_RUNNING,
	BT_STOP_END,				/* the rounds ran out */
	BT_STOP_BUST,
	BT_STOP_LOSS,
	BT_STOP_PROFIT
} BtStop;

static const char *const bt_stop_names[] = {"running", "end", "bust", "stop_loss", "take_profit"};

typedef struct BtState
{
	int64		start;			/* the bankroll */
	int64		balance;
	int64		peak;
	int64		max_drawdown;
	int64		stake;			/* the next stake, when the strategy bets */
	int32		steps;			/* increases in a row (martingale), wins in a
								 * row (paroli) */
	int64		run_under;		/* skip_until: rounds in a row under `under` */
	int32		retries_left;
	bool		retry_pending;
	int64		rounds;			/* rounds played or watched */
	int64		bets;
	int64		wins;
	int64		losses;
	int64		staked;
	int64		loss_streak;
	int64		longest_loss_streak;
	int64		bust_round;		/* 0: no bust */
	BtStop		stop;
} BtState;

static void
bt_init(BtState *st, const BtStrategy *s, int64 bankroll)
{
	memset(st, 0, sizeof(*st));
	st->start = st->balance = st->peak = bankroll;
	st->stake = s->base;
	st->stop = BT_RUNNING;
}

/* The stake cap was reached: back to the base stake, or stay at `held`. */
static inline void
bt_capped(const BtStrategy *s, BtState *st, int64 held)
{
	if (s->cap_reset)
	{
		st->stake = s->base;
		st->steps = 0;
	}
	else
		st->stake = held;
}

/* Settle a bet of st->stake: the balance, the tallies, the next stake. */
static inline BtOutcome
bt_settle(const BtStrategy *s, BtState *st, int64 crash)
{
	st->rounds++;
	st->bets++;
	st->staked = add_checked(st->staked, st->stake);
	st->balance -= st->stake;
	if (s->kind == BT_SKIP_UNTIL && !st->retry_pending)
		st->retries_left = s->retries; /* a new sequence starts with this bet */

	if (crash >= s->target)
	{
		st->wins++;
		st->loss_streak = 0;
		st->balance = add_checked(st->balance, mul_hundredths(st->stake, s->target));
		switch (s->kind)
		{
			case BT_MARTINGALE:
				st->stake = s->base;
				st->steps = 0;
				break;
			case BT_PAROLI:
				if (++st->steps >= s->win_streak)
				{
					st->stake = s->base;
					st->steps = 0;
				}
				else
				{
					int64		next = mul_hundredths(st->stake, s->factor);

					if (s->max_stake > 0 && next > s->max_stake)
						bt_capped(s, st, s->max_stake);
					else
						st->stake = next;
				}
				break;
			case BT_DALEMBERT:
				st->stake = Max(s->base, st->stake - s->base);
				break;
			case BT_SKIP_UNTIL:
				st->retry_pending = false;
				break;
			case BT_FIXED:
			case BT_NKINDS:
				break;
		}
		return BT_OUT_WIN;
	}

	st->losses++;
	if (++st->loss_streak > st->longest_loss_streak)
		st->longest_loss_streak = st->loss_streak;
	switch (s->kind)
	{
		case BT_MARTINGALE:
			if (s->max_doublings >= 0 && st->steps >= s->max_doublings)
				bt_capped(s, st, st->stake);
			else
			{
				int64		next = mul_hundredths(st->stake, s->factor);

				if (s->max_stake > 0 && next > s->max_stake)
				{
					bt_capped(s, st, s->max_stake);
					if (!s->cap_reset)
						st->steps++;
				}
				else
				{
					st->stake = next;
					st->steps++;
				}
			}
			break;
		case BT_PAROLI:
			st->stake = s->base;
			st->steps = 0;
			break;
		case BT_DALEMBERT:
			{
				int64		next = add_checked(st->stake, s->base);

				if (s->max_stake > 0 && next > s->max_stake)
					bt_capped(s, st, st->stake);
				else
					st->stake = next;
			}
			break;
		case BT_SKIP_UNTIL:
			st->retry_pending = st->retries_left > 0;
			if (st->retry_pending)
				st->retries_left--;
			break;
		case BT_FIXED:
		case BT_NKINDS:
			break;
	}
	return BT_OUT_LOSS;
}

/*
 * Play one round that crashed at `crash` (hundredths).  Returns what the
 * strategy did; *stake is what it bet (or could not cover).  Sets st->stop
 * when the replay ends with this round.
 */
static inline BtOutcome
bt_step(const BtStrategy *s, BtState *st, int64 crash, int64 *stake)
{
	BtOutcome	o;

	if (s->kind == BT_SKIP_UNTIL && !st->retry_pending && st->run_under < s->rounds_under)
	{
		*stake = 0;
		st->rounds++;
		o = BT_OUT_SKIP;
	}
	else
	{
		*stake = st->stake;
		if (st->stake > st->balance)
		{
			st->bust_round = st->rounds + 1;
			st->stop = BT_STOP_BUST;
			return BT_OUT_BUST;
		}
		o = bt_settle(s, st, crash);
		if (st->balance > st->peak)
			st->peak = st->balance;
		else if (st->peak - st->balance > st->max_drawdown)
			st->max_drawdown = st->peak - st->balance;
		if (s->stop_loss > 0 && st->balance - st->start <= -s->stop_loss)
			st->stop = BT_STOP_LOSS;
		else if (s->take_profit > 0 && st->balance - st->start >= s->take_profit)
			st->stop = BT_STOP_PROFIT;
	}
	/* skip_until counts every round, watched or bet */
	if (s->kind == BT_SKIP_UNTIL)
		st->run_under = crash < s->under ? st->run_under + 1 : 0;
	return o;
}

/* ----------------------------------------------------------------------
 * Output
 * ----------------------------------------------------------------------
 */

/* the equity curve: one row per round, into a tuplestore */
typedef struct BtCurve
{
	ReturnSetInfo *rsinfo;
	const int64 *times;			/* observed_at per round, or NULL */
	MemoryContext row_cxt;		/* a row's Datums, reset after each row */
} BtCurve;

enum
{
	C_ROUND, C_OBSERVED_AT, C_MULTIPLIER, C_STAKE, C_OUTCOME, C_PROFIT, C_BALANCE, C_NCOLS
};

static void
curve_row(BtCurve *c, const BtStrategy *s, const BtState *st, int64 index, int64 crash,
		  BtOutcome o, int64 stake, int64 before)
{
	Datum		values[C_NCOLS];
	bool		nulls[C_NCOLS];
	MemoryContext old = MemoryContextSwitchTo(c->row_cxt);

	memset(nulls, 0, sizeof(nulls));
	values[C_ROUND] = Int64GetDatum(index + 1);
	if (c->times)
		values[C_OBSERVED_AT] = TimestampTzGetDatum(c->times[index]);
	else
		nulls[C_OBSERVED_AT] = true;
	values[C_MULTIPLIER] = money_datum(crash, 2);
	values[C_STAKE] = money_datum(stake, s->decimals);
	values[C_OUTCOME] = CStringGetTextDatum(bt_outcome_names[o]);
	values[C_PROFIT] = money_datum(st->balance - before, s->decimals);
	values[C_BALANCE] = money_datum(st->balance, s->decimals);
	tuplestore_putvalues(c->rsinfo->setResult, c->rsinfo->setDesc, values, nulls);
	MemoryContextSwitchTo(old);
	MemoryContextReset(c->row_cxt);
}

/* an equity curve into the function's tuplestore */
static void
curve_init(BtCurve *c, FunctionCallInfo fcinfo, const int64 *times)
{
	InitMaterializedSRF(fcinfo, 0);
	c->rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	c->times = times;
	c->row_cxt = AllocSetContextCreate(CurrentMemoryContext, "backtest equity curve row",
									   ALLOCSET_SMALL_SIZES);
}

/* Replay rounds[0..n) until they run out or the strategy stops. */
static void
bt_replay(const BtStrategy *s, BtState *st, const int64 *rounds, int64 n, BtCurve *curve)
{
	int64		i;

	for (i = 0; i < n && st->stop == BT_RUNNING; i++)
	{
		int64		stake;
		int64		before = st->balance;
		BtOutcome	o;

		if ((i & BT_CHECK_EVERY) == 0)
			CHECK_FOR_INTERRUPTS();
		o = bt_step(s, st, rounds[i], &stake);
		if (curve)
			curve_row(curve, s, st, i, rounds[i], o, stake, before);
	}
	if (st->stop == BT_RUNNING)
		st->stop = BT_STOP_END;
}

static Numeric
percent(Numeric part, Numeric whole)
{
	return ca_round(ca_div(ca_mul(part, ca_num_int(100)), whole), 2);
}

/* the summary row of a backtest; rtp may be NULL (unknown) */
enum
{
	R_ROUNDS, R_BETS, R_WINS, R_LOSSES, R_WIN_RATE, R_CHANCE_RATE, R_STAKED, R_PROFIT,
	R_ROI, R_EXPECTED, R_FINAL, R_MAX_DRAWDOWN, R_LOSS_STREAK, R_BUST, R_BUST_ROUND,
	R_STOP, R_NCOLS
};

static Datum
bt_result(FunctionCallInfo fcinfo, const BtStrategy *s, const BtState *st, Numeric rtp)
{
	TupleDesc	tupdesc;
	Datum		values[R_NCOLS];
	bool		nulls[R_NCOLS];
	Numeric		staked = minor_to_num(st->staked, s->decimals);
	Numeric		profit = minor_to_num(st->balance - st->start, s->decimals);
	Numeric		target = minor_to_num(s->target, 2);

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (tupdesc->natts != R_NCOLS)
		elog(ERROR, "a backtest returns %d columns, expected %d", tupdesc->natts, R_NCOLS);

	memset(nulls, 0, sizeof(nulls));
	values[R_ROUNDS] = Int64GetDatum(st->rounds);
	values[R_BETS] = Int64GetDatum(st->bets);
	values[R_WINS] = Int64GetDatum(st->wins);
	values[R_LOSSES] = Int64GetDatum(st->losses);
	if (st->bets > 0)
	{
		values[R_WIN_RATE] = NumericGetDatum(percent(ca_num_int(st->wins), ca_num_int(st->bets)));
		values[R_ROI] = NumericGetDatum(percent(profit, staked));
	}
	else
		nulls[R_WIN_RATE] = nulls[R_ROI] = true;
	if (rtp != NULL)
	{
		values[R_CHANCE_RATE] = NumericGetDatum(percent(rtp, target));
		values[R_EXPECTED] = NumericGetDatum(ca_expected_profit(staked, target, rtp));
	}
	else
		nulls[R_CHANCE_RATE] = nulls[R_EXPECTED] = true;
	values[R_STAKED] = NumericGetDatum(staked);
	values[R_PROFIT] = NumericGetDatum(profit);
	values[R_FINAL] = money_datum(st->balance, s->decimals);
	values[R_MAX_DRAWDOWN] = money_datum(st->max_drawdown, s->decimals);
	values[R_LOSS_STREAK] = Int64GetDatum(st->longest_loss_streak);
	values[R_BUST] = BoolGetDatum(st->stop == BT_STOP_BUST);
	if (st->bust_round > 0)
		values[R_BUST_ROUND] = Int64GetDatum(st->bust_round);
	else
		nulls[R_BUST_ROUND] = true;
	values[R_STOP] = CStringGetTextDatum(bt_stop_names[st->stop]);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* ----------------------------------------------------------------------
 * Arguments
 * ----------------------------------------------------------------------
 */
static int64
arg_bankroll(FunctionCallInfo fcinfo, int argno, int decimals)
{
	Numeric		n;
	int64		m;

	ca_require(fcinfo, argno, "bankroll");
	n = PG_GETARG_NUMERIC(argno);
	ca_check_number("bankroll", n);
	if (!num_to_minor(n, decimals, &m) || m <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bankroll must be an amount greater than 0 with at most %d decimal places",
						decimals),
				 errdetail("bankroll was %s.", ca_num_str(n))));
	return m;
}

static Jsonb *
arg_strategy(FunctionCallInfo fcinfo, int argno)
{
	ca_require(fcinfo, argno, "strategy");
	return PG_GETARG_JSONB_P(argno);
}

/* RTP: more than 0, at most 1 (the game_platform_config rule) */
static Numeric
check_rtp(Numeric rtp)
{
	ca_check_number("rtp", rtp);
	if (ca_cmp(rtp, ca_num_int(0)) <= 0 || ca_cmp(rtp, ca_num_int(1)) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rtp must be greater than 0 and at most 1"),
				 errdetail("rtp was %s.", ca_num_str(rtp))));
	return rtp;
}

static Numeric
arg_rtp(FunctionCallInfo fcinfo, int argno)
{
	ca_require(fcinfo, argno, "rtp");
	return check_rtp(PG_GETARG_NUMERIC(argno));
}

static int64
arg_count(FunctionCallInfo fcinfo, int argno, const char *field, int64 min)
{
	int64		v;

	ca_require(fcinfo, argno, field);
	v = PG_GETARG_INT32(argno);
	if (v < min)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be at least " INT64_FORMAT, field, min),
				 errdetail("%s was " INT64_FORMAT ".", field, v)));
	return v;
}

/* ----------------------------------------------------------------------
 * The generator
 * ----------------------------------------------------------------------
 */
typedef struct BtGenerator
{
	pg_prng_state rng;
	double		rtp100;			/* 100 x RTP: exact for RTPs of up to 2 decimals */
	int64		cap;			/* the highest multiplier, hundredths */
} BtGenerator;

static void
gen_init(BtGenerator *g, Numeric rtp, int64 seed, int64 cap)
{
	pg_prng_seed(&g->rng, (uint64) seed);
	g->rtp100 = ca_num_to_float(ca_mul(rtp, ca_num_int(100)));
	g->cap = cap;
}

/* max(1.00, floor(100 RTP / U) / 100), U = 1 - [0, 1) double; in hundredths */
static inline int64
gen_next(BtGenerator *g)
{
	double		u = 1.0 - pg_prng_double(&g->rng);
	double		x = floor(g->rtp100 / u);

	if (x < 100.0)
		return 100;
	if (x >= (double) g->cap)
		return g->cap;
	return (int64) x;
}

/* ----------------------------------------------------------------------
 * Recorded history, through SPI (the caller's privileges apply)
 * ----------------------------------------------------------------------
 */
typedef struct BtHistory
{
	Numeric		rtp;
	int			decimals;
	int64		n;
	int64	   *mult;			/* hundredths */
	int64	   *times;			/* observed_at, when asked for */
} BtHistory;

/*
 * Each platform round once, the first reading logged (smallest id); a
 * reading without platform_round_id is a round of its own.  The key is
 * distinct_multipliers' without its string concatenation.
 */
static const char *const history_sql =
"SELECT (d.multiplier * 100)::int8, d.observed_at"
"  FROM (SELECT DISTINCT ON (m.platform_round_id, CASE WHEN m.platform_round_id IS NULL THEN m.id END)"
"               m.multiplier, m.observed_at, m.platform_round_id, m.id"
"          FROM crash_analytics.analytics_round_multipliers m"
"         WHERE m.game_name = $1 AND m.platform_code = $2"
"           AND m.observed_at >= coalesce($3, '-infinity'::timestamptz)"
"           AND m.observed_at < coalesce($4, 'infinity'::timestamptz)"
"         ORDER BY m.platform_round_id, CASE WHEN m.platform_round_id IS NULL THEN m.id END, m.id) d"
" ORDER BY d.observed_at, d.platform_round_id, d.id";

/*
 * The query's rows go straight into the C arrays through this receiver:
 * no tuple table, no cursor (so the executor may plan it in parallel).
 */
typedef struct HistoryReceiver
{
	DestReceiver pub;
	BtHistory  *h;
	MemoryContext cxt;			/* where the arrays live */
	int64		cap;
	bool		want_times;
} HistoryReceiver;

static bool
history_receive(TupleTableSlot *slot, DestReceiver *self)
{
	HistoryReceiver *r = (HistoryReceiver *) self;
	BtHistory  *h = r->h;

	if (h->n == r->cap)
	{
		r->cap *= 2;
		h->mult = repalloc_huge(h->mult, r->cap * sizeof(int64));
		if (r->want_times)
			h->times = repalloc_huge(h->times, r->cap * sizeof(int64));
	}
	slot_getallattrs(slot);
	if (slot->tts_isnull[0] || slot->tts_isnull[1])
		elog(ERROR, "unexpected NULL multiplier or observed_at");	/* internal error */
	h->mult[h->n] = DatumGetInt64(slot->tts_values[0]);
	if (r->want_times)
		h->times[h->n] = DatumGetTimestampTz(slot->tts_values[1]);
	if ((++h->n & BT_CHECK_EVERY) == 0)
		CHECK_FOR_INTERRUPTS();
	return true;
}

static void
history_startup(DestReceiver *self pg_attribute_unused(), int operation pg_attribute_unused(), TupleDesc typeinfo pg_attribute_unused())
{
}

static void
history_shutdown(DestReceiver *self pg_attribute_unused())
{
}

static void
history_destroy(DestReceiver *self pg_attribute_unused())
{
}

/*
 * The rounds of backtest_strategy(strategy, bankroll, game, platform,
 * from_time, to_time) and of backtest_equity_curve: the game's
 * configuration first, then the strategy and the bankroll are checked in
 * its currency, then the rounds are loaded.
 */
static BtHistory *
load_history(FunctionCallInfo fcinfo, bool want_times, BtStrategy *s, int64 *bankroll)
{
	const int	argno = 2;
	Jsonb	   *spec = arg_strategy(fcinfo, 0);
	MemoryContext outer = CurrentMemoryContext;
	BtHistory  *h = palloc0(sizeof(BtHistory));
	Oid			types[4] = {TEXTOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
	ParamListInfo params = makeParamList(4);
	SPIExecuteOptions options;
	HistoryReceiver recv;
	bool		isnull;
	int			i;

	ca_require(fcinfo, argno, "game");
	ca_require(fcinfo, argno + 1, "platform");
	for (i = 0; i < 4; i++)
	{
		params->params[i].ptype = types[i];
		params->params[i].pflags = PARAM_FLAG_CONST;
		params->params[i].isnull = PG_ARGISNULL(argno + i);
		params->params[i].value = PG_ARGISNULL(argno + i) ? (Datum) 0 : PG_GETARG_DATUM(argno + i);
	}
	if (!PG_ARGISNULL(argno + 2) && !PG_ARGISNULL(argno + 3) &&
		PG_GETARG_TIMESTAMPTZ(argno + 2) > PG_GETARG_TIMESTAMPTZ(argno + 3))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the period starts after it ends"),
				 errdetail("from is %s and to is %s.",
						   pstrdup(timestamptz_to_str(PG_GETARG_TIMESTAMPTZ(argno + 2))),
						   pstrdup(timestamptz_to_str(PG_GETARG_TIMESTAMPTZ(argno + 3))))));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	memset(&options, 0, sizeof(options));
	options.params = params;
	options.read_only = true;
	if (SPI_execute_extended("SELECT rtp, currency_decimals FROM crash_analytics.game_platform_config"
							 " WHERE game_name = $1 AND platform_code = $2", &options) != SPI_OK_SELECT)
		elog(ERROR, "could not read game_platform_config");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("game/platform \"%s/%s\" is not registered",
						TextDatumGetCString(params->params[0].value),
						TextDatumGetCString(params->params[1].value)),
				 errhint("Register it with crash_analytics.register_game_platform().")));
	{
		Datum		rtp = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		MemoryContext old = MemoryContextSwitchTo(outer);

		h->rtp = DatumGetNumericCopy(rtp);
		MemoryContextSwitchTo(old);
		h->decimals = DatumGetInt16(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	}
	*s = parse_strategy(spec, h->decimals);
	*bankroll = arg_bankroll(fcinfo, 1, h->decimals);

	memset(&recv, 0, sizeof(recv));
	recv.pub.receiveSlot = history_receive;
	recv.pub.rStartup = history_startup;
	recv.pub.rShutdown = history_shutdown;
	recv.pub.rDestroy = history_destroy;
	recv.pub.mydest = DestNone;
	recv.h = h;
	recv.cxt = outer;
	recv.cap = 1024;
	recv.want_times = want_times;
	h->mult = MemoryContextAllocHuge(outer, recv.cap * sizeof(int64));
	if (want_times)
		h->times = MemoryContextAllocHuge(outer, recv.cap * sizeof(int64));
	options.dest = (DestReceiver *) &recv;
	/* SPI_OK_UTILITY: the rows went to the receiver (DestNone to SPI) */
	if (SPI_execute_extended(history_sql, &options) < 0)
		elog(ERROR, "could not read analytics_round_multipliers");
	SPI_finish();
	return h;
}

/* multipliers of an array, in hundredths; each 1.00 or more with two decimals at most */
static int64 *
array_multipliers(FunctionCallInfo fcinfo, int argno, int64 *n)
{
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *enulls;
	int			nelems,
				i;
	int64	   *out;

	ca_require(fcinfo, argno, "multipliers");
	arr = PG_GETARG_ARRAYTYPE_P(argno);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("multipliers must be a one-dimensional array")));
	deconstruct_array(arr, NUMERICOID, -1, false, TYPALIGN_INT, &elems, &enulls, &nelems);
	out = MemoryContextAllocHuge(CurrentMemoryContext, Max(nelems, 1) * sizeof(int64));
	for (i = 0; i < nelems; i++)
	{
		Numeric		v;

		if (enulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("multipliers must not contain NULL"),
					 errdetail("Element %d is NULL.", i + 1)));
		v = DatumGetNumeric(elems[i]);
		if (!num_to_minor(v, 2, &out[i]) || out[i] < 100 || out[i] > BT_MAX_MULT_H)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("multipliers must be from 1.00 to 99999999.99 with at most two decimal places"),
					 errdetail("Element %d is %s.", i + 1, ca_num_str(v))));
	}
	*n = nelems;
	return out;
}

/* ----------------------------------------------------------------------
 * SQL entry points: backtests
 * ----------------------------------------------------------------------
 */

/*
 * backtest_strategy(strategy jsonb, bankroll numeric, game text, platform text,
 *					 from_time timestamptz, to_time timestamptz) returns record
 */
Datum
ca_backtest_strategy(PG_FUNCTION_ARGS)
{
	BtStrategy	s;
	int64		bankroll;
	BtHistory  *h = load_history(fcinfo, false, &s, &bankroll);
	BtState		st;

	bt_init(&st, &s, bankroll);
	bt_replay(&s, &st, h->mult, h->n, NULL);
	return bt_result(fcinfo, &s, &st, h->rtp);
}

/* backtest_equity_curve(same arguments) returns setof (round_index, ..., balance) */
Datum
ca_backtest_equity_curve(PG_FUNCTION_ARGS)
{
	BtStrategy	s;
	int64		bankroll;
	BtHistory  *h = load_history(fcinfo, true, &s, &bankroll);
	BtState		st;
	BtCurve		curve;

	bt_init(&st, &s, bankroll);
	curve_init(&curve, fcinfo, h->times);
	bt_replay(&s, &st, h->mult, h->n, &curve);
	return (Datum) 0;
}

/* backtest_strategy(strategy jsonb, bankroll numeric, multipliers numeric[], rtp numeric) */
Datum
ca_backtest_multipliers(PG_FUNCTION_ARGS)
{
	BtStrategy	s = parse_strategy(arg_strategy(fcinfo, 0), 2);
	Numeric		rtp = PG_ARGISNULL(3) ? NULL : check_rtp(PG_GETARG_NUMERIC(3));
	int64		n;
	int64	   *mult = array_multipliers(fcinfo, 2, &n);
	BtState		st;

	bt_init(&st, &s, arg_bankroll(fcinfo, 1, s.decimals));
	bt_replay(&s, &st, mult, n, NULL);
	return bt_result(fcinfo, &s, &st, rtp);
}

/* backtest_equity_curve(strategy jsonb, bankroll numeric, multipliers numeric[]) */
Datum
ca_backtest_multipliers_curve(PG_FUNCTION_ARGS)
{
	BtStrategy	s = parse_strategy(arg_strategy(fcinfo, 0), 2);
	int64		n;
	int64	   *mult = array_multipliers(fcinfo, 2, &n);
	BtState		st;
	BtCurve		curve;

	bt_init(&st, &s, arg_bankroll(fcinfo, 1, s.decimals));
	curve_init(&curve, fcinfo, NULL);
	bt_replay(&s, &st, mult, n, &curve);
	return (Datum) 0;
}

/*
 * backtest_simulated(strategy jsonb, bankroll numeric, n integer, rtp numeric,
 *					  seed bigint): the rounds simulate_rounds(..., n, rtp, seed)
 * gives, generated as they are replayed (no array).
 */
Datum
ca_backtest_simulated(PG_FUNCTION_ARGS)
{
	BtStrategy	s = parse_strategy(arg_strategy(fcinfo, 0), 2);
	int64		n = arg_count(fcinfo, 2, "n", 1);
	Numeric		rtp = arg_rtp(fcinfo, 3);
	BtGenerator g;
	BtState		st;
	int64		i;

	ca_require(fcinfo, 4, "seed");
	gen_init(&g, rtp, PG_GETARG_INT64(4), BT_MAX_MULT_H);
	bt_init(&st, &s, arg_bankroll(fcinfo, 1, s.decimals));
	for (i = 0; i < n && st.stop == BT_RUNNING; i++)
	{
		int64		stake;

		if ((i & BT_CHECK_EVERY) == 0)
			CHECK_FOR_INTERRUPTS();
		(void) bt_step(&s, &st, gen_next(&g), &stake);
	}
	if (st.stop == BT_RUNNING)
		st.stop = BT_STOP_END;
	return bt_result(fcinfo, &s, &st, rtp);
}

/* ----------------------------------------------------------------------
 * risk_of_ruin
 * ----------------------------------------------------------------------
 */
static int
cmp_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return x < y ? -1 : x > y;
}

/*
 * The pct-percentile of sorted v[0..n), nearest rank (as percentile_disc):
 * the smallest value with at least pct% of the values at or below it.
 */
static int64
quantile(const int64 *v, int64 n, int pct)
{
	int64		k = (pct * n + 99) / 100 - 1;

	return v[Max(k, 0)];
}

/* the mean of v[0..n) as an exact numeric rounded to `scale` decimals, divided by 10^d */
static Numeric
mean_num(const int64 *v, int64 n, int d, int scale)
{
	Numeric		total = ca_num_int(0);
	int64		part = 0;
	int64		i;

	for (i = 0; i < n; i++)
		if (pg_add_s64_overflow(part, v[i], &part))
		{
			total = ca_add(total, ca_num_int(part));
			part = v[i];
		}
	total = ca_add(total, ca_num_int(part));
	return ca_round(ca_div(total, ca_mul(ca_num_int(n), pow10_num(d))), scale);
}

enum
{
	K_SIMULATIONS, K_ROUNDS, K_RUINED, K_RUIN, K_RUIN_LOW, K_RUIN_HIGH, K_STOP_LOSS, K_TAKE_PROFIT,
	K_FINAL_P5, K_FINAL_P50, K_FINAL_P95, K_FINAL_MEAN, K_DD_P5, K_DD_P50, K_DD_P95,
	K_MEAN_LOSS_STREAK, K_BETS, K_WINS, K_NCOLS
};

/*
 * risk_of_ruin(strategy jsonb, bankroll numeric, rounds integer, rtp numeric,
 *				simulations integer, seed bigint) returns record
 *
 * `simulations` runs of at most `rounds` simulated rounds each, one after
 * the other from one generator seeded with `seed`.  Ruin is a bust (a stake
 * the balance could not cover); a stop-loss is not ruin.
 */
Datum
ca_risk_of_ruin(PG_FUNCTION_ARGS)
{
	BtStrategy	s = parse_strategy(arg_strategy(fcinfo, 0), 2);
	int64		bankroll = arg_bankroll(fcinfo, 1, s.decimals);
	int64		rounds = arg_count(fcinfo, 2, "rounds", 1);
	Numeric		rtp = arg_rtp(fcinfo, 3);
	int64		sims = arg_count(fcinfo, 4, "simulations", 1);
	TupleDesc	tupdesc;
	Datum		values[K_NCOLS];
	bool		nulls[K_NCOLS];
	BtGenerator g;
	int64	   *finals,
			   *drawdowns;
	int64		streaks = 0,
				ruined = 0,
				stop_losses = 0,
				take_profits = 0,
				bets = 0,
				wins = 0,
				j;
	double		lo,
				hi;

	if (sims > BT_MAX_SIMULATIONS || sims * rounds > BT_MAX_SIM_ROUNDS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many simulated rounds"),
				 errdetail("simulations was " INT64_FORMAT " and rounds " INT64_FORMAT
						   "; simulations must be at most %d and simulations x rounds at most " INT64_FORMAT ".",
						   sims, rounds, BT_MAX_SIMULATIONS, BT_MAX_SIM_ROUNDS),
				 errhint("Use fewer simulations or fewer rounds.")));
	ca_require(fcinfo, 5, "seed");
	gen_init(&g, rtp, PG_GETARG_INT64(5), BT_MAX_MULT_H);

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (tupdesc->natts != K_NCOLS)
		elog(ERROR, "risk_of_ruin returns %d columns, expected %d", tupdesc->natts, K_NCOLS);

	finals = MemoryContextAllocHuge(CurrentMemoryContext, sims * sizeof(int64));
	drawdowns = MemoryContextAllocHuge(CurrentMemoryContext, sims * sizeof(int64));

	for (j = 0; j < sims; j++)
	{
		BtState		st;
		int64		i;

		CHECK_FOR_INTERRUPTS();
		bt_init(&st, &s, bankroll);
		for (i = 0; i < rounds && st.stop == BT_RUNNING; i++)
		{
			int64		stake;

			if ((i & BT_CHECK_EVERY) == BT_CHECK_EVERY)
				CHECK_FOR_INTERRUPTS();
			(void) bt_step(&s, &st, gen_next(&g), &stake);
		}
		ruined += st.stop == BT_STOP_BUST;
		stop_losses += st.stop == BT_STOP_LOSS;
		take_profits += st.stop == BT_STOP_PROFIT;
		bets += st.bets;
		wins += st.wins;
		finals[j] = st.balance;
		drawdowns[j] = st.max_drawdown;
		streaks += st.longest_loss_streak;
	}

	memset(nulls, 0, sizeof(nulls));
	values[K_SIMULATIONS] = Int32GetDatum((int32) sims);
	values[K_ROUNDS] = Int32GetDatum((int32) rounds);
	values[K_RUINED] = Int64GetDatum(ruined);
	values[K_RUIN] = NumericGetDatum(percent(ca_num_int(ruined), ca_num_int(sims)));
	(void) ca_wilson(ruined, sims, &lo, &hi);
	values[K_RUIN_LOW] = NumericGetDatum(ca_float_to_num(lo, 2));
	values[K_RUIN_HIGH] = NumericGetDatum(ca_float_to_num(hi, 2));
	values[K_STOP_LOSS] = Int64GetDatum(stop_losses);
	values[K_TAKE_PROFIT] = Int64GetDatum(take_profits);
	values[K_FINAL_MEAN] = NumericGetDatum(mean_num(finals, sims, s.decimals, s.decimals + 2));
	values[K_MEAN_LOSS_STREAK] = NumericGetDatum(ca_round(ca_div(ca_num_int(streaks), ca_num_int(sims)), 2));
	qsort(finals, sims, sizeof(int64), cmp_int64);
	qsort(drawdowns, sims, sizeof(int64), cmp_int64);
	values[K_FINAL_P5] = money_datum(quantile(finals, sims, 5), s.decimals);
	values[K_FINAL_P50] = money_datum(quantile(finals, sims, 50), s.decimals);
	values[K_FINAL_P95] = money_datum(quantile(finals, sims, 95), s.decimals);
	values[K_DD_P5] = money_datum(quantile(drawdowns, sims, 5), s.decimals);
	values[K_DD_P50] = money_datum(quantile(drawdowns, sims, 50), s.decimals);
	values[K_DD_P95] = money_datum(quantile(drawdowns, sims, 95), s.decimals);
	values[K_BETS] = Int64GetDatum(bets);
	values[K_WINS] = Int64GetDatum(wins);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* ----------------------------------------------------------------------
 * simulate_rounds
 * ----------------------------------------------------------------------
 */
typedef struct SimContext
{
	BtGenerator g;
	TimestampTz start;
	int64		step;			/* microseconds between rounds */
} SimContext;

/*
 * simulate_rounds(game text, platform text, n integer, rtp numeric,
 *				   seed bigint, start_at timestamptz, round_interval interval)
 * returns setof (round_number, crash_multiplier, observed_at)
 *
 * Fair rounds of a registered game/platform, at its RTP unless one is
 * given, capped at its max_multiplier; streamed, one row per call.
 */
Datum
ca_simulate_rounds(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	SimContext *sc;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;
		TupleDesc	tupdesc;
		Interval   *iv;
		Numeric		rtp,
					max_mult;
		int64		n,
					cap,
					last;
		Oid			types[2] = {TEXTOID, TEXTOID};
		Datum		values[2];
		bool		isnull;

		funcctx = SRF_FIRSTCALL_INIT();
		ca_require(fcinfo, 0, "game");
		ca_require(fcinfo, 1, "platform");
		n = arg_count(fcinfo, 2, "n", 0);
		ca_require(fcinfo, 4, "seed");
		ca_require(fcinfo, 5, "start_at");
		ca_require(fcinfo, 6, "round_interval");

		values[0] = PG_GETARG_DATUM(0);
		values[1] = PG_GETARG_DATUM(1);
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		if (SPI_execute_with_args("SELECT rtp, max_multiplier FROM crash_analytics.game_platform_config"
								  " WHERE game_name = $1 AND platform_code = $2",
								  2, types, values, NULL, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not read game_platform_config");
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("game/platform \"%s/%s\" is not registered",
							TextDatumGetCString(values[0]), TextDatumGetCString(values[1])),
					 errhint("Register it with crash_analytics.register_game_platform().")));
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		rtp = PG_ARGISNULL(3)
			? DatumGetNumericCopy(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull))
			: check_rtp(PG_GETARG_NUMERIC(3));
		max_mult = DatumGetNumericCopy(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
		MemoryContextSwitchTo(old);
		SPI_finish();
		if (!num_to_minor(max_mult, 2, &cap))
			cap = BT_MAX_MULT_H;
		cap = Min(cap, BT_MAX_MULT_H);

		iv = PG_GETARG_INTERVAL_P(6);
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		sc = palloc0(sizeof(SimContext));
		gen_init(&sc->g, rtp, PG_GETARG_INT64(4), cap);
		MemoryContextSwitchTo(old);
		sc->start = PG_GETARG_TIMESTAMPTZ(5);
		if (iv->month != 0 ||
			pg_mul_s64_overflow(iv->day, USECS_PER_DAY, &sc->step) ||
			pg_add_s64_overflow(sc->step, iv->time, &sc->step) || sc->step <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("round_interval must be positive and given in days or less, not months"),
					 errdetail("round_interval was %s.",
							   DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(iv))))));
		if (TIMESTAMP_NOT_FINITE(sc->start) ||
			(n > 0 && (pg_mul_s64_overflow(n - 1, sc->step, &last) ||
					   pg_add_s64_overflow(sc->start, last, &last) || !IS_VALID_TIMESTAMP(last))))
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("observed_at out of range"),
					 errdetail("start_at must be finite and the last round's time start_at + (n - 1) x round_interval a valid timestamp.")));

		if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "return type must be a row type");
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		funcctx->tuple_desc = BlessTupleDesc(CreateTupleDescCopy(tupdesc));
		MemoryContextSwitchTo(old);
		funcctx->max_calls = (uint64) n;
		funcctx->user_fctx = sc;
	}

	funcctx = SRF_PERCALL_SETUP();
	sc = (SimContext *) funcctx->user_fctx;
	if (funcctx->call_cntr < funcctx->max_calls)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};
		int64		i = (int64) funcctx->call_cntr;

		values[0] = Int64GetDatum(i + 1);
		values[1] = money_datum(gen_next(&sc->g), 2);
		values[2] = TimestampTzGetDatum(sc->start + i * sc->step);
		SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(heap_form_tuple(funcctx->tuple_desc, values, nulls)));
	}
	SRF_RETURN_DONE(funcctx);
}
