using ComfyMonitor.Collector.State;

namespace ComfyMonitor.Collector;

/// <summary>The collector's metric names (as the instruments are created: the exporter adds unit and _total suffixes), and the series limits they get.</summary>
public sealed partial class CollectorMetrics
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
}
