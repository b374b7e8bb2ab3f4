using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ComfyMonitor.ComfyApi;
using ComfyMonitor.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Quartz;

namespace ComfyMonitor.Hosting.Tests;

/// <summary>
/// The shared host without a service: one job per target of discovery on the interval, none for a target that left,
/// comfyui_target_info for every watched target, first runs spread over the interval.
/// </summary>
public sealed class TargetSchedulerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("comfymonitor-hosting-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task EveryTargetRunsOnTheIntervalAndATargetThatLeavesStopsRunning()
    {
        var file = Path.Combine(_dir, "fleet.json");
        await File.WriteAllTextAsync(file, """[{ "targets": ["a:1", "b:2", "c:3"], "labels": { "pool": "sdxl", "hostname": "gpu-node-7" } }]""");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ComfyUI:Discovery:Files:0"] = file,
            ["ComfyUI:Discovery:RefreshInterval"] = "00:00:00.200",
        });
        builder.Services.AddMetrics();
        builder.AddComfyTargets("Test:Shard");
        builder.Services.AddSingleton<Runs>();
        builder.Services.AddPerTargetJobs<CountingJob, RecordingTargets>("test", 4, _ => TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(200), 100, "Test:MaxInstances");
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        var runs = host.Services.GetRequiredService<Runs>();
        var watched = host.Services.GetRequiredService<RecordingTargets>();

        await WaitAsync(() => new[] { "a:1", "b:2", "c:3" }.All(n => runs.Of(n) >= 3), "three runs of every target");
        Assert.Equal(["a:1", "b:2", "c:3"], watched.Watched.Select(t => t.Name).Order());

        // comfyui_target_info: one series per watched target, with its labels.
        var info = new List<Dictionary<string, object?>>();
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == TargetInfoMetric.Name)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<int>((_, _, tags, _) => info.Add(tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
            listener.Start();
            listener.RecordObservableInstruments();
        }

        Assert.Equal(3, info.Count);
        Assert.All(info, tags => Assert.Equal(("sdxl", "gpu-node-7"), ((string?)tags["pool"], (string?)tags["hostname"])));

        await File.WriteAllTextAsync(file, """[{ "targets": ["a:1", "b:2"] }]""");
        await WaitAsync(() => watched.Watched.Count() == 2, "c:3 unwatched");
        var left = runs.Of("c:3");
        var others = runs.Of("b:2");
        await WaitAsync(() => runs.Of("b:2") >= others + 5, "five more runs of a target that stayed");
        Assert.True(runs.Of("c:3") <= left + 1, "the target that left kept running"); // at most the run already under way
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public void FirstRunsAreSpreadEvenlyOverTheInterval()
    {
        var interval = TimeSpan.FromSeconds(15);
        var offsets = Enumerable.Range(0, 1000).Select(i => TargetScheduler<CountingJob>.Offset($"gpu-{i:D4}:8188", interval)).ToList();
        Assert.All(offsets, o => Assert.InRange(o, TimeSpan.Zero, interval));
        var tenths = offsets.GroupBy(o => (int)(o / interval * 10)).Select(g => g.Count()).ToList();
        Assert.Equal(10, tenths.Count);
        Assert.All(tenths, n => Assert.InRange(n, 60, 140));
        Assert.Equal(offsets[7], TargetScheduler<CountingJob>.Offset("gpu-0007:8188", interval));
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"never saw {what}");
            await Task.Delay(50);
        }
    }

    public sealed class Runs
    {
        private readonly ConcurrentDictionary<string, int> _runs = new();

        public void Add(string name) => _runs.AddOrUpdate(name, 1, (_, n) => n + 1);

        public int Of(string name) => _runs.GetValueOrDefault(name);
    }

    [DisallowConcurrentExecution]
    public sealed class CountingJob(Runs runs) : IJob
    {
        public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
        {
            runs.Add(context.MergedJobDataMap.GetString(TargetScheduler<CountingJob>.InstanceKey)!);
            return ValueTask.CompletedTask;
        }
    }

    public sealed class RecordingTargets : IWatchedTargets
    {
        private readonly ConcurrentDictionary<string, ComfyEndpoint> _targets = new();

        public IEnumerable<ComfyEndpoint> Watched => _targets.Values;

        public void Watch(ComfyEndpoint target) => _targets[target.Name] = target;

        public void Unwatch(string name) => _targets.TryRemove(name, out _);
    }
}
