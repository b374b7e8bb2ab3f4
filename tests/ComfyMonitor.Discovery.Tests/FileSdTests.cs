using System.Diagnostics.Metrics;
using ComfyMonitor.Discovery;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ComfyMonitor.Discovery.Tests;

/// <summary>The registry follows file_sd files as they change, and a file that breaks keeps its last good targets.</summary>
public sealed class FileSdTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("comfymonitor-discovery-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task TheRegistryFollowsTheFileAndKeepsTheLastGoodTargetsWhenItBreaks()
    {
        var file = Path.Combine(_dir, "fleet.json");
        await File.WriteAllTextAsync(file, Groups("a:1", "b:2"));
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ComfyUI:Discovery:Files:0"] = Path.Combine(_dir, "*.json"),
            ["ComfyUI:Discovery:RefreshInterval"] = "00:00:00.200",
        });
        builder.AddComfyTargets("Test:Shard");
        using var host = builder.Build();
        var failures = 0L;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == DiscoveryMetrics.MeterName && instrument.Name == DiscoveryMetrics.Failures)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref failures, value));
        listener.Start();
        await host.StartAsync(TestContext.Current.CancellationToken);
        var registry = host.Services.GetRequiredService<TargetRegistry>();

        await WaitAsync(() => registry.Current.Names.SequenceEqual(["a:1", "b:2"]), "the two targets of the file");
        Assert.Equal("sdxl", registry.Current.ByName["a:1"].Labels["pool"]);

        await File.WriteAllTextAsync(file, Groups("a:1", "b:2", "c:3"));
        await WaitAsync(() => registry.Current.Count == 3, "a third target");

        await File.WriteAllTextAsync(file, "[{ \"targets\": ");
        await WaitAsync(() => Interlocked.Read(ref failures) > 0, "the broken file's failure");
        Assert.Equal(["a:1", "b:2", "c:3"], registry.Current.Names);

        File.Delete(file);
        await WaitAsync(() => registry.Current.Count == 0, "the targets gone with the file");
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    private static string Groups(params string[] targets) =>
        $$"""[{ "targets": [{{string.Join(", ", targets.Select(t => $"\"{t}\""))}}], "labels": { "pool": "sdxl" } }]""";

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"never saw {what}");
            await Task.Delay(50);
        }
    }
}
