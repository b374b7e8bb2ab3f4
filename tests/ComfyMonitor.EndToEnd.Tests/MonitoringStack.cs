using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ComfyMonitor.Testing;

namespace ComfyMonitor.EndToEnd.Tests;

/// <summary>
/// The whole product on 127.0.0.1: the simulator (in-process), the collector and the probe (their built
/// dlls, as separate processes), a fake NVIDIA DCGM exporter (a recorded /metrics text: tests/TestData/dcgm-exporter.txt;
/// instance i is labelled hostname=gpu-node-i and pool=sdxl), and real Prometheus and Alertmanager (Debian packages) running the shipped
/// rules with time compressed: every for: becomes seconds, every range window 15 s, and the two thresholds
/// that are durations (queue backlog 15 min, canary p95 60 s) become 3 s and 1 s.
/// </summary>
internal sealed partial class MonitoringStack : IAsyncDisposable
{
    private readonly List<ChildProcess> _processes = [];
    private FakeDcgmExporter? _dcgm;
    private readonly string _work;

    private MonitoringStack(SimulatorHost sim, string work)
    {
        Sim = sim;
        _work = work;
    }

    public SimulatorHost Sim { get; }

    public HttpClient Prometheus { get; private set; } = null!;

    public HttpClient Alertmanager { get; private set; } = null!;

    public HttpClient Collector { get; private set; } = null!;

    /// <summary>The instances from this index on serve video (pool=video); the others images (pool=sdxl).</summary>
    public int FirstVideo { get; private set; }

    /// <summary>
    /// Starts the stack on a simulated fleet whose users' prompts (txt2img) run for seconds: 1.5 s per model node. The last
    /// <paramref name="video"/> instances form the video pool: its stall window (40 s), backlog threshold (3 min) and
    /// canary queue wait (5 s) come from ComfyUI:Pools:video, and the last of them says its stall window with the
    /// comfymonitor_stall_after target label as well.
    /// </summary>
    public static async Task<MonitoringStack> StartAsync(int instances, int video = 0)
    {
        var sim = await SimulatorHost.StartAsync(instances, new Dictionary<string, string?>
        {
            ["Simulator:SlowDelay"] = "00:00:01.200",
            ["Simulator:NodeTime"] = "00:00:01.500",
        });
        var stack = new MonitoringStack(sim, Directory.CreateTempSubdirectory("comfymonitor-e2e-").FullName) { FirstVideo = instances - video };
        try
        {
            await stack.StartServicesAsync(instances);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    public string Failures() => string.Join("\n---\n", _processes.Select(p => p.Tail(15)));

    /// <summary>Every alert Alertmanager holds now, as (alertname, comfyui_instance or "").</summary>
    public async Task<HashSet<(string Alert, string Instance)>> AlertsAsync()
    {
        var alerts = await Alertmanager.GetFromJsonAsync<JsonArray>("api/v2/alerts") ?? [];
        return alerts.Select(a => ((string)a!["labels"]!["alertname"]!, (string?)a["labels"]!["comfyui_instance"] ?? "")).ToHashSet();
    }

    /// <summary>
    /// Every alert Alertmanager holds now, by (alertname, comfyui_instance or ""), with its state ("active" or
    /// "suppressed") and how many alerts inhibit it; of several with the same key (severities), an active one wins.
    /// </summary>
    public async Task<Dictionary<(string Alert, string Instance), (string State, int InhibitedBy)>> AlertStatesAsync()
    {
        var alerts = await Alertmanager.GetFromJsonAsync<JsonArray>("api/v2/alerts") ?? [];
        return alerts.Select(a => (Key: ((string)a!["labels"]!["alertname"]!, (string?)a["labels"]!["comfyui_instance"] ?? ""),
                State: (string)a["status"]!["state"]!, InhibitedBy: a["status"]!["inhibitedBy"]?.AsArray().Count ?? 0))
            .GroupBy(a => a.Key)
            .ToDictionary(g => g.Key, g => g.OrderBy(a => a.State == "active" ? 0 : 1).Select(a => (a.State, a.InhibitedBy)).First());
    }

    /// <summary>The job whose targets come from the collector's /api/ready (http_sd).</summary>
    public const string ReadyJob = "comfyui-ready";

    /// <summary>The comfyui_instance of each target Prometheus discovered through the collector's /api/ready.</summary>
    public async Task<HashSet<string>> ReadyTargetsAsync()
    {
        var targets = await Prometheus.GetFromJsonAsync<JsonObject>("api/v1/targets?state=dropped");
        return (targets!["data"]!["droppedTargets"]?.AsArray() ?? [])
            .Where(t => (string?)t!["discoveredLabels"]!["job"] == ReadyJob)
            .Select(t => (string)t!["discoveredLabels"]!["comfyui_instance"]!)
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>A range query from <paramref name="start"/> to now, as Grafana runs a panel's or an annotation's query.</summary>
    public async Task<JsonArray> QueryRangeAsync(string expr, DateTimeOffset start)
    {
        var response = await Prometheus.GetFromJsonAsync<JsonObject>(string.Create(CultureInfo.InvariantCulture,
            $"api/v1/query_range?query={Uri.EscapeDataString(expr)}&start={start.ToUnixTimeSeconds()}&end={DateTimeOffset.UtcNow.ToUnixTimeSeconds()}&step=5"));
        if ((string?)response!["status"] != "success")
        {
            throw new InvalidOperationException($"query failed: {response}");
        }

        return response["data"]!["result"]!.AsArray();
    }

    public async Task<JsonArray> QueryAsync(string expr)
    {
        var response = await Prometheus.GetFromJsonAsync<JsonObject>("api/v1/query?query=" + Uri.EscapeDataString(expr));
        if ((string?)response!["status"] != "success")
        {
            throw new InvalidOperationException($"query failed: {response}");
        }

        return response["data"]!["result"]!.AsArray();
    }

    /// <summary>Runs <paramref name="check"/> after each of the next <paramref name="rounds"/> evaluations of every rule group.</summary>
    public async Task HoldsForEvaluationsAsync(int rounds, Func<Task> check)
    {
        async Task<double> IterationsAsync() => PrometheusText.Parse(await Prometheus.GetStringAsync("metrics"))
            .Named("prometheus_rule_group_iterations_total").Select(s => s.Value).DefaultIfEmpty(0).Min();
        var start = await IterationsAsync();
        var deadline = DateTime.UtcNow.AddSeconds(120);
        for (var done = 0.0; done < rounds; done = await IterationsAsync() - start)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {done} of {rounds} rule evaluations in 120 s");
            await check();
            await Task.Delay(250);
        }

        await check();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        if (_dcgm is not null)
        {
            await _dcgm.DisposeAsync();
        }

        await Sim.DisposeAsync();
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// The shipped rules with time compressed for a test that runs in minutes instead of days: every range window
    /// becomes 15 s, every for: 3 s, an hour of offset 15 s (so that the hourly floors of the leak alerts compare
    /// 15-second floors). The stall and backlog thresholds are the instances' own series (Collector:StallAfter and
    /// Collector:BacklogAfter here, 40 s and 3 min for the video pool). The canary step threshold
    /// stays 10 s: a loaded test machine makes steps of a second common, so ComfyUICanarySlow's recall and precision
    /// are the promtool tests'.
    /// </summary>
    public static string Compress(string rules)
    {
        if (!rules.Contains("alert: ComfyUISamplingSlow", StringComparison.Ordinal))
        {
            return Compressed(rules);
        }

        return Required(Compressed(Required(Required(rules, CrashLoopWindow, CrashLoopMarker), SamplingBaseline, SamplingBaselineMarker)), SamplingFor, SamplingFor.Replace("for: 3s", "for: 20s", StringComparison.Ordinal));
    }

    // ComfyUICrashLooping counts 3 restarts in 30 minutes, 30 probe intervals of a minute. An instance nobody but the probe
    // uses shows each restart with the probe's next canary: here a restart every few seconds (a probe interval of 3 s),
    // so its window is 20 of those intervals, 60 s, where 15 s would hold fewer than 3 of them.
    private const string CrashLoopWindow = "increase(comfyui_restarts_total[30m])";
    private const string CrashLoopMarker = "increase(comfyui_restarts_total{CRASH_LOOP_WINDOW})";

    private static string Compressed(string rules) =>
        Offset().Replace(
                RangeWindow().Replace(ForClause().Replace(rules, "for: 3s"), "[15s]"),
                m => $"offset {int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * 15}s")
            .Replace(SamplingBaselineMarker, "comfyui_canary_sampling_steps_per_second[10m]", StringComparison.Ordinal)
            .Replace(CrashLoopMarker, "increase(comfyui_restarts_total[60s])", StringComparison.Ordinal)
            .Replace("interval: 30s", "interval: 1s", StringComparison.Ordinal)
            .Replace("* 900 >= 5", "* 15 >= 5", StringComparison.Ordinal);

    // ComfyUISamplingSlow compares the speed with its median of 3 days: compressed to 15 s, that median would follow the
    // slow readings within seconds. Ten minutes keep the healthy phase's readings, as 3 days keep a healthy history.
    private const string SamplingBaseline = "comfyui_canary_sampling_steps_per_second[3d]";
    private const string SamplingBaselineMarker = "comfyui_canary_sampling_steps_per_second{SAMPLING_BASELINE}";

    // Its for: stays several of the sampler canary's runs (20 s, a run every 3 s): one run that a loaded test machine slows
    // down is what the 30 minutes absorb; 3 s would not.
    private const string SamplingFor = "comfyui_device_vram_total_bytes[15s]))) > 1\n        for: 3s";

    /// <summary>Replaces <paramref name="old"/>, which must be there (a changed rule would otherwise go uncompressed unnoticed).</summary>
    private static string Required(string text, string old, string replacement) =>
        text.Contains(old, StringComparison.Ordinal) ? text.Replace(old, replacement, StringComparison.Ordinal)
            : throw new InvalidOperationException($"the rules no longer contain '{old}': update MonitoringStack.Compress");

    private async Task StartServicesAsync(int instances)
    {
        var prometheusPort = FreePorts.One();
        var alertmanagerPort = FreePorts.One();
        var targets = Enumerable.Range(0, instances).SelectMany(i => new[]
        {
            KeyValuePair.Create($"ComfyUI__Instances__{i}__Url", Sim.Url(i).ToString()),
            KeyValuePair.Create($"ComfyUI__Instances__{i}__Name", $"sim-{i}"),
            KeyValuePair.Create($"ComfyUI__Instances__{i}__Labels__pool", i < FirstVideo ? "sdxl" : "video"),
            KeyValuePair.Create($"ComfyUI__Instances__{i}__Labels__hostname", $"gpu-node-{i}"),
        }).ToDictionary();
        if (FirstVideo < instances)
        {
            // What is normal for the video pool (its jobs run ~20 s here, with prompts pending behind them), for both services.
            targets["ComfyUI__Pools__video__StallAfter"] = "40s";
            targets["ComfyUI__Pools__video__BacklogAfter"] = "3m";
            targets["ComfyUI__Pools__video__MaxQueueWait"] = "5s";
            targets[$"ComfyUI__Instances__{instances - 1}__Labels__comfymonitor_stall_after"] = "00:00:40";
        }

        var collector = ChildProcess.StartService("ComfyMonitor.Collector", new Dictionary<string, string>(targets)
        {
            ["Collector__Interval"] = "00:00:02",
            ["Collector__Timeout"] = "00:00:01.900",
            ["Collector__StallAfter"] = "00:00:20", // longer than the users' image jobs of the simulated fleet
            ["Collector__BacklogAfter"] = "00:01:00",
            ["Collector__ExtensionsInterval"] = "00:00:02",
            ["Collector__ModelsInterval"] = "00:00:02",
            ["Collector__ModelDriftGroupLabel"] = "pool",
            ["Collector__OutputChecks__Every"] = "1",
        });
        _processes.Add(collector);
        var probe = ChildProcess.StartService("ComfyMonitor.Probe", new Dictionary<string, string>(targets)
        {
            ["Probe__Interval"] = "00:00:03",
            ["Probe__Timeout"] = "00:00:08",
            ["Probe__MaxQueueWait"] = "00:00:30",
            ["Probe__StallAfter"] = "00:00:20",
            // The sampler canary (a checkpoint every simulated instance has), every 3 s; 20 steps of 128×128 take 0.4 s here.
            ["Probe__Canaries__Sampler__Checkpoint"] = "not-on-any-instance.safetensors,v1-5-pruned-emaonly-fp16.safetensors",
            ["Probe__Canaries__Sampler__Interval"] = "00:00:03",
            ["Probe__Canaries__Sampler__Timeout"] = "00:00:30", // its first run loads the model: ~8 s of simulated nodes here
            ["Probe__Canaries__Sampler__Steps"] = "20",
            ["Probe__Canaries__Sampler__Width"] = "128",
            ["Probe__Canaries__Sampler__Height"] = "128",
            ["Probe__RequestTimeout"] = "00:00:02",
        });
        _processes.Add(probe);
        var (collectorPort, probePort) = ((await collector.WaitListeningAsync()).Port, (await probe.WaitListeningAsync()).Port);
        _dcgm = await FakeDcgmExporter.StartAsync();
        var dcgmPort = _dcgm.Port;

        // The shipped prometheus.yml as it is, with this stack's targets, 1 s intervals and the rules time-compressed.
        var prometheus = Path.Combine(_work, "prometheus");
        var config = ComfyMonitor.AppHost.PrometheusConfig.Write(Repository.Dashboards, prometheus, new Dictionary<string, IReadOnlyList<string>>
        {
            [ComfyMonitor.AppHost.PrometheusConfig.CollectorJob] = [$"127.0.0.1:{collectorPort}"],
            [ComfyMonitor.AppHost.PrometheusConfig.ProbeJob] = [$"127.0.0.1:{probePort}"],
            [ComfyMonitor.AppHost.PrometheusConfig.DcgmJob] = [$"127.0.0.1:{dcgmPort}"],
            [ComfyMonitor.AppHost.PrometheusConfig.Alertmanagers] = [$"127.0.0.1:{alertmanagerPort}"],
        }, interval: "1s", runbookBase: "https://runbooks.example/comfymonitor", rules: Compress);

        // The collector's readiness as a gateway or Prometheus reads it (http_sd); discovered only, never scraped: the
        // targets are ComfyUI servers, so every one is dropped, and Prometheus lists it with its discovered labels.
        File.AppendAllText(config, $"""
              - job_name: {ReadyJob}
                http_sd_configs:
                  - url: http://127.0.0.1:{collectorPort}/api/ready
                    refresh_interval: 1s
                relabel_configs:
                  - action: drop
                    source_labels: [__address__]
                    regex: .+

            """);
        _processes.Add(ChildProcess.Start("prometheus",
        [
            $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(prometheus, "data")}",
            $"--web.listen-address=127.0.0.1:{prometheusPort}", "--log.level=warn",
        ], workingDirectory: prometheus));
        _processes.Add(ChildProcess.Start("prometheus-alertmanager",
        [
            $"--config.file={Path.Combine(Repository.Dashboards, "alertmanager", "alertmanager.yml")}", $"--storage.path={Path.Combine(_work, "alertmanager")}",
            $"--web.listen-address=127.0.0.1:{alertmanagerPort}", "--cluster.listen-address=", "--log.level=warn",
        ]));

        Prometheus = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{prometheusPort}/") };
        Alertmanager = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{alertmanagerPort}/") };
        Collector = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{collectorPort}/") };
        await WaitAsync(Prometheus, "-/ready");
        await WaitAsync(Alertmanager, "-/ready");
        await WaitAsync(Collector, "metrics");
        await WaitAsync(new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{probePort}/") }, "metrics");
    }

    private Task WaitAsync(HttpClient http, string path) => ChildProcess.WaitForHttpAsync(http, path, Failures);

    [GeneratedRegex(@"for: \d+[smhd]")]
    private static partial Regex ForClause();

    [GeneratedRegex(@"\[\d+[smhd]\]")]
    private static partial Regex RangeWindow();

    [GeneratedRegex(@"offset (\d+)h")]
    private static partial Regex Offset();
}
