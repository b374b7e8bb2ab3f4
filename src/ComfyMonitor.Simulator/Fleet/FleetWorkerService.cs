namespace ComfyMonitor.Simulator.Fleet;

/// <summary>Runs every instance's worker for the lifetime of the host.</summary>
internal sealed class FleetWorkerService(SimulatedFleet fleet) : BackgroundService
{
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (fleet.Options.HistoryFill > 0)
        {
            var body = System.Text.Json.Nodes.JsonNode.Parse(Workload.WorkloadService.Txt2Img().ToJsonString())!;
            var graph = (System.Text.Json.Nodes.JsonObject)body["prompt"]!.DeepClone();
            var extra = (System.Text.Json.Nodes.JsonObject)body["extra_data"]!.DeepClone();
            foreach (var instance in fleet.Instances)
            {
                instance.FillHistory(fleet.Options.HistoryFill, graph, extra);
            }
        }

        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(fleet.Instances.Select(i => Task.Run(() => i.RunWorkerAsync(stoppingToken), stoppingToken)));
}
