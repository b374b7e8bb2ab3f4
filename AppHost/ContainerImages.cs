namespace ComfyMonitor.AppHost;

/// <summary>The one place where the monitoring images are pinned (shared with the container tests).</summary>
public static class ContainerImages
{
    public const string Registry = "docker.io";

    public const string Prometheus = "prom/prometheus";
    public const string PrometheusTag = "v2.53.2";

    public const string Alertmanager = "prom/alertmanager";
    public const string AlertmanagerTag = "v0.27.0";

    public const string Grafana = "grafana/grafana";
    public const string GrafanaTag = "11.2.2";
}
