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

# Two test processes side by side. The outage test (PostgreSQL stays stopped for 5 minutes) and the integration tests
# marked [Trait("Lane", "alongside")] (they wait for a wall-clock minute to close, or for silos to give up on a peer)
# mostly wait, so they run beside the unit tests and the rest of the integration suite; their output follows.
# Arguments (a --filter, say) run every suite one after the other, as given.
status=0
if (($# == 0)); then
  alongside_log=$(mktemp)
  (
    rc=0
    test_project Orleans.Monitor.DurabilityTests || rc=1
    test_project Orleans.Monitor.IntegrationTests --filter "Lane=alongside" || rc=1
    exit "$rc"
  ) >"$alongside_log" 2>&1 &
  alongside=$!
  test_project Orleans.Monitor.UnitTests || status=1
  test_project Orleans.Monitor.IntegrationTests --filter "Lane!=alongside" || status=1
  wait "$alongside" || status=1
  cat "$alongside_log"
  rm -f "$alongside_log"
else
  test_project Orleans.Monitor.UnitTests "$@" || status=1
  test_project Orleans.Monitor.IntegrationTests "$@" || status=1
  test_project Orleans.Monitor.DurabilityTests "$@" || status=1
fi
exit "$status"
