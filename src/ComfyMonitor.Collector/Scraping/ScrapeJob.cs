using ComfyMonitor.Collector.State;
using ComfyMonitor.Discovery;
using ComfyMonitor.Hosting;
using Quartz;

namespace ComfyMonitor.Collector.Scraping;

/// <summary>
/// The Quartz job of one instance: never two at once for the same instance. Logs when an instance goes down or comes
/// back, and each user's failed prompt once (the failure feed's record, as structured fields: OpenTelemetry logs carry
/// them to the Aspire dashboard or any OTLP log store).
/// </summary>
[DisallowConcurrentExecution]
public sealed partial class ScrapeJob(FleetState fleet, CollectorMetrics metrics, ILogger<ScrapeJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        if (context.ScheduledFireTimeUtc is { } scheduled)
        {
            metrics.RecordLag((context.FireTimeUtc - scheduled).TotalSeconds);
        }

        if (!fleet.TryGet(context.MergedJobDataMap.GetString(TargetScheduler<ScrapeJob>.InstanceKey) ?? "", out var scraper))
        {
            return;
        }

        var before = scraper.State.Snapshot;
        var outcome = await scraper.ScrapeAsync(cancellationToken);
        metrics.Record(scraper.Name, outcome);
        foreach (var failure in outcome.NewFailures)
        {
            LogFailure(logger, failure.Instance, failure.PromptId, failure.NodeId ?? "", failure.NodeType ?? "", failure.ExceptionType ?? "", failure.Message ?? "");
        }

        if (outcome.UnloggedFailures > 0)
        {
            LogFlood(logger, outcome.UnloggedFailures, scraper.Name);
        }

        var after = scraper.State.Snapshot;
        if (before.LastScrape is not null && before.Up == after.Up)
        {
            return;
        }

        if (after.Up)
        {
            LogUp(logger, after.Name, after.Build?.ComfyUIVersion ?? "unknown");
        }
        else
        {
            LogDown(logger, after.Name, after.LastError ?? "no answer");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ComfyUI instance {Instance} is up (version {Version})")]
    private static partial void LogUp(ILogger logger, string instance, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Prompt {PromptId} failed on {Instance} at node {NodeId} ({NodeType}): {ExceptionType}: {ExceptionMessage}")]
    private static partial void LogFailure(ILogger logger, string instance, string promptId, string nodeId, string nodeType, string exceptionType, string exceptionMessage);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} more prompts failed on {Instance} in one cycle, not logged one by one (the metrics count them all)")]
    private static partial void LogFlood(ILogger logger, int count, string instance);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ComfyUI instance {Instance} is down: {Error}")]
    private static partial void LogDown(ILogger logger, string instance, string error);
}
