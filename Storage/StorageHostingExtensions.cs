using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Rules;
using Orleans.Monitor.Contracts.Storage;
using Orleans.Monitor.Storage.Postgres;
using Orleans.Monitor.Storage.Rules;
using Orleans.Monitor.Storage.Retention;
using Orleans.Monitor.Storage.Sqlite;
using Orleans.Monitor.Storage.Writing;

namespace Orleans.Monitor.Storage;

/// <summary>Registers the monitor store, its batched writer and the rule store (<see cref="IRuleStore"/>).</summary>
public static class StorageHostingExtensions
{
    /// <summary>
    /// PostgreSQL when <c>ConnectionStrings:Monitor</c> is set, else SQLite under
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
        services.AddOptions<SpoolOptions>()
            .Bind(builder.Configuration.GetSection(SpoolOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<SpoolOptions>>(new SettingValidator<SpoolOptions>(o => o.Validate()));
        services.AddOptions<RetentionOptions>()
            .Bind(builder.Configuration.GetSection(RetentionOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<RetentionOptions>>(new SettingValidator<RetentionOptions>(o => o.Validate()));

        var connectionString = builder.Configuration.GetConnectionString("Monitor");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            services.AddSingleton<SqliteMonitorStore>();
            services.AddSingleton<IMonitorStore>(sp => sp.GetRequiredService<SqliteMonitorStore>());
            services.AddSingleton<IScalingStore>(sp => sp.GetRequiredService<SqliteMonitorStore>());
            services.AddSingleton<IRuleStore, SqliteRuleStore>();
            services.AddSingleton<IRollupStore>(sp => sp.GetRequiredService<SqliteMonitorStore>());
        }
        else
        {
            // Built lazily so a malformed string surfaces as InvalidSettingException at start, not at registration.
            services.AddSingleton(_ => PostgresStartup.CreateDataSource(connectionString));
            services.AddSingleton<PostgresMonitorStore>();
            services.AddSingleton<IMonitorStore>(sp => sp.GetRequiredService<PostgresMonitorStore>());
            services.AddSingleton<IScalingStore>(sp => sp.GetRequiredService<PostgresMonitorStore>());
            services.AddSingleton<IRuleStore, PostgresRuleStore>();
            services.AddSingleton<IRollupStore>(sp => sp.GetRequiredService<PostgresMonitorStore>());
        }

        // Registered first so the schema exists before any writer, agent or listener starts.
        services.AddHostedService<MonitorStoreInitializer>();
        services.AddSingleton<RetentionJob>();
        services.AddSingleton<WriteSpool>();
        services.AddSingleton<AggregateWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<AggregateWriter>());
        return builder;
    }
}
