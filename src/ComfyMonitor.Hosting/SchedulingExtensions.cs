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
    /// that sized the series limits).
    /// </summary>
    public static IServiceCollection AddPerTargetJobs<TJob, TWatched>(this IServiceCollection services, string group, int maxConcurrency, Func<IServiceProvider, TimeSpan> interval, int maxInstances, string maxInstancesKey)
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
            });
            q.UseDefaultThreadPool(Math.Max(1, maxConcurrency));
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = false);
        services.AddSingleton<TWatched>();
        services.AddSingleton<IWatchedTargets>(sp => sp.GetRequiredService<TWatched>());
        services.AddSingleton(sp => new TargetScheduleOptions(group, interval(sp), maxInstances, maxInstancesKey));
        services.AddHostedService<TargetScheduler<TJob>>();
        services.AddHostedService<TargetInfoMetric>();
        return services;
    }
}
