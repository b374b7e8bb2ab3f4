using Microsoft.Extensions.Options;

namespace ComfyMonitor.Discovery;

/// <summary>Shard:Index must be in [0, Count).</summary>
public sealed class ShardOptionsValidator(string section) : IValidateOptions<ShardOptions>
{
    public ValidateOptionsResult Validate(string? name, ShardOptions options)
    {
        var problems = new List<string>();
        if (options.Count < 1)
        {
            problems.Add($"{section}:Count must be at least 1 (got {options.Count})");
        }
        else if (options.Index < 0 || options.Index >= options.Count)
        {
            problems.Add($"{section}:Index must be from 0 to {section}:Count - 1 = {options.Count - 1} (got {options.Index})");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
