namespace CarteAuth.Testing;

/// <summary>One Set-Cookie header of a real response, parsed (RFC 6265 §5.2): name, value and attributes (names lower-cased).</summary>
internal sealed record SetCookie(string Name, string Value, IReadOnlyDictionary<string, string> Attributes, string Header)
{
    /// <summary>True when the attribute is present (flags such as <c>secure</c>, <c>httponly</c>).</summary>
    public bool Has(string attribute) => Attributes.ContainsKey(attribute.ToLowerInvariant());

    /// <summary>The attribute's value, or null.</summary>
    public string? this[string attribute] => Attributes.TryGetValue(attribute.ToLowerInvariant(), out var value) ? value : null;

    /// <summary>The <c>expires</c> attribute, or null.</summary>
    public DateTimeOffset? Expires => this["expires"] is { } e && DateTimeOffset.TryParse(e, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var d) ? d : null;

    /// <summary>Every Set-Cookie header of <paramref name="response"/>.</summary>
    public static IReadOnlyList<SetCookie> From(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? [.. values.Select(Parse)] : [];

    /// <summary>Parses one Set-Cookie header value.</summary>
    public static SetCookie Parse(string header)
    {
        var parts = header.Split(';');
        var pair = parts[0].Split('=', 2);
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in parts.Skip(1))
        {
            var kv = part.Split('=', 2);
            attributes[kv[0].Trim().ToLowerInvariant()] = kv.Length > 1 ? kv[1].Trim() : string.Empty;
        }

        return new SetCookie(pair[0].Trim(), pair.Length > 1 ? pair[1].Trim() : string.Empty, attributes, header);
    }

    /// <summary>
    /// Asserts that <paramref name="response"/> sets exactly one cookie named <paramref name="name"/> and that it is a
    /// <c>__Host-</c> cookie (RFC 6265bis §4.1.3.2: Secure, Path=/, no Domain), HttpOnly and SameSite=Lax (OWASP ASVS
    /// 4.0.3 V3.4.1-V3.4.5).
    /// </summary>
    public static SetCookie AssertHostCookie(HttpResponseMessage response, string name)
    {
        var cookie = Assert.Single(From(response), c => c.Name == name);
        Assert.StartsWith("__Host-", cookie.Name, StringComparison.Ordinal);
        Assert.True(cookie.Has("secure"), $"{name} is not Secure: {cookie.Header}");
        Assert.True(cookie.Has("httponly"), $"{name} is not HttpOnly: {cookie.Header}");
        Assert.Equal("lax", cookie["samesite"]?.ToLowerInvariant());
        Assert.Equal("/", cookie["path"]);
        Assert.False(cookie.Has("domain"), $"{name} has a Domain: {cookie.Header}");
        return cookie;
    }
}
