using Microsoft.Extensions.Options;

namespace Orleans.Monitor.Storage;

/// <summary>Adapts an options class's own check, which names the bad setting, to the options validation pipeline.</summary>
internal sealed class SettingValidator<TOptions>(Func<TOptions, string?> validate) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options) =>
        validate(options) is { } error ? ValidateOptionsResult.Fail(error) : ValidateOptionsResult.Success;
}
