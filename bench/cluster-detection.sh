#!/usr/bin/env bash
# How fast a cluster notices a dead or hung silo, and what a Redis outage does: see bench/README.md.
#
#   bench/cluster-detection.sh               3 trials of each fault, Redis stopped 60 s; writes bench/RESULTS.md
#
# Options (or the environment variable in brackets):
#   --trials 3          [TRIALS]         trials of SIGKILL and of SIGSTOP (victims alternate between host 2 and host 3)
#   --redis-outage 60   [REDIS_OUTAGE]   seconds Redis stays stopped
#   --output FILE       [OUTPUT]         results markdown (default bench/RESULTS.md; the section is replaced)
#   --no-install                         skip apt-get and the Release builds
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/ports.sh
. "$BENCH_DIR/ports.sh"
REPO=$(dirname "$BENCH_DIR")
OUT=$BENCH_DIR/out/cluster

TRIALS=${TRIALS:-3}
REDIS_OUTAGE=${REDIS_OUTAGE:-60}
OUTPUT=${OUTPUT:-$BENCH_DIR/RESULTS.md}
INSTALL=1
HEADING="## Failure detection (Orleans membership over Redis)"

while [ $# -gt 0 ]; do
  case "$1" in
    --trials) TRIALS=$2; shift ;;
    --redis-outage) REDIS_OUTAGE=$2; shift ;;
    --output) OUTPUT=$2; shift ;;
    --no-install) INSTALL=0 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
COMMAND_LINE="bench/cluster-detection.sh --trials $TRIALS --redis-outage $REDIS_OUTAGE"

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
now_ms() { date +%s%3N; }

# ---------------------------------------------------------------- setup
mkdir -p "$OUT"
rm -f "$OUT"/*.log
# A short work dir keeps the engines' unix socket paths under 108 bytes.
W=$(mktemp -d /tmp/ocd.XXXXXX)
chmod 755 "$W"  # the postgres user reaches its data dir through it
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
REDIS_PID=
PG_STARTED=0
declare -a ENGINE_PIDS=() HOST_IDS=() SILO_PIDS=() SILO_PORTS=() GATEWAY_PORTS=() API_PIDS=()

cleanup() {
  set +e
  for pid in "${API_PIDS[@]}" "${SILO_PIDS[@]}"; do
    [ -n "$pid" ] && kill -CONT "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  done
  [ -n "$REDIS_PID" ] && kill -TERM "$REDIS_PID" 2>/dev/null
  [ "$PG_STARTED" = 1 ] && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$W/pg/data" -m immediate -w stop >/dev/null 2>&1
  for i in "${!ENGINE_PIDS[@]}"; do
    DOCKER_HOST=unix://$W/e$i/docker.sock docker ps -aq | xargs -r env DOCKER_HOST="unix://$W/e$i/docker.sock" docker rm -f >/dev/null 2>&1
    kill -TERM "${ENGINE_PIDS[$i]}" 2>/dev/null
  done
  for i in "${!ENGINE_PIDS[@]}"; do
    for _ in $(seq 30); do kill -0 "${ENGINE_PIDS[$i]}" 2>/dev/null || break; sleep 1; done
  done
  if ! grep -q " $W/" /proc/mounts; then rm -rf "$W"; else log "mounts left under $W; not removing it"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

install() {
  local missing=()
  for p in docker.io busybox-static redis-server postgresql jq; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}" >/dev/null
  fi
  log "Release builds"
  dotnet build -c Release -v q -nologo "$REPO/Silo/Orleans.Monitor.Silo.csproj" >"$OUT/build.log"
  dotnet build -c Release -v q -nologo -p:SkipWebBuild=true "$REPO/Api/Orleans.Monitor.Api.csproj" >>"$OUT/build.log"
}

start_redis() {
  mkdir -p "$W/redis"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$W/redis" --save "" --appendonly no --daemonize no \
    >>"$OUT/redis.log" 2>&1 &
  REDIS_PID=$!
  for _ in $(seq 100); do
    [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ] && return 0
    sleep 0.1
  done
  echo "redis-server did not answer PING; see $OUT/redis.log" >&2
  exit 1
}

start_postgres() {
  mkdir -p "$W/pg"
  chown postgres:postgres "$W/pg"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$W/pg/data" -U postgres --auth=trust -E UTF8 --no-sync --locale=C >"$OUT/initdb.log"
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$W/pg/data" -l "$W/pg/server.log" -w \
    -o "-k $W/pg -p $PG_PORT -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  PG_STARTED=1
  "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE monitor;"
}

start_engine() {
  local i=$1 d=$W/e$1
  mkdir -p "$d"
  # Each engine needs a trust key of its own, or all three report the same daemon ID.
  printf '{"deprecated-key-path": "%s/key.json"}' "$d" >"$d/daemon.json"
  dockerd --config-file "$d/daemon.json" --data-root "$d/data" --exec-root "$d/exec" -H "unix://$d/docker.sock" \
    --pidfile "$d/docker.pid" --bridge=none --iptables=false --ip-masq=false --ip-forward=false >"$OUT/dockerd-$i.log" 2>&1 &
  ENGINE_PIDS[$i]=$!
}

prepare_engine() {
  local i=$1 d=$W/e$1
  export DOCKER_HOST=unix://$d/docker.sock
  for _ in $(seq 90); do
    [ "$(curl -s --unix-socket "$d/docker.sock" http://d/_ping 2>/dev/null)" = OK ] && break
    sleep 1
  done
  tar -C "$W/rootfs" -c . | docker import --change 'CMD ["sh"]' - ocd-busybox:1 >/dev/null
  docker run -d --network none --name "idle-$i-a" ocd-busybox:1 sleep 100000000 >/dev/null
  docker run -d --network none --name "idle-$i-b" ocd-busybox:1 sleep 100000000 >/dev/null
  HOST_IDS[$i]=$(docker info --format '{{.ID}}')
  unset DOCKER_HOST
}

build_rootfs() {
  mkdir -p "$W/rootfs/bin"
  cp /bin/busybox "$W/rootfs/bin/busybox"
  for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -sf busybox "$W/rootfs/bin/$applet"; done
}

common_env() {
  echo "DOTNET_NOLOGO=1 Logging__Console__FormatterName=simple Logging__Console__FormatterOptions__SingleLine=true" \
    "Logging__Console__FormatterOptions__TimestampFormat=HH:mm:ss.fff ConnectionStrings__Redis=127.0.0.1:$REDIS_PORT" \
    "ConnectionStrings__Monitor=Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=monitor" \
    "Orleans__ClusterId=$CLUSTER_ID"
}

# Starts (or restarts, on the same ports, as a supervisor would) the silo of host $1.
start_silo() {
  local i=$1
  # shellcheck disable=SC2046
  env -i PATH="$PATH" HOME="$HOME" $(common_env) DOCKER_HOST="unix://$W/e$i/docker.sock" \
    Orleans__Endpoints__SiloPort="${SILO_PORTS[$i]}" Orleans__Endpoints__GatewayPort="${GATEWAY_PORTS[$i]}" \
    Orleans__Endpoints__AdvertisedIPAddress=127.0.0.1 ASPNETCORE_URLS=http://127.0.0.1:0 \
    dotnet "$SILO_DLL" >>"$OUT/silo-$i.log" 2>&1 </dev/null &
  SILO_PIDS[$i]=$!
}

# Starts Api number $1 on port $2.
start_api() {
  # shellcheck disable=SC2046
  # From its own folder, so its appsettings.json (log levels) applies.
  (cd "$(dirname "$API_DLL")" && exec env -i PATH="$PATH" HOME="$HOME" $(common_env) ASPNETCORE_URLS="http://127.0.0.1:$2" \
    dotnet "$API_DLL" >>"$OUT/api-$1.log" 2>&1 </dev/null) &
  API_PIDS[$1]=$!
}

# Prints the status of host $2 on the Api at port $1 (empty when the Api does not answer).
status_of() {
  curl -s --max-time 2 "http://127.0.0.1:$1/api/hosts/$2" 2>/dev/null | jq -r '.status // empty' 2>/dev/null || true
}

# Polls until host $2 shows status $3 on the Api at port $1; prints the milliseconds since $4 (a now_ms stamp).
wait_status() {
  local port=$1 host=$2 want=$3 since=$4 deadline=$(( $(now_ms) + 120000 ))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    if [ "$(status_of "$port" "$host")" = "$want" ]; then echo $(( $(now_ms) - since )); return 0; fi
    sleep 0.1
  done
  echo "host ${host:0:12} did not become $want within 120 s" >&2
  return 1
}

all_up() {
  local port=$1 i
  for i in 1 2 3; do [ "$(status_of "$port" "${HOST_IDS[$i]}")" = up ] || return 1; done
}

wait_all_up() {
  local port=$1 deadline=$(( $(now_ms) + 180000 ))
  until all_up "$port"; do
    [ "$(now_ms)" -lt "$deadline" ] || { echo "not every host up on port $port within 180 s" >&2; return 1; }
    sleep 0.2
  done
}

# The active silo generation of host $1 as the Api reports it.
generation_of() {
  curl -s --max-time 2 "http://127.0.0.1:$API_PORT/api/cluster" \
    | jq -r --arg h "$1" '[.silos[] | select(.hostId == $h and .alive)] | max_by(.generation) | .generation // empty'
}

last_seen_ms() {
  local seen
  seen=$(curl -s --max-time 2 "http://127.0.0.1:$API_PORT/api/hosts/$1" | jq -r '.lastSeen // empty')
  if [ -n "$seen" ]; then date -d "$seen" +%s%3N; else echo 0; fi
}

stats() {  # prints "median max" of the numbers on stdin (milliseconds -> seconds with one decimal)
  sort -n | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "- -"; exit }
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.1f %.1f\n", m / 1000, v[NR] / 1000 }'
}

secs() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v + 0 <= t + 0) ? "met" : "missed" }'; }

# ---------------------------------------------------------------- run
[ "$INSTALL" = 1 ] && install
SILO_DLL=$REPO/Silo/bin/Release/net10.0/Orleans.Monitor.Silo.dll
API_DLL=$REPO/Api/bin/Release/net10.0/Orleans.Monitor.Api.dll
[ -f "$SILO_DLL" ] && [ -f "$API_DLL" ] || { echo "build Silo and Api in Release first (or drop --no-install)" >&2; exit 1; }

REDIS_PORT=$(free_port)
PG_PORT=$(free_port)
API_PORT=$(free_port)
LATE_API_PORT=$(free_port)
CLUSTER_ID=bench-$(date +%s)
log "Redis on $REDIS_PORT, PostgreSQL on $PG_PORT, work dir $W, logs in $OUT"
start_redis
start_postgres
build_rootfs
for i in 1 2 3; do start_engine "$i"; done
for i in 1 2 3; do prepare_engine "$i"; SILO_PORTS[$i]=$(free_port); GATEWAY_PORTS[$i]=$(free_port); done
log "hosts: ${HOST_IDS[1]:0:12} ${HOST_IDS[2]:0:12} ${HOST_IDS[3]:0:12}"
for i in 1 2 3; do start_silo "$i"; done
start_api 1 "$API_PORT"
t0=$(now_ms)
wait_all_up "$API_PORT"
log "cluster up: every host up on the Api $(secs $(( $(now_ms) - t0 ))) s after the processes started"

KILL_DOWN=() KILL_UP=() STOP_DOWN=() STOP_UP=() STOP_EXIT=() SEEN_LAG=()
for t in $(seq "$TRIALS"); do
  i=$(( 2 + (t - 1) % 2 )); host=${HOST_IDS[$i]}
  gen=$(generation_of "$host")
  kill -KILL "${SILO_PIDS[$i]}"; at=$(now_ms); wait "${SILO_PIDS[$i]}" 2>/dev/null || true
  down=$(wait_status "$API_PORT" "$host" down "$at")
  seen=$(last_seen_ms "$host")
  SEEN_LAG+=($(( at - seen )))
  start_silo "$i"; started=$(now_ms)
  up=$(wait_status "$API_PORT" "$host" up "$started")
  KILL_DOWN+=("$down") KILL_UP+=("$up")
  log "SIGKILL trial $t (host $i): down after $(secs "$down") s (last seen $(secs $(( at - seen ))) s before the kill); restarted: up after $(secs "$up") s, generation $gen -> $(generation_of "$host")"
  wait_all_up "$API_PORT"
done

for t in $(seq "$TRIALS"); do
  i=$(( 2 + (t - 1) % 2 )); host=${HOST_IDS[$i]}; pid=${SILO_PIDS[$i]}
  kill -STOP "$pid"; at=$(now_ms)
  down=$(wait_status "$API_PORT" "$host" down "$at")
  kill -CONT "$pid"; thawed=$(now_ms)
  code=0; wait "$pid" 2>/dev/null || code=$?
  gone=$(( $(now_ms) - thawed ))
  start_silo "$i"; started=$(now_ms)
  up=$(wait_status "$API_PORT" "$host" up "$started")
  STOP_DOWN+=("$down") STOP_UP+=("$up") STOP_EXIT+=("$gone")
  log "SIGSTOP trial $t (host $i): down after $(secs "$down") s; after SIGCONT it exited in $(secs "$gone") s with code $code; restarted: up after $(secs "$up") s"
  wait_all_up "$API_PORT"
done

# Redis: SAVE, then SIGTERM; restarted from its RDB file on the same port. The Api polls every host meanwhile.
log "Redis outage of $REDIS_OUTAGE s"
declare -A SEEN_BEFORE=() SEEN_AFTER=()
for i in 1 2 3; do SEEN_BEFORE[$i]=$(last_seen_ms "${HOST_IDS[$i]}"); done
redis-cli -p "$REDIS_PORT" save >/dev/null
kill -TERM "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null || true
outage_start=$(now_ms)
polls=0 not_up=0 late_ok=0 late_polls=0 late_started=0
while [ $(( $(now_ms) - outage_start )) -lt $(( REDIS_OUTAGE * 1000 )) ]; do
  for i in 1 2 3; do
    polls=$((polls + 1))
    [ "$(status_of "$API_PORT" "${HOST_IDS[$i]}")" = up ] || not_up=$((not_up + 1))
  done
  if [ "$late_started" = 0 ] && [ $(( $(now_ms) - outage_start )) -ge 5000 ]; then
    start_api 2 "$LATE_API_PORT"; late_started=1
  fi
  if [ "$late_started" = 1 ]; then
    # Counted from its first answer on (before that it is still starting).
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$LATE_API_PORT/api/hosts" || true)
    if [ "$late_ok" -gt 0 ] || [ "$code" = 200 ]; then
      late_polls=$((late_polls + 1))
      [ "$code" = 200 ] && late_ok=$((late_ok + 1))
    fi
  fi
  sleep 0.5
done
for i in 1 2 3; do SEEN_AFTER[$i]=$(last_seen_ms "${HOST_IDS[$i]}"); done
start_redis; back=$(now_ms)
wait_all_up "$LATE_API_PORT"; late_up=$(( $(now_ms) - back ))
late_alive=yes; kill -0 "${API_PIDS[2]}" 2>/dev/null || late_alive=no
advanced=0
for i in 1 2 3; do [ "${SEEN_AFTER[$i]}" -gt $(( SEEN_BEFORE[$i] + (REDIS_OUTAGE - 5) * 1000 )) ] && advanced=$((advanced + 1)); done
log "Redis outage: $not_up of $polls host polls not up; $advanced/3 hosts' last-seen advanced through it; Api started during it answered /api/hosts $late_ok/$late_polls, all hosts up on it $(secs "$late_up") s after Redis returned"

# ---------------------------------------------------------------- results
read -r kd_med kd_max < <(printf '%s\n' "${KILL_DOWN[@]}" | stats)
read -r ku_med ku_max < <(printf '%s\n' "${KILL_UP[@]}" | stats)
read -r sd_med sd_max < <(printf '%s\n' "${STOP_DOWN[@]}" | stats)
read -r su_med su_max < <(printf '%s\n' "${STOP_UP[@]}" | stats)
read -r se_med se_max < <(printf '%s\n' "${STOP_EXIT[@]}" | stats)
list() { local s="" v; for v in "$@"; do s+="${s:+, }$(secs "$v")"; done; echo "$s"; }

section=$(mktemp)
{
  echo "$HEADING"
  echo
  echo "- Date: $(date -u +%Y-%m-%dT%H:%MZ); CPU: $(nproc) logical CPUs; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- Command: \`$COMMAND_LINE\`: Redis $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p'), PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'),"
  echo "  three private dockerd engines with two idle containers each, one silo per engine and one Api, all on 127.0.0.1,"
  echo "  membership options as shipped (\`MembershipDefaults\`). Times run from the signal (or the process start) to the"
  echo "  first poll of \`GET /api/hosts/{id}\` (every 100 ms) that shows the new status, so they include the Api's 2 s"
  echo "  membership read."
  echo
  echo "| Fault | Trials | Median s | Max s | Each trial s |"
  echo "|---|---:|---:|---:|---|"
  echo "| SIGKILL -> host \`down\` | ${#KILL_DOWN[@]} | $kd_med | $kd_max | $(list "${KILL_DOWN[@]}") |"
  echo "| SIGSTOP -> host \`down\` | ${#STOP_DOWN[@]} | $sd_med | $sd_max | $(list "${STOP_DOWN[@]}") |"
  echo "| SIGCONT of the frozen silo -> its process exits | ${#STOP_EXIT[@]} | $se_med | $se_max | $(list "${STOP_EXIT[@]}") |"
  echo "| restart after SIGKILL -> host \`up\` | ${#KILL_UP[@]} | $ku_med | $ku_max | $(list "${KILL_UP[@]}") |"
  echo "| restart after SIGSTOP -> host \`up\` | ${#STOP_UP[@]} | $su_med | $su_max | $(list "${STOP_UP[@]}") |"
  echo
  echo "Last seen of a killed host, before the kill: $(list "${SEEN_LAG[@]}") s (never after it)."
  echo
  echo "| Target (issue 7) | Result | Verdict |"
  echo "|---|---|---|"
  echo "| SIGKILL -> down within 20 s | max $kd_max s | $(verdict "$kd_max" 20) |"
  echo "| SIGSTOP -> down within 20 s | max $sd_max s | $(verdict "$sd_max" 20) |"
  echo "| restart -> up within 15 s | max $(awk -v a="$ku_max" -v b="$su_max" 'BEGIN { print (a > b) ? a : b }') s | $(verdict "$(awk -v a="$ku_max" -v b="$su_max" 'BEGIN { print (a > b) ? a : b }')" 15) |"
  echo
  echo "A restart's time covers the process start, the join, the Api's next membership read and the first calls to the new"
  echo "silo's host grain. Those calls time out for several seconds after the join (3 s each, \`Subscribing to host ... failed:"
  echo "The operation has timed out\` in the Api's log): silos use Orleans' distributed grain directory, which keeps the grains"
  echo "of live hosts when another silo dies, and after a silo crashes it puts that silo's share of grains under a lease for"
  echo "15 s (\`Grains in the range ... have been put under a lease until ...\` in the silo log), during which they cannot"
  echo "activate again. In the cluster tests, restarts took 5-7 s with Orleans' default directory, which instead deactivated"
  echo "live hosts' grains on every silo death and split their open minute into two writes."
  echo
  echo "Redis stopped $REDIS_OUTAGE s (\`SAVE\`, SIGTERM, restarted from its RDB file on the same port):"
  echo "$not_up of $polls host polls during the outage showed a host other than \`up\`; $advanced of 3 hosts' last-seen time"
  echo "advanced through the outage (frames kept flowing); an Api started 5 s into the outage answered \`/api/hosts\`"
  echo "$late_ok of $late_polls times from its first answer on (stored hosts), stayed running ($late_alive) and showed every host \`up\`"
  echo "$(secs "$late_up") s after Redis returned."
} >"$section"

# Replace an earlier run's section (up to the next "## " heading), then append this one.
if [ -f "$OUTPUT" ]; then
  awk -v h="$HEADING" '$0 == h { skip = 1; next } skip && /^## / { skip = 0 } !skip' "$OUTPUT" >"$OUTPUT.tmp"
  sed -i -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$OUTPUT.tmp"
  mv "$OUTPUT.tmp" "$OUTPUT"
  printf '\n' >>"$OUTPUT"
fi
cat "$section" >>"$OUTPUT"
rm -f "$section"
log "results in $OUTPUT"
