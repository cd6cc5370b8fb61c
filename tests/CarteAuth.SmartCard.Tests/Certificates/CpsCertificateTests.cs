using CarteAuth.Identity;
using CarteAuth.SmartCard.Tests.TestSupport;

namespace CarteAuth.SmartCard.Tests.Certificates;

public sealed class CpsCertificateTests
{
    [Fact]
    public void Doctor_card_reads_as_a_personal_rpps_identity_with_profession_10()
    {
        var info = CpsCertificate.Read(CardFixtures.Card("doctor"));

        Assert.Equal(CpsCardKind.Personal, info.Kind);
        Assert.Equal("810002813839", info.Identity.NationalId.Value);
        Assert.Equal(NationalIdKind.Rpps, info.Identity.NationalId.Kind);
        Assert.Equal("DONNAT-GADY", info.Identity.FamilyName);
        Assert.Equal("ISABELLE", info.Identity.GivenName);
        Assert.Equal("10", info.Identity.ProfessionCode);
        Assert.Equal("Médecin", info.Identity.ProfessionLabel);
        Assert.Empty(info.Identity.Structures);
        Assert.Equal(IgcSanteRange.Fort, info.Range);
        Assert.Equal("AC IGC-SANTE FORT PERSONNES", info.IssuerCommonName);
        Assert.True(info.HasClientAuth);
        Assert.True(info.HasDigitalSignature);
        Assert.False(info.IsTestCard);
        Assert.Null(info.CardId);
        Assert.Equal(64, info.Sha256Thumbprint.Length);
    }

    [Fact]
    public void Pharmacist_test_card_8997_is_flagged_as_a_test_card_with_profession_21()
    {
        var info = CpsCertificate.Read(CardFixtures.Card("pharmacist"));

        Assert.Equal("899700075122", info.Identity.NationalId.Value);
        Assert.True(info.IsTestCard);
        Assert.Equal("PHARMACH0007512", info.Identity.FamilyName);
        Assert.Equal("CAROLE", info.Identity.GivenName);
        Assert.Equal("21", info.Identity.ProfessionCode);
        Assert.Equal("Pharmacien", info.Identity.ProfessionLabel);
    }

    [Fact]
    public void Nurse_card_maps_to_profession_60()
    {
        var info = CpsCertificate.Read(CardFixtures.Card("nurse"));

        Assert.Equal("810100507788", info.Identity.NationalId.Value);
        Assert.Equal("60", info.Identity.ProfessionCode);
        Assert.Equal("Infirmier", info.Identity.ProfessionLabel);
    }

    [Fact]
    public void Staff_cpa_card_reads_as_structure_staff_with_its_structure_affiliation()
    {
        var info = CpsCertificate.Read(CardFixtures.Card("staff"));

        Assert.Equal(CpsCardKind.Staff, info.Kind);
        Assert.Equal(NationalIdKind.StructureStaff, info.Identity.NationalId.Kind);
        Assert.Equal("500000000029751/CPAT0001", info.Identity.NationalId.Value);
        Assert.Equal("CPAT0001", info.CardId);
        Assert.Equal("SECRETAIRE", info.Identity.FamilyName);
        Assert.Equal("JEANNE", info.Identity.GivenName);
        Assert.Null(info.Identity.ProfessionCode);
        var structure = Assert.Single(info.Identity.Structures);
        Assert.Equal("300000000029751", structure.Identifier.NationalValue);
        Assert.Equal(StructureIdKind.Siret, structure.Identifier.Kind);
        Assert.Equal("CHU CARTEAUTH DEV", structure.Name);
        Assert.Null(info.StructureProblem);
    }

    [Fact]
    public void Staff_card_with_an_ou_that_is_not_a_structure_id_keeps_the_identity_and_says_why()
    {
        var info = CpsCertificate.Read(CardFixtures.Card("staff-bad-ou"));

        Assert.Equal("500000000029751/CPAT0001", info.Identity.NationalId.Value);
        Assert.Empty(info.Identity.Structures);
        Assert.Equal("STRUCTURE-X", info.StructureIdText);
        Assert.Contains("STRUCTURE-X", info.StructureProblem, StringComparison.Ordinal);
        Assert.Contains("no structure affiliation", info.StructureProblem, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_idnat_in_cn_is_a_malformed_subject_that_names_the_check_digit()
    {
        Assert.False(CpsCertificate.TryRead(CardFixtures.Card("bad-idnat"), out var info, out var code, out var message));

        Assert.Null(info);
        Assert.Equal(ReasonCodes.CertMalformedSubject, code);
        Assert.Contains("Luhn", message, StringComparison.Ordinal);
        var e = Assert.Throws<CarteAuthException>(() => CpsCertificate.Read(CardFixtures.Card("bad-idnat")));
        Assert.Equal(ReasonCodes.CertMalformedSubject, e.ReasonCode);
    }

    [Fact]
    public void Blank_surname_is_a_malformed_subject()
    {
        Assert.False(CpsCertificate.TryRead(CardFixtures.Card("no-surname"), out _, out var code, out var message));

        Assert.Equal(ReasonCodes.CertMalformedSubject, code);
        Assert.Contains("SN", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Certificate_without_cps_subject_is_a_malformed_subject()
    {
        // The CA certificates have a CN that is no idNat and no SN.
        Assert.False(CpsCertificate.TryRead(CardFixtures.Pki.Intermediate, out _, out var code, out var message));

        Assert.Equal(ReasonCodes.CertMalformedSubject, code);
        Assert.Contains("SN", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AC IGC-SANTE FORT PERSONNES", IgcSanteRange.Fort)]
    [InlineData("AC IGC-SANTE STANDARD ORGANISATIONS", IgcSanteRange.Standard)]
    [InlineData("ac igc-sante elementaire personnes", IgcSanteRange.Elementaire)]
    public void Issuer_common_names_give_their_range(string cn, IgcSanteRange expected)
    {
        Assert.True(IgcSanteRanges.TryParseIssuerCommonName(cn, out var range));
        Assert.Equal(expected, range);
    }

    [Theory]
    [InlineData("AC RACINE IGC-SANTE FORT")]
    [InlineData("AC IGC-SANTE FORT")]
    [InlineData("AC IGC-SANTE TRES-FORT PERSONNES")]
    [InlineData("GIP-CPS CLASSE-1")]
    [InlineData(null)]
    public void Other_common_names_have_no_range(string? cn) =>
        Assert.False(IgcSanteRanges.TryParseIssuerCommonName(cn, out _));

    [Theory]
    [InlineData("Médecin", "10")]
    [InlineData("MEDECIN", "10")]
    [InlineData("Chirurgien-Dentiste", "40")]
    [InlineData("Sage-Femme", "50")]
    [InlineData("sage femme", "50")]
    [InlineData("Pharmacien", "21")]
    [InlineData("Infirmière", "60")]
    [InlineData("Masseur-Kinésithérapeute", "70")]
    public void Profession_labels_map_to_tre_g15_codes(string label, string code)
    {
        Assert.True(IgcSanteProfessions.TryGetCode(label, out var found));
        Assert.Equal(code, found);
    }

    [Fact]
    public void Unknown_profession_label_has_no_code() =>
        Assert.False(IgcSanteProfessions.TryGetCode("Astronaute", out _));
}
