using Microsoft.Extensions.Options;
using Refit;

namespace ComfyMonitor.ComfyApi;

/// <summary>
/// Builds a <see cref="ComfyClient"/> per endpoint from one named HttpClient, so that every
/// instance shares the pooled handler chain. The chain has no retry or circuit breaker (AddComfyApi
/// removes what the service defaults add): every request is a measurement.
/// </summary>
public sealed class ComfyClientFactory(IHttpClientFactory httpClientFactory, IOptionsMonitor<ComfyClientOptions> options)
{
    public const string HttpClientName = "ComfyUI";

    public ComfyClient Create(ComfyEndpoint endpoint)
    {
        var http = httpClientFactory.CreateClient(HttpClientName);
        return Create(http, endpoint, options.CurrentValue);
    }

    /// <summary>A client over a caller-supplied handler, outside dependency injection (tools and tests).</summary>
    public static ComfyClient Create(ComfyEndpoint endpoint, ComfyClientOptions options, HttpMessageHandler? innerHandler = null)
    {
        var handler = new ResponseSizeLimitHandler(options.MaxResponseBytes) { InnerHandler = innerHandler ?? new SocketsHttpHandler() };
        return Create(new HttpClient(handler, disposeHandler: true), endpoint, options);
    }

    private static ComfyClient Create(HttpClient http, ComfyEndpoint endpoint, ComfyClientOptions options)
    {
        http.BaseAddress = endpoint.BaseAddress;
        http.Timeout = Timeout.InfiniteTimeSpan;
        foreach (var (name, value) in endpoint.Headers)
        {
            http.DefaultRequestHeaders.TryAddWithoutValidation(name, value);
        }

        return new ComfyClient(RestService.ForGenerated<IComfyUiApi>(http, ComfyClient.RefitSettings), options);
    }
}
