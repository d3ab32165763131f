using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orleans.Monitor.IntegrationTests.Deploy;

/// <summary>
/// What a deployment needs to work, checked on the rendered objects: each check returns the problems it found, so a
/// test can show both that the real files pass and that a broken copy is caught.
/// </summary>
internal static class DeployChecks
{
    public const string Namespace = "orleans-monitor";

    /// <summary>Orleans' default for ClusterId and ServiceId when a process leaves them unset.</summary>
    private const string DefaultClusterName = "orleans-monitor";

    /// <summary>StackExchange.Redis' port when a configuration string names none.</summary>
    private const int DefaultRedisPort = 6379;

    /// <summary>Time a silo gets to leave the cluster on SIGTERM (Kubernetes' own default, the least we accept).</summary>
    private const int MinimumSiloGraceSeconds = 30;

    /// <summary>The host paths a silo reads, and where the options expect them.</summary>
    private static readonly (string HostPath, string MountPath)[] SiloHostMounts =
    [
        ("/var/run/docker.sock", "/var/run/docker.sock"),
        ("/proc", "/host/proc"),
        ("/sys/fs/cgroup", "/host/sys/fs/cgroup"),
    ];

    /// <summary>The ports other silos (silo port) and the Api (gateway port) connect to, with Orleans' defaults.</summary>
    private static readonly (string Setting, int Default)[] OrleansPorts =
    [
        ("Orleans__Endpoints__SiloPort", 11111),
        ("Orleans__Endpoints__GatewayPort", 30000),
    ];

    /// <summary>Settings the silo and the Api must agree on to be one cluster.</summary>
    private static readonly string[] ClusterIdentity = ["Orleans__ClusterId", "Orleans__ServiceId"];

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

        foreach (var workload in objects.Where(o => PodSpec(o) is not null))
        {
            foreach (var container in Array(PodSpec(workload)!["containers"]))
            {
                ReportRemovedSettings(Array(container["env"]).Select(e => Str(e["name"])), $"{Kind(workload)}/{Name(workload)}", problems);
            }
        }

        var silo = CheckSiloDaemonSet(objects, problems);
        var api = CheckApi(objects, problems);
        var redisServices = new List<JsonNode>();
        foreach (var (who, container) in new[] { ("silo", silo), ("api", api) })
        {
            if (container is not null && FindRedisService(objects, Array(container["env"]), who, problems) is { } service)
            {
                redisServices.Add(service);
            }
        }

        var distinct = redisServices.DistinctBy(Name).ToList();
        if (distinct.Count > 1)
        {
            problems.Add($"silo and api use different Redis Services ({string.Join(", ", distinct.Select(Name))}): two membership tables");
        }

        foreach (var service in distinct)
        {
            CheckRedisService(objects, service, problems);
        }

        if (silo is not null && api is not null)
        {
            var siloEnv = Array(silo["env"]);
            var apiEnv = Array(api["env"]);
            CheckSameCluster(name => EnvValue(siloEnv, name), name => EnvValue(apiEnv, name), problems);
        }

        return problems;
    }

    public static List<string> CheckCompose(JsonNode compose)
    {
        var problems = new List<string>();
        var services = compose["services"];
        if (services?["postgres"] is null || services["redis"] is not { } redis || services["api"] is not { } api || services["silo"] is not { } silo)
        {
            problems.Add("services postgres, redis, api and silo are needed");
            return problems;
        }

        foreach (var (name, service) in services.AsObject())
        {
            ReportRemovedSettings(ComposeEnvNames(service), name, problems);
        }

        var healthcheck = redis["healthcheck"];
        var test = healthcheck?["test"] is JsonArray list ? [.. list.Select(Str)] : new List<string?> { Str(healthcheck?["test"]) };
        if (string.IsNullOrEmpty(test.FirstOrDefault()) || test[0] == "NONE" || healthcheck?["disable"]?.GetValueKind() == JsonValueKind.True)
        {
            problems.Add("redis: a healthcheck is needed (api and silo wait for it)");
        }

        foreach (var (name, service) in new[] { ("api", api), ("silo", silo) })
        {
            var connection = ComposeEnv(service, "ConnectionStrings__Monitor");
            if (connection is null || !connection.Contains("Host=postgres", StringComparison.Ordinal))
            {
                problems.Add($"{name}: ConnectionStrings__Monitor must point at the postgres service, is '{connection}'");
            }

            var redisConnection = ComposeEnv(service, "ConnectionStrings__Redis");
            if (RedisEndpoint(redisConnection) != ("redis", DefaultRedisPort))
            {
                problems.Add($"{name}: ConnectionStrings__Redis must point at the redis service (redis:{DefaultRedisPort}), is '{redisConnection}'");
            }

            foreach (var dependency in new[] { "postgres", "redis" })
            {
                if (DependsOnCondition(service, dependency) != "service_healthy")
                {
                    problems.Add($"{name}: must depend on {dependency} with condition service_healthy");
                }
            }
        }

        if (ComposeEnv(services["postgres"]!, "POSTGRES_PASSWORD") is { } password
            && ComposeEnv(api, "ConnectionStrings__Monitor") is { } apiConnection
            && !apiConnection.Contains($"Password={password}", StringComparison.Ordinal))
        {
            problems.Add("the Api's connection string does not carry POSTGRES_PASSWORD");
        }

        CheckSameCluster(name => ComposeEnv(silo, name), name => ComposeEnv(api, name), problems);

        // A cluster Api refuses to start without a key: the file must pass one through.
        if (ComposeEnv(api, "Auth__ApiKeys__0__Sha256") is null || ComposeEnv(api, "Auth__ApiKeys__0__Role") is not ("operator" or "viewer"))
        {
            problems.Add("api: Auth__ApiKeys__0__Sha256 and Auth__ApiKeys__0__Role must be set (a cluster Api requires an API key)");
        }

        var expectedEnv = new Dictionary<string, string>
        {
            ["DOCKER_HOST"] = "unix:///var/run/docker.sock",
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

        if (Array(silo["group_add"]).Count == 0)
        {
            problems.Add("silo: group_add must add the Docker socket's group (the image's user is not in it)");
        }

        if (Str(silo["restart"]) != "unless-stopped")
        {
            problems.Add($"silo: restart must be unless-stopped, is '{Str(silo["restart"])}'");
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

    /// <summary>The silo DaemonSet's container, or null when there is none to check further.</summary>
    private static JsonNode? CheckSiloDaemonSet(IReadOnlyList<JsonNode> objects, List<string> problems)
    {
        var daemonSets = objects.Where(o => Kind(o) == "DaemonSet").ToList();
        if (daemonSets.Count != 1)
        {
            problems.Add($"expected one DaemonSet for the silos, found {daemonSets.Count}");
            return null;
        }

        var daemonSet = daemonSets[0];
        var pod = PodSpec(daemonSet);
        var container = Array(pod?["containers"]).FirstOrDefault();
        if (pod is null || container is null)
        {
            problems.Add("the silo DaemonSet has no container");
            return null;
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
        var advertised = env.FirstOrDefault(e => Str(e["name"]) == "Orleans__Endpoints__AdvertisedIPAddress");
        if (Str(advertised?["valueFrom"]?["fieldRef"]?["fieldPath"]) != "status.podIP")
        {
            problems.Add("silo: Orleans__Endpoints__AdvertisedIPAddress must come from the downward API (status.podIP)");
        }

        foreach (var (setting, defaultPort) in OrleansPorts)
        {
            var port = int.TryParse(EnvValue(env, setting), NumberStyles.None, CultureInfo.InvariantCulture, out var configured) ? configured : defaultPort;
            if (!Array(container["ports"]).Any(p => p["containerPort"]?.GetValue<int>() == port))
            {
                problems.Add($"silo: containerPort {port} ({setting}) is not declared");
            }
        }

        CheckSecretConnectionString(objects, env, "silo", problems);
        RequireEnv(env, "Stats__Cgroup__ProcRoot", "/host/proc", "silo", problems);
        RequireEnv(env, "Stats__Cgroup__CgroupRoot", "/host/sys/fs/cgroup", "silo", problems);
        RequireEnv(env, "DOCKER_HOST", "unix:///var/run/docker.sock", "silo", problems);

        foreach (var probe in new[] { "readinessProbe", "livenessProbe" })
        {
            var get = container[probe]?["httpGet"];
            if (Str(get?["path"]) != "/healthz" || ResolvePort(container, get?["port"]) is null)
            {
                problems.Add($"silo: {probe} must GET /healthz on a container port");
            }
        }

        var grace = pod["terminationGracePeriodSeconds"]?.GetValue<int>() ?? MinimumSiloGraceSeconds;
        if (grace < MinimumSiloGraceSeconds)
        {
            problems.Add($"silo: terminationGracePeriodSeconds must be at least {MinimumSiloGraceSeconds} to leave the cluster, is {grace}");
        }

        var surge = daemonSet["spec"]?["updateStrategy"]?["rollingUpdate"]?["maxSurge"];
        if (surge is not null && Str(surge) is not ("0" or "0%"))
        {
            problems.Add("silo: the DaemonSet must not surge (maxSurge): a second silo for a node's Docker engine refuses to start");
        }

        if (!Array(pod["tolerations"]).Any(t => Str(t["operator"]) == "Exists" && t["key"] is null))
        {
            problems.Add("silo: a toleration with operator Exists and no key is needed to run on every node");
        }

        var resources = container["resources"];
        if (MiB(Str(resources?["requests"]?["memory"])) is not >= 128 || MiB(Str(resources?["limits"]?["memory"])) is not >= 192)
        {
            problems.Add("silo: memory requests (>= 128Mi) and limits (>= 192Mi, above the measured RSS) are needed");
        }

        return container;
    }

    /// <summary>The Api Deployment's container, or null when there is none to check further.</summary>
    private static JsonNode? CheckApi(IReadOnlyList<JsonNode> objects, List<string> problems)
    {
        var deployment = objects.FirstOrDefault(o => Kind(o) == "Deployment" && Name(o)?.Contains("api", StringComparison.Ordinal) == true);
        if (deployment is null)
        {
            problems.Add("no Deployment for the Api");
            return null;
        }

        if (deployment["spec"]?["replicas"]?.GetValue<int>() is not >= 2)
        {
            problems.Add("api: at least 2 replicas");
        }

        var container = Array(PodSpec(deployment)?["containers"]).FirstOrDefault();
        if (container is null)
        {
            problems.Add("api: no container");
            return null;
        }

        CheckSecretConnectionString(objects, Array(container["env"]), "api", problems);
        CheckApiKey(objects, Array(container["env"]), problems);

        var service = objects.FirstOrDefault(o => Kind(o) == "Service" && Selects(o, deployment));
        if (service is null)
        {
            problems.Add("api: no Service selects the Api pods");
            return container;
        }

        var ports = Array(service["spec"]?["ports"]);
        if (ports.Count == 0 || ports.Any(p => ResolvePort(container, p["targetPort"] ?? p["port"]) is null))
        {
            problems.Add($"api: Service {Name(service)} must have ports whose targetPort is a container port");
        }

        return container;
    }

    /// <summary>The Service that <c>ConnectionStrings__Redis</c> names, with the port it names.</summary>
    private static JsonNode? FindRedisService(IReadOnlyList<JsonNode> objects, List<JsonNode> env, string who, List<string> problems)
    {
        var value = Str(env.FirstOrDefault(e => Str(e["name"]) == "ConnectionStrings__Redis")?["value"]);
        if (RedisEndpoint(value) is not (var host, var port))
        {
            problems.Add($"{who}: ConnectionStrings__Redis must name the Redis Service as a plain value (host:port), is '{value}'");
            return null;
        }

        var service = objects.FirstOrDefault(o => Kind(o) == "Service" && NamesService(host, Name(o)));
        if (service is null)
        {
            problems.Add($"{who}: ConnectionStrings__Redis names '{host}', which is no Service in the manifests");
            return null;
        }

        if (!Array(service["spec"]?["ports"]).Any(p => p["port"]?.GetValue<int>() == port))
        {
            problems.Add($"{who}: ConnectionStrings__Redis names port {port}, which Service {Name(service)} does not serve");
            return null;
        }

        return service;
    }

    /// <summary>A single Redis behind the Service: two would hold two membership tables and split the cluster.</summary>
    private static void CheckRedisService(IReadOnlyList<JsonNode> objects, JsonNode service, List<string> problems)
    {
        var deployment = objects.FirstOrDefault(o => Kind(o) == "Deployment" && Selects(service, o));
        if (deployment is null)
        {
            problems.Add($"Service {Name(service)} (ConnectionStrings__Redis) selects no Deployment's pods");
            return;
        }

        var containers = Array(PodSpec(deployment)?["containers"]);
        if (Array(service["spec"]?["ports"]).Any(p => !containers.Any(c => ResolvePort(c, p["targetPort"] ?? p["port"]) is not null)))
        {
            problems.Add($"Service {Name(service)}: every targetPort must be a container port of Deployment {Name(deployment)}");
        }

        var replicas = deployment["spec"]?["replicas"]?.GetValue<int>() ?? 1;
        if (replicas != 1 || Str(deployment["spec"]?["strategy"]?["type"]) != "Recreate")
        {
            problems.Add($"Deployment {Name(deployment)}: Redis must run one replica with strategy Recreate, never two membership tables at once");
        }
    }

    private static void CheckSameCluster(Func<string, string?> silo, Func<string, string?> api, List<string> problems)
    {
        foreach (var name in ClusterIdentity)
        {
            var siloValue = silo(name) ?? DefaultClusterName;
            var apiValue = api(name) ?? DefaultClusterName;
            if (siloValue != apiValue)
            {
                problems.Add($"silo and api are in different clusters: {name} is '{siloValue}' and '{apiValue}'");
            }
        }
    }

    /// <summary>Settings of the PostgreSQL-lease membership that Orleans' membership in Redis replaced.</summary>
    private static void ReportRemovedSettings(IEnumerable<string?> names, string who, List<string> problems)
    {
        foreach (var name in names.OfType<string>())
        {
            if (name == "Silo__AdvertisedUrl" || name.StartsWith("Membership__", StringComparison.Ordinal))
            {
                problems.Add($"{who}: {name} belongs to the old membership and is no longer read; remove it");
            }
        }
    }

    private static void CheckSecretConnectionString(IReadOnlyList<JsonNode> objects, List<JsonNode> env, string who, List<string> problems) =>
        CheckFromSecret(objects, env, "ConnectionStrings__Monitor", who, problems);

    /// <summary>A cluster Api refuses to start without an API key: its hash must come from a Secret of the manifests.</summary>
    private static void CheckApiKey(IReadOnlyList<JsonNode> objects, List<JsonNode> env, List<string> problems)
    {
        RequireEnv(env, "Auth__ApiKeys__0__Role", "operator", "api", problems);
        CheckFromSecret(objects, env, "Auth__ApiKeys__0__Sha256", "api", problems);
    }

    private static void CheckFromSecret(IReadOnlyList<JsonNode> objects, List<JsonNode> env, string name, string who, List<string> problems)
    {
        var reference = env.FirstOrDefault(e => Str(e["name"]) == name)?["valueFrom"]?["secretKeyRef"];
        if (reference is null)
        {
            problems.Add($"{who}: {name} must come from a Secret");
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

    /// <summary>A variable's plain value, or its valueFrom as JSON so that two references to one source compare equal.</summary>
    private static string? EnvValue(List<JsonNode> env, string name)
    {
        var variable = env.FirstOrDefault(e => Str(e["name"]) == name);
        return variable?["value"] is { } value ? Str(value) : variable?["valueFrom"]?.ToJsonString();
    }

    /// <summary>Host and port of the first endpoint in a StackExchange.Redis configuration string ("redis:6379,ssl=true").</summary>
    private static (string Host, int Port)? RedisEndpoint(string? configuration)
    {
        var endpoint = configuration?
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(part => !part.Contains('=', StringComparison.Ordinal));
        if (string.IsNullOrEmpty(endpoint))
        {
            return null;
        }

        var colon = endpoint.LastIndexOf(':');
        if (colon < 0)
        {
            return (endpoint, DefaultRedisPort);
        }

        return int.TryParse(endpoint[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? (endpoint[..colon], port) : null;
    }

    /// <summary>Whether a host name reaches the Service from inside the namespace (name, name.namespace, name.namespace.svc…).</summary>
    private static bool NamesService(string host, string? service) =>
        service is not null
        && (host == service || host == $"{service}.{Namespace}" || host.StartsWith($"{service}.{Namespace}.svc", StringComparison.Ordinal));

    private static bool Selects(JsonNode service, JsonNode workload)
    {
        var podLabels = workload["spec"]?["template"]?["metadata"]?["labels"]?.AsObject();
        return service["spec"]?["selector"]?.AsObject() is { Count: > 0 } selector
            && podLabels is not null
            && selector.All(kv => Str(podLabels[kv.Key]) == Str(kv.Value));
    }

    private static JsonNode? PodSpec(JsonNode workload) =>
        Kind(workload) is "Deployment" or "DaemonSet" or "StatefulSet" ? workload["spec"]?["template"]?["spec"] : null;

    private static int? ContainerPort(JsonNode container, string name) =>
        Array(container["ports"]).FirstOrDefault(p => Str(p["name"]) == name)?["containerPort"]?.GetValue<int>();

    private static int? ResolvePort(JsonNode container, JsonNode? port)
    {
        if (port is null)
        {
            return null;
        }

        if (port.GetValueKind() == JsonValueKind.Number)
        {
            var number = port.GetValue<int>();
            return Array(container["ports"]).Any(p => p["containerPort"]?.GetValue<int>() == number) ? number : null;
        }

        return ContainerPort(container, port.GetValue<string>());
    }

    private static double? MiB(string? quantity) => quantity switch
    {
        null => null,
        _ when quantity.EndsWith("Mi", StringComparison.Ordinal) => double.Parse(quantity[..^2], CultureInfo.InvariantCulture),
        _ when quantity.EndsWith("Gi", StringComparison.Ordinal) => double.Parse(quantity[..^2], CultureInfo.InvariantCulture) * 1024,
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

    private static IEnumerable<string> ComposeEnvNames(JsonNode? service) => service?["environment"] switch
    {
        JsonObject map => map.Select(kv => kv.Key),
        JsonArray list => list.Select(e => e!.ToString().Split('=')[0]),
        _ => [],
    };

    /// <summary>The condition a service waits for before it starts, or null when it does not depend on the other.</summary>
    private static string? DependsOnCondition(JsonNode service, string dependency) => service["depends_on"] switch
    {
        JsonObject map => map[dependency] is { } entry ? Str(entry["condition"]) ?? "service_started" : null,
        JsonArray list => list.Any(d => Str(d) == dependency) ? "service_started" : null,
        _ => null,
    };

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
            : int.Parse(p.ToString().Split(':')[^1].Split('/')[0], CultureInfo.InvariantCulture))];

    private static List<JsonNode> Array(JsonNode? node) => node is JsonArray array ? [.. array.OfType<JsonNode>()] : [];

    private static string? Kind(JsonNode o) => Str(o["kind"]);

    private static string? Name(JsonNode o) => Str(o["metadata"]?["name"]);

    private static string? Str(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node?.ToString();
}
