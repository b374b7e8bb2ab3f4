using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ComfyMonitor.Probe.Canaries;

/// <summary>
/// A team's own workflow: submitted as configured, with every <c>seed</c> / <c>noise_seed</c> input drawn
/// fresh each run so that the cache cannot answer; the output node's first image is checked against the
/// expectation (an image exists; width/height; mean colour within a tolerance).
/// </summary>
public sealed class CustomCanary : Canary
{
    private readonly JsonObject _graph;
    private readonly CustomCanaryOptions _options;

    public CustomCanary(CustomCanaryOptions options)
    {
        _options = options;
        _graph = Load(options.Workflow!);
    }

    public override string Name => _options.Name!;

    /// <summary>Reads the workflow: the "prompt" object itself, or a whole POST /prompt body holding it.</summary>
    /// <exception cref="FormatException">The file is not an API-format workflow.</exception>
    public static JsonObject Load(string path)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException ex)
        {
            throw new FormatException($"not valid JSON ({ex.Message})");
        }

        var graph = root is JsonObject o && o["prompt"] is JsonObject inner ? inner : root as JsonObject;
        if (graph is null || graph.Count == 0 || graph.Any(n => n.Value is not JsonObject node || node["class_type"] is not JsonValue))
        {
            throw new FormatException("not an API-format workflow: every top-level entry needs a class_type (export it with \"Save (API)\")");
        }

        return graph;
    }

    public override Task<CanaryPlan> PrepareAsync(CanaryContext context, CancellationToken cancellationToken)
    {
        var graph = (JsonObject)_graph.DeepClone();
        foreach (var (_, node) in graph)
        {
            if (node!["inputs"] is JsonObject inputs)
            {
                foreach (var key in new[] { "seed", "noise_seed" })
                {
                    if (inputs[key] is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
                    {
                        inputs[key] = context.Random.NextInt64(1L << 48);
                    }
                }
            }
        }

        return Task.FromResult(new CanaryPlan(graph, _options.OutputNode!, image =>
        {
            if (_options.Width is { } w && image.Width != w)
            {
                return $"width {image.Width}, expected {w}";
            }

            if (_options.Height is { } h && image.Height != h)
            {
                return $"height {image.Height}, expected {h}";
            }

            if (_options.MeanColor is { } hex)
            {
                var color = int.Parse(hex.TrimStart('#'), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                var (r, g, b) = image.MeanColor();
                var (er, eg, eb) = (color >> 16 & 0xFF, color >> 8 & 0xFF, color & 0xFF);
                if (Math.Abs(r - er) > _options.Tolerance || Math.Abs(g - eg) > _options.Tolerance || Math.Abs(b - eb) > _options.Tolerance)
                {
                    return string.Create(CultureInfo.InvariantCulture, $"mean colour ({r:0},{g:0},{b:0}), expected #{color:X6} ± {_options.Tolerance}");
                }
            }

            return null;
        }));
    }
}
