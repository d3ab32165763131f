using System.Globalization;

namespace Orleans.Monitor.Grains.Docker;

/// <summary>A Docker Engine API version such as 1.41, compared numerically (1.9 &lt; 1.10).</summary>
public readonly record struct DockerApiVersion(int Major, int Minor) : IComparable<DockerApiVersion>
{
    /// <summary>What the Go client assumes when <c>/_ping</c> has no <c>Api-Version</c> header.</summary>
    public static DockerApiVersion Fallback { get; } = new(1, 24);

    /// <summary>The oldest version we speak: one-shot stats need 1.41 (Engine 20.10).</summary>
    public static DockerApiVersion Minimum { get; } = new(1, 41);

    /// <summary>The newest version we have checked our shapes against; Engine 29 refuses anything below 1.44.</summary>
    public static DockerApiVersion Maximum { get; } = new(1, 45);

    public static bool TryParse(string? value, out DockerApiVersion version)
    {
        version = default;
        var dot = value?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (value is null || dot <= 0
            || !int.TryParse(value.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            || !int.TryParse(value.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
        {
            return false;
        }

        version = new DockerApiVersion(major, minor);
        return true;
    }

    /// <summary>The version to use with a server advertising <paramref name="server"/>: the lower of the two.</summary>
    public static DockerApiVersion Negotiate(DockerApiVersion server) => server < Maximum ? server : Maximum;

    public int CompareTo(DockerApiVersion other) => Major != other.Major ? Major.CompareTo(other.Major) : Minor.CompareTo(other.Minor);

    public static bool operator <(DockerApiVersion left, DockerApiVersion right) => left.CompareTo(right) < 0;

    public static bool operator >(DockerApiVersion left, DockerApiVersion right) => left.CompareTo(right) > 0;

    public static bool operator <=(DockerApiVersion left, DockerApiVersion right) => left.CompareTo(right) <= 0;

    public static bool operator >=(DockerApiVersion left, DockerApiVersion right) => left.CompareTo(right) >= 0;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}");
}
