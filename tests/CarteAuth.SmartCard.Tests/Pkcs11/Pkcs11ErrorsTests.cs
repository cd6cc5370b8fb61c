using CarteAuth.SmartCard.Pkcs11;
using Net.Pkcs11Interop.Common;

namespace CarteAuth.SmartCard.Tests.Pkcs11;

/// <summary>How PKCS#11 return values (v2.40 §5.1) become reason codes, for the values SoftHSM2 cannot produce.</summary>
public sealed class Pkcs11ErrorsTests
{
    [Fact]
    public void CKR_PIN_LOCKED_from_C_Login_is_pin_locked()
    {
        // SoftHSM2 never returns CKR_PIN_LOCKED (it does not count tries), so the mapping the client applies to every
        // C_Login failure is tested directly.
        var error = Pkcs11Errors.FromReturnValue(CKR.CKR_PIN_LOCKED, "C_Login", "CPS3");

        Assert.Equal(ReasonCodes.Pkcs11PinLocked, error.ReasonCode);
        Assert.Equal("CKR_PIN_LOCKED", error.ReturnValue);
        Assert.Contains("PUK", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CKR.CKR_PIN_INCORRECT, "pkcs11.pin-incorrect")]
    [InlineData(CKR.CKR_PIN_LEN_RANGE, "pkcs11.pin-invalid")]
    [InlineData(CKR.CKR_PIN_INVALID, "pkcs11.pin-invalid")]
    [InlineData(CKR.CKR_TOKEN_NOT_PRESENT, "pkcs11.no-token")]
    [InlineData(CKR.CKR_DEVICE_REMOVED, "pkcs11.no-token")]
    [InlineData(CKR.CKR_MECHANISM_INVALID, "pkcs11.token-error")]
    [InlineData(CKR.CKR_DEVICE_ERROR, "pkcs11.token-error")]
    [InlineData(CKR.CKR_PIN_EXPIRED, "pkcs11.token-error")]
    public void Return_values_map_to_stable_reason_codes(CKR rv, string expected)
    {
        var error = Pkcs11Errors.FromReturnValue(rv, "C_Login", "CPS3");

        Assert.Equal(expected, error.ReasonCode);
        Assert.Equal(rv.ToString(), error.ReturnValue);
        Assert.Contains("CPS3", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, false, "Retry carefully")]
    [InlineData(true, false, "few tries left (CKF_USER_PIN_COUNT_LOW)")]
    [InlineData(true, true, "ONE try left (CKF_USER_PIN_FINAL_TRY)")]
    public void Wrong_PIN_message_follows_the_token_flags(bool countLow, bool finalTry, string expected)
    {
        var error = Pkcs11Errors.PinIncorrect("CPS3", countLow, finalTry);

        Assert.Equal(ReasonCodes.Pkcs11PinIncorrect, error.ReasonCode);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
