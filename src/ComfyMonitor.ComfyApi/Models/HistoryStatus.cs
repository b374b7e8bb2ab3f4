using System.Text.Json.Serialization;

namespace ComfyMonitor.ComfyApi.Models;

public sealed class HistoryStatus
{
    /// <summary>"success" or "error" (an interrupted prompt is "error" too).</summary>
    [JsonPropertyName("status_str")]
    public string? StatusStr { get; set; }

    [JsonPropertyName("completed")]
    public bool Completed { get; set; }

    [JsonPropertyName("messages")]
    public List<StatusMessage>? Messages { get; set; }

    [JsonIgnore]
    public StatusMessage? Terminal =>
        Messages?.LastOrDefault(m => m.Event is StatusMessage.ExecutionSuccess or StatusMessage.ExecutionError or StatusMessage.ExecutionInterrupted);

    [JsonIgnore]
    public PromptOutcome Outcome => Terminal?.Event switch
    {
        StatusMessage.ExecutionSuccess => PromptOutcome.Success,
        StatusMessage.ExecutionInterrupted => PromptOutcome.Interrupted,
        StatusMessage.ExecutionError => PromptOutcome.Error,
        _ => StatusStr switch
        {
            "success" => PromptOutcome.Success,
            "error" => PromptOutcome.Error,
            _ => PromptOutcome.Unknown,
        },
    };

    public StatusMessage? Find(string eventName) => Messages?.LastOrDefault(m => m.Event == eventName);
}
