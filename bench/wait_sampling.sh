#!/bin/bash
# bench/wait_sampling.sh — CPU cost of the wait-event sampler (issue 15,
# part 2) with 100 connections.  Run as root on Debian 12:
#
#     sudo bench/wait_sampling.sh
#     sudo BENCH_HZ="0 10 100" BENCH_SECONDS=60 BENCH_SKIP_BUILD=1 bench/wait_sampling.sh
#
# Method: a throwaway cluster (port $BENCH_PORT, Unix socket only) with
# infraguard preloaded and 100 connections held by pgbench, all of them
# "active" (each loops over SELECT pg_sleep(0.05), so every sampling round
# finds 100 backends to count: the sampler's worst case at 100
# connections).  For each frequency in BENCH_HZ the script sets
# infraguard.wait_sampling_hz, reloads, lets the sampler settle, then reads
# the sampler's CPU time twice, BENCH_SECONDS apart:
#   - /proc/<pid>/stat fields 14 and 15 (utime + stime, in clock ticks of
#     1/CLK_TCK s, the kernel's accounting), and
#   - /proc/<pid>/schedstat field 1 (nanoseconds on a CPU, finer grained),
# and reports both as % of one core, the cost per Hz, and the sampling
# rounds the sampler counted over the same time (wait_sampling_drain()),
# which shows it kept up with the frequency.  With BENCH_IDLE=1 the 100
# connections are idle psql sessions instead (nothing to count; the scan
# of every PGPROC still runs).
#
# Rerunnable: the cluster is recreated each run and stopped at the end.
# Output: a table on stdout; the numbers of record are in docs/measurements.md.

set -euo pipefail

IG_SRC=$(cd "$(dirname "$0")/.." && pwd)
IG_BUILD=${IG_BUILD:-/var/tmp/ig-bench-build}
BENCH_DIR=${BENCH_DIR:-/var/tmp/infraguard-bench-waits}
BENCH_PORT=${BENCH_PORT:-55433}
SECS=${BENCH_SECONDS:-60}
HZ_LIST=${BENCH_HZ:-"0 10 50 100"}
CONNS=${BENCH_CONNECTIONS:-100}
IDLE=${BENCH_IDLE:-0}

# shellcheck source=../tools/prepare.sh
. "$IG_SRC/tools/prepare.sh"

ig_require_root
[[ $SECS =~ ^[1-9][0-9]*$ ]] || { echo "BENCH_SECONDS must be a positive integer" >&2; exit 1; }
[[ $CONNS =~ ^[1-9][0-9]*$ ]] || { echo "BENCH_CONNECTIONS must be a positive integer" >&2; exit 1; }

as_pg() { runuser -u postgres -- "$@"; }
pgctl() { as_pg "$PG_BINDIR/pg_ctl" -D "$BENCH_DIR/data" "$@"; }
bquery() { as_pg "$PG_BINDIR/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$BENCH_DIR" -p "$BENCH_PORT" -d postgres -c "$1"; }

LOAD_PIDS=()
cleanup() {
	for p in "${LOAD_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if [ -f "$BENCH_DIR/data/postmaster.pid" ]; then
		pgctl -m fast -w stop >/dev/null 2>&1 || true
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
	ig_install_packages
	ig_build_install
fi

ig_log "creating the benchmark cluster in $BENCH_DIR (port $BENCH_PORT)"
if [ -f "$BENCH_DIR/data/postmaster.pid" ]; then pgctl -m fast -w stop >/dev/null 2>&1 || true; fi
rm -rf "$BENCH_DIR"
mkdir -p "$BENCH_DIR"
chown postgres:postgres "$BENCH_DIR"
as_pg "$PG_BINDIR/initdb" -D "$BENCH_DIR/data" -A peer -U postgres >/dev/null
cat >>"$BENCH_DIR/data/postgresql.conf" <<CONF
listen_addresses = ''
port = $BENCH_PORT
unix_socket_directories = '$BENCH_DIR'
max_connections = $((CONNS + 20))
shared_preload_libraries = 'pg_stat_statements,infraguard'
infraguard.snapshot_interval = 3600
autovacuum = off
CONF
pgctl -l "$BENCH_DIR/server.log" -w start >/dev/null
bquery 'CREATE EXTENSION pg_stat_statements; CREATE EXTENSION infraguard;'

CLK_TCK=$(getconf CLK_TCK)
echo "machine: $(hostname), nproc $(nproc), $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "server:  $("$PG_BINDIR/postgres" --version); infraguard $(git -C "$IG_SRC" rev-parse --short HEAD 2>/dev/null || echo '?')"

if [ "$IDLE" = 1 ]; then
	ig_log "opening $CONNS idle connections"
	# psql sessions reading from a FIFO that stays open: connected, idle
	mkfifo "$BENCH_DIR/hold"
	chown postgres "$BENCH_DIR/hold"
	for _ in $(seq "$CONNS"); do
		as_pg "$PG_BINDIR/psql" -X -q -h "$BENCH_DIR" -p "$BENCH_PORT" -d postgres <"$BENCH_DIR/hold" >/dev/null 2>&1 &
		LOAD_PIDS+=($!)
	done
	exec 9>"$BENCH_DIR/hold"
	mode="idle"
else
	ig_log "starting $CONNS active connections (pgbench, SELECT pg_sleep(0.05) in a loop)"
	echo 'SELECT pg_sleep(0.05);' >"$BENCH_DIR/sleep.sql"
	chown postgres "$BENCH_DIR/sleep.sql"
	total=$(( (SECS + 15) * $(wc -w <<<"$HZ_LIST") + 60 ))
	as_pg "$PG_BINDIR/pgbench" -n -h "$BENCH_DIR" -p "$BENCH_PORT" -c "$CONNS" -j 4 -T "$total" \
		-f "$BENCH_DIR/sleep.sql" postgres >"$BENCH_DIR/pgbench.log" 2>&1 &
	LOAD_PIDS+=($!)
	mode="active"
fi
for _ in $(seq 60); do
	n=$(bquery "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")
	[ "$n" -ge "$CONNS" ] && break
	sleep 1
done
echo "connections: $n client backends ($mode)"

sampler=$(bquery "SELECT pid FROM pg_stat_activity WHERE backend_type = 'infraguard wait sampler'")
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$sampler/stat"; }
cpu_ns() { awk '{ print $1 }' "/proc/$sampler/schedstat"; }

printf '\n%-6s %-8s %-12s %-14s %-16s %-10s %-8s\n' hz seconds "rounds/s" "cpu% (stat)" "cpu% (schedstat)" "cpu%/Hz" "us/round"
for hz in $HZ_LIST; do
	bquery "ALTER SYSTEM SET infraguard.wait_sampling_hz = $hz" >/dev/null
	bquery 'SELECT pg_reload_conf()' >/dev/null
	sleep 5
	bquery 'SELECT count(*) FROM infraguard_internal.wait_sampling_drain()' >/dev/null
	t0=$(date +%s.%N); c0=$(cpu_ticks); n0=$(cpu_ns)
	sleep "$SECS"
	t1=$(date +%s.%N); c1=$(cpu_ticks); n1=$(cpu_ns)
	rounds=$(bquery 'SELECT rounds FROM infraguard_internal.wait_sampling_drain() LIMIT 1')
	awk -v hz="$hz" -v t0="$t0" -v t1="$t1" -v c0="$c0" -v c1="$c1" -v n0="$n0" -v n1="$n1" \
		-v tck="$CLK_TCK" -v rounds="$rounds" 'BEGIN {
		el = t1 - t0
		p_stat = 100 * (c1 - c0) / tck / el
		p_ns = 100 * (n1 - n0) / 1e9 / el
		printf "%-6d %-8.1f %-12.1f %-14.3f %-16.3f %-10s %-8s\n", hz, el, rounds / el, p_stat, p_ns,
			(hz > 0 ? sprintf("%.5f", p_ns / hz) : "-"),
			(rounds > 0 ? sprintf("%.1f", (n1 - n0) / 1e3 / rounds) : "-")
	}'
done
bquery 'ALTER SYSTEM RESET infraguard.wait_sampling_hz' >/dev/null
