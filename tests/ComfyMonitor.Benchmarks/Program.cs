using System.Globalization;
using ComfyMonitor.Benchmarks;

// dotnet run -c Release --project tests/ComfyMonitor.Benchmarks -- scale --instances N --duration SECONDS [--interval SECONDS] [--workload PPM] [--history ENTRIES] [--json PATH]
// dotnet run -c Release --project tests/ComfyMonitor.Benchmarks -- scale-probe [--instances 1000] [--duration SECONDS (180)] [--interval SECONDS (60)] [--json PATH]
// dotnet run -c Release --project tests/ComfyMonitor.Benchmarks -- parse        (BenchmarkDotNet, JSON parsing hot paths)
// dotnet run -c Release --project tests/ComfyMonitor.Benchmarks -- soak [--instances 500] [--duration SECONDS (1800)] [--phase SECONDS (60)]
OwnedProcesses.StopAllOnExit();
try
{
    string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    double Number(string name, double fallback) => Option(name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

    if (args.Length > 0 && args[0] == "soak")
    {
        return await new SoakRun((int)Number("--instances", 500), TimeSpan.FromSeconds(Number("--duration", 1800)), TimeSpan.FromSeconds(Number("--phase", 60))).RunAsync();
    }

    if (args.Length > 0 && args[0] == "scale-probe")
    {
        return await new ProbeScaleRun((int)Number("--instances", 1000), TimeSpan.FromSeconds(Number("--duration", 180)), TimeSpan.FromSeconds(Number("--interval", 60)), Option("--json")).RunAsync();
    }

    if (args.Length > 0 && args[0] == "parse")
    {
        BenchmarkDotNet.Running.BenchmarkRunner.Run<JsonParsingBenchmarks>(args: args[1..]);
        return 0;
    }

    if (args.Length == 0 || args[0] != "scale")
    {
        Console.Error.WriteLine("usage: scale --instances N --duration SECONDS [--interval SECONDS] [--workload PPM] [--history ENTRIES] [--output-checks EVERY] [--json PATH]");
        Console.Error.WriteLine("       scale-probe [--instances N] [--duration SECONDS] [--interval SECONDS] [--json PATH]");
        Console.Error.WriteLine("       parse");
        Console.Error.WriteLine("       soak [--instances N] [--duration SECONDS] [--phase SECONDS]");
        return 2;
    }

    var run = new ScaleRun(
        instances: (int)Number("--instances", 1000),
        duration: TimeSpan.FromSeconds(Number("--duration", 60)),
        interval: TimeSpan.FromSeconds(Number("--interval", 15)),
        workload: Number("--workload", 1),
        history: (int)Number("--history", 0),
        jsonPath: Option("--json"),
        outputChecks: (int)Number("--output-checks", 0));
    return await run.RunAsync();
}
finally
{
    OwnedProcesses.StopAll();
}
