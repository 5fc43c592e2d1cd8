#!/usr/bin/env bash
# test/bench/run.sh: the benchmark command (also `make bench`).  Not part of
# the test command: CI does not time anything.
#
#   sudo bash test/bench/run.sh                  # everything, about 25 minutes
#   sudo bash test/bench/run.sh instructions     # one part: instructions | throughput | statistics
#   sudo bash test/bench/run.sh lean             # not in the full run, about 7 minutes: the call
#                                                # built without the contract's session figures,
#                                                # roll-ups and signals (lean.patch), against the targets
#   sudo CA_BENCH_QUICK=1 bash test/bench/run.sh # fewer calls, shorter runs (a smoke test)
#
# Sets up its own private cluster (Unix socket only, port 54339, under
# /var/tmp/crash_analytics_bench), prints a table and writes
# test/bench/results/latest.csv.
export CA_BASE=${CA_BASE:-/var/tmp/crash_analytics_bench}
export CA_PGPORT=${CA_PGPORT:-54339}
. "$(dirname "$0")/../lib.sh"

ca_require_root
ca_install_packages valgrind postgresql-contrib strace patch
ca_build_install
CA_FSYNC=on ca_start_cluster
trap ca_finish EXIT
ca_pg "$CA_PGBIN/createdb" -h "$CA_SOCKET" -p "$CA_PGPORT" bench
psql -X -q -d bench -c "CREATE EXTENSION crash_analytics"
/usr/bin/python3 "$CA_ROOT/test/bench/bench.py" "$@"
