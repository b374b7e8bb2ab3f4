namespace ComfyMonitor.Simulator.Execution;

/// <summary>The output of a simulated model node (MODEL, CLIP, LATENT, CONDITIONING, ...): only a type name.</summary>
public sealed record ModelHandle(string Type);
