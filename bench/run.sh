#!/usr/bin/env bash
# Side-by-side cost of container monitoring on one private dockerd: see bench/README.md.
#
#   bench/run.sh                 full run (N = 50 200 1000, 60 s windows, 50 latency trials), writes bench/RESULTS.md
#   bench/run.sh --quick         N = 20, 15 s windows, 10 trials; writes bench/out/RESULTS-quick.md
#
# Options (or the environment variable in brackets):
#   --counts "50 200 1000"  [COUNTS]    container counts, ascending (containers are added, not recreated)
#   --window 60             [WINDOW]    seconds measured per tool and N
#   --warmup S              [WARMUP]    seconds between a tool's start and its window (default 75 + N/40: .NET tiered JIT settles in about a minute;
#                                       120 for ours-idle-silo)
#   --tools "..."           [TOOLS]     subset of: idle ours-idle-silo ours-cgroup ours-cgroup-gc ours-cgroup-lowmem ours-api
#                                       docker-stats netdata-cgroups netdata-full (ours-idle-silo: once, before any container)
#   --trials 50             [TRIALS]    latency trials per N in --latency-at
#   --latency-at "200"      [LATENCY_AT] counts at which latency is measured (default: all)
#   --loaded 5              [LOADED]    containers with periodic light load (the rest sleep)
#   --output FILE           [OUTPUT]    results markdown (default bench/RESULTS.md, or bench/out/RESULTS-quick.md)
#   --no-install                        skip apt-get and the Release builds
#   --keep                              append to bench/out/results.tsv instead of starting it afresh (add tools to a run)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/ports.sh
. "$BENCH_DIR/ports.sh"
REPO=$(dirname "$BENCH_DIR")
OUT=$BENCH_DIR/out

COUNTS=${COUNTS:-"50 200 1000"}
WINDOW=${WINDOW:-60}
WARMUP=${WARMUP:-}
TOOLS=${TOOLS:-"idle ours-idle-silo ours-cgroup ours-cgroup-gc ours-cgroup-lowmem ours-api docker-stats netdata-cgroups netdata-full"}
TRIALS=${TRIALS:-50}
LATENCY_AT=${LATENCY_AT:-}
LOADED=${LOADED:-5}
OUTPUT=${OUTPUT:-}
INSTALL=1
KEEP=0
QUICK=0
# Runtime settings of two variants of our silo (the csproj already sets workstation, non-concurrent GC, no dynamic
# PGO and no thread-pool spinning): "gc" shrinks the gen0 budget to 4 MiB, as the silo image does (an environment
# variable only: the GC takes no runtimeconfig knob for it); "lowmem" also turns off W^X (JIT code and stubs then
# live in anonymous memory instead of a memfd mapped twice).
GC_ENV=${GC_ENV:-"DOTNET_GCgen0size=0x400000"}
LOWMEM_ENV=${LOWMEM_ENV:-"$GC_ENV DOTNET_EnableWriteXorExecute=0"}

while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1; COUNTS="20"; WINDOW=15; TRIALS=10 ;;
    --counts) COUNTS=$2; shift ;;
    --window) WINDOW=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --tools) TOOLS=$2; shift ;;
    --trials) TRIALS=$2; shift ;;
    --latency-at) LATENCY_AT=$2; shift ;;
    --loaded) LOADED=$2; shift ;;
    --output) OUTPUT=$2; shift ;;
    --no-install) INSTALL=0 ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
LATENCY_AT=${LATENCY_AT:-$COUNTS}
# The effective settings, whether they came from options or the environment.
COMMAND_LINE="bench/run.sh --counts \"$COUNTS\" --window $WINDOW${WARMUP:+ --warmup $WARMUP} --tools \"$TOOLS\" --trials $TRIALS --latency-at \"$LATENCY_AT\" --loaded $LOADED"
if [ -z "$OUTPUT" ]; then
  if [ "$QUICK" = 1 ]; then OUTPUT=$OUT/RESULTS-quick.md; else OUTPUT=$BENCH_DIR/RESULTS.md; fi
fi

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---------------------------------------------------------------- setup
mkdir -p "$OUT"
# A short work dir keeps the daemon's unix socket path under 108 bytes.
W=$(mktemp -d /tmp/omb.XXXXXX)
TAG=omb-${W##*.}
CPUACCT=/sys/fs/cgroup/cpuacct
CG=$CPUACCT/$TAG                 # cpuacct groups of the daemons and of each tool
CTR_PARENT=/$TAG-ctr             # --cgroup-parent of the containers: keeps them apart from other engines
SOCK=$W/docker.sock
export DOCKER_HOST=unix://$SOCK
TSV=$OUT/results.tsv
STORES_CG=$CG/stores             # Redis and PostgreSQL of the cluster-mode silo: measured, not charged to it
REDIS_PORT=
PG_PORT=
TOOL_PID=
TOOL_CG=
TOOL_NAME=
API_PID=
PORT=$((20000 + RANDOM % 20000))
RUN_DIR=$W/cwd                   # an empty working directory (the content root) for every .NET process

cleanup() {
  set +e
  stop_tool
  [ -n "$API_PID" ] && kill -TERM "$API_PID" 2>/dev/null && wait "$API_PID" 2>/dev/null
  stop_stores
  if [ -S "$SOCK" ]; then
    log "removing containers"
    docker ps -aq --filter label=omb | xargs -r -n 50 -P 4 docker rm -f >/dev/null 2>&1
  fi
  if [ -f "$W/docker.pid" ]; then
    local pid; pid=$(cat "$W/docker.pid")
    log "stopping dockerd $pid"
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  fi
  # containerd exits with dockerd; give it a moment, then drop the (now empty) groups.
  for _ in $(seq 10); do [ -s "$CG/daemon/cgroup.procs" ] || break; sleep 1; done
  for _ in $(seq 10); do [ -s "$STORES_CG/cgroup.procs" ] || break; sleep 1; done
  rmdir "$CG"/* "$CG" 2>/dev/null
  for c in /sys/fs/cgroup/*/; do
    [ -d "$c${CTR_PARENT#/}" ] && find "$c${CTR_PARENT#/}" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  if ! grep -q " $W/" /proc/mounts; then rm -rf "$W"; else log "mounts left under $W; not removing it"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

install() {
  local missing=()
  for p in docker.io busybox-static netdata redis-server postgresql-15; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null
  fi
  # The Debian package may start its own agent; the benchmark runs its own instances only.
  command -v service >/dev/null && service netdata stop >/dev/null 2>&1 || true
  log "Release builds"
  dotnet build -c Release -v q -nologo "$REPO/Silo/Orleans.Monitor.Silo.csproj" >"$OUT/build.log"
  dotnet build -c Release -v q -nologo -p:SkipWebBuild=true "$REPO/Api/Orleans.Monitor.Api.csproj" >>"$OUT/build.log"
  dotnet build -c Release -v q -nologo "$BENCH_DIR/Orleans.Monitor.Bench/Orleans.Monitor.Bench.csproj" >>"$OUT/build.log"
}

# Runs "$@" in a fresh cpuacct group (children included), in the background; sets TOOL_PID.
start_in_group() {
  local group=$1 logfile=$2; shift 2
  mkdir -p "$group"
  ( echo "$BASHPID" >"$group/cgroup.procs"; cd "$RUN_DIR"; exec "$@" ) >"$logfile" 2>&1 &
  TOOL_PID=$!
}

start_dockerd() {
  mkdir -p "$CG/daemon"
  log "starting dockerd in $W"
  ( echo "$BASHPID" >"$CG/daemon/cgroup.procs"
    exec dockerd --data-root "$W/data" --exec-root "$W/exec" -H "unix://$SOCK" --pidfile "$W/docker.pid" \
      --bridge=none --iptables=false --ip-masq=false --ip-forward=false --cgroup-parent="$CTR_PARENT"
  ) >"$OUT/dockerd.log" 2>&1 &
  for _ in $(seq 60); do
    [ "$(curl -s --unix-socket "$SOCK" http://d/_ping 2>/dev/null)" = OK ] && return 0
    sleep 1
  done
  echo "dockerd did not answer /_ping; see $OUT/dockerd.log" >&2
  exit 1
}

build_image() {
  local root=$W/rootfs
  mkdir -p "$root/bin"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"; done
  tar -C "$root" -c . | docker import --change 'CMD ["sh"]' - omb-busybox:1 >/dev/null
}

LOAD_CMD='while :; do i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 1; done'
run_container() {
  local i=$1
  if [ "$i" -le "$LOADED" ]; then
    docker run -d --network none --label omb=1 --name "omb-$i" omb-busybox:1 sh -c "$LOAD_CMD" >/dev/null
  else
    docker run -d --network none --label omb=1 --name "omb-$i" omb-busybox:1 sleep 100000000 >/dev/null
  fi
}
export -f run_container
export LOADED LOAD_CMD

ensure_containers() {
  local n=$1 have
  have=$(docker ps -q --filter label=omb | wc -l)
  [ "$have" -ge "$n" ] && return 0
  log "starting containers $((have + 1))..$n"
  local t0=$SECONDS
  seq $((have + 1)) "$n" | xargs -P 8 -I{} bash -c 'run_container {}'
  have=$(docker ps -q --filter label=omb --filter status=running | wc -l)
  log "$have running ($((SECONDS - t0)) s)"
  [ "$have" -ge "$n" ] || { echo "only $have of $n containers running" >&2; exit 1; }
}

# The cluster-mode silo's Redis (membership) and PostgreSQL (minute store), private to this run, in their own group.
start_stores() {
  mkdir -p "$STORES_CG" "$W/redis" "$W/pg"
  REDIS_PORT=$(free_port)
  log "starting redis-server on $REDIS_PORT and PostgreSQL"
  ( echo "$BASHPID" >"$STORES_CG/cgroup.procs"
    exec redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$W/redis" --save "" --appendonly no --daemonize no
  ) >"$OUT/redis.log" 2>&1 &
  echo $! >"$W/redis.pid"
  chown postgres "$W/pg"
  runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D "$W/pg/data" -U postgres --auth=trust >"$OUT/initdb.log" 2>&1
  PG_PORT=$(free_port)
  ( echo "$BASHPID" >"$STORES_CG/cgroup.procs"
    exec runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$W/pg/data" -l "$W/pg/log" -w \
      -o "-k $W/pg -p $PG_PORT -c listen_addresses=127.0.0.1" start
  ) >>"$OUT/initdb.log" 2>&1 || { echo "PostgreSQL did not start; see $OUT/initdb.log and $W/pg/log" >&2; exit 1; }
  for _ in $(seq 30); do
    [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ] && return 0
    sleep 0.5
  done
  echo "redis-server did not answer; see $OUT/redis.log" >&2
  exit 1
}

stop_stores() {
  if [ -f "$W/pg/data/postmaster.pid" ]; then
    runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$W/pg/data" -m fast -w stop >/dev/null 2>&1
  fi
  if [ -f "$W/redis.pid" ]; then
    local pid; pid=$(cat "$W/redis.pid")
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    rm -f "$W/redis.pid"
  fi
}

# ---------------------------------------------------------------- tools
netdata_conf() {
  local variant=$1
  local dir=$W/netdata-$variant
  mkdir -p "$dir"/{conf,cache,lib/cloud.d,log}
  touch "$dir/conf/.opt-out-from-anonymous-statistics"
  printf '[global]\n    enabled = no\n' >"$dir/lib/cloud.d/cloud.conf"
  printf '#!/bin/sh\nexit 0\n' >"$dir/net.sh"
  chmod +x "$dir/net.sh"
  {
    cat <<EOF
[global]
    run as user = root
    hostname = omb-bench
[db]
    update every = 1
[directories]
    config = $dir/conf
    stock config = /usr/lib/netdata/conf.d
    cache = $dir/cache
    lib = $dir/lib
    log = $dir/log
    plugins = /usr/lib/netdata/plugins.d
    web = /usr/share/netdata/web
[logs]
    debug = /dev/null
    error = $OUT/tool-netdata-$variant-$N-error.log
    access = none
[web]
    bind to = 127.0.0.1:$((PORT + 1))
[plugin:cgroups]
    update every = 1
    use unified cgroups = no
    check for new cgroups every = 10
    enable by default cgroups matching = ${CTR_PARENT}/*
    # Matched against the directory being listed: descend from the root into our subtree only.
    search for cgroups in subpaths matching = / ${CTR_PARENT}
    max cgroups to allow = 5000
    # Named by path (so by id), which keeps the rename script off the Docker API.
    run script to rename cgroups matching = !*
    script to get cgroup network interfaces = $dir/net.sh
EOF
    if [ "$variant" = cgroups ]; then
      cat <<EOF
[ml]
    enabled = no
[health]
    enabled = no
[statsd]
    enabled = no
[plugins]
    enable running new plugins = no
    check for new plugins every = 3600
    cgroups = yes
    proc = no
    diskspace = no
    tc = no
    idlejitter = no
    timex = no
    checks = no
    netdata monitoring = no
    apps = no
    python.d = no
    charts.d = no
    go.d = no
    ebpf = no
    slabinfo = no
    perf = no
    fping = no
    ioping = no
    nfacct = no
    cups = no
EOF
    fi
  } >"$dir/conf/netdata.conf"
  echo "$dir"
}

# Cluster mode, as a host runs it: Redis membership, PostgreSQL store, a cluster of its own per tool and N.
silo_env() {
  local source=$1 name=$2
  echo "DOCKER_HOST=$DOCKER_HOST Stats__Source=$source Logging__LogLevel__Default=Warning" \
    "ConnectionStrings__Redis=127.0.0.1:$REDIS_PORT" \
    "ConnectionStrings__Monitor=Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres" \
    "Orleans__ClusterId=$TAG-$name-$N" "Orleans__Endpoints__AdvertisedIPAddress=127.0.0.1" \
    "Orleans__Endpoints__SiloPort=$(free_port)" "Orleans__Endpoints__GatewayPort=$(free_port)" \
    "ASPNETCORE_URLS=http://127.0.0.1:$(free_port)"
}

# Standalone (the Api with its co-hosted silo and SQLite) for the latency probe.
standalone_env() {
  local name=$1
  echo "DOCKER_HOST=$DOCKER_HOST Stats__Source=cgroup Storage__DataPath=$W/store-$name Logging__LogLevel__Default=Warning" \
    "Orleans__Endpoints__SiloPort=$(free_port) ASPNETCORE_URLS=http://127.0.0.1:$PORT"
}

start_tool() {
  local name=$1
  TOOL_NAME=$name
  TOOL_CG=$CG/tool-$name
  local logfile=$OUT/tool-$name-$N.log
  local silo=$REPO/Silo/bin/Release/net10.0/Orleans.Monitor.Silo.dll
  case "$name" in
    idle) TOOL_PID=; TOOL_CG= ;;
    ours-cgroup|ours-idle-silo) start_in_group "$TOOL_CG" "$logfile" env $(silo_env cgroup "$name") dotnet "$silo" ;;
    ours-cgroup-gc) start_in_group "$TOOL_CG" "$logfile" env $(silo_env cgroup "$name") $GC_ENV dotnet "$silo" ;;
    ours-cgroup-lowmem) start_in_group "$TOOL_CG" "$logfile" env $(silo_env cgroup "$name") $LOWMEM_ENV dotnet "$silo" ;;
    ours-api) start_in_group "$TOOL_CG" "$logfile" env $(silo_env docker-api "$name") dotnet "$silo" ;;
    docker-stats)
      start_in_group "$TOOL_CG" /dev/null sh -c 'exec docker stats --format "{{.ID}} {{.CPUPerc}} {{.MemUsage}}" >/dev/null 2>'"$logfile" ;;
    netdata-cgroups|netdata-full)
      local dir; dir=$(netdata_conf "${name#netdata-}")
      start_in_group "$TOOL_CG" "$logfile" env DO_NOT_TRACK=1 netdata -D -c "$dir/conf/netdata.conf" -P "$dir/netdata.pid" ;;
    *) echo "unknown tool $name" >&2; exit 2 ;;
  esac
}

stop_tool() {
  [ -n "$TOOL_PID" ] || return 0
  kill -TERM "$TOOL_PID" 2>/dev/null || true
  for _ in $(seq 20); do kill -0 "$TOOL_PID" 2>/dev/null || break; sleep 0.5; done
  # Whatever the tool started and left behind (plugins), by pid, from its own group.
  if [ -n "$TOOL_CG" ] && [ -f "$TOOL_CG/cgroup.procs" ]; then
    while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done <"$TOOL_CG/cgroup.procs"
  fi
  wait "$TOOL_PID" 2>/dev/null || true
  for _ in $(seq 20); do [ -s "$TOOL_CG/cgroup.procs" ] || break; sleep 0.5; done
  rmdir "$TOOL_CG" 2>/dev/null || true
  TOOL_PID=
}

# ---------------------------------------------------------------- measuring
usage_ns() { if [ -n "$1" ] && [ -f "$1/cpuacct.usage" ]; then cat "$1/cpuacct.usage"; else echo 0; fi; }
# Host busy jiffies and total jiffies from the cpu line of /proc/stat.
host_jiffies() { awk '/^cpu /{ t=0; for (i=2;i<=NF;i++) t+=$i; print t-$5-$6, t }' /proc/stat; }
# Peak RSS (VmHWM) and current RSS summed over the group's processes, in KiB.
group_memory_kb() {
  local group=$1 hwm=0 rss=0 h r
  [ -n "$group" ] && [ -f "$group/cgroup.procs" ] || { echo "0 0"; return; }
  while read -r pid; do
    h=$(awk '/^VmHWM:/{print $2}' "/proc/$pid/status" 2>/dev/null || true)
    r=$(awk '/^VmRSS:/{print $2}' "/proc/$pid/status" 2>/dev/null || true)
    hwm=$((hwm + ${h:-0})); rss=$((rss + ${r:-0}))
  done <"$group/cgroup.procs"
  echo "$hwm $rss"
}

measure() {
  local name=$1 warm=${WARMUP:-$((75 + N / 40))}
  # The idle silo's timers (1-30 s) take longer to reach tier-1 code than a sampling pass does.
  [ "$name" = ours-idle-silo ] && [ -z "$WARMUP" ] && warm=120
  # Netdata finds cgroups every 10 s and charts them a few cycles later.
  case "$name" in netdata-*) [ -n "$WARMUP" ] || warm=$((40 + N / 25)) ;; esac
  start_tool "$name"
  log "N=$N $name: warm-up ${warm} s, window ${WINDOW} s"
  sleep "$warm"
  if [ -n "$TOOL_PID" ] && ! kill -0 "$TOOL_PID" 2>/dev/null; then
    echo "$name exited during warm-up; see $OUT/tool-$name-$N.log" >&2; exit 1
  fi
  local d0 t0 h0 d1 t1 h1 s0 s1 r0 r1 mem
  read -r h0 s0 < <(host_jiffies)
  d0=$(usage_ns "$CG/daemon"); t0=$(usage_ns "$TOOL_CG"); r0=$(usage_ns "$STORES_CG")
  local start_ns; start_ns=$(date +%s%N)
  sleep "$WINDOW"
  d1=$(usage_ns "$CG/daemon"); t1=$(usage_ns "$TOOL_CG"); r1=$(usage_ns "$STORES_CG")
  local end_ns; end_ns=$(date +%s%N)
  read -r h1 s1 < <(host_jiffies)
  mem=$(group_memory_kb "$TOOL_CG")
  case "$name" in
    netdata-*) log "N=$N $name: $(curl -s "http://127.0.0.1:$((PORT + 1))/api/v1/allmetrics?format=shell" | grep -c "^# chart: cgroup_.*\.cpu ") containers with a collected cgroup cpu chart" ;;
  esac
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  stop_tool
  awk -v n="$N" -v tool="$name" -v el="$(( (end_ns - start_ns) / 1000000 ))" -v tc="$((t1 - t0))" -v dc="$((d1 - d0))" \
      -v mem="$mem" -v load="$load" -v hb="$((h1 - h0))" -v ht="$((s1 - s0))" -v rc="$((r1 - r0))" 'BEGIN {
    split(mem, m, " ")
    printf "%d\t%s\t%.3f\t%.4f\t%.4f\t%d\t%d\t%s\t%.1f\t%.4f\n", n, tool, el / 1000, tc / 1e9, dc / 1e9, m[1], m[2], load, 100 * hb / ht, rc / 1e9
  }' >>"$TSV"
  log "N=$N $name: $(tail -1 "$TSV" | cut -f3-)"
}

latency() {
  log "N=$N latency: $TRIALS trials"
  docker run -d --network none --label omb=1 --name omb-burner omb-busybox:1 sh -c 'while :; do :; done' >/dev/null
  local id; id=$(docker inspect -f '{{.Id}}' omb-burner)
  docker pause omb-burner >/dev/null
  local api=$REPO/Api/bin/Release/net10.0/Orleans.Monitor.Api.dll
  ( cd "$RUN_DIR"; exec env $(standalone_env "api-$N") dotnet "$api" ) >"$OUT/api-$N.log" 2>&1 &
  API_PID=$!
  local ready=0
  for _ in $(seq 120); do
    if curl -sf "http://127.0.0.1:$PORT/api/containers/$id" 2>/dev/null | grep -q '"sample":{'; then ready=1; break; fi
    sleep 1
  done
  [ "$ready" = 1 ] || { echo "Api did not serve the burner; see $OUT/api-$N.log" >&2; exit 1; }
  sleep 5
  local result
  dotnet "$BENCH_DIR/Orleans.Monitor.Bench/bin/Release/net10.0/Orleans.Monitor.Bench.dll" latency \
    --url "http://127.0.0.1:$PORT" --container "$id" --trials "$TRIALS" --csv "$OUT/latency-$N.csv" | tee "$OUT/latency-$N.log" >&2
  result=$(grep '^RESULT' "$OUT/latency-$N.log" | tail -1)
  kill -TERM "$API_PID"; wait "$API_PID" 2>/dev/null || true; API_PID=
  docker rm -f omb-burner >/dev/null
  echo -e "$N\t$result" >>"$OUT/latency.tsv"
}

# ---------------------------------------------------------------- report
report() {
  local date cpu kernel
  date=$(date -u +%Y-%m-%dT%H:%MZ)
  cpu=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)
  kernel=$(uname -r)
  {
    echo "# Benchmark results"
    echo
    echo "- Date: $date"
    echo "- CPU: $cpu, $(nproc) logical CPUs; $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM"
    echo "- Kernel: $kernel; cgroup v1 (cgroupfs driver); dockerd $(dockerd --version | awk '{print $3}' | tr -d ,); Netdata $(netdata -v 2>&1 | awk '{print $2}')"
    echo "- Command: \`$COMMAND_LINE\` (window ${WINDOW} s per tool and N, counts: $COUNTS, $LOADED containers with light periodic load, the rest \`sleep\`)"
    echo "- Our silo: \`Orleans.Monitor.Silo.dll\`, Release, cluster mode (Redis membership, PostgreSQL store, a cluster of its own per window); the csproj sets workstation non-concurrent GC, no dynamic PGO and no thread-pool spinning; \`ours-cgroup-gc\` adds \`$GC_ENV\`; \`ours-cgroup-lowmem\` adds \`$LOWMEM_ENV\`. \`ours-idle-silo\` is the same silo before any container exists (N = 0)."
    echo
    echo "All-in = the tool's own CPU + the extra CPU of dockerd + containerd + shims over the idle baseline of the same N."
    echo "CPU is cpuacct.usage of a cgroup per tool and one for the daemons (so exited children count too); RSS is VmHWM summed over the tool's processes."
    echo "Redis + PostgreSQL (the silo's membership table and minute store) run in a group of their own: their CPU during each window is in the last column and is not charged to the silo."
    echo
  } >"$OUTPUT"
  awk -F'\t' -v out="$OUTPUT" '
    { n[NR]=$1; tool[NR]=$2; el[NR]=$3; tc[NR]=$4; dc[NR]=$5; hwm[NR]=$6; load[NR]=$8; busy[NR]=$9; sc[NR]=$10
      # A tool is compared with the most recent idle window of the same N (runs may be appended with --keep).
      if ($2 == "idle") base[$1] = $5 / $3; else rowbase[NR] = base[$1]
      key[$1 "/" $2] = NR; if (!($1 in seen)) { seen[$1]=1; order[++k]=$1 } }
    END {
      for (i = 1; i <= k; i++) {
        N = order[i]
        if (N == 0) printf "## N = 0 containers (idle silo)\n\n", N >> out
        else printf "## N = %d containers\n\n", N >> out
        printf "| Tool | Tool CPU s | Daemon extra s | All-in %% of a core | ms per container-sample | RSS MB | RSS KB per container | Load avg (1 min) | Host busy %% | Redis + PostgreSQL CPU s (not charged) |\n" >> out
        printf "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n" >> out
        for (r = 1; r <= NR; r++) {
          if (n[r] != N) continue
          if (tool[r] == "idle") {
            printf "| idle baseline (daemons only) | - | %.2f s daemon CPU | %.2f | - | - | - | %s | %.0f | - |\n", dc[r], 100 * dc[r] / el[r], load[r], busy[r] >> out
            continue
          }
          extra = dc[r] / el[r] - rowbase[r]
          # A tool cannot make the daemons do less: a negative difference is noise and counts as 0 in the all-in.
          allin = tc[r] / el[r] + (extra > 0 ? extra : 0)
          allins[N "/" tool[r]] = allin
          stores = tool[r] ~ /^ours-/ && sc[r] != "" ? sprintf("%.2f", sc[r]) : "-"
          if (N == 0) {
            printf "| %s | %.2f | %.2f | %.2f | - | %.1f | - | %s | %.0f | %s |\n", tool[r], tc[r], extra * el[r], 100 * allin, hwm[r] / 1024, load[r], busy[r], stores >> out
            continue
          }
          printf "| %s | %.2f | %.2f | %.2f | %.4f | %.1f | %.0f | %s | %.0f | %s |\n", tool[r], tc[r], extra * el[r], 100 * allin, 1000 * allin / N, hwm[r] / 1024, hwm[r] / N, load[r], busy[r], stores >> out
        }
        ours = allins[N "/ours-cgroup"]
        if (ours > 0) {
          line = ""
          split("ours-api docker-stats netdata-cgroups netdata-full", anchors, " ")
          for (a = 1; a <= 4; a++) if ((N "/" anchors[a]) in allins) {
            line = line (line == "" ? "" : "; ") sprintf("%s %.1f× ours", anchors[a], allins[N "/" anchors[a]] / ours)
          }
          if (line != "") printf "\nOurs (cgroup source) compared with each anchor, all-in CPU: %s.\n", line >> out
        }
        printf "\n" >> out
      }
    }' "$TSV"
  if [ -s "$OUT/latency.tsv" ]; then
    {
      echo "## Live latency (CPU change to sample on a SignalR client, Api standalone, cgroup source, \`WatchAll\`)"
      echo
      echo "Trial: \`docker unpause\` of a paused busy-loop container at a random phase of the second; latency runs from just before the"
      echo "\`docker unpause\` call to the arrival of the first \`HostFrame\` in which that container's \`cpuPercent\` ≥ 20."
      echo
      echo "| N | Trials ok | Median ms | p99 ms | Min ms | Max ms | docker unpause median ms |"
      echo "|---:|---:|---:|---:|---:|---:|---:|"
      awk -F'\t' '{ line=$2; split(line, kv, " "); delete v
        for (i in kv) { split(kv[i], p, "="); v[p[1]] = p[2] }
        printf "| %s | %s/%s | %s | %s | %s | %s | %s |\n", $1, v["ok"], v["trials"], v["median_ms"], v["p99_ms"], v["min_ms"], v["max_ms"], v["unpause_median_ms"] }' "$OUT/latency.tsv"
      echo
    } >>"$OUTPUT"
  fi
  log "wrote $OUTPUT"
}

# ---------------------------------------------------------------- main
[ "$INSTALL" = 1 ] && install
if [ "$KEEP" = 0 ]; then : >"$TSV"; : >"$OUT/latency.tsv"; fi
chmod 711 "$W"   # PostgreSQL runs as its own user under the work dir
mkdir -p "$RUN_DIR"
start_dockerd
start_stores
build_image
# The idle silo: what a cluster-mode silo costs with no container to watch (Orleans' and our own periodic work).
case " $TOOLS " in *" ours-idle-silo "*)
  N=0
  case " $TOOLS " in *" idle "*) measure idle ;; esac
  measure ours-idle-silo ;;
esac
for N in $COUNTS; do
  ensure_containers "$N"
  for tool in $TOOLS; do [ "$tool" = ours-idle-silo ] || measure "$tool"; done
  case " $LATENCY_AT " in *" $N "*) [ "$TRIALS" -gt 0 ] && latency ;; esac
done
report
