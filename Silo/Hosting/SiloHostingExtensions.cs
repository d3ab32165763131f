using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;
using Orleans.Configuration;
using Orleans.Monitor.Contracts.Placement;
using Orleans.Monitor.Contracts.Settings;
using Orleans.Monitor.Grains.Containers;
using Orleans.Monitor.Grains.Docker;
using Orleans.Monitor.Grains.Hosts;
using Orleans.Monitor.Grains.Persistence;
using Orleans.Monitor.Grains.Placement;
using Orleans.Monitor.Grains.Scaling;
using Orleans.Monitor.Grains.Rules;
using Orleans.Monitor.Grains.Stats;
using Orleans.Monitor.Silo.Alerting;
using Orleans.Monitor.Silo.Docker;
using Orleans.Monitor.Silo.Persistence;
using Orleans.Monitor.Silo.Rules;
using Orleans.Monitor.Silo.Retention;
using Orleans.Monitor.Silo.Telemetry;

namespace Orleans.Monitor.Silo.Hosting;

/// <summary>Registers a silo that watches one Docker daemon: Orleans, its placement and membership, the daemon watcher, stats and persistence.</summary>
public static class SiloHostingExtensions
{
    /// <summary>
    /// Adds the Orleans silo for <paramref name="daemon"/>: Redis membership when <c>ConnectionStrings:Redis</c> is set,
    /// else localhost clustering (one silo). Needs the monitor store (<c>AddMonitorStorage</c>) or an
    /// <see cref="IMonitorSink"/> registered first.
    /// </summary>
    /// <exception cref="Storage.InvalidSettingException">An Orleans setting is malformed or a port it names is in use.</exception>
    public static IHostApplicationBuilder AddMonitorSilo(this IHostApplicationBuilder builder, WatchedDaemon daemon)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(daemon);
        var services = builder.Services;
        builder.AddSiloSettings();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IMonitorSink, StoreSink>();
        services.AddSingleton(daemon);

        var configuration = builder.Configuration;
        var dashboard = OrleansConfiguration.DashboardEnabled(configuration);
        builder.UseOrleans(silo =>
        {
            if (OrleansConfiguration.IsCluster(configuration))
            {
                silo.UseRedisClustering(o => o.ConfigurationOptions = OrleansConfiguration.Redis(configuration));
                silo.Configure<ClusterOptions>(o => OrleansConfiguration.BindCluster(o, configuration));
                silo.Configure<EndpointOptions>(o => OrleansConfiguration.BindEndpoints(o, configuration));
                silo.Configure<ClusterMembershipOptions>(MembershipDefaults.Apply);
                if (OrleansTls.Read(configuration) is { } tls)
                {
                    // Held for the life of the process: the silo presents the certificate on every connection.
                    silo.Services.AddSingleton(tls);
                    silo.UseTls(tls.Certificate, tls.Configure);
                }

                // Orleans' default directory deactivates every grain whose entry lived on a silo that died, on all
                // silos: the host and container grains of live hosts started over and split their open minute in two.
                // This one recovers the entries from the surviving activations instead.
#pragma warning disable ORLEANSEXP003 // Evaluation API: the strongly consistent, in-cluster grain directory.
                silo.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003
                silo.Services.Configure<ClusterMembershipOptions>(configuration.GetSection(OrleansConfiguration.MembershipSection));
            }
            else
            {
                // One silo in this process; the co-hosted Api calls it in-process, so it opens no gateway.
                var cluster = new ClusterOptions();
                OrleansConfiguration.BindCluster(cluster, configuration);
                silo.UseLocalhostClustering(OrleansConfiguration.SiloPort(configuration), 0, null, cluster.ServiceId, cluster.ClusterId);
            }

            silo.Services.AddSingleton<IValidateOptions<EndpointOptions>, EndpointPortsFree>();
            silo.Services.AddOptions<EndpointOptions>().ValidateOnStart();

            // Membership carries the silo name to every silo and client: it declares the daemon this silo watches.
            silo.Services.PostConfigure<SiloOptions>(o => o.SiloName = HostSiloName.For(daemon.HostId));
            silo.AddDockerHostPlacement();

            // Every grain of ours is placed by DockerHostPlacement, never by load, so the load statistics each silo
            // sends every other silo every second (for activation-count and resource-optimized placement) go unread:
            // publish once at start only. Saves each silo n - 1 messages a second in an n-host cluster; on a lone silo
            // the saving is within the noise of 60 s windows (idle silo 0.78 vs 0.73 % of a core).
            silo.Configure<DeploymentLoadPublisherOptions>(o => o.DeploymentLoadPublisherRefreshTime = TimeSpan.Zero);
            silo.AddStartupTask(
                (sp, ct) => sp.GetRequiredService<UniqueDaemonCheck>().RunAsync(ct),
                ServiceLifecycleStage.ApplicationServices);
            silo.Services.AddSingleton<UniqueDaemonCheck>();
            silo.AddRetention(configuration, OrleansConfiguration.IsCluster(configuration));
            if (dashboard)
            {
                silo.AddDashboard();
            }
        });

        // After Orleans' own hosted service, whose start returns once the silo is active: the watcher's first grain call can be placed.
        services.AddSingleton<DaemonWatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<DaemonWatcher>());
        services.AddSingleton<IHostResync>(sp => sp.GetRequiredService<DaemonWatcher>());
        builder.AddSiloMetricsEndpoint(daemon);

        // Rules evaluate on the silos; alerts go out from the silo that evaluates their rule.
        services.AddSingleton<AlertDelivery>();
        services.AddSingleton<IAlertNotifier>(sp => sp.GetRequiredService<AlertDelivery>());
        services.AddHostedService(sp => sp.GetRequiredService<AlertDelivery>());
        services.AddHostedService<RuleKeeper>();
        return builder;
    }

    /// <summary>
    /// The silo's own settings, validated at start: <c>Sampling</c>, <c>Host</c>, <c>Rules</c>, <c>Alerting</c>, <c>Docker</c>, <c>Stats</c> and <c>Autoscale</c>
    /// (with the Docker daemon and the stats source they configure). <see cref="SettingsCheck"/> checks them too.
    /// </summary>
    public static IHostApplicationBuilder AddSiloSettings(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Duration.AcceptInSettings();
        builder.Services.AddOptions<SamplingOptions>().BindConfiguration(SamplingOptions.Section).ValidateSettings(SamplingOptions.Section).ValidateOnStart();
        builder.Services.AddOptions<HostWatchOptions>().BindConfiguration(HostWatchOptions.Section).ValidateSettings(HostWatchOptions.Section).ValidateOnStart();
        builder.Services.AddOptions<RulesOptions>().BindConfiguration(RulesOptions.Section).ValidateSettings(RulesOptions.Section).ValidateOnStart();
        builder.Services.AddOptions<AlertingOptions>().BindConfiguration(AlertingOptions.Section).ValidateSettings(AlertingOptions.Section).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AlertingOptions>, AlertingOptionsValidator>());
        builder.AddDockerDaemon();
        builder.AddStatsSource();
        var autoscale = AutoscaleEnabled(builder.Configuration);
        builder.Services.AddOptions<AutoscaleOptions>().Configure(o => o.Enabled = autoscale);
        return builder;
    }

    /// <summary><c>Autoscale:Enabled</c>: false unless set to true.</summary>
    /// <exception cref="Storage.InvalidSettingException">The value is neither true nor false.</exception>
    public static bool AutoscaleEnabled(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[AutoscaleOptions.EnabledKey];
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        return bool.TryParse(value.Trim(), out var enabled)
            ? enabled
            : throw new Storage.InvalidSettingException($"{AutoscaleOptions.EnabledKey} must be true or false, not '{value}'.");
    }
}

/// <summary>Failure detection within 20 s for a killed or hung silo, without false positives on a loaded 2-core host (docs/adr/0001-orleans.md).</summary>
public static class MembershipDefaults
{
    public static void Apply(ClusterMembershipOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ProbeTimeout = TimeSpan.FromSeconds(2);
        // Orleans 10 suppresses death votes while the connection heard from the silo within MaxProbeTimeout × NumMissedProbesLimit:
        // 3 s × 3 keeps a hung silo's detection (and its host shown down) within 20 s; 5 s × 3 measured 23.7 s end to end.
        options.MaxProbeTimeout = TimeSpan.FromSeconds(3);
        options.NumMissedProbesLimit = 3;
        options.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
        options.NumMissedTableIAmAliveLimit = 2;
        options.TableRefreshTimeout = TimeSpan.FromSeconds(5);
        options.DefunctSiloCleanupPeriod = TimeSpan.FromMinutes(10);
        options.DefunctSiloExpiration = TimeSpan.FromHours(1);
    }
}
