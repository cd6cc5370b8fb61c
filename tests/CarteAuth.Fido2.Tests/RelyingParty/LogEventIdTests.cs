using System.Reflection;
using Microsoft.Extensions.Logging;

namespace CarteAuth.Fido2.Tests.RelyingParty;

/// <summary>
/// The log event ids of CarteAuth.Fido2 (one log class, Fido2Log) are unique and in its ranges: the relying party
/// 2400-2499, the FIDO Metadata Service 2500-2549.
/// </summary>
public sealed class LogEventIdTests
{
    [Fact]
    public void Event_ids_are_unique_and_in_range()
    {
        var log = typeof(Fido2RelyingParty).Assembly.GetType("CarteAuth.Fido2.Fido2Log", throwOnError: true)!;
        var ids = log.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
            .Select(m => m.GetCustomAttribute<LoggerMessageAttribute>())
            .OfType<LoggerMessageAttribute>()
            .Select(a => a.EventId)
            .ToList();
        Assert.NotEmpty(ids);
        Assert.All(ids, id => Assert.InRange(id, 2400, 2549));
        Assert.Contains(ids, id => id < 2500);
        Assert.Contains(ids, id => id >= 2500);
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }
}
