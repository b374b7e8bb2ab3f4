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
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.WebHost.UseUrls(FreePorts.AnyPort);
        builder.Logging.ClearProviders();
        builder.AddServiceDefaults("ComfyMonitor.Test");
        await using var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync(TestContext.Current.CancellationToken);
        var port = FreePorts.Bound(app)[0];

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
    public async Task TwoServicesInOneProcessExportOnlyTheirOwnInstruments()
    {
        // The same meter name in two hosts of one process (as in the tests, or two services in one process): each
        // host's /metrics shows its own instruments' values, not the other's, although its MeterProvider listens by
        // name, and although both set a series limit for an instrument of that name.
        async Task<(WebApplication App, HttpClient Http)> StartAsync(long things)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls(FreePorts.AnyPort);
            builder.Logging.ClearProviders();
            builder.AddServiceDefaults("ComfyMonitor.Test");
            builder.Services.AddOpenTelemetry().WithMetrics(m => m.SetCardinalityLimits(new Dictionary<string, int> { ["comfymonitor_test_up"] = 10 }));
            var app = builder.Build();
            app.MapDefaultEndpoints();
            // Instruments made before the start (as the services make theirs) and after it.
            var meter = app.Services.GetRequiredService<IMeterFactory>().Create("ComfyMonitor.Test");
            meter.CreateObservableGauge("comfymonitor_test_up", () => new Measurement<long>(1, new KeyValuePair<string, object?>("who", things.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            await app.StartAsync(TestContext.Current.CancellationToken);
            meter.CreateCounter<long>("comfymonitor_test_things", "{thing}").Add(things);
            return (app, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{FreePorts.Bound(app)[0]}/") });
        }

        var (first, firstHttp) = await StartAsync(3);
        var (second, secondHttp) = await StartAsync(40);
        await using (first)
        await using (second)
        using (firstHttp)
        using (secondHttp)
        {
            double Things(string page) => PrometheusText.Parse(page).Named("comfymonitor_test_things_total").Single().Value;
            Assert.Equal(3, Things(await firstHttp.GetStringAsync("metrics", TestContext.Current.CancellationToken)));
            Assert.Equal(40, Things(await secondHttp.GetStringAsync("metrics", TestContext.Current.CancellationToken)));
            Assert.Equal(["3"], PrometheusText.Parse(await firstHttp.GetStringAsync("metrics", TestContext.Current.CancellationToken)).Named("comfymonitor_test_up").Select(s => s.Labels["who"]));
            Assert.Equal(["40"], PrometheusText.Parse(await secondHttp.GetStringAsync("metrics", TestContext.Current.CancellationToken)).Named("comfymonitor_test_up").Select(s => s.Labels["who"]));
            // The runtime's process-wide instruments are in both.
            Assert.Contains("dotnet_gc_collections", await firstHttp.GetStringAsync("metrics", TestContext.Current.CancellationToken));
            Assert.Contains("dotnet_gc_collections", await secondHttp.GetStringAsync("metrics", TestContext.Current.CancellationToken));
        }
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
