/*-------------------------------------------------------------------------
 *
 * input.c
 *		Three ways a round arrives, one shape it leaves in.
 *
 * A round is the crash_game_rounds row it will become (a CaRow), plus a
 * flag per column saying whether the caller sent it.  The flags matter
 * twice: derivation fills only what was not sent, and a retry of an
 * already-logged round is compared on what it sent.
 *
 * The SQL argument names of log_crash_round are the column names, and a
 * JSON batch element uses the same names as keys; so one list,
 * ca_round_input_columns, describes all three inputs.
 *
 * IDENTIFICATION
 *	  src/input.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/varlena.h"

#include "crash_analytics.h"

/* log_crash_round's arguments, in order; also the keys a batch element may use */
const int	ca_round_input_columns[] = {
	RC_BOT_ID, RC_SESSION_ID, RC_GAME, RC_PLATFORM, RC_ROUND_NUMBER,
	RC_STAKE, RC_CRASH, RC_CASHOUT, RC_OUTCOME, RC_PROFIT,
	RC_BALANCE_BEFORE, RC_BALANCE_AFTER, RC_STRATEGY, RC_TARGET, RC_BET_SLOT,
	RC_PLATFORM_ROUND_ID, RC_STARTED_AT, RC_ENDED_AT, RC_BET_PLACED_AT, RC_CASHED_OUT_AT,
	RC_AUTO_CASHOUT, RC_SEQUENCE_STEP, RC_DETECTION_METHOD, RC_OCR_TEXT, RC_OCR_CONFIDENCE,
	RC_DETECTION_LATENCY, RC_ERROR_COUNT, RC_RETRY_COUNT, RC_ERROR_MESSAGE, RC_SERVER_SEED,
	RC_SERVER_SEED_HASH, RC_CLIENT_SEED, RC_NONCE, RC_ROUND_HASH, RC_METADATA,
	RC_TAGS
};
const int	ca_round_input_count = lengthof(ca_round_input_columns);

static CaRound *
round_new(void)
{
	CaRound    *r = palloc0(sizeof(CaRound));

	r->row = ca_row_new(CA_ROUNDS);
	return r;
}


/*
 * From SQL arguments.  argcols[i] is the column of argument i; the argument
 * types are those of the columns (the SQL declarations say so).
 */
CaRound *
ca_round_from_args(FunctionCallInfo fcinfo, const int *argcols, int nargs)
{
	CaRound    *r = round_new();
	int			i;

	for (i = 0; i < nargs && i < PG_NARGS(); i++)
	{
		int			col = argcols[i];

		if (PG_ARGISNULL(i))
			continue;
		/* detoast once, so that every later routine can use the value as it is */
		if (ca_row_coltype_len(r->row, col) == -1)
			ca_row_set(r->row, col, PointerGetDatum(PG_DETOAST_DATUM(PG_GETARG_DATUM(i))));
		else
			ca_row_set(r->row, col, PG_GETARG_DATUM(i));
		r->sent[col] = true;
	}
	return r;
}

static int
input_column_by_name(const char *name)
{
	int			i;

	for (i = 0; i < ca_round_input_count; i++)
		if (strcmp(ca_column_name(CA_ROUNDS, ca_round_input_columns[i]), name) == 0)
			return ca_round_input_columns[i];
	return -1;
}

/*
 * The key a mistyped one most likely meant, or NULL: the only key the sent
 * one is the first word of ("stake" for "stake_value"), or else the only
 * key at the smallest edit distance, one edit per three characters at most.
 */
static const char *
closest_input_key(const char *key)
{
	int			klen = strlen(key);
	int			best_d = Min(klen / 3, 2) + 1;
	const char *best = NULL;
	bool		tie = false;
	int			i;

	for (i = 0; i < ca_round_input_count; i++)
	{
		const char *name = ca_column_name(CA_ROUNDS, ca_round_input_columns[i]);
		int			nlen = strlen(name);
		int			d;

		if (klen >= 3 && nlen > klen && strncmp(name, key, klen) == 0 && name[klen] == '_')
			d = 0;
		else
			d = varstr_levenshtein_less_equal(key, klen, name, nlen, 1, 1, 1, best_d, true);
		if (d < best_d)
		{
			best = name;
			best_d = d;
			tie = false;
		}
		else if (d == best_d && best != NULL)
			tie = true;
	}
	return tie ? NULL : best;
}

/* A JSON scalar as text, for a type's input function. */
static char *
json_scalar_cstring(JsonbValue *v, const char *key)
{
	switch (v->type)
	{
		case jbvString:
			return pnstrdup(v->val.string.val, v->val.string.len);
		case jbvNumeric:
			return ca_num_str(v->val.numeric);
		case jbvBool:
			return pstrdup(v->val.boolean ? "true" : "false");
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("value of key \"%s\" must be a JSON string, number or boolean", key),
					 errdetail("The value sent was %s.", ca_jsonb_value_describe(v))));
	}
	return NULL;				/* keep compiler quiet */
}

/*
 * Convert a JSON value to a value of a column's type.  Numbers keep their
 * exact decimal value (jsonb stores numeric); strings go through the type's
 * input function, so "10.00", "2026-01-01T00:00:00Z" and "true" all work.
 */
Datum
ca_json_to_datum(JsonbValue *v, Oid typid, const char *key)
{
	if (typid == JSONBOID)
		return PointerGetDatum(JsonbValueToJsonb(v));
	if (typid == NUMERICOID && v->type == jbvNumeric)
		return NumericGetDatum(v->val.numeric);
	if (typid == TEXTARRAYOID)
	{
		JsonbIterator *it;
		JsonbValue	elem;
		JsonbIteratorToken tok;
		List	   *items = NIL;
		Datum	   *datums;
		ListCell   *lc;
		int			n = 0;

		if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("value of key \"%s\" must be a JSON array of strings", key),
					 errdetail("The value sent was %s.", ca_jsonb_value_describe(v))));
		it = JsonbIteratorInit(v->val.binary.data);
		while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
		{
			if (tok != WJB_ELEM)
				continue;
			if (elem.type != jbvString)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("value of key \"%s\" must be a JSON array of strings", key),
						 errdetail("Element %d of the array was %s.", list_length(items) + 1,
								   ca_jsonb_value_describe(&elem))));
			items = lappend(items, cstring_to_text_with_len(elem.val.string.val,
															elem.val.string.len));
		}
		datums = palloc(sizeof(Datum) * Max(list_length(items), 1));
		foreach(lc, items)
			datums[n++] = PointerGetDatum(lfirst(lc));
		return PointerGetDatum(construct_array(datums, n, TEXTOID, -1, false, TYPALIGN_INT));
	}
	if (v->type == jbvBinary)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value of key \"%s\" must be a JSON string, number or boolean", key),
				 errdetail("The value sent was %s.", ca_jsonb_value_describe(v))));
	{
		Oid			typinput,
					typioparam;

		getTypeInputInfo(typid, &typinput, &typioparam);
		return OidInputFunctionCall(typinput, json_scalar_cstring(v, key), typioparam, -1);
	}
}

static void
json_key_context(void *arg)
{
	const char *const *key = (const char *const *) arg;

	if (*key != NULL)
		errcontext("key \"%s\"", *key);
}

/* From one JSON object of a log_crash_rounds batch. */
CaRound *
ca_round_from_json(JsonbContainer *obj)
{
	CaRound    *r = round_new();
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;
	int			col = -1;
	ErrorContextCallback errcb;

	errcb.callback = json_key_context;
	errcb.arg = &key;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	it = JsonbIteratorInit(obj);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			key = pnstrdup(v.val.string.val, v.val.string.len);
			col = input_column_by_name(key);
			if (col < 0)
			{
				const char *closest = closest_input_key(key);

				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown key \"%s\"", key),
						 errdetail("The keys of a batch element are the argument names of crash_analytics.log_crash_round()."),
						 closest ? errhint("Perhaps you meant \"%s\".", closest) : 0));
			}
		}
		else if (tok == WJB_VALUE)
		{
			if (v.type == jbvNull)
				continue;
			ca_row_set(r->row, col, ca_json_to_datum(&v, ca_row_coltype(r->row, col), key));
			r->sent[col] = true;
		}
	}
	error_context_stack = errcb.previous;
	return r;
}

/*
 * From the NEW tuple of an INSERT or COPY.  Every column not NULL counts as
 * sent, except input columns still holding the table's default (metadata
 * '{}', error_count 0, retry_count 0): the executor filled those in, so an
 * INSERT that leaves them out is treated like a call that omits them (a
 * retry is not compared on them).
 */
CaRound *
ca_round_from_tuple(HeapTuple tuple)
{
	CaRound    *r = round_new();
	int			i;

	r->row = ca_row_from_tuple(CA_ROUNDS, tuple);
	for (i = 0; i < RC_NCOLS; i++)
		r->sent[i] = !ca_row_isnull(r->row, i);
	if (r->sent[RC_ERROR_COUNT] && DatumGetInt32(ca_row_get(r->row, RC_ERROR_COUNT, NULL)) == 0)
		r->sent[RC_ERROR_COUNT] = false;
	if (r->sent[RC_RETRY_COUNT] && DatumGetInt32(ca_row_get(r->row, RC_RETRY_COUNT, NULL)) == 0)
		r->sent[RC_RETRY_COUNT] = false;
	if (r->sent[RC_METADATA] &&
		JB_ROOT_COUNT(DatumGetJsonbP(ca_row_get(r->row, RC_METADATA, NULL))) == 0 &&
		JB_ROOT_IS_OBJECT(DatumGetJsonbP(ca_row_get(r->row, RC_METADATA, NULL))))
		r->sent[RC_METADATA] = false;
	return r;
}
