using System.Globalization;
using System.Text.RegularExpressions;

namespace ComfyMonitor.Discovery;

/// <summary>
/// Durations as operators write them in target labels and configuration: Prometheus's form (<c>45m</c>, <c>1h30m</c>,
/// <c>90s</c>, <c>2d</c>) or .NET's (<c>00:45:00</c>).
/// </summary>
public static partial class Durations
{
    /// <summary>A positive duration, or null with why not.</summary>
    public static TimeSpan? ParsePositive(string? text, out string? problem)
    {
        problem = null;
        var value = (text ?? "").Trim();
        TimeSpan? parsed = null;
        if (Prometheus().Match(value) is { Success: true } m && value.Length > 0)
        {
            double Part(string name, double seconds) =>
                m.Groups[name].Success ? double.Parse(m.Groups[name].Value, CultureInfo.InvariantCulture) * seconds : 0;
            parsed = TimeSpan.FromSeconds(Part("w", 604800) + Part("d", 86400) + Part("h", 3600) + Part("m", 60) + Part("s", 1) + Part("ms", 0.001));
        }
        else if (value.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var span))
        {
            parsed = span;
        }

        if (parsed is not { } result)
        {
            problem = $"'{value}' is not a duration (e.g. 45m, 1h30m or 00:45:00)";
            return null;
        }

        if (result <= TimeSpan.Zero)
        {
            problem = $"'{value}' must be positive";
            return null;
        }

        return result;
    }

    /// <summary>The Prometheus form of a duration, e.g. 1h30m, 45s.</summary>
    public static string Format(TimeSpan span)
    {
        if (span <= TimeSpan.Zero)
        {
            return "0s";
        }

        var text = "";
        if (span.Days > 0)
        {
            text += $"{span.Days}d";
        }

        if (span.Hours > 0)
        {
            text += $"{span.Hours}h";
        }

        if (span.Minutes > 0)
        {
            text += $"{span.Minutes}m";
        }

        if (span.Seconds > 0 || text.Length == 0)
        {
            text += $"{span.Seconds}s";
        }

        return text;
    }

    [GeneratedRegex(@"^(?:(?<w>\d+)w)?(?:(?<d>\d+)d)?(?:(?<h>\d+)h)?(?:(?<m>\d+)m)?(?:(?<s>\d+)s)?(?:(?<ms>\d+)ms)?$")]
    private static partial Regex Prometheus();
}
