namespace ComfyMonitor.AppHost.Tests;

/// <summary>The app model, checked without starting anything.</summary>
public sealed class AppModelTests
{
    [Fact]
    public async Task TheSimulatorRunsFourInstancesWithBackgroundTrafficByDefault()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ComfyMonitor_AppHost>(
            ["--DcpPublisher:ContainerRuntimeInitializationTimeout=00:00:00"], TestContext.Current.CancellationToken);
        var simulator = Assert.Single(builder.Resources.OfType<ProjectResource>(), r => r.Name == "simulator");
        var args = await ArgumentsAsync(simulator);
        Assert.Equal(["--instances", "4", "--base-port", "8188", "--control-port", "8100", "--workload", "6"], args);
        Assert.Contains(simulator.Annotations.OfType<EndpointAnnotation>(), e => e.Name == "control" && e.Port == 8100);
    }

    [Fact]
    public async Task TheFleetSizeComesFromConfiguration()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ComfyMonitor_AppHost>(
            ["--Simulator:Instances=12", "--Simulator:BasePort=9000", "--DcpPublisher:ContainerRuntimeInitializationTimeout=00:00:00"],
            TestContext.Current.CancellationToken);
        var simulator = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "simulator");
        var args = await ArgumentsAsync(simulator);
        Assert.Equal("12", args[args.IndexOf("--instances") + 1]);
        Assert.Equal("9000", args[args.IndexOf("--base-port") + 1]);
    }

    private static async Task<List<string>> ArgumentsAsync(IResource resource)
    {
        var list = new List<object>();
        foreach (var annotation in resource.Annotations.OfType<CommandLineArgsCallbackAnnotation>())
        {
            await annotation.Callback(new CommandLineArgsCallbackContext(list, resource, TestContext.Current.CancellationToken));
        }

        return list.Select(a => a.ToString()!).ToList();
    }
}
