/*-------------------------------------------------------------------------
 *
 * crash_analytics.h
 *		The map of the crash_analytics extension: its modules, the tables and
 *		columns the C code knows by name, and the interfaces between modules.
 *
 * How a round travels (PRODUCT.md section 3 and section 7):
 *
 *	 input.c      turns function arguments, a JSON batch element or a trigger's
 *	              NEW tuple into one CaRound (the crash_game_rounds row to be,
 *	              plus which fields the caller sent).
 *	 derive.c     pure rules: validation, derivation of what was omitted, the
 *	              theory figures at the game's RTP.  Touches no table.
 *	 ingest.c     the one funnel every path calls: config, bot lock,
 *	              idempotency, then the writes; and the SQL entry points
 *	              log_crash_round, log_crash_rounds, log_round_outcome and the
 *	              INSERT/COPY trigger.
 *	 fanout.c     the derived rows of a round: multiplier, outcome, session.
 *	 rollup.c     running figures (counts, money, streaks, drawdown) shared by
 *	              sessions, per-bot, hourly and (1.2) daily roll-ups.
 *	 signals.c    built-in signal rules, resolution of open signals, and
 *	              log_round_signal / log_round_multiplier_analytics.
 *	 loggers.c    the other loggers: errors, OCR readings, bots, sessions,
 *	              game/platform registration.
 *	 stats.c      statistics that read roll-ups (get_bot_statistics), and
 *	              the interval and test helpers the SQL analytics use.
 *	 rebuild.c    replay of a bot's rounds through rollup.c: compare with
 *	              the stored roll-ups (verify_consistency) or rewrite them
 *	              (purge_rounds_before).  signals.c replays the signal
 *	              rules the same way (signal_differences).
 *
 * Version 1.1 adds, each self-contained (SQL entry points only):
 *	 access.c        per-bot writer roles (bot_writers), checked by every
 *	                 logger before it writes.
 *	 backtest.c      strategies replayed over recorded, given or simulated
 *	                 multipliers in exact minor units; Monte Carlo risk of
 *	                 ruin; simulate_rounds.
 *	 provably_fair.c crash points recomputed from revealed seeds (Bustabit,
 *	                 Stake, Roobet) with PostgreSQL's own HMAC-SHA256.
 * and stats.c gains the chi-square and normal tails of fairness_report.
 *	 triggers.c   small triggers: updated_at, immutability of rounds.
 *	 writer.c     direct table access: open relations and indexes once per
 *	              call, fill SQL defaults and generated columns, check the
 *	              table's constraints, insert/update heap and index entries,
 *	              probe unique keys.  The rest of the code asks the writer,
 *	              never the executor or SPI.
 *	 access.c     per-bot writer roles: who may log for which bot.
 *	 catalog.c    where our objects are: schema, table and index OIDs, and the
 *	              attribute number of every column the C code names, cached
 *	              per backend and dropped on relcache invalidation.
 *
 * Concurrency rule: everything that writes a bot's rows first takes that
 * bot's lock (ca_lock_bot, a transaction-scoped advisory-style lock keyed by
 * a hash of bot_id).  Two bots never share a lock, so concurrent bots never
 * wait on each other; two calls for the same bot run one after the other,
 * which is what makes the idempotency probe and the roll-up updates safe.
 * A statement that writes several bots takes several locks: a batch
 * (ca_lock_bots) never waits for one while holding another it took, and
 * closes its bots' gates meanwhile so that new callers queue behind it; an
 * INSERT/COPY takes them as its rows arrive (writer.c, "Bot locks and
 * gates", says which orders can deadlock).
 *
 * IDENTIFICATION
 *	  src/crash_analytics.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CRASH_ANALYTICS_H
#define CRASH_ANALYTICS_H

#include "postgres.h"

#include "access/htup.h"
#include "nodes/execnodes.h"
#include "nodes/pg_list.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#define CA_SCHEMA_NAME "crash_analytics"

/* ----------------------------------------------------------------------
 * Tables and their columns, by name.  X(enum, "column name").
 * The SQL script is the truth; these lists name the columns the C code
 * reads or writes.  Columns not listed keep their SQL default on insert.
 * ----------------------------------------------------------------------
 */
#define CA_CONFIG_COLUMNS(X) \
	X(GC_ID, "id") X(GC_GAME, "game_name") X(GC_PLATFORM, "platform_code") \
	X(GC_PROVIDER, "provider") X(GC_RTP, "rtp") X(GC_CURRENCY, "currency") \
	X(GC_DECIMALS, "currency_decimals") X(GC_MIN_BET, "min_bet") \
	X(GC_MAX_BET, "max_bet") X(GC_MAX_MULT, "max_multiplier") \
	X(GC_ACTIVE, "is_active") X(GC_BUILTIN, "is_builtin") X(GC_UPDATED_AT, "updated_at")

#define CA_BOT_COLUMNS(X) \
	X(BT_ID, "id") X(BT_BOT_ID, "bot_id") X(BT_NAME, "bot_name") \
	X(BT_VM_PROVIDER, "vm_provider") X(BT_VM_HOST, "vm_host") \
	X(BT_VM_REGION, "vm_region") X(BT_STRATEGY, "strategy_name") \
	X(BT_INITIAL_BALANCE, "initial_balance") X(BT_STATUS, "status") \
	X(BT_RULES, "signal_rules") X(BT_VIA, "registered_via") \
	X(BT_METADATA, "metadata") X(BT_UPDATED_AT, "updated_at")

#define CA_SESSION_COLUMNS(X) \
	X(SE_ID, "id") X(SE_BOT_ID, "bot_id") X(SE_SESSION_ID, "session_id") \
	X(SE_GAME, "game_name") X(SE_PLATFORM, "platform_code") X(SE_STATUS, "status") \
	X(SE_STARTED_AT, "started_at") X(SE_ENDED_AT, "ended_at") \
	X(SE_END_REASON, "end_reason") X(SE_ROUNDS, "rounds_played") \
	X(SE_BETS, "bets_placed") X(SE_WINS, "wins") X(SE_LOSSES, "losses") \
	X(SE_SKIPS, "skips") X(SE_VOIDS, "voids") X(SE_STAKED, "total_staked") \
	X(SE_PAYOUT, "total_payout") X(SE_PROFIT, "total_profit") \
	X(SE_EXPECTED, "expected_profit") X(SE_SUM_WINPROB, "sum_win_probability") \
	X(SE_TARGETED, "targeted_bets") X(SE_SUM_PROFIT_SQ, "sum_profit_squared") \
	X(SE_BEST, "best_profit") X(SE_WORST, "worst_profit") \
	X(SE_BALANCE_START, "balance_start") X(SE_BALANCE, "balance_current") \
	X(SE_PEAK_BALANCE, "peak_balance") X(SE_PEAK_PROFIT, "peak_profit") \
	X(SE_MAX_DRAWDOWN, "max_drawdown") X(SE_LAST_ROUND, "last_round_number") \
	X(SE_LAST_ROUND_AT, "last_round_at") X(SE_METADATA, "metadata") \
	X(SE_UPDATED_AT, "updated_at")

#define CA_ROUND_COLUMNS(X) \
	X(RC_ID, "id") X(RC_BOT_ID, "bot_id") X(RC_SESSION_ID, "session_id") \
	X(RC_ROUND_NUMBER, "round_number") X(RC_BET_SLOT, "bet_slot") \
	X(RC_PLATFORM_ROUND_ID, "platform_round_id") \
	X(RC_GAME, "game_name") X(RC_PLATFORM, "platform_code") \
	X(RC_CURRENCY, "currency") X(RC_GAME_RTP, "game_rtp") \
	X(RC_STARTED_AT, "round_started_at") X(RC_ENDED_AT, "round_ended_at") \
	X(RC_BET_PLACED_AT, "bet_placed_at") X(RC_CASHED_OUT_AT, "cashed_out_at") \
	X(RC_DURATION_MS, "round_duration_ms") X(RC_PLAYED_AT, "played_at") \
	X(RC_LOGGED_AT, "logged_at") \
	X(RC_STAKE, "stake_value") X(RC_STRATEGY, "strategy_name") \
	X(RC_TARGET, "target_multiplier") X(RC_AUTO_CASHOUT, "auto_cashout") \
	X(RC_SEQUENCE_STEP, "bet_sequence_step") \
	X(RC_CRASH, "crash_multiplier") X(RC_CASHOUT, "cashout_multiplier") \
	X(RC_FINAL, "final_multiplier") \
	X(RC_PAYOUT, "payout_value") X(RC_PROFIT, "profit_loss") \
	X(RC_ROI, "roi_percent") X(RC_BALANCE_BEFORE, "running_balance_before") \
	X(RC_BALANCE_AFTER, "running_balance_after") \
	X(RC_WIN_PROBABILITY, "win_probability") X(RC_EXPECTED_PROFIT, "expected_profit") \
	X(RC_DETECTION_METHOD, "detection_method") X(RC_OCR_TEXT, "ocr_raw_text") \
	X(RC_OCR_CONFIDENCE, "ocr_confidence") X(RC_DETECTION_LATENCY, "detection_latency_ms") \
	X(RC_OUTCOME, "round_outcome") X(RC_INSTANT_CRASH, "is_instant_crash") \
	X(RC_OUTCOME_SOURCE, "outcome_source") \
	X(RC_ERROR_COUNT, "error_count") X(RC_RETRY_COUNT, "retry_count") \
	X(RC_ERROR_MESSAGE, "error_message") \
	X(RC_SERVER_SEED, "server_seed") X(RC_SERVER_SEED_HASH, "server_seed_hash") \
	X(RC_CLIENT_SEED, "client_seed") X(RC_NONCE, "nonce") X(RC_ROUND_HASH, "round_hash") \
	X(RC_METADATA, "metadata") X(RC_TAGS, "tags") X(RC_INGEST_PATH, "ingest_path") \
	X(RC_DERIVED_AT, "derived_at") X(RC_CREATED_AT, "created_at") \
	X(RC_UPDATED_AT, "updated_at")

#define CA_MULTIPLIER_COLUMNS(X) \
	X(MC_ID, "id") X(MC_BOT_ID, "bot_id") X(MC_SESSION_ID, "session_id") \
	X(MC_ROUND_ID, "round_id") X(MC_GAME, "game_name") X(MC_PLATFORM, "platform_code") \
	X(MC_ROUND_NUMBER, "round_number") X(MC_PLATFORM_ROUND_ID, "platform_round_id") \
	X(MC_MULTIPLIER, "multiplier") X(MC_INSTANT, "is_instant_crash") \
	X(MC_OBSERVED_AT, "observed_at") X(MC_SOURCE, "source") X(MC_CREATED_AT, "created_at")

#define CA_SIGNAL_COLUMNS(X) \
	X(SG_ID, "id") X(SG_BOT_ID, "bot_id") X(SG_SESSION_ID, "session_id") \
	X(SG_GAME, "game_name") X(SG_PLATFORM, "platform_code") X(SG_SOURCE, "source") \
	X(SG_TYPE, "signal_type") X(SG_MODEL, "model_name") X(SG_TARGET, "target_multiplier") \
	X(SG_CONFIDENCE, "confidence_score") X(SG_PATTERN, "pattern_match") \
	X(SG_FEATURES, "feature_vector") X(SG_AFTER_ROUND, "emitted_after_round") \
	X(SG_AFTER_MULT_ID, "after_multiplier_id") X(SG_RESOLVED_MULT_ID, "resolved_multiplier_id") \
	X(SG_EMITTED_AT, "emitted_at") X(SG_STATUS, "status") \
	X(SG_RESOLVED_ROUND, "resolved_round_number") \
	X(SG_RESOLVED_MULT, "resolved_multiplier") X(SG_RESOLVED_AT, "resolved_at") \
	X(SG_CREATED_AT, "created_at") X(SG_UPDATED_AT, "updated_at")

#define CA_OUTCOME_COLUMNS(X) \
	X(OC_ID, "id") X(OC_BOT_ID, "bot_id") X(OC_SESSION_ID, "session_id") \
	X(OC_ROUND_ID, "round_id") X(OC_GAME, "game_name") X(OC_PLATFORM, "platform_code") \
	X(OC_ROUND_NUMBER, "round_number") X(OC_BET_SLOT, "bet_slot") \
	X(OC_STRATEGY, "strategy_name") X(OC_OUTCOME, "outcome") X(OC_STAKE, "stake_value") \
	X(OC_TARGET, "target_multiplier") X(OC_CASHOUT, "cashout_multiplier") \
	X(OC_CRASH, "crash_multiplier") X(OC_PAYOUT, "payout_value") \
	X(OC_PROFIT, "profit_loss") X(OC_ROI, "roi_percent") \
	X(OC_WIN_PROBABILITY, "win_probability") X(OC_EXPECTED_PROFIT, "expected_profit") \
	X(OC_SETTLED_AT, "settled_at")

#define CA_OCR_COLUMNS(X) \
	X(OV_ID, "id") X(OV_BOT_ID, "bot_id") X(OV_SESSION_ID, "session_id") \
	X(OV_GAME, "game_name") X(OV_PLATFORM, "platform_code") \
	X(OV_ROUND_NUMBER, "round_number") X(OV_RAW_TEXT, "raw_text") \
	X(OV_PARSED, "parsed_value") X(OV_CONFIDENCE, "confidence") \
	X(OV_VALID, "is_valid") X(OV_ERROR, "validation_error")

#define CA_ERROR_COLUMNS(X) \
	X(ER_ID, "id") X(ER_BOT_ID, "bot_id") X(ER_SESSION_ID, "session_id") \
	X(ER_TYPE, "error_type") X(ER_MESSAGE, "error_message") \
	X(ER_STACK, "stack_trace") X(ER_RECOVERY, "recovery_action") \
	X(ER_SEVERITY, "severity") X(ER_ROUND_NUMBER, "round_number") \
	X(ER_CONTEXT, "context") X(ER_OCCURRED_AT, "occurred_at")

/* running figures: the same names in both roll-up tables */
#define CA_FIGURE_COLUMNS(P, X) \
	X(P##_ROUNDS, "rounds") X(P##_BETS, "bets") X(P##_WINS, "wins") \
	X(P##_LOSSES, "losses") X(P##_SKIPS, "skips") X(P##_VOIDS, "voids") \
	X(P##_STAKED, "total_staked") X(P##_PAYOUT, "total_payout") \
	X(P##_PROFIT, "total_profit") X(P##_EXPECTED, "expected_profit") \
	X(P##_SUM_WINPROB, "sum_win_probability") X(P##_TARGETED, "targeted_bets") \
	X(P##_SUM_PROFIT_SQ, "sum_profit_squared") \
	X(P##_BEST, "best_profit") X(P##_WORST, "worst_profit")

#define CA_BOT_ROLLUP_COLUMNS(X) \
	X(BR_BOT_ID, "bot_id") CA_FIGURE_COLUMNS(BR, X) \
	X(BR_CUR_STREAK, "current_streak") X(BR_WIN_STREAK, "longest_win_streak") \
	X(BR_LOSS_STREAK, "longest_loss_streak") X(BR_PEAK_PROFIT, "peak_profit") \
	X(BR_MAX_DRAWDOWN, "max_drawdown") X(BR_PEAK_BALANCE, "peak_balance") \
	X(BR_BALANCE, "current_balance") X(BR_FIRST_AT, "first_round_at") \
	X(BR_LAST_AT, "last_round_at") X(BR_LAST_ROUND_ID, "last_round_id") \
	X(BR_UPDATED_AT, "updated_at")

#define CA_HOURLY_COLUMNS(X) \
	X(HR_BOT_ID, "bot_id") X(HR_GAME, "game_name") X(HR_PLATFORM, "platform_code") \
	X(HR_STRATEGY, "strategy_name") X(HR_HOUR, "hour_start") \
	CA_FIGURE_COLUMNS(HR, X) X(HR_UPDATED_AT, "updated_at")

/* 1.2: the same figures per UTC day, so that long periods read days, not hours */
#define CA_DAILY_COLUMNS(X) \
	X(DY_BOT_ID, "bot_id") X(DY_GAME, "game_name") X(DY_PLATFORM, "platform_code") \
	X(DY_STRATEGY, "strategy_name") X(DY_DAY, "day_start") \
	CA_FIGURE_COLUMNS(DY, X) X(DY_UPDATED_AT, "updated_at")

#define CA_SERIES_COLUMNS(X) \
	X(SS_BOT_ID, "bot_id") X(SS_GAME, "game_name") X(SS_PLATFORM, "platform_code") \
	X(SS_LAST_MULT_ID, "last_multiplier_id") X(SS_RECENT, "recent_hundredths") \
	X(SS_OPEN, "open_signals") X(SS_UPDATED_AT, "updated_at")

#define CA_ENUM_ENTRY(e, name) e,
typedef enum { CA_CONFIG_COLUMNS(CA_ENUM_ENTRY) GC_NCOLS } CaConfigCol;
typedef enum { CA_BOT_COLUMNS(CA_ENUM_ENTRY) BT_NCOLS } CaBotCol;
typedef enum { CA_SESSION_COLUMNS(CA_ENUM_ENTRY) SE_NCOLS } CaSessionCol;
typedef enum { CA_ROUND_COLUMNS(CA_ENUM_ENTRY) RC_NCOLS } CaRoundCol;
typedef enum { CA_MULTIPLIER_COLUMNS(CA_ENUM_ENTRY) MC_NCOLS } CaMultiplierCol;
typedef enum { CA_SIGNAL_COLUMNS(CA_ENUM_ENTRY) SG_NCOLS } CaSignalCol;
typedef enum { CA_OUTCOME_COLUMNS(CA_ENUM_ENTRY) OC_NCOLS } CaOutcomeCol;
typedef enum { CA_OCR_COLUMNS(CA_ENUM_ENTRY) OV_NCOLS } CaOcrCol;
typedef enum { CA_ERROR_COLUMNS(CA_ENUM_ENTRY) ER_NCOLS } CaErrorCol;
typedef enum { CA_BOT_ROLLUP_COLUMNS(CA_ENUM_ENTRY) BR_NCOLS } CaBotRollupCol;
typedef enum { CA_HOURLY_COLUMNS(CA_ENUM_ENTRY) HR_NCOLS } CaHourlyCol;
typedef enum { CA_SERIES_COLUMNS(CA_ENUM_ENTRY) SS_NCOLS } CaSeriesCol;
typedef enum { CA_DAILY_COLUMNS(CA_ENUM_ENTRY) DY_NCOLS } CaDailyCol;

typedef enum CaTable
{
	CA_CONFIG,
	CA_BOTS,
	CA_SESSIONS,
	CA_ROUNDS,
	CA_MULTIPLIERS,
	CA_SIGNALS,
	CA_OUTCOMES,
	CA_OCR,
	CA_ERRORS,
	CA_BOT_ROLLUPS,
	CA_HOURLY_ROLLUPS,
	CA_SERIES_STATE,
	CA_DAILY_ROLLUPS,			/* 1.2; absent from databases at 1.0 and 1.1 */
	CA_NUM_TABLES
} CaTable;

/* The indexes the C code probes, with the table each belongs to. */
typedef enum CaIndex
{
	CA_IDX_CONFIG_KEY,			/* (game_name, platform_code) */
	CA_IDX_BOT_KEY,				/* (bot_id) */
	CA_IDX_SESSION_KEY,			/* (bot_id, session_id) */
	CA_IDX_ROUND_KEY,			/* (bot_id, session_id, round_number, bet_slot) */
	CA_IDX_ROUNDS_PKEY,			/* (bot_id, id): a bot's rounds in logging order */
	CA_IDX_ROUNDS_PLAY,			/* (bot_id, played_at, id): in play order (1.2) */
	CA_IDX_MULTIPLIER_KEY,		/* (bot_id, session_id, round_number) */
	CA_IDX_MULTIPLIERS_PKEY,	/* (bot_id, id): a bot's multipliers in logging order */
	CA_IDX_MULTIPLIER_SERIES,	/* (bot_id, game_name, platform_code, id) */
	CA_IDX_SIGNALS_PKEY,		/* (bot_id, id): a bot's signals in logging order */
	CA_IDX_SIGNALS_OPEN,		/* (bot_id, game_name, platform_code) WHERE open */
	CA_IDX_OUTCOME_KEY,			/* (bot_id, round_id) */
	CA_IDX_BOT_ROLLUP_KEY,		/* (bot_id) */
	CA_IDX_HOURLY_KEY,			/* (bot_id, game, platform, strategy, hour) */
	CA_IDX_SERIES_KEY,			/* (bot_id, game_name, platform_code) */
	CA_IDX_DAILY_KEY,			/* (bot_id, game, platform, strategy, day) (1.2) */
	CA_NUM_INDEXES
} CaIndex;

/* ----------------------------------------------------------------------
 * catalog.c
 * ----------------------------------------------------------------------
 */
typedef struct CaTableInfo
{
	Oid			relid;
	int			natts;			/* attributes of the relation, dropped ones too */
	AttrNumber	updated_at;		/* its "updated_at" column, or 0 */
	int			ncols;			/* C column list length */
	const AttrNumber *attnums;	/* C column index -> attribute number */
	const Oid  *atttypids;		/* by attribute number - 1 */
	const int16 *attlens;		/* by attribute number - 1 */
	const bool *attbyvals;		/* by attribute number - 1 */
} CaTableInfo;

extern const CaTableInfo *ca_table(CaTable t);
extern bool ca_table_present(CaTable t);
extern Oid	ca_index_relid(CaIndex idx);
extern bool ca_index_present(CaIndex idx);
extern CaTable ca_index_table(CaIndex idx);
extern const char *ca_table_name(CaTable t);
extern const char *ca_column_name(CaTable t, int col);
extern int	ca_column_by_name(CaTable t, const char *name);
extern void ca_catalog_init(void);

/* ----------------------------------------------------------------------
 * writer.c
 *
 * A CaRow holds one row of one table as Datums indexed by attribute number
 * (so it converts to and from tuples without a copy), and knows which
 * columns were given a value: on insert, the others get their SQL default.
 * ----------------------------------------------------------------------
 */
typedef struct CaRow
{
	CaTable		table;
	int			natts;
	Datum	   *values;			/* by attribute number - 1 */
	bool	   *isnull;
	bool	   *isset;
	ItemPointerData tid;		/* of a fetched or inserted row */
	TransactionId xmin;			/* of a fetched row: who wrote it */
} CaRow;

typedef struct CaWriter CaWriter;

extern void ca_writer_init(void);
extern CaWriter *ca_writer_begin(void);
extern CaWriter *ca_writer_begin_deferred(void);
extern bool ca_writer_is_deferred(CaWriter *w);
extern void ca_writer_adopt(CaWriter *w);
extern void ca_writer_flush(CaWriter *w);
extern void ca_writer_end(CaWriter *w);
extern void ca_writer_note_replay(CaWriter *w, Datum bot_id);
extern List *ca_writer_replays(CaWriter *w);

extern CaRow *ca_row_new(CaTable t);
extern CaRow *ca_row_copy(const CaRow *row);
extern CaRow *ca_row_copy_deep(const CaRow *row);
extern void ca_row_set(CaRow *row, int col, Datum value);
extern void ca_row_set_null(CaRow *row, int col);
extern void ca_row_set_maybe(CaRow *row, int col, Datum value, bool isnull);
extern Datum ca_row_get(const CaRow *row, int col, bool *isnull);
extern bool ca_row_isnull(const CaRow *row, int col);
extern Oid	ca_row_coltype(const CaRow *row, int col);
extern int	ca_row_coltype_len(const CaRow *row, int col);
extern HeapTuple ca_row_form_tuple(const CaRow *row);
extern CaRow *ca_row_from_tuple(CaTable t, HeapTuple tuple);

extern void ca_insert(CaWriter *w, CaRow *row);
extern void ca_update(CaWriter *w, CaRow *row);
extern CaRow *ca_fetch(CaWriter *w, CaIndex idx, const Datum *keys);
extern List *ca_fetch_all(CaWriter *w, CaIndex idx, const Datum *keys, int nkeys,
						  int limit, bool backward);
extern CaRow *ca_read(CaIndex idx, const Datum *keys, Snapshot snapshot);
extern void ca_delete(CaWriter *w, CaRow *row);

/* a streaming index scan for reading many rows (replay, verification) */
typedef struct CaScan CaScan;

extern CaScan *ca_scan_begin(CaIndex idx, const Datum *keys, int nkeys, Snapshot snapshot);
extern CaRow *ca_scan_next(CaScan *scan);
extern void ca_scan_end(CaScan *scan);

extern void ca_lock_bot(text *bot_id);
extern void ca_lock_bots(char **bot_ids, int n);
extern int64 ca_next_round_id(void);

/* ----------------------------------------------------------------------
 * derive.c: pure rules
 * ----------------------------------------------------------------------
 */
typedef struct CaGame
{
	text	   *game_name;
	text	   *platform_code;
	Numeric		rtp;
	text	   *currency;
	int			decimals;
	Numeric		minor_unit;		/* 10^-decimals */
	Numeric		min_bet;
	Numeric		max_bet;
	Numeric		max_multiplier;
	bool		active;
} CaGame;

/* numeric helpers (exact; errors are can't-happen overflow of numeric) */
extern Numeric ca_num(const char *s);
extern Numeric ca_num_int(int64 v);
extern Numeric ca_add(Numeric a, Numeric b);
extern Numeric ca_sub(Numeric a, Numeric b);
extern Numeric ca_mul(Numeric a, Numeric b);
extern Numeric ca_div(Numeric a, Numeric b);
extern Numeric ca_round(Numeric a, int scale);
extern int	ca_cmp(Numeric a, Numeric b);
extern bool ca_is_zero(Numeric a);
extern char *ca_num_str(Numeric a);
extern Numeric ca_float_to_num(double d, int scale);
extern double ca_num_to_float(Numeric a);

extern void ca_check_text(const char *field, text *value, int maxlen, bool identifier);
extern void ca_check_number(const char *field, Numeric value);
extern void ca_check_multiplier(const char *field, Numeric value, const CaGame *game);
extern void ca_check_scale(const char *field, Numeric value, int decimals);
extern void ca_check_unit_interval(const char *field, Numeric value);
extern void ca_check_nonnegative_int(const char *field, int64 value);
extern void ca_check_jsonb_object(const char *field, Jsonb *value, int maxbytes);
extern char *ca_jsonb_describe(Jsonb *value);
extern char *ca_jsonb_value_describe(JsonbValue *value);
extern text *ca_lower_text(text *t);

extern Numeric ca_win_probability(Numeric target, Numeric rtp);
extern Numeric ca_expected_profit(Numeric stake, Numeric target, Numeric rtp);

/* a round in the making: the crash_game_rounds row plus what was sent */
typedef struct CaRound
{
	CaRow	   *row;			/* CA_ROUNDS */
	bool		sent[RC_NCOLS]; /* given by the caller (not NULL) */
	bool		played_now;		/* played_at is the logging time: no time was sent */
} CaRound;

extern void ca_round_normalize(CaRound *r);
extern void ca_round_derive(CaRound *r, const CaGame *game);
extern void ca_round_fill_balance(CaRound *r, Numeric session_balance);
extern bool ca_round_is_bet(const CaRound *r);

/* ----------------------------------------------------------------------
 * input.c
 * ----------------------------------------------------------------------
 */
extern const int ca_round_input_columns[];
extern const int ca_round_input_count;
extern CaRound *ca_round_from_args(FunctionCallInfo fcinfo, const int *argcols, int nargs);
extern CaRound *ca_round_from_json(JsonbContainer *obj);
extern CaRound *ca_round_from_tuple(HeapTuple tuple);
extern Datum ca_json_to_datum(JsonbValue *v, Oid typid, const char *key);

/* ----------------------------------------------------------------------
 * ingest.c
 * ----------------------------------------------------------------------
 */
typedef enum CaIngestPath
{
	CA_PATH_FUNCTION,
	CA_PATH_BATCH,
	CA_PATH_INSERT
} CaIngestPath;

typedef struct CaIngestResult
{
	int64		round_id;
	bool		existed;		/* an identical round was already logged */
	CaRow	   *row;			/* the stored (or derived, for INSERT) row */
} CaIngestResult;

extern void ca_ingest_init(void);
extern CaIngestResult ca_ingest_round(CaWriter *w, CaRound *r, CaIngestPath path);
extern CaGame *ca_load_game(CaWriter *w, text *game, text *platform, bool for_ingest);
extern CaRow *ca_ensure_bot(CaWriter *w, text *bot_id);

/* ----------------------------------------------------------------------
 * rollup.c: running figures
 * ----------------------------------------------------------------------
 */
typedef enum CaOutcome
{
	CA_WIN,
	CA_LOSS,
	CA_SKIP,
	CA_VOID
} CaOutcome;

typedef struct CaRoundFacts
{
	int64		round_id;
	int64		round_number;
	CaOutcome	outcome;
	Numeric		stake;
	Numeric		payout;
	Numeric		profit;
	Numeric		expected_profit;
	Numeric		win_probability;	/* NULL when the bet had no target */
	Numeric		balance_after;		/* NULL when not known */
	TimestampTz played_at;
} CaRoundFacts;

extern CaOutcome ca_outcome_from_text(text *t);
extern CaRoundFacts ca_round_facts(const CaRound *r);
extern void ca_rollup_session(CaRow *session, const CaRoundFacts *f, bool fresh);
extern void ca_rollup_bot(CaRow *rollup, const CaRoundFacts *f, bool fresh);
extern void ca_rollup_hourly(CaRow *hourly, const CaRoundFacts *f, bool fresh);
extern void ca_rollup_daily(CaRow *daily, const CaRoundFacts *f, bool fresh);
extern TimestampTz ca_hour_start(TimestampTz t);
extern TimestampTz ca_day_start(TimestampTz t);
extern void ca_rollup_session_reset(CaRow *session);

/*
 * rebuild.c: the rows of rollup_differences and signal_differences
 * (table_name, row_key, column_name, stored, expected), into the
 * materialized result of the calling set-returning function.
 */
typedef struct CaDiffOut
{
	Tuplestorestate *store;
	TupleDesc	desc;
	int64		count;
} CaDiffOut;

extern void ca_diff_begin(FunctionCallInfo fcinfo, CaDiffOut *out);
extern void ca_replay_bots(List *bot_ids);
extern void ca_diff_emit(CaDiffOut *out, const char *table, const char *key, const char *column,
						 const char *stored, const char *expected);

/* stats.c: estimates shared by the C and SQL analytics */
extern bool ca_wilson(int64 k, int64 n, double *lo, double *hi);
extern bool ca_roi_interval(int64 bets, Numeric staked, Numeric profit, Numeric sum_sq,
							double *lo, double *hi, double *bets_needed);

/* ----------------------------------------------------------------------
 * fanout.c
 * ----------------------------------------------------------------------
 */
extern void ca_fanout_round(CaWriter *w, CaRound *r, CaRow *bot, CaRow *session,
							bool session_fresh, CaRow *rollup);
extern CaRow *ca_fetch_bot_rollup(CaWriter *w, Datum bot_id);
extern CaRow *ca_fetch_session(CaWriter *w, text *bot_id, text *session_id);

/* ----------------------------------------------------------------------
 * signals.c
 * ----------------------------------------------------------------------
 */
extern void ca_signals_on_multiplier(CaWriter *w, CaRow *bot, CaRow *multiplier);
extern void ca_validate_signal_rules(Jsonb *rules);
extern int64 ca_signal_opened(CaWriter *w, Datum bot, Datum game, Datum platform);

/* ----------------------------------------------------------------------
 * access.c: per-bot writer roles (1.1)
 * ----------------------------------------------------------------------
 */
extern void ca_check_bot_writer(text *bot_id);

/* ----------------------------------------------------------------------
 * small shared helpers (crash_analytics.c)
 * ----------------------------------------------------------------------
 */
extern bool ca_allow_round_deletes;
extern TimestampTz ca_now(void);
extern text *ca_arg_text(FunctionCallInfo fcinfo, int argno);
extern void ca_require(FunctionCallInfo fcinfo, int argno, const char *field);

/* text length limits shared by every logger */
#define CA_MAX_ID_LEN		128		/* bot_id, session_id, ids from platforms */
#define CA_MAX_NAME_LEN		64		/* game_name, platform_code, small words */
#define CA_MAX_SHORT_TEXT	512		/* seeds, hashes, recovery actions */
#define CA_MAX_TEXT			8192	/* messages, OCR text */
#define CA_MAX_LONG_TEXT	1048576 /* stack traces */
#define CA_MAX_JSON_BYTES	65536	/* metadata, feature vectors, contexts */

#endif							/* CRASH_ANALYTICS_H */
