#!/usr/bin/env bash
# test/reliability/online_ddl.sh: index maintenance while bots log.
#
# Operators add indexes of their own to the extension's tables and rebuild
# bloated ones without stopping the bots: CREATE INDEX CONCURRENTLY (plain,
# expression, partial), REINDEX INDEX/TABLE CONCURRENTLY of the extension's
# own indexes (those the write path probes among them) and DROP INDEX
# CONCURRENTLY, and table maintenance (VACUUM FULL, CLUSTER, ALTER TABLE ADD/DROP
# COLUMN -- generated, volatile and TOASTed defaults -- ADD CONSTRAINT, also on
# those columns, ALTER COLUMN TYPE, blocking REINDEX and BRIN/hash/GIN index
# builds, ANALYZE), then 30 rounds of REINDEX TABLE
# CONCURRENTLY of the four tables every round writes, while online_ddl.py's
# clients log single rounds and batches.
# The C write path keeps, per backend, what it compiled for each table's
# indexes; this suite proves it follows every such change:
#   - every DDL statement completes and no client gets any error (the
#     rebuild rounds made a write path that lost an invalidation while
#     compiling open a dropped index: "could not open relation with OID");
#   - amcheck's bt_index_check with heapallindexed on every B-tree index of
#     the extension's tables: each index holds every row (an index the write
#     path did not know of would miss rows);
#   - verify_consistency() all ok; no backend crash in the server log.
#
#   bash test/reliability/online_ddl.sh     # alone: its own cluster, like run-tests.sh
set -euo pipefail
REL_SUITE=online_ddl
. "$(dirname "$0")/common.sh"
rel_setup

DB=rel_online_ddl
WORKERS=${CA_REL_DDL_WORKERS:-4}
CHURN=${CA_REL_DDL_CHURN:-30}
DSN="host=$CA_SOCKET port=$CA_PGPORT user=postgres dbname=$DB"
rel_createdb $DB
rel_psql $DB -c "CREATE EXTENSION crash_analytics" -c "CREATE EXTENSION amcheck"
off=$(rel_log_offset)

ca_say "online_ddl: $WORKERS clients log while indexes are created, rebuilt and dropped concurrently and tables altered"
set +e
out=$($REL_PY "$REL_DIR/online_ddl.py" "$DSN" "$WORKERS" "$CHURN" 2>"$REL_WORK/online_ddl.err")
rc=$?
set -e
read -r nplanned nddl nchurn churns ncalls nerr <<<"$($REL_PY -c '
import json, sys
try:
    s = json.loads(sys.argv[1])
    print(s["planned"], len(s["ddl"]), s["churn"][0], s["churn"][1], sum(s["calls"]), len(s["errors"]))
except Exception:
    print(-1, 0, 0, 0, 0, -1)' "$out")"
if [ $rc -eq 0 ] && [ "$nddl" -eq "$nplanned" ] && [ "$nchurn" -eq $((CHURN * 4)) ]; then
	rel_ok "all $nddl statements and $nchurn REINDEX TABLE CONCURRENTLY completed while the clients logged"
else
	rel_not_ok "all statements and $((CHURN * 4)) REINDEX TABLE CONCURRENTLY completed while the clients logged (exit $rc, $nddl of $nplanned)" "$out" "$(tail -n 20 "$REL_WORK/online_ddl.err")"
fi
if [ "$nerr" = 0 ] && [ "$ncalls" -gt 0 ]; then
	rel_ok "the clients made $ncalls logging calls, none failed"
else
	rel_not_ok "the clients' logging calls all succeeded" "$out"
fi
am=$($REL_PY -c '
import json, sys
try:
    c = json.loads(sys.argv[1])["index_checks"]
    print(" ".join("%s:%s:%s:%s" % (n, u, a, b) for n, u, a, b in c) if len(c) == 2 and all(u and a == b and a > 0 for n, u, a, b in c) else "bad " + json.dumps(c))
except Exception as e:
    print("bad", e)' "$out")
if [ "${am#bad}" = "$am" ]; then
	rel_ok "the hash and BRIN indexes built while the clients logged find every row (index:used:via index:via seq scan $am)"
else
	rel_not_ok "the hash and BRIN indexes built while the clients logged find every row" "$am"
fi
rel_figure "$ncalls logging calls by $WORKERS clients during $nddl index and table statements and $nchurn table rebuilds (${churns} s)"

rel_check_btree_indexes $DB
invalid=$(rel_psql $DB -c "SELECT string_agg(indexrelid::regclass::text, ', ') FROM pg_index
	WHERE NOT indisvalid AND indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'crash_analytics'::regnamespace)")
rel_empty "no index left invalid" "$invalid"
rel_check_consistency $DB "after the index statements"
rel_check_log_clean "$off" "online_ddl"
rel_finish
