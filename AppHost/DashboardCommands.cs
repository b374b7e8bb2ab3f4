using System.Text.Json.Nodes;
using ComfyMonitor.ComfyApi;
using ComfyMonitor.Simulator.Fleet;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ComfyMonitor.AppHost;

/// <summary>
/// What the Aspire dashboard offers beyond the resources themselves: commands on the simulator that switch an instance
/// (or all) to any scenario and back, so that anyone can watch each alert fire and resolve; a resource per real
/// ComfyUI server with its health read from /system_stats; and each resource's useful links.
/// </summary>
public static class DashboardCommands
{
    public const string SetScenario = "set-scenario";
    public const string AllHealthy = "all-healthy";
    public const string RestartInstance = "restart-instance";
    public const string AllInstances = "all";

    /// <summary>
    /// "Switch scenario…" (arguments: instance — all or one — and scenario), "All back to healthy", and "Restart instance…",
    /// each a request to the simulator's control API on <paramref name="controlPort"/>.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithScenarioCommands(this IResourceBuilder<ProjectResource> simulator, int controlPort, IReadOnlyList<string> instanceNames)
    {
        var control = new Uri($"http://127.0.0.1:{controlPort}/");
        var instances = new List<KeyValuePair<string, string>> { new(AllInstances, "all instances") };
        instances.AddRange(instanceNames.Select((name, i) => new KeyValuePair<string, string>(i.ToString(System.Globalization.CultureInfo.InvariantCulture), name)));
        var scenarios = Scenarios.All.Select(s => new KeyValuePair<string, string>(s, s)).ToList();

        simulator.WithCommand(SetScenario, "Switch scenario…", async context =>
        {
            var instance = context.Arguments.GetString("instance") ?? AllInstances;
            var scenario = context.Arguments.GetString("scenario") ?? Scenarios.Healthy;
            return await PostAsync(control, $"instances/{instance}/scenario/{scenario}", $"{Describe(instance, instanceNames)} now {scenario}", context.CancellationToken);
        }, new CommandOptions
        {
            Description = "Switch a simulated instance, or all of them, to a scenario (down, stuck, oom, vram-leak, ...) to watch its alert fire; back to healthy to watch it resolve.",
            IconName = "ArrowSwap",
            IsHighlighted = true,
            Arguments =
            [
                new InteractionInput { Name = "instance", Label = "Instance", InputType = InputType.Choice, Required = true, Options = instances, Value = AllInstances },
                new InteractionInput { Name = "scenario", Label = "Scenario", InputType = InputType.Choice, Required = true, Options = scenarios, Value = Scenarios.Healthy },
            ],
            ValidateArguments = context =>
            {
                foreach (var (name, allowed) in new[] { ("instance", instances), ("scenario", scenarios) })
                {
                    var input = context.Inputs[name];
                    if (!allowed.Any(o => o.Key == input.Value))
                    {
                        context.AddValidationError(input, $"'{input.Value}' is not one of {string.Join(", ", allowed.Select(o => o.Key))}");
                    }
                }

                return Task.CompletedTask;
            },
            UpdateState = Running,
        });

        simulator.WithCommand(AllHealthy, "All back to healthy", context =>
            PostAsync(control, $"instances/{AllInstances}/scenario/{Scenarios.Healthy}", "every instance is healthy again", context.CancellationToken),
            new CommandOptions { Description = "Switch every simulated instance back to the healthy scenario.", IconName = "HeartPulse", UpdateState = Running });

        simulator.WithCommand(RestartInstance, "Restart instance…", async context =>
        {
            var instance = context.Arguments.GetString("instance") ?? AllInstances;
            return await PostAsync(control, $"instances/{instance}/restart", body => Restarted(body, instanceNames), context.CancellationToken);
        }, new CommandOptions
        {
            Description = "Restart a simulated ComfyUI server (queue and history lost, as on a real restart): ComfyUICrashLooping counts these.",
            IconName = "ArrowClockwise",
            Arguments = [new InteractionInput { Name = "instance", Label = "Instance", InputType = InputType.Choice, Required = true, Options = instances, Value = AllInstances }],
            UpdateState = Running,
        });

        return simulator;
    }

    /// <summary>Prometheus's own pages: the alerts (pending and firing), the targets, the rules.</summary>
    public static IResourceBuilder<T> WithPrometheusLinks<T>(this IResourceBuilder<T> prometheus) where T : IResourceWithEndpoints =>
        prometheus.WithUrlForEndpoint("http", u => u.DisplayText = "Prometheus")
            .WithUrl((string)$"http://127.0.0.1:{MonitoringStack.PrometheusPort}/alerts", "Prometheus alerts")
            .WithUrl((string)$"http://127.0.0.1:{MonitoringStack.PrometheusPort}/targets", "Prometheus targets");

    /// <summary>Links to Prometheus's alerts, Alertmanager and Grafana's fleet dashboard, for those of them the app runs.</summary>
    public static IResourceBuilder<T> WithMonitoringLinks<T>(this IResourceBuilder<T> resource, IDistributedApplicationBuilder app) where T : IResource
    {
        var running = app.Resources.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, url, text) in new[]
        {
            ("prometheus", $"http://127.0.0.1:{MonitoringStack.PrometheusPort}/alerts", "Prometheus alerts"),
            ("alertmanager", $"http://127.0.0.1:{MonitoringStack.AlertmanagerPort}/", "Alertmanager"),
            ("grafana", $"http://127.0.0.1:{MonitoringStack.GrafanaPort}/d/comfyui-fleet", "Grafana fleet dashboard"),
        })
        {
            if (running.Contains(name))
            {
                resource.WithUrl(url, text);
            }
        }

        return resource;
    }

    private static ResourceCommandState Running(UpdateCommandStateContext context) =>
        context.ResourceSnapshot.State?.Text == KnownResourceStates.Running ? ResourceCommandState.Enabled : ResourceCommandState.Disabled;

    private static string Describe(string instance, IReadOnlyList<string> names) =>
        instance == AllInstances ? "every instance" : int.TryParse(instance, out var i) && i >= 0 && i < names.Count ? names[i] : $"instance {instance}";

    private static Task<ExecuteCommandResult> PostAsync(Uri control, string path, string done, CancellationToken cancellationToken) =>
        PostAsync(control, path, _ => done, cancellationToken);

    /// <summary>"sim-3 restarted (restart 2 since the simulator started)", from the control API's answer.</summary>
    public static string Restarted(string body, IReadOnlyList<string> names)
    {
        var restarted = System.Text.Json.Nodes.JsonNode.Parse(body)?.AsArray() ?? [];
        var parts = restarted.Select(r => (Index: (int)r!["index"]!, Count: (int)r["restarts"]!)).ToList();
        return parts.Count == 1
            ? $"{Describe(parts[0].Index.ToString(System.Globalization.CultureInfo.InvariantCulture), names)} restarted (restart {parts[0].Count} since the simulator started); "
                + "the collector counts it in comfyui_restarts_total within two probe intervals"
            : $"{parts.Count} instances restarted ({string.Join(", ", parts.Select(p => $"{Describe(p.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), names)}: {p.Count}"))} restarts so far)";
    }

    private static async Task<ExecuteCommandResult> PostAsync(Uri control, string path, Func<string, string> done, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = control, Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var response = await http.PostAsync(path, content: null, cancellationToken);
            return response.IsSuccessStatusCode
                ? CommandResults.Success(done(await response.Content.ReadAsStringAsync(cancellationToken)))
                : CommandResults.Failure($"the simulator answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
        catch (HttpRequestException ex)
        {
            return CommandResults.Failure($"the simulator's control API ({control}) did not answer: {ex.Message}");
        }
    }

    /// <summary>
    /// A real ComfyUI server as a resource of its own: healthy while /system_stats answers (with the endpoint's headers:
    /// the configured ones, and credentials of the URL as Basic authentication), its version and device in the health report.
    /// </summary>
    public static IResourceBuilder<ExternalServiceResource> AddComfyUI(this IDistributedApplicationBuilder builder, ComfyEndpoint endpoint)
    {
        var key = $"{endpoint.Name}-system-stats";
        var check = new ComfyUIHealthCheck(endpoint);
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(key, _ => check, HealthStatus.Unhealthy, tags: null));
        return builder.AddExternalService(endpoint.Name, endpoint.BaseAddress.ToString())
            .WithHealthCheck(key)
            .WithUrls(c =>
            {
                c.Urls.Clear();
                c.Urls.Add(new ResourceUrlAnnotation { Url = endpoint.BaseAddress.ToString(), DisplayText = "ComfyUI" });
                c.Urls.Add(new ResourceUrlAnnotation { Url = ComfyUIHealthCheck.SystemStats(endpoint).ToString(), DisplayText = "/system_stats" });
            });
    }

    /// <summary>A resource name from a ComfyUI instance name: letters, digits and hyphens, starting with a letter.</summary>
    public static string ResourceName(string? name, int index)
    {
        var cleaned = new string((name ?? "").Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray()).Trim('-');
        while (cleaned.Contains("--", StringComparison.Ordinal))
        {
            cleaned = cleaned.Replace("--", "-", StringComparison.Ordinal);
        }

        if (cleaned.Length == 0 || !char.IsAsciiLetter(cleaned[0]))
        {
            cleaned = $"comfyui-{index}" + (cleaned.Length > 0 ? "-" + cleaned : "");
        }

        return cleaned.Length > 60 ? cleaned[..60].TrimEnd('-') : cleaned;
    }
}

/// <summary>GET /system_stats of a ComfyUI server: healthy with its version and first device, unhealthy with the reason.</summary>
public sealed class ComfyUIHealthCheck(ComfyEndpoint endpoint) : IHealthCheck
{
    public static Uri SystemStats(ComfyEndpoint endpoint) => new(endpoint.BaseAddress, "system_stats");

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var request = new HttpRequestMessage(HttpMethod.Get, SystemStats(endpoint));
        foreach (var (name, value) in endpoint.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return HealthCheckResult.Unhealthy($"/system_stats answered {(int)response.StatusCode}");
            }

            var stats = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken)) as JsonObject;
            var version = stats?["system"]?["comfyui_version"]?.ToString() ?? "unknown version";
            var device = stats?["devices"]?.AsArray().FirstOrDefault()?["name"]?.ToString() ?? "no device";
            return stats?["system"] is JsonObject
                ? HealthCheckResult.Healthy($"ComfyUI {version} on {device}")
                : HealthCheckResult.Unhealthy("/system_stats is not ComfyUI's (no \"system\" object)");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            return HealthCheckResult.Unhealthy($"/system_stats: {ex.Message}");
        }
    }
}
