using System.Text;

namespace ComfyMonitor.Discovery;

/// <summary>
/// Label values from a server or a target's labels are bounded in length and stripped of control characters: one rule for
/// the collector's and the probe's labels, so that the same value reads the same in both.
/// </summary>
public static class LabelValues
{
    public const int MaxLength = 128;

    public static string Clean(string? value, string fallback = "unknown")
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        var sb = new StringBuilder(Math.Min(value.Length, MaxLength));
        foreach (var rune in value.EnumerateRunes())
        {
            if (sb.Length >= MaxLength)
            {
                break;
            }

            sb.Append(Rune.IsControl(rune) ? ' ' : rune.ToString());
        }

        return sb.ToString().Trim();
    }

    /// <summary>"3.12.3 (main, Nov  6 2025, ...) [GCC ...]" -> "3.12.3".</summary>
    public static string PythonVersion(string? full) => Clean(full?.Split(' ', 2)[0]);
}
