using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

using ComfyMonitor.Testing;

namespace ComfyMonitor.Benchmarks;

/// <summary>
/// `scale-probe`: a simulated fleet and the probe with its defaults (the three built-in canaries every minute) as
/// separate Release processes; after one interval of warm-up, measures over the duration what the probe costs, how late
/// its runs start and whether every canary succeeds.
/// </summary>
internal sealed class ProbeScaleRun(int instances, TimeSpan duration, TimeSpan interval, string? jsonPath)
{
    private const int BasePort = ScaleRun.BasePort;
    private const int ProbePort = ScaleRun.ProbePort;

    public async Task<int> RunAsync()
    {
        var root = ScaleRun.RepositoryRoot();
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd('/'))!)!;
        string Dll(string project) => Path.Combine(root, "src", project, "bin", configuration, "net10.0", project + ".dll");
        var work = Directory.CreateTempSubdirectory("comfymonitor-probe-bench-").FullName;
        try
        {
            var targets = Path.Combine(work, "targets.json");
            await File.WriteAllTextAsync(targets, new JsonArray(new JsonObject
            {
                ["targets"] = new JsonArray(Enumerable.Range(0, instances).Select(i => (JsonNode)$"127.0.0.1:{BasePort + i}").ToArray()),
            }).ToJsonString());
            return await MeasureAsync(Dll("ComfyMonitor.Simulator"), Dll("ComfyMonitor.Probe"), configuration, targets);
        }
        finally
        {
            OwnedProcesses.StopAll();
            Directory.Delete(work, recursive: true);
        }
    }

    private async Task<int> MeasureAsync(string simulatorDll, string probeDll, string configuration, string targets)
    {
        Console.WriteLine($"scale-probe: {instances} instances, canaries every {interval.TotalSeconds:0.#} s, duration {duration.TotalSeconds:0} s, build {configuration}, {Environment.ProcessorCount} cores");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        // Image nodes run for real (the canaries' pixels are checked); model nodes are not in the built-in canaries.
        await ScaleRun.StartFleetAsync(http, simulatorDll, instances, "");

        var probe = ScaleRun.Start(probeDll, $"--urls http://127.0.0.1:{ProbePort}", new()
        {
            ["ComfyUI__Discovery__Files__0"] = targets,
            ["Probe__Interval"] = interval.ToString("c", CultureInfo.InvariantCulture),
            ["Probe__MaxInstances"] = Math.Max(instances, 1000).ToString(CultureInfo.InvariantCulture),
            ["Logging__LogLevel__Default"] = "Warning",
            ["DOTNET_GCgen0size"] = "0x800000",
        });
        var metricsUrl = $"http://127.0.0.1:{ProbePort}/metrics";
        await ScaleRun.WaitAsync(http, metricsUrl, TimeSpan.FromSeconds(60));
        Console.WriteLine($"warming up for one interval ({interval.TotalSeconds:0.#} s) ...");
        await Task.Delay(interval + TimeSpan.FromSeconds(2));
        var before = PrometheusText.Parse(await http.GetStringAsync(metricsUrl));
        var cpu0 = ProcessStats.CpuSeconds(probe.Id);
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"measuring for {duration.TotalSeconds:0} s ...");
        await Task.Delay(duration);
        var after = PrometheusText.Parse(await http.GetStringAsync(metricsUrl));
        var cpu = ProcessStats.CpuSeconds(probe.Id) - cpu0;
        var elapsed = clock.Elapsed.TotalSeconds;
        var rss = ProcessStats.RssBytes(probe.Id);
        ScaleRun.Stop(probe);

        double Runs(PrometheusText m, string result) => m.Sum("comfyui_canary_runs_total", ("result", result));
        var succeeded = Runs(after, "success") - Runs(before, "success");
        var failed = Runs(after, "failure") - Runs(before, "failure");
        var reasons = after.Named("comfyui_canary_runs_total").Where(s => s.Labels["result"] == "failure" && s.Value > 0)
            .GroupBy(s => s.Labels["reason"]).Select(g => $"{g.Key} {g.Sum(s => s.Value)}");
        var lag = Histogram.Of(after, "comfymonitor_probe_lag_seconds").Minus(Histogram.Of(before, "comfymonitor_probe_lag_seconds"));
        var canaries = after.Named("comfyui_canary_success").Select(s => s.Labels["canary"]).Distinct().Count();

        var result = ScaleRun.Header(instances, interval, elapsed);
        foreach (var (key, value) in new JsonObject
        {
            ["canaries"] = canaries,
            ["runs_succeeded"] = succeeded,
            ["runs_failed"] = failed,
            ["failure_reasons"] = string.Join(", ", reasons),
            ["expected_runs"] = Math.Round(instances * canaries * elapsed / interval.TotalSeconds),
            ["probe_cpu_cores"] = Math.Round(cpu / elapsed, 3),
            ["cpu_seconds_per_run"] = succeeded + failed > 0 ? cpu / (succeeded + failed) : null,
            ["lag_p50_seconds"] = Finite(lag.Quantile(0.5)),
            ["lag_p99_seconds"] = Finite(lag.Quantile(0.99)),
            ["rss_bytes"] = rss,
            ["series"] = after.Samples.Count,
        })
        {
            result.Add(key, value?.DeepClone());
        }

        foreach (var (key, value) in result)
        {
            Console.WriteLine($"  {key,-24} {value?.ToJsonString().Trim('"')}");
        }

        Console.WriteLine($"targets ({instances} instances, canaries every {interval.TotalSeconds:0.#} s, {Environment.ProcessorCount} cores; docs/performance.md):");
        Target("probe CPU < 1 core", cpu / elapsed, v => v < 1, "cores");
        Target("p99 start lag < 5 s", Finite(lag.Quantile(0.99)), v => v < 5, "s");
        Target("RSS < 600 MB", rss / 1e6, v => v < 600, "MB");
        Target("every canary succeeds", failed, v => v == 0 && succeeded > 0, $"failed, {succeeded} succeeded");
        if (jsonPath is not null)
        {
            await File.WriteAllTextAsync(jsonPath, result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine($"wrote {jsonPath}");
        }

        return 0;
    }

    private static double? Finite(double value) => double.IsFinite(value) ? Math.Round(value, 3) : null;

    private static void Target(string what, double? value, Func<double, bool> met, string unit) =>
        Console.WriteLine($"  {what,-26} {(value is not { } v ? "n/a" : met(v) ? "pass" : "FAIL")} ({(value is { } x ? x.ToString("0.###", CultureInfo.InvariantCulture) : "n/a")} {unit})");
}
