using System.Text;
using System.Text.RegularExpressions;

namespace CarteAuth.Fuzz.Tests.Engine;

/// <summary>
/// One parser entry point under fuzzing. <see cref="Execute"/> feeds it one input and returns a short outcome label
/// (e.g. <c>ok</c> or the reason code of the typed refusal); the label steers the harness (an input that gives a new
/// label is kept for further mutation). The oracle: a typed refusal (<see cref="CarteAuthException"/>) or a typed
/// result is fine; any other exception is a crash, an input running longer than the hang limit is a hang.
/// </summary>
internal abstract partial class FuzzTarget
{
    /// <summary>The name: the corpus folder (<c>corpus/&lt;name&gt;/</c>) and the artifacts folder.</summary>
    public abstract string Name { get; }

    /// <summary>Longest input the harness makes (parsers refuse longer ones early anyway).</summary>
    public virtual int MaxInputLength => 8 * 1024;

    /// <summary>Tokens the mutator inserts or overwrites with (format keywords, magic values).</summary>
    public virtual IReadOnlyList<byte[]> Dictionary => [];

    /// <summary>Seed inputs made by code at run time (valid messages that need a key or a fresh certificate).</summary>
    public virtual IEnumerable<byte[]> GeneratedSeeds() => [];

    /// <summary>Runs the entry point on one input; returns the outcome label or throws (a crash unless <see cref="IsExpected"/>).</summary>
    public abstract string Execute(byte[] input);

    /// <summary>True for the exceptions the entry point documents for bad input (the project's typed errors).</summary>
    public virtual bool IsExpected(Exception exception) => exception is CarteAuthException;

    /// <summary>The outcome label of an expected exception: its reason code and its message without numbers.</summary>
    public virtual string Label(Exception exception) =>
        exception is CarteAuthException c ? Label(c.ReasonCode, c.Message) : exception.GetType().Name;

    /// <summary>A label from a reason code and a message: digits and quoted values removed, cut to 80 characters.</summary>
    protected static string Label(string? reasonCode, string? message)
    {
        var text = Variable().Replace(message ?? string.Empty, "#");
        return $"{reasonCode}|{(text.Length > 80 ? text[..80] : text)}";
    }

    /// <summary>UTF-8 bytes of each token.</summary>
    protected static IReadOnlyList<byte[]> Tokens(params string[] tokens) => [.. tokens.Select(Encoding.UTF8.GetBytes)];

    [GeneratedRegex(@"'[^']*'|""[^""]*""|[0-9]+")]
    private static partial Regex Variable();
}
