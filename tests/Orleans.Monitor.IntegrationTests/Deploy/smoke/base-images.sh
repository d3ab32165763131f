#!/usr/bin/env bash
# Makes stand-ins for the public base images the Dockerfile and docker-compose.yml name, for machines that reach
# Debian's mirror and the package registries but no image registry:
#
#   local/debian:bookworm   debootstrap --variant=minbase, imported
#   local/dotnet-sdk:10.0   + this machine's /usr/share/dotnet             (SDK_IMAGE)
#   local/aspnet:10.0       + its runtimes only, user app (1654), APP_UID   (RUNTIME_IMAGE)
#   local/node:20           + this machine's node and npm                   (NODE_IMAGE)
#   local/postgres:15       + Debian's postgresql-15 and an entrypoint that honours POSTGRES_*  (POSTGRES_IMAGE)
#   local/redis:7           + Debian's redis-server 7.0, run like the official image            (REDIS_IMAGE)
#
# Usage: DOCKER_HOST=unix:///path/to/your/docker.sock base-images.sh WORKDIR
# Builds with the classic builder and host networking (apt-get inside the postgres and redis images). The SDK and
# Node images also trust this machine's local certificate authorities (/usr/local/share/ca-certificates), so restore
# and npm ci work where the registries are reached through a TLS-inspecting proxy.
set -euo pipefail
work=${1:?usage: base-images.sh WORKDIR}
here=$(cd "$(dirname "$0")" && pwd)
dotnet_root=${DOTNET_ROOT:-/usr/share/dotnet}
export DOCKER_BUILDKIT=0
mkdir -p "$work"

have() { docker image inspect "$1" >/dev/null 2>&1; }

# Local CAs, copied into a build context's ca/ folder (empty when there are none).
local_cas() { mkdir -p "$1/ca"; find /usr/local/share/ca-certificates -name '*.crt' -exec cp {} "$1/ca/" \; 2>/dev/null || true; }

if ! have local/debian:bookworm; then
  rootfs="$work/rootfs"
  [ -x "$rootfs/bin/sh" ] || debootstrap --variant=minbase \
    --include=ca-certificates,libicu72,libssl3,tzdata,zlib1g bookworm "$rootfs" http://deb.debian.org/debian
  tar -C "$rootfs" -c . | docker import --change 'CMD ["bash"]' - local/debian:bookworm
fi

if ! have local/dotnet-sdk:10.0; then
  ctx="$work/ctx-sdk"; mkdir -p "$ctx"; local_cas "$ctx"
  cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM local/debian:bookworm
COPY ca/ /usr/local/share/ca-certificates/
COPY dotnet /usr/share/dotnet
RUN update-ca-certificates && ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
ENV DOTNET_ROOT=/usr/share/dotnet DOTNET_RUNNING_IN_CONTAINER=true NUGET_CERT_REVOCATION_MODE=offline
DOCKERFILE
  tar -c -C "$ctx" Dockerfile ca -C "$(dirname "$dotnet_root")" "$(basename "$dotnet_root")" \
    --transform "s,^$(basename "$dotnet_root"),dotnet," | docker build -t local/dotnet-sdk:10.0 -
fi

if ! have local/aspnet:10.0; then
  ctx="$work/ctx-aspnet"; mkdir -p "$ctx"
  cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM local/debian:bookworm
COPY dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet \
 && groupadd --gid 1654 app && useradd --uid 1654 --gid 1654 --no-create-home --shell /bin/false app
# The same variables the public aspnet image sets.
ENV APP_UID=1654 ASPNETCORE_HTTP_PORTS=8080 DOTNET_RUNNING_IN_CONTAINER=true DOTNET_ROOT=/usr/share/dotnet
DOCKERFILE
  tar -c -C "$ctx" Dockerfile -C "$(dirname "$dotnet_root")" \
    "$(basename "$dotnet_root")/dotnet" "$(basename "$dotnet_root")/host" "$(basename "$dotnet_root")/shared" \
    --transform "s,^$(basename "$dotnet_root"),dotnet," | docker build -t local/aspnet:10.0 -
fi

if ! have local/node:20; then
  ctx="$work/ctx-node"; mkdir -p "$ctx/bin" "$ctx/lib"; local_cas "$ctx"
  cp /usr/bin/node "$ctx/bin/node"
  cp -a /usr/lib/node_modules/npm "$ctx/lib/npm"
  cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM local/debian:bookworm
COPY ca/ /usr/local/share/ca-certificates/
COPY bin/node /usr/local/bin/node
COPY lib/npm /usr/local/lib/node_modules/npm
RUN update-ca-certificates && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && node --version && npm --version
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
DOCKERFILE
  docker build -t local/node:20 "$ctx"
fi

if ! have local/postgres:15; then
  docker build --network host -t local/postgres:15 -f "$here/postgres.Dockerfile" "$here"
fi

if ! have local/redis:7; then
  docker build --network host -t local/redis:7 -f "$here/redis.Dockerfile" "$here"
fi

docker image ls 'local/*'
