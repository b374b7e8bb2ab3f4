using System.Diagnostics;

namespace ComfyMonitor.AppHost;

/// <summary>
/// How Prometheus, Alertmanager and Grafana join the app: as containers where a container runtime answers,
/// otherwise Prometheus and Alertmanager as the executables on PATH (Debian's prometheus and
/// prometheus-alertmanager), otherwise left out. <c>Monitoring:Mode</c> = auto (default), containers,
/// executables or none forces a choice.
/// </summary>
public static class MonitoringStack
{
    public const int PrometheusPort = 9090;
    public const int AlertmanagerPort = 9093;
    public const int GrafanaPort = 3000;

    public enum Mode
    {
        Containers,
        Executables,
        None,
    }

    public static Mode Choose(string? configured, Func<bool> containerRuntimeHealthy, Func<string, bool> onPath) => configured?.ToLowerInvariant() switch
    {
        "containers" => Mode.Containers,
        "executables" => Mode.Executables,
        "none" => Mode.None,
        _ when containerRuntimeHealthy() => Mode.Containers,
        _ when onPath("prometheus") => Mode.Executables,
        _ => Mode.None,
    };

    /// <summary>True when `docker info` (or podman's) answers within a few seconds.</summary>
    public static bool ContainerRuntimeHealthy()
    {
        foreach (var runtime in new[] { "docker", "podman" })
        {
            if (!OnPath(runtime))
            {
                continue;
            }

            try
            {
                using var process = Process.Start(new ProcessStartInfo(runtime, "info") { RedirectStandardOutput = true, RedirectStandardError = true })!;
                if (process.WaitForExit(TimeSpan.FromSeconds(5)) && process.ExitCode == 0)
                {
                    return true;
                }

                if (!process.HasExited)
                {
                    process.Kill();
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
            }
        }

        return false;
    }

    public static bool OnPath(string executable) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, executable)));

    public static readonly string DefaultScrapeInterval = new MonitoringSettings().ScrapeInterval;

    /// <summary>
    /// <c>Monitoring:ScrapeInterval</c> (a Prometheus duration, 15s by default): how often Prometheus scrapes the
    /// collector and the probe and evaluates the rules. A demo or a test may want a shorter one.
    /// </summary>
    public static string ScrapeInterval(string? configured)
    {
        if (string.IsNullOrWhiteSpace(configured))
        {
            return DefaultScrapeInterval;
        }

        var value = configured.Trim();
        return System.Text.RegularExpressions.Regex.IsMatch(value, "^[1-9][0-9]*(ms|s|m|h)$")
            ? value
            : throw new InvalidOperationException($"Monitoring:ScrapeInterval '{configured}' must be a Prometheus duration such as 15s or 1m");
    }
}
