"""Bots log while an operator runs the extension's upkeep (test/reliability/maintenance.sh).

    maintenance.py DSN WORKERS ROUNDS_OF_UPKEEP

WORKERS clients log single rounds for bots of their own, round n of a bot
played at T0 + 10 n seconds, while the main thread, on another connection,
runs ROUNDS_OF_UPKEEP rounds of: purge_rounds_before(T0 + 10 minutes * k),
refresh_analytics(), rebuild_rollups() of a bot that is logging, and
verify_consistency() (which must find nothing wrong while the load runs).
Prints one JSON object: the calls each client made, every error a client or
an upkeep call got (there must be none), the upkeep calls run, what each
verify_consistency found, the last purge's cutoff in rounds and the lowest
round number the clients had passed when that purge began.
"""
import json
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import psycopg2

DSN, WORKERS, ROUNDS = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
stop = threading.Event()
calls = [0] * WORKERS
errors = []
lock = threading.Lock()


def worker(w):
    c = psycopg2.connect(DSN, application_name="rel_maintenance")
    c.autocommit = True
    cur = c.cursor()
    n = 0
    while not stop.is_set():
        n += 1
        try:
            cur.execute("SELECT crash_analytics.log_crash_round(%s, 's', 'aviator', 'demo', %s, 1.00, %s, 1.50,"
                        " strategy_name => 'flat_1.50x', round_started_at => %s)",
                        ("mt_b%d" % w, n, Decimal(100 + n * 37 % 300) / 100, T0 + timedelta(seconds=10 * n)))
            calls[w] = n
        except psycopg2.Error as e:
            with lock:
                errors.append("client %d: %s: %s" % (w, e.pgcode, str(e).strip().splitlines()[0]))
            return


threads = [threading.Thread(target=worker, args=(w,)) for w in range(WORKERS)]
for t in threads:
    t.start()
admin = psycopg2.connect(DSN, application_name="rel_maintenance_admin")
admin.autocommit = True
acur = admin.cursor()
upkeep = 0
verify = []
cutoff_rounds = 0
passed_at_last_purge = 0
try:
    for k in range(1, ROUNDS + 1):
        time.sleep(1.0)
        cutoff_rounds = 60 * k                     # rounds played before T0 + 10 minutes * k
        passed_at_last_purge = min(calls)
        steps = [
            ("SELECT count(*) FROM crash_analytics.purge_rounds_before(%s)", (T0 + timedelta(minutes=10 * k),)),
            ("SELECT crash_analytics.refresh_analytics()", None),
            ("SELECT crash_analytics.rebuild_rollups('mt_b0')", None),
            ("SELECT count(*) FILTER (WHERE NOT ok), count(*) FROM crash_analytics.verify_consistency()", None),
        ]
        for sql, args in steps:
            try:
                acur.execute(sql, args)
                row = acur.fetchone()
                upkeep += 1
                if "verify_consistency" in sql:
                    verify.append(list(row))
            except psycopg2.Error as e:
                errors.append("upkeep: %s: %s" % (e.pgcode, str(e).strip().splitlines()[0]))
    time.sleep(0.5)
finally:
    stop.set()
    for t in threads:
        t.join()
print(json.dumps({"calls": calls, "errors": errors, "upkeep": upkeep, "verify": verify,
                  "cutoff_rounds": cutoff_rounds, "passed_at_last_purge": passed_at_last_purge}))
