using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Simulator.Tests;

/// <summary>/ws sends the real message sequence, to the right sockets only.</summary>
public sealed class WebSocketTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;
    private HttpClient _http = null!;

    public async ValueTask InitializeAsync()
    {
        _sim = await SimulatorHost.StartAsync();
        _http = _sim.Http();
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _sim.DisposeAsync();
    }

    [Fact]
    public async Task APromptsOwnSocketGetsTheWholeSequenceAndOthersOnlyStatus()
    {
        using var owner = await ConnectAsync("owner-1");
        using var other = await ConnectAsync("other-1");
        var first = await ReceiveAsync(owner);
        Assert.Equal("status", (string?)first["type"]);
        Assert.Equal("owner-1", (string?)first["data"]!["sid"]);
        await ReceiveAsync(other);

        var (_, submitted) = await _http.PostJsonAsync("prompt", new JsonObject { ["prompt"] = CanaryFiles.EmptyImageSave, ["client_id"] = "owner-1" });
        var id = (string)submitted!["prompt_id"]!;
        var sequence = new List<JsonNode>();
        while (true)
        {
            var m = await ReceiveAsync(owner);
            sequence.Add(m);
            if ((string?)m["type"] == "executing" && m["data"]!["node"] is null)
            {
                break;
            }
        }

        var types = sequence.Select(m => (string)m["type"]!).Where(t => t != "progress_state").ToList();
        // The status broadcasts of the submit may interleave with the start of the run on a loaded machine:
        // the run's own messages keep their order, and three statuses come, the first before anything else.
        Assert.Equal(
            ["execution_start", "execution_cached", "executing", "executing", "executed", "execution_success", "executing"],
            types.Where(t => t != "status"));
        Assert.Equal("status", types[0]);
        Assert.Equal(3, types.Count(t => t == "status"));
        Assert.Equal("status", types[^2]);
        Assert.All(sequence.Where(m => (string?)m["type"] is "execution_start" or "execution_success"), m => Assert.Equal(id, (string?)m["data"]!["prompt_id"]));
        Assert.Equal(0, (int)sequence[^2]["data"]!["status"]!["exec_info"]!["queue_remaining"]!);

        // The other socket sees the status broadcasts, never the execution events.
        var seen = new List<string>();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        try
        {
            while (true)
            {
                seen.Add((string)(await ReceiveAsync(other, cts.Token))["type"]!);
            }
        }
        catch (OperationCanceledException)
        {
        }

        Assert.Contains("status", seen);
        Assert.DoesNotContain("execution_start", seen);
        Assert.DoesNotContain("executed", seen);
    }

    [Fact]
    public async Task AFeatureFlagsHelloGetsTheServerFlags()
    {
        using var socket = await ConnectAsync("flags-1");
        await ReceiveAsync(socket);
        await socket.SendAsync(Encoding.UTF8.GetBytes("{\"type\":\"feature_flags\",\"data\":{\"supports_preview_metadata\":true}}"), WebSocketMessageType.Text, true, default);
        var reply = await ReceiveAsync(socket);
        Assert.Equal("feature_flags", (string?)reply["type"]);
        Assert.Equal(104857600.0, (double)reply["data"]!["max_upload_size"]!);
    }

    private async Task<ClientWebSocket> ConnectAsync(string clientId)
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{_sim.BasePort}/ws?clientId={clientId}"), default);
        return socket;
    }

    private static async Task<JsonNode> ReceiveAsync(ClientWebSocket socket, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var buffer = new byte[64 * 1024];
        var result = await socket.ReceiveAsync(buffer, timeout.Token);
        return JsonNode.Parse(buffer.AsSpan(0, result.Count))!;
    }
}
