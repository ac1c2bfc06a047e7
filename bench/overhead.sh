#!/bin/bash
# bench/overhead.sh — throughput cost of preloading infraguard, next to
# pg_stat_statements, measured with pgbench.  Run as root on Debian 12:
#
#     sudo bench/overhead.sh
#
# It installs what is missing (tools/prepare.sh), builds and installs
# infraguard, and starts ONE throwaway PostgreSQL 15 cluster of its own in
# $BENCH_DIR (default /var/tmp/infraguard-bench), listening only on a Unix
# socket in that directory, port $BENCH_PORT (default 55432).  No other
# cluster is touched; the cluster is stopped at the end, on error and on
# Ctrl-C, and is rebuilt from scratch on every run.
#
# Configurations (shared_preload_libraries, set by rewriting the include file
# preload.conf and restarting the server):
#   A  none                                  (the baseline)
#   B  pg_stat_statements
#   C  infraguard
#   D  pg_stat_statements,infraguard
# Rounds are interleaved (round 1: A B C D, round 2: A B C D, ...), so a slow
# drift of the machine (other work, thermal, page cache) touches every
# configuration alike; the report uses medians.
#
# Workloads, each $BENCH_SECONDS seconds with $BENCH_CLIENTS clients and as
# many pgbench threads, on a "pgbench -i -s $BENCH_SCALE" database:
#   W1  pgbench -S -M prepared: one primary-key SELECT per transaction, the
#       classic cheapest statement, where per-statement overhead shows most
#   W2  many distinct query texts, -M simple: every transaction runs one of
#       8192 structurally distinct primary-key SELECTs, chosen at random
#       (bench/common.sh: 128 scripts of 64 statements), so pg_stat_statements holds far more queries than
#       its default pg_stat_statements.max = 5000 and keeps evicting, as on a
#       server with varied SQL.  The run prints the entry count and the
#       evictions (pg_stat_statements_info.dealloc) to prove it.
#
# Server settings, fixed for every configuration (see write_conf below):
# shared_buffers 256MB (the scale-10 database, about 160 MB, fits), fsync on
# (the default; nothing here writes, so it costs nothing either way),
# synchronous_commit off (likewise only for realism: the workloads are
# read-only), autovacuum off (the data never changes after loading and
# VACUUM; an autovacuum that happens to start during one configuration's
# run would be noise), jit off (no statement here is costly enough to be
# compiled), checkpoints far apart.  Both libraries run with their defaults
# (pg_stat_statements.max 5000, track top, track_utility on;
# infraguard.track_latency and track_utility on), except that
# infraguard.database names the benchmark database, so that infraguard's
# background worker finds its extension and works as in production.
#
# Environment:
#   BENCH_ROUNDS    rounds (default 5)
#   BENCH_SECONDS   seconds per pgbench run (default 20)
#   BENCH_SCALE     pgbench scale (default 10)
#   BENCH_CLIENTS   clients, and pgbench threads (default 2)
#   BENCH_CONFIGS   default "A B C D" (A is always run: it is the baseline)
#   BENCH_WORKLOADS default "W1 W2"
#   BENCH_DIR, BENCH_PORT
#   BENCH_SKIP_BUILD=1  use the installed infraguard.so as it is
#   IG_BUILD        build directory (default /var/tmp/ig-bench-build)
# Defaults take about 15 minutes: 5 rounds x 4 configurations x 2 workloads x
# 20 s, plus restarts.  The raw numbers stay in $BENCH_DIR/results.txt and
# every pgbench output in $BENCH_DIR/log/.
#
# pgbench numbers on a shared 2-core machine move by several percent from
# run to run; bench/callgrind.sh gives the noise-free per-statement cost.

set -euo pipefail

IG_SRC=$(cd "$(dirname "$0")/.." && pwd)
IG_BUILD=${IG_BUILD:-/var/tmp/ig-bench-build}
BENCH_DIR=${BENCH_DIR:-/var/tmp/infraguard-bench}
BENCH_PORT=${BENCH_PORT:-55432}
ROUNDS=${BENCH_ROUNDS:-5}
SECS=${BENCH_SECONDS:-20}
SCALE=${BENCH_SCALE:-10}
CLIENTS=${BENCH_CLIENTS:-2}
CONFIGS=${BENCH_CONFIGS:-"A B C D"}
WORKLOADS=${BENCH_WORKLOADS:-"W1 W2"}
DB=bench
DISTINCT=8192

# shellcheck source=../tools/prepare.sh
. "$IG_SRC/tools/prepare.sh"
# shellcheck source=common.sh
. "$IG_SRC/bench/common.sh"

ig_require_root
case " $CONFIGS " in *" A "*) ;; *) CONFIGS="A $CONFIGS" ;; esac
for v in ROUNDS SECS SCALE CLIENTS; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "$v must be a positive integer" >&2; exit 1; }
done

as_pg() { runuser -u postgres -- "$@"; }
pgctl() { as_pg "$PG_BINDIR/pg_ctl" -D "$BENCH_DIR/data" "$@"; }
bpsql() { as_pg "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$BENCH_DIR" -p "$BENCH_PORT" "$@"; }
bquery() { bpsql -At -d "$DB" -c "$1"; }

stop_server() {
	if [ -f "$BENCH_DIR/data/postmaster.pid" ]; then
		pgctl -m fast -w stop >/dev/null 2>&1 || true
	fi
}
trap stop_server EXIT
trap 'exit 130' INT TERM

# shellcheck disable=SC2119
ig_install_packages
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
	ig_build_install
fi

# ---------------------------------------------------------------------------
ig_log "creating the benchmark cluster in $BENCH_DIR (port $BENCH_PORT, Unix socket only)"
stop_server
rm -rf "$BENCH_DIR"
mkdir -p "$BENCH_DIR/log" "$BENCH_DIR/w2"
bench_private_lib "$BENCH_DIR/lib"
chown -R postgres:postgres "$BENCH_DIR"
as_pg "$PG_BINDIR/initdb" -D "$BENCH_DIR/data" -A peer -U postgres >/dev/null

write_conf() {
	cat >>"$BENCH_DIR/data/postgresql.conf" <<CONF

# ---- bench/overhead.sh ----
listen_addresses = ''
port = $BENCH_PORT
unix_socket_directories = '$BENCH_DIR'
max_connections = 20
shared_buffers = 256MB
fsync = on
synchronous_commit = off
autovacuum = off
jit = off
# infraguard.so is loaded from a private copy (bench_private_lib in common.sh)
dynamic_library_path = '$BENCH_DIR/lib:\$libdir'
max_wal_size = 4GB
checkpoint_timeout = 1h
# the configuration under test: rewritten before every restart
include = 'preload.conf'
CONF
}
write_conf

# set_config X: rewrite preload.conf for configuration X
set_config() {
	local preload
	preload=$(bench_config_preload "$1")
	{
		echo "# written by bench/overhead.sh: configuration $1 ($(bench_config_name "$1"))"
		echo "shared_preload_libraries = '$preload'"
		case $preload in
			*infraguard*) echo "infraguard.database = '$DB'" ;;
		esac
	} >"$BENCH_DIR/data/preload.conf"
	chown postgres:postgres "$BENCH_DIR/data/preload.conf"
}

# start_config X: (re)start the server with configuration X and check that
# exactly the libraries of X are loaded, infraguard from our private copy
start_config() {
	local want have
	stop_server
	set_config "$1"
	pgctl -l "$BENCH_DIR/log/server.log" -w start >/dev/null
	want=$(bench_config_preload "$1")
	have=$(bpsql -At -d postgres -c "SHOW shared_preload_libraries")
	if [ "$have" != "$want" ]; then
		echo "configuration $1: server has shared_preload_libraries = '$have', expected '$want'" >&2
		exit 1
	fi
	# the postmaster must have mapped our copy of infraguard.so, and no other
	case $want in
		*infraguard*)
			local maps
			maps=$(grep -o '/[^ ]*infraguard[^ ]*\.so' "/proc/$(head -n 1 "$BENCH_DIR/data/postmaster.pid")/maps" | sort -u)
			if [ "$maps" != "$BENCH_LIB" ]; then
				echo "configuration $1: the postmaster loaded '$maps', expected $BENCH_LIB" >&2
				exit 1
			fi ;;
	esac
}

prewarm() {
	bquery "SELECT sum(pg_prewarm(c)) FROM unnest(ARRAY['pgbench_accounts', 'pgbench_accounts_pkey',
		'pgbench_branches', 'pgbench_branches_pkey', 'pgbench_tellers', 'pgbench_tellers_pkey']::regclass[]) c" >/dev/null
}

ig_log "loading pgbench scale $SCALE"
# without infraguard preloaded: see bench_private_probin_sql
start_config A
bpsql -d postgres -c "CREATE DATABASE $DB"
as_pg "$PG_BINDIR/pgbench" -h "$BENCH_DIR" -p "$BENCH_PORT" -i -s "$SCALE" -q "$DB" >"$BENCH_DIR/log/init.log" 2>&1 ||
	{ cat "$BENCH_DIR/log/init.log" >&2; exit 1; }
bpsql -d "$DB" <<'SQL'
VACUUM (FREEZE, ANALYZE);
CREATE EXTENSION pg_stat_statements;
CREATE EXTENSION pg_prewarm;
CREATE EXTENSION infraguard;
SQL
bpsql -d "$DB" -c "$(bench_private_probin_sql)" -c "CHECKPOINT"

accounts=$((100000 * SCALE))
bench_distinct_pgbench "$BENCH_DIR/w2" "$DISTINCT" "$accounts" 128
chown -R postgres:postgres "$BENCH_DIR/w2"
w2_args=()
for f in "$BENCH_DIR"/w2/w2_*.sql; do
	w2_args+=(-f "$f@1")
done

# run_workload W -> prints tps; pgbench's output goes to the log directory
run_workload() {
	local w=$1 logf=$2 args
	case $w in
		W1) args=(-S -M prepared) ;;
		W2) args=(-M simple "${w2_args[@]}") ;;
		*) echo "unknown workload $w" >&2; return 1 ;;
	esac
	as_pg "$PG_BINDIR/pgbench" -h "$BENCH_DIR" -p "$BENCH_PORT" -n "${args[@]}" \
		-c "$CLIENTS" -j "$CLIENTS" -T "$SECS" "$DB" >"$logf" 2>&1 ||
		{ echo "pgbench failed:" >&2; tail -n 20 "$logf" >&2; return 1; }
	if ! grep -q '^number of failed transactions: 0 ' "$logf" && grep -q '^number of failed transactions' "$logf"; then
		echo "pgbench reported failed transactions:" >&2
		tail -n 20 "$logf" >&2
		return 1
	fi
	awk '/^tps = / { print $3 }' "$logf"
}

# CPU time (ms) the infraguard background worker has used since it started,
# as "pid ms"; nothing when it is not running
worker_cpu() {
	local pid
	pid=$(bquery "SELECT pid FROM pg_stat_activity WHERE backend_type = 'infraguard worker' LIMIT 1")
	[ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 0
	awk -v pid="$pid" -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%s %d\n", pid, ($12 + $13) * 1000 / hz }' "/proc/$pid/stat"
}
ig_calls() { bquery "SELECT coalesce((SELECT calls FROM infraguard.latency(false)), 0)"; }
pgss_state() { bquery "SELECT (SELECT count(*) FROM pg_stat_statements) || ' ' || (SELECT dealloc FROM pg_stat_statements_info)"; }

# Server CPU time: the postmaster's cutime and cstime grow by the CPU time
# of each child it reaps, so across a pgbench run they grow by what the
# run's backends used.  CPU time per transaction is much less disturbed by
# other work on the machine than tps is (it does not count the time a
# backend waits for a CPU).  User time is what the hooks add to; system time
# (socket I/O, sleeping and waking: about half of a W1 transaction here)
# swings by several percent with the timing of client and server, so it is
# reported apart.
postmaster_pid() { head -n 1 "$BENCH_DIR/data/postmaster.pid"; }
children_cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $14, $15 }' "/proc/$(postmaster_pid)/stat"; }
# wait (at most 10 s) until the backends of the benchmark database are gone
wait_backends_gone() {
	local _
	for _ in $(seq 1 100); do
		pgrep -P "$(postmaster_pid)" -f "^postgres: postgres $DB " >/dev/null || return 0
		sleep 0.1
	done
	echo "warning: backends of $DB still running after 10 s" >&2
}
clk_tck=$(getconf CLK_TCK)

results="$BENCH_DIR/results.txt"
echo "# round config workload tps backend_user_cpu_us_per_tx backend_system_cpu_us_per_tx" >"$results"
info=$(bench_machine_info)
nconf=$(wc -w <<<"$CONFIGS")
nwork=$(wc -w <<<"$WORKLOADS")
ig_log "measuring: $ROUNDS rounds x configurations ($CONFIGS) x workloads ($WORKLOADS) x $SECS s, about $((ROUNDS * nconf * (nwork * SECS + 4) / 60 + 1)) min"
for r in $(seq 1 "$ROUNDS"); do
	for cfg in $CONFIGS; do
		start_config "$cfg"
		prewarm
		for w in $WORKLOADS; do
			note=""
			case $cfg in C | D) ig_before=$(ig_calls); wk_before=$(worker_cpu) ;; esac
			case $cfg in B | D) read -r _ dealloc_before < <(pgss_state) ;; esac
			wait_backends_gone
			read -r utick_before stick_before < <(children_cpu_ticks)
			tps=$(run_workload "$w" "$BENCH_DIR/log/r$r-$cfg-$w.log")
			wait_backends_gone
			read -r utick_after stick_after < <(children_cpu_ticks)
			xacts=$(awk '/^number of transactions actually processed:/ { print $6 }' "$BENCH_DIR/log/r$r-$cfg-$w.log")
			user_us=$(awk -v t=$((utick_after - utick_before)) -v hz="$clk_tck" -v x="$xacts" 'BEGIN { printf "%.3f", t / hz * 1e6 / x }')
			sys_us=$(awk -v t=$((stick_after - stick_before)) -v hz="$clk_tck" -v x="$xacts" 'BEGIN { printf "%.3f", t / hz * 1e6 / x }')
			case $cfg in C | D)
				note+="  infraguard counted $(( $(ig_calls) - ig_before )) statements for $xacts transactions;"
				wk_after=$(worker_cpu)
				if [ -n "$wk_before" ] && [ "${wk_after% *}" = "${wk_before% *}" ]; then
					note+=" its worker used $(( ${wk_after#* } - ${wk_before#* } )) ms CPU;"
				fi ;;
			esac
			case $cfg in B | D)
				read -r entries dealloc_after < <(pgss_state)
				note+="  pg_stat_statements: $entries entries, $((dealloc_after - dealloc_before)) evictions during the run;" ;;
			esac
			echo "$r $cfg $w $tps $user_us $sys_us" >>"$results"
			printf '  round %d  %s %-30s %s  tps %9.1f  backend CPU us/tx: user %6.3f sys %6.3f;%s\n' "$r" "$cfg" \
				"$(bench_config_name "$cfg")" "$w" "$tps" "$user_us" "$sys_us" "$note"
		done
	done
done
stop_server

# ---------------------------------------------------------------------------
# col_of COL CONFIG WORKLOAD: that column of every round; round_col COL R C W
col_of() { awk -v k="$1" -v c="$2" -v w="$3" '$2 == c && $3 == w { print $k }' "$results"; }
round_col() { awk -v k="$1" -v r="$2" -v c="$3" -v w="$4" '$1 == r && $2 == c && $3 == w { print $k }' "$results"; }

declare -A ratio
# report_table COL LABEL FORMAT: medians, ratio to A, paired ratio, rounds
report_table() {
	local col=$1 label=$2 fmt=$3 w cfg base med paired r pairs
	printf '%-3s %-2s %-30s %12s %8s %8s   %s\n' wl cf configuration "median" "vs A" "paired" "$label of each round"
	for w in $WORKLOADS; do
		# shellcheck disable=SC2046
		base=$(bench_median $(col_of "$col" A "$w"))
		for cfg in $CONFIGS; do
			# shellcheck disable=SC2046
			med=$(bench_median $(col_of "$col" "$cfg" "$w"))
			# per-round ratio to that round's A: the pairing removes slow drift
			pairs=()
			for r in $(seq 1 "$ROUNDS"); do
				pairs+=("$(awk -v x="$(round_col "$col" "$r" "$cfg" "$w")" -v a="$(round_col "$col" "$r" A "$w")" \
					'BEGIN { printf "%.6f", x / a }')")
			done
			paired=$(printf '%.4f' "$(bench_median "${pairs[@]}")")
			ratio[$col.$cfg.$w]=$(awk -v m="$med" -v b="$base" 'BEGIN { printf "%.4f", m / b }')
			ratio[$col.$cfg.$w.paired]=$paired
			printf "%-3s %-2s %-30s $fmt %8.4f %8.4f   %s\n" "$w" "$cfg" "$(bench_config_name "$cfg")" "$med" \
				"${ratio[$col.$cfg.$w]}" "$paired" "$(col_of "$col" "$cfg" "$w" | awk -v f="$fmt" '{ printf f " ", $1 }' | tr -s ' ')"
		done
	done
}

echo
echo "=== infraguard overhead benchmark: pgbench ==="
echo "$info"
echo "end:     $(date -u '+%Y-%m-%d %H:%M:%S UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "setup:   scale $SCALE, $CLIENTS clients / $CLIENTS threads, $SECS s per run, $ROUNDS interleaved rounds;"
echo "         W1 = pgbench -S -M prepared; W2 = $DISTINCT distinct statements, -M simple"
echo "         (pg_stat_statements.max = 5000: W2 keeps evicting)"
echo
echo "throughput (tps; higher is better)"
report_table 4 tps '%12.1f'
echo
echo "backend user CPU time per transaction (us; lower is better): what the hooks add to"
report_table 5 "us/tx" '%12.3f'
echo
echo "backend system CPU time per transaction (us; lower is better): kernel socket and scheduling work"
report_table 6 "us/tx" '%12.3f'
echo "(vs A = median / median of A; paired = median over rounds of the value / that round's A value)"

if [[ " $CONFIGS " == *" C "* ]]; then
	echo
	echo "requirement: infraguard alone >= 0.99 of no-preload tps, and cheaper than pg_stat_statements"
	for w in $WORKLOADS; do
		c=${ratio[4.C.$w]} cp=${ratio[4.C.$w.paired]}
		verdict=$(awk -v c="$c" -v p="$cp" 'BEGIN { print (c >= 0.99 && p >= 0.99) ? "met" : "NOT met" }')
		line="  $w tps: C/A = $c (paired $cp): $verdict"
		if [[ " $CONFIGS " == *" B "* ]]; then
			b=${ratio[4.B.$w]}
			line+="; B/A = $b: infraguard $(awk -v c="$c" -v b="$b" 'BEGIN { print (c > b) ? "cheaper than" : "NOT cheaper than" }') pg_stat_statements"
		fi
		echo "$line"
		c=${ratio[5.C.$w]} cp=${ratio[5.C.$w.paired]}
		line="  $w user CPU/tx: C/A = $c (paired $cp): infraguard $(awk -v c="$c" 'BEGIN { printf "%+.1f%%", 100 * (c - 1) }')"
		if [[ " $CONFIGS " == *" B "* ]]; then
			b=${ratio[5.B.$w]}
			line+=", pg_stat_statements $(awk -v b="$b" 'BEGIN { printf "%+.1f%%", 100 * (b - 1) }')"
		fi
		echo "$line"
	done
	echo "  (differences within the spread of a row's rounds are not significant; bench/callgrind.sh"
	echo "   gives the noise-free cost per statement)"
fi
echo
echo "raw results: $results; pgbench logs: $BENCH_DIR/log/"
