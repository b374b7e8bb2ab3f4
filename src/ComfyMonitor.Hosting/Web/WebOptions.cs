namespace ComfyMonitor.Hosting.Web;

/// <summary>
/// <c>Web</c>: how the collector and the probe serve their endpoints. Read while the service is built (a bad value stops
/// the start with exit code 2), not bound like the other options: <see cref="Microsoft.Extensions.Hosting.WebConfigExtensions"/> reads these keys.
/// </summary>
public sealed class WebOptions
{
    public const string Section = "Web";

    /// <summary>
    /// The exporter-toolkit web configuration file (TLS, client certificates, basic authentication, response headers);
    /// <c>--web.config.file PATH</c> on the command line sets it too. Without one the service serves plain HTTP without
    /// authentication. Changes to the file apply without a restart.
    /// </summary>
    public string? ConfigFile { get; set; }

    /// <summary>
    /// Whether /alive and /health need the basic authentication too (true or false; anything else stops the start). False:
    /// Kubernetes probes and load balancers reach them without credentials.
    /// </summary>
    public bool AuthenticateHealthEndpoints { get; set; }
}
