using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CarteAuth.Audit;
using CarteAuth.Authentication;
using CarteAuth.Gateway.Radius;
using CarteAuth.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CarteAuth.Gateway.Tests.Radius;

/// <summary>A real CarteAuth RADIUS server on 127.0.0.1 (port 0) with a user file, in-memory audit and test policies.</summary>
internal sealed class RadiusTestServer : IAsyncDisposable
{
    public const string Secret = "radius-test-secret-0123";
    public const string Password = "Mot-de-passe-1";

    /// <summary>Has a TOTP secret.</summary>
    public const string OtpUser = "carole.pharmacien";
    public const string OtpUserIdNat = "899700075122";

    /// <summary>No TOTP secret.</summary>
    public const string PasswordOnlyUser = "isabelle.medecin";
    public const string PasswordOnlyIdNat = "810002813839";

    /// <summary>Policies: "vpn-password" (PAP alone is enough), "vpn" (two factors, substantial), "pharmacie" (profession 21: the file's users have none, so denied).</summary>
    public const string PasswordPolicy = "vpn-password";
    public const string MfaPolicy = "vpn";
    public const string DenyPolicy = "pharmacie";

    public static readonly byte[] TotpSecret = Encoding.ASCII.GetBytes("12345678901234567890"); // RFC 6238 appendix B

    private readonly IHost _host;
    private readonly TempDirectory _dir;

    private RadiusTestServer(IHost host, TempDirectory dir)
    {
        _host = host;
        _dir = dir;
        Server = host.Services.GetRequiredService<RadiusServer>();
        Audit = host.Services.GetRequiredService<IAuditStore>();
    }

    public RadiusServer Server { get; }

    public IAuditStore Audit { get; }

    public IPEndPoint EndPoint => Server.LocalEndPoints[0];

    public IServiceProvider Services => _host.Services;

    public static string UsersJson() => $$"""
        { "Users": [
          { "UserName": "{{OtpUser}}", "IdNat": "{{OtpUserIdNat}}", "FamilyName": "PHARMACH0007512", "GivenName": "CAROLE",
            "Password": "{{FileRadiusUserDirectory.HashPassword(Password, 1000)}}", "TotpSecret": "{{Base32.Encode(TotpSecret)}}" },
          { "UserName": "{{PasswordOnlyUser}}", "IdNat": "{{PasswordOnlyIdNat}}", "FamilyName": "DONNAT-GADY", "GivenName": "ISABELLE",
            "Password": "{{FileRadiusUserDirectory.HashPassword(Password, 1000)}}" }
        ] }
        """;

    public static async Task<RadiusTestServer> StartAsync(string policy, Action<RadiusServerOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var dir = new TempDirectory();
        var users = dir.File("users.json", UsersJson());
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.ClearProviders();
        builder.Services.AddCarteAuthInMemoryAudit();
        builder.Services.AddCarteAuthPolicy(PasswordPolicy, b => b.RequireAssurance(AssuranceLevel.Low));
        builder.Services.AddCarteAuthPolicy(MfaPolicy, b => b.RequireAssurance(AssuranceLevel.Substantial).RequireFactors(2));
        builder.Services.AddCarteAuthPolicy(DenyPolicy, b => b.RequireProfession("21"));
        services?.Invoke(builder.Services);
        builder.Services.AddCarteAuthRadius(o =>
        {
            o.Endpoint = "127.0.0.1:0";
            o.AccountingEndpoint = "127.0.0.1:0";
            o.Clients.Add(new RadiusClientOptions { Name = "vpn-test", Address = "127.0.0.1", Secret = Secret });
            o.Policy = policy;
            o.UsersFile = users;
            o.SessionTimeout = TimeSpan.FromHours(8);
            configure?.Invoke(o);
        });
        var host = builder.Build();
        await host.StartAsync();
        return new RadiusTestServer(host, dir);
    }

    public async Task<List<AuditEvent>> AuditEventsAsync()
    {
        var list = new List<AuditEvent>();
        await foreach (var e in Audit.ReadAsync())
        {
            list.Add(e);
        }

        return list;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        _dir.Dispose();
    }
}

/// <summary>The real FreeRADIUS radclient (Debian freeradius-utils).</summary>
internal static class RadClient
{
    public sealed record Result(int ExitCode, string Output)
    {
        public bool Received(string code) => Output.Contains("Received " + code, StringComparison.Ordinal);

        /// <summary>The value of an attribute line of the reply (e.g. <c>State = 0x…</c>), or null.</summary>
        public string? Attribute(string name) =>
            Output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(name + " = ", StringComparison.Ordinal))?[(name.Length + 3)..].Trim('"');
    }

    /// <summary>Runs radclient once (one try; 5 s for a reply, pass 1 s where no reply is expected), attributes on stdin.</summary>
    public static async Task<Result> RunAsync(IPEndPoint server, string type, string secret, string attributes, int timeoutSeconds = 5, int tries = 1)
    {
        var psi = new ProcessStartInfo("radclient")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-x", "-t", timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "-r", tries.ToString(System.Globalization.CultureInfo.InvariantCulture), "-D", "/usr/share/freeradius", $"{server.Address}:{server.Port}", type, secret })
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("radclient did not start (apt-get install freeradius-utils).");
        await process.StandardInput.WriteAsync(attributes);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20 + (timeoutSeconds * tries)));
        await process.WaitForExitAsync(cts.Token);
        return new Result(process.ExitCode, await stdout + await stderr);
    }
}

/// <summary>Raw UDP to the server: malformed packets and exact retransmissions.</summary>
internal sealed class RawRadiusSocket : IDisposable
{
    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));

    public async Task SendAsync(byte[] datagram, IPEndPoint server) => await _udp.SendAsync(datagram, server);

    /// <summary>The next datagram, or null after <paramref name="wait"/>.</summary>
    public async Task<byte[]?> ReceiveAsync(TimeSpan wait)
    {
        using var cts = new CancellationTokenSource(wait);
        try
        {
            return (await _udp.ReceiveAsync(cts.Token)).Buffer;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public void Dispose() => _udp.Dispose();
}
