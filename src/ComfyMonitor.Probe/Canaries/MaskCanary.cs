using ComfyMonitor.ComfyApi.Imaging;

namespace ComfyMonitor.Probe.Canaries;

/// <summary>
/// <c>mask</c>: an image with a fresh pattern is uploaded, then a mask for it through /upload/mask with
/// original_ref; LoadImage + LoadImageMask -> ImageCompositeMasked over an EmptyImage of a fresh colour ->
/// SaveImage. Inside the mask's transparent square the composite must show the image, outside the colour.
/// </summary>
public sealed class MaskCanary : Canary
{
    public const string CanaryName = "mask";
    private const int Size = 64;

    public override string Name => CanaryName;

    public override async Task<CanaryPlan> PrepareAsync(CanaryContext context, CancellationToken cancellationToken)
    {
        var source = UploadCanary.RandomImage(context.Random, Size, Size);
        var (x0, y0) = (context.Random.Next(8, 24), context.Random.Next(8, 24));
        var mask = new RgbaImage(Size, Size);
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                var inside = x >= x0 && x < x0 + 32 && y >= y0 && y < y0 + 32;
                mask[x, y] = (0, 0, 0, inside ? (byte)0 : (byte)255); // transparent = masked
            }
        }

        var original = await context.UploadImageAsync(Png.Encode(source, withAlpha: false), "canary_mask_source.png", cancellationToken);
        var masked = await context.UploadMaskAsync(Png.Encode(mask), "canary_masked.png", original, cancellationToken);
        var background = context.Random.Next(0x1000000);
        var graph = Embedded("canary_c_image_mask_composite.json");
        graph["1"]!["inputs"]!["image"] = masked.LoadImageValue();
        graph["2"]!["inputs"]!["image"] = masked.LoadImageValue();
        graph["3"]!["inputs"]!["color"] = background;
        graph["5"]!["inputs"]!["filename_prefix"] = $"{context.Options.Subfolder}/canary_mask";
        var (br, bg, bb) = (background >> 16 & 0xFF, background >> 8 & 0xFF, background & 0xFF);
        return new CanaryPlan(graph, "5", image =>
        {
            if (image.Width != Size || image.Height != Size)
            {
                return $"expected {Size}×{Size}, got {image.Width}×{image.Height}";
            }

            for (var y = 0; y < Size; y++)
            {
                for (var x = 0; x < Size; x++)
                {
                    var inside = mask[x, y].A == 0;
                    var s = source[x, y];
                    var (er, eg, eb) = inside ? (s.R, s.G, s.B) : (br, bg, bb);
                    var p = image[x, y];
                    if (!Close(p.R, er) || !Close(p.G, eg) || !Close(p.B, eb))
                    {
                        return $"pixel ({x},{y}) is #{p.R:X2}{p.G:X2}{p.B:X2}, expected #{er:X2}{eg:X2}{eb:X2} ({(inside ? "inside" : "outside")} the mask)";
                    }
                }
            }

            return null;
        });
    }
}
