using ComfyMonitor.Collector.State;

namespace ComfyMonitor.Collector.Tests;

/// <summary>How the ids already counted decide what in a history read is new.</summary>
public sealed class SeenPromptsTests
{
    [Fact]
    public void OnlyEntriesAfterTheNewestSeenOneAreNewAndEachIdOnce()
    {
        var seen = new SeenPrompts(16);
        Assert.Equal([0, 1], seen.Merge(["a", "b"]));
        Assert.Empty(seen.Merge(["a", "b"]));
        Assert.Equal([2, 4], seen.Merge(["a", "b", "c", "c", "d"]));

        // "x" is older than the newest seen entry: it existed before, or was forgotten, and is not new.
        Assert.Equal([4], seen.Merge(["x", "b", "c", "d", "e"]));
    }

    [Fact]
    public void AHistoryWithNothingSeenIsAllNew()
    {
        var seen = new SeenPrompts(16);
        seen.Merge(["a", "b", "c"]);
        Assert.Equal([0, 1], seen.Merge(["r1", "r2"])); // a restarted server, or a cleared history
        Assert.Empty(seen.Merge(["r1", "r2"]));
    }

    [Fact]
    public void DeletedEntriesAreForgottenAndDoNotPushOutTheOnesLeft()
    {
        var seen = new SeenPrompts(4);
        seen.Merge(["old"]);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal([1], seen.Merge(["old", $"canary-{i}"]));
            Assert.Empty(seen.Merge(["old"])); // the canary was deleted
        }

        Assert.Equal(1, seen.Count);
        Assert.True(seen.Contains("old"));
    }

    [Fact]
    public void NoMoreThanTheCapacityIsRemembered()
    {
        var seen = new SeenPrompts(4);
        seen.Merge(["a", "b", "c", "d", "e", "f"]);
        Assert.Equal(4, seen.Count);
        Assert.False(seen.Contains("b"));
        Assert.True(seen.Contains("c"));
        Assert.Equal([6], seen.Merge(["a", "b", "c", "d", "e", "f", "g"]));
    }
}
