using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
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
        foreach (var frame in greeting)
        {
            connection.Enqueue(frame);
        }

        _sockets[clientId] = connection;
        var pump = connection.PumpAsync(cancellationToken);
        try
        {
            var buffer = new byte[16 * 1024];
            var first = true;
            while (socket.State == WebSocketState.Open && !cancellationToken.IsCancellationRequested)
            {
                var result = await socket.ReceiveAsync(buffer, cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    connection.Complete();
                    await pump;
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    break;
                }

                if (first && result.MessageType == WebSocketMessageType.Text && result.EndOfMessage
                    && TryParse(buffer.AsSpan(0, result.Count)) is { } hello && (string?)hello["type"] == "feature_flags"
                    && featureFlags() is { } flags)
                {
                    connection.Enqueue(new JsonObject { ["type"] = "feature_flags", ["data"] = flags });
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
            // Only this connection's registration: a client that reconnected with the same id (a new socket registered
            // before this one's close was processed, as a loaded machine shows) keeps receiving its messages.
            _sockets.TryRemove(KeyValuePair.Create(clientId, connection));
            connection.Complete();
            await pump;
        }
    }

    /// <summary>Queues a message for one client (in call order, like the server's single message queue); never blocks.</summary>
    public void Send(string? clientId, JsonObject message)
    {
        if (clientId is not null && _sockets.TryGetValue(clientId, out var c))
        {
            c.Enqueue(message);
        }
    }

    /// <summary>Queues a message for every socket; never blocks, so it may be called under the instance's lock.</summary>
    public void Broadcast(JsonObject message)
    {
        foreach (var c in _sockets.Values)
        {
            c.Enqueue(message);
        }
    }

    /// <summary>To the prompt's client, or to everybody when the prompt had none.</summary>
    public void SendOrBroadcast(string? clientId, JsonObject message)
    {
        if (clientId is null)
        {
            Broadcast(message);
        }
        else
        {
            Send(clientId, message);
        }
    }

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

    /// <summary>One socket and its outbox: messages are serialised when queued and sent one by one, in order.</summary>
    private sealed class Connection(WebSocket socket)
    {
        private readonly Channel<byte[]> _outbox = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });

        public WebSocket Socket { get; } = socket;

        public void Enqueue(JsonObject message) => _outbox.Writer.TryWrite(Encoding.UTF8.GetBytes(message.ToJsonString()));

        public void Complete() => _outbox.Writer.TryComplete();

        public async Task PumpAsync(CancellationToken cancellationToken)
        {
            try
            {
                await foreach (var bytes in _outbox.Reader.ReadAllAsync(cancellationToken))
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timeout.CancelAfter(TimeSpan.FromSeconds(5));
                    await Socket.SendAsync(bytes, WebSocketMessageType.Text, true, timeout.Token);
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // A dead or stalled client: it gets nothing more; its receive loop cleans up.
                Complete();
            }
        }
    }
}
