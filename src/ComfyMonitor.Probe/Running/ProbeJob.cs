using ComfyMonitor.Discovery;
using ComfyMonitor.Hosting;
using ComfyMonitor.Probe.Canaries;
using ComfyMonitor.Probe.State;
using Quartz;

namespace ComfyMonitor.Probe.Running;

/// <summary>The Quartz job of one instance: its enabled canaries, one after another; never two runs at once.</summary>
[DisallowConcurrentExecution]
public sealed partial class ProbeJob(ProbeFleet fleet, IEnumerable<Canary> canaries, CanaryRunner runner, ProbeMetrics metrics, ILogger<ProbeJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        if (context.ScheduledFireTimeUtc is { } scheduled)
        {
            metrics.RecordLag((context.FireTimeUtc - scheduled).TotalSeconds);
        }

        if (!fleet.TryGet(context.MergedJobDataMap.GetString(TargetScheduler<ProbeJob>.InstanceKey) ?? "", out var instance))
        {
            return;
        }

        foreach (var canary in canaries)
        {
            // A canary with an interval of its own (the sampler's) runs when that has passed since its last run here.
            if (canary.Interval is { } every && instance.Status(canary.Name).LastStarted is { } last && context.FireTimeUtc - last < every - TimeSpan.FromSeconds(1))
            {
                continue;
            }

            CanaryRun run;
            try
            {
                run = await runner.RunAsync(instance, canary, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // A bug, not a server's fault (those are runs with reasons): logged as an error, the next canary still runs.
                LogCrashed(logger, ex, canary.Name, instance.Endpoint.Name);
                continue;
            }

            instance.Status(canary.Name).Record(run);
            metrics.Record(run);
            if (!run.Counted)
            {
                LogNotCounted(logger, canary.Name, instance.Endpoint.Name, run.Result, run.Reason, run.Detail);
            }
            else if (!run.Success)
            {
                LogFailed(logger, canary.Name, instance.Endpoint.Name, run.Reason, run.Detail);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Canary {Canary} on {Instance} stopped with an unexpected error")]
    private static partial void LogCrashed(ILogger logger, Exception exception, string canary, string instance);

    [LoggerMessage(Level = LogLevel.Information, Message = "Canary {Canary} {Result} on {Instance}: {Reason} ({Detail})")]
    private static partial void LogNotCounted(ILogger logger, string canary, string instance, string result, string reason, string? detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Canary {Canary} failed on {Instance}: {Reason} ({Detail})")]
    private static partial void LogFailed(ILogger logger, string canary, string instance, string reason, string? detail);
}
