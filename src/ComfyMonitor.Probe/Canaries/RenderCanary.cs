using ComfyMonitor.ComfyApi.Imaging;

namespace ComfyMonitor.Probe.Canaries;

/// <summary><c>render</c>: EmptyImage in a colour chosen fresh each run -> SaveImage; the output must be 64×64 of that colour.</summary>
public sealed class RenderCanary : Canary
{
    public const string CanaryName = "render";

    public override string Name => CanaryName;

    public override Task<CanaryPlan> PrepareAsync(CanaryContext context, CancellationToken cancellationToken)
    {
        var color = context.Random.Next(0x1000000);
        var graph = Embedded("canary_a_empty_image_save.json");
        graph["1"]!["inputs"]!["color"] = color;
        graph["2"]!["inputs"]!["filename_prefix"] = $"{context.Options.Subfolder}/canary";
        var (r, g, b) = (color >> 16 & 0xFF, color >> 8 & 0xFF, color & 0xFF);
        return Task.FromResult(new CanaryPlan(graph, "2", image =>
        {
            if (image.Width != 64 || image.Height != 64)
            {
                return $"expected 64×64, got {image.Width}×{image.Height}";
            }

            for (var y = 0; y < 64; y++)
            {
                for (var x = 0; x < 64; x++)
                {
                    var p = image[x, y];
                    if (!Close(p.R, r) || !Close(p.G, g) || !Close(p.B, b))
                    {
                        return $"pixel ({x},{y}) is #{p.R:X2}{p.G:X2}{p.B:X2}, expected #{color:X6}";
                    }
                }
            }

            return null;
        }));
    }
}
