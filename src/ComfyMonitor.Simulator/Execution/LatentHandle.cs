namespace ComfyMonitor.Simulator.Execution;

/// <summary>
/// A LATENT of the simulated text-to-image nodes: its pixel size and batch (EmptyLatentImage), and once sampled the seed
/// that decides what VAEDecode makes of it (null: an empty latent, which decodes to a flat grey like ComfyUI's zeros).
/// </summary>
public sealed record LatentHandle(int Width, int Height, int Batch, long? Seed);
