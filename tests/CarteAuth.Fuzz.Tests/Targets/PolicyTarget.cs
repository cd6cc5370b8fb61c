using CarteAuth.Fuzz.Tests.Engine;
using CarteAuth.Policies;

namespace CarteAuth.Fuzz.Tests.Targets;

/// <summary>
/// The policy file loader (<see cref="PolicyConfigurationLoader.LoadFile"/>: JSON configuration, strict binding,
/// compilation). Each input is written to one temporary file, as <c>carteauth policy check</c> reads it.
/// </summary>
internal sealed class PolicyTarget : FuzzTarget, IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"carteauth-fuzz-policy-{Guid.NewGuid():N}.json");

    public override string Name => "policy";

    public override int MaxInputLength => 16 * 1024;

    public override IReadOnlyList<byte[]> Dictionary => Tokens(
        "\"Policies\"", "\"MinimumAssurance\"", "\"AllowedMethods\"", "\"RequiredMethods\"", "\"RequirePhishingResistant\"", "\"MinimumFactors\"",
        "\"MaxAuthenticationAge\"", "\"Professions\"", "\"Roles\"", "\"Structures\"", "\"AllowedZones\"", "\"Zones\"", "\"Remote\"", "\"Internal\"",
        "\"BreakGlass\"", "\"Enabled\"", "\"MinimumReasonLength\"", "\"High\"", "\"Low\"", "\"Substantial\"", "\"sc\"", "\"pin\"", "\"hwk\"", "\"mfa\"",
        "\"00:00:00\"", "\"-1.00:00:00\"", "\"10675199.02:48:05.4775807\"", "\"99:99:99\"", "true", "false", "null", "[]", "{}", "[", "]", "{", "}", ",", ":",
        "\"\"", "\":\"", "\"Policies:x\"", "\"0\"", "\"2147483648\"", "/*", "*/", "//", "\\u0000", "\u00e9");

    public override string Execute(byte[] input)
    {
        File.WriteAllBytes(_file, input);
        var policies = PolicyConfigurationLoader.LoadFile(_file);
        return $"ok|{policies.Count}";
    }

    public override string Label(Exception exception) =>
        exception is PolicyConfigurationException p ? Label(p.ReasonCode, string.Join(";", p.Errors.Select(x => x.Split(' ').FirstOrDefault()))) : base.Label(exception);

    public void Dispose() => File.Delete(_file);
}
