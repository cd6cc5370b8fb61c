using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using CarteAuth.Identity;

namespace CarteAuth.Authentication;

/// <summary>RFC 8176 "amr" values: conversion between strings and <see cref="AuthenticationMethods"/>.</summary>
public static class Amr
{
    private static readonly (string Value, AuthenticationMethods Method)[] All =
    [
        ("sc", AuthenticationMethods.Sc), ("hwk", AuthenticationMethods.Hwk), ("swk", AuthenticationMethods.Swk),
        ("pin", AuthenticationMethods.Pin), ("otp", AuthenticationMethods.Otp), ("mfa", AuthenticationMethods.Mfa),
        ("fpt", AuthenticationMethods.Fpt), ("pwd", AuthenticationMethods.Pwd), ("face", AuthenticationMethods.Face),
        ("iris", AuthenticationMethods.Iris), ("retina", AuthenticationMethods.Retina), ("vbm", AuthenticationMethods.Vbm),
        ("kba", AuthenticationMethods.Kba), ("sms", AuthenticationMethods.Sms), ("tel", AuthenticationMethods.Tel),
        ("pop", AuthenticationMethods.Pop), ("geo", AuthenticationMethods.Geo), ("rba", AuthenticationMethods.Rba),
        ("wia", AuthenticationMethods.Wia), ("user", AuthenticationMethods.User), ("mca", AuthenticationMethods.Mca),
    ];

    private static readonly FrozenDictionary<string, AuthenticationMethods> ByValue =
        All.ToFrozenDictionary(static p => p.Value, static p => p.Method, StringComparer.Ordinal);

    /// <summary>The registered values, in a stable order.</summary>
    public static IReadOnlyList<string> RegisteredValues { get; } = [.. All.Select(static p => p.Value)];

    /// <summary>Parses one amr value (case-sensitive, as RFC 8176 registers them).</summary>
    public static bool TryParse(string? value, out AuthenticationMethods method)
    {
        method = AuthenticationMethods.None;
        return value is not null && ByValue.TryGetValue(value, out method);
    }

    /// <summary>Parses a list of amr values; unknown values are reported, never silently dropped.</summary>
    /// <exception cref="CarteAuthException">An unknown value (<see cref="ReasonCodes.UnknownAmr"/>).</exception>
    public static AuthenticationMethods Parse(IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var result = AuthenticationMethods.None;
        foreach (var value in values)
        {
            if (!TryParse(value, out var m))
            {
                throw new CarteAuthException(
                    ReasonCodes.UnknownAmr,
                    $"'{NationalId.Printable(value ?? string.Empty)}' is not an RFC 8176 amr value. Use one of: {string.Join(", ", RegisteredValues)}.");
            }

            result |= m;
        }

        return result;
    }

    /// <summary>Parses a list of amr values, collecting the ones not registered instead of failing (for tokens from other parties).</summary>
    public static AuthenticationMethods ParseLenient(IEnumerable<string> values, [NotNull] out IReadOnlyList<string> unknown)
    {
        ArgumentNullException.ThrowIfNull(values);
        var result = AuthenticationMethods.None;
        List<string>? rest = null;
        foreach (var value in values)
        {
            if (TryParse(value, out var m))
            {
                result |= m;
            }
            else
            {
                (rest ??= []).Add(value);
            }
        }

        unknown = rest ?? (IReadOnlyList<string>)[];
        return result;
    }

    /// <summary>The amr values of a set of methods, in the registered order.</summary>
    public static string[] ToValues(AuthenticationMethods methods)
    {
        var count = System.Numerics.BitOperations.PopCount((uint)methods);
        var values = new string[count];
        var i = 0;
        foreach (var (value, method) in All)
        {
            if ((methods & method) != 0)
            {
                values[i++] = value;
            }
        }

        return i == count ? values : values[..i];
    }

    /// <summary>The amr values of a set of methods, space-separated (as recorded in audit events), e.g. <c>sc hwk pin</c>.</summary>
    public static string Format(AuthenticationMethods methods) => string.Join(' ', ToValues(methods));

    /// <summary>The amr value of a single method.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not exactly one method.</exception>
    public static string ToValue(AuthenticationMethods method)
    {
        foreach (var (value, m) in All)
        {
            if (m == method)
            {
                return value;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(method), method, "Exactly one registered method is expected.");
    }
}
