using System.Globalization;
using ComfyMonitor.Probe.Canaries;
using Microsoft.Extensions.Options;

namespace ComfyMonitor.Probe;

/// <summary>Every problem of the Probe section at once, each with its configuration key.</summary>
public sealed class ProbeOptionsValidator : IValidateOptions<ProbeOptions>
{
    public static readonly IReadOnlyList<string> BuiltIn = [RenderCanary.CanaryName, UploadCanary.CanaryName, MaskCanary.CanaryName];

    /// <summary>The built-in canaries and the sampler (on when Probe:Canaries:Sampler:Checkpoint names a checkpoint).</summary>
    public static readonly IReadOnlyList<string> Known = [.. BuiltIn, SamplerCanary.CanaryName];

    public ValidateOptionsResult Validate(string? name, ProbeOptions o)
    {
        const string s = ProbeOptions.Section;
        var problems = new List<string>();
        if (o.Interval <= TimeSpan.Zero)
        {
            problems.Add($"{s}:Interval must be positive (got {o.Interval})");
        }

        if (o.Timeout <= TimeSpan.Zero)
        {
            problems.Add($"{s}:Timeout must be positive (got {o.Timeout})");
        }

        if (o.MaxQueueWait <= TimeSpan.Zero)
        {
            problems.Add($"{s}:MaxQueueWait must be positive (got {o.MaxQueueWait})");
        }

        if (o.StallAfter <= TimeSpan.Zero)
        {
            problems.Add($"{s}:StallAfter must be positive (got {o.StallAfter})");
        }

        if (o.MaxLearnedStallAfter <= TimeSpan.Zero)
        {
            problems.Add($"{s}:MaxLearnedStallAfter must be positive (got {o.MaxLearnedStallAfter})");
        }

        if (o.RequestTimeout <= TimeSpan.Zero)
        {
            problems.Add($"{s}:RequestTimeout must be positive (got {o.RequestTimeout})");
        }

        if (o.MaxConcurrency < 1)
        {
            problems.Add($"{s}:MaxConcurrency must be at least 1 (got {o.MaxConcurrency})");
        }

        if (o.MaxInstances < 1)
        {
            problems.Add($"{s}:MaxInstances must be at least 1 (got {o.MaxInstances})");
        }

        if (o.RecentRuns < 1)
        {
            problems.Add($"{s}:RecentRuns must be at least 1 (got {o.RecentRuns})");
        }

        if (string.IsNullOrWhiteSpace(o.Subfolder) || o.Subfolder.Contains("..", StringComparison.Ordinal) || o.Subfolder.StartsWith('/'))
        {
            problems.Add($"{s}:Subfolder must be a relative folder name without '..' (got '{o.Subfolder}')");
        }

        foreach (var key in o.Canaries.Keys.Where(k => !Known.Contains(k, StringComparer.OrdinalIgnoreCase)))
        {
            problems.Add($"{s}:Canaries:{key} is not a built-in canary ({string.Join(", ", Known)}); use {s}:Custom for your own");
        }

        var names = new HashSet<string>(Known, StringComparer.Ordinal);
        for (var i = 0; i < o.Custom.Count; i++)
        {
            var c = o.Custom[i];
            var key = $"{s}:Custom:{i}";
            if (string.IsNullOrWhiteSpace(c.Name))
            {
                problems.Add($"{key}:Name is missing");
            }
            else if (!names.Add(c.Name))
            {
                problems.Add($"{key}:Name '{c.Name}' is already used by another canary");
            }

            if (string.IsNullOrWhiteSpace(c.Workflow))
            {
                problems.Add($"{key}:Workflow is missing");
            }
            else
            {
                try
                {
                    var graph = CustomCanary.Load(c.Workflow);
                    if (string.IsNullOrWhiteSpace(c.OutputNode))
                    {
                        problems.Add($"{key}:OutputNode is missing");
                    }
                    else if (!graph.ContainsKey(c.OutputNode))
                    {
                        problems.Add($"{key}:OutputNode '{c.OutputNode}' is not a node of {c.Workflow}");
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
                {
                    problems.Add($"{key}:Workflow '{c.Workflow}' cannot be used: {ex.Message}");
                }
            }

            if (c.MeanColor is { } color && (color.TrimStart('#').Length != 6 || !int.TryParse(color.TrimStart('#'), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out _)))
            {
                problems.Add($"{key}:MeanColor must be #RRGGBB (got '{color}')");
            }

            if (c.Width is <= 0 || c.Height is <= 0)
            {
                problems.Add($"{key}:Width and {key}:Height must be positive");
            }

            if (c.Tolerance is < 0 or > 255)
            {
                problems.Add($"{key}:Tolerance must be from 0 to 255 (got {c.Tolerance})");
            }
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
