using ComfyMonitor.ComfyApi;
using ComfyMonitor.Probe.Canaries;
using ComfyMonitor.Probe.Running;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Probe.Tests;

/// <summary>A server that stops answering after accepting the probe's prompt: every clean-up times out, and the run still ends as a run.</summary>
public sealed class CleanupTests
{
    [Fact]
    public async Task CleanUpAgainstAServerThatStoppedAnsweringEndsAsATimeoutNeverAnException()
    {
        await using var server = await ExampleServer.StartAsync();
        server.Serve("/prompt", """{"prompt_id": "probe-prompt-1", "number": 1, "node_errors": {}}""");
        foreach (var path in new[] { "/queue", "/history", "/history/probe-prompt-1", "/system_stats" })
        {
            server.Handle(path, context => Task.Delay(Timeout.Infinite, context.RequestAborted));
        }

        var options = new ProbeOptions { Timeout = TimeSpan.FromMilliseconds(900), RequestTimeout = TimeSpan.FromMilliseconds(300) };
        var runner = new CanaryRunner(Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System);
        var endpoint = new ComfyEndpoint("silent", server.Url);
        var client = ComfyClientFactory.Create(endpoint, new ComfyClientOptions { Timeout = options.RequestTimeout });

        // Many runs: the clean-up's requests and their deadlines race, and no ordering may throw.
        var cleanedUp = 0;
        for (var i = 0; i < 8; i++)
        {
            var run = await runner.RunAsync(endpoint, client, new RenderCanary(), CancellationToken.None);
            Assert.False(run.Success);
            Assert.Equal("timeout", run.Reason);
            cleanedUp += run.Detail?.Contains("could not read the queue", StringComparison.Ordinal) == true ? 1 : 0;
        }

        Assert.True(cleanedUp > 0, "no run got as far as its clean-up"); // on a loaded machine the submit itself may time out
    }
}
