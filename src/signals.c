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
 * signal_differences() replays the same rules (the same matching and the
 * same signal fields, below) over a bot's stored multipliers in logging
 * order and compares what they give with the stored rule signals and
 * series states; verify_consistency() runs it for every bot.
 *
 * IDENTIFICATION
 *	  src/signals.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/fmgrprotos.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "crash_analytics.h"

PG_FUNCTION_INFO_V1(ca_signal_differences);

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

/*
 * What a rule's signal says beside its target: its type, its pattern and
 * the multipliers it looked at (recent[0 .. n - 1], oldest first, this one
 * last).  The write path stores these; the replay expects them.
 */
static const char *
rule_type(const SignalRule *rule)
{
	return rule->kind == RULE_LOW_STREAK ? "low_streak" : "high_after";
}

static char *
rule_pattern(const SignalRule *rule)
{
	if (rule->kind == RULE_LOW_STREAK)
		return psprintf("%d rounds under %sx", rule->length, ca_num_str(rule->threshold));
	return psprintf("a round at %sx or more", ca_num_str(rule->threshold));
}

static Datum
rule_features(const SignalRule *rule, const int64 *recent, int n)
{
	StringInfoData features;
	int			i;

	initStringInfo(&features);
	appendStringInfoString(&features, "{\"multipliers\": [");
	for (i = n - rule->length; i < n; i++)
		appendStringInfo(&features, "%s%s", i == n - rule->length ? "" : ", ",
						 ca_num_str(from_hundredths(recent[i])));
	appendStringInfoString(&features, "]}");
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(features.data));
}

/* Does the rule match the latest multipliers (recent[n - 1] is the newest)? */
static bool
rule_matches(const SignalRule *rule, const int64 *recent, int n)
{
	int64		threshold = hundredths(rule->threshold);
	bool		match;
	int			j;

	if (rule->kind == RULE_HIGH_AFTER)
		return n >= 1 && recent[n - 1] >= threshold;
	match = n >= rule->length;
	for (j = n - rule->length; match && j < n; j++)
		match = recent[j] < threshold;
	return match;
}

static void
emit_signal(CaWriter *w, CaRow *m, const SignalRule *rule, const int64 *recent, int n)
{
	CaRow	   *s = ca_row_new(CA_SIGNALS);

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
	ca_row_set(s, SG_FEATURES, rule_features(rule, recent, n));
	ca_row_set(s, SG_TYPE, CStringGetTextDatum(rule_type(rule)));
	ca_row_set(s, SG_PATTERN, CStringGetTextDatum(rule_pattern(rule)));
	ca_insert(w, s);
}

/*
 * A multiplier row was just inserted: resolve the open signals it decides,
 * then let the bot's rules emit signals for the next round.  Caller holds
 * the bot's lock.
 */
void
ca_signals_on_multiplier(CaWriter *w, CaRow *bot, CaRow *m)
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
		if (rule_matches(&rules[i], recent, n))
		{
			emit_signal(w, m, &rules[i], recent, n);
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

/* ----------------------------------------------------------------------
 * Replay: signal_differences(bot_id)
 *
 * The bot's multipliers are read in logging (id) order, every series
 * keeping its latest 50 as the write path does, and at each one the bot's
 * rules are run: each signal a rule gives must be stored, with the fields
 * emit_signal writes, and each stored rule signal must be one a rule gives.
 * Then every stored series state must hold the series' latest multiplier,
 * its latest 50 and its number of open signals.
 *
 * Two things the stored rows cannot tell are taken from elsewhere:
 *	- which rules were in force: the bot's current ones, for the multipliers
 *	  logged (created_at) since its registration last changed (updated_at;
 *	  register_bot bumps it); earlier multipliers may have been judged by
 *	  other rules, and are not judged;
 *	- whether a window is whole: a purge (and, for data from before 1.1, the
 *	  update) records in bot_series_history the newest multiplier it may
 *	  have removed from each series; a rule's window that reaches back to it
 *	  may have held multipliers no longer stored, and is not judged.
 * What is not judged is neither required nor reported.
 *
 * The stored signals are read alongside, in id order: rule signals are
 * written right after the multiplier they follow, so that order is the
 * multipliers' order; a few are read ahead, which also absorbs a signal
 * stored out of that order.  Memory is bounded by the bot's series and
 * that lookahead, not by its history.
 * ----------------------------------------------------------------------
 */
#define SIGNAL_LOOKAHEAD (2 * MAX_RULES + 1)
#define SERIES_KEY_LEN (MAX_MULTIBYTE_CHAR_LEN * 2 * CA_MAX_NAME_LEN + 2)

typedef struct ReplaySeries
{
	char		key[SERIES_KEY_LEN];	/* game|platform */
	char	   *game;
	char	   *platform;
	int64		recent[MAX_STREAK_LENGTH];	/* hundredths, oldest first */
	int64		ids[MAX_STREAK_LENGTH];
	int			n;
	int64		last_id;		/* 0: no multiplier */
	int32		open;			/* open signals of both sources */
	bool		has_mark;
	int64		complete_after; /* bot_series_history */
} ReplaySeries;

typedef struct StoredSignal
{
	MemoryContext cxt;			/* holds this and its row */
	CaRow	   *row;
	int64		after_id;
} StoredSignal;

typedef struct SignalReplay
{
	MemoryContext cxt;
	char	   *bot_name;
	CaDiffOut  *out;
	HTAB	   *series;
	SignalRule	rules[MAX_RULES];
	char	   *patterns[MAX_RULES];
	int			nrules;
	bool		have_bot;
	TimestampTz rules_since;
	CaScan	   *signals;
	bool		signals_done;
	List	   *buffer;			/* StoredSignal *, in id order */
} SignalReplay;

static ReplaySeries *
replay_series(SignalReplay *rp, Datum game, Datum platform)
{
	char		key[SERIES_KEY_LEN];
	char	   *g = TextDatumGetCString(game);
	char	   *p = TextDatumGetCString(platform);
	ReplaySeries *s;
	bool		found;

	/* a truncated key would merge two series: refuse */
	if (snprintf(key, sizeof(key), "%s|%s", g, p) >= (int) sizeof(key))
		elog(ERROR, "series key \"%s|%s\" is too long", g, p);
	s = hash_search(rp->series, key, HASH_ENTER, &found);
	if (!found)
	{
		s->game = MemoryContextStrdup(rp->cxt, g);
		s->platform = MemoryContextStrdup(rp->cxt, p);
		s->n = 0;
		s->last_id = 0;
		s->open = 0;
		s->has_mark = false;
		s->complete_after = 0;
	}
	return s;
}

/* bot_series_history: where each series' stored history is known whole */
static void
load_history_marks(SignalReplay *rp, Datum bot, Snapshot snap)
{
	Oid			nsp = get_namespace_oid(CA_SCHEMA_NAME, false);
	Oid			relid = get_relname_relid("bot_series_history", nsp);
	Oid			indexid = get_relname_relid("bot_series_history_pkey", nsp);
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tuple;
	AttrNumber	game_att,
				platform_att,
				mark_att;

	if (!OidIsValid(relid) || !OidIsValid(indexid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s.bot_series_history\" or its primary key is missing", CA_SCHEMA_NAME),
				 errhint("Run ALTER EXTENSION crash_analytics UPDATE.")));
	rel = table_open(relid, AccessShareLock);
	game_att = get_attnum(relid, "game_name");
	platform_att = get_attnum(relid, "platform_code");
	mark_att = get_attnum(relid, "complete_after_multiplier_id");
	ScanKeyEntryInitialize(&key, 0, get_attnum(relid, "bot_id"), BTEqualStrategyNumber, InvalidOid,
						   C_COLLATION_OID, F_TEXTEQ, bot);
	scan = systable_beginscan(rel, indexid, true, snap, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		bool		gnull,
					pnull,
					mnull;
		Datum		g = heap_getattr(tuple, game_att, RelationGetDescr(rel), &gnull);
		Datum		p = heap_getattr(tuple, platform_att, RelationGetDescr(rel), &pnull);
		Datum		mark = heap_getattr(tuple, mark_att, RelationGetDescr(rel), &mnull);
		ReplaySeries *s;

		if (gnull || pnull || mnull)
			continue;
		s = replay_series(rp, g, p);
		s->has_mark = true;
		s->complete_after = DatumGetInt64(mark);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
}

static char *
series_key_text(SignalReplay *rp, const char *game, const char *platform)
{
	return psprintf("%s/%s/%s", rp->bot_name, game, platform);
}

static char *
datum_text(Datum d, bool isnull, Oid typid)
{
	Oid			typout;
	bool		varlena;

	if (isnull)
		return NULL;
	getTypeOutputInfo(typid, &typout, &varlena);
	return OidOutputFunctionCall(typout, d);
}

static char *
signal_key(SignalReplay *rp, CaRow *sig)
{
	return psprintf("%s/signal %lld", series_key_text(rp, TextDatumGetCString(ca_row_get(sig, SG_GAME, NULL)),
													  TextDatumGetCString(ca_row_get(sig, SG_PLATFORM, NULL))),
					(long long) DatumGetInt64(ca_row_get(sig, SG_ID, NULL)));
}

static void
signal_extra(SignalReplay *rp, CaRow *sig)
{
	ca_diff_emit(rp->out, "analytics_round_signals", signal_key(rp, sig), NULL, "present", NULL);
}

/* one column of a stored signal against what the rule gives */
static void
compare_signal_column(SignalReplay *rp, CaRow *sig, int col, Datum expected, bool expected_null)
{
	bool		isnull;
	Datum		stored = ca_row_get(sig, col, &isnull);
	Oid			typid = ca_row_coltype(sig, col);
	bool		equal;

	if (isnull || expected_null)
		equal = isnull == expected_null;
	else if (typid == JSONBOID)
		equal = DatumGetBool(DirectFunctionCall2(jsonb_eq, stored, expected));
	else if (typid == NUMERICOID)
		equal = ca_cmp(DatumGetNumeric(stored), DatumGetNumeric(expected)) == 0;
	else if (typid == TEXTOID)
		equal = DatumGetBool(DirectFunctionCall2Coll(texteq, C_COLLATION_OID, stored, expected));
	else
		equal = datumIsEqual(stored, expected, true, sizeof(int64));	/* bigint, timestamptz */
	if (!equal)
		ca_diff_emit(rp->out, "analytics_round_signals", signal_key(rp, sig), ca_column_name(CA_SIGNALS, col),
					 datum_text(stored, isnull, typid), datum_text(expected, expected_null, typid));
}

static void
compare_signal(SignalReplay *rp, CaRow *sig, CaRow *m, const SignalRule *rule, ReplaySeries *s)
{
	compare_signal_column(rp, sig, SG_SESSION_ID, ca_row_get(m, MC_SESSION_ID, NULL), false);
	compare_signal_column(rp, sig, SG_AFTER_ROUND, ca_row_get(m, MC_ROUND_NUMBER, NULL), false);
	compare_signal_column(rp, sig, SG_EMITTED_AT, ca_row_get(m, MC_OBSERVED_AT, NULL), false);
	compare_signal_column(rp, sig, SG_FEATURES, rule_features(rule, s->recent, s->n), false);
	compare_signal_column(rp, sig, SG_MODEL, (Datum) 0, true);
	compare_signal_column(rp, sig, SG_CONFIDENCE, (Datum) 0, true);
}

/* the signal is the one rule i gives: same type, pattern and target */
static bool
signal_is_rule(SignalReplay *rp, CaRow *sig, int i)
{
	bool		isnull;
	Datum		pattern = ca_row_get(sig, SG_PATTERN, &isnull);

	return !isnull &&
		strcmp(TextDatumGetCString(ca_row_get(sig, SG_TYPE, NULL)), rule_type(&rp->rules[i])) == 0 &&
		strcmp(TextDatumGetCString(pattern), rp->patterns[i]) == 0 &&
		ca_cmp(DatumGetNumeric(ca_row_get(sig, SG_TARGET, NULL)), rp->rules[i].target) == 0;
}

static void
drop_stored(StoredSignal *ss)
{
	MemoryContextDelete(ss->cxt);
}

/*
 * Read stored signals until SIGNAL_LOOKAHEAD rule signals follow a
 * multiplier after upto, all are read, or the buffer is full (signals that
 * follow no multiplier are dropped as the multipliers pass them).  Every
 * signal counts towards its series' open signals; rule signals are kept for
 * matching.
 */
static void
read_signals(SignalReplay *rp, int64 upto)
{
	ListCell   *lc;
	int			ahead = 0;

	foreach(lc, rp->buffer)
		if (((StoredSignal *) lfirst(lc))->after_id > upto)
			ahead++;
	while (!rp->signals_done && ahead < SIGNAL_LOOKAHEAD && list_length(rp->buffer) < 4 * SIGNAL_LOOKAHEAD)
	{
		MemoryContext cxt = AllocSetContextCreate(rp->cxt, "crash_analytics stored signal",
												  ALLOCSET_SMALL_SIZES);
		MemoryContext old = MemoryContextSwitchTo(cxt);
		CaRow	   *sig = ca_scan_next(rp->signals);
		bool		isnull;
		Datum		after;
		StoredSignal *ss;

		if (sig == NULL)
		{
			MemoryContextSwitchTo(old);
			MemoryContextDelete(cxt);
			rp->signals_done = true;
			break;
		}
		if (strcmp(TextDatumGetCString(ca_row_get(sig, SG_STATUS, NULL)), "open") == 0)
			replay_series(rp, ca_row_get(sig, SG_GAME, NULL), ca_row_get(sig, SG_PLATFORM, NULL))->open++;
		after = ca_row_get(sig, SG_AFTER_MULT_ID, &isnull);
		if (strcmp(TextDatumGetCString(ca_row_get(sig, SG_SOURCE, NULL)), "rule") != 0 || isnull)
		{
			/* a bot's own signal; or a rule signal that follows no multiplier */
			if (strcmp(TextDatumGetCString(ca_row_get(sig, SG_SOURCE, NULL)), "rule") == 0)
				signal_extra(rp, sig);
			MemoryContextSwitchTo(old);
			MemoryContextDelete(cxt);
			continue;
		}
		ss = palloc(sizeof(StoredSignal));
		ss->cxt = cxt;
		ss->row = sig;
		ss->after_id = DatumGetInt64(after);
		MemoryContextSwitchTo(rp->cxt);
		rp->buffer = lappend(rp->buffer, ss);
		MemoryContextSwitchTo(old);
		if (ss->after_id > upto)
			ahead++;
	}
}

/* One stored multiplier, in logging order. */
static void
replay_multiplier(SignalReplay *rp, CaRow *m)
{
	int64		mid = DatumGetInt64(ca_row_get(m, MC_ID, NULL));
	ReplaySeries *s = replay_series(rp, ca_row_get(m, MC_GAME, NULL), ca_row_get(m, MC_PLATFORM, NULL));
	bool		rules_ok;
	bool		fired[MAX_RULES],
				judged[MAX_RULES],
				used[MAX_RULES];
	List	   *keep = NIL;
	ListCell   *lc;
	int			i;

	/* the series' latest multipliers, as the write path keeps them */
	if (s->n == MAX_STREAK_LENGTH)
	{
		memmove(s->recent, s->recent + 1, sizeof(int64) * (MAX_STREAK_LENGTH - 1));
		memmove(s->ids, s->ids + 1, sizeof(int64) * (MAX_STREAK_LENGTH - 1));
		s->n--;
	}
	s->recent[s->n] = hundredths(DatumGetNumeric(ca_row_get(m, MC_MULTIPLIER, NULL)));
	s->ids[s->n] = mid;
	s->n++;
	s->last_id = mid;

	rules_ok = !rp->have_bot ||
		DatumGetTimestampTz(ca_row_get(m, MC_CREATED_AT, NULL)) >= rp->rules_since;
	for (i = 0; i < rp->nrules; i++)
	{
		int			len = rp->rules[i].length;

		fired[i] = rule_matches(&rp->rules[i], s->recent, s->n);
		judged[i] = rules_ok &&
			(!s->has_mark || (s->n >= len && s->ids[s->n - len] > s->complete_after));
		used[i] = false;
	}

	read_signals(rp, mid);
	foreach(lc, rp->buffer)
	{
		StoredSignal *ss = (StoredSignal *) lfirst(lc);
		CaRow	   *sig = ss->row;
		int			pick = -1,
					skip = -1;

		if (ss->after_id > mid)
		{
			keep = lappend(keep, ss);
			continue;
		}
		if (ss->after_id < mid)
		{
			/* follows no multiplier of this bot (or is stored far out of order) */
			signal_extra(rp, sig);
			drop_stored(ss);
			continue;
		}
		compare_signal_column(rp, sig, SG_GAME, ca_row_get(m, MC_GAME, NULL), false);
		compare_signal_column(rp, sig, SG_PLATFORM, ca_row_get(m, MC_PLATFORM, NULL), false);
		for (i = 0; i < rp->nrules && pick < 0; i++)
		{
			if (used[i] || !signal_is_rule(rp, sig, i))
				continue;
			if (judged[i] && fired[i])
				pick = i;
			else if (!judged[i] && skip < 0)
				skip = i;
		}
		if (pick >= 0)
		{
			used[pick] = true;
			compare_signal(rp, sig, m, &rp->rules[pick], s);
		}
		else if (skip >= 0)
			used[skip] = true;	/* that rule cannot be judged here */
		else if (rules_ok)
			signal_extra(rp, sig);
		drop_stored(ss);
	}
	list_free(rp->buffer);
	{
		MemoryContext old = MemoryContextSwitchTo(rp->cxt);

		rp->buffer = list_copy(keep);
		MemoryContextSwitchTo(old);
	}

	for (i = 0; i < rp->nrules; i++)
		if (fired[i] && judged[i] && !used[i])
		{
			const SignalRule *rule = &rp->rules[i];

			ca_diff_emit(rp->out, "analytics_round_signals",
						 psprintf("%s/after multiplier %lld/%s %s -> %s",
								  series_key_text(rp, s->game, s->platform), (long long) mid,
								  rule_type(rule), rp->patterns[i], ca_num_str(rule->target)),
						 NULL, NULL, "present");
		}
}

static void
compare_state(SignalReplay *rp, CaRow *st)
{
	Datum		game = ca_row_get(st, SS_GAME, NULL);
	Datum		platform = ca_row_get(st, SS_PLATFORM, NULL);
	ReplaySeries *s = replay_series(rp, game, platform);
	char	   *key = series_key_text(rp, s->game, s->platform);
	bool		isnull;
	Datum		last = ca_row_get(st, SS_LAST_MULT_ID, &isnull);
	ArrayType  *arr = DatumGetArrayTypeP(ca_row_get(st, SS_RECENT, NULL));
	Datum	   *elems;
	bool	   *nulls;
	int			count,
				i;
	bool		same;
	int32		open = DatumGetInt32(ca_row_get(st, SS_OPEN, NULL));

	if (isnull != (s->last_id == 0) || (!isnull && DatumGetInt64(last) != s->last_id))
		ca_diff_emit(rp->out, "bot_series_state", key, "last_multiplier_id",
					 isnull ? NULL : psprintf(INT64_FORMAT, DatumGetInt64(last)),
					 s->last_id == 0 ? NULL : psprintf(INT64_FORMAT, s->last_id));

	deconstruct_array(arr, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, &count);
	same = count == s->n;
	for (i = 0; same && i < count; i++)
		same = !nulls[i] && DatumGetInt64(elems[i]) == s->recent[i];
	if (!same)
	{
		Datum	   *expected = palloc(sizeof(Datum) * Max(s->n, 1));

		for (i = 0; i < s->n; i++)
			expected[i] = Int64GetDatum(s->recent[i]);
		ca_diff_emit(rp->out, "bot_series_state", key, "recent_hundredths",
					 datum_text(PointerGetDatum(arr), false, INT8ARRAYOID),
					 datum_text(PointerGetDatum(construct_array(expected, s->n, INT8OID, sizeof(int64),
																FLOAT8PASSBYVAL, TYPALIGN_DOUBLE)),
								false, INT8ARRAYOID));
	}
	if (open != s->open)
		ca_diff_emit(rp->out, "bot_series_state", key, "open_signals",
					 psprintf("%d", open), psprintf("%d", s->open));
}

/*
 * signal_differences(bot_id) returns setof (table_name, row_key,
 * column_name, stored, expected): a rule signal missing (stored NULL) or
 * not given by the rules (expected NULL), a field of one that differs, and
 * a series state value that differs from the multipliers and open signals;
 * no row when all agree.
 */

/* fn for every row of the bot's in index order, each in scratch memory reset after it */
static void
replay_each(SignalReplay *rp, CaIndex idx, Datum bot, Snapshot snap, MemoryContext scratch,
			void (*fn) (SignalReplay *rp, CaRow *row))
{
	CaScan	   *scan = ca_scan_begin(idx, &bot, 1, snap);

	for (;;)
	{
		MemoryContext old = MemoryContextSwitchTo(scratch);
		CaRow	   *row = ca_scan_next(scan);

		if (row != NULL)
			fn(rp, row);
		MemoryContextSwitchTo(old);
		MemoryContextReset(scratch);
		if (row == NULL)
			break;
	}
	ca_scan_end(scan);
}

Datum
ca_signal_differences(PG_FUNCTION_ARGS)
{
	Datum		bot;
	Snapshot	snap = GetActiveSnapshot();
	CaDiffOut	out;
	SignalReplay rp;
	HASHCTL		ctl;
	CaRow	   *botrow;
	MemoryContext scratch,
				old;
	ListCell   *lc;
	int			i;

	/* not STRICT since 1.2: a NULL bot is an error, as for get_bot_statistics */
	ca_require(fcinfo, 0, "bot_id");
	bot = PointerGetDatum(PG_GETARG_TEXT_PP(0));
	ca_diff_begin(fcinfo, &out);
	memset(&rp, 0, sizeof(rp));
	rp.cxt = AllocSetContextCreate(CurrentMemoryContext, "crash_analytics signal replay",
								   ALLOCSET_DEFAULT_SIZES);
	scratch = AllocSetContextCreate(CurrentMemoryContext, "crash_analytics signal replay round",
									ALLOCSET_DEFAULT_SIZES);
	rp.bot_name = TextDatumGetCString(bot);
	rp.out = &out;
	ctl.keysize = SERIES_KEY_LEN;
	ctl.entrysize = sizeof(ReplaySeries);
	ctl.hcxt = rp.cxt;
	rp.series = hash_create("crash_analytics replay series", 16, &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);

	botrow = ca_read(CA_IDX_BOT_KEY, &bot, snap);
	if (botrow != NULL)
	{
		bool		isnull;
		Datum		rules = ca_row_get(botrow, BT_RULES, &isnull);

		rp.have_bot = true;
		rp.rules_since = DatumGetTimestampTz(ca_row_get(botrow, BT_UPDATED_AT, NULL));
		if (!isnull)
			rp.nrules = parse_rules(DatumGetJsonbP(rules), rp.rules);
		for (i = 0; i < rp.nrules; i++)
			rp.patterns[i] = rule_pattern(&rp.rules[i]);
	}
	load_history_marks(&rp, bot, snap);

	rp.signals = ca_scan_begin(CA_IDX_SIGNALS_PKEY, &bot, 1, snap);
	replay_each(&rp, CA_IDX_MULTIPLIERS_PKEY, bot, snap, scratch, replay_multiplier);

	/* the rest of the signals: for the open counts; a rule signal left follows no multiplier */
	old = MemoryContextSwitchTo(scratch);
	for (;;)
	{
		bool		last;

		read_signals(&rp, PG_INT64_MAX);
		last = rp.signals_done;
		foreach(lc, rp.buffer)
		{
			signal_extra(&rp, ((StoredSignal *) lfirst(lc))->row);
			drop_stored((StoredSignal *) lfirst(lc));
		}
		list_free(rp.buffer);
		rp.buffer = NIL;
		if (last)
			break;
		MemoryContextReset(scratch);
	}
	MemoryContextSwitchTo(old);
	ca_scan_end(rp.signals);

	/* the series states */
	replay_each(&rp, CA_IDX_SERIES_KEY, bot, snap, scratch, compare_state);

	MemoryContextDelete(scratch);
	MemoryContextDelete(rp.cxt);
	return (Datum) 0;
}
