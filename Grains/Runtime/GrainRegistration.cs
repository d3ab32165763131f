using System.Reflection;

namespace Orleans.Monitor.Grains.Runtime;

/// <summary>Maps a grain interface to the class that implements it; added to DI by <c>AddGrain</c>.</summary>
public sealed record GrainRegistration(Type InterfaceType, Type ImplementationType);

/// <summary>What the runtime knows about one implementation class.</summary>
internal sealed class GrainTypeInfo(Type type)
{
    public Type Type { get; } = type;

    public string Name { get; } = type.Name;

    /// <summary>From <see cref="CollectionAgeLimitAttribute"/>; null means the runtime default.</summary>
    public TimeSpan? CollectionAge { get; } = type.GetCustomAttribute<CollectionAgeLimitAttribute>()?.AgeLimit;
}

/// <summary>An activation's identity: implementation class and key, so two interfaces of one class share it.</summary>
internal readonly record struct GrainId(GrainTypeInfo GrainType, string Key);
