#!/usr/bin/env bash
# Runs every test: unit tests, integration tests against real dockerd engines, PostgreSQL and (the cluster tests)
# redis-server that the fixtures start themselves, and browser tests in headless Chromium. Installs what is missing
# (Debian).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
[ -x /bin/busybox ] || need+=(busybox-static)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v script >/dev/null 2>&1 || need+=(bsdutils)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || need+=(prometheus-alertmanager)
if ((${#need[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# The test engines need root (dockerd); the suites start and stop them themselves.
dotnet build Orleans.Monitor.sln --configuration Release
test_project() {
  dotnet test "tests/$1" --configuration Release --no-build --logger "console;verbosity=normal" "${@:2}"
}

# The outage test mostly waits (PostgreSQL stays stopped for 5 minutes), so it runs alongside the other suites; its
# output follows theirs.
durability_log=$(mktemp)
test_project Orleans.Monitor.DurabilityTests "$@" >"$durability_log" 2>&1 &
durability=$!
status=0
test_project Orleans.Monitor.UnitTests "$@" || status=1
test_project Orleans.Monitor.IntegrationTests "$@" || status=1
wait "$durability" || status=1
cat "$durability_log"
rm -f "$durability_log"
exit "$status"
