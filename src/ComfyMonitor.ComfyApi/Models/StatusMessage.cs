using System.Text.Json.Serialization;
using ComfyMonitor.ComfyApi.Json;

namespace ComfyMonitor.ComfyApi.Models;

/// <summary>
/// One <c>[event_name, data]</c> pair of a history status. Tracebacks, current_inputs and
/// current_outputs are skipped: they can carry users' prompt values.
/// </summary>
[JsonConverter(typeof(StatusMessageConverter))]
public sealed class StatusMessage
{
    public const string ExecutionStart = "execution_start";
    public const string ExecutionCached = "execution_cached";
    public const string ExecutionSuccess = "execution_success";
    public const string ExecutionError = "execution_error";
    public const string ExecutionInterrupted = "execution_interrupted";

    public string Event { get; init; } = "";

    public string? PromptId { get; init; }

    /// <summary>Server epoch milliseconds.</summary>
    public long? TimestampMs { get; init; }

    public string? NodeId { get; init; }

    public string? NodeType { get; init; }

    /// <summary><c>module.QualName</c>, e.g. "torch.OutOfMemoryError".</summary>
    public string? ExceptionType { get; init; }

    public string? ExceptionMessage { get; init; }
}
