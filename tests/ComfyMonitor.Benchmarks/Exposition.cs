using System.Globalization;

namespace ComfyMonitor.Benchmarks;

/// <summary>
/// A Prometheus text exposition read once and indexed by the <c>comfyui_instance</c> label, so that judging hundreds
/// of instances does not scan megabytes of text for each question.
/// </summary>
internal sealed class Exposition
{
    private const string InstanceLabel = "comfyui_instance=\"";

    private readonly Dictionary<string, List<(string Line, double Value)>> _byInstance = new(StringComparer.Ordinal);

    public Exposition(string text)
    {
        Text = text;
        foreach (var line in text.Split('\n'))
        {
            var at = line.IndexOf(InstanceLabel, StringComparison.Ordinal);
            if (line.StartsWith('#') || at < 0)
            {
                continue;
            }

            var start = at + InstanceLabel.Length;
            var instance = line[start..line.IndexOf('"', start)];
            var value = double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            if (!_byInstance.TryGetValue(instance, out var lines))
            {
                _byInstance[instance] = lines = [];
            }

            lines.Add((line, value));
        }
    }

    public string Text { get; }

    /// <summary>When the exposition was read.</summary>
    public DateTimeOffset At { get; } = DateTimeOffset.UtcNow;

    /// <summary>The sum of the samples of <paramref name="name"/> for <paramref name="instance"/> whose line contains <paramref name="filter"/>.</summary>
    public double Sum(string instance, string name, string filter = "") => Samples(instance, name, filter).Sum();

    /// <summary>Whether <paramref name="instance"/> has a sample of <paramref name="name"/> at all.</summary>
    public bool Has(string instance, string name) => Samples(instance, name, "").Any();

    private IEnumerable<double> Samples(string instance, string name, string filter) =>
        _byInstance.TryGetValue(instance, out var lines)
            ? lines.Where(l => l.Line.StartsWith(name + "{", StringComparison.Ordinal) && l.Line.Contains(filter, StringComparison.Ordinal)).Select(l => l.Value)
            : [];
}
