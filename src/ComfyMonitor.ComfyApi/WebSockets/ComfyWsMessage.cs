namespace ComfyMonitor.ComfyApi.WebSockets;

/// <summary>A frame from /ws, parsed. Match on the concrete type.</summary>
public abstract record ComfyWsMessage(string Type);
