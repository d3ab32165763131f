using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Orleans.Monitor.IntegrationTests.Deploy;

/// <summary>
/// Loads the deployment files as JSON: <c>kubectl kustomize k8s/</c> and <c>docker-compose config</c> when those tools
/// are installed (they also validate), else the YAML files themselves; YAML becomes JSON through python3's yaml module.
/// </summary>
internal static class DeployFiles
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(60);

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The objects <c>kubectl apply -k k8s/</c> would create.</summary>
    public static async Task<IReadOnlyList<JsonNode>> LoadKubernetesObjectsAsync(CancellationToken cancellationToken = default)
    {
        var k8s = Path.Combine(RepositoryRoot, "k8s");
        if (FindTool("kubectl") is { } kubectl)
        {
            return await YamlToJsonAsync(await RunAsync(kubectl, ["kustomize", k8s], null, cancellationToken), cancellationToken);
        }

        // Without kubectl: the resources kustomization.yaml lists, with its namespace applied to each object.
        var kustomization = (await YamlToJsonAsync(await File.ReadAllTextAsync(Path.Combine(k8s, "kustomization.yaml"), cancellationToken), cancellationToken))[0];
        var parts = new List<string>();
        foreach (var resource in kustomization["resources"]!.AsArray())
        {
            parts.Add(await File.ReadAllTextAsync(Path.Combine(k8s, resource!.GetValue<string>()), cancellationToken));
        }

        var objects = await YamlToJsonAsync(string.Join("\n---\n", parts), cancellationToken);
        foreach (var o in objects.Where(o => (string?)o["kind"] != "Namespace"))
        {
            o["metadata"]!["namespace"] ??= (string?)kustomization["namespace"];
        }

        return objects;
    }

    /// <summary>docker-compose.yml, rendered by <c>docker-compose config</c> when installed (defaults substituted).</summary>
    public static async Task<JsonNode> LoadComposeAsync(CancellationToken cancellationToken = default)
    {
        var file = Path.Combine(RepositoryRoot, "docker-compose.yml");
        var yaml = FindTool("docker-compose") is { } compose
            ? await RunAsync(compose, ["-f", file, "config"], ComposeVariables(), cancellationToken)
            : await File.ReadAllTextAsync(file, cancellationToken);
        return (await YamlToJsonAsync(yaml, cancellationToken))[0];
    }

    public static async Task<IReadOnlyList<JsonNode>> YamlToJsonAsync(string yaml, CancellationToken cancellationToken = default)
    {
        var python = FindTool("python3") ?? throw new InvalidOperationException("python3 is needed to read YAML (Debian: python3-yaml).");
        const string Script = "import json, sys, yaml; json.dump([d for d in yaml.safe_load_all(sys.stdin) if d is not None], sys.stdout)";
        var json = await RunAsync(python, ["-c", Script], null, cancellationToken, yaml);
        return [.. JsonNode.Parse(json)!.AsArray().OfType<JsonNode>()];
    }

    /// <summary>Variables docker-compose.yml reads, unset so the defaults in the file are what the test sees.</summary>
    private static IReadOnlyList<string> ComposeVariables() =>
        ["POSTGRES_PASSWORD", "POSTGRES_IMAGE", "REDIS_IMAGE", "DOCKER_GID", "DOCKER_SOCKET", "MONITOR_PORT", "MONITOR_STATS_SOURCE",
         "MONITOR_ORLEANS_DASHBOARD", "MONITOR_API_KEY_NAME", "MONITOR_API_KEY_ROLE", "MONITOR_API_KEY_SHA256", "MONITOR_API_IMAGE", "MONITOR_SILO_IMAGE", "SDK_IMAGE", "RUNTIME_IMAGE", "NODE_IMAGE",
         "COMPOSE_FILE", "COMPOSE_PROJECT_NAME"];

    private static string? FindTool(string name)
    {
        // Debian's python3 has python3-yaml; a python3 earlier on PATH (pyenv) may not.
        if (name == "python3" && File.Exists("/usr/bin/python3"))
        {
            return "/usr/bin/python3";
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
    }

    private static async Task<string> RunAsync(
        string file, IReadOnlyList<string> arguments, IReadOnlyList<string>? unset, CancellationToken cancellationToken, string? input = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in unset ?? [])
        {
            start.Environment.Remove(name);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ToolTimeout);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input.AsMemory(), timeout.Token);
        }

        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish within {ToolTimeout}.");
        }

        var output = await stdout;
        var errors = await stderr;
        return process.ExitCode == 0
            ? output
            : throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', arguments)} exited with {process.ExitCode}: {errors}");
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.Monitor.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Orleans.Monitor.sln not found above {AppContext.BaseDirectory}.");
    }
}
