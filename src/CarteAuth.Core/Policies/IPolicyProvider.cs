using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

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
/// per request. A change that does not bind, validate or compile keeps the previous policies in force (never fail
/// open, never refuse everything on a bad edit) and is logged with its reason (event 1101); invalid options at start
/// are reported by options validation.
/// </summary>
/// <remarks>
/// Reloads are read from the options change token sources through <see cref="IOptionsFactory{TOptions}"/> rather than
/// <see cref="IOptionsMonitor{TOptions}.OnChange"/>: the monitor rebuilds the options before calling its listeners, so a
/// bad edit would throw into the configuration's change notification and never reach this provider to be reported.
/// </remarks>
internal sealed class OptionsPolicyProvider : IPolicyProvider, IDisposable
{
    private readonly IDisposable[] _subscriptions;
    private readonly IOptionsFactory<CarteAuthPolicyOptions> _factory;
    private readonly ILogger _logger;
    private volatile FrozenDictionary<string, CompiledPolicy> _policies;

    public OptionsPolicyProvider(IOptionsFactory<CarteAuthPolicyOptions> factory, IEnumerable<IOptionsChangeTokenSource<CarteAuthPolicyOptions>> sources, ILogger<OptionsPolicyProvider>? logger = null)
    {
        _factory = factory;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _policies = PolicyCompiler.CompileAll(factory.Create(Options.DefaultName));
        CoreLog.PoliciesLoaded(_logger, _policies.Count);
        _subscriptions = [.. sources.Where(static s => s.Name is null || s.Name == Options.DefaultName).Select(s => ChangeToken.OnChange(s.GetChangeToken, Reload))];
    }

    /// <summary>Recompiles after a configuration change; keeps the last good policies when the change is invalid.</summary>
    internal void Reload()
    {
        string problem;
        Exception error;
        try
        {
            _policies = PolicyCompiler.CompileAll(_factory.Create(Options.DefaultName));
            CoreLog.PoliciesLoaded(_logger, _policies.Count);
            return;
        }
        catch (PolicyConfigurationException e)
        {
            (problem, error) = (e.Message, e);
        }
        catch (OptionsValidationException e)
        {
            (problem, error) = (string.Join(" ", e.Failures), e);
        }
        catch (InvalidOperationException e)
        {
            // The strict binder (unknown key, value of the wrong type).
            (problem, error) = (PolicyConfigurationLoader.Explain(e), e);
        }

        CoreLog.PolicyReloadFailed(_logger, error, problem);
    }

    public IReadOnlyCollection<string> PolicyNames => _policies.Keys;

    public bool TryGetPolicy(string name, [NotNullWhen(true)] out CompiledPolicy? policy) => _policies.TryGetValue(name, out policy);

    public void Dispose()
    {
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }
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
