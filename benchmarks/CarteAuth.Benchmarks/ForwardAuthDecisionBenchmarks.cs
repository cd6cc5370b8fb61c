using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using CarteAuth.Audit;
using CarteAuth.BenchmarkScenarios;
using CarteAuth.Gateway;
using CarteAuth.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CarteAuth.Benchmarks;

/// <summary>
/// The managed cost of one forward-auth decision: <c>/carteauth/authz</c> with a valid session cookie on a route whose
/// policy allows it (the <c>benchmarks/CarteAuth.GatewayLoad</c> configuration: ES256 session tokens, in-memory session
/// stores; the audit chain computed but not kept, see <see cref="ChainOnlyAuditStore"/>), run through the host's own
/// request pipeline (hosting, routing, authentication, authorization, the endpoint) without sockets. Baseline in the same run: a minimal-API endpoint returning 200 through the same pipeline
/// entry, which is what the load test's bare Kestrel endpoint costs above the transport. The load test's ratio is CPU per
/// request (transport and kernel included, about 12 µs on the project's machine) against CPU per request; this
/// benchmark shows the decision's own part, which is what the library can change, in microseconds and bytes.
/// </summary>
[MemoryDiagnoser]
public class ForwardAuthDecisionBenchmarks
{
    private PipelineHost _bare = null!;
    private PipelineHost _gateway = null!;
    private string _cookie = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _bare = await PipelineHost.StartAsync(WebApplication.CreateSlimBuilder(), static app => app.MapGet("/ok", static () => Results.Ok()));

        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddSingleton<IAuditStore>(new ChainOnlyAuditStore());
        ForwardAuthScenario.AddServices(builder.Services, SessionTokenAlgorithm.ES256);
        _gateway = await PipelineHost.StartAsync(builder, ForwardAuthScenario.MapEndpoints);

        var signIn = await _gateway.SendAsync("POST", ForwardAuthScenario.SignInPath, [], Encoding.UTF8.GetBytes(ForwardAuthScenario.Evidence()));
        var setCookie = signIn.Headers.SetCookie.ToString();
        _cookie = setCookie[..setCookie.IndexOf(';', StringComparison.Ordinal)];
        var check = await Authz();
        if (check != StatusCodes.Status200OK)
        {
            throw new InvalidOperationException($"The forward-auth request is not allowed: {check}.");
        }
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _bare.DisposeAsync();
        await _gateway.DisposeAsync();
    }

    /// <summary>The bare endpoint: 200 from a minimal API through the hosting pipeline.</summary>
    [Benchmark(Baseline = true)]
    public async Task<int> BareEndpoint() => (await _bare.SendAsync("GET", "/ok", Headers(), null)).StatusCode;

    /// <summary>A forward-auth decision allowed by its route's policy: session, policy, audit event, identity headers.</summary>
    [Benchmark]
    public Task<int> ForwardAuth_Allow() => Authz();

    private async Task<int> Authz() => (await _gateway.SendAsync("GET", ForwardAuthDefaults.Path, Headers(), null)).StatusCode;

    // The load test's request headers (nginx auth_request's), the same for both endpoints.
    private KeyValuePair<string, string>[] Headers() =>
    [
        new("Cookie", _cookie ?? string.Empty),
        new("X-Original-URI", ForwardAuthScenario.OriginalUri),
        new("X-Original-Method", "GET"),
        new("X-Real-IP", "192.0.2.10"),
    ];

    /// <summary>A host whose server is this class: requests are handed to the hosting pipeline as Kestrel would, without sockets.</summary>
    private sealed class PipelineHost : IServer
    {
        private WebApplication _app = null!;
        private Func<IFeatureCollection, Task>? _process;

        public IFeatureCollection Features { get; } = new FeatureCollection();

        public static async Task<PipelineHost> StartAsync(WebApplicationBuilder builder, Action<WebApplication> configure)
        {
            var host = new PipelineHost();
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton<IServer>(host);
            host._app = builder.Build();
            configure(host._app);
            await host._app.StartAsync();
            return host;
        }

        public async Task<IHttpResponseFeature> SendAsync(string method, string path, KeyValuePair<string, string>[] headers, byte[]? body)
        {
            var request = new HttpRequestFeature { Method = method, Path = path, Protocol = "HTTP/1.1", Scheme = "http", Body = body is null ? Stream.Null : new MemoryStream(body) };
            request.Headers.Host = "127.0.0.1";
            foreach (var (name, value) in headers)
            {
                request.Headers[name] = value;
            }

            var response = new HttpResponseFeature();
            var features = new FeatureCollection();
            features.Set<IHttpRequestFeature>(request);
            features.Set<IHttpResponseFeature>(response);
            features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(Stream.Null));
            features.Set<IHttpConnectionFeature>(new HttpConnectionFeature { RemoteIpAddress = IPAddress.Loopback, LocalIpAddress = IPAddress.Loopback, ConnectionId = "bench" });
            await _process!(features);
            return response;
        }

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
            where TContext : notnull
        {
            _process = async features =>
            {
                var context = application.CreateContext(features);
                Exception? error = null;
                try
                {
                    await application.ProcessRequestAsync(context);
                }
                catch (Exception e)
                {
                    error = e;
                    throw;
                }
                finally
                {
                    application.DisposeContext(context, error);
                }
            };
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>
    /// The audit chain without the events kept: each decision's event is built and hashed after the previous one as by
    /// every store (<see cref="AuditChain.CreateEvent"/>), and only the last is held. <see cref="InMemoryAuditStore"/>
    /// keeps every event, and that heap growing by about 0.5 KB per decision for the whole run (page faults, promotions)
    /// cost more than a third of the decision in this benchmark (7.4 against 5.0-5.2 µs per decision); the durable
    /// store's own cost is measured apart (<c>benchmarks/CarteAuth.GatewayLoad --audit-append</c>).
    /// </summary>
    private sealed class ChainOnlyAuditStore : IAuditStore
    {
        private readonly Lock _lock = new();
        private AuditEvent? _last;

        public ValueTask<AuditEvent> AppendAsync(AuditEntry entry, CancellationToken ct = default)
        {
            lock (_lock)
            {
                _last = AuditChain.CreateEvent(entry, (_last?.Sequence ?? 0) + 1, _last is null ? AuditChain.GenesisHash.Span : _last.Hash.Span, TimeProvider.System);
                return ValueTask.FromResult(_last);
            }
        }

        public IAsyncEnumerable<AuditEvent> ReadAsync(long fromSequence = 1, CancellationToken ct = default) =>
            throw new NotSupportedException("The benchmark's audit chain keeps only its last event.");

        public ValueTask<AuditEvent?> GetLastAsync(CancellationToken ct = default) => ValueTask.FromResult(_last);
    }
}
