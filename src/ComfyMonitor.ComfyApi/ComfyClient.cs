using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.Json;
using ComfyMonitor.ComfyApi.Json;
using ComfyMonitor.ComfyApi.Models;
using Refit;

namespace ComfyMonitor.ComfyApi;

/// <summary>
/// One ComfyUI server. Every call returns a <see cref="ComfyResult{T}"/>: timeouts, refused
/// connections, error statuses, invalid or oversized bodies become a <see cref="ComfyError"/>
/// with a reason, never an exception. Only the caller's own cancellation is rethrown.
/// </summary>
public sealed class ComfyClient
{
    private readonly IComfyUiApi _api;
    private readonly ComfyClientOptions _options;

    public ComfyClient(IComfyUiApi api, ComfyClientOptions options)
    {
        _api = api;
        _options = options;
    }

    /// <summary>Refit settings bound to the source-generated JSON context.</summary>
    public static RefitSettings RefitSettings { get; } = new(SystemTextJsonContentSerializer.ForContext(ComfyJsonContext.Default));

    /// <summary>GET /system_stats; an answer without its "system" object is an invalid response.</summary>
    public Task<ComfyResult<SystemStats>> GetSystemStatsAsync(CancellationToken cancellationToken = default) =>
        CallAsync(async ct => Require(await _api.GetSystemStatsAsync(ct).ConfigureAwait(false), s => s.System is not null, "/system_stats has no \"system\" object"), cancellationToken);

    public Task<ComfyResult<PromptInfo>> GetPromptInfoAsync(CancellationToken cancellationToken = default) =>
        CallAsync(_api.GetPromptInfoAsync, cancellationToken);

    /// <summary>GET /queue; an answer without both lists is an invalid response, never an empty queue.</summary>
    public Task<ComfyResult<QueueState>> GetQueueAsync(CancellationToken cancellationToken = default) =>
        CallAsync(async ct => Require(await _api.GetQueueAsync(ct).ConfigureAwait(false), q => q.Running is not null && q.Pending is not null, "/queue lacks queue_running or queue_pending"), cancellationToken);

    public Task<ComfyResult<bool>> DeleteFromQueueAsync(IReadOnlyList<string> promptIds, CancellationToken cancellationToken = default) =>
        CallAsync(ct => _api.PostQueueAsync(new DeleteRequest { Delete = promptIds }, ct), cancellationToken);

    public Task<ComfyResult<bool>> ClearQueueAsync(CancellationToken cancellationToken = default) =>
        CallAsync(ct => _api.PostQueueAsync(new DeleteRequest { Clear = true }, ct), cancellationToken);

    /// <summary>The newest <paramref name="maxItems"/> entries (oldest first), from <paramref name="offset"/> on v0.3.60+.</summary>
    public Task<ComfyResult<HistoryPage>> GetHistoryAsync(int? maxItems, int? offset = null, CancellationToken cancellationToken = default) =>
        CallAsync(ct => _api.GetHistoryAsync(maxItems, offset, ct), cancellationToken);

    /// <summary>The entry, or null while the prompt is unknown, pending or running.</summary>
    public async Task<ComfyResult<HistoryEntry?>> GetHistoryEntryAsync(string promptId, CancellationToken cancellationToken = default)
    {
        var page = await CallAsync(ct => _api.GetHistoryEntryAsync(promptId, ct), cancellationToken).ConfigureAwait(false);
        return page.IsSuccess ? ComfyResult<HistoryEntry?>.Success(page.Value.Find(promptId)) : page.Error;
    }

    public Task<ComfyResult<bool>> DeleteFromHistoryAsync(IReadOnlyList<string> promptIds, CancellationToken cancellationToken = default) =>
        CallAsync(ct => _api.PostHistoryAsync(new DeleteRequest { Delete = promptIds }, ct), cancellationToken);

    public Task<ComfyResult<bool>> ClearHistoryAsync(CancellationToken cancellationToken = default) =>
        CallAsync(ct => _api.PostHistoryAsync(new DeleteRequest { Clear = true }, ct), cancellationToken);

    public Task<ComfyResult<List<string>>> GetExtensionsAsync(CancellationToken cancellationToken = default) =>
        CallAsync(_api.GetExtensionsAsync, cancellationToken);

    /// <summary>GET /models: the model folders of the server.</summary>
    public Task<ComfyResult<List<string>>> GetModelFoldersAsync(CancellationToken cancellationToken = default) =>
        CallAsync(_api.GetModelFoldersAsync, cancellationToken);

    /// <summary>GET /models/{folder}: the files of one model folder (an unknown folder is an http_status error with status 404).</summary>
    public Task<ComfyResult<List<string>>> GetModelFilesAsync(string folder, CancellationToken cancellationToken = default) =>
        CallAsync(ct => _api.GetModelFilesAsync(folder, ct), cancellationToken);

    public Task<ComfyResult<Dictionary<string, NodeInfo>>> GetObjectInfoAsync(CancellationToken cancellationToken = default) =>
        CallAsync(_api.GetObjectInfoAsync, cancellationToken);

    /// <summary>The node class, or an empty dictionary when the server does not know it.</summary>
    public Task<ComfyResult<Dictionary<string, NodeInfo>>> GetObjectInfoAsync(string nodeClass, CancellationToken cancellationToken = default) =>
        CallAsync(ct => _api.GetObjectInfoAsync(nodeClass, ct), cancellationToken);

    /// <summary>Submits a prompt. A validation failure (400) is a successful call with <see cref="PromptSubmission.Rejected"/> set.</summary>
    public Task<ComfyResult<PromptSubmission>> SubmitPromptAsync(PromptRequest request, CancellationToken cancellationToken = default) =>
        CallAsync(async ct =>
        {
            using var response = await _api.PostPromptAsync(request, ct).ConfigureAwait(false);
            if (response.IsSuccessStatusCode && response.Content is { } accepted)
            {
                return new PromptSubmission { Accepted = accepted };
            }

            if (response.Error is { } error && error.InnerException is not null)
            {
                throw error.InnerException;
            }

            if (response.StatusCode == HttpStatusCode.BadRequest && response.Error is ApiException { Content: { Length: > 0 } body })
            {
                var rejected = JsonSerializer.Deserialize(body, ComfyJsonContext.Default.PromptErrorResponse)
                    ?? throw new JsonException("Empty validation error body.");
                return new PromptSubmission { Rejected = rejected };
            }

            throw response.Error ?? (Exception)new JsonException("Empty response body.");
        }, cancellationToken);

    public Task<ComfyResult<UploadResponse>> UploadImageAsync(
        ReadOnlyMemory<byte> content, string fileName, string subfolder = "", string type = "input", bool overwrite = true,
        CancellationToken cancellationToken = default) =>
        CallAsync(ct => _api.UploadImageAsync(Part(content, fileName), type, subfolder, overwrite ? "true" : "false", ct), cancellationToken);

    /// <summary>Uploads a mask: its alpha replaces the alpha of <paramref name="original"/> (transparent = masked).</summary>
    public Task<ComfyResult<UploadResponse>> UploadMaskAsync(
        ReadOnlyMemory<byte> content, string fileName, OriginalRef original, string subfolder = "", string type = "input", bool overwrite = true,
        CancellationToken cancellationToken = default) =>
        CallAsync(ct => _api.UploadMaskAsync(
            Part(content, fileName), type, subfolder, overwrite ? "true" : "false",
            JsonSerializer.Serialize(original, ComfyJsonContext.Default.OriginalRef), ct), cancellationToken);

    /// <summary>
    /// GET /view: the file's bytes (capped like every body, and at <paramref name="maxBytes"/> when given: a larger file is a
    /// too_large error, and no more of it is read). 400/403/404 are http_status errors.
    /// </summary>
    public Task<ComfyResult<byte[]>> ViewAsync(ImageRef image, CancellationToken cancellationToken = default, long? maxBytes = null) =>
        CallAsync(async ct =>
        {
            using var response = await _api.ViewAsync(image.Filename, image.Subfolder, image.Type, ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpStatusException(response.StatusCode);
            }

            if (maxBytes is not { } cap)
            {
                return await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            }

            if (response.Content.Headers.ContentLength > cap)
            {
                throw new ComfyResponseTooLargeException(cap);
            }

            await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            for (int read; (read = await stream.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0;)
            {
                if (buffer.Length + read > cap)
                {
                    throw new ComfyResponseTooLargeException(cap);
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }, cancellationToken);

    /// <summary>Interrupts <paramref name="promptId"/> only if it is the running prompt (v0.3.57+; older servers interrupt whatever runs).</summary>
    public Task<ComfyResult<bool>> InterruptAsync(string promptId, CancellationToken cancellationToken = default) =>
        CallAsync(ct => _api.InterruptAsync(new InterruptRequest { PromptId = promptId }, ct), cancellationToken);

    /// <summary>A global interrupt. A monitor should not need this: prefer <see cref="InterruptAsync(string, CancellationToken)"/>.</summary>
    public Task<ComfyResult<bool>> InterruptAllAsync(CancellationToken cancellationToken = default) =>
        CallAsync(_api.InterruptAllAsync, cancellationToken);

    /// <summary>A response that parsed but lacks what every ComfyUI version sends fails like unparsable JSON.</summary>
    private static T Require<T>(T value, Func<T, bool> valid, string problem) => valid(value) ? value : throw new JsonException(problem);

    private static StreamPart Part(ReadOnlyMemory<byte> content, string fileName) =>
        new(new MemoryStream(content.ToArray(), writable: false), fileName, "image/png");

    private Task<ComfyResult<bool>> CallAsync(Func<CancellationToken, Task> call, CancellationToken cancellationToken) =>
        CallAsync(async ct =>
        {
            await call(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    private async Task<ComfyResult<T>> CallAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            var value = await call(timeout.Token).ConfigureAwait(false);
            return value is null
                ? new ComfyError(ComfyErrorReason.InvalidResponse, "The response body is empty or null.")
                : ComfyResult<T>.Success(value);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return Classify(ex, timeout.IsCancellationRequested);
        }
    }

    /// <summary>Maps an exception from the HTTP stack, Refit or the JSON reader to a reason and a safe message.</summary>
    internal ComfyError Classify(Exception exception, bool timedOut)
    {
        if (timedOut && !Chain(exception).OfType<ComfyResponseTooLargeException>().Any())
        {
            return new ComfyError(ComfyErrorReason.Timeout, $"no answer within {_options.Timeout.TotalSeconds:0.###} s");
        }

        foreach (var ex in Chain(exception))
        {
            switch (ex)
            {
                case ComfyResponseTooLargeException tooLarge:
                    return new ComfyError(ComfyErrorReason.TooLarge, $"response body over {tooLarge.Limit} bytes");
                case HttpStatusException status:
                    return new ComfyError(ComfyErrorReason.HttpStatus, $"HTTP {(int)status.StatusCode}", (int)status.StatusCode);
                case ApiException api when api.InnerException is null:
                    return new ComfyError(ComfyErrorReason.HttpStatus, $"HTTP {(int)api.StatusCode}", (int)api.StatusCode);
                case JsonException json:
                    return new ComfyError(ComfyErrorReason.InvalidResponse, $"invalid JSON: {Describe(json)}");
                case FormatException or InvalidCastException or NotSupportedException:
                    return new ComfyError(ComfyErrorReason.InvalidResponse, "the response does not have the expected shape");
                case AuthenticationException:
                    return new ComfyError(ComfyErrorReason.Connect, "TLS handshake failed");
                case SocketException socket:
                    return new ComfyError(ComfyErrorReason.Connect, SocketMessage(socket.SocketErrorCode));
            }
        }

        if (exception is OperationCanceledException or TimeoutException)
        {
            return new ComfyError(ComfyErrorReason.Timeout, $"no answer within {_options.Timeout.TotalSeconds:0.###} s");
        }

        return exception is HttpRequestException http
            ? new ComfyError(http.HttpRequestError is HttpRequestError.ResponseEnded or HttpRequestError.InvalidResponse
                    ? ComfyErrorReason.InvalidResponse
                    : ComfyErrorReason.Connect,
                $"request failed ({http.HttpRequestError})")
            : new ComfyError(ComfyErrorReason.InvalidResponse, $"unexpected {exception.GetType().Name}");
    }

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            yield return ex;
        }
    }

    private static string Describe(JsonException json) =>
        json.LineNumber is { } line ? $"at line {line + 1}, byte {json.BytePositionInLine}" : "malformed body";

    private static string SocketMessage(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "host name does not resolve",
        SocketError.TimedOut => "connect timed out",
        SocketError.ConnectionReset => "connection reset",
        SocketError.NetworkUnreachable or SocketError.HostUnreachable => "host unreachable",
        _ => $"socket error {error}",
    };

    /// <summary>A non-success status from a call whose Refit signature does not throw on its own.</summary>
    private sealed class HttpStatusException(HttpStatusCode statusCode) : Exception($"HTTP {(int)statusCode}")
    {
        public HttpStatusCode StatusCode { get; } = statusCode;
    }
}
