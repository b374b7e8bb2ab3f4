using ComfyMonitor.Discovery;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Collector.Tests;

/// <summary>Collector replicas with Shard:Count = N split a fleet exactly: every instance is scraped by one replica (the hashing itself: Discovery.Tests).</summary>
public sealed class ReplicaTests
{
    [Fact]
    public async Task TwoCollectorReplicasCoverTheFleetExactlyOnce()
    {
        await using var sim = await SimulatorHost.StartAsync(instances: 8);
        var urls = Enumerable.Range(0, 8).Select(sim.Url).ToList();
        var seen = new List<HashSet<string>>();
        for (var index = 0; index < 2; index++)
        {
            // One at a time: collectors in one process would export each other's instruments.
            await using var replica = await CollectorHost.StartAsync(urls, TimeSpan.FromMilliseconds(300), new Dictionary<string, string?>
            {
                ["Collector:Shard:Index"] = index.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Collector:Shard:Count"] = "2",
            });
            var expected = replica.Fleet.Count;
            var m = await replica.WaitForMetricsAsync(m => m.Named("comfyui_up").Count(s => s.Value == 1) == expected, what: "the shard up");
            seen.Add(m.Named("comfyui_up").Select(s => s.Labels["comfyui_instance"]).ToHashSet());
        }

        Assert.Empty(seen[0].Intersect(seen[1]));
        Assert.Equal(urls.Select(u => $"{u.Host}:{u.Port}").ToHashSet(), seen[0].Union(seen[1]).ToHashSet());
        Assert.NotEmpty(seen[0]);
        Assert.NotEmpty(seen[1]);
    }
}
