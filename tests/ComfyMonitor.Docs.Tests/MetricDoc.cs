namespace ComfyMonitor.Docs.Tests;

/// <summary>One metric as docs/metrics.md lists it: in the part of the service that exports it.</summary>
public sealed record MetricDoc(string Part, string Name, string Type, string Unit, string Labels, string Help)
{
    /// <summary>Its row of the part's table.</summary>
    public DocEntry Entry => new(Name, $"| `{Name}` | {Type} | {Unit} | {Labels} | {GeneratedDocs.Cell(Help)} |");
}
