using CarteAuth.Policies;
using CarteAuth.Core.Tests.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CarteAuth.Core.Tests.Policies;

/// <summary>Policies bound from configuration recompile on change; a bad change keeps the last good policies and is logged.</summary>
public sealed class PolicyReloadTests
{
    private const string Level = "CarteAuth:Policies:p:MinimumAssurance";

    [Fact]
    public void Change_recompiles_and_bad_changes_keep_the_last_good_policies()
    {
        var source = new ReloadableSource();
        source.Provider.Set(Level, "High");
        var configuration = new ConfigurationBuilder().Add(source).Build();
        var log = new List<(int EventId, string Message)>();
        using var provider = new ServiceCollection()
            .AddSingleton<ILogger<OptionsPolicyProvider>>(new CapturingLogger<OptionsPolicyProvider>(log))
            .AddCarteAuthPolicies(configuration.GetSection("CarteAuth"))
            .BuildServiceProvider();
        var policies = provider.GetRequiredService<IPolicyProvider>();
        bool AllowsKeyWithoutUv() => policies.TryGetPolicy("p", out var p) && p.Evaluate(new PolicyContext(Evidence.Fido2NoUv(), Evidence.Now)).IsAllowed;
        Assert.False(AllowsKeyWithoutUv());

        // A good change recompiles (no restart).
        source.Provider.Replace((Level, "Substantial"));
        Assert.True(AllowsKeyWithoutUv());

        // A value that does not bind, then a policy that does not compile, then an unknown key: each is rejected
        // without throwing into the configuration's change notification, the last good policies stay, and the
        // reason is logged (event 1101).
        foreach (var (key, value, expected) in new[]
        {
            (Level, "Enormous", "Enormous"),
            ("CarteAuth:Policies:p:MinimumFactors", "9", "MinimumFactors"),
            ("CarteAuth:Policies:p:Colour", "blue", "Colour"),
        })
        {
            source.Provider.Replace((Level, "Substantial"), (key, value));
            Assert.True(AllowsKeyWithoutUv());
            Assert.Contains(log, e => e.EventId == 1101 && e.Message.Contains(expected, StringComparison.Ordinal));
        }

        // A good change after the bad ones applies again.
        source.Provider.Replace((Level, "High"));
        Assert.False(AllowsKeyWithoutUv());
    }

    private sealed class ReloadableSource : IConfigurationSource
    {
        public ReloadableProvider Provider { get; } = new();

        public IConfigurationProvider Build(IConfigurationBuilder builder) => Provider;
    }

    // Like a reloadOnChange JSON file: the whole data set is replaced, then the change token fires.
    private sealed class ReloadableProvider : ConfigurationProvider
    {
        public void Replace(params (string Key, string? Value)[] values)
        {
            var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var (key, value) in values)
            {
                data[key] = value;
            }

            Data = data;
            OnReload();
        }
    }

    private sealed class CapturingLogger<T>(List<(int EventId, string Message)> entries) : ILogger<T>
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (entries)
            {
                entries.Add((eventId.Id, formatter(state, exception)));
            }
        }
    }
}
