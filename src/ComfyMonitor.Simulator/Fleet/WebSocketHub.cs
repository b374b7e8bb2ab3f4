using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace ComfyMonitor.Simulator.Fleet;

/// <summary>
/// The sockets of one instance, keyed by clientId with the real server's quirk: a second socket with
/// the same id replaces the first, and when either closes the id is removed.
/// </summary>
public sealed class WebSocketHub
{
    private readonly ConcurrentDictionary<string, Connection> _sockets = new();

    public int Count => _sockets.Count;

    public async Task RunAsync(WebSocket socket, string clientId, IReadOnlyList<JsonObject> greeting, Func<JsonObject?> featureFlags, CancellationToken cancellationToken)
    {
        var connection = new Connection(socket);
        _sockets[clientId] = connection;
        try
        {
            foreach (var frame in greeting)
            {
                await connection.SendAsync(frame, cancellationToken);
            }

            var buffer = new byte[16 * 1024];
            var first = true;
            while (socket.State == WebSocketState.Open && !cancellationToken.IsCancellationRequested)
            {
                var result = await socket.ReceiveAsync(buffer, cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    break;
                }

                if (first && result.MessageType == WebSocketMessageType.Text && result.EndOfMessage
                    && TryParse(buffer.AsSpan(0, result.Count)) is { } hello && (string?)hello["type"] == "feature_flags"
                    && featureFlags() is { } flags)
                {
                    await connection.SendAsync(new JsonObject { ["type"] = "feature_flags", ["data"] = flags }, cancellationToken);
                }

                first = false;
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The client went away.
        }
        finally
        {
            _sockets.TryRemove(clientId, out _);
        }
    }

    public Task SendAsync(string? clientId, JsonObject message) =>
        clientId is not null && _sockets.TryGetValue(clientId, out var c) ? c.TrySendAsync(message) : Task.CompletedTask;

    public Task BroadcastAsync(JsonObject message) =>
        Task.WhenAll(_sockets.Values.Select(c => c.TrySendAsync(message)));

    /// <summary>To the prompt's client, or to everybody when the prompt had none.</summary>
    public Task SendOrBroadcastAsync(string? clientId, JsonObject message) =>
        clientId is null ? BroadcastAsync(message) : SendAsync(clientId, message);

    public void AbortAll()
    {
        foreach (var c in _sockets.Values)
        {
            c.Socket.Abort();
        }
    }

    private static JsonNode? TryParse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return JsonNode.Parse(utf8);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private sealed class Connection(WebSocket socket)
    {
        private readonly SemaphoreSlim _send = new(1, 1);

        public WebSocket Socket { get; } = socket;

        public async Task SendAsync(JsonObject message, CancellationToken cancellationToken)
        {
            var bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
            await _send.WaitAsync(cancellationToken);
            try
            {
                await Socket.SendAsync(bytes, WebSocketMessageType.Text, true, cancellationToken);
            }
            finally
            {
                _send.Release();
            }
        }

        public async Task TrySendAsync(JsonObject message)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await SendAsync(message, timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // A dead socket is cleaned up by its own receive loop.
            }
        }
    }
}
