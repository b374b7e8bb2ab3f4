using Microsoft.Extensions.Options;

namespace ComfyMonitor.Discovery;

/// <summary>Every problem of the ComfyUI section at once, each with its configuration key.</summary>
public sealed class ComfyUIOptionsValidator : IValidateOptions<ComfyUIOptions>
{
    public ValidateOptionsResult Validate(string? name, ComfyUIOptions options)
    {
        var problems = new List<string>();
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < options.Instances.Count; i++)
        {
            var key = $"{ComfyUIOptions.Section}:Instances:{i}";
            var instance = options.Instances[i];
            if (string.IsNullOrWhiteSpace(instance.Url))
            {
                problems.Add($"{key}:Url is missing");
                continue;
            }

            if (!Uri.TryCreate(instance.Url, UriKind.Absolute, out var url) || (url.IsFile && !instance.Url.StartsWith("file:", StringComparison.OrdinalIgnoreCase)))
            {
                problems.Add($"{key}:Url is not an absolute URL (relative URLs are not allowed)");
                continue;
            }

            if (url.Scheme is not ("http" or "https"))
            {
                problems.Add($"{key}:Url must use http or https, not '{url.Scheme}'");
                continue;
            }

            foreach (var problem in TargetExpectations.Problems(instance.Labels))
            {
                problems.Add($"{key}:Labels:{problem}");
            }

            var instanceName = string.IsNullOrWhiteSpace(instance.Name) ? ComfyApi.ComfyEndpoint.DefaultName(url) : instance.Name;
            if (names.TryGetValue(instanceName, out var first))
            {
                problems.Add($"{key}:Name '{instanceName}' is already used by {ComfyUIOptions.Section}:Instances:{first}");
            }
            else
            {
                names[instanceName] = i;
            }
        }

        if (options.MaxTargetLabels is < 0 or > 64)
        {
            problems.Add($"{ComfyUIOptions.Section}:MaxTargetLabels must be between 0 and 64 (got {options.MaxTargetLabels})");
        }

        if (options.PoolLabel.Length > 0 && TargetLabels.Name(options.PoolLabel) != options.PoolLabel)
        {
            problems.Add($"{ComfyUIOptions.Section}:PoolLabel '{options.PoolLabel}' is not a label name (letters, digits and _, not starting with a digit)");
        }

        foreach (var (pool, settings) in options.Pools)
        {
            foreach (var (setting, value) in new[] { ("StallAfter", settings.StallAfter), ("BacklogAfter", settings.BacklogAfter), ("MaxQueueWait", settings.MaxQueueWait) })
            {
                if (value is not null && Durations.ParsePositive(value, out var problem) is null)
                {
                    problems.Add($"{ComfyUIOptions.Section}:Pools:{pool}:{setting}: {problem}");
                }
            }
        }

        var discovery = options.Discovery;
        if (discovery.RefreshInterval <= TimeSpan.Zero)
        {
            problems.Add($"{ComfyUIOptions.Section}:Discovery:RefreshInterval must be positive (got {discovery.RefreshInterval})");
        }

        if (discovery.HttpUrl is not null
            && (!Uri.TryCreate(discovery.HttpUrl, UriKind.Absolute, out var sd) || sd.Scheme is not ("http" or "https")))
        {
            problems.Add($"{ComfyUIOptions.Section}:Discovery:HttpUrl must be an absolute http or https URL");
        }

        for (var i = 0; i < discovery.Files.Count; i++)
        {
            var pattern = discovery.Files[i];
            var key = $"{ComfyUIOptions.Section}:Discovery:Files:{i}";
            if (string.IsNullOrWhiteSpace(pattern))
            {
                problems.Add($"{key} is empty");
            }
            else if (pattern.IndexOfAny(['*', '?', '[']) < 0)
            {
                try
                {
                    // Read as discovery will: a target whose comfymonitor_ setting cannot be read stops the start here
                    // (later changes of the file are logged and counted instead, keeping the last good targets).
                    TargetGroupParser.ParseFile(pattern, File.ReadAllText(pattern));
                }
                catch (TargetExpectationException ex)
                {
                    problems.Add($"{key} '{pattern}': {ex.Message}");
                }
                catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or YamlDotNet.Core.YamlException)
                {
                    // Other problems of the file's content are discovery's to report, at start as later.
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
                {
                    problems.Add($"{key} '{pattern}' cannot be read ({ex.GetType().Name})");
                }
            }
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
