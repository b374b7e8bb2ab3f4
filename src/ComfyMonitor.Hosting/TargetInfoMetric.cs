using ComfyMonitor.Discovery;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ComfyMonitor.Hosting;

/// <summary>
/// comfyui_target_info{comfyui_instance, &lt;the target's labels&gt;} 1 for every target this replica watches (the
/// collector's and the probe's alike), so that any series can be joined to pool, region or host:
/// <c>... * on (comfyui_instance) group_left(pool) comfyui_target_info</c>.
/// </summary>
public sealed class TargetInfoMetric : IHostedService
{
    public const string Name = "comfyui_target_info";

    public TargetInfoMetric(IMeterFactory meterFactory, IWatchedTargets watched, IOptions<ComfyUIOptions> options)
    {
        var max = Math.Max(0, options.Value.MaxTargetLabels);
        meterFactory.Create(DiscoveryMetrics.MeterName).CreateObservableGauge(Name, () => watched.Watched.Select(target =>
            {
                var tags = new List<KeyValuePair<string, object?>>(max + 1) { new("comfyui_instance", target.Name) };
                tags.AddRange(target.Labels.Where(l => !l.Key.StartsWith(TargetExpectations.ReservedPrefix, StringComparison.Ordinal)).Take(max).Select(l => new KeyValuePair<string, object?>(l.Key, l.Value)));
                return new Measurement<int>(1, tags);
            }),
            description: "1 per watched target, with the labels of the target from discovery (file_sd, http_sd) or ComfyUI:Instances:N:Labels (not the comfymonitor_ settings).");
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
