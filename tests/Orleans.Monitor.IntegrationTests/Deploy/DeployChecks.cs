using System.Text.Json.Nodes;

namespace Orleans.Monitor.IntegrationTests.Deploy;

/// <summary>
/// What a deployment needs to work, checked on the rendered objects: each check returns the problems it found, so a
/// test can show both that the real files pass and that a broken copy is caught.
/// </summary>
internal static class DeployChecks
{
    public const string Namespace = "orleans-monitor";

    /// <summary>The host paths a silo reads, and where the options expect them.</summary>
    private static readonly (string HostPath, string MountPath)[] SiloHostMounts =
    [
        ("/var/run/docker.sock", "/var/run/docker.sock"),
        ("/proc", "/host/proc"),
        ("/sys/fs/cgroup", "/host/sys/fs/cgroup"),
    ];

    public static List<string> CheckKubernetes(IReadOnlyList<JsonNode> objects)
    {
        var problems = new List<string>();
        foreach (var o in objects.Where(o => Kind(o) is not "Namespace" and not "ClusterRole" and not "ClusterRoleBinding"))
        {
            if (Str(o["metadata"]?["namespace"]) != Namespace)
            {
                problems.Add($"{Kind(o)}/{Name(o)} is not in namespace {Namespace}");
            }
        }

        if (!objects.Any(o => Kind(o) == "Namespace" && Name(o) == Namespace))
        {
            problems.Add($"no Namespace {Namespace}");
        }

        CheckSiloDaemonSet(objects, problems);
        CheckApi(objects, problems);
        return problems;
    }

    public static List<string> CheckCompose(JsonNode compose)
    {
        var problems = new List<string>();
        var services = compose["services"];
        if (services?["postgres"] is null || services["api"] is not { } api || services["silo"] is not { } silo)
        {
            problems.Add("services postgres, api and silo are needed");
            return problems;
        }

        foreach (var (name, service) in new[] { ("api", api), ("silo", silo) })
        {
            var connection = ComposeEnv(service, "ConnectionStrings__Monitor");
            if (connection is null || !connection.Contains("Host=postgres", StringComparison.Ordinal))
            {
                problems.Add($"{name}: ConnectionStrings__Monitor must point at the postgres service, is '{connection}'");
            }
        }

        if (ComposeEnv(services["postgres"]!, "POSTGRES_PASSWORD") is { } password
            && ComposeEnv(api, "ConnectionStrings__Monitor") is { } apiConnection
            && !apiConnection.Contains($"Password={password}", StringComparison.Ordinal))
        {
            problems.Add("the Api's connection string does not carry POSTGRES_PASSWORD");
        }

        var expectedEnv = new Dictionary<string, string>
        {
            ["DOCKER_HOST"] = "unix:///var/run/docker.sock",
            ["Silo__AdvertisedUrl"] = "http://silo:8080",
            ["Stats__Cgroup__ProcRoot"] = "/host/proc",
            ["Stats__Cgroup__CgroupRoot"] = "/host/sys/fs/cgroup",
        };
        foreach (var (key, value) in expectedEnv)
        {
            if (ComposeEnv(silo, key) != value)
            {
                problems.Add($"silo: {key} must be {value}, is '{ComposeEnv(silo, key)}'");
            }
        }

        var volumes = ComposeVolumes(silo);
        foreach (var (hostPath, mountPath) in SiloHostMounts)
        {
            var volume = volumes.FirstOrDefault(v => v.Target == mountPath);
            if (volume.Target is null)
            {
                problems.Add($"silo: nothing mounted at {mountPath}");
            }
            else if (!volume.ReadOnly)
            {
                problems.Add($"silo: {mountPath} must be mounted read-only");
            }
            else if (hostPath != "/var/run/docker.sock" && volume.Source != hostPath)
            {
                problems.Add($"silo: {mountPath} must come from the host's {hostPath}, comes from {volume.Source}");
            }
        }

        if (!ComposePortTargets(api).Contains(8080))
        {
            problems.Add("api: port 8080 is not published");
        }

        return problems;
    }

    private static void CheckSiloDaemonSet(IReadOnlyList<JsonNode> objects, List<string> problems)
    {
        var daemonSets = objects.Where(o => Kind(o) == "DaemonSet").ToList();
        if (daemonSets.Count != 1)
        {
            problems.Add($"expected one DaemonSet for the silos, found {daemonSets.Count}");
            return;
        }

        var daemonSet = daemonSets[0];
        var pod = daemonSet["spec"]?["template"]?["spec"];
        var container = Array(pod?["containers"]).FirstOrDefault();
        if (pod is null || container is null)
        {
            problems.Add("the silo DaemonSet has no container");
            return;
        }

        var volumes = Array(pod["volumes"]);
        var mounts = Array(container["volumeMounts"]);
        foreach (var (hostPath, mountPath) in SiloHostMounts)
        {
            var volume = volumes.FirstOrDefault(v => Str(v["hostPath"]?["path"]) == hostPath);
            if (volume is null)
            {
                problems.Add($"silo: no hostPath volume for {hostPath}");
                continue;
            }

            var mount = mounts.FirstOrDefault(m => Str(m["name"]) == Str(volume["name"]));
            if (mount is null)
            {
                problems.Add($"silo: hostPath {hostPath} is not mounted");
            }
            else if (Str(mount["mountPath"]) != mountPath || mount["readOnly"]?.GetValue<bool>() != true)
            {
                problems.Add($"silo: hostPath {hostPath} must be mounted read-only at {mountPath}");
            }
        }

        var env = Array(container["env"]);
        var names = env.Select(e => Str(e["name"])).ToList();
        var podIp = env.FirstOrDefault(e => Str(e["name"]) == "POD_IP");
        if (Str(podIp?["valueFrom"]?["fieldRef"]?["fieldPath"]) != "status.podIP")
        {
            problems.Add("silo: POD_IP must come from the downward API (status.podIP)");
        }

        var advertised = Str(env.FirstOrDefault(e => Str(e["name"]) == "Silo__AdvertisedUrl")?["value"]);
        if (advertised is null || !advertised.Contains("$(POD_IP)", StringComparison.Ordinal))
        {
            problems.Add($"silo: Silo__AdvertisedUrl must use $(POD_IP), is '{advertised}'");
        }
        else if (names.IndexOf("POD_IP") > names.IndexOf("Silo__AdvertisedUrl"))
        {
            // Kubernetes expands $(VAR) only from variables defined earlier in the list.
            problems.Add("silo: POD_IP must be defined before Silo__AdvertisedUrl");
        }
        else if (!advertised.EndsWith($":{ContainerPort(container, "http")}", StringComparison.Ordinal))
        {
            problems.Add($"silo: Silo__AdvertisedUrl '{advertised}' does not name the container's http port");
        }

        CheckSecretConnectionString(objects, env, "silo", problems);
        RequireEnv(env, "Stats__Cgroup__ProcRoot", "/host/proc", "silo", problems);
        RequireEnv(env, "Stats__Cgroup__CgroupRoot", "/host/sys/fs/cgroup", "silo", problems);
        RequireEnv(env, "DOCKER_HOST", "unix:///var/run/docker.sock", "silo", problems);

        foreach (var probe in new[] { "readinessProbe", "livenessProbe" })
        {
            var get = container[probe]?["httpGet"];
            if (Str(get?["path"]) != "/silo/v1/healthz" || ResolvePort(container, get?["port"]) is null)
            {
                problems.Add($"silo: {probe} must GET /silo/v1/healthz on a container port");
            }
        }

        if (!Array(pod["tolerations"]).Any(t => Str(t["operator"]) == "Exists" && t["key"] is null))
        {
            problems.Add("silo: a toleration with operator Exists and no key is needed to run on every node");
        }

        var resources = container["resources"];
        if (MiB(Str(resources?["requests"]?["memory"])) is not >= 64 || MiB(Str(resources?["limits"]?["memory"])) is not >= 150)
        {
            problems.Add("silo: memory requests (>= 64Mi) and limits (>= 150Mi, the measured RSS) are needed");
        }
    }

    private static void CheckApi(IReadOnlyList<JsonNode> objects, List<string> problems)
    {
        var deployment = objects.FirstOrDefault(o => Kind(o) == "Deployment" && Name(o)?.Contains("api", StringComparison.Ordinal) == true);
        if (deployment is null)
        {
            problems.Add("no Deployment for the Api");
            return;
        }

        if (deployment["spec"]?["replicas"]?.GetValue<int>() is not >= 2)
        {
            problems.Add("api: at least 2 replicas");
        }

        var template = deployment["spec"]?["template"];
        var container = Array(template?["spec"]?["containers"]).FirstOrDefault();
        if (container is null)
        {
            problems.Add("api: no container");
            return;
        }

        CheckSecretConnectionString(objects, Array(container["env"]), "api", problems);

        var podLabels = template?["metadata"]?["labels"]?.AsObject();
        var service = objects.FirstOrDefault(o => Kind(o) == "Service"
            && o["spec"]?["selector"]?.AsObject() is { Count: > 0 } selector
            && podLabels is not null
            && selector.All(kv => Str(podLabels[kv.Key]) == Str(kv.Value)));
        if (service is null)
        {
            problems.Add("api: no Service selects the Api pods");
            return;
        }

        var ports = Array(service["spec"]?["ports"]);
        if (ports.Count == 0 || ports.Any(p => ResolvePort(container, p["targetPort"] ?? p["port"]) is null))
        {
            problems.Add($"api: Service {Name(service)} must have ports whose targetPort is a container port");
        }
    }

    private static void CheckSecretConnectionString(IReadOnlyList<JsonNode> objects, List<JsonNode> env, string who, List<string> problems)
    {
        var reference = env.FirstOrDefault(e => Str(e["name"]) == "ConnectionStrings__Monitor")?["valueFrom"]?["secretKeyRef"];
        if (reference is null)
        {
            problems.Add($"{who}: ConnectionStrings__Monitor must come from a Secret");
            return;
        }

        var secret = objects.FirstOrDefault(o => Kind(o) == "Secret" && Name(o) == Str(reference["name"]));
        var key = Str(reference["key"]);
        if (secret is null || key is null || (secret["stringData"]?[key] ?? secret["data"]?[key]) is null)
        {
            problems.Add($"{who}: Secret {Str(reference["name"])} with key {key} is not part of the manifests");
        }
    }

    private static void RequireEnv(List<JsonNode> env, string name, string value, string who, List<string> problems)
    {
        if (Str(env.FirstOrDefault(e => Str(e["name"]) == name)?["value"]) != value)
        {
            problems.Add($"{who}: {name} must be {value}");
        }
    }

    private static int? ContainerPort(JsonNode container, string name) =>
        Array(container["ports"]).FirstOrDefault(p => Str(p["name"]) == name)?["containerPort"]?.GetValue<int>();

    private static int? ResolvePort(JsonNode container, JsonNode? port)
    {
        if (port is null)
        {
            return null;
        }

        if (port.GetValueKind() == System.Text.Json.JsonValueKind.Number)
        {
            var number = port.GetValue<int>();
            return Array(container["ports"]).Any(p => p["containerPort"]?.GetValue<int>() == number) ? number : null;
        }

        return ContainerPort(container, port.GetValue<string>());
    }

    private static double? MiB(string? quantity) => quantity switch
    {
        null => null,
        _ when quantity.EndsWith("Mi", StringComparison.Ordinal) => double.Parse(quantity[..^2], System.Globalization.CultureInfo.InvariantCulture),
        _ when quantity.EndsWith("Gi", StringComparison.Ordinal) => double.Parse(quantity[..^2], System.Globalization.CultureInfo.InvariantCulture) * 1024,
        _ => null,
    };

    private static string? ComposeEnv(JsonNode service, string name)
    {
        var environment = service["environment"];
        if (environment is JsonObject map)
        {
            return map[name] is { } value ? value.ToString() : null;
        }

        var prefix = name + "=";
        return Array(environment).Select(e => e.ToString()).FirstOrDefault(e => e.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..];
    }

    private static List<(string? Source, string? Target, bool ReadOnly)> ComposeVolumes(JsonNode service) =>
        [.. Array(service["volumes"]).Select(v =>
        {
            if (v is JsonObject o)
            {
                return (Str(o["source"]), Str(o["target"]), o["read_only"]?.GetValue<bool>() == true);
            }

            // source:target[:mode]; a source may hold ${VAR:-default}, which has a colon of its own.
            var text = v.ToString();
            var parts = text.Split(':');
            var readOnly = parts.Length >= 3 && parts[^1].Split(',').Contains("ro");
            var target = readOnly || (parts.Length >= 3 && parts[^1] == "rw") ? parts[^2] : parts[^1];
            var source = text[..text.LastIndexOf(":" + target, StringComparison.Ordinal)];
            return ((string?)source, (string?)target, readOnly);
        })];

    private static List<int> ComposePortTargets(JsonNode service) =>
        [.. Array(service["ports"]).Select(p => p is JsonObject o
            ? o["target"]!.GetValue<int>()
            : int.Parse(p.ToString().Split(':')[^1].Split('/')[0], System.Globalization.CultureInfo.InvariantCulture))];

    private static List<JsonNode> Array(JsonNode? node) => node is JsonArray array ? [.. array.OfType<JsonNode>()] : [];

    private static string? Kind(JsonNode o) => Str(o["kind"]);

    private static string? Name(JsonNode o) => Str(o["metadata"]?["name"]);

    private static string? Str(JsonNode? node) => node?.GetValueKind() == System.Text.Json.JsonValueKind.String ? node.GetValue<string>() : node?.ToString();
}
