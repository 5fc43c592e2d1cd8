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
 * Whether any of this beats chance is for get_signal_effectiveness() to
 * say: P(crash >= t) = RTP/t whatever came before.
 *
 * IDENTIFICATION
 *	  src/signals.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"

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

static pg_attribute_noreturn() void
bad_rule(int n, const char *fmt, const char *arg)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid signal rule %d", n),
			 errdetail(fmt, arg),
			 errhint("Rules look like {\"rule\": \"low_streak\", \"length\": 3, \"below\": 2.00, \"target\": 1.80} or {\"rule\": \"high_after\", \"above\": 10.00, \"target\": 2.00}.")));
}

static Numeric
rule_multiplier(JsonbContainer *obj, const char *key, int n)
{
	JsonbValue *v = rule_field(obj, key);
	Numeric		m;

	if (v == NULL || v->type != jbvNumeric)
		bad_rule(n, "Key \"%s\" must be a number.", key);
	m = v->val.numeric;
	if (numeric_is_nan(m) || numeric_is_inf(m) ||
		ca_cmp(m, ca_num("1.01")) < 0 || ca_cmp(m, ca_num("1e8")) >= 0 ||
		ca_cmp(ca_round(m, 2), m) != 0)
		bad_rule(n, "Key \"%s\" must be a multiplier from 1.01 with at most two decimal places.", key);
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
				 errmsg("signal_rules must be a JSON array")));
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
					 errdetail("At most %d rules are allowed.", MAX_RULES)));
		if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
			bad_rule(n, "A rule must be a JSON object%s.", "");
		obj = v.val.binary.data;
		kind = rule_field(obj, "rule");
		if (kind == NULL || kind->type != jbvString)
			bad_rule(n, "Key \"%s\" must name the rule.", "rule");
		kindname = pnstrdup(kind->val.string.val, kind->val.string.len);
		rule = &out[n - 1];
		if (strcmp(kindname, "low_streak") == 0)
		{
			JsonbValue *len = rule_field(obj, "length");
			bool		bad;

			rule->kind = RULE_LOW_STREAK;
			if (len == NULL || len->type != jbvNumeric)
				bad_rule(n, "Key \"%s\" must be a whole number from 1 to 50.", "length");
			rule->length = numeric_int4_opt_error(len->val.numeric, &bad);
			if (bad || rule->length < 1 || rule->length > MAX_STREAK_LENGTH ||
				ca_cmp(ca_num_int(rule->length), len->val.numeric) != 0)
				bad_rule(n, "Key \"%s\" must be a whole number from 1 to 50.", "length");
			rule->threshold = rule_multiplier(obj, "below", n);
		}
		else if (strcmp(kindname, "high_after") == 0)
		{
			rule->kind = RULE_HIGH_AFTER;
			rule->length = 1;
			rule->threshold = rule_multiplier(obj, "above", n);
		}
		else
			bad_rule(n, "Unknown rule \"%s\"; known rules are low_streak and high_after.", kindname);
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
				bad_rule(n, "Unknown key \"%s\".", key);
		}
	}
	return n;
}

void
ca_validate_signal_rules(Jsonb *rules)
{
	SignalRule	parsed[MAX_RULES];

	(void) parse_rules(rules, parsed);
}

static void
emit_signal(CaWriter *w, CaRow *m, const SignalRule *rule, List *history)
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
	for (i = rule->length - 1; i >= 0; i--)
	{
		CaRow	   *h = (CaRow *) list_nth(history, i);

		appendStringInfo(&features, "%s%s", i == rule->length - 1 ? "" : ", ",
						 ca_num_str(DatumGetNumeric(ca_row_get(h, MC_MULTIPLIER, NULL))));
	}
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
 * then let the bot's rules emit signals for the next round.
 */
void
ca_signals_on_multiplier(CaWriter *w, CaRow *bot, CaRow *m, const CaGame *game)
{
	Datum		keys[3];
	Numeric		mult = DatumGetNumeric(ca_row_get(m, MC_MULTIPLIER, NULL));
	List	   *open;
	ListCell   *lc;
	SignalRule	rules[MAX_RULES];
	int			nrules,
				i,
				depth = 1;
	List	   *history = NIL;
	bool		isnull;
	Datum		rules_datum;

	keys[0] = ca_row_get(m, MC_BOT_ID, NULL);
	keys[1] = ca_row_get(m, MC_GAME, NULL);
	keys[2] = ca_row_get(m, MC_PLATFORM, NULL);

	open = ca_fetch_all(w, CA_IDX_SIGNALS_OPEN, keys, 3, 0, false);
	foreach(lc, open)
	{
		CaRow	   *s = (CaRow *) lfirst(lc);
		Numeric		target = DatumGetNumeric(ca_row_get(s, SG_TARGET, NULL));

		ca_row_set(s, SG_STATUS, CStringGetTextDatum(ca_cmp(mult, target) >= 0 ? "hit" : "miss"));
		ca_row_set(s, SG_RESOLVED_ROUND, ca_row_get(m, MC_ROUND_NUMBER, NULL));
		ca_row_set(s, SG_RESOLVED_MULT, NumericGetDatum(mult));
		ca_row_set(s, SG_RESOLVED_MULT_ID, ca_row_get(m, MC_ID, NULL));
		ca_row_set(s, SG_RESOLVED_AT, ca_row_get(m, MC_OBSERVED_AT, NULL));
		ca_update(w, s);
	}

	rules_datum = ca_row_get(bot, BT_RULES, &isnull);
	if (isnull)
		return;
	nrules = parse_rules(DatumGetJsonbP(rules_datum), rules);
	if (nrules == 0)
		return;
	for (i = 0; i < nrules; i++)
		depth = Max(depth, rules[i].length);
	/* the latest multipliers of this bot and game/platform, newest first */
	history = ca_fetch_all(w, CA_IDX_MULTIPLIER_SERIES, keys, 3, depth, true);

	for (i = 0; i < nrules; i++)
	{
		SignalRule *rule = &rules[i];
		bool		match = true;
		int			j;

		if (rule->kind == RULE_HIGH_AFTER)
			match = ca_cmp(mult, rule->threshold) >= 0;
		else if (list_length(history) < rule->length)
			match = false;
		else
			for (j = 0; j < rule->length && match; j++)
			{
				CaRow	   *h = (CaRow *) list_nth(history, j);

				match = ca_cmp(DatumGetNumeric(ca_row_get(h, MC_MULTIPLIER, NULL)),
							   rule->threshold) < 0;
			}
		if (match && list_length(history) >= rule->length)
			emit_signal(w, m, rule, history);
	}
}
