namespace ComfyMonitor.Simulator.Fleet;

/// <summary>What /system_stats says about the device, per flavour.</summary>
public sealed record GpuProfile(string Flavour, string Name, string Type, int? Index, long VramTotal, string PytorchVersion)
{
    public const long RamTotal = 67_216_154_624;

    /// <summary>cpu and mps report system RAM as their VRAM.</summary>
    public bool UsesSystemRam => Type is "cpu" or "mps";

    public static GpuProfile For(string flavour, int instanceIndex)
    {
        if (flavour == "mixed")
        {
            flavour = (instanceIndex % 4) switch { 0 => "cuda", 1 => "rocm", 2 => "cpu", _ => "mps" };
        }

        return flavour switch
        {
            "rocm" => new("rocm", "cuda:0 AMD Radeon RX 7900 XTX : native", "cuda", 0, 25_753_026_560, "2.9.1+rocm6.4"),
            "cpu" => new("cpu", "cpu", "cpu", null, RamTotal, "2.9.1+cpu"),
            "mps" => new("mps", "mps", "mps", null, RamTotal, "2.9.1"),
            _ => new("cuda", "cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync", "cuda", 0, 25_386_352_640, "2.9.1+cu128"),
        };
    }
}
