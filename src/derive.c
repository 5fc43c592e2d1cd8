/*-------------------------------------------------------------------------
 *
 * derive.c
 *		The rules of a round, as pure functions: validation, derivation of
 *		what the bot omitted, and the theory figures at the game's RTP.
 *
 * Nothing here touches a table: every ingestion path (function, batch,
 * INSERT/COPY trigger) calls the same routines, and statistics and
 * backtests can use the theory functions too.
 *
 * The rules (PRODUCT.md section 3):
 *	- outcomes are WIN, LOSS, SKIP (no bet, stake 0) and VOID (refunded);
 *	  input is case-insensitive; a bet wins iff cashout <= crash;
 *	- payout = round(stake * cashout, currency decimals) on a win, 0 on a
 *	  loss, the stake on a void; profit = payout - stake; balance_after =
 *	  balance_before + profit;
 *	- what the bot sends must agree with the derivation within one minor
 *	  unit of the currency on a win (where the casino rounds the payout),
 *	  exactly otherwise (no rounding happens on a loss, a skip or a void);
 *	  the tolerance applies once: balances must then agree exactly with the
 *	  profit; values the bot sends are stored as sent;
 *	- multipliers are >= 1.00 with at most two decimals, money has at most
 *	  the currency's decimals.
 * Errors name the field, the value sent and what was expected, with the
 * SQLSTATE of the class of mistake: 22004 a required value is missing,
 * 22003 a value outside its range, 22023 a value inconsistent with the rest
 * of the round, 22001 text too long.
 *
 * IDENTIFICATION
 *	  src/derive.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "crash_analytics.h"

/* ----------------------------------------------------------------------
 * Numeric helpers.  Exact decimal arithmetic throughout: money is never a
 * float.  Floats appear only in interval estimates (stats.c).
 * ----------------------------------------------------------------------
 */
Numeric
ca_num(const char *s)
{
	return DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(s),
											   ObjectIdGetDatum(InvalidOid),
											   Int32GetDatum(-1)));
}

Numeric
ca_num_int(int64 v)
{
	return int64_to_numeric(v);
}

Numeric
ca_add(Numeric a, Numeric b)
{
	return numeric_add_opt_error(a, b, NULL);
}

Numeric
ca_sub(Numeric a, Numeric b)
{
	return numeric_sub_opt_error(a, b, NULL);
}

Numeric
ca_mul(Numeric a, Numeric b)
{
	return numeric_mul_opt_error(a, b, NULL);
}

Numeric
ca_div(Numeric a, Numeric b)
{
	return numeric_div_opt_error(a, b, NULL);
}

Numeric
ca_round(Numeric a, int scale)
{
	return DatumGetNumeric(DirectFunctionCall2(numeric_round, NumericGetDatum(a),
											   Int32GetDatum(scale)));
}

int
ca_cmp(Numeric a, Numeric b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(a),
											 NumericGetDatum(b)));
}

bool
ca_is_zero(Numeric a)
{
	return ca_cmp(a, ca_num_int(0)) == 0;
}

char *
ca_num_str(Numeric a)
{
	return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(a)));
}

Numeric
ca_float_to_num(double d, int scale)
{
	return ca_round(DatumGetNumeric(DirectFunctionCall1(float8_numeric, Float8GetDatum(d))),
					scale);
}

double
ca_num_to_float(Numeric a)
{
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, NumericGetDatum(a)));
}

static Numeric
num_abs(Numeric a)
{
	return DatumGetNumeric(DirectFunctionCall1(numeric_abs, NumericGetDatum(a)));
}

/* ----------------------------------------------------------------------
 * Field checks shared by every logger
 * ----------------------------------------------------------------------
 */
void
ca_check_text(const char *field, text *value, int maxlen, bool identifier)
{
	const char *p = VARDATA_ANY(value);
	int			len = VARSIZE_ANY_EXHDR(value);
	int			nchars;
	int			i;

	if (identifier)
	{
		if (len == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must not be empty", field),
					 errdetail("%s was an empty string.", field)));
		for (i = 0; i < len; i++)
			if ((unsigned char) p[i] < 0x20 || p[i] == 0x7f)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s must not contain control characters", field),
						 errdetail("Character %d of %s is 0x%02x.",
								   pg_mbstrlen_with_len(p, i) + 1, field,
								   (unsigned char) p[i])));
	}
	if (len > maxlen)			/* cheap test first: bytes >= characters */
	{
		nchars = pg_mbstrlen_with_len(p, len);
		if (nchars > maxlen)
			ereport(ERROR,
					(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
					 errmsg("value too long for %s", field),
					 errdetail("%s has %d characters; at most %d are allowed.",
							   field, nchars, maxlen)));
	}
}

void
ca_check_number(const char *field, Numeric value)
{
	static Numeric limit = NULL;

	if (numeric_is_nan(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a number", field),
				 errdetail("%s was NaN.", field)));
	if (numeric_is_inf(value))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s is out of range", field),
				 errdetail("%s was %s; it must be finite.", field, ca_num_str(value))));
	if (limit == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		limit = ca_num("1e15");
		MemoryContextSwitchTo(old);
	}
	if (ca_cmp(num_abs(value), limit) >= 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s is out of range", field),
				 errdetail("%s was %s; its absolute value must be below 10^15.",
						   field, ca_num_str(value))));
}

void
ca_check_scale(const char *field, Numeric value, int decimals)
{
	if (ca_cmp(ca_round(value, decimals), value) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must have at most %d decimal places", field, decimals),
				 errdetail("%s was %s.", field, ca_num_str(value))));
}

void
ca_check_multiplier(const char *field, Numeric value, const CaGame *game)
{
	ca_check_number(field, value);
	if (ca_cmp(value, ca_num_int(1)) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s is out of range", field),
				 errdetail("%s was %s; multipliers are 1.00 or more.", field, ca_num_str(value))));
	if (game != NULL && ca_cmp(value, game->max_multiplier) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s is out of range", field),
				 errdetail("%s was %s; the highest multiplier of %s/%s is %s.", field,
						   ca_num_str(value), text_to_cstring(game->game_name),
						   text_to_cstring(game->platform_code),
						   ca_num_str(game->max_multiplier))));
	ca_check_scale(field, value, 2);
}

void
ca_check_unit_interval(const char *field, Numeric value)
{
	ca_check_number(field, value);
	if (ca_cmp(value, ca_num_int(0)) < 0 || ca_cmp(value, ca_num_int(1)) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s is out of range", field),
				 errdetail("%s was %s; it must be between 0 and 1.", field, ca_num_str(value))));
}

void
ca_check_nonnegative_int(const char *field, int64 value)
{
	if (value < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s is out of range", field),
				 errdetail("%s was " INT64_FORMAT "; it must be zero or more.", field, value)));
}

/* at most this many bytes of a JSON value are shown in an error detail */
#define DETAIL_JSON_BYTES 64

/*
 * A JSON value for an error detail: its text, cut after DETAIL_JSON_BYTES
 * bytes ("..." marks the cut), and its type as jsonb_typeof() names it:
 * '[1, 2] (a JSON array)', '"x" (a JSON string)', 'null (JSON null)',
 * '["key 1", "ke... (a JSON array of 330 characters)'.
 */
char *
ca_jsonb_describe(Jsonb *value)
{
	const char *type;
	char	   *s;
	int			len,
				cut;

	if (JB_ROOT_IS_SCALAR(value))
	{
		JsonbValue	v;

		(void) JsonbExtractScalar(&value->root, &v);
		switch (v.type)
		{
			case jbvNull:
				return pstrdup("null (JSON null)");
			case jbvString:
				type = "string";
				break;
			case jbvNumeric:
				type = "number";
				break;
			case jbvBool:
				type = "boolean";
				break;
			default:
				type = "scalar";
				break;
		}
	}
	else
		type = JB_ROOT_IS_ARRAY(value) ? "array" : "object";
	s = JsonbToCString(NULL, &value->root, VARSIZE_ANY_EXHDR(value));
	len = strlen(s);
	cut = pg_mbcliplen(s, len, DETAIL_JSON_BYTES);
	if (cut < len)
		return psprintf("%.*s... (a JSON %s of %d characters)", cut, s, type,
						pg_mbstrlen_with_len(s, len));
	return psprintf("%s (a JSON %s)", s, type);
}

/* The same for a value met while iterating over a container. */
char *
ca_jsonb_value_describe(JsonbValue *value)
{
	return ca_jsonb_describe(JsonbValueToJsonb(value));
}

void
ca_check_jsonb_object(const char *field, Jsonb *value, int maxbytes)
{
	if (!JB_ROOT_IS_OBJECT(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a JSON object", field),
				 errdetail("%s was %s.", field, ca_jsonb_describe(value))));
	if (VARSIZE_ANY_EXHDR(value) > (Size) maxbytes)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 errmsg("value too long for %s", field),
				 errdetail("%s takes %zu bytes; at most %d are allowed.", field,
						   VARSIZE_ANY_EXHDR(value), maxbytes)));
}

static void
check_timestamp(const char *field, TimestampTz t)
{
	if (TIMESTAMP_NOT_FINITE(t))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a finite timestamp", field),
				 errdetail("%s was %s.", field, timestamptz_to_str(t))));
}

text *
ca_lower_text(text *t)
{
	char	   *s = text_to_cstring(t);
	char	   *p;

	for (p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p += 'a' - 'A';
	return cstring_to_text(s);
}

/* ----------------------------------------------------------------------
 * Theory at the game's RTP (PRODUCT.md section 6): P(crash >= t) = RTP/t
 * for t >= 1.01; a cash-out at 1.00x always "wins" and returns the stake.
 * ----------------------------------------------------------------------
 */
Numeric
ca_win_probability(Numeric target, Numeric rtp)
{
	if (ca_cmp(target, ca_num_int(1)) <= 0)
		return ca_num_int(1);
	return ca_round(ca_div(rtp, target), 6);
}

/*
 * stake * (t * P(win) - 1): stake * (RTP - 1) for every t >= 1.01, whatever
 * the target, and 0 for a 1.00x cash-out.
 */
Numeric
ca_expected_profit(Numeric stake, Numeric target, Numeric rtp)
{
	if (target != NULL && ca_cmp(target, ca_num_int(1)) <= 0)
		return ca_num_int(0);
	return ca_mul(stake, ca_sub(rtp, ca_num_int(1)));
}

/* ----------------------------------------------------------------------
 * The round
 * ----------------------------------------------------------------------
 */
#define FIELD(col) ca_column_name(CA_ROUNDS, (col))

static inline Numeric
rnum(CaRound *r, int col)
{
	bool		isnull;
	Datum		d = ca_row_get(r->row, col, &isnull);

	return isnull ? NULL : DatumGetNumeric(d);
}

static inline text *
rtext(CaRound *r, int col)
{
	bool		isnull;
	Datum		d = ca_row_get(r->row, col, &isnull);

	return isnull ? NULL : DatumGetTextPP(d);
}

static inline void
rset_num(CaRound *r, int col, Numeric n)
{
	if (n == NULL)
		ca_row_set_null(r->row, col);
	else
		ca_row_set(r->row, col, NumericGetDatum(n));
}

static void
check_text_col(CaRound *r, int col, int maxlen, bool identifier)
{
	text	   *t = rtext(r, col);

	if (t != NULL)
		ca_check_text(FIELD(col), t, maxlen, identifier);
}

static void
check_int_col(CaRound *r, int col, bool is_int8)
{
	bool		isnull;
	Datum		d = ca_row_get(r->row, col, &isnull);

	if (!isnull)
		ca_check_nonnegative_int(FIELD(col), is_int8 ? DatumGetInt64(d) : DatumGetInt32(d));
}

CaOutcome
ca_outcome_from_text(text *t)
{
	char	   *s = text_to_cstring(t);

	if (pg_strcasecmp(s, "WIN") == 0)
		return CA_WIN;
	if (pg_strcasecmp(s, "LOSS") == 0)
		return CA_LOSS;
	if (pg_strcasecmp(s, "SKIP") == 0)
		return CA_SKIP;
	if (pg_strcasecmp(s, "VOID") == 0)
		return CA_VOID;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid round_outcome: \"%s\"", s),
			 errdetail("round_outcome must be WIN, LOSS, SKIP or VOID (in any case), or omitted to be derived.")));
	return CA_SKIP;				/* keep compiler quiet */
}

static const char *const outcome_words[] = {"WIN", "LOSS", "SKIP", "VOID"};

bool
ca_round_is_bet(const CaRound *r)
{
	return ca_outcome_from_text(DatumGetTextPP(ca_row_get(r->row, RC_OUTCOME, NULL))) != CA_SKIP;
}

/*
 * Checks that need no configuration: required fields, text, integers,
 * numbers that are not numbers, timestamps, JSON.  Normalises keys
 * (game/platform lower-case, bet_slot defaulted) so that a retry compares
 * equal whatever case it was sent in.
 */
void
ca_round_normalize(CaRound *r)
{
	static const int required[] = {RC_BOT_ID, RC_SESSION_ID, RC_GAME, RC_PLATFORM,
	RC_ROUND_NUMBER, RC_CRASH};
	static const int numbers[] = {RC_STAKE, RC_CRASH, RC_CASHOUT, RC_TARGET, RC_PROFIT,
	RC_BALANCE_BEFORE, RC_BALANCE_AFTER, RC_OCR_CONFIDENCE};
	/*
	 * logged_at is no argument, but an INSERT may set it, and played_at falls
	 * back on it: an infinite one would become the round's played_at.
	 */
	static const int timestamps[] = {RC_STARTED_AT, RC_ENDED_AT, RC_BET_PLACED_AT,
	RC_CASHED_OUT_AT, RC_PLAYED_AT, RC_LOGGED_AT};
	CaRow	   *row = r->row;
	bool		isnull;
	Datum		d;
	int			i;

	for (i = 0; i < (int) lengthof(required); i++)
		if (ca_row_isnull(row, required[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not be null", FIELD(required[i]))));

	check_text_col(r, RC_BOT_ID, CA_MAX_ID_LEN, true);
	check_text_col(r, RC_SESSION_ID, CA_MAX_ID_LEN, true);
	check_text_col(r, RC_GAME, CA_MAX_NAME_LEN, true);
	check_text_col(r, RC_PLATFORM, CA_MAX_NAME_LEN, true);
	check_text_col(r, RC_PLATFORM_ROUND_ID, CA_MAX_ID_LEN, true);
	check_text_col(r, RC_STRATEGY, CA_MAX_ID_LEN, true);
	check_text_col(r, RC_OUTCOME, CA_MAX_NAME_LEN, false);
	check_text_col(r, RC_DETECTION_METHOD, CA_MAX_NAME_LEN, false);
	check_text_col(r, RC_OCR_TEXT, CA_MAX_TEXT, false);
	check_text_col(r, RC_ERROR_MESSAGE, CA_MAX_TEXT, false);
	check_text_col(r, RC_SERVER_SEED, CA_MAX_SHORT_TEXT, false);
	check_text_col(r, RC_SERVER_SEED_HASH, CA_MAX_SHORT_TEXT, false);
	check_text_col(r, RC_CLIENT_SEED, CA_MAX_SHORT_TEXT, false);
	check_text_col(r, RC_ROUND_HASH, CA_MAX_SHORT_TEXT, false);

	ca_row_set(row, RC_GAME, PointerGetDatum(ca_lower_text(rtext(r, RC_GAME))));
	ca_row_set(row, RC_PLATFORM, PointerGetDatum(ca_lower_text(rtext(r, RC_PLATFORM))));

	check_int_col(r, RC_ROUND_NUMBER, true);
	d = ca_row_get(row, RC_BET_SLOT, &isnull);
	if (isnull)
		ca_row_set(row, RC_BET_SLOT, Int32GetDatum(1));
	else if (DatumGetInt32(d) < 1 || DatumGetInt32(d) > 16)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("bet_slot is out of range"),
				 errdetail("bet_slot was %d; it must be between 1 and 16.", DatumGetInt32(d))));
	check_int_col(r, RC_SEQUENCE_STEP, false);
	check_int_col(r, RC_DETECTION_LATENCY, false);
	check_int_col(r, RC_ERROR_COUNT, false);
	check_int_col(r, RC_RETRY_COUNT, false);
	check_int_col(r, RC_NONCE, true);
	if (ca_row_isnull(row, RC_ERROR_COUNT))
		ca_row_set(row, RC_ERROR_COUNT, Int32GetDatum(0));
	if (ca_row_isnull(row, RC_RETRY_COUNT))
		ca_row_set(row, RC_RETRY_COUNT, Int32GetDatum(0));

	for (i = 0; i < (int) lengthof(numbers); i++)
	{
		Numeric		n = rnum(r, numbers[i]);

		if (n != NULL)
			ca_check_number(FIELD(numbers[i]), n);
	}
	if (rnum(r, RC_OCR_CONFIDENCE) != NULL)
		ca_check_unit_interval(FIELD(RC_OCR_CONFIDENCE), rnum(r, RC_OCR_CONFIDENCE));

	if (!ca_row_isnull(row, RC_OUTCOME))
	{
		CaOutcome	o = ca_outcome_from_text(rtext(r, RC_OUTCOME));

		ca_row_set(row, RC_OUTCOME, PointerGetDatum(cstring_to_text(outcome_words[o])));
	}

	for (i = 0; i < (int) lengthof(timestamps); i++)
	{
		d = ca_row_get(row, timestamps[i], &isnull);
		if (!isnull)
			check_timestamp(FIELD(timestamps[i]), DatumGetTimestampTz(d));
	}
	if (!ca_row_isnull(row, RC_STARTED_AT) && !ca_row_isnull(row, RC_ENDED_AT) &&
		DatumGetTimestampTz(ca_row_get(row, RC_ENDED_AT, NULL)) <
		DatumGetTimestampTz(ca_row_get(row, RC_STARTED_AT, NULL)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("round_ended_at is before round_started_at"),
				 errdetail("round_started_at was %s and round_ended_at %s.",
						   pstrdup(timestamptz_to_str(DatumGetTimestampTz(ca_row_get(row, RC_STARTED_AT, NULL)))),
						   pstrdup(timestamptz_to_str(DatumGetTimestampTz(ca_row_get(row, RC_ENDED_AT, NULL)))))));

	d = ca_row_get(row, RC_METADATA, &isnull);
	if (isnull)
		ca_row_set(row, RC_METADATA,
				   DirectFunctionCall1(jsonb_in, CStringGetDatum("{}")));
	else
		ca_check_jsonb_object(FIELD(RC_METADATA), DatumGetJsonbP(d), CA_MAX_JSON_BYTES);

	d = ca_row_get(row, RC_TAGS, &isnull);
	if (!isnull)
	{
		ArrayType  *arr = DatumGetArrayTypeP(d);
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		if (ARR_NDIM(arr) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("tags must be a one-dimensional array"),
					 errdetail("tags has %d dimensions.", ARR_NDIM(arr))));
		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
		if (n > 32)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many tags"),
					 errdetail("tags has %d elements; at most 32 are allowed.", n)));
		for (i = 0; i < n; i++)
		{
			if (nulls[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("tags must not contain null elements"),
						 errdetail("Element %d of tags is null.", i + 1)));
			ca_check_text("tags element", DatumGetTextPP(elems[i]), CA_MAX_NAME_LEN, true);
		}
	}
}

static void
require_stake(Numeric stake, const char *word)
{
	if (stake == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("stake_value must not be null for a %s round", word)));
	if (ca_cmp(stake, ca_num_int(0)) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("stake_value must be greater than zero for a %s round", word),
				 errdetail("stake_value was %s.", ca_num_str(stake))));
}

/*
 * A sent amount against the derivation: within one minor unit on a win
 * (casinos round payouts), exactly otherwise.
 */
static bool
agrees(Numeric sent, Numeric derived, const CaGame *game, bool tolerant)
{
	int			c = ca_cmp(num_abs(ca_sub(sent, derived)), game->minor_unit);

	return tolerant ? c <= 0 : ca_cmp(sent, derived) == 0;
}

static const char *
derivation_text(CaOutcome o, Numeric stake, Numeric cashout, Numeric derived)
{
	switch (o)
	{
		case CA_WIN:
			return psprintf("a stake of %s cashed out at %sx gives %s", ca_num_str(stake),
							ca_num_str(cashout), ca_num_str(derived));
		case CA_LOSS:
			return psprintf("a lost stake of %s gives %s", ca_num_str(stake), ca_num_str(derived));
		case CA_VOID:
			return psprintf("a void (refunded) bet gives %s", ca_num_str(derived));
		case CA_SKIP:
			break;
	}
	return psprintf("a skipped round gives %s", ca_num_str(derived));
}

/*
 * Validate against the game's configuration and derive every derived
 * column.  Balances the bot did not send may be filled later from the
 * session (ca_round_fill_balance).
 */
void
ca_round_derive(CaRound *r, const CaGame *game)
{
	CaRow	   *row = r->row;
	Numeric		zero = ca_num_int(0);
	Numeric		crash = rnum(r, RC_CRASH);
	Numeric		cashout = rnum(r, RC_CASHOUT);
	Numeric		target = rnum(r, RC_TARGET);
	Numeric		stake = rnum(r, RC_STAKE);
	Numeric		profit = rnum(r, RC_PROFIT);
	Numeric		before = rnum(r, RC_BALANCE_BEFORE);
	Numeric		after = rnum(r, RC_BALANCE_AFTER);
	Numeric		payout,
				derived_profit,
				bet_target,
				winprob = NULL;
	CaOutcome	o;
	bool		isnull;
	TimestampTz played;
	Datum		d;

	/* multipliers: range, two decimals, stored with scale 2 */
	ca_check_multiplier(FIELD(RC_CRASH), crash, game);
	crash = ca_round(crash, 2);
	rset_num(r, RC_CRASH, crash);
	if (cashout != NULL)
	{
		ca_check_multiplier(FIELD(RC_CASHOUT), cashout, game);
		cashout = ca_round(cashout, 2);
	}
	if (target != NULL)
	{
		ca_check_multiplier(FIELD(RC_TARGET), target, game);
		target = ca_round(target, 2);
		rset_num(r, RC_TARGET, target);
	}

	/* money: no more decimals than the currency has */
	if (stake != NULL)
		ca_check_scale(FIELD(RC_STAKE), stake, game->decimals);
	if (profit != NULL)
		ca_check_scale(FIELD(RC_PROFIT), profit, game->decimals);
	if (before != NULL)
		ca_check_scale(FIELD(RC_BALANCE_BEFORE), before, game->decimals);
	if (after != NULL)
		ca_check_scale(FIELD(RC_BALANCE_AFTER), after, game->decimals);

	/* the outcome: as sent, or from the multipliers */
	if (!ca_row_isnull(row, RC_OUTCOME))
		o = ca_outcome_from_text(rtext(r, RC_OUTCOME));
	else if (stake == NULL || ca_is_zero(stake))
		o = CA_SKIP;
	else if ((cashout ? cashout : target) == NULL)
		o = CA_LOSS;			/* a bet never cashed out */
	else
		o = ca_cmp(cashout ? cashout : target, crash) <= 0 ? CA_WIN : CA_LOSS;

	switch (o)
	{
		case CA_SKIP:
			if (stake != NULL && !ca_is_zero(stake))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("stake_value must be zero for a SKIP round"),
						 errdetail("stake_value was %s; a SKIP round observes a round without betting.",
								   ca_num_str(stake))));
			if (cashout != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("cashout_multiplier must be null for a SKIP round"),
						 errdetail("cashout_multiplier was %s.", ca_num_str(cashout))));
			stake = zero;
			break;
		case CA_WIN:
			require_stake(stake, "WIN");
			if (cashout == NULL)
				cashout = target;	/* an auto cash-out at the target */
			if (cashout == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("cashout_multiplier must not be null for a WIN round"),
						 errhint("Send the multiplier the bet was cashed out at, or its target_multiplier.")));
			if (ca_cmp(cashout, crash) > 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("cashout_multiplier is above crash_multiplier for a WIN round"),
						 errdetail("cashout_multiplier was %s and crash_multiplier %s; a bet wins only if it cashes out at or below the crash.",
								   ca_num_str(cashout), ca_num_str(crash))));
			break;
		case CA_LOSS:
			require_stake(stake, "LOSS");
			if (cashout != NULL && ca_cmp(cashout, crash) <= 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("cashout_multiplier is not above crash_multiplier for a LOSS round"),
						 errdetail("cashout_multiplier was %s and crash_multiplier %s; a bet that cashes out at or below the crash wins.",
								   ca_num_str(cashout), ca_num_str(crash))));
			break;
		case CA_VOID:
			require_stake(stake, "VOID");
			break;
	}
	if (o != CA_SKIP)
	{
		if (ca_cmp(stake, game->min_bet) < 0 || ca_cmp(stake, game->max_bet) > 0)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("stake_value is out of range"),
					 errdetail("stake_value was %s; %s/%s accepts stakes from %s to %s.",
							   ca_num_str(stake), text_to_cstring(game->game_name),
							   text_to_cstring(game->platform_code),
							   ca_num_str(game->min_bet), ca_num_str(game->max_bet))));
		if (before != NULL && ca_cmp(stake, before) > 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("stake_value is larger than running_balance_before"),
					 errdetail("stake_value was %s and running_balance_before %s.",
							   ca_num_str(stake), ca_num_str(before))));
	}

	/* payout and profit */
	if (o == CA_WIN)
		payout = ca_round(ca_mul(stake, cashout), game->decimals);
	else if (o == CA_VOID)
		payout = stake;
	else
		payout = zero;
	derived_profit = ca_sub(payout, stake);
	if (profit == NULL && before != NULL && after != NULL)
	{
		/*
		 * The bot sent both balances but no profit: its balances say what the
		 * casino paid, so they must agree with the derivation, and they give
		 * the profit (keeping balance_after = balance_before + profit).
		 */
		Numeric		from_balances = ca_sub(after, before);

		if (!agrees(from_balances, derived_profit, game, o == CA_WIN))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("running_balance_after does not match the round"),
					 errdetail("running_balance_after was %s and running_balance_before %s, a change of %s; %s.",
							   ca_num_str(after), ca_num_str(before), ca_num_str(from_balances),
							   derivation_text(o, stake, cashout, derived_profit))));
		profit = from_balances;
	}
	if (profit != NULL)
	{
		if (!agrees(profit, derived_profit, game, o == CA_WIN))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("profit_loss does not match the round"),
					 errdetail("profit_loss was %s; %s.", ca_num_str(profit),
							   derivation_text(o, stake, cashout, derived_profit)),
					 o == CA_WIN ? errhint("A sent amount may differ from the derived one by at most one minor unit (%s %s).",
										   ca_num_str(game->minor_unit), text_to_cstring(game->currency)) : 0));
		/* the casino's figure, within tolerance, is the truth */
		payout = ca_add(stake, profit);
	}
	else
		profit = derived_profit;

	/* a payout given to INSERT must agree too */
	if (r->sent[RC_PAYOUT])
	{
		Numeric		sent_payout = rnum(r, RC_PAYOUT);

		ca_check_number(FIELD(RC_PAYOUT), sent_payout);
		if (!agrees(sent_payout, payout, game, o == CA_WIN))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("payout_value does not match the round"),
					 errdetail("payout_value was %s; %s.", ca_num_str(sent_payout),
							   derivation_text(o, stake, cashout, payout))));
	}

	/* balances */
	if (before != NULL && ca_cmp(before, zero) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("running_balance_before is out of range"),
				 errdetail("running_balance_before was %s; a balance cannot be negative.",
						   ca_num_str(before))));
	if (after != NULL && ca_cmp(after, zero) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("running_balance_after is out of range"),
				 errdetail("running_balance_after was %s; a balance cannot be negative.",
						   ca_num_str(after))));
	if (before != NULL && after != NULL)
	{
		Numeric		expect = ca_add(before, profit);

		/*
		 * Exact: the profit has had its tolerance already (or was taken from
		 * these very balances), so one minor unit cannot be allowed twice.
		 */
		if (ca_cmp(after, expect) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("running_balance_after does not match the round"),
					 errdetail("running_balance_after was %s; running_balance_before %s plus profit_loss %s gives %s.",
							   ca_num_str(after), ca_num_str(before), ca_num_str(profit),
							   ca_num_str(expect))));
	}
	else if (before != NULL)
		after = ca_add(before, profit);
	else if (after != NULL)
	{
		before = ca_sub(after, profit);
		if (ca_cmp(before, zero) < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("running_balance_after does not match the round"),
					 errdetail("running_balance_after was %s; with profit_loss %s the balance before the round would have been %s.",
							   ca_num_str(after), ca_num_str(profit), ca_num_str(before))));
	}

	/* theory at the game's RTP */
	bet_target = (o == CA_WIN) ? cashout : (cashout ? cashout : target);
	if ((o == CA_WIN || o == CA_LOSS) && bet_target != NULL)
		winprob = ca_win_probability(bet_target, game->rtp);

	/*
	 * Store.  Money carries exactly the currency's decimals (10 and 10.0000
	 * are stored as 10.00 for a 2-decimal currency): the checks above made
	 * sure rounding changes no value.
	 */
	stake = ca_round(stake, game->decimals);
	payout = ca_round(payout, game->decimals);
	profit = ca_round(profit, game->decimals);
	if (before != NULL)
		before = ca_round(before, game->decimals);
	if (after != NULL)
		after = ca_round(after, game->decimals);
	ca_row_set(row, RC_OUTCOME, PointerGetDatum(cstring_to_text(outcome_words[o])));
	ca_row_set(row, RC_OUTCOME_SOURCE,
			   PointerGetDatum(cstring_to_text(r->sent[RC_OUTCOME] ? "sent" : "derived")));
	rset_num(r, RC_STAKE, stake);
	rset_num(r, RC_CASHOUT, cashout);
	rset_num(r, RC_PAYOUT, payout);
	rset_num(r, RC_PROFIT, profit);
	rset_num(r, RC_BALANCE_BEFORE, before);
	rset_num(r, RC_BALANCE_AFTER, after);
	rset_num(r, RC_ROI, o == CA_SKIP ? NULL :
			 ca_round(ca_div(ca_mul(profit, ca_num_int(100)), stake), 4));
	rset_num(r, RC_WIN_PROBABILITY, winprob);
	rset_num(r, RC_EXPECTED_PROFIT,
			 (o == CA_WIN || o == CA_LOSS) ? ca_expected_profit(stake, bet_target, game->rtp) : zero);
	rset_num(r, RC_FINAL, o == CA_WIN ? cashout : (o == CA_LOSS ? crash : NULL));
	ca_row_set(row, RC_INSTANT_CRASH, BoolGetDatum(ca_cmp(crash, ca_num_int(1)) == 0));
	ca_row_set(row, RC_CURRENCY, PointerGetDatum(game->currency));
	rset_num(r, RC_GAME_RTP, game->rtp);

	/* timing */
	if (ca_row_isnull(row, RC_PLAYED_AT))
	{
		static const int order[] = {RC_ENDED_AT, RC_STARTED_AT, RC_BET_PLACED_AT,
		RC_CASHED_OUT_AT, RC_LOGGED_AT};
		int			i;

		played = ca_now();
		r->played_now = true;
		for (i = 0; i < (int) lengthof(order); i++)
		{
			d = ca_row_get(row, order[i], &isnull);
			if (!isnull)
			{
				played = DatumGetTimestampTz(d);
				/* logged_at is the logging time unless someone set it (INSERT's default is now()) */
				r->played_now = order[i] == RC_LOGGED_AT && played == ca_now();
				break;
			}
		}
		ca_row_set(row, RC_PLAYED_AT, TimestampTzGetDatum(played));
	}
	if (!ca_row_isnull(row, RC_STARTED_AT) && !ca_row_isnull(row, RC_ENDED_AT))
		ca_row_set(row, RC_DURATION_MS,
				   Int64GetDatum((DatumGetTimestampTz(ca_row_get(row, RC_ENDED_AT, NULL)) -
								  DatumGetTimestampTz(ca_row_get(row, RC_STARTED_AT, NULL))) / 1000));
	else
		ca_row_set_null(row, RC_DURATION_MS);
}

/*
 * A bot that sends no balance still gets running balances when its session
 * knows one: the previous round's balance_after.
 */
void
ca_round_fill_balance(CaRound *r, Numeric session_balance)
{
	Numeric		after;

	if (session_balance == NULL || !ca_row_isnull(r->row, RC_BALANCE_BEFORE))
		return;
	after = ca_add(session_balance, rnum(r, RC_PROFIT));
	if (ca_cmp(after, ca_num_int(0)) < 0 || ca_cmp(rnum(r, RC_STAKE), session_balance) > 0)
		return;					/* the session's balance is stale; leave both unknown */
	rset_num(r, RC_BALANCE_BEFORE, session_balance);
	rset_num(r, RC_BALANCE_AFTER, after);
}
