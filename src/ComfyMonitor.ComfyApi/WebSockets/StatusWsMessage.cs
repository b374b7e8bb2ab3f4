namespace ComfyMonitor.ComfyApi.WebSockets;

/// <summary><c>status</c>: the queue depth; <see cref="Sid"/> only on the first frame after connecting.</summary>
public sealed record StatusWsMessage(int QueueRemaining, string? Sid) : ComfyWsMessage("status");
