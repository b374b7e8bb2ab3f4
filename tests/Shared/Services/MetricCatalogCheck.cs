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

    private static MetricKind Kind(Instrument instrument)
    {
        var type = instrument.GetType().GetGenericTypeDefinition();
        return type == typeof(Histogram<>) ? MetricKind.Histogram
            : type == typeof(Counter<>) || type == typeof(ObservableCounter<>) ? MetricKind.Counter
            : MetricKind.Gauge;
    }
}
