#!/bin/bash
# bench/history_volume.sh — what the worker's history costs on a big schema.
#
#     sudo bench/history_volume.sh
#
# Starts a throwaway cluster of its own (Unix socket only, port 55440,
# under /var/tmp/infraguard-bench-history), creates HV_TABLES tables (default
# 10,000) with two indexes each, and measures snapshots as the worker takes
# them (infraguard_internal.record_snapshot('worker')), with HV_ACTIVE_PCT (default 1)
# percent of the tables written between two snapshots:
#   - cycle duration (median and max of HV_CYCLES cycles, default 20);
#   - rows and bytes each cycle adds to the history tables, and the WAL the
#     snapshot itself writes;
#   - one cycle of the daily refresh of idle relations (forced);
# and extrapolates to a day at the default interval of 60 s.
# Rerunnable: each run starts from scratch.  Stops its server at the end.

set -euo pipefail

IG_SRC=$(cd "$(dirname "$0")/.." && pwd)
IG_BUILD=${IG_BUILD:-/var/tmp/infraguard-bench-history-build}
# shellcheck source=../tools/prepare.sh
. "$IG_SRC/tools/prepare.sh"

DIR=${HV_DIR:-/var/tmp/infraguard-bench-history}
PORT=${HV_PORT:-55440}
TABLES=${HV_TABLES:-10000}
ACTIVE_PCT=${HV_ACTIVE_PCT:-1}
CYCLES=${HV_CYCLES:-20}

ig_require_root
ig_install_packages
[ "${BENCH_SKIP_BUILD:-0}" = 1 ] || ig_build_install

as_pg() { runuser -u postgres -- "$@"; }
pgctl() { as_pg "$PG_BINDIR/pg_ctl" -D "$DIR/data" "$@"; }
q() { as_pg "$PG_BINDIR/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -d postgres "$@"; }

[ -f "$DIR/data/postmaster.pid" ] && pgctl -m immediate stop >/dev/null 2>&1 || true
rm -rf "$DIR"
mkdir -p "$DIR"
chown postgres:postgres "$DIR"
trap 'pgctl -m fast stop >/dev/null 2>&1 || true' EXIT

as_pg "$PG_BINDIR/initdb" -D "$DIR/data" -A peer -U postgres >/dev/null
cat >> "$DIR/data/postgresql.conf" <<CONF
shared_preload_libraries = 'pg_stat_statements,infraguard'
port = $PORT
listen_addresses = ''
unix_socket_directories = '$DIR'
shared_buffers = 512MB
max_locks_per_transaction = 256
# the benchmark takes the snapshots itself, at known moments
infraguard.enabled = off
CONF
pgctl -l "$DIR/server.log" -w start >/dev/null

echo "history volume: $TABLES tables, $((TABLES * 2)) indexes, $ACTIVE_PCT% active per cycle, $CYCLES cycles"
echo "machine: nproc $(nproc), $(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $("$PG_BINDIR/postgres" --version)"

q -c "CREATE EXTENSION pg_stat_statements; CREATE EXTENSION infraguard;"
echo "creating the schema ..."
for ((start = 1; start <= TABLES; start += 500)); do
	q <<SQL
DO \$\$
BEGIN
	FOR i IN $start..least($start + 499, $TABLES) LOOP
		EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY, v int, note text)', i);
		EXECUTE format('CREATE INDEX ON t%s (v)', i);
		EXECUTE format('INSERT INTO t%s SELECT g, g, ''x'' FROM generate_series(1, 10) g', i);
	END LOOP;
END
\$\$;
SQL
done
q -c "ANALYZE"
q -c "SELECT pg_stat_force_next_flush()" >/dev/null

# the first snapshot records everything once (baseline)
first=$(q -c "SELECT extract(epoch FROM clock_timestamp())::float8; SELECT infraguard_internal.record_snapshot('worker')" | tail -n 1)
echo "first snapshot (records all $TABLES tables): $(q -c "SELECT round(duration_ms) FROM infraguard.snapshots WHERE snapshot_id = $first") ms"

history_bytes() {
	q -c "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c
	        JOIN pg_namespace n ON n.oid = c.relnamespace
	       WHERE n.nspname = 'infraguard' AND c.relkind = 'r' AND c.relpersistence = 'p'"
}

active=$(( TABLES * ACTIVE_PCT / 100 ))
[ "$active" -ge 1 ] || active=1
: > "$DIR/cycles.txt"
bytes_before=$(history_bytes)
for ((c = 1; c <= CYCLES; c++)); do
	# write to a different 1% each cycle
	q <<SQL >/dev/null
DO \$\$
BEGIN
	FOR i IN 0..$((active - 1)) LOOP
		EXECUTE format('UPDATE t%s SET v = v + 1 WHERE id = 1', 1 + (($c * $active + i) % $TABLES));
	END LOOP;
END
\$\$;
SELECT pg_stat_force_next_flush();
SQL
	q -c "SELECT 1" >/dev/null		# the flush happens when that session goes idle
	out=$(q -c "SELECT pg_current_wal_lsn()" -c "SELECT infraguard_internal.record_snapshot('worker')" -c "SELECT pg_current_wal_lsn()")
	lsn0=$(echo "$out" | sed -n 1p); sid=$(echo "$out" | sed -n 2p); lsn1=$(echo "$out" | sed -n 3p)
	q -c "SELECT s.duration_ms, s.metric_rows, s.table_rows, s.index_rows, s.statement_rows,
	             pg_wal_lsn_diff('$lsn1', '$lsn0')
	        FROM infraguard.snapshots s WHERE s.snapshot_id = $sid" | tr '|' ' ' >> "$DIR/cycles.txt"
done
bytes_after=$(history_bytes)

# one cycle of the daily refresh of idle relations, forced
q -c "UPDATE infraguard.table_state SET recorded_at = recorded_at - interval '2 days'; UPDATE infraguard.index_state SET recorded_at = recorded_at - interval '2 days'" >/dev/null
refresh_before=$(history_bytes)
out=$(q -c "SELECT pg_current_wal_lsn()" -c "SELECT infraguard_internal.record_snapshot('worker')" -c "SELECT pg_current_wal_lsn()")
lsn0=$(echo "$out" | sed -n 1p); sid=$(echo "$out" | sed -n 2p); lsn1=$(echo "$out" | sed -n 3p)
refresh=$(q -c "SELECT round(duration_ms), table_rows, index_rows, pg_wal_lsn_diff('$lsn1', '$lsn0')
                  FROM infraguard.snapshots WHERE snapshot_id = $sid" | tr '|' ' ')
refresh_bytes=$(( $(history_bytes) - refresh_before ))
refresh_batch=$(q -c "SHOW infraguard.relation_refresh_batch")

sort -n -k1 "$DIR/cycles.txt" | awk -v b0="$bytes_before" -v b1="$bytes_after" -v tables="$TABLES" \
	-v refresh="$refresh" -v refresh_bytes="$refresh_bytes" -v batch="$refresh_batch" '
	{ d[NR] = $1; m += $2; t += $3; i += $4; s += $5; w += $6 }
	END {
		n = NR
		med = (n % 2) ? d[(n + 1) / 2] : (d[n / 2] + d[n / 2 + 1]) / 2
		per_cycle = (b1 - b0) / n
		split(refresh, r, " ")
		refresh_cycles = tables / batch		# each idle table refreshed once a day
		printf "\nsteady cycles (%d): duration median %.0f ms, max %.0f ms\n", n, med, d[n]
		printf "rows per cycle: %.0f metrics, %.0f tables, %.0f indexes, %.0f statements\n", m / n, t / n, i / n, s / n
		printf "per cycle: %.0f bytes of history (tables + indexes), %.0f bytes of WAL\n", per_cycle, w / n
		printf "refresh cycle (%d idle tables): %s ms, %s table rows, %s index rows, %d bytes of history, %s bytes of WAL\n",
			batch, r[1], r[2], r[3], refresh_bytes, r[4]
		printf "\nper day at snapshot_interval = 60 s: %.0f rows, %.1f MB of history, %.1f MB of WAL\n",
			(m + t + i + s) / n * 1440 + refresh_cycles * (r[2] + r[3]),
			(per_cycle * 1440 + refresh_bytes * refresh_cycles) / 1048576,
			(w / n * 1440 + r[4] * refresh_cycles) / 1048576
	}'
