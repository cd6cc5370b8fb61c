namespace CarteAuth.Tokens;

/// <summary>
/// Gives the current <see cref="SigningKeyRing"/>. Issuers and validators read <see cref="Current"/> on every call, so a
/// host can rotate keys without restarting by returning a new ring (for example from a file watcher or a secret store).
/// </summary>
public interface ISigningKeyProvider
{
    /// <summary>The ring to sign and validate with now. Must be cheap: it is read for every token.</summary>
    SigningKeyRing Current { get; }
}

/// <summary>An <see cref="ISigningKeyProvider"/> that always returns the same ring (tests, single-node hosts, CLI).</summary>
public sealed class StaticSigningKeyProvider : ISigningKeyProvider
{
    /// <summary>Creates the provider.</summary>
    /// <param name="ring">The ring to return.</param>
    public StaticSigningKeyProvider(SigningKeyRing ring)
    {
        ArgumentNullException.ThrowIfNull(ring);
        Current = ring;
    }

    /// <inheritdoc/>
    public SigningKeyRing Current { get; }
}
