using System.Diagnostics.Metrics;
using ComfyMonitor.Collector.State;

namespace ComfyMonitor.Collector;

/// <summary>
/// The collector's instruments, named as DESIGN.md exposes them. Readings are observable instruments over
/// the fleet's snapshots, so that a down instance reports only comfyui_up and a removed one disappears;
/// durations are histograms recorded as the cycles see them.
/// </summary>
public sealed partial class CollectorMetrics
{
    // Eight buckets: with Collector:PerInstanceHistograms, every bucket costs a series per instance and endpoint.
    private static readonly double[] RequestBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

    // Execution times exist per instance: eight buckets, doubling from 2.5 s (an SD 1.5 image) to 160 s, then 10 minutes
    // (video). Queue waits are the fleet's unless Collector:PerInstanceHistograms, so they keep finer buckets.
    private static readonly double[] ExecutionBuckets = [2.5, 5, 10, 20, 40, 80, 160, 600];
    private static readonly double[] QueueWaitBuckets = [0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
    private static readonly double[] LagBuckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

    private readonly FleetState _fleet;
    private readonly bool _perInstanceHistograms;
    private readonly Histogram<double> _scrapeDuration;
    private readonly Histogram<double> _executionDuration;
    private readonly Histogram<double> _queueWait;
    private readonly Histogram<double> _lag;
    private readonly Counter<long> _outputCheckBytes;
    private IReadOnlyList<InstanceSnapshot> _cached = [];
    private long _cachedAt;

    public CollectorMetrics(IMeterFactory meterFactory, FleetState fleet, Microsoft.Extensions.Options.IOptions<CollectorOptions> options,
        ComfyMonitor.ComfyApi.TransferStatistics? transfer = null)
    {
        _fleet = fleet;
        _perInstanceHistograms = options.Value.PerInstanceHistograms;
        var meter = meterFactory.Create(MeterName);

        meter.CreateObservableGauge(Up, () => Each(_ => true, s => s.Up ? 1 : 0),
            description: "1 when the last /system_stats scrape of the instance succeeded, else 0.");
        meter.CreateObservableGauge(BuildInfo, () => Each(s => s.Build is not null, s => 1, s => new Tags
        {
            { "comfyui_version", s.Build!.ComfyUIVersion },
            { "python_version", s.Build.PythonVersion },
            { "pytorch_version", s.Build.PytorchVersion },
            { "os", s.Build.Os },
            { "embedded_python", s.Build.EmbeddedPython },
        }), description: "Versions reported by /system_stats; always 1.");
        meter.CreateObservableGauge(RamTotal, () => Each(s => s.RamTotal is not null, s => s.RamTotal!.Value), "By", "System RAM of the host.");
        meter.CreateObservableGauge(RamFree, () => Each(s => s.RamFree is not null, s => s.RamFree!.Value), "By", "Available system RAM of the host.");
        meter.CreateObservableGauge(VramTotal, () => Devices(d => d.VramTotal), "By", "Total memory of the device.");
        meter.CreateObservableGauge(VramFree, () => Devices(d => d.VramFree), "By", "Free memory of the device (driver free plus what PyTorch holds unused).");
        meter.CreateObservableGauge(TorchVramTotal, () => Devices(d => d.TorchVramTotal), "By", "Memory reserved by PyTorch's allocator on the device.");
        meter.CreateObservableGauge(TorchVramFree, () => Devices(d => d.TorchVramFree), "By", "Memory reserved by PyTorch but not in use.");
        meter.CreateObservableGauge(QueueRunning, () => Each(s => s.Queue is not null, s => s.Queue!.Running), "{prompt}", "Users' prompts running (the probe's canaries are not counted).");
        meter.CreateObservableGauge(QueuePending, () => Each(s => s.Queue is not null, s => s.Queue!.Pending), "{prompt}", "Users' prompts waiting in the queue (the probe's canaries are not counted).");
        meter.CreateObservableGauge(QueueOldestPendingAge, () => Each(s => s.Queue is not null, s => s.Queue!.OldestPendingAgeSeconds ?? 0), "s",
            "Age of the oldest pending user's prompt (from its create_time where the server has it, else from when the collector first saw it); 0 when none. The probe's canaries are not users' prompts.");
        meter.CreateObservableGauge(QueueRunningAge, () => Each(s => s.Queue is not null, s => s.Queue!.RunningAgeSeconds ?? 0), "s",
            "How long the running user's prompt has been running, as the collector saw it; 0 when none (or when the probe's canary runs).");
        meter.CreateObservableGauge(QueueStalled, () => Each(s => s.Stalled is not null, s => s.Stalled!.Value ? 1 : 0),
            description: "1 when the queue is non-empty and nothing progressed for the instance's stall window (comfyui_queue_stall_after_seconds).");
        meter.CreateObservableGauge(QueueLastProgress, () => Each(s => s.LastProgress is not null, s => s.LastProgress!.Value.ToUnixTimeMilliseconds() / 1000.0), "s",
            "When the queue last progressed (a new history entry or a new running prompt) or was idle, in Unix seconds.");
        meter.CreateObservableGauge(QueueStallAfter, () => Each(s => s.StallAfterSeconds is not null, s => s.StallAfterSeconds!.Value), "s",
            "The instance's stall window: its own (target label comfymonitor_stall_after, then ComfyUI:Pools:NAME:StallAfter), else learned from its recent jobs (1.5 × p99, at least Collector:StallAfter, at most Collector:MaxLearnedStallAfter).");
        meter.CreateObservableGauge(QueueBacklogAfter, () => Each(s => s.BacklogAfterSeconds is not null, s => s.BacklogAfterSeconds!.Value), "s",
            "How long the instance's oldest pending prompt may wait: its own (comfymonitor_backlog_after, ComfyUI:Pools:NAME:BacklogAfter), else learned (3 × p99 job, at least Collector:BacklogAfter).");
        meter.CreateObservableGauge(ErrorClients, () => Each(s => s.ErrorClients is not null, s => s.ErrorClients!.Value), "{client}",
            "Distinct clients (client_id; prompts without one are one client) whose prompts failed on the instance in the last 15 minutes. The ids are hashed in memory, never kept or exported.");
        meter.CreateObservableGauge(Extensions, () => Each(s => s.ExtensionCount is not null, s => s.ExtensionCount!.Value), "{extension}", "Frontend extensions listed by /extensions.");
        meter.CreateObservableGauge(ExtensionsInfo, () => Each(s => s.ExtensionFingerprint is not null, s => 1, s => new Tags { { "fingerprint", s.ExtensionFingerprint } }),
            description: "Fingerprint of the sorted extension list; several values across the fleet mean drift. Always 1.");
        meter.CreateObservableGauge(Models, () => Folders((s, f) => new Measurement<int>(f.Count, new Tags { { InstanceLabel, s.Name }, { "folder", f.Folder } })),
            "{model}", "Files in a model folder (/models/{folder}), for the folders of Collector:ModelFolders the server has.");
        meter.CreateObservableGauge(ModelsInfo, () => Folders((s, f) => new Measurement<int>(1, new Tags
            {
                { InstanceLabel, s.Name }, { "folder", f.Folder }, { "fingerprint", f.Fingerprint }, { "drift_group", s.DriftGroup },
            })),
            description: "Fingerprint of the sorted file names of a model folder; instances of one drift_group (Collector:ModelDriftGroupLabel) with "
                + "several values hold different models. Always 1.");
        meter.CreateObservableGauge(Instances, () => _fleet.Count, "{instance}", "Instances this replica scrapes (after sharding).");
        if (transfer is not null)
        {
            meter.CreateObservableCounter(ResponseBytes, () => transfer.ResponseBytes, "By", "Bytes of response bodies read from ComfyUI servers.");
        }

        meter.CreateObservableCounter(ScrapeErrors, () => Counts(s => s.ScrapeErrors, (k, t) => { t.Add("endpoint", k.Endpoint); t.Add("reason", k.Reason); }), "{error}",
            "Failed requests to an instance by endpoint and reason (timeout, connect, http_status, invalid_response, too_large).");
        meter.CreateObservableCounter(PromptsCompleted, () => Counts(s => s.Completed, (k, t) => t.Add("status", k)), "{prompt}",
            "Users' prompts that finished, by status (success, error, interrupted), counted once from the history; the probe's canaries are not among them.");
        meter.CreateObservableCounter(ProbePrompts, () => Counts(s => s.ProbeCompleted, (k, t) => t.Add("status", k)), "{prompt}",
            "The ComfyMonitor probe's canary prompts that finished (client_id comfymonitor-probe-...), by status, counted once from the history.");
        meter.CreateObservableCounter(OutputsChecked, () => Counts(s => s.OutputChecks, (k, t) => t.Add("result", k)), "{output}",
            "Users' outputs checked for blankness (Collector:OutputChecks:Every), by result: ok, blank (black), unreadable.");
        meter.CreateObservableCounter(PromptFailures, () => Counts(s => s.Failures, (k, t) => t.Add("category", k)), "{prompt}",
            "Prompts that failed, by category: out_of_memory, model_missing (a file not found), other. The messages are read to classify, never exported.");
        meter.CreateObservableCounter(Restarts, () => Each(_ => true, s => s.Restarts), "{restart}",
            "Restarts of the ComfyUI process, seen as prompt numbers starting again while the history seen before is gone; counted with the first prompt after the restart.");
        meter.CreateObservableCounter(NodeErrors, () => Counts(s => s.NodeErrors, (k, t) => { t.Add("node_type", k.NodeType); t.Add("exception_type", k.ExceptionType); }), "{error}",
            "Prompts that failed, by the failing node type and exception type; per instance the distinct pairs are capped and the rest counted as other.");

        var scope = _perInstanceHistograms ? "per instance" : "over the instances of this replica (per instance with Collector:PerInstanceHistograms)";
        _scrapeDuration = meter.CreateHistogram(ScrapeDuration, "s", $"Duration of requests to ComfyUI instances by endpoint, {scope}.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = RequestBuckets });
        _executionDuration = meter.CreateHistogram(ExecutionDuration, "s", "Execution time of finished prompts, from the server's timestamps.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = ExecutionBuckets });
        _queueWait = meter.CreateHistogram(QueueWait, "s", $"Time finished prompts waited in the queue where the server's timestamps allow, {scope}.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = QueueWaitBuckets });
        _outputCheckBytes = meter.CreateCounter<long>(OutputCheckBytes, "By", "Bytes of users' outputs fetched for output checks (Collector:OutputChecks), all instances of this replica.");
        _lag = meter.CreateHistogram(ScrapeLag, "s", "How late scrape cycles start behind their schedule.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LagBuckets });
    }

    /// <summary>What one cycle of an instance adds to the histograms: its requests' durations and its newly finished prompts'.</summary>
    public void Record(string instance, CycleOutcome outcome)
    {
        var tag = new KeyValuePair<string, object?>(InstanceLabel, instance);
        foreach (var (endpoint, seconds) in outcome.RequestSeconds)
        {
            var endpointTag = new KeyValuePair<string, object?>("endpoint", endpoint);
            if (_perInstanceHistograms)
            {
                _scrapeDuration.Record(seconds, tag, endpointTag);
            }
            else
            {
                _scrapeDuration.Record(seconds, endpointTag);
            }
        }

        if (outcome.OutputCheckBytes > 0)
        {
            _outputCheckBytes.Add(outcome.OutputCheckBytes);
        }

        foreach (var s in outcome.ExecutionSeconds)
        {
            _executionDuration.Record(s, tag);
        }

        foreach (var s in outcome.QueueWaitSeconds)
        {
            if (_perInstanceHistograms)
            {
                _queueWait.Record(s, tag);
            }
            else
            {
                _queueWait.Record(s);
            }
        }
    }

    public void RecordLag(double seconds) => _lag.Record(Math.Max(0, seconds));

    /// <summary>One snapshot list per collection, shared by every callback.</summary>
    private IReadOnlyList<InstanceSnapshot> Snapshots()
    {
        var now = Environment.TickCount64;
        if (now - Interlocked.Read(ref _cachedAt) > 250)
        {
            _cached = _fleet.Snapshots();
            Interlocked.Exchange(ref _cachedAt, now);
        }

        return _cached;
    }

    private IEnumerable<Measurement<double>> Each(Func<InstanceSnapshot, bool> when, Func<InstanceSnapshot, double> value, Func<InstanceSnapshot, Tags>? tags = null)
    {
        foreach (var s in Snapshots())
        {
            if (!when(s))
            {
                continue;
            }

            var t = tags?.Invoke(s) ?? [];
            t.Insert(0, new(InstanceLabel, s.Name));
            yield return new Measurement<double>(value(s), t);
        }
    }

    private IEnumerable<Measurement<int>> Folders(Func<InstanceSnapshot, ModelFolder, Measurement<int>> measure)
    {
        foreach (var s in Snapshots())
        {
            foreach (var f in s.Models)
            {
                yield return measure(s, f);
            }
        }
    }

    private IEnumerable<Measurement<double>> Devices(Func<DeviceSnapshot, long?> value)
    {
        foreach (var s in Snapshots())
        {
            foreach (var d in s.Devices)
            {
                if (value(d) is { } v)
                {
                    yield return new Measurement<double>(v, new Tags { { InstanceLabel, s.Name }, { "device", d.Device }, { "device_type", d.DeviceType } });
                }
            }
        }
    }

    private IEnumerable<Measurement<long>> Counts<TKey>(Func<InstanceSnapshot, IReadOnlyDictionary<TKey, long>> select, Action<TKey, Tags> describe)
        where TKey : notnull
    {
        foreach (var s in Snapshots())
        {
            foreach (var (key, count) in select(s))
            {
                var tags = new Tags { { InstanceLabel, s.Name } };
                describe(key, tags);
                yield return new Measurement<long>(count, tags);
            }
        }
    }

    /// <summary>A tag list with collection-initializer Add.</summary>
    private sealed class Tags : List<KeyValuePair<string, object?>>
    {
        public void Add(string key, object? value) => Add(new KeyValuePair<string, object?>(key, value));
    }
}
