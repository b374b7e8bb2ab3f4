using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using ComfyMonitor.ComfyApi.Json;

namespace ComfyMonitor.Benchmarks;

/// <summary>
/// The collector's parsing hot paths: a history page and a queue whose entries carry full prompt graphs and
/// workflows. The client's converters skip the graphs with Utf8JsonReader; the baseline builds the whole
/// document, as a naive client would.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Settings))]
public class JsonParsingBenchmarks
{
    private byte[] _history = [];
    private byte[] _queue = [];
    private byte[] _systemStats = [];

    [Params(1, 64)]
    public int Entries { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var examples = Path.Combine(AppContext.BaseDirectory, "TestData", "comfyui-api", "examples");
        var entry = JsonNode.Parse(File.ReadAllText(Path.Combine(examples, "history_interrupted.json")))!.AsObject().First().Value!;
        var history = new JsonObject();
        for (var i = 0; i < Entries; i++)
        {
            history[$"prompt-{i:D4}"] = entry.DeepClone();
        }

        _history = Encoding.UTF8.GetBytes(history.ToJsonString());
        var queueItem = JsonNode.Parse(File.ReadAllText(Path.Combine(examples, "queue_1running_2pending.json")))!["queue_pending"]![0]!;
        _queue = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["queue_running"] = new JsonArray(queueItem.DeepClone()),
            ["queue_pending"] = new JsonArray(Enumerable.Range(0, Entries).Select(_ => queueItem.DeepClone()).ToArray()),
        }.ToJsonString());
        _systemStats = File.ReadAllBytes(Path.Combine(examples, "system_stats_v0.8.0_linux_cuda.json"));
    }

    [Benchmark(Baseline = true)]
    public int HistoryAsJsonDocument()
    {
        using var doc = JsonDocument.Parse(_history);
        return doc.RootElement.EnumerateObject().Count();
    }

    [Benchmark]
    public int HistoryThroughTheClient() => JsonSerializer.Deserialize(_history, ComfyJsonContext.Default.HistoryPage)!.Entries.Count;

    [Benchmark]
    public int QueueThroughTheClient() => JsonSerializer.Deserialize(_queue, ComfyJsonContext.Default.QueueState)!.Pending.Count;

    [Benchmark]
    public long SystemStatsThroughTheClient() => JsonSerializer.Deserialize(_systemStats, ComfyJsonContext.Default.SystemStats)!.System!.RamTotal ?? 0;

    private sealed class Settings : ManualConfig
    {
        public Settings() => AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
    }
}
