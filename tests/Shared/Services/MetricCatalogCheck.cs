using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ComfyMonitor.Hosting;

namespace ComfyMonitor.Testing;

/// <summary>The instruments a service publishes, by the name the Prometheus exporter gives them, for comparing with <see cref="MetricCatalog"/>.</summary>
internal static class MetricCatalogCheck
{
    /// <summary>Listens to <paramref name="meters"/> while <paramref name="run"/> runs; returns the exported names of their instruments.</summary>
    public static async Task<SortedSet<string>> ExportedNamesAsync(IReadOnlyCollection<string> meters, Func<Task> run)
    {
        var names = new ConcurrentDictionary<string, byte>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (meters.Contains(instrument.Meter.Name))
                {
                    names.TryAdd(MetricCatalog.ExportedName(instrument.Name, instrument.Unit, Kind(instrument)), 0);
                }
            },
        };
        listener.Start();
        await run();
        return new SortedSet<string>(names.Keys, StringComparer.Ordinal);
    }

    /// <summary>The catalogue's names of one exporter, with those both services export.</summary>
    public static SortedSet<string> Catalogued(string exporter) => new(
        MetricCatalog.All.Where(m => m.Exporter == exporter || m.Exporter == MetricCatalog.Both).Select(m => m.Name), StringComparer.Ordinal);

    /// <summary>
    /// Where the series of <paramref name="metrics"/> disagree with the labels <paramref name="catalog"/> gives their metric:
    /// a label the catalogue does not list, or one it lists as on every series that a series lacks.
    /// </summary>
    public static List<string> LabelProblems(IEnumerable<ExportedMetric> catalog, PrometheusText metrics)
    {
        var bySeriesName = catalog.SelectMany(m => MetricCatalog.SeriesNames(m).Select(name => (name, m))).ToDictionary(p => p.name, p => p.m, StringComparer.Ordinal);
        var problems = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var sample in metrics.Samples)
        {
            if (!bySeriesName.TryGetValue(sample.Name, out var metric))
            {
                continue;
            }

            var labels = sample.Labels.Keys.Where(l => !(metric.Kind == MetricKind.Histogram && l == "le")).ToList();
            problems.UnionWith(labels.Where(l => !metric.Allows(l)).Select(l => $"{metric.Name} has label {l}, which the catalogue does not list"));
            problems.UnionWith(metric.RequiredLabels.Except(labels).Select(l => $"{metric.Name} lacks label {l}, which the catalogue lists on every series"));
        }

        return [.. problems];
    }

    /// <summary>The catalogued metrics of which <paramref name="metrics"/> holds a series.</summary>
    public static int Seen(IEnumerable<ExportedMetric> catalog, PrometheusText metrics) =>
        catalog.Count(m => MetricCatalog.SeriesNames(m).Any(name => metrics.Named(name).Any()));

    private static MetricKind Kind(Instrument instrument)
    {
        var type = instrument.GetType().GetGenericTypeDefinition();
        return type == typeof(Histogram<>) ? MetricKind.Histogram
            : type == typeof(Counter<>) || type == typeof(ObservableCounter<>) ? MetricKind.Counter
            : MetricKind.Gauge;
    }
}
