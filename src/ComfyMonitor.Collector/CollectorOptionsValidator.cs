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

        if (o.ExtensionsInterval <= TimeSpan.Zero)
        {
            problems.Add($"{s}:ExtensionsInterval must be positive (got {o.ExtensionsInterval})");
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
