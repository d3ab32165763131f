using Microsoft.Extensions.Options;

namespace Orleans.Monitor.Storage.Membership;

/// <summary>What a silo announces when it joins; a silo may only know it once its Docker daemon has answered.</summary>
public interface ISiloRegistrationSource
{
    Task<SiloRegistration> GetRegistrationAsync(CancellationToken cancellationToken);
}

/// <summary>The registration taken as configured under <c>Membership</c>.</summary>
public sealed class OptionsSiloRegistrationSource(IOptions<MembershipOptions> options) : ISiloRegistrationSource
{
    public Task<SiloRegistration> GetRegistrationAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (o.ValidateSilo() is { } error)
        {
            throw new OptionsValidationException(MembershipOptions.SectionName, typeof(MembershipOptions), [error]);
        }

        return Task.FromResult(new SiloRegistration(o.SiloId, o.DockerHostId, o.Endpoint, o.Version, Environment.MachineName));
    }
}
