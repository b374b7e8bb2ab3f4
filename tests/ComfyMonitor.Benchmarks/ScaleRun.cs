using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

using ComfyMonitor.Testing;

namespace ComfyMonitor.Benchmarks;

/// <summary>
/// `scale`: a simulated fleet and the collector as separate Release processes; after one interval of
/// warm-up, measures over the duration what one instance-cycle costs the collector.
/// </summary>
internal sealed class ScaleRun(int instances, TimeSpan duration, TimeSpan interval, double workload, int history, string? jsonPath, int outputChecks = 0)
{
    // The benchmarks' fixed ports, above the tests' (10000-18000, tests/Shared/FreePorts.cs) and below the Linux ephemeral
    // range (32768-60999), where outgoing connections and their TIME_WAIT would hold some: a fleet of up to 13,767 instances.
    internal const int BlackboxPort = 18115;
    internal const int PrometheusPort = 18190;
    internal const int CollectorPort = 18464;
    internal const int ProbePort = 18465;
    internal const int ControlPort = 18900;
    internal const int BasePort = 19000;

    // A simulator process holds two descriptors per instance (its listener and the collector's connection): under the
    // machine's limit of 20,000 open files per process, the fleet is split over processes of at most 4,000 instances.
    internal const int InstancesPerSimulator = 4000;

    public async Task<int> RunAsync()
    {
        var root = RepositoryRoot();
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd('/'))!)!;
        var simulatorDll = Path.Combine(root, "src/ComfyMonitor.Simulator/bin", configuration, "net10.0/ComfyMonitor.Simulator.dll");
        var collectorDll = Path.Combine(root, "src/ComfyMonitor.Collector/bin", configuration, "net10.0/ComfyMonitor.Collector.dll");
        var work = Directory.CreateTempSubdirectory("comfymonitor-bench-").FullName;
        var targets = Path.Combine(work, "targets.json");
        await File.WriteAllTextAsync(targets, new JsonArray(new JsonObject
        {
            ["targets"] = new JsonArray(Enumerable.Range(0, instances).Select(i => (JsonNode)$"127.0.0.1:{BasePort + i}").ToArray()),
        }).ToJsonString());

        EnsureInstalled(("prometheus-blackbox-exporter", "prometheus-blackbox-exporter"), ("wrk", "wrk"), ("prometheus", "prometheus"));
        try
        {
            return await MeasureAsync(simulatorDll, collectorDll, configuration, targets, work);
        }
        finally
        {
            OwnedProcesses.StopAll();
            Directory.Delete(work, recursive: true);
        }
    }

    private async Task<int> MeasureAsync(string simulatorDll, string collectorDll, string configuration, string targets, string work)
    {
        Console.WriteLine($"scale: {instances} instances, interval {interval.TotalSeconds:0.#} s, duration {duration.TotalSeconds:0} s, build {configuration}, {Environment.ProcessorCount} cores");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await StartFleetAsync(http, simulatorDll, instances, $"--workload {workload.ToString(CultureInfo.InvariantCulture)} --history-fill {history}");

        var collector = Start(collectorDll, $"--urls http://127.0.0.1:{CollectorPort}", new()
        {
            ["ComfyUI__Discovery__Files__0"] = targets,
            ["Collector__Interval"] = interval.ToString("c", CultureInfo.InvariantCulture),
            ["Collector__Timeout"] = TimeSpan.FromSeconds(Math.Min(5, interval.TotalSeconds / 2)).ToString("c", CultureInfo.InvariantCulture),
            ["Logging__LogLevel__Default"] = "Warning",
            ["Collector__MaxInstances"] = Math.Max(instances, 5000).ToString(CultureInfo.InvariantCulture),
            ["Collector__OutputChecks__Every"] = outputChecks.ToString(CultureInfo.InvariantCulture),
            // The deployment setting docs/performance.md recommends for large fleets: a smaller gen0 budget.
            ["DOTNET_GCgen0size"] = "0x800000",
        });
        var metricsUrl = $"http://127.0.0.1:{CollectorPort}/metrics";
        await WaitAsync(http, metricsUrl, TimeSpan.FromSeconds(60));

        // The bill users pay: a real Prometheus scrapes the collector every 15 s during the run, as theirs would.
        var prometheus = await StartPrometheusAsync(http, work);
        var startup = await WarmUpAsync(http, metricsUrl);
        var before = PrometheusText.Parse(await http.GetStringAsync(metricsUrl));
        var cpu0 = ProcessStats.CpuSeconds(collector.Id);
        var read0 = before.Sum("comfymonitor_response_bytes_total");
        var (checks0, checkBytes0) = (before.Sum("comfyui_outputs_checked_total"), before.Sum("comfymonitor_output_check_bytes_total"));
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"measuring for {duration.TotalSeconds:0} s ...");
        await Task.Delay(duration);
        var after = PrometheusText.Parse(await http.GetStringAsync(metricsUrl));
        var cpu = ProcessStats.CpuSeconds(collector.Id) - cpu0;
        var elapsed = clock.Elapsed.TotalSeconds;
        var rss = ProcessStats.RssBytes(collector.Id);

        var cycles = Histogram.Of(after, "comfyui_scrape_duration_seconds").Count - Histogram.Of(before, "comfyui_scrape_duration_seconds").Count;
        var instanceCycles = after.Sum("comfyui_scrape_duration_seconds_count", ("endpoint", "system_stats")) - before.Sum("comfyui_scrape_duration_seconds_count", ("endpoint", "system_stats"));
        var lag = Histogram.Of(after, "comfymonitor_scrape_lag_seconds").Minus(Histogram.Of(before, "comfymonitor_scrape_lag_seconds"));
        var up = after.Sum("comfyui_up");
        var read = after.Sum("comfymonitor_response_bytes_total") - read0;

        var renders = new List<double>();
        var size = 0;
        for (var i = 0; i < 5; i++)
        {
            var watch = Stopwatch.StartNew();
            size = (await http.GetByteArrayAsync(metricsUrl)).Length;
            renders.Add(watch.Elapsed.TotalSeconds);
        }

        (long Rss, double? Series, double? ScrapeSeconds)? prometheusCost = prometheus is null ? null : await PrometheusCostAsync(http, prometheus);
        Stop(collector);
        var (blackboxCpuPerProbe, blackboxProbes) = await BlackboxAsync(http, Math.Min(duration.TotalSeconds, 30));
        var wrk = Wrk($"http://127.0.0.1:{BasePort}/system_stats");
        double? cpuPerCycle = instanceCycles > 0 ? cpu / instanceCycles : null;

        var result = Header(instances, interval, elapsed);
        result.Add("instances_up", up);
        foreach (var (key, value) in new JsonObject
        {
            ["startup_seconds"] = Math.Round(startup, 1),
            ["instance_cycles"] = instanceCycles,
            ["requests"] = cycles,
            ["expected_instance_cycles"] = Math.Round(instances * elapsed / interval.TotalSeconds),
            ["cpu_seconds_per_instance_cycle"] = cpuPerCycle,
            ["requests_per_cpu_second"] = cpu > 0 ? Math.Round(cycles / cpu) : null,
            ["collector_cpu_cores"] = cpu / elapsed,
            ["lag_p50_seconds"] = Finite(lag.Quantile(0.5)),
            ["lag_p99_seconds"] = Finite(lag.Quantile(0.99)),
            ["bytes_per_instance_cycle"] = instanceCycles > 0 ? Math.Round(read / instanceCycles) : null,
            ["rss_bytes"] = rss,
            ["rss_bytes_per_instance"] = rss / instances,
            ["metrics_render_seconds"] = renders.Order().ElementAt(renders.Count / 2),
            ["metrics_size_bytes"] = size,
            ["series_per_instance"] = Math.Round((double)after.Samples.Count(s => s.Labels.ContainsKey("comfyui_instance")) / instances, 1),
            ["exposition_bytes_per_instance"] = Math.Round((double)size / instances),
            ["prometheus_rss_bytes"] = prometheusCost?.Rss,
            ["prometheus_head_series"] = prometheusCost?.Series,
            ["prometheus_scrape_seconds"] = prometheusCost?.ScrapeSeconds,
            ["history_entries_per_instance"] = history,
            ["output_checks_every"] = outputChecks,
            ["output_checks"] = after.Sum("comfyui_outputs_checked_total") - checks0,
            ["output_check_bytes"] = after.Sum("comfymonitor_output_check_bytes_total") - checkBytes0,
            ["blackbox_probes"] = blackboxProbes,
            ["blackbox_cpu_seconds_per_probe"] = blackboxCpuPerProbe,
            ["blackbox_cpu_ratio"] = Finite(cpuPerCycle / blackboxCpuPerProbe ?? double.NaN) is { } ratio ? Math.Round(ratio, 3) : null,
            ["wrk_requests_per_second_one_instance"] = wrk,
        })
        {
            result.Add(key, value?.DeepClone());
        }

        Print(result);
        if (jsonPath is not null)
        {
            await File.WriteAllTextAsync(jsonPath, result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine($"wrote {jsonPath}");
        }

        return 0;
    }

    /// <summary>
    /// Until the collector is in its steady state: one interval, then interval after interval until none of its cycles
    /// started more than a second late (at most five minutes). The first cycle of every instance also reads its extensions
    /// and model folders and its history, so a freshly started collector of a large fleet catches up for a while first
    /// (about a minute at 10,000 instances): returned as the start-up time, measured from the first /metrics answer.
    /// </summary>
    private async Task<double> WarmUpAsync(HttpClient http, string metricsUrl)
    {
        Console.WriteLine($"warming up: one interval ({interval.TotalSeconds:0.#} s), then until an interval has no cycle more than 1 s late ...");
        var clock = Stopwatch.StartNew();
        await Task.Delay(interval + TimeSpan.FromSeconds(2));
        var previous = Histogram.Of(PrometheusText.Parse(await http.GetStringAsync(metricsUrl)), "comfymonitor_scrape_lag_seconds");
        while (clock.Elapsed < TimeSpan.FromMinutes(5))
        {
            await Task.Delay(interval);
            var now = Histogram.Of(PrometheusText.Parse(await http.GetStringAsync(metricsUrl)), "comfymonitor_scrape_lag_seconds");
            var last = now.Minus(previous);
            var late = last.Count - last.Buckets.GetValueOrDefault(1.0);
            if (last.Count > 0 && late == 0)
            {
                break;
            }

            Console.WriteLine($"  {clock.Elapsed.TotalSeconds:0} s: {late} of {last.Count} cycles of the last interval started more than 1 s late");
            previous = now;
        }

        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// The simulated fleet: instances on consecutive ports from <see cref="BasePort"/>, in processes of at most
    /// <see cref="InstancesPerSimulator"/>, each with <paramref name="options"/>; returns once every instance answers.
    /// </summary>
    internal static async Task StartFleetAsync(HttpClient http, string simulatorDll, int instances, string options)
    {
        for (var first = 0; first < instances; first += InstancesPerSimulator)
        {
            var count = Math.Min(InstancesPerSimulator, instances - first);
            Start(simulatorDll, $"--instances {count} --base-port {BasePort + first} --control-port {ControlPort + (first / InstancesPerSimulator)} {options}".TrimEnd(), []);
        }

        for (var first = 0; first < instances; first += InstancesPerSimulator)
        {
            await WaitAsync(http, $"http://127.0.0.1:{BasePort + Math.Min(instances, first + InstancesPerSimulator) - 1}/prompt", TimeSpan.FromSeconds(180));
        }
    }

    /// <summary>The first fields of a benchmark's JSON: when, where, how big and how long.</summary>
    internal static JsonObject Header(int instances, TimeSpan interval, double elapsedSeconds) => new()
    {
        ["date"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["machine"] = $"{Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30)} GiB",
        ["instances"] = instances,
        ["interval_seconds"] = interval.TotalSeconds,
        ["duration_seconds"] = Math.Round(elapsedSeconds, 1),
    };

    /// <summary>A figure for the JSON: null where it could not be measured (JSON has no NaN or infinity).</summary>
    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private static void Print(JsonObject result)
    {
        var table = new StringBuilder();
        foreach (var (key, value) in result)
        {
            table.AppendLine(CultureInfo.InvariantCulture, $"  {key,-34} {Format(value)}");
        }

        Console.WriteLine(table);
        var n = (int)result["instances"]!;
        Console.WriteLine($"targets ({n} instances at {result["interval_seconds"]} s on {Environment.ProcessorCount} cores; docs/performance.md):");
        var rssLimit = n > 5000 ? 1e9 : 600e6;
        var ratioLimit = n >= 1000 ? 0.6 : 1.0;
        Target("p99 lag < 1 s", (double?)result["lag_p99_seconds"], v => v < 1, "s");
        Target("average collector CPU < 1 core", (double)result["collector_cpu_cores"]!, v => v < 1, "cores");
        Target($"RSS < {rssLimit / 1e6:0} MB", (long)result["rss_bytes"]! / 1e6, v => v < rssLimit / 1e6, "MB");
        Target($"CPU/instance-cycle <= {ratioLimit} x blackbox CPU/probe", (double?)result["blackbox_cpu_ratio"], v => v <= ratioLimit, "");
        Target("series per instance <= 50", (double)result["series_per_instance"]!, v => v <= 50, "");
        Target("exposition per instance <= 4 KB", (double)result["exposition_bytes_per_instance"]!, v => v <= 4096, "B");
        Target("bytes/instance-cycle <= 16 KB", (double?)result["bytes_per_instance_cycle"], v => v <= 16 * 1024, $"B, history of {result["history_entries_per_instance"]} entries");
        var render = (double)result["metrics_render_seconds"]!;
        Target(n <= 1000 ? "/metrics render < 150 ms" : "/metrics render < 1 s", render * 1000, v => v < (n <= 1000 ? 150 : 1000), "ms");
    }

    private static void Target(string what, double? value, Func<double, bool> met, string unit)
    {
        var verdict = value is not { } v ? "n/a" : met(v) ? "pass" : "FAIL";
        Console.WriteLine($"  {what,-46} {verdict} ({(value is { } x ? Format(JsonValue.Create(x)) : "n/a")}{(unit.Length > 0 ? " " + unit : "")})");
    }

    private static string Format(JsonNode? value) => value switch
    {
        JsonValue v when v.TryGetValue<double>(out var d) => d.ToString(Math.Abs(d) < 0.01 && d != 0 ? "0.######" : "0.###", CultureInfo.InvariantCulture),
        null => "n/a",
        _ => value.ToString(),
    };

    /// <summary>
    /// The reference: prometheus-blackbox-exporter probing /system_stats of the same instances at the same rate
    /// (one probe per instance per interval), driven as Prometheus would drive it. CPU seconds per probe.
    /// </summary>
    private async Task<(double? CpuPerProbe, long Probes)> BlackboxAsync(HttpClient http, double seconds)
    {
        if (!OnPath("prometheus-blackbox-exporter"))
        {
            Console.WriteLine("prometheus-blackbox-exporter is not installed (apt-get install prometheus-blackbox-exporter): no reference figure");
            return (null, 0);
        }

        var config = Path.Combine(Path.GetTempPath(), $"comfymonitor-blackbox-{Environment.ProcessId}.yml");
        await File.WriteAllTextAsync(config, "modules:\n  http_2xx:\n    prober: http\n    timeout: 5s\n    http:\n      preferred_ip_protocol: ip4\n");
        var blackbox = StartExecutable("prometheus-blackbox-exporter", $"--config.file={config} --web.listen-address=127.0.0.1:{BlackboxPort}");
        await WaitAsync(http, $"http://127.0.0.1:{BlackboxPort}/metrics", TimeSpan.FromSeconds(30));
        Console.WriteLine($"reference: blackbox_exporter probing {instances} instances every {interval.TotalSeconds:0.#} s for {seconds:0} s ...");
        var cpu0 = ProcessStats.CpuSeconds(blackbox.Id);
        long probes = 0;
        var clock = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(64);
        var tasks = new List<Task>();
        var perSecond = instances / interval.TotalSeconds;
        var next = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            var due = (int)(clock.Elapsed.TotalSeconds * perSecond);
            for (; next < due; next++)
            {
                var port = BasePort + (next % instances);
                await gate.WaitAsync();
                tasks.Add(Task.Run(async () =>
                {
                    try
                    {
                        using var response = await http.GetAsync($"http://127.0.0.1:{BlackboxPort}/probe?module=http_2xx&target=http://127.0.0.1:{port}/system_stats");
                        Interlocked.Increment(ref probes);
                    }
                    finally
                    {
                        gate.Release();
                    }
                }));
            }

            await Task.Delay(20);
        }

        await Task.WhenAll(tasks);
        var cpu = ProcessStats.CpuSeconds(blackbox.Id) - cpu0;
        Stop(blackbox);
        File.Delete(config);
        return (probes > 0 ? cpu / probes : null, probes);
    }

    /// <summary>The Prometheus binary (Debian's prometheus) scraping the collector every 15 s, or null when it is not installed.</summary>
    private static async Task<Process?> StartPrometheusAsync(HttpClient http, string work)
    {
        if (!OnPath("prometheus"))
        {
            Console.WriteLine("prometheus is not installed (apt-get install prometheus): no Prometheus-side figures");
            return null;
        }

        var config = Path.Combine(work, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"global:\n  scrape_interval: 15s\n  scrape_timeout: 10s\nscrape_configs:\n  - job_name: collector\n    static_configs: [{{targets: [\"127.0.0.1:{CollectorPort}\"]}}]\n");
        var prometheus = StartExecutable("prometheus",
            $"--config.file={config} --storage.tsdb.path={Path.Combine(work, "prometheus-data")} --web.listen-address=127.0.0.1:{PrometheusPort} --log.level=warn");
        await WaitAsync(http, $"http://127.0.0.1:{PrometheusPort}/-/ready", TimeSpan.FromSeconds(60));
        return prometheus;
    }

    /// <summary>What scraping the collector costs Prometheus: its resident memory, its head series and the last scrape's duration.</summary>
    private static async Task<(long Rss, double? Series, double? ScrapeSeconds)> PrometheusCostAsync(HttpClient http, Process prometheus)
    {
        async Task<double?> QueryAsync(string expr)
        {
            var body = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{PrometheusPort}/api/v1/query?query={Uri.EscapeDataString(expr)}"));
            return body?["data"]?["result"]?.AsArray().FirstOrDefault()?["value"]?[1]?.GetValue<string>() is { } v
                ? double.Parse(v, CultureInfo.InvariantCulture) : null;
        }

        var tsdb = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{PrometheusPort}/api/v1/status/tsdb"));
        var series = tsdb?["data"]?["headStats"]?["numSeries"]?.GetValue<double>();
        var cost = (ProcessStats.RssBytes(prometheus.Id), series, await QueryAsync("scrape_duration_seconds{job=\"collector\"}"));
        Stop(prometheus);
        return cost;
    }

    /// <summary>The loopback floor: requests per second wrk gets from one simulated instance.</summary>
    private static double? Wrk(string url)
    {
        if (!OnPath("wrk"))
        {
            Console.WriteLine("wrk is not installed (apt-get install wrk): no loopback floor");
            return null;
        }

        var wrk = OwnedProcesses.Add(Process.Start(new ProcessStartInfo("wrk", $"-t2 -c16 -d10s {url}") { RedirectStandardOutput = true })!);
        var output = wrk.StandardOutput.ReadToEnd();
        wrk.WaitForExit();
        OwnedProcesses.Stop(wrk);
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("Requests/sec:", StringComparison.Ordinal));
        return line is null ? null : Math.Round(double.Parse(line["Requests/sec:".Length..].Trim(), CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Installs the reference tools with apt-get when they are missing, as ./test.sh does for the tests. Waits up to
    /// two minutes for an apt lock held by someone else; whatever goes wrong is one line, and the figures it would
    /// have given are "n/a".
    /// </summary>
    private static void EnsureInstalled(params (string Command, string Package)[] tools)
    {
        var missing = tools.Where(t => !OnPath(t.Command)).Select(t => t.Package).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        if (!OnPath("apt-get"))
        {
            Console.WriteLine($"{string.Join(", ", missing)} missing and no apt-get to install them: their reference figures will be n/a");
            return;
        }

        Console.WriteLine($"installing {string.Join(" ", missing)} ...");
        var sudo = Environment.UserName == "root" ? "" : "sudo -n ";
        const string Wait = "-o DPkg::Lock::Timeout=120";
        foreach (var command in new[] { $"{sudo}apt-get {Wait} update -qq", $"DEBIAN_FRONTEND=noninteractive {sudo}apt-get {Wait} install -y -qq --no-install-recommends {string.Join(" ", missing)}" })
        {
            var process = OwnedProcesses.Add(Process.Start(new ProcessStartInfo("/bin/sh", ["-c", command]) { RedirectStandardOutput = true, RedirectStandardError = true })!);
            var errors = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            var finished = process.WaitForExit(TimeSpan.FromMinutes(5));
            var exitCode = finished ? process.ExitCode : -1;
            OwnedProcesses.Stop(process);
            if (exitCode != 0)
            {
                var why = finished ? errors.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? $"exit code {exitCode}" : "no answer in 5 minutes";
                Console.WriteLine($"could not install {string.Join(" ", missing)} ({why.Trim()}): their reference figures will be n/a");
                return;
            }
        }
    }

    private static bool OnPath(string executable) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, executable)));

    private static Process StartExecutable(string file, string arguments)
    {
        var process = OwnedProcesses.Add(Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    internal static Process Start(string dll, string arguments, Dictionary<string, string> environment, Action<string>? onLine = null)
    {
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is missing: run the benchmark with `dotnet run -c Release --project tests/ComfyMonitor.Benchmarks`");
        }

        var info = new ProcessStartInfo("dotnet", $"\"{dll}\" {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        foreach (var (k, v) in environment)
        {
            info.Environment[k] = v;
        }

        var process = OwnedProcesses.Add(Process.Start(info)!);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                onLine?.Invoke(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (!string.IsNullOrEmpty(e.Data))
            {
                onLine?.Invoke(e.Data);
                Console.Error.WriteLine($"[{Path.GetFileNameWithoutExtension(dll)}] {e.Data}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    internal static void Stop(Process process) => OwnedProcesses.Stop(process);

    internal static async Task WaitAsync(HttpClient http, string url, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(url);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{url} did not answer within {timeout}");
            }

            await Task.Delay(250);
        }
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Monitor.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Monitor.sln not found above the benchmark");
    }
}
