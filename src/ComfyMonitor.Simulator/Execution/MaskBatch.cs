namespace ComfyMonitor.Simulator.Execution;

/// <summary>A MASK: a batch of H×W float32 planes in 0..1 (1 = masked).</summary>
public sealed class MaskBatch(int width, int height, IReadOnlyList<float[]> planes)
{
    public int Width { get; } = width;

    public int Height { get; } = height;

    public IReadOnlyList<float[]> Planes { get; } = planes;
}
