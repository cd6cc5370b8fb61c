using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CarteAuth.Policies;

/// <summary>Gives compiled policies by name.</summary>
public interface IPolicyProvider
{
    /// <summary>Finds a policy.</summary>
    bool TryGetPolicy(string name, [NotNullWhen(true)] out CompiledPolicy? policy);

    /// <summary>The names of the configured policies.</summary>
    IReadOnlyCollection<string> PolicyNames { get; }
}

/// <summary>
/// Policies compiled from <see cref="CarteAuthPolicyOptions"/>; recompiled once per configuration change, never
/// per request. A change that does not compile keeps the previous policies (and the error is reported by
/// options validation at start).
/// </summary>
internal sealed partial class OptionsPolicyProvider : IPolicyProvider, IDisposable
{
    private readonly IDisposable? _subscription;
    private volatile FrozenDictionary<string, CompiledPolicy> _policies;

    public OptionsPolicyProvider(IOptionsMonitor<CarteAuthPolicyOptions> options, ILogger<OptionsPolicyProvider>? logger = null)
    {
        var log = (ILogger?)logger ?? NullLogger.Instance;
        _policies = PolicyCompiler.CompileAll(options.CurrentValue);
        Log.PoliciesLoaded(log, _policies.Count);
        _subscription = options.OnChange(o =>
        {
            try
            {
                _policies = PolicyCompiler.CompileAll(o);
                Log.PoliciesLoaded(log, _policies.Count);
            }
            catch (PolicyConfigurationException e)
            {
                // Keep serving the last valid policies: neither fail open nor refuse everything on a bad edit.
                Log.PolicyReloadFailed(log, e, e.Message);
            }
        });
    }

    public IReadOnlyCollection<string> PolicyNames => _policies.Keys;

    public bool TryGetPolicy(string name, [NotNullWhen(true)] out CompiledPolicy? policy) => _policies.TryGetValue(name, out policy);

    public void Dispose() => _subscription?.Dispose();

    private static partial class Log
    {
        [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "CarteAuth policies compiled: {Count} policies.")]
        public static partial void PoliciesLoaded(ILogger logger, int count);

        [LoggerMessage(EventId = 1101, Level = LogLevel.Error, Message = "CarteAuth policy configuration change rejected, the previous policies stay in force: {Problem}")]
        public static partial void PolicyReloadFailed(ILogger logger, Exception exception, string problem);
    }
}

/// <summary>Validates policy options at start: every policy must compile. The message lists every problem.</summary>
internal sealed class PolicyOptionsValidator : IValidateOptions<CarteAuthPolicyOptions>
{
    public ValidateOptionsResult Validate(string? name, CarteAuthPolicyOptions options)
    {
        try
        {
            PolicyCompiler.CompileAll(options);
            return ValidateOptionsResult.Success;
        }
        catch (PolicyConfigurationException e)
        {
            return ValidateOptionsResult.Fail(e.Errors);
        }
    }
}
