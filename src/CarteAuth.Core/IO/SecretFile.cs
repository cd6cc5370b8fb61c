using System.Text;

namespace CarteAuth.IO;

/// <summary>Writes secrets (private keys, PFX files) readable by their owner only.</summary>
public static class SecretFile
{
    /// <summary>Creates or replaces <paramref name="path"/> with <paramref name="content"/>, mode 0600 on Unix.</summary>
    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        stream.Write(content);
    }

    /// <summary>Creates or replaces <paramref name="path"/> with <paramref name="text"/> (UTF-8), mode 0600 on Unix.</summary>
    public static void Write(string path, string text) => Write(path, Encoding.UTF8.GetBytes(text));
}
