using System.Globalization;
using System.Net.Http.Json;
using ComfyMonitor.Simulator.Fleet;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ComfyMonitor.Testing;

/// <summary>The simulator, started in-process on free loopback ports, as the tests' ComfyUI fleet.</summary>
internal sealed class SimulatorHost : IAsyncDisposable
{
    private SimulatorHost(WebApplication app, int basePort, int controlPort, int instances)
    {
        App = app;
        BasePort = basePort;
        ControlPort = controlPort;
        Count = instances;
        Control = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{controlPort}/") };
    }

    public WebApplication App { get; }

    public int BasePort { get; }

    public int ControlPort { get; }

    public int Count { get; }

    public HttpClient Control { get; }

    public SimulatedFleet Fleet => App.Services.GetRequiredService<SimulatedFleet>();

    public static Task<SimulatorHost> StartAsync(int instances = 1, IDictionary<string, string?>? settings = null) =>
        FreePorts.BindAsync(() => StartOnFreePortsAsync(instances, settings));

    private static async Task<SimulatorHost> StartOnFreePortsAsync(int instances, IDictionary<string, string?>? settings)
    {
        var basePort = FreePorts.Range(instances);
        var controlPort = FreePorts.One();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Simulator:Instances"] = instances.ToString(CultureInfo.InvariantCulture),
            ["Simulator:BasePort"] = basePort.ToString(CultureInfo.InvariantCulture),
            ["Simulator:ControlPort"] = controlPort.ToString(CultureInfo.InvariantCulture),
            ["Simulator:NodeTime"] = "00:00:00.050",
            ["Simulator:SlowDelay"] = "00:00:01",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.AddSimulator();
        var app = builder.Build();
        app.MapSimulator();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new SimulatorHost(app, basePort, controlPort, instances);
    }

    public Uri Url(int index = 0) => new($"http://127.0.0.1:{BasePort + index}/");

    public HttpClient Http(int index = 0) => new() { BaseAddress = Url(index), Timeout = TimeSpan.FromSeconds(30) };

    public async Task SetScenarioAsync(int index, string scenario)
    {
        using var response = await Control.PostAsync($"instances/{index}/scenario/{scenario}", null);
        response.EnsureSuccessStatusCode();
        // Kestrel rebinds asynchronously after the configuration reload: wait until the port is as the scenario says.
        var open = scenario != Scenarios.Down;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await AcceptsAsync(BasePort + index) != open)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"instance {index} {(open ? "never opened" : "never closed")} its port for '{scenario}'");
            }

            await Task.Delay(20);
        }
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new System.Net.Sockets.TcpClient();
        try
        {
            await client.ConnectAsync(System.Net.IPAddress.Loopback, port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    public async Task<List<InstanceInfo>> InstancesAsync() =>
        await Control.GetFromJsonAsync<List<InstanceInfo>>("instances") ?? [];

    public async ValueTask DisposeAsync()
    {
        Control.Dispose();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await App.StopAsync(stop.Token);
        await App.DisposeAsync();
    }

    public sealed record InstanceInfo(int Index, int Port, string Scenario);
}
