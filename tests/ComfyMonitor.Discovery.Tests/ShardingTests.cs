using ComfyMonitor.Discovery;

namespace ComfyMonitor.Discovery.Tests;

/// <summary>Shard:Count = N splits any set of names exactly and evenly, the same way every time.</summary>
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
}
