using System.Text;

namespace Orleans.Monitor.Metrics.Containers;

/// <summary>Label names of the container series, as cAdvisor names them.</summary>
public static class SeriesLabels
{
    /// <summary>The host's name (<c>docker info</c> Name); not unique, hence <see cref="HostId"/>.</summary>
    public const string Host = "host";

    /// <summary>The Docker daemon ID, the host's key everywhere in the monitor.</summary>
    public const string HostId = "host_id";

    /// <summary><c>/docker/&lt;full container id&gt;</c>, cAdvisor's cgroup name of a Docker container.</summary>
    public const string Id = "id";

    public const string Name = "name";

    public const string Image = "image";

    /// <summary>cAdvisor's <c>cpu</c> label; always <c>total</c> here (cAdvisor without per-CPU metrics).</summary>
    public const string Cpu = "cpu";

    public const string ContainerLabelPrefix = "container_label_";

    /// <summary>The series label of a Docker label key: <c>container_label_</c> + the key with every character outside [a-zA-Z0-9_] as '_', as cAdvisor does.</summary>
    public static string ContainerLabel(string dockerLabelKey)
    {
        ArgumentNullException.ThrowIfNull(dockerLabelKey);
        var name = new StringBuilder(ContainerLabelPrefix.Length + dockerLabelKey.Length).Append(ContainerLabelPrefix);
        foreach (var c in dockerLabelKey)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }

        return name.ToString();
    }

    /// <summary>cAdvisor's <c>id</c> of a Docker container (cgroupfs driver).</summary>
    public static string ContainerId(string containerId) => "/docker/" + containerId;
}
