using ComfyMonitor.ComfyApi;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class ComfyApiServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ComfyClientFactory"/> and the named "ComfyUI" HttpClient with the body
    /// size cap. Options bind from <paramref name="configSectionPath"/>.
    /// </summary>
    public static IHttpClientBuilder AddComfyApi(this IServiceCollection services, string configSectionPath = "ComfyUI:Client")
    {
        services.AddOptions<ComfyClientOptions>().BindConfiguration(configSectionPath);
        services.AddSingleton<ComfyClientFactory>();
        return services.AddHttpClient(ComfyClientFactory.HttpClientName)
            .AddHttpMessageHandler(sp => new ResponseSizeLimitHandler(sp.GetRequiredService<IOptions<ComfyClientOptions>>().Value.MaxResponseBytes));
    }
}
