namespace ComfyMonitor.ComfyApi;

/// <summary>Thrown by <see cref="ResponseSizeLimitHandler"/> when a body passes the cap.</summary>
public sealed class ComfyResponseTooLargeException(long limit)
    : IOException($"The response body is larger than the limit of {limit} bytes.")
{
    public long Limit { get; } = limit;
}
