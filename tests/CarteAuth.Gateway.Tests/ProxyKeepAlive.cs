using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace CarteAuth.Gateway.Tests;

/// <summary>
/// Does a proxy (nginx, Caddy) keep its connections to the gateway and to the application alive? Every request to the
/// application costs one decision; a connection per decision costs the gateway more than the decision.
/// </summary>
internal static class ProxyKeepAlive
{
    /// <summary>
    /// Services for <see cref="GatewayHost.StartAsync"/> that record the connection id and <c>Host</c> of every
    /// <c>/carteauth/authz</c> request the gateway receives.
    /// </summary>
    public static Action<IServiceCollection> RecordConnections(ConcurrentQueue<(string Connection, string Host)> connections) =>
        services => services.AddSingleton<IStartupFilter>(new ConnectionRecorder(connections));

    /// <summary>
    /// Signs in on <paramref name="gateway"/>, sends twenty requests one after the other through <paramref name="proxy"/>
    /// at <paramref name="front"/>, and checks that their twenty decisions reached the gateway over one connection (recorded
    /// by <see cref="RecordConnections"/>), with the public host in <c>Host</c>, and that the twenty requests reached the
    /// application (<see cref="EchoUpstream"/>) over one connection too.
    /// </summary>
    public static async Task AssertOneConnectionEachAsync(GatewayHost gateway, Uri front, ConcurrentQueue<(string Connection, string Host)> connections, string proxy)
    {
        var token = await gateway.SignInAsync(GatewayHost.Evidence());
        using var client = new HttpClient { BaseAddress = front };
        var application = new HashSet<string>();
        for (var i = 0; i < 20; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/dossier/" + i);
            request.Headers.Add("Cookie", "carteauth=" + token);
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            application.Add(response.Headers.GetValues(EchoUpstream.ConnectionHeader).Single());
        }

        Assert.True(application.Count == 1, $"20 sequential requests reached the application over {application.Count} connections; {proxy} should keep one open to it (keep-alive).");

        Assert.Equal(20, connections.Count);
        Assert.All(connections, c => Assert.Equal(front.Authority, c.Host));
        var distinct = connections.Select(static c => c.Connection).Distinct().Count();
        Assert.True(distinct == 1, $"20 sequential decisions reached the gateway over {distinct} connections; {proxy} should keep one open to the gateway (keep-alive).");
    }

    /// <summary>Records the connection of every forward-auth request, before the rest of the pipeline.</summary>
    private sealed class ConnectionRecorder(ConcurrentQueue<(string Connection, string Host)> connections) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                if (context.Request.Path == ForwardAuthDefaults.Path)
                {
                    connections.Enqueue((context.Connection.Id, context.Request.Host.Value ?? string.Empty));
                }

                await nextMiddleware(context);
            });
            next(app);
        };
    }
}
