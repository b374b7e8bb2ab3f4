using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

using ComfyMonitor.Testing;

namespace ComfyMonitor.Benchmarks;

/// <summary>
/// `soak`: the simulator, the collector and the probe as separate Release processes for a long run. Every phase a
/// fifth of the instances is switched to a scenario (every scenario in turn, the rest healthy); at the end of the
/// phase each faulted instance must show its fault in the metrics (from the second phase on). The live managed heap
/// (dotnet-gcdump) and the open descriptors of the collector and the probe are compared between the end of the
/// warm-up (a third of the run) and the end, resident memory is reported, and their logs are searched for
/// unhandled exceptions and errors.
/// </summary>
internal sealed class SoakRun(int instances, TimeSpan duration, TimeSpan phase)
{
    private const int BasePort = ScaleRun.BasePort;
    private const int ControlPort = ScaleRun.ControlPort;
    private const int CollectorPort = ScaleRun.CollectorPort;
    private const int ProbePort = ScaleRun.ProbePort;

    private static readonly string[] Scenarios =
        ["down", "hang", "garbage", "errors", "stuck", "oom", "vram-leak", "slow", "wrong-pixels", "broken-history", "no-websocket"];

    private long _errorLines;
    private readonly List<string> _errorSamples = [];

    public async Task<int> RunAsync()
    {
        var root = ScaleRun.RepositoryRoot();
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd('/'))!)!;
        string Dll(string project) => Path.Combine(root, "src", project, "bin", configuration, "net10.0", project + ".dll");
        var work = Directory.CreateTempSubdirectory("comfymonitor-soak-").FullName;
        var targets = Path.Combine(work, "targets.json");
        await File.WriteAllTextAsync(targets, new JsonArray(new JsonObject
        {
            ["targets"] = new JsonArray(Enumerable.Range(0, instances).Select(i => (JsonNode)$"127.0.0.1:{BasePort + i}").ToArray()),
        }).ToJsonString());

        Console.WriteLine($"soak: {instances} instances, {duration.TotalMinutes:0.#} min, phases of {phase.TotalSeconds:0} s, build {configuration}");
        var simulator = ScaleRun.Start(Dll("ComfyMonitor.Simulator"), $"--instances {instances} --base-port {BasePort} --control-port {ControlPort} --workload 4 --slow-delay 00:00:01", []);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        await ScaleRun.WaitAsync(http, $"http://127.0.0.1:{BasePort + instances - 1}/prompt", TimeSpan.FromSeconds(120));
        var common = new Dictionary<string, string>
        {
            ["ComfyUI__Discovery__Files__0"] = targets,
            ["Logging__LogLevel__Default"] = "Warning",
            ["DOTNET_GCgen0size"] = "0x800000",
        };
        var collector = ScaleRun.Start(Dll("ComfyMonitor.Collector"), $"--urls http://127.0.0.1:{CollectorPort}", new(common)
        {
            ["Collector__Interval"] = "00:00:05",
            ["Collector__Timeout"] = "00:00:03",
            ["Collector__StallAfter"] = TimeSpan.FromSeconds(phase.TotalSeconds / 3).ToString("c", CultureInfo.InvariantCulture),
        }, Watch);
        var probe = ScaleRun.Start(Dll("ComfyMonitor.Probe"), $"--urls http://127.0.0.1:{ProbePort}", new(common)
        {
            ["Probe__Interval"] = TimeSpan.FromSeconds(phase.TotalSeconds / 2).ToString("c", CultureInfo.InvariantCulture),
            ["Probe__MaxConcurrency"] = "48",
            ["Probe__Timeout"] = "00:00:10",
            ["Probe__MaxQueueWait"] = "00:00:10",
            ["Probe__RequestTimeout"] = "00:00:04",
        }, Watch);
        await ScaleRun.WaitAsync(http, $"http://127.0.0.1:{CollectorPort}/metrics", TimeSpan.FromSeconds(60));
        await ScaleRun.WaitAsync(http, $"http://127.0.0.1:{ProbePort}/metrics", TimeSpan.FromSeconds(60));

        var phases = Math.Max(2, (int)(duration / phase));
        var reflected = Scenarios.ToDictionary(s => s, _ => (Seen: 0, Shown: 0));
        var unprobed = Scenarios.ToDictionary(s => s, _ => 0);
        var misses = new List<string>();
        var unreached = new List<string>();
        var vram = new Dictionary<string, double>(StringComparer.Ordinal);
        string? overflow = null;
        (long Rss, int Handles)[] first = [], last = [];
        long[] firstLive = [], lastLive = [];
        var liveHeap = LiveHeap.Install();
        // A first pass through every scenario on every instance, before the clock: the state each instance keeps a
        // bounded amount of (series per reason and error type, recent runs) is created here, not during the run,
        // where it would look like growth. Leaks that grow with time or work still grow afterwards.
        Console.WriteLine($"soak: priming, every instance through every scenario ({Scenarios.Length} steps of {PrimeStep.TotalSeconds:0} s)");
        for (var step = 0; step < Scenarios.Length; step++)
        {
            await SwitchAsync(http, Enumerable.Range(0, instances).ToDictionary(i => i, i => Scenarios[(i + step) % Scenarios.Length]), 1_000_000 + (step * 1000));
            await Task.Delay(PrimeStep);
        }

        var clock = Stopwatch.StartNew();
        for (var round = 0; round < phases; round++)
        {
            // A fifth of the fleet faulted, a different fifth and scenario each phase.
            var scenarios = Enumerable.Range(0, instances).ToDictionary(i => i, i => (i + round) % 5 == 0 ? Scenarios[(i / 5 + round) % Scenarios.Length] : "healthy");
            var faulted = scenarios.Where(s => s.Value != "healthy").ToDictionary();
            await SwitchAsync(http, scenarios, round * 1000);

            // Read at the start, at two thirds and at the end of the phase: a fault counts as shown when the
            // metrics show it at two thirds or at the end, as they would in some of Prometheus' scrapes.
            var before = await SnapshotAsync(http);
            await Task.Delay(phase * 2 / 3);
            var mid = await SnapshotAsync(http);
            await Task.Delay(phase - (phase * 2 / 3));
            var after = await SnapshotAsync(http);
            // The first phase warms up (the collector's first cycles, JIT): faults are judged from the second on.
            foreach (var (i, scenario) in round == 0 ? [] : faulted)
            {
                var instance = $"127.0.0.1:{BasePort + i}";
                if (ProbeOnly.Contains(scenario) && !Probed(instance, before, after))
                {
                    unprobed[scenario]++; // the probe did not reach this instance in this phase: nothing to judge
                    if (unreached.Count < 8)
                    {
                        var runs = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{ProbePort}/api/runs"))!.AsArray()
                            .Where(r => (string?)r!["instance"] == instance).Take(4)
                            .Select(r => $"{r!["started"]} {r["canary"]} {r["reason"]} {r["phases"]?["total"]}");
                        unreached.Add($"phase {round}: {scenario} on instance {i} not probed; last runs: {string.Join(" | ", runs)}");
                    }

                    continue;
                }

                var vramBefore = vram.GetValueOrDefault(instance, double.NaN);
                var shown = Shown(scenario, instance, before, mid, vramBefore) || Shown(scenario, instance, before, after, vramBefore);
                reflected[scenario] = (reflected[scenario].Seen + 1, reflected[scenario].Shown + (shown ? 1 : 0));
                if (!shown && misses.Count < 20)
                {
                    string Queue(Exposition m) => $"{m.Sum(instance, "comfyui_queue_running")}+{m.Sum(instance, "comfyui_queue_pending")} (running for {m.Sum(instance, "comfyui_queue_running_age_seconds"):0} s)";
                    double Since(Exposition m) => m.At.ToUnixTimeSeconds() - m.Sum(instance, "comfyui_queue_last_progress_timestamp_seconds");
                    misses.Add(string.Create(CultureInfo.InvariantCulture,
                        $"phase {round}: {scenario} on instance {i}: up {mid.Collector.Sum(instance, "comfyui_up")}/{after.Collector.Sum(instance, "comfyui_up")}, stalled {mid.Collector.Sum(instance, "comfyui_queue_stalled")}/{after.Collector.Sum(instance, "comfyui_queue_stalled")}, running/pending {Queue(mid.Collector)}/{Queue(after.Collector)}, last progress {Since(mid.Collector):0} s/{Since(after.Collector):0} s ago, free + torch-reserved VRAM {vramBefore / (1 << 20):0} -> {OutsideTorch(mid.Collector, instance) / (1 << 20):0}/{OutsideTorch(after.Collector, instance) / (1 << 20):0} MiB, system_stats errors +{after.Collector.Sum(instance, "comfyui_scrape_errors_total", "endpoint=\"system_stats\"") - before.Collector.Sum(instance, "comfyui_scrape_errors_total", "endpoint=\"system_stats\"")}"));
                }
            }

            // A series folded into OpenTelemetry's overflow series is a reading lost.
            if (overflow is null && Overflowed(after.Collector.Parsed).Concat(Overflowed(after.Probe.Parsed)).ToList() is { Count: > 0 } overflowed)
            {
                overflow = $"phase {round}: these metrics passed their series limit ({Overflow}): {string.Join(", ", overflowed.Distinct())}";
            }

            // VRAM outside PyTorch as last read before the next phase's switch: the baseline a leak must fall below.
            for (var i = 0; i < instances; i++)
            {
                var instance = $"127.0.0.1:{BasePort + i}";
                if (OutsideTorch(after.Collector, instance) is { } outside)
                {
                    vram[instance] = outside;
                }
            }

            if (new[] { simulator, collector, probe }.FirstOrDefault(p => p.HasExited) is { } exited)
            {
                Console.WriteLine($"soak: FAIL, a process exited (code {exited.ExitCode}); see its output above");
                return 1;
            }

            var now = new[] { Resources(collector), Resources(probe) };
            // Memory and handles are compared from the end of the warm-up, a third of the run: a .NET service's
            // resident memory climbs for its first minutes (tiered JIT, GC budgets, exporter buffers), then levels.
            var warmedUp = round == Math.Max(0, (phases / 3) - 1);
            if (warmedUp)
            {
                first = now;
                firstLive = [liveHeap.Bytes(collector.Id), liveHeap.Bytes(probe.Id)];
            }

            if (round == phases - 1)
            {
                lastLive = [liveHeap.Bytes(collector.Id), liveHeap.Bytes(probe.Id)];
            }

            last = now;
            static long Heap(Exposition metrics) => (long)metrics.Parsed.Sum("dotnet_gc_last_collection_heap_size_bytes");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{clock.Elapsed:hh\\:mm\\:ss}] phase {round + 1}/{phases}: collector {now[0].Rss >> 20} MiB (GC heap {Heap(after.Collector) >> 20} MiB) {now[0].Handles} fds, probe {now[1].Rss >> 20} MiB (GC heap {Heap(after.Probe) >> 20} MiB) {now[1].Handles} fds, {Interlocked.Read(ref _errorLines)} error lines"));
        }

        ScaleRun.Stop(probe);
        ScaleRun.Stop(collector);
        ScaleRun.Stop(simulator);

        Console.WriteLine();
        Console.WriteLine("scenario        phases  shown in the metrics  (not reached by the probe in the phase)");
        foreach (var (scenario, (seen, shown)) in reflected)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{scenario,-15} {seen,6}  {shown,6} ({(seen == 0 ? 0 : 100.0 * shown / seen):0.#} %){(unprobed[scenario] > 0 ? $"  ({unprobed[scenario]})" : "")}"));
        }

        // Flat means the live managed heap and the open descriptors: resident memory also holds garbage the GC
        // has not handed back, which climbs and falls with its budgets, so it is reported, not judged.
        var ok = true;
        string[] names = ["collector", "probe"];
        for (var p = 0; p < 2; p++)
        {
            var live = (double)lastLive[p] / firstLive[p];
            var handles = (double)last[p].Handles / first[p].Handles;
            var flat = live <= 1.10 && handles <= 1.10;
            ok &= flat;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{names[p]}: live heap {firstLive[p] >> 20} -> {lastLive[p] >> 20} MiB ({live:0.00}x), fds {first[p].Handles} -> {last[p].Handles} ({handles:0.00}x) {(flat ? "flat" : "GREW")}; resident {first[p].Rss >> 20} -> {last[p].Rss >> 20} MiB ({(double)last[p].Rss / first[p].Rss:0.00}x)"));
        }

        var allShown = reflected.Values.All(r => r.Seen > 0 && r.Shown == r.Seen);
        ok &= allShown && _errorLines == 0 && overflow is null;
        Console.WriteLine($"unhandled exceptions / error log lines: {_errorLines}");
        Console.WriteLine($"series limits: {overflow ?? "no metric overflowed"}");
        foreach (var line in _errorSamples.Concat(misses).Concat(unreached))
        {
            Console.WriteLine("  " + line);
        }

        Console.WriteLine(ok ? "soak: PASS" : "soak: FAIL");
        Directory.Delete(work, recursive: true);
        return ok ? 0 : 1;
    }

    /// <summary>Faults only a canary can see.</summary>
    private static readonly string[] ProbeOnly = ["wrong-pixels", "no-websocket"];

    private static readonly TimeSpan PrimeStep = TimeSpan.FromSeconds(15);

    /// <summary>Sets each instance's scenario; users submit two prompts where the fault shows only with work (a stuck queue, failing or leaking prompts).</summary>
    private static async Task SwitchAsync(HttpClient http, Dictionary<int, string> scenarios, int promptSeed)
    {
        foreach (var (i, scenario) in scenarios)
        {
            using var set = await http.PostAsync($"http://127.0.0.1:{ControlPort}/instances/{i}/scenario/{scenario}", null);
            set.EnsureSuccessStatusCode();
        }

        foreach (var (i, _) in scenarios.Where(f => f.Value is "stuck" or "oom" or "vram-leak"))
        {
            for (var n = 0; n < 2; n++)
            {
                using var submitted = await http.PostAsync($"http://127.0.0.1:{BasePort + i}/prompt", JsonContent(Prompt(promptSeed + n)));
            }
        }
    }

    private const string VramFree = "comfyui_device_vram_free_bytes";
    private const string TorchVramTotal = "comfyui_device_torch_vram_total_bytes";
    private const string Overflow = "otel_metric_overflow=\"true\"";

    /// <summary>
    /// Free VRAM plus what PyTorch has reserved: the device's memory less what is held outside PyTorch's pool, the
    /// share a leak takes. Free VRAM alone rises and falls by gigabytes as the simulator's background users load and
    /// unload models, and would hide a leak of a few hundred megabytes a minute. Null while the instance has no reading.
    /// </summary>
    private static double? OutsideTorch(Exposition metrics, string instance) =>
        metrics.Has(instance, VramFree) && metrics.Has(instance, TorchVramTotal)
            ? metrics.Sum(instance, VramFree) + metrics.Sum(instance, TorchVramTotal)
            : null;

    private static IEnumerable<string> Overflowed(PrometheusText exposition) =>
        exposition.Samples.Where(s => s.Labels.GetValueOrDefault("otel_metric_overflow") == "true").Select(s => s.Name);

    private static async Task<(Exposition Collector, Exposition Probe)> SnapshotAsync(HttpClient http) =>
        (new(await http.GetStringAsync($"http://127.0.0.1:{CollectorPort}/metrics")), new(await http.GetStringAsync($"http://127.0.0.1:{ProbePort}/metrics")));

    private static bool Probed(string instance, (Exposition Collector, Exposition Probe) before, (Exposition Collector, Exposition Probe) after) =>
        after.Probe.Sum(instance, "comfyui_canary_runs_total") > before.Probe.Sum(instance, "comfyui_canary_runs_total");

    /// <summary>
    /// Whether the metrics show <paramref name="scenario"/> on <paramref name="instance"/> over the phase.
    /// <paramref name="vramBefore"/> is the free plus PyTorch-reserved VRAM last read before the phase began (NaN if never read).
    /// </summary>
    private static bool Shown(string scenario, string instance, (Exposition Collector, Exposition Probe) before, (Exposition Collector, Exposition Probe) after, double vramBefore)
    {
        double Delta(bool probe, string name, string filter = "") =>
            (probe ? after.Probe : after.Collector).Sum(instance, name, filter) - (probe ? before.Probe : before.Collector).Sum(instance, name, filter);
        double Now(bool probe, string name, string filter = "") => (probe ? after.Probe : after.Collector).Sum(instance, name, filter);
        return scenario switch
        {
            "down" => Now(false, "comfyui_up") == 0 && Delta(false, "comfyui_scrape_errors_total", ",endpoint=\"system_stats\",reason=\"connect\"") > 0,
            "hang" => Now(false, "comfyui_up") == 0 && Delta(false, "comfyui_scrape_errors_total", ",endpoint=\"system_stats\",reason=\"timeout\"") > 0,
            "garbage" => Now(false, "comfyui_up") == 0 && Delta(false, "comfyui_scrape_errors_total", ",endpoint=\"system_stats\",reason=\"invalid_response\"") > 0,
            "errors" => Now(false, "comfyui_up") == 0 && Delta(false, "comfyui_scrape_errors_total", ",endpoint=\"system_stats\",reason=\"http_status\"") > 0,
            "stuck" => Now(false, "comfyui_queue_stalled") == 1,
            "oom" => Delta(false, "comfyui_prompts_completed_total", ",status=\"error\"") > 0
                && (Delta(true, "comfyui_canary_runs_total", ",reason=\"execution_error\"") > 0 || !Probed(instance, before, after)),
            "vram-leak" => OutsideTorch(after.Collector, instance) < vramBefore,
            "slow" => Delta(false, "comfyui_scrape_duration_seconds_sum", ",endpoint=\"system_stats\"") / Math.Max(1, Delta(false, "comfyui_scrape_duration_seconds_count", ",endpoint=\"system_stats\"")) >= 0.9,
            "wrong-pixels" => Delta(true, "comfyui_canary_runs_total", ",reason=\"output_mismatch\"") > 0,
            "broken-history" => Now(false, "comfyui_up") == 1 && Delta(false, "comfyui_scrape_errors_total", ",endpoint=\"history\",reason=\"http_status\"") > 0,
            "no-websocket" => Delta(true, "comfyui_canary_runs_total", ",reason=\"none\"") > 0,
            _ => true,
        };
    }

    /// <summary>A small prompt (EmptyImage -> SaveImage) whose colour makes it unique, so that no cache answers it.</summary>
    private static string Prompt(int colour) => new JsonObject
    {
        ["prompt"] = new JsonObject
        {
            ["1"] = new JsonObject { ["class_type"] = "EmptyImage", ["inputs"] = new JsonObject { ["width"] = 64, ["height"] = 64, ["batch_size"] = 1, ["color"] = colour } },
            ["2"] = new JsonObject { ["class_type"] = "SaveImage", ["inputs"] = new JsonObject { ["images"] = new JsonArray("1", 0), ["filename_prefix"] = "soak" } },
        },
        ["client_id"] = "soak-user",
    }.ToJsonString();

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    private static (long Rss, int Handles) Resources(Process process) =>
        (ProcessStats.RssBytes(process.Id), Directory.GetFiles($"/proc/{process.Id}/fd").Length);

    private void Watch(string line)
    {
        if (line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal) || line.Contains("Unhandled exception", StringComparison.OrdinalIgnoreCase))
        {
            Interlocked.Increment(ref _errorLines);
            lock (_errorSamples)
            {
                if (_errorSamples.Count < 10)
                {
                    _errorSamples.Add(line);
                }
            }
        }
    }
}
