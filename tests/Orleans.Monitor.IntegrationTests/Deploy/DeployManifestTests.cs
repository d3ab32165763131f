using System.Text.Json.Nodes;

namespace Orleans.Monitor.IntegrationTests.Deploy;

/// <summary>
/// The k8s/ manifests and docker-compose.yml, rendered offline (kubectl kustomize, docker-compose config) and checked
/// for what a silo and the Api need: host mounts, the advertised pod IP, the database secret, replicas and ports.
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
    public async Task Kustomize_RenderedManifests_ContainEachKindOnce()
    {
        var kinds = (await DeployFiles.LoadKubernetesObjectsAsync()).Select(o => (string?)o["kind"]).Order().ToList();

        Assert.Equal(["DaemonSet", "Deployment", "Namespace", "Secret", "Service", "Service", "StatefulSet"], kinds);
    }

    [Fact]
    public async Task Kustomize_SecretTemplate_HoldsNoRealPassword()
    {
        var secret = (await DeployFiles.LoadKubernetesObjectsAsync()).Single(o => (string?)o["kind"] == "Secret");

        Assert.Contains("Password=CHANGE-ME", (string?)secret["stringData"]?["connection-string"], StringComparison.Ordinal);
        Assert.Equal("CHANGE-ME", (string?)secret["stringData"]?["postgres-password"]);
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

    [Fact]
    public async Task CheckKubernetes_AdvertisedUrlBeforePodIp_IsReported()
    {
        var objects = await DeployFiles.LoadKubernetesObjectsAsync();
        var env = SiloContainer(objects)["env"]!.AsArray();
        var podIp = env.Single(e => (string?)e!["name"] == "POD_IP")!;
        env.Remove(podIp);
        env.Add(podIp);

        Assert.Equal(["silo: POD_IP must be defined before Silo__AdvertisedUrl"], DeployChecks.CheckKubernetes(objects));
    }

    [Fact]
    public async Task CheckKubernetes_ConnectionStringAsPlainValue_IsReported()
    {
        var objects = await DeployFiles.LoadKubernetesObjectsAsync();
        var connection = SiloContainer(objects)["env"]!.AsArray().Single(e => (string?)e!["name"] == "ConnectionStrings__Monitor")!.AsObject();
        connection.Remove("valueFrom");
        connection["value"] = "Host=postgres";

        Assert.Equal(["silo: ConnectionStrings__Monitor must come from a Secret"], DeployChecks.CheckKubernetes(objects));
    }

    [Fact]
    public async Task CheckKubernetes_SingleApiReplicaAndWrongServicePort_AreReported()
    {
        var objects = await DeployFiles.LoadKubernetesObjectsAsync();
        objects.Single(o => (string?)o["kind"] == "Deployment")["spec"]!["replicas"] = 1;
        var service = objects.Single(o => (string?)o["kind"] == "Service" && (string?)o["metadata"]!["name"] == "orleans-monitor-api");
        service["spec"]!["ports"]![0]!["targetPort"] = "metrics";

        Assert.Equal(
            ["api: at least 2 replicas", "api: Service orleans-monitor-api must have ports whose targetPort is a container port"],
            DeployChecks.CheckKubernetes(objects));
    }

    [Fact]
    public async Task Compose_File_WiresDatabaseDockerSocketAndHostMounts()
    {
        var compose = await DeployFiles.LoadComposeAsync();

        Assert.Empty(DeployChecks.CheckCompose(compose));
    }

    [Fact]
    public async Task CheckCompose_MissingProcMountAndWrongAdvertisedUrl_AreReported()
    {
        var compose = await DeployFiles.LoadComposeAsync();
        var silo = compose["services"]!["silo"]!;
        var volumes = silo["volumes"]!.AsArray();
        volumes.Remove(volumes.Single(v => v!.ToString().Contains("/host/proc", StringComparison.Ordinal)));
        silo["environment"]!["Silo__AdvertisedUrl"] = "http://localhost:8080";

        Assert.Equal(
            ["silo: Silo__AdvertisedUrl must be http://silo:8080, is 'http://localhost:8080'", "silo: nothing mounted at /host/proc"],
            DeployChecks.CheckCompose(compose));
    }

    private static JsonNode SiloContainer(IReadOnlyList<JsonNode> objects) =>
        objects.Single(o => (string?)o["kind"] == "DaemonSet")["spec"]!["template"]!["spec"]!["containers"]![0]!;
}
