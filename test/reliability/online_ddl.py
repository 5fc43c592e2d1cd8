"""Bots log while an operator maintains indexes online (test/reliability/online_ddl.sh).

    online_ddl.py DSN WORKERS [CHURN]

WORKERS clients log rounds for bots of their own (single calls; every fourth
client two-round batches) while the main thread, on another connection, runs
CREATE INDEX CONCURRENTLY (plain, expression and partial indexes of the
operator's), REINDEX ... CONCURRENTLY of the extension's own indexes (those
the write path probes included), DROP INDEX CONCURRENTLY, VACUUM FULL, CLUSTER,
ALTER TABLE ADD/DROP COLUMN (generated, volatile and TOASTed defaults) and ADD
CONSTRAINT (on the added columns too, so that rows written without them fail
it), ALTER COLUMN TYPE, blocking REINDEX and CREATE INDEX (BRIN, hash, GIN) and
ANALYZE, each after the load has run for a moment.  Then CHURN rounds (default 30) of REINDEX TABLE
CONCURRENTLY of the four tables every round writes: each rebuild swaps, marks
dead and drops indexes while the clients' backends are opening them, which is
where a write path that misses an invalidation opens a dropped index (before
the fix, "could not open relation with OID" in 2 of 3 runs of 30 rounds).
Prints one JSON object: the statements run, the calls each client made and
every error a client got (there must be none).
"""
import json
import sys
import threading
import time
from decimal import Decimal

import psycopg2

DSN, WORKERS = sys.argv[1], int(sys.argv[2])
CHURN = int(sys.argv[3]) if len(sys.argv) > 3 else 30
CHURN_TABLES = ["crash_game_rounds", "session_logs", "bot_rollups", "analytics_round_multipliers"]
DDL = [
    "CREATE INDEX CONCURRENTLY op_rounds_expr ON crash_analytics.crash_game_rounds ((lower(bot_id)), played_at)",
    "CREATE INDEX CONCURRENTLY op_outcomes ON crash_analytics.analytics_round_outcomes (profit_loss)",
    "CREATE INDEX CONCURRENTLY op_multipliers ON crash_analytics.analytics_round_multipliers (multiplier) WHERE multiplier > 2",
    "CREATE INDEX CONCURRENTLY op_sessions ON crash_analytics.session_logs (total_profit)",
    "CREATE INDEX CONCURRENTLY op_hourly ON crash_analytics.bot_hourly_rollups ((rounds % 7))",
    "REINDEX INDEX CONCURRENTLY crash_analytics.op_outcomes",
    "REINDEX INDEX CONCURRENTLY crash_analytics.crash_game_rounds_round_key",
    "REINDEX TABLE CONCURRENTLY crash_analytics.session_logs",
    "REINDEX TABLE CONCURRENTLY crash_analytics.analytics_round_multipliers",
    "REINDEX TABLE CONCURRENTLY crash_analytics.analytics_round_signals",
    "REINDEX TABLE CONCURRENTLY crash_analytics.bot_rollups",
    "REINDEX TABLE CONCURRENTLY crash_analytics.bot_series_state",
    "REINDEX TABLE CONCURRENTLY crash_analytics.crash_game_rounds",
    "DROP INDEX CONCURRENTLY crash_analytics.op_sessions",
    "VACUUM FULL crash_analytics.session_logs",
    "CLUSTER crash_analytics.bot_rollups USING bot_rollups_pkey",
    "ALTER TABLE crash_analytics.analytics_round_outcomes ADD COLUMN op_note text DEFAULT 'x'",
    "ALTER TABLE crash_analytics.analytics_round_multipliers ADD CONSTRAINT op_check CHECK (multiplier < 100000000)",
    "VACUUM FULL crash_analytics.crash_game_rounds",
    "ANALYZE crash_analytics.crash_game_rounds",
    "ALTER TABLE crash_analytics.analytics_round_outcomes DROP COLUMN op_note",
    # columns the write path must fill as SQL would: generated, volatile default,
    # a TOASTed default; a CHECK that holds only if the generated values were
    # written; a column type change (a rewrite); blocking index builds and
    # rebuilds of other access methods; storage parameters
    "ALTER TABLE crash_analytics.analytics_round_outcomes ADD COLUMN op_gen numeric GENERATED ALWAYS AS (profit_loss * 2) STORED",
    "ALTER TABLE crash_analytics.crash_game_rounds ADD COLUMN op_at timestamptz DEFAULT clock_timestamp()",
    "ALTER TABLE crash_analytics.analytics_round_multipliers ADD COLUMN op_big text DEFAULT repeat('x', 3000)",
    "ALTER TABLE crash_analytics.session_logs SET (fillfactor = 30)",
    "REINDEX TABLE crash_analytics.bot_series_state",
    "REINDEX INDEX crash_analytics.session_logs_session_key",
    "CREATE INDEX op_brin ON crash_analytics.analytics_round_outcomes USING brin (created_at)",
    "CREATE INDEX op_hash ON crash_analytics.crash_game_rounds USING hash (round_outcome)",
    "CREATE INDEX op_gin ON crash_analytics.crash_game_rounds USING gin (metadata)",
    "CREATE UNIQUE INDEX CONCURRENTLY op_uniq ON crash_analytics.bot_rollups (bot_id, rounds)",
    "ALTER TABLE crash_analytics.analytics_round_outcomes ADD CONSTRAINT op_gen_check CHECK (op_gen = profit_loss * 2)",
    "ALTER TABLE crash_analytics.crash_game_rounds ADD CONSTRAINT op_at_check CHECK (op_at IS NOT NULL)",
    "ALTER TABLE crash_analytics.analytics_round_multipliers ADD CONSTRAINT op_big_check CHECK (length(op_big) = 3000)",
    "ALTER TABLE crash_analytics.crash_game_rounds ALTER COLUMN op_at TYPE timestamp",
    "VACUUM FULL crash_analytics.bot_hourly_rollups",
    "DROP INDEX crash_analytics.op_uniq",
    "ALTER TABLE crash_analytics.analytics_round_outcomes DROP COLUMN op_gen",
    "ALTER TABLE crash_analytics.crash_game_rounds DROP COLUMN op_at",
    "ALTER TABLE crash_analytics.analytics_round_multipliers DROP COLUMN op_big",
]
AM_CHECKS = [
    # round_outcome and created_at are in no other index of their tables: with
    # plain index scans off the planner has only these (a hash on session_id
    # lost to a bitmap scan of the (bot_id, session_id, ...) key in one run)
    ("op_hash", "SELECT count(*) FROM crash_analytics.crash_game_rounds WHERE round_outcome = 'WIN'"),
    ("op_brin", "SELECT count(*) FROM crash_analytics.analytics_round_outcomes WHERE created_at > '-infinity'"),
]
stop = threading.Event()
calls = [0] * WORKERS
errors = []
lock = threading.Lock()


def crash(n):
    """A multiplier with two decimals, exact (1.00 to 3.99)."""
    return Decimal(100 + n * 37 % 300) / 100


def worker(w):
    c = psycopg2.connect(DSN, application_name="rel_online_ddl")
    c.autocommit = True
    cur = c.cursor()
    n = 0
    while not stop.is_set():
        n += 2
        try:
            if w % 4 == 3:
                rounds = [dict(bot_id="ddl_b%d" % w, session_id="s", game_name="aviator", platform_code="demo",
                               round_number=n + k, stake_value=1.00, crash_multiplier=float(crash(n + k)),
                               cashout_multiplier=1.50, strategy_name="flat_1.50x") for k in (0, 1)]
                cur.execute("SELECT cardinality(crash_analytics.log_crash_rounds(%s::jsonb))", (json.dumps(rounds),))
            else:
                cur.execute("SELECT crash_analytics.log_crash_round(%s, 's', 'aviator', 'demo', %s, 1.00, %s, 1.50,"
                            " strategy_name => 'flat_1.50x')",
                            ("ddl_b%d" % w, n, crash(n)))
            calls[w] += 1
        except psycopg2.Error as e:
            with lock:
                errors.append("%s: %s" % (e.pgcode, str(e).strip().splitlines()[0]))
            if len(errors) > 20:
                return
    c.close()


threads = [threading.Thread(target=worker, args=(w,)) for w in range(WORKERS)]
for t in threads:
    t.start()
admin = psycopg2.connect(DSN, application_name="rel_online_ddl_admin")
admin.autocommit = True
acur = admin.cursor()
done = []
churn = [0, 0]
index_checks = []
try:
    time.sleep(1.0)
    for sql in DDL:
        t0 = time.time()
        acur.execute(sql)
        done.append([sql, round(time.time() - t0, 2)])
        time.sleep(0.3)
    # the other access methods' indexes hold every row: a count through each
    # (the plan must use it) equals a sequential scan's, in one snapshot; then
    # they go, so that the rebuild rounds below rebuild only B-trees
    acur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
    for name, q in AM_CHECKS:
        acur.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off;"
                     " SET LOCAL enable_indexonlyscan = off; SET LOCAL enable_bitmapscan = on")
        acur.execute("EXPLAIN " + q)
        used = any(name in row[0] for row in acur.fetchall())
        acur.execute(q)
        via_index = acur.fetchone()[0]
        acur.execute("SET LOCAL enable_seqscan = on; SET LOCAL enable_bitmapscan = off")
        acur.execute(q)
        index_checks.append([name, used, via_index, acur.fetchone()[0]])
    acur.execute("COMMIT")
    for name, _ in AM_CHECKS:
        acur.execute("DROP INDEX crash_analytics." + name)
    acur.execute("DROP INDEX crash_analytics.op_gin")
    t0 = time.time()
    for _ in range(CHURN):
        for table in CHURN_TABLES:
            acur.execute("REINDEX TABLE CONCURRENTLY crash_analytics." + table)
    churn = [CHURN * len(CHURN_TABLES), round(time.time() - t0, 2)]
    time.sleep(1.0)
finally:
    stop.set()
    for t in threads:
        t.join()
print(json.dumps({"planned": len(DDL), "ddl": done, "index_checks": index_checks, "churn": churn, "calls": calls, "errors": errors}))
