using ComfyMonitor.Collector.State;
using ComfyMonitor.ComfyApi;
using ComfyMonitor.Discovery;
using Microsoft.Extensions.Options;
using Quartz;

namespace ComfyMonitor.Collector.Scraping;

/// <summary>
/// Keeps one Quartz job per target: added targets get a job whose first fire is spread over the interval by
/// a hash of the name (so 1,000 instances do not fire in the same millisecond); removed targets lose their
/// job and their state, so their series leave /metrics.
/// </summary>
public sealed partial class ScheduleReconciler(
    TargetRegistry registry,
    ISchedulerFactory schedulerFactory,
    ComfyClientFactory clients,
    FleetState fleet,
    CollectorMetrics metrics,
    IOptions<CollectorOptions> options,
    TimeProvider time,
    ILogger<ScheduleReconciler> logger) : IHostedService
{
    public const string JobGroup = "scrape";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CollectorOptions _options = options.Value;
    private CancellationTokenSource? _stopping;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = new CancellationTokenSource();
        registry.Changed += OnChanged;
        await ReconcileAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        registry.Changed -= OnChanged;
        _stopping?.Cancel();
        return Task.CompletedTask;
    }

    /// <summary>Where in the interval an instance's cycles start: stable per name, spread evenly.</summary>
    public static TimeSpan Offset(string name, TimeSpan interval) =>
        TimeSpan.FromTicks((long)(ShardOptions.ShardOf(name, 1_000_000) / 1_000_000.0 * interval.Ticks));

    private void OnChanged(TargetSet targets) => _ = Task.Run(async () =>
    {
        try
        {
            await ReconcileAsync(_stopping?.Token ?? CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogReconcileFailed(logger, ex);
        }
    });

    public async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var scheduler = await schedulerFactory.GetScheduler(cancellationToken);
            var targets = registry.Current;
            foreach (var scraper in fleet.Scrapers.ToList())
            {
                if (!targets.ByName.TryGetValue(scraper.Name, out var target) || target.BaseAddress != scraper.Endpoint.BaseAddress
                    || !target.Headers.OrderBy(h => h.Key).SequenceEqual(scraper.Endpoint.Headers.OrderBy(h => h.Key)))
                {
                    await scheduler.DeleteJob(new JobKey(scraper.Name, JobGroup), cancellationToken);
                    fleet.Remove(scraper.Name);
                }
            }

            var now = time.GetUtcNow();
            foreach (var target in targets.Names.Select(n => targets.ByName[n]))
            {
                if (fleet.TryGet(target.Name, out _))
                {
                    continue;
                }

                fleet.Set(new InstanceScraper(target, clients.Create(target), new InstanceState(target.Name, _options, time), metrics, _options));
                var job = JobBuilder.Create<ScrapeJob>()
                    .WithIdentity(target.Name, JobGroup)
                    .UsingJobData(ScrapeJob.InstanceKey, target.Name)
                    .Build();
                var trigger = TriggerBuilder.Create(time)
                    .WithIdentity(target.Name, JobGroup)
                    .ForJob(job)
                    .StartAt(now + Offset(target.Name, _options.Interval))
                    .WithOverlapPolicy(OverlapPolicy.Skip)
                    .WithMisfireThreshold(TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(500).Ticks, _options.Interval.Ticks / 2)))
                    .WithSchedule(SimpleScheduleBuilder.Create()
                        .WithInterval(_options.Interval)
                        .RepeatForever()
                        .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount))
                    .Build();
                await scheduler.ScheduleJob(job, trigger, cancellationToken: cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Rescheduling after a target change failed")]
    private static partial void LogReconcileFailed(ILogger logger, Exception exception);
}
