#!/bin/bash
# test/matrix.sh — the whole suite on every PostgreSQL major we support.
#
#     sudo test/matrix.sh [VERSION...]        (default: 15 17 18)
#
# Run as root on Debian 12.  For 15 it runs test/run.sh on this machine.  For
# the other majors it runs the same test/run.sh, with IG_PG_MAJOR=N, inside a
# Debian root made with debootstrap from the mirror this machine's apt sources
# name:
#
#     17  Debian 13 "trixie"   (stable)
#     18  Debian "forky"       (testing; Debian 12's debootstrap has no forky
#                              script, so it is given the sid one)
#
# (No Debian release carries PostgreSQL 16, so 16 is not tested.)
#
# The roots are kept in $IG_MATRIX_CACHE (/var/cache/infraguard-matrix) and
# reused by later runs; a root is only used when its build finished (a marker
# file naming the packages it holds).  IG_MATRIX_REFRESH=1 rebuilds them (to
# pick up newer minor releases).  Logs: $IG_MATRIX_LOGS
# (/var/tmp/infraguard-matrix-logs).  Inside a root the source tree is
# bind-mounted read-only at the same path (and its git directory, so that the
# tarball test's `git archive` works); proc, sys, dev and a fresh /tmp are
# mounted for the run and unmounted on exit, whatever happens.
#
# Prints "N passed, N failed" for each major, then the total alone on the last
# line, and exits non-zero when anything failed.

set -uo pipefail

IG_SRC=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${IG_MATRIX_CACHE:-/var/cache/infraguard-matrix}
LOGDIR=${IG_MATRIX_LOGS:-/var/tmp/infraguard-matrix-logs}
if [ $# -gt 0 ]; then versions=("$@"); else versions=(15 17 18); fi

# Packages every root holds: the server and its headers (PGXS, pg_regress,
# the TAP modules), what test/run.sh and tools/prepare.sh need, and git for
# the tarball test.  prometheus-postgres-exporter and chromium serve TAP tests
# 008 and 009.
root_packages() {
	echo "postgresql-$1 postgresql-server-dev-$1 check pkg-config libipc-run-perl make gcc" \
		"git ca-certificates procps prometheus-postgres-exporter chromium"
}

if [ "$(id -u)" -ne 0 ]; then
	echo "run this as root: it builds chroots and installs packages" >&2
	exit 1
fi

log() { printf '\n==> [matrix] %s\n' "$*"; }

# The Debian mirror this machine already uses (one-line or deb822 sources),
# else Debian's own.
debian_mirror() {
	local m
	m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk '
			/^[[:space:]]*#/ { next }
			/^deb[[:space:]]/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } ; next }
			/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' |
		grep -E '/debian/?$' | grep -v -- '-security' | head -n 1)
	echo "${m:-http://deb.debian.org/debian}"
}

codename_of() {
	case "$1" in
		17) echo trixie ;;
		18) echo forky ;;
		*) return 1 ;;
	esac
}

# Mounts made by this run, undone in reverse order on exit.
MOUNTS=()
unmount_all() {
	local i
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		umount -l "${MOUNTS[$i]}" 2>/dev/null
	done
	MOUNTS=()
}
trap unmount_all EXIT
trap 'unmount_all; exit 130' INT TERM

mnt() {	# mnt TARGET mount-args...
	local target=$1; shift
	mkdir -p "$target"
	mount "$@" "$target" && MOUNTS+=("$target")
}

# Any mount left below DIR by a run that was killed hard (SIGKILL skips the
# trap): unmount it before we touch DIR.
unmount_below() {
	local dir m
	dir=$(readlink -f "$1")
	awk '{ print $5 }' /proc/self/mountinfo | grep -E "^$dir(/|$)" | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
}

# safe_rm DIR: remove a root, never through a mount (a bound /dev or source)
safe_rm() {
	local dir
	[ -e "$1" ] || return 0
	unmount_below "$1"
	dir=$(readlink -f "$1")
	if awk '{ print $5 }' /proc/self/mountinfo | grep -qE "^$dir(/|$)"; then
		echo "something is still mounted below $dir: not removing it" >&2
		return 1
	fi
	rm -rf --one-file-system "$dir"
}

install_debootstrap() {
	command -v debootstrap >/dev/null && [ -e /usr/share/debootstrap/scripts/sid ] && return 0
	log "installing debootstrap" >&2
	# the keyring too: trixie's and forky's Release files are checked with it
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap debian-archive-keyring >/dev/null 2>&1 ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap debian-archive-keyring >/dev/null; }
}

# ensure_root N: a complete root for major N at $CACHE/<codename>; echoes it.
ensure_root() {
	local major=$1 codename root mirror pkgs want
	codename=$(codename_of "$major") || { echo "no Debian release for PostgreSQL $major" >&2; return 1; }
	root=$CACHE/$codename
	pkgs=$(root_packages "$major")
	want="$codename $pkgs"
	if [ -z "${IG_MATRIX_REFRESH:-}" ] && [ -f "$root/.infraguard-matrix-complete" ] &&
		[ "$(cat "$root/.infraguard-matrix-complete")" = "$want" ]; then
		echo "$root"
		return 0
	fi
	install_debootstrap || return 1
	mirror=$(debian_mirror)
	log "building the $codename root for PostgreSQL $major from $mirror (cached in $root)" >&2
	mkdir -p "$CACHE"
	safe_rm "$root.tmp" || return 1
	# Debian 12's debootstrap knows trixie but not forky: forky uses the sid
	# script, which is what Debian's own newer debootstrap does.
	local script=/usr/share/debootstrap/scripts/$codename
	[ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid
	debootstrap --variant=minbase "$codename" "$root.tmp" "$mirror" "$script" \
		> "$LOGDIR/debootstrap-$codename.log" 2>&1 ||
		{ echo "debootstrap failed, see $LOGDIR/debootstrap-$codename.log" >&2; tail -n 20 "$LOGDIR/debootstrap-$codename.log" >&2; return 1; }
	echo "deb $mirror $codename main" > "$root.tmp/etc/apt/sources.list"
	# testing's Release files carry a Valid-Until that a mirror snapshot may
	# have passed; the signatures are still checked.
	echo 'Acquire::Check-Valid-Until "false";' > "$root.tmp/etc/apt/apt.conf.d/99infraguard-matrix"
	# no services start inside the root, no default cluster is created, and
	# no documentation is unpacked (smaller and faster)
	printf '#!/bin/sh\nexit 101\n' > "$root.tmp/usr/sbin/policy-rc.d"
	chmod 755 "$root.tmp/usr/sbin/policy-rc.d"
	mkdir -p "$root.tmp/etc/postgresql-common/createcluster.d"
	echo 'create_main_cluster = false' > "$root.tmp/etc/postgresql-common/createcluster.d/50-infraguard-nocluster.conf"
	printf 'path-exclude /usr/share/doc/*\npath-exclude /usr/share/man/*\npath-exclude /usr/share/locale/*\npath-include /usr/share/locale/locale.alias\n' \
		> "$root.tmp/etc/dpkg/dpkg.cfg.d/01-infraguard-nodoc"
	mount_root "$root.tmp" || return 1
	# shellcheck disable=SC2086
	chroot "$root.tmp" /bin/sh -c "export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $pkgs" \
		> "$LOGDIR/packages-$codename.log" 2>&1
	local rc=$?
	unmount_all
	if [ "$rc" -ne 0 ]; then
		echo "installing packages into the $codename root failed, see $LOGDIR/packages-$codename.log" >&2
		tail -n 20 "$LOGDIR/packages-$codename.log" >&2
		return 1
	fi
	chroot "$root.tmp" apt-get clean
	echo "$want" > "$root.tmp/.infraguard-matrix-complete"
	safe_rm "$root" || return 1
	mv "$root.tmp" "$root"
	echo "$root"
}

# mount_root DIR [with-source]: the kernel file systems, a fresh /tmp, and
# (for a test run) the source tree and its git directory, read-only, at the
# same paths as outside.
mount_root() {
	local root=$1
	mnt "$root/proc" -t proc proc || return 1
	mnt "$root/sys" --rbind /sys || return 1
	mnt "$root/dev" --bind /dev || return 1
	mnt "$root/dev/pts" --bind /dev/pts || return 1
	mnt "$root/dev/shm" -t tmpfs -o mode=1777 tmpfs || return 1
	mnt "$root/tmp" -t tmpfs -o mode=1777 tmpfs || return 1
	cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
	if [ "${2:-}" = with-source ]; then
		mnt "$root$IG_SRC" --bind "$IG_SRC" || return 1
		mount -o remount,bind,ro "$root$IG_SRC" || return 1
		local gitdir
		for gitdir in $(git -C "$IG_SRC" rev-parse --path-format=absolute --git-dir --git-common-dir 2>/dev/null | sort -u); do
			case "$gitdir" in "$IG_SRC"/*) continue ;; esac
			mnt "$root$gitdir" --bind "$gitdir" || return 1
			mount -o remount,bind,ro "$root$gitdir" || return 1
		done
		# TAP tests of concurrent runs on this machine share one port-lock
		# directory, so that a chrooted run and a host run never pick the same port
		if [ -n "${PG_TEST_PORT_DIR:-}" ]; then
			mkdir -p "$PG_TEST_PORT_DIR"
			mnt "$root$PG_TEST_PORT_DIR" --bind "$PG_TEST_PORT_DIR" || return 1
		fi
		# the dumps the run on 15 left, restored by TAP 021 on this major
		mkdir -p "$root$DUMPDIR"
		mnt "$root$DUMPDIR" --bind "$DUMPDIR" || return 1
		mount -o remount,bind,ro "$root$DUMPDIR" || return 1
	fi
}

# run_version N: the whole suite for major N, its output shown and kept in
# $LOGDIR/run-N.log.  Sets v_passed and v_failed.
run_version() {
	local major=$1 logf=$LOGDIR/run-$1.log root rc=0
	v_passed=0; v_failed=0
	if [ "$major" = 15 ]; then
		log "PostgreSQL 15 on this machine (log: $logf)"
		IG_PG_MAJOR=15 IG_DUMP_EXPORT="$DUMPDIR" bash "$IG_SRC/test/run.sh" 2>&1 | tee "$logf"
		rc=${PIPESTATUS[0]}
	else
		root=$(ensure_root "$major") || { v_failed=1; echo "PostgreSQL $major: could not build its root"; return; }
		log "PostgreSQL $major in $root (log: $logf)"
		unmount_below "$root"	# left by a run killed with SIGKILL
		if mount_root "$root" with-source; then
			chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
				HOME=/root LANG=C.UTF-8 IG_PG_MAJOR="$major" IG_BUILD=/var/tmp/infraguard-test \
				${PG_TEST_PORT_DIR:+PG_TEST_PORT_DIR="$PG_TEST_PORT_DIR"} ${CI:+CI="$CI"} \
				IG_DUMP_IMPORT="$DUMPDIR" \
				bash "$IG_SRC/test/run.sh" 2>&1 | tee "$logf"
			rc=${PIPESTATUS[0]}
		else
			echo "mounting the root failed" | tee "$logf"; rc=1
		fi
		unmount_all
	fi
	local counts
	counts=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$logf" | tail -n 1)
	if [ -n "$counts" ]; then
		v_passed=${counts%% passed*}
		v_failed=${counts#*passed, }; v_failed=${v_failed%% failed*}
	fi
	# a run that failed without saying so counts as one failure
	if [ "$rc" -ne 0 ] && [ "$v_failed" -eq 0 ]; then v_failed=1; fi
	if [ -z "$counts" ] && [ "$rc" -eq 0 ]; then v_failed=1; fi
	grep -E '^unit: ' "$logf" | tail -n 1 | sed "s/^/PostgreSQL $major: /"
}

mkdir -p "$LOGDIR" "$CACHE"
# dump/restore across majors: TAP 021 on 15 writes its dumps here, and the
# same test on 17 and 18 restores them (README, "Backup and restore")
DUMPDIR=$LOGDIR/dumps
# one matrix run at a time on this machine: the roots and their build
# directories are shared
exec 9> "$CACHE/.lock"
if ! flock -n 9; then
	echo "another test/matrix.sh is running; waiting for it" >&2
	flock 9
fi
rm -rf "$DUMPDIR"; mkdir -p "$DUMPDIR"; chmod 1777 "$DUMPDIR"	# postgres may not exist yet
total_passed=0
total_failed=0
summary=()
for v in "${versions[@]}"; do
	start=$(date +%s)
	run_version "$v"
	secs=$(( $(date +%s) - start ))
	line="pg$v: $v_passed passed, $v_failed failed"
	echo "$line"
	summary+=("$line   (PostgreSQL $v, $((secs / 60)) min $((secs % 60)) s)")
	total_passed=$((total_passed + v_passed))
	total_failed=$((total_failed + v_failed))
done

echo
for s in "${summary[@]}"; do echo "$s"; done
echo "total: $((SECONDS / 60)) min $((SECONDS % 60)) s"
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
