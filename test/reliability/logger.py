#!/usr/bin/python3
"""test/reliability/logger.py: a bot fleet that survives server crashes and
writes down every round it knows is committed.

    logger.py DSN OUTDIR WORKERS PHASE

Runs until SIGTERM.  Each worker thread has its own connection and loops:
one transaction per iteration, then, only after COMMIT has returned, appends
the key of every round of that transaction ("bot session round slot") to
OUTDIR/committed-PHASE-WORKER.keys and flushes it.  A round whose COMMIT did
not return (the connection died) is "in doubt": it may or may not be stored,
and is not written down.  A lost connection is retried until the server is
back.  The content of a round is a function of its key (rel.round() in
workload.sql), so retries are retries with the same content.

Workers 0 .. WORKERS-2 log bots 1..6: single calls (log_crash_round, 70%)
and multi-bot batches (log_crash_rounds, 30%); a fifth of the rounds are
retries of rounds the worker saw committed, or of the hot range 1..50.  The
last worker back-fills the same bots with INSERT ... SELECT of 4 rounds of
several bots, with retries likewise, its rows in bot_id order: a multi-bot
INSERT takes each bot's lock as its rows arrive, and in that order it
cannot deadlock (README, "What a logged round does"), so any error but a
lost connection is a failure here too.

At exit, OUTDIR/stats-PHASE.json: transactions committed, rounds committed,
in-doubt transactions, reconnections, other errors by SQLSTATE.
"""
import json
import os
import random
import signal
import sys
import threading
import time

import psycopg2

DSN, OUTDIR, WORKERS, PHASE = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
stop = threading.Event()
lock = threading.Lock()
stats = {"phase": PHASE, "transactions": 0, "rounds": 0, "in_doubt": 0,
         "reconnects": 0, "errors": {}}

SINGLE = """SELECT crash_analytics.log_crash_round(bot_id => r.bot_id, session_id => r.session_id,
    game_name => r.game_name, platform_code => r.platform_code, round_number => r.round_number,
    bet_slot => r.bet_slot, stake_value => r.stake_value, crash_multiplier => r.crash_multiplier,
    cashout_multiplier => r.cashout_multiplier, target_multiplier => r.target_multiplier,
    round_outcome => r.round_outcome, strategy_name => r.strategy_name)
  FROM rel.round(%s, %s, %s, %s) r"""
BATCH = """SELECT cardinality(crash_analytics.log_crash_rounds(
    (SELECT jsonb_agg(to_jsonb(r) ORDER BY k.i)
       FROM unnest(%s::int[], %s::int[], %s::bigint[], %s::int[]) WITH ORDINALITY AS k(b, s, rn, slot, i),
            rel.round(k.b, k.s, k.rn, k.slot) r)))"""
INSERT = """INSERT INTO crash_analytics.crash_game_rounds
    (bot_id, session_id, game_name, platform_code, round_number, bet_slot, stake_value,
     crash_multiplier, cashout_multiplier, target_multiplier, round_outcome, strategy_name)
SELECT r.* FROM unnest(%s::int[], %s::int[], %s::bigint[], %s::int[]) WITH ORDINALITY AS k(b, s, rn, slot, i),
       rel.round(k.b, k.s, k.rn, k.slot) r ORDER BY r.bot_id, k.i"""


def connect():
    while not stop.is_set():
        try:
            c = psycopg2.connect(DSN, application_name="rel_logger", connect_timeout=5)
            return c
        except psycopg2.Error:
            time.sleep(0.2)
    return None


def worker(w):
    rng = random.Random(PHASE * 1000 + w)
    mine = []                      # keys this worker saw committed
    fresh = PHASE * 100_000_000 + w * 10_000_000 + 1000
    out = open(os.path.join(OUTDIR, "committed-%d-%d.keys" % (PHASE, w)), "a")
    inserter = w == WORKERS - 1
    conn = connect()
    while conn is not None and not stop.is_set():
        keys = []
        n = 4 if inserter else (1 if rng.random() < 0.7 else 4)
        for _ in range(n):
            if mine and rng.random() < 0.15:
                keys.append(rng.choice(mine))
            elif rng.random() < 0.05:
                keys.append((rng.randint(1, 6), rng.randint(1, 3), rng.randint(1, 50), rng.randint(1, 2)))
            else:
                fresh += 1
                keys.append((rng.randint(1, 6), rng.randint(1, 3), fresh, rng.randint(1, 2)))
        if len(set(keys)) < len(keys):
            continue
        cols = [list(c) for c in zip(*keys)]
        try:
            cur = conn.cursor()
            if inserter:
                cur.execute(INSERT, cols)
            elif n == 1:
                cur.execute(SINGLE, keys[0])
            else:
                cur.execute(BATCH, cols)
            conn.commit()
        except psycopg2.Error as e:
            if not (isinstance(e, (psycopg2.OperationalError, psycopg2.InterfaceError))
                    or conn.closed or e.pgcode is None):
                # the server answered with an error: the connection is alive
                with lock:
                    stats["errors"][e.pgcode or "?"] = stats["errors"].get(e.pgcode or "?", 0) + 1
                    if len(stats.setdefault("messages", [])) < 5:
                        stats["messages"].append(str(e).strip())
                try:
                    conn.rollback()
                except psycopg2.Error:
                    pass
                continue
            # the connection died: this transaction is in doubt.  Every error
            # the server sends has an SQLSTATE; psycopg2 raises a plain
            # DatabaseError without one when the connection dies inside some
            # calls ("server closed the connection unexpectedly")
            with lock:
                stats["in_doubt"] += 1
                stats["reconnects"] += 1
            try:
                conn.close()
            except psycopg2.Error:
                pass
            conn = connect()
            continue
        # COMMIT returned: these rounds are durable
        for k in keys:
            out.write("%d\t%d\t%d\t%d\n" % k)
        out.flush()
        mine.extend(keys)
        with lock:
            stats["transactions"] += 1
            stats["rounds"] += len(keys)
    out.close()
    if conn is not None:
        try:
            conn.close()
        except psycopg2.Error:
            pass


signal.signal(signal.SIGTERM, lambda *a: stop.set())
signal.signal(signal.SIGINT, lambda *a: stop.set())
threads = [threading.Thread(target=worker, args=(w,)) for w in range(WORKERS)]
for t in threads:
    t.start()
while not stop.is_set():
    stop.wait(0.2)
for t in threads:
    t.join()
with open(os.path.join(OUTDIR, "stats-%d.json" % PHASE), "w") as f:
    json.dump(stats, f)
