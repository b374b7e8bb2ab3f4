using System.Net;
using System.Net.Sockets;
using System.Text;
using ComfyMonitor.Testing;
using Microsoft.AspNetCore.Http;

namespace ComfyMonitor.ComfyApi.Tests;

/// <summary>Every way a server can answer badly becomes a typed error with its reason, never an exception.</summary>
public sealed class BadResponseTests : IAsyncLifetime
{
    private ExampleServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await ExampleServer.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string, string> BadBodies() => new()
    {
        { "invalid JSON", "{\"system\": {\"os\": " },
        { "truncated JSON", "{\"system\": {\"os\": \"linux\", \"ram_total\": 123" },
        { "HTML error page", "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>" },
        { "wrong shape: an array", "[1, 2, 3]" },
        { "wrong type: ram_total is a word", "{\"system\": {\"ram_total\": \"lots\"}, \"devices\": []}" },
        { "wrong type: devices is an object", "{\"system\": {}, \"devices\": {\"name\": \"cpu\"}}" },
        { "null body", "null" },
        { "null system object", "{\"system\": null, \"devices\": null}" },
        { "no system object", "{\"devices\": []}" },
        { "empty body", "" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task AnInvalidBodyIsAnInvalidResponse(string what, string body)
    {
        _server.Serve("/system_stats", body, contentType: what.StartsWith("HTML", StringComparison.Ordinal) ? "text/html" : "application/json");
        var result = await Client().GetSystemStatsAsync();
        Assert.False(result.IsSuccess, what);
        Assert.Equal(ComfyErrorReason.InvalidResponse, result.Error.Reason);
        Assert.Equal("invalid_response", result.Error.Label);
    }

    [Fact]
    public async Task TextThatIsNotValidUnicodeIsReadWithReplacementCharacters()
    {
        // Python writes undecodable file-name bytes as lone surrogate escapes; a broken proxy may pass raw bytes.
        _server.Handle("/extensions", async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync("[\"/extensions/a\\udcffb.js\", \"/extensions/c\\ud83d\\ude00.js\", \"/extensions/raw-"u8.ToArray());
            await context.Response.Body.WriteAsync(new byte[] { 0xFF, 0xC3, 0x28 });
            await context.Response.Body.WriteAsync(".js\", \"/extensions/plain\\n.js\"]"u8.ToArray());
        });
        var result = await Client().GetExtensionsAsync();
        Assert.True(result.IsSuccess, result.Error?.ToString());
        Assert.Equal(["/extensions/a\uFFFDb.js", "/extensions/c\U0001F600.js", "/extensions/raw-\uFFFD\uFFFD(.js", "/extensions/plain\n.js"], result.Value);
    }

    [Theory]
    [InlineData("{\"queue_running\": null, \"queue_pending\": null}")]
    [InlineData("{\"queue_running\": []}")]
    [InlineData("{}")]
    [InlineData("{\"queue_running\": {\"a\": 1}, \"queue_pending\": \"many\"}")]
    public async Task AQueueWithoutBothListsIsAnInvalidResponseNotAnEmptyQueue(string body)
    {
        _server.Serve("/queue", body);
        var result = await Client().GetQueueAsync();
        Assert.Equal(ComfyErrorReason.InvalidResponse, result.Error!.Reason);
    }

    [Fact]
    public async Task AQueueOf10000PendingPromptsIsReadInFull()
    {
        var item = File.ReadAllText(TestPaths.Example("queue_1running_2pending.json"));
        var pending = System.Text.Json.Nodes.JsonNode.Parse(item)!["queue_pending"]![0]!;
        var items = string.Join(",", Enumerable.Range(0, 10_000).Select(i => { var copy = pending.DeepClone(); copy[0] = i; copy[1] = $"id-{i}"; return copy.ToJsonString(); }));
        _server.Serve("/queue", $"{{\"queue_running\": [], \"queue_pending\": [{items}]}}");
        var result = await Client().GetQueueAsync();
        Assert.True(result.IsSuccess, result.Error?.ToString());
        Assert.Equal(10_000, result.Value.Pending.Select(p => p.PromptId).Distinct().Count());
    }

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(404)]
    [InlineData(403)]
    public async Task AnErrorStatusIsHttpStatus(int status)
    {
        _server.Serve("/queue", "<html>error</html>", status, "text/html");
        var result = await Client().GetQueueAsync();
        Assert.Equal(ComfyErrorReason.HttpStatus, result.Error!.Reason);
        Assert.Equal(status, result.Error.StatusCode);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ABodyOverTheCapIsTooLargeWithOrWithoutContentLength(bool contentLength)
    {
        _server.Handle("/history", async context =>
        {
            var chunk = Encoding.ASCII.GetBytes("{\"a\":\"" + new string('x', 64 * 1024));
            if (contentLength)
            {
                context.Response.ContentLength = 50L * 1024 * 1024;
            }

            context.Response.ContentType = "application/json";
            for (var i = 0; i < 800 && !context.RequestAborted.IsCancellationRequested; i++)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
            }
        });
        var result = await Client(maxBytes: 256 * 1024).GetHistoryAsync(10);
        Assert.Equal(ComfyErrorReason.TooLarge, result.Error!.Reason);
    }

    [Fact]
    public async Task AServerThatNeverAnswersIsATimeout()
    {
        _server.Handle("/system_stats", context => Task.Delay(Timeout.Infinite, context.RequestAborted));
        var started = DateTime.UtcNow;
        var result = await Client(timeout: TimeSpan.FromMilliseconds(300)).GetSystemStatsAsync();
        Assert.Equal(ComfyErrorReason.Timeout, result.Error!.Reason);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task ATrickleSlowerThanTheTimeoutIsATimeout()
    {
        _server.Handle("/queue", async context =>
        {
            context.Response.ContentType = "application/json";
            foreach (var b in Encoding.ASCII.GetBytes("{\"queue_running\": [], \"queue_pending\": []}"))
            {
                await context.Response.Body.WriteAsync(new[] { b }, context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await Task.Delay(200, context.RequestAborted);
            }
        });
        var result = await Client(timeout: TimeSpan.FromMilliseconds(700)).GetQueueAsync();
        Assert.Equal(ComfyErrorReason.Timeout, result.Error!.Reason);
    }

    [Fact]
    public async Task ARefusedConnectionIsConnect()
    {
        var client = ComfyClientFactory.Create(new ComfyEndpoint("closed", new Uri($"http://127.0.0.1:{FreePorts.Closed()}/")), new ComfyClientOptions());
        var result = await client.GetSystemStatsAsync();
        Assert.Equal(ComfyErrorReason.Connect, result.Error!.Reason);
        Assert.Equal("connection refused", result.Error.Message);
    }

    [Fact]
    public async Task ANameThatDoesNotResolveIsConnect()
    {
        var client = ComfyClientFactory.Create(new ComfyEndpoint("nowhere", new Uri("http://comfyui.invalid:8188/")), new ComfyClientOptions { Timeout = TimeSpan.FromSeconds(10) });
        var result = await client.GetSystemStatsAsync();
        Assert.Contains(result.Error!.Reason, new[] { ComfyErrorReason.Connect, ComfyErrorReason.Timeout });
    }

    [Fact]
    public async Task ATlsHandshakeFailureIsConnect()
    {
        // https to a plain-http port: the handshake cannot complete.
        var client = ComfyClientFactory.Create(new ComfyEndpoint("tls", new Uri($"https://127.0.0.1:{_server.Url.Port}/")), new ComfyClientOptions());
        var result = await client.GetSystemStatsAsync();
        Assert.Equal(ComfyErrorReason.Connect, result.Error!.Reason);
    }

    [Fact]
    public async Task AConnectionClosedMidAnswerIsAnError()
    {
        _server.Handle("/system_stats", async context =>
        {
            context.Response.ContentLength = 1000;
            await context.Response.WriteAsync("{\"system\":");
            await context.Response.Body.FlushAsync();
            context.Abort();
        });
        var result = await Client().GetSystemStatsAsync();
        Assert.False(result.IsSuccess);
        Assert.Contains(result.Error.Reason, new[] { ComfyErrorReason.InvalidResponse, ComfyErrorReason.Connect });
    }

    [Fact]
    public async Task TheCallersOwnCancellationIsNotReportedAsAnError()
    {
        _server.Handle("/system_stats", context => Task.Delay(Timeout.Infinite, context.RequestAborted));
        using var cts = new CancellationTokenSource(200);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Client(timeout: TimeSpan.FromSeconds(30)).GetSystemStatsAsync(cts.Token));
    }

    [Fact]
    public async Task ErrorMessagesNeverCarryCredentialsOrHeaders()
    {
        var port = FreePorts.Closed();
        var endpoint = new ComfyEndpoint("secret", new Uri($"http://admin:hunter2@127.0.0.1:{port}/"), new Dictionary<string, string> { ["X-Api-Key"] = "sk-very-secret" });
        var result = await ComfyClientFactory.Create(endpoint, new ComfyClientOptions()).GetSystemStatsAsync();
        var text = result.Error!.ToString() + endpoint;
        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-very-secret", text, StringComparison.Ordinal);
        Assert.Equal($"http://127.0.0.1:{port}/", endpoint.BaseAddress.ToString());
    }

    [Fact]
    public async Task CredentialsInTheUrlAndHeadersAreSentToTheServer()
    {
        _server.ServeFile("/prompt", "prompt_get.json");
        var endpoint = new ComfyEndpoint("auth", new Uri($"http://admin:hunter2@127.0.0.1:{_server.Url.Port}/"));
        Assert.True((await ComfyClientFactory.Create(endpoint, new ComfyClientOptions()).GetPromptInfoAsync()).IsSuccess);
        var request = Assert.Single(_server.Requests);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:hunter2")), request.Authorization);
    }

    private ComfyClient Client(TimeSpan? timeout = null, long maxBytes = 16 * 1024 * 1024) =>
        ComfyClientFactory.Create(new ComfyEndpoint("bad", _server.Url), new ComfyClientOptions { Timeout = timeout ?? TimeSpan.FromSeconds(5), MaxResponseBytes = maxBytes });
}
