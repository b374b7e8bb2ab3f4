namespace ComfyMonitor.Hosting;

/// <summary>
/// Every metric ComfyMonitor exports, by the name Prometheus stores (with the suffixes OpenTelemetry's exporter adds:
/// the unit's, e.g. _seconds, and _total for counters), with the instrument it comes from. Grep a dashboard query or a
/// rule here to find its source. Tests hold it to the truth: every instrument the collector and the probe create is
/// here under the name the exporter gives it, and every metric the README tables, the dashboards and the rules name is
/// here.
/// </summary>
public static class MetricCatalog
{
    public const string Collector = "collector";
    public const string Probe = "probe";

    /// <summary>Exported by both services (discovery and the target info of the shared host).</summary>
    public const string Both = "collector, probe";

    public static readonly IReadOnlyList<ExportedMetric> All =
    [
        // The collector (ComfyMonitor.Collector.CollectorMetrics).
        new("comfyui_up", MetricKind.Gauge, Collector, "comfyui_up"),
        new("comfyui_scrape_duration_seconds", MetricKind.Histogram, Collector, "comfyui_scrape_duration"),
        new("comfyui_scrape_errors_total", MetricKind.Counter, Collector, "comfyui_scrape_errors"),
        new("comfyui_build_info", MetricKind.Gauge, Collector, "comfyui_build_info"),
        new("comfyui_system_ram_total_bytes", MetricKind.Gauge, Collector, "comfyui_system_ram_total_bytes"),
        new("comfyui_system_ram_free_bytes", MetricKind.Gauge, Collector, "comfyui_system_ram_free_bytes"),
        new("comfyui_device_vram_total_bytes", MetricKind.Gauge, Collector, "comfyui_device_vram_total_bytes"),
        new("comfyui_device_vram_free_bytes", MetricKind.Gauge, Collector, "comfyui_device_vram_free_bytes"),
        new("comfyui_device_torch_vram_total_bytes", MetricKind.Gauge, Collector, "comfyui_device_torch_vram_total_bytes"),
        new("comfyui_device_torch_vram_free_bytes", MetricKind.Gauge, Collector, "comfyui_device_torch_vram_free_bytes"),
        new("comfyui_queue_running", MetricKind.Gauge, Collector, "comfyui_queue_running"),
        new("comfyui_queue_pending", MetricKind.Gauge, Collector, "comfyui_queue_pending"),
        new("comfyui_queue_oldest_pending_age_seconds", MetricKind.Gauge, Collector, "comfyui_queue_oldest_pending_age_seconds"),
        new("comfyui_queue_running_age_seconds", MetricKind.Gauge, Collector, "comfyui_queue_running_age_seconds"),
        new("comfyui_queue_stalled", MetricKind.Gauge, Collector, "comfyui_queue_stalled"),
        new("comfyui_queue_last_progress_timestamp_seconds", MetricKind.Gauge, Collector, "comfyui_queue_last_progress_timestamp_seconds"),
        new("comfyui_queue_stall_after_seconds", MetricKind.Gauge, Collector, "comfyui_queue_stall_after_seconds"),
        new("comfyui_queue_backlog_after_seconds", MetricKind.Gauge, Collector, "comfyui_queue_backlog_after_seconds"),
        new("comfyui_prompt_error_clients", MetricKind.Gauge, Collector, "comfyui_prompt_error_clients"),
        new("comfyui_outputs_checked_total", MetricKind.Counter, Collector, "comfyui_outputs_checked"),
        new("comfyui_prompts_completed_total", MetricKind.Counter, Collector, "comfyui_prompts_completed"),
        new("comfyui_probe_prompts_total", MetricKind.Counter, Collector, "comfyui_probe_prompts"),
        new("comfyui_prompt_execution_duration_seconds", MetricKind.Histogram, Collector, "comfyui_prompt_execution_duration"),
        new("comfyui_prompt_queue_wait_seconds", MetricKind.Histogram, Collector, "comfyui_prompt_queue_wait"),
        new("comfyui_prompt_node_errors_total", MetricKind.Counter, Collector, "comfyui_prompt_node_errors"),
        new("comfyui_prompt_failures_total", MetricKind.Counter, Collector, "comfyui_prompt_failures"),
        new("comfyui_restarts_total", MetricKind.Counter, Collector, "comfyui_restarts"),
        new("comfyui_extensions", MetricKind.Gauge, Collector, "comfyui_extensions"),
        new("comfyui_extensions_info", MetricKind.Gauge, Collector, "comfyui_extensions_info"),
        new("comfyui_models", MetricKind.Gauge, Collector, "comfyui_models"),
        new("comfyui_models_info", MetricKind.Gauge, Collector, "comfyui_models_info"),
        new("comfymonitor_scrape_lag_seconds", MetricKind.Histogram, Collector, "comfymonitor_scrape_lag"),
        new("comfymonitor_instances", MetricKind.Gauge, Collector, "comfymonitor_instances"),
        new("comfymonitor_response_bytes_total", MetricKind.Counter, Collector, "comfymonitor_response_bytes"),
        new("comfymonitor_output_check_bytes_total", MetricKind.Counter, Collector, "comfymonitor_output_check_bytes"),

        // The probe (ComfyMonitor.Probe.ProbeMetrics).
        new("comfyui_canary_success", MetricKind.Gauge, Probe, "comfyui_canary_success"),
        new("comfyui_canary_last_success_timestamp_seconds", MetricKind.Gauge, Probe, "comfyui_canary_last_success_timestamp_seconds"),
        new("comfyui_canary_duration_seconds", MetricKind.Histogram, Probe, "comfyui_canary_duration"),
        new("comfyui_canary_runs_total", MetricKind.Counter, Probe, "comfyui_canary_runs"),
        new("comfyui_canary_node_duration_seconds", MetricKind.Histogram, Probe, "comfyui_canary_node_duration"),
        new("comfyui_canary_sampling_steps_per_second", MetricKind.Gauge, Probe, "comfyui_canary_sampling_steps_per_second"),
        new("comfyui_canary_model_load_seconds", MetricKind.Gauge, Probe, "comfyui_canary_model_load_seconds"),
        new("comfymonitor_probe_lag_seconds", MetricKind.Histogram, Probe, "comfymonitor_probe_lag"),

        // Both services (ComfyMonitor.Discovery.DiscoveryMetrics, ComfyMonitor.Hosting.TargetInfoMetric and BuildInfoMetric).
        new("comfyui_target_info", MetricKind.Gauge, Both, "comfyui_target_info"),
        new("comfymonitor_build_info", MetricKind.Gauge, Both, "comfymonitor_build_info"),
        new("comfymonitor_discovery_targets", MetricKind.Gauge, Both, "comfymonitor_discovery_targets"),
        new("comfymonitor_discovery_failures_total", MetricKind.Counter, Both, "comfymonitor_discovery_failures"),
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

/// <summary>One exported metric: its name in Prometheus, its type, the service that exports it, and its instrument's name.</summary>
public sealed record ExportedMetric(string Name, MetricKind Kind, string Exporter, string Instrument);
