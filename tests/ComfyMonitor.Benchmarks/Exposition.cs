using System.Text.RegularExpressions;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Benchmarks;

/// <summary>
/// A Prometheus text exposition read once (the tests' <see cref="PrometheusText"/>) and indexed by the
/// <c>comfyui_instance</c> label, so that judging hundreds of instances does not go through every sample for each question.
/// </summary>
internal sealed partial class Exposition
{
    private readonly Dictionary<string, List<PrometheusText.Sample>> _byInstance = new(StringComparer.Ordinal);

    public Exposition(string text)
    {
        Parsed = PrometheusText.Parse(text);
        foreach (var sample in Parsed.Samples)
        {
            if (sample.Labels.TryGetValue("comfyui_instance", out var instance))
            {
                if (!_byInstance.TryGetValue(instance, out var samples))
                {
                    _byInstance[instance] = samples = [];
                }

                samples.Add(sample);
            }
        }
    }

    public PrometheusText Parsed { get; }

    /// <summary>When the exposition was read.</summary>
    public DateTimeOffset At { get; } = DateTimeOffset.UtcNow;

    /// <summary>The sum of the samples of <paramref name="name"/> for <paramref name="instance"/> with the labels of <paramref name="filter"/> (e.g. <c>,endpoint="history",reason="timeout"</c>).</summary>
    public double Sum(string instance, string name, string filter = "") => Samples(instance, name, filter).Sum(s => s.Value);

    /// <summary>Whether <paramref name="instance"/> has a sample of <paramref name="name"/> at all.</summary>
    public bool Has(string instance, string name) => Samples(instance, name, "").Any();

    private IEnumerable<PrometheusText.Sample> Samples(string instance, string name, string filter)
    {
        var labels = LabelPair().Matches(filter).Select(m => (Key: m.Groups[1].Value, Value: m.Groups[2].Value)).ToList();
        return _byInstance.TryGetValue(instance, out var samples)
            ? samples.Where(s => s.Name == name && labels.All(l => s.Labels.GetValueOrDefault(l.Key) == l.Value))
            : [];
    }

    [GeneratedRegex(@"(\w+)=""([^""]*)""")]
    private static partial Regex LabelPair();
}
