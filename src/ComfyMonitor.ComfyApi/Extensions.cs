using ComfyMonitor.ComfyApi;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class ComfyApiServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ComfyClientFactory"/> and the named "ComfyUI" HttpClient with the body
    /// size cap. Options bind from <paramref name="configSectionPath"/>. Every request is a measurement:
    /// the client keeps no retry or circuit breaker that service defaults may add to HttpClients,
    /// only its own per-request timeout.
    /// </summary>
    public static IHttpClientBuilder AddComfyApi(this IServiceCollection services, string configSectionPath = "ComfyUI:Client")
    {
        services.AddOptions<ComfyClientOptions>().BindConfiguration(configSectionPath);
        services.AddSingleton<ComfyClientFactory>();
        services.AddSingleton<TransferStatistics>();
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is marked experimental
        return services.AddHttpClient(ComfyClientFactory.HttpClientName)
            .RemoveAllResilienceHandlers()
#pragma warning restore EXTEXP0001
            // No log scope and two log calls per request (IHttpClientFactory's logging handlers): at thousands of requests
            // a minute they cost more than the request; failures are logged by the services, with the instance's name.
            .RemoveAllLoggers()
            .AddHttpMessageHandler(sp => new ResponseSizeLimitHandler(
                sp.GetRequiredService<IOptions<ComfyClientOptions>>().Value.MaxResponseBytes, sp.GetRequiredService<TransferStatistics>()))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // One connection per server, kept alive across cycles: a fleet of thousands neither opens new
                // connections every cycle nor holds several sockets per server (file descriptors run out).
                MaxConnectionsPerServer = 1,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
                PooledConnectionLifetime = TimeSpan.FromMinutes(10),
                AutomaticDecompression = System.Net.DecompressionMethods.GZip,
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
    }
}
