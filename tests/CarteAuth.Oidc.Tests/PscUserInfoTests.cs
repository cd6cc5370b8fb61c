using System.Text.Json;
using CarteAuth.Authentication;
using CarteAuth.Identity;

namespace CarteAuth.Oidc.Tests;

public sealed class PscUserInfoTests
{
    internal const string Sample = """
    {
      "sub": "f:550dc1c8:810002813839",
      "SubjectNameID": "810002813839",
      "preferred_username": "810002813839",
      "given_name": "ISABELLE",
      "family_name": "DONNAT-GADY",
      "codeCivilite": "MME",
      "SubjectRefPro": {
        "codeCivilite": "MME",
        "exercices": [{
          "codeProfession": "10",
          "codeCategorieProfessionnelle": "C",
          "nomDexercice": "DONNAT-GADY",
          "prenomDexercice": "ISABELLE",
          "codeTypeSavoirFaire": "S",
          "codeSavoirFaire": "SM54",
          "futureField": {"x": 1},
          "activities": [
            {"codeModeExercice": "S", "codeSecteurDactivite": "SA01", "numeroFinessSite": "750100125", "numeroFinessetablissementJuridique": "750712184",
             "identifiantTechniqueDeLaStructure": "R10100000041736", "raisonSocialeSite": "HOPITAL SIMULE", "codePostal": "75013", "numeroSiretSite": ""},
            {"codeModeExercice": "L", "numeroSiretSite": "73282932000074", "raisonSocialeSite": "CABINET"},
            {"codeModeExercice": "L", "numeroFinessSite": "123", "raisonSocialeSite": "BAD FINESS IGNORED"}
          ]
        }]
      },
      "SubjectOrganization": "HOPITAL SIMULE",
      "SubjectOrganizationID": "1750100125",
      "SubjectRole": ["10^1.2.250.1.213.1.1.5.5"],
      "Secteur_Activite": "SA01^1.2.250.1.71.4.2.4",
      "Palier_Authentification": "APPPRIP",
      "otherIds": [{"identifiant": "10002813839", "origine": "RPPS", "qualite": 1}],
      "unknownTopLevel": [1, 2, 3]
    }
    """;

    [Fact]
    public void Psc_userinfo_is_typed_and_unknown_fields_are_kept()
    {
        var info = PscUserInfo.Parse(Sample);
        Assert.Equal("810002813839", info.SubjectNameId);
        Assert.Equal("DONNAT-GADY", info.FamilyName);
        Assert.Equal("APPPRIP", info.PalierAuthentification);
        var exercice = Assert.Single(info.SubjectRefPro!.Exercices);
        Assert.Equal("10", exercice.CodeProfession);
        Assert.Equal("SM54", exercice.CodeSavoirFaire);
        Assert.Equal(3, exercice.Activities.Count);
        Assert.Equal("750100125", exercice.Activities[0].NumeroFinessSite);
        Assert.Equal("75013", exercice.Activities[0].AdditionalClaims["codePostal"].GetString());
        Assert.Equal(JsonValueKind.Object, exercice.AdditionalClaims["futureField"].ValueKind);
        Assert.Equal(JsonValueKind.Array, info.AdditionalClaims["unknownTopLevel"].ValueKind);
        var other = Assert.Single(info.OtherIds);
        Assert.Equal("1", other.Qualite); // a number where a string is expected is read as its text
    }

    [Fact]
    public void Single_values_where_lists_are_expected_are_tolerated()
    {
        var info = PscUserInfo.Parse("""{"sub":"s","SubjectRole":"role-1","otherIds":{"identifiant":"x"},"SubjectRefPro":{"exercices":{"codeProfession":10}}}""");
        Assert.Equal(["role-1"], info.SubjectRole);
        Assert.Single(info.OtherIds);
        Assert.Equal("10", info.SubjectRefPro!.Exercices[0].CodeProfession);
    }

    [Theory]
    [InlineData("""{"sub":"s","family_name":{"a":1}}""", "family_name")]
    [InlineData("""{"sub":"s","SubjectRefPro":{"exercices":[{"activities":[{"numeroFinessSite":[1]}]}]}}""", "SubjectRefPro.exercices[0].activities[0].numeroFinessSite")]
    [InlineData("""{"sub":"s","SubjectRefPro":"text"}""", "SubjectRefPro")]
    [InlineData("""{"sub":"s","SubjectRole":[{"x":1}]}""", "SubjectRole[0]")]
    [InlineData("""{"family_name":"x"}""", "sub")]
    [InlineData("""[1,2]""", "response")]
    [InlineData("""not json""", "not JSON")]
    public void Unreadable_known_claims_are_typed_errors_naming_the_claim(string json, string named)
    {
        var e = Assert.Throws<PscException>(() => PscUserInfo.Parse(json));
        Assert.Equal(ReasonCodes.PscUserInfoInvalid, e.ReasonCode);
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void Maps_to_a_professional_identity()
    {
        var identity = PscIdentityMapper.ToIdentity(PscUserInfo.Parse(Sample));
        Assert.Equal("810002813839", identity.NationalId.Value);
        Assert.Equal(NationalIdKind.Rpps, identity.NationalId.Kind);
        Assert.Equal("DONNAT-GADY", identity.FamilyName);
        Assert.Equal("ISABELLE", identity.GivenName);
        Assert.Equal("MME", identity.Civility);
        Assert.Equal("10", identity.ProfessionCode);
        Assert.Equal("C", identity.ProfessionCategory);
        Assert.Equal("SM54", identity.SpecialtyCode);
        Assert.Equal(["10^1.2.250.1.213.1.1.5.5"], identity.Roles);
        Assert.Equal(2, identity.Structures.Count);
        Assert.Equal(StructureIdKind.Finess, identity.Structures[0].Identifier.Kind);
        Assert.Equal("HOPITAL SIMULE", identity.Structures[0].Name);
        Assert.Equal(StructureIdKind.Siret, identity.Structures[1].Identifier.Kind);
    }

    [Theory]
    [InlineData("""{"sub":"s","SubjectNameID":"12345","family_name":"X"}""")]
    [InlineData("""{"sub":"s","family_name":"X"}""")]
    [InlineData("""{"sub":"s","SubjectNameID":"810002813839"}""")]
    public void Identity_without_a_valid_idnat_or_name_is_refused(string json)
    {
        var e = Assert.Throws<PscException>(() => PscIdentityMapper.ToIdentity(PscUserInfo.Parse(json)));
        Assert.Equal(ReasonCodes.PscIdentityInvalid, e.ReasonCode);
    }

    [Fact]
    public void Names_fall_back_to_the_exercice()
    {
        var identity = PscIdentityMapper.ToIdentity(PscUserInfo.Parse("""{"sub":"s","SubjectNameID":"810002813839","SubjectRefPro":{"exercices":[{"nomDexercice":"MARTIN","prenomDexercice":"JEAN"}]}}"""));
        Assert.Equal("MARTIN", identity.FamilyName);
        Assert.Equal("JEAN", identity.GivenName);
    }

    [Fact]
    public async Task Evidence_carries_amr_acr_auth_time_and_psc_properties()
    {
        await using var op = await FakeProvider.StartAsync();
        var client = op.Client();
        var idToken = await client.Validator.ValidateIdTokenAsync(op.Sign(op.IdTokenClaims()), new PscIdTokenExpectations { Nonce = "nonce-1" });
        var info = PscUserInfo.Parse(Sample);
        var evidence = PscIdentityMapper.ToEvidence(PscIdentityMapper.ToIdentity(info), idToken, info);
        Assert.Equal(AuthenticationMethods.Sc | AuthenticationMethods.Pin | AuthenticationMethods.Mfa, evidence.Methods);
        Assert.Equal(AssuranceLevel.Substantial, evidence.Assurance);
        Assert.Equal("eidas1", evidence.Acr);
        Assert.Equal("psc", evidence.Authenticator);
        Assert.Equal(idToken.AuthTime, evidence.AuthenticatedAt);
        Assert.False(evidence.IsPhishingResistant);
        Assert.Equal("APPPRIP", evidence.Properties["psc.palier"]);
        Assert.Equal("sid-1", evidence.Properties["psc.sid"]);
    }

    [Fact]
    public async Task Without_amr_an_eidas1_sign_in_counts_as_multi_factor()
    {
        await using var op = await FakeProvider.StartAsync();
        var claims = op.IdTokenClaims();
        claims.Remove("amr");
        var idToken = await op.Client().Validator.ValidateIdTokenAsync(op.Sign(claims), new PscIdTokenExpectations { Nonce = "nonce-1" });
        var info = PscUserInfo.Parse(Sample);
        var evidence = PscIdentityMapper.ToEvidence(PscIdentityMapper.ToIdentity(info), idToken, info);
        Assert.Equal(AuthenticationMethods.Mfa, evidence.Methods);
    }
}
