using System.Diagnostics.Metrics;
using ComfyMonitor.Collector.State;

namespace ComfyMonitor.Collector;

/// <summary>
/// The collector's instruments, named as DESIGN.md exposes them. Readings are observable instruments over
/// the fleet's snapshots, so that a down instance reports only comfyui_up and a removed one disappears;
/// durations are histograms recorded as the cycles see them.
/// </summary>
public sealed class CollectorMetrics
{
    public const string MeterName = "ComfyMonitor.Collector";

    public const string Up = "comfyui_up";
    public const string ScrapeDuration = "comfyui_scrape_duration";
    public const string ScrapeErrors = "comfyui_scrape_errors";
    public const string BuildInfo = "comfyui_build_info";
    public const string RamTotal = "comfyui_system_ram_total_bytes";
    public const string RamFree = "comfyui_system_ram_free_bytes";
    public const string VramTotal = "comfyui_device_vram_total_bytes";
    public const string VramFree = "comfyui_device_vram_free_bytes";
    public const string TorchVramTotal = "comfyui_device_torch_vram_total_bytes";
    public const string TorchVramFree = "comfyui_device_torch_vram_free_bytes";
    public const string QueueRunning = "comfyui_queue_running";
    public const string QueuePending = "comfyui_queue_pending";
    public const string QueueOldestPendingAge = "comfyui_queue_oldest_pending_age_seconds";
    public const string QueueRunningAge = "comfyui_queue_running_age_seconds";
    public const string QueueStalled = "comfyui_queue_stalled";
    public const string QueueLastProgress = "comfyui_queue_last_progress_timestamp_seconds";
    public const string QueueStallAfter = "comfyui_queue_stall_after_seconds";
    public const string QueueBacklogAfter = "comfyui_queue_backlog_after_seconds";
    public const string ErrorClients = "comfyui_prompt_error_clients";
    public const string OutputsChecked = "comfyui_outputs_checked";
    public const string PromptsCompleted = "comfyui_prompts_completed";
    public const string ProbePrompts = "comfyui_probe_prompts";
    public const string ExecutionDuration = "comfyui_prompt_execution_duration";
    public const string QueueWait = "comfyui_prompt_queue_wait";
    public const string NodeErrors = "comfyui_prompt_node_errors";
    public const string PromptFailures = "comfyui_prompt_failures";
    public const string Restarts = "comfyui_restarts";
    public const string Extensions = "comfyui_extensions";
    public const string ExtensionsInfo = "comfyui_extensions_info";
    public const string Models = "comfyui_models";
    public const string ModelsInfo = "comfyui_models_info";
    public const string ScrapeLag = "comfymonitor_scrape_lag";
    public const string Instances = "comfymonitor_instances";
    public const string ResponseBytes = "comfymonitor_response_bytes";
    public const string OutputCheckBytes = "comfymonitor_output_check_bytes";

    public const string InstanceLabel = "comfyui_instance";

    public static readonly IReadOnlyList<string> PerInstanceMetrics =
    [
        Up, ScrapeDuration, ScrapeErrors, BuildInfo, RamTotal, RamFree, VramTotal, VramFree, TorchVramTotal, TorchVramFree,
        QueueRunning, QueuePending, QueueOldestPendingAge, QueueRunningAge, QueueStalled, QueueLastProgress, QueueStallAfter, QueueBacklogAfter,
        ErrorClients, OutputsChecked, PromptsCompleted, ProbePrompts, PromptFailures, Restarts, ExecutionDuration, QueueWait, NodeErrors, Extensions, ExtensionsInfo,
        Models, ModelsInfo,
    ];

    /// <summary>
    /// The series limit of each metric (OpenTelemetry keeps a fixed number of series per metric and folds the rest into an
    /// overflow series): the most series an instance can have of it, times the most instances, with room to spare. The
    /// request and queue-wait histograms are the fleet's (by endpoint only) unless <see cref="CollectorOptions.PerInstanceHistograms"/>.
    /// </summary>
    public static Dictionary<string, int> SeriesLimits(int maxInstances, CollectorOptions options)
    {
        var folders = options.ModelFolderList?.Count ?? CollectorOptions.MaxModelFolders;
        var endpoints = ScrapeEndpoints.Count;
        var perInstance = new Dictionary<string, int>
        {
            [ScrapeErrors] = endpoints * Enum.GetValues<ComfyMonitor.ComfyApi.ComfyErrorReason>().Length,
            [VramTotal] = 2,
            [VramFree] = 2,
            [TorchVramTotal] = 2,
            [TorchVramFree] = 2,
            [PromptsCompleted] = 3,
            [OutputsChecked] = 3,
            [ProbePrompts] = 3,
            [PromptFailures] = 3,
            [NodeErrors] = 8,
            [BuildInfo] = 2,
            [ExtensionsInfo] = 2,
            [Models] = Math.Max(1, folders),
            // Two fingerprints of a folder while it changes.
            [ModelsInfo] = Math.Max(1, 2 * folders),
        };
        var limits = PerInstanceMetrics.ToDictionary(name => name, name => (perInstance.GetValueOrDefault(name, 1) * maxInstances) + 100);
        if (!options.PerInstanceHistograms)
        {
            limits[ScrapeDuration] = endpoints + 10;
            limits[QueueWait] = 10;
        }
        else
        {
            limits[ScrapeDuration] = (endpoints * maxInstances) + 100;
        }

        return limits;
    }

    /// <summary>The endpoint label values of the request metrics.</summary>
    public static readonly IReadOnlyList<string> ScrapeEndpoints =
    [
        InstanceState.SystemStatsEndpoint, InstanceState.QueueEndpoint, InstanceState.HistoryEndpoint, InstanceState.ExtensionsEndpoint,
        InstanceState.ModelsEndpoint,
    ];

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
