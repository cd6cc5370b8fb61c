using System.Diagnostics;
using System.Net;
using System.Text.Json;
using CarteAuth.Testing;

namespace CarteAuth.AspNetCore.Tests;

/// <summary>The login page helper served at /carteauth/carteauth.js, run by node for its pure parts.</summary>
public sealed class ScriptTests
{
    [Fact]
    public async Task Script_IsServed_AndParsesTheLoginContext()
    {
        await using var host = await TestHost.StartAsync();
        using var browser = host.NewBrowser();
        var response = await browser.Client.GetAsync("/carteauth/carteauth.js");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/javascript", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        var script = await response.Content.ReadAsStringAsync();

        using var dir = new TempDirectory();
        var harness = dir.File("harness.js", """
            global.window = { location: { search: "" } };
            require("./carteauth.js");
            const ctx = (q) => window.CarteAuth.loginContext(q);
            console.log(JSON.stringify([
              ctx("?returnUrl=%2Fdossier%3Fp%3D1&stepUp=level:high;methods:sc,hwk;required:pin;phr;factors:2;maxage:300;fresh&policy=dossier-patient"),
              ctx("?returnUrl=%2F%2Fevil.example"),
              ctx("?returnUrl=https%3A%2F%2Fevil.example&error=cert.missing"),
            ]));
            """);
        dir.File("carteauth.js", script);
        var output = await RunNodeAsync(harness);
        var results = JsonDocument.Parse(output).RootElement;

        var first = results[0];
        Assert.Equal("/dossier?p=1", first.GetProperty("returnUrl").GetString());
        Assert.Equal("dossier-patient", first.GetProperty("policy").GetString());
        var stepUp = first.GetProperty("stepUp");
        Assert.Equal("high", stepUp.GetProperty("level").GetString());
        Assert.Equal(["sc", "hwk"], stepUp.GetProperty("methods").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["pin"], stepUp.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.True(stepUp.GetProperty("phishingResistant").GetBoolean());
        Assert.Equal(2, stepUp.GetProperty("factors").GetInt32());
        Assert.Equal(300, stepUp.GetProperty("maxAge").GetInt32());
        Assert.True(stepUp.GetProperty("fresh").GetBoolean());

        Assert.Equal("/", results[1].GetProperty("returnUrl").GetString());
        Assert.Equal("/", results[2].GetProperty("returnUrl").GetString());
        Assert.Equal("cert.missing", results[2].GetProperty("error").GetString());
    }

    [Fact]
    public async Task Script_KeysPairingAndUnpair_WorkAgainstTheRealEndpoints()
    {
        await using var host = await TestHost.StartAsync(carteAuth: b => b
            .AddFido2(
                o =>
                {
                    o.RpId = CarteAuth.Fido2.Tests.TestSupport.SoftAuthenticator.DefaultRpId;
                    o.RpName = "Portail";
                    o.Origins.Add(CarteAuth.Fido2.Tests.TestSupport.SoftAuthenticator.DefaultOrigin);
                },
                f => f.UseInMemoryCredentialStore())
            .AddPairing());
        using var browser = host.NewBrowser();
        await browser.SignInAsync(TestHost.Evidence());
        using var key = new CarteAuth.Fido2.Tests.TestSupport.SoftAuthenticator();
        await Fido2LoginTests.RegisterAsync(browser, key);
        var script = await (await browser.Client.GetAsync("/carteauth/carteauth.js")).Content.ReadAsStringAsync();

        using var dir = new TempDirectory();
        dir.File("carteauth.js", script);
        var harness = dir.File("harness.js", """
            const [origin, cookie] = process.argv.slice(2);
            const realFetch = globalThis.fetch;
            // The page's same-origin fetch: relative URL, the session cookie, the page's Origin.
            globalThis.fetch = (url, init) => realFetch(origin + url, { ...init, headers: { ...(init && init.headers), Cookie: cookie, Origin: origin } });
            global.window = { location: { search: "" } };
            require("./carteauth.js");
            const C = window.CarteAuth;
            const error = async (p) => { try { await p; return null; } catch (e) { return { code: e.reasonCode, status: e.status }; } };
            (async () => {
              const out = {};
              out.status = await C.pairing();
              out.keys = await C.keys();
              out.deleteError = await error(C.deleteKey("AAAAAAAAAAAAAAAAAAAAAA"));
              out.unpair = await C.unpair();
              out.unpairError = await error(C.unpair());
              out.after = await C.pairing();
              out.keysAfter = await C.keys();
              console.log(JSON.stringify(out));
            })().catch(e => { console.error(e); process.exit(1); });
            """);
        var origin = host.Address.GetLeftPart(UriPartial.Authority);
        var output = JsonDocument.Parse(await RunNodeAsync(harness, origin, $"{CarteAuthDefaults.CookieName}={browser.SessionCookie}")).RootElement;

        Assert.True(output.GetProperty("status").GetProperty("paired").GetBoolean());
        Assert.Single(output.GetProperty("keys").EnumerateArray());
        Assert.Equal(ReasonCodes.WebAuthnUnknownCredential, output.GetProperty("deleteError").GetProperty("code").GetString());
        Assert.Equal(404, output.GetProperty("deleteError").GetProperty("status").GetInt32());
        Assert.Equal(1, output.GetProperty("unpair").GetProperty("keysDeleted").GetInt32());
        Assert.Equal(ReasonCodes.PairingNotPaired, output.GetProperty("unpairError").GetProperty("code").GetString());
        Assert.False(output.GetProperty("after").GetProperty("paired").GetBoolean());
        Assert.Empty(output.GetProperty("keysAfter").EnumerateArray());
    }

    private static async Task<string> RunNodeAsync(string script, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo("node", [script, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(script)! })!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, await stderr);
        return await stdout;
    }
}
