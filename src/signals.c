/*-------------------------------------------------------------------------
 *
 * signals.c
 *		Signals: predictions that the next round of a bot's game/platform
 *		reaches a target multiplier.
 *
 * Two sources.  A bot's own model logs signals with log_round_signal().
 * Built-in rules, configured per bot in bot_vm_registration.signal_rules,
 * look at the multipliers the bot has seen in one game/platform and emit a
 * signal when they match:
 *
 *	{"rule": "low_streak", "length": k, "below": x, "target": t}
 *		the last k multipliers (this one included) were all below x;
 *	{"rule": "high_after", "above": x, "target": t}
 *		this multiplier was x or more.
 *
 * Every new multiplier first resolves all open signals of its bot and
 * game/platform (hit iff multiplier >= target), then runs the rules, so a
 * signal is always judged by the round after the one that produced it.
 * Neither step scans history: bot_series_state keeps the latest 50
 * multipliers and the number of open signals of each series, and the open
 * signals are looked up only when there are some.
 * Whether any of this beats chance is for get_signal_effectiveness() to
 * say: P(crash >= t) = RTP/t whatever came before.
 *
 * IDENTIFICATION
 *	  src/signals.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/datum.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "crash_analytics.h"

#define MAX_RULES 16
#define MAX_STREAK_LENGTH 50

typedef enum RuleKind
{
	RULE_LOW_STREAK,
	RULE_HIGH_AFTER
} RuleKind;

typedef struct SignalRule
{
	RuleKind	kind;
	int			length;			/* low_streak */
	Numeric		threshold;		/* below (low_streak) or above (high_after) */
	Numeric		target;
} SignalRule;

static JsonbValue *
rule_field(JsonbContainer *obj, const char *key)
{
	return getKeyJsonValueFromContainer(obj, key, strlen(key), NULL);
}

/* A rule's key for a detail: 'Key "target" is missing' or 'Key "target" was "2" (a JSON string)' */
static char *
key_sent(const char *key, JsonbValue *v)
{
	if (v == NULL)
		return psprintf("Key \"%s\" is missing", key);
	return psprintf("Key \"%s\" was %s", key, ca_jsonb_value_describe(v));
}

/* detail: a full sentence, naming what was sent */
static pg_attribute_noreturn() void
bad_rule(int n, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid signal rule %d", n),
			 errdetail("%s", detail),
			 errhint("Rules look like {\"rule\": \"low_streak\", \"length\": 3, \"below\": 2.00, \"target\": 1.80} or {\"rule\": \"high_after\", \"above\": 10.00, \"target\": 2.00}.")));
}

static Numeric
rule_multiplier(JsonbContainer *obj, const char *key, int n)
{
	JsonbValue *v = rule_field(obj, key);
	Numeric		m;

	if (v == NULL || v->type != jbvNumeric)
		bad_rule(n, psprintf("%s; it must be a number.", key_sent(key, v)));
	m = v->val.numeric;
	if (numeric_is_nan(m) || numeric_is_inf(m) ||
		ca_cmp(m, ca_num("1.01")) < 0 || ca_cmp(m, ca_num("1e8")) >= 0 ||
		ca_cmp(ca_round(m, 2), m) != 0)
		bad_rule(n, psprintf("Key \"%s\" was %s; it must be a multiplier from 1.01 with at most two decimal places.",
							 key, ca_num_str(m)));
	return ca_round(m, 2);
}

/* Parse (and validate) a bot's rules. */
static int
parse_rules(Jsonb *rules, SignalRule *out)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			n = 0;

	if (!JB_ROOT_IS_ARRAY(rules) || JB_ROOT_IS_SCALAR(rules))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("signal_rules must be a JSON array"),
				 errdetail("signal_rules was %s.", ca_jsonb_describe(rules))));
	it = JsonbIteratorInit(&rules->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		JsonbContainer *obj;
		JsonbValue *kind;
		char	   *kindname;
		SignalRule *rule;
		JsonbIterator *kit;
		JsonbValue	kv;
		JsonbIteratorToken ktok;

		if (tok != WJB_ELEM)
			continue;
		n++;
		if (n > MAX_RULES)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many signal rules"),
					 errdetail("signal_rules has %d rules; at most %d are allowed.",
							   (int) JB_ROOT_COUNT(rules), MAX_RULES)));
		if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
			bad_rule(n, psprintf("The rule was %s; a rule must be a JSON object.",
								 ca_jsonb_value_describe(&v)));
		obj = v.val.binary.data;
		kind = rule_field(obj, "rule");
		if (kind == NULL || kind->type != jbvString)
			bad_rule(n, psprintf("%s; it must name the rule (a string).", key_sent("rule", kind)));
		kindname = pnstrdup(kind->val.string.val, kind->val.string.len);
		rule = &out[n - 1];
		if (strcmp(kindname, "low_streak") == 0)
		{
			JsonbValue *len = rule_field(obj, "length");
			bool		bad;

			rule->kind = RULE_LOW_STREAK;
			if (len == NULL || len->type != jbvNumeric)
				bad_rule(n, psprintf("%s; it must be a whole number from 1 to %d.",
									 key_sent("length", len), MAX_STREAK_LENGTH));
			rule->length = numeric_int4_opt_error(len->val.numeric, &bad);
			if (bad || rule->length < 1 || rule->length > MAX_STREAK_LENGTH ||
				ca_cmp(ca_num_int(rule->length), len->val.numeric) != 0)
				bad_rule(n, psprintf("Key \"length\" was %s; it must be a whole number from 1 to %d.",
									 ca_num_str(len->val.numeric), MAX_STREAK_LENGTH));
			rule->threshold = rule_multiplier(obj, "below", n);
		}
		else if (strcmp(kindname, "high_after") == 0)
		{
			rule->kind = RULE_HIGH_AFTER;
			rule->length = 1;
			rule->threshold = rule_multiplier(obj, "above", n);
		}
		else
			bad_rule(n, psprintf("Unknown rule \"%s\"; known rules are low_streak and high_after.", kindname));
		rule->target = rule_multiplier(obj, "target", n);

		/* no key the rule does not use: a typo must not be silently ignored */
		kit = JsonbIteratorInit(obj);
		while ((ktok = JsonbIteratorNext(&kit, &kv, true)) != WJB_DONE)
		{
			char	   *key;

			if (ktok != WJB_KEY)
				continue;
			key = pnstrdup(kv.val.string.val, kv.val.string.len);
			if (strcmp(key, "rule") != 0 && strcmp(key, "target") != 0 &&
				!(rule->kind == RULE_LOW_STREAK &&
				  (strcmp(key, "length") == 0 || strcmp(key, "below") == 0)) &&
				!(rule->kind == RULE_HIGH_AFTER && strcmp(key, "above") == 0))
				bad_rule(n, psprintf("Unknown key \"%s\".", key));
		}
	}
	return n;
}

/*
 * A bot's rules, parsed: every round of a bot with rules needs them, and
 * parsing costs more than the rest of the rule work.  The last rules seen
 * are kept with their parse; a round whose bot sends the same bytes gets a
 * copy (in the caller's memory, as rows written later may point into it).
 */
static MemoryContext rules_cxt = NULL;
static Jsonb *rules_seen = NULL;
static SignalRule rules_parsed[MAX_RULES];
static int	rules_count = 0;

static int
bot_rules(Jsonb *rules, SignalRule *out)
{
	int			n,
				i;

	if (rules_seen != NULL && VARSIZE(rules_seen) == VARSIZE(rules) &&
		memcmp(rules_seen, rules, VARSIZE(rules)) == 0)
		n = rules_count;
	else
	{
		MemoryContext old;

		n = parse_rules(rules, out);	/* may fail: the kept parse stays intact */
		if (rules_cxt == NULL)
			rules_cxt = AllocSetContextCreate(TopMemoryContext, "crash_analytics signal rules",
											  ALLOCSET_SMALL_SIZES);
		rules_seen = NULL;
		MemoryContextReset(rules_cxt);
		old = MemoryContextSwitchTo(rules_cxt);
		for (i = 0; i < n; i++)
		{
			rules_parsed[i] = out[i];
			rules_parsed[i].threshold = DatumGetNumeric(datumCopy(NumericGetDatum(out[i].threshold), false, -1));
			rules_parsed[i].target = DatumGetNumeric(datumCopy(NumericGetDatum(out[i].target), false, -1));
		}
		rules_seen = palloc(VARSIZE(rules));
		memcpy(rules_seen, rules, VARSIZE(rules));
		rules_count = n;
		MemoryContextSwitchTo(old);
		return n;
	}
	for (i = 0; i < n; i++)
	{
		out[i] = rules_parsed[i];
		out[i].threshold = DatumGetNumeric(datumCopy(NumericGetDatum(rules_parsed[i].threshold), false, -1));
		out[i].target = DatumGetNumeric(datumCopy(NumericGetDatum(rules_parsed[i].target), false, -1));
	}
	return n;
}

void
ca_validate_signal_rules(Jsonb *rules)
{
	SignalRule	parsed[MAX_RULES];

	(void) parse_rules(rules, parsed);
}

/* multipliers as hundredths: exact (two decimals), and cheap to keep in an array */
static int64
hundredths(Numeric n)
{
	return DatumGetInt64(DirectFunctionCall1(numeric_int8,
											 NumericGetDatum(ca_mul(n, ca_num_int(100)))));
}

static Numeric
from_hundredths(int64 h)
{
	return int64_div_fast_to_numeric(h, 2);
}

/*
 * The series state of (bot, game, platform), and its recent multipliers
 * (oldest first) in recent[0 .. *n - 1], excluding the multiplier row
 * exclude_id.  A missing row is rebuilt from the multipliers and signals
 * (the first multiplier of a series, or after a purge or a rebuild).
 */
static CaRow *
series_state(CaWriter *w, Datum *keys, int64 exclude_id, bool *fresh, int64 *recent, int *n)
{
	CaRow	   *st = ca_fetch(w, CA_IDX_SERIES_KEY, keys);

	*n = 0;
	*fresh = (st == NULL);
	if (st != NULL)
	{
		ArrayType  *arr = DatumGetArrayTypeP(ca_row_get(st, SS_RECENT, NULL));
		Datum	   *elems;
		bool	   *nulls;
		int			i,
					count;

		deconstruct_array(arr, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
						  &elems, &nulls, &count);
		for (i = 0; i < count && i < MAX_STREAK_LENGTH; i++)
			recent[(*n)++] = DatumGetInt64(elems[i]);
	}
	else
	{
		List	   *history = ca_fetch_all(w, CA_IDX_MULTIPLIER_SERIES, keys, 3,
										   MAX_STREAK_LENGTH + 1, true);
		List	   *open = ca_fetch_all(w, CA_IDX_SIGNALS_OPEN, keys, 3, 0, false);
		int64		last = 0;
		int			i;

		st = ca_row_new(CA_SERIES_STATE);
		ca_row_set(st, SS_BOT_ID, keys[0]);
		ca_row_set(st, SS_GAME, keys[1]);
		ca_row_set(st, SS_PLATFORM, keys[2]);
		/* history is newest first */
		for (i = list_length(history) - 1; i >= 0; i--)
		{
			CaRow	   *h = (CaRow *) list_nth(history, i);
			int64		id = DatumGetInt64(ca_row_get(h, MC_ID, NULL));

			if (id == exclude_id)
				continue;
			recent[(*n)++] = hundredths(DatumGetNumeric(ca_row_get(h, MC_MULTIPLIER, NULL)));
			last = id;
		}
		if (*n > MAX_STREAK_LENGTH)
		{
			memmove(recent, recent + (*n - MAX_STREAK_LENGTH), sizeof(int64) * MAX_STREAK_LENGTH);
			*n = MAX_STREAK_LENGTH;
		}
		if (last != 0)
			ca_row_set(st, SS_LAST_MULT_ID, Int64GetDatum(last));
		ca_row_set(st, SS_OPEN, Int32GetDatum(list_length(open)));
	}
	return st;
}

static void
store_series_state(CaWriter *w, CaRow *st, bool fresh, const int64 *recent, int n)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));
	int			i;

	for (i = 0; i < n; i++)
		elems[i] = Int64GetDatum(recent[i]);
	ca_row_set(st, SS_RECENT, PointerGetDatum(construct_array(elems, n, INT8OID, sizeof(int64),
															  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE)));
	if (fresh)
		ca_insert(w, st);
	else
		ca_update(w, st);
}

static void
emit_signal(CaWriter *w, CaRow *m, const SignalRule *rule, const int64 *recent, int n)
{
	CaRow	   *s = ca_row_new(CA_SIGNALS);
	StringInfoData features;
	int			i;

	ca_row_set(s, SG_BOT_ID, ca_row_get(m, MC_BOT_ID, NULL));
	ca_row_set(s, SG_SESSION_ID, ca_row_get(m, MC_SESSION_ID, NULL));
	ca_row_set(s, SG_GAME, ca_row_get(m, MC_GAME, NULL));
	ca_row_set(s, SG_PLATFORM, ca_row_get(m, MC_PLATFORM, NULL));
	ca_row_set(s, SG_SOURCE, CStringGetTextDatum("rule"));
	ca_row_set(s, SG_TARGET, NumericGetDatum(rule->target));
	ca_row_set(s, SG_AFTER_ROUND, ca_row_get(m, MC_ROUND_NUMBER, NULL));
	ca_row_set(s, SG_AFTER_MULT_ID, ca_row_get(m, MC_ID, NULL));
	ca_row_set(s, SG_EMITTED_AT, ca_row_get(m, MC_OBSERVED_AT, NULL));
	ca_row_set(s, SG_STATUS, CStringGetTextDatum("open"));

	/* the multipliers the rule looked at, oldest first */
	initStringInfo(&features);
	appendStringInfoString(&features, "{\"multipliers\": [");
	for (i = n - rule->length; i < n; i++)
		appendStringInfo(&features, "%s%s", i == n - rule->length ? "" : ", ",
						 ca_num_str(from_hundredths(recent[i])));
	appendStringInfoString(&features, "]}");
	ca_row_set(s, SG_FEATURES, DirectFunctionCall1(jsonb_in, CStringGetDatum(features.data)));

	if (rule->kind == RULE_LOW_STREAK)
	{
		ca_row_set(s, SG_TYPE, CStringGetTextDatum("low_streak"));
		ca_row_set(s, SG_PATTERN,
				   CStringGetTextDatum(psprintf("%d rounds under %sx", rule->length,
												ca_num_str(rule->threshold))));
	}
	else
	{
		ca_row_set(s, SG_TYPE, CStringGetTextDatum("high_after"));
		ca_row_set(s, SG_PATTERN,
				   CStringGetTextDatum(psprintf("a round at %sx or more", ca_num_str(rule->threshold))));
	}
	ca_insert(w, s);
}

/*
 * A multiplier row was just inserted: resolve the open signals it decides,
 * then let the bot's rules emit signals for the next round.  Caller holds
 * the bot's lock.
 */
void
ca_signals_on_multiplier(CaWriter *w, CaRow *bot, CaRow *m, const CaGame *game)
{
	Datum		keys[3];
	Numeric		mult = DatumGetNumeric(ca_row_get(m, MC_MULTIPLIER, NULL));
	int64		mid = DatumGetInt64(ca_row_get(m, MC_ID, NULL));
	int64		recent[MAX_STREAK_LENGTH + 1];
	int			n,
				open,
				nrules = 0,
				i;
	bool		fresh,
				isnull;
	SignalRule	rules[MAX_RULES];
	Datum		rules_datum;
	CaRow	   *st;

	keys[0] = ca_row_get(m, MC_BOT_ID, NULL);
	keys[1] = ca_row_get(m, MC_GAME, NULL);
	keys[2] = ca_row_get(m, MC_PLATFORM, NULL);
	st = series_state(w, keys, mid, &fresh, recent, &n);

	open = DatumGetInt32(ca_row_get(st, SS_OPEN, NULL));
	if (open > 0)
	{
		List	   *signals = ca_fetch_all(w, CA_IDX_SIGNALS_OPEN, keys, 3, 0, false);
		ListCell   *lc;

		foreach(lc, signals)
		{
			CaRow	   *s = (CaRow *) lfirst(lc);
			Numeric		target = DatumGetNumeric(ca_row_get(s, SG_TARGET, NULL));

			ca_row_set(s, SG_STATUS, CStringGetTextDatum(ca_cmp(mult, target) >= 0 ? "hit" : "miss"));
			ca_row_set(s, SG_RESOLVED_ROUND, ca_row_get(m, MC_ROUND_NUMBER, NULL));
			ca_row_set(s, SG_RESOLVED_MULT, NumericGetDatum(mult));
			ca_row_set(s, SG_RESOLVED_MULT_ID, Int64GetDatum(mid));
			ca_row_set(s, SG_RESOLVED_AT, ca_row_get(m, MC_OBSERVED_AT, NULL));
			ca_update(w, s);
		}
		open = 0;
	}

	/* this multiplier joins the recent ones */
	if (n == MAX_STREAK_LENGTH)
	{
		memmove(recent, recent + 1, sizeof(int64) * (MAX_STREAK_LENGTH - 1));
		n--;
	}
	recent[n++] = hundredths(mult);

	rules_datum = ca_row_get(bot, BT_RULES, &isnull);
	if (!isnull)
		nrules = bot_rules(DatumGetJsonbP(rules_datum), rules);
	for (i = 0; i < nrules; i++)
	{
		SignalRule *rule = &rules[i];
		int64		threshold = hundredths(rule->threshold);
		bool		match;
		int			j;

		if (rule->kind == RULE_HIGH_AFTER)
			match = recent[n - 1] >= threshold;
		else
		{
			match = n >= rule->length;
			for (j = n - rule->length; match && j < n; j++)
				match = recent[j] < threshold;
		}
		if (match)
		{
			emit_signal(w, m, rule, recent, n);
			open++;
		}
	}

	ca_row_set(st, SS_LAST_MULT_ID, Int64GetDatum(mid));
	ca_row_set(st, SS_OPEN, Int32GetDatum(open));
	store_series_state(w, st, fresh, recent, n);
}

/*
 * A bot's own signal is about to be stored: count it as open in its series
 * and return the id of the multiplier it follows (0 if none yet), which the
 * next multiplier will be compared with.
 */
int64
ca_signal_opened(CaWriter *w, Datum bot, Datum game, Datum platform)
{
	Datum		keys[3] = {bot, game, platform};
	int64		recent[MAX_STREAK_LENGTH + 1];
	int			n;
	bool		fresh,
				isnull;
	CaRow	   *st = series_state(w, keys, 0, &fresh, recent, &n);
	Datum		last = ca_row_get(st, SS_LAST_MULT_ID, &isnull);

	ca_row_set(st, SS_OPEN, Int32GetDatum(DatumGetInt32(ca_row_get(st, SS_OPEN, NULL)) + 1));
	store_series_state(w, st, fresh, recent, n);
	return isnull ? 0 : DatumGetInt64(last);
}
