using System.Text;

namespace ComfyMonitor.Discovery;

/// <summary>
/// Labels of a target as they are exported in comfyui_target_info: names made valid Prometheus label names, values
/// cleaned and cut like other label values; names starting with "__" (discovery's own) and comfyui_instance are not labels.
/// </summary>
public static class TargetLabels
{
    public static IReadOnlyDictionary<string, string> Clean(IEnumerable<KeyValuePair<string, string>>? raw)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (rawName, rawValue) in raw ?? [])
        {
            if (rawName.StartsWith("__", StringComparison.Ordinal) || Name(rawName) is not { } name || name is "comfyui_instance" || name.StartsWith("__", StringComparison.Ordinal))
            {
                continue;
            }

            labels.TryAdd(name, LabelValues.Clean(rawValue, fallback: ""));
        }

        return labels;
    }

    /// <summary>[a-zA-Z_][a-zA-Z0-9_]*: other characters become '_', a leading digit gets a '_' before it.</summary>
    public static string? Name(string raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        var sb = new StringBuilder(raw.Length + 1);
        foreach (var c in raw.Trim())
        {
            sb.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }

        if (char.IsAsciiDigit(sb[0]))
        {
            sb.Insert(0, '_');
        }

        return sb.ToString();
    }
}
