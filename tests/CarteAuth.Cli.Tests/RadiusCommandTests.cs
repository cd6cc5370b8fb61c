using System.Net;
using System.Net.Sockets;
using System.Text;
using CarteAuth.Gateway.Radius;

namespace CarteAuth.Cli.Tests;

/// <summary><c>carteauth radius serve</c> from a configuration file, exercised with <c>carteauth radius test</c>.</summary>
public sealed class RadiusCommandTests : IAsyncLifetime
{
    private const string Secret = "cli-radius-secret-0123";
    private static readonly byte[] TotpSecret = Encoding.ASCII.GetBytes("12345678901234567890");
    private readonly TempDirectory _dir = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly StringWriter _serveOut = new();
    private readonly StringWriter _serveErr = new();
    private Task<int>? _serve;
    private string _server = string.Empty;

    public async Task InitializeAsync()
    {
        int port;
        using (var probe = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
        {
            port = ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
        }

        _server = $"127.0.0.1:{port}";
        _dir.File("users.json", $$"""
            { "Users": [
              { "UserName": "carole", "IdNat": "899700075122", "FamilyName": "PHARMACH0007512", "Password": "{{FileRadiusUserDirectory.HashPassword("Mot-de-passe-1", 1000)}}", "TotpSecret": "{{Base32.Encode(TotpSecret)}}" },
              { "UserName": "isabelle", "IdNat": "810002813839", "FamilyName": "DONNAT-GADY", "Password": "{{FileRadiusUserDirectory.HashPassword("Mot-de-passe-2", 1000)}}" }
            ] }
            """);
        var config = _dir.File("radius.json", $$"""
            {
              "Audit": { "Path": "audit.db" },
              "CarteAuth": { "Policies": { "vpn": { "MinimumAssurance": "Substantial", "MinimumFactors": 2 } } },
              "Radius": {
                "Endpoint": "{{_server}}",
                "Clients": [ { "Name": "vpn-test", "Address": "127.0.0.0/8", "Secret": "{{Secret}}" } ],
                "Policy": "vpn",
                "UsersFile": "users.json",
                "SessionTimeout": "08:00:00"
              }
            }
            """);
        _serve = CliApp.RunAsync(["radius", "serve", "--config", config, "--json"], _serveOut, _serveErr, _stop.Token);
        for (var i = 0; i < 100 && !_serveErr.ToString().Contains("listening", StringComparison.Ordinal); i++)
        {
            Assert.False(_serve.IsCompleted, _serveOut + _serveErr.ToString());
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_serve is not null)
        {
            await _serve.WaitAsync(TimeSpan.FromSeconds(10));
        }

        _stop.Dispose();
        _dir.Dispose();
    }

    private Task<CliRun> TestAsync(params string[] extra) =>
        CliRun.RunAsync(["radius", "test", "--server", _server, "--secret", Secret, "--timeout", "5", "--tries", "1", "--json", .. extra]);

    [Fact]
    public async Task Otp_ChallengeAnswered_Accepts_Exit0_ThenServeStopsCleanly_WithAnIntactAuditTrail()
    {
        var run = await TestAsync("--user", "carole", "--password", "Mot-de-passe-1", "--otp", TotpVerifier.Compute(TotpSecret, DateTimeOffset.UtcNow));

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Stdout} {run.Stderr} | serve: {_serveOut} {_serveErr}");
        Assert.True(run.Json["ok"]!.GetValue<bool>());
        Assert.True(run.Json["challenged"]!.GetValue<bool>());
        Assert.Equal(28800, run.Json["sessionTimeout"]!.GetValue<int>());
        Assert.StartsWith("carteauth:", run.Json["class"]!.GetValue<string>(), StringComparison.Ordinal);

        await _stop.CancelAsync();
        Assert.Equal(0, await _serve!.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("\"received\": 2", _serveOut.ToString(), StringComparison.Ordinal);
        var audit = await CliRun.RunAsync("audit", "verify", "--db", Path.Combine(_dir.Path, "audit.db"), "--json");
        Assert.Equal(0, audit.ExitCode);
        Assert.True(audit.Json["eventsChecked"]!.GetValue<int>() >= 4); // password, step-up, otp, allow
    }

    [Fact]
    public async Task Challenge_WithoutOtp_Exit1_StepUpRequired()
    {
        var run = await TestAsync("--user", "carole", "--password", "Mot-de-passe-1");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("Access-Challenge", run.Json["reply"]!.GetValue<string>());
        Assert.Equal(ReasonCodes.StepUpRequired, run.Json["reasonCode"]!.GetValue<string>());
        Assert.NotNull(run.Json["state"]);
    }

    [Theory]
    [InlineData("carole", "wrong")]
    [InlineData("isabelle", "Mot-de-passe-2")] // no second factor for a two-factor policy
    public async Task Reject_Exit1(string user, string password)
    {
        var run = await TestAsync("--user", user, "--password", password);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(ReasonCodes.RadiusAccessRejected, run.Json["reasonCode"]!.GetValue<string>());
    }

    [Fact]
    public async Task WrongSecret_NoReply_Exit1()
    {
        var run = await CliRun.RunAsync("radius", "test", "--server", _server, "--secret", "another-secret-xyz", "--user", "carole", "--password", "x", "--timeout", "0.5", "--tries", "1", "--json");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(ReasonCodes.RadiusNoReply, run.Json["reasonCode"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("--server", "not-an-endpoint")]
    [InlineData("--timeout", "0")]
    public async Task BadInput_Exit2(string option, string value)
    {
        var args = new List<string> { "radius", "test", "--server", _server, "--secret", Secret, "--user", "u", "--password", "p", "--json" };
        var index = args.IndexOf(option);
        if (index >= 0)
        {
            args[index + 1] = value;
        }
        else
        {
            args.AddRange([option, value]);
        }

        var run = await CliRun.RunAsync([.. args]);

        Assert.Equal(2, run.ExitCode);
    }

    [Fact]
    public async Task Serve_InvalidConfiguration_Exit2_NamesTheField()
    {
        var config = _dir.File("bad.json", """{ "Audit": { "Path": "a.db" }, "Radius": { "Endpoint": "127.0.0.1:0", "Policy": "vpn" } }""");

        var run = await CliRun.RunAsync("radius", "serve", "--config", config, "--json");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(ReasonCodes.RadiusInvalidOptions, run.Json["reasonCode"]!.GetValue<string>());
        Assert.Contains("Clients", run.Json["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Fast")]
    [InlineData("1")]
    public async Task Serve_UnknownAuditDurability_Exit2_SaysWhichValuesExist(string durability)
    {
        var config = _dir.File("durability.json", $$"""{ "Audit": { "Path": "a.db", "Durability": "{{durability}}" }, "Radius": { "Endpoint": "127.0.0.1:0", "Policy": "vpn" } }""");

        var run = await CliRun.RunAsync("radius", "serve", "--config", config, "--json");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(ReasonCodes.RadiusInvalidOptions, run.Json["reasonCode"]!.GetValue<string>());
        var error = run.Json["error"]!.GetValue<string>();
        Assert.Contains(durability, error, StringComparison.Ordinal);
        Assert.Contains("ProcessCrash", error, StringComparison.Ordinal);
    }
}
