using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace CarteAuth.AspNetCore;

/// <summary>
/// OpenTelemetry names of CarteAuth.AspNetCore: add them to your tracer and meter providers
/// (<c>.AddSource(CarteAuthTelemetry.Name)</c>, <c>.AddMeter(CarteAuthTelemetry.Name)</c>). No personal data in tags.
/// <list type="bullet">
/// <item><c>carteauth.logins</c> (counter; tags <c>carteauth.method</c>, <c>carteauth.result</c> <c>success</c>/<c>failure</c>, <c>carteauth.reason</c>).</item>
/// <item><c>carteauth.login.duration</c> (histogram, seconds; tags <c>carteauth.method</c>, <c>carteauth.result</c>).</item>
/// <item><c>carteauth.step_ups</c>, <c>carteauth.denials</c> (counters; tags <c>carteauth.policy</c>, <c>carteauth.reason</c>).</item>
/// <item><c>carteauth.sessions.started</c> (tag <c>carteauth.method</c>), <c>carteauth.sessions.ended</c> (tag <c>carteauth.reason</c>).</item>
/// </list>
/// Activities: <c>carteauth.login</c> around each login endpoint, with the same tags.
/// </summary>
public static class CarteAuthTelemetry
{
    /// <summary>The name of the <see cref="ActivitySource"/> and of the <see cref="Meter"/>.</summary>
    public const string Name = "CarteAuth.AspNetCore";

    internal static readonly ActivitySource ActivitySource = new(Name);
}

/// <summary>The instruments, created from the host's <see cref="IMeterFactory"/>.</summary>
internal sealed class CarteAuthMetrics
{
    private readonly Counter<long> _logins;
    private readonly Histogram<double> _loginDuration;
    private readonly Counter<long> _stepUps;
    private readonly Counter<long> _denials;
    private readonly Counter<long> _sessionsStarted;
    private readonly Counter<long> _sessionsEnded;

    public CarteAuthMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(CarteAuthTelemetry.Name);
        _logins = meter.CreateCounter<long>("carteauth.logins", description: "Login attempts through the CarteAuth endpoints.");
        _loginDuration = meter.CreateHistogram<double>("carteauth.login.duration", unit: "s", description: "Time to verify a login (authenticator and session start).");
        _stepUps = meter.CreateCounter<long>("carteauth.step_ups", description: "Requests a CarteAuth policy sent to step-up.");
        _denials = meter.CreateCounter<long>("carteauth.denials", description: "Requests a CarteAuth policy denied.");
        _sessionsStarted = meter.CreateCounter<long>("carteauth.sessions.started", description: "CarteAuth sessions started.");
        _sessionsEnded = meter.CreateCounter<long>("carteauth.sessions.ended", description: "CarteAuth sessions ended (sign out, timeouts, back-channel logout…).");
    }

    public void Login(string method, bool succeeded, string? reason, TimeSpan duration)
    {
        var result = succeeded ? "success" : "failure";
        _logins.Add(1, new("carteauth.method", method), new("carteauth.result", result), new("carteauth.reason", reason ?? "none"));
        _loginDuration.Record(duration.TotalSeconds, new("carteauth.method", method), new("carteauth.result", result));
    }

    public void StepUp(string policy, string reason) => _stepUps.Add(1, new("carteauth.policy", policy), new("carteauth.reason", reason));

    public void Denied(string policy, string reason) => _denials.Add(1, new("carteauth.policy", policy), new("carteauth.reason", reason));

    public void SessionStarted(string method) => _sessionsStarted.Add(1, new KeyValuePair<string, object?>("carteauth.method", method));

    public void SessionsEnded(string reason, int count = 1)
    {
        if (count > 0)
        {
            _sessionsEnded.Add(count, new KeyValuePair<string, object?>("carteauth.reason", reason));
        }
    }
}
