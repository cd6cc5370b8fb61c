namespace CarteAuth.Fido2.Attestation;

/// <summary>The <c>none</c> attestation statement format (WebAuthn L3 §8.7).</summary>
public sealed class NoneAttestationVerifier : IAttestationStatementVerifier
{
    /// <inheritdoc/>
    public string Format => AttestationFormats.None;

    /// <inheritdoc/>
    public AttestationStatementResult Verify(AttestationInput input)
    {
        ArgumentNullException.ThrowIfNull(input);

        // §8.7 syntax: attStmtType = ( fmt: "none", attStmt: emptyMap ).
        if (input.Statement.Count != 0)
        {
            var keys = new List<string>();
            if (input.Statement.Alg is not null) { keys.Add("alg"); }
            if (input.Statement.Sig is not null) { keys.Add("sig"); }
            if (input.Statement.X5c is not null) { keys.Add("x5c"); }
            if (input.Statement.Ver is not null) { keys.Add("ver"); }
            if (input.Statement.CertInfo is not null) { keys.Add("certInfo"); }
            if (input.Statement.PubArea is not null) { keys.Add("pubArea"); }
            keys.AddRange(input.Statement.OtherKeys);
            throw AttestationChecks.Invalid(Format, $"attStmt must be an empty map but has {input.Statement.Count} entr{(input.Statement.Count == 1 ? "y" : "ies")} ({string.Join(", ", keys)}) (WebAuthn §8.7)");
        }

        // §8.7 verification procedure: return attestation type None with an empty trust path.
        return new AttestationStatementResult(AttestationType.None, []);
    }
}
