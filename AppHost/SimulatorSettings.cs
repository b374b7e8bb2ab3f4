namespace ComfyMonitor.AppHost;

/// <summary>
/// <c>Simulator</c>: the simulated fleet the AppHost runs when no <c>ComfyUI:Instances</c> are configured (with them,
/// the AppHost watches those real servers instead, each a resource of its own).
/// </summary>
public sealed class SimulatorSettings
{
    public const string Section = "Simulator";

    /// <summary>Simulated ComfyUI servers, named sim-0, sim-1, ... in the collector and the probe.</summary>
    public int Instances { get; set; } = 4;

    /// <summary>Port of sim-0 on 127.0.0.1; the others follow it (8188 to 8191 with the defaults).</summary>
    public int BasePort { get; set; } = 8188;

    /// <summary>Port of the simulator's control API on 127.0.0.1 (scenarios, restarts), which the dashboard commands use.</summary>
    public int ControlPort { get; set; } = 8100;

    /// <summary>Background prompts per minute per simulated instance, submitted like web-UI users; 0: none.</summary>
    public double Workload { get; set; } = 6;
}
