#!/usr/bin/env bash
# Scripting time per update of the web dashboard's containers table with 1000 containers over 5 hosts, from a Chromium
# performance trace. Prints the figure and appends it to bench/RESULTS.md. Needs node, npm and /usr/bin/chromium.
#   bash bench/table-scale.sh                  # flat table
#   GROUP=compose bash bench/table-scale.sh    # grouped by Compose service
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
web="$here/../Web"
[ -d "$web/node_modules" ] || (cd "$web" && npm ci --prefer-offline --no-audit --no-fund)
(cd "$web" && npm run build >/dev/null)
exec node "$here/table-scale.mjs"
