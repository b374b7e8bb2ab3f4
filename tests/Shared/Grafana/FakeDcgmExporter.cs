using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ComfyMonitor.Testing;

/// <summary>
/// NVIDIA's dcgm-exporter as the dashboards' GPU hardware rows see it: the recorded /metrics text of
/// tests/TestData/dcgm-exporter.txt (hosts gpu-node-0, gpu-node-1 and gpu-node-9), served on a free loopback port.
/// </summary>
internal sealed class FakeDcgmExporter : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeDcgmExporter(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public static async Task<FakeDcgmExporter> StartAsync()
    {
        var text = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "tests", "TestData", "dcgm-exporter.txt"));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(FreePorts.AnyPort);
        var app = builder.Build();
        app.MapGet("/metrics", () => Results.Text(text, "text/plain; version=0.0.4; charset=utf-8"));
        await app.StartAsync();
        return new FakeDcgmExporter(app, FreePorts.Bound(app)[0]);
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
