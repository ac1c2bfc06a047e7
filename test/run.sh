#!/bin/bash
# test/run.sh — the README's test command.  Run as root on Debian 12:
#
#     sudo test/run.sh
#
# Installs what it needs, builds, runs the Check unit tests, then as the
# postgres OS user runs pg_regress (make installcheck, which starts its own
# temporary PostgreSQL 15 instance with pg_stat_statements and infraguard
# preloaded) and the TAP suites (each starts its own clusters).  Every server
# it starts lives under the build directory on a port and socket of its own,
# and is stopped again; no other cluster on the machine is touched.
#
# Ends with "N passed, N failed" and exits non-zero when anything failed or a
# suite ran no test at all.

set -uo pipefail

IG_SRC=$(cd "$(dirname "$0")/.." && pwd)
IG_BUILD=${IG_BUILD:-/var/tmp/infraguard-test}
# shellcheck source=../tools/prepare.sh
. "$IG_SRC/tools/prepare.sh"
set +e

ig_require_root
# Node.js and npm for the dashboard's schema check (step 4), which runs with
# PostgreSQL 15 only; installed from Debian when the machine has none
schema_pkgs=()
if [ "$PG_MAJOR" = 15 ] && ! { command -v node && command -v npm; } >/dev/null; then
	schema_pkgs=(nodejs npm)
fi
ig_install_packages "${schema_pkgs[@]}" || { echo "0 passed, 1 failed"; exit 1; }
ig_build_install || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
problems=()
as_pg() { runuser -u postgres -- "$@"; }

# 1. Check unit tests of the pure C core
ig_log "unit tests (Check)"
as_pg make -C "$IG_BUILD" -s unitcheck 2>&1 | tee "$IG_BUILD/unitcheck.log"
unit_rc=${PIPESTATUS[0]}
read -r u_total u_bad < <(awk '/Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+/ {
		gsub(/,/, ""); for (i = 1; i <= NF; i++) {
			if ($i == "Checks:") t += $(i+1); if ($i == "Failures:" || $i == "Errors:") b += $(i+1) } }
	END { print t + 0, b + 0 }' "$IG_BUILD/unitcheck.log")
passed=$((passed + u_total - u_bad)); failed=$((failed + u_bad))
[ "$u_total" -gt 0 ] || problems+=("the Check suites ran no test")
[ "$unit_rc" -eq 0 ] || [ "$u_bad" -gt 0 ] || { failed=$((failed + 1)); problems+=("a Check suite did not finish"); }

# 2. pg_regress (and isolation specs, if any) on a temporary instance
ig_log "regression tests (pg_regress)"
as_pg make -C "$IG_BUILD" -s PG_CONFIG="$PG_CONFIG" installcheck TAP_TESTS= 2>&1 | tee "$IG_BUILD/regress.log"
regress_rc=${PIPESTATUS[0]}
# pg_regress reports "test name ... ok" up to 15 and TAP-like
# "ok 1  - name  12 ms" / "not ok 1  - name" from 16 on.
r_ok=$(grep -cE '^(ok|test|     ).* \.\.\. ok|^ok [0-9]+ +[-+] ' "$IG_BUILD/regress.log")
r_bad=$(grep -cE '\.\.\. (FAILED|failed)|^not ok [0-9]+ +[-+] ' "$IG_BUILD/regress.log")
passed=$((passed + r_ok)); failed=$((failed + r_bad))
[ $((r_ok + r_bad)) -gt 0 ] || problems+=("pg_regress ran no test")
if [ "$regress_rc" -ne 0 ]; then
	[ "$r_bad" -gt 0 ] || { failed=$((failed + 1)); problems+=("pg_regress did not finish"); }
	for f in "$IG_BUILD"/regression.diffs "$IG_BUILD"/output_iso/regression.diffs; do
		[ -f "$f" ] && { echo "---- $f"; cat "$f"; }
	done
	for f in "$IG_BUILD"/tmp_regress/log/*.log; do
		[ -f "$f" ] && { echo "---- $f (tail)"; tail -n 50 "$f"; }
	done
fi

# 3. TAP suites (PostgreSQL::Test::Cluster); PGXS prints a notice and
# succeeds when TAP is not enabled, so a run without prove's summary fails.
ig_log "TAP tests (prove)"
# A small file system to fill, for 013_alert_model.pl's full tablespace: an
# 8 MB tmpfs owned by postgres (mounting needs root, which this script has;
# without it that test skips the one assertion and says why).
small_fs="$IG_BUILD-smallfs"
umount "$small_fs" 2>/dev/null
mkdir -p "$small_fs"
if mount -t tmpfs -o "size=8m,mode=0700,uid=$(id -u postgres),gid=$(id -g postgres)" ig-smallfs "$small_fs"; then
	export IG_TEST_SMALL_FS=$small_fs
else
	echo "note: no tmpfs could be mounted at $small_fs; the full-tablespace test will be skipped"
fi
as_pg make -C "$IG_BUILD" -s PG_CONFIG="$PG_CONFIG" installcheck REGRESS= ISOLATION= \
	PROVE_FLAGS='--timer' 2>&1 | tee "$IG_BUILD/tap.log"
tap_rc=${PIPESTATUS[0]}
umount "$small_fs" 2>/dev/null && rmdir "$small_fs"
unset IG_TEST_SMALL_FS
t_total=$(sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p' "$IG_BUILD/tap.log" | tail -n 1)
t_total=${t_total:-0}
t_bad=$(grep -oE 'Failed [0-9]+/[0-9]+ subtests' "$IG_BUILD/tap.log" | awk '{ split($2, a, "/"); s += a[1] } END { print s + 0 }')
passed=$((passed + t_total - t_bad)); failed=$((failed + t_bad))
[ "$t_total" -gt 0 ] || problems+=("the TAP suites ran no test")
if [ "$tap_rc" -ne 0 ] || ! grep -q '^Result: PASS' "$IG_BUILD/tap.log"; then
	[ "$t_bad" -gt 0 ] || { failed=$((failed + 1)); problems+=("a TAP script died or prove did not pass"); }
	for f in "$IG_BUILD"/tmp_check/log/*; do
		[ -f "$f" ] && { echo "---- $f (tail)"; tail -n 60 "$f"; }
	done
fi

# 4. the Grafana dashboard against Grafana's own schema (@grafana/schema and
# tsc, pinned in grafana/schema-check/): it does not depend on the PostgreSQL
# version, so it runs once, with 15 (test/matrix.sh runs 17 and 18 without
# it).  Two checks: the dashboard is valid, and a copy with one wrong enum
# value is not (the check can fail).
s_ok=0; s_bad=0
if [ "$PG_MAJOR" = 15 ]; then
	ig_log "Grafana dashboard schema (@grafana/schema, tsc)"
	schema_check=$IG_SRC/grafana/schema-check/check.sh
	if "$schema_check" "$IG_SRC/grafana/infraguard-dashboard.json"; then
		s_ok=$((s_ok + 1))
	else
		s_bad=$((s_bad + 1)); problems+=("the dashboard does not type-check against @grafana/schema")
	fi
	bad_copy=$IG_BUILD-schema-negative.json
	node -e 'const fs = require("fs"); const d = JSON.parse(fs.readFileSync(process.argv[1]));
		d.panels.find(p => p.type === "timeseries").fieldConfig.defaults.custom.drawStyle = "lines";
		fs.writeFileSync(process.argv[2], JSON.stringify(d));' \
		"$IG_SRC/grafana/infraguard-dashboard.json" "$bad_copy"
	if "$schema_check" "$bad_copy" >/dev/null 2>&1; then
		s_bad=$((s_bad + 1)); problems+=("the schema check accepted drawStyle \"lines\" (not a Grafana value)")
	else
		s_ok=$((s_ok + 1)); echo "negative control: drawStyle \"lines\" is rejected"
	fi
	rm -f "$bad_copy"
fi
passed=$((passed + s_ok)); failed=$((failed + s_bad))

# 5. packaging: META.json agrees with the control file, and the release
# tarball (make dist) builds and passes the unit and regression suites when
# unpacked elsewhere.  Needs a git checkout; from a tarball it is skipped.
ig_log "release tarball (make dist)"
d_ok=0; d_bad=0
control_version=$(sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" "$IG_SRC/infraguard.control")
meta_version=$(perl -MJSON::PP -e 'local $/; my $m = decode_json(<STDIN>); print $m->{version}, " ", $m->{provides}{infraguard}{version}' < "$IG_SRC/META.json" 2>/dev/null)
case "$meta_version" in
	"$control_version".*" $control_version".*|"$control_version $control_version") d_ok=$((d_ok + 1)); echo "META.json: version $meta_version matches $control_version";;
	*) d_bad=$((d_bad + 1)); problems+=("META.json version ($meta_version) does not match infraguard.control ($control_version)");;
esac
if git -C "$IG_SRC" rev-parse --git-dir >/dev/null 2>&1; then
	dist_dir=$IG_BUILD-dist
	rm -rf "$dist_dir"; mkdir -p "$dist_dir"
	if make -C "$IG_SRC" -s dist PG_CONFIG="$PG_CONFIG" DISTDIR="$dist_dir" >/dev/null &&
		tar -xzf "$dist_dir"/infraguard-*.tar.gz -C "$dist_dir" &&
		chown -R postgres:postgres "$dist_dir" &&
		unpacked=$(ls -d "$dist_dir"/infraguard-*/) &&
		as_pg make -C "$unpacked" -s PG_CONFIG="$PG_CONFIG" COPT='-Wall -Werror' >/dev/null &&
		make -C "$unpacked" -s PG_CONFIG="$PG_CONFIG" install >/dev/null &&
		as_pg make -C "$unpacked" -s unitcheck >"$dist_dir/unit.log" 2>&1 &&
		as_pg make -C "$unpacked" -s PG_CONFIG="$PG_CONFIG" installcheck TAP_TESTS= >"$dist_dir/regress.log" 2>&1; then
		d_ok=$((d_ok + 1)); echo "the tarball builds and passes its unit and regression suites"
	else
		d_bad=$((d_bad + 1)); problems+=("the release tarball does not build or pass (see $dist_dir)")
		tail -n 30 "$dist_dir"/*.log 2>/dev/null
	fi
else
	echo "not a git checkout: make dist skipped"
fi
passed=$((passed + d_ok)); failed=$((failed + d_bad))

echo
echo "unit: $u_total checks, $u_bad failed; regression: $r_ok ok, $r_bad failed; TAP: $t_total tests, $t_bad failed; dashboard schema: $s_ok ok, $s_bad failed; packaging: $d_ok ok, $d_bad failed"
for p in "${problems[@]}"; do echo "problem: $p"; done
if [ ${#problems[@]} -gt 0 ] && [ "$failed" -eq 0 ]; then
	failed=${#problems[@]}
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
