namespace CarteAuth.Fido2.Tests.RelyingParty;

/// <summary>
/// Regressions found by the fuzz harness (tests/CarteAuth.Fuzz.Tests, target <c>client-data</c>): an escaped lone
/// UTF-16 surrogate (<c>\ud800</c>) passes Utf8JsonReader's tokenizer but throws InvalidOperationException when the
/// string is decoded or compared; <see cref="CollectedClientData.Parse"/> let it escape instead of refusing with
/// <c>webauthn.malformed</c>. The inputs are the fuzzer's minimized crashing inputs (hex).
/// </summary>
public sealed class ClientDataFuzzRegressionTests
{
    [Theory]
    [InlineData("7B2274797065223A225C756438306122")] // {"type":"\ud80a" (crash-98b80d790e50d984: a value)
    [InlineData("7B22223A22222C2263223A22222C225C7564383030223A")] // {"":"","c":"","\ud800": (crash-03787c792f2a8624: a member name)
    [InlineData("7B2274797065223A2277656261757468E2E2E2E2E2E2E2E2")] // invalid UTF-8 is still refused before JSON
    public void A_lone_surrogate_escape_is_malformed_client_data(string hex)
    {
        var input = Convert.FromHexString(hex);

        var error = Assert.Throws<WebAuthnException>(() => CollectedClientData.Parse(input));

        Assert.Equal(ReasonCodes.WebAuthnMalformed, error.ReasonCode);
    }

    [Fact]
    public void A_lone_surrogate_in_the_origin_is_named_in_the_message()
    {
        var input = System.Text.Encoding.UTF8.GetBytes("""{"type":"webauthn.get","challenge":"AA","origin":"https://\udbff.example"}""");

        var error = Assert.Throws<WebAuthnException>(() => CollectedClientData.Parse(input));

        Assert.Contains("unpaired UTF-16 surrogate", error.Message, StringComparison.Ordinal);
    }
}
