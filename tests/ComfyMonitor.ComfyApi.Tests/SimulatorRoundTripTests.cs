using System.Text.Json.Nodes;
using ComfyMonitor.ComfyApi.Imaging;
using ComfyMonitor.ComfyApi.Models;
using ComfyMonitor.ComfyApi.WebSockets;
using ComfyMonitor.Testing;

namespace ComfyMonitor.ComfyApi.Tests;

/// <summary>The client against the simulator over real HTTP and WebSocket: the three canaries, end to end.</summary>
public sealed class SimulatorRoundTripTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;
    private ComfyEndpoint _endpoint = null!;
    private ComfyClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        // A registration that lags the handshake, as on a busy server: a client that submits before the first status
        // message loses the run's messages (a CI run timed out on exactly that).
        _sim = await SimulatorHost.StartAsync(settings: new Dictionary<string, string?> { ["Simulator:WebSocketRegistrationDelay"] = "00:00:00.200" });
        _endpoint = new ComfyEndpoint("sim", _sim.Url());
        _client = ComfyClientFactory.Create(_endpoint, new ComfyClientOptions());
    }

    public async ValueTask DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task EmptyImageCanaryWritesTheChosenColour()
    {
        var graph = CanaryFiles.EmptyImageSave;
        graph["1"]!["inputs"]!["color"] = 0x3C8AF0;
        var (entry, messages) = await RunAsync(graph);

        Assert.Equal(PromptOutcome.Success, entry.Outcome);
        Assert.True(entry.ExecutionEndMs >= entry.ExecutionStartMs);
        Assert.True(entry.ExecutionStartMs >= entry.CreateTimeMs);
        var (_, image) = Assert.Single(entry.Images());
        Assert.Equal("monitoring", image.Subfolder);
        Assert.Matches(@"^canary_\d{5}_\.png$", image.Filename);
        var png = Png.Decode(Ok(await _client.ViewAsync(image)));
        Assert.Equal((64, 64), (png.Width, png.Height));
        Assert.All(Enumerable.Range(0, 64 * 64), i =>
        {
            var (r, g, b, _) = png[i % 64, i / 64];
            Assert.InRange(r, 0x3C - 1, 0x3C);
            Assert.InRange(g, 0x8A - 1, 0x8A);
            Assert.InRange(b, 0xF0 - 1, 0xF0);
        });

        // The WebSocket saw the real sequence, ending with executing(null).
        var types = messages.Select(m => m.Type).ToList();
        Assert.True(types.IndexOf("execution_start") < types.IndexOf("executed"));
        Assert.True(types.IndexOf("executed") < types.IndexOf("execution_success"));
        Assert.IsType<ExecutingWsMessage>(messages[^1]);
        Assert.Null(((ExecutingWsMessage)messages[^1]).Node);
    }

    [Fact]
    public async Task InvertCanaryReturnsTheInverseOfTheUploadedPixels()
    {
        var source = new RgbaImage(32, 16, hasAlpha: false);
        for (var i = 0; i < source.Pixels.Length; i++)
        {
            source.Pixels[i] = i % 4 == 3 ? (byte)255 : (byte)Random.Shared.Next(256);
        }

        var upload = Ok(await _client.UploadImageAsync(Png.Encode(source, withAlpha: false), "canary_probe.png", "monitoring"));
        var graph = CanaryFiles.LoadImageInvertPreview;
        graph["1"]!["inputs"]!["image"] = upload.LoadImageValue();
        var (entry, _) = await RunAsync(graph);

        Assert.Equal(PromptOutcome.Success, entry.Outcome);
        var (_, preview) = Assert.Single(entry.Images());
        Assert.Equal("temp", preview.Type);
        var result = Png.Decode(Ok(await _client.ViewAsync(preview)));
        for (var y = 0; y < source.Height; y++)
        {
            for (var x = 0; x < source.Width; x++)
            {
                var (r, g, b, _) = source[x, y];
                var (ir, ig, ib, _) = result[x, y];
                Assert.InRange(ir, 254 - r, 255 - r);
                Assert.InRange(ig, 254 - g, 255 - g);
                Assert.InRange(ib, 254 - b, 255 - b);
            }
        }
    }

    [Fact]
    public async Task MaskCanaryCompositesTheProbeImageThroughTheUploadedMask()
    {
        var probe = Ok(await _client.UploadImageAsync(CanaryFiles.ProbeImage, "canary_probe.png", "monitoring"));
        var mask = Ok(await _client.UploadMaskAsync(CanaryFiles.MaskImage, "canary_masked.png",
            new OriginalRef { Filename = probe.Name, Subfolder = "monitoring", Type = "input" }, "monitoring"));
        var graph = CanaryFiles.ImageMaskComposite;
        graph["1"]!["inputs"]!["image"] = mask.LoadImageValue();
        graph["2"]!["inputs"]!["image"] = mask.LoadImageValue();
        var (entry, _) = await RunAsync(graph);
        Assert.Equal(PromptOutcome.Success, entry.Outcome);

        var probePixels = Png.Decode(CanaryFiles.ProbeImage);
        var maskPixels = Png.Decode(CanaryFiles.MaskImage);
        var composite = Png.Decode(Ok(await _client.ViewAsync(entry.Images().Single(i => i.NodeId == "5").Image)));
        var maskPreview = Png.Decode(Ok(await _client.ViewAsync(entry.Images().Single(i => i.NodeId == "7").Image)));
        for (var y = 0; y < 64; y++)
        {
            for (var x = 0; x < 64; x++)
            {
                var masked = maskPixels[x, y].A < 128; // transparent in the uploaded mask = masked
                var expected = masked ? probePixels[x, y] : (R: (byte)255, G: (byte)0, B: (byte)0, A: (byte)255);
                var (r, g, b, _) = composite[x, y];
                Assert.InRange(r, expected.R - 1, expected.R + 1);
                Assert.InRange(g, expected.G - 1, expected.G + 1);
                Assert.InRange(b, expected.B - 1, expected.B + 1);
                Assert.Equal(masked ? 255 : 0, maskPreview[x, y].R, tolerance: 1);
            }
        }
    }

    [Fact]
    public async Task AValidationErrorComesBackAsARejectionWithTheRealShape()
    {
        var graph = CanaryFiles.LoadImageInvertPreview;
        graph["1"]!["inputs"]!["image"] = "monitoring/missing.png";
        var submission = Ok(await _client.SubmitPromptAsync(new PromptRequest { Prompt = graph }));
        Assert.False(submission.IsAccepted);
        Assert.Equal("prompt_outputs_failed_validation", submission.Rejected!.Error!.Type);
        var error = submission.Rejected.NodeErrors["1"];
        Assert.Equal("LoadImage", error.ClassType);
        Assert.Equal("custom_validation_failed", error.Errors[0].Type);
        Assert.Equal("image - Invalid image file: monitoring/missing.png", error.Errors[0].Details);
        Assert.Equal(["3"], error.DependentOutputs);
    }

    [Fact]
    public async Task QueueHistoryAndInterruptRoutesWorkAgainstTheSimulator()
    {
        Ok(await _client.ClearHistoryAsync());
        Assert.Empty(Ok(await _client.GetHistoryAsync(10)).Entries);
        Assert.Empty(Ok(await _client.GetQueueAsync()).Running);
        Assert.Equal(0, Ok(await _client.GetPromptInfoAsync()).ExecInfo!.QueueRemaining);
        Assert.Contains("SaveImage", Ok(await _client.GetObjectInfoAsync()).Keys);
        Assert.Empty(Ok(await _client.GetObjectInfoAsync("NoSuchNode")));
        Assert.NotEmpty(Ok(await _client.GetExtensionsAsync()));
        Assert.True(Ok(await _client.InterruptAsync("not-running")));
        Assert.True(Ok(await _client.DeleteFromQueueAsync(["unknown"])));
        Assert.True(Ok(await _client.ClearQueueAsync()));
        Assert.Null(Ok(await _client.GetHistoryEntryAsync("unknown")));
        var missing = await _client.ViewAsync(new ImageRef { Filename = "nope.png", Type = "output" });
        Assert.Equal(404, missing.Error!.StatusCode);
    }

    private async Task<(HistoryEntry Entry, List<ComfyWsMessage> Messages)> RunAsync(JsonObject graph)
    {
        var clientId = Guid.NewGuid().ToString("N");
        await using var socket = await ComfyWebSocket.ConnectAsync(_endpoint, clientId, TimeSpan.FromSeconds(5));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var messages = new List<ComfyWsMessage>();
        var registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = Task.Run(async () =>
        {
            await foreach (var m in socket.ReadAllAsync(cts.Token))
            {
                messages.Add(m);
                registered.TrySetResult();
                if (m is ExecutingWsMessage { Node: null })
                {
                    return;
                }
            }
        });

        // Like ComfyUI, the simulator registers the client id after the handshake and then sends a first status:
        // a prompt submitted before it runs with nobody to tell (what the probe waits for too).
        await Task.WhenAny(registered.Task, reading).WaitAsync(cts.Token);
        Assert.True(registered.Task.IsCompleted, "the socket closed before its first message");
        var submission = Ok(await _client.SubmitPromptAsync(new PromptRequest { Prompt = graph, ClientId = clientId }));
        Assert.True(submission.IsAccepted, submission.Rejected?.Error?.Message);
        await reading;
        Assert.IsType<StatusWsMessage>(messages[0]);
        var entry = Ok(await _client.GetHistoryEntryAsync(submission.Accepted!.PromptId));
        Assert.NotNull(entry);
        return (entry, messages);
    }

    private static T Ok<T>(ComfyResult<T> result)
    {
        Assert.True(result.IsSuccess, result.ToString());
        return result.Value!;
    }
}
