using System.Text;
using CarteAuth.Fuzz.Tests.Engine;
using CarteAuth.Gateway.Radius;

namespace CarteAuth.Fuzz.Tests.Targets;

/// <summary>
/// The RADIUS packet decoder (RFC 2865 §3, §5; RFC 3579 §3.2) and what the server does next with a decoded packet:
/// text attributes, Message-Authenticator and Accounting-Request authenticator checks, User-Password unhiding.
/// <see cref="RadiusPacket.TryDecode"/> documents that it never throws, so every exception is a crash.
/// The committed corpus uses the shared secret below (a test value, not a secret).
/// </summary>
internal sealed class RadiusTarget : FuzzTarget
{
    private static readonly byte[] Secret = Encoding.ASCII.GetBytes("fuzz-shared-secret");

    public override string Name => "radius";

    public override int MaxInputLength => RadiusPacket.MaxLength + 64;

    public override IReadOnlyList<byte[]> Dictionary =>
    [
        [0x01], [0x02], [0x04], [0x0B], [0x50, 0x12], [0x50, 0x02], [0x02, 0x12], [0x01, 0x02], [0x18, 0x00], [0x1A, 0x08, 0x00, 0x00, 0x01, 0x37],
        [0x10, 0x00], [0x00, 0x14], [0x00, 0x13], [0x00, 0x00], [0xFF, 0xFF], [0x02, 0xFF], [0x50, 0x11],
    ];

    public override bool IsExpected(Exception exception) => false;

    public override string Execute(byte[] input)
    {
        if (!RadiusPacket.TryDecode(input, out var packet, out var code, out var message))
        {
            return Label(code, message);
        }

        _ = packet!.FindText(RadiusAttributeType.UserName);
        _ = packet.FindText(RadiusAttributeType.State);
        var label = $"ok|{packet.Code}|{packet.Attributes.Count > 4}";
        if (packet.HasMessageAuthenticator)
        {
            label += RadiusCrypto.VerifyMessageAuthenticator(packet, Secret) ? "|ma-ok" : "|ma-bad";
        }

        if (packet.Code == RadiusCode.AccountingRequest)
        {
            label += RadiusCrypto.VerifyAccountingRequest(packet, Secret) ? "|acct-ok" : "|acct-bad";
        }

        if (packet.Find(RadiusAttributeType.UserPassword) is { } hidden)
        {
            label += RadiusCrypto.TryUnhidePassword(hidden.Value.Span, packet.Authenticator.Span, Secret, out _) ? "|pw-ok" : "|pw-bad";
        }

        return label;
    }
}
