using System.Reflection;

namespace Orleans.Monitor.Grains.Runtime;

/// <summary>
/// The proxy behind every grain reference: each interface call becomes a work item in the target activation's
/// mailbox. <see cref="DispatchProxy"/> needs a non-sealed class with a parameterless constructor.
/// </summary>
#pragma warning disable CA1852 // DispatchProxy derives from it at run time.
internal class GrainReference : DispatchProxy
#pragma warning restore CA1852
{
    private GrainRuntime? _runtime;
    private GrainInterfaceMap? _map;
    private string _key = string.Empty;

    public override string ToString() => $"GrainReference({_map?.GrainType.Name}/{_key})";

    internal void Initialize(GrainRuntime runtime, GrainInterfaceMap map, string key)
    {
        _runtime = runtime;
        _map = map;
        _key = key;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (_runtime is null || _map is null)
        {
            throw new InvalidOperationException("The grain reference was not initialised by the runtime.");
        }

        if (!_map.Invokers.TryGetValue(targetMethod, out var invoker))
        {
            throw new NotSupportedException($"{targetMethod.DeclaringType?.Name}.{targetMethod.Name} is not a grain method.");
        }

        return invoker(_runtime, new GrainId(_map.GrainType, _key), targetMethod, args ?? []);
    }
}

/// <summary>
/// The validated methods of one grain interface and how to invoke each; built once per interface, so a bad
/// return type fails at the first <c>GetGrain</c>, not at the first call.
/// </summary>
internal sealed class GrainInterfaceMap
{
    private static readonly MethodInfo InvokeTaskMethod = GetHelper(nameof(InvokeTask));
    private static readonly MethodInfo InvokeTaskOfMethod = GetHelper(nameof(InvokeTaskOf));
    private static readonly MethodInfo InvokeValueTaskMethod = GetHelper(nameof(InvokeValueTask));
    private static readonly MethodInfo InvokeValueTaskOfMethod = GetHelper(nameof(InvokeValueTaskOf));

    private GrainInterfaceMap(GrainTypeInfo grainType, Dictionary<MethodInfo, GrainMethodInvoker> invokers)
    {
        GrainType = grainType;
        Invokers = invokers;
    }

    public GrainTypeInfo GrainType { get; }

    public IReadOnlyDictionary<MethodInfo, GrainMethodInvoker> Invokers { get; }

    public static GrainInterfaceMap Build(Type interfaceType, GrainTypeInfo grainType)
    {
        if (!interfaceType.IsInterface)
        {
            throw new ArgumentException($"{interfaceType.Name} is not an interface.", nameof(interfaceType));
        }

        Dictionary<MethodInfo, GrainMethodInvoker> invokers = [];
        foreach (var method in interfaceType.GetMethods().Concat(interfaceType.GetInterfaces().SelectMany(static i => i.GetMethods())))
        {
            if (method.IsStatic)
            {
                continue;
            }

            if (method.IsGenericMethodDefinition)
            {
                throw new ArgumentException($"{interfaceType.Name}.{method.Name}: generic grain methods are not supported.", nameof(interfaceType));
            }

            invokers[method] = CreateInvoker(interfaceType, method);
        }

        return new GrainInterfaceMap(grainType, invokers);
    }

    private static GrainMethodInvoker CreateInvoker(Type interfaceType, MethodInfo method)
    {
        var returnType = method.ReturnType;
        MethodInfo helper;
        if (returnType == typeof(Task))
        {
            helper = InvokeTaskMethod;
        }
        else if (returnType == typeof(ValueTask))
        {
            helper = InvokeValueTaskMethod;
        }
        else if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            helper = InvokeTaskOfMethod.MakeGenericMethod(returnType.GetGenericArguments());
        }
        else if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            helper = InvokeValueTaskOfMethod.MakeGenericMethod(returnType.GetGenericArguments());
        }
        else
        {
            throw new ArgumentException(
                $"{interfaceType.Name}.{method.Name} returns {returnType.Name}; grain methods must return Task, Task<T>, ValueTask or ValueTask<T>.",
                nameof(interfaceType));
        }

        return helper.CreateDelegate<GrainMethodInvoker>();
    }

    private static MethodInfo GetHelper(string name) =>
        typeof(GrainInterfaceMap).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)
        ?? throw new InvalidOperationException($"Missing helper {name}.");

#pragma warning disable CA1859 // The helpers are bound to GrainMethodInvoker, whose return type is object.
    private static object InvokeTask(GrainRuntime runtime, GrainId id, MethodInfo method, object?[] args) =>
        runtime.InvokeAsync<object?>(
            id,
            async grain =>
            {
                await (Task)Call(grain, method, args);
                return null;
            },
            FindCancellationToken(args));

    private static object InvokeTaskOf<T>(GrainRuntime runtime, GrainId id, MethodInfo method, object?[] args) =>
        runtime.InvokeAsync(id, grain => (Task<T>)Call(grain, method, args), FindCancellationToken(args));

    private static object InvokeValueTask(GrainRuntime runtime, GrainId id, MethodInfo method, object?[] args) =>
        new ValueTask(runtime.InvokeAsync<object?>(
            id,
            async grain =>
            {
                await (ValueTask)Call(grain, method, args);
                return null;
            },
            FindCancellationToken(args)));

    private static object InvokeValueTaskOf<T>(GrainRuntime runtime, GrainId id, MethodInfo method, object?[] args) =>
        new ValueTask<T>(runtime.InvokeAsync(id, grain => ((ValueTask<T>)Call(grain, method, args)).AsTask(), FindCancellationToken(args)));

#pragma warning restore CA1859

    private static object Call(Grain grain, MethodInfo method, object?[] args) =>
        method.Invoke(grain, BindingFlags.DoNotWrapExceptions, binder: null, args, culture: null)
        ?? throw new InvalidOperationException($"{grain.GetType().Name}.{method.Name} returned null instead of a task.");

    // A grain method's own token also bounds the wait for mailbox space.
    private static CancellationToken FindCancellationToken(object?[] args)
    {
        foreach (var arg in args)
        {
            if (arg is CancellationToken token)
            {
                return token;
            }
        }

        return CancellationToken.None;
    }
}

/// <summary>Invokes one grain method through the runtime and returns the task the caller sees.</summary>
internal delegate object GrainMethodInvoker(GrainRuntime runtime, GrainId id, MethodInfo method, object?[] args);
