using ComfyMonitor.ComfyApi.Models;
using Refit;

namespace ComfyMonitor.ComfyApi;

/// <summary>
/// ComfyUI's HTTP API as a Refit generated client. Routes use the unprefixed form, which every
/// version serves (the /api mirror predates v0.2.2). Use <see cref="ComfyClient"/>, which turns
/// every failure into a typed <see cref="ComfyError"/>, rather than this interface directly.
/// </summary>
public interface IComfyUiApi
{
    [Get("/system_stats")]
    Task<SystemStats> GetSystemStatsAsync(CancellationToken cancellationToken);

    [Get("/prompt")]
    Task<PromptInfo> GetPromptInfoAsync(CancellationToken cancellationToken);

    [Get("/queue")]
    Task<QueueState> GetQueueAsync(CancellationToken cancellationToken);

    /// <summary>Deletes pending items and/or clears the pending queue (the running item is untouched).</summary>
    [Post("/queue")]
    Task PostQueueAsync([Body] DeleteRequest body, CancellationToken cancellationToken);

    /// <summary>max_items=N gives the newest N, oldest first; offset is honoured from v0.3.60.</summary>
    [Get("/history")]
    Task<HistoryPage> GetHistoryAsync([AliasAs("max_items")] int? maxItems, [AliasAs("offset")] int? offset, CancellationToken cancellationToken);

    /// <summary>{} with 200 while the prompt is unknown, pending or running.</summary>
    [Get("/history/{promptId}")]
    Task<HistoryPage> GetHistoryEntryAsync(string promptId, CancellationToken cancellationToken);

    [Post("/history")]
    Task PostHistoryAsync([Body] DeleteRequest body, CancellationToken cancellationToken);

    [Get("/extensions")]
    Task<List<string>> GetExtensionsAsync(CancellationToken cancellationToken);

    /// <summary>The model folder names (checkpoints, loras, ...).</summary>
    [Get("/models")]
    Task<List<string>> GetModelFoldersAsync(CancellationToken cancellationToken);

    /// <summary>The file names of one model folder; 404 with an empty body for an unknown folder.</summary>
    [Get("/models/{folder}")]
    Task<List<string>> GetModelFilesAsync(string folder, CancellationToken cancellationToken);

    [Get("/object_info")]
    Task<Dictionary<string, NodeInfo>> GetObjectInfoAsync(CancellationToken cancellationToken);

    [Get("/object_info/{nodeClass}")]
    Task<Dictionary<string, NodeInfo>> GetObjectInfoAsync(string nodeClass, CancellationToken cancellationToken);

    [Post("/prompt")]
    Task<IApiResponse<PromptResponse>> PostPromptAsync([Body] PromptRequest request, CancellationToken cancellationToken);

    [Multipart]
    [Post("/upload/image")]
    Task<UploadResponse> UploadImageAsync(
        [AliasAs("image")] StreamPart image,
        [AliasAs("type")] string type,
        [AliasAs("subfolder")] string subfolder,
        [AliasAs("overwrite")] string overwrite,
        CancellationToken cancellationToken);

    [Multipart]
    [Post("/upload/mask")]
    Task<UploadResponse> UploadMaskAsync(
        [AliasAs("image")] StreamPart image,
        [AliasAs("type")] string type,
        [AliasAs("subfolder")] string subfolder,
        [AliasAs("overwrite")] string overwrite,
        [AliasAs("original_ref")] string originalRef,
        CancellationToken cancellationToken);

    [Get("/view")]
    Task<HttpResponseMessage> ViewAsync(
        [AliasAs("filename")] string filename,
        [AliasAs("subfolder")] string subfolder,
        [AliasAs("type")] string type,
        CancellationToken cancellationToken);

    /// <summary>With a prompt id, interrupts only that prompt if it is the running one (v0.3.57+).</summary>
    [Post("/interrupt")]
    Task InterruptAsync([Body] InterruptRequest body, CancellationToken cancellationToken);

    /// <summary>A global interrupt of whatever is running.</summary>
    [Post("/interrupt")]
    Task InterruptAllAsync(CancellationToken cancellationToken);
}
