using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Monitor.Contracts.Storage;
using Orleans.Monitor.Storage.Membership;
using Orleans.Monitor.Storage.Postgres;
using Orleans.Monitor.Storage.Sqlite;
using Orleans.Monitor.Storage.Writing;

namespace Orleans.Monitor.Storage;

/// <summary>Registers the monitor store, its batched writer and, on PostgreSQL, cluster membership.</summary>
public static class StorageHostingExtensions
{
    /// <summary>
    /// PostgreSQL when <c>ConnectionStrings:Monitor</c> is set (membership available), else SQLite under
    /// <c>Storage:DataPath</c>. The schema is created at start; a bad setting fails start with a message naming it.
    /// </summary>
    public static IHostApplicationBuilder AddMonitorStorage(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<StorageOptions>()
            .Bind(builder.Configuration.GetSection(StorageOptions.SectionName))
            .Validate(o => !string.IsNullOrWhiteSpace(o.DataPath), $"{StorageOptions.SectionName}:{nameof(StorageOptions.DataPath)} must not be empty.")
            .Validate(o => o.BusyTimeout > TimeSpan.Zero, $"{StorageOptions.SectionName}:{nameof(StorageOptions.BusyTimeout)} must be positive.")
            .Validate(o => o.StartupTimeout >= TimeSpan.Zero, $"{StorageOptions.SectionName}:{nameof(StorageOptions.StartupTimeout)} must not be negative.")
            .ValidateOnStart();
        services.AddOptions<AggregateWriterOptions>()
            .Bind(builder.Configuration.GetSection(AggregateWriterOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AggregateWriterOptions>>(new SettingValidator<AggregateWriterOptions>(o => o.Validate()));
        services.AddOptions<MembershipOptions>()
            .Bind(builder.Configuration.GetSection(MembershipOptions.SectionName));

        var connectionString = builder.Configuration.GetConnectionString("Monitor");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            services.AddSingleton<IMonitorStore, SqliteMonitorStore>();
        }
        else
        {
            // Built lazily so a malformed string surfaces as StorageConfigurationException at start, not at registration.
            services.AddSingleton(_ => PostgresStartup.CreateDataSource(connectionString));
            services.AddSingleton<PostgresMonitorStore>();
            services.AddSingleton<IMonitorStore>(sp => sp.GetRequiredService<PostgresMonitorStore>());
            services.AddSingleton<MembershipTable>();
        }

        // Registered first so the schema exists before any writer, agent or listener starts.
        services.AddHostedService<MonitorStoreInitializer>();
        services.AddSingleton<AggregateWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<AggregateWriter>());
        return builder;
    }

    /// <summary>
    /// Makes this process a cluster member (silos): joins, heartbeats, reaps and leaves via <see cref="SiloMembershipAgent"/>.
    /// Needs <c>ConnectionStrings:Monitor</c>; when declared dead, the process stops with a non-zero exit code
    /// unless another <see cref="ISiloDeathHandler"/> is registered.
    /// </summary>
    public static IHostApplicationBuilder AddSiloMembership(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        RequirePostgres(builder, "Silo membership");
        builder.Services.AddOptions<MembershipOptions>().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<MembershipOptions>>(new SettingValidator<MembershipOptions>(o => o.ValidateCluster()));
        builder.Services.TryAddSingleton<ISiloDeathHandler, StopApplicationOnDeath>();
        builder.Services.TryAddSingleton<ISiloRegistrationSource, OptionsSiloRegistrationSource>();
        builder.Services.AddSingleton<SiloMembershipAgent>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SiloMembershipAgent>());
        return builder;
    }

    /// <summary>Follows membership changes (the Api): <see cref="MembershipListener"/> as a hosted service.</summary>
    public static IHostApplicationBuilder AddMembershipListener(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        RequirePostgres(builder, "The membership listener");
        builder.Services.AddOptions<MembershipOptions>().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<MembershipOptions>>(new SettingValidator<MembershipOptions>(o => o.ValidateCluster()));
        builder.Services.AddSingleton<MembershipListener>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MembershipListener>());
        return builder;
    }

    private static void RequirePostgres(IHostApplicationBuilder builder, string feature)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("Monitor")))
        {
            throw new StorageConfigurationException(
                $"{feature} needs PostgreSQL: set {StorageOptions.ConnectionStringKey}, and call AddMonitorStorage first.");
        }

        if (!builder.Services.Any(d => d.ServiceType == typeof(NpgsqlDataSource)))
        {
            throw new InvalidOperationException($"{feature} needs AddMonitorStorage to be called first.");
        }
    }
}
