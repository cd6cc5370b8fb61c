namespace CarteAuth.Fido2.Tests.Cose;

/// <summary>The repository's copy of the WebAuthn L3 spec vectors is the shared original, and holds every expected case.</summary>
public sealed class SpecVectorCopyTests
{
    [Fact]
    public void The_copy_equals_the_shared_original_where_it_exists_and_has_every_case()
    {
        if (File.Exists(SpecVectors.SharedOriginalPath))
        {
            Assert.Equal(File.ReadAllBytes(SpecVectors.SharedOriginalPath), File.ReadAllBytes(SpecVectors.FilePath));
        }

        Assert.Equal(16, SpecVectors.Cases.Count);
        Assert.Equal(15, SpecVectors.Ceremonies.Count());
    }
}
