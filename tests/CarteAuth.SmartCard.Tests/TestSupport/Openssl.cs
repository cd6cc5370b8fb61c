using System.Diagnostics;

namespace CarteAuth.SmartCard.Tests.TestSupport;

/// <summary>Runs the openssl command line with a time limit.</summary>
internal static class Openssl
{
    public static (int ExitCode, string Output) Run(params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo("openssl", args) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException("openssl could not be started; install the Debian package openssl.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(30_000))
        {
            process.Kill();
            throw new TimeoutException("openssl " + string.Join(' ', args) + " did not finish in 30 s.");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
