#!/bin/bash
# demo/run.sh — the README's "main job".  Run as root on Debian 12:
#
#     sudo demo/run.sh          build, install, start a demo cluster, show the diagnostics
#     sudo demo/run.sh stop     stop the demo cluster
#
# The cluster is a throwaway PostgreSQL 15 instance under $IG_DEMO_DIR
# (default /var/tmp/infraguard-demo), listening only on a Unix socket in that
# directory and on port $IG_DEMO_PORT (default 5499), with
# shared_preload_libraries = 'pg_stat_statements,infraguard'.  Running the
# script again rebuilds it from scratch; no other cluster is touched.

set -euo pipefail

IG_SRC=$(cd "$(dirname "$0")/.." && pwd)
IG_BUILD=${IG_BUILD:-/var/tmp/infraguard-demo-build}
DEMO_DIR=${IG_DEMO_DIR:-/var/tmp/infraguard-demo}
DEMO_PORT=${IG_DEMO_PORT:-5499}
DEMO_DB=infraguard_demo
# shellcheck source=../tools/prepare.sh
. "$IG_SRC/tools/prepare.sh"

ig_require_root
as_pg() { runuser -u postgres -- "$@"; }
pg_ctl_demo() { as_pg "$PG_BINDIR/pg_ctl" -D "$DEMO_DIR/data" "$@"; }
demo_psql() { as_pg "$PG_BINDIR/psql" -X -h "$DEMO_DIR" -p "$DEMO_PORT" -d "$DEMO_DB" "$@"; }

stop_demo() {
	if [ -f "$DEMO_DIR/data/postmaster.pid" ]; then
		pg_ctl_demo -m fast -w stop >/dev/null 2>&1 || true
	fi
}

if [ "${1:-}" = stop ]; then
	stop_demo
	echo "demo cluster in $DEMO_DIR stopped"
	exit 0
fi

ig_install_packages
ig_build_install

ig_log "starting a throwaway PostgreSQL 15 cluster in $DEMO_DIR (port $DEMO_PORT)"
stop_demo
rm -rf "$DEMO_DIR"
mkdir -p "$DEMO_DIR"
chown postgres:postgres "$DEMO_DIR"
as_pg "$PG_BINDIR/initdb" -D "$DEMO_DIR/data" -A peer -U postgres >/dev/null
cat >> "$DEMO_DIR/data/postgresql.conf" <<CONF
# infraguard demo
shared_preload_libraries = 'pg_stat_statements,infraguard'
infraguard.database = '$DEMO_DB'
infraguard.snapshot_interval = 10s
port = $DEMO_PORT
listen_addresses = ''
unix_socket_directories = '$DEMO_DIR'
CONF
pg_ctl_demo -l "$DEMO_DIR/server.log" -w start >/dev/null
as_pg "$PG_BINDIR/createdb" -h "$DEMO_DIR" -p "$DEMO_PORT" "$DEMO_DB"
# the worker's database exists now: restart so it connects at once
pg_ctl_demo -l "$DEMO_DIR/server.log" -w restart >/dev/null

ig_log "creating the extensions and a small workload"
demo_psql -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION pg_stat_statements;
CREATE EXTENSION infraguard;
-- dead_tuple_ratio must hold 30 minutes before its alert opens in
-- production; the demo lasts about two, so its one alert may open after 20 s
SELECT infraguard.set_threshold('dead_tuple_ratio', 20, 50, hold => interval '20 seconds') \gset

CREATE TABLE orders (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	customer_id	integer NOT NULL,
	status		text NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	note		text
) WITH (autovacuum_enabled = off);	-- so the dead tuples stay for the demo
INSERT INTO orders (customer_id, status, created_at, note)
SELECT i % 5000, (ARRAY['new', 'paid', 'shipped', 'returned'])[1 + i % 4],
	   now() - i * interval '1 minute', repeat('n', i % 50)
  FROM generate_series(1, 100000) i;
CREATE INDEX orders_customer_idx ON orders (customer_id);		-- used below
CREATE INDEX orders_note_idx ON orders (note);				-- never used
CREATE TABLE customers AS SELECT i AS id, 'customer ' || i AS name FROM generate_series(0, 4999) i;
ALTER TABLE customers ADD PRIMARY KEY (id);
-- publish this session's insert counts before ANALYZE sets the live counts
SELECT pg_stat_force_next_flush() \gset
ANALYZE;

-- churn: a third of the orders are updated, some deleted
UPDATE orders SET status = 'archived' WHERE id % 3 = 0;
DELETE FROM orders WHERE id % 10 = 0;

-- some queries for pg_stat_statements and the index counters
SELECT count(*) FROM orders WHERE customer_id = 42;
SELECT count(*) FROM orders WHERE customer_id = 4242;
SELECT c.name, count(*) FROM orders o JOIN customers c ON c.id = o.customer_id
 WHERE o.status = 'paid' GROUP BY c.name ORDER BY 2 DESC LIMIT 5;
SELECT status, count(*) FROM orders GROUP BY status;
SELECT pg_sleep(0.2);
SELECT pg_stat_force_next_flush();
SQL

# History for the report: rounds of a small workload, each ended by a
# snapshot, so that every chart of report() has a line of several points
# (the worker adds its own every 10 s).  Long enough for an alert to hold
# (dead_tuple_ratio is over its warning level, autovacuum being off on
# orders).  Forecasts stay silent: minutes of history are not enough for one,
# and the report says so.
ROUNDS=${IG_DEMO_ROUNDS:-15}
ig_log "recording history: $ROUNDS rounds of workload and snapshots, 5 s apart"
for i in $(seq 1 "$ROUNDS"); do
	demo_psql -qAt -v ON_ERROR_STOP=1 >/dev/null <<SQL
INSERT INTO orders (customer_id, status, note)
SELECT g % 5000, 'new', repeat('r', 40) FROM generate_series(1, 2000) g;
SELECT count(*) FROM orders WHERE customer_id = $i * 17;
SELECT status, count(*) FROM orders GROUP BY status;
SELECT pg_sleep(0.05 * ($i % 4));
SELECT pg_stat_force_next_flush();
SELECT infraguard.take_snapshot();
SQL
	printf '.'
	sleep 5
done
echo

show() {
	printf '\n--- %s\n' "$1"
	demo_psql -P pager=off -c "$1"
}
show "SELECT * FROM infraguard.health()"
show "SELECT schema_name, table_name, total_size, live_tuples, dead_tuples, dead_pct, vacuum_due FROM infraguard.table_health() LIMIT 5"
show "SELECT schema_name, table_name, index_name, size, scans, is_unique, is_primary FROM infraguard.index_usage()"
show "SELECT index_name, size, reason, suggestion FROM infraguard.unused_indexes()"
show "SELECT queryid, dbname, calls, round(total_seconds::numeric, 3) AS total_seconds, round(mean_ms::numeric, 2) AS mean_ms, pct_of_total_time, query FROM infraguard.slow_queries(5)"
show "SELECT * FROM infraguard.connections()"
show "SELECT * FROM infraguard.connection_usage()"
show "SELECT dbname, calls, round(p50_ms::numeric, 3) AS p50_ms, round(p95_ms::numeric, 3) AS p95_ms, round(p99_ms::numeric, 3) AS p99_ms, round(max_ms::numeric, 3) AS max_ms FROM infraguard.latency()"
show "SELECT kind, name, total_size, used_size, free_size, used_pct FROM infraguard.disk_usage()"
show "SELECT cpu_count, load1, cpu_pct, mem_total_size, mem_available_size, mem_used_pct FROM infraguard.system_stats()"
show "SELECT snapshot_id, taken_at, source, round(duration_ms) AS ms, metric_rows, table_rows FROM infraguard.snapshots ORDER BY snapshot_id DESC LIMIT 3"
show "SELECT metric, level, value, threshold, opened_at FROM infraguard.active_alerts"
show "SELECT check_name, status, detail FROM infraguard.security_audit() WHERE status <> 'ok'"
show "SELECT priority, kind, statement, reason FROM infraguard.maintenance_plan() LIMIT 5"

# the default window (the last 24 hours): its charts start at the first sample
demo_psql -qAt -c "SELECT infraguard.report()" > "$DEMO_DIR/report.html"
chmod 644 "$DEMO_DIR/report.html"
charts=$(grep -o '<figure class="chart[^"]*"' "$DEMO_DIR/report.html" | wc -l)
empty=$(grep -o 'no data in this window\|no alerts in this window' "$DEMO_DIR/report.html" | wc -l || true)
echo "report: $charts charts, $empty without data"

cat <<EOF2

The demo cluster is running.
  report:   $DEMO_DIR/report.html (infraguard.report(), open it in a browser)
  connect:  sudo -u postgres psql -h $DEMO_DIR -p $DEMO_PORT $DEMO_DB
  stop:     sudo $IG_SRC/demo/run.sh stop
  log:      $DEMO_DIR/server.log
EOF2
