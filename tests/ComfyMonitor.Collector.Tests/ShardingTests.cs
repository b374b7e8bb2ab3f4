using ComfyMonitor.Discovery;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Collector.Tests;

/// <summary>Replicas with Shard:Count = N split a fleet exactly: every instance is watched by one replica.</summary>
public sealed class ShardingTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void EveryNameBelongsToExactlyOneShardAndShardsAreBalanced(int count)
    {
        var names = Enumerable.Range(0, 5000).Select(i => $"gpu-{i:D4}.example:8188").ToList();
        var owners = names.Select(n => Enumerable.Range(0, count).Where(i => new ShardOptions { Index = i, Count = count }.Owns(n)).ToList()).ToList();
        Assert.All(owners, o => Assert.Single(o));
        var sizes = owners.GroupBy(o => o[0]).Select(g => g.Count()).ToList();
        Assert.Equal(count, sizes.Count);
        Assert.All(sizes, s => Assert.InRange(s, 5000 / count * 0.8, 5000 / count * 1.2));
    }

    [Fact]
    public void TheShardOfANameIsStable() =>
        Assert.Equal(ShardOptions.ShardOf("127.0.0.1:8188", 1000), ShardOptions.ShardOf("127.0.0.1:8188", 1000));

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
