using System.Diagnostics.Metrics;
using ComfyMonitor.Testing;

namespace ComfyMonitor.ServiceDefaults.Tests;

/// <summary>Every service gets /health, /alive and /metrics in every environment, Production included.</summary>
public sealed class DefaultEndpointsTests
{
    [Theory]
    [InlineData("Production")]
    [InlineData("Development")]
    public async Task HealthAliveAndMetricsAreServed(string environment)
    {
        var port = FreePorts.One();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        builder.AddServiceDefaults("ComfyMonitor.Test");
        await using var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync(TestContext.Current.CancellationToken);

        using var meter = app.Services.GetRequiredService<IMeterFactory>().Create("ComfyMonitor.Test");
        meter.CreateCounter<long>("comfymonitor_test_things", "{thing}").Add(3);

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        Assert.Equal("Healthy", await http.GetStringAsync("health", TestContext.Current.CancellationToken));
        Assert.Equal("Healthy", await http.GetStringAsync("alive", TestContext.Current.CancellationToken));
        var metrics = await http.GetStringAsync("metrics", TestContext.Current.CancellationToken);
        Assert.Contains("comfymonitor_test_things_total", metrics);
        await app.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task OneFailingAuthorityDoesNotOpenTheCircuitForAnother()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["HttpResilience:Retry:MaxRetryAttempts"] = "1",
            ["HttpResilience:Retry:Delay"] = "00:00:00.001",
            ["HttpResilience:CircuitBreaker:MinimumThroughput"] = "2",
            ["HttpResilience:CircuitBreaker:FailureRatio"] = "0.1",
        });
        builder.AddServiceDefaults();
        await using var app = builder.Build();
        var factory = app.Services.GetRequiredService<IHttpClientFactory>();
        var dead = $"http://127.0.0.1:{FreePorts.Closed()}/";
        var alivePort = FreePorts.One();
        using var listener = new System.Net.HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{alivePort}/");
        listener.Start();
        _ = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                var context = await listener.GetContextAsync();
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        });

        // Fail the dead authority until its circuit opens.
        var broken = false;
        for (var i = 0; i < 20 && !broken; i++)
        {
            using var client = factory.CreateClient("comfy");
            try
            {
                using var _ = await client.GetAsync(dead, TestContext.Current.CancellationToken);
            }
            catch (Polly.CircuitBreaker.BrokenCircuitException)
            {
                broken = true;
            }
            catch (HttpRequestException)
            {
            }
        }

        Assert.True(broken, "the circuit of the failing authority never opened");

        using var healthy = factory.CreateClient("comfy");
        using var response = await healthy.GetAsync($"http://127.0.0.1:{alivePort}/", TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode);
        listener.Stop();
    }
}
