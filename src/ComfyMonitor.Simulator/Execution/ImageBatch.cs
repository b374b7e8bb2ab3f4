namespace ComfyMonitor.Simulator.Execution;

/// <summary>An IMAGE as ComfyUI holds it: a batch of H×W×3 float32 frames in 0..1.</summary>
public sealed class ImageBatch(int width, int height, IReadOnlyList<float[]> frames)
{
    public int Width { get; } = width;

    public int Height { get; } = height;

    public IReadOnlyList<float[]> Frames { get; } = frames;

    public static ImageBatch Filled(int width, int height, int batch, float r, float g, float b)
    {
        var frames = new List<float[]>(batch);
        for (var n = 0; n < batch; n++)
        {
            var f = new float[width * height * 3];
            for (var i = 0; i < f.Length; i += 3)
            {
                f[i] = r;
                f[i + 1] = g;
                f[i + 2] = b;
            }

            frames.Add(f);
        }

        return new ImageBatch(width, height, frames);
    }
}
