# Images of Orleans.Monitor, one target each:
#
#   docker build --target silo -t orleans-monitor-silo .
#   docker build --target api  -t orleans-monitor-api  .
#
# The web app (Web/) is built in a Node stage and copied into the Api before `dotnet publish`, which then skips
# its own npm step (-p:SkipWebBuild=true). The base images are build arguments so the same file builds from
# mirrored or locally made images (see k8s/README.md, "Build and push the images").
#
# Both runtime images run as the unprivileged user the .NET images define ($APP_UID, 1654) and serve HTTP on 8080
# (ASPNETCORE_HTTP_PORTS); the silo also listens on the Orleans silo (11111) and gateway (30000) ports. The silo reads
# the Docker socket: give it the socket's group (docker-compose.yml: group_add) or run it as uid 0 without
# capabilities (k8s/silo-daemonset.yaml); see k8s/README.md.

ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0
ARG NODE_IMAGE=node:20

FROM ${NODE_IMAGE} AS web
WORKDIR /src/Web
COPY Web/package.json Web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY Web/ ./
# vite writes to ../Api/wwwroot/app
RUN npm run build

FROM ${SDK_IMAGE} AS build
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1 \
    DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
WORKDIR /src
# Restore first, from the project files alone, so a source change does not invalidate the package layer.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY Contracts/Orleans.Monitor.Contracts.csproj Contracts/
COPY Grains/Orleans.Monitor.Grains.csproj Grains/
COPY Storage/Orleans.Monitor.Storage.csproj Storage/
COPY Silo/Orleans.Monitor.Silo.csproj Silo/
COPY Web/Web.targets Web/
COPY Api/Orleans.Monitor.Api.csproj Api/
RUN dotnet restore Api/Orleans.Monitor.Api.csproj
COPY Contracts/ Contracts/
COPY Grains/ Grains/
COPY Storage/ Storage/
COPY Silo/ Silo/
COPY Api/ Api/
COPY --from=web /src/Api/wwwroot/app/ Api/wwwroot/app/
RUN dotnet publish Silo/Orleans.Monitor.Silo.csproj -c Release --no-restore -o /out/silo \
 && dotnet publish Api/Orleans.Monitor.Api.csproj -c Release --no-restore -o /out/api -p:SkipWebBuild=true \
 && test -f /out/api/wwwroot/app/index.html

# One silo per Docker host. Needs DOCKER_HOST (socket mount), the host's /proc and /sys/fs/cgroup for cgroup stats,
# ConnectionStrings__Redis (Orleans membership) and ConnectionStrings__Monitor (PostgreSQL). Other silos connect to
# 11111, the Api to 30000, both at Orleans__Endpoints__AdvertisedIPAddress (default: the container's address);
# 8080 serves GET /healthz.
FROM ${RUNTIME_IMAGE} AS silo
WORKDIR /app
COPY --from=build /out/silo/ ./
# /data holds the spool of minute rows not yet written (Storage:Spool): mount a volume there so that they survive a
# restart of the container during a database outage.
RUN mkdir -p /data && chown "$APP_UID" /data
# A 4 MiB gen0 budget instead of one sized from the CPU cache: 15 MB less RSS at 200 containers, same CPU
# (bench/RESULTS.md, ours-cgroup-gc). The GC reads this setting from the environment only.
ENV ASPNETCORE_HTTP_PORTS=8080 \
    DOCKER_HOST=unix:///var/run/docker.sock \
    DOTNET_GCgen0size=0x400000 \
    Storage__DataPath=/data
EXPOSE 8080 11111 30000
USER $APP_UID
ENTRYPOINT ["dotnet", "Orleans.Monitor.Silo.dll"]

# REST, the SignalR hub /hubs/live and the dashboard. With ConnectionStrings__Redis it is an Orleans client of the
# silos' cluster (and needs ConnectionStrings__Monitor); without it, it runs standalone, co-hosts a silo and keeps
# its data under /data.
FROM ${RUNTIME_IMAGE} AS api
WORKDIR /app
COPY --from=build /out/api/ ./
RUN mkdir -p /data && chown "$APP_UID" /data
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Storage__DataPath=/data
EXPOSE 8080
USER $APP_UID
ENTRYPOINT ["dotnet", "Orleans.Monitor.Api.dll"]
