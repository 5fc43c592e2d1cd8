/*-------------------------------------------------------------------------
 *
 * stats.c
 *		Statistics that read roll-ups, never rounds: their cost does not grow
 *		with the number of rounds logged.
 *
 * Percentages are numeric rounded to two decimals.  Interval estimates use
 * double precision internally (they are estimates; the inputs are exact
 * counts) and are reported rounded like the rest.
 *
 * IDENTIFICATION
 *	  src/stats.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"

#include "crash_analytics.h"

PG_FUNCTION_INFO_V1(ca_get_bot_statistics);
PG_FUNCTION_INFO_V1(ca_wilson_low_percent);
PG_FUNCTION_INFO_V1(ca_wilson_high_percent);
PG_FUNCTION_INFO_V1(ca_roi_ci_low_percent);
PG_FUNCTION_INFO_V1(ca_roi_ci_high_percent);
PG_FUNCTION_INFO_V1(ca_bets_for_roi_margin);
PG_FUNCTION_INFO_V1(ca_chance_p_value);
PG_FUNCTION_INFO_V1(ca_check_period);
PG_FUNCTION_INFO_V1(ca_check_row_limit);
PG_FUNCTION_INFO_V1(ca_chi_square_p_value);
PG_FUNCTION_INFO_V1(ca_normal_p_value);

/* the 97.5% quantile of the standard normal distribution */
#define Z95 1.959963984540054

/*
 * Wilson score interval for a binomial proportion, in percent.  Unlike the
 * normal approximation it stays inside [0, 100] and behaves at 0 and n
 * successes.  False when there is no trial.
 */
bool
ca_wilson(int64 k, int64 n, double *lo, double *hi)
{
	double		p,
				z2 = Z95 * Z95,
				denom,
				centre,
				half;

	if (n <= 0)
		return false;
	if (k < 0 || k > n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("successes must be between 0 and trials"),
				 errdetail("successes was " INT64_FORMAT " and trials " INT64_FORMAT ".", k, n)));
	p = (double) k / n;
	denom = 1.0 + z2 / n;
	centre = (p + z2 / (2.0 * n)) / denom;
	half = Z95 * sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denom;
	*lo = 100.0 * Max(0.0, centre - half);
	*hi = 100.0 * Min(1.0, centre + half);
	return true;
}

/*
 * 95% interval of ROI = total profit / total staked, in percent, from the
 * bets' profits (n, sum, sum of squares): stakes are taken as fixed and the
 * sum of profits as approximately normal.  bets_needed is how many bets of
 * the same kind would narrow the interval to +/- 1 percentage point: about
 * 38,000 at 2x whatever the bot (PRODUCT.md section 6).  False with fewer
 * than two bets.
 */
bool
ca_roi_interval(int64 bets, Numeric staked, Numeric profit, Numeric sum_sq,
				double *lo, double *hi, double *bets_needed)
{
	double		n = (double) bets,
				st,
				pr,
				var,
				se,
				roi,
				sd_return;

	if (bets < 2)
		return false;
	st = ca_num_to_float(staked);
	if (st <= 0)
		return false;
	pr = ca_num_to_float(profit);
	var = (ca_num_to_float(sum_sq) - pr * pr / n) / (n - 1.0);
	if (var < 0)
		var = 0;				/* rounding of an exact zero */
	se = sqrt(n * var) / st;
	roi = pr / st;
	*lo = 100.0 * (roi - Z95 * se);
	*hi = 100.0 * (roi + Z95 * se);
	sd_return = sqrt(var) / (st / n);
	*bets_needed = ceil(pow(Z95 * sd_return / 0.01, 2));
	return true;
}

static Numeric
percent(Numeric part, Numeric whole)
{
	return ca_round(ca_div(ca_mul(part, ca_num_int(100)), whole), 2);
}

enum
{
	S_TOTAL_ROUNDS, S_BETS, S_WINS, S_LOSSES, S_SKIPS, S_VOIDS, S_WIN_RATE, S_CI_LOW,
	S_CI_HIGH, S_CHANCE_RATE, S_STAKED, S_PAYOUT, S_PROFIT, S_ROI, S_ROI_CI_LOW,
	S_ROI_CI_HIGH, S_BETS_NEEDED, S_EXPECTED, S_LUCK, S_BEST, S_WORST, S_WIN_STREAK, S_LOSS_STREAK, S_CUR_STREAK, S_MAX_DRAWDOWN,
	S_PEAK_BALANCE, S_BALANCE, S_FIRST_AT, S_LAST_AT, S_NCOLS
};

static inline void
put(Datum *values, bool *nulls, int i, CaRow *row, int col)
{
	values[i] = ca_row_get(row, col, &nulls[i]);
}

/*
 * get_bot_statistics(bot_id) returns record.  A NULL bot_id is an error
 * (22004), like an unknown one (42704): one bot's statistics need a bot.
 * (Version 1.0 declared the function STRICT, which gave a row of NULLs.)
 */
Datum
ca_get_bot_statistics(PG_FUNCTION_ARGS)
{
	text	   *bot_id;
	Datum		key;
	TupleDesc	tupdesc;
	Datum		values[S_NCOLS];
	bool		nulls[S_NCOLS];
	CaRow	   *r;
	int64		wins,
				losses,
				targeted;
	Numeric		staked,
				profit,
				expected;

	ca_require(fcinfo, 0, "bot_id");
	bot_id = PG_GETARG_TEXT_PP(0);
	key = PointerGetDatum(bot_id);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (tupdesc->natts != S_NCOLS)
		elog(ERROR, "get_bot_statistics returns %d columns, expected %d", tupdesc->natts, S_NCOLS);

	r = ca_read(CA_IDX_BOT_ROLLUP_KEY, &key, GetActiveSnapshot());
	if (r == NULL)
	{
		if (ca_read(CA_IDX_BOT_KEY, &key, GetActiveSnapshot()) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("bot \"%s\" does not exist", text_to_cstring(bot_id)),
					 errhint("A bot exists once it has logged a round or been registered with register_bot().")));
		/* registered, no round yet: zeros */
		r = ca_row_new(CA_BOT_ROLLUPS);
		ca_row_set(r, BR_ROUNDS, Int64GetDatum(0));
		ca_row_set(r, BR_BETS, Int64GetDatum(0));
		ca_row_set(r, BR_WINS, Int64GetDatum(0));
		ca_row_set(r, BR_LOSSES, Int64GetDatum(0));
		ca_row_set(r, BR_SKIPS, Int64GetDatum(0));
		ca_row_set(r, BR_VOIDS, Int64GetDatum(0));
		ca_row_set(r, BR_TARGETED, Int64GetDatum(0));
		ca_row_set(r, BR_STAKED, NumericGetDatum(ca_num_int(0)));
		ca_row_set(r, BR_PAYOUT, NumericGetDatum(ca_num_int(0)));
		ca_row_set(r, BR_PROFIT, NumericGetDatum(ca_num_int(0)));
		ca_row_set(r, BR_EXPECTED, NumericGetDatum(ca_num_int(0)));
		ca_row_set(r, BR_SUM_WINPROB, NumericGetDatum(ca_num_int(0)));
		ca_row_set(r, BR_SUM_PROFIT_SQ, NumericGetDatum(ca_num_int(0)));
		ca_row_set(r, BR_WIN_STREAK, Int64GetDatum(0));
		ca_row_set(r, BR_LOSS_STREAK, Int64GetDatum(0));
		ca_row_set(r, BR_CUR_STREAK, Int64GetDatum(0));
		ca_row_set(r, BR_MAX_DRAWDOWN, NumericGetDatum(ca_num_int(0)));
	}

	memset(nulls, true, sizeof(nulls));
	put(values, nulls, S_TOTAL_ROUNDS, r, BR_ROUNDS);
	put(values, nulls, S_BETS, r, BR_BETS);
	put(values, nulls, S_WINS, r, BR_WINS);
	put(values, nulls, S_LOSSES, r, BR_LOSSES);
	put(values, nulls, S_SKIPS, r, BR_SKIPS);
	put(values, nulls, S_VOIDS, r, BR_VOIDS);
	put(values, nulls, S_STAKED, r, BR_STAKED);
	put(values, nulls, S_PAYOUT, r, BR_PAYOUT);
	put(values, nulls, S_PROFIT, r, BR_PROFIT);
	put(values, nulls, S_EXPECTED, r, BR_EXPECTED);
	put(values, nulls, S_BEST, r, BR_BEST);
	put(values, nulls, S_WORST, r, BR_WORST);
	put(values, nulls, S_WIN_STREAK, r, BR_WIN_STREAK);
	put(values, nulls, S_LOSS_STREAK, r, BR_LOSS_STREAK);
	put(values, nulls, S_CUR_STREAK, r, BR_CUR_STREAK);
	put(values, nulls, S_MAX_DRAWDOWN, r, BR_MAX_DRAWDOWN);
	put(values, nulls, S_PEAK_BALANCE, r, BR_PEAK_BALANCE);
	put(values, nulls, S_BALANCE, r, BR_BALANCE);
	put(values, nulls, S_FIRST_AT, r, BR_FIRST_AT);
	put(values, nulls, S_LAST_AT, r, BR_LAST_AT);

	wins = DatumGetInt64(ca_row_get(r, BR_WINS, NULL));
	losses = DatumGetInt64(ca_row_get(r, BR_LOSSES, NULL));
	targeted = DatumGetInt64(ca_row_get(r, BR_TARGETED, NULL));
	staked = DatumGetNumeric(ca_row_get(r, BR_STAKED, NULL));
	profit = DatumGetNumeric(ca_row_get(r, BR_PROFIT, NULL));
	expected = DatumGetNumeric(ca_row_get(r, BR_EXPECTED, NULL));

	if (wins + losses > 0)
	{
		double		lo,
					hi;

		values[S_WIN_RATE] = NumericGetDatum(percent(ca_num_int(wins), ca_num_int(wins + losses)));
		(void) ca_wilson(wins, wins + losses, &lo, &hi);
		values[S_CI_LOW] = NumericGetDatum(ca_float_to_num(lo, 2));
		values[S_CI_HIGH] = NumericGetDatum(ca_float_to_num(hi, 2));
		nulls[S_WIN_RATE] = nulls[S_CI_LOW] = nulls[S_CI_HIGH] = false;
	}
	if (targeted > 0)
	{
		values[S_CHANCE_RATE] = NumericGetDatum(percent(DatumGetNumeric(ca_row_get(r, BR_SUM_WINPROB, NULL)),
														ca_num_int(targeted)));
		nulls[S_CHANCE_RATE] = false;
	}
	if (!ca_is_zero(staked))
	{
		values[S_ROI] = NumericGetDatum(percent(profit, staked));
		nulls[S_ROI] = false;
	}
	values[S_LUCK] = NumericGetDatum(ca_sub(profit, expected));
	nulls[S_LUCK] = false;
	{
		double		lo,
					hi,
					needed;

		if (ca_roi_interval(DatumGetInt64(ca_row_get(r, BR_BETS, NULL)), staked, profit,
							DatumGetNumeric(ca_row_get(r, BR_SUM_PROFIT_SQ, NULL)),
							&lo, &hi, &needed))
		{
			values[S_ROI_CI_LOW] = NumericGetDatum(ca_float_to_num(lo, 2));
			values[S_ROI_CI_HIGH] = NumericGetDatum(ca_float_to_num(hi, 2));
			values[S_BETS_NEEDED] = Int64GetDatum((int64) needed);
			nulls[S_ROI_CI_LOW] = nulls[S_ROI_CI_HIGH] = nulls[S_BETS_NEEDED] = false;
		}
	}

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* ----------------------------------------------------------------------
 * SQL-callable estimates, so that the SQL analytics compute intervals the
 * way get_bot_statistics does.
 * ----------------------------------------------------------------------
 */

/* wilson_low_percent(successes, trials) / wilson_high_percent: NULL without trials */
static Datum
wilson_bound(FunctionCallInfo fcinfo, bool high)
{
	double		lo,
				hi;

	if (!ca_wilson(PG_GETARG_INT64(0), PG_GETARG_INT64(1), &lo, &hi))
		PG_RETURN_NULL();
	PG_RETURN_NUMERIC(ca_float_to_num(high ? hi : lo, 2));
}

Datum
ca_wilson_low_percent(PG_FUNCTION_ARGS)
{
	return wilson_bound(fcinfo, false);
}

Datum
ca_wilson_high_percent(PG_FUNCTION_ARGS)
{
	return wilson_bound(fcinfo, true);
}

/* roi_ci_*_percent(bets, staked, profit, sum_profit_squared) */
static Datum
roi_bound(FunctionCallInfo fcinfo, int which)
{
	double		lo,
				hi,
				needed;

	if (!ca_roi_interval(PG_GETARG_INT64(0), PG_GETARG_NUMERIC(1), PG_GETARG_NUMERIC(2),
						 PG_GETARG_NUMERIC(3), &lo, &hi, &needed))
		PG_RETURN_NULL();
	if (which == 2)
		PG_RETURN_INT64((int64) needed);
	PG_RETURN_NUMERIC(ca_float_to_num(which ? hi : lo, 2));
}

Datum
ca_roi_ci_low_percent(PG_FUNCTION_ARGS)
{
	return roi_bound(fcinfo, 0);
}

Datum
ca_roi_ci_high_percent(PG_FUNCTION_ARGS)
{
	return roi_bound(fcinfo, 1);
}

Datum
ca_bets_for_roi_margin(PG_FUNCTION_ARGS)
{
	return roi_bound(fcinfo, 2);
}

/*
 * chance_p_value(hits, expected_hits, variance): one-sided p-value of "at
 * least this many hits" when each of n independent trials succeeds with
 * its own chance probability (a Poisson-binomial count with the given mean
 * and variance), by the normal approximation with continuity correction.
 */
Datum
ca_chance_p_value(PG_FUNCTION_ARGS)
{
	double		hits = (double) PG_GETARG_INT64(0);
	double		mean = PG_GETARG_FLOAT8(1);
	double		var = PG_GETARG_FLOAT8(2);
	double		z;

	if (var <= 0)
		PG_RETURN_FLOAT8(hits > mean ? 0.0 : 1.0);
	z = (hits - 0.5 - mean) / sqrt(var);
	PG_RETURN_FLOAT8(0.5 * erfc(z / sqrt(2.0)));
}

/*
 * check_period(from, to): true, or an error when from is after to.  Used in
 * the WHERE clause of the SQL analytics, where it is evaluated once.
 */
Datum
ca_check_period(PG_FUNCTION_ARGS)
{
	if (!PG_ARGISNULL(0) && !PG_ARGISNULL(1) &&
		PG_GETARG_TIMESTAMPTZ(0) > PG_GETARG_TIMESTAMPTZ(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the period starts after it ends"),
				 errdetail("from is %s and to is %s.", pstrdup(timestamptz_to_str(PG_GETARG_TIMESTAMPTZ(0))),
						   pstrdup(timestamptz_to_str(PG_GETARG_TIMESTAMPTZ(1))))));
	PG_RETURN_BOOL(true);
}

/* check_row_limit(n): true, or an error when n < 1 */
Datum
ca_check_row_limit(PG_FUNCTION_ARGS)
{
	if (PG_GETARG_INT32(0) < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("row_limit must be at least 1"),
				 errdetail("row_limit was %d.", PG_GETARG_INT32(0))));
	PG_RETURN_BOOL(true);
}

/* ----------------------------------------------------------------------
 * Distribution tails for the fairness tests (1.1).
 * ----------------------------------------------------------------------
 */

/*
 * Regularized upper incomplete gamma Q(a, x) = 1 - P(a, x): by its series
 * when x < a + 1, by Lentz's continued fraction otherwise, each converging
 * fast in its region (Numerical Recipes, section 6.2).
 */
static double
gamma_q(double a, double x)
{
	const double eps = 1e-15;
	double		lg = lgamma(a);
	int			n;

	if (x <= 0)
		return 1.0;
	if (x < a + 1.0)
	{
		double		ap = a,
					sum = 1.0 / a,
					del = sum;

		for (n = 0; n < 10000; n++)
		{
			ap += 1.0;
			del *= x / ap;
			sum += del;
			if (fabs(del) < fabs(sum) * eps)
				break;
		}
		return 1.0 - sum * exp(-x + a * log(x) - lg);
	}
	else
	{
		double		b = x + 1.0 - a,
					c = 1.0 / 1e-300,
					d = 1.0 / b,
					h = d;

		for (n = 1; n < 10000; n++)
		{
			double		an = -n * (n - a);
			double		del;

			b += 2.0;
			d = an * d + b;
			if (fabs(d) < 1e-300)
				d = 1e-300;
			c = b + an / c;
			if (fabs(c) < 1e-300)
				c = 1e-300;
			d = 1.0 / d;
			del = d * c;
			h *= del;
			if (fabs(del - 1.0) < eps)
				break;
		}
		return exp(-x + a * log(x) - lg) * h;
	}
}

/* chi_square_p_value(statistic, degrees of freedom): P(chi2_df >= statistic) */
Datum
ca_chi_square_p_value(PG_FUNCTION_ARGS)
{
	double		chi2 = PG_GETARG_FLOAT8(0);
	int32		df = PG_GETARG_INT32(1);

	if (df < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("degrees of freedom must be at least 1"),
				 errdetail("degrees of freedom was %d.", df)));
	if (isnan(chi2) || chi2 < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a chi-square statistic must be zero or more")));
	PG_RETURN_FLOAT8(gamma_q(df / 2.0, chi2 / 2.0));
}

/* normal_p_value(z, two_sided): P(|Z| >= |z|), or P(Z >= z) one-sided */
Datum
ca_normal_p_value(PG_FUNCTION_ARGS)
{
	double		z = PG_GETARG_FLOAT8(0);
	bool		two_sided = PG_GETARG_BOOL(1);

	if (two_sided)
		PG_RETURN_FLOAT8(erfc(fabs(z) / sqrt(2.0)));
	PG_RETURN_FLOAT8(0.5 * erfc(z / sqrt(2.0)));
}
