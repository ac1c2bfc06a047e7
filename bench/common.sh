#!/bin/bash
# bench/common.sh — shared by bench/overhead.sh and bench/callgrind.sh
# (sourced, not run).
#
# Provides:
#   bench_machine_info         the machine/date/version header of a report
#   bench_distinct_sql N K     N structurally distinct statements, one a line
#   bench_distinct_pgbench ... pgbench scripts that run one of them, chosen
#                              at random per transaction
#   bench_private_lib DIR      a private copy of the infraguard.so to measure
#   bench_config_name X        A/B/C/D -> human-readable name
#   bench_config_preload X     A/B/C/D -> shared_preload_libraries value
#
# Why "structurally" distinct: pg_stat_statements keys its entries on the
# query jumble, which ignores constant values, comments and aliases
# (PostgreSQL 15: a Const contributes only its type).  Statements that only
# differ there share one entry.  What makes a new entry is a different tree:
# another target list, another operator (int4 = int4 vs int4 = int8), another
# expression shape, an extra condition or LIMIT present or not.  Tried and
# rejected because they collide: ORDER BY aid (for a column list without aid
# it adds a resjunk aid column, and the jumble ignores resjunk, so "SELECT bid
# ... ORDER BY aid" is "SELECT bid, aid ... ORDER BY aid"), and OFFSET 0 next
# to LIMIT 1 (an absent clause adds nothing to the jumble, so a lone OFFSET
# constant and a lone LIMIT constant of the same type look the same).
# bench_distinct_sql combines five dimensions that do work (checked: 8192
# statements give 8192 pg_stat_statements entries with a large enough
# pg_stat_statements.max):
#
#   64 ordered column lists (4 single columns, 12 pairs, 24 triples, 24
#      orders of all four of aid, bid, abalance, filler)
#   x 2  key type:   aid = K           |  aid = CAST(K AS bigint)
#   x 2  LIMIT:      none              |  LIMIT 1
#   x 2  filter:     none              |  AND bid > 0
#   x 16 shape:      K + 0 + ... + 0   with 0..15 "+ 0" terms
#
# = 8192 statements, each a primary-key lookup on pgbench_accounts (the
# planner folds the "+ 0" terms, so every one is an index scan returning one
# row).  Statement i is the same text in every run and both scripts.

BENCH_DISTINCT_MAX=8192

bench_machine_info() {
	local model mem
	model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
	echo "machine: $(hostname), nproc $(nproc), cpu \"${model:-unknown}\", memory $mem, $(uname -sr)"
	echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min load average at start)"
	echo "server:  $("$PG_BINDIR/postgres" --version)"
	echo "source:  infraguard $(bench_source_version)"
	echo "valgrind: $(valgrind --version 2>/dev/null || echo 'not installed')"
}

# The commit the measured library was built from, and whether the work tree
# had changes to what goes into it (read-only git commands only).
bench_source_version() {
	local commit dirty so
	commit=$(git -C "$IG_SRC" rev-parse --short HEAD 2>/dev/null || echo "unknown commit")
	dirty=$(git -C "$IG_SRC" status --porcelain -- src Makefile infraguard.control 2>/dev/null | wc -l)
	so=${BENCH_LIB:-"$("$PG_CONFIG" --pkglibdir)/infraguard.so"}
	printf '%s%s; measured %s, sha256 %s' "$commit" \
		"$([ "$dirty" -gt 0 ] && echo " + $dirty uncommitted changed files in src/, Makefile")" \
		"$so" "$(sha256sum "$so" 2>/dev/null | cut -c1-12)"
}

# bench_distinct_sql COUNT KEY [PERMUTE]
#   Prints statements 0..COUNT-1, one per line, with KEY as the key
#   expression (a number, or ":aid" for pgbench).  With PERMUTE=1 the
#   statement on line n is number (n * 4097) mod 8192, an odd stride, so any
#   prefix of the output mixes every dimension (used by callgrind.sh, whose
#   N-statement run is a prefix of its 3N-statement run).
bench_distinct_sql() {
	local count=$1 key=$2 permute=${3:-0}
	if [ "$count" -gt "$BENCH_DISTINCT_MAX" ]; then
		echo "bench_distinct_sql: at most $BENCH_DISTINCT_MAX distinct statements" >&2
		return 1
	fi
	awk -v count="$count" -v key="$key" -v permute="$permute" -f /dev/stdin <<'AWK'
function stmt(i,    c, r, k, j, s) {
	c = i % 64; r = int(i / 64)
	k = (r % 2) ? "CAST(" key " AS bigint)" : key
	for (j = 0; j < int(r / 8); j++)
		k = k " + 0"
	s = "SELECT " cols[c] " FROM pgbench_accounts WHERE aid = " k
	if (int(r / 4) % 2)
		s = s " AND bid > 0"
	if (int(r / 2) % 2)
		s = s " LIMIT 1"
	return s ";"
}
BEGIN {
	split("aid bid abalance filler", name, " ")
	n = 0
	for (a = 1; a <= 4; a++) cols[n++] = name[a]
	for (a = 1; a <= 4; a++) for (b = 1; b <= 4; b++) if (b != a)
		cols[n++] = name[a] ", " name[b]
	for (a = 1; a <= 4; a++) for (b = 1; b <= 4; b++) for (c = 1; c <= 4; c++)
		if (b != a && c != a && c != b)
			cols[n++] = name[a] ", " name[b] ", " name[c]
	for (a = 1; a <= 4; a++) for (b = 1; b <= 4; b++) for (c = 1; c <= 4; c++)
		for (d = 1; d <= 4; d++)
			if (b != a && c != a && c != b && d != a && d != b && d != c)
				cols[n++] = name[a] ", " name[b] ", " name[c] ", " name[d]
	for (i = 0; i < count; i++)
		print stmt(permute ? (i * 4097) % 8192 : i)
}
AWK
}

# bench_distinct_pgbench DIR COUNT ACCOUNTS FILES
#   Writes FILES pgbench scripts DIR/w2_NNN.sql (for -M simple) that share
#   out statements 0..COUNT-1: each script picks one of its COUNT/FILES
#   statements at random through a balanced tree of \if.  Run them all with
#   "-f DIR/w2_000.sql@1 -f ..." and pgbench picks a script per transaction,
#   so every transaction runs one of the COUNT statements, uniformly.
#   Why not one script with one big tree: pgbench (15) skips the commands of
#   a false \if branch one by one, so a tree over 8192 statements costs the
#   client a walk over ~16000 commands per transaction and the benchmark
#   measures pgbench (about 6000 tps on this kind of machine).  With 128
#   scripts of 64 (pgbench allows at most 128 scripts) the walk is ~130
#   commands.  pgbench -M simple substitutes :aid into the text, so the
#   server parses a new text every time, and pg_stat_statements sees COUNT
#   different queries.
bench_distinct_pgbench() {
	local dir=$1 count=$2 accounts=$3 files=$4
	if [ $((count % files)) -ne 0 ] || [ "$files" -gt 128 ]; then
		echo "bench_distinct_pgbench: COUNT must be a multiple of FILES, FILES <= 128" >&2
		return 1
	fi
	rm -f "$dir"/w2_*.sql
	bench_distinct_sql "$count" ":aid" | awk -v dir="$dir" -v files="$files" \
		-v count="$count" -v accounts="$accounts" '
		{ s[NR - 1] = $0 }
		function tree(lo, hi, depth, out,    mid, pad) {
			pad = sprintf("%*s", depth * 2, "")
			if (lo == hi) { print pad s[lo] > out; return }
			mid = int((lo + hi) / 2)
			print pad "\\if :q <= " mid > out
			tree(lo, mid, depth + 1, out)
			print pad "\\else" > out
			tree(mid + 1, hi, depth + 1, out)
			print pad "\\endif" > out
		}
		END {
			per = count / files
			for (f = 0; f < files; f++) {
				out = sprintf("%s/w2_%03d.sql", dir, f)
				printf "-- bench/common.sh: statements %d..%d of %d structurally distinct ones\n",
					f * per, (f + 1) * per - 1, count > out
				print "\\set aid random(1, " accounts ")" > out
				print "\\set q random(" f * per ", " (f + 1) * per - 1 ")" > out
				tree(f * per, (f + 1) * per - 1, 0, out)
				close(out)
			}
		}'
}

# bench_private_lib DIR
#   Copies the infraguard.so to measure into DIR and sets BENCH_LIB to it.
#   The servers of the benchmarks load it from there (dynamic_library_path =
#   'DIR:$libdir', with the extension's functions pointed at plain
#   "infraguard" by bench_private_probin_sql), so that another build
#   installing itself into $libdir during a long run (test suites do) cannot
#   change what is measured halfway.  The copy is of this script's build, or
#   with BENCH_SKIP_BUILD=1 of the installed library.
bench_private_lib() {
	local dir=$1 src
	src="$IG_BUILD/infraguard.so"
	[ "${BENCH_SKIP_BUILD:-0}" = 1 ] && src="$("$PG_CONFIG" --pkglibdir)/infraguard.so"
	mkdir -p "$dir"
	cp "$src" "$dir/infraguard.so"
	chown -R postgres:postgres "$dir"
	BENCH_LIB="$dir/infraguard.so"
}

# The SQL that points infraguard's C functions at the library found through
# dynamic_library_path.  Run it after CREATE EXTENSION infraguard, which must
# happen while infraguard is NOT preloaded: CREATE FUNCTION checks each C
# symbol by loading '$libdir/infraguard', and a second copy of the library
# next to a preloaded one would try to define its settings again.
bench_private_probin_sql() {
	echo "UPDATE pg_catalog.pg_proc SET probin = 'infraguard' WHERE probin = '\$libdir/infraguard';"
}

bench_config_name() {
	case $1 in
		A) echo "no preload" ;;
		B) echo "pg_stat_statements" ;;
		C) echo "infraguard" ;;
		D) echo "pg_stat_statements,infraguard" ;;
		*) return 1 ;;
	esac
}

bench_config_preload() {
	case $1 in
		A) echo "" ;;
		B) echo "pg_stat_statements" ;;
		C) echo "infraguard" ;;
		D) echo "pg_stat_statements,infraguard" ;;
		*) return 1 ;;
	esac
}

# median of the numbers given as arguments (mean of the middle two if even)
bench_median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { if (NR == 0) { print "nan"; exit }
		      if (NR % 2) printf "%.6f\n", v[(NR + 1) / 2]
		      else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
