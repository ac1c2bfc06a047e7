#!/bin/bash
# bench/callgrind.sh — infraguard's per-statement cost in CPU instructions,
# free of timing noise.  Run as root on Debian 12:
#
#     sudo bench/callgrind.sh
#
# Method: for each workload and each configuration, run N and then 3N
# statements through a stand-alone backend (postgres --single, as the
# postgres OS user) under valgrind --tool=callgrind, and take the total
# instruction count (Ir) of each run.  Start-up, shutdown and the first
# statement's cache warming are the same in both runs, so
#
#     instructions per statement = (Ir(3N) - Ir(N)) / 2N
#
# Instruction counts do not depend on the load of the machine, so this is
# the number to trust on a busy or shared host (bench/overhead.sh measures
# throughput, which is what users see, but is noisy).
#
# Configurations (shared_preload_libraries):
#   A  none                              (the baseline)
#   B  pg_stat_statements
#   C  infraguard
#   D  pg_stat_statements,infraguard
# Both libraries run with their defaults (infraguard.track_latency and
# track_utility on; pg_stat_statements.max 5000, track top, track_utility
# on), except pg_stat_statements.save = off, so that no run inherits
# another's entries.
#
# Workloads, one statement per line (without -j, a newline ends a statement
# in single-user mode):
#   select1   SELECT 1;
#   pk        SELECT abalance FROM pgbench_accounts WHERE aid = k;  (k varies,
#             one pg_stat_statements entry; a 10000-row table)
#   prepared  the same through PREPARE p ... / EXECUTE p(k);  no parse
#             analysis or planning per statement, as with pgbench -M prepared,
#             so the baseline is smaller and the hooks' share larger
#   distinct  structurally distinct primary-key lookups (bench/common.sh), so
#             every statement is a new pg_stat_statements entry; 3N = 6000
#             passes pg_stat_statements.max = 5000, so the 3N run also pays
#             for evictions, as a busy server with varied SQL does
#   txn       BEGIN; / SELECT ... aid = k; / COMMIT;  (a unit is the three
#             statements; BEGIN and COMMIT go through ProcessUtility)
#   logstmt   SELECT 1; with log_statement = all: one logged message a unit
#             that is no log event (not in the default list: compare its
#             extra with select1's for the log hook's cost per message)
#   tempfile, tempfile_nolog
#             a sort spilling to temporary files, with log_temp_files = 0
#             (each file a logged temp_file event) and -1 (nothing logged):
#             the difference of their extras is the log hook's cost per
#             statement's events (not in the default list either)
# Each run starts from a fresh copy of one template data directory.  Every
# run's output is checked: each SELECT must have printed its row and no
# ERROR may appear.  A separate native (not valgrind) run of every 3N input
# then reads infraguard.latency() (whole statements and executions) and
# pg_stat_statements to show that the libraries really counted the
# statements.
#
# What infraguard runs per statement (0.2): the post_parse_analyze, planner,
# ExecutorStart/Run/Finish/End and ProcessUtility hooks (nesting without
# PG_TRY; execution timed around ExecutorRun/Finish and ProcessUtility), and
# a callback on the transaction's memory context that records the whole
# statement when its transaction ends (a single-statement transaction is
# recorded there once; statements inside a transaction block are recorded at
# their end and corrected at the commit); Parse/Bind hooks read the clock
# only for the extended protocol.
#
# Finally it lists where the extra instructions go: for each function, its
# self cost per statement in configuration C minus the same in A (and D
# minus B), from callgrind_annotate, using the same (3N - N) / 2N difference.
#
# Settings (environment):
#   BENCH_CG_N         N (default 2000; at most 2730 so that 3N distinct
#                      statements exist)
#   BENCH_CG_WORKLOADS default "select1 pk prepared distinct txn"
#   BENCH_CG_CONFIGS   default "A B C D" (A is always run: it is the baseline)
#   BENCH_CG_JOBS      valgrind runs in parallel (default: nproc).  Safe: they
#                      count instructions, not time, and each has its own
#                      data directory.
#   BENCH_CG_DIR       work directory (default /var/tmp/infraguard-bench-callgrind);
#                      wiped and recreated on every run
#   BENCH_SKIP_BUILD=1 use the installed infraguard.so as it is
#   IG_BUILD           build directory (default /var/tmp/ig-bench-build)
#   IG_PG_CONFIG       pg_config of the PostgreSQL 15 to build against, install
#                      into and run (default the system's; a private copy from
#                      tools/private_pg.sh keeps other test runs undisturbed)
#
# Output files stay in $BENCH_CG_DIR/out (callgrind.out.*, annotations,
# server output) for callgrind_annotate or kcachegrind.

set -euo pipefail

IG_SRC=$(cd "$(dirname "$0")/.." && pwd)
IG_BUILD=${IG_BUILD:-/var/tmp/ig-bench-build}
CG_DIR=${BENCH_CG_DIR:-/var/tmp/infraguard-bench-callgrind}
N=${BENCH_CG_N:-2000}
WORKLOADS=${BENCH_CG_WORKLOADS:-"select1 pk prepared distinct txn"}
CONFIGS=${BENCH_CG_CONFIGS:-"A B C D"}
JOBS=${BENCH_CG_JOBS:-$(nproc)}
ACCOUNTS=10000

# shellcheck source=../tools/prepare.sh
. "$IG_SRC/tools/prepare.sh"
# shellcheck source=common.sh
. "$IG_SRC/bench/common.sh"

ig_require_root
case " $CONFIGS " in *" A "*) ;; *) CONFIGS="A $CONFIGS" ;; esac
if ! [[ $N =~ ^[0-9]+$ ]] || [ "$N" -lt 10 ] || [ $((3 * N)) -gt "$BENCH_DISTINCT_MAX" ]; then
	echo "BENCH_CG_N must be between 10 and $((BENCH_DISTINCT_MAX / 3))" >&2
	exit 1
fi

as_pg() { runuser -u postgres -- "$@"; }

ig_install_packages valgrind
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
	ig_build_install
fi
for lib in pg_stat_statements infraguard; do
	[ -f "$("$PG_CONFIG" --pkglibdir)/$lib.so" ] || { echo "$lib.so is not installed" >&2; exit 1; }
done

# Settings common to every stand-alone run.  Small shared_buffers keeps
# valgrind's start-up short (the 10000-row table fits many times over);
# huge_pages off so that every run maps its memory the same way; jit off
# because no statement here costs enough to be compiled.  infraguard.so
# comes from a private copy (bench_private_lib in common.sh).
single_opts=(-c shared_buffers=16MB -c huge_pages=off -c jit=off
	-c pg_stat_statements.save=off -c "dynamic_library_path=$CG_DIR/lib:\$libdir")

# ---------------------------------------------------------------------------
ig_log "preparing $CG_DIR (template data directory, inputs)"
rm -rf "$CG_DIR"
mkdir -p "$CG_DIR/in" "$CG_DIR/out" "$CG_DIR/runs"
bench_private_lib "$CG_DIR/lib"
info=$(bench_machine_info)
chown -R postgres:postgres "$CG_DIR"
as_pg "$PG_BINDIR/initdb" -D "$CG_DIR/template" -A trust -U postgres --no-sync >/dev/null
as_pg "$PG_BINDIR/postgres" --single -D "$CG_DIR/template" "${single_opts[@]}" postgres \
	>"$CG_DIR/out/setup.out" 2>&1 <<SQL
CREATE TABLE pgbench_accounts (aid integer PRIMARY KEY, bid integer NOT NULL, abalance integer NOT NULL, filler character(84));
INSERT INTO pgbench_accounts SELECT i, 1, 0, '' FROM generate_series(1, $ACCOUNTS) i;
VACUUM (FREEZE, ANALYZE) pgbench_accounts;
CREATE EXTENSION pg_stat_statements;
CREATE EXTENSION infraguard;
$(bench_private_probin_sql)
CHECKPOINT;
SQL
if grep -q 'ERROR' "$CG_DIR/out/setup.out"; then
	cat "$CG_DIR/out/setup.out" >&2
	exit 1
fi

# gen_input WORKLOAD COUNT: COUNT units of the workload, one statement a line
gen_input() {
	local w=$1 count=$2
	case $w in
		select1) awk -v n="$count" 'BEGIN { for (i = 0; i < n; i++) print "SELECT 1;" }' ;;
		pk) awk -v n="$count" -v a="$ACCOUNTS" 'BEGIN { for (i = 0; i < n; i++)
				print "SELECT abalance FROM pgbench_accounts WHERE aid = " 1 + (i * 7919) % a ";" }' ;;
		distinct)
			# a different key each line too, like the pgbench workload
			bench_distinct_sql "$count" KEY 1 |
				awk -v a="$ACCOUNTS" '{ sub(/KEY/, 1 + ((NR - 1) * 7919) % a); print }' ;;
		prepared)
			# like pgbench -M prepared: the statement is planned once (a
			# generic plan from the sixth execution on); each unit is an
			# EXECUTE, whose query the executor hooks time
			echo "PREPARE p(integer) AS SELECT abalance FROM pgbench_accounts WHERE aid = \$1;"
			awk -v n="$count" -v a="$ACCOUNTS" 'BEGIN { for (i = 0; i < n; i++)
				print "EXECUTE p(" 1 + (i * 7919) % a ");" }' ;;
		txn) awk -v n="$count" -v a="$ACCOUNTS" 'BEGIN { for (i = 0; i < n; i++) {
				print "BEGIN;"
				print "SELECT abalance FROM pgbench_accounts WHERE aid = " 1 + (i * 7919) % a ";"
				print "COMMIT;" } }' ;;
		logstmt)
			# every statement logged (log_statement = all): one message a
			# unit that is no event, the log hook's cheap path
			echo "SET log_statement = 'all';"
			awk -v n="$count" 'BEGIN { for (i = 0; i < n; i++) print "SELECT 1;" }' ;;
		tempfile | tempfile_nolog)
			# a sort spilling to disk; with log_temp_files = 0 each temp file
			# is a logged event (temp_file), without it nothing is logged
			echo "SET work_mem = '64kB';"
			if [ "$w" = tempfile ]; then echo "SET log_temp_files = 0;"; else echo "SET log_temp_files = -1;"; fi
			awk -v n="$count" 'BEGIN { for (i = 0; i < n; i++)
				print "SELECT count(*) FROM (SELECT g FROM generate_series(1, 5000) g ORDER BY g DESC) s;" }' ;;
		*) echo "unknown workload $w" >&2; return 1 ;;
	esac
}

for w in $WORKLOADS; do
	gen_input "$w" $((3 * N)) >"$CG_DIR/in/$w.3N.sql"
	gen_input "$w" "$N" >"$CG_DIR/in/$w.N.sql"
	# the N input must be the start of the 3N input
	cmp -s "$CG_DIR/in/$w.N.sql" <(head -n "$(wc -l <"$CG_DIR/in/$w.N.sql")" "$CG_DIR/in/$w.3N.sql") ||
		{ echo "internal error: $w.N.sql is not a prefix of $w.3N.sql" >&2; exit 1; }
done
chown -R postgres:postgres "$CG_DIR"

# run_one CONFIG WORKLOAD SIZE(N|3N): one valgrind run; writes out/$tag.ok
run_one() {
	local cfg=$1 w=$2 size=$3
	local tag="$cfg.$w.$size" units
	local data="$CG_DIR/runs/$tag"
	units=$N
	[ "$size" = 3N ] && units=$((3 * N))
	rm -rf "$data"
	cp -a "$CG_DIR/template" "$data"
	as_pg valgrind --tool=callgrind --dump-instr=no --trace-children=no \
		--callgrind-out-file="$CG_DIR/out/callgrind.out.$tag" \
		"$PG_BINDIR/postgres" --single -D "$data" "${single_opts[@]}" \
		-c shared_preload_libraries="$(bench_config_preload "$cfg")" postgres \
		<"$CG_DIR/in/$w.$size.sql" >"$CG_DIR/out/$tag.stdout" 2>"$CG_DIR/out/$tag.stderr" || {
		echo "run $tag failed; see $CG_DIR/out/$tag.stderr" >&2
		return 1
	}
	rm -rf "$data"
	local seps errors
	seps=$(grep -c -- $'^\t----$' "$CG_DIR/out/$tag.stdout" || true)
	errors=$(grep -c -E '(ERROR|FATAL|PANIC): ' "$CG_DIR/out/$tag.stderr" || true)
	# every unit has one SELECT returning one row; single-user mode ends
	# both the column header and each row with a "----" line
	if [ "$seps" -ne $((units * 2)) ] || [ "$errors" -ne 0 ]; then
		echo "run $tag: expected $units result rows and no error, got $((seps / 2)) rows and $errors errors" >&2
		grep -m 5 -E '(ERROR|FATAL|PANIC): ' "$CG_DIR/out/$tag.stderr" >&2 || true
		return 1
	fi
	# the library measured must be our copy
	case $cfg in
		C | D)
			if ! grep -q -E "^c?ob=.*$BENCH_LIB\$" "$CG_DIR/out/callgrind.out.$tag" ||
				grep -E "^c?ob=.*infraguard\.so" "$CG_DIR/out/callgrind.out.$tag" | grep -v -q "$BENCH_LIB"; then
				echo "run $tag: did not run $BENCH_LIB (alone)" >&2
				return 1
			fi ;;
	esac
	awk '/^totals:/ { print $2 }' "$CG_DIR/out/callgrind.out.$tag" >"$CG_DIR/out/$tag.ir"
	touch "$CG_DIR/out/$tag.ok"
}

# Proof that the statements were seen by the libraries: a native run of the
# 3N input with the libraries' own views read at the end.
verify_counts() {
	local cfg=$1 w=$2 data="$CG_DIR/runs/verify.$1.$2" extra=""
	case $cfg in
		B) extra="SELECT 'pgss', (SELECT count(*) FROM pg_stat_statements), (SELECT dealloc FROM pg_stat_statements_info);" ;;
		C) extra="SELECT 'ig', calls, exec_calls FROM infraguard.latency(false);" ;;
		D) extra="SELECT 'pgss', (SELECT count(*) FROM pg_stat_statements), (SELECT dealloc FROM pg_stat_statements_info);
SELECT 'ig', calls, exec_calls FROM infraguard.latency(false);" ;;
		*) return 0 ;;
	esac
	rm -rf "$data"
	cp -a "$CG_DIR/template" "$data"
	{ cat "$CG_DIR/in/$w.3N.sql"; echo "$extra"; } |
		as_pg "$PG_BINDIR/postgres" --single -D "$data" "${single_opts[@]}" \
			-c shared_preload_libraries="$(bench_config_preload "$cfg")" postgres 2>/dev/null |
		awk -v cfg="$cfg" -v w="$w" '
			/= "pgss"/ { what = "pgss"; next }
			/= "ig"/ { what = "ig"; next }
			what == "pgss" && /count = / { split($0, a, "\""); entries = a[2] }
			what == "pgss" && /dealloc = / { split($0, a, "\""); dealloc = a[2]; what = "" }
			what == "ig" && /exec_calls = / { split($0, a, "\""); exec_calls = a[2]; what = ""; next }
			what == "ig" && / calls = / { split($0, a, "\""); calls = a[2] }
			END {
				s = sprintf("  %-9s %s:", w, cfg)
				if (entries != "") s = s sprintf(" pg_stat_statements has %s entries, %s evictions (dealloc);", entries, dealloc)
				if (calls != "") s = s sprintf(" infraguard.latency() counted %s statements (%s executions);", calls, exec_calls)
				print s
			}'
	rm -rf "$data"
}

# ---------------------------------------------------------------------------
ig_log "callgrind runs: N = $N, workloads: $WORKLOADS; configurations: $CONFIGS; $JOBS in parallel"
start=$(date +%s)
for w in $WORKLOADS; do
	for cfg in $CONFIGS; do
		for size in N 3N; do
			while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
				wait -n || true
			done
			run_one "$cfg" "$w" "$size" &
		done
	done
done
wait || true
failed=0
for w in $WORKLOADS; do
	for cfg in $CONFIGS; do
		for size in N 3N; do
			[ -f "$CG_DIR/out/$cfg.$w.$size.ok" ] || { echo "missing result: $cfg.$w.$size" >&2; failed=1; }
		done
	done
done
[ "$failed" -eq 0 ] || exit 1
echo "valgrind runs took $(($(date +%s) - start)) s"

ig_log "checking that the libraries saw the statements (native runs of the 3N inputs)"
for w in $WORKLOADS; do
	for cfg in $CONFIGS; do
		verify_counts "$cfg" "$w"
	done
done
echo "  (txn: a unit is BEGIN + SELECT + COMMIT, so 3 statements a unit; infraguard"
echo "   and pg_stat_statements both count utility statements by default)"

# per_unit CONFIG WORKLOAD -> instructions per unit (float)
per_unit() {
	local a b
	a=$(cat "$CG_DIR/out/$1.$2.N.ir")
	b=$(cat "$CG_DIR/out/$1.$2.3N.ir")
	awk -v a="$a" -v b="$b" -v n="$N" 'BEGIN { printf "%.1f", (b - a) / (2 * n) }'
}

# ---------------------------------------------------------------------------
echo
echo "=== infraguard callgrind benchmark: instructions per statement ==="
echo "$info"
echo "method:  postgres --single under callgrind, N = $N and 3N = $((3 * N)) units;"
echo "         per unit = (Ir(3N) - Ir(N)) / 2N; extra = vs A (no preload)"
echo
printf '%-9s %-2s %-30s %14s %14s %12s %11s %8s\n' \
	workload cf configuration "Ir(N)" "Ir(3N)" "Ir/unit" "extra/unit" "extra%"
for w in $WORKLOADS; do
	base=$(per_unit A "$w")
	for cfg in $CONFIGS; do
		pu=$(per_unit "$cfg" "$w")
		printf '%-9s %-2s %-30s %14s %14s %12s %11s %8s\n' "$w" "$cfg" "$(bench_config_name "$cfg")" \
			"$(cat "$CG_DIR/out/$cfg.$w.N.ir")" "$(cat "$CG_DIR/out/$cfg.$w.3N.ir")" "$pu" \
			"$(awk -v p="$pu" -v b="$base" 'BEGIN { printf "%+.1f", p - b }')" \
			"$(awk -v p="$pu" -v b="$base" 'BEGIN { printf "%+.2f%%", 100 * (p - b) / b }')"
	done
done
echo "(prepared: one unit = EXECUTE p(k); txn: one unit = BEGIN; SELECT; COMMIT;)"

# ---------------------------------------------------------------------------
# Where the instructions go: self cost per function, from callgrind_annotate.
# Inlined code is reported by callgrind under "header.h:function"; we add it
# to its function.  Functions of the stripped postgres binary without a
# dynamic symbol appear as ???:0x<address>.

# fn_costs FILE -> "function<TAB>object<TAB>Ir" lines (self cost)
fn_costs() {
	callgrind_annotate --inclusive=no --threshold=100 --auto=no "$1" 2>/dev/null | awk '
		/^-+$/ { sep++; next }
		sep >= 6 && /^ *[0-9,]+ / {
			line = $0
			sub(/^ */, "", line)
			n = line; sub(/ .*/, "", n); gsub(/,/, "", n)
			sub(/^[0-9,]+ +(\([ 0-9.]+%\) +)?/, "", line)
			if (line ~ /PROGRAM TOTALS/) next
			obj = ""
			if (match(line, / \[[^]]*\]$/)) {
				obj = substr(line, RSTART + 2, RLENGTH - 3); line = substr(line, 1, RSTART - 1)
				sub(/.*\//, "", obj)
			}
			fn = line; sub(/^.*:/, "", fn)
			if (obj != "") objof[fn] = obj
			cost[fn] += n
		}
		END { for (f in cost) printf "%s\t%s\t%d\n", f, objof[f], cost[f] }'
}

# fn_delta X Y WORKLOAD TOP: per-unit self-cost difference of config X over Y
fn_delta() {
	local x=$1 y=$2 w=$3 top=$4 f
	for f in "$x.$w.N" "$x.$w.3N" "$y.$w.N" "$y.$w.3N"; do
		[ -s "$CG_DIR/out/$f.fn" ] || fn_costs "$CG_DIR/out/callgrind.out.$f" >"$CG_DIR/out/$f.fn"
	done
	# weights: +X(3N) -X(N) -Y(3N) +Y(N)
	awk -F'\t' -v n="$N" '
		FNR == 1 { file++; wt = (file == 1 || file == 4) ? 1 : -1 }
		{ d[$1] += wt * $3; if ($2 != "") obj[$1] = $2 }
		END {
			for (f in d) { v = d[f] / (2 * n); if (v >= 0.5 || v <= -0.5) printf "%.1f\t%s\t%s\n", v, f, obj[f] }
		}' "$CG_DIR/out/$x.$w.3N.fn" "$CG_DIR/out/$x.$w.N.fn" "$CG_DIR/out/$y.$w.3N.fn" "$CG_DIR/out/$y.$w.N.fn" |
		sort -t$'\t' -k1,1gr | awk -F'\t' -v top="$top" '
			{ total += $1; rows[NR] = $0 }
			END {
				for (i = 1; i <= NR; i++) {
					if (i > top && i <= NR - 3) { if (i == top + 1) printf "  %10s  ...\n", ""; continue }
					split(rows[i], r, "\t"); printf "  %10.1f  %-40s %s\n", r[1], r[2], r[3]
				}
				printf "  %10.1f  total of the functions listed and elided (|delta| >= 0.5 Ir/unit)\n", total
			}'
}

ig_log "where the extra instructions go (self cost per unit, by function)"
for w in $WORKLOADS; do
	if [[ " $CONFIGS " == *" C "* ]]; then
		echo
		echo "--- $w: C (infraguard) minus A (no preload), Ir per unit ---"
		fn_delta C A "$w" 25
	fi
	if [[ " $CONFIGS " == *" D "* && " $CONFIGS " == *" B "* ]]; then
		echo
		echo "--- $w: D (both) minus B (pg_stat_statements): infraguard on top of pg_stat_statements ---"
		fn_delta D B "$w" 15
	fi
	if [[ " $CONFIGS " == *" B "* ]]; then
		echo
		echo "--- $w: B (pg_stat_statements) minus A (no preload), for comparison ---"
		fn_delta B A "$w" 12
	fi
done
echo
echo "(???:0x... names are static functions of the stripped postgres binary; in Debian's 15.20"
echo " build, 0x00000000005d2c90, called by palloc and palloc0, is AllocSetAlloc)"
echo "callgrind output files: $CG_DIR/out (callgrind_annotate --inclusive=yes $CG_DIR/out/callgrind.out.C.pk.3N)"
