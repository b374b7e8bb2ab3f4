using ComfyMonitor.ComfyApi;

namespace ComfyMonitor.Probe.Canaries;

/// <summary>The fixed set of reasons a canary run fails with (the <c>reason</c> label).</summary>
public static class FailureReasons
{
    public const string None = "none";
    public const string Connect = "connect";
    public const string HttpStatus = "http_status";
    public const string InvalidResponse = "invalid_response";
    public const string UploadRejected = "upload_rejected";
    public const string ValidationError = "validation_error";
    public const string ExecutionError = "execution_error";
    public const string Timeout = "timeout";
    public const string QueueWait = "queue_wait";
    public const string OutputMissing = "output_missing";
    public const string OutputMismatch = "output_mismatch";

    /// <summary>The output is black or one flat colour (the sampler canary): the model ran and produced nothing.</summary>
    public const string BlankOutput = "blank_output";

    public static readonly IReadOnlyList<string> All =
        [Connect, HttpStatus, InvalidResponse, UploadRejected, ValidationError, ExecutionError, Timeout, QueueWait, OutputMissing, OutputMismatch, BlankOutput];

    /// <summary>The reason of a failed request.</summary>
    public static string From(ComfyError error) => error.Reason switch
    {
        ComfyErrorReason.Connect => Connect,
        ComfyErrorReason.Timeout => Timeout,
        ComfyErrorReason.HttpStatus => HttpStatus,
        _ => InvalidResponse,
    };
}
