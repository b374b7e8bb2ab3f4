namespace ComfyMonitor.ComfyApi.WebSockets;

public sealed record ProgressWsMessage(double Value, double Max, string? Node, string? PromptId) : ComfyWsMessage("progress");
