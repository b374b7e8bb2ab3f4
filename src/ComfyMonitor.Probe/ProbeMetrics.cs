using System.Diagnostics.Metrics;
using ComfyMonitor.Probe.Canaries;
using ComfyMonitor.Probe.Running;
using ComfyMonitor.Probe.State;

namespace ComfyMonitor.Probe;

/// <summary>The probe's instruments, named as DESIGN.md exposes them.</summary>
public sealed class ProbeMetrics
{
    public const string MeterName = "ComfyMonitor.Probe";
    public const string Success = "comfyui_canary_success";
    public const string LastSuccess = "comfyui_canary_last_success_timestamp_seconds";
    public const string Duration = "comfyui_canary_duration";
    public const string Runs = "comfyui_canary_runs";
    public const string NodeDuration = "comfyui_canary_node_duration";
    public const string Lag = "comfymonitor_probe_lag";
    public const string SamplingSpeed = "comfyui_canary_sampling_steps_per_second";
    public const string ModelLoad = "comfyui_canary_model_load_seconds";

    /// <summary>Distinct node types per canary in <see cref="NodeDuration"/>; others are counted as "other".</summary>
    public const int NodeTypeCap = 16;
    private const string InstanceLabel = "comfyui_instance";

    /// <summary>
    /// Series per instance and canary of each instrument, at most: runs by result and reason (success, deferred, or one of
    /// the failure reasons), durations by phase, and node durations by node type when they are per instance.
    /// </summary>
    private static readonly IReadOnlyDictionary<string, int> SeriesPerCanary = new Dictionary<string, int>
    {
        [Success] = 1,
        [LastSuccess] = 1,
        [Runs] = 2 + FailureReasons.All.Count,
        [Duration] = Phase.All.Count,
        [NodeDuration] = NodeTypeCap + 1,
        [SamplingSpeed] = 1,
        [ModelLoad] = 1,
    };

    /// <summary>
    /// Each metric's series limit for <paramref name="maxInstances"/> instances and <paramref name="canaries"/> canaries:
    /// node durations are per replica (canaries × node types) unless <paramref name="perInstanceNodeDurations"/>.
    /// </summary>
    public static Dictionary<string, int> SeriesLimits(int canaries, int maxInstances, bool perInstanceNodeDurations)
    {
        var limits = SeriesPerCanary.ToDictionary(series => series.Key, series => (series.Value * canaries * maxInstances) + 100);
        if (!perInstanceNodeDurations)
        {
            limits[NodeDuration] = (SeriesPerCanary[NodeDuration] * canaries) + 100;
        }

        return limits;
    }

    // Eleven boundaries from 50 ms to 10 min: the canary's own steps take tens of milliseconds to seconds (ComfyUICanarySlow
    // fires on their p95 above 10 s), its wait in the queue behind users' work and its total up to Probe:MaxQueueWait.
    private static readonly double[] Buckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120, 600];
    private static readonly double[] LagBuckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _nodeDuration;
    private readonly Histogram<double> _lag;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, System.Collections.Concurrent.ConcurrentDictionary<string, byte>> _nodeTypes = new();
    private readonly bool _perInstanceNodeDurations;

    public ProbeMetrics(IMeterFactory meterFactory, ProbeFleet fleet, Microsoft.Extensions.Options.IOptions<ProbeOptions> options)
    {
        _perInstanceNodeDurations = options.Value.PerInstanceNodeDurations;
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableGauge(Success, () => Each<int>(fleet, (i, c, s) => s.LastSuccess is { } ok ? [new Measurement<int>(ok ? 1 : 0, Tags(i, c))] : []),
            description: "1 when the last run of the canary succeeded, else 0.");
        meter.CreateObservableGauge(LastSuccess, () => Each<double>(fleet, (i, c, s) => s.LastSuccessAt is { } at ? [new Measurement<double>(at.ToUnixTimeMilliseconds() / 1000.0, Tags(i, c))] : []),
            "s", "When the canary last succeeded, in Unix seconds.");
        meter.CreateObservableCounter(Runs, () => Each(fleet, (i, c, s) => s.Runs().Select(r =>
            new Measurement<long>(r.Value, [.. Tags(i, c), new("result", r.Key.Result), new("reason", r.Key.Reason)]))),
            "{run}", "Canary runs by result (success, failure, deferred, skipped) and reason (none on success; busy when deferred: the canary waited "
                + "Probe:MaxQueueWait behind a prompt running within the instance's stall window, or the sampler canary found the instance busy; no_checkpoint "
                + "when the sampler canary is skipped). Deferred and skipped runs count neither way in the SLO.");
        _duration = meter.CreateHistogram(Duration, "s", "Duration of each phase of a canary run (upload_image, upload_mask, submit, queue_wait, execute, fetch_output, total), "
            + "per instance; the sampler canary's are of all instances of this replica.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Buckets });
        _nodeDuration = meter.CreateHistogram(NodeDuration, "s", "Time of each executed node of a canary run, by node type (cached nodes are not executed), from the run's WebSocket messages; of all instances of this replica unless Probe:PerInstanceNodeDurations.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Buckets });
        meter.CreateObservableGauge(SamplingSpeed, () => Each<double>(fleet, (i, c, s) => s.Sampling.StepsPerSecond is { } speed ? [new Measurement<double>(speed, Tags(i, c))] : []),
            null, "The sampler canary's last measured speed: its sampler's steps over the sampler node's time (model load not included).");
        meter.CreateObservableGauge(ModelLoad, () => Each<double>(fleet, (i, c, s) => s.Sampling.ModelLoadSeconds is { } load ? [new Measurement<double>(load, Tags(i, c))] : []),
            "s", "The sampler canary's last checkpoint load time (0 when the model was cached: the first run after a restart pays the load).");
        _lag = meter.CreateHistogram(Lag, "s", "How late runs start behind their schedule (all instances of this replica together).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LagBuckets });
    }

    public void RecordLag(double seconds) => _lag.Record(Math.Max(0, seconds));

    public void Record(CanaryRun run)
    {
        // The sampler canary's phases are the replica's (by canary and phase): per instance, it costs only its success,
        // runs, speed and model load series.
        var perInstance = run.Canary != SamplerCanary.CanaryName;
        foreach (var (phase, seconds) in run.Phases)
        {
            _duration.Record(seconds, perInstance ? [.. Tags(run.Instance, run.Canary), new("phase", phase)] : [new("canary", run.Canary), new("phase", phase)]);
        }

        foreach (var node in run.Nodes ?? [])
        {
            var nodeType = new KeyValuePair<string, object?>("node_type", NodeTypeLabel(run.Canary, node.NodeType));
            _nodeDuration.Record(node.Seconds, _perInstanceNodeDurations ? [.. Tags(run.Instance, run.Canary), nodeType] : [new("canary", run.Canary), nodeType]);
        }
    }

    /// <summary>The node type, cleaned like the collector's node_type label, or "other" past the cap of distinct types of the canary.</summary>
    private string NodeTypeLabel(string canary, string nodeType)
    {
        var clean = ComfyMonitor.Discovery.LabelValues.Clean(nodeType);
        var seen = _nodeTypes.GetOrAdd(canary, _ => new());
        return seen.ContainsKey(clean) || (seen.Count < NodeTypeCap && seen.TryAdd(clean, 0)) ? clean : "other";
    }

    private static KeyValuePair<string, object?>[] Tags(string instance, string canary) =>
        [new(InstanceLabel, instance), new("canary", canary)];

    private static IEnumerable<Measurement<T>> Each<T>(ProbeFleet fleet, Func<string, string, CanaryStatus, IEnumerable<Measurement<T>>> select)
        where T : struct =>
        fleet.Instances.SelectMany(i => i.Canaries.OrderBy(c => c.Key, StringComparer.Ordinal).SelectMany(c => select(i.Endpoint.Name, c.Key, c.Value)));
}
