using ComfyMonitor.ComfyApi;
using ComfyMonitor.Testing;

namespace ComfyMonitor.ServiceDefaults.Tests;

/// <summary>The ComfyUI client measures: the service defaults' retries and circuit breaker never apply to it.</summary>
public sealed class ComfyClientResilienceTests
{
    [Fact]
    public async Task EveryFailingCallReachesTheServerOnceAndReportsItsStatus()
    {
        var port = FreePorts.One();
        var requests = 0;
        using var listener = new System.Net.HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        _ = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                var context = await listener.GetContextAsync();
                Interlocked.Increment(ref requests);
                context.Response.StatusCode = 500;
                context.Response.Close();
            }
        });

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["HttpResilience:Retry:Delay"] = "00:00:00.001",
            ["HttpResilience:CircuitBreaker:MinimumThroughput"] = "2",
            ["HttpResilience:CircuitBreaker:FailureRatio"] = "0.1",
        });
        builder.AddServiceDefaults();
        builder.Services.AddComfyApi();
        await using var app = builder.Build();
        var client = app.Services.GetRequiredService<ComfyClientFactory>().Create(new ComfyEndpoint("failing", new Uri($"http://127.0.0.1:{port}/")));

        for (var i = 1; i <= 10; i++)
        {
            var result = await client.GetSystemStatsAsync(TestContext.Current.CancellationToken);
            Assert.Equal(ComfyErrorReason.HttpStatus, result.Error!.Reason);
            Assert.Equal(500, result.Error.StatusCode);
            Assert.Equal(i, Volatile.Read(ref requests));
        }

        listener.Stop();
    }
}
