using Microsoft.Extensions.Options;

namespace Orleans.Monitor.Grains.Runtime;

/// <summary>Settings of the grain runtime, bound from the <c>GrainRuntime</c> configuration section.</summary>
public sealed class GrainRuntimeOptions
{
    public const string SectionName = "GrainRuntime";

    /// <summary>Calls an activation may hold waiting for their turn before callers wait for space.</summary>
    public int MailboxCapacity { get; set; } = 1024;

    /// <summary>How long a call waits for space in a full mailbox before <see cref="GrainOverloadedException"/>.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the idle collector runs (Orleans' <c>CollectionQuantum</c>).</summary>
    public TimeSpan CollectionQuantum { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Idle time after which an activation is collected (Orleans' <c>CollectionAge</c>).</summary>
    public TimeSpan CollectionAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Time given to <see cref="Grain.OnDeactivateAsync"/> before its token is cancelled.</summary>
    public TimeSpan DeactivationTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Rejects settings the runtime cannot run with, naming the setting.</summary>
internal sealed class GrainRuntimeOptionsValidator : IValidateOptions<GrainRuntimeOptions>
{
    public ValidateOptionsResult Validate(string? name, GrainRuntimeOptions options)
    {
        List<string> failures = [];
        if (options.MailboxCapacity < 1)
        {
            failures.Add($"{GrainRuntimeOptions.SectionName}:{nameof(options.MailboxCapacity)} must be at least 1 (was {options.MailboxCapacity}).");
        }

        RequirePositive(options.CallTimeout, nameof(options.CallTimeout), failures);
        RequirePositive(options.CollectionQuantum, nameof(options.CollectionQuantum), failures);
        RequirePositive(options.CollectionAge, nameof(options.CollectionAge), failures);
        RequirePositive(options.DeactivationTimeout, nameof(options.DeactivationTimeout), failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void RequirePositive(TimeSpan value, string setting, List<string> failures)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"{GrainRuntimeOptions.SectionName}:{setting} must be positive (was {value}).");
        }
    }
}
