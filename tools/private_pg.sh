#!/bin/bash
# tools/private_pg.sh DIR [MAJOR] — a private, relocated copy of the Debian
# PostgreSQL installation (server, contrib, server headers, PGXS, TAP
# modules) under DIR, owned by postgres, and prints its pg_config.
#
# For developers running several test runs at once on one machine: each run
# installs infraguard into its own copy (IG_PG_CONFIG=... test/run.sh) rather
# than into the system's.  PostgreSQL finds its share and lib directories
# relative to its binaries, so a copy of the three trees works as is.
set -euo pipefail
dir=${1:?usage: tools/private_pg.sh DIR [MAJOR]}
major=${2:-15}
for t in /usr/lib/postgresql/$major /usr/share/postgresql/$major /usr/include/postgresql; do
	mkdir -p "$dir$(dirname "$t")"
	rm -rf "${dir:?}$t"
	cp -a "$t" "$dir$t"
done
chown -R postgres:postgres "$dir"
echo "$dir/usr/lib/postgresql/$major/bin/pg_config"
