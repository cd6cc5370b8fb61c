namespace CarteAuth.SmartCard.Pkcs11;

/// <summary>A token (card) present in a slot of a PKCS#11 module, as <c>C_GetTokenInfo</c> (v2.40 §5.5) describes it.</summary>
public sealed class Pkcs11TokenDescription
{
    internal Pkcs11TokenDescription(ulong slotId, string label, string manufacturer, string model, string serialNumber, bool pinCountLow, bool pinFinalTry, bool pinLocked)
    {
        SlotId = slotId;
        Label = label;
        Manufacturer = manufacturer;
        Model = model;
        SerialNumber = serialNumber;
        PinCountLow = pinCountLow;
        PinFinalTry = pinFinalTry;
        PinLocked = pinLocked;
    }

    /// <summary>The slot's id.</summary>
    public ulong SlotId { get; }

    /// <summary>The token label (trailing blanks removed).</summary>
    public string Label { get; }

    /// <summary>The token manufacturer.</summary>
    public string Manufacturer { get; }

    /// <summary>The token model.</summary>
    public string Model { get; }

    /// <summary>The token serial number.</summary>
    public string SerialNumber { get; }

    /// <summary><c>CKF_USER_PIN_COUNT_LOW</c>: a wrong user PIN was entered since the last successful login.</summary>
    public bool PinCountLow { get; }

    /// <summary><c>CKF_USER_PIN_FINAL_TRY</c>: one more wrong user PIN locks the card.</summary>
    public bool PinFinalTry { get; }

    /// <summary><c>CKF_USER_PIN_LOCKED</c>: the user PIN is locked.</summary>
    public bool PinLocked { get; }
}
