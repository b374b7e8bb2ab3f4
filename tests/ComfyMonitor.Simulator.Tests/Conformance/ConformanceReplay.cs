using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using ComfyMonitor.Simulator.Fleet;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Simulator.Tests.Conformance;

/// <summary>
/// Replays every recorded exchange, in the recorded order, against one fresh simulated instance started like the recorded
/// server (CPU, version 0.3.64, no models, no extensions), with the recorded WebSocket clients connected while their
/// exchanges run. The outcome of each exchange and transcript is kept for the tests to report one by one.
/// </summary>
public sealed class ConformanceReplay : IAsyncLifetime
{
    /// <summary>
    /// Prompts that the real server kept running with a slow graph (or a worker blocked on a named pipe, 119): the simulator
    /// reaches that state its own way, with the stuck scenario from before the submission until the named exchange.
    /// </summary>
    private static readonly Dictionary<string, string> HeldUntil = new()
    {
        ["108-post-prompt-slow.json"] = "112-post-interrupt-running-id.json",
        ["115-post-prompt-no-client-id-slow.json"] = "116-post-interrupt-global-running.json",
        ["118-post-prompt-reconnect-slow.json"] = "118-post-prompt-reconnect-slow.json",
        ["119-post-prompt-fifo-held.json"] = "136-get-history-deleted-pending.json",
    };

    private readonly ConcurrentDictionary<string, Recorder> _open = new();
    private SimulatorHost _sim = null!;
    private HttpClient _http = null!;

    public Dictionary<string, List<string>> Exchanges { get; } = [];

    public Dictionary<string, List<string>> Transcripts { get; } = [];

    public async ValueTask InitializeAsync()
    {
        _sim = await SimulatorHost.StartAsync(1, new Dictionary<string, string?>
        {
            ["Simulator:Gpu"] = "cpu",
            ["Simulator:ComfyVersion"] = "0.3.64",
            ["Simulator:ModelFiles"] = "false",
            ["Simulator:NodeTime"] = "00:00:00.010",
        });
        using (var none = await _sim.Control.PutAsync("instances/0/extensions", new StringContent("[]", Encoding.UTF8, "application/json")))
        {
            none.EnsureSuccessStatusCode();
        }

        _http = _sim.Http();
        var transcripts = Recorded.Transcripts();
        var held = false;
        foreach (var file in Recorded.ExchangeFiles())
        {
            foreach (var t in transcripts.Where(t => First(t) == file && Offset(t, file) >= 0))
            {
                await OpenAsync(t);
            }

            if (file == "119-post-prompt-fifo-held.json")
            {
                // The recorded server had a named pipe there; the simulator is held by the stuck scenario instead.
                var fifo = Path.Combine(_sim.Fleet.Instances[0].Files.Folder("input"), "fifo");
                Directory.CreateDirectory(fifo);
                var image = new ComfyMonitor.ComfyApi.Imaging.RgbaImage(8, 8, hasAlpha: false);
                File.WriteAllBytes(Path.Combine(fifo, "stuck.png"), ComfyMonitor.ComfyApi.Imaging.Png.Encode(image, withAlpha: false));
            }

            if (HeldUntil.ContainsKey(file))
            {
                await _sim.SetScenarioAsync(0, Scenarios.Stuck);
                held = true;
            }

            Exchanges[file] = await ReplayAsync(file);
            if (HeldUntil.ContainsKey(file))
            {
                // The prompt is in the node where the real one was slow before anything else is replayed.
                await Until(() => _sim.Fleet.Instances[0].IsHolding, $"{file} never held the worker");
            }

            foreach (var t in transcripts.Where(t => First(t) == file && Offset(t, file) < 0))
            {
                // Opened while the prompt runs (the second socket of a reconnect).
                await OpenAsync(t);
            }

            if (held && HeldUntil.ContainsValue(file))
            {
                await _sim.SetScenarioAsync(0, Scenarios.Healthy);
                held = false;
            }

            foreach (var t in transcripts.Where(t => Last(t) == file))
            {
                await CloseAsync(t);
            }
        }

        foreach (var t in transcripts.Where(t => !Transcripts.ContainsKey((string)t["file"]!)))
        {
            await OpenAsync(t);
            await CloseAsync(t);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var recorder in _open.Values)
        {
            recorder.Dispose();
        }

        _http.Dispose();
        await _sim.DisposeAsync();
    }

    private async Task<List<string>> ReplayAsync(string file)
    {
        var exchange = Recorded.Exchange(file);

        // The recording client waited for each prompt to end (or to hang) before its next request: so does the replay,
        // and an answer is compared once the instance is idle or held, when nothing changes any more.
        using var request = Recorded.Request(exchange);
        using var response = await _http.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        var instance = _sim.Fleet.Instances[0];
        await Until(() => instance.QueueRemaining == 0 || instance.IsHolding, $"{file} left the instance busy");
        return Shape.Response((JsonObject)exchange["response"]!, response, body);
    }

    private static async Task Until(Func<bool> condition, string failure)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(failure);
            }

            await Task.Delay(10);
        }
    }

    private async Task OpenAsync(JsonObject transcript)
    {
        var file = (string)transcript["file"]!;
        var recorder = await Recorder.ConnectAsync(new Uri(_sim.Url(), ((string)transcript["socket"]!).TrimStart('/')).ToString().Replace("http://", "ws://", StringComparison.Ordinal));
        _open[file] = recorder;
        foreach (var sent in transcript["client_sent"] as JsonArray ?? [])
        {
            await recorder.SendAsync(sent!["message"]!.ToJsonString());
        }
    }

    /// <summary>Waits (10 s at most) for the socket's messages, then compares the sequences.</summary>
    private async Task CloseAsync(JsonObject transcript)
    {
        var file = (string)transcript["file"]!;
        if (!_open.TryRemove(file, out var recorder))
        {
            return;
        }

        // Done when as many messages came as were recorded, or when the instance is idle and the last message is the
        // recorded last one (fewer messages is then a difference to report, not something to wait for).
        var expected = Recorded.Messages(file);
        var instance = _sim.Fleet.Instances[0];
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (recorder.Messages.Count < expected.Count && DateTime.UtcNow < deadline
            && !(instance.QueueRemaining == 0 && !instance.IsHolding && recorder.Messages.LastOrDefault() is { } last && IsLike(expected[^1], last)))
        {
            await Task.Delay(20);
        }

        recorder.Dispose();
        Transcripts[file] = CompareMessages(expected, recorder.Messages.ToList());
    }

    /// <summary>The same message, timestamps aside (the last one of a transcript is a status or the executing terminator).</summary>
    private static bool IsLike(JsonObject expected, JsonObject actual)
    {
        static JsonNode? Data(JsonObject m)
        {
            var data = m["data"]?.DeepClone();
            (data as JsonObject)?.Remove("timestamp");
            return data;
        }

        return (string?)expected["type"] == (string?)actual["type"] && JsonNode.DeepEquals(Data(expected), Data(actual));
    }

    /// <summary>The same message types in the same order, each with the recorded data keys and value kinds.</summary>
    internal static List<string> CompareMessages(IReadOnlyList<JsonObject> expected, IReadOnlyList<JsonObject> actual)
    {
        var diffs = new List<string>();
        var expectedTypes = expected.Select(m => (string)m["type"]!).ToList();
        var actualTypes = actual.Select(m => (string?)m["type"] ?? "?").ToList();
        if (!expectedTypes.SequenceEqual(actualTypes))
        {
            // Status messages with their queue_remaining, so that a missing or extra one is seen.
            static string Describe(JsonObject m) => (string?)m["type"] == "status" ? $"status({m["data"]?["status"]?["exec_info"]?["queue_remaining"]})" : (string?)m["type"] ?? "?";
            diffs.Add($"message types [{string.Join(", ", actual.Select(Describe))}], recorded [{string.Join(", ", expected.Select(Describe))}]");
        }

        for (var i = 0; i < Math.Min(expected.Count, actual.Count); i++)
        {
            if (expectedTypes[i] == actualTypes[i])
            {
                var messageDiffs = new List<string>();
                Shape.Json(expected[i]["data"], actual[i]["data"], $"$[{i}:{expectedTypes[i]}]", messageDiffs);
                diffs.AddRange(messageDiffs);
            }
        }

        return diffs;
    }

    private static IEnumerable<JsonObject> Http(JsonObject transcript) =>
        (transcript["http_during_socket (t_ms on this socket's clock)"] as JsonArray ?? []).OfType<JsonObject>();

    private static string? First(JsonObject t) => Http(t).Select(h => (string?)h["exchange"]).FirstOrDefault();

    private static string? Last(JsonObject t) => Http(t).Select(h => (string?)h["exchange"]).LastOrDefault();

    private static int Offset(JsonObject t, string file) => Http(t).Where(h => (string?)h["exchange"] == file).Select(h => (int)h["t_ms"]!).First();

    /// <summary>A WebSocket client that keeps every text message the server sends.</summary>
    private sealed class Recorder : IDisposable
    {
        private readonly ClientWebSocket _socket = new();
        private readonly CancellationTokenSource _stop = new();

        public ConcurrentQueue<JsonObject> Messages { get; } = new();

        public static async Task<Recorder> ConnectAsync(string url)
        {
            var recorder = new Recorder();
            await recorder._socket.ConnectAsync(new Uri(url), CancellationToken.None);
            _ = recorder.ReceiveAsync();

            // The first message (status with the sid) arrives once the server has registered the socket.
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (recorder.Messages.IsEmpty && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }

            return recorder;
        }

        public Task SendAsync(string text) =>
            _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

        private async Task ReceiveAsync()
        {
            var buffer = new byte[1 << 20];
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var count = 0;
                    WebSocketReceiveResult result;
                    do
                    {
                        result = await _socket.ReceiveAsync(buffer.AsMemory(count), _stop.Token) is var r ? new WebSocketReceiveResult(r.Count, r.MessageType, r.EndOfMessage) : null!;
                        count += result.Count;
                    }
                    while (!result.EndOfMessage);

                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    if (result.MessageType == WebSocketMessageType.Text && JsonNode.Parse(buffer.AsSpan(0, count)) is JsonObject message)
                    {
                        Messages.Enqueue(message);
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
            {
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _socket.Abort();
            _socket.Dispose();
        }
    }
}
