namespace ComfyMonitor.ComfyApi.WebSockets;

/// <summary>Any other frame type (progress_state, feature_flags, logs, ...), or a frame that is not valid JSON ("invalid").</summary>
public sealed record OtherWsMessage(string Type) : ComfyWsMessage(Type);
