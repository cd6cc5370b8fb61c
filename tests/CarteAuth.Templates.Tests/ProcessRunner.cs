using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace CarteAuth.Templates.Tests;

/// <summary>Runs dotnet, git and the packed tools for the packaging tests: bounded time, output logged, non-zero exit fails.</summary>
internal sealed class ProcessRunner(ITestOutputHelper output)
{
    /// <summary>Runs dotnet with <paramref name="arguments"/>; fails with its output on a non-zero exit or a timeout.</summary>
    public Task<string> DotnetAsync(string workingDirectory, TimeSpan timeout, params string[] arguments) =>
        RunAsync("dotnet", workingDirectory, timeout, arguments);

    /// <summary>Runs <paramref name="fileName"/>; fails with its output on a non-zero exit or a timeout.</summary>
    public Task<string> RunAsync(string fileName, string workingDirectory, TimeSpan timeout, params string[] arguments) =>
        RunAsync(fileName, workingDirectory, timeout, environment: null, arguments);

    /// <summary>
    /// Runs <paramref name="fileName"/> with <paramref name="environment"/> changes (a null value removes the variable);
    /// fails with its output on a non-zero exit or a timeout. Returns standard output and error.
    /// </summary>
    public async Task<string> RunAsync(string fileName, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string?>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test host's MSBuild variables would point the child builds at this build; no build servers outlive the test.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        var log = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.AppendLine(e.Data); } } };
        var stopwatch = Stopwatch.StartNew();
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{Path.GetFileName(fileName)} {string.Join(' ', arguments)} did not finish within {timeout}:\n{log}");
        }

        process.WaitForExit(); // flushes the asynchronous output readers
        string text;
        lock (log)
        {
            text = log.ToString();
        }

        output.WriteLine($"$ {Path.GetFileName(fileName)} {string.Join(' ', arguments)}   ({stopwatch.Elapsed.TotalSeconds:F0} s, exit {process.ExitCode})");
        Assert.True(process.ExitCode == 0, $"{Path.GetFileName(fileName)} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}:\n{text}");
        return text;
    }
}
