namespace ComfyMonitor.ComfyApi.WebSockets;

/// <summary>A binary frame (previews, text): only its event id and size are kept.</summary>
public sealed record BinaryWsMessage(int EventId, int Length) : ComfyWsMessage("binary");
