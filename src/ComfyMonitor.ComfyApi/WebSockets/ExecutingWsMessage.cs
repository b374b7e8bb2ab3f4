namespace ComfyMonitor.ComfyApi.WebSockets;

/// <summary><c>executing</c>; <see cref="Node"/> null is the legacy "prompt done" signal.</summary>
public sealed record ExecutingWsMessage(string? Node, string? PromptId) : ComfyWsMessage("executing");
