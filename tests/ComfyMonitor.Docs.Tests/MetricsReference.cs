using ComfyMonitor.Hosting;

namespace ComfyMonitor.Docs.Tests;

/// <summary>
/// docs/metrics.md from the code: every metric of <see cref="MetricCatalog"/> with its type and labels, and the unit and
/// help its instrument is created with.
/// </summary>
public static class MetricsReference
{
    public const string Document = "docs/metrics.md";

    /// <summary>Every exported metric, by the service that exports it, in the catalogue's order.</summary>
    public static List<MetricDoc> FromCode() => FromCatalog(MetricCatalog.All, InstrumentDescriptions.ByInstrument);

    /// <summary>The metrics of <paramref name="catalog"/>, with the units and help of <paramref name="instruments"/> (by instrument name).</summary>
    public static List<MetricDoc> FromCatalog(IEnumerable<ExportedMetric> catalog, IReadOnlyDictionary<string, (string? Unit, string? Description)> instruments) => catalog.Select(m =>
    {
        var (unit, help) = instruments.TryGetValue(m.Instrument, out var found) ? found : (null, null);
        return new MetricDoc(Part(m.Exporter), m.Name, m.Kind.ToString().ToLowerInvariant(), Unit(unit), Labels(m.Labels), help ?? "");
    }).ToList();

    /// <summary>The parts of docs/metrics.md, one table each.</summary>
    public static List<DocRegion> Regions(IEnumerable<MetricDoc> metrics) => metrics.GroupBy(m => m.Part)
        .Select(part => new DocRegion(part.Key, "| metric | type | unit | labels | help |\n|---|---|---|---|---|", part.Select(m => m.Entry).ToList()))
        .ToList();

    private static string Part(string exporter) => exporter switch
    {
        MetricCatalog.Collector => "collector-metrics",
        MetricCatalog.Probe => "probe-metrics",
        _ => "shared-metrics",
    };

    /// <summary>An instrument's unit (UCUM, as OpenTelemetry has it) in words: s seconds, By bytes, {prompt} prompts.</summary>
    private static string Unit(string? unit) => unit switch
    {
        null or "" or "1" => "—",
        "s" => "seconds",
        "By" => "bytes",
        _ when unit.StartsWith('{') => unit.Trim('{', '}') + "s",
        _ => unit,
    };

    private static string Labels(IReadOnlyList<string> labels) => labels.Count == 0 ? "—" : string.Join(", ", labels.Select(l => l switch
    {
        MetricCatalog.TargetLabels => "the target's labels",
        _ when l.EndsWith(ExportedMetric.Optional, StringComparison.Ordinal) => $"`{l.TrimEnd('?')}` (some series)",
        _ => $"`{l}`",
    }));
}
