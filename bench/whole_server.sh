#!/bin/bash
# bench/whole_server.sh — what watching every database costs (issue 11).
#
#     sudo bench/whole_server.sh
#
# Starts a throwaway cluster of its own (Unix socket only, port 55441, under
# /var/tmp/infraguard-bench-whole), creates WS_DBS databases (default 20)
# with WS_TABLES tables each (default 1,000, each with a primary key index),
# the extension only in postgres, and lets the worker run WS_CYCLES cycles
# (default 10) at a WS_INTERVAL s interval (default 3), with WS_ACTIVE_PCT
# (default 1) percent of every database's tables written between two cycles.
# Reports:
#   - cycle time: snapshots.duration_ms, which covers the whole cycle (the
#     collectors of the other databases, one at a time, then the snapshot);
#     the first cycle (every relation is new) apart from the steady ones;
#   - history bytes a steady cycle adds (table_history, index_history,
#     metric_history, with their indexes), extrapolated to a day at the
#     default 60 s interval, plus the daily row of every idle relation;
#   - the worker processes it used: the peak number of collectors at once.
# Rerunnable: each run starts from scratch.  Stops its server at the end.

set -euo pipefail

IG_SRC=$(cd "$(dirname "$0")/.." && pwd)
IG_BUILD=${IG_BUILD:-/var/tmp/infraguard-bench-whole-build}
# shellcheck source=../tools/prepare.sh
. "$IG_SRC/tools/prepare.sh"

DIR=${WS_DIR:-/var/tmp/infraguard-bench-whole}
PORT=${WS_PORT:-55441}
DBS=${WS_DBS:-20}
TABLES=${WS_TABLES:-1000}
CYCLES=${WS_CYCLES:-10}
INTERVAL=${WS_INTERVAL:-3}
ACTIVE_PCT=${WS_ACTIVE_PCT:-1}

ig_require_root
ig_install_packages
[ "${BENCH_SKIP_BUILD:-0}" = 1 ] || ig_build_install

as_pg() { runuser -u postgres -- "$@"; }
pgctl() { as_pg "$PG_BINDIR/pg_ctl" -D "$DIR/data" "$@"; }
q() { local db=$1; shift; as_pg "$PG_BINDIR/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -d "$db" "$@"; }

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
shared_buffers = 256MB
max_locks_per_transaction = 256
# set up first, then measure
infraguard.enabled = off
infraguard.snapshot_interval = ${INTERVAL}s
CONF
pgctl -l "$DIR/server.log" -w start >/dev/null

echo "whole server: $DBS databases x $TABLES tables (+ $TABLES indexes), $ACTIVE_PCT% of the tables written per cycle, $CYCLES cycles every $INTERVAL s"
echo "machine: nproc $(nproc), $(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $("$PG_BINDIR/postgres" --version)"

q postgres -c 'CREATE EXTENSION infraguard'
# one database built, the others copied from it (CREATE DATABASE ... TEMPLATE)
q postgres -c 'CREATE DATABASE ws_template'
q ws_template <<SQL
DO \$\$
BEGIN
	FOR i IN 1..$TABLES LOOP
		EXECUTE format('CREATE TABLE t%s (id bigint PRIMARY KEY, v text)', i);
		EXECUTE format('INSERT INTO t%s SELECT g, ''x'' FROM generate_series(1, 10) g', i);
	END LOOP;
END
\$\$;
SQL
for i in $(seq 1 "$DBS"); do q postgres -c "CREATE DATABASE ws$i TEMPLATE ws_template"; done
q postgres -c 'DROP DATABASE ws_template'
q postgres -c 'VACUUM ANALYZE'
echo "set up: $(q postgres -c "SELECT count(*) FROM infraguard.watched_databases() WHERE watched") databases watched"

hist_bytes() {
	q postgres -c "SELECT sum(pg_total_relation_size(c)) FROM unnest(ARRAY['infraguard.table_history',
		'infraguard.index_history', 'infraguard.metric_history']::regclass[]) c"
}
last_snapshot() { q postgres -c 'SELECT coalesce(max(snapshot_id), 0) FROM infraguard.snapshots'; }
wait_snapshot() {
	local after=$1
	while [ "$(last_snapshot)" -le "$after" ]; do sleep 0.2; done
}
# some tables of every database written, as an application would
write_some() {
	local n=$(( TABLES * ACTIVE_PCT / 100 ))
	[ "$n" -ge 1 ] || return 0
	for i in $(seq 1 "$DBS"); do
		q "ws$i" -c "DO \$\$ BEGIN FOR k IN 1..$n LOOP
			EXECUTE format('INSERT INTO t%s VALUES (%s, ''y'')', 1 + (random() * ($TABLES - 1))::int,
						   (extract(epoch FROM clock_timestamp()) * 1000000)::bigint + k);
			END LOOP; END \$\$" >/dev/null
	done
}

echo "ALTER SYSTEM SET infraguard.enabled = on" | q postgres
q postgres -c 'SELECT pg_reload_conf()' >/dev/null
wait_snapshot 0
first=$(q postgres -c "SELECT round(duration_ms) || ' ms, ' || table_rows || ' table rows, ' || index_rows || ' index rows' FROM infraguard.snapshots ORDER BY snapshot_id LIMIT 1")
echo "first cycle (every relation new): $first"

peak=0
start_bytes=$(hist_bytes)
start_snap=$(last_snapshot)
for c in $(seq 1 "$CYCLES"); do
	write_some
	s=$(last_snapshot)
	while [ "$(last_snapshot)" -le "$s" ]; do
		n=$(q postgres -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'infraguard collector'")
		[ "$n" -gt "$peak" ] && peak=$n
		sleep 0.1
	done
done
end_snap=$(last_snapshot)
end_bytes=$(hist_bytes)
q postgres -c "SELECT 'steady cycles: ' || count(*) || ', duration median ' || round(percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms)::numeric)
			   || ' ms, max ' || round(max(duration_ms)::numeric) || ' ms; rows per cycle: ' || round(avg(table_rows), 1)
			   || ' table, ' || round(avg(index_rows), 1) || ' index, ' || round(avg(metric_rows), 1) || ' metric'
		  FROM infraguard.snapshots WHERE snapshot_id > $start_snap AND snapshot_id <= $end_snap"
per_cycle=$(( (end_bytes - start_bytes) / (end_snap - start_snap) ))
echo "history bytes per steady cycle: $per_cycle"

# the daily row of every idle relation (forced now), spread over the day
# by relation_refresh_batch; its bytes count once a day
q postgres -c "UPDATE infraguard.database_table_state SET recorded_at = now() - interval '2 days'"
q postgres -c "UPDATE infraguard.database_index_state SET recorded_at = now() - interval '2 days'"
b0=$(hist_bytes); s0=$(last_snapshot)
while q postgres -c "SELECT count(*) FROM infraguard.database_table_state WHERE recorded_at < now() - interval '1 day'" | grep -qv '^0$'; do
	sleep 0.5
done
s1=$(last_snapshot); wait_snapshot "$s1"
daily=$(( $(hist_bytes) - b0 ))
echo "daily refresh of every relation: $daily bytes over $(( $(last_snapshot) - s0 )) cycles"
q postgres -c "SELECT 'refresh cycle duration max: ' || round(max(duration_ms)::numeric) || ' ms' FROM infraguard.snapshots WHERE snapshot_id > $s0"
echo "per day at the default 60 s interval: $(( (per_cycle * 1440 + daily) / 1048576 )) MB ($per_cycle B x 1440 cycles + $daily B daily refresh)"
echo "collectors at once (peak seen): $peak; background worker slots used: 1 worker + $peak"
grep -c "skipped database" "$DIR/server.log" | sed 's/^/databases skipped (log lines): /'
