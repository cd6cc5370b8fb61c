using System.Collections.Concurrent;
using CarteAuth.Policies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace CarteAuth.AspNetCore;

/// <summary>
/// Makes every CarteAuth policy (a name known to Core's <see cref="IPolicyProvider"/>) an ASP.NET Core authorization
/// policy: <c>[Authorize(Policy = "dossier-patient")]</c>, <c>RequireAuthorization("dossier-patient")</c>. The
/// policy authenticates with the CarteAuth session scheme and holds one <see cref="CarteAuthPolicyRequirement"/>.
/// Without CarteAuth policies registered (<c>AddCarteAuthPolicies</c>), every name goes to the default provider.
/// Other names (and the default and fallback policies) come from the <see cref="DefaultAuthorizationPolicyProvider"/>.
/// </summary>
internal sealed class CarteAuthAuthorizationPolicyProvider(IOptions<AuthorizationOptions> options, IPolicyProvider? policies = null) : IAuthorizationPolicyProvider
{
    private readonly DefaultAuthorizationPolicyProvider _fallback = new(options);
    private readonly ConcurrentDictionary<string, AuthorizationPolicy> _cache = new(StringComparer.Ordinal);

    public bool AllowsCachingPolicies => false;

    public Task<AuthorizationPolicy> GetDefaultPolicyAsync() => _fallback.GetDefaultPolicyAsync();

    public Task<AuthorizationPolicy?> GetFallbackPolicyAsync() => _fallback.GetFallbackPolicyAsync();

    public Task<AuthorizationPolicy?> GetPolicyAsync(string policyName)
    {
        ArgumentNullException.ThrowIfNull(policyName);

        // Names are re-checked on each call: a configuration reload can add or remove CarteAuth policies.
        if (policies is not null && policies.TryGetPolicy(policyName, out _))
        {
            return Task.FromResult<AuthorizationPolicy?>(_cache.GetOrAdd(policyName, static name =>
                new AuthorizationPolicyBuilder(CarteAuthDefaults.AuthenticationScheme)
                    .AddRequirements(new CarteAuthPolicyRequirement(name))
                    .Build()));
        }

        return _fallback.GetPolicyAsync(policyName);
    }
}
