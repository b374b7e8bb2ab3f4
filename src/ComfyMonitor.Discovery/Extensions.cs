using ComfyMonitor.Discovery;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

public static class DiscoveryExtensions
{
    /// <summary>
    /// The fleet's targets: static <c>ComfyUI:Instances</c>, <c>ComfyUI:Discovery</c> file_sd and http_sd,
    /// sharded by <paramref name="shardSection"/> (e.g. "Collector:Shard"). Options are validated on start.
    /// </summary>
    public static IHostApplicationBuilder AddComfyTargets(this IHostApplicationBuilder builder, string shardSection)
    {
        var services = builder.Services;
        services.AddOptions<ComfyUIOptions>().BindConfiguration(ComfyUIOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ComfyUIOptions>, ComfyUIOptionsValidator>();
        services.AddOptions<ShardOptions>().BindConfiguration(shardSection).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ShardOptions>>(new ShardOptionsValidator(shardSection));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<ShardOptions>>().Value);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<TargetRegistry>();
        services.AddSingleton<DiscoveryMetrics>();
        services.AddHttpClient(DiscoveryService.HttpClientName);
        services.AddSingleton<DiscoveryService>();
        services.AddHostedService(sp => sp.GetRequiredService<DiscoveryService>());
        return builder;
    }
}
