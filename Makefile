# crash_analytics: PGXS build.  `make`, `make install`, `make installcheck`
# work as for any PostgreSQL extension; the full suite (pg_regress, pgTAP,
# isolation) runs with test/run-tests.sh, which sets up its own cluster.

EXTENSION = crash_analytics
MODULE_big = crash_analytics
# one object per C file in src/ (crash_analytics.h is the map)
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))
PGFILEDESC = "crash_analytics - analytics store for crash-game bots"

# install and upgrade scripts live in sql/ beside the pg_regress inputs
DATA = $(wildcard sql/crash_analytics--*.sql)

# pg_regress: sql/<name>.sql against expected/<name>.out, listed by name
# every sql/<name>.sql except the install and upgrade scripts; each suite
# creates and drops the extension itself, so the order does not matter
REGRESS = $(sort $(filter-out crash_analytics--%,$(basename $(notdir $(wildcard sql/*.sql)))))
REGRESS_OPTS =
ISOLATION = concurrent_rounds online_indexes bot_locks truncated_tables
ISOLATION_OPTS = --inputdir=test/isolation

# PostgreSQL's headers are system headers here (-isystem): their inline
# functions have parameters they do not use (ilist.h, bufpage.h), which
# -Wextra would report as ours.  Our own callbacks mark theirs unused.
PG_CONFIG ?= pg_config
PG_CPPFLAGS = -Wall -Wextra -Werror -isystem $(shell $(PG_CONFIG) --includedir-server)

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# the benchmark suite (not part of the tests): see test/bench/run.sh
.PHONY: bench
bench:
	bash test/bench/run.sh
