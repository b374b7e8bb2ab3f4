using ComfyMonitor.Collector.State;
using ComfyMonitor.Discovery;
using ComfyMonitor.Hosting;
using Quartz;

namespace ComfyMonitor.Collector.Scraping;

/// <summary>The Quartz job of one instance: never two at once for the same instance. Logs when an instance goes down or comes back.</summary>
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
        metrics.Record(scraper.Name, await scraper.ScrapeAsync(cancellationToken));
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "ComfyUI instance {Instance} is down: {Error}")]
    private static partial void LogDown(ILogger logger, string instance, string error);
}
