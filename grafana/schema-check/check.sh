#!/bin/sh
# grafana/schema-check/check.sh [DASHBOARD.json]
#
# Type-checks the dashboard against Grafana's published schema: the Dashboard
# type of @grafana/schema (TypeScript generated from Grafana's CUE schema),
# and each panel against its plugin's Options and FieldConfig types, with tsc
# from typescript, versions pinned in package.json and package-lock.json.
# node_modules lives outside the repository, in $IG_NPM_CACHE/schema-check
# (default /var/cache/infraguard-npm), installed with npm ci when the lock
# file changed.  Needs Node.js and npm (Debian: nodejs, npm) and the npm
# registry the first time.  Prints tsc's errors and exits non-zero on any.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dashboard=$(cd "$(dirname "${1:-$here/../infraguard-dashboard.json}")" && pwd)/$(basename "${1:-infraguard-dashboard.json}")
cache=${IG_NPM_CACHE:-/var/cache/infraguard-npm}/schema-check
mkdir -p "$cache"
if [ ! -x "$cache/node_modules/.bin/tsc" ] || ! cmp -s "$here/package-lock.json" "$cache/package-lock.json"; then
	rm -rf "$cache/node_modules"
	cp "$here/package.json" "$here/package-lock.json" "$cache/"
	(cd "$cache" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
fi
cp "$here/tsconfig.json" "$cache/tsconfig.json"
node "$here/make-check-ts.mjs" "$dashboard" > "$cache/dashboard-check.ts"
"$cache/node_modules/.bin/tsc" -p "$cache/tsconfig.json"
echo "$dashboard: valid against @grafana/schema $(node -p "require('$cache/node_modules/@grafana/schema/package.json').version") (tsc $("$cache/node_modules/.bin/tsc" --version | sed 's/^Version //'))"
