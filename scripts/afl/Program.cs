using CarteAuth.Fuzz.Tests.Engine;
using CarteAuth.Fuzz.Tests.Targets;
using SharpFuzz;

// Usage: CarteAuth.Fuzz.Afl <target>                 (under afl-fuzz: reads each input from AFL's shared memory)
//        CarteAuth.Fuzz.Afl <target> --seeds <dir>   (writes the target's seed inputs, the afl-fuzz -i folder)
if (args.Length == 0)
{
    Console.Error.WriteLine($"usage: CarteAuth.Fuzz.Afl <target> [--seeds <dir>]; targets: {string.Join(", ", AllTargets.Names)}");
    return 2;
}

var name = args[0];
if (name == "self-test")
{
    // Checks the AFL crash path: an input starting with '!' throws an exception no target expects.
    if (args.Length == 3 && args[1] == "--seeds")
    {
        Directory.CreateDirectory(args[2]);
        File.WriteAllText(Path.Combine(args[2], "seed-000"), "hello");
        return 0;
    }

    Fuzzer.OutOfProcess.Run(stream =>
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var input = buffer.ToArray();

        // Instrumented code must run, or afl-fuzz stops with "No instrumentation detected".
        CarteAuth.Gateway.Radius.RadiusPacket.TryDecode(input, out _, out _, out _);
        if (input.Length > 0 && input[0] == '!')
        {
            throw new InvalidOperationException("planted crash");
        }
    });
    return 0;
}

if (!AllTargets.Names.Contains(name))
{
    Console.Error.WriteLine($"unknown target '{name}'; targets: {string.Join(", ", AllTargets.Names)}");
    return 2;
}

if (args.Length == 3 && args[1] == "--seeds")
{
    // Run before the assemblies are instrumented: instrumented code writes to AFL's shared memory, which only
    // exists under afl-fuzz.
    var target = AllTargets.Create(name);
    Directory.CreateDirectory(args[2]);
    var seeds = FuzzRunner.CommittedCorpus(target.Name).Concat(target.GeneratedSeeds()).Where(s => s.Length <= target.MaxInputLength).ToList();
    for (var i = 0; i < seeds.Count; i++)
    {
        File.WriteAllBytes(Path.Combine(args[2], $"seed-{i:D3}"), seeds[i]);
    }

    Console.WriteLine($"{seeds.Count} seed inputs for {target.Name} in {args[2]}");
    return 0;
}

// The same oracle as the xunit runs: the project's typed errors are fine, any other exception reaches SharpFuzz
// and is an AFL crash. The target is made inside the fuzzed action (its set-up runs instrumented code).
FuzzTarget? fuzzed = null;
Fuzzer.OutOfProcess.Run(stream =>
{
    fuzzed ??= AllTargets.Create(name);
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    try
    {
        fuzzed.Execute(buffer.ToArray());
    }
    catch (Exception e) when (fuzzed.IsExpected(e))
    {
    }
});
return 0;
