using ComfyMonitor.Collector.State;
using ComfyMonitor.ComfyApi.Models;

namespace ComfyMonitor.Collector.Tests;

/// <summary>The small state machines of an instance's state, on their own: the stall clock, pending ages, the node-error cap.</summary>
public sealed class StateMachineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void AnIdleQueueIsNeverStalledAndABusyOneWithoutProgressIsAfterStallAfter()
    {
        var clock = new StallClock(TimeSpan.FromMinutes(10));
        Assert.False(clock.Observe(Queue(), T0)!.Value.Stalled);
        Assert.False(clock.Observe(Queue(), T0.AddHours(5))!.Value.Stalled);
        Assert.Equal(T0.AddHours(5), clock.LastProgress);

        var (stalled, age) = clock.Observe(Queue(running: "a", pending: ["b"]), T0.AddHours(5).AddMinutes(1))!.Value;
        Assert.False(stalled);
        Assert.Equal(0, age);
        (stalled, age) = clock.Observe(Queue(running: "a", pending: ["b"]), T0.AddHours(5).AddMinutes(11))!.Value;
        Assert.True(stalled);
        Assert.Equal(600, age);
    }

    [Fact]
    public void AFinishedPromptIsProgressAnInterruptIsNot()
    {
        var clock = new StallClock(TimeSpan.FromMinutes(10));
        clock.Observe(Queue(running: "a", pending: ["b"]), T0);
        clock.Finished("a", PromptOutcome.Interrupted);
        Assert.True(clock.Observe(Queue(running: "b"), T0.AddMinutes(10))!.Value.Stalled); // b runs after an interrupt: no progress
        clock.Finished("b", PromptOutcome.Success);
        var reading = clock.Observe(Queue(running: "c"), T0.AddMinutes(11))!.Value;
        Assert.False(reading.Stalled);
        Assert.Equal(T0.AddMinutes(11), clock.LastProgress);
    }

    [Fact]
    public void ANewRunningPromptAfterOneThatEndedIsProgressAndAnUnreadQueueKeepsTheClock()
    {
        var clock = new StallClock(TimeSpan.FromMinutes(10));
        clock.Observe(Queue(running: "a", pending: ["b"]), T0);
        Assert.False(clock.Observe(Queue(running: "b"), T0.AddMinutes(9))!.Value.Stalled);
        Assert.Equal(T0.AddMinutes(9), clock.LastProgress);
        Assert.Null(clock.Observe(null, T0.AddMinutes(30)));
        Assert.Equal(T0.AddMinutes(9), clock.LastProgress);
        clock.Finished("b", PromptOutcome.Error); // an error is the prompt ending on its own
        clock.Observe(null, T0.AddMinutes(31));
        Assert.Equal(T0.AddMinutes(31), clock.LastProgress);
    }

    [Fact]
    public void PendingAgesComeFromCreateTimeElseFromFirstSightAndForgetWhatLeft()
    {
        var ages = new PendingAges();
        Assert.Null(ages.Observe([], T0));
        var created = new QueueItem { PromptId = "old", CreateTimeMs = T0.AddMinutes(-3).ToUnixTimeMilliseconds() };
        Assert.Equal(180, ages.Observe([created, new QueueItem { PromptId = "new" }], T0));
        Assert.Equal(T0, ages.FirstSeen("new"));
        Assert.Null(ages.FirstSeen("old"));
        Assert.Equal(60, ages.Observe([new QueueItem { PromptId = "new" }], T0.AddMinutes(1)));
        ages.Observe([], T0.AddMinutes(2));
        Assert.Null(ages.FirstSeen("new"));
    }

    [Fact]
    public void NodeErrorPairsPastTheCapCountAsOther()
    {
        var errors = new NodeErrorCounts(cap: 2);
        Assert.Equal(0, errors.Copy()[("other", "other")]);
        errors.Add("KSampler", "RuntimeError");
        errors.Add("VAEDecode", "OutOfMemoryError");
        errors.Add("LoadImage", "FileNotFoundError");
        errors.Add("KSampler", "RuntimeError"); // a known pair keeps counting past the cap
        var counts = errors.Copy();
        Assert.Equal(3, counts.Count);
        Assert.Equal(2, counts[("KSampler", "RuntimeError")]);
        Assert.Equal(1, counts[("other", "other")]);
    }

    private static QueueState Queue(string? running = null, string[]? pending = null) => new()
    {
        Running = running is null ? [] : [new QueueItem { PromptId = running }],
        Pending = (pending ?? []).Select(p => new QueueItem { PromptId = p }).ToList(),
    };
}
