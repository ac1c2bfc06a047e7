#!/bin/bash
# tools/prepare.sh — shared by test/run.sh and demo/run.sh (sourced, not run).
#
# Installs the Debian packages infraguard needs, copies the source tree to a
# build directory the postgres OS user owns (PostgreSQL refuses to run as
# root, and pg_regress writes its results next to the sources), builds there
# as postgres and installs into PostgreSQL 15 as root.
#
# Inputs:  IG_SRC (source tree), IG_BUILD (build directory to (re)create)
# Exports: PG_CONFIG, PG_BINDIR

set -euo pipefail

PG_MAJOR=${IG_PG_MAJOR:-15}
# IG_PG_CONFIG points at another installation of the same major (a copy of
# /usr/lib/postgresql/N and /usr/share/postgresql/N elsewhere is relocatable),
# so that two test runs on one machine do not install into each other's
# server.
PG_CONFIG=${IG_PG_CONFIG:-/usr/lib/postgresql/$PG_MAJOR/bin/pg_config}
PG_BINDIR=$(dirname "$PG_CONFIG")
export PG_CONFIG PG_BINDIR

ig_log() { printf '\n==> %s\n' "$*"; }

ig_require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "run this as root: it installs Debian packages and the extension" >&2
		exit 1
	fi
}

# ig_install_packages [extra packages...]
ig_install_packages() {
	local pkgs=(postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR
		check pkg-config libipc-run-perl make gcc prometheus-postgres-exporter prometheus chromium "$@")
	local missing=()
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		ig_log "installing Debian packages: ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		# The Debian package would create and start a "main" cluster on port
		# 5432; we never use one, so we ask it not to while we install.
		local nocluster=/etc/postgresql-common/createcluster.d/50-infraguard-nocluster.conf
		mkdir -p "$(dirname "$nocluster")"
		echo 'create_main_cluster = false' > "$nocluster"
		# Nor should packages start services (the exporter's would scrape
		# port 5432): Debian's policy-rc.d convention, only while we install.
		local policy=""
		if [ ! -e /usr/sbin/policy-rc.d ]; then
			policy=/usr/sbin/policy-rc.d
			printf '#!/bin/sh\nexit 101\n' > "$policy"
			chmod 755 "$policy"
		fi
		local rc=0
		apt-get install -y -qq "${missing[@]}" >/dev/null || rc=$?
		rm -f "$nocluster" ${policy:+"$policy"}
		[ "$rc" -eq 0 ] || return "$rc"
	fi
}

# ig_build_install: copy IG_SRC to IG_BUILD, build as postgres, install as root
ig_build_install() {
	ig_log "building in $IG_BUILD"
	rm -rf "$IG_BUILD"
	mkdir -p "$IG_BUILD"
	# a clean copy: no build products or test leftovers of the source tree
	(cd "$IG_SRC" && tar --exclude=.git --exclude='*.o' --exclude='*.so' \
		--exclude=results --exclude=tmp_check --exclude=tmp_regress -cf - .) |
		(cd "$IG_BUILD" && tar -xf -)
	chown -R postgres:postgres "$IG_BUILD"
	runuser -u postgres -- make -C "$IG_BUILD" -s PG_CONFIG="$PG_CONFIG" \
		COPT='-Wall -Werror' >/dev/null
	make -C "$IG_BUILD" -s PG_CONFIG="$PG_CONFIG" install >/dev/null
}
