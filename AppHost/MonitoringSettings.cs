namespace ComfyMonitor.AppHost;

/// <summary><c>Monitoring</c>: how the AppHost runs Prometheus, Alertmanager and Grafana beside the services.</summary>
public sealed class MonitoringSettings
{
    public const string Section = "Monitoring";

    /// <summary>
    /// containers, executables or none. Unset: containers where a container runtime answers (<c>docker info</c>), else
    /// Prometheus and Alertmanager as the executables on PATH (Grafana left out), else none of them (one log line says so;
    /// the metrics are then in the Aspire dashboard over OTLP).
    /// </summary>
    public string? Mode { get; set; }

    /// <summary>How often that Prometheus scrapes the collector and the probe and evaluates the rules: a Prometheus duration (5s, 1m).</summary>
    public string ScrapeInterval { get; set; } = "15s";

    /// <summary>Where dashboards/runbooks.md is published: the external label runbook_base that the alerts' runbook_url starts with.</summary>
    public string RunbookBase { get; set; } = "https://github.com/YOUR-ORG/comfymonitor/blob/main";
}
