using ComfyMonitor.Hosting;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Docs.Tests;

/// <summary>docs/metrics.md says what the metric catalogue and the instruments say: every series, its type, unit, labels and help.</summary>
public sealed class MetricsDocTests
{
    [Fact]
    public void TheMetricsReferenceIsWhatTheCatalogueAndTheInstrumentsSay() =>
        GeneratedDocs.Check(MetricsReference.Document, MetricsReference.Regions(MetricsReference.FromCode()));

    [Fact]
    public void EveryCataloguedMetricHasAnInstrumentWithHelp() =>
        Assert.Empty(MetricsReference.FromCode().Where(m => m.Help.Length == 0).Select(m => m.Name));

    [Fact]
    public void AMetricAddedToTheCatalogueIsReportedMissingFromTheDocument()
    {
        var catalog = MetricCatalog.All.Append(new ExportedMetric("comfyui_queue_paused", MetricKind.Gauge, MetricCatalog.Collector, "comfyui_queue_paused", [MetricCatalog.Instance]));
        Assert.Equal(["comfyui_queue_paused: in the code, not in docs/metrics.md"], Drift(catalog, InstrumentDescriptions.ByInstrument));
    }

    [Fact]
    public void AMetricRemovedFromTheCatalogueIsReportedAsLeftInTheDocument()
    {
        var catalog = MetricCatalog.All.Where(m => m.Name != "comfyui_restarts_total");
        Assert.Equal(["comfyui_restarts_total: in docs/metrics.md, not in the code"], Drift(catalog, InstrumentDescriptions.ByInstrument));
    }

    [Fact]
    public void AChangedLabelIsReported()
    {
        var catalog = MetricCatalog.All.Select(m => m.Name == "comfyui_scrape_errors_total" ? m with { Labels = [MetricCatalog.Instance, "endpoint", "cause"] } : m);
        var drift = Assert.Single(Drift(catalog, InstrumentDescriptions.ByInstrument));
        Assert.StartsWith("comfyui_scrape_errors_total: the code says", drift, StringComparison.Ordinal);
        Assert.Contains("`cause`", drift, StringComparison.Ordinal);
    }

    [Fact]
    public void AChangedHelpOrUnitOfAnInstrumentIsReported()
    {
        var instruments = InstrumentDescriptions.ByInstrument.ToDictionary(p => p.Key, p => p.Value);
        instruments["comfyui_up"] = (null, "1 when the instance answers.");
        instruments["comfyui_system_ram_free_bytes"] = ("s", instruments["comfyui_system_ram_free_bytes"].Description);
        Assert.Equal(["comfyui_up", "comfyui_system_ram_free_bytes"], Drift(MetricCatalog.All, instruments).Select(d => d.Split(':')[0]));
    }

    private static List<string> Drift(IEnumerable<ExportedMetric> catalog, IReadOnlyDictionary<string, (string? Unit, string? Description)> instruments)
    {
        var current = GeneratedDocs.Apply(File.ReadAllText(Path.Combine(Repository.Root, MetricsReference.Document)), MetricsReference.Regions(MetricsReference.FromCode()));
        return GeneratedDocs.Drift(MetricsReference.Regions(MetricsReference.FromCatalog(catalog, instruments)), current, MetricsReference.Document);
    }
}
