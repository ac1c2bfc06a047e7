# infraguard/Makefile
#
# PGXS build.  The version comes from infraguard.control only (the
# pg_stat_kcache idiom), is compiled into the library and names the install
# script, so infraguard.version() and the catalog's extversion cannot drift.

EXTENSION = infraguard
EXTVERSION := $(shell sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" infraguard.control)
PGFILEDESC = "infraguard - in-database health, capacity and latency monitoring"

MODULE_big = infraguard
OBJS = \
	src/core/ig_alert.o \
	src/core/ig_diskmath.o \
	src/core/ig_forecast.o \
	src/core/ig_histogram.o \
	src/core/ig_logclass.o \
	src/core/ig_procfs.o \
	src/core/ig_threshold.o \
	src/core/ig_waits.o \
	src/collector.o \
	src/diag_disk.o \
	src/diag_relsize.o \
	src/diag_system.o \
	src/forecast.o \
	src/infraguard.o \
	src/latency.o \
	src/log_events.o \
	src/shmem.o \
	src/threshold.o \
	src/wait_sampling.o \
	src/worker.o

# Versions (pg_cron's scheme): infraguard--0.1.sql is the frozen base; each
# later version is an upgrade script, and CREATE EXTENSION follows the chain,
# so an install and an upgrade run the same statements.  The script of the
# version under development is built from src/sql/ (the current definition of
# every function and view, one file per surface, all CREATE OR REPLACE)
# between a "before" part (tables, drops) and an "after" part (data).  At
# release it is committed and frozen like the base.
SQL_SRC = \
	src/sql/metric_catalog.sql \
	src/sql/sizes.sql \
	src/sql/version.sql \
	src/sql/thresholds.sql \
	src/sql/measurements.sql \
	src/sql/table_health.sql \
	src/sql/indexes.sql \
	src/sql/slow_queries.sql \
	src/sql/connections.sql \
	src/sql/emergency.sql \
	src/sql/replication.sql \
	src/sql/wraparound.sql \
	src/sql/vacuum_blockers.sql \
	src/sql/log_events.sql \
	src/sql/bloat.sql \
	src/sql/backups.sql \
	src/sql/audit.sql \
	src/sql/maintenance.sql \
	src/sql/metrics.sql \
	src/sql/health.sql \
	src/sql/history.sql \
	src/sql/alerts.sql \
	src/sql/forecast.sql \
	src/sql/report_render.sql \
	src/sql/report_data.sql \
	src/sql/report.sql \
	src/sql/prometheus.sql \
	src/sql/grafana.sql \
	src/sql/whole_server.sql \
	src/sql/standby.sql \
	src/sql/sequences.sql \
	src/sql/statements_saturation.sql \
	src/sql/checkpoints.sql \
	src/sql/database_activity.sql \
	src/sql/activity.sql \
	src/sql/config_review.sql \
	src/sql/seq_scan_hotspots.sql \
	src/sql/archival_candidates.sql \
	src/sql/compare.sql \
	src/sql/wait_sampling.sql

UPGRADE_0_2 = \
	src/upgrade/0.1--0.2-header.sql \
	src/upgrade/0.1--0.2-before.sql \
	$(SQL_SRC) \
	src/upgrade/0.1--0.2-after.sql

DATA = $(EXTENSION)--0.1.sql
DATA_built = $(EXTENSION)--0.1--0.2.sql

REGRESS = 00_setup metric_catalog version sizes thresholds health metrics table_health indexes \
	slow_queries connections measurements history forecast alerts emergency replication \
	wraparound bloat backups audit maintenance report privileges bad_input histogram_limits \
	suggestions prometheus grafana whole_server vacuum_blockers log_events sequences \
	statements_saturation checkpoints database_activity activity config_review seq_scan_hotspots \
	archival_candidates compare wait_sampling
# A server of our own with both libraries preloaded (pg_cron's recipe): make
# installcheck never touches another cluster.  tmp_check is prove's and is
# wiped by it, hence tmp_regress.
REGRESS_OPTS = --temp-config=$(srcdir)/test/infraguard.conf --temp-instance=./tmp_regress

# Concurrency claims need concurrent sessions: the isolation tester.
ISOLATION = blocking suggestions_temp
ISOLATION_OPTS = --temp-config=$(srcdir)/test/infraguard.conf --temp-instance=./tmp_isolation

TAP_TESTS = 1
PROVE_TESTS = test/t/*.pl

PG_CONFIG ?= pg_config
PG_CPPFLAGS += -DINFRAGUARD_VERSION='"$(EXTVERSION)"' -I$(srcdir)/src -I$(srcdir)/src/core

EXTRA_CLEAN = tmp_regress tmp_isolation output_iso $(UNIT_TESTS) $(EXTENSION)-*.tar.gz

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(EXTENSION)--0.1--0.2.sql: $(UPGRADE_0_2)
	cat $^ > $@

# The statement hooks (latency.c) call into the server several times per
# statement (standard_ExecutorRun, IsTransactionBlock, clock_gettime ...):
# through the GOT rather than a PLT stub, one jump less per call
# (bench/callgrind.sh).  Only if the compiler knows the flag.
src/latency.o: CFLAGS += $(shell $(CC) -fno-plt -E -x c /dev/null >/dev/null 2>&1 && echo -fno-plt)

# Unit tests of the pure core: built with the system compiler and Check only,
# never with PostgreSQL's flags, which proves src/core needs no server header.
UNIT_CC ?= cc
UNIT_CFLAGS ?= -std=c99 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -O2
UNIT_TESTS = $(patsubst %.c,%,$(wildcard test/unit/check_*.c))
CORE_SRC = $(wildcard src/core/*.c)

test/unit/check_%: test/unit/check_%.c $(CORE_SRC) $(wildcard src/core/*.h)
	$(UNIT_CC) $(UNIT_CFLAGS) -Isrc/core -DFIXTURE_DIR='"test/unit/fixtures"' \
		$< $(CORE_SRC) $$(pkg-config --cflags --libs check) -lm -o $@

.PHONY: unitcheck
unitcheck: $(UNIT_TESTS)
	@rc=0; for t in $(UNIT_TESTS); do ./$$t || rc=1; done; exit $$rc

# Release tarball: the committed tree (git archive), named after the version.
# A checkout is needed; the tarball itself builds and tests without git.
DISTNAME = $(EXTENSION)-$(EXTVERSION)
DISTDIR ?= $(CURDIR)
.PHONY: dist
dist:
	@git -C $(srcdir) rev-parse --git-dir >/dev/null 2>&1 || \
		{ echo "make dist needs a git checkout of infraguard" >&2; exit 1; }
	git -C $(srcdir) archive --format=tar.gz --prefix=$(DISTNAME)/ -o $(DISTDIR)/$(DISTNAME).tar.gz HEAD
	@echo "wrote $(DISTDIR)/$(DISTNAME).tar.gz"
