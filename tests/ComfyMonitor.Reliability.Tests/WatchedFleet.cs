using System.Globalization;
using System.Net.Http.Json;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Reliability.Tests;

[CollectionDefinition(Name)]
public sealed class WatchedFleetCollection : ICollectionFixture<WatchedFleet>
{
    public const string Name = "watched fleet";
}

/// <summary>
/// One collector and one probe (their built dlls, as separate processes, logging everything to files) watching
/// at once: healthy simulated instances, simulated instances the tests restart and clear, a fault server's ports
/// (each switchable to a fault), a refused port, a name that does not resolve and an https URL to a plain port.
/// </summary>
public sealed class WatchedFleet : IAsyncLifetime
{
    public static readonly TimeSpan CollectorInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(3);

    public const int Healthy = 3;
    public const int RestartIndex = 3;
    public const int HistoryIndex = 4;
    public const int SecretIndex = 5;

    /// <summary>Secrets the configuration and the traffic carry; none may appear in any output.</summary>
    public const string Password = "hunter2-pw-5521";
    public const string HeaderToken = "Bearer header-token-9f8e7d";
    public const string ProbeHeader = "probe-api-key-3c4d";

    /// <summary>Fault-server ports besides one per fault: special content, and the plain port the https URL points at.</summary>
    public static readonly string[] Special = ["queue-10k", "duplicates", "hostile", "tls-target", "huge-always"];

    private readonly List<ChildProcess> _processes = [];
    private string _work = "";

    internal SimulatorHost Sim { get; private set; } = null!;

    internal FaultServer Faults { get; private set; } = null!;

    public HttpClient Collector { get; private set; } = null!;

    public HttpClient Probe { get; private set; } = null!;

    internal ChildProcess CollectorProcess => _processes[0];

    internal ChildProcess ProbeProcess => _processes[1];

    /// <summary>Instance name -> URL as configured (secrets included).</summary>
    public Dictionary<string, string> Instances { get; } = [];

    /// <summary>Fault-server port index of a fault or special name.</summary>
    public int PortOf(string name) => Array.IndexOf(PortNames, name);

    public static string[] PortNames { get; } = [.. FaultServer.Faults.Keys, .. Special];

    public static string HealthyName(int i) => $"healthy-{i}";

    public static string FaultName(string fault) => $"fault-{fault}";

    public async ValueTask InitializeAsync()
    {
        _work = Directory.CreateTempSubdirectory("comfymonitor-reliability-").FullName;
        Sim = await SimulatorHost.StartAsync(6, new Dictionary<string, string?> { ["Simulator:SlowDelay"] = "00:00:01.500" });
        Faults = await FaultServer.StartAsync(PortNames.Length);

        var queue10K = FaultServer.Queue(10_000);
        Faults.Route(PortOf("queue-10k"), context => context.Request.Path.Value == "/queue" ? FaultServer.Write(context, queue10K) : FaultServer.Working(context));
        // The same prompt id twice in the queue, and twice as a key of the history object.
        var duplicateQueue = FaultServer.Queue(3, ["dup-run"], i => i < 2 ? "dup-pending" : "dup-run");
        Faults.Route(PortOf("duplicates"), context => context.Request.Path.Value switch
        {
            "/queue" => FaultServer.Write(context, duplicateQueue),
            "/history" => FaultServer.Write(context, DuplicateHistory(HistoryJson.MaxItems(context))),
            _ => FaultServer.Working(context),
        });
        Faults.Route(PortOf("hostile"), HostileServer.AnswerAsync);
        Faults.Route(PortOf("tls-target"), context => FaultServer.Write(context, "{}"));
        Faults.Route(PortOf("huge-always"), FaultServer.Faults["huge"]);

        for (var i = 0; i < Healthy; i++)
        {
            Instances[HealthyName(i)] = Sim.Url(i).ToString();
        }

        Instances["sim-restart"] = Sim.Url(RestartIndex).ToString();
        Instances["sim-history"] = Sim.Url(HistoryIndex).ToString();
        Instances["sim-secret"] = $"http://admin:{Password}@127.0.0.1:{Sim.BasePort + SecretIndex}/";
        foreach (var fault in FaultServer.Faults.Keys)
        {
            Instances[FaultName(fault)] = Faults.Url(PortOf(fault)).ToString();
        }

        foreach (var special in Special.Where(s => s is not ("tls-target" or "huge-always")))
        {
            Instances[special] = Faults.Url(PortOf(special)).ToString();
        }

        Instances["refused"] = $"http://127.0.0.1:{FreePorts.Closed()}/";
        Instances["unresolvable"] = "http://comfyui-nowhere.invalid:8188/";
        Instances["tls"] = $"https://127.0.0.1:{Faults.Ports[PortOf("tls-target")]}/";

        Dictionary<string, string> Targets(Func<string, bool> watched)
        {
            var targets = new Dictionary<string, string>();
            var n = 0;
            foreach (var (name, url) in Instances.Where(i => watched(i.Key)))
            {
                targets[$"ComfyUI__Instances__{n}__Url"] = url;
                targets[$"ComfyUI__Instances__{n}__Name"] = name;
                if (name == "sim-secret")
                {
                    targets[$"ComfyUI__Instances__{n}__Headers__Authorization"] = HeaderToken;
                    targets[$"ComfyUI__Instances__{n}__Headers__X-Api-Key"] = ProbeHeader;
                }

                n++;
            }

            return targets;
        }

        var logging = new Dictionary<string, string>
        {
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__LogLevel__ComfyMonitor"] = "Debug",
            ["Logging__LogLevel__System.Net.Http.HttpClient"] = "Information",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Information",
        };
        _processes.Add(Service("ComfyMonitor.Collector", new Dictionary<string, string>(Targets(_ => true).Concat(logging))
        {
            ["Collector__Interval"] = CollectorInterval.ToString("c", CultureInfo.InvariantCulture),
            ["Collector__Timeout"] = "00:00:00.800",
            ["Collector__ExtensionsInterval"] = "00:00:02",
            ["Collector__MaxHistoryBatch"] = "4096",
            ["Collector__MaxConcurrency"] = "16",
            // Cycles are counted from the per-instance request histograms.
            ["Collector__PerInstanceHistograms"] = "true",
            // Every user's output is checked (SecretsTests: its file name is shown nowhere).
            ["Collector__OutputChecks__Every"] = "1",
        }));
        // Not sim-history: its completions must be the history test's prompts only, not canaries seen before their deletion.
        _processes.Add(Service("ComfyMonitor.Probe", new Dictionary<string, string>(Targets(name => name != "sim-history").Concat(logging))
        {
            ["Probe__Interval"] = ProbeInterval.ToString("c", CultureInfo.InvariantCulture),
            ["Probe__Timeout"] = "00:00:06",
            ["Probe__MaxQueueWait"] = "00:00:06",
            // A prompt running ahead of a canary longer than this is not healthy work: the canary fails with queue_wait.
            ["Probe__StallAfter"] = "00:00:08",
            ["Probe__RequestTimeout"] = "00:00:01",
        }));
        Collector = new HttpClient { BaseAddress = await CollectorProcess.WaitListeningAsync(), Timeout = TimeSpan.FromSeconds(20) };
        Probe = new HttpClient { BaseAddress = await ProbeProcess.WaitListeningAsync(), Timeout = TimeSpan.FromSeconds(20) };
        await WaitReadyAsync(Collector);
        await WaitReadyAsync(Probe);
    }

    internal async Task<PrometheusText> CollectorMetricsAsync() => PrometheusText.Parse(await Collector.GetStringAsync("metrics"));

    internal async Task<PrometheusText> ProbeMetricsAsync() => PrometheusText.Parse(await Probe.GetStringAsync("metrics"));

    /// <summary>Polls both services' /metrics until <paramref name="condition"/> holds for (collector, probe).</summary>
    internal Task<(PrometheusText Collector, PrometheusText Probe)> WaitAsync(Func<PrometheusText, PrometheusText, bool> condition, TimeSpan timeout, string what) =>
        WaitAsync((c, p) => condition(c, p) ? [] : [what], timeout, what);

    /// <summary>Polls both services' /metrics until <paramref name="problems"/> lists none; the last ones are the failure message.</summary>
    internal async Task<(PrometheusText Collector, PrometheusText Probe)> WaitAsync(Func<PrometheusText, PrometheusText, IEnumerable<string>> problems, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var (c, p) = (await CollectorMetricsAsync(), await ProbeMetricsAsync());
            var left = problems(c, p).ToList();
            if (left.Count == 0)
            {
                return (c, p);
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"never saw {what}:\n{string.Join('\n', left)}\n--- collector\n{CollectorProcess.Tail(6)}\n--- probe\n{ProbeProcess.Tail(6)}");
            }

            await Task.Delay(500);
        }
    }

    /// <summary>What the "duplicates" instance's /history holds, oldest first; keys may repeat.</summary>
    internal List<(string Id, System.Text.Json.Nodes.JsonObject Entry)> Duplicates { get; } = [("dup-h0", HistoryJson.Entry("dup-h0", 1_767_866_000_000))];

    private string DuplicateHistory(int? maxItems)
    {
        lock (Duplicates)
        {
            return HistoryJson.Page(Duplicates, maxItems);
        }
    }

    /// <summary>Collector cycles done for an instance (every cycle asks /system_stats first, whatever it answers).</summary>
    internal static double Cycles(PrometheusText collector, string instance) =>
        collector.Value("comfyui_scrape_duration_seconds_count", instance, ("endpoint", "system_stats")) ?? 0;

    /// <summary>
    /// "Stays true for N cycles": polls until the collector has done <paramref name="cycles"/> more cycles of
    /// <paramref name="instance"/>, asserting <paramref name="condition"/> on every reading.
    /// </summary>
    internal async Task<PrometheusText> HoldsForCyclesAsync(string instance, int cycles, Func<PrometheusText, bool> condition, string what)
    {
        var first = await CollectorMetricsAsync();
        var start = Cycles(first, instance);
        var deadline = DateTime.UtcNow.AddSeconds(90);
        for (var reading = first; ; reading = await CollectorMetricsAsync())
        {
            Assert.True(condition(reading), $"not {what} after {Cycles(reading, instance) - start} of {cycles} cycles of {instance}");
            if (Cycles(reading, instance) - start >= cycles)
            {
                return reading;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{instance} did only {Cycles(reading, instance) - start} of {cycles} cycles in 90 s");
            await Task.Delay(500);
        }
    }

    /// <summary>The healthy instances are still scraped (two more cycles, up) and their canaries pass.</summary>
    internal async Task AssertHealthyFreshAsync()
    {
        var before = await CollectorMetricsAsync();
        await WaitAsync((c, p) => Enumerable.Range(0, Healthy).Select(HealthyName).SelectMany(name => (IEnumerable<string>)
            [
                .. Cycles(c, name) - Cycles(before, name) >= 2 && c.Value("comfyui_up", name) == 1 ? [] : new[] { $"{name}: {Cycles(c, name) - Cycles(before, name)} cycles since, up {c.Value("comfyui_up", name)}" },
                .. new[] { "render", "upload", "mask" }.Where(canary => p.Value("comfyui_canary_success", name, ("canary", canary)) != 1).Select(canary => $"{name}: {canary} canary not passing"),
            ]), TimeSpan.FromSeconds(90), "the healthy instances scraped again and passing their canaries");
    }

    /// <summary>Everything both services wrote to stdout and stderr so far.</summary>
    public string Logs() => string.Join('\n', _processes.Select(p => ReadShared(p.LogFile!)));

    /// <summary>Lines of the logs that show an exception escaping or an error logged.</summary>
    public IReadOnlyList<string> Failures() =>
        Logs().Split('\n').Where(l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal)
            || l.Contains("Unhandled exception", StringComparison.OrdinalIgnoreCase)).ToList();

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        await Faults.DisposeAsync();
        await Sim.DisposeAsync();
        Collector?.Dispose();
        Probe?.Dispose();
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A /proc/PID/status field in bytes (VmRSS, VmHWM).</summary>
    internal static long Memory(ChildProcess process, string field)
    {
        var line = File.ReadLines($"/proc/{process.Id}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd();
    }

    /// <summary>Starts another collector or probe process, owned by the caller, once it serves /metrics.</summary>
    internal async Task<(ChildProcess Process, HttpClient Http)> StartServiceAsync(string project, Dictionary<string, string> environment)
    {
        var process = Service(project, environment);
        try
        {
            var http = new HttpClient { BaseAddress = await process.WaitListeningAsync() };
            await ChildProcess.WaitForHttpAsync(http, "metrics", () => process.Tail(20), () => process.HasExited);
            return (process, http);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    private ChildProcess Service(string project, Dictionary<string, string> environment) =>
        ChildProcess.StartService(project, environment, Path.Combine(_work, $"{project}-{Guid.NewGuid():N}.log"));

    private Task WaitReadyAsync(HttpClient http) =>
        ChildProcess.WaitForHttpAsync(http, "metrics", () => string.Join("\n---\n", _processes.Select(p => p.Tail(20))), () => _processes.Any(p => p.HasExited));
}
