#!/usr/bin/python3
"""test/bench/bench.py: the benchmark suite (run it with test/bench/run.sh).

Every comparison is made side by side in the same run, as a ratio against
its baseline.  Three kinds of measurement:

  instructions  valgrind --tool=callgrind on a single-user backend
                (postgres --single), running N1 and then N2 operations from a
                fresh copy of the same data directory; the figure is
                (Ir(N2) - Ir(N1)) / (N2 - N1), which repeats to within a
                fraction of a percent whatever the machine is doing.
  throughput    pgbench -M prepared, fixed client counts and durations, median
                of several repetitions, synchronous_commit off and on.
  server time   EXPLAIN (ANALYZE) execution time, median of several runs.

Results: a table on stdout and test/bench/results/latest.csv.
"""
import csv
import io
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

import psycopg2

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, "test", "bench")
BASE = os.environ.get("CA_BASE", "/var/tmp/crash_analytics_bench")
SOCKET = os.path.join(BASE, "socket")
PORT = os.environ.get("CA_PGPORT", "54339")
PGBIN = "/usr/lib/postgresql/15/bin"
QUICK = os.environ.get("CA_BENCH_QUICK") == "1"

N1, N2 = (100, 600) if QUICK else (200, 1200)            # calls, per-call measurements
B1, B2 = (1000, 6000) if QUICK else (1000, 6000)         # rows, bulk measurements
PGBENCH_SECONDS = 5 if QUICK else 10
PGBENCH_REPS = 1 if QUICK else 3
CLIENTS = [1, 2, 8]
STATS_SIZES = [10000, 100000] if QUICK else [100000, 1000000]
T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)

results = []          # rows for the CSV


def say(msg):
    print(f"== {msg}", flush=True)


def record(section, name, metric, value, unit, baseline=None, ratio=None, note=""):
    results.append(dict(section=section, name=name, metric=metric, value=value, unit=unit,
                        baseline=baseline or "", ratio=("" if ratio is None else f"{ratio:.3f}"),
                        note=note))


def as_postgres(cmd, **kw):
    return subprocess.run(["runuser", "-u", "postgres", "--"] + cmd, **kw)


def connect(db="bench"):
    c = psycopg2.connect(host=SOCKET, port=PORT, user="postgres", dbname=db)
    c.autocommit = True
    return c


# ----------------------------------------------------------------------
# Deterministic workload
# ----------------------------------------------------------------------
def fair_multiplier(rng, rtp=0.97):
    """crash = max(1.00, floor(100 * RTP / U) / 100), U uniform on (0, 1]: P(crash >= x) = RTP/x,
    capped at 10,000x, below every built-in game's highest multiplier (as the games cap theirs)."""
    u = 1.0 - rng.random()
    return min(1000000, max(100, int(100 * rtp / u))) / 100.0


def round_rows(bot, n, seed, game="aviator", platform="demo", strategy="flat_1.50x",
               target=1.50, start=T0, session_size=1000):
    """Rows for the INSERT/COPY path: the columns a bot sends."""
    rng = random.Random(seed)
    for i in range(1, n + 1):
        crash = fair_multiplier(rng)
        yield dict(bot_id=bot, session_id=f"{bot}_s{(i - 1) // session_size + 1}", game_name=game,
                   platform_code=platform, round_number=i, stake_value="1.00",
                   crash_multiplier=f"{crash:.2f}", cashout_multiplier=f"{target:.2f}",
                   strategy_name=strategy, target_multiplier=f"{target:.2f}",
                   round_started_at=(start + timedelta(seconds=12 * i)).isoformat())


INPUT_COLS = ["bot_id", "session_id", "game_name", "platform_code", "round_number", "stake_value",
              "crash_multiplier", "cashout_multiplier", "strategy_name", "target_multiplier",
              "round_started_at"]


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        for r in rows:
            w.writerow([r[c] for c in INPUT_COLS])
    os.chmod(path, 0o644)


# ----------------------------------------------------------------------
# Instructions: callgrind on a single-user backend
# ----------------------------------------------------------------------
SINGLE = os.path.join(BASE, "single")
TEMPLATE = os.path.join(SINGLE, "template")
WORK = os.path.join(SINGLE, "work")


TEMPLATE_PORT = "54338"


def tpsql(sql, db="bench"):
    """SQL on the template cluster while it runs as a server (multi-line statements welcome)."""
    r = subprocess.run([f"{PGBIN}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", SINGLE, "-p", TEMPLATE_PORT,
                        "-U", "postgres", "-d", db], input=sql, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("template setup: " + r.stderr[-1500:])
    return r.stdout


def build_template(have_reference):
    say("building the single-user template database")
    shutil.rmtree(SINGLE, ignore_errors=True)
    os.makedirs(SINGLE)
    shutil.chown(SINGLE, "postgres", "postgres")
    as_postgres([f"{PGBIN}/initdb", "-D", TEMPLATE, "-U", "postgres", "--auth=trust"],
                check=True, capture_output=True)
    with open(os.path.join(TEMPLATE, "postgresql.conf"), "a") as f:
        f.write("fsync = off\nsynchronous_commit = off\nshared_buffers = 256MB\ntimezone = 'UTC'\n"
                f"listen_addresses = ''\nport = {TEMPLATE_PORT}\nunix_socket_directories = '{SINGLE}'\n")
    as_postgres([f"{PGBIN}/pg_ctl", "-D", TEMPLATE, "-l", os.path.join(SINGLE, "template.log"), "-w", "start"],
                check=True, capture_output=True)
    try:
        tpsql("CREATE DATABASE bench;", db="postgres")
        tpsql("CREATE EXTENSION crash_analytics;\n" + open(os.path.join(BENCH, "setup.sql")).read())
        if have_reference:
            tpsql(open(os.path.join(BENCH, "plpgsql_reference.sql")).read())
        # staging: the derived rows of B2 rounds as the C path wrote them (floor, COPY limit)
        path = os.path.join(SINGLE, "stage.csv")
        write_csv(path, round_rows("stage", B2, seed=7))
        tpsql(f"COPY crash_analytics.crash_game_rounds ({', '.join(INPUT_COLS)}) FROM '{path}' CSV;\n"
              "SELECT bench.make_staging();")
        # The floor and the COPY limit write into tables in the state the C
        # path writes into: the extension's tables hold the stage bot's rows
        # when log_crash_round is measured, at the same times as the rows it
        # logs (bots watching one game see the same rounds), so the plain
        # tables get the same rows under another bot first.  Into empty
        # tables, the indexes' pages filled without the duplicates that make
        # B-tree deduplication work: a cheaper floor than the real one.
        for sql in prefill_sql():
            tpsql(sql + ";")
        for n in (B1, B2):
            write_csv(os.path.join(SINGLE, f"rounds_{n}.csv"), round_rows("cg_copy", n, seed=11))
            for name, tbl, cols, by_round in COPY_TARGETS:
                out = os.path.join(SINGLE, f"derived_{name}_{n}.csv")
                tpsql(f"COPY (SELECT {cols} FROM bench.stage_{name} WHERE {by_round} <= {n}) TO '{out}';")
            # a batch as stored jsonb, so that building it is not measured
            import json
            batch = [dict(r, bot_id="cg_batch") for r in round_rows("cg_batch", n, seed=11)]
            tpsql("INSERT INTO bench.batches VALUES (%d, $json$%s$json$);" % (n, json.dumps(batch)))
        tpsql("CHECKPOINT;")
    finally:
        as_postgres([f"{PGBIN}/pg_ctl", "-D", TEMPLATE, "-m", "fast", "-w", "stop"], capture_output=True)


def prefill_sql():
    """The stage bot's rows copied into the plain tables under another bot
    (see build_template), one INSERT per table."""
    for name, tbl, cols, by_round in COPY_TARGETS:
        sel = ", ".join("'prefill'" if c == "bot_id" else c for c in cols.split(", "))
        yield f"INSERT INTO bench_plain.{tbl} ({cols}) SELECT {sel} FROM bench.stage_{name}"


def callgrind(sql):
    shutil.rmtree(WORK, ignore_errors=True)
    shutil.copytree(TEMPLATE, WORK, symlinks=True)
    shutil.chown(WORK, "postgres", "postgres")
    for dirpath, dirnames, filenames in os.walk(WORK):
        for n in dirnames + filenames:
            shutil.chown(os.path.join(dirpath, n), "postgres", "postgres")
    out = os.path.join(SINGLE, "cg.out")
    r = as_postgres(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                     f"{PGBIN}/postgres", "--single", "-D", WORK, "bench"],
                    input=sql, capture_output=True, text=True)
    errors = [l for l in r.stdout.splitlines() if "ERROR" in l]
    if errors:
        raise RuntimeError("under callgrind: " + "; ".join(errors[:3]))
    m = re.search(r"Collected : (\d+)", r.stderr)
    if not m:
        raise RuntimeError("callgrind printed no total:\n" + r.stderr[-2000:])
    return int(m.group(1))


def per_op(make_script, n1, n2, keep=None):
    """Instructions per operation; keep: a name under which both runs'
    callgrind files are kept (for profile())."""
    a = callgrind(make_script(n1))
    if keep:
        shutil.copy(os.path.join(SINGLE, "cg.out"), os.path.join(SINGLE, f"{keep}_{n1}.out"))
    b = callgrind(make_script(n2))
    if keep:
        shutil.copy(os.path.join(SINGLE, "cg.out"), os.path.join(SINGLE, f"{keep}_{n2}.out"))
    return (b - a) / (n2 - n1)


# Where a logged round's instructions go: inclusive cost per call of these
# functions (ours and PostgreSQL's), from the same two runs as the total.
# They overlap (ca_insert includes ExecInsertIndexTuples and
# ExecConstraints, commit includes the release of the locks).
PROFILE = [
    ("ca_ingest_round", "validation, derivation and fan-out of the round (everything but the call and the transaction)"),
    ("ca_round_derive", "derivation of the round's figures"),
    ("ca_insert", "row inserts (heap, indexes, defaults, CHECKs)"),
    ("ExecInsertIndexTuples", "  of which index entries"),
    ("ExecConstraints", "CHECK and NOT NULL constraints (inserts and updates)"),
    ("ca_fetch", "key probes and row reads (idempotency, session, roll-ups, signal state)"),
    ("ca_update", "row updates (session, roll-ups, signal state)"),
    ("ca_signals_on_multiplier", "signal rules and open signals of a new multiplier"),
    ("LockRelationOid", "relation locks taken"),
    ("CommitTransactionCommand", "commit (locks released, WAL record)"),
]


def inclusive_costs(path):
    """Inclusive Ir by function name, from callgrind_annotate."""
    r = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", path],
                       capture_output=True, text=True, check=True)
    costs = {}
    for line in r.stdout.splitlines():
        m = re.match(r"\s*([\d,]+) \([ \d.]+%\)\s+(\S.*?)(?: \[.*\])?$", line)
        if m and ":" in m.group(2) and not m.group(2).startswith("=>"):
            name = m.group(2).rsplit(":", 1)[1]
            costs[name] = max(costs.get(name, 0), int(m.group(1).replace(",", "")))
    return costs


def profile(keep, n1, n2, total):
    a = inclusive_costs(os.path.join(SINGLE, f"{keep}_{n1}.out"))
    b = inclusive_costs(os.path.join(SINGLE, f"{keep}_{n2}.out"))
    for fn, what in PROFILE:
        per = (b.get(fn, 0) - a.get(fn, 0)) / (n2 - n1)
        record("profile", f"log_crash_round: {fn}", what, round(per), "Ir", "the whole call", per / total)


def calls_script(prepare, execute):
    def make(n):
        rng = random.Random(5)
        lines = [prepare]
        for i in range(1, n + 1):
            crash = fair_multiplier(rng)
            lines.append(execute.format(i=i, crash=f"{crash:.2f}",
                                        ts=(T0 + timedelta(seconds=12 * i)).isoformat()))
        return "\n".join(lines) + "\n"
    return make


ROUND_ARGS = ("bot_id => '{bot}', session_id => 's1', game_name => 'aviator', platform_code => 'demo', "
              "round_number => $1, stake_value => 1.00, crash_multiplier => $2, cashout_multiplier => 1.50, "
              "running_balance_before => 1000.00, strategy_name => 'flat_1.50x', target_multiplier => 1.50, "
              "round_started_at => $3")


def c_round_script():
    """log_crash_round, prepared, one call per round of one bot."""
    return calls_script(
        "PREPARE lr(bigint, numeric, timestamptz) AS SELECT crash_analytics.log_crash_round("
        + ROUND_ARGS.format(bot="cg_c") + ");",
        "EXECUTE lr({i}, {crash}, '{ts}');")


def floor_bulk_sql(n):
    """The bulk floor: the derived rows of n staged rounds, one INSERT ... SELECT per table."""
    return "".join(
        f"INSERT INTO bench_plain.{tbl} ({cols}) SELECT {cols} FROM bench.stage_{name} WHERE {by_round} <= {n};\n"
        for name, tbl, cols, by_round in COPY_TARGETS)


def instructions(have_reference):
    section = "instructions"
    res = {}
    say(f"instructions per call (callgrind, single-user backend, calls {N1} -> {N2})")
    res["select1"] = per_op(calls_script("PREPARE s AS SELECT 1;", "EXECUTE s;"), N1, N2)
    res["c"] = per_op(c_round_script(), N1, N2, keep="cg_c")
    if have_reference:
        res["plpgsql"] = per_op(calls_script(
            "PREPARE lr(bigint, numeric, timestamptz) AS SELECT ca_ref.log_crash_round("
            + ROUND_ARGS.format(bot="cg_p") + ");",
            "EXECUTE lr({i}, {crash}, '{ts}');"), N1, N2)
    res["client"] = per_op(calls_script(
        open(os.path.join(BENCH, "client_logger_prepare.sql")).read().strip(),
        "BEGIN; EXECUTE ir({i}, {crash}, '{ts}'); EXECUTE im({i}, {crash}, '{ts}'); "
        "EXECUTE io({i}, {crash}, '{ts}'); COMMIT;"), N1, N2)
    # the per-round floor: one transaction per round, as a call of
    # log_crash_round is, writing that round's derived rows (already derived,
    # read from staging by index) with one prepared INSERT ... SELECT per
    # table; both forms are measured, the cheaper is the floor
    res["floor_round_cte"] = per_op(lambda n: floor_round_cte(n), N1, N2)
    res["floor_round_stmts"] = per_op(lambda n: floor_round_stmts(n), N1, N2)
    res["floor_round"] = min(res["floor_round_cte"], res["floor_round_stmts"])
    say(f"instructions per round of bulk paths (rows {B1} -> {B2})")
    res["floor"] = per_op(floor_bulk_sql, B1, B2)
    res["copy_limit"] = per_op(lambda n: "".join(
        f"COPY bench_plain.{tbl} ({cols}) FROM '{SINGLE}/derived_{name}_{n}.csv';\n"
        for name, tbl, cols, by_round in COPY_TARGETS), B1, B2)
    res["batch"] = per_op(lambda n: f"SELECT cardinality(crash_analytics.log_crash_rounds(j)) FROM bench.batches WHERE n = {n};\n", B1, B2)
    res["copy"] = per_op(lambda n: f"COPY crash_analytics.crash_game_rounds ({', '.join(INPUT_COLS)}) FROM '{SINGLE}/rounds_{n}.csv' CSV;\n", B1, B2)

    record(section, "SELECT 1 (prepared)", "instructions/call", round(res["select1"]), "Ir")
    record(section, "log_crash_round (C)", "instructions/round", round(res["c"]), "Ir")
    if "plpgsql" in res:
        record(section, "PL/pgSQL reference", "instructions/round", round(res["plpgsql"]), "Ir")
        record(section, "log_crash_round (C)", "vs PL/pgSQL reference", round(res["c"]), "Ir",
               "PL/pgSQL reference", res["c"] / res["plpgsql"], "target <= 0.5")
    record(section, "client-side logger (3 INSERTs, 1 transaction)", "instructions/round", round(res["client"]), "Ir")
    record(section, "per-round floor: 1 statement (4 INSERT ... SELECT CTEs)", "instructions/round",
           round(res["floor_round_cte"]), "Ir", note="one transaction per round")
    record(section, "per-round floor: 4 INSERT ... SELECT, 1 transaction", "instructions/round",
           round(res["floor_round_stmts"]), "Ir", note="one transaction per round")
    record(section, "log_crash_round (C)", "vs per-round floor", round(res["c"]), "Ir", "per-round floor",
           res["c"] / res["floor_round"], "target <= 1.5; the cheaper of the two per-round forms")
    record(section, "bulk floor: INSERT ... SELECT of all rounds' rows", "instructions/round", round(res["floor"]), "Ir",
           note="one statement per table for thousands of rounds")
    record(section, "log_crash_round (C)", "vs bulk floor", round(res["c"]), "Ir", "bulk floor", res["c"] / res["floor"],
           "a round's own transaction vs a share of one bulk statement")
    record(section, "log_crash_round (C)", "vs SELECT 1", round(res["c"]), "Ir", "SELECT 1", res["c"] / res["select1"])
    record(section, "COPY limit: derived rows into 4 plain tables", "instructions/round", round(res["copy_limit"]), "Ir")
    record(section, "log_crash_rounds (batch)", "instructions/round", round(res["batch"]), "Ir", "COPY limit",
           res["batch"] / res["copy_limit"], "rows/s ratio = 1/this; target >= 0.7")
    record(section, "COPY into crash_game_rounds (trigger path)", "instructions/round", round(res["copy"]), "Ir",
           "COPY limit", res["copy"] / res["copy_limit"], "rows/s ratio = 1/this; target >= 0.7")
    profile("cg_c", N1, N2, res["c"])
    return res


COPY_TARGETS = []     # filled from the database: (name, table, columns, column ordering by round)


def floor_insert(name, tbl, cols, by_round):
    return f"INSERT INTO bench_plain.{tbl} ({cols}) SELECT {cols} FROM bench.stage_{name} WHERE {by_round} = $1"


def floor_round_cte(n):
    """n transactions, each one statement writing round i's derived rows into the 4 tables."""
    ctes = ", ".join(f"w_{name} AS ({floor_insert(name, tbl, cols, by_round)})"
                     for name, tbl, cols, by_round in COPY_TARGETS)
    lines = [f"PREPARE fr(bigint) AS WITH {ctes} SELECT 1;"]
    lines += [f"EXECUTE fr({i});" for i in range(1, n + 1)]
    return "\n".join(lines) + "\n"


def floor_round_stmts(n):
    """n transactions, each four prepared INSERT ... SELECT statements writing round i's derived rows."""
    lines = [f"PREPARE f_{name}(bigint) AS {floor_insert(name, tbl, cols, by_round)};"
             for name, tbl, cols, by_round in COPY_TARGETS]
    body = " ".join(f"EXECUTE f_{name}({{i}});" for name, _, _, _ in COPY_TARGETS)
    lines += ["BEGIN; " + body.format(i=i) + " COMMIT;" for i in range(1, n + 1)]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------
# Throughput: pgbench
# ----------------------------------------------------------------------
def pgbench(script, clients, seconds):
    r = subprocess.run([f"{PGBIN}/pgbench", "-h", SOCKET, "-p", PORT, "-U", "postgres", "-n",
                        "-M", "prepared", "-c", str(clients), "-j", str(clients), "-T", str(seconds),
                        "-f", os.path.join(BENCH, "pgbench", script), "bench"],
                       capture_output=True, text=True)
    m = re.search(r"tps = ([\d.]+) \(without initial connection time\)", r.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", r.stdout)
    if not m or r.returncode != 0:
        raise RuntimeError(f"pgbench {script}: {r.stdout[-800:]} {r.stderr[-800:]}")
    return float(m.group(1)), int(failed.group(1)) if failed else 0


FLOOR_PER_TX = 100    # rounds whose rows one transaction of the pgbench bulk floor writes


def floor_bulk_script():
    """The throughput ceiling of any logger that writes these rows: pgbench
    transactions each writing the derived rows of FLOOR_PER_TX staged rounds
    by one INSERT ... SELECT per table (the bulk floor of the instructions
    part, in wall-clock).  The live database gets the template's staging
    rows and prefill first; each transaction moves its rounds to a random
    round number range (unique keys) under its client's bot."""
    c = connect()
    cur = c.cursor()
    cur.execute("SELECT to_regclass('bench.stage_rounds') IS NOT NULL")
    if not cur.fetchone()[0]:
        buf = io.StringIO()
        csv.DictWriter(buf, fieldnames=INPUT_COLS).writerows(round_rows("stage", B2, seed=7))
        buf.seek(0)
        cur.copy_expert(f"COPY crash_analytics.crash_game_rounds ({', '.join(INPUT_COLS)}) FROM STDIN CSV", buf)
        cur.execute("SELECT bench.make_staging()")
        for sql in prefill_sql():
            cur.execute(sql)
        cur.execute("VACUUM ANALYZE bench_plain.crash_game_rounds, bench_plain.analytics_round_multipliers, "
                    "bench_plain.analytics_round_outcomes, bench_plain.analytics_round_signals")
    c.close()
    shifted = ("round_number", "round_id", "emitted_after_round", "resolved_by_round")
    lines = [f"\\set b random(0, {B2 // FLOOR_PER_TX - 1})",
             "\\set off random(1, 9000000000000) * 10000",
             "BEGIN;"]
    for name, tbl, cols, by_round in COPY_TARGETS:
        sel = ", ".join("'pgf_' || :client_id" if x == "bot_id" else f"{x} + :off" if x in shifted else x
                        for x in cols.split(", "))
        lines.append(f"INSERT INTO bench_plain.{tbl} ({cols}) SELECT {sel} FROM bench.stage_{name} "
                     f"WHERE {by_round} > :b * {FLOOR_PER_TX} AND {by_round} <= :b * {FLOOR_PER_TX} + {FLOOR_PER_TX};")
    lines.append("END;")
    path = os.path.join(BASE, "floor_bulk.sql")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def sample_waits(stop, counts):
    c = connect()
    cur = c.cursor()
    while not stop.is_set():
        cur.execute("SELECT coalesce(wait_event_type || ':' || wait_event, 'running') FROM pg_stat_activity "
                    "WHERE backend_type = 'client backend' AND state = 'active' "
                    "AND query LIKE '%log_crash_round%' AND pid <> pg_backend_pid()")
        for (w,) in cur.fetchall():
            counts[w] = counts.get(w, 0) + 1
        time.sleep(0.1)
    c.close()


def ceiling_figures(section, tps, floor_name, c, clients, sync):
    """What no logger of one round per call can beat on this machine: a
    round's rows written at the bulk floor's speed plus one SELECT 1
    transaction (the call's round trip and commit, an empty one at that).
    Adding the two times is generous: a transaction that writes commits
    dearer than SELECT 1's, and the floor is measured on both cores at once,
    as the calls are."""
    rounds = tps[floor_name] * FLOOR_PER_TX
    ceiling = 1.0 / (1.0 / rounds + 1.0 / tps["SELECT 1"])
    record(section, floor_name, f"rounds/s, {clients} clients, synchronous_commit {sync}", round(rounds), "rounds/s",
           note="the derived rows of each round by one INSERT ... SELECT per table")
    record(section, "ceiling: bulk floor + a SELECT 1 per round", f"rounds/s, {clients} clients, sync {sync}",
           round(ceiling), "rounds/s", "SELECT 1", ceiling / tps["SELECT 1"],
           "no logger of one round per call passes this; SELECT 1 target >= 0.25")
    record(section, "ceiling: bulk floor + a SELECT 1 per round", f"vs client-side logger, {clients} clients, sync {sync}",
           round(ceiling), "rounds/s", "client-side logger", ceiling / tps["client-side logger"],
           "client-side logger target >= 5")
    record(section, "log_crash_round (C)", f"vs ceiling, {clients} clients, sync {sync}", round(c), "tps",
           "ceiling", c / ceiling, "the rest is the call's other work: probes, roll-ups, signals, validation")


def syscalls(script, name, section):
    """System calls a transaction of one pgbench client's backend makes, by
    strace -c attached to it for a few seconds (instructions do not count
    the kernel).  Transactions are counted by sendto: the backend flushes
    its replies once per transaction of these one-statement scripts."""
    c = connect()
    cur = c.cursor()
    p = subprocess.Popen([f"{PGBIN}/pgbench", "-h", SOCKET, "-p", PORT, "-U", "postgres", "-n", "-M", "prepared",
                          "-c", "1", "-j", "1", "-T", "8", "-f", os.path.join(BENCH, "pgbench", script), "bench"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.5)
        cur.execute("SELECT pid FROM pg_stat_activity WHERE application_name = 'pgbench' "
                    "AND backend_type = 'client backend'")
        pid = cur.fetchone()[0]
        r = subprocess.run(["timeout", "-s", "INT", "4", "strace", "-c", "-p", str(pid)],
                           capture_output=True, text=True)
    finally:
        p.wait()
        c.close()
    calls = {}
    for line in r.stderr.splitlines():
        f = line.split()
        if len(f) >= 5 and f[-1].isidentifier() and f[3].isdigit() and f[-1] != "total":
            calls[f[-1]] = int(f[3])
    xacts = calls.get("sendto", 0)
    if xacts == 0:
        raise RuntimeError(f"strace of {name}: no sendto counted: {r.stderr[-500:]}")
    total = sum(calls.values())
    top = sorted(calls.items(), key=lambda x: -x[1])[:6]
    record(section, name, "system calls per transaction (1 client, strace -c)", round(total / xacts, 2), "calls",
           note="; ".join(f"{k} {v / xacts:.2f}" for k, v in top) + f"; {xacts} transactions counted")
    return total / xacts


def set_synchronous_commit(admin, value):
    """For the connections opened after this; None: back to the default."""
    admin.cursor().execute("ALTER SYSTEM RESET synchronous_commit" if value is None
                           else f"ALTER SYSTEM SET synchronous_commit = {value}")
    admin.cursor().execute("SELECT pg_reload_conf()")
    time.sleep(0.5)


def throughput(have_reference):
    section = "throughput"
    scripts = [("select1.sql", "SELECT 1"), ("c_round.sql", "log_crash_round (C)"),
               ("client_logger.sql", "client-side logger")]
    if have_reference:
        scripts.append(("ref_round.sql", "PL/pgSQL reference"))
    floor = (floor_bulk_script(), f"bulk floor ({FLOOR_PER_TX} rounds a transaction)")
    admin = connect()
    for sync in ("off", "on"):
        set_synchronous_commit(admin, sync)
        for clients in CLIENTS:
            tps = {}
            # the ceiling is measured where the targets are set, at 2 clients
            for script, name in scripts + ([floor] if clients == 2 else []):
                runs = []
                failed = 0
                waits = {}
                for _ in range(PGBENCH_REPS):
                    stop = threading.Event()
                    t = None
                    if script == "c_round.sql" and clients == 8:
                        t = threading.Thread(target=sample_waits, args=(stop, waits))
                        t.start()
                    v, f = pgbench(script, clients, PGBENCH_SECONDS)
                    if t:
                        stop.set()
                        t.join()
                    runs.append(v)
                    failed += f
                tps[name] = statistics.median(runs)
                say(f"synchronous_commit={sync} clients={clients} {name}: {tps[name]:.0f} tps (failed {failed})")
                record(section, name, f"tps, {clients} clients, synchronous_commit {sync}", round(tps[name]), "tps",
                       note=f"median of {PGBENCH_REPS} x {PGBENCH_SECONDS}s; failed transactions {failed}")
                if waits:
                    total = sum(waits.values())
                    record(section, "log_crash_round (C)", f"wait events, 8 clients, synchronous_commit {sync}",
                           total, "samples", note="; ".join(f"{k} {v}" for k, v in sorted(waits.items(), key=lambda x: -x[1])))
            c = tps["log_crash_round (C)"]
            if have_reference:
                record(section, "log_crash_round (C)", f"vs PL/pgSQL, {clients} clients, sync {sync}", round(c), "tps",
                       "PL/pgSQL reference", c / tps["PL/pgSQL reference"], "target >= 2 at 2 clients, sync off")
            record(section, "log_crash_round (C)", f"vs client-side logger, {clients} clients, sync {sync}", round(c), "tps",
                   "client-side logger", c / tps["client-side logger"], "target >= 5 at 2 clients, sync off")
            record(section, "log_crash_round (C)", f"vs SELECT 1, {clients} clients, sync {sync}", round(c), "tps",
                   "SELECT 1", c / tps["SELECT 1"], "target >= 0.25 at 2 clients, sync off")
            if floor[1] in tps:
                ceiling_figures(section, tps, floor[1], c, clients, sync)
            if clients == 1:
                one = c
            if clients == 8:
                record(section, "log_crash_round (C)", f"8 clients / 1 client, sync {sync}", round(c), "tps",
                       "1 client", c / one, "8 bots; target >= 1.5 at sync off")
    set_synchronous_commit(admin, "off")
    for script, name in scripts[:2]:
        say(f"system calls of {name}: {syscalls(script, name, section):.2f} a transaction")
    set_synchronous_commit(admin, None)


# ----------------------------------------------------------------------
# Statistics at two sizes, and memory of the big load
# ----------------------------------------------------------------------
STATS = [
    ("get_bot_statistics", "SELECT * FROM crash_analytics.get_bot_statistics('st_bot_3')",
     """SELECT count(*), count(*) FILTER (WHERE round_outcome = 'WIN'), sum(stake_value), sum(profit_loss),
               sum(expected_profit), max(profit_loss), min(profit_loss),
               max(peak - cum) AS max_drawdown
          FROM (SELECT *, greatest(0, max(cum) OVER (ORDER BY id)) AS peak
                  FROM (SELECT *, sum(profit_loss) OVER (ORDER BY id) AS cum
                          FROM crash_analytics.crash_game_rounds WHERE bot_id = 'st_bot_3') a) b"""),
    ("get_game_statistics", "SELECT * FROM crash_analytics.get_game_statistics('aviator', 'demo', '{f}', '{t}')",
     """SELECT count(DISTINCT bot_id), count(*), count(*) FILTER (WHERE round_outcome = 'WIN'), sum(stake_value),
               sum(payout_value), sum(profit_loss), sum(expected_profit)
          FROM crash_analytics.crash_game_rounds
         WHERE game_name = 'aviator' AND platform_code = 'demo' AND played_at >= '{f}' AND played_at < '{t}'"""),
    ("get_strategy_performance", "SELECT * FROM crash_analytics.get_strategy_performance('aviator')",
     """SELECT strategy_name, count(*), count(*) FILTER (WHERE round_outcome = 'WIN'), sum(stake_value),
               sum(profit_loss), sum(expected_profit)
          FROM crash_analytics.crash_game_rounds WHERE game_name = 'aviator' GROUP BY strategy_name"""),
    ("get_multiplier_distribution", "SELECT * FROM crash_analytics.get_multiplier_distribution('aviator', 'demo')",
     """SELECT width_bucket(multiplier, '{{1.00,1.01,1.20,1.50,2.00,3.00,5.00,10.00,20.00,50.00,100.00,1000.00}}'::numeric[]),
               count(*)
          FROM (SELECT DISTINCT ON (platform_code, coalesce(platform_round_id, '#' || bot_id || '#' || id)) multiplier
                  FROM crash_analytics.analytics_round_multipliers WHERE game_name = 'aviator' AND platform_code = 'demo') d
         GROUP BY 1"""),
]


LIB = os.path.join(subprocess.run(["pg_config", "--pkglibdir"], capture_output=True, text=True,
                                   check=True).stdout.strip(), "crash_analytics.so")
LEAN = [("without session figures and roll-ups", ["-DCA_BENCH_NO_ROLLUPS"]),
        ("without them and without signals", ["-DCA_BENCH_NO_ROLLUPS", "-DCA_BENCH_NO_SIGNALS"])]


def build_lean(flags):
    """The extension built from a copy of this tree with test/bench/lean.patch
    applied: the contract's fan-outs that flags name left out.  -w: the parts
    left out leave unused functions and parameters behind."""
    src = os.path.join(BASE, "lean_src")
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", "results", "*.o", "*.bc", "*.so"))
    subprocess.run(["patch", "-s", "-p1", "-i", os.path.join(BENCH, "lean.patch")], cwd=src, check=True)
    inc = subprocess.run(["pg_config", "--includedir-server"], capture_output=True, text=True,
                         check=True).stdout.strip()
    subprocess.run(["make", "-s", "PG_CPPFLAGS=" + " ".join(["-w", "-isystem", inc] + flags)], cwd=src,
                   check=True, capture_output=True)
    return os.path.join(src, "crash_analytics.so")


def use_library(path):
    """Install a build of the library for the backends started after this
    (a rename, so that running backends keep the file they mapped)."""
    shutil.copy(path, LIB + ".bench")
    os.replace(LIB + ".bench", LIB)


def lean(have_reference):
    """What the targets of log_crash_round would give if the call left out
    what the contract puts in its transaction beside the rows (PRODUCT.md 3:
    the session's running figures, the bot's roll-ups, signals).  Not a mode
    of the extension: builds made for this measurement only, measured side by
    side with the installed build, which is put back at the end."""
    section = "lean"
    if not os.path.isdir(TEMPLATE):
        build_template(have_reference)
    full = os.path.join(BASE, "full_crash_analytics.so")
    shutil.copy(LIB, full)
    builds = [("log_crash_round (C)", full)]
    for name, flags in LEAN:
        say(f"building the extension {name} (test/bench/lean.patch)")
        so = os.path.join(BASE, f"lean_{len(builds)}.so")
        shutil.copy(build_lean(flags), so)
        builds.append((f"log_crash_round {name}", so))
    c_round = c_round_script()
    try:
        say(f"instructions per call of each build (calls {N1} -> {N2}) and the bulk floor (rows {B1} -> {B2})")
        floor = per_op(floor_bulk_sql, B1, B2)
        record(section, "bulk floor: INSERT ... SELECT of all rounds' rows", "instructions/round", round(floor), "Ir")
        for name, so in builds:
            use_library(so)
            ir = per_op(c_round, N1, N2)
            record(section, name, "instructions/round vs bulk floor", round(ir), "Ir", "bulk floor", ir / floor,
                   "target <= 1.5")
        # throughput: the builds and their baselines in turn, so that the
        # machine's moods fall on all of them alike
        admin = connect()
        set_synchronous_commit(admin, "off")
        runs = {}
        plan = [("SELECT 1", "select1.sql", None), ("client-side logger", "client_logger.sql", None)] + \
               [(name, "c_round.sql", so) for name, so in builds]
        reps = max(PGBENCH_REPS, 5) if not QUICK else 1
        say(f"throughput of each build, 2 clients, synchronous_commit off ({reps} x {PGBENCH_SECONDS} s in turn)")
        for _ in range(reps):
            for name, script, so in plan:
                if so:
                    use_library(so)
                runs.setdefault(name, []).append(pgbench(script, 2, PGBENCH_SECONDS)[0])
        tps = {name: statistics.median(v) for name, v in runs.items()}
        record(section, "SELECT 1", "tps, 2 clients, synchronous_commit off", round(tps["SELECT 1"]), "tps",
               note=f"median of {reps} x {PGBENCH_SECONDS}s, in turn with the others")
        record(section, "client-side logger", "tps, 2 clients, synchronous_commit off",
               round(tps["client-side logger"]), "tps", note=f"median of {reps} x {PGBENCH_SECONDS}s")
        for name, so in builds:
            record(section, name, "tps vs client-side logger, 2 clients", round(tps[name]), "tps",
                   "client-side logger", tps[name] / tps["client-side logger"], "target >= 5")
            record(section, name, "tps vs SELECT 1, 2 clients", round(tps[name]), "tps",
                   "SELECT 1", tps[name] / tps["SELECT 1"], "target >= 0.25")
        set_synchronous_commit(admin, None)
    finally:
        use_library(full)


def exec_times(cur, sql, reps):
    """Execution times of reps runs, after one run that is not counted (it
    fills the caches: catalog, plan, buffers; dashboards call these
    functions over and over, and the plain SQL gets the same warm-up)."""
    cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
    times = []
    for _ in range(reps):
        cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        times.append(cur.fetchone()[0][0]["Execution Time"])
    return times


def exec_ms(cur, sql, reps):
    """Median execution time of reps runs (after an uncounted one)."""
    return statistics.median(exec_times(cur, sql, reps))


def private_kb(pid):
    """The backend's own memory: private pages of its private mappings.  Pages of
    shared_buffers that only this backend has touched also count as Private in
    smaps, so the shared mappings (flag 's') are left out."""
    kb = 0
    shared = False
    for line in open(f"/proc/{pid}/smaps"):
        head = line.split(None, 2)
        if len(head) >= 2 and "-" in head[0] and len(head[1]) == 4:      # a mapping's header
            shared = head[1][3] == "s"
        elif not shared and (line.startswith("Private_Clean:") or line.startswith("Private_Dirty:")):
            kb += int(line.split()[1])
    return kb


def sample_memory(pid, stop, peak):
    while not stop.is_set():
        try:
            peak[0] = max(peak[0], private_kb(pid))
        except OSError:
            pass
        time.sleep(0.2)


def load_rounds(db, n, bots=10):
    """n rounds from `bots` bots on two games through COPY into crash_game_rounds (one statement)."""
    per = n // bots
    path = os.path.join(BASE, f"stats_{n}.csv")
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        for b in range(bots):
            game = "aviator" if b % 2 == 0 else "jetx"
            strategy, target = [("flat_1.50x", 1.50), ("flat_2.00x", 2.00), ("flat_3.00x", 3.00)][b % 3]
            for r in round_rows(f"st_bot_{b}", per, seed=100 + b, game=game, strategy=strategy, target=target):
                w.writerow([r[c] for c in INPUT_COLS])
    os.chmod(path, 0o644)
    c = connect(db)
    cur = c.cursor()
    cur.execute("SELECT pg_backend_pid()")
    pid = cur.fetchone()[0]
    peak = [0]
    stop = threading.Event()
    t = threading.Thread(target=sample_memory, args=(pid, stop, peak))
    t.start()
    start = time.time()
    with open(path) as f:
        cur.copy_expert(f"COPY crash_analytics.crash_game_rounds ({', '.join(INPUT_COLS)}) FROM STDIN CSV", f)
    elapsed = time.time() - start
    stop.set()
    t.join()
    # the state of a database in use: statistics gathered, and the vacuum
    # that the inserts would trigger done now rather than by autovacuum
    # in the middle of the measurements (it sets the hint bits and the
    # visibility map, for the functions and the plain SQL alike), and the
    # pages it dirtied written by a checkpoint now rather than during them
    cur.execute("VACUUM ANALYZE")
    cur.execute("CHECKPOINT")
    c.close()
    os.remove(path)
    return elapsed, peak[0]


def statistics_and_memory():
    section = "statistics"
    admin = connect("postgres")
    times = {}
    conns = {}
    for n in STATS_SIZES:
        db = f"stats_{n}"
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {db}")
        admin.cursor().execute(f"CREATE DATABASE {db}")
        c = connect(db)
        c.cursor().execute("CREATE EXTENSION crash_analytics")
        c.close()
        say(f"loading {n} rounds through COPY (one statement), sampling the backend's private memory")
        elapsed, peak_kb = load_rounds(db, n)
        record("memory", f"COPY of {n} rounds into crash_game_rounds", "peak private memory of the backend",
               round(peak_kb / 1024, 1), "MB", note=f"{n / elapsed:.0f} rounds/s wall clock; target < 256 MB at 1M")
        c = connect(db)
        cur = c.cursor()
        # a period that starts and ends inside an hour, whatever the history's
        # length, so that the functions that read hourly roll-ups also read the
        # partial hours at both ends from the rounds
        cur.execute("SELECT date_trunc('hour', min(played_at) + (max(played_at) - min(played_at)) * 0.02) + interval '20 minutes', "
                    "date_trunc('hour', max(played_at) - (max(played_at) - min(played_at)) * 0.01) + interval '10 minutes' "
                    "FROM crash_analytics.crash_game_rounds")
        conns[n] = (c, cur) + cur.fetchone()
    # The functions' runs at the two sizes alternate (5 rounds of 5 runs of
    # each function at each size): the machine's speed drifts by tens of
    # microseconds from one second to the next, as much as the cost of a
    # function that reads one row, so measuring one size after the other
    # would measure the drift.  The plain SQL takes hundreds of milliseconds.
    runs = {}
    for _ in range(5):
        for n in STATS_SIZES:
            c, cur, f, t = conns[n]
            for name, fn_sql, plain_sql in STATS:
                runs.setdefault((name, n), []).extend(exec_times(cur, fn_sql.format(f=f, t=t), 5))
    for n in STATS_SIZES:
        c, cur, f, t = conns[n]
        for name, fn_sql, plain_sql in STATS:
            fn = statistics.median(runs[(name, n)])
            plain = exec_ms(cur, plain_sql.format(f=f, t=t), 3)
            times[(name, n)] = fn
            record(section, name, f"server ms at {n} rounds", round(fn, 3), "ms", "plain SQL over raw tables",
                   fn / plain, f"plain SQL {plain:.1f} ms; function: median of 25 runs, sizes alternating")
        # backtests: a replay of the recorded history, beside the cost of merely
        # reading that history (the same multipliers, one per platform round)
        strategy = '{"kind": "martingale", "target": 2.00, "base_stake": 1.00, "max_stake": 64.00, "on_cap": "hold"}'
        cur.execute("SELECT count(*) FROM crash_analytics.distinct_multipliers('aviator', 'demo', NULL, NULL)")
        hist = cur.fetchone()[0]
        bt = exec_ms(cur, f"SELECT * FROM crash_analytics.backtest_strategy('{strategy}', 1000000.00, 'aviator', 'demo')", 3)
        rd = exec_ms(cur, "SELECT count(multiplier) FROM crash_analytics.distinct_multipliers('aviator', 'demo', NULL, NULL)", 3)
        record("backtest", "backtest_strategy over recorded history (martingale)", f"server ms, {hist} rounds",
               round(bt, 1), "ms", "reading the same multipliers", bt / rd,
               f"{hist / bt * 1000:,.0f} rounds/s including the read; reading alone {rd:.1f} ms")
        c.close()
        admin.cursor().execute(f"DROP DATABASE stats_{n}")
    # one bot with the whole history: get_bot_statistics reads one roll-up row
    # whatever the bot's number of rounds (the data sets above give each bot a tenth)
    big = STATS_SIZES[-1]
    db = "stats_one_bot"
    admin.cursor().execute(f"DROP DATABASE IF EXISTS {db}")
    admin.cursor().execute(f"CREATE DATABASE {db}")
    c = connect(db)
    c.cursor().execute("CREATE EXTENSION crash_analytics")
    c.close()
    say(f"loading one bot of {big} rounds")
    load_rounds(db, big, bots=1)
    c = connect(db)
    cur = c.cursor()
    name, fn_sql, plain_sql = STATS[0]
    fn = exec_ms(cur, fn_sql.replace("st_bot_3", "st_bot_0"), 25)
    plain = exec_ms(cur, plain_sql.replace("st_bot_3", "st_bot_0"), 3)
    record(section, name, f"server ms, one bot of {big} rounds", round(fn, 3), "ms", "plain SQL over raw tables",
           fn / plain, f"plain SQL {plain:.1f} ms")
    c.close()
    admin.cursor().execute(f"DROP DATABASE {db}")
    # simulated rounds: generation and replay in C, nothing read
    c = connect()
    cur = c.cursor()
    sim = 1000000 if not QUICK else 100000
    ms = exec_ms(cur, f"SELECT * FROM crash_analytics.backtest_simulated("
                      f"'{{\"kind\": \"fixed\", \"target\": 2.00, \"base_stake\": 1.00}}', 1000000000.00, {sim}, 0.97, 7)", 3)
    record("backtest", "backtest_simulated (fixed 2.00x)", f"server ms, {sim} rounds", round(ms, 1), "ms",
           note=f"{sim / ms * 1000:,.0f} simulated rounds/s (generation and replay)")
    c.close()
    small, big = STATS_SIZES
    for name, _, _ in STATS:
        record(section, name, f"growth {small} -> {big} rounds", round(times[(name, big)], 3), "ms",
               f"{small} rounds", times[(name, big)] / times[(name, small)],
               "target <= 1.2 for statistics that read roll-ups")


# ----------------------------------------------------------------------
def main():
    have_reference = os.path.exists(os.path.join(BENCH, "plpgsql_reference.sql"))
    c = connect()
    cur = c.cursor()
    cur.execute(open(os.path.join(BENCH, "setup.sql")).read())
    if have_reference:
        cur.execute(open(os.path.join(BENCH, "plpgsql_reference.sql")).read())
    cur.execute("SELECT name, tbl, cols, by_round FROM bench.copy_targets()")
    COPY_TARGETS.extend(cur.fetchall())
    c.close()

    which = sys.argv[1:] or ["instructions", "throughput", "statistics"]
    steps = [("instructions", lambda: (build_template(have_reference), instructions(have_reference))),
             ("throughput", lambda: throughput(have_reference)),
             ("statistics", statistics_and_memory),
             ("lean", lambda: lean(have_reference))]
    failed = []
    for name, step in steps:
        if name not in which:
            continue
        try:
            step()
        except Exception as e:          # report, keep what was measured, go on
            failed.append(name)
            say(f"{name} failed: {e}")
        write_results()
    print()
    print(f"{'section':<13} {'what':<46} {'metric':<46} {'value':>12} {'unit':<6} {'ratio':>8}  vs / note")
    for r in results:
        print(f"{r['section']:<13} {r['name'][:46]:<46} {r['metric'][:46]:<46} {str(r['value']):>12} {r['unit']:<6} "
              f"{r['ratio']:>8}  {r['baseline']}{' / ' if r['baseline'] and r['note'] else ''}{r['note']}")
    print(f"\nresults: {RESULTS}")
    if failed:
        print("failed sections: " + ", ".join(failed))
        sys.exit(1)


RESULTS = os.path.join(BENCH, "results", "latest.csv")


def write_results():
    """Written after every section, so that a late failure keeps what was measured."""
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["section", "name", "metric", "value", "unit", "baseline", "ratio", "note"])
        w.writeheader()
        w.writerows(results)


if __name__ == "__main__":
    main()
