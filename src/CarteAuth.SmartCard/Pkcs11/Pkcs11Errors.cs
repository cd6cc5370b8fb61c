using Net.Pkcs11Interop.Common;

namespace CarteAuth.SmartCard.Pkcs11;

/// <summary>Turns PKCS#11 return values (v2.40 §5.1 "Function return values") into typed, actionable errors.</summary>
internal static class Pkcs11Errors
{
    public static Pkcs11CardException FromReturnValue(CKR rv, string function, string tokenLabel, Exception? inner = null)
    {
        var name = rv.ToString();
        return rv switch
        {
            CKR.CKR_PIN_INCORRECT => PinIncorrect(tokenLabel, countLow: false, finalTry: false, inner),
            CKR.CKR_PIN_LOCKED => PinLocked(tokenLabel, name, inner),
            CKR.CKR_PIN_LEN_RANGE or CKR.CKR_PIN_INVALID => new Pkcs11CardException(
                ReasonCodes.Pkcs11PinInvalid,
                $"The card '{tokenLabel}' refused the PIN's format ({name} from {function}): a CPS PIN has 4 to 8 digits. Nothing was counted against the card; ask for the PIN again.",
                name,
                inner),
            CKR.CKR_TOKEN_NOT_PRESENT or CKR.CKR_DEVICE_REMOVED or CKR.CKR_TOKEN_NOT_RECOGNIZED or CKR.CKR_SLOT_ID_INVALID => new Pkcs11CardException(
                ReasonCodes.Pkcs11NoToken,
                $"The card '{tokenLabel}' is no longer available ({name} from {function}): reinsert the CPS card in the reader and retry.",
                name,
                inner),
            CKR.CKR_PIN_EXPIRED => new Pkcs11CardException(
                ReasonCodes.Pkcs11TokenError,
                $"The PIN of the card '{tokenLabel}' has expired ({name} from {function}): change it with the CPS middleware's card tool, then retry.",
                name,
                inner),
            CKR.CKR_MECHANISM_INVALID or CKR.CKR_KEY_TYPE_INCONSISTENT or CKR.CKR_KEY_FUNCTION_NOT_PERMITTED => new Pkcs11CardException(
                ReasonCodes.Pkcs11TokenError,
                $"The card '{tokenLabel}' cannot sign with CKM_SHA256_RSA_PKCS ({name} from {function}): use a CPS3/CPS4 card and an up-to-date Cryptolib CPS module.",
                name,
                inner),
            _ => new Pkcs11CardException(
                ReasonCodes.Pkcs11TokenError,
                $"The PKCS#11 module failed on the card '{tokenLabel}' ({name} from {function}): reinsert the card and retry; if it persists, check the reader and update the CPS middleware.",
                name,
                inner),
        };
    }

    public static Pkcs11CardException PinIncorrect(string tokenLabel, bool countLow, bool finalTry, Exception? inner = null)
    {
        var hint = finalTry
            ? " The card reports ONE try left (CKF_USER_PIN_FINAL_TRY): another wrong PIN locks it. Check the PIN letter before trying again."
            : countLow
                ? " The card reports few tries left (CKF_USER_PIN_COUNT_LOW): check the PIN before trying again, as the card locks after too many wrong PINs."
                : " Retry carefully: the card locks after too many wrong PINs.";
        return new Pkcs11CardException(ReasonCodes.Pkcs11PinIncorrect, $"Wrong PIN for the card '{tokenLabel}' (CKR_PIN_INCORRECT from C_Login).{hint}", nameof(CKR.CKR_PIN_INCORRECT), inner);
    }

    public static Pkcs11CardException PinLocked(string tokenLabel, string? returnValue, Exception? inner = null) => new(
        ReasonCodes.Pkcs11PinLocked,
        $"The PIN of the card '{tokenLabel}' is locked ({returnValue ?? "CKF_USER_PIN_LOCKED in C_GetTokenInfo"}); no PIN was tried. Unblock it with the card's unblocking code (PUK) in the CPS middleware's card tool, or have the card replaced.",
        returnValue,
        inner);
}
