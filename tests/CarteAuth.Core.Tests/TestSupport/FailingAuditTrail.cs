using CarteAuth.Audit;

namespace CarteAuth.Core.Tests.TestSupport;

/// <summary>An audit trail whose disk is full: every append fails as a real store would.</summary>
internal sealed class FailingAuditTrail : IAuditTrail
{
    public ValueTask<AuditEvent> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default) =>
        throw new CarteAuthException(ReasonCodes.AuditStoreUnavailable, "disk full");
}
