#!/bin/bash
# bench/catalog_scale.sh — infraguard's diagnostics on a big catalog.
#
#     sudo bench/catalog_scale.sh 10000
#     CS_SHAPES=plain CS_TIMEOUT=60s sudo -E bench/catalog_scale.sh 100000
#
# Builds and installs infraguard from this checkout (tools/prepare.sh), then
# starts a throwaway cluster of its own (Unix socket only, port $CS_PORT,
# default 55450, under $CS_DIR, default /var/tmp/infraguard-bench-scale) and
# builds two databases:
#   plain   N tables, 100 to a schema (schema per tenant), each with a primary
#           key and two more indexes; every tenth table holds 200 rows and
#           is analysed;
#   parted  N/5 leaf partitions of N/250 range-partitioned tables (50 leaves
#           each, partitioned primary key and two partitioned indexes),
#           every tenth leaf with 200 rows, analysed.
# A DO block per batch of 500 tables (one transaction each), so 100,000
# tables build in a few minutes.  Then, in each database, for every
# diagnostic function of schema infraguard that can be called without
# arguments (found in pg_proc: not "Internal:", not acting, listed at the
# top of the output), plus report() for 24 hours and 30 days:
#   - first: the time of a call in a new session (what a scrape pays: the
#     session's caches are cold),
#   - again: the time of a second call in that session,
#   - rows: rows returned,
#   - peak: the backend's peak resident memory during the second call above
#     its resident memory before it (kB): /proc/self/status VmHWM after
#     /proc/self/clear_refs reset it, read by the backend itself.  The first
#     call already mapped the shared buffers it touches, so this is mostly
#     private memory (palloc, sorts, hashes), up to work_mem-ish spills;
#   - kept: what the first call left in the session's memory contexts
#     (pg_backend_memory_contexts, mostly catalog caches), in kB.
# Then, in plain: the first snapshot (record_snapshot('worker'), what the
# worker runs each cycle), CS_CYCLES (5) steady ones with 1 % of the tables
# written between two, the bytes and rows of history they add, and the
# history per day at snapshot_interval = 60 s (plus the daily refresh of idle
# relations, relation_refresh_batch per cycle).
#
# Each call has statement_timeout = $CS_TIMEOUT (default 120s): a function
# that exceeds it (or fails) shows rows "ERR"; a first call over 20 s
# is not repeated (again and peak show "skipped"), so that a slow build
# still finishes at 100,000 tables.  The server runs with
# fsync = off (a throwaway cluster: only build speed changes) and
# autovacuum = off (no background work to disturb the times; the tables
# with rows and the catalogs are analysed explicitly, as autovacuum would).
# The worker is off (infraguard.enabled = off): the script takes the
# snapshots itself, at known moments.
#
# Environment: CS_SHAPES ("plain parted"), CS_CYCLES (5), CS_TIMEOUT (300s),
# CS_DIR, CS_PORT, CS_CHECKSUM=1 (also print an md5 of every function's
# sorted output, to compare results before and after a change),
# CS_FUNCS (a regular expression: only the functions it matches),
# BENCH_SKIP_BUILD=1 (use the installed library), IG_BUILD, IG_PG_CONFIG.
# Rerunnable: each run wipes $CS_DIR; the server is stopped at the end,
# on error and on Ctrl-C.

set -euo pipefail

N=${1:-10000}
[[ $N =~ ^[1-9][0-9]*$ ]] && [ "$N" -ge 100 ] || { echo "usage: $0 TABLES (at least 100)" >&2; exit 1; }

IG_SRC=$(cd "$(dirname "$0")/.." && pwd)
IG_BUILD=${IG_BUILD:-/var/tmp/ig-bench-scale-build}
DIR=${CS_DIR:-/var/tmp/infraguard-bench-scale}
PORT=${CS_PORT:-55450}
SHAPES=${CS_SHAPES:-"plain parted"}
CYCLES=${CS_CYCLES:-5}
TIMEOUT=${CS_TIMEOUT:-120s}
FUNCS=${CS_FUNCS:-.}
BATCH=500

# shellcheck source=../tools/prepare.sh
. "$IG_SRC/tools/prepare.sh"
# shellcheck source=common.sh
. "$IG_SRC/bench/common.sh"

ig_require_root
as_pg() { runuser -u postgres -- "$@"; }
pgctl() { as_pg "$PG_BINDIR/pg_ctl" -D "$DIR/data" "$@"; }
q() { local db=$1; shift; as_pg "$PG_BINDIR/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -d "$db" "$@"; }
stop_server() {
	if [ -f "$DIR/data/postmaster.pid" ]; then
		pgctl -m fast -w stop >/dev/null 2>&1 || true
	fi
}
trap stop_server EXIT
trap 'exit 130' INT TERM

script_start=$(date +%s)
elapsed() { echo "$(( $(date +%s) - script_start )) s"; }

# shellcheck disable=SC2119
ig_install_packages
[ "${BENCH_SKIP_BUILD:-0}" = 1 ] || ig_build_install

stop_server
rm -rf "$DIR"
mkdir -p "$DIR"
chown postgres:postgres "$DIR"
as_pg "$PG_BINDIR/initdb" -D "$DIR/data" -A peer -U postgres >/dev/null
cat >> "$DIR/data/postgresql.conf" <<CONF
# ---- bench/catalog_scale.sh ----
shared_preload_libraries = 'pg_stat_statements,infraguard'
port = $PORT
listen_addresses = ''
unix_socket_directories = '$DIR'
max_connections = 20
shared_buffers = 512MB
# a batch of $BATCH tables locks its tables, indexes and toast relations
max_locks_per_transaction = 512
fsync = off
synchronous_commit = off
full_page_writes = off
autovacuum = off
jit = off
max_wal_size = 8GB
checkpoint_timeout = 1h
# the script takes the snapshots itself, at known moments
infraguard.enabled = off
CONF
pgctl -l "$DIR/server.log" -w start >/dev/null

echo "catalog scale: $N tables ($((N * 3)) indexes), shapes: $SHAPES"
bench_machine_info | grep -v '^valgrind'

build_plain() {
	q postgres -c "CREATE DATABASE plain"
	for ((start = 0; start < N; start += BATCH)); do
		q plain <<SQL
DO \$\$
BEGIN
	FOR i IN $start..least($start + $BATCH, $N) - 1 LOOP
		IF i % 100 = 0 THEN
			EXECUTE format('CREATE SCHEMA %I', 'tenant_' || i / 100);
		END IF;
		EXECUTE format('CREATE TABLE %I.%I (id int PRIMARY KEY, a int, b text)', 'tenant_' || i / 100, 't' || i);
		EXECUTE format('CREATE INDEX ON %I.%I (a)', 'tenant_' || i / 100, 't' || i);
		EXECUTE format('CREATE INDEX ON %I.%I (b)', 'tenant_' || i / 100, 't' || i);
		IF i % 10 = 0 THEN
			EXECUTE format('INSERT INTO %I.%I SELECT g, g %% 17, md5(g::text) FROM generate_series(1, 200) g',
						   'tenant_' || i / 100, 't' || i);
			EXECUTE format('ANALYZE %I.%I', 'tenant_' || i / 100, 't' || i);
		END IF;
	END LOOP;
END
\$\$;
SQL
	done
}

build_parted() {
	local parents=$(( N / 250 )) per=50
	[ "$parents" -ge 1 ] || parents=1
	q postgres -c "CREATE DATABASE parted"
	for ((p = 0; p < parents; p++)); do
		[ "$p" -gt 0 ] || q parted -c "CREATE SCHEMA app"
		q parted <<SQL
CREATE TABLE app.p$p (id int, k int, a int, b text, PRIMARY KEY (k, id)) PARTITION BY RANGE (k);
CREATE INDEX ON app.p$p (a);
CREATE INDEX ON app.p$p (b);
DO \$\$
BEGIN
	FOR j IN 0..$per - 1 LOOP
		EXECUTE format('CREATE TABLE app.%I PARTITION OF app.p$p FOR VALUES FROM (%s) TO (%s)',
					   'p${p}_' || j, j * 1000, (j + 1) * 1000);
		IF j % 10 = 0 THEN
			EXECUTE format('INSERT INTO app.%I SELECT g, %s, g %% 17, md5(g::text) FROM generate_series(1, 200) g',
						   'p${p}_' || j, j * 1000);
			EXECUTE format('ANALYZE app.%I', 'p${p}_' || j);
		END IF;
	END LOOP;
END
\$\$;
SQL
	done
}

# the functions to time: callable without arguments, neither internal nor acting
FUNC_SQL="
SELECT p.proname
  FROM pg_proc p
 WHERE p.pronamespace = 'infraguard'::regnamespace
   AND p.pronargs = p.pronargdefaults
   AND p.prokind = 'f'
   AND p.prorettype <> 'trigger'::regtype
   AND coalesce(obj_description(p.oid, 'pg_proc'), '') NOT LIKE 'Internal%'
   AND p.proname NOT IN ('take_snapshot', 'latency_reset', 'check_thresholds', 'evaluate_alerts',
                         'version', 'creating_extension', 'forecast_min_history_seconds')
   AND p.proname NOT LIKE 'terminate%'
   AND p.proname ~ '$FUNCS'
 ORDER BY 1"

# time_function DB LABEL EXPR: prints "LABEL first again rows peak"
time_function() {
	local db=$1 label=$2 expr=$3 out
	out=$(as_pg "$PG_BINDIR/psql" -X -q -A -t -h "$DIR" -p "$PORT" -d "$db" 2>&1 <<SQL
SET statement_timeout = '$TIMEOUT';
\set rows ERR
\set ms2 error
SELECT sum(total_bytes) AS m0 FROM pg_backend_memory_contexts \gset
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
SELECT count(*) AS rows FROM $expr x \gset
SELECT round((extract(epoch FROM clock_timestamp()) - :t0) * 1000) AS ms1,
       extract(epoch FROM clock_timestamp()) - :t0 > 20 OR :'rows' = 'ERR' AS slow \gset
SELECT ((sum(total_bytes) - :m0) / 1024)::bigint AS kept FROM pg_backend_memory_contexts \gset
\if :slow
\echo RESULT :ms1 skipped :rows skipped :kept
\q
\endif
COPY (SELECT 5) TO '/proc/self/clear_refs';
SELECT substring(pg_read_file('/proc/self/status') FROM 'VmRSS:\s*(\d+)') AS rss0 \gset
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
SELECT count(*) AS rows FROM $expr x \gset
SELECT round((extract(epoch FROM clock_timestamp()) - :t0) * 1000) AS ms2 \gset
SELECT substring(pg_read_file('/proc/self/status') FROM 'VmHWM:\s*(\d+)')::bigint - :rss0 AS peak \gset
\echo RESULT :ms1 :ms2 :rows :peak :kept
SQL
)
	local res
	res=$(echo "$out" | awk '/^RESULT/ { $1 = ""; print }')
	if echo "$out" | grep -q 'ERROR'; then
		echo "$out" | grep 'ERROR' | grep -v 'statement timeout' | sed "s/^/  $label: /" >&2 || true
	fi
	# shellcheck disable=SC2086
	printf '%-34s %10s %10s %8s %10s %10s' "$label" ${res:-"error error ERR ? ?"}
	if [ "${CS_CHECKSUM:-0}" = 1 ]; then
		printf '  %s' "$(q "$db" -c "SET statement_timeout = '$TIMEOUT'" \
			-c "SELECT md5(coalesce(string_agg(x::text, E'\n' ORDER BY x::text), '')) FROM $expr x" 2>/dev/null | cut -c1-12)"
	fi
	echo
}

time_all() {
	local db=$1 f
	printf '%-34s %10s %10s %8s %10s %10s\n' "function ($db)" "first ms" "again ms" rows "peak kB" "kept kB"
	for f in $(q "$db" -c "$FUNC_SQL"); do
		time_function "$db" "$f()" "infraguard.$f()"
	done
	if [[ report =~ $FUNCS ]]; then
		time_function "$db" "report(30 days)" "infraguard.report(now() - interval '30 days')"
	fi
}

history_bytes() {
	q plain -c "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c
	             WHERE c.relnamespace = 'infraguard'::regnamespace AND c.relkind = 'r' AND c.relpersistence = 'p'"
}

snapshots() {
	local active=$(( N / 100 )) c out sid first RECORD
	echo
	echo "snapshots (plain): record_snapshot('worker'), as the worker's cycle, 1 % of tables ($active) written between two"
	q plain -c "SELECT pg_stat_force_next_flush()" >/dev/null
	# record_snapshot() is in infraguard_internal since 0.2's schema split, in infraguard before
	RECORD=$(q plain -c "SELECT quote_ident(n.nspname) || '.record_snapshot' FROM pg_proc p
	                     JOIN pg_namespace n ON n.oid = p.pronamespace
	                    WHERE p.proname = 'record_snapshot' AND n.nspname IN ('infraguard', 'infraguard_internal')
	                    ORDER BY n.nspname DESC LIMIT 1")
	first=$(q plain -c "SELECT $RECORD('worker')")
	q plain -c "SELECT format('first:  %s ms, %s table rows, %s index rows', round(duration_ms), table_rows, index_rows)
	              FROM infraguard.snapshots WHERE snapshot_id = $first"
	local b0 b1
	b0=$(history_bytes)
	: > "$DIR/cycles.txt"
	for ((c = 1; c <= CYCLES; c++)); do
		q plain >/dev/null <<SQL
DO \$\$
BEGIN
	FOR i IN 0..$active - 1 LOOP
		EXECUTE format('UPDATE %I.%I SET a = a + 1 WHERE id = 1',
					   'tenant_' || ((($c * $active + i) * 10) % $N) / 100, 't' || (($c * $active + i) * 10) % $N);
	END LOOP;
END
\$\$;
SELECT pg_stat_force_next_flush();
SQL
		q plain -c "SELECT 1" >/dev/null
		sid=$(q plain -c "SELECT $RECORD('worker')")
		q plain -c "SELECT round(duration_ms), table_rows, index_rows, metric_rows, statement_rows
		              FROM infraguard.snapshots WHERE snapshot_id = $sid" | tr '|' ' ' >> "$DIR/cycles.txt"
	done
	b1=$(history_bytes)
	# one cycle of the daily refresh of idle relations, forced
	q plain -c "UPDATE infraguard.table_state SET recorded_at = recorded_at - interval '2 days';
	            UPDATE infraguard.index_state SET recorded_at = recorded_at - interval '2 days'" >/dev/null
	local r0 r1 refresh batch
	r0=$(history_bytes)
	sid=$(q plain -c "SELECT $RECORD('worker')")
	r1=$(history_bytes)
	refresh=$(q plain -c "SELECT round(duration_ms), table_rows, index_rows FROM infraguard.snapshots WHERE snapshot_id = $sid" | tr '|' ' ')
	batch=$(q plain -c "SHOW infraguard.relation_refresh_batch")
	sort -n "$DIR/cycles.txt" | awk -v b0="$b0" -v b1="$b1" -v r0="$r0" -v r1="$r1" -v n_tables="$N" \
		-v refresh="$refresh" -v batch="$batch" '
		{ d[NR] = $1; t += $2; i += $3; m += $4; s += $5 }
		END {
			n = NR; med = (n % 2) ? d[(n + 1) / 2] : (d[n / 2] + d[n / 2 + 1]) / 2
			split(refresh, r, " ")
			printf "steady: median %.0f ms, max %.0f ms over %d cycles; per cycle %.0f table rows, %.0f index rows, %.0f metric rows, %.0f statement rows, %.0f bytes\n",
				med, d[n], n, t / n, i / n, m / n, s / n, (b1 - b0) / n
			printf "refresh cycle (%s idle tables due): %s ms, %s table rows, %s index rows, %d bytes\n",
				batch, r[1], r[2], r[3], r1 - r0
			# every table once a day, batch tables (and their indexes) a cycle
			printf "history per day at 60 s: %.1f MB (steady cycles %.1f MB + idle refresh %.1f MB)\n",
				((b1 - b0) / n * 1440 + (r1 - r0) * n_tables / batch) / 1048576,
				(b1 - b0) / n * 1440 / 1048576, (r1 - r0) * n_tables / batch / 1048576
		}'
}

for shape in $SHAPES; do
	t0=$(date +%s)
	"build_$shape"
	q "$shape" -c "CREATE EXTENSION pg_stat_statements; CREATE EXTENSION infraguard;"
	# what autovacuum would have done for the catalogs by now
	q "$shape" -c "VACUUM ANALYZE pg_catalog.pg_class, pg_catalog.pg_index, pg_catalog.pg_attribute,
	               pg_catalog.pg_namespace, pg_catalog.pg_constraint, pg_catalog.pg_depend,
	               pg_catalog.pg_inherits, pg_catalog.pg_type, pg_catalog.pg_statistic"
	echo
	echo "built $shape in $(( $(date +%s) - t0 )) s: $(q "$shape" -c "SELECT format('%s tables, %s partitioned, %s indexes, %s relations in pg_class',
		count(*) FILTER (WHERE relkind = 'r' AND relnamespace >= 16384 AND relnamespace <> 'infraguard'::regnamespace),
		count(*) FILTER (WHERE relkind = 'p'),
		count(*) FILTER (WHERE relkind IN ('i', 'I') AND relnamespace >= 16384 AND relnamespace <> 'infraguard'::regnamespace), count(*)) FROM pg_class")"
	# plain: the snapshots first, so that report() and table_growth() have history to read
	[ "$shape" = plain ] && snapshots
	echo
	time_all "$shape"
done

echo
echo "total $(elapsed)"
