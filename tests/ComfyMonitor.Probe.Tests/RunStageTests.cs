using ComfyMonitor.Probe.Running;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Probe.Tests;

/// <summary>A run's stages only move forward, and each moves the run's one deadline: Probe:MaxQueueWait while waiting, Probe:Timeout otherwise.</summary>
public sealed class RunStageTests
{
    [Fact]
    public void StagesOnlyMoveForward()
    {
        using var deadline = new CancellationTokenSource();
        var stage = new RunStage(deadline, new ProbeOptions { Timeout = TimeSpan.FromHours(1), MaxQueueWait = TimeSpan.FromHours(1) });
        Assert.Equal(RunStage.Stage.Preparing, stage.Current);
        stage.Observe(running: false, pending: false);
        Assert.Equal(RunStage.Stage.Preparing, stage.Current);
        stage.Submitted();
        stage.Observe(running: false, pending: false); // not seen yet: still submitted
        Assert.Equal(RunStage.Stage.Submitted, stage.Current);
        stage.Observe(running: false, pending: true);
        Assert.Equal(RunStage.Stage.Waiting, stage.Current);
        stage.Observe(running: true, pending: false);
        Assert.Equal(RunStage.Stage.Executing, stage.Current);
        stage.Observe(running: false, pending: true); // a stale read of the queue does not send it back
        stage.Submitted();
        Assert.Equal(RunStage.Stage.Executing, stage.Current);
        Assert.False(deadline.IsCancellationRequested);
    }

    [Fact]
    public async Task WaitingInTheQueueEndsAtMaxQueueWaitFromTheSubmit()
    {
        using var deadline = new CancellationTokenSource();
        var stage = new RunStage(deadline, new ProbeOptions { Timeout = TimeSpan.FromHours(1), MaxQueueWait = TimeSpan.FromMilliseconds(100) });
        stage.Submitted();
        Assert.False(deadline.IsCancellationRequested);
        stage.Observe(running: false, pending: true);
        await SimulatorHttp.WaitUntilAsync(() => Task.FromResult(deadline.IsCancellationRequested), TimeSpan.FromSeconds(10), "never saw the queue-wait deadline");
        Assert.Equal(RunStage.Stage.Waiting, stage.Current);
        Assert.True(stage.Elapsed >= TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task ExecutingGetsTheTimeoutAfreshAndPreparingHasIt()
    {
        using var preparing = new CancellationTokenSource();
        _ = new RunStage(preparing, new ProbeOptions { Timeout = TimeSpan.FromMilliseconds(100), MaxQueueWait = TimeSpan.FromHours(1) });
        await SimulatorHttp.WaitUntilAsync(() => Task.FromResult(preparing.IsCancellationRequested), TimeSpan.FromSeconds(10), "never saw the timeout of uploads and submit");

        using var executing = new CancellationTokenSource();
        var stage = new RunStage(executing, new ProbeOptions { Timeout = TimeSpan.FromHours(1), MaxQueueWait = TimeSpan.FromMilliseconds(1) });
        stage.Submitted();
        stage.Executing(); // started before the queue was read: the queue wait no longer applies
        stage.Observe(running: false, pending: true);
        Assert.Equal(RunStage.Stage.Executing, stage.Current);
        Assert.False(executing.IsCancellationRequested);
    }
}
