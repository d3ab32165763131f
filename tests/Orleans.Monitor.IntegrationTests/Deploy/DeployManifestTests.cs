using System.Text.Json.Nodes;

namespace Orleans.Monitor.IntegrationTests.Deploy;

/// <summary>
/// The k8s/ manifests and docker-compose.yml, rendered offline (kubectl kustomize, docker-compose config) and checked
/// for what the Orleans cluster needs: Redis membership and PostgreSQL for silo and Api, the silo's Orleans ports and
/// advertised pod IP, host mounts, probes, the database secret, replicas and ports. Each check also has a test that
/// breaks a copy and expects exactly that problem.
/// </summary>
public sealed class DeployManifestTests
{
    [Fact]
    public async Task Kustomize_RenderedManifests_HaveWhatSilosAndApiNeed()
    {
        var objects = await DeployFiles.LoadKubernetesObjectsAsync();

        Assert.Empty(DeployChecks.CheckKubernetes(objects));
    }

    [Fact]
    public async Task Kustomize_RenderedManifests_AreTheExpectedObjects()
    {
        var kinds = (await DeployFiles.LoadKubernetesObjectsAsync())
            .Select(o => $"{(string?)o["kind"]}/{(string?)o["metadata"]!["name"]}")
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(
            [
                "DaemonSet/orleans-monitor-silo", "Deployment/orleans-monitor-api", "Deployment/orleans-monitor-redis",
                "Namespace/orleans-monitor", "Secret/orleans-monitor-api-keys", "Secret/orleans-monitor-database", "Service/orleans-monitor-api",
                "Service/orleans-monitor-redis", "Service/postgres", "StatefulSet/postgres",
            ],
            kinds);
    }

    [Fact]
    public async Task Kustomize_SecretTemplate_HoldsNoRealPassword()
    {
        var objects = await DeployFiles.LoadKubernetesObjectsAsync();
        var secret = objects.Single(o => (string?)o["kind"] == "Secret" && (string?)o["metadata"]!["name"] == "orleans-monitor-database");
        var keys = objects.Single(o => (string?)o["kind"] == "Secret" && (string?)o["metadata"]!["name"] == "orleans-monitor-api-keys");

        Assert.Contains("Password=CHANGE-ME", (string?)secret["stringData"]?["connection-string"], StringComparison.Ordinal);
        Assert.Equal("CHANGE-ME", (string?)secret["stringData"]?["postgres-password"]);
        Assert.Equal("CHANGE-ME", (string?)keys["stringData"]?["admin-sha256"]);
    }

    [Fact]
    public async Task CheckKubernetes_ObjectOutsideNamespace_IsReported()
    {
        var objects = await DeployFiles.LoadKubernetesObjectsAsync();
        Object(objects, "Service", "orleans-monitor-redis")["metadata"]!["namespace"] = "default";

        Assert.Equal(["Service/orleans-monitor-redis is not in namespace orleans-monitor"], DeployChecks.CheckKubernetes(objects));
    }

    [Theory]
    [InlineData("docker-sock", "silo: hostPath /var/run/docker.sock must be mounted read-only at /var/run/docker.sock")]
    [InlineData("host-proc", "silo: hostPath /proc must be mounted read-only at /host/proc")]
    [InlineData("host-cgroup", "silo: hostPath /sys/fs/cgroup must be mounted read-only at /host/sys/fs/cgroup")]
    public async Task CheckKubernetes_WritableHostMount_IsReported(string volume, string problem)
    {
        var objects = await DeployFiles.LoadKubernetesObjectsAsync();
        var mounts = SiloContainer(objects)["volumeMounts"]!.AsArray();
        mounts.Single(m => (string?)m!["name"] == volume)!["readOnly"] = false;

        Assert.Equal([problem], DeployChecks.CheckKubernetes(objects));
    }

    [Theory]
    [InlineData("Silo__AdvertisedUrl")]
    [InlineData("Membership__SiloId")]
    public async Task CheckKubernetes_LeftoverMembershipSetting_IsReported(string setting)
    {
        var objects = await DeployFiles.LoadKubernetesObjectsAsync();
        SiloContainer(objects)["env"]!.AsArray().Add(new JsonObject { ["name"] = setting, ["value"] = "x" });

        Assert.Equal(
            [$"DaemonSet/orleans-monitor-silo: {setting} belongs to the old membership and is no longer read; remove it"],
            DeployChecks.CheckKubernetes(objects));
    }

    [Fact]
    public async Task CheckKubernetes_AdvertisedAddressNotFromPodIp_IsReported()
    {
        var objects = await DeployFiles.LoadKubernetesObjectsAsync();
        Env(SiloContainer(objects), "Orleans__Endpoints__AdvertisedIPAddress")["valueFrom"]!["fieldRef"]!["fieldPath"] = "status.hostIP";

        Assert.Equal(
            ["silo: Orleans__Endpoints__AdvertisedIPAddress must come from the downward API (status.podIP)"],
            DeployChecks.CheckKubernetes(objects));
    }

    [Fact]
    public async Task CheckKubernetes_MissingGatewayPortAndMovedSiloPort_AreReported()
    {
        var objects = await DeployFiles.LoadKubernetesObjectsAsync();
        var silo = SiloContainer(objects);
        var ports = silo["ports"]!.AsArray();
        ports.Remove(ports.Single(p => (int?)p!["containerPort"] == 30000));
        silo["env"]!.AsArray().Add(new JsonObject { ["name"] = "Orleans__Endpoints__SiloPort", ["value"] = "11112" });

        Assert.Equal(
            [
                "silo: containerPort 11112 (Orleans__Endpoints__SiloPort) is not declared",
                "silo: containerPort 30000 (Orleans__Endpoints__GatewayPort) is not declared",
            ],
            DeployChecks.CheckKubernetes(objects));
    }

    [Fact]
    public async Task CheckKubernetes_ConnectionStringAsPlainValue_IsReported()
    {
        var objects = await DeployFiles.LoadKubernetesObjectsAsync();
        var connection = Env(SiloContainer(objects), "ConnectionStrings__Monitor").AsObject();
        connection.Remove("valueFrom");
        connection["value"] = "Host=postgres";

        Assert.Equal(["silo: ConnectionStrings__Monitor must come from a Secret"], DeployChecks.CheckKubernetes(objects));
    }

    [Fact]
    public async Task CheckKubernetes_RedisConnectionToUnknownHostAndMissingOne_AreReported()
    {
        var objects = await DeployFiles.LoadKubernetesObjectsAsync();
        Env(SiloContainer(objects), "ConnectionStrings__Redis")["value"] = "redis:6379";
        var apiEnv = Container(Object(objects, "Deployment", "orleans-monitor-api"))["env"]!.AsArray();
        apiEnv.Remove(apiEnv.Single(e => (string?)e!["name"] == "ConnectionStrings__Redis"));

        Assert.Equal(
            [
                "silo: ConnectionStrings__Redis names 'redis', which is no Service in the manifests",
                "api: ConnectionStrings__Redis must name the Redis Service as a plain value (host:port), is ''",
            ],
            DeployChecks.CheckKubernetes(objects));
    }

    [Fact]
    public async Task CheckKubernetes_RedisConnectionToWrongPort_IsReported()
    {
        var objects = await DeployFiles.LoadKubernetesObjectsAsync();
        Env(SiloContainer(objects), "ConnectionStrings__Redis")["value"] = "orleans-monitor-redis.orleans-monitor.svc.cluster.local:6380,abortConnect=false";

        Assert.Equal(
            ["silo: ConnectionStrings__Redis names port 6380, which Service orleans-monitor-redis does not serve"],
            DeployChecks.CheckKubernetes(objects));
    }

    [Fact]
    public async Task CheckKubernetes_SiloAndApiOnDifferentRedisServices_IsReported()
    {
        var objects = await DeployFiles.LoadKubernetesObjectsAsync();
        Env(SiloContainer(objects), "ConnectionStrings__Redis")["value"] = "postgres:5432";

        var problems = DeployChecks.CheckKubernetes(objects);

        Assert.Contains("silo and api use different Redis Services (postgres, orleans-monitor-redis): two membership tables", problems);
    }

    [Fact]
    public async Task CheckKubernetes_RedisServiceWithoutDeployment_IsReported()
    {
        var all = await DeployFiles.LoadKubernetesObjectsAsync();
        var redis = Object(all, "Deployment", "orleans-monitor-redis");
        var objects = all.Where(o => o != redis).ToList();

        Assert.Equal(["Service orleans-monitor-redis (ConnectionStrings__Redis) selects no Deployment's pods"], DeployChecks.CheckKubernetes(objects));
    }

    [Fact]
    public async Task CheckKubernetes_RedisServiceTargetPortNotInPod_IsReported()
    {
        var objects = await DeployFiles.LoadKubernetesObjectsAsync();
        Object(objects, "Service", "orleans-monitor-redis")["spec"]!["ports"]![0]!["targetPort"] = "metrics";

        Assert.Equal(
            ["Service orleans-monitor-redis: every targetPort must be a container port of Deployment orleans-monitor-redis"],
            DeployChecks.CheckKubernetes(objects));
    }

    [Theory]
    [InlineData(2, "Recreate")]
    [InlineData(1, "RollingUpdate")]
    public async Task CheckKubernetes_SecondRedisAtOnce_IsReported(int replicas, string strategy)
    {
        var objects = await DeployFiles.LoadKubernetesObjectsAsync();
        var spec = Object(objects, "Deployment", "orleans-monitor-redis")["spec"]!;
        spec["replicas"] = replicas;
        spec["strategy"] = new JsonObject { ["type"] = strategy };

        Assert.Equal(
            ["Deployment orleans-monitor-redis: Redis must run one replica with strategy Recreate, never two membership tables at once"],
            DeployChecks.CheckKubernetes(objects));
    }

    [Fact]
    public async Task CheckKubernetes_ApiInAnotherCluster_IsReported()
    {
        var objects = await DeployFiles.LoadKubernetesObjectsAsync();
        Container(Object(objects, "Deployment", "orleans-monitor-api"))["env"]!.AsArray()
            .Add(new JsonObject { ["name"] = "Orleans__ClusterId", ["value"] = "staging" });

        Assert.Equal(
            ["silo and api are in different clusters: Orleans__ClusterId is 'orleans-monitor' and 'staging'"],
            DeployChecks.CheckKubernetes(objects));
    }

    [Fact]
    public async Task CheckKubernetes_OldProbePath_IsReported()
    {
        var objects = await DeployFiles.LoadKubernetesObjectsAsync();
        SiloContainer(objects)["livenessProbe"]!["httpGet"]!["path"] = "/silo/v1/healthz";

        Assert.Equal(["silo: livenessProbe must GET /healthz on a container port"], DeployChecks.CheckKubernetes(objects));
    }

    [Fact]
    public async Task CheckKubernetes_ShortGracePeriodAndSurge_AreReported()
    {
        var objects = await DeployFiles.LoadKubernetesObjectsAsync();
        var daemonSet = Object(objects, "DaemonSet", "orleans-monitor-silo");
        daemonSet["spec"]!["template"]!["spec"]!["terminationGracePeriodSeconds"] = 5;
        daemonSet["spec"]!["updateStrategy"]!["rollingUpdate"]!["maxSurge"] = 1;

        Assert.Equal(
            [
                "silo: terminationGracePeriodSeconds must be at least 30 to leave the cluster, is 5",
                "silo: the DaemonSet must not surge (maxSurge): a second silo for a node's Docker engine refuses to start",
            ],
            DeployChecks.CheckKubernetes(objects));
    }

    [Fact]
    public async Task CheckKubernetes_SingleApiReplicaAndWrongServicePort_AreReported()
    {
        var objects = await DeployFiles.LoadKubernetesObjectsAsync();
        Object(objects, "Deployment", "orleans-monitor-api")["spec"]!["replicas"] = 1;
        Object(objects, "Service", "orleans-monitor-api")["spec"]!["ports"]![0]!["targetPort"] = "metrics";

        Assert.Equal(
            ["api: at least 2 replicas", "api: Service orleans-monitor-api must have ports whose targetPort is a container port"],
            DeployChecks.CheckKubernetes(objects));
    }

    [Fact]
    public async Task Compose_File_WiresRedisDatabaseDockerSocketAndHostMounts()
    {
        var compose = await DeployFiles.LoadComposeAsync();

        Assert.Empty(DeployChecks.CheckCompose(compose));
    }

    [Fact]
    public async Task CheckCompose_MissingProcMountAndLeftoverAdvertisedUrl_AreReported()
    {
        var compose = await DeployFiles.LoadComposeAsync();
        var silo = compose["services"]!["silo"]!;
        var volumes = silo["volumes"]!.AsArray();
        volumes.Remove(volumes.Single(v => v!.ToString().Contains("/host/proc", StringComparison.Ordinal)));
        silo["environment"]!["Silo__AdvertisedUrl"] = "http://silo:8080";

        Assert.Equal(
            [
                "silo: Silo__AdvertisedUrl belongs to the old membership and is no longer read; remove it",
                "silo: nothing mounted at /host/proc",
            ],
            DeployChecks.CheckCompose(compose));
    }

    [Fact]
    public async Task CheckCompose_LeftoverMembershipSettingOnApi_IsReported()
    {
        var compose = await DeployFiles.LoadComposeAsync();
        compose["services"]!["api"]!["environment"]!["Membership__LeaseDuration"] = "00:00:15";

        Assert.Equal(
            ["api: Membership__LeaseDuration belongs to the old membership and is no longer read; remove it"],
            DeployChecks.CheckCompose(compose));
    }

    [Fact]
    public async Task CheckCompose_RedisWithoutHealthcheckAndApiNotWaiting_AreReported()
    {
        var compose = await DeployFiles.LoadComposeAsync();
        compose["services"]!["redis"]!.AsObject().Remove("healthcheck");
        compose["services"]!["api"]!["depends_on"]!.AsObject().Remove("redis");

        Assert.Equal(
            ["redis: a healthcheck is needed (api and silo wait for it)", "api: must depend on redis with condition service_healthy"],
            DeployChecks.CheckCompose(compose));
    }

    [Fact]
    public async Task CheckCompose_SiloStartingBeforePostgresIsHealthy_IsReported()
    {
        var compose = await DeployFiles.LoadComposeAsync();
        compose["services"]!["silo"]!["depends_on"]!["postgres"]!["condition"] = "service_started";

        Assert.Equal(["silo: must depend on postgres with condition service_healthy"], DeployChecks.CheckCompose(compose));
    }

    [Fact]
    public async Task CheckCompose_NoRedisService_IsReported()
    {
        var compose = await DeployFiles.LoadComposeAsync();
        compose["services"]!.AsObject().Remove("redis");

        Assert.Equal(["services postgres, redis, api and silo are needed"], DeployChecks.CheckCompose(compose));
    }

    [Fact]
    public async Task CheckCompose_ConnectionStringsToLocalhost_AreReported()
    {
        var compose = await DeployFiles.LoadComposeAsync();
        var silo = compose["services"]!["silo"]!;
        silo["environment"]!["ConnectionStrings__Redis"] = "localhost:6379";
        var api = compose["services"]!["api"]!;
        api["environment"]!.AsObject().Remove("ConnectionStrings__Monitor");

        Assert.Equal(
            [
                "api: ConnectionStrings__Monitor must point at the postgres service, is ''",
                "silo: ConnectionStrings__Redis must point at the redis service (redis:6379), is 'localhost:6379'",
            ],
            DeployChecks.CheckCompose(compose));
    }

    [Fact]
    public async Task CheckCompose_SiloInAnotherCluster_IsReported()
    {
        var compose = await DeployFiles.LoadComposeAsync();
        compose["services"]!["silo"]!["environment"]!["Orleans__ServiceId"] = "other";

        Assert.Equal(
            ["silo and api are in different clusters: Orleans__ServiceId is 'other' and 'orleans-monitor'"],
            DeployChecks.CheckCompose(compose));
    }

    [Fact]
    public async Task CheckCompose_NoDockerGroupAndNoRestart_AreReported()
    {
        var compose = await DeployFiles.LoadComposeAsync();
        var silo = compose["services"]!["silo"]!.AsObject();
        silo.Remove("group_add");
        silo["restart"] = "no";

        Assert.Equal(
            ["silo: group_add must add the Docker socket's group (the image's user is not in it)", "silo: restart must be unless-stopped, is 'no'"],
            DeployChecks.CheckCompose(compose));
    }

    private static JsonNode Object(IReadOnlyList<JsonNode> objects, string kind, string name) =>
        objects.Single(o => (string?)o["kind"] == kind && (string?)o["metadata"]!["name"] == name);

    private static JsonNode Container(JsonNode workload) => workload["spec"]!["template"]!["spec"]!["containers"]![0]!;

    private static JsonNode SiloContainer(IReadOnlyList<JsonNode> objects) => Container(Object(objects, "DaemonSet", "orleans-monitor-silo"));

    private static JsonNode Env(JsonNode container, string name) =>
        container["env"]!.AsArray().Single(e => (string?)e!["name"] == name)!;
}
