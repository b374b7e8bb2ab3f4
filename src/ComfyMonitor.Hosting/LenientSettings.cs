using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace ComfyMonitor.Hosting;

/// <summary>
/// Settings the services need while they are being built (thread pools, series limits), before the options are
/// validated: a value that is missing or unreadable gives the default here, and is reported with every other
/// problem when the options are checked at start.
/// </summary>
public static class LenientSettings
{
    public static int PositiveInt(IConfiguration configuration, string key, int fallback) =>
        int.TryParse(configuration[key], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;

    /// <summary>True only when the setting reads as true; anything else (missing, false, unreadable) is false here.</summary>
    public static bool Flag(IConfiguration configuration, string key) =>
        bool.TryParse(configuration[key], out var value) && value;

    public static TimeSpan PositiveDuration(IConfiguration configuration, string key, TimeSpan fallback) =>
        TimeSpan.TryParse(configuration[key], CultureInfo.InvariantCulture, out var value) && value > TimeSpan.Zero ? value : fallback;
}
