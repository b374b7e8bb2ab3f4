namespace ComfyMonitor.Simulator.Fleet;

/// <summary>Runs every instance's worker for the lifetime of the host.</summary>
internal sealed class FleetWorkerService(SimulatedFleet fleet) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(fleet.Instances.Select(i => Task.Run(() => i.RunWorkerAsync(stoppingToken), stoppingToken)));
}
