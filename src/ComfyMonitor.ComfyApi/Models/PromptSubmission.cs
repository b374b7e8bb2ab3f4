namespace ComfyMonitor.ComfyApi.Models;

/// <summary>The answer to POST /prompt: accepted (200) or rejected by validation (400).</summary>
public sealed class PromptSubmission
{
    public PromptResponse? Accepted { get; init; }

    public PromptErrorResponse? Rejected { get; init; }

    public bool IsAccepted => Accepted is not null;
}
