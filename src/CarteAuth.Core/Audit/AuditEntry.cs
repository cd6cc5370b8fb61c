namespace CarteAuth.Audit;

/// <summary>Kinds of audit event. Method and integration packages may add their own lower-case kinds.</summary>
public static class AuditEventKinds
{
    /// <summary>An authentication attempt (success or failure).</summary>
    public const string Authentication = "authentication";

    /// <summary>A policy decision (allow, deny, step-up, break-glass).</summary>
    public const string PolicyDecision = "policy-decision";
}

/// <summary>Results recorded in audit events.</summary>
public static class AuditResults
{
    /// <summary>Authentication succeeded.</summary>
    public const string Success = "success";
    /// <summary>Authentication failed.</summary>
    public const string Failure = "failure";
    /// <summary>Policy allowed.</summary>
    public const string Allow = "allow";
    /// <summary>Policy denied.</summary>
    public const string Deny = "deny";
    /// <summary>Policy asked for a step-up.</summary>
    public const string StepUp = "step-up";
    /// <summary>Policy allowed through break-glass.</summary>
    public const string BreakGlass = "break-glass";
}

/// <summary>What to record: one authentication attempt or policy decision. The store adds sequence, time and hashes.</summary>
public sealed record AuditEntry
{
    /// <summary>The kind of event (<see cref="AuditEventKinds"/>).</summary>
    public required string Kind { get; init; }

    /// <summary>The result (<see cref="AuditResults"/>).</summary>
    public required string Result { get; init; }

    /// <summary>Who: the professional's idNat (or the identity a failed credential claimed).</summary>
    public string? Subject { get; init; }

    /// <summary>What method: amr values, space-separated (e.g. <c>sc pin hwk</c>).</summary>
    public string? Methods { get; init; }

    /// <summary>The authenticator's name, for authentication events.</summary>
    public string? Authenticator { get; init; }

    /// <summary>The policy's name, for policy decisions.</summary>
    public string? Policy { get; init; }

    /// <summary>The stable reason code.</summary>
    public string? ReasonCode { get; init; }

    /// <summary>The client's address.</summary>
    public string? ClientAddress { get; init; }

    /// <summary>The correlation id of the request or session.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>Free text detail (failure message, break-glass reason, step-up requirement).</summary>
    public string? Detail { get; init; }

    /// <summary>When it happened; the store's clock is used when null.</summary>
    public DateTimeOffset? Timestamp { get; init; }
}
