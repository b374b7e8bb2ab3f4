using ComfyMonitor.Discovery;
using ComfyMonitor.ComfyApi;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;

namespace ComfyMonitor.Hosting;

/// <summary>
/// Keeps one Quartz job of type <typeparamref name="TJob"/> per target of the registry: added targets get
/// a job whose first fire is spread over the interval by a hash of the name (so 1,000 instances do not fire
/// in the same millisecond), removed or changed targets lose theirs. Jobs never overlap for one target,
/// and a missed fire is skipped rather than piled up.
/// </summary>
public sealed partial class TargetScheduler<TJob>(
    TargetRegistry registry,
    ISchedulerFactory schedulerFactory,
    IWatchedTargets watched,
    TargetScheduleOptions options,
    TimeProvider time,
    ILogger<TargetScheduler<TJob>> logger) : IHostedService
    where TJob : IJob
{
    /// <summary>The job data key holding the target's name.</summary>
    public const string InstanceKey = "instance";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _overLimit;
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

    /// <summary>Where in the interval a target's runs start: stable per name, spread evenly.</summary>
    public static TimeSpan Offset(string name, TimeSpan interval) =>
        TimeSpan.FromTicks((long)(ShardOptions.ShardOf(name, 1_000_000) / 1_000_000.0 * interval.Ticks));

    public async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var scheduler = await schedulerFactory.GetScheduler(cancellationToken);
            var targets = registry.Current;
            var current = watched.Watched.ToDictionary(t => t.Name);
            foreach (var (name, endpoint) in current)
            {
                if (!targets.ByName.TryGetValue(name, out var target) || !Same(target, endpoint))
                {
                    await scheduler.DeleteJob(new JobKey(name, options.Group), cancellationToken);
                    watched.Unwatch(name);
                    current.Remove(name);
                }
            }

            var now = time.GetUtcNow();
            foreach (var name in targets.Names)
            {
                if (current.ContainsKey(name))
                {
                    continue;
                }

                watched.Watch(targets.ByName[name]);
                var job = JobBuilder.Create<TJob>()
                    .WithIdentity(name, options.Group)
                    .UsingJobData(InstanceKey, name)
                    .Build();
                var trigger = TriggerBuilder.Create(time)
                    .WithIdentity(name, options.Group)
                    .ForJob(job)
                    .StartAt(now + Offset(name, options.Interval))
                    .WithOverlapPolicy(OverlapPolicy.Skip)
                    .WithMisfireThreshold(TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(500).Ticks, options.Interval.Ticks / 2)))
                    .WithSchedule(SimpleScheduleBuilder.Create()
                        .WithInterval(options.Interval)
                        .RepeatForever()
                        .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount))
                    .Build();
                await scheduler.ScheduleJob(job, trigger, cancellationToken: cancellationToken);
            }

            // Past the limit, OpenTelemetry folds new series into otel_metric_overflow: readings would be lost silently.
            var over = targets.Count > options.MaxInstances;
            if (over && !_overLimit)
            {
                LogOverLimit(logger, targets.Count, options.MaxInstancesKey, options.MaxInstances);
            }

            _overLimit = over;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static bool Same(ComfyEndpoint a, ComfyEndpoint b) => TargetSet.Same(a, b);

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} instances are watched but the series limits were sized for {Key} = {Max}: the readings of some will be folded into otel_metric_overflow series; raise {Key} or shard")]
    private static partial void LogOverLimit(ILogger logger, int count, string key, int max);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rescheduling after a target change failed")]
    private static partial void LogReconcileFailed(ILogger logger, Exception exception);
}

/// <summary>
/// The job group and interval of a <see cref="TargetScheduler{TJob}"/>, and the number of targets the service's series
/// limits were sized for (<paramref name="MaxInstancesKey"/> names the setting).
/// </summary>
public sealed record TargetScheduleOptions(string Group, TimeSpan Interval, int MaxInstances, string MaxInstancesKey);
