#!/usr/bin/env bash
# Soak: container churn on a real engine with the dashboard and `orleans-monitor top` connected; see bench/README.md.
#
#   sudo bench/soak.sh                  30 minutes of churn; appends the figures to bench/RESULTS.md
#   sudo bench/soak.sh --minutes 3      a short run (marked as such in the results)
#
# Options (or the environment variable in brackets):
#   --minutes 30     [MINUTES]   minutes of churn: every second one container is started and the oldest one removed
#   --warmup N       [WARMUP]    minutes of churn left out of the flatness figures (default: a sixth of --minutes, at least 1)
#   --pool 20        [POOL]      containers kept running (the churn replaces them one a second)
#   --output FILE    [OUTPUT]    results markdown (default bench/RESULTS.md; a run is appended under "## Soak")
#   --no-install                 skip apt-get and the Release builds
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/ports.sh
. "$BENCH_DIR/ports.sh"
REPO=$(dirname "$BENCH_DIR")
OUT=$BENCH_DIR/out/soak

MINUTES=${MINUTES:-30}
WARMUP=${WARMUP:-}
POOL=${POOL:-20}
OUTPUT=${OUTPUT:-$BENCH_DIR/RESULTS.md}
INSTALL=1
HEADING="## Soak: container churn with the dashboard and \`top\` connected (\`bench/soak.sh\`)"
SAMPLE_EVERY=10

while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) MINUTES=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --pool) POOL=$2; shift ;;
    --output) OUTPUT=$2; shift ;;
    --no-install) INSTALL=0 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$WARMUP" ] || WARMUP=$(( MINUTES / 6 > 1 ? MINUTES / 6 : 1 ))
[ "$WARMUP" -lt "$MINUTES" ] || { echo "--warmup ($WARMUP) must be shorter than --minutes ($MINUTES)" >&2; exit 2; }

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

mkdir -p "$OUT"
rm -f "$OUT"/*.log "$OUT"/samples.csv
# A short work dir keeps the engine's unix socket path under 108 bytes.
W=$(mktemp -d /tmp/osk.XXXXXX)
chmod 755 "$W"  # the postgres user reaches its data dir through it
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
REDIS_PORT=$(free_port); PG_PORT=$(free_port); SILO_PORT=$(free_port); GATEWAY_PORT=$(free_port)
API_PORT=$(free_port); METRICS_PORT=$(free_port)
CLUSTER_ID=soak-$(date +%s)
REDIS_PID= ENGINE_PID= SILO_PID= API_PID= CHROME_PID= TOP_PID= FEEDER_PID=
PG_STARTED=0
export DOCKER_HOST=unix://$W/e/docker.sock

cleanup() {
  set +e
  # `top` runs as the child of `script`.
  [ -n "$TOP_PID" ] && for child in $(pgrep -P "$TOP_PID"); do kill -TERM "$child" 2>/dev/null; done
  for pid in "$TOP_PID" "$FEEDER_PID" "$CHROME_PID" "$API_PID" "$SILO_PID"; do
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
  done
  sleep 2
  for pid in "$TOP_PID" "$CHROME_PID" "$API_PID" "$SILO_PID"; do
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
  done
  [ -n "$REDIS_PID" ] && kill -TERM "$REDIS_PID" 2>/dev/null
  [ "$PG_STARTED" = 1 ] && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$W/pg/data" -m immediate -w stop >/dev/null 2>&1
  if [ -n "$ENGINE_PID" ]; then
    docker ps -aq | xargs -r docker rm -f >/dev/null 2>&1
    kill -TERM "$ENGINE_PID" 2>/dev/null
    for _ in $(seq 30); do kill -0 "$ENGINE_PID" 2>/dev/null || break; sleep 1; done
  fi
  if ! grep -q " $W/" /proc/mounts; then rm -rf "$W"; else log "mounts left under $W; not removing it"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- setup
if [ "$INSTALL" = 1 ]; then
  missing=()
  for p in docker.io busybox-static redis-server postgresql jq chromium bsdutils; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  # node and npm drive the dashboard; any installation of them will do (NodeSource's nodejs bundles npm).
  command -v npm >/dev/null || missing+=(nodejs npm)
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}" >/dev/null
  fi
  log "Release builds (Silo, Api with the dashboard, Cli)"
  dotnet build -c Release -v q -nologo "$REPO/Silo/Orleans.Monitor.Silo.csproj" >"$OUT/build.log"
  dotnet build -c Release -v q -nologo "$REPO/Api/Orleans.Monitor.Api.csproj" >>"$OUT/build.log"
  dotnet build -c Release -v q -nologo "$REPO/Cli/Orleans.Monitor.Cli.csproj" >>"$OUT/build.log"
fi
# The dashboard driver (bench/soak-dashboard.mjs) speaks the DevTools protocol with the web app's `ws` package.
[ -d "$REPO/Web/node_modules/ws" ] || (cd "$REPO/Web" && npm ci --prefer-offline --no-audit --no-fund >>"$OUT/build.log")
SILO_DLL=$(ls "$REPO"/Silo/bin/Release/net*/Orleans.Monitor.Silo.dll | head -1)
API_DLL=$(ls "$REPO"/Api/bin/Release/net*/Orleans.Monitor.Api.dll | head -1)
CLI_DLL=$(ls "$REPO"/Cli/bin/Release/net*/orleans-monitor.dll | head -1)

log "engine, Redis, PostgreSQL under $W"
mkdir -p "$W/e" "$W/redis" "$W/pg" "$W/rootfs/bin" "$W/silo" "$W/api"
printf '{"deprecated-key-path": "%s/key.json"}' "$W/e" >"$W/e/daemon.json"
dockerd --config-file "$W/e/daemon.json" --data-root "$W/e/data" --exec-root "$W/e/exec" -H "$DOCKER_HOST" \
  --pidfile "$W/e/docker.pid" --bridge=none --iptables=false --ip-masq=false --ip-forward=false >"$OUT/dockerd.log" 2>&1 &
ENGINE_PID=$!
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$W/redis" --save "" --appendonly no --daemonize no >"$OUT/redis.log" 2>&1 &
REDIS_PID=$!
chown postgres:postgres "$W/pg"
runuser -u postgres -- "$PG_BIN/initdb" -D "$W/pg/data" -U postgres --auth=trust -E UTF8 --no-sync --locale=C >"$OUT/initdb.log"
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$W/pg/data" -l "$W/pg/server.log" -w \
  -o "-k $W/pg -p $PG_PORT -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
PG_STARTED=1
"$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE monitor;"
for _ in $(seq 90); do
  [ "$(curl -s --unix-socket "$W/e/docker.sock" http://d/_ping 2>/dev/null)" = OK ] && break
  sleep 1
done
cp /bin/busybox "$W/rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -sf busybox "$W/rootfs/bin/$applet"; done
tar -C "$W/rootfs" -c . | docker import --change 'CMD ["sh"]' - osk-busybox:1 >/dev/null
HOST_ID=$(docker info --format '{{.ID}}')

# A cluster Api requires API keys (README, "Securing a cluster"): one operator key made for this run, configured by
# its SHA-256 only; the dashboard, `top` and every curl to the Api present it.
KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
KEY_SHA256=$(printf %s "$KEY" | sha256sum | cut -d' ' -f1)
api_curl() { curl -H "Authorization: Bearer $KEY" "$@"; }

COMMON="DOTNET_NOLOGO=1 Logging__Console__FormatterName=simple Logging__Console__FormatterOptions__SingleLine=true
  ConnectionStrings__Redis=127.0.0.1:$REDIS_PORT Orleans__ClusterId=$CLUSTER_ID
  ConnectionStrings__Monitor=Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=monitor"
log "silo (cluster mode, metrics on :$METRICS_PORT) and Api on :$API_PORT"
# shellcheck disable=SC2086
(cd "$W/silo" && exec env -i PATH="$PATH" HOME="$HOME" $COMMON DOCKER_HOST="$DOCKER_HOST" \
  Orleans__Endpoints__SiloPort="$SILO_PORT" Orleans__Endpoints__GatewayPort="$GATEWAY_PORT" \
  Orleans__Endpoints__AdvertisedIPAddress=127.0.0.1 ASPNETCORE_URLS=http://127.0.0.1:0 Storage__DataPath="$W/silo" \
  Metrics__Enabled=true Metrics__Port="$METRICS_PORT" dotnet "$SILO_DLL" >"$OUT/silo.log" 2>&1 </dev/null) &
SILO_PID=$!
# shellcheck disable=SC2086
# From the project folder: its content root holds the built dashboard (wwwroot/app) and appsettings.json.
(cd "$REPO/Api" && exec env -i PATH="$PATH" HOME="$HOME" $COMMON ASPNETCORE_URLS="http://127.0.0.1:$API_PORT" \
  Auth__ApiKeys__0__Name=soak Auth__ApiKeys__0__Role=operator Auth__ApiKeys__0__Sha256="$KEY_SHA256" \
  dotnet "$API_DLL" >"$OUT/api.log" 2>&1 </dev/null) &
API_PID=$!
deadline=$(( $(date +%s) + 180 ))
until [ "$(api_curl -s --max-time 2 "http://127.0.0.1:$API_PORT/api/hosts/$HOST_ID" | jq -r '.status // empty' 2>/dev/null)" = up ]; do
  [ "$(date +%s)" -lt "$deadline" ] || { log "the host did not come up within 180 s; see $OUT"; exit 1; }
  sleep 1
done

log "$POOL containers, the dashboard in headless Chromium, orleans-monitor top in a pseudo-terminal"
for i in $(seq 1 "$POOL"); do docker run -d --network none --name "soak-$i" osk-busybox:1 sleep 100000000 >/dev/null; done
api_curl -sf "http://127.0.0.1:$API_PORT/" | grep -qi "<html" || { log "the Api does not serve the dashboard at /; build Api with its Web app"; exit 1; }
# Headless Chromium cannot answer the page's key prompt: the driver stores the key in the page's sessionStorage over
# the DevTools protocol before the page's scripts run, as the prompt would have.
SOAK_URL="http://127.0.0.1:$API_PORT/" SOAK_KEY="$KEY" CHROME_PROFILE="$W/chrome" \
  node "$BENCH_DIR/soak-dashboard.mjs" >"$OUT/chromium.log" 2>&1 &
CHROME_PID=$!
# `top` redraws on every frame; a pipe that never ends keeps its keyboard open, the typescript shows what it drew.
mkfifo "$W/keys"
sleep 100000000 >"$W/keys" &
FEEDER_PID=$!
script -qfc "stty cols 130 rows 50; exec dotnet $CLI_DLL top --url http://127.0.0.1:$API_PORT --token $KEY" "$OUT/top.typescript" <"$W/keys" >/dev/null 2>&1 &
TOP_PID=$!

# ---------------------------------------------------------------- sampling
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
# The silo's grain activations, from Orleans' own meter on its metrics endpoint (all grain types summed).
activations() {
  curl -s --max-time 5 "http://127.0.0.1:$METRICS_PORT/metrics" \
    | awk '/^orleans_monitor_catalog_activations[{ ]/ {s += $NF; n++} END {if (n) printf "%d", s; else printf "NA"}'
}
# Live streams the Api serves (the dashboard's and top's WatchAll): both clients stay connected all along.
subscribers() {
  api_curl -s --max-time 5 "http://127.0.0.1:$API_PORT/metrics" \
    | awk '/^orleans_monitor_live_subscribers[{ ]/ {s += $NF; n++} END {if (n) printf "%d", s; else printf "NA"}'
}
SILO_DOTNET=$SILO_PID
sample() {  # phase
  printf '%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$(( $(date +%s) - T0 ))" "$1" "$(rss_kb "$SILO_DOTNET")" "$(fds "$SILO_DOTNET")" \
    "$(rss_kb "$API_PID")" "$(fds "$API_PID")" "$(activations)" "$(docker ps -q | wc -l)" "$(subscribers)" >>"$OUT/samples.csv"
}
echo "t_s,phase,silo_rss_kb,silo_fds,api_rss_kb,api_fds,activations,running,live_subscribers" >"$OUT/samples.csv"
T0=$(date +%s)

# Baseline: the pool running, clients connected, before any churn.
sleep 30
sample baseline
BASE_ACT=$(activations)

log "churn for $MINUTES min (warm-up $WARMUP min): one container started and the oldest removed every second"
next=$((POOL + 1)); oldest=1
end=$(( $(date +%s) + MINUTES * 60 )); warm_end=$(( $(date +%s) + WARMUP * 60 )); next_sample=$(( $(date +%s) + SAMPLE_EVERY ))
started=0; failed=0
while [ "$(date +%s)" -lt "$end" ]; do
  tick=$(date +%s%N)
  ( docker run -d --network none --name "soak-$next" osk-busybox:1 sleep 100000000 >/dev/null 2>>"$OUT/churn.log" || echo fail >>"$OUT/churn-failures" ) &
  ( docker rm -f "soak-$oldest" >/dev/null 2>>"$OUT/churn.log" ) &
  next=$((next + 1)); oldest=$((oldest + 1)); started=$((started + 1))
  if [ "$(date +%s)" -ge "$next_sample" ]; then
    if [ "$(date +%s)" -lt "$warm_end" ]; then sample warmup; else sample churn; fi
    next_sample=$((next_sample + SAMPLE_EVERY))
  fi
  for p in "$SILO_PID" "$API_PID" "$CHROME_PID" "$TOP_PID"; do
    kill -0 "$p" 2>/dev/null || { log "process $p exited during the soak; see $OUT"; exit 1; }
  done
  rest=$(( 1000000000 - ($(date +%s%N) - tick) ))
  [ "$rest" -gt 0 ] && sleep "$(printf '0.%09d' "$rest")"
done
[ -f "$OUT/churn-failures" ] && failed=$(wc -l <"$OUT/churn-failures")
# Settle: the last removals reach the silo and their grains deactivate.
sleep 30
sample after
END_ACT=$(activations)
log "churn done: $started started, $failed failed; activations $BASE_ACT before, $END_ACT after"

# ---------------------------------------------------------------- figures
read -r RSS_FIRST RSS_LAST RSS_MIN RSS_MAX FD_FIRST FD_LAST FD_MIN FD_MAX API_FIRST API_LAST N <<<"$(awk -F, '
  $2 == "churn" { n++; if (n == 1) { rf = $3; ff = $4; af = $5 } rl = $3; fl = $4; al = $5
    if (rmin == "" || $3 < rmin) rmin = $3; if ($3 > rmax) rmax = $3
    if (fmin == "" || $4 < fmin) fmin = $4; if ($4 > fmax) fmax = $4 }
  END { print rf, rl, rmin, rmax, ff, fl, fmin, fmax, af, al, n }' "$OUT/samples.csv")"
[ "${N:-0}" -gt 1 ] || { log "too few samples after warm-up"; exit 1; }
SUBS=$(awk -F, 'NR > 1 { if (min == "" || $9 < min) min = $9; if ($9 > max) max = $9 } END { print (min == max) ? min : min "–" max }' "$OUT/samples.csv")
spread=$(awk -v a="$RSS_MIN" -v b="$RSS_MAX" 'BEGIN { printf "%.1f", (b / a - 1) * 100 }')
drift=$(awk -v a="$RSS_FIRST" -v b="$RSS_LAST" 'BEGIN { printf "%+.1f", (b / a - 1) * 100 }')
api_drift=$(awk -v a="$API_FIRST" -v b="$API_LAST" 'BEGIN { printf "%+.1f", (b / a - 1) * 100 }')
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
verdict() { if [ "$1" = 1 ]; then echo "yes"; else echo "**no**"; fi; }
rss_ok=$(awk -v s="$spread" 'BEGIN { print (s <= 10) ? 1 : 0 }')
act_ok=$([ "$END_ACT" != NA ] && [ "$BASE_ACT" != NA ] && [ "$END_ACT" -le "$BASE_ACT" ] && echo 1 || echo 0)
fd_ok=$(( FD_LAST - FD_FIRST <= 5 ? 1 : 0 ))
SHORT=""
[ "$MINUTES" -lt 30 ] && SHORT=" — **short run** ($MINUTES min instead of 30, to show the bench works; not the soak figures)"

report=$(cat <<EOF
### $(date -u +%Y-%m-%d) $(date -u +%H:%MZ): $MINUTES min of churn, warm-up $WARMUP min$SHORT

\`bench/soak.sh --minutes $MINUTES --warmup $WARMUP --pool $POOL\` on $(nproc) cores (load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)).
One private dockerd, a cluster-mode silo (Redis membership, PostgreSQL store) and an Api with an operator API key; the
dashboard open in headless Chromium (key set over the DevTools protocol) and \`orleans-monitor top\` in a pseudo-terminal all along; $POOL containers running, replaced at
one a second ($started started and as many removed, $failed \`docker run\` failures). Samples every ${SAMPLE_EVERY} s, $N of
them after the warm-up (raw: \`bench/out/soak/samples.csv\`).

| Figure (after warm-up) | First | Last | Min | Max | Flat? |
|---|---|---|---|---|---|
| Silo RSS (MiB) | $(mib "$RSS_FIRST") | $(mib "$RSS_LAST") | $(mib "$RSS_MIN") | $(mib "$RSS_MAX") | $(verdict "$rss_ok") (spread $spread %, drift $drift %; target within 10 %) |
| Silo open file descriptors | $FD_FIRST | $FD_LAST | $FD_MIN | $FD_MAX | $(verdict "$fd_ok") |
| Api RSS (MiB) | $(mib "$API_FIRST") | $(mib "$API_LAST") | | | drift $api_drift % |
| Silo grain activations | $BASE_ACT before the churn | $END_ACT 30 s after it | | | $(verdict "$act_ok") (back to baseline) |
| Live streams on the Api (dashboard + top) | $SUBS in every sample | | | | |
EOF
)
echo "$report"
if ! grep -qF "$HEADING" "$OUTPUT"; then
  printf '\n%s\n\nThe latest run is appended last.\n' "$HEADING" >>"$OUTPUT"
fi
printf '\n%s\n' "$report" >>"$OUTPUT"
log "appended to $OUTPUT"
