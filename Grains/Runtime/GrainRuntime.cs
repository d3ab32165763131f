using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Reflection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Orleans.Monitor.Grains.Runtime;

/// <summary>
/// The in-process grain runtime: one activation per grain id, created on the first call, collected when idle,
/// deactivated on stop. Runs its idle collector as a hosted service.
/// </summary>
public sealed class GrainRuntime : IGrainRuntime, IHostedService, IAsyncDisposable
{
    // A call that lost the race with deactivation is re-posted once, as Orleans forwards it once.
    private const int MaxForwards = 1;

    private readonly ConcurrentDictionary<GrainId, GrainActivation> _activations = new();
    private readonly ConcurrentDictionary<Type, GrainInterfaceMap> _interfaceMaps = new();
    private readonly Dictionary<Type, GrainTypeInfo> _grainTypes;
    private readonly Lock _createGate = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task _collector = Task.CompletedTask;
    private volatile Task? _stop;

    public GrainRuntime(
        IServiceProvider services,
        IOptions<GrainRuntimeOptions> options,
        IEnumerable<GrainRegistration> registrations,
        TimeProvider timeProvider,
        IMeterFactory meterFactory,
        ILogger<GrainRuntime> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        Services = services;
        Options = options.Value;
        TimeProvider = timeProvider;
        Logger = logger;
        Metrics = new GrainRuntimeMetrics(meterFactory, () => _activations.Count, () => _activations.Values.Sum(static a => (long)a.MailboxDepth));

        Dictionary<Type, GrainTypeInfo> byImplementation = [];
        _grainTypes = [];
        foreach (var registration in registrations)
        {
            if (!byImplementation.TryGetValue(registration.ImplementationType, out var info))
            {
                info = new GrainTypeInfo(registration.ImplementationType);
                byImplementation.Add(registration.ImplementationType, info);
            }

            _grainTypes[registration.InterfaceType] = info;
        }
    }

    public int ActivationCount => _activations.Count;

    internal GrainRuntimeOptions Options { get; }

    internal TimeProvider TimeProvider { get; }

    internal ILogger Logger { get; }

    internal IServiceProvider Services { get; }

    internal GrainRuntimeMetrics Metrics { get; }

    internal CancellationToken StoppingToken => _stopping.Token;

    public TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey
    {
        ArgumentNullException.ThrowIfNull(key);
        var map = GetInterfaceMap(typeof(TGrainInterface));
        var proxy = DispatchProxy.Create<TGrainInterface, GrainReference>();
        ((GrainReference)(object)proxy).Initialize(this, map, key);
        return proxy;
    }

    public IReadOnlyList<GrainActivationInfo> GetActivations() =>
        [.. _activations.Values.Select(static a => a.Describe())];

    public bool DeactivateOnIdle<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey
    {
        ArgumentNullException.ThrowIfNull(key);
        var map = GetInterfaceMap(typeof(TGrainInterface));
        return _activations.TryGetValue(new GrainId(map.GrainType, key), out var activation)
            && activation.BeginDeactivation(DeactivationReason.Requested);
    }

    public async Task CollectIdleActivationsAsync(CancellationToken cancellationToken)
    {
        var now = TimeProvider.GetUtcNow();
        List<GrainActivation> collected = [];
        foreach (var activation in _activations.Values)
        {
            if (activation.IsCollectable(now, Options.CollectionAge) && activation.BeginDeactivation(DeactivationReason.Idle))
            {
                collected.Add(activation);
            }
        }

        if (collected.Count > 0)
        {
            Logger.LogCollected(collected.Count);
            await Task.WhenAll(collected.Select(static a => a.Completion)).WaitAsync(cancellationToken);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _collector = RunCollectorAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Task stop;
        lock (_createGate)
        {
            // Once set, no activation is created, so the table can only shrink.
            stop = _stop ??= Task.Run(StopCoreAsync, CancellationToken.None);
        }

        return stop.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _stopping.Dispose();
    }

    internal async Task<T> InvokeAsync<T>(GrainId id, Func<Grain, Task<T>> body, CancellationToken cancellationToken)
    {
        for (var forwards = 0; ; forwards++)
        {
            var call = new CallWorkItem<T>(body);
            var activation = await ResolveAsync(id, cancellationToken);
            if (await activation.EnqueueAsync(call, cancellationToken))
            {
                try
                {
                    return await call.Completion;
                }
                catch (GrainDeactivatedException) when (call.Bounced && forwards < MaxForwards)
                {
                    Logger.LogCallForwarded(id.GrainType.Name, id.Key);
                    continue;
                }
            }

            if (forwards >= MaxForwards)
            {
                throw new GrainDeactivatedException($"Grain {id.GrainType.Name}/{id.Key} deactivated again while the call was forwarded.");
            }

            Logger.LogCallForwarded(id.GrainType.Name, id.Key);
        }
    }

    internal void Remove(GrainActivation activation) =>
        _activations.TryRemove(KeyValuePair.Create(activation.Id, activation));

    private GrainInterfaceMap GetInterfaceMap(Type interfaceType) =>
        _interfaceMaps.GetOrAdd(interfaceType, static (type, grainTypes) =>
            grainTypes.TryGetValue(type, out var grainType)
                ? GrainInterfaceMap.Build(type, grainType)
                : throw new ArgumentException($"No grain class is registered for {type.Name}; call AddGrain<{type.Name}, TGrain>().", nameof(interfaceType)),
            _grainTypes);

    private async ValueTask<GrainActivation> ResolveAsync(GrainId id, CancellationToken cancellationToken)
    {
        while (true)
        {
            ThrowIfStopping();
            if (_activations.TryGetValue(id, out var existing))
            {
                if (existing.State is ActivationState.Deactivating or ActivationState.Invalid)
                {
                    // One activation per id at any time: the next one starts only after this one left the table.
                    await existing.Completion.WaitAsync(cancellationToken);
                    continue;
                }

                return existing;
            }

            lock (_createGate)
            {
                ThrowIfStopping();
                if (!_activations.TryGetValue(id, out existing))
                {
                    existing = new GrainActivation(this, id);
                    _activations[id] = existing;
                    existing.Start();
                }
            }

            return existing;
        }
    }

    private void ThrowIfStopping()
    {
        if (_stop is not null)
        {
            throw new ObjectDisposedException(nameof(GrainRuntime), "The grain runtime is shutting down.");
        }
    }

    private async Task RunCollectorAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Options.CollectionQuantum, TimeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await CollectIdleActivationsAsync(cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Logger.LogCollectionFailed(ex);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task StopCoreAsync()
    {
        await _stopping.CancelAsync();
        await _collector;
        while (!_activations.IsEmpty)
        {
            var activations = _activations.Values.ToArray();
            foreach (var activation in activations)
            {
                activation.BeginDeactivation(DeactivationReason.ShuttingDown);
            }

            await Task.WhenAll(activations.Select(static a => a.Completion));
            await Task.WhenAll(activations.Select(static a => a.Loop));
        }
    }
}
