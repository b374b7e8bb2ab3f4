using System.Buffers;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;

namespace ComfyMonitor.ComfyApi.WebSockets;

/// <summary>
/// A connection to /ws?clientId=. Use a fresh client id per connection: a second socket with the
/// same id silently stops receiving frames on the server.
/// </summary>
public sealed class ComfyWebSocket : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly int _maxFrameBytes;

    private ComfyWebSocket(ClientWebSocket socket, string clientId, int maxFrameBytes)
    {
        _socket = socket;
        _maxFrameBytes = maxFrameBytes;
        ClientId = clientId;
    }

    public string ClientId { get; }

    public WebSocketState State => _socket.State;

    public static async Task<ComfyWebSocket> ConnectAsync(
        ComfyEndpoint endpoint, string clientId, TimeSpan connectTimeout, int maxFrameBytes = 1 << 20, CancellationToken cancellationToken = default)
    {
        var socket = new ClientWebSocket();
        foreach (var (name, value) in endpoint.Headers)
        {
            socket.Options.SetRequestHeader(name, value);
        }

        var builder = new UriBuilder(new Uri(endpoint.BaseAddress, "ws"))
        {
            Scheme = endpoint.BaseAddress.Scheme == Uri.UriSchemeHttps ? "wss" : "ws",
            Query = "clientId=" + Uri.EscapeDataString(clientId),
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(connectTimeout);
        try
        {
            await socket.ConnectAsync(builder.Uri, timeout.Token).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new ComfyWebSocket(socket, clientId, maxFrameBytes);
    }

    /// <summary>Yields every frame until the server closes the socket. Frames over the size cap end the stream.</summary>
    public async IAsyncEnumerable<ComfyWsMessage> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        while (_socket.State == WebSocketState.Open)
        {
            buffer.ResetWrittenCount();
            ValueWebSocketReceiveResult result;
            do
            {
                var memory = buffer.GetMemory(8 * 1024);
                result = await _socket.ReceiveAsync(memory, cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    yield break;
                }

                buffer.Advance(result.Count);
                if (buffer.WrittenCount > _maxFrameBytes)
                {
                    throw new ComfyResponseTooLargeException(_maxFrameBytes);
                }
            }
            while (!result.EndOfMessage);

            yield return result.MessageType == WebSocketMessageType.Binary
                ? ComfyWsMessageParser.ParseBinary(buffer.WrittenSpan)
                : ComfyWsMessageParser.ParseText(buffer.WrittenSpan);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // The server went away first; nothing to close.
            }
        }

        _socket.Dispose();
    }
}
