#!/usr/bin/env bash
# Builds both images from the Dockerfile and runs docker-compose.yml (docker-compose 1.29 or Compose v2) against the
# engine DOCKER_HOST names, on an internal network, with the local stand-in base images from base-images.sh. Passes
# when the silo is an active member of the Orleans cluster in Redis at its compose-network address, and the Api (an
# Orleans client) lists this engine's host as up with cgroup stats; tears down after.
#
#   DOCKER_HOST=unix:///tmp/e/docker.sock compose-smoke.sh
#
# Never point it at an engine you did not start: it mounts that engine's socket into the silo.
set -euo pipefail
: "${DOCKER_HOST:?set DOCKER_HOST to a private engine (unix:///path/docker.sock)}"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
socket=${DOCKER_HOST#unix://}
export DOCKER_BUILDKIT=0 COMPOSE_PROJECT_NAME=${COMPOSE_PROJECT_NAME:-omsmoke}
export POSTGRES_IMAGE=local/postgres:15 POSTGRES_PASSWORD=smoke-password REDIS_IMAGE=local/redis:7
export DOCKER_SOCKET=$socket DOCKER_GID=$(stat -c %g "$socket")
# A cluster Api requires an API key: the compose file takes its SHA-256, requests send the key itself.
key=smoke-api-key
MONITOR_API_KEY_SHA256=$(printf %s "$key" | sha256sum | cut -d' ' -f1)
export MONITOR_API_KEY_SHA256
compose=(docker-compose -f "$root/docker-compose.yml" -f "$here/compose.smoke.yml")
command -v docker-compose >/dev/null || compose=(docker compose -f "$root/docker-compose.yml" -f "$here/compose.smoke.yml")
# Orleans' Redis membership table: the hash {ServiceId}/members/{ClusterId}, both left at orleans-monitor.
members_key=orleans-monitor/members/orleans-monitor

for target in silo api; do
  docker build --network host --target "$target" -t "orleans-monitor-$target" \
    --build-arg SDK_IMAGE=local/dotnet-sdk:10.0 --build-arg RUNTIME_IMAGE=local/aspnet:10.0 --build-arg NODE_IMAGE=local/node:20 \
    "$root"
done

trap '"${compose[@]}" logs --no-color --tail 30 redis silo api || true; "${compose[@]}" down -v --remove-orphans' EXIT
"${compose[@]}" up -d --no-build

ip() { docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$("${compose[@]}" ps -q "$1")"; }
# A membership row is JSON with the silo's address as "ip:port@generation" and its status (3 = Active).
silo_active() {
  "${compose[@]}" exec -T redis redis-cli HGETALL "$members_key" 2>/dev/null \
    | grep -F "\"SiloAddress\":\"$1:11111@" | grep -q '"Status":3'
}
api=$(ip api)
silo=$(ip silo)
deadline=$((SECONDS + 120))
until curl -fsS -m 3 "http://$silo:8080/healthz" >/dev/null 2>&1 \
  && silo_active "$silo" \
  && curl -fsS -m 3 -H "Authorization: Bearer $key" "http://$api:8080/api/hosts" 2>/dev/null | grep -q '"statsSource":"cgroup".*"status":"up"'; do
  ((SECONDS < deadline)) || { echo "compose smoke: the silo did not join or the Api did not report the host up within 120 s" >&2; exit 1; }
  sleep 1
done
curl -fsS -m 3 "http://$api:8080/" | grep -q '<title>Orleans.Monitor</title>'
echo "compose smoke: silo healthy and active in the Redis membership at $silo, host up with cgroup stats, dashboard served"
