namespace ComfyMonitor.ComfyApi.Models;

public enum PromptOutcome
{
    Unknown,
    Success,
    Error,
    Interrupted,
}
