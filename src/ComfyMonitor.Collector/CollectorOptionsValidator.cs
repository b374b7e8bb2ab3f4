using Microsoft.Extensions.Options;

namespace ComfyMonitor.Collector;

/// <summary>Every problem of the Collector section at once, each with its configuration key.</summary>
public sealed class CollectorOptionsValidator : IValidateOptions<CollectorOptions>
{
    public ValidateOptionsResult Validate(string? name, CollectorOptions o)
    {
        const string s = CollectorOptions.Section;
        var problems = new List<string>();
        if (o.Interval <= TimeSpan.Zero)
        {
            problems.Add($"{s}:Interval must be positive (got {o.Interval})");
        }

        if (o.Timeout <= TimeSpan.Zero)
        {
            problems.Add($"{s}:Timeout must be positive (got {o.Timeout})");
        }
        else if (o.Interval > TimeSpan.Zero && o.Timeout >= o.Interval)
        {
            problems.Add($"{s}:Timeout ({o.Timeout}) must be shorter than {s}:Interval ({o.Interval})");
        }

        if (o.StallAfter <= TimeSpan.Zero)
        {
            problems.Add($"{s}:StallAfter must be positive (got {o.StallAfter})");
        }

        if (o.BacklogAfter <= TimeSpan.Zero)
        {
            problems.Add($"{s}:BacklogAfter must be positive (got {o.BacklogAfter})");
        }

        if (o.MaxLearnedStallAfter <= TimeSpan.Zero)
        {
            problems.Add($"{s}:MaxLearnedStallAfter must be positive (got {o.MaxLearnedStallAfter})");
        }

        if (o.ExtensionsInterval <= TimeSpan.Zero)
        {
            problems.Add($"{s}:ExtensionsInterval must be positive (got {o.ExtensionsInterval})");
        }

        if (o.ModelsInterval <= TimeSpan.Zero)
        {
            problems.Add($"{s}:ModelsInterval must be positive (got {o.ModelsInterval})");
        }

        if (o.ModelFolderList is { } folders)
        {
            if (folders.Count > CollectorOptions.MaxModelFolders)
            {
                problems.Add($"{s}:ModelFolders lists {folders.Count} folders, at most {CollectorOptions.MaxModelFolders}");
            }

            foreach (var bad in folders.Where(f => f == "*" || f.Any(c => c is '/' or '\\' or '?' or '#' or '%' || char.IsControl(c)) || f is "." or ".."))
            {
                problems.Add($"{s}:ModelFolders: '{bad}' is not a folder name (a comma-separated list such as checkpoints,loras, or * alone for every folder)");
            }
        }

        if (o.ModelDriftGroupLabel.Length > 0 && ComfyMonitor.Discovery.TargetLabels.Name(o.ModelDriftGroupLabel) != o.ModelDriftGroupLabel)
        {
            problems.Add($"{s}:ModelDriftGroupLabel '{o.ModelDriftGroupLabel}' is not a label name (letters, digits and _, not starting with a digit)");
        }

        if (o.MaxConcurrency < 1)
        {
            problems.Add($"{s}:MaxConcurrency must be at least 1 (got {o.MaxConcurrency})");
        }

        if (o.NodeErrorCap < 1)
        {
            problems.Add($"{s}:NodeErrorCap must be at least 1 (got {o.NodeErrorCap})");
        }

        if (o.MaxHistoryBatch < 1)
        {
            problems.Add($"{s}:MaxHistoryBatch must be at least 1 (got {o.MaxHistoryBatch})");
        }

        if (o.OutputChecks.Every < 0)
        {
            problems.Add($"{s}:OutputChecks:Every must be 0 (off) or more (got {o.OutputChecks.Every})");
        }

        if (o.FailureFeed.Size is < 0 or > FailureFeedOptions.MaxSize)
        {
            problems.Add($"{s}:FailureFeed:Size must be 0 (off) to {FailureFeedOptions.MaxSize} (got {o.FailureFeed.Size})");
        }

        if (o.OutputChecks.MaxBytes < 1024)
        {
            problems.Add($"{s}:OutputChecks:MaxBytes must be at least 1024 (got {o.OutputChecks.MaxBytes})");
        }

        if (o.MaxInstances < 1)
        {
            problems.Add($"{s}:MaxInstances must be at least 1 (got {o.MaxInstances})");
        }

        if (o.MaxResponseBytes < 1024)
        {
            problems.Add($"{s}:MaxResponseBytes must be at least 1024 (got {o.MaxResponseBytes})");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
