namespace ComfyMonitor.Hosting;

/// <summary>
/// Every metric ComfyMonitor exports, by the name Prometheus stores (with the suffixes OpenTelemetry's exporter adds:
/// the unit's, e.g. _seconds, and _total for counters), with the instrument it comes from and the labels of its series.
/// Grep a dashboard query or a rule here to find its source; docs/metrics.md is generated from it. Tests hold it to the
/// truth: every instrument the collector and the probe create is here under the name the exporter gives it, their series
/// carry the labels listed here, and every metric docs/, the dashboards and the rules name is here.
/// </summary>
public static class MetricCatalog
{
    public const string Collector = "collector";
    public const string Probe = "probe";

    /// <summary>Exported by both services (discovery and the target info of the shared host).</summary>
    public const string Both = "collector, probe";

    /// <summary>The label of per-instance series: the instance's name.</summary>
    public const string Instance = "comfyui_instance";

    /// <summary><see cref="Instance"/> on some series only (the replica's series by default, per instance on request).</summary>
    public const string OptionalInstance = Instance + ExportedMetric.Optional;

    /// <summary>Stands for the target's own labels (from discovery or configuration), whatever their names.</summary>
    public const string TargetLabels = "*";

    public static readonly IReadOnlyList<ExportedMetric> All =
    [
        // The collector (ComfyMonitor.Collector.CollectorMetrics).
        new("comfyui_up", MetricKind.Gauge, Collector, "comfyui_up", [Instance]),
        new("comfyui_scrape_duration_seconds", MetricKind.Histogram, Collector, "comfyui_scrape_duration", [OptionalInstance, "endpoint"]),
        new("comfyui_scrape_errors_total", MetricKind.Counter, Collector, "comfyui_scrape_errors", [Instance, "endpoint", "reason"]),
        new("comfyui_build_info", MetricKind.Gauge, Collector, "comfyui_build_info", [Instance, "comfyui_version", "python_version", "pytorch_version", "os", "embedded_python"]),
        new("comfyui_system_ram_total_bytes", MetricKind.Gauge, Collector, "comfyui_system_ram_total_bytes", [Instance]),
        new("comfyui_system_ram_free_bytes", MetricKind.Gauge, Collector, "comfyui_system_ram_free_bytes", [Instance]),
        new("comfyui_device_vram_total_bytes", MetricKind.Gauge, Collector, "comfyui_device_vram_total_bytes", [Instance, "device", "device_type"]),
        new("comfyui_device_vram_free_bytes", MetricKind.Gauge, Collector, "comfyui_device_vram_free_bytes", [Instance, "device", "device_type"]),
        new("comfyui_device_torch_vram_total_bytes", MetricKind.Gauge, Collector, "comfyui_device_torch_vram_total_bytes", [Instance, "device", "device_type"]),
        new("comfyui_device_torch_vram_free_bytes", MetricKind.Gauge, Collector, "comfyui_device_torch_vram_free_bytes", [Instance, "device", "device_type"]),
        new("comfyui_queue_running", MetricKind.Gauge, Collector, "comfyui_queue_running", [Instance]),
        new("comfyui_queue_pending", MetricKind.Gauge, Collector, "comfyui_queue_pending", [Instance]),
        new("comfyui_queue_oldest_pending_age_seconds", MetricKind.Gauge, Collector, "comfyui_queue_oldest_pending_age_seconds", [Instance]),
        new("comfyui_queue_running_age_seconds", MetricKind.Gauge, Collector, "comfyui_queue_running_age_seconds", [Instance]),
        new("comfyui_queue_stalled", MetricKind.Gauge, Collector, "comfyui_queue_stalled", [Instance]),
        new("comfyui_queue_last_progress_timestamp_seconds", MetricKind.Gauge, Collector, "comfyui_queue_last_progress_timestamp_seconds", [Instance]),
        new("comfyui_queue_stall_after_seconds", MetricKind.Gauge, Collector, "comfyui_queue_stall_after_seconds", [Instance]),
        new("comfyui_queue_backlog_after_seconds", MetricKind.Gauge, Collector, "comfyui_queue_backlog_after_seconds", [Instance]),
        new("comfyui_prompt_error_clients", MetricKind.Gauge, Collector, "comfyui_prompt_error_clients", [Instance]),
        new("comfyui_outputs_checked_total", MetricKind.Counter, Collector, "comfyui_outputs_checked", [Instance, "result"]),
        new("comfyui_prompts_completed_total", MetricKind.Counter, Collector, "comfyui_prompts_completed", [Instance, "status"]),
        new("comfyui_probe_prompts_total", MetricKind.Counter, Collector, "comfyui_probe_prompts", [Instance, "status"]),
        new("comfyui_prompt_execution_duration_seconds", MetricKind.Histogram, Collector, "comfyui_prompt_execution_duration", [Instance]),
        new("comfyui_prompt_queue_wait_seconds", MetricKind.Histogram, Collector, "comfyui_prompt_queue_wait", [OptionalInstance]),
        new("comfyui_prompt_node_errors_total", MetricKind.Counter, Collector, "comfyui_prompt_node_errors", [Instance, "node_type", "exception_type"]),
        new("comfyui_prompt_failures_total", MetricKind.Counter, Collector, "comfyui_prompt_failures", [Instance, "category"]),
        new("comfyui_restarts_total", MetricKind.Counter, Collector, "comfyui_restarts", [Instance]),
        new("comfyui_extensions", MetricKind.Gauge, Collector, "comfyui_extensions", [Instance]),
        new("comfyui_extensions_info", MetricKind.Gauge, Collector, "comfyui_extensions_info", [Instance, "fingerprint"]),
        new("comfyui_models", MetricKind.Gauge, Collector, "comfyui_models", [Instance, "folder"]),
        new("comfyui_models_info", MetricKind.Gauge, Collector, "comfyui_models_info", [Instance, "folder", "fingerprint", "drift_group"]),
        new("comfymonitor_scrape_lag_seconds", MetricKind.Histogram, Collector, "comfymonitor_scrape_lag", []),
        new("comfymonitor_instances", MetricKind.Gauge, Collector, "comfymonitor_instances", []),
        new("comfymonitor_response_bytes_total", MetricKind.Counter, Collector, "comfymonitor_response_bytes", []),
        new("comfymonitor_output_check_bytes_total", MetricKind.Counter, Collector, "comfymonitor_output_check_bytes", []),

        // The probe (ComfyMonitor.Probe.ProbeMetrics).
        new("comfyui_canary_success", MetricKind.Gauge, Probe, "comfyui_canary_success", [Instance, "canary"]),
        new("comfyui_canary_last_success_timestamp_seconds", MetricKind.Gauge, Probe, "comfyui_canary_last_success_timestamp_seconds", [Instance, "canary"]),
        new("comfyui_canary_duration_seconds", MetricKind.Histogram, Probe, "comfyui_canary_duration", [OptionalInstance, "canary", "phase"]),
        new("comfyui_canary_runs_total", MetricKind.Counter, Probe, "comfyui_canary_runs", [Instance, "canary", "result", "reason"]),
        new("comfyui_canary_node_duration_seconds", MetricKind.Histogram, Probe, "comfyui_canary_node_duration", [OptionalInstance, "canary", "node_type"]),
        new("comfyui_canary_sampling_steps_per_second", MetricKind.Gauge, Probe, "comfyui_canary_sampling_steps_per_second", [Instance, "canary"]),
        new("comfyui_canary_model_load_seconds", MetricKind.Gauge, Probe, "comfyui_canary_model_load_seconds", [Instance, "canary"]),
        new("comfymonitor_probe_lag_seconds", MetricKind.Histogram, Probe, "comfymonitor_probe_lag", []),

        // Both services (ComfyMonitor.Discovery.DiscoveryMetrics, ComfyMonitor.Hosting.TargetInfoMetric and BuildInfoMetric).
        new("comfyui_target_info", MetricKind.Gauge, Both, "comfyui_target_info", [Instance, TargetLabels]),
        new("comfymonitor_build_info", MetricKind.Gauge, Both, "comfymonitor_build_info", ["version", "revision", "dotnet_version"]),
        new("comfymonitor_discovery_targets", MetricKind.Gauge, Both, "comfymonitor_discovery_targets", ["mechanism"]),
        new("comfymonitor_discovery_failures_total", MetricKind.Counter, Both, "comfymonitor_discovery_failures", ["mechanism"]),
    ];

    /// <summary>The names Prometheus stores for a metric: a histogram's _bucket, _sum and _count series besides its own name.</summary>
    public static IEnumerable<string> SeriesNames(ExportedMetric metric) => metric.Kind == MetricKind.Histogram
        ? [metric.Name, metric.Name + "_bucket", metric.Name + "_sum", metric.Name + "_count"]
        : [metric.Name];

    /// <summary>
    /// The name OpenTelemetry's Prometheus exporter gives an instrument: the unit's suffix unless the name ends with it
    /// already (s: _seconds, By: _bytes; annotations such as {prompt} add none), then _total for counters.
    /// </summary>
    public static string ExportedName(string instrument, string? unit, MetricKind kind)
    {
        var suffix = unit switch
        {
            "s" => "_seconds",
            "By" => "_bytes",
            _ => "",
        };
        var name = suffix.Length > 0 && !instrument.EndsWith(suffix, StringComparison.Ordinal) ? instrument + suffix : instrument;
        return kind == MetricKind.Counter && !name.EndsWith("_total", StringComparison.Ordinal) ? name + "_total" : name;
    }
}

public enum MetricKind
{
    Gauge,
    Counter,
    Histogram,
}

/// <summary>
/// One exported metric: its name in Prometheus, its type, the service that exports it, its instrument's name, and its
/// labels (without a histogram's <c>le</c>): a name ending with <see cref="Optional"/> is on some of its series only, and
/// <see cref="MetricCatalog.TargetLabels"/> stands for the target's own labels. Its unit and help are its instrument's.
/// </summary>
public sealed record ExportedMetric(string Name, MetricKind Kind, string Exporter, string Instrument, IReadOnlyList<string> Labels)
{
    /// <summary>Marks a label that is on some series of the metric only.</summary>
    public const string Optional = "?";

    /// <summary>The labels every series of the metric has.</summary>
    public IEnumerable<string> RequiredLabels => Labels.Where(l => !l.EndsWith(Optional, StringComparison.Ordinal) && l != MetricCatalog.TargetLabels);

    /// <summary>Whether a series of the metric may carry <paramref name="label"/>.</summary>
    public bool Allows(string label) => Labels.Contains(MetricCatalog.TargetLabels) || Labels.Any(l => l == label || l == label + Optional);
}
