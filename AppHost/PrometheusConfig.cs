using System.Text.Json;
using System.Text.RegularExpressions;

namespace ComfyMonitor.AppHost;

/// <summary>
/// The shipped Prometheus configuration (dashboards/prometheus) written into a folder for one Prometheus to run from:
/// prometheus.yml as it is (only its two intervals and its runbook base replaced when asked), the rule files (as they
/// are, or transformed, e.g. time-compressed by the end-to-end test), and the file_sd target lists of targets/, which
/// are what differs between a user's Prometheus, the AppHost and the tests. Used by the AppHost, the end-to-end tests
/// and the container tests, so that the file users copy is the file that is tested.
/// </summary>
public static class PrometheusConfig
{
    public const string CollectorJob = "comfymonitor-collector";
    public const string ProbeJob = "comfymonitor-probe";
    public const string DcgmJob = "dcgm-exporter";

    /// <summary>The target list of the Alertmanagers Prometheus sends alerts to.</summary>
    public const string Alertmanagers = "alertmanager";

    /// <summary>Writes the configuration and returns the path of its prometheus.yml.</summary>
    /// <param name="targets">Target lists by job (or <see cref="Alertmanagers"/>); the others keep the shipped ones.</param>
    public static string Write(string dashboards, string folder, IReadOnlyDictionary<string, IReadOnlyList<string>> targets,
        string? interval = null, string? runbookBase = null, Func<string, string>? rules = null)
    {
        var shipped = Path.Combine(dashboards, "prometheus");
        Directory.CreateDirectory(Path.Combine(folder, "targets"));
        var config = File.ReadAllText(Path.Combine(shipped, "prometheus.yml"));
        if (interval is not null)
        {
            config = Set(config, "scrape_interval", interval);
            config = Set(config, "evaluation_interval", interval);
        }

        if (runbookBase is not null)
        {
            config = Set(config, "runbook_base", runbookBase);
        }

        var path = Path.Combine(folder, "prometheus.yml");
        File.WriteAllText(path, config);
        foreach (var file in new[] { "rules.yml", "alerts.yml" })
        {
            var text = File.ReadAllText(Path.Combine(shipped, file));
            File.WriteAllText(Path.Combine(folder, file), rules is null ? text : rules(text));
        }

        foreach (var file in Directory.EnumerateFiles(Path.Combine(shipped, "targets"), "*.json"))
        {
            File.Copy(file, Path.Combine(folder, "targets", Path.GetFileName(file)), overwrite: true);
        }

        foreach (var (job, list) in targets)
        {
            File.WriteAllText(Path.Combine(folder, "targets", job + ".json"), JsonSerializer.Serialize(new[] { new Dictionary<string, IReadOnlyList<string>> { ["targets"] = list } }));
        }

        return path;
    }

    /// <summary>The value of the first "key: value" line; the shipped file must have it (a changed file fails loudly).</summary>
    private static string Set(string config, string key, string value)
    {
        var pattern = new Regex($"^(\\s*{key}:) .*$", RegexOptions.Multiline);
        return pattern.IsMatch(config)
            ? pattern.Replace(config, $"$1 {value}", 1)
            : throw new InvalidOperationException($"dashboards/prometheus/prometheus.yml has no '{key}:' line");
    }
}
