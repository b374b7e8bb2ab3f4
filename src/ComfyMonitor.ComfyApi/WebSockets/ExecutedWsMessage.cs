using ComfyMonitor.ComfyApi.Models;

namespace ComfyMonitor.ComfyApi.WebSockets;

/// <summary><c>executed</c>: a node finished; its UI images, if any.</summary>
public sealed record ExecutedWsMessage(string? Node, string? PromptId, IReadOnlyList<ImageRef> Images) : ComfyWsMessage("executed");
