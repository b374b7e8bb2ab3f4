using ComfyMonitor.ComfyApi.Imaging;

namespace ComfyMonitor.Probe.Canaries;

/// <summary>
/// <c>upload</c>: a PNG with a fresh random pattern is uploaded (fixed name, overwrite) -> LoadImage ->
/// ImageInvert -> PreviewImage; every pixel of the preview must be the inverse.
/// </summary>
public sealed class UploadCanary : Canary
{
    public const string CanaryName = "upload";

    public override string Name => CanaryName;

    public override async Task<CanaryPlan> PrepareAsync(CanaryContext context, CancellationToken cancellationToken)
    {
        var source = RandomImage(context.Random, 64, 64);
        var uploaded = await context.UploadImageAsync(Png.Encode(source, withAlpha: false), "canary_probe.png", cancellationToken);
        var graph = Embedded("canary_b_loadimage_invert_preview.json");
        graph["1"]!["inputs"]!["image"] = uploaded.LoadImageValue();
        return new CanaryPlan(graph, "3", image =>
        {
            if (image.Width != source.Width || image.Height != source.Height)
            {
                return $"expected {source.Width}×{source.Height}, got {image.Width}×{image.Height}";
            }

            for (var y = 0; y < source.Height; y++)
            {
                for (var x = 0; x < source.Width; x++)
                {
                    var s = source[x, y];
                    var p = image[x, y];
                    if (!Close(p.R, 255 - s.R) || !Close(p.G, 255 - s.G) || !Close(p.B, 255 - s.B))
                    {
                        return $"pixel ({x},{y}) is #{p.R:X2}{p.G:X2}{p.B:X2}, expected the inverse of #{s.R:X2}{s.G:X2}{s.B:X2}";
                    }
                }
            }

            return null;
        });
    }

    public static RgbaImage RandomImage(Random random, int width, int height)
    {
        var image = new RgbaImage(width, height, hasAlpha: false);
        random.NextBytes(image.Pixels);
        for (var i = 3; i < image.Pixels.Length; i += 4)
        {
            image.Pixels[i] = 255;
        }

        return image;
    }
}
