namespace ComfyMonitor.ComfyApi;

/// <summary>
/// A failed request. <see cref="Message"/> is built by this library, never copied from a response
/// body or an exception that could carry a URL with credentials.
/// </summary>
public sealed record ComfyError(ComfyErrorReason Reason, string Message, int? StatusCode = null)
{
    /// <summary>The metric label: timeout, connect, http_status, invalid_response or too_large.</summary>
    public string Label => ToLabel(Reason);

    public static string ToLabel(ComfyErrorReason reason) => reason switch
    {
        ComfyErrorReason.Timeout => "timeout",
        ComfyErrorReason.Connect => "connect",
        ComfyErrorReason.HttpStatus => "http_status",
        ComfyErrorReason.InvalidResponse => "invalid_response",
        ComfyErrorReason.TooLarge => "too_large",
        _ => "unknown",
    };

    public override string ToString() => $"{Label}: {Message}";
}
