using System.Text;
using ComfyMonitor.Hosting.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

public static class WebConfigExtensions
{
    /// <summary>The configuration key of the web configuration file; <c>--web.config.file PATH</c> on the command line.</summary>
    public const string ConfigFileKey = $"{WebOptions.Section}:{nameof(WebOptions.ConfigFile)}";

    /// <summary>When true, <c>/alive</c> and <c>/health</c> need the basic authentication too (default false: probes reach them).</summary>
    public const string AuthenticateHealthKey = $"{WebOptions.Section}:{nameof(WebOptions.AuthenticateHealthEndpoints)}";

    private static readonly string[] HealthPaths = ["/alive", "/health"];

    /// <summary>
    /// Serves the service as the web configuration file says (exporter-toolkit's format): TLS on every endpoint, basic
    /// authentication on every path (but <c>/alive</c> and <c>/health</c> unless <see cref="AuthenticateHealthKey"/>), and
    /// its response headers. Without a file nothing changes.
    /// </summary>
    /// <exception cref="OptionsValidationException">The file is missing or invalid: every problem, with its key.</exception>
    public static WebApplicationBuilder AddWebConfig(this WebApplicationBuilder builder)
    {
        var path = builder.Configuration["web.config.file"] is { Length: > 0 } flag ? flag : builder.Configuration[ConfigFileKey];
        if (string.IsNullOrWhiteSpace(path))
        {
            return builder;
        }

        // A value that is not true or false must not quietly leave the health endpoints open.
        var failures = new List<string>();
        var authenticateHealth = false;
        if (builder.Configuration[AuthenticateHealthKey] is { Length: > 0 } value && !bool.TryParse(value, out authenticateHealth))
        {
            failures.Add($"{AuthenticateHealthKey} '{value}' is not true or false");
        }

        WebConfigMonitor? monitor = null;
        try
        {
            monitor = new WebConfigMonitor(path);
        }
        catch (WebConfigException ex)
        {
            failures.AddRange(ex.Problems.Select(p => $"{ConfigFileKey} {ex.Path}: {p}"));
        }

        if (monitor is null || failures.Count > 0)
        {
            throw new OptionsValidationException(ConfigFileKey, typeof(WebConfig), failures);
        }

        builder.Services.AddSingleton(monitor);
        builder.Services.AddSingleton<IStartupFilter>(new WebConfigStartupFilter(monitor, authenticateHealth));
        if (monitor.StartedWithTls)
        {
            var http2 = monitor.Current.Http2;
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen =>
            {
                if (!http2)
                {
                    listen.Protocols = HttpProtocols.Http1;
                }

                listen.UseHttps(new TlsHandshakeCallbackOptions
                {
                    OnConnection = _ => ValueTask.FromResult(monitor.ServerOptions()),
                });
            }));
        }

        return builder;
    }

    private sealed class WebConfigStartupFilter(WebConfigMonitor monitor, bool authenticateHealth) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            monitor.Logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("ComfyMonitor.Web");
            monitor.Logger.LogInformation("Web configuration {Path}: {Summary}; /alive and /health {Health}", monitor.Path,
                WebConfigMonitor.Describe(monitor.Current), authenticateHealth ? "need authentication" : "open to probes");
            app.Use(async (context, nextMiddleware) =>
            {
                var config = monitor.Current;
                foreach (var (name, value) in config.Headers)
                {
                    context.Response.Headers[name] = value;
                }

                if (config.Users.Count > 0 && (authenticateHealth || !HealthPaths.Contains(context.Request.Path.Value, StringComparer.OrdinalIgnoreCase))
                    && !(TryReadBasic(context.Request.Headers.Authorization.ToString(), out var user, out var password) && monitor.Authenticate(config, user, password)))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.Headers.WWWAuthenticate = "Basic";
                    await context.Response.WriteAsync("Unauthorized\n");
                    return;
                }

                await nextMiddleware(context);
            });
            next(app);
        };
    }

    private static bool TryReadBasic(string header, out string user, out string password)
    {
        user = password = "";
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                return false;
            }

            user = decoded[..colon];
            password = decoded[(colon + 1)..];
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
