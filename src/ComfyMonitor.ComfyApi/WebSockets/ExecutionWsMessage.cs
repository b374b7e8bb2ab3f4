using ComfyMonitor.ComfyApi.Models;

namespace ComfyMonitor.ComfyApi.WebSockets;

/// <summary>
/// execution_start, execution_cached, execution_success, execution_error or execution_interrupted,
/// with the same fields the history keeps (ids, timestamp, node and exception type).
/// </summary>
public sealed record ExecutionWsMessage(string Type, StatusMessage Data, IReadOnlyList<string> CachedNodes) : ComfyWsMessage(Type)
{
    public bool IsTerminal => Type is StatusMessage.ExecutionSuccess or StatusMessage.ExecutionError or StatusMessage.ExecutionInterrupted;
}
