using System.Buffers.Binary;
using System.Net;
using CarteAuth.Audit;
using Microsoft.Extensions.Logging;

namespace CarteAuth.Gateway.Radius;

/// <summary>
/// Records Accounting-Requests (RFC 2866 §4.1) as audit events of kind <c>radius-accounting</c> and answers with
/// Accounting-Response (§4.2) only once recorded: RFC 2866 §2 "the server MUST NOT transmit any Accounting-Response
/// reply if it fails to successfully record the accounting packet".
/// </summary>
internal sealed class RadiusAccountingHandler(IAuditTrail audit, ILogger logger)
{
    public async ValueTask<byte[]?> HandleAsync(RadiusPacket request, RadiusClient client, IPEndPoint source)
    {
        var status = request.Find(RadiusAttributeType.AcctStatusType);
        if (status is not { Value.Length: 4 } s)
        {
            GatewayLog.Discarded(logger, source.ToString(), ReasonCodes.RadiusMissingAttribute, "the Accounting-Request has no 4-octet Acct-Status-Type (RFC 2866 §5.1).");
            return null;
        }

        // RFC 2866 §5.1 values.
        var statusName = BinaryPrimitives.ReadUInt32BigEndian(s.Value.Span) switch
        {
            1 => "start",
            2 => "stop",
            3 => "interim-update",
            7 => "accounting-on",
            8 => "accounting-off",
            var other => "status-" + other.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var sessionId = request.FindText(RadiusAttributeType.AcctSessionId);
        var userName = request.FindText(RadiusAttributeType.UserName);
        var classText = request.FindText(RadiusAttributeType.Class);
        var correlationId = classText is not null && classText.StartsWith("carteauth:", StringComparison.Ordinal) ? classText["carteauth:".Length..] : null;
        var callingStation = request.FindText(RadiusAttributeType.CallingStationId);
        await audit.AppendAsync(
            new AuditEntry
            {
                Kind = RadiusAuditKinds.Accounting,
                Result = statusName,
                Authenticator = "radius",
                ClientAddress = source.Address.ToString(),
                CorrelationId = correlationId,
                Detail = $"nas={client.Name}; session={Clean(sessionId)}; user={Clean(userName)}; calling-station={Clean(callingStation)}",
            },
            CancellationToken.None).ConfigureAwait(false);
        GatewayLog.Accounting(logger, statusName, client.Name, sessionId);
        return new RadiusPacketBuilder(RadiusCode.AccountingResponse, request.Identifier)
            .BuildResponse(request.Authenticator.Span, client.Secret, addMessageAuthenticator: true);
    }

    private static string Clean(string? value) =>
        value is null ? "-" : new string([.. value.Take(128).Select(c => char.IsControl(c) ? '?' : c)]);
}
