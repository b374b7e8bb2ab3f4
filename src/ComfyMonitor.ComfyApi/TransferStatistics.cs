namespace ComfyMonitor.ComfyApi;

/// <summary>Bytes of response bodies read through a <see cref="ResponseSizeLimitHandler"/>: how much a monitor fetches.</summary>
public sealed class TransferStatistics
{
    private long _responseBytes;

    public long ResponseBytes => Interlocked.Read(ref _responseBytes);

    public void AddResponseBytes(long bytes) => Interlocked.Add(ref _responseBytes, bytes);
}
