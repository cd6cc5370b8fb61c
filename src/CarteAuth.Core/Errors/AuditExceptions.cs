namespace CarteAuth;

/// <summary>
/// The audit store cannot be opened, read or written: the file is not an audit database, its schema is wrong,
/// it is missing, full, read-only or locked, or one of its events cannot be decoded.
/// The <see cref="CarteAuthException.ReasonCode"/> says which (<see cref="ReasonCodes.AuditStoreCorrupt"/>,
/// <see cref="ReasonCodes.AuditStoreUnavailable"/>, <see cref="ReasonCodes.AuditStoreNotFound"/>,
/// <see cref="ReasonCodes.AuditInvalidOptions"/>, <see cref="ReasonCodes.AuditMalformedEvent"/>).
/// </summary>
public sealed class AuditStoreException : CarteAuthException
{
    /// <summary>Creates the error.</summary>
    /// <param name="reasonCode">A stable code from <see cref="ReasonCodes"/>.</param>
    /// <param name="message">What is wrong (which file) and how to fix it.</param>
    /// <param name="storePath">The store's file, when there is one.</param>
    /// <param name="sequence">The sequence number of the event concerned, for <see cref="ReasonCodes.AuditMalformedEvent"/>.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    public AuditStoreException(
        string reasonCode,
        string message,
        string? storePath = null,
        long? sequence = null,
        Exception? innerException = null)
        : base(reasonCode, message, innerException)
    {
        StorePath = storePath;
        Sequence = sequence;
    }

    /// <summary>The store's file, when there is one.</summary>
    public string? StorePath { get; }

    /// <summary>The sequence number of the event concerned, when the error is about one event.</summary>
    public long? Sequence { get; }
}

/// <summary>
/// A value given to the audit trail is malformed: an entry that cannot be recorded as given
/// (<see cref="ReasonCodes.AuditInvalidEntry"/>) or an expected head that cannot be parsed
/// (<see cref="ReasonCodes.AuditInvalidHead"/>).
/// </summary>
public sealed class AuditFormatException : CarteAuthException
{
    /// <summary>Creates the error.</summary>
    /// <param name="reasonCode">A stable code from <see cref="ReasonCodes"/>.</param>
    /// <param name="message">What is wrong and how to fix it.</param>
    public AuditFormatException(string reasonCode, string message)
        : base(reasonCode, message)
    {
    }
}
