using CarteAuth.Audit;
using CarteAuth.Authentication;
using CarteAuth.Core.Tests.TestSupport;
using CarteAuth.Policies;
using CarteAuth.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CarteAuth.Core.Tests.DependencyInjection;

public sealed class CarteAuthCoreServiceCollectionExtensionsTests
{
    [Fact]
    public void Without_an_audit_store_resolution_fails_saying_how_to_register_one()
    {
        using var provider = new ServiceCollection().AddCarteAuthCore().AddCarteAuthPolicy("p", _ => { }).BuildServiceProvider();

        var e = Assert.Throws<CarteAuthException>(() => provider.GetRequiredService<IPolicyEvaluator>());

        Assert.Equal(ReasonCodes.AuditInvalidOptions, e.ReasonCode);
        Assert.Contains("AddCarteAuthSqliteAudit", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sqlite_audit_records_decisions_in_the_file()
    {
        using var dir = new TempDirectory();
        var path = dir.File("audit.db");
        await using (var provider = new ServiceCollection()
            .AddCarteAuthCore()
            .AddCarteAuthSqliteAudit(o => o.Path = path)
            .AddCarteAuthPolicy("dossier-patient", b => b.RequireAssurance(AssuranceLevel.High))
            .BuildServiceProvider())
        {
            var evaluator = provider.GetRequiredService<IPolicyEvaluator>();
            await evaluator.EvaluateAsync("dossier-patient", new PolicyContext(Evidence.Card(), Evidence.Now));
            await evaluator.EvaluateAsync("dossier-patient", new PolicyContext(Evidence.PasswordOtp(), Evidence.Now));
        }

        await using var store = await SqliteAuditStore.OpenAsync(new SqliteAuditStoreOptions { Path = path, ReadOnly = true });
        var result = await AuditChainVerifier.VerifyAsync(store);
        Assert.True(result.IsValid);
        Assert.Equal(2, result.EventsChecked);
        Assert.Equal(AuditResults.StepUp, result.LastEvent!.Result);
    }

    [Fact]
    public async Task In_memory_audit_serves_the_authentication_service()
    {
        await using var provider = new ServiceCollection().AddCarteAuthCore().AddCarteAuthInMemoryAudit().BuildServiceProvider();

        var result = await provider.GetRequiredService<IAuthenticationService>().AuthenticateAsync(new NoSuchCredential());

        Assert.Equal(ReasonCodes.NoAuthenticator, result.ReasonCode);
        Assert.Equal(1, await provider.GetRequiredService<IAuditStore>().GetLastAsync() is { Sequence: var s } ? s : 0);
    }

    private sealed class NoSuchCredential : AuthenticationRequest;
}
