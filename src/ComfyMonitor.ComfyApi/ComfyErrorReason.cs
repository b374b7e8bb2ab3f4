namespace ComfyMonitor.ComfyApi;

/// <summary>Why a request to ComfyUI failed. The label values are the <c>reason</c> label of the metrics.</summary>
public enum ComfyErrorReason
{
    Timeout,
    Connect,
    HttpStatus,
    InvalidResponse,
    TooLarge,
}
