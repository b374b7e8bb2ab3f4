using Microsoft.Extensions.Options;

namespace ComfyMonitor.Probe;

/// <summary>Every problem of the Probe:Canaries:Sampler section at once, each with its key.</summary>
public sealed class SamplerCanaryOptionsValidator : IValidateOptions<SamplerCanaryOptions>
{
    public ValidateOptionsResult Validate(string? name, SamplerCanaryOptions o)
    {
        const string s = SamplerCanaryOptions.Section;
        var problems = new List<string>();
        if (o.Interval <= TimeSpan.Zero)
        {
            problems.Add($"{s}:Interval must be positive (got {o.Interval})");
        }

        if (o.Timeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            problems.Add($"{s}:Timeout must be positive (got {timeout})");
        }

        if (o.Steps is < 1 or > 100)
        {
            problems.Add($"{s}:Steps must be between 1 and 100 (got {o.Steps})");
        }

        foreach (var (key, value) in new[] { ("Width", o.Width), ("Height", o.Height) })
        {
            if (value is < 16 or > 2048 || value % 8 != 0)
            {
                problems.Add($"{s}:{key} must be a multiple of 8 from 16 to 2048 (got {value})");
            }
        }

        foreach (var bad in o.Checkpoints.Where(c => c.Contains("..", StringComparison.Ordinal) || c.StartsWith('/') || c.Any(char.IsControl)))
        {
            problems.Add($"{s}:Checkpoint: '{bad}' is not a checkpoint file name (names as the loader lists them, comma-separated)");
        }

        if (string.IsNullOrWhiteSpace(o.SamplerName) || string.IsNullOrWhiteSpace(o.Scheduler))
        {
            problems.Add($"{s}:SamplerName and {s}:Scheduler must not be empty");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
