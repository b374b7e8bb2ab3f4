using ComfyMonitor.Collector.State;
using ComfyMonitor.Discovery;
using Quartz;

namespace ComfyMonitor.Collector.Scraping;

/// <summary>The Quartz job of one instance: never two at once for the same instance.</summary>
[DisallowConcurrentExecution]
public sealed class ScrapeJob(FleetState fleet, CollectorMetrics metrics) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        if (context.ScheduledFireTimeUtc is { } scheduled)
        {
            metrics.RecordLag((context.FireTimeUtc - scheduled).TotalSeconds);
        }

        if (fleet.TryGet(context.MergedJobDataMap.GetString(TargetScheduler<ScrapeJob>.InstanceKey) ?? "", out var scraper))
        {
            await scraper.ScrapeAsync(cancellationToken);
        }
    }
}
