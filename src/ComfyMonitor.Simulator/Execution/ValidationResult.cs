using System.Text.Json.Nodes;

namespace ComfyMonitor.Simulator.Execution;

/// <summary>What POST /prompt answers: the accepted outputs, and the error and node_errors of the real server.</summary>
public sealed class ValidationResult
{
    public JsonObject? Error { get; init; }

    public JsonObject NodeErrors { get; init; } = [];

    public IReadOnlyList<string> GoodOutputs { get; init; } = [];

    public bool IsValid => Error is null;
}
