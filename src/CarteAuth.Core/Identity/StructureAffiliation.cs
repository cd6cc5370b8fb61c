namespace CarteAuth.Identity;

/// <summary>A structure where the professional practises (PSC <c>activities[]</c>, CPx <c>OU</c>/<c>O</c>).</summary>
/// <param name="Identifier">The structure's identifier (FINESS, SIRET…).</param>
/// <param name="Name">Its name (raison sociale), when known.</param>
public sealed record StructureAffiliation(StructureIdentifier Identifier, string? Name = null);
