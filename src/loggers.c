/*-------------------------------------------------------------------------
 *
 * loggers.c
 *		The loggers besides rounds: multipliers and signals a bot logs on its
 *		own, errors, OCR readings, bot registration, session start and end,
 *		game/platform registration.
 *
 * They follow the rounds' rules: every argument is checked with an error
 * that names it, text has a length limit, nothing is written by a failed
 * call, a retry of the same call is harmless (returns the same id) where
 * the call has a natural key, and anything that writes a bot's rows takes
 * the bot's lock first.  All writes go through the writer.
 *
 * IDENTIFICATION
 *	  src/loggers.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_collation.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "crash_analytics.h"

PG_FUNCTION_INFO_V1(ca_log_round_multiplier);
PG_FUNCTION_INFO_V1(ca_log_round_signal);
PG_FUNCTION_INFO_V1(ca_log_error);
PG_FUNCTION_INFO_V1(ca_log_ocr_validation);
PG_FUNCTION_INFO_V1(ca_register_bot);
PG_FUNCTION_INFO_V1(ca_start_session);
PG_FUNCTION_INFO_V1(ca_end_session);
PG_FUNCTION_INFO_V1(ca_register_game_platform);

/* ----------------------------------------------------------------------
 * Argument helpers
 * ----------------------------------------------------------------------
 */

/* A text argument, checked; NULL if the argument is NULL. */
static text *
text_arg(FunctionCallInfo fcinfo, int argno, const char *field, int maxlen, bool identifier)
{
	text	   *t = ca_arg_text(fcinfo, argno);

	if (t != NULL)
		ca_check_text(field, t, maxlen, identifier);
	return t;
}

static text *
required_text_arg(FunctionCallInfo fcinfo, int argno, const char *field, int maxlen)
{
	ca_require(fcinfo, argno, field);
	return text_arg(fcinfo, argno, field, maxlen, true);
}

static Numeric
numeric_arg(FunctionCallInfo fcinfo, int argno, const char *field)
{
	Numeric		n;

	if (PG_ARGISNULL(argno))
		return NULL;
	n = PG_GETARG_NUMERIC(argno);
	ca_check_number(field, n);
	return n;
}

static TimestampTz
timestamp_arg(FunctionCallInfo fcinfo, int argno, const char *field)
{
	TimestampTz t;

	if (PG_ARGISNULL(argno))
		return ca_now();
	t = PG_GETARG_TIMESTAMPTZ(argno);
	if (TIMESTAMP_NOT_FINITE(t))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a finite timestamp", field),
				 errdetail("%s was %s.", field, timestamptz_to_str(t))));
	return t;
}

static Jsonb *
json_object_arg(FunctionCallInfo fcinfo, int argno, const char *field)
{
	Jsonb	   *j;

	if (PG_ARGISNULL(argno))
		return NULL;
	j = PG_GETARG_JSONB_P(argno);
	ca_check_jsonb_object(field, j, CA_MAX_JSON_BYTES);
	return j;
}

/* one of a few lower-case words; returns it lower-cased */
static text *
word_arg(FunctionCallInfo fcinfo, int argno, const char *field, const char *const *words,
		 int nwords, const char *list)
{
	text	   *t = ca_arg_text(fcinfo, argno);
	char	   *s;
	int			i;

	if (t == NULL)
		return NULL;
	t = ca_lower_text(t);
	s = text_to_cstring(t);
	for (i = 0; i < nwords; i++)
		if (strcmp(s, words[i]) == 0)
			return t;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid %s: \"%s\"", field, s),
			 errdetail("%s must be %s.", field, list)));
	return NULL;				/* keep compiler quiet */
}

static void
set_text_maybe(CaRow *row, int col, text *t)
{
	if (t != NULL)
		ca_row_set(row, col, PointerGetDatum(t));
}

static void
set_num_maybe(CaRow *row, int col, Numeric n)
{
	if (n != NULL)
		ca_row_set(row, col, NumericGetDatum(n));
}

static int64
row_id(CaRow *row, int col)
{
	return DatumGetInt64(ca_row_get(row, col, NULL));
}

/* ----------------------------------------------------------------------
 * Multipliers and signals
 * ----------------------------------------------------------------------
 */

/*
 * log_round_multiplier_analytics(bot_id, session_id, game_name,
 *		platform_code, round_number, multiplier, platform_round_id,
 *		observed_at): a round watched without betting.
 */
Datum
ca_log_round_multiplier(PG_FUNCTION_ARGS)
{
	text	   *bot_id = required_text_arg(fcinfo, 0, "bot_id", CA_MAX_ID_LEN);
	text	   *session_id = required_text_arg(fcinfo, 1, "session_id", CA_MAX_ID_LEN);
	text	   *game_name = required_text_arg(fcinfo, 2, "game_name", CA_MAX_NAME_LEN);
	text	   *platform = required_text_arg(fcinfo, 3, "platform_code", CA_MAX_NAME_LEN);
	text	   *platform_round_id = text_arg(fcinfo, 6, "platform_round_id", CA_MAX_ID_LEN, true);
	int64		round_number;
	Numeric		mult;
	TimestampTz observed;
	CaWriter   *w;
	CaGame	   *game;
	CaRow	   *bot,
			   *m;
	Datum		keys[3];

	ca_check_bot_writer(bot_id);

	ca_require(fcinfo, 4, "round_number");
	ca_require(fcinfo, 5, "multiplier");
	round_number = PG_GETARG_INT64(4);
	ca_check_nonnegative_int("round_number", round_number);
	observed = timestamp_arg(fcinfo, 7, "observed_at");
	game_name = ca_lower_text(game_name);
	platform = ca_lower_text(platform);

	w = ca_writer_begin();
	game = ca_load_game(w, game_name, platform, true);
	mult = PG_GETARG_NUMERIC(5);
	ca_check_multiplier("multiplier", mult, game);
	mult = ca_round(mult, 2);

	ca_lock_bot(bot_id);
	bot = ca_ensure_bot(w, bot_id);
	keys[0] = PointerGetDatum(bot_id);
	keys[1] = PointerGetDatum(session_id);
	keys[2] = Int64GetDatum(round_number);
	m = ca_fetch(w, CA_IDX_MULTIPLIER_KEY, keys);
	if (m != NULL)
	{
		StringInfoData diffs;

		/*
		 * A retry: name what differs and what was sent, never what is
		 * stored (the bot may not be the caller's; see compare_with_logged).
		 */
		initStringInfo(&diffs);
		if (ca_cmp(DatumGetNumeric(ca_row_get(m, MC_MULTIPLIER, NULL)), mult) != 0)
			appendStringInfo(&diffs, "multiplier (sent %s)", ca_num_str(mult));
		if (!DatumGetBool(DirectFunctionCall2Coll(texteq, C_COLLATION_OID,
												  ca_row_get(m, MC_GAME, NULL),
												  PointerGetDatum(game_name))))
			appendStringInfo(&diffs, "%sgame_name (sent %s)", diffs.len ? ", " : "",
							 text_to_cstring(game_name));
		if (!DatumGetBool(DirectFunctionCall2Coll(texteq, C_COLLATION_OID,
												  ca_row_get(m, MC_PLATFORM, NULL),
												  PointerGetDatum(platform))))
			appendStringInfo(&diffs, "%splatform_code (sent %s)", diffs.len ? ", " : "",
							 text_to_cstring(platform));
		if (diffs.len > 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("the multiplier of round " INT64_FORMAT " of session \"%s\" of bot \"%s\" was already logged with different content",
							round_number, text_to_cstring(session_id), text_to_cstring(bot_id)),
					 errdetail("Fields that differ from the logged multiplier: %s.", diffs.data)));
		ca_writer_end(w);
		PG_RETURN_INT64(row_id(m, MC_ID));
	}
	{
		/* like a round, a watched multiplier needs a session still open */
		CaRow	   *s = ca_fetch_session(w, bot_id, session_id);

		if (s != NULL && strcmp(TextDatumGetCString(ca_row_get(s, SE_STATUS, NULL)), "active") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("session \"%s\" of bot \"%s\" has ended", text_to_cstring(session_id),
							text_to_cstring(bot_id)),
					 errhint("Log new rounds in a new session.")));
	}

	m = ca_row_new(CA_MULTIPLIERS);
	ca_row_set(m, MC_BOT_ID, PointerGetDatum(bot_id));
	ca_row_set(m, MC_SESSION_ID, PointerGetDatum(session_id));
	ca_row_set(m, MC_GAME, PointerGetDatum(game_name));
	ca_row_set(m, MC_PLATFORM, PointerGetDatum(platform));
	ca_row_set(m, MC_ROUND_NUMBER, Int64GetDatum(round_number));
	set_text_maybe(m, MC_PLATFORM_ROUND_ID, platform_round_id);
	ca_row_set(m, MC_MULTIPLIER, NumericGetDatum(mult));
	ca_row_set(m, MC_INSTANT, BoolGetDatum(ca_cmp(mult, ca_num_int(1)) == 0));
	ca_row_set(m, MC_OBSERVED_AT, TimestampTzGetDatum(observed));
	ca_row_set(m, MC_SOURCE, CStringGetTextDatum("direct"));
	ca_insert(w, m);
	ca_signals_on_multiplier(w, bot, m);
	ca_writer_end(w);
	CommandCounterIncrement();
	PG_RETURN_INT64(row_id(m, MC_ID));
}

/*
 * log_round_signal(bot_id, session_id, game_name, platform_code,
 *		signal_type, target_multiplier, confidence_score, model_name,
 *		pattern_match, feature_vector, emitted_after_round)
 */
Datum
ca_log_round_signal(PG_FUNCTION_ARGS)
{
	text	   *bot_id = required_text_arg(fcinfo, 0, "bot_id", CA_MAX_ID_LEN);
	text	   *session_id = required_text_arg(fcinfo, 1, "session_id", CA_MAX_ID_LEN);
	text	   *game_name = required_text_arg(fcinfo, 2, "game_name", CA_MAX_NAME_LEN);
	text	   *platform = required_text_arg(fcinfo, 3, "platform_code", CA_MAX_NAME_LEN);
	text	   *signal_type = required_text_arg(fcinfo, 4, "signal_type", CA_MAX_NAME_LEN);
	Numeric		confidence = numeric_arg(fcinfo, 6, "confidence_score");
	text	   *model = text_arg(fcinfo, 7, "model_name", CA_MAX_ID_LEN, true);
	text	   *pattern = text_arg(fcinfo, 8, "pattern_match", CA_MAX_SHORT_TEXT, false);
	Jsonb	   *features = PG_ARGISNULL(9) ? NULL : PG_GETARG_JSONB_P(9);
	Numeric		target;
	CaWriter   *w;
	CaGame	   *game;
	CaRow	   *s;

	ca_check_bot_writer(bot_id);

	ca_require(fcinfo, 5, "target_multiplier");
	target = PG_GETARG_NUMERIC(5);
	if (confidence != NULL)
		ca_check_unit_interval("confidence_score", confidence);
	if (features != NULL && VARSIZE_ANY_EXHDR(features) > CA_MAX_JSON_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 errmsg("value too long for feature_vector"),
				 errdetail("feature_vector takes %zu bytes; at most %d are allowed.",
						   VARSIZE_ANY_EXHDR(features), CA_MAX_JSON_BYTES)));
	if (!PG_ARGISNULL(10))
		ca_check_nonnegative_int("emitted_after_round", PG_GETARG_INT64(10));
	game_name = ca_lower_text(game_name);
	platform = ca_lower_text(platform);

	w = ca_writer_begin();
	game = ca_load_game(w, game_name, platform, true);
	ca_check_multiplier("target_multiplier", target, game);
	if (ca_cmp(target, ca_num("1.01")) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("target_multiplier is out of range"),
				 errdetail("target_multiplier was %s; a signal's target must be 1.01 or more.",
						   ca_num_str(target))));

	ca_lock_bot(bot_id);
	(void) ca_ensure_bot(w, bot_id);
	s = ca_row_new(CA_SIGNALS);
	{
		/* the multiplier this signal follows: the next one resolves it */
		int64		after = ca_signal_opened(w, PointerGetDatum(bot_id), PointerGetDatum(game_name),
											 PointerGetDatum(platform));

		if (after != 0)
			ca_row_set(s, SG_AFTER_MULT_ID, Int64GetDatum(after));
	}
	ca_row_set(s, SG_BOT_ID, PointerGetDatum(bot_id));
	ca_row_set(s, SG_SESSION_ID, PointerGetDatum(session_id));
	ca_row_set(s, SG_GAME, PointerGetDatum(game_name));
	ca_row_set(s, SG_PLATFORM, PointerGetDatum(platform));
	ca_row_set(s, SG_SOURCE, CStringGetTextDatum("bot"));
	ca_row_set(s, SG_TYPE, PointerGetDatum(signal_type));
	set_text_maybe(s, SG_MODEL, model);
	ca_row_set(s, SG_TARGET, NumericGetDatum(ca_round(target, 2)));
	set_num_maybe(s, SG_CONFIDENCE, confidence);
	set_text_maybe(s, SG_PATTERN, pattern);
	if (features != NULL)
		ca_row_set(s, SG_FEATURES, PointerGetDatum(features));
	if (!PG_ARGISNULL(10))
		ca_row_set(s, SG_AFTER_ROUND, PG_GETARG_DATUM(10));
	ca_row_set(s, SG_EMITTED_AT, TimestampTzGetDatum(ca_now()));
	ca_row_set(s, SG_STATUS, CStringGetTextDatum("open"));
	ca_insert(w, s);
	ca_writer_end(w);
	CommandCounterIncrement();
	PG_RETURN_INT64(row_id(s, SG_ID));
}

/* ----------------------------------------------------------------------
 * Errors and OCR readings
 * ----------------------------------------------------------------------
 */
static const char *const severities[] = {"debug", "info", "warning", "error", "critical"};

/*
 * log_error(bot_id, error_type, error_message, session_id, stack_trace,
 *		recovery_action, severity, round_number, context, occurred_at)
 */
Datum
ca_log_error(PG_FUNCTION_ARGS)
{
	text	   *bot_id = required_text_arg(fcinfo, 0, "bot_id", CA_MAX_ID_LEN);
	text	   *type = required_text_arg(fcinfo, 1, "error_type", CA_MAX_ID_LEN);
	text	   *message = required_text_arg(fcinfo, 2, "error_message", CA_MAX_TEXT);
	text	   *session_id = text_arg(fcinfo, 3, "session_id", CA_MAX_ID_LEN, true);
	text	   *stack = text_arg(fcinfo, 4, "stack_trace", CA_MAX_LONG_TEXT, false);
	text	   *recovery = text_arg(fcinfo, 5, "recovery_action", CA_MAX_SHORT_TEXT, false);
	text	   *severity = word_arg(fcinfo, 6, "severity", severities, lengthof(severities),
									"debug, info, warning, error or critical");
	Jsonb	   *context = json_object_arg(fcinfo, 8, "context");
	TimestampTz occurred = timestamp_arg(fcinfo, 9, "occurred_at");
	CaWriter   *w;
	CaRow	   *e;

	ca_check_bot_writer(bot_id);

	if (!PG_ARGISNULL(7))
		ca_check_nonnegative_int("round_number", PG_GETARG_INT64(7));

	w = ca_writer_begin();
	e = ca_row_new(CA_ERRORS);
	ca_row_set(e, ER_BOT_ID, PointerGetDatum(bot_id));
	set_text_maybe(e, ER_SESSION_ID, session_id);
	ca_row_set(e, ER_TYPE, PointerGetDatum(type));
	ca_row_set(e, ER_MESSAGE, PointerGetDatum(message));
	set_text_maybe(e, ER_STACK, stack);
	set_text_maybe(e, ER_RECOVERY, recovery);
	set_text_maybe(e, ER_SEVERITY, severity);
	if (!PG_ARGISNULL(7))
		ca_row_set(e, ER_ROUND_NUMBER, PG_GETARG_DATUM(7));
	if (context != NULL)
		ca_row_set(e, ER_CONTEXT, PointerGetDatum(context));
	ca_row_set(e, ER_OCCURRED_AT, TimestampTzGetDatum(occurred));
	ca_insert(w, e);
	ca_writer_end(w);
	PG_RETURN_INT64(row_id(e, ER_ID));
}

/*
 * log_ocr_validation(bot_id, raw_text, parsed_value, confidence, is_valid,
 *		session_id, game_name, platform_code, round_number, validation_error)
 */
Datum
ca_log_ocr_validation(PG_FUNCTION_ARGS)
{
	text	   *bot_id = required_text_arg(fcinfo, 0, "bot_id", CA_MAX_ID_LEN);
	text	   *raw;
	Numeric		parsed = numeric_arg(fcinfo, 2, "parsed_value");
	Numeric		confidence = numeric_arg(fcinfo, 3, "confidence");
	text	   *session_id = text_arg(fcinfo, 5, "session_id", CA_MAX_ID_LEN, true);
	text	   *game_name = text_arg(fcinfo, 6, "game_name", CA_MAX_NAME_LEN, true);
	text	   *platform = text_arg(fcinfo, 7, "platform_code", CA_MAX_NAME_LEN, true);
	text	   *verror = text_arg(fcinfo, 9, "validation_error", CA_MAX_SHORT_TEXT, false);
	bool		valid;
	CaWriter   *w;
	CaRow	   *o;

	ca_check_bot_writer(bot_id);

	ca_require(fcinfo, 1, "raw_text");
	raw = text_arg(fcinfo, 1, "raw_text", CA_MAX_TEXT, false);
	if (confidence != NULL)
		ca_check_unit_interval("confidence", confidence);
	if (!PG_ARGISNULL(8))
		ca_check_nonnegative_int("round_number", PG_GETARG_INT64(8));

	/* by default a reading is valid when it parsed to a possible multiplier */
	if (!PG_ARGISNULL(4))
		valid = PG_GETARG_BOOL(4);
	else
		valid = parsed != NULL && ca_cmp(parsed, ca_num_int(1)) >= 0 &&
			ca_cmp(ca_round(parsed, 2), parsed) == 0;
	if (valid && parsed == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("is_valid cannot be true without parsed_value"),
				 errdetail("is_valid was true and parsed_value was null.")));

	w = ca_writer_begin();
	o = ca_row_new(CA_OCR);
	ca_row_set(o, OV_BOT_ID, PointerGetDatum(bot_id));
	set_text_maybe(o, OV_SESSION_ID, session_id);
	if (game_name != NULL)
		ca_row_set(o, OV_GAME, PointerGetDatum(ca_lower_text(game_name)));
	if (platform != NULL)
		ca_row_set(o, OV_PLATFORM, PointerGetDatum(ca_lower_text(platform)));
	if (!PG_ARGISNULL(8))
		ca_row_set(o, OV_ROUND_NUMBER, PG_GETARG_DATUM(8));
	ca_row_set(o, OV_RAW_TEXT, PointerGetDatum(raw));
	set_num_maybe(o, OV_PARSED, parsed);
	set_num_maybe(o, OV_CONFIDENCE, confidence);
	ca_row_set(o, OV_VALID, BoolGetDatum(valid));
	set_text_maybe(o, OV_ERROR, verror);
	ca_insert(w, o);
	ca_writer_end(w);
	PG_RETURN_INT64(row_id(o, OV_ID));
}

/* ----------------------------------------------------------------------
 * Bots and sessions
 * ----------------------------------------------------------------------
 */
static const char *const bot_statuses[] = {"active", "paused", "retired"};

/*
 * register_bot(bot_id, bot_name, vm_provider, vm_host, vm_region,
 *		strategy_name, initial_balance, status, signal_rules, metadata)
 */
Datum
ca_register_bot(PG_FUNCTION_ARGS)
{
	text	   *bot_id = required_text_arg(fcinfo, 0, "bot_id", CA_MAX_ID_LEN);
	text	   *name = text_arg(fcinfo, 1, "bot_name", CA_MAX_ID_LEN, false);
	text	   *vm_provider = text_arg(fcinfo, 2, "vm_provider", CA_MAX_NAME_LEN, false);
	text	   *vm_host = text_arg(fcinfo, 3, "vm_host", CA_MAX_SHORT_TEXT, false);
	text	   *vm_region = text_arg(fcinfo, 4, "vm_region", CA_MAX_NAME_LEN, false);
	text	   *strategy = text_arg(fcinfo, 5, "strategy_name", CA_MAX_ID_LEN, true);
	Numeric		balance = numeric_arg(fcinfo, 6, "initial_balance");
	text	   *status = word_arg(fcinfo, 7, "status", bot_statuses, lengthof(bot_statuses),
								  "active, paused or retired");
	Jsonb	   *rules = PG_ARGISNULL(8) ? NULL : PG_GETARG_JSONB_P(8);
	Jsonb	   *metadata = json_object_arg(fcinfo, 9, "metadata");
	CaWriter   *w;
	CaRow	   *bot;
	Datum		key = PointerGetDatum(bot_id);
	bool		fresh;

	ca_check_bot_writer(bot_id);

	if (balance != NULL && ca_cmp(balance, ca_num_int(0)) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("initial_balance is out of range"),
				 errdetail("initial_balance was %s; a balance cannot be negative.",
						   ca_num_str(balance))));
	if (rules != NULL)
		ca_validate_signal_rules(rules);

	w = ca_writer_begin();
	ca_lock_bot(bot_id);
	bot = ca_fetch(w, CA_IDX_BOT_KEY, &key);
	fresh = (bot == NULL);
	if (fresh)
	{
		bot = ca_row_new(CA_BOTS);
		ca_row_set(bot, BT_BOT_ID, key);
	}
	set_text_maybe(bot, BT_NAME, name);
	set_text_maybe(bot, BT_VM_PROVIDER, vm_provider);
	set_text_maybe(bot, BT_VM_HOST, vm_host);
	set_text_maybe(bot, BT_VM_REGION, vm_region);
	set_text_maybe(bot, BT_STRATEGY, strategy);
	set_num_maybe(bot, BT_INITIAL_BALANCE, balance);
	set_text_maybe(bot, BT_STATUS, status);
	if (rules != NULL)
		ca_row_set(bot, BT_RULES, PointerGetDatum(rules));
	if (metadata != NULL)
		ca_row_set(bot, BT_METADATA, PointerGetDatum(metadata));
	ca_row_set(bot, BT_VIA, CStringGetTextDatum("function"));
	if (fresh)
		ca_insert(w, bot);
	else
		ca_update(w, bot);
	ca_writer_end(w);
	CommandCounterIncrement();
	PG_RETURN_INT64(row_id(bot, BT_ID));
}

/*
 * start_session(bot_id, session_id, game_name, platform_code, balance_start,
 *		started_at, metadata)
 */
Datum
ca_start_session(PG_FUNCTION_ARGS)
{
	text	   *bot_id = required_text_arg(fcinfo, 0, "bot_id", CA_MAX_ID_LEN);
	text	   *session_id = required_text_arg(fcinfo, 1, "session_id", CA_MAX_ID_LEN);
	text	   *game_name = text_arg(fcinfo, 2, "game_name", CA_MAX_NAME_LEN, true);
	text	   *platform = text_arg(fcinfo, 3, "platform_code", CA_MAX_NAME_LEN, true);
	Numeric		balance = numeric_arg(fcinfo, 4, "balance_start");
	TimestampTz started = timestamp_arg(fcinfo, 5, "started_at");
	Jsonb	   *metadata = json_object_arg(fcinfo, 6, "metadata");
	CaWriter   *w;
	CaRow	   *s;

	ca_check_bot_writer(bot_id);

	if ((game_name == NULL) != (platform == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null when %s is given",
						game_name ? "platform_code" : "game_name",
						game_name ? "game_name" : "platform_code"),
				 errdetail("%s was \"%s\".", game_name ? "game_name" : "platform_code",
						   text_to_cstring(game_name ? game_name : platform))));
	if (balance != NULL && ca_cmp(balance, ca_num_int(0)) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("balance_start is out of range"),
				 errdetail("balance_start was %s; a balance cannot be negative.",
						   ca_num_str(balance))));

	w = ca_writer_begin();
	if (game_name != NULL)
	{
		CaGame	   *game;

		game_name = ca_lower_text(game_name);
		platform = ca_lower_text(platform);
		game = ca_load_game(w, game_name, platform, true);
		if (balance != NULL)
			ca_check_scale("balance_start", balance, game->decimals);
	}
	ca_lock_bot(bot_id);
	(void) ca_ensure_bot(w, bot_id);
	s = ca_fetch_session(w, bot_id, session_id);
	if (s != NULL)
	{
		char	   *status = TextDatumGetCString(ca_row_get(s, SE_STATUS, NULL));
		bool		isnull;
		Datum		d;

		if (strcmp(status, "active") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("session \"%s\" of bot \"%s\" has ended", text_to_cstring(session_id),
							text_to_cstring(bot_id))));
		d = ca_row_get(s, SE_GAME, &isnull);
		if (game_name != NULL && !isnull &&
			(strcmp(TextDatumGetCString(d), text_to_cstring(game_name)) != 0 ||
			 strcmp(TextDatumGetCString(ca_row_get(s, SE_PLATFORM, NULL)),
					text_to_cstring(platform)) != 0))
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("session \"%s\" of bot \"%s\" was already started on another game/platform",
							text_to_cstring(session_id), text_to_cstring(bot_id)),
					 errdetail("The call names %s/%s; a repeated start_session() must name the game/platform the session was started on.",
							   text_to_cstring(game_name), text_to_cstring(platform))));
		d = ca_row_get(s, SE_BALANCE_START, &isnull);
		if (balance != NULL && !isnull && ca_cmp(DatumGetNumeric(d), balance) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("session \"%s\" of bot \"%s\" was already started with another balance",
							text_to_cstring(session_id), text_to_cstring(bot_id)),
					 errdetail("The call sent balance_start %s; a repeated start_session() must send the balance the session was started with.",
							   ca_num_str(balance))));
		ca_writer_end(w);
		PG_RETURN_INT64(row_id(s, SE_ID));
	}

	s = ca_row_new(CA_SESSIONS);
	ca_row_set(s, SE_BOT_ID, PointerGetDatum(bot_id));
	ca_row_set(s, SE_SESSION_ID, PointerGetDatum(session_id));
	set_text_maybe(s, SE_GAME, game_name);
	set_text_maybe(s, SE_PLATFORM, platform);
	ca_row_set(s, SE_STATUS, CStringGetTextDatum("active"));
	ca_row_set(s, SE_STARTED_AT, TimestampTzGetDatum(started));
	set_num_maybe(s, SE_BALANCE_START, balance);
	set_num_maybe(s, SE_BALANCE, balance);
	set_num_maybe(s, SE_PEAK_BALANCE, balance);
	if (metadata != NULL)
		ca_row_set(s, SE_METADATA, PointerGetDatum(metadata));
	ca_insert(w, s);
	ca_writer_end(w);
	CommandCounterIncrement();
	PG_RETURN_INT64(row_id(s, SE_ID));
}

static const char *const end_statuses[] = {"completed", "aborted", "crashed"};

/* end_session(bot_id, session_id, status, ended_at, end_reason) */
Datum
ca_end_session(PG_FUNCTION_ARGS)
{
	text	   *bot_id = required_text_arg(fcinfo, 0, "bot_id", CA_MAX_ID_LEN);
	text	   *session_id = required_text_arg(fcinfo, 1, "session_id", CA_MAX_ID_LEN);
	text	   *status = word_arg(fcinfo, 2, "status", end_statuses, lengthof(end_statuses),
								  "completed, aborted or crashed");
	TimestampTz ended = timestamp_arg(fcinfo, 3, "ended_at");
	text	   *reason = text_arg(fcinfo, 4, "end_reason", CA_MAX_SHORT_TEXT, false);
	CaWriter   *w;
	CaRow	   *s;
	char	   *stored;

	ca_check_bot_writer(bot_id);

	if (status == NULL)
		status = cstring_to_text("completed");
	w = ca_writer_begin();
	ca_lock_bot(bot_id);
	s = ca_fetch_session(w, bot_id, session_id);
	if (s == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("session \"%s\" of bot \"%s\" does not exist", text_to_cstring(session_id),
						text_to_cstring(bot_id)),
				 errdetail("A session exists once start_session() or its first logged round has started it.")));
	stored = TextDatumGetCString(ca_row_get(s, SE_STATUS, NULL));
	if (strcmp(stored, "active") != 0)
	{
		if (strcmp(stored, text_to_cstring(status)) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("session \"%s\" of bot \"%s\" has already ended with another status",
							text_to_cstring(session_id), text_to_cstring(bot_id)),
					 errdetail("The call asked for status %s; a repeated end_session() must send the status the session ended with.",
							   text_to_cstring(status))));
		ca_writer_end(w);
		PG_RETURN_INT64(row_id(s, SE_ID));
	}
	if (ended < DatumGetTimestampTz(ca_row_get(s, SE_STARTED_AT, NULL)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ended_at is before the session started"),
				 errdetail("ended_at was %s; a session cannot end before its started_at.",
						   timestamptz_to_str(ended))));
	ca_row_set(s, SE_STATUS, PointerGetDatum(status));
	ca_row_set(s, SE_ENDED_AT, TimestampTzGetDatum(ended));
	set_text_maybe(s, SE_END_REASON, reason);
	ca_update(w, s);
	ca_writer_end(w);
	CommandCounterIncrement();
	PG_RETURN_INT64(row_id(s, SE_ID));
}

/* ----------------------------------------------------------------------
 * Games and platforms
 * ----------------------------------------------------------------------
 */
static void
check_key_word(const char *field, text *t, const char *charset)
{
	char	   *s = text_to_cstring(t);

	if (strspn(s, charset) != strlen(s))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s: \"%s\"", field, s),
				 errdetail("%s may contain lower-case letters, digits and \"%s\" only.", field,
						   charset + 36)));
}

/*
 * register_game_platform(game_name, platform_code, rtp, provider, currency,
 *		currency_decimals, min_bet, max_bet, max_multiplier, is_active)
 */
Datum
ca_register_game_platform(PG_FUNCTION_ARGS)
{
	static const char game_chars[] = "abcdefghijklmnopqrstuvwxyz0123456789_";
	static const char platform_chars[] = "abcdefghijklmnopqrstuvwxyz0123456789_.-";
	text	   *game_name = required_text_arg(fcinfo, 0, "game_name", CA_MAX_NAME_LEN);
	text	   *platform = required_text_arg(fcinfo, 1, "platform_code", CA_MAX_NAME_LEN);
	Numeric		rtp = numeric_arg(fcinfo, 2, "rtp");
	text	   *provider = text_arg(fcinfo, 3, "provider", CA_MAX_NAME_LEN, false);
	text	   *currency = text_arg(fcinfo, 4, "currency", 10, true);
	Numeric		min_bet = numeric_arg(fcinfo, 6, "min_bet");
	Numeric		max_bet = numeric_arg(fcinfo, 7, "max_bet");
	Numeric		max_mult = numeric_arg(fcinfo, 8, "max_multiplier");
	CaWriter   *w;
	CaRow	   *g;
	Datum		keys[2];
	bool		fresh;
	Numeric		eff_min,
				eff_max;

	game_name = ca_lower_text(game_name);
	platform = ca_lower_text(platform);
	check_key_word("game_name", game_name, game_chars);
	check_key_word("platform_code", platform, platform_chars);
	if (rtp != NULL && (ca_cmp(rtp, ca_num_int(0)) <= 0 || ca_cmp(rtp, ca_num_int(1)) > 0))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("rtp is out of range"),
				 errdetail("rtp was %s; it is a fraction, greater than 0 and at most 1 (0.97 for 97%%).",
						   ca_num_str(rtp))));
	if (!PG_ARGISNULL(5) && (PG_GETARG_INT32(5) < 0 || PG_GETARG_INT32(5) > 8))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("currency_decimals is out of range"),
				 errdetail("currency_decimals was %d; it must be between 0 and 8.", PG_GETARG_INT32(5))));
	if (max_mult != NULL)
	{
		ca_check_multiplier("max_multiplier", max_mult, NULL);
		if (ca_cmp(max_mult, ca_num("1.01")) < 0)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("max_multiplier is out of range"),
					 errdetail("max_multiplier was %s; it must be 1.01 or more.", ca_num_str(max_mult))));
		if (ca_cmp(ca_round(max_mult, 2), ca_num("100000000")) >= 0)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("max_multiplier is out of range"),
					 errdetail("max_multiplier was %s; it must be less than 100000000.", ca_num_str(max_mult))));
	}
	if (currency != NULL)
	{
		/* the table's rule (game_platform_config_currency_check), said by name */
		const char *c = text_to_cstring(currency);
		int			n = strlen(c),
					i;
		bool		ok = (n >= 2 && n <= 10);

		for (i = 0; ok && i < n; i++)
			ok = (c[i] >= 'A' && c[i] <= 'Z') || (c[i] >= 'a' && c[i] <= 'z') || (c[i] >= '0' && c[i] <= '9');
		if (!ok)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid currency: \"%s\"", c),
					 errdetail("currency is a code of 2 to 10 letters or digits, such as USD or USDT.")));
	}

	w = ca_writer_begin();
	/* serialise registrations of one key the way bots are serialised */
	ca_lock_bot(cstring_to_text(psprintf("\x01game_platform_config:%s/%s",
										 text_to_cstring(game_name), text_to_cstring(platform))));
	keys[0] = PointerGetDatum(game_name);
	keys[1] = PointerGetDatum(platform);
	g = ca_fetch(w, CA_IDX_CONFIG_KEY, keys);
	fresh = (g == NULL);
	if (fresh)
	{
		if (rtp == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("rtp must not be null for a new game/platform")));
		g = ca_row_new(CA_CONFIG);
		ca_row_set(g, GC_GAME, PointerGetDatum(game_name));
		ca_row_set(g, GC_PLATFORM, PointerGetDatum(platform));
	}
	set_num_maybe(g, GC_RTP, rtp);
	set_text_maybe(g, GC_PROVIDER, provider);
	if (currency != NULL)
		ca_row_set(g, GC_CURRENCY, DirectFunctionCall1Coll(upper, DEFAULT_COLLATION_OID,
														   PointerGetDatum(currency)));
	if (!PG_ARGISNULL(5))
		ca_row_set(g, GC_DECIMALS, Int16GetDatum((int16) PG_GETARG_INT32(5)));
	set_num_maybe(g, GC_MIN_BET, min_bet);
	set_num_maybe(g, GC_MAX_BET, max_bet);
	set_num_maybe(g, GC_MAX_MULT, max_mult ? ca_round(max_mult, 2) : NULL);
	if (!PG_ARGISNULL(9))
		ca_row_set(g, GC_ACTIVE, PG_GETARG_DATUM(9));
	/* a changed shipped row becomes the operator's, and pg_dump keeps it */
	ca_row_set(g, GC_BUILTIN, BoolGetDatum(false));

	/* bets: min > 0, max >= min, with the stored value for what was not sent */
	eff_min = ca_row_isnull(g, GC_MIN_BET) ? NULL : DatumGetNumeric(ca_row_get(g, GC_MIN_BET, NULL));
	eff_max = ca_row_isnull(g, GC_MAX_BET) ? NULL : DatumGetNumeric(ca_row_get(g, GC_MAX_BET, NULL));
	if (eff_min != NULL && ca_cmp(eff_min, ca_num_int(0)) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("min_bet is out of range"),
				 errdetail("min_bet was %s; it must be greater than zero.", ca_num_str(eff_min))));
	if (eff_min != NULL && eff_max != NULL && ca_cmp(eff_max, eff_min) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_bet is smaller than min_bet"),
				 errdetail("min_bet is %s and max_bet %s.", ca_num_str(eff_min), ca_num_str(eff_max))));

	if (fresh)
		ca_insert(w, g);
	else
		ca_update(w, g);
	ca_writer_end(w);
	/* every backend's cache of configurations (ingest.c) drops it */
	CacheInvalidateRelcacheByRelid(ca_table(CA_CONFIG)->relid);
	CommandCounterIncrement();
	PG_RETURN_INT64(row_id(g, GC_ID));
}
