using System.Text.Json.Nodes;
using ComfyMonitor.Testing;

namespace ComfyMonitor.EndToEnd.Tests;

/// <summary>
/// The benchmark program (tests/ComfyMonitor.Benchmarks) on a machine without its reference tools and without apt:
/// it still measures, writes valid JSON with null where a figure needs a missing tool, says "n/a", exits 0,
/// and leaves none of the processes it started behind.
/// </summary>
public sealed class BenchmarkToolTests
{
    [Fact]
    public async Task ScaleWithoutReferenceToolsWritesNullsAndLeavesNoProcessBehind()
    {
        var dll = Path.Combine(Repository.Root, "tests", "ComfyMonitor.Benchmarks", "bin", Repository.Configuration, "net10.0", "ComfyMonitor.Benchmarks.dll");
        var json = Path.Combine(Path.GetTempPath(), $"comfymonitor-bench-{Guid.NewGuid():N}.json");
        var dotnet = DotnetFolder(); // and nothing else on PATH
        await using (var bench = ChildProcess.Start(Path.Combine(dotnet, "dotnet"), [dll, "scale", "--instances", "3", "--duration", "2", "--interval", "1", "--json", json],
            new Dictionary<string, string> { ["PATH"] = dotnet }))
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await bench.WaitForExitAsync(deadline.Token);
            Assert.True(bench.ExitCode == 0, $"exit code {bench.ExitCode}:\n{bench.Tail()}");
            Assert.Contains(bench.Output, l => l.Contains("missing and no apt-get to install them", StringComparison.Ordinal));
            Assert.Contains(bench.Output, l => l.Contains("blackbox CPU/probe", StringComparison.Ordinal) && l.Contains(" n/a ", StringComparison.Ordinal));
        }

        var result = JsonNode.Parse(await File.ReadAllTextAsync(json))!.AsObject();
        File.Delete(json);
        Assert.Equal(3, (int)result["instances"]!);
        Assert.True((double)result["instance_cycles"]! > 0, result.ToJsonString());
        Assert.Null(result["blackbox_cpu_ratio"]);
        Assert.Null(result["blackbox_cpu_seconds_per_probe"]);
        Assert.Null(result["wrk_requests_per_second_one_instance"]);
        Assert.Null(result["prometheus_rss_bytes"]);
        Assert.Null(result["prometheus_scrape_seconds"]);
        Assert.True((double)result["series_per_instance"]! > 10, result.ToJsonString());
        Assert.True((double)result["exposition_bytes_per_instance"]! > 1000, result.ToJsonString());

        // The simulator and the collector it started are gone.
        var left = Directory.EnumerateDirectories("/proc").Select(d => Path.Combine(d, "cmdline")).Where(File.Exists)
            .Select(f =>
            {
                try
                {
                    return File.ReadAllText(f).Replace('\0', ' ');
                }
                catch (IOException)
                {
                    return "";
                }
            })
            .Where(c => c.Contains("ComfyMonitor.Simulator.dll --instances 3 --base-port 19000", StringComparison.Ordinal)
                || c.Contains("ComfyMonitor.Collector.dll --urls http://127.0.0.1:18464", StringComparison.Ordinal))
            .ToList();
        Assert.Empty(left);
    }

    /// <summary>The folder of the real dotnet host (links resolved), which holds no other program.</summary>
    private static string DotnetFolder()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } set ? set
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "dotnet")).First(File.Exists);
        var real = new FileInfo(host).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? host;
        return Path.GetDirectoryName(real)!;
    }
}
