using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace CarteAuth.AspNetCore.Tests;

public sealed class TelemetryTests
{
    [Fact]
    public async Task Metrics_CountSessionsLoginsStepUpsAndDenials()
    {
        using var pki = SmartCard.Development.DevPki.Create();
        await using var host = await TestHost.StartAsync(options: o => o.ForwardedCertificate = new SmartCard.ForwardedCertificateOptions(), carteAuth: b => b.AddSmartCard(o => o.TrustAnchors.Add(pki.Root)));
        var factory = host.Services.GetRequiredService<IMeterFactory>();
        var measurements = new ConcurrentBag<(string Instrument, long Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == CarteAuthTelemetry.Name && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var dict = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                dict[tag.Key] = tag.Value;
            }

            measurements.Add((instrument.Name, value, dict));
        });
        listener.Start();

        using var doctor = host.NewBrowser();
        using var pharmacist = host.NewBrowser();
        using var fido = host.NewBrowser();
        await doctor.SignInAsync(TestHost.Evidence());
        await pharmacist.SignInAsync(TestHost.Evidence(TestHost.Pharmacist, "21"));
        await fido.SignInAsync(TestHost.Evidence(amr: "\"hwk\",\"user\"", assurance: "substantial", authenticator: "fido2"));
        Assert.Equal(HttpStatusCode.Forbidden, (await pharmacist.GetApiAsync("/dossier")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await fido.GetApiAsync("/dossier")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await doctor.PostAsync("/carteauth/logout")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await doctor.GetApiAsync("/carteauth/login/card")).StatusCode);

        Assert.Equal(3, measurements.Where(m => m.Instrument == "carteauth.sessions.started").Sum(m => m.Value));
        Assert.Contains(measurements, m => m.Instrument == "carteauth.sessions.started" && (string?)m.Tags["carteauth.method"] == "fido2");
        Assert.Contains(measurements, m => m.Instrument == "carteauth.denials" && (string?)m.Tags["carteauth.policy"] == "dossier-patient" && (string?)m.Tags["carteauth.reason"] == ReasonCodes.ProfessionNotAllowed);
        Assert.Contains(measurements, m => m.Instrument == "carteauth.step_ups" && (string?)m.Tags["carteauth.reason"] == ReasonCodes.StepUpRequired);
        Assert.Contains(measurements, m => m.Instrument == "carteauth.sessions.ended" && (string?)m.Tags["carteauth.reason"] == "sign-out");
        Assert.Contains(measurements, m => m.Instrument == "carteauth.logins" && (string?)m.Tags["carteauth.method"] == "smartcard" && (string?)m.Tags["carteauth.result"] == "failure" && (string?)m.Tags["carteauth.reason"] == ReasonCodes.CertMissing);
        Assert.DoesNotContain(measurements, m => m.Tags.Values.Any(v => v is string s && (s.Contains(TestHost.Doctor, StringComparison.Ordinal) || s.Contains("DUPONT", StringComparison.Ordinal))));
    }
}
