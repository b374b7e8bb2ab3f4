using ComfyMonitor.Discovery;
using ComfyMonitor.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace Microsoft.Extensions.Hosting;

public static class SchedulingExtensions
{
    /// <summary>
    /// A Quartz scheduler (unique name, so that several can share a process) with <paramref name="maxConcurrency"/>
    /// jobs at once, and a <see cref="TargetScheduler{TJob}"/> that keeps one <typeparamref name="TJob"/> per target
    /// and warns when there are more targets than <paramref name="maxInstances"/> (the setting <paramref name="maxInstancesKey"/>
    /// that sized the series limits). <paramref name="configuredInterval"/> is the interval as configured (read leniently,
    /// before the options are checked): it sizes the scheduler's batches (<see cref="BatchWindow"/>).
    /// </summary>
    public static IServiceCollection AddPerTargetJobs<TJob, TWatched>(this IServiceCollection services, string group, int maxConcurrency, Func<IServiceProvider, TimeSpan> interval,
        TimeSpan configuredInterval, int maxInstances, string maxInstancesKey)
        where TJob : IJob
        where TWatched : class, IWatchedTargets
    {
        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(s =>
            {
                s.InstanceName = $"{group}-{Guid.NewGuid():N}";

                // Thousands of triggers: take every due trigger in one batch instead of one at a time,
                // or the scheduler thread itself becomes the bottleneck and runs misfire.
                s.MaxBatchSize = Math.Max(1, maxConcurrency);
                s.BatchTriggerAcquisitionFireAheadTimeWindow = BatchWindow(configuredInterval);
            });
            q.UseDefaultThreadPool(Math.Max(1, maxConcurrency));
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = false);
        services.AddSingleton<TWatched>();
        services.AddSingleton<IWatchedTargets>(sp => sp.GetRequiredService<TWatched>());
        services.AddSingleton(sp => new TargetScheduleOptions(group, interval(sp), maxInstances, maxInstancesKey));
        services.AddHostedService<TargetScheduler<TJob>>();
        services.AddHostedService<TargetInfoMetric>();
        services.AddHostedService<BuildInfoMetric>();
        return services;
    }

    /// <summary>
    /// How early a job may start to be taken with the batch of the one due first: a fifteenth of the interval, at most a
    /// second. A fleet's jobs then start in bursts that keep the thread pool's threads busy, instead of one wake-up (and a
    /// spinning thread) per job: at 15 s and 1,000 instances the collector's CPU fell by three quarters (docs/performance.md
    /// §Performance). Jobs start up to this much early, never later.
    /// </summary>
    public static TimeSpan BatchWindow(TimeSpan interval) =>
        interval <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Min(1000, Math.Floor(interval.TotalMilliseconds / 15)));
}
