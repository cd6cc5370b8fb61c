using CarteAuth.Identity;

namespace CarteAuth.Core.Tests.Identity;

public sealed class ProfessionalIdentityTests
{
    private static readonly NationalId Rpps = NationalId.Parse("810002813839");

    [Fact]
    public void Constructor_WithNamesAndIdentifier_KeepsThem()
    {
        var identity = new ProfessionalIdentity(Rpps, "DONNAT-GADY", "ISABELLE");

        Assert.Same(Rpps, identity.NationalId);
        Assert.Equal("DONNAT-GADY", identity.FamilyName);
        Assert.Equal("ISABELLE", identity.GivenName);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t\n")]
    public void Constructor_MissingFamilyName_ThrowsMissingIdentityFieldNamingTheProfessional(string? familyName)
    {
        var ex = Assert.Throws<IdentityFormatException>(() => new ProfessionalIdentity(Rpps, familyName!, "ISABELLE"));

        Assert.Equal(ReasonCodes.MissingIdentityField, ex.ReasonCode);
        Assert.Contains("family name", ex.Message, StringComparison.Ordinal);
        Assert.Contains("810002813839", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_MissingFamilyName_IsACarteAuthException()
    {
        var ex = Record.Exception(() => new ProfessionalIdentity(Rpps, " "));

        var carteAuth = Assert.IsAssignableFrom<CarteAuthException>(ex);
        Assert.Equal(ReasonCodes.MissingIdentityField, carteAuth.ReasonCode);
    }

    [Fact]
    public void Constructor_NullNationalId_ThrowsArgumentNullException()
    {
        var ex = Assert.Throws<ArgumentNullException>(() => new ProfessionalIdentity(null!, "DONNAT-GADY"));

        Assert.Equal("nationalId", ex.ParamName);
    }

    [Fact]
    public void Constructor_NamesWithSurroundingWhitespace_AreTrimmed()
    {
        var identity = new ProfessionalIdentity(Rpps, "  DONNAT-GADY \t", " ISABELLE ");

        Assert.Equal("DONNAT-GADY", identity.FamilyName);
        Assert.Equal("ISABELLE", identity.GivenName);
        Assert.Equal("ISABELLE DONNAT-GADY", identity.DisplayName);
    }

    [Fact]
    public void Constructor_NamesWithInnerSpaces_KeepThem()
    {
        var identity = new ProfessionalIdentity(Rpps, " DE LA FONTAINE ", " MARIE CLAIRE ");

        Assert.Equal("DE LA FONTAINE", identity.FamilyName);
        Assert.Equal("MARIE CLAIRE", identity.GivenName);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Constructor_BlankGivenName_IsNull(string? givenName)
    {
        var identity = new ProfessionalIdentity(Rpps, "DONNAT-GADY", givenName);

        Assert.Null(identity.GivenName);
    }

    [Fact]
    public void DisplayName_ByDefault_IsGivenNameThenFamilyName()
    {
        var identity = new ProfessionalIdentity(Rpps, "DONNAT-GADY", "ISABELLE");

        Assert.Equal("ISABELLE DONNAT-GADY", identity.DisplayName);
    }

    [Fact]
    public void DisplayName_WithoutGivenName_IsTheFamilyName()
    {
        var identity = new ProfessionalIdentity(NationalId.Parse("500000000029751/CPAT0001"), "SECRETARIAT");

        Assert.Equal("SECRETARIAT", identity.DisplayName);
    }

    [Fact]
    public void DisplayName_WhenSet_OverridesTheDefault()
    {
        var identity = new ProfessionalIdentity(Rpps, "DONNAT-GADY", "ISABELLE") { DisplayName = "Dr Isabelle Donnat-Gady" };

        Assert.Equal("Dr Isabelle Donnat-Gady", identity.DisplayName);
        Assert.Equal("DONNAT-GADY", identity.FamilyName);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void DisplayName_SetBlank_FallsBackToTheDefault(string? displayName)
    {
        var identity = new ProfessionalIdentity(Rpps, "DONNAT-GADY", "ISABELLE") { DisplayName = displayName! };

        Assert.Equal("ISABELLE DONNAT-GADY", identity.DisplayName);
    }

    [Fact]
    public void ToString_ShowsDisplayNameAndIdNat()
    {
        var identity = new ProfessionalIdentity(Rpps, "DONNAT-GADY", "ISABELLE");

        Assert.Equal("ISABELLE DONNAT-GADY (810002813839)", identity.ToString());
    }

    [Fact]
    public void Collections_ByDefault_AreEmpty()
    {
        var identity = new ProfessionalIdentity(Rpps, "DONNAT-GADY");

        Assert.Empty(identity.Structures);
        Assert.Empty(identity.Roles);
    }

    [Fact]
    public void Collections_SetToNull_BecomeEmpty()
    {
        var identity = new ProfessionalIdentity(Rpps, "DONNAT-GADY") { Structures = null!, Roles = null! };

        Assert.NotNull(identity.Structures);
        Assert.NotNull(identity.Roles);
        Assert.Empty(identity.Structures);
        Assert.Empty(identity.Roles);
    }

    [Fact]
    public void Collections_WhenSet_AreKeptInOrder()
    {
        var chu = new StructureAffiliation(StructureIdentifier.ParseNational("1750712184"), "CH EXEMPLE");
        var siret = new StructureAffiliation(StructureIdentifier.ParseNational("300000000029751"));

        var identity = new ProfessionalIdentity(Rpps, "DONNAT-GADY")
        {
            Structures = [chu, siret],
            Roles = ["medecin", "chef-de-service"],
        };

        Assert.Equal(new[] { chu, siret }, identity.Structures);
        Assert.Equal(new[] { "medecin", "chef-de-service" }, identity.Roles);
    }

    [Fact]
    public void Collections_WhenTheCallersListChangesAfterwards_StayAsTheyWere()
    {
        // The identity is documented as immutable: it must not share the caller's mutable lists.
        var roles = new List<string> { "medecin" };
        var structures = new List<StructureAffiliation> { new(StructureIdentifier.ParseNational("1750712184")) };
        var identity = new ProfessionalIdentity(Rpps, "DONNAT-GADY") { Roles = roles, Structures = structures };

        roles.Add("admin");
        structures.Clear();

        Assert.Equal(new[] { "medecin" }, identity.Roles);
        Assert.Single(identity.Structures);
    }

    [Fact]
    public void Collections_CannotBeModifiedThroughACast()
    {
        var identity = new ProfessionalIdentity(Rpps, "DONNAT-GADY") { Roles = new List<string> { "medecin" } };

        Assert.IsNotType<List<string>>(identity.Roles);
        var collection = Assert.IsAssignableFrom<ICollection<string>>(identity.Roles);
        Assert.True(collection.IsReadOnly);
        Assert.Throws<NotSupportedException>(() => collection.Add("admin"));
    }

    [Fact]
    public void OptionalFields_WhenSet_AreKept()
    {
        var identity = new ProfessionalIdentity(Rpps, "DONNAT-GADY", "ISABELLE")
        {
            Civility = "MME",
            ProfessionCode = "10",
            ProfessionLabel = "Médecin",
            ProfessionCategory = "C",
            SpecialtyCode = "SM26",
        };

        Assert.Equal("MME", identity.Civility);
        Assert.Equal("10", identity.ProfessionCode);
        Assert.Equal("Médecin", identity.ProfessionLabel);
        Assert.Equal("C", identity.ProfessionCategory);
        Assert.Equal("SM26", identity.SpecialtyCode);
    }

    [Fact]
    public void OptionalFields_ByDefault_AreNull()
    {
        var identity = new ProfessionalIdentity(Rpps, "DONNAT-GADY");

        Assert.Null(identity.Civility);
        Assert.Null(identity.ProfessionCode);
        Assert.Null(identity.ProfessionLabel);
        Assert.Null(identity.ProfessionCategory);
        Assert.Null(identity.SpecialtyCode);
    }
}
